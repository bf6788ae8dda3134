#!/bin/sh
# The manifest's policy at lock time, against the fixture index: every
# violation listed (rule, project, target, the chain that brought it in),
# nothing written; a lock that keeps the policy is written; licences over
# the lic-* fixtures (PEP 639 expression, classifiers, nothing, hostile
# text); the policy carried in the lock and enforced again by export; bad
# policies are refused by validate.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

fixture_wheels "$T/wheels" >/dev/null || { echo "Bail out! cannot build fixture wheels"; exit 1; }
indexserver_start "$FIXTURE_WHEELS" || { echo "Bail out! index server did not start"; exit 1; }
mkdir -p "$T/p/osv"
cp "$FIXTURES/osv/PYSEC-0000-1.json" "$T/p/osv/"
index_manifest "$T/p/airlock.yaml" ruled "airdemo==1.0" "demo-core==2.0"
cp "$T/p/airlock.yaml" "$T/p/base.yaml"
cat >> "$T/p/airlock.yaml" <<'YAML'
advisories: [osv/PYSEC-0000-1.json]
policy:
  deny: ["Demo.Leaf<1.2", "pickle-loader"]
  vulnerabilities: deny
  max-total-size: 1KiB
  wheels-only: true
YAML
run "$AIRLOCK" validate -f "$T/p/airlock.yaml"
is "$status" 0 "the policy validates"
[ "$status" -eq 0 ] || echo "# $err"
if "$PYTHON3" -c 'import jsonschema, yaml' 2>/dev/null; then
	run "$PYTHON3" -c '
import json, sys, yaml, jsonschema
jsonschema.validate(yaml.safe_load(open(sys.argv[1])), json.load(open(sys.argv[2])))
print("valid")' "$T/p/airlock.yaml" "$top_srcdir/schema/airlock.schema.json"
	is "$out" "valid" "and against schema/airlock.schema.json"
else
	skip "python3 jsonschema or yaml missing"
fi

run "$AIRLOCK" lock -f "$T/p/airlock.yaml"
is "$status" 1 "lock refuses a bundle that breaks the policy (exit 1)"
like "$err" "policy\\.deny 'Demo\\.Leaf<1\\.2': demo-leaf 1\\.1 \\(target [^)]*\\), brought in by the manifest -> (airdemo|demo-core) -> demo-core -> demo-leaf|policy\\.deny 'Demo\\.Leaf<1\\.2': demo-leaf 1\\.1 \\(target [^)]*\\), brought in by the manifest -> demo-core -> demo-leaf" \
	"deny: the rule, the project, the target and the chain"
like "$err" "policy\\.vulnerabilities: PYSEC-0000-1 affects demo-core 2\\.0 \\(target [^)]*\\), brought in by the manifest -> demo-core" \
	"vulnerabilities: the record and the project"
like "$err" "policy\\.max-total-size: the bundle holds [0-9]+ bytes, more than 1024" "max-total-size"
like "$err" "lock refused: 3 policy violations; .*airlock\\.lock not written" "every violation counted"
ok '! printf "%s" "$err" | grep -q pickle-loader' "a denied project that is not in the lock is silent"
ok '[ ! -e "$T/p/airlock.lock" ]' "no lock was written"
run "$AIRLOCK" fetch -f "$T/p/airlock.yaml"
is "$status" 1 "fetch, which locks first, refuses too"

# two targets, an sdist: every violation once per target, each with its chain
mkdir -p "$T/w"
cat > "$T/w/airlock.yaml" <<YAML
version: 1
bundle: wheeled
python:
  index-url: $INDEX_URL/simple/
  targets:
    - python-version: "3.11"
      platforms: [manylinux_2_28_x86_64]
    - python-version: "3.12"
      platforms: [macosx_11_0_arm64]
  allow-sdist: [sdpkg-static]
  requirements: ["airdemo==1.0", "sdpkg-static"]
policy:
  deny: ["demo-leaf"]
  wheels-only: true
YAML
run "$AIRLOCK" lock -f "$T/w/airlock.yaml"
is "$status" 1 "wheels-only refuses an sdist allow-sdist let in"
for t in cp311-manylinux_2_28_x86_64 cp312-macosx_11_0_arm64; do
	like "$err" "policy\\.wheels-only: sdpkg-static 1\\.0 is an sdist \\(sdpkg_static-1\\.0\\.tar\\.gz\\) \\(target $t\\), brought in by the manifest -> sdpkg-static" \
		"  wheels-only: the file, for $t"
	like "$err" "policy\\.deny 'demo-leaf': demo-leaf 1\\.1 \\(target $t\\), brought in by the manifest -> airdemo -> demo-core -> demo-leaf" \
		"  deny, with the whole chain, for $t"
done
like "$err" "lock refused: 4 policy violations; .*airlock\\.lock not written" "  every violation of every target counted"
is "$(printf '%s\n' "$err" | grep -c '^airlock: policy\.')" "4" "  and each listed once"
ok '[ ! -e "$T/w/airlock.lock" ]' "  no lock was written"

