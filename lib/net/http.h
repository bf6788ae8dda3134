/*
 * http.h: the HTTP transfer engine (docs/reference/http.md). One curl multi handle
 * drives many transfers at once on one event loop, with HTTP/2 multiplexing
 * and connection reuse; every download in airlock (index pages, metadata,
 * wheels, Hub API and Hub files) goes through it. lib/net/http.c is the only
 * file that includes curl.h.
 *
 *	struct al_http *h = NULL;
 *	struct al_http_opts o = AL_HTTP_OPTS_INIT;
 *	al_http_new(&h, &o, d);
 *	struct al_http_req r = AL_HTTP_REQ_INIT;
 *	r.url = url; r.store = store; r.sha256 = hex; r.size = n;
 *	r.done = on_done; r.ctx = me;
 *	al_http_add(h, &r, d);         (as many as needed; callbacks may add more)
 *	al_http_run(h, d);             (returns when every transfer is done)
 *	al_http_free(h);
 *
 * What the engine does for every request: redirects (at most 10, resolved
 * against the current URL; Authorization and Basic credentials only to the
 * origin of the first URL), retries with backoff on connection errors,
 * timeouts, 408, 429 and 5xx (honouring Retry-After and RateLimit), resume
 * with Range for store and callback sinks, size caps, and errors that name
 * the method, the URL (without userinfo) and the status. Userinfo in a
 * request URL becomes that request's Basic credentials and leaves the URL
 * (al_http_add_credentials). A store download of a known sha256 and size
 * at or above opts.range_threshold goes as byte ranges over several
 * connections (lib/net/ranged.c), with the same done callback.
 */
#ifndef AL_HTTP_H
#define AL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/hash.h"
#include "net/httphdr.h"

struct al_http;

/* Called before a retry waits: for -v output. url has no userinfo. */
typedef void (*al_http_retry_fn)(void *ctx, const char *method, const char *url,
                                 unsigned attempt, unsigned delay_ms, const char *reason);

struct al_http_opts {
	unsigned parallel;          /* transfers at once; 0: 8 */
	/* connections open at once to one host (CURLMOPT_MAX_HOST_CONNECTIONS),
	 * so that a small index is not overrun by the whole pool; transfers
	 * beyond it wait for a connection. 0: AL_HTTP_HOST_CONNECTIONS */
	unsigned host_connections;
	unsigned attempts;          /* tries per request, the first included; 0: 5 + 1 */
	const char *user_agent;     /* NULL: "airlock/VERSION" */
	long connect_timeout;       /* seconds; 0: 30 */
	long low_speed_time;        /* abort a transfer slower than low_speed_limit */
	long low_speed_limit;       /* bytes/s for that many seconds; 0: 30 s, 1 byte/s */
	unsigned backoff_base_ms;   /* full jitter: random(0, min(cap, base * 2^n)); 0: 500 */
	unsigned backoff_cap_ms;    /* 0: 30000 */
	unsigned retry_after_cap_ms; /* longest wait a server may ask for; 0: 60000 */
	const char *ca_file;        /* NULL: al_http_ca_from_env(), else libcurl's default */
	const char *netrc_file;     /* NULL: $NETRC, else ~/.netrc (optional either way) */
	bool no_netrc;
	al_http_retry_fn on_retry;
	void *ctx;                  /* for on_retry */
	/* Ranged downloads (docs/reference/http.md, "Large files"): a store
	 * sink with a sha256 and a size of at least range_threshold bytes is
	 * fetched as byte ranges over up to range_connections connections
	 * (bounded by parallel and host_connections). 0: the defaults;
	 * range_connections 1 turns it off. */
	uint64_t range_threshold;   /* 0: AL_HTTP_RANGE_THRESHOLD */
	unsigned range_connections; /* 0: AL_HTTP_RANGE_CONNECTIONS */
};
#define AL_HTTP_OPTS_INIT { 0 }
#define AL_HTTP_DEFAULT_ATTEMPTS 6     /* the first try and 5 retries */
#define AL_HTTP_HOST_CONNECTIONS 8
#define AL_HTTP_MAX_REDIRECTS 10
#define AL_HTTP_RANGE_THRESHOLD ((uint64_t)64 << 20)
#define AL_HTTP_RANGE_CONNECTIONS 8
#define AL_HTTP_DEFAULT_MAX (64u << 20) /* memory sink cap when max is 0 */
#define AL_HTTP_ERRBODY_MAX (16u << 10) /* kept of an error response's body */

enum al_http_method { AL_HTTP_GET = 0, AL_HTTP_HEAD };

/* Flags of a request. */
#define AL_HTTP_STAY_ON_HOST 0x1 /* a redirect to another origin ends the request
                                  * successfully, with the 3xx in resp->status (the Hub
                                  * HEAD reads its metadata from that redirect) */

/* The result of a transfer. In the done callback it belongs to the engine:
 * use al_http_resp_move() to keep it. */
struct al_http_resp {
	al_err err;                 /* AL_OK, or the error; its message in diag */
	struct al_diag diag;
	int status;                 /* final HTTP status, 0 when none came */
	bool not_modified;          /* 304 to a conditional request (err is AL_OK) */
	char *url;                  /* the final URL, after redirects (no userinfo) */
	struct al_http_hdrs first;  /* headers of the first response (often a redirect) */
	struct al_http_hdrs hdrs;   /* headers of the final response */
	struct al_buf errbody;      /* the start of an error response's body */
	uint64_t bytes;             /* body size (of the final, complete body) */
	char sha256[AL_SHA256_HEX]; /* store sink: the committed blob */
	unsigned attempts;
};
void al_http_resp_init(struct al_http_resp *r);
void al_http_resp_release(struct al_http_resp *r);
/* Hand over the contents of src to dst (dst released first); src is reset. */
void al_http_resp_move(struct al_http_resp *dst, struct al_http_resp *src);

