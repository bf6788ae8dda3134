#!/bin/sh
# Sizes when the index gives none (PEP 503 HTML has no sizes): fetch counts
# Content-Length, then the real size, and the bundle records the real size,
# so progress, the fetch summary and ls never say "0 B" for such files.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

fixture_wheels "$T/wheels" >/dev/null || { echo "Bail out! cannot build fixture wheels"; exit 1; }
indexserver_start --html-only "$FIXTURE_WHEELS" || { echo "Bail out! index server did not start"; exit 1; }
F=$FIXTURE_WHEELS/files
index_manifest "$T/p/airlock.yaml" sizes "demo-data==1.0"

export AIRLOCK_STORE="$T/store"
run "$AIRLOCK" lock -f "$T/p/airlock.yaml"
is "$status" 0 "lock against an HTML index"
[ "$status" -eq 0 ] || echo "# $err" | head -5
# demo-data 1.0 is 300 KiB with a PEP 658 sidecar: lock reads only the sidecar,
# so nothing tells it the wheel's size
ok '! grep -q "size:" "$T/p/airlock.lock"' "the lock has no size for it (the index gave none)"

REAL=$(stat -c %s "$F/demo_data-1.0-py3-none-any.whl")
run "$AIRLOCK" --json fetch -f "$T/p/airlock.yaml"
is "$status" 0 "fetch"
[ "$status" -eq 0 ] || echo "# $err" | head -5
bytes=$(printf '%s\n' "$out" | "$PYTHON3" -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin if l.strip()]
print([e for e in ev if e.get("event") == "fetch"][-1]["bytes"])')
is "$bytes" "$REAL" "the fetch summary counts the real size ($REAL bytes), not 0"
run "$AIRLOCK" --json ls
bytes=$(printf '%s\n' "$out" | "$PYTHON3" -c '
import json, sys
print([json.loads(l) for l in sys.stdin if l.strip()][-1]["bytes"])')
is "$bytes" "$REAL" "ls counts it too"
run "$AIRLOCK" ls
like "$out" "sizes: 1 target, 1 distributions, 0 repos with 0 files, 30[0-9](\\.[0-9])? KiB" "in words"

finish