# the same bundle under a policy it keeps
cp "$T/p/base.yaml" "$T/p/airlock.yaml"
cat >> "$T/p/airlock.yaml" <<'YAML'
policy:
  deny: ["demo-leaf<1.0"]
  max-total-size: 50GiB
  wheels-only: true
YAML
run "$AIRLOCK" lock -f "$T/p/airlock.yaml"
is "$status" 0 "a lock that keeps the policy is written"
[ "$status" -eq 0 ] || echo "# $err"

# licences: read out of each distribution's METADATA in the store (lock
# put it there), evaluated over SPDX expressions
export AIRLOCK_STORE="$T/store"
lic() { # the value of policy.licenses
	index_manifest "$T/l/airlock.yaml" licensed "lic-top==1.0"
	printf 'policy:\n  licenses: %s\n' "$1" >> "$T/l/airlock.yaml"
	rm -f "$T/l/airlock.lock"
}
lic '{allow: [MIT, BSD-3-Clause, Apache-2.0], deny: [GPL-3.0-only], unknown: deny}'
run "$AIRLOCK" validate -f "$T/l/airlock.yaml"
is "$status" 0 "policy.licenses validates (the issue's keys)"
[ "$status" -eq 0 ] || echo "# $err"
if "$PYTHON3" -c 'import jsonschema, yaml' 2>/dev/null; then
	run "$PYTHON3" -c '
import json, sys, yaml, jsonschema
jsonschema.validate(yaml.safe_load(open(sys.argv[1])), json.load(open(sys.argv[2])))
print("valid")' "$T/l/airlock.yaml" "$top_srcdir/schema/airlock.schema.json"
	is "$out" "valid" "  and against schema/airlock.schema.json"
else
	skip "python3 jsonschema or yaml missing"
fi
run "$AIRLOCK" lock -f "$T/l/airlock.yaml"
is "$status" 1 "unknown: deny refuses the distributions without a recognisable licence"
like "$err" "policy\.licenses: lic-none 1\.0 has no recognisable licence \(its metadata names no licence\) and unknown is deny \(target [^)]*\), brought in by the manifest -> lic-top -> lic-none" \
	"no licence at all: named, with the chain"
like "$err" "policy\.licenses: lic-classic 1\.0 has no recognisable licence \('BSD License' is no SPDX expression airlock knows\)" \
	"a classifier that maps to no SPDX id is unknown"
like "$err" "policy\.licenses: lic-hostile 1\.0 has no recognisable licence \('" "a hostile License field is unknown"
ok '! printf "%s" "$err" | grep -q "$(printf "\033")"' "  and printed without its control characters"
like "$err" "lock refused: 3 policy violations" "lic-top (Apache-2.0) and lic-expr (MIT OR Apache-2.0) pass"
ok '[ ! -e "$T/l/airlock.lock" ]' "no lock was written"

lic '{allow: [Apache-2.0], unknown: allow}'
run "$AIRLOCK" lock -f "$T/l/airlock.yaml"
is "$status" 1 "an allow list: an id outside it fails"
like "$err" "policy\.licenses: lic-classic 1\.0: MIT is not allowed \(target [^)]*\), brought in by the manifest -> lic-top -> lic-classic" \
	"the id and the reason"
ok '! printf "%s" "$err" | grep -q "lic-expr"' "MIT OR Apache-2.0 passes an allow list of Apache-2.0"
like "$err" "lock refused: 1 policy violation;" "unknown: allow lets lic-none and lic-hostile pass"

lic '{deny: [mit]}'
run "$AIRLOCK" lock -f "$T/l/airlock.yaml"
is "$status" 1 "a deny list alone"
like "$err" "policy\.licenses: lic-classic 1\.0: MIT is denied" "an id compared without case"
like "$err" "lock refused: 1 policy violation;" "unknown is allowed by default without an allow list; MIT OR Apache-2.0 passes"

# the policy in the lock, enforced again at export: an OSV snapshot that
# matches lic-expr 1.0 is carried, vulnerabilities allowed for now
lic '{deny: [GPL-3.0-only]}'
mkdir -p "$T/l/osv"
cat > "$T/l/osv/LIC-1.json" <<'JSON'
{"schema_version": "1.6.0", "id": "LIC-0000-1", "modified": "2026-01-01T00:00:00Z",
 "summary": "lic-expr 1.0 is affected",
 "affected": [{"package": {"ecosystem": "PyPI", "name": "Lic_Expr"}, "versions": ["1.0"]}]}
