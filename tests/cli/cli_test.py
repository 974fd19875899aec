"""End-to-end tests of the dalil binary: init, demo, serve, restart.

Run by CTest with DALIL_BIN pointing at the built binary. Every test uses a
fresh data directory and a real server on an ephemeral loopback port.
"""
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
import urllib.request
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from dalil_process import BIN, TEST_ADMIN, TEST_PASSWORD, Server, run  # noqa: E402


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dalil_cli_")
        self.data = os.path.join(self.tmp, "data")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_version_and_help(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"dalil \d+\.\d+\.\d+")
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for name in ("init", "serve", "demo", "openapi"):
            self.assertIn(name, r.stdout)
            sub = run(name, "--help")
            self.assertEqual(sub.returncode, 0, name)
            self.assertIn("Usage", sub.stdout + sub.stderr)
        self.assertIn("--port", run("serve", "--help").stdout)

    def test_unknown_command_and_flag_are_usage_errors(self):
        self.assertEqual(run("frobnicate").returncode, 2)
        self.assertEqual(run("serve", "--port", "99999").returncode, 2)
        self.assertEqual(run().returncode, 2)

    def test_init_creates_private_directory_once(self):
        r = run("init", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.data, "dalil.db")))
        self.assertTrue(os.path.exists(os.path.join(self.data, "dalil.toml")))
        mode = stat.S_IMODE(os.stat(self.data).st_mode)
        self.assertEqual(mode, 0o700)
        r = run("init", data_dir=self.data)
        self.assertEqual(r.returncode, 4)
        self.assertIn("already", r.stderr)

    def test_init_creates_one_admin_with_a_one_time_password(self):
        r = run("init", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(r"One-time password for admin: (\S+)", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        listed = run("user", "list", data_dir=self.data)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        lines = [l for l in listed.stdout.splitlines()[1:] if l.strip()]
        self.assertEqual(len(lines), 1, listed.stdout)  # no other (default) account
        self.assertIn("must change password", lines[0])
        self.assertNotIn(m.group(1), listed.stdout)
        srv = Server(self.data, token=False)
        try:
            # Without credentials: nothing but published records (none yet),
            # and every role route refused.
            status, body = srv.call("GET", "/api/v1/incidents")
            self.assertEqual((status, body["total"]), (200, 0), body)
            status, body = srv.call("GET", "/api/v1/users")
            self.assertEqual(status, 401, body)
            status, body = srv.call("POST", "/api/v1/session",
                                    {"username": "admin", "password": m.group(1)})
            self.assertEqual(status, 201, body)
            self.assertTrue(body["must_change_password"])
            self.assertTrue(body["totp_enrolment_required"])
        finally:
            srv.stop()

    def test_user_commands(self):
        run("init", data_dir=self.data)
        weak = run("user", "add", "weakling", "--password-stdin", data_dir=self.data,
                   input="password123\n")
        self.assertEqual(weak.returncode, 2)
        self.assertNotIn("password123", weak.stderr)
        r = run("user", "add", "doc", "--role", "documenter", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("One-time password for doc", r.stdout)
        self.assertEqual(run("user", "add", "DOC", data_dir=self.data).returncode, 4)
        self.assertEqual(run("user", "role", "doc", "boss", data_dir=self.data).returncode, 2)
        self.assertEqual(run("user", "role", "doc", "reviewer", data_dir=self.data).returncode, 0)
        self.assertEqual(run("user", "disable", "doc", data_dir=self.data).returncode, 0)
        self.assertIn("disabled", run("user", "list", data_dir=self.data).stdout)
        self.assertEqual(run("user", "token", "doc", "--name", "x", data_dir=self.data).returncode, 2)
        self.assertEqual(run("user", "enable", "doc", data_dir=self.data).returncode, 0)
        self.assertEqual(run("user", "token", "doc", "--name", "x", "--role", "admin",
                             data_dir=self.data).returncode, 2)
        r = run("user", "reset-password", "doc", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("One-time password for doc", r.stdout)
        self.assertEqual(run("user", "disable", "nobody", data_dir=self.data).returncode, 3)

    def test_demo_and_import_records_belong_to_the_organisation_named(self):
        run("init", "--organisation", "Iraqi League", data_dir=self.data)
        r = run("demo", "--organisation", "no such league", data_dir=self.data)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("no such league", r.stderr)
        r = run("import", "--format", "acled", "--organisation", "99", os.devnull, data_dir=self.data)
        self.assertEqual(r.returncode, 2, r.stderr)
        r = run("demo", "--organisation", "Iraqi League", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        srv = Server(self.data)
        try:
            owners = {p["owner_organisation_id"] for p in srv.get("/api/v1/incidents?limit=500")["items"]}
            self.assertEqual(owners, {1})
            # Nothing is published yet: a visitor sees none of it.
            with urllib.request.urlopen(srv.url + "/api/v1/incidents", timeout=30) as r:
                self.assertEqual(json.loads(r.read())["total"], 0)
        finally:
            srv.stop()

    def test_server_output_and_logs_never_hold_secrets(self):
        run("init", data_dir=self.data)
        srv = Server(self.data)
        try:
            status, body = srv.call("POST", "/api/v1/session",
                                    {"username": TEST_ADMIN, "password": TEST_PASSWORD})
            self.assertEqual(status, 201, body)
            csrf = body["csrf_token"]
            status, _ = srv.call("POST", "/api/v1/session",
                                 {"username": TEST_ADMIN, "password": "wrong " + TEST_PASSWORD})
            self.assertEqual(status, 401)
            self.assertEqual(srv.call("GET", "/api/v1/incidents?q=" + urllib.parse.quote(TEST_PASSWORD))[0], 400)
        finally:
            _, out, err = srv.stop()
        with open(os.path.join(self.data, "logs", "access.log")) as f:
            log = f.read()
        self.assertIn("/api/v1/session", log)
        for secret in (TEST_PASSWORD, srv.token, csrf):
            for where, text in (("stdout", out), ("stderr", err), ("access.log", log)):
                self.assertNotIn(secret, text, where)

    def test_demo_needs_database_and_loads_once(self):
        r = run("demo", data_dir=self.data)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("dalil init", r.stderr)
        run("init", data_dir=self.data)
        r = run("demo", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("incidents", r.stdout)
        r = run("demo", data_dir=self.data)
        self.assertEqual(r.returncode, 4)

    def test_serve_post_restart_keeps_record(self):
        run("init", data_dir=self.data)
        run("demo", data_dir=self.data)
        srv = Server(self.data)
        try:
            status, body = srv.call("GET", "/api/v1/incidents?place=IQ-DQ&limit=100")
            self.assertEqual(status, 200)
            nasiriya = [i for i in body["items"]
                        if "Nasiriya" in (i["title_en"] or "") and i["start_date"] == "2021-02-26"]
            self.assertEqual(len(nasiriya), 1, [i["title_en"] for i in body["items"]])
            status, created = srv.call("POST", "/api/v1/incidents", {
                "title_ar": "اعتصام أمام مجلس المحافظة",
                "start_date": "2021-03-02", "place_id": 13, "event_type": "protests"})
            self.assertEqual(status, 201, created)
        finally:
            rc, out, err = srv.stop()
        self.assertEqual(rc, 0, err)
        self.assertIn("stopped cleanly", out)

        srv = Server(self.data)
        try:
            status, got = srv.call("GET", "/api/v1/incidents/%d" % created["id"])
            self.assertEqual(status, 200)
            self.assertEqual(got["title_ar"], "اعتصام أمام مجلس المحافظة")
        finally:
            srv.stop()

        # The access log names paths, never query strings or bodies.
        with open(os.path.join(self.data, "logs", "access.log"), encoding="utf-8") as f:
            log = f.read()
        self.assertIn("/api/v1/incidents", log)
        self.assertNotIn("IQ-DQ", log)
        self.assertNotIn("اعتصام", log)
        for line in log.splitlines():
            entry = json.loads(line)
            self.assertEqual(set(entry), {"ts", "remote", "method", "path", "status", "bytes", "ms"})

    def test_serve_signs_checkpoints_periodically_and_at_stop(self):
        run("init", data_dir=self.data)
        path = os.path.join(self.data, "dalil.toml")
        with open(path, encoding="utf-8") as f:
            conf = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(conf.replace("checkpoint_interval_seconds = 300",
                                 "checkpoint_interval_seconds = 1"))
        db = os.path.join(self.data, "dalil.db")

        def signed_sizes():
            out = subprocess.run(["sqlite3", db, "SELECT size FROM ledger_checkpoints ORDER BY size"],
                                 capture_output=True, text=True, check=True).stdout
            return [int(x) for x in out.split()]

        def ledger_size():
            out = subprocess.run(["sqlite3", db, "SELECT COUNT(*) FROM ledger"],
                                 capture_output=True, text=True, check=True).stdout
            return int(out)

        before = signed_sizes()
        # Creating the test admin and its token are account events: leaves too.
        srv = Server(self.data)
        try:
            status, _ = srv.call("POST", "/api/v1/actors", {"kind": "protesters", "name_en": "A"})
            self.assertEqual(status, 201)
            written = ledger_size()
            self.assertGreater(written, max(before) + 1)
            deadline = time.time() + 10
            while time.time() < deadline and max(signed_sizes()) < written:
                time.sleep(0.2)
            after_timer = signed_sizes()
            self.assertEqual(max(after_timer), written, "no checkpoint signed by the timer")
            status, _ = srv.call("POST", "/api/v1/actors", {"kind": "protesters", "name_en": "B"})
            self.assertEqual(status, 201)
        finally:
            rc, out, err = srv.stop()
        self.assertEqual(rc, 0, err)
        # The last write is covered by a checkpoint signed at the latest at stop.
        self.assertEqual(max(signed_sizes()), written + 1)
        self.assertEqual(ledger_size(), written + 1)
        r = run("verify", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("INTACT", r.stdout)

    def test_refuses_remote_address_without_accounts(self):
        run("init", data_dir=self.data)
        r = run("serve", "--address", "0.0.0.0", "--port", "0", data_dir=self.data)
        self.assertEqual(r.returncode, 2)
        self.assertIn("loopback", r.stderr)

    def test_bad_config_names_the_key(self):
        run("init", data_dir=self.data)
        path = os.path.join(self.data, "dalil.toml")
        with open(path, "a") as f:
            f.write("\n[server2]\nx = 1\n")
        r = run("serve", data_dir=self.data)
        self.assertEqual(r.returncode, 2)
        self.assertIn("server2", r.stderr)
        with open(path, "w") as f:
            f.write("[server]\nport = \"eighty\"\n")
        r = run("serve", data_dir=self.data)
        self.assertEqual(r.returncode, 2)
        self.assertIn("server.port", r.stderr)
        with open(path, "w") as f:
            f.write("[server\n")
        r = run("serve", data_dir=self.data)
        self.assertEqual(r.returncode, 2)
        self.assertIn("TOML", r.stderr)

    def test_openapi_command_matches_committed_document(self):
        r = run("openapi")
        self.assertEqual(r.returncode, 0)
        src = os.environ.get("DALIL_SOURCE_DIR", "../..")
        with open(os.path.join(src, "docs", "openapi.json"), encoding="utf-8") as f:
            self.assertEqual(json.loads(r.stdout), json.load(f))


if __name__ == "__main__":
    unittest.main()
