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

run "$AIRLOCK" audit --lock "$T/p/airlock.lock"
is "$status" 2 "no --osv and no advisories in the manifest: a usage error"
like "$err" "no advisories: give --osv PATH" "saying so"

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

# a member name and an --ignore reason are any bytes: escaped on the
# terminal; --json stays one valid object (a reason that is not UTF-8 once
# cost the whole answer: "out of memory: no JSON written")
"$PYTHON3" - "$OSV" "$T/names.zip" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w") as z:
    z.writestr("a\x1b[31m\x07b.json", open(os.path.join(sys.argv[1], "PYSEC-0000-1.json")).read())
PY
reason=$(printf 'ok\377\033[2J')
run "$AIRLOCK" -v audit -f "$T/p/airlock.yaml" --osv "$T/names.zip" --ignore "PYSEC-0000-1=$reason"
is "$status" 0 "a zip member named with control characters, its record ignored"
like "$out" 'record:   .*names\.zip:a\\x1b\[31m\\x07b\.json$' "  the member's name escaped"
like "$out" 'ignored:  ok\\xff\\x1b\[2J$' "  the reason escaped"
ok '! printf "%s" "$out" | grep -q "$(printf "\033")"' "  no control character reaches the terminal"
run "$AIRLOCK" --json audit -f "$T/p/airlock.yaml" --osv "$T/names.zip" --ignore "PYSEC-0000-1=$reason"
is "$status" 0 "--json with that reason: exit 0"
is "$err" "" "  no error"
got=$(printf '%s\n' "$out" | "$PYTHON3" -c '
import json, sys
m = json.load(sys.stdin)["matches"][0]
print(m["id"], m["ignored"], m["source"].rsplit(":", 1)[1])')
is "$got" 'PYSEC-0000-1 ok\xff\x1b[2J a\x1b[31m\x07b.json' "  one object naming the reason and the member, escaped"

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

# advisories across the gap: the manifest names the snapshot, the lock pins
# it, fetch stores it, export carries it, audit --bundle reads it on the
# other side with no --osv
mkdir -p "$T/p2/osv"
cp "$T/all.zip" "$T/p2/osv/PyPI-all.zip"
index_manifest "$T/p2/airlock.yaml" carried "demo-core==2.0" "localver==1.0+cpu"
printf 'advisories: [osv/PyPI-all.zip]\n' >> "$T/p2/airlock.yaml"
run "$AIRLOCK" validate -f "$T/p2/airlock.yaml"
is "$status" 0 "advisories: validates"
[ "$status" -eq 0 ] || echo "# $err" | head -3
if "$PYTHON3" -c 'import jsonschema, yaml' 2>/dev/null; then
	run "$PYTHON3" -c '
import json, sys, yaml, jsonschema
jsonschema.validate(yaml.safe_load(open(sys.argv[1])), json.load(open(sys.argv[2])))
print("valid")' "$T/p2/airlock.yaml" "$top_srcdir/schema/airlock.schema.json"
	is "$out" "valid" "and against schema/airlock.schema.json"
else
	skip "python3 jsonschema or yaml missing"
fi
run "$AIRLOCK" fetch -f "$T/p2/airlock.yaml"
is "$status" 0 "fetch locks and stores the snapshot"
[ "$status" -eq 0 ] || echo "# $err" | head -3
SHA=$(sha256sum "$T/p2/osv/PyPI-all.zip" | cut -c1-64)
like "$(cat "$T/p2/airlock.lock")" "advisories:" "the lock pins the snapshot"
like "$(grep -A3 '^advisories:' "$T/p2/airlock.lock")" "sha256: \"$SHA\"" "by its sha256"
run "$AIRLOCK" audit -f "$T/p2/airlock.yaml"
is "$status" 1 "audit -f without --osv reads the manifest's advisories"
like "$out" "^localver 1\.0\+cpu: PYSEC-0000-4" "with the matches"

export AIRLOCK_KEYGEN_KDF=interactive AIRLOCK_PASSPHRASE_FILE="$T/pass"
printf 'correct horse\n' > "$T/pass"
run "$AIRLOCK" keygen -o "$T/ops"
is "$status" 0 "keygen"
run "$AIRLOCK" export -o "$T/media" --key "$T/ops.key" carried
is "$status" 0 "export"
[ "$status" -eq 0 ] || echo "# $err" | head -3
ok '[ -n "$(tar -tf "$T/media/vol-0001.tar" | grep "objects/sha256/$SHA")" ]' "the snapshot is in a volume"
like "$(cat "$T/media/airlock-media.json")" "\"advisories\": *\[\{\"name\": *\"PyPI-all.zip\"" \
	"and named in the signed manifest"
run "$AIRLOCK" --store "$T/isolated" trust add "$T/ops.pub"
run "$AIRLOCK" --store "$T/isolated" import "$T/media"
is "$status" 0 "import on the isolated side"
[ "$status" -eq 0 ] || echo "# $err" | head -3
run "$AIRLOCK" --store "$T/isolated" audit --bundle carried
is "$status" 1 "audit --bundle with no --osv uses the snapshot the bundle carries"
like "$out" "^demo-core 2\.0: PYSEC-0000-1" "the same matches"
run "$AIRLOCK" --store "$T/isolated" -v audit --bundle carried
like "$out" "record:   PyPI-all\.zip:PYSEC-0000-1\.json" "the record named by the snapshot's name, not a store path"
run "$AIRLOCK" --store "$T/isolated" audit --bundle carried --osv "$OSV" --ignore PYSEC-0000-1 --ignore PYSEC-0000-4
is "$status" 0 "--osv overrides the carried snapshot"
# NAME@SEQ, as sbom --bundle resolves it: the lock that medium carried
seq=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$T/media/airlock-media.json")
run "$AIRLOCK" --store "$T/isolated" audit --bundle "carried@$seq"
is "$status" 1 "audit --bundle NAME@SEQ: the bundle as the medium of that seq carried it"
like "$out" "^demo-core 2\.0: PYSEC-0000-1" "  with the snapshot it carried"
run "$AIRLOCK" --store "$T/isolated" audit --bundle "carried@$((seq + 5))"
is "$status" 3 "a seq never imported fails"
like "$err" "no medium with seq $((seq + 5)) of bundle 'carried'" "  saying so"
run "$AIRLOCK" --store "$T/isolated" audit --bundle "carried@x"
ok '[ "$status" -ne 0 ] && [ "$status" -ne 1 ]' "NAME@ without a number is refused"
like "$err" "expected NAME@SEQ with a sequence number" "  saying so"

# a new snapshot makes the lock stale: fetch pins it again
cp "$OSV/PYSEC-0000-1.json" "$T/new.json"
"$PYTHON3" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "a").write(sys.argv[2], "NEW.json")' \
	"$T/p2/osv/PyPI-all.zip" "$T/new.json"
