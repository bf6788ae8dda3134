/*
 * index.c: the package index client (index.h): project pages from the
 * indexes and find-links of a target, cached and revalidated (net/httpcache.c),
 * candidate files filtered for the target, METADATA by PEP 658, range reads
 * (net/remotezip.c) or download, with look-ahead; it feeds the resolver
 * through struct al_provider.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/mem.h"
#include "core/url.h"
#include "net/httpcache.h"
#include "net/remotezip.h"
#include "pypa/metadata.h"
#include "pypa/names.h"
#include "pypa/simple.h"
#include "pypa/wheel.h"
#include "pypa/wheelname.h"
#include "resolve/index.h"
#include "store/db.h"
#include "store/store-internal.h"

#define PAGE_MAX ((size_t)64 << 20)
#define META_MAX ((size_t)16 << 20)

enum { ST_NEW = 0, ST_FLIGHT, ST_DONE };

struct proj;
struct al_dist_meta;
static void speculate_page(struct al_index *ix, struct proj *p);
static void speculate_meta(struct al_index *ix, const struct al_dist_meta *m);

#define NO_SRC ((size_t)-1)

/* An index to ask (struct al_index_src, with its URL without userinfo). */
struct src {
	char *name;                 /* a named index, or NULL */
	char *url;
	bool explicit_only;
	int codes[AL_INDEX_MAX_CODES]; /* besides 404 and 410: "not here" */
	size_t ncodes;
};

struct pin {
	char *project;              /* normalized */
	size_t src;
};

struct proj {
	struct al_index *ix;
	char *name;
	int state;
	size_t src;                 /* which index is being asked, or NO_SRC */
	size_t pin;                 /* the index it is pinned to, or NO_SRC */
	bool found;                 /* an index had it */
	size_t from;                /* the first index that had it, or NO_SRC */
	int missing;                /* the last status that meant "not here" */
	bool forbidden;             /* an index answered 403 and it went on */
	al_err err;
	struct al_diag diag;
	struct al_simple_page *page;
	struct al_buf body;
	char *url;
	char **hints;               /* requirement strings seen by speculation */
	size_t nhints, ahints;
};

/* Wheels at least this large (or of unknown size) without a PEP 658 sidecar
 * have their METADATA read with range requests instead of being downloaded. */
#define LAZY_MIN ((int64_t)1 << 20)
/* Wheels smaller than this are downloaded whole even when the index offers
 * their PEP 658 sidecar: one request either way, and fetch needs the file. */
#define WHOLE_MAX ((int64_t)256 << 10)

struct fmeta {
	struct al_index *ix;
	char *name, *url, *filename, *sha256, *meta_url, *meta_sha256;
	int64_t size;
	bool sdist;
	struct al_remotezip rz;      /* range reads of a remote wheel */
	int state;
	al_err err;
	struct al_diag diag;
	struct al_dist_meta *meta;
	struct al_buf body;
};

struct al_index {
	struct al_index_opts o;
	struct al_provider prov;
	struct src *srcs;           /* in the order they are asked */
	size_t nsrcs;
	struct pin *pins;
	size_t npins;
	char **finds;               /* find-links without userinfo (o.find_links points here) */
	struct proj **projs;
	size_t nprojs, aprojs;
	struct fmeta **metas;
	size_t nmetas, ametas;
	struct al_simple_page *links; /* every file of the find-links sources */
	bool links_loaded;
	al_err links_err;
	struct al_diag links_diag;
	unsigned requests, cached;
	al_pick_fn pick;
	al_want_fn want;
	void *pctx;
};

/* ---- find-links ------------------------------------------------------------------ */

static al_err add_link(struct al_simple_page *pg, size_t *alloc, const char *url, const char *name,
                       struct al_diag *d)
{
	struct al_simple_file *f;

	if (AL_GROW(pg->files, *alloc, pg->nfiles + 1))
		return al_oom(d);
	f = &pg->files[pg->nfiles];
	memset(f, 0, sizeof(*f));
	f->size = -1;
	if (!(f->url = al_strdup(url)) || !(f->filename = al_strdup(name))) {
		al_free(f->url);
		al_free(f->filename);
		return al_oom(d);
	}
	pg->nfiles++;
	return AL_OK;
}

static al_err load_links(struct al_index *ix, struct al_diag *d)
{
	struct al_simple_page *pg;
	size_t i, alloc = 0;
	al_err err = AL_OK;

	if (!(pg = al_calloc(1, sizeof(*pg))))
		return al_oom(d);
	ix->links = pg;
	for (i = 0; i < ix->o.nfind && !err; i++) {
		const char *src = ix->o.find_links[i];
		if (!strncmp(src, "file://", 7) || src[0] == '/') {
			const char *dir = src[0] == '/' ? src : src + 7;
			struct dirent *e;
			DIR *dh = opendir(dir);
			if (!dh) {
				err = al_diag_set(d, AL_ENOTFOUND, "find-links '%s': cannot read: %s", src,
				                  strerror(errno));
				break;
			}
			while (!err && (e = readdir(dh))) {
				struct al_buf u = AL_BUF_INIT;
				if (e->d_name[0] == '.')
					continue;
				if (al_buf_addf(&u, "file://%s/%s", dir, e->d_name))
					err = al_oom(d);
				else
					err = add_link(pg, &alloc, u.buf, e->d_name, d);
				al_buf_release(&u);
			}
			closedir(dh);
		} else if (!ix->o.offline) {
			struct al_buf body = AL_BUF_INIT;
			struct al_http_resp resp;
			struct al_simple_page *lp = NULL;
			enum al_simple_format fmt = AL_SIMPLE_HTML;
			size_t k;
			al_http_resp_init(&resp);
			ix->requests++;
			err = al_http_get(ix->o.http, src, NULL, PAGE_MAX, &body, &resp, d);
			if (!err && resp.hdrs.content_type &&
			    al_simple_format_of(resp.hdrs.content_type, &fmt, NULL))
				fmt = AL_SIMPLE_HTML;
			if (!err)
				err = al_simple_parse(fmt, body.buf, body.len, resp.url ? resp.url : src, &lp, d);
			for (k = 0; !err && lp && k < lp->nfiles; k++)
				err = add_link(pg, &alloc, lp->files[k].url, lp->files[k].filename, d);
			/* keep the hashes the page gave */
			for (k = 0; !err && lp && k < lp->nfiles; k++) {
				struct al_simple_file *f = &pg->files[pg->nfiles - lp->nfiles + k];
				if (lp->files[k].sha256 && !(f->sha256 = al_strdup(lp->files[k].sha256)))
					err = al_oom(d);
			}
			al_simple_page_free(lp);
			al_http_resp_release(&resp);
			al_buf_release(&body);
			if (err)
				al_diag_prefix(d, "find-links '%s': ", src);
		}
	}
	ix->links_loaded = true;
	return err;
}

