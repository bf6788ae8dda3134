/*
 * ranged.c: one large file as byte ranges over several connections (see
 * ranged.h, docs/reference/http.md "Large files over many connections" and
 * docs/decisions/0043-ranged-downloads.md).
 *
 * The file is cut into pieces of equal size. The first request (the probe)
 * asks the URL the caller gave for the first missing piece, following the
 * redirect to the CDN; its answer says whether the server honours Range,
 * which file it sends (ETag, else X-Linked-Etag) and where the bytes are
 * (the final URL). The other pieces then go straight to that URL, at most
 * `conns` at once, without the Authorization line. Each piece's bytes are
 * written in place with pwrite into STORE/tmp/range-<sha256>.part; a thread
 * hashes the contiguous prefix as it grows, reading back from the page
 * cache what the connections wrote out of order. Finished pieces are
 * appended to range-<sha256>.journal, so a later run asks only for the
 * missing ones, once the server shows the same validator.
 *
 * Fallbacks: a 200 to the probe means the server ignores Range: that
 * answer becomes the whole download on one connection. A 200 to a later
 * piece drains the others and starts the whole file on one connection. A
 * 403 from the CDN (a signed URL that expired) asks the caller's URL again
 * for a fresh redirect, up to a bound without progress.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/mem.h"
#include "core/url.h"
#include "net/ranged.h"
#include "store/store-internal.h"

#define PIECE_MIN ((uint64_t)64 << 10)
#define PIECE_MAX ((uint64_t)16 << 20)
#define HASH_BUF ((size_t)1 << 20)
/* start write-back of the hashed prefix every this many bytes */
#define SYNC_EVERY ((uint64_t)16 << 20)
#define JOURNAL_MAX ((size_t)4 << 20)
#define JOURNAL_MAGIC "airlock-ranges 1"

enum piece_state { P_MISSING, P_ACTIVE, P_DONE };

struct piece {
	uint64_t start, len, got;   /* got: bytes written from start, in order */
	enum piece_state st;
};

/* One request in flight; ctx of the engine's callbacks. */
struct slot {
	struct al_ranged *r;
	size_t piece;
	bool busy;
	bool stale;                 /* its answer no longer counts: abort it */
	bool via_cdn;               /* asked the CDN URL directly */
	bool probe;
};

struct al_ranged {
	struct al_http *h;
	struct al_ranged *next;
	struct al_ranged **list;
	struct al_store *store;
	char *url;                  /* as the caller gave it */
	char *shown;                /* url without userinfo: messages, comparisons */
	char *cdn_url;              /* where the probe ended, when elsewhere; NULL: ask url */
	char **hdrs;                /* the caller's header lines */
	size_t nhdrs;
	char sha256[AL_SHA256_HEX];
	uint64_t size;
	al_http_done_fn done;
	al_http_progress_fn progress;
	void *ctx;
	const void *owner;

	struct piece *pieces;
	size_t npieces, scan;       /* scan: no missing piece before it */
	uint64_t piece_size, done_bytes, reported;
	struct slot *slots;
	unsigned nslots, inflight;
	bool probing, whole, fallback, failed, drop_partial, resumed;
	unsigned resolves;          /* re-resolutions since the last finished piece */
	char *validator;
	int fd, jfd;
	char *path, *jpath;
	struct al_http_resp resp;   /* the result */

	/* the hashing thread */
	bool hrunning, hinit;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t avail;             /* the contiguous prefix written (under mu) */
	bool hstop, habort;         /* under mu */
	uint64_t hashed;            /* the thread's; read after join */
	int herrno;
	struct al_hash hash;
	char *hbuf;
	/* The end of a whole file, in the thread: its digest, and for a file
	 * that matches, the fsync of the commit (syncerr: errno), so
	 * that the event loop does not wait for the disk (the other downloads
	 * go on meanwhile). hdone (under mu): the thread is through with it. */
	char hhex[AL_SHA256_HEX];
	bool hfinal, hsynced, hdone;
	int syncerr;
	bool committing;            /* finish() waits for the thread's end */
};

/* ---- the hashing thread ------------------------------------------------------- */

