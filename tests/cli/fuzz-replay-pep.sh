#!/bin/sh
# Replay the seed corpora of the PEP 440/508 fuzz harnesses (fixtures/fuzz/<name>/).
# Works with both builds: the replay main ignores -runs=0, libFuzzer runs the
# corpus once with it.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/fuzzreplay.sh"

replay_corpora version specifier requirement marker
finish