/* Append the find-links files of a project to its page. */
static al_err merge_links(struct al_index *ix, struct proj *p, struct al_diag *d)
{
	size_t i, alloc;
	al_err err = AL_OK;

	if (!ix->links || !ix->links->nfiles)
		return AL_OK;
	if (!p->page && !(p->page = al_calloc(1, sizeof(*p->page))))
		return al_oom(d);
	alloc = p->page->nfiles;
	for (i = 0; i < ix->links->nfiles && !err; i++) {
		const struct al_simple_file *f = &ix->links->files[i];
		struct al_wheelname wn = AL_WHEELNAME_INIT;
		struct al_sdistname sn = { 0 };
		const char *norm = NULL;
		if (!al_wheelname_parse(&wn, f->filename, NULL))
			norm = wn.normalized;
		else if (!al_sdistname_parse(&sn, f->filename, NULL))
			norm = sn.normalized;
		if (norm && !strcmp(norm, p->name)) {
			err = add_link(p->page, &alloc, f->url, f->filename, d);
			if (!err && f->sha256 &&
			    !(p->page->files[p->page->nfiles - 1].sha256 = al_strdup(f->sha256)))
				err = al_oom(d);
		}
		al_wheelname_release(&wn);
		al_sdistname_release(&sn);
	}
	return err;
}

/* ---- project pages ------------------------------------------------------------------ */

static void prov_prefetch_metadata(void *ctx, const char *const *names,
                                   const struct al_simple_file *const *files, size_t n);
static void prov_prefetch_projects(void *ctx, const char *const *names, size_t n);

static al_err page_url(struct al_index *ix, struct proj *p, struct al_diag *d)
{
	struct al_buf u = AL_BUF_INIT;
	const char *base = ix->srcs[p->src].url;

	al_free(p->url);
	p->url = NULL;
	if (al_buf_addf(&u, "%s%s%s/", base, base[strlen(base) - 1] == '/' ? "" : "/", p->name))
		return al_oom(d);
	p->url = al_buf_detach(&u, NULL);
	return AL_OK;
}

/* The index after `after` (NO_SRC: the first) that may be asked for p: a
 * pinned project has its index only; others every index not explicit. */
static size_t next_src(const struct al_index *ix, const struct proj *p, size_t after)
{
	size_t i;

	if (p->pin != NO_SRC)
		return after == NO_SRC ? p->pin : NO_SRC;
	for (i = after == NO_SRC ? 0 : after + 1; i < ix->nsrcs; i++)
		if (!ix->srcs[i].explicit_only)
			return i;
	return NO_SRC;
}

/* "the index 'http://host/simple/'" or "the index 'corp' (http://host/simple/)" */
static const char *src_label(const struct src *s, char *buf, size_t n)
{
	if (s->name)
		snprintf(buf, n, "the index '%s' (%s)", s->name, s->url);
	else
		snprintf(buf, n, "the index '%s'", s->url);
	return buf;
}

static bool missing_status(const struct src *s, const struct al_http_resp *resp)
{
	size_t i;

	if (resp->err == AL_ENOTFOUND)
		return true;
	for (i = 0; resp->err && resp->status && i < s->ncodes; i++)
		if (resp->status == s->codes[i])
			return true;
	return false;
}

/* Every index that may have p was asked: its page, the find-links files
 * (for a project that is not pinned), or why there is none. */
static void proj_finish(struct proj *p)
{
	struct al_index *ix = p->ix;
	char label[512];

	p->state = ST_DONE;
	if (p->pin == NO_SRC && ix->links && (p->err = merge_links(ix, p, &p->diag)))
		return;
	if (p->found || (p->page && p->page->nfiles)) {
		speculate_page(ix, p);
		return;
	}
	if (p->pin != NO_SRC) {
		char why[64];
		if (ix->o.offline)
			snprintf(why, sizeof(why), "no cached page (lock once without --offline)");
		else
			snprintf(why, sizeof(why), "it answered HTTP %d", p->missing);
		p->err = al_diag_set(&p->diag, AL_ENOTFOUND, "'%s' is pinned to %s, which does not "
		                     "have it: %s; a pinned project is never taken from another index",
		                     p->name, src_label(&ix->srcs[p->pin], label, sizeof(label)), why);
	} else if (!ix->nsrcs) {
		/* --no-index: the find-links sources alone */
		p->err = al_diag_set(&p->diag, AL_ENOTFOUND, "no find-links source has a project "
		                     "named '%s' (no index is used)", p->name);
	} else if (ix->o.offline) {
		p->err = al_diag_set(&p->diag, AL_ENOTFOUND, "no cached index page for '%s' "
		                     "(lock once without --offline)", p->name);
	} else if (p->forbidden) {
		p->err = al_diag_set(&p->diag, AL_ENOTFOUND, "no index has a project named '%s' "
		                     "(an index answered HTTP 403, taken as 'not here': if that "
		                     "index should have it, check its credentials)", p->name);
	} else {
		p->err = al_diag_set(&p->diag, AL_ENOTFOUND, "no index has a project named '%s'",
		                     p->name);
	}
}

static al_err start_project(struct al_index *ix, struct proj *p, struct al_diag *d);

/* The index asked does not have p: ask the next, or finish. */
static void proj_next(struct proj *p)
{
	size_t nx = next_src(p->ix, p, p->src);
	al_err err;

	if (nx == NO_SRC) {
		proj_finish(p);
		return;
	}
	p->src = nx;
	p->state = ST_NEW;
	/* start_project may finish p itself (offline): keep the error it set */
	if ((err = start_project(p->ix, p, &p->diag))) {
		p->err = err;
		p->state = ST_DONE;
	}
}

