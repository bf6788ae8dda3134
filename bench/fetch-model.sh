#!/bin/sh
# bench/fetch-model.sh: a model of two large LFS files and five small files
# from the fake Hub: `airlock fetch` (download + verify + store) against
# `curl --parallel --parallel-max 8` downloading the same URLs to files and,
# when ../shared/vendor/hub-clients exists, huggingface_hub's
# snapshot_download (hf1, HF_HUB_DISABLE_XET=1). Every client goes through
# the Hub's resolve URL and its redirect to the fake CDN. Runs alternate
# (airlock, curl, hf, airlock, ...); medians of RUNS runs and the peak RSS
# and CPU time (user + system) of each.
#
#   usage: bench/fetch-model.sh [--wan | --loopback] [--runs N] [SIZE_MIB]
#
# Both modes by default, loopback first:
#   loopback, no limit: target airlock at most 1.25 x curl's time;
#   --wan: the fake Hub sends each connection at most 40 MB/s (--rate), as a
#   CDN gives one TCP stream across a WAN. Targets: airlock at most 0.35 x
#   curl's time and 0.35 x huggingface_hub's.
# Peak RSS under 64 MiB either way. SIZE_MIB is the whole model in each mode
# (default: 2048 on loopback, 512 with the WAN limit, where
# huggingface_hub's one connection per file takes 13 s per 512 MiB at best);
# keep it modest on a loaded machine.
#
# Before the runs, the fixture check: curl alone fetches one large file from
# the unlimited fake Hub on loopback, and the bench prints curl's MB/s, the
# CPU time the server and curl spent, and the load average. Below 1 GB/s it
# says whether the server (its CPU time per byte) or the machine is the
# bottleneck.
. "$(dirname "$0")/common.sh"
MODES="loopback wan" RUNS=3 SIZE=
while [ $# -gt 0 ]; do
	case $1 in
	--wan) MODES=wan ;;
	--loopback) MODES=loopback ;;
	--runs) RUNS=$2; shift ;;
	-*) echo "usage: bench/fetch-model.sh [--wan | --loopback] [--runs N] [SIZE_MIB]" >&2; exit 2 ;;
	*) SIZE=$1 ;;
	esac
	shift
done
RATE=40000000
work=${BENCH_DIR:-/var/tmp}/airlock-bench-model.$$
mkdir -p "$work/hub"
at_exit "rm -rf '$work'"
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine: $(nproc) cores, load average $(load) at the start; airlock: $AIRLOCK"

# make_repo NAME MIB: bench-org/NAME, two LFS files of MIB/2 each and five
# small files
make_repo() {
	_repo="$work/hub/models/bench-org/$1"
	mkdir -p "$_repo/commits/c1"
	cat > "$_repo/repo.json" <<'JSON'
{"commits": [{"label": "c1", "parent": null, "title": "weights", "date": "2024-01-01T00:00:00.000Z"}],
 "description": "benchmark model", "lfs": {"patterns": ["*.safetensors"]},
 "refs": {"branches": {"main": "c1"}}}
JSON
	for f in model-00001-of-00002.safetensors model-00002-of-00002.safetensors; do
		head -c "$(($2 / 2 * 1048576))" /dev/urandom > "$_repo/commits/c1/$f"
	done
	for f in config.json tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt; do
		head -c 4096 /dev/urandom | base64 > "$_repo/commits/c1/$f"
	done
}
for m in $MODES; do
	s=$SIZE
	[ -n "$s" ] || { [ $m = wan ] && s=512 || s=2048; }
	eval "size_$m=$s"
	make_repo "$m" "$s"
done
# the fixture check always uses a loopback-sized file
[ -n "${size_loopback:-}" ] || { size_loopback=${SIZE:-2048}; make_repo loopback "$size_loopback"; }

# start_hub NAME [options]: a fake Hub on the bench repos; sets NAME_url, NAME_pid
start_hub() {
	_n=$1; shift
	"$PYTHON3" "$top_srcdir/tests/helpers/hubserver.py" --root "$work/hub" --no-stdin \
		--timeout 7200 "$@" >"$work/$_n.out" 2>"$work/$_n.err" &
	eval "${_n}_pid=$!"
	at_exit "kill $! 2>/dev/null || :"
	_i=0
	while ! grep -q '^PORT ' "$work/$_n.out" 2>/dev/null; do
		sleep 0.2; _i=$((_i + 1)); [ $_i -lt 1500 ] || { cat "$work/$_n.err"; exit 1; }
	done
	eval "${_n}_url=http://127.0.0.1:$(sed -n 's/^PORT //p' "$work/$_n.out")"
}
# cpu_of PID: user + system seconds the process has used so far
cpu_of() { awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; }

