/*
 * hashpipe.c: the hash-and-write pipeline (hashpipe.h): a ring of large
 * page-aligned buffers, filled by the caller, consumed in order by a
 * hashing thread and a writing thread working side by side.
 *
 * Counters, all under mu: `filled` entries were put, `hashed` and `written`
 * of them are done. Entry i (mod the ring) is the producer's again when
 * both counters have passed it, so neither consumer ever sees its bytes
 * change under it. An entry points at its own buffer or, put with
 * al_hashpipe_put_ref, at the caller's memory (no copy).
 *
 * Wake-ups cost more than the handoff itself on a loaded or virtualised
 * machine (a futex call and a context switch each), so they go only to a
 * side that sleeps, and a producer that found the ring full sleeps until
 * half of it is free again: it then fills that half in one go instead of
 * waking once per buffer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/hashpipe.h"
#include "core/mem.h"

#define PAGE ((size_t)4096)
/* start write-back of what was written every this many bytes */
#define SYNC_EVERY ((uint64_t)16 << 20)
/* Direct writes: address, length and offset a multiple of this (the
 * smallest logical block; a device that wants more refuses the write with
 * EINVAL, and the writer goes on buffered), and at most this many bytes of
 * entries that lie back to back in memory in one write. */
#define DIO_ALIGN ((uintptr_t)512)
#define DIO_MAX ((size_t)2 << 20)

struct al_hashpipe {
	struct al_hash *hash;
	int fd;
	const char *name;
	void *block; /* the allocation; slots are page-aligned inside it */
	char *slot[AL_HASHPIPE_SLOTS];
	const char *data[AL_HASHPIPE_SLOTS]; /* under mu: the bytes of each entry put */
	size_t len[AL_HASHPIPE_SLOTS];

	pthread_mutex_t mu;
	pthread_cond_t cv;      /* the consumers wait on it for an entry */
	pthread_cond_t cv_prod; /* the producer waits on it for room */
	unsigned cons_waiting;  /* under mu: consumers asleep on cv */
	uint64_t prod_until;    /* under mu: the producer sleeps until both reach it (0: awake) */
	size_t pending; /* producer's: bytes copied into the next buffer, not put yet */
	uint64_t filled, hashed, written;       /* under mu */
	bool stop;                             /* under mu: no more will be put */
	int werrno;                            /* under mu: the first write error */
	unsigned nthreads;                     /* started (0, 1 or 2) */
	bool direct;                           /* writer's: fd has O_DIRECT on */
	uint64_t direct_bytes;                 /* writer's: written with it */
	pthread_t threads[2];
};

static uint64_t done_by_both(const struct al_hashpipe *p)
{
	return p->hashed < p->written ? p->hashed : p->written;
}

/* Turn the writer's O_DIRECT off (the rest goes through the page cache). */
static void direct_off(struct al_hashpipe *p)
{
	int fl = fcntl(p->fd, F_GETFL);

	if (fl >= 0)
		al_ignore(fcntl(p->fd, F_SETFL, fl & ~O_DIRECT));
	p->direct = false;
}

/* Try O_DIRECT on the writer's fd: a regular file at an aligned offset on a
 * file system that takes it (tmpfs and some others refuse the flag). */
static void direct_on(struct al_hashpipe *p, off_t base)
{
	struct stat st;
	int fl;

	if (base < 0 || (uintptr_t)base % DIO_ALIGN || fstat(p->fd, &st) < 0 ||
	    !S_ISREG(st.st_mode) || (fl = fcntl(p->fd, F_GETFL)) < 0)
		return;
	p->direct = fcntl(p->fd, F_SETFL, fl | O_DIRECT) == 0;
}

/* Write n bytes at the file's offset off: in one direct write while
 * address, length and offset allow it; else, and after a direct write the
 * device refused (EINVAL: it wants a larger alignment; nothing was written)
 * or cut short, through the page cache from then on. errno, or 0. */
