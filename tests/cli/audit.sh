#!/bin/sh
# airlock audit: a lock from the fixture index against fixtures/osv/ (OSV
# records, schema-valid), as a directory, as OSV's all.zip, from a bundle of
# the store; hostile records and zips.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

OSV=$FIXTURES/osv
# ../shared beside the checkout (or beside the worktrees' folder)
SCHEMAS=$top_srcdir/../shared/vendor/schemas
[ -d "$SCHEMAS" ] || SCHEMAS=$top_srcdir/../../shared/vendor/schemas
if [ -f "$SCHEMAS/validate.py" ]; then
	run "$PYTHON3" "$SCHEMAS/validate.py" osv "$OSV"/*.json
	is "$status" 0 "fixtures/osv/ validates against the OSV schema"
	[ "$status" -eq 0 ] || echo "# $out" | head -5
else
	skip "no vendored OSV schema at $SCHEMAS"
fi

fixture_wheels "$T/wheels" >/dev/null || { echo "Bail out! cannot build fixture wheels"; exit 1; }
indexserver_start "$FIXTURE_WHEELS" || { echo "Bail out! index server did not start"; exit 1; }
index_manifest "$T/p/airlock.yaml" audited "demo-core==2.0" "Demo.Util==1.2" "localver==1.0+cpu" \
	"Foo_Bar==1.0"
run "$AIRLOCK" lock -f "$T/p/airlock.yaml"
is "$status" 0 "lock"
[ "$status" -eq 0 ] || echo "# $err" | head -5

run "$AIRLOCK" audit
is "$status" 2 "no --osv: a usage error"
like "$err" "--osv PATH is required" "saying so"

run "$AIRLOCK" audit -f "$T/p/airlock.yaml" --osv "$OSV"
is "$status" 1 "records match: exit 1"
like "$out" "^demo-core 2\\.0: PYSEC-0000-1 \\(CVE-0000-0001\\)$" "id and aliases"
like "$out" "summary:  demo-core leaks the proxy password" "the summary"
like "$out" "severity: CVSS_V3 CVSS:3\\.1/AV:N" "the CVSS severity"
like "$out" "fixed:    2\\.0\\.post1, 3\\.1" "the fixed versions of both ranges"
like "$out" "^demo-util 1\\.2: GHSA-aaaa-bbbb-cccc" "last_affected, and Demo.Util normalized"
like "$out" "severity: HIGH" "the database's severity"
like "$out" "^foo-bar 1\\.0: PYSEC-0000-3" "a versions list, FOO.bar normalized"
like "$out" "^localver 1\\.0\\+cpu: PYSEC-0000-4" "a local build of an affected version"
like "$out" "5 distributions, 9 records: 4 matches, 0 ignored" "the summary line"
ok '! printf "%s" "$out" | grep -Eq "PYSEC-0000-[5-9]|OSV-0000-8"' \
	"withdrawn, limit, pre-release-only and other-ecosystem records do not match"

run "$AIRLOCK" --json audit -f "$T/p/airlock.yaml" --osv "$OSV"
is "$status" 1 "--json: exit 1 too"
got=$(printf '%s\n' "$out" | "$PYTHON3" -c '
import json, sys
o = json.load(sys.stdin)
print(o["event"], o["open"], ",".join(m["id"] + "=" + m["project"] + "@" + m["version"] for m in o["matches"]),
      o["matches"][0]["fixed"], o["matches"][0]["aliases"])')
is "$got" "audit 4 PYSEC-0000-1=demo-core@2.0,GHSA-aaaa-bbbb-cccc=demo-util@1.2,PYSEC-0000-3=foo-bar@1.0,PYSEC-0000-4=localver@1.0+cpu ['2.0.post1', '3.1'] ['CVE-0000-0001']" \
	"--json: one object with every match"

run "$AIRLOCK" audit -f "$T/p/airlock.yaml" --osv "$OSV" --ignore CVE-0000-0001="not reachable: no proxy" \
	--ignore GHSA-aaaa-bbbb-cccc --ignore PYSEC-0000-3=ok --ignore PYSEC-0000-4=ok --ignore PYSEC-4242
is "$status" 0 "every match accepted with --ignore: exit 0"
like "$out" "PYSEC-0000-1 \\(CVE-0000-0001\\) \\[ignored\\]" "an ignored record is still listed"
like "$out" "ignored:  not reachable: no proxy" "with the reason"
like "$out" "ignored:  \\(no reason given\\)" "or saying none was given"
like "$out" "0 matches, 4 ignored" "counted apart"
like "$err" "warning: --ignore PYSEC-4242: no record with this id matched" "an --ignore that matched nothing is warned about"

# OSV's ecosystem export: PyPI/all.zip, flat *.json members
"$PYTHON3" - "$OSV" "$T/all.zip" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    for n in sorted(os.listdir(sys.argv[1])):
        z.write(os.path.join(sys.argv[1], n), n)
    z.writestr("README.txt", "not a record")
    z.writestr("../../escape.json", open(os.path.join(sys.argv[1], "PYSEC-0000-1.json")).read())
PY
run "$AIRLOCK" --json audit -f "$T/p/airlock.yaml" --osv "$T/all.zip"
is "$status" 1 "the zip layout"
got=$(printf '%s\n' "$out" | "$PYTHON3" -c '
import json, sys
o = json.load(sys.stdin)
print(o["records"], o["open"], sorted(set(m["source"].rsplit(":", 1)[1] for m in o["matches"])))')
is "$got" "10 5 ['../../escape.json', 'GHSA-aaaa-bbbb-cccc.json', 'PYSEC-0000-1.json', 'PYSEC-0000-3.json', 'PYSEC-0000-4.json']" \
	"the same records; other members skipped; a member name is only a label"
ok '[ ! -e "$T/escape.json" ] && [ ! -e "$T/../escape.json" ]' "nothing is extracted"

# hostile zips: a bomb, a record over the cap, not a zip at all
"$PYTHON3" - "$T" <<'PY'
import sys, zipfile
t = sys.argv[1]
with zipfile.ZipFile(t + "/bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("PYSEC-1.json", b'{"id": "PYSEC-1", "summary": "' + b"A" * (8 << 20) + b'"}')
with open(t + "/trunc.zip", "wb") as f:
    f.write(open(t + "/all.zip", "rb").read()[:300])
PY
run "$AIRLOCK" audit -f "$T/p/airlock.yaml" --osv "$T/bomb.zip"
is "$status" 3 "a member inflating past the cap fails"
like "$err" "OSV record '.*bomb\\.zip:PYSEC-1\\.json' is larger than 4194304 bytes" "naming the member and the cap"
run "$AIRLOCK" audit -f "$T/p/airlock.yaml" --osv "$T/trunc.zip"
is "$status" 3 "a truncated zip fails"
like "$err" "trunc\\.zip" "naming it"

# hostile records in a directory: an error naming the file; a bad version warns
mkdir -p "$T/bad" "$T/warn"
cp "$OSV"/*.json "$T/bad/"
printf '{"id": "PYSEC-X", "affected": [{"package": {"ecosystem": "PyPI", "name": "demo-core"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": 0}]}]}]}' > "$T/bad/PYSEC-X.json"
run "$AIRLOCK" audit -f "$T/p/airlock.yaml" --osv "$T/bad"
is "$status" 3 "a record of the wrong shape fails the audit (exit 3)"
like "$err" "bad OSV record '.*/bad/PYSEC-X\\.json': affected\\[0\\]\\.ranges\\[0\\]\\.events\\[0\\]\\.introduced: expected a string" \
	"naming the file and the field"
