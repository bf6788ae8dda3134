#!/bin/sh
# bench/serve.sh: one published tree served three ways, side by side, under
# the same wrk load on 127.0.0.1:
#   airlock  `airlock serve`
#   gen      nginx on the configuration `airlock serve --nginx-conf` prints
#   static   nginx's plain static configuration over the same tree (root,
#            autoindex off, sendfile and tcp_nopush, the same workers and
#            worker_connections, the access log on as in the generated one)
# Workloads: a project page as PEP 503 HTML and as PEP 691 JSON (by Accept;
# static nginx gets the file's own name), a 14 MiB wheel, and a Hub resolve
# of a large model file (static nginx gets the blob's path), each at 256 and
# 1,000 connections. Per cell: requests/s, MiB/s, wrk's p99 latency and the
# errors (socket errors and non-2xx answers); the median of RUNS runs, the
# servers alternating within each run.
# Targets: gen within 10% of static (>= 0.90), airlock at least as fast as
# the faster nginx on pages (req/s) and files (MiB/s), no errors.
#
#   usage: [RUNS=3] bench/serve.sh [BUILDDIR] [SECONDS] [SIZE_MIB]
#
# BUILDDIR holds the built airlock and tests/unit/bundle-put (default: the
# source tree; a build without sanitizers is what to measure). SECONDS per
# wrk run (default 8), SIZE_MIB the model file (default 64). wrk and nginx
# are Debian packages; the script installs the missing ones with apt-get
# (scripts/install-deps --bench does the same). Both nginx run as children
# of this script with their own prefix, pid file, logs and temporary
# folders under the scratch directory; airlock serve runs with
# --max-per-client 0, as every connection comes from 127.0.0.1 (as all of a
# load balancer's would).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top}" && pwd)
secs=${2:-8}
size=${3:-64}
runs=${RUNS:-3}
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
# wrk, nginx and airlock each hold one descriptor per connection
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 4096 ] || ulimit -n 4096 2>/dev/null ||
	echo "bench: ulimit -n is $(ulimit -n): 1,000 connections may fail" >&2

