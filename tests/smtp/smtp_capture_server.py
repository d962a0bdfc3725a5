"""A capturing SMTP server for herald's SMTP client tests (python3-aiosmtpd).

Listens on 127.0.0.1 on a free port and prints "READY <port>" once it
accepts connections. Every accepted message is written to --dir as
<n>.eml (the content exactly as received, after un-dot-stuffing) and
<n>.json (envelope, options, TLS, AUTH, whether MAIL arrived pipelined).
--dir/state.json counts connections, the most open at once, and QUITs.

Misbehaviours on demand: --reject ADDR=REPLY answers REPLY to RCPT TO ADDR,
--hang-after-dot never answers the end of DATA, --close-at-data closes the
connection on DATA without a reply, --idle-timeout closes idle connections.
A slow peer: --data-delay S answers DATA after S seconds (touching
data.<n> in --dir when DATA arrives), --dot-delay S answers the final dot
after S seconds (touching dot.<n> when the dot arrives), --quit-delay S
answers QUIT after S seconds (a tarpit at goodbye). state.json's
"handed" counts final dots received, "messages" those answered.
An outage: while --dir/outage exists, its content says how the server
refuses: "greeting" answers 421 on connect and closes, "mail" answers 451
to every MAIL FROM; state.json's "refused" counts those answers
("refused_greetings" the 421s).

--smtputf8 announces SMTPUTF8 (aiosmtpd's enable_SMTPUTF8) and takes
UTF-8 in commands; without it (--no-smtputf8, the default) a UTF-8 byte in
a command is answered "500 Error: strict ASCII mode" and MAIL ... SMTPUTF8
"501 Error: SMTPUTF8 disabled".

Run by /usr/bin/python3 (Debian's, which sees aiosmtpd). Test use only.
"""

import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

state = {"connections": 0, "open": 0, "max_open": 0, "quits": 0, "messages": 0, "handed": 0,
         "data": 0, "refused": 0, "refused_greetings": 0}


def outage(args):
    try:
        with open(os.path.join(args.dir, "outage")) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def touch(args, name):
    open(os.path.join(args.dir, name), "wb").close()


def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def save_state(args):
    write_atomically(os.path.join(args.dir, "state.json"), json.dumps(state).encode())


class Server(SMTP):
    def __init__(self, handler, args, **kwargs):
        super().__init__(handler, **kwargs)
        self.herald_args = args

    def connection_made(self, transport):
        first = self._original_transport is None and self.transport is None
        self.herald_refused = first and outage(self.herald_args) == "greeting"
        super().connection_made(transport)
        if first:  # STARTTLS calls this again for the same connection
            state["connections"] += 1
            state["open"] += 1
            state["max_open"] = max(state["max_open"], state["open"])
            save_state(self.herald_args)
            if self.herald_refused:
                state["refused"] += 1
                state["refused_greetings"] += 1
                save_state(self.herald_args)
                transport.write(b"421 4.3.2 capture.herald.test outage, try later\r\n")
                transport.close()

    async def _handle_client(self):
        if not self.herald_refused:  # else answered 421 in connection_made
            await super()._handle_client()

    def connection_lost(self, error):
        state["open"] -= 1
        save_state(self.herald_args)
        super().connection_lost(error)

    async def smtp_DATA(self, arg):
        if self.herald_args.close_at_data:
            self.transport.close()
            return
        if self.herald_args.data_delay:
            state["data"] += 1
            touch(self.herald_args, "data.%d" % state["data"])
            await asyncio.sleep(self.herald_args.data_delay)
        await super().smtp_DATA(arg)

    async def smtp_QUIT(self, arg):
        state["quits"] += 1
        save_state(self.herald_args)
        if self.herald_args.quit_delay:
            await asyncio.sleep(self.herald_args.quit_delay)
        await super().smtp_QUIT(arg)


class Handler:
    def __init__(self, args):
        self.args = args
        self.rejects = dict(r.split("=", 1) for r in args.reject)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.args.pipelining:
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if outage(self.args) == "mail":
            state["refused"] += 1
            save_state(self.args)
            return "451 4.3.2 outage, try later"
        # Bytes already waiting behind MAIL: the client pipelined RCPT/DATA.
        session.herald_pipelined = len(server._reader._buffer) > 0
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rejects:
            return self.rejects[address]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        state["handed"] += 1
        save_state(self.args)
        if self.args.dot_delay:
            touch(self.args, "dot.%d" % state["handed"])
            await asyncio.sleep(self.args.dot_delay)
        if self.args.hang_after_dot:
            await asyncio.sleep(3600)
        state["messages"] += 1
        n = state["messages"]
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "tls": session.ssl is not None,
            "auth_login": getattr(session, "herald_login", None),
            "auth_mechanism": getattr(session, "herald_mechanism", None),
            "pipelined": getattr(session, "herald_pipelined", False),
            "smtputf8": bool(envelope.smtp_utf8),
            "connection": state["connections"],
        }
        base = os.path.join(self.args.dir, str(n))
        write_atomically(base + ".eml", envelope.original_content)
        write_atomically(base + ".json", json.dumps(record).encode())
        save_state(self.args)
        return f"250 2.0.0 OK queued as {n}"


def make_authenticator(args):
    user, _, password = args.auth.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        if ok:
            session.herald_login = user
            session.herald_mechanism = mechanism
        return AuthResult(success=ok, handled=False)

    return authenticate


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--hostname", default="capture.herald.test")
    p.add_argument("--host", default="127.0.0.1", help="the loopback address to listen on")
    p.add_argument("--port", type=int, default=0, help="0: a free port")
    p.add_argument("--pipelining", action="store_true")
    p.add_argument("--size", type=int, default=33554432, help="0: no SIZE announced")
    p.add_argument("--reject", action="append", default=[], metavar="ADDR=REPLY")
    p.add_argument("--auth", default="", metavar="USER:PASSWORD")
    p.add_argument("--auth-mechanisms", default="PLAIN,LOGIN")
    p.add_argument("--auth-plaintext", action="store_true", help="offer AUTH without TLS")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--hang-after-dot", action="store_true")
    p.add_argument("--close-at-data", action="store_true")
    p.add_argument("--data-delay", type=float, default=0)
    p.add_argument("--dot-delay", type=float, default=0)
    p.add_argument("--quit-delay", type=float, default=0)
    p.add_argument("--idle-timeout", type=float, default=300)
    p.add_argument("--smtputf8", action=argparse.BooleanOptionalAction, default=False,
                   help="announce SMTPUTF8 (RFC 6531)")
    args = p.parse_args()

    tls_context = None
    if args.tls:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.tls[0], args.tls[1])
    offered = set(args.auth_mechanisms.split(","))
    excluded = [m for m in ("PLAIN", "LOGIN") if m not in offered]

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Handler(args)

    def factory():
        return Server(handler, args,
                      hostname=args.hostname,
                      data_size_limit=args.size or None,
                      tls_context=tls_context,
                      authenticator=make_authenticator(args) if args.auth else None,
                      auth_require_tls=not args.auth_plaintext,
                      auth_exclude_mechanism=excluded,
                      timeout=args.idle_timeout,
                      enable_SMTPUTF8=args.smtputf8,
                      loop=loop)

    server = loop.run_until_complete(loop.create_server(factory, args.host, args.port))
    save_state(args)
    print("READY", server.sockets[0].getsockname()[1], flush=True)
    loop.run_forever()


if __name__ == "__main__":
    sys.exit(main())
