/*
 * media.c: export, verify and import of signed media (docs/reference/media.md).
 *
 * Export streams objects from the store into pax tar volumes no larger
 * than the volume size (splitting objects larger than a volume into parts),
 * hashing every volume and part as it is written, then writes the canonical
 * JSON manifest and its minisign signature.
 *
 * Import fails closed, in this order: the signature by a trusted key (before
 * any other byte is interpreted; every file of the medium must be a regular
 * file, opened without blocking), the trusted comment against the manifest,
 * replay (the same media again is a no-op), seq at most 7 days ahead of the
 * clock, rollback (seq must grow), a delta's base, the completeness of what
 * the media describes, free space;
 * then each volume is streamed entry by entry: only declared names, regular
 * files, declared sizes, every object and part hashed while it is written
 * into a staging directory under STORE/tmp, every volume hashed whole. Only
 * when everything checked out are the staged objects moved into the store
 * and recorded, in one transaction. Any refusal removes the staging
 * directory, so the store is as it was (the ledger records the refusal).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "core/fsutil.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/mem.h"
#include "media/media.h"
#include "media/minisign.h"
#include "review/sbom.h"
#include "spec/lock.h"
#include "spec/lockjson.h"
#include "store/bundle.h"
#include "store/db.h"
#include "store/store-internal.h"

#define ENTRY_OVERHEAD 2048   /* ustar header + worst-case pax header, rounded */
#define VOLUME_TRAILER 11264  /* end-of-archive blocks and slack */
#define IO_CHUNK ((size_t)256 << 10)

void al_media_summary_release(struct al_media_summary *s)
{
	if (s) {
		al_free(s->bundles);
		s->bundles = NULL;
	}
}

/* One tar entry: a whole object (part 0) or one part of a split object. */
struct plan_entry {
	char hex[AL_SHA256_HEX];     /* the object */
	unsigned part;               /* 0: whole; else 1-based part number */
	uint64_t offset, length;
	unsigned volume;             /* 1-based */
	char part_hex[AL_SHA256_HEX];/* sha256 of this part (parts only) */
};

struct object {
	char hex[AL_SHA256_HEX];
	uint64_t size;
	unsigned volume;             /* whole objects: its volume; split: 0 */
	unsigned nparts;
	bool present;                /* import: the store already has it */
	bool on_media;               /* import: the media carries it */
};

struct volume {
	char name[16];
	uint64_t size;
	char hex[AL_SHA256_HEX];
};

static uint64_t round512(uint64_t n)
{
	return (n + 511) & ~(uint64_t)511;
}

static void entry_name(const struct plan_entry *e, char *buf, size_t len)
{
	if (e->part)
		snprintf(buf, len, "objects/sha256/%s.part-%04u", e->hex, e->part);
	else
		snprintf(buf, len, "objects/sha256/%s", e->hex);
}

static al_err random_id(char out[33], struct al_diag *d)
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return al_diag_set(d, AL_EIO, "cannot get random bytes: %s", strerror(errno));
		got += (size_t)n;
	}
	al_hex_encode(b, sizeof(b), out);
	return AL_OK;
}

static void iso_time(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The trusted comment: what `minisign -V` shows an operator, and what import
 * checks against the manifest. */
static al_err trusted_comment(struct al_buf *b, const char *id, int64_t seq, json_t *bundles,
                              json_t *contents)
{
	size_t i;
	json_t *v;
	al_err err;

	if ((err = al_buf_addf(b, "airlock-media id=%s seq=%lld bundles=", id, (long long)seq)))
		return err;
	json_array_foreach(bundles, i, v)
		if ((err = al_buf_addf(b, "%s%s", i ? "," : "", json_string_value(v))))
			return err;
	if ((err = al_buf_addstr(b, " manifest=")))
		return err;
	json_array_foreach(contents, i, v) {
		const char *m = json_string_value(json_object_get(v, "manifest_sha256"));
		if ((err = al_buf_addf(b, "%s%s", i ? "," : "", m ? m : "-")))
			return err;
	}
	return AL_OK;
}

/* ---- export -------------------------------------------------------------------- */

struct vol_writer {
	int fd;
	struct al_hash hash;
	uint64_t bytes;
	int err;
	const char *path;
};

static la_ssize_t vw_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
	struct vol_writer *w = ctx;
	int e = al_write_full(w->fd, buf, len);

	if (e) {
		w->err = e;
		archive_set_error(a, e, "cannot write '%s'", w->path);
		return -1;
	}
	al_hash_update(&w->hash, buf, len);
	w->bytes += len;
	return (la_ssize_t)len;
}

static al_err archive_fail(struct archive *a, const char *what, struct al_diag *d)
{
	int e = archive_errno(a);

	return al_diag_set(d, e == ENOSPC ? AL_ENOSPACE : AL_EIO, "%s: %s", what,
	                   archive_error_string(a) ? archive_error_string(a) : "archive error");
}

