/*
 * hub.c: the Hugging Face Hub client (hub.h, docs/reference/hub.md).
 *
 * Lock: GET /api/{type}s/{repo}/revision/{rev} for the commit (skipped for
 * a 40-hex revision), GET .../tree/{commit}?recursive=true&expand=false page
 * by page (Link rel="next"), or the siblings of .../revision/{commit}
 * ?blobs=true when the server has no tree endpoint; every entry checked, the
 * patterns applied, then every regular (non-LFS) file kept is downloaded
 * into the store in parallel and checked against its git blob sha1, which
 * gives its sha256. Fetch: queue store-sink downloads of .../resolve/{commit}
 * /{path}, each checked by the store against the locked sha256 and size.
 *
 * All JSON goes through jansson here; HTTP through lib/net/http.c.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/url.h"
#include "hub/glob.h"
#include "hub/hub.h"
#include "net/httpcache.h"
#include "spec/lock.h"

#define MAX_PAGES (AL_HUB_MAX_FILES + 1)
#define MAX_REVISION 1024
#define MSG_PATH_MAX 300 /* bytes of a hostile path shown in a message */

struct fetch_job {
	struct fetch_job *next;
	struct al_hub *hub;
	char *type, *repo, *path, *commit; /* for messages */
	void (*progress)(void *ctx, uint64_t bytes);
	void *ctx;
	uint64_t seen;
	bool done;
};

struct al_hub {
	struct al_http *http;
	struct al_store *store;
	char *endpoint;        /* no trailing '/' */
	char *origin;          /* "scheme://host[:port]/" of the endpoint */
	char *auth;            /* "Authorization: Bearer ..." or NULL */
	char *token_env;
	bool refresh;
	struct fetch_job *jobs;
	al_err fetch_err;
	struct al_diag fetch_diag;
	uint64_t queued, present;
};

/* What a request is about, for messages. */
struct repo_ref {
	const char *type, *repo, *revision, *commit, *path;
};

/* ---- small helpers ------------------------------------------------------ */

static al_err oom(struct al_diag *d)
{
	return al_oom(d);
}

/* A URL for a message (without userinfo, its query elided); "?" when out
 * of memory. */
static const char *url_shown(struct al_buf *b, const char *url)
{
	al_buf_reset(b);
	if (!url || al_url_for_message_buf(b, url) || !b->buf)
		return "?";
	return b->buf;
}

/* A hostile string made fit for a message: control bytes and backslashes
 * escaped, cut at MSG_PATH_MAX bytes. */

static const char *shown(struct al_buf *b, const char *s)
{
	size_t i;

	al_buf_reset(b);
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i >= MSG_PATH_MAX) {
			if (al_buf_addstr(b, "..."))
				return "(out of memory)";
			break;
		}
		if (c < 0x20 || c == 0x7f || c == '\\' ? al_buf_addf(b, "\\x%02x", c)
		                                       : al_buf_addch(b, (char)c))
			return "(out of memory)";
	}
	return b->len ? b->buf : "";
}

static bool is_commit(const char *s)
{
	return s && strlen(s) == 40 && al_is_hex(s, 40);
}

static const char *type_prefix(const char *type)
{
	return strcmp(type, "dataset") == 0 ? "datasets/" : "";
}

al_err al_hub_quote(struct al_buf *b, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	al_err err = AL_OK;

	for (; *s && !err; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '-' || c == '~' || (keep_slash && c == '/'))
			err = al_buf_addch(b, (char)c);
		else
			err = al_buf_addf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return err;
}

/* "scheme://host:port/" of url, for the token rule; NULL when unparseable. */
static char *origin_of(const char *url)
{
	struct al_diag d = AL_DIAG_INIT;
	char *o = NULL;

	if (al_url_resolve(url, "/", &o, &d))
		return NULL;
	return o;
}

static bool same_origin(const struct al_hub *hub, const char *url)
{
	char *o = origin_of(url);
	bool same = o && hub->origin && strcasecmp(o, hub->origin) == 0;

	al_free(o);
	return same;
}

/* ---- endpoint and token ------------------------------------------------- */