/* Add the files of pg that p's page lacks (by file name: the first index's
 * copy wins), taking them out of pg. */
static al_err merge_page(struct proj *p, struct al_simple_page *pg, struct al_diag *d)
{
	size_t i, k, alloc = p->page->nfiles;

	for (i = 0; i < pg->nfiles; i++) {
		bool dup = false;
		for (k = 0; k < p->page->nfiles && !dup; k++)
			dup = !strcmp(p->page->files[k].filename, pg->files[i].filename);
		if (dup)
			continue;
		if (AL_GROW(p->page->files, alloc, p->page->nfiles + 1))
			return al_oom(d);
		p->page->files[p->page->nfiles++] = pg->files[i];
		memset(&pg->files[i], 0, sizeof(pg->files[i]));
	}
	return AL_OK;
}

/* The http_cache key of the digest of the page at url (al_simple_page_pack):
 * not a URL, so no response can land there. One per page, replaced when the
 * page changes. */
static char *digest_key(const char *url)
{
	struct al_buf b = AL_BUF_INIT;

	if (al_buf_addf(&b, "page-digest:%s", url))
		return NULL;
	return al_buf_detach(&b, NULL);
}

/* p->body parsed (its sha256 is sha256, NULL when not known): from the
 * digest the store keeps of these very bytes, parsed against the same URL by
 * this version of the parser, when there is one; else parsed, and its digest
 * kept for the next lock. A digest that does not match or is damaged is
 * only a miss. docs/decisions/0054-page-digest.md */
static al_err parse_page(struct proj *p, enum al_simple_format fmt, const char *sha256,
                         const char *base_url, struct al_simple_page **pg)
{
	struct al_store *store = p->ix->o.store;
	struct al_httpcache_row row;
	struct al_buf pack = AL_BUF_INIT;
	struct al_diag skip = AL_DIAG_INIT;
	char hex[AL_SHA256_HEX], *key;
	al_err err = AL_ENOTFOUND;

	*pg = NULL;
	if (!sha256) {
		al_sha256_hex(p->body.buf, p->body.len, hex);
		sha256 = hex;
	}
	if (!(key = digest_key(p->url)))
		return al_oom(&p->diag);
	if (al_httpcache_get(store, key, &row)) {
		if (row.inline_body)
			err = al_simple_page_unpack(row.body.buf, row.body.len, sha256, fmt, base_url,
			                            pg, &skip);
		al_httpcache_row_release(&row);
		if (err == AL_ENOMEM) {
			err = al_oom(&p->diag);
			goto out;
		}
		if (!err)
			goto out;
	}
	if ((err = al_simple_parse(fmt, p->body.buf, p->body.len, base_url, pg, &p->diag)))
		goto out;
	/* only a cache: a digest that cannot be kept (a read-only store, no
	 * memory) costs a parse next time, nothing else */
	if (!al_simple_page_pack(*pg, sha256, fmt, base_url, &pack, &skip))
		al_ignore(al_httpcache_put(store, key, NULL, NULL, &pack, &skip));
out:
	al_buf_release(&pack);
	al_free(key);
	return err;
}

static void finish_page(struct proj *p, const char *content_type, const char *sha256,
                        const char *base_url)
{
	struct al_index *ix = p->ix;
	struct al_simple_page *pg = NULL;
	enum al_simple_format fmt;
	size_t i;

	p->state = ST_DONE;
	if ((p->err = al_simple_format_of(content_type, &fmt, &p->diag))) {
		al_diag_prefix(&p->diag, "%s: ", p->url);
		return;
	}
	p->err = parse_page(p, fmt, sha256, base_url, &pg);
	al_buf_release(&p->body);
	if (p->err)
		return;
	for (i = 0; i < pg->nfiles; i++)
		pg->files[i].index = ix->srcs[p->src].name;
	if (!p->page) {
		p->page = pg;
		pg = NULL;
	} else if ((p->err = merge_page(p, pg, &p->diag))) {
		al_simple_page_free(pg);
		return;
	}
	al_simple_page_free(pg);
	if (!p->found)
		p->from = p->src;
	p->found = true;
	if (ix->o.strategy == AL_INDEX_BEST_MATCH && p->pin == NO_SRC)
		proj_next(p);
	else
		proj_finish(p);
}

static void page_done(void *ctx, struct al_http_resp *resp)
{
	struct proj *p = ctx;
	struct al_index *ix = p->ix;
	const struct src *s = &ix->srcs[p->src];
	struct al_httpcache_row row;
	char label[512];

	if (resp->not_modified && al_httpcache_get(ix->o.store, p->url, &row)) {
		ix->cached++;
		if ((p->err = al_httpcache_revalidated(ix->o.store, p->url, &resp->hdrs, &p->diag)) ||
		    (p->err = al_httpcache_body(ix->o.store, &row, PAGE_MAX, &p->body, &p->diag)))
			p->state = ST_DONE;
		else
			finish_page(p, row.content_type, row.sha256, resp->url ? resp->url : p->url);
		al_httpcache_row_release(&row);
		return;
	}
	if (missing_status(s, resp)) {
		/* not on this index: the next one, unless p is pinned to it */
		p->missing = resp->status;
		p->forbidden |= resp->status == 403;
		proj_next(p);
		return;
	}
	if (resp->err) {
		p->state = ST_DONE;
		p->err = resp->err;
		p->diag = resp->diag;
		if (resp->status == 401 || resp->status == 403)
			al_diag_set(&p->diag, p->err, "%s (%s wants credentials, or refused those "
			            "given: check the user and password in its URL in the manifest, "
			            "its username-env and password-env, or netrc)", resp->diag.msg,
			            src_label(s, label, sizeof(label)));
		return;
	}
	if ((p->err = al_httpcache_put(ix->o.store, p->url, &resp->hdrs, NULL, &p->body, &p->diag))) {
		p->state = ST_DONE;
		return;
	}
	finish_page(p, resp->hdrs.content_type, NULL, resp->url ? resp->url : p->url);
}

