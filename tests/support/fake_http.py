#!/usr/bin/python3
"""A scriptable HTTP/1.1 server for tests (tests/support/fake_http.hpp runs it).

Threaded, keep-alive, optionally TLS, on 127.0.0.1. Prints "READY <port>" on
stdout once it listens. Records every request and answers from a script:

  POST /_script    body: a JSON list of answers, appended to the script and
                   consumed in order, one per request; each answer is an
                   object with any of
                     status    (default 200)
                     headers   (object, name -> value)
                     body      (string, or any JSON value: sent as JSON)
                     delay_ms  (sleep before answering)
                     action    "drop_before": read the request line and
                               headers, then close without reading the body
                               or answering; "drop_after": read the whole
                               request, then close without answering.
  GET  /_requests  the recorded requests, a JSON list of objects: method,
                   path, query, headers (lower-case names), body, connection
                   (a number per TCP connection, from 1), action.
  POST /_reset     clears the script and the recorded requests.

When the script is empty, default_answer(request) answers. A fake provider
subclasses FakeHTTP and overrides it (request is the recorded dict, with
`form` and `args` added: the body's and the query's fields, parsed):

  import os, sys
  sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
  from fake_http import FakeHTTP, main

  class FakeTwilio(FakeHTTP):
      def default_answer(self, request):
          return {"status": 201, "body": {"sid": "SM" + "0" * 32, "status": "queued"}}

  if __name__ == "__main__":
      main(FakeTwilio)

Options: --port N (0: any free port), --cert FILE --key FILE (TLS); a
subclass adds its own with add_arguments(parser) and reads them from
self.args.
"""

import argparse
import json
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 16 << 20


class FakeHTTP:
    """The recorder and the script; subclass it to answer like a provider."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.script = deque()
        self.requests = []

    @classmethod
    def add_arguments(cls, parser):
        pass

    def default_answer(self, request):
        return {"status": 200, "body": {"ok": True}}

    # -- used by the handler ---------------------------------------------------
    def next_answer(self, request):
        with self.lock:
            if self.script:
                return self.script.popleft()
        return self.default_answer(request)

    def peek_action(self):
        with self.lock:
            return self.script[0].get("action") if self.script else None

    def record(self, request):
        with self.lock:
            self.requests.append(request)

    def control(self, method, path, body):
        """Answers a control request: (status, JSON value)."""
        if method == "POST" and path == "/_script":
            answers = json.loads(body or b"[]")
            if not isinstance(answers, list):
                return 400, {"error": "a JSON list of answers"}
            with self.lock:
                self.script.extend(answers)
            return 200, {"script": len(self.script)}
        if method == "GET" and path == "/_requests":
            with self.lock:
                return 200, [public(r) for r in self.requests]
        if method == "POST" and path == "/_reset":
            with self.lock:
                self.script.clear()
                self.requests.clear()
            return 200, {"ok": True}
        return 404, {"error": "unknown control path"}


def public(request):
    return {k: v for k, v in request.items() if k not in ("form", "args")}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake_http"
    sys_version = ""

    def setup(self):
        # The TLS handshake runs here, in the connection's thread, so a
        # client that fails it never blocks the accepting thread.
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError):
                self.request.close()
                self.handshake_failed = True
            self.request.settimeout(None)
        with self.server.app.lock:
            self.server.connections += 1
            self.connection_number = self.server.connections
        super().setup()

    def handle(self):
        if getattr(self, "handshake_failed", False):
            return
        try:
            super().handle()
        except (ConnectionError, ssl.SSLError, OSError):
            pass

    def log_message(self, fmt, *args):
        pass  # quiet: a test reads /_requests, not the log

    def do_GET(self):
        self.serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def serve(self):
        app = self.server.app
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/_"):
            status, value = app.control(self.command, url.path, self.read_body())
            return self.answer({"status": status, "body": value})
        request = {
            "method": self.command,
            "path": url.path,
            "query": url.query,
            "headers": self.header_dict(),
            "body": "",
            "connection": self.connection_number,
            "action": None,
        }
        if app.peek_action() == "drop_before":
            request["action"] = app.next_answer(request).get("action")
            app.record(request)
            return self.drop()
        body = self.read_body()
        request["body"] = body.decode("utf-8", "replace")
        request["form"] = urllib.parse.parse_qs(request["body"], keep_blank_values=True)
        request["args"] = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        answer = app.next_answer(request)
        request["action"] = answer.get("action")
        app.record(request)
        if answer.get("delay_ms"):
            time.sleep(answer["delay_ms"] / 1000.0)
        if answer.get("action") == "drop_after":
            return self.drop()
        self.answer(answer)

    def header_dict(self):
        out = {}
        for name, value in self.headers.items():
            name = name.lower()
            out[name] = out[name] + ", " + value if name in out else value
        return out

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self.read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ConnectionError("body too long")
        return self.rfile.read(length) if length else b""

    def read_chunked(self):
        out = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return out
            out += self.rfile.read(size)
            self.rfile.readline()
            if len(out) > MAX_BODY:
                raise ConnectionError("body too long")

    def drop(self):
        self.close_connection = True
        try:
            self.request.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def answer(self, answer):
        body = answer.get("body", b"")
        headers = dict(answer.get("headers") or {})
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes):
            body = json.dumps(body).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        try:
            self.send_response(int(answer.get("status", 200)))
            for name, value in headers.items():
                self.send_header(name, str(value))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
        except (ConnectionError, ssl.SSLError, OSError):
            self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, port, app, tls):
        self.app = app
        self.connections = 0
        self.tls = tls
        super().__init__(("127.0.0.1", port), Handler)

    def get_request(self):
        conn, addr = super().get_request()
        if self.tls:
            conn = self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return conn, addr

    def handle_error(self, request, client_address):
        pass  # a client that went away is part of the tests


def main(app_class=FakeHTTP, argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    app_class.add_arguments(parser)
    args = parser.parse_args(argv)
    tls = None
    if args.cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.cert, args.key)
    server = Server(args.port, app_class(args), tls)
    print("READY %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
