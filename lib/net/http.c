/*
 * http.c: the transfer engine over libcurl's multi interface (see http.h
 * and docs/reference/http.md). The only file that includes curl.h: curl's return
 * conventions stop here.
 *
 * A transfer is a sequence of attempts; an attempt is a sequence of hops
 * (redirects are followed here, not by curl, so that Authorization can be
 * kept to the origin of the first URL). Each hop is one run of the easy
 * handle on the multi handle. Between attempts a transfer waits out its
 * backoff on the `waiting` list without holding one of the parallel slots.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/mem.h"
#include "core/url.h"
#include "net/http.h"
#include "net/ranged.h"

/* An attempt that delivered this many new bytes before breaking does not
 * count against the attempt limit, up to HARD_ATTEMPTS in all. */
#define PROGRESS_RESET (1u << 20)
#define HARD_ATTEMPTS 64
#define REDIRECT_BODY_MAX (64u << 10)
/* libcurl's read size for large file bodies (its default is 16 KiB) */
#define FILE_BUFFER (256L << 10)
#define FILE_BUFFER_FROM ((int64_t)1 << 20)

enum sink { SINK_NONE, SINK_MEMORY, SINK_STORE, SINK_CALLBACK };

struct xfer {
	struct al_http *h;
	struct xfer *next;          /* in pending or waiting, or the active list */
	struct xfer *prev;          /* in the active list */
	CURL *easy;
	struct curl_slist *slist;
	char errbuf[CURL_ERROR_SIZE];

	/* the request, copied */
	char *url;                  /* as given, without userinfo */
	char *what;                 /* "GET https://host/url", for messages */
	char **headers;             /* NULL-terminated, Authorization excluded */
	size_t nheaders;
	char *auth;                 /* the Authorization line, or NULL */
	char *user, *password;      /* HTTP Basic credentials for url's origin, or NULL */
	char *if_none_match, *if_modified_since;
	enum al_http_method method;
	unsigned flags;
	int64_t size;
	enum sink sink;
	struct al_buf *body;
	size_t max;
	struct al_store *store;
	char *sha256;
	al_http_write_fn write;
	al_http_done_fn done;
	al_http_progress_fn progress;
	al_http_headers_fn on_headers;
	void *ctx;
	const void *owner;
	bool caller_range;
	/* The caller's own single range, which a 206 must answer exactly
	 * (check_caller_range): bytes=A-B, bytes=A- or bytes=-N. */
	enum { RQ_NONE, RQ_FROM_TO, RQ_FROM, RQ_SUFFIX } rq_kind;
	uint64_t rq_a, rq_b;        /* A and B; N in rq_a for a suffix */
	int64_t rq_len;             /* bytes this hop's 206 promised (-1: none checked) */

	/* state */
	char *cur;                  /* URL of the current hop */
	unsigned hop;
	unsigned attempts, limit;
	uint64_t not_before;        /* monotonic ms, while waiting */
	uint64_t offset;            /* body bytes the sink holds */
	uint64_t attempt_start;     /* offset when the attempt began */
	uint64_t body_base;         /* offset where this hop's body starts */
	size_t discarded;           /* bytes of an error body not kept */
	bool resumable;
	bool range_sent;            /* this hop asked for bytes=offset- */
	char *if_range;             /* strong ETag of the body being resumed */
	struct al_blob_writer *w;
	struct al_http_hdrs cur_hdrs;
	bool hdrs_done;             /* the final (non-1xx) header block is complete */
	bool body_ok;               /* this hop's body goes to the sink */
	bool body_capped;           /* an error or redirect body was cut short on purpose */
	size_t hdr_total;
	al_err werr;                /* an error raised inside a curl callback */
	struct al_diag wdiag;
	struct al_http_resp resp;
};

/* Credentials lent by an index URL, for its origin (al_http_add_credentials). */
struct cred {
	char *origin;               /* "scheme://host:port", lowercase */
	char *user, *password;      /* percent-decoded; password may be NULL */
};

struct al_http {
	CURLM *multi;
	CURLSH *share;
	unsigned parallel, attempts;
	long connect_timeout, low_speed_time, low_speed_limit;
	unsigned backoff_base, backoff_cap, retry_after_cap;
	char *ua, *ca_file, *ca_var, *netrc;
	bool no_netrc;
	al_http_retry_fn on_retry;
	void *ctx;
	struct xfer *pending, *pending_tail;
	struct xfer *waiting;
	struct xfer *act;           /* on the multi handle */
	unsigned active;
	bool broken;
	uint64_t rng;
	bool running;
	struct cred *creds;
	size_t ncreds, creds_alloc;
	unsigned host_connections, range_connections;
	uint64_t range_threshold;
	struct al_ranged *ranged;   /* ranged downloads in progress (net/ranged.c) */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* splitmix64: jitter needs no cryptographic quality, only no shared state. */
static uint64_t rng_next(struct al_http *h)
{
	uint64_t z = (h->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---- responses ------------------------------------------------------------- */

void al_http_resp_init(struct al_http_resp *r)
{
	memset(r, 0, sizeof(*r));
	al_http_hdrs_init(&r->first);
	al_http_hdrs_init(&r->hdrs);
	al_buf_init(&r->errbody);
}

void al_http_resp_release(struct al_http_resp *r)
{
	al_free(r->url);
	al_http_hdrs_release(&r->first);
	al_http_hdrs_release(&r->hdrs);
	al_buf_release(&r->errbody);
	al_http_resp_init(r);
}

void al_http_resp_move(struct al_http_resp *dst, struct al_http_resp *src)
{
	al_http_resp_release(dst);
	*dst = *src;
	al_http_resp_init(src);
}

/* ---- environment ------------------------------------------------------------ */

const char *al_http_ca_from_env(const char **var)
{
	static const char *const vars[] = { "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT" };
	const char *v;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if ((v = getenv(vars[i])) && *v) {
			if (var)
				*var = vars[i];
			return v;
		}
	}
	return NULL;
}

/* ---- URLs ----------------------------------------------------------------------- */

static al_err url_err(struct al_diag *d, CURLUcode uc, const char *what, const char *url)
{
	char *r = al_url_strip_userinfo(url);
	al_err err;

	if (uc == CURLUE_OUT_OF_MEMORY || !r)
		err = al_oom(d);
	else
		err = al_diag_set(d, AL_EINVALID, "%s '%s': %s", what, r, curl_url_strerror(uc));
	al_free(r);
	return err;
}

/* Copy a curl-allocated string into our allocator. */
static char *curl_str(char *s)
{
	char *t = s ? al_strdup(s) : NULL;

	curl_free(s);
	return t;
}

static bool scheme_ok(const char *scheme)
{
	return scheme && (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0);
}

al_err al_url_resolve(const char *base, const char *ref, char **out, struct al_diag *d)
{
	CURLU *u = curl_url();
	CURLUcode uc;
	char *s = NULL;
	al_err err = AL_OK;

	*out = NULL;
	if (!u)
		return al_oom(d);
	if ((uc = curl_url_set(u, CURLUPART_URL, base, 0))) {
		err = url_err(d, uc, "invalid URL", base);
		goto out;
	}
	if ((uc = curl_url_set(u, CURLUPART_URL, ref, 0))) {
		err = url_err(d, uc, "invalid URL", ref);
		goto out;
	}
	if ((uc = curl_url_get(u, CURLUPART_URL, &s, 0))) {
		err = url_err(d, uc, "invalid URL", ref);
		goto out;
	}
	if (!(*out = curl_str(s)))
		err = al_oom(d);
out:
	curl_url_cleanup(u);
	return err;
}

/* The origin of an http(s) URL: "scheme://host:port" in lowercase. */
static al_err url_origin(const char *url, struct al_buf *out)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	al_err err = AL_EINVALID;

	if (!u)
		return AL_ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT))
		goto out;
	al_buf_reset(out);
	if ((err = al_buf_addf(out, "%s://%s:%s", scheme, host, port)))
		goto out;
	for (size_t i = 0; i < out->len; i++)
		if (out->buf[i] >= 'A' && out->buf[i] <= 'Z')
			out->buf[i] = (char)(out->buf[i] - 'A' + 'a');
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return err;
}

