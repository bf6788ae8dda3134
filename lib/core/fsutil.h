/*
 * fsutil.h: small file-system helpers that report through al_diag.
 */
#ifndef AL_FSUTIL_H
#define AL_FSUTIL_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "airlock.h"
#include "core/buf.h"

/* Is p a safe relative path for a published tree: '/'-separated, no empty,
 * "." or ".." segment, no leading '/', no backslash, no control characters,
 * not longer than 4096 bytes, segments at most 255 bytes? */
bool al_path_safe(const char *p);
/* mkdir -p with the given mode for directories it creates. */
AL_MUST_CHECK al_err al_mkdir_p(const char *path, mode_t mode, struct al_diag *d);
/* write(2) until done, retrying on EINTR. `what` names the file in errors. */
AL_MUST_CHECK al_err al_write_all(int fd, const void *p, size_t n, const char *what, struct al_diag *d);
/* The same loop for callers that report through something else (a
 * libarchive callback, a writer thread): 0, or the errno of the failed
 * write. */
AL_MUST_CHECK int al_write_full(int fd, const void *p, size_t n);
/* pread(2) of exactly n bytes at off, retrying on EINTR: 0, the errno of
 * the failed read, or EIO when the file ends first. */
AL_MUST_CHECK int al_pread_full(int fd, void *p, size_t n, uint64_t off);
/* fsync and close *fd (then -1), so that the bytes are on disk before a
 * rename publishes them. `what` names the file in errors ("cannot sync
 * 'x'", AL_ENOSPACE when the disk is full). */
AL_MUST_CHECK al_err al_fsync_close(int *fd, const char *what, struct al_diag *d);
/* fsync the directory dir (a path that is no directory: AL_EIO). */
AL_MUST_CHECK al_err al_fsync_dir(const char *dir, struct al_diag *d);
/* Join with one '/' between; malloc'd, NULL when out of memory. */
char *al_path_join(const char *a, const char *b);
/* Write a whole file atomically: tmp file beside it, fsync, rename, fsync dir. */
AL_MUST_CHECK al_err al_write_file_atomic(const char *path, const void *p, size_t n, mode_t mode,
                            struct al_diag *d);
/* rm -rf path: a file or a symbolic link is unlinked; a directory is
 * emptied, depth first, and removed. A link is never followed (a link to a
 * directory goes, the directory stays), and each directory is opened
 * O_NOFOLLOW relative to its parent, so swapping a directory for a link
 * while it runs does not reach outside. Best effort, for cleaning up a
 * staging area or an old generation: what cannot be removed stays, and no
 * path is a no-op. */
void al_remove_tree(const char *path);
/* Free bytes available to an unprivileged user on the file system of path. */
AL_MUST_CHECK al_err al_free_space(const char *path, unsigned long long *out, struct al_diag *d);

#define AL_OPEN_FOLLOW 0x1 /* follow a symbolic link (the target must be a regular file) */
/* Open an existing regular file for reading, never blocking: the open uses
 * O_NONBLOCK (a FIFO would wait for a writer, a tty for carrier), then fstat
 * must say S_ISREG; a FIFO, a device, a socket, a directory is refused
 * ("'x' is a FIFO, not a regular file"), and so is a symbolic link unless
 * AL_OPEN_FOLLOW (O_NOFOLLOW: only the last component; the directories on the
 * way may be links). O_NONBLOCK is cleared before *fd is handed back; st
 * (may be NULL) receives the fstat. AL_EINVALID for what is not a regular
 * file, AL_ENOTFOUND when there is no such file, AL_EIO otherwise. */
AL_MUST_CHECK al_err al_open_regular(const char *path, unsigned flags, int *fd, struct stat *st,
                       struct al_diag *d);
/* al_buf_read_file through al_open_regular: appends at most max bytes
 * (AL_ELIMIT beyond, before reading when the size says so). */
AL_MUST_CHECK al_err al_read_regular(struct al_buf *b, const char *path, unsigned flags, size_t max,
                       struct al_diag *d);

#endif
