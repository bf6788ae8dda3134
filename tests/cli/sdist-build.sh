#!/bin/sh
# sdists that build offline (issue 16): an sdist's build requirements
# (build-system.requires, or pip's legacy default) are locked per target,
# fetched, carried across the gap and published, and the real pip builds the
# sdist offline from the published tree with the real setuptools.
# manifest -> lock -> fetch -> export -> import -> publish -> pip install.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

export AIRLOCK_KEYGEN_KDF=interactive
printf 'correct horse\n' > "$T/pass"
export AIRLOCK_PASSPHRASE_FILE="$T/pass"
A="$T/connected"; B="$T/isolated"

# Real build backends: the setuptools wheel Python bundles for ensurepip, and
# Debian's wheel wheel (python3-wheel-whl). Debian's setuptools wheel does not
# build under a Python that is not Debian's, so it is not used.
bundled=$("$PYTHON3" -c 'import ensurepip, os; print(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled"))' 2>/dev/null)
st_whl=$(ls "$bundled"/setuptools-*-py3-none-any.whl 2>/dev/null | head -1)
wh_whl=$(ls /usr/share/python-wheels/wheel-*-py3-none-any.whl 2>/dev/null | head -1)
if [ -z "$st_whl" ] || [ -z "$wh_whl" ] || ! "$PYTHON3" -c 'import venv' 2>/dev/null; then
	skip "needs Python's bundled setuptools wheel, /usr/share/python-wheels/wheel-*.whl (python3-wheel-whl) and venv"
	finish
	exit 0
fi
st_ver=$(basename "$st_whl" | sed 's/^setuptools-\([^-]*\)-.*/\1/')
wh_ver=$(basename "$wh_whl" | sed 's/^wheel-\([^-]*\)-.*/\1/')

# The index: the two backends; an sdist with a pyproject.toml (setuptools'
# backend, and a build requirement that is itself an sdist, sbuild-tool)
# that requires an sdist without one (setup.py: pip's legacy default,
# setuptools>=40.8.0 and wheel); and an older setuptools that the build
# requirement setuptools>=61 rules out.
mkdir -p "$T/idx"
cp "$st_whl" "$wh_whl" "$T/idx/"
"$PYTHON3" "$top_srcdir/tests/helpers/mksdist.py" "$T/idx" sbuild-app 1.0 pyproject+sbuild-tool "sbuild-legacy>=1" >/dev/null
"$PYTHON3" "$top_srcdir/tests/helpers/mksdist.py" "$T/idx" sbuild-tool 1.0 legacy >/dev/null
"$PYTHON3" "$top_srcdir/tests/helpers/mksdist.py" "$T/idx" sbuild-legacy 1.0 legacy >/dev/null
"$PYTHON3" "$top_srcdir/tests/helpers/mkwheel.py" "$T/idx" setuptools 50.0 >/dev/null
# and an sdist with a hostile pyproject.toml
"$PYTHON3" - "$T/idx" <<'PY'
import io, os, sys, tarfile
files = {"PKG-INFO": b"Metadata-Version: 2.2\nName: sbuild-bad\nVersion: 1.0\n",
         "pyproject.toml": b"[project]\nname = 'x'\n[build-system]\nrequires = \"setuptools\"\n"}
with tarfile.open(os.path.join(sys.argv[1], "sbuild_bad-1.0.tar.gz"), "w:gz") as t:
    for p, d in files.items():
        ti = tarfile.TarInfo("sbuild_bad-1.0/" + p)
        ti.size = len(d)
        t.addfile(ti, io.BytesIO(d))
PY
indexserver_start --log "$T/requests.log" "$T/idx" || { echo "Bail out! no index"; exit 1; }

mkdir -p "$T/proj"
cat > "$T/proj/airlock.yaml" <<YAML
version: 1
bundle: sdists
python:
  index-url: $INDEX_URL/simple/
  targets: [{python-version: "3.11", platforms: [manylinux_2_28_x86_64]}]
  requirements: ["sbuild-app"]
  allow-sdist: [sbuild-app, sbuild-legacy, sbuild-tool]
YAML
run "$AIRLOCK" --store "$A" lock -f "$T/proj/airlock.yaml"
is "$status" 0 "lock a closure of two sdists"
[ "$status" -eq 0 ] || echo "# $err"
lock="$T/proj/airlock.lock"
run "$PYTHON3" - "$lock" <<'PY'
import sys, yaml
t = yaml.safe_load(open(sys.argv[1]))["targets"][0]
print(" ".join("%s==%s" % (d["name"], d["version"]) for d in t["distributions"]))
print(" ".join("%s==%s<%s" % (d["name"], d["version"], ",".join(d["required-by"]))
               for d in t.get("build-distributions", [])))
PY
is "$(echo "$out" | sed -n 1p)" "sbuild-app==1.0 sbuild-legacy==1.0" "the runtime closure: both sdists"
is "$(echo "$out" | sed -n 2p)" "sbuild-tool==1.0<sbuild-app setuptools==$st_ver<sbuild-app,sbuild-legacy,sbuild-tool wheel==$wh_ver<sbuild-app,sbuild-legacy,sbuild-tool" \
	"build requirements: setuptools (not the 50.0 that setuptools>=61 rules out), wheel, and the sdist sbuild-tool with its own, each naming the sdists that need it"
