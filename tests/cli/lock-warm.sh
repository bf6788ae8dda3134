#!/bin/sh
# A lock of several targets shares one index client (issue 16's warm
# relock): each project page is asked for once per lock, not once per
# target, even from an index that sends no Cache-Control; against an index
# that sends max-age (as PyPI does), a relock of the unchanged manifest
# sends no request at all and writes the same lock, byte for byte. A page
# of 300 versions, served in file-name order (1.0.10 before 1.0.9), is
# grouped by version right. The digest kept of each parsed page is used
# only for the very body it was made from (decision 0054): another page's,
# a damaged one and one of a page that changed give the lock a parse gives.
# Requests are counted at the fixture index (--log); no timing.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

mkdir -p "$T/idx"
"$PYTHON3" - "$T/idx" <<'PY'
import base64, hashlib, os, sys, zipfile
out = sys.argv[1]
def wheel(name, version, requires=(), tag="py3-none-any"):
    dist = name.replace("-", "_")
    info = "%s-%s.dist-info" % (dist, version)
    files = {dist + "/__init__.py": b"",
             info + "/METADATA": ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s\n" % (
                 name, version, "".join("Requires-Dist: %s\n" % r for r in requires))).encode(),
             info + "/WHEEL": ("Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: %s\n" % tag).encode()}
    rec = ["%s,sha256=%s,%d" % (p, base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode(), len(d))
           for p, d in files.items()] + [info + "/RECORD,,"]
    files[info + "/RECORD"] = ("\n".join(rec) + "\n").encode()
    with zipfile.ZipFile(os.path.join(out, "%s-%s-%s.whl" % (dist, version, tag)), "w") as z:
        for p, d in files.items():
            z.writestr(zipfile.ZipInfo(p, (2020, 1, 1, 0, 0, 0)), d)
