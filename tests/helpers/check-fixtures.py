#!/usr/bin/env python3
"""Checks of the fixture wheels and the fixture index that pip alone does not prove.

usage: check-fixtures.py records DIR        every wheel's RECORD (hash, size) is right,
                                            every .metadata sidecar equals its METADATA
       check-fixtures.py index URL DIR      HTML and JSON pages of every project agree
                                            with DIR/fixture-index.json: hashes, yanked,
                                            requires-python, PEP 658 only where configured
                                            (and the hash matches the served .metadata)
       check-fixtures.py range URL FILE     read FILE's METADATA through HTTP range requests
       check-fixtures.py negotiate URL      content negotiation, redirects, 404, 416
       check-fixtures.py faults URL         the fault kinds, against a server started with
                                            the faults listed in cmd_faults below

Prints "ok: ..." lines and exits 0, or prints the first problem and exits 1.
Standard library only.
"""

import base64
import hashlib
import html.parser
import http.client
import json
import os
import struct
import sys
import urllib.parse
import urllib.request
import zipfile
import zlib

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
PIP_ACCEPT = ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; "
              "q=0.1, text/html; q=0.01")


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def wheel_metadata(z):
    for n in z.namelist():
        p = n.split("/")
        if len(p) == 2 and p[0].endswith(".dist-info") and p[1] == "METADATA":
            return z.read(n)
    raise Fail("no METADATA")


def cmd_records(d):
    files = os.path.join(d, "files")
    n = 0
    for fn in sorted(os.listdir(files)):
        if not fn.endswith(".whl"):
            continue
        with zipfile.ZipFile(os.path.join(files, fn)) as z:
            names = z.namelist()
            rec = [n for n in names if n.endswith(".dist-info/RECORD")]
            check(len(rec) == 1, "%s: %d RECORD files" % (fn, len(rec)))
            listed = set()
            for line in z.read(rec[0]).decode().splitlines():
                path, h, size = line.rsplit(",", 2)
                listed.add(path)
                if path == rec[0]:
                    check(h == "" and size == "", "%s: RECORD lists its own hash" % fn)
                    continue
                data = z.read(path)
                want = "sha256=" + base64.urlsafe_b64encode(
                    hashlib.sha256(data).digest()).rstrip(b"=").decode()
                check(h == want, "%s: %s: RECORD hash %s, real %s" % (fn, path, h, want))
                check(int(size) == len(data), "%s: %s: RECORD size" % (fn, path))
            check(listed == set(names), "%s: RECORD does not list every file" % fn)
            meta = os.path.join(d, "metadata", fn + ".metadata")
            if os.path.exists(meta):
                with open(meta, "rb") as f:
                    check(f.read() == wheel_metadata(z), "%s: .metadata differs" % fn)
        n += 1
    print("ok: %d wheels have a correct RECORD and matching .metadata sidecars" % n)


class Anchors(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs))


def get(url, accept=None, headers=None):
    req = urllib.request.Request(url, headers=dict(headers or {}))
    if accept:
        req.add_header("Accept", accept)
    with urllib.request.urlopen(req) as r:
        return r.status, r.headers, r.read(), r.geturl()


