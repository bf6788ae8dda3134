#!/bin/sh
# airlock sbom: a multi-target bundle from the fixture index and the fake Hub,
# locked and fetched, its SBOM checked against the official CycloneDX 1.6
# schema and against the lock (every file once per target with its hash and
# purl, every repo file once), the licence cases (PEP 639, classifiers,
# nothing, hostile text, repo cards), byte-identical output; then the SBOM
# in a signed medium, kept by import, published and served.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"
. "$top_srcdir/tests/helpers/hubserver.sh"
. "$top_srcdir/tests/helpers/servestart.sh"

# the official schemas sit beside the checkout (CYCLONEDX_SCHEMAS overrides);
# without them the schema checks skip
SCHEMAS=${CYCLONEDX_SCHEMAS:-$top_srcdir/../shared/vendor/schemas/cyclonedx}
[ -d "$SCHEMAS" ] || SCHEMAS=$top_srcdir/../../shared/vendor/schemas/cyclonedx
validate() { # FILE: prints "valid", exit 77 when the schemas are missing
	"$PYTHON3" "$top_srcdir/tests/helpers/cdx-validate.py" "$SCHEMAS" "$1"
}
is_valid() { # FILE NAME
	run validate "$1"
	if [ "$status" -eq 77 ]; then
		skip "$out"
	else
		is "$out" "valid" "$2"
		[ "$out" = valid ] || echo "# $out"
	fi
}

fixture_wheels "$T/wheels" >/dev/null || { echo "Bail out! cannot build fixture wheels"; exit 1; }
indexserver_start "$FIXTURE_WHEELS" || { echo "Bail out! index server did not start"; exit 1; }
hub_start || { echo "Bail out! the fake Hub did not start"; exit 1; }
export AIRLOCK_STORE="$T/store"

mkdir -p "$T/p"
cat > "$T/p/airlock.yaml" <<YAML
version: 1
bundle: lic
python:
  index-url: $INDEX_URL/simple/
  targets:
    - python-version: "3.11"
      platforms: [manylinux_2_28_x86_64]
    - python-version: "3.12"
      platforms: [macosx_11_0_arm64]
  requirements: ["lic-top==1.0", "airdemo"]
models:
  - repo: tiny-org/tiny-bert
datasets:
  - repo: tiny-org/tiny-sst2
hub:
  endpoint: $HUB_URL
YAML
run "$AIRLOCK" lock -f "$T/p/airlock.yaml"
is "$status" 0 "lock a two-target bundle with a model and a dataset"
[ "$status" -eq 0 ] || echo "# $err"

# before fetch: the SBOM is whole, its licences out of what lock left in
# the store (each file's METADATA: the file, its sidecar, or what a range
# read kept; the repo cards)
run "$AIRLOCK" sbom -f "$T/p/airlock.yaml" -o "$T/nofetch.json"
is "$status" 0 "sbom before fetch"
is "$err" "" "no warnings: lock left every licence source in the store"
is_valid "$T/nofetch.json" "and validates"

run "$AIRLOCK" fetch -f "$T/p/airlock.yaml"
is "$status" 0 "fetch"
run "$AIRLOCK" sbom -f "$T/p/airlock.yaml" -o "$T/a.json"
is "$status" 0 "sbom -f after fetch"
is "$err" "" "no warnings once every file is in the store"
is_valid "$T/a.json" "the multi-target SBOM validates against CycloneDX 1.6"
run "$AIRLOCK" sbom -f "$T/p/airlock.yaml"
printf '%s\n' "$out" > "$T/b.json"
ok 'cmp -s "$T/a.json" "$T/b.json"' "byte-identical on a second run (and to standard output)"
ok 'cmp -s "$T/a.json" "$T/nofetch.json"' "and to the SBOM written before fetch"
# a store that never saw the lock: the SBOM is whole, without licences
"$AIRLOCK" --store "$T/empty-store" init >/dev/null
run "$AIRLOCK" --store "$T/empty-store" sbom -f "$T/p/airlock.yaml" -o "$T/nostore.json"
is "$status" 0 "sbom with a store that has none of the files"
like "$err" "is not in the store: no licence" "warns that licences need the files"
is_valid "$T/nostore.json" "and still validates"

