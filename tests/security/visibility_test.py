"""End-to-end test of what anonymous visitors see (docs/security.md,
"Ownership and visibility"), through the real dalil binary and a real
server on an ephemeral loopback port.

Records with a unique canary in every sensitive field (the list comes from
the OpenAPI document's `x-sensitive`, so a new sensitive field without a
canary fails the test) are attached to an incident that is then published
(visibility public and verified), with its person and source published too.
Then every GET route of the API is called without credentials, with the ids
of those records, and every export format is downloaded: the published
records answer, and no canary appears in any response.

Python standard library only.
"""
import json
import os
import shutil
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from dalil_process import Server, run  # noqa: E402


def forms(text):
    """The byte forms a leaked string could take: UTF-8, JSON-escaped, UTF-16."""
    escaped = json.dumps(text)[1:-1]
    return {text.encode("utf-8"), escaped.encode("ascii"), text.encode("utf-16-le")}


class AnonymousVisitorTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dalil_visibility_")
        self.data = os.path.join(self.tmp, "data")
        r = run("init", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.srv = Server(self.data)

    def tearDown(self):
        self.srv.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def post(self, path, body):
        status, created = self.srv.call("POST", path, body)
        self.assertEqual(status, 201, (path, created))
        return created

    def patch(self, path, body):
        status, changed = self.srv.call("PATCH", path, body)
        self.assertEqual(status, 200, (path, changed))
        return changed

    def anonymous(self, path):
        req = urllib.request.Request(self.srv.url + path, method="GET")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def test_no_anonymous_response_or_export_holds_a_sensitive_value(self):
        canaries = []

        def canary(field):
            canaries.append("VISCANARY%02d-%s-41c9" % (len(canaries) + 1, field))
            return canaries[-1]

        openapi = json.loads(run("openapi").stdout)
        flagged = sorted((name.lower(), field) for name, schema in openapi["components"]["schemas"].items()
                         for field, prop in schema.get("properties", {}).items()
                         if prop.get("x-sensitive"))
        source = self.post("/api/v1/sources", {
            "kind": "witness_testimony", "reliability": "reliable", "title": "Published testimony",
            "witness_identity": canary("witness_identity") + " شاهد"})
        person_body = {
            "name": canary("name"), "name_variants": [canary("variant1"), canary("variant2")],
            "contact": canary("contact"), "home_location": canary("home_location"),
            "affiliation": canary("affiliation"), "notes": canary("notes")}
        person = self.post("/api/v1/persons", person_body)
        incident = self.post("/api/v1/incidents", {
            "title_en": "Published incident", "start_date": "2021-02-26", "place_id": 13,
            "event_type": "protests"})
        actor = self.post("/api/v1/actors", {"name_en": "Published unit", "kind": "state_forces"})
        involvement = self.post("/api/v1/involvements", {
            "incident_id": incident["id"], "actor_id": actor["id"], "role": "perpetrator",
            "perpetrator_names": [canary("perpetrator1"), canary("perpetrator2")]})
        claim = self.post("/api/v1/claims", {
            "incident_id": incident["id"], "source_id": source["id"], "category": "killed",
            "count_min": 2, "quote": "two killed"})
        outcome = self.post("/api/v1/outcomes", {
            "incident_id": incident["id"], "person_id": person["id"], "kind": "killed",
            "source_id": source["id"]})
        update = self.post("/api/v1/outcome-updates", {
            "outcome_id": outcome["id"], "status": "other", "date": "2021-03-01"})
        written = {("source", "witness_identity"), ("involvement", "perpetrator_names")}
        written |= {("person", f) for f in person_body if f != "notes"}
        self.assertEqual(sorted(written), flagged)

        ids = {"sources": source["id"], "persons": person["id"], "incidents": incident["id"],
               "actors": actor["id"], "involvements": involvement["id"], "claims": claim["id"],
               "outcomes": outcome["id"], "outcome-updates": update["id"], "places": 13}
        inc = "/api/v1/incidents/%d" % incident["id"]
        # Unpublished: a visitor sees none of it.
        self.assertEqual(self.anonymous(inc)[0], 404)
        self.assertEqual(self.anonymous("/api/v1/persons/%d" % person["id"])[0], 404)
        # Published: the incident (verified and public), its person and source.
        self.patch(inc, {"visibility": "public", "review_status": "verified"})
        self.patch("/api/v1/persons/%d" % person["id"], {"visibility": "public"})
        self.patch("/api/v1/sources/%d" % source["id"], {"visibility": "public"})

        responses = []
        answered = set()
        for path, ops in openapi["paths"].items():
            if "get" not in ops:
                continue
            plural = path.split("/")[3] if path.startswith("/api/v1/") else ""
            target = path.replace("{id}", str(ids.get(plural, 1)))
            status, body = self.anonymous(target)
            responses.append((target, status, body))
            if status == 200:
                answered.add(path)
        for fmt in ("csv", "hxl", "json", "geojson"):
            target = "/api/v1/export?format=" + fmt
            status, body = self.anonymous(target)
            self.assertEqual(status, 200, (target, body))
            self.assertIn(b"Published incident", body, target)
            responses.append((target, status, body))
        status, body = self.anonymous("/api/v1/figures?by=governorate")
        self.assertEqual(status, 200, body)
        responses.append(("figures by governorate", status, body))

        # The test reaches the published records (it is not vacuous)...
        for plural in ("incidents", "persons", "sources", "involvements", "claims", "outcomes",
                       "outcome-updates"):
            self.assertIn("/api/v1/%s/{id}" % plural, answered)
            self.assertIn("/api/v1/%s/{id}/history" % plural, answered)
            self.assertIn("/api/v1/%s" % plural, answered)
        got = json.loads(self.anonymous("/api/v1/persons/%d" % person["id"])[1])
        self.assertEqual(got["id"], person["id"])
        self.assertNotIn("name", got)
        self.assertNotIn("withheld", got)  # outside its organisation: not even decrypted
        figures = json.loads(self.anonymous("/api/v1/figures")[1])
        self.assertEqual(figures["groups"][0]["figures"]["killed"]["incidents"], [incident["id"]])
        # ... and not one canary is in any of it.
        for target, status, body in responses:
            for c in canaries:
                for form in forms(c):
                    self.assertNotIn(form, body, "%s found in the anonymous answer to %s (%d)"
                                     % (c, target, status))
        # The organisation itself still holds them: withheld from its
        # responses too, but there to reveal (docs/security.md section 15).
        own = self.srv.get("/api/v1/persons/%d" % person["id"])
        self.assertIn("name", own["withheld"]["fields"])


if __name__ == "__main__":
    unittest.main()
