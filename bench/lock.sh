#!/bin/sh
# bench/lock.sh: locking >= 50 distributions from the fixture index with 20 ms
# of added latency per request: `airlock lock` against
# `pip install --dry-run --ignore-installed --report`, cold and warm, side by side.
# Target: airlock at least 10 times faster cold.
. "$(dirname "$0")/common.sh"
bench_index
measure air_cold "$AIRLOCK" lock -f "$T/airlock.yaml"
n=$(grep -c 'filename:' "$T/airlock.lock")
rm "$T/airlock.lock"
measure air_warm "$AIRLOCK" lock -f "$T/airlock.yaml"
measure pip_cold "$PIP" install --dry-run --ignore-installed --no-cache-dir --report "$T/r1.json" \
	--index-url "$INDEX_URL/simple/" benchtop
measure pip_warm0 "$PIP" install --dry-run --ignore-installed --cache-dir "$T/pipcache" \
	--report "$T/r2.json" --index-url "$INDEX_URL/simple/" benchtop
measure pip_warm "$PIP" install --dry-run --ignore-installed --cache-dir "$T/pipcache" \
	--report "$T/r3.json" --index-url "$INDEX_URL/simple/" benchtop
pn=$("$PYTHON3" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["install"]))' "$T/r1.json")

echo "lock of $n distributions (pip resolved $pn), ${LAT} ms latency per request:"
printf '  cold: airlock %6.2f s %7d KiB RSS | pip %6.2f s %7d KiB RSS | airlock %sx faster (target >= 10x)\n' \
	"$air_cold_s" "$air_cold_kb" "$pip_cold_s" "$pip_cold_kb" "$(ratio "$air_cold_s" "$pip_cold_s")"
printf '  warm: airlock %6.2f s %7d KiB RSS | pip %6.2f s %7d KiB RSS | airlock %sx faster\n' \
	"$air_warm_s" "$air_warm_kb" "$pip_warm_s" "$pip_warm_kb" "$(ratio "$air_warm_s" "$pip_warm_s")"
