/*
 * glob.c: shell-style patterns as Python's fnmatch.fnmatchcase, and the
 * include/exclude selection huggingface_hub builds on them (glob.h). Pure:
 * no I/O, no allocation but a scratch buffer for a pattern ending in '/'.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "hub/glob.h"

/* Next code point of a UTF-8 string (invalid bytes stand for themselves). */
static uint32_t next_cp(const char **sp)
{
	const unsigned char *s = (const unsigned char *)*sp;
	uint32_t c = s[0];
	int n = 0;

	if (c >= 0xf0 && c < 0xf8)
		n = 3, c &= 0x07;
	else if (c >= 0xe0)
		n = c < 0xf0 ? 2 : 0, c &= n ? 0x0f : 0xff;
	else if (c >= 0xc0)
		n = 1, c &= 0x1f;
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*sp += 1;
			return s[0];
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	*sp += 1 + n;
	return c;
}

/* A "[...]" class at p (just after '['): *end is set after the ']'. Returns
 * -1 when there is no closing ']' (then '[' is a literal), else whether c is
 * in the class. */
static int match_class(const char *p, uint32_t c, const char **end)
{
	bool neg = false, in = false;
	const char *q = p;

	if (*q == '!')
		neg = true, q++;
	if (*q == ']') { /* a ']' first is literal */
		in |= c == ']';
		q++;
	}
	while (*q && *q != ']') {
		uint32_t lo = next_cp(&q), hi = lo;
		if (q[0] == '-' && q[1] && q[1] != ']') {
			q++;
			hi = next_cp(&q);
		}
		if (lo <= c && c <= hi)
			in = true;
	}
	if (!*q)
		return -1;
	*end = q + 1;
	return in != neg;
}

bool al_glob_match(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	for (;;) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return true;
			star_p = p;
			star_s = s;
			continue;
		}
		if (!*s) {
			if (!*p)
				return true;
			goto backtrack;
		}
		{
			const char *ps = p, *ss = s, *end;
			uint32_t c = next_cp(&ss);
			bool m;
			if (*p == '?') {
				p++;
				m = true;
			} else if (*p == '[') {
				int r = match_class(p + 1, c, &end);
				if (r < 0) {
					p++;
					m = c == '[';
				} else {
					p = end;
					m = r;
				}
			} else {
				m = *p && next_cp(&ps) == c;
				p = ps;
			}
			if (m) {
				s = ss;
				continue;
			}
		}
backtrack:
		if (!star_p || !*star_s)
			return false;
		/* let the last '*' eat one more character */
		next_cp(&star_s);
		p = star_p;
		s = star_s;
	}
}

static bool matches_any(const char *path, const struct al_strlist *l)
{
	struct al_buf b = AL_BUF_INIT;
	bool hit = false;

	for (size_t i = 0; l && i < l->n && !hit; i++) {
		const char *pat = l->v[i];
		size_t n = strlen(pat);
		if (n && pat[n - 1] == '/') {
			al_buf_reset(&b);
			if (al_buf_addstr(&b, pat) || al_buf_addch(&b, '*'))
				continue; /* out of memory: cannot match */
			pat = b.buf;
		}
		hit = al_glob_match(pat, path);
	}
	al_buf_release(&b);
	return hit;
}

bool al_glob_selected(const char *path, const struct al_strlist *include,
                      const struct al_strlist *exclude)
{
	if (include && include->n && !matches_any(path, include))
		return false;
	return !matches_any(path, exclude);
}
