#!/bin/sh
# Metadata is fetched once (issue 16): METADATA read from a PEP 658 sidecar,
# with HTTP range requests out of a large wheel, or out of a whole small
# wheel is kept in the store, so that every target of a bundle shares one
# read of each file's metadata, a relock of an unchanged manifest reads no
# metadata over the network, and lock --offline right after lock gives the
# same lock. Requests are counted at the fixture index (--log).
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

# mo-big: 1.5 MiB, no sidecar (range reads); mo-side: 400 KiB with a PEP 658
# sidecar (the sidecar is read); mo-small: small, no sidecar (downloaded whole).
mkdir -p "$T/idx"
"$PYTHON3" - "$T/idx" <<'PY'
import base64, hashlib, os, random, sys, zipfile
out = sys.argv[1]
def wheel(name, version, requires, pad, sidecar):
    dist = name.replace("-", "_")
    info = "%s-%s.dist-info" % (dist, version)
    meta = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s\n" % (
        name, version, "".join("Requires-Dist: %s\n" % r for r in requires))).encode()
    files = {dist + "/__init__.py": b"", info + "/METADATA": meta,
             info + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    if pad:
        files[dist + "/data.bin"] = random.Random(name).randbytes(pad)
    rec = ["%s,sha256=%s,%d" % (p, base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode(), len(d))
           for p, d in files.items()] + [info + "/RECORD,,"]
    files[info + "/RECORD"] = ("\n".join(rec) + "\n").encode()
    path = os.path.join(out, "%s-%s-py3-none-any.whl" % (dist, version))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for p, d in files.items():
            z.writestr(zipfile.ZipInfo(p, (2020, 1, 1, 0, 0, 0)), d)
    if sidecar:
        open(path + ".metadata", "wb").write(meta)
wheel("mo-big", "1.0", ["mo-side>=1", "mo-small"], 1536 << 10, False)
wheel("mo-side", "1.0", [], 400 << 10, True)
wheel("mo-small", "1.0", [], 0, False)
PY
indexserver_start --log "$T/requests.log" "$T/idx" || { echo "Bail out! no index"; exit 1; }

manifest() { # FILE TARGETS
	cat > "$1" <<YAML
version: 1
bundle: once
python:
  index-url: $INDEX_URL/simple/
  targets: [$2]
  requirements: ["mo-big"]
YAML
}
# requests for files and sidecars (not pages) since the log had $1 lines
file_requests() { tail -n +"$(($1 + 1))" "$T/requests.log" | grep -c ' /files/'; }
lines() { wc -l < "$T/requests.log"; }

mkdir -p "$T/one" "$T/six"
manifest "$T/one/airlock.yaml" '{python-version: "3.11", platforms: [manylinux_2_28_x86_64]}'
manifest "$T/six/airlock.yaml" '{python-version: "3.10", platforms: [manylinux_2_28_x86_64]},
    {python-version: "3.11", platforms: [manylinux_2_28_x86_64]},
    {python-version: "3.12", platforms: [manylinux_2_28_x86_64]},
    {python-version: "3.10", platforms: [manylinux_2_28_aarch64]},
    {python-version: "3.11", platforms: [manylinux_2_28_aarch64]},
    {python-version: "3.12", platforms: [manylinux_2_28_aarch64]}'

n=$(lines)
run env AIRLOCK_STORE="$T/store1" "$AIRLOCK" lock -f "$T/one/airlock.yaml"
is "$status" 0 "lock one target"
[ "$status" -eq 0 ] || echo "# $err"
one=$(file_requests "$n")
ok '[ "$one" -gt 2 ]' "one target reads the metadata of three files ($one requests)"

n=$(lines)
run env AIRLOCK_STORE="$T/store6" "$AIRLOCK" lock -f "$T/six/airlock.yaml"
is "$status" 0 "lock six targets in a fresh store"
[ "$status" -eq 0 ] || echo "# $err"
six=$(file_requests "$n")
is "$six" "$one" "six targets read each file's metadata once: as many requests as one target"
tail -n +"$((n + 1))" "$T/requests.log" | grep ' /files/' | sort | uniq -c | sed 's/^/# /'

cp "$T/six/airlock.lock" "$T/six.lock"
n=$(lines)
run env AIRLOCK_STORE="$T/store6" "$AIRLOCK" lock -f "$T/six/airlock.yaml" --upgrade
is "$status" 0 "relock the unchanged manifest (--upgrade: resolve again from scratch)"
is "$(file_requests "$n")" "0" "reads no metadata over the network"
ok 'cmp -s "$T/six/airlock.lock" "$T/six.lock"' "the same lock"

indexserver_stop
run env AIRLOCK_STORE="$T/store6" "$AIRLOCK" lock -f "$T/six/airlock.yaml" --offline --upgrade
is "$status" 0 "lock --offline right after lock, the index gone"
[ "$status" -eq 0 ] || echo "# $err"
ok 'cmp -s "$T/six/airlock.lock" "$T/six.lock"' "gives the same lock"
run env AIRLOCK_STORE="$T/store1" "$AIRLOCK" lock -f "$T/one/airlock.yaml" --offline --upgrade
is "$status" 0 "so does the one-target lock's store"
[ "$status" -eq 0 ] || echo "# $err"

finish