work=$(mktemp -d "${TMPDIR:-/var/tmp}/airlock-bench-serve.XXXXXX")
chmod 755 "$work" # nginx's workers run as another user when not root
apid="" gpid="" spid=""
cleanup() {
	for p in $apid $gpid $spid; do kill "$p" 2>/dev/null || true; done
	for p in $apid $gpid $spid; do wait "$p" 2>/dev/null || true; done
	chmod -R u+w "$work" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# waitfor PORT PATH: until the server at PORT answers PATH
waitfor() {
	_i=0
	until curl -s -o /dev/null "http://127.0.0.1:$1$2" || [ $_i -ge 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
}

# ---- the published tree ---------------------------------------------------------------------
mkdir -p "$work/w"
python3 "$top/tests/helpers/mkwheel.py" "$work/w" alpha 1.0 py3-none-any >/dev/null
# a 14 MiB wheel (a stored, incompressible payload), as large as many binary wheels
python3 - "$work/w/bigwheel-1.0-py3-none-any.whl" <<'PY'
import base64, hashlib, os, sys, zipfile
info = "bigwheel-1.0.dist-info"
files = {"bigwheel/__init__.py": b'__version__ = "1.0"\n',
         "bigwheel/payload.bin": os.urandom(14 * 1024 * 1024 - 1024),
         info + "/METADATA": b"Metadata-Version: 2.1\nName: bigwheel\nVersion: 1.0\n\n",
         info + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
rec = ["%s,sha256=%s,%d" % (p, base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode(), len(d))
       for p, d in files.items()] + [info + "/RECORD,,"]
files[info + "/RECORD"] = ("\n".join(rec) + "\n").encode()
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED) as z:
    for p, d in files.items():
        zi = zipfile.ZipInfo(p, date_time=(2020, 1, 1, 0, 0, 0))
        zi.external_attr = 0o644 << 16
        z.writestr(zi, d)
PY
wsize=$(stat -c %s "$work/w/bigwheel-1.0-py3-none-any.whl")
head -c "$((size * 1024 * 1024))" /dev/urandom > "$work/big.bin"
blob=$(sha256sum "$work/big.bin" | cut -d' ' -f1)
cat > "$work/lock.json" <<JSON
{"version": 1, "bundle": "bench", "manifest_sha256": null,
 "targets": [{"name": "cp311-manylinux_2_28_x86_64", "python_version": "3.11", "implementation": "cp",
   "platforms": ["manylinux_2_28_x86_64"],
   "distributions": [{"name": "alpha", "version": "1.0", "filename": "alpha-1.0-py3-none-any.whl",
     "url": "http://x/", "source": "$work/w/alpha-1.0-py3-none-any.whl", "required_by": ["-"]},
     {"name": "bigwheel", "version": "1.0", "filename": "bigwheel-1.0-py3-none-any.whl",
     "url": "http://x/", "source": "$work/w/bigwheel-1.0-py3-none-any.whl", "required_by": ["-"]}]}],
 "repos": [{"type": "model", "repo": "bench-org/big", "revision": "main",
   "commit": "0123456789abcdef0123456789abcdef01234567",
   "files": [{"path": "model.bin", "source": "$work/big.bin", "lfs": true}]}]}
JSON
"$build/tests/unit/bundle-put" "$work/store" "$work/lock.json" >/dev/null
AIRLOCK_STORE="$work/store" "$build/airlock" publish -o "$work/pub" >/dev/null
rm -f "$work/big.bin" "$work/w/bigwheel-1.0-py3-none-any.whl"
chmod -R a+rX "$work/.pub.airlock" "$work/store"

# ---- the servers ----------------------------------------------------------------------------
"$build/airlock" serve --root "$work/pub" --listen 127.0.0.1:0 --threads "$threads" \
	--max-connections 4096 --max-per-client 0 2>"$work/airlock.err" &
apid=$!
aport=""
i=0
while [ -z "$aport" ] && [ $i -lt 100 ]; do
	aport=$(sed -n 's|^serving .* on http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$work/airlock.err")
	[ -n "$aport" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$aport" ] || { cat "$work/airlock.err" >&2; exit 1; }

# as root nginx's workers would switch to a user that cannot read $work
g="daemon off;"
[ "$(id -u)" != 0 ] || g="$g user root;"
gport=$(freeport)
mkdir -p "$work/gen"
"$build/airlock" serve --root "$work/pub" --listen "127.0.0.1:$gport" --nginx-conf > "$work/gen.conf"
"$NGINX" -p "$work/gen/" -c "$work/gen.conf" -e stderr -g "$g" 2>"$work/gen/stderr" &
gpid=$!

sport=$(freeport)
mkdir -p "$work/static"
cat > "$work/static.conf" <<CONF
worker_processes auto;
pid nginx.pid;
error_log error.log;
events { worker_connections 4096; }
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log access.log;
	sendfile on;
	tcp_nopush on;
	client_body_temp_path client_body_temp;
	proxy_temp_path proxy_temp;
	fastcgi_temp_path fastcgi_temp;
	uwsgi_temp_path uwsgi_temp;
	scgi_temp_path scgi_temp;
	server {
		listen 127.0.0.1:$sport;
		root $work/pub;
		autoindex off;
	}
}
CONF
"$NGINX" -p "$work/static/" -c "$work/static.conf" -e stderr -g "$g" 2>"$work/static/stderr" &
spid=$!
waitfor "$gport" /healthz
waitfor "$sport" /simple/alpha/

ACCEPT='Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'
HTML=/simple/alpha/
WHEEL=/wheels/bigwheel-1.0-py3-none-any.whl
RESOLVE=/bench-org/big/resolve/main/model.bin
BLOB=/hf/hub/models--bench-org--big/blobs/$blob
# url SERVER WORKLOAD: the port and path of a workload on a server
url() {
	case $1 in airlock) _port=$aport ;; gen) _port=$gport ;; *) _port=$sport ;; esac
	case $2:$1 in
	json:static) _path=/simple/alpha/index.v1_json ;;
	html:* | json:*) _path=$HTML ;;
	wheel:*) _path=$WHEEL ;;
	resolve:static) _path=$BLOB ;;
	resolve:*) _path=$RESOLVE ;;
	esac
	echo "http://127.0.0.1:$_port$_path"
}
# each server answers each workload as expected before anything is measured
for s in airlock gen static; do
	ct=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' -H "$ACCEPT" "$(url $s json)")
	case $s:$ct in *:"200 application/vnd.pypi.simple.v1+json" | static:"200 "*) ;;
	*) echo "$s: the JSON page is '$ct'" >&2; exit 1 ;; esac
	ct=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$(url $s html)")
	case $ct in "200 text/html"*) ;; *) echo "$s: the HTML page is '$ct'" >&2; exit 1 ;; esac
	n=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$(url $s wheel)")
	[ "$n" = "200 $wsize" ] || { echo "$s: the wheel is '$n'" >&2; exit 1; }
	n=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$(url $s resolve)")
	[ "$n" = "200 $((size * 1024 * 1024))" ] || { echo "$s: the resolve is '$n'" >&2; exit 1; }
done
h=$(curl -s -D - -o /dev/null "$(url gen resolve)" | tr -d '\r')
case $h in *"X-Repo-Commit: 0123456789abcdef"*"X-Linked-Etag: \"$blob\""*) ;;
*) echo "gen: the resolve lacks the Hub's headers:" >&2; echo "$h" >&2; exit 1 ;; esac

