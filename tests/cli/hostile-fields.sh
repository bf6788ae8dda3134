#!/bin/sh
# Fields that reach other programs (issue 14): validly signed media whose
# lock carries a newline, "--index-url" or a leading '-' in a field publish
# writes into requirements files, pylock.toml, HTML, JSON or paths are
# refused at import with the field named, and nothing changes; control
# characters in a refusal reach neither the terminal nor the ledger raw, and
# `airlock log` escapes an older ledger line that holds them.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/hostile.sh"
hostile_init
state > "$T/before"
W=$(hostile_wheel evilpkg 1.0)
EVIL='\n--index-url http://evil/'

# spec FILE WHERE KEY VALUE: a medium with one bundle "evil" (one target, one
# wheel evilpkg 1.0 and one model) whose field WHERE.KEY is VALUE (a JSON
# string body: \n is a newline). WHERE: lock, target, platforms, dist,
# required_by, repo. Its trusted comment names the bundle as "evil" when the
# bundle name itself is the hostile field (a comment is one line).
seq=200
spec() {
	seq=$((seq + 1))
	"$PYTHON3" - "$1" "$2" "$3" "$4" "$W" "$seq" <<'PY'
import json, sys
out, where, key, value, wheel, seq = sys.argv[1:]
value = json.loads('"' + value + '"')
dist = {"name": "evilpkg", "version": "1.0", "filename": "evilpkg-1.0-py3-none-any.whl",
        "url": "http://x/evilpkg-1.0-py3-none-any.whl", "source": wheel,
        "requires_python": ">=3.8", "required_by": ["-"]}
target = {"name": "cp311-linux", "python_version": "3.11", "implementation": "cp",
          "platforms": ["manylinux_2_28_x86_64"], "distributions": [dist]}
repo = {"type": "model", "repo": "evil-org/evil-model", "revision": "main",
        "commit": "89abcdef0123456789abcdef0123456789abcdef",
        "files": [{"path": "config.json", "data": "{\"evil\": 1}", "lfs": False}]}
lock = {"version": 1, "bundle": "evil", "manifest_sha256": None, "targets": [target],
        "repos": [repo]}
obj = {"lock": lock, "target": target, "dist": dist, "repo": repo,
       "platforms": target["platforms"], "required_by": dist["required_by"]}[where]
if isinstance(obj, list):
    obj[0] = value
else:
    obj[key] = value
spec = {"seq": int(seq), "contents": [lock]}
if where == "lock" and key == "bundle":
    spec["comment"] = "airlock-media id=%s seq=%s bundles=evil manifest=-" % ("ab" * 16, seq)
    spec["id"] = "ab" * 16
with open(out, "w") as f:
    json.dump(spec, f)
PY
}

