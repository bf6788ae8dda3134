/*
 * yamlx.c: libyaml events -> a tree of struct al_ynode (see yamlx.h).
 *
 * libyaml returns 1 for success and leaves the reason in the parser; that
 * convention ends here. Nodes and strings live in an arena owned by the
 * document, so that aliases can share nodes and freeing is one walk over
 * the chunks. While building, each open sequence or mapping is a frame on a
 * stack holding its children in a growable array; the array is copied into
 * the arena when the container ends.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/yamlx.h"

#define CHUNK_MIN 65536

struct chunk {
	struct chunk *next;
	size_t used, cap;
	size_t pad_; /* keeps the data that follows 16-byte aligned */
};

struct al_ydoc {
	struct chunk *chunks;
	struct al_ynode *root;
};

struct frame {
	struct al_ynode *node;
	struct al_ynode **kids;
	size_t n, alloc;
	const char *anchor; /* registered when the container ends */
};

struct anchor {
	const char *name;
	struct al_ynode *node;
};

struct builder {
	struct al_ydoc *doc;
	const char *name;
	const char *buf;
	size_t len;
	struct al_ylimits lim;
	struct frame *stack;
	size_t depth, stack_alloc;
	struct anchor *anchors;
	size_t nanchors, anchors_alloc;
	size_t nodes, alias_nodes;
	struct al_diag *d;
};

const char *al_ytype_name(enum al_ytype t)
{
	switch (t) {
	case AL_Y_STR: return "a string";
	case AL_Y_NULL: return "null";
	case AL_Y_BOOL: return "a boolean";
	case AL_Y_INT: return "an integer";
	case AL_Y_FLOAT: return "a float";
	case AL_Y_SEQ: return "a list";
	case AL_Y_MAP: return "a mapping";
	}
	return "something else";
}

static void *arena_alloc(struct al_ydoc *doc, size_t n)
{
	struct chunk *c = doc->chunks;
	size_t cap;
	char *p;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->cap - c->used < n) {
		cap = n > CHUNK_MIN ? n : CHUNK_MIN;
		if (!(c = al_malloc(sizeof(*c) + cap)))
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = doc->chunks;
		doc->chunks = c;
	}
	p = (char *)(c + 1) + c->used;
	c->used += n;
	return p;
}

static char *arena_strndup(struct al_ydoc *doc, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX || !(p = arena_alloc(doc, n + 1)))
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void al_ydoc_free(struct al_ydoc *doc)
{
	struct chunk *c, *next;

	if (!doc)
		return;
	for (c = doc->chunks; c; c = next) {
		next = c->next;
		al_free(c);
	}
	al_free(doc);
}

const struct al_ynode *al_ydoc_root(const struct al_ydoc *doc)
{
	return doc ? doc->root : NULL;
}

/* Append text for a message: control bytes escaped, at most 60 bytes kept
 * (cut at a UTF-8 boundary), so that hostile keys cannot forge lines. */
al_err al_ytext_append(struct al_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = len;
	al_err err = AL_OK;

	if (n > 60) {
		n = 60;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n && !err; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
			err = al_buf_add(b, esc, 4);
		} else {
			err = al_buf_addch(b, (char)c);
		}
	}
	if (!err && n < len)
		err = al_buf_addstr(b, "...");
	return err;
}

/* The key path of the node being built in frame `upto` (exclusive). */
static al_err frames_path(struct builder *b, size_t upto, struct al_buf *out)
{
	al_err err = AL_OK;
	size_t i;

	for (i = 0; i < upto && !err; i++) {
		struct frame *f = &b->stack[i];
		if (f->node->type == AL_Y_SEQ) {
			err = al_buf_addf(out, "[%zu]", f->n ? f->n - 1 : 0);
		} else if (f->n) {
			struct al_ynode *k = f->kids[(f->n & 1) ? f->n - 1 : f->n - 2];
			if (!out->len || !(err = al_buf_addch(out, '.')))
				err = al_ytext_append(out, k->s, k->len);
		}
	}
	return err;
}

static al_err fail_at(struct builder *b, al_err code, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static al_err fail_at(struct builder *b, al_err code, int line, int col, const char *fmt, ...)
{
	struct al_buf msg = AL_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (al_buf_vaddf(&msg, fmt, ap))
		code = al_oom(b->d);
	else
		al_diag_set(b->d, code, "%s:%d:%d: %s", b->name, line, col, msg.buf);
	va_end(ap);
	al_buf_release(&msg);
	return code;
}

static bool all_of(const char *s, size_t n, const char *set)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!strchr(set, s[i]) || !s[i])
			return false;
	return true;
}

