/*
 * pep508.c: requirement strings and environment markers (PEP 508), following
 * packaging 26.x's hand-written tokenizer and parser (_tokenizer.py,
 * _parser.py) token for token, so that what it accepts, what it rejects
 * and where its caret points agree. Evaluation follows markers.py: the
 * version-valued variables compare as specifiers when "op value" parses as
 * one, everything else compares as strings (>= and <= as ==, < and > never).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "pypa/names.h"
#include "pypa/pep508.h"

static const char *const var_names[AL_MV_COUNT] = {
	[AL_MV_PYTHON_VERSION] = "python_version",
	[AL_MV_PYTHON_FULL_VERSION] = "python_full_version",
	[AL_MV_OS_NAME] = "os_name",
	[AL_MV_SYS_PLATFORM] = "sys_platform",
	[AL_MV_PLATFORM_RELEASE] = "platform_release",
	[AL_MV_PLATFORM_SYSTEM] = "platform_system",
	[AL_MV_PLATFORM_VERSION] = "platform_version",
	[AL_MV_PLATFORM_MACHINE] = "platform_machine",
	[AL_MV_PLATFORM_PYTHON_IMPLEMENTATION] = "platform_python_implementation",
	[AL_MV_IMPLEMENTATION_NAME] = "implementation_name",
	[AL_MV_IMPLEMENTATION_VERSION] = "implementation_version",
	[AL_MV_EXTRA] = "extra",
	[AL_MV_EXTRAS] = "extras",
	[AL_MV_DEPENDENCY_GROUPS] = "dependency_groups",
};

static const char *const mop_names[] = {
	[AL_MOP_LT] = "<",  [AL_MOP_LE] = "<=",        [AL_MOP_EQ] = "==",
	[AL_MOP_NE] = "!=", [AL_MOP_GE] = ">=",        [AL_MOP_GT] = ">",
	[AL_MOP_COMPAT] = "~=", [AL_MOP_ARBITRARY] = "===", [AL_MOP_IN] = "in",
	[AL_MOP_NOT_IN] = "not in",
};

const char *al_marker_var_name(enum al_marker_var v)
{
	return (unsigned)v < AL_MV_COUNT ? var_names[v] : "?";
}

int al_marker_var_lookup(const char *name)
{
	int i;

	for (i = 0; i < AL_MV_COUNT; i++)
		if (strcmp(name, var_names[i]) == 0)
			return i;
	return -1;
}

/* ---- the tokenizer ------------------------------------------------------ */

struct tk {
	const char *s;
	size_t len, pos;
	int depth;
	size_t nodes;
	struct al_diag *d;
};

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Python's \w, approximated: every non-ASCII byte counts as a letter. */
static bool is_word(unsigned char c)
{
	return is_alnum(c) || c == '_' || c >= 0x80;
}

static bool boundary(const struct tk *t, size_t pos)
{
	bool before = pos > 0 && is_word((unsigned char)t->s[pos - 1]);
	bool after = pos < t->len && is_word((unsigned char)t->s[pos]);

	return before != after;
}

/* The 1-based column (in characters) of byte offset pos. */
static size_t column(const struct tk *t, size_t pos)
{
	size_t i, col = 1;

	for (i = 0; i < pos && i < t->len; i++)
		if (((unsigned char)t->s[i] & 0xc0) != 0x80)
			col++;
	return col;
}

__attribute__((format(printf, 3, 4)))
static al_err syntax(struct tk *t, size_t at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return al_diag_set(t->d, AL_EPARSE, "column %zu: %s", column(t, at), msg);
}

static void skip_ws(struct tk *t)
{
	while (t->pos < t->len && (t->s[t->pos] == ' ' || t->s[t->pos] == '\t'))
		t->pos++;
}

static bool at_char(const struct tk *t, char c)
{
	return t->pos < t->len && t->s[t->pos] == c;
}

static bool at_end(const struct tk *t)
{
	return t->pos >= t->len;
}

/* \b[a-zA-Z0-9][a-zA-Z0-9._-]*\b at pos: the length, or 0. */
static size_t ident_len(const struct tk *t)
{
	size_t p = t->pos, end, e;

	if (p >= t->len || !is_alnum((unsigned char)t->s[p]) || !boundary(t, p))
		return 0;
	end = p + 1;
	while (end < t->len && (is_alnum((unsigned char)t->s[end]) || t->s[end] == '.' ||
	                        t->s[end] == '_' || t->s[end] == '-'))
		end++;
	for (e = end; e > p; e--)
		if (boundary(t, e))
			return e - p;
	return 0;
}

