#!/bin/sh
# airlock trust add / list / remove.
. "$(dirname "$0")/lib.sh"

F="$FIXTURES/minisign"
KEY_ID=C23CD43C347A8DC6   # fixtures/minisign/key.pub
OTHER_ID=DE0D3B658DDDAD15 # fixtures/minisign/other.pub
ENC_ID=27D4A70387DD8E04   # fixtures/minisign/enc.pub

run "$AIRLOCK" init
is "$status" 0 "init"
run "$AIRLOCK" trust list
is "$status" 0 "list on a fresh store"
is "$out" "" "shows nothing"

run "$AIRLOCK" trust add "$F/key.pub"
is "$status" 0 "add a .pub file"
is "$out" "trusted key $KEY_ID" "names the key id"
run "$AIRLOCK" trust list
is "$status" 0 "list"
like "$out" "^$KEY_ID  $(sed -n 2p "$F/key.pub")  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  minisign public key $KEY_ID\$" \
	"id, key, date and comment"

run "$AIRLOCK" trust add "$F/key.pub"
is "$status" 0 "adding the same key again is fine"
is "$out" "already trusted: key $KEY_ID" "and says so"
is "$("$AIRLOCK" trust list | wc -l)" 1 "still one key"

run "$AIRLOCK" trust add "$(sed -n 2p "$F/other.pub")"
is "$status" 0 "add a key given as a base64 string"
is "$out" "trusted key $OTHER_ID" "by its id"

run "$AIRLOCK" trust add "$F/bad/ok-pub-same-id.pub"
is "$status" 3 "another key with a trusted key id is refused"
like "$err" "key id $KEY_ID is already trusted with a different public key" "clearly"

# Bad key files change nothing.
for f in pub-not-base64 pub-short pub-alg pub-comment-only pub-nul pub-trailing; do
	run "$AIRLOCK" trust add "$F/bad/$f.pub"
	is "$status" 3 "bad key file $f is refused"
done
run "$AIRLOCK" trust add "$F/bad/pub-not-base64.pub"
is "$err" "airlock: public key file '$F/bad/pub-not-base64.pub': line 2: not base64" \
	"with the file and line"
run "$AIRLOCK" trust add "$F/key.key"
is "$status" 3 "a secret key file is not a public key"
like "$err" "line 2: not a public key" "says why"
run "$AIRLOCK" trust add "$T/missing.pub"
is "$status" 3 "a missing file"
like "$err" "cannot open '$T/missing.pub'" "is named"
run "$AIRLOCK" trust add
is "$status" 2 "add without a key is a usage error"
is "$("$AIRLOCK" trust list | wc -l)" 2 "bad input added nothing"

run "$AIRLOCK" trust add "$F/enc.pub" "$F/key.pub"
is "$status" 0 "add several at once"
run "$AIRLOCK" --json trust list
is "$status" 0 "list --json"
is "$(printf '%s\n' "$out" | wc -l)" 3 "one object per key"
like "$out" "\"key_id\":\"$ENC_ID\"" "with key ids"
like "$(printf '%s\n' "$out" | head -1)" "\"key_id\":\"$ENC_ID\"" "in key id order"

run "$AIRLOCK" trust remove "$(echo $OTHER_ID | tr A-F a-f)"
is "$status" 0 "remove by key id (any case)"
is "$out" "removed key $OTHER_ID" "says which"
run "$AIRLOCK" trust remove "$OTHER_ID"
is "$status" 3 "removing it again"
like "$err" "key $OTHER_ID is not trusted" "is an error"
run "$AIRLOCK" trust remove "$F/enc.pub"
is "$status" 0 "remove by .pub file"
is "$out" "removed key $ENC_ID" "by its key id"
run "$AIRLOCK" trust remove "not-a-key"
is "$status" 3 "a name that is neither a key id nor a file"
run "$AIRLOCK" trust list
is "$out" "$(printf '%s' "$("$AIRLOCK" trust list)")" "list is stable"
like "$out" "^$KEY_ID " "one key is left"
is "$(printf '%s\n' "$out" | wc -l)" 1 "only one"

run "$AIRLOCK" trust frob
is "$status" 2 "an unknown subcommand is a usage error"

finish