run "$PYTHON3" - "$T/p/airlock.lock" "$T/a.json" <<'PY'
import json, sys, urllib.parse, yaml
lock = yaml.safe_load(open(sys.argv[1]))
bom = json.load(open(sys.argv[2]))
bad = []
comps = {c["name"]: c for c in bom["components"]}
for t in lock["targets"]:
    tc = comps.get(t["name"])
    if not tc or tc["type"] != "platform":
        bad.append("no platform component for " + t["name"]); continue
    kids = tc["components"]
    for d in t["distributions"]:
        m = [k for k in kids if k["properties"][0]["value"] == d["filename"]]
        if len(m) != 1:
            bad.append("%s: %s appears %d times" % (t["name"], d["filename"], len(m))); continue
        k = m[0]
        purl = "pkg:pypi/%s@%s?file_name=%s" % (d["name"], urllib.parse.quote(d["version"], safe=""),
                                               urllib.parse.quote(d["filename"], safe=""))
        if k["purl"] != purl: bad.append("purl %s != %s" % (k["purl"], purl))
        if k["hashes"] != [{"alg": "SHA-256", "content": d["sha256"]}]: bad.append("hash of " + d["filename"])
        if k["type"] != "library": bad.append("type of " + d["filename"])
    if len(kids) != len(t["distributions"]) + len(t.get("build-distributions", [])):
        bad.append("%s: %d components for %d files" % (t["name"], len(kids), len(t["distributions"])))
for r in lock["repos"]:
    c = [c for c in bom["components"] if c["name"] == r["repo"]]
    if len(c) != 1: bad.append("repo " + r["repo"]); continue
    c = c[0]
    ns, name = r["repo"].split("/")
    if c["purl"] != "pkg:huggingface/%s/%s@%s" % (ns, name, r["commit"]): bad.append("purl " + c["purl"])
    want = {"model": "machine-learning-model", "dataset": "data"}[r["type"]]
    if c["type"] != want: bad.append("type " + c["type"])
    files = {f["name"]: f for f in c["components"]}
    if len(files) != len(r["files"]) or len(c["components"]) != len(r["files"]): bad.append("files of " + r["repo"])
    for f in r["files"]:
        if files.get(f["path"], {}).get("hashes") != [{"alg": "SHA-256", "content": f["sha256"]}]:
            bad.append("hash of " + f["path"])
refs = [c["bom-ref"] for c in bom["components"]] + [k["bom-ref"] for c in bom["components"]
        if c["type"] == "platform" for k in c["components"]]
deps = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
if set(deps) != set(refs) | {"bundle"}: bad.append("dependencies do not cover every component")
md = bom["metadata"]
if md["component"]["name"] != "lic" or md["tools"]["components"][0]["name"] != "airlock":
    bad.append("metadata")
print("\n".join(bad) or "ok")
PY
is "$out" "ok" "every locked file once per target, every repo file once, hashes, purls, graph"

lic() { # TARGET-INDEX PROJECT: its licences as compact JSON
	"$PYTHON3" -c '
import json, sys
bom = json.load(open(sys.argv[1]))
for k in bom["components"][int(sys.argv[2])]["components"]:
    if k["name"] == sys.argv[3]:
        print(json.dumps(k.get("licenses", []), sort_keys=True, separators=(",", ":")))' "$T/a.json" "$@"
}
is "$(lic 0 lic-expr)" '[{"expression":"MIT OR Apache-2.0"}]' "License-Expression (PEP 639) as an SPDX expression"
is "$(lic 0 lic-classic)" '[{"license":{"id":"MIT"}},{"license":{"name":"BSD License"}}]' \
	"classifiers: MIT as an id, the ambiguous BSD License as a name"
is "$(lic 0 lic-none)" '[]' "no licence: none invented"
h=$(lic 0 lic-hostile)
ok '! printf "%s" "$h" | grep -q "\\\\u001b\|\\\\u0007"' "control characters do not reach the SBOM"
like "$h" '"name":"\[31mEvil \\"licence\\" <b> line two x+\.\.\."' "hostile License text: one line, cut, marked"
is "$(lic 1 lic-expr)" '[{"expression":"MIT OR Apache-2.0"}]' "the second target has its own components"
run "$PYTHON3" -c '
import json, sys
bom = json.load(open(sys.argv[1]))
for c in bom["components"]:
    if c["type"] != "platform":
        print(c["type"], json.dumps(c.get("licenses"), separators=(",", ":")))' "$T/a.json"
like "$out" 'machine-learning-model \[\{"license":\{"id":"Apache-2.0"\}\}\]' "the model's licence from its card"
like "$out" 'data \[\{"license":\{"id":"CC-BY-4.0"\}\}\]' "the dataset's licence from its card"

# the demo's bundle (scripts/demo.sh): airdemo[full] for one target, the
# model's weights and tokenizer
mkdir -p "$T/demo"
cat > "$T/demo/airlock.yaml" <<YAML
version: 1
bundle: demo
python:
  index-url: $INDEX_URL/simple/
  targets: [{python-version: "3.11", platforms: [manylinux_2_28_x86_64]}]
  requirements: ["airdemo[full]"]
