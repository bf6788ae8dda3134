/*
 * serve.c: `airlock serve`, the read-only HTTP server over a published tree
 * (docs/reference/serve.md): the libmicrohttpd daemon and its lifecycle (listening,
 * accept policy, per-client limits, request deadlines and the reaper, strict
 * framing, the access log), the request path split, the responses every part
 * uses, and dispatch. Static files are in serve-files.c, the PEP 503/691
 * pages in serve-simple.c, the Hub API in serve-hub.c; what they share is in
 * serve-internal.h.
 *
 *   /simple/, /simple/<project>/    PEP 503 HTML or PEP 691 JSON by the Accept header
 *   /wheels/<file>, /requirements/<file>, /models/..., /datasets/...   files, with Range
 *   /api/{models,datasets}/<repo>[/revision/<rev>], .../tree/<rev>[/<path>],
 *   .../paths-info/<rev> (POST), .../refs     the Hub API that HF_ENDPOINT clients call
 *   /[datasets/]<repo>/resolve/<rev>/<path>   Hub file downloads, no redirect
 *   /, /index.html, /catalog/...    the catalog publish wrote (mirror/catalog.c)
 *   /healthz
 *
 * Every request opens DIR afresh (DIR is a symbolic link that publish
 * switches to a new generation) and keeps that directory's descriptor; every
 * file is then opened beneath it with openat2(RESOLVE_BENEATH) (or, without
 * openat2, al_serve_open_walk), so neither a "..", an encoded one, nor a
 * symbolic link planted in the tree can reach anything outside the
 * generation the request resolved; only regular files are served.
 *
 * The request path is percent-decoded once, here (MHD's own unescaping is
 * turned off), segment by segment, so an encoded '/' stays inside its
 * segment and is refused wherever it would change the structure.
 *
 * MHD's connection timeout counts idle time only: a client that trickles a
 * header byte a second is never idle. So every connection also has a request
 * deadline: its request line, headers (and a POST body) must arrive within
 * the timeout of the connection's start or of the previous answer's end. A
 * reaper thread shuts down (shutdown(2): MHD then closes and forgets it) any
 * connection past its deadline. The list of connections is kept by MHD's
 * connection notifications; CLOSED comes before MHD closes the descriptor, and
 * the reaper holds the same mutex, so it never shuts down a reused one.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "mirror/serve-internal.h"

/* Decimal digits into *v; false on overflow or no digits. */
bool serve_parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (!n || n > 19)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return true;
}

/* ---- the request path ------------------------------------------------------------ */

/* Is every '/'-separated part of s a real name (not "", "." or "..")? */
bool serve_parts_ok(const char *s)
{
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (!e)
			return true;
		s = e + 1;
	}
	return false;
}

/* 0, or the status to answer: 400 for anything that could change the path's
 * structure or names a control character, 414 for too many segments. */
static unsigned parse_path(const char *raw, struct rpath *p)
{
	const char *s;
	char *o;

	memset(p, 0, sizeof(*p));
	if (raw[0] != '/')
		return 400;
	if (!(p->buf = al_malloc(strlen(raw) + 1)))
		return 500;
	o = p->buf;
	s = raw + 1;
	if (!*s) {
		p->trailing = true;
		return 0;
	}
	for (;;) {
		char *seg = o;
		if (p->n == SEGS_MAX)
			return 414;
		while (*s && *s != '/') {
			unsigned char c = (unsigned char)*s;
			if (c == '%') {
				int hi = al_hexval(s[1]), lo = hi < 0 ? -1 : al_hexval(s[2]);
				if (hi < 0 || lo < 0)
					return 400;
				c = (unsigned char)(hi << 4 | lo);
				s += 3;
			} else {
				s++;
			}
			if (c < 0x20 || c == 0x7f || c == '\\')
				return 400;
			if (c == '/')
				p->slash[p->n] = true;
			*o++ = (char)c;
		}
		*o++ = '\0';
		if (!serve_parts_ok(seg))
			return 400;
		p->seg[p->n++] = seg;
		if (!*s)
			break;
		if (!*++s) {
			p->trailing = true;
			break;
		}
	}
	return 0;
}

