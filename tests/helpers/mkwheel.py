#!/usr/bin/env python3
"""mkwheel.py OUTDIR NAME VERSION [TAG] [REQUIRES...]: write a tiny, real,
installable wheel (importable package NAME with __version__) and print its path."""
import base64, hashlib, os, sys, zipfile

def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"

def main():
    out, name, version = sys.argv[1:4]
    tag = sys.argv[4] if len(sys.argv) > 4 else "py3-none-any"
    requires = sys.argv[5:]
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    files = {
        f"{dist}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{info}/METADATA": ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s\n" % (
            name, version, "".join(f"Requires-Dist: {r}\n" for r in requires))).encode(),
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: mkwheel\nRoot-Is-Purelib: true\nTag: {tag}\n".encode(),
    }
    record = [record_line(p, d) for p, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = os.path.join(out, f"{dist}-{version}-{tag}.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files.items():
            zi = zipfile.ZipInfo(p, date_time=(2020, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            z.writestr(zi, d)
    print(path)

main()
