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

n=$(grep -c '^passes valid/' "$T/results")
ok '[ "$n" -ge 8 ]' "at least 8 valid manifests checked ($n)"

finish