const char *al_hub_endpoint(const char *manifest_endpoint)
{
	const char *e = getenv("HF_ENDPOINT");

	if (e && *e)
		return e;
	return manifest_endpoint && *manifest_endpoint ? manifest_endpoint
	                                               : AL_HUB_DEFAULT_ENDPOINT;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* A stripped copy of s, or NULL (*oom set when allocation failed). */
static char *stripped(const char *s, size_t n, bool *nomem)
{
	char *t;

	while (n && is_space(*s))
		s++, n--;
	while (n && is_space(s[n - 1]))
		n--;
	if (!n)
		return NULL;
	if (!(t = al_strndup(s, n)))
		*nomem = true;
	return t;
}

al_err al_hub_token(const char *token_env, char **out, struct al_diag *d)
{
	const char *vars[3] = { token_env, "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN" };
	struct al_buf path = AL_BUF_INIT, data = AL_BUF_INIT;
	const char *v, *home;
	bool nomem = false;
	al_err err = AL_OK;

	*out = NULL;
	for (size_t i = 0; i < 3; i++) {
		if (!vars[i] || !*vars[i] || !(v = getenv(vars[i])))
			continue;
		if ((*out = stripped(v, strlen(v), &nomem)) || nomem)
			return nomem ? oom(d) : AL_OK;
	}
	if ((v = getenv("HF_TOKEN_PATH")) && *v)
		err = al_buf_addstr(&path, v);
	else if ((v = getenv("HF_HOME")) && *v)
		err = al_buf_addf(&path, "%s/token", v);
	else if ((v = getenv("XDG_CACHE_HOME")) && *v)
		err = al_buf_addf(&path, "%s/huggingface/token", v);
	else if ((home = getenv("HOME")) && *home)
		err = al_buf_addf(&path, "%s/.cache/huggingface/token", home);
	else
		goto out;
	if (err) {
		err = oom(d);
		goto out;
	}
	if ((err = al_buf_read_file(&data, path.buf, AL_HUB_MAX_TOKEN, d))) {
		if (err == AL_ENOTFOUND) {
			al_diag_clear(d);
			err = AL_OK;
		} else {
			al_diag_prefix(d, "reading the Hub token: ");
		}
		goto out;
	}
	if (!(*out = stripped(data.buf, data.len, &nomem)) && nomem)
		err = oom(d);
out:
	if (data.len)
		explicit_bzero(data.buf, data.len);
	al_buf_release(&data);
	al_buf_release(&path);
	return err;
}

/* ---- the handle -------------------------------------------------------------- */

al_err al_hub_new(struct al_hub **out, struct al_http *http, struct al_store *store,
                  const struct al_hub_opts *o, struct al_diag *d)
{
	struct al_hub *hub;
	const char *ep = o && o->endpoint ? o->endpoint : AL_HUB_DEFAULT_ENDPOINT;
	size_t n = strlen(ep);
	al_err err;

	*out = NULL;
	if (!http)
		return al_diag_set(d, AL_EUSAGE, "al_hub_new: no HTTP engine");
	while (n && ep[n - 1] == '/')
		n--;
	if (!al_url_is_http(ep)) {
		struct al_buf b = AL_BUF_INIT;
		err = al_diag_set(d, AL_EINVALID, "the Hub endpoint '%.200s' is not an http or "
		                  "https URL", url_shown(&b, ep));
		al_buf_release(&b);
		return err;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)ep[i] <= 0x20 || ep[i] == 0x7f || ep[i] == '?' || ep[i] == '#') {
			struct al_buf b = AL_BUF_INIT;
			err = al_diag_set(d, AL_EINVALID, "the Hub endpoint '%.200s' has spaces, "
			                  "control characters, a query or a fragment", url_shown(&b, ep));
			al_buf_release(&b);
			return err;
		}
	if (o && o->token) {
		size_t tl = strlen(o->token);
		if (!tl || tl > AL_HUB_MAX_TOKEN)
			return al_diag_set(d, AL_EINVALID, "the Hub token is empty or too long");
		for (size_t i = 0; i < tl; i++) {
			unsigned char c = (unsigned char)o->token[i];
			if (c <= 0x20 || c >= 0x7f)
				return al_diag_set(d, AL_EINVALID, "the Hub token holds spaces, "
				                   "control or non-ASCII characters");
		}
	}
	if (!(hub = al_calloc(1, sizeof(*hub))))
		return oom(d);
	hub->http = http;
	hub->store = store;
	hub->refresh = o && o->refresh;
	hub->token_env = al_strdup(o && o->token_env && *o->token_env ? o->token_env : "HF_TOKEN");
	/* userinfo in the endpoint is lent to the engine and kept nowhere else,
	 * so no URL built from the endpoint carries it */
	if ((err = al_http_add_credentials(http, ep, d)))
		goto fail;
	{
		char *full = al_strndup(ep, n);
		hub->endpoint = full ? al_url_strip_userinfo(full) : NULL;
		al_free(full);
	}
	if (!hub->endpoint || !hub->token_env) {
		err = oom(d);
		goto fail;
	}
	if ((err = al_url_resolve(hub->endpoint, "/", &hub->origin, d))) {
		al_diag_prefix(d, "the Hub endpoint: ");
		goto fail;
	}
	if (o && o->token) {
		struct al_buf a = AL_BUF_INIT;
		if (al_buf_addf(&a, "Authorization: Bearer %s", o->token)) {
			al_buf_release(&a);
			err = oom(d);
			goto fail;
		}
		hub->auth = al_buf_detach(&a, NULL);
	}
	*out = hub;
	return AL_OK;
fail:
	al_hub_free(hub);
	return err;
}

static void job_free(struct fetch_job *j)
{
	al_free(j->type);
	al_free(j->repo);
	al_free(j->path);
	al_free(j->commit);
	al_free(j);
}