static al_err start_project(struct al_index *ix, struct proj *p, struct al_diag *d)
{
	static const char *const headers[] = { "Accept: " AL_SIMPLE_ACCEPT, NULL };
	struct al_http_req req = AL_HTTP_REQ_INIT;
	struct al_httpcache_row row;
	bool have;
	al_err err;

	if (p->src == NO_SRC) {
		proj_finish(p); /* find-links only */
		return AL_OK;
	}
	if ((err = page_url(ix, p, d)))
		return err;
	have = al_httpcache_get(ix->o.store, p->url, &row);
	if (have && row.fresh && !ix->o.refresh && !ix->o.offline) {
		/* inside its max-age: the server said it would answer the same */
		p->state = ST_DONE;
		ix->cached++;
		if (!(p->err = al_httpcache_body(ix->o.store, &row, PAGE_MAX, &p->body, &p->diag)))
			finish_page(p, row.content_type, row.sha256, p->url);
		al_httpcache_row_release(&row);
		return AL_OK;
	}
	if (ix->o.offline) {
		p->state = ST_DONE;
		if (!have) {
			proj_next(p);
			return AL_OK;
		}
		ix->cached++;
		if (!(p->err = al_httpcache_body(ix->o.store, &row, PAGE_MAX, &p->body, &p->diag)))
			finish_page(p, row.content_type, row.sha256, p->url);
		al_httpcache_row_release(&row);
		return AL_OK;
	}
	req.url = p->url;
	req.headers = headers;
	req.body = &p->body;
	req.max = PAGE_MAX;
	req.if_none_match = have ? row.etag : NULL;
	req.if_modified_since = have ? row.last_modified : NULL;
	req.done = page_done;
	req.ctx = p;
	req.owner = ix;
	p->state = ST_FLIGHT;
	ix->requests++;
	err = al_http_add(ix->o.http, &req, d);
	if (have)
		al_httpcache_row_release(&row);
	return err;
}

static struct proj *find_proj(struct al_index *ix, const char *name, bool create, al_err *err,
                              struct al_diag *d)
{
	struct proj *p;
	size_t i;

	*err = AL_OK;
	for (i = 0; i < ix->nprojs; i++)
		if (!strcmp(ix->projs[i]->name, name))
			return ix->projs[i];
	if (!create)
		return NULL;
	if (AL_GROW(ix->projs, ix->aprojs, ix->nprojs + 1) || !(p = al_calloc(1, sizeof(*p)))) {
		*err = al_oom(d);
		return NULL;
	}
	p->ix = ix;
	al_buf_init(&p->body);
	if (!(p->name = al_strdup(name))) {
		al_free(p);
		*err = al_oom(d);
		return NULL;
	}
	p->pin = NO_SRC;
	p->from = NO_SRC;
	for (i = 0; i < ix->npins; i++)
		if (!strcmp(ix->pins[i].project, name))
			p->pin = ix->pins[i].src;
	p->src = next_src(ix, p, NO_SRC);
	ix->projs[ix->nprojs++] = p;
	return p;
}

static void prov_prefetch_projects(void *ctx, const char *const *names, size_t n)
{
	struct al_index *ix = ctx;
	struct al_diag d = AL_DIAG_INIT;
	size_t i;
	al_err err;

	if (!ix->links_loaded && (ix->links_err = load_links(ix, &ix->links_diag)))
		return;
	for (i = 0; i < n; i++) {
		struct proj *p = find_proj(ix, names[i], true, &err, &d);
		/* start_project may finish p itself (offline): keep the error it set */
		if (p && p->state == ST_NEW && (err = start_project(ix, p, &p->diag))) {
			p->err = err;
			p->state = ST_DONE;
		}
	}
}

/* The resolver waits for one page or one file's metadata while speculation
 * keeps other transfers going: run the engine until that one is done, and
 * keep what it waits for (a request it adds on the way, such as the next
 * index or the next range read, too) at the front of the queue. */
static bool proj_settled(void *ctx)
{
	struct proj *p = ctx;

	if (p->state != ST_FLIGHT)
		return true;
	al_http_hurry(p->ix->o.http, p);
	return false;
}

static bool meta_settled(void *ctx)
{
	struct fmeta *m = ctx;

	if (m->state != ST_FLIGHT)
		return true;
	al_http_hurry(m->ix->o.http, m);
	return false;
}

static al_err prov_project(void *ctx, const char *name, const struct al_simple_page **out,
                           struct al_diag *d)
{
	struct al_index *ix = ctx;
	struct proj *p;
	al_err err;

	if (!ix->links_loaded && (ix->links_err = load_links(ix, &ix->links_diag))) {
		*d = ix->links_diag;
		return ix->links_err;
	}
	if (ix->links_err) {
		*d = ix->links_diag;
		return ix->links_err;
	}
	if (!(p = find_proj(ix, name, true, &err, d)))
		return err;
	if (p->state == ST_NEW && (err = start_project(ix, p, &p->diag))) {
		*d = p->diag;
		return err;
	}
	if (p->state == ST_FLIGHT && (err = al_http_run_until(ix->o.http, proj_settled, p, d)))
		return err;
	if (p->state != ST_DONE)
		return al_diag_set(d, AL_EINTERNAL, "index page for '%s' did not complete", name);
	if (p->err) {
		*d = p->diag;
		return p->err;
	}
	*out = p->page;
	return AL_OK;
}

/* ---- metadata ------------------------------------------------------------------------ */

static al_err meta_from_text(struct fmeta *m, const char *text, size_t len, struct al_diag *d)
{
	struct al_metadata md = AL_METADATA_INIT;
	struct al_dist_meta *dm;
	al_err err;
	size_t i;

	if ((err = al_metadata_parse(&md, text, len, d)))
		return al_diag_prefix(d, "metadata of '%s': ", m->filename);
	if (m->sdist) {
		bool dynamic = false;
		for (i = 0; i < md.ndynamic; i++)
			dynamic |= !strcasecmp(md.dynamic[i], "Requires-Dist") ||
			           !strcasecmp(md.dynamic[i], "Requires-Python");
		if (!md.metadata_version || strtod(md.metadata_version, NULL) < 2.2 || dynamic) {
			al_metadata_release(&md);
			return al_diag_set(d, AL_EUNSUPPORTED,
			                   "sdist '%s' does not declare its dependencies statically "
			                   "(needs Metadata-Version 2.2+ without Dynamic: Requires-Dist): "
			                   "it cannot be resolved without building it", m->filename);
		}
	}
	if (!(dm = al_calloc(1, sizeof(*dm)))) {
		al_metadata_release(&md);
		return al_oom(d);
	}
	dm->name = md.name;
	dm->version = md.version;
	dm->requires_python = md.requires_python;
	dm->requires_dist = md.requires_dist;
	dm->nrequires_dist = md.nrequires_dist;
	md.name = md.version = md.requires_python = NULL;
	md.requires_dist = NULL;
	md.nrequires_dist = 0;
	al_metadata_release(&md);
	m->meta = dm;
	return AL_OK;
}

