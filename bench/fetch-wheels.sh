#!/bin/sh
# bench/fetch-wheels.sh: the same >= 50 distributions with 20 ms of added
# latency per request: `airlock lock && airlock fetch` against
# `pip download -d DIR`, cold and warm, side by side. Target: >= 10x cold.
. "$(dirname "$0")/common.sh"
bench_index
rm -rf "$T/store" "$T/airlock.lock"
measure air_cold sh -c '"$0" lock -f "$1" && "$0" fetch -f "$1" --locked' "$AIRLOCK" "$T/airlock.yaml"
n=$(grep -c 'filename:' "$T/airlock.lock")
rm "$T/airlock.lock"
measure air_warm sh -c '"$0" lock -f "$1" && "$0" fetch -f "$1" --locked' "$AIRLOCK" "$T/airlock.yaml"
measure pip_cold "$PIP" download --no-cache-dir -d "$T/dl1" --index-url "$INDEX_URL/simple/" benchtop
measure pip_warm0 "$PIP" download --cache-dir "$T/pipcache" -d "$T/dl2" --index-url "$INDEX_URL/simple/" benchtop
measure pip_warm "$PIP" download --cache-dir "$T/pipcache" -d "$T/dl3" --index-url "$INDEX_URL/simple/" benchtop

echo "lock + fetch of $n distributions ($(ls "$T/dl1" | wc -l) files by pip), ${LAT} ms latency:"
printf '  cold: airlock %6.2f s %7d KiB RSS | pip download %6.2f s %7d KiB RSS | airlock %sx faster (target >= 10x)\n' \
	"$air_cold_s" "$air_cold_kb" "$pip_cold_s" "$pip_cold_kb" "$(ratio "$air_cold_s" "$pip_cold_s")"
printf '  warm: airlock %6.2f s %7d KiB RSS | pip download %6.2f s %7d KiB RSS | airlock %sx faster\n' \
	"$air_warm_s" "$air_warm_kb" "$pip_warm_s" "$pip_warm_kb" "$(ratio "$air_warm_s" "$pip_warm_s")"
