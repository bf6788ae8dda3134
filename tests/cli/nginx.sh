#!/bin/sh
# nginx: `airlock serve --nginx-conf` and the published tree served by nginx
# (docs/reference/serve.md, "Served by nginx"). nginx runs as a child of this
# test (never the system service) on a free port, with a watchdog; it is
# installed with apt-get when missing and the test runs as root, else the
# nginx part is skipped. Every answer is compared with `airlock serve`'s on
# the same tree; then the real clients run against nginx: pip (PEP 691 JSON,
# --require-hashes), huggingface_hub 0.x and 1.x from the vendored folder
# (skipped when absent) and @huggingface/hub from npm (skipped without npm).
. "$(dirname "$0")/lib.sh"

. "$top_srcdir/tests/helpers/demobundle.sh"
demo_bundle
COMMIT=$DEMO_COMMIT
run "$AIRLOCK" publish -o "$T/pub"
is "$status" 0 "published"
[ "$status" -eq 0 ] || { echo "# $err"; finish; exit 1; }

# ---- the configuration ------------------------------------------------------------------------
run "$AIRLOCK" serve --root "$T/pub" --listen 127.0.0.1:8080 --nginx-conf
is "$status" 0 "serve --nginx-conf prints a configuration"
like "$out" "root \"$T/pub\";" "  rooted at DIR (the link publish switches, not a generation)"
like "$out" "include \"$T/pub/hf/nginx/resolve.map\";" "  including the resolve map publish wrote"
like "$out" "listen 127\.0\.0\.1:8080;" "  listening where asked"
(cd "$T" && "$AIRLOCK" serve --root pub/ --listen 127.0.0.1:8080 --nginx-conf > "$T/rel.conf" 2>&1)
like "$(cat "$T/rel.conf")" "root \"$T/pub\";" "a relative DIR is made absolute (and loses its '/')"
ln -s "$T/pub" "$T/q\"uote"
run "$AIRLOCK" serve --root "$T/q\"uote" --listen 127.0.0.1:8080 --nginx-conf
ok '[ "$status" -ne 0 ] && [ -z "$out" ]' "a DIR with '\"' is refused, nothing printed"
like "$err" "cannot stand in an nginx configuration" "  saying why"
run "$AIRLOCK" serve --root "$T/pub" --listen 127.0.0.1:0 --nginx-conf
ok '[ "$status" -ne 0 ] && [ -z "$out" ]' "--listen with port 0 is refused (nginx cannot report the port)"
run "$AIRLOCK" serve --root "$T/w" --listen 127.0.0.1:8080 --nginx-conf
ok '[ "$status" -ne 0 ]' "a folder without hf/nginx/resolve.map is refused"
like "$err" "publish it again" "  saying what to do"
ok '[ -f "$T/pub/simple/index.v1_json" ] && [ -f "$T/pub/hf/nginx/api/models/tiny-org/tiny-model/revision/main/info.json" ]' \
	"publish wrote the PEP 691 root and the static Hub answers"

# ---- replicas: the same store gives the same tree; verify --published ----------------------------
# the demo bundle was not imported (no ledger date): SOURCE_DATE_EPOCH dates it
run env SOURCE_DATE_EPOCH=1700000000 "$AIRLOCK" publish -o "$T/rep"
g1=$(readlink -f "$T/rep")
cp -a "$g1" "$T/rep-copy"
run env SOURCE_DATE_EPOCH=1700000000 "$AIRLOCK" publish -o "$T/rep"
g2=$(readlink -f "$T/rep")
ok '[ "$status" -eq 0 ] && [ "$g1" != "$g2" ] && diff -r --no-dereference "$T/rep-copy" "$g2" >/dev/null' \
	"two publishes of one store: a new generation with the same bytes, catalog included"
listing() { (cd "$1" && find . ! -type d -printf '%y %P %s %T@ %l\n' | LC_ALL=C sort); }
is "$(listing "$g2")" "$(listing "$T/rep-copy")" "  the same names, sizes, mtimes and link targets"
like "$(cat "$g2/airlock-published.json")" '"date": "2023-11-14T22:13:20Z"' \
	"airlock-published.json names the date, not the generation"
is "$(stat -c %Y "$g2/simple/index.html") $(stat -c %Y "$g2/hf/api/models/tiny-org/tiny-model/info.json")" \
	"1700000000 1700000000" "  and every written file has that mtime"
