/*
 * lockjson.c: the lock's JSON form, written for the store's bundles and
 * media, and read back as hostile input (media cross the gap): every name,
 * path, hash and size is checked here, and every field publish writes
 * against its grammar (al_lock_check_fields), before anything else sees it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/fsutil.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/url.h"
#include "spec/lock.h"
#include "spec/lockcheck.h"
#include "spec/lockjson.h"

/* ---- to JSON ------------------------------------------------------------------ */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jstrv(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *dists_json(const struct al_lock_dist *v, size_t n)
{
	json_t *a = json_array();
	size_t j;

	for (j = 0; a && j < n; j++) {
		const struct al_lock_dist *x = &v[j];
		json_t *jd = json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o}",
		                       "name", jstr(x->name), "version", jstr(x->version),
		                       "filename", jstr(x->filename), "url", jstr(x->url),
		                       "sha256", jstr(x->sha256), "size", (json_int_t)x->size,
		                       "requires_python", jstr(x->requires_python),
		                       "metadata_sha256", jstr(x->metadata_sha256),
		                       "required_by", jstrv(x->required_by, x->nrequired_by));
		if (al_json_push(a, jd) || (x->index && al_json_set(jd, "index", json_string(x->index)))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

al_err al_lock_to_json(const struct al_lock *l, json_t **out, struct al_diag *d)
{
	json_t *root, *targets, *repos;
	size_t i, j;

	*out = NULL;
	root = json_object();
	targets = json_array();
	repos = json_array();
	if (!root || !targets || !repos)
		goto oom;
	for (i = 0; i < l->ntargets; i++) {
		const struct al_lock_target *t = &l->targets[i];
		json_t *dists, *bdists = NULL, *jt;
		if (!(dists = dists_json(t->dists, t->ndists)) ||
		    (t->nbuild_dists && !(bdists = dists_json(t->build_dists, t->nbuild_dists)))) {
			json_decref(dists);
			goto oom;
		}
		jt = json_pack("{s:o, s:o, s:o, s:o, s:o}", "name", jstr(t->name), "python_version",
		               jstr(t->python_version), "implementation", jstr(t->implementation),
		               "platforms", jstrv(t->platforms, t->nplatforms), "distributions", dists);
		/* only when there are any: a lock without sdists keeps its bytes */
		if (!jt) {
			json_decref(bdists);
			goto oom;
		}
		if (bdists && json_object_set_new(jt, "build_distributions", bdists)) {
			json_decref(jt);
			goto oom;
		}
		if (json_array_append_new(targets, jt))
			goto oom;
	}
	for (i = 0; i < l->nrepos; i++) {
		const struct al_lock_repo *r = &l->repos[i];
		json_t *files = json_array(), *jr;
		if (!files)
			goto oom;
		for (j = 0; j < r->nfiles; j++) {
			const struct al_lock_file *f = &r->files[j];
			json_t *jf = json_pack("{s:o, s:I, s:o, s:o, s:b}", "path", jstr(f->path), "size",
			                       (json_int_t)f->size, "sha256", jstr(f->sha256), "git_sha1",
			                       jstr(f->git_sha1), "lfs", f->lfs);
			if (!jf || json_array_append_new(files, jf)) {
				json_decref(files);
				goto oom;
			}
		}
		jr = json_pack("{s:o, s:o, s:o, s:o, s:o}", "type", jstr(r->type), "repo", jstr(r->repo),
		               "revision", jstr(r->revision), "commit", jstr(r->commit), "files", files);
		if (!jr || json_array_append_new(repos, jr))
			goto oom;
	}
	/* only when there are any: older readers keep reading locks without */
	if (l->nadvisories) {
		json_t *advs = json_array();
		if (!advs || json_object_set_new(root, "advisories", advs))
			goto oom;
		for (i = 0; i < l->nadvisories; i++) {
			const struct al_lock_advisory *a = &l->advisories[i];
			if (json_array_append_new(advs, json_pack("{s:o, s:I, s:o}", "name", jstr(a->name),
			                                          "size", (json_int_t)a->size, "sha256",
			                                          jstr(a->sha256))))
				goto oom;
		}
	}
	/* only with a policy: older readers keep reading locks without */
	if (l->policy) {
		const struct al_policy *p = l->policy;
		json_t *jp = json_pack("{s:o, s:I, s:s, s:b}", "deny", jstrv(p->deny.v, p->deny.n),
		                       "max_total_size", (json_int_t)p->max_total_size, "vulnerabilities",
		                       p->vulnerabilities_deny ? "deny" : "allow", "wheels_only",
		                       p->wheels_only);
		if (!jp || json_object_set_new(root, "policy", jp))
			goto oom;
		if (p->licenses_given) {
			json_t *jl = json_pack("{s:o, s:o}", "allow",
			                       jstrv(p->licenses_allow.v, p->licenses_allow.n), "deny",
			                       jstrv(p->licenses_deny.v, p->licenses_deny.n));
			if (!jl || json_object_set_new(jp, "licenses", jl) ||
			    (p->licenses_unknown != AL_UNKNOWN_DEFAULT &&
			     json_object_set_new(jl, "unknown", json_string(p->licenses_unknown == AL_UNKNOWN_DENY
			                                                        ? "deny" : "allow"))))
				goto oom;
		}
	}
	if (json_object_set_new(root, "version", json_integer(l->version ? l->version : 1)) ||
	    json_object_set_new(root, "bundle", jstr(l->bundle)) ||
	    json_object_set_new(root, "manifest_sha256", jstr(l->manifest_sha256)) ||
	    json_object_set_new(root, "targets", targets) ||
	    json_object_set_new(root, "repos", repos))
		goto oom_root;
	*out = root;
	return AL_OK;
oom:
	json_decref(targets);
	json_decref(repos);
oom_root:
	json_decref(root);
	return al_oom(d);
}

/* ---- from JSON (hostile) -------------------------------------------------------- */

struct jctx {
	struct al_diag *d;
	char where[256];
};

static al_err bad(struct jctx *c, const char *what)
{
	return al_diag_set(c->d, AL_EINVALID, "%s: %s", c->where, what);
}

/* A string member: required or optional; NUL bytes and over-long values refused. */
static al_err get_str(struct jctx *c, json_t *o, const char *key, bool required, char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return AL_OK;
		snprintf(c->where + strlen(c->where), sizeof(c->where) - strlen(c->where), ".%s", key);
		return bad(c, "missing");
	}
	if (!json_is_string(v) || json_string_length(v) != strlen(json_string_value(v)) ||
	    json_string_length(v) > 8192) {
		snprintf(c->where + strlen(c->where), sizeof(c->where) - strlen(c->where), ".%s", key);
		return bad(c, "expected a string without NUL bytes, at most 8192 bytes");
	}
	if (!(*out = al_strdup(json_string_value(v))))
		return al_oom(c->d);
	return AL_OK;
}

static al_err get_size(struct jctx *c, json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		*out = -1;
		return AL_OK;
	}
	if (!json_is_integer(v) || json_integer_value(v) < -1) {
		snprintf(c->where + strlen(c->where), sizeof(c->where) - strlen(c->where), ".%s", key);
		return bad(c, "expected a size in bytes");
	}
	*out = json_integer_value(v);
	return AL_OK;
}