# no_ctl FILE: FILE is UTF-8 with no control character but newlines (no C0,
# DEL, C1, and no byte that is not UTF-8).
no_ctl() {
	"$PYTHON3" -c '
import sys
try:
    t = open(sys.argv[1], "rb").read().decode("utf-8")
except UnicodeDecodeError:
    sys.exit(1)
sys.exit(any((ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f for c in t))' "$1"
}

# refused NAME WHERE KEY VALUE FIELD: import refuses with FIELD named, and
# the store, the published tree and the ledger (one refused line) are as
# before.
n=0
refused() {
	n=$((n + 1))
	spec "$T/s$n.json" "$2" "$3" "$4"
	hostile_media "$T/m$n" "$T/s$n.json" || { _result 1 "$1: cannot build the medium"; return; }
	lines=$(ledger_count)
	run "$AIRLOCK" import "$T/m$n"
	cp "$T/.err" "$T/err$n"
	ok '[ "$status" -ne 0 ]' "$1: import refuses"
	like "$err" "refused: manifest: $5: " "$1: the message names $5"
	ok '! printf "%s" "$err" | grep -q "^--index-url"' "$1: no option line on stderr"
	state_same "$T/before" "$1: the store and the published tree are unchanged"
	is "$(ledger_count)" $((lines + 1)) "$1: the ledger gains one line"
	like "$(ledger_last)" ", 0, [\"'].*$5" "$1: a refusal naming the field"
}

refused "python_version"     target python_version "3.11$EVIL" 'lock\.targets\[0\]\.python_version'
refused "python_version -"   target python_version "-3.11" 'lock\.targets\[0\]\.python_version'
refused "implementation"     target implementation "cp$EVIL" 'lock\.targets\[0\]\.implementation'
refused "implementation -"   target implementation "--index-url=http://evil/" 'lock\.targets\[0\]\.implementation'
refused "target name"        target name "cp311$EVIL" 'lock\.targets\[0\]\.name'
refused "target name -"      target name "-r" 'lock\.targets\[0\]\.name'
refused "platform"           platforms 0 "manylinux_2_28_x86_64$EVIL" 'lock\.targets\[0\]\.platforms\[0\]'
refused "bundle name"        lock bundle "evil$EVIL" 'lock\.bundle'
refused "manifest_sha256"    lock manifest_sha256 "--index-url" 'lock\.manifest_sha256'
refused "project name"       dist name "evilpkg$EVIL" 'lock\.targets\[0\]\.distributions\[0\]\.name'
refused "project name -"     dist name "-evilpkg" 'lock\.targets\[0\]\.distributions\[0\]\.name'
refused "version"            dist version "1.0$EVIL" 'lock\.targets\[0\]\.distributions\[0\]\.version'
refused "version option"     dist version '1.0\n--trusted-host evil' 'lock\.targets\[0\]\.distributions\[0\]\.version'
refused "version -"          dist version "-1.0" 'lock\.targets\[0\]\.distributions\[0\]\.version'
refused "file name"          dist filename "evilpkg-1.0-py3-none-any.whl$EVIL" 'lock\.targets\[0\]\.distributions\[0\]\.filename'
refused "file name -"        dist filename "-evilpkg-1.0-py3-none-any.whl" 'lock\.targets\[0\]\.distributions\[0\]\.filename'
refused "file of another project" dist filename "basepkg-1.0-py3-none-any.whl" 'lock\.targets\[0\]\.distributions\[0\]\.filename'
refused "url"                dist url "http://x/$EVIL" 'lock\.targets\[0\]\.distributions\[0\]\.url'
refused "requires_python"    dist requires_python ">=3.8$EVIL" 'lock\.targets\[0\]\.distributions\[0\]\.requires_python'
refused "requires_python -"  dist requires_python "--index-url" 'lock\.targets\[0\]\.distributions\[0\]\.requires_python'
refused "required_by"        required_by 0 "alpha$EVIL" 'lock\.targets\[0\]\.distributions\[0\]\.required_by\[0\]'
refused "required_by -"      required_by 0 "-r" 'lock\.targets\[0\]\.distributions\[0\]\.required_by\[0\]'
refused "revision"           repo revision "main$EVIL" 'lock\.repos\[0\]\.revision'
refused "revision -"         repo revision "--upload-pack=evil" 'lock\.repos\[0\]\.revision'

# The message shows the value escaped, on one line.
like "$(cat "$T/err1")" \
	"python_version: not a Python version: '3\.11\\\\n--index-url http://evil/'\$" \
	"the value is quoted with the newline escaped"
ok 'no_ctl "$T/err1" && [ "$(wc -l < "$T/err1")" -eq 1 ]' "on one line"

# The same medium with good fields imports and publishes, and no published
# requirements file holds an option line.
spec "$T/good.json" dist version "1.0"
hostile_media "$T/good" "$T/good.json"
run "$AIRLOCK" import "$T/good"
is "$status" 0 "the medium with good fields imports: $err"
run "$AIRLOCK" publish -o "$T/pub"
is "$status" 0 "and publishes: $err"
ok '! grep -rq -- "^-" "$T/pub/requirements/"' "no published requirements line starts with '-'"
state > "$T/before"

# Control characters in a refusal: a volume entry whose name holds ESC [ 2 J
# and CR (a key holder's medium), then a stray file beside the manifest whose
# name holds them, a C1 CSI (U+009B) and a raw 0x9b byte (anyone who can
# write to the volume). stderr and the ledger get them escaped.
seq=$((seq + 1))
cat > "$T/ctl.json" <<JSON
{"seq": $seq, "contents": [$(hostile_lock ctl "[]")],
 "extra": [{"name": "objects/sha256/\u001b[2J\rEVIL", "data": "x"}]}
JSON
hostile_media "$T/ctl" "$T/ctl.json"
run "$AIRLOCK" import "$T/ctl"
ok '[ "$status" -ne 0 ]' "a volume entry named with control characters is refused"
like "$err" "undeclared entry 'objects/sha256/\\\\x1b\\[2J\\\\rEVIL'" "stderr shows them escaped: $err"
ok 'no_ctl "$T/.err"' "stderr holds no control byte"
state_same "$T/before" "nothing changes"
like "$(ledger_last)" 'objects/sha256/\\\\x1b\[2J\\\\rEVIL' "the ledger line holds them escaped"

seq=$((seq + 1))
cat > "$T/ctl2.json" <<JSON
{"seq": $seq, "contents": [$(hostile_lock ctl "[]")]}
JSON
hostile_media "$T/ctl2" "$T/ctl2.json"
: > "$T/ctl2/$(printf 'x\033[2J\rY\302\233Z\233')"
run "$AIRLOCK" import "$T/ctl2"
ok '[ "$status" -ne 0 ]' "a stray file named with control characters is refused"
like "$err" 'x\\x1b\[2J\\rY\\u009bZ\\x9b. is not part of the signed media' "stderr shows them escaped: $err"
ok 'no_ctl "$T/.err"' "stderr holds no control byte"
state_same "$T/before" "nothing changes"
like "$(ledger_last)" 'x\\\\x1b\[2J\\\\rY\\\\u009bZ\\\\x9b' "the ledger line holds them escaped"
"$PYTHON3" - "$AIRLOCK_STORE/airlock.db" > "$T/ctlbytes" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
db.text_factory = bytes
bad = 0
for row in db.execute("SELECT media_id, bundle, key_id, reason FROM ledger"):
    for v in row:
        if v is None:
            continue
        try:
            t = v.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
            continue
        if any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in t):
            bad += 1
