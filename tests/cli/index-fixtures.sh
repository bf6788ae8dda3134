#!/bin/sh
# The fixture wheels and the fixture index server, proven with the real pip:
# JSON and HTML index modes, the demo and bench closures, yanked, backtracking,
# unsatisfiable, fault injection, PEP 658 metadata, ranges, --find-links.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

CHECK="$PYTHON3 $top_srcdir/tests/helpers/check-fixtures.py"
REPORT="$PYTHON3 $top_srcdir/scripts/pip-report.py"
EXPECTED=$FIXTURES/wheels/expected

# ---- the wheels ----------------------------------------------------------
run fixture_wheels "$T/wheels"
is "$status" 0 "build-wheels.py builds the fixtures"
W=$T/wheels
nfiles=$(ls "$W/files" | wc -l)
ok '[ "$nfiles" -ge 170 ]' "it makes $nfiles distributions"
nproj=$(ls "$W/files" | sed 's/-.*//' | tr 'A-Z_.' 'a-z--' | sort -u | wc -l)
ok '[ "$nproj" -ge 55 ]' "of $nproj distinct projects"
run "$PYTHON3" "$top_srcdir/scripts/build-wheels.py" "$T/wheels2"
(cd "$W/files" && sha256sum -- *) > "$T/sums1"
(cd "$T/wheels2/files" && sha256sum -- *) > "$T/sums2"
ok 'cmp -s "$T/sums1" "$T/sums2"' "a rebuild is byte-identical"
run $CHECK records "$W"
is "$status" 0 "every RECORD is right and every .metadata equals METADATA"
[ "$status" -eq 0 ] || echo "# $err"

if ! "$PYTHON3" -c 'import venv, ensurepip' 2>/dev/null; then
	skip "python3 lacks venv/ensurepip: no pip tests"
	finish
	exit $?
fi

# ---- server basics ---------------------------------------------------------
if ! indexserver_start --log "$T/json.log" "$W"; then
	_result 1 "the index server starts"
	finish
	exit $?
fi
JSON_URL=$INDEX_URL
_result 0 "the index server starts and prints its port ($INDEX_PORT)"
run $CHECK negotiate "$JSON_URL"
is "$status" 0 "content negotiation, redirects and 404s"
[ "$status" -eq 0 ] || echo "# $err"
run $CHECK index "$JSON_URL" "$W"
is "$status" 0 "HTML and JSON pages agree; PEP 658 only where configured, hashes match"
[ "$status" -eq 0 ] || echo "# $err"
run $CHECK range "$JSON_URL" demo_native-1.0-cp38-abi3-win_amd64.whl
is "$status" 0 "a wheel's METADATA can be read with range requests"
[ "$status" -eq 0 ] || echo "# $err"

# ---- the real pip, JSON API ----------------------------------------------
run "$PYTHON3" -m venv "$T/venv"
is "$status" 0 "a fresh venv"
VPY=$T/venv/bin/python
PIP="$VPY -m pip --no-cache-dir --disable-pip-version-check"
: > "$T/json.log"
run $PIP install --index-url "$JSON_URL/simple/" airdemo
is "$status" 0 "pip installs airdemo through the JSON API"
[ "$status" -eq 0 ] || echo "# $err" | head -20
run "$VPY" -c 'import airdemo, demo_core, demo_util, demo_pyreq, demo_data
print(airdemo.__version__, demo_core.__version__, demo_pyreq.__version__, demo_data.__version__)'
is "$out" "1.1 2.0.post1 1.0 1.0" \
	"imports work: newest airdemo, demo-core <3 without pre-releases, py3.11 demo-pyreq, unyanked demo-data"
