#!/bin/sh
# airlock keygen, and interoperability with stock minisign both ways:
# (a) our keys and signatures in minisign, (b) minisign's keys in our
# library, (c) minisign's signatures verified by our library.
. "$(dirname "$0")/lib.sh"

MSIGN="$top_builddir/tests/unit/msign"
K="$T/keys"
mkdir -p "$K"
# The cheap scrypt cost keeps the suite fast; one key below uses the default.
export AIRLOCK_KEYGEN_KDF=interactive
printf 'correct horse battery\n' > "$T/pass"
printf 'wrong\n' > "$T/wrong"

# ---- keygen ----------------------------------------------------------------
AIRLOCK_PASSPHRASE_FILE="$T/pass" run "$AIRLOCK" keygen -o "$K/a"
is "$status" 0 "keygen with AIRLOCK_PASSPHRASE_FILE"
id_a=$(printf '%s\n' "$out" | sed -n 's/^key id: //p')
like "$id_a" '^[0-9A-F]{16}$' "prints a key id of 16 uppercase hex digits"
like "$out" "public key: $K/a.pub" "and the public key's path"
ok '[ -f "$K/a.key" ] && [ -f "$K/a.pub" ]' "writes NAME.key and NAME.pub"
is "$(stat -c %a "$K/a.key")" 600 "the secret key is mode 0600"
is "$(sed -n 1p "$K/a.pub")" "untrusted comment: minisign public key $id_a" "pub comment as minisign's"
is "$(sed -n 1p "$K/a.key")" "untrusted comment: minisign encrypted secret key" "key comment as minisign's"
like "$(sed -n 2p "$K/a.key")" '^RWRTY0Iy' "encrypted: Ed, Sc, B2"

run "$MSIGN" pubkey -p "$T/pass" "$K/a.key"
is "$status" 0 "the secret key loads with its passphrase"
is "$out" "$(cat "$K/a.pub")" "and gives back the public key file"
run "$MSIGN" pubkey -p "$T/wrong" "$K/a.key"
is "$status" 1 "a wrong passphrase is refused"
like "$err" "wrong passphrase \(checksum mismatch\)" "clearly: $err"

run sh -c "'$AIRLOCK' keygen -o '$K/b' < '$T/pass'"
is "$status" 0 "keygen with the passphrase on stdin (not a terminal)"
run "$MSIGN" pubkey -p "$T/pass" "$K/b.key"
is "$status" 0 "that key opens with the same passphrase"

run "$AIRLOCK" keygen -W -o "$K/w"
is "$status" 0 "keygen -W"
like "$(sed -n 2p "$K/w.key")" '^RWQAAEIy' "unencrypted: Ed, no kdf, B2"
is "$(stat -c %a "$K/w.key")" 600 "mode 0600 too"
run "$MSIGN" pubkey "$K/w.key"
is "$status" 0 "loads without a passphrase"

# ---- refusals ---------------------------------------------------------------
sum_before=$(cat "$K/a.key" "$K/a.pub" | cksum)
AIRLOCK_PASSPHRASE_FILE="$T/pass" run "$AIRLOCK" keygen -o "$K/a"
is "$status" 3 "an existing key pair is not overwritten (exit 3)"
like "$err" "refusing to overwrite '$K/a.key': it exists" "with a clear message"
is "$(cat "$K/a.key" "$K/a.pub" | cksum)" "$sum_before" "the files are unchanged"
rm "$K/w.key"
run "$AIRLOCK" keygen -W -o "$K/w"
is "$status" 3 "an existing .pub alone also refuses"
ok '[ ! -e "$K/w.key" ]' "and no .key is left behind"
run "$AIRLOCK" keygen -W -f -o "$K/a"
is "$status" 0 "-f replaces the key pair"
ok '[ "$(cat "$K/a.key" "$K/a.pub" | cksum)" != "$sum_before" ]' "with a new one"
is "$(stat -c %a "$K/a.key")" 600 "still mode 0600"

run sh -c "printf '\\n' | '$AIRLOCK' keygen -o '$K/e'"
is "$status" 3 "an empty passphrase is refused"
like "$err" "passphrase is empty" "clearly"
ok '[ ! -e "$K/e.key" ] && [ ! -e "$K/e.pub" ]' "and nothing is written"
AIRLOCK_PASSPHRASE_FILE="$T/nope" run "$AIRLOCK" keygen -o "$K/e"
is "$status" 3 "a missing passphrase file"
like "$err" "cannot open the passphrase file '$T/nope'" "is named"
run "$AIRLOCK" keygen
is "$status" 2 "-o is required"
run "$AIRLOCK" keygen -o "$K/nodir/x" -W
is "$status" 3 "an unwritable place fails"
like "$err" "cannot create '$K/nodir/x.key'" "naming the file"

# ---- interoperability ----------------------------------------------------------
if ! command -v minisign >/dev/null 2>&1; then
	skip "minisign is not installed: interoperability tests"
	finish
	exit $?
fi
printf 'the media manifest\n' > "$T/m.json"