unsigned al_serve_path_split(const char *raw, void (*seg)(void *ctx, const char *s, bool slash),
                             void *ctx)
{
	struct rpath p;
	unsigned bad = parse_path(raw, &p);
	size_t i;

	for (i = 0; !bad && seg && i < p.n; i++)
		seg(ctx, p.seg[i], p.slash[i]);
	al_free(p.buf);
	return bad;
}

bool serve_no_slashes(const struct rpath *p, size_t from, size_t to)
{
	for (; from < to; from++)
		if (p->slash[from])
			return false;
	return true;
}

al_err serve_join_segs(struct al_buf *b, const struct rpath *p, size_t from, size_t to)
{
	al_err err = AL_OK;
	size_t i;

	for (i = from; i < to && !err; i++)
		err = (i > from ? al_buf_addch(b, '/') : AL_OK) ?: al_buf_addstr(b, p->seg[i]);
	return err;
}

/* ---- responses ------------------------------------------------------------------- */

/* hdrs: name, value pairs ending with a NULL name; a NULL value is skipped. */
enum MHD_Result serve_queue(struct req *r, struct MHD_Response *resp, unsigned status,
                            const char *ctype, uint64_t len, const char *const *hdrs)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	if (ctype)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	for (; hdrs && hdrs[0]; hdrs += 2)
		if (hdrs[1])
			MHD_add_response_header(resp, hdrs[0], hdrs[1]);
	r->status = status;
	r->ctype = ctype;
	r->bytes = r->m == M_HEAD ? 0 : len;
	ret = MHD_queue_response(r->c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result serve_reply(struct req *r, unsigned status, const char *ctype, const void *p,
                            size_t n, const char *const *hdrs)
{
	return serve_queue(r, MHD_create_response_from_buffer(n, (void *)p, MHD_RESPMEM_MUST_COPY), status,
	                   ctype, n, hdrs);
}

enum MHD_Result serve_text(struct req *r, unsigned status, const char *msg)
{
	struct al_buf b = AL_BUF_INIT;
	enum MHD_Result ret;

	if (al_buf_addf(&b, "%s\n", msg))
		return MHD_NO;
	ret = serve_reply(r, status, CT_TEXT, b.buf, b.len, NULL);
	al_buf_release(&b);
	return ret;
}

enum MHD_Result serve_not_allowed(struct req *r, const char *allow)
{
	const char *h[] = { MHD_HTTP_HEADER_ALLOW, allow, NULL };
	static const char msg[] = "method not allowed\n";

	return serve_reply(r, 405, CT_TEXT, msg, sizeof(msg) - 1, h);
}

enum MHD_Result serve_redirect(struct req *r, const char *location)
{
	const char *h[] = { MHD_HTTP_HEADER_LOCATION, location, MHD_HTTP_HEADER_VARY, "Accept", NULL };
	static const char msg[] = "moved\n";

	return serve_reply(r, 301, CT_TEXT, msg, sizeof(msg) - 1, h);
}

/* The Hub's error shape: X-Error-Code and {"error": "..."} (hf-hub-protocol.md 4.3). */
__attribute__((format(printf, 5, 6)))
enum MHD_Result serve_hub_error(struct req *r, unsigned status, const char *code,
                                const char *commit, const char *fmt, ...)
{
	char msg[512], hmsg[512];
	json_t *j = NULL;
	char *body = NULL;
	enum MHD_Result ret = MHD_NO;
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; msg[i]; i++) /* a header value: printable ASCII only */
		hmsg[i] = (msg[i] < 0x20 || msg[i] >= 0x7f) ? '?' : msg[i];
	hmsg[i] = '\0';
	if ((j = json_pack("{s:s}", "error", msg)) && (body = json_dumps(j, JSON_COMPACT))) {
		const char *h[] = { "X-Error-Code", code, "X-Error-Message", hmsg,
			            "X-Repo-Commit", commit, NULL };
		ret = serve_reply(r, status, CT_JSON, body, strlen(body), h);
	}
	free(body);
	json_decref(j);
	return ret;
}

/* Steals j. */
enum MHD_Result serve_reply_json(struct req *r, json_t *j, const char *const *hdrs)
{
	char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	enum MHD_Result ret;

