#!/bin/sh
# Hostile media and a tampered store against import and publish
# (docs/reference/publish.md "One owner per path" and "Blobs"; docs/reference/threat-model.md):
# names that collide in the published tree are refused at import, and
# publish never writes through a link nor publishes a blob that is not the
# store's own file.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/hostile.sh"
hostile_init

verify_clean() { # NAME: airlock store verify finds nothing wrong
	run "$AIRLOCK" store verify
	is "$status" 0 "$1: store verify is clean"
	[ "$status" -eq 0 ] || printf '%s\n' "$out" "$err" | head -5 | sed 's/^/#   /'
}

# refused MEDIUM PATTERN NAME: import refuses with a message matching PATTERN,
# and nothing but one refused ledger line changes
refused() {
	state > "$T/before"
	_rn=$(ledger_count)
	run "$AIRLOCK" import "$1"
	ok '[ "$status" -ne 0 ]' "$3: import refuses"
	like "$err" "$2" "$3: with a clear message"
	state_same "$T/before" "$3: store and published tree unchanged"
	is "$(ledger_count)" "$((_rn + 1))" "$3: one ledger line"
	like "$(ledger_last)" ", 0, " "$3: recorded as refused"
}

# ---- 0. blobs replaced in the store (before any other medium) ---------------------------------------------------
blob_of() { printf '%s/blobs/sha256/%.2s/%s' "$AIRLOCK_STORE" "$1" "$1"; }
WHL=$(hostile_wheel basepkg 1.0)
WHEX=$(sha256sum < "$WHL" | cut -c1-64)
XHEX=$(printf x | sha256sum | cut -c1-64)
ok '[ -f "$(blob_of "$WHEX")" ] && [ -f "$(blob_of "$XHEX")" ]' "the blobs to tamper with are in the store"
restore() { # HEX FILE
	rm -f "$(blob_of "$1")" && cp "$2" "$(blob_of "$1")" && chmod 444 "$(blob_of "$1")"
}
printf x > "$T/x.orig"

# tampered NAME PATTERN: publish refuses, naming the blob; the tree stays
tampered() {
	state > "$T/before"
	run timeout 20 "$AIRLOCK" publish -o "$T/pub"
	ok '[ "$status" -ne 0 ] && [ "$status" -ne 124 ]' "$1: publish refuses (and does not hang)"
	like "$err" "$2" "$1: with a clear message naming the blob"
	state_same "$T/before" "$1: the published tree is as it was"
}

# a symbolic link to a file outside the store (a wheel with other content)
cp "$(hostile_wheel outside 1.0)" "$T/outside.whl"
rm -f "$(blob_of "$WHEX")"
ln -s "$T/outside.whl" "$(blob_of "$WHEX")"
tampered "a blob that is a symlink" "blob $WHEX is a symbolic link in the store"
restore "$WHEX" "$WHL"

# a hard link to an outside file of the same size and other content
printf y > "$T/outside-y"
rm -f "$(blob_of "$XHEX")"
ln "$T/outside-y" "$(blob_of "$XHEX")"
tampered "a blob hard-linked to an outside file" "blob $XHEX in the store .* has other content"
restore "$XHEX" "$T/x.orig"

# a FIFO
rm -f "$(blob_of "$XHEX")"
mkfifo "$(blob_of "$XHEX")"
tampered "a blob that is a FIFO" "blob $XHEX is not a regular file in the store"
restore "$XHEX" "$T/x.orig"

# the blob's directory (blobs/sha256/xx) a symbolic link to an outside one
# whose file has the same size and other content
_bd=$(dirname "$(blob_of "$XHEX")")
mv "$_bd" "$T/outside-dir" && chmod u+w "$T/outside-dir" && rm -f "$T/outside-dir/$XHEX" &&
	printf y > "$T/outside-dir/$XHEX" && ln -s "$T/outside-dir" "$_bd"
tampered "a blob directory that is a symlink" "blob $XHEX is a symbolic link in the store"
rm -f "$_bd" && mv "$T/outside-dir" "$_bd"
restore "$XHEX" "$T/x.orig"

# another size than the store recorded
rm -f "$(blob_of "$XHEX")"
printf xx > "$(blob_of "$XHEX")"
tampered "a blob of another size" "blob $XHEX in the store .* has 2 bytes, not the 1 the store recorded"
restore "$XHEX" "$T/x.orig"

run "$AIRLOCK" publish -o "$T/pub"
is "$status" 0 "publish with the store restored (blobs hard-linked from the old tree are hashed)"
verify_clean "after the blob cases"

W=$(hostile_wheel evilpkg 1.0)
WN=evilpkg-1.0-py3-none-any.whl

