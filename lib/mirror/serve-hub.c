/*
 * serve-hub.c: the Hugging Face Hub API of `airlock serve` for HF_ENDPOINT
 * clients (docs/reference/serve.md): /api/{models,datasets}/<repo> info and
 * revision/<rev>, tree/<rev>[/<path>] with paging, paths-info (POST), refs,
 * and /[datasets/]<repo>/resolve/<rev>/<path> downloads, all from the hub
 * API data publish wrote into the generation.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/mem.h"
#include "mirror/serve-internal.h"

static void iso_date(time_t t, char out[64])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
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
		if (!serve_name_char(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
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
	if (serve_join_segs(&h->repo, p, first, first + nparts) ||
	    al_buf_addf(&rel, "hf/api/%s/%s/info.json", type, h->repo.buf))
		goto out;
	if ((fd = serve_open_beneath(r->gen, rel.buf, O_RDONLY | O_NONBLOCK)) < 0) {
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

bool al_serve_hub_rev(json_t *info, const char *rev, const char **commit, json_t **files)
{
	json_t *refs = json_object_get(info, "refs"), *commits = json_object_get(info, "commits");
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
	*commit = json_object_iter_key(it); /* lives as long as info */
	*files = json_object_iter_value(it);
	return true;
}

/* A branch or tag from refs, a 40-hex commit in commits, or HEAD (main). */
static bool hub_resolve(struct hub *h, const char *rev)
{
	return al_serve_hub_rev(h->info, rev, &h->commit, &h->files);
}

static bool arg_true(struct req *r, const char *name)
{
	const char *v = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, name);

	return v && (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "1"));
}

