#!/bin/sh
# lib/hub/hub.c against the fake Hub (tests/helpers/hubserver.py) and a scripted
# stub (tests/helpers/hubstub.py), through tests/unit/hub-driver: revisions,
# paging, patterns, odd names, datasets, auth and its errors, the CDN without
# Authorization, faults, and hostile listings.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/hubserver.sh"

DRV="$top_builddir/tests/unit/hub-driver"
FX="$FIXTURES/hub"
unset HF_HOME HF_TOKEN_PATH XDG_CACHE_HOME 2>/dev/null || true
export HF_HOME="$T/hf-home" # no token file to find

commit_of() { # TYPE REPO REF
	"$PYTHON3" "$top_srcdir/tests/helpers/hubserver.py" --list |
		awk -F '\t' -v t="$1" -v r="$2" -v f="$3" '$1 == t && $2 == r && $3 == f { print $4 }'
}
MAIN=$(commit_of model tiny-org/tiny-bert refs/heads/main)
V1=$(commit_of model tiny-org/tiny-bert refs/tags/v1.0)
PR1=$(commit_of model tiny-org/tiny-bert refs/pr/1)
BERT="$FX/models/tiny-org/tiny-bert/commits"

n=0
# lock TYPE REPO REV [options]: a fresh store each time
lock() {
	n=$((n + 1))
	run "$DRV" lock "$T/s$n" "$HUB_URL" "$@"
}
# fetch TYPE REPO REV [options]: lock into one store, fetch into another
fetch() {
	n=$((n + 1))
	run "$DRV" fetch "$T/s$n" "$HUB_URL" "$@" --lock-store "$T/l$n"
}
files() { printf '%s\n' "$out" | sed -n 's/^file \([^	]*\)	.*/\1/p'; }
expected() { (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort); }
commit() { printf '%s\n' "$out" | sed -n 's/^commit //p'; }
# every file line agrees with the fixture directory: size, sha256, git sha1 (regular)
hashes_ok() {
	printf '%s\n' "$out" | grep '^file ' | sed 's/^file //' |
	while IFS='	' read -r p size sha git lfs; do
		f="$1/$p"
		[ "$(wc -c < "$f" | tr -d ' ')" = "$size" ] || { echo "size $p"; continue; }
		[ "$(sha256sum < "$f" | cut -c1-64)" = "$sha" ] || echo "sha256 $p"
		if [ "$lfs" = 0 ]; then
			[ "$(git hash-object --no-filters "$f")" = "$git" ] || echo "git $p"
		fi
	done
}
# every blob line names a store file equal to the fixture file
blobs_ok() {
	printf '%s\n' "$out" | grep '^blob ' | sed 's/^blob //' |
	while IFS='	' read -r p file; do
		cmp -s "$1/$p" "$file" || echo "differs: $p"
	done
}
loglines() { wc -l < "$HUB_LOG" | tr -d ' '; }
since() { tail -n "+$(($1 + 1))" "$HUB_LOG"; }

if ! command -v git >/dev/null || ! hub_start; then
	skip "the fake Hub did not start (or no git)"
	finish
	exit $?
fi

# ---- revisions ---------------------------------------------------------------------
lock model tiny-org/tiny-bert main
is "$status $(commit)" "0 $MAIN" "main resolves to its commit"
is "$(files)" "$(expected "$BERT/v2")" "main: the files of commits/v2, sorted"
is "$(hashes_ok "$BERT/v2")" "" "main: sizes, sha256 and git sha1 match the fixture bytes"
like "$out" "model.safetensors	[0-9]+	[0-9a-f]{64}	[0-9a-f]{40}	1" "the LFS file is flagged"
ok 'grep -q "cursor=" "$HUB_LOG"' "the tree listing is followed over pages (Link rel=next)"
ok '[ -z "$(ls "$T/s$n/tmp" 2>/dev/null)" ]' "nothing left in the store's tmp/"

lock model tiny-org/tiny-bert v1.0
is "$status $(commit)" "0 $V1" "tag v1.0 resolves to the older commit"
is "$(files)" "$(expected "$BERT/v1")" "v1.0: the files of commits/v1"
is "$(hashes_ok "$BERT/v1")" "" "v1.0: hashes match"