static bool same_origin(const char *a, const char *b)
{
	struct al_buf oa = AL_BUF_INIT, ob = AL_BUF_INIT;
	bool same = !url_origin(a, &oa) && !url_origin(b, &ob) && strcmp(oa.buf, ob.buf) == 0;

	al_buf_release(&oa);
	al_buf_release(&ob);
	return same;
}

/* ---- the engine ------------------------------------------------------------------- */

static char *dup_or_null(const char *s, bool *oom)
{
	char *t;

	if (!s)
		return NULL;
	if (!(t = al_strdup(s)))
		*oom = true;
	return t;
}

al_err al_http_new(struct al_http **out, const struct al_http_opts *o, struct al_diag *d)
{
	struct al_http_opts defaults = AL_HTTP_OPTS_INIT;
	struct al_http *h;
	struct al_buf ua = AL_BUF_INIT;
	const char *ca, *var = NULL, *netrc;
	bool oom = false;
	al_err err;

	*out = NULL;
	if (!o)
		o = &defaults;
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return al_diag_set(d, AL_EINTERNAL, "cannot initialize libcurl");
	if (!(h = al_calloc(1, sizeof(*h)))) {
		curl_global_cleanup();
		return al_oom(d);
	}
	h->parallel = o->parallel ? o->parallel : 8;
	h->attempts = o->attempts ? o->attempts : AL_HTTP_DEFAULT_ATTEMPTS;
	h->connect_timeout = o->connect_timeout > 0 ? o->connect_timeout : 30;
	h->low_speed_time = o->low_speed_time > 0 ? o->low_speed_time : 30;
	h->low_speed_limit = o->low_speed_limit > 0 ? o->low_speed_limit : 1;
	h->backoff_base = o->backoff_base_ms ? o->backoff_base_ms : 500;
	h->backoff_cap = o->backoff_cap_ms ? o->backoff_cap_ms : 30000;
	h->retry_after_cap = o->retry_after_cap_ms ? o->retry_after_cap_ms : 60000;
	h->no_netrc = o->no_netrc;
	h->host_connections = o->host_connections ? o->host_connections : AL_HTTP_HOST_CONNECTIONS;
	h->range_threshold = o->range_threshold ? o->range_threshold : AL_HTTP_RANGE_THRESHOLD;
	h->range_connections = o->range_connections ? o->range_connections
	                                            : AL_HTTP_RANGE_CONNECTIONS;
	h->on_retry = o->on_retry;
	h->ctx = o->ctx;
	if (o->user_agent)
		h->ua = dup_or_null(o->user_agent, &oom);
	else if (al_buf_addf(&ua, "airlock/%s", al_version()) || !(h->ua = al_buf_detach(&ua, NULL)))
		oom = true;
	ca = o->ca_file;
	if (!ca && (ca = al_http_ca_from_env(&var)))
		h->ca_var = dup_or_null(var, &oom);
	h->ca_file = dup_or_null(ca, &oom);
	netrc = o->netrc_file ? o->netrc_file : getenv("NETRC");
	h->netrc = dup_or_null(netrc && *netrc ? netrc : NULL, &oom);
	if (oom) {
		err = al_oom(d);
		goto fail;
	}
	if (h->ca_file && access(h->ca_file, R_OK) < 0) {
		err = al_diag_set(d, AL_EIO, "cannot read the CA bundle '%s'%s%s: %s", h->ca_file,
		                  h->ca_var ? " named by " : "", h->ca_var ? h->ca_var : "",
		                  strerror(errno));
		goto fail;
	}
	if (getrandom(&h->rng, sizeof(h->rng), GRND_NONBLOCK) != (ssize_t)sizeof(h->rng))
		h->rng = now_ms() ^ ((uint64_t)getpid() << 32);
	if (!(h->multi = curl_multi_init()) || !(h->share = curl_share_init())) {
		err = al_oom(d);
		goto fail;
	}
	/* HTTP/2 streams share a connection; the multi handle's connection
	 * cache serves every transfer; DNS and TLS sessions are shared too. */
	if (curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX) ||
	    curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	                      (long)(o->host_connections ? o->host_connections
	                                                 : AL_HTTP_HOST_CONNECTIONS)) ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION)) {
		err = al_diag_set(d, AL_EINTERNAL, "cannot configure libcurl");
		goto fail;
	}
	*out = h;
	return AL_OK;
fail:
	al_buf_release(&ua);
	al_http_free(h);
	return err;
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		al_free(s);
	}
}

static void xfer_free(struct xfer *x)
{
	if (!x)
		return;
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->slist);
	al_blob_writer_abort(x->w);
	for (size_t i = 0; i < x->nheaders; i++)
		al_free(x->headers[i]);
	al_free(x->headers);
	al_free(x->url);
	al_free(x->what);
	wipe_free(x->auth);
	wipe_free(x->user);
	wipe_free(x->password);
	al_free(x->if_none_match);
	al_free(x->if_modified_since);
	al_free(x->sha256);
	al_free(x->cur);
	al_free(x->if_range);
	al_http_hdrs_release(&x->cur_hdrs);
	al_http_resp_release(&x->resp);
	al_free(x);
}

