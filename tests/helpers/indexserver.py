#!/usr/bin/env python3
"""A fixture Python package index for tests and benchmarks (standard library only).

usage: indexserver.py [options] DIR

DIR is the output of scripts/build-wheels.py (DIR/files, DIR/metadata,
DIR/fixture-index.json) or any flat directory of wheels and sdists (then
<file>.metadata next to a file enables PEP 658 for it).

Listens on 127.0.0.1, port 0 (or --port), prints "PORT <n>" as the first line
on stdout, then serves until stdin reaches end of file (unless --no-stdin) or
--timeout seconds pass. Endpoints:

  /simple/                      project list (PEP 503 HTML or PEP 691 JSON)
  /simple/<normalized>/         project page; other spellings redirect (301)
  /files/<filename>             the distributions (Range: 206/416), HEAD too
  /files/<filename>.metadata    PEP 658/714 core metadata, for configured projects
  /                             (--flat) a find-links page linking every file

Content negotiation follows the Accept header and its q-values (PyPI
style): application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html,
text/html; ?format=<type> overrides Accept. --html-only and --json-only pin
the format (406 when the client does not accept it).

Faults (--fault PATTERN=SPEC, repeatable, or --faults FILE with a JSON list of
{"path": PATTERN, "kind": KIND, "arg": ARG, "times": N}); PATTERN is an fnmatch
pattern on the request path; SPEC is KIND[:ARG][*N], *N limiting the fault to
the first N matching requests of each path. Kinds:

  500-then-ok:N   N answers 500 per path, then normal answers
  500             always 500          status:CODE  always CODE
  429:SECS        429 with Retry-After: SECS (default 1)
  cut:OFFSET      full headers, OFFSET body bytes, then the connection closes
  wrong-bytes     the right length, one byte changed
  stall[:SECS]    headers, then nothing for SECS (default until shutdown)
  slow[:BPS]      the body at BPS bytes per second (default 2048)
  redirect-loop   302 between PATH and PATH?loop forever
  endless         200 without Content-Length and a body that never ends
  drop            close the connection without an answer
  ranges-from:FILE  a request with Range is answered from FILE's bytes, one
                  without from the real file (range answers that do not
                  belong to the file the page names)
  range-shift:N   a request with a Range from A to B gets the range N bytes
                  earlier (clamped at 0), with a Content-Range that says so;
                  a suffix range (bytes=-N, the tail) is answered as asked

--auth USER:PASSWORD requires HTTP Basic credentials on every request: a
request without them, or with others, gets 401 with WWW-Authenticate (logged
as "auth" when none came, "badauth" when wrong ones did).

--log FILE appends one line per request: METHOD PATH STATUS WHAT RANGE
(WHAT is html, json, file, metadata, redirect, error, notmodified or
fault:KIND).

HTTP caching of pages and metadata (PyPI sends "Cache-Control: max-age=600,
public" on its pages):

  --cache-control VALUE   send Cache-Control: VALUE with every page and
                          metadata file
  --validators KIND       none (the default), etag, last-modified or both:
                          pages and metadata get those validators, and a
                          request whose If-None-Match / If-Modified-Since
                          matches gets 304 Not Modified
  --stamp FILE            the pages' Last-Modified is FILE's mtime, and their
                          ETag changes with it (touch FILE to "publish")

--missing-status CODE answers CODE instead of 404 for a project the index
does not have (PyTorch's index answers 403).

--conn-stats FILE rewrites FILE with "open N max M" whenever a connection
opens or closes: the connections open now and the most ever open at once
(for per-host connection limits).
"""

