/*
 * zipmeta.h: just enough of the zip format to read one member of a remote
 * wheel with HTTP range requests: the end of central directory (and its
 * zip64 form), the central directory entries, a local header, and the
 * member's data (stored or deflated, through zlib). Pure functions on
 * (buf, len): every offset and length from the archive is checked.
 */
#ifndef AL_ZIPMETA_H
#define AL_ZIPMETA_H

#include <stdint.h>

#include "airlock.h"
#include "core/buf.h"

#define AL_ZIP_TAIL 65536                 /* the first range read from the end */
#define AL_ZIP_MAX_CD ((uint64_t)64 << 20) /* a central directory larger than this is refused */

struct al_zip_cd {
	uint64_t offset, size;  /* of the central directory in the file */
};

/* Find the end of central directory in the last bytes of a file of size
 * total; tail holds bytes [total - len, total). */
AL_MUST_CHECK al_err al_zip_find_cd(const unsigned char *tail, size_t len, uint64_t total, struct al_zip_cd *out,
                      struct al_diag *d);

struct al_zip_member {
	uint64_t local_offset;  /* of the local header */
	uint64_t csize, usize;
	unsigned method;        /* 0 stored, 8 deflate */
};

/* In a central directory, the wheel's top-level "<name>.dist-info/METADATA"
 * of a file of size total: a member whose local header and data do not lie
 * inside the file is refused (AL_EINVALID). */
AL_MUST_CHECK al_err al_zip_find_metadata(const unsigned char *cd, size_t len, uint64_t total,
                            struct al_zip_member *out, struct al_diag *d);

/* Given bytes starting at the member's local header, append its
 * uncompressed data to out (checking sizes; at most max bytes).
 * AL_ENOTFOUND (with *need set) when buf is too short: fetch *need bytes. */
AL_MUST_CHECK al_err al_zip_member_data(const unsigned char *buf, size_t len, const struct al_zip_member *m,
                          size_t max, struct al_buf *out, uint64_t *need, struct al_diag *d);

#endif
