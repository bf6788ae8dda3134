/*
 * wheel.h: reading inside wheels (zip archives) with libarchive.
 */
#ifndef AL_WHEEL_H
#define AL_WHEEL_H

#include "airlock.h"
#include "core/buf.h"

#define AL_WHEEL_METADATA_MAX ((size_t)16 << 20)
/* Reading into an archive stops once this much is unpacked (a bomb). */
#define AL_SDIST_UNPACKED_MAX ((int64_t)4 << 30)

/* Append the top-level *.dist-info/METADATA of the zip file at path to out. */
AL_MUST_CHECK al_err al_wheel_metadata_file(const char *path, struct al_buf *out, struct al_diag *d);
/* The same from an open descriptor (read from its start; not closed); name is
 * for messages. */
AL_MUST_CHECK al_err al_wheel_metadata_fd(int fd, const char *name, struct al_buf *out, struct al_diag *d);
/* The same for an sdist's top-level PKG-INFO (tar.gz or zip). */
AL_MUST_CHECK al_err al_sdist_pkginfo_file(const char *path, struct al_buf *out, struct al_diag *d);
/* Any top-level file of an sdist (one leading directory, then file), at most
 * max bytes; AL_ENOTFOUND when the archive has none. */
AL_MUST_CHECK al_err al_sdist_member_file(const char *path, const char *file, size_t max, struct al_buf *out,
                            struct al_diag *d);

#endif