	json_decref(j);
	if (!body)
		return serve_text(r, 500, "out of memory");
	ret = serve_reply(r, 200, CT_JSON, body, strlen(body), hdrs);
	free(body);
	return ret;
}

/* ---- dispatch ------------------------------------------------------------------------ */

/* The catalog's pages run only their own inline scripts and load nothing
 * from anywhere (docs/reference/catalog.md). */
static const char *const catalog_headers[] = {
	"Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; "
	"style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
	"frame-ancestors 'none'",
	"X-Content-Type-Options", "nosniff", NULL
};

/* /: the catalog's index.html, or (a tree published before the catalog) a line
 * of text saying what to point clients at. */
static enum MHD_Result serve_home(struct req *r)
{
	static const char home[] = "airlock serve: pip --index-url <this URL>simple/, "
	                           "HF_ENDPOINT=<this URL>\n";
	int fd;

	if (r->m != M_GET && r->m != M_HEAD)
		return serve_not_allowed(r, "GET, HEAD");
	if ((fd = serve_open_beneath(r->gen, "index.html", O_RDONLY | O_NONBLOCK)) >= 0)
		return serve_fd(r, fd, CT_HTML, NULL, catalog_headers);
	return serve_reply(r, 200, CT_TEXT, home, sizeof(home) - 1, NULL);
}

/* /catalog/<path>: its pages and index.json; no listings. */
static enum MHD_Result serve_catalog(struct req *r, const struct rpath *p)
{
	struct al_buf rel = AL_BUF_INIT;
	enum MHD_Result ret;
	const char *last = p->seg[p->n - 1];
	size_t n = strlen(last);
	bool html = n > 5 && !strcmp(last + n - 5, ".html");

	if (r->m != M_GET && r->m != M_HEAD)
		return serve_not_allowed(r, "GET, HEAD");
	if (p->n < 2 || p->trailing || !serve_no_slashes(p, 0, p->n))
		return serve_text(r, 404, "not found");
	if (serve_join_segs(&rel, p, 0, p->n))
		return serve_text(r, 500, "out of memory");
	ret = serve_rel(r, rel.buf, html ? CT_HTML : CT_JSON, html ? catalog_headers : NULL);
	al_buf_release(&rel);
	return ret;
}

static enum MHD_Result dispatch(struct req *r, const char *url)
{
	struct rpath p;
	enum MHD_Result ret;
	unsigned bad;
	int rr;

