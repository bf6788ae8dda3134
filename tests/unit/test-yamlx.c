/* test-yamlx.c: the libyaml adapter: tree shape, marks, scalar types, caps. */
#include "config.h"

#include <stdlib.h>

#include "core/buf.h"
#include "core/yamlx.h"
#include "tap.h"

static struct al_ydoc *parse(const char *text, struct al_diag *d, al_err *err)
{
	struct al_ydoc *doc = NULL;

	*err = al_yaml_parse(&doc, "t.yaml", text, strlen(text), NULL, d);
	return doc;
}

static void expect_error(const char *text, al_err want, const char *msg, const char *name)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_ydoc *doc;
	al_err err;

	doc = parse(text, &d, &err);
	is_int(err, want, "%s: error code", name);
	is_str(d.msg, msg, "%s: message", name);
	ok(doc == NULL, "%s: no document", name);
	al_ydoc_free(doc);
}

static void test_tree(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_ydoc *doc;
	const struct al_ynode *r, *v;
	al_err err;

	doc = parse("a: 1\nb:\n  - x\n  - 'y'\n  - 3.10\nc: {d: true, e: ~, f: \"\"}\n", &d, &err);
	is_int(err, AL_OK, "a document parses: %s", d.msg);
	r = al_ydoc_root(doc);
	ok(r && r->type == AL_Y_MAP && r->n == 3, "root is a mapping of 3 pairs");
	if (!r || r->n != 3)
		goto out;
	is_str(AL_YMAP_KEY(r, 0)->s, "a", "first key");
	v = AL_YMAP_VAL(r, 0);
	ok(v->type == AL_Y_INT && v->ival == 1, "1 is an integer");
	is_int(v->line, 1, "line of 1");
	is_int(v->col, 4, "column of 1");
	v = AL_YMAP_VAL(r, 1);
	ok(v->type == AL_Y_SEQ && v->n == 3, "b is a list of 3");
	is_int(v->kids[0]->line, 3, "item line");
	is_int(v->kids[0]->col, 5, "item column");
	ok(v->kids[1]->type == AL_Y_STR && v->kids[1]->quoted, "'y' is a quoted string");
	ok(v->kids[2]->type == AL_Y_FLOAT, "3.10 is a float");
	is_str(v->kids[2]->s, "3.10", "with its text kept");
	v = AL_YMAP_VAL(r, 2);
	ok(AL_YMAP_VAL(v, 0)->type == AL_Y_BOOL && AL_YMAP_VAL(v, 0)->bval, "true");
	ok(AL_YMAP_VAL(v, 1)->type == AL_Y_NULL, "~ is null");
	ok(AL_YMAP_VAL(v, 2)->type == AL_Y_STR && AL_YMAP_VAL(v, 2)->len == 0, "\"\" is a string");
out:
	al_ydoc_free(doc);
}

static void test_scalars(void)
{
	static const struct {
		const char *text;
		enum al_ytype type;
	} cases[] = {
		{ "x", AL_Y_STR }, { "null", AL_Y_NULL }, { "", AL_Y_NULL }, { "True", AL_Y_BOOL },
		{ "yes", AL_Y_STR }, { "0x1F", AL_Y_INT }, { "0o17", AL_Y_INT }, { "-12", AL_Y_INT },
		{ "1e3", AL_Y_FLOAT }, { ".5", AL_Y_FLOAT }, { "-.inf", AL_Y_FLOAT },
		{ ".nan", AL_Y_FLOAT }, { "3.", AL_Y_FLOAT }, { "1.2.3", AL_Y_STR },
		{ "3.11.9", AL_Y_STR }, { "!!str 1", AL_Y_STR }, { "'1'", AL_Y_STR },
		{ "1_000", AL_Y_STR }, { "e3", AL_Y_STR }, { "0x", AL_Y_STR },
	};
	struct al_buf text = AL_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct al_diag d = AL_DIAG_INIT;
		struct al_ydoc *doc;
		al_err err;

		al_buf_reset(&text);
		al_buf_addf(&text, "k: %s\n", cases[i].text);
		doc = parse(text.buf, &d, &err);
		ok(!err && al_ydoc_root(doc) &&
		   AL_YMAP_VAL(al_ydoc_root(doc), 0)->type == cases[i].type,
		   "'%s' is %s", cases[i].text, al_ytype_name(cases[i].type));
		al_ydoc_free(doc);
	}
	al_buf_release(&text);
}

