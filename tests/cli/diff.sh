#!/bin/sh
# airlock diff: two locks of one bundle from the fixture index and the fake
# Hub (a project upgraded, one removed, a model moved to another commit),
# the same two as signed media, and as a bundle and its successor in an
# isolated store; the text, --json, the exit status and the delta bytes
# against what export --since carries.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"
. "$top_srcdir/tests/helpers/hubserver.sh"

fixture_wheels "$T/wheels" >/dev/null || { echo "Bail out! cannot build fixture wheels"; exit 1; }
indexserver_start "$FIXTURE_WHEELS" || { echo "Bail out! index server did not start"; exit 1; }
hub_start || { echo "Bail out! the fake Hub did not start"; exit 1; }
export AIRLOCK_STORE="$T/store" AIRLOCK_KEYGEN_KDF=interactive
"$AIRLOCK" keygen -W -o "$T/ops" >/dev/null 2>&1

manifest() { # DIR TOP-VERSION MODEL-REVISION
	mkdir -p "$1"
	cat > "$1/airlock.yaml" <<YAML
version: 1
bundle: lic
python:
  index-url: $INDEX_URL/simple/
  targets: [{python-version: "3.11", platforms: [manylinux_2_28_x86_64]}]
  requirements: ["lic-top==$2"]
models:
  - repo: tiny-org/tiny-bert
    revision: $3
hub:
  endpoint: $HUB_URL
YAML
}
manifest "$T/p1" 1.0 v1.0
manifest "$T/p2" 2.0 main
run "$AIRLOCK" lock -f "$T/p1/airlock.yaml"
is "$status" 0 "lock the old"
run "$AIRLOCK" fetch -f "$T/p1/airlock.yaml"
run "$AIRLOCK" export -o "$T/m1" --key "$T/ops.key"
is "$status" 0 "export the old"
run "$AIRLOCK" lock -f "$T/p2/airlock.yaml"
is "$status" 0 "lock the new"
run "$AIRLOCK" fetch -f "$T/p2/airlock.yaml"
run "$AIRLOCK" export -o "$T/m2" --key "$T/ops.key" --since "$T/m1"
is "$status" 0 "export the new as a delta"

run "$AIRLOCK" diff "$T/p1/airlock.lock" "$T/p1/airlock.lock"
is "$status" 0 "a lock against itself: exit 0"
is "$out" "no differences" "saying so"

run "$AIRLOCK" diff "$T/p1/airlock.lock" "$T/p2/airlock.lock"
is "$status" 1 "two locks that differ: exit 1"
like "$out" "^target cp311-manylinux_2_28_x86_64: changed" "per target"
like "$out" "upgraded +lic-top 1.0 -> 2.0" "an upgrade, old -> new"
like "$out" "upgraded +lic-expr 1.0 -> 2.0" "the dependency upgraded with it"
like "$out" "removed +lic-none 1.0" "a project removed"
like "$out" "\+ lic_top-2.0-py3-none-any.whl" "a file added"
like "$out" "- lic_none-1.0-py3-none-any.whl" "a file removed"
like "$out" "model tiny-org/tiny-bert: changed, 09e5b71513c6 -> 95ebd1416885" "the model's commits"
like "$out" "\+ special_tokens_map.json" "a model file added"
like "$out" "~ README.md" "a model file changed"
like "$out" "^delta: [0-9]+ objects" "the delta"

run "$AIRLOCK" diff "$T/p2/airlock.lock" "$T/p1/airlock.lock"
is "$status" 1 "the other way"
like "$out" "downgraded lic-top 2.0 -> 1.0" "a downgrade"
like "$out" "added +lic-none 1.0" "and the project added back"

run "$AIRLOCK" --json diff "$T/p1/airlock.lock" "$T/p2/airlock.lock"
is "$status" 1 "--json: exit 1 too"
printf '%s\n' "$out" > "$T/locks.json"
run "$PYTHON3" - "$T/locks.json" "$T/m2/airlock-media.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = json.load(open(sys.argv[2]))
t = r["targets"][0]
repo = r["repos"][0]
print(r["equal"], [u["name"] for u in t["upgraded"]], [x["name"] for x in t["removed"]],
      sorted(f["path"] for f in repo["files_added"]))
objs = m["objects"]
# the delta medium carries exactly the objects diff counts; the ones diff
# cannot size are the PEP 658 sidecars, the rest add up to its bytes
print(r["delta"]["objects"] == len(objs),
      r["delta"]["bytes"] <= sum(o["size"] for o in objs),
      r["delta"]["objects"] - r["delta"]["unknown_size"] >= 1)
PY
is "$out" "False ['lic-expr', 'lic-top'] ['lic-none'] ['special_tokens_map.json', 'tokenizer_config.json']
True True True" "one JSON object; the delta matches what export --since carried"

run "$AIRLOCK" --json diff "$T/m1" "$T/m2"
is "$status" 1 "two media"
printf '%s\n' "$out" > "$T/media.json"
run "$PYTHON3" -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
print(b.pop("old_seq") < b.pop("new_seq"), a == b)' "$T/locks.json" "$T/media.json"
is "$out" "True True" "the same answer as for their locks, with the seqs"

B="$T/isolated"
"$AIRLOCK" --store "$B" trust add "$T/ops.pub" >/dev/null
"$AIRLOCK" --store "$B" import "$T/m1" >/dev/null
s1=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$T/m1/airlock-media.json")
s2=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$T/m2/airlock-media.json")
run "$AIRLOCK" --store "$B" import "$T/m2"
is "$status" 0 "import both"
run "$AIRLOCK" --store "$B" --json diff "lic@$s1" "lic@$s2"
is "$status" 1 "a bundle and its successor in the store"
printf '%s\n' "$out" > "$T/store.json"
run "$PYTHON3" -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
print(b.pop("old_seq"), b.pop("new_seq"), a == b)' "$T/locks.json" "$T/store.json"
is "$out" "$s1 $s2 True" "the same answer again"
run "$AIRLOCK" --store "$B" diff "lic@$s2" lic
is "$status" 0 "NAME@SEQ of the last import against NAME: the same"
run "$AIRLOCK" --store "$B" diff "$T/m2" lic
is "$status" 0 "a medium against the bundle it imported"

run "$AIRLOCK" diff "$T/p1/airlock.lock"
is "$status" 2 "one side only: a usage error"
run "$AIRLOCK" diff "$T/p1/airlock.lock" "$T/nothing-here"
is "$status" 3 "a side that is nothing: an error"
like "$err" "'.*nothing-here' is no lock file, medium directory or bundle in the store" "saying what it needs"
run "$AIRLOCK" --store "$B" diff "lic@1" lic
is "$status" 3 "a seq never imported"
mkdir "$T/notmedia"
run "$AIRLOCK" diff "$T/notmedia" "$T/p1/airlock.lock"
is "$status" 3 "a directory that is no medium"
printf '{"format": "airlock-media/1", "id": 7}' > "$T/notmedia/airlock-media.json"
run "$AIRLOCK" diff "$T/notmedia" "$T/p1/airlock.lock"
is "$status" 3 "a hostile medium manifest is refused"
like "$err" "bad media id" "with import's checks"

finish
