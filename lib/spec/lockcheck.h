/*
 * lockcheck.h: the grammar of a lock's fields, checked when a lock is read
 * from JSON (media, the store). Publish writes these fields into
 * requirements files, pylock.toml files, HTML, JSON and paths, and pip and
 * the Hub clients read them back: a field that does not match its grammar
 * (docs/reference/lock.md, "The fields and their grammar") is an error naming the
 * field, e.g. "lock.targets[0].python_version: not a Python version:
 * '3.11\n--index-url ...'" (the value quoted with its control characters
 * escaped), never a line of its own in a published file.
 */
#ifndef AL_LOCKCHECK_H
#define AL_LOCKCHECK_H

#include <stdbool.h>

#include "airlock.h"

/* Check every field of l (in the order the JSON gave them, before
 * al_lock_sort). Hashes, sizes, repo ids and file paths are checked while
 * parsing (lib/spec/lockjson.c); this checks the rest. */
AL_MUST_CHECK al_err al_lock_check_fields(const struct al_lock *l, struct al_diag *d);

/* The pieces, for tests and other readers of locks. */
bool al_lock_valid_bundle(const char *s);          /* 1-64 of A-Za-z0-9._-, alnum first */
bool al_lock_valid_target_name(const char *s);     /* 1-128 of A-Za-z0-9._-, alnum first */
bool al_lock_valid_python_version(const char *s);  /* "3.11" or "3.11.9" */
bool al_lock_valid_implementation(const char *s);  /* "cp" or "pp" */
bool al_lock_valid_revision(const char *s);        /* a git ref name or a commit */
bool al_lock_valid_version(const char *s);         /* a PEP 440 version in normal form */
bool al_lock_valid_requires_python(const char *s); /* a PEP 440 specifier set, one line */
bool al_lock_valid_url(const char *s);             /* no control characters, no leading '-' */
/* al_lock_valid_requires_python as AL_OK, AL_EINVALID or AL_ENOMEM. */
AL_MUST_CHECK al_err al_lock_requires_python_check(const char *s);

#endif
