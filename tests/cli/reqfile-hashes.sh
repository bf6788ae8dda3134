#!/bin/sh
# Requirements files with --hash, through `airlock lock`: pip's
# hash-checking mode (docs/reference/lock.md, "Requirements files").
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

fixture_wheels "$T/wheels" >/dev/null || { echo "Bail out! cannot build fixture wheels"; exit 1; }
indexserver_start "$FIXTURE_WHEELS" || { echo "Bail out! index server did not start"; exit 1; }
F=$FIXTURE_WHEELS/files
sha() { sha256sum "$F/$1" | cut -d' ' -f1; }
LEAF=$(sha demo_leaf-1.1-py3-none-any.whl)
CORE=$(sha demo_core-2.0-py3-none-any.whl)
NATIVE_LINUX=$(sha demo_native-1.0-cp311-cp311-manylinux_2_28_x86_64.whl)
NATIVE_MAC=$(sha demo_native-1.0-cp38-abi3-macosx_11_0_arm64.whl)
NATIVE_ANY=$(sha demo_native-1.0-py3-none-any.whl)
ZERO=0000000000000000000000000000000000000000000000000000000000000000

P=$T/proj
mkdir -p "$P"
# manifest TARGETS...: python.requirements-files: [requirements.txt]
manifest() {
	{
		echo "version: 1"
		echo "bundle: hashes"
		echo "python:"
		echo "  index-url: $INDEX_URL/simple/"
		echo "  targets:"
		for t in "$@"; do echo "    - $t"; done
		echo "  requirements-files: [requirements.txt]"
	} > "$P/airlock.yaml"
}
LINUX='{python-version: "3.11", platforms: [manylinux_2_28_x86_64]}'
MAC='{python-version: "3.12", platforms: [macosx_11_0_arm64]}'
filename_of() { # lock target project
	"$PYTHON3" -c '
import sys, yaml
l = yaml.safe_load(open(sys.argv[1]))
t = [t for t in l["targets"] if t["name"] == sys.argv[2]][0]
print(" ".join(d["filename"] for d in t["distributions"] if d["name"] == sys.argv[3]))' "$@"; }

# ---- a matching hash locks -------------------------------------------------
manifest "$LINUX"
cat > "$P/requirements.txt" <<REQ
demo-core==2.0 --hash=sha256:$ZERO \\
    --hash=sha256:$CORE
demo-leaf==1.1 --hash=sha256:$LEAF
REQ
run "$AIRLOCK" lock -f "$P/airlock.yaml"
is "$status" 0 "a hashed, pinned requirements file locks"
[ "$status" -eq 0 ] || echo "# $err" | head -20
is "$(filename_of "$P/airlock.lock" cp311-manylinux_2_28_x86_64 demo-core)" \
	"demo_core-2.0-py3-none-any.whl" "the file whose sha256 is listed is chosen"

# ---- a wrong hash fails, naming the requirement, the hashes and the files --
cat > "$P/requirements.txt" <<REQ
demo-core==2.0 --hash=sha256:$CORE
demo-leaf==1.1 --hash=sha256:$ZERO
REQ
run "$AIRLOCK" lock -f "$P/airlock.yaml"
is "$status" 1 "a hash no file has fails the lock"
like "$err" "requirements.txt:2: demo-leaf==1.1: no file of 'demo-leaf' has a sha256 among the required hashes" \
	"the error names the file, line and requirement"
like "$err" "expected: sha256:$ZERO" "and the hashes expected"
like "$err" "demo_leaf-1.1-py3-none-any.whl sha256:$LEAF" "and the files seen, with their sha256"
ok '! printf "%s" "$err" | grep -q "demo_leaf-1.0"' "only the files of the pinned version"

# ---- pinned with == and hashed, every requirement ------------------------------
printf 'demo-core==2.0 --hash=sha256:%s\ndemo-leaf>=1.0 --hash=sha256:%s\n' "$CORE" "$LEAF" > "$P/requirements.txt"
run "$AIRLOCK" lock -f "$P/airlock.yaml"
is "$status" 3 "an unpinned requirement in a hashed file fails"
like "$err" "requirements.txt:2: 'demo-leaf>=1.0': hash-checking mode \\(a --hash on .*requirements.txt:1\\) needs every requirement pinned with == or ===" \
	"the error names file:line and the requirement"
printf 'demo-core==2.0 --hash=sha256:%s\n\ndemo-leaf==1.1\n' "$CORE" > "$P/requirements.txt"
run "$AIRLOCK" lock -f "$P/airlock.yaml"
is "$status" 3 "a requirement without a hash in a hashed file fails"
like "$err" "requirements.txt:3: 'demo-leaf==1.1': hash-checking mode .* needs a --hash on every requirement" \
	"naming it"
printf -- '--require-hashes\ndemo-leaf==1.1\n' > "$P/requirements.txt"
run "$AIRLOCK" lock -f "$P/airlock.yaml"
is "$status" 3 "--require-hashes alone turns the mode on"
like "$err" "requirements.txt:2: 'demo-leaf==1.1': hash-checking mode \\(--require-hashes on .*requirements.txt:1\\)" \
	"and says so"
printf 'demo-core==2.0 --hash=sha256:%s\n' "$CORE" > "$P/requirements.txt"
run "$AIRLOCK" lock -f "$P/airlock.yaml"
is "$status" 1 "a dependency without a hash fails, as in pip"
like "$err" "hash-checking mode: demo-leaf 1.1 \\(required by demo-core 2.0\\) has no --hash in the requirements files; add it pinned and hashed: demo-leaf==1.1 --hash=sha256:$LEAF" \
	"saying what to add"
printf 'demo-leaf==1.1 --hash=sha512:%0128d\n' 0 > "$P/requirements.txt"
run "$AIRLOCK" lock -f "$P/airlock.yaml"
is "$status" 3 "a sha512 hash is refused"
like "$err" "requirements.txt:1: 'demo-leaf==1.1': --hash=sha512:...: airlock checks sha256" "with the reason"
printf 'demo-leaf==1.1 --hash=sha256:%s\ndemo-leaf==1.1 --hash=sha256:%s\n' "$LEAF" "$ZERO" > "$P/requirements.txt"
run "$AIRLOCK" lock -f "$P/airlock.yaml"
is "$status" 3 "two lines for a project whose hashes share none fail"
like "$err" "requirements.txt:2: 'demo-leaf==1.1': none of its hashes is among those given for 'demo-leaf' on .*requirements.txt:1" \
	"naming both lines"

# ---- for every target -------------------------------------------------------------
manifest "$LINUX" "$MAC"
printf 'demo-native==1.0 --hash=sha256:%s\n' "$NATIVE_LINUX" > "$P/requirements.txt"
run "$AIRLOCK" lock -f "$P/airlock.yaml"
is "$status" 1 "a hash for the Linux wheel only: the macOS target fails"
like "$err" "target cp312-macosx_11_0_arm64: .*requirements.txt:1: demo-native==1.0: no file of 'demo-native'" \
	"naming the target"
like "$err" "demo_native-1.0-cp38-abi3-macosx_11_0_arm64.whl sha256:$NATIVE_MAC" "and the macOS wheel it saw"
like "$err" "demo_native-1.0-cp311-cp311-manylinux_2_28_x86_64.whl sha256:$NATIVE_LINUX \\(not for this target\\)" \
	"and the Linux one, marked as not for this target"
printf 'demo-native==1.0 --hash=sha256:%s --hash=sha256:%s\n' "$NATIVE_LINUX" "$NATIVE_ANY" > "$P/requirements.txt"
run "$AIRLOCK" lock -f "$P/airlock.yaml"
is "$status" 0 "with the pure wheel's hash too, both targets lock"
[ "$status" -eq 0 ] || echo "# $err" | head -20
is "$(filename_of "$P/airlock.lock" cp311-manylinux_2_28_x86_64 demo-native)" \
	"demo_native-1.0-cp311-cp311-manylinux_2_28_x86_64.whl" "Linux gets its platform wheel"
is "$(filename_of "$P/airlock.lock" cp312-macosx_11_0_arm64 demo-native)" \
	"demo_native-1.0-py3-none-any.whl" "macOS gets the pure wheel: its own wheel is not hashed"

# ---- files the index gives no sha256 for are hashed, then checked -------------
mkdir -p "$P/links"
cp "$F/demo_leaf-1.1-py3-none-any.whl" "$P/links/"
cat > "$P/airlock.yaml" <<YAML
version: 1
bundle: hashes
python:
  targets: [$LINUX]
  requirements-files: [requirements.txt]
YAML
printf -- '--no-index\n--find-links links\ndemo-leaf==1.1 --hash=sha256:%s\n' "$ZERO" > "$P/requirements.txt"
run "$AIRLOCK" lock -f "$P/airlock.yaml"
is "$status" 1 "a find-links file with another hash fails once hashed"
like "$err" "requirements.txt:3: demo-leaf==1.1: demo_leaf-1.1-py3-none-any.whl has sha256 $LEAF, which is not among the required hashes" \
	"naming the file and its sha256"
printf -- '--no-index\n--find-links links\ndemo-leaf==1.1 --hash=sha256:%s\n' "$LEAF" > "$P/requirements.txt"
run "$AIRLOCK" lock -f "$P/airlock.yaml"
is "$status" 0 "with its hash it locks"
[ "$status" -eq 0 ] || echo "# $err" | head -20

finish