run "$PYTHON3" -c 'import json, sys, yaml, jsonschema
jsonschema.validate(yaml.safe_load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$lock" "$top_srcdir/schema/airlock.lock.schema.json"
is "$status" 0 "the lock validates against schema/airlock.lock.schema.json"
[ "$status" -eq 0 ] || echo "# $err" | head -5

# A hostile pyproject.toml: lock fails naming the sdist, the line and the
# field, and writes nothing.
mkdir -p "$T/bad"
sed -e 's/\["sbuild-app"\]/["sbuild-bad"]/' -e 's/allow-sdist: \[/allow-sdist: [sbuild-bad, /' \
	"$T/proj/airlock.yaml" > "$T/bad/airlock.yaml"
run "$AIRLOCK" --store "$A" lock -f "$T/bad/airlock.yaml"
is "$status" 3 "an sdist whose build-system.requires is not a list: lock fails (exit 3, as for bad metadata)"
like "$err" "sdist 'sbuild_bad-1.0.tar.gz': pyproject.toml:4: build-system.requires: expected a list of strings" \
	"naming the sdist, the line and the field"
ok '[ ! -e "$T/bad/airlock.lock" ]' "and writes no lock"

cp "$lock" "$T/lock.first"
run "$AIRLOCK" --store "$A" lock -f "$T/proj/airlock.yaml" --offline
is "$status" 0 "lock --offline right after: the sdists are in the store"
[ "$status" -eq 0 ] || echo "# $err"
ok 'cmp -s "$lock" "$T/lock.first"' "the same lock"
run "$AIRLOCK" --store "$A" lock -f "$T/proj/airlock.yaml" --check
is "$status" 0 "lock --check: current"

run "$AIRLOCK" --store "$A" fetch -f "$T/proj/airlock.yaml" --locked
is "$status" 0 "fetch"
[ "$status" -eq 0 ] || echo "# $err"
run "$AIRLOCK" keygen -o "$T/ops"
run "$AIRLOCK" --store "$A" export -o "$T/m1" --key "$T/ops.key"
is "$status" 0 "export"
run "$AIRLOCK" --store "$B" trust add "$T/ops.pub"
run "$AIRLOCK" --store "$B" import "$T/m1"
is "$status" 0 "import on the isolated side"
[ "$status" -eq 0 ] || echo "# $err"
indexserver_stop

run "$AIRLOCK" --store "$B" publish -o "$T/pub"
is "$status" 0 "publish"
[ "$status" -eq 0 ] || echo "# $err"
for f in sbuild_app-1.0.tar.gz sbuild_legacy-1.0.tar.gz sbuild_tool-1.0.tar.gz "$(basename "$st_whl")" "$(basename "$wh_whl")"; do
	ok '[ -f "$T/pub/wheels/$f" ]' "wheels/ has $f"
done
ok '[ ! -e "$T/pub/wheels/setuptools-50.0-py3-none-any.whl" ]' "and not the setuptools nothing pinned"
ok '[ -f "$T/pub/simple/setuptools/index.html" ] && [ -f "$T/pub/simple/wheel/index.html" ]' \
	"simple/ has pages for the build requirements"
req="$T/pub/requirements/cp311-manylinux_2_28_x86_64.txt"
run cat "$req"
like "$out" "sbuild-app==1.0 \\\\" "the requirements file pins the sdists"
ok '! grep -q "only-binary" "$req"' "and does not say --only-binary :all: (pip must build)"
ok '! grep -q "^setuptools==\|^wheel==" "$req"' "build requirements are not installed: not in the requirements file"

# The real pip, offline, in a fresh venv, hashes required: it builds the
# sdists in isolated environments (sbuild-tool in one nested in sbuild-app's)
# whose build requirements come from the same --find-links directory, with
# no hashes asked of them.
"$PYTHON3" -m venv "$T/venv" >/dev/null 2>&1
run "$T/venv/bin/pip" install --no-index --find-links "$T/pub/wheels" --require-hashes -r "$req"
is "$status" 0 "pip builds the sdists and installs both offline with --require-hashes"
[ "$status" -eq 0 ] || printf '%s\n' "$err" | tail -20 | sed 's/^/# /'
run "$T/venv/bin/python" -c 'import sbuild_app, sbuild_legacy; print(sbuild_app.__version__, sbuild_legacy.__version__)'
is "$out" "1.0 1.0" "and they import"

# Without the build requirements the same install fails: this is what the
# lock's build-distributions are for.
mkdir -p "$T/bare"
cp "$T/pub/wheels/"sbuild_*.tar.gz "$T/bare/"
"$PYTHON3" -m venv "$T/venv2" >/dev/null 2>&1
run "$T/venv2/bin/pip" install --no-index --find-links "$T/bare" --require-hashes -r "$req"
ok '[ "$status" -ne 0 ]' "without them pip cannot build offline"

finish
