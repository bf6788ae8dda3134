/*
 * sbom.h: the parts of lib/review/sbom.c the unit test drives on their own:
 * licences out of core metadata and out of a Hub repo card, the SPDX ids
 * airlock knows, and the serial number. The SBOM itself is al_sbom_build
 * (lib/airlock.h); docs/reference/sbom.md has the format.
 */
#ifndef AL_SBOM_H
#define AL_SBOM_H

#include <jansson.h>

#include "airlock.h"

struct al_buf;

#define AL_SBOM_NAME_MAX 256          /* a licence name kept in the SBOM, in bytes */
#define AL_SBOM_EXPR_MAX 1024         /* a License-Expression taken as an expression */
#define AL_SBOM_CARD_MAX ((size_t)1 << 20) /* a repo card (README.md) read for its front matter */

/* The SPDX id s names, compared without case ("apache-2.0" -> "Apache-2.0"),
 * among the ids airlock knows (a table in sbom.c); NULL when unknown. */
const char *al_spdx_id(const char *s);
/* The SPDX id of a trove classifier ("License :: OSI Approved :: MIT
 * License" -> "MIT") where the mapping is unambiguous; NULL otherwise. */
const char *al_spdx_classifier(const char *classifier);

/* The licence of a distribution out of its core metadata (len bytes of
 * METADATA or PKG-INFO, hostile): a CycloneDX licence choice, an array
 * (empty when the metadata names none). Never fails on bad text: invalid
 * UTF-8 becomes U+FFFD, control characters spaces, long names are cut.
 * AL_EPARSE only when the headers cannot be read at all. */
AL_MUST_CHECK al_err al_sbom_metadata_licenses(const char *buf, size_t len, json_t **out,
                                               struct al_diag *d);

/* A repo card's front matter (README.md, hostile): its licence as a
 * licence choice (an empty array when none) and the datasets it names
 * (a JSON array of strings). A card without front matter gives both empty;
 * front matter that is not valid YAML is AL_EPARSE. */
AL_MUST_CHECK al_err al_sbom_card(const char *buf, size_t len, json_t **licenses, json_t **datasets,
                                  struct al_diag *d);

/* A wheel's *.dist-info/METADATA appended to out, read through the zip's
 * central directory (only the end of the file, the directory and the
 * member; fd is read with pread). AL_EINVALID when that does not work (the
 * caller then reads the wheel as a stream), AL_ENOMEM. */
AL_MUST_CHECK al_err al_sbom_wheel_metadata(int fd, struct al_buf *out);

/* A locked distribution's core metadata (METADATA or PKG-INFO) into md, out
 * of the store: its PEP 658 sidecar, the file itself, or what lock kept of
 * it in the HTTP cache (the sidecar with the hash the lock names, or a range
 * read's METADATA). AL_ENOTFOUND when the store has none of them (s NULL:
 * always); a file that cannot be read gives its error in d. */
AL_MUST_CHECK al_err al_sbom_dist_metadata(struct al_store *s, const struct al_lock_dist *x,
                                           struct al_buf *md, struct al_diag *d);
/* Its licence choice, as al_sbom_metadata_licenses gives it (*out a new
 * reference, set only on success). */
AL_MUST_CHECK al_err al_sbom_dist_licenses(struct al_store *s, const struct al_lock_dist *x,
                                           json_t **out, struct al_diag *d);

/* "urn:uuid:..." (46 bytes with the NUL): a name-based UUID (version 5)
 * of name in airlock's namespace. */
void al_sbom_serial(const char *name, char out[46]);

#endif
