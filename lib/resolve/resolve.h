/*
 * resolve.h: the backtracking resolver for one target environment.
 *
 * The resolver is pure logic over a provider that knows projects (their
 * files, from index pages) and distributions (their core metadata). The
 * network, caching and parallel prefetching live in the provider
 * (lib/resolve/index.c); tests use an in-memory one.
 */
#ifndef AL_RESOLVE_H
#define AL_RESOLVE_H

#include "airlock.h"
#include "pypa/simple.h"
#include "pypa/tags.h"

struct al_dist_meta {
	char *name;
	char *version;
	char *requires_python;   /* may be NULL */
	char **requires_dist;
	size_t nrequires_dist;
	char *sha256;            /* of the metadata file, when known (PEP 658 sidecar) */
};

/* The file the resolver would try first for a project, given requirement
 * strings already seen for it (hints, may be empty). */
typedef const struct al_simple_file *(*al_pick_fn)(void *pctx, const char *name,
                                                   const struct al_simple_page *page,
                                                   const char *const *hints, size_t nhints);

/* Would the resolver follow this requirement string (an entry of some
 * project's Requires-Dist) for its target, with no extra asked for? */
typedef bool (*al_want_fn)(void *pctx, const char *requirement);

struct al_provider {
	void *ctx;
	/* Every file of a project, from the first index that has it. The page
	 * stays owned by the provider. AL_ENOTFOUND: no index has the project;
	 * d says so and why (a pin, a 403 taken as "not here"), and the
	 * resolver's explanation shows it. */
	al_err (*project)(void *ctx, const char *name, const struct al_simple_page **out,
	                  struct al_diag *d);
	/* The core metadata of one file (PEP 658 sidecar, range reads, or the
	 * whole file); owned by the provider. */
	al_err (*metadata)(void *ctx, const char *name, const struct al_simple_file *f,
	                   const struct al_dist_meta **out, struct al_diag *d);
	/* Hints: these will be asked for soon (fetch them in parallel). May be NULL. */
	void (*prefetch_projects)(void *ctx, const char *const *names, size_t n);
	void (*prefetch_metadata)(void *ctx, const char *const *names,
	                          const struct al_simple_file *const *files, size_t n);
	/* Optional: let the provider look ahead while transfers run. When a page
	 * arrives it may ask pick() for the file the resolver would try first and
	 * fetch its metadata; when metadata arrives it may fetch the pages of the
	 * projects it requires for which want() says yes (none whose marker is
	 * false for the target, or that only an extra brings). Speculation only
	 * warms the caches. */
	void (*speculate)(void *ctx, al_pick_fn pick, al_want_fn want, void *pctx);
};

/* pip's hash-checking mode: only files whose sha256 is one of these may be
 * chosen for the project. A file the index gave no sha256 for is kept; the
 * caller checks its hash once it has downloaded it. */
struct al_resolve_hashes {
	const char *name;                 /* normalized project name */
	const char *const *sha256;        /* lowercase hex */
	size_t n;
	const char *origin;               /* where they were given ("requirements.txt:3"), for messages */
};

struct al_resolve_opts {
	const struct al_target_spec *target;
	const char *target_name;          /* for messages */
	const char *const *requirements;  /* PEP 508 strings */
	size_t nrequirements;
	const char *const *constraints;   /* restrict versions; never add projects */
	size_t nconstraints;
	const char *const *allow_sdist;   /* normalized names; ":all:" allows every project */
	size_t nallow_sdist;
	bool prereleases;                 /* allow pre-releases everywhere */
	/* pip's format control (--no-binary, --only-binary), as the sets pip
	 * keeps: normalized names and ":all:". A project whose wheels are
	 * refused may use its sdist whatever allow_sdist says. */
	const char *const *no_binary;
	size_t nno_binary;
	const char *const *only_binary;
	size_t nonly_binary;
	bool prefer_binary;               /* a version with a wheel before any sdist-only one */
	const struct al_resolve_hashes *hashes; /* hash-checked projects, or NULL */
	size_t nhashes;
	bool require_hashes;              /* every project chosen must be among hashes */
	const struct al_lock_target *previous; /* pins to keep when they still fit, or NULL */
	bool upgrade_all;
	const char *const *upgrade;       /* normalized names to re-resolve */
	size_t nupgrade;
	unsigned long max_steps;          /* 0: pip's cap on resolution rounds (200 000) */
	bool explain_all;                 /* no solution: every rejected version goes to warn too */
	/* warnings (yanked files chosen, ...) go here; may be NULL */
	void (*warn)(void *ctx, const char *msg);
	void *warn_ctx;
};

/* Resolve into out (its name and target fields are left to the caller; the
 * distributions are filled, sorted). On failure d explains the conflict. */
AL_MUST_CHECK al_err al_resolve(const struct al_provider *p, const struct al_resolve_opts *o,
                  struct al_lock_target *out, struct al_diag *d);

void al_dist_meta_free(struct al_dist_meta *m);

#endif
