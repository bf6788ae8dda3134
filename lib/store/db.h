/*
 * db.h: the SQLite adapter. The only place that knows sqlite3's return
 * conventions: everything here returns al_err and reports through al_diag.
 */
#ifndef AL_DB_H
#define AL_DB_H

#include <stdint.h>
#include <sqlite3.h>

#include "airlock.h"

/* Open (and create, unless rdonly) the database at path: WAL, foreign keys,
 * a busy timeout so that a second process waits for the writer, and the
 * schema migrated forward to the newest version. */
AL_MUST_CHECK al_err al_db_open(sqlite3 **out, const char *path, bool rdonly, struct al_diag *d);
void al_db_close(sqlite3 *db);
int al_db_schema_version(void);

/* Report the connection's last error: "what: sqlite message". */
AL_MUST_CHECK al_err al_db_error(sqlite3 *db, const char *what, struct al_diag *d);

AL_MUST_CHECK al_err al_db_exec(sqlite3 *db, const char *sql, struct al_diag *d);
AL_MUST_CHECK al_err al_db_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, struct al_diag *d);
/* Step: AL_OK with *row = true/false, or an error. */
AL_MUST_CHECK al_err al_db_step(sqlite3 *db, sqlite3_stmt *st, bool *row, struct al_diag *d);
/* Step a statement that returns no rows, then reset it. */
AL_MUST_CHECK al_err al_db_run(sqlite3 *db, sqlite3_stmt *st, struct al_diag *d);

/* BEGIN IMMEDIATE (take the write lock now) / COMMIT / ROLLBACK. */
AL_MUST_CHECK al_err al_db_begin(sqlite3 *db, struct al_diag *d);
AL_MUST_CHECK al_err al_db_commit(sqlite3 *db, struct al_diag *d);
void al_db_rollback(sqlite3 *db);

/* Single-value queries: AL_ENOTFOUND when no row. */
AL_MUST_CHECK al_err al_db_query_int(sqlite3 *db, int64_t *out, struct al_diag *d, const char *sql, ...);

#endif
