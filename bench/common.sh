# bench/common.sh: shared set-up for the benchmarks. Source it.
# Sets top_srcdir, AIRLOCK, T (a temporary directory removed at exit), and
# helpers to time a command and read its peak RSS.
set -eu
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$top_srcdir}"
[ -x "$top_builddir/airlock" ] || top_builddir=$top_srcdir/build
AIRLOCK=${AIRLOCK:-$top_builddir/airlock}
[ -x "$AIRLOCK" ] || { echo "bench: build airlock first" >&2; exit 3; }
export top_srcdir top_builddir AIRLOCK
. "$top_srcdir/tests/cli/lib.sh"
set +u

# measure NAME CMD...: runs CMD, sets NAME_s (wall seconds), NAME_kb (peak RSS)
# and NAME_cpu (user + system seconds: less sensitive to other load than wall time).
# Dirty pages of earlier steps (a venv just made, the other tool's files) are
# written out first: on ext4 an fsync also flushes them, and the tool that
# fsyncs would pay for what the step before it wrote.
measure() {
	_name=$1; shift
	sync
	/usr/bin/time -f '%e %M %U %S' -o "$T/.time" "$@" >"$T/.out.$_name" 2>"$T/.err.$_name" || {
		echo "bench: '$*' failed:" >&2; tail -5 "$T/.err.$_name" >&2; exit 1; }
	eval "${_name}_s=\$(cut -d' ' -f1 \"\$T/.time\")"
	eval "${_name}_kb=\$(cut -d' ' -f2 \"\$T/.time\")"
	eval "${_name}_cpu=\$(awk '{print \$3 + \$4}' \"\$T/.time\")"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a <= 0) a = 0.001; printf "%.1f", b / a }'; }

# bench_index: the fixture index with LATENCY_MS (default 20) of added latency
# per request, $T/airlock.yaml asking it for benchtop (54 distributions), a
# fresh venv for pip; sets LAT, PIP, INDEX_URL and AIRLOCK_STORE ($T/store).
# Arguments are passed to indexserver.py (--cache-control, --log, ...).
bench_index() {
	. "$top_srcdir/tests/helpers/indexserver.sh"
	LAT=${LATENCY_MS:-20}
	fixture_wheels "$T/wheels" >/dev/null
	indexserver_start --latency-ms "$LAT" "$@" "$FIXTURE_WHEELS"
	index_manifest "$T/airlock.yaml" bench "benchtop"
	"$PYTHON3" -m venv "$T/venv" >/dev/null
	PIP="$T/venv/bin/pip"
	AIRLOCK_STORE="$T/store"
	export AIRLOCK_STORE
}
