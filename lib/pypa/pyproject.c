/*
 * pyproject.c: build-system out of an sdist's pyproject.toml (pyproject.h).
 *
 * A scanner for TOML 1.0 documents that keeps two values and skips the rest.
 * Key paths are kept with '\x1f' between their parts (a key never holds a
 * control character here: such a key is refused), so that the quoted key
 * "build-system.requires" is not the dotted one.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "pypa/pep508.h"
#include "pypa/pyproject.h"

#define SEP '\x1f'
#define DEPTH_MAX 32
#define STRING_MAX ((size_t)8192) /* a kept string (a requirement, the backend) */

static const char REQUIRES[] = "build-system\x1frequires";
static const char BACKEND[] = "build-system\x1f" "build-backend";

enum kind { K_ANY, K_REQUIRES, K_BACKEND };

struct tp {
	const char *p, *end;
	const char *name;
	unsigned line;
	struct al_diag *d;
	struct al_build_system *out;
	size_t arequires;
	bool seen_requires, seen_backend;
};

static al_err fail(struct tp *t, al_err code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return al_diag_set(t->d, code, "sdist '%s': pyproject.toml:%u: %s", t->name, t->line, msg);
}

static al_err oom(struct tp *t)
{
	return al_oom(t->d);
}

static bool at(struct tp *t, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(t->end - t->p) >= n && !memcmp(t->p, s, n);
}

