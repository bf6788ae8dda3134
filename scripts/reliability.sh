#!/bin/sh
# Regenerate docs/reports/reliability.md: one table of the hardening checks (fuzzing,
# crash safety, fault matrix, memory, server abuse) with what was run, how,
# the result and the date; then the fuzzing results per harness.
#   scripts/reliability.sh [--run] [BUILDDIR]
# Without --run it only reads results: docs/reports/fuzz-results.tsv (refreshed from
# build-fuzz/results.tsv, which scripts/fuzz appends to), the .log/.trs files
# that `make check` leaves in BUILDDIR (default build/), and the logs that
# --run leaves in BUILDDIR/reliability/. With --run it also runs each check
# that exists (the make check tests through make, the scripts directly); a
# piece that is missing or has never run is reported as "not run", so the
# script can be rerun as the pieces arrive. Never runs the fuzzers
# (scripts/fuzz does, for as long as it is told).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
run=0
[ "${1:-}" = "--run" ] && { run=1; shift; }
bdir=${1:-$top/build}
case "$bdir" in /*) ;; *) bdir="$(pwd)/$bdir" ;; esac
out="$top/docs/reports/reliability.md"
fuzztsv="$top/docs/reports/fuzz-results.tsv"
logdir="$bdir/reliability"
rows=""
today=$(date -u +%Y-%m-%d)

# cp the latest fuzz results next to the doc (the build directory is not committed)
[ -f "$top/build-fuzz/results.tsv" ] && cp "$top/build-fuzz/results.tsv" "$fuzztsv"

row() { # what, how, result, date
	rows="$rows| $1 | $2 | $3 | $4 |
"
}

mdate() { # a file's modification day
	date -u -r "$1" +%Y-%m-%d 2>/dev/null || echo "$today"
}

# A TAP test that make check runs: its .trs/.log in the build directory.
# $1 what, $2 test path (tests/...), $3 how (text)
tap_row() {
	if [ ! -e "$top/$2" ] && [ ! -e "$top/$2.c" ] && [ ! -e "$bdir/$2" ]; then
		row "$1" "$3" "not run: \`$2\` is not in this tree yet" "-"
		return
	fi
	if [ "$run" = 1 ] && [ -f "$bdir/Makefile" ]; then
		make -C "$bdir" check TESTS="$2" >/dev/null 2>&1
	fi
	trs="$bdir/${2%.*}.trs"
	log="$bdir/${2%.*}.log"
	case "$2" in *.sh) ;; *) trs="$bdir/$2.trs"; log="$bdir/$2.log" ;; esac
	if [ ! -f "$trs" ]; then
		row "$1" "$3" "not run (no results in \`${bdir#"$top"/}\`; make check or --run)" "-"
		return
	fi
	pass=$(grep -c '^ok ' "$log" 2>/dev/null)
	fail=$(grep -c '^not ok ' "$log" 2>/dev/null)
	skipn=$(grep -c '^ok .*# *SKIP' "$log" 2>/dev/null)
	verdict=$(sed -n 's/^:global-test-result: *//p' "$trs" | head -1)
	row "$1" "$3" "${verdict:-?}: $pass ok ($skipn skipped), $fail failed" "$(mdate "$trs")"
}

# A script run on its own: $1 what, $2 script, $3 how, $4 arguments.
# Its output goes to BUILDDIR/reliability/<name>.log with the exit status.
script_row() {
	name=$(basename "$2" .sh)
	log="$logdir/$name.log"
	if [ ! -x "$top/$2" ] && [ ! -f "$top/$2" ]; then
		row "$1" "$3" "not run: \`$2\` is not in this tree yet" "-"
		return
	fi
	if [ "$run" = 1 ]; then
		mkdir -p "$logdir"
		# shellcheck disable=SC2086
		# an out-of-tree build: the scripts find airlock and the test
		# helpers through top_builddir
		(cd "$top" && top_builddir="$bdir" sh "$2" $4) >"$log" 2>&1
		echo "exit status $?" >>"$log"
	fi
	if [ ! -f "$log" ]; then
		row "$1" "$3" "not run (rerun with --run)" "-"
		return
	fi
	st=$(sed -n 's/^exit status //p' "$log" | tail -1)
	# the script's own summary line when it has one, else its last line
	last=$(grep -E "${5:-^$}" "$log" | tail -1)
	[ -n "$last" ] || last=$(grep -v '^exit status' "$log" | grep -v '^[[:space:]]*$' | tail -1)
	last=$(printf '%s' "$last" | sed 's/^[#[:space:]]*//' | cut -c1-160 | sed 's/|/\\|/g')
	if [ "$st" = 0 ]; then verdict=PASS; else verdict="FAIL (exit $st)"; fi
	row "$1" "$3" "$verdict: $last" "$(mdate "$log")"
}

