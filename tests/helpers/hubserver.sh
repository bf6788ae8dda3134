# tests/helpers/hubserver.sh: run the fake Hub from a shell test. Source it after
# tests/cli/lib.sh (it needs $T, $PYTHON3, $top_srcdir and at_exit).
#
#   hub_start [hubserver.py options...]
#       starts tests/helpers/hubserver.py and sets
#         HUB_URL       http://127.0.0.1:<port>
#         HUB_PORT      the port; HUB_CDN_PORT (differs only with --cdn other-port)
#         HUB_LOG       the request log (one JSON object per line)
#         HUB_PID
#       returns 1 (with a message on stderr) if the server did not start.
#   hub_stop
#       closes the server's stdin, which makes it exit, and waits for it.
#       Also runs when the test exits. One server at a time: stop before restarting.
#
# No timing: the port is read from a FIFO as soon as the server prints it. The
# server also exits on its own after --timeout (300 s here) if the test is killed.

HUB_PID=""
_hub_n=0

hub_start() {
	_hub_n=$((_hub_n + 1))
	_hub_dir="$T/hub.$_hub_n"
	mkdir -p "$_hub_dir" || return 1
	mkfifo "$_hub_dir/in" "$_hub_dir/out" || return 1
	HUB_LOG="$_hub_dir/requests.log"
	: > "$HUB_LOG"
	"$PYTHON3" "$top_srcdir/tests/helpers/hubserver.py" --log "$HUB_LOG" --timeout 300 "$@" \
		< "$_hub_dir/in" > "$_hub_dir/out" 2> "$_hub_dir/err" &
	HUB_PID=$!
	exec 9> "$_hub_dir/in"
	exec 8< "$_hub_dir/out"
	HUB_PORT="" HUB_CDN_PORT=""
	read -r _w HUB_PORT <&8
	read -r _w HUB_CDN_PORT <&8
	exec 8<&-
	if [ -z "$HUB_PORT" ]; then
		echo "hub_start: the fake Hub did not start:" >&2
		cat "$_hub_dir/err" >&2
		hub_stop
		return 1
	fi
	HUB_URL="http://127.0.0.1:$HUB_PORT"
	return 0
}

hub_stop() {
	[ -n "$HUB_PID" ] || return 0
	exec 9>&-
	wait "$HUB_PID" 2>/dev/null
	HUB_PID=""
}

at_exit hub_stop