/* One entry's bytes: e->length bytes of blob bfd from e->offset into the archive, a
 * part's sha256 computed on the way into e->part_hex. */
static al_err write_entry_data(struct archive *a, int bfd, struct plan_entry *e, char *buf,
                               const char *path, struct al_diag *d)
{
	uint64_t left = e->length, off = e->offset;
	struct al_hash ph;
	al_err err;

	if (e->part && (err = al_hash_init(&ph, AL_HASH_SHA256, d)))
		return err;
	while (left) {
		size_t want = left < IO_CHUNK ? (size_t)left : IO_CHUNK;
		ssize_t n = pread(bfd, buf, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (e->part)
				al_hash_release(&ph);
			return al_diag_set(d, AL_EIO, "blob %s: %s", e->hex,
			                   n < 0 ? strerror(errno) : "shorter than recorded");
		}
		if (e->part)
			al_hash_update(&ph, buf, (size_t)n);
		if (archive_write_data(a, buf, (size_t)n) != n) {
			if (e->part)
				al_hash_release(&ph);
			return archive_fail(a, path, d);
		}
		left -= (uint64_t)n;
		off += (uint64_t)n;
	}
	if (e->part)
		al_hash_final_hex(&ph, e->part_hex);
	return AL_OK;
}

/* Write one volume: the entries [first, last) of the plan. */
static al_err write_volume(struct al_store *s, const char *path, struct plan_entry *plan,
                           size_t first, size_t last, struct volume *vol, char *buf,
                           struct al_diag *d)
{
	struct vol_writer w = { .fd = -1, .path = path };
	struct archive *a = NULL;
	struct archive_entry *ae = NULL;
	al_err err;
	size_t i;
	int bfd = -1;

	if ((err = al_hash_init(&w.hash, AL_HASH_SHA256, d)))
		return err;
	w.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (w.fd < 0) {
		err = al_diag_set(d, AL_EIO, "cannot create '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!(a = archive_write_new()) || !(ae = archive_entry_new())) {
		err = al_oom(d);
		goto out;
	}
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open2(a, &w, NULL, vw_write, NULL, NULL) != ARCHIVE_OK) {
		err = archive_fail(a, path, d);
		goto out;
	}
	for (i = first; i < last; i++) {
		struct plan_entry *e = &plan[i];
		char name[128];

		entry_name(e, name, sizeof(name));
		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, name);
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, 0444);
		archive_entry_set_size(ae, (la_int64_t)e->length);
		archive_entry_set_mtime(ae, 0, 0);
		if (archive_write_header(a, ae) != ARCHIVE_OK) {
			err = archive_fail(a, path, d);
			goto out;
		}
		if ((err = al_store_open_blob(s, e->hex, &bfd, d)) ||
		    (err = write_entry_data(a, bfd, e, buf, path, d)))
			goto out;
		close(bfd);
		bfd = -1;
		if (archive_write_finish_entry(a) != ARCHIVE_OK) {
			err = archive_fail(a, path, d);
			goto out;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		err = archive_fail(a, path, d);
		goto out;
	}
	if (fsync(w.fd) < 0) {
		err = al_diag_set(d, errno == ENOSPC ? AL_ENOSPACE : AL_EIO, "cannot sync '%s': %s", path,
		                  strerror(errno));
		goto out;
	}
	vol->size = w.bytes;
	al_hash_final_hex(&w.hash, vol->hex);
out:
	if (bfd >= 0)
		close(bfd);
	if (w.fd >= 0)
		close(w.fd);
	archive_entry_free(ae);
	archive_write_free(a);
	al_hash_release(&w.hash);
	return err;
}

/* Place objects into volumes. Objects are taken in sha256 order; one that
 * does not fit the current volume starts the next, and one larger than a
 * whole volume is split into parts that fill volumes. */
static al_err plan_volumes(struct object *objs, size_t nobjs, uint64_t volume_size,
                           struct plan_entry **out, size_t *nout, unsigned *nvol, struct al_diag *d)
{
	struct plan_entry *plan = NULL;
	size_t alloc = 0, n = 0, i;
	uint64_t budget = volume_size ? volume_size - VOLUME_TRAILER : UINT64_MAX;
	uint64_t used = 0;
	unsigned vol = 1;

