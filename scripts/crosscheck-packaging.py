#!/usr/bin/env python3
"""Cross-check airlock's PEP 440/508 code against Python's packaging.

Generates thousands of random versions, specifiers, requirements and markers
(valid, near-valid and broken), runs them through tests/unit/pep-driver (the
C side) and through packaging, and prints the differences.

Two references:
  * pip's vendored packaging (pip._vendor.packaging: 21.3 in pip 23.2.1 on
    the build machine), always;
  * a packaging source tree of 26.x (--head-src DIR, the directory holding
    the "packaging" package, e.g. a checkout's src/), when given.

With both, each difference is classified: "C == 26.x != 21.3" is a known
behaviour change between the two packaging releases (we follow 26.x);
"C != 26.x" is a bug on our side (or a documented limitation).

Usage: scripts/crosscheck-packaging.py --driver build/tests/unit/pep-driver \
           [--head-src /path/to/packaging/src] [--count 2000] [--seed 1] [--show 8]
This is a tool, not a test: make check does not run it.
"""

import argparse
import collections
import importlib
import random
import subprocess
import sys

# ---- escaping (tests/unit/pep-escape.h) --------------------------------------


def esc(s):
    out = []
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif o < 0x20 or o == 0x7F:
            out.append("\\x%02x" % o)
        else:
            out.append(ch)
    return "".join(out)


def line(*fields):
    return "\t".join(esc(f) for f in fields)


# ---- the Python side ---------------------------------------------------------------

BASE_ENV = {
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "os_name": "posix",
    "sys_platform": "linux",
    "platform_release": "6.1.0-18-amd64",
    "platform_system": "Linux",
    "platform_version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
    "implementation_version": "3.11.7",
    "extra": "",
}


class Oracle:
    def __init__(self, pkg):
        self.name = pkg
        self.version = importlib.import_module(pkg + ".version")
        self.specifiers = importlib.import_module(pkg + ".specifiers")
        self.requirements = importlib.import_module(pkg + ".requirements")
        self.markers = importlib.import_module(pkg + ".markers")
        self.utils = importlib.import_module(pkg + ".utils")
        self.release = importlib.import_module(pkg).__version__

    def run(self, req):
        try:
            return getattr(self, "do_" + req[0])(*req[1:])
        except Exception as e:  # the C side has no "exception" answer
            return "exception " + type(e).__name__

    def do_V(self, s):
        try:
            v = self.version.Version(s)
        except self.version.InvalidVersion:
            return "invalid"
        return line("ok", str(v), v.public, v.base_version, str(int(v.is_prerelease)),
                    str(int(v.is_postrelease)), str(int(v.is_devrelease)))

    def do_C(self, a, b):
        try:
            x, y = self.version.Version(a), self.version.Version(b)
        except self.version.InvalidVersion:
            return "invalid"
        return str((x > y) - (x < y))

    def do_S(self, s):
        try:
            ss = self.specifiers.SpecifierSet(s)
        except self.specifiers.InvalidSpecifier:
            return "invalid"
        return line("ok", str(ss), "1" if ss.prereleases is True else "-1")

    def do_M(self, s, v, mode):
        try:
            ss = self.specifiers.SpecifierSet(s)
        except self.specifiers.InvalidSpecifier:
            return "invalid"
        pre = {"-1": None, "0": False, "1": True}[mode]
        return str(int(ss.contains(v, prereleases=pre)))

    def do_F(self, s, mode, *items):
        try:
            ss = self.specifiers.SpecifierSet(s)
        except self.specifiers.InvalidSpecifier:
            return "invalid"

        class Item(str):
            pass

        objs = [Item(i) for i in items]
        pre = {"-1": None, "0": False, "1": True}[mode]
        kept = list(ss.filter(objs, prereleases=pre))
        idx = []
        for k in kept:
            idx.append(next(i for i, o in enumerate(objs) if o is k))
        return line("ok", ",".join(map(str, idx)))

    @staticmethod
    def caret(msg):
        last = str(msg).split("\n")[-1]
        if "^" in last and last.startswith("    "):
            return str(last.index("^") - 4 + 1)
        return "-"

    def do_R(self, s):
        try:
            r = self.requirements.Requirement(s)
        except self.requirements.InvalidRequirement as e:
            return line("error", self.caret(e))
        name = r.name
        marker = str(r.marker) if r.marker else "-"
        return line("ok", name or "-", self.utils.canonicalize_name(name) or "-",
                    ",".join(sorted(r.extras)) or "-", str(r.specifier) or "-",
                    r.url or "-", marker or "-", str(r))

    def do_K(self, s, *pairs):
        try:
            m = self.markers.Marker(s)
        except self.markers.InvalidMarker as e:
            return line("error", self.caret(e))
        env = dict(BASE_ENV)
        for p in pairs:
            k, _, v = p.partition("=")
            if k in env:
                env[k] = v
        try:
            text = str(m)
        except ValueError:
            text = "<unprintable>"
        try:
            res = str(int(m.evaluate(env)))
        except Exception:
            res = "error"
        return line("ok", text or "-", res)