/* A literal at pos where '.' in pat stands for [._]. */
static size_t match_pat(const struct tk *t, const char *pat)
{
	size_t n = strlen(pat), k;

	if (t->len - t->pos < n)
		return 0;
	for (k = 0; k < n; k++) {
		char c = t->s[t->pos + k];

		if (pat[k] == '.' ? (c != '.' && c != '_') : c != pat[k])
			return 0;
	}
	return n;
}

/* packaging's VARIABLE rule, alternatives in its order. */
static size_t var_len(const struct tk *t, int *var)
{
	static const struct {
		const char *pat;
		int var;
	} vars[] = {
		{ "python_version", AL_MV_PYTHON_VERSION },
		{ "python_full_version", AL_MV_PYTHON_FULL_VERSION },
		{ "os.name", AL_MV_OS_NAME },
		{ "sys.platform", AL_MV_SYS_PLATFORM },
		{ "platform_release", AL_MV_PLATFORM_RELEASE },
		{ "platform_system", AL_MV_PLATFORM_SYSTEM },
		{ "platform.version", AL_MV_PLATFORM_VERSION },
		{ "platform.machine", AL_MV_PLATFORM_MACHINE },
		{ "platform.python_implementation", AL_MV_PLATFORM_PYTHON_IMPLEMENTATION },
		{ "python_implementation", AL_MV_PLATFORM_PYTHON_IMPLEMENTATION },
		{ "implementation_name", AL_MV_IMPLEMENTATION_NAME },
		{ "implementation_version", AL_MV_IMPLEMENTATION_VERSION },
		{ "extras", AL_MV_EXTRAS },
		{ "extra", AL_MV_EXTRA },
		{ "dependency_groups", AL_MV_DEPENDENCY_GROUPS },
	};
	size_t k, n;

	if (!boundary(t, t->pos))
		return 0;
	for (k = 0; k < sizeof(vars) / sizeof(vars[0]); k++) {
		if ((n = match_pat(t, vars[k].pat)) && boundary(t, t->pos + n)) {
			*var = vars[k].var;
			return n;
		}
	}
	return 0;
}

/* \bword\b */
static size_t kw_len(const struct tk *t, const char *word)
{
	size_t n = strlen(word);

	if (t->len - t->pos < n || memcmp(t->s + t->pos, word, n) || !boundary(t, t->pos) ||
	    !boundary(t, t->pos + n))
		return 0;
	return n;
}

static size_t op_len(const struct tk *t, enum al_marker_op *op)
{
	static const struct {
		const char *text;
		enum al_marker_op op;
	} ops[] = {
		{ "===", AL_MOP_ARBITRARY }, { "==", AL_MOP_EQ }, { "~=", AL_MOP_COMPAT },
		{ "!=", AL_MOP_NE },         { "<=", AL_MOP_LE }, { ">=", AL_MOP_GE },
		{ "<", AL_MOP_LT },          { ">", AL_MOP_GT },
	};
	size_t k, n;

	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		n = strlen(ops[k].text);
		if (t->len - t->pos >= n && memcmp(t->s + t->pos, ops[k].text, n) == 0) {
			*op = ops[k].op;
			return n;
		}
	}
	return 0;
}

/* ---- Python string literals (ast.literal_eval of '...' or "...") ------ */

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

/* Decode the body of a quoted string. AL_EPARSE where Python raises
 * (bad \x, \u, \U escapes, raw line breaks, NUL) and for \N{...} and
 * escapes that produce NUL, which we do not support. */
