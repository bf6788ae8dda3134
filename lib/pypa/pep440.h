/*
 * pep440.h: PEP 440 versions and version specifiers, with the semantics of
 * pypa/packaging 26.x (the version current pip vendors). docs/reference/pep440.md lists
 * the decisions and where packaging 21.3 (pip 23.2.1) differs.
 *
 * A struct al_version owns its memory: fill it with al_version_parse() and
 * give it back with al_version_release(). Comparing never allocates.
 */
#ifndef AL_PEP440_H
#define AL_PEP440_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "airlock.h"
#include "core/buf.h"

/* Inputs longer than this are refused with AL_ELIMIT: no real version is
 * near it, and it keeps every digit run below Python's int-digit limit. */
#define AL_VERSION_MAX_LEN 1024
#define AL_SPECSET_MAX_LEN 65536
#define AL_SPECSET_MAX_SPECS 1024

/* An unbounded non-negative integer: up to 19 digits in n; longer ones
 * (always larger) as their digits without leading zeros. */
struct al_vnum {
	uint64_t n;
	const char *big; /* NULL, or digits inside the version's own memory */
	uint32_t nbig;
};

enum al_pre_kind { AL_PRE_NONE = 0, AL_PRE_A, AL_PRE_B, AL_PRE_RC };

/* A local segment: numeric (compared as an integer) or a lowercase string. */
struct al_vlocal {
	bool numeric;
	struct al_vnum num;
	const char *str;
	uint32_t len;
};

struct al_version {
	char *text;  /* the input exactly as given (=== compares it) */
	char *lower; /* its trimmed, lowercased copy; big numbers point here */
	struct al_vnum epoch;
	struct al_vnum *release;
	size_t nrelease;
	enum al_pre_kind pre;
	struct al_vnum pre_n;
	bool has_post, has_dev;
	struct al_vnum post, dev;
	struct al_vlocal *local;
	size_t nlocal;
};
#define AL_VERSION_INIT { 0 }

/* Parse any valid spelling (leading v, alpha/beta/c/pre/preview/rev/r,
 * optional separators, implicit numbers, surrounding whitespace, any case).
 * On failure v is left empty (safe to release) and d says why. */
AL_MUST_CHECK al_err al_version_parse(struct al_version *v, const char *s, struct al_diag *d);
void al_version_release(struct al_version *v);

/* The PEP 440 total order: <0, 0 or >0. 1.0 == 1.0.0; 1.0+local > 1.0. */
int al_version_cmp(const struct al_version *a, const struct al_version *b);

/* Canonical strings appended to out: str(Version), .public, .base_version. */
AL_MUST_CHECK al_err al_version_str(const struct al_version *v, struct al_buf *out);
AL_MUST_CHECK al_err al_version_public_str(const struct al_version *v, struct al_buf *out);
AL_MUST_CHECK al_err al_version_base_str(const struct al_version *v, struct al_buf *out);

bool al_version_is_prerelease(const struct al_version *v); /* pre or dev */
bool al_version_is_postrelease(const struct al_version *v);
bool al_version_is_devrelease(const struct al_version *v);

/* ---- specifiers --------------------------------------------------------- */

enum al_spec_op {
	AL_OP_EQ,        /* == */
	AL_OP_NE,        /* != */
	AL_OP_LE,        /* <= */
	AL_OP_GE,        /* >= */
	AL_OP_LT,        /* < */
	AL_OP_GT,        /* > */
	AL_OP_COMPAT,    /* ~= */
	AL_OP_ARBITRARY, /* === */
};
const char *al_spec_op_str(enum al_spec_op op);

struct al_spec {
	enum al_spec_op op;
	bool wildcard;  /* ==V.* or !=V.* */
	bool has_local; /* ==V+local or !=V+local */
	char *text;     /* the version as written (trimmed), with any ".*" */
	struct al_version v; /* parsed; empty for === with a non-PEP 440 text */
	bool v_valid;
};

struct al_specset {
	struct al_spec *specs;
	size_t n, alloc;
	bool has_arbitrary;
};
#define AL_SPECSET_INIT { NULL, 0, 0, false }

/* One specifier such as ">= 1.0" (surrounding whitespace allowed). */
AL_MUST_CHECK al_err al_spec_parse(struct al_spec *sp, const char *s, size_t len, struct al_diag *d);
void al_spec_release(struct al_spec *sp);
/* Does the version match, pre-release policy aside? v may be NULL for a
 * string that is not a PEP 440 version (then only === can match); raw is
 * the string compared by === (v->text when NULL). */
bool al_spec_match(const struct al_spec *sp, const struct al_version *v, const char *raw);
/* packaging's Specifier.prereleases: 1 true, 0 false, -1 None. */
int al_spec_prereleases(const struct al_spec *sp);

/* "a, b, c": split on commas, empty items ignored (an empty set matches
 * everything). The set starts as AL_SPECSET_INIT or released. */
AL_MUST_CHECK al_err al_specset_parse(struct al_specset *set, const char *s, struct al_diag *d);
void al_specset_release(struct al_specset *set);
/* The canonical string: specifiers sorted, duplicates dropped. */
AL_MUST_CHECK al_err al_specset_str(const struct al_specset *set, struct al_buf *out);
/* SpecifierSet.prereleases without an override: 1 or -1 (None). */
int al_specset_prereleases(const struct al_specset *set);

/* prereleases: -1 the packaging default (a lone pre-release matches),
 * 0 never, 1 always. === compares v->text. Never allocates. */
bool al_specset_contains(const struct al_specset *set, const struct al_version *v,
                         int prereleases);
/* The same for a string that may not be a valid version. */
AL_MUST_CHECK al_err al_specset_contains_str(const struct al_specset *set, const char *version,
                               int prereleases, bool *out, struct al_diag *d);
/* SpecifierSet.filter: keep[i] tells whether vs[i] is kept; returns the
 * count. With prereleases -1 pre-releases are dropped unless the set names
 * one, or no final release matches. vs[i] NULL stands for a string that
 * is not a version (raws[i], may be NULL when no raw strings are known). */
size_t al_specset_filter(const struct al_specset *set, const struct al_version *const *vs,
                         const char *const *raws, size_t n, int prereleases, bool *keep);

/* Quote untrusted text for a message: printable ASCII kept, the rest as
 * \xNN, cut at 60 characters with "...". */
void al_pep_quote(char *out, size_t outsz, const char *s, size_t len);
#define AL_QUOTE_MAX 256

/* Unicode whitespace (Python's str.isspace) at s[0..len): its byte length,
 * or 0. Exposed for the requirement parser. */
size_t al_uws_at(const char *s, size_t len);
/* Trim Unicode whitespace from both ends of [*s, *s + *len). */
void al_uws_trim(const char **s, size_t *len);
/* The length of the longest prefix of s matching packaging's specifier
 * regular expression (operator included), or 0. */
size_t al_spec_prefix_len(const char *s, size_t len);

#endif