static al_err start_sidecar(struct al_index *ix, struct fmeta *m, struct al_diag *d);

/* A wheel's METADATA into the store as its sidecar blob. */
static al_err keep_sidecar(struct al_store *s, const char *hex, const struct al_buf *b,
                           struct al_diag *d)
{
	struct al_blob_writer *w = NULL;
	al_err err;

	if (al_store_has(s, hex))
		return AL_OK;
	if ((err = al_blob_writer_new(s, &w, hex, (int64_t)b->len, d)) ||
	    (err = al_blob_writer_write(w, b->buf, b->len, d))) {
		al_blob_writer_abort(w);
		return err;
	}
	return al_blob_writer_commit(w, NULL, d);
}

/* The whole file is in the store: read its METADATA / PKG-INFO. */
static void meta_from_blob(struct fmeta *m, const char *hex)
{
	char *path = al_store_blob_path(m->ix->o.store, hex);
	struct al_buf b = AL_BUF_INIT;
	char mhex[AL_SHA256_HEX];
	bool sidecar = false;
	al_err err;

	m->state = ST_DONE;
	if (!path) {
		m->err = al_oom(&m->diag);
		return;
	}
	m->err = m->sdist ? al_sdist_pkginfo_file(path, &b, &m->diag)
	                  : al_wheel_metadata_file(path, &b, &m->diag);
	al_free(path);
	if (!m->err && m->meta_url && !m->sdist) {
		/* The index offers a sidecar: it is this METADATA, byte for byte
		 * (PEP 658), so the lock names it whichever way the text came, and
		 * the store keeps it for fetch and publish. A sidecar that differs
		 * is read itself, as when the wheel is not here. */
		al_sha256_hex(b.buf, b.len, mhex);
		if (m->meta_sha256 && strcmp(mhex, m->meta_sha256)) {
			al_buf_release(&b);
			/* it may finish m itself (offline): keep the error it set */
			if ((err = start_sidecar(m->ix, m, &m->diag))) {
				m->err = err;
				m->state = ST_DONE;
			}
			return;
		}
		sidecar = true;
		m->err = keep_sidecar(m->ix->o.store, mhex, &b, &m->diag);
	}
	if (!m->err)
		m->err = meta_from_text(m, b.buf, b.len, &m->diag);
	if (!m->err && sidecar && !(m->meta->sha256 = al_strdup(mhex)))
		m->err = al_oom(&m->diag);
	al_buf_release(&b);
	if (!m->err)
		speculate_meta(m->ix, m->meta);
}

static void sidecar_done(void *ctx, struct al_http_resp *resp)
{
	struct fmeta *m = ctx;
	char hex[AL_SHA256_HEX];

	m->state = ST_DONE;
	if (resp->err) {
		m->err = resp->err;
		m->diag = resp->diag;
		return;
	}
	al_sha256_hex(m->body.buf, m->body.len, hex);
	if (m->meta_sha256 && strcmp(hex, m->meta_sha256)) {
		m->err = al_diag_set(&m->diag, AL_EVERIFY, "%s: sha256 mismatch (the index says %s, got %s)",
		                     m->meta_url, m->meta_sha256, hex);
		return;
	}
	if ((m->err = al_httpcache_put(m->ix->o.store, m->meta_url, &resp->hdrs, NULL, &m->body,
	                               &m->diag)))
		return;
	if (!(m->err = meta_from_text(m, m->body.buf, m->body.len, &m->diag)) &&
	    !(m->meta->sha256 = al_strdup(hex)))
		m->err = al_oom(&m->diag);
	al_buf_release(&m->body);
	if (!m->err)
		speculate_meta(m->ix, m->meta);
}

static void file_done(void *ctx, struct al_http_resp *resp)
{
	struct fmeta *m = ctx;

	if (resp->err) {
		m->state = ST_DONE;
		m->err = resp->err;
		m->diag = resp->diag;
		return;
	}
	if ((m->err = al_httpcache_put(m->ix->o.store, m->url, &resp->hdrs, resp->sha256, NULL,
	                               &m->diag))) {
		m->state = ST_DONE;
		return;
	}
	meta_from_blob(m, resp->sha256);
}

/* ---- METADATA out of a remote wheel, with range requests (lib/net/remotezip.c) ---------- */

/* The http_cache key of the METADATA read out of the wheel whose sha256 is
 * hex: not a URL, so no response can land there. Keyed by the file's hash,
 * the entry never goes stale and is shared by every index and URL that
 * serves the same bytes. */
char *al_index_lazy_meta_key(const char *hex)
{
	struct al_buf b = AL_BUF_INIT;

	if (al_buf_addf(&b, "metadata-of:sha256:%s", hex))
		return NULL;
	return al_buf_detach(&b, NULL);
}

/* The METADATA a range read of this wheel kept, when there is one. */
static bool lazy_cached(struct al_index *ix, struct fmeta *m)
{
	struct al_httpcache_row row;
	char *key;
	bool have;

	if (!m->sha256 || m->sdist || !(key = al_index_lazy_meta_key(m->sha256)))
		return false;
	have = al_httpcache_get(ix->o.store, key, &row);
	al_free(key);
	if (!have)
		return false;
	ix->cached++;
	m->state = ST_DONE;
	if (!row.inline_body)
		m->err = al_diag_set(&m->diag, AL_EINTERNAL, "cached metadata of '%s' is not inline",
		                     m->filename);
	else
		m->err = meta_from_text(m, row.body.buf, row.body.len, &m->diag);
	al_httpcache_row_release(&row);
	if (!m->err)
		speculate_meta(ix, m->meta);
	return true;
}

