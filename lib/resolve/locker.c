/*
 * locker.c: `airlock lock` and `airlock fetch` as library calls.
 *
 * al_lock_build reads the manifest's requirements (inline and from
 * requirements files), resolves each target separately against the index
 * client (one HTTP engine, so pages and metadata of many projects are in
 * flight at once), pins every Hub repo, and makes sure every pinned file has
 * a sha256 (downloading the few the index gave no hash for). al_fetch then
 * downloads what the store lacks, all on one engine, and records the bundle.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/mem.h"
#include "core/url.h"
#include "hub/hub.h"
#include "net/http.h"
#include "net/httpcache.h"
#include "pypa/metadata.h"
#include "pypa/names.h"
#include "pypa/pep508.h"
#include "pypa/pyproject.h"
#include "pypa/reqfile.h"
#include "pypa/tags.h"
#include "pypa/wheel.h"
#include "resolve/index.h"
#include "resolve/resolve.h"
#include "spec/lock.h"
#include "store/bundle.h"

/* ---- advisories: OSV snapshots pinned by content ----------------------- */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Hash the file at path into a (name: its base name). */
static al_err advisory_pin(const char *path, struct al_lock_advisory *a, struct al_diag *d)
{
	char hex[AL_SHA256_HEX];
	unsigned long long size = 0;
	al_err err;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return al_diag_set(d, AL_EIO, "cannot read the advisories file '%s': %s", path,
		                   strerror(errno));
	err = al_sha256_fd(fd, hex, &size, d);
	close(fd);
	if (err)
		return err;
	if (!(a->name = al_strdup(base_name(path))) || !(a->sha256 = al_strdup(hex)))
		return al_oom(d);
	a->size = (int64_t)size;
	return AL_OK;
}

static al_err lock_advisories(const struct al_manifest *m, struct al_lock *l, struct al_diag *d)
{
	size_t i;
	al_err err;

	if (!m->advisories.n)
		return AL_OK;
	if (!(l->advisories = al_calloc(m->advisories.n, sizeof(*l->advisories))))
		return al_oom(d);
	for (i = 0; i < m->advisories.n; i++) {
		l->nadvisories++;
		if ((err = advisory_pin(m->advisories.v[i], &l->advisories[i], d)))
			return err;
	}
	return AL_OK;
}

/* Why the manifest's advisories files differ from the lock's pins (into b),
 * or nothing. */
static al_err advisories_stale(const struct al_manifest *m, const struct al_lock *l,
                               struct al_buf *b, struct al_diag *d)
{
	size_t i, k;

	if (m->advisories.n != l->nadvisories)
		return al_buf_addf(b, "the manifest names other advisories files than the lock")
		       ? al_oom(d) : AL_OK;
	for (i = 0; i < m->advisories.n; i++) {
		struct al_lock_advisory now = { NULL, NULL, 0 };
		const struct al_lock_advisory *was = NULL;
		bool same;
		al_err err;
		for (k = 0; k < l->nadvisories; k++)
			if (!strcmp(l->advisories[k].name, base_name(m->advisories.v[i])))
				was = &l->advisories[k];
		err = advisory_pin(m->advisories.v[i], &now, d);
		same = !err && was && !strcmp(was->sha256, now.sha256);
		al_free(now.name);
		al_free(now.sha256);
		if (err)
			return err;
		if (!same)
			return al_buf_addf(b, "the advisories file '%s' changed since the lock was written",
			                   m->advisories.v[i]) ? al_oom(d) : AL_OK;
	}
	return AL_OK;
}

/* Put the pinned advisories files the store lacks into it, from the
 * manifest's paths: a file that changed since the lock is refused. */
static al_err fetch_advisories(struct al_store *s, const struct al_lock *l,
                               const struct al_manifest *m, struct al_diag *d)
{
	size_t i, k;
	al_err err;

	for (i = 0; i < l->nadvisories; i++) {
		const struct al_lock_advisory *a = &l->advisories[i];
		const char *path = NULL;
		if (al_store_has(s, a->sha256))
			continue;
		for (k = 0; m && k < m->advisories.n; k++)
			if (!strcmp(base_name(m->advisories.v[k]), a->name))
				path = m->advisories.v[k];
		if (!path)
			return al_diag_set(d, AL_ENOTFOUND, "the advisories file '%s' of the lock is not in "
			                   "the store and the manifest names no such file", a->name);
		if ((err = al_store_add_file(s, path, a->sha256, a->size, NULL, d)))
			return al_diag_prefix(d, "the advisories file '%s' (run 'airlock lock' when it "
			                      "changed): ", path);
	}
	return AL_OK;
}

al_err al_lock_stale(const struct al_manifest *m, const struct al_lock *l, char **why,
                     struct al_diag *d)
{
	struct al_buf b = AL_BUF_INIT;
	al_err err = AL_OK;

	*why = NULL;
	if (!l->manifest_sha256 || strcmp(l->manifest_sha256, m->sha256))
		err = al_buf_addf(&b, "the manifest changed since the lock was written");
	else if (strcmp(l->bundle, m->bundle))
		err = al_buf_addf(&b, "the lock is for bundle '%s', the manifest names '%s'", l->bundle,
		                  m->bundle);
	else if (m->policy.given && !l->policy)
		/* a lock of an older airlock: export enforces the policy the lock carries */
		err = al_buf_addf(&b, "the lock does not carry the manifest's policy");
	if (err) {
		al_buf_release(&b);
		return al_oom(d);
	}
	if (!b.len && (err = advisories_stale(m, l, &b, d))) {
		al_buf_release(&b);
		return err;
	}
	if (b.len)
		*why = al_buf_detach(&b, NULL);
	return AL_OK;
}

al_err al_lock_check_remote(struct al_store *s, const struct al_manifest *m,
                            const struct al_lock *l, char **why, struct al_diag *d)
{
	struct al_http_opts ho = AL_HTTP_OPTS_INIT;
	struct al_hub_opts hopts = AL_HUB_OPTS_INIT;
	struct al_http *http = NULL;
	struct al_hub *hub = NULL;
	char *token = NULL;
	al_err err = AL_OK;
	size_t i, k;

	if ((err = al_lock_stale(m, l, why, d)) || *why || !l->nrepos)
		return err;
	if ((err = al_hub_token(m->hub.token_env, &token, d)) || (err = al_http_new(&http, &ho, d)))
		goto out;
	hopts.endpoint = al_hub_endpoint(m->hub.endpoint);
	hopts.token = token;
	hopts.token_env = m->hub.token_env;
	if ((err = al_hub_new(&hub, http, s, &hopts, d)))
		goto out;
	for (k = 0; k < m->nmodels + m->ndatasets && !*why && !err; k++) {
		bool model = k < m->nmodels;
		const struct al_hub_repo *spec = model ? &m->models[k] : &m->datasets[k - m->nmodels];
		struct al_lock_repo now = { 0 };
		if (al_is_hex(spec->revision, 40))
			continue; /* a commit cannot move */
		if ((err = al_hub_lock(hub, model ? "model" : "dataset", spec, &now, d)))
			goto out;
		for (i = 0; i < l->nrepos && !*why && !err; i++) {
			const struct al_lock_repo *r = &l->repos[i];
			struct al_buf b = AL_BUF_INIT;
			if (strcmp(r->repo, now.repo) || strcmp(r->type, now.type) ||
			    strcmp(r->revision ? r->revision : "main", spec->revision ? spec->revision : "main") ||
			    !strcmp(r->commit, now.commit))
				continue;
			if (al_buf_addf(&b, "%s %s: '%s' now points to %.12s, the lock has %.12s", r->type,
			                r->repo, r->revision ? r->revision : "main", now.commit, r->commit))
				err = al_oom(d);
			else
				*why = al_buf_detach(&b, NULL);
		}
		al_lock_repo_release(&now);
	}
out:
	al_hub_free(hub);
	al_http_free(http);
	if (token) {
		memset(token, 0, strlen(token));
		al_free(token);
	}
	return err;
}

