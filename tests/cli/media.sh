#!/bin/sh
# export / verify / import / log through the command line, with real keys,
# stock minisign, a second store and the real pip at the end.
. "$(dirname "$0")/lib.sh"

PUT="$top_builddir/tests/unit/bundle-put"
export AIRLOCK_KEYGEN_KDF=interactive
printf 'correct horse\n' > "$T/pass"
export AIRLOCK_PASSPHRASE_FILE="$T/pass"
A="$T/connected"; B="$T/isolated"

mkdir -p "$T/w"
"$PYTHON3" "$top_srcdir/tests/helpers/mkwheel.py" "$T/w" alpha 1.0 py3-none-any "beta>=2" >/dev/null
"$PYTHON3" "$top_srcdir/tests/helpers/mkwheel.py" "$T/w" beta 2.1 py3-none-any >/dev/null
head -c 3000000 /dev/urandom > "$T/w/weights.bin"
cat > "$T/lock.json" <<JSON
{"version": 1, "bundle": "demo", "manifest_sha256": "1111111111111111111111111111111111111111111111111111111111111111",
 "targets": [{"name": "cp311-manylinux_2_28_x86_64", "python_version": "3.11", "implementation": "cp",
   "platforms": ["manylinux_2_28_x86_64"], "distributions": [
    {"name": "alpha", "version": "1.0", "filename": "alpha-1.0-py3-none-any.whl", "url": "http://x/",
     "source": "$T/w/alpha-1.0-py3-none-any.whl", "required_by": ["-"]},
    {"name": "beta", "version": "2.1", "filename": "beta-2.1-py3-none-any.whl", "url": "http://x/",
     "source": "$T/w/beta-2.1-py3-none-any.whl", "required_by": ["alpha"]}]}],
 "repos": [{"type": "model", "repo": "org/model", "revision": "main",
   "commit": "0123456789abcdef0123456789abcdef01234567",
   "files": [{"path": "weights.bin", "source": "$T/w/weights.bin", "lfs": true}]}]}
JSON
run "$PUT" "$A" "$T/lock.json"
is "$status" 0 "a bundle in the connected store"

run "$AIRLOCK" keygen -o "$T/ops"
is "$status" 0 "keygen with a passphrase from AIRLOCK_PASSPHRASE_FILE"
run "$AIRLOCK" --store "$A" export -o "$T/m1" --key "$T/ops.key" --volume-size 1M
is "$status" 0 "export in 1 MiB volumes"
[ "$status" -eq 0 ] || echo "# $err"
like "$out" "exported demo .* in [3-9] volumes" "the 3 MB object spans volumes"
ok '[ "$(find "$T/m1" -name "vol-*.tar" -size +1024k | wc -l)" -eq 0 ]' "no volume exceeds the size"

if command -v minisign >/dev/null; then
	run minisign -Vm "$T/m1/airlock-media.json" -p "$T/ops.pub"
	is "$status" 0 "stock minisign verifies the media manifest"
	like "$out" "Trusted comment: airlock-media id=[0-9a-f]{32} seq=[0-9]+ bundles=demo manifest=1111" \
		"and shows the signed trusted comment"
else
	skip "minisign not installed"; skip "minisign not installed"
fi

run "$PYTHON3" -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
print("valid")' "$T/m1/airlock-media.json" "$top_srcdir/schema/airlock-media.schema.json"
is "$out" "valid" "the media manifest validates against schema/airlock-media.schema.json"
run "$AIRLOCK" --store "$B" import "$T/m1"
is "$status" 1 "import without a trusted key is refused (exit 1)"
like "$err" "no trusted keys" "saying how to trust one"
run "$AIRLOCK" --store "$B" trust add "$T/ops.pub"
is "$status" 0 "trust add"
"$AIRLOCK" keygen -W -o "$T/other" >/dev/null 2>&1
run "$AIRLOCK" --store "$A" export -o "$T/m-other" --key "$T/other.key"
run "$AIRLOCK" --store "$B" import "$T/m-other"
is "$status" 1 "media signed by an untrusted key is refused"
like "$err" "signature" "in the signature check"

