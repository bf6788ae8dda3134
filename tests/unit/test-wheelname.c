/*
 * test-wheelname.c: wheel and sdist file names against
 * fixtures/wheelnames/{wheels,sdists}.txt.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "pypa/wheelname.h"
#include "tap.h"

#define MAXF 10

/* Split "a | b | c" in place; "-" stands for the empty string. */
static size_t fields(char *s, char **out)
{
	size_t n = 0;

	while (n < MAXF) {
		char *bar = strstr(s, " | ");

		out[n++] = s;
		if (!bar)
			break;
		*bar = '\0';
		s = bar + 3;
	}
	for (size_t i = 1; i < n; i++)
		if (!strcmp(out[i], "-"))
			out[i] = (char *)"";
	return n;
}

static FILE *open_fixture(const char *name)
{
	struct al_buf p = AL_BUF_INIT;
	FILE *f;

	al_buf_addf(&p, "%s/fixtures/wheelnames/%s", tap_srcdir(), name);
	f = fopen(p.buf, "r");
	ok(f != NULL, "open %s", name);
	al_buf_release(&p);
	return f;
}

static void test_wheels(void)
{
	char line[2048], *f[MAXF];
	FILE *fp = open_fixture("wheels.txt");

	while (fp && fgets(line, sizeof(line), fp)) {
		struct al_wheelname w = AL_WHEELNAME_INIT;
		struct al_diag d = AL_DIAG_INIT;
		size_t n;
		al_err err;
		char num[32];

		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "ok ", 3) && strncmp(line, "bad ", 4))
			continue;
		n = fields(line + (line[0] == 'o' ? 3 : 4), f);
		err = al_wheelname_parse(&w, f[0], &d);
		if (line[0] == 'b') {
			ok(err == AL_EINVALID && n == 2 && strstr(d.msg, f[1]) && !w.name,
			   "refuse %s: %s", f[0], d.msg);
			continue;
		}
		if (!ok(err == AL_OK && n == 9, "parse %s", f[0])) {
			diag("%s", d.msg);
			continue;
		}
		snprintf(num, sizeof(num), "%llu", (unsigned long long)w.build_num);
		ok(!strcmp(w.normalized, f[1]) && !strcmp(w.version, f[2]) &&
		   !strcmp(w.build, f[3]) && !strcmp(num, f[4]) && !strcmp(w.build_rest, f[5]) &&
		   !strcmp(w.py, f[6]) && !strcmp(w.abi, f[7]) && !strcmp(w.plat, f[8]),
		   "  fields of %s", f[0]);
		al_wheelname_release(&w);
		al_wheelname_release(&w);
	}
	if (fp)
		fclose(fp);
}

static void test_sdists(void)
{
	char line[2048], *f[MAXF];
	FILE *fp = open_fixture("sdists.txt");

	while (fp && fgets(line, sizeof(line), fp)) {
		struct al_sdistname s = AL_SDISTNAME_INIT;
		struct al_diag d = AL_DIAG_INIT;
		size_t n;
		al_err err;

		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "ok ", 3) && strncmp(line, "bad ", 4))
			continue;
		n = fields(line + (line[0] == 'o' ? 3 : 4), f);
		err = al_sdistname_parse(&s, f[0], &d);
		if (line[0] == 'b') {
			ok(err == AL_EINVALID && n == 2 && strstr(d.msg, f[1]) && !s.name,
			   "refuse %s: %s", f[0], d.msg);
			continue;
		}
		if (!ok(err == AL_OK && n == 4, "parse %s", f[0])) {
			diag("%s", d.msg);
			continue;
		}
		ok(!strcmp(s.normalized, f[1]) && !strcmp(s.version, f[2]) && !strcmp(s.ext, f[3]),
		   "  fields of %s", f[0]);
		al_sdistname_release(&s);
	}
	if (fp)
		fclose(fp);
}

static void test_limits(void)
{
	struct al_wheelname w = AL_WHEELNAME_INIT;
	struct al_sdistname s = AL_SDISTNAME_INIT;
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf b = AL_BUF_INIT;
	long fails;
	int i;

	al_buf_addstr(&b, "foo-1.0-py3");
	for (i = 0; i < 70; i++)
		al_buf_addf(&b, ".p%d", i);
	al_buf_addstr(&b, "-none");
	for (i = 0; i < 70; i++)
		al_buf_addf(&b, ".a%d", i);
	al_buf_addstr(&b, "-any.whl");
	is_int(al_wheelname_parse(&w, b.buf, &d), AL_ELIMIT, "a tag set product over the cap");
	al_buf_reset(&b);
	for (i = 0; i < AL_FILENAME_MAX; i++)
		al_buf_addch(&b, 'a');
	al_buf_addstr(&b, "-1.0-py3-none-any.whl");
	is_int(al_wheelname_parse(&w, b.buf, &d), AL_ELIMIT, "an overlong wheel name");
	is_int(al_sdistname_parse(&s, b.buf, &d), AL_ELIMIT, "an overlong sdist name");
	al_buf_release(&b);

	for (fails = 0; fails < 20; fails++) {
		al_err err;

		al_mem_fail_after(fails, 0);
		err = al_wheelname_parse(&w, "Foo_Bar-1.0-2b-py2.py3-none-any.whl", &d);
		al_mem_fail_after(-1, 0);
		if (!err)
			break;
		if (err != AL_ENOMEM || w.name)
			break;
	}
	ok(fails < 20 && w.name, "wheel allocation failures are reported (%ld)", fails);
	al_wheelname_release(&w);
	for (fails = 0; fails < 20; fails++) {
		al_err err;

		al_mem_fail_after(fails, 0);
		err = al_sdistname_parse(&s, "foo-1.0.zip", &d);
		al_mem_fail_after(-1, 0);
		if (!err)
			break;
		if (err != AL_ENOMEM || s.name)
			break;
	}
	ok(fails < 20 && s.name, "sdist allocation failures are reported (%ld)", fails);
	al_sdistname_release(&s);
	al_wheelname_release(NULL);
	al_sdistname_release(NULL);
}

int main(void)
{
	test_wheels();
	test_sdists();
	test_limits();
	return done_testing();
}
