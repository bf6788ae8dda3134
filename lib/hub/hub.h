/*
 * hub.h: the Hugging Face Hub client (docs/reference/hub.md). Locks a repo (revision
 * to commit, file list, include/exclude, every path checked, the sha256 of
 * every file) and queues the downloads of a locked repo on the shared HTTP
 * engine. The protocol is in docs/reference/hub.md.
 *
 *	struct al_hub_opts o = AL_HUB_OPTS_INIT;
 *	o.endpoint = al_hub_endpoint(m->hub.endpoint);
 *	al_hub_token(m->hub.token_env, &token, d);  o.token = token;
 *	al_hub_new(&hub, http, store, &o, d);
 *	al_hub_lock(hub, "model", &m->models[i], &lock_repo, d);   (runs the engine)
 *	al_hub_queue_fetch(hub, &lock_repo, progress, ctx, d);     (queues only)
 *	al_http_run(http, d);
 *	al_hub_fetch_result(hub, d);
 *	al_hub_free(hub);
 *
 * Everything a Hub (or something posing as one) answers is hostile: JSON is
 * capped, paths are checked (al_path_safe, no case-insensitive duplicates,
 * no file that is also a directory), sizes and counts are capped, and a
 * single bad entry refuses the whole repo.
 */
#ifndef AL_HUB_H
#define AL_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "airlock.h"
#include "net/http.h"

#define AL_HUB_DEFAULT_ENDPOINT "https://huggingface.co"
#define AL_HUB_MAX_FILES 1000000                 /* entries of one repo */
#define AL_HUB_MAX_FILE_SIZE ((int64_t)1 << 40)  /* 1 TiB per file */
#define AL_HUB_MAX_JSON (64u << 20)              /* one API answer */
#define AL_HUB_MAX_REGULAR ((int64_t)64 << 20)   /* a non-LFS file hashed at lock time */
#define AL_HUB_MAX_TOKEN 4096

struct al_hub_opts {
	const char *endpoint;  /* al_hub_endpoint(manifest hub.endpoint); NULL: the default */
	const char *token;     /* may be NULL; sent only to the endpoint's origin */
	const char *token_env; /* the variable named in messages; NULL: "HF_TOKEN" */
	bool refresh;          /* ask again for API answers still fresh in the store */
};
#define AL_HUB_OPTS_INIT { NULL, NULL, NULL, false }

/* $HF_ENDPOINT when set and not empty, else manifest_endpoint when not NULL,
 * else AL_HUB_DEFAULT_ENDPOINT. (al_hub_new strips trailing slashes.) */
const char *al_hub_endpoint(const char *manifest_endpoint);

/* Find the token: $token_env (when not NULL), then $HF_TOKEN, then
 * $HUGGING_FACE_HUB_TOKEN, then the file $HF_TOKEN_PATH, else
 * $HF_HOME/token (HF_HOME: $XDG_CACHE_HOME/huggingface, else
 * ~/.cache/huggingface). Surrounding whitespace is stripped; empty values are
 * skipped. *out is malloc'd, or NULL when there is no token (not an error).
 * A token file that exists but cannot be read is AL_EIO. Never logged. */
AL_MUST_CHECK al_err al_hub_token(const char *token_env, char **out, struct al_diag *d);

struct al_hub;

/* http and store must outlive the hub. The token is copied (and wiped when
 * freed); one with spaces or control characters is refused. Free the hub
 * only after the engine has run what al_hub_queue_fetch queued (or after
 * al_http_free): the queued requests point into it. */
AL_MUST_CHECK al_err al_hub_new(struct al_hub **out, struct al_http *http, struct al_store *store,
                  const struct al_hub_opts *o, struct al_diag *d);
void al_hub_free(struct al_hub *hub);

/* Lock one repo: type is "model" or "dataset". Fills *out (released with
 * al_lock_repo_release, lib/spec/lock.h; left empty on failure): the revision as
 * asked, the commit, and the files kept by spec's include/exclude, sorted by
 * path. Every file has its size and sha256 (LFS: the Hub's lfs.oid; regular
 * files are downloaded into the store now and hashed, checked against their
 * git blob sha1) and git_sha1 (the tree oid: for LFS files the sha1 of the
 * pointer blob, not of the content). Runs the HTTP engine (and with it
 * anything else queued on it). */
AL_MUST_CHECK al_err al_hub_lock(struct al_hub *hub, const char *type, const struct al_hub_repo *spec,
                   struct al_lock_repo *out, struct al_diag *d);

/* Queue the download into the store of every file of r whose blob the store
 * lacks, each checked against its sha256 and size. progress (may be NULL) is
 * called with the number of bytes newly received. The caller runs the engine,
 * then asks al_hub_fetch_result. r need not outlive the call. */
AL_MUST_CHECK al_err al_hub_queue_fetch(struct al_hub *hub, const struct al_lock_repo *r,
                          void (*progress)(void *ctx, uint64_t bytes), void *ctx,
                          struct al_diag *d);
/* After al_http_run: AL_OK, or the first failure of a queued download (with
 * its message in d). Forgets the finished downloads. */
AL_MUST_CHECK al_err al_hub_fetch_result(struct al_hub *hub, struct al_diag *d);
/* Downloads queued since the last al_hub_fetch_result, and files skipped
 * because the store had them (for summaries). */
void al_hub_fetch_counts(const struct al_hub *hub, uint64_t *queued, uint64_t *present);

/* ---- the parsers (pure; exposed for tests and fuzz/hub-tree-fuzzer.c) ---- */

/* Files of a listing, before and after checks. sha256 is NULL for a regular
 * file until it is downloaded. */
struct al_hub_files {
	struct al_lock_file *v;
	size_t n, alloc;
};
void al_hub_files_release(struct al_hub_files *f);

/* Append the "file" entries of one /tree page (a JSON array of {type, path,
 * size, oid, lfs{oid,size}}) to f. Directories are skipped. Each entry is
 * checked on its own (path, sizes, hashes, caps); AL_EPARSE or AL_EINVALID or
 * AL_ELIMIT name the entry. */
AL_MUST_CHECK al_err al_hub_parse_tree(const char *buf, size_t len, struct al_hub_files *f,
                         struct al_diag *d);
/* A repo info answer (/api/{type}s/{repo}/revision/{rev}): *sha (malloc'd,
 * 40 hex). With f not NULL, also its siblings (which must carry size and
 * blobId, as with ?blobs=true) appended to f. */
AL_MUST_CHECK al_err al_hub_parse_info(const char *buf, size_t len, char **sha, struct al_hub_files *f,
                         struct al_diag *d);
/* Whole-repo checks once every page is in: no duplicate, no two paths that
 * differ only in case, no file that is also a directory. Sorts f by path. */
AL_MUST_CHECK al_err al_hub_check_files(struct al_hub_files *f, struct al_diag *d);

/* Percent-encode s into b: every byte but A-Z a-z 0-9 "_.-~" (and '/' when
 * keep_slash), as Python's quote(). */
AL_MUST_CHECK al_err al_hub_quote(struct al_buf *b, const char *s, bool keep_slash);

#endif