typedef void (*al_http_done_fn)(void *ctx, struct al_http_resp *resp);
/* Called when the final 2xx header block of an attempt is in, before its
 * body: hdrs are that response's, first those of the first response of the
 * chain (a redirect's, or hdrs again), url the URL that answered. An error
 * ends the request at once (no retry). */
typedef al_err (*al_http_headers_fn)(void *ctx, const struct al_http_hdrs *hdrs,
                                     const struct al_http_hdrs *first, const char *url,
                                     struct al_diag *d);
typedef void (*al_http_progress_fn)(void *ctx, uint64_t done, int64_t total);
/* The callback sink. offset is where these bytes go; it goes back to 0 when
 * the server ignored a Range request (drop what you have). */
typedef al_err (*al_http_write_fn)(void *ctx, uint64_t offset, const void *p, size_t n,
                                   struct al_diag *d);

struct al_http_req {
	const char *url;
	enum al_http_method method;
	/* NULL-terminated "Name: value" lines, e.g. "Accept: ...",
	 * "Authorization: Bearer ...". Authorization goes only to the origin
	 * (scheme, host, port) of url. A "Range:" line turns resume off. */
	const char *const *headers;
	const char *if_none_match;     /* conditional GET: a 304 sets not_modified */
	const char *if_modified_since;
	unsigned flags;
	int64_t size;                  /* declared body size, or AL_SIZE_UNKNOWN: a body
	                                * of any other size is refused */
	/* The sink: at most one of these (none: the body is discarded). */
	struct al_buf *body;           /* memory: reset, then filled */
	size_t max;                    /* its cap (0: AL_HTTP_DEFAULT_MAX): more is AL_ELIMIT */
	struct al_store *store;        /* store: hashed while written, committed at the end */
	const char *sha256;            /* expected sha256 for the store sink, or NULL */
	al_http_write_fn write;        /* callback */
	/* Called once with the result; may add new requests. */
	al_http_done_fn done;
	al_http_progress_fn progress;  /* body bytes so far / total (-1 unknown) */
	al_http_headers_fn on_headers; /* may be NULL */
	void *ctx;                     /* for done, progress, write and on_headers */
	const void *owner;             /* for al_http_cancel; NULL: nobody's */
};
#define AL_HTTP_REQ_INIT { .size = AL_SIZE_UNKNOWN }

AL_MUST_CHECK al_err al_http_new(struct al_http **out, const struct al_http_opts *opts, struct al_diag *d);
void al_http_free(struct al_http *h); /* NULL-safe; drops transfers not yet run */

/* Lend the userinfo of url (an index or find-links URL, "scheme://user:pw@host/")
 * to every later request to the same origin (scheme, host, port) that has no
 * userinfo and no Authorization line of its own: pip's rule. They go as HTTP
 * Basic credentials, to that origin only (a redirect elsewhere drops them),
 * and live only in memory, wiped at al_http_free. The first URL that lends to
 * an origin wins; a URL without userinfo is a no-op. */
AL_MUST_CHECK al_err al_http_add_credentials(struct al_http *h, const char *url, struct al_diag *d);
/* The same with a user and password given apart from the URL (an index's
 * username-env and password-env); the userinfo of url, if any, is ignored. */
AL_MUST_CHECK al_err al_http_add_basic(struct al_http *h, const char *url, const char *user,
                         const char *password, struct al_diag *d);

/* Queue a request (strings are copied; body, store and ctx must outlive it). */
AL_MUST_CHECK al_err al_http_add(struct al_http *h, const struct al_http_req *req, struct al_diag *d);
/* Run until every queued transfer is done, calling their done callbacks.
 * Fails only when the engine itself fails; per-request errors go to the
 * callbacks. Not reentrant: do not call from a callback. */
AL_MUST_CHECK al_err al_http_run(struct al_http *h, struct al_diag *d);
/* The same, but return as soon as until(ctx) is true (asked whenever a
 * transfer ends, and once before anything runs); the other transfers stay
 * queued or in flight for the next run. */
AL_MUST_CHECK al_err al_http_run_until(struct al_http *h, bool (*until)(void *ctx), void *ctx,
                         struct al_diag *d);
/* Wake al_http_run from its wait for sockets; from any thread (a ranged
 * download's hashing thread, when the file is checked and synced). */
void al_http_wakeup(struct al_http *h);
/* Move the queued (not yet started) transfers whose ctx is ctx to the front
 * of the queue: the caller is about to wait for them. */
void al_http_hurry(struct al_http *h, const void *ctx);
/* Drop every transfer of owner, queued, waiting or in flight, without
 * calling its callbacks (a store sink leaves nothing behind). Not from a
 * callback. */
void al_http_cancel(struct al_http *h, const void *owner);

/* One GET into memory, synchronously (runs anything else queued, too).
 * headers may be NULL, resp may be NULL. */
AL_MUST_CHECK al_err al_http_get(struct al_http *h, const char *url, const char *const *headers, size_t max,
                   struct al_buf *body, struct al_http_resp *resp, struct al_diag *d);

/* The CA bundle named by the environment: SSL_CERT_FILE, then
 * REQUESTS_CA_BUNDLE, then PIP_CERT (the first that is set and not empty).
 * *var (may be NULL) receives the variable's name. NULL when none is set. */
const char *al_http_ca_from_env(const char **var);

/* Resolve ref (absolute or relative) against base, as a browser would.
 * *out is malloc'd. */
AL_MUST_CHECK al_err al_url_resolve(const char *base, const char *ref, char **out, struct al_diag *d);

#endif