json_t *al_serve_hub_info(const char *type, const char *repo, const char *commit, json_t *files,
                          time_t mtime, bool blobs)
{
	char date[64], id[25];
	json_t *o, *sibs, *f;
	size_t i;

	iso_date(mtime, date);
	snprintf(id, sizeof(id), "%.24s", commit);
	o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:[], s:i, s:i, s:s, s:[]}", "_id", id, "id",
	              repo, "sha", commit, "private", 0, "gated", 0, "disabled", 0, "tags",
	              "downloads", 0, "likes", 0, "lastModified", date, "siblings");
	if (!o)
		return NULL;
	if (!strcmp(type, "models") && json_object_set_new(o, "modelId", json_string(repo)))
		goto fail;
	sibs = json_object_get(o, "siblings");
	json_array_foreach(files, i, f) {
		json_t *s = json_pack("{s:O}", "rfilename", json_object_get(f, "rfilename")), *lfs;
		if (!s || json_array_append_new(sibs, s))
			goto fail;
		if (!blobs)
			continue;
		if (al_json_set(s, "size", json_incref(json_object_get(f, "size"))) ||
		    al_json_set(s, "blobId", json_incref(json_object_get(f, "blobId"))))
			goto fail;
		if ((lfs = json_object_get(f, "lfs")) && al_json_set(s, "lfs", json_incref(lfs)))
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *info_json(struct req *r, struct hub *h)
{
	return al_serve_hub_info(h->type, h->repo.buf, h->commit, h->files, h->mtime,
	                         arg_true(r, "blobs"));
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

static json_t *entry_json(const char *commit, const struct tent *t, bool expand, const char *date)
{
	json_t *e, *lfs;

	if (t->f) {
		e = json_pack("{s:s, s:O, s:O, s:s}", "type", "file", "oid",
		              json_object_get(t->f, "blobId"), "size", json_object_get(t->f, "size"),
		              "path", t->path);
		if (e && (lfs = json_object_get(t->f, "lfs")) &&
		    al_json_set(e, "lfs", json_pack("{s:O, s:O, s:O}", "oid",
		                                    json_object_get(lfs, "sha256"), "size",
		                                    json_object_get(lfs, "size"), "pointerSize",
		                                    json_object_get(lfs, "pointerSize")))) {
			json_decref(e);
			return NULL;
		}
	} else {
		/* a stable made-up oid: the real git tree id needs every mode */
		struct al_hash hs;
		char oid[AL_SHA1_HEX];
		if (al_hash_init(&hs, AL_HASH_SHA1, NULL))
			return NULL;
		al_hash_update(&hs, commit, strlen(commit) + 1);
		al_hash_update(&hs, t->path, strlen(t->path));
		al_hash_final_hex(&hs, oid);
		e = json_pack("{s:s, s:s, s:i, s:s}", "type", "directory", "oid", oid, "size", 0,
		              "path", t->path);
	}
	if (e && expand &&
	    al_json_set(e, "lastCommit", json_pack("{s:s, s:s, s:s}", "id", commit, "title",
	                                           "published by airlock", "date", date))) {
		json_decref(e);
		return NULL;
	}
	return e;
}

/* Files and directories of the commit: under prefix (recursive), or its
 * direct children. *found: prefix is a directory (or empty). */
static int collect(json_t *files, const char *prefix, bool recursive, struct tent **out,
                   size_t *nout, bool *found)
{
	size_t plen = strlen(prefix), n = 0, alloc = 0, i, k;
	struct tent *v = NULL;
	json_t *f;

	*found = plen == 0;
	json_array_foreach(files, i, f) {
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

json_t *al_serve_hub_tree(const char *commit, json_t *files, const char *prefix, bool recursive,
                          bool expand, time_t mtime, bool *found)
{
	struct tent *v = NULL;
	json_t *arr = NULL;
	char date[64];
	size_t n = 0, i;

	if (collect(files, prefix, recursive, &v, &n, found) < 0)
		return NULL;
	iso_date(mtime, date);
	if (!(arr = json_array()))
		goto out;
	for (i = 0; i < n; i++)
		if (json_array_append_new(arr, entry_json(commit, &v[i], expand, date))) {
			json_decref(arr);
			arr = NULL;
			break;
		}
out:
	tents_free(v, n);
	return arr;
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
	l->err = l->err ?: serve_url_escape(l->b, key, "%!$'()*+,;:@/") ?:
	         (value ? al_buf_addch(l->b, '=') ?: serve_url_escape(l->b, value, "%!$'()*+,;:@/")
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
		if (!serve_name_char(h[i]) && !strchr(".-:[]", h[i]))
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
	    serve_url_escape(b, url, "%/!$'()*+,;:@") || al_buf_addch(b, '?'))
		return AL_ENOMEM;
	MHD_get_connection_values(r->c, MHD_GET_ARGUMENT_KIND, add_arg, &l);
	return l.err ?: al_buf_addf(b, "cursor=%zu>; rel=\"next\"", next);
}

static bool arg_uint(struct req *r, const char *name, uint64_t *v, bool *bad)
{
	const char *s = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, name);

	if (!s)
		return false;
	if (!serve_parse_u64(s, strlen(s), v))
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
		return serve_hub_error(r, 400, "BadRequest", NULL, "invalid limit or cursor");
	if (limit > PAGE_MAX)
		limit = PAGE_MAX;
	if (collect(h->files, path, arg_true(r, "recursive"), &v, &n, &found) < 0)
		return serve_text(r, 500, "out of memory");
	if (!found) {
		tents_free(v, n);
		return serve_hub_error(r, 404, "EntryNotFound", h->commit, "Entry not found");
	}
	iso_date(h->mtime, date);
	if (!(arr = json_array()))
		goto oom;
	for (i = cursor; i < n && i < cursor + limit; i++)
		if (json_array_append_new(arr, entry_json(h->commit, &v[i], expand, date)))
			goto oom;
	if (cursor + limit < n) {
		if (next_link(r, url, (size_t)(cursor + limit), &link))
			goto oom;
		hdrs[1] = link.buf;
	}
	ret = serve_reply_json(r, arr, hdrs);
	arr = NULL;
	goto out;
oom:
	ret = serve_text(r, 500, "out of memory");
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

	if (!plen || !serve_parts_ok(path))
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
	if (!(e = entry_json(h->commit, &t, expand, date)))
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
			if ((!strcmp(pair, "paths") || !strcmp(pair, "paths[]")) &&
			    al_json_push(paths, json_string(eq + 1))) {
				/* json_string refuses text that is not UTF-8 */
				json_decref(paths);
				*why = "a path that is not UTF-8, or out of memory";
				return 400;
			} else if (!strcmp(pair, "expand"))
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
		return bad == 500 ? serve_text(r, 500, "out of memory")
		                  : serve_hub_error(r, 400, "BadRequest", NULL, "%s", why);
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
		return serve_text(r, 500, "out of memory");
	}
	ret = serve_reply_json(r, arr, NULL);
	return ret;
}

/* GET .../refs: every published revision name is reported as a branch
 * (the lock does not say which were tags). */
json_t *al_serve_hub_refs(json_t *refs)
{
	json_t *o = json_pack("{s:[], s:[], s:[], s:[]}", "branches", "tags", "converts",
	                      "pullRequests");
	json_t *c;
	const char *k;

	if (!o)
		return NULL;
	json_object_foreach(refs, k, c) {
		struct al_buf ref = AL_BUF_INIT;
		json_t *e = NULL;
		if (al_buf_addf(&ref, "%s%s", strncmp(k, "refs/", 5) ? "refs/heads/" : "", k) ||
		    !(e = json_pack("{s:s, s:s, s:O}", "name", k, "ref", ref.buf, "targetCommit", c)) ||
		    json_array_append_new(json_object_get(o, "branches"), e)) {
			al_buf_release(&ref);
			json_decref(o);
			return NULL;
		}
		al_buf_release(&ref);
	}
	return o;
}

static enum MHD_Result hub_refs(struct req *r, struct hub *h)
{
	json_t *o = al_serve_hub_refs(json_object_get(h->info, "refs"));

	if (!o)
		return serve_text(r, 500, "out of memory");
	return serve_reply_json(r, o, NULL);
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
enum MHD_Result serve_route_api(struct req *r, const struct rpath *p, const char *url)
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
			return serve_not_allowed(r, "GET, HEAD");
		return serve_hub_error(r, 404, NULL, NULL, "Sorry, we can't find the page you are looking for.");
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
		ret = rc == 500 ? serve_text(r, 500, "cannot read the repository's data")
		                : serve_hub_error(r, 404, "RepoNotFound", NULL, "Repository not found");
		goto out;
	}
	rem = p->n - base;
	if (rem >= 2 && !strcmp(p->seg[base], "paths-info")) {
		if (r->m != M_POST) {
			ret = serve_not_allowed(r, "POST");
			goto out;
		}
		if (serve_join_segs(&s, p, base + 1, p->n)) {
			ret = serve_text(r, 500, "out of memory");
			goto out;
		}
		ret = hub_resolve(&h, s.buf) ? hub_paths_info(r, &h)
		                             : serve_hub_error(r, 404, "RevisionNotFound", NULL,
		                                               "Invalid rev id: %s", s.buf);
		goto out;
	}
	if (r->m != M_GET && r->m != M_HEAD) {
		ret = serve_not_allowed(r, "GET, HEAD");
		goto out;
	}
	if (rem == 0 || (rem >= 2 && !strcmp(p->seg[base], "revision"))) {
		if (rem && serve_join_segs(&s, p, base + 1, p->n)) {
			ret = serve_text(r, 500, "out of memory");
			goto out;
		}
		if (!hub_resolve(&h, rem ? s.buf : "HEAD"))
			ret = serve_hub_error(r, 404, "RevisionNotFound", NULL, "Invalid rev id: %s",
			                      rem ? s.buf : "main");
		else
			ret = serve_reply_json(r, info_json(r, &h), NULL);
	} else if (rem >= 2 && !strcmp(p->seg[base], "tree")) {
		if (!(used = resolve_spread(&h, p, base + 1, 0, &oom))) {
			ret = oom ? serve_text(r, 500, "out of memory")
			          : serve_hub_error(r, 404, "RevisionNotFound", NULL, "Invalid rev id: %s",
			                            p->seg[base + 1]);
		} else if (serve_join_segs(&s, p, base + 1 + used, p->n)) {
			ret = serve_text(r, 500, "out of memory");
		} else {
			ret = hub_tree(r, &h, url, s.buf);
		}
	} else if (rem == 1 && !strcmp(p->seg[base], "refs")) {
		ret = hub_refs(r, &h);
	} else {
		ret = serve_hub_error(r, 404, NULL, NULL, "Sorry, we can't find the page you are looking for.");
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
		return oom ? serve_text(r, 500, "out of memory")
		           : serve_hub_error(r, 404, "RevisionNotFound", NULL, "Invalid rev id: %s",
		                             p->seg[from]);
	if (serve_join_segs(&path, p, from + used, p->n))
		return serve_text(r, 500, "out of memory");
	json_array_foreach(h->files, i, f) {
		const char *rf = json_string_value(json_object_get(f, "rfilename"));
		if (rf && !strcmp(rf, path.buf))
			break;
	}
	if (i == json_array_size(h->files) || p->trailing) {
		ret = serve_hub_error(r, 404, "EntryNotFound", h->commit, "Entry not found");
		goto out;
	}
	lfs = json_object_get(f, "lfs");
	blob = json_string_value(lfs ? json_object_get(lfs, "sha256") : json_object_get(f, "blobId"));
	if (al_buf_addf(&rel, "hf/hub/%s--", h->type)) {
		ret = serve_text(r, 500, "out of memory");
		goto out;
	}
	for (i = 0; i < h->repo.len; i++)
		if ((h->repo.buf[i] == '/' ? al_buf_addstr(&rel, "--") : al_buf_addch(&rel, h->repo.buf[i])))
			oom = true;
	if (oom || al_buf_addf(&rel, "/snapshots/%s/%s", h->commit, path.buf)) {
		ret = serve_text(r, 500, "out of memory");
		goto out;
	}
	if ((fd = serve_open_beneath(r->gen, rel.buf, O_RDONLY | O_NONBLOCK)) < 0) {
		ret = serve_hub_error(r, 404, "EntryNotFound", h->commit, "Entry not found");
		goto out;
	}
	snprintf(etag, sizeof(etag), "\"%s\"", blob ? blob : "");
	snprintf(size, sizeof(size), "%lld", (long long)json_integer_value(json_object_get(f, "size")));
	{
		/* a repo file never runs on the mirror's origin (serve-files.c) */
		const char *hdrs[] = { "Content-Security-Policy", "sandbox; default-src 'none'",
			               "X-Content-Type-Options", "nosniff", "X-Repo-Commit", h->commit,
			               "X-Linked-Etag", lfs ? etag : NULL, "X-Linked-Size", lfs ? size : NULL,
			               NULL };
		ret = serve_fd(r, fd, CT_BIN, blob, hdrs);
	}
out:
	al_buf_release(&path);
	al_buf_release(&rel);
	return ret;
}

/* Is this a resolve URL of a published repo? -1 when the shape does not
 * match; 404 when it does but the repo is not here; 0 when handled (*ret). */
int serve_route_resolve(struct req *r, const struct rpath *p, enum MHD_Result *ret)
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
			*ret = serve_text(r, 500, "cannot read the repository's data");
			rc = 0;
		}
	}
	if (rc && p->n >= base + 4 && !strcmp(p->seg[base + 1], "resolve")) {
		rc = 404;
		if (!(lr = hub_load(r, &h, type, p, base, 1))) {
			*ret = hub_file(r, &h, p, base + 2);
			rc = 0;
		} else if (lr == 500) {
			*ret = serve_text(r, 500, "cannot read the repository's data");
			rc = 0;
		}
	}
	hub_release(&h);
	return rc;
}
