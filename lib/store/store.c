/*
 * store.c: the content-addressed store (docs/reference/store.md).
 *
 *   STORE/airlock.db                 SQLite (WAL), schema/store.sql
 *   STORE/blobs/sha256/ab/<hex>      immutable, mode 0444
 *   STORE/tmp/                       partial files, same file system
 *   STORE/lock                       flock: writers hold it shared, gc exclusive
 *
 * A blob file exists only under its verified sha256: the bytes are written
 * to tmp/ while hashed, fsynced, checked, renamed into place, the directory
 * fsynced, and only then is the row inserted. So the database never names a
 * blob that is not there; a crash can at worst leave a complete, correctly
 * named file with no row (a "stray"), which verify tolerates and gc removes.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/hashpipe.h"
#include "core/mem.h"
#include "store/db.h"
#include "store/store-internal.h"

struct al_store {
	char *dir;
	char *tmpdir;
	char *blobdir; /* STORE/blobs/sha256 */
	sqlite3 *db;
	int lockfd;
	bool rdonly;
};

/*
 * Large blobs go through a hash-and-write pipeline (core/hashpipe.c): the
 * caller reads or copies into its buffers while one thread hashes and
 * another writes, on two cores, with write-back started early so that the
 * one fsync at the commit is short. Small blobs never start the threads.
 */
#define WRITER_ASYNC_AFTER ((uint64_t)1 << 20)
#define WRITER_SYNC_BUF ((size_t)256 << 10)

struct al_blob_writer {
	struct al_store *store;
	struct al_hash hash;
	char *tmppath;
	int fd;
	uint64_t size;
	int64_t expect_size;
	char expect[AL_SHA256_HEX];
	char *stagedir; /* commit into stagedir/<hex>, unrecorded (import) */
	bool batched;   /* commit into blobs/, the caller syncs the directory and records */
	struct al_hashpipe *pipe; /* once started: owns hash and fd until stopped */
};

char *al_store_default_dir(const char *dir)
{
	struct al_buf b = AL_BUF_INIT;
	const char *env;

	if (dir && *dir)
		return al_strdup(dir);
	if ((env = getenv("AIRLOCK_STORE")) && *env)
		return al_strdup(env);
	if ((env = getenv("XDG_DATA_HOME")) && *env == '/') {
		if (al_buf_addf(&b, "%s/airlock", env))
			goto oom;
		return al_buf_detach(&b, NULL);
	}
	if ((env = getenv("HOME")) && *env) {
		if (al_buf_addf(&b, "%s/.local/share/airlock", env))
			goto oom;
		return al_buf_detach(&b, NULL);
	}
oom:
	al_buf_release(&b);
	return NULL;
}

sqlite3 *al_store_db(struct al_store *s)
{
	return s->db;
}

const char *al_store_dir(const struct al_store *s)
{
	return s->dir;
}

const char *al_store_tmpdir(const struct al_store *s)
{
	return s->tmpdir;
}

void al_store_free(struct al_store *s)
{
	if (!s)
		return;
	al_db_close(s->db);
	if (s->lockfd >= 0)
		close(s->lockfd);
	al_free(s->dir);
	al_free(s->tmpdir);
	al_free(s->blobdir);
	al_free(s);
}

/* A new store's database appears whole or not at all: the schema is made in
 * a temporary file under tmp/, which is then linked into place. A crash while
 * creating it leaves a file in tmp/ (gc removes it), never an airlock.db at
 * schema version 0 that read-only commands such as verify refuse. */
