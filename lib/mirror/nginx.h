/*
 * nginx.h: the published tree served by nginx (docs/reference/serve.md,
 * "Served by nginx"): the configuration `airlock serve --nginx-conf` prints,
 * and the static Hub API files publish precomputes under DIR/hf/nginx/ for
 * what nginx cannot compute per request.
 */
#ifndef AL_NGINX_H
#define AL_NGINX_H

#include <stdbool.h>
#include <time.h>

#include <jansson.h>

#include "airlock.h"
#include "core/buf.h"

/* Can nginx's configuration carry this path inside double quotes? No '"',
 * '\\', '$' (a variable in root), control bytes; absolute; not empty. */
bool al_nginx_path_ok(const char *path);

/* A complete nginx.conf serving the published tree DIR (absolute, as given:
 * the link publish switches, never one generation) on listen ("ADDR:PORT",
 * "[v6]:PORT" or "host:PORT"). AL_EUSAGE naming what nginx cannot carry. */
AL_MUST_CHECK al_err al_nginx_conf(const char *dir, const char *listen, struct al_buf *out,
                                   struct al_diag *d);

/* Writes one file below the generation being published (publish's write_text). */
typedef al_err (*al_nginx_write_fn)(void *ctx, const char *rel, const char *text, size_t len);

/* The static Hub files of one repo: api is the record publish writes as
 * DIR/hf/api/<type>s/<repo>/info.json ({"type","id","refs","commits"}).
 * Writes hf/nginx/api/<type>s/<repo>/{refs.json, revision/<rev>/info.json,
 * revision/<rev>/info-blobs.json, tree/<rev>/<dir>/.tree[-r][-e].json,
 * paths-info/<rev>/{p,e}/<file>} for
 * every ref, commit and HEAD, and appends the resolve lines of every file at
 * every revision to map (the body of an nginx map on $uri, written by the
 * caller as hf/nginx/resolve.map). mtime: the lastModified dates. */
AL_MUST_CHECK al_err al_nginx_hub_repo(json_t *api, time_t mtime, al_nginx_write_fn write,
                                       void *ctx, struct al_buf *map, struct al_diag *d);

/* nginx matches a map's strings ignoring case: the lines of map whose keys
 * are equal but for ASCII case are left out (both: 404 under nginx rather
 * than one file served for the other, and nginx would refuse the duplicate),
 * the rest copied to out. */
AL_MUST_CHECK al_err al_nginx_map_finish(const struct al_buf *in, struct al_buf *out,
                                         struct al_diag *d);

#endif
