/*
 * bundle.c: bundles in the store: a lock per name, kept as canonical JSON
 * (lib/spec/lockjson.c) in the bundles table, with a reference from
 * "bundle:<name>" to every blob it needs (al_lock_objects), so gc keeps them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/mem.h"
#include "spec/lockjson.h"
#include "store/bundle.h"
#include "store/db.h"
#include "store/store-internal.h"

/* ---- objects ------------------------------------------------------------------ */

al_err al_lock_objects(const struct al_lock *l, char ***out, size_t *n, struct al_diag *d)
{
	char **v = NULL;
	size_t alloc = 0, cnt = 0, i, j, k;

#define PUSH(h)                                                             \
	do {                                                                \
		if (AL_GROW(v, alloc, cnt + 1) || !(v[cnt] = al_strdup(h))) \
			goto oom;                                           \
		cnt++;                                                      \
	} while (0)
	for (i = 0; i < l->ntargets; i++)
		for (j = 0; j < l->targets[i].ndists; j++) {
			PUSH(l->targets[i].dists[j].sha256);
			if (l->targets[i].dists[j].metadata_sha256)
				PUSH(l->targets[i].dists[j].metadata_sha256);
		}
	for (i = 0; i < l->ntargets; i++)
		for (j = 0; j < l->targets[i].nbuild_dists; j++) {
			PUSH(l->targets[i].build_dists[j].sha256);
			if (l->targets[i].build_dists[j].metadata_sha256)
				PUSH(l->targets[i].build_dists[j].metadata_sha256);
		}
	for (i = 0; i < l->nrepos; i++)
		for (j = 0; j < l->repos[i].nfiles; j++)
			if (l->repos[i].files[j].sha256)
				PUSH(l->repos[i].files[j].sha256);
	for (i = 0; i < l->nadvisories; i++)
		PUSH(l->advisories[i].sha256);
#undef PUSH
	if (cnt)
		qsort(v, cnt, sizeof(*v), al_strv_cmp);
	for (i = k = 0; i < cnt; i++) {
		if (k && !strcmp(v[k - 1], v[i])) {
			al_free(v[i]);
			continue;
		}
		v[k++] = v[i];
	}
	*out = v;
	*n = k;
	return AL_OK;
oom:
	al_strv_free(v, cnt);
	return al_oom(d);
}

/* ---- the store's bundles --------------------------------------------------------- */

