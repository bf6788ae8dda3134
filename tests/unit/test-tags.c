/*
 * test-tags.c: marker environments and tag lists of targets, against
 * fixtures/tags/ (tag lists generated with packaging by
 * scripts/gen-tag-fixtures.py; environments and refusals written by hand).
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "pypa/names.h"
#include "pypa/tags.h"
#include "tap.h"

#define MAXP 16

struct strs {
	char **v;
	size_t n, alloc;
};

static void strs_push(struct strs *s, const char *p)
{
	if (AL_GROW(s->v, s->alloc, s->n + 1))
		abort();
	s->v[s->n++] = al_strdup(p);
}

static void strs_clear(struct strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		al_free(s->v[i]);
	al_free(s->v);
	memset(s, 0, sizeof(*s));
}

static size_t split_commas(char *s, const char **out)
{
	size_t n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(s, ",", &save); tok && n < MAXP; tok = strtok_r(NULL, ",", &save))
		out[n++] = tok;
	return n;
}

static void test_names(void)
{
	static const char *const norm[][2] = {
		{ "foo", "foo" }, { "Foo", "foo" }, { "fOo", "foo" }, { "foo.bar", "foo-bar" },
		{ "Foo.Bar", "foo-bar" }, { "Foo.....Bar", "foo-bar" }, { "foo_bar", "foo-bar" },
		{ "foo___bar", "foo-bar" }, { "foo-bar", "foo-bar" }, { "foo----bar", "foo-bar" },
		{ "foo-_.-bar", "foo-bar" }, { "_foo_", "-foo-" },
	};
	static const char *const valid[] = { "a", "A", "0", "foo", "Foo.Bar_baz-2", "a-b", "a..b" };
	static const char *const invalid[] = { "", "-a", "a-", ".a", "a_", "a b", "a/b", "é", "a+b" };
	size_t i;

	for (i = 0; i < sizeof(norm) / sizeof(norm[0]); i++) {
		char *n = al_name_normalize(norm[i][0]);
		is_str(n, norm[i][1], "normalize '%s'", norm[i][0]);
		al_free(n);
	}
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		ok(al_name_valid(valid[i]), "valid name '%s'", valid[i]);
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		ok(!al_name_valid(invalid[i]), "invalid name '%s'", invalid[i]);
}

static void test_tag_file(const char *path, const char *name)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_tagset *ts = NULL;
	struct strs plats = { 0 }, exp = { 0 }, tags = { 0 };
	char line[512], pyver[512] = "", impl[512] = "";
	size_t i;
	bool same;
	FILE *f = fopen(path, "r");

	if (!f) {
		ok(0, "open %s", path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "python-version ", 15))
			snprintf(pyver, sizeof(pyver), "%s", line + 15);
		else if (!strncmp(line, "implementation ", 15))
			snprintf(impl, sizeof(impl), "%s", line + 15);
		else if (!strncmp(line, "platform ", 9))
			strs_push(&plats, line + 9);
		else if (!strncmp(line, "expanded ", 9))
			strs_push(&exp, line + 9);
		else if (!strncmp(line, "tag ", 4))
			strs_push(&tags, line + 4);
	}
	fclose(f);

	struct al_target_spec t = { pyver, impl, (const char *const *)plats.v, plats.n };
	if (!ok(al_tagset_new(&ts, &t, &d) == AL_OK, "%s: build", name)) {
		diag("%s", d.msg);
		goto out;
	}
	same = al_tagset_nplatforms(ts) == exp.n;
	for (i = 0; same && i < exp.n; i++)
		if (strcmp(al_tagset_platform(ts, i), exp.v[i])) {
			diag("platform %zu: got %s, want %s", i, al_tagset_platform(ts, i), exp.v[i]);
			same = false;
		}
	ok(same, "%s: %zu expanded platforms in packaging's order", name, exp.n);
	same = al_tagset_count(ts) == tags.n;
	if (!same)
		diag("got %zu tags, want %zu", al_tagset_count(ts), tags.n);
	for (i = 0; same && i < tags.n; i++)
		if (strcmp(al_tagset_tag(ts, i), tags.v[i])) {
			diag("tag %zu: got %s, want %s", i, al_tagset_tag(ts, i), tags.v[i]);
			same = false;
		}
	ok(same, "%s: %zu tags in packaging's order", name, tags.n);
	same = true;
	for (i = 0; same && i < tags.n; i++) {
		char *py = tags.v[i], *abi = strchr(py, '-'), *plat;

		*abi++ = '\0';
		plat = strchr(abi, '-');
		*plat++ = '\0';
		if (al_tagset_rank(ts, py, abi, plat) != (int)i) {
			diag("rank of %s-%s-%s: %d, want %zu", py, abi, plat,
			     al_tagset_rank(ts, py, abi, plat), i);
			same = false;
		}
		abi[-1] = plat[-1] = '-';
	}
	ok(same, "%s: every tag's rank is its position", name);
out:
	al_tagset_free(ts);
	strs_clear(&plats);
	strs_clear(&exp);
	strs_clear(&tags);
}

static void test_tag_files(void)
{
	struct al_buf dir = AL_BUF_INIT, path = AL_BUF_INIT;
	struct dirent **ents = NULL;
	int n, i, count = 0;

	al_buf_addf(&dir, "%s/fixtures/tags", tap_srcdir());
	n = scandir(dir.buf, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		size_t l = strlen(nm);

		if (l > 4 && !strcmp(nm + l - 4, ".txt") && strcmp(nm, "env.txt") &&
		    strcmp(nm, "invalid.txt")) {
			al_buf_reset(&path);
			al_buf_addf(&path, "%s/%s", dir.buf, nm);
			test_tag_file(path.buf, nm);
			count++;
		}
		free(ents[i]);
	}
	free(ents);
	ok(count >= 10, "found %d generated tag fixtures", count);
	al_buf_release(&dir);
	al_buf_release(&path);
}

static void test_env_file(void)
{
	struct al_buf path = AL_BUF_INIT;
	struct al_target_env env;
	struct al_diag d = AL_DIAG_INIT;
	char line[512], target[512] = "";
	const char *plats[MAXP];
	bool have = false;
	FILE *f;

	al_buf_addf(&path, "%s/fixtures/tags/env.txt", tap_srcdir());
	f = fopen(path.buf, "r");
	ok(f != NULL, "open env.txt");
	while (f && fgets(line, sizeof(line), f)) {
		char *k, *v, *save = NULL;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (!strncmp(line, "target ", 7)) {
			char *py, *impl, *pl;

			snprintf(target, sizeof(target), "%s", line + 7);
			py = strtok_r(line + 7, " ", &save);
			impl = strtok_r(NULL, " ", &save);
			pl = strtok_r(NULL, " ", &save);
			struct al_target_spec t = { py, strcmp(impl, "-") ? impl : NULL, plats,
						    split_commas(pl, plats) };
			have = ok(al_target_marker_env(&t, &env, &d) == AL_OK, "env of %s", target);
			if (!have)
				diag("%s", d.msg);
			continue;
		}
		k = strtok_r(line, " ", &save);
		v = strtok_r(NULL, " ", &save);
		if (!have || !k || !v)
			continue;
		is_str(al_target_env_get(&env, k), strcmp(v, "-") ? v : "", "%s: %s", target, k);
	}
	if (f)
		fclose(f);
	ok(al_target_env_get(&env, "extra") == NULL, "extra is not part of the environment");
	ok(al_target_env_get(&env, "nope") == NULL, "unknown variables are NULL");
	al_buf_release(&path);
}

static void test_invalid_file(void)
{
	struct al_buf path = AL_BUF_INIT;
	struct al_target_env env;
	struct al_tagset *ts = NULL;
	char line[512];
	const char *plats[MAXP];
	FILE *f;

	al_buf_addf(&path, "%s/fixtures/tags/invalid.txt", tap_srcdir());
	f = fopen(path.buf, "r");
	ok(f != NULL, "open invalid.txt");
	while (f && fgets(line, sizeof(line), f)) {
		struct al_diag d1 = AL_DIAG_INIT, d2 = AL_DIAG_INIT;
		char *save = NULL, *bar, *want, *py, *impl, *pl;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !(bar = strstr(line, " | ")))
			continue;
		*bar = '\0';
		want = bar + 3;
		py = strtok_r(line, " ", &save);
		impl = strtok_r(NULL, " ", &save);
		pl = strtok_r(NULL, " ", &save);
		struct al_target_spec t = { py, impl, plats, split_commas(pl, plats) };
		ok(al_target_marker_env(&t, &env, &d1) == AL_EINVALID && strstr(d1.msg, want),
		   "env refuses %s %s: %s", py, pl, d1.msg);
		ok(al_tagset_new(&ts, &t, &d2) == AL_EINVALID && !ts && !strcmp(d1.msg, d2.msg),
		   "tagset refuses it too");
	}
	if (f)
		fclose(f);
	al_buf_release(&path);
}

static void test_ranks(void)
{
	const char *plats[] = { "manylinux_2_28_x86_64" };
	struct al_target_spec t = { "3.11", "cp", plats, 1 };
	struct al_diag d = AL_DIAG_INIT;
	struct al_tagset *ts = NULL;
	long fails;
	int r1, r2;

	if (!ok(al_tagset_new(&ts, &t, &d) == AL_OK, "cp311 manylinux_2_28_x86_64"))
		return;
	is_int(al_tagset_rank(ts, "cp311", "cp311", "manylinux_2_28_x86_64"), 0, "best tag is 0");
	is_int(al_tagset_rank(ts, "CP311", "CP311", "MANYLINUX_2_28_X86_64"), 0,
	       "lookup ignores case");
	is_int(al_tagset_rank(ts, "cp312", "cp312", "manylinux_2_28_x86_64"), -1,
	       "another Python is unsupported");
	is_int(al_tagset_rank(ts, "cp311", "cp311", "manylinux_2_29_x86_64"), -1,
	       "a newer glibc is unsupported");
	is_int(al_tagset_rank(ts, "cp311", "cp311", "linux_x86_64"), -1,
	       "linux_x86_64 is not implied by manylinux");
	is_int(al_tagset_rank(ts, "cp311", "cp311", "win_amd64"), -1, "another OS is unsupported");
	is_int(al_tagset_rank(ts, "cp311", "cp311", "manylinux_2_28_x86"), -1, "prefix is no match");
	is_int(al_tagset_rank(ts, "cp311", "cp311", "manylinux_2_28_x86_64x"), -1,
	       "extension is no match");
	is_int(al_tagset_rank(ts, "py3", "none", "any"), (int)al_tagset_count(ts) - 12,
	       "py3-none-any");
	r1 = al_tagset_rank(ts, "cp311", "cp311", "manylinux_2_17_x86_64");
	r2 = al_tagset_rank(ts, "cp311", "cp311", "manylinux2014_x86_64");
	ok(r1 > 0 && r2 == r1 + 1, "manylinux2014 right after manylinux_2_17");
	is_int(al_tagset_best_rank(ts, "cp311", "cp311",
	                           "manylinux_2_17_x86_64.manylinux2014_x86_64"), r1,
	       "compressed platform set: the best member");
	is_int(al_tagset_best_rank(ts, "py2.py3", "none", "any"),
	       al_tagset_rank(ts, "py3", "none", "any"), "py2.py3-none-any");
	is_int(al_tagset_best_rank(ts, "cp39.cp310.cp311", "abi3", "manylinux1_x86_64"),
	       al_tagset_rank(ts, "cp311", "abi3", "manylinux1_x86_64"), "abi3 set");
	is_int(al_tagset_best_rank(ts, "py2", "none", "any"), -1, "py2 only: unsupported");
	is_int(al_tagset_best_rank(ts, "py3.", "none", "any"),
	       al_tagset_rank(ts, "py3", "none", "any"), "empty members are skipped");
	is_int(al_tagset_best_rank(ts, "..", ".", "."), -1, "all-empty set: unsupported");
	is_int(al_tagset_rank(ts, "", "", ""), -1, "empty tag: unsupported");
	ok(al_tagset_tag(ts, al_tagset_count(ts)) == NULL, "tag past the end is NULL");
	al_tagset_free(ts);
	al_tagset_free(NULL);

	/* Allocation failures: every one is reported, nothing leaks. */
	for (fails = 0; fails < 200; fails++) {
		al_err err;

		ts = NULL;
		al_mem_fail_after(fails, 0);
		err = al_tagset_new(&ts, &t, &d);
		al_mem_fail_after(-1, 0);
		if (err == AL_OK) {
			al_tagset_free(ts);
			break;
		}
		if (err != AL_ENOMEM || ts) {
			ok(0, "allocation failure %ld gives ENOMEM: %s", fails, d.msg);
			return;
		}
	}
	ok(fails < 200, "allocation failures are reported (%ld allocations)", fails);
}

int main(void)
{
	test_names();
	test_tag_files();
	test_env_file();
	test_invalid_file();
	test_ranks();
	return done_testing();
}
