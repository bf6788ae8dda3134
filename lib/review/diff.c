/*
 * diff.c: what changed between two locks of a bundle (al_diff): per target
 * the projects added, removed, upgraded and downgraded (PEP 440 order) and
 * the distribution files added and removed; per Hub repo the commit and the
 * files that differ, with their bytes; and what a delta medium from the old
 * to the new would carry. The result is one JSON object, the shape of
 * `airlock diff --json` (docs/reference/cli.md); the text form is written
 * from it by cmd/diff.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/mem.h"
#include "pypa/pep440.h"
#include "review/diff.h"
#include "store/bundle.h"

static al_err oom(struct al_diag *d)
{
	return al_oom(d);
}

/* -1, 0, 1 as PEP 440 orders a and b; versions that do not parse (a lock
 * read from JSON has canonical ones) compare as strings */
static int vcmp(const char *a, const char *b)
{
	struct al_version va, vb;
	int c;

	if (al_version_parse(&va, a, NULL))
		return strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0;
	if (al_version_parse(&vb, b, NULL)) {
		al_version_release(&va);
		return strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0;
	}
	c = al_version_cmp(&va, &vb);
	al_version_release(&va);
	al_version_release(&vb);
	return c < 0 ? -1 : c > 0;
}

static const struct al_lock_target *find_target(const struct al_lock *l, const char *name)
{
	size_t i;

	for (i = 0; l && i < l->ntargets; i++)
		if (!strcmp(l->targets[i].name, name))
			return &l->targets[i];
	return NULL;
}

static const struct al_lock_dist *find_dist(const struct al_lock_dist *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

/* the same file: name and sha256 */
static bool has_file(const struct al_lock_target *t, const struct al_lock_dist *x)
{
	size_t i;

	for (i = 0; t && i < t->ndists + t->nbuild_dists; i++) {
		const struct al_lock_dist *y = i < t->ndists ? &t->dists[i] : &t->build_dists[i - t->ndists];
		if (!strcmp(y->filename, x->filename) && !strcmp(y->sha256, x->sha256))
			return true;
	}
	return false;
}

static json_t *file_json(const struct al_lock_dist *x, bool build)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "name", x->name, "version", x->version,
	                      "filename", x->filename, "sha256", x->sha256, "size",
	                      (json_int_t)x->size);
	if (o && build && al_json_set(o, "build", json_true())) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The files of one side a target has and the other lacks, into arr. */
static al_err files_only(const struct al_lock_target *a, const struct al_lock_target *b, json_t *arr)
{
	size_t i;

	for (i = 0; a && i < a->ndists + a->nbuild_dists; i++) {
		bool build = i >= a->ndists;
		const struct al_lock_dist *x = build ? &a->build_dists[i - a->ndists] : &a->dists[i];
		if (!has_file(b, x) && al_json_push(arr, file_json(x, build)))
			return AL_ENOMEM;
	}
	return AL_OK;
}

/* One target present on either side. *differ is set when anything differs. */
static al_err diff_target(const char *name, const struct al_lock_target *o,
                          const struct al_lock_target *n, json_t *targets, bool *differ)
{
	json_t *t = NULL, *added = json_array(), *removed = json_array(), *up = json_array(),
	       *down = json_array(), *fa = json_array(), *fr = json_array();
	size_t i;
	al_err err = AL_ENOMEM;

	if (!added || !removed || !up || !down || !fa || !fr)
		goto out;
	for (i = 0; n && i < n->ndists; i++) {
		const struct al_lock_dist *x = &n->dists[i], *y = o ? find_dist(o->dists, o->ndists, x->name)
		                                                    : NULL;
		int c;
		if (!y) {
			if (al_json_push(added, json_pack("{s:s, s:s}", "name", x->name, "version", x->version)))
				goto out;
			continue;
		}
		if (!(c = vcmp(y->version, x->version)))
			continue;
		if (al_json_push(c < 0 ? up : down, json_pack("{s:s, s:s, s:s}", "name", x->name, "old",
		                                              y->version, "new", x->version)))
			goto out;
	}
	for (i = 0; o && i < o->ndists; i++)
		if (!(n && find_dist(n->dists, n->ndists, o->dists[i].name)) &&
		    al_json_push(removed, json_pack("{s:s, s:s}", "name", o->dists[i].name, "version",
		                                    o->dists[i].version)))
			goto out;
	if (files_only(n, o, fa) || files_only(o, n, fr))
		goto out;
	if (!o || !n || json_array_size(added) || json_array_size(removed) || json_array_size(up) ||
	    json_array_size(down) || json_array_size(fa) || json_array_size(fr)) {
		*differ = true;
		if (!(t = json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:O, s:O}", "name", name, "status",
		                    !o ? "added" : !n ? "removed" : "changed", "added", added, "removed",
		                    removed, "upgraded", up, "downgraded", down, "files_added", fa,
		                    "files_removed", fr)) ||
		    al_json_push(targets, t))
			goto out;
	}
	err = AL_OK;
