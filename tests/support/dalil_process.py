"""Running the dalil binary from Python tests: one-shot commands and a real
server on an ephemeral loopback port. The binary comes from $DALIL_BIN.

Every route but the public ones needs credentials: Server creates a test
admin with a known password (`dalil user add --password-stdin`) and an API
token for it (`dalil user token`), and sends the token as a Bearer header."""
import json
import os
import re
import signal
import subprocess
import urllib.error
import urllib.request

BIN = os.environ.get("DALIL_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build",
                                               "dev", "src", "cli", "dalil"))


TEST_ADMIN = "e2e-admin"
TEST_PASSWORD = "e2e only: violet kettle 4817"


def run(*args, data_dir=None, timeout=120, input=None):
    """Runs `dalil [--data-dir D] args...` and returns the CompletedProcess."""
    cmd = [BIN] + (["--data-dir", data_dir] if data_dir else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=input)


def admin_token(data_dir, role="admin"):
    """An API token of the test admin of `data_dir` (created on first use),
    or None when the data directory has no database."""
    add = run("user", "add", TEST_ADMIN, "--role", "admin", "--password-stdin",
              data_dir=data_dir, input=TEST_PASSWORD + "\n")
    if add.returncode not in (0, 4):  # 4: the user exists already
        return None
    made = run("user", "token", TEST_ADMIN, "--name", "tests", "--role", role, "--days", "1",
               data_dir=data_dir)
    return made.stdout.strip() if made.returncode == 0 else None


def add_user(data_dir, name, role, password=TEST_PASSWORD):
    """Adds a user with a known password (no second factor: use a role
    below reviewer to sign in with a password alone)."""
    r = run("user", "add", name, "--role", role, "--password-stdin", data_dir=data_dir,
            input=password + "\n")
    assert r.returncode == 0, r.stderr
    return r


class Session:
    """A signed-in browser on `server`: the session cookie and its CSRF token."""

    def __init__(self, server, username, password=TEST_PASSWORD):
        self.server = server
        status, raw, headers = self._send("POST", "/api/v1/session",
                                          {"username": username, "password": password}, {})
        assert status == 201, (status, raw)
        cookie = headers["Set-Cookie"]
        self.cookie = cookie[:cookie.index(";")]
        self.csrf = json.loads(raw)["csrf_token"]
        self.user = json.loads(raw)["user"]

    def _send(self, method, path, body, headers):
        data = None if body is None else json.dumps(body).encode()
        h = {"Content-Type": "application/json"}
        h.update(headers)
        req = urllib.request.Request(self.server.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers

    def raw(self, method, path, body=None):
        """Status, body bytes and headers of a request in this session."""
        return self._send(method, path, body, {"Cookie": self.cookie, "X-CSRF-Token": self.csrf})

    def call(self, method, path, body=None):
        status, raw, _ = self.raw(method, path, body)
        return status, json.loads(raw) if raw else None


class Server:
    """Starts `dalil serve --port 0` and reads the URL it prints."""

    def __init__(self, data_dir, *extra, token=True):
        self.token = admin_token(data_dir) if token else None
        self.proc = subprocess.Popen(
            [BIN, "--data-dir", data_dir, "serve", "--port", "0", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"on (http://127\.0\.0\.1:\d+)/", line)
        if not m:
            self.proc.kill()
            raise AssertionError("server did not start: %r %r" % (line, self.proc.stderr.read()))
        self.url = m.group(1)

    def raw(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        h.update(headers or {})
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def call(self, method, path, body=None):
        status, raw = self.raw(method, path, body)
        return status, json.loads(raw) if raw else None

    def get(self, path):
        status, body = self.call("GET", path)
        assert status == 200, (path, status, body)
        return body

    def text(self, path):
        status, raw = self.raw("GET", path)
        assert status == 200, (path, status, raw)
        return raw.decode("utf-8")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, out, err
