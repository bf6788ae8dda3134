/*
 * httpcache.c: the HTTP cache in the store (httpcache.h): the http_cache
 * table's rows, read, written and turned into blobs. Owns that table; the
 * store's gc keeps the blobs it names (lib/store/store.c).
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/mem.h"
#include "net/httpcache.h"
#include "store/db.h"
#include "store/store-internal.h"

void al_httpcache_row_release(struct al_httpcache_row *c)
{
	al_free(c->etag);
	al_free(c->last_modified);
	al_free(c->content_type);
	al_free(c->sha256);
	al_free(c->link_next);
	al_buf_release(&c->body);
	memset(c, 0, sizeof(*c));
	al_buf_init(&c->body);
}

static char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? al_strdup((const char *)t) : NULL;
}

/* A cache entry: either a body kept in the database (checked against its
 * hash) or the name of a blob in the store. */
bool al_httpcache_get(struct al_store *s, const char *url, struct al_httpcache_row *row)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	bool found = false, r;

	memset(row, 0, sizeof(*row));
	al_buf_init(&row->body);
	if (al_db_prepare(db, &st, "SELECT etag, last_modified, content_type, sha256, body, "
	                           "fetched, fresh_until, link_next FROM http_cache WHERE url = ?",
	                  NULL))
		return false;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	if (!al_db_step(db, st, &r, NULL) && r) {
		row->etag = col(st, 0);
		row->last_modified = col(st, 1);
		row->content_type = col(st, 2);
		row->sha256 = col(st, 3);
		row->link_next = col(st, 7);
		/* fresh until its time, unless the clock went back past its receipt */
		if (sqlite3_column_type(st, 6) == SQLITE_INTEGER) {
			int64_t now = (int64_t)time(NULL);
			row->fresh = now >= sqlite3_column_int64(st, 5) &&
			             now < sqlite3_column_int64(st, 6);
		}
		if (sqlite3_column_type(st, 4) == SQLITE_BLOB) {
			char hex[AL_SHA256_HEX];
			const void *b = sqlite3_column_blob(st, 4);
			size_t n = (size_t)sqlite3_column_bytes(st, 4);
			row->inline_body = true;
			al_sha256_hex(b, n, hex);
			found = row->sha256 && !strcmp(hex, row->sha256) && !al_buf_add(&row->body, b, n);
		} else {
			found = row->sha256 && al_store_has(s, row->sha256);
		}
	}
	sqlite3_finalize(st);
	if (!found)
		al_httpcache_row_release(row);
	return found;
}

/* Keep a response: inline when body is given, else as the blob sha256. */
al_err al_httpcache_put(struct al_store *s, const char *url, const struct al_http_hdrs *h,
                        const char *sha256, const struct al_buf *body, struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	char hex[AL_SHA256_HEX];
	int64_t now = (int64_t)time(NULL), fresh = h ? al_httphdr_fresh_for(h) : 0;
	al_err err;

	if (h && h->cc.no_store)
		return al_httpcache_drop(s, url, d);
	if (body) {
		al_sha256_hex(body->buf, body->len, hex);
		sha256 = hex;
	}
	if ((err = al_db_prepare(db, &st, "INSERT OR REPLACE INTO http_cache (url, etag, last_modified, "
	                                  "content_type, sha256, fetched, body, fresh_until, "
	                                  "link_next) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", d)))
		return err;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	if (h && h->etag)
		sqlite3_bind_text(st, 2, h->etag, -1, SQLITE_STATIC);
	if (h && h->last_modified)
		sqlite3_bind_text(st, 3, h->last_modified, -1, SQLITE_STATIC);
	if (h && h->content_type)
		sqlite3_bind_text(st, 4, h->content_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
	if (body)
		sqlite3_bind_blob(st, 7, body->buf, (int)body->len, SQLITE_STATIC);
	if (fresh > 0)
		sqlite3_bind_int64(st, 8, (sqlite3_int64)(now + fresh));
	if (h && h->link_next)
		sqlite3_bind_text(st, 9, h->link_next, -1, SQLITE_STATIC);
	err = al_db_run(db, st, d);
	sqlite3_finalize(st);
	return err;
}

al_err al_httpcache_revalidated(struct al_store *s, const char *url, const struct al_http_hdrs *h,
                                struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	int64_t now = (int64_t)time(NULL), fresh = al_httphdr_fresh_for(h);
	al_err err;

	if (h->cc.no_store)
		return al_httpcache_drop(s, url, d);
	if ((err = al_db_prepare(db, &st, "UPDATE http_cache SET fetched = ?, fresh_until = ?, "
	                                  "etag = coalesce(?, etag), "
	                                  "last_modified = coalesce(?, last_modified) WHERE url = ?",
	                         d)))
		return err;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	if (fresh > 0)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)(now + fresh));
	if (h->etag)
		sqlite3_bind_text(st, 3, h->etag, -1, SQLITE_STATIC);
	if (h->last_modified)
		sqlite3_bind_text(st, 4, h->last_modified, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, url, -1, SQLITE_STATIC);
	err = al_db_run(db, st, d);
	sqlite3_finalize(st);
	return err;
}

