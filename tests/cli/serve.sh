#!/bin/sh
# serve: `airlock serve` over a real published tree, checked with the real
# clients: pip (index URL, JSON negotiation, --require-hashes) and the
# official JavaScript Hub client (npm @huggingface/hub, installed at test time
# into the build tree; skipped when node, npm or the registry is missing).
# Also `airlock env`, and a clean stop on SIGTERM.
. "$(dirname "$0")/lib.sh"

. "$top_srcdir/tests/helpers/demobundle.sh"
demo_bundle
COMMIT=$DEMO_COMMIT
run "$AIRLOCK" publish -o "$T/pub"
is "$status" 0 "published"
[ "$status" -eq 0 ] || { echo "# $err"; finish; exit 1; }

# ---- usage ----------------------------------------------------------------------------------
run "$AIRLOCK" serve
is "$status" 2 "serve without --root is a usage error"
run "$AIRLOCK" serve --root "$T/w" --listen 127.0.0.1:0
is "$status" 3 "serve refuses a directory that is not a published tree"
like "$err" "not a published tree" "  and says so"

# ---- start: port 0, the real port read from stderr ---------------------------------------------
. "$top_srcdir/tests/helpers/servestart.sh"
serve_start "$T/pub" --access-log "$T/access.log"
pid=$SERVE_PID port=$SERVE_PORT URL=$SERVE_URL
ok '[ -n "$port" ] && [ "$port" -gt 0 ]' "serve --listen 127.0.0.1:0 prints the real port on stderr ($port)"
[ -n "$port" ] || { cat "$T/serve.err" | sed 's/^/# /'; finish; exit 1; }
like "$(cat "$T/serve.err")" "^serving $T/pub on http://127.0.0.1:$port/\$" "  as 'serving DIR on http://ADDR:PORT/'"

code=$(curl -s -o "$T/body" -w '%{http_code}' "$URL/healthz")
ok '[ "$code" = 200 ] && [ "$(cat "$T/body")" = ok ]' "/healthz"
ct=$(curl -s -o /dev/null -w '%{content_type}' \
	-H 'Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01' \
	"$URL/simple/alpha/")
is "$ct" "application/vnd.pypi.simple.v1+json" "pip's Accept header gets PEP 691 JSON"
ct=$(curl -s -o /dev/null -w '%{content_type}' "$URL/simple/alpha/")
is "$ct" "text/html; charset=utf-8" "no Accept header gets HTML"

# ---- (a) the real pip ------------------------------------------------------------------------------
req="$T/pub/requirements/cp311-manylinux_2_28_x86_64.txt"
: > "$T/access.log"
"$PYTHON3" -m venv "$T/venv" >/dev/null 2>&1
run "$T/venv/bin/pip" install --no-cache-dir --index-url "$URL/simple/" --only-binary :all: \
	--require-hashes -r "$req"
is "$status" 0 "pip install --index-url URL/simple/ --require-hashes -r requirements.txt"
[ "$status" -eq 0 ] || echo "$err" | tail -20 | sed 's/^/# /'
run "$T/venv/bin/python" -c 'import alpha, beta, Gamma_Ray; print(alpha.__version__, beta.__version__, Gamma_Ray.__version__)'
is "$out" "1.0 2.1 0.5" "  and the packages import"
like "$(cat "$T/access.log")" \
	'GET /simple/alpha/ 200 [0-9]+ [0-9.]+ application/vnd\.pypi\.simple\.v1\+json$' \
	"  pip negotiated JSON (the access log shows the type served)"
like "$(cat "$T/access.log")" 'GET /wheels/beta-2\.1-py3-none-any\.whl 200 [0-9]+ ' \
	"  and fetched the wheels from /wheels/"
