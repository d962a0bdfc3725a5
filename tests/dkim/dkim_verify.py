#!/usr/bin/python3
"""Independent DKIM verifier for the smtp tests: python3-dkim checks every
DKIM-Signature of every message given, with the public keys served by a
DNS hook (no DNS server) from a JSON file {"<sel>._domainkey.<domain>.": "<TXT>"}.

usage: dkim_verify.py RECORDS_JSON MESSAGE_FILE...
prints: [{"signatures": n, "results": [true|false, ...]}, ...] in file order
"""
import json
import re
import sys

import dkim


def count_signatures(message):
    head = message.split(b"\r\n\r\n", 1)[0]
    return len(re.findall(rb"(?im)^dkim-signature[ \t]*:", head))


def main():
    with open(sys.argv[1]) as f:
        records = json.load(f)

    def dnsfunc(name, timeout=5):
        return records.get(name.decode(), "").encode()

    out = []
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            message = f.read()
        n = count_signatures(message)
        results = []
        for idx in range(n):
            d = dkim.DKIM(message)
            try:
                results.append(bool(d.verify(idx=idx, dnsfunc=dnsfunc)))
            except dkim.DKIMException as e:
                print(f"{path} signature {idx}: {e}", file=sys.stderr)
                results.append(False)
        out.append({"signatures": n, "results": results})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
