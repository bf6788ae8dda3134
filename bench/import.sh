#!/bin/sh
# bench/import.sh: importing 2 GiB of signed media against what a careful
# operator would otherwise run on the same volumes: `openssl dgst -sha256` of
# every volume, then `tar -x` of them (and a sync), side by side: medians of
# RUNS alternating runs (default 3), peak RSS of each. Target: <= 0.6 times
# that pair, airlock's peak RSS under 64 MiB. A smaller SIZE_MIB for a
# loaded machine.
#   usage: bench/import.sh [SIZE_MIB] [RUNS]
. "$(dirname "$0")/common.sh"
SIZE=${1:-2048}
RUNS=${2:-3}
PUT="$top_builddir/tests/unit/bundle-put"
[ -x "$PUT" ] || make -C "$top_builddir" tests/unit/bundle-put >/dev/null
work=${BENCH_DIR:-/var/tmp}/airlock-bench-import.$$
mkdir -p "$work"
at_exit "chmod -R u+w '$work'; rm -rf '$work'"

# two 1 GiB-ish files and a few small ones make the media
half=$((SIZE / 2))
head -c "$((half * 1048576))" /dev/urandom > "$work/a.bin"
head -c "$((half * 1048576))" /dev/urandom > "$work/b.bin"
printf '{"x": 1}\n' > "$work/config.json"
cat > "$work/lock.json" <<JSON
{"version": 1, "bundle": "bench", "manifest_sha256": null, "targets": [],
 "repos": [{"type": "model", "repo": "org/big", "revision": "main",
   "commit": "0123456789abcdef0123456789abcdef01234567",
   "files": [{"path": "a.bin", "source": "$work/a.bin", "lfs": true},
             {"path": "b.bin", "source": "$work/b.bin", "lfs": true},
             {"path": "config.json", "source": "$work/config.json", "lfs": false}]}]}
JSON
"$PUT" "$work/connected" "$work/lock.json"
AIRLOCK_STORE="$work/connected" "$AIRLOCK" keygen -W -o "$work/k" >/dev/null
AIRLOCK_STORE="$work/connected" "$AIRLOCK" -q export -o "$work/media" --key "$work/k.key" --volume-size 1G
rm -f "$work/a.bin" "$work/b.bin"
sync

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
: > "$work/air"; : > "$work/ssl"; : > "$work/tar"
i=0
while [ "$i" -lt "$RUNS" ]; do
	rm -rf "$work/isolated" "$work/x"
	AIRLOCK_STORE="$work/isolated" "$AIRLOCK" -q trust add "$work/k.pub"
	measure air env AIRLOCK_STORE="$work/isolated" "$AIRLOCK" -q import "$work/media"
	echo "$air_s $air_kb $air_cpu" >> "$work/air"
	rm -rf "$work/isolated"
	measure ssl sh -c 'openssl dgst -sha256 "$0"/vol-*.tar' "$work/media"
	echo "$ssl_s $ssl_kb $ssl_cpu" >> "$work/ssl"
	mkdir -p "$work/x"
	measure tar sh -c 'for v in "$0"/vol-*.tar; do tar -xf "$v" -C "$1"; done; sync' "$work/media" "$work/x"
	echo "$tar_s $tar_kb $tar_cpu" >> "$work/tar"
	i=$((i + 1))
done
air_s=$(cut -d' ' -f1 "$work/air" | median); air_kb=$(cut -d' ' -f2 "$work/air" | median)
ssl_s=$(cut -d' ' -f1 "$work/ssl" | median); ssl_kb=$(cut -d' ' -f2 "$work/ssl" | median)
tar_s=$(cut -d' ' -f1 "$work/tar" | median)
air_cpu=$(cut -d' ' -f3 "$work/air" | median); ssl_cpu=$(cut -d' ' -f3 "$work/ssl" | median)
tar_cpu=$(cut -d' ' -f3 "$work/tar" | median)
pair=$(awk -v a="$ssl_s" -v b="$tar_s" 'BEGIN { print a + b }')
printf 'import of %d MiB in %d volumes, median of %d: airlock %.2f s (peak RSS %d KiB) | openssl dgst %.2f s (%d KiB) + tar -x %.2f s = %.2f s | ratio %.2f (target <= 0.6, RSS < 65536 KiB)\n' \
	"$SIZE" "$(ls "$work/media"/vol-*.tar | wc -l)" "$RUNS" "$air_s" "$air_kb" "$ssl_s" "$ssl_kb" \
	"$tar_s" "$pair" "$(awk -v a="$air_s" -v b="$pair" 'BEGIN { printf "%.2f", a / b }')"
printf 'cpu (user + system, medians): airlock %.2f s | openssl dgst %.2f s + tar -x %.2f s\n' "$air_cpu" "$ssl_cpu" "$tar_cpu"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
