#!/usr/bin/python3
"""Checks herald's HTTP server against its OpenAPI document (api/openapi.yaml).

  openapi_check.py [--doc FILE] routes [FILE]
      The server's route table, one "METHOD PATH" a line (stdin without
      FILE; blank lines and lines starting with # are skipped), must be the
      document's paths x methods exactly: every route missing on either side
      is reported, and so is a route listed twice.

  openapi_check.py [--doc FILE] response METHOD PATH STATUS BODY_FILE
      One response: BODY_FILE holds the body as sent (JSON for the JSON
      answers; an empty file for none).

  openapi_check.py [--doc FILE] responses FILE.jsonl
      Many recorded responses, one JSON object a line:
      {"method": "POST", "path": "/v1/messages", "status": 202, "body": {...}}
      "body" is the decoded JSON body (null or absent when there was none;
      the text, as a JSON string, for a non-JSON media type); an optional
      "headers" object (name -> value) is checked against the documented
      response headers.

PATH may be concrete (/v1/messages/1795679092742-0-e3?x=1) or written as
in the document (/v1/messages/{id}). A path the document does not have, or
a method it does not list for the path, is checked against the document's
x-unrouted-responses (404, 405), and so is a status the route does not
document (what the server refuses before routing: 413, 431). Every mismatch is printed, one a line,
with the record, the place in the body and what is wrong; the exit status
is 0 when everything conforms, 1 on any mismatch, 2 on a usage error or an
unreadable document. Runs on Debian's /usr/bin/python3 with python3-yaml and
python3-jsonschema.
"""

import argparse
import datetime
import json
import re
import sys
import urllib.parse
from pathlib import Path

import jsonschema
import yaml

DEFAULT_DOC = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
MAX_MESSAGE = 300  # characters of one reported problem: bodies can be large


class Document:
    """The OpenAPI document, with its local references resolved on demand."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.root = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        if not isinstance(self.root, dict) or "paths" not in self.root:
            raise ValueError(f"{path}: not an OpenAPI document")
        self.resolver = jsonschema.RefResolver(base_uri="", referrer=self.root)
        checker = jsonschema.FormatChecker(())
        checker.checks("date-time", raises=ValueError)(_rfc3339)
        self.format_checker = checker

    def deref(self, node):
        """Follows $ref (local JSON pointers) until a node without one."""
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/") or ref in seen:
                raise ValueError(f"unsupported or circular $ref {ref}")
            seen.add(ref)
            node = self.root
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def routes(self):
        """{(METHOD, path)} of every operation."""
        out = set()
        for path, item in self.root["paths"].items():
            for method in self.deref(item):
                if method in METHODS:
                    out.add((method.upper(), path))
        return out

    def validator(self, schema):
        return jsonschema.Draft202012Validator(
            schema, resolver=self.resolver, format_checker=self.format_checker
        )


def _rfc3339(value):
    if not isinstance(value, str):
        return True
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


# ---- routes ------------------------------------------------------------------------


def shape(path):
    """The path with its parameters' names left out: /v1/tenants/{}."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def check_routes(doc, lines):
    problems, seen = [], {}
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[1].startswith("/"):
            problems.append(f"route table line {n}: expected 'METHOD /path', got {line!r}")
            continue
        route = (parts[0].upper(), parts[1])
        if route in seen:
            problems.append(f"route table line {n}: {route[0]} {route[1]} again (line {seen[route]})")
        seen.setdefault(route, n)
    documented = doc.routes()
    by_shape = {(m, shape(p)): p for m, p in documented}
    for method, path in sorted(set(seen) - documented, key=lambda r: (r[1], r[0])):
        hint = by_shape.get((method, shape(path)))
        more = f" (the document writes it {hint}: parameter names differ)" if hint else ""
        problems.append(f"{method} {path}: in the server's route table, not in the document{more}")
    for method, path in sorted(documented - set(seen), key=lambda r: (r[1], r[0])):
        problems.append(f"{method} {path}: in the document, not in the server's route table")
    return problems, len(documented), len(seen)


# ---- responses ---------------------------------------------------------------------


def match_path(doc, path):
    """The document's path template for a concrete or templated path, or None."""
    path = urllib.parse.urlsplit(path).path or path
    if path in doc.root["paths"]:
        return path
    want = path.split("/")
    best, best_literals = None, -1
    for template in doc.root["paths"]:
        have = template.split("/")
        if len(have) != len(want):
            continue
        literals = 0
        for h, w in zip(have, want):
            if h.startswith("{") and h.endswith("}"):
                if not w:
                    break
            elif h != w:
                break
            else:
                literals += 1
        else:
            if literals > best_literals:
                best, best_literals = template, literals
    return best


def find_response(doc, method, path, status):
    """(the response object, what it is called) or (None, why not)."""
    unrouted = doc.root.get("x-unrouted-responses", {})
    template = match_path(doc, path)
    if template is None:
        if str(status) in unrouted:
            return doc.deref(unrouted[str(status)]), f"{method} {path} (no such path)"
        return None, f"no path of the document matches {path}"
    item = doc.deref(doc.root["paths"][template])
    op = item.get(method.lower())
    if op is None:
        if str(status) in unrouted:
            return doc.deref(unrouted[str(status)]), f"{method} {template} (no such method)"
        allowed = ", ".join(m.upper() for m in item if m in METHODS)
        return None, f"{method} is not documented for {template} (documented: {allowed})"
    responses = {str(k): v for k, v in op.get("responses", {}).items()}
    name = f"{method} {template} {status}"
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            return doc.deref(responses[key]), name
    if str(status) in unrouted:  # refused before routing, on any path
        return doc.deref(unrouted[str(status)]), f"{name} (before routing)"
    return None, f"status {status} is not documented for {method} {template} (documented: {', '.join(responses)})"