# ---- generators ----------------------------------------------------------------

PRE = ["a", "b", "c", "rc", "alpha", "beta", "pre", "preview", "A", "RC", "Alpha"]
POST = ["post", "rev", "r", "POST", "Rev"]
SEPS = ["", ".", "-", "_"]


def rnum(r):
    x = r.random()
    if x < 0.45:
        return str(r.randint(0, 3))
    if x < 0.7:
        return str(r.randint(0, 20))
    if x < 0.8:
        return "0" * r.randint(1, 2) + str(r.randint(0, 9))
    if x < 0.9:
        return str(r.randint(0, 2**31))
    if x < 0.95:
        return str(r.randint(10**18, 10**20))
    return "".join(r.choice("0123456789") for _ in range(r.randint(19, 30)))


def rversion(r, local=True):
    s = ""
    if r.random() < 0.05:
        s += r.choice(["v", "V"])
    if r.random() < 0.1:
        s += rnum(r) + "!"
    s += ".".join(rnum(r) for _ in range(r.choice([1, 1, 2, 2, 2, 3, 3, 4, 5])))
    if r.random() < 0.3:
        s += r.choice(SEPS) + r.choice(PRE) + r.choice(SEPS) + (rnum(r) if r.random() < 0.8 else "")
    if r.random() < 0.25:
        if r.random() < 0.2:
            s += "-" + rnum(r)
        else:
            s += r.choice(SEPS) + r.choice(POST) + r.choice(SEPS) + (rnum(r) if r.random() < 0.8 else "")
    if r.random() < 0.25:
        s += r.choice(SEPS) + r.choice(["dev", "DEV", "Dev"]) + r.choice(SEPS) + (
            rnum(r) if r.random() < 0.8 else "")
    if local and r.random() < 0.2:
        segs = [r.choice(["ubuntu", "abc", "1", "01", "deadbeef", "x7", "Z", rnum(r)])
                for _ in range(r.randint(1, 3))]
        s += "+" + "".join(seg + r.choice([".", "-", "_"]) for seg in segs[:-1]) + segs[-1]
    if r.random() < 0.05:
        s = r.choice([" ", "\t", "\n", "\u00a0", "  "]) + s + r.choice(["", " ", "\n", "\u2003"])
    return s


NOISE = "0123456789.-_+!*abcdeloprstv ~=<>,;()[]@'\"\u00e9\u0130"


def mutate(r, s):
    s = list(s)
    for _ in range(r.randint(1, 3)):
        op = r.random()
        pos = r.randint(0, len(s))
        if op < 0.4 and s:
            del s[min(pos, len(s) - 1)]
        elif op < 0.8:
            s.insert(pos, r.choice(NOISE))
        elif s:
            s[min(pos, len(s) - 1)] = r.choice(NOISE)
    return "".join(s)


def near(r, v):
    """A version close to v (same family, neighbours)."""
    base = v.lstrip("v").split("+")[0]
    rel = "".join(ch for ch in base.split("a")[0].split("b")[0] if ch.isdigit() or ch == ".")
    rel = rel.strip(".") or "1"
    if "!" in base:
        rel = rel.split("!")[-1] if "!" in rel else rel
    choices = [
        base, rel, rel + ".0", rel + "a1", rel + "rc1", rel + ".post1", rel + ".dev0",
        rel + ".post1.dev1", rel + "+local", rel + ".1", base + "+1", rel + "b2.post3",
        rversion(r),
    ]
    return r.choice(choices)


