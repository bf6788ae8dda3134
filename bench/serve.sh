#!/bin/sh
# bench/serve.sh: `airlock serve` against nginx serving the same published
# tree (nginx with bandersnatch's Accept map for /simple/), side by side,
# with wrk on 127.0.0.1: requests/s on a PEP 691 project page, and
# throughput on a large file, both at 256 connections. Prints the ratios.
# Targets: pages >= 0.5 of nginx, large files >= 0.8 of nginx, no errors.
#
#   usage: bench/serve.sh [BUILDDIR] [SECONDS] [SIZE_MIB]
#
# BUILDDIR holds the built airlock and tests/unit/bundle-put (default: the
# source tree). wrk and nginx are Debian packages; the script installs the
# missing ones with apt-get (scripts/install-deps --bench does the same).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top}" && pwd)
secs=${2:-10}
size=${3:-256}
conns=256
threads=$(nproc)

need=""
command -v wrk >/dev/null 2>&1 || need="$need wrk"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need="$need nginx"
if [ -n "$need" ]; then
	echo "installing$need" >&2
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >&2
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$build/airlock" ] && [ -x "$build/tests/unit/bundle-put" ] ||
	make -C "$build" airlock tests/unit/bundle-put >/dev/null

work=$(mktemp -d "${TMPDIR:-/var/tmp}/airlock-bench-serve.XXXXXX")
chmod 755 "$work" # nginx's workers run as another user
apid="" npid=""
cleanup() {
	[ -z "$apid" ] || kill "$apid" 2>/dev/null || true
	[ -z "$npid" ] || kill "$npid" 2>/dev/null || true
	[ -z "$apid" ] || wait "$apid" 2>/dev/null || true
	chmod -R u+w "$work" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# ---- the published tree ---------------------------------------------------------------------
mkdir -p "$work/w"
python3 "$top/tests/helpers/mkwheel.py" "$work/w" alpha 1.0 py3-none-any >/dev/null
head -c "$((size * 1024 * 1024))" /dev/urandom > "$work/big.bin"
cat > "$work/lock.json" <<JSON
{"version": 1, "bundle": "bench", "manifest_sha256": null,
 "targets": [{"name": "cp311-manylinux_2_28_x86_64", "python_version": "3.11", "implementation": "cp",
   "platforms": ["manylinux_2_28_x86_64"],
   "distributions": [{"name": "alpha", "version": "1.0", "filename": "alpha-1.0-py3-none-any.whl",
     "url": "http://x/", "source": "$work/w/alpha-1.0-py3-none-any.whl", "required_by": ["-"]}]}],
 "repos": [{"type": "model", "repo": "bench-org/big", "revision": "main",
   "commit": "0123456789abcdef0123456789abcdef01234567",
   "files": [{"path": "model.bin", "source": "$work/big.bin", "lfs": true}]}]}
JSON
"$build/tests/unit/bundle-put" "$work/store" "$work/lock.json" >/dev/null
AIRLOCK_STORE="$work/store" "$build/airlock" publish -o "$work/pub" >/dev/null
rm -f "$work/big.bin"
chmod -R a+rX "$work/.pub.airlock" "$work/store"

# ---- the servers ----------------------------------------------------------------------------
"$build/airlock" serve --root "$work/pub" --listen 127.0.0.1:0 --threads "$threads" \
	--max-connections 4096 2>"$work/airlock.err" &
apid=$!
aport=""
i=0
while [ -z "$aport" ] && [ $i -lt 100 ]; do
	aport=$(sed -n 's|^serving .* on http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$work/airlock.err")
	[ -n "$aport" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$aport" ] || { cat "$work/airlock.err" >&2; exit 1; }

nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx"
cat > "$work/nginx.conf" <<CONF
daemon off;
worker_processes $threads;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $work/nginx/body;
	proxy_temp_path $work/nginx/proxy;
	fastcgi_temp_path $work/nginx/fastcgi;
	uwsgi_temp_path $work/nginx/uwsgi;
	scgi_temp_path $work/nginx/scgi;
	default_type application/octet-stream;
	# bandersnatch's negotiation (src/banderx/nginx.conf), for airlock's file names
	map \$http_accept \$mirror_suffix {
		default ".html";
		"~*application/vnd\\.pypi\\.simple\\.v1\\+json" ".v1_json";
		"~*application/vnd\\.pypi\\.simple\\.v1\\+html" ".html";
		"~*text/html" ".html";
	}
	server {
		listen 127.0.0.1:$nport;
		root $work/pub;
		location /simple/ {
			types { application/vnd.pypi.simple.v1+json v1_json; text/html html; }
			add_header Vary Accept;
			try_files \$uri/index\$mirror_suffix \$uri =404;
		}
	}
}
CONF
"$NGINX" -c "$work/nginx.conf" -p "$work/nginx" 2>"$work/nginx/stderr" &
npid=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$nport/simple/alpha/" || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done

ACCEPT='Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'
page=/simple/alpha/
file=/models/bench-org/big/model.bin
for p in "$aport" "$nport"; do
	ct=$(curl -s -o /dev/null -w '%{content_type}' -H "$ACCEPT" "http://127.0.0.1:$p$page")
	[ "$ct" = "application/vnd.pypi.simple.v1+json" ] || { echo "port $p: $page is '$ct'" >&2; exit 1; }
	n=$(curl -s -o /dev/null -w '%{size_download}' "http://127.0.0.1:$p$file")
	[ "$n" -eq $((size * 1024 * 1024)) ] || { echo "port $p: $file is $n bytes" >&2; exit 1; }
done

# ---- wrk ------------------------------------------------------------------------------------
# run NAME PORT PATH [wrk args]: sets $rps, $mbps and $errors from wrk's summary
run() {
	name=$1 port=$2 path=$3
	shift 3
	wrk -t "$threads" -c "$conns" -d "${secs}s" "$@" "http://127.0.0.1:$port$path" > "$work/wrk.out" 2>&1
	rps=$(sed -n 's/^Requests\/sec: *//p' "$work/wrk.out")
	mbps=$(sed -n 's/^Transfer\/sec: *//p' "$work/wrk.out" |
		awk '{v=$1+0; u=$1; sub(/^[0-9.]+/, "", u);
		      if (u=="GB") v*=1024; else if (u=="KB") v/=1024; else if (u=="B") v/=1048576;
		      printf "%.1f", v}')
	errors=$(awk '/Socket errors/ {gsub(",", ""); n+=$4+$6+$8+$10} /Non-2xx/ {n+=$NF}
		END {print n+0}' "$work/wrk.out")
	printf '  %-8s %-28s %12s req/s %10s MiB/s  errors %s\n' "$name" "$path" "$rps" "$mbps" "$errors"
}

echo "airlock serve vs nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'): wrk -t$threads -c$conns -d${secs}s, $(nproc) cores"
echo "project page ($page, PEP 691 JSON by Accept):"
run airlock "$aport" "$page" -H "$ACCEPT"
a_rps=$rps a_err=$errors
run nginx "$nport" "$page" -H "$ACCEPT"
n_rps=$rps n_err=$errors
echo "large file ($size MiB, sendfile):"
run airlock "$aport" "$file" --timeout 120s
a_mb=$mbps a_err2=$errors
run nginx "$nport" "$file" --timeout 120s
n_mb=$mbps n_err2=$errors

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r != "n/a" && r >= t) ? "ok" : "MISSED" }'; }
pr=$(ratio "$a_rps" "$n_rps")
fr=$(ratio "$a_mb" "$n_mb")
echo "ratios (airlock / nginx):"
printf '  pages       %s  (target >= 0.50: %s)\n' "$pr" "$(verdict "$pr" 0.5)"
printf '  large file  %s  (target >= 0.80: %s)\n' "$fr" "$(verdict "$fr" 0.8)"
printf '  errors      airlock %s, nginx %s  (target: 0)\n' "$((a_err + a_err2))" "$((n_err + n_err2))"
