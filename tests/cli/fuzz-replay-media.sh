#!/bin/sh
# Replay the seed corpora (fixtures/fuzz/<name>/) of the media manifest, tar
# volume and serve request harnesses (FUZZERS in Makefile.am); crashers found by
# scripts/fuzz are kept there.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/fuzzreplay.sh"

replay_corpora media-manifest tar-volume serve-request
finish
