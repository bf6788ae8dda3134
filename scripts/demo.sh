#!/bin/sh
# The airlock demo: the whole air-gap crossing on bundled fixtures, with no
# network. Run from the source tree after building (see README.md).
# Each step prints what it runs. Capabilities not built yet are skipped with a note.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
AIRLOCK=${AIRLOCK:-$top/airlock}
[ -x "$AIRLOCK" ] || { echo "demo: build airlock first (./configure && make)" >&2; exit 3; }
work=$(mktemp -d "${TMPDIR:-/tmp}/airlock-demo.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
start=$(date +%s)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '$ %s\n' "$*"; "$@"; }

export AIRLOCK_STORE="$work/connected-store"

step "connected side: create a store"
say "$AIRLOCK" init
step "connected side: validate the manifest"
say "$AIRLOCK" validate -f "$top/fixtures/demo/airlock.yaml"
step "connected side: store status"
say "$AIRLOCK" info
say "$AIRLOCK" store verify

step "summary"
echo "demo finished in $(( $(date +%s) - start )) s"