static void jobs_free(struct al_hub *hub, bool only_done)
{
	struct fetch_job **pp = &hub->jobs, *j;

	while ((j = *pp)) {
		if (only_done && !j->done) {
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		job_free(j);
	}
}

void al_hub_free(struct al_hub *hub)
{
	if (!hub)
		return;
	jobs_free(hub, false);
	if (hub->auth) {
		explicit_bzero(hub->auth, strlen(hub->auth));
		al_free(hub->auth);
	}
	al_free(hub->endpoint);
	al_free(hub->origin);
	al_free(hub->token_env);
	al_free(hub);
}

/* ---- errors a user can act on -------------------------------------------------- */

/* Turn a failed response into a message keyed on X-Error-Code. */
static al_err hub_error(const struct al_hub *hub, const struct repo_ref *r,
                        const struct al_http_resp *resp, struct al_diag *d)
{
	const struct al_http_hdrs *h = &resp->hdrs;
	const char *code = h->x_error_code ? h->x_error_code : "";
	const char *msg = h->x_error_message ? h->x_error_message : "";
	struct al_buf b = AL_BUF_INIT;
	al_err err;

	if (!strcmp(code, "GatedRepo")) {
		if (hub->auth)
			err = al_diag_set(d, AL_EREFUSED, "%s '%s' is gated and the token has no "
			                  "access to it: accept its terms at %s/%s%s with the "
			                  "token's account",
			                  r->type, r->repo, hub->endpoint, type_prefix(r->type),
			                  r->repo);
		else
			err = al_diag_set(d, AL_EREFUSED, "%s '%s' is gated: accept its terms at "
			                  "%s/%s%s and set %s", r->type, r->repo, hub->endpoint,
			                  type_prefix(r->type), r->repo, hub->token_env);
	} else if (!strcmp(code, "RepoNotFound") ||
	           (resp->status == 401 && !*code &&
	            strcmp(msg, "Invalid credentials in Authorization header") != 0)) {
		err = al_diag_set(d, AL_ENOTFOUND, "%s '%s' not found, or private: check the name "
		                  "and %s", r->type, r->repo, hub->token_env);
	} else if (resp->status == 401 && !*code) {
		err = al_diag_set(d, AL_EREFUSED, "the Hub at %s refused the token (invalid "
		                  "credentials): check %s", hub->endpoint, hub->token_env);
	} else if (!strcmp(code, "RevisionNotFound")) {
		err = al_diag_set(d, AL_ENOTFOUND, "revision '%s' not found in %s '%s'",
		                  shown(&b, r->revision ? r->revision : "?"), r->type, r->repo);
	} else if (!strcmp(code, "EntryNotFound")) {
		err = al_diag_set(d, AL_ENOTFOUND, "'%s' not found in %s '%s' at commit %s",
		                  shown(&b, r->path ? r->path : "?"), r->type, r->repo,
		                  r->commit ? r->commit : "?");
	} else if (!strcmp(msg, "Access to this resource is disabled.")) {
		err = al_diag_set(d, AL_EREFUSED, "%s '%s' is disabled on the Hub", r->type,
		                  r->repo);
	} else {
		err = al_diag_set(d, resp->err ? resp->err : AL_EHTTP, "%s", resp->diag.msg);
		if (r->path)
			al_diag_prefix(d, "%s '%s': '%s': ", r->type, r->repo, shown(&b, r->path));
		else
			al_diag_prefix(d, "%s '%s': ", r->type, r->repo);
	}
	al_buf_release(&b);
	return err;
}

/* ---- JSON parsers ---------------------------------------------------------------- */

void al_hub_files_release(struct al_hub_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		al_free(f->v[i].path);
		al_free(f->v[i].sha256);
		al_free(f->v[i].git_sha1);
	}
	al_free(f->v);
	memset(f, 0, sizeof(*f));
}

static al_err json_load(const char *buf, size_t len, const char *what, json_t **out,
                        struct al_diag *d)
{
	json_error_t je;
	bool oom;

	if (len > AL_HUB_MAX_JSON)
		return al_diag_set(d, AL_ELIMIT, "%s: larger than %u bytes", what, AL_HUB_MAX_JSON);
	if (!(*out = al_json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je, &oom)) && oom)
		return al_oom(d);
	if (!*out)
		return al_diag_set(d, AL_EPARSE, "%s: line %d, column %d: %s", what, je.line,
		                   je.column, je.text);
	return AL_OK;
}

/* UTF-8 C1 controls (U+0080..U+009F), which al_path_safe lets through. */
static bool has_c1(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		    (unsigned char)s[1] <= 0x9f)
			return true;
	return false;
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static al_err bad_entry(struct al_diag *d, const char *what, size_t i, const char *why)
{
	return al_diag_set(d, AL_EPARSE, "%s, entry %zu: %s", what, i, why);
}

/* One file of a listing: checks, then appended to f. */
static al_err add_file(struct al_hub_files *f, const char *what, size_t i, const char *path,
                       json_t *jsize, const char *oid, json_t *lfs, const char *lfs_key,
                       struct al_diag *d)
{
	struct al_buf b = AL_BUF_INIT;
	struct al_lock_file *x;
	json_int_t size;
	const char *sha = NULL;
	al_err err = AL_OK;

	if (!al_path_safe(path) || has_c1(path)) {
		err = al_diag_set(d, AL_EINVALID, "%s, entry %zu: unsafe path '%s' (absolute, "
		                  "'..', empty segments, backslash or control characters)", what, i,
		                  shown(&b, path));
		goto out;
	}
	if (!json_is_integer(jsize) || (size = json_integer_value(jsize)) < 0) {
		err = al_diag_set(d, AL_EPARSE, "%s, entry %zu ('%s'): no size, or not a "
		                  "non-negative integer", what, i, shown(&b, path));
		goto out;
	}
	if (size > AL_HUB_MAX_FILE_SIZE) {
		err = al_diag_set(d, AL_ELIMIT, "%s, entry %zu: '%s' is %lld bytes, more than the "
		                  "cap of %lld (1 TiB)", what, i, shown(&b, path), (long long)size,
		                  (long long)AL_HUB_MAX_FILE_SIZE);
		goto out;
	}
	if (!oid || !is_commit(oid)) {
		err = al_diag_set(d, AL_EPARSE, "%s, entry %zu ('%s'): no git oid of 40 lowercase "
		                  "hex digits", what, i, shown(&b, path));
		goto out;
	}
	if (lfs && !json_is_null(lfs)) {
		json_t *ls = json_object_get(lfs, "size");
		sha = json_string_value(json_object_get(lfs, lfs_key));
		if (!json_is_object(lfs) || !sha || strlen(sha) != 64 || !al_is_hex(sha, 64)) {
			err = al_diag_set(d, AL_EPARSE, "%s, entry %zu ('%s'): lfs.%s is not 64 "
			                  "lowercase hex digits", what, i, shown(&b, path),
			                  lfs_key);
			goto out;
		}
		if (!json_is_integer(ls) || json_integer_value(ls) != size) {
			err = al_diag_set(d, AL_EINVALID, "%s, entry %zu ('%s'): lfs.size differs "
			                  "from the size", what, i, shown(&b, path));
			goto out;
		}
	}
	if (f->n >= AL_HUB_MAX_FILES) {
		err = al_diag_set(d, AL_ELIMIT, "%s: more than %d files", what, AL_HUB_MAX_FILES);
		goto out;
	}
	if (AL_GROW(f->v, f->alloc, f->n + 1)) {
		err = oom(d);
		goto out;
	}
	x = &f->v[f->n];
	memset(x, 0, sizeof(*x));
	x->size = size;
	x->lfs = sha != NULL;
	x->path = al_strdup(path);
	x->git_sha1 = al_strdup(oid);
	x->sha256 = sha ? al_strdup(sha) : NULL;
	f->n++;
	if (!x->path || !x->git_sha1 || (sha && !x->sha256))
		err = oom(d);
out:
	al_buf_release(&b);
	return err;
}

