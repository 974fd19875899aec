"""End-to-end tests of encryption at rest (docs/security.md), through the
real dalil binary and a real server on an ephemeral loopback port.

- Canaries: a unique string in every sensitive field of every entity (and in
  an evidence file), written through the HTTP API, read back intact, and
  found nowhere in the raw bytes of the data directory (database, its WAL
  and shared memory, evidence files, logs) nor in anything the server or the
  commands print, nor in error responses.
- A wrong, missing or world-readable master key: a clear error, the exit
  code of src/base/error_map.cc, and not one byte of the data changed.
- `dalil keys rotate` while a reader polls the server: every read succeeds,
  the old key version is gone afterwards, and `dalil verify` stays intact.

Python standard library only.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from dalil_process import BIN, Server, Session, add_user, run  # noqa: E402

# Exit codes from src/base/error_map.cc.
EXIT_INVALID, EXIT_NOT_FOUND, EXIT_UNAUTHENTICATED = 2, 3, 8


def files_under(root):
    for d, _, names in os.walk(root):
        for n in names:
            yield os.path.join(d, n)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def fingerprint(root):
    """Every file's bytes, hashed, by path (keys excluded: the test edits them)."""
    out = {}
    for p in files_under(root):
        if os.sep + "keys" + os.sep in p:
            continue
        out[os.path.relpath(p, root)] = hashlib.sha256(read_bytes(p)).hexdigest()
    return out


def forms(text):
    """The byte forms a leaked string could take: UTF-8, JSON-escaped, UTF-16."""
    escaped = json.dumps(text)[1:-1]
    return {text.encode("utf-8"), escaped.encode("ascii"), text.encode("utf-16-le")}


class AtRestTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dalil_at_rest_")
        self.data = os.path.join(self.tmp, "data")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def init(self, demo=False):
        r = run("init", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        if demo:
            r = run("demo", data_dir=self.data)
            self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def upload(self, srv, body, query):
        req = urllib.request.Request(srv.url + "/api/v1/evidence?" + query, data=body,
                                     method="POST", headers={"Content-Type": "image/jpeg",
                                                             "Authorization": "Bearer " + srv.token})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())

    def assert_nowhere(self, canaries, blobs, where):
        for name, blob in blobs:
            for c in canaries:
                for form in forms(c):
                    self.assertNotIn(form, blob, "%s found in %s (%s)" % (c, name, where))

    def test_init_says_there_is_no_recovery(self):
        r = self.init()
        self.assertIn("THERE IS NO RECOVERY", r.stdout)
        key = os.path.join(self.data, "keys", "master.key")
        self.assertIn(key, r.stdout)
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)

    def test_canaries_in_every_sensitive_field_never_reach_disk_or_logs(self):
        self.init()
        srv = Server(self.data)
        canaries = []

        def canary(field):
            canaries.append("CANARY%02d-%s-7f3a" % (len(canaries) + 1, field))
            return canaries[-1]

        # Arabic too: a leak in UTF-8 or as \u escapes must be caught.
        arabic = "كناري-شاهد-٧٣"

        def post(path, body):
            status, created = srv.call("POST", path, body)
            self.assertEqual(status, 201, (path, created))
            return created

        # Every sensitive field of every entity (x-sensitive in the OpenAPI
        # document); the test fails if one is added without a canary here.
        openapi = json.loads(run("openapi").stdout)
        flagged = sorted((name.lower(), field) for name, schema in openapi["components"]["schemas"].items()
                         for field, prop in schema.get("properties", {}).items()
                         if prop.get("x-sensitive"))
        witness = canary("witness_identity") + " " + arabic
        source = post("/api/v1/sources", {
            "kind": "witness_testimony", "reliability": "reliable", "title": "Testimony",
            "witness_identity": witness})
        person_body = {
            "name": canary("name"), "name_variants": [canary("variant1"), canary("variant2")],
            "contact": canary("contact"), "home_location": canary("home_location"),
            "affiliation": canary("affiliation")}
        person = post("/api/v1/persons", person_body)
        incident = post("/api/v1/incidents", {
            "title_en": "Canary incident", "start_date": "2021-02-26", "place_id": 13,
            "event_type": "protests"})
        actor = post("/api/v1/actors", {"name_en": "Canary unit", "kind": "state_forces"})
        perpetrators = [canary("perpetrator1"), canary("perpetrator2")]
        involvement = post("/api/v1/involvements", {
            "incident_id": incident["id"], "actor_id": actor["id"], "role": "perpetrator",
            "perpetrator_names": perpetrators})
        written = {("source", "witness_identity"), ("involvement", "perpetrator_names")}
        written |= {("person", f) for f in person_body}
        self.assertEqual(sorted(written), flagged)
        evidence_bytes = ("\xff\xd8 JPEG " + canary("evidence_content")).encode("utf-8")
        status, evidence = self.upload(srv, evidence_bytes, "name=photo.jpg")
        self.assertEqual(status, 201)
        # Updates are sealed too (the record and the ledger's copy).
        new_contact = canary("contact_v2")
        status, _ = srv.call("PATCH", "/api/v1/persons/%d" % person["id"],
                             {"contact": new_contact, "version": 1})
        self.assertEqual(status, 200)

        # Bad input carrying canaries: the errors never repeat them.
        bad = canary("rejected")
        errors = [
            srv.call("POST", "/api/v1/persons", {"name": bad, "sex": "unknown-" + bad}),
            srv.call("PATCH", "/api/v1/persons/%d" % person["id"], {"name": bad, "version": 1}),
            srv.call("POST", "/api/v1/involvements", {
                "incident_id": incident["id"], "actor_id": 99999, "role": "perpetrator",
                "perpetrator_names": [bad]}),
            srv.call("POST", "/api/v1/persons", {"name": bad, "contact": ["not", "text"]})]
        self.assertEqual([status for status, _ in errors], [400, 409, 400, 400])
        leaks = ["CANARY", arabic]
        self.assert_nowhere(leaks, [("error", json.dumps(e).encode()) for _, e in errors],
                            "error responses")

        # The canary person is a named victim of a verified incident (so in
        # the figures) and has a near twin (so in the duplicate suggestions).
        outcome = post("/api/v1/outcomes", {"incident_id": incident["id"],
                                             "person_id": person["id"], "kind": "killed",
                                             "source_id": source["id"]})
        twin = post("/api/v1/persons", {"name": person_body["name"] + " Twin"})
        status, _ = srv.call("PATCH", "/api/v1/incidents/%d" % incident["id"],
                             {"review_status": "verified"})
        self.assertEqual(status, 200)
        figures = srv.get("/api/v1/figures?ids=all")["groups"]
        self.assertIn(outcome["id"], [o for g in figures
                                      for o in g["figures"].get("killed", {}).get("outcomes", [])])
        pairs = srv.get("/api/v1/persons/duplicates?threshold=0")["items"]
        self.assertIn({person["id"], twin["id"]}, [{c["person_a"], c["person_b"]} for c in pairs])
        # No response shows them, whatever the caller's role: every read,
        # listing, history, figure and duplicate suggestion, as each role
        # (docs/security.md 14).
        readers = {"admin": srv.token}
        for role in ("viewer", "documenter", "reviewer", "coordinator"):
            add_user(self.data, "canary-" + role, role)
            made = run("user", "token", "canary-" + role, "--name", "canary", "--days", "1",
                       data_dir=self.data)
            self.assertEqual(made.returncode, 0, made.stderr)
            readers[role] = made.stdout.strip()
        ids = {"persons": person["id"], "sources": source["id"], "involvements": involvement["id"]}
        paths = ["/api/v1/figures?ids=all", "/api/v1/figures?by=governorate",
                 "/api/v1/outcomes?limit=500", "/api/v1/persons/duplicates",
                 "/api/v1/persons/duplicates?threshold=0", "/api/v1/export?format=json",
                 "/api/v1/ledger/leaves"]
        for plural, rid in dict(ids, evidence=evidence["id"]).items():
            paths += ["/api/v1/%s/%d" % (plural, rid), "/api/v1/%s?limit=500" % plural,
                      "/api/v1/%s/%d/history" % (plural, rid)]
        for role, token in readers.items():
            for path in paths:
                status, body = srv.raw("GET", path, headers={"Authorization": "Bearer " + token})
                self.assertEqual(status, 200, (role, path, body[:300]))
                self.assert_nowhere(leaks, [(path, body)], "response to " + role)
            # Tokens never reveal, files included; the old download route is gone.
            for method, path in (("POST", "/api/v1/evidence/%d/reveal" % evidence["id"]),
                                 ("GET", "/api/v1/evidence/%d/content" % evidence["id"])):
                status, body = srv.raw(method, path, headers={"Authorization": "Bearer " + token})
                self.assertEqual(status, 403 if method == "POST" else 404, (role, path, body[:300]))
                self.assert_nowhere(leaks, [(path, body)], "response to " + role)
        got = srv.get("/api/v1/persons/%d" % person["id"])
        self.assertEqual(sorted(got["withheld"]["fields"]), sorted(person_body))
        self.assertEqual(got["withheld"]["reveal"], "POST /api/v1/persons/%d/reveal" % person["id"])
        # A documenter signed in with a password sees them, by a recorded reveal.
        session = Session(srv, "canary-documenter")
        shown = {}
        for plural, rid in ids.items():
            status, body = session.call("POST", "/api/v1/%s/%d/reveal" % (plural, rid))
            self.assertEqual(status, 200, body)
            shown[plural] = body["fields"]
        self.assertEqual(shown["persons"], dict(person_body, contact=new_contact))
        self.assertEqual(shown["involvements"], {"perpetrator_names": perpetrators})
        self.assertEqual(shown["sources"], {"witness_identity": witness})
        # So are the evidence file's contents, and only so (no GET serves them).
        status, content, headers = session.raw("POST", "/api/v1/evidence/%d/reveal" % evidence["id"])
        self.assertEqual((status, content), (200, evidence_bytes))
        self.assertEqual(headers["Content-Type"], "image/jpeg")
        self.assertTrue(headers["Content-Disposition"].startswith("attachment;"))
        reveals = srv.get("/api/v1/reveals?entity=evidence&record_id=%d" % evidence["id"])["items"]
        self.assertEqual([(r["id"], r["fields"]) for r in reveals],
                         [(int(headers["Dalil-Reveal-Id"]), ["content"])])
        # The public record of the ledger carries commitments, not values.
        for path in ("/api/v1/persons/%d/history" % person["id"],
                     "/api/v1/sources/%d/history" % source["id"],
                     "/api/v1/involvements/%d/history" % involvement["id"]):
            status, history = srv.raw("GET", path)
            self.assertEqual(status, 200)
            self.assert_nowhere(leaks, [(path, history)], "public history")

        # While the server runs the WAL holds the latest pages: check it now...
        on_disk = [(p, read_bytes(p)) for p in files_under(self.data)]
        names = {os.path.basename(p) for p, _ in on_disk}
        self.assertLessEqual({"dalil.db", "dalil.db-wal", "dalil.db-shm", "access.log"}, names)
        self.assertTrue(any(os.sep + "evidence" + os.sep in p for p, _ in on_disk))
        self.assert_nowhere(leaks, on_disk, "data directory, server running")
        rc, out, err = srv.stop()
        self.assertEqual(rc, 0, err)
        # ... and after a clean stop, with the logs, the server's output, and
        # what the other commands print.
        printed = [("serve stdout", out.encode()), ("serve stderr", err.encode())]
        for args in (("verify",), ("keys", "status"), ("figures",), ("ledger", "checkpoint")):
            r = run(*args, data_dir=self.data)
            self.assertEqual(r.returncode, 0, (args, r.stderr))
            printed.append((" ".join(args), (r.stdout + r.stderr).encode()))
        on_disk = [(p, read_bytes(p)) for p in files_under(self.data)]
        self.assertTrue(any(p.endswith("access.log") and b for p, b in on_disk))
        self.assert_nowhere(leaks, on_disk + printed, "after stop")

    def test_wrong_missing_or_loose_master_key_changes_nothing(self):
        self.init(demo=True)
        key = os.path.join(self.data, "keys", "master.key")
        with open(key) as f:
            good = f.read()
        before = fingerprint(self.data)

        def expect(code, text, *args, stdin=None):
            r = run(*args, data_dir=self.data) if stdin is None else \
                run_with_stdin(self.data, stdin, *args)
            self.assertEqual(r.returncode, code, (args, r.stdout, r.stderr))
            self.assertIn(text, r.stderr)
            self.assertEqual(fingerprint(self.data), before, args)

        with open(key, "w") as f:
            f.write("dalil-master-key-v1 " + "ab" * 32 + "\n")
        for args in (("verify",), ("serve", "--port", "0"), ("figures",), ("keys", "rotate"),
                     ("demo",)):
            expect(EXIT_UNAUTHENTICATED, "master key does not match", *args)
        os.remove(key)
        expect(EXIT_NOT_FOUND, "is missing", "serve", "--port", "0")
        expect(EXIT_NOT_FOUND, "no other way to recover", "verify")
        with open(key, "w") as f:
            f.write(good)
        os.chmod(key, 0o644)
        expect(EXIT_UNAUTHENTICATED, "chmod 600", "serve", "--port", "0")
        os.chmod(key, 0o600)
        expect(EXIT_INVALID, "not a passphrase", "verify", stdin="some passphrase here\n")
        # With the right key everything is as it was.
        r = run("verify", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_keys_init_encrypts_a_database_from_before_encryption(self):
        # Make a database as Dalil wrote them before encryption at rest:
        # sensitive values and the ledger's copies stored as they are, no
        # keys, evidence files in plaintext.
        self.init()
        srv = Server(self.data)
        name = "CANARY-legacy-name"
        status, person = srv.call("POST", "/api/v1/persons", {"name": name})
        self.assertEqual(status, 201)
        photo = b"CANARY-legacy-evidence"
        req = urllib.request.Request(srv.url + "/api/v1/evidence?name=p.jpg", data=photo,
                                     method="POST", headers={"Content-Type": "image/jpeg",
                                                             "Authorization": "Bearer " + srv.token})
        with urllib.request.urlopen(req, timeout=30) as r:
            evidence = json.loads(r.read())
        srv.stop()
        db = sqlite3.connect(os.path.join(self.data, "dalil.db"))
        db.execute("UPDATE persons SET name = ? WHERE id = ?", (name.encode(), person["id"]))
        db.execute("UPDATE ledger SET secrets = ? WHERE secrets IS NOT NULL",
                   (json.dumps({"name": name}).encode(),))
        db.execute("DELETE FROM data_keys")
        db.execute("DELETE FROM key_settings")
        db.commit()
        db.close()
        sha = evidence["sha256"]
        with open(os.path.join(self.data, "evidence", sha[:2], sha), "wb") as f:
            f.write(photo)
        os.remove(os.path.join(self.data, "keys", "master.key"))
        self.assertIn(name.encode(), read_bytes(os.path.join(self.data, "dalil.db")))

        r = run("verify", data_dir=self.data)
        self.assertEqual(r.returncode, EXIT_INVALID, r.stderr)
        self.assertIn("dalil keys init", r.stderr)
        r = run("keys", "init", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 evidence files", r.stdout)
        self.assertIn("THERE IS NO RECOVERY", r.stdout)
        self.assert_nowhere(["CANARY"], [(p, read_bytes(p)) for p in files_under(self.data)],
                            "after keys init")
        r = run("verify", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        srv = Server(self.data)
        add_user(self.data, "legacy-documenter", "documenter")
        status, got = Session(srv, "legacy-documenter").call(
            "POST", "/api/v1/persons/%d/reveal" % person["id"])
        self.assertEqual((status, got["fields"]["name"]), (200, name))
        status, content, _ = Session(srv, "legacy-documenter").raw(
            "POST", "/api/v1/evidence/%d/reveal" % evidence["id"])
        self.assertEqual((status, content), (200, photo))
        srv.stop()
        self.assertEqual(run("keys", "init", data_dir=self.data).returncode, 4)

    def test_change_master_key_file(self):
        self.init(demo=True)
        key = os.path.join(self.data, "keys", "master.key")
        old = read_bytes(key)
        r = run("keys", "change-master", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("THERE IS NO RECOVERY", r.stdout)
        self.assertNotEqual(read_bytes(key), old)
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        self.assertFalse(os.path.exists(key + ".new"))
        r = run("verify", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(key, "wb") as f:
            f.write(old)
        r = run("verify", data_dir=self.data)
        self.assertEqual(r.returncode, EXIT_UNAUTHENTICATED, r.stderr)

    def test_passphrase_instead_of_key_file(self):
        phrase = "tishreen october twenty nineteen nasiriya\n"
        r = run_with_stdin(self.data, phrase, "init")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("THERE IS NO RECOVERY IF THE PASSPHRASE IS LOST", r.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.data, "keys", "master.key")))
        r = run_with_stdin(self.data, phrase, "demo")
        self.assertEqual(r.returncode, 0, r.stderr)
        before = fingerprint(self.data)
        r = run_with_stdin(self.data, "tishreen october twenty nineteen basra\n", "verify")
        self.assertEqual(r.returncode, EXIT_UNAUTHENTICATED, r.stderr)
        r = run("verify", data_dir=self.data)
        self.assertEqual(r.returncode, EXIT_INVALID, r.stderr)
        self.assertIn("--passphrase-stdin", r.stderr)
        self.assertEqual(fingerprint(self.data), before)
        r = run_with_stdin(self.data, phrase, "verify")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("INTACT", r.stdout)
        # A new passphrase: the current one, then the new one.
        new_phrase = "a different and longer passphrase for dalil\n"
        r = run_with_stdin(self.data, phrase + new_phrase, "keys", "change-master")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(run_with_stdin(self.data, phrase, "verify").returncode,
                         EXIT_UNAUTHENTICATED)
        r = run_with_stdin(self.data, new_phrase, "verify")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_rotation_while_the_server_reads_and_writes(self):
        self.init(demo=True)
        # The reader below reveals as fast as it can: lift the per-account
        # limit on reveals (docs/security.md 14, "Limits") for this test.
        toml = os.path.join(self.data, "dalil.toml")
        with open(toml, encoding="utf-8") as f:
            conf = f.read()
        self.assertIn("reveal_interval_seconds = 10\n", conf)
        with open(toml, "w", encoding="utf-8") as f:
            f.write(conf.replace("reveal_interval_seconds = 10\n", "reveal_interval_seconds = 0\n"))
        srv = Server(self.data)
        add_user(self.data, "rotation-documenter", "documenter")
        session = Session(srv, "rotation-documenter")
        persons = srv.get("/api/v1/persons?limit=100")["items"]
        for p in persons:
            status, body = session.call("POST", "/api/v1/persons/%d/reveal" % p["id"],
                                        {"fields": ["name"]})
            self.assertEqual(status, 200, body)
            p["name"] = body["fields"]["name"]
        evidence = srv.get("/api/v1/evidence?limit=100")["items"]
        self.assertTrue(persons and evidence)
        leaves = srv.get("/api/v1/ledger/leaves")
        size_before, leaves_before = leaves["size"], leaves["items"]
        self.assertEqual(len(leaves_before), size_before)
        stop = threading.Event()
        failures, reads, writes = [], [0], [0]

        def guarded(fn):
            def loop():
                try:
                    fn()
                except Exception as e:  # a dead thread must fail the test, not hang it
                    failures.append(repr(e))
            return loop

        def reader():
            while not stop.is_set():
                for p in persons:
                    # Decrypted by the server whether shown or withheld;
                    # revealed (each reveal a ledger leaf beside the writes).
                    status, got = srv.call("GET", "/api/v1/persons/%d" % p["id"])
                    if status != 200:
                        failures.append((status, p["id"]))
                    status, got = session.call("POST", "/api/v1/persons/%d/reveal" % p["id"],
                                               {"fields": ["name"]})
                    if status != 200 or got["fields"]["name"] != p["name"]:
                        failures.append((status, "reveal", p["id"]))
                for e in evidence:
                    status, content, _ = session.raw("POST", "/api/v1/evidence/%d/reveal" % e["id"])
                    if status != 200 or hashlib.sha256(content).hexdigest() != e["sha256"]:
                        failures.append((status, "evidence", e["id"]))
                reads[0] += 1

        def writer():
            while not stop.is_set():
                status, _ = srv.call("POST", "/api/v1/persons", {"name": "During rotation",
                                                                 "contact": "written meanwhile"})
                if status != 201:
                    failures.append((status, "write"))
                writes[0] += 1

        threads = [threading.Thread(target=guarded(reader)),
                   threading.Thread(target=guarded(writer))]
        for t in threads:
            t.start()
        r = run("keys", "rotate", "--batch", "3", data_dir=self.data)
        seen = reads[0]
        while reads[0] < seen + 2 and not failures and threads[0].is_alive():  # reads after, too
            threading.Event().wait(0.01)
        stop.set()
        for t in threads:
            t.join()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("deleted data key version 1", r.stdout)
        self.assertEqual(failures, [])
        self.assertGreater(writes[0], 0)
        # Writes made during the rotation are sealed with the new key too.
        status = run("keys", "status", data_dir=self.data)
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertIn("Data key version 2", status.stdout)
        self.assertNotIn("version 1", status.stdout)
        self.assertNotIn("not encrypted", status.stdout)
        # The leaves of the ledger did not change.
        self.assertEqual(srv.get("/api/v1/ledger/leaves?start=0&end=%d" % size_before)["items"],
                         leaves_before)
        for p in persons:
            status, got = session.call("POST", "/api/v1/persons/%d/reveal" % p["id"],
                                       {"fields": ["name"]})
            self.assertEqual((status, got["fields"]["name"]), (200, p["name"]))
        rc, _, err = srv.stop()
        self.assertEqual(rc, 0, err)
        r = run("verify", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("INTACT", r.stdout)


def run_with_stdin(data_dir, text, *args):
    """Runs `dalil --data-dir D --passphrase-stdin args...` with `text` on stdin."""
    return subprocess.run([BIN, "--data-dir", data_dir, "--passphrase-stdin"] + list(args),
                          input=text, capture_output=True, text=True, timeout=120)


if __name__ == "__main__":
    unittest.main()
