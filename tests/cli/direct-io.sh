#!/bin/sh
# Direct writes (docs/decisions/0060-direct-writes.md) on a device whose
# logical block is 4096 bytes: store add, whose buffers are page-aligned,
# writes them with O_DIRECT; import, whose tar data lies at 512-byte
# boundaries, is refused by the device (EINVAL) and goes on buffered. Either
# way every blob holds exactly its bytes, and a full device still fails
# cleanly. Needs root, losetup and mkfs.ext4; skips otherwise.
. "$(dirname "$0")/lib.sh"

PUT="$top_builddir/tests/unit/bundle-put"
M="$T/mnt"
mkdir -p "$M"
dev=""
if [ "$(id -u)" -eq 0 ] && command -v losetup >/dev/null && command -v mkfs.ext4 >/dev/null; then
	truncate -s 96M "$T/disk.img"
	if dev=$(losetup -f --show -b 4096 "$T/disk.img" 2>"$T/losetup.err"); then
		at_exit "umount '$M' 2>/dev/null; losetup -d '$dev' 2>/dev/null"
		if ! mkfs.ext4 -q -F -m 0 "$dev" 2>"$T/mkfs.err" || ! mount "$dev" "$M" 2>"$T/mount.err"; then
			dev=""
		fi
	else
		dev=""
	fi
fi
if [ -z "$dev" ]; then
	skip "direct writes on a 4096-byte-sector device: needs root, losetup and mkfs.ext4"
	finish
	exit $?
fi
ok '[ "$(cat "/sys/block/$(basename "$dev")/queue/logical_block_size")" = 4096 ]' \
	"a device with 4096-byte logical blocks"

# ---- store add: page-aligned buffers go direct, the tail buffered ---------
head -c $((5 * 1048576 + 1000)) /dev/urandom > "$T/model.bin"
want=$(sha256sum "$T/model.bin" | cut -d' ' -f1)
run "$AIRLOCK" --store "$M/store" store add "$T/model.bin"
is "$status" 0 "store add onto the device"
is "$out" "$want  new  $T/model.bin" "the digest of every byte"
blob="$M/store/blobs/sha256/$(echo "$want" | cut -c1-2)/$want"
ok 'cmp -s "$T/model.bin" "$blob"' "the blob holds exactly the file's bytes (tail included)"

# ---- import: 512-byte-aligned data, which this device refuses directly ----
mkdir -p "$T/w"
head -c $((3 * 1048576 + 777)) /dev/urandom > "$T/w/a.bin"
head -c $((2 * 1048576 + 4096)) /dev/urandom > "$T/w/b.bin"
cat > "$T/lock.json" <<JSON
{"version": 1, "bundle": "dio", "manifest_sha256": null, "targets": [],
 "repos": [{"type": "model", "repo": "org/dio", "revision": "main",
   "commit": "0123456789abcdef0123456789abcdef01234567",
   "files": [{"path": "a.bin", "source": "$T/w/a.bin", "lfs": true},
             {"path": "b.bin", "source": "$T/w/b.bin", "lfs": true}]}]}
JSON
run "$PUT" "$T/connected" "$T/lock.json"
is "$status" 0 "a bundle in the connected store"
AIRLOCK_STORE="$T/connected" "$AIRLOCK" keygen -W -o "$T/k" >/dev/null 2>&1
run env AIRLOCK_STORE="$T/connected" "$AIRLOCK" -q export -o "$T/media" --key "$T/k.key" \
	--volume-size 2M
is "$status" 0 "export in 2 MiB volumes (the objects split across them)"
run env AIRLOCK_STORE="$M/isolated" "$AIRLOCK" -q trust add "$T/k.pub"
run env AIRLOCK_STORE="$M/isolated" "$AIRLOCK" -q import "$T/media"
is "$status" 0 "import onto the device"
[ "$status" -eq 0 ] || echo "# $err"
for f in a.bin b.bin; do
	h=$(sha256sum "$T/w/$f" | cut -d' ' -f1)
	ok 'cmp -s "$T/w/$f" "$M/isolated/blobs/sha256/$(echo "$h" | cut -c1-2)/$h"' \
		"$f: the imported blob holds exactly its bytes"
done
run env AIRLOCK_STORE="$M/isolated" "$AIRLOCK" store verify
is "$status" 0 "store verify of the imported store"

# ---- a full device: a clean error, nothing left behind --------------------
free_kb=$(df -k "$M" | awk 'NR == 2 {print $4}') # -m 0: no blocks kept for root
head -c $(((free_kb + 4096) * 1024)) /dev/urandom > "$T/huge.bin"
run "$AIRLOCK" --store "$M/store" store add "$T/huge.bin"
is "$status" 3 "store add of more than the device holds fails"
like "$err" "No space left on device" "saying why"
ok '[ -z "$(ls -A "$M/store/tmp")" ]' "no temporary file is left"
run "$AIRLOCK" --store "$M/store" store add "$T/model.bin"
is "$out" "$want  present  $T/model.bin" "the store is as it was"

finish
