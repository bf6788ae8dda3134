#!/bin/sh
# The fault matrix (issue 9): every kind of request airlock makes -- index
# pages, PEP 658 metadata and wheels (tests/helpers/indexserver.py), Hub API
# and Hub files (tests/helpers/hubserver.py) -- against every fault: 500 then
# success, 500 forever, 429 with Retry-After, bodies cut at several offsets
# (once, and on every request), one wrong byte, a stalled connection, a
# redirect loop and an endless body. Each cell runs `airlock fetch` (lock, then
# download) in a fresh store under `timeout`, and passes when
#   - the command finished (a guard against hangs, not a timing test: the
#     bound is 90 s), and
#   - it succeeded with the right bytes (pip's pins and the fixture's sha256
#     in the lock, and the published files byte-identical to the fixture), or
#     it failed with a message naming the URL and the problem, and the cell
#     says that outcome is the expected one, and
#   - `airlock store verify` is clean and the store's tmp/ is empty.
# One TAP line per (request kind, fault) and a summary. docs/reports/reliability-faults.md
# has the matrix and the reasons for the choices (stalls close after 3 s: the
# engine's 30 s low-speed abort has no override, and 6 of them would take 3 min).
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"
. "$top_srcdir/tests/helpers/hubserver.sh"

BOUND=90        # seconds a cell may take (the engine's worst case here is ~20 s)
WORKERS=${FAULT_MATRIX_WORKERS:-4}
STALL=3         # seconds a stalled connection stays open before the server closes it

ROOT=$T
fixture_wheels "$T/wheels" >/dev/null || { echo "Bail out! cannot build fixture wheels"; exit 1; }
EXPECTED_PINS=$top_srcdir/fixtures/wheels/expected/airdemo-cp311-linux.txt
FX=$top_srcdir/fixtures/hub

# ---- the cells: KIND|FAULT|EXPECT|PROBLEM ---------------------------------------------------
# KIND: index, metadata, wheel, one-wheel (indexserver) or hub-api, hub-file (hubserver).
# FAULT: the server's fault spec without the pattern (hub faults: ARG@N).
# EXPECT: ok (must succeed), fail (must fail) or any (either, checked the same way).
# PROBLEM: an extended regex the failure message must match besides the URL.
py_faults='500*2|ok|
500|fail|HTTP 500 after 6 attempts
429:1*2|ok|
cut:0*1|ok|
cut:1*1|ok|
cut:100*1|ok|
cut:100|any|transfer closed with [0-9]+ bytes remaining.* after 6 attempts
wrong-bytes|fail|sha256 mismatch|bad JSON|unable to decode
stall:'$STALL'*1|ok|
redirect-loop|fail|too many redirects
endless|fail|body is (larger|longer) than'
hub_faults='500-then-ok:2|ok|
500|fail|HTTP 500 after 6 attempts
429-then-ok:2|ok|
cut:0@1|ok|
cut:1@1|ok|
cut:100@1|ok|
cut:100|any|transfer closed with [0-9]+ bytes remaining.* after 6 attempts
wrong-bytes|fail|sha256 mismatch|sha1 mismatch|unable to decode
stall@1|ok|
redirect-loop|fail|too many redirects
endless|fail|body is (larger|longer) than'

cells="$T/cells"
# One stall that outlasts the engine's low-speed abort (slower than 1 byte/s for
# 30 s): the hang guard itself, on one wheel (demo-leaf: fetched once, in the
# download phase). First, so it runs while the short cells do.
echo "one-wheel|stall:45*1|ok|" > "$cells"
for kind in index metadata wheel; do
	printf '%s\n' "$py_faults" | sed "s/^/$kind|/" >> "$cells"
done
for kind in hub-api hub-file; do
	printf '%s\n' "$hub_faults" | sed "s/^/$kind|/" >> "$cells"
done

