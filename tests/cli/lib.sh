# tests/cli/lib.sh: TAP helpers for the shell tests. Source it first.
#
#   run CMD...        runs CMD, keeping $status, $out (stdout) and $err (stderr)
#   ok COND "name"    COND is evaluated with eval
#   is GOT WANT "name"
#   like TEXT PATTERN "name"   (grep -E)
#   finish            prints the plan; exits 1 when anything failed
#
# $AIRLOCK is the program under test; $T is a fresh temporary directory,
# removed at exit; AIRLOCK_STORE points into it. When AIRLOCK_WRAPPER is set
# (scripts/valgrind-check.sh sets it to a script that runs the program under
# valgrind) it replaces $AIRLOCK: the wrapper must run the same program.

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${AIRLOCK:=$top_builddir/airlock}"
[ -z "${AIRLOCK_WRAPPER:-}" ] || AIRLOCK=$AIRLOCK_WRAPPER
: "${PYTHON3:=python3}"
FIXTURES=$top_srcdir/fixtures

T=$(mktemp -d "${TMPDIR:-/tmp}/airlock-cli.XXXXXX")
cleanup_hooks=""
at_exit() { cleanup_hooks="$cleanup_hooks
$*"; }
_cleanup() {
	eval "$cleanup_hooks"
	chmod -R u+w "$T" 2>/dev/null
	rm -rf "$T"
}
trap _cleanup EXIT
export AIRLOCK_STORE="$T/store"
# Tests see only what they set up: no user pip or Hub configuration.
for v in $(env | sed -n 's/^\(PIP_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
unset HF_TOKEN HUGGING_FACE_HUB_TOKEN HF_ENDPOINT 2>/dev/null || true

_n=0
_failed=0

run() {
	"$@" >"$T/.out" 2>"$T/.err"
	status=$?
	out=$(cat "$T/.out")
	err=$(cat "$T/.err")
}

_result() {
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_n - $2"
	else
		_failed=$((_failed + 1))
		echo "not ok $_n - $2"
	fi
}

ok() {
	if eval "$1"; then _result 0 "$2"; else _result 1 "$2"; echo "#   failed: $1"; fi
}

is() {
	if [ "$1" = "$2" ]; then _result 0 "$3"; else
		_result 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | head -20
	fi
}

like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then _result 0 "$3"; else
		_result 1 "$3"
		printf '#   %s\n#   does not match: %s\n' "$(printf '%s' "$1" | head -c 2000)" "$2"
	fi
}

skip() {
	_n=$((_n + 1))
	echo "ok $_n # SKIP $*"
}

finish() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}