printf '{"id": "PYSEC-Y", "summary": "caf\351"}' > "$T/bad/PYSEC-X.json"
run "$AIRLOCK" audit -f "$T/p/airlock.yaml" --osv "$T/bad"
is "$status" 3 "a record that is not UTF-8 fails"
like "$err" "bad OSV record '.*PYSEC-X\\.json': line 1" "naming the file"
printf '{"id": "PYSEC-Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "demo-core"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0-final-\\u001b[31m"}]}]}]}' > "$T/warn/PYSEC-Z.json"
ln -s /etc/passwd "$T/warn/link.json"
run "$AIRLOCK" audit -f "$T/p/airlock.yaml" --osv "$T/warn"
is "$status" 0 "a range with a version that is not PEP 440 is skipped"
like "$err" "warning: OSV record '.*PYSEC-Z\\.json': affected\\[0\\]\\.ranges\\[0\\]\\.events\\[1\\]: '2\\.0-final-\\\\x1b\\[31m' is not a PEP 440 version: range skipped" \
	"with a warning naming it, escaped"
like "$err" "warning: '.*link\\.json' is not a regular file: skipped" "a symlink is not followed"

# the isolated side: a bundle in the store
run "$AIRLOCK" fetch -f "$T/p/airlock.yaml"
is "$status" 0 "fetch records the bundle"
run "$AIRLOCK" audit --bundle audited --osv "$T/all.zip"
is "$status" 1 "audit --bundle: the bundle's lock from the store"
like "$out" "^localver 1\\.0\\+cpu: PYSEC-0000-4" "with the same matches"
run "$AIRLOCK" audit --bundle nope --osv "$OSV"
is "$status" 3 "an unknown bundle"
like "$err" "nope" "named"

finish
