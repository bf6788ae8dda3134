#!/bin/sh
# The fake Hub (tests/helpers/hubserver.py) is faithful to hf-hub-protocol.md:
# (a) curl checks of section 4.2/4.3/6.2, one TAP line each; (b) the official
# JavaScript client @huggingface/hub (installed from npm at test time, cached in
# the build tree; skipped when npm or the registry is unavailable); (c)
# scripts/hub-cache-check.py on hand-built good and broken cache layouts.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/hubserver.sh"

FX="$FIXTURES/hub"
BERT="$FX/models/tiny-org/tiny-bert/commits"
CHECK="$top_srcdir/scripts/hub-cache-check.py"

# fixture facts through the same loader the server uses
fx() {
	"$PYTHON3" -c 'import sys; sys.path.insert(0, sys.argv[1]); import hubrepo
H = hubrepo.Hub(sys.argv[2])
def R(i, t="model"): return H.get(t, i)
print(eval(sys.argv[3]))' "$top_srcdir/tests/helpers" "$FX" "$1"
}
# JSON field of the last body: jf 'd["sha"]'
jf() { "$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/body" "$1"; }
# req [curl args] URL: sets $code; headers in $T/hdr, body in $T/body
req() {
	code=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' "$@")
}
# last value of a header (after redirects)
hdr() { tr -d '\r' < "$T/hdr" | sed -n "s/^$1: //Ip" | tail -1; }
gitsha() { git hash-object --no-filters "$1"; }
sha256() { sha256sum "$1" | cut -c1-64; }

MAIN=$(fx 'R("tiny-org/tiny-bert").branches["main"].id')
V1=$(fx 'R("tiny-org/tiny-bert").tags["v1.0"].id')
PR1=$(fx 'R("tiny-org/tiny-bert").pulls["1"].id')

# ---- fixtures -------------------------------------------------------------------
run "$PYTHON3" "$top_srcdir/scripts/make-hub-fixtures.py" "$T/fx"
run diff -r "$T/fx" "$FX"
is "$status" 0 "scripts/make-hub-fixtures.py reproduces fixtures/hub byte for byte"
like "$MAIN $V1 $PR1" '^[0-9a-f]{40} [0-9a-f]{40} [0-9a-f]{40}$' "commit ids are 40 hex"
ok '[ "$MAIN" != "$V1" ] && [ "$MAIN" != "$PR1" ]' "main, v1.0 and refs/pr/1 are distinct commits"

if ! hub_start --page-size 2; then
	skip "the fake Hub did not start"
	finish
	exit $?
fi
ok '[ "$HUB_PORT" -gt 0 ]' "hubserver prints PORT <n> on its first line"

# ---- E1 repo info ------------------------------------------------------------------
req "$HUB_URL/api/models/tiny-org/tiny-bert"
is "$code $(jf 'd["id"]') $(jf 'd["sha"]')" "200 tiny-org/tiny-bert $MAIN" "model info: id and sha of main"
is "$(jf '" ".join(s["rfilename"] for s in d["siblings"])')" \
	"$(cd "$BERT/v2" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" \
	"model info: siblings list every file"
req "$HUB_URL/api/models/tiny-org/tiny-bert/revision/v1.0"
is "$code $(jf 'd["sha"]') $(jf 'len(d["siblings"])')" "200 $V1 5" "revision/v1.0: the tag's older commit"
req "$HUB_URL/api/models/tiny-org/tiny-bert/revision/refs%2Fpr%2F1"
is "$(jf 'd["sha"]')" "$PR1" "revision/refs%2Fpr%2F1"
req "$HUB_URL/api/models/tiny-org/tiny-bert/revision/$V1"
is "$code $(jf 'd["sha"]')" "200 $V1" "revision/<40-hex commit>"
req "$HUB_URL/api/models/tiny-org/tiny-bert/revision/HEAD?expand=sha&expand=private"
is "$code $(jf 'd["sha"]') $(jf 'd["_id"] != ""')" "200 $MAIN True" "revision/HEAD with expand= (the JS client's call)"
req "$HUB_URL/api/models/tiny-org/tiny-bert?blobs=true"
is "$(jf '[s for s in d["siblings"] if s["rfilename"]=="model.safetensors"][0]["lfs"]["sha256"]')" \
	"$(sha256 "$BERT/v2/model.safetensors")" "?blobs=true: lfs.sha256 is sha256sum of the file"
