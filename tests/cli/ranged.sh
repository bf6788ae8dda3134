#!/bin/sh
# Large files as byte ranges over several connections (lib/net/ranged.c),
# through `airlock fetch` against the fake Hub: a 1 MiB LFS file with a
# 256 KiB threshold comes as 8 pieces of 128 KiB. Correct bytes under random
# piece failures, a server that ignores Range (at once, or after a few
# pieces), a signed CDN URL that expires mid-transfer, a kill followed by a
# resume that asks only for the missing piece, and a server whose ETag
# changed between the runs (start over). Counts come from the fake Hub's
# request log ("bytes" = body bytes sent). No timings.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/hubserver.sh"

SIZE=1048576
PIECE=131072
root="$T/hub"
repo="$root/models/test-org/big"
mkdir -p "$repo/commits/c1" "$T/p"
cat > "$repo/repo.json" <<'JSON'
{"commits": [{"label": "c1", "parent": null, "title": "weights", "date": "2024-01-01T00:00:00.000Z"}],
 "description": "ranged downloads", "lfs": {"patterns": ["*.safetensors"]},
 "refs": {"branches": {"main": "c1"}}}
JSON
"$PYTHON3" -c '
import random, sys
sys.stdout.buffer.write(random.Random(4).randbytes(int(sys.argv[1])))' "$SIZE" \
	> "$repo/commits/c1/weights.safetensors"
echo '{"model_type": "test"}' > "$repo/commits/c1/config.json"
big="$repo/commits/c1/weights.safetensors"
sha=$(sha256sum "$big" | cut -c1-64)

# hub [hubserver options]: start the fake Hub on the test repo; HF_ENDPOINT
# points there (the port changes with every start)
hub() {
	hub_start --root "$root" "$@" || return 1
	export HF_ENDPOINT="$HUB_URL"
}

manifest() {
	cat > "$T/p/airlock.yaml" <<YAML
version: 1
bundle: big
models:
  - repo: test-org/big
hub:
  endpoint: $HUB_URL
YAML
}

# fetch [airlock fetch options...]: into a fresh store, with the small threshold
n=0
fetch() {
	n=$((n + 1))
	export AIRLOCK_STORE="$T/store.$n"
	run "$AIRLOCK" fetch -f "$T/p/airlock.yaml" --locked --range-threshold 256K "$@"
}
blob() { echo "$AIRLOCK_STORE/blobs/sha256/$(echo "$sha" | cut -c1-2)/$sha"; }
# cdn_sum FIELD: body bytes the CDN sent for the big file
cdn_bytes() {
	"$PYTHON3" -c '
import json, sys
print(sum(r["bytes"] for r in map(json.loads, open(sys.argv[1]))
          if r["path"].startswith("/cdn/") and "weights" in r["path"]))' "$HUB_LOG"
}
resolves() { grep -c '"path":"/test-org/big/resolve/[^"]*weights' "$HUB_LOG"; }
tmp_left() { ls "$AIRLOCK_STORE/tmp" 2>/dev/null | grep -c '^range-' ; }

# ---- the lock, once -------------------------------------------------------------
hub || { echo "Bail out! the fake Hub did not start"; exit 1; }
manifest
run "$AIRLOCK" lock -f "$T/p/airlock.yaml"
is "$status" 0 "lock the test repo"
[ "$status" -eq 0 ] || echo "# $err"
ok 'grep -q "$sha" "$T/p/airlock.lock"' "the lock names the file's sha256"

# ---- plain ranged download ---------------------------------------------------------
fetch
is "$status" 0 "fetch in ranges"
[ "$status" -eq 0 ] || echo "# $err"
ok 'cmp -s "$big" "$(blob)"' "the stored blob has the right bytes"
ranges=$(grep '"path":"/cdn/' "$HUB_LOG" | grep -c '"range":"bytes=[0-9]*-[0-9]*"')
is "$ranges" 8 "eight range requests of 128 KiB"
is "$(cdn_bytes)" "$SIZE" "every byte sent once"
is "$(resolves)" 1 "the redirect to the CDN is followed once"
ok '! grep "\"path\":\"/cdn/" "$HUB_LOG" | grep -q "\"auth\":true"' "no Authorization to the CDN"
is "$(tmp_left)" 0 "no partial file or journal left in tmp/"
run "$AIRLOCK" store verify
is "$status" 0 "the store verifies"
fetch --range-connections 1
is "$status" 0 "--range-connections 1: one transfer"
is "$(grep '"path":"/cdn/' "$HUB_LOG" | grep -c '"range":null')" 1 "a single request without Range"
hub_stop

# ---- random piece failures ------------------------------------------------------------
hub --fault '/cdn/*=flaky:40@5' || exit 1
fetch
is "$status" 0 "fetch with random 500s and cut bodies"
[ "$status" -eq 0 ] || echo "# $err"
ok 'cmp -s "$big" "$(blob)"' "the bytes are right"
ok 'grep -q "\"fault\":\"flaky" "$HUB_LOG"' "failures were injected"
hub_stop

