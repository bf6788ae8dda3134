#!/usr/bin/env python3
"""mkmedia.py: build airlock media by hand, for the hostile-media tests.

    mkmedia.py OUT SPEC.json

airlock export refuses to write hostile media (and bundle-put refuses hostile
locks), so the tests that check what import, publish and serve do with a
validly signed but hostile medium build it here, byte by byte, and sign it
with tests/unit/msign (the caller does, with the trusted comment this script
prints). SPEC is a JSON object:

  contents   list of locks in their JSON form (docs/reference/media.md). A distribution
             or repo file may carry "data" (a string, its bytes) or "source"
             (a local file): the object goes into volume 1 and its sha256 and
             size are filled in (unless the entry sets them itself).
             "metadata_data" does the same for a .metadata sidecar.
  id         media id (default: 32 random hex digits)
  seq        (default 1000)
  base       null or {"id": ...}
  bundles    the bundles list (default: the contents' bundle names)
  extra      list of additional volume entries: {"name", "data"|"size",
             "type": "file"|"symlink"|"hardlink"|"fifo"|"dir", "target"}
  manifest   an object merged over the manifest at the end (anything hostile
             that the generator would not write by itself)
  comment    the trusted comment to sign instead of the true one

Writes OUT/airlock-media.json and OUT/vol-0001.tar, and prints the trusted
comment to sign on stdout.
"""
import hashlib
import io
import json
import os
import secrets
import sys
import tarfile


def blob(entry, datakey, srckey):
    if datakey in entry:
        data = entry.pop(datakey)
        return data.encode("utf-8", "surrogateescape") if isinstance(data, str) else bytes(data)
    if srckey in entry:
        with open(entry.pop(srckey), "rb") as f:
            return f.read()
    return None


def main():
    out, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    objects = {}

    def take(entry, datakey, srckey, hashkey, sizekey):
        data = blob(entry, datakey, srckey)
        if data is None:
            return
        h = hashlib.sha256(data).hexdigest()
        objects[h] = data
        entry.setdefault(hashkey, h)
        if sizekey:
            entry.setdefault(sizekey, len(data))

    contents = spec["contents"]
    for lock in contents:
        for t in lock.get("targets", []):
            for x in t.get("distributions", []):
                take(x, "data", "source", "sha256", "size")
                take(x, "metadata_data", "metadata_source", "metadata_sha256", None)
        for r in lock.get("repos", []):
            for x in r.get("files", []):
                take(x, "data", "source", "sha256", "size")

    os.makedirs(out, exist_ok=True)
    vol = os.path.join(out, "vol-0001.tar")
    with tarfile.open(vol, "w", format=tarfile.PAX_FORMAT) as tar:
        for h in sorted(objects):
            ti = tarfile.TarInfo("objects/sha256/" + h)
            ti.size, ti.mode, ti.mtime = len(objects[h]), 0o444, 0
            tar.addfile(ti, io.BytesIO(objects[h]))
        for e in spec.get("extra", []):
            ti = tarfile.TarInfo(e["name"])
            kind = e.get("type", "file")
            ti.mode, ti.mtime = 0o444, 0
            data = e.get("data", "").encode()
            if kind == "symlink":
                ti.type, ti.linkname = tarfile.SYMTYPE, e["target"]
            elif kind == "hardlink":
                ti.type, ti.linkname = tarfile.LNKTYPE, e["target"]
            elif kind == "fifo":
                ti.type = tarfile.FIFOTYPE
            elif kind == "dir":
                ti.type = tarfile.DIRTYPE
            if kind == "file":
                ti.size = len(data)
                tar.addfile(ti, io.BytesIO(data))
            else:
                tar.addfile(ti)
    with open(vol, "rb") as f:
        vbytes = f.read()

    manifest = {
        "format": "airlock-media/1",
        "id": spec.get("id", secrets.token_hex(16)),
        "seq": spec.get("seq", 1000),
        "created": "2026-01-01T00:00:00Z",
        "bundles": spec.get("bundles", sorted(l.get("bundle", "") for l in contents)),
        "key_id": "0000000000000000",
        "base": spec.get("base"),
        "contents": sorted(contents, key=lambda l: str(l.get("bundle", ""))),
        "objects": [{"sha256": h, "size": len(objects[h]), "volume": 1} for h in sorted(objects)],
        "volumes": [{"name": "vol-0001.tar", "size": len(vbytes),
                     "sha256": hashlib.sha256(vbytes).hexdigest()}],
    }
    manifest.update(spec.get("manifest", {}))
    text = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    with open(os.path.join(out, "airlock-media.json"), "w", encoding="utf-8") as f:
        f.write(text)

    comment = spec.get("comment")
    if comment is None:
        names = manifest["bundles"] if isinstance(manifest["bundles"], list) else []
        mans = []
        for l in manifest["contents"] if isinstance(manifest["contents"], list) else []:
            m = l.get("manifest_sha256") if isinstance(l, dict) else None
            mans.append(m if isinstance(m, str) else "-")
        comment = "airlock-media id=%s seq=%s bundles=%s manifest=%s" % (
            manifest["id"], manifest["seq"], ",".join(str(n) for n in names), ",".join(mans))
    print(comment)


if __name__ == "__main__":
    main()