/* Every requirements file the manifest names, read once per lock or fetch.
 * The environment changes nothing: PIP_INDEX_URL and the other PIP_*
 * variables are not read (a manifest is declarative; docs/reference/lock.md). */
static al_err read_reqfiles(const struct al_manifest *m, struct al_reqfile *rf,
                            struct al_diag *d)
{
	size_t i;
	al_err err;

	for (i = 0; m->has_python && i < m->python.requirements_files.n; i++)
		if ((err = al_reqfile_add_file(rf, m->python.requirements_files.v[i], NULL, d)))
			return err;
	return AL_OK;
}

/* The indexes of a lock: the manifest's, merged with the requirements
 * files' options as pip would merge command-line and file options. Two
 * primary indexes, or --no-index beside a manifest index, is an error that
 * names both places. The arrays point into m and rf. */
struct index_plan {
	const char *index_url;        /* NULL under --no-index */
	const char **extra;
	size_t nextra;
	const char **finds;
	size_t nfind;
};

static void index_plan_release(struct index_plan *ip)
{
	al_free(ip->extra);
	al_free(ip->finds);
	memset(ip, 0, sizeof(*ip));
}

static bool strp_has(const char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static al_err index_plan(const struct al_manifest *m, const struct al_reqfile *rf,
                         struct index_plan *ip, struct al_diag *d)
{
	const struct al_reqfile_options *ro = &rf->opts;
	size_t i;
	al_err err;

	memset(ip, 0, sizeof(*ip));
	if (ro->index_url && m->python.index_url_given && strcmp(ro->index_url, m->python.index_url)) {
		char *a = al_url_strip_userinfo(ro->index_url), *b = al_url_strip_userinfo(m->python.index_url);
		err = al_diag_set(d, AL_EINVALID, "%s:%zu: --index-url '%s' conflicts with python.index-url "
		                  "'%s' in %s: two primary indexes; keep one of them",
		                  ro->index_url_at.file, ro->index_url_at.line, a ? a : "?", b ? b : "?",
		                  m->path);
		al_free(a);
		al_free(b);
		return err;
	}
	if (ro->no_index && m->python.nindexes)
		return al_diag_set(d, AL_EINVALID, "%s:%zu: --no-index conflicts with python.indexes "
		                   "in %s: remove one of them", ro->no_index_at.file,
		                   ro->no_index_at.line, m->path);
	if (ro->no_index && (m->python.index_url_given || m->python.extra_index_urls.n))
		return al_diag_set(d, AL_EINVALID, "%s:%zu: --no-index conflicts with %s in %s: "
		                   "remove one of them", ro->no_index_at.file, ro->no_index_at.line,
		                   m->python.index_url_given ? "python.index-url" :
		                   "python.extra-index-urls", m->path);
	if (ro->no_index && ro->index_url)
		return al_diag_set(d, AL_EINVALID, "%s:%zu: --no-index conflicts with --index-url on "
		                   "%s:%zu: remove one of them", ro->no_index_at.file, ro->no_index_at.line,
		                   ro->index_url_at.file, ro->index_url_at.line);
	if (ro->no_index && ro->extra_index_urls.n)
		return al_diag_set(d, AL_EINVALID, "%s:%zu: --no-index conflicts with --extra-index-url "
		                   "in the requirements files: remove one of them", ro->no_index_at.file,
		                   ro->no_index_at.line);
	if (!(ip->extra = al_calloc(m->python.extra_index_urls.n + ro->extra_index_urls.n + 1,
	                            sizeof(*ip->extra))) ||
	    !(ip->finds = al_calloc(m->python.find_links.n + ro->find_links.n + 1, sizeof(*ip->finds))))
		goto oom;
	if (!ro->no_index) {
		ip->index_url = ro->index_url ? ro->index_url : m->python.index_url;
		for (i = 0; i < m->python.extra_index_urls.n + ro->extra_index_urls.n; i++) {
			const char *u = i < m->python.extra_index_urls.n ? m->python.extra_index_urls.v[i] :
			                ro->extra_index_urls.v[i - m->python.extra_index_urls.n];
			if (strcmp(u, ip->index_url) && !strp_has(ip->extra, ip->nextra, u))
				ip->extra[ip->nextra++] = u;
		}
	}
	for (i = 0; i < m->python.find_links.n + ro->find_links.n; i++) {
		const char *u = i < m->python.find_links.n ? m->python.find_links.v[i] :
		                ro->find_links.v[i - m->python.find_links.n];
		if (!strp_has(ip->finds, ip->nfind, u))
			ip->finds[ip->nfind++] = u;
	}
	return AL_OK;
oom:
	index_plan_release(ip);
	return al_oom(d);
}

/* The credentials of a named index from the variables its username-env and
 * password-env name. Messages name the variables, never their values. */
static al_err lend_env(struct al_http *http, const struct al_named_index *x, struct al_diag *d)
{
	const char *user = getenv(x->username_env), *password = getenv(x->password_env);
	char *shown;
	al_err err;

	if (!user || !*user || !password) {
		shown = al_url_strip_userinfo(x->url);
		err = al_diag_set(d, AL_EUSAGE, "index '%s' (%s): the environment variable '%s' "
		                  "(its %s) is not set", x->name, shown ? shown : "?",
		                  !user || !*user ? x->username_env : x->password_env,
		                  !user || !*user ? "username-env" : "password-env");
		al_free(shown);
		return err;
	}
	return al_http_add_basic(http, x->url, user, password, d);
}

/* Lend the credentials of the manifest's indexes (from the variables their
 * username-env and password-env name, else their URL's userinfo), and of the
 * index and find-links URLs of the manifest and its requirements files, to
 * the engine, for requests to the same scheme, host and port (pip's rule;
 * the first to lend to an origin wins). A lock holds no credentials, so
 * this is where fetch finds them. */
static al_err lend_credentials(struct al_http *http, const struct al_manifest *m,
                               struct al_diag *d)
{
	struct al_reqfile rf = AL_REQFILE_INIT;
	struct index_plan ip = { 0 };
	al_err err;
	size_t i;

	if (!m || !m->has_python)
		return AL_OK;
	if ((err = read_reqfiles(m, &rf, d)) || (err = index_plan(m, &rf, &ip, d)))
		goto out;
	for (i = 0; !err && i < m->python.nindexes; i++) {
		const struct al_named_index *x = &m->python.indexes[i];
		if (!al_url_is_http(x->url))
			continue;
		if (x->username_env)
			err = lend_env(http, x, d);
		else
			err = al_http_add_credentials(http, x->url, d);
	}
	for (i = 0; !err && i < 1 + ip.nextra + ip.nfind; i++) {
		const char *u = i == 0 ? ip.index_url : i <= ip.nextra ? ip.extra[i - 1] :
		                ip.finds[i - 1 - ip.nextra];
		if (u && al_url_is_http(u))
			err = al_http_add_credentials(http, u, d);
	}
out:
	index_plan_release(&ip);
	al_reqfile_release(&rf);
	return err;
}

/* ---- hash-checking mode ------------------------------------------------------------ */

struct hash_plan {
	struct al_resolve_hashes *h;   /* name, sha256[] and origin owned here */
	size_t n;
	bool mode;                     /* every requirement pinned and hashed */
};

static void hash_plan_release(struct hash_plan *hp)
{
	size_t i;

	for (i = 0; i < hp->n; i++) {
		al_free((char *)hp->h[i].name);
		al_free((void *)hp->h[i].sha256);
		al_free((char *)hp->h[i].origin);
	}
	al_free(hp->h);
	memset(hp, 0, sizeof(*hp));
}

/* ==V or ===V, alone: what pip's hash-checking mode calls pinned */
static bool pinned(const struct al_requirement *r)
{
	return r->spec.n == 1 && ((r->spec.specs[0].op == AL_OP_EQ && !r->spec.specs[0].wildcard) ||
	                          r->spec.specs[0].op == AL_OP_ARBITRARY);
}

/* pip's hash-checking semantics (docs/reference/lock.md): --require-hashes, or a
 * --hash on any requirement, turns it on; then every requirement must be
 * pinned and hashed, and a project's files are limited to its hashes (the
 * intersection, when several lines name it). Constraints with hashes limit
 * their project without turning the mode on. Only sha256 is accepted. */
static al_err hash_plan(const struct al_reqfile *rf, struct hash_plan *hp, struct al_diag *d)
{
	struct al_buf why = AL_BUF_INIT;
	size_t i, k, j, alloc = 0;
	al_err err = AL_OK;

	memset(hp, 0, sizeof(*hp));
	if (rf->opts.require_hashes) {
		hp->mode = true;
		err = al_buf_addf(&why, "--require-hashes on %s:%zu", rf->opts.require_hashes_at.file,
		                  rf->opts.require_hashes_at.line);
	}
	for (i = 0; !err && !hp->mode && i < rf->nentries; i++)
		if (!rf->entries[i].is_constraint && rf->entries[i].nhashes) {
			hp->mode = true;
			err = al_buf_addf(&why, "a --hash on %s:%zu", rf->entries[i].file,
			                  rf->entries[i].line);
		}
	if (err)
		goto oom;
	for (i = 0; !err && i < rf->nentries; i++) {
		const struct al_reqfile_entry *e = &rf->entries[i];
		struct al_requirement req = AL_REQUIREMENT_INIT;
		struct al_resolve_hashes *h = NULL;
		const char **list = NULL;
		size_t nlist = 0;

		if (!hp->mode && !e->nhashes)
			continue;
		if ((err = al_requirement_parse(&req, e->requirement, d))) {
			al_diag_prefix(d, "%s:%zu: '%s': ", e->file, e->line, e->requirement);
			break;
		}
		if (hp->mode && !e->is_constraint && !pinned(&req))
			err = al_diag_set(d, AL_EINVALID, "%s:%zu: '%s': hash-checking mode (%s) needs "
			                  "every requirement pinned with == or ===", e->file, e->line,
			                  e->requirement, why.buf);
		else if (hp->mode && !e->is_constraint && !e->nhashes)
			err = al_diag_set(d, AL_EINVALID, "%s:%zu: '%s': hash-checking mode (%s) needs a "
			                  "--hash on every requirement", e->file, e->line, e->requirement,
			                  why.buf);
		for (k = 0; !err && k < e->nhashes; k++)
			if (strncmp(e->hashes[k], "sha256:", 7))
				err = al_diag_set(d, AL_EUNSUPPORTED, "%s:%zu: '%s': --hash=%.6s:...: airlock "
				                  "checks sha256, the hash an index publishes and a lock "
				                  "records; give the files' sha256 hashes", e->file, e->line,
				                  e->requirement, e->hashes[k]);
		if (err || !e->nhashes) {
			al_requirement_release(&req);
			continue;
		}
		for (k = 0; k < hp->n; k++)
			if (!strcmp(hp->h[k].name, req.norm_name))
				h = &hp->h[k];
		if (!(list = al_calloc(e->nhashes + 1, sizeof(*list)))) {
			al_requirement_release(&req);
			goto oom;
		}
		for (k = 0; k < e->nhashes; k++) {
			const char *hex = e->hashes[k] + 7;
			bool keep = !h;
			for (j = 0; h && j < h->n; j++)
				keep |= !strcmp(h->sha256[j], hex);
			if (keep && !strp_has(list, nlist, hex))
				list[nlist++] = hex;
		}
		if (h && !nlist) {
			err = al_diag_set(d, AL_EINVALID, "%s:%zu: '%s': none of its hashes is among "
			                  "those given for '%s' on %s", e->file, e->line, e->requirement,
			                  req.norm_name, h->origin);
			al_free(list);
		} else if (h) {
			al_free((void *)h->sha256);
			h->sha256 = list;
			h->n = nlist;
		} else {
			struct al_buf o = AL_BUF_INIT;
			char *name = al_strdup(req.norm_name);
			if (!name || al_buf_addf(&o, "%s:%zu: %s", e->file, e->line, e->requirement) ||
			    AL_GROW(hp->h, alloc, hp->n + 1)) {
				al_free(name);
				al_free(list);
				al_buf_release(&o);
				al_requirement_release(&req);
				goto oom;
			}
			hp->h[hp->n].name = name;
			hp->h[hp->n].sha256 = list;
			hp->h[hp->n].n = nlist;
			hp->h[hp->n++].origin = al_buf_detach(&o, NULL);
		}
		al_requirement_release(&req);
	}
	al_buf_release(&why);
	if (err)
		hash_plan_release(hp);
	return err;
oom:
	al_buf_release(&why);
	hash_plan_release(hp);
	return al_oom(d);
}

/* A file the index gave no sha256 for was hashed after resolving: it must
 * be one of the required hashes too (pip checks after downloading). */
static al_err check_hashes(const struct hash_plan *hp, const struct al_lock_target *t,
                           struct al_diag *d)
{
	size_t i, k;

	for (i = 0; i < t->ndists; i++) {
		const struct al_lock_dist *x = &t->dists[i];
		for (k = 0; k < hp->n; k++) {
			const struct al_resolve_hashes *h = &hp->h[k];
			if (strcmp(h->name, x->name) || (x->sha256 && strp_has(h->sha256, h->n, x->sha256)))
				continue;
			return al_diag_set(d, AL_EVERIFY, "target %s: %s: %s has sha256 %s, which is "
			                   "not among the required hashes (%zu given)", t->name, h->origin,
			                   x->filename, x->sha256 ? x->sha256 : "?", h->n);
		}
	}
	return AL_OK;
}

/* "cp311-manylinux_2_28_x86_64"; the manifest refuses two targets with
 * one name (lib/spec/manifest.c) */
static al_err target_name(const struct al_target *t, const struct al_lock *l, char **out,
                          struct al_diag *d)
{
	struct al_buf b = AL_BUF_INIT;
	const char *v = t->python_version, *dot = strchr(v, '.');
	size_t i;

	if (al_buf_addf(&b, "%s%.*s", t->implementation ? t->implementation : "cp",
	                (int)(dot ? (size_t)(dot - v) : strlen(v)), v) ||
	    (dot && al_buf_add(&b, dot + 1, strcspn(dot + 1, "."))) ||
	    al_buf_addf(&b, "-%s", t->platforms.n ? t->platforms.v[0] : "any"))
		goto oom;
	for (i = 0; i < l->ntargets; i++)
		if (l->targets[i].name && !strcmp(l->targets[i].name, b.buf)) {
			al_err err = al_diag_set(d, AL_EINVALID, "two targets are named '%s'", b.buf);
			al_buf_release(&b);
			return err;
		}
	*out = al_buf_detach(&b, NULL);
	return AL_OK;
oom:
	al_buf_release(&b);
	return al_oom(d);
}

static al_err strv_dup(char ***out, size_t *n, char *const *v, size_t cnt, struct al_diag *d)
{
	size_t i;

	*n = 0;
	if (!(*out = al_calloc(cnt + 1, sizeof(char *))))
		return al_oom(d);
	for (i = 0; i < cnt; i++, (*n)++)
		if (!((*out)[i] = al_strdup(v[i])))
			return al_oom(d);
	return AL_OK;
}

struct hash_fill {
	struct al_lock_dist *x;
	struct al_diag diag;
	al_err err;
};

static void hash_done(void *ctx, struct al_http_resp *resp)
{
	struct hash_fill *h = ctx;

	if (resp->err) {
		h->err = resp->err;
		h->diag = resp->diag;
		return;
	}
	if (!h->x->sha256 && !(h->x->sha256 = al_strdup(resp->sha256)))
		h->err = al_oom(&h->diag);
	h->x->size = (int64_t)resp->bytes;
}

static bool is_sdist(const struct al_lock_dist *x)
{
	size_t n = strlen(x->filename);

	return n < 4 || strcmp(x->filename + n - 4, ".whl");
}

/* Every pinned file needs a sha256 and, where we can know it, a size; an
 * sdist must be in the store besides, where its pyproject.toml is read
 * (lock_build_deps): the index client read its PKG-INFO from it, unless a
 * metadata sidecar answered. */
static al_err complete_hashes(struct al_store *s, struct al_http *http, struct al_lock_dist *v,
                              size_t nv, bool offline, struct al_diag *d)
{
	struct hash_fill *fills = NULL;
	size_t i, n = 0;
	al_err err = AL_OK;

	if (!(fills = al_calloc(nv + 1, sizeof(*fills))))
		return al_oom(d);
	for (i = 0; i < nv && !err; i++) {
		struct al_lock_dist *x = &v[i];
		struct al_http_req req = AL_HTTP_REQ_INIT;
		if (x->sha256 && (!is_sdist(x) || al_store_has(s, x->sha256))) {
			if (x->size < 0 && al_store_has(s, x->sha256)) {
				char *path = al_store_blob_path(s, x->sha256);
				struct stat st;
				if (path && stat(path, &st) == 0)
					x->size = (int64_t)st.st_size;
				al_free(path);
			}
			continue;
		}
		if (!strncasecmp(x->url, "file:", 5)) {
			char *path = NULL, hex[AL_SHA256_HEX];
			if (!(err = al_url_local_path(x->url, &path, d)) &&
			    !(err = al_store_add_file(s, path, x->sha256, AL_SIZE_UNKNOWN, hex, d)) &&
			    !x->sha256 && !(x->sha256 = al_strdup(hex)))
				err = al_oom(d);
			al_free(path);
			continue;
		}
		if (offline) {
			err = al_diag_set(d, AL_ENOTFOUND, "'%s' is not in the store (lock once without "
			                  "--offline)", x->filename);
			break;
		}
		fills[n].x = x;
		req.url = x->url;
		req.store = s;
		req.sha256 = x->sha256;
		req.size = x->size >= 0 ? x->size : AL_SIZE_UNKNOWN;
		req.done = hash_done;
		req.ctx = &fills[n++];
		err = al_http_add(http, &req, d);
	}
	if (!err && n)
		err = al_http_run(http, d);
	for (i = 0; !err && i < n; i++)
		if (fills[i].err) {
			*d = fills[i].diag;
			err = fills[i].err;
		}
	al_free(fills);
	return err;
}

/* ---- sdists and their build requirements -------------------------------------------- */

/* At most this many sdists have their build requirements resolved per target. */
#define BUILD_SDISTS_MAX 1000

/* What pip installs before it builds the sdist x (in the store). */
static al_err sdist_build_requires(struct al_store *s, const struct al_lock_dist *x, char ***reqs,
                                   size_t *n, struct al_diag *d)
{
	struct al_build_system bs = { 0 };
	struct al_buf text = AL_BUF_INIT;
	char *path = al_store_blob_path(s, x->sha256);
	al_err err;

	if (!path)
		return al_oom(d);
	err = al_sdist_member_file(path, "pyproject.toml", AL_PYPROJECT_MAX, &text, d);
	if (err == AL_ENOTFOUND) {
		err = AL_OK; /* setuptools' legacy default */
	} else if (err) {
		if (err != AL_ENOMEM)
			al_diag_set(d, err, "sdist '%s': cannot read its pyproject.toml: %s", x->filename,
			            d ? d->msg : "");
	} else {
		err = al_pyproject_build_system(text.buf ? text.buf : "", text.len, x->filename, &bs, d);
	}
	if (!err)
		err = al_build_requirements(&bs, reqs, n, d);
	al_build_system_release(&bs);
	al_buf_release(&text);
	al_free(path);
	return err;
}

static void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		al_free(v[i]);
	al_free(v);
}