al_err al_hub_parse_tree(const char *buf, size_t len, struct al_hub_files *f,
                         struct al_diag *d)
{
	static const char what[] = "the tree listing";
	json_t *root = NULL, *e;
	size_t i;
	al_err err;

	if ((err = json_load(buf, len, what, &root, d)))
		return err;
	if (!json_is_array(root)) {
		err = al_diag_set(d, AL_EPARSE, "%s: expected a JSON array", what);
		goto out;
	}
	json_array_foreach(root, i, e) {
		const char *type = json_string_value(json_object_get(e, "type"));
		const char *path = json_string_value(json_object_get(e, "path"));
		if (!json_is_object(e) || !type || !path) {
			err = bad_entry(d, what, i, "expected an object with a type and a path");
			goto out;
		}
		if (strcmp(type, "file") != 0)
			continue; /* directories (and anything newer) are implied by the files */
		if ((err = add_file(f, what, i, path, json_object_get(e, "size"),
		                    json_string_value(json_object_get(e, "oid")),
		                    json_object_get(e, "lfs"), "oid", d)))
			goto out;
	}
out:
	json_decref(root);
	return err;
}

al_err al_hub_parse_info(const char *buf, size_t len, char **sha, struct al_hub_files *f,
                         struct al_diag *d)
{
	static const char what[] = "the repo info";
	json_t *root = NULL, *sib, *e;
	const char *s;
	size_t i;
	al_err err;

	*sha = NULL;
	if ((err = json_load(buf, len, what, &root, d)))
		return err;
	if (!json_is_object(root)) {
		err = al_diag_set(d, AL_EPARSE, "%s: expected a JSON object", what);
		goto out;
	}
	s = json_string_value(json_object_get(root, "sha"));
	if (!is_commit(s)) {
		err = al_diag_set(d, AL_EPARSE, "%s: no \"sha\" of 40 lowercase hex digits", what);
		goto out;
	}
	if (f) {
		sib = json_object_get(root, "siblings");
		if (!json_is_array(sib)) {
			err = al_diag_set(d, AL_EPARSE, "%s: no \"siblings\" list", what);
			goto out;
		}
		json_array_foreach(sib, i, e) {
			const char *path = json_string_value(json_object_get(e, "rfilename"));
			if (!json_is_object(e) || !path) {
				err = bad_entry(d, "the siblings", i,
				                "expected an object with an rfilename");
				goto out;
			}
			if ((err = add_file(f, "the siblings", i, path, json_object_get(e, "size"),
			                    json_string_value(json_object_get(e, "blobId")),
			                    json_object_get(e, "lfs"), "sha256", d)))
				goto out;
		}
	}
	if (!(*sha = al_strdup(s)))
		err = oom(d);
out:
	json_decref(root);
	return err;
}

/* ---- whole-repo checks ---------------------------------------------------------- */

static int fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Case-insensitive (ASCII) compare of a and at most n bytes of b, as if b
 * ended there. */
static int cmp_ci_n(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0;; i++) {
		int x = fold((unsigned char)a[i]);
		int y = i < n ? fold((unsigned char)b[i]) : 0;
		if (x != y || !x)
			return x - y;
	}
}

static int cmp_ptr_ci(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int c = cmp_ci_n(x, y, (size_t)-1);

	return c ? c : strcmp(x, y);
}

static int cmp_file(const void *a, const void *b)
{
	const struct al_lock_file *x = a, *y = b;

	return strcmp(x->path, y->path);
}

/* bsearch key: a prefix of a path */
struct prefix {
	const char *s;
	size_t n;
};

static int cmp_prefix(const void *k, const void *e)
{
	const struct prefix *p = k;

	return -cmp_ci_n(*(const char *const *)e, p->s, p->n);
}

