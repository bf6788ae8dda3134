/*
 * import.c: verify and import signed media (the isolated side). The order of
 * checks, and why the store changes only at the very end, is described at
 * the top of lib/media/media.c and in docs/reference/media.md.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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
#include "media/trust.h"
#include "mirror/publish.h"
#include "spec/lock.h"
#include "spec/lockjson.h"
#include "store/bundle.h"
#include "store/db.h"
#include "store/store-internal.h"

#define IO_CHUNK ((size_t)256 << 10)
#define SIG_MAX ((size_t)64 << 10)

struct part {
	unsigned index;
	char hex[AL_SHA256_HEX];
	uint64_t size;
	unsigned volume;
	bool seen;
};

struct mobject {
	char hex[AL_SHA256_HEX];
	uint64_t size;
	unsigned volume;     /* whole objects */
	struct part *parts;  /* split objects */
	unsigned nparts;
	bool seen;           /* whole: its entry was read */
	bool present;        /* the store already has it */
	struct al_blob_writer *asmw; /* split: the object being joined as parts arrive */
	unsigned next_part;
};

/* An SBOM the medium carries beside its manifest ("sboms"). */
struct msbom {
	const char *bundle;  /* in root */
	const char *name;    /* sbom-<bundle>.cdx.json */
	char hex[AL_SHA256_HEX];
	uint64_t size;
	struct al_buf bytes; /* read and checked at step 8 */
};

struct mvolume {
	char name[16];
	uint64_t size;
	char hex[AL_SHA256_HEX];
	char *path;          /* where it was found */
};

struct import {
	struct al_store *s;
	const struct al_import_opts *o;
	struct al_diag *d;
	json_t *root;
	const char *id;
	int64_t seq;
	const char *base;
	char key_id[17];
	struct al_lock **locks;
	size_t nlocks;
	struct mobject *objs;   /* sorted by hex */
	size_t nobjs;
	struct mvolume *vols;
	size_t nvols;
	struct msbom *sboms;
	size_t nsboms;
	char *stage;            /* STORE/tmp/import-<id> */
	char *buf;
	struct vol_reader *vr; /* the volume being read */
};

static int cmp_obj(const void *a, const void *b)
{
	return strcmp(((const struct mobject *)a)->hex, ((const struct mobject *)b)->hex);
}

static struct mobject *find_obj(struct import *im, const char *hex)
{
	struct mobject key;

	if (!al_is_hex(hex, 64))
		return NULL;
	memcpy(key.hex, hex, AL_SHA256_HEX);
	return bsearch(&key, im->objs, im->nobjs, sizeof(key), cmp_obj);
}

/* ---- the ledger ------------------------------------------------------------------- */

/* One ledger line. Its text fields may quote media (a file name, a bundle,
 * a reason built from either): control characters are escaped, so a line
 * read back never holds a raw escape sequence, carriage return or newline. */
static void ledger(struct import *im, bool accepted, const char *reason)
{
	sqlite3 *db = al_store_db(im->s);
	sqlite3_stmt *st = NULL;
	struct al_buf bundles = AL_BUF_INIT, why = AL_BUF_INIT, id = AL_BUF_INIT;
	size_t i;

	if (im->o->verify_only)
		return;
	for (i = 0; i < im->nlocks; i++)
		if ((i && al_buf_addch(&bundles, ',')) ||
		    al_buf_add_safe(&bundles, im->locks[i]->bundle, strlen(im->locks[i]->bundle), 0))
			goto out;
	if (al_buf_add_safe(&why, reason, strlen(reason), 0) ||
	    (im->id && al_buf_add_safe(&id, im->id, strlen(im->id), 0)))
		goto out;
	if (al_db_prepare(db, &st, "INSERT INTO ledger (at, media_id, bundle, seq, key_id, accepted, "
	                           "reason) VALUES (?, ?, ?, ?, ?, ?, ?)", NULL) == AL_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
		if (im->id)
			sqlite3_bind_text(st, 2, id.buf, -1, SQLITE_STATIC);
		if (bundles.len)
			sqlite3_bind_text(st, 3, bundles.buf, -1, SQLITE_STATIC);
		if (im->seq)
			sqlite3_bind_int64(st, 4, im->seq);
		if (im->key_id[0])
			sqlite3_bind_text(st, 5, im->key_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, accepted);
		sqlite3_bind_text(st, 7, why.buf, -1, SQLITE_STATIC);
		/* the ledger line is best effort: the refusal stands either way */
		al_ignore(al_db_run(db, st, NULL));
	}
out:
	sqlite3_finalize(st);
	al_buf_release(&bundles);
	al_buf_release(&why);
	al_buf_release(&id);
}

al_err al_ledger_list(struct al_store *s, void (*cb)(void *ctx, const struct al_ledger_entry *e),
                      void *ctx, struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	bool row;
	al_err err;

	if ((err = al_db_prepare(db, &st, "SELECT at, media_id, bundle, seq, key_id, accepted, reason "
	                                  "FROM ledger ORDER BY id", d)))
		return err;
	while (!(err = al_db_step(db, st, &row, d)) && row) {
		struct al_ledger_entry e = {
			.at = sqlite3_column_int64(st, 0),
			.media_id = (const char *)sqlite3_column_text(st, 1),
			.bundle = (const char *)sqlite3_column_text(st, 2),
			.seq = sqlite3_column_int64(st, 3),
			.key_id = (const char *)sqlite3_column_text(st, 4),
			.accepted = sqlite3_column_int(st, 5) != 0,
			.reason = (const char *)sqlite3_column_text(st, 6),
		};
		cb(ctx, &e);
	}
	sqlite3_finalize(st);
	return err;
}

/* ---- reading the manifest ---------------------------------------------------------- */

