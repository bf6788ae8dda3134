/*
 * pep-requests.h: answers to the requests of pep-driver (see there), shared
 * with the unit tests that read the fixtures. Header-only.
 */
#ifndef AL_PEP_REQUESTS_H
#define AL_PEP_REQUESTS_H

/* Tests and harnesses call library functions for their effect and check
 * what matters with ok() (or a crash); a setup helper's result they drop
 * (al_buf_addf building a fixture path, say) shows up as a failed check.
 * The library itself handles every AL_MUST_CHECK result. */
#pragma GCC diagnostic ignored "-Wunused-result"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "pypa/pep440.h"
#include "pypa/pep508.h"
#include "pep-escape.h"

static inline void put_err_column(FILE *out, const struct al_diag *d)
{
	size_t col;

	if (sscanf(d->msg, "column %zu:", &col) == 1)
		fprintf(out, "error\t%zu", col);
	else
		fprintf(out, "error\t-");
}

static inline void do_version(FILE *out, char **f, int n)
{
	struct al_version v;
	struct al_buf b = AL_BUF_INIT;

	if (n < 2 || al_version_parse(&v, f[1], NULL)) {
		fputs("invalid", out);
		return;
	}
	fputs("ok\t", out);
	al_version_str(&v, &b);
	pep_put(out, b.buf);
	al_buf_reset(&b);
	fputc('\t', out);
	al_version_public_str(&v, &b);
	pep_put(out, b.buf);
	al_buf_reset(&b);
	fputc('\t', out);
	al_version_base_str(&v, &b);
	pep_put(out, b.buf);
	fprintf(out, "\t%d\t%d\t%d", al_version_is_prerelease(&v), al_version_is_postrelease(&v),
	       al_version_is_devrelease(&v));
	al_buf_release(&b);
	al_version_release(&v);
}

static inline void do_cmp(FILE *out, char **f, int n)
{
	struct al_version a, b;
	int c;

	if (n < 3 || al_version_parse(&a, f[1], NULL)) {
		fputs("invalid", out);
		return;
	}
	if (al_version_parse(&b, f[2], NULL)) {
		al_version_release(&a);
		fputs("invalid", out);
		return;
	}
	c = al_version_cmp(&a, &b);
	fprintf(out, "%d", (c > 0) - (c < 0));
	al_version_release(&a);
	al_version_release(&b);
}

static inline void do_spec(FILE *out, char **f, int n)
{
	struct al_specset set;
	struct al_buf b = AL_BUF_INIT;

	if (n < 2 || al_specset_parse(&set, f[1], NULL)) {
		fputs("invalid", out);
		return;
	}
	al_specset_str(&set, &b);
	fputs("ok\t", out);
	pep_put(out, b.buf);
	fprintf(out, "\t%d", al_specset_prereleases(&set));
	al_buf_release(&b);
	al_specset_release(&set);
}

static inline void do_contains(FILE *out, char **f, int n)
{
	struct al_specset set;
	bool yes = false;

	if (n < 4 || al_specset_parse(&set, f[1], NULL)) {
		fputs("invalid", out);
		return;
	}
	al_specset_contains_str(&set, f[2], atoi(f[3]), &yes, NULL);
	fprintf(out, "%d", yes);
	al_specset_release(&set);
}

static inline void do_filter(FILE *out, char **f, int n)
{
	struct al_specset set;
	struct al_version *vs = NULL;
	const struct al_version **pv = NULL;
	const char **raws = NULL;
	bool *keep = NULL;
	int i, k = n - 3, first = 1;

	if (n < 3 || al_specset_parse(&set, f[1], NULL)) {
		fputs("invalid", out);
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
	fputs("ok\t", out);
	for (i = 0; i < k; i++) {
		if (keep[i]) {
			fprintf(out, "%s%d", first ? "" : ",", i);
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

static inline void put_field(FILE *out, const char *s)
{
	fputc('\t', out);
	pep_put(out, s && *s ? s : "-");
}

static inline void do_requirement(FILE *out, char **f, int n)
{
	struct al_requirement r;
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf b = AL_BUF_INIT;
	size_t i;

	if (n < 2)
		return;
	if (al_requirement_parse(&r, f[1], &d)) {
		put_err_column(out, &d);
		return;
	}
	fputs("ok", out);
	put_field(out, r.name);
	put_field(out, r.norm_name);
	for (i = 0; i < r.nextras; i++) {
		if (i)
			al_buf_addch(&b, ',');
		al_buf_addstr(&b, r.extras[i]);
	}
	put_field(out, b.buf);
	al_buf_reset(&b);
	al_specset_str(&r.spec, &b);
	put_field(out, b.buf);
	put_field(out, r.url);
	al_buf_reset(&b);
	if (r.marker && al_marker_str(r.marker, &b))
		al_buf_addstr(&b, "<unprintable>");
	put_field(out, b.buf);
	al_buf_reset(&b);
	if (al_requirement_str(&r, &b))
		al_buf_addstr(&b, "<unprintable>");
	put_field(out, b.buf);
	al_buf_release(&b);
	al_requirement_release(&r);
}

static inline void default_env(struct al_marker_env *env)
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

static inline void do_marker(FILE *out, char **f, int n)
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
		put_err_column(out, &d);
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
	fputs("ok", out);
	if (al_marker_str(m, &b))
		al_buf_addstr(&b, "<unprintable>");
	put_field(out, b.buf);
	if (al_marker_evaluate(m, &env, &yes, &d))
		fputs("\terror", out);
	else
		fprintf(out, "\t%d", yes);
	al_buf_release(&b);
	al_marker_free(m);
}

/* Write the answer to request f[0..n) (f[0] is the command letter). */
static inline void pep_answer(FILE *out, char **f, int n)
{
	switch (f[0][0]) {
	case 'V': do_version(out, f, n); break;
	case 'C': do_cmp(out, f, n); break;
	case 'S': do_spec(out, f, n); break;
	case 'M': do_contains(out, f, n); break;
	case 'F': do_filter(out, f, n); break;
	case 'R': do_requirement(out, f, n); break;
	case 'K': do_marker(out, f, n); break;
	default: fputs("unknown", out); break;
	}
}

#endif
