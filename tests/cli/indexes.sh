#!/bin/sh
# Several indexes (docs/reference/lock.md "Several indexes"): named indexes, projects
# pinned to one, explicit indexes, first-index against unsafe-best-match,
# which statuses mean "not on this index", credentials from environment
# variables and netrc (recorded nowhere), and the per-host connection limit.
# Three fixture indexes: "pypi" (404 for what it lacks), "torch" (a
# PyTorch-style index with local-version wheels that answers 403 for what it
# lacks) and "corp" (a private one, 410 for what it lacks, later behind a
# password).
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

SECRET=pw-5ecr3t-91
: >"$T/empty-netrc"
export NETRC="$T/empty-netrc"   # never the user's own
unset CORP_USER CORP_PASSWORD 2>/dev/null || true

leaves="" deps=""
i=0
while [ $i -lt 24 ]; do
	leaves="$leaves${leaves:+, }{\"name\": \"leaf$i\", \"versions\": [{\"version\": \"1.0\"}]}"
	deps="$deps${deps:+, }\"leaf$i\""
	i=$((i + 1))
done
cat >"$T/pypi.json" <<EOF
{"format": 1, "projects": [
 {"name": "airtorch", "versions": [{"version": "2.3.0", "requires": ["airdep>=1.0"]}]},
 {"name": "airvision", "versions": [{"version": "0.18.0", "requires": ["airtorch"]}]},
 {"name": "airdep", "versions": [{"version": "1.0"}]},
 {"name": "corp-secret", "versions": [{"version": "99.0"}]},
 {"name": "onlypypi", "versions": [{"version": "1.0"}]},
 {"name": "fanout", "versions": [{"version": "1.0", "requires": [$deps]}]},
 $leaves
]}
EOF
cat >"$T/torch.json" <<'EOF'
{"format": 1, "projects": [
 {"name": "airtorch", "versions": [{"version": "2.3.0+cu121", "requires": ["airdep>=1.0"], "tags": ["cp311-cp311-manylinux_2_28_x86_64"]}]},
 {"name": "airvision", "versions": [{"version": "0.18.0+cu121", "requires": ["airtorch==2.3.0+cu121"], "tags": ["cp311-cp311-manylinux_2_28_x86_64"]}]},
 {"name": "airdep", "versions": [{"version": "5.0"}]},
 {"name": "torchonly", "versions": [{"version": "1.0"}]}
]}
EOF
cat >"$T/corp.json" <<'EOF'
{"format": 1, "projects": [
 {"name": "corp-secret", "versions": [{"version": "1.0"}]}
]}
EOF
for w in pypi torch corp; do
	"$PYTHON3" "$top_srcdir/scripts/build-wheels.py" --recipes "$T/$w.json" "$T/w-$w" >/dev/null ||
		{ echo "Bail out! cannot build the $w wheels"; exit 1; }
done

indexserver_start --log "$T/pypi.log" --conn-stats "$T/pypi.conns" --latency-ms 100 "$T/w-pypi" ||
	{ echo "Bail out! index server did not start"; exit 1; }
PYPI=$INDEX_URL/simple/
indexserver_start --log "$T/torch.log" --missing-status 403 "$T/w-torch" ||
	{ echo "Bail out! index server did not start"; exit 1; }
TORCH=$INDEX_URL/simple/
indexserver_start --log "$T/corp.log" --missing-status 410 "$T/w-corp" ||
	{ echo "Bail out! index server did not start"; exit 1; }
CORP=$INDEX_URL/simple/
CORP_PID=$INDEX_PID

