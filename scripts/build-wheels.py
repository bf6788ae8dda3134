#!/usr/bin/env python3
"""Build the fixture wheels and sdists described by fixtures/wheels/recipes.json.

usage: build-wheels.py [--recipes FILE] [--if-changed] OUTDIR

Writes, deterministically (fixed timestamps, sorted entries: a rebuild is
byte-identical):

  OUTDIR/files/*.whl, *.tar.gz        a flat --find-links directory
  OUTDIR/metadata/<wheel>.metadata    PEP 658 sidecars, only for projects
                                      with "core-metadata": true
  OUTDIR/fixture-index.json           what tests/helpers/indexserver.py needs
                                      beyond the files: yanked reasons,
                                      project cases, sha256 and sizes

Every wheel is a real, installable wheel: <module>/__init__.py (sets
__version__ and __wheel_tag__), <dist>.dist-info/METADATA (Metadata-Version
2.1), WHEEL and RECORD (urlsafe base64 sha256 without padding, sizes).
sdists carry PKG-INFO (Metadata-Version 2.2), a pyproject.toml naming an
in-tree PEP 517 backend with no build requirements, so pip can build them
offline. Standard library only. See docs/reference/fixtures.md.
"""

import argparse
import base64
import gzip
import hashlib
import io
import itertools
import json
import os
import re
import shutil
import sys
import tarfile
import zipfile

ZIP_TIME = (2020, 1, 1, 0, 0, 0)
TAR_MTIME = 1577836800  # 2020-01-01T00:00:00Z
GENERATOR = "airlock-fixtures (scripts/build-wheels.py)"

PROJECT_KEYS = {"name", "case", "core-metadata", "wheel-name", "module", "versions"}
VERSION_KEYS = {"version", "requires", "requires-python", "extras", "yanked", "tags",
                "builds", "sdist", "wheel", "pad-kib", "license-expression", "license",
                "classifiers"}