# ---- checks ---------------------------------------------------------------------------------
# py_right_bytes LOCK PUB: the pins are pip's, every sha256 is the fixture's, and
# every published wheel is byte-identical to the fixture file.
py_right_bytes() {
	"$PYTHON3" - "$1" "$EXPECTED_PINS" "$FIXTURE_WHEELS" "$2" <<'PY' || return 1
import os, sys, filecmp, json, yaml
lock, pins, wheels, pub = sys.argv[1:]
fx = {f["filename"]: f["sha256"] for f in json.load(open(os.path.join(wheels, "fixture-index.json")))["files"]}
t = yaml.safe_load(open(lock))["targets"][0]
got = sorted("%s==%s" % (d["name"], d["version"]) for d in t["distributions"])
want = open(pins).read().split()
if got != want:
    sys.exit("pins differ: %s" % sorted(set(got) ^ set(want)))
for d in t["distributions"]:
    name = d["url"].split("#")[0].rsplit("/", 1)[-1]
    if fx.get(name) != d["sha256"]:
        sys.exit("%s: sha256 %s is not the fixture's" % (name, d["sha256"]))
n = 0
for name in os.listdir(os.path.join(pub, "wheels")):
    if name.endswith(".whl"):
        n += 1
        if not filecmp.cmp(os.path.join(pub, "wheels", name), os.path.join(wheels, "files", name), shallow=False):
            sys.exit("published %s differs from the fixture" % name)
if n != len(want):
    sys.exit("%d wheels published, %d pinned" % (n, len(want)))
PY
}

hub_right_bytes() {
	diff -r "$FX/models/tiny-org/tiny-bert/commits/v2" "$1/models/tiny-org/tiny-bert" >&2 &&
		diff -r "$FX/models/tiny-org/sharded/commits/c1" "$1/models/tiny-org/sharded" >&2
}

# ---- one cell -------------------------------------------------------------------------------
# run_cell N KIND FAULT EXPECT PROBLEM: writes $T/c.N/result ("ok"/"not ok" line,
# then comment lines) and $T/c.N/summary (one row of the summary table).
run_cell() {
	n=$1 kind=$2 fault=$3 expect=$4 problem=$5
	c=$ROOT/c.$n
	mkdir -p "$c/p"
	T=$c    # the server helpers keep their FIFOs and logs under $T: one set per cell
	AIRLOCK_STORE=$c/store
	export AIRLOCK_STORE
	why=""
	case $kind in
	index) pat='/simple/*' ;;
	metadata) pat='/files/*.metadata' ;;
	wheel) pat='/files/*.whl' ;;
	one-wheel) pat='/files/demo_leaf-*.whl' ;;
	esac
	case $kind in
	index | metadata | wheel | one-wheel)
		if ! indexserver_start --log "$c/requests.log" --fault "$pat=$fault" \
			"$FIXTURE_WHEELS" 2>"$c/server.err"; then
			echo "not ok - $kind $fault: the index server did not start" > "$c/result"
			return
		fi
		index_manifest "$c/p/airlock.yaml" demo "airdemo"
		urlre="http://127\\.0\\.0\\.1:$INDEX_PORT/"
		;;
	hub-api | hub-file)
		case $kind in
		hub-api) set -- --fault "/api/*=$fault" ;;
		hub-file) set -- --fault "*/resolve/*=$fault" --fault "/cdn/*=$fault" ;;
		esac
		if ! hub_start --stall-seconds "$STALL" "$@" 2>"$c/server.err"; then
			echo "not ok - $kind $fault: the fake Hub did not start" > "$c/result"
			return
		fi
		cat > "$c/p/airlock.yaml" <<YAML
version: 1
bundle: models
models:
  - repo: tiny-org/tiny-bert
  - repo: tiny-org/sharded
hub:
  endpoint: $HUB_URL