print(bad)
PY
is "$(cat "$T/ctlbytes")" 0 "no ledger row holds a control character or a byte that is not UTF-8"
run "$AIRLOCK" log
ok 'no_ctl "$T/.out"' "airlock log prints no control byte"
like "$out" 'REFUSED .*x\\x1b\[2J\\rY\\u009bZ\\x9b' "and shows the escapes"

# An older airlock wrote ledger reasons raw: `airlock log` escapes them.
"$PYTHON3" - "$AIRLOCK_STORE/airlock.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO ledger (at, media_id, bundle, seq, key_id, accepted, reason) VALUES "
           "(0, 'old', CAST(X'6f6c641b5d303b7469746c6507' AS TEXT), 1, 'k', 0, "
           "CAST(X'7265617368e280a61b5b324a0d0a6c696e659b7f' AS TEXT))")
db.commit()
PY
run "$AIRLOCK" log
is "$status" 0 "airlock log reads an old line with raw control bytes"
ok 'no_ctl "$T/.out"' "and prints no control byte"
like "$out" 'bundle old\\x1b\]0;title\\x07 seq 1 key k: reash…\\x1b\[2J\\r\\nline\\x9b\\x7f$' \
	"but every one escaped (valid UTF-8 kept): $(printf '%s' "$out" | tail -1)"
lines=$(printf '%s\n' "$out" | wc -l)
run "$AIRLOCK" --json log
is "$(printf '%s\n' "$out" | wc -l)" "$lines" "airlock --json log prints every line, the old one too"
like "$(printf '%s\n' "$out" | tail -1)" '"reason":"reash\\u2026\\\\x1b\[2J\\\\r\\\\nline\\\\x9b\\\\x7f"' \
	"a line that is not UTF-8 is escaped as text, then as JSON: $(printf '%s' "$out" | tail -1)"
ok 'no_ctl "$T/.out"' "with no control byte"
finish
