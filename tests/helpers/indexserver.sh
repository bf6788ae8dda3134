# tests/helpers/indexserver.sh: start the fixture index for shell tests.
# Source it after tests/cli/lib.sh.
#
#   fixture_wheels [DIR]         build the fixture wheels (default DIR: $T/wheels);
#                                sets FIXTURE_WHEELS
#   indexserver_start ARGS...    start tests/helpers/indexserver.py ARGS (the last
#                                one is the wheel directory); sets INDEX_PORT,
#                                INDEX_URL (http://127.0.0.1:PORT) and INDEX_PID.
#                                Returns 1 when the server did not start.
#   indexserver_stop [PID]       stop one server (default: the last started)
#   index_manifest FILE BUNDLE REQUIREMENT...
#                                write a manifest asking the last started server
#                                for REQUIREMENT... for one target (CPython 3.11
#                                on manylinux_2_28_x86_64)
#
# Each server reads its stdin from a FIFO whose write end this shell holds
# open, so it exits as soon as this shell exits, however the test ends; it
# also has a watchdog (--timeout, default $INDEXSERVER_TIMEOUT or 300 s).
# At most three servers run at once (file descriptors 7, 8, 9).

fixture_wheels() {
	FIXTURE_WHEELS=${1:-$T/wheels}
	"$PYTHON3" "$top_srcdir/scripts/build-wheels.py" "$FIXTURE_WHEELS"
}

_is_n=0
indexserver_start() {
	_is_fd=""
	for _f in 7 8 9; do
		eval "_used=\${_is_pid_$_f:-}"
		if [ -z "$_used" ]; then _is_fd=$_f; break; fi
	done
	if [ -z "$_is_fd" ]; then
		echo "# indexserver_start: three servers already run" >&2
		return 1
	fi
	_is_n=$((_is_n + 1))
	_d=$T/indexserver.$_is_n
	mkdir -p "$_d" && mkfifo "$_d/in" || return 1
	"$PYTHON3" "$top_srcdir/tests/helpers/indexserver.py" \
		--timeout "${INDEXSERVER_TIMEOUT:-300}" "$@" \
		<"$_d/in" >"$_d/out" 2>"$_d/err" 7>&- 8>&- 9>&- &
	INDEX_PID=$!
	eval "exec $_is_fd>\"\$_d/in\""
	eval "_is_pid_$_is_fd=$INDEX_PID"
	at_exit "kill $INDEX_PID 2>/dev/null"
	_i=0
	INDEX_PORT=""
	while [ $_i -lt 200 ]; do
		# the server's shell opens out only once this shell holds in open
		# (the FIFO above): out may not exist yet, which is no error here
		INDEX_PORT=$(sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p' "$_d/out" 2>/dev/null || :)
		[ -n "$INDEX_PORT" ] && break
		kill -0 "$INDEX_PID" 2>/dev/null || break
		sleep 0.05
		_i=$((_i + 1))
	done
	if [ -z "$INDEX_PORT" ]; then
		echo "# indexserver did not start:" >&2
		sed 's/^/#   /' "$_d/err" >&2
		return 1
	fi
	INDEX_URL=http://127.0.0.1:$INDEX_PORT
	return 0
}

indexserver_stop() {
	_p=${1:-$INDEX_PID}
	for _f in 7 8 9; do
		eval "_used=\${_is_pid_$_f:-}"
		if [ "$_used" = "$_p" ]; then
			eval "exec $_f>&-"
			eval "_is_pid_$_f="
		fi
	done
	wait "$_p" 2>/dev/null
	return 0
}

index_manifest() {
	_mf=$1 _mb=$2
	shift 2
	_mr=""
	for _q in "$@"; do
		_mr="$_mr${_mr:+, }\"$_q\""
	done
	mkdir -p "$(dirname "$_mf")"
	cat > "$_mf" <<YAML
version: 1
bundle: $_mb
python:
  index-url: $INDEX_URL/simple/
  targets: [{python-version: "3.11", platforms: [manylinux_2_28_x86_64]}]
  requirements: [$_mr]
YAML
}