	for (i = 0; i < nobjs; i++) {
		struct object *o = &objs[i];
		uint64_t cost = ENTRY_OVERHEAD + round512(o->size), off = 0;
		unsigned part = 0;

		if (!o->on_media)
			continue;
		if (used + cost > budget && cost <= budget) {
			vol++;
			used = 0;
		}
		if (used + cost <= budget) {
			if (AL_GROW(plan, alloc, n + 1))
				goto oom;
			memset(&plan[n], 0, sizeof(plan[n]));
			memcpy(plan[n].hex, o->hex, AL_SHA256_HEX);
			plan[n].length = o->size;
			plan[n].volume = vol;
			o->volume = vol;
			used += cost;
			n++;
			continue;
		}
		/* split */
		while (off < o->size) {
			uint64_t room = budget - used, len;
			if (room < ENTRY_OVERHEAD + 512 * 16) {
				vol++;
				used = 0;
				continue;
			}
			len = (room - ENTRY_OVERHEAD) & ~(uint64_t)511;
			if (len > o->size - off)
				len = o->size - off;
			if (AL_GROW(plan, alloc, n + 1))
				goto oom;
			memset(&plan[n], 0, sizeof(plan[n]));
			memcpy(plan[n].hex, o->hex, AL_SHA256_HEX);
			plan[n].part = ++part;
			plan[n].offset = off;
			plan[n].length = len;
			plan[n].volume = vol;
			used += ENTRY_OVERHEAD + round512(len);
			off += len;
			n++;
		}
		o->nparts = part;
		o->volume = 0;
	}
	if (vol > AL_MEDIA_MAX_VOLUMES) {
		al_free(plan);
		return al_diag_set(d, AL_ELIMIT, "the media would need %u volumes (at most %d): "
		                   "choose a larger --volume-size", vol, AL_MEDIA_MAX_VOLUMES);
	}
	*out = plan;
	*nout = n;
	*nvol = n ? plan[n - 1].volume : 1;
	return AL_OK;
oom:
	al_free(plan);
	return al_oom(d);
}

/* A base given as a media directory: its id and the objects of its complete state
 * (the manifest's contents), unsorted. */
static al_err base_from_dir(const char *since, char **base_id, char ***objs, size_t *nobjs,
                            struct al_diag *d)
{
	struct al_buf path = AL_BUF_INIT, text = AL_BUF_INIT;
	json_t *j = NULL, *v;
	json_error_t jerr;
	bool oom;
	size_t i, alloc = 0;
	al_err err = AL_OK;

	if (al_buf_addf(&path, "%s/%s", since, AL_MEDIA_MANIFEST))
		return al_oom(d);
	if ((err = al_read_regular(&text, path.buf, 0, AL_MEDIA_MANIFEST_MAX, d)))
		goto out;
	if (!(j = al_json_loadb(text.buf, text.len, 0, &jerr, &oom)) && oom) {
		err = al_oom(d);
		goto out;
	}
	if (!j || !json_is_object(j)) {
		err = al_diag_set(d, AL_EPARSE, "'%s': not a media manifest", path.buf);
		goto out;
	}
	v = json_object_get(j, "id");
	if (!json_is_string(v) || !(*base_id = al_strdup(json_string_value(v)))) {
		err = al_diag_set(d, AL_EPARSE, "'%s': no media id", path.buf);
		goto out;
	}
	json_array_foreach(json_object_get(j, "contents"), i, v) {
		struct al_lock *l = NULL;
		char **o = NULL;
		size_t n = 0, k;
		if ((err = al_lock_from_json(v, &l, d)) || (err = al_lock_objects(l, &o, &n, d))) {
			al_lock_free(l);
			al_diag_prefix(d, "base '%s': ", since);
			goto out;
		}
		for (k = 0; k < n; k++) {
			if (AL_GROW(*objs, alloc, *nobjs + 1)) {
				al_strv_free(o + k, n - k);
				al_lock_free(l);
				err = al_oom(d);
				goto out;
			}
			(*objs)[(*nobjs)++] = o[k];
		}
		al_free(o);
		al_lock_free(l);
	}
out:
	json_decref(j);
	al_buf_release(&path);
	al_buf_release(&text);
	return err;
}

/* A base given as the id of an export recorded in this store: its objects, unsorted. */
static al_err base_from_export(struct al_store *s, const char *since, char **base_id,
                               char ***objs, size_t *nobjs, struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *q = NULL;
	size_t alloc = 0;
	al_err err;
	bool row;
	int64_t one;

	if (al_db_query_int(db, &one, NULL, "SELECT 1 FROM exports WHERE id = ?", since,
	                    (char *)NULL))
		return al_diag_set(d, AL_ENOTFOUND,
		                   "--since '%s' is neither a media directory nor a recorded export",
		                   since);
	if (!(*base_id = al_strdup(since)))
		return al_oom(d);
	if ((err = al_db_prepare(db, &q, "SELECT sha256 FROM export_objects WHERE export_id = ?", d)))
		return err;
	sqlite3_bind_text(q, 1, since, -1, SQLITE_STATIC);
	while (!(err = al_db_step(db, q, &row, d)) && row) {
		if (AL_GROW(*objs, alloc, *nobjs + 1) ||
		    !((*objs)[*nobjs] = al_strdup((const char *)sqlite3_column_text(q, 0)))) {
			err = al_oom(d);
			break;
		}
		(*nobjs)++;
	}
	sqlite3_finalize(q);
	return err;
}

