/*
 * store-internal.h: what other lib/ modules may use of the store beyond the
 * public API: its database connection and the writer lock.
 */
#ifndef AL_STORE_INTERNAL_H
#define AL_STORE_INTERNAL_H

#include <sqlite3.h>

#include "airlock.h"

sqlite3 *al_store_db(struct al_store *s);
/* STORE/tmp, for partial files that must end up on the store's file system. */
const char *al_store_tmpdir(const struct al_store *s);
/* Record a blob whose file is already in place (used after a rename done
 * by a caller that verified it, e.g. import). */
AL_MUST_CHECK al_err al_store_record(struct al_store *s, const char *sha256_hex, uint64_t size,
                       struct al_diag *d);

/* A writer whose commit lands, verified, in stagedir/<hex> (on the store's
 * file system) instead of the store, and is not recorded. The file is
 * fsynced before it is renamed there; stagedir itself is not: the caller
 * fsyncs it once after many commits (al_fsync_dir). */
AL_MUST_CHECK al_err al_blob_writer_new_staged(struct al_store *s, struct al_blob_writer **out,
                                 const char *stagedir, const char *expect_sha256,
                                 int64_t expect_size, struct al_diag *d);
/* Like al_blob_writer_write, but a large blob's bytes are not copied: the
 * caller keeps buf unchanged until al_blob_writer_wait(w, *ticket)
 * returns, or the writer is committed or aborted (*ticket is 0 when the
 * bytes were taken at once). For bytes already in memory (import's volume
 * buffers). */
AL_MUST_CHECK al_err al_blob_writer_write_ref(struct al_blob_writer *w, const void *buf, size_t len,
                                              uint64_t *ticket, struct al_diag *d);
void al_blob_writer_wait(struct al_blob_writer *w, uint64_t ticket);
/* Move a staged stagedir/<hex> into blobs/ and record it; run inside the
 * caller's transaction. A file an interrupted earlier run moved is adopted. */
AL_MUST_CHECK al_err al_store_adopt(struct al_store *s, const char *stagedir, const char *hex, uint64_t size,
                      struct al_diag *d);
/* Move a complete file of tmp/ (open as fd), which the caller wrote and
 * hashed itself (lib/net/ranged.c), into the store as hex and record it:
 * fsync, mode 0444, rename, fsync of the directory, row, as a writer's
 * commit does. The caller checked the sha256 and size; fd stays open. */
AL_MUST_CHECK al_err al_store_commit_tmp(struct al_store *s, int fd, const char *tmppath,
                           const char *hex, uint64_t size, struct al_diag *d);
/* fsync every blobs/sha256/xx directory (after many adopts). */
AL_MUST_CHECK al_err al_store_sync_blobdirs(struct al_store *s, struct al_diag *d);

#endif