lock model tiny-org/tiny-bert refs/pr/1
is "$status $(commit)" "0 $PR1" "refs/pr/1 resolves"
ok 'grep -q "/revision/refs%2Fpr%2F1\"" "$HUB_LOG"' "refs/pr/1 is sent as refs%2Fpr%2F1"
is "$(hashes_ok "$BERT/pr1")" "" "refs/pr/1: hashes match commits/pr1"

l0=$(loglines)
lock model tiny-org/tiny-bert "$V1"
is "$status $(commit)" "0 $V1" "a 40-hex revision is the commit"
is "$(since "$l0" | grep -c '/revision/')" 0 "a 40-hex revision makes no revision call"
like "$out" "revision $V1" "the revision is recorded as asked"

lock model tiny-org/tiny-bert nope
is "$status" 3 "a bad revision fails"
like "$err" "revision 'nope' not found in model 'tiny-org/tiny-bert'" "bad revision: a clear message"

lock model tiny-org/nope main
like "$err" "model 'tiny-org/nope' not found, or private: check the name and HF_TOKEN" \
	"missing repo: not found, or private"

# ---- patterns ----------------------------------------------------------------------
lock model tiny-org/tiny-bert main --include '*.json'
is "$(files | tr '\n' ' ')" "config.json special_tokens_map.json tokenizer.json tokenizer_config.json " \
	"--include '*.json'"
lock model tiny-org/sharded main --include 'onnx/'
is "$(files | tr '\n' ' ')" "onnx/model.onnx " "--include 'onnx/' is the folder"
lock model tiny-org/sharded main --exclude '*.safetensors'
is "$(files | tr '\n' ' ')" "README.md config.json model.safetensors.index.json onnx/model.onnx " \
	"--exclude '*.safetensors'"
lock model tiny-org/odd-names main --include '*.json'
is "$(files)" "nested/deeper/still/leaf.json" "'*' matches across '/'"

# ---- other repos ---------------------------------------------------------------------
# a legacy id without a namespace is refused (docs/reference/manifest.md): the published
# tree gives each repo its own models/<namespace>/<name>/
lock model tiny-legacy main
ok '[ "$status" -ne 0 ]' "a repo id without namespace is refused"
like "$err" "'tiny-legacy' is not a Hub repo id" "  with a clear message"

fetch dataset tiny-org/tiny-sst2 main
D="$FX/datasets/tiny-org/tiny-sst2/commits/c1"
is "$status $(commit)" "0 $(commit_of dataset tiny-org/tiny-sst2 refs/heads/main)" "a dataset locks"
is "$(files)" "$(expected "$D")" "dataset: every file"
is "$(blobs_ok "$D")" "" "dataset: fetched bytes equal the fixture"
ok 'grep -q "\"/datasets/tiny-org/tiny-sst2/resolve/" "$HUB_LOG"' "dataset files come from /datasets/"

fetch model tiny-org/odd-names main
D="$FX/models/tiny-org/odd-names/commits/c1"
is "$status" 0 "odd names: lock and fetch"
is "$(files)" "$(expected "$D")" "odd names: every file (space, non-ASCII, '+', '&')"
is "$(hashes_ok "$D")$(blobs_ok "$D")" "" "odd names: hashes and fetched bytes match"
ok 'grep -q "read%20me%20%C3%A9.txt" "$HUB_LOG" && grep -q "a%2Bb%3Dc%26d.txt" "$HUB_LOG"' \
	"odd names are percent-encoded in resolve URLs"

fetch model tiny-org/empty-file main
is "$status $(blobs_ok "$FX/models/tiny-org/empty-file/commits/c1")" "0 " "an empty file"

l0=$(loglines)
fetch model tiny-org/tiny-bert main
is "$status $(blobs_ok "$BERT/v2")" "0 " "tiny-bert main: fetched bytes equal the fixture"
like "$out" "queued 7" "fetch queues every file the store lacks"
like "$out" "progress $(cat "$BERT"/v2/* | wc -c | tr -d ' ')" "progress adds up to the bytes fetched"
ok 'since "$l0" | grep -q "\"/cdn/"' "the LFS file came through the CDN host"
run "$DRV" fetch "$T/s$n" "$HUB_URL" model tiny-org/tiny-bert main
like "$out" "queued 0" "a second fetch into the same store queues nothing"

