# tests/helpers/hostile.sh: validly signed, hostile media for the tests of
# import, publish and serve (tests/cli/hostile-*.sh). Source it after
# tests/cli/lib.sh.
#
#   hostile_init        a signing key ($T/ops.key, trusted in $AIRLOCK_STORE),
#                       one good medium imported (bundle "base": wheel
#                       basepkg 1.0 and model base-org/base-model) and
#                       published to $T/pub. Bails out on failure.
#   hostile_media DIR SPEC
#                       builds and signs DIR from the JSON file SPEC
#                       (tests/helpers/mkmedia.py documents SPEC).
#   hostile_wheel NAME VERSION
#                       prints the path of a small valid wheel (made once).
#   state               prints a digest of the store (blobs, tables but the
#                       ledger), the ledger, and the published tree.
#   state_same BEFORE "name"
#                       ok when nothing but one new refused ledger line changed.

MSIGN="$top_builddir/tests/unit/msign"
export AIRLOCK_KEYGEN_KDF=interactive

hostile_media() {
	_hm_tc=$("$PYTHON3" "$top_srcdir/tests/helpers/mkmedia.py" "$1" "$2") &&
	"$MSIGN" sign -p "$T/pass" -t "$_hm_tc" "$T/ops.key" "$1/airlock-media.json" \
		"$1/airlock-media.json.minisig" >/dev/null
}

hostile_wheel() {
	_hw="$T/wheels/$1-$2-py3-none-any.whl"
	[ -f "$_hw" ] || "$PYTHON3" "$top_srcdir/tests/helpers/mkwheel.py" "$T/wheels" "$1" "$2" \
		py3-none-any >/dev/null
	echo "$_hw"
}

# A lock in JSON with one target and the given distributions JSON (a list).
hostile_lock() { # BUNDLE DISTS [REPOS]
	printf '{"version": 1, "bundle": "%s", "manifest_sha256": null, "targets": [{"name": "cp311-linux", "python_version": "3.11", "implementation": "cp", "platforms": ["manylinux_2_28_x86_64"], "distributions": %s}], "repos": %s}' \
		"$1" "$2" "${3:-[]}"
}

hostile_init() {
	printf 'hostile tests\n' > "$T/pass"
	export AIRLOCK_PASSPHRASE_FILE="$T/pass"
	mkdir -p "$T/wheels"
	"$AIRLOCK" keygen -o "$T/ops" >/dev/null 2>&1 &&
	"$AIRLOCK" trust add "$T/ops.pub" >/dev/null 2>&1 || {
		echo "Bail out! cannot make and trust a test key"; exit 1; }
	_w=$(hostile_wheel basepkg 1.0)
	cat > "$T/base.json" <<JSON
{"seq": 100, "contents": [$(hostile_lock base "[{\"name\": \"basepkg\", \"version\": \"1.0\",
  \"filename\": \"basepkg-1.0-py3-none-any.whl\", \"source\": \"$_w\", \"required_by\": [\"-\"]}]" \
  "[{\"type\": \"model\", \"repo\": \"base-org/base-model\", \"revision\": \"main\",
    \"commit\": \"0123456789abcdef0123456789abcdef01234567\",
    \"files\": [{\"path\": \"config.json\", \"data\": \"{}\", \"lfs\": false},
               {\"path\": \"sub/x.txt\", \"data\": \"x\", \"lfs\": false}]}]")]}
JSON
	hostile_media "$T/base" "$T/base.json" &&
	"$AIRLOCK" import "$T/base" >/dev/null 2>"$T/.err" &&
	"$AIRLOCK" publish -o "$T/pub" >/dev/null 2>>"$T/.err" || {
		echo "# $(cat "$T/.err")"; echo "Bail out! cannot import and publish the good medium"; exit 1; }
}

_state_store() {
	(cd "$AIRLOCK_STORE" && find blobs -type f -o -type l | LC_ALL=C sort | while read -r f; do
		printf '%s %s\n' "$f" "$(sha256sum < "$f" | cut -c1-64)"; done)
	"$PYTHON3" - "$AIRLOCK_STORE/airlock.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
    if t == "ledger":
        continue
    for row in db.execute("SELECT * FROM %s ORDER BY 1, 2" % t):
        print(t, repr(row))
PY
}

_state_pub() {
	[ -e "$T/pub" ] || return 0
	(cd "$T/pub/" && find . | LC_ALL=C sort | while read -r f; do
		if [ -L "$f" ]; then printf '%s -> %s\n' "$f" "$(readlink "$f")"
		elif [ -f "$f" ]; then printf '%s %s\n' "$f" "$(sha256sum < "$f" | cut -c1-64)"
		else printf '%s/\n' "$f"; fi; done)
}

_ledger() {
	"$PYTHON3" - "$AIRLOCK_STORE/airlock.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for row in db.execute("SELECT * FROM ledger ORDER BY id"):
    print(repr(row))
PY
}

state() {
	_state_store
	echo "--- published"
	_state_pub
}

# state_same BEFORE_FILE NAME: the store and the published tree are byte for
# byte as in BEFORE_FILE, and the ledger gained at most one line, a refusal.
state_same() {
	state > "$T/.state-now"
	if cmp -s "$1" "$T/.state-now"; then _result 0 "$2"; else
		_result 1 "$2"; diff "$1" "$T/.state-now" | head -20 | sed 's/^/#   /'
	fi
}

# ledger_refused_since N NAME: the ledger has N+1 lines, the last one refused.
ledger_count() { _ledger | wc -l; }
ledger_last() { _ledger | tail -1; }
