#!/usr/bin/python3
"""A webhook receiver for tests: tests/support/fake_http.py that checks
every request's Herald-Webhook-Signature with Python's hmac, independently
of herald's code, against the secrets in --secrets FILE (one a line, read
again on every request, so a test can write it after registering).

A valid signature is answered 200, anything else 401 with the reason;
scripted answers (POST /_script) still come first. The verifier is the
README's, word for word.
"""

import hashlib
import hmac
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from fake_http import FakeHTTP, main  # noqa: E402


# ---- the README's verifier ----
def verify(secret, headers, body, tolerance=300):
    parts = dict(p.split("=", 1) for p in headers["Herald-Webhook-Signature"].split(","))
    signed = parts["t"].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(parts["t"])) <= tolerance
    return fresh and hmac.compare_digest(expected, parts["v1"])
# ----


class Receiver(FakeHTTP):
    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--secrets", required=True)

    def secrets(self):
        try:
            with open(self.args.secrets, encoding="utf-8") as f:
                return [line.strip() for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def default_answer(self, request):
        headers = {k.title(): v for k, v in request["headers"].items()}
        if "Herald-Webhook-Signature" not in headers:
            return {"status": 401, "body": {"error": "no signature"}}
        if headers.get("Herald-Webhook-Timestamp") not in headers["Herald-Webhook-Signature"]:
            return {"status": 401, "body": {"error": "timestamp header differs"}}
        body = request["body"].encode("utf-8")
        for secret in self.secrets():
            try:
                if verify(secret, headers, body):
                    return {"status": 200, "body": {"ok": True}}
            except (KeyError, ValueError):
                break
        return {"status": 401, "body": {"error": "bad signature"}}


if __name__ == "__main__":
    main(Receiver)
