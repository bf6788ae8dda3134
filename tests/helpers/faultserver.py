#!/usr/bin/env python3
"""faultserver.py: an HTTP/1.1 test server with fault injection (stdlib only).

Listens on 127.0.0.1, port 0 unless --port (HTTPS with --tls-cert/--tls-key); prints the port on the first
line of stdout (and into --port-file when given). It stops by itself after
--timeout seconds (default 120), and when its stdin is a pipe that closes,
so it never outlives a test that died.

Paths (GET and HEAD):

  /bytes/N          N bytes; byte i is (i + seed) % 251. Query parameters:
     seed=S         change the content
     key=K          the name under which requests are counted (default: the
                    path and query); see /count
     fail=K         the first K requests of this key answer `code` (K=-1: all)
     code=C         status for those failures (default 500)
     retry_after=V  send Retry-After: V with the failures
     ratelimit=V    send RateLimit: V with the failures (e.g. "api";r=0;t=1)
     cut=OFF        the first `cuts` requests (default 1) promise the whole body
                    and close the connection after OFF bytes of it
     corrupt=OFF    byte OFF of the body is wrong
     range=shift:K  answer Range with the range K bytes earlier (and a
                    Content-Range that says so)
     range=ignore   answer Range requests with 200 and the whole body
                    (default: honour "bytes=A-" and "bytes=A-B" with 206;
                    If-Range must match the ETag)
     nolength=1     no Content-Length: the body ends when the connection closes
     stall=S        sleep S seconds between the headers and the body
     slow=MS        sleep MS milliseconds between 1 KiB chunks
     etag=E         ETag "E" (default "b-N-seed"); If-None-Match on it gives 304
     hdr=Name:Value add a response header (repeatable)
  /redirect?to=URL[&code=302][&hdr=...]   a redirect to URL (relative or absolute)
  /loop             a redirect to itself, forever
  /endless          200 without length, bytes until the client goes away
  /auth             body "authorization: VALUE", or "authorization: none"
  /headers          body: the request headers as received
  /status/C         status C, with hdr= headers and body= text
  /count?key=K      "count=N" and one "range=VALUE" line per request seen for K
"""

import argparse
import os
import socket
import stat
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
SEEN = {}  # key -> list of Range header values ("-" when none)


def pattern(n, seed, start=0):
    return bytes((i + seed) % 251 for i in range(start, n))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # answers go out as a header write and a body write: without TCP_NODELAY
    # the second waits for the client's delayed ACK (40 ms on Linux) on every
    # keep-alive request, which no real index or Hub does
    disable_nagle_algorithm = True
    server_version = "faultserver/1"
    verbose = False

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("faultserver: " + (fmt % args) + "\n")

    def do_GET(self):
        self.handle_any(body=True)

    def do_HEAD(self):
        self.handle_any(body=False)

    # -- helpers -------------------------------------------------------------
    def q(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    def extra_headers(self):
        for h in self.query.get("hdr", []):
            name, _, value = h.partition(":")
            self.send_header(name.strip(), value.strip())

    def simple(self, code, text, headers=()):
        data = text.encode()
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.extra_headers()
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.want_body:
            self.wfile.write(data)

    def count(self):
        key = self.q("key", self.path)
        with LOCK:
            seen = SEEN.setdefault(key, [])
            seen.append(self.headers.get("Range", "-"))
            return len(seen)  # this request's number, from 1

    # -- dispatch ------------------------------------------------------------
    def handle_any(self, body):
        self.want_body = body
        url = urlsplit(self.path)
        self.query = parse_qs(url.query, keep_blank_values=True)
        p = url.path
        try:
            if p.startswith("/bytes/"):
                self.bytes_(int(p[len("/bytes/"):]))
            elif p == "/redirect":
                self.count()
                self.simple(int(self.q("code", "302")), "redirect\n",
                            [("Location", self.q("to", "/"))])
            elif p == "/loop":
                self.simple(302, "loop\n", [("Location", "/loop")])
            elif p == "/endless":
                self.endless()
            elif p == "/auth":
                self.count()
                self.simple(200, "authorization: %s\n"
                            % self.headers.get("Authorization", "none"))
            elif p == "/headers":
                self.simple(200, str(self.headers))
            elif p.startswith("/status/"):
                self.count()
                self.simple(int(p[len("/status/"):]), self.q("body", ""))
            elif p == "/count":
                with LOCK:
                    seen = list(SEEN.get(self.q("key", ""), []))
                self.simple(200, "count=%d\n" % len(seen)
                            + "".join("range=%s\n" % r for r in seen))
            else:
                self.simple(404, "no such path\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def endless(self):
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if not self.want_body:
            return
        chunk = b"x" * 65536
        while True:
            self.wfile.write(chunk)

    def bytes_(self, n):
        seed = int(self.q("seed", "0"))
        nth = self.count()
        fail = int(self.q("fail", "0"))
        if fail < 0 or nth <= fail:
            hdrs = []
            if self.q("retry_after") is not None:
                hdrs.append(("Retry-After", self.q("retry_after")))
            if self.q("ratelimit") is not None:
                hdrs.append(("RateLimit", self.q("ratelimit")))
            self.simple(int(self.q("code", "500")), "injected failure\n", hdrs)
            return
        etag = '"%s"' % self.q("etag", "b-%d-%d" % (n, seed))
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start, end, code = 0, n, 200
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if rng and self.q("range") != "ignore" and (if_range is None or if_range == etag):
            try:
                unit, _, spec = rng.partition("=")
                a, _, b = spec.partition("-")
                assert unit.strip() == "bytes"
                start = int(a)
                end = int(b) + 1 if b else n
                end = min(end, n)
                if start >= n or start >= end:
                    raise ValueError
                code = 206
                shift = self.q("range") or ""
                if shift.startswith("shift:"):
                    k = min(int(shift[6:]), start)
                    start, end = start - k, end - k
            except (ValueError, AssertionError):
                self.simple(416, "bad range\n", [("Content-Range", "bytes */%d" % n)])
                return
        data = bytearray(pattern(end, seed, start))
        corrupt = self.q("corrupt")
        if corrupt is not None and start <= int(corrupt) < end:
            data[int(corrupt) - start] ^= 0xFF
        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "bytes")
        if code == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end - 1, n))
        self.extra_headers()
        nolength = self.q("nolength") == "1"
        if nolength:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not self.want_body:
            return
        cut = self.q("cut")
        if cut is not None and nth - max(fail, 0) <= int(self.q("cuts", "1")):
            data = data[:max(0, int(cut) - start)]
            self.close_connection = True
        stall = float(self.q("stall", "0"))
        if stall:
            self.wfile.flush()
            time.sleep(stall)
        slow = float(self.q("slow", "0")) / 1000.0
        for i in range(0, len(data), 1024):
            self.wfile.write(data[i:i + 1024])
            if slow:
                time.sleep(slow)
        self.wfile.flush()
        if self.close_connection:
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser(description="HTTP server with fault injection, for tests")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="also write the port here")
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="exit after this many seconds (watchdog)")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    ap.add_argument("--tls-key", help="and this key (PEM)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    Handler.verbose = args.verbose
    ThreadingHTTPServer.request_queue_size = 128
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    port = srv.server_address[1]
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)

    def watchdog():
        time.sleep(args.timeout)
        os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    mode = os.fstat(0).st_mode
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        def eof():
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            finally:
                os._exit(0)
        threading.Thread(target=eof, daemon=True).start()

    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    print(port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