# (a) our key and signature, checked by minisign
run "$MSIGN" sign -p "$T/pass" -t "bundle:nlp seq:3	id:x" "$K/b.key" "$T/m.json" "$T/m.json.minisig"
is "$status" 0 "msign signs with our key"
run minisign -Vm "$T/m.json" -p "$K/b.pub"
is "$status" 0 "minisign -V accepts our signature"
like "$out" "^Signature and comment signature verified" "both signatures"
is "$(printf '%s\n' "$out" | sed -n 's/^Trusted comment: //p')" "bundle:nlp seq:3	id:x" \
	"minisign prints our trusted comment"
run minisign -H -Vm "$T/m.json" -p "$K/b.pub"
is "$status" 0 "it is prehashed (minisign -H)"
run minisign -Vm "$T/m.json" -P "$(sed -n 2p "$K/b.pub")"
is "$status" 0 "also with the key given as a string (-P)"
printf 'x' >> "$T/m.json"
run minisign -Vm "$T/m.json" -p "$K/b.pub"
is "$status" 1 "minisign refuses our signature over a changed file"
printf 'the media manifest\n' > "$T/m.json"

# our keys used by minisign to sign: the unencrypted one, and one made with
# the default (1 GiB) scrypt cost
run minisign -S -s "$K/a.key" -m "$T/m.json" -x "$T/w.minisig"
is "$status" 0 "minisign signs with our -W key (made with -f)"
run "$MSIGN" verify "$K/a.pub" "$T/m.json" "$T/w.minisig"
is "$status" 0 "which verifies"
AIRLOCK_KEYGEN_KDF= AIRLOCK_PASSPHRASE_FILE="$T/pass" run "$AIRLOCK" keygen -o "$K/full"
is "$status" 0 "keygen with minisign's default scrypt cost"
run sh -c "minisign -S -s '$K/full.key' -m '$T/m.json' -x '$T/full.minisig' < '$T/pass'"
is "$status" 0 "minisign opens our encrypted key (passphrase on stdin) and signs"
run minisign -Vm "$T/m.json" -x "$T/full.minisig" -p "$K/full.pub"
is "$status" 0 "minisign verifies that"
run sh -c "minisign -S -s '$K/full.key' -m '$T/m.json' -x '$T/bad.minisig' < '$T/wrong'"
ok '[ "$status" -ne 0 ]' "minisign refuses our key with a wrong passphrase"

# (b) minisign's keys in our library
run minisign -G -W -p "$K/mw.pub" -s "$K/mw.key"
is "$status" 0 "minisign -G -W"
run "$MSIGN" sign -t "from a minisign key" "$K/mw.key" "$T/m.json" "$T/mw.minisig"
is "$status" 0 "our library signs with minisign's unencrypted key"
run minisign -Vm "$T/m.json" -x "$T/mw.minisig" -p "$K/mw.pub"
is "$status" 0 "minisign accepts the signature"
like "$out" "Trusted comment: from a minisign key" "with the comment"
run sh -c "printf 'pw one\\npw one\\n' | minisign -G -p '$K/me.pub' -s '$K/me.key'"
is "$status" 0 "minisign -G with a password on stdin"
printf 'pw one\n' > "$T/pw1"
run "$MSIGN" sign -p "$T/pw1" "$K/me.key" "$T/m.json" "$T/me.minisig"
is "$status" 0 "our library opens minisign's encrypted key and signs"
run minisign -Vm "$T/m.json" -x "$T/me.minisig" -p "$K/me.pub"
is "$status" 0 "minisign accepts the signature"
run "$MSIGN" sign -p "$T/wrong" "$K/me.key" "$T/m.json" "$T/me2.minisig"
is "$status" 1 "a wrong password for minisign's key is refused"
like "$err" "wrong passphrase" "clearly"

# (c) minisign's signatures checked by our library
run minisign -S -s "$K/mw.key" -m "$T/m.json" -x "$T/c.minisig" -t "seq:9"
is "$status" 0 "minisign -S"
run "$MSIGN" verify "$K/mw.pub" "$T/m.json" "$T/c.minisig"
is "$status" 0 "our library verifies minisign's signature"
# minisign 0.11 writes the key id in its comment without leading zeros
id_mw=$(sed -n 's/^untrusted comment: minisign public key //p' "$K/mw.pub" | awk '{ printf "%16s\n", $0 }' | tr ' ' 0)
is "$out" "$id_mw	seq:9" "key id and trusted comment"
run minisign -S -l -s "$K/mw.key" -m "$T/m.json" -x "$T/l.minisig" -t "legacy"
run "$MSIGN" verify "$K/mw.pub" "$T/m.json" "$T/l.minisig"
is "$status" 0 "and minisign's legacy (non-prehashed) signature"
like "$out" "legacy	\(legacy\)" "reported as legacy"
run "$MSIGN" verify "$K/b.pub" "$T/m.json" "$T/c.minisig"
is "$status" 1 "another key is refused"
like "$err" "signed by key $id_mw, but the public key is" "naming both key ids"
sed -i 's/^trusted comment: seq:9$/trusted comment: seq:10/' "$T/c.minisig"
run "$MSIGN" verify "$K/mw.pub" "$T/m.json" "$T/c.minisig"
is "$status" 1 "a changed trusted comment is refused"
like "$err" "trusted comment signature verification failed" "clearly"

finish