al_err al_hub_check_files(struct al_hub_files *f, struct al_diag *d)
{
	struct al_buf b1 = AL_BUF_INIT, b2 = AL_BUF_INIT;
	const char **v = NULL;
	al_err err = AL_OK;
	size_t i;

	if (f->n > AL_HUB_MAX_FILES)
		return al_diag_set(d, AL_ELIMIT, "more than %d files", AL_HUB_MAX_FILES);
	if (f->n < 2)
		return AL_OK;
	qsort(f->v, f->n, sizeof(*f->v), cmp_file);
	if (!(v = al_reallocarray(NULL, f->n, sizeof(*v))))
		return oom(d);
	for (i = 0; i < f->n; i++)
		v[i] = f->v[i].path;
	qsort(v, f->n, sizeof(*v), cmp_ptr_ci);
	for (i = 1; i < f->n; i++) {
		if (!strcmp(v[i - 1], v[i])) {
			err = al_diag_set(d, AL_EINVALID, "'%s' is listed twice", shown(&b1, v[i]));
			goto out;
		}
		if (!cmp_ci_n(v[i - 1], v[i], (size_t)-1)) {
			err = al_diag_set(d, AL_EINVALID, "'%s' and '%s' differ only in case",
			                  shown(&b1, v[i - 1]), shown(&b2, v[i]));
			goto out;
		}
	}
	/* a file that is also a directory of another ("x" and "x/y", in any case) */
	for (i = 0; i < f->n; i++) {
		const char *p = f->v[i].path, *s;
		for (s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
			struct prefix key = { p, (size_t)(s - p) };
			const char *const *hit = bsearch(&key, v, f->n, sizeof(*v), cmp_prefix);
			if (hit) {
				err = al_diag_set(d, AL_EINVALID, "'%s' is a file, and a directory "
				                  "of '%s'", shown(&b1, *hit), shown(&b2, p));
				goto out;
			}
		}
	}
out:
	al_free(v);
	al_buf_release(&b1);
	al_buf_release(&b2);
	return err;
}

/* ---- requests ----------------------------------------------------------------------- */

/* Headers for a request to url: Authorization only to the endpoint's origin. */
static void headers_for(const struct al_hub *hub, const char *url, const char *hv[3])
{
	size_t n = 0;

	hv[n++] = "Accept: application/json";
	if (hub->auth && same_origin(hub, url))
		hv[n++] = hub->auth;
	hv[n] = NULL;
}

static al_err api_url(const struct al_hub *hub, struct al_buf *b, const struct repo_ref *r,
                      const char *what, const char *rev, const char *query)
{
	al_buf_reset(b);
	if (al_buf_addf(b, "%s/api/%ss/%s/%s/", hub->endpoint, r->type, r->repo, what) ||
	    al_hub_quote(b, rev, false) || (query && al_buf_addstr(b, query)))
		return AL_ENOMEM;
	return AL_OK;
}

/* GET url into body; a failure is mapped to a Hub message. *status gets the
 * HTTP status, *coded whether an X-Error-Code came. */
static al_err api_get(struct al_hub *hub, const struct repo_ref *r, const char *url,
                      struct al_buf *body, int *status, bool *coded, struct al_diag *d)
{
	struct al_http_resp resp;
	const char *hv[3];
	al_err err;

	al_http_resp_init(&resp);
	headers_for(hub, url, hv);
	/* API answers are kept in the store's HTTP cache (docs/reference/http.md) */
	err = al_httpcache_fetch(hub->store, hub->http, url, hv, AL_HUB_MAX_JSON, hub->refresh, body,
	                         &resp, NULL, d);
	if (status)
		*status = resp.status;
	if (coded)
		*coded = resp.hdrs.x_error_code != NULL;
	if (err && resp.err)
		err = hub_error(hub, r, &resp, d);
	al_http_resp_release(&resp);
	return err;
}

static al_err resolve_commit(struct al_hub *hub, const struct repo_ref *r, char **commit,
                             struct al_diag *d)
{
	struct al_buf url = AL_BUF_INIT, body = AL_BUF_INIT;
	al_err err;

	if ((err = api_url(hub, &url, r, "revision", r->revision, NULL))) {
		err = oom(d);
		goto out;
	}
	if ((err = api_get(hub, r, url.buf, &body, NULL, NULL, d)))
		goto out;
	if ((err = al_hub_parse_info(body.buf, body.len, commit, NULL, d))) {
		struct al_buf u = AL_BUF_INIT;
		al_diag_prefix(d, "%s '%s' at '%s': GET %s: ", r->type, r->repo, r->revision,
		               url_shown(&u, url.buf));
		al_buf_release(&u);
	}
out:
	al_buf_release(&url);
	al_buf_release(&body);
	return err;
}

/* Is this failure of the first tree page "no tree endpoint here"? */
static bool tree_unavailable(int status, bool coded)
{
	if (coded)
		return false;
	return status == 404 || status == 405 || status == 410 || status == 501 || status >= 500;
}

static al_err list_files(struct al_hub *hub, const struct repo_ref *r, struct al_hub_files *f,
                         struct al_diag *d)
{
	struct al_buf url = AL_BUF_INIT, body = AL_BUF_INIT;
	struct al_http_resp resp;
	char *sha = NULL, *next = NULL;
	const char *hv[3];
	size_t pages = 0;
	al_err err;

