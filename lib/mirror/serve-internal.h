/*
 * serve-internal.h: what the four parts of `airlock serve` share, and no
 * other file of the library includes (the server's public face is in
 * airlock.h, "publish and serve"; serve.h has the pure parsers the unit test
 * and fuzz/serve-request-fuzzer.c call).
 *
 *   lib/mirror/serve.c         the libmicrohttpd daemon and its lifecycle: listening,
 *                       accept policy and per-client limits, request deadlines
 *                       and the reaper, strict framing, the access log; the
 *                       request path split, the responses every part uses,
 *                       and dispatch to the three below
 *   lib/mirror/serve-files.c   static files beneath the generation: opening (openat2
 *                       or the walk), Range, ETag, Last-Modified, sendfile,
 *                       directory listings
 *   lib/mirror/serve-simple.c  the PEP 503/691 pages: content negotiation, the simple
 *                       index, the project pages, redirects to a trailing '/'
 *   lib/mirror/serve-hub.c     the Hub API: info, tree, paths-info, refs, resolve
 *
 * struct req carries the request's MHD_Connection, and every handler returns
 * enum MHD_Result (MHD_NO drops the connection), so this header includes
 * microhttpd.h and all four files see it; only lib/mirror/serve.c calls the daemon
 * itself (start, stop, options, connection notifications). The functions
 * here are hidden from libairlock's dynamic symbol table.
 */
#ifndef AL_SERVE_INTERNAL_H
#define AL_SERVE_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "airlock.h"
#include "core/buf.h"
#include "mirror/serve.h"

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

/* A connection and its request deadline (see the top of lib/mirror/serve.c). */
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

#pragma GCC visibility push(hidden)

/* ---- lib/mirror/serve.c: the request path --------------------------------------------------- */

/* Decimal digits into *v; false on overflow or no digits. */
bool serve_parse_u64(const char *s, size_t n, uint64_t *v);
/* Is every '/'-separated part of s a real name (not "", "." or "..")? */
bool serve_parts_ok(const char *s);
/* No segment in [from, to) held an encoded '/'. */
bool serve_no_slashes(const struct rpath *p, size_t from, size_t to);
/* Segments [from, to) joined with '/' onto b. */
AL_MUST_CHECK al_err serve_join_segs(struct al_buf *b, const struct rpath *p, size_t from, size_t to);

/* ---- lib/mirror/serve.c: responses ---------------------------------------------------------- */

/* Queue resp (NULL: out of memory, MHD_NO) and record status, type and
 * length for the access log. hdrs: name, value pairs ending with a NULL
 * name; a NULL value is skipped. */
enum MHD_Result serve_queue(struct req *r, struct MHD_Response *resp, unsigned status,
                            const char *ctype, uint64_t len, const char *const *hdrs);
/* A body copied from p. */
enum MHD_Result serve_reply(struct req *r, unsigned status, const char *ctype, const void *p,
                            size_t n, const char *const *hdrs);
/* msg and a newline, as text/plain. */
enum MHD_Result serve_text(struct req *r, unsigned status, const char *msg);
/* 405 with Allow. */
enum MHD_Result serve_not_allowed(struct req *r, const char *allow);
/* 301 to location, Vary: Accept. */
enum MHD_Result serve_redirect(struct req *r, const char *location);
/* The Hub's error shape: X-Error-Code and {"error": "..."}. */
__attribute__((format(printf, 5, 6)))
enum MHD_Result serve_hub_error(struct req *r, unsigned status, const char *code,
                                const char *commit, const char *fmt, ...);
/* 200 with j as compact JSON; steals j. */
enum MHD_Result serve_reply_json(struct req *r, json_t *j, const char *const *hdrs);

/* ---- lib/mirror/serve-simple.c -------------------------------------------------------------- */

/* An ASCII letter or digit. */
bool serve_name_char(char c);
/* Percent-encode what may not stand in a URL as it is. keep: extra bytes to
 * leave alone ("/" for paths; "%" for text that is already encoded). */
AL_MUST_CHECK al_err serve_url_escape(struct al_buf *b, const char *s, const char *keep);
/* /simple/ and /simple/<project>/ */
enum MHD_Result serve_route_simple(struct req *r, const struct rpath *p);

/* ---- lib/mirror/serve-files.c --------------------------------------------------------------- */

/* Open rel beneath the generation directory; never resolves outside it. */
int serve_open_beneath(int dir, const char *rel, int flags);
/* Serve an open file (the descriptor is ours to close) with ETag,
 * Last-Modified, conditional GET and single byte ranges. etag_in: the bare
 * value to use, or NULL for one made from the file's identity. */
enum MHD_Result serve_fd(struct req *r, int fd, const char *ctype, const char *etag_in,
                         const char *const *extra);
/* Open rel in the generation and serve it; 404 when it is not a regular
 * file there (or resolves outside). */
enum MHD_Result serve_rel(struct req *r, const char *rel, const char *ctype,
                          const char *const *extra);
/* Sorted names in a directory of the generation: directories or regular
 * files, never symbolic links; none starting with '.'. -1 with errno on failure. */
int serve_list_dir(struct req *r, const char *rel, bool dirs, char ***out, size_t *nout);
void serve_free_names(char **v, size_t n);
/* /wheels/<file>, /requirements/<file>, /models/<path>, /datasets/<path> */
enum MHD_Result serve_route_files(struct req *r, const struct rpath *p);

/* ---- lib/mirror/serve-hub.c ----------------------------------------------------------------- */

/* /api/{models,datasets}/<repo>[/...] */
enum MHD_Result serve_route_api(struct req *r, const struct rpath *p, const char *url);
/* Is this a resolve URL of a published repo? -1 when the shape does not
 * match; 404 when it does but the repo is not here; 0 when handled (*ret). */
int serve_route_resolve(struct req *r, const struct rpath *p, enum MHD_Result *ret);

#pragma GCC visibility pop

#endif