static int write_out(struct al_hashpipe *p, const char *at, size_t n, uint64_t off)
{
	if (p->direct && !(((uintptr_t)at | n | off) & (DIO_ALIGN - 1))) {
		ssize_t w;

		do
			w = write(p->fd, at, n);
		while (w < 0 && errno == EINTR);
		if (w < 0 && errno != EINVAL)
			return errno;
		if (w > 0) {
			p->direct_bytes += (uint64_t)w;
			at += w;
			n -= (size_t)w;
		}
		if (!n)
			return 0;
	}
	if (p->direct)
		direct_off(p);
	return al_write_full(p->fd, at, n);
}

/* The body of both threads: take the buffers in order, hash or write each,
 * until told to stop and nothing is left. The writer takes entries that lie
 * back to back in memory (the ring's buffers, filled in turn) in one write
 * when it writes directly. */
static void consume(struct al_hashpipe *p, uint64_t *mine, bool writer)
{
	off_t base = writer ? lseek(p->fd, 0, SEEK_CUR) : 0;
	uint64_t done = 0, synced = 0;

	if (writer)
		direct_on(p, base);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		unsigned i, k = 1;
		size_t n;
		bool failed;

		const char *at;

		while (*mine == p->filled && !p->stop) {
			p->cons_waiting++;
			pthread_cond_wait(&p->cv, &p->mu);
			p->cons_waiting--;
		}
		if (*mine == p->filled)
			break;
		i = (unsigned)(*mine % AL_HASHPIPE_SLOTS);
		n = p->len[i];
		at = p->data[i];
		if (writer && p->direct && !(n & (DIO_ALIGN - 1))) {
			while (*mine + k < p->filled) {
				unsigned j = (unsigned)((*mine + k) % AL_HASHPIPE_SLOTS);
				/* an unaligned length (the tail) is written on
				 * its own: the ones before it still go direct */
				if (p->data[j] != at + n || n + p->len[j] > DIO_MAX ||
				    (p->len[j] & (DIO_ALIGN - 1)))
					break;
				n += p->len[j];
				k++;
			}
		}
		failed = p->werrno != 0;
		pthread_mutex_unlock(&p->mu);

		if (!writer) {
			al_hash_update(p->hash, at, n);
		} else if (!failed) {
			int e = write_out(p, at, n, (uint64_t)base + done);
			if (e) {
				pthread_mutex_lock(&p->mu);
				p->werrno = e;
				pthread_mutex_unlock(&p->mu);
			}
			done += n;
			/* write-back starts now, not at the fsync (a no-op where
			 * the file system has none, and base is -1 for a pipe);
			 * direct writes are on the disk already */
			if (p->direct) {
				synced = done;
			} else if (!e && base >= 0 && done - synced >= SYNC_EVERY) {
				al_ignore(sync_file_range(p->fd, base + (off_t)synced,
				                          (off_t)(done - synced), SYNC_FILE_RANGE_WRITE));
				synced = done;
			}
		}

		pthread_mutex_lock(&p->mu);
		*mine += k;
		if (p->prod_until && (done_by_both(p) >= p->prod_until || p->werrno))
			pthread_cond_signal(&p->cv_prod);
	}
	pthread_mutex_unlock(&p->mu);
	if (writer && p->direct)
		direct_off(p); /* the caller gets its fd back as it gave it */
}

static void *hasher(void *arg)
{
	struct al_hashpipe *p = arg;

	consume(p, &p->hashed, false);
	return NULL;
}

static void *writer(void *arg)
{
	struct al_hashpipe *p = arg;

	consume(p, &p->written, true);
	return NULL;
}

static void stop_threads(struct al_hashpipe *p)
{
	unsigned i;

	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	p->nthreads = 0;
}

al_err al_hashpipe_new(struct al_hashpipe **out, struct al_hash *h, int fd, const char *name,
                       struct al_diag *d)
{
	struct al_hashpipe *p;
	uintptr_t at;
	unsigned i;
	int e;

