# tests/helpers/browser.sh: a real browser for shell tests (Debian's chromium,
# headless, driven by puppeteer-core from npm). Source it after tests/cli/lib.sh.
#
#   browser_install  sets CHROMIUM to the browser, installing the Debian
#                    package with apt-get when it is missing and we are root
#                    (CI); makes puppeteer-core available in $BROWSERJS
#                    (default $BROWSERJS_MODULES, else
#                    $top_builddir/tests/browserjs), installing it with npm
#                    when it is missing (cached for reruns, one install at a
#                    time through a lock file, as tests/helpers/hubjs.sh does).
#                    Sets browser_why to why there is no browser (empty when
#                    there is one). AIRLOCK_SKIP_BROWSER or AIRLOCK_SKIP_NPM
#                    skip it.

browser_install() {
	BROWSERJS="${BROWSERJS_MODULES:-$top_builddir/tests/browserjs}"
	browser_why=""
	if [ -n "${AIRLOCK_SKIP_BROWSER:-}${AIRLOCK_SKIP_NPM:-}" ]; then
		browser_why="AIRLOCK_SKIP_BROWSER or AIRLOCK_SKIP_NPM is set"
		return
	fi
	CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
	if [ -z "$CHROMIUM" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		(
			flock 9
			command -v chromium >/dev/null 2>&1 ||
				DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
					> "$T/apt.log" 2>&1 ||
				{ apt-get update > /dev/null 2>&1 &&
				  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
					> "$T/apt.log" 2>&1; }
		) 9>"/tmp/airlock-apt-chromium.lock"
		CHROMIUM=$(command -v chromium || true)
	fi
	if [ -z "$CHROMIUM" ]; then
		browser_why="chromium is not installed and cannot be (not root, or apt-get failed)"
		return
	fi
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		browser_why="node or npm not installed"
		return
	fi
	mkdir -p "$BROWSERJS"
	# an in-tree build must not offer the npm folder to git
	[ -f "$BROWSERJS/.gitignore" ] || printf '*\n' > "$BROWSERJS/.gitignore"
	(
		flock 9
		[ -f "$BROWSERJS/node_modules/puppeteer-core/package.json" ] && exit 0
		[ -f "$BROWSERJS/package.json" ] || printf '{"name":"airlock-browserjs","private":true}\n' > "$BROWSERJS/package.json"
		cd "$BROWSERJS" && npm install --no-audit --no-fund --fetch-timeout=30000 --fetch-retries=1 \
			'puppeteer-core@^24' > "$T/npm.log" 2>&1
	) 9>"$BROWSERJS/.install.lock" ||
		browser_why="npm install puppeteer-core failed (no registry?): $(tail -1 "$T/npm.log" 2>/dev/null)"
}
