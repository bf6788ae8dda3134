/* lib/core/mem.c through its interface: the allocators, overflow checks, al_grow,
 * the failure hook the allocation sweeps use, and string vectors. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "airlock.h"
#include "core/mem.h"
#include "tap.h"

int main(void)
{
	int *v = NULL, *w;
	size_t alloc = 0;
	char *s;
	void *p;
	long left;

	s = al_strdup("hello");
	is_str(s, "hello", "strdup");
	al_free(s);
	s = al_strndup("hello", 3);
	is_str(s, "hel", "strndup cuts");
	al_free(s);
	s = al_strndup("hi", 10);
	is_str(s, "hi", "strndup of a shorter string");
	al_free(s);
	p = al_calloc(16, 4);
	ok(p && !memcmp(p, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16), "calloc zeroes");
	al_free(p);
	ok(al_reallocarray(NULL, SIZE_MAX / 2, 4) == NULL, "reallocarray refuses an overflowing size");
	p = al_malloc(8);
	ok(p && al_reallocarray(p, SIZE_MAX / 2, 4) == NULL, "and keeps the old block");
	al_free(p); /* the sanitizers would see a double free or a leak */
	al_free(NULL);

	is_int(AL_GROW(v, alloc, 10), 0, "grow to 10");
	ok(v && alloc >= 10, "room for 10 (%zu)", alloc);
	for (int i = 0; i < 10; i++)
		v[i] = i;
	w = v;
	is_int(AL_GROW(v, alloc, 5), 0, "asking for less");
	ok(v == w, "changes nothing");
	is_int(AL_GROW(v, alloc, 1000), 0, "grow to 1000");
	ok(alloc >= 1000 && v[9] == 9, "keeps the elements");

	/* the failure hook */
	left = al_mem_fail_after(1, 0);
	ok(left < 0, "no countdown was running (%ld)", left);
	p = al_malloc(8);
	ok(p != NULL, "the first allocation after n = 1 succeeds");
	ok(al_malloc(8) == NULL, "the second fails");
	s = al_strdup("x");
	ok(s != NULL, "and not sticky: the next succeeds");
	al_free(s);
	al_free(p);
	w = v;
	alloc = 1000;
	al_mem_fail_after(0, 1);
	ok(AL_GROW(v, alloc, 100000) == -1 && v == w && alloc == 1000,
	   "a failed grow leaves the array as it was");
	ok(al_strdup("y") == NULL && al_calloc(1, 1) == NULL, "sticky: every allocation fails");
	left = al_mem_fail_after(-1, 0);
	ok(left < 0, "the countdown had run out (%ld)", left);
	left = al_mem_fail_after(5, 0);
	p = al_malloc(1);
	left = al_mem_fail_after(-1, 0);
	is_int(left, 4, "what was left of an unfinished countdown");
	al_free(p);
	s = al_strdup("z");
	ok(s != NULL, "disabled again");
	al_free(s);
	al_free(v);

	{
		/* a string vector: sorted and searched with the one comparator, freed
		 * with the one free (NULL is fine) */
		char **sv = al_calloc(3, sizeof(*sv));
		const char *key = "b";
		char **hit;

		sv[0] = al_strdup("c");
		sv[1] = al_strdup("a");
		sv[2] = al_strdup("b");
		qsort(sv, 3, sizeof(*sv), al_strv_cmp);
		ok(!strcmp(sv[0], "a") && !strcmp(sv[1], "b") && !strcmp(sv[2], "c"),
		   "al_strv_cmp sorts a string vector by strcmp");
		hit = bsearch(&key, sv, 3, sizeof(*sv), al_strv_cmp);
		ok(hit == &sv[1], "and finds in it with bsearch");
		al_strv_free(sv, 3);
		al_strv_free(NULL, 5);
		ok(1, "al_strv_free of NULL does nothing");
	}
	return done_testing();
}
