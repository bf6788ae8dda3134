#!/usr/bin/env python3
"""Hostile HTTP clients against `airlock serve` on 127.0.0.1 (standard library only).

    serve-strict.py PORT PUBDIR PART

PART:
  framing    one raw request per framing rule (Content-Length with
             Transfer-Encoding, duplicate or conflicting Content-Length, bare CR,
             NUL, control bytes, whitespace before the colon, obs-fold, over-long
             request line or header, a GET with a body, HTTP/1.1 without Host):
             each must get 400 (414 or 431 for an over-long line) and a closed
             connection, and a normal GET must work after each.
  perclient  N (argv[4]) idle connections from 127.0.0.2 while a client on
             127.0.0.1 is served; the connections past the per-client limit
             (argv[5]) are closed by the server.
  files      paths (argv[4:]) under /models/tiny-org/tiny-model/ that resolve to
             something that is not a regular file in the tree: each gets 404 or
             403 quickly, no bytes of the target.

Prints unnumbered "ok - ..." / "not ok - ..." lines and "# ..." comments
(tests/cli/serve-strict.sh numbers them).
"""

import re
import select
import socket
import sys
import time

HOST = "127.0.0.1"
PORT = 0


def say(ok, name):
    print(("ok - " if ok else "not ok - ") + name, flush=True)


def note(text):
    print("# " + text, flush=True)


