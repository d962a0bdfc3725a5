#!/usr/bin/python3
"""Independent check of a rendered message: parses it with Python's email
package (policy=default, the strict modern parser) and prints a JSON
summary that render_test asserts on.

usage: mime_summary.py [--utf8] MESSAGE_FILE

--utf8: the message is an RFC 6532 one (UTF-8 header fields): it must be
valid UTF-8 and is parsed as text with policy SMTPUTF8. Python flags every
non-ASCII local part (NonASCIILocalPartDefect, RFC 5322's rule); RFC 6532
allows them, so that defect alone is not reported in this mode.
"""
import base64
import json
import sys
from email import policy
from email.parser import BytesParser, Parser

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


def parse(args):
    utf8 = args[0] == "--utf8"
    with open(args[-1], "rb") as f:
        data = f.read()
    if utf8:
        return Parser(policy=policy.SMTPUTF8).parsestr(data.decode("utf-8")), {"NonASCIILocalPartDefect"}
    return BytesParser(policy=policy.default).parsebytes(data), set()


def main():
    msg, allowed = parse(sys.argv[1:])
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
    summary["defects"] = [d for d in summary["defects"] if d not in allowed]
    json.dump(summary, sys.stdout)


if __name__ == "__main__":
    main()
