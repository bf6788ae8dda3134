#!/bin/sh
# bench/fetch-wheels.sh: the same >= 50 distributions with 20 ms of added
# latency per request, the index answering as PyPI does (Cache-Control:
# max-age=600, public, and an ETag): `airlock lock && airlock fetch` against
# `pip download -d DIR`, cold and warm, side by side, medians of RUNS
# (default 3) alternating runs, peak RSS of each.
#   cold: an empty store and no lock / pip without a cache;
#   warm: the lock removed, the store kept (its HTTP cache and blobs) / pip
#         with its cache kept (pip sends Cache-Control: max-age=0, so it
#         revalidates every page).
# Targets: >= 10x faster cold, >= 30x warm. Also counted: the requests the
# warm airlock run sends (none while the pages are fresh) and the lookups of
# projects outside the closure (404s) of the cold lock.
#   usage: [RUNS=3] bench/fetch-wheels.sh
. "$(dirname "$0")/common.sh"
runs=${RUNS:-3}
bench_index --cache-control "max-age=600, public" --validators etag --log "$T/requests.log"
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
: > "$T/res"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
i=0
while [ "$i" -lt "$runs" ]; do
	rm -rf "$T/store" "$T/airlock.lock" "$T/pipcache" "$T"/dl*
	: > "$T/requests.log"
	measure ac sh -c '"$0" lock -f "$1" && "$0" fetch -f "$1" --locked' "$AIRLOCK" "$T/airlock.yaml"
	cold_req=$(wc -l < "$T/requests.log"); cold_404=$(grep -c ' 404 ' "$T/requests.log" || :)
	n=$(grep -c 'filename:' "$T/airlock.lock")
	rm "$T/airlock.lock"
	: > "$T/requests.log"
	measure aw sh -c '"$0" lock -f "$1" && "$0" fetch -f "$1" --locked' "$AIRLOCK" "$T/airlock.yaml"
	warm_req=$(wc -l < "$T/requests.log")
	measure pc "$PIP" download --no-cache-dir -d "$T/dl1" --index-url "$INDEX_URL/simple/" benchtop
	measure p0 "$PIP" download --cache-dir "$T/pipcache" -d "$T/dl2" --index-url "$INDEX_URL/simple/" benchtop
	measure pw "$PIP" download --cache-dir "$T/pipcache" -d "$T/dl3" --index-url "$INDEX_URL/simple/" benchtop
	echo "$ac_s $ac_kb $aw_s $aw_kb $pc_s $pc_kb $pw_s $pw_kb $cold_req $cold_404 $warm_req" >> "$T/res"
	i=$((i + 1))
done
col() { cut -d' ' -f"$1" "$T/res" | median; }
echo "lock + fetch of $n distributions ($(ls "$T/dl1" | wc -l) files by pip), ${LAT} ms latency, median of $runs alternating runs:"
printf '  cold: airlock %6.2f s %7d KiB RSS | pip download %6.2f s %7d KiB RSS | airlock %sx faster (target >= 10x)\n' \
	"$(col 1)" "$(col 2)" "$(col 5)" "$(col 6)" "$(ratio "$(col 1)" "$(col 5)")"
printf '  warm: airlock %6.2f s %7d KiB RSS | pip download %6.2f s %7d KiB RSS | airlock %sx faster (target >= 30x)\n' \
	"$(col 3)" "$(col 4)" "$(col 7)" "$(col 8)" "$(ratio "$(col 3)" "$(col 7)")"
printf '  requests: cold %d (of them 404: %d, lookups outside the closure), warm %d\n' "$(col 9)" "$(col 10)" "$(col 11)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
