#!/bin/sh
# Replay the seed corpus of fuzz/hub-tree-fuzzer (fixtures/fuzz/hub-tree/).
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/fuzzreplay.sh"

replay_corpora hub-tree
finish
