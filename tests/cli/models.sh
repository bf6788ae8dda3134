#!/bin/sh
# Models and datasets end to end: lock and fetch from the fake Hub, then the
# published trees and the Hub cache layout, checked byte for byte.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/hubserver.sh"

hub_start || { echo "Bail out! the fake Hub did not start"; exit 1; }
FX="$top_srcdir/fixtures/hub"
mkdir -p "$T/p"
cat > "$T/p/airlock.yaml" <<YAML
version: 1
bundle: models
models:
  - repo: tiny-org/tiny-bert
    include: ["*.json", "*.txt", "*.safetensors"]
  - repo: tiny-org/tiny-bert
    revision: v1.0
  - repo: tiny-org/sharded
  - repo: tiny-org/odd-names
  - repo: gated-org/gated-model
datasets:
  - repo: tiny-org/tiny-sst2
hub:
  endpoint: $HUB_URL
  token-env: DEMO_TOKEN
YAML
run "$AIRLOCK" lock -f "$T/p/airlock.yaml"
ok '[ "$status" -ne 0 ]' "a gated repo without a token fails"
like "$err" "gated" "with the gated message"
like "$err" "DEMO_TOKEN" "naming the manifest's token variable"
export DEMO_TOKEN=hf_test_token
run "$AIRLOCK" lock -f "$T/p/airlock.yaml"
is "$status" 0 "lock with a token"
[ "$status" -eq 0 ] || echo "# $err"
like "$out" "6 repos" "six repos pinned"
ok '! grep -q hf_test_token "$T/p/airlock.lock"' "the token is not in the lock"
run "$PYTHON3" -c '
import sys, yaml
l = yaml.safe_load(open(sys.argv[1]))
c = {(r["repo"], r["revision"]): r["commit"] for r in l["repos"]}
print(c[("tiny-org/tiny-bert", "main")][:12], c[("tiny-org/tiny-bert", "v1.0")][:12])
for r in l["repos"]:
    for f in r["files"]:
        assert len(f["sha256"]) == 64 and f["size"] >= 0, f
' "$T/p/airlock.lock"
is "$out" "95ebd1416885 09e5b71513c6" "branches and tags resolve to their commits"

run "$AIRLOCK" fetch -f "$T/p/airlock.yaml" --locked
is "$status" 0 "fetch the repos"
[ "$status" -eq 0 ] || echo "# $err"
ok '! grep -q "\"auth\": true.*cdn" "$HUB_LOG"' "no Authorization header reached the CDN"
run "$AIRLOCK" store verify
is "$status" 0 "the store verifies clean"
run "$AIRLOCK" publish -o "$T/pub"
is "$status" 0 "publish"
ok 'diff -r "$FX/models/tiny-org/sharded/commits/c1" "$T/pub/models/tiny-org/sharded" >/dev/null' \
	"models/ holds the sharded repo byte for byte"
ok 'diff -r "$FX/models/tiny-org/odd-names/commits/c1" "$T/pub/models/tiny-org/odd-names" >/dev/null' \
	"and the odd names"
ok 'diff -r "$FX/datasets/tiny-org/tiny-sst2/commits/c1" "$T/pub/datasets/tiny-org/tiny-sst2" >/dev/null' \
	"datasets/ holds the dataset"
for spec in "tiny-org/tiny-bert main" "tiny-org/tiny-bert v1.0" "tiny-org/sharded main"; do
	set -- $spec
	run "$PYTHON3" "$top_srcdir/scripts/hub-cache-check.py" "$T/pub/hf/hub" --repo "$1" --revision "$2" \
		--fixtures "$FX" $( [ "$2" = main ] && [ "$1" = tiny-org/tiny-bert ] && echo --include '*.json' --include '*.txt' --include '*.safetensors')
	is "$status" 0 "the Hub cache layout of $1@$2 passes the lookup rules and matches the fixture"
	[ "$status" -eq 0 ] || echo "# $err"
done
run "$PYTHON3" "$top_srcdir/scripts/hub-cache-check.py" "$T/pub/hf/hub" --repo tiny-org/tiny-sst2 \
	--type dataset --revision main --fixtures "$FX"
is "$status" 0 "and of the dataset"

# the branch moves: fetch --locked notices
"$PYTHON3" - "$T/p/airlock.lock" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace('commit: "95ebd1416885ac5cf94771e248531dd5ace4e9db"', 'commit: "26b5307419c704ee3ac764dcce298daf00b3f8be"', 1)
open(p, "w").write(s)
PY
run "$AIRLOCK" fetch -f "$T/p/airlock.yaml" --locked
is "$status" 1 "fetch --locked refuses a lock whose branch has moved"
like "$err" "'main' now points to 95ebd1416885" "saying where it points now"
finish