static al_err py_unescape(const char *s, size_t len, struct al_buf *out)
{
	size_t i = 0, k;
	al_err err = AL_OK;

	while (i < len && !err) {
		char c = s[i];
		unsigned long cp;
		int digits;

		if (c == '\n' || c == '\r' || c == '\0')
			return AL_EPARSE;
		if (c != '\\') {
			err = al_buf_addch(out, c);
			i++;
			continue;
		}
		if (++i >= len)
			return AL_EPARSE;
		c = s[i++];
		switch (c) {
		case '\n':
			break;
		case '\r':
			if (i < len && s[i] == '\n')
				i++;
			break;
		case '\\': case '\'': case '"':
			err = al_buf_addch(out, c);
			break;
		case 'a': err = al_buf_addch(out, '\a'); break;
		case 'b': err = al_buf_addch(out, '\b'); break;
		case 'f': err = al_buf_addch(out, '\f'); break;
		case 'n': err = al_buf_addch(out, '\n'); break;
		case 'r': err = al_buf_addch(out, '\r'); break;
		case 't': err = al_buf_addch(out, '\t'); break;
		case 'v': err = al_buf_addch(out, '\v'); break;
		case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
			cp = (unsigned long)(c - '0');
			for (k = 0; k < 2 && i < len && s[i] >= '0' && s[i] <= '7'; k++)
				cp = cp * 8 + (unsigned long)(s[i++] - '0');
			if (!cp)
				return AL_EPARSE;
			err = add_utf8(out, cp);
			break;
		case 'x': case 'u': case 'U':
			digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
			cp = 0;
			for (k = 0; k < (size_t)digits; k++) {
				if (i >= len || al_hexval(s[i]) < 0)
					return AL_EPARSE;
				cp = cp * 16 + (unsigned long)al_hexval(s[i++]);
			}
			if (!cp || cp > 0x10ffff)
				return AL_EPARSE;
			err = add_utf8(out, cp);
			break;
		case 'N':
			return AL_EPARSE;
		default:
			/* unknown escapes keep their backslash */
			if ((err = al_buf_addch(out, '\\')))
				break;
			i--;
			break;
		}
	}
	return err;
}

/* ---- marker nodes ------------------------------------------------------- */

void al_marker_free(struct al_marker *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		al_marker_free(m->items[i]);
	al_free(m->items);
	al_free(m->is_or);
	al_free(m->lhs.str);
	al_free(m->rhs.str);
	al_free(m);
}

static al_err new_node(struct tk *t, bool is_list, struct al_marker **out)
{
	if (++t->nodes > AL_MARKER_MAX_NODES)
		return al_diag_set(t->d, AL_ELIMIT, "marker too complex (more than %d parts)",
		                   AL_MARKER_MAX_NODES);
	*out = al_calloc(1, sizeof(**out));
	if (!*out)
		return al_oom(t->d);
	(*out)->is_list = is_list;
	(*out)->lhs.var = (*out)->rhs.var = -1;
	return AL_OK;
}

static al_err list_add(struct tk *t, struct al_marker *list, struct al_marker *item, bool is_or)
{
	struct al_marker **items;
	bool *ors;

	items = al_reallocarray(list->items, list->n + 1, sizeof(*items));
	if (!items)
		return al_oom(t->d);
	list->items = items;
	ors = al_reallocarray(list->is_or, list->n + 1, sizeof(*ors));
	if (!ors)
		return al_oom(t->d);
	list->is_or = ors;
	list->items[list->n] = item;
	list->is_or[list->n] = is_or;
	list->n++;
	return AL_OK;
}

/* ---- the marker parser (packaging's _parse_marker and friends) ------------ */

static al_err parse_marker(struct tk *t, struct al_marker **out);

static al_err parse_var(struct tk *t, struct al_marker_operand *o)
{
	struct al_buf b = AL_BUF_INIT;
	size_t n, start;
	const char *q;
	al_err err;

	if ((n = var_len(t, &o->var))) {
		t->pos += n;
		return AL_OK;
	}
	if (at_char(t, '\'') || at_char(t, '"')) {
		start = t->pos;
		q = memchr(t->s + start + 1, t->s[start], t->len - start - 1);
		if (q) {
			n = (size_t)(q - (t->s + start)) + 1;
			t->pos += n;
			err = py_unescape(t->s + start + 1, n - 2, &b);
			if (err == AL_ENOMEM || err == AL_ELIMIT) {
				al_buf_release(&b);
				return al_oom(t->d);
			}
			if (err) {
				al_buf_release(&b);
				return syntax(t, start + n, "invalid quoted string");
			}
			o->str = al_buf_detach(&b, NULL);
			if (!o->str)
				return al_oom(t->d);
			return AL_OK;
		}
	}
	return syntax(t, t->pos, "expected a marker variable or quoted string");
}

