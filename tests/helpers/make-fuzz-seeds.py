#!/usr/bin/env python3
"""Write the seed corpora of the media-manifest, tar-volume and serve-request
fuzz harnesses into fixtures/fuzz/<name>/ (run once; the output is committed).
The tar seeds hold the objects fuzz/tar-volume-fuzzer.c declares."""
import hashlib
import io
import json
import os
import sys
import tarfile

OBJ_A = b"airlock fuzz: a whole object\n"
PART_1 = b"airlock fuzz: part one\n"
PART_2 = b"airlock fuzz: part two\n"
MID = "00112233445566778899aabbccddeeff"


def sha(b):
    return hashlib.sha256(b).hexdigest()


def lock(bundle="demo"):
    return {"bundle": bundle, "manifest_sha256": "1" * 64, "repos": [{
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "files": [{"lfs": True, "path": "a.bin", "sha256": sha(OBJ_A), "size": len(OBJ_A)},
                  {"lfs": True, "path": "b.bin", "sha256": sha(PART_1 + PART_2),
                   "size": len(PART_1 + PART_2)}],
        "repo": "org/model", "revision": "main", "type": "model"}],
        "targets": [{"name": "cp311-manylinux_2_28_x86_64", "python_version": "3.11",
                     "implementation": "cp", "platforms": ["manylinux_2_28_x86_64"],
                     "distributions": [{"name": "alpha", "version": "1.0",
                                        "filename": "alpha-1.0-py3-none-any.whl",
                                        "sha256": "a" * 64, "size": 1234,
                                        "required_by": ["-"]}]}],
        "version": 1}


def manifest(**over):
    whole = {"sha256": sha(OBJ_A), "size": len(OBJ_A), "volume": 1}
    split = {"parts": [{"part": 1, "sha256": sha(PART_1), "size": len(PART_1), "volume": 1},
                       {"part": 2, "sha256": sha(PART_2), "size": len(PART_2), "volume": 2}],
             "sha256": sha(PART_1 + PART_2), "size": len(PART_1 + PART_2)}
    m = {"base": None, "bundles": ["demo"], "contents": [lock()],
         "created": "2024-01-01T00:00:00Z", "format": "airlock-media/1", "id": MID,
         "key_id": "0123456789ABCDEF",
         "objects": sorted([whole, split], key=lambda o: o["sha256"]), "seq": 1,
         "volumes": [{"name": "vol-0001.tar", "sha256": "c" * 64, "size": 10240},
                     {"name": "vol-0002.tar", "sha256": "d" * 64, "size": 10240}]}
    m.update(over)
    return m


def canon(m):
    return json.dumps(m, sort_keys=True, separators=(",", ":")).encode()


