/*
 * wheelname.h: wheel and sdist file names (binary-distribution-format,
 * PEP 427/491, PEP 625), parsed the way packaging's parse_wheel_filename()
 * and parse_sdist_filename() do. Versions stay strings (lib/pep440 parses
 * them); here they are only checked loosely: non-empty, a digit first
 * (after an optional 'v'), characters of the PEP 440 alphabet.
 */
#ifndef AL_WHEELNAME_H
#define AL_WHEELNAME_H

#include <stdbool.h>
#include <stdint.h>

#include "airlock.h"

#define AL_FILENAME_MAX 1024        /* longer file names are refused */
#define AL_WHEELNAME_MAX_TAGS 4096  /* members of the expanded tag set */

struct al_wheelname {
	char *name;        /* the name part as written: "Foo_Bar" */
	char *normalized;  /* PEP 503: "foo-bar" */
	char *version;     /* as written: "1.0" */
	char *build;       /* "" when absent, else as written: "2b" */
	uint64_t build_num;    /* leading digits of the build tag (0 when absent) */
	const char *build_rest; /* the rest of the build tag: "b" (points into build) */
	char *py, *abi, *plat;  /* compressed tag sets as written: "py2.py3" */
	char *mem_;             /* owns every string above */
};
#define AL_WHEELNAME_INIT { 0 }

/* Parse a wheel file name (the basename, not a path or URL). On failure
 * *w is left empty and d says what is wrong, e.g. "invalid wheel file name
 * 'foo-1.0.whl': expected NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl". */
AL_MUST_CHECK al_err al_wheelname_parse(struct al_wheelname *w, const char *filename, struct al_diag *d);
void al_wheelname_release(struct al_wheelname *w);

struct al_sdistname {
	char *name;        /* as written */
	char *normalized;
	char *version;     /* as written */
	const char *ext;   /* ".tar.gz" or ".zip" (static) */
	char *mem_;
};
#define AL_SDISTNAME_INIT { 0 }

/* Parse NAME-VERSION.tar.gz or NAME-VERSION.zip, split at the last '-';
 * NAME must be a valid project name. */
AL_MUST_CHECK al_err al_sdistname_parse(struct al_sdistname *s, const char *filename, struct al_diag *d);
void al_sdistname_release(struct al_sdistname *s);

/* Loose version check shared with the other file-name parsers. */
bool al_version_looks_valid(const char *v);

#endif