/* The objects of a base, sorted: a media directory's complete state, or a recorded
 * export's. */
static al_err load_base(struct al_store *s, const char *since, char **base_id, char ***objs,
                        size_t *nobjs, struct al_diag *d)
{
	struct stat st;
	al_err err;

	*objs = NULL;
	*nobjs = 0;
	*base_id = NULL;
	if (stat(since, &st) == 0 && S_ISDIR(st.st_mode))
		err = base_from_dir(since, base_id, objs, nobjs, d);
	else
		err = base_from_export(s, since, base_id, objs, nobjs, d);
	if (!err && *nobjs)
		qsort(*objs, *nobjs, sizeof(char *), al_strv_cmp);
	if (err) {
		al_strv_free(*objs, *nobjs);
		*objs = NULL;
		*nobjs = 0;
		al_free(*base_id);
		*base_id = NULL;
	}
	return err;
}

static al_err record_export(struct al_store *s, const char *id, const char *bundles, int64_t seq,
                            const char *base, json_t *contents, char **all, size_t nall,
                            struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	const char *msha = json_string_value(json_object_get(json_array_get(contents, 0),
	                                                     "manifest_sha256"));
	al_err err;
	size_t i;

	if ((err = al_db_begin(db, d)))
		return err;
	if ((err = al_db_prepare(db, &st, "INSERT INTO exports (id, bundle, seq, base, manifest_sha256, "
	                                  "created) VALUES (?, ?, ?, ?, ?, ?)", d)))
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, bundles, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, seq);
	if (base)
		sqlite3_bind_text(st, 4, base, -1, SQLITE_STATIC);
	if (msha)
		sqlite3_bind_text(st, 5, msha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)time(NULL));
	if ((err = al_db_run(db, st, d)))
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	if ((err = al_db_prepare(db, &st, "INSERT OR IGNORE INTO export_objects (export_id, sha256) "
	                                  "VALUES (?, ?)", d)))
		goto fail;
	for (i = 0; i < nall; i++) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, all[i], -1, SQLITE_STATIC);
		if ((err = al_db_run(db, st, d)))
			goto fail;
	}
	sqlite3_finalize(st);
	return al_db_commit(db, d);
fail:
	sqlite3_finalize(st);
	al_db_rollback(db);
	return err;
}

/* Remove what export created in out_dir (on failure). */
static void remove_outputs(const char *dir, unsigned nvol)
{
	char path[4200];
	unsigned v;

	for (v = 1; v <= nvol; v++) {
		snprintf(path, sizeof(path), "%s/vol-%04u.tar", dir, v);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, AL_MEDIA_MANIFEST);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, AL_MEDIA_SIGNATURE);
	unlink(path);
	rmdir(dir);
}

static al_err prepare_out_dir(const char *dir, struct al_diag *d)
{
	DIR *dh;
	struct dirent *e;

	if (mkdir(dir, 0755) == 0)
		return AL_OK;
	if (errno != EEXIST)
		return al_diag_set(d, AL_EIO, "cannot create '%s': %s", dir, strerror(errno));
	if (!(dh = opendir(dir)))
		return al_diag_set(d, AL_EIO, "cannot read '%s': %s", dir, strerror(errno));
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			closedir(dh);
			return al_diag_set(d, AL_EUSAGE, "'%s' is not empty: export writes new media into "
			                   "an empty or new directory", dir);
		}
	closedir(dh);
	return AL_OK;
}

/* ---- the phases of an export (docs/reference/media.md, "Export, in order") ---------- */

/* What the phases of one export share. */
struct export {
	struct al_store *s;
	const struct al_export_opts *o;
	struct al_media_summary *sum;
	struct al_diag *d;
	json_t *contents, *jbundles; /* the locks as JSON; their bundle names */
	struct al_buf joined;        /* the bundle names, comma-joined */
	char **all;                  /* every object the locks name, sorted, unique */
	size_t nall;
	char *base_id, **base_objs;  /* --since: the base and its objects, sorted */
	size_t nbase;
	struct object *objs;         /* all, with sizes and whether the media carries them */
	struct plan_entry *plan;
	size_t nplan;
	struct volume *vols;
	unsigned nvol;
	int64_t seq;
	size_t nsboms;               /* SBOM files written (the first nsboms bundles) */
	bool made_dir;               /* the output directory is ours to clean on failure */
};