static void free_list(struct xfer *x)
{
	struct xfer *next;

	for (; x; x = next) {
		next = x->next;
		xfer_free(x);
	}
}

void al_http_free(struct al_http *h)
{
	if (!h)
		return;
	free_list(h->pending);
	free_list(h->waiting);
	while (h->act) {
		struct xfer *x = h->act;
		h->act = x->next;
		curl_multi_remove_handle(h->multi, x->easy);
		xfer_free(x);
	}
	al_ranged_drop(&h->ranged, NULL); /* their parts are gone: partial files stay */
	if (h->multi)
		curl_multi_cleanup(h->multi);
	if (h->share)
		curl_share_cleanup(h->share);
	al_free(h->ua);
	al_free(h->ca_file);
	al_free(h->ca_var);
	al_free(h->netrc);
	for (size_t i = 0; i < h->ncreds; i++) {
		al_free(h->creds[i].origin);
		wipe_free(h->creds[i].user);
		wipe_free(h->creds[i].password);
	}
	al_free(h->creds);
	al_free(h);
	curl_global_cleanup();
}

/* Lend user and password (copied; both NULL: those in url's userinfo) to
 * url's origin, unless an earlier URL lent to it. */
static al_err lend_to_origin(struct al_http *h, const char *url, const char *given_user,
                             const char *given_password, struct al_diag *d)
{
	struct al_buf origin = AL_BUF_INIT;
	char *user = NULL, *password = NULL, *shown = NULL;
	al_err err = AL_OK;
	size_t i;

	if ((err = url_origin(url, &origin))) {
		if (err == AL_ENOMEM || !(shown = al_url_strip_userinfo(url)))
			return al_oom(d);
		err = al_diag_set(d, AL_EINVALID, "invalid URL '%s'", shown);
		al_free(shown);
		return err;
	}
	for (i = 0; i < h->ncreds; i++)
		if (!strcmp(h->creds[i].origin, origin.buf))
			goto out; /* the first URL of an origin lends its credentials */
	if (given_user) {
		if (!(user = al_strdup(given_user)) || !(password = al_strdup(given_password))) {
			err = al_oom(d);
			goto out;
		}
	} else if ((err = al_url_userinfo(url, &user, &password, d))) {
		goto out;
	}
	if (AL_GROW(h->creds, h->creds_alloc, h->ncreds + 1)) {
		err = al_oom(d);
		goto out;
	}
	h->creds[h->ncreds].origin = al_buf_detach(&origin, NULL);
	h->creds[h->ncreds].user = user;
	h->creds[h->ncreds].password = password;
	if (!h->creds[h->ncreds].origin) {
		err = al_oom(d);
		goto out;
	}
	h->ncreds++;
	user = password = NULL;
out:
	wipe_free(user);
	wipe_free(password);
	al_buf_release(&origin);
	return err;
}

al_err al_http_add_credentials(struct al_http *h, const char *url, struct al_diag *d)
{
	if (!al_url_has_userinfo(url))
		return AL_OK;
	return lend_to_origin(h, url, NULL, NULL, d);
}

al_err al_http_add_basic(struct al_http *h, const char *url, const char *user,
                         const char *password, struct al_diag *d)
{
	if (!user || !password)
		return al_diag_set(d, AL_EUSAGE, "al_http_add_basic: no user or password");
	return lend_to_origin(h, url, user, password, d);
}

/* The Basic credentials of a request: those in its URL, else those lent to
 * its origin. */
static al_err request_credentials(struct al_http *h, struct xfer *x, const char *url,
                                  struct al_diag *d)
{
	struct al_buf origin = AL_BUF_INIT;
	al_err err;
	size_t i;

	if (al_url_has_userinfo(url))
		return al_url_userinfo(url, &x->user, &x->password, d);
	if (!h->ncreds)
		return AL_OK;
	if ((err = url_origin(x->url, &origin)))
		return err == AL_ENOMEM ? al_oom(d) : AL_OK;
	for (i = 0; i < h->ncreds && !err; i++) {
		if (strcmp(h->creds[i].origin, origin.buf))
			continue;
		if (!(x->user = al_strdup(h->creds[i].user)) ||
		    (h->creds[i].password && !(x->password = al_strdup(h->creds[i].password))))
			err = al_oom(d);
		break;
	}
	al_buf_release(&origin);
	return err;
}

static bool header_is(const char *line, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(line, name, n) == 0 && line[n] == ':';
}

/* A decimal number of up to 18 digits at *p (no sign, no spaces), *p moved
 * past it; false when there is none. */
static bool range_number(const char **p, uint64_t *out)
{
	const char *c = *p;
	uint64_t v = 0;

	if (*c < '0' || *c > '9')
		return false;
	for (; *c >= '0' && *c <= '9'; c++) {
		if (c - *p >= 18)
			return false;
		v = v * 10 + (uint64_t)(*c - '0');
	}
	*p = c;
	*out = v;
	return true;
}

/* The caller's "Range:" line, when it asks for one range (A-B, A- or -N):
 * then a 206 is held to it. Several ranges, or another unit, are not
 * checked here (no caller sends them). */
static void parse_caller_range(struct xfer *x, const char *line)
{
	const char *p = line + strlen("Range:");

	x->rq_kind = RQ_NONE;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "bytes=", 6))
		return;
	p += 6;
	if (*p == '-') {
		p++;
		if (!range_number(&p, &x->rq_a) || x->rq_a == 0)
			return;
		x->rq_kind = RQ_SUFFIX;
	} else {
		if (!range_number(&p, &x->rq_a) || *p++ != '-')
			return;
		if (range_number(&p, &x->rq_b)) {
			if (x->rq_b < x->rq_a)
				return;
			x->rq_kind = RQ_FROM_TO;
		} else {
			x->rq_kind = RQ_FROM;
		}
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p)
		x->rq_kind = RQ_NONE;
}

/* Over 80 lines: every field of the request is checked, then
 * copied into the transfer, in the order of struct al_http_req; nothing is
 * queued until all of it is sound. */