run "$AIRLOCK" --store "$B" verify "$T/m1"
is "$status" 0 "verify passes"
run "$AIRLOCK" --store "$B" info
like "$out" "blobs: +0" "verify changed nothing"

cp -r "$T/m1" "$T/bad"
printf 'X' | dd of="$T/bad/vol-0002.tar" bs=1 seek=700 conv=notrunc 2>/dev/null
run "$AIRLOCK" --store "$B" import "$T/bad"
is "$status" 1 "a flipped byte in a volume is refused"
like "$err" "import refused: vol-0002.tar" "naming the volume"

# one import of a media at a time
if command -v flock >/dev/null; then
	id=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/m1/airlock-media.json")
	mkdir -p "$B/tmp"
	flock "$B/tmp/import-$id.lock" sleep 5 &
	holder=$!
	i=0; while [ ! -e "$B/tmp/import-$id.lock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 0.3
	run "$AIRLOCK" --store "$B" import "$T/m1"
	ok '[ "$status" -ne 0 ]' "a second import of the same media at once is refused"
	like "$err" "being imported by another airlock process" "saying why"
	kill $holder 2>/dev/null; wait $holder 2>/dev/null
	rm -f "$B/tmp/import-$id.lock"
else
	skip "flock(1) not installed"; skip "flock(1) not installed"
fi

# volumes split over two directories, as from two disks
mkdir -p "$T/disk1" "$T/disk2"
cp "$T/m1/airlock-media.json" "$T/m1/airlock-media.json.minisig" "$T/m1/sbom-demo.cdx.json" \
	"$T/m1/vol-0001.tar" "$T/disk1/"
cp "$T/m1"/vol-000[2-9].tar "$T/disk2/"
run "$AIRLOCK" --store "$B" import "$T/disk1" "$T/disk2"
is "$status" 0 "import from two directories"
[ "$status" -eq 0 ] || echo "# $err"
like "$out" "imported demo" "reports the import"
run "$AIRLOCK" --store "$B" import "$T/m1"
is "$status" 0 "importing again"
like "$out" "nothing to do" "is a no-op"
run "$AIRLOCK" --store "$B" store verify
is "$status" 0 "the isolated store verifies clean"
run "$AIRLOCK" --store "$B" ls
like "$out" "^demo: 1 target, 2 distributions, 1 repos with 1 files" "ls lists the imported bundle"
run "$AIRLOCK" --store "$B" ls demo
like "$out" "alpha==1.0  alpha-1.0-py3-none-any.whl" "ls BUNDLE lists its distributions"
like "$out" "weights.bin" "and its repo files"
run "$AIRLOCK" --store "$B" log
like "$out" "REFUSED .*signature" "the ledger shows the refusal"
like "$out" "accepted media [0-9a-f]{32} bundle demo" "and the acceptance"

# a key made by stock minisign signs media too
if command -v minisign >/dev/null; then
	minisign -G -W -p "$T/ms.pub" -s "$T/ms.key" >/dev/null 2>&1
	run "$AIRLOCK" --store "$A" export -o "$T/m-ms" --key "$T/ms.key"
	is "$status" 0 "export with a key made by minisign"
	run "$AIRLOCK" --store "$B" verify --trust "$T/ms.pub" "$T/m-ms"
	is "$status" 0 "verifies with --trust"
else
	skip "minisign not installed"; skip "minisign not installed"
fi

# the isolated side publishes and pip installs offline
run "$AIRLOCK" --store "$B" publish -o "$T/pub"
is "$status" 0 "publish on the isolated side"
"$PYTHON3" -m venv "$T/venv" >/dev/null 2>&1
run "$T/venv/bin/pip" install --no-index --find-links "$T/pub/wheels" --only-binary :all: --require-hashes \
	-r "$T/pub/requirements/cp311-manylinux_2_28_x86_64.txt"
is "$status" 0 "pip installs what crossed the gap"
ok 'cmp -s "$T/w/weights.bin" "$T/pub/models/org/model/weights.bin"' "the model bytes match"

run "$AIRLOCK" export -o "$T/x" --key "$T/ops.key" --volume-size 12Q
is "$status" 2 "a bad --volume-size is a usage error"
finish
