#!/bin/sh
# publish: the tree offline pip and model loaders use, checked with the real pip.
. "$(dirname "$0")/lib.sh"

. "$top_srcdir/tests/helpers/demobundle.sh"
demo_bundle

run "$AIRLOCK" publish -o "$T/pub"
is "$status" 0 "publish"
like "$out" "3 wheels in 3 projects" "reports what it published"
ok '[ -L "$T/pub" ]' "the tree is a link to a generation (atomic switch)"
ok '[ -f "$T/pub/wheels/alpha-1.0-py3-none-any.whl" ]' "wheels/ holds the wheels"
ok '[ "$(stat -c %i "$T/pub/wheels/beta-2.1-py3-none-any.whl")" = "$(stat -c %i "$AIRLOCK_STORE/blobs/sha256/$(sha256sum "$T/w/beta-2.1-py3-none-any.whl" | cut -c1-2)/$(sha256sum "$T/w/beta-2.1-py3-none-any.whl" | cut -c1-64)")" ]' \
	"as hard links into the store"
ok '[ -f "$T/pub/wheels/alpha-1.0-py3-none-any.whl.metadata" ]' "with PEP 658 .metadata sidecars"
ok 'unzip -p "$T/pub/wheels/alpha-1.0-py3-none-any.whl" "alpha-1.0.dist-info/METADATA" | cmp -s - "$T/pub/wheels/alpha-1.0-py3-none-any.whl.metadata"' \
	"whose bytes are the wheel's METADATA"
ok '[ -f "$T/pub/simple/gamma-ray/index.html" ]' "simple/ uses normalized names"
like "$(cat "$T/pub/simple/alpha/index.html")" 'data-requires-python="&gt;=3.8"' "requires-python is HTML-escaped"
meta_sha=$(sha256sum "$T/pub/wheels/alpha-1.0-py3-none-any.whl.metadata" | cut -c1-64)
like "$(cat "$T/pub/simple/alpha/index.html")" "data-core-metadata=\"sha256=$meta_sha\"" "data-core-metadata names the sidecar's hash"
like "$(cat "$T/pub/simple/alpha/index.v1_json")" '"core-metadata":\{"sha256"' "PEP 691 JSON beside it"
req="$T/pub/requirements/cp311-manylinux_2_28_x86_64.txt"
like "$(cat "$req")" "alpha==1.0 \\\\" "requirements pinned with =="
like "$(cat "$req")" "--hash=sha256:$(sha256sum "$T/w/alpha-1.0-py3-none-any.whl" | cut -c1-64)" "and hashed"
ok '[ -f "$T/pub/requirements/cp311-manylinux_2_28_x86_64.pylock.toml" ]' "and a PEP 751 pylock.toml"
run "$PYTHON3" -c 'import tomllib,sys; d=tomllib.load(open(sys.argv[1],"rb")); assert d["lock-version"]=="1.0"; assert len(d["packages"])==3; assert d["packages"][0]["wheels"][0]["hashes"]["sha256"]' "$T/pub/requirements/cp311-manylinux_2_28_x86_64.pylock.toml"
is "$status" 0 "the pylock.toml parses as TOML with every package hashed"

# The real client: pip into a fresh venv, offline, hashes required.
"$PYTHON3" -m venv "$T/venv" >/dev/null 2>&1
run "$T/venv/bin/pip" install --no-index --find-links "$T/pub/wheels" --only-binary :all: --require-hashes -r "$req"
is "$status" 0 "pip installs from wheels/ with --require-hashes"
[ "$status" -eq 0 ] || echo "# $err" | head -20
run "$T/venv/bin/python" -c 'import alpha, beta, Gamma_Ray; print(alpha.__version__, beta.__version__, Gamma_Ray.__version__)'
is "$out" "1.0 2.1 0.5" "and the packages import"
"$PYTHON3" -m venv "$T/venv2" >/dev/null 2>&1
run "$T/venv2/bin/pip" install --index-url "file://$T/pub/simple/" alpha
is "$status" 0 "pip resolves alpha and its dependency through file://DIR/simple/"
[ "$status" -eq 0 ] || echo "# $err" | head -20
run "$T/venv2/bin/python" -c 'import beta; print(beta.__version__)'
is "$out" "2.1" "the dependency came along"

# Models: the plain tree and the Hub cache layout.
ok 'cmp -s "$T/repo/model.safetensors" "$T/pub/models/tiny-org/tiny-model/model.safetensors"' "models/ plain tree"
ok 'cmp -s "$T/repo/sub/read me é.txt" "$T/pub/models/tiny-org/tiny-model/sub/read me é.txt"' "names with spaces and non-ASCII"
hub="$T/pub/hf/hub/models--tiny-org--tiny-model"
is "$(cat "$hub/refs/main")" "0123456789abcdef0123456789abcdef01234567" "refs/main holds the commit"
is "$(wc -c < "$hub/refs/main" | tr -d ' ')" "40" "with no trailing newline"
snap="$hub/snapshots/0123456789abcdef0123456789abcdef01234567"
is "$(readlink "$snap/sub/read me é.txt" | cut -c1-15)" "../../../blobs/" "snapshot files are relative symlinks, one ../ per level"
ok 'cmp -s "$snap/model.safetensors" "$T/repo/model.safetensors"' "and resolve to the bytes"
lfs_sha=$(sha256sum "$T/repo/model.safetensors" | cut -c1-64)
ok '[ -f "$hub/blobs/$lfs_sha" ]' "LFS blobs are named by sha256"
git_sha=$("$PYTHON3" -c 'import hashlib,sys; d=open(sys.argv[1],"rb").read(); print(hashlib.sha1(b"blob %d\0" % len(d) + d).hexdigest())' "$T/repo/config.json")
ok '[ -f "$hub/blobs/$git_sha" ]' "regular blobs by their git sha1"
ok '[ ! -e "$hub/trees" ]' "no trees/ for a snapshot that may be partial"
if [ -x "$top_srcdir/scripts/hub-cache-check.py" ] || [ -f "$top_srcdir/scripts/hub-cache-check.py" ]; then
	run "$PYTHON3" "$top_srcdir/scripts/hub-cache-check.py" "$T/pub/hf/hub"
	is "$status" 0 "the cache layout passes the lookup-rule checker"
fi

# Publishing again switches atomically and drops the old generation.
old=$(readlink "$T/pub")
sleep 1
run "$AIRLOCK" publish -o "$T/pub"
is "$status" 0 "publish again"
ok '[ "$(readlink "$T/pub")" != "$old" ] && [ ! -e "$(dirname "$T/pub")/$old" ]' "to a new generation; the old one is removed"

mkdir -p "$T/notours" && echo x > "$T/notours/file"
run "$AIRLOCK" publish -o "$T/notours"
is "$status" 2 "publish refuses to replace a directory it did not make"
ok '[ -f "$T/notours/file" ]' "and leaves it alone"

finish