al_err al_http_add(struct al_http *h, const struct al_http_req *req, struct al_diag *d)
{
	struct xfer *x;
	struct al_buf what = AL_BUF_INIT;
	CURLU *u = NULL;
	char *scheme = NULL;
	size_t n = 0;
	int sinks;
	bool oom = false;
	al_err err;

	sinks = !!req->body + !!req->store + !!req->write;
	if (h->broken)
		return al_diag_set(d, AL_EINTERNAL, "the HTTP engine has failed");
	if (!req->url || sinks > 1 || (req->method == AL_HTTP_HEAD && sinks))
		return al_diag_set(d, AL_EUSAGE, "bad HTTP request: %s",
		                   !req->url ? "no URL" : "more than one sink, or a sink for HEAD");
	if (sinks == 1 && req->store && req->sha256 && req->size >= 0 &&
	    (uint64_t)req->size >= h->range_threshold) {
		unsigned conns = h->range_connections;
		bool taken = false;
		for (const char *const *p = req->headers; p && *p; p++)
			if (header_is(*p, "Range"))
				conns = 1;
		if (conns > h->parallel)
			conns = h->parallel;
		if (conns > h->host_connections)
			conns = h->host_connections;
		if (conns > 1) {
			if ((err = al_ranged_add(h, &h->ranged, req, conns, &taken, d)))
				return err;
			if (taken)
				return AL_OK;
		}
	}
	if (!(x = al_calloc(1, sizeof(*x))))
		return al_oom(d);
	x->h = h;
	al_http_hdrs_init(&x->cur_hdrs);
	al_http_resp_init(&x->resp);
	if (!(u = curl_url())) {
		err = al_oom(d);
		goto fail;
	}
	CURLUcode uc = curl_url_set(u, CURLUPART_URL, req->url, 0);
	if (!uc)
		uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	if (uc) {
		err = url_err(d, uc, "invalid URL", req->url);
		goto fail;
	}
	if (!scheme_ok(scheme)) {
		err = al_diag_set(d, AL_EUNSUPPORTED, "unsupported URL scheme '%s' (http and https only)",
		                  scheme);
		goto fail;
	}
	x->method = req->method;
	x->flags = req->flags;
	x->size = req->size;
	x->body = req->body;
	x->max = req->max ? req->max : AL_HTTP_DEFAULT_MAX;
	x->store = req->store;
	x->write = req->write;
	x->done = req->done;
	x->progress = req->progress;
	x->on_headers = req->on_headers;
	x->ctx = req->ctx;
	x->owner = req->owner;
	x->sink = req->body ? SINK_MEMORY : req->store ? SINK_STORE : req->write ? SINK_CALLBACK
	                                                                           : SINK_NONE;
	/* userinfo never goes further than here: it becomes x->user and
	 * x->password, and every URL the engine keeps, passes on or shows is
	 * without it */
	if (!(x->url = al_url_strip_userinfo(req->url)) || !(x->cur = al_strdup(x->url)))
		oom = true;
	x->sha256 = dup_or_null(req->sha256, &oom);
	x->if_none_match = dup_or_null(req->if_none_match, &oom);
	x->if_modified_since = dup_or_null(req->if_modified_since, &oom);
	for (const char *const *p = req->headers; p && *p; p++)
		n++;
	if (!(x->headers = al_calloc(n + 1, sizeof(*x->headers))))
		oom = true;
	for (size_t i = 0; !oom && i < n; i++) {
		const char *line = req->headers[i];
		if (header_is(line, "Authorization")) {
			al_free(x->auth);
			x->auth = dup_or_null(line, &oom);
			continue;
		}
		if (header_is(line, "Range")) {
			x->caller_range = true;
			parse_caller_range(x, line);
		}
		x->headers[x->nheaders++] = dup_or_null(line, &oom);
	}
	/* messages name the URL without its query: a signed CDN URL (a
	 * ranged download's pieces ask one directly) carries its grant there */
	if (oom || al_buf_addf(&what, "%s ", req->method == AL_HTTP_HEAD ? "HEAD" : "GET") ||
	    al_url_for_message_buf(&what, x->url)) {
		err = al_oom(d);
		goto fail;
	}
	if (!x->auth && (err = request_credentials(h, x, req->url, d)))
		goto fail;
	x->what = al_buf_detach(&what, NULL);
	x->resumable = (x->sink == SINK_STORE || x->sink == SINK_CALLBACK) && !x->caller_range;
	x->limit = h->attempts;
	if (h->pending_tail)
		h->pending_tail->next = x;
	else
		h->pending = x;
	h->pending_tail = x;
	curl_free(scheme);
	curl_url_cleanup(u);
	return AL_OK;
fail:
	al_buf_release(&what);
	curl_free(scheme);
	curl_url_cleanup(u);
	xfer_free(x);
	return err;
}

/* ---- sinks ---------------------------------------------------------------------- */

static void sink_restart(struct xfer *x)
{
	x->offset = 0;
	x->attempt_start = 0;
	al_free(x->if_range);
	x->if_range = NULL;
	if (x->sink == SINK_MEMORY)
		al_buf_reset(x->body);
	al_blob_writer_abort(x->w);
	x->w = NULL;
}

static al_err sink_write(struct xfer *x, const char *p, size_t n, struct al_diag *d)
{
	al_err err = AL_OK;

	if (x->size >= 0 && x->offset + n > (uint64_t)x->size)
		return al_diag_set(d, AL_EVERIFY, "%s: the body is longer than the declared %lld bytes",
		                   x->what, (long long)x->size);
	switch (x->sink) {
	case SINK_MEMORY:
		if (x->offset + n > x->max)
			return al_diag_set(d, AL_ELIMIT, "%s: the body is larger than %zu bytes",
			                   x->what, x->max);
		if ((err = al_buf_add(x->body, p, n)))
			return al_oom(d);
		break;
	case SINK_STORE:
		if (!x->w && (err = al_blob_writer_new(x->store, &x->w, x->sha256, x->size, d)))
			return err;
		if ((err = al_blob_writer_write(x->w, p, n, d)))
			return al_diag_prefix(d, "%s: ", x->what);
		break;
	case SINK_CALLBACK:
		if ((err = x->write(x->ctx, x->offset, p, n, d)))
			return err;
		break;
	case SINK_NONE:
		break;
	}
	x->offset += n;
	if (x->progress) {
		int64_t total = x->size;
		if (total < 0 && x->cur_hdrs.content_length >= 0)
			total = (int64_t)x->body_base + x->cur_hdrs.content_length;
		x->progress(x->ctx, x->offset, total);
	}
	return AL_OK;
}

static al_err sink_finish(struct xfer *x, struct al_diag *d)
{
	al_err err;

	if (x->sink != SINK_STORE)
		return AL_OK;
	if (!x->w && (err = al_blob_writer_new(x->store, &x->w, x->sha256, x->size, d)))
		return err;
	err = al_blob_writer_commit(x->w, x->resp.sha256, d);
	x->w = NULL;
	if (err)
		al_diag_prefix(d, "%s: ", x->what);
	return err;
}

/* ---- curl callbacks ---------------------------------------------------------------- */