static al_err get_strv(struct jctx *c, json_t *o, const char *key, char ***out, size_t *n)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!a)
		return AL_OK;
	if (!json_is_array(a) || json_array_size(a) > 100000)
		return bad(c, "expected a list of strings");
	if (!(*out = al_calloc(json_array_size(a) + 1, sizeof(char *))))
		return al_oom(c->d);
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || json_string_length(v) != strlen(json_string_value(v)))
			return bad(c, "expected a list of strings");
		if (!((*out)[i] = al_strdup(json_string_value(v))))
			return al_oom(c->d);
		(*n)++;
	}
	return AL_OK;
}

static bool hex64(const char *s)
{
	return s && al_is_hex(s, 64);
}

static bool safe_name(const char *s)
{
	size_t i;

	if (!s || !*s || strlen(s) > 200 || s[0] == '.' || s[0] == '-' || s[0] == '_')
		return false;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '.' || s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

static int strcmp_ci(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = (*a >= 'A' && *a <= 'Z') ? *a + 32 : *a;
		int y = (*b >= 'A' && *b <= 'Z') ? *b + 32 : *b;
		if (x != y || !x)
			return x - y;
	}
}

static int cmp_path_ci(const void *a, const void *b)
{
	return strcmp_ci(((const struct al_lock_file *)a)->path, ((const struct al_lock_file *)b)->path);
}

