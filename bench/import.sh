#!/bin/sh
# bench/import.sh: importing 2 GiB of signed media against what a careful
# operator would otherwise run on the same volumes: `openssl dgst -sha256` of
# every volume, then `tar -x` of them, side by side. Prints the ratio and
# airlock's peak RSS. Target: <= 1.2x that pair, peak RSS under 64 MiB.
#   usage: bench/import.sh [SIZE_MIB]
. "$(dirname "$0")/common.sh"
SIZE=${1:-2048}
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
AIRLOCK_STORE="$work/isolated" "$AIRLOCK" -q trust add "$work/k.pub"
sync

measure air env AIRLOCK_STORE="$work/isolated" "$AIRLOCK" -q import "$work/media"
rm -rf "$work/isolated"; sync
measure ssl sh -c 'openssl dgst -sha256 "$0"/vol-*.tar' "$work/media"
mkdir -p "$work/x"
measure tar sh -c 'for v in "$0"/vol-*.tar; do tar -xf "$v" -C "$1"; done; sync' "$work/media" "$work/x"
pair=$(awk -v a="$ssl_s" -v b="$tar_s" 'BEGIN { print a + b }')
printf 'import of %d MiB in %d volumes: airlock %.2f s (peak RSS %d KiB) | openssl dgst + tar -x %.2f s | ratio %.2f (target <= 1.2, RSS < 65536 KiB)\n' \
	"$SIZE" "$(ls "$work/media"/vol-*.tar | wc -l)" "$air_s" "$air_kb" "$pair" \
	"$(awk -v a="$air_s" -v b="$pair" 'BEGIN { printf "%.2f", a / b }')"
