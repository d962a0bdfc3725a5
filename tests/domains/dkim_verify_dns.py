#!/usr/bin/python3
"""Independent DKIM verifier that reads the keys from a real DNS server:
python3-dkim checks every DKIM-Signature of every message given, and its
key lookups (<selector>._domainkey.<domain> TXT) go to the test's DNS
server over the wire, through python3-dnslib. So a signature passes only
when the record the tenant published there holds the key herald signed with.

usage: dkim_verify_dns.py HOST:PORT MESSAGE_FILE...
prints: [{"signatures": n, "selectors": [...], "results": [true|false, ...]}, ...]
"""
import json
import re
import sys

import dkim
import dnslib


def signatures(message):
    """The s= of every DKIM-Signature, in order (fields may be folded)."""
    head = message.split(b"\r\n\r\n", 1)[0]
    unfolded = re.sub(rb"\r\n[ \t]+", b" ", head)
    return re.findall(rb"(?im)^dkim-signature[ \t]*:.*?\bs=([^;\s]+)", unfolded)


def main():
    host, port = sys.argv[1].rsplit(":", 1)

    def dnsfunc(name, timeout=5):
        q = dnslib.DNSRecord.question(name.decode().rstrip("."), "TXT")
        answer = dnslib.DNSRecord.parse(q.send(host, int(port), tcp=True, timeout=timeout))
        for rr in answer.rr:
            if rr.rtype == dnslib.QTYPE.TXT:
                return b"".join(rr.rdata.data)
        return b""

    out = []
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            message = f.read()
        selectors = [s.decode() for s in signatures(message)]
        results = []
        for idx in range(len(selectors)):
            try:
                results.append(bool(dkim.DKIM(message).verify(idx=idx, dnsfunc=dnsfunc)))
            except dkim.DKIMException as e:
                print(f"{path} signature {idx}: {e}", file=sys.stderr)
                results.append(False)
        out.append({"signatures": len(selectors), "selectors": selectors, "results": results})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