/* The bundles asked for (all of them by default), sorted. */
static al_err export_bundle_names(struct export *ex, char ***names, size_t *nnames)
{
	const struct al_export_opts *o = ex->o;
	size_t i;

	if (!o->nbundles)
		return al_bundle_names(ex->s, names, nnames, ex->d);
	if (!(*names = al_calloc(o->nbundles, sizeof(char *))))
		return al_oom(ex->d);
	for (i = 0; i < o->nbundles; i++, (*nnames)++)
		if (!((*names)[i] = al_strdup(o->bundles[i])))
			return al_oom(ex->d);
	qsort(*names, *nnames, sizeof(char *), al_strv_cmp);
	return AL_OK;
}

struct policy_ctx {
	const struct al_export_opts *o;
	struct al_buf first;
};

static void export_policy_cb(void *ctx, const char *msg)
{
	struct policy_ctx *pc = ctx;

	if (!pc->first.len)
		al_ignore(al_buf_addstr(&pc->first, msg)); /* only the message of the error */
	if (pc->o->policy_cb)
		pc->o->policy_cb(pc->o->ctx, msg);
}

/* The policy the bundle's lock carries (the manifest's, when it was
 * locked), checked again over the lock and the store: nothing is written
 * when it is broken. */
static al_err export_check_policy(struct export *ex, const char *name, const struct al_lock *l)
{
	struct policy_ctx pc = { ex->o, AL_BUF_INIT };
	struct al_policy_env env = { ex->s, NULL, export_policy_cb, &pc };
	unsigned n = 0;
	al_err err;

	if (!l->policy)
		return AL_OK;
	if ((err = al_policy_check(l->policy, l, &env, &n, ex->d)))
		err = al_diag_prefix(ex->d, "bundle '%s': policy: ", name);
	else if (n)
		err = al_diag_set(ex->d, AL_EREFUSED, "bundle '%s' breaks the policy of its manifest "
		                  "(%u violation%s; the first: %s)", name, n, n == 1 ? "" : "s",
		                  pc.first.len ? pc.first.buf : "?");
	al_buf_release(&pc.first);
	return err;
}

/* One bundle's lock into contents and jbundles, its objects appended to all. */
static al_err export_add_bundle(struct export *ex, const char *name, size_t *alloc)
{
	struct al_lock *l = NULL;
	json_t *jl = NULL;
	char **ob = NULL;
	size_t nob = 0, j;
	al_err err;

	if ((err = al_bundle_get(ex->s, name, &l, ex->d)) || (err = export_check_policy(ex, name, l)) ||
	    (err = al_lock_to_json(l, &jl, ex->d)) || (err = al_lock_objects(l, &ob, &nob, ex->d))) {
		al_lock_free(l);
		return err;
	}
	al_lock_free(l);
	if (al_json_push(ex->contents, jl) || al_json_push(ex->jbundles, json_string(name)) ||
	    al_buf_addf(&ex->joined, "%s%s", ex->joined.len ? "," : "", name)) {
		al_strv_free(ob, nob);
		return al_oom(ex->d);
	}
	for (j = 0; j < nob; j++) {
		if (AL_GROW(ex->all, *alloc, ex->nall + 1)) {
			al_strv_free(ob + j, nob - j);
			return al_oom(ex->d);
		}
		ex->all[ex->nall++] = ob[j];
	}
	al_free(ob);
	return AL_OK;
}

/* Step 1: the bundles and the complete state they describe: their locks as JSON and
 * every object they name, sorted and unique. */
static al_err export_collect(struct export *ex)
{
	char **names = NULL;
	size_t nnames = 0, alloc = 0, i, j;
	al_err err;

	if ((err = export_bundle_names(ex, &names, &nnames)))
		goto out;
	if (!nnames) {
		err = al_diag_set(ex->d, AL_ENOTFOUND, "the store has no bundles to export: run 'airlock fetch'");
		goto out;
	}
	if (!(ex->contents = json_array()) || !(ex->jbundles = json_array())) {
		err = al_oom(ex->d);
		goto out;
	}
	for (i = 0; i < nnames; i++) {
		if ((i && !strcmp(names[i], names[i - 1])))
			continue;
		if ((err = export_add_bundle(ex, names[i], &alloc)))
			goto out;
	}
	if (ex->nall)
		qsort(ex->all, ex->nall, sizeof(char *), al_strv_cmp);
	for (i = j = 0; i < ex->nall; i++) {
		if (j && !strcmp(ex->all[j - 1], ex->all[i])) {
			al_free(ex->all[i]);
			continue;
		}
		ex->all[j++] = ex->all[i];
	}
	ex->nall = j;
out:
	al_strv_free(names, nnames);
	return err;
}

/* Step 2: which objects go on the media (all, or those the --since base lacks), each
 * present in the store, and the plan that puts them, or their parts, into volumes. */
