/* lib/store/db.c through its interface: opening (migrated to the newest schema,
 * read-only refusing a database that is not), statements, transactions,
 * single-value queries, and errors reported as al_err with sqlite's words. */
#include "config.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "airlock.h"
#include "store/db.h"
#include "tap.h"

static char root[] = "/tmp/airlock-test-db-XXXXXX";

int main(void)
{
	struct al_diag d = AL_DIAG_INIT;
	sqlite3 *db = NULL, *ro = NULL;
	sqlite3_stmt *st = NULL;
	char path[4200], empty[4200], cmd[8500];
	int64_t v = -1;
	bool row = false;
	int i;

	if (!mkdtemp(root))
		return 1;
	snprintf(path, sizeof(path), "%s/airlock.db", root);
	snprintf(empty, sizeof(empty), "%s/empty.db", root);

	is_int(al_db_open(&ro, path, true, &d), AL_EIO, "read-only, a missing database is not created");
	ok(ro == NULL && access(path, F_OK) < 0, "and no file appears");
	ok(strstr(d.msg, path) != NULL, "the message names it: %s", d.msg);
	is_int(al_db_open(&db, path, false, &d), AL_OK, "open for writing creates it");
	ok(al_db_schema_version() > 0, "the schema has versions (%d)", al_db_schema_version());
	is_int(al_db_query_int(db, &v, &d, "PRAGMA user_version", (char *)NULL), AL_OK, "user_version");
	is_int(v, al_db_schema_version(), "is the newest version");
	is_int(al_db_query_int(db, &v, &d, "PRAGMA journal_mode", (char *)NULL), AL_OK, "journal_mode");
	is_int(al_db_query_int(db, &v, &d, "PRAGMA foreign_keys", (char *)NULL), AL_OK, "foreign_keys");
	is_int(v, 1, "foreign keys are on");

	is_int(al_db_exec(db, "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL)", &d), AL_OK,
	       "exec");
	is_int(al_db_prepare(db, &st, "INSERT INTO t VALUES (?, ?)", &d), AL_OK, "prepare");
	for (i = 0; i < 3; i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%d", i);
		sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, i * 10);
		if (al_db_run(db, st, &d))
			break;
	}
	is_int(i, 3, "run resets the statement for the next row");
	sqlite3_bind_text(st, 1, "k1", -1, SQLITE_STATIC);
	is_int(al_db_run(db, st, &d), AL_EDB, "a duplicate key: EDB");
	ok(strstr(d.msg, "UNIQUE constraint failed") != NULL, "with sqlite's words: %s", d.msg);
	sqlite3_finalize(st);
	st = NULL;

	is_int(al_db_query_int(db, &v, &d, "SELECT n FROM t WHERE k = ?", "k2", (char *)NULL), AL_OK,
	       "query_int with an argument");
	is_int(v, 20, "its value");
	is_int(al_db_query_int(db, &v, &d, "SELECT n FROM t WHERE k = ?", "nope", (char *)NULL),
	       AL_ENOTFOUND, "no row: ENOTFOUND");
	is_int(al_db_prepare(db, &st, "SELEKT 1", &d), AL_EDB, "bad SQL: EDB");
	ok(strstr(d.msg, "syntax error") != NULL, "saying so: %s", d.msg);
	is_int(al_db_exec(db, "INSERT INTO nowhere VALUES (1)", &d), AL_EDB, "exec on a missing table");

	/* a statement stepped row by row */
	is_int(al_db_prepare(db, &st, "SELECT n FROM t ORDER BY k", &d), AL_OK, "a query");
	for (i = 0; !al_db_step(db, st, &row, &d) && row; i++)
		if (sqlite3_column_int(st, 0) != i * 10)
			break;
	ok(i == 3 && !row, "step gives every row, then row = false");
	sqlite3_finalize(st);

	/* transactions */
	is_int(al_db_begin(db, &d), AL_OK, "begin");
	al_db_exec(db, "DELETE FROM t", &d);
	al_db_rollback(db);
	ok(!al_db_query_int(db, &v, &d, "SELECT count(*) FROM t", (char *)NULL) && v == 3,
	   "rollback undoes the delete");
	is_int(al_db_begin(db, &d), AL_OK, "begin");
	al_db_exec(db, "DELETE FROM t WHERE k = 'k0'", &d);
	is_int(al_db_commit(db, &d), AL_OK, "commit");
	ok(!al_db_query_int(db, &v, &d, "SELECT count(*) FROM t", (char *)NULL) && v == 2,
	   "the delete stays");

	/* read-only: the same database, writes refused */
	is_int(al_db_open(&ro, path, true, &d), AL_OK, "open read-only");
	ok(ro && !al_db_query_int(ro, &v, &d, "SELECT count(*) FROM t", (char *)NULL) && v == 2,
	   "it reads the committed rows");
	is_int(ro ? al_db_exec(ro, "DELETE FROM t", &d) : AL_EINTERNAL, AL_EDB, "writes are refused");
	ok(strstr(d.msg, "readonly") != NULL, "saying so: %s", d.msg);
	al_db_close(ro);

	/* opening an up-to-date database for writing writes nothing: no WAL
	 * frame, so nothing for the checkpoint at close to sync */
	{
		char wal[4300];
		struct stat before, after;
		snprintf(wal, sizeof(wal), "%s-wal", path);
		ro = NULL;
		ok(!stat(wal, &before), "the open writer has a WAL (%lld bytes)",
		   (long long)before.st_size);
		is_int(al_db_open(&ro, path, false, &d), AL_OK, "a second writer opens it");
		al_db_close(ro);
		ok(!stat(wal, &after) && after.st_size == before.st_size,
		   "and wrote nothing to the WAL (%lld bytes)", (long long)after.st_size);
	}

	/* a database of another schema version */
	ro = NULL;
	{
		sqlite3 *raw = NULL;
		if (sqlite3_open(empty, &raw) == SQLITE_OK)
			sqlite3_exec(raw, "PRAGMA user_version = 9999; CREATE TABLE x (y)", NULL, NULL, NULL);
		sqlite3_close(raw);
	}
	is_int(al_db_open(&ro, empty, true, &d), AL_EUNSUPPORTED, "read-only, another version: EUNSUPPORTED");
	ok(strstr(d.msg, "store schema version 9999") != NULL, "naming it: %s", d.msg);
	is_int(al_db_open(&ro, empty, false, &d), AL_EUNSUPPORTED, "and for writing, a newer one");
	ok(strstr(d.msg, "upgrade airlock") != NULL, "says to upgrade: %s", d.msg);
	ok(ro == NULL, "no handle is returned");

	/* version 4 forgets cached answers whose URL held credentials */
	{
		static const struct { const char *url; bool kept; } c[] = {
			{ "https://user:tok3n@idx.example/simple/a/", false },
			{ "https://tok3n@idx.example/simple/b/", false },
			{ "http://u:p@127.0.0.1:8080", false },
			{ "https://idx.example/simple/a/", true },
			{ "https://idx.example/simple/at@sign/", true },
			{ "https://huggingface.co/api/models/o/m?x=a@b", true },
			{ "metadata-of:0123", true },
		};
		size_t k;
		sqlite3 *old = NULL;

		st = NULL;
		if (al_db_prepare(db, &st, "INSERT INTO http_cache (url, fetched) VALUES (?, 1)", &d))
			k = 0;
		else
			for (k = 0; k < sizeof(c) / sizeof(*c); k++) {
				sqlite3_bind_text(st, 1, c[k].url, -1, SQLITE_STATIC);
				if (al_db_run(db, st, &d))
					break;
			}
		sqlite3_finalize(st);
		is_int(k, sizeof(c) / sizeof(*c), "cache rows, some with userinfo in the URL");
		is_int(al_db_exec(db, "PRAGMA user_version = 3", &d), AL_OK, "set back to version 3");
		al_db_close(db);
		db = NULL;
		is_int(al_db_open(&old, path, false, &d), AL_OK, "opening migrates it");
		for (k = 0; old && k < sizeof(c) / sizeof(*c); k++) {
			v = -1;
			ok(!al_db_query_int(old, &v, &d, "SELECT count(*) FROM http_cache WHERE url = ?",
			                    c[k].url, (char *)NULL) && v == (c[k].kept ? 1 : 0),
			   "%s: %s", c[k].url, c[k].kept ? "kept" : "deleted");
		}
		db = old;
	}

	al_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	(void)!system(cmd);
	return done_testing();
}
