/*
 * trust.c: the store's trusted_keys table. A row holds the key id (16
 * uppercase hex digits, as minisign prints it), the base64 public key (as
 * `minisign -P` takes it), the untrusted comment of the .pub file it came
 * from, and when it was added. The key id is always recomputed from the
 * key; the comment is shown, never believed.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/buf.h"
#include "core/mem.h"
#include "media/minisign.h"
#include "media/trust.h"
#include "store/db.h"
#include "store/store-internal.h"

/* A .pub file, or a bare base64 key when no file of that name exists. */
static al_err read_key(const char *arg, struct al_mpub **out, struct al_diag *d)
{
	struct stat st;
	size_t n = strlen(arg);

	if (stat(arg, &st) < 0 && errno == ENOENT && n == AL_MS_PUB_B64)
		return al_minisign_pub_parse(out, arg, n, "public key string", d);
	return al_minisign_pub_read(out, arg, d);
}

al_err al_trust_add(struct al_store *s, const char *key, struct al_trusted_key *out, bool *added,
                    struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	struct al_mpub *pk = NULL;
	char id[AL_KEYID_LEN], b64[AL_MS_PUB_B64 + 1];
	int64_t now = (int64_t)time(NULL);
	bool row, in_txn = false;
	al_err err;

	if (added)
		*added = false;
	if ((err = read_key(key, &pk, d)))
		return err;
	al_minisign_keyid(pk->keynum, id);
	al_minisign_pub_base64(pk, b64);
	if ((err = al_db_begin(db, d)))
		goto out;
	in_txn = true;
	if ((err = al_db_prepare(db, &st, "SELECT public_key FROM trusted_keys WHERE key_id = ?",
	                         d)))
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((err = al_db_step(db, st, &row, d)))
		goto out;
	if (row) {
		const char *have = (const char *)sqlite3_column_text(st, 0);
		if (!have || strcmp(have, b64) != 0) {
			err = al_diag_set(d, AL_ECONFLICT, "key id %s is already trusted with a "
			                  "different public key (remove it first)", id);
			goto out;
		}
	} else {
		sqlite3_finalize(st);
		st = NULL;
		if ((err = al_db_prepare(db, &st, "INSERT INTO trusted_keys "
		                         "(key_id, public_key, comment, added) VALUES (?, ?, ?, ?)",
		                         d)))
			goto out;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, b64, -1, SQLITE_STATIC);
		if (pk->comment)
			sqlite3_bind_text(st, 3, pk->comment, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		if ((err = al_db_run(db, st, d)))
			goto out;
		if (added)
			*added = true;
	}
	if ((err = al_db_commit(db, d)))
		goto out;
	in_txn = false;
	if (out) {
		memcpy(out->key_id, id, sizeof(id));
		memcpy(out->public_key, b64, sizeof(b64));
		out->comment = NULL;
		out->added = now;
	}
out:
	sqlite3_finalize(st);
	if (in_txn)
		al_db_rollback(db);
	al_minisign_pub_free(pk);
	return err;
}

al_err al_trust_list(struct al_store *s, al_trust_cb cb, void *ctx, struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	struct al_trusted_key k;
	const char *id, *b64;
	bool row;
	al_err err;

	if ((err = al_db_prepare(db, &st,
	                         "SELECT key_id, public_key, comment, added FROM trusted_keys "
	                         "ORDER BY key_id", d)))
		return err;
	for (;;) {
		if ((err = al_db_step(db, st, &row, d)) || !row)
			break;
		id = (const char *)sqlite3_column_text(st, 0);
		b64 = (const char *)sqlite3_column_text(st, 1);
		if (!id || !b64 || strlen(id) != AL_KEYID_LEN - 1 || strlen(b64) != AL_MS_PUB_B64) {
			err = al_diag_set(d, AL_EDB, "trusted key '%s' in the store is corrupt",
			                  id ? id : "(null)");
			break;
		}
		memcpy(k.key_id, id, AL_KEYID_LEN);
		memcpy(k.public_key, b64, AL_MS_PUB_B64 + 1);
		k.comment = (const char *)sqlite3_column_text(st, 2);
		k.added = sqlite3_column_int64(st, 3);
		if (cb(ctx, &k))
			break;
	}
	sqlite3_finalize(st);
	return err;
}

al_err al_trust_remove(struct al_store *s, const char *id_or_path, char key_id[AL_KEYID_LEN],
                       struct al_diag *d)
{
	unsigned char keynum[AL_MS_KEYNUM_BYTES];
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	struct al_mpub *pk = NULL;
	char id[AL_KEYID_LEN];
	struct stat sb;
	al_err err;

	if (stat(id_or_path, &sb) < 0 && errno == ENOENT &&
	    al_minisign_keyid_parse(id_or_path, keynum)) {
		al_minisign_keyid(keynum, id);
	} else {
		if ((err = read_key(id_or_path, &pk, d)))
			return err;
		al_minisign_keyid(pk->keynum, id);
		al_minisign_pub_free(pk);
	}
	if ((err = al_db_prepare(db, &st, "DELETE FROM trusted_keys WHERE key_id = ?", d)))
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((err = al_db_run(db, st, d)))
		goto out;
	if (sqlite3_changes(db) == 0) {
		err = al_diag_set(d, AL_ENOTFOUND, "key %s is not trusted", id);
		goto out;
	}
	if (key_id)
		memcpy(key_id, id, AL_KEYID_LEN);
out:
	sqlite3_finalize(st);
	return err;
}

void al_trust_keys_free(struct al_mpub **keys, size_t n)
{
	size_t i;

	if (!keys)
		return;
	for (i = 0; i < n; i++)
		al_minisign_pub_free(keys[i]);
	al_free(keys);
}

struct load_ctx {
	struct al_mpub **keys;
	size_t n, alloc;
	struct al_diag *d;
	al_err err;
};

static int load_one(void *ctx, const struct al_trusted_key *k)
{
	struct load_ctx *c = ctx;
	struct al_diag why = AL_DIAG_INIT;
	struct al_mpub *pk = NULL;
	char id[AL_KEYID_LEN];

	/* a key an older airlock trusted may fail today's checks (small order) */
	if (al_minisign_pub_parse(&pk, k->public_key, strlen(k->public_key), "key", &why)) {
		c->err = al_diag_set(c->d, AL_EDB, "trusted key %s in the store is corrupt or "
		                     "unusable (%s): remove it with 'airlock trust remove %s'",
		                     k->key_id, why.msg, k->key_id);
		return 1;
	}
	al_minisign_keyid(pk->keynum, id);
	if (strcmp(id, k->key_id) != 0) {
		al_minisign_pub_free(pk);
		c->err = al_diag_set(c->d, AL_EDB,
		                     "trusted key %s in the store is corrupt: its key is %s",
		                     k->key_id, id);
		return 1;
	}
	if (AL_GROW(c->keys, c->alloc, c->n + 1)) {
		al_minisign_pub_free(pk);
		c->err = al_oom(c->d);
		return 1;
	}
	c->keys[c->n++] = pk;
	return 0;
}

al_err al_trust_load(struct al_store *s, struct al_mpub ***keys, size_t *n, struct al_diag *d)
{
	struct load_ctx c = { NULL, 0, 0, d, AL_OK };
	al_err err;

	*keys = NULL;
	*n = 0;
	if (!(err = al_trust_list(s, load_one, &c, d)))
		err = c.err;
	if (err) {
		al_trust_keys_free(c.keys, c.n);
		return err;
	}
	*keys = c.keys;
	*n = c.n;
	return AL_OK;
}