static al_err start_file(struct al_index *ix, struct fmeta *m, struct al_diag *d);

/* The range reads are over: the METADATA, or fall back to downloading the
 * whole wheel (a server without ranges, a strange zip): it lands in the
 * store, so fetch will not download it again. */
static void lazy_done(void *ctx, al_err err, const struct al_buf *text)
{
	struct fmeta *m = ctx;
	char *key = NULL;

	m->state = ST_DONE;
	if (err) {
		m->err = err;
		return;
	}
	if (!text) {
		if ((m->err = start_file(m->ix, m, &m->diag)))
			m->state = ST_DONE;
		return;
	}
	if ((m->err = meta_from_text(m, text->buf, text->len, &m->diag)))
		return;
	/* kept for the other targets, the next lock and lock --offline */
	if (m->sha256 && !(key = al_index_lazy_meta_key(m->sha256)))
		m->err = al_oom(&m->diag);
	else if (key)
		m->err = al_httpcache_put(m->ix->o.store, key, NULL, NULL, text, &m->diag);
	al_free(key);
	if (!m->err)
		speculate_meta(m->ix, m->meta);
}

static al_err start_lazy(struct al_index *ix, struct fmeta *m, struct al_diag *d)
{
	m->rz.http = ix->o.http;
	m->rz.url = m->url;
	m->rz.owner = ix;
	m->rz.requests = &ix->requests;
	m->rz.diag = &m->diag;
	m->rz.done = lazy_done;
	m->rz.ctx = m;
	m->state = ST_FLIGHT;
	return al_remotezip_start(&m->rz, d);
}

static al_err start_file(struct al_index *ix, struct fmeta *m, struct al_diag *d)
{
	struct al_http_req req = AL_HTTP_REQ_INIT;

	if (!strncasecmp(m->url, "file:", 5)) {
		/* a find-links directory: into the store straight from the disk */
		char *path = NULL, hex[AL_SHA256_HEX];
		m->state = ST_DONE;
		if (!(m->err = al_url_local_path(m->url, &path, &m->diag)) &&
		    !(m->err = al_store_add_file(ix->o.store, path, m->sha256,
		                                 m->size >= 0 ? m->size : AL_SIZE_UNKNOWN, hex, &m->diag)))
			meta_from_blob(m, hex);
		al_free(path);
		return AL_OK;
	}

	req.url = m->url;
	req.store = ix->o.store;
	req.sha256 = m->sha256;
	req.size = m->size >= 0 ? m->size : AL_SIZE_UNKNOWN;
	req.done = file_done;
	req.ctx = m;
	req.owner = ix;
	m->state = ST_FLIGHT;
	ix->requests++;
	return al_http_add(ix->o.http, &req, d);
}

/* The sidecar from the HTTP cache, when a lock read it before. */
static bool sidecar_cached(struct al_index *ix, struct fmeta *m)
{
	struct al_httpcache_row row;

	if (!m->meta_url || !al_httpcache_get(ix->o.store, m->meta_url, &row))
		return false;
	/* the page names the sidecar's sha256: a kept one with another hash is
	 * not it (the file changed); without a hash, it is used while fresh */
	if (m->meta_sha256 ? strcmp(row.sha256, m->meta_sha256) != 0
	                   : !ix->o.offline && (!row.fresh || ix->o.refresh)) {
		al_httpcache_row_release(&row);
		return false;
	}
	ix->cached++;
	m->state = ST_DONE;
	if (!(m->err = al_httpcache_body(ix->o.store, &row, META_MAX, &m->body, &m->diag)) &&
	    !(m->err = meta_from_text(m, m->body.buf, m->body.len, &m->diag)) &&
	    !(m->meta->sha256 = al_strdup(row.sha256)))
		m->err = al_oom(&m->diag);
	al_buf_release(&m->body);
	al_httpcache_row_release(&row);
	return true;
}

static al_err start_sidecar(struct al_index *ix, struct fmeta *m, struct al_diag *d)
{
	struct al_http_req req = AL_HTTP_REQ_INIT;

	if (sidecar_cached(ix, m))
		return AL_OK;
	if (ix->o.offline) {
		m->state = ST_DONE;
		m->err = al_diag_set(&m->diag, AL_ENOTFOUND, "no cached metadata for '%s' (lock once "
		                     "without --offline)", m->filename);
		return AL_OK;
	}
	m->state = ST_FLIGHT;
	ix->requests++;
	req.url = m->meta_url;
	req.body = &m->body;
	req.max = META_MAX;
	req.done = sidecar_done;
	req.ctx = m;
	req.owner = ix;
	return al_http_add(ix->o.http, &req, d);
}

static al_err start_meta(struct al_index *ix, struct fmeta *m, struct al_diag *d)
{
	struct al_httpcache_row row;

	/* 1. already here: the file itself, or its sidecar */
	if (m->sha256 && al_store_has(ix->o.store, m->sha256)) {
		ix->cached++;
		meta_from_blob(m, m->sha256);
		return AL_OK;
	}
	if (sidecar_cached(ix, m) || lazy_cached(ix, m))
		return AL_OK;
	if (al_httpcache_get(ix->o.store, m->url, &row)) {
		/* the file downloaded before for this URL: when the page names no
		 * hash, only while fresh (the URL may now serve another file) */
		bool use = m->sha256 ? !strcmp(row.sha256, m->sha256)
		                     : ix->o.offline || (row.fresh && !ix->o.refresh);
		if (use) {
			ix->cached++;
			meta_from_blob(m, row.sha256);
		}
		al_httpcache_row_release(&row);
		if (use)
			return AL_OK;
	}
	if (ix->o.offline) {
		m->state = ST_DONE;
		m->err = al_diag_set(&m->diag, AL_ENOTFOUND, "no cached metadata for '%s' (lock once "
		                     "without --offline)", m->filename);
		return AL_OK;
	}
	/* 2. a small wheel whole, 3. the PEP 658 sidecar, 4. range reads of a
	 * large wheel, or 5. the whole file into the store */
	if (m->meta_url && !m->sdist && m->size >= 0 && m->size < WHOLE_MAX &&
	    al_url_is_http(m->url))
		return start_file(ix, m, d);
	if (!m->meta_url && !m->sdist && (m->size < 0 || m->size >= LAZY_MIN) &&
	    al_url_is_http(m->url))
		return start_lazy(ix, m, d);
	if (!m->meta_url)
		return start_file(ix, m, d);
	return start_sidecar(ix, m, d);
}