import argparse
import base64
import email.parser
import email.utils
import fnmatch
import hashlib
import html
import json
import os
import re
import sys
import tarfile
import threading
import time
import urllib.parse
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML1_TYPE = "application/vnd.pypi.simple.v1+html"
HTML_TYPE = "text/html"
UPLOAD_TIME = "2020-01-01T00:00:00.000000Z"
MAX_META = 1 << 20
FAULT_KINDS = {"500-then-ok", "500", "status", "429", "cut", "wrong-bytes", "stall", "slow",
               "redirect-loop", "endless", "drop", "ranges-from", "range-shift"}


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_filename(fn):
    """(project, version) of a wheel or sdist filename, or None."""
    if fn.endswith(".whl"):
        parts = fn[:-4].split("-")
        if len(parts) not in (5, 6):
            return None
        return normalize(parts[0]), parts[1]
    for ext in (".tar.gz", ".zip"):
        if fn.endswith(ext):
            name, sep, ver = fn[:-len(ext)].rpartition("-")
            if not sep or not name:
                return None
            return normalize(name), ver
    return None


def read_core_metadata(path, fn):
    """The METADATA / PKG-INFO text inside a distribution, or None."""
    try:
        if fn.endswith(".whl"):
            with zipfile.ZipFile(path) as z:
                for n in z.namelist():
                    parts = n.split("/")
                    if len(parts) == 2 and parts[0].endswith(".dist-info") \
                            and parts[1] == "METADATA":
                        return z.read(n)[:MAX_META].decode("utf-8", "replace")
        elif fn.endswith(".tar.gz"):
            with tarfile.open(path, "r:gz") as t:
                for m in t:
                    parts = m.name.split("/")
                    if len(parts) == 2 and parts[1] == "PKG-INFO" and m.isfile():
                        f = t.extractfile(m)
                        return f.read(MAX_META).decode("utf-8", "replace")
    except (OSError, zipfile.BadZipFile, tarfile.TarError):
        return None
    return None


class Dist:
    __slots__ = ("filename", "path", "project", "version", "sha256", "size",
                 "requires_python", "yanked", "meta_path", "meta_sha256")


class Index:
    """Everything the server answers, read once at start."""

    def __init__(self, root):
        self.root = root
        files_dir = os.path.join(root, "files")
        self.files_dir = files_dir if os.path.isdir(files_dir) else root
        self.meta_dir = os.path.join(root, "metadata")
        info = {}
        ipath = os.path.join(root, "fixture-index.json")
        if os.path.exists(ipath):
            with open(ipath, encoding="utf-8") as f:
                info = json.load(f)
        yanked = info.get("yanked", {})
        self.projects = {}
        self.dists = {}
        for fn in sorted(os.listdir(self.files_dir)):
            path = os.path.join(self.files_dir, fn)
            pv = parse_filename(fn)
            if pv is None or not os.path.isfile(path):
                continue
            d = Dist()
            d.filename, d.path = fn, path
            d.project, d.version = pv
            with open(path, "rb") as f:
                data = f.read()
            d.sha256 = hashlib.sha256(data).hexdigest()
            d.size = len(data)
            d.requires_python = None
            meta = read_core_metadata(path, fn)
            if meta is not None:
                msg = email.parser.Parser().parsestr(meta, headersonly=True)
                d.requires_python = msg.get("Requires-Python")
            d.yanked = yanked.get(fn)
            d.meta_path = d.meta_sha256 = None
            for mp in (os.path.join(self.meta_dir, fn + ".metadata"), path + ".metadata"):
                if os.path.isfile(mp):
                    with open(mp, "rb") as f:
                        d.meta_sha256 = hashlib.sha256(f.read()).hexdigest()
                    d.meta_path = mp
                    break
            self.projects.setdefault(d.project, []).append(d)
            self.dists[fn] = d