al_err al_httpcache_drop(struct al_store *s, const char *url, struct al_diag *d)
{
	sqlite3 *db = al_store_db(s);
	sqlite3_stmt *st = NULL;
	al_err err;

	if ((err = al_db_prepare(db, &st, "DELETE FROM http_cache WHERE url = ?", d)))
		return err;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	err = al_db_run(db, st, d);
	sqlite3_finalize(st);
	return err;
}

/* The body of a cache entry into b. */
al_err al_httpcache_body(struct al_store *s, struct al_httpcache_row *row, size_t max,
                         struct al_buf *b, struct al_diag *d)
{
	char *path;
	al_err err;

	al_buf_reset(b);
	if (row->inline_body)
		return al_buf_add(b, row->body.buf, row->body.len) ? al_oom(d)
		                                                    : AL_OK;
	if (!(path = al_store_blob_path(s, row->sha256)))
		return al_oom(d);
	err = al_buf_read_file(b, path, max, d);
	al_free(path);
	return err;
}

al_err al_httpcache_to_store(struct al_store *s, const char *url, const char *sha256, bool *done,
                             struct al_diag *d)
{
	struct al_blob_writer *w = NULL;
	struct al_httpcache_row row;
	al_err err;

	*done = false;
	if (!al_httpcache_get(s, url, &row))
		return AL_OK;
	if (!row.inline_body || strcmp(row.sha256, sha256)) {
		al_httpcache_row_release(&row);
		return AL_OK;
	}
	if ((err = al_blob_writer_new(s, &w, sha256, (int64_t)row.body.len, d)) ||
	    (err = al_blob_writer_write(w, row.body.buf, row.body.len, d))) {
		al_blob_writer_abort(w);
		al_httpcache_row_release(&row);
		return err;
	}
	al_httpcache_row_release(&row);
	if ((err = al_blob_writer_commit(w, NULL, d)))
		return err;
	*done = true;
	return AL_OK;
}

/* The headers of a kept answer, as if it had just come. */
static al_err kept_hdrs(struct al_http_resp *resp, int status, const struct al_httpcache_row *row,
                        struct al_diag *d)
{
	struct al_http_hdrs h;

	al_http_hdrs_init(&h);
	h.status = status;
	if ((row->content_type && !(h.content_type = al_strdup(row->content_type))) ||
	    (row->etag && !(h.etag = al_strdup(row->etag))) ||
	    (row->last_modified && !(h.last_modified = al_strdup(row->last_modified))) ||
	    (row->link_next && !(h.link_next = al_strdup(row->link_next)))) {
		al_http_hdrs_release(&h);
		return al_oom(d);
	}
	al_http_hdrs_release(&resp->hdrs);
	resp->hdrs = h;
	resp->status = status;
	return AL_OK;
}

static void fetch_done(void *ctx, struct al_http_resp *resp)
{
	al_http_resp_move(ctx, resp);
}

al_err al_httpcache_fetch(struct al_store *s, struct al_http *h, const char *url,
                          const char *const *headers, size_t max, bool refresh,
                          struct al_buf *body, struct al_http_resp *resp, bool *cached,
                          struct al_diag *d)
{
	struct al_http_req req = AL_HTTP_REQ_INIT;
	struct al_httpcache_row row;
	struct al_http_resp r;
	bool have = s && al_httpcache_get(s, url, &row) && row.inline_body;
	al_err err;

	if (cached)
		*cached = false;
	if (have && row.fresh && !refresh) {
		if (!(err = al_httpcache_body(s, &row, max, body, d)) && resp)
			err = kept_hdrs(resp, 200, &row, d);
		al_httpcache_row_release(&row);
		if (!err && cached)
			*cached = true;
		return err;
	}
	al_http_resp_init(&r);
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.max = max;
	req.if_none_match = have ? row.etag : NULL;
	req.if_modified_since = have ? row.last_modified : NULL;
	req.done = fetch_done;
	req.ctx = &r;
	if ((err = al_http_add(h, &req, d)) || (err = al_http_run(h, d)))
		goto out;
	if ((err = r.err)) {
		al_diag_set(d, err, "%s", r.diag.msg);
	} else if (r.not_modified && have) {
		if (!(err = al_httpcache_revalidated(s, url, &r.hdrs, d)) &&
		    !(err = al_httpcache_body(s, &row, max, body, d)) &&
		    !(err = kept_hdrs(&r, r.status, &row, d)) && cached)
			*cached = true;
	} else if (r.not_modified) {
		err = al_diag_set(d, AL_EHTTP, "GET %s: HTTP 304 to a request that was not "
		                  "conditional", url);
	} else if (s) {
		err = al_httpcache_put(s, url, &r.hdrs, NULL, body, d);
	}
	if (resp)
		al_http_resp_move(resp, &r);
out:
	if (have)
		al_httpcache_row_release(&row);
	al_http_resp_release(&r);
	return err;
}
