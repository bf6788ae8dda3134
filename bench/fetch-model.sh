#!/bin/sh
# bench/fetch-model.sh: a model of two large LFS files and five small files
# from the fake Hub: `airlock fetch` (download + verify + store) against
# `curl --parallel --parallel-max 8` downloading the same URLs to files and,
# when ../shared/vendor/hub-clients exists, huggingface_hub's
# snapshot_download (hf1, HF_HUB_DISABLE_XET=1). Runs alternate (airlock,
# curl, hf, airlock, ...); medians of RUNS runs and the peak RSS of each.
#
#   usage: bench/fetch-model.sh [--wan] [--runs N] [SIZE_MIB]
#
# --wan: the fake Hub sends each connection at most 40 MB/s (--rate), as a
# CDN gives one TCP stream across a WAN. Targets: airlock at most 0.35 x
# curl's time and 0.35 x huggingface_hub's. Without --wan (loopback, no
# limit): at most 1.25 x curl's time. Peak RSS under 64 MiB either way.
# SIZE_MIB is the whole model (default 2048; 512 with --wan): keep it modest
# on a loaded machine.
# Before the runs, curl alone fetches one large file from an unlimited fake
# Hub on loopback: below 1 GB/s the fixture server may be the bottleneck,
# and the output says so.
. "$(dirname "$0")/common.sh"
WAN=0 RUNS=3 SIZE=
while [ $# -gt 0 ]; do
	case $1 in
	--wan) WAN=1 ;;
	--runs) RUNS=$2; shift ;;
	-*) echo "usage: bench/fetch-model.sh [--wan] [--runs N] [SIZE_MIB]" >&2; exit 2 ;;
	*) SIZE=$1 ;;
	esac
	shift
done
[ -n "$SIZE" ] || { [ $WAN = 1 ] && SIZE=512 || SIZE=2048; }
RATE=40000000
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

# start_hub NAME [options]: a fake Hub on the bench repo; sets NAME_url
start_hub() {
	_n=$1; shift
	"$PYTHON3" "$top_srcdir/tests/helpers/hubserver.py" --root "$work/hub" --no-stdin \
		--timeout 3600 "$@" >"$work/$_n.out" 2>"$work/$_n.err" &
	eval "${_n}_pid=$!"
	at_exit "kill $! 2>/dev/null || :"
	_i=0
	while ! grep -q '^PORT ' "$work/$_n.out" 2>/dev/null; do
		sleep 0.2; _i=$((_i + 1)); [ $_i -lt 600 ] || { cat "$work/$_n.err"; exit 1; }
	done
	eval "${_n}_url=http://127.0.0.1:$(sed -n 's/^PORT //p' "$work/$_n.out")"
}

# is the fixture server fast enough? curl alone, one large file, no limit
start_hub plain
measure probe curl -sS -L -o /dev/null "$plain_url/bench-org/big/resolve/main/model-00001-of-00002.safetensors"
server_mbs=$(awk -v s="$probe_s" -v m="$half" 'BEGIN { if (s <= 0) s = 0.01; printf "%.0f", m * 1.048576 / s }')
kill "$plain_pid" 2>/dev/null || :
if [ $WAN = 1 ]; then
	start_hub hub --rate "$RATE"
else
	start_hub hub
fi
HUB=$hub_url

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
for f in model-00001-of-00002.safetensors model-00002-of-00002.safetensors config.json \
         tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt; do
	printf 'url = "%s/bench-org/big/resolve/main/%s"\noutput = "%s/curl/%s"\n' "$HUB" "$f" "$work" "$f"
done > "$work/curl.cfg"

# the real huggingface_hub ($HUB_CLIENTS, else ../shared/vendor/hub-clients)
HF=${HUB_CLIENTS:-$top_srcdir/../shared/vendor/hub-clients}
[ -d "$HF/hf1" ] || HF=/work/shared/vendor/hub-clients
have_hf=0
[ -d "$HF/hf1" ] && have_hf=1
cat > "$work/hf-get.sh" <<SH
#!/bin/sh
PYTHONPATH='$HF/hf1' HF_ENDPOINT='$HUB' HF_HUB_DISABLE_XET=1 HF_HUB_CACHE='$work/hf' \\
HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_DISABLE_PROGRESS_BARS=1 \\
	exec '$PYTHON3' -c 'from huggingface_hub import snapshot_download; snapshot_download("bench-org/big")'
SH
chmod +x "$work/hf-get.sh"

air_all="" curl_all="" hf_all="" air_rss=0 curl_rss=0 hf_rss=0
maxrss() { [ "$1" -gt "$2" ] && echo "$1" || echo "$2"; }
i=0
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	rm -rf "$work/store" "$work/curl" "$work/hf"
	# the lock is kept; a fresh store each run
	measure air "$AIRLOCK" -q fetch -f "$work/airlock.yaml" --locked
	air_all="$air_all $air_s"; air_rss=$(maxrss "$air_kb" "$air_rss")
	rm -rf "$work/store"
	mkdir -p "$work/curl"
	measure curl curl -sS -L --parallel --parallel-max 8 -K "$work/curl.cfg"
	curl_all="$curl_all $curl_s"; curl_rss=$(maxrss "$curl_kb" "$curl_rss")
	cmp -s "$work/curl/model-00002-of-00002.safetensors" "$repo/commits/c1/model-00002-of-00002.safetensors" ||
		{ echo "bench: curl got different bytes" >&2; exit 1; }
	rm -rf "$work/curl"
	if [ $have_hf = 1 ]; then
		measure hf "$work/hf-get.sh"
		hf_all="$hf_all $hf_s"; hf_rss=$(maxrss "$hf_kb" "$hf_rss")
		rm -rf "$work/hf"
	fi
done
median() { printf '%s\n' $* | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
air_m=$(median $air_all) curl_m=$(median $curl_all)
mode="loopback, no limit"; target=1.25
[ $WAN = 1 ] && { mode="WAN: 40 MB/s per connection"; target=0.35; }
echo "fetch of a $SIZE MiB model (2 x $half MiB + 5 small files), $mode, median of $RUNS alternating runs:"
printf '  airlock fetch            %6.2f s  peak RSS %6d KiB  (runs:%s)\n' "$air_m" "$air_rss" "$air_all"
printf '  curl --parallel (8)      %6.2f s  peak RSS %6d KiB  (runs:%s)  airlock/curl %.2f (target <= %s)\n' \
	"$curl_m" "$curl_rss" "$curl_all" "$(awk -v a="$air_m" -v b="$curl_m" 'BEGIN { printf "%.2f", a / b }')" "$target"
if [ $have_hf = 1 ]; then
	hf_m=$(median $hf_all)
	printf '  huggingface_hub 1.28    %6.2f s  peak RSS %6d KiB  (runs:%s)  airlock/hf %.2f%s\n' \
		"$hf_m" "$hf_rss" "$hf_all" "$(awk -v a="$air_m" -v b="$hf_m" 'BEGIN { printf "%.2f", a / b }')" \
		"$([ $WAN = 1 ] && echo ' (target <= 0.35)')"
else
	echo "  huggingface_hub: skipped ($HF absent)"
fi
if [ "$server_mbs" -ge 1000 ]; then
	echo "  fixture server: curl alone $server_mbs MB/s on loopback (>= 1 GB/s: not the bottleneck)"
else
	echo "  fixture server: curl alone $server_mbs MB/s on loopback: below 1 GB/s, the fixture server (or a loaded machine) may be the bottleneck"
fi
exit 0
