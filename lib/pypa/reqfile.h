/*
 * reqfile.h: requirements files (requirements.txt, constraints.txt) read
 * the way pip reads them: line continuations, comments, ${VAR} expansion,
 * nested -r/-c files relative to the including file, per-requirement
 * --hash, and the index options. Requirement strings stay strings (lib/
 * pep508 parses them); editable, VCS, URL and path requirements are
 * refused because a mirror cannot carry them. docs/reference/tags.md lists where we
 * are stricter than pip.
 */
#ifndef AL_REQFILE_H
#define AL_REQFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "airlock.h"

#define AL_REQFILE_MAX_BYTES ((size_t)16 << 20) /* one file */
#define AL_REQFILE_MAX_LINE ((size_t)1 << 20)   /* one logical line, expanded */
#define AL_REQFILE_MAX_DEPTH 32                 /* nested -r/-c */
#define AL_REQFILE_MAX_FILES 1024               /* files read in total */
#define AL_REQFILE_MAX_ENTRIES 100000           /* requirements in total */
#define AL_REQFILE_MAX_HASHES 1024              /* --hash per requirement */
#define AL_REQFILE_MAX_VALUES 1024              /* values of each list option */

struct al_reqfile_entry {
	char *requirement;   /* "numpy<2 ; python_version >= '3.9'" as written */
	char **hashes;       /* "sha256:<hex>" (sha256, sha384, sha512), in order */
	size_t nhashes;
	const char *file;    /* the file it came from (owned by al_reqfile) */
	size_t line;         /* first physical line of the logical line */
	bool is_constraint;  /* from a constraints file (-c) */
};

struct al_strv {
	char **v;
	size_t n, alloc;
};

struct al_reqfile_options {
	char *index_url;               /* -i/--index-url: the last one wins; NULL if none */
	struct al_strv extra_index_urls; /* --extra-index-url, in order */
	struct al_strv find_links;     /* -f/--find-links; relative paths joined to the
	                                  file's directory when that path exists, as pip */
	struct al_strv no_binary;      /* --no-binary values as written (":all:", "a,b") */
	struct al_strv only_binary;    /* --only-binary values as written */
	struct al_strv trusted_hosts;  /* --trusted-host */
	bool no_index, pre, prefer_binary, require_hashes;
};

struct al_reqfile {
	struct al_reqfile_entry *entries;
	size_t nentries, entries_alloc;
	struct al_reqfile_options opts;
	struct al_strv files;          /* every file read, in order */
};
#define AL_REQFILE_INIT { 0 }

typedef const char *(*al_getenv_fn)(void *ctx, const char *name);

struct al_reqfile_params {
	bool constraint;        /* the top file is a constraints file */
	bool no_includes;       /* refuse -r/-c (for text that is not from a file) */
	al_getenv_fn getenv;    /* ${VAR} lookup; NULL: the process environment */
	void *getenv_ctx;
};

/* Read path (and what it includes) and append to rf. Call again to add more
 * files. Errors name the file and line: "requirements.txt:3: editable
 * requirements cannot be mirrored: -e ./src". After a failure rf holds
 * what was read before it; release it either way. */
AL_MUST_CHECK al_err al_reqfile_add_file(struct al_reqfile *rf, const char *path,
                           const struct al_reqfile_params *p, struct al_diag *d);
/* The same for text in memory; name is used in messages and as the base
 * directory of -r/-c (unless p->no_includes). */
AL_MUST_CHECK al_err al_reqfile_add_buf(struct al_reqfile *rf, const char *name, const char *buf, size_t len,
                          const struct al_reqfile_params *p, struct al_diag *d);
void al_reqfile_release(struct al_reqfile *rf);

#endif
