#!/bin/sh
# serve-strict (issue 14, docs/reference/threat-model.md): hostile HTTP clients on the
# isolated network against `airlock serve`, with raw sockets
# (tests/helpers/serve-strict.py does the talking):
#  - framing: Content-Length with Transfer-Encoding, duplicate or conflicting
#    Content-Length, bare CR, NUL, whitespace before the colon, obs-fold,
#    over-long lines, a GET with a body: 400 (414/431 for the long ones) and
#    the connection closed, and the server keeps serving;
#  - per client: one address (127.0.0.2) holding many idle connections does
#    not starve 127.0.0.1, and the server keeps only --max-per-client of them;
#  - files: a symbolic link out of the published tree (to a file, a
#    directory, /dev/zero), a FIFO, a directory: 404/403 quickly, never bytes,
#    never a hang.
. "$(dirname "$0")/lib.sh"

. "$top_srcdir/tests/helpers/demobundle.sh"
demo_bundle
run "$AIRLOCK" publish -o "$T/pub"
is "$status" 0 "published"
[ "$status" -eq 0 ] || { echo "# $err"; finish; exit 1; }
. "$top_srcdir/tests/helpers/servestart.sh"

# run the helper for one part; its lines become numbered TAP lines
strict() {
	timeout -k 5 120 "$PYTHON3" "$top_srcdir/tests/helpers/serve-strict.py" "$port" "$T/pub" "$@" \
		> "$T/strict.out" 2> "$T/strict.err"
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) _result 0 "${line#ok - }" ;;
		"not ok - "*) _result 1 "${line#not ok - }" ;;
		"# "*) echo "#   $line" ;;
		esac
	done < "$T/strict.out"
	ok '[ "$rc" -eq 0 ]' "$1: the client finished (rc $rc)"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/strict.err" | tail -10
	ok 'kill -0 "$pid" 2>/dev/null' "$1: the server is still running"
}

stop() {
	kill -TERM "$pid"
	wait "$pid"
	is "$?" 0 "SIGTERM: the server exits 0"
	kill "$SERVE_WATCHDOG_PID" 2>/dev/null
}

# ---- usage -----------------------------------------------------------------------------------
run "$AIRLOCK" serve --root "$T/pub" --max-per-client x
is "$status" 2 "--max-per-client wants a number"
run "$AIRLOCK" serve --root "$T/pub" --request-timeout 0
is "$status" 2 "--request-timeout wants at least 1 second"

# ---- framing ---------------------------------------------------------------------------------
SERVE_WATCHDOG=300 serve_start "$T/pub" --access-log "$T/access.log"
pid=$SERVE_PID port=$SERVE_PORT
ok '[ -n "$port" ]' "serve started (port $port)"
[ -n "$port" ] || { sed 's/^/# /' "$T/serve.err"; finish; exit 1; }
strict framing
like "$(cat "$T/access.log")" ' 400 ' "the refusals are in the access log"
stop

# ---- per-client connection limit ---------------------------------------------------------------
# 128 connections for the whole server; the default per-client limit is an
# eighth of that (16). 127.0.0.2 opens 200: without a per-client limit it would
# hold all 128 and 127.0.0.1 would be refused until the timeout.
if "$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null; then
	SERVE_WATCHDOG=300 serve_start "$T/pub" --max-connections 128 --timeout 60
	pid=$SERVE_PID port=$SERVE_PORT
	ok '[ -n "$port" ]' "serve --max-connections 128 started"
	strict perclient 200 16
	stop
	SERVE_WATCHDOG=300 serve_start "$T/pub" --max-connections 64 --max-per-client 3 --timeout 60
	pid=$SERVE_PID port=$SERVE_PORT
	ok '[ -n "$port" ]' "serve --max-per-client 3 started"
	strict perclient 20 3
	stop
else
	skip "127.0.0.2 is not usable here"
fi

# ---- files that are not regular files of the tree ---------------------------------------------
gen=$(readlink -f "$T/pub")
mdir=$gen/models/tiny-org/tiny-model
snap=$(ls -d "$gen"/hf/hub/models--tiny-org--tiny-model/snapshots/*/ | head -1)
mkdir -p "$T/outside"
echo SECRET-OUTSIDE > "$T/outside/secret.txt"
for d in "$mdir" "$snap"; do
	ln -s /etc/passwd "$d/passwd.txt"
	ln -s "$T/outside" "$d/outdir"
	ln -s "$T/outside/secret.txt" "$d/abs-secret.txt"
	ln -s /dev/zero "$d/zero.bin"
	mkfifo "$d/fifo.bin"
	ln -s fifo.bin "$d/to-fifo.bin"
	mkdir "$d/adir"
	ln -s adir "$d/to-adir"
	# a relative link that climbs out of the generation
	rel=$(realpath --relative-to="$d" "$T/outside/secret.txt")
	ln -s "$rel" "$d/rel-secret.txt"
done
# a directory component that is a link out of the tree
ln -s "$T/outside" "$mdir/sub2"
ln -s "$T/outside" "${snap}sub2"
ok '[ -L "${snap}config.json" ]' "the snapshot's own files are links into blobs/ (the Hub layout)"
SERVE_WATCHDOG=300 serve_start "$T/pub"
pid=$SERVE_PID port=$SERVE_PORT
ok '[ -n "$port" ]' "serve started again"
code=$(curl -s -o "$T/cfg" -w '%{http_code}' "http://127.0.0.1:$port/tiny-org/tiny-model/resolve/main/config.json")
ok '[ "$code" = 200 ] && cmp -s "$T/cfg" "$T/repo/config.json"' \
	"resolve still follows the in-tree link into blobs/ ($code)"
strict files passwd.txt outdir outdir/secret.txt abs-secret.txt zero.bin fifo.bin to-fifo.bin \
	adir to-adir rel-secret.txt sub2/secret.txt
stop

# ---- the JSON access log keeps a line for a path that is not UTF-8 --------------------------
SERVE_GLOBAL=--json SERVE_WATCHDOG=300 serve_start "$T/pub" --access-log -
pid=$SERVE_PID port=$SERVE_PORT
ok '[ -n "$port" ]' "serve --json started"
# the raw bytes 0xff 0xc3 '(' in the request line (the log shows a path as sent)
"$PYTHON3" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.sendall(b"GET /simple/\xff\xc3(/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
while s.recv(65536):
    pass' "$port"
curl -s -o /dev/null "http://127.0.0.1:$port/simple/"
stop
run "$PYTHON3" -c '
import json, sys
paths = [j["path"] for j in map(json.loads, open(sys.argv[1])) if j["event"] == "request"]
print(" ".join(paths))' "$T/serve.out"
[ -n "$out" ] || { sed 's/^/#   /' "$T/serve.out" "$T/serve.err"; echo "#   $err"; }
is "$out" '/simple/\xff\xc3(/ /simple/' \
	"every request has a JSON line; bytes that are not UTF-8 escaped as in the text log"
finish