static al_err parse_op(struct tk *t, enum al_marker_op *op)
{
	size_t n;

	if ((n = kw_len(t, "in"))) {
		t->pos += n;
		*op = AL_MOP_IN;
		return AL_OK;
	}
	if ((n = kw_len(t, "not"))) {
		t->pos += n;
		if (!at_char(t, ' ') && !at_char(t, '\t'))
			return syntax(t, t->pos, "expected whitespace after 'not'");
		skip_ws(t);
		if (!(n = kw_len(t, "in")))
			return syntax(t, t->pos, "expected 'in' after 'not'");
		t->pos += n;
		*op = AL_MOP_NOT_IN;
		return AL_OK;
	}
	if ((n = op_len(t, op))) {
		t->pos += n;
		return AL_OK;
	}
	return syntax(t, t->pos, "expected marker operator, one of <=, <, !=, ==, >=, >, ~=, "
	              "===, in, not in");
}

static al_err parse_item(struct tk *t, struct al_marker **out)
{
	struct al_marker *m = NULL;
	al_err err;

	if ((err = new_node(t, false, &m)))
		return err;
	skip_ws(t);
	if ((err = parse_var(t, &m->lhs)))
		goto out;
	skip_ws(t);
	if ((err = parse_op(t, &m->op)))
		goto out;
	skip_ws(t);
	if ((err = parse_var(t, &m->rhs)))
		goto out;
	skip_ws(t);
out:
	if (err)
		al_marker_free(m);
	else
		*out = m;
	return err;
}

static al_err parse_atom(struct tk *t, struct al_marker **out)
{
	size_t open;
	al_err err;

	skip_ws(t);
	if (at_char(t, '(')) {
		open = t->pos++;
		if (++t->depth > AL_MARKER_MAX_DEPTH)
			return al_diag_set(t->d, AL_ELIMIT, "column %zu: markers nested too deeply "
			                   "(at most %d)", column(t, open), AL_MARKER_MAX_DEPTH);
		skip_ws(t);
		if ((err = parse_marker(t, out)))
			return err;
		skip_ws(t);
		if (!at_char(t, ')')) {
			al_marker_free(*out);
			*out = NULL;
			return syntax(t, t->pos, "expected matching ')' for '(', after marker "
			              "expression");
		}
		t->pos++;
		t->depth--;
	} else if ((err = parse_item(t, out))) {
		return err;
	}
	skip_ws(t);
	return AL_OK;
}

static al_err parse_marker(struct tk *t, struct al_marker **out)
{
	struct al_marker *list = NULL, *item = NULL;
	bool is_or = false;
	size_t n;
	al_err err;

	if ((err = new_node(t, true, &list)))
		return err;
	for (;;) {
		if ((err = parse_atom(t, &item)))
			goto out;
		if ((err = list_add(t, list, item, is_or)))
			goto out;
		item = NULL;
		if ((n = kw_len(t, "or")))
			is_or = true;
		else if ((n = kw_len(t, "and")))
			is_or = false;
		else
			break;
		t->pos += n;
	}
out:
	al_marker_free(item);
	if (err)
		al_marker_free(list);
	else
		*out = list;
	return err;
}

/* PEP 685: literals compared with extra (or tested against extras and
 * dependency_groups) are normalized at parse time, as packaging does. */
static al_err normalize_extras(struct tk *t, struct al_marker *m)
{
	struct al_marker_operand *lit = NULL;
	size_t i;
	al_err err;

	if (m->is_list) {
		for (i = 0; i < m->n; i++)
			if ((err = normalize_extras(t, m->items[i])))
				return err;
		return AL_OK;
	}
	if (m->lhs.var == AL_MV_EXTRA && m->rhs.var < 0)
		lit = &m->rhs;
	else if (m->rhs.var == AL_MV_EXTRA && m->lhs.var < 0)
		lit = &m->lhs;
	else if ((m->rhs.var == AL_MV_EXTRAS || m->rhs.var == AL_MV_DEPENDENCY_GROUPS) &&
	         m->lhs.var < 0)
		lit = &m->lhs;
	if (lit) {
		char *norm = al_name_normalize(lit->str);

		if (!norm)
			return al_oom(t->d);
		al_free(lit->str);
		lit->str = norm;
	}
	return AL_OK;
}