# ---- wrk ------------------------------------------------------------------------------------
# measure SERVER WORKLOAD CONNS: appends "server workload conns rps mibps p99ms errors"
measure() {
	_s=$1 _w=$2 _c=$3
	shift 3
	[ "$_w" != json ] || set -- -H "$ACCEPT"
	wrk -t "$threads" -c "$_c" -d "${secs}s" --latency --timeout 60s "$@" "$(url "$_s" "$_w")" \
		> "$work/wrk.out" 2>&1 || true
	awk -v s="$_s" -v w="$_w" -v c="$_c" '
		function ms(v) { u = v; sub(/^[0-9.]+/, "", u); v += 0
			return u == "us" ? v / 1000 : u == "s" ? v * 1000 : u == "m" ? v * 60000 : v }
		function mib(v) { u = v; sub(/^[0-9.]+/, "", u); v += 0
			return u == "GB" ? v * 1024 : u == "KB" ? v / 1024 : u == "B" ? v / 1048576 : v }
		/^Requests\/sec:/ { rps = $2 }
		/^Transfer\/sec:/ { mb = mib($2) }
		/^ +99%/ { p99 = ms($2) }
		/Socket errors/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
		/Non-2xx/ { err += $NF }
		END { e = err + 0; if (rps == "") { rps = 0; e = "failed" }
		      printf "%s %s %s %.0f %.1f %s %s\n", s, w, c, rps, mb + 0, p99 == "" ? "-" : sprintf("%.1f", p99), e }
	' "$work/wrk.out" >> "$work/results"
}

nver=$("$NGINX" -v 2>&1 | sed 's/.*\///')
echo "airlock serve, nginx $nver on the generated configuration (gen), nginx's plain static configuration (static)"
echo "wrk -t$threads -d${secs}s --latency, $runs runs (medians), $(nproc) cores, model file $size MiB"
echo "load before: $(uptime | sed 's/.*load average: //')"
: > "$work/results"
r=1
while [ $r -le "$runs" ]; do
	for w in html json wheel resolve; do
		for c in 256 1000; do
			# alternate the order run by run
			case $r in 2) order="gen static airlock" ;; 3) order="static airlock gen" ;; *) order="airlock gen static" ;; esac
			for s in $order; do measure "$s" "$w" "$c"; done
		done
	done
	r=$((r + 1))
done
echo "load after:  $(uptime | sed 's/.*load average: //')"

# medians per cell; errors summed over the runs
awk '
	function median(list,   n, a, i, j, t) { n = split(list, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	{ k = $2 " " $3 " " $1; rps[k] = rps[k] " " $4; mb[k] = mb[k] " " $5; p[k] = p[k] " " $6
	  if ($7 == "failed") fail[k] = 1; else err[k] += $7 }
	END {
		printf "%-8s %5s %-8s %10s %9s %10s %7s\n", "workload", "conns", "server", "req/s", "MiB/s", "p99 ms", "errors"
		nw = split("html json wheel resolve", W, " "); split("256 1000", C, " "); split("airlock gen static", S, " ")
		for (i = 1; i <= nw; i++) for (j = 1; j <= 2; j++) {
			for (l = 1; l <= 3; l++) {
				k = W[i] " " C[j] " " S[l]
				R[k] = median(rps[k]); M[k] = median(mb[k])
				printf "%-8s %5s %-8s %10.0f %9.1f %10s %7s\n", W[i], C[j], S[l], R[k], M[k], median(p[k]), fail[k] ? "failed" : err[k]
				if (fail[k] || err[k] > 0) bad = 1
			}
		}
		print "ratios (medians; pages by req/s, files by MiB/s):"
		printf "%-8s %5s %14s %16s\n", "workload", "conns", "gen/static", "airlock/nginx"
		for (i = 1; i <= nw; i++) for (j = 1; j <= 2; j++) {
			a = W[i] " " C[j] " airlock"; g = W[i] " " C[j] " gen"; s = W[i] " " C[j] " static"
			v = (W[i] == "html" || W[i] == "json") ? "R" : "M"
			av = v == "R" ? R[a] : M[a]; gv = v == "R" ? R[g] : M[g]; sv = v == "R" ? R[s] : M[s]
			best = (gv > sv) ? gv : sv
			gr = (sv > 0) ? gv / sv : 0
			ar = (best > 0) ? av / best : 0
			printf "%-8s %5s %8.2f %-5s %8.2f %-5s\n", W[i], C[j], gr, (gr >= 0.9) ? "ok" : "MISS", ar, (ar >= 1) ? "ok" : "MISS"
		}
		printf "targets: gen/static >= 0.90; airlock >= the faster nginx (1.00); errors: %s\n", bad ? "SOME (see above)" : "none"
	}' "$work/results"