/* No two files whose paths differ only in case, and no file that is also a
 * directory of another ("a" and "a/b"): either would break a published tree. */
static al_err check_collisions(struct jctx *c, struct al_lock_repo *r)
{
	struct al_lock_file *v;
	size_t i;

	if (r->nfiles < 2)
		return AL_OK;
	if (!(v = al_reallocarray(NULL, r->nfiles, sizeof(*v))))
		return al_oom(c->d);
	memcpy(v, r->files, r->nfiles * sizeof(*v));
	qsort(v, r->nfiles, sizeof(*v), cmp_path_ci);
	for (i = 1; i < r->nfiles; i++) {
		const char *a = v[i - 1].path, *b = v[i].path;
		size_t la = strlen(a);
		if (!strcmp_ci(a, b)) {
			al_free(v);
			return al_diag_set(c->d, AL_EINVALID, "%s: files '%s' and '%s' differ only in case",
			                   c->where, a, b);
		}
		if (!strncasecmp(a, b, la) && b[la] == '/') {
			al_free(v);
			return al_diag_set(c->d, AL_EINVALID, "%s: '%s' is both a file and a directory",
			                   c->where, a);
		}
	}
	/* "a/b" sorted before "a-c" and "a" after? check every prefix too */
	for (i = 0; i < r->nfiles; i++) {
		const char *p = r->files[i].path, *s;
		for (s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
			struct al_lock_file key = { 0 };
			char *dir = al_strndup(p, (size_t)(s - p));
			if (!dir) {
				al_free(v);
				return al_oom(c->d);
			}
			key.path = dir;
			if (bsearch(&key, v, r->nfiles, sizeof(*v), cmp_path_ci)) {
				al_free(dir);
				al_free(v);
				return al_diag_set(c->d, AL_EINVALID, "%s: '%.*s' is both a file and a directory",
				                   c->where, (int)(s - p), p);
			}
			al_free(dir);
		}
	}
	al_free(v);
	return AL_OK;
}

static al_err dist_from_json(struct jctx *c, json_t *o, struct al_lock_dist *x)
{
	al_err err;

	if (!json_is_object(o))
		return bad(c, "expected an object");
	if ((err = get_str(c, o, "name", true, &x->name)) ||
	    (err = get_str(c, o, "version", true, &x->version)) ||
	    (err = get_str(c, o, "filename", true, &x->filename)) ||
	    (err = get_str(c, o, "url", false, &x->url)) ||
	    (err = get_str(c, o, "index", false, &x->index)) ||
	    (err = get_str(c, o, "sha256", true, &x->sha256)) ||
	    (err = get_size(c, o, "size", &x->size)) ||
	    (err = get_str(c, o, "requires_python", false, &x->requires_python)) ||
	    (err = get_str(c, o, "metadata_sha256", false, &x->metadata_sha256)) ||
	    (err = get_strv(c, o, "required_by", &x->required_by, &x->nrequired_by)))
		return err;
	/* A lock written before credentials were kept out of it may carry them
	 * in a file's URL: they are dropped here, so they travel no further. */
	if (x->url && al_url_has_userinfo(x->url)) {
		char *clean = al_url_strip_userinfo(x->url);
		if (!clean)
			return al_oom(c->d);
		al_free(x->url);
		x->url = clean;
	}
	/* names, versions and the file name: al_lock_check_fields */
	if (!hex64(x->sha256) || (x->metadata_sha256 && !hex64(x->metadata_sha256)))
		return bad(c, "bad sha256");
	return AL_OK;
}

