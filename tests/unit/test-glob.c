/*
 * test-glob.c: lib/hub/glob.c through glob.h: patterns as Python's
 * fnmatch.fnmatchcase ('*', "**", '?', "[...]", quoting by a class, UTF-8
 * code points; every expectation here and in fixtures/glob/fnmatch-cases.txt
 * is what Python answers), and the include/exclude selection the Hub client
 * applies to a repo's files (al_glob_selected, as huggingface_hub's
 * filter_repo_objects).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/glob.h"
#include "tap.h"

static void fixture_cases(void)
{
	char path[4096];
	FILE *f;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/fixtures/glob/fnmatch-cases.txt", tap_srcdir());
	if (!ok((f = fopen(path, "r")) != NULL, "open fnmatch-cases.txt"))
		return;
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *t1, *t2;

		lineno++;
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (line[0] == '#')
			continue;
		if (!(t1 = strchr(line, '\t')) || !(t2 = strchr(t1 + 1, '\t'))) {
			ok(0, "fnmatch-cases.txt:%zu: two tabs", lineno);
			continue;
		}
		*t1 = *t2 = '\0';
		is_int(al_glob_match(line, t1 + 1), atoi(t2 + 1), "fnmatch('%s', '%s')", line,
		       t1 + 1);
	}
	free(line);
	fclose(f);
}

struct gcase {
	const char *pattern, *name;
	int want;
};

static void run(const char *what, const struct gcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		is_int(al_glob_match(c[i].pattern, c[i].name), c[i].want, "%s: '%s' ~ '%s'", what,
		       c[i].pattern, c[i].name);
}

#define RUN(what, v) run(what, v, sizeof(v) / sizeof(v[0]))

static void star(void)
{
	static const struct gcase v[] = {
		{ "*", "", 1 },       { "*", "a/b/c", 1 },     { "a*", "a", 1 },
		{ "a*c", "abc/xc", 1 }, { "a*c", "abcd", 0 },  { "*.bin", "x.bin/y", 0 },
		{ "A*", "a", 0 },     { "*.JSON", "x.json", 0 },
	};
	RUN("*", v);
}

static void double_star(void)
{
	/* no globstar: "**" is two '*', each crossing '/' */
	static const struct gcase v[] = {
		{ "**", "", 1 },
		{ "**/*.json", "config.json", 0 },
		{ "**/*.json", "a/config.json", 1 },
		{ "a/**/b", "a/b", 0 },
		{ "a/**/b", "a/x/y/b", 1 },
		{ "***x", "yx", 1 },
	};
	RUN("**", v);
}

static void question(void)
{
	static const struct gcase v[] = {
		{ "?", "", 0 },          { "?", "ab", 0 },
		{ "??", "ab", 1 },       { "a?b", "a/b", 1 },
		{ "?", "\xc3\xa9", 1 },  /* é: one code point, two bytes */
		{ "?", "\xf0\x9f\x98\x80", 1 }, /* U+1F600: four bytes */
		{ "??", "\xf0\x9f\x98\x80", 0 },
	};
	RUN("?", v);
}

static void classes(void)
{
	static const struct gcase v[] = {
		{ "[abc]", "b", 1 },  { "[abc]", "d", 0 },  { "[!abc]", "d", 1 },
		{ "[!abc]", "a", 0 }, { "[a-z]", "/", 0 },  { "[--/]", "/", 1 },
		{ "[z-a]", "m", 0 },  { "[]-]", "-", 1 },   { "[]-]", "]", 1 },
		{ "[!]-]", "-", 0 },  { "[a-]", "a", 1 },   { "[.]", "/", 0 },
		{ "[/]", "/", 1 },    { "[!", "[!", 1 },    { "[!]", "[!]", 1 },
	};
	RUN("[...]", v);
}

static void quoting(void)
{
	/* no backslash escape: a special character is quoted by a class */
	static const struct gcase v[] = {
		{ "[*]", "*", 1 },    { "[*]", "x", 0 },      { "[?]", "?", 1 },
		{ "[[]", "[", 1 },    { "[[]x", "[x", 1 },    { "a[]", "a[]", 1 },
		{ "\\*", "\\abc", 1 }, { "\\*", "*", 0 },     { "\\?", "\\", 0 },
		{ "\\?", "\\x", 1 },  { "[\\]", "\\", 1 },
	};
	RUN("quoting", v);
}

static void selection(void)
{
	char p1[] = "*.json", p2[] = "onnx/", p3[] = "*.safetensors", p4[] = "[!.]*/*.md";
	char *inc1[] = { p1, p2 }, *exc1[] = { p3 }, *exc2[] = { p4 };
	struct al_strlist none = { NULL, 0 }, inc = { inc1, 2 }, exc = { exc1, 1 },
			  excmd = { exc2, 1 };

	ok(al_glob_selected("anything", &none, &none), "empty include keeps all");
	ok(al_glob_selected("a/b.json", &inc, &none), "include *.json crosses '/'");
	ok(al_glob_selected("onnx/model.onnx", &inc, &none), "include 'onnx/' is the folder");
	ok(al_glob_selected("onnx/sub/model.onnx", &inc, &none), "include 'onnx/' reaches down");
	ok(!al_glob_selected("onnx", &inc, &none), "'onnx/' does not keep a file 'onnx'");
	ok(!al_glob_selected("x/onnx/model.onnx", &inc, &none), "'onnx/' is anchored at the top");
	ok(!al_glob_selected("README.md", &inc, &none), "include drops the rest");
	ok(!al_glob_selected("model.safetensors", &none, &exc), "exclude *.safetensors");
	ok(!al_glob_selected("a/b/model.safetensors", &none, &exc), "exclude crosses '/' too");
	ok(al_glob_selected("config.json", &none, &exc), "exclude keeps the rest");
	ok(!al_glob_selected("onnx/x.safetensors", &inc, &exc), "exclude wins over include");
	ok(al_glob_selected("x", NULL, NULL), "NULL lists keep all");
	ok(!al_glob_selected("docs/a.md", NULL, &excmd), "a class in an exclude pattern");
	ok(al_glob_selected("README.md", NULL, &excmd), "... which needs its '/'");
}

int main(void)
{
	fixture_cases();
	star();
	double_star();
	question();
	classes();
	quoting();
	selection();
	return done_testing();
}
