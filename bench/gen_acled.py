#!/usr/bin/env python3
"""Writes an ACLED-shaped CSV (the column set of ACLED's Iraq exports) with N
rows, reproducibly (fixed seed), for the import benchmark and tests.

    bench/gen_acled.py --rows 1000000 --out /tmp/acled_1m.csv

Rows are protests, riots and violence against civilians in Iraq's 18
governorates, spelled as ACLED spells them (and some as UCDP or in Arabic),
with 40 districts, 30 actors with their inter codes, a few hundred source
names, notes of 40 to 200 characters and 0 to 12 fatalities.
"""
import argparse
import csv
import random
import sys

GOVERNORATES = [
    ("Baghdad", ["Karkh", "Rusafa", "Kadhimiya", "Adhamiya", "Sadr City"]),
    ("Thi Qar", ["Nasiriya", "Al-Shatra", "Suq Al-Shoyokh"]),
    ("Basra", ["Basra", "Al-Zubair", "Abu Al-Khaseeb"]),
    ("Najaf", ["Najaf", "Kufa"]), ("Karbala", ["Karbala"]), ("Babil", ["Hilla", "Al-Musayab"]),
    ("Al-Qadissiya", ["Diwaniya"]), ("Wassit", ["Kut"]), ("Missan", ["Amara"]),
    ("Muthanna", ["Samawa"]), ("Diyala", ["Baquba", "Khanaqin"]), ("Anbar", ["Ramadi", "Falluja"]),
    ("Ninewa", ["Mosul", "Sinjar", "Tel Afar"]), ("Salah al-Din", ["Tikrit", "Samarra"]),
    ("Kirkuk", ["Kirkuk"]), ("Erbil", ["Erbil"]), ("Sulaymaniyah", ["Sulaymaniyah"]),
    ("Duhok", ["Duhok"]), ("ذي قار", ["الناصرية"]), ("Al Anbār province", ["Qaḑā’ ar Ramādī"]),
]
ACTORS = [("Protesters (Iraq)", 6), ("Rioters (Iraq)", 5), ("Police Forces of Iraq (2020-)", 1),
          ("Military Forces of Iraq (2020-)", 1), ("Civilians (Iraq)", 7),
          ("Unidentified Armed Group (Iraq)", 3), ("PMF: Popular Mobilization Forces", 3),
          ("Kataib Hezbollah", 3), ("Saraya al-Salam", 3), ("Asaib Ahl al-Haq", 3)] + [
          ("Tribal Militia %d (Iraq)" % i, 4) for i in range(20)]
EVENTS = [("Protests", "Peaceful protest", 0), ("Protests", "Protest with intervention", 2),
          ("Protests", "Excessive force against protesters", 12), ("Riots", "Violent demonstration", 3),
          ("Riots", "Mob violence", 2), ("Violence against civilians", "Attack", 8),
          ("Violence against civilians", "Abduction/forced disappearance", 0),
          ("Strategic developments", "Arrests", 0)]
HEADER = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
          "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
          "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
          "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
          "notes", "fatalities", "tags", "timestamp"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
WORDS = ("protesters gathered demanding jobs services end corruption security forces fired live "
         "ammunition tear gas canisters injured killed arrested activists near the governorate "
         "building bridge square in solidarity with Tahrir").split()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=2021)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    sources = ["Source %d" % i for i in range(300)] + ["Shafaq News", "Al Sumaria", "Rudaw", "NINA"]
    with open(a.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for i in range(1, a.rows + 1):
            gov, districts = GOVERNORATES[rnd.randrange(len(GOVERNORATES))]
            etype, sub, maxdead = EVENTS[rnd.randrange(len(EVENTS))]
            a1, i1 = ACTORS[rnd.randrange(len(ACTORS))]
            a2, i2 = ACTORS[rnd.randrange(len(ACTORS))] if rnd.random() < 0.6 else ("", "")
            year = 2016 + rnd.randrange(8)
            date = "%02d %s %d" % (1 + rnd.randrange(28), MONTHS[rnd.randrange(12)], year)
            district = districts[rnd.randrange(len(districts))]
            notes = " ".join(rnd.choice(WORDS) for _ in range(rnd.randrange(8, 35)))
            w.writerow(["IRQ%d" % i, date, year, 1 + rnd.randrange(3), "Demonstrations", etype, sub,
                        a1, "", i1, a2, "", i2, "", "", 368, "Middle East", "Iraq", gov, district,
                        "", district, "%.4f" % (29.5 + rnd.random() * 7.5),
                        "%.4f" % (39.5 + rnd.random() * 8.5), 1 + rnd.randrange(3),
                        rnd.choice(sources), "National", notes,
                        rnd.randrange(maxdead + 1) if maxdead else 0, "", 1700000000 + i])
    return 0


if __name__ == "__main__":
    sys.exit(main())
