/*
 * serve.h: internals of `airlock serve` (lib/serve*.c) that its unit test
 * and fuzz/serve-request-fuzzer.c check on their own. The server itself is
 * in airlock.h ("publish and serve"); what the serve files share among
 * themselves is in serve-internal.h, which this header does not include.
 */
#ifndef AL_SERVE_H
#define AL_SERVE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "airlock.h"

/* What a PEP 503/691 client asked for with its Accept header. */
enum al_simple_format {
	AL_SIMPLE_HTML,   /* text/html; charset=utf-8 (also the default) */
	AL_SIMPLE_V1HTML, /* application/vnd.pypi.simple.v1+html */
	AL_SIMPLE_JSON,   /* application/vnd.pypi.simple.v1+json */
};

/* Choose by q-values (ties: JSON, then v1+html, then text/html). Wildcards
 * and plain application/json never select JSON; no header, or nothing we
 * can serve, gives HTML. accept may be NULL. */
enum al_simple_format al_serve_negotiate(const char *accept);

/* A Range header against a file of `size` bytes. Returns 1 with [*first,
 * *last] for one satisfiable range; 0 when the header is to be ignored (a
 * 200 with the whole file: absent, malformed, or several ranges); -1 when
 * it cannot be satisfied (416). */
int al_serve_range(const char *header, uint64_t size, uint64_t *first, uint64_t *last);

/* PEP 503 normalization into out (at least strlen(name) + 1 bytes): runs of
 * -_. become one '-', letters lowercase. false when name is not a valid
 * project name. */
bool al_serve_normalize(const char *name, char *out);

/* A request path as the router sees it: '/', then segments percent-decoded
 * once. 0 after calling seg (may be NULL) for each segment with whether it
 * held an encoded '/'; else the status to answer: 400 (a control character,
 * a backslash, an empty, "." or ".." part, bad escapes), 414 (too many
 * segments), 500 (out of memory). */
unsigned al_serve_path_split(const char *raw, void (*seg)(void *ctx, const char *s, bool slash),
                             void *ctx);

/* The body of a POST .../paths-info: JSON {"paths": [...] or "...", "expand"}
 * when ct names json or the body starts with '{', else a form
 * "paths=a&paths[]=b&expand=true". body (NUL-terminated, len bytes) is
 * decoded in place. 0 with *paths a new array (its entries may be any JSON:
 * callers skip non-strings) and *expand; 400 with *why; 500. */
unsigned al_serve_paths_request(const char *ct, char *body, size_t len, json_t **paths,
                                bool *expand, const char **why);

/* Open rel beneath the directory dir the way openat2(RESOLVE_BENEATH) would,
 * for kernels without it: component by component with O_NOFOLLOW, following
 * only relative symbolic links that stay beneath dir; a FIFO, socket or
 * device is never opened (ENXIO). flags: O_RDONLY with O_NONBLOCK or
 * O_DIRECTORY. A descriptor, or -1 with errno (EXDEV: it would leave dir). */
int al_serve_open_walk(int dir, const char *rel, int flags);

/* The Hub API answers, from one repo's info.json that publish writes
 * (DIR/hf/api/<type>s/<repo>/info.json: {"type","id","refs","commits"}); serve
 * answers with them and publish writes them for nginx (mirror/nginx.c). */
/* rev: a name in refs, a 40-hex commit, or HEAD (main, else the only commit).
 * *commit and *files live as long as info. */
bool al_serve_hub_rev(json_t *info, const char *rev, const char **commit, json_t **files);
/* /api/<type>/<repo>[/revision/<rev>] (type "models" or "datasets"); blobs:
 * ?blobs=true. mtime gives lastModified. NULL: out of memory. */
json_t *al_serve_hub_info(const char *type, const char *repo, const char *commit, json_t *files,
                          time_t mtime, bool blobs);
/* /api/<type>/<repo>/tree/<rev>/<prefix>: every entry, sorted, no paging.
 * *found: prefix is a directory of the commit (or empty). NULL: out of memory. */
json_t *al_serve_hub_tree(const char *commit, json_t *files, const char *prefix, bool recursive,
                          bool expand, time_t mtime, bool *found);
/* /api/<type>/<repo>/refs. NULL: out of memory. */
json_t *al_serve_hub_refs(json_t *refs);

#endif