	al_http_resp_init(&resp);
	if (api_url(hub, &url, r, "tree", r->commit, "?recursive=true&expand=false")) {
		err = oom(d);
		goto out;
	}
	for (;;) {
		size_t before = f->n;
		headers_for(hub, url.buf, hv);
		al_http_resp_release(&resp);
		err = al_httpcache_fetch(hub->store, hub->http, url.buf, hv, AL_HUB_MAX_JSON,
		                         hub->refresh, &body, &resp, NULL, d);
		if (err && pages == 0 && resp.err &&
		    tree_unavailable(resp.status, resp.hdrs.x_error_code != NULL))
			goto siblings;
		if (err) {
			if (resp.err)
				err = hub_error(hub, r, &resp, d);
			goto out;
		}
		if ((err = al_hub_parse_tree(body.buf, body.len, f, d))) {
			struct al_buf u = AL_BUF_INIT;
			al_diag_prefix(d, "refusing %s '%s' at %s: GET %s: page %zu of ", r->type,
			               r->repo, r->commit, url_shown(&u, url.buf), pages + 1);
			al_buf_release(&u);
			goto out;
		}
		pages++;
		if (!resp.hdrs.link_next)
			break;
		if (f->n == before || pages >= MAX_PAGES) {
			err = al_diag_set(d, AL_EPARSE, "%s '%s': the tree listing's page %zu is "
			                  "empty or one too many, and names a next page", r->type,
			                  r->repo, pages);
			goto out;
		}
		/* the next page, resolved against this page's URL (absolute or relative) */
		if ((err = al_url_resolve(url.buf, resp.hdrs.link_next, &next, d))) {
			al_diag_prefix(d, "%s '%s': the tree listing's next page: ", r->type,
			               r->repo);
			goto out;
		}
		al_buf_reset(&url);
		if (al_buf_addstr(&url, next)) {
			err = oom(d);
			goto out;
		}
		al_free(next);
		next = NULL;
	}
	goto out;
siblings:
	/* an older server or mirror: the siblings of the commit's info */
	al_diag_clear(d);
	if (api_url(hub, &url, r, "revision", r->commit, "?blobs=true")) {
		err = oom(d);
		goto out;
	}
	if ((err = api_get(hub, r, url.buf, &body, NULL, NULL, d)))
		goto out;
	if ((err = al_hub_parse_info(body.buf, body.len, &sha, f, d))) {
		struct al_buf u = AL_BUF_INIT;
		al_diag_prefix(d, "%s '%s' at %s: GET %s: ", r->type, r->repo, r->commit,
		               url_shown(&u, url.buf));
		al_buf_release(&u);
		goto out;
	}
	if (strcmp(sha, r->commit) != 0)
		err = al_diag_set(d, AL_EINVALID, "%s '%s': asked for commit %s, the Hub answered "
		                  "with %s", r->type, r->repo, r->commit, sha);
out:
	al_http_resp_release(&resp);
	al_free(sha);
	al_free(next);
	al_buf_release(&url);
	al_buf_release(&body);
	return err;
}

static al_err resolve_url(const struct al_hub *hub, struct al_buf *b, const char *type,
                          const char *repo, const char *commit, const char *path)
{
	al_buf_reset(b);
	if (al_buf_addf(b, "%s/%s%s/resolve/%s/", hub->endpoint, type_prefix(type), repo,
	                commit) ||
	    al_hub_quote(b, path, true))
		return AL_ENOMEM;
	return AL_OK;
}

/* ---- regular files at lock time ------------------------------------------------------ */

struct reg_run {
	struct al_hub *hub;
	const struct repo_ref *r;
	al_err err;
	struct al_diag diag;
};

struct reg_job {
	struct reg_run *run;
	struct al_lock_file *f;
	struct al_blob_writer *w;
	struct al_hash sha1;
	bool hashing;
	uint64_t got;
};

static void reg_reset(struct reg_job *j)
{
	al_blob_writer_abort(j->w);
	j->w = NULL;
	if (j->hashing)
		al_hash_release(&j->sha1);
	j->hashing = false;
	j->got = 0;
}

static al_err reg_begin(struct reg_job *j, struct al_diag *d)
{
	char head[64];
	int n;
	al_err err;

	if ((err = al_blob_writer_new(j->run->hub->store, &j->w, NULL, j->f->size, d)))
		return err;
	if ((err = al_hash_init(&j->sha1, AL_HASH_SHA1, d)))
		return err;
	j->hashing = true;
	n = snprintf(head, sizeof(head), "blob %lld", (long long)j->f->size);
	al_hash_update(&j->sha1, head, (size_t)n + 1); /* with the NUL */
	return AL_OK;
}

static al_err reg_write(void *ctx, uint64_t offset, const void *p, size_t n, struct al_diag *d)
{
	struct reg_job *j = ctx;
	al_err err;

	if (offset == 0 && j->got > 0)
		reg_reset(j); /* the server ignored Range: start over */
	if (offset != j->got)
		return al_diag_set(d, AL_EINTERNAL, "'%s': resumed at byte %llu, have %llu",
		                   j->f->path, (unsigned long long)offset,
		                   (unsigned long long)j->got);
	if (!j->w && (err = reg_begin(j, d)))
		return err;
	if ((err = al_blob_writer_write(j->w, p, n, d)))
		return err;
	al_hash_update(&j->sha1, p, n);
	j->got += n;
	return AL_OK;
}

static void reg_fail(struct reg_job *j, al_err err, const struct al_diag *d)
{
	struct reg_run *run = j->run;

	reg_reset(j);
	if (!run->err) {
		run->err = err;
		run->diag = *d;
		run->diag.code = err;
	}
}

