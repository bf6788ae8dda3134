/*
 * httphdr.h: parsers for HTTP response headers and URL helpers. Pure
 * functions on (buf, len): no curl, no I/O, no clock (the caller passes
 * "now"), so that fuzz/httphdr-fuzzer.c can drive them directly.
 *
 * Everything here reads bytes from a server we do not trust: lengths are
 * checked before use, counts and sizes are capped, and a malformed value is
 * an error or is ignored, never an assert.
 */
#ifndef AL_HTTPHDR_H
#define AL_HTTPHDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "airlock.h"
#include "core/buf.h"

#define AL_HTTPHDR_MAX_COUNT 256           /* header lines in one response */
#define AL_HTTPHDR_MAX_BYTES (64u << 10)   /* bytes of headers in one response */
#define AL_HTTPHDR_MAX_VALUE (16u << 10)   /* one stored value */

/* Cache-Control directives of a response (RFC 9111 section 5.2.2). max_age
 * is -1 when absent; repeated, the smallest counts; a malformed value counts
 * as 0 (stale). s-maxage is for shared caches and is not kept. */
struct al_cache_control {
	int64_t max_age;
	bool no_store, no_cache, private_, public_, must_revalidate, immutable;
};

/* The fields airlock reads from a response. Strings are NULL when the header
 * is absent, numbers -1. Values are trimmed of surrounding whitespace. */
struct al_http_hdrs {
	int status;               /* from the status line; 0 before it */
	int64_t content_length;
	char *content_type;
	char *etag;               /* raw, e.g. W/"abc" (see al_httphdr_etag_strip) */
	char *last_modified;
	char *location;           /* raw, may be relative */
	char *link_next;          /* target of Link: <...>; rel="next", raw */
	char *x_error_code;
	char *x_error_message;
	char *x_repo_commit;
	char *x_linked_etag;
	int64_t x_linked_size;
	int64_t retry_after;      /* seconds from now (an HTTP date is converted) */
	int64_t ratelimit_remaining; /* RateLimit: "bucket";r=R;t=T */
	int64_t ratelimit_reset;     /* seconds */
	struct al_cache_control cc; /* every Cache-Control line, merged */
	int64_t age;              /* Age: seconds, -1 when absent or malformed */
	bool has_content_range;   /* Content-Range: bytes S-E/T (T -1 for '*') */
	int64_t range_start, range_end, range_total;
	unsigned count;           /* header lines seen, for the caps */
	size_t bytes;
};

void al_http_hdrs_init(struct al_http_hdrs *h);
void al_http_hdrs_release(struct al_http_hdrs *h); /* and init again */
AL_MUST_CHECK al_err al_http_hdrs_copy(struct al_http_hdrs *dst, const struct al_http_hdrs *src);

/* Feed one header line (CR LF optional). A status line ("HTTP/1.1 200 OK",
 * "HTTP/2 302") starts a new response: the fields are reset. Unknown
 * headers are counted and ignored; a malformed value of a header we use is
 * ignored (Retry-After, Link, RateLimit, Content-Range) or an error
 * (Content-Length, X-Linked-Size, control characters in a stored value).
 * Returns AL_OK, AL_EPARSE, AL_ELIMIT (caps) or AL_ENOMEM; sets d. */
AL_MUST_CHECK al_err al_http_hdrs_line(struct al_http_hdrs *h, const char *line, size_t len, int64_t now,
                         struct al_diag *d);
/* A whole header block, lines separated by LF or CR LF. */
AL_MUST_CHECK al_err al_http_hdrs_parse(struct al_http_hdrs *h, const char *buf, size_t len, int64_t now,
                          struct al_diag *d);

/* The single parsers. Each returns false on malformed input. */
bool al_httphdr_status_line(const char *p, size_t n, int *status);
/* 1*DIGIT into an int64 without overflow. */
bool al_httphdr_uint(const char *p, size_t n, int64_t *out);
/* HTTP-date (IMF-fixdate, RFC 850, asctime) to seconds since the epoch. */
bool al_httphdr_date(const char *p, size_t n, int64_t *out);
/* Retry-After: delay-seconds or an HTTP-date (0 when in the past). */
bool al_httphdr_retry_after(const char *p, size_t n, int64_t now, int64_t *secs);
/* Content-Range: "bytes S-E/T" or "bytes S-E/<star>" (total -1) or "bytes <star>/T"
 * (start and end -1); checks S <= E < T. */
bool al_httphdr_content_range(const char *p, size_t n, int64_t *start, int64_t *end,
                              int64_t *total);
/* The first URI whose rel list contains "next". AL_OK (out set),
 * AL_ENOTFOUND, AL_EPARSE or AL_ENOMEM; sets no diagnostics. */
AL_MUST_CHECK al_err al_httphdr_link_next(const char *p, size_t n, struct al_buf *out);
/* RateLimit (IETF draft): a list of items `"name";r=R;t=T`. Reports the item
 * with the fewest remaining requests. */
bool al_httphdr_ratelimit(const char *p, size_t n, int64_t *remaining, int64_t *reset);
/* Cache-Control: a list of directives, token or token=value (value a token
 * or a quoted string), merged into *cc (several lines add up). Unknown
 * directives are ignored; no-cache and private with a field list count as
 * plain no-cache and private. Never fails. */
void al_httphdr_cache_control(const char *p, size_t n, struct al_cache_control *cc);
/* How long the response with these headers stays fresh in the store's HTTP
 * cache (a private cache: docs/reference/http.md), in seconds from its receipt: 0
 * with no-store, no-cache, without max-age, or when Age reaches it; at most
 * AL_HTTP_FRESH_CAP. */
#define AL_HTTP_FRESH_CAP ((int64_t)24 * 3600)
int64_t al_httphdr_fresh_for(const struct al_http_hdrs *h);

/* ETag without W/ and quotes: sets *out and returns its length. */
size_t al_httphdr_etag_strip(const char *p, size_t n, const char **out);

#endif
