#!/usr/bin/python3
"""An authoritative DNS server for herald's tests, on python3-dnslib.

    /usr/bin/python3 dns_server.py ZONE.json PORT_FILE

Serves UDP and TCP on one free 127.0.0.1 port, written to PORT_FILE once
both sockets listen. Answers from ZONE.json, read again whenever the file
changes (it is checked at every query, so a test that rewrites the file,
by rename, is served the new records from its next query on):

    {"records": [{"name": "a.test", "type": "TXT", "ttl": 300,
                  "values": ["v=spf1 ", "-all"]}, ...],
     "servfail": ["broken.test"],       # answered SERVFAIL, any type
     "timeout": ["silent.test"]}        # never answered

- TXT: one entry is one record; its values are that record's
  character-strings (longer ones are cut into 255-byte strings). Several
  entries with the same name make several records.
- A, AAAA, MX ("10 mx.a.test"), PTR, CNAME, NS: every value is a record.
- A name with a CNAME is answered with it and, when the target is in the
  zone, with the target's records of the asked type.
- A name without records of the type is NODATA; a name that neither has
  records nor lies above one is NXDOMAIN. Both carry an SOA (TTL 60).
- UDP answers larger than the client's EDNS size (512 without EDNS) are
  truncated (TC), so the client asks again over TCP.
"""
import json
import os
import socket
import struct
import sys
import threading
import traceback

from dnslib import (A, AAAA, CNAME, MX, NS, PTR, QTYPE, RCODE, RR, SOA, TXT, DNSLabel,
                    DNSRecord)

NEGATIVE_TTL = 60


class Snapshot:
    """The zone at one moment."""

    def __init__(self, records, parents, servfail, timeout):
        self.records = records  # name -> [entry]
        self.parents = parents  # names above a record (empty non-terminals)
        self.servfail = servfail
        self.timeout = timeout


class Zone:
    """The zone file's content, reloaded when the file's identity changes."""

    def __init__(self, path):
        self.path = path
        self.stamp = None
        # One snapshot, replaced whole, so that the UDP and TCP threads
        # never see half of a reload.
        self.current = Snapshot({}, set(), set(), set())
        self.lock = threading.Lock()

    def refresh(self):
        try:
            st = os.stat(self.path)
        except OSError:
            return
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self.lock:
            if stamp == self.stamp:
                return
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
            records, parents = {}, set()
            for entry in data.get("records", []):
                name = norm(entry["name"])
                records.setdefault(name, []).append(entry)
                labels = name.split(".")
                for i in range(1, len(labels)):
                    parents.add(".".join(labels[i:]))
            self.current = Snapshot(records, parents,
                                    {norm(n) for n in data.get("servfail", [])},
                                    {norm(n) for n in data.get("timeout", [])})
            self.stamp = stamp


def norm(name):
    return str(name).rstrip(".").lower()


def rdata(rtype, value):
    if rtype == "A":
        return A(value)
    if rtype == "AAAA":
        return AAAA(value)
    if rtype == "MX":
        pref, host = value.split(None, 1)
        return MX(host, int(pref))
    if rtype == "PTR":
        return PTR(value)
    if rtype == "CNAME":
        return CNAME(value)
    if rtype == "NS":
        return NS(value)
    raise ValueError("unsupported type " + rtype)


def txt_strings(values):
    out = []
    for v in values:
        b = v.encode("utf-8")
        out.extend([b[i:i + 255] for i in range(0, len(b), 255)] or [b""])
    return out


def answer_rrs(snap, name, qtype, depth=0):
    """The records for (name, qtype), following CNAMEs inside the zone."""
    entries = snap.records.get(name, [])
    rrs = []
    for e in entries:
        rtype, ttl = e["type"].upper(), int(e.get("ttl", 300))
        if rtype == "CNAME" and qtype != "CNAME":
            rrs.append(RR(name, QTYPE.CNAME, ttl=ttl, rdata=CNAME(e["values"][0])))
            if depth < 8:
                rrs.extend(answer_rrs(snap, norm(e["values"][0]), qtype, depth + 1))
            return rrs
        if rtype != qtype and qtype != "ANY":
            continue
        if rtype == "TXT":
            rrs.append(RR(name, QTYPE.TXT, ttl=ttl, rdata=TXT(txt_strings(e["values"]))))
        else:
            rrs.extend(RR(name, getattr(QTYPE, rtype), ttl=ttl, rdata=rdata(rtype, v))
                       for v in e["values"])
    return rrs


def soa_for(name):
    apex = ".".join(name.split(".")[-2:]) or "."
    return RR(apex, QTYPE.SOA, ttl=NEGATIVE_TTL,
              rdata=SOA("ns." + apex, "hostmaster." + apex,
                        (1, 3600, 600, 86400, NEGATIVE_TTL)))


def respond(zone, data):
    """The wire answer to one query, or None to stay silent."""
    try:
        request = DNSRecord.parse(data)
    except Exception:  # not DNS: no answer, as a real server would
        return None, 0
    zone.refresh()
    snap = zone.current
    reply = request.reply()
    q = request.q
    name, qtype = norm(q.qname), QTYPE.get(q.qtype)
    edns = next((r.rclass for r in request.ar if r.rtype == QTYPE.OPT), 512)
    if name in snap.timeout:
        return None, 0
    if name in snap.servfail:
        reply.header.rcode = RCODE.SERVFAIL
        return reply, edns
    rrs = answer_rrs(snap, name, qtype)
    for rr in rrs:
        reply.add_answer(rr)
    if not rrs:
        if name not in snap.records and name not in snap.parents:
            reply.header.rcode = RCODE.NXDOMAIN
        reply.add_auth(soa_for(name))
    return reply, edns


def serve_udp(sock, zone):
    while True:
        data, peer = sock.recvfrom(65535)
        try:
            reply, size = respond(zone, data)
        except Exception:  # a bad zone entry: say so, stay up, stay silent
            traceback.print_exc()
            continue
        if reply is None:
            continue
        wire = reply.pack()
        if len(wire) > max(size, 512):
            reply.rr = []
            reply.auth = []
            reply.header.tc = 1
            wire = reply.pack()
        sock.sendto(wire, peer)


def read_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def serve_tcp_conn(conn, zone):
    with conn:
        conn.settimeout(10)
        try:
            while True:
                head = read_exact(conn, 2)
                if head is None:
                    return
                data = read_exact(conn, struct.unpack("!H", head)[0])
                if data is None:
                    return
                try:
                    reply, _ = respond(zone, data)
                except Exception:
                    traceback.print_exc()
                    return
                if reply is None:
                    continue
                wire = reply.pack()
                conn.sendall(struct.pack("!H", len(wire)) + wire)
        except OSError:
            return


def serve_tcp(sock, zone):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve_tcp_conn, args=(conn, zone), daemon=True).start()


def bind_pair():
    """A UDP and a TCP socket on the same free loopback port."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind(("127.0.0.1", port))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(64)
        return udp, tcp, port
    raise SystemExit("no free loopback port")


def main():
    zone_path, port_file = sys.argv[1], sys.argv[2]
    zone = Zone(zone_path)
    zone.refresh()
    udp, tcp, port = bind_pair()
    threading.Thread(target=serve_tcp, args=(tcp, zone), daemon=True).start()
    tmp = port_file + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(str(port))
    os.rename(tmp, port_file)
    serve_udp(udp, zone)


if __name__ == "__main__":
    main()