YAML
		urlre="http://(127\\.0\\.0\\.1|localhost):$HUB_PORT/"
		;;
	esac
	t0=$(date +%s%N)
	timeout -k 5 $((BOUND + 10)) "$AIRLOCK" fetch -f "$c/p/airlock.yaml" >"$c/out" 2>"$c/err"
	rc=$?
	secs=$(( ($(date +%s%N) - t0) / 1000000000 ))
	case $kind in
	hub-*) hub_stop ;;
	*) indexserver_stop ;;
	esac
	outcome=failed
	[ $rc -eq 0 ] && outcome=succeeded
	if [ $rc -eq 124 ] || [ $rc -eq 137 ] || [ $secs -ge $BOUND ]; then
		why="took ${secs} s (bound $BOUND s, rc $rc)"
	elif [ $rc -eq 0 ]; then
		[ "$expect" != fail ] || why="succeeded, but this fault must fail"
		if [ -z "$why" ]; then
			if ! "$AIRLOCK" publish -o "$c/pub" >/dev/null 2>"$c/publish.err"; then
				why="publish failed: $(head -c 300 "$c/publish.err")"
			else
				case $kind in
				hub-*) hub_right_bytes "$c/pub" 2>"$c/bytes.err" ;;
				*) py_right_bytes "$c/p/airlock.lock" "$c/pub" 2>"$c/bytes.err" ;;
				esac || why="wrong bytes: $(head -c 300 "$c/bytes.err")"
			fi
		fi
	else
		msg=$(grep '^airlock: ' "$c/err" | tail -1)
		if [ "$expect" = ok ]; then
			why="failed (rc $rc), but this fault must be survived"
		elif [ -z "$msg" ]; then
			why="failed (rc $rc) without an 'airlock: ' message"
		elif ! printf '%s\n' "$msg" | grep -Eq "$urlre"; then
			why="the message does not name the URL"
		elif ! printf '%s\n' "$msg" | grep -Eq "$problem"; then
			why="the message does not say /$problem/"
		fi
	fi
	if [ -z "$why" ]; then
		"$AIRLOCK" store verify >"$c/verify.out" 2>&1 || why="store verify: $(tail -1 "$c/verify.out")"
	fi
	if [ -z "$why" ] && [ -d "$AIRLOCK_STORE/tmp" ] && [ -n "$(ls -A "$AIRLOCK_STORE/tmp")" ]; then
		why="left in tmp/: $(ls -A "$AIRLOCK_STORE/tmp" | head -3 | tr '\n' ' ')"
	fi
	{
		if [ -z "$why" ]; then
			echo "ok - $kind / $fault: $outcome in ${secs} s, store clean"
		else
			echo "not ok - $kind / $fault: $why"
			sed 's/^/#     /' "$c/err" | tail -5
		fi
		[ $rc -eq 0 ] || printf '#     %s\n' "$(grep '^airlock: ' "$c/err" | tail -1 | head -c 400)"
	} > "$c/result"
	printf '%-9s %-15s %-9s %3ss  %s\n' "$kind" "$fault" "$outcome" "$secs" \
		"$([ $rc -eq 0 ] || grep '^airlock: ' "$c/err" | tail -1 | sed 's/^airlock: //' |
			sed -E 's|http://[^ ]*/([^/ ]+)|.../\1|' | head -c 90)" > "$c/summary"
}

# ---- run: WORKERS workers, each taking every WORKERS-th cell ---------------------------------
ncells=$(grep -c . "$cells")
echo "# $ncells cells, $WORKERS at a time"
t_start=$(date +%s)
w=0
pids=""
while [ $w -lt "$WORKERS" ]; do
	(
		trap - EXIT
		i=0
		while IFS='|' read -r kind fault expect problem; do
			i=$((i + 1))
			[ $(( (i - 1) % WORKERS )) -eq $w ] || continue
			run_cell "$i" "$kind" "$fault" "$expect" "$problem"
		done < "$cells"
	) &
	pids="$pids $!"
	w=$((w + 1))
done
at_exit "kill $pids 2>/dev/null"
for p in $pids; do wait "$p"; done
t_all=$(( $(date +%s) - t_start ))

i=0
while [ $i -lt "$ncells" ]; do
	i=$((i + 1))
	r=$T/c.$i/result
	if [ ! -f "$r" ]; then
		_result 1 "cell $i: no result"
		continue
	fi
	line=$(head -1 "$r")
	case $line in
	"ok - "*) _result 0 "${line#ok - }" ;;
	*) _result 1 "${line#not ok - }" ;;
	esac
	tail -n +2 "$r"
done
echo "# summary ($t_all s for all cells):"
echo "# kind      fault           outcome   time  message"
i=0
while [ $i -lt "$ncells" ]; do
	i=$((i + 1))
	[ -f "$T/c.$i/summary" ] && sed 's/^/# /' "$T/c.$i/summary"
done
echo "# $((_n - _failed)) of $_n cells passed"
finish
