#!/bin/sh
# bench/lock-multi.sh: a PyTorch-shaped bundle for six targets. About 30
# projects from a primary fixture index, torch/torchvision/torchaudio with
# CUDA local versions (2.3.0+cu121, +cpu) from a second one (a named index,
# explicit, the three projects pinned to it: pip gets it as
# --extra-index-url), two projects with 2,000 versions, 20 ms of latency
# per request; both indexes send Cache-Control: max-age=600 and an ETag,
# as PyPI does. `airlock lock` (all six targets at once, cold, then a warm
# relock, which sends no request, then lock --refresh, which revalidates
# every page) against `pip install --dry-run --report` once per target
# (--platform, --python-version, --implementation, --abi, --only-binary
# :all:). Median of RUNS (default 3) alternating runs, time and peak RSS.
# Targets: the six-target lock faster than one pip target; the warm relock
# under 0.2 s.
#
# pip evaluates environment markers on the machine it runs on, not for the
# target (docs/reports/bench.md), so the nvidia-* and triton projects, which torch
# requires on Linux x86_64 only, ship wheels for every platform here: pip
# resolves every target without failing, and pulls them in everywhere.
. "$(dirname "$0")/common.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"
LAT=${LATENCY_MS:-20}
: "${INDEXSERVER_TIMEOUT:=3600}" # the runs outlast the servers' default watchdog
export INDEXSERVER_TIMEOUT
RUNS=${RUNS:-3}

"$PYTHON3" - "$T/pypi" "$T/pytorch" <<'PY'
import base64, hashlib, os, sys, zipfile

PLATS = ["manylinux_2_17_x86_64.manylinux2014_x86_64", "manylinux_2_17_aarch64.manylinux2014_aarch64",
         "macosx_11_0_arm64", "win_amd64"]
LINUX_X86 = 'platform_system == "Linux" and platform_machine == "x86_64"'

def wheel(out, name, version, tag="py3-none-any", requires=()):
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    files = {
        f"{dist}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{info}/METADATA": ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s\n" % (
            name, version, "".join(f"Requires-Dist: {r}\n" for r in requires))).encode(),
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: lock-multi\nRoot-Is-Purelib: true\nTag: {tag}\n".encode(),
    }
    rec = []
    for p, d in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
        rec.append(f"{p},sha256={h},{len(d)}")
    rec.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(rec) + "\n").encode()
    with zipfile.ZipFile(os.path.join(out, f"{dist}-{version}-{tag}.whl"), "w") as z:
        for p, d in files.items():
            z.writestr(zipfile.ZipInfo(p, date_time=(2020, 1, 1, 0, 0, 0)), d)

def native(out, name, version, requires=(), pys=("cp311", "cp312"), plats=PLATS):
    for py in pys:
        for plat in plats:
            wheel(out, name, version, f"{py}-{py}-{plat}", requires)

pypi, pt = sys.argv[1], sys.argv[2]
os.makedirs(pypi); os.makedirs(pt)
# two pages of 2,000 versions
for i in range(2000):
    wheel(pypi, "typing-extensions", f"4.{i // 100}.{i % 100}")
    wheel(pypi, "fsspec", f"{2020 + i // 100}.{i % 100 // 10 + 1}.{i % 10}")
for v in ["3.12.0", "3.13.1", "3.14.0"]: wheel(pypi, "filelock", v)
for v in ["1.3.0"]: wheel(pypi, "mpmath", v)
for v in ["1.12", "1.13.0"]: wheel(pypi, "sympy", v, requires=["mpmath>=1.1.0,<1.4"])
for v in ["3.2.1", "3.3"]: wheel(pypi, "networkx", v)
for v in ["2.1.5", "3.0.1"]: native(pypi, "markupsafe", v)
for v in ["3.1.3", "3.1.4"]: wheel(pypi, "jinja2", v, requires=["MarkupSafe>=2.0"])
for i in range(40): native(pypi, "numpy", f"1.{i // 4 + 17}.{i % 4}")
for i in range(20): native(pypi, "pillow", f"{i // 4 + 7}.{i % 4}.0")
for v in ["3.3.2", "3.4.0"]: native(pypi, "charset-normalizer", v)
for v in ["3.6", "3.7"]: wheel(pypi, "idna", v)
for v in ["2.2.1", "2.2.2"]: wheel(pypi, "urllib3", v)
for v in ["2024.2.2", "2024.6.2"]: wheel(pypi, "certifi", v)
for v in ["2.31.0", "2.32.3"]:
    wheel(pypi, "requests", v, requires=["charset-normalizer>=2,<4", "idna>=2.5,<4", "urllib3>=1.21.1,<3", "certifi>=2017.4.17"])
