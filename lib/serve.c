/*
 * serve.c: `airlock serve`, the read-only HTTP server over a published tree
 * (docs/serve.md). The only file that includes
 * microhttpd.h.
 *
 *   /simple/, /simple/<project>/    PEP 503 HTML or PEP 691 JSON by the Accept header
 *   /wheels/<file>, /requirements/<file>, /models/..., /datasets/...   files, with Range
 *   /api/{models,datasets}/<repo>[/revision/<rev>], .../tree/<rev>[/<path>],
 *   .../paths-info/<rev> (POST), .../refs     the Hub API that HF_ENDPOINT clients call
 *   /[datasets/]<repo>/resolve/<rev>/<path>   Hub file downloads, no redirect
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
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/openat2.h>
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
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "buf.h"
#include "hash.h"
#include "mem.h"
#include "serve.h"

#define INFO_MAX ((size_t)64 << 20)    /* hf/api/.../info.json */
#define BODY_MAX ((size_t)64 << 10)    /* a POST body */
#define HEADER_POOL ((size_t)32 << 10) /* per connection: request line and headers */
#define SEGS_MAX 256
#define PAGE_MAX 1000                  /* tree entries per page */
#define PATHS_MAX 10000                /* paths in one paths-info request */
#define LIST_MAX 1000000               /* directory entries in a listing */

#define CT_HTML "text/html; charset=utf-8"
#define CT_V1HTML "application/vnd.pypi.simple.v1+html"
#define CT_V1JSON "application/vnd.pypi.simple.v1+json"
#define CT_JSON "application/json"
#define CT_TEXT "text/plain; charset=utf-8"
#define CT_BIN "application/octet-stream"

/* A connection and its request deadline (see the top of the file). */
struct conn {
	struct conn *prev, *next;
	int fd;
	bool shut;                 /* the reaper has shut it down */
	struct timespec deadline;  /* tv_sec 0: none (a request is being answered) */
};

struct al_serve {
	struct MHD_Daemon *mhd;
	char *root;
	char *url;
	char *hostport; /* for Link headers when a client sends no usable Host */
	unsigned port;
	unsigned timeout;         /* idle seconds */
	unsigned request_timeout; /* seconds for a whole request to arrive */
	al_serve_log_cb log;
	void *log_ctx;
	pthread_mutex_t lock; /* conns, nconns, stopping */
	pthread_cond_t wake;
	pthread_t reaper;
	bool sync_init, reaper_started, stopping;
	struct conn *conns;
	unsigned nconns, max_conns; /* open connections, and at most (all threads) */
};

enum method { M_GET, M_HEAD, M_POST, M_OTHER };

struct req {
	struct al_serve *srv;
	struct MHD_Connection *c;
	struct timespec t0;
	const char *uri;     /* the request target as MHD parsed it, in its buffer */
	size_t uri_len;      /* its length then (before the query was split off) */
	bool uri_ctl;        /* it held a control byte or a space then */
	bool started;        /* the access handler has seen it */
	enum method m;
	char *method, *path; /* copies for the access log */
	unsigned status;     /* 0 until a response is queued */
	uint64_t bytes;
	const char *ctype;
	struct al_buf body;
	bool body_too_big;
	int gen;             /* the generation this request resolved, or -1 */
};

/* A request path, percent-decoded once into NUL-separated segments. */
struct rpath {
	char *buf;
	char *seg[SEGS_MAX];
	bool slash[SEGS_MAX]; /* the decoded segment holds a '/' (sent as %2F) */
	size_t n;
	bool trailing;        /* the path ends with '/' */
};

/* ---- pieces the unit test checks on their own ------------------------------------- */

/* q as thousandths: "1", "0.5", "0.010"; -1 when malformed */
static int parse_q(const char *s, size_t n)
{
	int v = 0, scale = 1000;
	size_t i = 0;

	if (!n || (s[0] != '0' && s[0] != '1'))
		return -1;
	v = (s[0] - '0') * 1000;
	if (n == 1)
		return v;
	if (s[1] != '.')
		return -1;
	for (i = 2; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || i > 4)
			return -1;
		scale /= 10;
		v += (s[i] - '0') * scale;
	}
	return v > 1000 ? -1 : v;
}

static bool span_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && !strncasecmp(s, word, n);
}

enum al_simple_format al_serve_negotiate(const char *accept)
{
	int q_json = 0, q_v1html = 0, q_html = 0, q_html_wild = 0;
	const char *p = accept;

	if (!accept || !*accept)
		return AL_SIMPLE_HTML;
	while (*p) {
		const char *item = p, *end = strchr(p, ','), *semi, *type_end;
		size_t tlen;
		int q = 1000;

		if (!end)
			end = p + strlen(p);
		p = *end ? end + 1 : end;
		while (item < end && (*item == ' ' || *item == '\t'))
			item++;
		semi = NULL;
		for (type_end = item; type_end < end; type_end++)
			if (*type_end == ';') {
				semi = type_end;
				break;
			}
		type_end = semi ? semi : end;
		while (type_end > item && (type_end[-1] == ' ' || type_end[-1] == '\t'))
			type_end--;
		tlen = (size_t)(type_end - item);
		/* parameters: only q matters */
		while (semi && semi < end) {
			const char *ps = semi + 1, *pe = ps;
			while (pe < end && *pe != ';')
				pe++;
			while (ps < pe && (*ps == ' ' || *ps == '\t'))
				ps++;
			if (pe - ps >= 2 && (ps[0] == 'q' || ps[0] == 'Q') && ps[1] == '=') {
				const char *ve = pe;
				while (ve > ps + 2 && (ve[-1] == ' ' || ve[-1] == '\t'))
					ve--;
				q = parse_q(ps + 2, (size_t)(ve - ps - 2));
				if (q < 0)
					q = 0;
			}
			semi = pe < end ? pe : NULL;
		}
		if (span_is(item, tlen, CT_V1JSON))
			q_json = q > q_json ? q : q_json;
		else if (span_is(item, tlen, CT_V1HTML))
			q_v1html = q > q_v1html ? q : q_v1html;
		else if (span_is(item, tlen, "text/html"))
			q_html = q > q_html ? q : q_html;
		else if (span_is(item, tlen, "text/*") || span_is(item, tlen, "*/*"))
			q_html_wild = q > q_html_wild ? q : q_html_wild;
	}
	if (!q_html)
		q_html = q_html_wild;
	if (q_json > 0 && q_json >= q_v1html && q_json >= q_html)
		return AL_SIMPLE_JSON;
	if (q_v1html > 0 && q_v1html >= q_html)
		return AL_SIMPLE_V1HTML;
	return AL_SIMPLE_HTML;
}

/* Decimal digits into *v; false on overflow or no digits. */
static bool parse_u64(const char *s, size_t n, uint64_t *v)
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

