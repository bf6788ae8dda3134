#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static long fail_countdown = -1;
static int fail_sticky, fail_hit;

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
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *al_calloc(size_t nmemb, size_t size)
{
	if (should_fail())
		return NULL;
	if (!nmemb || !size)
		nmemb = size = 1;
	return calloc(nmemb, size);
}

void *al_reallocarray(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	if (should_fail())
		return NULL;
	return realloc(p, nmemb * size != 0 ? nmemb * size : 1);
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
