#!/bin/sh
# HTTP freshness of index pages and metadata (docs/reference/http.md): request counts at
# the fixture index with Cache-Control max-age, after it expires (304s), with
# lock --refresh, without validators, with no-store / no-cache; and a lock asks
# for no page of a project outside the closure.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

fixture_wheels "$T/wheels" || { echo "Bail out! cannot build fixture wheels"; exit 1; }

# reqs LOG: $r is the lines LOG got since the last call (not in a subshell:
# it keeps its place in $since)
since=0
reqs() {
	_all=$(wc -l < "$1")
	r=$(sed -n "$((since + 1)),${_all}p" "$1")
	since=$_all
}
pages() { grep -c ' /simple/' || true; }
lock() { # STORE ARGS...: a lock from scratch (no previous lock) into STORE
	_st=$1; shift
	rm -f "$T/proj/airlock.lock"
	AIRLOCK_STORE=$_st run "$AIRLOCK" lock -f "$T/proj/airlock.yaml" "$@"
	[ "$status" -eq 0 ] || echo "# $err" | head -5
}
names() { # the projects of the lock, one a line
	grep -E '^ *(- )?name: ' "$T/proj/airlock.lock" | sed 's/.*name: *"*\([^"]*\)"*/\1/' |
		tr 'A-Z_.' 'a-z--' | sort -u
}

# ---- PyPI-like: max-age=600, public, with ETag and Last-Modified -------------
indexserver_start --log "$T/a.log" --cache-control "max-age=600, public" --validators both \
	--stamp "$T/stamp" "$FIXTURE_WHEELS" || { echo "Bail out! index server did not start"; exit 1; }
touch "$T/stamp"
index_manifest "$T/proj/airlock.yaml" demo "airdemo" "benchtop"
lock "$T/s1"
is "$status" 0 "cold lock against a PyPI-like index"
reqs "$T/a.log"; cold=$r
npages=$(printf '%s\n' "$cold" | pages)
ok '[ "$npages" -gt 20 ]' "it asked for the pages ($npages)"

# every page asked for is a project of the lock: nothing speculative outside
# the closure (demo-win is required only on Windows, extras only with the extra)
asked=$(printf '%s\n' "$cold" | sed -n 's,^GET /simple/\([^/]*\)/ .*,\1,p' | sort -u)
is "$(printf '%s\n' "$asked" | comm -23 - "$(names > "$T/names"; echo "$T/names")")" "" \
	"no page outside the closure was asked for"
is "$(printf '%s\n' "$cold" | grep -c ' 404 ')" 0 "and no lookup ended in 404"

lock "$T/s1"
is "$status" 0 "warm relock"
reqs "$T/a.log"; warm=$r
is "$warm" "" "inside max-age a warm relock sends no request at all"
like "$out" "written: " "and writes the same lock"

touch -d '2030-01-01' "$T/stamp" # the index publishes: pages change
lock "$T/s1"
reqs "$T/a.log"
is "$r" "" "inside max-age a changed page is not asked for (the server said so)"
lock "$T/s1" --refresh
is "$status" 0 "lock --refresh"
reqs "$T/a.log"
is "$(printf '%s\n' "$r" | pages)" "$npages" "--refresh asks for every page again"
is "$(printf '%s\n' "$r" | grep -c ' /simple/.* 200 ')" "$npages" "and gets the changed ones whole"
lock "$T/s1" --refresh
reqs "$T/a.log"
is "$(printf '%s\n' "$r" | grep -c ' 304 notmodified')" "$npages" \
	"unchanged pages come back as 304 Not Modified"
is "$(printf '%s\n' "$r" | grep -vc ' 304 notmodified' || true)" 0 "nothing else is asked for"
lock "$T/s1"
reqs "$T/a.log"
is "$r" "" "a 304 makes the page fresh again"
lock "$T/s1" --offline
is "$status" 0 "--offline still answers from the cache"
AIRLOCK_STORE=$T/s1 run "$AIRLOCK" lock -f "$T/proj/airlock.yaml" --offline --refresh
is "$status" 2 "--offline --refresh is a usage error"
like "$err" "contradict" "saying why"
indexserver_stop