# ---- auth ---------------------------------------------------------------------------
lock model gated-org/gated-model main
is "$status" 3 "gated without a token fails"
like "$err" "model 'gated-org/gated-model' is gated: accept its terms at $HUB_URL/gated-org/gated-model and set HF_TOKEN" \
	"gated: the message says where to accept and what to set"
lock model gated-org/gated-model main --token hf_unapproved_token
like "$err" "is gated and the token has no access" "gated with an unapproved token"
l0=$(loglines)
fetch model gated-org/gated-model main --token hf_test_token
D="$FX/models/gated-org/gated-model/commits/c1"
is "$status $(blobs_ok "$D")" "0 " "gated with hf_test_token: locked and fetched"
ok 'since "$l0" | grep "\"/gated-org/" | grep -q "\"auth\": *true"' "the token goes to the Hub"
is "$(since "$l0" | grep '"/cdn/' | grep -c '"auth": *true')" 0 "no Authorization reached the CDN"
ok 'since "$l0" | grep "\"/cdn/" | grep -q "\"status\": *200"' "the CDN served the file"

HF_TOKEN=hf_test_token run "$DRV" lock "$T/tok" "$HUB_URL" model gated-org/gated-model main \
	--token-env HF_TOKEN
is "$status" 0 "the token found in HF_TOKEN"
MY_TOKEN=hf_test_token run "$DRV" lock "$T/tok" "$HUB_URL" model private-org/secret main \
	--token-env MY_TOKEN
is "$status" 0 "the token found in the manifest's token-env variable"
mkdir -p "$HF_HOME" && printf 'hf_test_token\n' > "$HF_HOME/token"
run "$DRV" lock "$T/tok" "$HUB_URL" model private-org/secret main --token-env MY_TOKEN
is "$status" 0 "the token found in \$HF_HOME/token"
rm -f "$HF_HOME/token"

lock model private-org/secret main
like "$err" "model 'private-org/secret' not found, or private: check the name and HF_TOKEN" \
	"private without a token: not found, or private"
lock model private-org/secret main --token hf_unapproved_token
like "$err" "not found, or private" "private with a token without access"
lock model tiny-org/tiny-bert main --token hf_bogus
like "$err" "refused the token \\(invalid credentials\\)" "a bad token: the Hub refused it"
lock model tiny-org/disabled-model main
like "$err" "model 'tiny-org/disabled-model' is disabled" "a disabled repo"

HF_ENDPOINT="$HUB_URL" run "$DRV" lock "$T/ep" "http://127.0.0.1:1/unused" model tiny-org/tiny-bert main
is "$status" 0 "HF_ENDPOINT overrides the manifest's endpoint"
hub_stop

# ---- faults -----------------------------------------------------------------------------
hub_start --fault '*/config.json=500-then-ok:2' --fault '*/vocab.txt=cut:60@1' \
	--fault '*/model.safetensors=cut:1000@1' --fault '*/revision/*=429-then-ok:1' ||
	{ skip "fake Hub with faults"; finish; exit $?; }
fetch model tiny-org/tiny-bert main
is "$status $(blobs_ok "$BERT/v2")" "0 " "500-then-ok, 429 and cut bodies: retried and resumed"
is "$(grep -c '"status": *500' "$HUB_LOG")" 2 "two 500s were answered"
is "$(grep -c '"status": *429' "$HUB_LOG")" 1 "one 429 was answered"
ok 'grep "/vocab.txt" "$HUB_LOG" | grep -q "\"range\": *\"bytes=60-\""' \
	"a cut regular file is resumed with Range at lock time"
ok 'grep "/cdn/" "$HUB_LOG" | grep -q "\"range\": *\"bytes=1000-\""' \
	"a cut LFS file is resumed with Range"
hub_stop

hub_start --fault '*/model.safetensors=wrong-bytes' --fault '*/vocab.txt=wrong-bytes' ||
	{ skip "fake Hub with faults"; finish; exit $?; }
