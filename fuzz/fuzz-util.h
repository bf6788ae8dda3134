/*
 * fuzz-util.h: helpers for the harnesses. Inputs become NUL-terminated
 * strings (the parsers take C strings); an input holding a NUL is cut
 * there, as a caller reading text would have to.
 */
#ifndef AL_FUZZ_UTIL_H
#define AL_FUZZ_UTIL_H

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