"$PYTHON3" -m venv "$T/venv2" >/dev/null 2>&1
run "$T/venv2/bin/pip" install --no-cache-dir --index-url "$URL/simple/" alpha
is "$status" 0 "pip install --index-url URL/simple/ alpha (resolving)"
[ "$status" -eq 0 ] || echo "$err" | tail -20 | sed 's/^/# /'
run "$T/venv2/bin/python" -c 'import alpha, beta; print(beta.__version__)'
is "$out" "2.1" "  the dependency came along"
run "$T/venv2/bin/pip" download --no-cache-dir --no-deps -d "$T/dl" --index-url "$URL/simple/" Gamma.Ray
is "$status" 0 "a non-normalized name (Gamma.Ray) resolves through the index"

# ---- the Hub endpoints, as curl sees them ------------------------------------------------------------
hdr() { tr -d '\r' < "$T/hdr" | sed -n "s/^$1: //Ip" | tail -1; }
curl -s -o /dev/null -D "$T/hdr" "$URL/models/tiny-org/tiny-model/config.json"
ok '[ "$(hdr Content-Security-Policy)" = "sandbox; default-src '"'"'none'"'"'" ] && [ "$(hdr X-Content-Type-Options)" = nosniff ]' \
	"a file that came in media is served sandboxed, with nosniff"
curl -s -o /dev/null -D "$T/hdr" "$URL/wheels/"
ok '[ -z "$(hdr Content-Security-Policy)" ]' "  (the find-links page is airlock's own)"
lfs_sha=$(sha256sum "$T/repo/model.safetensors" | cut -c1-64)
curl -s -I -o /dev/null -D "$T/hdr" "$URL/tiny-org/tiny-model/resolve/main/model.safetensors"
ok '[ "$(hdr X-Repo-Commit)" = "$COMMIT" ] && [ "$(hdr X-Linked-Etag)" = "\"$lfs_sha\"" ] && [ "$(hdr X-Linked-Size)" = 300000 ]' \
	"HEAD resolve of an LFS file: X-Repo-Commit, X-Linked-Etag, X-Linked-Size"
curl -s -o /dev/null -D "$T/hdr" "$URL/tiny-org/tiny-model/resolve/main/config.json"
ok '[ "$(hdr Content-Security-Policy)" = "sandbox; default-src '"'"'none'"'"'" ] && [ "$(hdr X-Content-Type-Options)" = nosniff ]' \
	"  a resolve is served sandboxed, with nosniff, as the plain trees are"
code=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' "$URL/api/models/tiny-org/tiny-model/tree/main?recursive=true&limit=1")
like "$(hdr Link)" "^<http://127\.0\.0\.1:$port/api/models/tiny-org/tiny-model/tree/main\?recursive=true&limit=1&cursor=1>; rel=\"next\"\$" \
	"tree pages with an absolute Link"
code=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' "$URL/api/models/tiny-org/nope")
ok '[ "$code" = 404 ] && [ "$(hdr X-Error-Code)" = RepoNotFound ]' "an unknown repo: 404 RepoNotFound"

# ---- (b) the official JavaScript client -------------------------------------------------------------
. "$top_srcdir/tests/helpers/hubjs.sh"
hubjs_install
if [ -z "$js_why" ]; then
	version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$HUBJS/node_modules/@huggingface/hub/package.json")
	echo "# @huggingface/hub $version"
	node "$top_srcdir/tests/helpers/serve-hubjs.mjs" "$HUBJS" "$URL" model tiny-org/tiny-model main \
		"$T/repo" "$T/jscache" > "$T/js.out" 2> "$T/js.err"
	jsrc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) _result 0 "js: ${line#ok - }" ;;
		"not ok - "*) _result 1 "js: ${line#not ok - }" ;;
		"# "*) echo "#   $line" ;;
		esac
	done < "$T/js.out"
	[ $jsrc -ne 2 ] || { _result 1 "js: serve-hubjs.mjs ran"; sed 's/^/#   /' "$T/js.err"; }
	like "$(cat "$T/access.log")" "GET /tiny-org/tiny-model/resolve/$COMMIT/config\.json 206 1 " \
		"  fileDownloadInfo's Range: bytes=0-0 got a 206"
else
	skip "the JavaScript Hub client: $js_why"
fi

