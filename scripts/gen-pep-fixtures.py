#!/usr/bin/env python3
"""Regenerate fixtures/pep440/*.txt and fixtures/pep508/*.txt.

The inputs are the literal strings of packaging's own test tables
(tests/test_version.py, test_specifiers.py, test_markers.py,
test_requirements.py, read with ast, never imported), the examples of the
PEPs and our own edge cases (EDGE below). The expected answers are what
packaging 26.x says about each input: they are facts about the standard as
packaging implements it, written in our own format (see the headers of the
generated files).

Usage: scripts/gen-pep-fixtures.py --tests PACKAGING/tests --head-src PACKAGING/src
"""

import argparse
import ast
import importlib.util
import itertools
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("xc", os.path.join(HERE, "crosscheck-packaging.py"))
xc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(xc)


def strings_in(node):
    """Every str constant below node."""
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)]


def tables(path):
    """(function name, rows) for each parametrize decorator whose rows are
    literals; module-level list literals too."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.List, ast.Tuple)):
            try:
                out.append(("<module>", [ast.literal_eval(node.value)]))
            except ValueError:
                pass
        if not isinstance(node, ast.FunctionDef):
            continue
        for dec in node.decorator_list:
            if isinstance(dec, ast.Call) and getattr(dec.func, "attr", "") == "parametrize" \
                    and len(dec.args) >= 2:
                try:
                    out.append((node.name, ast.literal_eval(dec.args[1])))
                except ValueError:
                    # comprehensions and names: fall back to the strings inside
                    out.append((node.name, [tuple(strings_in(dec.args[1]))]))
    return out, strings_in(tree)


def flat_strings(x):
    if isinstance(x, str):
        yield x
    elif isinstance(x, (list, tuple, set, frozenset)):
        for y in x:
            yield from flat_strings(y)
    elif isinstance(x, dict):
        for k, v in x.items():
            yield from flat_strings(k)
            yield from flat_strings(v)


# Examples from PEP 440 / PEP 508 and our own edge cases.
EDGE_VERSIONS = """1.0 1.0.0 1 0 00 v1.0 V1.0 1.0-1 1.0-r4 1.0.rev4 1.0c1 1.0RC1 1.0.a.1 1.0+ubuntu-1
1!1.0 1!1.0.post1.dev2+abc 2012.10 1.0a 1.0.post 1.0.dev 1.0-dev-1 1.0_post_1 1.0alpha1 1.0beta2
1.0pre3 1.0preview4 1.0a1.post2.dev3 1.0+ABC.1 1.0+abc.00 1.0+1.a 1.0+a- 1.0+ 1.0- 1.0-- .1 1.
1..0 1.0.* 1.0+a+b 1.0a-1 1.0a--1 1.0a.post1 1.0a- 1.0.post- 1.0.dev. 1!2!3 !1 1!
123456789012345678901234567890 1.99999999999999999999 1.18446744073709551616 1.18446744073709551615
1.0+123456789012345678901234 0.0.0.0.0.0 1.0.0a0 1.0rc0 1.0.0.post0.dev0 v v1 vv1 1.0 a
1.0_a_1_post_1_dev_1 1.0.a1.r1 1.0r 1.0rev 1.0rc 1.0c 1.0-c1 1.0-1-1 1.0-post1-1 1.0post1dev1
1.0DEV 1.0.DEV1 1.0.Post1 1.0.0.0.1 1!0 0!0 01!01.01 1.0+local.version.1 1.0+local_version-1
1.0+ubuntu 1.0+UBUNTU 1.0.post1+local 1.0a1+1 1.0b1.dev1+x""".split()
EDGE_VERSIONS += [" 1.0", "1.0 ", "\t1.0\n", "\u00a01.0", "1.0\u2003", "1.0\u200b", "1.0+\u0130",
                  "\u0661.0", "1. 0", "1 .0", "", " ", "1.0 +local", "１.0"]

EDGE_SPECS = """==1.0 ==1.0.* ==1.* ==1.0+local ==1.0.*+local ==1.0a1.* !=1.0.* !=1.0+local ~=1.0 ~=1
~=1.0.* ~=1.0+local <=1.0 <=1.0+local <=1.0.* >=1.0 >1.0 <1.0 >1.0.post1 <1.0a1 ===1.0 ===foobar
===1.0+local === == <1.0.dev1 >1.0.dev1 >1.0a1 <1.0.post1 >1!1.0 ==1!1.* ~=2.2.post3 ~=1.4.5a4
~=2.2.0 ==v1.0 >=V1.0 ~=1.0,!=1.0.3 >=1.0,<2.0,!=1.5.*""".split()
EDGE_SPECS += ["", " ", ",", ",,", ">= 1.0", ">=1.0 , <2", "== 1.0.*", "==1.0 .*", ">=1.0;",
               "=== 1.0", "===1.0 ", "=== 1.0 2", ">=1.0,", ", >=1.0", "=>1.0", "=1.0",
               ">==1.0", "<>1.0", "~=1.0.0", "~=1.0.0.0", "==1.0.*,!=1.0.1", "\t<\t2",
               ">=1.0,>=1.0.0", ">=1.0,>=01.0", "~=1.0,~=1.0.0", "==1.0.*,==1.0.*",
               "===1.0,===1.0", ">=1\u00a0", "\u2003>=1"]

EDGE_REQUIREMENTS = """name name[] name[a] name[a,b] name[a, b] name[a,,b] name[a b] name>=1.0
name(>=1.0) name (>=1.0,<2) name(>=1.0 name>=1.0) name==1.0.* name>=1.0.* name<=1.0+local
name==1.0+local name!=1.0.* name~=1 name===arbitrary name===a,b name@http://x name@ name_ name-
-name .name name. 1name name.1 name[a]>=1;python_version>'3' name@http://x;x name==1.0;
name;os_name=='nt' name; name;; name[a name[a]] name[!]""".split()
EDGE_REQUIREMENTS += [
    "name @ http://example.com/x.whl", "name @ http://example.com/x.whl ; os_name == 'nt'",
    "name @ http://example.com/x.whl; os_name == 'nt'", "name @ http://x @ y",
    "name @ file:///tmp/a b", "  name  [ a , b ]  ( >= 1.0 , < 2 )  ;  os_name == 'nt'  ",
    "name >= 1.0 ; python_version < '3.8' and (os_name == 'nt' or sys_platform == 'linux')",
    "name >= 1.0 ; python_version < \"3.8\"", "name;extra == 'Foo_Bar'", "name;'Foo_Bar' == extra",
    "name; 'Foo' in extras", "name; python_version >= '3' and", "name; (python_version >= '3'",
    "name; python_version >= '3')", "name; python_version", "name; python_version >=",
    "name; os.name == 'nt'", "name; python_implementation == 'CPython'",
    "name; platform.python_implementation == 'CPython'", "name; python_version not in '3.8 3.9'",
    "name; python_version notin '3.8'", "name; python_version not  in '3.8'",
    "name\t>=\t1.0", "name>=1.0\t;\tos_name=='nt'", "name==1.0+ABC", "name~=1.0+abc",
    "name>=1.0abc", "name>=1.0, <2.0, ", "name (>=1.0,)", "name ()", "name()",
    "requests [security,tests] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"",
    "pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686",
    "name; os_name == 'a\\tb'", "name; os_name == 'a\\x41'", "name; os_name == 'a\\x4'",
    "name; os_name == 'unterminated",
    "name; os_name == \"mixed'quotes\"", "name; 'a' == 'b'", "name; python_version == python_version",
    "fooé>=1", "foo-é>=1", "name; python_versionx == '3'", "name; extras == 'a'",
    "name; python_version ~= '3.8'", "name; platform_machine ~= 'x86'",
    "name; python_version === '3.11'", "name; platform_machine === 'x86_64'",
]

EDGE_MARKERS = [
    ('python_version > "3.10"', "python_version=3.9"), ('python_version > "3.10"', ""),
    ('platform_machine >= "x86_64"', ""), ('platform_machine > "a"', ""),
    ('python_version in "2.7 3.9"', "python_version=3.9"), ('python_version ~= "3.8"', "python_version=3.9"),
    ('extra == "Foo_Bar"', "extra=foo-bar"), ('extra == "Foo_Bar"', "extra=FOO.BAR"),
    ('platform_machine ~= "x86"', ""), ('"3.6" < python_version', ""), ('"3.12" < python_version', ""),
    ('python_full_version == "3.11.7+local"', "python_full_version=3.11.7+"),
    ('python_full_version >= "3.11"', "python_full_version=3.11.7+"),
    ('platform_release >= "5"', "platform_release=5.15.0-91-generic"),
    ('platform_release >= "5"', "platform_release=6.1.0"),
    ('platform_release == "5.15.0-91-generic"', "platform_release=5.15.0-91-generic"),
    ('platform_version >= "1"', ""), ('implementation_version >= "3.11"', ""),
    ('python_version == "3.*"', ""), ('python_version != "3.11.*"', ""),
    ('python_version >= "3.11a1"', "python_version=3.11"),
    ('python_full_version < "3.12"', "python_full_version=3.12.0rc1"),
    ('os_name == "posix" and sys_platform == "linux" or os_name == "nt"', ""),
    ('os_name == "nt" or sys_platform == "linux" and os_name == "posix"', ""),
    ('(os_name == "nt" or sys_platform == "linux") and os_name == "nt"', ""),
    ('os_name == "nt" and platform_machine ~= "x"', ""),
    ('os_name == "posix" or platform_machine ~= "x"', ""),
    ('extra == "test"', ""), ('extra == ""', ""), ('extra != "test"', "extra=test"),
    ('"test" == extra', "extra=Test"), ('extra == "v2"', "extra=v2"), ('extra == "v2.0"', "extra=v2"),
    ('sys.platform == "linux"', ""), ('os.name == "posix"', ""),
    ('python_implementation == "CPython"', ""), ('platform.machine in "x86_64 aarch64"', ""),
    ('python_version not in "3.10 3.12"', ""), ('"linux" in sys_platform', ""),
    ('"" in os_name', ""), ('python_version == "3.11 "', ""), ('python_version == " 3.11"', ""),
    ('python_version === "3.11"', ""), ('python_version === "3.11.0"', ""),
    ('implementation_name === "cpython"', ""), ('"python_version" == "3.11"', ""),
    ('"3.11" == "python_version"', ""), ('"a" == "b"', ""),
    ('python_version == python_full_version', ""), ('python_version < "3.8" and', ""),
    ('(python_version < "3.8"', ""), ('python_version < "3.8")', ""), ('python_version <> "3"', ""),
    ('python_version = "3"', ""), ('python_version', ""), ('python_version <', ""),
    ('"3" <', ""), ('unknown == "3"', ""), ('python_version == 3', ""), ("", ""),
    ('python_version == "3" or', ""), ('python_version == "3" andos_name == "nt"', ""),
    ('python_version == "3"and os_name == "nt"', ""), ('(((python_version == "3.11")))', ""),
    ('python_version=="3.11"or(os_name=="nt")', ""), ('os_name == "a\\x41"', ""),
    ('os_name == "\\u0041"', ""), ('os_name == "\\101"', ""), ('os_name == "\\d"', ""),
    ('os_name == "\\U00110000"', ""), ('os_name == "\\x4g"', ""), ("os_name == 'posix'", ""),
    ('os_name == "po\\\nsix"', ""), ('"Foo" in extras', ""), ('dependency_groups == "a"', ""),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tests", required=True)
    ap.add_argument("--head-src", required=True)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "fixtures"))
    args = ap.parse_args()
    sys.path.insert(0, args.head_src)
    o = xc.Oracle("packaging")
    from packaging.version import Version, InvalidVersion
    from packaging.specifiers import SpecifierSet, InvalidSpecifier

    def valid_version(s):
        try:
            Version(s)
            return True
        except InvalidVersion:
            return False

    def valid_spec(s):
        try:
            SpecifierSet(s)
            return True
        except InvalidSpecifier:
            return False

    vt, vstrings = tables(os.path.join(args.tests, "test_version.py"))
    st, sstrings = tables(os.path.join(args.tests, "test_specifiers.py"))
    mt, mstrings = tables(os.path.join(args.tests, "test_markers.py"))
    rt, rstrings = tables(os.path.join(args.tests, "test_requirements.py"))

    def uniq(xs):
        return list(dict.fromkeys(xs))

    header = ("# Generated by scripts/gen-pep-fixtures.py from packaging %s: inputs from\n"
              "# packaging's test tables, the PEPs and our edge cases; answers as packaging\n"
              "# gives them. Fields are tab-separated; \\t \\n \\s \\\\ \\xNN escapes.\n" % o.release)
    os.makedirs(os.path.join(args.out, "pep440"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "pep508"), exist_ok=True)

    def write(path, doc, rows):
        with open(os.path.join(args.out, path), "w", encoding="utf-8") as f:
            f.write(header + doc)
            for r in rows:
                f.write(r + "\n")
        print(path, len(rows))

    # versions: every string of test_version.py and the edge cases
    versions = uniq([s for s in vstrings if len(s) < 80] + EDGE_VERSIONS)
    write("pep440/versions.txt",
          "# input  ok  str  public  base_version  is_prerelease  is_postrelease  is_devrelease\n"
          "# input  invalid\n",
          [xc.line(v) + "\t" + o.run(("V", v)) for v in versions])

    # ordered: the VERSIONS table (strictly increasing) and PEP 440's example
    ordered = next(rows[0] for name, rows in vt if name == "<module>" and len(rows[0]) > 50)
    pep = ("1.dev0 1.0.dev456 1.0a1 1.0a2.dev456 1.0a12.dev456 1.0a12 1.0b1.dev456 1.0b2 "
           "1.0b2.post345.dev456 1.0b2.post345 1.0rc1.dev456 1.0rc1 1.0 1.0+abc.5 1.0+abc.7 "
           "1.0+5 1.0.post456.dev34 1.0.post456 1.0.15 1.1.dev1").split()
    write("pep440/ordered.txt",
          "# Groups separated by blank-free '%%' lines; within a group every version is\n"
          "# strictly greater than the one before.\n",
          [xc.line(v) for v in ordered] + ["%%"] + pep)

    # comparisons: equalities and near neighbours
    pairs = [("1.0", "1.0.0"), ("1.0", "1"), ("1.0+1", "1+1"), ("1.0+deadbeef.0", "1.0+deadbeef.00"),
             ("1.0+a", "1.0+1"), ("1.0+a.1", "1.0+a"), ("1.0+abc", "1.0+ABC"), ("1.0.dev1", "1.0a0"),
             ("1.0a1.post1", "1.0a1"), ("1.0.post1.dev1", "1.0"), ("1!0", "9999"),
             ("1.0", "1.0+local"), ("0.0", "0"), ("1.0a", "1.0a0"), ("1.0c1", "1.0rc1"),
             ("1.99999999999999999999", "1.100000000000000000000"),
             ("1.18446744073709551616", "1.18446744073709551615"),
             ("1.000000000000000000000000001", "1.1"), ("1.0+0001", "1.0+1")]
    for a, b in itertools.combinations(ordered[::7], 2):
        pairs.append((a, b))
    write("pep440/compare.txt", "# a  b  sign(a - b)\n",
          [xc.line(a, b) + "\t" + o.run(("C", a, b)) for a, b in pairs])

    # specifier sets: the strings of test_specifiers.py that mention an operator
    ops = ("==", "!=", "<", ">", "~=", "===")
    specs = uniq([s for s in sstrings if len(s) < 80 and any(p in s for p in ops)] + EDGE_SPECS)
    write("pep440/specsets.txt", "# input  ok  str  prereleases(1|-1)\n# input  invalid\n",
          [xc.line(s) + "\t" + o.run(("S", s)) for s in specs])

    # contains: every (spec, version) and (version, spec) pair in the specifier
    # tables, in the three pre-release modes
    rows = []
    seen = set()
    for name, table in st:
        for row in table:
            strs = [x for x in flat_strings(row)]
            for a, b in itertools.permutations(strs[:4], 2):
                if not any(a.lstrip().startswith(p) for p in ops) or not valid_spec(a):
                    continue
                if any(b.lstrip().startswith(p) for p in ops) or len(b) > 60:
                    continue
                for mode in ("-1", "0", "1"):
                    if (a, b, mode) in seen:
                        continue
                    seen.add((a, b, mode))
                    rows.append(xc.line(a, b, mode) + "\t" + o.run(("M", a, b, mode)))
    for s in EDGE_SPECS:
        if not valid_spec(s):
            continue
        base = s.split(",")[0].lstrip("=!<>~ \t").replace(".*", "") or "1.0"
        for v in uniq([base, "1.0", "1.0a1", "1.0.post1", "1.0+local", "1.0.dev0", "2.0", "0.9",
                       "1.0.1", "1.1a1", "foobar", "1.0.0"]):
            for mode in ("-1", "0", "1"):
                if (s, v, mode) not in seen:
                    seen.add((s, v, mode))
                    rows.append(xc.line(s, v, mode) + "\t" + o.run(("M", s, v, mode)))
    write("pep440/contains.txt",
          "# specifiers  version  prereleases(-1 default, 0 no, 1 yes)  contains(1|0)\n", rows)

    # filter: tables whose rows hold a list of versions
    rows = []
    for name, table in st:
        for row in table:
            if not isinstance(row, tuple):
                continue
            lists = [x for x in row if isinstance(x, list) and all(isinstance(i, str) for i in x)]
            specs_ = [x for x in row if isinstance(x, str) and valid_spec(x)]
            if not lists or not specs_ or not lists[0]:
                continue
            for mode in ("-1", "0", "1"):
                ans = o.run(("F", specs_[0], mode, *lists[0]))
                if ans.startswith("ok"):
                    rows.append(xc.line(specs_[0], mode, ans.split("\t", 1)[1] or "-", *lists[0]))
    write("pep440/filter.txt",
          "# specifiers  prereleases  indices-kept(comma, - for none)  version...\n",
          uniq(rows))

    # requirements
    reqs = uniq([s for s in rstrings + mstrings if 0 < len(s) < 200 and s[0].isalnum()
                 and not s.startswith("test")] + EDGE_REQUIREMENTS)
    write("pep508/requirements.txt",
          "# input  ok  name  normalized  extras  specifiers  url  marker  str   (- for none)\n"
          "# input  error  column (1-based, - when packaging gives none)\n",
          [xc.line(r) + "\t" + o.run(("R", r)) for r in reqs])

    # markers: test_markers.py strings with each environment found there
    envs = [""]
    for name, table in mt:
        for row in table:
            for x in (row if isinstance(row, tuple) else (row,)):
                if isinstance(x, dict) and all(isinstance(v, str) for v in x.values()):
                    envs.append(";".join("%s=%s" % kv for kv in x.items()))
    envs = uniq(envs)[:12]
    rows = []
    for name, table in mt:
        for row in table:
            cand = [x for x in flat_strings(row) if ("=" in x or " in " in x or "(" in x)]
            for m in cand[:2]:
                for env in envs[:4]:
                    pairs = [p for p in env.split(";") if p]
                    rows.append(xc.line(m, env or "-") + "\t" + o.run(("K", m, *pairs)))
    for m, env in EDGE_MARKERS:
        pairs = [p for p in env.split(";") if p]
        rows.append(xc.line(m, env or "-") + "\t" + o.run(("K", m, *pairs)))
    write("pep508/markers.txt",
          "# marker  environment(k=v;k=v over the base below, - for none)  ok  str  result(1|0|error)\n"
          "# marker  environment  error  column\n"
          "# base: " + " ".join("%s=%s" % kv for kv in xc.BASE_ENV.items()) + "\n",
          uniq(rows))


if __name__ == "__main__":
    main()
