/*
 * pep-escape.h: the field escapes shared by the PEP fixtures and the
 * cross-check driver. Fields are separated by tabs; inside a field
 * \t \n \r \f \v \\ \s (a space) and \xNN stand for themselves, so that
 * whitespace and control bytes can be written. Header-only.
 */
#ifndef AL_PEP_ESCAPE_H
#define AL_PEP_ESCAPE_H

#include <stdio.h>
#include <string.h>

static inline int pep_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode in place; returns the field. */
static inline char *pep_unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		if (*r != '\\' || !r[1]) {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r) {
		case 't': *w++ = '\t'; r++; break;
		case 'n': *w++ = '\n'; r++; break;
		case 'r': *w++ = '\r'; r++; break;
		case 'f': *w++ = '\f'; r++; break;
		case 'v': *w++ = '\v'; r++; break;
		case 's': *w++ = ' '; r++; break;
		case '\\': *w++ = '\\'; r++; break;
		case 'x':
			if (pep_hex(r[1]) >= 0 && pep_hex(r[2]) >= 0) {
				*w++ = (char)(pep_hex(r[1]) * 16 + pep_hex(r[2]));
				r += 3;
				break;
			}
			/* fall through */
		default:
			*w++ = '\\';
			break;
		}
	}
	*w = '\0';
	return s;
}

/* Split line (no newline) at tabs into at most max fields, unescaped. */
static inline int pep_split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line, *tab;

	while (n < max) {
		fields[n++] = p;
		tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	for (int i = 0; i < n; i++)
		pep_unescape(fields[i]);
	return n;
}

/* Print s escaped so that it fits in one field. */
static inline void pep_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			fputs("\\\\", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

#endif