al_err al_marker_parse(struct al_marker **out, const char *s, struct al_diag *d)
{
	struct tk t = { s, strlen(s), 0, 0, 0, d };
	struct al_marker *m = NULL;
	al_err err;

	*out = NULL;
	if (t.len > AL_REQUIREMENT_MAX_LEN)
		return al_diag_set(d, AL_ELIMIT, "marker too long (%zu bytes)", t.len);
	if ((err = parse_marker(&t, &m)))
		return err;
	if (!at_end(&t)) {
		err = syntax(&t, t.pos, "expected end of marker expression");
		goto out;
	}
	err = normalize_extras(&t, m);
out:
	if (err)
		al_marker_free(m);
	else
		*out = m;
	return err;
}

/* ---- str(Marker) ---------------------------------------------------------- */

static al_err operand_str(const struct al_marker_operand *o, struct al_buf *out)
{
	if (o->var >= 0)
		return al_buf_addstr(out, var_names[o->var]);
	if (!strchr(o->str, '"'))
		return al_buf_addf(out, "\"%s\"", o->str);
	if (!strchr(o->str, '\''))
		return al_buf_addf(out, "'%s'", o->str);
	return AL_EINVALID;
}

static al_err marker_fmt(const struct al_marker *m, bool first, struct al_buf *out)
{
	al_err err = AL_OK;
	size_t i;

	if (m->is_list && m->n == 1)
		return marker_fmt(m->items[0], first, out);
	if (!m->is_list) {
		if ((err = operand_str(&m->lhs, out)) ||
		    (err = al_buf_addf(out, " %s ", mop_names[m->op])))
			return err;
		return operand_str(&m->rhs, out);
	}
	if (!first && (err = al_buf_addch(out, '(')))
		return err;
	for (i = 0; i < m->n && !err; i++) {
		if (i)
			err = al_buf_addstr(out, m->is_or[i] ? " or " : " and ");
		if (!err)
			err = marker_fmt(m->items[i], false, out);
	}
	if (!err && !first)
		err = al_buf_addch(out, ')');
	return err;
}

al_err al_marker_str(const struct al_marker *m, struct al_buf *out)
{
	return marker_fmt(m, true, out);
}

/* ---- evaluation ------------------------------------------------------------ */

static bool is_version_key(int var)
{
	return var == AL_MV_PYTHON_VERSION || var == AL_MV_PYTHON_FULL_VERSION ||
	       var == AL_MV_IMPLEMENTATION_VERSION || var == AL_MV_PLATFORM_RELEASE;
}

struct eval_ctx {
	const struct al_marker_env *env;
	const char *extra;     /* normalized */
	const char *full;      /* python_full_version, "+" repaired */
	struct al_diag *d;
};

static const char *env_value(const struct eval_ctx *c, int var)
{
	if (var == AL_MV_EXTRA)
		return c->extra;
	if (var == AL_MV_PYTHON_FULL_VERSION)
		return c->full;
	return c->env->values[var];
}

/* Specifier(op + rhs).contains(lhs, prereleases=True), when that parses. */
static al_err version_op(const char *lhs, enum al_marker_op op, const char *rhs, int *result,
                         struct al_diag *d)
{
	struct al_buf b = AL_BUF_INIT;
	struct al_spec sp;
	struct al_version v = AL_VERSION_INIT;
	al_err err;

	*result = -1;
	if (op == AL_MOP_IN || op == AL_MOP_NOT_IN)
		return AL_OK;
	if ((err = al_buf_addf(&b, "%s%s", mop_names[op], rhs)))
		return al_oom(d);
	err = al_spec_parse(&sp, b.buf, b.len, NULL);
	al_buf_release(&b);
	if (err == AL_ENOMEM)
		return al_oom(d);
	if (err)
		return AL_OK; /* not a specifier: compare as strings */
	if (sp.op == AL_OP_ARBITRARY) {
		*result = al_spec_match(&sp, NULL, lhs);
	} else {
		err = al_version_parse(&v, lhs, NULL);
		if (err == AL_ENOMEM) {
			al_spec_release(&sp);
			return al_oom(d);
		}
		*result = err == AL_OK && al_spec_match(&sp, &v, lhs);
		al_version_release(&v);
	}
	al_spec_release(&sp);
	return AL_OK;
}