static al_err repo_from_json(struct jctx *c, json_t *o, struct al_lock_repo *r)
{
	json_t *files = json_object_get(o, "files"), *f;
	size_t i, base = strlen(c->where);
	al_err err;

	if (!json_is_object(o))
		return bad(c, "expected an object");
	if ((err = get_str(c, o, "type", true, &r->type)) || (err = get_str(c, o, "repo", true, &r->repo)) ||
	    (err = get_str(c, o, "revision", false, &r->revision)) ||
	    (err = get_str(c, o, "commit", true, &r->commit)))
		return err;
	if (strcmp(r->type, "model") && strcmp(r->type, "dataset"))
		return bad(c, "type must be model or dataset");
	{
		const char *slash = strchr(r->repo, '/');
		char *ns = slash ? al_strndup(r->repo, (size_t)(slash - r->repo)) : NULL;
		bool okid;

		if (slash && !ns)
			return al_oom(c->d);
		/* namespace/name, one '/': models/<namespace>/<name>/ is one repo's
		 * alone (a repo "org" could else own models/org/name/) */
		okid = al_manifest_valid_repo_id(r->repo) && slash && safe_name(ns) &&
		       safe_name(slash + 1) && !strstr(r->repo, "..") && !strstr(r->repo, "--") &&
		       !strchr(slash + 1, '/');
		al_free(ns);
		if (!okid)
			return al_diag_set(c->d, AL_EINVALID, "%s: bad repo id '%s' (want namespace/name)",
			                   c->where, r->repo);
	}
	if (!al_is_hex(r->commit, 40))
		return bad(c, "commit must be 40 hex digits");
	if (!json_is_array(files) || json_array_size(files) > AL_LOCK_MAX_ENTRIES)
		return bad(c, "files: expected a list");
	if (!(r->files = al_calloc(json_array_size(files) + 1, sizeof(*r->files))))
		return al_oom(c->d);
	json_array_foreach(files, i, f) {
		struct al_lock_file *lf = &r->files[i];
		json_t *lfs;
		snprintf(c->where + base, sizeof(c->where) - base, ".files[%zu]", i);
		if (!json_is_object(f))
			return bad(c, "expected an object");
		r->nfiles++;
		if ((err = get_str(c, f, "path", true, &lf->path)) ||
		    (err = get_size(c, f, "size", &lf->size)) ||
		    (err = get_str(c, f, "sha256", true, &lf->sha256)) ||
		    (err = get_str(c, f, "git_sha1", false, &lf->git_sha1)))
			return err;
		if (!al_path_safe(lf->path))
			return al_diag_set(c->d, AL_EINVALID, "%s: unsafe path '%s'", c->where, lf->path);
		if (!hex64(lf->sha256) || (lf->git_sha1 && !al_is_hex(lf->git_sha1, 40)))
			return bad(c, "bad hash");
		if (lf->size < 0)
			return bad(c, "a file needs its size");
		lfs = json_object_get(f, "lfs");
		lf->lfs = json_is_true(lfs);
	}
	c->where[base] = '\0';
	return check_collisions(c, r);
}

/* advisories: absent in locks before airlock audit; names plain, hashes
 * and sizes well-formed, names distinct. */
static al_err advisories_from_json(struct jctx *c, json_t *a, struct al_lock *l)
{
	json_t *v;
	size_t i, k;
	al_err err;

	if (!a || json_is_null(a))
		return AL_OK;
	snprintf(c->where, sizeof(c->where), "lock.advisories");
	if (!json_is_array(a) || json_array_size(a) > AL_LOCK_MAX_ADVISORIES)
		return bad(c, "expected a list of at most 64 files");
	if (!(l->advisories = al_calloc(json_array_size(a) + 1, sizeof(*l->advisories))))
		return al_oom(c->d);
	json_array_foreach(a, i, v) {
		struct al_lock_advisory *x = &l->advisories[i];
		snprintf(c->where, sizeof(c->where), "lock.advisories[%zu]", i);
		if (!json_is_object(v))
			return bad(c, "expected an object");
		l->nadvisories++;
		if ((err = get_str(c, v, "name", true, &x->name)) ||
		    (err = get_str(c, v, "sha256", true, &x->sha256)) ||
		    (err = get_size(c, v, "size", &x->size)))
			return err;
		if (!al_lock_advisory_name_valid(x->name))
			return bad(c, "name: expected 1 to 128 of [A-Za-z0-9._-], not starting with '.'");
		if (!al_is_hex(x->sha256, 64))
			return bad(c, "sha256: expected 64 lowercase hex digits");
		if (x->size < 0)
			return bad(c, "size: expected a size in bytes");
		for (k = 0; k < i; k++)
			if (!strcmp(l->advisories[k].name, x->name))
				return bad(c, "name: given twice");
	}
	return AL_OK;
}

