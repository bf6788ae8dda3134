#!/bin/sh
# airlock store verify / gc through the command line, and two processes at once.
. "$(dirname "$0")/lib.sh"

run "$AIRLOCK" init
is "$status" 0 "init"
run "$AIRLOCK" store verify
is "$status" 0 "verify on an empty store"
like "$out" 'checked 0 blobs' "reports nothing checked"

# Put blobs in with the library's test helper (the store API through a tiny program).
ADD="$top_builddir/tests/unit/store-add"
if [ ! -x "$ADD" ]; then
	skip "store-add helper not built"
	finish
	exit $?
fi
for i in 1 2 3; do printf 'blob %s\n' "$i" > "$T/f$i"; done
run "$ADD" "$AIRLOCK_STORE" "$T/f1" "$T/f2" "$T/f3"
is "$status" 0 "three blobs added"
h1=$(sha256sum "$T/f1" | cut -c1-64)
ok '[ -f "$AIRLOCK_STORE/blobs/sha256/$(echo $h1 | cut -c1-2)/$h1" ]' "stored under blobs/sha256/ab/<hex>"

run "$AIRLOCK" store verify
is "$status" 0 "verify is clean"
like "$out" 'checked 3 blobs.*0 missing, 0 corrupt' "and checked all three"

run "$AIRLOCK" --json store verify
like "$out" '"event":"verify"' "verify --json ends with a result object"

p="$AIRLOCK_STORE/blobs/sha256/$(echo $h1 | cut -c1-2)/$h1"
chmod u+w "$p"; printf 'tampered\n' > "$p"
run "$AIRLOCK" store verify
is "$status" 1 "a corrupt blob makes verify exit 1"
like "$err" "blob $h1: corrupt" "and names it"

rm -f "$p"
run "$AIRLOCK" store verify
is "$status" 1 "a missing blob makes verify exit 1"
like "$err" "blob $h1: missing" "and names it"

run "$AIRLOCK" store gc -n
is "$status" 0 "gc -n"
like "$out" 'would remove 3 blobs' "would remove the three unreferenced blobs"
run "$AIRLOCK" store gc
is "$status" 0 "gc"
run "$AIRLOCK" store verify
is "$status" 0 "after gc the store verifies clean"
like "$out" 'checked 0 blobs' "and is empty"

# Concurrency: two processes adding many blobs at once, with verify reading.
mkdir "$T/a" "$T/b"
i=0
while [ $i -lt 60 ]; do
	printf 'a %s\n' $i > "$T/a/$i"; printf 'b %s\n' $i > "$T/b/$i"
	printf 'shared %s\n' $i > "$T/a/s$i"; cp "$T/a/s$i" "$T/b/s$i"
	i=$((i + 1))
done
"$ADD" "$AIRLOCK_STORE" "$T"/a/* > "$T/a.log" 2>&1 &
pa=$!
"$ADD" "$AIRLOCK_STORE" "$T"/b/* > "$T/b.log" 2>&1 &
pb=$!
"$AIRLOCK" store verify > "$T/v.log" 2>&1
vs=$?
wait $pa; sa=$?
wait $pb; sb=$?
is "$sa.$sb" "0.0" "two writers at once both succeed"
is "$vs" 0 "a reader is not blocked and sees a consistent store"
[ "$vs" -eq 0 ] || sed 's/^/#   verify: /' "$T/v.log" | head -20
[ "$sa.$sb" = "0.0" ] || sed 's/^/#   writer: /' "$T/a.log" "$T/b.log" | head -20
run "$AIRLOCK" store verify
is "$status" 0 "the store verifies clean afterwards"
like "$out" 'checked 180 blobs' "with every distinct blob (60 + 60 + 60 shared)"

finish