run "$AIRLOCK" lock --check -f "$T/p2/airlock.yaml"
is "$status" 1 "lock --check: a changed snapshot makes the lock stale"
run "$AIRLOCK" fetch -f "$T/p2/airlock.yaml"
is "$status" 0 "fetch relocks"
ok '! grep -q "$SHA" "$T/p2/airlock.lock"' "and pins the new snapshot"

# a hand-edited lock cannot name a path as its snapshot
sed 's|name: "PyPI-all.zip"|name: "../PyPI-all.zip"|' "$T/p2/airlock.lock" > "$T/edited.lock"
run "$AIRLOCK" audit --lock "$T/edited.lock" --osv "$OSV"
is "$status" 3 "a lock whose advisories name is a path is refused"
like "$err" "lock\.advisories\[0\]: name: expected 1 to 128" "naming the field"

# manifest errors
mkdir -p "$T/p3/a" "$T/p3/b"
index_manifest "$T/p3/airlock.yaml" bad "demo-core==2.0"
cp "$T/all.zip" "$T/p3/a/all.zip"; cp "$T/all.zip" "$T/p3/b/all.zip"
printf 'advisories: [a/all.zip, b/all.zip, a, "../x y.zip"]\n' >> "$T/p3/airlock.yaml"
run "$AIRLOCK" validate -f "$T/p3/airlock.yaml"
is "$status" 1 "bad advisories entries are refused"
like "$err" "advisories\[2\]: '.*/p3/a' is not a file" "a directory"
like "$err" "advisories\[3\]: '\.\./x y\.zip': the file name must be" "a name that is not plain"
like "$err" "advisories: two advisories files named 'all\.zip'" "two files of the same name"

finish
