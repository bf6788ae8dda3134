#!/bin/sh
# scripts/crash-test.sh [TRIALS] [SEED]: airlock loses nothing under SIGKILL
# and on a full disk (docs/reports/reliability-crash.md).
#
# Part 1: TRIALS (default 50) runs of fetch, import, publish and store gc in
# turn, each killed with SIGKILL after a delay drawn from awk's srand(SEED)
# (default 1) as a fraction of an uninterrupted run's duration. After each
# kill: `airlock store verify` must exit 0, the same command run again must
# succeed, and its result must equal the uninterrupted run's: the recorded
# blobs, refs, bundles (lock text hashed) and imports; for gc also the files
# under blobs/; for publish the tree (paths, file hashes, link targets) and
# exactly one generation left; for import the ledger's acceptance.
#
# Part 2: a small file system (tmpfs size=8m, else an 8 MiB ext4 loop
# device, else SKIP) holding in turn the store for fetch, the media
# directory for export, the store for import and the target for publish.
# Each must fail with a "no space"/"not enough space" message (exit 1..3,
# not a signal), the store must verify clean, and after the file system
# grows (remount size=64m) the same command must succeed.
#
# Output is TAP (tests/cli/lib.sh), ending with "# crash trials: N, clean: N".
# Environment: top_srcdir, top_builddir (for an out-of-tree build), AIRLOCK,
# PYTHON3; CRASH_MB (MiB per large file, default 8), CRASH_FILES (small
# files in the publish and gc sets, default 400), CRASH_FULLDISK=0 skips
# part 2. Needs sqlite3 and the test helper tests/unit/bundle-put (make
# check builds it; else `make tests/unit/bundle-put tests/unit/store-add`).

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"
trap 'exit 130' INT TERM HUP # run the EXIT trap: unmount, stop the servers

TRIALS=${1:-50}
SEED=${2:-1}
MB=${CRASH_MB:-8}
NFILES=${CRASH_FILES:-400}
PUT="$top_builddir/tests/unit/bundle-put"
ADD="$top_builddir/tests/unit/store-add"
export AIRLOCK_KEYGEN_KDF=interactive
printf 'crash test\n' > "$T/pass"
export AIRLOCK_PASSPHRASE_FILE="$T/pass"

for need in "$PUT" "$ADD"; do
	[ -x "$need" ] || { echo "Bail out! $need is missing (make tests/unit/bundle-put tests/unit/store-add)"; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "Bail out! sqlite3 is not installed"; exit 1; }