run "$AIRLOCK" verify --published "$T/rep"
is "$status" 0 "verify --published: the tree matches the store"
like "$out" "matches what the store publishes" "  and says so"
# a replica fed by rsync: the publisher's tree, blobs' mtimes (the store's) included
if command -v rsync >/dev/null 2>&1; then
	mkdir -p "$T/site/.mirror.airlock"
	rsync -aH --delete-after "$g2/" "$T/site/.mirror.airlock/gen-r/"
	ln -s .mirror.airlock/gen-r "$T/site/mirror"
	is "$(listing "$T/site/mirror/")" "$(listing "$g2")" \
		"rsync -aH: the replica has the publisher's names, sizes, mtimes (the blobs' too) and links"
	ok '[ "$(stat -c %i "$T/site/mirror/models/tiny-org/tiny-model/model.safetensors")" = \
	      "$(stat -c %i "$T/site/mirror/hf/hub/models--tiny-org--tiny-model/blobs/$(sha256sum < "$T/repo/model.safetensors" | cut -c1-64)")" ]' \
		"  -H keeps a blob's two names one file"
	run "$AIRLOCK" verify --published "$T/site/mirror"
	is "$status" 0 "verify --published passes on the replica"
	touch -d @1000000000 "$T/site/mirror/wheels/alpha-1.0-py3-none-any.whl"
	run "$AIRLOCK" verify --published "$T/site/mirror"
	is "$status" 0 "  a blob dated by another store (its own import) still matches: its bytes are compared"
	touch -d @1000000000 "$T/site/mirror/simple/index.html"
	run "$AIRLOCK" verify --published "$T/site/mirror"
	ok '[ "$status" -eq 1 ] && echo "$out" | grep -q "differs: simple/index.html: a different mtime"' \
		"  a page publish wrote is dated by the publish: a different mtime is a difference"
else
	skip "rsync is not installed: the replica it feeds is not checked"
	skip "rsync"; skip "rsync"; skip "rsync"; skip "rsync"