static al_err eval_cmp(const struct eval_ctx *c, const struct al_marker *m, bool *out)
{
	const char *lhs, *rhs;
	int key, r;
	al_err err;

	if (m->lhs.var >= 0) {
		key = m->lhs.var;
		lhs = env_value(c, key);
		rhs = m->rhs.var >= 0 ? var_names[m->rhs.var] : m->rhs.str;
	} else {
		lhs = m->lhs.str;
		key = m->rhs.var >= 0 ? m->rhs.var : al_marker_var_lookup(m->rhs.str);
		if (key < 0)
			return al_diag_set(c->d, AL_EINVALID, "undefined environment name '%s'",
			                   m->rhs.str);
		rhs = env_value(c, key);
	}
	if (!lhs || !rhs)
		return al_diag_set(c->d, AL_EINVALID, "undefined environment name '%s'",
		                   var_names[key]);
	if (key == AL_MV_EXTRAS || key == AL_MV_DEPENDENCY_GROUPS)
		return al_diag_set(c->d, AL_EUNSUPPORTED, "marker variable '%s' is only defined "
		                   "in lock files", var_names[key]);
	if (is_version_key(key)) {
		if ((err = version_op(lhs, m->op, rhs, &r, c->d)))
			return err;
		if (r >= 0) {
			*out = r;
			return AL_OK;
		}
	}
	switch (m->op) {
	case AL_MOP_IN:
		*out = strstr(rhs, lhs) != NULL;
		return AL_OK;
	case AL_MOP_NOT_IN:
		*out = strstr(rhs, lhs) == NULL;
		return AL_OK;
	case AL_MOP_LT:
	case AL_MOP_GT:
		*out = false;
		return AL_OK;
	case AL_MOP_LE:
	case AL_MOP_EQ:
	case AL_MOP_GE:
		*out = strcmp(lhs, rhs) == 0;
		return AL_OK;
	case AL_MOP_NE:
		*out = strcmp(lhs, rhs) != 0;
		return AL_OK;
	case AL_MOP_COMPAT:
	case AL_MOP_ARBITRARY:
		break;
	}
	return al_diag_set(c->d, AL_EINVALID, "undefined comparison '%s' between '%s' and '%s'",
	                   mop_names[m->op], lhs, rhs);
}

/* Every item is evaluated (no short cut), as packaging does, so that an
 * undefined comparison anywhere is reported. */
static al_err eval_node(const struct eval_ctx *c, const struct al_marker *m, bool *out)
{
	bool any = false, all = true, v;
	size_t i;
	al_err err;

	if (!m->is_list)
		return eval_cmp(c, m, out);
	for (i = 0; i < m->n; i++) {
		if (i && m->is_or[i]) {
			any = any || all;
			all = true;
		}
		if ((err = eval_node(c, m->items[i], &v)))
			return err;
		all = all && v;
	}
	*out = any || all;
	return AL_OK;
}

al_err al_marker_evaluate(const struct al_marker *m, const struct al_marker_env *env,
                          bool *result, struct al_diag *d)
{
	struct eval_ctx c = { env, "", env->values[AL_MV_PYTHON_FULL_VERSION], d };
	char *extra = NULL, *full = NULL;
	const char *e = env->values[AL_MV_EXTRA];
	size_t n;
	al_err err;

	*result = false;
	if (e && *e) {
		if (!(extra = al_name_normalize(e)))
			return al_oom(d);
		c.extra = extra;
	}
	if (c.full && (n = strlen(c.full)) && c.full[n - 1] == '+') {
		if (!(full = al_malloc(n + 6))) {
			err = al_oom(d);
			goto out;
		}
		memcpy(full, c.full, n);
		memcpy(full + n, "local", 6);
		c.full = full;
	}
	err = eval_node(&c, m, result);
out:
	al_free(extra);
	al_free(full);
	return err;
}

/* ---- requirements ----------------------------------------------------------- */

void al_requirement_release(struct al_requirement *r)
{
	size_t i;

	if (!r)
		return;
	al_free(r->name);
	al_free(r->norm_name);
	for (i = 0; i < r->nextras; i++)
		al_free(r->extras[i]);
	al_free(r->extras);
	al_free(r->specifier);
	al_specset_release(&r->spec);
	al_free(r->url);
	al_marker_free(r->marker);
	memset(r, 0, sizeof(*r));
}