def where(error_path):
    out = "$"
    for part in error_path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def shorten(text):
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def explain(error):
    """Lines for one schema error; for oneOf/anyOf, the closest variant's errors."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [f"{where(error.absolute_path)}: {shorten(error.message)}"]
    branches = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    # A variant refused on a const (e.g. "status": 202, "channel": "sms") is
    # another kind of answer; the closest is the one of the right kind with
    # the fewest problems.
    _, closest = min(
        branches.items(),
        key=lambda b: (sum(e.validator == "const" for e in b[1]), len(b[1])),
    )
    head = f"{where(error.absolute_path)}: matches none of the {error.validator} variants; closest:"
    return [head] + ["  " + line for sub in closest for line in explain(sub)]


def check_headers(doc, response, headers):
    got = {k.lower(): v for k, v in (headers or {}).items()}
    problems = []
    for name, header in response.get("headers", {}).items():
        header = doc.deref(header)
        value = got.get(name.lower())
        if value is None:
            if header.get("required"):
                problems.append(f"header {name}: required, absent")
            continue
        schema = header.get("schema", {})
        if doc.deref(schema).get("type") == "integer":
            try:
                value = int(value)
            except (TypeError, ValueError):
                problems.append(f"header {name}: {value!r} is not an integer")
                continue
        problems += [f"header {name}: {e.message}" for e in doc.validator(schema).iter_errors(value)]
    return problems


def check_response(doc, method, path, status, body, headers=None):
    """Problems of one response (an empty list when it conforms)."""
    response, name = find_response(doc, method.upper(), path, status)
    if response is None:
        return [name]
    problems = check_headers(doc, response, headers) if headers is not None else []
    content = response.get("content")
    if not content:
        if body not in (None, ""):
            problems.append("the document answers this without a body; got one")
        return problems
    if body is None:
        return problems + [f"no body; the document answers {', '.join(content)}"]
    # A route answering several media types (JSON, or TwiML for Twilio) is
    # checked against the one the answer says it is.
    sent_type = ""
    for name, value in (headers or {}).items():
        if name.lower() == "content-type":
            sent_type = str(value).split(";")[0].strip().lower()
    media = content.get(sent_type) or content.get("application/json") or next(iter(content.values()))
    schema = media.get("schema", {})
    errors = sorted(doc.validator(schema).iter_errors(body), key=lambda e: list(e.absolute_path))
    for error in errors:
        problems += explain(error)
    return problems


def read_records(path):
    """(line number, record) of a JSONL file; a line that is no record is a problem."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
                record["method"], record["path"], record["status"] = (
                    str(record["method"]),
                    str(record["path"]),
                    int(record["status"]),
                )
            except (ValueError, KeyError, TypeError) as e:
                yield n, None, f"not a record {{method, path, status, body}}: {e}"
                continue
            yield n, record, None


# ---- the command -------------------------------------------------------------------


def report(label, problems):
    for p in problems:
        print(f"openapi_check: {label}: {p}")


def main(argv):
    parser = argparse.ArgumentParser(description="Check herald's server against api/openapi.yaml.")
    parser.add_argument("--doc", default=str(DEFAULT_DOC), help="the OpenAPI document")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("routes", help="the route table, 'METHOD PATH' lines")
    r.add_argument("file", nargs="?", help="the table (stdin without it)")
    one = sub.add_parser("response", help="one response body")
    one.add_argument("method")
    one.add_argument("path")
    one.add_argument("status", type=int)
    one.add_argument("body_file")
    many = sub.add_parser("responses", help="recorded responses, JSONL")
    many.add_argument("file")
    args = parser.parse_args(argv)
    try:
        doc = Document(args.doc)
    except (OSError, ValueError, yaml.YAMLError) as e:
        print(f"openapi_check: cannot read the document: {e}", file=sys.stderr)
        return 2

    if args.command == "routes":
        lines = open(args.file, encoding="utf-8") if args.file else sys.stdin
        problems, documented, listed = check_routes(doc, lines)
        report("routes", problems)
        print(f"openapi_check: routes: {documented} in the document, {listed} in the route table, "
              f"{len(problems)} mismatches")
        return 1 if problems else 0

    if args.command == "response":
        text = Path(args.body_file).read_text(encoding="utf-8")
        label = f"{args.method.upper()} {args.path} {args.status}"
        body, problems = None, []
        if text.strip():
            try:
                body = json.loads(text)
            except ValueError as e:
                body = text
                response, _ = find_response(doc, args.method.upper(), args.path, args.status)
                if response and "application/json" in response.get("content", {}):
                    problems.append(f"the body is not JSON: {e}")
        if not problems:
            problems = check_response(doc, args.method, args.path, args.status, body)
        report(label, problems)
        return 1 if problems else 0

    checked = failed = 0
    for n, record, problem in read_records(args.file):
        checked += 1
        if record is None:
            problems, label = [problem], f"line {n}"
        else:
            label = f"line {n}: {record['method'].upper()} {record['path']} {record['status']}"
            problems = check_response(doc, record["method"], record["path"], record["status"],
                                      record.get("body"), record.get("headers"))
        failed += bool(problems)
        report(label, problems)
    print(f"openapi_check: {checked} responses, {failed} not conforming")
    return 1 if failed or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