/* Add who to x->required_by (once); "-" (the top of a build) means sdist. */
static al_err add_required_by(struct al_lock_dist *x, const char *who, const char *sdist,
                              struct al_diag *d)
{
	size_t i;
	char **grown;

	if (!strcmp(who, "-"))
		who = sdist;
	for (i = 0; i < x->nrequired_by; i++)
		if (!strcmp(x->required_by[i], who))
			return AL_OK;
	if (!(grown = al_reallocarray(x->required_by, x->nrequired_by + 2, sizeof(char *))))
		return al_oom(d);
	x->required_by = grown;
	if (!(grown[x->nrequired_by] = al_strdup(who)))
		return al_oom(d);
	grown[++x->nrequired_by] = NULL;
	return AL_OK;
}

/* Move one build's pins (dists, from al_resolve) into out->build_dists: a
 * file already there gains the new required_by names. */
static al_err merge_build(struct al_lock_target *out, struct al_lock_target *one, const char *sdist,
                          size_t *alloc, struct al_diag *d)
{
	size_t i, j, k;
	al_err err;

	for (i = 0; i < one->ndists; i++) {
		struct al_lock_dist *y = &one->dists[i], *x = NULL;
		char **by = y->required_by;
		size_t nby = y->nrequired_by;
		for (j = 0; j < out->nbuild_dists && !x; j++)
			if (!strcmp(out->build_dists[j].filename, y->filename))
				x = &out->build_dists[j];
		if (!x) {
			if (AL_GROW(out->build_dists, *alloc, out->nbuild_dists + 1))
				return al_oom(d);
			x = &out->build_dists[out->nbuild_dists++];
			*x = *y;
			memset(y, 0, sizeof(*y));
			x->required_by = NULL;
			x->nrequired_by = 0;
		}
		y->required_by = NULL;
		y->nrequired_by = 0;
		for (k = 0, err = AL_OK; k < nby && !err; k++)
			err = add_required_by(x, by[k], sdist, d);
		strv_free(by, nby);
		if (err)
			return err;
	}
	return AL_OK;
}