static struct fmeta *find_meta(struct al_index *ix, const char *name, const struct al_simple_file *f,
                               al_err *err, struct al_diag *d)
{
	struct fmeta *m;
	size_t i;

	*err = AL_OK;
	for (i = 0; i < ix->nmetas; i++)
		if (!strcmp(ix->metas[i]->url, f->url))
			return ix->metas[i];
	if (AL_GROW(ix->metas, ix->ametas, ix->nmetas + 1) || !(m = al_calloc(1, sizeof(*m)))) {
		*err = al_oom(d);
		return NULL;
	}
	ix->metas[ix->nmetas++] = m;
	m->ix = ix;
	al_buf_init(&m->body);
	al_remotezip_init(&m->rz);
	m->size = f->size;
	m->sdist = strlen(f->filename) < 4 || strcmp(f->filename + strlen(f->filename) - 4, ".whl");
	if (!(m->name = al_strdup(name)) || !(m->url = al_strdup(f->url)) ||
	    !(m->filename = al_strdup(f->filename)) || (f->sha256 && !(m->sha256 = al_strdup(f->sha256))) ||
	    (f->metadata_sha256 && !(m->meta_sha256 = al_strdup(f->metadata_sha256)))) {
		*err = al_oom(d);
		return NULL;
	}
	if (f->has_metadata) {
		struct al_buf u = AL_BUF_INIT;
		if (al_buf_addf(&u, "%s.metadata", f->url)) {
			*err = al_oom(d);
			return NULL;
		}
		m->meta_url = al_buf_detach(&u, NULL);
	}
	return m;
}

static void prov_prefetch_metadata(void *ctx, const char *const *names,
                                   const struct al_simple_file *const *files, size_t n)
{
	struct al_index *ix = ctx;
	struct al_diag d = AL_DIAG_INIT;
	size_t i;
	al_err err;

	for (i = 0; i < n; i++) {
		struct fmeta *m = files[i] ? find_meta(ix, names[i], files[i], &err, &d) : NULL;
		/* start_meta may finish m itself (cache, offline): keep its error */
		if (m && m->state == ST_NEW && (err = start_meta(ix, m, &m->diag))) {
			m->err = err;
			m->state = ST_DONE;
		}
	}
}

static al_err prov_metadata(void *ctx, const char *name, const struct al_simple_file *f,
                            const struct al_dist_meta **out, struct al_diag *d)
{
	struct al_index *ix = ctx;
	struct fmeta *m;
	al_err err;

	if (!(m = find_meta(ix, name, f, &err, d)))
		return err;
	if (m->state == ST_NEW && (err = start_meta(ix, m, &m->diag))) {
		*d = m->diag;
		return err;
	}
	if (m->state == ST_FLIGHT && (err = al_http_run_until(ix->o.http, meta_settled, m, d)))
		return err;
	if (m->err) {
		*d = m->diag;
		return m->err;
	}
	if (!m->meta)
		return al_diag_set(d, AL_EINTERNAL, "metadata for '%s' did not complete", f->filename);
	*out = m->meta;
	return AL_OK;
}

/* ---- speculation: warm the caches while transfers run ------------------------------------ */

static void speculate_page(struct al_index *ix, struct proj *p)
{
	const struct al_simple_file *f;
	const char *name = p->name;

	if (!ix->pick ||
	    !(f = ix->pick(ix->pctx, p->name, p->page, (const char *const *)p->hints, p->nhints)))
		return;
	prov_prefetch_metadata(ix, &name, &f, 1);
}

static void speculate_meta(struct al_index *ix, const struct al_dist_meta *m)
{
	size_t i;

	if (!ix->pick || !m)
		return;
	for (i = 0; i < m->nrequires_dist; i++) {
		const char *s = m->requires_dist[i];
		size_t n = 0;
		char name[256];
		while (s[n] && n < sizeof(name) - 1 &&
		       ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		        (s[n] >= '0' && s[n] <= '9') || s[n] == '-' || s[n] == '_' || s[n] == '.'))
			n++;
		if (!n || (ix->want && !ix->want(ix->pctx, s)))
			continue;
		memcpy(name, s, n);
		name[n] = '\0';
		{
			char *norm = al_name_normalize(name);
			const char *nn = norm;
			struct al_diag d = AL_DIAG_INIT;
			struct proj *p;
			al_err err;
			if (norm && (p = find_proj(ix, norm, true, &err, &d)) && p->state == ST_NEW &&
			    p->nhints < 64 && !AL_GROW(p->hints, p->ahints, p->nhints + 1) &&
			    (p->hints[p->nhints] = al_strdup(s)))
				p->nhints++;
			if (norm)
				prov_prefetch_projects(ix, &nn, 1);
			al_free(norm);
		}
	}
}

static void prov_speculate(void *ctx, al_pick_fn pick, al_want_fn want, void *pctx)
{
	struct al_index *ix = ctx;

	ix->pick = pick;
	ix->want = want;
	ix->pctx = pctx;
}

/* ---- lifetime ---------------------------------------------------------------------------- */

static al_err lend(struct al_index *ix, const char *url, struct al_diag *d)
{
	if (!al_url_is_http(url) || !al_url_has_userinfo(url))
		return AL_OK;
	if (!ix->o.http)
		return al_diag_set(d, AL_EUSAGE, "al_index_new: no HTTP engine");
	return al_http_add_credentials(ix->o.http, url, d);
}