OPS = ["==", "!=", "<=", ">=", "<", ">", "~=", "===", "== ", ">= "]


def rspec(r):
    op = r.choice(OPS)
    v = rversion(r, local=op.strip() in ("==", "!="))
    if op.strip() in ("==", "!=") and r.random() < 0.25:
        v = ".".join(v.split("+")[0].split(".")[:2]).rstrip("abcdefghijklmnopqrstuvwxyz-_") + ".*"
    return op + v


def rspecset(r):
    n = r.choice([0, 1, 1, 1, 2, 2, 3])
    return r.choice([",", ", ", " ,"]).join(rspec(r) for _ in range(n))


NAMES = ["foo", "Foo_Bar", "a", "requests", "zope.interface", "x-y", "A1", "foo__bar", "a.b-c_d"]
EXTRAS = ["security", "Socks", "a", "b_c", "test.x"]
URLS = ["https://example.com/foo-1.0.tar.gz", "git+https://g/x.git@v1#egg=x",
        "file:///tmp/x.whl", "http://x;y"]
VARS = ["python_version", "python_full_version", "os_name", "sys_platform", "platform_release",
        "platform_system", "platform_version", "platform_machine",
        "platform_python_implementation", "implementation_name", "implementation_version",
        "extra", "os.name", "sys.platform", "platform.machine", "python_implementation",
        "platform.python_implementation", "platform.version"]
MOPS = ["==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in"]
VALUES = ["3.11", "3.9", "3.10", "3", "2.7", "3.11.7", "3.*", "3.11.*", "linux", "win32",
          "posix", "x86_64", "CPython", "cpython", "Linux", "6.1", "6.1.0", "", "Foo_Bar",
          "foo-bar", "3.12a1", "1.0+local", "3.11 3.12", "x86", "5.15.0-generic", "#1 SMP"]
ENV_CHOICES = {
    "python_version": ["3.11", "3.9", "3.12", "3.10", "3.7"],
    "python_full_version": ["3.11.7", "3.12.0rc1", "3.11.7+", "3.9.18"],
    "platform_release": ["6.1.0", "5.15.0-91-generic", "", "22.1.0"],
    "extra": ["", "foo-bar", "Foo_Bar", "security", "test"],
    "platform_machine": ["x86_64", "aarch64", "AMD64"],
}


def rquoted(r, v):
    if r.random() < 0.05:
        v = v + "\\t"
    q = r.choice(['"', "'"])
    if q in v:
        q = "'" if q == '"' else '"'
    return q + v + q


def rmarker_item(r):
    var = r.choice(VARS)
    op = r.choice(MOPS)
    val = rquoted(r, r.choice(VALUES) if r.random() < 0.9 else rversion(r))
    ws = r.choice(["", " ", "  "])
    if r.random() < 0.2:
        return val + ws + op + ws + var
    if op[0].isalpha():
        return var + " " + op + " " + val
    return var + ws + op + ws + val


def rmarker(r, depth=0):
    n = r.choice([1, 1, 2, 3])
    parts = []
    for i in range(n):
        if depth < 2 and r.random() < 0.2:
            parts.append("(" + rmarker(r, depth + 1) + ")")
        else:
            parts.append(rmarker_item(r))
        if i < n - 1:
            parts.append(r.choice([" and ", " or "]))
    return "".join(parts)


def rrequirement(r):
    s = r.choice(["", " "]) + r.choice(NAMES)
    if r.random() < 0.3:
        s += r.choice(["", " "]) + "[" + ",".join(r.sample(EXTRAS, r.randint(0, 3))) + "]"
    if r.random() < 0.15:
        s += r.choice([" @ ", "@", " @"]) + r.choice(URLS)
        if r.random() < 0.5:
            s += r.choice([" ; ", " ;", "; "]) + rmarker(r)
        return s
    spec = rspecset(r).replace(" ,", ",")
    if spec and r.random() < 0.3:
        spec = "(" + spec + ")"
    s += r.choice(["", " "]) + spec
    if r.random() < 0.4:
        s += r.choice(["; ", ";", " ; "]) + rmarker(r)
    return s