static bool is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* A 206 to the caller's own range must be that range, as RFC 9110 has it
 * (an end past the file's is cut at its last byte): a server that answers
 * another one would have the caller take bytes for others (the zip reader
 * of remotezip.c, a ranged download's piece). Its length is checked when
 * the body is in (hop_done). */
static al_err check_caller_range(struct xfer *x, const struct al_http_hdrs *hd,
                                 struct al_diag *d)
{
	int64_t s = hd->range_start, e = hd->range_end, t = hd->range_total;
	bool ok = hd->has_content_range && s >= 0 && e >= s && (t < 0 || e < t);

	switch (x->rq_kind) {
	case RQ_FROM_TO:
		ok = ok && (uint64_t)s == x->rq_a &&
		     ((uint64_t)e == x->rq_b || (t >= 0 && e == t - 1 && (uint64_t)e < x->rq_b));
		break;
	case RQ_FROM:
		ok = ok && (uint64_t)s == x->rq_a && t >= 0 && e == t - 1;
		break;
	case RQ_SUFFIX:
		ok = ok && t >= 0 && e == t - 1 &&
		     (uint64_t)s == ((uint64_t)t > x->rq_a ? (uint64_t)t - x->rq_a : 0);
		break;
	default:
		return AL_OK;
	}
	if (!ok)
		return al_diag_set(d, AL_EPARSE, "%s: HTTP 206 with bytes %lld-%lld/%lld, not the "
		                   "range asked for", x->what, (long long)s, (long long)e,
		                   (long long)t);
	x->rq_len = e - s + 1;
	return AL_OK;
}

/* The final header block of a hop is complete: decide where the body goes. */
static al_err headers_complete(struct xfer *x, struct al_diag *d)
{
	struct al_http_hdrs *hd = &x->cur_hdrs;
	int st = hd->status;
	al_err err;

	x->body_ok = false;
	x->rq_len = -1;
	if (x->method == AL_HTTP_HEAD || st < 200 || st >= 300)
		return AL_OK;
	if (x->sink == SINK_MEMORY && hd->content_length > (int64_t)x->max)
		return al_diag_set(d, AL_ELIMIT, "%s: the body is larger than %zu bytes (%lld)",
		                   x->what, x->max, (long long)hd->content_length);
	if (st == 206 && x->caller_range && (err = check_caller_range(x, hd, d)))
		return err;
	if (st == 206 && !x->caller_range) {
		if (!x->range_sent)
			return al_diag_set(d, AL_EPARSE, "%s: HTTP 206 to a request without Range",
			                   x->what);
		if (!hd->has_content_range || hd->range_start != (int64_t)x->offset ||
		    (x->size >= 0 && hd->range_total >= 0 && hd->range_total != x->size))
			return al_diag_set(d, AL_EPARSE,
			                   "%s: the server resumed at the wrong place (Content-Range "
			                   "start %lld, total %lld; asked for byte %llu)",
			                   x->what, (long long)hd->range_start,
			                   (long long)hd->range_total, (unsigned long long)x->offset);
	} else if (x->offset > 0 || x->sink == SINK_MEMORY) {
		/* a fresh body: Range ignored (200), or a sink that cannot resume */
		sink_restart(x);
	}
	/* (a memory sink may get a compressed body: its Content-Length is not
	 * the size of what we keep) */
	if (x->size >= 0 && hd->content_length >= 0 && x->sink != SINK_MEMORY &&
	    (int64_t)x->offset + hd->content_length != x->size)
		return al_diag_set(d, AL_EVERIFY, "%s: the server sends %lld bytes, expected %lld",
		                   x->what, (long long)((int64_t)x->offset + hd->content_length),
		                   (long long)x->size);
	/* a strong validator makes the next resume safe against a changed file */
	if (x->resumable && st == 200) {
		al_free(x->if_range);
		x->if_range = NULL;
		if (hd->etag && strncmp(hd->etag, "W/", 2) != 0 && !(x->if_range = al_strdup(hd->etag)))
			return al_oom(d);
	}
	x->body_base = x->offset;
	if (x->on_headers) {
		const struct al_http_hdrs *first = x->hop == 0 ? hd : &x->resp.first;
		if ((err = x->on_headers(x->ctx, hd, first, x->cur, d)))
			return err;
	}
	x->body_ok = true;
	return AL_OK;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n, l = len;

	if (x->hdrs_done)
		return len; /* trailers */
	x->hdr_total += len;
	if (x->hdr_total > 4 * AL_HTTPHDR_MAX_BYTES) {
		x->werr = al_diag_set(&x->wdiag, AL_ELIMIT, "%s: too many response headers", x->what);
		return 0;
	}
	while (l && (p[l - 1] == '\n' || p[l - 1] == '\r'))
		l--;
	if (l == 0) {
		if (x->cur_hdrs.status >= 200) {
			x->hdrs_done = true;
			if ((x->werr = headers_complete(x, &x->wdiag)))
				return 0;
		}
		return len;
	}
	if ((x->werr = al_http_hdrs_line(&x->cur_hdrs, p, l, (int64_t)time(NULL), &x->wdiag))) {
		al_diag_prefix(&x->wdiag, "%s: ", x->what);
		return 0;
	}
	return len;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	struct al_buf *eb = &x->resp.errbody;

	if (x->body_ok) {
		if ((x->werr = sink_write(x, p, len, &x->wdiag)))
			return 0;
		return len;
	}
	/* a redirect's or an error's body: keep the start of it, for messages */
	size_t keep = AL_HTTP_ERRBODY_MAX - eb->len;
	if (keep > len)
		keep = len;
	if (keep && al_buf_add(eb, p, keep)) {
		x->body_capped = true;
		return 0;
	}
	x->discarded += len - keep;
	if (x->discarded > REDIRECT_BODY_MAX) {
		x->body_capped = true; /* an endless error body: stop, the status says enough */
		return 0;
	}
	return len;
}

/* ---- running ---------------------------------------------------------------------------- */

#define SETOPT(opt, val) (rc |= curl_easy_setopt(x->easy, opt, val))

/* Over 80 lines: one hop's curl_easy_setopt calls in order (URL,
 * headers, credentials, proxies, encoding, resume, limits, the sink), each
 * with its reason beside it; they share the easy handle and the SETOPT
 * result, which pieces would pass back and forth. */
static al_err hop_start(struct xfer *x, struct al_diag *d)
{
	struct al_http *h = x->h;
	struct curl_slist *sl = NULL, *t;
	struct al_buf line = AL_BUF_INIT;
	CURLcode rc = CURLE_OK;
	bool oom = false;

	if (!x->easy && !(x->easy = curl_easy_init()))
		return al_oom(d);
	curl_easy_reset(x->easy);
	curl_slist_free_all(x->slist);
	x->slist = NULL;
	al_http_hdrs_release(&x->cur_hdrs);
	x->hdrs_done = x->body_ok = x->body_capped = false;
	x->hdr_total = x->discarded = 0;
	if (x->hop == 0)
		x->attempts++;
	x->werr = AL_OK;
	al_buf_reset(&x->resp.errbody);
	x->errbuf[0] = '\0';

	/* headers of this hop */
	x->range_sent = x->resumable && x->offset > 0;
	for (size_t i = 0; i < x->nheaders && !oom; i++)
		if (!(t = curl_slist_append(sl, x->headers[i])))
			oom = true;
		else
			sl = t;
#define ADDF(...)                                                                    \
	do {                                                                         \
		al_buf_reset(&line);                                                 \
		if (oom || al_buf_addf(&line, __VA_ARGS__) ||                        \
		    !(t = curl_slist_append(sl, line.buf)))                          \
			oom = true;                                                  \
		else                                                                 \
			sl = t;                                                      \
	} while (0)
	if (x->auth && same_origin(x->url, x->cur))
		ADDF("%s", x->auth);
	/* Basic credentials, to the first URL's origin only, as x->auth */
	if (x->user && same_origin(x->url, x->cur)) {
		SETOPT(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SETOPT(CURLOPT_USERNAME, x->user);
		SETOPT(CURLOPT_PASSWORD, x->password ? x->password : "");
	}
	if (x->if_none_match)
		ADDF("If-None-Match: %s", x->if_none_match);
	if (x->if_modified_since)
		ADDF("If-Modified-Since: %s", x->if_modified_since);
	if (x->range_sent) {
		ADDF("Range: bytes=%llu-", (unsigned long long)x->offset);
		if (x->if_range)
			ADDF("If-Range: %s", x->if_range);
	}
#undef ADDF
	al_buf_release(&line);
	x->slist = sl;
	if (oom)
		return al_oom(d);

	SETOPT(CURLOPT_URL, x->cur);
	SETOPT(CURLOPT_PRIVATE, (void *)x);
	SETOPT(CURLOPT_HTTPHEADER, x->slist);
	SETOPT(CURLOPT_NOBODY, (long)(x->method == AL_HTTP_HEAD));
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, (void *)x);
	SETOPT(CURLOPT_WRITEFUNCTION, on_write);
	SETOPT(CURLOPT_WRITEDATA, (void *)x);
	SETOPT(CURLOPT_ERRORBUFFER, x->errbuf);
	SETOPT(CURLOPT_USERAGENT, h->ua);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_CONNECTTIMEOUT, h->connect_timeout);
	SETOPT(CURLOPT_LOW_SPEED_TIME, h->low_speed_time);
	SETOPT(CURLOPT_LOW_SPEED_LIMIT, h->low_speed_limit);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	/* Wait for a connection that may multiplex rather than open another, as
	 * curl --parallel does. On plain http this costs a round trip when a
	 * burst starts, but it also keeps a burst of large downloads from
	 * opening all its connections at once: without it, bench/fetch-model.sh
	 * took 1.5 times curl's time instead of 0.98. */
	SETOPT(CURLOPT_PIPEWAIT, 1L);
	SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	SETOPT(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	SETOPT(CURLOPT_SHARE, h->share);
	/* Proxies: libcurl reads http_proxy, https_proxy and no_proxy itself as
	 * long as CURLOPT_PROXY stays unset, which it does here. */
	if (!h->no_netrc) {
		SETOPT(CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
		if (h->netrc)
			SETOPT(CURLOPT_NETRC_FILE, h->netrc);
	}
	if (h->ca_file)
		SETOPT(CURLOPT_CAINFO, h->ca_file);
	/* Index pages may come compressed; resumable bodies must not (Range
	 * counts the bytes on the wire). */
	if (x->sink == SINK_MEMORY)
		SETOPT(CURLOPT_ACCEPT_ENCODING, "");
	/* Large files (and the pieces of a ranged download, whose size the
	 * engine is not told) in 256 KiB reads: a sixteenth of the recv, write
	 * and poll calls of libcurl's 16 KiB, which cost a fifth of the event
	 * loop's time on loopback. Small files keep the default: a lock runs
	 * dozens of them at once. */
	if (x->sink == SINK_CALLBACK || (x->sink == SINK_STORE && x->size >= FILE_BUFFER_FROM))
		SETOPT(CURLOPT_BUFFERSIZE, FILE_BUFFER);
	if (rc != CURLE_OK)
		return al_diag_set(d, AL_EINTERNAL, "%s: cannot configure libcurl: %s", x->what,
		                   curl_easy_strerror(rc));
	if (curl_multi_add_handle(h->multi, x->easy) != CURLM_OK)
		return al_diag_set(d, AL_EINTERNAL, "%s: cannot start the transfer", x->what);
	h->active++;
	x->prev = NULL;
	x->next = h->act;
	if (h->act)
		h->act->prev = x;
	h->act = x;
	return AL_OK;
}

#undef SETOPT

static void xfer_finish(struct xfer *x, al_err err, const struct al_diag *d)
{
	x->resp.err = err;
	if (err) {
		x->resp.diag = *d;
		x->resp.diag.code = err;
		al_blob_writer_abort(x->w);
		x->w = NULL;
		if (x->sink == SINK_MEMORY)
			al_buf_reset(x->body);
	} else {
		x->resp.bytes = x->offset;
	}
	x->resp.status = x->cur_hdrs.status;
	x->resp.attempts = x->attempts;
	al_http_hdrs_release(&x->resp.hdrs);
	x->resp.hdrs = x->cur_hdrs;
	al_http_hdrs_init(&x->cur_hdrs);
	if (!x->resp.url) {
		x->resp.url = x->cur;
		x->cur = NULL;
	}
	if (x->done)
		x->done(x->ctx, &x->resp);
	xfer_free(x);
}

static void push_front(struct al_http *h, struct xfer *x)
{
	x->next = h->pending;
	h->pending = x;
	if (!h->pending_tail)
		h->pending_tail = x;
}

static bool retryable_status(int st)
{
	return st == 408 || st == 429 || st == 500 || st == 502 || st == 503 || st == 504;
}

static bool retryable_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_HTTP2:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static bool tls_problem(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return true;
	default:
		return false;
	}
}

/* The failure of one attempt: wait and try again, or give up. */
static void attempt_failed(struct xfer *x, al_err err, const char *reason, const char *hint)
{
	struct al_http *h = x->h;
	struct al_http_hdrs *hd = &x->cur_hdrs;
	struct al_diag d = AL_DIAG_INIT;
	uint64_t delay, exp;
	char *cur;

	if (x->offset - x->attempt_start >= PROGRESS_RESET && x->limit < HARD_ATTEMPTS)
		x->limit++; /* progress: this break does not count */
	if (x->attempts >= x->limit) {
		al_diag_set(&d, err, "%s: %s after %u attempt%s%s", x->what, reason, x->attempts,
		            x->attempts == 1 ? "" : "s", hint ? hint : "");
		xfer_finish(x, err, &d);
		return;
	}
	if (hd->retry_after >= 0) {
		delay = (uint64_t)hd->retry_after * 1000;
	} else if (hd->ratelimit_reset >= 0 && (hd->status == 429 || hd->ratelimit_remaining == 0)) {
		delay = (uint64_t)hd->ratelimit_reset * 1000;
	} else {
		/* full jitter: uniform in [0, min(cap, base * 2^(attempt-1))] */
		exp = (uint64_t)h->backoff_base << (x->attempts - 1 < 20 ? x->attempts - 1 : 20);
		if (exp > h->backoff_cap)
			exp = h->backoff_cap;
		delay = rng_next(h) % (exp + 1);
	}
	if (delay > h->retry_after_cap)
		delay = h->retry_after_cap;
	if (h->on_retry) {
		char *r = al_url_strip_userinfo(x->url);
		h->on_retry(h->ctx, x->method == AL_HTTP_HEAD ? "HEAD" : "GET", r ? r : "?",
		            x->attempts + 1, (unsigned)delay, reason);
		al_free(r);
	}
	/* the next attempt starts over at the first URL: a signed redirect
	 * target may have expired */
	if ((cur = al_strdup(x->url))) {
		al_free(x->cur);
		x->cur = cur;
	}
	x->hop = 0;
	x->attempt_start = x->offset;
	x->not_before = now_ms() + delay;
	x->next = h->waiting;
	h->waiting = x;
}

static void http_failed(struct xfer *x)
{
	struct al_http_hdrs *hd = &x->cur_hdrs;
	struct al_diag d = AL_DIAG_INIT;
	int st = hd->status;
	al_err err = st == 404 || st == 410 ? AL_ENOTFOUND : AL_EHTTP;

	if (hd->x_error_code || hd->x_error_message)
		al_diag_set(&d, err, "%s: HTTP %d (%s%s%s)", x->what, st,
		            hd->x_error_code ? hd->x_error_code : "",
		            hd->x_error_code && hd->x_error_message ? ": " : "",
		            hd->x_error_message ? hd->x_error_message : "");
	else
		al_diag_set(&d, err, "%s: HTTP %d", x->what, st);
	xfer_finish(x, err, &d);
}

static void redirect(struct xfer *x)
{
	struct al_diag d = AL_DIAG_INIT;
	char *next = NULL, *r = NULL;
	CURLU *u = NULL;
	char *scheme = NULL;
	al_err err;

	if (!x->cur_hdrs.location) {
		al_diag_set(&d, AL_EHTTP, "%s: HTTP %d without a Location", x->what,
		            x->cur_hdrs.status);
		xfer_finish(x, AL_EHTTP, &d);
		return;
	}
	if (x->hop >= AL_HTTP_MAX_REDIRECTS) {
		al_diag_set(&d, AL_EHTTP, "%s: too many redirects (more than %d)", x->what,
		            AL_HTTP_MAX_REDIRECTS);
		xfer_finish(x, AL_EHTTP, &d);
		return;
	}
	if ((err = al_url_resolve(x->cur, x->cur_hdrs.location, &next, &d))) {
		al_diag_prefix(&d, "%s: redirect: ", x->what);
		goto fail;
	}
	if (!(u = curl_url()) || curl_url_set(u, CURLUPART_URL, next, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) || !scheme_ok(scheme)) {
		r = al_url_for_message(next);
		err = al_diag_set(&d, AL_EREFUSED, "%s: refusing a redirect to '%s'", x->what,
		                  r ? r : "?");
		goto fail;
	}
	if (al_url_has_userinfo(next)) {
		/* credentials a server puts in a Location are neither used nor kept */
		if (!(r = al_url_strip_userinfo(next))) {
			err = al_oom(&d);
			goto fail;
		}
		al_free(next);
		next = r;
		r = NULL;
	}
	if ((x->flags & AL_HTTP_STAY_ON_HOST) && !same_origin(x->url, next)) {
		x->resp.url = next; /* the answer is this redirect */
		next = NULL;
		xfer_finish(x, AL_OK, &d);
		goto out;
	}
	al_free(x->cur);
	x->cur = next;
	next = NULL;
	x->hop++;
	push_front(x->h, x);
	goto out;
fail:
	xfer_finish(x, err, &d);
out:
	al_free(next);
	al_free(r);
	curl_free(scheme);
	curl_url_cleanup(u);
}

/* Off the multi handle and the list of running transfers. */
static void act_remove(struct al_http *h, struct xfer *x)
{
	curl_multi_remove_handle(h->multi, x->easy);
	h->active--;
	if (x->prev)
		x->prev->next = x->next;
	else
		h->act = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->next = x->prev = NULL;
}

static void hop_done(struct xfer *x, CURLcode rc)
{
	struct al_http *h = x->h;
	struct al_http_hdrs *hd = &x->cur_hdrs;
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf reason = AL_BUF_INIT;
	int st;
	al_err err;

	act_remove(h, x);
	st = hd->status;
	if (x->hop == 0 && al_http_hdrs_copy(&x->resp.first, hd)) {
		al_oom(&d);
		xfer_finish(x, AL_ENOMEM, &d);
		return;
	}
	if (x->werr) {
		xfer_finish(x, x->werr, &x->wdiag);
		return;
	}
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && x->body_capped)) {
		const char *msg = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
		if (tls_problem(rc) &&
		    al_buf_addf(&reason, " (CA bundle: %s%s%s%s; to trust another, set "
		                "SSL_CERT_FILE, REQUESTS_CA_BUNDLE or PIP_CERT to a PEM file)",
		                h->ca_file ? h->ca_file : "the system default",
		                h->ca_var ? " (from " : "", h->ca_var ? h->ca_var : "",
		                h->ca_var ? ")" : ""))
			al_buf_reset(&reason); /* out of memory: the message without the hint */
		if (retryable_curl(rc)) {
			attempt_failed(x, AL_ENET, msg, reason.len ? reason.buf : NULL);
		} else {
			al_diag_set(&d, tls_problem(rc) ? AL_ECRYPTO : AL_ENET, "%s: %s%s", x->what, msg,
			            reason.len ? reason.buf : "");
			xfer_finish(x, d.code, &d);
		}
		al_buf_release(&reason);
		return;
	}
	if (is_redirect(st)) {
		redirect(x);
		return;
	}
	if (st == 304) {
		x->resp.not_modified = true;
		xfer_finish(x, AL_OK, &d);
		return;
	}
	if (st == 206 && x->rq_len >= 0 && x->method != AL_HTTP_HEAD &&
	    x->offset - x->body_base != (uint64_t)x->rq_len) {
		al_diag_set(&d, AL_EVERIFY, "%s: %llu bytes of the %lld the range promised", x->what,
		            (unsigned long long)(x->offset - x->body_base), (long long)x->rq_len);
		xfer_finish(x, AL_EVERIFY, &d);
		return;
	}
	if (st >= 200 && st < 300) {
		err = x->method == AL_HTTP_HEAD ? AL_OK : sink_finish(x, &d);
		xfer_finish(x, err, &d);
		return;
	}
	if (retryable_status(st)) {
		char buf[32];
		snprintf(buf, sizeof(buf), "HTTP %d", st);
		attempt_failed(x, AL_EHTTP, buf, NULL);
		return;
	}
	http_failed(x);
}

