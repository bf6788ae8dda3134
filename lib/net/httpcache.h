/*
 * httpcache.h: the HTTP cache in the store (lib/net/httpcache.c, the
 * http_cache table): a response kept under its URL with its validators
 * (ETag, Last-Modified) and Content-Type, its body either inline (index
 * pages, metadata sidecars: checked against their sha256 when read back) or
 * a blob of the store (a whole distribution). The index client revalidates
 * through it and, offline, answers from it alone.
 */
#ifndef AL_HTTPCACHE_H
#define AL_HTTPCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "airlock.h"
#include "core/buf.h"
#include "net/http.h"

struct al_httpcache_row {
	char *etag, *last_modified, *content_type, *sha256, *link_next;
	struct al_buf body;          /* inline bodies (pages, metadata) */
	bool inline_body;
	bool fresh;                  /* inside its max-age: use it without asking */
};

void al_httpcache_row_release(struct al_httpcache_row *c);
/* The entry for url, when there is one whose body is sound: an inline body
 * that has its sha256, or a blob the store has. *row is released by the
 * caller only when found. */
bool al_httpcache_get(struct al_store *s, const char *url, struct al_httpcache_row *row);
/* Keep a response: inline when body is given, else as the blob sha256,
 * fresh for al_httphdr_fresh_for(h) seconds from now. A response with
 * Cache-Control: no-store is not kept, and drops what was kept for url. */
AL_MUST_CHECK al_err al_httpcache_put(struct al_store *s, const char *url, const struct al_http_hdrs *h,
                        const char *sha256, const struct al_buf *body, struct al_diag *d);
/* A 304 to a conditional request for url: the kept entry is fresh again
 * for as long as the 304 says, with its validators when it sends new ones
 * (RFC 9111 section 4.3.4); no-store drops the entry. */
AL_MUST_CHECK al_err al_httpcache_revalidated(struct al_store *s, const char *url, const struct al_http_hdrs *h,
                                              struct al_diag *d);
/* Forget the entry for url (nothing when there is none). */
AL_MUST_CHECK al_err al_httpcache_drop(struct al_store *s, const char *url, struct al_diag *d);

/* One GET of a small answer (a Hub API answer) into body, through the
 * cache: an entry inside its max-age answers without a request (unless
 * refresh), an older one is asked for with its validators (a 304 answers
 * with the kept body and renews it), a 200 is kept. resp (may be NULL)
 * receives the response; *cached (may be NULL) tells that the body came from
 * the store: resp->hdrs then has the kept Content-Type, validators and Link
 * rel="next" (resp->status is 200, or the 304's). */
AL_MUST_CHECK al_err al_httpcache_fetch(struct al_store *s, struct al_http *h, const char *url,
                                        const char *const *headers, size_t max, bool refresh,
                                        struct al_buf *body, struct al_http_resp *resp,
                                        bool *cached, struct al_diag *d);

/* The body of an entry into b (at most max bytes for a blob). */
AL_MUST_CHECK al_err al_httpcache_body(struct al_store *s, struct al_httpcache_row *row, size_t max,
                         struct al_buf *b, struct al_diag *d);
/* Move a cached response body (an index page or a metadata sidecar kept
 * inline) into the store as a blob, when its sha256 is the one expected.
 * *done tells whether it was there. */
AL_MUST_CHECK al_err al_httpcache_to_store(struct al_store *s, const char *url, const char *sha256, bool *done,
                             struct al_diag *d);

#endif