def cmd_index(url, d):
    with open(os.path.join(d, "fixture-index.json"), encoding="utf-8") as f:
        info = json.load(f)
    byproj = {}
    for fi in info["files"]:
        byproj.setdefault(fi["project"], {})[fi["filename"]] = fi
    nmeta = 0
    for proj, files in sorted(byproj.items()):
        conf = info["projects"][proj]["core-metadata"]
        page = "%s/simple/%s/" % (url, proj)
        _, hdr, body, final = get(page, "text/html")
        check(hdr["Content-Type"].startswith("text/html"), "%s: html type" % proj)
        p = Anchors()
        p.feed(body.decode())
        check(len(p.links) == len(files), "%s: %d links for %d files"
              % (proj, len(p.links), len(files)))
        _, jhdr, jbody, _ = get(page, PIP_ACCEPT)
        check(jhdr["Content-Type"] == JSON_TYPE,
              "%s: json type %s" % (proj, jhdr["Content-Type"]))
        doc = json.loads(jbody)
        check(doc["name"] == proj, "%s: json name" % proj)
        jfiles = {f["filename"]: f for f in doc["files"]}
        for a in p.links:
            href = urllib.parse.urljoin(final, a["href"])
            u, frag = urllib.parse.urldefrag(href)
            fn = urllib.parse.unquote(u.rsplit("/", 1)[1])
            fi = files.get(fn)
            check(fi is not None, "%s: unexpected link %s" % (proj, fn))
            check(frag == "sha256=" + fi["sha256"], "%s: fragment %s" % (fn, frag))
            jf = jfiles[fn]
            check(jf["hashes"] == {"sha256": fi["sha256"]}, "%s: json hashes" % fn)
            check(jf["size"] == fi["size"], "%s: json size" % fn)
            check(urllib.parse.urljoin(page, jf["url"]) == u, "%s: json url" % fn)
            yanked = info["yanked"].get(fn)
            check(a.get("data-yanked") == yanked, "%s: data-yanked %r" % (fn, a.get("data-yanked")))
            check(jf.get("yanked", False) == (yanked if yanked else yanked == ""),
                  "%s: json yanked" % fn)
            check(a.get("data-requires-python") == jf.get("requires-python"),
                  "%s: requires-python differs between HTML and JSON" % fn)
            cm = a.get("data-core-metadata")
            if conf and fn.endswith(".whl"):
                check(cm is not None, "%s: no data-core-metadata" % fn)
                check(a.get("data-dist-info-metadata") == cm, "%s: dist-info-metadata" % fn)
                check(jf.get("core-metadata") == {"sha256": cm.split("=", 1)[1]},
                      "%s: json core-metadata" % fn)
                _, _, meta, _ = get(u + ".metadata")
                check("sha256=" + hashlib.sha256(meta).hexdigest() == cm,
                      "%s: .metadata does not match its hash" % fn)
                with zipfile.ZipFile(os.path.join(d, "files", fn)) as z:
                    check(wheel_metadata(z) == meta, "%s: .metadata is not METADATA" % fn)
                nmeta += 1
            else:
                check(cm is None and "data-dist-info-metadata" not in a
                      and "core-metadata" not in jf, "%s: unexpected PEP 658 data" % fn)
    print("ok: %d projects agree in HTML and JSON; %d .metadata files match their hashes"
          % (len(byproj), nmeta))


def range_get(conn, path, rng):
    conn.request("GET", path, headers={"Range": rng})
    r = conn.getresponse()
    body = r.read()
    return r.status, r.getheader("Content-Range"), body


def cmd_range(url, fn):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    path = "/files/" + urllib.parse.quote(fn)
    st, cr, tail = range_get(conn, path, "bytes=-22")
    check(st == 206 and len(tail) == 22 and tail[:4] == b"PK\x05\x06", "EOCD: %s" % st)
    size = int(cr.rsplit("/", 1)[1])
    cd_size, cd_off = struct.unpack("<II", tail[12:20])
    st, cr, cd = range_get(conn, path, "bytes=%d-%d" % (cd_off, cd_off + cd_size - 1))
    check(st == 206 and len(cd) == cd_size, "central directory")
    pos, found = 0, None
    while pos < len(cd):
        check(cd[pos:pos + 4] == b"PK\x01\x02", "central directory entry")
        method, = struct.unpack("<H", cd[pos + 10:pos + 12])
        csize, _, nlen, elen, clen = struct.unpack("<IIHHH", cd[pos + 20:pos + 34])
        off, = struct.unpack("<I", cd[pos + 42:pos + 46])
        name = cd[pos + 46:pos + 46 + nlen].decode()
        if name.endswith(".dist-info/METADATA") and name.count("/") == 1:
            found = (method, csize, off)
        pos += 46 + nlen + elen + clen
    check(found is not None, "METADATA not in the central directory")
    method, csize, off = found
    st, _, lh = range_get(conn, path, "bytes=%d-%d" % (off, off + 29))
    nlen, elen = struct.unpack("<HH", lh[26:30])
    start = off + 30 + nlen + elen
    st, _, data = range_get(conn, path, "bytes=%d-%d" % (start, start + csize - 1))
    check(st == 206, "local data")
    meta = zlib.decompress(data, -15) if method == 8 else data
    check(meta.startswith(b"Metadata-Version:"), "METADATA read by ranges: %r" % meta[:40])
    st, cr, _ = range_get(conn, path, "bytes=%d-" % size)
    check(st == 416 and cr == "bytes */%d" % size, "416 past the end: %s %s" % (st, cr))
    print("ok: read %s's METADATA (%d bytes) with 4 range requests; 416 past the end"
          % (fn, len(meta)))