static void skip_ws(struct tp *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

/* Spaces, newlines and comments. A comment holds no control character but tab. */
static al_err skip_blank(struct tp *t)
{
	while (t->p < t->end) {
		unsigned char c = (unsigned char)*t->p;
		if (c == ' ' || c == '\t' || c == '\r') {
			if (c == '\r' && !at(t, "\r\n"))
				return fail(t, AL_EPARSE, "a carriage return without a line feed");
			t->p++;
		} else if (c == '\n') {
			t->line++;
			t->p++;
		} else if (c == '#') {
			while (t->p < t->end && *t->p != '\n' && *t->p != '\r') {
				c = (unsigned char)*t->p++;
				if ((c < 0x20 && c != '\t') || c == 0x7f)
					return fail(t, AL_EPARSE, "a control character in a comment");
			}
		} else {
			break;
		}
	}
	return AL_OK;
}

/* After a header or a key/value pair: spaces, a comment, then the line ends. */
static al_err end_of_line(struct tp *t)
{
	skip_ws(t);
	if (t->p < t->end && *t->p == '#') {
		while (t->p < t->end && *t->p != '\n' && *t->p != '\r') {
			unsigned char c = (unsigned char)*t->p++;
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return fail(t, AL_EPARSE, "a control character in a comment");
		}
	}
	if (t->p == t->end || *t->p == '\n' || at(t, "\r\n"))
		return AL_OK;
	return fail(t, AL_EPARSE, "expected the end of the line");
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static al_err add_utf8(struct al_buf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return al_buf_add(b, u, n);
}

/* One escape after a backslash in a basic string, into b (NULL: checked only). */
static al_err escape(struct tp *t, struct al_buf *b)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *e;
	unsigned long cp = 0;
	int i, n;

	if (t->p == t->end)
		return fail(t, AL_EPARSE, "a string does not end");
	if ((e = strchr(from, *t->p)) && *t->p) {
		t->p++;
		return b ? al_buf_addch(b, to[e - from]) : AL_OK;
	}
	if (*t->p != 'u' && *t->p != 'U')
		return fail(t, AL_EPARSE, "an unknown escape '\\%c'",
		            (*t->p > 0x20 && *t->p < 0x7f) ? *t->p : '?');
	n = *t->p++ == 'u' ? 4 : 8;
	if (t->end - t->p < n)
		return fail(t, AL_EPARSE, "a short \\u escape");
	for (i = 0; i < n; i++) {
		int v = hexval(*t->p++);
		if (v < 0)
			return fail(t, AL_EPARSE, "a bad \\u escape");
		cp = cp * 16 + (unsigned long)v;
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(t, AL_EPARSE, "a \\u escape that is not a Unicode scalar value");
	return b ? add_utf8(b, cp) : AL_OK;
}

/* A string of any of the four kinds at t->p, into b when b is given (capped
 * at STRING_MAX), else skipped. multiline: the two multi-line kinds are
 * allowed (not in keys). */
static al_err string(struct tp *t, struct al_buf *b, bool multiline)
{
	char q = *t->p;
	bool ml = false, basic = q == '"';
	al_err err;

	if (multiline && (at(t, "\"\"\"") || at(t, "'''"))) {
		ml = true;
		t->p += 3;
		if (at(t, "\n")) {
			t->line++;
			t->p++;
		} else if (at(t, "\r\n")) {
			t->line++;
			t->p += 2;
		}
	} else {
		t->p++;
	}
	for (;;) {
		unsigned char c;
		if (t->p == t->end)
			return fail(t, AL_EPARSE, "a string does not end");
		c = (unsigned char)*t->p;
		if (c == (unsigned char)q) {
			if (!ml) {
				t->p++;
				break;
			}
			if (at(t, q == '"' ? "\"\"\"" : "'''")) {
				size_t n = 3;
				while (n < 5 && t->p + n < t->end && t->p[n] == q)
					n++;
				if (b && n > 3 && al_buf_add(b, t->p, n - 3))
					return oom(t);
				t->p += n;
				break;
			}
		}
		if (c == '\n' || c == '\r') {
			if (!ml)
				return fail(t, AL_EPARSE, "a new line in a single-line string");
			if (c == '\r' && !at(t, "\r\n"))
				return fail(t, AL_EPARSE, "a carriage return without a line feed");
			t->line += c == '\n';
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			return fail(t, AL_EPARSE, "a control character in a string");
		}
		if (c == '\\' && basic) {
			t->p++;
			if (ml) {
				/* a line-ending backslash eats the white space that follows */
				const char *s = t->p;
				while (s < t->end && (*s == ' ' || *s == '\t'))
					s++;
				if (s < t->end && (*s == '\n' || *s == '\r')) {
					t->p = s;
					while (t->p < t->end &&
					       (*t->p == ' ' || *t->p == '\t' || *t->p == '\n' || *t->p == '\r')) {
						t->line += *t->p == '\n';
						t->p++;
					}
					continue;
				}
			}
			if ((err = escape(t, b)))
				return err == AL_ENOMEM ? oom(t) : err;
		} else {
			if (b && al_buf_addch(b, (char)c))
				return oom(t);
			t->p++;
		}
		if (b && b->len > STRING_MAX)
			return fail(t, AL_ELIMIT, "a string longer than %zu bytes", STRING_MAX);
	}
	return AL_OK;
}

/* A dotted key, appended to path (parts after the first preceded by SEP). */
static al_err key(struct tp *t, struct al_buf *path)
{
	struct al_buf part = AL_BUF_INIT;
	al_err err = AL_OK;

	for (;;) {
		skip_ws(t);
		al_buf_reset(&part);
		if (t->p < t->end && (*t->p == '"' || *t->p == '\'')) {
			size_t i;
			if ((err = string(t, &part, false)))
				goto out;
			for (i = 0; i < part.len; i++)
				if ((unsigned char)part.buf[i] < 0x20 || part.buf[i] == 0x7f) {
					err = fail(t, AL_EUNSUPPORTED, "a key with a control character");
					goto out;
				}
		} else {
			const char *s = t->p;
			while (t->p < t->end &&
			       ((*t->p >= 'a' && *t->p <= 'z') || (*t->p >= 'A' && *t->p <= 'Z') ||
			        (*t->p >= '0' && *t->p <= '9') || *t->p == '_' || *t->p == '-'))
				t->p++;
			if (t->p == s) {
				err = fail(t, AL_EPARSE, "expected a key");
				goto out;
			}
			if (al_buf_add(&part, s, (size_t)(t->p - s))) {
				err = oom(t);
				goto out;
			}
		}
		if ((path->len && al_buf_addch(path, SEP)) || al_buf_add(path, part.buf, part.len)) {
			err = oom(t);
			goto out;
		}
		if (path->len > 4096) {
			err = fail(t, AL_ELIMIT, "a key longer than 4096 bytes");
			goto out;
		}
		skip_ws(t);
		if (t->p < t->end && *t->p == '.') {
			t->p++;
			continue;
		}
		break;
	}
out:
	al_buf_release(&part);
	return err;
}

static bool path_is(const struct al_buf *path, const char *s)
{
	return path->len == strlen(s) && !memcmp(path->buf, s, path->len);
}

/* Does this path lie in build-system (the table itself or under it)? */
static bool in_build_system(const struct al_buf *path)
{
	static const char bs[] = "build-system";

	return path->len >= sizeof(bs) - 1 && !memcmp(path->buf, bs, sizeof(bs) - 1) &&
	       (path->len == sizeof(bs) - 1 || path->buf[sizeof(bs) - 1] == SEP);
}

static al_err value(struct tp *t, const struct al_buf *path, int depth);

static al_err requires_list(struct tp *t)
{
	struct al_buf s = AL_BUF_INIT;
	al_err err;

	if (t->seen_requires)
		return fail(t, AL_EPARSE, "build-system.requires is given twice");
	t->seen_requires = true;
	if (t->p == t->end || *t->p != '[')
		return fail(t, AL_EINVALID, "build-system.requires: expected a list of strings");
	t->p++;
	for (;;) {
		if ((err = skip_blank(t)))
			return err;
		if (t->p < t->end && *t->p == ']') {
			t->p++;
			return AL_OK;
		}
		if (t->p == t->end || (*t->p != '"' && *t->p != '\''))
			return fail(t, AL_EINVALID, "build-system.requires: expected a list of strings");
		if (t->out->nrequires >= AL_PYPROJECT_MAX_REQUIRES)
			return fail(t, AL_ELIMIT, "build-system.requires: more than %d entries",
			            AL_PYPROJECT_MAX_REQUIRES);
		al_buf_init(&s);
		if ((err = string(t, &s, true))) {
			al_buf_release(&s);
			return err;
		}
		if (memchr(s.buf ? s.buf : "", '\0', s.len)) {
			al_buf_release(&s);
			return fail(t, AL_EINVALID, "build-system.requires: a NUL byte in a requirement");
		}
		if (AL_GROW(t->out->requires, t->arequires, t->out->nrequires + 2) ||
		    !(t->out->requires[t->out->nrequires] = al_buf_detach(&s, NULL))) {
			al_buf_release(&s);
			return oom(t);
		}
		t->out->requires[++t->out->nrequires] = NULL;
		if ((err = skip_blank(t)))
			return err;
		if (t->p < t->end && *t->p == ',') {
			t->p++;
			continue;
		}
		if (t->p < t->end && *t->p == ']') {
			t->p++;
			return AL_OK;
		}
		return fail(t, AL_EPARSE, "build-system.requires: expected ',' or ']'");
	}
}

static al_err backend(struct tp *t)
{
	struct al_buf s = AL_BUF_INIT;
	al_err err;

	if (t->seen_backend)
		return fail(t, AL_EPARSE, "build-system.build-backend is given twice");
	t->seen_backend = true;
	if (t->p == t->end || (*t->p != '"' && *t->p != '\''))
		return fail(t, AL_EINVALID, "build-system.build-backend: expected a string");
	if ((err = string(t, &s, true))) {
		al_buf_release(&s);
		return err;
	}
	if (memchr(s.buf ? s.buf : "", '\0', s.len)) {
		al_buf_release(&s);
		return fail(t, AL_EINVALID, "build-system.build-backend: a NUL byte");
	}
	if (!(t->out->backend = al_buf_detach(&s, NULL)) && !(t->out->backend = al_strdup("")))
		return oom(t);
	return AL_OK;
}

/* An inline table: key = value pairs, their paths under path (NULL: inside
 * an array, where nothing is kept). */
static al_err inline_table(struct tp *t, const struct al_buf *path, int depth)
{
	struct al_buf kp = AL_BUF_INIT;
	al_err err = AL_OK;

	t->p++;
	if ((err = skip_blank(t)))
		return err;
	if (t->p < t->end && *t->p == '}') {
		t->p++;
		return AL_OK;
	}
	for (;;) {
		al_buf_reset(&kp);
		if (path && path->len && al_buf_add(&kp, path->buf, path->len)) {
			err = oom(t);
			break;
		}
		if ((err = skip_blank(t)) || (err = key(t, &kp)))
			break;
		if (t->p == t->end || *t->p != '=') {
			err = fail(t, AL_EPARSE, "expected '=' after a key");
			break;
		}
		t->p++;
		if ((err = skip_blank(t)) || (err = value(t, path ? &kp : NULL, depth + 1)) ||
		    (err = skip_blank(t)))
			break;
		if (t->p < t->end && *t->p == ',') {
			t->p++;
			continue;
		}
		if (t->p < t->end && *t->p == '}') {
			t->p++;
			break;
		}
		err = fail(t, AL_EPARSE, "expected ',' or '}' in an inline table");
		break;
	}
	al_buf_release(&kp);
	return err;
}

/* Any value; path says where it is (NULL: in an array). */
static al_err value(struct tp *t, const struct al_buf *path, int depth)
{
	al_err err;

	if (depth > DEPTH_MAX)
		return fail(t, AL_ELIMIT, "values nested deeper than %d", DEPTH_MAX);
	if (path && in_build_system(path))
		t->out->has_table = true;
	if (path && path_is(path, REQUIRES))
		return requires_list(t);
	if (path && path_is(path, BACKEND))
		return backend(t);
	if (t->p == t->end)
		return fail(t, AL_EPARSE, "expected a value");
	if (*t->p == '"' || *t->p == '\'')
		return string(t, NULL, true);
	if (*t->p == '{')
		return inline_table(t, path, depth);
	if (*t->p == '[') {
		t->p++;
		for (;;) {
			if ((err = skip_blank(t)))
				return err;
			if (t->p < t->end && *t->p == ']') {
				t->p++;
				return AL_OK;
			}
			if ((err = value(t, NULL, depth + 1)) || (err = skip_blank(t)))
				return err;
			if (t->p < t->end && *t->p == ',') {
				t->p++;
				continue;
			}
			if (t->p < t->end && *t->p == ']') {
				t->p++;
				return AL_OK;
			}
			return fail(t, AL_EPARSE, "expected ',' or ']' in an array");
		}
	}
	{
		/* numbers, booleans, dates and times (which may hold one space) */
		const char *s = t->p;
		while (t->p < t->end && *t->p != ',' && *t->p != ']' && *t->p != '}' && *t->p != '#' &&
		       *t->p != '\n' && *t->p != '\r') {
			unsigned char c = (unsigned char)*t->p;
			if (c < 0x20 && c != '\t')
				return fail(t, AL_EPARSE, "a control character in a value");
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			      strchr("+-_.:' \t", c)))
				return fail(t, AL_EPARSE, "expected a value");
			t->p++;
		}
		while (t->p > s && (t->p[-1] == ' ' || t->p[-1] == '\t'))
			t->p--;
		if (t->p == s)
			return fail(t, AL_EPARSE, "expected a value");
	}
	return AL_OK;
}

