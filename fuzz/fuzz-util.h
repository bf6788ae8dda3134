/*
 * fuzz-util.h: helpers for the harnesses. Inputs become NUL-terminated
 * strings (the parsers take C strings); an input holding a NUL is cut
 * there, as a caller reading text would have to.
 */
#ifndef AL_FUZZ_UTIL_H
#define AL_FUZZ_UTIL_H

/* Tests and harnesses call library functions for their effect and check
 * what matters with ok() (or a crash); a setup helper's result they drop
 * (al_buf_addf building a fixture path, say) shows up as a failed check.
 * The library itself handles every AL_MUST_CHECK result. */
#pragma GCC diagnostic ignored "-Wunused-result"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline char *fuzz_cstr(const uint8_t *data, size_t size, size_t max)
{
	char *s;

	if (size > max)
		size = max;
	s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#define FUZZ_CHECK(cond) \
	do {             \
		if (!(cond))   \
			abort(); \
	} while (0)

#endif
