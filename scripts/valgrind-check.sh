#!/bin/sh
# Run the test suite (a subset by default) under valgrind memcheck.
#
#   scripts/valgrind-check.sh [--all] [TEST...]
#
# Builds a normal (non-sanitizer) tree out of tree in build-vg/ (BUILD=dir to
# change), then runs `make check` there with
#   - every C unit test run directly under valgrind (automake's LOG_COMPILER),
#   - the shell CLI tests running the airlock program under valgrind through
#     build-vg/airlock-vg, a wrapper tests/cli/lib.sh uses in place of $AIRLOCK
#     when AIRLOCK_WRAPPER names it.
# Each valgrind process writes its own log in build-vg/vg-logs/; at the end the
# logs are summed. Exit status 0 only when make check passed, no log reports an
# error and none reports a definitely lost byte. Definite leaks count as errors
# (--errors-for-leak-kinds=definite); the suppressions in scripts/valgrind.supp
# cover third-party library noise only, never our code.
#
# With no TEST arguments the default subset runs (docs/reports/reliability-memory.md says
# why it covers every command and every unit test); --all runs the whole suite
# (very slow on two cores); TEST arguments run just those (paths as in TESTS).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build-vg}
jobs=${JOBS:-2}

# Every C unit test, and the CLI tests that between them run every command
# (init info help validate store lock fetch export verify import publish serve
# env log keygen trust). Left out: the fuzz corpus replays (the fuzz harnesses,
# thousands of inputs; the sanitizer build replays them), index-fixtures.sh and
# hub-fixtures.sh (they test the Python/npm fixtures, not airlock),
# schema-check.sh (validate again, on every manifest fixture), models.sh and
# hub-client.sh (the Hub client; test-hub and lock-fetch.sh cover its code).
subset="tests/unit/test-buf tests/unit/test-store tests/unit/test-pep440
tests/unit/test-pep508 tests/unit/test-tags tests/unit/test-wheelname
tests/unit/test-metadata tests/unit/test-reqfile tests/unit/test-yamlx
tests/unit/test-manifest tests/unit/test-minisign tests/unit/test-trust
tests/unit/test-httphdr tests/unit/test-http tests/unit/test-simple
tests/unit/test-lock tests/unit/test-media tests/unit/test-resolve
tests/unit/test-serve tests/unit/test-hub tests/unit/test-oom
tests/unit/test-fsutil tests/unit/test-secmem tests/unit/test-bundle tests/unit/test-publish
tests/unit/test-index tests/unit/test-locker tests/unit/test-env tests/unit/test-hash
tests/unit/test-names tests/unit/test-diag tests/unit/test-wheel tests/unit/test-db
tests/unit/test-mem tests/unit/test-lockcheck
tests/cli/basics.sh tests/cli/validate.sh tests/cli/store.sh tests/cli/keygen.sh
tests/cli/trust.sh tests/cli/lock-fetch.sh tests/cli/media.sh tests/cli/publish.sh
tests/cli/serve.sh"

all=0
tests=""
for a in "$@"; do
	case $a in
	--all) all=1 ;;
	-h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "valgrind-check: unknown option '$a'" >&2; exit 2 ;;
	*) tests="$tests $a" ;;
	esac
done
[ -n "$tests" ] || [ "$all" -eq 1 ] || tests=$subset

command -v valgrind >/dev/null || { echo "valgrind-check: valgrind is not installed" >&2; exit 2; }

mkdir -p "$build"
if [ ! -f "$build/Makefile" ]; then
	[ -x "$here/configure" ] || (cd "$here" && ./autogen.sh)
	(cd "$build" && "$here/configure" --enable-werror)
fi
if grep -q '^CFLAGS = .*-fsanitize' "$build/Makefile"; then
	echo "valgrind-check: $build is a sanitizer build; valgrind needs a normal one" >&2
	exit 2
fi
make -C "$build" -j"$jobs"

logs=$build/vg-logs
rm -rf "$logs"
mkdir -p "$logs"

# One valgrind command line for both wrappers. --error-exitcode makes a test
# fail where the error happens; the logs are the record.
cat >"$build/vg-run" <<EOF
#!/bin/sh
exec valgrind -q --tool=memcheck --error-exitcode=99 --leak-check=full \\
	--show-leak-kinds=definite --errors-for-leak-kinds=definite --track-origins=no \\
	--num-callers=30 --suppressions='$here/scripts/valgrind.supp' \\
	--log-file='$logs/vg.%p.log' "\$@"
EOF
cat >"$build/airlock-vg" <<EOF
#!/bin/sh
exec '$build/vg-run' '$build/airlock' "\$@"
EOF
chmod +x "$build/vg-run" "$build/airlock-vg"

start=$(date +%s)
rc=0
if [ "$all" -eq 1 ]; then
	AIRLOCK_WRAPPER=$build/airlock-vg make -C "$build" -j"$jobs" check \
		LOG_COMPILER="$build/vg-run" || rc=$?
else
	# shellcheck disable=SC2086
	AIRLOCK_WRAPPER=$build/airlock-vg make -C "$build" -j"$jobs" check \
		LOG_COMPILER="$build/vg-run" TESTS="$(echo $tests)" || rc=$?
fi
end=$(date +%s)

# Sum the logs. Under -q a log holds only errors and leaks ("==PID== " lines)
# and valgrind's own warnings ("--PID-- " lines: e.g. it does not know the
# openat2 syscall, which lib/mirror/serve-files.c then replaces by its fallback).
nlogs=$(find "$logs" -type f -name 'vg.*.log' | wc -l)
bad=$(grep -l '^==[0-9]*== ' "$logs"/vg.*.log 2>/dev/null | sort || true)
nbad=$(echo "$bad" | grep -c . || true)
definite=$(cat "$logs"/vg.*.log | grep -c 'definitely lost in' || true)
errors=$(cat "$logs"/vg.*.log | grep -c '^==[0-9]*== [A-Z]' || true)
warnings=$(cat "$logs"/vg.*.log | grep '^--[0-9]*-- WARNING' | sed 's/^--[0-9]*-- //' |
	sort | uniq -c || true)
echo "valgrind-check: make check exit $rc in $((end - start)) s; $nlogs processes under" \
	"valgrind; $nbad with errors or leaks ($definite definite-leak records," \
	"$errors memory errors)"
[ -z "$warnings" ] || printf 'valgrind-check: valgrind warnings (not errors):\n%s\n' "$warnings"
for f in $bad; do
	echo "---- $f"
	head -80 "$f"
done
[ "$rc" -eq 0 ] && [ -z "$bad" ]
