#!/bin/sh
# The command line itself: help, version, usage errors, exit codes, stdout checks.
. "$(dirname "$0")/lib.sh"

run "$AIRLOCK" --version
is "$status" 0 "--version exits 0"
like "$out" '^airlock [0-9]+\.[0-9]+' "--version prints the version"

run "$AIRLOCK" --help
is "$status" 0 "--help exits 0"
like "$out" 'usage: airlock' "--help prints usage"
like "$out" 'validate' "--help lists commands"

run "$AIRLOCK"
is "$status" 2 "no command is a usage error (exit 2)"

run "$AIRLOCK" frobnicate
is "$status" 2 "an unknown command exits 2"
like "$err" "'frobnicate' is not an airlock command" "and is named"

run "$AIRLOCK" --frob info
is "$status" 2 "an unknown global option exits 2"
like "$err" "unknown option '--frob'" "and is named"

run "$AIRLOCK" info --frob
is "$status" 2 "an unknown command option exits 2"
like "$err" "unknown option '--frob' for 'airlock info'" "and is named, with the command"

# One option parser for every command (cmd/opts.c): the same shapes and the
# same messages everywhere.
run "$AIRLOCK" store verify --frob
like "$err" "unknown option '--frob' for 'airlock store verify'" "a subcommand's options are its own"
like "$err" "usage: airlock store verify" "and its synopsis follows"
run "$AIRLOCK" validate -x
like "$err" "unknown option '-x' for 'airlock validate'" "an unknown short option is named"
run "$AIRLOCK" validate --file
is "$status" 2 "an option without its value exits 2"
like "$err" "option '--file' needs a value" "and says so"
run "$AIRLOCK" validate -f
like "$err" "option '-f' needs a value" "the short form too"
run "$AIRLOCK" validate --file="$T/a.yaml"
like "$err" "cannot open '$T/a.yaml'" "--name=VALUE"
run "$AIRLOCK" validate -f"$T/b.yaml"
like "$err" "cannot open '$T/b.yaml'" "-xVALUE"
run "$AIRLOCK" validate --fi "$T/c.yaml"
like "$err" "cannot open '$T/c.yaml'" "a unique prefix of a long name"
run "$AIRLOCK" lock --up
is "$status" 2 "an ambiguous prefix exits 2"
like "$err" "option '--up' is ambiguous for 'airlock lock'" "and says so"
run "$AIRLOCK" lock --check=yes
is "$status" 2 "a value for a flag exits 2"
like "$err" "option '--check' takes no value" "and says so"
run "$AIRLOCK" fetch --upgrade
like "$err" "unknown option '--upgrade' for 'airlock fetch'" "lock's options are not fetch's"
run "$AIRLOCK" validate -- -f
like "$err" "unexpected argument '-f'" "'--' ends the options"
run "$AIRLOCK" export some-bundle -o "$T/media" --key "$T/no.key"
like "$err" "$T/no.key" "options may follow arguments"
run "$AIRLOCK" keygen -Wfo "$T/k"
is "$status" 0 "flags together, the last with its value (-Wfo NAME)"
ok '[ -f "$T/k.key" ] && [ -f "$T/k.pub" ]' "which writes NAME.key and NAME.pub"
run "$AIRLOCK" -vq --store "$T/s2" init
ok '[ -f "$T/s2/airlock.db" ] && [ -z "$out" ]' "global options use the same parser (-vq: quiet wins)"
run "$AIRLOCK" lock --help
like "$out" "--upgrade-package NAME" "--help lists the options from the table"
ok 'printf "%s\n" "$out" | grep -q "^  -h, --help"' "and the help option itself"

run "$AIRLOCK" --cacert /nonexistent/ca.pem info
is "$status" 2 "--cacert with an unreadable file is a usage error"
like "$err" "cacert" "and names the option"

run "$AIRLOCK" help store
is "$status" 0 "help COMMAND exits 0"
like "$out" 'airlock store verify' "and shows the command's usage"

run "$AIRLOCK" help nope
is "$status" 2 "help for an unknown command exits 2"

# every command in the help has its own help, and a section in the man page
cmds=$("$AIRLOCK" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
ok '[ "$(echo $cmds | wc -w)" -ge 16 ]' "the help lists the commands ($(echo $cmds | wc -w))"
for c in $cmds; do
	run "$AIRLOCK" "$c" --help
	is "$status" 0 "$c --help exits 0"
	like "$out" "usage: airlock" "$c --help prints its usage"
	[ "$c" = help ] && continue
	ok 'grep -Eq "^\.BR? \"?$c" "$top_srcdir/man/airlock.1"' "man/airlock.1 documents $c"
done

run "$AIRLOCK" info
is "$status" 3 "info without a store is a failure (exit 3)"
like "$err" "airlock init" "and suggests init"

run "$AIRLOCK" init
is "$status" 0 "init creates the store"
ok '[ -f "$AIRLOCK_STORE/airlock.db" ] && [ -d "$AIRLOCK_STORE/blobs/sha256" ] && [ -d "$AIRLOCK_STORE/tmp" ]' \
	"with its database, blobs/ and tmp/"
run "$AIRLOCK" init
is "$status" 0 "init twice is fine"

run "$AIRLOCK" --store "$T/other" init
is "$status" 0 "--store names another store"
ok '[ -f "$T/other/airlock.db" ]' "which is created there"

run env -u AIRLOCK_STORE XDG_DATA_HOME="$T/xdg" "$AIRLOCK" init
ok '[ -f "$T/xdg/airlock/airlock.db" ]' "XDG_DATA_HOME/airlock is the default"
run env -u AIRLOCK_STORE -u XDG_DATA_HOME HOME="$T/home" "$AIRLOCK" init
ok '[ -f "$T/home/.local/share/airlock/airlock.db" ]' "then ~/.local/share/airlock"

run "$AIRLOCK" --json info
is "$status" 0 "info --json"
run "$PYTHON3" -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["schema"] >= 1 and d["blobs"] == 0' "$out"
is "$status" 0 "info --json prints one JSON object"

# A full disk on stdout is an error, not exit 0.
if [ -w /dev/full ]; then
	"$AIRLOCK" --help >/dev/full 2>"$T/err"
	st=$?
	is "$st" 3 "a write error on stdout exits 3"
	like "$(cat "$T/err")" "write error" "and says so"
else
	skip "no /dev/full"
	skip "no /dev/full"
fi

finish
