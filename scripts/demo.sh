#!/bin/sh
# The airlock demo: the whole air-gap crossing on the bundled fixtures, with no
# network beyond 127.0.0.1. Run from the source tree after building (README.md).
#
#   connected side: fixture index + fake Hub -> validate, lock, fetch, keygen, export
#   isolated side:  trust, verify, import, publish, serve
#   clients:        pip installs from the served index into a fresh venv;
#                   a Hub client downloads the model through the served Hub API
#
# Every server it starts listens on 127.0.0.1 and is stopped at the end.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${AIRLOCK:-}" ]; then
	for c in "$top/airlock" "$top/build/airlock"; do [ -x "$c" ] && AIRLOCK=$c && break; done
fi
[ -x "${AIRLOCK:-}" ] || { echo "demo: build airlock first (./configure && make)" >&2; exit 3; }
PYTHON3=${PYTHON3:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/airlock-demo.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	chmod -R u+w "$work" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
# Only what the demo sets up: no user pip or Hub configuration.
for v in $(env | sed -n 's/^\(PIP_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
unset HF_TOKEN HUGGING_FACE_HUB_TOKEN HF_ENDPOINT 2>/dev/null || true
start=$(date +%s)

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '$ %s\n' "$*"; "$@"; }
# wait_port FILE PATTERN: the port a server printed
wait_port() {
	i=0
	while [ $i -lt 200 ]; do
		p=$(sed -n "s/$2/\\1/p" "$1" 2>/dev/null | head -1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.05; i=$((i + 1))
	done
	echo "demo: a server did not start:" >&2; cat "$1" >&2; exit 3
}

bold "setting up: fixture wheels, a package index and a Hugging Face Hub on 127.0.0.1"
"$PYTHON3" "$top/scripts/build-wheels.py" "$work/wheels" >/dev/null
"$PYTHON3" "$top/tests/helpers/indexserver.py" --no-stdin --timeout 600 "$work/wheels" \
	>"$work/index.out" 2>"$work/index.err" &
pids="$pids $!"
"$PYTHON3" "$top/tests/helpers/hubserver.py" --no-stdin --timeout 600 \
	>"$work/hub.out" 2>"$work/hub.err" &
pids="$pids $!"
INDEX=http://127.0.0.1:$(wait_port "$work/index.out" '^PORT \([0-9]*\)$')
HUB=http://127.0.0.1:$(wait_port "$work/hub.out" '^PORT \([0-9]*\)$')
echo "package index at $INDEX/simple/, Hub at $HUB"

mkdir -p "$work/connected" "$work/isolated"
cat > "$work/connected/airlock.yaml" <<YAML
# What the isolated network needs: a Python closure and a model with its tokenizer.
version: 1
bundle: demo
python:
  index-url: $INDEX/simple/
  targets:
    - python-version: "3.11"
      platforms: [manylinux_2_28_x86_64]
  requirements: ["airdemo[full]"]
models:
  - repo: tiny-org/tiny-bert
    revision: main
    include: ["*.json", "*.txt", "*.safetensors"]
hub:
  endpoint: $HUB
YAML

cd "$work/connected"
export AIRLOCK_STORE="$work/connected/store"
bold "connected side: check the manifest"
say cat airlock.yaml
say "$AIRLOCK" validate -f airlock.yaml
bold "connected side: resolve and pin everything"
say "$AIRLOCK" lock -f airlock.yaml
say head -22 airlock.lock
bold "connected side: download into the store, every hash checked"
say "$AIRLOCK" fetch -f airlock.yaml --locked
say "$AIRLOCK" store verify
bold "connected side: a signing key and signed media in volumes"
printf 'demo passphrase\n' > "$work/passphrase"
export AIRLOCK_PASSPHRASE_FILE="$work/passphrase" AIRLOCK_KEYGEN_KDF=interactive
say "$AIRLOCK" keygen -o "$work/ops"
echo "(the fixtures are small, so the volumes are too: 160 KiB each, to show the split)"
say "$AIRLOCK" export -o "$work/usb" --key "$work/ops.key" --volume-size 160K
say ls -l "$work/usb"
if command -v minisign >/dev/null 2>&1; then
	bold "anyone can check the media with stock minisign"
	say minisign -Vm "$work/usb/airlock-media.json" -p "$work/ops.pub"
fi

cd "$work/isolated"
export AIRLOCK_STORE="$work/isolated/store"
bold "isolated side: trust the key, verify and import the media"
say "$AIRLOCK" trust add "$work/ops.pub"
say "$AIRLOCK" verify "$work/usb"
say "$AIRLOCK" import "$work/usb"
say "$AIRLOCK" log
bold "isolated side: publish the tree pip and model loaders use"
say "$AIRLOCK" publish -o "$work/isolated/mirror"
say ls "$work/isolated/mirror" "$work/isolated/mirror/requirements"
bold "isolated side: serve it"
"$AIRLOCK" serve --root "$work/isolated/mirror" --listen 127.0.0.1:0 2>"$work/serve.err" &
pids="$pids $!"
MIRROR=$(wait_port "$work/serve.err" '.*on \(http:\/\/127\.0\.0\.1:[0-9]*\)\/.*')
echo "serving on $MIRROR"
say "$AIRLOCK" env --url "$MIRROR"

bold "a client on the isolated network: pip from the served index"
"$PYTHON3" -m venv "$work/venv"
say "$work/venv/bin/pip" install --index-url "$MIRROR/simple/" "airdemo[full]"
say "$work/venv/bin/python" -c 'import airdemo, demo_core; print("airdemo", airdemo.__version__, "imports; demo-core", demo_core.__version__)'

bold "a client on the isolated network: the model through the served Hub API"
mods=""
for d in "$top/build/tests/hubjs/node_modules" "$top/tests/hubjs/node_modules" "${HUBJS_MODULES:-/nonexistent}"; do
	[ -d "$d/@huggingface/hub" ] && mods=$d && break
done
if [ -z "${AIRLOCK_DEMO_NO_JS:-}" ] && command -v node >/dev/null 2>&1 && [ -n "$mods" ]; then
	echo "(the official JavaScript client, @huggingface/hub)"
	say node "$top/tests/helpers/hubjs-check.mjs" --hub-url "$MIRROR" --repo tiny-org/tiny-bert \
		--expected "$work/isolated/mirror/models/tiny-org/tiny-bert" --modules "$mods" \
		--checks list,info,download
else
	echo "(@huggingface/hub is not installed here, and the demo uses no network:"
	echo " airlock's own Hub client pulls the model from the mirror instead)"
	mkdir -p "$work/client"
	cat > "$work/client/airlock.yaml" <<YAML
version: 1
bundle: client
models:
  - repo: tiny-org/tiny-bert
    include: ["*.json", "*.txt", "*.safetensors"]
hub:
  endpoint: $MIRROR
YAML
	say env AIRLOCK_STORE="$work/client/store" "$AIRLOCK" fetch -f "$work/client/airlock.yaml"
fi
say env HF_ENDPOINT="$MIRROR" curl -sSI "$MIRROR/tiny-org/tiny-bert/resolve/main/config.json"

bold "summary"
wheels=$(ls "$work/isolated/mirror/wheels" | grep -c '\.whl$' || true)
files=$(find "$work/isolated/mirror/models" -type f | wc -l)
echo "crossed the gap: $wheels wheels and a model of $files files in $(ls "$work/usb"/vol-*.tar | wc -l) signed volumes ($(du -sh "$work/usb" | cut -f1)),"
echo "verified and imported in one transaction, installed by pip and read through the Hub API,"
echo "in $(( $(date +%s) - start )) s. Servers stopped; nothing left behind."