out:
	json_decref(added);
	json_decref(removed);
	json_decref(up);
	json_decref(down);
	json_decref(fa);
	json_decref(fr);
	return err;
}

static const struct al_lock_repo *find_repo(const struct al_lock *l, const char *type, const char *repo)
{
	size_t i;

	for (i = 0; l && i < l->nrepos; i++)
		if (!strcmp(l->repos[i].type, type) && !strcmp(l->repos[i].repo, repo))
			return &l->repos[i];
	return NULL;
}

static const struct al_lock_file *find_file(const struct al_lock_repo *r, const char *path)
{
	size_t i;

	for (i = 0; r && i < r->nfiles; i++)
		if (!strcmp(r->files[i].path, path))
			return &r->files[i];
	return NULL;
}

static bool same_bytes(const struct al_lock_file *a, const struct al_lock_file *b)
{
	if (a->size != b->size)
		return false;
	if (a->sha256 && b->sha256)
		return !strcmp(a->sha256, b->sha256);
	return a->git_sha1 && b->git_sha1 && !strcmp(a->git_sha1, b->git_sha1);
}

static al_err diff_repo(const char *type, const char *repo, const struct al_lock_repo *o,
                        const struct al_lock_repo *n, json_t *repos, bool *differ)
{
	json_t *r = NULL, *fa = json_array(), *fr = json_array(), *fc = json_array();
	uint64_t bytes = 0;
	size_t i;
	al_err err = AL_ENOMEM;

	if (!fa || !fr || !fc)
		goto out;
	for (i = 0; n && i < n->nfiles; i++) {
		const struct al_lock_file *f = &n->files[i], *g = find_file(o, f->path);
		if (g && same_bytes(f, g))
			continue;
		bytes += (uint64_t)f->size;
		if (g ? al_json_push(fc, json_pack("{s:s, s:I, s:I}", "path", f->path, "old_size",
		                                   (json_int_t)g->size, "new_size", (json_int_t)f->size))
		      : al_json_push(fa, json_pack("{s:s, s:I}", "path", f->path, "size",
		                                   (json_int_t)f->size)))
			goto out;
	}
	for (i = 0; o && i < o->nfiles; i++)
		if (!find_file(n, o->files[i].path) &&
		    al_json_push(fr, json_pack("{s:s, s:I}", "path", o->files[i].path, "size",
		                               (json_int_t)o->files[i].size)))
			goto out;
	if (!o || !n || strcmp(o->commit, n->commit) || json_array_size(fa) || json_array_size(fr) ||
	    json_array_size(fc)) {
		*differ = true;
		if (!(r = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:O, s:O, s:O, s:I}", "type", type, "repo",
		                    repo, "status", !o ? "added" : !n ? "removed" : "changed",
		                    "old_commit", o ? o->commit : NULL, "new_commit", n ? n->commit : NULL,
		                    "files_added", fa, "files_removed", fr, "files_changed", fc,
		                    "bytes", (json_int_t)bytes)) ||
		    al_json_push(repos, r))
			goto out;
	}
	err = AL_OK;
out:
	json_decref(fa);
	json_decref(fr);
	json_decref(fc);
	return err;
}

/* The size of an object of l: a distribution, a repo file; -1 for a
 * metadata sidecar (the lock does not record its size). */