/* For every sdist of the target, and every sdist among their build
 * requirements, resolve build-system.requires for the target as pip's
 * isolated build would (each sdist on its own: no constraints, the same
 * index, allow-sdist and pre-release settings), and pin the result in
 * out->build_dists. */
static al_err lock_build_deps(struct al_store *s, struct al_http *http, struct al_index *ix,
                              const struct al_resolve_opts *base, const struct al_lock_target *prev,
                              bool offline, struct al_lock_target *out, struct al_diag *d)
{
	struct al_lock_target prevb = { 0 };
	char **done = NULL, **reqs = NULL;
	size_t ndone = 0, adone = 0, nreqs = 0, alloc = out->nbuild_dists, i;
	al_err err = AL_OK;

	if (prev) {
		prevb.dists = prev->build_dists;
		prevb.ndists = prev->nbuild_dists;
	}
	for (;;) {
		struct al_resolve_opts ro = *base;
		struct al_lock_target one = { 0 };
		const struct al_lock_dist *x = NULL;
		char *name = NULL;
		size_t k;
		for (k = 0; k < out->ndists + out->nbuild_dists && !x; k++) {
			const struct al_lock_dist *c = k < out->ndists ? &out->dists[k]
			                                               : &out->build_dists[k - out->ndists];
			bool seen = false;
			for (i = 0; i < ndone && !seen; i++)
				seen = !strcmp(done[i], c->filename);
			if (is_sdist(c) && !seen)
				x = c;
		}
		if (!x)
			break;
		if (ndone >= BUILD_SDISTS_MAX) {
			err = al_diag_set(d, AL_ELIMIT, "target '%s': more than %d sdists to build",
			                  out->name, BUILD_SDISTS_MAX);
			break;
		}
		if (AL_GROW(done, adone, ndone + 1) || !(done[ndone] = al_strdup(x->filename)) ||
		    !(name = al_strdup(x->name))) {
			err = al_oom(d);
			break;
		}
		ndone++;
		strv_free(reqs, nreqs);
		reqs = NULL;
		if ((err = sdist_build_requires(s, x, &reqs, &nreqs, d))) {
			al_free(name);
			break;
		}
		ro.requirements = (const char *const *)reqs;
		ro.nrequirements = nreqs;
		ro.constraints = NULL;
		ro.nconstraints = 0;
		ro.previous = prev ? &prevb : NULL;
		if ((err = al_resolve(al_index_provider(ix), &ro, &one, d)))
			al_diag_prefix(d, "build requirements of '%s': ", done[ndone - 1]);
		if (!err)
			err = complete_hashes(s, http, one.dists, one.ndists, offline, d);
		if (!err)
			err = merge_build(out, &one, name, &alloc, d);
		al_lock_target_release(&one);
		al_free(name);
		if (err)
			break;
	}
	strv_free(reqs, nreqs);
	strv_free(done, ndone);
	return err;
}