static al_err create_db(const char *dir, const char *tmpdir, const char *path, struct al_diag *d)
{
	struct al_buf tmp = AL_BUF_INIT;
	sqlite3 *db = NULL;
	bool made = false;
	al_err err = AL_OK;
	int fd;

	if (al_buf_addf(&tmp, "%s/airlock.db-XXXXXX", tmpdir))
		return al_oom(d);
	if ((fd = mkostemp(tmp.buf, O_CLOEXEC)) < 0) {
		err = al_diag_set(d, errno == ENOSPC ? AL_ENOSPACE : AL_EIO,
		                  "cannot create a file in '%s': %s", tmpdir, strerror(errno));
		goto out;
	}
	made = true;
	fchmod(fd, 0644); /* what SQLite itself would create (mkostemp makes 0600) */
	close(fd);
	if ((err = al_db_open(&db, tmp.buf, false, d)))
		goto out;
	al_db_close(db); /* the last connection: checkpoints and removes the WAL */
	if ((fd = open(tmp.buf, O_RDWR | O_CLOEXEC)) < 0 || fsync(fd) < 0) {
		err = al_diag_set(d, errno == ENOSPC ? AL_ENOSPACE : AL_EIO, "cannot sync '%s': %s",
		                  tmp.buf, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	/* link, not rename: a store another process created meanwhile stays */
	if (link(tmp.buf, path) < 0 && errno != EEXIST) {
		err = al_diag_set(d, errno == ENOSPC ? AL_ENOSPACE : AL_EIO, "cannot create '%s': %s",
		                  path, strerror(errno));
		goto out;
	}
	err = al_fsync_dir(dir, d);
out:
	if (made)
		unlink(tmp.buf);
	al_buf_release(&tmp);
	return err;
}

al_err al_store_open(struct al_store **out, const char *dir, unsigned flags, struct al_diag *d)
{
	struct al_store *s;
	struct al_buf path = AL_BUF_INIT;
	struct stat st;
	al_err err;

	*out = NULL;
	if (!(s = al_calloc(1, sizeof(*s))))
		return al_oom(d);
	s->lockfd = -1;
	s->rdonly = flags & AL_STORE_RDONLY;
	if (!(s->dir = al_strdup(dir)) || !(s->tmpdir = al_path_join(dir, "tmp")) ||
	    !(s->blobdir = al_path_join(dir, "blobs/sha256"))) {
		err = al_oom(d);
		goto fail;
	}
	if (stat(dir, &st) < 0) {
		if (errno != ENOENT || !(flags & AL_STORE_CREATE) || s->rdonly) {
			err = al_diag_set(d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO,
			                  "no store at '%s': %s%s", dir, strerror(errno),
			                  errno == ENOENT ? " (run 'airlock init')" : "");
			goto fail;
		}
	} else if (!S_ISDIR(st.st_mode)) {
		err = al_diag_set(d, AL_EINVALID, "store '%s' is not a directory", dir);
		goto fail;
	}
	if (!s->rdonly) {
		if ((err = al_mkdir_p(s->blobdir, 0755, d)) || (err = al_mkdir_p(s->tmpdir, 0700, d)))
			goto fail;
		if ((err = al_buf_addf(&path, "%s/lock", dir))) {
			err = al_oom(d);
			goto fail;
		}
		s->lockfd = open(path.buf, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (s->lockfd < 0) {
			err = al_diag_set(d, AL_EIO, "cannot open '%s': %s", path.buf, strerror(errno));
			goto fail;
		}
		/* Writers share the lock; gc takes it exclusively. Waits out a gc. */
		while (flock(s->lockfd, LOCK_SH) < 0) {
			if (errno != EINTR) {
				err = al_diag_set(d, AL_EIO, "cannot lock '%s': %s", path.buf,
				                  strerror(errno));
				goto fail;
			}
		}
		al_buf_reset(&path);
	}
	if ((err = al_buf_addf(&path, "%s/airlock.db", dir))) {
		err = al_oom(d);
		goto fail;
	}
	if (s->rdonly && access(path.buf, F_OK) < 0) {
		err = al_diag_set(d, AL_ENOTFOUND, "no store at '%s' (run 'airlock init')", dir);
		goto fail;
	}
	if (!s->rdonly && access(path.buf, F_OK) < 0 && errno == ENOENT &&
	    (err = create_db(dir, s->tmpdir, path.buf, d)))
		goto fail;
	if ((err = al_db_open(&s->db, path.buf, s->rdonly, d)))
		goto fail;
	al_buf_release(&path);
	*out = s;
	return AL_OK;
fail:
	al_buf_release(&path);
	al_store_free(s);
	return err;
}

static al_err blob_path(const struct al_store *s, const char *hex, struct al_buf *out)
{
	return al_buf_addf(out, "%s/%.2s/%s", s->blobdir, hex, hex);
}

char *al_store_blob_path(const struct al_store *s, const char *sha256_hex)
{
	struct al_buf b = AL_BUF_INIT;

	if (!al_is_hex(sha256_hex, 64) || blob_path(s, sha256_hex, &b)) {
		al_buf_release(&b);
		return NULL;
	}
	return al_buf_detach(&b, NULL);
}

al_err al_store_info(struct al_store *s, struct al_store_info *out, struct al_diag *d)
{
	int64_t v;
	al_err err;

	memset(out, 0, sizeof(*out));
	out->schema_version = al_db_schema_version();
#define Q(field, sql)                                                       \
	do {                                                                \
		if ((err = al_db_query_int(s->db, &v, d, sql, (char *)NULL))) \
			return err;                                         \
		out->field = (uint64_t)v;                                   \
	} while (0)
	Q(blobs, "SELECT count(*) FROM blobs");
	Q(bytes, "SELECT coalesce(sum(size), 0) FROM blobs");
	Q(referenced, "SELECT count(DISTINCT sha256) FROM refs");
	Q(bundles, "SELECT count(*) FROM bundles");
	Q(imports, "SELECT count(*) FROM imports");
#undef Q
	return AL_OK;
}

/* ---- writing ------------------------------------------------------------ */

al_err al_blob_writer_new(struct al_store *s, struct al_blob_writer **out,
                          const char *expect_sha256, int64_t expect_size, struct al_diag *d)
{
	struct al_blob_writer *w;
	struct al_buf path = AL_BUF_INIT;
	al_err err;

	*out = NULL;
	if (s->rdonly)
		return al_diag_set(d, AL_EUSAGE, "store '%s' is open read-only", s->dir);
	if (expect_sha256 && !al_is_hex(expect_sha256, 64))
		return al_diag_set(d, AL_EINVALID, "'%s' is not a sha256 in lowercase hex",
		                   expect_sha256);
	if (!(w = al_calloc(1, sizeof(*w))))
		return al_oom(d);
	w->fd = -1;
	w->store = s;
	w->expect_size = expect_size;
	if (expect_sha256)
		memcpy(w->expect, expect_sha256, AL_SHA256_HEX);
	if ((err = al_buf_addf(&path, "%s/blob-XXXXXX", s->tmpdir))) {
		err = al_oom(d);
		goto fail;
	}
	w->fd = mkostemp(path.buf, O_CLOEXEC);
	if (w->fd < 0) {
		err = al_diag_set(d, AL_EIO, "cannot create a file in '%s': %s", s->tmpdir,
		                  strerror(errno));
		goto fail;
	}
	w->tmppath = al_buf_detach(&path, NULL);
	if ((err = al_hash_init(&w->hash, AL_HASH_SHA256, d)))
		goto fail;
	*out = w;
	return AL_OK;
fail:
	al_buf_release(&path);
	al_blob_writer_abort(w);
	return err;
}

al_err al_blob_writer_new_staged(struct al_store *s, struct al_blob_writer **out,
                                 const char *stagedir, const char *expect_sha256,
                                 int64_t expect_size, struct al_diag *d)
{
	al_err err = al_blob_writer_new(s, out, expect_sha256, expect_size, d);

	if (err)
		return err;
	if (!((*out)->stagedir = al_strdup(stagedir))) {
		al_blob_writer_abort(*out);
		*out = NULL;
		return al_oom(d);
	}
	return AL_OK;
}

al_err al_store_adopt(struct al_store *s, const char *stagedir, const char *hex, uint64_t size,
                      struct al_diag *d)
{
	struct al_buf src = AL_BUF_INIT, dst = AL_BUF_INIT;
	al_err err = AL_OK;
	char *slash;

	if (!al_is_hex(hex, 64))
		return al_diag_set(d, AL_EINVALID, "'%s' is not a sha256", hex);
	if (al_buf_addf(&src, "%s/%s", stagedir, hex) || blob_path(s, hex, &dst)) {
		err = al_oom(d);
		goto out;
	}
	if (rename(src.buf, dst.buf) < 0) {
		if (errno == ENOENT && access(dst.buf, F_OK) == 0 && access(src.buf, F_OK) < 0)
			goto record; /* moved in by an earlier, interrupted run */
		if (errno == ENOENT) {
			slash = strrchr(dst.buf, '/');
			*slash = '\0';
			if (mkdir(dst.buf, 0755) < 0 && errno != EEXIST) {
				err = al_diag_set(d, AL_EIO, "cannot create directory '%s': %s", dst.buf,
				                  strerror(errno));
				goto out;
			}
			*slash = '/';
			if (rename(src.buf, dst.buf) == 0)
				goto record;
		}
		err = al_diag_set(d, AL_EIO, "cannot move '%s' into the store: %s", src.buf,
		                  strerror(errno));
		goto out;
	}
record:
	err = al_store_record(s, hex, size, d);
out:
	al_buf_release(&src);
	al_buf_release(&dst);
	return err;
}

al_err al_store_sync_blobdirs(struct al_store *s, struct al_diag *d)
{
	struct al_buf p = AL_BUF_INIT;
	struct dirent *e;
	al_err err = AL_OK;
	DIR *dir = opendir(s->blobdir);

	if (!dir)
		return al_diag_set(d, AL_EIO, "cannot read '%s': %s", s->blobdir, strerror(errno));
	while (!err && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		al_buf_reset(&p);
		if (al_buf_addf(&p, "%s/%s", s->blobdir, e->d_name))
			err = al_oom(d);
		else
			err = al_fsync_dir(p.buf, d);
	}
	closedir(dir);
	al_buf_release(&p);
	return err;
}

uint64_t al_blob_writer_size(const struct al_blob_writer *w)
{
	return w->size;
}

/* Hand the hash and the file over to a pipeline. Not starting one is not
 * an error: the writer stays synchronous (and correct). */
static void writer_start_pipe(struct al_blob_writer *w)
{
	struct al_diag ignored = AL_DIAG_INIT;

	if (!w->pipe && al_hashpipe_new(&w->pipe, &w->hash, w->fd, w->tmppath, &ignored))
		w->pipe = NULL;
}

/* Wait for the pipeline to hash and write everything and stop; its first
 * write error. The hash and the file are the caller's again after. */
static al_err writer_stop_pipe(struct al_blob_writer *w, struct al_diag *d)
{
	al_err err;

	if (!w->pipe)
		return AL_OK;
	err = al_hashpipe_finish(w->pipe, d);
	al_hashpipe_free(w->pipe);
	w->pipe = NULL;
	return err;
}

static al_err writer_check_size(struct al_blob_writer *w, size_t len, struct al_diag *d)
{
	if (w->expect_size >= 0 && w->size + len > (uint64_t)w->expect_size)
		return al_diag_set(d, AL_EVERIFY, "size mismatch: more than the expected %lld bytes",
		                   (long long)w->expect_size);
	return AL_OK;
}

al_err al_blob_writer_write(struct al_blob_writer *w, const void *buf, size_t len,
                            struct al_diag *d)
{
	al_err err;

	if ((err = writer_check_size(w, len, d)))
		return err;
	if (!w->pipe && w->size + len > WRITER_ASYNC_AFTER)
		writer_start_pipe(w);
	w->size += len;
	if (w->pipe)
		return al_hashpipe_write(w->pipe, buf, len, d);
	al_hash_update(&w->hash, buf, len);
	return al_write_all(w->fd, buf, len, w->tmppath, d);
}

al_err al_blob_writer_write_ref(struct al_blob_writer *w, const void *buf, size_t len,
                                uint64_t *ticket, struct al_diag *d)
{
	al_err err;

	*ticket = 0;
	if ((err = writer_check_size(w, len, d)))
		return err;
	if (!w->pipe && w->size + len > WRITER_ASYNC_AFTER)
		writer_start_pipe(w);
	if (!w->pipe)
		return al_blob_writer_write(w, buf, len, d);
	w->size += len;
	return al_hashpipe_put_ref(w->pipe, buf, len, ticket, d);
}

void al_blob_writer_wait(struct al_blob_writer *w, uint64_t ticket)
{
	if (w->pipe && ticket)
		al_hashpipe_wait(w->pipe, ticket);
}

/* Read fd to EOF into the writer: straight into the pipeline's buffers when
 * the file is large (or of unknown size), else through one small buffer. */
static al_err writer_read_fd(struct al_blob_writer *w, int fd, struct al_diag *d)
{
	uint64_t limit = w->expect_size >= 0 ? (uint64_t)w->expect_size : UINT64_MAX;
	char *buf;
	al_err err = AL_OK;
	ssize_t n;

	if (w->expect_size < 0 || (uint64_t)w->expect_size > WRITER_ASYNC_AFTER)
		writer_start_pipe(w);
	if (w->pipe) {
		if ((err = al_hashpipe_read_fd(w->pipe, fd, limit, &w->size, d)) ==
		    AL_EVERIFY)
			al_diag_set(d, err, "size mismatch: more than the expected %lld bytes",
			            (long long)w->expect_size);
		return err;
	}
	if (!(buf = al_malloc(WRITER_SYNC_BUF)))
		return al_oom(d);
	for (;;) {
		n = read(fd, buf, WRITER_SYNC_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = al_diag_set(d, AL_EIO, "read error: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if ((err = al_blob_writer_write(w, buf, (size_t)n, d)))
			break;
	}
	al_free(buf);
	return err;
}

void al_blob_writer_abort(struct al_blob_writer *w)
{
	if (!w)
		return;
	al_hashpipe_free(w->pipe); /* joins its threads before the hash goes */
	w->pipe = NULL;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmppath)
		unlink(w->tmppath);
	al_hash_release(&w->hash);
	al_free(w->tmppath);
	al_free(w->stagedir);
	al_free(w);
}

al_err al_store_record(struct al_store *s, const char *hex, uint64_t size, struct al_diag *d)
{
	sqlite3_stmt *st = NULL;
	al_err err;

	if ((err = al_db_prepare(s->db, &st,
	                         "INSERT OR IGNORE INTO blobs (sha256, size, added) VALUES (?, ?, ?)",
	                         d)))
		return err;
	sqlite3_bind_text(st, 1, hex, 64, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	err = al_db_run(s->db, st, d);
	sqlite3_finalize(st);
	return err;
}

static al_err writer_commit(struct al_blob_writer *w, char *hex_out, bool *added,
                            struct al_diag *d);

/* The durable half of a commit: fsync, read-only, rename into dst (its directory made); sync_dir: fsync
 * that directory too, else the caller syncs it, once for many (import:
 * once per volume; store add: once per command). */
static al_err move_into(struct al_store *s, int fd, const char *tmppath, char *dst, bool sync_dir,
                        struct al_diag *d)
{
	char *slash;
	al_err err;

	(void)s;
	if (fsync(fd) < 0 || fchmod(fd, 0444) < 0)
		return al_diag_set(d, errno == ENOSPC ? AL_ENOSPACE : AL_EIO, "cannot sync '%s': %s",
		                   tmppath, strerror(errno));
	slash = strrchr(dst, '/');
	*slash = '\0';
	if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
		err = al_diag_set(d, AL_EIO, "cannot create directory '%s': %s", dst, strerror(errno));
		*slash = '/';
		return err;
	}
	*slash = '/';
	if (rename(tmppath, dst) < 0)
		return al_diag_set(d, AL_EIO, "cannot rename into '%s': %s", dst, strerror(errno));
	if (!sync_dir)
		return AL_OK;
	*slash = '\0';
	err = al_fsync_dir(dst, d);
	*slash = '/';
	return err;
}

al_err al_blob_writer_commit(struct al_blob_writer *w, char *hex_out, struct al_diag *d)
{
	return writer_commit(w, hex_out, NULL, d);
}

/* *added (may be NULL): the blob was not in the store before. */
static al_err writer_commit(struct al_blob_writer *w, char *hex_out, bool *added,
                            struct al_diag *d)
{
	struct al_store *s = w->store;
	struct al_buf dst = AL_BUF_INIT;
	char hex[AL_SHA256_HEX];
	al_err err = AL_OK;

	if ((err = writer_stop_pipe(w, d)))
		goto out;
	al_hash_final_hex(&w->hash, hex);
	if (w->expect_size >= 0 && w->size != (uint64_t)w->expect_size) {
		err = al_diag_set(d, AL_EVERIFY, "size mismatch: expected %lld bytes, got %llu",
		                  (long long)w->expect_size, (unsigned long long)w->size);
		goto out;
	}
	if (w->expect[0] && strcmp(w->expect, hex) != 0) {
		err = al_diag_set(d, AL_EVERIFY, "sha256 mismatch: expected %s, got %s", w->expect,
		                  hex);
		goto out;
	}
	if (w->stagedir)
		err = al_buf_addf(&dst, "%s/%s", w->stagedir, hex);
	else
		err = blob_path(s, hex, &dst);
	if (err) {
		err = al_oom(d);
		goto out;
	}
	if (!w->stagedir && al_store_has(s, hex))
		goto done; /* already stored: the temporary copy goes */
	if ((err = move_into(s, w->fd, w->tmppath, dst.buf, !w->stagedir && !w->batched, d)))
		goto out;
	if (!w->stagedir && !w->batched && (err = al_store_record(s, hex, w->size, d)))
		goto out;
	if (added)
		*added = true;
done:
	if (hex_out)
		memcpy(hex_out, hex, AL_SHA256_HEX);
out:
	al_buf_release(&dst);
	al_blob_writer_abort(w); /* closes, and unlinks the tmp file if it is still there */
	return err;
}

al_err al_store_commit_tmp(struct al_store *s, int fd, const char *tmppath, const char *hex,
                           uint64_t size, struct al_diag *d)
{
	struct al_buf dst = AL_BUF_INIT;
	al_err err;

	if (s->rdonly)
		return al_diag_set(d, AL_EUSAGE, "store '%s' is open read-only", s->dir);
	if (!al_is_hex(hex, 64))
		return al_diag_set(d, AL_EINVALID, "'%s' is not a sha256", hex);
	if (blob_path(s, hex, &dst))
		return al_oom(d);
	if (al_store_has(s, hex)) {
		unlink(tmppath); /* already stored: the temporary copy goes */
		err = AL_OK;
	} else if (!(err = move_into(s, fd, tmppath, dst.buf, true, d))) {
		err = al_store_record(s, hex, size, d);
	}
	al_buf_release(&dst);
	return err;
}

al_err al_store_add_fd(struct al_store *s, int fd, const char *expect_sha256, int64_t expect_size,
                       char hex_out[65], struct al_diag *d)
{
	struct al_blob_writer *w = NULL;
	al_err err;

	if ((err = al_blob_writer_new(s, &w, expect_sha256, expect_size, d)))
		return err;
	if ((err = writer_read_fd(w, fd, d))) {
		al_blob_writer_abort(w);
		return err;
	}
	return al_blob_writer_commit(w, hex_out, d);
}

/* What a path is, for a message about why it is not added. */
static const char *not_regular(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket"
	     : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
	     : "not a regular file";
}

/* One path into the store; batched: its directory not synced, no row (the
 * caller does both for a batch); *size: its size. */
static al_err add_path(struct al_store *s, const char *path, bool batched, char hex_out[65],
                       bool *added, uint64_t *size, struct al_diag *d)
{
	struct al_blob_writer *w = NULL;
	struct stat st, st2;
	al_err err;
	int fd;

	*added = false;
	if (lstat(path, &st) < 0)
		return al_diag_set(d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO, "cannot read '%s': %s", path,
		                   strerror(errno));
	if (S_ISLNK(st.st_mode))
		return al_diag_set(d, AL_EINVALID, "'%s' is a symbolic link: name the file itself",
		                   path);
	if (!S_ISREG(st.st_mode))
		return al_diag_set(d, AL_EINVALID, "'%s' is %s: only regular files are added", path,
		                   not_regular(st.st_mode));
	/* O_NONBLOCK: something swapped in for a FIFO does not block the open */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return al_diag_set(d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO, "cannot open '%s': %s",
		                   path, strerror(errno));
	if (fstat(fd, &st2) < 0 || !S_ISREG(st2.st_mode) || st2.st_dev != st.st_dev ||
	    st2.st_ino != st.st_ino) {
		close(fd);
		return al_diag_set(d, AL_EINVALID, "'%s' changed while it was opened: not added", path);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	/* the size it had is the size it must have: a file that grows or
	 * shrinks while read is refused, not stored half old, half new */
	if (!(err = al_blob_writer_new(s, &w, NULL, (int64_t)st2.st_size, d))) {
		w->batched = batched;
		*size = (uint64_t)st2.st_size;
		if ((err = writer_read_fd(w, fd, d)))
			al_blob_writer_abort(w);
		else
			err = writer_commit(w, hex_out, added, d);
	}
	close(fd);
	if (err == AL_EVERIFY)
		al_diag_set(d, err, "'%s' changed size while it was read: not added", path);
	else if (err)
		al_diag_prefix(d, "%s: ", path);
	return err;
}

al_err al_store_add_path(struct al_store *s, const char *path, char hex_out[65], bool *added,
                         struct al_diag *d)
{
	uint64_t size;

	return add_path(s, path, false, hex_out, added, &size, d);
}

struct added {
	char hex[AL_SHA256_HEX];
	uint64_t size;
	bool ok, added;
};

/* Sync the blobs/xx directories the batch renamed into (each once), then
 * record the new blobs in one transaction. */
static al_err batch_commit(struct al_store *s, struct added *a, size_t n, struct al_diag *d)
{
	struct al_buf dir = AL_BUF_INIT;
	bool synced[256] = { false };
	al_err err = AL_OK;
	size_t i;

	for (i = 0; i < n && !err; i++) {
		unsigned hi;
		if (!a[i].added)
			continue;
		hi = (unsigned)(al_hexval(a[i].hex[0]) << 4 | al_hexval(a[i].hex[1]));
		if (synced[hi])
			continue;
		synced[hi] = true;
		al_buf_reset(&dir);
		if (al_buf_addf(&dir, "%s/%.2s", s->blobdir, a[i].hex))
			err = al_oom(d);
		else
			err = al_fsync_dir(dir.buf, d);
	}
	al_buf_release(&dir);
	if (err || (err = al_db_begin(s->db, d)))
		return err;
	for (i = 0; i < n; i++)
		if (a[i].added && (err = al_store_record(s, a[i].hex, a[i].size, d))) {
			al_db_rollback(s->db);
			return err;
		}
	return al_db_commit(s->db, d);
}

al_err al_store_add_paths(struct al_store *s, char *const *paths, size_t n, al_store_add_cb cb,
                          void *ctx, struct al_diag *d)
{
	struct added *a;
	size_t i, k;
	al_err err;

	if (!n)
		return AL_OK;
	if (!(a = al_calloc(n, sizeof(*a))))
		return al_oom(d);
	for (i = 0; i < n; i++) {
		struct al_diag one = AL_DIAG_INIT;
		if ((err = add_path(s, paths[i], true, a[i].hex, &a[i].added, &a[i].size, &one))) {
			cb(ctx, paths[i], err, &one, NULL, false);
			continue;
		}
		a[i].ok = true;
		/* the same bytes twice in one batch: the second is present */
		for (k = 0; k < i && a[i].added; k++)
			if (a[k].added && !strcmp(a[k].hex, a[i].hex))
				a[i].added = false;
	}
	if (!(err = batch_commit(s, a, n, d)))
		for (i = 0; i < n; i++)
			if (a[i].ok)
				cb(ctx, paths[i], AL_OK, NULL, a[i].hex, a[i].added);
	al_free(a);
	return err;
}

al_err al_store_add_file(struct al_store *s, const char *path, const char *expect_sha256,
                         int64_t expect_size, char hex_out[65], struct al_diag *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	al_err err;

	if (fd < 0)
		return al_diag_set(d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO, "cannot open '%s': %s",
		                   path, strerror(errno));
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	err = al_store_add_fd(s, fd, expect_sha256, expect_size, hex_out, d);
	close(fd);
	if (err)
		al_diag_prefix(d, "%s: ", path);
	return err;
}

/* ---- reading -------------------------------------------------------------- */

bool al_store_has(struct al_store *s, const char *hex)
{
	struct al_buf p = AL_BUF_INIT;
	int64_t one;
	bool yes;

	if (!al_is_hex(hex, 64))
		return false;
	if (al_db_query_int(s->db, &one, NULL, "SELECT 1 FROM blobs WHERE sha256 = ?", hex,
	                    (char *)NULL))
		return false;
	yes = !blob_path(s, hex, &p) && access(p.buf, F_OK) == 0;
	al_buf_release(&p);
	return yes;
}

al_err al_store_open_blob(struct al_store *s, const char *hex, int *fd_out, struct al_diag *d)
{
	struct al_buf p = AL_BUF_INIT;
	al_err err = AL_OK;

	*fd_out = -1;
	if (!al_is_hex(hex, 64))
		return al_diag_set(d, AL_EINVALID, "'%s' is not a sha256", hex);
	if (blob_path(s, hex, &p))
		return al_oom(d);
	*fd_out = open(p.buf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (*fd_out < 0)
		err = al_diag_set(d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO,
		                  "cannot open blob %s: %s", hex, strerror(errno));
	al_buf_release(&p);
	return err;
}

static al_err rehash_path(const char *path, const char *hex, uint64_t *size, struct al_diag *d)
{
	char got[AL_SHA256_HEX];
	unsigned long long n = 0;
	al_err err;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return al_diag_set(d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO, "cannot open '%s': %s",
		                   path, strerror(errno));
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	err = al_sha256_fd(fd, got, &n, d);
	close(fd);
	if (err)
		return err;
	if (size)
		*size = n;
	if (strcmp(got, hex) != 0)
		return al_diag_set(d, AL_EVERIFY, "content hashes to %s", got);
	return AL_OK;
}

al_err al_store_rehash(struct al_store *s, const char *hex, struct al_diag *d)
{
	struct al_buf p = AL_BUF_INIT;
	al_err err;

	if (!al_is_hex(hex, 64))
		return al_diag_set(d, AL_EINVALID, "'%s' is not a sha256", hex);
	if (blob_path(s, hex, &p))
		return al_oom(d);
	err = rehash_path(p.buf, hex, NULL, d);
	al_buf_release(&p);
	if (err)
		al_diag_prefix(d, "blob %s: ", hex);
	return err;
}

/* ---- references ------------------------------------------------------------- */

al_err al_store_ref_add(struct al_store *s, const char *owner, const char *hex, struct al_diag *d)
{
	sqlite3_stmt *st = NULL;
	al_err err;

	if ((err = al_db_prepare(s->db, &st, "INSERT OR IGNORE INTO refs (owner, sha256) VALUES (?, ?)",
	                         d)))
		return err;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	err = al_db_run(s->db, st, d);
	sqlite3_finalize(st);
	return err;
}

al_err al_store_ref_drop_owner(struct al_store *s, const char *owner, struct al_diag *d)
{
	sqlite3_stmt *st = NULL;
	al_err err;

	if ((err = al_db_prepare(s->db, &st, "DELETE FROM refs WHERE owner = ?", d)))
		return err;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	err = al_db_run(s->db, st, d);
	sqlite3_finalize(st);
	return err;
}

/* ---- verify ---------------------------------------------------------------- */

struct verify_item {
	char hex[AL_SHA256_HEX];
	uint64_t size;
	bool recorded;
};

struct verify_job {
	struct al_store *s;
	struct verify_item *items;
	size_t n;
	atomic_size_t next;
	pthread_mutex_t mu;
	al_verify_cb cb;
	void *ctx;
	struct al_verify_result *res;
};

static void report(struct verify_job *j, enum al_verify_kind kind, const char *hex,
                   const char *detail)
{
	pthread_mutex_lock(&j->mu);
	switch (kind) {
	case AL_VERIFY_MISSING: j->res->missing++; break;
	case AL_VERIFY_CORRUPT: j->res->corrupt++; break;
	case AL_VERIFY_STRAY: j->res->stray++; break;
	case AL_VERIFY_UNREFERENCED: j->res->unreferenced++; break;
	}
	if (j->cb)
		j->cb(j->ctx, kind, hex, detail);
	pthread_mutex_unlock(&j->mu);
}

static void *verify_worker(void *arg)
{
	struct verify_job *j = arg;
	struct al_buf path = AL_BUF_INIT;
	size_t i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->n) {
		struct verify_item *it = &j->items[i];
		struct al_diag d = AL_DIAG_INIT;
		uint64_t size = 0;
		al_err err;

		al_buf_reset(&path);
		if (blob_path(j->s, it->hex, &path)) {
			report(j, AL_VERIFY_CORRUPT, it->hex, "out of memory");
			continue;
		}
		err = rehash_path(path.buf, it->hex, &size, &d);
		if (err == AL_ENOTFOUND)
			report(j, AL_VERIFY_MISSING, it->hex, "recorded but the file is missing");
		else if (err)
			report(j, AL_VERIFY_CORRUPT, it->hex, d.msg);
		else if (it->recorded && size != it->size)
			report(j, AL_VERIFY_CORRUPT, it->hex, "size differs from the record");
		else if (!it->recorded)
			report(j, AL_VERIFY_STRAY, it->hex, "complete file with no record");
		pthread_mutex_lock(&j->mu);
		j->res->checked++;
		j->res->bytes += size;
		pthread_mutex_unlock(&j->mu);
	}
	al_buf_release(&path);
	return NULL;
}

static int item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct verify_item *)a)->hex, ((const struct verify_item *)b)->hex);
}

/* Collect every recorded blob, then every file on disk without a record. */
static al_err collect_items(struct al_store *s, struct verify_item **out, size_t *n_out,
                            struct al_diag *d)
{
	struct verify_item *items = NULL;
	size_t n = 0, alloc = 0, nrec;
	sqlite3_stmt *st = NULL;
	struct al_buf sub = AL_BUF_INIT;
	DIR *top = NULL, *dir = NULL;
	struct dirent *e, *f;
	bool row;
	al_err err;

	if ((err = al_db_prepare(s->db, &st, "SELECT sha256, size FROM blobs ORDER BY sha256", d)))
		return err;
	while (!(err = al_db_step(s->db, st, &row, d)) && row) {
		const char *hex = (const char *)sqlite3_column_text(st, 0);
		if (AL_GROW(items, alloc, n + 1)) {
			err = al_oom(d);
			goto out;
		}
		snprintf(items[n].hex, sizeof(items[n].hex), "%s", hex ? hex : "");
		items[n].size = (uint64_t)sqlite3_column_int64(st, 1);
		items[n].recorded = true;
		n++;
	}
	if (err)
		goto out;
	nrec = n;
	if (!(top = opendir(s->blobdir))) {
		err = al_diag_set(d, AL_EIO, "cannot read '%s': %s", s->blobdir, strerror(errno));
		goto out;
	}
	while ((e = readdir(top))) {
		if (e->d_name[0] == '.')
			continue;
		al_buf_reset(&sub);
		if (al_buf_addf(&sub, "%s/%s", s->blobdir, e->d_name)) {
			err = al_oom(d);
			goto out;
		}
		if (!(dir = opendir(sub.buf)))
			continue;
		while ((f = readdir(dir))) {
			struct verify_item key;
			if (f->d_name[0] == '.')
				continue;
			if (!al_is_hex(f->d_name, 64) || strncmp(f->d_name, e->d_name, 2) != 0)
				continue; /* not ours; gc leaves it alone too */
			memcpy(key.hex, f->d_name, AL_SHA256_HEX);
			if (nrec && bsearch(&key, items, nrec, sizeof(*items), item_cmp))
				continue; /* (no records: items may be NULL, which bsearch must not get) */
			if (AL_GROW(items, alloc, n + 1)) {
				err = al_oom(d);
				goto out;
			}
			items[n] = key;
			items[n].size = 0;
			items[n].recorded = false;
			n++;
		}
		closedir(dir);
		dir = NULL;
	}
out:
	if (dir)
		closedir(dir);
	if (top)
		closedir(top);
	sqlite3_finalize(st);
	al_buf_release(&sub);
	if (err) {
		al_free(items);
		return err;
	}
	*out = items;
	*n_out = n;
	return AL_OK;
}

al_err al_store_verify(struct al_store *s, unsigned threads, al_verify_cb cb, void *ctx,
                       struct al_verify_result *out, struct al_diag *d)
{
	struct verify_job j = { 0 };
	pthread_t tids[64];
	unsigned i, started = 0;
	sqlite3_stmt *st = NULL;
	bool row;
	al_err err;

	memset(out, 0, sizeof(*out));
	if ((err = collect_items(s, &j.items, &j.n, d)))
		return err;
	j.s = s;
	j.cb = cb;
	j.ctx = ctx;
	j.res = out;
	atomic_init(&j.next, 0);
	pthread_mutex_init(&j.mu, NULL);
	if (threads == 0) {
		long nc = sysconf(_SC_NPROCESSORS_ONLN);
		threads = nc > 0 ? (unsigned)nc : 1;
	}
	if (threads > 64)
		threads = 64;
	for (i = 1; i < threads; i++)
		if (pthread_create(&tids[started], NULL, verify_worker, &j) == 0)
			started++;
	verify_worker(&j);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);

	if ((err = al_db_prepare(s->db, &st,
	                         "SELECT sha256 FROM blobs WHERE sha256 NOT IN (SELECT sha256 FROM refs) "
	                         "ORDER BY sha256",
	                         d)))
		goto out;
	while (!(err = al_db_step(s->db, st, &row, d)) && row)
		report(&j, AL_VERIFY_UNREFERENCED, (const char *)sqlite3_column_text(st, 0),
		       "nothing refers to it");
out:
	sqlite3_finalize(st);
	pthread_mutex_destroy(&j.mu);
	al_free(j.items);
	return err;
}

