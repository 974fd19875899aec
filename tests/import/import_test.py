"""End-to-end tests of `dalil import`, `import-report` and `export` on real
data (../shared/data/real/) and hand-made malformed files, plus the API
routes and an independent GeoJSON consumer (GDAL's ogrinfo).

Run by CTest with DALIL_BIN pointing at the built binary.
"""
import csv
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from dalil_process import BIN, Server, run  # noqa: E402

SOURCE = os.environ.get("DALIL_SOURCE_DIR", os.path.join(HERE, "..", ".."))
SHARED = os.environ.get("DALIL_SHARED_DIR", os.path.join(SOURCE, "..", "shared"))
UCDP = os.path.join(SHARED, "data", "real", "ucdp_ged_iraq_1989-2018_hdx.csv")
GEN = os.path.join(SOURCE, "bench", "gen_acled.py")

SUMMARY = re.compile(r"rows (\d+): imported (\d+), updated (\d+), unchanged (\d+), "
                     r"rejected (\d+), flagged (\d+)")


def counts(stdout):
    m = SUMMARY.search(stdout)
    assert m, stdout
    keys = ("rows", "imported", "updated", "unchanged", "rejected", "flagged")
    return dict(zip(keys, map(int, m.groups())))


def run_id(stdout):
    return int(re.search(r"Import (\d+) of", stdout).group(1))


class ImportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dalil_import_")
        self.data = os.path.join(self.tmp, "data")
        r = run("init", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def db(self):
        return sqlite3.connect("file:%s?mode=ro" % os.path.join(self.data, "dalil.db"), uri=True)

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    def test_real_ucdp_file_imports_every_event_once(self):
        with open(UCDP, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))[1:]  # row 2 is the HXL row
        self.assertEqual(len(rows), 7473)
        r = run("import", UCDP, "--format", "ucdp-ged", data_dir=self.data, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        c = counts(r.stdout)
        self.assertEqual((c["rows"], c["imported"], c["rejected"]), (7473, 7473, 0), r.stdout)
        with self.db() as db:
            self.assertEqual(db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0], 7473)
            self.assertEqual(db.execute("SELECT SUM(count_best) FROM claims").fetchone()[0],
                             sum(int(x["best"]) for x in rows))
            # UCDP's own low and high, verbatim in each claim's quote, add up
            # to the file's totals (the range widens where they are out of order).
            quotes = [q for (q,) in db.execute("SELECT quote FROM claims")]
            lows = sum(int(re.search(r"low (\d+)", q).group(1)) for q in quotes)
            highs = sum(int(re.search(r"high (\d+)", q).group(1)) for q in quotes)
            self.assertEqual(lows, sum(int(x["low"]) for x in rows))
            self.assertEqual(highs, sum(int(x["high"]) for x in rows))
            self.assertEqual(
                db.execute("SELECT COUNT(*) FROM claims WHERE count_min > count_best "
                           "OR count_best > count_max").fetchone()[0], 0)
            # Every event with an adm_1 lies in one of the 18 seeded governorates.
            govs = dict(db.execute("SELECT id, iso_code FROM places WHERE level = 'governorate'"))
            self.assertEqual(len(govs), 18)
            self.assertTrue(all(code for code in govs.values()))
            parent = dict(db.execute("SELECT id, parent_id FROM places"))
            by_event = dict(db.execute("SELECT event_key, incident_id FROM import_rows"))
            place_of = dict(db.execute("SELECT id, place_id FROM incidents"))

            def governorate(p):
                for _ in range(10):
                    if p in govs or p is None:
                        return p
                    p = parent.get(p)
            seen = set()
            for x in rows:
                g = governorate(place_of[by_event[x["id"]]])
                if x["adm_1"]:
                    self.assertIn(g, govs, x["adm_1"])
                    seen.add(govs[g])
            self.assertEqual(len(seen), 18)
            leaves = db.execute("SELECT COUNT(*) FROM ledger").fetchone()[0]
        r = run("import", UCDP, "--format", "ucdp-ged", data_dir=self.data, timeout=600)
        c = counts(r.stdout)
        self.assertEqual((c["unchanged"], c["imported"], c["updated"], c["rejected"]),
                         (7473, 0, 0, 0))
        with self.db() as db:
            self.assertEqual(db.execute("SELECT COUNT(*) FROM ledger").fetchone()[0], leaves)
        v = run("verify", data_dir=self.data, timeout=600)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)

    def test_newer_version_updates_changed_rows_only(self):
        with open(UCDP, encoding="utf-8", newline="") as f:
            lines = f.read().split("\n")
        head = "\n".join(lines[:102]) + "\n"  # header, HXL row, 100 events
        first = self.write("v1.csv", head)
        r = run("import", first, "--format", "ucdp-ged", data_dir=self.data)
        self.assertEqual(counts(r.stdout)["imported"], 100)
        fields = next(csv.reader([lines[2]]))
        fields[43] = str(int(fields[43]) + 1)  # best
        fields[44] = str(int(fields[44]) + 5)  # high
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(fields)
        second = self.write("v2.csv", "\n".join(lines[:2] + [buf.getvalue()] + lines[3:102]) + "\n")
        r = run("import", second, "--format", "ucdp-ged", data_dir=self.data)
        c = counts(r.stdout)
        self.assertEqual((c["updated"], c["unchanged"], c["imported"]), (1, 99, 0), r.stdout)
        rep = json.loads(run("import-report", str(run_id(r.stdout)), "--format", "json",
                             data_dir=self.data).stdout)
        self.assertEqual(rep["changes"], 1)
        with self.db() as db:
            best, high, version = db.execute(
                "SELECT count_best, count_max, c.version FROM claims c JOIN import_rows r "
                "ON r.incident_id = c.incident_id WHERE r.event_key = ?", (fields[0],)).fetchone()
            self.assertEqual((best, high, version), (int(fields[43]), int(fields[44]), 2))

    def test_malformed_files_get_clear_reports_and_no_crash(self):
        header = ("event_id_cnty,event_date,event_type,sub_event_type,actor1,inter1,country,"
                  "admin1,fatalities\n")
        good = "IRQ1,2021-02-26,Protests,Peaceful protest,Protesters (Iraq),6,Iraq,Baghdad,0\n"
        # Whole-file problems: a non-zero exit and a sentence naming the problem.
        cases = {
            "empty.csv": (b"", "empty"),
            "utf16.csv": (header.encode("utf-16"), "not UTF-8"),
            "other.csv": (b"name,age\nx,1\n", "required columns are missing"),
        }
        for name, (data, message) in cases.items():
            r = run("import", self.write(name, data), "--format", "acled", data_dir=self.data)
            self.assertEqual(r.returncode, 2, name)
            self.assertIn(message, r.stderr, name)
        # Row problems: the import completes; each bad row is in the report.
        big = 50 * 1024 * 1024
        rows = {
            "truncated.csv": (header + good + 'IRQ2,2021-02-27,Protests,,"unclosed,6,Iraq,Basra,1\n',
                              "never closed"),
            "latin1.csv": (header.encode() + good.encode() +
                           "IRQ3,2021-02-27,Protests,,A,6,Iraq,Bàgdad,1\n".encode("latin-1"),
                           "not valid UTF-8"),
            "bigfield.csv": (header.encode() + good.encode() + b"IRQ4,2021-02-27,Protests,,\"" +
                             b"x" * big + b"\",6,Iraq,Basra,1\n", "longer than"),
            "manycols.csv": (header.encode() + good.encode() + b"IRQ5" + b",1" * 1000000 + b"\n",
                             "more than 4096 columns"),
            "dates.csv": (header + good + "IRQ6,2021-02-30,Protests,,A,6,Iraq,Basra,1\n",
                          "not a date that exists"),
            "counts.csv": (header + good + "IRQ7,2021-02-27,Protests,,A,6,Iraq,Basra,a dozen\n",
                           "not a whole number"),
            "missing.csv": (header + good + "IRQ8,2021-02-27,Protests,,,6,Iraq,Basra,1\n",
                            "actor1 is missing"),
            "columns.csv": (header + good + "IRQ9,2021-02-27,Protests\n", "the row has 3 columns"),
        }
        for name, (data, reason) in rows.items():
            data_dir = os.path.join(self.tmp, "d-" + name)
            run("init", data_dir=data_dir)
            r = run("import", self.write(name, data), "--format", "acled", data_dir=data_dir,
                    timeout=300)
            self.assertEqual(r.returncode, 0, name + r.stderr)
            c = counts(r.stdout)
            self.assertEqual((c["imported"], c["rejected"]), (1, 1), name + r.stdout)
            rep = json.loads(run("import-report", str(run_id(r.stdout)), "--format", "json",
                                 data_dir=data_dir).stdout)
            self.assertEqual(len(rep["rejects"]), 1, name)
            rej = rep["rejects"][0]
            self.assertEqual(rej["line"], 3, name)
            self.assertIn(reason, rej["reason"], name)
            self.assertLessEqual(len(rej["value"].encode()), 300, name)
            text = run("import-report", str(run_id(r.stdout)), data_dir=data_dir).stdout
            self.assertIn("rejected 1", text)

    def test_hxl_min_above_max_and_missing_fields(self):
        path = self.write("hxl.csv",
                          "date,gov,type,kmin,kmax\n#date,#adm1+name,#event+type,"
                          "#affected+killed+min,#affected+killed+max\n"
                          "2021-02-27,Thi-Qar,Protests,10,12\n"
                          "2021-02-27,Basra,Protests,12,10\n"
                          "2021-02-27,,Protests,1,2\n")
        r = run("import", path, "--format", "hxl-csv", data_dir=self.data)
        c = counts(r.stdout)
        self.assertEqual((c["imported"], c["rejected"]), (1, 2), r.stdout)
        rep = json.loads(run("import-report", str(run_id(r.stdout)), "--format", "json",
                             data_dir=self.data).stdout)
        reasons = [x["reason"] for x in rep["rejects"]]
        self.assertIn("greater than the maximum", reasons[0])
        self.assertIn("place is missing", reasons[1])

    def test_kill_during_import_then_rerun_completes_without_duplicates(self):
        path = os.path.join(self.tmp, "acled.csv")
        subprocess.run([sys.executable, GEN, "--rows", "6000", "--out", path], check=True)
        proc = subprocess.Popen([BIN, "--data-dir", self.data, "import", path, "--format", "acled",
                                 "--batch", "200"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # Wait until some batches are committed, then kill -9 mid-import.
        committed = 0
        for _ in range(6000):
            with self.db() as db:
                got = db.execute("SELECT COALESCE(MAX(rows_read), 0) FROM import_runs").fetchone()[0]
            if got >= 400 or proc.poll() is not None:
                committed = got
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        self.assertGreater(committed, 0)
        with self.db() as db:
            incidents = db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
            keyed = db.execute("SELECT COUNT(*) FROM import_rows").fetchone()[0]
            # No partial row: every incident has its key, claim and source.
            self.assertEqual(incidents, keyed)
            self.assertEqual(db.execute("SELECT COUNT(*) FROM claims").fetchone()[0], incidents)
            self.assertGreaterEqual(incidents, committed)
        r = run("import", path, "--format", "acled", "--batch", "200", data_dir=self.data,
                timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        c = counts(r.stdout)
        self.assertEqual(c["imported"] + c["unchanged"], 6000)
        self.assertGreaterEqual(c["unchanged"], committed)
        with self.db() as db:
            self.assertEqual(db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0], 6000)
            self.assertEqual(db.execute(
                "SELECT COUNT(DISTINCT event_key) FROM import_rows").fetchone()[0], 6000)
            statuses = [s for (s,) in db.execute("SELECT status FROM import_runs ORDER BY id")]
            self.assertEqual(statuses, ["interrupted", "completed"])
        v = run("verify", data_dir=self.data, timeout=600)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)

    def test_dry_run_writes_nothing(self):
        r = run("import", UCDP, "--format", "ucdp-ged", "--dry-run", data_dir=self.data,
                timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(counts(r.stdout)["imported"], 7473)
        with self.db() as db:
            self.assertEqual(db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0], 0)
            self.assertEqual(db.execute("SELECT COUNT(*) FROM import_runs").fetchone()[0], 0)


class ExportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dalil_export_")
        self.data = os.path.join(self.tmp, "data")
        self.assertEqual(run("init", data_dir=self.data).returncode, 0)
        self.assertEqual(run("demo", data_dir=self.data).returncode, 0)
        # The demo's identities, from the dataset itself (in the database
        # they are sealed): names, their variants, contacts, affiliations.
        demo = os.path.join(os.environ.get("DALIL_SOURCE_DIR", os.path.join(
            os.path.dirname(__file__), "..", "..")), "data", "demo", "demo.json")
        with open(demo, encoding="utf-8") as f:
            persons = json.load(f)["persons"]
        self.names = [p["name"] for p in persons]
        self.names += [v for p in persons for v in p.get("name_variants", [])]
        self.names += [p["affiliation"] for p in persons if p.get("affiliation")]
        with sqlite3.connect(os.path.join(self.data, "dalil.db")) as db:
            self.verified = db.execute(
                "SELECT COUNT(*) FROM incidents WHERE review_status = 'verified'").fetchone()[0]
            self.total = db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
        self.assertTrue(self.names)
        self.assertLess(self.verified, self.total)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def assert_no_names(self, text):
        for name in self.names:
            self.assertNotIn(name, text)

    def test_cli_exports_and_json_round_trip(self):
        out = os.path.join(self.tmp, "all.json")
        r = run("export", "--format", "json", "--all-statuses", "-o", out, data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, encoding="utf-8") as f:
            text = f.read()
        self.assert_no_names(text)
        self.assertEqual(len(json.loads(text)["incidents"]), self.total)
        fresh = os.path.join(self.tmp, "fresh")
        run("init", data_dir=fresh)
        r = run("import", out, "--format", "dalil-json", data_dir=fresh)
        self.assertEqual(r.returncode, 0, r.stderr)
        for by in ("governorate", "month", "type"):
            a = run("figures", "--by", by, "--format", "json", data_dir=self.data).stdout
            b = run("figures", "--by", by, "--format", "json", data_dir=fresh).stdout
            self.assertEqual(json.loads(a), json.loads(b), by)
        r = run("import", out, "--format", "dalil-json", data_dir=fresh)
        self.assertEqual(counts(r.stdout)["imported"], 0)

        hxl = run("export", "--format", "hxl", data_dir=self.data).stdout
        rows = list(csv.reader(io.StringIO(hxl)))
        self.assertEqual(rows[1][0], "#event+id")
        self.assertIn("#affected+killed+min", rows[1])
        self.assertEqual(len(rows), 2 + self.verified)
        self.assertTrue(any(re.search("[\u0600-\u06FF]", cell) for row in rows for cell in row))
        self.assert_no_names(hxl)
        self.assertEqual(run("export", "--format", "xlsx", data_dir=self.data).returncode, 2)
        self.assertEqual(run("export", "--place", "IQ-XX", data_dir=self.data).returncode, 2)

    def test_geojson_read_by_ogrinfo(self):
        out = os.path.join(self.tmp, "incidents.geojson")
        r = run("export", "--format", "geojson", "-o", out, data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, encoding="utf-8") as f:
            doc = json.load(f)
        self.assertEqual(doc["type"], "FeatureCollection")
        self.assertEqual(len(doc["features"]), self.verified)
        info = subprocess.run(["ogrinfo", "-ro", "-al", out], capture_output=True, text=True,
                              timeout=120)
        self.assertEqual(info.returncode, 0, info.stderr)
        self.assertIn("Feature Count: %d" % self.verified, info.stdout)
        self.assertIn("Geometry: Point", info.stdout)
        self.assertIn("killed_min", info.stdout)
        title = next(f["properties"]["title_ar"] for f in doc["features"]
                     if f["properties"]["title_ar"])
        self.assertIn(title, info.stdout)  # Arabic intact through an independent reader

    def test_api_import_and_export(self):
        server = Server(self.data)
        try:
            status, body = server.raw("GET", "/api/v1/export?format=json")
            self.assertEqual(status, 200)
            text = body.decode("utf-8")
            self.assert_no_names(text)
            statuses = {i["review_status"] for i in json.loads(text)["incidents"]}
            self.assertEqual(statuses, {"verified"})
            # Sent as it is read back from a scratch file (chunked), which
            # is unlinked as soon as it is open: nothing stays in tmp/.
            req = urllib.request.Request(server.url + "/api/v1/export?format=geojson",
                                         headers={"Authorization": "Bearer " + server.token})
            with urllib.request.urlopen(req, timeout=30) as r:
                self.assertEqual(r.headers.get("Transfer-Encoding"), "chunked")
                self.assertEqual(len(json.loads(r.read())["features"]), self.verified)
            self.assertEqual(os.listdir(os.path.join(self.data, "tmp")), [])
            self.assertEqual(os.stat(os.path.join(self.data, "tmp")).st_mode & 0o777, 0o700)
            status, body = server.raw("GET", "/api/v1/export?format=geojson&all_statuses=true")
            self.assertEqual(status, 400)
            csv_text = server.text("/api/v1/export?format=csv&place=IQ-DQ")
            self.assertTrue(csv_text.startswith("event_id,"))

            upload = ("event_id_cnty,event_date,event_type,sub_event_type,actor1,inter1,country,"
                      "admin1,fatalities\nIRQX1,2021-02-28,Protests,Peaceful protest,Protesters "
                      "(Iraq),6,Iraq,ذي قار,0\nIRQX2,2021-02-30,Protests,,A,6,Iraq,Basra,0\n")
            status, rep = server.call("POST", "/api/v1/imports",
                                      {"format": "acled", "content": upload,
                                       "file_name": "upload.csv"})
            self.assertEqual(status, 201, rep)
            self.assertEqual((rep["run"]["imported"], rep["run"]["rejected"]), (1, 1))
            self.assertEqual(rep["rejects"][0]["column"], "event_date")
            again = server.get("/api/v1/imports/%d" % rep["run"]["id"])
            self.assertEqual(again["run"]["status"], "completed")
            status, err = server.call("POST", "/api/v1/imports", {"format": "xls", "content": ""})
            self.assertEqual(status, 400)
            self.assertEqual(err["error"]["field"], "format")
            status, _ = server.call("GET", "/api/v1/imports/999")
            self.assertEqual(status, 404)
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
