#!/bin/sh
# The options of requirements files, through `airlock lock`, with pip's
# meaning (docs/reference/lock.md, "Requirements files"); PIP_* variables are not read;
# lock -v says which index each project came from.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

fixture_wheels "$T/wheels" >/dev/null || { echo "Bail out! cannot build fixture wheels"; exit 1; }
F=$FIXTURE_WHEELS/files
indexserver_start --log "$T/full.log" "$FIXTURE_WHEELS" || { echo "Bail out! index server did not start"; exit 1; }
FULL=$INDEX_URL/simple/
# a small index: demo-core 2.0 only (it requires demo-leaf, which this index lacks)
mkdir -p "$T/small"
cp "$F/demo_core-2.0-py3-none-any.whl" "$T/small/"
indexserver_start --log "$T/small.log" "$T/small" || { echo "Bail out! index server did not start"; exit 1; }
SMALL=$INDEX_URL/simple/

P=$T/proj
mkdir -p "$P"
LINUX='{python-version: "3.11", platforms: [manylinux_2_28_x86_64]}'
# manifest [EXTRA-YAML-LINES...]: one Linux target, requirements.txt
manifest() {
	{
		echo "version: 1"
		echo "bundle: options"
		echo "python:"
		for l in "$@"; do echo "  $l"; done
		echo "  targets: [$LINUX]"
		echo "  requirements-files: [requirements.txt]"
	} > "$P/airlock.yaml"
}
pins() {
	"$PYTHON3" -c '
import sys, yaml
l = yaml.safe_load(open(sys.argv[1]))
print(" ".join("%s==%s:%s" % (d["name"], d["version"], d["filename"].rsplit(".", 1)[-1])
               for d in l["targets"][0]["distributions"]))' "$P/airlock.lock"; }
lock() { rm -f "$P/airlock.lock"; run "$AIRLOCK" lock -f "$P/airlock.yaml" "$@"; }

# ---- -i / --index-url ----------------------------------------------------------------
manifest
printf -- '-i %s\ndemo-leaf==1.1\n' "$FULL" > "$P/requirements.txt"
lock
is "$status" 0 "-i in the file replaces the default index (the manifest names none)"
[ "$status" -eq 0 ] || echo "# $err" | head -5
is "$(pins)" "demo-leaf==1.1:whl" "and the project comes from it"

manifest "index-url: $SMALL"
lock
is "$status" 3 "-i and a different python.index-url: two primary indexes"
like "$err" "requirements.txt:1: --index-url '$FULL' conflicts with python.index-url '$SMALL' in .*airlock.yaml: two primary indexes" \
	"the error names both places"
manifest "index-url: $FULL"
lock
is "$status" 0 "the same URL in both places is no conflict"

# ---- --extra-index-url, and lock -v ---------------------------------------------------------
manifest "index-url: $SMALL"
printf -- '--extra-index-url %s\ndemo-core\n' "$FULL" > "$P/requirements.txt"
: > "$T/small.log"
lock -v
is "$status" 0 "--extra-index-url adds an index after the manifest's"
[ "$status" -eq 0 ] || echo "# $err" | head -5
is "$(pins)" "demo-core==2.0:whl demo-leaf==1.1:whl" \
	"demo-core from the first index (which has 2.0 only), demo-leaf from the extra one"
like "$err" "cp311-manylinux_2_28_x86_64: demo-core 2.0 from $SMALL" "lock -v names the index of demo-core"
like "$err" "cp311-manylinux_2_28_x86_64: demo-leaf 1.1 from $FULL" "and of demo-leaf"
lock
ok '! printf "%s" "$err" | grep -q " from http"' "without -v it says nothing of the sort"

# ---- --no-index and -f ----------------------------------------------------------------------
mkdir -p "$P/links"
cp "$F/demo_leaf-1.0-py3-none-any.whl" "$P/links/"
manifest
printf -- '--no-index\n-f links\ndemo-leaf\n' > "$P/requirements.txt"
lock -v
is "$status" 0 "--no-index with -f: the find-links directory alone"
[ "$status" -eq 0 ] || echo "# $err" | head -5
is "$(pins)" "demo-leaf==1.0:whl" "demo-leaf 1.0, the one file there"
like "$err" "demo-leaf 1.0 from find-links" "lock -v says find-links"
manifest "index-url: $FULL"
lock
is "$status" 3 "--no-index beside a manifest index-url is a conflict"
like "$err" "requirements.txt:1: --no-index conflicts with python.index-url in .*airlock.yaml" "naming both"
manifest "indexes: [{name: small, url: \"$SMALL\"}]"
lock
is "$status" 3 "--no-index beside python.indexes is a conflict"
like "$err" "requirements.txt:1: --no-index conflicts with python.indexes in .*airlock.yaml" "naming both"
manifest
printf -- '--no-index\n-f links\ndemo-core\n' > "$P/requirements.txt"
lock
is "$status" 3 "--no-index: a project the find-links lack"
like "$err" "no find-links source has a project named 'demo-core' \\(no index is used\\)" \
	"is not found, saying no index is used"

# ---- lock -v with a named index (python.indexes) before the index URL -----------------------
manifest "index-url: $FULL" "indexes: [{name: small, url: \"$SMALL\"}]"
printf 'demo-core==2.0\n' > "$P/requirements.txt"
lock -v
is "$status" 0 "a named index before the manifest's index URL"
[ "$status" -eq 0 ] || echo "# $err" | head -5
like "$err" "demo-core 2.0 from $SMALL" "lock -v names the named index that had demo-core"
like "$err" "demo-leaf 1.1 from $FULL" "and the index URL for demo-leaf, which it lacks"

# ---- --pre ------------------------------------------------------------------------------------
manifest "index-url: $FULL"
printf 'demo-core<3\n' > "$P/requirements.txt"
lock
is "$(pins)" "demo-core==2.0.post1:whl demo-leaf==1.1:whl" "without --pre: the newest final release"
printf -- '--pre\ndemo-core<3\n' > "$P/requirements.txt"
lock
is "$(pins)" "demo-core==2.1rc1:whl demo-leaf==1.1:whl" "--pre: pre-releases too"

# ---- --no-binary, --only-binary, --prefer-binary ----------------------------------------------------
printf -- '--no-binary demo-core\ndemo-core\n' > "$P/requirements.txt"
lock
is "$status" 0 "--no-binary demo-core: its sdist, without allow-sdist"
[ "$status" -eq 0 ] || echo "# $err" | head -5
is "$(pins)" "demo-core==2.0.post1:gz demo-leaf==1.1:whl" "the only version with an sdist"
manifest "index-url: $FULL" "allow-sdist: [sdpkg-static]"
printf 'sdpkg-static\n' > "$P/requirements.txt"
lock
is "$status" 0 "an sdist-only project in allow-sdist locks"
printf -- '--only-binary :all:\nsdpkg-static\n' > "$P/requirements.txt"
lock
is "$status" 3 "--only-binary :all: refuses it (no solution)"
like "$err" "skipped sdpkg-static 1.0: only an sdist, and --only-binary refuses sdists" "saying why"
# prefer-binary: a find-links directory with demo-core 2.0 (wheel) and 2.0.post1 (sdist only)
rm -f "$P/links/"*
cp "$F/demo_core-2.0-py3-none-any.whl" "$F/demo_core-2.0.post1.tar.gz" "$F/demo_leaf-1.1-py3-none-any.whl" "$P/links/"
manifest "allow-sdist: [demo-core]"
printf -- '--no-index\n-f links\ndemo-core\n' > "$P/requirements.txt"
lock
is "$(pins)" "demo-core==2.0.post1:gz demo-leaf==1.1:whl" "without --prefer-binary: the newest version, an sdist"
[ "$status" -eq 0 ] || echo "# $err" | head -5
printf -- '--no-index\n-f links\n--prefer-binary\ndemo-core\n' > "$P/requirements.txt"
lock
is "$(pins)" "demo-core==2.0:whl demo-leaf==1.1:whl" "--prefer-binary: an older version with a wheel"

# ---- -c -------------------------------------------------------------------------------------------
manifest "index-url: $FULL"
printf 'demo-leaf<1.1\n' > "$P/constraints.txt"
printf -- '-c constraints.txt\ndemo-core==2.0\n' > "$P/requirements.txt"
lock
is "$(pins)" "demo-core==2.0:whl demo-leaf==1.0:whl" "-c constrains the dependency"

# ---- options airlock does not support are errors naming them ------------------------------------
printf 'demo-leaf\n--trusted-host example.org\n' > "$P/requirements.txt"
lock
is "$status" 3 "--trusted-host is refused"
like "$err" "requirements.txt:2: --trusted-host is not supported" "naming file:line"
printf 'demo-leaf\n--use-feature fast-deps\n' > "$P/requirements.txt"
lock
like "$err" "requirements.txt:2: --use-feature is not supported" "--use-feature too"
printf 'demo-leaf\n--frobnicate\n' > "$P/requirements.txt"
lock
like "$err" "requirements.txt:2: no such option: --frobnicate" "an unknown option too"

# ---- PIP_* variables are not read ----------------------------------------------------------------
manifest "index-url: $FULL"
printf 'demo-core==2.0\n' > "$P/requirements.txt"
lock
is "$status" 0 "lock"
cp "$P/airlock.lock" "$T/lock1"
: > "$T/full.log"
PIP_INDEX_URL=http://127.0.0.1:9/bogus/ PIP_EXTRA_INDEX_URL=http://127.0.0.1:9/x/ PIP_NO_INDEX=1 \
	PIP_FIND_LINKS=/nonexistent PIP_PRE=1 PIP_ONLY_BINARY=:all: PIP_REQUIRE_HASHES=1 \
	run "$AIRLOCK" lock -f "$P/airlock.yaml" --upgrade
is "$status" 0 "lock with PIP_INDEX_URL and others set to bogus values"
[ "$status" -eq 0 ] || echo "# $err" | head -5
ok 'cmp -s "$P/airlock.lock" "$T/lock1"' "the lock is unchanged"
ok 'grep -q "^GET /simple/demo-core/" "$T/full.log"' "the manifest's index was asked"

finish
