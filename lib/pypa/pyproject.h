/*
 * pyproject.h: the build system of an sdist (PEP 517/518), out of its
 * pyproject.toml, read as hostile input.
 *
 * Only what pip reads before it builds is taken: `build-system.requires`
 * and `build-system.build-backend`. The TOML is scanned with a small parser
 * that knows the whole syntax well enough to skip every other value
 * (strings of the four kinds, arrays, inline tables, scalars) and to find
 * table headers; it does not check the rest of the document the way a full
 * TOML parser would. The result applies pip's defaults (docs/reference/lock.md,
 * "sdists and their build dependencies").
 */
#ifndef AL_PYPROJECT_H
#define AL_PYPROJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "airlock.h"

#define AL_PYPROJECT_MAX ((size_t)1 << 20)  /* a larger pyproject.toml is refused */
#define AL_PYPROJECT_MAX_REQUIRES 256       /* entries in build-system.requires */

/* pip's build requirements when an sdist has no pyproject.toml, or one
 * without a [build-system] table (pip 23.2, pyproject.py). */
#define AL_LEGACY_BUILD_REQUIRES { "setuptools>=40.8.0", "wheel" }

struct al_build_system {
	char **requires;        /* PEP 508 strings, as written (each parsed once) */
	size_t nrequires;
	char *backend;          /* build-backend, NULL when not given */
	bool has_table;         /* the document has a [build-system] table */
};

/* Read build-system out of a pyproject.toml (text, len bytes; need not be
 * NUL-terminated). name is for messages. A document without the table gives
 * has_table false and no requires; a table without `requires` is an error,
 * as it is for pip. Every requirement must parse as PEP 508. */
al_err al_pyproject_build_system(const char *text, size_t len, const char *name,
                                 struct al_build_system *out, struct al_diag *d);
void al_build_system_release(struct al_build_system *b);

/* The requirements pip installs before it builds: build-system.requires, or
 * the legacy default without a table; plus "wheel" when the backend is
 * setuptools' (given, or the default) and requires does not name wheel:
 * setuptools before 70.1 asks for it from get_requires_for_build_wheel,
 * which only running the backend would tell. *out is NULL-terminated. */
al_err al_build_requirements(const struct al_build_system *b, char ***out, size_t *n,
                             struct al_diag *d);

#endif
