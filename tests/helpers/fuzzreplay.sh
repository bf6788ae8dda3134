# tests/helpers/fuzzreplay.sh: replay fuzz seed corpora in make check.
# Source it after tests/cli/lib.sh.
#
#   replay_corpora NAME...   for each harness NAME: fuzz/NAME-fuzzer (the
#                            libFuzzer build, or the replay main of a normal
#                            build; both run each file once with -runs=0) over
#                            fixtures/fuzz/NAME/, whose files include every input
#                            that ever crashed a parser. Two TAP lines per
#                            harness, or a skip when it is not built.

replay_corpora() {
	for _fz in "$@"; do
		_fzbin="$top_builddir/fuzz/$_fz-fuzzer"
		_fzdir="$FIXTURES/fuzz/$_fz"
		if [ ! -x "$_fzbin" ]; then
			skip "$_fz-fuzzer not built"
			continue
		fi
		ok '[ -d "$_fzdir" ] && [ -n "$(ls "$_fzdir")" ]' "$_fz corpus is not empty"
		run "$_fzbin" -runs=0 "$_fzdir"
		is "$status" 0 "$_fz-fuzzer replays its corpus ($(ls "$_fzdir" | wc -l) files)"
		[ "$status" -eq 0 ] || printf '# %s\n' "$(printf '%s' "$err" | tail -5)"
	done
}