static void *hash_main(void *arg)
{
	struct al_ranged *r = arg;
	uint64_t synced = r->hashed;

	for (;;) {
		uint64_t target;
		bool stop, abort_;

		pthread_mutex_lock(&r->mu);
		while (r->hashed == r->avail && !r->hstop)
			pthread_cond_wait(&r->cv, &r->mu);
		target = r->avail;
		stop = r->hstop;
		abort_ = r->habort;
		pthread_mutex_unlock(&r->mu);
		if (abort_ || r->herrno)
			break;
		while (r->hashed < target) {
			size_t n = target - r->hashed < HASH_BUF ? (size_t)(target - r->hashed) : HASH_BUF;
			ssize_t got = pread(r->fd, r->hbuf, n, (off_t)r->hashed);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				r->herrno = got < 0 ? errno : EIO;
				break;
			}
			al_hash_update(&r->hash, r->hbuf, (size_t)got);
			r->hashed += (uint64_t)got;
			/* write-back of the hashed prefix starts now, beside the
			 * download, so that the fsync before the commit has little
			 * left to write (it took a second per GiB at the end, with
			 * the event loop waiting for it) */
			if (r->hashed - synced >= SYNC_EVERY || r->hashed == r->size) {
				al_ignore(sync_file_range(r->fd, (off_t)synced,
				                          (off_t)(r->hashed - synced),
				                          SYNC_FILE_RANGE_WRITE));
				synced = r->hashed;
			}
		}
		if (r->herrno || (stop && r->hashed >= target) || r->hashed == r->size)
			break;
	}
	/* The whole file is in and hashed: check it and make it durable here,
	 * beside the other downloads, not on the event loop. */
	if (!r->herrno && r->hashed == r->size) {
		al_hash_final_hex(&r->hash, r->hhex);
		r->hfinal = true;
		if (strcmp(r->hhex, r->sha256) == 0) {
			/* only the fsync: the mode changes at the commit, right
			 * before the rename, so that a run killed meanwhile leaves
			 * a partial file the next run can open for writing */
			if (fsync(r->fd) < 0)
				r->syncerr = errno;
			else
				r->hsynced = true;
		}
	}
	pthread_mutex_lock(&r->mu);
	r->hdone = true;
	pthread_mutex_unlock(&r->mu);
	al_http_wakeup(r->h); /* finish() may be waiting in the event loop */
	return NULL;
}

/* The thread is through (its end is for finish() to take). */
static bool hasher_done(struct al_ranged *r)
{
	bool done;

	pthread_mutex_lock(&r->mu);
	done = r->hdone;
	pthread_mutex_unlock(&r->mu);
	return done;
}

static al_err hasher_start(struct al_ranged *r, struct al_diag *d)
{
	al_err err;

	if (!r->hbuf && !(r->hbuf = al_malloc(HASH_BUF)))
		return al_oom(d);
	if (r->hinit)
		al_hash_release(&r->hash);
	r->hinit = false;
	if ((err = al_hash_init(&r->hash, AL_HASH_SHA256, d)))
		return err;
	r->hinit = true;
	r->hashed = 0;
	r->avail = 0;
	r->hstop = r->habort = false;
	r->herrno = 0;
	r->hfinal = r->hsynced = r->hdone = false;
	r->syncerr = 0;
	if (pthread_create(&r->thread, NULL, hash_main, r) != 0) {
		return al_diag_set(d, AL_EINTERNAL, "cannot start a hashing thread");
	}
	r->hrunning = true;
	return AL_OK;
}

/* Wait for the thread; abort: do not hash the rest. */
static void hasher_stop(struct al_ranged *r, bool abort_)
{
	if (!r->hrunning)
		return;
	pthread_mutex_lock(&r->mu);
	r->hstop = true;
	r->habort = abort_;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	r->hrunning = false;
}