static al_err add_src(struct al_index *ix, const char *name, const char *url, bool explicit_only,
                      const int *codes, size_t ncodes, struct al_diag *d)
{
	static const int forbidden[] = { 403 };
	struct src *s = &ix->srcs[ix->nsrcs];
	al_err err;

	if (!codes) {
		codes = forbidden;
		ncodes = 1;
	}
	if (ncodes > AL_INDEX_MAX_CODES)
		return al_diag_set(d, AL_EUSAGE, "al_index_new: too many status codes");
	/* Credentials in these URLs go to the HTTP engine, which sends them to
	 * the same scheme, host and port (pip's rule); every URL kept here, and
	 * so every page URL, cache key, file URL in the lock and message, is
	 * without them. */
	if ((err = lend(ix, url, d)))
		return err;
	if (!(s->url = al_url_strip_userinfo(url)) || (name && !(s->name = al_strdup(name)))) {
		al_free(s->url);
		return al_oom(d);
	}
	s->explicit_only = explicit_only;
	memcpy(s->codes, codes, ncodes * sizeof(*codes));
	s->ncodes = ncodes;
	ix->nsrcs++;
	return AL_OK;
}

static al_err add_pins(struct al_index *ix, const struct al_index_opts *o, struct al_diag *d)
{
	size_t i, k;

	if (!o->npins)
		return AL_OK;
	if (!(ix->pins = al_calloc(o->npins, sizeof(*ix->pins))))
		return al_oom(d);
	for (i = 0; i < o->npins; i++) {
		struct pin *pn = &ix->pins[ix->npins];
		for (k = 0; k < ix->nsrcs; k++)
			if (ix->srcs[k].name && !strcmp(ix->srcs[k].name, o->pins[i].index))
				break;
		if (k == ix->nsrcs)
			return al_diag_set(d, AL_EUSAGE, "'%s' is pinned to '%s', which is not a named "
			                   "index", o->pins[i].project, o->pins[i].index);
		if (!(pn->project = al_name_normalize(o->pins[i].project)))
			return al_oom(d);
		pn->src = k;
		ix->npins++;
	}
	return AL_OK;
}

al_err al_index_new(struct al_index **out, const struct al_index_opts *o, struct al_diag *d)
{
	struct al_index *ix;
	al_err err;
	size_t i;

	*out = NULL;
	if (!(ix = al_calloc(1, sizeof(*ix))) ||
	    !(ix->srcs = al_calloc(o->nsources + o->nextra + 2, sizeof(*ix->srcs))) ||
	    !(ix->finds = al_calloc(o->nfind + 1, sizeof(char *))))
		goto oom;
	ix->o = *o;
	for (i = 0; i < o->nsources; i++) {
		const struct al_index_src *x = &o->sources[i];
		if (!x->url || !x->name)
			continue;
		if ((err = add_src(ix, x->name, x->url, x->explicit_only, x->missing_codes,
		                   x->nmissing_codes, d)))
			goto fail;
	}
	for (i = 0; i < o->nextra + 1; i++) {
		const char *u = i == 0 ? o->index_url : o->extra_index_urls[i - 1];
		if (u && (err = add_src(ix, NULL, u, false, NULL, 0, d)))
			goto fail;
	}
	if ((err = add_pins(ix, o, d)))
		goto fail;
	for (i = 0; i < o->nfind; i++) {
		if ((err = lend(ix, o->find_links[i], d)))
			goto fail;
		if (!(ix->finds[i] = al_url_strip_userinfo(o->find_links[i])))
			goto oom;
	}
	ix->o.find_links = (const char *const *)ix->finds;
	ix->o.sources = NULL;
	ix->o.pins = NULL;
	ix->o.index_url = NULL;
	ix->o.extra_index_urls = NULL;
	if (!ix->nsrcs && !o->nfind) {
		al_index_free(ix);
		return al_diag_set(d, AL_EUSAGE, "no index URL and no find-links");
	}
	ix->prov.ctx = ix;
	ix->prov.project = prov_project;
	ix->prov.metadata = prov_metadata;
	ix->prov.prefetch_projects = prov_prefetch_projects;
	ix->prov.prefetch_metadata = prov_prefetch_metadata;
	ix->prov.speculate = prov_speculate;
	*out = ix;
	return AL_OK;
oom:
	err = al_oom(d);
fail:
	al_index_free(ix);
	return err;
}

const struct al_provider *al_index_provider(struct al_index *ix)
{
	return &ix->prov;
}

const char *al_index_source(const struct al_index *ix, const char *name)
{
	size_t i;

	for (i = 0; i < ix->nprojs; i++) {
		const struct proj *p = ix->projs[i];
		if (strcmp(p->name, name) || p->state != ST_DONE || p->err)
			continue;
		return p->found && p->from != NO_SRC ? ix->srcs[p->from].url : "find-links";
	}
	return NULL;
}

void al_index_stats(const struct al_index *ix, unsigned *requests, unsigned *cached)
{
	*requests = ix->requests;
	*cached = ix->cached;
}

void al_index_free(struct al_index *ix)
{
	size_t i;

	if (!ix)
		return;
	/* speculation may still be in flight: its callbacks point in here */
	al_http_cancel(ix->o.http, ix);
	for (i = 0; ix->srcs && i < ix->nsrcs; i++) {
		al_free(ix->srcs[i].name);
		al_free(ix->srcs[i].url);
	}
	al_free(ix->srcs);
	for (i = 0; i < ix->npins; i++)
		al_free(ix->pins[i].project);
	al_free(ix->pins);
	for (i = 0; ix->finds && i < ix->o.nfind; i++)
		al_free(ix->finds[i]);
	al_free(ix->finds);
	for (i = 0; i < ix->nprojs; i++) {
		size_t k;
		for (k = 0; k < ix->projs[i]->nhints; k++)
			al_free(ix->projs[i]->hints[k]);
		al_free(ix->projs[i]->hints);
		al_free(ix->projs[i]->name);
		al_free(ix->projs[i]->url);
		al_simple_page_free(ix->projs[i]->page);
		al_buf_release(&ix->projs[i]->body);
		al_free(ix->projs[i]);
	}
	al_free(ix->projs);
	for (i = 0; i < ix->nmetas; i++) {
		struct fmeta *m = ix->metas[i];
		al_free(m->name);
		al_free(m->url);
		al_free(m->filename);
		al_free(m->sha256);
		al_free(m->meta_url);
		al_free(m->meta_sha256);
		al_dist_meta_free(m->meta);
		al_buf_release(&m->body);
		al_remotezip_release(&m->rz);
		al_free(m);
	}
	al_free(ix->metas);
	al_simple_page_free(ix->links);
	al_free(ix);
}