	if ((bad = parse_path(url, &p))) {
		al_free(p.buf);
		return serve_text(r, bad, bad == 500 ? "out of memory" : "bad request path");
	}
	if ((r->gen = open(r->srv->root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		ret = serve_text(r, 503, "the published tree is not available");
		goto out;
	}
	if (p.n == 0 || (p.n == 1 && !p.trailing && !strcmp(p.seg[0], "index.html"))) {
		ret = serve_home(r);
	} else if (!strcmp(p.seg[0], "healthz") && p.n == 1) {
		ret = r->m == M_GET || r->m == M_HEAD ? serve_reply(r, 200, CT_TEXT, "ok\n", 3, NULL)
		                                      : serve_not_allowed(r, "GET, HEAD");
	} else if (!strcmp(p.seg[0], "simple")) {
		ret = serve_route_simple(r, &p);
	} else if (!strcmp(p.seg[0], "api")) {
		ret = serve_route_api(r, &p, url);
	} else if (!strcmp(p.seg[0], "wheels") || !strcmp(p.seg[0], "requirements") ||
	           !strcmp(p.seg[0], "sbom")) {
		ret = serve_route_files(r, &p);
	} else if (r->m != M_GET && r->m != M_HEAD) {
		ret = serve_not_allowed(r, "GET, HEAD");
	} else if ((rr = serve_route_resolve(r, &p, &ret)) == 0) {
		/* answered */
	} else if (rr == 404) {
		ret = serve_hub_error(r, 404, "RepoNotFound", NULL, "Repository not found");
	} else if (!strcmp(p.seg[0], "models") || !strcmp(p.seg[0], "datasets")) {
		ret = serve_route_files(r, &p);
	} else if (!strcmp(p.seg[0], "catalog")) {
		ret = serve_catalog(r, &p);
	} else {
		ret = serve_text(r, 404, "not found");
	}
out:
	if (r->gen >= 0)
		close(r->gen);
	r->gen = -1;
	al_free(p.buf);
	return ret;
}

/* ---- strict framing --------------------------------------------------------------------
 *
 * libmicrohttpd 0.9.75 with MHD_OPTION_STRICT_FOR_CLIENT 1 refuses an HTTP/1.1
 * request without Host and a space in the request target; it refuses a header
 * line without a colon, a Content-Length that is not all digits, and lines
 * longer than the connection's memory. It accepts the rest: both
 * Content-Length and Transfer-Encoding (it then reads the body chunked), a
 * second Content-Length (it uses the first), any Transfer-Encoding, a body on
 * a GET, whitespace before a colon (the name keeps it), control bytes, a
 * folded line (glued onto the previous header's name), and a NUL, which
 * silently ends the string it is in. A proxy in front may read such a request
 * differently from us (request smuggling), so the first call of the handler
 * refuses all of them with 400 and closes the connection.
 *
 * MHD parses a request in place, in one buffer: the method, the target, the
 * version and each header's name and value are pointers into it, the bytes
 * that ended them (space, colon, CR, LF) overwritten with NUL. So a NUL the
 * client sent, a fold or a bare LF shows as a piece that does not end where
 * the next begins: each piece must end exactly where the request line's or
 * the header line's grammar puts the next one. */

/* RFC 9110 tchar: what a method or a header name is made of. */
static bool tchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

struct framing {
	const char *next;     /* where the next header line must start */
	const char *why;      /* the first problem, or NULL */
	const char *cl, *te;  /* the Content-Length and Transfer-Encoding values */
	unsigned ncl, nte, nhost;
};

#define NOT_FRAMED "a header line is folded, holds a NUL or does not end with CRLF"

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      size_t klen, const char *value, size_t vlen)
{
	struct framing *f = cls;
	const char *p;
	size_t i;

	(void)kind;
	if (key != f->next || !value) {
		f->why = NOT_FRAMED;
		return MHD_NO;
	}
	for (i = 0; i < klen; i++)
		if (!tchar((unsigned char)key[i]))
			break;
	if (!klen || i < klen) {
		f->why = "a header name is empty or holds a space, a tab or a control byte";
		return MHD_NO;
	}
	/* the colon (now NUL), then only spaces and tabs up to the value */
	p = key + klen + 1;
	if (value < p || (size_t)(value - p) > HEADER_POOL) {
		f->why = NOT_FRAMED;
		return MHD_NO;
	}
	for (; p < value; p++)
		if (*p != ' ' && *p != '\t') {
			f->why = NOT_FRAMED;
			return MHD_NO;
		}
	for (i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)value[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			f->why = "a header value holds a control byte (CR, NUL ...)";
			return MHD_NO;
		}
	}
	/* CR and LF, both overwritten */
	if (value[vlen] || value[vlen + 1]) {
		f->why = NOT_FRAMED;
		return MHD_NO;
	}
	f->next = value + vlen + 2;
	if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		f->ncl++;
		f->cl = value;
	} else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		f->nte++;
		f->te = value;
	} else if (!strcasecmp(key, MHD_HTTP_HEADER_HOST)) {
		f->nhost++;
	}
	return MHD_YES;
}

/* NULL when the request line and headers are well framed, else why not. */
static const char *framing_check(const struct req *r, const char *method, const char *version)
{
	struct framing f;
	size_t i, mlen = strlen(method), vlen = strlen(version);

	memset(&f, 0, sizeof(f));
	if (!r->uri)
		return "no request target";
	for (i = 0; i < mlen; i++)
		if (!tchar((unsigned char)method[i]))
			return "the method is not a token";
	if (!mlen || method + mlen + 1 != r->uri)
		return "the request line holds a NUL or more than one space";
	if (r->uri_ctl)
		return "the request target holds a control byte (CR, NUL ...)";
	if (r->uri + r->uri_len + 1 != version)
		return "the request line holds a NUL or more than one space";
	if (vlen != 8 || strncmp(version, "HTTP/1.", 7) || version[7] < '0' || version[7] > '9')
		return "the version is not HTTP/1.x";
	if (version[vlen + 1])
		return "the request line does not end with CRLF";
	f.next = version + vlen + 2;
	MHD_get_connection_values_n(r->c, MHD_HEADER_KIND, framing_header, &f);
	if (f.why)
		return f.why;
	if (f.next[0] || f.next[1])
		return "the header section does not end with an empty CRLF line";
	if (f.nhost > 1)
		return "more than one Host";
	if (f.ncl > 1)
		return "more than one Content-Length";
	if (f.nte > 1)
		return "more than one Transfer-Encoding";
	if (f.ncl && f.nte)
		return "both Content-Length and Transfer-Encoding";
	if (f.te && strcasecmp(f.te, "chunked"))
		return "a Transfer-Encoding other than chunked";
	if ((r->m == M_GET || r->m == M_HEAD) && (f.te || (f.cl && strcmp(f.cl, "0"))))
		return "a body on a GET or HEAD";
	return NULL;
}

