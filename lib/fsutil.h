/*
 * fsutil.h: small file-system helpers that report through al_diag.
 */
#ifndef AL_FSUTIL_H
#define AL_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "airlock.h"

/* mkdir -p with the given mode for directories it creates. */
al_err al_mkdir_p(const char *path, mode_t mode, struct al_diag *d);
/* write(2) until done, retrying on EINTR. `what` names the file in errors. */
al_err al_write_all(int fd, const void *p, size_t n, const char *what, struct al_diag *d);
/* fsync the directory holding path (or path itself when it is a directory). */
al_err al_fsync_dir(const char *dir, struct al_diag *d);
/* Join with one '/' between; malloc'd, NULL when out of memory. */
char *al_path_join(const char *a, const char *b);
/* Write a whole file atomically: tmp file beside it, fsync, rename, fsync dir. */
al_err al_write_file_atomic(const char *path, const void *p, size_t n, mode_t mode,
                            struct al_diag *d);
/* Free bytes available to an unprivileged user on the file system of path. */
al_err al_free_space(const char *path, unsigned long long *out, struct al_diag *d);

#endif
