#!/bin/sh
# schema/airlock.schema.json states the rules validate enforces: every valid
# fixture passes it and every invalid one fails it, except the files whose
# first line is "# schema: skip" (not loadable YAML, or a rule only airlock
# can check: caps, duplicate keys, YAML 1.2 scalars, the file system).
. "$(dirname "$0")/lib.sh"

if ! "$PYTHON3" -c 'import jsonschema, yaml' 2>/dev/null; then
	skip "python3 jsonschema and yaml modules are not installed (scripts/install-deps)"
	finish
	exit $?
fi

# One line per file: "valid|invalid|skip NAME [detail]".
"$PYTHON3" - "$top_srcdir/schema/airlock.schema.json" "$FIXTURES/manifests" >"$T/results" 2>"$T/py.err" <<'PY'
import glob, json, os, sys
import jsonschema, yaml

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
print("schema ok")
for kind in ("valid", "invalid"):
    for path in sorted(glob.glob(os.path.join(sys.argv[2], kind, "*.yaml"))):
        name = kind + "/" + os.path.basename(path)
        raw = open(path, "rb").read()
        if raw.startswith(b"# schema: skip"):
            print("skip", name)
            continue
        try:
            doc = json.loads(json.dumps(yaml.safe_load(raw)))
        except Exception as e:
            print("unloadable", name, type(e).__name__)
            continue
        errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
        if errs:
            print("fails", name, "at", "/".join(map(str, errs[0].path)) or "(top)",
                  errs[0].message[:150].replace("\n", " "))
        else:
            print("passes", name)
PY
status=$?
is "$status" 0 "the schema loads and is a valid 2020-12 schema"
[ -s "$T/py.err" ] && sed 's/^/# /' "$T/py.err"
like "$(head -n 1 "$T/results")" '^schema ok' "the checker ran"

while read -r verdict name detail; do
	case "$verdict" in
	schema) continue ;;
	skip) skip "$name is marked '# schema: skip'"; continue ;;
	esac
	case "$name" in
	valid/*) is "$verdict" passes "$name passes the schema" ;;
	invalid/*) is "$verdict" fails "$name fails the schema ($detail)" ;;
	esac
done <"$T/results"

# The schema's patterns and airlock's checks agree on values at the edges.
"$PYTHON3" - "$top_srcdir/schema/airlock.schema.json" "$AIRLOCK" "$T" >"$T/agree" 2>&1 <<'PY'
import json, os, subprocess, sys
import jsonschema

v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
repo = ["gpt2", "org/name", "a/b", "Org_1/my.model-v2", "a.-b", "a__b", "x" * 96,
        "x" * 96 + "/" + "y" * 96, "", "/a", "a/", "a/b/c", "a..b", "a--b", "-a", "a-", ".a",
        "a.", "org/.a", "a b", "x" * 97, "caf\u00e9", "a\\b", "a:b"]
platform = ["manylinux_2_28_x86_64", "manylinux2014_ppc64le", "musllinux_1_2_riscv64",
            "macosx_10_9_universal2", "macosx_14_0_arm64", "win_arm64", "linux_loongarch64",
            "manylinux_9999_0_i686", "manylinux_10000_0_i686", "manylinux_02_28_x86_64",
            "manylinux2010_aarch64", "macosx_14_arm64", "any", "win64", "linux", "manylinux1_i686"]
version = ["3", "3.11", "3.11.9", "2.7", "3.1000", "3.10000", "3.01", "4", "3.11.9.1", "3."]
revision = ["main", "v1.0", "refs/pr/1", "refs/convert/parquet", "a" * 40, "a..b", "a b",
            "-x", "x/", "x.", "a~1", "a//b", "x@{1}", "r" * 255, "r" * 256]
def manifest(model, target):
    return {"version": 1, "bundle": "b",
            "python": {"targets": [target], "requirements": ["x"]},
            "models": [model]}
cases = []
for r in repo:
    cases.append(("repo " + r, manifest({"repo": r}, {"python-version": "3", "platforms": ["win32"]})))
for p in platform:
    cases.append(("platform " + p, manifest({"repo": "o/a"}, {"python-version": "3", "platforms": [p]})))
for pv in version:
    cases.append(("python-version " + pv, manifest({"repo": "o/a"}, {"python-version": pv, "platforms": ["win32"]})))
for rev in revision:
    cases.append(("revision " + rev, manifest({"repo": "o/a", "revision": rev}, {"python-version": "3", "platforms": ["win32"]})))
for name, doc in cases:
    path = os.path.join(sys.argv[3], "agree.yaml")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)   # JSON is YAML
    rc = subprocess.run([sys.argv[2], "validate", "-q", "-f", path],
                        stderr=subprocess.DEVNULL).returncode
    schema_ok = not list(v.iter_errors(doc))
    print("%s\t%s\t%s" % ("agree" if (rc == 0) == schema_ok else "DISAGREE",
                           "valid" if rc == 0 else "invalid", name[:80]))
PY
while IFS="$(printf '\t')" read -r verdict which name; do
	is "$verdict" agree "schema and airlock agree: $name is $which"
done <"$T/agree"

n=$(grep -c '^passes valid/' "$T/results")
ok '[ "$n" -ge 8 ]' "at least 8 valid manifests checked ($n)"

finish