/* 400 and close the connection (the rest of what the client sent is not
 * read as another request). */
static enum MHD_Result bad_framing(struct req *r, const char *why)
{
	const char *h[] = { MHD_HTTP_HEADER_CONNECTION, "close", NULL };
	struct al_buf b = AL_BUF_INIT;
	enum MHD_Result ret;

	if (al_buf_addf(&b, "bad request: %s\n", why))
		return MHD_NO;
	ret = serve_reply(r, 400, CT_TEXT, b.buf, b.len, h);
	al_buf_release(&b);
	return ret;
}

/* MHD calls this with the request target before it splits off the query or
 * decodes anything (the pointer is into its buffer); what it returns is the
 * handler's *req_cls. */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct req *r = al_calloc(1, sizeof(*r));
	size_t i;

	if (!r)
		return NULL;
	r->srv = cls;
	r->c = c;
	r->gen = -1;
	r->uri = uri;
	r->uri_len = strlen(uri);
	for (i = 0; i < r->uri_len; i++) /* MHD overwrites '?', '&' and '=' after this */
		if ((unsigned char)uri[i] <= 0x20 || uri[i] == 0x7f)
			r->uri_ctl = true;
	al_buf_init(&r->body);
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	return r;
}

/* ---- request deadlines ------------------------------------------------------------ */

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* Arm (the next request must arrive within the timeout) or clear. */
static void conn_deadline(struct al_serve *srv, struct conn *k, bool arm)
{
	struct timespec t = { 0, 0 };

	if (!k)
		return;
	if (arm) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_sec += srv->request_timeout;
	}
	pthread_mutex_lock(&srv->lock);
	k->deadline = t;
	pthread_mutex_unlock(&srv->lock);
}

static void notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode code)
{
	struct al_serve *srv = cls;
	struct conn *k = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		pthread_mutex_lock(&srv->lock);
		srv->nconns++;
		pthread_mutex_unlock(&srv->lock);
		/* out of memory: no deadline for this one, the idle timeout still holds */
		if (!ci || !(k = al_calloc(1, sizeof(*k))))
			return;
		k->fd = ci->connect_fd;
		clock_gettime(CLOCK_MONOTONIC, &k->deadline);
		k->deadline.tv_sec += srv->request_timeout;
		pthread_mutex_lock(&srv->lock);
		k->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = k;
		srv->conns = k;
		pthread_mutex_unlock(&srv->lock);
		*socket_context = k;
		return;
	}
	pthread_mutex_lock(&srv->lock);
	srv->nconns--;
	if (!k) {
		pthread_mutex_unlock(&srv->lock);
		return;
	}
	if (k->prev)
		k->prev->next = k->next;
	else
		srv->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	pthread_mutex_unlock(&srv->lock);
	al_free(k);
	*socket_context = NULL;
}

/* libmicrohttpd divides its connection limit among the threads of its pool,
 * and a thread that has its share closes what it accepts even when the others
 * have room: under load, 1000 connections to a server allowed 1024 on two
 * threads lost some. Each thread may take the whole limit instead, and this
 * keeps the total (a few over, when threads accept at the same moment). */
static enum MHD_Result accept_conn(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct al_serve *srv = cls;
	bool room;

	(void)addr;
	(void)len;
	pthread_mutex_lock(&srv->lock);
	room = srv->nconns < srv->max_conns;
	pthread_mutex_unlock(&srv->lock);
	return room ? MHD_YES : MHD_NO;
}