static al_err export_plan(struct export *ex)
{
	struct al_media_summary *sum = ex->sum;
	size_t i;
	al_err err;

	if (ex->o->since && (err = load_base(ex->s, ex->o->since, &ex->base_id, &ex->base_objs,
	                                     &ex->nbase, ex->d)))
		return err;
	if (!(ex->objs = al_calloc(ex->nall + 1, sizeof(*ex->objs))))
		return al_oom(ex->d);
	for (i = 0; i < ex->nall; i++) {
		struct object *ob = &ex->objs[i];
		int64_t size;
		memcpy(ob->hex, ex->all[i], AL_SHA256_HEX);
		if (al_db_query_int(al_store_db(ex->s), &size, NULL, "SELECT size FROM blobs WHERE sha256 = ?",
		                    ex->all[i], (char *)NULL) || !al_store_has(ex->s, ex->all[i]))
			return al_diag_set(ex->d, AL_ENOTFOUND, "blob %s is missing from the store: run "
			                   "'airlock fetch' (or 'airlock store verify')", ex->all[i]);
		ob->size = (uint64_t)size;
		sum->total_objects++;
		sum->total_bytes += (uint64_t)size;
		ob->on_media = !ex->base_objs || !bsearch(&ex->all[i], ex->base_objs, ex->nbase,
		                                          sizeof(char *), al_strv_cmp);
		if (ob->on_media) {
			sum->objects++;
			sum->bytes += (uint64_t)size;
		}
	}
	return plan_volumes(ex->objs, ex->nall, ex->o->volume_size, &ex->plan, &ex->nplan, &ex->nvol,
	                    ex->d);
}

/* Step 3: free space in the output directory's parent for the volumes plus the manifest. */
static al_err export_check_space(struct export *ex)
{
	unsigned long long free_bytes = 0, need = 0;
	char *slash, *parent;
	al_err err;
	size_t i;

	for (i = 0; i < ex->nplan; i++)
		need += ENTRY_OVERHEAD + round512(ex->plan[i].length);
	need += (unsigned long long)ex->nvol * VOLUME_TRAILER + (1u << 20);
	if (!(parent = al_strdup(ex->o->out_dir)))
		return al_oom(ex->d);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
	else
		strcpy(parent, ".");
	err = al_free_space(parent, &free_bytes, ex->d);
	al_free(parent);
	if (err)
		return err;
	if (free_bytes < need)
		return al_diag_set(ex->d, AL_ENOSPACE, "not enough space for the media in '%s': "
		                   "%llu bytes needed, %llu free", ex->o->out_dir, need, free_bytes);
	return AL_OK;
}

/* Step 4: the media's identity: a random id and a seq above every earlier export's. */
static al_err export_identify(struct export *ex)
{
	int64_t last = 0;
	al_err err;

	if ((err = random_id(ex->sum->id, ex->d)))
		return err;
	if ((err = al_db_query_int(al_store_db(ex->s), &last, ex->d,
	                           "SELECT coalesce(max(seq), 0) FROM exports", (char *)NULL)))
		return err;
	ex->seq = (int64_t)time(NULL);
	if (ex->seq <= last)
		ex->seq = last + 1;
	ex->sum->seq = ex->seq;
	ex->sum->volumes = ex->nvol;
	ex->sum->delta = ex->base_id != NULL;
	return AL_OK;
}

/* Step 5: the output directory and the volumes, in plan order, each at most the volume
 * size. */
static al_err export_write_volumes(struct export *ex)
{
	const struct al_export_opts *o = ex->o;
	struct al_buf path = AL_BUF_INIT;
	unsigned written = 0;
	char *buf = NULL;
	size_t i;
	al_err err;

	if ((err = prepare_out_dir(o->out_dir, ex->d)))
		return err;
	ex->made_dir = true;
	if (!(buf = al_malloc(IO_CHUNK)) || !(ex->vols = al_calloc(ex->nvol + 1, sizeof(*ex->vols)))) {
		err = al_oom(ex->d);
		goto out;
	}
	for (i = 0; i < ex->nplan || written < ex->nvol;) {
		struct volume *vol = &ex->vols[written];
		size_t first = i;
		unsigned v = written + 1;
		while (i < ex->nplan && ex->plan[i].volume == v)
			i++;
		snprintf(vol->name, sizeof(vol->name), "vol-%04u.tar", v);
		al_buf_reset(&path);
		if (al_buf_addf(&path, "%s/%s", o->out_dir, vol->name)) {
			err = al_oom(ex->d);
			goto out;
		}
		if ((err = write_volume(ex->s, path.buf, ex->plan, first, i, vol, buf, ex->d)))
			goto out;
		written++;
		if (o->volume_size && vol->size > o->volume_size) {
			err = al_diag_set(ex->d, AL_EINTERNAL, "volume %s came out larger than the volume size",
			                  vol->name);
			goto out;
		}
	}
out:
	al_free(buf);
	al_buf_release(&path);
	return err;
}

/* Step 6: the manifest's objects array: each object the media carries, with its volume
 * or its parts. */
