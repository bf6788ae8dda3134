#!/bin/sh
# A wheel that arrives must carry the METADATA its lock was resolved with
# (docs/decisions/0059). lock reads a wheel's dependencies from the index's
# PEP 658 .metadata file or with range requests into the wheel; the file's
# sha256 covers neither. An index whose .metadata file, or whose range
# answers, leave out a dependency the wheel really has would give a lock
# whose closure misses it: fetch compares, fails naming the file, where the
# metadata came from and what differs, and records no bundle.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

# mc-side (400 KiB, its .metadata file omits mc-dep), mc-big (1.5 MiB, no
# .metadata: range reads; the fault answers them from a copy without mc-dep),
# mc-two (.metadata lists the same requirements in another order: honest)
mkdir -p "$T/idx"
"$PYTHON3" - "$T/idx" "$T/fake" <<'PY'
import base64, hashlib, os, random, sys, zipfile
out, fake = sys.argv[1], sys.argv[2]
def meta(name, version, requires):
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s\n" % (
        name, version, "".join("Requires-Dist: %s\n" % r for r in requires))).encode()
def wheel(path, name, version, requires, pad):
    dist = name.replace("-", "_")
    info = "%s-%s.dist-info" % (dist, version)
    files = {dist + "/__init__.py": b"", info + "/METADATA": meta(name, version, requires),
             info + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    if pad:
        files[dist + "/data.bin"] = random.Random(name).randbytes(pad)
    rec = ["%s,sha256=%s,%d" % (p, base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode(), len(d))
           for p, d in files.items()] + [info + "/RECORD,,"]
    files[info + "/RECORD"] = ("\n".join(rec) + "\n").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for p, d in files.items():
            z.writestr(zipfile.ZipInfo(p, (2020, 1, 1, 0, 0, 0)), d)
def whl(name):
    return os.path.join(out, "%s-1.0-py3-none-any.whl" % name.replace("-", "_"))
wheel(whl("mc-dep"), "mc-dep", "1.0", [], 0)
wheel(whl("mc-dep2"), "mc-dep2", "1.0", [], 0)
wheel(whl("mc-side"), "mc-side", "1.0", ["mc-dep"], 400 << 10)
open(whl("mc-side") + ".metadata", "wb").write(meta("mc-side", "1.0", []))
wheel(whl("mc-big"), "mc-big", "1.0", ["mc-dep"], 1536 << 10)
wheel(fake, "mc-big", "1.0", [], 1536 << 10)
wheel(whl("mc-two"), "mc-two", "1.0", ["mc-dep", "mc-dep2>=1"], 400 << 10)
open(whl("mc-two") + ".metadata", "wb").write(meta("mc-two", "1.0", ["mc-dep2>=1", "mc-dep"]))
PY
indexserver_start --fault "/files/mc_big-1.0-py3-none-any.whl=ranges-from:$T/fake" "$T/idx" ||
	{ echo "Bail out! no index"; exit 1; }

manifest() { # DIR BUNDLE REQUIREMENT
	mkdir -p "$1"
	cat > "$1/airlock.yaml" <<YAML
version: 1
bundle: $2
python:
  index-url: $INDEX_URL/simple/
  targets: [{python-version: "3.11", platforms: [manylinux_2_28_x86_64]}]
  requirements: ["$3"]
YAML
}
export AIRLOCK_STORE="$T/store"

# 1. a .metadata file that leaves a dependency out
manifest "$T/side" side mc-side
run "$AIRLOCK" lock -f "$T/side/airlock.yaml"
is "$status" 0 "lock takes the .metadata file's word"
ok '! grep -q mc-dep "$T/side/airlock.lock"' "so the lock has no mc-dep"
run "$AIRLOCK" fetch -f "$T/side/airlock.yaml"
ok '[ "$status" -ne 0 ]' "fetch fails: the wheel's METADATA needs mc-dep"
echo "# $err"
like "$err" "mc_side-1.0-py3-none-any.whl" "the error names the file"
like "$err" "differs from the metadata the lock was resolved with" "says what is wrong"
like "$err" "the index's .metadata file" "and where the lock's metadata came from"
like "$err" "Requires-Dist" "and which field differs"
run "$AIRLOCK" ls
ok '! printf "%s" "$out" | grep -q "side"' "no bundle is recorded"

# 2. range answers that come from another file
manifest "$T/big" big mc-big
run "$AIRLOCK" lock -f "$T/big/airlock.yaml"
is "$status" 0 "lock reads mc-big's METADATA with range requests"
ok '! grep -q mc-dep "$T/big/airlock.lock"' "the ranges came from a copy without mc-dep"
run "$AIRLOCK" fetch -f "$T/big/airlock.yaml"
ok '[ "$status" -ne 0 ]' "fetch of the real wheel fails"
echo "# $err"
like "$err" "mc_big-1.0-py3-none-any.whl" "naming the file"
like "$err" "range requests into the wheel" "and the range reads"
like "$err" "lock again" "and what to do"
run "$AIRLOCK" lock -f "$T/big/airlock.yaml"
is "$status" 0 "lock again"
ok 'grep -q mc-dep "$T/big/airlock.lock"' "reads the wheel that came, and locks mc-dep"
run "$AIRLOCK" fetch -f "$T/big/airlock.yaml"
is "$status" 0 "fetch now passes"
[ "$status" -eq 0 ] || echo "# $err"

# 3. the same requirements in another order (other bytes, same meaning)
manifest "$T/two" two mc-two
run "$AIRLOCK" lock -f "$T/two/airlock.yaml"
is "$status" 0 "lock mc-two from its .metadata file"
run "$AIRLOCK" fetch -f "$T/two/airlock.yaml"
is "$status" 0 "fetch accepts METADATA that says the same in another order"
[ "$status" -eq 0 ] || echo "# $err"

finish