for i in range(300):
    wheel("wm-many", "1.%d.%d" % (i // 100, i % 100), ["wm-dep>=1"])
for v in ("1.0", "1.1"):
    for plat in ("manylinux_2_17_x86_64", "manylinux_2_17_aarch64", "win_amd64"):
        wheel("wm-dep", v, ["wm-leaf"], "cp311-cp311-" + plat)
        wheel("wm-dep", v, ["wm-leaf"], "cp312-cp312-" + plat)
wheel("wm-leaf", "2.0")
PY

manifest() { # FILE
	cat > "$1" <<YAML
version: 1
bundle: warm
python:
  index-url: $INDEX_URL/simple/
  targets:
    - {python-version: "3.11", platforms: [manylinux_2_28_x86_64]}
    - {python-version: "3.12", platforms: [manylinux_2_28_x86_64]}
    - {python-version: "3.11", platforms: [manylinux_2_28_aarch64]}
    - {python-version: "3.12", platforms: [win_amd64]}
  requirements: ["wm-many<1.2.50"]
YAML
}
lines() { wc -l < "$1"; }
pages_since() { tail -n +"$(($2 + 1))" "$1" | grep ' /simple/'; }

# ---- no Cache-Control: every page once per lock -------------------------------
indexserver_start --log "$T/a.log" "$T/idx" || { echo "Bail out! no index"; exit 1; }
mkdir -p "$T/a"
manifest "$T/a/airlock.yaml"
run env AIRLOCK_STORE="$T/sa" "$AIRLOCK" lock -f "$T/a/airlock.yaml"
is "$status" 0 "lock four targets"
[ "$status" -eq 0 ] || echo "# $err" | head -5
asked=$(pages_since "$T/a.log" 0 | awk '{ print $2 }' | sort)
is "$(printf '%s\n' "$asked" | sort -u | tr '\n' ' ')" "/simple/wm-dep/ /simple/wm-leaf/ /simple/wm-many/ " \
	"the pages of the closure are asked for"
is "$(printf '%s\n' "$asked" | uniq -d)" "" "each once for the four targets (one index client per lock)"
is "$(grep -c 'name: "*wm-many"*$' "$T/a/airlock.lock")" 4 "wm-many is pinned for every target"
is "$(grep -A1 'name: "*wm-many"*$' "$T/a/airlock.lock" | sed -n 's/.*version: *"*\([^"]*\)"*$/\1/p' | sort -u)" \
	"1.2.49" "the newest version under 1.2.50, out of 300 served in file-name order"
n=$(lines "$T/a.log")
run env AIRLOCK_STORE="$T/sa" "$AIRLOCK" lock -f "$T/a/airlock.yaml"
is "$status" 0 "relock without Cache-Control"
is "$(pages_since "$T/a.log" "$n" | awk '{ print $2 }' | sort | uniq -d)" "" \
	"asks for each page again, once"
indexserver_stop

# ---- max-age: a warm relock sends nothing ---------------------------------------
indexserver_start --log "$T/b.log" --cache-control "max-age=600, public" --validators etag \
	"$T/idx" || { echo "Bail out! no index"; exit 1; }
mkdir -p "$T/b"
manifest "$T/b/airlock.yaml"
run env AIRLOCK_STORE="$T/sb" "$AIRLOCK" lock -f "$T/b/airlock.yaml"
is "$status" 0 "cold lock against an index sending max-age"
[ "$status" -eq 0 ] || echo "# $err" | head -5
cp "$T/b/airlock.lock" "$T/cold.lock"
n=$(lines "$T/b.log")
ok '[ "$n" -gt 3 ]' "the cold lock sent requests ($n)"
run env AIRLOCK_STORE="$T/sb" "$AIRLOCK" lock -f "$T/b/airlock.yaml"
is "$status" 0 "warm relock of the unchanged manifest"
is "$(lines "$T/b.log")" "$n" "sends no request"
ok 'cmp -s "$T/b/airlock.lock" "$T/cold.lock"' "and writes the same lock"
run env AIRLOCK_STORE="$T/sb" "$AIRLOCK" lock -f "$T/b/airlock.yaml" --upgrade
is "$status" 0 "relock --upgrade (resolve from scratch)"
is "$(lines "$T/b.log")" "$n" "sends no request either"
ok 'cmp -s "$T/b/airlock.lock" "$T/cold.lock"' "and gives the same lock"
run env AIRLOCK_STORE="$T/sb" "$AIRLOCK" lock -f "$T/b/airlock.yaml" --refresh
is "$status" 0 "lock --refresh"
is "$(tail -n +"$((n + 1))" "$T/b.log" | grep -vc ' 304 notmodified' || true)" 0 \
	"revalidates: nothing but 304s"
is "$(tail -n +"$((n + 1))" "$T/b.log" | awk '{ print $2 }' | sort | uniq -d)" "" "each page once"
ok 'cmp -s "$T/b/airlock.lock" "$T/cold.lock"' "the same lock again"

# ---- the digest of each page (docs/decisions/0054-page-digest.md) ---------------
# db.py digests: how many; db.py damage: each digest's bytes changed (its row's
# sha256 made to match, so only the digest's own checks stand); db.py swap:
# the digests of wm-many and wm-dep exchanged, each a sound digest of another
# body
cat > "$T/db.py" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT url, body FROM http_cache WHERE url LIKE 'page-digest:%'").fetchall()
def put(url, body):
    db.execute("UPDATE http_cache SET body = ?, sha256 = ? WHERE url = ?",
               (body, hashlib.sha256(body).hexdigest(), url))
if sys.argv[2] == "digests":
    print(len(rows))
elif sys.argv[2] == "damage":
    for url, body in rows:
        b = bytearray(body)
        b[len(b) // 2] ^= 0x5a
        put(url, bytes(b[: len(b) - 3]))
elif sys.argv[2] == "swap":
    d = {u.split("/simple/")[1]: b for u, b in rows}
    for url, _ in rows:
        other = {"wm-many/": "wm-dep/", "wm-dep/": "wm-many/"}.get(url.split("/simple/")[1])
        if other:
            put(url, d[other])
elif sys.argv[2] == "sound":
    print(sum(1 for _, b in rows if b.startswith(b"airlock simple digest\n") and len(b) > 100))
db.commit()
PY
is "$("$PYTHON3" "$T/db.py" "$T/sb/airlock.db" digests)" 3 "the store keeps a digest of each of the three pages"
n=$(lines "$T/b.log")
"$PYTHON3" "$T/db.py" "$T/sb/airlock.db" swap
run env AIRLOCK_STORE="$T/sb" "$AIRLOCK" lock -f "$T/b/airlock.yaml"
is "$status" 0 "relock with each page's digest swapped for another page's"
ok 'cmp -s "$T/b/airlock.lock" "$T/cold.lock"' "the same lock: a digest of another page is not used"
"$PYTHON3" "$T/db.py" "$T/sb/airlock.db" damage
run env AIRLOCK_STORE="$T/sb" "$AIRLOCK" lock -f "$T/b/airlock.yaml"
is "$status" 0 "relock with every digest damaged"
ok 'cmp -s "$T/b/airlock.lock" "$T/cold.lock"' "the same lock: the pages are parsed again"
is "$("$PYTHON3" "$T/db.py" "$T/sb/airlock.db" sound)" 3 "and their digests made anew"
is "$(lines "$T/b.log")" "$n" "and no request was sent for any of it"
# the page changes under the same URL (the server, restarted on its port,
# reads the folder again): its digest, of the old body, is not used
rm "$T"/idx/wm_many-1.2.49-*.whl
port=$INDEX_PORT
indexserver_stop
indexserver_start --port "$port" --cache-control "max-age=600, public" --validators etag \
	"$T/idx" || { echo "Bail out! no index"; exit 1; }
run env AIRLOCK_STORE="$T/sb" "$AIRLOCK" lock -f "$T/b/airlock.yaml" --refresh --upgrade
is "$status" 0 "relock --refresh after 1.2.49 left the index"
is "$(grep -A1 'name: "*wm-many"*$' "$T/b/airlock.lock" | sed -n 's/.*version: *"*\([^"]*\)"*$/\1/p' | sort -u)" \
	"1.2.48" "the new page is read, not the digest of the old one"
indexserver_stop

finish
