/* lib/spec/lockcheck.c through its interface: the grammar of each field of a
 * lock, one predicate at a time (test-lock drives al_lock_check_fields
 * through locks read from JSON). None admits a control character, a
 * newline or a leading '-'. */
#include "config.h"

#include <string.h>

#include "airlock.h"
#include "spec/lockcheck.h"
#include "tap.h"

struct tcase {
	const char *s;
	bool want;
};

static void table(const char *what, bool (*fn)(const char *), const struct tcase *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *shown = al_safe_text(c[i].s, 0);
		ok(fn(c[i].s) == c[i].want, "%s: '%s' is %s", what, shown ? shown : "?",
		   c[i].want ? "valid" : "refused");
		free(shown);
	}
	ok(!fn(NULL), "%s: NULL is refused", what);
}

#define TABLE(what, fn, c) table(what, fn, c, sizeof(c) / sizeof(c[0]))

int main(void)
{
	static const struct tcase bundle[] = {
		{ "demo", true }, { "nlp-prod_2.1", true }, { "9a", true }, { "", false },
		{ "-demo", false }, { ".demo", false }, { "demo x", false }, { "demo\n", false },
		{ "de/mo", false },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true },  /* 64 */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false }, /* 65 */
	};
	static const struct tcase target[] = {
		{ "cp311-manylinux_2_28_x86_64", true }, { "cp311-manylinux_2_28_x86_64.2", true },
		{ "-cp311", false }, { "cp311\n--index-url x", false }, { "cp 311", false },
	};
	static const struct tcase pyver[] = {
		{ "3.11", true }, { "3.11.9", true }, { "3.9", true }, { "3.0", true }, { "3", false },
		{ "3.11 ", false }, { "03.11", false }, { "3.011", false }, { "3.11.9.1", false },
		{ "3.111", false }, { "3.11.1000", false }, { "3.x", false }, { "", false },
	};
	static const struct tcase impl[] = {
		{ "cp", true }, { "pp", true }, { "CP", false }, { "py", false }, { "-cp", false },
		{ "cp\r", false },
	};
	static const struct tcase rev[] = {
		{ "main", true }, { "v1.0", true }, { "refs/pr/1", true },
		{ "0123456789abcdef0123456789abcdef01234567", true }, { "", false }, { "-main", false },
		{ "/main", false }, { "main/", false }, { "main.", false }, { "a/../b", false },
		{ "a//b", false }, { "a@{1}", false }, { "main branch", false }, { "a~1", false },
		{ "a^", false }, { "a:b", false }, { "a?", false }, { "a*", false }, { "a[", false },
		{ "a\\b", false }, { "main\n--index-url", false }, { "c1\xc2\x9b", false },
	};
	static const struct tcase version[] = {
		{ "1.0", true }, { "1.0.post1", true }, { "2.0rc1", true }, { "1!2.0", true },
		{ "1.0+local.1", true }, { "1.0-1", false }, { "v1.0", false }, { "1.0 ", false },
		{ "-1.0", false }, { "1.0\n", false }, { "1.0RC1", false }, { "", false },
	};
	static const struct tcase rp[] = {
		{ ">=3.8", true }, { ">=3.8, <4", true }, { "", true }, { ">=3.8\n--index-url x", false },
		{ "-3", false }, { ">=3.8,\n", false }, { "python>=3", false },
	};
	static const struct tcase url[] = {
		{ "https://files.example/x.whl", true }, { "http://x/a%20b", true }, { "-x", false },
		{ "http://x/\n--index-url", false }, { "http://x/\x7f", false },
		{ "http://x/\xc2\x9b" "2J", false }, { "http://x/\xc2\xa0", true },
	};

	TABLE("bundle", al_lock_valid_bundle, bundle);
	TABLE("target name", al_lock_valid_target_name, target);
	TABLE("python version", al_lock_valid_python_version, pyver);
	TABLE("implementation", al_lock_valid_implementation, impl);
	TABLE("revision", al_lock_valid_revision, rev);
	TABLE("version", al_lock_valid_version, version);
	TABLE("requires-python", al_lock_valid_requires_python, rp);
	TABLE("url", al_lock_valid_url, url);
	is_int(al_lock_requires_python_check(">=3.8"), AL_OK, "requires_python_check: valid");
	is_int(al_lock_requires_python_check(">=3.8\n"), AL_EINVALID, "requires_python_check: refused");
	return done_testing();
}