# With AL_EXEC=exec (in a subshell) airlock replaces the shell, so that $! is
# airlock itself and SIGKILL reaches it, not a shell that would leave it running.
al() { ${AL_EXEC:-} "$AIRLOCK" "$@" </dev/null; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The store's recorded state, without times.
state() {
	sqlite3 "$1/airlock.db" "
		SELECT 'blob', sha256, size FROM blobs ORDER BY 2;
		SELECT 'ref', owner, sha256 FROM refs ORDER BY 2, 3;
		SELECT 'bundle', name, manifest_sha256, hex(sha3(lock)) FROM bundles ORDER BY 2;
		SELECT 'import', media_id, bundle, seq, base, manifest_sha256 FROM imports ORDER BY 2;"
}

# Files under blobs/ (gc's result on disk).
blob_files() { (cd "$1/blobs" && find . -type f | LC_ALL=C sort); }

# A published tree: directories, file hashes, link targets; the generation
# name in airlock-published.json is time-pid, so it is checked apart.
tree_listing() {
	(cd "$1/" && {
		find . -mindepth 1 -type d | sed 's/^/D /'
		find . -type l -printf 'L %p -> %l\n'
		find . -type f ! -name airlock-published.json -exec sha256sum {} + | sed 's/^/F /'
	} | LC_ALL=C sort)
}
tree_ok() { # DIR: a link to the one generation left (nothing else), a whole tree
	_gens=$(dirname "$1")/.$(basename "$1").airlock
	[ -L "$1" ] && [ "$(find "$_gens" -mindepth 1 -maxdepth 1 | wc -l)" -eq 1 ] &&
		[ "$(find "$_gens" -mindepth 1 -maxdepth 1)" = "$_gens/$(basename "$(readlink "$1")")" ] &&
		grep -q '"bundles"' "$1/airlock-published.json"
}

# ---- the data -------------------------------------------------------------------------------
W=$T/wheels
"$PYTHON3" "$top_srcdir/tests/helpers/crashwheels.py" "$W" 4 $((MB * 1024)) "$SEED" ||
	{ echo "Bail out! cannot build the wheels"; exit 1; }
# each file at about MB MiB per second: a fetch takes a second or so
indexserver_start --latency-ms 20 --fault "/files/*.whl=slow:${CRASH_BPS:-$((MB * 1048576))}" "$W" ||
	{ echo "Bail out! the index server did not start"; exit 1; }
mkdir -p "$T/proj"
index_manifest "$T/proj/airlock.yaml" crash "crashtop"
run al --store "$T/lockstore" lock -f "$T/proj/airlock.yaml"
is "$status" 0 "lock the crash wheels"
[ "$status" -eq 0 ] || echo "# $err" | head -5

# A connected store with a bundle: the wheels, a model with MB-sized files and
# NFILES small files; the media exported from it in volumes of MB/2 MiB, so
# the large objects are split.
mkdir -p "$T/repo/many"
head -c $((MB * 1048576)) /dev/urandom > "$T/repo/weights-1.bin"
head -c $((MB * 1048576 + 12345)) /dev/urandom > "$T/repo/weights-2.bin"
i=0
files_json=""
while [ $i -lt "$NFILES" ]; do
	printf 'file %d of the crash test, seed %s\n' $i "$SEED" > "$T/repo/many/f$i.txt"
	files_json="$files_json{\"path\": \"many/f$i.txt\", \"source\": \"$T/repo/many/f$i.txt\", \"lfs\": false},"
	i=$((i + 1))
done
dists=""
for f in "$W"/*.whl; do
	b=$(basename "$f"); n=${b%%-*}
	dists="$dists{\"name\": \"$n\", \"version\": \"1.0\", \"filename\": \"$b\", \"url\": \"http://x/\",
	  \"source\": \"$f\", \"metadata_source\": \"$f.metadata\", \"required_by\": [\"-\"]},"
done
cat > "$T/bundle.json" <<JSON
{"version": 1, "bundle": "crash", "manifest_sha256": null,
 "targets": [{"name": "cp311-manylinux_2_28_x86_64", "python_version": "3.11", "implementation": "cp",
   "platforms": ["manylinux_2_28_x86_64"], "distributions": [${dists%,}]}],
 "repos": [{"type": "model", "repo": "crash-org/model", "revision": "main",
   "commit": "0123456789abcdef0123456789abcdef01234567",
   "files": [$files_json
     {"path": "weights-1.bin", "source": "$T/repo/weights-1.bin", "lfs": true},
     {"path": "weights-2.bin", "source": "$T/repo/weights-2.bin", "lfs": true}]}]}
JSON
A=$T/connected
run "$PUT" "$A" "$T/bundle.json"
is "$status" 0 "a connected store with the crash bundle"
[ "$status" -eq 0 ] || echo "# $err" | head -5
run al keygen -o "$T/ops"
is "$status" 0 "keygen"
run al --store "$A" export -o "$T/media" --key "$T/ops.key" --volume-size $(((MB + 1) / 2))M
is "$status" 0 "export the media"
[ "$status" -eq 0 ] || echo "# $err" | head -5
B0=$T/isolated0
run al --store "$B0" trust add "$T/ops.pub"
is "$status" 0 "an isolated store that trusts the key"

# A store with NFILES*10 unreferenced blobs (and the bundle, which stays).
# store-add would fsync each one; the test writes them as the store does
# (blobs/sha256/ab/<hex>, mode 0444, a row each) without syncing.
G0=$T/gc0
"$PUT" "$G0" "$T/bundle.json" >/dev/null 2>&1
head -c $((MB * 1048576)) /dev/urandom > "$T/junk-big"
"$ADD" "$G0" "$T/junk-big" >/dev/null
run "$PYTHON3" -c '
import hashlib, os, sqlite3, sys
store, n, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3]
db = sqlite3.connect(os.path.join(store, "airlock.db"))
for i in range(n):
    data = b"junk %d %s\n" % (i, seed.encode())
    hx = hashlib.sha256(data).hexdigest()
    d = os.path.join(store, "blobs", "sha256", hx[:2])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hx), "wb") as f:
        f.write(data)
    os.chmod(os.path.join(d, hx), 0o444)
    db.execute("INSERT INTO blobs (sha256, size, added) VALUES (?, ?, 0)", (hx, len(data)))
db.commit()
db.close()' "$G0" $((NFILES * 10)) "$SEED"
is "$status" 0 "a store with $((NFILES * 10 + 1)) unreferenced blobs"
[ "$status" -eq 0 ] || echo "# $err" | head -5

# Publishing copies when the target is on another file system: slower, and
# the path with partial files. A tmpfs for the targets when we may mount.
PUBFS=$T/pubfs
mkdir -p "$PUBFS"
if mount -t tmpfs -o size=$((MB * 40 + 64))m tmpfs "$PUBFS" 2>/dev/null; then
	at_exit "umount '$PUBFS' 2>/dev/null || umount -l '$PUBFS'"
	pubfs_note="copied to a tmpfs"
else
	pubfs_note="hard-linked (cannot mount a tmpfs)"
fi

# ---- the uninterrupted runs -----------------------------------------------------------------
cmd_fetch() { al --store "$1" fetch -f "$T/proj/airlock.yaml" --locked; }
cmd_import() { al --store "$1" import "$T/media"; }
cmd_publish() { al --store "$A" publish -o "$1"; }
cmd_gc() { al --store "$1" store gc; }

t0=$(now_ms); run cmd_fetch "$T/ref-fetch"; ms_fetch=$(($(now_ms) - t0))
is "$status" 0 "reference fetch ($ms_fetch ms)"
[ "$status" -eq 0 ] || echo "# $err" | head -5
state "$T/ref-fetch" > "$T/ref-fetch.state"

cp -a "$B0" "$T/ref-import"
t0=$(now_ms); run cmd_import "$T/ref-import"; ms_import=$(($(now_ms) - t0))
is "$status" 0 "reference import ($ms_import ms)"
[ "$status" -eq 0 ] || echo "# $err" | head -5
state "$T/ref-import" > "$T/ref-import.state"

t0=$(now_ms); run cmd_publish "$PUBFS/ref/tree"; ms_publish=$(($(now_ms) - t0))
is "$status" 0 "reference publish, $pubfs_note ($ms_publish ms)"
[ "$status" -eq 0 ] || echo "# $err" | head -5
tree_listing "$PUBFS/ref/tree" > "$T/ref-publish.tree"
ok 'tree_ok "$PUBFS/ref/tree"' "the reference tree is a link to its one generation"

cp -a "$G0" "$T/ref-gc"
t0=$(now_ms); run cmd_gc "$T/ref-gc"; ms_gc=$(($(now_ms) - t0))
is "$status" 0 "reference gc ($ms_gc ms)"
[ "$status" -eq 0 ] || echo "# $err" | head -5
{ state "$T/ref-gc"; blob_files "$T/ref-gc"; } > "$T/ref-gc.state"
ok '[ "$(grep -c ^blob "$T/ref-gc.state")" -lt "$(sqlite3 "$G0/airlock.db" "select count(*) from blobs")" ]' \
	"gc removed blobs"

# ---- the trials ------------------------------------------------------------------------------
awk -v seed="$SEED" -v n="$TRIALS" \
	'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%.4f\n", 0.02 + 0.96 * rand() }' \
	> "$T/fractions"

trials=0 clean=0 killed=0
trial() { # N OP FRACTION
	_tn=$1 _op=$2 _frac=$3
	eval "_ref_ms=\$ms_$_op"
	_ms=$(awk -v f="$_frac" -v r="$_ref_ms" 'BEGIN { printf "%d", f * r }')
	_dir=$T/trial-$_tn
	_why=""
	case $_op in
	fetch) _target=$_dir/store ;;
	import) cp -a "$B0" "$_dir.store"; _target=$_dir.store ;;
	gc) cp -a "$G0" "$_dir.store"; _target=$_dir.store ;;
	publish)
		_target=$PUBFS/t$_tn/tree
		# every other publish trial replaces an existing tree
		if [ $((_tn % 8)) -ge 4 ]; then
			cmd_publish "$_target" >/dev/null 2>&1 || _why="the first publish failed"
		fi ;;
	esac
	_store=$_target
	[ "$_op" = publish ] && _store=$A

	# start, wait, SIGKILL (if it is still running)
	(AL_EXEC=exec; "cmd_$_op" "$_target") > "$_dir.log1" 2>&1 &
	_pid=$!
	sleep "$(awk -v m="$_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -KILL "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	_rc=$?
	_what="killed at $_ms ms"
	if [ $_rc -eq 137 ]; then
		killed=$((killed + 1))
	else
		_what="finished (exit $_rc) before the kill at $_ms ms"
	fi

	if [ -z "$_why" ] && [ -e "$_store/airlock.db" ]; then
		if ! al --store "$_store" store verify > "$_dir.verify" 2>&1; then
			_why="store verify after the kill: $(tail -3 "$_dir.verify")"
		fi
	fi
	if [ -z "$_why" ] && ! "cmd_$_op" "$_target" > "$_dir.log2" 2>&1; then
		_why="the rerun failed: $(tail -3 "$_dir.log2")"
	fi
	if [ -z "$_why" ] && ! al --store "$_store" store verify > "$_dir.verify" 2>&1; then
		_why="store verify after the rerun: $(tail -3 "$_dir.verify")"
	fi
	if [ -z "$_why" ]; then
		case $_op in
		fetch|import)
			state "$_store" > "$_dir.state"
			cmp -s "$_dir.state" "$T/ref-$_op.state" ||
				_why="the store differs: $(diff "$T/ref-$_op.state" "$_dir.state" | head -5)" ;;
		gc)
			{ state "$_store"; blob_files "$_store"; } > "$_dir.state"
			cmp -s "$_dir.state" "$T/ref-gc.state" ||
				_why="the store differs: $(diff "$T/ref-gc.state" "$_dir.state" | head -5)" ;;
		publish)
			tree_listing "$_target" > "$_dir.state"
			if ! cmp -s "$_dir.state" "$T/ref-publish.tree"; then
				_why="the tree differs: $(diff "$T/ref-publish.tree" "$_dir.state" | head -5)"
			elif ! tree_ok "$_target"; then
				_why="not exactly one generation, linked from the tree: $(ls -a "$(dirname "$_target")"/.tree.airlock)"
			fi ;;
		esac
	fi
	if [ -z "$_why" ] && [ "$_op" = import ]; then
		al --store "$_store" log > "$_dir.ledger" 2>&1
		grep -q "accepted media" "$_dir.ledger" || _why="the ledger shows no acceptance: $(cat "$_dir.ledger")"
		ls -d "$_store"/tmp/import-* >/dev/null 2>&1 && _why="a staging directory is left in tmp/"
	fi
	trials=$((trials + 1))
	if [ -z "$_why" ]; then
		clean=$((clean + 1))
		_result 0 "trial $_tn: $_op $_what: verify clean, rerun ok, same result"
		chmod -R u+w "$_dir"* 2>/dev/null
		rm -rf "$_dir" "$_dir".* "$PUBFS/t$_tn"
	else
		_result 1 "trial $_tn: $_op $_what"
		printf '%s\n' "$_why" | sed 's/^/#   /'
		rm -rf "$PUBFS/t$_tn" # a tree takes about 5 times MB; the next trials need the room
	fi
}

i=0
while read -r frac; do
	case $((i % 4)) in
	0) op=fetch ;; 1) op=import ;; 2) op=publish ;; 3) op=gc ;;
	esac
	trial $i $op "$frac" </dev/null
	i=$((i + 1))
done < "$T/fractions"
echo "# crash trials: $trials, clean: $clean (killed mid-run: $killed; seed $SEED, $MB MiB files)"

# ---- a crash inside the import commit, then gc, then import again -----------------------------
# The state a SIGKILL between moving the staged objects into blobs/ and the
# commit leaves (every volume marked verified, the objects strays), made by
# hand because the window is too short to hit by chance; gc then removes the
# strays, and the import must read the volumes again rather than fail.
X=$T/resume
cp -a "$B0" "$X"
media_id=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/media/airlock-media.json")
mkdir -p "$X/tmp/import-$media_id/parts"
for v in "$T/media"/vol-*.tar; do : > "$X/tmp/import-$media_id/$(basename "$v").done"; done
(cd "$T/ref-import/blobs" && find . -type f) | while read -r f; do
	mkdir -p "$X/blobs/$(dirname "$f")" && cp -p "$T/ref-import/blobs/$f" "$X/blobs/$f"
done
run al --store "$X" store verify
is "$status" 0 "interrupted commit: the moved objects are strays, the store verifies clean"
[ "$status" -eq 0 ] || echo "# $out $err" | head -5
run al --store "$X" store gc
is "$status" 0 "interrupted commit: gc removes the strays"
[ "$status" -eq 0 ] || echo "# $out $err" | head -5
run al --store "$X" import "$T/media"
is "$status" 0 "interrupted commit: import again reads the volumes again and succeeds"
[ "$status" -eq 0 ] || echo "# $err"
ok '[ "$(state "$X")" = "$(cat "$T/ref-import.state")" ]' "with the uninterrupted import's result"
ok '! ls -d "$X"/tmp/import-* >/dev/null 2>&1' "and no staging directory left"
# a crash after the commit: the staging directory stays; importing again removes it
mkdir -p "$X/tmp/import-$media_id/parts" && : > "$X/tmp/import-$media_id/parts/x"
run al --store "$X" import "$T/media"
like "$out" "nothing to do" "interrupted cleanup: import again is a no-op"
ok '! ls -d "$X"/tmp/import-* >/dev/null 2>&1' "that removes the staging directory left behind"

# ---- part 2: a full disk ----------------------------------------------------------------------
DISK=$T/disk
disk_kind=""
disk_up() { # an 8 MiB file system at $DISK
	mkdir -p "$DISK"
	if [ "$disk_kind" != loop ] && mount -t tmpfs -o size=8m tmpfs "$DISK" 2>"$T/mount.err"; then
		disk_kind=tmpfs
		return 0
	fi
	[ "$disk_kind" = tmpfs ] && return 1
	rm -f "$T/disk.img"
	truncate -s 8M "$T/disk.img" && mkfs.ext4 -q -F "$T/disk.img" >/dev/null 2>&1 &&
		mount -o loop "$T/disk.img" "$DISK" 2>>"$T/mount.err" || return 1
	disk_kind=loop
}
disk_grow() { # to 64 MiB
	if [ "$disk_kind" = tmpfs ]; then
		mount -o remount,size=64m "$DISK"
	else
		umount "$DISK" && truncate -s 64M "$T/disk.img" && e2fsck -fp "$T/disk.img" >/dev/null 2>&1
		resize2fs "$T/disk.img" >/dev/null 2>&1 && mount -o loop "$T/disk.img" "$DISK"
	fi
}
disk_down() { chmod -R u+w "$DISK" 2>/dev/null; rm -rf "${DISK:?}"/* "$DISK"/.[!.]*; umount "$DISK"; }

# full_case NAME STORE CMD...: CMD fails for want of space, STORE verifies,
# the disk grows, CMD succeeds.
full_case() {
	_name=$1 _st=$2
	shift 2
	run "$@"
	ok '[ "$status" -ge 1 ] && [ "$status" -le 3 ]' "$_name on a full disk fails (exit $status, not a signal)"
	like "$err" "no space|not enough space|No space left" "$_name says there is no space"
	printf '%s\n' "$err" | head -2 | sed 's/^/# said: /'
	if [ -e "$_st/airlock.db" ]; then
		run al --store "$_st" store verify
		is "$status" 0 "$_name: the store verifies clean afterwards"
		[ "$status" -eq 0 ] || echo "# $out $err"
	else
		_result 0 "$_name: the store verifies clean afterwards (no store was made)"
	fi
	ok 'disk_grow' "$_name: the file system grows to 64 MiB"
	run "$@"
	is "$status" 0 "$_name succeeds once there is space"
	[ "$status" -eq 0 ] || echo "# $err"
	if [ -e "$_st/airlock.db" ]; then
		run al --store "$_st" store verify
		is "$status" 0 "$_name: and the store verifies clean"
	fi
}

if [ "${CRASH_FULLDISK:-1}" = 0 ]; then
	skip "full disk: CRASH_FULLDISK=0"
elif ! disk_up; then
	skip "full disk: cannot mount a tmpfs or a loop device: $(head -1 "$T/mount.err")"
else
	at_exit "umount '$DISK' 2>/dev/null || umount -l '$DISK' 2>/dev/null"
	FW=$T/fullwheels
	"$PYTHON3" "$top_srcdir/tests/helpers/crashwheels.py" "$FW" 3 3072 "$SEED"
	indexserver_start "$FW" || { echo "Bail out! the second index server did not start"; exit 1; }
	mkdir -p "$T/fullproj"
	index_manifest "$T/fullproj/airlock.yaml" full "crashtop"
	run al --store "$T/lockstore2" lock -f "$T/fullproj/airlock.yaml"
	is "$status" 0 "full disk ($disk_kind): lock 9 MiB of wheels"

	full_case "fetch into a store on an 8 MiB $disk_kind" "$DISK/store" \
		al --store "$DISK/store" fetch -f "$T/fullproj/airlock.yaml" --locked
	state "$DISK/store" > "$T/full.state"
	cp -a "$DISK/store" "$T/fullA"
	disk_down; disk_up

	full_case "export into an 8 MiB $disk_kind" "$T/fullA" \
		al --store "$T/fullA" export -o "$DISK/media" --key "$T/ops.key"
	cp -a "$DISK/media" "$T/fullmedia"
	disk_down; disk_up

	run al --store "$DISK/store" trust add "$T/ops.pub"
	is "$status" 0 "an isolated store on an 8 MiB $disk_kind"
	full_case "import into a store on an 8 MiB $disk_kind" "$DISK/store" \
		al --store "$DISK/store" import "$T/fullmedia"
	run al --store "$DISK/store" log
	like "$out" "REFUSED .*space" "the ledger records the refusal for want of space"
	like "$out" "accepted media" "and the acceptance"
	# besides the fetched blobs, import keeps the SBOM the medium carried
	sqlite3 "$DISK/store/airlock.db" "SELECT sha256 FROM refs WHERE owner LIKE 'sbom:%'" \
		> "$T/sbom.hashes"
	ok '[ -s "$T/sbom.hashes" ]' "the medium's SBOM is kept"
	is "$(state "$DISK/store" | grep ^blob | grep -v -F -f "$T/sbom.hashes")" \
		"$(grep ^blob "$T/full.state")" "the other imported blobs are the fetched ones"
	ok '[ -z "$(ls "$DISK/store/tmp")" ]' "no staging left in tmp/"
	disk_down; disk_up

	full_case "publish into an 8 MiB $disk_kind" "$T/fullA" \
		al --store "$T/fullA" publish -o "$DISK/pub"
	ok 'tree_ok "$DISK/pub"' "the tree is a link to its one generation"
	ok 'cmp -s "$DISK/pub/wheels/crashdep0-1.0-py3-none-any.whl" "$FW/crashdep0-1.0-py3-none-any.whl"' \
		"with the bytes"
	disk_down
fi

finish