static al_err export_manifest_objects(const struct export *ex, json_t *jobjs)
{
	size_t i, k;

	for (i = 0; i < ex->nall; i++) {
		const struct object *ob = &ex->objs[i];
		json_t *jo;
		if (!ob->on_media)
			continue;
		jo = json_pack("{s:s, s:I}", "sha256", ob->hex, "size", (json_int_t)ob->size);
		if (!jo)
			goto oom;
		if (al_json_push(jobjs, jo))
			goto oom;
		if (ob->nparts) {
			json_t *parts = json_array();
			if (al_json_set(jo, "parts", parts))
				goto oom;
			for (k = 0; k < ex->nplan; k++) {
				const struct plan_entry *p = &ex->plan[k];
				if (p->part && !strcmp(p->hex, ob->hex) &&
				    al_json_push(parts, json_pack("{s:I, s:s, s:I, s:I}", "part",
				                                  (json_int_t)p->part, "sha256", p->part_hex,
				                                  "size", (json_int_t)p->length, "volume",
				                                  (json_int_t)p->volume)))
					goto oom;
			}
		} else if (al_json_set(jo, "volume", json_integer(ob->volume))) {
			goto oom;
		}
	}
	return AL_OK;
oom:
	return al_oom(ex->d);
}

/* Step 6, first: each bundle's SBOM (lib/review/sbom.c) written beside the
 * manifest as sbom-<bundle>.cdx.json, named with its size and sha256 in the
 * manifest's "sboms", so the signature covers it. The SBOM names this
 * medium's seq and creation time. */
static al_err export_sboms(struct export *ex, const char *created, json_t **out)
{
	struct al_sbom_opts so = { ex->s, ex->seq, created, NULL, NULL };
	struct al_buf path = AL_BUF_INIT, name = AL_BUF_INIT;
	struct al_lock *l = NULL;
	json_t *arr = json_array(), *jl;
	char *text = NULL, hex[AL_SHA256_HEX];
	size_t len = 0, i;
	al_err err = AL_OK;

	if (!arr)
		return al_oom(ex->d);
	json_array_foreach(ex->contents, i, jl) {
		if ((err = al_lock_from_json(jl, &l, ex->d)) ||
		    (err = al_sbom_build(l, &so, &text, &len, ex->d)))
			goto out;
		al_buf_reset(&name);
		al_buf_reset(&path);
		if (al_buf_addf(&name, AL_MEDIA_SBOM_FMT, l->bundle) ||
		    al_buf_addf(&path, "%s/%s", ex->o->out_dir, name.buf))
			goto oom;
		if ((err = al_write_file_atomic(path.buf, text, len, 0644, ex->d)))
			goto out;
		ex->nsboms++;
		al_sha256_hex(text, len, hex);
		if (al_json_push(arr, json_pack("{s:s, s:s, s:I, s:s}", "bundle", l->bundle, "name",
		                                name.buf, "size", (json_int_t)len, "sha256", hex)))
			goto oom;
		al_free(text);
		text = NULL;
		al_lock_free(l);
		l = NULL;
	}
	*out = arr;
	arr = NULL;
	goto out;
oom:
	err = al_oom(ex->d);
out:
	al_free(text);
	al_lock_free(l);
	json_decref(arr);
	al_buf_release(&path);
	al_buf_release(&name);
	return err;
}

/* Step 6: the manifest's text (docs/reference/media.md, "The manifest"), compact, sorted keys. */
static al_err export_manifest(struct export *ex, char **text)
{
	json_t *jobjs = NULL, *jvols = NULL, *root = NULL, *jsboms = NULL;
	char created[32];
	unsigned i;
	al_err err = AL_OK;

	if (!(jobjs = json_array()) || !(jvols = json_array()))
		goto oom;
	if ((err = export_manifest_objects(ex, jobjs)))
		goto out;
	for (i = 0; i < ex->nvol; i++)
		if (al_json_push(jvols, json_pack("{s:s, s:I, s:s}", "name", ex->vols[i].name, "size",
		                                  (json_int_t)ex->vols[i].size, "sha256",
		                                  ex->vols[i].hex)))
			goto oom;
	iso_time(time(NULL), created);
	if ((err = export_sboms(ex, created, &jsboms)))
		goto out;
	root = json_pack("{s:s, s:s, s:I, s:s, s:O, s:s, s:O, s:O, s:O}", "format", AL_MEDIA_FORMAT,
	                 "id", ex->sum->id, "seq", (json_int_t)ex->seq, "created", created, "bundles",
	                 ex->jbundles, "key_id", ex->o->signer->key_id ? ex->o->signer->key_id : "",
	                 "contents", ex->contents, "objects", jobjs, "volumes", jvols);
	if (!root)
		goto oom;
	if (al_json_set(root, "base", ex->base_id ? json_pack("{s:s}", "id", ex->base_id)
	                                          : json_null()) ||
	    al_json_set(root, "sboms", json_incref(jsboms)))
		goto oom;
	if (!(*text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS)))
		goto oom;
	goto out;