is "$(jf '[s for s in d["siblings"] if s["rfilename"]=="config.json"][0]["blobId"]')" \
	"$(gitsha "$BERT/v2/config.json")" "?blobs=true: blobId is git hash-object of the file"
is "$(jf '[s["size"] for s in d["siblings"] if s["rfilename"]=="vocab.txt"][0]')" \
	"$(wc -c < "$BERT/v2/vocab.txt" | tr -d ' ')" "?blobs=true: size"
req "$HUB_URL/api/datasets/tiny-org/tiny-sst2"
is "$code $(jf 'd["id"]') $(jf 'len(d["siblings"])')" "200 tiny-org/tiny-sst2 3" "dataset info"
req "$HUB_URL/api/models/tiny-legacy"
is "$code $(jf 'd["id"]')" "200 tiny-legacy" "a repo id without namespace"
req "$HUB_URL/api/models/tiny-org/tiny-bert/refs?include_prs=1"
is "$(jf '[b["targetCommit"] for b in d["branches"]][0]') $(jf 'd["tags"][0]["name"]') $(jf 'd["pullRequests"][0]["name"]')" \
	"$MAIN v1.0 refs/pr/1" "refs: branches, tags, pull requests"

# ---- E2 tree ------------------------------------------------------------------------
url="$HUB_URL/api/models/tiny-org/odd-names/tree/main?recursive=true&expand=false"
all="" pages=0 maxpage=0 absolute=yes
while [ -n "$url" ] && [ $pages -lt 50 ]; do
	req "$url"
	pages=$((pages + 1))
	n=$(jf 'len(d)')
	[ "$n" -gt "$maxpage" ] && maxpage=$n
	all="$all$(jf '"".join(e["type"][0] + ":" + e["path"] + "|" for e in d)')"
	url=$(hdr link | sed -n 's/^<\(.*\)>; rel="next"$/\1/p')
	case "$url" in ""|http://*) ;; *) absolute=no ;; esac
done
is "$all" "f:README.md|f:big-text.txt|d:docs|f:docs/a+b=c&d.txt|f:docs/read me é.txt|d:nested|d:nested/deeper|d:nested/deeper/still|f:nested/deeper/still/leaf.json|" \
	"tree recursive: every file and directory across pages"
is "$pages $maxpage $absolute" "5 2 yes" "tree paging: --page-size 2, absolute Link rel=next"
req "$HUB_URL/api/models/tiny-org/odd-names/tree/main/nested%2Fdeeper"
is "$code $(jf '[e["path"] for e in d]')" "200 ['nested/deeper/still']" "tree with %2F in the path: direct children only"
req "$HUB_URL/api/models/tiny-org/sharded/tree/main/onnx"
is "$(jf '[(e["path"], e["lfs"]["oid"]) for e in d]')" \
	"[('onnx/model.onnx', '$(sha256 "$FX/models/tiny-org/sharded/commits/c1/onnx/model.onnx")')]" \
	"tree of a subfolder: LFS entry with lfs.oid = sha256"
req "$HUB_URL/api/models/tiny-org/tiny-bert/tree/$MAIN?recursive=true&expand=true"
lc() { jf "[e['lastCommit']['id'] for e in d if e['path']=='$1'][0]"; }
# page size 2: vocab.txt is on a later page; ask for it through paths-info instead
is "$code $(lc config.json)" "200 $MAIN" "tree expand=true: lastCommit of a file changed at main"
ok '! grep -q xetHash "$T/body"' "tree never advertises xetHash"
req "$HUB_URL/api/models/tiny-org/tiny-bert/tree/main/nope"
is "$code $(hdr x-error-code)" "404 EntryNotFound" "tree of a missing path: 404 EntryNotFound"
req "$HUB_URL/api/models/tiny-org/tiny-bert/tree/nope"
is "$code $(hdr x-error-code)" "404 RevisionNotFound" "tree of a missing revision: 404 RevisionNotFound"

# ---- E3 paths-info ---------------------------------------------------------------------
req -X POST -H 'Content-Type: application/json' \
	-d '{"paths":["vocab.txt","model.safetensors","missing.bin"],"expand":true}' \
	"$HUB_URL/api/models/tiny-org/tiny-bert/paths-info/main"
is "$code $(jf '[e["path"] for e in d]')" "200 ['vocab.txt', 'model.safetensors']" \
	"paths-info JSON body: existing paths only"