models:
  - repo: tiny-org/tiny-bert
    revision: main
    include: ["*.json", "*.txt", "*.safetensors"]
hub:
  endpoint: $HUB_URL
YAML
run "$AIRLOCK" lock -f "$T/demo/airlock.yaml"
is "$status" 0 "lock the demo's bundle"
run "$AIRLOCK" sbom -f "$T/demo/airlock.yaml" -o "$T/demo1.json"
is "$status" 0 "its SBOM"
is_valid "$T/demo1.json" "  validates against CycloneDX 1.6"
run "$AIRLOCK" sbom -f "$T/demo/airlock.yaml" -o "$T/demo2.json"
ok 'cmp -s "$T/demo1.json" "$T/demo2.json"' "  byte-identical on a second run"
run "$PYTHON3" - "$T/demo/airlock.lock" "$T/demo1.json" <<'PY'
import json, sys, yaml
lock = yaml.safe_load(open(sys.argv[1]))
bom = json.load(open(sys.argv[2]))
files = [(k["properties"][0]["value"], k["hashes"][0]["content"]) for c in bom["components"]
         if c["type"] == "platform" for k in c["components"]]
repo = [c for c in bom["components"] if c["type"] == "machine-learning-model"]
print(sorted(files) == sorted((d["filename"], d["sha256"]) for d in lock["targets"][0]["distributions"]),
      len(repo) == 1 and sorted((f["name"], f["hashes"][0]["content"]) for f in repo[0]["components"]) ==
      sorted((f["path"], f["sha256"]) for f in lock["repos"][0]["files"]))
PY
is "$out" "True True" "  every file of the lock once, with its hash"

# a file path may hold what JSON need not escape: a C1 control (CSI) and
# quotes. The SBOM escapes it (\u009b), so that printing the SBOM sends no
# control to the terminal, and keeps the exact name
mkdir -p "$T/h"
"$PYTHON3" - "$T/p/airlock.lock" "$T/h/airlock.lock" <<'PY'
import sys
s = open(sys.argv[1]).read()
old = 'path: "config.json"'
assert old in s
open(sys.argv[2], "w").write(s.replace(old, r'path: "con\u009b31m\"fig\".json"', 1))
PY
run "$AIRLOCK" sbom -f "$T/h/airlock.yaml" -o "$T/hostile.json"
is "$status" 0 "sbom of a lock with a file path holding a C1 control and quotes"
is_valid "$T/hostile.json" "  validates"
ok '! grep -q "$(printf "\302\233")" "$T/hostile.json"' "  the control is not written raw"
ok 'grep -q "\"con\\\\u009b31m\\\\\"fig\\\\\".json\"" "$T/hostile.json"' "  but escaped"
run "$PYTHON3" -c '
import json, sys
bom = json.load(open(sys.argv[1]))
print([f["name"] for c in bom["components"] for f in c.get("components", []) if f["name"].startswith("con")])' "$T/hostile.json"
is "$out" "['con\\x9b31m\"fig\".json']" "  and the name is exact"

run "$AIRLOCK" sbom --bundle lic -o "$T/bundle.json"
is "$status" 0 "sbom --bundle on the connected side"
ok 'cmp -s "$T/a.json" "$T/bundle.json"' "the same bytes as from the lock file"
run "$AIRLOCK" sbom --bundle nope
is "$status" 3 "an unknown bundle fails"
like "$err" "no bundle 'nope'" "saying so"
run "$AIRLOCK" sbom -f "$T/p/airlock.yaml" --bundle lic
is "$status" 2 "-f and --bundle exclude each other"

# ---- across the gap ---------------------------------------------------------------
export AIRLOCK_KEYGEN_KDF=interactive
"$AIRLOCK" keygen -W -o "$T/ops" >/dev/null 2>&1
run "$AIRLOCK" export -o "$T/m1" --key "$T/ops.key"
is "$status" 0 "export"
ok '[ -f "$T/m1/sbom-lic.cdx.json" ]' "the medium carries sbom-lic.cdx.json"
is_valid "$T/m1/sbom-lic.cdx.json" "the medium's SBOM validates"
run "$PYTHON3" -c '
import json, sys, hashlib
m = json.load(open(sys.argv[1] + "/airlock-media.json"))
s = m["sboms"][0]
b = open(sys.argv[1] + "/" + s["name"], "rb").read()
bom = json.loads(b)
props = {p["name"]: p["value"] for p in bom["metadata"]["properties"]}
print(s["bundle"], s["size"] == len(b), s["sha256"] == hashlib.sha256(b).hexdigest(),
      props["airlock:sequence"] == str(m["seq"]), bom["metadata"]["timestamp"] == m["created"])' "$T/m1"
