#!/bin/sh
# Replay the seed corpus of fuzz/hub-tree-fuzzer (fixtures/fuzz/hub-tree/).
. "$(dirname "$0")/lib.sh"

bin="$top_builddir/fuzz/hub-tree-fuzzer"
corpus="$FIXTURES/fuzz/hub-tree"
if [ ! -x "$bin" ]; then
	skip "hub-tree-fuzzer not built"
else
	ok '[ -d "$corpus" ] && [ -n "$(ls "$corpus")" ]' "hub-tree corpus is not empty"
	run "$bin" -runs=0 "$corpus"
	is "$status" 0 "hub-tree-fuzzer replays its corpus"
	[ "$status" -eq 0 ] || printf '# %s\n' "$(printf '%s' "$err" | tail -5)"
fi
finish
