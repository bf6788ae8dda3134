#!/usr/bin/env python3
"""Abuse `airlock serve` on 127.0.0.1 (standard library only).

    serve-abuse.py PORT PUBDIR PART...

PART: concurrent, slowloris, headers, traversal, range. Prints unnumbered
"ok - ..." / "not ok - ..." lines and "# ..." comments (tests/cli/serve-abuse.sh
numbers them). Every part is bounded in connections and time; after each the
server must still answer /healthz. Expects the server to run with --timeout 8.
"""

import asyncio
import http.client
import os
import re
import socket
import statistics
import sys
import threading
import time

HOST = "127.0.0.1"
PORT = 0
PUB = ""


def say(ok, name):
    print(("ok - " if ok else "not ok - ") + name, flush=True)


def note(text):
    print("# " + text, flush=True)


def raw(req, timeout=10.0, limit=4 << 20):
    """Send REQ (bytes), read to EOF: (status or None, headers, body)."""
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    data = b""
    raw.eof = False
    try:
        s.sendall(req)
        while len(data) < limit:
            chunk = s.recv(65536)
            if not chunk:
                raw.eof = True
                break
            data += chunk
    except ConnectionResetError:
        raw.eof = True  # closed with our bytes unread: a reset is a close too
    except OSError:
        pass
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0]) if lines and lines[0] else None
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        hdrs[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
    return (int(m.group(1)) if m else None), hdrs, body


def get(path, extra=b""):
    return raw(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + b"\r\n")


def healthy(after):
    st, _, body = get(b"/healthz")
    say(st == 200 and body.strip() == b"ok", "after %s the server still answers /healthz" % after)


class Normal(threading.Thread):
    """A well-behaved client: one request every `gap` seconds until stopped."""

    def __init__(self, path="/simple/alpha/", gap=0.05):
        super().__init__(daemon=True)
        self.path, self.gap = path, gap
        self.stop = threading.Event()
        self.lat, self.bad = [], []

    def run(self):
        while not self.stop.is_set():
            t = time.monotonic()
            try:
                c = http.client.HTTPConnection(HOST, PORT, timeout=20)
                c.request("GET", self.path)
                r = c.getresponse()
                r.read()
                c.close()
                if r.status != 200:
                    self.bad.append(r.status)
            except OSError as e:
                self.bad.append(str(e))
            self.lat.append(time.monotonic() - t)
            self.stop.wait(self.gap)

    def report(self, what):
        self.stop.set()
        self.join(30)
        n = len(self.lat)
        med = statistics.median(self.lat) if n else 0
        worst = max(self.lat) if n else 0
        note("%s: normal client: %d requests, median %.1f ms, max %.1f ms, failures %d"
             % (what, n, med * 1000, worst * 1000, len(self.bad)))
        say(n > 0 and not self.bad, "%s: a normal client got only 200s (%d requests)" % (what, n))
        # guards against starvation, not a benchmark: generous bounds
        say(n > 0 and med < 1.0 and worst < 10.0,
            "%s: and was answered promptly (median %.0f ms)" % (what, med * 1000))


# ---- 1000 concurrent connections ---------------------------------------------------------

async def one_conn(i, ready, go, results, paths):
    try:
        r, w = await asyncio.open_connection(HOST, PORT)
    except OSError as e:
        results.append("connect: %s" % e)
        ready.release()
        return
    ready.release()
    await go.wait()
    got = 0
    try:
        for k in range(3):
            p = paths[(i + k) % len(paths)]
            w.write(b"GET " + p + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            await w.drain()
            head = await r.readuntil(b"\r\n\r\n")
            m = re.match(rb"HTTP/1\.1 (\d{3})", head)
            n = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            if not m or not n:
                results.append("bad answer")
                break
            await r.readexactly(int(n.group(1)))
            if m.group(1) != b"200":
                results.append("status %s" % m.group(1).decode())
                break
            got += 1
        if got == 3:
            results.append("ok")
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
        results.append("error: %s" % type(e).__name__)
    finally:
        w.close()


async def swarm(n, paths):
    ready = asyncio.Semaphore(0)
    go = asyncio.Event()
    results = []
    tasks = [asyncio.create_task(one_conn(i, ready, go, results, paths)) for i in range(n)]
    for _ in range(n):
        await ready.acquire()
    note("%d connections open at once" % n)
    go.set()
    await asyncio.gather(*tasks)
    return results


def part_concurrent():
    wheel = sorted(f for f in os.listdir(os.path.join(PUB, "wheels")) if f.endswith(".whl"))[0]
    paths = [b"/healthz", b"/simple/", b"/simple/alpha/", b"/wheels/" + wheel.encode(),
             b"/api/models/tiny-org/tiny-model"]
    normal = Normal()
    normal.start()
    t = time.monotonic()
    try:
        results = asyncio.run(asyncio.wait_for(swarm(1000, paths), 90))
    except asyncio.TimeoutError:
        results = ["timeout"]
    good = results.count("ok")
    note("1000 connections x 3 requests: %d complete in %.1f s; others: %s"
         % (good, time.monotonic() - t, sorted(set(r for r in results if r != "ok"))[:5]))
    say(good == 1000, "1000 concurrent keep-alive connections, 3 requests each: all 200")
    normal.report("1000 connections")
    healthy("1000 connections")


# ---- slowloris ---------------------------------------------------------------------------

def part_slowloris(n=200, limit=20.0):
    normal = Normal(gap=0.1)
    normal.start()
    socks = []
    for _ in range(n):
        s = socket.create_connection((HOST, PORT), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        s.setblocking(False)
        socks.append(s)
    note("%d slow connections, one header byte a second each" % n)
    t0 = time.monotonic()
    closed = {}
    while len(closed) < n and time.monotonic() - t0 < limit:
        for i, s in enumerate(socks):
            if i in closed:
                continue
            try:
                if s.recv(4096) == b"":
                    closed[i] = time.monotonic() - t0
                    continue
            except BlockingIOError:
                pass
            except OSError:
                closed[i] = time.monotonic() - t0
                continue
            try:
                s.send(b"a")
            except BlockingIOError:
                pass
            except OSError:
                closed[i] = time.monotonic() - t0
        time.sleep(1)
    for s in socks:
        s.close()
    if closed:
        note("closed by the server after %.1f to %.1f s" % (min(closed.values()),
                                                             max(closed.values())))
    say(len(closed) == n, "slowloris: the server closed all %d trickling connections "
        "(%d within %.0f s)" % (n, len(closed), limit))
    normal.report("slowloris")
    healthy("slowloris")


# ---- huge headers ------------------------------------------------------------------------

def part_headers():
    big = b"a" * (100 << 10)
    cases = [
        ("one 100 KiB header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + big + b"\r\n\r\n"),
        ("1600 headers of 64 bytes", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
         b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 56) for i in range(1600)) + b"\r\n"),
        ("a 100 KiB URL", b"GET /wheels/" + big + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
    ]
    for name, req in cases:
        # no "Connection: close": the server must close on its own
        st, _, _ = raw(req, timeout=15)
        say(st in (400, 413, 414, 431) and raw.eof,
            "%s: refused with %s, connection closed (%s)" % (name, st, raw.eof))
    healthy("huge headers")


# ---- traversal ---------------------------------------------------------------------------

def part_traversal():
    up = {
        "..": b"../",
        "%2e%2e": b"%2e%2e/",
        "%2E%2E": b"%2E%2E/",
        "%2e.": b"%2e./",
        ".%2E": b".%2E/",
        "%252e%252e": b"%252e%252e/",
        "..%2f": b"..%2f",
        "%2f..": b"%2f..%2f",
        "..%2F": b"..%2F",
        "backslash": b"..\\",
        "%5c": b"..%5c",
        "%5C": b"..%5C",
        "overlong %c0%ae": b"%c0%ae%c0%ae/",
        "overlong %e0%80%ae": b"%e0%80%ae%e0%80%ae/",
        "....//": b"....//",
    }
    prefixes = [b"/wheels/", b"/requirements/", b"/models/tiny-org/tiny-model/", b"/simple/",
                b"/tiny-org/tiny-model/resolve/main/", b"/api/models/tiny-org/tiny-model/tree/main/"]
    targets = [b"etc/passwd", b"etc%2fpasswd", b"etc/passwd%00.whl"]
    total = leaked = ok200 = errors = 0
    bad = []
    for pre in prefixes:
        for name, u in up.items():
            for tgt in targets:
                path = pre + u * 10 + tgt
                st, _, body = get(path)
                total += 1
                if b"root:x:" in body:
                    leaked += 1
                    bad.append("%s leaks" % path.decode())
                if st == 200:
                    ok200 += 1
                    bad.append("%s: 200" % path.decode())
                if st is None or st >= 500:
                    errors += 1
                    bad.append("%s: %s" % (path.decode(), st))
    extra = [b"/etc/passwd", b"//etc/passwd", b"/wheels//etc/passwd", b"/wheels/%2fetc%2fpasswd",
             b"/%00", b"/wheels/%00", b"/wheels/alpha%00.whl", b"http://x/../../etc/passwd",
             b"/wheels/passwd.whl", b"/models/tiny-org/tiny-model/passwd.txt",
             b"/requirements/up.txt", b"/tiny-org/tiny-model/resolve/main/evil.json",
             b"/api/models/tiny-org/tiny-model/tree/main/evil.json"]
    for path in extra:
        st, _, body = get(path)
        total += 1
        if b"root:x:" in body:
            leaked += 1
            bad.append("%s leaks" % path.decode())
        if st == 200 and not path.startswith(b"/api/"):
            ok200 += 1
            bad.append("%s: 200" % path.decode())
        if st is None or st >= 500:
            errors += 1
            bad.append("%s: %s" % (path.decode(), st))
    for b in bad[:10]:
        note(b)
    say(leaked == 0, "traversal: %d requests in every encoding and through planted links: "
        "no byte of /etc/passwd" % total)
    say(ok200 == 0, "traversal: none answered 200")
    say(errors == 0, "traversal: every one got a 4xx answer (no 5xx, no dropped connection)")
    st, _, body = get(b"/wheels/")
    say(st == 200 and b"passwd" not in body, "the /wheels/ listing skips the planted link")
    healthy("traversal")


# ---- Range abuse -------------------------------------------------------------------------

def check_range(path, data, rng):
    st, h, body = get(path, b"Range: " + rng + b"\r\n")
    size = len(data)
    if st == 200:
        return body == data, st
    if st == 206:
        m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", h.get("content-range", ""))
        if not m or int(m.group(3)) != size:
            return False, st
        a, b = int(m.group(1)), int(m.group(2))
        return a <= b < size and body == data[a:b + 1], st
    if st == 416:
        return h.get("content-range") == "bytes */%d" % size, st
    return False, st


def part_range():
    wheel = sorted(f for f in os.listdir(os.path.join(PUB, "wheels")) if f.endswith(".whl"))[0]
    files = [(b"/wheels/" + wheel.encode(), os.path.join(PUB, "wheels", wheel)),
             (b"/tiny-org/tiny-model/resolve/main/model.safetensors",
              os.path.join(PUB, "models", "tiny-org", "tiny-model", "model.safetensors"))]
    many = b"bytes=" + b",".join(b"%d-%d" % (i, i) for i in range(1000))
    cases = [
        ("1000 ranges", many),
        ("overlapping ranges", b"bytes=0-100,50-150,0-"),
        ("0-2^64-1", b"bytes=0-18446744073709551615"),
        ("0-2^64", b"bytes=0-18446744073709551616"),
        ("2^64-1-", b"bytes=18446744073709551615-"),
        ("-0", b"bytes=-0"),
        ("5-1", b"bytes=5-1"),
        ("a huge suffix", b"bytes=-99999999999999999999999"),
        ("suffix 2^64-1", b"bytes=-18446744073709551615"),
        ("no ranges", b"bytes="),
        ("garbage", b"bytes=abc-def"),
        ("other unit", b"items=0-1"),
        ("negative start", b"bytes=-5-10"),
        ("10000 commas", b"bytes=" + b"," * 10000 + b"0-0"),
    ]
    for path, fn in files:
        with open(fn, "rb") as f:
            data = f.read()
        for name, rng in cases:
            good, st = check_range(path, data, rng)
            say(good, "Range %s on %s: %s, body consistent" % (name, path.decode()[:40], st))
    healthy("Range abuse")


def main():
    global PORT, PUB
    PORT, PUB = int(sys.argv[1]), sys.argv[2]
    parts = {"concurrent": part_concurrent, "slowloris": part_slowloris,
             "headers": part_headers, "traversal": part_traversal, "range": part_range}
    for p in sys.argv[3:]:
        parts[p]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
