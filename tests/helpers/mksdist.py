#!/usr/bin/env python3
"""mksdist.py OUTDIR NAME VERSION KIND [REQUIRES...]: write a small, real sdist
that pip builds with the real setuptools, and print its path.

KIND is "pyproject" (pyproject.toml: build-system.requires ["setuptools>=61"],
backend setuptools.build_meta, a [project] table; "pyproject+REQ+REQ..."
adds REQs to build-system.requires) or "legacy" (setup.py only, no
pyproject.toml: pip's legacy default build requirements). PKG-INFO
is Metadata-Version 2.2 with its Requires-Dist, so its dependencies are
known without building it. The tarball is byte-identical on every run."""
import gzip, io, os, sys, tarfile

def main():
    out, name, version, kind = sys.argv[1:5]
    requires = sys.argv[5:]
    mod = name.replace("-", "_")
    top = f"{mod}-{version}"
    files = {
        "PKG-INFO": ("Metadata-Version: 2.2\nName: %s\nVersion: %s\n%s" % (
            name, version, "".join(f"Requires-Dist: {r}\n" for r in requires))).encode(),
        f"{mod}/__init__.py": f'__version__ = "{version}"\n'.encode(),
    }
    if kind.split("+")[0] == "pyproject":
        build = ["setuptools>=61"] + kind.split("+")[1:]
        files["pyproject.toml"] = (
            '[build-system]\nrequires = [%s]\n' % ", ".join('"%s"' % r for r in build) +
            'build-backend = "setuptools.build_meta"\n\n'
            '[project]\nname = "%s"\nversion = "%s"\ndependencies = [%s]\n\n'
            '[tool.setuptools]\npackages = ["%s"]\n' % (
                name, version, ", ".join('"%s"' % r for r in requires), mod)).encode()
    elif kind == "legacy":
        files["setup.py"] = (
            "from setuptools import setup\nsetup(name=%r, version=%r, packages=[%r], "
            "install_requires=%r)\n" % (name, version, mod, requires)).encode()
    else:
        sys.exit("mksdist.py: KIND is pyproject or legacy")
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for path in sorted(files):
            data = files[path]
            ti = tarfile.TarInfo(f"{top}/{path}")
            ti.size, ti.mtime, ti.mode = len(data), 1577836800, 0o644
            t.addfile(ti, io.BytesIO(data))
    path = os.path.join(out, f"{top}.tar.gz")
    with open(path, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
        g.write(raw.getvalue())
    print(path)

main()