static void test_aliases(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf text = AL_BUF_INIT;
	struct al_ydoc *doc;
	const struct al_ynode *r;
	al_err err;
	int i;

	doc = parse("a: &x [1, 2]\nb: *x\n", &d, &err);
	r = al_ydoc_root(doc);
	ok(!err && r && AL_YMAP_VAL(r, 1) == AL_YMAP_VAL(r, 0), "an alias shares its node");
	al_ydoc_free(doc);

	/* billion laughs: ten levels of ten aliases each */
	al_buf_addstr(&text, "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (i = 1; i < 10; i++)
		al_buf_addf(&text, "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, "
		            "*l%d, *l%d]\n", i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
		            i - 1, i - 1, i - 1);
	doc = parse(text.buf, &d, &err);
	is_int(err, AL_ELIMIT, "billion laughs is refused");
	ok(strstr(d.msg, "t.yaml:") == d.msg && strstr(d.msg, "too many alias expansions"),
	   "with a positioned message: %s", d.msg);
	al_ydoc_free(doc);
	al_buf_release(&text);

	expect_error("a: *nope\n", AL_EPARSE, "t.yaml:1:4: undefined alias '*nope'", "undefined");
	expect_error("a: &x [*x]\n", AL_EPARSE,
	             "t.yaml:1:8: alias '*x' refers to a node that contains it", "cycle");
}

static void test_limits(void)
{
	struct al_buf text = AL_BUF_INIT;
	struct al_ylimits lim = AL_YLIMITS_DEFAULT;
	struct al_diag d = AL_DIAG_INIT;
	struct al_ydoc *doc = NULL;
	int i;

	for (i = 0; i < 64; i++)
		al_buf_addch(&text, '[');
	for (i = 0; i < 64; i++)
		al_buf_addch(&text, ']');
	is_int(al_yaml_parse(&doc, "t", text.buf, text.len, NULL, &d), AL_OK, "depth 64 is fine");
	al_ydoc_free(doc);
	doc = NULL;
	al_buf_reset(&text);
	for (i = 0; i < 65; i++)
		al_buf_addch(&text, '[');
	is_int(al_yaml_parse(&doc, "t", text.buf, text.len, NULL, &d), AL_ELIMIT, "depth 65 is not");
	is_str(d.msg, "t:1:65: nesting deeper than 64 levels", "message");

	al_buf_reset(&text);
	al_buf_addch(&text, '[');
	for (i = 0; i < 100; i++)
		al_buf_addstr(&text, "1,");
	al_buf_addch(&text, ']');
	lim.max_nodes = 50;
	is_int(al_yaml_parse(&doc, "t", text.buf, text.len, &lim, &d), AL_ELIMIT, "node cap");
	ok(strstr(d.msg, "too many nodes") != NULL, "message: %s", d.msg);
	lim.max_bytes = 10;
	is_int(al_yaml_parse(&doc, "t", text.buf, text.len, &lim, &d), AL_ELIMIT, "size cap");
	al_buf_release(&text);
}

int main(void)
{
	test_tree();
	test_scalars();
	test_aliases();
	test_limits();
	expect_error("a: 1\nb: 2\na: 3\n", AL_EPARSE,
	             "t.yaml:3:1: a: duplicate key (first at line 1)", "duplicate key");
	expect_error("x:\n  - {b: 1, b: 2}\n", AL_EPARSE,
	             "t.yaml:2:12: x[0].b: duplicate key (first at line 2)", "nested duplicate");
	expect_error("a: 1\n---\nb: 2\n", AL_EPARSE,
	             "t.yaml:2:1: a second YAML document: the file must hold one", "two documents");
	expect_error("a:\n\tb: 1\n", AL_EPARSE,
	             "t.yaml:2:1: syntax error: found character that cannot start any token "
	             "(tabs are not allowed for indentation)", "tab");
	expect_error("a: \xff\n", AL_EPARSE,
	             "t.yaml:1:4: invalid UTF-8 at byte 0xff (the file must be UTF-8)", "bad UTF-8");
	expect_error("a: !!int 1\n", AL_EUNSUPPORTED,
	             "t.yaml:1:4: unsupported tag 'tag:yaml.org,2002:int' (only !!str is allowed)",
	             "tag");
	expect_error("[a]: 1\n", AL_EPARSE, "t.yaml:1:1: a mapping key must be a scalar, not a list",
	             "complex key");
	expect_error("a: caf\xe9!\n", AL_EPARSE,
	             "t.yaml:1:7: invalid UTF-8 at byte 0xe9 (the file must be UTF-8)",
	             "bad UTF-8 sequence");
	expect_error("a: x\x01\n", AL_EPARSE,
	             "t.yaml:1:5: control characters are not allowed (byte 0x01)", "control");
	{
		struct al_diag d = AL_DIAG_INIT;
		struct al_ydoc *doc = NULL;
		al_err err;

		doc = parse("# only a comment\n", &d, &err);
		ok(!err && doc && !al_ydoc_root(doc), "an empty stream has no root");
		al_ydoc_free(doc);
	}
	return done_testing();
}
