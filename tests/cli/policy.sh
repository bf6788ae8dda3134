#!/bin/sh
# The manifest's policy at lock time, against the fixture index: every
# violation listed (rule, project, target, the chain that brought it in),
# nothing written; a lock that keeps the policy is written; bad policies
# are refused by validate.
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
bad 'policy: {licenses: {allow: [MIT]}}' "policy\\.licenses: not enforced by this version of airlock"
bad 'policy: {mirrors: 1}' "policy\\.mirrors: unknown key"

finish
