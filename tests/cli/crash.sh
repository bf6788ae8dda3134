#!/bin/sh
# Crash safety, the fast subset for make check: 10 SIGKILL trials over fetch,
# import, publish and gc with a fixed seed, the interrupted import commit,
# and the full-disk cases (scripts/crash-test.sh; docs/reports/reliability-crash.md).
# Small files keep it short in the sanitizer build too.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
CRASH_MB=${CRASH_MB:-1} CRASH_FILES=${CRASH_FILES:-60} CRASH_BPS=${CRASH_BPS:-4194304} \
	exec sh "$top_srcdir/scripts/crash-test.sh" 10 20240901
