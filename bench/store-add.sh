#!/bin/sh
# bench/store-add.sh: adding a 1 GiB file to the store against the hashing
# limit of this CPU (openssl dgst -sha256 of the same file), side by side.
# Prints the best of N runs of each and the ratio. Target: <= 1.1.
#   usage: bench/store-add.sh [SIZE_MIB] [RUNS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
size=${1:-1024}
runs=${2:-5}
build=${top_builddir:-$top}
[ -f "$build/Makefile" ] || build=$top/build
add="$build/tests/unit/store-add"
[ -x "$add" ] || make -C "$build" tests/unit/store-add >/dev/null
work=$(mktemp -d "${TMPDIR:-/var/tmp}/airlock-bench.XXXXXX")
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT

head -c "$((size * 1024 * 1024))" /dev/urandom > "$work/file"
now() { date +%s.%N; }
best_air=999999 best_ssl=999999
i=0
while [ "$i" -lt "$runs" ]; do
	rm -rf "$work/store"; sync
	t0=$(now); "$add" "$work/store" "$work/file" >/dev/null; t1=$(now)
	t2=$(now); openssl dgst -sha256 "$work/file" >/dev/null; t3=$(now)
	best_air=$(echo "$t1 $t0 $best_air" | awk '{d=$1-$2; print (d<$3)?d:$3}')
	best_ssl=$(echo "$t3 $t2 $best_ssl" | awk '{d=$1-$2; print (d<$3)?d:$3}')
	i=$((i + 1))
done
rss=$( /usr/bin/time -f %M "$add" "$work/store2" "$work/file" 2>&1 >/dev/null | tail -1 )
printf 'store add %d MiB: airlock %.3f s, openssl dgst -sha256 %.3f s, ratio %.2f (target <= 1.10); airlock peak RSS %s KiB\n' \
	"$size" "$best_air" "$best_ssl" "$(echo "$best_air $best_ssl" | awk '{print $1/$2}')" "$rss"