start_hub plain
if [ "$MODES" != loopback ]; then start_hub wan --rate "$RATE"; fi

# ---- is the fixture server fast enough? curl alone, one large file, no limit ---------
probe_url="$plain_url/bench-org/loopback/resolve/main/model-00001-of-00002.safetensors"
probe_mib=$((size_loopback / 2))
curl -sS -L -o /dev/null "$probe_url" # the server's first answer warms up
best_mbs=0
for i in 1 2; do
	c0=$(cpu_of "$plain_pid")
	measure probe curl -sS -L -o /dev/null "$probe_url"
	c1=$(cpu_of "$plain_pid")
	mbs=$(awk -v s="$probe_s" -v m="$probe_mib" 'BEGIN { if (s <= 0) s = 0.01; printf "%.0f", m * 1.048576 / s }')
	if [ "$mbs" -ge "$best_mbs" ]; then
		best_mbs=$mbs server_cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
		probe_cpu=$probe_cpu probe_wall=$probe_s
	fi
done
server_cap=$(awk -v c="$server_cpu" -v m="$probe_mib" 'BEGIN { if (c < 0.01) c = 0.01; printf "%.0f", m * 1.048576 / c }')
echo "fixture check: curl alone, one $probe_mib MiB file from the fake Hub on loopback (best of 2): $best_mbs MB/s"
echo "  ($probe_wall s wall; curl used $probe_cpu s of CPU, the server $server_cpu s, i.e. it could send $server_cap MB/s per core; load $(load))"
if [ "$best_mbs" -ge 1000 ]; then
	echo "  >= 1 GB/s: the fixture server is not the bottleneck"
elif [ "$server_cap" -ge 1000 ]; then
	echo "  below 1 GB/s, but the server's CPU time allows $server_cap MB/s: the machine (its load), not the fixture server, is the bottleneck"
else
	echo "  below 1 GB/s and the server's CPU time allows only $server_cap MB/s: the fixture server is the bottleneck"
fi

