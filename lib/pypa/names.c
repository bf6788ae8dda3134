/*
 * names.c: PEP 503 name normalization and the PEP 508 name check.
 */
#include "config.h"

#include <string.h>

#include "core/mem.h"
#include "pypa/names.h"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_sep(char c)
{
	return c == '-' || c == '_' || c == '.';
}

void al_name_normalize_into(char *out, const char *name, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = name[i];

		if (is_sep(c)) {
			if (o && out[o - 1] == '-')
				continue;
			c = '-';
		} else if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		}
		out[o++] = c;
	}
	out[o] = '\0';
}

char *al_name_normalize(const char *name)
{
	size_t len = strlen(name);
	char *out = al_malloc(len + 1);

	if (out)
		al_name_normalize_into(out, name, len);
	return out;
}

bool al_name_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (!len || !is_alnum(name[0]) || !is_alnum(name[len - 1]))
		return false;
	for (i = 1; i + 1 < len; i++)
		if (!is_alnum(name[i]) && !is_sep(name[i]))
			return false;
	return true;
}

bool al_name_is_normalized(const char *name)
{
	const char *p;

	if (!al_name_valid(name))
		return false;
	for (p = name; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || *p == '_' || *p == '.')
			return false;
		if (*p == '-' && p[1] == '-')
			return false;
	}
	return true;
}
