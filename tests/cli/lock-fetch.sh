#!/bin/sh
# lock and fetch against the fixture index, checked against pip's answers,
# then publish and the real pip installs offline.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

fixture_wheels "$T/wheels" || { echo "Bail out! cannot build fixture wheels"; exit 1; }
indexserver_start --log "$T/requests.log" "$FIXTURE_WHEELS" ||
	{ echo "Bail out! index server did not start"; exit 1; }

pins() { "$PYTHON3" -c '
import sys, yaml
l = yaml.safe_load(open(sys.argv[1]))
t = [t for t in l["targets"] if t["name"] == sys.argv[2]][0]
print("\n".join(sorted("%s==%s" % (d["name"], d["version"]) for d in t["distributions"])))' "$@"; }

mkdir -p "$T/proj"
cat > "$T/proj/airlock.yaml" <<YAML
version: 1
bundle: demo
python:
  index-url: $INDEX_URL/simple/
  targets:
    - python-version: "3.11"
      platforms: [manylinux_2_28_x86_64]
    - python-version: "3.12"
      platforms: [macosx_11_0_arm64]
  requirements: ["airdemo"]
YAML
run "$AIRLOCK" lock -f "$T/proj/airlock.yaml"
is "$status" 0 "lock against the fixture index"
[ "$status" -eq 0 ] || echo "# $err" | head -30
like "$out" "airlock.lock written: [0-9]+ distributions for 2 targets" "reports what it pinned"
is "$(pins "$T/proj/airlock.lock" cp311-manylinux_2_28_x86_64)" "$(cat "$top_srcdir/fixtures/wheels/expected/airdemo-cp311-linux.txt")" \
	"the Linux pins are what pip chooses"
# pip 23.2.1 evaluates markers for the machine running pip even with
# --platform, so its answer keeps demo-fast (platform_machine == "x86_64");
# on an arm64 Mac that marker is false, and airlock leaves it out.
is "$(pins "$T/proj/airlock.lock" cp312-macosx_11_0_arm64)" "$(grep -v '^demo-fast==' "$top_srcdir/fixtures/wheels/expected/airdemo-cp312-macosx_11_0_arm64.txt")" \
	"the macOS pins are pip's, with markers evaluated for arm64"
run "$PYTHON3" -c '
import sys, yaml
l = yaml.safe_load(open(sys.argv[1]))
for t in l["targets"]:
    for d in t["distributions"]:
        assert len(d["sha256"]) == 64 and d["url"].startswith("http") and d["required-by"], d
print("ok")' "$T/proj/airlock.lock"
is "$out" "ok" "every pin has a url, a sha256 and required-by"
run "$PYTHON3" -c '
import json, sys, yaml, jsonschema
jsonschema.validate(yaml.safe_load(open(sys.argv[1])), json.load(open(sys.argv[2])))
print("valid")' "$T/proj/airlock.lock" "$top_srcdir/schema/airlock.lock.schema.json"
is "$out" "valid" "the lock validates against schema/airlock.lock.schema.json"
cp "$T/proj/airlock.lock" "$T/lock1"
# wheels under 256 KiB come whole (one request, as a sidecar; fetch needs them
# anyway); the lock still names their sidecars, which the store now holds
is "$(grep '\.metadata ' "$T/requests.log" | cut -d' ' -f2 | sort -u)" \
	"/files/demo_data-1.0-py3-none-any.whl.metadata" "only the 300 KiB wheel's sidecar was asked for"
is "$(grep -c 'metadata-sha256' "$T/lock1")" \
	"$(grep -cE 'filename: "(airdemo|demo_core|demo_http|demo_socks|demo_data|demo_pyreq|demo_leaf)-' "$T/lock1")" \
	"every wheel of a PEP 658 project has its metadata-sha256"

run "$AIRLOCK" lock -f "$T/proj/airlock.yaml"
like "$out" "unchanged" "locking again changes nothing"
run "$AIRLOCK" lock -f "$T/proj/airlock.yaml" --check
is "$status" 0 "lock --check: up to date"
run "$AIRLOCK" lock -f "$T/proj/airlock.yaml" --check --upgrade
is "$status" 0 "lock --check --upgrade: up to date when nothing newer exists"
is "$err" "" "with no stale verdict printed before the answer"
is "$(printf '%s\n' "$out" | grep -c 'up to date')" 1 "and one answer"
run "$AIRLOCK" lock -f "$T/proj/airlock.yaml" --offline
is "$status" 0 "lock --offline works from the cache"
ok 'cmp -s "$T/proj/airlock.lock" "$T/lock1"' "with the same result"

run "$AIRLOCK" fetch -f "$T/proj/airlock.yaml" --locked
is "$status" 0 "fetch --locked"
[ "$status" -eq 0 ] || echo "# $err" | head -30
like "$out" "fetched demo: [0-9]+ files" "reports the files"
run "$AIRLOCK" store verify
is "$status" 0 "the store verifies clean"
run "$AIRLOCK" fetch -f "$T/proj/airlock.yaml"
like "$out" "already in the store" "a second fetch downloads nothing"
is "$(grep -c '\.metadata ' "$T/requests.log")" 1 "fetch asked for no sidecar: they came out of the wheels"

# a lock made in a store that already has the files is the same lock
mv "$T/proj/airlock.lock" "$T/lock-before"
run "$AIRLOCK" lock -f "$T/proj/airlock.yaml"
is "$status" 0 "relock from scratch with the files in the store"
ok 'cmp -s "$T/proj/airlock.lock" "$T/lock-before"' "the same bytes as the lock made without them"

# a sidecar that is not the wheel's METADATA: the sidecar is read and used,
# as a lock without the wheel (and pip) would
mkdir -p "$T/odd"
"$PYTHON3" "$top_srcdir/tests/helpers/mkwheel.py" "$T/odd" odd-top 1.0 py3-none-any >/dev/null
"$PYTHON3" "$top_srcdir/tests/helpers/mkwheel.py" "$T/odd" odd-dep 1.0 py3-none-any >/dev/null
printf 'Metadata-Version: 2.1\nName: odd-top\nVersion: 1.0\nRequires-Dist: odd-dep\n\n' \
	> "$T/odd/odd_top-1.0-py3-none-any.whl.metadata"
oddport_url=$INDEX_URL
indexserver_start --log "$T/odd.log" "$T/odd" || echo "Bail out! second index server"
index_manifest "$T/proj/odd.yaml" odd "odd-top"
run env AIRLOCK_STORE="$T/store-odd" "$AIRLOCK" lock -f "$T/proj/odd.yaml" -o "$T/odd.lock"
is "$status" 0 "lock a wheel whose sidecar differs from its METADATA"
like "$(pins "$T/odd.lock" cp311-manylinux_2_28_x86_64)" "odd-dep==1\.0" "the sidecar's Requires-Dist counts"
ok 'grep -q "odd_top-1.0-py3-none-any.whl.metadata 200" "$T/odd.log"' "the sidecar was read"
like "$(grep -A3 'odd_top-1.0' "$T/odd.lock")" "metadata-sha256: \"$(sha256sum "$T/odd/odd_top-1.0-py3-none-any.whl.metadata" | cut -c1-64)\"" \
	"the lock names the sidecar's sha256"
cp "$T/odd.lock" "$T/odd.lock1"
indexserver_stop
run env AIRLOCK_STORE="$T/store-odd" "$AIRLOCK" lock --offline --upgrade -f "$T/proj/odd.yaml" -o "$T/odd.lock"
is "$status" 0 "lock --offline, the server gone: the wheel is in the store, the differing sidecar in the cache"
ok 'cmp -s "$T/odd.lock" "$T/odd.lock1"' "with the same result"
INDEX_URL=$oddport_url

run "$AIRLOCK" publish -o "$T/pub"
is "$status" 0 "publish"
"$PYTHON3" -m venv "$T/venv" >/dev/null 2>&1
run "$T/venv/bin/pip" install --no-index --find-links "$T/pub/wheels" --only-binary :all: --require-hashes \
	-r "$T/pub/requirements/cp311-manylinux_2_28_x86_64.txt"
is "$status" 0 "pip installs the locked closure offline with --require-hashes"
[ "$status" -eq 0 ] || echo "# $err" | tail -5
run "$T/venv/bin/python" -c 'import airdemo; print(airdemo.__version__)'
is "$out" "1.1" "and it imports"

# the manifest changes: the lock is stale
printf '  constraints: ["demo-core<2"]\n' >> "$T/proj/airlock.yaml"
run "$AIRLOCK" lock -f "$T/proj/airlock.yaml" --check
is "$status" 1 "lock --check after a manifest change exits 1"
run "$AIRLOCK" fetch -f "$T/proj/airlock.yaml" --locked
is "$status" 1 "fetch --locked refuses a stale lock"
like "$err" "the manifest changed" "saying why"
run "$AIRLOCK" fetch -f "$T/proj/airlock.yaml"
is "$status" 0 "fetch relocks a stale lock"
like "$(pins "$T/proj/airlock.lock" cp311-manylinux_2_28_x86_64)" "demo-core==1\.1" "honouring the new constraint"

# a conflict is explained
index_manifest "$T/proj/bad.yaml" bad "unsat-top"
run "$AIRLOCK" lock -f "$T/proj/bad.yaml" -o "$T/bad.lock"
is "$status" 3 "an unsatisfiable manifest fails"
like "$err" "no version of unsat-" "naming the project that cannot be satisfied"
like "$err" "unsat-x 1.0 requires unsat-z<2" "and who asked for what"
ok '[ ! -e "$T/bad.lock" ]' "and writes no lock"

# an HTML-only index gives no sizes: METADATA comes out of the remote wheels
# with range requests where there is no PEP 658 sidecar
indexserver_start --html-only --log "$T/html.log" "$FIXTURE_WHEELS" || { echo "Bail out! no second server"; exit 1; }
index_manifest "$T/proj/html.yaml" html "benchtop"
run env AIRLOCK_STORE="$T/store-html" "$AIRLOCK" lock -f "$T/proj/html.yaml" -o "$T/html.lock"
is "$status" 0 "lock through an HTML-only index"
[ "$status" -eq 0 ] || echo "# $err"
is "$(pins "$T/html.lock" cp311-manylinux_2_28_x86_64)" "$(cat "$top_srcdir/fixtures/wheels/expected/benchtop-cp311-linux.txt")" \
	"the same 54 pins"
ok 'grep -q "bytes=-65536" "$T/html.log"' "METADATA was read with range requests"
run env AIRLOCK_STORE="$T/store-html" "$AIRLOCK" fetch -f "$T/proj/html.yaml" -o "$T/html.lock" --locked
is "$status" 0 "and fetch then downloads the wheels"

# find-links: a directory of wheels beside the index
mkdir -p "$T/links"
"$PYTHON3" "$top_srcdir/tests/helpers/mkwheel.py" "$T/links" local-only 3.0 py3-none-any "airdemo" >/dev/null
cat > "$T/proj/links.yaml" <<YAML
version: 1
bundle: links
python:
  index-url: $INDEX_URL/simple/
  find-links: ["file://$T/links"]
  targets: [{python-version: "3.11", platforms: [manylinux_2_28_x86_64]}]
  requirements: ["local-only"]
YAML
run env AIRLOCK_STORE="$T/store-links" "$AIRLOCK" fetch -f "$T/proj/links.yaml" -o "$T/links.lock"
is "$status" 0 "lock and fetch with a find-links directory"
[ "$status" -eq 0 ] || echo "# $err"
like "$(pins "$T/links.lock" cp311-manylinux_2_28_x86_64)" "local-only==3\.0" "the project only the directory has"
like "$(pins "$T/links.lock" cp311-manylinux_2_28_x86_64)" "airdemo==1\.1" "and its dependencies from the index"

# the larger closure, checked against pip
index_manifest "$T/proj/bench.yaml" bench "benchtop"
run "$AIRLOCK" lock -f "$T/proj/bench.yaml" -o "$T/bench.lock"
is "$status" 0 "lock benchtop"
is "$(pins "$T/bench.lock" cp311-manylinux_2_28_x86_64)" "$(cat "$top_srcdir/fixtures/wheels/expected/benchtop-cp311-linux.txt")" \
	"54 pins, the same as pip"
finish