wheel(pypi, "colorama", "0.4.6")
for v in ["4.66.2", "4.66.4"]: wheel(pypi, "tqdm", v, requires=['colorama; platform_system == "Windows"'])
for v in ["23.2", "24.0", "24.1"]: wheel(pypi, "packaging", v)
for v in ["6.0.1"]: native(pypi, "pyyaml", v)
NV = ["nvidia-cuda-runtime-cu12", "nvidia-cublas-cu12", "nvidia-cudnn-cu12", "nvidia-nccl-cu12",
      "nvidia-cufft-cu12", "nvidia-cusparse-cu12", "nvidia-nvjitlink-cu12"]
for n in NV:
    req = ["nvidia-cublas-cu12"] if n == "nvidia-cudnn-cu12" else (["nvidia-nvjitlink-cu12"] if n == "nvidia-cusparse-cu12" else [])
    for v in ["12.1.105", "12.1.3.1"]:
        for plat in ["manylinux1_x86_64", "manylinux2014_aarch64", "macosx_11_0_arm64", "win_amd64"]:
            wheel(pypi, n, v, f"py3-none-{plat}", req)
for v in ["2.2.0", "2.3.0"]: native(pypi, "triton", v)
# the second index: CUDA local versions
for v in ["2.1.0", "2.2.0", "2.2.2", "2.3.0"]:
    deps = ["filelock", "typing-extensions>=4.8.0", "sympy", "networkx", "jinja2", "fsspec"]
    cuda = deps + [f"{n}; {LINUX_X86}" for n in NV] + [f'triton=={"2.3.0" if v == "2.3.0" else "2.2.0"}; {LINUX_X86} and python_version < "3.13"']
    for py in ("cp311", "cp312"):
        wheel(pt, "torch", f"{v}+cu121", f"{py}-{py}-manylinux_2_17_x86_64.manylinux2014_x86_64", cuda)
        wheel(pt, "torch", f"{v}+cu121", f"{py}-{py}-win_amd64", cuda)
        wheel(pt, "torch", f"{v}+cpu", f"{py}-{py}-manylinux_2_17_aarch64.manylinux2014_aarch64", deps)
        wheel(pt, "torch", f"{v}+cpu", f"{py}-{py}-manylinux_2_17_x86_64.manylinux2014_x86_64", deps)
        wheel(pt, "torch", v, f"{py}-none-macosx_11_0_arm64", deps)
for tv, v in [("0.17.2", "2.2.2"), ("0.18.0", "2.3.0")]:
    for local in ["+cu121", "+cpu", ""]:
        for py in ("cp311", "cp312"):
            for plat in PLATS:
                if (local == "+cu121") != (plat.startswith("manylinux_2_17_x86") or plat == "win_amd64") and local != "+cpu":
                    continue
                if local == "+cpu" and plat not in PLATS[:2]:
                    continue
                if local == "" and plat != "macosx_11_0_arm64":
                    continue
                wheel(pt, "torchvision", f"{tv}{local}", f"{py}-{py}-{plat}", ["numpy", f"torch=={v}", "pillow>=5.3.0,!=8.3.*"])
                wheel(pt, "torchaudio", f"{v}{local}", f"{py}-{py}-{plat}", [f"torch=={v}"])
PY

# both answer as PyPI does: Cache-Control max-age=600 and an ETag
CC="max-age=600, public"
indexserver_start --latency-ms "$LAT" --cache-control "$CC" --validators etag "$T/pypi"
PYPI_URL=$INDEX_URL PYPI_PID=$INDEX_PID
indexserver_start --latency-ms "$LAT" --cache-control "$CC" --validators etag "$T/pytorch"
PT_URL=$INDEX_URL
REQS="torch==2.3.0 torchvision==0.18.0 torchaudio==2.3.0 numpy pillow requests tqdm pyyaml packaging"
qreqs=$(printf '"%s", ' $REQS | sed 's/, $//')
# python-version platform: the six targets
TARGETS="3.11:manylinux_2_28_x86_64 3.12:manylinux_2_28_x86_64 3.11:manylinux_2_28_aarch64
3.11:macosx_11_0_arm64 3.11:win_amd64 3.12:win_amd64"
{
	echo "version: 1"
	echo "bundle: torch"
	echo "python:"
	echo "  index-url: $PYPI_URL/simple/"
	echo "  indexes: [{name: pytorch, url: $PT_URL/simple/, explicit: true}]"
	echo "  sources: {torch: {index: pytorch}, torchvision: {index: pytorch}, torchaudio: {index: pytorch}}"
	echo "  targets:"
	for t in $TARGETS; do
		echo "    - {python-version: \"${t%%:*}\", platforms: [${t#*:}]}"
	done
	echo "  requirements: [$qreqs]"
} > "$T/airlock.yaml"
"$PYTHON3" -m venv "$T/venv" >/dev/null
PIP="$T/venv/bin/pip"
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

