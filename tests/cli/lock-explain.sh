#!/bin/sh
# airlock lock against a fixture index: the packse resolver scenarios pin
# what the real pip pins, and "no solution" says why (the chain of
# requirements that conflict, the tags of wheels no target can use, the
# platform tag that would match, every version with -v).
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/helpers/indexserver.sh"

MKWHEEL="$PYTHON3 $top_srcdir/tests/helpers/mkwheel.py"
REPORT="$PYTHON3 $top_srcdir/scripts/pip-report.py"

# wheel DIR NAME VERSION [TAG] [REQUIRES...]
wheel() { $MKWHEEL "$@" >/dev/null || echo "# mkwheel failed: $*" >&2; }

# manifest FILE PLATFORM REQUIREMENT...: one CPython 3.11 target
manifest() {
	_f=$1 _p=$2
	shift 2
	_r=""
	for _q in "$@"; do _r="$_r${_r:+, }\"$_q\""; done
	cat > "$_f" <<YAML
version: 1
bundle: explain
python:
  index-url: $INDEX_URL/simple/
  targets: [{python-version: "3.11", platforms: [$_p]}]
  requirements: [$_r]
YAML
}

# pins LOCK: "name==version " for each distribution of its one target, sorted
pins() { "$PYTHON3" -c '
import sys, yaml
l = yaml.safe_load(open(sys.argv[1]))
print("".join(sorted("%s==%s " % (d["name"], d["version"]) for d in l["targets"][0]["distributions"])), end="")' "$@"; }

pip_ok=0
"$PYTHON3" -m pip --version >/dev/null 2>&1 && pip_ok=1

# ---- the packse scenarios, against the real pip -------------------------------
# (uv's test/scenarios: backtracking/wrong-backtracking-basic,
# prereleases/transitive-prerelease-after-decision and
# prereleases/transitive-prerelease-redundant-stable-preference-plain-first)
scenario() {
	sc_name=$1 sc_want=$2
	shift 2
	sc_dir=$T/$sc_name
	mkdir -p "$sc_dir/proj"
	indexserver_start "$sc_dir/wheels" || { ok false "$sc_name: index starts"; return; }
	manifest "$sc_dir/proj/airlock.yaml" manylinux_2_28_x86_64 "$@"
	run "$AIRLOCK" lock -f "$sc_dir/proj/airlock.yaml"
	is "$status" 0 "$sc_name: locks"
	is "$(pins "$sc_dir/proj/airlock.lock")" "$sc_want" "$sc_name: pins $sc_want"
	if [ $pip_ok = 1 ]; then
		run $REPORT --index-url "$INDEX_URL/simple/" --python-version 3.11 \
			--platform manylinux_2_28_x86_64 "$@"
		is "$(printf '%s\n' "$out" | tr '\n' ' ')" "$sc_want" "$sc_name: as the real pip does"
	else
		skip "pip is not installed"
	fi
	indexserver_stop
}

d=$T/wrong-backtracking-basic/wheels
mkdir -p "$d"
wheel "$d" pk-a 1.0.0; wheel "$d" pk-a 2.0.0; wheel "$d" pk-too-old 1.0.0
wheel "$d" pk-b 1.0.0 py3-none-any pk-too-old
for i in 0 1 2 3 4 5 6 7 8 9; do wheel "$d" pk-b 2.0.$i py3-none-any "pk-a==1.0.0"; done
scenario wrong-backtracking-basic "pk-a==1.0.0 pk-b==2.0.9 " pk-a pk-b

d=$T/transitive-prerelease-after-decision/wheels
mkdir -p "$d"
wheel "$d" pk-a 1.0.0 py3-none-any pk-c; wheel "$d" pk-b 1.0.0 py3-none-any pk-d
wheel "$d" pk-c 1.0.0; wheel "$d" pk-c 2.0.0a1; wheel "$d" pk-d 1.0.0 py3-none-any "pk-c>=2.0.0a1"
scenario transitive-prerelease-after-decision "pk-a==1.0.0 pk-b==1.0.0 pk-c==2.0.0a1 pk-d==1.0.0 " \
	pk-a pk-b

d=$T/redundant-stable-preference-plain-first/wheels
mkdir -p "$d"
wheel "$d" pk-a 1.0.0 py3-none-any "pk-c>=0.5a1"; wheel "$d" pk-c 1.0.0; wheel "$d" pk-c 2.0.0a1
scenario redundant-stable-preference-plain-first "pk-a==1.0.0 pk-c==1.0.0 " "pk-c>=1.0" pk-a

# ---- no solution, explained -----------------------------------------------------
d=$T/explain/wheels
mkdir -p "$d" "$T/explain/proj"
wheel "$d" ex-top 1.0 py3-none-any ex-x ex-y
wheel "$d" ex-x 1.0 py3-none-any "ex-z<2"
wheel "$d" ex-y 2.0 py3-none-any "ex-z>=2"
wheel "$d" ex-z 1.0; wheel "$d" ex-z 2.0
wheel "$d" ex-bystander 1.0
wheel "$d" ex-native 1.0 cp311-cp311-manylinux_2_17_x86_64
wheel "$d" ex-native 1.1 cp311-cp311-manylinux_2_17_x86_64
wheel "$d" ex-native 1.1 cp311-cp311-win_amd64
for i in 1 2 3 4 5 6 7 8 9 10 11; do wheel "$d" ex-new "$i.0" cp313-cp313-manylinux_2_17_x86_64; done
indexserver_start "$d" || ok false "index starts"
P=$T/explain/proj

manifest "$P/chain.yaml" manylinux_2_28_x86_64 ex-bystander ex-top
run "$AIRLOCK" lock -f "$P/chain.yaml" -o "$P/chain.lock"
is "$status" 3 "a conflict: lock fails"
like "$err" "no version of ex-z satisfies all of:" "it names the project that ran out of versions"
like "$err" "the manifest -> ex-top 1\.0 -> ex-x 1\.0 requires ex-z<2" "with the chain to each requirement"
like "$err" "the manifest -> ex-top 1\.0 -> ex-y 2\.0 requires ex-z>=2" "on both sides"
like "$err" "versions of ex-z: 2\.0 1\.0" "and its versions"
ok '! printf "%s" "$err" | grep -q bystander' "a project that has nothing to do with it is left out"
ok '[ ! -e "$P/chain.lock" ]' "no lock is written"

manifest "$P/plat.yaml" linux_x86_64 ex-native
run "$AIRLOCK" lock -f "$P/plat.yaml" -o "$P/plat.lock"
is "$status" 3 "a platform no wheel uses: lock fails"
like "$err" "skipped ex-native 1\.1: no wheel for this target \(wheels: cp311-cp311-manylinux_2_17_x86_64 cp311-cp311-win_amd64; nearest cp311-cp311-manylinux_2_17_x86_64, the target lacks its platform 'manylinux_2_17_x86_64'\)" \
	"each version says which wheels it has and what the target lacks"
like "$err" "hint: no wheel of ex-native is for target cp311-linux_x86_64's platform 'linux_x86_64'; its wheels would match with 'manylinux_2_17_x86_64' among them" \
	"and the platform tag that would match is suggested"
manifest "$P/plat2.yaml" manylinux_2_17_x86_64 ex-native
run "$AIRLOCK" lock -f "$P/plat2.yaml" -o "$P/plat2.lock"
is "$status" 0 "with that tag the target resolves"

manifest "$P/many.yaml" manylinux_2_28_x86_64 "ex-new>=1"
run "$AIRLOCK" lock -f "$P/many.yaml" -o "$P/many.lock"
is "$status" 3 "eleven versions without a wheel for the target: lock fails"
like "$err" "skipped ex-new 11\.0: no wheel for this target .*the target lacks its python tag 'cp313' and ABI 'cp313'" \
	"naming the python tag and ABI the target lacks"
like "$err" "3 more skipped; 'airlock lock -v' lists them all" "showing a few"
ok '! printf "%s" "$err" | grep -q "skipped ex-new 1\.0:"' "not every one"
run "$AIRLOCK" -v lock -f "$P/many.yaml" -o "$P/many.lock"
is "$status" 3 "lock -v fails the same way"
like "$err" "warning: cannot resolve" "and prints the whole explanation"
like "$err" "skipped ex-new 1\.0: no wheel for this target" "with every version"
indexserver_stop

finish
