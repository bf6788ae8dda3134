#!/bin/sh
# A password in the manifest's index URL authenticates lock and fetch (pip's
# rule: by scheme, host and port) and is recorded nowhere: not in the lock,
# the store (bundles, http_cache, blobs, the database and its WAL), the
# output of lock and fetch with -v, nor the media export writes. Messages
# name URLs without userinfo; a wrong password is a clear 401.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

SECRET=s3cret
fixture_wheels "$T/wheels" || { echo "Bail out! cannot build fixture wheels"; exit 1; }
indexserver_start --auth "user:$SECRET" --log "$T/requests.log" "$FIXTURE_WHEELS" ||
	{ echo "Bail out! index server did not start"; exit 1; }
HOSTPORT=127.0.0.1:$INDEX_PORT

# no secret anywhere under the named paths (binary files included)
clean() {
	! grep -raq -- "$SECRET" "$@"
}
leaks() { # for a test's name: where the secret is, if anywhere
	_l=$(grep -rla -- "$SECRET" "$@" 2>/dev/null | sed "s|$T/||" | head -5 | tr '\n' ' ')
	[ -z "$_l" ] || printf ' (it is in %s)' "$_l"
}

manifest() { # FILE INDEX-URL
	mkdir -p "$(dirname "$1")"
	cat > "$1" <<YAML
version: 1
bundle: private
python:
  index-url: $2
  targets: [{python-version: "3.11", platforms: [manylinux_2_28_x86_64]}]
  requirements: ["airdemo"]
YAML
}

manifest "$T/proj/airlock.yaml" "http://user:$SECRET@$HOSTPORT/simple/"
run "$AIRLOCK" -v lock -f "$T/proj/airlock.yaml"
is "$status" 0 "lock against an index that wants a password, given in index-url"
[ "$status" -eq 0 ] || echo "# $err" | head -20
ok 'clean "$T/proj/airlock.lock"' "the lock holds no password"
ok '! grep -q "user@\|user:" "$T/proj/airlock.lock"' "nor the user name"
like "$(grep -m1 'url:' "$T/proj/airlock.lock")" "url: \"http://$HOSTPORT/files/" \
	"its URLs name the index host without userinfo"
ok '! printf "%s\n%s\n" "$out" "$err" | grep -q "$SECRET"' "lock -v prints no password"
ok '! grep -q " 401 " "$T/requests.log"' "every request carried the credentials (no 401)"
ok '[ "$(grep -c " 200 " "$T/requests.log")" -gt 0 ]' "the index answered the authenticated requests"

run "$AIRLOCK" -v fetch -f "$T/proj/airlock.yaml" --locked
is "$status" 0 "fetch --locked"
[ "$status" -eq 0 ] || echo "# $err" | head -20
ok '! printf "%s\n%s\n" "$out" "$err" | grep -q "$SECRET"' "fetch -v prints no password"
ok 'clean "$T/store"' "nothing in the store holds the password$(leaks "$T/store")"

# a fresh store: every file comes from the index again, with the lock's
# URLs (no userinfo) and the manifest's credentials for that host
run env AIRLOCK_STORE="$T/store2" "$AIRLOCK" -v fetch -f "$T/proj/airlock.yaml" --locked
is "$status" 0 "fetch --locked into an empty store authenticates from the manifest"
[ "$status" -eq 0 ] || echo "# $err" | head -20
ok 'clean "$T/store2"' "that store holds no password either$(leaks "$T/store2")"
run env AIRLOCK_STORE="$T/store2" "$AIRLOCK" store verify
is "$status" 0 "and verifies clean"

export AIRLOCK_KEYGEN_KDF=interactive
"$AIRLOCK" keygen -W -o "$T/ops" >/dev/null 2>&1
run "$AIRLOCK" -v export -o "$T/media" --key "$T/ops.key"
is "$status" 0 "export"
ok '[ -f "$T/media/airlock-media.json" ] && clean "$T/media"' \
	"the media (airlock-media.json and volumes) hold no password$(leaks "$T/media")"
