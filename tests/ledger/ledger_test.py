"""End-to-end tests of Dalil's tamper-evident ledger (docs/formats/ledger.md).

Everything the ledger claims is recomputed here from the format contract,
without Dalil's code: leaf bytes and hashes, Merkle roots and proofs (an
independent RFC 6962 / RFC 9162 implementation below), checkpoint
signatures (with the `openssl` tool), and `dalil verify` is run against
databases edited behind Dalil's back with the `sqlite3` tool.

Run by CTest with DALIL_BIN pointing at the built binary. Python standard
library only, plus the Debian `sqlite3` and `openssl` command-line tools.
Every test uses a fresh data directory (init + demo).
"""
import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request

import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from dalil_process import BIN, Server, Session, add_user, run  # noqa: E402

EM_DASH = "\u2014"
SENSITIVE = {"person": ("name", "name_variants", "contact", "home_location", "affiliation"),
             "involvement": ("perpetrator_names",), "source": ("witness_identity",)}
PLURAL = {"actor": "actors", "claim": "claims", "evidence": "evidence",
          "incident": "incidents", "involvement": "involvements",
          "outcome": "outcomes", "outcome_update": "outcome-updates",
          "person": "persons", "place": "places", "source": "sources"}
OPS = {1: "create", 2: "update", 3: "delete"}
# Events (docs/formats/ledger.md 1.3): kind -> (table, members, JSON members).
EVENTS = {"account_event": ("account_audit", ("action", "user_id", "organisation_id", "detail"),
                            ("detail",)),
          "reveal": ("reveals", ("user_id", "organisation_id", "entity", "record_id", "fields"),
                     ("fields",))}


# --- An independent RFC 6962 / RFC 9162 Merkle tree ------------------------

