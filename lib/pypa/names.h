/*
 * names.h: project and extra names (PEP 503 normalization, PEP 508 validity).
 * Shared by the requirement parser, wheel filenames and the index.
 */
#ifndef AL_NAMES_H
#define AL_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* PEP 503 normal form: lowercase, every run of '-', '_' and '.' becomes one
 * '-' (leading or trailing runs are kept, as packaging's canonicalize_name
 * does). Returns a malloc'd string (al_free), NULL when out of memory. */
char *al_name_normalize(const char *name);

/* Same, into a caller buffer of at least strlen(name) + 1 bytes. */
void al_name_normalize_into(char *out, const char *name, size_t len);

/* A valid distribution name: ASCII letters and digits, with '-', '_' and
 * '.' allowed inside, not at either end (the spec's regular expression). */
bool al_name_valid(const char *name);

/* Is name already in normal form (valid and equal to its normalization)? */
bool al_name_is_normalized(const char *name);

#endif
