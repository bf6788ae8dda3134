/*
 * pep508.h: PEP 508 dependency specifiers ("name[extras] specifiers ;
 * markers" and "name @ url ; markers") and environment markers, with the
 * grammar, error positions and evaluation rules of pypa/packaging 26.x.
 *
 * Parse errors say where: "column 12: expected ..." (1-based, counted in
 * characters, pointing where packaging's caret points).
 */
#ifndef AL_PEP508_H
#define AL_PEP508_H

#include <stdbool.h>
#include <stddef.h>

#include "airlock.h"
#include "core/buf.h"
#include "pypa/pep440.h"

#define AL_REQUIREMENT_MAX_LEN 65536
#define AL_MARKER_MAX_DEPTH 64
#define AL_MARKER_MAX_NODES 4096

/* Marker variables (legacy dotted spellings map onto these). */
enum al_marker_var {
	AL_MV_PYTHON_VERSION,
	AL_MV_PYTHON_FULL_VERSION,
	AL_MV_OS_NAME,
	AL_MV_SYS_PLATFORM,
	AL_MV_PLATFORM_RELEASE,
	AL_MV_PLATFORM_SYSTEM,
	AL_MV_PLATFORM_VERSION,
	AL_MV_PLATFORM_MACHINE,
	AL_MV_PLATFORM_PYTHON_IMPLEMENTATION,
	AL_MV_IMPLEMENTATION_NAME,
	AL_MV_IMPLEMENTATION_VERSION,
	AL_MV_EXTRA,
	AL_MV_EXTRAS,            /* lock files only: never defined here */
	AL_MV_DEPENDENCY_GROUPS, /* lock files only: never defined here */
	AL_MV_COUNT
};
const char *al_marker_var_name(enum al_marker_var v);
/* The variable named exactly name (canonical spelling), or -1. */
int al_marker_var_lookup(const char *name);

enum al_marker_op {
	AL_MOP_LT, AL_MOP_LE, AL_MOP_EQ, AL_MOP_NE, AL_MOP_GE, AL_MOP_GT,
	AL_MOP_COMPAT, AL_MOP_ARBITRARY, AL_MOP_IN, AL_MOP_NOT_IN,
};

struct al_marker_operand {
	int var;   /* an enum al_marker_var, or -1 for a string */
	char *str; /* the string's value (escapes processed) when var < 0 */
};

/* A node: a list "a and b or (c)" (items with the operator before each
 * but the first), or one comparison. Mirrors packaging's nesting so that
 * al_marker_str() gives str(Marker). */
struct al_marker {
	bool is_list;
	struct al_marker **items;
	bool *is_or; /* is_or[i]: the operator before items[i] (i >= 1) is "or" */
	size_t n;
	struct al_marker_operand lhs, rhs;
	enum al_marker_op op;
};

/* The environment: values[var] is NULL when the variable is undefined
 * (evaluating a marker that needs it is an error). extra is normalized
 * here; "" means no extra. */
struct al_marker_env {
	const char *values[AL_MV_COUNT];
};

AL_MUST_CHECK al_err al_marker_parse(struct al_marker **out, const char *s, struct al_diag *d);
void al_marker_free(struct al_marker *m);
AL_MUST_CHECK al_err al_marker_str(const struct al_marker *m, struct al_buf *out);
AL_MUST_CHECK al_err al_marker_evaluate(const struct al_marker *m, const struct al_marker_env *env,
                          bool *result, struct al_diag *d);

struct al_requirement {
	char *name;      /* as written */
	char *norm_name; /* PEP 503 normal form */
	char **extras;   /* as written, duplicates dropped, sorted */
	size_t nextras;
	char *specifier; /* the specifier text as written ("" when none) */
	struct al_specset spec;
	char *url;       /* NULL unless "name @ url" */
	struct al_marker *marker; /* NULL when none */
};
#define AL_REQUIREMENT_INIT { NULL, NULL, NULL, 0, NULL, AL_SPECSET_INIT, NULL, NULL }

AL_MUST_CHECK al_err al_requirement_parse(struct al_requirement *r, const char *s, struct al_diag *d);
void al_requirement_release(struct al_requirement *r);
/* str(Requirement): name[extras]specifiers @ url ; marker */
AL_MUST_CHECK al_err al_requirement_str(const struct al_requirement *r, struct al_buf *out);
/* Does the requirement apply, given the requested extras (normalized or
 * not; none: only the "" extra)? pip's rule: evaluate once per extra, OR. */
AL_MUST_CHECK al_err al_requirement_applies(const struct al_requirement *r, const struct al_marker_env *env,
                              const char *const *extras, size_t nextras, bool *out,
                              struct al_diag *d);

#endif
