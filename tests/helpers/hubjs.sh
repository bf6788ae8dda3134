# tests/helpers/hubjs.sh: the official JavaScript Hub client for shell tests.
# Source it after tests/cli/lib.sh.
#
#   hubjs_install   makes @huggingface/hub@^2 available in $HUBJS (default
#                   $HUBJS_MODULES, else $top_builddir/tests/hubjs), installing
#                   it with npm when it is missing. Sets js_why to why it is not
#                   available (empty when it is). Tests running at once
#                   (make -j) take turns through a lock file, so one npm
#                   install never reorganizes node_modules under another.

hubjs_install() {
	HUBJS="${HUBJS_MODULES:-$top_builddir/tests/hubjs}"
	js_why=""
	if [ -n "${AIRLOCK_SKIP_NPM:-}" ]; then
		js_why="AIRLOCK_SKIP_NPM is set"
		return
	fi
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		js_why="node or npm not installed"
		return
	fi
	mkdir -p "$HUBJS"
	# an in-tree build must not offer the npm folder to git
	[ -f "$HUBJS/.gitignore" ] || printf '*\n' > "$HUBJS/.gitignore"
	(
		flock 9
		[ -f "$HUBJS/node_modules/@huggingface/hub/package.json" ] && exit 0
		[ -f "$HUBJS/package.json" ] || printf '{"name":"airlock-hubjs","private":true}\n' > "$HUBJS/package.json"
		cd "$HUBJS" && npm install --no-audit --no-fund --fetch-timeout=30000 --fetch-retries=1 \
			'@huggingface/hub@^2' > "$T/npm.log" 2>&1
	) 9>"$HUBJS/.install.lock" ||
		js_why="npm install @huggingface/hub failed (no registry?): $(tail -1 "$T/npm.log" 2>/dev/null)"
}
