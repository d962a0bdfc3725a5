#!/usr/bin/python3
"""Independent check of a rendered message: parses it with Python's email
package (policy=default, the strict modern parser) and prints a JSON
summary that render_test asserts on.

usage: mime_summary.py MESSAGE_FILE
"""
import base64
import json
import sys
from email import policy
from email.parser import BytesParser

ADDRESS_FIELDS = ("from", "to", "cc", "reply-to", "bcc")


def part_summary(part):
    out = {
        "content_type": part.get_content_type(),
        "multipart": part.is_multipart(),
        "params": {k: v for k, v in part["content-type"].params.items()} if part["content-type"] else {},
        "cte": part.get("content-transfer-encoding", ""),
        "disposition": part.get_content_disposition() or "",
        "filename": part.get_filename() or "",
        "content_id": part.get("content-id", ""),
        "defects": [type(d).__name__ for d in part.defects],
    }
    if not part.is_multipart():
        payload = part.get_payload(decode=True) or b""
        if part.get_content_maintype() == "text":
            out["text"] = payload.decode(part.get_content_charset() or "ascii").replace("\r\n", "\n")
        out["bytes_b64"] = base64.b64encode(payload).decode()
    return out


def main():
    with open(sys.argv[1], "rb") as f:
        msg = BytesParser(policy=policy.default).parse(f)
    summary = {
        "headers": [[k, str(v)] for k, v in msg.items()],
        "addresses": {},
        "parts": [part_summary(p) for p in msg.walk()],
        "defects": [],
    }
    for p in msg.walk():
        summary["defects"] += [type(d).__name__ for d in p.defects]
    for name in ADDRESS_FIELDS:
        if msg[name] is not None:
            h = msg[name]
            summary["defects"] += [type(d).__name__ for d in h.defects]
            summary["addresses"][name] = [
                {"display_name": a.display_name, "addr_spec": a.addr_spec} for a in h.addresses
            ]
    for name in ("subject", "message-id", "date"):
        if msg[name] is not None:
            summary["defects"] += [type(d).__name__ for d in msg[name].defects]
    json.dump(summary, sys.stdout)


if __name__ == "__main__":
    main()
