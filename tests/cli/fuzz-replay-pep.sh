#!/bin/sh
# Replay the seed corpora of the PEP 440/508 fuzz harnesses (fixtures/fuzz/<name>/).
# Works with both builds: the replay main ignores -runs=0, libFuzzer runs the
# corpus once with it.
. "$(dirname "$0")/lib.sh"

for name in version specifier requirement marker; do
	bin="$top_builddir/fuzz/$name-fuzzer"
	corpus="$FIXTURES/fuzz/$name"
	if [ ! -x "$bin" ]; then
		skip "$name-fuzzer not built"
		continue
	fi
	ok '[ -d "$corpus" ] && [ -n "$(ls "$corpus")" ]' "$name corpus is not empty"
	run "$bin" -runs=0 "$corpus"
	is "$status" 0 "$name-fuzzer replays its corpus"
	[ "$status" -eq 0 ] || printf '# %s\n' "$(printf '%s' "$err" | tail -5)"
done
finish