JSON
printf 'advisories: [osv/LIC-1.json]\n' >> "$T/l/airlock.yaml"
run "$AIRLOCK" fetch -f "$T/l/airlock.yaml"
is "$status" 0 "a bundle that keeps its policy locks and fetches"
[ "$status" -eq 0 ] || echo "# $err"
like "$(cat "$T/l/airlock.lock")" "policy:
  deny: \[\]
  licenses:
    allow: \[\]
    deny: \[\"GPL-3.0-only\"\]
  max-total-size: 0
  vulnerabilities: \"allow\"
  wheels-only: false" "the lock carries the policy"
index_manifest "$T/n/airlock.yaml" plain "lic-expr==1.0"
run "$AIRLOCK" lock -f "$T/n/airlock.yaml"
is "$status" 0 "a manifest without a policy locks"
ok '! grep -q "policy" "$T/n/airlock.lock"' "  and its lock has no policy key (the bytes of older airlock)"
export AIRLOCK_KEYGEN_KDF=interactive AIRLOCK_PASSPHRASE_FILE="$T/pass"
printf 'correct horse\n' > "$T/pass"
run "$AIRLOCK" keygen -o "$T/ops"
is "$status" 0 "keygen"
run "$AIRLOCK" export -o "$T/media1" --key "$T/ops.key" licensed
is "$status" 0 "export of a bundle that keeps its policy"
[ "$status" -eq 0 ] || echo "# $err"
like "$(cat "$T/media1/airlock-media.json")" "\"policy\": *\{" "the signed medium carries the policy in the lock"
# the lock's policy tightened by hand (the manifest is unchanged, so fetch
# records that lock): export checks what the bundle carries
sed 's/"GPL-3.0-only"\]/"GPL-3.0-only", "MIT"]/; s/^  vulnerabilities: "allow"/  vulnerabilities: "deny"/' \
	"$T/l/airlock.lock" > "$T/l/edited" && mv "$T/l/edited" "$T/l/airlock.lock"
run "$AIRLOCK" fetch -f "$T/l/airlock.yaml"
is "$status" 0 "fetch records the edited lock"
[ "$status" -eq 0 ] || echo "# $err"
run "$AIRLOCK" export -o "$T/media2" --key "$T/ops.key" licensed
is "$status" 1 "export refuses a bundle that breaks its policy (exit 1)"
like "$err" "policy\.licenses: lic-classic 1\.0: MIT is denied \(target [^)]*\), brought in by the manifest -> lic-top -> lic-classic" \
	"every violation: the rule, the project, the reason"
like "$err" "policy\.vulnerabilities: LIC-0000-1 affects lic-expr 1\.0 \(target [^)]*\), brought in by the manifest -> lic-top -> lic-expr" \
	"vulnerabilities against the snapshot the lock pins, out of the store"
like "$err" "bundle 'licensed' breaks the policy of its manifest \(2 violations; the first: policy\.licenses: lic-classic" \
	"the error names the bundle"
ok '[ ! -e "$T/media2/airlock-media.json" ]' "no medium is written"

# a lock without the policy (an older airlock's) is stale for a manifest
# with one: fetch locks again, so the bundle carries it
sed '/^policy:/,$d' "$T/l/airlock.lock" > "$T/l/old.lock"
run "$AIRLOCK" -v fetch -f "$T/l/airlock.yaml" -o "$T/l/old.lock"
is "$status" 0 "fetch with a lock that lacks the policy"
[ "$status" -eq 0 ] || echo "# $err"
like "$err" "the lock does not carry the manifest's policy; locking again" "  calls it stale"
ok 'grep -q "^policy:" "$T/l/old.lock"' "  and the new lock carries the policy"

# policies validate refuses
bad() {
	cp "$T/p/base.yaml" "$T/p/bad.yaml"
	printf '%s\n' "$1" >> "$T/p/bad.yaml"
	run "$AIRLOCK" validate -f "$T/p/bad.yaml"
	is "$status" 1 "refused: $1"
	like "$err" "$2" "  saying $2"
}
bad 'policy: {max-total-size: 50 parsecs}' "policy\\.max-total-size: '50 parsecs' is not a size"
bad 'policy: {max-total-size: 0}' "policy\\.max-total-size: '0' is not a size"
bad 'policy: {deny: ["requests @ https://x/r.whl"]}' "policy\\.deny\\[0\\]: 'requests @ https://x/r\\.whl': a name and a version specifier only"
bad 'policy: {deny: ["requests<<2"]}' "policy\\.deny\\[0\\]: 'requests<<2' is not a PEP 508 requirement"
bad 'policy: {vulnerabilities: maybe}' "policy\\.vulnerabilities: expected deny or allow"
bad 'policy: {vulnerabilities: deny}' "policy\\.vulnerabilities: deny needs advisories"
bad 'policy: {wheels-only: "yes"}' "policy\\.wheels-only: expected a boolean"
bad 'policy: {licenses: {allow: ["MIT OR GPL-3.0-only"]}}' "policy\\.licenses\\.allow\\[0\\]: 'MIT OR GPL-3\\.0-only' is not an SPDX licence id"
bad 'policy: {licenses: {deny: [MIT], unknown: maybe}}' "policy\\.licenses\\.unknown: expected deny or allow"
bad 'policy: {licenses: {forbid: [MIT]}}' "policy\\.licenses\\.forbid: unknown key"
bad 'policy: {licenses: [MIT]}' "policy\\.licenses: expected a mapping"
bad 'policy: {mirrors: 1}' "policy\\.mirrors: unknown key"

finish