static void *reaper(void *arg)
{
	struct al_serve *srv = arg;

	pthread_mutex_lock(&srv->lock);
	while (!srv->stopping) {
		struct timespec now, until;
		struct conn *k;

		clock_gettime(CLOCK_MONOTONIC, &now);
		for (k = srv->conns; k; k = k->next) {
			if (k->shut || !k->deadline.tv_sec)
				continue;
			if (k->deadline.tv_sec < now.tv_sec ||
			    (k->deadline.tv_sec == now.tv_sec && k->deadline.tv_nsec <= now.tv_nsec)) {
				shutdown(k->fd, SHUT_RDWR);
				k->shut = true;
			}
		}
		until = now;
		until.tv_sec += 1;
		pthread_cond_timedwait(&srv->wake, &srv->lock, &until);
	}
	pthread_mutex_unlock(&srv->lock);
	return NULL;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req_cls)
{
	struct al_serve *srv = cls;
	struct req *r = *req_cls;
	const char *why;

	if (!r) {
		/* no target (so uri_seen never ran), or it ran out of memory */
		if (!(r = uri_seen(srv, "", c)))
			return MHD_NO;
		r->uri = NULL; /* framing_check refuses it */
		*req_cls = r;
	}
	if (!r->started) {
		r->started = true;
		r->m = !strcmp(method, "GET") ? M_GET : !strcmp(method, "HEAD") ? M_HEAD
		         : !strcmp(method, "POST") ? M_POST : M_OTHER;
		if (srv->log) {
			r->method = al_strndup(method, 32);
			r->path = al_strndup(url, 2048);
		}
		if ((why = framing_check(r, method, version)))
			return bad_framing(r, why);
		if (r->m != M_POST)
			conn_deadline(srv, conn_of(c), false); /* the whole request is here */
		if (r->m == M_POST) {
			const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
			                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
			uint64_t n;
			if (cl && (!serve_parse_u64(cl, strlen(cl), &n) || n > BODY_MAX))
				return serve_text(r, 413, "request body too large");
		}
		/* answering on the first call would make MHD close the connection */
		return MHD_YES;
	}
	if (!*upload_size)
		conn_deadline(srv, conn_of(c), false); /* the POST body is complete */
	if (r->status) {
		*upload_size = 0;
		return MHD_YES;
	} else if (*upload_size) {
		if (!r->body_too_big && r->body.len + *upload_size <= BODY_MAX &&
		    !al_buf_add(&r->body, upload, *upload_size)) {
			*upload_size = 0;
			return MHD_YES;
		}
		r->body_too_big = true;
		*upload_size = 0;
		return serve_text(r, 413, "request body too large");
	}
	return dispatch(r, url);
}

static void completed(void *cls, struct MHD_Connection *c, void **req_cls,
                      enum MHD_RequestTerminationCode toe)
{
	struct al_serve *srv = cls;
	struct req *r = *req_cls;

	(void)toe;
	conn_deadline(srv, conn_of(c), true); /* the next request on this connection */
	if (!r)
		return;
	if (srv->log && r->started) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		char addr[INET6_ADDRSTRLEN] = "-";
		struct al_serve_log e;
		struct timespec t1;

		if (ci && ci->client_addr) {
			const struct sockaddr *sa = ci->client_addr;
			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
				          addr, sizeof(addr));
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6,
				          &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, addr,
				          sizeof(addr));
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		e.client = addr;
		e.method = r->method ? r->method : "-";
		e.path = r->path ? r->path : "-";
		e.status = r->status;
		e.bytes = r->bytes;
		e.seconds = (double)(t1.tv_sec - r->t0.tv_sec) + (t1.tv_nsec - r->t0.tv_nsec) / 1e9;
		e.content_type = r->ctype;
		srv->log(srv->log_ctx, &e);
	}
	if (r->gen >= 0)
		close(r->gen);
	al_buf_release(&r->body);
	al_free(r->method);
	al_free(r->path);
	al_free(r);
	*req_cls = NULL;
}

/* MHD would decode the path before we see it: we decode it ourselves, once. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

/* ---- start and stop ------------------------------------------------------------------ */

