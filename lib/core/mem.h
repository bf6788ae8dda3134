/*
 * mem.h: allocation for libairlock. Every allocation in lib/ goes through
 * these so that the allocation-failure sweep (tests, issue 9) can make the
 * Nth one fail. They behave like the libc functions and return NULL on
 * failure; al_reallocarray() never loses the old block. jansson allocates
 * through them too (set up before main runs), so an allocation failure
 * anywhere, injected or real, is seen and counted here.
 */
#ifndef AL_MEM_H
#define AL_MEM_H

#include <stddef.h>

#include "airlock.h"

AL_MUST_CHECK void *al_malloc(size_t n);
AL_MUST_CHECK void *al_calloc(size_t nmemb, size_t size);
/* Like reallocarray(3): checks nmemb * size for overflow. */
AL_MUST_CHECK void *al_reallocarray(void *p, size_t nmemb, size_t size);
AL_MUST_CHECK char *al_strdup(const char *s);
AL_MUST_CHECK char *al_strndup(const char *s, size_t n);
void al_free(void *p);

/* String vectors (char **v of n strings). Free the n strings of v
 * (al_free), then v; NULL v is fine. */
void al_strv_free(char **v, size_t n);
/* The qsort and bsearch comparator of two elements of a string vector
 * (strcmp of the char * they hold). */
int al_strv_cmp(const void *a, const void *b);

/* Grow *arr (of *alloc elements of elsize bytes) to hold at least need
 * elements. Returns 0, or -1 when out of memory (the array is unchanged). */
AL_MUST_CHECK int al_grow(void **arr, size_t *alloc, size_t need, size_t elsize);
#define AL_GROW(arr, alloc, need) \
	al_grow((void **)&(arr), &(alloc), (need), sizeof(*(arr)))

/* Allocations that failed so far in this process (injected or real). */
unsigned long al_mem_failures(void);

/* Test hook: make the allocation after `n` more succeed fail (and every
 * later one when sticky). n < 0 disables. Not thread-safe; tests only.
 * Returns what was left of the previous countdown: >= 0 when the failure it
 * asked for has not happened yet (fewer allocations were made), else -1. An
 * allocation-failure sweep counts a call's allocations with it. */
long al_mem_fail_after(long n, int sticky);

#endif