lock model tiny-org/tiny-bert main
is "$status" 3 "a regular file with wrong bytes fails the lock"
like "$err" "'vocab.txt': git blob sha1 mismatch" "wrong bytes: git sha1 mismatch named"
bad=$(for f in "$T/s$n"/blobs/sha256/*/*; do
	[ -f "$f" ] && [ "$(wc -c < "$f")" -eq "$(wc -c < "$BERT/v2/vocab.txt")" ] &&
		! cmp -s "$f" "$BERT/v2/vocab.txt" && echo "$f"
done)
is "$bad" "" "the wrong bytes are not in the store"
fetch model tiny-org/tiny-bert main --exclude vocab.txt
is "$status" 3 "an LFS file with wrong bytes fails the fetch"
like "$err" "model 'tiny-org/tiny-bert': 'model.safetensors': .*sha256 mismatch" \
	"wrong bytes: sha256 mismatch named"
SHA=$(sha256sum < "$BERT/v2/model.safetensors" | cut -c1-64)
ok '[ ! -e "$T/s$n/blobs/sha256/$(echo "$SHA" | cut -c1-2)/$SHA" ]' "no blob for the bad file"
hub_stop

hub_start --regular-redirect --cdn other-port ||
	{ skip "fake Hub with a relative redirect and a CDN port"; finish; exit $?; }
fetch model gated-org/gated-model main --token hf_test_token
is "$status $(blobs_ok "$FX/models/gated-org/gated-model/commits/c1")" "0 " \
	"relative 307 to resolve-cache and a CDN on another port"
ok 'grep -q "\"/api/resolve-cache/" "$HUB_LOG"' "the relative redirect was followed"
is "$(grep '"/cdn/' "$HUB_LOG" | grep -c '"auth": *true')" 0 "no Authorization to the CDN port"
hub_stop

hub_start --fault '*/tree/*=500' || { skip "fake Hub with faults"; finish; exit $?; }
lock model tiny-org/sharded main --attempts 1
D="$FX/models/tiny-org/sharded/commits/c1"
is "$status $(files | tr '\n' ' ')" "0 $(expected "$D" | tr '\n' ' ')" \
	"no tree endpoint: the siblings of ?blobs=true"
is "$(hashes_ok "$D")" "" "siblings: hashes match"
ok 'grep -q "/revision/[0-9a-f]*?blobs=true" "$HUB_LOG"' "the fallback asks for blobs=true at the commit"
hub_stop

# ---- a scripted stub: path prefix, relative links, hostile listings ----------------------
S="$T/stub"
mkdir -p "$S" && mkfifo "$S/in" "$S/out"
"$PYTHON3" "$top_srcdir/tests/helpers/hubstub.py" --log "$S/log" < "$S/in" > "$S/out" &
STUB_PID=$!
exec 7> "$S/in"
read -r _w SPORT < "$S/out"
stub_stop() { exec 7>&-; wait "$STUB_PID" 2>/dev/null; }
at_exit stub_stop
HUB_URL="http://127.0.0.1:$SPORT/hf"

lock model ok/prefixed main
is "$status $(commit)" "0 1234567890abcdef1234567890abcdef12345678" "an endpoint with a path prefix"
is "$(files | tr '\n' ' ')" "config.json dir/notes.txt z.txt " "relative Link pages are followed"
lock model ok/notree main
is "$status $(files | tr '\n' ' ')" "0 config.json dir/notes.txt z.txt " \
	"a 404 tree endpoint: the siblings"
lock model ok/linkaway main --token hf_stub
is "$status" 0 "a next page on another origin"
is "$(grep '"localhost:' "$S/log" | grep -c '"auth": *true')" 0 \
	"the token is not sent to another origin"
ok 'grep "\"127.0.0.1:" "$S/log" | grep -q "\"auth\": *true"' "the token goes to the endpoint"

for c in "dotdot:unsafe path '../x'" "abs:unsafe path '/etc/passwd'" \
	"backslash:unsafe path 'a\\\\x5cb'" "ctl:unsafe path 'a\\\\x01b'" \
	"case:'README.md' and 'readme.md' differ only in case" \
	"dirfile:'x' is a file, and a directory of 'x/y'" \
	"huge:'huge.bin' is 1099511627777 bytes, more than the cap" \
	"wrongsha1:'config.json': git blob sha1 mismatch" \
	"badsha:no \"sha\" of 40 lowercase hex digits"; do
	name=${c%%:*} msg=${c#*:}
	lock model "evil/$name" main
	is "$status" 3 "hostile '$name': refused"
	like "$err" "$msg" "hostile '$name': the message names it"
	ok '[ -z "$(ls "$T/s$n/blobs/sha256" 2>/dev/null)" ]' "hostile '$name': nothing stored"
done
finish