oom:
	err = al_oom(ex->d);
out:
	json_decref(root);
	json_decref(jobjs);
	json_decref(jvols);
	json_decref(jsboms);
	return err;
}

/* Step 7: write the manifest, then sign it with the trusted comment and write the
 * signature. */
static al_err export_sign(struct export *ex, const char *text)
{
	const struct al_export_opts *o = ex->o;
	struct al_buf path = AL_BUF_INIT, tc = AL_BUF_INIT, sig = AL_BUF_INIT;
	al_err err;

	if (al_buf_addf(&path, "%s/%s", o->out_dir, AL_MEDIA_MANIFEST))
		goto oom;
	if ((err = al_write_file_atomic(path.buf, text, strlen(text), 0644, ex->d)))
		goto out;
	if (trusted_comment(&tc, ex->sum->id, ex->seq, ex->jbundles, ex->contents))
		goto oom;
	if ((err = o->signer->sign(o->signer->ctx, text, strlen(text), tc.buf, &sig, ex->d)))
		goto out;
	al_buf_reset(&path);
	if (al_buf_addf(&path, "%s/%s", o->out_dir, AL_MEDIA_SIGNATURE))
		goto oom;
	err = al_write_file_atomic(path.buf, sig.buf, sig.len, 0644, ex->d);
	goto out;
oom:
	err = al_oom(ex->d);
out:
	al_buf_release(&path);
	al_buf_release(&tc);
	al_buf_release(&sig);
	return err;
}

/* Step 8: the export recorded in the store (the next --since base), and the summary
 * completed. */
static al_err export_record(struct export *ex)
{
	const struct al_export_opts *o = ex->o;
	al_err err;

	if ((err = record_export(ex->s, ex->sum->id, ex->joined.buf, ex->seq, ex->base_id, ex->contents,
	                         ex->all, ex->nall, ex->d)))
		return err;
	snprintf(ex->sum->key_id, sizeof(ex->sum->key_id), "%s", o->signer->key_id ? o->signer->key_id : "");
	ex->sum->bundles = al_buf_detach(&ex->joined, NULL);
	return AL_OK;
}

/* The steps of docs/reference/media.md, "Export, in order", one function each. On failure the
 * output directory's media files are removed again. */
al_err al_media_export(struct al_store *s, const struct al_export_opts *o,
                       struct al_media_summary *sum, struct al_diag *d)
{
	struct export ex = { .s = s, .sum = sum, .d = d, .joined = AL_BUF_INIT };
	struct al_signer key_signer = { 0 };
	char key_id[AL_KEYID_LEN];
	struct al_export_opts oo = *o;
	char *text = NULL;
	al_err err;

	memset(sum, 0, sizeof(*sum));
	if (!oo.signer && oo.key) {
		if ((err = al_minisign_key_keyid(oo.key, key_id, d)))
			return err;
		key_signer.ctx = (void *)oo.key;
		key_signer.key_id = key_id;
		key_signer.sign = al_minisign_signer_sign;
		oo.signer = &key_signer;
	}
	o = &oo;
	ex.o = o;
	if (!o->signer || !o->signer->sign)
		return al_diag_set(d, AL_EUSAGE, "export needs a signing key");
	if (o->volume_size && o->volume_size < AL_MEDIA_MIN_VOLUME)
		return al_diag_set(d, AL_EUSAGE, "volume size must be at least 32 KiB");

	if ((err = export_collect(&ex)) ||          /* 1 */
	    (err = export_plan(&ex)) ||             /* 2 */
	    (err = export_check_space(&ex)) ||      /* 3 */
	    (err = export_identify(&ex)) ||         /* 4 */
	    (err = export_write_volumes(&ex)) ||    /* 5 */
	    (err = export_manifest(&ex, &text)) ||  /* 6 */
	    (err = export_sign(&ex, text)) ||       /* 7 */
	    (err = export_record(&ex)))             /* 8 */
		goto out;
out:
	if (err && ex.made_dir) {
		size_t i;
		for (i = 0; i < ex.nsboms; i++) {
			char path[4200];
			snprintf(path, sizeof(path), "%s/" AL_MEDIA_SBOM_FMT, o->out_dir,
			         json_string_value(json_array_get(ex.jbundles, i)));
			unlink(path);
		}
		remove_outputs(o->out_dir, ex.nvol);
	}
	free(text);
	json_decref(ex.contents);
	json_decref(ex.jbundles);
	al_strv_free(ex.all, ex.nall);
	al_strv_free(ex.base_objs, ex.nbase);
	al_free(ex.base_id);
	al_free(ex.objs);
	al_free(ex.plan);
	al_free(ex.vols);
	al_buf_release(&ex.joined);
	return err;
}