# manifest NAME 'PYTHON KEYS' REQUIREMENT... -> $T/NAME/airlock.yaml
manifest() {
	mf_name=$1 mf_dir=$T/$1 mf_keys=$2
	shift 2
	mf_reqs=""
	for mf_q in "$@"; do mf_reqs="$mf_reqs${mf_reqs:+, }\"$mf_q\""; done
	mkdir -p "$mf_dir"
	printf 'version: 1\nbundle: %s\npython:\n%s\n  targets: [{python-version: "3.11", platforms: [manylinux_2_28_x86_64]}]\n  requirements: [%s]\n' \
		"$mf_name" "$mf_keys" "$mf_reqs" >"$mf_dir/airlock.yaml"
}
# the lock's entry of a project: "VERSION URL INDEX" ("-" for no index)
pinned() {
	awk -v p="$2" '
		/^      - name: / { n = $3; gsub(/"/, "", n); v = u = ""; x = "-" }
		n == p && /^        version: / { v = $2 }
		n == p && /^        url: / { u = $2 }
		n == p && /^        index: / { x = $2 }
		n == p && /^        sha256: / { gsub(/"/, "", v); gsub(/"/, "", u); gsub(/"/, "", x); print v, u, x; exit }
	' "$T/$1/airlock.lock"
}
lock() { # NAME [ARGS...]
	lk_name=$1
	shift
	run env AIRLOCK_STORE="$T/store-$lk_name" "$AIRLOCK" -v lock -f "$T/$lk_name/airlock.yaml" "$@"
}

# ---- pinning: torch from the PyTorch-style index, everything else from pypi
: >"$T/torch.log"
manifest pin "  index-url: $PYPI
  indexes:
    - {name: pytorch, url: \"$TORCH\", explicit: true}
  sources:
    airtorch: {index: pytorch}
    AirVision: {index: pytorch}" "airtorch==2.3.0+cu121" "airvision"
lock pin
is "$status" 0 "a bundle with torch pinned to an explicit index resolves"
[ "$status" -eq 0 ] || echo "# $err" | head -20
is "$(pinned pin airtorch)" "2.3.0+cu121 ${TORCH%simple/}files/airtorch-2.3.0%2Bcu121-cp311-cp311-manylinux_2_28_x86_64.whl pytorch" \
	"airtorch 2.3.0+cu121 comes from the pytorch index, and the lock says so"
like "$(pinned pin airvision)" "^0\\.18\\.0\\+cu121 ${TORCH%simple/}files/.* pytorch$" \
	"airvision (pinned as AirVision) too"
is "$(pinned pin airdep)" "1.0 ${PYPI%simple/}files/airdep-1.0-py3-none-any.whl -" \
	"airdep comes from pypi, not the pytorch index's newer 5.0"
ok '! grep -q "/simple/airdep/" "$T/torch.log"' "the explicit index is never asked for an unpinned project"
ok '! grep -q "/simple/airtorch/\|/simple/airvision/" "$T/pypi.log"' \
	"pypi is never asked for a pinned project"
run "$AIRLOCK" validate -f "$T/pin/airlock.yaml"
is "$status" 0 "validate accepts the manifest"

# the same explicit index without pins is not used at all
: >"$T/torch.log"
manifest explicit "  index-url: $PYPI
  indexes: [{name: pytorch, url: \"$TORCH\", explicit: true}]" "airtorch"
lock explicit
is "$status" 0 "an explicit index without pins"
is "$(pinned explicit airtorch)" "2.3.0 ${PYPI%simple/}files/airtorch-2.3.0-py3-none-any.whl -" \
	"airtorch comes from pypi"
ok '[ ! -s "$T/torch.log" ]' "and the explicit index is not asked at all"

# ---- index strategy: a private index first; a public one with the same name
manifest first "  index-url: $PYPI
  indexes: [{name: corp, url: \"$CORP\"}]" "corp-secret"
lock first
is "$status" 0 "first-index (the default)"
is "$(pinned first corp-secret)" "1.0 ${CORP%simple/}files/corp_secret-1.0-py3-none-any.whl corp" \
	"takes corp-secret from the first index that has it: pypi's 99.0 cannot shadow it"
manifest best "  index-url: $PYPI
  index-strategy: unsafe-best-match
  indexes: [{name: corp, url: \"$CORP\"}]" "corp-secret"
lock best
is "$status" 0 "unsafe-best-match"
is "$(pinned best corp-secret)" "99.0 ${PYPI%simple/}files/corp_secret-99.0-py3-none-any.whl -" \
	"merges every index: the highest version wins, wherever it is"
manifest bestpin "  index-url: $PYPI
  index-strategy: unsafe-best-match
  indexes: [{name: corp, url: \"$CORP\"}]
  sources: {corp-secret: {index: corp}}" "corp-secret"
lock bestpin
is "$(pinned bestpin corp-secret)" "1.0 ${CORP%simple/}files/corp_secret-1.0-py3-none-any.whl corp" \
	"a pinned project is not merged, even with unsafe-best-match"

# ---- statuses that mean "not here"
: >"$T/torch.log"
manifest f403 "  index-url: $TORCH
  extra-index-urls: [\"$PYPI\"]" "onlypypi"
lock f403
is "$status" 0 "403 from the first index: the next one is asked"
[ "$status" -eq 0 ] || echo "# $err" | head -5
ok 'grep -q "GET /simple/onlypypi/ 403" "$T/torch.log"' "(the first answered 403)"
is "$(pinned f403 onlypypi)" "1.0 ${PYPI%simple/}files/onlypypi-1.0-py3-none-any.whl -" "onlypypi from pypi"

manifest f410 "  index-url: $CORP
  extra-index-urls: [\"$PYPI\"]" "onlypypi"
lock f410
is "$status" 0 "410: the next index"
ok 'grep -q "GET /simple/onlypypi/ 410" "$T/corp.log"' "(the first answered 410)"

manifest f404 "  index-url: $PYPI
  extra-index-urls: [\"$TORCH\"]" "torchonly"
lock f404
is "$status" 0 "404: the next index"
is "$(pinned f404 torchonly)" "1.0 ${TORCH%simple/}files/torchonly-1.0-py3-none-any.whl -" "torchonly from the second"

manifest strict403 "  index-url: $PYPI
  indexes: [{name: pytorch, url: \"$TORCH\", ignore-error-codes: []}]" "onlypypi"
lock strict403
ok '[ "$status" -ne 0 ]' "ignore-error-codes: [] makes a 403 an error"
like "$err" "HTTP 403 \\(the index 'pytorch' \\($TORCH\\) wants credentials" "naming the index: $(printf '%s' "$err" | tail -1 | head -c 200)"

manifest allmiss "  index-url: $TORCH" "onlypypi"
lock allmiss
ok '[ "$status" -ne 0 ]' "a project no index has"
like "$err" "no index has a project named 'onlypypi' \\(an index answered HTTP 403" \
	"says a 403 was taken as 'not here'"

# a pinned project never falls through, whatever its index answers
: >"$T/pypi.log"
manifest nofall "  index-url: $PYPI
  indexes: [{name: pytorch, url: \"$TORCH\", explicit: true}]
  sources: {onlypypi: {index: pytorch}}" "onlypypi"
lock nofall
ok '[ "$status" -ne 0 ]' "a project pinned to an index that lacks it fails"
like "$err" "'onlypypi' is pinned to the index 'pytorch' \\($TORCH\\), which does not have it: it answered HTTP 403; a pinned project is never taken from another index" \
	"saying why"
ok '! grep -q "/simple/onlypypi/" "$T/pypi.log"' "pypi, which has it, is not asked"

# ---- credentials: the corp index behind a password
indexserver_stop "$CORP_PID"
indexserver_start --auth "corpuser:$SECRET" --log "$T/corp2.log" "$T/w-corp" ||
	{ echo "Bail out! index server did not start"; exit 1; }
CORP=$INDEX_URL/simple/
HOSTPORT=127.0.0.1:$INDEX_PORT
clean() { ! grep -raq -- "$SECRET" "$@"; }

manifest noauth "  index-url: $PYPI
  indexes: [{name: corp, url: \"$CORP\", explicit: true}]
  sources: {corp-secret: {index: corp}}" "corp-secret"
lock noauth
ok '[ "$status" -ne 0 ]' "no credentials: fails"
like "$err" "HTTP 401 \\(the index 'corp' \\($CORP\\) wants credentials" "with a 401 naming the index"

manifest badauth "  index-url: $PYPI
  indexes: [{name: corp, url: \"http://corpuser:wrong-pw-77@$HOSTPORT/simple/\", explicit: true}]
  sources: {corp-secret: {index: corp}}" "corp-secret"
lock badauth
like "$err" "HTTP 401 \\(the index 'corp' \\(http://$HOSTPORT/simple/\\) wants credentials" \
	"a wrong password in the URL: a 401 naming the index without userinfo"
ok '! printf "%s%s" "$out" "$err" | grep -q "wrong-pw-77\|corpuser"' "and without the credentials"

manifest envauth "  index-url: $PYPI
  indexes:
    - {name: corp, url: \"$CORP\", explicit: true, username-env: CORP_USER, password-env: CORP_PASSWORD}
  sources: {corp-secret: {index: corp}}" "corp-secret" "airdep"
lock envauth
ok '[ "$status" -ne 0 ]' "username-env and password-env not set: fails"
like "$err" "index 'corp' \\($CORP\\): the environment variable 'CORP_USER' \\(its username-env\\) is not set" \
	"naming the variable"
run env CORP_USER=corpuser CORP_PASSWORD="$SECRET" AIRLOCK_STORE="$T/store-envauth" \
	"$AIRLOCK" -v lock -f "$T/envauth/airlock.yaml"
is "$status" 0 "credentials from the variables named in the manifest"
[ "$status" -eq 0 ] || echo "# $err" | head -5
is "$(pinned envauth corp-secret)" "1.0 ${CORP%simple/}files/corp_secret-1.0-py3-none-any.whl corp" \
	"corp-secret from the private index"
ok 'clean "$T/envauth/airlock.lock"' "the lock holds no password"
ok '! printf "%s\n%s\n" "$out" "$err" | grep -q -- "$SECRET"' "lock -v prints none"
run env AIRLOCK_STORE="$T/store-envauth" "$AIRLOCK" lock --offline -f "$T/envauth/airlock.yaml"
is "$status" 0 "lock --offline asks nothing, so it needs no credential variables"
run env CORP_USER=corpuser CORP_PASSWORD="$SECRET" AIRLOCK_STORE="$T/store-envauth2" \
	"$AIRLOCK" -v fetch -f "$T/envauth/airlock.yaml" --locked
is "$status" 0 "fetch --locked into an empty store authenticates from the variables"
[ "$status" -eq 0 ] || echo "# $err" | head -5
ok '! printf "%s\n%s\n" "$out" "$err" | grep -q -- "$SECRET"' "fetch -v prints no password"
ok 'clean "$T/store-envauth" "$T/store-envauth2"' "the stores (database, ledger, blobs) hold none"
run env CORP_USER=corpuser CORP_PASSWORD="$SECRET" AIRLOCK_STORE="$T/store-envauth2" \
	"$AIRLOCK" publish -o "$T/published" envauth
if [ "$status" -eq 0 ]; then
	ok 'clean "$T/published"' "nor the published tree"
else
	skip "publish did not run here: $(printf '%s' "$err" | head -c 100)"
fi
run env CORP_USER=corpuser CORP_PASSWORD="wrong-pw-88" AIRLOCK_STORE="$T/store-envbad" \
	"$AIRLOCK" lock -f "$T/envauth/airlock.yaml"
like "$err" "HTTP 401 \\(the index 'corp'" "a wrong password from the variables: 401"
ok '! printf "%s" "$err" | grep -q "wrong-pw-88"' "not shown"

printf 'machine 127.0.0.1\nlogin corpuser\npassword %s\n' "$SECRET" >"$T/netrc"
chmod 600 "$T/netrc"
run env NETRC="$T/netrc" AIRLOCK_STORE="$T/store-netrc" "$AIRLOCK" -v lock -f "$T/noauth/airlock.yaml"
is "$status" 0 "credentials from the netrc file NETRC names"
[ "$status" -eq 0 ] || echo "# $err" | head -5
ok 'clean "$T/noauth/airlock.lock" "$T/store-netrc"' "recorded nowhere"
ok '! printf "%s\n%s\n" "$out" "$err" | grep -q -- "$SECRET"' "printed nowhere"

# ---- the per-host connection limit (fanout requires 24 projects at once)
manifest fan "  index-url: $PYPI" "fanout"
rm -f "$T/pypi.conns"
run env AIRLOCK_STORE="$T/store-fan1" "$AIRLOCK" lock -f "$T/fan/airlock.yaml" -j 32 --host-connections 2
is "$status" 0 "lock with --host-connections 2"
max=$(sed -n 's/^open [0-9]* max \([0-9]*\)$/\1/p' "$T/pypi.conns" 2>/dev/null)
ok '[ -n "$max" ] && [ "$max" -le 2 ]' "at most 2 connections to the index at once (max ${max:-?})"

indexserver_stop "$INDEX_PID" # the corp server: its connections are not counted anyway
rm -f "$T/pypi.conns"
run env AIRLOCK_STORE="$T/store-fan2" "$AIRLOCK" lock -f "$T/fan/airlock.yaml" -j 32
is "$status" 0 "lock with the default limit"
max=$(sed -n 's/^open [0-9]* max \([0-9]*\)$/\1/p' "$T/pypi.conns" 2>/dev/null)
ok '[ -n "$max" ] && [ "$max" -le 8 ]' "at most 8 connections to one host by default (max ${max:-?})"
ok '[ -n "$max" ] && [ "$max" -gt 2 ]' "(the lock does ask more than 2 at once: max ${max:-?})"

run "$AIRLOCK" lock -f "$T/fan/airlock.yaml" --host-connections 0
is "$status" 2 "--host-connections 0 is a usage error"

finish