int al_serve_range(const char *h, uint64_t size, uint64_t *first, uint64_t *last)
{
	const char *p, *dash, *end;
	uint64_t a, b;

	if (!h)
		return 0;
	while (*h == ' ' || *h == '\t')
		h++;
	if (strncasecmp(h, "bytes", 5))
		return 0;
	p = h + 5;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '=')
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strchr(p, ','))
		return 0; /* several ranges: the whole file */
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (!(dash = memchr(p, '-', (size_t)(end - p))))
		return 0;
	if (dash == p) { /* -N: the last N bytes */
		if (!parse_u64(dash + 1, (size_t)(end - dash - 1), &b))
			return 0;
		if (b == 0 || size == 0)
			return -1;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return 1;
	}
	if (!parse_u64(p, (size_t)(dash - p), &a))
		return 0;
	if (dash + 1 == end) {
		b = UINT64_MAX;
	} else if (!parse_u64(dash + 1, (size_t)(end - dash - 1), &b) || b < a) {
		return 0;
	}
	if (a >= size)
		return -1;
	*first = a;
	*last = b >= size ? size - 1 : b;
	return 1;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool al_serve_normalize(const char *name, char *out)
{
	size_t n = strlen(name), i;
	char *o = out;

	if (!n || !name_char(name[0]) || !name_char(name[n - 1]))
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (c == '-' || c == '_' || c == '.') {
			if (o[-1] != '-')
				*o++ = '-';
		} else if (name_char(c)) {
			*o++ = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		} else {
			return false;
		}
	}
	*o = '\0';
	return true;
}

/* ---- paths and files ------------------------------------------------------------- */

/* Is every '/'-separated part of s a real name (not "", "." or "..")? */
static bool parts_ok(const char *s)
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
		if (!parts_ok(seg))
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

static bool no_slashes(const struct rpath *p, size_t from, size_t to)
{
	for (; from < to; from++)
		if (p->slash[from])
			return false;
	return true;
}

static al_err join_segs(struct al_buf *b, const struct rpath *p, size_t from, size_t to)
{
	al_err err = AL_OK;
	size_t i;

	for (i = from; i < to && !err; i++)
		err = (i > from ? al_buf_addch(b, '/') : AL_OK) ?: al_buf_addstr(b, p->seg[i]);
	return err;
}

/* Fallback when the kernel has no openat2 (or a seccomp filter refuses it):
 * walk rel one component at a time from dir, never following a symbolic link
 * by the kernel (O_NOFOLLOW). A link is read and spliced into the rest of the
 * path when it is relative; "..", from the path or from a link, pops a
 * directory and may not climb above dir. So, as with RESOLVE_BENEATH, the
 * Hub cache's ../../blobs/<etag> links work and nothing outside dir is ever
 * opened, not even to look at it. Only a directory or a regular file is
 * opened with flags (a FIFO or a device is never opened: ENXIO). */
#define WALK_LINKS 40

int al_serve_open_walk(int dir, const char *rel, int flags)
{
	int fds[SEGS_MAX + 1], n = 0, fd = -1, links = 0, err = 0;
	struct al_buf todo = AL_BUF_INIT, next = AL_BUF_INIT;
	char *target = NULL;
	size_t pos = 0;

	if (rel[0] == '/' || al_buf_addstr(&todo, rel) || !(target = al_malloc(PATH_MAX))) {
		err = rel[0] == '/' ? EXDEV : ENOMEM;
		goto out;
	}
	for (;;) {
		int cur = n ? fds[n - 1] : dir;
		const char *comp, *end;
		size_t clen;
		struct stat st;
		ssize_t tl;
		bool last;
		char name[NAME_MAX + 1];

		while (pos < todo.len && todo.buf[pos] == '/')
			pos++;
		if (pos == todo.len) { /* the path names a directory (or dir itself) */
			if ((fd = openat(cur, ".", flags | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW)) < 0)
				err = errno;
			goto out;
		}
		comp = todo.buf + pos;
		end = memchr(comp, '/', todo.len - pos);
		clen = end ? (size_t)(end - comp) : todo.len - pos;
		pos += clen;
		last = pos == todo.len || strspn(todo.buf + pos, "/") == todo.len - pos;
		if (clen > NAME_MAX) {
			err = ENAMETOOLONG;
			goto out;
		}
		memcpy(name, comp, clen);
		name[clen] = '\0';
		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			if (!n) {
				err = EXDEV; /* above dir */
				goto out;
			}
			close(fds[--n]);
			continue;
		}
		if ((fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
			err = errno;
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			close(fd);
			fd = -1;
			if (++links > WALK_LINKS) {
				err = ELOOP;
				goto out;
			}
			if ((tl = readlinkat(cur, name, target, PATH_MAX)) < 0 || tl == PATH_MAX) {
				err = tl < 0 ? errno : ENAMETOOLONG;
				goto out;
			}
			if (!tl || target[0] == '/') {
				err = EXDEV; /* absolute: outside dir by definition */
				goto out;
			}
			/* the link's target, then what was left of the path */
			al_buf_reset(&next);
			if (al_buf_add(&next, target, (size_t)tl) || al_buf_addch(&next, '/') ||
			    al_buf_add(&next, todo.buf + pos, todo.len - pos) ||
			    (al_buf_reset(&todo), al_buf_add(&todo, next.buf, next.len))) {
				err = ENOMEM;
				goto out;
			}
			pos = 0;
			continue;
		}
		if (S_ISDIR(st.st_mode) && !last) {
			if (n == SEGS_MAX) {
				err = ENAMETOOLONG;
				goto out;
			}
			fds[n++] = fd;
			fd = -1;
			continue;
		}
		close(fd);
		fd = -1;
		if (!last) {
			err = ENOTDIR;
			goto out;
		}
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
			err = ENXIO; /* a FIFO, a socket or a device: never opened */
			goto out;
		}
		if ((fd = openat(cur, name, flags | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW)) < 0)
			err = errno;
		goto out;
	}
out:
	while (n)
		close(fds[--n]);
	al_buf_release(&todo);
	al_buf_release(&next);
	al_free(target);
	if (fd < 0)
		errno = err ? err : EIO;
	return fd;
}

/* Open rel beneath the generation directory; never resolves outside it. */
static int open_beneath(int dir, const char *rel, int flags)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY);
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, dir, rel, &how, sizeof(how));
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return (int)fd;
	return al_serve_open_walk(dir, rel, flags);
}

static void http_date(time_t t, char out[64])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
	         months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void iso_date(time_t t, char out[64])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static const char *file_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot)
		return CT_BIN;
	if (!strcmp(dot, ".txt") || !strcmp(dot, ".toml") || !strcmp(dot, ".metadata") ||
	    !strcmp(dot, ".md"))
		return CT_TEXT;
	if (!strcmp(dot, ".json"))
		return CT_JSON;
	if (!strcmp(dot, ".html"))
		return CT_HTML;
	return CT_BIN;
}

/* Percent-encode what may not stand in a URL as it is. keep: extra bytes to
 * leave alone ("/" for paths; "%" for text that is already encoded). */