ok 'clean "$T/store"' "nor the store after export (its ledger)$(leaks "$T/store")"

# PIP_INDEX_URL is not read (docs/reference/lock.md): its password authenticates nothing
manifest "$T/env/airlock.yaml" "http://$HOSTPORT/simple/"
run env PIP_INDEX_URL="http://user:$SECRET@$HOSTPORT/simple/" AIRLOCK_STORE="$T/store3" \
	"$AIRLOCK" -v lock -f "$T/env/airlock.yaml"
ok '[ "$status" -ne 0 ]' "PIP_INDEX_URL with a password is not used"
like "$err" "HTTP 401" "the index wants credentials the manifest does not give"

# -i in a requirements file with a password: the same rule as index-url, for lock and fetch
mkdir -p "$T/rf"
printf -- '-i http://user:%s@%s/simple/\nairdemo\n' "$SECRET" "$HOSTPORT" > "$T/rf/requirements.txt"
cat > "$T/rf/airlock.yaml" <<YAML
version: 1
bundle: private
python:
  targets: [{python-version: "3.11", platforms: [manylinux_2_28_x86_64]}]
  requirements-files: [requirements.txt]
YAML
run env AIRLOCK_STORE="$T/store3" "$AIRLOCK" -v fetch -f "$T/rf/airlock.yaml"
is "$status" 0 "a password in a requirements file's -i authenticates lock and fetch"
[ "$status" -eq 0 ] || echo "# $err" | head -5
ok 'clean "$T/rf/airlock.lock" "$T/store3"' "and is not recorded$(leaks "$T/rf/airlock.lock" "$T/store3")"
ok '! printf "%s%s" "$out" "$err" | grep -q "$SECRET"' "nor printed"

# a wrong password: 401, naming the URL without the password
manifest "$T/bad/airlock.yaml" "http://user:wrongpw@$HOSTPORT/simple/"
run env AIRLOCK_STORE="$T/store4" "$AIRLOCK" lock -f "$T/bad/airlock.yaml"
ok '[ "$status" -ne 0 ]' "a wrong password fails"
like "$err" "http://$HOSTPORT/simple/[^ ]*: HTTP 401 \\(the index 'http://$HOSTPORT/simple/' wants credentials" \
	"with a 401 naming the index URL"
ok '! printf "%s" "$err" | grep -q "wrongpw\|user@\|user:"' "without the credentials: $err"
ok '[ ! -f "$T/bad/airlock.lock" ]' "and writes no lock"

# no password at all: the same 401
manifest "$T/none/airlock.yaml" "http://$HOSTPORT/simple/"
run env AIRLOCK_STORE="$T/store5" "$AIRLOCK" lock -f "$T/none/airlock.yaml"
like "$err" "http://$HOSTPORT/simple/[^ ]*: HTTP 401" "no credentials: 401 too"

# credentials are the index host's only: fetch --locked with a manifest
# whose index URL names another port sends none, so the index refuses
manifest "$T/other/airlock.yaml" "http://user:$SECRET@127.0.0.1:1/simple/"
cp "$T/proj/airlock.lock" "$T/other/airlock.lock"
sed -i "s|^manifest-sha256: .*|manifest-sha256: \"$(sha256sum "$T/other/airlock.yaml" | cut -d' ' -f1)\"|" \
	"$T/other/airlock.lock"
run env AIRLOCK_STORE="$T/store6" "$AIRLOCK" fetch -f "$T/other/airlock.yaml" --locked
if grep -q '^manifest-sha256:' "$T/other/airlock.lock"; then
	ok '[ "$status" -ne 0 ]' "credentials for another port are not sent"
	like "$err" "HTTP 401" "the index refuses: $(printf '%s' "$err" | head -c 200)"
else
	skip "the lock names its manifest differently"
	skip "the lock names its manifest differently"
fi

finish