# ---- a re-publish is picked up by the running server ------------------------------------------------
old=$(readlink "$T/pub")
sleep 1
run "$AIRLOCK" publish -o "$T/pub"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/simple/alpha/")
ok '[ "$(readlink "$T/pub")" != "$old" ] && [ "$code" = 200 ]' "after a re-publish (old generation removed) the server answers from the new one"

# ---- (c) stop ---------------------------------------------------------------------------------------------
t0=$(date +%s%N)
kill -TERM "$pid"
i=0
while [ $i -lt 100 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
wait "$pid"
status=$?
t1=$(date +%s%N)
is "$status" 0 "SIGTERM: the server stops and exits 0"
ms=$(( (t1 - t0) / 1000000 ))
echo "# stopped in $ms ms (reported, not asserted: no test asserts a time)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")
is "$code" "000" "  and nothing listens any more"

# ---- --max-connections: the whole server's, not one thread's share ---------------------------------------
# 8 connections on 4 threads stay open together (libmicrohttpd alone would give
# each thread 2 and close a third that lands on the same thread); a ninth is
# closed unanswered, and once they go the server answers again
serve_start "$T/pub" --threads 4 --max-connections 8
out=$("$PYTHON3" - "$SERVE_PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def get(s):
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    return s.recv(4096)
held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(8)]
ok = sum(1 for s in held if get(s).startswith(b"HTTP/1.1 200"))
extra = socket.create_connection(("127.0.0.1", port), timeout=5)
try:
    ans = get(extra)
except OSError:
    ans = b""
for s in held + [extra]:
    s.close()
time.sleep(0.5)
again = socket.create_connection(("127.0.0.1", port), timeout=5)
print(ok, "refused" if not ans else "answered", get(again).split(b"\r\n")[0].decode())
PY
)
is "$out" "8 refused HTTP/1.1 200 OK" "--max-connections 8 on 4 threads: 8 served at once, the ninth closed, then served again"
kill "$SERVE_PID" 2>/dev/null

# ---- airlock env -----------------------------------------------------------------------------------------
run "$AIRLOCK" env --url http://mirror.lan:8080/
is "$out" "export PIP_INDEX_URL='http://mirror.lan:8080/simple/'
export PIP_TRUSTED_HOST='mirror.lan'
export HF_ENDPOINT='http://mirror.lan:8080'
export HF_HUB_DISABLE_XET='1'" "env --url: sh syntax"
run "$AIRLOCK" env --url http://127.0.0.1:8080 --shell fish
like "$out" "^set -gx PIP_INDEX_URL 'http://127.0.0.1:8080/simple/'" "env --shell fish"
ok '! printf "%s" "$out" | grep -q TRUSTED' "  no trusted host for the loopback"
run "$AIRLOCK" env --url http://mirror.lan:8080 --shell pip-conf
like "$out" "^\[global\]
index-url = http://mirror.lan:8080/simple/
trusted-host = mirror.lan" "env --shell pip-conf: a [global] section"
run "$AIRLOCK" env --root "$T/pub" --shell json
run "$PYTHON3" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["PIP_FIND_LINKS"], d["HF_HUB_CACHE"], d["HF_HUB_OFFLINE"], d["PIP_NO_INDEX"])' "$out"
is "$out" "$T/pub/wheels $T/pub/hf/hub 1 1" "env --root --shell json: find-links and the Hub cache"
(cd "$T" && "$AIRLOCK" env --root pub > "$T/env.sh")
(. "$T/env.sh"; "$T/venv/bin/pip" download --no-deps -d "$T/dl2" beta >/dev/null 2>&1)
ok '[ -f "$T/dl2/beta-2.1-py3-none-any.whl" ]' "pip with the sh output of env --root (a relative DIR made absolute) finds wheels offline"
run "$AIRLOCK" env --root "$T/w"
is "$status" 3 "env --root refuses a directory that is not a published tree"
run "$AIRLOCK" env
is "$status" 2 "env without --root or --url is a usage error"

finish
