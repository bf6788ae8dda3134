#!/bin/sh
# The catalog publish writes (docs/reference/catalog.md): a bundle whose model
# revision and file name hold markup, quotes and non-ASCII goes through signed
# media into a second store (so the ledger has its sequence and date), is
# published twice (the same catalog bytes), served by `airlock serve` at /
# beside /simple/ and the Hub routes, and checked in headless chromium
# (tests/helpers/catalog-check.mjs) from the server and from file://.
# Screenshots go to $top_builddir/tests/catalog-shots/.
. "$(dirname "$0")/lib.sh"

PUT="$top_builddir/tests/unit/bundle-put"
A="$T/connected"; B="$T/isolated"
COMMIT=0123456789abcdef0123456789abcdef01234567

mkdir -p "$T/w" "$T/repo"
"$PYTHON3" "$top_srcdir/tests/helpers/mkwheel.py" "$T/w" alpha 1.0 py3-none-any "beta>=2" >/dev/null
"$PYTHON3" "$top_srcdir/tests/helpers/mkwheel.py" "$T/w" beta 2.1 py3-none-any >/dev/null
printf '{"hidden_size": 8}\n' > "$T/repo/config.json"
# The names media can carry: project names are PEP 503 normalized and versions
# canonical, repo ids are namespace/name; a git revision and a repo's file
# names can hold markup, quotes and non-ASCII. The lock and the facts the
# browser checks are written by one script, so no shell quoting stands between.
"$PYTHON3" - "$T" "$COMMIT" <<'PY'
import json, os, sys
T, commit = sys.argv[1], sys.argv[2]
rev = "<script>window.__pwned=1</script>\"'\u00e9\u2028x"
name = "<img src=x onerror=\"window.__pwned=2\"> 'q' \u00e9\u00e8 &amp;.txt"
content = "hostile but harmless\n"
open(os.path.join(T, "repo", name), "w").write(content)
lock = {"version": 1, "bundle": "hostile", "manifest_sha256": None,
        "targets": [{"name": "cp311-manylinux_2_28_x86_64", "python_version": "3.11",
                     "implementation": "cp", "platforms": ["manylinux_2_28_x86_64"],
                     "distributions": [
            {"name": "alpha", "version": "1.0", "filename": "alpha-1.0-py3-none-any.whl",
             "url": "http://x/", "source": f"{T}/w/alpha-1.0-py3-none-any.whl",
             "requires_python": ">=3.8,<4", "required_by": ["-"]},
            {"name": "beta", "version": "2.1", "filename": "beta-2.1-py3-none-any.whl",
             "url": "http://x/", "source": f"{T}/w/beta-2.1-py3-none-any.whl",
             "required_by": ["alpha"]}]}],
        "repos": [{"type": "model", "repo": "org/tiny", "revision": rev, "commit": commit,
                   "files": [{"path": "config.json", "source": f"{T}/repo/config.json", "lfs": False},
                             {"path": name, "source": os.path.join(T, "repo", name), "lfs": False}]}]}
json.dump(lock, open(os.path.join(T, "lock.json"), "w"))
json.dump({"bundle": "hostile", "project": "alpha", "project_version": "1.0", "model": "org/tiny",
           "revision": rev, "file": name, "file_content": content, "dir": f"{T}/pub"},
          open(os.path.join(T, "facts.json"), "w"))
PY
run "$PUT" "$A" "$T/lock.json"
is "$status" 0 "a bundle with hostile names in the connected store"
[ "$status" -eq 0 ] || { echo "# $err"; finish; exit 1; }
# a second bundle on the same media: the ledger names both ("hostile,second")
"$PYTHON3" -c 'import json,sys; l=json.load(open(sys.argv[1])); l["bundle"]="second"; l["repos"]=[]
l["targets"][0]["distributions"]=l["targets"][0]["distributions"][1:]; l["targets"][0]["distributions"][0]["required_by"]=["-"]
json.dump(l, open(sys.argv[2], "w"))' "$T/lock.json" "$T/lock2.json"
run "$PUT" "$A" "$T/lock2.json"
is "$status" 0 "and a second bundle"
"$AIRLOCK" keygen -W -o "$T/ops" >/dev/null 2>&1
run "$AIRLOCK" --store "$A" export -o "$T/m1" --key "$T/ops.key"
is "$status" 0 "exported to signed media"
"$AIRLOCK" --store "$B" trust add "$T/ops.pub" >/dev/null 2>&1
run "$AIRLOCK" --store "$B" import "$T/m1"
is "$status" 0 "and imported: the media carry the names"
[ "$status" -eq 0 ] || { echo "# $err"; finish; exit 1; }
seq=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$T/m1/airlock-media.json")
"$PYTHON3" -c 'import json,sys; f=json.load(open(sys.argv[1])); f["seq"]=int(sys.argv[2]); json.dump(f, open(sys.argv[1], "w"))' \
	"$T/facts.json" "$seq"

