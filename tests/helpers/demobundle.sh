# tests/helpers/demobundle.sh: a small bundle recorded straight from local
# files, without an index or a Hub, for the tests of publish and serve.
# Source it after tests/cli/lib.sh.
#
#   demo_bundle    writes the wheels alpha 1.0 (Requires-Dist beta>=2; the lock
#                  says Requires-Python >=3.8), beta 2.1 and Gamma_Ray 0.5 into
#                  $T/w, the files of the model tiny-org/tiny-model (config.json,
#                  a 300000-byte model.safetensors stored in LFS, and
#                  "sub/read me é.txt") into $T/repo, their lock as
#                  $T/lock.json, and records it in $AIRLOCK_STORE with
#                  tests/unit/bundle-put (one TAP line). Sets DEMO_COMMIT.
#                  Bails out when the bundle cannot be recorded.

demo_bundle() {
	DEMO_COMMIT=0123456789abcdef0123456789abcdef01234567
	mkdir -p "$T/w" "$T/repo/sub"
	"$PYTHON3" "$top_srcdir/tests/helpers/mkwheel.py" "$T/w" alpha 1.0 py3-none-any "beta>=2" >/dev/null
	"$PYTHON3" "$top_srcdir/tests/helpers/mkwheel.py" "$T/w" beta 2.1 py3-none-any >/dev/null
	"$PYTHON3" "$top_srcdir/tests/helpers/mkwheel.py" "$T/w" Gamma_Ray 0.5 py3-none-any >/dev/null
	printf '{"hidden_size": 8}\n' > "$T/repo/config.json"
	head -c 300000 /dev/urandom > "$T/repo/model.safetensors"
	printf 'hello\n' > "$T/repo/sub/read me é.txt"
	cat > "$T/lock.json" <<JSON
{"version": 1, "bundle": "demo", "manifest_sha256": null,
 "targets": [{"name": "cp311-manylinux_2_28_x86_64", "python_version": "3.11", "implementation": "cp",
   "platforms": ["manylinux_2_28_x86_64"],
   "distributions": [
    {"name": "alpha", "version": "1.0", "filename": "alpha-1.0-py3-none-any.whl", "url": "http://x/",
     "source": "$T/w/alpha-1.0-py3-none-any.whl", "requires_python": ">=3.8", "required_by": ["-"]},
    {"name": "beta", "version": "2.1", "filename": "beta-2.1-py3-none-any.whl", "url": "http://x/",
     "source": "$T/w/beta-2.1-py3-none-any.whl", "required_by": ["alpha"]},
    {"name": "gamma-ray", "version": "0.5", "filename": "Gamma_Ray-0.5-py3-none-any.whl", "url": "http://x/",
     "source": "$T/w/Gamma_Ray-0.5-py3-none-any.whl", "required_by": ["-"]}]}],
 "repos": [{"type": "model", "repo": "tiny-org/tiny-model", "revision": "main", "commit": "$DEMO_COMMIT",
   "files": [{"path": "config.json", "source": "$T/repo/config.json", "lfs": false},
             {"path": "model.safetensors", "source": "$T/repo/model.safetensors", "lfs": true},
             {"path": "sub/read me é.txt", "source": "$T/repo/sub/read me é.txt", "lfs": false}]}]}
JSON
	run "$top_builddir/tests/unit/bundle-put" "$AIRLOCK_STORE" "$T/lock.json"
	is "$status" 0 "a bundle recorded from local files"
	[ "$status" -eq 0 ] || { echo "# $err"; finish; exit 1; }
}