/* YAML 1.2 core schema, for plain scalars. */
static void resolve_plain(struct al_ynode *n)
{
	const char *s = n->s, *p;
	size_t len = n->len;
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	static const char *const trues[] = { "true", "True", "TRUE" };
	static const char *const falses[] = { "false", "False", "FALSE" };
	size_t i;

	n->type = AL_Y_STR;
	for (i = 0; i < 5; i++)
		if (!strcmp(s, nulls[i]))
			n->type = AL_Y_NULL;
	for (i = 0; i < 3; i++) {
		if (!strcmp(s, trues[i])) {
			n->type = AL_Y_BOOL;
			n->bval = true;
		} else if (!strcmp(s, falses[i])) {
			n->type = AL_Y_BOOL;
		}
	}
	if (n->type != AL_Y_STR || strlen(s) != len)
		return;
	p = s + (*s == '-' || *s == '+');
	if (all_of(p, len - (size_t)(p - s), "0123456789")) {
		n->type = AL_Y_INT;
		n->ival = strtoll(s, NULL, 10);
		return;
	}
	if (len > 2 && s[0] == '0' && s[1] == 'o' && all_of(s + 2, len - 2, "01234567")) {
		n->type = AL_Y_INT;
		n->ival = strtoll(s + 2, NULL, 8);
		return;
	}
	if (len > 2 && s[0] == '0' && s[1] == 'x' &&
	    all_of(s + 2, len - 2, "0123456789abcdefABCDEF")) {
		n->type = AL_Y_INT;
		n->ival = strtoll(s + 2, NULL, 16);
		return;
	}
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF") ||
	    !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
		n->type = AL_Y_FLOAT;
		return;
	}
	/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
	{
		size_t digits = 0, frac = 0;
		bool dot = false;

		while (*p >= '0' && *p <= '9')
			p++, digits++;
		if (*p == '.') {
			dot = true;
			p++;
			while (*p >= '0' && *p <= '9')
				p++, frac++;
		}
		if (!digits && !frac)
			return;
		if (*p == 'e' || *p == 'E') {
			size_t e = 0;
			p++;
			if (*p == '-' || *p == '+')
				p++;
			while (*p >= '0' && *p <= '9')
				p++, e++;
			if (!e)
				return;
			dot = true;
		}
		if (*p || !dot)
			return;
		n->type = AL_Y_FLOAT;
	}
}

static bool tag_is(const yaml_char_t *tag, const char *core)
{
	return !strcmp((const char *)tag, core);
}

static al_err new_node(struct builder *b, struct al_ynode **out, enum al_ytype t,
                       yaml_mark_t mark)
{
	struct al_ynode *n;

	if (++b->nodes > b->lim.max_nodes)
		return fail_at(b, AL_ELIMIT, (int)mark.line + 1, (int)mark.column + 1,
		               "too many nodes (the limit is %zu)", b->lim.max_nodes);
	if (!(n = arena_alloc(b->doc, sizeof(*n))))
		return al_oom(b->d);
	memset(n, 0, sizeof(*n));
	n->type = t;
	n->s = "";
	n->line = mark.line + 1 > INT_MAX ? INT_MAX : (int)mark.line + 1;
	n->col = mark.column + 1 > INT_MAX ? INT_MAX : (int)mark.column + 1;
	n->size = 1;
	*out = n;
	return AL_OK;
}

/* Put a complete node (or a container just opened) into its parent. */
static al_err attach(struct builder *b, struct al_ynode *n)
{
	struct frame *f;

	if (!b->depth) {
		b->doc->root = n;
		return AL_OK;
	}
	f = &b->stack[b->depth - 1];
	if (f->node->type == AL_Y_MAP && !(f->n & 1) && !al_ynode_is_scalar(n))
		return fail_at(b, AL_EPARSE, n->line, n->col,
		               "a mapping key must be a scalar, not %s", al_ytype_name(n->type));
	if (AL_GROW(f->kids, f->alloc, f->n + 1))
		return al_oom(b->d);
	f->kids[f->n++] = n;
	return AL_OK;
}