run "$AIRLOCK" --store "$B" publish -o "$T/pub"
is "$status" 0 "publish"
ok '[ -f "$T/pub/index.html" ] && [ -f "$T/pub/catalog/index.json" ] && [ -f "$T/pub/catalog/bundles/hostile.html" ] && [ -f "$T/pub/catalog/projects/alpha.html" ] && [ -f "$T/pub/catalog/models/org/tiny.html" ]' \
	"the catalog: index.html, catalog/index.json, a page per bundle, project and model"
is "$(grep -c "<td class=\"n\">$seq</td><td><time " "$T/pub/index.html")" 2 \
	"the index shows both bundles' media sequence from the ledger"
ok '! grep -q "<script>window" "$T/pub/index.html" "$T/pub/catalog/models/org/tiny.html" "$T/pub/catalog/index.json"' \
	"no hostile name as markup in the files"
run "$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); f=json.load(open(sys.argv[2])); assert d["repos"][0]["revisions"] == [f["revision"]], d' \
	"$T/pub/catalog/index.json" "$T/facts.json"
is "$status" 0 "catalog/index.json parses, the revision intact"
cp -r "$T/pub/." "$T/first"
sleep 1
run "$AIRLOCK" --store "$B" publish -o "$T/pub"
is "$status" 0 "publish again"
run diff -r "$T/first/catalog" "$T/pub/catalog"
ok '[ "$status" -eq 0 ] && cmp -s "$T/first/index.html" "$T/pub/index.html"' "the catalog is the same, byte for byte (no clock in it)"

# ---- airlock serve ---------------------------------------------------------------------------
. "$top_srcdir/tests/helpers/servestart.sh"
serve_start "$T/pub"
[ -n "$SERVE_PORT" ] || { echo "# airlock serve did not start: $(cat "$T/serve.err")"; finish; exit 1; }
URL="$SERVE_URL/"
req() { code=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' "$@"); }
hdr() { tr -d '\r' < "$T/hdr" | sed -n "s/^$1: //Ip" | tail -1; }
req "$URL"
ok '[ "$code" = 200 ] && cmp -s "$T/body" "$T/pub/index.html"' "/ is the catalog's index.html"
is "$(hdr Content-Type)" "text/html; charset=utf-8" "  as HTML"
like "$(hdr Content-Security-Policy)" "^default-src 'none'; script-src 'unsafe-inline'" "  with a policy that loads nothing from elsewhere"
req "${URL}index.html"
is "$code" 200 "/index.html too"
req "${URL}catalog/models/org/tiny.html"
ok '[ "$code" = 200 ] && cmp -s "$T/body" "$T/pub/catalog/models/org/tiny.html"' "/catalog/models/<repo>.html"
req "${URL}catalog/index.json"
ok '[ "$code" = 200 ] && [ "$(hdr Content-Type)" = application/json ]' "/catalog/index.json as JSON"
req "${URL}catalog/"
is "$code" 404 "no listing of /catalog/"
req -X POST "${URL}"
is "$code" 405 "POST / is not allowed"
req "${URL}simple/alpha/"
ok '[ "$code" = 200 ] && grep -q "alpha-1.0-py3-none-any.whl" "$T/body"' "/simple/ still answers"
req "${URL}api/models/org/tiny"
is "$code" 200 "the Hub API still answers"
req "${URL}org/tiny/resolve/$COMMIT/config.json"
ok '[ "$code" = 200 ] && cmp -s "$T/body" "$T/repo/config.json"' "and Hub downloads"

# ---- in a real browser -----------------------------------------------------------------------
. "$top_srcdir/tests/helpers/browser.sh"
browser_install
SHOTS="$top_builddir/tests/catalog-shots"
if [ -n "$browser_why" ]; then
	skip "browser: $browser_why"
else
	echo "# $("$CHROMIUM" --version 2>/dev/null), puppeteer-core $(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$BROWSERJS/node_modules/puppeteer-core/package.json")"
	rm -rf "$SHOTS"
	# check MODE BASE: run catalog-check.mjs, its lines become numbered TAP results
	check() {
		node "$top_srcdir/tests/helpers/catalog-check.mjs" --modules "$BROWSERJS" --chromium "$CHROMIUM" \
			--mode "$1" --base "$2" --facts "$T/facts.json" --shots "$SHOTS" > "$T/js.out" 2> "$T/js.err"
		jsrc=$?
		while IFS= read -r line; do
			case "$line" in
			"ok - "*) _result 0 "browser: ${line#ok - }" ;;
			"not ok - "*) _result 1 "browser: ${line#not ok - }" ;;
			"# "*) echo "#   $line" ;;
			esac
		done < "$T/js.out"
		[ $jsrc -ne 2 ] || { _result 1 "browser: catalog-check.mjs ran"; sed 's/^/#   /' "$T/js.err"; }
	}
	check http "$URL"
	check file "file://$T/pub/"
	ok '[ -s "$SHOTS/http-index.png" ] && [ -s "$SHOTS/file-model.png" ] && [ -s "$SHOTS/http-phone.png" ]' \
		"screenshots saved in tests/catalog-shots/"
fi

finish