# ---- fuzzing ----------------------------------------------------------------------
fuzz_detail=""
if [ -f "$fuzztsv" ] && [ "$(wc -l <"$fuzztsv")" -gt 1 ]; then
	summary=$(awk -F'\t' 'NR > 1 {
		h[$2] = 1; t[$2] += $3; e[$2] += $4; c[$2] += $9
		if ($3 > long[$2]) long[$2] = $3
		if ($5 > cov[$2]) cov[$2] = $5; if ($6 > ft[$2]) ft[$2] = $6
		T += $3; E += $4; C += $9; if ($1 > last) last = $1; if (first == "" || $1 < first) first = $1
	} END {
		n = 0; m = -1
		for (k in h) { n++; if (m < 0 || long[k] < m) m = long[k] }
		printf "%d\t%d\t%d\t%d\t%s\t%s\t%d\n", n, T, E, C, substr(first, 1, 10), substr(last, 1, 10), m
	}' "$fuzztsv")
	n=$(echo "$summary" | cut -f1)
	secs=$(echo "$summary" | cut -f2)
	execs=$(echo "$summary" | cut -f3)
	crashes=$(echo "$summary" | cut -f4)
	last=$(echo "$summary" | cut -f6)
	shortest=$(echo "$summary" | cut -f7)
	row "Fuzzing (libFuzzer, ASan+UBSan)" \
		"\`scripts/fuzz [-j N] [SECONDS] [HARNESS...]\`; results in \`docs/reports/fuzz-results.tsv\`" \
		"$n harnesses, $((secs / 60)) min $((secs % 60)) s in all, every harness at least $((shortest / 60)) min $((shortest % 60)) s in one run, $execs executions, $crashes crashes (kept in fixtures/fuzz/, replayed by make check); per harness below" \
		"$last"
	fuzz_detail=$(awk -F'\t' 'NR > 1 {
		if (!($2 in t)) order[++n] = $2
		t[$2] += $3; e[$2] += $4; c[$2] += $9; runs[$2]++; d[$2] = substr($1, 1, 10)
		if ($3 > long[$2]) long[$2] = $3
		if ($5 > cov[$2]) cov[$2] = $5; if ($6 > ft[$2]) ft[$2] = $6; corp[$2] = $7
	} END {
		for (i = 1; i <= n; i++) {
			k = order[i]
			printf "| %s | %d | %d s | %d s | %d | %d | %d | %d | %d | %s |\n", k, runs[k], t[k],
			       long[k], e[k], cov[k], ft[k], corp[k], c[k], d[k]
		}
	}' "$fuzztsv")
else
	row "Fuzzing (libFuzzer, ASan+UBSan)" "\`scripts/fuzz [SECONDS] [HARNESS...]\`" "not run" "-"
fi

# ---- the other checks ---------------------------------------------------------------
script_row "Crash safety" "scripts/crash-test.sh" \
	"\`scripts/crash-test.sh 50 1\`: SIGKILL during fetch, import, publish and gc, then verify and rerun; a full disk" "" \
	"crash trials:"
tap_row "Fault matrix" "tests/cli/fault-matrix.sh" \
	"\`tests/cli/fault-matrix.sh\` in make check: injected faults against the commands"
script_row "Memory: valgrind" "scripts/valgrind-check.sh" \
	"\`scripts/valgrind-check.sh\`: the unit tests and every command under valgrind memcheck" "" \
	"valgrind-check: make check exit"
tap_row "Memory: allocation failures" "tests/unit/test-oom" \
	"\`tests/unit/test-oom\` in make check: the allocation-failure sweep"
tap_row "Server abuse" "tests/cli/serve-abuse.sh" \
	"\`tests/cli/serve-abuse.sh\` in make check: hostile requests against \`airlock serve\`"
tap_row "Fuzz seed replay" "tests/cli/fuzz-replay.sh" \
	"make check replays every seed and kept crasher (tests/cli/fuzz-replay*.sh)"

# ---- write -------------------------------------------------------------------------
{
	echo "# Reliability"
	echo
	echo "Generated by \`scripts/reliability.sh\` on $today (rerun it after the"
	echo "checks: \`scripts/reliability.sh --run\` also runs those that exist;"
	echo "\`scripts/fuzz\` runs the fuzzers). \"not run\" means the piece is missing"
	echo "from this tree or has no results yet."
	echo
	echo "| check | how it is run | result | date |"
	echo "|---|---|---|---|"
	printf '%s' "$rows"
	if [ -n "$fuzz_detail" ]; then
		echo
		echo "## Fuzzing per harness"
		echo
		echo "Summed over every run in \`docs/reports/fuzz-results.tsv\`; longest is the longest single"
		echo "run; cov and ft are the highest of libFuzzer's final \`cov:\` (edges) and \`ft:\`"
		echo "(features); corpus is the work corpus (build-fuzz/corpus/<name>/) after the last run."
		echo
		echo "| harness | runs | time | longest | executions | cov | ft | corpus | crashes | last run |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
		echo "$fuzz_detail"
	fi
	echo
	echo "## Details"
	echo
	echo "- Crash safety and full disk: docs/reports/reliability-crash.md"
	echo "- Fault matrix and server abuse: docs/reports/reliability-faults.md"
	echo "- Memory (valgrind, allocation-failure sweep): docs/reports/reliability-memory.md"
	echo "- Fuzzing set-up: docs/reference/fuzzing.md"
} >"$out"
echo "wrote $out"
