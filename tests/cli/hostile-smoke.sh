#!/bin/sh
# The hostile-media helpers themselves: a medium built by mkmedia.py and
# signed by msign imports, and state/state_same see a change.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/hostile.sh"
hostile_init
state > "$T/before"
ok 'grep -q "^bundles ..base." "$T/before"' "the good medium is imported"
ok 'grep -q "^./wheels/basepkg-1.0-py3-none-any.whl " "$T/before"' "and published"
state_same "$T/before" "the state is stable when nothing happens"
is "$(ledger_count)" 1 "one ledger line"
finish