def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(data):
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def mth(hashes):
    """RFC 6962 2.1 Merkle Tree Hash over a list of leaf hashes."""
    n = len(hashes)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return hashes[0]
    k = 1 << ((n - 1).bit_length() - 1)  # largest power of two smaller than n
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def stored_hashes(hashes):
    """The `hashes` column of every `ledger` row (docs/formats/ledger.md 3):
    row i holds leaf hash i, then node (level L, index j) for every perfect
    subtree it completes, i.e. for L = 1, 2, ... while (i + 1) % 2^L == 0,
    with j = (i + 1) / 2^L - 1, at byte offset 32 * L."""
    levels = [list(hashes)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[2 * k], below[2 * k + 1]) for k in range(len(below) // 2)])
    rows = []
    for i in range(len(hashes)):
        row, level = hashes[i], 1
        while (i + 1) % (1 << level) == 0:
            row += levels[level][((i + 1) >> level) - 1]
            level += 1
        rows.append(row)
    return rows


def node_row(level, index):
    """The ledger row that stores node (level, index), at offset 32 * level."""
    return ((index + 1) << level) - 1


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while True:
                    fn, sn = fn >> 1, sn >> 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(size1, size2, proof, root1, root2):
    """RFC 9162 2.1.4.2 (a proof from size 0 is refused)."""
    if size1 == 0 or size1 > size2:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if not proof:
        return False
    if size1 & (size1 - 1) == 0:  # size1 is an exact power of two
        proof = [root1] + list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while True:
                    fn, sn = fn >> 1, sn >> 1
                    if fn & 1 or fn == 0:
                        break
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == root1 and sr == root2


# --- Leaves, content, checkpoints (docs/formats/ledger.md 1, 2, 4) ----------

def decode_leaf(b):
    """Section 2: DLL1, then big-endian fields. Raises ValueError if malformed."""
    if b[:4] != b"DLL1":
        raise ValueError("no DLL1 magic")
    pos = 4

    def take(n):
        nonlocal pos
        if pos + n > len(b):
            raise ValueError("leaf truncated")
        pos += n
        return b[pos - n:pos]

    def u64():
        return struct.unpack(">Q", take(8))[0]

    def string():
        return take(struct.unpack(">H", take(2))[0]).decode("utf-8")

    leaf = {"sequence": u64(), "time": u64(), "actor": string(), "entity": string(),
            "record_id": u64(), "op": take(1)[0], "version": u64(), "content_hash": take(32)}
    if pos != len(b):
        raise ValueError("trailing bytes")
    return leaf


def encode_leaf(leaf):
    def string(s):
        s = s.encode("utf-8")
        return struct.pack(">H", len(s)) + s
    return (b"DLL1" + struct.pack(">QQ", leaf["sequence"], leaf["time"]) +
            string(leaf["actor"]) + string(leaf["entity"]) +
            struct.pack(">QBQ", leaf["record_id"], leaf["op"], leaf["version"]) +
            leaf["content_hash"])


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_content(kind, row):
    """Section 1.3: the canonical content of an event row (a dict of its columns)."""
    _, members, json_members = EVENTS[kind]
    event = {}
    for m in members:
        if row[m] is None:
            continue
        event[m] = json.loads(row[m]) if m in json_members else row[m]
    return canonical({"actor": row["actor"], "at": row["at"], "entity": kind, "event": event,
                      "id": row["id"]})


def check_events(db):
    """The independent check of every event (ledger.md 1.3 and 5): each row of
    an event table recomputes to its leaf's content hash and stored content;
    each event leaf is a create at version 1 with no prev and has its row.
    Returns the problems found, and the number of events checked."""
    problems, leaves = [], {}
    for r in query(db, "SELECT idx, hex(leaf) AS leaf, prev, content FROM ledger ORDER BY idx"):
        leaf = decode_leaf(bytes.fromhex(r["leaf"]))
        if leaf["entity"] not in EVENTS:
            continue
        key = (leaf["entity"], leaf["record_id"])
        if key in leaves:
            problems.append("%s %d recorded twice" % key)
        if (leaf["op"], leaf["version"], r["prev"]) != (1, 1, None):
            problems.append("%s %d is not a single create" % key)
        if r["content"] is None or sha256(r["content"].encode("utf-8")) != leaf["content_hash"]:
            problems.append("%s %d: content does not match leaf %d" % (key + (r["idx"],)))
        leaves[key] = (r["idx"], leaf, r["content"])
    checked = 0
    for kind, (table, members, _) in EVENTS.items():
        for row in query(db, "SELECT id, at, actor, %s FROM %s ORDER BY id" % (", ".join(members), table)):
            checked += 1
            found = leaves.pop((kind, row["id"]), None)
            if found is None:
                problems.append("%s %d has no leaf" % (kind, row["id"]))
                continue
            idx, leaf, content = found
            want = event_content(kind, row)
            if (content != want or sha256(want.encode("utf-8")) != leaf["content_hash"] or
                    leaf["actor"] != row["actor"] or leaf["time"] != row["at"]):
                problems.append("%s %d differs from leaf %d" % (kind, row["id"], idx))
    problems += ["%s %d has no row" % key for key in leaves]
    return problems, checked


def parse_note(note):
    """Splits a signed note into (body, origin, size, root, [(name, key_id, sig)])."""
    split = note.index("\n\n")
    body = note[:split + 1]
    origin, size, root = body.split("\n")[:3]
    sigs = []
    for line in note[split + 2:].splitlines():
        assert line.startswith(EM_DASH + " "), line
        name, b64 = line[2:].split(" ")
        raw = base64.b64decode(b64, validate=True)
        sigs.append((name, raw[:4], raw[4:]))
    return body, origin, int(size), base64.b64decode(root, validate=True), sigs


def parse_verifier_key(text):
    name, key_id, b64 = text.strip().split("+", 2)
    raw = base64.b64decode(b64, validate=True)
    assert len(raw) == 33 and raw[0] == 1, raw
    return name, bytes.fromhex(key_id), raw[1:]


def key_id(name, pub):
    return sha256(name.encode() + b"\n" + b"\x01" + pub)[:4]


def b64(b):
    return base64.b64encode(b).decode()


# --- Running dalil, sqlite3, openssl ------------------------------------------


def sql(db, script):
    """Runs SQL with the sqlite3 tool, behind Dalil's back."""
    r = subprocess.run(["sqlite3", "-bail", db], input=script, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, (script[:500], r.stderr)
    return r.stdout


def query(db, select):
    out = subprocess.run(["sqlite3", "-json", db, select], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else []


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def openssl(*args):
    return subprocess.run(["openssl"] + list(args), capture_output=True, timeout=60)


def ed25519_pem(pub):
    """SubjectPublicKeyInfo of an Ed25519 key (RFC 8410), as PEM."""
    der = bytes.fromhex("302a300506032b6570032100") + pub
    return "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % b64(der)


class LedgerCase(unittest.TestCase):
    """A fresh data directory with the demo data for every test."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dalil_ledger_")
        self.data = os.path.join(self.tmp, "data")
        self.db = os.path.join(self.data, "dalil.db")
        for cmd in ("init", "demo"):
            r = run(cmd, data_dir=self.data)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            if s.proc.poll() is None:
                s.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def serve(self):
        s = Server(self.data)
        self.servers.append(s)
        return s

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, content):
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(self.path(name), mode) as f:
            f.write(content)
        return self.path(name)

    def fetch_leaves(self, srv, page=64):
        """Every leaf, paged through with start/end (at most 1000 per call)."""
        leaves, start = [], 0
        while True:
            body = srv.get("/api/v1/ledger/leaves?start=%d&end=%d" % (start, start + page))
            leaves += body["items"]
            start += page
            if start >= body["size"]:
                self.assertEqual(len(leaves), body["size"])
                return leaves

    def verify(self, *args):
        return run("verify", *args, data_dir=self.data)

    def assertIntact(self, r):
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("INTACT", r.stdout)
        self.assertNotIn("TAMPERED", r.stdout)

    def assertTampered(self, r, *phrases):
        """Exit 6, and one TAMPERED line names every phrase."""
        self.assertEqual(r.returncode, 6, r.stdout + r.stderr)
        self.assertNotIn("INTACT", r.stdout)
        if os.environ.get("LEDGER_TEST_VERBOSE"):
            print("\n" + r.stdout)
        lines = [l for l in r.stdout.splitlines() if l.startswith("TAMPERED: ")]
        self.assertTrue(lines, r.stdout)
        self.assertTrue(any(all(p in l for p in phrases) for l in lines),
                        "no TAMPERED line names all of %r:\n%s" % (phrases, r.stdout))

    def ledger_rows(self):
        """Every `ledger` row, in index order, with `leaf` and `hashes` as bytes."""
        rows = query(self.db, "SELECT idx, hex(leaf) AS leaf, hex(hashes) AS hashes, prev, "
                              "content FROM ledger ORDER BY idx")
        for r in rows:
            r["leaf"], r["hashes"] = bytes.fromhex(r["leaf"]), bytes.fromhex(r["hashes"])
        return rows

    def versions_of(self, entity, entity_id):
        """The leaf index of each version of a record, oldest first: the chain
        of `prev` from the record's `ledger_leaf` (or its tombstone), checked
        against the leaves themselves."""
        table = PLURAL[entity].replace("-", "_")
        rows = query(self.db, "SELECT ledger_leaf FROM %s WHERE id = %d" % (table, entity_id))
        head = rows[0]["ledger_leaf"] if rows else None
        if head is None:
            rows = query(self.db, "SELECT leaf FROM ledger_tombstones WHERE entity = %s AND "
                                  "entity_id = %d" % (quote(entity), entity_id))
            head = rows[0]["leaf"] if rows else None
        self.assertIsNotNone(head, (entity, entity_id))
        chain = []
        while head is not None:
            row = query(self.db, "SELECT hex(leaf) AS leaf, prev FROM ledger WHERE idx = %d" % head)
            self.assertEqual(len(row), 1, (entity, entity_id, head))
            leaf = decode_leaf(bytes.fromhex(row[0]["leaf"]))
            self.assertEqual((leaf["sequence"], leaf["entity"], leaf["record_id"]),
                             (head, entity, entity_id))
            chain.append((leaf["version"], head))
            head = row[0]["prev"]
        chain.reverse()
        self.assertEqual([v for v, _ in chain], list(range(1, len(chain) + 1)), chain)
        # The same versions as found by decoding every leaf.
        found = [r["idx"] for r in self.ledger_rows()
                 if (lambda l: (l["entity"], l["record_id"]))(decode_leaf(r["leaf"]))
                 == (entity, entity_id)]
        self.assertEqual([i for _, i in chain], found)
        return [i for _, i in chain]

    def leaf_of(self, entity, entity_id, version=1):
        versions = self.versions_of(entity, entity_id)
        self.assertGreaterEqual(len(versions), version, (entity, entity_id))
        return versions[version - 1]

    def sign_checkpoint(self):
        r = run("ledger", "checkpoint", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout


# --- 1. Leaves, roots and proofs against the independent implementation -------

class ReferenceVectorsTest(unittest.TestCase):
    """The Python tree agrees with the Certificate Transparency reference
    vectors, so agreeing with Dalil means something."""

    LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
              "606162636465666768696a6b6c6d6e6f"]
    ROOTS = ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
             "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
             "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
             "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
             "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
             "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
             "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
             "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]

    def test_reference_roots_and_proof(self):
        hashes = [leaf_hash(bytes.fromhex(x)) for x in self.LEAVES]
        for size, root in enumerate(self.ROOTS):
            self.assertEqual(mth(hashes[:size]).hex(), root, size)
        proof = [bytes.fromhex(x) for x in (
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]
        root8 = bytes.fromhex(self.ROOTS[8])
        self.assertTrue(verify_inclusion(0, 8, hashes[0], proof, root8))
        self.assertFalse(verify_inclusion(1, 8, hashes[0], proof, root8))


class MerkleTest(LedgerCase):

    def setUp(self):
        super().setUp()
        self.srv = self.serve()
        self.leaves = self.fetch_leaves(self.srv)
        self.hashes = [leaf_hash(base64.b64decode(l["data"])) for l in self.leaves]
        self.n = len(self.leaves)

    def test_leaf_hashes_and_checkpoint_root(self):
        self.assertGreater(self.n, 100)
        for i, (l, h) in enumerate(zip(self.leaves, self.hashes)):
            self.assertEqual(l["index"], i)
            self.assertEqual(base64.b64decode(l["hash"]), h, i)
            leaf = decode_leaf(base64.b64decode(l["data"]))
            self.assertEqual(leaf["sequence"], i)
            self.assertEqual((leaf["entity"], leaf["record_id"], leaf["version"]),
                             (l["entity"], l["record_id"], l["version"]))
            self.assertEqual(OPS[leaf["op"]], l["operation"])
            self.assertEqual(b64(leaf["content_hash"]), l["content_hash"])
            self.assertEqual(leaf["actor"], l["actor"])
        note = self.srv.text("/api/v1/ledger/checkpoint")
        _, origin, size, root, _ = parse_note(note)
        self.assertTrue(origin.startswith("dalil/"), origin)
        self.assertEqual(size, self.n)
        self.assertEqual(root, mth(self.hashes))
        # More than 1000 leaves in one call is refused.
        status, _ = self.srv.call("GET", "/api/v1/ledger/leaves?start=0&end=1001")
        self.assertEqual(status, 400)

    def test_inclusion_proofs(self):
        n = self.n
        sizes = sorted({1, 2, 3, 7, 8, 9, 16, 19, 64, 100, n - 1, n})
        checked = 0
        for size in sizes:
            root = mth(self.hashes[:size])
            for index in sorted({0, 1, size // 2, size - 2, size - 1} & set(range(size))):
                p = self.srv.get("/api/v1/ledger/proof/inclusion?index=%d&size=%d" % (index, size))
                proof = [base64.b64decode(x) for x in p["proof"]]
                self.assertEqual(base64.b64decode(p["root"]), root, (index, size))
                self.assertEqual(base64.b64decode(p["leaf_hash"]), self.hashes[index])
                self.assertTrue(verify_inclusion(index, size, self.hashes[index], proof, root),
                                (index, size))
                checked += 1
        self.assertGreater(checked, 40)
        status, _ = self.srv.call("GET", "/api/v1/ledger/proof/inclusion?index=%d&size=%d" % (n, n))
        self.assertEqual(status, 400)

    def test_consistency_proofs(self):
        n = self.n
        pairs = [(1, 1), (1, 2), (1, n), (2, 3), (3, 10), (4, 8), (7, n), (8, n), (16, 64),
                 (19, n), (64, n), (100, n), (n - 1, n), (n, n)]
        for size1, size2 in pairs:
            p = self.srv.get("/api/v1/ledger/proof/consistency?from=%d&to=%d" % (size1, size2))
            proof = [base64.b64decode(x) for x in p["proof"]]
            r1, r2 = mth(self.hashes[:size1]), mth(self.hashes[:size2])
            self.assertEqual(base64.b64decode(p["from_root"]), r1)
            self.assertEqual(base64.b64decode(p["to_root"]), r2)
            self.assertTrue(verify_consistency(size1, size2, proof, r1, r2), (size1, size2))
        status, _ = self.srv.call("GET", "/api/v1/ledger/proof/consistency?from=0&to=5")
        self.assertEqual(status, 400)

    def test_mutated_proofs_fail(self):
        n = self.n
        root = mth(self.hashes)
        index = 37
        p = self.srv.get("/api/v1/ledger/proof/inclusion?index=%d&size=%d" % (index, n))
        proof = [base64.b64decode(x) for x in p["proof"]]
        self.assertTrue(verify_inclusion(index, n, self.hashes[index], proof, root))
        for k in range(len(proof)):
            bad = list(proof)
            bad[k] = bytes([bad[k][0] ^ 0x01]) + bad[k][1:]
            self.assertFalse(verify_inclusion(index, n, self.hashes[index], bad, root), k)
        self.assertFalse(verify_inclusion(index + 1, n, self.hashes[index], proof, root))
        self.assertFalse(verify_inclusion(index, n, self.hashes[index + 1], proof, root))
        self.assertFalse(verify_inclusion(index, n, self.hashes[index], proof[:-1], root))
        self.assertFalse(verify_inclusion(index, n, self.hashes[index], proof + proof[:1], root))

        for size1 in (19, 64):
            p = self.srv.get("/api/v1/ledger/proof/consistency?from=%d&to=%d" % (size1, n))
            proof = [base64.b64decode(x) for x in p["proof"]]
            r1 = mth(self.hashes[:size1])
            self.assertTrue(verify_consistency(size1, n, proof, r1, root))
            for k in range(len(proof)):
                bad = list(proof)
                bad[k] = bad[k][:31] + bytes([bad[k][31] ^ 0x80])
                self.assertFalse(verify_consistency(size1, n, bad, r1, root), (size1, k))
            self.assertFalse(verify_consistency(size1, n, proof, mth(self.hashes[:size1 + 1]), root))
            self.assertFalse(verify_consistency(size1, n, proof, r1, mth(self.hashes[:n - 1])))


# --- 2. Leaves recomputed from each record's history -------------------------

class HistoryTest(LedgerCase):

    def check_history(self, srv, plural, record_id, leaves=None):
        """Checks a /history against the contract; returns it."""
        h = srv.get("/api/v1/%s/%d/history" % (plural, record_id))
        self.assertEqual(PLURAL[h["entity"]], plural)
        self.assertEqual(h["id"], record_id)
        root = base64.b64decode(h["root"])
        if leaves is not None:
            self.assertEqual(root, mth(leaves[:h["size"]]))
        for n, v in enumerate(h["versions"], start=1):
            what = (plural, record_id, v["version"])
            data = base64.b64decode(v["leaf"])
            leaf = decode_leaf(data)
            self.assertEqual(leaf["sequence"], v["leaf_index"], what)
            self.assertEqual(leaf["entity"], h["entity"], what)
            self.assertEqual(leaf["record_id"], record_id, what)
            self.assertEqual(leaf["version"], v["version"], what)
            self.assertEqual(v["version"], n, what)
            self.assertEqual(OPS[leaf["op"]], v["operation"], what)
            self.assertEqual(leaf["actor"], v["actor"], what)
            self.assertEqual(b64(leaf["content_hash"]), v["content_hash"], what)
            if v["operation"] == "delete":
                self.assertIsNone(v["content"], what)
                self.assertEqual(leaf["content_hash"], bytes(32), what)
            else:
                content = v["content"]
                self.assertEqual(leaf["content_hash"], sha256(content.encode("utf-8")), what)
                obj = json.loads(content)
                self.assertEqual(canonical(obj), content, what)
                self.assertEqual((obj["entity"], obj["id"], obj["version"]),
                                 (h["entity"], record_id, v["version"]), what)
                for f in SENSITIVE.get(h["entity"], ()):
                    value = obj["fields"].get(f)  # unset fields are left out
                    if value is not None:
                        self.assertRegex(value, r"^c:[0-9a-f]{64}$", (what, f))
            proof = [base64.b64decode(x) for x in v["inclusion_proof"]]
            self.assertTrue(verify_inclusion(v["leaf_index"], h["size"], leaf_hash(data),
                                             proof, root), what)
            if leaves is not None:
                self.assertEqual(leaf_hash(data), leaves[v["leaf_index"]])
        return h

    def test_every_record_history_matches_its_leaves(self):
        srv = self.serve()
        leaves = self.fetch_leaves(srv)
        hashes = [leaf_hash(base64.b64decode(l["data"])) for l in leaves]
        records = sorted({(l["entity"], l["record_id"]) for l in leaves
                          if l["entity"] not in EVENTS})
        self.assertGreater(len(records), 100)
        # The other leaves are events (account events here), checked against
        # their rows by check_events.
        seen = {l["index"] for l in leaves if l["entity"] in EVENTS}
        self.assertTrue(seen)
        self.assertEqual(check_events(self.db)[0], [])
        for entity, record_id in records:
            h = self.check_history(srv, PLURAL[entity], record_id, hashes)
            seen.update(v["leaf_index"] for v in h["versions"])
        self.assertEqual(seen, set(range(len(leaves))))  # every leaf is some record's version

    def test_person_history_commits_to_sensitive_fields(self):
        srv = self.serve()
        # The values, shown only to a documenter's recorded reveal.
        add_user(self.data, "history-documenter", "documenter")
        session = Session(srv, "history-documenter")

        def reveal(person_id):
            status, body = session.call("POST", "/api/v1/persons/%d/reveal" % person_id)
            self.assertEqual(status, 200, body)
            return body["fields"]
        person = reveal(1)
        self.assertTrue(person["name"])
        status, raw = srv.raw("GET", "/api/v1/persons/1/history")
        self.assertEqual(status, 200)
        text = raw.decode("utf-8")
        h = self.check_history(srv, "persons", 1)
        content = json.loads(h["versions"][0]["content"])
        self.assertLessEqual({"name", "name_variants", "contact", "affiliation"},
                             set(content["fields"]))
        for f in SENSITIVE["person"]:
            if f in content["fields"]:  # the demo persons have no home_location
                self.assertRegex(content["fields"][f], r"^c:[0-9a-f]{64}$", f)
        secrets = [person["name"], person["contact"], person["affiliation"]]
        secrets += person["name_variants"] or []
        for s in filter(None, secrets):
            # Neither as raw UTF-8 nor JSON-escaped, at any nesting level.
            self.assertNotIn(s, text)
            self.assertNotIn(json.dumps(s)[1:-1], text)
            self.assertNotIn(s, h["versions"][0]["content"])
        # Every person's history, not just the first one.
        for p in srv.get("/api/v1/persons?limit=100")["items"]:
            self.assertNotIn("name", p)
            fields = reveal(p["id"])
            body = srv.raw("GET", "/api/v1/persons/%d/history" % p["id"])[1].decode("utf-8")
            self.assertNotIn(fields["name"], body)
            for v in fields["name_variants"] or []:
                self.assertNotIn(v, body)

    def test_create_update_delete_through_api(self):
        srv = self.serve()
        status, created = srv.call("POST", "/api/v1/incidents", {
            "title_en": "Sit-in outside the governorate council (ledger test)",
            "title_ar": "اعتصام أمام مجلس المحافظة",
            "start_date": "2021-03-02", "place_id": 13, "event_type": "protests"})
        self.assertEqual(status, 201, created)
        iid = created["id"]
        status, updated = srv.call("PATCH", "/api/v1/incidents/%d" % iid,
                                   {"title_en": "Sit-in, updated", "version": 1})
        self.assertEqual(status, 200, updated)
        status, _ = srv.call("DELETE", "/api/v1/incidents/%d?version=2" % iid)
        self.assertEqual(status, 204)
        self.assertEqual(srv.call("GET", "/api/v1/incidents/%d" % iid)[0], 404)

        leaves = self.fetch_leaves(srv)
        hashes = [leaf_hash(base64.b64decode(l["data"])) for l in leaves]
        h = self.check_history(srv, "incidents", iid, hashes)
        self.assertEqual([(v["version"], v["operation"]) for v in h["versions"]],
                         [(1, "create"), (2, "update"), (3, "delete")])
        self.assertEqual([v["leaf_index"] for v in h["versions"]],
                         [len(leaves) - 3, len(leaves) - 2, len(leaves) - 1])
        self.assertEqual(json.loads(h["versions"][1]["content"])["fields"]["title_en"],
                         "Sit-in, updated")
        self.assertEqual(json.loads(h["versions"][0]["content"])["fields"]["title_ar"],
                         "اعتصام أمام مجلس المحافظة")
        # The signed checkpoint covers the three new leaves, and extends the
        # previous one consistently.
        note = srv.text("/api/v1/ledger/checkpoint")
        _, _, size, root, _ = parse_note(note)
        self.assertEqual((size, root), (len(leaves), mth(hashes)))
        p = srv.get("/api/v1/ledger/proof/consistency?from=%d&to=%d" % (size - 3, size))
        self.assertTrue(verify_consistency(size - 3, size, [base64.b64decode(x) for x in p["proof"]],
                                           mth(hashes[:size - 3]), root))
        srv.stop()
        # The stored chain of versions, from the tombstone back through prev.
        self.assertEqual(self.versions_of("incident", iid), [v["leaf_index"] for v in h["versions"]])
        self.assertIntact(self.verify())


# --- 2b. Events: account events and reveals (ledger.md 1.3) -------------------

class EventTest(LedgerCase):

    def reveal_as_documenter(self, srv, person_id):
        add_user(self.data, "ledger-documenter", "documenter")
        session = Session(srv, "ledger-documenter")
        status, body = session.call("POST", "/api/v1/persons/%d/reveal" % person_id)
        self.assertEqual(status, 200, body)
        return session, body

    def test_account_events_and_reveals_are_leaves_that_verify(self):
        srv = self.serve()
        # The demo person as any response shows it: identities withheld.
        person = srv.get("/api/v1/persons/1")
        self.assertNotIn("name", person)
        self.assertIn("name", person["withheld"]["fields"])
        session, revealed = self.reveal_as_documenter(srv, 1)
        name = revealed["fields"]["name"]
        self.assertTrue(name)
        leaves = self.fetch_leaves(srv)
        hashes = [leaf_hash(base64.b64decode(l["data"])) for l in leaves]
        # The reveal's leaf: who, what, when, and the content hash of its row.
        rl = leaves[revealed["ledger_leaf"]]
        self.assertEqual((rl["entity"], rl["record_id"], rl["operation"], rl["version"]),
                         ("reveal", revealed["reveal_id"], "create", 1))
        self.assertEqual(rl["actor"], "user:%d" % session.user["id"])
        row = query(self.db, "SELECT id, at, actor, user_id, organisation_id, entity, record_id, "
                             "fields FROM reveals WHERE id = %d" % revealed["reveal_id"])[0]
        content = event_content("reveal", row)
        self.assertEqual(json.loads(content)["event"],
                         {"user_id": session.user["id"], "organisation_id": session.user["organisation_id"],
                          "entity": "person", "record_id": 1,
                          "fields": ["name", "name_variants", "contact", "home_location", "affiliation"]})
        self.assertEqual(b64(sha256(content.encode())), rl["content_hash"])
        # Its inclusion in the signed checkpoint, checked here.
        note = srv.text("/api/v1/ledger/checkpoint")
        _, _, size, root, _ = parse_note(note)
        self.assertEqual(root, mth(hashes[:size]))
        p = srv.get("/api/v1/ledger/proof/inclusion?index=%d&size=%d" % (revealed["ledger_leaf"], size))
        self.assertTrue(verify_inclusion(revealed["ledger_leaf"], size, hashes[revealed["ledger_leaf"]],
                                         [base64.b64decode(x) for x in p["proof"]], root))
        # Account events: the test users' creation, the token, the sign-in.
        actions = [r["action"] for r in query(self.db, "SELECT action FROM account_audit ORDER BY id")]
        self.assertLessEqual({"organisation.create", "user.create", "token.create", "session.create"},
                             set(actions))
        problems, checked = check_events(self.db)
        self.assertEqual(problems, [])
        self.assertEqual(checked, len(actions) + 1)
        self.assertEqual(checked, sum(1 for l in leaves if l["entity"] in EVENTS))
        # Nothing revealed is in the ledger, the reveal's row or the access log.
        srv.stop()
        dump = subprocess.run(["sqlite3", self.db, ".dump ledger", ".dump reveals",
                               ".dump account_audit"], capture_output=True, timeout=60).stdout
        log = open(os.path.join(self.data, "logs", "access.log"), "rb").read()
        for blob in (dump, log):
            self.assertNotIn(name.encode("utf-8"), blob)
            self.assertNotIn(json.dumps(name)[1:-1].encode(), blob)
        self.assertIntact(self.verify())

    def test_tampered_events_are_reported_by_both_verifiers(self):
        srv = self.serve()
        _, revealed = self.reveal_as_documenter(srv, 2)
        srv.stop()
        self.assertIntact(self.verify())
        self.assertEqual(check_events(self.db)[0], [])
        audit = query(self.db, "SELECT id FROM account_audit WHERE action = 'session.create'")[0]["id"]
        rid = revealed["reveal_id"]
        # The triggers refuse edits through SQL ...
        r = subprocess.run(["sqlite3", self.db, "UPDATE reveals SET record_id = 3 WHERE id = %d" % rid],
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("append-only", r.stderr)
        # ... an attacker drops them first.
        drop = ("DROP TRIGGER reveals_no_update; DROP TRIGGER reveals_no_delete; "
                "DROP TRIGGER account_audit_no_update; DROP TRIGGER account_audit_no_delete;")
        cases = [
            ("an edited reveal (another record)", "UPDATE reveals SET record_id = 3 WHERE id = %d;" % rid,
             ("reveal %d" % rid, "edited outside Dalil")),
            ("a deleted reveal", "DELETE FROM reveals WHERE id = %d;" % rid,
             ("reveal %d" % rid, "deleted outside Dalil")),
            ("an edited account event", "UPDATE account_audit SET actor = 'system' WHERE id = %d;" % audit,
             ("account_event %d" % audit, "edited outside Dalil")),
            ("an inserted account event",
             "INSERT INTO account_audit (at, actor, action, detail) VALUES (1, 'cli', 'user.create', '{}');",
             ("account_event", "inserted outside Dalil")),
            ("an altered event content",
             "UPDATE ledger SET content = replace(content, '\"reveal\"', '\"revea1\"') "
             "WHERE idx = %d;" % revealed["ledger_leaf"],
             ("reveal %d" % rid, "event altered")),
        ]
        sql(self.db, "PRAGMA wal_checkpoint(TRUNCATE);")
        backup = self.path("intact.db")
        shutil.copy(self.db, backup)
        for what, script, phrases in cases:
            with self.subTest(what):
                for extra in ("-wal", "-shm"):
                    if os.path.exists(self.db + extra):
                        os.remove(self.db + extra)
                shutil.copy(backup, self.db)
                sql(self.db, drop + script)
                self.assertTampered(self.verify(), *phrases)
                self.assertNotEqual(check_events(self.db)[0], [], what)


# --- 3. Checkpoint signatures checked with openssl ----------------------------

class SignatureTest(LedgerCase):

    def check_note(self, note, vkey):
        name, kid, pub = parse_verifier_key(vkey)
        self.assertEqual(len(pub), 32)
        self.assertEqual(kid, key_id(name, pub))
        body, origin, size, root, sigs = parse_note(note)
        self.assertEqual(origin, name)  # the key name is the log's origin
        self.assertEqual(body, "%s\n%d\n%s\n" % (origin, size, b64(root)))
        ours = [(k, s) for n, k, s in sigs if n == name and k == kid]
        self.assertEqual(len(ours), 1, sigs)
        sig = ours[0][1]
        self.assertEqual(len(sig), 64)
        pem = self.write("pub.pem", ed25519_pem(pub))
        body_file = self.write("body", body.encode("utf-8"))
        sig_file = self.write("sig", sig)
        r = openssl("pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin",
                    "-in", body_file, "-sigfile", sig_file)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(b"Signature Verified Successfully", r.stdout)
        # openssl is not vacuous: another body fails.
        other = self.write("body2", body.replace("\n%d\n" % size, "\n%d\n" % (size + 1)).encode())
        r = openssl("pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin",
                    "-in", other, "-sigfile", sig_file)
        self.assertNotEqual(r.returncode, 0)
        return size, root

    def test_checkpoints_verify_with_openssl(self):
        r = run("ledger", "key", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        vkey = r.stdout.strip()
        self.check_note(self.sign_checkpoint(), vkey)
        srv = self.serve()
        self.assertEqual(srv.text("/api/v1/ledger/key").strip(), vkey)
        leaves = self.fetch_leaves(srv)
        size, root = self.check_note(srv.text("/api/v1/ledger/checkpoint"), vkey)
        self.assertEqual(size, len(leaves))
        self.assertEqual(root, mth([leaf_hash(base64.b64decode(l["data"])) for l in leaves]))
        # The signing key file holds the same key ID.
        private = read(os.path.join(self.data, "keys", "ledger.key")).strip()
        self.assertTrue(private.startswith("PRIVATE+KEY+" + vkey.split("+")[0] + "+" +
                                           vkey.split("+")[1] + "+"))


# --- 4 and 5. dalil verify against tampering, and its exit codes --------------

class VerifyTest(LedgerCase):

    def test_intact(self):
        self.assertIntact(self.verify())
        self.sign_checkpoint()
        self.assertIntact(self.verify())

    def test_edited_record(self):
        sql(self.db, "UPDATE incidents SET title_en = 'Nothing happened' WHERE id = 7;")
        self.assertTampered(self.verify(), "incident 7", "edited outside Dalil", "title_en")

    def test_altered_figure_index(self):
        # The figure index is derived from the records; inflating a figure
        # there (a killed claim's minimum) is caught like any other edit.
        rows = query(self.db, "SELECT incident_id FROM figure_index ORDER BY incident_id LIMIT 1")
        self.assertTrue(rows)
        incident = rows[0]["incident_id"]
        sql(self.db, "UPDATE figure_index SET place_id = place_id + 1 WHERE incident_id = %d;" % incident)
        self.assertTampered(self.verify(), "figure index", "incident %d" % incident)
        sql(self.db, "DELETE FROM figure_index WHERE incident_id = %d;" % incident)
        self.assertTampered(self.verify(), "figure index", "incident %d" % incident, "missing")

    def test_stored_tree_matches_the_python_tree(self):
        # Every row's `hashes` is its leaf hash and the nodes it completes,
        # exactly as rebuilt here from the leaf bytes (section 3).
        rows = self.ledger_rows()
        self.assertEqual([r["idx"] for r in rows], list(range(len(rows))))
        want = stored_hashes([leaf_hash(r["leaf"]) for r in rows])
        for r, w in zip(rows, want):
            self.assertEqual(r["hashes"], w, "row %d" % r["idx"])
        self.assertEqual(len(rows[15]["hashes"]), 32 * 5)  # leaf 15 completes levels 1 to 4

    def test_deleted_version(self):
        n = self.leaf_of("incident", 7)
        self.assertEqual(self.versions_of("incident", 7), [n])
        content = query(self.db, "SELECT content FROM ledger WHERE idx = %d" % n)[0]["content"]
        # The version's content removed, its leaf kept.
        sql(self.db, "UPDATE ledger SET content = NULL WHERE idx = %d;" % n)
        self.assertTampered(self.verify(), "leaf %d" % n, "incident 7", "version deleted")
        sql(self.db, "UPDATE ledger SET content = %s WHERE idx = %d;" % (quote(content), n))
        self.assertIntact(self.verify())
        # The whole version removed: its row, leaf and all.
        sql(self.db, "DELETE FROM ledger WHERE idx = %d;" % n)
        r = self.verify()
        self.assertTampered(r, "leaves %d to %d are missing (removed from the log)" % (n, n))
        self.assertTampered(r, "incident 7", "has no version in the log")

    def test_swapped_leaves(self):
        i, j = 40, 41
        sql(self.db, """
            CREATE TEMP TABLE s AS SELECT idx, leaf, hashes FROM ledger WHERE idx IN (%(i)d, %(j)d);
            UPDATE ledger SET
              leaf = (SELECT leaf FROM s WHERE s.idx = %(i)d + %(j)d - ledger.idx),
              hashes = (SELECT hashes FROM s WHERE s.idx = %(i)d + %(j)d - ledger.idx)
            WHERE idx IN (%(i)d, %(j)d);""" % {"i": i, "j": j})
        self.assertEqual(decode_leaf(self.ledger_rows()[i]["leaf"])["sequence"], j)
        self.assertTampered(self.verify(), "leaf %d" % i, "reordered")

    def test_altered_leaf_bytes(self):
        row = query(self.db, "SELECT hex(leaf) AS leaf FROM ledger WHERE idx = 50")[0]
        data = bytearray(bytes.fromhex(row["leaf"]))
        data[-1] ^= 1  # the content hash
        sql(self.db, "UPDATE ledger SET leaf = X'%s' WHERE idx = 50;" % data.hex())
        self.assertTampered(self.verify(), "leaf 50", "stored hash")

    def test_truncated_log(self):
        saved = self.write("cp.txt", self.sign_checkpoint())
        n = int(query(self.db, "SELECT COUNT(*) AS n FROM ledger")[0]["n"])
        self.assertEqual(parse_note(read(saved))[2], n)
        sql(self.db, "DELETE FROM ledger WHERE idx >= %d;" % (n - 3))
        r = self.verify()
        self.assertTampered(r, "truncated")
        self.assertTampered(r, "checkpoint signed at size %d" % n, "log truncated")
        self.assertTampered(r, "the log has %d leaves, fewer than the %d of the checkpoint "
                               "signed at size %d (log truncated)" % (n - 3, n, n))

    def test_truncated_log_with_all_traces_removed(self):
        # The attacker removes the last leaves and everything that points at
        # them; the stored signed checkpoint still tells.
        saved = self.write("cp.txt", self.sign_checkpoint())
        n = int(query(self.db, "SELECT COUNT(*) AS n FROM ledger")[0]["n"])
        m = n - 3
        gone = [decode_leaf(r["leaf"]) for r in self.ledger_rows()[m:]]
        # Only creates, so removing the records removes every trace.
        self.assertEqual([g["op"] for g in gone], [1] * len(gone), gone)
        script = ["BEGIN;",
                  "DELETE FROM ledger WHERE idx >= %d;" % m,
                  "DELETE FROM ledger_tombstones WHERE leaf >= %d;" % m]
        for g in gone:
            table = PLURAL[g["entity"]].replace("-", "_")
            script.append("DELETE FROM %s WHERE id = %d;" % (table, g["record_id"]))
        sql(self.db, "\n".join(script + ["COMMIT;"]))
        r = self.verify()
        self.assertTampered(r, "checkpoint signed at size %d" % n, "truncated")
        self.assertTampered(r, "the log has %d leaves, fewer than the %d of" % (m, n))
        # Even with the signed checkpoint removed too, a checkpoint saved
        # outside shows the truncation.
        sql(self.db, "DELETE FROM ledger_checkpoints WHERE size > %d;" % m)
        self.assertGreater(query(self.db, "SELECT COUNT(*) AS n FROM ledger_checkpoints")[0]["n"], 0)
        self.assertTampered(self.verify("--checkpoint", saved), "saved checkpoint", "truncated")

    def test_all_checkpoints_removed(self):
        # `dalil init` signs the first checkpoint; a log without any lost them.
        saved = self.write("cp.txt", self.sign_checkpoint())
        sql(self.db, "DELETE FROM ledger_checkpoints;")
        r = self.verify()
        self.assertTampered(r, "the log has no signed checkpoint (checkpoints removed)")
        # A saved checkpoint that still matches does not hide it.
        r = self.verify("--checkpoint", saved)
        self.assertTampered(r, "no signed checkpoint", "checkpoints removed")

    def replace_latest_note(self, transform):
        row = query(self.db, "SELECT size, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1")[0]
        note = transform(row["note"])
        self.assertNotEqual(note, row["note"])
        sql(self.db, "UPDATE ledger_checkpoints SET note = %s WHERE size = %d;"
            % (quote(note), row["size"]))
        return row["size"]

    def test_flipped_checkpoint_signature(self):
        self.sign_checkpoint()

        def flip(note):
            body, _, _, _, sigs = parse_note(note)
            name, kid, sig = sigs[0]
            sig = sig[:10] + bytes([sig[10] ^ 0x04]) + sig[11:]
            return body + "\n" + EM_DASH + " " + name + " " + b64(kid + sig) + "\n"
        size = self.replace_latest_note(flip)
        self.assertTampered(self.verify(), "checkpoint signed at size %d" % size, "signature")

    def test_checkpoint_signed_by_another_key(self):
        self.sign_checkpoint()
        key = self.path("other.pem")
        self.assertEqual(openssl("genpkey", "-algorithm", "ed25519", "-out", key).returncode, 0)
        der = openssl("pkey", "-in", key, "-pubout", "-outform", "DER").stdout
        other_pub = der[-32:]

        def resign(note, same_key_id):
            body, origin, _, _, sigs = parse_note(note)
            # A forged body: the same origin, a different root.
            body = body.replace(body.split("\n")[2], b64(sha256(b"forged")))
            body_file = self.write("forged_body", body.encode())
            sig = openssl("pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", body_file).stdout
            self.assertEqual(len(sig), 64)
            kid = sigs[0][1] if same_key_id else key_id(origin, other_pub)
            return body + "\n" + EM_DASH + " " + origin + " " + b64(kid + sig) + "\n"

        size = self.replace_latest_note(lambda n: resign(n, same_key_id=False))
        self.assertTampered(self.verify(), "checkpoint signed at size %d" % size, "signature")
        # The forger copies the genuine key ID: the signature still fails.
        sql(self.db, "DELETE FROM ledger_checkpoints WHERE size = %d;" % size)
        self.sign_checkpoint()
        size = self.replace_latest_note(lambda n: resign(n, same_key_id=True))
        self.assertTampered(self.verify(), "checkpoint signed at size %d" % size, "signature")

    def test_deleted_record(self):
        sql(self.db, "DELETE FROM claims WHERE id = 3;")
        self.assertTampered(self.verify(), "claim 3", "deleted outside Dalil")

    def test_inserted_record(self):
        sql(self.db, """
            CREATE TEMP TABLE t AS SELECT * FROM incidents WHERE id = 7;
            UPDATE t SET id = 900;
            INSERT INTO incidents SELECT * FROM t;""")
        self.assertTampered(self.verify(), "incident 900", "inserted outside Dalil")

    def test_record_deleted_through_dalil_restored_outside(self):
        srv = self.serve()
        status, created = srv.call("POST", "/api/v1/incidents", {
            "title_en": "To be deleted", "start_date": "2021-03-02", "place_id": 13,
            "event_type": "protests"})
        self.assertEqual(status, 201, created)
        iid = created["id"]
        srv.stop()
        sql(self.db, "CREATE TABLE saved_row AS SELECT * FROM incidents WHERE id = %d;" % iid)
        srv = self.serve()
        self.assertEqual(srv.call("DELETE", "/api/v1/incidents/%d" % iid)[0], 204)
        srv.stop()
        self.assertIntact(self.verify())
        sql(self.db, "INSERT INTO incidents SELECT * FROM saved_row; DROP TABLE saved_row;")
        self.assertTampered(self.verify(), "incident %d" % iid, "restored outside Dalil")

    def test_altered_history_pointers(self):
        # The pointers of section 3: a record's `ledger_leaf`, a version's
        # `prev`, a deleted record's tombstone.
        srv = self.serve()
        status, created = srv.call("POST", "/api/v1/incidents", {
            "title_en": "Pointers", "start_date": "2021-03-02", "place_id": 13,
            "event_type": "protests"})
        self.assertEqual(status, 201, created)
        iid = created["id"]
        self.assertEqual(srv.call("PATCH", "/api/v1/incidents/%d" % iid,
                                  {"title_en": "Pointers, updated", "version": 1})[0], 200)
        self.assertEqual(srv.call("DELETE", "/api/v1/incidents/%d?version=2" % iid)[0], 204)
        # Record ids are never reused after a delete.
        status, again = srv.call("POST", "/api/v1/incidents", {
            "title_en": "After the delete", "start_date": "2021-03-02", "place_id": 13,
            "event_type": "protests"})
        self.assertEqual(status, 201, again)
        self.assertGreater(again["id"], iid)
        srv.stop()
        v1, v2, v3 = self.versions_of("incident", iid)
        self.assertIntact(self.verify())
        with self.subTest("ledger_leaf"):
            sql(self.db, "UPDATE incidents SET ledger_leaf = ledger_leaf - 1 WHERE id = 7;")
            self.assertTampered(self.verify(), "incident 7 does not point at its latest version",
                                "history pointer was altered")
            sql(self.db, "UPDATE incidents SET ledger_leaf = ledger_leaf + 1 WHERE id = 7;")
            self.assertIntact(self.verify())
        with self.subTest("prev"):
            sql(self.db, "UPDATE ledger SET prev = NULL WHERE idx = %d;" % v2)
            self.assertTampered(self.verify(), "incident %d version 2 at leaf %d" % (iid, v2),
                                "history chain altered")
            sql(self.db, "UPDATE ledger SET prev = %d WHERE idx = %d;" % (v1, v2))
            self.assertIntact(self.verify())
        with self.subTest("tombstone"):
            sql(self.db, "UPDATE ledger_tombstones SET leaf = %d WHERE entity = 'incident' AND "
                         "entity_id = %d;" % (v2, iid))
            self.assertTampered(self.verify(), "tombstone of incident %d" % iid, "tombstone altered")
            sql(self.db, "UPDATE ledger_tombstones SET leaf = %d WHERE entity = 'incident' AND "
                         "entity_id = %d;" % (v3, iid))
            self.assertIntact(self.verify())

    def set_node(self, level, idx, node):
        """Overwrites node (level, idx) where it is stored; returns the old value."""
        row = node_row(level, idx)
        hashes = bytes.fromhex(query(self.db, "SELECT hex(hashes) AS h FROM ledger WHERE idx = %d"
                                              % row)[0]["h"])
        self.assertGreaterEqual(len(hashes), 32 * (level + 1), (level, idx))
        before = hashes[32 * level:32 * level + 32]
        hashes = hashes[:32 * level] + node + hashes[32 * level + 32:]
        sql(self.db, "UPDATE ledger SET hashes = X'%s' WHERE idx = %d;" % (hashes.hex(), row))
        return before

    def test_altered_tree_nodes(self):
        # Every stored node must equal the tree rebuilt from the leaves
        # (section 5, check 1), not only those on the path to the current
        # root: the others still serve proofs and the roots of older sizes.
        self.sign_checkpoint()
        for level, idx in ((1, 0), (4, 0)):
            with self.subTest(level=level, idx=idx):
                before = self.set_node(level, idx, bytes(32))
                # The node overwritten is the one the format says is there.
                hashes = [leaf_hash(r["leaf"]) for r in self.ledger_rows()]
                self.assertEqual(before, mth(hashes[idx << level:(idx + 1) << level]))
                srv = self.serve()
                leaves = self.fetch_leaves(srv)
                hashes = [leaf_hash(base64.b64decode(l["data"])) for l in leaves]
                # A leaf whose inclusion proof holds this node as a sibling.
                index = (idx ^ 1) << level
                p = srv.get("/api/v1/ledger/proof/inclusion?index=%d&size=%d" % (index, len(leaves)))
                served = [base64.b64decode(x) for x in p["proof"]]
                srv.stop()
                # The server now hands out a proof that does not verify ...
                self.assertFalse(verify_inclusion(index, len(leaves), hashes[index], served,
                                                  mth(hashes)))
                # ... so verify must report the damaged tree.
                r = self.verify()
                self.set_node(level, idx, before)
                self.assertTampered(r, "leaf %d" % node_row(level, idx), "tree altered")
                self.assertIntact(self.verify())

    def rewrite_history(self, entity_id):
        """Changes incident `entity_id`'s only version and rebuilds the whole
        stored tree, so the database is self-consistent."""
        li = self.leaf_of("incident", entity_id)
        self.assertEqual(self.versions_of("incident", entity_id), [li])
        rows = self.ledger_rows()
        self.assertEqual([r["idx"] for r in rows], list(range(len(rows))))
        # The stored tree is the one rebuilt here, so rebuilding it after
        # the change leaves nothing else different.
        self.assertEqual([r["hashes"] for r in rows],
                         stored_hashes([leaf_hash(r["leaf"]) for r in rows]))
        obj = json.loads(rows[li]["content"])
        title = obj["fields"]["title_en"] + " (rewritten)"
        obj["fields"]["title_en"] = title
        new_content = canonical(obj)
        datas = [r["leaf"] for r in rows]
        leaf = decode_leaf(datas[li])
        leaf["content_hash"] = sha256(new_content.encode("utf-8"))
        datas[li] = encode_leaf(leaf)
        stored = stored_hashes([leaf_hash(d) for d in datas])
        script = ["BEGIN;",
                  "UPDATE ledger SET content = %s, leaf = X'%s' WHERE idx = %d;"
                  % (quote(new_content), datas[li].hex(), li),
                  "UPDATE incidents SET title_en = %s WHERE id = %d;" % (quote(title), entity_id)]
        script += ["UPDATE ledger SET hashes = X'%s' WHERE idx = %d;" % (h.hex(), i)
                   for i, h in enumerate(stored)]
        sql(self.db, "\n".join(script + ["COMMIT;"]))
        self.assertEqual([r["hashes"] for r in self.ledger_rows()], stored)

    def test_saved_checkpoint(self):
        saved = self.write("cp.txt", self.sign_checkpoint())
        size = parse_note(read(saved))[2]
        srv = self.serve()
        status, created = srv.call("POST", "/api/v1/incidents", {
            "title_en": "Later record", "start_date": "2021-03-02", "place_id": 13,
            "event_type": "protests"})
        self.assertEqual(status, 201, created)
        srv.stop()
        r = self.verify("--checkpoint", saved)
        self.assertIntact(r)
        self.assertIn("and the saved checkpoint", r.stdout)

        # History rewritten: an early version, its leaf and the whole tree.
        self.assertLess(self.leaf_of("incident", 7), size)
        self.rewrite_history(7)
        # The checkpoints stored in the database no longer match ...
        self.assertTampered(self.verify(), "leaves altered")
        # ... and an insider holding the signing key could re-sign them, so
        # that the database alone looks intact ...
        sql(self.db, "DELETE FROM ledger_checkpoints;")
        self.sign_checkpoint()
        self.assertIntact(self.verify())
        # ... but not against a checkpoint saved outside.
        self.assertTampered(self.verify("--checkpoint", saved), "saved checkpoint", "leaves altered")

    def test_exit_codes_when_verify_cannot_check(self):
        garbage = self.write("garbage.txt", "this is not a signed note\n")
        r = self.verify("--checkpoint", garbage)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        r = self.verify("--checkpoint", self.path("no-such-file"))
        self.assertNotIn(r.returncode, (0, 6), r.stdout + r.stderr)
        r = self.verify("--verifier-key", "not-a-key")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        r = run("verify", data_dir=self.path("no-such-dir"))
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        r = run("verify", "--no-such-flag", data_dir=self.data)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        # And the two outcomes that did check.
        self.assertEqual(self.verify().returncode, 0)
        sql(self.db, "UPDATE claims SET count_min = 0 WHERE id = 3;")
        self.assertEqual(self.verify().returncode, 6)

    def test_published_verifier_key(self):
        vkey = run("ledger", "key", data_dir=self.data).stdout.strip()
        self.sign_checkpoint()
        self.assertIntact(self.verify("--verifier-key", vkey))


if __name__ == "__main__":
    unittest.main()