is "$(jf 'd[0]["lastCommit"]["id"]')" "$V1" "paths-info expand: lastCommit of an unchanged file is the older commit"
req -X POST --data-urlencode 'paths=config.json' --data-urlencode 'paths=docs' -d expand=false \
	"$HUB_URL/api/models/tiny-org/tiny-bert/paths-info/v1.0"
is "$code $(jf '[(e["path"], e["oid"]) for e in d]')" "200 [('config.json', '$(gitsha "$BERT/v1/config.json")')]" \
	"paths-info form body (huggingface_hub style) at a tag"

# ---- E4 resolve -----------------------------------------------------------------------
req -I "$HUB_URL/tiny-org/tiny-bert/resolve/main/config.json"
is "$code|$(hdr x-repo-commit)|$(hdr etag)|$(hdr content-length)|$(hdr accept-ranges)" \
	"200|$MAIN|\"$(gitsha "$BERT/v2/config.json")\"|$(wc -c < "$BERT/v2/config.json" | tr -d ' ')|bytes" \
	"HEAD regular file: X-Repo-Commit, quoted git-sha1 ETag, Content-Length, Accept-Ranges"
req "$HUB_URL/tiny-org/tiny-bert/resolve/main/config.json"
ok 'cmp -s "$T/body" "$BERT/v2/config.json"' "GET regular file: same bytes"
req -I "$HUB_URL/tiny-org/tiny-bert/resolve/v1.0/config.json"
is "$(hdr x-repo-commit) $(hdr etag)" "$V1 \"$(gitsha "$BERT/v1/config.json")\"" "HEAD at tag v1.0: older commit and content"
req "$HUB_URL/tiny-org/tiny-bert/resolve/refs%2Fpr%2F1/README.md"
ok 'cmp -s "$T/body" "$BERT/pr1/README.md"' "GET at refs%2Fpr%2F1"
S=$(sha256 "$BERT/v2/model.safetensors")
req -I "$HUB_URL/tiny-org/tiny-bert/resolve/main/model.safetensors"
is "$code|$(hdr x-linked-etag)|$(hdr x-linked-size)|$(hdr x-repo-commit)" \
	"302|\"$S\"|$(wc -c < "$BERT/v2/model.safetensors" | tr -d ' ')|$MAIN" \
	"HEAD LFS file: 302 with X-Linked-Etag (sha256), X-Linked-Size, X-Repo-Commit"
like "$(hdr location)" "^http://localhost:$HUB_PORT/cdn/" "LFS 302 from 127.0.0.1 goes to host localhost"
ok '[ -n "$(hdr etag)" ] && [ "$(hdr etag)" != "\"$S\"" ]' "the 302's own ETag is not the linked etag (clients must prefer X-Linked-Etag)"
req -I "http://localhost:$HUB_PORT/tiny-org/tiny-bert/resolve/main/model.safetensors"
like "$(hdr location)" "^http://127.0.0.1:$HUB_PORT/cdn/" "LFS 302 from localhost goes to host 127.0.0.1"
req -L "$HUB_URL/tiny-org/tiny-bert/resolve/main/model.safetensors"
ok '[ "$code" = 200 ] && cmp -s "$T/body" "$BERT/v2/model.safetensors"' "GET LFS following the redirect: same bytes"
is "$(hdr etag)" "\"$S\"" "the CDN answers with the sha256 ETag"
loc=$(curl -s -o /dev/null -w '%{redirect_url}' "$HUB_URL/tiny-org/tiny-bert/resolve/main/model.safetensors")
req -H 'Authorization: Bearer hf_test_token' "$loc"
is "$code" 400 "the CDN rejects a request that carries Authorization"
req -L -H 'Authorization: Bearer hf_test_token' "$HUB_URL/gated-org/gated-model/resolve/main/model.safetensors"
ok '[ "$code" = 200 ] && cmp -s "$T/body" "$FX/models/gated-org/gated-model/commits/c1/model.safetensors"' \
	"curl -L with a token on a gated LFS file: curl drops Authorization cross-host, CDN serves it"
ok 'grep "/cdn/models/gated-org" "$HUB_LOG" | tail -1 | grep -q "\"auth\":false"' \
	"the request log records that the CDN request had no Authorization"