static al_err document(struct tp *t)
{
	struct al_buf table = AL_BUF_INIT, kp = AL_BUF_INIT;
	al_err err = AL_OK;

	for (;;) {
		if ((err = skip_blank(t)) || t->p == t->end)
			break;
		if (*t->p == '[') {
			bool array = at(t, "[[");
			t->p += array ? 2 : 1;
			al_buf_reset(&table);
			if ((err = key(t, &table)))
				break;
			if (!at(t, array ? "]]" : "]")) {
				err = fail(t, AL_EPARSE, "expected '%s' after a table name", array ? "]]" : "]");
				break;
			}
			t->p += array ? 2 : 1;
			if (in_build_system(&table)) {
				if (array && path_is(&table, "build-system")) {
					err = fail(t, AL_EINVALID, "build-system: expected a table");
					break;
				}
				t->out->has_table = true;
			}
			if ((err = end_of_line(t)))
				break;
			continue;
		}
		al_buf_reset(&kp);
		if (table.len && al_buf_add(&kp, table.buf, table.len)) {
			err = oom(t);
			break;
		}
		if ((err = key(t, &kp)))
			break;
		if (t->p == t->end || *t->p != '=') {
			err = fail(t, AL_EPARSE, "expected '=' after a key");
			break;
		}
		t->p++;
		skip_ws(t);
		if ((err = value(t, &kp, 0)) || (err = end_of_line(t)))
			break;
	}
	al_buf_release(&table);
	al_buf_release(&kp);
	return err;
}

