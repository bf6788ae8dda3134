/*
 * pep-driver: reads requests on stdin, one per line, and prints one answer
 * line each; scripts/crosscheck-packaging.py runs the same requests through
 * Python's packaging and compares. Fields are tab-separated and escaped as
 * in pep-escape.h.
 *
 *   V  version               ok str public base is_pre is_post is_dev | invalid
 *   C  a b                   -1 | 0 | 1 | invalid
 *   S  specset               ok str prereleases(1|-1) | invalid
 *   M  specset version mode  1 | 0 | invalid          (mode -1, 0, 1)
 *   F  specset mode v...     ok indices-kept(comma) | invalid
 *   R  requirement           ok name norm extras spec url marker str | error column
 *   K  marker [k=v...]       ok str result(1|0|error) | error column
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "pep440.h"
#include "pep508.h"
#include "pep-escape.h"

#define MAXF 512

static void put_err_column(const struct al_diag *d)
{
	size_t col;

	if (sscanf(d->msg, "column %zu:", &col) == 1)
		printf("error\t%zu", col);
	else
		printf("error\t-");
}

static void do_version(char **f, int n)
{
	struct al_version v;
	struct al_buf b = AL_BUF_INIT;

	if (n < 2 || al_version_parse(&v, f[1], NULL)) {
		fputs("invalid", stdout);
		return;
	}
	fputs("ok\t", stdout);
	al_version_str(&v, &b);
	pep_put(stdout, b.buf);
	al_buf_reset(&b);
	putchar('\t');
	al_version_public_str(&v, &b);
	pep_put(stdout, b.buf);
	al_buf_reset(&b);
	putchar('\t');
	al_version_base_str(&v, &b);
	pep_put(stdout, b.buf);
	printf("\t%d\t%d\t%d", al_version_is_prerelease(&v), al_version_is_postrelease(&v),
	       al_version_is_devrelease(&v));
	al_buf_release(&b);
	al_version_release(&v);
}

static void do_cmp(char **f, int n)
{
	struct al_version a, b;
	int c;

	if (n < 3 || al_version_parse(&a, f[1], NULL)) {
		fputs("invalid", stdout);
		return;
	}
	if (al_version_parse(&b, f[2], NULL)) {
		al_version_release(&a);
		fputs("invalid", stdout);
		return;
	}
	c = al_version_cmp(&a, &b);
	printf("%d", (c > 0) - (c < 0));
	al_version_release(&a);
	al_version_release(&b);
}

static void do_spec(char **f, int n)
{
	struct al_specset set;
	struct al_buf b = AL_BUF_INIT;

	if (n < 2 || al_specset_parse(&set, f[1], NULL)) {
		fputs("invalid", stdout);
		return;
	}
	al_specset_str(&set, &b);
	fputs("ok\t", stdout);
	pep_put(stdout, b.buf);
	printf("\t%d", al_specset_prereleases(&set));
	al_buf_release(&b);
	al_specset_release(&set);
}

static void do_contains(char **f, int n)
{
	struct al_specset set;
	bool yes = false;

	if (n < 4 || al_specset_parse(&set, f[1], NULL)) {
		fputs("invalid", stdout);
		return;
	}
	al_specset_contains_str(&set, f[2], atoi(f[3]), &yes, NULL);
	printf("%d", yes);
	al_specset_release(&set);
}

static void do_filter(char **f, int n)
{
	struct al_specset set;
	struct al_version *vs = NULL;
	const struct al_version **pv = NULL;
	const char **raws = NULL;
	bool *keep = NULL;
	int i, k = n - 3, first = 1;

	if (n < 3 || al_specset_parse(&set, f[1], NULL)) {
		fputs("invalid", stdout);
		return;
	}
	vs = calloc((size_t)k + 1, sizeof(*vs));
	pv = calloc((size_t)k + 1, sizeof(*pv));
	raws = calloc((size_t)k + 1, sizeof(*raws));
	keep = calloc((size_t)k + 1, sizeof(*keep));
	if (!vs || !pv || !raws || !keep)
		exit(3);
	for (i = 0; i < k; i++) {
		raws[i] = f[3 + i];
		pv[i] = al_version_parse(&vs[i], f[3 + i], NULL) ? NULL : &vs[i];
	}
	al_specset_filter(&set, pv, raws, (size_t)k, atoi(f[2]), keep);
	fputs("ok\t", stdout);
	for (i = 0; i < k; i++) {
		if (keep[i]) {
			printf("%s%d", first ? "" : ",", i);
			first = 0;
		}
		al_version_release(&vs[i]);
	}
	free(vs);
	free(pv);
	free(raws);
	free(keep);
	al_specset_release(&set);
}

static void put_field(const char *s)
{
	putchar('\t');
	pep_put(stdout, s && *s ? s : "-");
}

static void do_requirement(char **f, int n)
{
	struct al_requirement r;
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf b = AL_BUF_INIT;
	size_t i;

	if (n < 2)
		return;
	if (al_requirement_parse(&r, f[1], &d)) {
		put_err_column(&d);
		return;
	}
	fputs("ok", stdout);
	put_field(r.name);
	put_field(r.norm_name);
	for (i = 0; i < r.nextras; i++) {
		if (i)
			al_buf_addch(&b, ',');
		al_buf_addstr(&b, r.extras[i]);
	}
	put_field(b.buf);
	al_buf_reset(&b);
	al_specset_str(&r.spec, &b);
	put_field(b.buf);
	put_field(r.url);
	al_buf_reset(&b);
	if (r.marker && al_marker_str(r.marker, &b))
		al_buf_addstr(&b, "<unprintable>");
	put_field(b.buf);
	al_buf_reset(&b);
	if (al_requirement_str(&r, &b))
		al_buf_addstr(&b, "<unprintable>");
	put_field(b.buf);
	al_buf_release(&b);
	al_requirement_release(&r);
}

static void default_env(struct al_marker_env *env)
{
	memset(env, 0, sizeof(*env));
	env->values[AL_MV_PYTHON_VERSION] = "3.11";
	env->values[AL_MV_PYTHON_FULL_VERSION] = "3.11.7";
	env->values[AL_MV_OS_NAME] = "posix";
	env->values[AL_MV_SYS_PLATFORM] = "linux";
	env->values[AL_MV_PLATFORM_RELEASE] = "6.1.0-18-amd64";
	env->values[AL_MV_PLATFORM_SYSTEM] = "Linux";
	env->values[AL_MV_PLATFORM_VERSION] = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1";
	env->values[AL_MV_PLATFORM_MACHINE] = "x86_64";
	env->values[AL_MV_PLATFORM_PYTHON_IMPLEMENTATION] = "CPython";
	env->values[AL_MV_IMPLEMENTATION_NAME] = "cpython";
	env->values[AL_MV_IMPLEMENTATION_VERSION] = "3.11.7";
	env->values[AL_MV_EXTRA] = "";
}

static void do_marker(char **f, int n)
{
	struct al_marker *m = NULL;
	struct al_marker_env env;
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf b = AL_BUF_INIT;
	bool yes;
	int i, var;

	if (n < 2)
		return;
	if (al_marker_parse(&m, f[1], &d)) {
		put_err_column(&d);
		return;
	}
	default_env(&env);
	for (i = 2; i < n; i++) {
		char *eq = strchr(f[i], '=');

		if (!eq)
			continue;
		*eq = '\0';
		var = al_marker_var_lookup(f[i]);
		if (var >= 0)
			env.values[var] = eq + 1;
	}
	fputs("ok", stdout);
	if (al_marker_str(m, &b))
		al_buf_addstr(&b, "<unprintable>");
	put_field(b.buf);
	if (al_marker_evaluate(m, &env, &yes, &d))
		fputs("\terror", stdout);
	else
		printf("\t%d", yes);
	al_buf_release(&b);
	al_marker_free(m);
}

int main(void)
{
	char *line = NULL, *f[MAXF];
	size_t cap = 0;
	ssize_t len;
	int n;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		n = pep_split(line, f, MAXF);
		switch (f[0][0]) {
		case 'V': do_version(f, n); break;
		case 'C': do_cmp(f, n); break;
		case 'S': do_spec(f, n); break;
		case 'M': do_contains(f, n); break;
		case 'F': do_filter(f, n); break;
		case 'R': do_requirement(f, n); break;
		case 'K': do_marker(f, n); break;
		default: fputs("unknown", stdout); break;
		}
		putchar('\n');
	}
	free(line);
	return fflush(stdout) || ferror(stdout) ? 1 : 0;
}