static void hasher_feed(struct al_ranged *r, uint64_t avail)
{
	if (!r->hrunning)
		return;
	pthread_mutex_lock(&r->mu);
	if (avail > r->avail) {
		r->avail = avail;
		pthread_cond_signal(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
}

/* The contiguous prefix on disk grew: tell the thread. */
static void advance(struct al_ranged *r)
{
	uint64_t a;

	if (r->whole) {
		a = r->pieces[0].got;
	} else {
		while (r->scan < r->npieces && r->pieces[r->scan].st == P_DONE)
			r->scan++;
		a = r->scan < r->npieces ? r->pieces[r->scan].start + r->pieces[r->scan].got : r->size;
	}
	hasher_feed(r, a);
}

/* ---- files ---------------------------------------------------------------------- */

static al_err pwrite_all(int fd, const void *p, size_t n, uint64_t off, const char *path,
                         struct al_diag *d)
{
	const char *c = p;

	while (n) {
		ssize_t w = pwrite(fd, c, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return al_diag_set(d, errno == ENOSPC || errno == EDQUOT ? AL_ENOSPACE : AL_EIO,
			                   "cannot write '%s': %s", path, strerror(errno));
		c += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return AL_OK;
}

static bool validator_ok(const char *v)
{
	if (!*v || strlen(v) > 1024)
		return false;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x21 || *p == 0x7f)
			return false;
	return true;
}

/* Read the journal: true when it is ours and whole; marks the done pieces.
 * Anything unexpected (another file, size or piece size, a damaged line)
 * means starting over. */
static bool journal_load(struct al_ranged *r)
{
	char *buf = NULL, *line, *nl, *end;
	struct stat st;
	size_t n = 0;
	bool ok = false;
	int fd = open(r->jpath, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > JOURNAL_MAX ||
	    !(buf = al_malloc((size_t)st.st_size + 1)))
		goto out;
	while (n < (size_t)st.st_size) {
		ssize_t got = read(fd, buf + n, (size_t)st.st_size - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			goto out;
		n += (size_t)got;
	}
	buf[n] = '\0';
	/* "airlock-ranges 1 <sha256> <size> <piece size>" */
	{
		char sha[AL_SHA256_HEX];
		unsigned long long size, piece;
		int used = 0;
		if (sscanf(buf, JOURNAL_MAGIC " %64[0-9a-f] %llu %llu\n%n", sha, &size, &piece,
		           &used) != 3 || !used || strcmp(sha, r->sha256) != 0 || size != r->size ||
		    piece < PIECE_MIN || piece > PIECE_MAX || buf[used - 1] != '\n')
			goto out;
		r->piece_size = piece;
		line = buf + used;
	}
	if (strncmp(line, "validator ", 10) != 0 || !(nl = strchr(line, '\n')))
		goto out;
	*nl = '\0';
	if (!validator_ok(line + 10) || !(r->validator = al_strdup(line + 10)))
		goto out;
	r->npieces = (size_t)((r->size + r->piece_size - 1) / r->piece_size);
	if (!(r->pieces = al_calloc(r->npieces, sizeof(*r->pieces))))
		goto out;
	for (line = nl + 1; (nl = strchr(line, '\n')); line = nl + 1) {
		unsigned long long i;
		*nl = '\0';
		if (strncmp(line, "done ", 5) != 0 || line[5] < '0' || line[5] > '9')
			goto out;
		errno = 0;
		i = strtoull(line + 5, &end, 10);
		if (errno || *end || i >= r->npieces)
			goto out;
		r->pieces[i].st = P_DONE;
	}
	/* (a last line without its newline was cut by a kill: ignored) */
	ok = true;
out:
	if (!ok) {
		al_free(r->pieces);
		r->pieces = NULL;
		al_free(r->validator);
		r->validator = NULL;
	}
	al_free(buf);
	close(fd);
	return ok;
}

/* A new journal naming this file and validator, no piece done yet. */
static al_err journal_start(struct al_ranged *r, struct al_diag *d)
{
	struct al_buf b = AL_BUF_INIT;
	al_err err;

	if (r->jfd >= 0)
		close(r->jfd);
	r->jfd = open(r->jpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (r->jfd < 0)
		return al_diag_set(d, AL_EIO, "cannot create '%s': %s", r->jpath, strerror(errno));
	if (al_buf_addf(&b, JOURNAL_MAGIC " %s %llu %llu\nvalidator %s\n", r->sha256,
	                (unsigned long long)r->size, (unsigned long long)r->piece_size,
	                r->validator))
		return al_oom(d);
	err = al_write_all(r->jfd, b.buf, b.len, r->jpath, d);
	al_buf_release(&b);
	return err;
}

static al_err journal_done(struct al_ranged *r, size_t i, struct al_diag *d)
{
	char line[32];
	int n;

	if (r->jfd < 0)
		return AL_OK;
	n = snprintf(line, sizeof(line), "done %zu\n", i);
	return al_write_all(r->jfd, line, (size_t)n, r->jpath, d);
}

static void journal_drop(struct al_ranged *r)
{
	if (r->jfd >= 0)
		close(r->jfd);
	r->jfd = -1;
	unlink(r->jpath);
}

/* ---- pieces ------------------------------------------------------------------------ */

static void pieces_reset(struct al_ranged *r)
{
	for (size_t i = 0; i < r->npieces; i++) {
		r->pieces[i].start = (uint64_t)i * r->piece_size;
		r->pieces[i].len = i + 1 < r->npieces ? r->piece_size
		                                     : r->size - (uint64_t)i * r->piece_size;
		r->pieces[i].got = 0;
		if (r->pieces[i].st != P_DONE)
			r->pieces[i].st = P_MISSING;
	}
	r->done_bytes = 0;
	for (size_t i = 0; i < r->npieces; i++)
		if (r->pieces[i].st == P_DONE) {
			r->pieces[i].got = r->pieces[i].len;
			r->done_bytes += r->pieces[i].len;
		}
	r->scan = 0;
}

static void report(struct al_ranged *r)
{
	uint64_t n = r->done_bytes;

	if (!r->progress)
		return;
	for (unsigned i = 0; i < r->nslots; i++)
		if (r->slots[i].busy && !r->slots[i].stale)
			n += r->pieces[r->slots[i].piece].got;
	if (n > r->size)
		n = r->size;
	if (n > r->reported) {
		r->reported = n;
		r->progress(r->ctx, n, (int64_t)r->size);
	}
}

static al_err on_headers(void *ctx, const struct al_http_hdrs *hd,
                         const struct al_http_hdrs *first, const char *url, struct al_diag *d);
static al_err on_write(void *ctx, uint64_t off, const void *p, size_t n, struct al_diag *d);
static void on_done(void *ctx, struct al_http_resp *resp);

/* Ask for piece i (the whole file in whole mode) on a free slot. */
static al_err start_piece(struct al_ranged *r, struct slot *s, size_t i, bool probe,
                          struct al_diag *d)
{
	struct al_http_req req = AL_HTTP_REQ_INIT;
	struct al_buf range = AL_BUF_INIT;
	const char **hv;
	size_t k = 0;
	bool cdn = r->cdn_url && !r->whole && !probe;
	al_err err;

	if (!(hv = al_calloc(r->nhdrs + 2, sizeof(*hv))))
		return al_oom(d);
	for (size_t j = 0; j < r->nhdrs; j++)
		if (!cdn || strncasecmp(r->hdrs[j], "Authorization:", 14) != 0)
			hv[k++] = r->hdrs[j]; /* the CDN gets no Authorization */
	if (!r->whole || probe) {
		const struct piece *pc = &r->pieces[i];
		if (al_buf_addf(&range, "Range: bytes=%llu-%llu", (unsigned long long)pc->start,
		                (unsigned long long)(pc->start + pc->len - 1))) {
			al_free(hv);
			return al_oom(d);
		}
		hv[k++] = range.buf;
	}
	hv[k] = NULL;
	req.url = cdn ? r->cdn_url : r->url;
	req.headers = hv;
	req.size = r->whole && !probe ? (int64_t)r->size : AL_SIZE_UNKNOWN;
	req.write = on_write;
	req.done = on_done;
	req.on_headers = on_headers;
	req.ctx = s;
	req.owner = r->owner;
	*s = (struct slot){ .r = r, .piece = i, .busy = true, .via_cdn = cdn, .probe = probe };
	r->pieces[i].st = P_ACTIVE;
	r->pieces[i].got = 0;
	err = al_http_add(r->h, &req, d);
	al_free(hv);
	al_buf_release(&range);
	if (err) {
		s->busy = false;
		r->pieces[i].st = P_MISSING;
		return err;
	}
	r->inflight++;
	return AL_OK;
}

/* Start missing pieces on the free slots. */
static al_err dispatch(struct al_ranged *r, struct al_diag *d)
{
	size_t i = r->scan;
	al_err err;

	if (r->probing || r->failed || r->fallback || r->whole)
		return AL_OK;
	for (unsigned k = 0; k < r->nslots; k++) {
		if (r->slots[k].busy)
			continue;
		while (i < r->npieces && r->pieces[i].st != P_MISSING)
			i++;
		if (i >= r->npieces)
			break;
		if ((err = start_piece(r, &r->slots[k], i, false, d)))
			return err;
	}
	return AL_OK;
}

/* Stop every request in flight: their answers no longer count. */
static void stale_all(struct al_ranged *r)
{
	for (unsigned k = 0; k < r->nslots; k++)
		if (r->slots[k].busy)
			r->slots[k].stale = true;
}

static void fail(struct al_ranged *r, al_err err, const struct al_diag *d)
{
	if (!r->failed) {
		r->failed = true;
		r->resp.err = err;
		r->resp.diag = *d;
		r->resp.diag.code = err;
	}
	stale_all(r);
}

/* ---- the end ------------------------------------------------------------------------ */

static void ranged_free(struct al_ranged *r)
{
	struct al_ranged **pp;

	hasher_stop(r, true);
	if (r->list)
		for (pp = r->list; *pp; pp = &(*pp)->next)
			if (*pp == r) {
				*pp = r->next;
				break;
			}
	if (r->hinit)
		al_hash_release(&r->hash);
	al_free(r->hbuf);
	if (r->fd >= 0)
		close(r->fd); /* releases the flock */
	if (r->jfd >= 0)
		close(r->jfd);
	for (size_t i = 0; i < r->nhdrs; i++)
		al_free(r->hdrs[i]);
	al_free(r->hdrs);
	al_free(r->url);
	al_free(r->shown);
	al_free(r->cdn_url);
	al_free(r->validator);
	al_free(r->path);
	al_free(r->jpath);
	al_free(r->pieces);
	al_free(r->slots);
	al_http_resp_release(&r->resp);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	al_free(r);
}

static void finish_end(struct al_ranged *r);

/* Every piece is in (or the download failed) and nothing is in flight:
 * check, commit, report. A whole file's last bytes are hashed and synced
 * by the thread: until it is through, the event loop goes on with the other
 * downloads and al_ranged_poll comes back here. */
static void finish(struct al_ranged *r)
{
	if (!r->failed) {
		hasher_feed(r, r->size);
		if (r->hrunning && !hasher_done(r)) {
			r->committing = true;
			return;
		}
	}
	finish_end(r);
}

static void finish_end(struct al_ranged *r)
{
	struct al_diag d = AL_DIAG_INIT;
	al_err err = AL_OK;

	r->committing = false;
	if (r->failed) {
		hasher_stop(r, true);
		err = r->resp.err;
		if (r->drop_partial) {
			journal_drop(r);
			unlink(r->path);
		}
		goto out;
	}
	hasher_stop(r, false);
	if (r->herrno) {
		err = al_diag_set(&d, AL_EIO, "cannot read '%s': %s", r->path, strerror(r->herrno));
	} else if (r->hashed != r->size || !r->hfinal) {
		err = al_diag_set(&d, AL_EINTERNAL, "GET %s: hashed %llu of %llu bytes", r->shown,
		                  (unsigned long long)r->hashed, (unsigned long long)r->size);
	} else {
		if (strcmp(r->hhex, r->sha256) != 0) {
			/* the journal may name bytes a power loss took, or the
			 * server sent other bytes: the next run starts over */
			err = al_diag_set(&d, AL_EVERIFY, "sha256 mismatch: expected %s, got %s%s",
			                  r->sha256, r->hhex, r->resumed ? " (the partial download "
			                  "was dropped; the next run starts over)" : "");
			journal_drop(r);
			unlink(r->path);
		} else if (!r->hsynced) {
			err = al_diag_set(&d, r->syncerr == ENOSPC || r->syncerr == EDQUOT ? AL_ENOSPACE
			                  : AL_EIO, "cannot sync '%s': %s", r->path,
			                  strerror(r->syncerr));
			unlink(r->path);
			journal_drop(r);
		} else if (!(err = al_store_commit_tmp(r->store, r->fd, r->path, r->hhex, r->size,
		                                       &d))) {
			/* its fsync finds nothing left to write: the thread did it */
			journal_drop(r);
			memcpy(r->resp.sha256, r->hhex, AL_SHA256_HEX);
			r->resp.bytes = r->size;
		} else {
			unlink(r->path);
			journal_drop(r);
		}
	}
	if (err) {
		if (err != AL_ENOMEM && err != AL_EIO && err != AL_ENOSPACE)
			al_diag_prefix(&d, "GET %s: ", r->shown);
		r->resp.err = err;
		r->resp.diag = d;
		r->resp.diag.code = err;
	}
out:
	r->resp.err = err;
	if (!r->resp.url)
		r->resp.url = al_strdup(r->cdn_url ? r->cdn_url : r->shown);
	if (r->done)
		r->done(r->ctx, &r->resp);
	ranged_free(r);
}

/* Nothing in flight: what next? */
static void settle(struct al_ranged *r)
{
	struct al_diag d = AL_DIAG_INIT;
	al_err err;

	if (r->inflight)
		return;
	if (r->failed)
		goto done;
	if (r->fallback && !r->whole) {
		/* a piece came back whole: the whole file on one connection */
		hasher_stop(r, true);
		journal_drop(r);
		r->whole = true;
		r->fallback = false;
		r->pieces[0].start = 0;
		r->pieces[0].len = r->size;
		r->pieces[0].got = 0;
		r->done_bytes = 0;
		if ((err = hasher_start(r, &d)) || (err = start_piece(r, &r->slots[0], 0, false, &d)))
			fail(r, err, &d);
		else
			return;
		goto done;
	}
	if (r->whole ? r->pieces[0].st == P_DONE : r->scan >= r->npieces)
		goto done;
	if ((err = dispatch(r, &d)))
		fail(r, err, &d);
	if (r->inflight)
		return;
	if (!r->failed) {
		al_diag_set(&d, AL_EINTERNAL, "GET %s: ranged download stalled", r->shown);
		fail(r, AL_EINTERNAL, &d);
	}
done:
	finish(r);
}

/* ---- engine callbacks ------------------------------------------------------------ */

/* The validator of an answer: a strong ETag, else X-Linked-Etag, else "-". */
static const char *validator_of(const struct al_http_hdrs *hd, const struct al_http_hdrs *first)
{
	if (hd->etag && strncmp(hd->etag, "W/", 2) != 0 && validator_ok(hd->etag))
		return hd->etag;
	if (first->x_linked_etag && validator_ok(first->x_linked_etag))
		return first->x_linked_etag;
	return "-";
}

static al_err go_whole(struct al_ranged *r, struct slot *s, const struct al_http_hdrs *hd,
                       struct al_diag *d)
{
	if (hd->content_length >= 0 && (uint64_t)hd->content_length != r->size)
		return al_diag_set(d, AL_EVERIFY, "the server sends %lld bytes, expected %llu",
		                   (long long)hd->content_length, (unsigned long long)r->size);
	/* the server ignores Range: this answer is the whole download */
	journal_drop(r);
	r->whole = true;
	r->probing = false;
	for (size_t i = 0; i < r->npieces; i++)
		r->pieces[i].st = P_MISSING;
	r->pieces[0].start = 0;
	r->pieces[0].len = r->size;
	r->pieces[0].got = 0;
	r->pieces[0].st = P_ACTIVE;
	r->done_bytes = 0;
	s->piece = 0;
	return hasher_start(r, d);
}

static al_err on_headers(void *ctx, const struct al_http_hdrs *hd,
                         const struct al_http_hdrs *first, const char *url, struct al_diag *d)
{
	struct slot *s = ctx;
	struct al_ranged *r = s->r;
	const struct piece *pc = &r->pieces[s->piece];
	const char *v;
	al_err err;

	if (s->stale)
		return al_diag_set(d, AL_ENET, "cancelled");
	if (r->whole) {
		if (hd->status == 200 && hd->content_length >= 0 &&
		    (uint64_t)hd->content_length != r->size)
			return al_diag_set(d, AL_EVERIFY, "the server sends %lld bytes, expected %llu",
			                   (long long)hd->content_length, (unsigned long long)r->size);
		return AL_OK;
	}
	if (hd->status == 200) {
		if (s->probe)
			return go_whole(r, s, hd, d);
		/* a range answered with the whole body: one connection from now on */
		r->fallback = true;
		stale_all(r);
		return al_diag_set(d, AL_EHTTP, "the server answered a range with the whole body");
	}
	if (hd->status != 206)
		return al_diag_set(d, AL_EHTTP, "HTTP %d to a range request", hd->status);
	/* the engine held the 206 to the piece's range; the file's size is
	 * ours to check */
	if (hd->range_total != (int64_t)r->size)
		return al_diag_set(d, AL_EPARSE, "the server sent bytes %lld-%lld/%lld for a request "
		                   "of bytes %llu-%llu/%llu", (long long)hd->range_start,
		                   (long long)hd->range_end, (long long)hd->range_total,
		                   (unsigned long long)pc->start,
		                   (unsigned long long)(pc->start + pc->len - 1),
		                   (unsigned long long)r->size);
	v = validator_of(hd, first);
	if (!s->via_cdn && strcmp(url, r->shown) != 0) {
		/* where the caller's URL leads now (the probe, or a re-resolution) */
		char *c = al_strdup(url);
		if (!c)
			return al_oom(d);
		al_free(r->cdn_url);
		r->cdn_url = c;
	}
	if (s->probe) {
		if (r->validator && strcmp(v, r->validator) != 0) {
			/* another file than the one the journal describes: start over */
			for (size_t i = 0; i < r->npieces; i++)
				if (r->pieces[i].st == P_DONE)
					r->pieces[i].st = P_MISSING;
			pieces_reset(r);
			r->pieces[s->piece].st = P_ACTIVE;
			r->resumed = false;
			al_free(r->validator);
			r->validator = NULL;
		}
		if (!r->validator) {
			if (!(r->validator = al_strdup(v)))
				return al_oom(d);
			if ((err = journal_start(r, d)))
				return err;
		}
		r->probing = false;
		if (!r->hrunning && (err = hasher_start(r, d)))
			return err;
		advance(r);
		return dispatch(r, d);
	}
	if (strcmp(v, r->validator) != 0) {
		r->drop_partial = true;
		return al_diag_set(d, AL_ESTALE, "the file changed during the download (validator %s, "
		                   "was %s)", v, r->validator);
	}
	return AL_OK;
}

static al_err on_write(void *ctx, uint64_t off, const void *p, size_t n, struct al_diag *d)
{
	struct slot *s = ctx;
	struct al_ranged *r = s->r;
	struct piece *pc = &r->pieces[s->piece];
	al_err err;

	if (s->stale)
		return al_diag_set(d, AL_ENET, "cancelled");
	if (off + n > pc->len)
		return al_diag_set(d, AL_EVERIFY, "the server sent more than the %llu bytes asked for",
		                   (unsigned long long)pc->len);
	if (off != pc->got && off != 0)
		return al_diag_set(d, AL_EINTERNAL, "a write at %llu after %llu bytes",
		                   (unsigned long long)off, (unsigned long long)pc->got);
	if ((err = pwrite_all(r->fd, p, n, pc->start + off, r->path, d)))
		return err;
	pc->got = off + n;
	if (r->whole || s->piece == r->scan)
		advance(r);
	report(r);
	return AL_OK;
}

static bool expired(const struct slot *s, const struct al_http_resp *resp)
{
	return s->via_cdn && (resp->status == 401 || resp->status == 403 || resp->status == 410);
}

static void on_done(void *ctx, struct al_http_resp *resp)
{
	struct slot *s = ctx;
	struct al_ranged *r = s->r;
	struct piece *pc = &r->pieces[s->piece];
	struct al_diag d = AL_DIAG_INIT;
	al_err err;

	s->busy = false;
	r->inflight--;
	if (pc->st == P_ACTIVE)
		pc->st = P_MISSING;
	if (s->piece < r->scan && pc->st != P_DONE)
		r->scan = s->piece;
	if (s->stale)
		goto out;
	if (resp->err) {
		if ((expired(s, resp) || (r->whole && resp->status == 403 && resp->url &&
		                          strcmp(resp->url, r->shown) != 0)) &&
		    r->resolves < 2 * r->nslots + 2) {
			/* the signed CDN URL expired: ask the caller's URL for a new one */
			r->resolves++;
			al_free(r->cdn_url);
			r->cdn_url = NULL;
			if (r->whole && (err = start_piece(r, s, 0, false, &d)))
				fail(r, err, &d);
			goto out;
		}
		if (!r->failed) {
			if (resp->err == AL_ESTALE)
				r->drop_partial = true;
			al_http_resp_move(&r->resp, resp);
			r->failed = true;
		}
		stale_all(r);
		goto out;
	}
	if (pc->got != pc->len) {
		al_diag_set(&d, AL_EVERIFY, "GET %s: %llu bytes of the %llu asked for", r->shown,
		            (unsigned long long)pc->got, (unsigned long long)pc->len);
		fail(r, AL_EVERIFY, &d);
		goto out;
	}
	pc->st = P_DONE;
	r->done_bytes += pc->len;
	r->resolves = 0;
	if (!r->resp.status)
		r->resp.status = resp->status;
	if (!r->whole && (err = journal_done(r, s->piece, &d))) {
		fail(r, err, &d);
		goto out;
	}
	advance(r);
out:
	settle(r);
}

/* ---- start --------------------------------------------------------------------- */

bool al_ranged_poll(struct al_ranged **list)
{
	struct al_ranged *r;
	bool waiting = false;

again:
	for (r = *list; r; r = r->next) {
		if (!r->committing)
			continue;
		if (hasher_done(r)) {
			finish_end(r); /* frees r; its callback may change the list */
			goto again;
		}
		waiting = true;
	}
	return waiting;
}

void al_ranged_drop(struct al_ranged **list, const void *owner)
{
	struct al_ranged *r, *next;

	for (r = *list; r; r = next) {
		next = r->next;
		if (!owner || r->owner == owner)
			ranged_free(r);
	}
}

/* Over 80 lines: the partial file and its journal are opened, locked and
 * checked in one pass, each failure undoing what came before. */
al_err al_ranged_add(struct al_http *h, struct al_ranged **list, const struct al_http_req *req,
                     unsigned conns, bool *taken, struct al_diag *d)
{
	const char *tmpdir = al_store_tmpdir(req->store);
	struct al_ranged *r;
	struct al_buf b = AL_BUF_INIT;
	struct stat st;
	size_t n = 0, first;
	al_err err;

	*taken = false;
	if (!al_is_hex(req->sha256, 64) || strlen(req->sha256) != 64)
		return AL_OK; /* the engine's store sink says what is wrong */
	if (!(r = al_calloc(1, sizeof(*r))))
		return al_oom(d);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->h = h;
	r->fd = r->jfd = -1;
	r->store = req->store;
	r->size = (uint64_t)req->size;
	memcpy(r->sha256, req->sha256, AL_SHA256_HEX);
	for (char *p = r->sha256; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	r->done = req->done;
	r->progress = req->progress;
	r->ctx = req->ctx;
	r->owner = req->owner;
	al_http_resp_init(&r->resp);
	for (const char *const *p = req->headers; p && *p; p++)
		n++;
	if (!(r->url = al_strdup(req->url)) || !(r->shown = al_url_strip_userinfo(req->url)) ||
	    !(r->hdrs = al_calloc(n + 1, sizeof(*r->hdrs))) ||
	    !(r->slots = al_calloc(conns, sizeof(*r->slots))))
		goto oom;
	for (; r->nhdrs < n; r->nhdrs++)
		if (!(r->hdrs[r->nhdrs] = al_strdup(req->headers[r->nhdrs])))
			goto oom;
	r->nslots = conns;
	if (al_buf_addf(&b, "%s/range-%s.part", tmpdir, r->sha256) ||
	    !(r->path = al_buf_detach(&b, NULL)) ||
	    al_buf_addf(&b, "%s/range-%s.journal", tmpdir, r->sha256) ||
	    !(r->jpath = al_buf_detach(&b, NULL)))
		goto oom;
	r->fd = open(r->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (r->fd < 0) {
		err = al_diag_set(d, AL_EIO, "cannot create '%s': %s", r->path, strerror(errno));
		goto fail;
	}
	if (flock(r->fd, LOCK_EX | LOCK_NB) < 0) {
		ranged_free(r); /* another airlock is fetching it: one transfer here */
		return AL_OK;
	}
	if (fstat(r->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = al_diag_set(d, AL_EIO, "'%s' is not a regular file", r->path);
		goto fail;
	}
	if ((uint64_t)st.st_size == r->size && journal_load(r)) {
		r->jfd = open(r->jpath, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (r->jfd < 0) {
			err = al_diag_set(d, AL_EIO, "cannot open '%s': %s", r->jpath, strerror(errno));
			goto fail;
		}
		r->resumed = true;
	} else {
		unlink(r->jpath);
		r->piece_size = (r->size + conns - 1) / conns;
		r->piece_size = (r->piece_size + PIECE_MIN - 1) / PIECE_MIN * PIECE_MIN;
		if (r->piece_size > PIECE_MAX)
			r->piece_size = PIECE_MAX;
		r->npieces = (size_t)((r->size + r->piece_size - 1) / r->piece_size);
		if (r->npieces < 2) {
			unlink(r->path);
			ranged_free(r);
			return AL_OK;
		}
		if (!(r->pieces = al_calloc(r->npieces, sizeof(*r->pieces))))
			goto oom;
		int rc = 0;
		if (ftruncate(r->fd, 0) < 0 ||
		    ((rc = posix_fallocate(r->fd, 0, (off_t)r->size)) &&
		     (rc == ENOSPC || ftruncate(r->fd, (off_t)r->size) < 0))) {
			int e = rc == ENOSPC ? ENOSPC : errno;
			err = al_diag_set(d, e == ENOSPC ? AL_ENOSPACE : AL_EIO,
			                  "cannot make room for %llu bytes in '%s': %s",
			                  (unsigned long long)r->size, r->path, strerror(e));
			unlink(r->path);
			goto fail;
		}
	}
	pieces_reset(r);
	for (first = 0; first < r->npieces && r->pieces[first].st == P_DONE; first++)
		;
	if (first == r->npieces) {
		/* every piece is in: ask for the last again, which checks the server */
		first = r->npieces - 1;
		r->pieces[first].st = P_MISSING;
		r->done_bytes -= r->pieces[first].len;
		r->pieces[first].got = 0;
	}
	r->list = list;
	r->next = *list;
	*list = r;
	r->probing = true;
	if ((err = start_piece(r, &r->slots[0], first, true, d))) {
		ranged_free(r);
		return err;
	}
	*taken = true;
	return AL_OK;
oom:
	err = al_oom(d);
fail:
	al_buf_release(&b);
	ranged_free(r);
	return err;
}