static al_err url_escape(struct al_buf *b, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	al_err err = AL_OK;

	for (; *s && !err; s++) {
		unsigned char c = (unsigned char)*s;
		if (name_char((char)c) || c == '-' || c == '_' || c == '.' || c == '~' ||
		    (c && strchr(keep, c)))
			err = al_buf_addch(b, (char)c);
		else
			err = al_buf_addf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return err;
}

/* ---- responses ------------------------------------------------------------------- */

/* hdrs: name, value pairs ending with a NULL name; a NULL value is skipped. */
static enum MHD_Result queue(struct req *r, struct MHD_Response *resp, unsigned status,
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

static enum MHD_Result reply(struct req *r, unsigned status, const char *ctype, const void *p,
                             size_t n, const char *const *hdrs)
{
	return queue(r, MHD_create_response_from_buffer(n, (void *)p, MHD_RESPMEM_MUST_COPY), status,
	             ctype, n, hdrs);
}

static enum MHD_Result text(struct req *r, unsigned status, const char *msg)
{
	struct al_buf b = AL_BUF_INIT;
	enum MHD_Result ret;

	if (al_buf_addf(&b, "%s\n", msg))
		return MHD_NO;
	ret = reply(r, status, CT_TEXT, b.buf, b.len, NULL);
	al_buf_release(&b);
	return ret;
}

static enum MHD_Result not_allowed(struct req *r, const char *allow)
{
	const char *h[] = { MHD_HTTP_HEADER_ALLOW, allow, NULL };
	static const char msg[] = "method not allowed\n";

	return reply(r, 405, CT_TEXT, msg, sizeof(msg) - 1, h);
}

static enum MHD_Result redirect(struct req *r, const char *location)
{
	const char *h[] = { MHD_HTTP_HEADER_LOCATION, location, MHD_HTTP_HEADER_VARY, "Accept", NULL };
	static const char msg[] = "moved\n";

	return reply(r, 301, CT_TEXT, msg, sizeof(msg) - 1, h);
}

/* The Hub's error shape: X-Error-Code and {"error": "..."} (hf-hub-protocol.md 4.3). */
__attribute__((format(printf, 5, 6)))
static enum MHD_Result hub_error(struct req *r, unsigned status, const char *code,
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
		ret = reply(r, status, CT_JSON, body, strlen(body), h);
	}
	free(body);
	json_decref(j);
	return ret;
}

/* Steals j. */
static enum MHD_Result reply_json(struct req *r, json_t *j, const char *const *hdrs)
{
	char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	enum MHD_Result ret;

	json_decref(j);
	if (!body)
		return text(r, 500, "out of memory");
	ret = reply(r, 200, CT_JSON, body, strlen(body), hdrs);
	free(body);
	return ret;
}

static bool etag_matches(const char *list, const char *etag)
{
	return !strcmp(list, "*") || strstr(list, etag) != NULL;
}

/* Serve an open file (the descriptor is ours to close) with ETag,
 * Last-Modified, conditional GET and single byte ranges. etag: the bare
 * value to use, or NULL for one made from the file's identity. */
static enum MHD_Result serve_fd(struct req *r, int fd, const char *ctype, const char *etag_in,
                                const char *const *extra)
{
	char etag[160], lm[64], cr[96];
	const char *h, *ifr;
	struct MHD_Response *resp;
	uint64_t size, a = 0, b = 0, len;
	unsigned status = 200;
	struct stat st;
	int rng = 0;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return text(r, 404, "not found");
	}
	size = (uint64_t)st.st_size;
	if (etag_in)
		snprintf(etag, sizeof(etag), "\"%s\"", etag_in);
	else
		snprintf(etag, sizeof(etag), "\"%llx-%llx-%llx\"", (unsigned long long)st.st_ino,
		         (unsigned long long)st.st_mtime, (unsigned long long)size);
	http_date(st.st_mtime, lm);
	if ((h = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH)) &&
	    etag_matches(h, etag)) {
		const char *hh[] = { MHD_HTTP_HEADER_ETAG, etag, NULL };
		close(fd);
		return queue(r, MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT), 304,
		             NULL, 0, hh);
	}
	if ((h = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE))) {
		ifr = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_RANGE);
		if (!ifr || !strcmp(ifr, etag) || !strcmp(ifr, lm))
			rng = al_serve_range(h, size, &a, &b);
	}
	if (rng < 0) {
		const char *hh[] = { MHD_HTTP_HEADER_CONTENT_RANGE, cr, MHD_HTTP_HEADER_ACCEPT_RANGES,
			             "bytes", MHD_HTTP_HEADER_ETAG, etag, NULL };
		close(fd);
		snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)size);
		return queue(r, MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT), 416,
		             CT_TEXT, 0, hh);
	}
	if (rng > 0) {
		len = b - a + 1;
		status = 206;
		snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)a,
		         (unsigned long long)b, (unsigned long long)size);
		resp = MHD_create_response_from_fd_at_offset64(len, fd, a);
	} else if (size == 0) {
		len = 0;
		close(fd);
		fd = -1;
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	} else {
		len = size;
		resp = MHD_create_response_from_fd64(size, fd);
	}
	if (!resp) {
		if (fd >= 0)
			close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, lm);
	if (status == 206)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
	return queue(r, resp, status, ctype, len, extra);
}

/* Open rel in the generation and serve it; 404 when it is not a regular
 * file there (or resolves outside). */