req "$HUB_URL/datasets/tiny-org/tiny-sst2/resolve/main/data/validation.csv"
ok '[ "$code" = 200 ] && cmp -s "$T/body" "$FX/datasets/tiny-org/tiny-sst2/commits/c1/data/validation.csv"' \
	"dataset resolve under /datasets/"
req "$HUB_URL/tiny-org/odd-names/resolve/main/docs/read%20me%20%C3%A9.txt"
ok '[ "$code" = 200 ] && cmp -s "$T/body" "$FX/models/tiny-org/odd-names/commits/c1/docs/read me é.txt"' \
	"percent-encoded space and non-ASCII file name"
req "$HUB_URL/tiny-org/odd-names/resolve/main/docs/a%2Bb%3Dc%26d.txt"
ok '[ "$code" = 200 ] && cmp -s "$T/body" "$FX/models/tiny-org/odd-names/commits/c1/docs/a+b=c&d.txt"' \
	"percent-encoded reserved characters in a file name"
req -I "$HUB_URL/tiny-org/old-tiny-bert/resolve/main/config.json"
is "$code $(hdr location)" "307 /tiny-org/tiny-bert/resolve/main/config.json" "renamed repo: relative 307 to the new name"

# ---- Range matrix ----------------------------------------------------------------------
F="$BERT/v2/tokenizer.json"
size=$(wc -c < "$F" | tr -d ' ')
R="$HUB_URL/tiny-org/tiny-bert/resolve/main/tokenizer.json"
req -H 'Range: bytes=0-0' "$R"
is "$code|$(hdr content-range)|$(wc -c < "$T/body" | tr -d ' ')" "206|bytes 0-0/$size|1" "Range bytes=0-0: 206 and Content-Range with the total"
req -H 'Range: bytes=100-' "$R"
ok '[ "$code" = 206 ] && tail -c +101 "$F" | cmp -s - "$T/body"' "Range bytes=N-"
req -H 'Range: bytes=-7' "$R"
ok '[ "$code" = 206 ] && tail -c 7 "$F" | cmp -s - "$T/body"' "suffix Range bytes=-7"
req -H "Range: bytes=$size-" "$R"
is "$code|$(hdr content-range)" "416|bytes */$size" "unsatisfiable Range: 416 with bytes */total"
req -L -H 'Range: bytes=8-15' "$HUB_URL/tiny-org/tiny-bert/resolve/main/model.safetensors"
ok '[ "$code" = 206 ] && head -c 16 "$BERT/v2/model.safetensors" | tail -c 8 | cmp -s - "$T/body"' \
	"Range through the CDN redirect"
req -H 'Range: bytes=0-0' "$HUB_URL/tiny-org/empty-file/resolve/main/pkg/__init__.py"
is "$code|$(hdr content-range)" "416|bytes */0" "Range on a zero-byte file: 416 bytes */0"

# ---- 4.3 errors -------------------------------------------------------------------------
req "$HUB_URL/api/models/private-org/secret"
is "$code|$(hdr x-error-code)|$(hdr x-error-message)|$(jf 'd["error"]')" \
	"401|RepoNotFound|Invalid username or password.|Repository not found" "private repo, no token: 401 RepoNotFound"
req -H 'Authorization: Bearer hf_unapproved_token' "$HUB_URL/api/models/private-org/secret"
is "$code|$(hdr x-error-code)" "404|RepoNotFound" "private repo, token without access: 404 RepoNotFound"
req -H 'Authorization: Bearer hf_test_token' "$HUB_URL/api/models/private-org/secret"
is "$code $(jf 'd["private"]')" "200 True" "private repo with hf_test_token"
req -I "$HUB_URL/no-org/no-repo/resolve/main/config.json"
is "$code|$(hdr x-error-code)" "401|RepoNotFound" "missing repo, no token: 401 RepoNotFound"
req -I -H 'Authorization: Bearer hf_test_token' "$HUB_URL/no-org/no-repo/resolve/main/config.json"
is "$code|$(hdr x-error-code)" "404|RepoNotFound" "missing repo with a token: 404 RepoNotFound"
req "$HUB_URL/api/models/gated-org/gated-model"
is "$code $(jf 'd["gated"]')" "200 manual" "gated repo: metadata is public"
req "$HUB_URL/gated-org/gated-model/resolve/main/config.json"
is "$code|$(hdr x-error-code)" "401|GatedRepo" "gated file, no token: 401 GatedRepo"
like "$(jf 'd["error"]')" '^Access to model gated-org/gated-model is restricted' "and the body says why"
req -H 'Authorization: Bearer hf_unapproved_token' "$HUB_URL/gated-org/gated-model/resolve/main/config.json"
is "$code|$(hdr x-error-code)" "403|GatedRepo" "gated file, token not approved: 403 GatedRepo"
like "$(hdr x-error-message)" 'not in the authorized list' "with X-Error-Message"
req -H 'Authorization: Bearer hf_test_token' "$HUB_URL/gated-org/gated-model/resolve/main/config.json"
is "$code" 200 "gated file with hf_test_token"
req -H 'Authorization: Bearer hf_bogus' "$HUB_URL/api/models/tiny-org/tiny-bert"
is "$code|$(hdr x-error-code)|$(hdr x-error-message)" "401||Invalid credentials in Authorization header" \
	"bad token: 401 without X-Error-Code"