def env_pairs(r):
    pairs = []
    for k, vals in ENV_CHOICES.items():
        if r.random() < 0.5:
            pairs.append(k + "=" + r.choice(vals))
    return pairs


def generate(r, count):
    reqs = []
    for _ in range(count):
        v = rversion(r)
        reqs.append(("V", v if r.random() < 0.7 else mutate(r, v)))
    for _ in range(count):
        a = rversion(r)
        reqs.append(("C", a, near(r, a) if r.random() < 0.7 else rversion(r)))
    for _ in range(count // 2):
        s = rspecset(r)
        reqs.append(("S", s if r.random() < 0.7 else mutate(r, s)))
    for _ in range(count * 2):
        s = rspecset(r)
        anchor = s.split(",")[0].lstrip("=!<>~ ").replace(".*", "") or "1.0"
        reqs.append(("M", s, near(r, anchor) if r.random() < 0.8 else mutate(r, anchor),
                     r.choice(["-1", "-1", "0", "1"])))
    for _ in range(count // 2):
        s = rspecset(r)
        anchor = s.split(",")[0].lstrip("=!<>~ ").replace(".*", "") or "1.0"
        items = [near(r, anchor) for _ in range(r.randint(1, 6))]
        reqs.append(("F", s, r.choice(["-1", "-1", "0", "1"]), *items))
    for _ in range(count):
        s = rrequirement(r)
        reqs.append(("R", s if r.random() < 0.75 else mutate(r, s)))
    for _ in range(count):
        s = rmarker(r)
        reqs.append(("K", s if r.random() < 0.8 else mutate(r, s), *env_pairs(r)))
    return reqs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--driver", default="tests/unit/pep-driver")
    ap.add_argument("--head-src", help="directory holding a packaging 26.x package")
    ap.add_argument("--count", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=6)
    args = ap.parse_args()

    oracles = [Oracle("pip._vendor.packaging")]
    if args.head_src:
        sys.path.insert(0, args.head_src)
        oracles.append(Oracle("packaging"))
    r = random.Random(args.seed)
    reqs = generate(r, args.count)
    text = "".join(line(*q) + "\n" for q in reqs)
    out = subprocess.run([args.driver], input=text.encode(), stdout=subprocess.PIPE,
                         check=True).stdout.decode("utf-8", "replace").split("\n")
    c_answers = out[:len(reqs)]

    old = oracles[0]
    new = oracles[-1] if len(oracles) > 1 else None
    print("C driver vs packaging %s (pip's)%s; %d requests, seed %d" % (
        old.release, (" and %s (%s)" % (new.release, args.head_src)) if new else "",
        len(reqs), args.seed))
    stats = collections.Counter()
    examples = collections.defaultdict(list)
    for q, c in zip(reqs, c_answers):
        a_old = old.run(q)
        a_new = new.run(q) if new else None
        kind = q[0]
        stats[kind, "total"] += 1
        if new:
            if c != a_new:
                cls = "BUG: C != %s" % new.release
            elif c != a_old:
                cls = "changed since %s (C follows %s)" % (old.release, new.release)
            else:
                continue
        else:
            if c == a_old:
                continue
            cls = "C != %s" % old.release
        stats[kind, cls] += 1
        examples[kind, cls].append((q, c, a_old, a_new))

    names = {"V": "versions", "C": "comparisons", "S": "specifier sets", "M": "contains",
             "F": "filter", "R": "requirements", "K": "markers"}
    bugs = 0
    for kind in "VCSMFRK":
        total = stats[kind, "total"]
        print("\n%-15s %6d cases" % (names[kind], total))
        for (k, cls), n in sorted(stats.items()):
            if k != kind or cls == "total":
                continue
            print("  %-45s %6d" % (cls, n))
            if cls.startswith("BUG"):
                bugs += n
            for q, c, a_old, a_new in examples[kind, cls][:args.show]:
                print("    in:   %s" % line(*q))
                print("    C:    %s" % c)
                print("    %-5s %s" % (old.release + ":", a_old))
                if new:
                    print("    %-5s %s" % (new.release + ":", a_new))
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
