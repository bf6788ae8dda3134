# tests/helpers/servestart.sh: start `airlock serve` for shell tests.
# Source it after tests/cli/lib.sh.
#
#   serve_start ROOT ARGS...   run `$AIRLOCK serve --root ROOT --listen
#                              127.0.0.1:0 ARGS...` in the background (stdout
#                              to $T/serve.out, stderr to $T/serve.err), read the
#                              port it prints on stderr, and set SERVE_PID,
#                              SERVE_PORT, SERVE_URL (SERVE_PORT is empty when
#                              the server did not start) and SERVE_WATCHDOG_PID.
#                              A watchdog stops
#                              the server after $SERVE_WATCHDOG seconds (default
#                              600) whatever happens to the test; both are
#                              killed when the test exits.
#                              $SERVE_GLOBAL: global options put before
#                              `serve` (e.g. --json).

serve_start() {
	_sroot=$1
	shift
	"$AIRLOCK" ${SERVE_GLOBAL:-} serve --root "$_sroot" --listen 127.0.0.1:0 "$@" \
		>"$T/serve.out" 2>"$T/serve.err" &
	SERVE_PID=$!
	( trap 'kill $s 2>/dev/null; exit 0' TERM; sleep "${SERVE_WATCHDOG:-600}" & s=$!; wait $s
	  kill "$SERVE_PID" 2>/dev/null ) >/dev/null 2>&1 &
	SERVE_WATCHDOG_PID=$!
	at_exit "kill $SERVE_PID $SERVE_WATCHDOG_PID 2>/dev/null"
	SERVE_PORT=""
	_si=0
	while [ $_si -lt 200 ] && [ -z "$SERVE_PORT" ] && kill -0 "$SERVE_PID" 2>/dev/null; do
		SERVE_PORT=$(sed -n 's|^serving .* on http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$T/serve.err")
		[ -n "$SERVE_PORT" ] || sleep 0.05
		_si=$((_si + 1))
	done
	SERVE_URL="http://127.0.0.1:$SERVE_PORT"
}
