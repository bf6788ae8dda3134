/*
 * metadata.h: core metadata (a wheel's *.dist-info/METADATA, an sdist's
 * PKG-INFO, a PEP 658 .metadata file): RFC 822 style headers, folded
 * continuation lines, a body after the first blank line (ignored). Only the
 * fields a resolver needs are kept; requirement strings stay strings.
 */
#ifndef AL_METADATA_H
#define AL_METADATA_H

#include <stddef.h>

#include "airlock.h"

#define AL_METADATA_MAX_BYTES ((size_t)64 << 20) /* whole file */
#define AL_METADATA_MAX_VALUE ((size_t)64 << 10) /* one unfolded kept value */
#define AL_METADATA_MAX_HEADERS 20000            /* header lines */
#define AL_METADATA_MAX_LIST 4096  /* Requires-Dist, Provides-Extra, Dynamic each */

struct al_metadata {
	char *metadata_version;  /* "2.1" */
	char *name;              /* as written (validated) */
	char *version;           /* as written (loosely validated) */
	char *requires_python;   /* NULL when absent */
	char **requires_dist;    /* in file order */
	size_t nrequires_dist;
	char **provides_extra;
	size_t nprovides_extra;
	char **dynamic;
	size_t ndynamic;
};
#define AL_METADATA_INIT { 0 }

/* Parse len bytes. Header names are case-insensitive. Metadata-Version,
 * Name and Version are required and single; Requires-Python is single.
 * Errors carry the line: "line 4: duplicate 'Name' header". A major
 * Metadata-Version above 2 is AL_EUNSUPPORTED (the spec says to fail). */
AL_MUST_CHECK al_err al_metadata_parse(struct al_metadata *md, const char *buf, size_t len,
                         struct al_diag *d);
void al_metadata_release(struct al_metadata *md);

#endif
