#!/bin/sh
# airlock validate: every fixture under fixtures/manifests/, exit codes, output.
. "$(dirname "$0")/lib.sh"

M=$FIXTURES/manifests

# Messages name the file as given: run from inside the fixture directory so
# that they match the .err files.
for f in "$M"/valid/*.yaml; do
	name=$(basename "$f")
	run sh -c 'cd "$1" && "$2" validate -f "$3"' sh "$M/valid" "$AIRLOCK" "$name"
	is "$status" 0 "valid/$name is valid"
	like "$out" "^$name: valid \\(bundle " "valid/$name: summary line"
	is "$err" "" "valid/$name: nothing on stderr"
done

for f in "$M"/invalid/*.yaml; do
	name=$(basename "$f")
	want=$(cat "${f%.yaml}.err")
	run sh -c 'cd "$1" && "$2" validate -f "$3"' sh "$M/invalid" "$AIRLOCK" "$name"
	is "$status" 1 "invalid/$name is invalid (exit 1)"
	is "$(printf '%s\n' "$err" | head -n 1)" "airlock: $want" "invalid/$name: first error"
	is "$out" "" "invalid/$name: nothing on stdout"
done

# Every problem is reported, not only the first.
run "$AIRLOCK" validate -f "$M/invalid/unknown-target-key.yaml"
is "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 2 "all problems are listed"
like "$err" "platforms: required key is missing" "including the second"
like "$err" "^airlock: $M/invalid/unknown-target-key.yaml:6:7: " "paths are printed as given"

# Requirement files are found next to the manifest, from anywhere.
run "$AIRLOCK" validate -f "$M/valid/requirements-files.yaml"
is "$status" 0 "requirements-files resolve against the manifest's directory"

# The default file, -q, --json.
cp "$M/valid/full.yaml" "$M/valid/requirements.txt" "$T/"
run sh -c 'cd "$1" && "$2" validate' sh "$T" "$AIRLOCK"
is "$status" 3 "airlock.yaml is the default"
is "$err" "airlock: cannot open 'airlock.yaml': No such file or directory" \
	"a missing default file is named"
mv "$T/full.yaml" "$T/airlock.yaml"
run sh -c 'cd "$1" && "$2" validate' sh "$T" "$AIRLOCK"
is "$status" 0 "airlock.yaml is read by default"
is "$out" "airlock.yaml: valid (bundle nlp-prod: 2 requirements, 2 targets, 1 model, 1 dataset)" \
	"summary"
run "$AIRLOCK" validate -q -f "$T/airlock.yaml"
is "$status.$out" "0." "-q prints nothing when valid"
run "$AIRLOCK" -q validate -f "$T/airlock.yaml"
is "$status.$out" "0." "so does the global -q"
run "$AIRLOCK" validate --json -f "$T/airlock.yaml"
is "$status" 0 "--json"
like "$out" '^\{.*"valid":true' "--json prints one object"
like "$out" '"bundle":"nlp-prod"' "with the bundle"
like "$out" '"sha256":"'"$(sha256sum "$T/airlock.yaml" | cut -c1-64)"'"' "and the file's sha256"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 1 "on one line"
run "$AIRLOCK" --json validate -f "$M/invalid/unknown-target-key.yaml"
is "$status" 1 "--json, invalid"
like "$out" '"valid":false' "says invalid"
like "$out" '"errors":\[".*unknown key.*required key is missing"\]' "and lists the errors"

# Exit codes.
run "$AIRLOCK" validate -f "$T/nope.yaml"
is "$status" 3 "a missing file exits 3"
like "$err" "^airlock: cannot open '$T/nope.yaml': No such file or directory" "clearly"
run "$AIRLOCK" validate -f "$T"
is "$status" 3 "a directory exits 3"
run "$AIRLOCK" validate --frob
is "$status" 2 "an unknown option exits 2"
run "$AIRLOCK" validate extra
is "$status" 2 "an argument exits 2"
run "$AIRLOCK" validate -f
is "$status" 2 "-f without a file exits 2"
run "$AIRLOCK" validate --help
is "$status" 0 "--help"
like "$out" "usage: airlock validate" "prints the usage"

# Caps: a file over 1 MiB is refused before parsing.
{
	printf 'version: 1\nbundle: big\nmodels:\n  - repo: openai-community/gpt2\n# '
	head -c 1048576 /dev/zero | tr '\0' 'x'
	printf '\n'
} > "$T/big.yaml"
run "$AIRLOCK" validate -f "$T/big.yaml"
is "$status" 1 "a manifest over 1 MiB is invalid"
is "$err" "airlock: $T/big.yaml: the manifest is larger than the limit of 1 MiB" "and says why"

finish
