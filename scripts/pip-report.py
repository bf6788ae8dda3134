#!/usr/bin/env python3
"""Ask the real pip what it would install for a target, as sorted name==version pins.

usage: pip-report.py --index-url URL [--python-version V] [--platform P]...
                     [--implementation I] [--abi A]... [--files] [--pip PYTHON]
                     [PIP-ARGS...] REQUIREMENT...

Runs, with a clean pip environment (no PIP_* variables, no config file, no
cache, --isolated):

  PYTHON -m pip install --dry-run --ignore-installed --report - --quiet
      --only-binary :all: --target TMP --index-url URL [target options] ARGS...

and prints one line per distribution, sorted by normalized name:
"name==version" (name normalized per PEP 503), or with --files
"name==version filename". Anything not recognized here (-r FILE,
--find-links DIR, --no-index, --pre, requirements) goes to pip unchanged.
Exit status is pip's. Use it to cross-check another resolver against pip.

--mode download uses "pip download -d TMP" with the same options instead and
reads the pins from the downloaded file names. It is chosen automatically
(--mode auto, the default) when --python-version differs from the version of
the interpreter running pip: pip 23.2's "install" checks the Requires-Python
of a distribution's metadata against the running interpreter, not against
--python-version, while "download" uses --python-version (a 3.11 pip asked
for --python-version 3.12 would otherwise refuse a release that needs >=3.12).

Note that pip evaluates environment markers against the interpreter it runs
on, not against --platform/--python-version (python-packaging.md 4.4).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index-url")
    ap.add_argument("--python-version")
    ap.add_argument("--platform", action="append", default=[])
    ap.add_argument("--implementation")
    ap.add_argument("--abi", action="append", default=[])
    ap.add_argument("--files", action="store_true", help="also print the chosen file name")
    ap.add_argument("--pip", default=sys.executable, metavar="PYTHON",
                    help="the interpreter whose pip runs (default: this one)")
    ap.add_argument("--mode", choices=("auto", "report", "download"), default="auto")
    args, rest = ap.parse_known_args()
    if not rest:
        ap.error("no requirements given")

    mode = args.mode
    if mode == "auto":
        mode = "report"
        if args.python_version:
            probe = "import sys; print('%d.%d' % sys.version_info[:2])"
            out = subprocess.run([args.pip, "-c", probe], stdout=subprocess.PIPE,
                                 check=True).stdout.decode().strip()
            want = args.python_version
            if "." not in want and len(want) >= 2:
                want = want[0] + "." + want[1:]
            if ".".join(want.split(".")[:2]) != out:
                mode = "download"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_NO_INPUT="1")
    with tempfile.TemporaryDirectory(prefix="pip-report.") as tmp:
        common = ["--quiet", "--no-cache-dir", "--disable-pip-version-check",
                  "--only-binary", ":all:"]
        dl = os.path.join(tmp, "download")
        if mode == "report":
            cmd = [args.pip, "-m", "pip", "--isolated", "install", "--dry-run",
                   "--ignore-installed", "--report", "-", "--target",
                   os.path.join(tmp, "target")] + common
        else:
            cmd = [args.pip, "-m", "pip", "--isolated", "download", "-d", dl] + common
        if args.index_url:
            cmd += ["--index-url", args.index_url]
        if args.python_version:
            cmd += ["--python-version", args.python_version]
        for p in args.platform:
            cmd += ["--platform", p]
        if args.implementation:
            cmd += ["--implementation", args.implementation]
        for a in args.abi:
            cmd += ["--abi", a]
        cmd += rest
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, cwd=tmp)
        if proc.returncode != 0:
            return proc.returncode
        if mode == "download":
            rows = []
            for fn in os.listdir(dl):
                name, version = fn.split("-")[:2]
                line = "%s==%s" % (normalize(name), version)
                rows.append(line + (" " + fn if args.files else ""))
            return emit(rows)
    try:
        report = json.loads(proc.stdout)
    except ValueError as e:
        print("pip-report: pip's report is not JSON: %s" % e, file=sys.stderr)
        return 3
    rows = []
    for item in report.get("install", []):
        meta = item["metadata"]
        line = "%s==%s" % (normalize(meta["name"]), meta["version"])
        if args.files:
            url = item.get("download_info", {}).get("url", "")
            path = urllib.parse.urlsplit(url).path
            line += " " + urllib.parse.unquote(path.rsplit("/", 1)[-1])
        rows.append(line)
    return emit(rows)


def emit(rows):
    rows.sort()
    sys.stdout.write("".join(r + "\n" for r in rows))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
