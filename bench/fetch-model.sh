#!/bin/sh
# bench/fetch-model.sh: a 2 GiB model (two 1 GiB LFS files and small files)
# from the fake Hub on loopback: `airlock fetch` (download + verify + store)
# against `curl --parallel` downloading the same URLs to files, side by side.
# Prints the time ratio and airlock's peak RSS.
# Target: at most 1.25x curl's time, peak RSS under 64 MiB whatever the size.
#   usage: bench/fetch-model.sh [SIZE_MIB]
. "$(dirname "$0")/common.sh"
SIZE=${1:-2048}
half=$((SIZE / 2))
work=${BENCH_DIR:-/var/tmp}/airlock-bench-model.$$
mkdir -p "$work/hub/models/bench-org/big/commits/c1"
at_exit "rm -rf '$work'"
repo="$work/hub/models/bench-org/big"
cat > "$repo/repo.json" <<'JSON'
{"commits": [{"label": "c1", "parent": null, "title": "weights", "date": "2024-01-01T00:00:00.000Z"}],
 "description": "benchmark model", "lfs": {"patterns": ["*.safetensors"]},
 "refs": {"branches": {"main": "c1"}}}
JSON
head -c "$((half * 1048576))" /dev/urandom > "$repo/commits/c1/model-00001-of-00002.safetensors"
head -c "$((half * 1048576))" /dev/urandom > "$repo/commits/c1/model-00002-of-00002.safetensors"
for f in config.json tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt; do
	head -c 4096 /dev/urandom | base64 > "$repo/commits/c1/$f"
done
"$PYTHON3" "$top_srcdir/tests/helpers/hubserver.py" --root "$work/hub" --no-stdin --timeout 1800 \
	>"$work/hub.out" 2>"$work/hub.err" &
hubpid=$!
at_exit "kill $hubpid 2>/dev/null"
i=0
while ! grep -q '^PORT ' "$work/hub.out" 2>/dev/null; do
	sleep 0.2; i=$((i + 1)); [ $i -lt 600 ] || { cat "$work/hub.err"; exit 1; }
done
HUB=http://127.0.0.1:$(sed -n 's/^PORT //p' "$work/hub.out")

cat > "$work/airlock.yaml" <<YAML
version: 1
bundle: model
models:
  - repo: bench-org/big
hub:
  endpoint: $HUB
YAML
export AIRLOCK_STORE="$work/store"
"$AIRLOCK" -q lock -f "$work/airlock.yaml"   # pins the commit and hashes the small files
# the URLs both tools download
for f in model-00001-of-00002.safetensors model-00002-of-00002.safetensors config.json \
         tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt; do
	printf 'url = "%s/bench-org/big/resolve/main/%s"\noutput = "%s/curl/%s"\n' "$HUB" "$f" "$work" "$f"
done > "$work/curl.cfg"
mkdir -p "$work/curl"
sync
measure air "$AIRLOCK" -q fetch -f "$work/airlock.yaml"
measure curl curl -sS -L --parallel --parallel-max 8 -K "$work/curl.cfg"
cmp -s "$work/curl/model-00002-of-00002.safetensors" "$repo/commits/c1/model-00002-of-00002.safetensors" ||
	{ echo "bench: curl got different bytes" >&2; exit 1; }
printf 'fetch of a %d MiB model: airlock %.2f s (peak RSS %d KiB) | curl --parallel %.2f s | ratio %.2f (target <= 1.25, RSS < 65536 KiB)\n' \
	"$SIZE" "$air_s" "$air_kb" "$curl_s" "$(awk -v a="$air_s" -v b="$curl_s" 'BEGIN { printf "%.2f", a / b }')"