/* Over 80 lines: one target's lock in order (the index client,
 * the resolver, the hashes, the sdists' build requirements); each step is
 * a call, the length is their error handling and cleanup in one place.
 * *shared is the index client of the whole lock: the first target makes
 * it, the others reuse it (its sources come from the manifest and the
 * requirements files, the same for every target), so each page is asked
 * for and parsed once per lock, and each file's metadata read once. */
static al_err lock_target(struct al_store *s, struct al_http *http, const struct al_manifest *m,
                          const struct al_target *t, const struct al_lock *previous,
                          const struct al_lock_opts *o, struct al_index **shared,
                          struct al_lock *l, struct al_diag *d)
{
	struct al_reqfile rf = AL_REQFILE_INIT;
	struct index_plan ip = { 0 };
	struct hash_plan hp = { 0 };
	struct al_index_opts io = { 0 };
	struct al_index_src *srcs = NULL;
	struct al_index *ix = *shared;
	struct al_resolve_opts ro = { 0 };
	struct al_target_spec ts = { 0 };
	struct al_lock_target *out = &l->targets[l->ntargets];
	const char **reqs = NULL, **cons = NULL;
	size_t nreqs = 0, ncons = 0, i;
	bool has_sdist = false;
	al_err err;

	memset(out, 0, sizeof(*out));
	if ((err = target_name(t, l, &out->name, d)) ||
	    !(out->python_version = al_strdup(t->python_version)) ||
	    !(out->implementation = al_strdup(t->implementation ? t->implementation : "cp")))
		goto oom_or_err;
	if ((err = strv_dup(&out->platforms, &out->nplatforms, t->platforms.v, t->platforms.n, d)))
		goto out;
	l->ntargets++;
	if ((err = read_reqfiles(m, &rf, d)) || (err = index_plan(m, &rf, &ip, d)) ||
	    (err = hash_plan(&rf, &hp, d)))
		goto out;
	if (!(reqs = al_calloc(m->python.requirements.n + rf.nentries + 1, sizeof(*reqs))) ||
	    !(cons = al_calloc(m->python.constraints.n + rf.nentries + 1, sizeof(*cons))))
		goto oom;
	for (i = 0; i < m->python.requirements.n; i++)
		reqs[nreqs++] = m->python.requirements.v[i];
	for (i = 0; i < m->python.constraints.n; i++)
		cons[ncons++] = m->python.constraints.v[i];
	for (i = 0; i < rf.nentries; i++) {
		if (rf.entries[i].is_constraint)
			cons[ncons++] = rf.entries[i].requirement;
		else
			reqs[nreqs++] = rf.entries[i].requirement;
	}
	if (m->python.nindexes &&
	    !(srcs = al_calloc(m->python.nindexes, sizeof(*srcs))))
		goto oom;
	for (i = 0; i < m->python.nindexes; i++) {
		const struct al_named_index *x = &m->python.indexes[i];
		srcs[i].name = x->name;
		srcs[i].url = x->url;
		srcs[i].explicit_only = x->explicit_only;
		srcs[i].missing_codes = x->missing_codes;
		srcs[i].nmissing_codes = x->nmissing_codes;
	}
	io.store = s;
	io.http = http;
	io.sources = srcs;
	io.nsources = m->python.nindexes;
	io.pins = m->python.pins;
	io.npins = m->python.npins;
	io.strategy = m->python.index_strategy;
	io.index_url = ip.index_url;
	io.extra_index_urls = ip.extra;
	io.nextra = ip.nextra;
	io.find_links = ip.finds;
	io.nfind = ip.nfind;
	io.offline = o->offline;
	io.refresh = o->refresh;
	if (!ix && (err = al_index_new(&ix, &io, d)))
		goto out;
	*shared = ix;
	ts.python_version = t->python_version;
	ts.implementation = t->implementation;
	ts.platforms = (const char *const *)t->platforms.v;
	ts.nplatforms = t->platforms.n;
	ro.target = &ts;
	ro.target_name = out->name;
	ro.requirements = reqs;
	ro.nrequirements = nreqs;
	ro.constraints = cons;
	ro.nconstraints = ncons;
	ro.allow_sdist = (const char *const *)m->python.allow_sdist.v;
	ro.nallow_sdist = m->python.allow_sdist.n;
	ro.prereleases = m->python.prereleases || rf.opts.pre;
	ro.no_binary = (const char *const *)rf.opts.no_binary.v;
	ro.nno_binary = rf.opts.no_binary.n;
	ro.only_binary = (const char *const *)rf.opts.only_binary.v;
	ro.nonly_binary = rf.opts.only_binary.n;
	ro.prefer_binary = rf.opts.prefer_binary;
	ro.hashes = hp.h;
	ro.nhashes = hp.n;
	ro.require_hashes = hp.mode;
	ro.upgrade_all = o->upgrade_all;
	ro.upgrade = o->upgrade;
	ro.nupgrade = o->nupgrade;
	ro.warn = o->warn;
	ro.warn_ctx = o->ctx;
	ro.explain_all = o->explain_all;
	if (previous)
		for (i = 0; i < previous->ntargets; i++)
			if (!strcmp(previous->targets[i].name, out->name))
				ro.previous = &previous->targets[i];
	if ((err = al_resolve(al_index_provider(ix), &ro, out, d)))
		goto out;
	for (i = 0; o->note && i < out->ndists; i++) {
		const struct al_lock_dist *x = &out->dists[i];
		const char *src = al_index_source(ix, x->name);
		struct al_buf b = AL_BUF_INIT;
		if (al_buf_addf(&b, "%s: %s %s from %s", out->name, x->name, x->version,
		                src ? src : "?")) {
			al_buf_release(&b);
			goto oom;
		}
		o->note(o->ctx, b.buf);
		al_buf_release(&b);
	}
	for (i = 0; i < out->ndists && !has_sdist; i++)
		has_sdist = is_sdist(&out->dists[i]);
	if ((err = complete_hashes(s, http, out->dists, out->ndists, o->offline, d)) ||
	    (err = check_hashes(&hp, out, d)))
		goto out;
	if (has_sdist) {
		/* pip's isolated build installs build requirements with the same
		 * format control, but without hash-checking mode */
		ro.hashes = NULL;
		ro.nhashes = 0;
		ro.require_hashes = false;
		err = lock_build_deps(s, http, ix, &ro, ro.previous, o->offline, out, d);
	}
	goto out;
oom_or_err:
	if (err)
		goto out;
oom:
	err = al_oom(d);
out:
	al_free(srcs);
	al_free(reqs);
	al_free(cons);
	hash_plan_release(&hp);
	index_plan_release(&ip);
	al_reqfile_release(&rf);
	return err;
}

