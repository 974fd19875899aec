#!/usr/bin/env python3
"""Import benchmark: `dalil import` of an ACLED-shaped CSV (bench/gen_acled.py)
beside the sqlite3 shell's `.import` of the same file into a bare table.
Prints both wall times, the ratio and the import's peak RSS.

    bench/import_bench.py DALIL_BINARY [--rows 1000000] [--work DIR]

Run through `scripts/bench import` (Release build).
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(cmd, **kw):
    """Runs cmd in a child; returns (seconds, peak RSS of that child in MB)."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        if "stdout" in kw:
            os.dup2(kw["stdout"].fileno(), 1)
        os.execvp(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed: %s" % " ".join(cmd))
    return elapsed, usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dalil")
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--work", default=None, help="directory for the data (default: a temporary one)")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="dalil_import_bench_")
    os.makedirs(work, exist_ok=True)
    csv_path = os.path.join(work, "acled_%d.csv" % a.rows)
    if not os.path.exists(csv_path):
        print("generating %s" % csv_path, flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_acled.py"), "--rows", str(a.rows),
                        "--out", csv_path], check=True)
    size_mb = os.path.getsize(csv_path) / 1e6

    base_db = os.path.join(work, "baseline.db")
    if os.path.exists(base_db):
        os.remove(base_db)
    # The baseline: the sqlite3 shell's CSV import into a bare table (the
    # header row names its columns), in one transaction, WAL like Dalil.
    base_s, base_rss = timed(["sqlite3", base_db, "PRAGMA journal_mode=WAL;", ".mode csv",
                              ".import %s events" % csv_path],
                             stdout=open(os.devnull, "w"))
    data = os.path.join(work, "data")
    shutil.rmtree(data, ignore_errors=True)
    subprocess.run([a.dalil, "--data-dir", data, "init"], check=True, stdout=subprocess.DEVNULL)
    log = open(os.path.join(work, "import.log"), "w")
    dalil_s, dalil_rss = timed([a.dalil, "--data-dir", data, "import", csv_path, "--format", "acled"],
                               stdout=log)
    log.close()
    floor_s = floor(a.dalil, work, os.path.join(data, "dalil.db"))
    print(open(os.path.join(work, "import.log")).read().strip())
    print("file: %d rows, %.0f MB" % (a.rows, size_mb))
    print("sqlite3 .import:  %8.2f s  (%.0f rows/s), peak RSS %.0f MB" % (base_s, a.rows / base_s, base_rss))
    print("dalil import:     %8.2f s  (%.0f rows/s), peak RSS %.0f MB" % (dalil_s, a.rows / dalil_s, dalil_rss))
    print("SQL floor:        %8.2f s  (%.1fx sqlite3): the imported records, leaves and keys copied" %
          (floor_s, floor_s / base_s))
    print("                  into an empty Dalil database by INSERT ... SELECT alone")
    print("ratio dalil/sqlite3: %.1fx (target 3x); dalil/floor: %.1fx; peak RSS target 200 MB: %s" %
          (dalil_s / base_s, dalil_s / floor_s, "met" if dalil_rss < 200 else "NOT met"))
    return 0


# The tables an import writes, parents before children (foreign keys on).
FLOOR_TABLES = ["places", "actors", "sources", "import_runs", "incidents", "claims",
                "involvements", "import_rows", "import_flags", "import_records"]


def floor(dalil, work, imported_db):
    """The least any import of this file into Dalil's schema can take: the
    rows the import wrote (records, ledger leaves with their content and
    tree nodes, import keys) copied from its database into an empty one in
    one transaction by the sqlite3 shell, in id order, with the same
    pragmas as Dalil's writer. No parsing, validation, hashing or lookup:
    only SQLite storing the same rows in the same tables and indexes."""
    empty = os.path.join(work, "floor")
    shutil.rmtree(empty, ignore_errors=True)
    subprocess.run([dalil, "--data-dir", empty, "init"], check=True, stdout=subprocess.DEVNULL)
    sql = ["PRAGMA foreign_keys=ON;", "PRAGMA cache_size=-65536;", "PRAGMA wal_autocheckpoint=8192;",
           "ATTACH '%s' AS src;" % imported_db, "BEGIN;"]
    for t in FLOOR_TABLES:
        sql.append("INSERT OR IGNORE INTO main.%s SELECT * FROM src.%s;" % (t, t))
    sql.append("INSERT INTO main.ledger SELECT * FROM src.ledger "
               "WHERE idx >= (SELECT count(*) FROM main.ledger);")
    sql.append("COMMIT;")
    start = time.monotonic()
    subprocess.run(["sqlite3", os.path.join(empty, "dalil.db")], input="\n".join(sql), text=True,
                   check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start


if __name__ == "__main__":
    sys.exit(main())