def exchange(req, timeout=10.0, src=None):
    """Send REQ, read until EOF or TIMEOUT: (status or None, closed, head, body)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    data = b""
    closed = False
    try:
        s.connect((HOST, PORT))
        s.sendall(req)
        while len(data) < (1 << 20):
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        closed = True  # a reset is a close too
    except OSError:
        pass
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return (int(m.group(1)) if m else None), closed, head, body


def normal_get(path=b"/healthz", src=None, timeout=10.0):
    st, _, _, body = exchange(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                              timeout=timeout, src=src)
    return st, body


# ---- framing -----------------------------------------------------------------------------

H = b"Host: x\r\n"
PI = b"POST /api/models/tiny-org/tiny-model/paths-info/main HTTP/1.1\r\n"
BODY = b"paths=config.json"
CL = b"Content-Length: %d\r\n" % len(BODY)

CASES = [
    ("Content-Length and Transfer-Encoding (POST)",
     PI + H + CL + b"Transfer-Encoding: chunked\r\n\r\n" + b"11\r\n" + BODY + b"\r\n0\r\n\r\n"),
    ("Transfer-Encoding then Content-Length (POST)",
     PI + H + b"Transfer-Encoding: chunked\r\n" + CL + b"\r\n" + b"11\r\n" + BODY + b"\r\n0\r\n\r\n"),
    ("Content-Length and Transfer-Encoding (GET)",
     b"GET /healthz HTTP/1.1\r\n" + H + b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("two equal Content-Length headers", PI + H + CL + CL + b"\r\n" + BODY),
    ("two different Content-Length headers",
     PI + H + CL + b"Content-Length: 3\r\n\r\n" + BODY),
    ("Content-Length list '17, 17'", PI + H + b"Content-Length: 17, 17\r\n\r\n" + BODY),
    ("Content-Length '+17'", PI + H + b"Content-Length: +17\r\n\r\n" + BODY),
    ("Transfer-Encoding other than chunked", PI + H + b"Transfer-Encoding: gzip\r\n\r\n" + BODY),
    ("Transfer-Encoding 'gzip, chunked'",
     PI + H + b"Transfer-Encoding: gzip, chunked\r\n\r\n11\r\n" + BODY + b"\r\n0\r\n\r\n"),
    ("two Transfer-Encoding headers",
     PI + H + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n" + BODY
     + b"\r\n0\r\n\r\n"),
    ("GET with a Content-Length body",
     b"GET /healthz HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n\r\nhello"),
    ("HEAD with a chunked body",
     b"HEAD /healthz HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("bare CR in the request line", b"GET /healthz\rX HTTP/1.1\r\n" + H + b"\r\n"),
    ("bare CR in the query", b"GET /healthz?a=b\rc HTTP/1.1\r\n" + H + b"\r\n"),
    ("bare CR in the method", b"GE\rT /healthz HTTP/1.1\r\n" + H + b"\r\n"),
    ("bare CR in a header value", b"GET /healthz HTTP/1.1\r\n" + H + b"X-A: a\rb\r\n\r\n"),
    ("bare CR in a header name", b"GET /healthz HTTP/1.1\r\n" + H + b"X\rA: b\r\n\r\n"),
    ("NUL in the path", b"GET /healthz\x00x HTTP/1.1\r\n" + H + b"\r\n"),
    ("NUL in the query", b"GET /healthz?a\x00b HTTP/1.1\r\n" + H + b"\r\n"),
    ("NUL in a header value", b"GET /healthz HTTP/1.1\r\n" + H + b"X-A: a\x00b\r\n\r\n"),
    ("NUL in a header name", b"GET /healthz HTTP/1.1\r\n" + H + b"X\x00A: b\r\n\r\n"),
    ("NUL in the Host value", b"GET /healthz HTTP/1.1\r\nHost: x\x00y\r\n\r\n"),
    ("control byte 0x01 in a header value", b"GET /healthz HTTP/1.1\r\n" + H + b"X-A: a\x01b\r\n\r\n"),
    ("DEL in a header value", b"GET /healthz HTTP/1.1\r\n" + H + b"X-A: a\x7fb\r\n\r\n"),
    ("space before the colon", b"GET /healthz HTTP/1.1\r\n" + H + b"X-A : b\r\n\r\n"),
    ("tab before the colon", b"GET /healthz HTTP/1.1\r\n" + H + b"X-A\t: b\r\n\r\n"),
    ("space before the colon of Content-Length",
     PI + H + b"Content-Length : 17\r\n\r\n" + BODY),
    ("obs-fold (continuation line)",
     b"GET /healthz HTTP/1.1\r\n" + H + b"X-A: a\r\n b\r\n\r\n"),
    ("obs-fold with a tab", b"GET /healthz HTTP/1.1\r\n" + H + b"X-A: a\r\n\tb\r\n\r\n"),
    ("obs-fold continuing Host", b"GET /healthz HTTP/1.1\r\nHost: x\r\n y\r\n\r\n"),
    ("header line without a colon", b"GET /healthz HTTP/1.1\r\n" + H + b"X-A b\r\n\r\n"),
    ("empty header name", b"GET /healthz HTTP/1.1\r\n" + H + b": b\r\n\r\n"),
    # libmicrohttpd's strict mode closes this one without an answer
    ("space in the path", b"GET /heal thz HTTP/1.1\r\n" + H + b"\r\n", "close"),
    ("HTTP/1.1 without Host", b"GET /healthz HTTP/1.1\r\n\r\n"),
    ("two Host headers", b"GET /healthz HTTP/1.1\r\n" + H + b"Host: y\r\n\r\n"),
    ("a method that is not a token", b"G(T /healthz HTTP/1.1\r\n" + H + b"\r\n"),
    ("a bad HTTP version", b"GET /healthz HTTP/1.x\r\n" + H + b"\r\n"),
]

LONG = [
    ("request line of 64 KiB", b"GET /" + b"a" * (64 << 10) + b" HTTP/1.1\r\n" + H + b"\r\n"),
    ("header of 64 KiB", b"GET /healthz HTTP/1.1\r\n" + H + b"X-A: " + b"a" * (64 << 10) + b"\r\n\r\n"),
    ("2000 small headers",
     b"GET /healthz HTTP/1.1\r\n" + H + b"".join(b"X-%d: y\r\n" % i for i in range(2000)) + b"\r\n"),
]


def part_framing():
    st, body = normal_get()
    say(st == 200 and body.strip() == b"ok", "framing: a normal GET /healthz is 200 first")
    for case in CASES + LONG:
        name, req = case[:2]
        t = time.monotonic()
        st, closed, head, body = exchange(req)
        want = (400, 414, 431) if case in LONG else (None, 400) if case[2:] else (400,)
        took = time.monotonic() - t
        if st not in want or not closed:
            note("%s: status %s, closed %s, %.1f s: %r" % (name, st, closed, took, head[:120]))
        say(st in want and closed and took < 5,
            "framing: %s: %s and the connection closed"
            % (name, "/".join("no answer" if w is None else str(w) for w in want)))
        st, body = normal_get()
        say(st == 200 and body.strip() == b"ok", "framing: after '%s' a normal GET is 200" % name)
    # what must still pass: a clean POST with Content-Length, one chunked, a GET keep-alive pair
    st, closed, head, body = exchange(PI + H + CL + b"Connection: close\r\n\r\n" + BODY)
    say(st == 200, "framing: a clean paths-info POST with Content-Length is 200 (got %s)" % st)
    st, closed, head, body = exchange(PI + H + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                      + b"11\r\n" + BODY + b"\r\n0\r\n\r\n")
    say(st == 200, "framing: a clean chunked paths-info POST is 200 (got %s)" % st)
    for name, req in [
            ("an empty header value", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A:\r\n"),
            ("a value of spaces only", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A:   \r\n"),
            ("trailing whitespace", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: b \t\r\n"),
            ("UTF-8 in a value", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: \xc3\xa9\r\n"),
            ("a query with & and =", b"GET /healthz?a=1&b&c=&=d HTTP/1.1\r\nHost: x\r\n"),
            ("HTTP/1.0 without Host", b"GET /healthz HTTP/1.0\r\n"),
            # past the first read buffer (half the 32 KiB pool): it grows in place
            ("a 24 KiB header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 24000 + b"\r\n"),
            ("Content-Length: 0 on a GET", b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n")]:
        st, closed, head, body = exchange(req + b"Connection: close\r\n\r\n")
        say(st == 200 and body.strip() == b"ok", "framing: still accepted: %s (%s)" % (name, st))
    st, closed, head, body = exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a b\tc\r\n\r\n"
                                      b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    say(st == 200 and body.count(b"HTTP/1.1 200") == 1,
        "framing: two pipelined GETs with a tab in a value are both 200")


# ---- per-client connection limit ---------------------------------------------------------

def part_perclient(n, limit):
    held = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.2", 0))
        s.settimeout(10)
        try:
            s.connect((HOST, PORT))
        except OSError as e:
            note("127.0.0.2: connect failed: %s" % e)
            s.close()
            break
        held.append(s)
    note("127.0.0.2 opened %d idle connections" % len(held))
    # the victim from 127.0.0.1: accepted after all of those (one accept queue)
    t = time.monotonic()
    st, body = normal_get(timeout=20)
    say(st == 200 and body.strip() == b"ok",
        "perclient: 127.0.0.1 is served while 127.0.0.2 holds %d connections (%s, %.1f s)"
        % (len(held), st, time.monotonic() - t))
    st, body = normal_get(b"/simple/", timeout=20)
    say(st == 200, "perclient: and again (/simple/: %s)" % st)
    # which of the held connections has the server closed? wait for the count to settle
    closed = set()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r, _, _ = select.select([s for i, s in enumerate(held) if i not in closed], [], [], 0.5)
        if not r:
            if limit and len(held) - len(closed) <= limit:
                break
            if not limit:
                break
            continue
        for s in r:
            try:
                if s.recv(1) == b"":
                    closed.add(held.index(s))
            except OSError:
                closed.add(held.index(s))
    still = len(held) - len(closed)
    note("127.0.0.2: %d of %d connections still open" % (still, len(held)))
    if limit:
        say(still == limit, "perclient: the server keeps exactly %d of them (the limit)" % limit)
    # a request on a held connection is answered (they are real connections, just idle)
    live = [s for i, s in enumerate(held) if i not in closed]
    if live:
        try:
            live[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            got = b""
            while True:
                c = live[0].recv(4096)
                if not c:
                    break
                got += c
        except OSError:
            got = b""
        say(got.startswith(b"HTTP/1.1 200"), "perclient: a held connection is still served")
    for s in held:
        s.close()
    # once they are gone, 127.0.0.2 is served again
    ok = False
    for _ in range(20):
        st, body = normal_get(src="127.0.0.2")
        if st == 200:
            ok = True
            break
        time.sleep(0.25)
    say(ok, "perclient: after closing them, 127.0.0.2 is served again")


# ---- files that are not regular files inside the tree ------------------------------------

def part_files(names, forbidden):
    for name in names:
        for prefix in (b"/models/tiny-org/tiny-model/", b"/tiny-org/tiny-model/resolve/main/"):
            path = prefix + name.encode()
            t = time.monotonic()
            st, closed, head, body = exchange(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n"
                                              b"Connection: close\r\n\r\n", timeout=10)
            took = time.monotonic() - t
            leak = any(f in body for f in forbidden) or len(body) > 4096
            say(st in (403, 404) and not leak and took < 5,
                "files: %s: %s in %.1f s, no bytes of the target" % (path.decode(), st, took))
        st, body = normal_get()
        say(st == 200, "files: after %s a normal GET is 200" % name)


def main():
    global PORT
    PORT = int(sys.argv[1])
    part = sys.argv[3]
    if part == "framing":
        part_framing()
    elif part == "perclient":
        part_perclient(int(sys.argv[4]), int(sys.argv[5]))
    elif part == "files":
        part_files(sys.argv[4:], [b"root:x:", b"\x00" * 64, b"SECRET-OUTSIDE"])
    else:
        sys.exit("unknown part " + part)


if __name__ == "__main__":
    main()