static al_err add_anchor(struct builder *b, const char *name, struct al_ynode *n)
{
	if (b->nanchors >= b->lim.max_anchors)
		return fail_at(b, AL_ELIMIT, n->line, n->col, "too many anchors (the limit is %zu)",
		               b->lim.max_anchors);
	if (AL_GROW(b->anchors, b->anchors_alloc, b->nanchors + 1))
		return al_oom(b->d);
	b->anchors[b->nanchors].name = name;
	b->anchors[b->nanchors].node = n;
	b->nanchors++;
	return AL_OK;
}

static al_err on_scalar(struct builder *b, yaml_event_t *ev)
{
	struct al_ynode *n = NULL;
	const yaml_char_t *tag = ev->data.scalar.tag;
	al_err err;

	if ((err = new_node(b, &n, AL_Y_STR, ev->start_mark)))
		return err;
	if (!(n->s = arena_strndup(b->doc, (const char *)ev->data.scalar.value,
	                           ev->data.scalar.length)))
		return al_oom(b->d);
	n->len = ev->data.scalar.length;
	if (tag && !tag_is(tag, "!") && !tag_is(tag, YAML_STR_TAG))
		return fail_at(b, AL_EUNSUPPORTED, n->line, n->col,
		               "unsupported tag '%.60s' (only !!str is allowed)",
		               (const char *)tag);
	if (tag || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		n->quoted = true;
	else
		resolve_plain(n);
	if (ev->data.scalar.anchor) {
		const char *name = arena_strndup(b->doc, (const char *)ev->data.scalar.anchor,
		                                  strlen((const char *)ev->data.scalar.anchor));
		if (!name)
			return al_oom(b->d);
		if ((err = add_anchor(b, name, n)))
			return err;
	}
	return attach(b, n);
}

static al_err on_alias(struct builder *b, yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
	struct al_ynode *n = NULL;
	size_t i;

	for (i = b->nanchors; i-- > 0;) {
		if (!strcmp(b->anchors[i].name, name)) {
			n = b->anchors[i].node;
			break;
		}
	}
	if (!n) {
		for (i = 0; i < b->depth; i++)
			if (b->stack[i].anchor && !strcmp(b->stack[i].anchor, name))
				return fail_at(b, AL_EPARSE, line, col, "alias '*%.60s' refers "
				               "to a node that contains it", name);
		return fail_at(b, AL_EPARSE, line, col, "undefined alias '*%.60s'", name);
	}
	b->alias_nodes += n->size;
	if (b->alias_nodes > b->lim.max_alias_nodes)
		return fail_at(b, AL_ELIMIT, line, col,
		               "too many alias expansions (more than %zu nodes through aliases)",
		               b->lim.max_alias_nodes);
	b->nodes += n->size;
	if (b->nodes > b->lim.max_nodes)
		return fail_at(b, AL_ELIMIT, line, col, "too many nodes (the limit is %zu)",
		               b->lim.max_nodes);
	if (b->depth + (size_t)n->height > (size_t)b->lim.max_depth)
		return fail_at(b, AL_ELIMIT, line, col, "nesting deeper than %d levels",
		               b->lim.max_depth);
	return attach(b, n);
}

static al_err on_start(struct builder *b, yaml_event_t *ev, enum al_ytype t)
{
	const yaml_char_t *tag, *anchor;
	struct al_ynode *n = NULL;
	struct frame *f;
	al_err err;

	if (t == AL_Y_SEQ) {
		tag = ev->data.sequence_start.tag;
		anchor = ev->data.sequence_start.anchor;
	} else {
		tag = ev->data.mapping_start.tag;
		anchor = ev->data.mapping_start.anchor;
	}
	if ((err = new_node(b, &n, t, ev->start_mark)))
		return err;
	if (tag && !tag_is(tag, "!") && !tag_is(tag, t == AL_Y_SEQ ? YAML_SEQ_TAG : YAML_MAP_TAG))
		return fail_at(b, AL_EUNSUPPORTED, n->line, n->col, "unsupported tag '%.60s'",
		               (const char *)tag);
	if (b->depth + 1 > (size_t)b->lim.max_depth)
		return fail_at(b, AL_ELIMIT, n->line, n->col, "nesting deeper than %d levels",
		               b->lim.max_depth);
	if ((err = attach(b, n)))
		return err;
	if (AL_GROW(b->stack, b->stack_alloc, b->depth + 1))
		return al_oom(b->d);
	f = &b->stack[b->depth++];
	memset(f, 0, sizeof(*f));
	f->node = n;
	if (anchor && !(f->anchor = arena_strndup(b->doc, (const char *)anchor,
	                                          strlen((const char *)anchor))))
		return al_oom(b->d);
	return AL_OK;
}

struct keyref {
	const struct al_ynode *key;
	size_t idx;
};

static int keyref_cmp(const void *pa, const void *pb)
{
	const struct keyref *a = pa, *b = pb;
	int c;

	if (a->key->len != b->key->len)
		return a->key->len < b->key->len ? -1 : 1;
	if ((c = memcmp(a->key->s, b->key->s, a->key->len)))
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Duplicate keys, found in O(n log n): the reported one is the earliest
 * key in the document that repeats an earlier key. */
static al_err check_duplicates(struct builder *b, struct frame *f)
{
	size_t npairs = f->n / 2, i, start, dup = SIZE_MAX, first = 0;
	struct keyref *refs;
	struct al_buf path = AL_BUF_INIT;
	const struct al_ynode *k;
	al_err err;

	if (npairs < 2)
		return AL_OK;
	if (!(refs = al_reallocarray(NULL, npairs, sizeof(*refs))))
		return al_oom(b->d);
	for (i = 0; i < npairs; i++) {
		refs[i].key = f->kids[2 * i];
		refs[i].idx = i;
	}
	qsort(refs, npairs, sizeof(*refs), keyref_cmp);
	for (i = 1, start = 0; i < npairs; i++) {
		if (refs[i].key->len != refs[i - 1].key->len ||
		    memcmp(refs[i].key->s, refs[i - 1].key->s, refs[i].key->len)) {
			start = i;
			continue;
		}
		if (refs[i].idx < dup) {
			dup = refs[i].idx;
			first = refs[start].idx;
		}
	}
	al_free(refs);
	if (dup == SIZE_MAX)
		return AL_OK;
	k = f->kids[2 * dup];
	if (frames_path(b, b->depth - 1, &path) || (path.len && al_buf_addch(&path, '.')) ||
	    al_ytext_append(&path, k->s, k->len)) {
		al_buf_release(&path);
		return al_oom(b->d);
	}
	err = fail_at(b, AL_EPARSE, k->line, k->col, "%s: duplicate key (first at line %d)",
	              path.buf, f->kids[2 * first]->line);
	al_buf_release(&path);
	return err;
}

static al_err on_end(struct builder *b)
{
	struct frame *f = &b->stack[b->depth - 1];
	struct al_ynode *n = f->node;
	size_t i;
	al_err err = AL_OK;

	if (n->type == AL_Y_MAP && (err = check_duplicates(b, f)))
		goto out;
	for (i = 0; i < f->n; i++) {
		n->size += f->kids[i]->size;
		if (f->kids[i]->height + 1 > n->height)
			n->height = f->kids[i]->height + 1;
	}
	if (!n->height)
		n->height = 1;
	n->n = n->type == AL_Y_MAP ? f->n / 2 : f->n;
	if (f->n) {
		if (!(n->kids = arena_alloc(b->doc, f->n * sizeof(*n->kids)))) {
			err = al_oom(b->d);
			goto out;
		}
		memcpy(n->kids, f->kids, f->n * sizeof(*n->kids));
	}
	if (f->anchor)
		err = add_anchor(b, f->anchor, n);
out:
	al_free(f->kids);
	b->depth--;
	return err;
}

/* Line and column (1-based, in bytes) of a byte offset. */
static void offset_pos(const char *buf, size_t len, size_t off, int *line, int *col)
{
	size_t i, l = 1, start = 0;

	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			l++;
			start = i + 1;
		}
	}
	*line = l > INT_MAX ? INT_MAX : (int)l;
	*col = off - start + 1 > INT_MAX ? INT_MAX : (int)(off - start + 1);
}

