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

# the bytes that differ for the model: what its new commit's added and
# changed files weigh, out of the two locks
run "$PYTHON3" - "$T/p1/airlock.lock" "$T/p2/airlock.lock" "$T/locks.json" <<'PY'
import json, sys, yaml
old, new = ({f["path"]: f for f in yaml.safe_load(open(p))["repos"][0]["files"]} for p in sys.argv[1:3])
repo = json.load(open(sys.argv[3]))["repos"][0]
want = sum(f["size"] for p, f in new.items() if p not in old or old[p]["sha256"] != f["sha256"])
print(repo["bytes"] == want, sorted(c["path"] for c in repo["files_changed"]) ==
      sorted(p for p in new if p in old and old[p]["sha256"] != new[p]["sha256"]))
PY
is "$out" "True True" "the model's files changed and the bytes that differ match the locks"

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

# a dataset at another commit (locks made from p1's by hand): a file
# added, one removed, one of the same size with other bytes, one grown; a
# path with a C1 control (CSI) and quotes comes out escaped on the terminal
# and exact in --json
"$PYTHON3" - "$T/p1/airlock.lock" "$T/ds-old.lock" "$T/ds-new.lock" <<'PY'
import sys
src, old, new = sys.argv[1:4]
s = open(src).read()
def block(commit, files):
    b = '  - type: "dataset"\n    repo: "tiny-org/tiny-sst2"\n    revision: "main"\n    commit: "%s"\n    files:\n' % (commit * 40)
    for p, size, h in files:
        b += '      - path: "%s"\n        size: %d\n        sha256: "%s"\n        lfs: false\n' % (p, size, h * 64)
    return b
o = block("a", [("README.md", 204, "1"), ("data/train.parquet", 1010, "2"), ("data/validation.csv", 123, "3")])
n = block("b", [("README.md", 204, "4"), ("data/train.parquet", 2000, "5"), (r"data/te\u009b31mst \"x\".csv", 50, "6")])
assert "\nrepos:\n" in s
open(old, "w").write(s.replace("\nrepos:\n", "\nrepos:\n" + o, 1))
open(new, "w").write(s.replace("\nrepos:\n", "\nrepos:\n" + n, 1))
PY
run "$AIRLOCK" diff "$T/ds-old.lock" "$T/ds-new.lock"
is "$status" 1 "a dataset at another commit: exit 1"
is "$out" 'dataset tiny-org/tiny-sst2: changed, aaaaaaaaaaaa -> bbbbbbbbbbbb, 1 added, 1 removed, 2 changed (2.2 KiB)
  + data/te\u009b31mst "x".csv (50 B)
  - data/validation.csv
  ~ README.md (204 B -> 204 B)
  ~ data/train.parquet (1010 B -> 2.0 KiB)
delta: 3 objects, 2.2 KiB' "the commits, the files that differ and their bytes; the targets, equal, are not listed"
ok '! printf "%s" "$out" | grep -q "$(printf "\302\233")"' "  the C1 control is escaped"
run "$AIRLOCK" --json diff "$T/ds-old.lock" "$T/ds-new.lock"
is "$status" 1 "--json: exit 1"
got=$(printf '%s\n' "$out" | "$PYTHON3" -c '
import json, sys
r = json.load(sys.stdin)
d = r["repos"][0]
print(d["type"], d["status"], d["bytes"], r["delta"]["bytes"], [f["path"] for f in d["files_added"]],
      [(f["path"], f["old_size"], f["new_size"]) for f in d["files_changed"]],
      [(f["path"], f["size"]) for f in d["files_removed"]], r["targets"])')
is "$got" "dataset changed 2254 2254 ['data/te\\x9b31mst \"x\".csv'] [('README.md', 204, 204), ('data/train.parquet', 1010, 2000)] [('data/validation.csv', 123)] []" \
	"  one valid object with the exact path and every size"
ok '! printf "%s" "$out" | grep -q "$(printf "\302\233")"' "  and no raw control character"

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
