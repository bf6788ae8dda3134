/*
 * hashpipe.h: bytes hashed and written to a file in a pipeline across two
 * cores (docs/decisions/0045-hash-write-pipeline.md).
 *
 * The caller fills the buffers of a ring (reading a file straight into them,
 * or copying into them); a hashing thread and a writing thread take each
 * filled buffer in order, side by side, and a buffer is handed out again
 * only after both are done with it. So the bytes written are exactly the
 * bytes hashed, every byte put in is hashed, and memory is the ring
 * (AL_HASHPIPE_SLOTS x AL_HASHPIPE_SLOT bytes, page-aligned) whatever the
 * size. A buffer is a size a core's cache holds: with 2 MiB buffers the
 * kernel's copies in read(2) and write(2) took four times as long (the
 * decision page has the figures), so the ring is many small buffers.
 *
 * The writer writes to a regular file with O_DIRECT while the bytes allow
 * it (address, length and offset multiples of 512, which the ring's full
 * buffers are), up to 2 MiB of back-to-back buffers at a time: no copy into
 * the page cache and no page to allocate for it. An unaligned piece (the
 * tail, borrowed memory), a file system that refuses the flag and a device
 * that refuses the write (EINVAL) turn it off and the rest goes buffered,
 * with write-back started early (sync_file_range). The pipe never fsyncs:
 * the caller's one fsync at the end makes all of it durable
 * (docs/decisions/0060-direct-writes.md).
 *
 * One producer: the calls below are made from one thread. The hash context
 * and the file descriptor belong to the pipe's threads from al_hashpipe_new
 * until al_hashpipe_finish (or al_hashpipe_free) returns.
 */
#ifndef AL_HASHPIPE_H
#define AL_HASHPIPE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "airlock.h"
#include "core/hash.h"

#define AL_HASHPIPE_SLOT ((size_t)256 << 10)
#define AL_HASHPIPE_SLOTS 16

struct al_hashpipe;

/* Start the two threads: bytes go into h (initialised, not finished) and
 * are written to fd from its current offset; name is the file's name for
 * messages and must outlive the pipe. */
AL_MUST_CHECK al_err al_hashpipe_new(struct al_hashpipe **out, struct al_hash *h, int fd,
                                     const char *name, struct al_diag *d);

/* The next buffer to fill (AL_HASHPIPE_SLOT bytes), waiting while every
 * buffer is in flight; NULL once a write has failed (al_hashpipe_finish
 * says why). Filling it and not putting it is fine. */
void *al_hashpipe_buf(struct al_hashpipe *p);
/* Hand the first n bytes of the buffer from al_hashpipe_buf over. */
void al_hashpipe_put(struct al_hashpipe *p, size_t n);

/* Copy n bytes in. Small pieces fill a buffer before it is handed over
 * (finish, free or the next al_hashpipe_buf hands over the last one).
 * Fails (AL_ENOSPACE, AL_EIO) once a write has failed. */
AL_MUST_CHECK al_err al_hashpipe_write(struct al_hashpipe *p, const void *buf, size_t n,
                                       struct al_diag *d);

/* Hand over n bytes of the caller's memory, not copied: the caller keeps
 * them unchanged until al_hashpipe_wait(p, *ticket) returns (or the pipe
 * is finished or freed). Bytes copied in before go first. Fails like
 * al_hashpipe_write. */
AL_MUST_CHECK al_err al_hashpipe_put_ref(struct al_hashpipe *p, const void *buf, size_t n,
                                         uint64_t *ticket, struct al_diag *d);
/* Wait until both threads are done with everything put up to ticket (0:
 * returns at once). */
void al_hashpipe_wait(struct al_hashpipe *p, uint64_t ticket);

/* A read(2)-like source: bytes read, 0 at the end, -1 with errno set. */
typedef ssize_t al_hashpipe_read_fn(void *ctx, void *buf, size_t n);

/* Read src to its end through the pipe, adding the bytes read to *total.
 * More than limit bytes in all is AL_EVERIFY (a file that grew while read),
 * and the bytes past the limit are neither hashed nor written; a read
 * error is AL_EIO, a failed write AL_ENOSPACE or AL_EIO. */
AL_MUST_CHECK al_err al_hashpipe_read(struct al_hashpipe *p, al_hashpipe_read_fn *src,
                                      void *ctx, uint64_t limit, uint64_t *total,
                                      struct al_diag *d);
/* The same with read(2) on fd. */
AL_MUST_CHECK al_err al_hashpipe_read_fd(struct al_hashpipe *p, int fd, uint64_t limit,
                                         uint64_t *total, struct al_diag *d);

/* Wait until every buffer put is hashed and written, stop and join the
 * threads, and report the first write error. The hash then holds every
 * byte put, and the caller has the fd back. */
AL_MUST_CHECK al_err al_hashpipe_finish(struct al_hashpipe *p, struct al_diag *d);
/* After al_hashpipe_finish: how many bytes went to the file with O_DIRECT
 * (the rest went through the page cache). */
uint64_t al_hashpipe_direct_bytes(const struct al_hashpipe *p);
/* Finish (dropping any error) and free; NULL-safe. */
void al_hashpipe_free(struct al_hashpipe *p);

#endif