def parse_accept(header):
    """[(media type, q)] from an Accept header."""
    out = []
    for part in header.split(","):
        fields = [x.strip() for x in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for p in fields[1:]:
            k, _, v = p.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        out.append((fields[0].lower(), q))
    return out


def negotiate(accept, offered):
    """Pick one of OFFERED (server preference order) for ACCEPT, or None.

    Highest q wins; a type named explicitly beats one matched by a wildcard;
    then the server's order. No Accept header means text/html, like PyPI.
    """
    if accept is None or not accept.strip():
        return HTML_TYPE if HTML_TYPE in offered else offered[0]
    ranges = parse_accept(accept)
    best = None
    for rank, t in enumerate(offered):
        q, exact = -1.0, False
        for r, rq in ranges:
            if r == t:
                if not exact or rq > q:
                    q, exact = rq, True
            elif not exact and (r == "*/*" or (r.endswith("/*") and t.startswith(r[:-1]))):
                q = max(q, rq)
        if q <= 0:
            continue
        # wildcard-only matches prefer plain HTML, the most widely understood
        pref = rank if exact else (-1 if t == HTML_TYPE else rank)
        key = (q, exact, -pref)
        if best is None or key > best[0]:
            best = (key, t)
    return best[1] if best else None


class Fault:
    def __init__(self, pattern, kind, arg=None, times=None):
        if kind not in FAULT_KINDS:
            raise ValueError("unknown fault kind '%s'" % kind)
        if kind == "500-then-ok":
            kind, times, arg = "500", int(arg if arg is not None else 1), None
        self.pattern, self.kind, self.arg = pattern, kind, arg
        self.times = None if times is None else int(times)
        self.count = {}

    @classmethod
    def parse(cls, text):
        pattern, sep, spec = text.rpartition("=")
        if not sep or not pattern:
            raise ValueError("fault '%s': expected PATTERN=KIND[:ARG][*N]" % text)
        times = None
        if "*" in spec:
            spec, _, t = spec.rpartition("*")
            times = int(t)
        kind, _, arg = spec.partition(":")
        return cls(pattern, kind, arg or None, times)

    def take(self, path):
        """True when this request of PATH gets the fault (counts it)."""
        if not fnmatch.fnmatchcase(path, self.pattern):
            return False
        n = self.count.get(path, 0)
        self.count[path] = n + 1
        return self.times is None or n < self.times


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # answers go out as a header write and a body write: without TCP_NODELAY
    # the second waits for the client's delayed ACK (40 ms on Linux) on every
    # keep-alive request, which no real index or Hub does
    disable_nagle_algorithm = True
    server_version = "airlock-fixture-index/1"

    def log_message(self, fmt, *args):
        if self.server.opts.verbose:
            sys.stderr.write("indexserver: %s\n" % (fmt % args))

    def log(self, status, what):
        lf = self.server.logfile
        if lf is None:
            return
        line = "%s %s %d %s %s\n" % (self.command, self.path, status, what,
                                     self.headers.get("Range", "-").replace(" ", ""))
        with self.server.lock:
            lf.write(line)
            lf.flush()

    def do_HEAD(self):
        self.handle_any(head=True)

    def do_GET(self):
        self.handle_any(head=False)

    # -- answers -----------------------------------------------------------

    def send_simple(self, status, ctype, body, what, head, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)
        self.log(status, what)

    def error(self, status, msg, head, extra=()):
        body = ("%d %s\n" % (status, msg)).encode("utf-8")
        self.send_simple(status, "text/plain; charset=utf-8", body, "error", head, extra)

    def redirect(self, location, head, status=301, what="redirect"):
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.log(status, what)

    def authorized(self, head):
        """True when --auth is off or the request has its credentials;
        else a 401 has been sent."""
        want = self.server.opts.auth
        if not want:
            return True
        got = self.headers.get("Authorization")
        expect = "Basic " + base64.b64encode(want.encode("utf-8")).decode("ascii")
        if got == expect:
            return True
        body = b"401 Unauthorized\n"
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="airlock-fixture"')
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)
        self.log(401, "badauth" if got else "auth")
        return False

    def handle_any(self, head):
        opts = self.server.opts
        if opts.latency_ms:
            time.sleep(opts.latency_ms / 1000.0)
        if not self.authorized(head):
            return
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        query = urllib.parse.parse_qs(url.query)
        for fault in self.server.faults:
            with self.server.lock:
                hit = fault.take(path)
            if hit:
                return self.fault(fault, path, url.query, head)
        try:
            body, ctype, what, status, extra = self.route(path, query)
        except HttpError as e:
            if e.location:
                return self.redirect(e.location, head)
            return self.error(e.status, e.msg, head, e.extra)
        if status == 200 and what in ("html", "json", "metadata"):
            extra = list(extra) + self.cache_headers(body)
            if self.not_modified(extra):
                return self.send_304(extra, head)
        self.send_body(status, ctype, body, what, head, extra)

    def cache_headers(self, body):
        """Cache-Control and validators for a page or a metadata file."""
        opts = self.server.opts
        out = []
        if opts.cache_control:
            out.append(("Cache-Control", opts.cache_control))
        stamp = 1577836800.0  # 2020-01-01
        if opts.stamp:
            try:
                stamp = os.stat(opts.stamp).st_mtime
            except OSError:
                pass
        if opts.validators in ("etag", "both"):
            tag = hashlib.sha256(body + str(stamp).encode()).hexdigest()[:32]
            out.append(("ETag", '"%s"' % tag))
        if opts.validators in ("last-modified", "both"):
            out.append(("Last-Modified", email.utils.formatdate(int(stamp), usegmt=True)))
        return out

    def not_modified(self, extra):
        """Does the request's condition match these validators (RFC 9110 13.2.2)?"""
        have = dict(extra)
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            if "ETag" not in have:
                return False
            tags = [t.strip() for t in inm.split(",")]
            strip = lambda t: t[2:] if t.startswith("W/") else t
            return "*" in tags or strip(have["ETag"]) in [strip(t) for t in tags]
        ims = self.headers.get("If-Modified-Since")
        if ims is not None and "Last-Modified" in have:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
                lm = email.utils.parsedate_to_datetime(have["Last-Modified"]).timestamp()
            except (TypeError, ValueError):
                return False
            return lm <= since
        return False

    def send_304(self, extra, head):
        self.send_response(304)
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.log(304, "notmodified")

    def send_body(self, status, ctype, body, what, head, extra=(), fault=None, shift=0):
        size = len(body)
        rng = self.headers.get("Range")
        if status == 200 and what in ("file", "metadata") and rng is not None:
            r = parse_range(rng, size)
            if r == "bad":
                return self.error(416, "range not satisfiable", head,
                                  [("Content-Range", "bytes */%d" % size)])
            if r is not None:
                start, end = r
                if shift and not rng.replace(" ", "").startswith("bytes=-"):
                    # range-shift: another range than asked, labelled honestly
                    # (a suffix range, the tail, is answered as asked)
                    start, end = max(0, start - shift), max(0, end - shift)
                body = body[start:end + 1]
                status = 206
                extra = list(extra) + [("Content-Range", "bytes %d-%d/%d" % (start, end, size))]
        if what in ("file", "metadata"):
            extra = list(extra) + [("Accept-Ranges", "bytes")]
        if fault is None:
            return self.send_simple(status, ctype, body, what, head, extra)
        kind, arg = fault.kind, fault.arg
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if kind != "endless":
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.log(status, "fault:" + kind)
        if head:
            return
        self.close_connection = True
        if kind == "cut":
            self.wfile.write(body[:int(arg or 0)])
            self.wfile.flush()
        elif kind == "stall":
            limit = time.monotonic() + (float(arg) if arg else 1e9)
            self.wfile.flush()
            while time.monotonic() < limit and not self.server.stopping.is_set():
                self.server.stopping.wait(0.2)
        elif kind == "slow":
            bps = max(1, int(arg or 2048))
            step = max(1, bps // 10)
            for i in range(0, len(body), step):
                if self.server.stopping.is_set():
                    break
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                time.sleep(step / bps)
        elif kind == "endless":
            self.wfile.write(body)
            pad = b" " * 65536
            while not self.server.stopping.is_set():
                self.wfile.write(pad)

    def fault(self, fault, path, query, head):
        kind = fault.kind
        if kind == "drop":
            self.log(0, "fault:drop")
            self.close_connection = True
            return
        if kind in ("500", "status"):
            code = int(fault.arg) if kind == "status" and fault.arg else 500
            return self.send_simple(code, "text/plain", b"injected fault\n", "fault:" + kind,
                                    head)
        if kind == "429":
            return self.send_simple(429, "text/plain", b"slow down\n", "fault:429", head,
                                    [("Retry-After", fault.arg or "1")])
        if kind == "redirect-loop":
            loc = path if query == "loop" else path + "?loop"
            return self.redirect(urllib.parse.quote(loc, safe="/?"), head, 302,
                                 "fault:redirect-loop")
        try:
            body, ctype, what, status, extra = self.route(path, urllib.parse.parse_qs(query))
        except HttpError as e:
            body, ctype, what, status, extra = (("%d %s\n" % (e.status, e.msg)).encode(),
                                                "text/plain", "error", e.status, [])
        if kind == "range-shift":
            return self.send_body(status, ctype, body, what, head, extra,
                                  shift=int(fault.arg or 512))
        if kind == "ranges-from":
            if self.headers.get("Range") is not None and status == 200:
                with open(fault.arg, "rb") as f:
                    body = f.read()
            return self.send_body(status, ctype, body, what, head, extra)
        if kind == "wrong-bytes" and body:
            b = bytearray(body)
            b[len(b) // 2] ^= 0xFF
            body = bytes(b)
            return self.send_body(status, ctype, body, "fault:wrong-bytes", head, extra)
        return self.send_body(status, ctype, body, what, head, extra, fault)

    # -- routing -------------------------------------------------------------

    def route(self, path, query):
        """(body, content type, what, status, extra headers), or raise HttpError."""
        opts = self.server.opts
        idx = self.server.index
        if opts.flat:
            if path in ("/", "/index.html"):
                return self.flat_page(idx)
        elif path == "/simple":
            raise HttpError(301, location="/simple/")
        elif path == "/simple/":
            ctype = self.pick_type(query)
            return self.root_page(idx, ctype) + (200, [("Vary", "Accept")])
        elif path.startswith("/simple/"):
            name = path[len("/simple/"):]
            slash = name.endswith("/")
            name = name.rstrip("/")
            if "/" in name or not name:
                raise HttpError(404, "not found")
            norm = normalize(name)
            if norm not in idx.projects:
                raise HttpError(self.server.opts.missing_status, "no project '%s'" % name)
            if norm != name or not slash:
                raise HttpError(301, location="/simple/%s/" % norm)
            ctype = self.pick_type(query)
            return self.project_page(idx, norm, ctype) + (200, [("Vary", "Accept")])
        if path.startswith("/files/"):
            fn = path[len("/files/"):]
            if fn.endswith(".metadata") and fn[:-len(".metadata")] in idx.dists:
                d = idx.dists[fn[:-len(".metadata")]]
                if d.meta_path is None:
                    raise HttpError(404, "no metadata for '%s'" % d.filename)
                with open(d.meta_path, "rb") as f:
                    return f.read(), "application/octet-stream", "metadata", 200, []
            d = idx.dists.get(fn)
            if d is None:
                raise HttpError(404, "no file '%s'" % fn)
            with open(d.path, "rb") as f:
                return (f.read(), "application/octet-stream", "file", 200,
                        [("ETag", '"%s"' % d.sha256)])
        raise HttpError(404, "not found")

    def pick_type(self, query):
        opts = self.server.opts
        if opts.html_only:
            offered = [HTML_TYPE, HTML1_TYPE]
        elif opts.json_only:
            offered = [JSON_TYPE]
        else:
            offered = [JSON_TYPE, HTML1_TYPE, HTML_TYPE]
        fmt = query.get("format")
        if fmt:
            want = fmt[0].replace(" ", "+")  # a literal '+' arrives as a space
            if want in offered:
                return want
            raise HttpError(406, "format '%s' not available" % want)
        if opts.html_only:
            return HTML_TYPE  # like a static web server: HTML whatever was asked
        t = negotiate(self.headers.get("Accept"), offered)
        if t is None:
            raise HttpError(406, "not acceptable; offered: %s" % ", ".join(offered))
        return t

    def root_page(self, idx, ctype):
        names = sorted(idx.projects)
        if ctype == JSON_TYPE:
            doc = {"meta": {"api-version": "1.1"},
                   "projects": [{"name": n} for n in names]}
            return (json.dumps(doc, indent=1) + "\n").encode(), ctype, "json"
        rows = "".join('<a href="%s/">%s</a><br>\n' % (n, n) for n in names)
        page = ("<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" "
                "content=\"1.1\"><title>Simple index</title></head><body>\n%s</body></html>\n"
                % rows)
        return page.encode(), ctype, "html"

    def project_page(self, idx, norm, ctype):
        dists = idx.projects[norm]
        if ctype == JSON_TYPE:
            files = []
            for d in dists:
                f = {"filename": d.filename,
                     "url": "../../files/%s" % urllib.parse.quote(d.filename),
                     "hashes": {"sha256": d.sha256}, "size": d.size,
                     "upload-time": UPLOAD_TIME}
                if d.requires_python:
                    f["requires-python"] = d.requires_python
                if d.meta_sha256:
                    f["core-metadata"] = {"sha256": d.meta_sha256}
                if d.yanked is not None:
                    f["yanked"] = d.yanked if d.yanked else True
                files.append(f)
            versions = []
            for d in dists:
                if d.version not in versions:
                    versions.append(d.version)
            doc = {"meta": {"api-version": "1.1"}, "name": norm, "versions": versions,
                   "files": files}
            return (json.dumps(doc, indent=1) + "\n").encode(), ctype, "json"
        rows = "".join(self.anchor(d, "../../files/") for d in dists)
        page = ("<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" "
                "content=\"1.1\"><title>Links for %s</title></head><body>\n"
                "<h1>Links for %s</h1>\n%s</body></html>\n" % (norm, norm, rows))
        return page.encode(), ctype, "html"

    @staticmethod
    def anchor(d, base):
        attrs = ['href="%s%s#sha256=%s"' % (base, urllib.parse.quote(d.filename), d.sha256)]
        if d.requires_python:
            attrs.append('data-requires-python="%s"' % html.escape(d.requires_python))
        if d.yanked is not None:
            attrs.append('data-yanked="%s"' % html.escape(d.yanked))
        if d.meta_sha256:
            attrs.append('data-core-metadata="sha256=%s"' % d.meta_sha256)
            attrs.append('data-dist-info-metadata="sha256=%s"' % d.meta_sha256)
        return "<a %s>%s</a><br>\n" % (" ".join(attrs), html.escape(d.filename))

    def flat_page(self, idx):
        rows = "".join(self.anchor(d, "files/") for n in sorted(idx.projects)
                       for d in idx.projects[n])
        page = ("<!DOCTYPE html>\n<html><head><title>Find links</title></head><body>\n"
                "%s</body></html>\n" % rows)
        return page.encode(), HTML_TYPE, "html", 200, []


class HttpError(Exception):
    def __init__(self, status, msg="", location=None, extra=()):
        super().__init__(msg)
        self.status, self.msg, self.location, self.extra = status, msg, location, extra


def parse_range(header, size):
    """(start, end) inclusive for one bytes range; None to ignore; "bad" for 416."""
    m = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if not m or (not m.group(1) and not m.group(2)):
        return None  # malformed or multiple ranges: answer 200 with everything
    if m.group(1):
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else size - 1
        if start >= size or end < start:
            return "bad"
        return start, min(end, size - 1)
    n = int(m.group(2))
    if n == 0 or size == 0:
        return "bad"
    return max(0, size - n), size - 1


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's listen backlog is 5: more simultaneous connections than
    # that lose their SYN and wait a second to retry, as no real index does
    request_queue_size = 128

    def process_request_thread(self, request, client_address):
        # one thread per connection: count those open at once
        self.conn_event(+1)
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.conn_event(-1)

    def conn_event(self, delta):
        path = self.opts.conn_stats
        if not path:
            return
        with self.lock:
            self.conns_open += delta
            self.conns_max = max(self.conns_max, self.conns_open)
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                f.write("open %d max %d\n" % (self.conns_open, self.conns_max))
            os.replace(path + ".tmp", path)

    def handle_error(self, request, client_address):
        # clients that hang up (as fault tests make them do) are not errors
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def load_faults(args):
    faults = []
    if args.faults:
        with open(args.faults, encoding="utf-8") as f:
            spec = json.load(f)
        if isinstance(spec, dict):
            spec = spec.get("faults", [])
        for item in spec:
            faults.append(Fault(item["path"], item["kind"],
                                None if item.get("arg") is None else str(item["arg"]),
                                item.get("times")))
    for text in args.fault:
        faults.append(Fault.parse(text))
    return faults


def main():
    ap = argparse.ArgumentParser(description="fixture Python package index (PEP 503/691/658)")
    ap.add_argument("dir", help="output of scripts/build-wheels.py, or a flat wheel directory")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--html-only", action="store_true", help="always answer HTML")
    ap.add_argument("--json-only", action="store_true", help="only answer PEP 691 JSON")
    ap.add_argument("--flat", action="store_true",
                    help="serve a find-links page at / instead of /simple/")
    ap.add_argument("--latency-ms", type=float, default=0, help="delay added to each request")
    ap.add_argument("--fault", action="append", default=[], metavar="PATTERN=KIND[:ARG][*N]")
    ap.add_argument("--faults", metavar="FILE", help="JSON list of faults")
    ap.add_argument("--log", metavar="FILE", help="append one line per request")
    ap.add_argument("--cache-control", metavar="VALUE",
                    help="Cache-Control of pages and metadata")
    ap.add_argument("--validators", choices=["none", "etag", "last-modified", "both"],
                    default="none", help="validators of pages and metadata (304s)")
    ap.add_argument("--stamp", metavar="FILE", help="pages change when FILE's mtime does")
    ap.add_argument("--auth", metavar="USER:PASSWORD",
                    help="require these HTTP Basic credentials on every request")
    ap.add_argument("--missing-status", type=int, default=404, metavar="CODE",
                    help="the status of a project page the index does not have")
    ap.add_argument("--conn-stats", metavar="FILE",
                    help="keep 'open N max M' (connections at once) in FILE")
    ap.add_argument("--timeout", type=float, default=600, help="exit after SECS (watchdog)")
    ap.add_argument("--no-stdin", action="store_true", help="do not exit at end of stdin")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if args.html_only and args.json_only:
        ap.error("--html-only and --json-only exclude each other")
    try:
        faults = load_faults(args)
        index = Index(args.dir)
    except (OSError, ValueError, KeyError) as e:
        print("indexserver: %s" % e, file=sys.stderr)
        return 2

    srv = Server(("127.0.0.1", args.port), Handler)
    srv.opts, srv.index, srv.faults = args, index, faults
    srv.lock = threading.Lock()
    srv.conns_open = srv.conns_max = 0
    srv.stopping = threading.Event()
    srv.logfile = open(args.log, "a", encoding="utf-8") if args.log else None

    def stop():
        srv.stopping.set()
        srv.shutdown()

    def watch_stdin():
        try:
            while sys.stdin.buffer.read1(4096):
                pass
        except (OSError, ValueError):
            pass
        stop()

    if not args.no_stdin:
        threading.Thread(target=watch_stdin, daemon=True).start()
    timer = threading.Timer(args.timeout, stop)
    timer.daemon = True
    timer.start()
    sys.stdout.write("PORT %d\n" % srv.server_address[1])
    sys.stdout.flush()
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    srv.stopping.set()
    timer.cancel()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