is "$out" "lic True True True True" "the signed manifest names its size and sha256; it names the seq and time"

B="$T/isolated"
"$AIRLOCK" --store "$B" trust add "$T/ops.pub" >/dev/null
cp -r "$T/m1" "$T/bad"
printf ' ' >> "$T/bad/sbom-lic.cdx.json"
run "$AIRLOCK" --store "$B" import "$T/bad"
is "$status" 1 "a changed SBOM file is refused"
like "$err" "sbom-lic.cdx.json: larger than the manifest says|sbom-lic.cdx.json: size or sha256" "naming it"
cp "$T/m1/sbom-lic.cdx.json" "$T/bad/"
"$PYTHON3" -c 'import sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[1],"wb").write(d.replace(b"MIT OR", b"GPL OR"))' \
	"$T/bad/sbom-lic.cdx.json"
run "$AIRLOCK" --store "$B" import "$T/bad"
is "$status" 1 "an SBOM with the same size and other bytes is refused"
like "$err" "size or sha256 does not match" "by its sha256"
run "$AIRLOCK" --store "$B" import "$T/m1"
is "$status" 0 "import"
run "$AIRLOCK" --store "$B" sbom --bundle lic -o "$T/imported.json"
is "$status" 0 "sbom --bundle on the isolated side"
ok 'cmp -s "$T/m1/sbom-lic.cdx.json" "$T/imported.json"' "gives the signed SBOM import kept, byte for byte"
seq=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$T/m1/airlock-media.json")
run "$AIRLOCK" --store "$B" sbom --bundle "lic@$seq" -o "$T/at.json"
is "$status" 0 "sbom --bundle NAME@SEQ"
ok 'cmp -s "$T/m1/sbom-lic.cdx.json" "$T/at.json"' "the same SBOM by its seq"
run "$AIRLOCK" --store "$B" sbom --bundle "lic@1"
is "$status" 3 "a seq never imported fails"
like "$err" "no medium with seq 1 of bundle 'lic'" "saying so"
run "$AIRLOCK" --store "$B" store gc
run "$AIRLOCK" --store "$B" sbom --bundle lic -o "$T/after-gc.json"
ok 'cmp -s "$T/m1/sbom-lic.cdx.json" "$T/after-gc.json"' "gc keeps the SBOM"

run "$AIRLOCK" --store "$B" publish -o "$T/pub"
is "$status" 0 "publish"
ok 'cmp -s "$T/m1/sbom-lic.cdx.json" "$T/pub/sbom/lic.cdx.json"' "publish writes DIR/sbom/<bundle>.cdx.json"
serve_start "$T/pub"
code=$(curl -s -o "$T/served.json" -w '%{http_code} %{content_type}' "$SERVE_URL/sbom/lic.cdx.json")
is "$code" "200 application/json" "serve offers it"
ok 'cmp -s "$T/m1/sbom-lic.cdx.json" "$T/served.json"' "the same bytes"
code=$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/sbom/")
is "$code" "200" "with a listing of sbom/"

# a medium written before airlock had SBOMs ("sboms" and the file removed,
# signed again) still imports; sbom makes one from the lock
"$PYTHON3" - "$T/m1" "$T/old" <<'PY'
import json, shutil, sys
src, dst = sys.argv[1:]
shutil.copytree(src, dst)
m = json.load(open(dst + "/airlock-media.json"))
for s in m.pop("sboms"):
    import os; os.remove(dst + "/" + s["name"])
open(dst + "/airlock-media.json", "w").write(json.dumps(m, sort_keys=True, separators=(",", ":")))
PY
tc=$(sed -n 's/^trusted comment: //p' "$T/m1/airlock-media.json.minisig")
"$top_builddir/tests/unit/msign" sign -t "$tc" "$T/ops.key" "$T/old/airlock-media.json" "$T/old/airlock-media.json.minisig" >/dev/null
C="$T/old-store"
"$AIRLOCK" --store "$C" trust add "$T/ops.pub" >/dev/null
run "$AIRLOCK" --store "$C" import "$T/old"
is "$status" 0 "a medium without SBOMs still imports"
[ "$status" -eq 0 ] || echo "# $err"
run "$AIRLOCK" --store "$C" sbom --bundle lic -o "$T/old.json"
is "$status" 0 "and sbom makes one from its lock"
is_valid "$T/old.json" "which validates"
ok '[ "$(grep -c "\"value\": \"$seq\"" "$T/old.json")" -ge 1 ]' "naming the medium's seq"

finish