/* Fail everything still queued or running: the engine broke. */
static void fail_all(struct al_http *h, const struct al_diag *d)
{
	struct xfer *x;

	h->broken = true;
	while ((x = h->pending)) {
		h->pending = x->next;
		xfer_finish(x, d->code, d);
	}
	h->pending_tail = NULL;
	while ((x = h->waiting)) {
		h->waiting = x->next;
		xfer_finish(x, d->code, d);
	}
	while ((x = h->act)) {
		h->act = x->next;
		curl_multi_remove_handle(h->multi, x->easy);
		h->active--;
		xfer_finish(x, d->code, d);
	}
}

al_err al_http_run_until(struct al_http *h, bool (*until)(void *ctx), void *ctx,
                        struct al_diag *d)
{
	struct xfer *x, **pp;
	CURLMsg *msg;
	CURLMcode mc;
	uint64_t now, next_wake;
	int running, left, timeout;
	al_err err = AL_OK;

	if (h->running)
		return al_diag_set(d, AL_EUSAGE, "al_http_run called from a callback");
	if (until && until(ctx))
		return AL_OK;
	h->running = true;
	for (;;) {
		/* ranged downloads whose thread has checked and synced the file
		 * end here (their callbacks may queue more) */
		bool committing = al_ranged_poll(&h->ranged);

		/* backoffs that are over go to the back of the queue */
		now = now_ms();
		next_wake = UINT64_MAX;
		for (pp = &h->waiting; (x = *pp);) {
			if (x->not_before <= now) {
				*pp = x->next;
				x->next = NULL;
				if (h->pending_tail)
					h->pending_tail->next = x;
				else
					h->pending = x;
				h->pending_tail = x;
			} else {
				if (x->not_before < next_wake)
					next_wake = x->not_before;
				pp = &x->next;
			}
		}
		while (h->pending && h->active < h->parallel) {
			struct al_diag xd = AL_DIAG_INIT;
			x = h->pending;
			if (!(h->pending = x->next))
				h->pending_tail = NULL;
			x->next = NULL;
			if ((err = hop_start(x, &xd)))
				xfer_finish(x, err, &xd);
		}
		if (!h->pending && !h->waiting && !h->active && !committing)
			break;
		if ((mc = curl_multi_perform(h->multi, &running))) {
			err = al_diag_set(d, AL_EINTERNAL, "HTTP engine failure: %s",
			                  curl_multi_strerror(mc));
			fail_all(h, d);
			break;
		}
		while ((msg = curl_multi_info_read(h->multi, &left))) {
			char *priv = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			hop_done((struct xfer *)priv, msg->data.result);
		}
		if (until && until(ctx))
			break;
		if (h->pending && h->active < h->parallel)
			continue;
		if (!h->pending && !h->waiting && !h->active && !al_ranged_poll(&h->ranged))
			continue; /* the last ranged download ended: its callback may add more */
		timeout = 1000;
		now = now_ms();
		if (next_wake <= now)
			timeout = 0;
		else if (next_wake - now < 1000)
			timeout = (int)(next_wake - now);
		if ((mc = curl_multi_poll(h->multi, NULL, 0, timeout, NULL))) {
			err = al_diag_set(d, AL_EINTERNAL, "HTTP engine failure: %s",
			                  curl_multi_strerror(mc));
			fail_all(h, d);
			break;
		}
	}
	h->running = false;
	return err;
}