req "$HUB_URL/tiny-org/tiny-bert/resolve/nope/config.json"
is "$code|$(hdr x-error-code)|$(jf 'd["error"]')" "404|RevisionNotFound|Invalid rev id: nope" "bad revision: 404 RevisionNotFound"
req -I "$HUB_URL/tiny-org/tiny-bert/resolve/main/nope.bin"
is "$code|$(hdr x-error-code)|$(hdr x-repo-commit)" "404|EntryNotFound|$MAIN" "missing file: 404 EntryNotFound with X-Repo-Commit"
req "$HUB_URL/api/models/tiny-org/disabled-model"
is "$code|$(hdr x-error-message)" "403|Access to this resource is disabled." "disabled repo: 403"
req -H 'X-Request-Id: abc-123' "$HUB_URL/api/models/tiny-org/tiny-bert"
is "$(hdr x-request-id)" "abc-123" "X-Request-Id is echoed"
ok 'grep -q "\"method\":\"HEAD\",\"path\":\"/tiny-org/tiny-bert/resolve/main/config.json\"" "$HUB_LOG"' \
	"--log records method and path"
ok 'grep -q "\"range\":\"bytes=0-0\"" "$HUB_LOG" && grep -q "\"auth\":true" "$HUB_LOG"' \
	"--log records Range and Authorization presence"
hub_stop

# ---- server modes ------------------------------------------------------------------------
if hub_start --regular-redirect --cdn other-port; then
	req -I "$HUB_URL/tiny-org/tiny-bert/resolve/main/config.json"
	is "$code $(hdr location | cut -d'?' -f1)" "307 /api/resolve-cache/models/tiny-org/tiny-bert/$MAIN/config.json" \
		"--regular-redirect: relative 307 to /api/resolve-cache/"
	req -I "$HUB_URL$(hdr location)"
	is "$code|$(hdr x-repo-commit)|$(hdr etag)" "200|$MAIN|\"$(gitsha "$BERT/v2/config.json")\"" \
		"the resolve-cache URL answers with the metadata"
	req -L "$HUB_URL/tiny-org/tiny-bert/resolve/main/config.json"
	ok 'cmp -s "$T/body" "$BERT/v2/config.json"' "GET following the 307: same bytes"
	req -I "$HUB_URL/tiny-org/tiny-bert/resolve/main/model.safetensors"
	like "$(hdr location)" "^http://127.0.0.1:$HUB_CDN_PORT/cdn/" "--cdn other-port: same host name, another port"
	ok '[ "$HUB_CDN_PORT" != "$HUB_PORT" ]' "and CDN_PORT differs from PORT"
	hub_stop
else
	skip "fake Hub with --regular-redirect did not start"
fi
if hub_start --cdn none; then
	req -I "$HUB_URL/tiny-org/tiny-bert/resolve/main/model.safetensors"
	is "$code|$(hdr x-linked-etag)|$(hdr etag)" "200|\"$S\"|\"$S\"" "--cdn none: LFS answered directly with X-Linked-Etag"
	hub_stop
fi

