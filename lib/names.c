/*
 * names.c: PEP 503 name normalization and PEP 508 name validity.
 */
#include "config.h"

#include <string.h>

#include "mem.h"
#include "names.h"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_sep(char c)
{
	return c == '-' || c == '_' || c == '.';
}

char *al_name_normalize(const char *name)
{
	size_t i, j = 0, n = strlen(name);
	char *out = al_malloc(n + 1);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (is_sep(c)) {
			while (i + 1 < n && is_sep(name[i + 1]))
				i++;
			c = '-';
		} else if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		}
		out[j++] = c;
	}
	out[j] = '\0';
	return out;
}

bool al_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || !is_alnum(name[0]) || !is_alnum(name[n - 1]))
		return false;
	for (i = 1; i + 1 < n; i++)
		if (!is_alnum(name[i]) && !is_sep(name[i]))
			return false;
	return true;
}
