/* test-manifest.c: typed results of the valid fixtures, defaults, and the
 * exact first message of every invalid fixture (fixtures/manifests/). */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/mem.h"
#include "tap.h"

static char *fixture(const char *rel)
{
	struct al_buf b = AL_BUF_INIT;

	al_buf_addf(&b, "%s/fixtures/manifests/%s", tap_srcdir(), rel);
	return al_buf_detach(&b, NULL);
}

static struct al_manifest *load(const char *rel)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_manifest *m = NULL;
	char *path = fixture(rel);

	if (!ok(al_manifest_load(&m, path, &d) == AL_OK, "%s loads", rel))
		diag("  %s", d.msg);
	free(path);
	return m;
}

static void test_full(void)
{
	struct al_manifest *m = load("valid/full.yaml");
	struct al_buf want = AL_BUF_INIT, text = AL_BUF_INIT;
	char hex[AL_SHA256_HEX];
	char *path = fixture("valid/full.yaml");

	if (!m)
		goto out;
	is_str(m->path, path, "path as given");
	al_buf_read_file(&text, path, 1 << 20, NULL);
	al_sha256_hex(text.buf, text.len, hex);
	is_str(m->sha256, hex, "sha256 of the file's bytes");
	is_int(m->version, 1, "version");
	is_str(m->bundle, "nlp-prod", "bundle");
	ok(m->has_python, "has python");
	is_str(m->python.index_url, "https://pypi.org/simple/", "index-url");
	is_int(m->python.extra_index_urls.n, 0, "no extra index");
	is_int(m->python.ntargets, 2, "two targets");
	is_str(m->python.targets[0].python_version, "3.11", "python-version");
	is_str(m->python.targets[0].implementation, "cp", "implementation");
	is_int(m->python.targets[0].platforms.n, 1, "one platform");
	is_str(m->python.targets[0].platforms.v[0], "manylinux_2_28_x86_64", "platform");
	is_int(m->python.targets[0].line, 9, "target line");
	is_int(m->python.targets[0].col, 7, "target column");
	is_str(m->python.targets[1].implementation, "cp", "implementation defaults to cp");
	is_str(m->python.targets[1].platforms.v[0], "macosx_14_0_arm64", "second platform");
	is_int(m->python.requirements.n, 2, "two requirements");
	is_str(m->python.requirements.v[0], "transformers[torch]>=4.44", "requirement text kept");
	al_buf_addf(&want, "%s/fixtures/manifests/valid/requirements.txt", tap_srcdir());
	is_int(m->python.requirements_files.n, 1, "one requirements file");
	is_str(m->python.requirements_files.v[0], want.buf, "resolved next to the manifest");
	is_str(m->python.constraints.v[0], "urllib3<3", "constraint");
	ok(!m->python.prereleases, "prereleases false");
	is_int(m->nmodels, 1, "one model");
	is_str(m->models[0].repo, "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
	       "repo");
	is_str(m->models[0].revision, "main", "revision");
	is_int(m->models[0].include.n, 3, "three include patterns");
	is_str(m->models[0].include.v[2], "*.safetensors", "include pattern");
	is_int(m->models[0].exclude.n, 0, "no exclude");
	is_int(m->ndatasets, 1, "one dataset");
	is_str(m->datasets[0].revision, "main", "dataset revision defaults to main");
	is_int(m->datasets[0].line, 25, "dataset line");
	is_str(m->hub.endpoint, "https://huggingface.co", "endpoint");
	is_str(m->hub.token_env, "HF_TOKEN", "token-env");
out:
	al_manifest_free(m);
	al_buf_release(&want);
	al_buf_release(&text);
	free(path);
}

