#!/usr/bin/python3
"""Opens many idle keep-alive HTTP connections to one server and holds them,
so the caller can read what they cost the server (its RSS in /proc).

  bench/idle_conns.py --port 8080 [--host 127.0.0.1] [--count 10000]
                      [--hold 30] [--request /healthz]

Each connection sends one `GET <request>` (HTTP/1.1, keep-alive) and reads
its answer, so the server has set up everything a used connection holds,
then stays open and silent. Once all are open it prints one JSON line
{"event": "open", "open": N, "failed": F, ...} and flushes; it holds them
for --hold seconds or until SIGTERM or SIGINT, then prints
{"event": "done", "open": N, "closed_by_server": C} and exits (0 when every connection opened and none
was closed by the server, 1 otherwise). Raises RLIMIT_NOFILE for itself as
far as the hard limit allows (as root, the hard limit too). Loopback only:
the connections are opened at most --parallel at a time, and the run is
bounded by --hold and --connect-timeout.
"""

import argparse
import asyncio
import json
import resource
import signal
import sys
import time


def raise_nofile(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return soft
    if hard != resource.RLIM_INFINITY and hard < needed:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))  # root may
            return needed
        except (ValueError, OSError):
            needed = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return needed


async def open_one(args, gate, conns, failures):
    async with gate:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(args.host, args.port), args.connect_timeout)
            writer.write(f"GET {args.request} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n"
                         "User-Agent: herald-idle-conns\r\n\r\n".encode())
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), args.connect_timeout)
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await asyncio.wait_for(reader.readexactly(length), args.connect_timeout)
            if b"connection: close" in head.lower():
                raise ConnectionError("the server closes the connection after the answer")
            conns.append((reader, writer))
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
            why = f"{type(e).__name__}: {str(e)[:80]}"
            failures[why] = failures.get(why, 0) + 1


async def watch_close(reader):
    """Returns when the server closes the connection (or sends anything)."""
    try:
        await reader.read(1)
    except (OSError, asyncio.IncompleteReadError):
        pass


async def hold(args, conns):
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    watchers = [asyncio.ensure_future(watch_close(r)) for r, _ in conns]
    try:
        await asyncio.wait_for(stop.wait(), args.hold)
    except asyncio.TimeoutError:
        pass
    closed = sum(w.done() for w in watchers)
    for w in watchers:
        w.cancel()
    return closed


async def main():
    p = argparse.ArgumentParser(description="Hold many idle keep-alive connections to a server.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--hold", type=float, default=30, help="seconds to hold them (at most 3600)")
    p.add_argument("--request", default="/healthz", help="path of the one GET each sends")
    p.add_argument("--parallel", type=int, default=256, help="connections being opened at once")
    p.add_argument("--connect-timeout", type=float, default=10)
    args = p.parse_args()
    if not 1 <= args.count <= 60000 or not 0 < args.hold <= 3600:
        p.error("--count must be 1..60000 and --hold in (0, 3600]")

    limit = raise_nofile(args.count + 64)
    if limit < args.count + 64:
        print(f"idle_conns: only {limit} descriptors allowed; fewer connections will open",
              file=sys.stderr)
    gate = asyncio.Semaphore(args.parallel)
    conns, failures = [], {}
    started = time.monotonic()
    await asyncio.gather(*(open_one(args, gate, conns, failures) for _ in range(args.count)))
    print(json.dumps({"event": "open", "open": len(conns), "failed": sum(failures.values()),
                      "failures": failures, "seconds": round(time.monotonic() - started, 3),
                      "nofile_limit": limit}), flush=True)
    closed = await hold(args, conns)
    for _, writer in conns:
        writer.close()
    print(json.dumps({"event": "done", "open": len(conns) - closed, "closed_by_server": closed}),
          flush=True)
    return 0 if len(conns) == args.count and closed == 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