	*out = NULL;
	if (!(p = al_calloc(1, sizeof(*p))))
		return al_oom(d);
	if (!(p->block = al_malloc(AL_HASHPIPE_SLOTS * AL_HASHPIPE_SLOT + PAGE))) {
		al_free(p);
		return al_oom(d);
	}
	at = ((uintptr_t)p->block + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	for (i = 0; i < AL_HASHPIPE_SLOTS; i++)
		p->slot[i] = (char *)at + i * AL_HASHPIPE_SLOT;
	p->hash = h;
	p->fd = fd;
	p->name = name;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	pthread_cond_init(&p->cv_prod, NULL);
	if ((e = pthread_create(&p->threads[0], NULL, hasher, p)) == 0) {
		p->nthreads = 1;
		if ((e = pthread_create(&p->threads[1], NULL, writer, p)) == 0)
			p->nthreads = 2;
	}
	if (e) {
		al_hashpipe_free(p); /* joins the hasher if it started */
		return al_diag_set(d, AL_ENOMEM, "cannot start a thread: %s", strerror(e));
	}
	*out = p;
	return AL_OK;
}

/* Sleep until both threads are done with the entries up to `until` (or a
 * write failed). Under mu. */
static void wait_done(struct al_hashpipe *p, uint64_t until)
{
	while (done_by_both(p) < until && !p->werrno) {
		p->prod_until = until;
		pthread_cond_wait(&p->cv_prod, &p->mu);
	}
	p->prod_until = 0;
}

/* Wait for the next entry (the one at `filled`) to be free; false after a
 * failed write. Under mu. A full ring is waited on until half of it is
 * free (see the top of the file). */
static bool next_entry(struct al_hashpipe *p)
{
	if (p->filled - done_by_both(p) >= AL_HASHPIPE_SLOTS)
		wait_done(p, p->filled - AL_HASHPIPE_SLOTS / 2);
	return p->werrno == 0;
}

/* The next buffer (the one at `filled`), once both threads are done with
 * it; NULL after a failed write. It stays the next one until it is put. */
static char *next_buf(struct al_hashpipe *p)
{
	bool ok;

	pthread_mutex_lock(&p->mu);
	ok = next_entry(p);
	pthread_mutex_unlock(&p->mu);
	/* after a failed write: no buffer, even a free one, so that the
	 * producer stops reading a file whose copy cannot be kept */
	return ok ? p->slot[p->filled % AL_HASHPIPE_SLOTS] : NULL;
}

/* Put the next entry: n bytes at data. Under mu. */
static void put_locked(struct al_hashpipe *p, const char *data, size_t n)
{
	unsigned i = (unsigned)(p->filled % AL_HASHPIPE_SLOTS);

	p->data[i] = data;
	p->len[i] = n;
	p->filled++;
	if (p->cons_waiting)
		pthread_cond_broadcast(&p->cv);
}

static void put(struct al_hashpipe *p, size_t n)
{
	if (n == 0)
		return; /* an empty buffer would be no byte but one handoff */
	pthread_mutex_lock(&p->mu);
	put_locked(p, p->slot[p->filled % AL_HASHPIPE_SLOTS], n);
	pthread_mutex_unlock(&p->mu);
}

/* Hand over what al_hashpipe_write left in the next buffer. */
static void flush(struct al_hashpipe *p)
{
	put(p, p->pending);
	p->pending = 0;
}

void *al_hashpipe_buf(struct al_hashpipe *p)
{
	flush(p);
	return next_buf(p);
}

void al_hashpipe_put(struct al_hashpipe *p, size_t n)
{
	put(p, n);
}

/* The first write error as a diagnostic (AL_OK when there is none). */
static al_err write_error(struct al_hashpipe *p, struct al_diag *d)
{
	int e;

	pthread_mutex_lock(&p->mu);
	e = p->werrno;
	pthread_mutex_unlock(&p->mu);
	if (!e)
		return AL_OK;
	return al_diag_set(d, e == ENOSPC || e == EDQUOT ? AL_ENOSPACE : AL_EIO,
	                   "cannot write '%s': %s", p->name, strerror(e));
}

/* Small writes (an HTTP transfer's 16 KiB pieces, a tar entry's blocks)
 * fill a buffer before it is handed over, so that a handoff carries a
 * whole buffer. */
al_err al_hashpipe_write(struct al_hashpipe *p, const void *buf, size_t n, struct al_diag *d)
{
	const char *c = buf;

	while (n) {
		char *slot = next_buf(p);
		size_t k = AL_HASHPIPE_SLOT - p->pending;

		if (!slot)
			return write_error(p, d);
		if (k > n)
			k = n;
		memcpy(slot + p->pending, c, k);
		p->pending += k;
		c += k;
		n -= k;
		if (p->pending == AL_HASHPIPE_SLOT)
			flush(p);
	}
	return AL_OK;
}

al_err al_hashpipe_put_ref(struct al_hashpipe *p, const void *buf, size_t n, uint64_t *ticket,
                          struct al_diag *d)
{
	bool ok;