static void test_defaults_and_more(void)
{
	struct al_manifest *m;

	if ((m = load("valid/minimal-python.yaml"))) {
		is_str(m->python.index_url, "https://pypi.org/simple/", "index-url default");
		is_str(m->python.targets[0].implementation, "cp", "implementation default");
		is_str(m->hub.endpoint, "https://huggingface.co", "endpoint default");
		is_str(m->hub.token_env, "HF_TOKEN", "token-env default");
		ok(!m->python.prereleases, "prereleases default false");
		is_int(m->python.nindexes, 0, "no named indexes");
		is_int(m->python.npins, 0, "no pinned projects");
		is_int(m->python.index_strategy, AL_INDEX_FIRST, "index-strategy default first-index");
		is_int(m->nmodels + m->ndatasets, 0, "no Hub repos");
	}
	al_manifest_free(m);

	if ((m = load("valid/indexes.yaml"))) {
		const struct al_named_index *x = m->python.indexes;
		is_int(m->python.nindexes, 3, "three named indexes");
		is_str(x[0].name, "corp", "name");
		is_str(x[0].url, "https://corp.example/simple/", "url");
		ok(!x[0].explicit_only, "explicit defaults to false");
		ok(x[0].nmissing_codes == 1 && x[0].missing_codes[0] == 403,
		   "403 means 'not here' by default");
		is_str(x[0].username_env, "CORP_USER", "username-env");
		is_str(x[0].password_env, "CORP_PASSWORD", "password-env");
		ok(x[1].explicit_only, "explicit: true");
		ok(x[1].nmissing_codes == 2 && x[1].missing_codes[0] == 403 &&
		   x[1].missing_codes[1] == 400, "ignore-error-codes given");
		ok(!x[1].username_env && !x[1].password_env, "no credential variables");
		is_int(x[2].nmissing_codes, 0, "ignore-error-codes: [] (403 is an error)");
		is_int(x[2].line, 14, "index line");
		is_int(m->python.npins, 3, "three pinned projects");
		is_str(m->python.pins[0].project, "torch", "pinned project");
		is_str(m->python.pins[0].index, "pytorch", "its index");
		is_str(m->python.pins[1].project, "torchvision", "pinned names are normalized");
		is_str(m->python.pins[2].project, "internal-tool", "pinned names are normalized (_)");
		is_str(m->python.pins[2].index, "strict", "its index");
		is_int(m->python.index_strategy, AL_INDEX_BEST_MATCH, "unsafe-best-match");
		is_str(m->python.index_url, "https://pypi.example/simple/", "index-url still read");
	}
	al_manifest_free(m);

	if ((m = load("valid/models-only.yaml"))) {
		ok(!m->has_python, "no python section");
		is_int(m->python.ntargets, 0, "no targets");
		is_str(m->models[0].revision, "main", "revision default");
		is_str(m->models[1].revision, "v1.0", "revision given");
		is_str(m->models[1].exclude.v[0], "*.bin", "exclude");
	}
	al_manifest_free(m);

	if ((m = load("valid/commit-revision.yaml"))) {
		is_str(m->models[0].revision, "86b5e0934494bd15c9632b12f734a8a67f723594",
		       "a 40-hex commit");
		is_str(m->hub.endpoint, "http://127.0.0.1:8080", "endpoint given");
		is_str(m->hub.token_env, "MY_HUB_TOKEN", "token-env given");
	}
	al_manifest_free(m);

	if ((m = load("valid/multi-target.yaml"))) {
		is_int(m->python.ntargets, 4, "four targets");
		is_str(m->python.targets[2].implementation, "pp", "pp");
		is_str(m->python.targets[0].python_version, "3.11.9", "three-part version");
		is_str(m->python.targets[3].python_version, "3", "one-part version");
		ok(m->python.prereleases, "prereleases true");
	}
	al_manifest_free(m);

	if ((m = load("valid/anchors.yaml"))) {
		ok(m->python.targets[1].platforms.n == 2 &&
		   !strcmp(m->python.targets[1].platforms.v[1], "manylinux_2_28_aarch64"),
		   "an alias gives the anchored list");
		ok(m->python.targets[0].platforms.v[0] != m->python.targets[1].platforms.v[0],
		   "as a copy of its own");
		is_int(m->models[1].include.n, 3, "aliased include");
	}
	al_manifest_free(m);

	if ((m = load("valid/urls.yaml"))) {
		is_int(m->python.find_links.n, 2, "find-links");
		is_str(m->python.find_links.v[0], "file:///srv/wheels", "a file URL");
		is_str(m->python.allow_sdist.v[1], "my_package.name-1", "allow-sdist");
	}
	al_manifest_free(m);
}

static void on_problem(void *ctx, const char *msg)
{
	struct al_buf *b = ctx;

	al_buf_addf(b, "%s\n", msg);
}

static void test_errors(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_manifest *m = NULL;
	struct al_buf all = AL_BUF_INIT;
	char *path = fixture("invalid/unknown-target-key.yaml");
	unsigned n = 0;

	is_int(al_manifest_load(&m, path, &d), AL_EINVALID, "load reports an invalid manifest");
	ok(m == NULL, "and returns nothing");
	ok(strstr(d.msg, "unknown-target-key.yaml:6:7: python.targets[0].platform: unknown key "
	                 "(did you mean 'platforms'?)") != NULL, "first problem: %s", d.msg);
	is_int(al_manifest_check(&m, path, on_problem, &all, &n, &d), AL_EINVALID, "check");
	is_int(n, 2, "check counts every problem");
	ok(strstr(all.buf, "platforms: required key is missing\n") != NULL, "and reports each");
	ok(strstr(d.msg, "platform: unknown key") != NULL, "d holds the first");
	free(path);

	path = fixture("invalid/no-such-file.yaml");
	n = 7;
	al_buf_reset(&all);
	is_int(al_manifest_check(&m, path, on_problem, &all, &n, &d), AL_ENOTFOUND,
	       "a missing file is AL_ENOTFOUND");
	ok(n == 0 && all.len == 0, "and not a problem of the manifest");
	ok(strstr(d.msg, "cannot open '") == d.msg, "message: %s", d.msg);
	free(path);

	path = fixture("invalid/billion-laughs.yaml");
	is_int(al_manifest_load(&m, path, &d), AL_ELIMIT, "a YAML bomb is AL_ELIMIT");
	free(path);
	path = fixture("invalid/tab.yaml");
	is_int(al_manifest_load(&m, path, &d), AL_EPARSE, "a syntax error is AL_EPARSE");
	free(path);
	al_buf_release(&all);
}