al_err al_http_run(struct al_http *h, struct al_diag *d)
{
	return al_http_run_until(h, NULL, NULL, d);
}

void al_http_wakeup(struct al_http *h)
{
	al_ignore(curl_multi_wakeup(h->multi));
}

void al_http_hurry(struct al_http *h, const void *ctx)
{
	struct xfer *x, **pp, *front = NULL, **ftail = &front;

	for (pp = &h->pending; (x = *pp);) {
		if (x->ctx == ctx) {
			*pp = x->next;
			x->next = NULL;
			*ftail = x;
			ftail = &x->next;
		} else {
			pp = &x->next;
		}
	}
	if (!front)
		return;
	*ftail = h->pending;
	h->pending = front;
	for (h->pending_tail = front; h->pending_tail->next;)
		h->pending_tail = h->pending_tail->next;
}

static void drop_owned(struct xfer **list, const void *owner)
{
	struct xfer *x, **pp;

	for (pp = list; (x = *pp);) {
		if (x->owner == owner) {
			*pp = x->next;
			xfer_free(x);
		} else {
			pp = &x->next;
		}
	}
}

void al_http_cancel(struct al_http *h, const void *owner)
{
	struct xfer *x, *next;

	if (!h || !owner || h->running)
		return;
	drop_owned(&h->pending, owner);
	for (h->pending_tail = h->pending; h->pending_tail && h->pending_tail->next;)
		h->pending_tail = h->pending_tail->next;
	drop_owned(&h->waiting, owner);
	for (x = h->act; x; x = next) {
		next = x->next;
		if (x->owner != owner)
			continue;
		act_remove(h, x);
		xfer_free(x);
	}
	al_ranged_drop(&h->ranged, owner); /* after their parts: those are gone now */
}

/* ---- the synchronous GET --------------------------------------------------------- */

static void get_done(void *ctx, struct al_http_resp *resp)
{
	al_http_resp_move(ctx, resp);
}

al_err al_http_get(struct al_http *h, const char *url, const char *const *headers, size_t max,
                   struct al_buf *body, struct al_http_resp *resp, struct al_diag *d)
{
	struct al_http_req req = AL_HTTP_REQ_INIT;
	struct al_http_resp r;
	al_err err;

	al_http_resp_init(&r);
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.max = max;
	req.done = get_done;
	req.ctx = &r;
	if ((err = al_http_add(h, &req, d)) || (err = al_http_run(h, d)))
		goto out;
	if ((err = r.err))
		al_diag_set(d, err, "%s", r.diag.msg);
	if (resp)
		al_http_resp_move(resp, &r);
out:
	al_http_resp_release(&r);
	return err;
}
