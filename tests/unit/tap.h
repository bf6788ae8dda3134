/*
 * tap.h: a minimal TAP producer for the C unit tests (automake's tap driver
 * reads it). Header-only: each test program is one .c file.
 *
 *	plan_lazy();               or plan(n)
 *	ok(cond, "name %d", i);
 *	is_int(got, want, "name");
 *	is_str(got, want, "name");
 *	return done_testing();
 */
#ifndef AL_TAP_H
#define AL_TAP_H

/* Tests and harnesses call library functions for their effect and check
 * what matters with ok() (or a crash); a setup helper's result they drop
 * (al_buf_addf building a fixture path, say) shows up as a failed check.
 * The library itself handles every AL_MUST_CHECK result. */
#pragma GCC diagnostic ignored "-Wunused-result"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed, tap_planned = -1;

static inline void plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
}

static inline void plan_lazy(void) {}

__attribute__((format(printf, 2, 3))) static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

__attribute__((format(printf, 1, 2))) static inline void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

#define is_int(got, want, ...)                                                        \
	do {                                                                          \
		long long g_ = (long long)(got), w_ = (long long)(want);              \
		if (!ok(g_ == w_, __VA_ARGS__))                                       \
			diag("  got %lld, want %lld (%s:%d)", g_, w_, __FILE__, __LINE__); \
	} while (0)

#define is_str(got, want, ...)                                                         \
	do {                                                                           \
		const char *g_ = (got), *w_ = (want);                                  \
		if (!ok(g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_, __VA_ARGS__))       \
			diag("  got '%s', want '%s' (%s:%d)", g_ ? g_ : "(null)",      \
			     w_ ? w_ : "(null)", __FILE__, __LINE__);                  \
	} while (0)

static inline int done_testing(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

/* The path of a file under the source tree's fixtures/ (top_srcdir is set
 * by the test harness; tests run by hand fall back to "."). */
static inline const char *tap_srcdir(void)
{
	const char *s = getenv("top_srcdir");
	return s && *s ? s : ".";
}

#endif