static int64_t object_size(const struct al_lock *l, const char *hex)
{
	size_t i, j;

	for (i = 0; i < l->ntargets; i++)
		for (j = 0; j < l->targets[i].ndists + l->targets[i].nbuild_dists; j++) {
			const struct al_lock_target *t = &l->targets[i];
			const struct al_lock_dist *x = j < t->ndists ? &t->dists[j]
			                                             : &t->build_dists[j - t->ndists];
			if (!strcmp(x->sha256, hex))
				return x->size;
		}
	for (i = 0; i < l->nrepos; i++)
		for (j = 0; j < l->repos[i].nfiles; j++)
			if (l->repos[i].files[j].sha256 && !strcmp(l->repos[i].files[j].sha256, hex))
				return l->repos[i].files[j].size;
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* What a delta medium from old to new carries: the objects new needs and
 * old did not have. */
static al_err delta(const struct al_lock *o, const struct al_lock *n, json_t *out, struct al_diag *d)
{
	char **ov = NULL, **nv = NULL;
	size_t on = 0, nn = 0, i;
	uint64_t objects = 0, bytes = 0, unknown = 0;
	al_err err;

	if ((err = al_lock_objects(o, &ov, &on, d)) || (err = al_lock_objects(n, &nv, &nn, d)))
		goto out;
	for (i = 0; i < nn; i++) {
		int64_t size;
		if (on && bsearch(&nv[i], ov, on, sizeof(*ov), cmp_str))
			continue;
		objects++;
		if ((size = object_size(n, nv[i])) < 0)
			unknown++;
		else
			bytes += (uint64_t)size;
	}
	if (al_json_set(out, "delta", json_pack("{s:I, s:I, s:I}", "objects", (json_int_t)objects,
	                                        "bytes", (json_int_t)bytes, "unknown_size",
	                                        (json_int_t)unknown)))
		err = oom(d);
out:
	al_strv_free(ov, on);
	al_strv_free(nv, nn);
	return err;
}

/* the sorted union of two sorted name lists, into v (borrowed pointers) */
static al_err names_union(const char **a, size_t na, const char **b, size_t nb, const char ***v,
                          size_t *n)
{
	size_t i = 0, j = 0, k = 0;

	*n = 0;
	if (!(*v = al_calloc(na + nb + 1, sizeof(**v))))
		return AL_ENOMEM;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);
		(*v)[k++] = c <= 0 ? a[i] : b[j];
		i += c <= 0;
		j += c >= 0;
	}
	*n = k;
	return AL_OK;
}

al_err al_diff(const struct al_lock *o, const struct al_lock *n, json_t **out, bool *differ,
               struct al_diag *d)
{
	json_t *res = NULL, *targets = json_array(), *repos = json_array();
	const char **on = NULL, **nn = NULL, **all = NULL;
	size_t i, nall = 0;
	al_err err = AL_OK;

	*out = NULL;
	*differ = false;
	if (!targets || !repos)
		goto oom;
	/* targets by name (each lock has them sorted by name) */
	if (!(on = al_calloc(o->ntargets + 1, sizeof(*on))) ||
	    !(nn = al_calloc(n->ntargets + 1, sizeof(*nn))))
		goto oom;
	for (i = 0; i < o->ntargets; i++)
		on[i] = o->targets[i].name;
	for (i = 0; i < n->ntargets; i++)
		nn[i] = n->targets[i].name;
	if (names_union(on, o->ntargets, nn, n->ntargets, &all, &nall))
		goto oom;
	for (i = 0; i < nall; i++)
		if (diff_target(all[i], find_target(o, all[i]), find_target(n, all[i]), targets, differ))
			goto oom;
	/* repos by type, then repo (both sorted so) */
	for (i = 0; i < n->nrepos; i++)
		if (diff_repo(n->repos[i].type, n->repos[i].repo,
		              find_repo(o, n->repos[i].type, n->repos[i].repo), &n->repos[i], repos,
		              differ))
			goto oom;
	for (i = 0; i < o->nrepos; i++)
		if (!find_repo(n, o->repos[i].type, o->repos[i].repo) &&
		    diff_repo(o->repos[i].type, o->repos[i].repo, &o->repos[i], NULL, repos, differ))
			goto oom;
	if (strcmp(o->bundle, n->bundle))
		*differ = true;
	if (!(res = json_pack("{s:s, s:s, s:O, s:O}", "old_bundle", o->bundle, "new_bundle",
	                      n->bundle, "targets", targets, "repos", repos)))
		goto oom;
	if ((err = delta(o, n, res, d)))
		goto out;
	if (al_json_set(res, "equal", json_boolean(!*differ)))
		goto oom;
	*out = res;
	res = NULL;
	goto out;
oom:
	err = oom(d);
out:
	json_decref(res);
	json_decref(targets);
	json_decref(repos);
	al_free(on);
	al_free(nn);
	al_free(all);
	return err;
}
