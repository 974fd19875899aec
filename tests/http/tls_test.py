"""HTTPS end to end: `dalil serve` with a self-signed certificate (made here
with the openssl tool), checked with Python's ssl module as the client."""
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from dalil_process import BIN, run  # noqa: E402


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


class TlsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="dalil_tls_")
        cls.data = os.path.join(cls.tmp, "data")
        r = run("init", data_dir=cls.data)
        assert r.returncode == 0, r.stderr
        cls.cert = os.path.join(cls.tmp, "cert.pem")
        cls.key = os.path.join(cls.tmp, "key.pem")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", cls.key, "-out", cls.cert, "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")
        cls.other_key = os.path.join(cls.tmp, "other.pem")
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", cls.other_key)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def serve(self, *flags):
        proc = subprocess.Popen([BIN, "--data-dir", self.data, "serve", "--port", "0", *flags],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        m = re.search(r"on https://127\.0\.0\.1:(\d+)/", line)
        if not m:
            proc.kill()
            self.fail("server did not start with TLS: %r %r" % (line, proc.stderr.read()))
        self.addCleanup(lambda: (proc.terminate(), proc.communicate(timeout=30)))
        return int(m.group(1))

    def client(self, **versions):
        ctx = ssl.create_default_context(cafile=self.cert)
        for k, v in versions.items():
            setattr(ctx, k, v)
        return ctx

    def get(self, port, path, ctx=None):
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx or self.client(),
                                           timeout=30)
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        conn.close()
        return r, body

    def test_https_with_security_headers_and_hsts(self):
        port = self.serve("--tls-certificate", self.cert, "--tls-private-key", self.key)
        for path in ("/api/v1/health", "/", "/api/v1/no-such-route"):
            r, _ = self.get(port, path)
            self.assertIn(r.status, (200, 404), path)
            self.assertEqual(r.getheader("Strict-Transport-Security"),
                             "max-age=63072000; includeSubDomains", path)
            self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff")
            self.assertEqual(r.getheader("Referrer-Policy"), "no-referrer")
            csp = r.getheader("Content-Security-Policy")
            self.assertIn("frame-ancestors 'none'", csp)
            self.assertNotIn("unsafe-inline", csp)
        # Keep-alive: several requests on one TLS connection.
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=self.client(), timeout=30)
        for _ in range(3):
            conn.request("GET", "/api/v1/health")
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
        conn.close()

    def test_tls_1_2_and_1_3_accepted_older_refused(self):
        port = self.serve("--tls-certificate", self.cert, "--tls-private-key", self.key)
        for v in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            r, _ = self.get(port, "/api/v1/health", self.client(minimum_version=v, maximum_version=v))
            self.assertEqual(r.status, 200, v)
        # A TLS 1.1 client (this Python's OpenSSL completes TLS 1.1 with a
        # server that allows it) is refused by the server's protocol check.
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.load_verify_locations(self.cert)
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            old.minimum_version = ssl.TLSVersion.TLSv1
            old.maximum_version = ssl.TLSVersion.TLSv1_1
        with self.assertRaises(ssl.SSLError) as refused:
            self.get(port, "/api/v1/health", old)
        self.assertIn("PROTOCOL_VERSION", str(refused.exception).upper().replace(" ", "_"))

    def test_plain_http_to_the_tls_port_gets_no_answer(self):
        port = self.serve("--tls-certificate", self.cert, "--tls-private-key", self.key)
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except ConnectionResetError:
                pass
        self.assertNotIn(b"HTTP/1.1", data)
        self.assertNotIn(b"status", data)

    def test_configuration_file_paths(self):
        # Relative to the data directory, from dalil.toml.
        shutil.copy(self.cert, os.path.join(self.data, "keys", "tls.crt"))
        shutil.copy(self.key, os.path.join(self.data, "keys", "tls.key"))
        toml = os.path.join(self.data, "dalil.toml")
        with open(toml, encoding="utf-8") as f:
            original = f.read()
        def restore():
            with open(toml, "w", encoding="utf-8") as f:
                f.write(original)
        self.addCleanup(restore)
        with open(toml, "w", encoding="utf-8") as f:
            f.write(original.replace('tls_certificate = ""', 'tls_certificate = "keys/tls.crt"')
                            .replace('tls_private_key = ""', 'tls_private_key = "keys/tls.key"'))
        port = self.serve()
        r, _ = self.get(port, "/api/v1/health")
        self.assertEqual(r.status, 200)

    def test_off_loopback_only_over_tls_unless_told_otherwise(self):
        # Plain HTTP on every interface: refused, naming the way out.
        r = run("serve", "--port", "0", "--address", "0.0.0.0", data_dir=self.data, timeout=60)
        self.assertEqual(r.returncode, 2, (r.stdout, r.stderr))
        self.assertIn("needs TLS", r.stderr)
        self.assertIn("--insecure-allow-remote", r.stderr)
        # With TLS: served, and answers (here through loopback).
        started = []
        for flags, scheme in ((["--tls-certificate", self.cert, "--tls-private-key", self.key], "https"),
                              (["--insecure-allow-remote"], "http")):
            proc = subprocess.Popen([BIN, "--data-dir", self.data, "serve", "--port", "0",
                                     "--address", "0.0.0.0", *flags],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.addCleanup(lambda p=proc: (p.terminate(), p.communicate(timeout=30)))
            line = proc.stdout.readline()
            m = re.search(r"on (https?)://0\.0\.0\.0:(\d+)/", line)
            self.assertIsNotNone(m, (flags, line))
            self.assertEqual(m.group(1), scheme)
            port = int(m.group(2))
            if scheme == "https":
                resp, _ = self.get(port, "/api/v1/health")
            else:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", "/api/v1/health")
                resp = conn.getresponse()
                resp.read()
                conn.close()
            self.assertEqual(resp.status, 200)
            started.append(scheme)
        self.assertEqual(started, ["https", "http"])

    def test_bad_certificate_settings_are_named(self):
        cases = [
            (["--tls-certificate", self.cert], "tls", "both"),
            (["--tls-certificate", os.path.join(self.tmp, "missing.pem"), "--tls-private-key",
              self.key], "certificate", "missing.pem"),
            (["--tls-certificate", self.cert, "--tls-private-key", self.other_key], "private",
             "mismatch"),
        ]
        for flags, field, words in cases:
            r = run("serve", "--port", "0", *flags, data_dir=self.data, timeout=60)
            self.assertEqual(r.returncode, 2, (flags, r.stdout, r.stderr))
            self.assertIn(field, r.stderr)
            self.assertIn(words, r.stderr)
            self.assertNotIn("BEGIN", r.stderr)  # never key material


if __name__ == "__main__":
    unittest.main()