static enum MHD_Result serve_rel(struct req *r, const char *rel, const char *ctype,
                                 const char *const *extra)
{
	int fd = open_beneath(r->gen, rel, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == EXDEV || errno == ELOOP ||
		               errno == EACCES || errno == ENXIO
		       ? text(r, 404, "not found")
		       : text(r, 500, "cannot open the file");
	return serve_fd(r, fd, ctype, NULL, extra);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in a directory of the generation: directories or regular
 * files, never symbolic links; none starting with '.'. -1 with errno on failure. */
static int list_dir(struct req *r, const char *rel, bool dirs, char ***out, size_t *nout)
{
	char **v = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *e;
	DIR *dh = NULL;
	int fd, rc = -1;

	*out = NULL;
	*nout = 0;
	if ((fd = open_beneath(r->gen, rel, O_RDONLY | O_DIRECTORY)) < 0)
		return -1;
	if (!(dh = fdopendir(fd))) {
		close(fd);
		return -1;
	}
	while ((e = readdir(dh))) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(dh), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (dirs ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
			continue;
		if (n == LIST_MAX || AL_GROW(v, alloc, n + 1) || !(v[n] = al_strdup(e->d_name))) {
			errno = ENOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	*nout = n;
	v = NULL;
	rc = 0;
out:
	while (v && n)
		al_free(v[--n]);
	al_free(v);
	closedir(dh);
	return rc;
}

static void free_names(char **v, size_t n)
{
	while (v && n)
		al_free(v[--n]);
	al_free(v);
}

/* ---- PEP 503 / 691 ---------------------------------------------------------------- */

static const char *format_type(enum al_simple_format f)
{
	return f == AL_SIMPLE_JSON ? CT_V1JSON : f == AL_SIMPLE_V1HTML ? CT_V1HTML : CT_HTML;
}

static enum MHD_Result simple_root(struct req *r, enum al_simple_format f)
{
	const char *vary[] = { MHD_HTTP_HEADER_VARY, "Accept", NULL };
	json_t *projects, *root;
	char **names = NULL, *body;
	size_t n, i;
	enum MHD_Result ret;

	if (f != AL_SIMPLE_JSON)
		return serve_rel(r, "simple/index.html", format_type(f), vary);
	if (list_dir(r, "simple", true, &names, &n) < 0)
		return errno == ENOMEM ? text(r, 500, "out of memory") : text(r, 404, "not found");
	projects = json_array();
	for (i = 0; projects && i < n; i++)
		if (json_array_append_new(projects, json_pack("{s:s}", "name", names[i]))) {
			json_decref(projects);
			projects = NULL;
		}
	free_names(names, n);
	root = projects ? json_pack("{s:{s:s}, s:o}", "meta", "api-version", "1.1", "projects",
	                            projects)
	                : NULL;
	if (!root || !(body = json_dumps(root, JSON_COMPACT))) {
		json_decref(root);
		return text(r, 500, "out of memory");
	}
	json_decref(root);
	ret = reply(r, 200, CT_V1JSON, body, strlen(body), vary);
	free(body);
	return ret;
}

static enum MHD_Result route_simple(struct req *r, const struct rpath *p)
{
	const char *vary[] = { MHD_HTTP_HEADER_VARY, "Accept", NULL };
	struct al_buf b = AL_BUF_INIT;
	enum al_simple_format f;
	enum MHD_Result ret;
	char *norm;

	if (r->m != M_GET && r->m != M_HEAD)
		return not_allowed(r, "GET, HEAD");
	f = al_serve_negotiate(MHD_lookup_connection_value(r->c, MHD_HEADER_KIND,
	                                                   MHD_HTTP_HEADER_ACCEPT));
	if (p->n == 1)
		return p->trailing ? simple_root(r, f) : redirect(r, "simple/");
	if (p->n != 2 || p->slash[1])
		return text(r, 404, "not found");
	if (!(norm = al_malloc(strlen(p->seg[1]) + 1)))
		return text(r, 500, "out of memory");
	if (!al_serve_normalize(p->seg[1], norm)) {
		ret = text(r, 404, "not found");
	} else if (strcmp(norm, p->seg[1])) {
		/* relative, so that a path prefix in front of us survives */
		ret = al_buf_addstr(&b, p->trailing ? "../" : "") || url_escape(&b, norm, "") ||
		              al_buf_addch(&b, '/')
		      ? text(r, 500, "out of memory")
		      : redirect(r, b.buf);
	} else if (!p->trailing) {
		ret = al_buf_addf(&b, "%s/", norm) ? text(r, 500, "out of memory") : redirect(r, b.buf);
	} else if (al_buf_addf(&b, "simple/%s/%s", norm,
	                       f == AL_SIMPLE_JSON ? "index.v1_json" : "index.html")) {
		ret = text(r, 500, "out of memory");
	} else {
		ret = serve_rel(r, b.buf, format_type(f), vary);
	}
	al_free(norm);
	al_buf_release(&b);
	return ret;
}

/* /wheels/ and /requirements/: a flat HTML page of links (pip --find-links takes it). */
static enum MHD_Result listing(struct req *r, const char *dir)
{
	struct al_buf html = AL_BUF_INIT;
	char **names = NULL;
	size_t n = 0, i;
	enum MHD_Result ret;
	al_err err;

	if (list_dir(r, dir, false, &names, &n) < 0)
		return errno == ENOMEM ? text(r, 500, "out of memory") : text(r, 404, "not found");
	err = al_buf_addf(&html, "<!DOCTYPE html>\n<html><head><title>%s</title></head>\n<body>\n",
	                  dir);
	for (i = 0; i < n && !err; i++)
		err = al_buf_addstr(&html, "<a href=\"") ?: url_escape(&html, names[i], "") ?:
		      al_buf_addstr(&html, "\">") ?: al_buf_add_html(&html, names[i]) ?:
		      al_buf_addstr(&html, "</a><br/>\n");
	err = err ?: al_buf_addstr(&html, "</body></html>\n");
	free_names(names, n);
	ret = err ? text(r, 500, "out of memory") : reply(r, 200, CT_HTML, html.buf, html.len, NULL);
	al_buf_release(&html);
	return ret;
}

/* /wheels/<file>, /requirements/<file>, /models/<path>, /datasets/<path> */
static enum MHD_Result route_files(struct req *r, const struct rpath *p)
{
	struct al_buf rel = AL_BUF_INIT;
	enum MHD_Result ret;

	if (r->m != M_GET && r->m != M_HEAD)
		return not_allowed(r, "GET, HEAD");
	if (p->n == 1) {
		if (!p->trailing) {
			if (al_buf_addf(&rel, "%s/", p->seg[0]))
				return text(r, 500, "out of memory");
			ret = redirect(r, rel.buf);
			al_buf_release(&rel);
			return ret;
		}
		if (!strcmp(p->seg[0], "wheels") || !strcmp(p->seg[0], "requirements"))
			return listing(r, p->seg[0]);
		return text(r, 404, "not found");
	}
	if (p->trailing || !no_slashes(p, 0, p->n))
		return text(r, 404, "not found");
	if ((!strcmp(p->seg[0], "wheels") || !strcmp(p->seg[0], "requirements")) && p->n != 2)
		return text(r, 404, "not found");
	if (join_segs(&rel, p, 0, p->n))
		return text(r, 500, "out of memory");
	ret = serve_rel(r, rel.buf, file_type(p->seg[p->n - 1]), NULL);
	al_buf_release(&rel);
	return ret;
}

/* ---- the Hub API ---------------------------------------------------------------------- */

struct hub {
	const char *type;  /* "models" or "datasets" */
	struct al_buf repo;
	json_t *info;      /* {"type","id","refs":{},"commits":{}} */
	time_t mtime;
	const char *commit;
	json_t *files;     /* info.commits[commit] */
};

static void hub_release(struct hub *h)
{
	al_buf_release(&h->repo);
	json_decref(h->info);
}

/* huggingface_hub's repo id rule, per part: [\w\-.]{1,96}, no "--" or "..",
 * no ".git" at the end. */
static bool repo_part_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 96 || strstr(s, "--") || strstr(s, "..") ||
	    (n >= 4 && !strcmp(s + n - 4, ".git")))
		return false;
	for (i = 0; i < n; i++)
		if (!name_char(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* Load info.json of type/repo: 0, 404 (no such repo) or 500. */
static unsigned hub_load(struct req *r, struct hub *h, const char *type, const struct rpath *p,
                         size_t first, size_t nparts)
{
	struct al_buf rel = AL_BUF_INIT, text_ = AL_BUF_INIT;
	unsigned rc = 500;
	struct stat st;
	size_t i;
	int fd = -1;

	h->type = type;
	al_buf_reset(&h->repo);
	for (i = first; i < first + nparts; i++)
		if (p->slash[i] || !repo_part_ok(p->seg[i]))
			return 404;
	if (join_segs(&h->repo, p, first, first + nparts) ||
	    al_buf_addf(&rel, "hf/api/%s/%s/info.json", type, h->repo.buf))
		goto out;
	if ((fd = open_beneath(r->gen, rel.buf, O_RDONLY | O_NONBLOCK)) < 0) {
		rc = errno == ENOENT || errno == ENOTDIR || errno == EXDEV || errno == ELOOP ? 404 : 500;
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > INFO_MAX)
		goto out;
	h->mtime = st.st_mtime;
	for (;;) {
		ssize_t n;
		if (al_buf_grow(&text_, 65536))
			goto out;
		n = read(fd, text_.buf + text_.len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		text_.len += (size_t)n;
		text_.buf[text_.len] = '\0';
		if (text_.len > INFO_MAX)
			goto out;
	}
	json_decref(h->info);
	h->info = json_loadb(text_.buf, text_.len, JSON_REJECT_DUPLICATES, NULL);
	if (h->info && json_is_object(json_object_get(h->info, "refs")) &&
	    json_is_object(json_object_get(h->info, "commits")))
		rc = 0;
out:
	if (fd >= 0)
		close(fd);
	al_buf_release(&rel);
	al_buf_release(&text_);
	return rc;
}

/* A branch or tag from refs, a 40-hex commit in commits, or HEAD (main). */
static bool hub_resolve(struct hub *h, const char *rev)
{
	json_t *refs = json_object_get(h->info, "refs"), *commits = json_object_get(h->info, "commits");
	const char *c = json_string_value(json_object_get(refs, rev));
	void *it;

	if (!c && !strcmp(rev, "HEAD")) {
		c = json_string_value(json_object_get(refs, "main"));
		if (!c && json_object_size(commits) == 1)
			c = json_object_iter_key(json_object_iter(commits));
	}
	if (!c && strlen(rev) == 40)
		c = rev;
	if (!c || !(it = json_object_iter_at(commits, c)) ||
	    !json_is_array(json_object_iter_value(it)) || strlen(json_object_iter_key(it)) != 40 ||
	    !al_is_hex(json_object_iter_key(it), 40))
		return false;
	h->commit = json_object_iter_key(it); /* lives as long as h->info */
	h->files = json_object_iter_value(it);
	return true;
}

static bool arg_true(struct req *r, const char *name)
{
	const char *v = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, name);

	return v && (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "1"));
}

static json_t *info_json(struct req *r, struct hub *h)
{
	bool blobs = arg_true(r, "blobs");
	char date[64], id[25];
	json_t *o, *sibs, *f;
	size_t i;

	iso_date(h->mtime, date);
	snprintf(id, sizeof(id), "%.24s", h->commit);
	o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:[], s:i, s:i, s:s, s:[]}", "_id", id, "id",
	              h->repo.buf, "sha", h->commit, "private", 0, "gated", 0, "disabled", 0, "tags",
	              "downloads", 0, "likes", 0, "lastModified", date, "siblings");
	if (!o)
		return NULL;
	if (!strcmp(h->type, "models") && json_object_set_new(o, "modelId", json_string(h->repo.buf)))
		goto fail;
	sibs = json_object_get(o, "siblings");
	json_array_foreach(h->files, i, f) {
		json_t *s = json_pack("{s:O}", "rfilename", json_object_get(f, "rfilename")), *lfs;
		if (!s || json_array_append_new(sibs, s))
			goto fail;
		if (!blobs)
			continue;
		json_object_set(s, "size", json_object_get(f, "size"));
		json_object_set(s, "blobId", json_object_get(f, "blobId"));
		if ((lfs = json_object_get(f, "lfs")))
			json_object_set(s, "lfs", lfs);
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* A tree entry: one file (f) or a directory (f NULL). */
struct tent {
	const char *path;
	json_t *f;
	char *own;
};

static int cmp_tent(const void *a, const void *b)
{
	const struct tent *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->f != NULL) - (y->f != NULL);
}

static json_t *entry_json(struct hub *h, const struct tent *t, bool expand, const char *date)
{
	json_t *e, *lfs;

	if (t->f) {
		e = json_pack("{s:s, s:O, s:O, s:s}", "type", "file", "oid",
		              json_object_get(t->f, "blobId"), "size", json_object_get(t->f, "size"),
		              "path", t->path);
		if (e && (lfs = json_object_get(t->f, "lfs")))
			json_object_set_new(e, "lfs", json_pack("{s:O, s:O, s:O}", "oid",
			                                        json_object_get(lfs, "sha256"), "size",
			                                        json_object_get(lfs, "size"),
			                                        "pointerSize",
			                                        json_object_get(lfs, "pointerSize")));
	} else {
		/* a stable made-up oid: the real git tree id needs every mode */
		struct al_hash hs;
		char oid[AL_SHA1_HEX];
		if (al_hash_init(&hs, AL_HASH_SHA1, NULL))
			return NULL;
		al_hash_update(&hs, h->commit, strlen(h->commit) + 1);
		al_hash_update(&hs, t->path, strlen(t->path));
		al_hash_final_hex(&hs, oid);
		e = json_pack("{s:s, s:s, s:i, s:s}", "type", "directory", "oid", oid, "size", 0,
		              "path", t->path);
	}
	if (e && expand)
		json_object_set_new(e, "lastCommit", json_pack("{s:s, s:s, s:s}", "id", h->commit,
		                                                "title", "published by airlock", "date",
		                                                date));
	return e;
}

/* Files and directories of the commit: under prefix (recursive), or its
 * direct children. *found: prefix is a directory (or empty). */
static int collect(struct hub *h, const char *prefix, bool recursive, struct tent **out,
                   size_t *nout, bool *found)
{
	size_t plen = strlen(prefix), n = 0, alloc = 0, i, k;
	struct tent *v = NULL;
	json_t *f;

	*found = plen == 0;
	json_array_foreach(h->files, i, f) {
		const char *rf = json_string_value(json_object_get(f, "rfilename")), *rel, *s;
		if (!rf)
			continue;
		if (plen) {
			if (strncmp(rf, prefix, plen) || rf[plen] != '/')
				continue;
			rel = rf + plen + 1;
		} else {
			rel = rf;
		}
		*found = true;
		for (s = strchr(rel, '/'); s; s = recursive ? strchr(s + 1, '/') : NULL) {
			if (AL_GROW(v, alloc, n + 1) || !(v[n].own = al_strndup(rf, (size_t)(s - rf))))
				goto oom;
			v[n].path = v[n].own;
			v[n++].f = NULL;
		}
		if (!recursive && strchr(rel, '/'))
			continue;
		if (AL_GROW(v, alloc, n + 1))
			goto oom;
		v[n].path = rf;
		v[n].own = NULL;
		v[n++].f = f;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_tent);
	for (i = k = 0; i < n; i++) {
		if (k && !v[i].f && !v[k - 1].f && !strcmp(v[k - 1].path, v[i].path)) {
			al_free(v[i].own);
			continue;
		}
		v[k++] = v[i];
	}
	*out = v;
	*nout = k;
	return 0;
oom:
	for (i = 0; i < n; i++)
		al_free(v[i].own);
	al_free(v);
	return -1;
}

static void tents_free(struct tent *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		al_free(v[i].own);
	al_free(v);
}

struct link_ctx {
	struct al_buf *b;
	al_err err;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
	struct link_ctx *l = cls;

	(void)kind;
	if (!strcmp(key, "cursor"))
		return MHD_YES;
	l->err = l->err ?: url_escape(l->b, key, "%!$'()*+,;:@/") ?:
	         (value ? al_buf_addch(l->b, '=') ?: url_escape(l->b, value, "%!$'()*+,;:@/")
	                : AL_OK) ?:
	         al_buf_addch(l->b, '&');
	return MHD_YES;
}

static bool host_ok(const char *h)
{
	size_t n = strlen(h), i;

	if (!n || n > 255)
		return false;
	for (i = 0; i < n; i++)
		if (!name_char(h[i]) && !strchr(".-:[]", h[i]))
			return false;
	return true;
}

/* <scheme://host/path?args&cursor=N>; rel="next", absolute as Node's fetch wants. */
static al_err next_link(struct req *r, const char *url, size_t next, struct al_buf *b)
{
	const char *host = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const char *proto = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "X-Forwarded-Proto");
	struct link_ctx l = { b, AL_OK };

	if (!host || !host_ok(host))
		host = r->srv->hostport;
	if (al_buf_addf(b, "<%s://%s", proto && !strcmp(proto, "https") ? "https" : "http", host) ||
	    url_escape(b, url, "%/!$'()*+,;:@") || al_buf_addch(b, '?'))
		return AL_ENOMEM;
	MHD_get_connection_values(r->c, MHD_GET_ARGUMENT_KIND, add_arg, &l);
	return l.err ?: al_buf_addf(b, "cursor=%zu>; rel=\"next\"", next);
}

static bool arg_uint(struct req *r, const char *name, uint64_t *v, bool *bad)
{
	const char *s = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, name);

	if (!s)
		return false;
	if (!parse_u64(s, strlen(s), v))
		*bad = true;
	return !*bad;
}

static enum MHD_Result hub_tree(struct req *r, struct hub *h, const char *url, const char *path)
{
	struct tent *v = NULL;
	struct al_buf link = AL_BUF_INIT;
	uint64_t limit = PAGE_MAX, cursor = 0;
	bool found, bad = false, expand = arg_true(r, "expand");
	const char *hdrs[] = { MHD_HTTP_HEADER_LINK, NULL, NULL };
	json_t *arr = NULL;
	char date[64];
	size_t n = 0, i;
	enum MHD_Result ret;

	arg_uint(r, "limit", &limit, &bad);
	arg_uint(r, "cursor", &cursor, &bad);
	if (bad || limit == 0)
		return hub_error(r, 400, "BadRequest", NULL, "invalid limit or cursor");
	if (limit > PAGE_MAX)
		limit = PAGE_MAX;
	if (collect(h, path, arg_true(r, "recursive"), &v, &n, &found) < 0)
		return text(r, 500, "out of memory");
	if (!found) {
		tents_free(v, n);
		return hub_error(r, 404, "EntryNotFound", h->commit, "Entry not found");
	}
	iso_date(h->mtime, date);
	if (!(arr = json_array()))
		goto oom;
	for (i = cursor; i < n && i < cursor + limit; i++)
		if (json_array_append_new(arr, entry_json(h, &v[i], expand, date)))
			goto oom;
	if (cursor + limit < n) {
		if (next_link(r, url, (size_t)(cursor + limit), &link))
			goto oom;
		hdrs[1] = link.buf;
	}
	ret = reply_json(r, arr, hdrs);
	arr = NULL;
	goto out;
oom:
	ret = text(r, 500, "out of memory");
out:
	json_decref(arr);
	tents_free(v, n);
	al_buf_release(&link);
	return ret;
}

/* The entry for one path of the commit, or NULL when it does not exist. */
static json_t *path_entry(struct hub *h, const char *path, bool expand, const char *date,
                          bool *oom)
{
	size_t plen = strlen(path), i;
	struct tent t = { path, NULL, NULL };
	bool dir = false;
	json_t *f, *e;

	if (!plen || !parts_ok(path))
		return NULL;
	json_array_foreach(h->files, i, f) {
		const char *rf = json_string_value(json_object_get(f, "rfilename"));
		if (!rf || strncmp(rf, path, plen))
			continue;
		if (!rf[plen]) {
			t.f = f;
			break;
		}
		dir = dir || rf[plen] == '/';
	}
	if (!t.f && !dir)
		return NULL;
	if (!(e = entry_json(h, &t, expand, date)))
		*oom = true;
	return e;
}

static int form_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%') {
			int hi = al_hexval(s[1]), lo = hi < 0 ? -1 : al_hexval(s[2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return 0;
}

unsigned al_serve_paths_request(const char *ct, char *body, size_t len, json_t **out,
                                bool *expand, const char **why)
{
	json_t *req = NULL, *paths = NULL, *v;
	size_t skip = 0;

	*out = NULL;
	*expand = false;
	*why = NULL;
	while (body[skip] == ' ' || body[skip] == '\n' || body[skip] == '\r' || body[skip] == '\t')
		skip++;
	if ((ct && strstr(ct, "json")) || body[skip] == '{') {
		req = json_loadb(body, len, 0, NULL);
		paths = json_object_get(req, "paths");
		if (json_is_string(paths)) {
			paths = json_pack("[O]", paths);
		} else if (json_is_array(paths)) {
			json_incref(paths);
		} else {
			json_decref(req);
			*why = "expected a JSON body with \"paths\"";
			return 400;
		}
		v = json_object_get(req, "expand");
		*expand = json_is_true(v) || (json_is_string(v) && !strcmp(json_string_value(v), "true"));
		json_decref(req);
		if (!paths)
			return 500;
	} else {
		char *save = NULL, *pair;
		if (!(paths = json_array()))
			return 500;
		for (pair = strtok_r(body, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
			char *eq = strchr(pair, '=');
			if (!eq)
				continue;
			*eq = '\0';
			if (form_decode(pair) || form_decode(eq + 1)) {
				json_decref(paths);
				*why = "malformed form body";
				return 400;
			}
			if (!strcmp(pair, "paths") || !strcmp(pair, "paths[]"))
				json_array_append_new(paths, json_string(eq + 1));
			else if (!strcmp(pair, "expand"))
				*expand = !strcmp(eq + 1, "true") || !strcmp(eq + 1, "True") ||
				          !strcmp(eq + 1, "1");
		}
	}
	if (json_array_size(paths) > PATHS_MAX) {
		json_decref(paths);
		_Static_assert(PATHS_MAX == 10000, "the message below");
		*why = "more than 10000 paths";
		return 400;
	}
	*out = paths;
	return 0;
}

/* POST paths-info: {"paths": [...], "expand": bool} (JS) or
 * paths=a&paths=b&expand=false (Python). Missing paths are left out. */
static enum MHD_Result hub_paths_info(struct req *r, struct hub *h)
{
	const char *ct = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_CONTENT_TYPE);
	json_t *paths = NULL, *arr = NULL, *v;
	bool expand = false, oom = false;
	char date[64];
	const char *why;
	size_t i;
	unsigned bad;
	enum MHD_Result ret;

	if ((bad = al_serve_paths_request(ct, r->body.buf, r->body.len, &paths, &expand, &why)))
		return bad == 500 ? text(r, 500, "out of memory")
		                  : hub_error(r, 400, "BadRequest", NULL, "%s", why);
	iso_date(h->mtime, date);
	if (!(arr = json_array()))
		oom = true;
	json_array_foreach(paths, i, v) {
		json_t *e;
		if (oom || !json_is_string(v))
			continue;
		if ((e = path_entry(h, json_string_value(v), expand, date, &oom)) &&
		    json_array_append_new(arr, e))
			oom = true;
	}
	json_decref(paths);
	if (oom) {
		json_decref(arr);
		return text(r, 500, "out of memory");
	}
	ret = reply_json(r, arr, NULL);
	return ret;
}

/* GET .../refs: every published revision name is reported as a branch
 * (the lock does not say which were tags). */
static enum MHD_Result hub_refs(struct req *r, struct hub *h)
{
	json_t *o = json_pack("{s:[], s:[], s:[], s:[]}", "branches", "tags", "converts",
	                      "pullRequests");
	json_t *refs = json_object_get(h->info, "refs"), *c;
	const char *k;

	if (!o)
		return text(r, 500, "out of memory");
	json_object_foreach(refs, k, c) {
		struct al_buf ref = AL_BUF_INIT;
		json_t *e = NULL;
		if (al_buf_addf(&ref, "%s%s", strncmp(k, "refs/", 5) ? "refs/heads/" : "", k) ||
		    !(e = json_pack("{s:s, s:s, s:O}", "name", k, "ref", ref.buf, "targetCommit", c)) ||
		    json_array_append_new(json_object_get(o, "branches"), e)) {
			al_buf_release(&ref);
			json_decref(o);
			return text(r, 500, "out of memory");
		}
		al_buf_release(&ref);
	}
	return reply_json(r, o, NULL);
}

static bool is_keyword(const char *s)
{
	return !strcmp(s, "revision") || !strcmp(s, "tree") || !strcmp(s, "paths-info") ||
	       !strcmp(s, "refs");
}

/* Resolve a revision that may have arrived with raw slashes: seg[from],
 * then seg[from]/seg[from+1], ... (leaving at least `keep` segments). The
 * number of segments used, or 0. */
static size_t resolve_spread(struct hub *h, const struct rpath *p, size_t from, size_t keep,
                             bool *oom)
{
	struct al_buf rev = AL_BUF_INIT;
	size_t k;

	for (k = from; k + keep < p->n; k++) {
		if ((k > from && al_buf_addch(&rev, '/')) || al_buf_addstr(&rev, p->seg[k])) {
			*oom = true;
			break;
		}
		if (hub_resolve(h, rev.buf)) {
			al_buf_release(&rev);
			return k - from + 1;
		}
	}
	al_buf_release(&rev);
	return 0;
}

/* /api/{models,datasets}/<repo>[/...] */
static enum MHD_Result route_api(struct req *r, const struct rpath *p, const char *url)
{
	struct hub h = { .repo = AL_BUF_INIT };
	struct al_buf s = AL_BUF_INIT;
	size_t base = 2, rem, used;
	enum MHD_Result ret;
	bool oom = false;
	unsigned rc = 404;
	const char *type;

	if (p->n < 3 || (strcmp(p->seg[1], "models") && strcmp(p->seg[1], "datasets"))) {
		if (r->m != M_GET && r->m != M_HEAD)
			return not_allowed(r, "GET, HEAD");
		return hub_error(r, 404, NULL, NULL, "Sorry, we can't find the page you are looking for.");
	}
	type = p->seg[1];
	/* org/name, or a name without a namespace ("gpt2") */
	if (p->n >= 4 && (p->n == 4 || is_keyword(p->seg[4])) &&
	    (rc = hub_load(r, &h, type, p, 2, 2)) == 0)
		base = 4;
	else if (rc != 500 && (p->n == 3 || is_keyword(p->seg[3])) &&
	         (rc = hub_load(r, &h, type, p, 2, 1)) == 0)
		base = 3;
	if (rc) {
		ret = rc == 500 ? text(r, 500, "cannot read the repository's data")
		                : hub_error(r, 404, "RepoNotFound", NULL, "Repository not found");
		goto out;
	}
	rem = p->n - base;
	if (rem >= 2 && !strcmp(p->seg[base], "paths-info")) {
		if (r->m != M_POST) {
			ret = not_allowed(r, "POST");
			goto out;
		}
		if (join_segs(&s, p, base + 1, p->n)) {
			ret = text(r, 500, "out of memory");
			goto out;
		}
		ret = hub_resolve(&h, s.buf) ? hub_paths_info(r, &h)
		                             : hub_error(r, 404, "RevisionNotFound", NULL,
		                                         "Invalid rev id: %s", s.buf);
		goto out;
	}
	if (r->m != M_GET && r->m != M_HEAD) {
		ret = not_allowed(r, "GET, HEAD");
		goto out;
	}
	if (rem == 0 || (rem >= 2 && !strcmp(p->seg[base], "revision"))) {
		if (rem && join_segs(&s, p, base + 1, p->n)) {
			ret = text(r, 500, "out of memory");
			goto out;
		}
		if (!hub_resolve(&h, rem ? s.buf : "HEAD"))
			ret = hub_error(r, 404, "RevisionNotFound", NULL, "Invalid rev id: %s",
			                rem ? s.buf : "main");
		else
			ret = reply_json(r, info_json(r, &h), NULL);
	} else if (rem >= 2 && !strcmp(p->seg[base], "tree")) {
		if (!(used = resolve_spread(&h, p, base + 1, 0, &oom))) {
			ret = oom ? text(r, 500, "out of memory")
			          : hub_error(r, 404, "RevisionNotFound", NULL, "Invalid rev id: %s",
			                      p->seg[base + 1]);
		} else if (join_segs(&s, p, base + 1 + used, p->n)) {
			ret = text(r, 500, "out of memory");
		} else {
			ret = hub_tree(r, &h, url, s.buf);
		}
	} else if (rem == 1 && !strcmp(p->seg[base], "refs")) {
		ret = hub_refs(r, &h);
	} else {
		ret = hub_error(r, 404, NULL, NULL, "Sorry, we can't find the page you are looking for.");
	}
out:
	hub_release(&h);
	al_buf_release(&s);
	return ret;
}

/* /[datasets/]<repo>/resolve/<rev>/<path>: 200 with the bytes, straight
 * from the cache layout, with the headers hf_hub_download reads. */
static enum MHD_Result hub_file(struct req *r, struct hub *h, const struct rpath *p, size_t from)
{
	struct al_buf path = AL_BUF_INIT, rel = AL_BUF_INIT;
	char etag[80], size[32];
	const char *blob = NULL;
	json_t *f = NULL, *lfs = NULL;
	enum MHD_Result ret;
	bool oom = false;
	size_t used, i;
	int fd;

	if (!(used = resolve_spread(h, p, from, 1, &oom)))
		return oom ? text(r, 500, "out of memory")
		           : hub_error(r, 404, "RevisionNotFound", NULL, "Invalid rev id: %s",
		                       p->seg[from]);
	if (join_segs(&path, p, from + used, p->n))
		return text(r, 500, "out of memory");
	json_array_foreach(h->files, i, f) {
		const char *rf = json_string_value(json_object_get(f, "rfilename"));
		if (rf && !strcmp(rf, path.buf))
			break;
	}
	if (i == json_array_size(h->files) || p->trailing) {
		ret = hub_error(r, 404, "EntryNotFound", h->commit, "Entry not found");
		goto out;
	}
	lfs = json_object_get(f, "lfs");
	blob = json_string_value(lfs ? json_object_get(lfs, "sha256") : json_object_get(f, "blobId"));
	if (al_buf_addf(&rel, "hf/hub/%s--", h->type)) {
		ret = text(r, 500, "out of memory");
		goto out;
	}
	for (i = 0; i < h->repo.len; i++)
		if ((h->repo.buf[i] == '/' ? al_buf_addstr(&rel, "--") : al_buf_addch(&rel, h->repo.buf[i])))
			oom = true;
	if (oom || al_buf_addf(&rel, "/snapshots/%s/%s", h->commit, path.buf)) {
		ret = text(r, 500, "out of memory");
		goto out;
	}
	if ((fd = open_beneath(r->gen, rel.buf, O_RDONLY | O_NONBLOCK)) < 0) {
		ret = hub_error(r, 404, "EntryNotFound", h->commit, "Entry not found");
		goto out;
	}
	snprintf(etag, sizeof(etag), "\"%s\"", blob ? blob : "");
	snprintf(size, sizeof(size), "%lld", (long long)json_integer_value(json_object_get(f, "size")));
	{
		const char *hdrs[] = { "X-Repo-Commit", h->commit, "X-Linked-Etag", lfs ? etag : NULL,
			               "X-Linked-Size", lfs ? size : NULL, NULL };
		ret = serve_fd(r, fd, CT_BIN, blob, hdrs);
	}
out:
	al_buf_release(&path);
	al_buf_release(&rel);
	return ret;
}

/* Is this a resolve URL of a published repo? -1 when the shape does not
 * match; 404 when it does but the repo is not here; 0 when handled (*ret). */
static int route_resolve(struct req *r, const struct rpath *p, enum MHD_Result *ret)
{
	struct hub h = { .repo = AL_BUF_INIT };
	const char *type = "models";
	size_t base = 0;
	int rc = -1;
	unsigned lr;

	if (p->n >= 1 && !strcmp(p->seg[0], "datasets")) {
		base = 1;
		type = "datasets";
	}
	if (p->n >= base + 5 && !strcmp(p->seg[base + 2], "resolve")) {
		rc = 404;
		if (!(lr = hub_load(r, &h, type, p, base, 2))) {
			*ret = hub_file(r, &h, p, base + 3);
			rc = 0;
		} else if (lr == 500) {
			*ret = text(r, 500, "cannot read the repository's data");
			rc = 0;
		}
	}
	if (rc && p->n >= base + 4 && !strcmp(p->seg[base + 1], "resolve")) {
		rc = 404;
		if (!(lr = hub_load(r, &h, type, p, base, 1))) {
			*ret = hub_file(r, &h, p, base + 2);
			rc = 0;
		} else if (lr == 500) {
			*ret = text(r, 500, "cannot read the repository's data");
			rc = 0;
		}
	}
	hub_release(&h);
	return rc;
}

/* ---- dispatch ------------------------------------------------------------------------ */

static enum MHD_Result dispatch(struct req *r, const char *url)
{
	static const char home[] = "airlock serve: pip --index-url <this URL>simple/, "
	                           "HF_ENDPOINT=<this URL>\n";
	struct rpath p;
	enum MHD_Result ret;
	unsigned bad;
	int rr;

	if ((bad = parse_path(url, &p))) {
		al_free(p.buf);
		return text(r, bad, bad == 500 ? "out of memory" : "bad request path");
	}
	if ((r->gen = open(r->srv->root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		ret = text(r, 503, "the published tree is not available");
		goto out;
	}
	if (p.n == 0) {
		ret = r->m == M_GET || r->m == M_HEAD ? reply(r, 200, CT_TEXT, home, sizeof(home) - 1, NULL)
		                                      : not_allowed(r, "GET, HEAD");
	} else if (!strcmp(p.seg[0], "healthz") && p.n == 1) {
		ret = r->m == M_GET || r->m == M_HEAD ? reply(r, 200, CT_TEXT, "ok\n", 3, NULL)
		                                      : not_allowed(r, "GET, HEAD");
	} else if (!strcmp(p.seg[0], "simple")) {
		ret = route_simple(r, &p);
	} else if (!strcmp(p.seg[0], "api")) {
		ret = route_api(r, &p, url);
	} else if (!strcmp(p.seg[0], "wheels") || !strcmp(p.seg[0], "requirements")) {
		ret = route_files(r, &p);
	} else if (r->m != M_GET && r->m != M_HEAD) {
		ret = not_allowed(r, "GET, HEAD");
	} else if ((rr = route_resolve(r, &p, &ret)) == 0) {
		/* answered */
	} else if (rr == 404) {
		ret = hub_error(r, 404, "RepoNotFound", NULL, "Repository not found");
	} else if (!strcmp(p.seg[0], "models") || !strcmp(p.seg[0], "datasets")) {
		ret = route_files(r, &p);
	} else {
		ret = text(r, 404, "not found");
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
	ret = reply(r, 400, CT_TEXT, b.buf, b.len, h);
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
			if (cl && (!parse_u64(cl, strlen(cl), &n) || n > BODY_MAX))
				return text(r, 413, "request body too large");
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
		return text(r, 413, "request body too large");
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
		return al_diag_set(d, AL_ENOMEM, "out of memory");
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
		err = al_diag_set(d, AL_ENOMEM, "out of memory");
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

al_err al_serve_start(struct al_serve **out, const struct al_serve_opts *o, struct al_diag *d)
{
	struct al_serve *srv = NULL;
	unsigned threads = o->threads, flags, per_client;
	bool v6 = false;
	struct stat st;
	al_err err;
	int fd = -1, gen = -1;

	*out = NULL;
	if (!o->root)
		return al_diag_set(d, AL_EUSAGE, "no published tree to serve");
	if ((gen = open(o->root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return al_diag_set(d, AL_ENOTFOUND, "cannot open '%s': %s", o->root, strerror(errno));
	if (fstatat(gen, "airlock-published.json", &st, 0) < 0) {
		close(gen);
		return al_diag_set(d, AL_EINVALID, "'%s' is not a published tree "
		                   "(no airlock-published.json; see airlock publish)", o->root);
	}
	close(gen);
	if (!(srv = al_calloc(1, sizeof(*srv))))
		return al_diag_set(d, AL_ENOMEM, "out of memory");
	srv->log = o->log;
	srv->log_ctx = o->log_ctx;
	srv->timeout = o->timeout ? o->timeout : 30u;
	srv->request_timeout = o->request_timeout ? o->request_timeout : srv->timeout;
	if ((err = sync_init(srv, d)))
		goto fail;
	if (o->root[0] == '/') {
		srv->root = al_strdup(o->root);
	} else {
		char *cwd = getcwd(NULL, 0);
		struct al_buf b = AL_BUF_INIT;
		if (cwd && !al_buf_addf(&b, "%s/%s", cwd, o->root))
			srv->root = al_buf_detach(&b, NULL);
		free(cwd);
	}
	if (!srv->root) {
		err = al_diag_set(d, AL_ENOMEM, "out of memory");
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
