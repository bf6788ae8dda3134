/*
 * names.h: Python project names (PEP 503 / PEP 508, packaging's
 * name-normalization spec).
 */
#ifndef AL_NAMES_H
#define AL_NAMES_H

#include <stdbool.h>

/* The normalized form of a project name: lowercase, every run of '-', '_'
 * and '.' replaced by one '-'. malloc'd (al_free); NULL when out of memory.
 * The name is not validated: use al_name_valid() for that. */
char *al_name_normalize(const char *name);

/* Does name match PEP 508's ^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$,
 * case-insensitively (ASCII only)? */
bool al_name_valid(const char *name);

#endif