/* Is there a tab in the leading white space of line `line` (1-based)? */
static bool line_indented_with_tab(const char *buf, size_t len, size_t line)
{
	size_t i = 0, l = 1;

	while (i < len && l < line) {
		if (buf[i++] == '\n')
			l++;
	}
	for (; i < len && (buf[i] == ' ' || buf[i] == '\t'); i++)
		if (buf[i] == '\t')
			return true;
	return false;
}

static al_err parser_error(struct builder *b, yaml_parser_t *p)
{
	int line, col;
	const char *problem = p->problem ? p->problem : "unknown problem";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return al_diag_set(b->d, AL_ENOMEM, "%s: out of memory while parsing", b->name);
	case YAML_READER_ERROR:
		if (strstr(problem, "UTF-8")) {
			size_t off = p->problem_offset < b->len ? p->problem_offset : b->len;
			/* point at the sequence's first byte, not the bad trailing one */
			for (int back = 0; back < 3 && off > 0 && strstr(problem, "trailing") &&
			                   ((unsigned char)b->buf[off] & 0xc0) != 0xc0; back++)
				off--;
			offset_pos(b->buf, b->len, off, &line, &col);
			return fail_at(b, AL_EPARSE, line, col,
			               "invalid UTF-8 at byte 0x%02x (the file must be UTF-8)",
			               off < b->len ? (unsigned char)b->buf[off] : 0);
		}
		offset_pos(b->buf, b->len, p->problem_offset, &line, &col);
		if (p->problem_value >= 0)
			return fail_at(b, AL_EPARSE, line, col, "%s (byte 0x%02x)", problem,
			               (unsigned)p->problem_value & 0xff);
		return fail_at(b, AL_EPARSE, line, col, "%s", problem);
	default:
		line = (int)p->problem_mark.line + 1;
		col = (int)p->problem_mark.column + 1;
		if (line_indented_with_tab(b->buf, b->len, p->problem_mark.line + 1))
			return fail_at(b, AL_EPARSE, line, col,
			               "syntax error: %s (tabs are not allowed for indentation)",
			               problem);
		if (p->context)
			return fail_at(b, AL_EPARSE, line, col, "syntax error: %s (%s at line %d)",
			               problem, p->context, (int)p->context_mark.line + 1);
		return fail_at(b, AL_EPARSE, line, col, "syntax error: %s", problem);
	}
}

