#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store/db.h"

/* The migrations, generated from schema/ by the build (lib/schema-sql.c):
 * al_schema_sql[i] moves the schema from version i to version i + 1. */
extern const char *const al_schema_sql[];
extern const int al_schema_count;

int al_db_schema_version(void)
{
	return al_schema_count;
}

al_err al_db_error(sqlite3 *db, const char *what, struct al_diag *d)
{
	int rc = sqlite3_extended_errcode(db);
	al_err code = AL_EDB;

	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		code = AL_EBUSY;
	else if ((rc & 0xff) == SQLITE_FULL)
		code = AL_ENOSPACE;
	else if ((rc & 0xff) == SQLITE_NOMEM)
		code = AL_ENOMEM;
	else if ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_CANTOPEN)
		code = sqlite3_system_errno(db) == ENOSPC ? AL_ENOSPACE : AL_EIO;
	if (code == AL_ENOSPACE) /* say it plainly: "database or disk is full" reads like a limit */
		return al_diag_set(d, code, "%s: no space left on the device (%s)", what,
		                   sqlite3_errmsg(db));
	return al_diag_set(d, code, "%s: %s", what, sqlite3_errmsg(db));
}

al_err al_db_exec(sqlite3 *db, const char *sql, struct al_diag *d)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return al_db_error(db, "database", d);
	return AL_OK;
}

al_err al_db_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, struct al_diag *d)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return al_db_error(db, "database", d);
	}
	return AL_OK;
}

al_err al_db_step(sqlite3 *db, sqlite3_stmt *st, bool *row, struct al_diag *d)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		*row = true;
		return AL_OK;
	}
	*row = false;
	if (rc == SQLITE_DONE)
		return AL_OK;
	return al_db_error(db, "database", d);
}

al_err al_db_run(sqlite3 *db, sqlite3_stmt *st, struct al_diag *d)
{
	bool row;
	al_err err = al_db_step(db, st, &row, d);

	sqlite3_reset(st);
	return err;
}

al_err al_db_begin(sqlite3 *db, struct al_diag *d)
{
	return al_db_exec(db, "BEGIN IMMEDIATE", d);
}

al_err al_db_commit(sqlite3 *db, struct al_diag *d)
{
	return al_db_exec(db, "COMMIT", d);
}

void al_db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

al_err al_db_query_int(sqlite3 *db, int64_t *out, struct al_diag *d, const char *sql, ...)
{
	sqlite3_stmt *st = NULL;
	const char *arg;
	va_list ap;
	bool row;
	al_err err;
	int i = 1;

	if ((err = al_db_prepare(db, &st, sql, d)))
		return err;
	va_start(ap, sql);
	while ((arg = va_arg(ap, const char *)))
		sqlite3_bind_text(st, i++, arg, -1, SQLITE_TRANSIENT);
	va_end(ap);
	if (!(err = al_db_step(db, st, &row, d))) {
		if (row)
			*out = sqlite3_column_int64(st, 0);
		else
			err = al_diag_set(d, AL_ENOTFOUND, "no such row");
	}
	sqlite3_finalize(st);
	return err;
}

static al_err migrate(sqlite3 *db, struct al_diag *d)
{
	int64_t version = 0;
	char pragma[64];
	al_err err;

	if ((err = al_db_begin(db, d)))
		return err;
	if ((err = al_db_query_int(db, &version, d, "PRAGMA user_version", (char *)NULL)))
		goto fail;
	if (version > al_schema_count) {
		err = al_diag_set(d, AL_EUNSUPPORTED,
		                  "store schema version %lld is newer than this airlock (%d): upgrade airlock",
		                  (long long)version, al_schema_count);
		goto fail;
	}
	if (version == al_schema_count) {
		/* up to date: a transaction that wrote nothing, so nothing for
		 * the checkpoint at close to sync (a relock that changes nothing
		 * syncs nothing) */
		return al_db_commit(db, d);
	}
	for (; version < al_schema_count; version++)
		if ((err = al_db_exec(db, al_schema_sql[version], d)))
			goto fail;
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", al_schema_count);
	if ((err = al_db_exec(db, pragma, d)))
		goto fail;
	return al_db_commit(db, d);
fail:
	al_db_rollback(db);
	return err;
}

/* WAL with synchronous=NORMAL: a commit is atomic and consistent but only
 * made durable at the next checkpoint. That keeps the store's invariant (a
 * blob file is fsynced and renamed before its row is inserted, so a lost
 * commit leaves a harmless stray, never a row without its file) without an
 * fsync per transaction. */
al_err al_db_open(sqlite3 **out, const char *path, bool rdonly, struct al_diag *d)
{
	int flags = rdonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	sqlite3 *db = NULL;
	al_err err;
	int64_t version = 0;

	*out = NULL;
	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err = db ? al_db_error(db, path, d)
		         : al_diag_set(d, AL_ENOMEM, "cannot open '%s': out of memory", path);
		sqlite3_close(db);
		return err;
	}
	sqlite3_busy_timeout(db, 60000);
	sqlite3_extended_result_codes(db, 1);
	if (!rdonly && (err = al_db_exec(db, "PRAGMA journal_mode = WAL", d)))
		goto fail;
	if ((err = al_db_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL", d)))
		goto fail;
	if (rdonly) {
		if ((err = al_db_query_int(db, &version, d, "PRAGMA user_version", (char *)NULL)))
			goto fail;
		if (version != al_schema_count) {
			err = al_diag_set(d, AL_EUNSUPPORTED,
			                  "store schema version %lld, expected %d: open it once for writing",
			                  (long long)version, al_schema_count);
			goto fail;
		}
	} else if ((err = migrate(db, d))) {
		goto fail;
	}
	*out = db;
	return AL_OK;
fail:
	al_diag_prefix(d, "%s: ", path);
	sqlite3_close(db);
	return err;
}

void al_db_close(sqlite3 *db)
{
	sqlite3_close(db);
}
