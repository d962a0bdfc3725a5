#!/usr/bin/python3
"""Independent reader of the zone-file lines herald prints for a tenant.

Reads a zone file with python3-dnslib, sends each record through the DNS
wire format and back (a character-string over 255 bytes cannot pass), and
prints one JSON object per record: name, ttl, type, and the TXT strings or
the CNAME target. Exit 1 when the file does not parse.
"""
import json
import sys

import dnslib


def main(path):
    with open(path, encoding="ascii") as f:
        text = f.read()
    try:
        rrs = dnslib.RR.fromZone(text)
    except Exception as e:  # any parse failure is the test's failure
        print(f"zone does not parse: {e}", file=sys.stderr)
        return 1
    for rr in rrs:
        msg = dnslib.DNSRecord()
        msg.add_answer(rr)
        back = dnslib.DNSRecord.parse(msg.pack()).rr[0]
        out = {"name": str(back.rname), "ttl": back.ttl, "type": dnslib.QTYPE[back.rtype]}
        if back.rtype == dnslib.QTYPE.TXT:
            out["strings"] = [s.decode("ascii") for s in back.rdata.data]
        else:
            out["target"] = str(back.rdata)
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
