/*
 * resolve.c: a backtracking resolver for one target (docs/lock.md; pip's
 * resolvelib is the behaviour it matches).
 *
 * The search pins one project at a time. The requirements in force are
 * recomputed from the root requirements and the pins each time (the
 * requested extras of every project are a fixed point of that), so the
 * state is just the stack of decisions. At each step the unpinned required
 * project with the fewest viable versions is pinned next (fail first), to its
 * newest viable version; a pin that contradicts an earlier one, or that
 * leaves a project with no viable version, is undone and the next version
 * tried, chronologically. The number of attempts is capped, so hard cases end
 * with a clear error instead of running forever.
 *
 * A version is viable for a project when it satisfies every specifier in
 * force, has a file for the target (the best-ranked compatible wheel, or an
 * sdist where allowed) whose Requires-Python accepts the target Python, and
 * is not yanked (unless pinned exactly and nothing else fits, as pip does).
 * Pre-releases count only when asked for, named by a specifier, or when
 * nothing else fits (PEP 440).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lock.h"
#include "lockcheck.h"
#include "mem.h"
#include "names.h"
#include "pep440.h"
#include "pep508.h"
#include "resolve.h"
#include "wheelname.h"

#define DEFAULT_MAX_STEPS 200000

void al_dist_meta_free(struct al_dist_meta *m)
{
	size_t i;

	if (!m)
		return;
	al_free(m->name);
	al_free(m->version);
	al_free(m->requires_python);
	for (i = 0; i < m->nrequires_dist; i++)
		al_free(m->requires_dist[i]);
	al_free(m->requires_dist);
	al_free(m->sha256);
	al_free(m);
}

struct rver {
	struct al_version v;
	char *vstr;                      /* canonical */
	bool pre;
	const struct al_simple_file *file; /* the file for the target, or NULL */
	bool yanked;
	char skip[200];                  /* why no file, for messages */
	/* filled on first attempt */
	bool tried_meta;
	bool bad;                        /* unusable: skip[] says why */
	struct al_requirement *deps;
	size_t ndeps;
	char *meta_sha256;
};

struct pkg {
	char *name;                      /* normalized */
	bool loaded, missing;
	struct rver *vers;               /* newest first */
	size_t nvers;
	char **extras;                   /* requested extras (normalized), this round */
	size_t nextras, aextras;
	bool required;                   /* some requirement in force names it */
	long pinned;                     /* level index or -1 */
	const char *prev;                /* version in the previous lock */
	bool upgrade;
};

struct crit {
	size_t pkg;
	const struct al_requirement *req;
	long parent;                     /* level, -1 root, -2 constraint */
};

struct level {
	size_t pkg;
	size_t *order;                   /* indices into vers */
	size_t norder, cur;
};

struct rs {
	const struct al_provider *p;
	const struct al_resolve_opts *o;
	struct al_diag *d;
	struct al_target_env tenv;
	struct al_marker_env env;
	struct al_tagset *ts;
	struct al_version pyver;         /* the target's full Python version */
	struct pkg *pkgs;
	size_t npkgs, apkgs;
	struct al_requirement *roots, *cons;
	size_t nroots, ncons;
	struct crit *crits;
	size_t ncrits, acrits;
	struct level *levels;
	size_t nlevels, alevels;
	unsigned long steps;
	struct al_buf why;               /* the deepest conflict seen */
	size_t why_depth;
};

/* ---- projects ---------------------------------------------------------------- */

static long find_pkg(struct rs *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->npkgs; i++)
		if (!strcmp(r->pkgs[i].name, name))
			return (long)i;
	return -1;
}