static al_err add_extra(struct tk *t, struct al_requirement *r, size_t n)
{
	char **extras;
	size_t i;

	for (i = 0; i < r->nextras; i++)
		if (strlen(r->extras[i]) == n && memcmp(r->extras[i], t->s + t->pos, n) == 0)
			return AL_OK;
	extras = al_reallocarray(r->extras, r->nextras + 1, sizeof(*extras));
	if (!extras)
		return al_oom(t->d);
	r->extras = extras;
	if (!(r->extras[r->nextras] = al_strndup(t->s + t->pos, n)))
		return al_oom(t->d);
	r->nextras++;
	return AL_OK;
}

static al_err parse_extras(struct tk *t, struct al_requirement *r)
{
	size_t n;
	al_err err;

	if (!at_char(t, '['))
		return AL_OK;
	t->pos++;
	skip_ws(t);
	if ((n = ident_len(t))) {
		if ((err = add_extra(t, r, n)))
			return err;
		t->pos += n;
		for (;;) {
			skip_ws(t);
			if (ident_len(t))
				return syntax(t, t->pos, "expected comma between extra names");
			if (!at_char(t, ','))
				break;
			t->pos++;
			skip_ws(t);
			if (!(n = ident_len(t)))
				return syntax(t, t->pos, "expected extra name after comma");
			if ((err = add_extra(t, r, n)))
				return err;
			t->pos += n;
		}
	}
	skip_ws(t);
	if (!at_char(t, ']'))
		return syntax(t, t->pos, "expected matching ']' for '[', after extras");
	t->pos++;
	if (r->nextras > 1)
		qsort(r->extras, r->nextras, sizeof(*r->extras), al_strv_cmp);
	return AL_OK;
}

/* version_many: SPECIFIER (WS? COMMA WS? SPECIFIER)*, text kept as written
 * (whitespace between tokens dropped). */
static al_err parse_version_many(struct tk *t, struct al_buf *spec)
{
	size_t n;
	al_err err;

	while ((n = al_spec_prefix_len(t->s + t->pos, t->len - t->pos))) {
		const char *sp = t->s + t->pos;

		if ((err = al_buf_add(spec, sp, n)))
			return al_oom(t->d);
		t->pos += n;
		if (t->len - t->pos >= 2 && t->s[t->pos] == '.' && t->s[t->pos + 1] == '*') {
			bool eq = (sp[0] == '=' && sp[1] == '=' && sp[2] != '=') ||
			          (sp[0] == '!' && sp[1] == '=');

			return syntax(t, t->pos + 1, eq
			              ? ".* suffix cannot be used with pre-release, post-release, "
			                "dev or local versions"
			              : ".* suffix can only be used with `==` or `!=` operators");
		}
		if (at_char(t, '+') && t->pos + 1 < t->len &&
		    ((t->s[t->pos + 1] >= 'a' && t->s[t->pos + 1] <= 'z') ||
		     (t->s[t->pos + 1] >= '0' && t->s[t->pos + 1] <= '9')))
			return syntax(t, t->pos, "local version label can only be used with `==` "
			              "or `!=` operators");
		skip_ws(t);
		if (!at_char(t, ','))
			break;
		if ((err = al_buf_addch(spec, ',')))
			return al_oom(t->d);
		t->pos++;
		skip_ws(t);
	}
	return AL_OK;
}

static al_err parse_req_marker(struct tk *t, struct al_requirement *r, const char *expected)
{
	al_err err;

	if (!at_char(t, ';'))
		return syntax(t, t->pos, "expected %s or end", expected);
	t->pos++;
	if ((err = parse_marker(t, &r->marker)))
		return err;
	skip_ws(t);
	return AL_OK;
}