al_err al_lock_build(struct al_store *s, const struct al_manifest *m, const struct al_lock *previous,
                     const struct al_lock_opts *o, struct al_lock **out, struct al_diag *d)
{
	struct al_http_opts ho = AL_HTTP_OPTS_INIT;
	struct al_http *http = NULL;
	struct al_index *ix = NULL;
	struct al_lock *l;
	al_err err;
	size_t i;

	*out = NULL;
	if (!(l = al_calloc(1, sizeof(*l))))
		return al_oom(d);
	l->version = 1;
	if (!(l->bundle = al_strdup(m->bundle)) || !(l->manifest_sha256 = al_strdup(m->sha256)) ||
	    !(l->targets = al_calloc(m->python.ntargets + 1, sizeof(*l->targets)))) {
		err = al_oom(d);
		goto fail;
	}
	ho.parallel = o->parallel ? o->parallel : AL_LOCK_PARALLEL;
	ho.host_connections = o->host_connections;
	/* offline asks nothing: the credential variables need not be set */
	if ((err = al_http_new(&http, &ho, d)) || (!o->offline && (err = lend_credentials(http, m, d))))
		goto fail;
	if (m->has_python)
		for (i = 0; i < m->python.ntargets; i++)
			if ((err = lock_target(s, http, m, &m->python.targets[i], previous, o, &ix, l, d)))
				goto fail;
	/* the lock owns copies; what speculation still has in flight is moot */
	al_index_free(ix);
	ix = NULL;
	if (m->nmodels || m->ndatasets) {
		struct al_hub_opts hopts = AL_HUB_OPTS_INIT;
		struct al_hub *hub = NULL;
		char *token = NULL;
		size_t k;
		if ((err = al_hub_token(m->hub.token_env, &token, d)))
			goto fail;
		hopts.endpoint = al_hub_endpoint(m->hub.endpoint);
		hopts.token = token;
		hopts.token_env = m->hub.token_env;
		hopts.refresh = o->refresh;
		err = al_hub_new(&hub, http, s, &hopts, d);
		if (!err && !(l->repos = al_calloc(m->nmodels + m->ndatasets + 1, sizeof(*l->repos))))
			err = al_oom(d);
		for (k = 0; !err && k < m->nmodels + m->ndatasets; k++) {
			bool model = k < m->nmodels;
			const struct al_hub_repo *spec = model ? &m->models[k] : &m->datasets[k - m->nmodels];
			if (!(err = al_hub_lock(hub, model ? "model" : "dataset", spec, &l->repos[l->nrepos], d)))
				l->nrepos++;
		}
		al_hub_free(hub);
		if (token) {
			memset(token, 0, strlen(token));
			al_free(token);
		}
		if (err)
			goto fail;
	}
	if ((err = lock_advisories(m, l, d)) || (err = al_policy_dup(&m->policy, &l->policy, d)))
		goto fail;
	al_lock_sort(l);
	al_http_free(http);
	*out = l;
	return AL_OK;
fail:
	al_index_free(ix);
	al_http_free(http);
	al_lock_free(l);
	return err;
}

al_err al_lock_check(struct al_store *s, const struct al_manifest *m, const struct al_lock *previous,
                     const struct al_lock_opts *o, bool *current, struct al_diag *d)
{
	struct al_lock *l = NULL;
	al_err err;

	*current = false;
	if ((err = al_lock_build(s, m, previous, o, &l, d)))
		return err;
	err = al_lock_same(l, previous, current, d);
	al_lock_free(l);
	return err;
}

/* ---- fetch ------------------------------------------------------------------------- */

struct fetch_item {
	struct fetch_run *run;
	const char *name;
	bool meta;                   /* a .metadata sidecar */
	bool unsized;                /* the lock has no size: count Content-Length, then the real size */
	uint64_t size, done, counted;
	al_err err;
	struct al_diag diag;
};

struct fetch_run {
	const struct al_fetch_opts *o;
	struct al_fetch_progress p;
};

static void item_progress(void *ctx, uint64_t done, int64_t total)
{
	struct fetch_item *it = ctx;
	struct fetch_run *run = it->run;

	if (it->unsized && total > 0 && !it->counted) {
		it->counted = (uint64_t)total;
		run->p.bytes_total += it->counted;
	}
	if (done >= it->done)
		run->p.bytes_done += done - it->done;
	else
		run->p.bytes_done -= it->done - done; /* a restart */
	it->done = done;
	run->p.current = it->name;
	if (run->o->progress)
		run->o->progress(run->o->ctx, &run->p);
}

static void item_done(void *ctx, struct al_http_resp *resp)
{
	struct fetch_item *it = ctx;
	struct fetch_run *run = it->run;

	if (resp->err) {
		it->err = resp->err;
		it->diag = resp->diag;
	} else if (it->unsized) {
		/* the real size replaces the Content-Length counted, if any */
		run->p.bytes_total += resp->bytes - it->counted;
		it->counted = resp->bytes;
	}
	run->p.files_done++;
	if (run->o->progress)
		run->o->progress(run->o->ctx, &run->p);
}

/* The size of a blob in the store, 0 when it cannot be read. */
static uint64_t blob_size(struct al_store *s, const char *sha256)
{
	char *path = al_store_blob_path(s, sha256);
	struct stat st;
	uint64_t n = 0;

	if (path && stat(path, &st) == 0)
		n = (uint64_t)st.st_size;
	al_free(path);
	return n;
}