fi
req=$(ls "$g2"/requirements/*.txt | head -1)
printf '# edited\n' >> "$req"
printf 'x\n' > "$g2/extra.txt"
rm "$g2/simple/index.v1_json"
run "$AIRLOCK" verify --published "$T/rep"
is "$status" 1 "verify --published: a changed tree fails"
like "$out" "differs: requirements/$(basename "$req"): a different size" "  naming an edited file"
like "$out" "differs: extra\.txt: not published from the store" "  a file the store did not publish"
like "$out" "differs: simple/index\.v1_json: missing from the tree" "  and a missing one"
like "$err" "differs from the store in 3 paths" "  counted"
ok '! ls -d "$T"/.rep.airlock/verify-* >/dev/null 2>&1' "  its scratch tree is gone"

# ---- nginx, a child of this test -----------------------------------------------------------------
NGINX=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
if [ -z "$NGINX" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "# installing nginx with apt-get"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx > "$T/apt.log" 2>&1 ||
		tail -3 "$T/apt.log" | sed 's/^/# /'
	NGINX=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
fi
if [ -z "$NGINX" ]; then
	skip "nginx is not installed and cannot be (not root, or no apt-get)"
	finish
	exit $?
fi
echo "# $("$NGINX" -v 2>&1)"

port=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$AIRLOCK" serve --root "$T/pub" --listen "127.0.0.1:$port" --nginx-conf > "$T/nginx.conf"
mkdir -p "$T/ngx"
# as root nginx would switch to an unprivileged user that cannot read $T
g="daemon off;"
[ "$(id -u)" != 0 ] || g="$g user root;"
run "$NGINX" -t -q -p "$T/ngx/" -c "$T/nginx.conf" -e stderr -g "$g"
is "$status" 0 "nginx -t accepts the configuration"
[ "$status" -eq 0 ] || { echo "$err" | sed 's/^/# /'; finish; exit 1; }
"$NGINX" -p "$T/ngx/" -c "$T/nginx.conf" -e stderr -g "$g" > "$T/ngx.out" 2> "$T/ngx.err" &
NGX_PID=$!
( trap 'kill $s 2>/dev/null; exit 0' TERM; sleep 600 & s=$!; wait $s
  kill "$NGX_PID" 2>/dev/null ) >/dev/null 2>&1 &
NGX_WATCHDOG=$!
at_exit "kill $NGX_PID $NGX_WATCHDOG 2>/dev/null"
NGX="http://127.0.0.1:$port"
i=0
while [ $i -lt 200 ] && ! curl -s -o /dev/null "$NGX/healthz"; do sleep 0.05; i=$((i + 1)); done
code=$(curl -s -o "$T/body" -w '%{http_code}' "$NGX/healthz")
ok '[ "$code" = 200 ] && [ "$(cat "$T/body")" = ok ]' "nginx answers /healthz"
[ "$code" = 200 ] || { sed 's/^/# /' "$T/ngx.err"; finish; exit 1; }

. "$top_srcdir/tests/helpers/servestart.sh"
serve_start "$T/pub"
SRV=$SERVE_URL

# ---- the same answers as airlock serve -------------------------------------------------------------
PIP_ACCEPT='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'
# fetch BASE PATH [curl options]: "status content-type" then the body's sha256
fetch() {
	_b=$1 _p=$2
	shift 2
	_w=$(curl -s -o "$T/f.body" -w '%{http_code} %{content_type}' "$@" "$_b$_p")
	echo "$_w $(sha256sum < "$T/f.body" | cut -c1-16)"
}
same() { # PATH [curl options]
	a=$(fetch "$SRV" "$@")
	b=$(fetch "$NGX" "$@")
	is "$b" "$a" "same as serve: $*"
}
same /simple/
same /simple/ -H "Accept: $PIP_ACCEPT"
same /simple/alpha/
same /simple/alpha/ -H "Accept: $PIP_ACCEPT"
same /simple/alpha/ -H 'Accept: application/vnd.pypi.simple.v1+html'
same /simple/alpha/ -H 'Accept: text/html, application/vnd.pypi.simple.v1+json;q=0.5'
same /simple/alpha/ -H 'Accept: application/vnd.pypi.simple.v1+json;q=0.5'
same /simple/alpha/ -H 'Accept: application/json'
same /simple/nope/
same /wheels/alpha-1.0-py3-none-any.whl
same /wheels/alpha-1.0-py3-none-any.whl.metadata
same /requirements/cp311-manylinux_2_28_x86_64.txt
same /models/tiny-org/tiny-model/config.json
curl -s -o /dev/null -D "$T/hdr" "$NGX/models/tiny-org/tiny-model/config.json"
like "$(tr -d '\r' < "$T/hdr")" "Content-Security-Policy: sandbox; default-src 'none'" \
	"nginx serves a file that came in media sandboxed"
like "$(tr -d '\r' < "$T/hdr")" "X-Content-Type-Options: nosniff" "  with nosniff"
same /api/models/tiny-org/tiny-model
same /api/models/tiny-org/tiny-model?blobs=true
same /api/models/tiny-org/tiny-model/revision/main
same "/api/models/tiny-org/tiny-model/revision/$COMMIT"
same /api/models/tiny-org/tiny-model/revision/HEAD?blobs=True
same /api/models/tiny-org/tiny-model/tree/main
same '/api/models/tiny-org/tiny-model/tree/main?recursive=true&expand=true'
same /api/models/tiny-org/tiny-model/tree/main/sub
same '/api/models/tiny-org/tiny-model/tree/main/sub?recursive=1'
same /api/models/tiny-org/tiny-model/refs
same /tiny-org/tiny-model/resolve/main/config.json
same "/tiny-org/tiny-model/resolve/$COMMIT/model.safetensors"
same '/tiny-org/tiny-model/resolve/main/sub/read%20me%20%C3%A9.txt'
same /tiny-org/tiny-model/resolve/main/model.safetensors -H 'Range: bytes=100-199'
same /
same /catalog/index.json

hdr() { tr -d '\r' < "$1" | sed -n "s/^$2: //Ip" | tail -1; }
curl -s -o /dev/null -D "$T/h.ngx" -H "Accept: $PIP_ACCEPT" "$NGX/simple/alpha/"
is "$(hdr "$T/h.ngx" Vary)" "Accept" "the simple pages say Vary: Accept"
curl -s -o /dev/null -D "$T/h.ngx" "$NGX/simple/alpha"
ok '[ "$(sed -n "1s/\r//p" "$T/h.ngx")" = "HTTP/1.1 301 Moved Permanently" ] && [ "$(hdr "$T/h.ngx" Location)" = alpha/ ]' \
	"/simple/alpha redirects to alpha/ (relative, as serve does)"
curl -s -I -o /dev/null -D "$T/h.ngx" "$NGX/tiny-org/tiny-model/resolve/main/model.safetensors"
curl -s -I -o /dev/null -D "$T/h.srv" "$SRV/tiny-org/tiny-model/resolve/main/model.safetensors"
for h in X-Repo-Commit X-Linked-Etag X-Linked-Size ETag Content-Length Accept-Ranges \
	Content-Security-Policy X-Content-Type-Options; do
	is "$(hdr "$T/h.ngx" $h)" "$(hdr "$T/h.srv" $h)" "HEAD resolve of an LFS file: $h as serve sends it"
done
curl -s -I -o /dev/null -D "$T/h.ngx" "$NGX/tiny-org/tiny-model/resolve/main/config.json"
curl -s -I -o /dev/null -D "$T/h.srv" "$SRV/tiny-org/tiny-model/resolve/main/config.json"
ok '[ "$(hdr "$T/h.ngx" ETag)" = "$(hdr "$T/h.srv" ETag)" ] && [ -z "$(hdr "$T/h.ngx" X-Linked-Etag)" ] && [ "$(hdr "$T/h.ngx" X-Repo-Commit)" = "$COMMIT" ]' \
	"a regular file: the git blob id as ETag, no X-Linked-*, the commit"
code=$(curl -s -o "$T/body" -D "$T/h.ngx" -w '%{http_code}' "$NGX/tiny-org/tiny-model/resolve/main/nope.bin")
ok '[ "$code" = 404 ] && [ "$(hdr "$T/h.ngx" X-Error-Code)" = EntryNotFound ]' "a missing file: 404 EntryNotFound"
code=$(curl -s -o "$T/body" -D "$T/h.ngx" -w '%{http_code}' "$NGX/api/models/tiny-org/nope")
ok '[ "$code" = 404 ] && [ "$(hdr "$T/h.ngx" X-Error-Code)" = RepoNotFound ]' "a missing repo: 404 RepoNotFound"
same /api/models/tiny-org/tiny-model/paths-info/main -X POST -H 'Content-Type: application/json' \
	--data '{"paths":["sub/read me é.txt"],"expand":true}'
same /api/models/tiny-org/tiny-model/paths-info/main -X POST -H 'Content-Type: application/json' \
	--data '{"paths":["config.json"],"expand":false}'
same "/api/models/tiny-org/tiny-model/paths-info/$COMMIT" -X POST --data '{"paths":["nope.txt"],"expand":true}'
# huggingface_hub's form: requests writes expand as True/False, httpx as true/false
FORM='Content-Type: application/x-www-form-urlencoded'
same /api/models/tiny-org/tiny-model/paths-info/main -X POST -H "$FORM" \
	--data 'paths=sub%2Fread+me+%C3%A9.txt&expand=True'
same /api/models/tiny-org/tiny-model/paths-info/main -X POST -H "$FORM" --data 'paths=config.json&expand=false'
same "/api/models/tiny-org/tiny-model/paths-info/$COMMIT" -X POST -H "$FORM" \
	--data 'paths=model.safetensors&expand=true'
same /api/models/tiny-org/tiny-model/paths-info/main -X POST -H "$FORM" --data 'paths=model.safetensors'
same /api/models/tiny-org/tiny-model/paths-info/main -X POST -H "$FORM" --data 'paths=nope.txt&expand=True'
for body in 'paths=..&expand=True' 'paths=.&expand=False' 'paths=..%2F..%2F..%2Fetc%2Fpasswd&expand=True' \
	'paths=sub%2F..%2Fconfig.json&expand=True' 'paths=config.json%0A&expand=True' \
	'paths=config.json&expand=True&x=1' 'paths=config.json&paths=model.safetensors&expand=True'; do
	code=$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H "$FORM" --data "$body" \
		"$NGX/api/models/tiny-org/tiny-model/paths-info/main")
	is "$code $(cat "$T/body")" "200 []" "paths-info: form '$body' finds nothing"
done
code=$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data '{"paths":["../../../../../../etc/passwd"],"expand":true}' "$NGX/api/models/tiny-org/tiny-model/paths-info/main")
is "$code $(cat "$T/body")" "200 []" "paths-info: a path with '..' finds nothing"
code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'X-Airlock-Body: {"paths":["../../../../../../etc/passwd"],"expand":true}' \
	"$NGX/_al/pi/models/tiny-org/tiny-model/@/main")
is "$code $(cat "$T/body")" "200 []" "  nor sent straight to the inner route"
code=$(curl -s -o /dev/null -D "$T/h.ngx" -w '%{http_code}' -X POST --data x "$NGX/simple/")
ok '[ "$code" = 405 ] && [ "$(hdr "$T/h.ngx" Allow)" = "GET, HEAD" ]' "read-only: POST is 405 with Allow: GET, HEAD"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$NGX/wheels/alpha-1.0-py3-none-any.whl")
is "$code" 405 "  and DELETE"
for p in /wheels/ /models/tiny-org/ /catalog/ /hf/hub/ /airlock-published.json /hf/nginx/resolve.map; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$NGX$p")
	is "$code" 404 "no listing, nothing outside the routes: $p"
done
code=$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$NGX/models/../../../../etc/passwd")
ok '[ "$code" = 400 ] || [ "$code" = 404 ]' "'..' cannot climb out of DIR ($code)"
gen=$(readlink -f "$T/pub")
ln -s /etc/passwd "$gen/wheels/evil-1.0-py3-none-any.whl"
ln -s ../requirements/cp311-manylinux_2_28_x86_64.txt "$gen/wheels/inside.txt"
code=$(curl -s -o /dev/null -w '%{http_code}' "$NGX/wheels/evil-1.0-py3-none-any.whl")
ok '[ "$code" = 403 ] || [ "$code" = 404 ]' "a symbolic link out of the tree is not followed ($code)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$NGX/wheels/inside.txt")
ok '[ "$code" = 403 ] || [ "$code" = 404 ]' "  nor one inside it ($code)"
rm -f "$gen/wheels/evil-1.0-py3-none-any.whl" "$gen/wheels/inside.txt"
# the pages are served without the symlink walk (publish writes them as
# regular files); a link planted among them is what verify --published finds
ln -s /etc/passwd "$gen/simple/alpha/planted.html"
run "$AIRLOCK" verify --published "$T/pub"
ok '[ "$status" -ne 0 ]' "a link planted among the pages: verify --published fails"
like "$out$err" "simple/alpha/planted\.html" "  naming it"
rm -f "$gen/simple/alpha/planted.html"
run "$AIRLOCK" verify --published "$T/pub"
is "$status" 0 "  and passes once it is gone"

# ---- pip -------------------------------------------------------------------------------------------------
req="$T/pub/requirements/cp311-manylinux_2_28_x86_64.txt"
"$PYTHON3" -m venv "$T/venv" >/dev/null 2>&1
run "$T/venv/bin/pip" install --no-cache-dir --index-url "$NGX/simple/" --only-binary :all: \
	--require-hashes -r "$req"
is "$status" 0 "pip install --index-url NGINX/simple/ --require-hashes -r requirements.txt"
[ "$status" -eq 0 ] || echo "$err" | tail -20 | sed 's/^/# /'
run "$T/venv/bin/python" -c 'import alpha, beta, Gamma_Ray; print(alpha.__version__, beta.__version__, Gamma_Ray.__version__)'
is "$out" "1.0 2.1 0.5" "  and the packages import"
"$PYTHON3" -m venv "$T/venv2" >/dev/null 2>&1
run "$T/venv2/bin/pip" install --no-cache-dir --index-url "$NGX/simple/" alpha
is "$status" 0 "pip install --index-url NGINX/simple/ alpha (resolving, PEP 691 JSON, .metadata)"
[ "$status" -eq 0 ] || echo "$err" | tail -20 | sed 's/^/# /'
ok 'grep -q "GET /wheels/alpha-1.0-py3-none-any.whl.metadata " "$T/ngx/access.log"' \
	"  pip read the .metadata sidecar from nginx"

# ---- huggingface_hub 0.x and 1.x -------------------------------------------------------------------
HFC=""
for d in "${AIRLOCK_HUB_CLIENTS:-}" "$top_srcdir/../shared/vendor/hub-clients" \
	"$top_srcdir/../../shared/vendor/hub-clients" /work/shared/vendor/hub-clients; do
	[ -n "$d" ] && [ -d "$d/hf0" ] && { HFC=$d; break; }
done
cat > "$T/hf.py" <<'PY'
import os, sys, filecmp
from huggingface_hub import hf_hub_download, model_info, snapshot_download
repo, commit, expected, pub = sys.argv[1:5]
info = model_info(repo)
print("info", info.sha == commit, sorted(s.rfilename for s in info.siblings))
p = hf_hub_download(repo, "model.safetensors")
print("download", filecmp.cmp(p, os.path.join(expected, "model.safetensors"), shallow=False))
snap = snapshot_download(repo)
same = all(filecmp.cmp(os.path.join(snap, f), os.path.join(expected, f), shallow=False)
           for f in ("config.json", "model.safetensors", "sub/read me \u00e9.txt"))
print("snapshot", os.path.basename(snap) == commit, same)
cache = os.path.join(os.environ["HF_HUB_CACHE"], "models--tiny-org--tiny-model", "blobs")
pubb = os.path.join(pub, "hf", "hub", "models--tiny-org--tiny-model", "blobs")
print("blobs", sorted(os.listdir(cache)) == sorted(os.listdir(pubb)))
from huggingface_hub import HfApi
for expand in (False, True):
    pi = HfApi().get_paths_info(repo, ["sub/read me \u00e9.txt", "model.safetensors"][expand], expand=expand)
    print("paths_info", [(p.path, p.size, p.lfs is not None, p.last_commit is not None) for p in pi])
PY
if [ -z "$HFC" ]; then
	skip "huggingface_hub: no vendor/hub-clients folder (set AIRLOCK_HUB_CLIENTS)"
else
	for v in hf0 hf1; do
		for where in serve nginx; do
			[ $where = serve ] && url=$SRV || url=$NGX
			run env -u HF_HUB_OFFLINE PYTHONPATH="$HFC/$v" HF_ENDPOINT="$url" HF_HUB_DISABLE_XET=1 \
				HF_HOME="$T/hfhome" HF_HUB_CACHE="$T/hfc-$v-$where" HF_HUB_DISABLE_TELEMETRY=1 \
				"$PYTHON3" "$T/hf.py" tiny-org/tiny-model "$COMMIT" "$T/repo" "$T/pub"
			eval "got_$where=\$out"
			[ "$status" -eq 0 ] || echo "$err" | tail -5 | sed 's/^/# /'
		done
		is "$got_nginx" "info True ['config.json', 'model.safetensors', 'sub/read me é.txt']
download True
snapshot True True
blobs True
paths_info [('sub/read me é.txt', 6, False, False)]
paths_info [('model.safetensors', 300000, True, True)]" "$v: model_info, hf_hub_download, snapshot_download, get_paths_info from nginx; blobs named as published"
		is "$got_nginx" "$got_serve" "$v: exactly as from airlock serve"
	done
fi

# ---- @huggingface/hub ---------------------------------------------------------------------------------
. "$top_srcdir/tests/helpers/hubjs.sh"
hubjs_install
if [ -z "$js_why" ]; then
	node "$top_srcdir/tests/helpers/serve-hubjs.mjs" "$HUBJS" "$NGX" model \
		tiny-org/tiny-model main "$T/repo" "$T/jscache" > "$T/js.out" 2> "$T/js.err"
	jsrc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) _result 0 "js on nginx: ${line#ok - }" ;;
		"not ok - "*) _result 1 "js on nginx: ${line#not ok - }" ;;
		"# "*) echo "#   $line" ;;
		esac
	done < "$T/js.out"
	[ $jsrc -ne 2 ] || { _result 1 "js: serve-hubjs.mjs ran"; sed 's/^/#   /' "$T/js.err"; }
else
	skip "the JavaScript Hub client: $js_why"
fi

# ---- a new publish is served after a reload ---------------------------------------------------------
old=$(readlink "$T/pub")
sleep 1
run "$AIRLOCK" publish -o "$T/pub"
"$NGINX" -p "$T/ngx/" -c "$T/nginx.conf" -e stderr -g "$g" -s reload 2>/dev/null || true
code=$(curl -s -o /dev/null -w '%{http_code}' "$NGX/tiny-org/tiny-model/resolve/main/config.json")
ok '[ "$(readlink "$T/pub")" != "$old" ] && [ "$code" = 200 ]' "after a re-publish nginx serves the new generation"
[ "$code" = 200 ] || { echo "# $code"; tail -5 "$T/ngx.err" "$T/ngx/error.log" | sed 's/^/# /'; }

kill "$NGX_PID" 2>/dev/null
wait "$NGX_PID" 2>/dev/null
finish