static al_err refuse(struct import *im, al_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static al_err refuse(struct import *im, al_err code, const char *fmt, ...)
{
	char msg[AL_DIAG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return al_diag_set(im->d, code, "%s", msg);
}

static bool valid_volume_name(const char *s, unsigned want)
{
	char expect[16];

	snprintf(expect, sizeof(expect), "vol-%04u.tar", want);
	return !strcmp(s, expect);
}

/* *sum += v, false when the sum would pass INT64_MAX: sizes from media are
 * never trusted to add up without wrapping (100000 parts of INT64_MAX). */
static bool add_size(uint64_t *sum, uint64_t v)
{
	return !__builtin_add_overflow(*sum, v, sum) && *sum <= INT64_MAX;
}

/* The manifest's format, id, seq and base. */
static al_err parse_header(struct import *im)
{
	json_t *r = im->root, *v, *base;

	if (!json_is_object(r) ||
	    !json_is_string(v = json_object_get(r, "format")) ||
	    strcmp(json_string_value(v), AL_MEDIA_FORMAT))
		return refuse(im, AL_EUNSUPPORTED, "not %s media (format)", AL_MEDIA_FORMAT);
	v = json_object_get(r, "id");
	if (!json_is_string(v) || !al_is_hex(json_string_value(v), 32))
		return refuse(im, AL_EINVALID, "manifest: bad media id");
	im->id = json_string_value(v);
	v = json_object_get(r, "seq");
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return refuse(im, AL_EINVALID, "manifest: bad seq");
	im->seq = json_integer_value(v);
	base = json_object_get(r, "base");
	if (base && !json_is_null(base)) {
		v = json_object_get(base, "id");
		if (!json_is_string(v) || !al_is_hex(json_string_value(v), 32))
			return refuse(im, AL_EINVALID, "manifest: bad base id");
		im->base = json_string_value(v);
	}
	return AL_OK;
}

/* contents: one lock per bundle, each checked as hostile input, no bundle twice. */
static al_err parse_contents(struct import *im)
{
	json_t *contents = json_object_get(im->root, "contents"), *v;
	size_t i, k;

	if (!json_is_array(contents) || !json_array_size(contents) || json_array_size(contents) > 1000)
		return refuse(im, AL_EINVALID, "manifest: no contents");
	if (!(im->locks = al_calloc(json_array_size(contents), sizeof(*im->locks))))
		return al_oom(im->d);
	json_array_foreach(contents, i, v) {
		if (al_lock_from_json(v, &im->locks[i], im->d))
			return al_diag_prefix(im->d, "manifest: ");
		im->nlocks++;
		for (k = 0; k < i; k++)
			if (!strcmp(im->locks[k]->bundle, im->locks[i]->bundle))
				return refuse(im, AL_EINVALID, "manifest: bundle '%s' twice",
				              im->locks[i]->bundle);
	}
	return AL_OK;
}

/* volumes: vol-0001.tar, vol-0002.tar... in order, each with a size and a sha256. */
static al_err parse_volumes(struct import *im)
{
	json_t *vols = json_object_get(im->root, "volumes"), *v;
	size_t i;

	if (!json_is_array(vols) || !json_array_size(vols) ||
	    json_array_size(vols) > AL_MEDIA_MAX_VOLUMES)
		return refuse(im, AL_EINVALID, "manifest: bad volume list");
	if (!(im->vols = al_calloc(json_array_size(vols), sizeof(*im->vols))))
		return al_oom(im->d);
	json_array_foreach(vols, i, v) {
		struct mvolume *mv = &im->vols[i];
		json_t *n = json_object_get(v, "name"), *sz = json_object_get(v, "size"),
		       *h = json_object_get(v, "sha256");
		if (!json_is_string(n) || !valid_volume_name(json_string_value(n), (unsigned)i + 1) ||
		    !json_is_integer(sz) || json_integer_value(sz) < 0 || !json_is_string(h) ||
		    !al_is_hex(json_string_value(h), 64))
			return refuse(im, AL_EINVALID, "manifest: bad volume entry %zu", i + 1);
		snprintf(mv->name, sizeof(mv->name), "%s", json_string_value(n));
		mv->size = (uint64_t)json_integer_value(sz);
		memcpy(mv->hex, json_string_value(h), AL_SHA256_HEX);
		im->nvols++;
	}
	return AL_OK;
}

/* A split object's parts: numbered from 1, each on a declared volume, their sizes
 * adding up (without wrapping) to the object's. */
static al_err parse_parts(struct import *im, struct mobject *mo, json_t *parts)
{
	uint64_t total = 0;
	json_t *p;
	size_t k;

	if (!json_is_array(parts) || json_array_size(parts) < 2 || json_array_size(parts) > 100000)
		return refuse(im, AL_EINVALID, "manifest: object %s: no volume or parts", mo->hex);
	if (!(mo->parts = al_calloc(json_array_size(parts), sizeof(*mo->parts))))
		return al_oom(im->d);
	json_array_foreach(parts, k, p) {
		struct part *pt = &mo->parts[k];
		json_t *pi = json_object_get(p, "part"), *ph = json_object_get(p, "sha256"),
		       *ps = json_object_get(p, "size"), *pv = json_object_get(p, "volume");
		if (!json_is_integer(pi) || json_integer_value(pi) != (json_int_t)k + 1 ||
		    !json_is_string(ph) || !al_is_hex(json_string_value(ph), 64) ||
		    !json_is_integer(ps) || json_integer_value(ps) <= 0 || !json_is_integer(pv) ||
		    json_integer_value(pv) < 1 || (size_t)json_integer_value(pv) > im->nvols)
			return refuse(im, AL_EINVALID, "manifest: object %s: bad part %zu", mo->hex,
			              k + 1);
		pt->index = (unsigned)k + 1;
		memcpy(pt->hex, json_string_value(ph), AL_SHA256_HEX);
		pt->size = (uint64_t)json_integer_value(ps);
		pt->volume = (unsigned)json_integer_value(pv);
		mo->nparts++;
		if (!add_size(&total, pt->size))
			return refuse(im, AL_EINVALID, "manifest: object %s: the sizes of its "
			              "parts add up to more than %lld bytes", mo->hex,
			              (long long)INT64_MAX);
	}
	if (total != mo->size)
		return refuse(im, AL_EINVALID, "manifest: object %s: parts do not add up", mo->hex);
	return AL_OK;
}

/* objects: sorted by sha256, unique, each on one declared volume or in parts; all of
 * them together at most INT64_MAX bytes. */
static al_err parse_objects(struct import *im)
{
	json_t *objs = json_object_get(im->root, "objects"), *v;
	uint64_t all = 0;
	size_t i;
	al_err err;

	if (!json_is_array(objs) || json_array_size(objs) > AL_LOCK_MAX_ENTRIES)
		return refuse(im, AL_EINVALID, "manifest: bad object list");
	if (!(im->objs = al_calloc(json_array_size(objs) + 1, sizeof(*im->objs))))
		return al_oom(im->d);
	json_array_foreach(objs, i, v) {
		struct mobject *mo = &im->objs[i];
		json_t *h = json_object_get(v, "sha256"), *sz = json_object_get(v, "size"),
		       *vol = json_object_get(v, "volume"), *parts = json_object_get(v, "parts");
		if (!json_is_string(h) || !al_is_hex(json_string_value(h), 64) || !json_is_integer(sz) ||
		    json_integer_value(sz) < 0)
			return refuse(im, AL_EINVALID, "manifest: bad object entry %zu", i);
		memcpy(mo->hex, json_string_value(h), AL_SHA256_HEX);
		mo->size = (uint64_t)json_integer_value(sz);
		im->nobjs++;
		if (i && strcmp(im->objs[i - 1].hex, mo->hex) >= 0)
			return refuse(im, AL_EINVALID, "manifest: objects not sorted or repeated");
		if (json_is_integer(vol) && !parts) {
			if (json_integer_value(vol) < 1 || (size_t)json_integer_value(vol) > im->nvols)
				return refuse(im, AL_EINVALID, "manifest: object %s: bad volume", mo->hex);
			mo->volume = (unsigned)json_integer_value(vol);
			continue;
		}
		if ((err = parse_parts(im, mo, parts)))
			return err;
	}
	for (i = 0; i < im->nobjs; i++)
		if (!add_size(&all, im->objs[i].size))
			return refuse(im, AL_EINVALID, "manifest: the sizes of the objects add up to "
			              "more than %lld bytes", (long long)INT64_MAX);
	return AL_OK;
}

/* sboms (optional: media written before airlock made SBOMs have none): one
 * per bundle at most, named sbom-<bundle>.cdx.json, with a size and a sha256. */
static al_err parse_sboms(struct import *im)
{
	json_t *arr = json_object_get(im->root, "sboms"), *v;
	char want[128];
	size_t i, k;

	if (!arr)
		return AL_OK;
	if (!json_is_array(arr) || json_array_size(arr) > im->nlocks)
		return refuse(im, AL_EINVALID, "manifest: bad sboms list");
	if (json_array_size(arr) && !(im->sboms = al_calloc(json_array_size(arr), sizeof(*im->sboms))))
		return al_oom(im->d);
	json_array_foreach(arr, i, v) {
		struct msbom *sb = &im->sboms[i];
		json_t *b = json_object_get(v, "bundle"), *n = json_object_get(v, "name"),
		       *h = json_object_get(v, "sha256"), *sz = json_object_get(v, "size");
		if (!json_is_string(b) || !json_is_string(n) || !json_is_string(h) ||
		    !al_is_hex(json_string_value(h), 64) || !json_is_integer(sz) ||
		    json_integer_value(sz) <= 0 || (uint64_t)json_integer_value(sz) > AL_MEDIA_SBOM_MAX)
			return refuse(im, AL_EINVALID, "manifest: bad sboms entry %zu", i);
		sb->bundle = json_string_value(b);
		sb->name = json_string_value(n);
		memcpy(sb->hex, json_string_value(h), AL_SHA256_HEX);
		sb->size = (uint64_t)json_integer_value(sz);
		al_buf_init(&sb->bytes);
		im->nsboms++;
		for (k = 0; k < im->nlocks && strcmp(im->locks[k]->bundle, sb->bundle); k++)
			;
		snprintf(want, sizeof(want), AL_MEDIA_SBOM_FMT, sb->bundle);
		if (k == im->nlocks || strcmp(sb->name, want))
			return refuse(im, AL_EINVALID, "manifest: sboms entry %zu names no bundle of the "
			              "medium, or not as %s", i, AL_MEDIA_SBOM_FMT);
		for (k = 0; k < i; k++)
			if (!strcmp(im->sboms[k].bundle, sb->bundle))
				return refuse(im, AL_EINVALID, "manifest: two SBOMs for bundle '%s'",
				              sb->bundle);
	}
	return AL_OK;
}

/* Parse the (already signature-checked) manifest into objects and volumes,
 * checking every field; hostile values are refused, not trusted. */
static al_err parse_manifest(struct import *im)
{
	al_err err;

	if ((err = parse_header(im)) || (err = parse_contents(im)) || (err = parse_volumes(im)) ||
	    (err = parse_objects(im)) || (err = parse_sboms(im)))
		return err;
	return AL_OK;
}

/* The bundles list must match the contents, and the trusted comment must say
 * exactly what the manifest says (tc NULL: only the first). */
static al_err check_comment(struct import *im, const char *tc)
{
	struct al_buf want = AL_BUF_INIT;
	json_t *c = json_object_get(im->root, "contents");
	json_t *b = json_object_get(im->root, "bundles"), *v;
	size_t i;
	al_err err = AL_OK;

	if (!json_is_array(b) || json_array_size(b) != im->nlocks) {
		err = refuse(im, AL_EVERIFY, "manifest: bundles list does not match its contents");
		goto out;
	}
	if (al_buf_addf(&want, "airlock-media id=%s seq=%lld bundles=", im->id, (long long)im->seq))
		goto oom;
	json_array_foreach(b, i, v) {
		if (!json_is_string(v) || strcmp(json_string_value(v), im->locks[i]->bundle)) {
			err = refuse(im, AL_EVERIFY, "manifest: bundles list does not match its contents");
			goto out;
		}
		if (al_buf_addf(&want, "%s%s", i ? "," : "", json_string_value(v)))
			goto oom;
	}
	if (al_buf_addstr(&want, " manifest="))
		goto oom;
	json_array_foreach(c, i, v) {
		const char *m = json_string_value(json_object_get(v, "manifest_sha256"));
		if (al_buf_addf(&want, "%s%s", i ? "," : "", m ? m : "-"))
			goto oom;
	}
	if (tc && strcmp(want.buf, tc))
		err = refuse(im, AL_EVERIFY, "the signed trusted comment does not match the manifest");
	goto out;
oom:
	err = al_oom(im->d);
out:
	al_buf_release(&want);
	return err;
}

/* The manifest's bytes into im: JSON, then every field checked. */
static al_err load_manifest(struct import *im, const char *text, size_t len)
{
	json_error_t jerr;
	bool oom;

	if (len > AL_MEDIA_MANIFEST_MAX)
		return refuse(im, AL_EVERIFY, "manifest: larger than %zu bytes", AL_MEDIA_MANIFEST_MAX);
	if (!(im->root = al_json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr, &oom)) && oom)
		return al_oom(im->d);
	if (!im->root)
		return refuse(im, AL_EVERIFY, "manifest: bad JSON: line %d column %d: %s", jerr.line,
		              jerr.column, jerr.text);
	return parse_manifest(im);
}

static void import_release(struct import *im)
{
	size_t i;

	for (i = 0; i < im->nlocks; i++)
		al_lock_free(im->locks[i]);
	al_free(im->locks);
	for (i = 0; i < im->nobjs; i++) {
		al_blob_writer_abort(im->objs[i].asmw);
		al_free(im->objs[i].parts);
	}
	al_free(im->objs);
	for (i = 0; i < im->nvols; i++)
		al_free(im->vols[i].path);
	al_free(im->vols);
	for (i = 0; i < im->nsboms; i++)
		al_buf_release(&im->sboms[i].bytes);
	al_free(im->sboms);
	al_free(im->stage);
	al_free(im->buf);
	json_decref(im->root);
	memset(im, 0, sizeof(*im));
}

al_err al_media_manifest_check(const char *buf, size_t len, struct al_diag *d)
{
	struct import im = { .d = d };
	al_err err;

	if (!(err = load_manifest(&im, buf, len)))
		err = check_comment(&im, NULL);
	import_release(&im);
	return err;
}

static int cmp_lock_bundle(const void *a, const void *b)
{
	return strcmp((*(struct al_lock *const *)a)->bundle, (*(struct al_lock *const *)b)->bundle);
}

/* The store's bundles but the ones the media replaces, and the incoming ones,
 * published together in publish's order (by name), give every path of the
 * tree one owner: the rule is publish's own (al_publish_plan_check), so a
 * bundle whose names collide, within itself or with what the store holds,
 * never reaches the store. */
static al_err check_published(struct import *im)
{
	struct al_lock **all = NULL;
	char **names = NULL;
	size_t nnames = 0, n = 0, i, k;
	al_err err;

	if ((err = al_bundle_names(im->s, &names, &nnames, im->d)))
		return err;
	if (!(all = al_calloc(nnames + im->nlocks + 1, sizeof(*all)))) {
		err = al_oom(im->d);
		goto out;
	}
	for (i = 0; i < nnames; i++) {
		for (k = 0; k < im->nlocks && strcmp(names[i], im->locks[k]->bundle); k++)
			;
		if (k < im->nlocks)
			continue; /* replaced */
		if ((err = al_bundle_get(im->s, names[i], &all[n], im->d)))
			goto out;
		n++;
	}
	for (k = 0; k < im->nlocks; k++)
		all[n++] = im->locks[k];
	qsort(all, n, sizeof(*all), cmp_lock_bundle);
	if ((err = al_publish_plan_check(all, n, im->d)) == AL_ECONFLICT)
		al_diag_prefix(im->d, "the published tree: ");
out:
	/* only the store's locks are ours to free: they are not im->locks */
	for (i = 0; all && i < nnames + im->nlocks; i++) {
		for (k = 0; all[i] && k < im->nlocks && all[i] != im->locks[k]; k++)
			;
		if (all[i] && k == im->nlocks)
			al_lock_free(all[i]);
	}
	al_free(all);
	al_strv_free(names, nnames);
	return err;
}

/* Every object the contents need is on the media or already in the store. */
static al_err check_complete(struct import *im)
{
	size_t i, k;
	al_err err = AL_OK;

	for (i = 0; i < im->nobjs; i++)
		im->objs[i].present = al_store_has(im->s, im->objs[i].hex);
	for (i = 0; i < im->nlocks && !err; i++) {
		char **need = NULL;
		size_t n = 0;
		if ((err = al_lock_objects(im->locks[i], &need, &n, im->d)))
			break;
		for (k = 0; k < n; k++)
			if (!find_obj(im, need[k]) && !al_store_has(im->s, need[k])) {
				err = refuse(im, AL_EREFUSED,
				             im->base ? "object %s is neither on the media nor in the store: "
				                        "import the base media first"
				                      : "object %s is neither on the media nor in the store",
				             need[k]);
				break;
			}
		al_strv_free(need, n);
	}
	return err;
}

/* Only the manifest, its signature and the declared volumes may sit in the
 * manifest's directory, each a regular file (not a link, a FIFO or a device):
 * anything else means the media is not what was signed. The directory itself
 * may be a symbolic link (a mount point often is). */
static al_err check_directory(struct import *im)
{
	const char *dir = im->o->dirs[0];
	struct dirent *e;
	struct stat st;
	DIR *dh = opendir(dir);
	al_err err = AL_OK;
	size_t i;

	if (!dh)
		return al_diag_set(im->d, AL_EIO, "cannot read '%s': %s", dir, strerror(errno));
	while (!err && (e = readdir(dh))) {
		bool dot = !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."),
		     known = !strcmp(e->d_name, AL_MEDIA_MANIFEST) || !strcmp(e->d_name, AL_MEDIA_SIGNATURE);
		for (i = 0; !known && i < im->nvols; i++)
			known = !strcmp(e->d_name, im->vols[i].name);
		for (i = 0; !known && i < im->nsboms; i++)
			known = !strcmp(e->d_name, im->sboms[i].name);
		if (!known && !dot)
			err = refuse(im, AL_EREFUSED, "'%s/%s' is not part of the signed media", dir,
			             e->d_name);
		else if (known && fstatat(dirfd(dh), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			err = al_diag_set(im->d, AL_EIO, "cannot stat '%s/%s': %s", dir, e->d_name,
			                  strerror(errno));
		else if (known && !S_ISREG(st.st_mode))
			err = refuse(im, AL_EREFUSED, "'%s/%s' is not a regular file", dir, e->d_name);
	}
	closedir(dh);
	return err;
}

/* Open a volume as a regular file (al_open_regular: no link, FIFO or device,
 * never blocking) of its declared size. */
static al_err open_volume(struct import *im, const char *path, const struct mvolume *mv, int *fd)
{
	struct stat st;
	al_err err;

	if ((err = al_open_regular(path, 0, fd, &st, im->d)))
		return err;
	if ((uint64_t)st.st_size != mv->size) {
		close(*fd);
		*fd = -1;
		return refuse(im, AL_EVERIFY, "%s: %llu bytes, the manifest says %llu", mv->name,
		              (unsigned long long)st.st_size, (unsigned long long)mv->size);
	}
	return AL_OK;
}

static al_err locate_volumes(struct import *im)
{
	size_t i, k;
	al_err err;
	int fd;

	for (i = 0; i < im->nvols; i++) {
		for (k = 0; k < im->o->ndirs && !im->vols[i].path; k++) {
			char *p = al_path_join(im->o->dirs[k], im->vols[i].name);
			if (!p)
				return al_oom(im->d);
			err = open_volume(im, p, &im->vols[i], &fd);
			if (!err) {
				close(fd);
				im->vols[i].path = p;
				continue;
			}
			al_free(p);
			if (err != AL_ENOTFOUND)
				return err;
		}
		if (!im->vols[i].path)
			return refuse(im, AL_ENOTFOUND, "volume %s not found in the media directories",
			              im->vols[i].name);
	}
	return AL_OK;
}

/* ---- streaming the volumes ---------------------------------------------------------- */

/*
 * The volume reader hashes the whole volume in a second thread while the
 * main thread parses tar entries and hands each object's bytes, where they
 * lie in the volume's buffers (libarchive's data blocks point into them;
 * no copy), to its blob writer, whose pipeline (core/hashpipe.c) hashes the
 * object in a third thread and writes it in a fourth: each byte is read
 * once, and the two SHA-256 passes and the write run side by side over the
 * same memory, on both cores. Buffers are a ring; one is refilled only
 * after the volume's hashing thread and the object's pipeline (its ticket)
 * are done with it, and libarchive only reads the newest. A full ring is
 * waited on until half of it is free, so that the threads wake once per
 * half ring, not once per buffer.
 */
#define VR_SLOTS 16
#define VR_PAGE ((uintptr_t)4096)

struct vol_reader {
	int fd;
	struct al_hash hash;
	uint64_t bytes;
	void *block; /* the allocation; the buffers are page-aligned in it */
	char *bufs[VR_SLOTS];
	size_t lens[VR_SLOTS];
	/* the blob writer borrowing buffers, and for each buffer the ticket
	 * it must reach before the buffer is refilled (0: not borrowed) */
	struct al_blob_writer *w;
	uint64_t tickets[VR_SLOTS], last_ticket;
	unsigned long submitted, hashed; /* under mu */
	bool reader_waits, hasher_waits; /* under mu */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started, stop;
	int err;
};

static void *vr_hasher(void *arg)
{
	struct vol_reader *r = arg;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (r->hashed == r->submitted && !r->stop) {
			r->hasher_waits = true;
			pthread_cond_wait(&r->cv, &r->mu);
			r->hasher_waits = false;
		}
		if (r->hashed == r->submitted)
			break;
		unsigned slot = (unsigned)(r->hashed % VR_SLOTS);
		pthread_mutex_unlock(&r->mu);
		al_hash_update(&r->hash, r->bufs[slot], r->lens[slot]);
		pthread_mutex_lock(&r->mu);
		r->hashed++;
		if (r->reader_waits && r->submitted - r->hashed <= VR_SLOTS / 2)
			pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static al_err vr_start(struct vol_reader *r, struct al_diag *d)
{
	uintptr_t at;
	unsigned i;

	/* page-aligned, so that an object's data (at 512-byte boundaries in
	 * the tar stream) can go to the disk directly (core/hashpipe.c) */
	if (!(r->block = al_malloc(VR_SLOTS * IO_CHUNK + VR_PAGE)))
		return al_oom(d);
	at = ((uintptr_t)r->block + VR_PAGE - 1) & ~(uintptr_t)(VR_PAGE - 1);
	for (i = 0; i < VR_SLOTS; i++)
		r->bufs[i] = (char *)at + i * IO_CHUNK;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, vr_hasher, r) != 0) {
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		return al_diag_set(d, AL_ENOMEM, "cannot start a thread");
	}
	r->started = true;
	return AL_OK;
}

/* Read the next chunk into a free slot and hand it to the hasher. */
static ssize_t vr_next(struct vol_reader *r, const void **out)
{
	unsigned slot = (unsigned)(r->submitted % VR_SLOTS);
	ssize_t n;

	pthread_mutex_lock(&r->mu);
	if (r->submitted - r->hashed >= VR_SLOTS - 1) {
		r->reader_waits = true;
		while (r->submitted - r->hashed > VR_SLOTS / 2)
			pthread_cond_wait(&r->cv, &r->mu);
		r->reader_waits = false;
	}
	pthread_mutex_unlock(&r->mu);
	if (r->tickets[slot]) { /* an object's pipeline may still read it */
		al_blob_writer_wait(r->w, r->tickets[slot]);
		r->tickets[slot] = 0;
	}
	do
		n = read(r->fd, r->bufs[slot], IO_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	r->lens[slot] = (size_t)n;
	r->bytes += (uint64_t)n;
	pthread_mutex_lock(&r->mu);
	r->submitted++;
	if (r->hasher_waits)
		pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	*out = r->bufs[slot];
	return n;
}

/* The buffer n bytes at p lie in, or -1 (libarchive's own buffer, which
 * it may change at its next read). */
static int vr_slot_of(const struct vol_reader *r, const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;
	unsigned i;

	for (i = 0; i < VR_SLOTS; i++) {
		uintptr_t b = (uintptr_t)r->bufs[i];
		if (b && a >= b && a - b <= IO_CHUNK && n <= IO_CHUNK - (a - b))
			return (int)i;
	}
	return -1;
}

/* Wait until the borrowing writer is done with every buffer it borrowed
 * (before it is committed, aborted or lent other buffers). */
static void vr_release(struct vol_reader *r)
{
	if (r->w)
		al_blob_writer_wait(r->w, r->last_ticket);
	memset(r->tickets, 0, sizeof(r->tickets));
	r->last_ticket = 0;
	r->w = NULL;
}

/* Stop the hasher (after it has hashed everything submitted). */
static void vr_stop(struct vol_reader *r)
{
	unsigned i;

	if (r->started) {
		pthread_mutex_lock(&r->mu);
		r->stop = true;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
		r->started = false;
	}
	al_free(r->block);
	r->block = NULL;
	for (i = 0; i < VR_SLOTS; i++)
		r->bufs[i] = NULL;
}

static la_ssize_t vr_read(struct archive *a, void *ctx, const void **out)
{
	struct vol_reader *r = ctx;
	ssize_t n = vr_next(r, out);

	if (n < 0) {
		archive_set_error(a, errno, "read error");
		return -1;
	}
	return n;
}

/* Classify a tar entry name: the object and the part (0 = whole). */
static struct mobject *entry_object(struct import *im, const char *name, unsigned *part)
{
	static const char prefix[] = "objects/sha256/";
	char hex[AL_SHA256_HEX];
	const char *p;

	*part = 0;
	if (strncmp(name, prefix, sizeof(prefix) - 1))
		return NULL;
	p = name + sizeof(prefix) - 1;
	if (strlen(p) < 64)
		return NULL;
	memcpy(hex, p, 64);
	hex[64] = '\0';
	p += 64;
	if (*p) {
		unsigned n = 0;
		int k;
		/* exactly four digits, as export writes them (not " 001", "+001") */
		if (strncmp(p, ".part-", 6) || strlen(p + 6) != 4)
			return NULL;
		for (k = 0; k < 4; k++) {
			if (p[6 + k] < '0' || p[6 + k] > '9')
				return NULL;
			n = n * 10 + (unsigned)(p[6 + k] - '0');
		}
		if (n == 0)
			return NULL;
		*part = n;
	}
	return find_obj(im, hex);
}

/* Discard an entry's data (still read, so the volume hash sees it). */
static al_err drain(struct import *im, struct archive *a, const char *vol)
{
	if (archive_read_data_skip(a) != ARCHIVE_OK)
		return refuse(im, AL_EVERIFY, "%s: %s", vol, archive_error_string(a));
	return AL_OK;
}

/* Hand a data block to a blob writer: lent where it lies in a volume
 * buffer, copied where it lies in libarchive's own. */
static al_err lend(struct import *im, struct al_blob_writer *w, const void *blk, size_t n)
{
	struct vol_reader *r = im->vr;
	int slot = r ? vr_slot_of(r, blk, n) : -1;
	uint64_t ticket;
	al_err err;

	if (slot < 0)
		return al_blob_writer_write(w, blk, n, im->d);
	if ((err = al_blob_writer_write_ref(w, blk, n, &ticket, im->d)) || !ticket)
		return err;
	r->w = w;
	r->tickets[slot] = ticket;
	r->last_ticket = ticket;
	return AL_OK;
}

/* Feed an entry's data to a hash and/or a blob writer, straight from
 * libarchive's buffer (no copy). The blocks of a plain file are contiguous:
 * a hole (a sparse entry) is refused, and so is more than size bytes. */
static al_err entry_blocks(struct import *im, struct archive *a, const char *vol, const char *name,
                           uint64_t size, struct al_hash *h, struct al_blob_writer *w,
                           uint64_t *total)
{
	al_err err;

	*total = 0;
	for (;;) {
		const void *blk;
		size_t n;
		la_int64_t off;
		int rc = archive_read_data_block(a, &blk, &n, &off);
		if (rc == ARCHIVE_EOF)
			return AL_OK;
		if (rc != ARCHIVE_OK)
			return refuse(im, AL_EVERIFY, "%s: %s: %s", vol, name, archive_error_string(a));
		if (off < 0 || (uint64_t)off != *total)
			return refuse(im, AL_EVERIFY, "%s: %s: data out of order (a sparse entry?)", vol,
			              name);
		*total += (uint64_t)n;
		if (*total > size)
			return refuse(im, AL_EVERIFY, "%s: %s: longer than declared", vol, name);
		if (h)
			al_hash_update(h, blk, n);
		if (w && (err = lend(im, w, blk, n)))
			return err;
	}
}

/* entry_blocks, then the writer is done with the volume's buffers (it may
 * be committed or aborted, and they refilled, after). */
static al_err entry_data(struct import *im, struct archive *a, const char *vol, const char *name,
                         uint64_t size, struct al_hash *h, struct al_blob_writer *w,
                         uint64_t *total)
{
	al_err err = entry_blocks(im, a, vol, name, size, h, w, total);

	if (im->vr)
		vr_release(im->vr);
	return err;
}

/* Copy an entry's data into a verifying sink: a staged blob writer, or (for
 * verify) just a hash. */
static al_err take(struct import *im, struct archive *a, const char *vol, const char *name,
                   const char *hex, uint64_t size)
{
	struct al_blob_writer *w = NULL;
	struct al_hash h;
	char got[AL_SHA256_HEX];
	uint64_t total = 0;
	al_err err = AL_OK;
	struct al_diag d2 = AL_DIAG_INIT;

	if (im->o->verify_only) {
		if ((err = al_hash_init(&h, AL_HASH_SHA256, im->d)))
			return err;
	} else if ((err = al_blob_writer_new_staged(im->s, &w, im->stage, hex, (int64_t)size, im->d))) {
		return err;
	}
	if ((err = entry_data(im, a, vol, name, size, im->o->verify_only ? &h : NULL, w, &total)))
		goto fail;
	if (im->o->verify_only) {
		al_hash_final_hex(&h, got);
		if (total != size || strcmp(got, hex))
			return refuse(im, AL_EVERIFY, "%s: %s: %s mismatch", vol, name,
			              total != size ? "size" : "sha256");
		return AL_OK;
	}
	if ((err = al_blob_writer_commit(w, NULL, &d2))) {
		if (err == AL_EVERIFY)
			return refuse(im, AL_EVERIFY, "%s: %s: %s", vol, name, d2.msg);
		*im->d = d2;
		return err;
	}
	return AL_OK;
fail:
	if (im->o->verify_only)
		al_hash_release(&h);
	al_blob_writer_abort(w);
	return err;
}

static bool staged(const char *dir, const char *hex)
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/%s", dir, hex);
	return access(path, F_OK) == 0;
}

/* A part of a split object: its bytes go straight into the object, which is
 * joined as the parts arrive (in order: volumes are read in order and export
 * writes the parts in order), each part checked for its size and the whole
 * object against its hash at the last part. No byte is written twice, and
 * none is hashed a third time: the part's own sha256 in the manifest is not
 * computed here, as every byte of the part is already covered by its
 * volume's hash (checked before the volume counts as read) and by the
 * object's (checked before the object is staged); decision 0056. */
static al_err take_part(struct import *im, struct archive *a, const char *vol, const char *name,
                        struct mobject *mo, struct part *pt)
{
	struct al_diag d2 = AL_DIAG_INIT;
	uint64_t total = 0;
	al_err err;

	if (pt->index == 1) {
		al_blob_writer_abort(mo->asmw);
		mo->asmw = NULL;
		if ((err = al_blob_writer_new_staged(im->s, &mo->asmw, im->stage, mo->hex,
		                                     (int64_t)mo->size, im->d)))
			return err;
		mo->next_part = 1;
	}
	if (!mo->asmw || pt->index != mo->next_part)
		return refuse(im, AL_EVERIFY, "%s: %s: part out of order", vol, name);
	if ((err = entry_data(im, a, vol, name, pt->size, NULL, mo->asmw, &total)))
		goto abort;
	if (total != pt->size) {
		err = refuse(im, AL_EVERIFY, "%s: %s: size mismatch", vol, name);
		goto abort;
	}
	mo->next_part++;
	if (pt->index < mo->nparts)
		return AL_OK;
	err = al_blob_writer_commit(mo->asmw, NULL, &d2);
	mo->asmw = NULL;
	/* the volumes of the earlier parts passed their hashes already, so a
	 * byte that differs is in this one */
	if (err == AL_EVERIFY)
		return refuse(im, AL_EVERIFY,
		              "%s: %s: the joined object does not match (%s): the volume is damaged "
		              "or not the one signed", vol, name, d2.msg);
	if (err)
		*im->d = d2;
	return err;
abort:
	al_blob_writer_abort(mo->asmw);
	mo->asmw = NULL;
	return err;
}

/* An object an interrupted run moved from the staging directory into blobs/
 * without recording it (a crash inside import_commit): a stray until then. */
static bool moved_in(struct import *im, const char *hex)
{
	char *p = al_store_blob_path(im->s, hex);
	bool yes = p && access(p, F_OK) == 0;

	al_free(p);
	return yes;
}

/* Whether everything volume volno carries is still at hand: present, staged,
 * or moved into blobs/. A crash inside the commit followed by 'store gc'
 * removes moved objects (strays), and a .done marker must not then hide
 * that the volume has to be read again. */
static bool volume_at_hand(struct import *im, unsigned volno)
{
	size_t i, k;

	for (i = 0; i < im->nobjs; i++) {
		struct mobject *mo = &im->objs[i];
		bool whole = mo->present || staged(im->stage, mo->hex) || moved_in(im, mo->hex);
		if (!mo->parts && mo->volume == volno && !whole)
			return false;
		/* parts are joined in place: a half-joined object needs its volumes again */
		for (k = 0; k < mo->nparts && !whole; k++)
			if (mo->parts[k].volume == volno)
				return false;
	}
	return true;
}

/* One entry of a volume: a regular file, declared for this volume (once), of its declared
 * size; its bytes taken (staged, hash checked) or drained when the store or the staging
 * already has them. */
static al_err volume_entry(struct import *im, struct archive *a, struct archive_entry *ae,
                           struct mvolume *mv, unsigned volno)
{
	const char *name = archive_entry_pathname(ae);
	struct mobject *mo;
	struct part *pt;
	unsigned part;
	uint64_t size;

	if (!name)
		return refuse(im, AL_EVERIFY, "%s: an entry without a name", mv->name);
	if (archive_entry_filetype(ae) != AE_IFREG || archive_entry_hardlink(ae) ||
	    archive_entry_symlink(ae))
		return refuse(im, AL_EVERIFY, "%s: '%s' is not a regular file", mv->name, name);
	if (!(mo = entry_object(im, name, &part)))
		return refuse(im, AL_EVERIFY, "%s: undeclared entry '%s'", mv->name, name);
	if (!archive_entry_size_is_set(ae) || archive_entry_size(ae) < 0)
		return refuse(im, AL_EVERIFY, "%s: '%s' has no size", mv->name, name);
	size = (uint64_t)archive_entry_size(ae);
	if (part == 0) {
		if (mo->parts || mo->volume != volno || mo->seen)
			return refuse(im, AL_EVERIFY, "%s: '%s' is not declared in this volume (or twice)",
			              mv->name, name);
		if (size != mo->size)
			return refuse(im, AL_EVERIFY, "%s: '%s': %llu bytes, declared %llu", mv->name,
			              name, (unsigned long long)size, (unsigned long long)mo->size);
		mo->seen = true;
		if (!im->o->verify_only && (mo->present || staged(im->stage, mo->hex)))
			return drain(im, a, mv->name);
		return take(im, a, mv->name, name, mo->hex, size);
	}
	pt = part <= mo->nparts ? &mo->parts[part - 1] : NULL;
	if (!pt || pt->volume != volno || pt->seen)
		return refuse(im, AL_EVERIFY, "%s: '%s' is not declared in this volume (or twice)",
		              mv->name, name);
	if (size != pt->size)
		return refuse(im, AL_EVERIFY, "%s: '%s': %llu bytes, declared %llu", mv->name,
		              name, (unsigned long long)size, (unsigned long long)pt->size);
	pt->seen = true;
	if (im->o->verify_only)
		return take(im, a, mv->name, name, pt->hex, size);
	if (mo->present || staged(im->stage, mo->hex) || moved_in(im, mo->hex))
		return drain(im, a, mv->name);
	return take_part(im, a, mv->name, name, mo, pt);
}

/* After a volume's last entry: every object and part declared for it was in it. */
static al_err volume_complete(struct import *im, struct mvolume *mv, unsigned volno)
{
	size_t i, k;

	for (i = 0; i < im->nobjs; i++) {
		struct mobject *mo = &im->objs[i];
		if (!mo->parts && mo->volume == volno && !mo->seen)
			return refuse(im, AL_EVERIFY, "%s: object %s is missing", mv->name, mo->hex);
		for (k = 0; k < mo->nparts; k++)
			if (mo->parts[k].volume == volno && !mo->parts[k].seen)
				return refuse(im, AL_EVERIFY, "%s: part %u of %s is missing", mv->name,
				              mo->parts[k].index, mo->hex);
	}
	return AL_OK;
}

/* One volume, read once through the volume hash (a second thread): its entries, then
 * the declared ones all present, then the whole volume's sha256; a .done marker after. */
static al_err read_volume(struct import *im, struct mvolume *mv, unsigned volno)
{
	struct vol_reader r = { .fd = -1 };
	struct archive *a = NULL;
	struct archive_entry *ae;
	char got[AL_SHA256_HEX], marker[4400];
	al_err err = AL_OK;
	int rc;

	snprintf(marker, sizeof(marker), "%s/%s.done", im->stage ? im->stage : "", mv->name);
	if (!im->o->verify_only && access(marker, F_OK) == 0) {
		if (volume_at_hand(im, volno))
			return AL_OK; /* verified whole by an interrupted earlier run */
		unlink(marker);
	}
	if ((err = al_hash_init(&r.hash, AL_HASH_SHA256, im->d)))
		return err;
	if ((err = vr_start(&r, im->d)))
		goto out;
	/* again: what locate_volumes saw may have been swapped since */
	if ((err = open_volume(im, mv->path, mv, &r.fd)))
		goto out;
	posix_fadvise(r.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (!(a = archive_read_new())) {
		err = al_oom(im->d);
		goto out;
	}
	/* tar only: no compression, no other formats; no seek callback, so every
	 * byte passes through vr_read and into the volume hash. */
	archive_read_support_format_tar(a);
	if (archive_read_open(a, &r, NULL, vr_read, NULL) != ARCHIVE_OK) {
		err = refuse(im, AL_EVERIFY, "%s: not a tar volume: %s", mv->name, archive_error_string(a));
		goto out;
	}
	im->vr = &r;
	while ((rc = archive_read_next_header(a, &ae)) == ARCHIVE_OK)
		if ((err = volume_entry(im, a, ae, mv, volno)))
			goto out;
	if (rc != ARCHIVE_EOF) {
		err = refuse(im, AL_EVERIFY, "%s: damaged tar: %s", mv->name, archive_error_string(a));
		goto out;
	}
	/* the rest of the file (tar padding) counts towards the volume hash too */
	for (;;) {
		const void *p;
		if (vr_next(&r, &p) <= 0)
			break;
	}
	if ((err = volume_complete(im, mv, volno)))
		goto out;
	vr_stop(&r);
	al_hash_final_hex(&r.hash, got);
	if (r.bytes != mv->size || strcmp(got, mv->hex)) {
		err = refuse(im, AL_EVERIFY, "%s: sha256 mismatch: the volume is not the one signed",
		             mv->name);
		goto out;
	}
	if (!im->o->verify_only) {
		/* the objects this volume staged: their directory entries are
		 * synced once here, not once per object (the files themselves
		 * were fsynced each before its rename) */
		if ((err = al_fsync_dir(im->stage, im->d)))
			goto out;
		int fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
out:
	im->vr = NULL;
	if (r.fd >= 0)
		close(r.fd);
	archive_read_free(a);
	vr_stop(&r);
	al_hash_release(&r.hash);
	return err;
}

/* Join the parts of split objects into staged whole objects. */
static al_err reassemble(struct import *im)
{
	size_t i;

	for (i = 0; i < im->nobjs; i++) {
		struct mobject *mo = &im->objs[i];
		if (!mo->nparts || mo->present || staged(im->stage, mo->hex) || moved_in(im, mo->hex))
			continue;
		return refuse(im, AL_EVERIFY, "object %s: not every part arrived", mo->hex);
	}
	return AL_OK;
}

/* ---- the transaction ------------------------------------------------------------------ */

/* Step 11: one transaction: staged objects moved into blobs/ and recorded, bundles
 * replaced, the import recorded. */
/* The SBOMs into the store as blobs, before the transaction (a refusal
 * after this leaves unreferenced blobs, which gc removes). */
static al_err keep_sboms(struct import *im)
{
	struct al_blob_writer *w = NULL;
	size_t i;
	al_err err;

	for (i = 0; i < im->nsboms; i++) {
		struct msbom *sb = &im->sboms[i];
		if (al_store_has(im->s, sb->hex))
			continue;
		if ((err = al_blob_writer_new(im->s, &w, sb->hex, (int64_t)sb->size, im->d)))
			return err;
		if ((err = al_blob_writer_write(w, sb->bytes.buf, sb->bytes.len, im->d))) {
			al_blob_writer_abort(w);
			return err;
		}
		if ((err = al_blob_writer_commit(w, NULL, im->d)))
			return err;
	}
	return AL_OK;
}

/* Inside the commit, after the bundles (al_bundle_put drops "sbom:<bundle>"):
 * "sbom:<bundle>" refers to the SBOM this medium carried for it, if any. */
static al_err ref_sboms(struct import *im)
{
	struct al_buf owner = AL_BUF_INIT;
	size_t i, k;
	al_err err = AL_OK;

	for (i = 0; !err && i < im->nlocks; i++) {
		al_buf_reset(&owner);
		if (al_buf_addf(&owner, "sbom:%s", im->locks[i]->bundle)) {
			err = al_oom(im->d);
			break;
		}
		for (k = 0; k < im->nsboms; k++)
			if (!strcmp(im->sboms[k].bundle, im->locks[i]->bundle))
				err = al_store_ref_add(im->s, owner.buf, im->sboms[k].hex, im->d);
	}
	al_buf_release(&owner);
	return err;
}

static al_err import_commit(struct import *im, const char *manifest_text)
{
	sqlite3 *db = al_store_db(im->s);
	sqlite3_stmt *st = NULL;
	struct al_buf bundles = AL_BUF_INIT;
	al_err err;
	size_t i;

	if ((err = keep_sboms(im)) || (err = al_db_begin(db, im->d)))
		return err;
	for (i = 0; i < im->nobjs; i++) {
		struct mobject *mo = &im->objs[i];
		if (mo->present || al_store_has(im->s, mo->hex))
			continue;
		if ((err = al_store_adopt(im->s, im->stage, mo->hex, mo->size, im->d)))
			goto fail;
	}
	for (i = 0; i < im->nlocks; i++) {
		if ((err = al_bundle_put(im->s, im->locks[i], im->d)))
			goto fail;
		if ((err = al_buf_addf(&bundles, "%s%s", i ? "," : "", im->locks[i]->bundle))) {
			err = al_oom(im->d);
			goto fail;
		}
	}
	if ((err = ref_sboms(im)))
		goto fail;
	if ((err = al_db_prepare(db, &st, "INSERT INTO imports (media_id, bundle, seq, base, "
	                                  "manifest_sha256, key_id, imported, media) VALUES "
	                                  "(?, ?, ?, ?, ?, ?, ?, ?)", im->d)))
		goto fail;
	sqlite3_bind_text(st, 1, im->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, bundles.buf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, im->seq);
	if (im->base)
		sqlite3_bind_text(st, 4, im->base, -1, SQLITE_STATIC);
	if (im->locks[0]->manifest_sha256)
		sqlite3_bind_text(st, 5, im->locks[0]->manifest_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, im->key_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 8, manifest_text, -1, SQLITE_STATIC);
	if ((err = al_db_run(db, st, im->d)))
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	/* imports.bundle holds the comma-joined list; rollback checks use seq per bundle name.
	 * The renames into blobs/ are made durable before the rows that name them. */
	if ((err = al_store_sync_blobdirs(im->s, im->d)) || (err = al_db_commit(db, im->d)))
		goto fail;
	al_buf_release(&bundles);
	return AL_OK;
fail:
	sqlite3_finalize(st);
	al_db_rollback(db);
	al_buf_release(&bundles);
	return err;
}

/* The highest seq imported for a bundle (imports.bundle is a comma-joined list). */
static int64_t last_seq(struct import *im, const char *bundle)
{
	sqlite3 *db = al_store_db(im->s);
	sqlite3_stmt *st = NULL;
	int64_t best = 0;
	bool row;

	if (al_db_prepare(db, &st, "SELECT bundle, seq FROM imports", NULL))
		return INT64_MAX; /* fail closed */
	while (!al_db_step(db, st, &row, NULL) && row) {
		const char *list = (const char *)sqlite3_column_text(st, 0), *p = list;
		size_t n = strlen(bundle);
		while (p && *p) {
			size_t len = strcspn(p, ",");
			if (len == n && !strncmp(p, bundle, n) && sqlite3_column_int64(st, 1) > best)
				best = sqlite3_column_int64(st, 1);
			p += len;
			if (*p == ',')
				p++;
		}
	}
	sqlite3_finalize(st);
	return best;
}

/* seq is the export's unix time (docs/reference/media.md), and rollback protection
 * wants every later medium to carry a larger one: a seq far in the future,
 * INT64_MAX at worst, would block every later medium for good. So seq may
 * run ahead of this machine's clock by at most AL_MEDIA_SEQ_AHEAD_MAX, which
 * absorbs the skew of two unsynchronised clocks across the gap; a seq within
 * it blocks later media for at most that long. A clock here that lags by more
 * refuses good media, with a message that says so: setting the clock right
 * is the remedy, and nothing is lost meanwhile. */
static al_err check_seq_ahead(struct import *im)
{
	int64_t now = (int64_t)time(NULL), ahead;
	char when[32] = "?";
	struct tm tm;
	time_t t;

	if (now < 0)
		now = 0;
	ahead = im->seq - now; /* seq > 0, now >= 0: no overflow */
	if (ahead <= AL_MEDIA_SEQ_AHEAD_MAX)
		return AL_OK;
	t = (time_t)now;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return refuse(im, AL_EREFUSED, "seq %lld is %lld days ahead of this machine's clock (%s): "
	              "it would block every later medium, and seq may run at most %lld days "
	              "ahead (if this clock is wrong, set it right and import again)",
	              (long long)im->seq, (long long)(ahead / 86400 + (ahead % 86400 != 0)), when,
	              (long long)(AL_MEDIA_SEQ_AHEAD_MAX / 86400));
}

/* ---- the phases of an import (docs/reference/media.md, "Import, in order") ---------- */

/* The trusted keys of a store, plus --trust files, as one verifier. */
struct import_keys {
	struct al_mpub **keys;
	size_t nkeys;
	struct al_mkeyring ring;
	struct al_verifier verifier;
};

/* The staging directory's lock (STORE/tmp/import-<id>.lock) and its state. */
struct import_stage {
	char *lock_path;   /* NULL unless ours to remove */
	int lock_fd;
	bool locked;       /* the lock is held: a failure from here on is the media's or the disk's */
	bool made;         /* the staging directory exists */
};

/* Before step 1: the store's trusted keys and the --trust files, when the caller gave no verifier. */
static al_err import_load_keys(struct al_store *s, struct al_import_opts *oo, struct import_keys *k,
                               struct al_diag *d)
{
	al_err err;
	size_t i;

	if ((err = al_trust_load(s, &k->keys, &k->nkeys, d)))
		return err;
	for (i = 0; i < oo->ntrust; i++) {
		struct al_mpub *pk = NULL, **grown;
		if (!(grown = al_reallocarray(k->keys, k->nkeys + 1, sizeof(*k->keys))))
			return al_oom(d);
		k->keys = grown;
		if ((err = al_minisign_pub_read(&pk, oo->trust[i], d)))
			return err;
		k->keys[k->nkeys++] = pk;
	}
	if (!k->nkeys)
		return al_diag_set(d, AL_EREFUSED, "no trusted keys: add the exporter's public key "
		                   "with 'airlock trust add KEY.pub' (or pass --trust KEY.pub)");
	k->ring.keys = (const struct al_mpub *const *)k->keys;
	k->ring.n = k->nkeys;
	k->verifier.ctx = &k->ring;
	k->verifier.verify = al_minisign_verifier_verify;
	oo->verifier = &k->verifier;
	return AL_OK;
}

/* Step 1: read the manifest and its signature and verify them, before anything else is
 * interpreted; *text is the manifest, *tc the trusted comment. */
static al_err import_verify_signature(struct import *im, struct al_buf *text, char **tc,
                                      struct al_media_summary *sum)
{
	const struct al_import_opts *o = im->o;
	struct al_buf path = AL_BUF_INIT, sig = AL_BUF_INIT;
	al_err err;

	if (al_buf_addf(&path, "%s/%s", o->dirs[0], AL_MEDIA_MANIFEST)) {
		err = al_oom(im->d);
		goto out;
	}
	if ((err = al_read_regular(text, path.buf, 0, AL_MEDIA_MANIFEST_MAX, im->d)))
		goto out;
	al_buf_reset(&path);
	if (al_buf_addf(&path, "%s/%s", o->dirs[0], AL_MEDIA_SIGNATURE)) {
		err = al_oom(im->d);
		goto out;
	}
	if ((err = al_read_regular(&sig, path.buf, 0, SIG_MAX, im->d)))
		goto out;
	if ((err = o->verifier->verify(o->verifier->ctx, text->buf, text->len, sig.buf, sig.len, tc,
	                               im->key_id, im->d))) {
		if (err != AL_ENOMEM)
			err = AL_EVERIFY;
		al_diag_prefix(im->d, "signature: ");
		goto out;
	}
	snprintf(sum->key_id, sizeof(sum->key_id), "%s", im->key_id);
out:
	al_buf_release(&path);
	al_buf_release(&sig);
	return err;
}

/* Step 2: parse the manifest, now known to come from a trusted key, check the trusted
 * comment against it, and fill the summary. */
static al_err import_parse(struct import *im, const struct al_buf *text, const char *tc,
                           struct al_media_summary *sum)
{
	struct al_buf list = AL_BUF_INIT;
	al_err err;
	size_t i;

	if ((err = load_manifest(im, text->buf, text->len)) || (err = check_comment(im, tc)))
		return err;
	memcpy(sum->id, im->id, 33);
	sum->seq = im->seq;
	for (i = 0; i < im->nlocks; i++)
		if (al_buf_addf(&list, "%s%s", i ? "," : "", im->locks[i]->bundle))
			break; /* no list: bundles stays NULL */
	sum->bundles = i == im->nlocks ? al_strdup(list.buf) : NULL;
	sum->delta = im->base != NULL;
	sum->volumes = (unsigned)im->nvols;
	for (i = 0; i < im->nobjs; i++) {
		sum->objects++;
		sum->bytes += im->objs[i].size; /* at most INT64_MAX in all (parse_manifest) */
	}
	al_buf_release(&list);
	return AL_OK;
}

/* Step 3: true if this media id was imported before: a no-op, recorded in the ledger
 * (and a staging directory a crash after the commit left behind is removed). */
static bool import_already(struct import *im, struct al_media_summary *sum)
{
	struct al_buf path = AL_BUF_INIT;
	int64_t one;

	if (al_db_query_int(al_store_db(im->s), &one, NULL, "SELECT 1 FROM imports WHERE media_id = ?",
	                    im->id, (char *)NULL))
		return false;
	sum->already = true;
	if (!im->o->verify_only) {
		if (!al_buf_addf(&path, "%s/import-%s", al_store_tmpdir(im->s), im->id))
			al_remove_tree(path.buf);
		ledger(im, true, "already imported: nothing to do");
	}
	al_buf_release(&path);
	return true;
}

/* Steps 4 to 7: seq not too far ahead, no rollback, the base imported, one owner per
 * published path, every object on the media or in the store. */
static al_err import_check_policy(struct import *im)
{
	al_err err;
	int64_t one;
	size_t i;

	if ((err = check_seq_ahead(im)))
		return err;
	for (i = 0; i < im->nlocks; i++) {
		int64_t last = last_seq(im, im->locks[i]->bundle);
		if (im->seq <= last)
			return refuse(im, AL_EREFUSED, "rollback: bundle '%s' media seq %lld is not newer "
			              "than the last import (seq %lld)", im->locks[i]->bundle,
			              (long long)im->seq, (long long)last);
	}
	if (im->base && al_db_query_int(al_store_db(im->s), &one, NULL,
	                                "SELECT 1 FROM imports WHERE media_id = ?", im->base, (char *)NULL))
		return refuse(im, AL_EREFUSED, "this is a delta against media %s, which was never "
		              "imported here: import the base first", im->base);
	if ((err = check_published(im)) || (err = check_complete(im)))
		return err;
	return AL_OK;
}

/* Step 8: only the manifest, the signature and declared volumes in the media directory;
 * every volume found as a regular file of its declared size. */
/* The SBOMs: each a regular file of the signed size and sha256, beside the
 * manifest or, like volumes, in another of the directories given; read once
 * and kept for the commit. */
static al_err read_sboms(struct import *im)
{
	char hex[AL_SHA256_HEX];
	size_t i, k;
	al_err err = AL_OK;

	for (i = 0; i < im->nsboms; i++) {
		struct msbom *sb = &im->sboms[i];
		for (k = 0; k < im->o->ndirs; k++) {
			char *p = al_path_join(im->o->dirs[k], sb->name);
			if (!p)
				return al_oom(im->d);
			err = al_read_regular(&sb->bytes, p, 0, (size_t)sb->size, im->d);
			al_free(p);
			if (err != AL_ENOTFOUND)
				break;
		}
		if (err == AL_ENOTFOUND)
			return refuse(im, AL_ENOTFOUND, "%s not found in the media directories", sb->name);
		if (err == AL_ELIMIT)
			return refuse(im, AL_EVERIFY, "%s: larger than the manifest says", sb->name);
		if (err)
			return err;
		al_sha256_hex(sb->bytes.buf, sb->bytes.len, hex);
		if (sb->bytes.len != sb->size || strcmp(hex, sb->hex))
			return refuse(im, AL_EVERIFY, "%s: size or sha256 does not match the manifest",
			              sb->name);
	}
	return AL_OK;
}

static al_err import_locate_volumes(struct import *im)
{
	al_err err;

	if ((err = check_directory(im)) || (err = locate_volumes(im)) || (err = read_sboms(im)))
		return err;
	return AL_OK;
}

/* Step 9: free space for the objects the store lacks (split objects are staged twice:
 * parts and whole), plus 16 MiB of slack; a sum that would wrap needs more than any
 * disk has. */
static al_err import_check_space(struct import *im)
{
	unsigned long long free_bytes = 0, need = 0;
	bool wraps = false;
	al_err err;
	size_t i;

	for (i = 0; i < im->nobjs && !wraps; i++)
		if (!im->objs[i].present)
			wraps = __builtin_add_overflow(need, im->objs[i].size, &need) ||
			        (im->objs[i].nparts && __builtin_add_overflow(need, im->objs[i].size, &need));
	if (im->o->verify_only)
		return AL_OK;
	if ((err = al_free_space(al_store_dir(im->s), &free_bytes, im->d)))
		return err;
	if (wraps)
		return refuse(im, AL_ENOSPACE, "not enough space in the store: more than %llu "
		              "bytes needed, %llu free", ULLONG_MAX, free_bytes);
	if (free_bytes < need || free_bytes - need < (16u << 20))
		return refuse(im, AL_ENOSPACE, "not enough space in the store: %llu bytes needed, "
		              "%llu free", need, free_bytes);
	return AL_OK;
}

/* Step 10, first half: the copy buffer and, unless verifying, the staging directory
 * under a lock, so that one import of a media runs at a time. Until st->locked, a
 * failure is not the media's and takes no ledger line. */
static al_err import_open_stage(struct import *im, struct import_stage *st)
{
	struct al_buf path = AL_BUF_INIT;
	struct al_diag *d = im->d;
	al_err err = AL_OK;

	if (!(im->buf = al_malloc(IO_CHUNK)))
		return al_oom(d);
	if (im->o->verify_only)
		return AL_OK;
	if (al_buf_addf(&path, "%s/import-%s", al_store_tmpdir(im->s), im->id) ||
	    !(im->stage = al_strdup(path.buf))) {
		err = al_oom(d);
		goto out;
	}
	/* one import of a media at a time: a second one would share the staging */
	al_buf_reset(&path);
	if (al_buf_addf(&path, "%s/import-%s.lock", al_store_tmpdir(im->s), im->id) ||
	    !(st->lock_path = al_strdup(path.buf))) {
		err = al_oom(d);
		goto out;
	}
	st->lock_fd = open(st->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (st->lock_fd < 0 || flock(st->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		err = al_diag_set(d, errno == EWOULDBLOCK ? AL_EBUSY : AL_EIO,
		                  errno == EWOULDBLOCK
		                          ? "media %s is being imported by another airlock process"
		                          : "cannot lock '%s': %s",
		                  errno == EWOULDBLOCK ? im->id : st->lock_path, strerror(errno));
		if (st->lock_fd >= 0)
			close(st->lock_fd);
		st->lock_fd = -1;
		al_free(st->lock_path);
		st->lock_path = NULL; /* not ours to remove */
		goto out;
	}
	st->locked = true;
	if ((err = al_mkdir_p(im->stage, 0700, d)))
		goto out;
	st->made = true;
out:
	al_buf_release(&path);
	return err;
}

/* Step 10, second half: read each volume once, streaming its objects into the staging
 * directory with their hashes checked; reassemble split objects; count the reused. */
static al_err import_stage_volumes(struct import *im, struct al_media_summary *sum)
{
	al_err err;
	size_t i;

	for (i = 0; i < im->nvols; i++)
		if ((err = read_volume(im, &im->vols[i], (unsigned)i + 1)))
			return err;
	if (!im->o->verify_only && (err = reassemble(im)))
		return err;
	for (i = 0; i < im->nobjs; i++)
		if (im->objs[i].present)
			sum->reused++;
	return AL_OK;
}

/* The steps of docs/reference/media.md, "Import, in order", one function each. A refusal takes
 * one ledger line (not out of memory, not a usage error, not a lock another process
 * holds); the staging directory is removed unless the commit's database failed. */
al_err al_media_import(struct al_store *s, const struct al_import_opts *o,
                       struct al_media_summary *sum, struct al_diag *d)
{
	struct import im = { .s = s, .o = o, .d = d };
	struct import_keys keys = { 0 };
	struct import_stage st = { .lock_fd = -1 };
	struct al_import_opts oo = *o;
	struct al_buf text = AL_BUF_INIT;
	bool keep_stage = false;
	char *tc = NULL;
	al_err err;

	memset(sum, 0, sizeof(*sum));
	if (!oo.ndirs)
		return al_diag_set(d, AL_EUSAGE, "import needs a media directory");
	if (!oo.verifier && (err = import_load_keys(s, &oo, &keys, d)))
		goto out;
	o = &oo;
	im.o = o;

	if ((err = import_verify_signature(&im, &text, &tc, sum)) ||   /* 1 */
	    (err = import_parse(&im, &text, tc, sum)))                 /* 2 */
		goto refused;
	if (import_already(&im, sum)) {                                /* 3 */
		err = AL_OK;
		goto out;
	}
	if ((err = import_check_policy(&im)) ||                        /* 4-7 */
	    (err = import_locate_volumes(&im)) ||                      /* 8 */
	    (err = import_check_space(&im)))                           /* 9 */
		goto refused;
	if ((err = import_open_stage(&im, &st))) {                     /* 10 */
		if (!st.locked)
			goto out;
		goto refused;
	}
	if ((err = import_stage_volumes(&im, sum)))
		goto refused;
	if (o->verify_only)
		goto out;
	if ((err = import_commit(&im, text.buf))) {                    /* 11 */
		keep_stage = true; /* a database failure, not the media's: a rerun resumes */
		goto refused;
	}
	ledger(&im, true, "imported");
	goto out;
refused:
	if (err == AL_ENOMEM || err == AL_EUSAGE)
		goto out;
	ledger(&im, false, d->msg);
out:
	if (st.made && (!keep_stage || !err) && im.stage)
		al_remove_tree(im.stage);
	if (st.lock_fd >= 0) {
		unlink(st.lock_path);
		close(st.lock_fd);
	}
	al_free(st.lock_path);
	import_release(&im);
	al_free(tc);
	al_buf_release(&text);
	al_trust_keys_free(keys.keys, keys.nkeys);
	return err;
}

/* ---- a bundle for review (sbom, diff) --------------------------------------------------- */

void al_review_src_release(struct al_review_src *r)
{
	if (!r)
		return;
	al_lock_free(r->lock);
	al_free(r->created);
	al_free(r->sbom);
	memset(r, 0, sizeof(*r));
	r->seq = -1;
}

/* "YYYY-MM-DDTHH:MM:SSZ", as export writes created */
static bool valid_created(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t i;

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	return true;
}

/* One bundle (NULL: the only one) out of a media manifest's text, checked
 * as import checks it; dir (may be NULL) is where its SBOM file is. */
static al_err review_from_manifest(struct al_store *s, const char *text, size_t len, const char *what,
                                   const char *dir, const char *bundle, struct al_review_src *out,
                                   struct al_diag *d)
{
	struct import im = { .d = d };
	const char *created;
	size_t i, k;
	al_err err;

	if ((err = load_manifest(&im, text, len)) || (err = check_comment(&im, NULL))) {
		al_diag_prefix(d, "%s: ", what);
		goto out;
	}
	for (i = 0; bundle && i < im.nlocks && strcmp(im.locks[i]->bundle, bundle); i++)
		;
	if (!bundle && im.nlocks > 1) {
		err = al_diag_set(d, AL_EUSAGE, "%s holds %zu bundles: name one as %s@BUNDLE", what,
		                  im.nlocks, what);
		goto out;
	}
	if (bundle && i == im.nlocks) {
		err = al_diag_set(d, AL_ENOTFOUND, "%s holds no bundle '%s'", what, bundle);
		goto out;
	}
	if (!bundle)
		i = 0;
	out->lock = im.locks[i];
	im.locks[i] = NULL;
	out->seq = im.seq;
	created = json_string_value(json_object_get(im.root, "created"));
	if (created && valid_created(created) && !(out->created = al_strdup(created))) {
		err = al_oom(d);
		goto out;
	}
	for (k = 0; k < im.nsboms; k++) {
		struct al_buf b = AL_BUF_INIT;
		char hex[AL_SHA256_HEX], *p = NULL;
		int fd = -1;
		if (strcmp(im.sboms[k].bundle, out->lock->bundle))
			continue;
		/* the medium's file, or the copy import kept in the store */
		if (dir) {
			if (!(p = al_path_join(dir, im.sboms[k].name)))
				err = al_oom(d);
			else
				err = al_read_regular(&b, p, 0, (size_t)im.sboms[k].size, d);
			al_free(p);
		} else if (s && al_store_has(s, im.sboms[k].hex)) {
			if (!(err = al_store_open_blob(s, im.sboms[k].hex, &fd, d)))
				err = al_buf_read_fd(&b, fd, im.sboms[k].name, (size_t)im.sboms[k].size, d);
			if (fd >= 0)
				close(fd);
		} else {
			break; /* gone from the store (gc): made again from the lock */
		}
		if (!err) {
			al_sha256_hex(b.buf, b.len, hex);
			if (strcmp(hex, im.sboms[k].hex))
				err = al_diag_set(d, AL_EVERIFY, "%s: %s does not match its sha256", what,
				                  im.sboms[k].name);
		}
		if (!err)
			out->sbom = al_buf_detach(&b, &out->sbom_len);
		al_buf_release(&b);
		break;
	}
out:
	import_release(&im);
	return err;
}

/* NAME[@SEQ] out of the store: with SEQ the lock the medium of that seq
 * carried; without, the store's bundle, with the seq of the medium it was
 * imported from when its lock is that medium's. */
static al_err review_from_store(struct al_store *s, const char *what, struct al_review_src *out,
                                struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	const char *at = strrchr(what, '@');
	char *name = NULL, *end;
	long long seq = -1;
	bool row = false, same = false;
	struct al_lock *current = NULL;
	al_err err;

	if (!(name = at ? al_strndup(what, (size_t)(at - what)) : al_strdup(what)))
		return al_oom(d);
	if (at) {
		errno = 0;
		seq = strtoll(at + 1, &end, 10);
		if (!at[1] || *end || errno || seq <= 0) {
			err = al_diag_set(d, AL_EUSAGE, "'%s': expected NAME@SEQ with a sequence number", what);
			goto out;
		}
	} else if ((err = al_bundle_get(s, name, &current, d))) {
		goto out;
	}
	if ((err = al_db_prepare(db, &st, "SELECT media FROM imports WHERE instr(',' || bundle || ',', "
	                                  "',' || ? || ',') > 0 AND (? < 0 OR seq = ?) "
	                                  "ORDER BY seq DESC LIMIT 1", d)))
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int64(st, 3, seq);
	if ((err = al_db_step(db, st, &row, d)))
		goto out;
	if (!row && at) {
		err = al_diag_set(d, AL_ENOTFOUND, "no medium with seq %lld of bundle '%s' was imported "
		                  "into this store", seq, name);
		goto out;
	}
	if (row) {
		err = review_from_manifest(s, (const char *)sqlite3_column_blob(st, 0),
		                           (size_t)sqlite3_column_bytes(st, 0), what, NULL, name, out, d);
		if (err)
			goto out;
		/* the store's bundle came from a later fetch here, not from that medium */
		if (current && ((err = al_lock_same(current, out->lock, &same, d)) || !same)) {
			if (err)
				goto out;
			al_review_src_release(out);
		}
	}
	if (current && !out->lock) {
		out->lock = current;
		current = NULL;
	}
	err = AL_OK;
out:
	sqlite3_finalize(st);
	al_lock_free(current);
	al_free(name);
	return err;
}

al_err al_review_load(struct al_store *s, const char *what, unsigned kinds, struct al_review_src *out,
                      struct al_diag *d)
{
	struct al_buf text = AL_BUF_INIT, path = AL_BUF_INIT;
	const char *at;
	struct stat st;
	al_err err;

	memset(out, 0, sizeof(*out));
	out->seq = -1;
	if (!what || !*what)
		return al_diag_set(d, AL_EUSAGE, "an empty name");
	if (kinds == AL_REVIEW_LOCK)
		return al_lock_load(&out->lock, what, d);
	if ((kinds & (AL_REVIEW_LOCK | AL_REVIEW_MEDIUM)) && stat(what, &st) == 0) {
		if (S_ISDIR(st.st_mode) && (kinds & AL_REVIEW_MEDIUM)) {
			if (al_buf_addf(&path, "%s/%s", what, AL_MEDIA_MANIFEST)) {
				err = al_oom(d);
				goto out;
			}
			if ((err = al_read_regular(&text, path.buf, 0, AL_MEDIA_MANIFEST_MAX, d)))
				goto out;
			err = review_from_manifest(s, text.buf, text.len, what, what, NULL, out, d);
			goto out;
		}
		if (!S_ISDIR(st.st_mode) && (kinds & AL_REVIEW_LOCK)) {
			err = al_lock_load(&out->lock, what, d);
			goto out;
		}
	}
	/* MEDIUM@BUNDLE: one bundle of a medium that holds several */
	if ((kinds & AL_REVIEW_MEDIUM) && (at = strrchr(what, '@')) && at > what) {
		char *dir = al_strndup(what, (size_t)(at - what));
		if (!dir)
			return al_oom(d);
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (al_buf_addf(&path, "%s/%s", dir, AL_MEDIA_MANIFEST))
				err = al_oom(d);
			else if (!(err = al_read_regular(&text, path.buf, 0, AL_MEDIA_MANIFEST_MAX, d)))
				err = review_from_manifest(s, text.buf, text.len, dir, dir, at + 1, out, d);
			al_free(dir);
			goto out;
		}
		al_free(dir);
	}
	if ((kinds & AL_REVIEW_BUNDLE) && s && !strchr(what, '/')) {
		err = review_from_store(s, what, out, d);
		goto out;
	}
	err = al_diag_set(d, AL_ENOTFOUND, "'%s' is no %s", what,
	                  kinds == AL_REVIEW_BUNDLE ? "bundle in the store"
	                                            : "lock file, medium directory or bundle in the store");
out:
	if (err)
		al_review_src_release(out);
	al_buf_release(&text);
	al_buf_release(&path);
	return err;
}