class RecipeError(Exception):
    pass


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def escape_name(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def b64hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def req_name(req):
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
    if not m:
        raise RecipeError("bad requirement %r" % req)
    return m.group(1)


def with_extra(req, extra):
    """Requires-Dist value for REQ inside extra EXTRA."""
    spec, sep, marker = req.partition(";")
    spec = spec.strip()
    if sep:
        return '%s; (%s) and extra == "%s"' % (spec, marker.strip(), extra)
    return '%s; extra == "%s"' % (spec, extra)


def metadata_text(proj, ver, version_meta, dynamic=None):
    """Core metadata. Wheels use 2.1; sdists 2.2 (with Dynamic when asked)."""
    lines = ["Metadata-Version: %s" % version_meta,
             "Name: %s" % proj["name"],
             "Version: %s" % ver["version"],
             "Summary: airlock fixture: %s" % proj.get("case", "")[:200]]
    if dynamic:
        lines.append("Dynamic: %s" % dynamic)
    if ver.get("license-expression"):
        lines.append("License-Expression: %s" % ver["license-expression"])
    if ver.get("license"):
        lines.append("License: %s" % ver["license"].replace("\n", "\n        "))
    for c in ver.get("classifiers", []):
        lines.append("Classifier: %s" % c)
    if ver.get("requires-python"):
        lines.append("Requires-Python: %s" % ver["requires-python"])
    for extra in sorted(ver.get("extras", {})):
        lines.append("Provides-Extra: %s" % extra)
    if dynamic != "Requires-Dist":
        for req in ver.get("requires", []):
            lines.append("Requires-Dist: %s" % req)
        for extra in sorted(ver.get("extras", {})):
            for req in ver["extras"][extra]:
                lines.append("Requires-Dist: %s" % with_extra(req, extra))
    return "\n".join(lines) + "\n"


def expand_tags(tag):
    py, abi, plat = tag.split("-")
    return ["-".join(t) for t in itertools.product(py.split("."), abi.split("."),
                                                   plat.split("."))]


def init_py(proj, ver, tag):
    return ('"""airlock fixture project %s."""\n__version__ = "%s"\n__wheel_tag__ = "%s"\n'
            % (proj["name"], ver["version"], tag)).encode("utf-8")


def zip_bytes(entries):
    """entries: list of (name, bytes) in the order to write."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o100644 << 16
            zi.create_system = 3
            z.writestr(zi, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return out.getvalue()


def padding(seed, kib):
    """kib KiB of bytes that do not compress, the same on every run."""
    out, block = [], hashlib.sha256(seed.encode("utf-8")).digest()
    while len(out) * 32 < kib * 1024:
        block = hashlib.sha256(block).digest()
        out.append(block)
    return b"".join(out)[:kib * 1024]


def build_wheel(proj, ver, tag, build):
    """Return (filename, wheel bytes, METADATA bytes)."""
    fname_name = proj.get("wheel-name") or escape_name(proj["name"])
    module = proj.get("module") or escape_name(proj["name"])
    distinfo = "%s-%s.dist-info" % (fname_name, ver["version"])
    parts = [fname_name, ver["version"]] + ([build] if build else []) + [tag]
    filename = "-".join(parts) + ".whl"
    meta = metadata_text(proj, ver, "2.1").encode("utf-8")
    pure = tag.endswith("-none-any")
    wheel = ["Wheel-Version: 1.0", "Generator: %s" % GENERATOR,
             "Root-Is-Purelib: %s" % ("true" if pure else "false")]
    wheel += ["Tag: %s" % t for t in expand_tags(tag)]
    if build:
        wheel.append("Build: %s" % build)
    files = [("%s/__init__.py" % module, init_py(proj, ver, tag)),
             ("%s/METADATA" % distinfo, meta),
             ("%s/WHEEL" % distinfo, ("\n".join(wheel) + "\n").encode("utf-8")),
             ("%s/top_level.txt" % distinfo, (module + "\n").encode("utf-8"))]
    if ver.get("pad-kib"):
        files.append(("%s/data.bin" % module, padding(filename, int(ver["pad-kib"]))))
    files.sort()
    record = "".join("%s,%s,%d\n" % (n, b64hash(d), len(d)) for n, d in files)
    record += "%s/RECORD,,\n" % distinfo
    files.append(("%s/RECORD" % distinfo, record.encode("utf-8")))
    return filename, zip_bytes(files), meta


BACKEND = '''"""In-tree PEP 517 backend of an airlock fixture sdist (standard library only)."""
import base64
import hashlib
import json
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def _info():
    with open(os.path.join(HERE, "fixture-build.json"), encoding="utf-8") as f:
        return json.load(f)


def _metadata(info):
    with open(os.path.join(HERE, "PKG-INFO"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    keep = [l for l in lines if not l.startswith(("Dynamic:", "Requires-Dist:"))]
    keep += ["Requires-Dist: " + r for r in info["requires"]]
    return ("\\n".join(keep) + "\\n").encode("utf-8")


def _hash(data):
    d = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + d.decode("ascii")


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    info = _info()
    di = "%s-%s.dist-info" % (info["dist"], info["version"])
    with open(os.path.join(HERE, info["module"], "__init__.py"), "rb") as f:
        init = f.read()
    files = [(info["module"] + "/__init__.py", init),
             (di + "/METADATA", _metadata(info)),
             (di + "/WHEEL", b"Wheel-Version: 1.0\\nGenerator: airlock-fixture-backend\\n"
                             b"Root-Is-Purelib: true\\nTag: py3-none-any\\n")]
    record = "".join("%s,%s,%d\\n" % (n, _hash(d), len(d)) for n, d in files)
    files.append((di + "/RECORD", (record + di + "/RECORD,,\\n").encode("utf-8")))
    name = "%s-%s-py3-none-any.whl" % (info["dist"], info["version"])
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        for n, d in files:
            z.writestr(n, d)
    return name
'''


def build_sdist(proj, ver, kind):
    """Return (filename, tar.gz bytes). kind: 'static' or 'dynamic' Requires-Dist."""
    dist = escape_name(proj["name"])
    module = proj.get("module") or dist
    top = "%s-%s" % (dist, ver["version"])
    dynamic = "Requires-Dist" if kind == "dynamic" else None
    pkg_info = metadata_text(proj, ver, "2.2", dynamic).encode("utf-8")
    build_info = {"dist": dist, "module": module, "version": ver["version"],
                  "requires": ver.get("requires", [])}
    pyproject = ('[build-system]\nrequires = []\nbuild-backend = "airlock_fixture_backend"\n'
                 'backend-path = ["."]\n\n[project]\nname = "%s"\nversion = "%s"\n'
                 'dynamic = ["dependencies"]\n' % (proj["name"], ver["version"]))
    files = [("PKG-INFO", pkg_info),
             ("pyproject.toml", pyproject.encode("utf-8")),
             ("airlock_fixture_backend.py", BACKEND.encode("utf-8")),
             ("fixture-build.json", (json.dumps(build_info, sort_keys=True) + "\n").encode()),
             ("%s/__init__.py" % module, init_py(proj, ver, "sdist"))]
    files.sort()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        dirs = sorted({top} | {"%s/%s" % (top, os.path.dirname(n)) for n, _ in files
                               if os.path.dirname(n)})
        for d in dirs:
            ti = tarfile.TarInfo(d)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            ti.mtime = TAR_MTIME
            t.addfile(ti)
        for n, data in files:
            ti = tarfile.TarInfo("%s/%s" % (top, n))
            ti.size = len(data)
            ti.mode = 0o644
            ti.mtime = TAR_MTIME
            t.addfile(ti, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as g:
        g.write(raw.getvalue())
    return top + ".tar.gz", out.getvalue()


def check_recipes(rec):
    if not isinstance(rec, dict) or rec.get("format") != 1:
        raise RecipeError("expected an object with \"format\": 1")
    seen = {}
    for i, p in enumerate(rec.get("projects", [])):
        where = "projects[%d]" % i
        bad = set(p) - PROJECT_KEYS
        if bad:
            raise RecipeError("%s: unknown key '%s'" % (where, sorted(bad)[0]))
        if "name" not in p or not p.get("versions"):
            raise RecipeError("%s: needs name and versions" % where)
        n = normalize(p["name"])
        if n in seen:
            raise RecipeError("%s: '%s' duplicates '%s'" % (where, p["name"], seen[n]))
        seen[n] = p["name"]
        for j, v in enumerate(p["versions"]):
            bad = set(v) - VERSION_KEYS
            if bad:
                raise RecipeError("%s.versions[%d]: unknown key '%s'" % (where, j, sorted(bad)[0]))
            if v.get("sdist") not in (None, "static", "dynamic"):
                raise RecipeError("%s.versions[%d]: sdist must be static or dynamic" % (where, j))
    for p in rec["projects"]:
        for v in p["versions"]:
            reqs = list(v.get("requires", []))
            for r in v.get("extras", {}).values():
                reqs += r
            for r in reqs:
                if normalize(req_name(r)) not in seen:
                    raise RecipeError("%s %s: requirement '%s' names no fixture project"
                                      % (p["name"], v["version"], r))


def stamp_of(recipes_bytes):
    with open(os.path.abspath(__file__), "rb") as f:
        me = f.read()
    return hashlib.sha256(me + b"\0" + recipes_bytes).hexdigest()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="build the airlock fixture wheels")
    ap.add_argument("--recipes", default=os.path.join(here, "..", "fixtures", "wheels",
                                                      "recipes.json"))
    ap.add_argument("--if-changed", action="store_true",
                    help="do nothing when OUTDIR was built from the same recipes and script")
    ap.add_argument("outdir")
    args = ap.parse_args()

    with open(args.recipes, "rb") as f:
        raw = f.read()
    stamp = stamp_of(raw)
    index_path = os.path.join(args.outdir, "fixture-index.json")
    if args.if_changed and os.path.exists(index_path):
        try:
            with open(index_path, encoding="utf-8") as f:
                if json.load(f).get("stamp") == stamp:
                    return 0
        except (OSError, ValueError):
            pass
    try:
        rec = json.loads(raw)
        check_recipes(rec)
    except (ValueError, RecipeError) as e:
        print("build-wheels: %s: %s" % (args.recipes, e), file=sys.stderr)
        return 2

    files_dir = os.path.join(args.outdir, "files")
    meta_dir = os.path.join(args.outdir, "metadata")
    for d in (files_dir, meta_dir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)

    index = {"format": 1, "stamp": stamp, "projects": {}, "yanked": {}, "files": []}
    for p in rec["projects"]:
        norm = normalize(p["name"])
        index["projects"][norm] = {"name": p["name"], "case": p.get("case", ""),
                                   "core-metadata": bool(p.get("core-metadata"))}
        for v in p["versions"]:
            built = []
            if v.get("wheel", True):
                for tag in v.get("tags", ["py3-none-any"]):
                    for build in v.get("builds", [None]):
                        fn, data, meta = build_wheel(p, v, tag, build)
                        built.append((fn, data))
                        if p.get("core-metadata"):
                            write(os.path.join(meta_dir, fn + ".metadata"), meta)
            if v.get("sdist"):
                built.append(build_sdist(p, v, v["sdist"]))
            for fn, data in built:
                if os.path.exists(os.path.join(files_dir, fn)):
                    print("build-wheels: two recipes make '%s'" % fn, file=sys.stderr)
                    return 2
                write(os.path.join(files_dir, fn), data)
                if "yanked" in v:
                    index["yanked"][fn] = v["yanked"]
                index["files"].append({"filename": fn, "project": norm,
                                       "version": v["version"],
                                       "sha256": hashlib.sha256(data).hexdigest(),
                                       "size": len(data)})
    tmp = index_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(index, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, index_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