def cmd_negotiate(url):
    cases = [(None, "text/html"), ("*/*", "text/html"), (PIP_ACCEPT, JSON_TYPE),
             ("text/html", "text/html"),
             ("application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.v1+html"),
             ("text/html;q=0.9, application/vnd.pypi.simple.v1+json;q=0.5", "text/html"),
             ("application/vnd.pypi.simple.v1+json;q=0.2, text/html;q=0.2, */*;q=0.1",
              JSON_TYPE)]
    for accept, want in cases:
        _, hdr, _, _ = get(url + "/simple/demo-leaf/", accept)
        check(hdr["Content-Type"].split(";")[0] == want,
              "Accept %r gave %s, want %s" % (accept, hdr["Content-Type"], want))
    try:
        get(url + "/simple/demo-leaf/", "image/png")
        raise Fail("unacceptable Accept did not give 406")
    except urllib.error.HTTPError as e:
        check(e.code == 406, "unacceptable Accept gave %d" % e.code)
    _, hdr, _, _ = get(url + "/simple/demo-leaf/?format=" + urllib.parse.quote(JSON_TYPE, safe=""))
    check(hdr["Content-Type"] == JSON_TYPE, "?format=")
    for name in ("Demo_Util", "demo.util", "DEMO-UTIL", "demo-util"):
        _, _, _, final = get(url + "/simple/%s" % name, "text/html")
        check(final == url + "/simple/demo-util/", "%s redirected to %s" % (name, final))
    try:
        get(url + "/simple/no-such-project/")
        raise Fail("unknown project did not give 404")
    except urllib.error.HTTPError as e:
        check(e.code == 404, "unknown project gave %d" % e.code)
    _, hdr, body, _ = get(url + "/simple/", PIP_ACCEPT)
    check(hdr["Content-Type"] == JSON_TYPE and len(json.loads(body)["projects"]) >= 55,
          "root page")
    print("ok: %d Accept headers negotiated; 406, ?format=, redirects, 404, root page"
          % len(cases))


FAULTS_ARGS = ["--fault", "/files/demo_leaf-1.0-*=cut:100",
               "--fault", "/files/demo_leaf-1.1-*=drop",
               "--fault", "/files/demo_cli-*=stall:0.2",
               "--fault", "/files/demo_fast-*=slow:200000",
               "--fault", "/simple/demo-win/=redirect-loop",
               "--fault", "/simple/demo-cli/=endless",
               "--fault", "/simple/demo-compat/=status:503*1"]


def raw_get(url, path):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request("GET", path)
    return conn, conn.getresponse()


def cmd_faults(url):
    """Needs a server started with FAULTS_ARGS (print them with 'faults-args')."""
    _, r = raw_get(url, "/files/demo_leaf-1.0-py3-none-any.whl")
    try:
        r.read()
        raise Fail("cut: the body was complete")
    except http.client.IncompleteRead as e:
        check(len(e.partial) == 100, "cut: %d bytes" % len(e.partial))
    try:
        raw_get(url, "/files/demo_leaf-1.1-py3-none-any.whl")
        raise Fail("drop: got an answer")
    except (http.client.RemoteDisconnected, ConnectionError):
        pass
    _, r = raw_get(url, "/files/demo_cli-1.0-py3-none-any.whl")
    check(r.status == 200, "stall: status")
    try:
        r.read()
        raise Fail("stall: the body came")
    except http.client.IncompleteRead as e:
        check(len(e.partial) == 0, "stall: sent bytes")
    _, r = raw_get(url, "/files/demo_fast-1.0-py3-none-any.whl")
    check(r.status == 200 and len(r.read()) == int(r.getheader("Content-Length")), "slow")
    _, r = raw_get(url, "/simple/demo-win/")
    check(r.status == 302 and r.getheader("Location") == "/simple/demo-win/?loop", "loop 1")
    _, r = raw_get(url, "/simple/demo-win/?loop")
    check(r.status == 302 and r.getheader("Location") == "/simple/demo-win/", "loop 2")
    conn, r = raw_get(url, "/simple/demo-cli/")
    check(r.status == 200 and r.getheader("Content-Length") is None, "endless: headers")
    n = 0
    while n < 4 << 20:
        n += len(r.read(65536))
    conn.close()
    _, r = raw_get(url, "/simple/demo-compat/")
    check(r.status == 503, "status:503*1: first")
    r.read()
    _, r = raw_get(url, "/simple/demo-compat/")
    check(r.status == 200, "status:503*1: second")
    print("ok: cut, drop, stall, slow, redirect-loop, endless, status*N behave")


def main(argv):
    try:
        if argv[1:2] == ["records"] and len(argv) == 3:
            cmd_records(argv[2])
        elif argv[1:2] == ["index"] and len(argv) == 4:
            cmd_index(argv[2], argv[3])
        elif argv[1:2] == ["range"] and len(argv) == 4:
            cmd_range(argv[2], argv[3])
        elif argv[1:2] == ["negotiate"] and len(argv) == 3:
            cmd_negotiate(argv[2])
        elif argv[1:2] == ["faults"] and len(argv) == 3:
            cmd_faults(argv[2])
        elif argv[1:2] == ["faults-args"] and len(argv) == 2:
            print(" ".join("'%s'" % a for a in FAULTS_ARGS))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (Fail, OSError, ValueError, KeyError, http.client.HTTPException) as e:
        print("check-fixtures: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