al_err al_yaml_parse(struct al_ydoc **out, const char *name, const void *buf, size_t len,
                     const struct al_ylimits *lim, struct al_diag *d)
{
	static const struct al_ylimits defaults = AL_YLIMITS_DEFAULT;
	struct builder b = { 0 };
	yaml_parser_t parser;
	yaml_event_t ev;
	bool parser_ok = false, done = false;
	int ndocs = 0;
	al_err err = AL_OK;

	*out = NULL;
	b.lim = lim ? *lim : defaults;
	b.name = name;
	b.buf = buf;
	b.len = len;
	b.d = d;
	if (len > b.lim.max_bytes)
		return al_diag_set(d, AL_ELIMIT, "%s: larger than the limit of %zu bytes", name,
		                   b.lim.max_bytes);
	if (!(b.doc = al_calloc(1, sizeof(*b.doc))))
		return al_oom(d);
	if (!yaml_parser_initialize(&parser)) {
		err = al_oom(d);
		goto out;
	}
	parser_ok = true;
	yaml_parser_set_input_string(&parser, buf, len);
	while (!done && !err) {
		if (!yaml_parser_parse(&parser, &ev)) {
			err = parser_error(&b, &parser);
			break;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (ndocs++)
				err = fail_at(&b, AL_EPARSE, (int)ev.start_mark.line + 1,
				              (int)ev.start_mark.column + 1,
				              "a second YAML document: the file must hold one");
			break;
		case YAML_STREAM_END_EVENT: done = true; break;
		case YAML_SCALAR_EVENT: err = on_scalar(&b, &ev); break;
		case YAML_ALIAS_EVENT: err = on_alias(&b, &ev); break;
		case YAML_SEQUENCE_START_EVENT: err = on_start(&b, &ev, AL_Y_SEQ); break;
		case YAML_MAPPING_START_EVENT: err = on_start(&b, &ev, AL_Y_MAP); break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: err = on_end(&b); break;
		default: break;
		}
		yaml_event_delete(&ev);
	}
out:
	if (parser_ok)
		yaml_parser_delete(&parser);
	while (b.depth)
		al_free(b.stack[--b.depth].kids);
	al_free(b.stack);
	al_free(b.anchors);
	if (err) {
		al_ydoc_free(b.doc);
		return err;
	}
	*out = b.doc;
	return AL_OK;
}