# the real huggingface_hub ($HUB_CLIENTS, else ../shared/vendor/hub-clients)
HF=${HUB_CLIENTS:-$top_srcdir/../shared/vendor/hub-clients}
[ -d "$HF/hf1" ] || HF=/work/shared/vendor/hub-clients
have_hf=0
[ -d "$HF/hf1" ] && have_hf=1
maxrss() { [ "$1" -gt "$2" ] && echo "$1" || echo "$2"; }
median() { printf '%s\n' $* | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
FILES="model-00001-of-00002.safetensors model-00002-of-00002.safetensors config.json
tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt"

# run_mode MODE HUB_URL: the alternating runs against one fake Hub, and their summary
run_mode() {
	mode=$1 HUB=$2
	eval "size=\$size_$1"
	repo_dir="$work/hub/models/bench-org/$mode"
	w="$work/$mode"
	mkdir -p "$w"
	cat > "$w/airlock.yaml" <<YAML
version: 1
bundle: model
models:
  - repo: bench-org/$mode
hub:
  endpoint: $HUB
YAML
	export AIRLOCK_STORE="$w/store"
	"$AIRLOCK" -q lock -f "$w/airlock.yaml"   # pins the commit and hashes the small files
	for f in $FILES; do
		printf 'url = "%s/bench-org/%s/resolve/main/%s"\noutput = "%s/curl/%s"\n' "$HUB" "$mode" "$f" "$w" "$f"
	done > "$w/curl.cfg"
	cat > "$w/hf-get.sh" <<SH
#!/bin/sh
PYTHONPATH='$HF/hf1' HF_ENDPOINT='$HUB' HF_HUB_DISABLE_XET=1 HF_HUB_CACHE='$w/hf' \\
HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_DISABLE_PROGRESS_BARS=1 \\
	exec '$PYTHON3' -c 'from huggingface_hub import snapshot_download; snapshot_download("bench-org/$mode")'
SH
	chmod +x "$w/hf-get.sh"
	if [ $mode = wan ]; then
		# the fake Hub's own ceiling at airlock's 8 connections: the same bytes
		# as 8 range requests at once (--parallel-immediate: curl otherwise
		# waits for its first connection before opening the others)
		_q=$((size / 2 * 1048576 / 4))
		for f in model-00001-of-00002.safetensors model-00002-of-00002.safetensors; do
			for k in 0 1 2 3; do
				printf 'url = "%s/bench-org/%s/resolve/main/%s"\noutput = "/dev/null"\nrange = "%d-%d"\n' \
					"$HUB" "$mode" "$f" $((k * _q)) $(((k + 1) * _q - 1))
			done
		done > "$w/ceil.cfg"
		ceil_all=""
		for k in 1 2 3; do
			measure ceil curl -sS -L --parallel --parallel-immediate --parallel-max 8 -K "$w/ceil.cfg"
			ceil_all="$ceil_all $ceil_s"
		done
	fi
	air_all="" curl_all="" hf_all="" air_rss=0 curl_rss=0 hf_rss=0 air_c="" curl_c="" hf_c=""
	load0=$(load)
	i=0
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		rm -rf "$w/store" "$w/curl" "$w/hf"
		# the lock is kept; a fresh store each run
		measure air "$AIRLOCK" -q fetch -f "$w/airlock.yaml" --locked
		air_all="$air_all $air_s" air_c="$air_c $air_cpu"; air_rss=$(maxrss "$air_kb" "$air_rss")
		rm -rf "$w/store"
		mkdir -p "$w/curl"
		measure curl curl -sS -L --parallel --parallel-max 8 -K "$w/curl.cfg"
		curl_all="$curl_all $curl_s" curl_c="$curl_c $curl_cpu"; curl_rss=$(maxrss "$curl_kb" "$curl_rss")
		cmp -s "$w/curl/model-00002-of-00002.safetensors" "$repo_dir/commits/c1/model-00002-of-00002.safetensors" ||
			{ echo "bench: curl got different bytes" >&2; exit 1; }
		rm -rf "$w/curl"
		if [ $have_hf = 1 ]; then
			measure hf "$w/hf-get.sh"
			hf_all="$hf_all $hf_s" hf_c="$hf_c $hf_cpu"; hf_rss=$(maxrss "$hf_kb" "$hf_rss")
			rm -rf "$w/hf"
		fi
	done
	air_m=$(median $air_all) curl_m=$(median $curl_all)
	what="loopback, no limit"; target=1.25
	[ $mode = wan ] && { what="WAN: 40 MB/s per connection"; target=0.35; }
	echo "fetch of a $size MiB model (2 x $((size / 2)) MiB + 5 small files), $what, median of $RUNS alternating runs (load $load0 before, $(load) after):"
	printf '  airlock fetch            %6.2f s  CPU %5.2f s  peak RSS %6d KiB  (runs:%s)\n' \
		"$air_m" "$(median $air_c)" "$air_rss" "$air_all"
	printf '  curl --parallel (8)      %6.2f s  CPU %5.2f s  peak RSS %6d KiB  (runs:%s)  airlock/curl %.2f (target <= %s)\n' \
		"$curl_m" "$(median $curl_c)" "$curl_rss" "$curl_all" \
		"$(awk -v a="$air_m" -v b="$curl_m" 'BEGIN { printf "%.2f", a / b }')" "$target"
	if [ $mode = wan ]; then
		ceil_m=$(median $ceil_all)
		printf '  the fake Hub at 8 connections: %.2f s (curl, 8 range requests at once, median of 3: %s MB/s; 8 x 40 MB/s would take %.2f s),\n' \
			"$ceil_m" "$(awk -v s="$ceil_m" -v m="$size" 'BEGIN { printf "%.0f", m * 1.048576 / s }')" \
			"$(awk -v m="$size" 'BEGIN { printf "%.2f", m * 1.048576 / 320 }')"
		printf '    so airlock with 8 connections can at best be %.2f of curl here; airlock took %.2f times that\n' \
			"$(awk -v a="$ceil_m" -v b="$curl_m" 'BEGIN { printf "%.2f", a / b }')" \
			"$(awk -v a="$air_m" -v b="$ceil_m" 'BEGIN { printf "%.2f", a / b }')"
	fi
	if [ $have_hf = 1 ]; then
		hf_m=$(median $hf_all)
		printf '  huggingface_hub 1.28     %6.2f s  CPU %5.2f s  peak RSS %6d KiB  (runs:%s)  airlock/hf %.2f%s\n' \
			"$hf_m" "$(median $hf_c)" "$hf_rss" "$hf_all" \
			"$(awk -v a="$air_m" -v b="$hf_m" 'BEGIN { printf "%.2f", a / b }')" \
			"$([ $mode = wan ] && echo ' (target <= 0.35)')"
	else
		echo "  huggingface_hub: skipped ($HF absent)"
	fi
}

for m in $MODES; do
	if [ $m = wan ]; then run_mode wan "$wan_url"; else run_mode loopback "$plain_url"; fi
done
exit 0