def tar(entries, fmt=tarfile.PAX_FORMAT):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as t:
        for name, data, kind in entries:
            info = tarfile.TarInfo(name)
            info.mode = 0o444
            info.mtime = 0
            if kind == "file":
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = data.decode()
                t.addfile(info)
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = data.decode()
                t.addfile(info)
    return out.getvalue()


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "fixtures/fuzz"
    mm = os.path.join(top, "media-manifest")
    write(mm, "valid.json", canon(manifest()))
    write(mm, "delta.json", canon(manifest(base={"id": "f" * 32})))
    write(mm, "pretty.json", json.dumps(manifest(), indent=2).encode())
    two = manifest(bundles=["demo", "other"], contents=[lock(), lock("other")])
    write(mm, "two-bundles.json", canon(two))
    write(mm, "same-bundle-twice.json",
          canon(manifest(bundles=["demo", "demo"], contents=[lock(), lock()])))
    write(mm, "bundles-mismatch.json", canon(manifest(bundles=["nope"])))
    m = manifest()
    m["objects"].reverse()
    write(mm, "unsorted-objects.json", canon(m))
    m = manifest()
    for o in m["objects"]:
        if "parts" in o:
            o["size"] += 1
    write(mm, "parts-do-not-add-up.json", canon(m))
    m = manifest()
    m["volumes"][1]["name"] = "vol-0003.tar"
    write(mm, "bad-volume-name.json", canon(m))
    m = manifest()
    m["objects"][0]["volume"] = 9
    write(mm, "bad-object-volume.json", canon(m))
    write(mm, "other-format.json", canon(manifest(format="airlock-media/2")))
    write(mm, "duplicate-key.json", canon(manifest())[:-1] + b',"seq":2}')
    write(mm, "negative-seq.json", canon(manifest(seq=-1)))
    m = manifest()
    m["contents"][0]["repos"][0]["files"][0]["path"] = "../escape"
    write(mm, "unsafe-path.json", canon(m))
    write(mm, "deep.json", b"[" * 5000 + b"]" * 5000)
    write(mm, "empty.json", b"")

    tv = os.path.join(top, "tar-volume")
    a = "objects/sha256/" + sha(OBJ_A)
    b = "objects/sha256/" + sha(PART_1 + PART_2)
    good = [(a, OBJ_A, "file"), (b + ".part-0001", PART_1, "file"),
            (b + ".part-0002", PART_2, "file")]
    write(tv, "valid-pax.tar", tar(good))
    write(tv, "valid-ustar.tar", tar(good, tarfile.USTAR_FORMAT))
    write(tv, "valid-gnu.tar", tar(good, tarfile.GNU_FORMAT))
    write(tv, "missing-part.tar", tar(good[:2]))
    write(tv, "extra-entry.tar", tar(good + [("objects/sha256/" + "e" * 64, b"x", "file")]))
    write(tv, "twice.tar", tar(good + [good[0]]))
    write(tv, "wrong-content.tar", tar([(a, OBJ_A.upper(), "file")] + good[1:]))
    write(tv, "whole-split.tar", tar([(a, OBJ_A, "file"), (b, PART_1 + PART_2, "file")]))
    write(tv, "symlink.tar", tar([(a, b"/etc/passwd", "symlink")] + good[1:]))
    write(tv, "hardlink.tar", tar([(a, b.encode(), "hardlink")] + good[1:]))
    write(tv, "dir.tar", tar([("objects/sha256/", b"", "dir")] + good))
    write(tv, "part-0000.tar", tar([(a, OBJ_A, "file"), (b + ".part-0000", PART_1, "file")]))
    write(tv, "part-9999.tar", tar(good + [(b + ".part-9999", PART_2, "file")]))
    write(tv, "part-plus.tar", tar([(a, OBJ_A, "file"), (b + ".part-+001", PART_1, "file"),
                                    good[2]]))
    write(tv, "part-space.tar", tar([(a, OBJ_A, "file"), (b + ".part- 001", PART_1, "file"),
                                     good[2]]))
    write(tv, "long-name.tar", tar([("objects/sha256/" + "a" * 300, b"", "file")] + good))
    write(tv, "traversal.tar", tar([("../" + a, OBJ_A, "file")]))
    write(tv, "truncated.tar", tar(good)[:700])
    write(tv, "zeros.tar", bytes(1024))
    write(tv, "empty.tar", b"")

    sr = os.path.join(top, "serve-request")
    paths = ["/", "/simple/", "/simple/Foo_Bar.baz/", "/simple/foo/foo-1.0-py3-none-any.whl",
             "/api/models/org/name/revision/main", "/api/models/org/name/tree/main/dir%2Fsub",
             "/org/name/resolve/refs%2Fpr%2F1/config.json", "/wheels/%2e%2e/x",
             "/a/./b", "/a//b", "/%00", "/%2", "/x%5Cy", "/" + "a/" * 300]
    heads = ["bytes=0-99", "bytes=-5", "bytes=10-", "bytes=0-0,5-9", "bytes=99999999999999999999-",
             "items=0-1", "bytes= 1 - 2 "]
    accepts = ["application/vnd.pypi.simple.v1+json",
               "application/vnd.pypi.simple.v1+json;q=0.5, text/html;q=0.5",
               "*/*;q=0.1, application/vnd.pypi.simple.v1+html", "text/html;q=abc"]
    names = ["Foo__Bar", "a.-_b", "-x", "ok"]
    i = 0
    for s in paths + heads + accepts + names:
        write(sr, "s%02d" % i, b"\0" + s.encode())
        i += 1
    bodies = [b'{"paths": ["config.json", "dir/a.bin"], "expand": true}',
              b'{"paths": "config.json"}', b'{"expand": "true"}', b'  {"paths": [1, null, "x"]}',
              b"paths=config.json&paths%5B%5D=a+b&expand=True", b"paths=%00", b"paths=%zz&x",
              b"expand=1&&=&paths"]
    for body in bodies:
        write(sr, "s%02d" % i, b"\1" + body)
        write(sr, "s%02d" % (i + 1), b"\2" + body)
        i += 2


main()