/* ---- gc --------------------------------------------------------------------- */

static al_err gc_tmp(struct al_store *s, bool dry_run, struct al_gc_result *res, struct al_diag *d)
{
	struct al_buf p = AL_BUF_INIT;
	struct dirent *e;
	DIR *dir = opendir(s->tmpdir);

	if (!dir)
		return errno == ENOENT ? AL_OK
		                       : al_diag_set(d, AL_EIO, "cannot read '%s': %s", s->tmpdir,
		                                     strerror(errno));
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		al_buf_reset(&p);
		if (al_buf_addf(&p, "%s/%s", s->tmpdir, e->d_name))
			break;
		res->tmp_removed++;
		if (!dry_run)
			unlink(p.buf); /* directories (resumable imports) are left */
	}
	closedir(dir);
	al_buf_release(&p);
	return AL_OK;
}

al_err al_store_gc(struct al_store *s, bool dry_run, struct al_gc_result *out, struct al_diag *d)
{
	struct verify_item *items = NULL;
	sqlite3_stmt *sel = NULL, *del = NULL;
	struct al_buf p = AL_BUF_INIT;
	size_t n = 0, i;
	bool row;
	al_err err;

	memset(out, 0, sizeof(*out));
	if (s->rdonly)
		return al_diag_set(d, AL_EUSAGE, "store '%s' is open read-only", s->dir);
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0)
		return al_diag_set(d, AL_EBUSY,
		                   "store '%s' is in use by another airlock process; try again later",
		                   s->dir);

	/* Unreferenced records: drop the row first, then the file, so that the
	 * database never names a missing file. */
	if ((err = al_db_begin(s->db, d)))
		goto out;
	if ((err = al_db_prepare(s->db, &sel,
	                         "SELECT sha256, size FROM blobs WHERE sha256 NOT IN "
	                         "(SELECT sha256 FROM refs) AND sha256 NOT IN "
	                         "(SELECT sha256 FROM http_cache WHERE sha256 IS NOT NULL AND body IS NULL)",
	                         d)) ||
	    (err = al_db_prepare(s->db, &del, "DELETE FROM blobs WHERE sha256 = ?", d)))
		goto rollback;
	size_t alloc = 0;
	while (!(err = al_db_step(s->db, sel, &row, d)) && row) {
		if (AL_GROW(items, alloc, n + 1)) {
			err = al_oom(d);
			goto rollback;
		}
		snprintf(items[n].hex, sizeof(items[n].hex), "%s", sqlite3_column_text(sel, 0));
		items[n].size = (uint64_t)sqlite3_column_int64(sel, 1);
		n++;
	}
	if (err)
		goto rollback;
	for (i = 0; i < n && !dry_run; i++) {
		sqlite3_bind_text(del, 1, items[i].hex, -1, SQLITE_STATIC);
		if ((err = al_db_run(s->db, del, d)))
			goto rollback;
	}
	if (dry_run)
		al_db_rollback(s->db);
	else if ((err = al_db_commit(s->db, d)))
		goto rollback;
	for (i = 0; i < n; i++) {
		out->removed++;
		out->bytes += items[i].size;
		al_buf_reset(&p);
		if (!dry_run && !blob_path(s, items[i].hex, &p))
			unlink(p.buf);
	}
	al_free(items);
	items = NULL;

	/* Complete files without a record (a crash between rename and insert). */
	if ((err = collect_items(s, &items, &n, d)))
		goto out;
	for (i = 0; i < n; i++) {
		if (items[i].recorded)
			continue;
		al_buf_reset(&p);
		if (blob_path(s, items[i].hex, &p))
			continue;
		struct stat st;
		if (stat(p.buf, &st) == 0)
			out->bytes += (uint64_t)st.st_size;
		out->removed++;
		if (!dry_run)
			unlink(p.buf);
	}
	err = gc_tmp(s, dry_run, out, d);
	goto out;
rollback:
	al_db_rollback(s->db);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(del);
	al_free(items);
	al_buf_release(&p);
	flock(s->lockfd, LOCK_SH);
	return err;
}