run $PIP list --format=freeze
pins=$(printf '%s\n' "$out" | grep -v -E '^(pip|setuptools)==' | tr 'A-Z_' 'a-z-' | sort | tr '\n' ' ')
is "$pins" "airdemo==1.1 demo-core==2.0.post1 demo-data==1.0 demo-fast==1.0 demo-http==1.0 demo-leaf==1.1 demo-native==1.0 demo-pyreq==1.0 demo-socks==1.1 demo-util==1.2 " \
	"the demo closure is exactly the ten expected (markers for win32 and <3.10 left out)"
if [ "$(uname -m)" = x86_64 ] && "$VPY" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
	run "$VPY" -c 'import demo_native; print(demo_native.__wheel_tag__)'
	is "$out" "cp311-cp311-manylinux_2_28_x86_64" "pip picks the most specific platform wheel"
else
	skip "platform wheel choice is checked on x86_64 with Python 3.11 only"
fi
ok 'grep -q " json " "$T/json.log" && ! grep -q " html " "$T/json.log"' "pip read JSON pages only"
ok 'grep -q "^GET /files/airdemo-1.1-py3-none-any.whl.metadata 200" "$T/json.log"' \
	"pip fetched PEP 658 metadata from JSON core-metadata"
ok '! grep -q "^GET /files/demo_util-1.0" "$T/json.log"' "and never touched an older version it did not need"

run $PIP install --dry-run --ignore-installed --report "$T/y.json" --index-url "$JSON_URL/simple/" \
	"demo-data==1.1"
like "$(cat "$T/y.json" 2>/dev/null)" '"version": "1.1"' "a yanked version is still installable when pinned with =="
like "$err" 'yanked.*broken <build> & bad "hash"' "with pip's warning and the unescaped reason"

# ---- resolver cases ----------------------------------------------------------
report() { $REPORT --pip "$VPY" --index-url "$JSON_URL/simple/" "$@"; }
run report bt-top
is "$(echo $out)" "bt-a==1.0 bt-b==1.0 bt-c==2.0 bt-top==1.0" "backtracking: bt-a 2.0 needs bt-c<2, so bt-a 1.0"
run report unsat-top
is "$status" 1 "the unsatisfiable case fails"
like "$err" 'unsat-z<2.*|conflict' "and pip explains the conflict"
run report benchtop
n=$(printf '%s\n' "$out" | grep -c '==')
ok '[ "$n" -ge 50 ]' "benchtop resolves to $n distributions"
is "$out" "$(cat "$EXPECTED/benchtop-cp311-linux.txt")" "exactly fixtures/wheels/expected/benchtop-cp311-linux.txt"
run report "airdemo[full]"
is "$out" "$(cat "$EXPECTED/airdemo-full-cp311-linux.txt")" "airdemo[full] (an extra needing another extra) as expected"
run report onlypre epochy tagged localver FOO.BAR zope.fixture --files
is "$out" "$(cat "$EXPECTED/cases-cp311-linux.txt")" \
	"pre-release only, epoch, build tag, local version, normalized names as expected"
run report winonly
is "$status" 1 "a project with only a win_amd64 wheel has nothing for Linux"

# ---- pip-report.sh targets -------------------------------------------------------
run report --platform manylinux2014_x86_64 --python-version 3.11 --implementation cp --abi cp311 --files airdemo
like "$out" 'demo-native==1.0 demo_native-1.0-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl' \
	"pip-report: a manylinux2014 target takes the abi3 manylinux_2_17 wheel"
is "$(printf '%s\n' "$out" | cut -d' ' -f1)" "$(cat "$EXPECTED/airdemo-cp311-linux.txt")" "with the expected pins"
run report --platform macosx_11_0_arm64 --python-version 3.12 --implementation cp --abi cp312 --files airdemo
like "$out" 'demo_native-1.0-cp38-abi3-macosx_11_0_arm64.whl' "pip-report: a macOS arm64 target takes the macosx wheel"
like "$out" 'demo-pyreq==1.1 ' "and Python 3.12 allows demo-pyreq 1.1 (Requires-Python >=3.12)"