al_err al_bundle_put(struct al_store *s, const struct al_lock *l, struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	struct al_buf owner = AL_BUF_INIT;
	json_t *j = NULL;
	char *text = NULL, **objs = NULL;
	size_t nobjs = 0, i;
	bool own_txn = sqlite3_get_autocommit(db);
	al_err err;

	if ((err = al_lock_to_json(l, &j, d)) || (err = al_lock_objects(l, &objs, &nobjs, d)))
		goto out;
	if (!(text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) ||
	    al_buf_addf(&owner, "bundle:%s", l->bundle)) {
		err = al_oom(d);
		goto out;
	}
	for (i = 0; i < nobjs; i++)
		if (!al_store_has(s, objs[i])) {
			err = al_diag_set(d, AL_ENOTFOUND, "bundle '%s' needs blob %s, which the store lacks",
			                  l->bundle, objs[i]);
			goto out;
		}
	if (own_txn && (err = al_db_begin(db, d)))
		goto out;
	if ((err = al_store_ref_drop_owner(s, owner.buf, d)))
		goto rollback;
	/* an SBOM kept for the bundle describes the lock it came with: a new
	 * lock drops it (import refers to the medium's again after this) */
	al_buf_reset(&owner);
	if (al_buf_addf(&owner, "sbom:%s", l->bundle)) {
		err = al_oom(d);
		goto rollback;
	}
	if ((err = al_store_ref_drop_owner(s, owner.buf, d)))
		goto rollback;
	al_buf_reset(&owner);
	if (al_buf_addf(&owner, "bundle:%s", l->bundle)) {
		err = al_oom(d);
		goto rollback;
	}
	for (i = 0; i < nobjs; i++)
		if ((err = al_store_ref_add(s, owner.buf, objs[i], d)))
			goto rollback;
	if ((err = al_db_prepare(db, &st,
	                         "INSERT INTO bundles (name, manifest_sha256, lock, updated) "
	                         "VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
	                         "manifest_sha256 = excluded.manifest_sha256, lock = excluded.lock, "
	                         /* the same lock again keeps its date (publish's epoch) */
	                         "updated = CASE WHEN bundles.lock IS excluded.lock "
	                         "THEN bundles.updated ELSE excluded.updated END", d)))
		goto rollback;
	sqlite3_bind_text(st, 1, l->bundle, -1, SQLITE_STATIC);
	if (l->manifest_sha256)
		sqlite3_bind_text(st, 2, l->manifest_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	if ((err = al_db_run(db, st, d)))
		goto rollback;
	if (own_txn && (err = al_db_commit(db, d)))
		goto rollback;
	goto out;
rollback:
	if (own_txn)
		al_db_rollback(db);
out:
	sqlite3_finalize(st);
	al_buf_release(&owner);
	json_decref(j);
	free(text);
	al_strv_free(objs, nobjs);
	return err;
}

al_err al_bundle_get(struct al_store *s, const char *name, struct al_lock **out, struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	json_error_t jerr;
	bool oom;
	json_t *j = NULL;
	bool row;
	al_err err;

	*out = NULL;
	if ((err = al_db_prepare(db, &st, "SELECT lock FROM bundles WHERE name = ?", d)))
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((err = al_db_step(db, st, &row, d)))
		goto out;
	if (!row) {
		err = al_diag_set(d, AL_ENOTFOUND, "no bundle '%s' in the store", name);
		goto out;
	}
	j = al_json_loadb((const char *)sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
	                  0, &jerr, &oom);
	if (!j && oom) {
		err = al_oom(d);
		goto out;
	}
	if (!j) {
		err = al_diag_set(d, AL_EDB, "bundle '%s': stored lock is not JSON: %s", name, jerr.text);
		goto out;
	}
	err = al_lock_from_json(j, out, d);
out:
	json_decref(j);
	sqlite3_finalize(st);
	return err;
}

al_err al_bundle_names(struct al_store *s, char ***out, size_t *n, struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	char **v = NULL;
	size_t alloc = 0, cnt = 0;
	bool row;
	al_err err;

	if ((err = al_db_prepare(db, &st, "SELECT name FROM bundles ORDER BY name", d)))
		return err;
	while (!(err = al_db_step(db, st, &row, d)) && row) {
		if (AL_GROW(v, alloc, cnt + 1) ||
		    !(v[cnt] = al_strdup((const char *)sqlite3_column_text(st, 0)))) {
			err = al_oom(d);
			break;
		}
		cnt++;
	}
	sqlite3_finalize(st);
	if (err) {
		al_strv_free(v, cnt);
		return err;
	}
	*out = v;
	*n = cnt;
	return AL_OK;
}

al_err al_bundle_sbom(struct al_store *s, const char *name, char hex[AL_SHA256_HEX], bool *found,
                      struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	bool row;
	al_err err;

	*found = false;
	if ((err = al_db_prepare(db, &st, "SELECT sha256 FROM refs WHERE owner = 'sbom:' || ? "
	                                  "ORDER BY sha256 LIMIT 1", d)))
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (!(err = al_db_step(db, st, &row, d)) && row) {
		const char *h = (const char *)sqlite3_column_text(st, 0);
		if (h && strlen(h) == 64 && al_store_has(s, h)) {
			memcpy(hex, h, AL_SHA256_HEX);
			*found = true;
		}
	}
	sqlite3_finalize(st);
	return err;
}

al_err al_bundle_updated(struct al_store *s, const char *name, int64_t *at, bool *found,
                         struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	bool row;
	al_err err;

	*found = false;
	if ((err = al_db_prepare(db, &st, "SELECT updated FROM bundles WHERE name = ?", d)))
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (!(err = al_db_step(db, st, &row, d)) && row) {
		*at = (int64_t)sqlite3_column_int64(st, 0);
		*found = true;
	}
	sqlite3_finalize(st);
	return err;
}