/* Record the bundle with the real size of every file the index gave no
 * size for (ls and info would otherwise count it as 0 B). The lock file
 * itself is left as lock wrote it. */
static al_err put_bundle(struct al_store *s, const struct al_lock *l, struct al_diag *d)
{
	struct al_lock c = *l;
	struct al_lock_target *t;
	size_t i, k;
	al_err err = AL_OK;

	if (!(t = al_calloc(l->ntargets + 1, sizeof(*t))))
		return al_oom(d);
	c.targets = t;
	for (i = 0; i < l->ntargets && !err; i++) {
		t[i] = l->targets[i];
		if (!(t[i].dists = al_calloc(l->targets[i].ndists + 1, sizeof(*t[i].dists)))) {
			err = al_oom(d);
			break;
		}
		memcpy(t[i].dists, l->targets[i].dists, l->targets[i].ndists * sizeof(*t[i].dists));
		for (k = 0; k < t[i].ndists; k++)
			if (t[i].dists[k].size < 0 && al_store_has(s, t[i].dists[k].sha256))
				t[i].dists[k].size = (int64_t)blob_size(s, t[i].dists[k].sha256);
	}
	if (!err)
		err = al_bundle_put(s, &c, d);
	for (i = 0; i < l->ntargets; i++)
		al_free(t[i].dists);
	al_free(t);
	return err;
}

/* ---- the metadata a lock was resolved with, against the wheel that came ---------- */

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Do two parsed METADATA files say the same to a resolver (name, version,
 * Requires-Python, Requires-Dist as a set)? *what names the first field
 * that differs. */
static bool meta_same(struct al_metadata *a, struct al_metadata *b, const char **what)
{
	char *na = al_name_normalize(a->name), *nb = al_name_normalize(b->name);
	bool same = na && nb && !strcmp(na, nb);
	size_t i;

	al_free(na);
	al_free(nb);
	if (!same) {
		*what = "Name";
		return false;
	}
	if (strcmp(a->version, b->version)) {
		*what = "Version";
		return false;
	}
	if (!a->requires_python != !b->requires_python ||
	    (a->requires_python && strcmp(a->requires_python, b->requires_python))) {
		*what = "Requires-Python";
		return false;
	}
	*what = "Requires-Dist";
	if (a->nrequires_dist != b->nrequires_dist)
		return false;
	qsort(a->requires_dist, a->nrequires_dist, sizeof(char *), cmp_strp);
	qsort(b->requires_dist, b->nrequires_dist, sizeof(char *), cmp_strp);
	for (i = 0; i < a->nrequires_dist; i++)
		if (strcmp(a->requires_dist[i], b->requires_dist[i]))
			return false;
	return true;
}

/* The METADATA lock resolved x with, when the store kept it apart from the
 * wheel: the PEP 658 sidecar the lock names, or what range reads of the
 * wheel gave (net/remotezip.c, kept in the HTTP cache under the wheel's
 * hash). *from says which; AL_ENOTFOUND when lock read the wheel itself. */
static al_err declared_meta(struct al_store *s, const struct al_lock_dist *x, struct al_buf *out,
                            const char **from, char **cache_key, struct al_diag *d)
{
	struct al_httpcache_row row;
	char *path, *key;
	al_err err;

	if (x->metadata_sha256 && al_store_has(s, x->metadata_sha256)) {
		*from = "the index's .metadata file";
		if (!(path = al_store_blob_path(s, x->metadata_sha256)))
			return al_oom(d);
		err = al_buf_read_file(out, path, AL_WHEEL_METADATA_MAX, d);
		al_free(path);
		return err;
	}
	if (!(key = al_index_lazy_meta_key(x->sha256)))
		return al_oom(d);
	if (!al_httpcache_get(s, key, &row)) {
		al_free(key);
		return AL_ENOTFOUND;
	}
	*from = "range requests into the wheel";
	*cache_key = key;
	err = row.inline_body ? al_buf_add(out, row.body.buf, row.body.len) ? al_oom(d) : AL_OK
	                      : al_diag_set(d, AL_EINTERNAL, "cached metadata of '%s' is not inline",
	                                    x->filename);
	al_httpcache_row_release(&row);
	return err;
}

/* A wheel that arrived (its sha256 checked) must carry the METADATA the
 * lock was resolved with: an index can serve a .metadata file, or answer
 * range requests, that says other things than the file whose hash it
 * names, and the closure would then miss what the wheel needs
 * (docs/decisions/0059). What was read by range requests is dropped on a
 * mismatch, so that a relock reads the wheel itself. */
static al_err check_wheel_meta(struct al_store *s, const struct al_lock_dist *x, struct al_diag *d)
{
	struct al_buf got = AL_BUF_INIT, want = AL_BUF_INIT;
	struct al_metadata mg = AL_METADATA_INIT, mw = AL_METADATA_INIT;
	const char *from = NULL, *what = NULL;
	char *path = NULL, *key = NULL, hex[AL_SHA256_HEX];
	size_t n = strlen(x->filename);
	al_err err;

	if (n < 4 || strcmp(x->filename + n - 4, ".whl") || !al_store_has(s, x->sha256))
		return AL_OK;
	err = declared_meta(s, x, &want, &from, &key, d);
	if (err == AL_ENOTFOUND) {
		err = AL_OK;
		goto out;
	}
	if (err)
		goto out;
	if (!(path = al_store_blob_path(s, x->sha256))) {
		err = al_oom(d);
		goto out;
	}
	if ((err = al_wheel_metadata_file(path, &got, d))) {
		al_diag_prefix(d, "%s: ", x->filename);
		goto out;
	}
	al_sha256_hex(got.buf, got.len, hex);
	if (x->metadata_sha256 && !strcmp(hex, x->metadata_sha256))
		goto out;
	if (got.len == want.len && !memcmp(got.buf, want.buf, got.len))
		goto out;
	/* not the same bytes: the same to a resolver is enough */
	if (al_metadata_parse(&mg, got.buf, got.len, d)) {
		err = al_diag_prefix(d, "%s: its METADATA: ", x->filename);
		goto out;
	}
	if (al_metadata_parse(&mw, want.buf, want.len, d)) {
		err = al_diag_prefix(d, "%s: the metadata lock used (%s): ", x->filename, from);
		goto out;
	}
	if (meta_same(&mg, &mw, &what))
		goto out;
	err = al_diag_set(d, AL_EVERIFY,
	                  "the METADATA in '%s' differs from the metadata the lock was resolved with "
	                  "(read from %s): its %s differs; the index serves metadata that does not "
	                  "belong to the file it names, so the lock may miss what this wheel needs%s",
	                  x->filename, from, what,
	                  key ? " (the range read is dropped: lock again)" : "");
	if (key) {
		struct al_diag d2 = AL_DIAG_INIT;
		al_ignore(al_httpcache_drop(s, key, &d2)); /* the mismatch is the error to report */
	}
out:
	al_metadata_release(&mg);
	al_metadata_release(&mw);
	al_buf_release(&got);
	al_buf_release(&want);
	al_free(path);
	al_free(key);
	return err;
}

static void hub_progress(void *ctx, uint64_t bytes)
{
	struct fetch_run *run = ctx;

	run->p.bytes_done += bytes;
	run->p.current = NULL;
	if (run->o->progress)
		run->o->progress(run->o->ctx, &run->p);
}

