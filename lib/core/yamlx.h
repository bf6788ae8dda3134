/*
 * yamlx.h: the libyaml adapter. The only file that includes yaml.h; it turns
 * one YAML document into a small tree of nodes, each with its position
 * (line:col, 1-based), and enforces the caps that make hostile input
 * harmless: file size, nesting depth, node count, alias expansion.
 *
 * Semantics, all settled here so that callers never see YAML's corners:
 *  - exactly one document; a second one is an error; an empty stream gives
 *    a NULL root;
 *  - plain scalars are resolved with the YAML 1.2 core schema (null, bool,
 *    int, float, else string); quoted and block scalars and those tagged
 *    !!str are strings; other explicit tags are refused;
 *  - mapping keys are scalars and unique (compared by their text);
 *  - an alias shares the anchored node (the tree is a DAG, not copied); it
 *    counts the full size of what it references against the alias cap, and
 *    anchors are registered only once complete, so no cycle can be built;
 *    merge keys ("<<") get no special meaning.
 * Every message is "NAME:LINE:COL: problem", NAME being the name the caller
 * gives for the input.
 */
#ifndef AL_YAMLX_H
#define AL_YAMLX_H

#include <stdbool.h>
#include <stddef.h>

#include "airlock.h"

enum al_ytype {
	AL_Y_STR,
	AL_Y_NULL,
	AL_Y_BOOL,
	AL_Y_INT,
	AL_Y_FLOAT,
	AL_Y_SEQ,
	AL_Y_MAP,
};

struct al_ynode {
	enum al_ytype type;
	int line, col;        /* 1-based; of the anchored node for shared ones */
	const char *s;        /* scalars: the text, NUL-terminated ("" otherwise) */
	size_t len;           /* its length (s may hold a NUL from an escape) */
	bool quoted;          /* scalars: written quoted or as a block */
	bool bval;            /* AL_Y_BOOL */
	long long ival;       /* AL_Y_INT, saturated at LLONG_MIN/MAX */
	size_t n;             /* AL_Y_SEQ: items; AL_Y_MAP: pairs */
	struct al_ynode **kids; /* SEQ: n items; MAP: 2n, key then value */
	size_t size;          /* nodes in the subtree, aliases expanded */
	int height;           /* 1 for a scalar */
};

#define AL_YMAP_KEY(m, i) ((m)->kids[2 * (i)])
#define AL_YMAP_VAL(m, i) ((m)->kids[2 * (i) + 1])

struct al_ylimits {
	size_t max_bytes;       /* input size */
	int max_depth;          /* nesting of sequences and mappings */
	size_t max_nodes;       /* nodes, aliases expanded */
	size_t max_alias_nodes; /* nodes reached through aliases, in total */
	size_t max_anchors;
};
#define AL_YLIMITS_DEFAULT { (size_t)1 << 20, 64, 100000, 10000, 1000 }

struct al_ydoc;

/* Parse buf (len bytes) into *out. name is used in messages. lim may be NULL
 * for the defaults. Errors: AL_EPARSE (syntax, encoding, duplicate keys, more
 * than one document), AL_ELIMIT (a cap), AL_EUNSUPPORTED (tags), AL_ENOMEM. */
AL_MUST_CHECK al_err al_yaml_parse(struct al_ydoc **out, const char *name, const void *buf, size_t len,
                     const struct al_ylimits *lim, struct al_diag *d);
/* The document's root; NULL when the stream held no document. */
const struct al_ynode *al_ydoc_root(const struct al_ydoc *doc);
void al_ydoc_free(struct al_ydoc *doc);

struct al_buf;
/* Append s for a message: control bytes escaped as \xNN, at most 60 bytes
 * kept (then "..."), so that hostile text cannot forge lines. */
AL_MUST_CHECK al_err al_ytext_append(struct al_buf *b, const char *s, size_t len);

/* "a string", "an integer", "a list", ... for messages. */
const char *al_ytype_name(enum al_ytype t);
static inline bool al_ynode_is_scalar(const struct al_ynode *n)
{
	return n->type != AL_Y_SEQ && n->type != AL_Y_MAP;
}

#endif
