/*
 * mem.h: allocation for libairlock. Every allocation in lib/ goes through
 * these so that the allocation-failure sweep (tests, issue 9) can make the
 * Nth one fail. They behave like the libc functions and return NULL on
 * failure; al_reallocarray() never loses the old block.
 */
#ifndef AL_MEM_H
#define AL_MEM_H

#include <stddef.h>

void *al_malloc(size_t n);
void *al_calloc(size_t nmemb, size_t size);
/* Like reallocarray(3): checks nmemb * size for overflow. */
void *al_reallocarray(void *p, size_t nmemb, size_t size);
char *al_strdup(const char *s);
char *al_strndup(const char *s, size_t n);
void al_free(void *p);

/* String vectors (char **v of n strings). Free the n strings of v
 * (al_free), then v; NULL v is fine. */
void al_strv_free(char **v, size_t n);
/* The qsort and bsearch comparator of two elements of a string vector
 * (strcmp of the char * they hold). */
int al_strv_cmp(const void *a, const void *b);

/* Grow *arr (of *alloc elements of elsize bytes) to hold at least need
 * elements. Returns 0, or -1 when out of memory (the array is unchanged). */
int al_grow(void **arr, size_t *alloc, size_t need, size_t elsize);
#define AL_GROW(arr, alloc, need) \
	al_grow((void **)&(arr), &(alloc), (need), sizeof(*(arr)))

/* Test hook: make the allocation after `n` more succeed fail (and every
 * later one when sticky). n < 0 disables. Not thread-safe; tests only.
 * Returns what was left of the previous countdown: >= 0 when the failure it
 * asked for has not happened yet (fewer allocations were made), else -1. An
 * allocation-failure sweep counts a call's allocations with it. */
long al_mem_fail_after(long n, int sticky);

#endif