static al_err parse_details(struct tk *t, struct al_requirement *r, struct al_buf *spec)
{
	size_t start;
	bool paren;
	al_err err;

	if (at_char(t, '@')) {
		t->pos++;
		skip_ws(t);
		start = t->pos;
		while (t->pos < t->len && t->s[t->pos] != ' ' && t->s[t->pos] != '\t')
			t->pos++;
		if (t->pos == start)
			return syntax(t, t->pos, "expected URL after @");
		if (!(r->url = al_strndup(t->s + start, t->pos - start)))
			return al_oom(t->d);
		if (at_end(t))
			return AL_OK;
		/* the URL token stops only at whitespace */
		skip_ws(t);
		if (at_end(t))
			return AL_OK;
		return parse_req_marker(t, r, "semicolon (after URL and whitespace)");
	}
	paren = at_char(t, '(');
	start = t->pos;
	if (paren)
		t->pos++;
	skip_ws(t);
	if ((err = parse_version_many(t, spec)))
		return err;
	skip_ws(t);
	if (paren) {
		if (!at_char(t, ')'))
			return syntax(t, t->pos, "expected matching ')' for '(', after version "
			              "specifier");
		t->pos++;
	}
	skip_ws(t);
	if (at_end(t))
		return AL_OK;
	return parse_req_marker(t, r, spec->len
	                        ? "comma (within version specifier), semicolon (after "
	                          "version specifier)"
	                        : "semicolon (after name with no version specifier)");
}

al_err al_requirement_parse(struct al_requirement *r, const char *s, struct al_diag *d)
{
	struct tk t = { s, strlen(s), 0, 0, 0, d };
	struct al_buf spec = AL_BUF_INIT;
	size_t n;
	al_err err;

	memset(r, 0, sizeof(*r));
	if (t.len > AL_REQUIREMENT_MAX_LEN)
		return al_diag_set(d, AL_ELIMIT, "requirement too long (%zu bytes)", t.len);
	skip_ws(&t);
	if (!(n = ident_len(&t))) {
		err = syntax(&t, t.pos, "expected package name at the start of dependency "
		             "specifier");
		goto out;
	}
	if (!(r->name = al_strndup(s + t.pos, n)) || !(r->norm_name = al_name_normalize(r->name))) {
		err = al_oom(d);
		goto out;
	}
	t.pos += n;
	skip_ws(&t);
	if ((err = parse_extras(&t, r)))
		goto out;
	skip_ws(&t);
	if ((err = parse_details(&t, r, &spec)))
		goto out;
	if (!at_end(&t)) {
		err = syntax(&t, t.pos, "expected end of dependency specifier");
		goto out;
	}
	if (r->marker && (err = normalize_extras(&t, r->marker)))
		goto out;
	if ((err = al_specset_parse(&r->spec, spec.buf, d)))
		goto out;
	if (!(r->specifier = al_buf_detach(&spec, NULL)))
		err = al_oom(d);
out:
	al_buf_release(&spec);
	if (err)
		al_requirement_release(r);
	return err;
}

al_err al_requirement_str(const struct al_requirement *r, struct al_buf *out)
{
	al_err err;
	size_t i;

	if ((err = al_buf_addstr(out, r->name)))
		return err;
	for (i = 0; i < r->nextras; i++)
		if ((err = al_buf_addstr(out, i ? "," : "[")) ||
		    (err = al_buf_addstr(out, r->extras[i])))
			return err;
	if (r->nextras && (err = al_buf_addch(out, ']')))
		return err;
	if ((err = al_specset_str(&r->spec, out)))
		return err;
	if (r->url && (err = al_buf_addf(out, " @ %s", r->url)))
		return err;
	if (r->url && r->marker && (err = al_buf_addch(out, ' ')))
		return err;
	if (r->marker && ((err = al_buf_addstr(out, "; ")) || (err = al_marker_str(r->marker, out))))
		return err;
	return AL_OK;
}

al_err al_requirement_applies(const struct al_requirement *r, const struct al_marker_env *env,
                              const char *const *extras, size_t nextras, bool *out,
                              struct al_diag *d)
{
	struct al_marker_env e = *env;
	size_t i;
	al_err err;

	*out = true;
	if (!r->marker)
		return AL_OK;
	if (!nextras) {
		e.values[AL_MV_EXTRA] = "";
		return al_marker_evaluate(r->marker, &e, out, d);
	}
	for (i = 0; i < nextras; i++) {
		e.values[AL_MV_EXTRA] = extras[i];
		if ((err = al_marker_evaluate(r->marker, &e, out, d)))
			return err;
		if (*out)
			return AL_OK;
	}
	return AL_OK;
}