	flush(p); /* bytes copied in before these go first */
	if (n == 0) {
		*ticket = 0;
		return AL_OK;
	}
	pthread_mutex_lock(&p->mu);
	if ((ok = next_entry(p))) {
		put_locked(p, buf, n);
		*ticket = p->filled;
	}
	pthread_mutex_unlock(&p->mu);
	return ok ? AL_OK : write_error(p, d);
}

void al_hashpipe_wait(struct al_hashpipe *p, uint64_t ticket)
{
	pthread_mutex_lock(&p->mu);
	/* after a failed write the writer skips the writes but still passes
	 * every entry, so this ends; the failure is the caller's at finish */
	while (done_by_both(p) < ticket) {
		p->prod_until = ticket;
		pthread_cond_wait(&p->cv_prod, &p->mu);
	}
	p->prod_until = 0;
	pthread_mutex_unlock(&p->mu);
}

al_err al_hashpipe_read(struct al_hashpipe *p, al_hashpipe_read_fn *src, void *ctx,
                        uint64_t limit, uint64_t *total, struct al_diag *d)
{
	for (;;) {
		char *slot = al_hashpipe_buf(p);
		ssize_t n;

		if (!slot)
			return write_error(p, d);
		n = src(ctx, slot, AL_HASHPIPE_SLOT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return al_diag_set(d, AL_EIO, "read error: %s", strerror(errno));
		if (n == 0)
			return AL_OK;
		if ((uint64_t)n > limit - *total)
			return al_diag_set(d, AL_EVERIFY, "more than the expected %llu bytes",
			                   (unsigned long long)limit);
		al_hashpipe_put(p, (size_t)n);
		*total += (uint64_t)n;
	}
}

static ssize_t read_fd(void *ctx, void *buf, size_t n)
{
	return read(*(int *)ctx, buf, n);
}

al_err al_hashpipe_read_fd(struct al_hashpipe *p, int fd, uint64_t limit, uint64_t *total,
                           struct al_diag *d)
{
	return al_hashpipe_read(p, read_fd, &fd, limit, total, d);
}

al_err al_hashpipe_finish(struct al_hashpipe *p, struct al_diag *d)
{
	flush(p);
	stop_threads(p);
	return write_error(p, d);
}

uint64_t al_hashpipe_direct_bytes(const struct al_hashpipe *p)
{
	return p->direct_bytes; /* the writer is joined: no lock needed */
}

void al_hashpipe_free(struct al_hashpipe *p)
{
	if (!p)
		return;
	flush(p);
	stop_threads(p);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	pthread_cond_destroy(&p->cv_prod);
	al_free(p->block);
	al_free(p);
}
