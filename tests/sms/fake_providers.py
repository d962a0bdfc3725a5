#!/usr/bin/python3
"""Fake SMS providers for tests: each answers as its provider's API documents,
on tests/support/fake_http.py (scripts, recording, TLS, drops).

  fake_providers.py --kind twilio|vonage|kannel|http --account A --secret S [--port N]

twilio  POST /2010-04-01/Accounts/{A}/Messages.json, basic auth A:S, form
        To/From|MessagingServiceSid/Body: 201 {"sid": "SM...", "status": "queued"};
        401 {"code": 20003} for other credentials, 400 {"code": 21211} for a
        To that is not E.164, 400 {"code": 21604} without To.
vonage  POST /sms/json, form api_key=A api_secret=S from to text: 200 with
        messages[] (status "0" and a message-id per part; status "4" for other
        credentials, "2" for a missing field).
kannel  GET /cgi-bin/sendsms, username=A password=S: 202 "0: Accepted for
        delivery"; 403 "Authorization failed for sendsms"; 400 without to.
http    any method: 200 {"id": "<n>"}.
"""

import itertools
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from fake_http import FakeHTTP, main  # noqa: E402

_ids = itertools.count(1)


def first(fields, name):
    values = fields.get(name)
    return values[0] if values else None


class FakeProvider(FakeHTTP):
    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--kind", required=True,
                            choices=["twilio", "vonage", "kannel", "http"])
        parser.add_argument("--account", default="AC1")
        parser.add_argument("--secret", default="secret")

    def default_answer(self, request):
        return getattr(self, self.args.kind)(request)

    def twilio(self, r):
        import base64
        path = "/2010-04-01/Accounts/%s/Messages.json" % self.args.account
        if r["method"] != "POST" or r["path"] != path:
            return {"status": 404, "body": {"code": 20404, "message": "not found"}}
        expected = "Basic " + base64.b64encode(
            ("%s:%s" % (self.args.account, self.args.secret)).encode()).decode()
        if r["headers"].get("authorization") != expected:
            return {"status": 401, "body": {"code": 20003, "message": "Authenticate"}}
        form = r["form"]
        to = first(form, "To")
        if not to:
            return {"status": 400, "body": {"code": 21604, "message": "A 'To' phone number is required."}}
        if not to.startswith("+"):
            return {"status": 400, "body": {"code": 21211, "message": "Invalid 'To' Phone Number"}}
        if not first(form, "Body") or not (first(form, "From") or first(form, "MessagingServiceSid")):
            return {"status": 400, "body": {"code": 21602, "message": "Message body is required."}}
        sid = "SM%032x" % next(_ids)
        return {"status": 201, "body": {"sid": sid, "status": "queued", "to": to,
                                        "from": first(form, "From"), "body": first(form, "Body")}}

    def vonage(self, r):
        if r["method"] != "POST" or r["path"] != "/sms/json":
            return {"status": 404, "body": "not found"}
        form = r["form"]
        if first(form, "api_key") != self.args.account or first(form, "api_secret") != self.args.secret:
            return {"status": 200, "body": {"message-count": "1", "messages": [
                {"status": "4", "error-text": "Bad Credentials"}]}}
        for name in ("from", "to", "text"):
            if not first(form, name):
                return {"status": 200, "body": {"message-count": "1", "messages": [
                    {"status": "2", "error-text": "Missing " + name}]}}
        unicode = first(form, "type") == "unicode"
        per_part = 67 if unicode else 153
        text = first(form, "text")
        parts = 1 if len(text) <= (70 if unicode else 160) else -(-len(text) // per_part)
        return {"status": 200, "body": {"message-count": str(parts), "messages": [
            {"to": first(form, "to"), "message-id": "%016X" % next(_ids), "status": "0",
             "remaining-balance": "10.0", "message-price": "0.03", "network": "12345"}
            for _ in range(parts)]}}

    def kannel(self, r):
        if r["method"] != "GET" or r["path"] != "/cgi-bin/sendsms":
            return {"status": 404, "body": "not found"}
        args = r["args"]
        if first(args, "username") != self.args.account or first(args, "password") != self.args.secret:
            return {"status": 403, "body": "Authorization failed for sendsms"}
        if not first(args, "to"):
            return {"status": 400, "body": "Missing receiver number, rejected"}
        return {"status": 202, "body": "0: Accepted for delivery"}

    def http(self, r):
        return {"status": 200, "body": {"id": str(next(_ids))}}


if __name__ == "__main__":
    main(FakeProvider)
