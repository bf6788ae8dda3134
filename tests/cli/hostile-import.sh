#!/bin/sh
# Hostile media against the importer (docs/reference/threat-model.md, docs/reference/media.md):
# media files that are FIFOs, devices or links; seq far in the future;
# public keys of small order; sizes that wrap. Each medium is signed by a
# trusted key, so only the importer's own checks stand in the way; each
# refusal is quick, clear, and changes nothing (one refused ledger line).
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/hostile.sh"
hostile_init

NOW=$(date +%s)
W=$(hostile_wheel extrapkg 1.0)
I64MAX=9223372036854775807

# spec FILE BUNDLE SEQ [MANIFEST-OVERRIDE]: a good medium, bundle BUNDLE
# holding extrapkg 1.0, unless the override says otherwise.
spec() {
	cat > "$1" <<JSON
{"seq": $3, "contents": [$(hostile_lock "$2" "[{\"name\": \"extrapkg\", \"version\": \"1.0\",
  \"filename\": \"extrapkg-1.0-py3-none-any.whl\", \"source\": \"$W\", \"required_by\": [\"-\"]}]")],
 "manifest": ${4:-{\}}}
JSON
}

# refused NAME EXPECTED-MESSAGE CMD...: CMD says no with the message, and the
# store, the published tree and the ledger (but one refused line for import)
# stay. It runs under timeout 60 so that a hang (reading a FIFO, /dev/zero)
# shows as a failure; no test asserts how long a refusal takes.
refused() {
	_name=$1 _want=$2
	shift 2
	state > "$T/before"
	_lines=$(ledger_count)
	run timeout 60 "$@"
	ok '[ "$status" -ne 0 ] && [ "$status" -ne 124 ]' "$_name: refused (status $status)"
	like "$err" "$_want" "$_name: says why"
	state_same "$T/before" "$_name: nothing changed"
	case " $* " in
	*" import --trust "*) is "$(ledger_count)" "$_lines" "$_name: no ledger line (a key file)" ;;
	*" import "*)
		is "$(ledger_count)" $((_lines + 1)) "$_name: one ledger line"
		like "$(ledger_last)" ", 0, " "$_name: a refusal" ;;
	*) is "$(ledger_count)" "$_lines" "$_name: no ledger line" ;;
	esac
}

# ---- files that are not regular files ----------------------------------------

spec "$T/good.json" extra 200
hostile_media "$T/m" "$T/good.json" || echo "Bail out! cannot build a medium"

fresh() { rm -rf "$T/x" && cp -a "$T/m" "$T/x"; }

fresh; rm "$T/x/airlock-media.json"; mkfifo "$T/x/airlock-media.json"
refused "FIFO as airlock-media.json" "'$T/x/airlock-media.json' is a FIFO, not a regular file" \
	"$AIRLOCK" import "$T/x"
refused "FIFO as airlock-media.json (verify)" "is a FIFO, not a regular file" \
	"$AIRLOCK" verify "$T/x"

fresh; rm "$T/x/airlock-media.json.minisig"; mkfifo "$T/x/airlock-media.json.minisig"
refused "FIFO as the .minisig" "'$T/x/airlock-media.json.minisig' is a FIFO, not a regular file" \
	"$AIRLOCK" import "$T/x"

fresh; rm "$T/x/vol-0001.tar"; mkfifo "$T/x/vol-0001.tar"
refused "FIFO as a volume" "vol-0001.tar' is not a regular file" "$AIRLOCK" import "$T/x"
refused "FIFO as a volume (verify)" "vol-0001.tar' is not a regular file" "$AIRLOCK" verify "$T/x"

fresh; rm "$T/x/vol-0001.tar"; ln -s /dev/zero "$T/x/vol-0001.tar"
refused "symlink to /dev/zero as a volume" "vol-0001.tar' is not a regular file" \
	"$AIRLOCK" import "$T/x"

