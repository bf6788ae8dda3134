#!/bin/sh
# Replay every fuzz harness's seed corpus (fixtures/fuzz/<name>/): each file
# that ever crashed a parser stays there, so make check keeps it fixed.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/fuzzreplay.sh"

replay_corpora wheelname metadata reqfile httphdr minisign-pubkey minisign-sig simple-page lock manifest \
	osv-record zipmeta card wheel-zip
finish