# ---- --rate and --cdn-expire: the same bytes, paced or cut (counted, not timed) -------------
M="$BERT/v2/model.safetensors"
msize=$(wc -c < "$M" | tr -d ' ')
if hub_start --rate 1000000; then
	req -L "$HUB_URL/tiny-org/tiny-bert/resolve/main/model.safetensors"
	ok '[ "$code" = 200 ] && cmp -s "$T/body" "$M"' "--rate: the whole file, byte for byte"
	req -L -H 'Range: bytes=1000-2999' "$HUB_URL/tiny-org/tiny-bert/resolve/main/model.safetensors"
	ok '[ "$code" = 206 ] && tail -c +1001 "$M" | head -c 2000 | cmp -s - "$T/body"' "--rate: a range, byte for byte"
	is "$(grep '"path":"/cdn/' "$HUB_LOG" | sed 's/.*"bytes":\([0-9]*\).*/\1/' | tr '\n' ' ')" \
		"$msize 2000 " "--log counts the body bytes sent"
	hub_stop
fi
if hub_start --cdn-expire 3000; then
	loc=$(curl -s -o /dev/null -w '%{redirect_url}' "$HUB_URL/tiny-org/tiny-bert/resolve/main/model.safetensors")
	curl -s -o "$T/part" "$loc"; rc=$?
	is "$rc $(wc -c < "$T/part" | tr -d ' ')" "18 3000" "--cdn-expire 3000: the body is cut at 3000 bytes"
	ok 'head -c 3000 "$M" | cmp -s - "$T/part"' "and those are the file's first bytes"
	req "$loc"
	is "$code" 403 "then the signed URL answers 403"
	req -H 'Range: bytes=3000-' "$(curl -s -o /dev/null -w '%{redirect_url}' "$HUB_URL/tiny-org/tiny-bert/resolve/main/model.safetensors")"
	ok '[ "$code" = 206 ] && tail -c +3001 "$M" | cmp -s - "$T/body"' "a fresh signature serves the rest"
	hub_stop
fi

# ---- faults -----------------------------------------------------------------------------
if hub_start --fault '*/config.json=500-then-ok:2' --fault '*/tokenizer.json=429' \
	--fault '*/model.safetensors=cut:1000' --fault '*/vocab.txt=wrong-bytes' \
	--fault '*/README.md=stall:10' --stall-seconds 0.2 \
	--fault '*/special_tokens_map.json=cut:5@1' --fault '*/tokenizer_config.json=ignore-range' \
	--retry-after 7; then
	B="$HUB_URL/tiny-org/tiny-bert/resolve/main"
	c1=$(curl -s -o /dev/null -w '%{http_code}' "$B/config.json")
	c2=$(curl -s -o /dev/null -w '%{http_code}' "$B/config.json")
	c3=$(curl -s -o /dev/null -w '%{http_code}' "$B/config.json")
	is "$c1 $c2 $c3" "500 500 200" "fault 500-then-ok:2"
	req "$B/tokenizer.json"
	is "$code|$(hdr retry-after)|$(hdr ratelimit)" '429|7|"resolvers";r=0;t=7' "fault 429 with Retry-After and RateLimit"
	ok '[ -n "$(hdr ratelimit-policy)" ]' "and RateLimit-Policy"
	curl -s -L -o "$T/part" "$B/model.safetensors"; rc=$?
	is "$rc $(wc -c < "$T/part" | tr -d ' ')" "18 1000" "fault cut:1000: the connection dies after byte 1000 (curl: partial file)"
	curl -s -L -H 'Range: bytes=1000-' -o "$T/rest" "$B/model.safetensors"
	cat "$T/part" "$T/rest" > "$T/whole"
	ok 'cmp -s "$T/whole" "$BERT/v2/model.safetensors"' "resuming with Range: bytes=1000- completes the file"
	req "$B/vocab.txt"
	ok '[ "$code" = 200 ] && [ "$(wc -c < "$T/body")" = "$(wc -c < "$BERT/v2/vocab.txt")" ] && ! cmp -s "$T/body" "$BERT/v2/vocab.txt"' \
		"fault wrong-bytes: same length, different bytes"
	curl -s -m 60 -o "$T/stalled" "$B/README.md"; rc=$?
	is "$rc $(wc -c < "$T/stalled" | tr -d ' ')" "18 10" "fault stall:10: 10 bytes, then nothing until the server gives up"
	curl -s -o "$T/s1" "$B/special_tokens_map.json"; r1=$?
	curl -s -o "$T/s2" "$B/special_tokens_map.json"; r2=$?
	ok '[ $r1 = 18 ] && [ $r2 = 0 ] && cmp -s "$T/s2" "$BERT/v2/special_tokens_map.json"' "fault cut:5@1: only the first request is cut"
	req -H 'Range: bytes=0-0' "$B/tokenizer_config.json"
	ok '[ "$code" = 200 ] && cmp -s "$T/body" "$BERT/v2/tokenizer_config.json"' "fault ignore-range: 200 with the whole file"
	ok 'grep -q "\"fault\":\"cut\"" "$HUB_LOG"' "--log names the fault applied"
	hub_stop