# ---- the real pip, HTML only ----------------------------------------------------
indexserver_start --html-only --log "$T/html.log" "$W"
HTML_URL=$INDEX_URL
run $PIP download -d "$T/dl" --index-url "$HTML_URL/simple/" "airdemo[full]"
is "$status" 0 "pip downloads airdemo[full] from an HTML-only index"
[ "$status" -eq 0 ] || echo "# $err" | head -20
ok '[ -f "$T/dl/demo_cli-1.0-py3-none-any.whl" ] && [ "$(ls "$T/dl" | wc -l)" -eq 11 ]' \
	"eleven files including demo-cli from the extra"
ok 'grep -q " html " "$T/html.log" && ! grep -q " json " "$T/html.log"' "pip read HTML pages only"
ok 'grep -q "^GET /files/demo_core-2.0.post1-py3-none-any.whl.metadata 200" "$T/html.log"' \
	"pip fetched PEP 658 metadata from data-core-metadata"
(cd "$T/dl" && sha256sum -- *) | while read -r h f; do grep -q "$h  $f" "$T/sums1" || echo "$f"; done > "$T/bad"
ok '[ ! -s "$T/bad" ]' "downloaded files are the fixture files"
indexserver_stop

# ---- --find-links ----------------------------------------------------------------
run $PIP install --no-index --find-links "$W/files" bt-top foo-bar
is "$status" 0 "pip install --no-index --find-links DIR works"
run "$VPY" -c 'import bt_a, foo_bar; print(bt_a.__version__, foo_bar.__version__)'
is "$out" "1.0 1.1" "and resolves the same way"
indexserver_start --flat "$W"
run $PIP download --no-index -d "$T/dl2" --find-links "$INDEX_URL/" zope.fixture
is "$status" 0 "pip downloads through a find-links page (--flat)"
ok '[ -f "$T/dl2/zope_fixture-2.0-py3-none-any.whl" ]' "the newest zope.fixture"
indexserver_stop

# ---- an sdist built offline ----------------------------------------------------
run $PIP install --index-url "$JSON_URL/simple/" sdpkg-dynamic
is "$status" 0 "pip builds and installs an sdist with Dynamic: Requires-Dist offline"
[ "$status" -eq 0 ] || echo "# $err" | tail -5
run "$VPY" -c 'import sdpkg_dynamic, demo_leaf; print(sdpkg_dynamic.__wheel_tag__, demo_leaf.__version__)'
is "$out" "sdist 1.1" "its dynamic dependency came with it"

# ---- faults --------------------------------------------------------------------
indexserver_start --log "$T/fault.log" \
	--fault '/simple/bt-c/=500-then-ok:2' --fault '/files/bt_c-2.0-*=500*1' \
	--fault '/files/bt_b-1.0-*=429:0*1' --fault '/files/demo_fast-*=wrong-bytes' "$W"
F_URL=$INDEX_URL
run $PIP download -d "$T/dl3" --index-url "$F_URL/simple/" bt-top
is "$status" 0 "pip survives 500-then-ok and 429 with Retry-After"
[ "$status" -eq 0 ] || echo "# $err" | tail -5
ok 'grep -c "^GET /simple/bt-c/ 500" "$T/fault.log" | grep -qx 2' "after two 500s on a page"
ok 'grep -q "^GET /files/bt_b-1.0-py3-none-any.whl 429" "$T/fault.log"' "and a 429 on a file"
run $PIP download -d "$T/dl4" --index-url "$F_URL/simple/" demo-fast
ok '[ "$status" -ne 0 ]' "a changed byte fails pip's hash check"
like "$err" 'HASHES|hash' "and pip says so"
indexserver_stop

eval "indexserver_start $($CHECK faults-args) \"\$W\""
run $CHECK faults "$INDEX_URL"
is "$status" 0 "cut, drop, stall, slow, redirect-loop, endless and status*N faults"
[ "$status" -eq 0 ] || echo "# $err"
indexserver_stop

finish