static al_err bind_listen(const char *listen_at, int *fd_out, struct al_serve *srv, bool *v6,
                          struct al_diag *d)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char *host = NULL, addr[INET6_ADDRSTRLEN];
	const char *colon, *port;
	struct al_buf u = AL_BUF_INIT;
	al_err err = AL_OK;
	int fd = -1, one = 1, rc;

	if (listen_at[0] == '[') {
		const char *close_ = strchr(listen_at, ']');
		if (!close_ || close_[1] != ':')
			return al_diag_set(d, AL_EUSAGE, "listen address '%s' is not ADDR:PORT", listen_at);
		host = al_strndup(listen_at + 1, (size_t)(close_ - listen_at - 1));
		port = close_ + 2;
	} else {
		if (!(colon = strrchr(listen_at, ':')))
			return al_diag_set(d, AL_EUSAGE, "listen address '%s' is not ADDR:PORT", listen_at);
		host = al_strndup(listen_at, (size_t)(colon - listen_at));
		port = colon + 1;
	}
	if (!host)
		return al_oom(d);
	if (!*port || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
	    atoi(port) > 65535) {
		err = al_diag_set(d, AL_EUSAGE, "listen address '%s': bad port", listen_at);
		goto out;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(*host ? host : NULL, port, &hints, &res))) {
		err = al_diag_set(d, AL_EUSAGE, "listen address '%s': %s", listen_at, gai_strerror(rc));
		goto out;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		err = al_diag_set(d, AL_EIO, "cannot listen on '%s': %s", listen_at, strerror(errno));
		goto out;
	}
	*v6 = ss.ss_family == AF_INET6;
	if (*v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		srv->port = ntohs(s6->sin6_port);
		err = al_buf_addf(&u, "[%s]:%u", addr, srv->port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		srv->port = ntohs(s4->sin_port);
		err = al_buf_addf(&u, "%s:%u", addr, srv->port);
	}
	if (err || !(srv->hostport = al_strdup(u.buf)) ||
	    (al_buf_reset(&u), al_buf_addf(&u, "http://%s/", srv->hostport)) ||
	    !(srv->url = al_buf_detach(&u, NULL))) {
		err = al_oom(d);
		goto out;
	}
	*fd_out = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	if (res)
		freeaddrinfo(res);
	al_free(host);
	al_buf_release(&u);
	return err;
}

/* The reaper's mutex and condition (on the monotonic clock). */
static al_err sync_init(struct al_serve *srv, struct al_diag *d)
{
	pthread_condattr_t ca;
	int e;

	if ((e = pthread_condattr_init(&ca)))
		return al_diag_set(d, AL_ENOMEM, "cannot set up a condition: %s", strerror(e));
	if ((e = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) ||
	    (e = pthread_cond_init(&srv->wake, &ca))) {
		pthread_condattr_destroy(&ca);
		return al_diag_set(d, AL_ENOMEM, "cannot set up a condition: %s", strerror(e));
	}
	pthread_condattr_destroy(&ca);
	if ((e = pthread_mutex_init(&srv->lock, NULL))) {
		pthread_cond_destroy(&srv->wake);
		return al_diag_set(d, AL_ENOMEM, "cannot set up a mutex: %s", strerror(e));
	}
	srv->sync_init = true;
	return AL_OK;
}

static void sync_release(struct al_serve *srv)
{
	if (!srv->sync_init)
		return;
	pthread_mutex_destroy(&srv->lock);
	pthread_cond_destroy(&srv->wake);
	srv->sync_init = false;
}