static bool in_list(const char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static al_err add_pkg(struct rs *r, const char *name, size_t *out)
{
	long i = find_pkg(r, name);
	struct pkg *p;
	size_t k;

	if (i >= 0) {
		*out = (size_t)i;
		return AL_OK;
	}
	if (AL_GROW(r->pkgs, r->apkgs, r->npkgs + 1))
		return al_diag_set(r->d, AL_ENOMEM, "out of memory");
	p = &r->pkgs[r->npkgs];
	memset(p, 0, sizeof(*p));
	p->pinned = -1;
	if (!(p->name = al_strdup(name)))
		return al_diag_set(r->d, AL_ENOMEM, "out of memory");
	p->upgrade = r->o->upgrade_all || in_list(r->o->upgrade, r->o->nupgrade, name);
	if (r->o->previous && !p->upgrade)
		for (k = 0; k < r->o->previous->ndists; k++)
			if (!strcmp(r->o->previous->dists[k].name, name))
				p->prev = r->o->previous->dists[k].version;
	*out = r->npkgs++;
	return AL_OK;
}

static int cmp_rver(const void *a, const void *b)
{
	return al_version_cmp(&((const struct rver *)b)->v, &((const struct rver *)a)->v);
}

static bool sdist_allowed(struct rs *r, const char *name)
{
	return in_list(r->o->allow_sdist, r->o->nallow_sdist, name) ||
	       in_list(r->o->allow_sdist, r->o->nallow_sdist, ":all:");
}

/* Does a Requires-Python text accept the target? Invalid ones are ignored,
 * as pip does. */
static bool python_ok(struct rs *r, const char *rp)
{
	struct al_specset set = AL_SPECSET_INIT;
	bool yes = true;

	if (!rp || !*rp)
		return true;
	if (al_specset_parse(&set, rp, NULL) == AL_OK)
		yes = al_specset_contains(&set, &r->pyver, 1);
	al_specset_release(&set);
	return yes;
}

/* Group a project's files by version and choose each version's file. */
static al_err load_pkg(struct rs *r, struct pkg *p)
{
	const struct al_simple_page *page = NULL;
	struct al_diag d2 = AL_DIAG_INIT;
	size_t i, k, alloc = 0;
	al_err err;

	p->loaded = true;
	err = r->p->project(r->p->ctx, p->name, &page, &d2);
	if (err == AL_ENOTFOUND) {
		p->missing = true;
		return AL_OK;
	}
	if (err) {
		*r->d = d2;
		return err;
	}
	for (i = 0; i < page->nfiles; i++) {
		const struct al_simple_file *f = &page->files[i];
		struct al_wheelname wn = AL_WHEELNAME_INIT;
		struct al_sdistname sn = { 0 };
		struct al_version v = AL_VERSION_INIT;
		const char *vtext, *fname;
		char *norm = NULL;
		bool sdist = false;
		int rank = -1;
		struct rver *rv = NULL;

		if (al_wheelname_parse(&wn, f->filename, NULL) == AL_OK) {
			norm = wn.normalized;
			vtext = wn.version;
			rank = al_tagset_best_rank(r->ts, wn.py, wn.abi, wn.plat);
		} else if (al_sdistname_parse(&sn, f->filename, NULL) == AL_OK) {
			norm = sn.normalized;
			vtext = sn.version;
			sdist = true;
		} else {
			continue; /* not a distribution file */
		}
		fname = f->filename;
		(void)fname;
		if (strcmp(norm, p->name) || al_version_parse(&v, vtext, NULL)) {
			al_wheelname_release(&wn);
			al_sdistname_release(&sn);
			al_version_release(&v);
			continue;
		}
		for (k = 0; k < p->nvers; k++)
			if (!al_version_cmp(&p->vers[k].v, &v)) {
				rv = &p->vers[k];
				break;
			}
		if (!rv) {
			struct al_buf s = AL_BUF_INIT;
			if (AL_GROW(p->vers, alloc, p->nvers + 1) || al_version_str(&v, &s)) {
				al_buf_release(&s);
				al_wheelname_release(&wn);
				al_sdistname_release(&sn);
				al_version_release(&v);
				return al_diag_set(r->d, AL_ENOMEM, "out of memory");
			}
			rv = &p->vers[p->nvers++];
			memset(rv, 0, sizeof(*rv));
			rv->v = v;
			memset(&v, 0, sizeof(v));
			rv->vstr = al_buf_detach(&s, NULL);
			rv->pre = al_version_is_prerelease(&rv->v);
			snprintf(rv->skip, sizeof(rv->skip), "no file for this target's tags");
		}
		al_version_release(&v);
		/* choose: a usable, non-yanked file first; lower tag rank, then higher build */
		if (f->bad_hash) {
			snprintf(rv->skip, sizeof(rv->skip), "the index gave a malformed sha256");
		} else if (!python_ok(r, f->requires_python)) {
			snprintf(rv->skip, sizeof(rv->skip), "requires Python %.100s", f->requires_python);
		} else if (sdist && !sdist_allowed(r, p->name)) {
			if (!rv->file)
				snprintf(rv->skip, sizeof(rv->skip),
				         "only an sdist (add the project to allow-sdist)");
		} else if (!sdist && rank < 0) {
			/* keep the default reason */
		} else {
			const struct al_simple_file *cur = rv->file;
			bool better = !cur || (rv->yanked && !f->yanked);
			if (cur && !better && rv->yanked == f->yanked) {
				struct al_wheelname cw = AL_WHEELNAME_INIT;
				int crank = INT32_MAX;
				uint64_t cbuild = 0;
				if (al_wheelname_parse(&cw, cur->filename, NULL) == AL_OK) {
					crank = al_tagset_best_rank(r->ts, cw.py, cw.abi, cw.plat);
					cbuild = cw.build_num;
				}
				al_wheelname_release(&cw);
				if (!sdist && (crank < 0 || rank < crank ||
				               (rank == crank && wn.build_num > cbuild)))
					better = true;
			}
			if (better) {
				rv->file = f;
				rv->yanked = f->yanked;
			}
		}
		al_wheelname_release(&wn);
		al_sdistname_release(&sn);
	}
	if (p->nvers > 1)
		qsort(p->vers, p->nvers, sizeof(*p->vers), cmp_rver);
	return AL_OK;
}

/* ---- the requirements in force ------------------------------------------------ */

static bool has_extra(const struct pkg *p, const char *e)
{
	size_t i;

	for (i = 0; i < p->nextras; i++)
		if (!strcmp(p->extras[i], e))
			return true;
	return false;
}

static al_err add_crit(struct rs *r, const struct al_requirement *req, long parent, bool *changed)
{
	size_t pi = 0, i;
	al_err err;

	if ((err = add_pkg(r, req->norm_name, &pi)))
		return err;
	if (AL_GROW(r->crits, r->acrits, r->ncrits + 1))
		return al_diag_set(r->d, AL_ENOMEM, "out of memory");
	r->crits[r->ncrits++] = (struct crit){ pi, req, parent };
	r->pkgs[pi].required = true;
	for (i = 0; i < req->nextras; i++) {
		char *e = al_name_normalize(req->extras[i]);
		struct pkg *p = &r->pkgs[pi];
		if (!e)
			return al_diag_set(r->d, AL_ENOMEM, "out of memory");
		if (has_extra(p, e)) {
			al_free(e);
			continue;
		}
		if (AL_GROW(p->extras, p->aextras, p->nextras + 1)) {
			al_free(e);
			return al_diag_set(r->d, AL_ENOMEM, "out of memory");
		}
		p->extras[p->nextras++] = e;
		*changed = true;
	}
	return AL_OK;
}

static al_err applies(struct rs *r, const struct al_requirement *req, const struct pkg *owner,
                      bool *yes)
{
	return al_requirement_applies(req, &r->env, owner ? (const char *const *)owner->extras : NULL,
	                              owner ? owner->nextras : 0, yes, r->d);
}

/* Recompute the requirements in force from the roots and the pins. */
static al_err compute(struct rs *r)
{
	bool changed;
	size_t i, k;
	al_err err;

	for (i = 0; i < r->npkgs; i++) {
		for (k = 0; k < r->pkgs[i].nextras; k++)
			al_free(r->pkgs[i].extras[k]);
		r->pkgs[i].nextras = 0;
	}
	do {
		changed = false;
		r->ncrits = 0;
		for (i = 0; i < r->npkgs; i++)
			r->pkgs[i].required = false;
		for (i = 0; i < r->nroots; i++) {
			bool yes;
			if ((err = applies(r, &r->roots[i], NULL, &yes)))
				return err;
			if (yes && (err = add_crit(r, &r->roots[i], -1, &changed)))
				return err;
		}
		for (i = 0; i < r->nlevels; i++) {
			struct level *l = &r->levels[i];
			struct pkg *p = &r->pkgs[l->pkg];
			struct rver *v = &p->vers[l->order[l->cur]];
			for (k = 0; k < v->ndeps; k++) {
				bool yes;
				if ((err = applies(r, &v->deps[k], p, &yes)))
					return err;
				if (yes && (err = add_crit(r, &v->deps[k], (long)i, &changed)))
					return err;
				p = &r->pkgs[r->levels[i].pkg]; /* add_crit may move pkgs */
			}
		}
	} while (changed);
	/* constraints apply to required projects only */
	for (i = 0; i < r->ncons; i++) {
		long pi = find_pkg(r, r->cons[i].norm_name);
		bool yes;
		if (pi < 0 || !r->pkgs[pi].required)
			continue;
		if ((err = applies(r, &r->cons[i], NULL, &yes)))
			return err;
		if (!yes)
			continue;
		if (AL_GROW(r->crits, r->acrits, r->ncrits + 1))
			return al_diag_set(r->d, AL_ENOMEM, "out of memory");
		r->crits[r->ncrits++] = (struct crit){ (size_t)pi, &r->cons[i], -2 };
	}
	return AL_OK;
}

static bool exact_pin(const struct al_requirement *req)
{
	size_t i;

	for (i = 0; i < req->spec.n; i++)
		if ((req->spec.specs[i].op == AL_OP_EQ && !req->spec.specs[i].wildcard) ||
		    req->spec.specs[i].op == AL_OP_ARBITRARY)
			return true;
	return false;
}

static bool version_fits(struct rs *r, size_t pi, const struct rver *v)
{
	size_t i;

	for (i = 0; i < r->ncrits; i++)
		if (r->crits[i].pkg == pi && !al_specset_contains(&r->crits[i].req->spec, &v->v, 1))
			return false;
	return true;
}

/* The viable versions of a project, best first. */
static al_err viable(struct rs *r, size_t pi, size_t **out, size_t *n, bool *used_yanked)
{
	struct pkg *p = &r->pkgs[pi];
	size_t *v = NULL, cnt = 0, i;
	bool allow_pre = r->o->prereleases, exact = false;
	int pass;

	*used_yanked = false;
	for (i = 0; i < r->ncrits; i++)
		if (r->crits[i].pkg == pi) {
			if (al_specset_prereleases(&r->crits[i].req->spec) == 1)
				allow_pre = true;
			if (exact_pin(r->crits[i].req))
				exact = true;
		}
	if (!(v = al_calloc(p->nvers + 1, sizeof(*v))))
		return al_diag_set(r->d, AL_ENOMEM, "out of memory");
	for (pass = 0; pass < 3 && !cnt; pass++) {
		bool pre = allow_pre || pass >= 1, yanked = pass == 2;
		if (pass == 2 && !exact)
			break;
		for (i = 0; i < p->nvers; i++) {
			const struct rver *rv = &p->vers[i];
			if (!rv->file || rv->bad || (rv->pre && !pre) || rv->yanked != yanked)
				continue;
			if (!version_fits(r, pi, rv))
				continue;
			v[cnt++] = i;
		}
		if (cnt && yanked)
			*used_yanked = true;
	}
	/* keep the previous lock's pin first when it still fits */
	if (p->prev)
		for (i = 0; i < cnt; i++)
			if (!strcmp(p->vers[v[i]].vstr, p->prev)) {
				size_t keep = v[i];
				memmove(v + 1, v, i * sizeof(*v));
				v[0] = keep;
				break;
			}
	*out = v;
	*n = cnt;
	return AL_OK;
}

/* ---- explanations ---------------------------------------------------------------- */

static void describe_parent(struct rs *r, long parent, struct al_buf *b)
{
	if (parent == -1)
		al_buf_addstr(b, "the manifest");
	else if (parent == -2)
		al_buf_addstr(b, "a constraint");
	else {
		const struct level *l = &r->levels[parent];
		al_buf_addf(b, "%s %s", r->pkgs[l->pkg].name, r->pkgs[l->pkg].vers[l->order[l->cur]].vstr);
	}
}

static void explain_pkg(struct rs *r, size_t pi, const char *headline)
{
	struct pkg *p = &r->pkgs[pi];
	struct al_buf b = AL_BUF_INIT;
	size_t i, shown = 0;

	if (r->why.len && r->nlevels < r->why_depth)
		return; /* keep the deepest explanation */
	al_buf_addf(&b, "cannot resolve the requirements for target %s:\n  %s\n",
	            r->o->target_name ? r->o->target_name : "?", headline);
	for (i = 0; i < r->ncrits; i++) {
		if (r->crits[i].pkg != pi)
			continue;
		al_buf_addf(&b, "    %s%s  (required by ", p->name,
		            r->crits[i].req->specifier ? r->crits[i].req->specifier : "");
		describe_parent(r, r->crits[i].parent, &b);
		al_buf_addstr(&b, ")\n");
	}
	if (p->missing) {
		al_buf_addf(&b, "  no index has a project named '%s'\n", p->name);
	} else if (!p->nvers) {
		al_buf_addf(&b, "  the index lists no distribution files for '%s'\n", p->name);
	} else {
		al_buf_addstr(&b, "  versions available:");
		for (i = 0; i < p->nvers && shown < 12; i++, shown++)
			al_buf_addf(&b, " %s", p->vers[i].vstr);
		if (p->nvers > 12)
			al_buf_addstr(&b, " ...");
		al_buf_addch(&b, '\n');
		shown = 0;
		for (i = 0; i < p->nvers && shown < 8; i++) {
			const struct rver *v = &p->vers[i];
			if (v->file && !v->bad && !v->yanked)
				continue;
			al_buf_addf(&b, "  skipped %s %s: %s\n", p->name, v->vstr,
			            v->bad || !v->file ? v->skip : "yanked");
			shown++;
		}
		if (!r->o->prereleases)
			for (i = 0; i < p->nvers; i++)
				if (p->vers[i].pre && p->vers[i].file) {
					al_buf_addstr(&b, "  (pre-releases are not considered unless a specifier "
					                  "names one or prereleases: true)\n");
					break;
				}
	}
	al_buf_release(&r->why);
	r->why = b;
	r->why_depth = r->nlevels;
}

/* ---- trying a candidate ---------------------------------------------------------- */

static al_err load_deps(struct rs *r, struct pkg *p, struct rver *v)
{
	const struct al_dist_meta *m = NULL;
	struct al_diag d2 = AL_DIAG_INIT;
	struct al_version mv = AL_VERSION_INIT;
	char *mname = NULL;
	size_t i;
	al_err err;

	v->tried_meta = true;
	err = r->p->metadata(r->p->ctx, p->name, v->file, &m, &d2);
	/* a transfer that failed, was corrupted (hash or size) or ran past a cap
	 * says nothing about the distribution: stop with its message rather than
	 * skip the version and end in "no solution" */
	if (err == AL_ENOMEM || err == AL_ENET || err == AL_EIO || err == AL_EHTTP ||
	    err == AL_EVERIFY || err == AL_ELIMIT) {
		*r->d = d2;
		return err;
	}
	if (err) {
		v->bad = true;
		snprintf(v->skip, sizeof(v->skip), "bad metadata: %.160s", d2.msg);
		return AL_OK;
	}
	mname = m->name ? al_name_normalize(m->name) : NULL;
	if (!mname || strcmp(mname, p->name) || !m->version ||
	    al_version_parse(&mv, m->version, NULL) || al_version_cmp(&mv, &v->v)) {
		v->bad = true;
		snprintf(v->skip, sizeof(v->skip), "its metadata names %.60s %.40s", m->name ? m->name : "?",
		         m->version ? m->version : "?");
		goto out;
	}
	if (!python_ok(r, m->requires_python)) {
		v->bad = true;
		snprintf(v->skip, sizeof(v->skip), "requires Python %.100s", m->requires_python);
		goto out;
	}
	if (m->sha256 && !(v->meta_sha256 = al_strdup(m->sha256))) {
		err = al_diag_set(r->d, AL_ENOMEM, "out of memory");
		goto out;
	}
	if (!(v->deps = al_calloc(m->nrequires_dist + 1, sizeof(*v->deps)))) {
		err = al_diag_set(r->d, AL_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < m->nrequires_dist; i++) {
		struct al_diag d3 = AL_DIAG_INIT;
		if (al_requirement_parse(&v->deps[v->ndeps], m->requires_dist[i], &d3)) {
			v->bad = true;
			snprintf(v->skip, sizeof(v->skip), "bad Requires-Dist '%.60s': %.80s",
			         m->requires_dist[i], d3.msg);
			goto out;
		}
		v->ndeps++;
		if (v->deps[v->ndeps - 1].url) {
			v->bad = true;
			snprintf(v->skip, sizeof(v->skip), "depends on a direct URL (%.60s)",
			         m->requires_dist[i]);
			goto out;
		}
	}
	err = AL_OK;
out:
	al_free(mname);
	al_version_release(&mv);
	return err;
}

/* Pin the current candidate of the top level; false (no error) when it
 * cannot stand. */
static al_err attempt(struct rs *r, bool *ok)
{
	struct level *l = &r->levels[r->nlevels - 1];
	struct pkg *p = &r->pkgs[l->pkg];
	struct rver *v = &p->vers[l->order[l->cur]];
	size_t i;
	al_err err;

	*ok = false;
	if (++r->steps > (r->o->max_steps ? r->o->max_steps : DEFAULT_MAX_STEPS))
		return al_diag_set(r->d, AL_ECONFLICT,
		                   "target %s: resolution gave up after %lu attempts; %s",
		                   r->o->target_name ? r->o->target_name : "?", r->steps - 1,
		                   r->why.len ? r->why.buf : "tighten the requirements");
	if (!v->tried_meta && (err = load_deps(r, p, v)))
		return err;
	if (v->bad)
		return AL_OK;
	p->pinned = (long)(r->nlevels - 1);
	if ((err = compute(r)))
		return err;
	/* every pin must still satisfy everything in force */
	for (i = 0; i < r->nlevels; i++) {
		struct level *li = &r->levels[i];
		struct rver *vi = &r->pkgs[li->pkg].vers[li->order[li->cur]];
		if (!version_fits(r, li->pkg, vi)) {
			char head[300];
			snprintf(head, sizeof(head), "%s %s, chosen earlier, conflicts with:",
			         r->pkgs[li->pkg].name, vi->vstr);
			explain_pkg(r, li->pkg, head);
			p->pinned = -1;
			return AL_OK;
		}
	}
	*ok = true;
	return AL_OK;
}

/* ---- the search -------------------------------------------------------------------- */

static al_err prefetch(struct rs *r)
{
	const char **names = NULL;
	size_t n = 0, i;

	if (!r->p->prefetch_projects)
		return AL_OK;
	if (!(names = al_calloc(r->npkgs + 1, sizeof(*names))))
		return al_diag_set(r->d, AL_ENOMEM, "out of memory");
	for (i = 0; i < r->npkgs; i++)
		if (r->pkgs[i].required && !r->pkgs[i].loaded)
			names[n++] = r->pkgs[i].name;
	if (n)
		r->p->prefetch_projects(r->p->ctx, names, n);
	al_free(names);
	return AL_OK;
}

/* Choose the next project; *pi = SIZE_MAX when everything required is pinned. */
static al_err choose(struct rs *r, size_t *pi, size_t **order, size_t *norder, bool *yanked)
{
	size_t i, best = SIZE_MAX, bestn = SIZE_MAX, *bestv = NULL;
	bool besty = false;
	al_err err;

	const char **tnames = NULL;
	const struct al_simple_file **tfiles = NULL;
	size_t ntops = 0;

	*pi = SIZE_MAX;
	*order = NULL;
	*norder = 0;
	if ((err = prefetch(r)))
		return err;
	if (!(tnames = al_calloc(r->npkgs + 1, sizeof(*tnames))) ||
	    !(tfiles = al_calloc(r->npkgs + 1, sizeof(*tfiles)))) {
		err = al_diag_set(r->d, AL_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < r->npkgs; i++) {
		struct pkg *p = &r->pkgs[i];
		size_t *v = NULL, n = 0;
		bool y = false;
		if (!p->required || p->pinned >= 0)
			continue;
		if (!p->loaded && (err = load_pkg(r, p)))
			goto fail;
		p = &r->pkgs[i];
		if ((err = viable(r, i, &v, &n, &y)))
			goto fail;
		if (n && !p->vers[v[0]].tried_meta && ntops < r->npkgs) {
			tnames[ntops] = p->name;
			tfiles[ntops++] = p->vers[v[0]].file;
		}
		if (n < bestn || (n == bestn && strcmp(p->name, r->pkgs[best].name) < 0)) {
			al_free(bestv);
			best = i;
			bestn = n;
			bestv = v;
			besty = y;
		} else {
			al_free(v);
		}
	}
	/* the newest candidate of every open project: fetch their metadata at once */
	if (ntops && r->p->prefetch_metadata)
		r->p->prefetch_metadata(r->p->ctx, tnames, tfiles, ntops);
	al_free(tnames);
	al_free(tfiles);
	*pi = best;
	*order = bestv;
	*norder = bestn == SIZE_MAX ? 0 : bestn;
	*yanked = besty;
	return AL_OK;
fail:
	al_free(tnames);
	al_free(tfiles);
	al_free(bestv);
	return err;
}

static al_err push_level(struct rs *r, size_t pi, size_t *order, size_t n)
{
	if (AL_GROW(r->levels, r->alevels, r->nlevels + 1)) {
		al_free(order);
		return al_diag_set(r->d, AL_ENOMEM, "out of memory");
	}
	r->levels[r->nlevels++] = (struct level){ pi, order, n, 0 };
	return AL_OK;
}

static void pop_level(struct rs *r)
{
	struct level *l = &r->levels[--r->nlevels];

	r->pkgs[l->pkg].pinned = -1;
	al_free(l->order);
}

static al_err search(struct rs *r)
{
	al_err err;
	bool ok;

	if ((err = compute(r)))
		return err;
	for (;;) {
		size_t pi, *order, n;
		bool yanked;

		if ((err = choose(r, &pi, &order, &n, &yanked)))
			return err;
		if (pi == SIZE_MAX)
			return AL_OK; /* everything required is pinned */
		if (n == 0) {
			char head[200];
			al_free(order);
			snprintf(head, sizeof(head), "no version of %s satisfies all of:", r->pkgs[pi].name);
			explain_pkg(r, pi, head);
			goto backtrack;
		}
		if (yanked && r->o->warn) {
			char msg[300];
			snprintf(msg, sizeof(msg), "target %s: %s %s is yanked%s%s, but pinned exactly and "
			         "nothing else fits",
			         r->o->target_name ? r->o->target_name : "?", r->pkgs[pi].name,
			         r->pkgs[pi].vers[order[0]].vstr,
			         r->pkgs[pi].vers[order[0]].file->yanked_reason ? ": " : "",
			         r->pkgs[pi].vers[order[0]].file->yanked_reason
			                 ? r->pkgs[pi].vers[order[0]].file->yanked_reason
			                 : "");
			r->o->warn(r->o->warn_ctx, msg);
		}
		if ((err = push_level(r, pi, order, n)))
			return err;
	try_level:
		for (;;) {
			struct level *l = &r->levels[r->nlevels - 1];
			if (l->cur >= l->norder)
				break;
			if ((err = attempt(r, &ok)))
				return err;
			if (ok)
				goto next;
			l = &r->levels[r->nlevels - 1];
			l->cur++;
		}
		pop_level(r);
	backtrack:
		if (!r->nlevels) {
			if (!r->why.len)
				al_buf_addstr(&r->why, "no solution");
			return al_diag_set(r->d, AL_ECONFLICT, "%s", r->why.buf);
		}
		r->pkgs[r->levels[r->nlevels - 1].pkg].pinned = -1;
		r->levels[r->nlevels - 1].cur++;
		if ((err = compute(r)))
			return err;
		goto try_level;
	next:;
	}
}

/* ---- speculation -------------------------------------------------------------------- */

/* A requirement worth a page before the search asks: its marker holds for
 * the target without extras. Those of extras and of other platforms are
 * left to the search, which asks when (if ever) it needs them. */
static bool want_req(void *ctx, const char *s)
{
	struct rs *r = ctx;
	struct al_requirement req = AL_REQUIREMENT_INIT;
	bool yes = false;

	if (al_requirement_parse(&req, s, NULL) != AL_OK ||
	    al_requirement_applies(&req, &r->env, NULL, 0, &yes, NULL) != AL_OK)
		yes = false;
	al_requirement_release(&req);
	return yes;
}

/* The file the search would most likely try first for a project: the
 * newest final version with a usable file for the target. */
static const struct al_simple_file *pick_first(void *ctx, const char *name,
                                               const struct al_simple_page *page,
                                               const char *const *hints, size_t nhints)
{
	struct rs *r = ctx;
	const struct al_simple_file *best = NULL;
	struct al_version bestv = AL_VERSION_INIT;
	struct al_requirement *reqs = NULL;
	int bestrank = INT32_MAX;
	size_t i, k, nreqs = 0;

	/* the specifiers already seen for the project narrow the guess */
	if (nhints && (reqs = al_calloc(nhints, sizeof(*reqs))))
		for (i = 0; i < nhints; i++)
			if (al_requirement_parse(&reqs[nreqs], hints[i], NULL) == AL_OK)
				nreqs++;

	for (i = 0; i < page->nfiles; i++) {
		const struct al_simple_file *f = &page->files[i];
		struct al_wheelname wn = AL_WHEELNAME_INIT;
		struct al_version v = AL_VERSION_INIT;
		int rank, c;

		if (f->yanked || f->bad_hash || !python_ok(r, f->requires_python) ||
		    al_wheelname_parse(&wn, f->filename, NULL))
			goto next;
		rank = al_tagset_best_rank(r->ts, wn.py, wn.abi, wn.plat);
		if (rank < 0 || strcmp(wn.normalized, name) || al_version_parse(&v, wn.version, NULL) ||
		    (al_version_is_prerelease(&v) && !r->o->prereleases))
			goto next;
		for (k = 0; k < nreqs; k++)
			if (!al_specset_contains(&reqs[k].spec, &v, 1))
				goto next;
		c = best ? al_version_cmp(&v, &bestv) : 1;
		if (c > 0 || (c == 0 && rank < bestrank)) {
			al_version_release(&bestv);
			bestv = v;
			memset(&v, 0, sizeof(v));
			best = f;
			bestrank = rank;
		}
	next:
		al_version_release(&v);
		al_wheelname_release(&wn);
	}
	al_version_release(&bestv);
	for (k = 0; k < nreqs; k++)
		al_requirement_release(&reqs[k]);
	al_free(reqs);
	return best;
}

/* ---- output ------------------------------------------------------------------------- */

static al_err fill_out(struct rs *r, struct al_lock_target *out)
{
	size_t i, k;

	if (!(out->dists = al_calloc(r->nlevels + 1, sizeof(*out->dists))))
		return al_diag_set(r->d, AL_ENOMEM, "out of memory");
	for (i = 0; i < r->nlevels; i++) {
		struct level *l = &r->levels[i];
		struct pkg *p = &r->pkgs[l->pkg];
		struct rver *v = &p->vers[l->order[l->cur]];
		struct al_lock_dist *x = &out->dists[out->ndists++];
		size_t alloc = 0;
		const char *rp = v->file->requires_python;
		al_err perr = rp ? al_lock_requires_python_check(rp) : AL_OK;

		/* a Requires-Python pip ignores (not a specifier set) is left out:
		 * media would refuse the lock (lib/lockcheck.c) */
		if (perr == AL_ENOMEM)
			return al_diag_set(r->d, AL_ENOMEM, "out of memory");
		if (perr)
			rp = NULL;
		if (!(x->name = al_strdup(p->name)) || !(x->version = al_strdup(v->vstr)) ||
		    !(x->filename = al_strdup(v->file->filename)) || !(x->url = al_strdup(v->file->url)) ||
		    (v->file->sha256 && !(x->sha256 = al_strdup(v->file->sha256))) ||
		    (rp && !(x->requires_python = al_strdup(rp))) ||
		    (v->meta_sha256 && !(x->metadata_sha256 = al_strdup(v->meta_sha256))))
			return al_diag_set(r->d, AL_ENOMEM, "out of memory");
		x->size = v->file->size >= 0 ? v->file->size : AL_SIZE_UNKNOWN;
		for (k = 0; k < r->ncrits; k++) {
			const char *who;
			size_t j;
			bool dup = false;
			if (r->crits[k].pkg != l->pkg || r->crits[k].parent == -2)
				continue;
			who = r->crits[k].parent == -1 ? "-" : r->pkgs[r->levels[r->crits[k].parent].pkg].name;
			for (j = 0; j < x->nrequired_by; j++)
				dup |= !strcmp(x->required_by[j], who);
			if (dup)
				continue;
			if (AL_GROW(x->required_by, alloc, x->nrequired_by + 1) ||
			    !(x->required_by[x->nrequired_by] = al_strdup(who)))
				return al_diag_set(r->d, AL_ENOMEM, "out of memory");
			x->nrequired_by++;
		}
	}
	return AL_OK;
}

static al_err parse_reqs(struct rs *r, const char *const *in, size_t n, struct al_requirement **out,
                         size_t *nout, const char *what)
{
	size_t i;

	if (!(*out = al_calloc(n + 1, sizeof(**out))))
		return al_diag_set(r->d, AL_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if (al_requirement_parse(&(*out)[i], in[i], r->d))
			return al_diag_prefix(r->d, "%s '%s': ", what, in[i]);
		(*nout)++;
		if ((*out)[i].url)
			return al_diag_set(r->d, AL_EUNSUPPORTED, "%s '%s': direct URL requirements cannot "
			                   "be mirrored; name a version from the index instead", what, in[i]);
	}
	return AL_OK;
}

al_err al_resolve(const struct al_provider *p, const struct al_resolve_opts *o,
                  struct al_lock_target *out, struct al_diag *d)
{
	struct rs r = { .p = p, .o = o, .d = d };
	al_err err;
	size_t i, k;

	al_buf_init(&r.why);
	if ((err = al_target_marker_env(o->target, &r.tenv, d)))
		goto out;
	al_target_env_marker(&r.tenv, &r.env);
	if ((err = al_tagset_new(&r.ts, o->target, d)))
		goto out;
	if ((err = al_version_parse(&r.pyver, r.tenv.python_full_version, d)))
		goto out;
	if ((err = parse_reqs(&r, o->requirements, o->nrequirements, &r.roots, &r.nroots,
	                      "requirement")) ||
	    (err = parse_reqs(&r, o->constraints, o->nconstraints, &r.cons, &r.ncons, "constraint")))
		goto out;
	if (p->speculate)
		p->speculate(p->ctx, pick_first, want_req, &r);
	err = search(&r);
	if (p->speculate)
		p->speculate(p->ctx, NULL, NULL, NULL);
	if (err)
		goto out;
	err = fill_out(&r, out);
	if (!err)
		al_lock_sort(&(struct al_lock){ .targets = out, .ntargets = 1 });
out:
	while (r.nlevels)
		pop_level(&r);
	al_free(r.levels);
	for (i = 0; i < r.npkgs; i++) {
		struct pkg *pk = &r.pkgs[i];
		for (k = 0; k < pk->nvers; k++) {
			size_t j;
			al_version_release(&pk->vers[k].v);
			al_free(pk->vers[k].vstr);
			for (j = 0; j < pk->vers[k].ndeps; j++)
				al_requirement_release(&pk->vers[k].deps[j]);
			al_free(pk->vers[k].deps);
			al_free(pk->vers[k].meta_sha256);
		}
		al_free(pk->vers);
		for (k = 0; k < pk->nextras; k++)
			al_free(pk->extras[k]);
		al_free(pk->extras);
		al_free(pk->name);
	}
	al_free(r.pkgs);
	for (i = 0; i < r.nroots; i++)
		al_requirement_release(&r.roots[i]);
	al_free(r.roots);
	for (i = 0; i < r.ncons; i++)
		al_requirement_release(&r.cons[i]);
	al_free(r.cons);
	al_free(r.crits);
	al_tagset_free(r.ts);
	al_version_release(&r.pyver);
	al_buf_release(&r.why);
	return err;
}
