#!/usr/bin/python3
"""Self-test of openapi_check.py (CTest: api_openapi_check_selftest).

Feeds it the document's own route table and response examples, which must
pass, then route tables and responses that are each wrong in one way, which
must be refused with exit 1 and a message naming the fault. Run by
/usr/bin/python3, as the script is.
"""

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "openapi_check.py"
DOC = HERE.parents[1] / "api" / "openapi.yaml"


def run(*args, stdin=None):
    return subprocess.run([sys.executable, str(SCRIPT), "--doc", str(DOC), *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def load_doc():
    with open(DOC, encoding="utf-8") as f:
        return yaml.safe_load(f)


def deref(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def documented_routes(doc):
    return [f"{m.upper()} {p}" for p, item in doc["paths"].items() for m in item]


def documented_examples(doc):
    """A record per response example of the document: all must conform."""
    records = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                response = deref(doc, response)
                for media in response.get("content", {}).values():
                    examples = [e["value"] for e in media.get("examples", {}).values()]
                    if "example" in media:
                        examples.append(media["example"])
                    for body in examples:
                        records.append({"method": method.upper(), "path": path,
                                        "status": int(status), "body": body})
    return records


# Concrete requests, answered as the server will answer them: all conform.
GOOD = [
    {"method": "POST", "path": "/v1/messages", "status": 202,
     "body": {"id": "1795679092742-0-e3"}, "headers": {"idempotent-replayed": "true"}},
    {"method": "GET", "path": "/v1/messages/1795679092742-0-e3?verbose=1", "status": 200,
     "body": {"id": "1795679092742-0-e3", "state": "queued", "admitted_at": "2026-11-28T09:14:03.512Z",
              "attempts": 0, "history": []}},
    {"method": "POST", "path": "/v1/messages", "status": 429, "headers": {"Retry-After": "30"},
     "body": {"error": {"code": "quota_exceeded", "message": "daily quota used up"}}},
    {"method": "DELETE", "path": "/v1/suppressions/gone%40example.com", "status": 204, "body": None},
    {"method": "GET", "path": "/v1/no-such-thing", "status": 404,
     "body": {"error": {"code": "not_found", "message": "no such route"}}},
    {"method": "PUT", "path": "/v1/messages", "status": 405,
     "body": {"error": {"code": "method_not_allowed", "message": "PUT"}}},
    {"method": "GET", "path": "/v1/openapi.yaml", "status": 200, "body": "openapi: 3.1.0\n"},
]

# One fault each: (what is wrong, record, what the report must say).
BAD = [
    ("202 without id", {"method": "POST", "path": "/v1/messages", "status": 202, "body": {}},
     "'id' is a required property"),
    ("202 with a field too many", {"method": "POST", "path": "/v1/messages", "status": 202,
                                   "body": {"id": "1795679092742-0-e3", "tenant": "acme"}},
     "'tenant' was unexpected"),
    ("a malformed message id", {"method": "POST", "path": "/v1/messages", "status": 202,
                                "body": {"id": "42"}}, "$.id: '42' does not match"),
    ("an unknown state", {"method": "GET", "path": "/v1/messages/1-0-e0", "status": 200,
                          "body": {"id": "1-0-e0", "state": "lost", "attempts": 0, "history": [],
                                   "admitted_at": "2026-11-28T09:14:03.512Z"}},
     "$.state: 'lost' is not one of"),
    ("a time without milliseconds", {"method": "GET", "path": "/v1/messages/1-0-e0", "status": 200,
                                     "body": {"id": "1-0-e0", "state": "queued", "attempts": 0,
                                              "history": [], "admitted_at": "2026-11-28T09:14:03Z"}},
     "$.admitted_at: '2026-11-28T09:14:03Z' does not match"),
    ("an impossible date", {"method": "GET", "path": "/v1/messages/1-0-e0", "status": 200,
                            "body": {"id": "1-0-e0", "state": "queued", "attempts": 0, "history": [],
                                     "admitted_at": "2026-13-28T09:14:03.512Z"}},
     "is not a 'date-time'"),
    ("another status's error code", {"method": "GET", "path": "/v1/messages/1-0-e0", "status": 404,
                                     "body": {"error": {"code": "unauthorized", "message": "x"}}},
     "$.error.code: 'unauthorized' is not one of ['not_found', 'domain_not_found']"),
    ("an error without message", {"method": "POST", "path": "/v1/messages", "status": 400,
                                  "body": {"error": {"code": "invalid_message"}}},
     "'message' is a required property"),
    ("a batch item with no id", {"method": "POST", "path": "/v1/messages/batch", "status": 200,
                                 "body": {"results": [{"status": 202, "id": "1-0-e0"},
                                                      {"status": 202}]}},
     "$.results[1]: 'id' is a required property"),
    ("a batch item with a bad error", {"method": "POST", "path": "/v1/messages/batch", "status": 200,
                                       "body": {"results": [{"status": 400, "error": {"code": "bad"}}]}},
     "$.results[0].error"),
    ("an undocumented status", {"method": "POST", "path": "/v1/messages", "status": 418,
                                "body": {}}, "status 418 is not documented for POST /v1/messages"),
    ("an undocumented method", {"method": "PUT", "path": "/v1/messages", "status": 200,
                                "body": {}}, "PUT is not documented for /v1/messages"),
    ("an undocumented path", {"method": "GET", "path": "/v2/messages", "status": 200, "body": {}},
     "no path of the document matches /v2/messages"),
    ("a body where none is documented", {"method": "DELETE", "path": "/v1/tenants/acme/keys/k1",
                                         "status": 204, "body": {"deleted": True}},
     "without a body"),
    ("no body where one is documented", {"method": "GET", "path": "/healthz", "status": 200,
                                         "body": None}, "no body"),
    ("a bad Retry-After", {"method": "GET", "path": "/readyz", "status": 503,
                           "headers": {"Retry-After": "soon"},
                           "body": {"error": {"code": "backpressure", "message": "x"}}},
     "header Retry-After"),
    ("a tenant view missing paused", {"method": "GET", "path": "/v1/tenants/acme", "status": 200,
                                      "body": {"tenant": "acme", "settings": {}, "overrides": {},
                                               "today": {}, "breakers": []}},
     "'paused' is a required property"),
]


class Routes(unittest.TestCase):
    def test_the_documents_own_table_passes(self):
        doc = load_doc()
        r = run("routes", stdin="\n".join(documented_routes(doc)) + "\n")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 mismatches", r.stdout)

    def test_every_difference_is_named_both_ways(self):
        routes = [r for r in documented_routes(load_doc()) if r != "DELETE /v1/tenants/{t}/dead"]
        routes += ["PUT /v1/messages", "GET /v1/tenants/{tenant}", "GET /healthz", "nonsense"]
        r = run("routes", stdin="\n".join(routes) + "\n")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        for said in ("DELETE /v1/tenants/{t}/dead: in the document, not in the server",
                     "PUT /v1/messages: in the server's route table, not in the document",
                     "GET /v1/tenants/{tenant}: in the server's route table",
                     "parameter names differ",
                     "GET /healthz again",
                     "expected 'METHOD /path', got 'nonsense'"):
            self.assertIn(said, r.stdout)


class Responses(unittest.TestCase):
    def write(self, records):
        f = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False)
        self.addCleanup(Path(f.name).unlink)
        with f:
            for rec in records:
                f.write(json.dumps(rec) + "\n")
        return f.name

    def test_the_documents_examples_and_real_answers_conform(self):
        records = documented_examples(load_doc()) + GOOD
        self.assertGreater(len(records), 30)
        r = run("responses", self.write(records))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"{len(records)} responses, 0 not conforming", r.stdout)

    def test_each_fault_is_refused_and_named(self):
        for what, record, said in BAD:
            with self.subTest(what):
                r = run("responses", self.write([record]))
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertIn(said, r.stdout)

    def test_every_bad_record_of_a_file_is_reported(self):
        records = [GOOD[0]] + [bad for _, bad, _ in BAD] + ["not a record"]
        r = run("responses", self.write(records))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"{len(records)} responses, {len(BAD) + 1} not conforming", r.stdout)
        self.assertNotIn("line 1:", r.stdout)

    def test_an_empty_file_is_a_failure(self):
        r = run("responses", self.write([]))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)

    def test_one_response_from_a_file(self):
        with tempfile.TemporaryDirectory() as d:
            good, bad, text = Path(d, "good"), Path(d, "bad"), Path(d, "text")
            good.write_text('{"tenant": "acme", "paused": true}')
            bad.write_text('{"tenant": "acme"}')
            text.write_text("<html>oops</html>")
            self.assertEqual(run("response", "POST", "/v1/tenants/acme/pause", "200", str(good))
                             .returncode, 0)
            r = run("response", "POST", "/v1/tenants/acme/pause", "200", str(bad))
            self.assertEqual(r.returncode, 1)
            self.assertIn("'paused' is a required property", r.stdout)
            r = run("response", "GET", "/healthz", "200", str(text))
            self.assertEqual(r.returncode, 1)
            self.assertIn("the body is not JSON", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
