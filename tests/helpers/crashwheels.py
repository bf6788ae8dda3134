#!/usr/bin/env python3
"""crashwheels.py OUTDIR COUNT KIB SEED: a flat wheel directory for the crash
tests (scripts/crash-test.sh), served by indexserver.py.

Writes crashtop-1.0 (requires crashdep0..crashdep<COUNT-1>) and COUNT
dependency wheels, each carrying KIB KiB of pseudo-random bytes (stored, not
compressed, so the wheel is that large), plus a PEP 658 <wheel>.metadata
sidecar beside every wheel. The bytes are a function of SEED: two runs write
identical files."""
import base64
import hashlib
import os
import random
import sys
import zipfile


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def wheel(out, name, version, requires, payload):
    info = f"{name}-{version}.dist-info"
    meta = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s\n" % (
        name, version, "".join(f"Requires-Dist: {r}\n" for r in requires))).encode()
    files = {
        f"{name}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{name}/payload.bin": payload,
        f"{info}/METADATA": meta,
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: crashwheels\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
    }
    record = [record_line(p, d) for p, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = os.path.join(out, f"{name}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for p, d in files.items():
            zi = zipfile.ZipInfo(p, date_time=(2020, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            z.writestr(zi, d)
    with open(path + ".metadata", "wb") as f:
        f.write(meta)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    out, count, kib, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    os.makedirs(out, exist_ok=True)
    rng = random.Random(seed)
    deps = [f"crashdep{i}" for i in range(count)]
    wheel(out, "crashtop", "1.0", deps, b"")
    for d in deps:
        wheel(out, d, "1.0", [], rng.randbytes(kib * 1024))


main()
