#!/bin/sh
# bench/store-add.sh: `airlock store add` of a 1 GiB file against the hashing
# limit of this CPU (`openssl dgst -sha256` of the same file), side by side:
# medians of RUNS alternating runs (default 3), page cache warm for both (the
# file is read once first), peak RSS of each side. Target: ratio <= 1.1.
#   usage: bench/store-add.sh [SIZE_MIB] [RUNS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
size=${1:-1024}
runs=${2:-3}
build=${top_builddir:-$top}
[ -x "$build/airlock" ] || build=$top/build
AIRLOCK=${AIRLOCK:-$build/airlock}
[ -x "$AIRLOCK" ] || { echo "bench: build airlock first" >&2; exit 3; }
work=$(mktemp -d "${TMPDIR:-/var/tmp}/airlock-bench.XXXXXX")
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT

head -c "$((size * 1024 * 1024))" /dev/urandom > "$work/file"
cat "$work/file" > /dev/null # both sides read it from the page cache
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
: > "$work/air"; : > "$work/ssl"
i=0
while [ "$i" -lt "$runs" ]; do
	rm -rf "$work/store"; sync
	/usr/bin/time -f '%e %M %U %S' -o "$work/t" "$AIRLOCK" --store "$work/store" store add "$work/file" >/dev/null
	cat "$work/t" >> "$work/air"
	/usr/bin/time -f '%e %M %U %S' -o "$work/t" openssl dgst -sha256 "$work/file" >/dev/null
	cat "$work/t" >> "$work/ssl"
	i=$((i + 1))
done
air=$(cut -d' ' -f1 "$work/air" | median); air_kb=$(cut -d' ' -f2 "$work/air" | median)
ssl=$(cut -d' ' -f1 "$work/ssl" | median); ssl_kb=$(cut -d' ' -f2 "$work/ssl" | median)
cpu() { awk '{print $3 + $4}' "$1" | median; }
echo "$("$AIRLOCK" --store "$work/store" info | sed -n 's/^sha256: *//p')"
printf 'store add %d MiB, median of %d: airlock %.2f s (%s KiB RSS), openssl dgst -sha256 %.2f s (%s KiB RSS), ratio %.2f (target <= 1.10)\n' \
	"$size" "$runs" "$air" "$air_kb" "$ssl" "$ssl_kb" "$(echo "$air $ssl" | awk '{print ($2 > 0) ? $1 / $2 : 0}')"
printf 'cpu (user + system, medians): airlock %.2f s, openssl dgst -sha256 %.2f s\n' "$(cpu "$work/air")" "$(cpu "$work/ssl")"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