/* A list of strings of the policy: at most 1000, each one line of at most
 * 1024 bytes; ids: SPDX licence ids. */
static al_err policy_list(struct jctx *c, json_t *o, const char *key, bool ids, struct al_strlist *out)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i, n;

	if (!a || json_is_null(a))
		return AL_OK;
	if (!json_is_array(a) || json_array_size(a) > 1000)
		return bad(c, "expected a list of at most 1000 strings");
	if (!json_array_size(a))
		return AL_OK;
	if (!(out->v = al_calloc(json_array_size(a), sizeof(char *))))
		return al_oom(c->d);
	json_array_foreach(a, i, v) {
		const char *s = json_string_value(v);
		if (!s || !(n = json_string_length(v)) || n != strlen(s) || n > 1024 ||
		    strcspn(s, "\n\r") != n)
			return bad(c, "expected a list of strings of one line");
		if (ids && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-+") != n)
			return bad(c, "expected SPDX licence ids");
		if (!(out->v[i] = al_strdup(s)))
			return al_oom(c->d);
		out->n++;
	}
	return AL_OK;
}

/* policy: absent in locks of manifests without one; every key known (a rule
 * this version does not understand is refused, never skipped). */
static al_err policy_from_json(struct jctx *c, json_t *o, struct al_lock *l)
{
	struct al_policy *p;
	json_t *lic, *v;
	const char *k, *s;
	al_err err;

	if (!o || json_is_null(o))
		return AL_OK;
	snprintf(c->where, sizeof(c->where), "lock.policy");
	if (!json_is_object(o))
		return bad(c, "expected an object");
	json_object_foreach(o, k, v)
		if (strcmp(k, "deny") && strcmp(k, "licenses") && strcmp(k, "max_total_size") &&
		    strcmp(k, "vulnerabilities") && strcmp(k, "wheels_only"))
			return bad(c, "a rule this version of airlock does not know");
	if (!(p = l->policy = al_calloc(1, sizeof(*p))))
		return al_oom(c->d);
	p->given = true;
	if ((err = policy_list(c, o, "deny", false, &p->deny)))
		return err;
	v = json_object_get(o, "max_total_size");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 0))
		return bad(c, "max_total_size: expected bytes");
	p->max_total_size = v ? (uint64_t)json_integer_value(v) : 0;
	v = json_object_get(o, "vulnerabilities");
	if (v && (!(s = json_string_value(v)) || (strcmp(s, "deny") && strcmp(s, "allow"))))
		return bad(c, "vulnerabilities: expected deny or allow");
	p->vulnerabilities_deny = v && !strcmp(s, "deny");
	v = json_object_get(o, "wheels_only");
	if (v && !json_is_boolean(v))
		return bad(c, "wheels_only: expected true or false");
	p->wheels_only = v && json_is_true(v);
	if (!(lic = json_object_get(o, "licenses")))
		return AL_OK;
	snprintf(c->where, sizeof(c->where), "lock.policy.licenses");
	if (!json_is_object(lic))
		return bad(c, "expected an object");
	json_object_foreach(lic, k, v)
		if (strcmp(k, "allow") && strcmp(k, "deny") && strcmp(k, "unknown"))
			return bad(c, "a key this version of airlock does not know");
	p->licenses_given = true;
	if ((err = policy_list(c, lic, "allow", true, &p->licenses_allow)) ||
	    (err = policy_list(c, lic, "deny", true, &p->licenses_deny)))
		return err;
	v = json_object_get(lic, "unknown");
	if (v && (!(s = json_string_value(v)) || (strcmp(s, "deny") && strcmp(s, "allow"))))
		return bad(c, "unknown: expected deny or allow");
	p->licenses_unknown = !v ? AL_UNKNOWN_DEFAULT : !strcmp(s, "deny") ? AL_UNKNOWN_DENY
	                                                                    : AL_UNKNOWN_ALLOW;
	return AL_OK;
}

/* Over 80 lines: the top level of a hostile lock read key by
 * key in the order of the format (docs/reference/lock.md), each refusal
 * beside its key; the per-entry checks are in their own functions. */