else
	skip "fake Hub with faults did not start"
fi

# ---- stdin and timeout ---------------------------------------------------------------
"$PYTHON3" "$top_srcdir/tests/helpers/hubserver.py" --timeout 0.5 --no-stdin > "$T/to.out" 2>&1
is "$? $(head -1 "$T/to.out" | cut -d' ' -f1)" "0 PORT" "--timeout: the server exits by itself"
"$PYTHON3" "$top_srcdir/tests/helpers/hubserver.py" < /dev/null > "$T/eof.out" 2>&1
is "$?" 0 "end of stdin stops the server"
run "$PYTHON3" "$top_srcdir/tests/helpers/hubserver.py" --fault 'x=explode'
is "$status" 2 "an unknown fault kind is a usage error"

# ---- (b) the official JavaScript client --------------------------------------------------
. "$top_srcdir/tests/helpers/hubjs.sh"
hubjs_install
js_ready=no
[ -n "$js_why" ] || js_ready=yes
JS="$top_srcdir/tests/helpers/hubjs-check.mjs"

# jscheck ARGS...: run hubjs-check.mjs, turn its lines into numbered TAP results
jscheck() {
	node "$JS" --modules "$HUBJS" --hub-url "$HUB_URL" "$@" > "$T/js.out" 2> "$T/js.err"
	jsrc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) _result 0 "js: ${line#ok - }" ;;
		"not ok - "*) _result 1 "js: ${line#not ok - }" ;;
		"# "*) case "$line" in "# got"*|"# want"*) ;; *) echo "#   $line" ;; esac ;;
		esac
	done < "$T/js.out"
	if [ $jsrc -eq 2 ]; then _result 1 "js: hubjs-check.mjs $*"; cat "$T/js.err" | sed 's/^/#   /'; fi
}

if [ $js_ready = yes ]; then
	version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$HUBJS/node_modules/@huggingface/hub/package.json")
	echo "# @huggingface/hub $version"
	if hub_start --page-size 2; then
		jscheck --repo tiny-org/tiny-bert --expected "$BERT/v2" --cache "$T/jscache"
		run "$PYTHON3" "$CHECK" "$T/jscache" --repo tiny-org/tiny-bert
		is "$status" 0 "hub-cache-check accepts the cache written by the JS snapshotDownload"
		jscheck --repo tiny-org/tiny-bert --revision v1.0 --expected "$BERT/v1"
		jscheck --repo tiny-org/tiny-bert --revision refs/pr/1 --expected "$BERT/pr1"
		jscheck --repo tiny-org/tiny-bert --revision "$V1" --expected "$BERT/v1" --checks list,snapshot
		jscheck --repo tiny-org/sharded --expected "$FX/models/tiny-org/sharded/commits/c1"
		jscheck --repo tiny-org/odd-names --expected "$FX/models/tiny-org/odd-names/commits/c1"
		jscheck --repo tiny-legacy --expected "$FX/models/tiny-legacy/commits/c1" --checks list,snapshot
		jscheck --type dataset --repo tiny-org/tiny-sst2 --expected "$FX/datasets/tiny-org/tiny-sst2/commits/c1"
		jscheck --repo gated-org/gated-model --token hf_test_token \
			--expected "$FX/models/gated-org/gated-model/commits/c1" --checks list,download,snapshot
		ok '! grep "/cdn/" "$HUB_LOG" | grep -q "\"auth\":true"' "js: the client never sent Authorization to the CDN host"
		jscheck --repo gated-org/gated-model --expect-status 401
		jscheck --repo gated-org/gated-model --token hf_unapproved_token --expect-status 403
		jscheck --repo private-org/secret --expect-status 401
		jscheck --repo private-org/secret --token hf_test_token \
			--expected "$FX/models/private-org/secret/commits/c1" --checks snapshot
		hub_stop
	fi
	if hub_start --regular-redirect --cdn other-port; then
		jscheck --repo tiny-org/tiny-bert --expected "$BERT/v2" --checks info,download,snapshot
		hub_stop
	fi