# ---- pieces the CDN keeps failing: the signed URL stays out of the message -------------------
hub --fault '/cdn/*=500-after:1' || exit 1
fetch
ok '[ "$status" -ne 0 ]' "a CDN that fails every piece after the probe fails the fetch"
like "$err" "GET http://[^ ]*/cdn/[^ ]*\\?\\.\\.\\.: HTTP 500" "the message names the CDN URL"
ok '! printf "%s" "$err" | grep -q "sig="' "without its signed query"
ok 'grep -q "\"status\":500" "$HUB_LOG" && grep "\"path\":\"/cdn/" "$HUB_LOG" | grep -q "sig="' \
	"(the CDN was asked with a signature)"
hub_stop

# ---- a server that ignores Range ---------------------------------------------------------
hub --fault '/cdn/*=ignore-range' || exit 1
fetch
is "$status" 0 "a server that ignores Range"
[ "$status" -eq 0 ] || echo "# $err"
ok 'cmp -s "$big" "$(blob)"' "the bytes are right"
is "$(grep -c '"path":"/cdn/' "$HUB_LOG")" 1 "the probe's whole answer is the download"
is "$(cdn_bytes)" "$SIZE" "the file was sent once"
is "$(tmp_left)" 0 "nothing left in tmp/"
hub_stop

hub --fault '/cdn/*=ignore-range:3' || exit 1
fetch
is "$status" 0 "a server that answers a later range with the whole body"
[ "$status" -eq 0 ] || echo "# $err"
ok 'cmp -s "$big" "$(blob)"' "the bytes are right"
is "$(grep '"path":"/cdn/' "$HUB_LOG" | grep -c '"range":null')" 1 \
	"then one request for the whole file, without Range"
is "$(tmp_left)" 0 "nothing left in tmp/"
hub_stop

# ---- a signed URL that expires mid-transfer ----------------------------------------------------
hub --cdn-expire 300000 || exit 1
fetch
is "$status" 0 "signed CDN URLs that expire after 300000 bytes"
[ "$status" -eq 0 ] || echo "# $err"
ok 'cmp -s "$big" "$(blob)"' "the bytes are right"
ok '[ "$(resolves)" -gt 1 ]' "the Hub URL was asked again for a fresh signature"
ok 'grep "\"path\":\"/cdn/" "$HUB_LOG" | grep -q "\"status\":403"' "the CDN answered 403"
hub_stop

# ---- a kill in the middle, then a resume -------------------------------------------------------
# kill_midway [hubserver options]: the last piece stalls; once the journal
# names the seven others, the fetch is killed
kill_midway() {
	hub --fault "/cdn/*=stall:$((SIZE - 1000))" --stall-seconds 120 "$@" ||
		return 1
	n=$((n + 1))
	export AIRLOCK_STORE="$T/store.$n"
	"$AIRLOCK" fetch -f "$T/p/airlock.yaml" --locked --range-threshold 256K >/dev/null 2>&1 &
	pid=$!
	j="$AIRLOCK_STORE/tmp/range-$sha.journal"
	i=0
	while [ "$(grep -c '^done ' "$j" 2>/dev/null)" != 7 ] && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	hub_stop
}
kill_midway || exit 1
ok '[ -f "$AIRLOCK_STORE/tmp/range-$sha.part" ]' "the killed fetch left its partial file"
is "$(grep -c '^done ' "$AIRLOCK_STORE/tmp/range-$sha.journal")" 7 "and a journal of seven pieces"
hub || exit 1
run "$AIRLOCK" fetch -f "$T/p/airlock.yaml" --locked --range-threshold 256K
is "$status" 0 "the next fetch resumes"
[ "$status" -eq 0 ] || echo "# $err"
ok 'cmp -s "$big" "$(blob)"' "the bytes are right"
is "$(cdn_bytes)" "$PIECE" "only the missing piece was sent"
is "$(tmp_left)" 0 "the partial file and the journal are gone"
hub_stop

# ---- the file changed between the runs (another ETag): start over ------------------------------
kill_midway || exit 1
hub --etag-salt moved || exit 1
run "$AIRLOCK" fetch -f "$T/p/airlock.yaml" --locked --range-threshold 256K
is "$status" 0 "a server with another ETag: the fetch starts over"
[ "$status" -eq 0 ] || echo "# $err"
ok 'cmp -s "$big" "$(blob)"' "the bytes are right"
is "$(cdn_bytes)" "$SIZE" "every piece was asked for again"
hub_stop

# ---- a damaged journal: start over ---------------------------------------------------------------
kill_midway || exit 1
printf 'airlock-ranges 1 %s %s 131072\nvalidator "x"\ndone 99\n' "$sha" "$SIZE" \
	> "$AIRLOCK_STORE/tmp/range-$sha.journal"
hub || exit 1
run "$AIRLOCK" fetch -f "$T/p/airlock.yaml" --locked --range-threshold 256K
is "$status" 0 "a damaged journal: the fetch starts over"
ok 'cmp -s "$big" "$(blob)"' "the bytes are right"
is "$(cdn_bytes)" "$SIZE" "every piece was asked for again"
hub_stop

# ---- bad options --------------------------------------------------------------------------------
run "$AIRLOCK" fetch -f "$T/p/airlock.yaml" --range-threshold lots
is "$status" 2 "--range-threshold wants a size"
run "$AIRLOCK" fetch -f "$T/p/airlock.yaml" --range-connections 0
is "$status" 2 "--range-connections wants 1 to 64"
finish