/* The k-th file of a target: its distributions, then its build requirements. */
static const struct al_lock_dist *nth_dist(const struct al_lock_target *t, size_t k)
{
	return k < t->ndists ? &t->dists[k] : &t->build_dists[k - t->ndists];
}

/* Over 80 lines: the fetch in order (queue every missing file
 * and sidecar, queue the Hub files, run the engine once, record what
 * arrived, put the bundle); one transfer engine and one result table
 * run through all of it. */
al_err al_fetch(struct al_store *s, const struct al_lock *l, const struct al_fetch_opts *o,
                struct al_fetch_progress *result, struct al_diag *d)
{
	struct al_http_opts ho = AL_HTTP_OPTS_INIT;
	struct al_http *http = NULL;
	struct fetch_run run = { .o = o };
	struct fetch_item *items = NULL;
	struct al_hub *hub = NULL;
	char *token = NULL;
	size_t n = 0, i, k, total = 0;
	al_err err;

	if ((err = fetch_advisories(s, l, o->manifest, d)))
		goto out;
	for (i = 0; i < l->ntargets; i++) /* files and their metadata sidecars */
		total += 2 * (l->targets[i].ndists + l->targets[i].nbuild_dists);
	if (!(items = al_calloc(total + 1, sizeof(*items)))) {
		err = al_oom(d);
		goto out;
	}
	ho.parallel = o->parallel;
	ho.host_connections = o->host_connections;
	ho.range_threshold = o->range_threshold;
	ho.range_connections = o->range_connections;
	if ((err = al_http_new(&http, &ho, d)) || (err = lend_credentials(http, o->manifest, d)))
		goto out;
	for (i = 0; i < l->ntargets; i++)
		for (k = 0; k < l->targets[i].ndists + l->targets[i].nbuild_dists; k++) {
			const struct al_lock_dist *x = nth_dist(&l->targets[i], k);
			struct al_http_req req = AL_HTTP_REQ_INIT;
			size_t j;
			bool dup = false;
			run.p.files_total++;
			run.p.bytes_total += x->size > 0 ? (uint64_t)x->size : 0;
			if (al_store_has(s, x->sha256)) {
				uint64_t real = x->size >= 0 ? (uint64_t)x->size : blob_size(s, x->sha256);
				if (x->size < 0)
					run.p.bytes_total += real;
				run.p.files_done++;
				run.p.files_cached++;
				run.p.bytes_done += real;
				continue;
			}
			for (j = 0; j < n; j++)
				dup |= !strcmp(items[j].name, x->filename);
			if (dup) {
				/* another target's copy counts its bytes */
				run.p.bytes_total -= x->size > 0 ? (uint64_t)x->size : 0;
				run.p.files_done++;
				continue;
			}
			if (!strncasecmp(x->url, "file:", 5)) {
				/* from a find-links directory */
				char *path = NULL;
				if (!(err = al_url_local_path(x->url, &path, d)))
					err = al_store_add_file(s, path, x->sha256, x->size, NULL, d);
				al_free(path);
				if (err)
					goto out;
				if (x->size < 0) {
					uint64_t real = blob_size(s, x->sha256);
					run.p.bytes_total += real;
					run.p.bytes_done += real;
				}
				run.p.files_done++;
				continue;
			}
			items[n].run = &run;
			items[n].name = x->filename;
			items[n].unsized = x->size < 0;
			req.url = x->url;
			req.store = s;
			req.sha256 = x->sha256;
			req.size = x->size >= 0 ? x->size : AL_SIZE_UNKNOWN;
			req.done = item_done;
			req.progress = item_progress;
			req.ctx = &items[n++];
			if ((err = al_http_add(http, &req, d)))
				goto out;
		}
	/* the PEP 658 sidecars the lock names (publish serves them; small) */
	for (i = 0; i < l->ntargets; i++)
		for (k = 0; k < l->targets[i].ndists + l->targets[i].nbuild_dists; k++) {
			const struct al_lock_dist *x = nth_dist(&l->targets[i], k);
			struct al_http_req req = AL_HTTP_REQ_INIT;
			struct al_buf url = AL_BUF_INIT;
			size_t j;
			bool dup = false;
			if (!x->metadata_sha256 || al_store_has(s, x->metadata_sha256))
				continue;
			for (j = 0; j < n; j++)
				dup |= items[j].meta && !strcmp(items[j].name, x->filename);
			if (dup)
				continue;
			if (al_buf_addf(&url, "%.*s.metadata", (int)strcspn(x->url, "#"), x->url)) {
				err = al_oom(d);
				goto out;
			}
			{
				/* lock read it already: it is in the HTTP cache */
				bool cached = false;
				if ((err = al_httpcache_to_store(s, url.buf, x->metadata_sha256, &cached, d))) {
					al_buf_release(&url);
					goto out;
				}
				if (cached) {
					al_buf_release(&url);
					continue;
				}
			}
			items[n].run = &run;
			items[n].name = x->filename;
			items[n].meta = true;
			run.p.files_total++;
			req.url = url.buf;
			req.store = s;
			req.sha256 = x->metadata_sha256;
			req.done = item_done;
			req.ctx = &items[n++];
			err = al_http_add(http, &req, d);
			al_buf_release(&url);
			if (err)
				goto out;
		}
	if (l->nrepos) {
		struct al_hub_opts hopts = AL_HUB_OPTS_INIT;
		if ((err = al_hub_token(o->hub_token_env, &token, d)))
			goto out;
		hopts.endpoint = al_hub_endpoint(o->hub_endpoint);
		hopts.token = token;
		hopts.token_env = o->hub_token_env;
		if ((err = al_hub_new(&hub, http, s, &hopts, d)))
			goto out;
		for (i = 0; i < l->nrepos; i++) {
			for (k = 0; k < l->repos[i].nfiles; k++) {
				const struct al_lock_file *f = &l->repos[i].files[k];
				run.p.files_total++;
				run.p.bytes_total += f->size > 0 ? (uint64_t)f->size : 0;
				if (al_store_has(s, f->sha256)) {
					run.p.files_done++;
					run.p.files_cached++;
					run.p.bytes_done += f->size > 0 ? (uint64_t)f->size : 0;
				}
			}
			if ((err = al_hub_queue_fetch(hub, &l->repos[i], hub_progress, &run, d)))
				goto out;
		}
	}
	if (o->progress)
		o->progress(o->ctx, &run.p);
	if ((err = al_http_run(http, d)))
		goto out;
	if (hub && (err = al_hub_fetch_result(hub, d)))
		goto out;
	if (hub)
		run.p.files_done = run.p.files_total;
	for (i = 0; i < n; i++)
		if (items[i].err) {
			*d = items[i].diag;
			err = items[i].err;
			al_diag_prefix(d, "%s: ", items[i].name);
			goto out;
		}
	for (i = 0; i < l->ntargets; i++)
		for (k = 0; k < l->targets[i].ndists + l->targets[i].nbuild_dists; k++)
			if ((err = check_wheel_meta(s, nth_dist(&l->targets[i], k), d)))
				goto out;
	err = put_bundle(s, l, d);
out:
	if (result) {
		*result = run.p;
		result->current = NULL;
	}
	al_http_free(http);
	al_hub_free(hub);
	if (token) {
		memset(token, 0, strlen(token));
		al_free(token);
	}
	al_free(items);
	return err;
}
