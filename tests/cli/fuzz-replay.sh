#!/bin/sh
# Replay every fuzz harness's seed corpus (fixtures/fuzz/<name>/): each file
# that ever crashed a parser stays there, so make check keeps it fixed.
. "$(dirname "$0")/lib.sh"

for name in wheelname metadata reqfile httphdr minisign-pubkey minisign-sig simple-page lock manifest; do
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
rm -f /tmp/airlock-fuzz-*
finish