static void reg_done(void *ctx, struct al_http_resp *resp)
{
	struct reg_job *j = ctx;
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf b = AL_BUF_INIT;
	struct repo_ref r = *j->run->r;
	char sha1[AL_SHA1_HEX], hex[AL_SHA256_HEX];
	al_err err;

	r.path = j->f->path;
	if (resp->err) {
		err = hub_error(j->run->hub, &r, resp, &d);
		reg_fail(j, err, &d);
		goto out;
	}
	if (!j->w && (err = reg_begin(j, &d))) { /* an empty file */
		reg_fail(j, err, &d);
		goto out;
	}
	al_hash_final_hex(&j->sha1, sha1);
	j->hashing = false;
	if ((int64_t)j->got != j->f->size || strcmp(sha1, j->f->git_sha1) != 0) {
		struct al_buf u = AL_BUF_INIT;
		err = al_diag_set(&d, AL_EVERIFY, "%s '%s': '%s': git blob sha1 mismatch: expected "
		                  "%s (%lld bytes), got %s (%llu bytes) from GET %s", r.type, r.repo,
		                  shown(&b, r.path), j->f->git_sha1, (long long)j->f->size, sha1,
		                  (unsigned long long)j->got, url_shown(&u, resp->url));
		al_buf_release(&u);
		reg_fail(j, err, &d);
		goto out;
	}
	err = al_blob_writer_commit(j->w, hex, &d);
	j->w = NULL;
	if (err) {
		al_diag_prefix(&d, "%s '%s': '%s': ", r.type, r.repo, shown(&b, r.path));
		reg_fail(j, err, &d);
		goto out;
	}
	if (!(j->f->sha256 = al_strdup(hex))) {
		al_oom(&d);
		reg_fail(j, AL_ENOMEM, &d);
	}
out:
	al_buf_release(&b);
}

static al_err hash_regular(struct al_hub *hub, const struct repo_ref *r, struct al_hub_files *f,
                           struct al_diag *d)
{
	struct reg_run run = { hub, r, AL_OK, AL_DIAG_INIT };
	struct reg_job *jobs = NULL;
	struct al_buf url = AL_BUF_INIT, sb = AL_BUF_INIT;
	const char *hv[3];
	size_t i, n = 0;
	al_err err = AL_OK;

	for (i = 0; i < f->n; i++) {
		if (f->v[i].lfs)
			continue;
		if (f->v[i].size > AL_HUB_MAX_REGULAR)
			return al_diag_set(d, AL_ELIMIT, "%s '%s': '%s' is a regular (non-LFS) "
			                   "file of %lld bytes, more than the %lld airlock hashes "
			                   "while locking",
			                   r->type, r->repo, shown(&sb, f->v[i].path),
			                   (long long)f->v[i].size, (long long)AL_HUB_MAX_REGULAR);
		n++;
	}
	al_buf_release(&sb);
	if (!n)
		return AL_OK;
	if (!hub->store)
		return al_diag_set(d, AL_EUSAGE, "al_hub_lock: no store for the regular files");
	if (!(jobs = al_calloc(n, sizeof(*jobs))))
		return oom(d);
	n = 0;
	for (i = 0; i < f->n; i++) {
		struct al_http_req req = AL_HTTP_REQ_INIT;
		struct reg_job *j;
		if (f->v[i].lfs)
			continue;
		j = &jobs[n++];
		j->run = &run;
		j->f = &f->v[i];
		if (resolve_url(hub, &url, r->type, r->repo, r->commit, j->f->path)) {
			err = oom(d);
			break;
		}
		headers_for(hub, url.buf, hv);
		hv[0] = "Accept-Encoding: identity";
		req.url = url.buf;
		req.headers = hv;
		req.size = j->f->size;
		req.write = reg_write;
		req.done = reg_done;
		req.ctx = j;
		if ((err = al_http_add(hub->http, &req, d)))
			break;
	}
	/* run even after a failed add: what was queued must finish (its ctx is here) */
	if (!err)
		err = al_http_run(hub->http, d);
	else /* the first error, from the add, is the one to report */
		al_ignore(al_http_run(hub->http, NULL));
	if (!err && run.err)
		err = al_diag_set(d, run.err, "%s", run.diag.msg);
	for (i = 0; i < n; i++)
		reg_reset(&jobs[i]);
	al_free(jobs);
	al_buf_release(&url);
	return err;
}

/* ---- lock ---------------------------------------------------------------------------- */

al_err al_hub_lock(struct al_hub *hub, const char *type, const struct al_hub_repo *spec,
                   struct al_lock_repo *out, struct al_diag *d)
{
	struct al_hub_files all = { 0 }, kept = { 0 };
	struct repo_ref r = { 0 };
	struct al_buf sb = AL_BUF_INIT;
	char *commit = NULL;
	const char *rev;
	al_err err;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!type || (strcmp(type, "model") != 0 && strcmp(type, "dataset") != 0))
		return al_diag_set(d, AL_EUSAGE, "unknown Hub repo type '%s'", type ? type : "");
	if (!spec || !spec->repo || !al_manifest_valid_repo_id(spec->repo))
		return al_diag_set(d, AL_EINVALID, "'%s' is not a Hub repo id",
		                   spec && spec->repo ? shown(&sb, spec->repo) : "");
	rev = spec->revision && *spec->revision ? spec->revision : "main";
	if (strlen(rev) > MAX_REVISION || has_c1(rev) || has_ctl(rev)) {
		err = al_diag_set(d, AL_EINVALID, "%s '%s': bad revision '%s'", type, spec->repo,
		                  shown(&sb, rev));
		goto out;
	}
	r.type = type;
	r.repo = spec->repo;
	r.revision = rev;
	if (is_commit(rev))
		commit = al_strdup(rev);
	else if ((err = resolve_commit(hub, &r, &commit, d)))
		goto out;
	if (!commit) {
		err = oom(d);
		goto out;
	}
	r.commit = commit;
	if ((err = list_files(hub, &r, &all, d)))
		goto out;
	if ((err = al_hub_check_files(&all, d))) {
		al_diag_prefix(d, "refusing %s '%s' at %s: ", type, spec->repo, commit);
		goto out;
	}
	for (i = 0; i < all.n; i++) {
		if (!al_glob_selected(all.v[i].path, &spec->include, &spec->exclude))
			continue;
		if (AL_GROW(kept.v, kept.alloc, kept.n + 1)) {
			err = oom(d);
			goto out;
		}
		kept.v[kept.n++] = all.v[i]; /* moved */
		memset(&all.v[i], 0, sizeof(all.v[i]));
	}
	if ((err = hash_regular(hub, &r, &kept, d)))
		goto out;
	out->type = al_strdup(type);
	out->repo = al_strdup(spec->repo);
	out->revision = al_strdup(rev);
	out->commit = commit;
	commit = NULL;
	out->files = kept.v;
	out->nfiles = kept.n;
	memset(&kept, 0, sizeof(kept));
	if (!out->type || !out->repo || !out->revision) {
		al_lock_repo_release(out);
		err = oom(d);
	}