# a volume in a second directory is opened the same way
fresh; mkdir -p "$T/y"; rm "$T/x/vol-0001.tar"; mkfifo "$T/y/vol-0001.tar"
refused "FIFO as a volume in a second directory" "'$T/y/vol-0001.tar' is a FIFO, not a regular file" \
	"$AIRLOCK" import "$T/x" "$T/y"
rm -rf "$T/y"

fresh; rm "$T/x/airlock-media.json"; ln -s /dev/zero "$T/x/airlock-media.json"
refused "symlink to /dev/zero as airlock-media.json" \
	"'$T/x/airlock-media.json' is a symbolic link, not a regular file" "$AIRLOCK" import "$T/x"

fresh; mv "$T/x/airlock-media.json" "$T/real.json"; ln -s "$T/real.json" "$T/x/airlock-media.json"
refused "symlink to a good airlock-media.json" "is a symbolic link, not a regular file" \
	"$AIRLOCK" import "$T/x"
rm -f "$T/real.json"

if [ -c /dev/tty ] && (: < /dev/tty) 2>/dev/null; then
	fresh; rm "$T/x/airlock-media.json.minisig"; ln -s /dev/tty "$T/x/airlock-media.json.minisig"
	refused "symlink to /dev/tty as the .minisig" "is a symbolic link, not a regular file" \
		"$AIRLOCK" import "$T/x"
else
	skip "no terminal: the /dev/tty case"
fi

# --trust files and trust add: a link to a key file is fine, a FIFO is not
mkfifo "$T/fifo.pub"
refused "FIFO as a --trust key" "'$T/fifo.pub' is a FIFO, not a regular file" \
	"$AIRLOCK" verify --trust "$T/fifo.pub" "$T/m"
refused "FIFO as the key to trust add" "'$T/fifo.pub' is a FIFO, not a regular file" \
	"$AIRLOCK" trust add "$T/fifo.pub"
refused "/dev/zero as the key to trust add" "'/dev/zero' is a device, not a regular file" \
	"$AIRLOCK" trust add /dev/zero
ln -s "$T/ops.pub" "$T/link.pub"
run "$AIRLOCK" verify --trust "$T/link.pub" "$T/m"
is "$status" 0 "a --trust key reached through a symbolic link is fine"

# the medium's directory itself may be a link (a mount point often is)
ln -s "$T/m" "$T/mlink"
run timeout 60 "$AIRLOCK" import "$T/mlink"
is "$status" 0 "a medium whose directory is a symbolic link imports"
like "$out" "imported extra \(seq 200" "and says so"

# ---- seq far in the future -----------------------------------------------------

for s in $I64MAX $((I64MAX - 1)) $((NOW + 8 * 86400)); do
	spec "$T/seq.json" extra "$s"
	rm -rf "$T/s"; hostile_media "$T/s" "$T/seq.json"
	refused "seq $s" "seq $s is [0-9]+ days ahead of this machine's clock .*at most 7 days ahead" \
		"$AIRLOCK" import "$T/s"
done
refused "seq INT64_MAX (verify)" "days ahead" "$AIRLOCK" verify "$T/s"

spec "$T/seq.json" extra "$NOW"
rm -rf "$T/s"; hostile_media "$T/s" "$T/seq.json"
run "$AIRLOCK" import "$T/s"
is "$status" 0 "after them, a medium with seq = now imports"

# within the margin (clock skew across the gap): accepted, and it blocks
# later media only until the clock here passes it
spec "$T/seq.json" ahead $((NOW + 3 * 86400))
rm -rf "$T/s"; hostile_media "$T/s" "$T/seq.json"
run "$AIRLOCK" import "$T/s"
is "$status" 0 "seq 3 days ahead is within the margin"
spec "$T/seq.json" ahead "$NOW"
rm -rf "$T/s"; hostile_media "$T/s" "$T/seq.json"
refused "a medium older than one 3 days ahead" "rollback: bundle 'ahead'" "$AIRLOCK" import "$T/s"

# ---- public keys of small order ------------------------------------------------