/* root names a published tree (DIR, or what it points to, holds airlock-published.json). */
static al_err check_published(const char *root, struct al_diag *d)
{
	struct stat st;
	int gen;

	if (!root)
		return al_diag_set(d, AL_EUSAGE, "no published tree to serve");
	if ((gen = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return al_diag_set(d, AL_ENOTFOUND, "cannot open '%s': %s", root, strerror(errno));
	if (fstatat(gen, "airlock-published.json", &st, 0) < 0) {
		close(gen);
		return al_diag_set(d, AL_EINVALID, "'%s' is not a published tree "
		                   "(no airlock-published.json; see airlock publish)", root);
	}
	close(gen);
	return AL_OK;
}

/* root made absolute against the working directory (each request opens it
 * afresh); NULL when out of memory. */
static char *absolute_path(const char *root)
{
	char *cwd, *out = NULL;
	struct al_buf b = AL_BUF_INIT;

	if (root[0] == '/')
		return al_strdup(root);
	cwd = getcwd(NULL, 0);
	if (cwd && !al_buf_addf(&b, "%s/%s", cwd, root))
		out = al_buf_detach(&b, NULL);
	free(cwd);
	return out;
}

al_err al_serve_start(struct al_serve **out, const struct al_serve_opts *o, struct al_diag *d)
{
	struct al_serve *srv = NULL;
	unsigned threads = o->threads, flags, per_client;
	bool v6 = false;
	al_err err;
	int fd = -1;

	*out = NULL;
	if ((err = check_published(o->root, d)))
		return err;
	if (!(srv = al_calloc(1, sizeof(*srv))))
		return al_oom(d);
	srv->log = o->log;
	srv->log_ctx = o->log_ctx;
	srv->timeout = o->timeout ? o->timeout : 30u;
	srv->request_timeout = o->request_timeout ? o->request_timeout : srv->timeout;
	if ((err = sync_init(srv, d)))
		goto fail;
	if (!(srv->root = absolute_path(o->root))) {
		err = al_oom(d);
		goto fail;
	}
	if ((err = bind_listen(o->listen ? o->listen : "127.0.0.1:8080", &fd, srv, &v6, d)))
		goto fail;
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC;
	if (v6)
		flags |= MHD_USE_IPv6;
	srv->max_conns = o->max_connections ? o->max_connections : 1024u;
	/* one address may not take them all (0 for MHD: no limit) */
	per_client = o->max_per_client == UINT_MAX ? 0
	             : o->max_per_client ? o->max_per_client
	             : srv->max_conns / 8 > 16 ? srv->max_conns / 8 : 16;
	srv->mhd = MHD_start_daemon(
		flags, 0, accept_conn, srv, handle, srv, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT,
		srv->max_conns > UINT_MAX / threads ? UINT_MAX : srv->max_conns * threads,
		MHD_OPTION_CONNECTION_TIMEOUT, srv->timeout,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_client,
		MHD_OPTION_STRICT_FOR_CLIENT, 1,
		MHD_OPTION_URI_LOG_CALLBACK, uri_seen, srv,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, HEADER_POOL, MHD_OPTION_NOTIFY_COMPLETED, completed,
		srv, MHD_OPTION_NOTIFY_CONNECTION, notify_conn, srv,
		MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
		threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads, MHD_OPTION_END);
	if (!srv->mhd) {
		err = al_diag_set(d, AL_EIO, "cannot start the HTTP server on '%s'", srv->hostport);
		goto fail;
	}
	fd = -1; /* MHD owns it */
	if ((errno = pthread_create(&srv->reaper, NULL, reaper, srv))) {
		err = al_diag_set(d, AL_EIO, "cannot start a thread: %s", strerror(errno));
		goto fail;
	}
	srv->reaper_started = true;
	*out = srv;
	return AL_OK;
fail:
	if (srv->mhd)
		MHD_stop_daemon(srv->mhd);
	if (fd >= 0)
		close(fd);
	sync_release(srv);
	al_free(srv->root);
	al_free(srv->url);
	al_free(srv->hostport);
	al_free(srv);
	return err;
}

unsigned al_serve_port(const struct al_serve *srv)
{
	return srv->port;
}

const char *al_serve_url(const struct al_serve *srv)
{
	return srv->url;
}

void al_serve_stop(struct al_serve *srv)
{
	if (!srv)
		return;
	if (srv->reaper_started) {
		pthread_mutex_lock(&srv->lock);
		srv->stopping = true;
		pthread_cond_signal(&srv->wake);
		pthread_mutex_unlock(&srv->lock);
		pthread_join(srv->reaper, NULL);
	}
	MHD_stop_daemon(srv->mhd); /* closes the listening socket too */
	sync_release(srv);
	al_free(srv->root);
	al_free(srv->url);
	al_free(srv->hostport);
	al_free(srv);
}