void al_build_system_release(struct al_build_system *b)
{
	size_t i;

	for (i = 0; i < b->nrequires; i++)
		al_free(b->requires[i]);
	al_free(b->requires);
	al_free(b->backend);
	memset(b, 0, sizeof(*b));
}

al_err al_pyproject_build_system(const char *text, size_t len, const char *name,
                                 struct al_build_system *out, struct al_diag *d)
{
	struct tp t = { text, text + len, name, 1, d, out, 0, false, false };
	al_err err;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (len > AL_PYPROJECT_MAX)
		return al_diag_set(d, AL_ELIMIT, "sdist '%s': pyproject.toml is larger than %zu bytes",
		                   name, AL_PYPROJECT_MAX);
	if (memchr(text, '\0', len))
		return al_diag_set(d, AL_EPARSE, "sdist '%s': pyproject.toml holds a NUL byte", name);
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		t.p += 3; /* a byte order mark, which tomllib skips too */
	if ((err = document(&t)))
		goto fail;
	if (out->has_table && !t.seen_requires) {
		err = al_diag_set(d, AL_EINVALID, "sdist '%s': pyproject.toml: [build-system] has no "
		                  "'requires' (PEP 518 makes it mandatory; pip refuses to build it too)",
		                  name);
		goto fail;
	}
	for (i = 0; i < out->nrequires; i++) {
		struct al_requirement r = AL_REQUIREMENT_INIT;
		if ((err = al_requirement_parse(&r, out->requires[i], d))) {
			if (err != AL_ENOMEM)
				al_diag_prefix(d, "sdist '%s': pyproject.toml: build-system.requires[%zu]: ",
				               name, i);
			goto fail;
		}
		al_requirement_release(&r);
	}
	return AL_OK;
fail:
	al_build_system_release(out);
	return err;
}

