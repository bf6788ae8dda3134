#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/mem.h"

static long fail_countdown = -1;
static int fail_sticky, fail_hit;
static unsigned long nfailed; /* updated with __atomic builtins */

static al_fatal_fn fatal;

void al_set_fatal(al_fatal_fn fn)
{
	fatal = fn;
}

/* jansson 2.14 cannot go on safely from a failed allocation while it
 * parses: its lexer drops the failure (lex_save ignores the result of
 * strbuffer_append_byte), and a string's unescaping then reads and writes
 * past the end of its buffer (upstream akheron/jansson#362; found here by
 * the allocation-failure sweep of the OSV reader). So jansson's allocations
 * never fail: out of memory inside jansson stops the process (al_set_fatal)
 * before a byte is written out of bounds, where failing would have let a
 * hostile document's parse go on with a corrupted heap. They are not
 * counted by the failure injection either: tests/unit/test-oom.c sweeps
 * airlock's own allocations. Set by a constructor of this file, which every
 * module links, before any json_* call can run. */
static void *json_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		if (fatal)
			fatal("out of memory inside the JSON library: stopping");
		abort();
	}
	return p;
}

__attribute__((constructor)) static void json_alloc_init(void)
{
	json_set_alloc_funcs(json_malloc, free);
}

static void *failed(void)
{
	__atomic_add_fetch(&nfailed, 1, __ATOMIC_RELAXED);
	errno = ENOMEM;
	return NULL;
}

unsigned long al_mem_failures(void)
{
	return __atomic_load_n(&nfailed, __ATOMIC_RELAXED);
}

long al_mem_fail_after(long n, int sticky)
{
	long left = fail_hit ? -1 : fail_countdown;

	fail_countdown = n < 0 ? -1 : n;
	fail_sticky = sticky;
	fail_hit = 0;
	return left;
}

static int should_fail(void)
{
	if (fail_countdown < 0)
		return 0;
	if (fail_countdown == 0) {
		fail_hit = 1;
		if (!fail_sticky)
			fail_countdown = -1;
		errno = ENOMEM;
		return 1;
	}
	fail_countdown--;
	return 0;
}

void *al_malloc(size_t n)
{
	void *p = should_fail() ? NULL : malloc(n ? n : 1);

	return p ? p : failed();
}

void *al_calloc(size_t nmemb, size_t size)
{
	void *p;

	if (!nmemb || !size)
		nmemb = size = 1;
	p = should_fail() ? NULL : calloc(nmemb, size);
	return p ? p : failed();
}

void *al_reallocarray(void *p, size_t nmemb, size_t size)
{
	void *q;

	if (size && nmemb > SIZE_MAX / size)
		return failed();
	q = should_fail() ? NULL : realloc(p, nmemb * size != 0 ? nmemb * size : 1);
	return q ? q : failed();
}

char *al_strdup(const char *s)
{
	return s ? al_strndup(s, strlen(s)) : NULL;
}

char *al_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = al_malloc(len + 1);

	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void al_free(void *p)
{
	free(p);
}

void al_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		al_free(v[i]);
	al_free(v);
}

int al_strv_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int al_grow(void **arr, size_t *alloc, size_t need, size_t elsize)
{
	size_t n;
	void *p;

	if (need <= *alloc)
		return 0;
	n = *alloc ? *alloc : 8;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -1;
		n *= 2;
	}
	p = al_reallocarray(*arr, n, elsize);
	if (!p)
		return -1;
	*arr = p;
	*alloc = n;
	return 0;
}