# ---- max-age=1: after it, conditional requests and 304s ------------------------
indexserver_start --log "$T/b.log" --cache-control "max-age=1" --validators etag \
	"$FIXTURE_WHEELS" || { echo "Bail out! index server did not start"; exit 1; }
index_manifest "$T/proj/airlock.yaml" demo "airdemo" "benchtop"
since=0
lock "$T/s2"
reqs "$T/b.log"; n=$(printf '%s\n' "$r" | pages)
sleep 2
lock "$T/s2"
is "$status" 0 "relock after max-age"
reqs "$T/b.log"
is "$(printf '%s\n' "$r" | grep -c ' 304 notmodified')" "$n" "every page is revalidated: 304"
is "$(printf '%s\n' "$r" | grep -c ' 200 ' || true)" 0 "and none is sent again"
indexserver_stop

# ---- no validators, no Cache-Control: every page whole, every time -----------
indexserver_start --log "$T/c.log" "$FIXTURE_WHEELS" ||
	{ echo "Bail out! index server did not start"; exit 1; }
index_manifest "$T/proj/airlock.yaml" demo "airdemo" "benchtop"
since=0
lock "$T/s3"
reqs "$T/c.log"; n=$(printf '%s\n' "$r" | pages)
lock "$T/s3"
is "$status" 0 "relock against a server without validators"
reqs "$T/c.log"
is "$(printf '%s\n' "$r" | grep -c ' /simple/.* 200 ')" "$n" "asks for every page again, whole"
is "$(printf '%s\n' "$r" | grep -vc ' /simple/.* 200 ' || true)" 0 "and nothing else (files are in the store)"
indexserver_stop

# ---- no-store and no-cache beat max-age --------------------------------------
indexserver_start --log "$T/d.log" --cache-control "max-age=600, no-store" --validators etag \
	"$FIXTURE_WHEELS" || { echo "Bail out! index server did not start"; exit 1; }
index_manifest "$T/proj/airlock.yaml" demo "airdemo"
since=0
lock "$T/s4"
reqs "$T/d.log"; n=$(printf '%s\n' "$r" | pages)
lock "$T/s4"
reqs "$T/d.log"
is "$(printf '%s\n' "$r" | grep -c ' /simple/.* 200 ')" "$n" "no-store: pages are not kept, asked for whole"
indexserver_stop
indexserver_start --log "$T/e.log" --cache-control "no-cache, max-age=600" --validators etag \
	"$FIXTURE_WHEELS" || { echo "Bail out! index server did not start"; exit 1; }
index_manifest "$T/proj/airlock.yaml" demo "airdemo"
since=0
lock "$T/s5"
reqs "$T/e.log"; n=$(printf '%s\n' "$r" | pages)
lock "$T/s5"
reqs "$T/e.log"
is "$(printf '%s\n' "$r" | grep -c ' 304 notmodified')" "$n" "no-cache: kept, but revalidated every time"
indexserver_stop

# ---- Hub API answers: the same rules -----------------------------------------
. "$top_srcdir/tests/helpers/hubserver.sh"
if ! hub_start --cache-control "max-age=600" --validators; then
	skip "the fake Hub did not start"
	finish
	exit $?
fi
cat > "$T/proj/airlock.yaml" <<YAML
version: 1
bundle: models
models:
  - repo: tiny-org/tiny-bert
    include: ["*.json"]
  - repo: tiny-org/sharded
    revision: main
hub:
  endpoint: $HUB_URL
YAML
api() { grep -c '"path":"/api/' "$HUB_LOG" || true; }
lock "$T/s6"
is "$status" 0 "lock two Hub repos"
a0=$(api)
ok '[ "$a0" -gt 0 ]' "the Hub API was asked ($a0 answers)"
lock "$T/s6"
is "$status" 0 "relock"
is "$(api)" "$a0" "inside max-age the Hub API is not asked again"
lock "$T/s6" --refresh
is "$status" 0 "lock --refresh"
is "$(grep '"path":"/api/' "$HUB_LOG" | tail -n +$((a0 + 1)) | grep -c '"status":304')" "$a0" \
	"--refresh revalidates every API answer: 304"
hub_stop

finish