i=0
: > "$T/air_cold" ; : > "$T/air_warm" ; : > "$T/air_reval" ; : > "$T/pip_one" ; : > "$T/pip_all"
while [ $i -lt "$RUNS" ]; do
	i=$((i + 1))
	AIRLOCK_STORE="$T/store.$i"
	export AIRLOCK_STORE
	rm -f "$T/airlock.lock"
	measure air_cold "$AIRLOCK" lock -f "$T/airlock.yaml"
	echo "$air_cold_s $air_cold_kb" >> "$T/air_cold"
	cp "$T/airlock.lock" "$T/cold.lock"
	measure air_warm "$AIRLOCK" lock -f "$T/airlock.yaml"
	echo "$air_warm_s $air_warm_kb" >> "$T/air_warm"
	measure air_reval "$AIRLOCK" lock --refresh -f "$T/airlock.yaml"
	echo "$air_reval_s $air_reval_kb" >> "$T/air_reval"
	cmp -s "$T/cold.lock" "$T/airlock.lock" || { echo "bench: the relocks changed the lock" >&2; exit 1; }
	total=0 maxkb=0 n=0
	for t in $TARGETS; do
		py=${t%%:*} plat=${t#*:} abi=cp$(echo "${t%%:*}" | tr -d .)
		# pip 23.2 does not expand manylinux_2_28 to the older manylinux tags
		# airlock (and a real interpreter) accept: name them
		pplat="--platform $plat"
		case $plat in
		manylinux_*_x86_64) pplat="$pplat --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64" ;;
		manylinux_*_aarch64) pplat="$pplat --platform manylinux_2_17_aarch64 --platform manylinux2014_aarch64" ;;
		esac
		n=$((n + 1))
		measure pip "$PIP" install --dry-run --ignore-installed --no-cache-dir --report "$T/pip.$n.json" --target "$T/ptarget.$n" \
			--only-binary :all: --python-version "$py" $pplat --implementation cp \
			--abi "$abi" --index-url "$PYPI_URL/simple/" --extra-index-url "$PT_URL/simple/" $REQS
		echo "$pip_s $pip_kb" >> "$T/pip_one"
		total=$(awk -v a="$total" -v b="$pip_s" 'BEGIN { print a + b }')
		[ "$pip_kb" -gt "$maxkb" ] && maxkb=$pip_kb
	done
	echo "$total $maxkb" >> "$T/pip_all"
done
ndist=$(grep -c 'filename:' "$T/airlock.lock")
a_s=$(cut -d' ' -f1 "$T/air_cold" | median); a_kb=$(cut -d' ' -f2 "$T/air_cold" | median)
w_s=$(cut -d' ' -f1 "$T/air_warm" | median); w_kb=$(cut -d' ' -f2 "$T/air_warm" | median)
r_s=$(cut -d' ' -f1 "$T/air_reval" | median); r_kb=$(cut -d' ' -f2 "$T/air_reval" | median)
p1_s=$(cut -d' ' -f1 "$T/pip_one" | median); p1_kb=$(cut -d' ' -f2 "$T/pip_one" | median)
p6_s=$(cut -d' ' -f1 "$T/pip_all" | median); p6_kb=$(cut -d' ' -f2 "$T/pip_all" | median)
pn=$("$PYTHON3" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["install"]))' "$T/pip.1.json")

echo "PyTorch-shaped bundle, 6 targets ($ndist pins in all; pip's first target: $pn), ${LAT} ms latency, median of $RUNS runs"
echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores):"
printf '  airlock lock, 6 targets, cold: %6.2f s %7d KiB RSS\n' "$a_s" "$a_kb"
printf '  airlock lock, warm relock:     %6.2f s %7d KiB RSS (target < 0.2 s; pages fresh: no request)\n' "$w_s" "$w_kb"
printf '  airlock lock --refresh:        %6.2f s %7d KiB RSS (every page revalidated: 304s)\n' "$r_s" "$r_kb"
printf '  pip, one target:               %6.2f s %7d KiB RSS (airlock 6 targets %sx faster; target > 1)\n' \
	"$p1_s" "$p1_kb" "$(ratio "$a_s" "$p1_s")"
printf '  pip, six targets one by one:   %6.2f s %7d KiB RSS (airlock %sx faster)\n' \
	"$p6_s" "$p6_kb" "$(ratio "$a_s" "$p6_s")"