out:
	al_hub_files_release(&all);
	al_hub_files_release(&kept);
	al_free(commit);
	al_buf_release(&sb);
	return err;
}

/* ---- fetch ----------------------------------------------------------------------------- */

static void fetch_progress(void *ctx, uint64_t done, int64_t total)
{
	struct fetch_job *j = ctx;

	(void)total;
	if (done < j->seen)
		j->seen = 0; /* restarted from the beginning */
	if (done > j->seen && j->progress)
		j->progress(j->ctx, done - j->seen);
	j->seen = done;
}

static void fetch_done(void *ctx, struct al_http_resp *resp)
{
	struct fetch_job *j = ctx;
	struct al_hub *hub = j->hub;
	struct repo_ref r = { j->type, j->repo, NULL, j->commit, j->path };

	j->done = true;
	if (!resp->err || hub->fetch_err)
		return;
	hub->fetch_err = hub_error(hub, &r, resp, &hub->fetch_diag);
}

al_err al_hub_queue_fetch(struct al_hub *hub, const struct al_lock_repo *r,
                          void (*progress)(void *ctx, uint64_t bytes), void *ctx,
                          struct al_diag *d)
{
	struct al_buf url = AL_BUF_INIT, sb = AL_BUF_INIT;
	const char *hv[3];
	al_err err = AL_OK;
	size_t i;

	if (!hub->store)
		return al_diag_set(d, AL_EUSAGE, "al_hub_queue_fetch: no store");
	if (!r->type || (strcmp(r->type, "model") != 0 && strcmp(r->type, "dataset") != 0) ||
	    !r->repo || !al_manifest_valid_repo_id(r->repo) || !is_commit(r->commit))
		return al_diag_set(d, AL_EINVALID, "a locked Hub repo with a bad type, repo id or "
		                   "commit");
	for (i = 0; i < r->nfiles; i++) {
		const struct al_lock_file *f = &r->files[i];
		struct al_http_req req = AL_HTTP_REQ_INIT;
		struct fetch_job *j;
		if (!f->path || !al_path_safe(f->path) || has_c1(f->path) || !f->sha256 ||
		    strlen(f->sha256) != 64 || !al_is_hex(f->sha256, 64) || f->size < 0 ||
		    f->size > AL_HUB_MAX_FILE_SIZE) {
			err = al_diag_set(d, AL_EINVALID, "%s '%s': locked file '%s' has a bad "
			                  "path, sha256 or size", r->type, r->repo,
			                  f->path ? shown(&sb, f->path) : "");
			break;
		}
		if (al_store_has(hub->store, f->sha256)) {
			hub->present++;
			continue;
		}
		if (resolve_url(hub, &url, r->type, r->repo, r->commit, f->path) ||
		    !(j = al_calloc(1, sizeof(*j)))) {
			err = oom(d);
			break;
		}
		j->hub = hub;
		j->progress = progress;
		j->ctx = ctx;
		j->type = al_strdup(r->type);
		j->repo = al_strdup(r->repo);
		j->path = al_strdup(f->path);
		j->commit = al_strdup(r->commit);
		if (!j->type || !j->repo || !j->path || !j->commit) {
			job_free(j);
			err = oom(d);
			break;
		}
		j->next = hub->jobs;
		hub->jobs = j;
		headers_for(hub, url.buf, hv);
		hv[0] = "Accept-Encoding: identity";
		req.url = url.buf;
		req.headers = hv;
		req.store = hub->store;
		req.sha256 = f->sha256;
		req.size = f->size;
		req.done = fetch_done;
		req.progress = fetch_progress;
		req.ctx = j;
		if ((err = al_http_add(hub->http, &req, d))) {
			j->done = true;
			break;
		}
		hub->queued++;
	}
	al_buf_release(&url);
	al_buf_release(&sb);
	return err;
}

al_err al_hub_fetch_result(struct al_hub *hub, struct al_diag *d)
{
	al_err err = hub->fetch_err;

	if (err)
		al_diag_set(d, err, "%s", hub->fetch_diag.msg);
	hub->fetch_err = AL_OK;
	al_diag_clear(&hub->fetch_diag);
	jobs_free(hub, true);
	hub->queued = hub->present = 0;
	return err;
}

void al_hub_fetch_counts(const struct al_hub *hub, uint64_t *queued, uint64_t *present)
{
	if (queued)
		*queued = hub->queued;
	if (present)
		*present = hub->present;
}