al_err al_lock_from_json(json_t *j, struct al_lock **out, struct al_diag *d)
{
	struct jctx c = { d, "lock" };
	struct al_lock *l;
	json_t *targets, *repos, *v;
	size_t i, k;
	al_err err;

	*out = NULL;
	if (!json_is_object(j))
		return bad(&c, "expected an object");
	if (!(l = al_calloc(1, sizeof(*l))))
		return al_oom(d);
	l->version = (int)json_integer_value(json_object_get(j, "version"));
	if (l->version != 1) {
		err = bad(&c, "unsupported lock version");
		goto fail;
	}
	if ((err = get_str(&c, j, "bundle", true, &l->bundle)) ||
	    (err = get_str(&c, j, "manifest_sha256", false, &l->manifest_sha256)))
		goto fail;
	targets = json_object_get(j, "targets");
	repos = json_object_get(j, "repos");
	if (!json_is_array(targets) || !json_is_array(repos) ||
	    json_array_size(targets) > 1000 || json_array_size(repos) > 100000) {
		err = bad(&c, "expected lists of targets and repos");
		goto fail;
	}
	if (!(l->targets = al_calloc(json_array_size(targets) + 1, sizeof(*l->targets))) ||
	    !(l->repos = al_calloc(json_array_size(repos) + 1, sizeof(*l->repos)))) {
		err = al_oom(d);
		goto fail;
	}
	json_array_foreach(targets, i, v) {
		struct al_lock_target *t = &l->targets[i];
		json_t *dists = json_object_get(v, "distributions"), *x;
		snprintf(c.where, sizeof(c.where), "lock.targets[%zu]", i);
		if (!json_is_object(v)) {
			err = bad(&c, "expected an object");
			goto fail;
		}
		l->ntargets++;
		if ((err = get_str(&c, v, "name", true, &t->name)) ||
		    (err = get_str(&c, v, "python_version", true, &t->python_version)) ||
		    (err = get_str(&c, v, "implementation", true, &t->implementation)) ||
		    (err = get_strv(&c, v, "platforms", &t->platforms, &t->nplatforms)))
			goto fail;
		if (!json_is_array(dists) || json_array_size(dists) > AL_LOCK_MAX_ENTRIES) {
			err = bad(&c, "distributions: expected a list");
			goto fail;
		}
		if (!(t->dists = al_calloc(json_array_size(dists) + 1, sizeof(*t->dists)))) {
			err = al_oom(d);
			goto fail;
		}
		json_array_foreach(dists, k, x) {
			snprintf(c.where, sizeof(c.where), "lock.targets[%zu].distributions[%zu]", i, k);
			t->ndists++;
			if ((err = dist_from_json(&c, x, &t->dists[k])))
				goto fail;
		}
		dists = json_object_get(v, "build_distributions");
		if (!dists || json_is_null(dists))
			continue;
		if (!json_is_array(dists) || json_array_size(dists) > AL_LOCK_MAX_ENTRIES) {
			err = bad(&c, "build_distributions: expected a list");
			goto fail;
		}
		if (!(t->build_dists = al_calloc(json_array_size(dists) + 1, sizeof(*t->build_dists)))) {
			err = al_oom(d);
			goto fail;
		}
		json_array_foreach(dists, k, x) {
			snprintf(c.where, sizeof(c.where), "lock.targets[%zu].build_distributions[%zu]", i,
			         k);
			t->nbuild_dists++;
			if ((err = dist_from_json(&c, x, &t->build_dists[k])))
				goto fail;
		}
	}
	json_array_foreach(repos, i, v) {
		snprintf(c.where, sizeof(c.where), "lock.repos[%zu]", i);
		l->nrepos++;
		if ((err = repo_from_json(&c, v, &l->repos[i])))
			goto fail;
	}
	if ((err = advisories_from_json(&c, json_object_get(j, "advisories"), l)) ||
	    (err = policy_from_json(&c, json_object_get(j, "policy"), l)))
		goto fail;
	/* every field publish writes somewhere against its grammar, in the
	 * order the JSON gave them (so messages index them as written) */
	if ((err = al_lock_check_fields(l, d)))
		goto fail;
	al_lock_sort(l);
	*out = l;
	return AL_OK;
fail:
	al_lock_free(l);
	return err;
}