static bool is_setuptools_backend(const char *b)
{
	return !b || !strcmp(b, "setuptools.build_meta") ||
	       !strcmp(b, "setuptools.build_meta:__legacy__");
}

al_err al_build_requirements(const struct al_build_system *b, char ***out, size_t *n,
                             struct al_diag *d)
{
	static const char *const legacy[] = AL_LEGACY_BUILD_REQUIRES;
	const char *const *src = b->has_table ? (const char *const *)b->requires : legacy;
	size_t nsrc = b->has_table ? b->nrequires : sizeof(legacy) / sizeof(legacy[0]), i;
	bool wheel = false;
	char **v;

	*out = NULL;
	*n = 0;
	if (!(v = al_calloc(nsrc + 2, sizeof(char *))))
		return al_oom(d);
	for (i = 0; i < nsrc; i++) {
		struct al_requirement r = AL_REQUIREMENT_INIT;
		if (!al_requirement_parse(&r, src[i], NULL) && !strcmp(r.norm_name, "wheel"))
			wheel = true;
		al_requirement_release(&r);
		if (!(v[i] = al_strdup(src[i])))
			goto oom;
	}
	if (!wheel && is_setuptools_backend(b->has_table ? b->backend : NULL) &&
	    !(v[i++] = al_strdup("wheel")))
		goto oom;
	*out = v;
	*n = i;
	return AL_OK;
oom:
	for (i = 0; v[i]; i++)
		al_free(v[i]);
	al_free(v);
	return al_oom(d);
}