else
	skip "JavaScript client: $js_why"
fi

# ---- (c) hub-cache-check.py on hand-built caches ----------------------------------------
build_cache() { # build_cache DIR: tiny-bert main, laid out as huggingface_hub does
	r="$1/models--tiny-org--tiny-bert"
	mkdir -p "$r/blobs" "$r/refs" "$r/snapshots/$MAIN"
	printf '%s' "$MAIN" > "$r/refs/main"
	for f in $(cd "$BERT/v2" && ls); do
		case "$f" in *.safetensors) e=$(sha256 "$BERT/v2/$f") ;; *) e=$(gitsha "$BERT/v2/$f") ;; esac
		cp "$BERT/v2/$f" "$r/blobs/$e"
		ln -s "../../blobs/$e" "$r/snapshots/$MAIN/$f"
	done
}
build_cache "$T/c-good"
run "$PYTHON3" "$CHECK" "$T/c-good" --repo tiny-org/tiny-bert
is "$status" 0 "hub-cache-check: a correct hand-built cache passes"
like "$out" 'ok: 1 repo folder\(s\), 7 snapshot file\(s\)' "and says what it checked"
run "$PYTHON3" "$CHECK" "$T/c-good" --repo tiny-org/tiny-bert --revision v1.0
is "$status" 1 "hub-cache-check: a revision the cache lacks fails"
like "$err" 'refs/v1.0: missing \(expected '"$V1"'\)' "naming the ref and the expected commit"

build_cache "$T/c-abs"
p="$T/c-abs/models--tiny-org--tiny-bert/snapshots/$MAIN/config.json"
t=$(readlink -f "$p"); rm "$p"; ln -s "$t" "$p"
run "$PYTHON3" "$CHECK" "$T/c-abs"
is "$status" 1 "hub-cache-check: an absolute symlink fails"
like "$err" "snapshots/$MAIN/config.json: absolute symlink" "with a clear message"

build_cache "$T/c-nl"
echo "$MAIN" > "$T/c-nl/models--tiny-org--tiny-bert/refs/main"
run "$PYTHON3" "$CHECK" "$T/c-nl"
is "$status" 1 "hub-cache-check: a ref with a trailing newline fails"
like "$err" 'refs/main: ref ends with a newline' "with a clear message"

build_cache "$T/c-miss"
rm "$T/c-miss/models--tiny-org--tiny-bert/blobs/$S"
run "$PYTHON3" "$CHECK" "$T/c-miss"
is "$status" 1 "hub-cache-check: a missing blob fails"
like "$err" "model.safetensors: missing blob '$S'" "with a clear message"

build_cache "$T/c-bad"
b="$T/c-bad/models--tiny-org--tiny-bert/blobs/$(gitsha "$BERT/v2/vocab.txt")"
chmod u+w "$b"; printf 'x' >> "$b"
run "$PYTHON3" "$CHECK" "$T/c-bad" --repo tiny-org/tiny-bert
is "$status" 1 "hub-cache-check: a corrupt blob fails"
like "$err" 'content does not match its name \(git blob sha1\)' "naming the hash rule"
like "$err" 'vocab.txt: bytes differ from the fixture' "and the file that no longer matches the fixture"

build_cache "$T/c-etag"
r="$T/c-etag/models--tiny-org--tiny-bert"
g=$(gitsha "$BERT/v2/model.safetensors")
mv "$r/blobs/$S" "$r/blobs/$g"
rm "$r/snapshots/$MAIN/model.safetensors"; ln -s "../../blobs/$g" "$r/snapshots/$MAIN/model.safetensors"
run "$PYTHON3" "$CHECK" "$T/c-etag" --repo tiny-org/tiny-bert
is "$status" 1 "hub-cache-check: an LFS file stored under its git sha1 fails"
like "$err" "points to blob $g, expected $S \(sha256 \(LFS\)\)" "explaining the etag rule"

build_cache "$T/c-include"
rm "$T/c-include/models--tiny-org--tiny-bert/snapshots/$MAIN/model.safetensors"
run "$PYTHON3" "$CHECK" "$T/c-include" --repo tiny-org/tiny-bert --exclude '*.safetensors'
is "$status" 0 "hub-cache-check: --exclude narrows the expected files like ignore_patterns"

finish