# ---- 1. a distribution named like another's .metadata sidecar ------------------------
# Sorted by project, "aaa" is placed first: wheels/$WN.metadata becomes a hard
# link into the store, and the sidecar of $WN was then written through it.
cat > "$T/m1.json" <<JSON
{"seq": 200, "contents": [$(hostile_lock side "[
  {\"name\": \"evilpkg\", \"version\": \"1.0\", \"filename\": \"$WN\", \"source\": \"$W\",
   \"required_by\": [\"-\"]},
  {\"name\": \"aaa\", \"version\": \"1.0\", \"filename\": \"$WN.metadata\",
   \"data\": \"precious bytes in the store\", \"required_by\": [\"-\"]}]")]}
JSON
hostile_media "$T/m1" "$T/m1.json"
# Two checks stop it: the lock's grammar (a distribution's file name is a wheel
# or sdist name, lib/spec/lockcheck.c) and, behind it, the one-owner check of the
# published paths (al_publish_plan_check). The grammar speaks first.
refused "$T/m1" "filename: not a wheel or sdist file name: '$WN.metadata'|wheels/$WN.metadata' would be published twice: .*metadata sidecar of '$WN'" \
	"a file named like a sidecar"
run "$AIRLOCK" publish -o "$T/pub"
is "$status" 0 "publish after the refusal"
verify_clean "after publish"

# ---- 2. names that differ only in case ----------------------------------------------
W2=$(hostile_wheel casepkg 1.0)
cat > "$T/m2.json" <<JSON
{"seq": 210, "contents": [$(hostile_lock cased "[
  {\"name\": \"casepkg\", \"version\": \"1.0\", \"filename\": \"casepkg-1.0-py3-none-any.whl\",
   \"source\": \"$W2\", \"required_by\": [\"-\"]},
  {\"name\": \"casepkg\", \"version\": \"1.0\", \"filename\": \"CasePkg-1.0-py3-none-any.whl\",
   \"source\": \"$W\", \"required_by\": [\"-\"]}]")]}
JSON
hostile_media "$T/m2" "$T/m2.json"
refused "$T/m2" "would be published twice.*differ only in case" "wheel names that differ in case"

# ---- 3. a new bundle pins other bytes under a wheel name the store publishes ----------
cat > "$T/m3.json" <<JSON
{"seq": 220, "contents": [$(hostile_lock other "[
  {\"name\": \"basepkg\", \"version\": \"1.0\", \"filename\": \"basepkg-1.0-py3-none-any.whl\",
   \"source\": \"$W\", \"required_by\": [\"-\"]}]")]}
JSON
hostile_media "$T/m3" "$T/m3.json"
refused "$T/m3" "wheels/basepkg-1.0-py3-none-any.whl' would be published twice: the distribution .* of bundle 'base' and .* of bundle 'other'" \
	"other bytes under a wheel name of another bundle"

# ---- 4. a repo file another bundle publishes with other content ------------------------
cat > "$T/m4.json" <<JSON
{"seq": 230, "contents": [$(hostile_lock repo2 "[]" "[{\"type\": \"model\",
  \"repo\": \"base-org/base-model\", \"revision\": \"main\",
  \"commit\": \"0123456789abcdef0123456789abcdef01234567\",
  \"files\": [{\"path\": \"config.json\", \"data\": \"{\\\"evil\\\": 1}\", \"lfs\": false}]}]")]}
JSON
hostile_media "$T/m4" "$T/m4.json"
refused "$T/m4" "config.json' would be published twice: the file 'config.json' of repo 'base-org/base-model' \\(bundle 'base'\\) and .*\\(bundle 'repo2'\\)" \
	"a repo file another bundle publishes with other content"

# ---- 5. a repo id without a namespace inside another repo's folder ----------------------
cat > "$T/m5.json" <<JSON
{"seq": 240, "contents": [$(hostile_lock nons "[]" "[{\"type\": \"model\",
  \"repo\": \"base-org\", \"revision\": \"main\",
  \"commit\": \"1123456789abcdef0123456789abcdef01234567\",
  \"files\": [{\"path\": \"base-model/config.json\", \"data\": \"evil\", \"lfs\": false}]}]")]}
JSON
hostile_media "$T/m5" "$T/m5.json"
refused "$T/m5" "bad repo id 'base-org' \\(want namespace/name\\)" "a repo id without a namespace"

# ---- 6. requirements of two bundles: a / b.c and a.b / c --------------------------------
reqlock() { # BUNDLE TARGET
	printf '{"version": 1, "bundle": "%s", "manifest_sha256": null, "targets": [{"name": "%s", "python_version": "3.11", "implementation": "cp", "platforms": ["manylinux_2_28_x86_64"], "distributions": [{"name": "basepkg", "version": "1.0", "filename": "basepkg-1.0-py3-none-any.whl", "source": "%s", "required_by": ["-"]}]}], "repos": []}' \
		"$1" "$2" "$(hostile_wheel basepkg 1.0)"
}
printf '{"seq": 250, "contents": [%s, %s]}' "$(reqlock a b.c)" "$(reqlock a.b c)" > "$T/m6.json"
hostile_media "$T/m6" "$T/m6.json"
run "$AIRLOCK" import "$T/m6"
is "$status" 0 "bundles a (target b.c) and a.b (target c) import"
run "$AIRLOCK" publish -o "$T/pub"
is "$status" 0 "and publish"
like "$(cat "$T/pub/requirements/a@b.c.txt" 2>&1)" "^# a, target b.c " "requirements/a@b.c.txt is bundle a's"
like "$(cat "$T/pub/requirements/a.b@c.txt" 2>&1)" "^# a.b, target c " "requirements/a.b@c.txt is bundle a.b's"
ok '[ -f "$T/pub/requirements/a@b.c.pylock.toml" ] && [ -f "$T/pub/requirements/a.b@c.pylock.toml" ]' \
	"each with its pylock.toml"
verify_clean "after publishing three bundles"

run "$AIRLOCK" publish -o "$T/pub"
is "$status" 0 "publish again at the end"
verify_clean "in the end"
ok '[ "$(stat -c %i "$T/pub/wheels/basepkg-1.0-py3-none-any.whl")" = "$(stat -c %i "$(blob_of "$WHEX")")" ]' \
	"wheels are still hard links into the store"
finish
