#!/bin/sh
# airlock store add FILE...: digests, new or present, --json, and hostile
# paths (a FIFO, a symbolic link, a directory, an unreadable file, a missing
# one) refused with a clear error, adding nothing.
. "$(dirname "$0")/lib.sh"

blobs() { "$AIRLOCK" --json info | sed -n 's/.*"blobs": *\([0-9]*\).*/\1/p'; }

head -c 1500000 /dev/urandom > "$T/model.bin"
printf 'in-house wheel\n' > "$T/w.whl"
: > "$T/empty"
want=$(sha256sum "$T/model.bin" | cut -d' ' -f1)

run "$AIRLOCK" store add "$T/model.bin" "$T/w.whl" "$T/empty"
is "$status" 0 "store add of three files"
is "$(printf '%s\n' "$out" | sed -n 1p)" "$want  new  $T/model.bin" "prints the sha256, new, the name"
is "$(printf '%s\n' "$out" | grep -c '  new  ')" 3 "all three were new"
like "$out" "^e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  new  .*/empty$" \
	"an empty file is a blob too"
ok '[ -f "$AIRLOCK_STORE/blobs/sha256/$(echo "$want" | cut -c1-2)/$want" ]' "the blob is in the store"
run "$AIRLOCK" store add "$T/model.bin"
is "$out" "$want  present  $T/model.bin" "adding it again: present"
run "$AIRLOCK" --json store add "$T/w.whl"
like "$out" '"event": *"store-add"' "--json: one event"
like "$out" '"new": *false' "with new: false"
run "$AIRLOCK" info
like "$out" "sha256: +OpenSSL" "airlock info names the SHA-256 implementation"
n0=$(blobs)
is "$n0" 3 "three blobs"

# ---- hostile paths --------------------------------------------------------
mkfifo "$T/fifo"
ln -s "$T/model.bin" "$T/link"
mkdir "$T/dir"
run "$AIRLOCK" store add "$T/fifo"
is "$status" 3 "a FIFO is refused"
like "$err" "'$T/fifo' is a FIFO: only regular files are added" "saying what it is (and not blocking)"
run "$AIRLOCK" store add "$T/link"
is "$status" 3 "a symbolic link is refused"
like "$err" "'$T/link' is a symbolic link: name the file itself" "saying so"
run "$AIRLOCK" store add "$T/dir"
is "$status" 3 "a directory is refused"
like "$err" "'$T/dir' is a directory" "saying so"
run "$AIRLOCK" store add "$T/missing"
is "$status" 3 "a missing file is an error"
like "$err" "cannot read '$T/missing': No such file" "naming it"
if [ "$(id -u)" -eq 0 ]; then
	skip "unreadable files: running as root, which reads them anyway"
	skip "unreadable files: running as root"
else
	printf 'secret\n' > "$T/unreadable"
	chmod 000 "$T/unreadable"
	run "$AIRLOCK" store add "$T/unreadable"
	is "$status" 3 "an unreadable file is an error"
	like "$err" "cannot open '$T/unreadable': Permission denied" "naming it and why"
fi
head -c 1000 /dev/urandom > "$T/fresh"
run "$AIRLOCK" store add "$T/fifo" "$T/fresh" "$T/dir"
is "$status" 3 "a bad path among good ones: the command fails"
like "$out" "  new  $T/fresh" "the good one is still added"
is "$(blobs)" $((n0 + 1)) "and only it: the refused paths added nothing"
is "$(ls -A "$AIRLOCK_STORE/tmp" 2>/dev/null)" "" "nothing left in the store's tmp/"
run "$AIRLOCK" store verify
is "$status" 0 "the store verifies clean"

# ---- one batch: the same bytes twice, files of every size -------------------
cp "$T/fresh" "$T/fresh2"
head -c 5000000 /dev/urandom > "$T/big2"
printf 'another wheel\n' > "$T/w2.whl"
run "$AIRLOCK" store add "$T/fresh2" "$T/big2" "$T/w2.whl" "$T/big2"
is "$status" 0 "a batch of four"
is "$(printf '%s\n' "$out" | awk '{print $2}' | tr '\n' ' ')" "present new new present " \
	"in order: known bytes present, the same file twice new then present"
is "$(blobs)" $((n0 + 3)) "two more blobs recorded"
want=$(sha256sum "$T/big2" | cut -d' ' -f1)
ok '[ -f "$AIRLOCK_STORE/blobs/sha256/$(echo "$want" | cut -c1-2)/$want" ]' "the 5 MB blob is in the store"
run "$AIRLOCK" store verify
is "$status" 0 "the store verifies clean"
run "$AIRLOCK" store add
is "$status" 2 "store add without a FILE is a usage error"
finish