# pub KEYHEX: a .pub file with key id 0102030405060708 and that point
pub() {
	"$PYTHON3" -c 'import base64, sys
print("untrusted comment: small order")
print(base64.b64encode(b"Ed" + bytes(range(1, 9)) + bytes.fromhex(sys.argv[1])).decode())' "$1" \
		> "$T/small.pub"
}
Z=0000000000000000000000000000000000000000000000000000000000000000
pub "$Z"
refused "trust add: the all-zero key" \
	"public key file '$T/small.pub': line 2: not a valid Ed25519 public key \(a point of small order" \
	"$AIRLOCK" trust add "$T/small.pub"
refused "import --trust: the all-zero key" "not a valid Ed25519 public key" \
	"$AIRLOCK" import --trust "$T/small.pub" "$T/m"
refused "verify --trust: the all-zero key" "not a valid Ed25519 public key" \
	"$AIRLOCK" verify --trust "$T/small.pub" "$T/m"
pub 0100000000000000000000000000000000000000000000000000000000000000
refused "trust add: the identity point" "not a valid Ed25519 public key" \
	"$AIRLOCK" trust add "$T/small.pub"
refused "trust add: the identity point as a key string" "not a valid Ed25519 public key" \
	"$AIRLOCK" trust add "$(sed -n 2p "$T/small.pub")"
pub c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a
refused "trust add: a point of order 8" "not a valid Ed25519 public key" \
	"$AIRLOCK" trust add "$T/small.pub"

# ---- sizes that wrap -------------------------------------------------------------

F0=f000000000000000000000000000000000000000000000000000000000000000
F1=f100000000000000000000000000000000000000000000000000000000000000
P1=a000000000000000000000000000000000000000000000000000000000000000
P2=a100000000000000000000000000000000000000000000000000000000000000
P3=a200000000000000000000000000000000000000000000000000000000000000

# three parts of INT64_MAX, INT64_MAX and 12 bytes wrap a uint64 to 10
spec "$T/wrap.json" wrap 300 "{\"objects\": [{\"sha256\": \"$F0\", \"size\": 10, \"parts\": [
  {\"part\": 1, \"sha256\": \"$P1\", \"size\": $I64MAX, \"volume\": 1},
  {\"part\": 2, \"sha256\": \"$P2\", \"size\": $I64MAX, \"volume\": 1},
  {\"part\": 3, \"sha256\": \"$P3\", \"size\": 12, \"volume\": 1}]}]}"
rm -rf "$T/w"; hostile_media "$T/w" "$T/wrap.json"
refused "parts whose sizes wrap to the object's size" \
	"manifest: object $F0: the sizes of its parts add up to more than $I64MAX bytes" \
	"$AIRLOCK" import "$T/w"

# two whole objects of INT64_MAX: their sum wraps
spec "$T/wrap.json" wrap 300 "{\"objects\": [{\"sha256\": \"$F0\", \"size\": $I64MAX, \"volume\": 1},
  {\"sha256\": \"$F1\", \"size\": $I64MAX, \"volume\": 1}]}"
rm -rf "$T/w"; hostile_media "$T/w" "$T/wrap.json"
refused "objects whose sizes wrap" "manifest: the sizes of the objects add up to more than" \
	"$AIRLOCK" import "$T/w"

# a split object of INT64_MAX counts twice for free space: 2^64 - 2, and
# with the 16 MiB of slack the old sum wrapped to less than 16 MiB
spec "$T/wrap.json" wrap 300 "{\"objects\": [{\"sha256\": \"$F0\", \"size\": $I64MAX, \"parts\": [
  {\"part\": 1, \"sha256\": \"$P1\", \"size\": 4611686018427387904, \"volume\": 1},
  {\"part\": 2, \"sha256\": \"$P2\", \"size\": 4611686018427387903, \"volume\": 1}]}]}"
rm -rf "$T/w"; hostile_media "$T/w" "$T/wrap.json"
refused "a free-space sum that would wrap" \
	"not enough space in the store: 18446744073709551614 bytes needed" "$AIRLOCK" import "$T/w"

finish
