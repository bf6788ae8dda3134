#!/bin/sh
# Replay the seed corpora (fixtures/fuzz/<name>/) of the media manifest, tar
# volume and serve request harnesses (mk/fuzzrun.am); crashers found by
# scripts/fuzz are kept there.
. "$(dirname "$0")/lib.sh"

for name in media-manifest tar-volume serve-request; do
	bin="$top_builddir/fuzz/$name-fuzzer"
	corpus="$FIXTURES/fuzz/$name"
	if [ ! -x "$bin" ]; then
		skip "$name-fuzzer not built"
		continue
	fi
	ok '[ -d "$corpus" ] && [ -n "$(ls "$corpus")" ]' "$name corpus is not empty"
	run "$bin" -runs=0 "$corpus"
	is "$status" 0 "$name-fuzzer replays its corpus ($(ls "$corpus" | wc -l) files)"
	[ "$status" -eq 0 ] || printf '# %s\n' "$(printf '%s' "$err" | tail -5)"
done
finish