/* Every invalid fixture: the first message equals its .err file. */
static void test_invalid_fixtures(void)
{
	char *dir = fixture("invalid");
	char cwd[4096];
	struct dirent **names = NULL;
	int i, count;

	if (!getcwd(cwd, sizeof(cwd)) || chdir(dir) < 0) {
		ok(0, "cannot enter %s", dir);
		free(dir);
		return;
	}
	count = scandir(".", &names, NULL, alphasort);
	for (i = 0; i < count; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		struct al_diag d = AL_DIAG_INIT;
		struct al_manifest *m = NULL;
		struct al_buf err = AL_BUF_INIT, want = AL_BUF_INIT;
		al_err rc;

		if (len > 5 && !strcmp(name + len - 5, ".yaml")) {
			al_buf_addf(&err, "%.*s.err", (int)(len - 5), name);
			al_buf_read_file(&want, err.buf, 1 << 16, NULL);
			while (want.len && want.buf[want.len - 1] == '\n')
				al_buf_truncate(&want, want.len - 1);
			rc = al_manifest_load(&m, name, &d);
			ok(rc != AL_OK && m == NULL, "%s is refused", name);
			is_str(d.msg, want.buf, "%s: message", name);
		}
		al_buf_release(&err);
		al_buf_release(&want);
		free(names[i]);
	}
	free(names);
	if (chdir(cwd) < 0)
		ok(0, "cannot go back to %s", cwd);
	free(dir);
}

static void test_checks(void)
{
	static const char *const good_platforms[] = {
		"manylinux_2_28_x86_64", "manylinux_2_17_aarch64", "manylinux2014_x86_64",
		"manylinux2010_i686", "manylinux1_x86_64", "musllinux_1_2_x86_64",
		"musllinux_1_1_armv7l", "macosx_14_0_arm64", "macosx_10_9_universal2",
		"macosx_11_0_x86_64", "win32", "win_amd64", "win_arm64", "linux_x86_64",
		"linux_aarch64", "manylinux_2_31_riscv64", NULL,
	};
	static const char *const bad_platforms[] = {
		"", "any", "manylinux_x86_64", "manylinux_2_28", "manylinux_2_28_", "manylinux2014_riscv64",
		"manylinux_2_28_sparc", "macosx_14_arm64", "win64", "linux", "MANYLINUX_2_28_X86_64",
		"manylinux_02_28_x86_64", "manylinux_2_28_x86_64 ", "musllinux_1_2_arm64",
		"macosx_14_0_aarch64", NULL,
	};
	static const char *const good_repos[] = {
		"openai-community/gpt2", "org/name", "a/b", "Org_1/my.model-v2", "x/a-b.c_d",
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopq/"
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopq",
		NULL,
	};
	static const char *const bad_repos[] = {
		"", "gpt2", "a-b.c_d", "/a", "a/", "a/b/c", "a..b", "a--b", "-a", "a-", ".a", "a.", "org/.a", "a b",
		"a/b c", "a\\b", "caf\xc3\xa9",
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrs",
		NULL,
	};
	size_t i;

	for (i = 0; good_platforms[i]; i++)
		ok(al_manifest_valid_platform(good_platforms[i]), "platform '%s'", good_platforms[i]);
	for (i = 0; bad_platforms[i]; i++)
		ok(!al_manifest_valid_platform(bad_platforms[i]), "not a platform: '%s'",
		   bad_platforms[i]);
	for (i = 0; good_repos[i]; i++)
		ok(al_manifest_valid_repo_id(good_repos[i]), "repo '%s'", good_repos[i]);
	for (i = 0; bad_repos[i]; i++)
		ok(!al_manifest_valid_repo_id(bad_repos[i]), "not a repo: '%s'", bad_repos[i]);
}

/* Fail each allocation in turn: every path must clean up (the sanitizer
 * build checks for leaks) and report out of memory. */
static void test_alloc_failures(void)
{
	char *path = fixture("valid/full.yaml");
	struct al_diag d = AL_DIAG_INIT;
	struct al_manifest *m = NULL;
	long n;
	al_err err = AL_ENOMEM;
	int bad = 0;

	for (n = 0; n < 5000 && err == AL_ENOMEM; n++) {
		al_mem_fail_after(n, 1);
		err = al_manifest_load(&m, path, &d);
		al_mem_fail_after(-1, 0);
		if (err != AL_OK && err != AL_ENOMEM)
			bad++;
		if (err != AL_OK && m)
			bad++;
		al_manifest_free(m);
		m = NULL;
	}
	is_int(err, AL_OK, "loads once allocations succeed (after %ld failures)", n - 1);
	is_int(bad, 0, "every failed allocation gives AL_ENOMEM and nothing else");
	free(path);
}

int main(void)
{
	test_full();
	test_defaults_and_more();
	test_errors();
	test_invalid_fixtures();
	test_checks();
	test_alloc_failures();
	return done_testing();
}
