/*
 * resolve.c: the resolver for one target (docs/reference/lock.md). It is pip's: the
 * algorithm of resolvelib 1.2 (pip's vendored resolver) with the
 * preferences of pip's provider, so that a lock pins what pip would
 * install.
 *
 * A state is the ordered list of pins and, for every project some
 * requirement names, its criterion: the requirements on it with who made
 * them (the manifest or a pinned candidate), the versions known not to
 * work, and the versions that match (newest first). Each round takes the
 * projects whose pin is missing or no longer satisfies their criterion,
 * narrows them to the causes of the last backtrack (pip's
 * narrow_requirement_selection), picks the most preferred (pip's
 * get_preference: pinned with ==, then upper-bounded, then the order the
 * manifest names them, then any specifier, then the name) and pins its
 * first candidate whose own requirements leave every project some
 * matching version. A pin does not have to satisfy requirements that come
 * later: the project is simply pinned again (this is how a pre-release a
 * later requirement allows replaces a final release chosen before). When
 * no candidate works, the resolver back-jumps to the pin that introduced
 * the conflict and marks it incompatible (optimistically first, as
 * resolvelib 1.2 does, then safely). The number of rounds is capped, so
 * hard cases end with a clear error instead of running forever.
 *
 * A version is a candidate when it satisfies every specifier on it, has a
 * file for the target (the best-ranked compatible wheel, or an sdist where
 * allowed) whose Requires-Python accepts the target Python, and is not
 * yanked (unless pinned exactly and nothing else fits, as pip does).
 * pip's format control (--no-binary, --only-binary) decides which kinds of
 * file count, --prefer-binary puts versions with a wheel first, and in
 * hash-checking mode only a file whose sha256 is required may be chosen.
 * Pre-releases count when asked for, when a specifier on the project names
 * one, or when no final release matches (PEP 440, packaging 26).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "pypa/names.h"
#include "pypa/pep440.h"
#include "pypa/pep508.h"
#include "pypa/wheelname.h"
#include "resolve/resolve.h"
#include "spec/lock.h"
#include "spec/lockcheck.h"

#define DEFAULT_MAX_STEPS 200000 /* rounds: pip's limit */

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
	bool sdist;                      /* file is an sdist */
	bool hash_rejected;              /* a usable file was refused: its sha256 is not required */
	char skip[200];                  /* why no file, for messages */
	bool tagmiss;                    /* no file because no wheel has a tag of the target */
	bool metabad;                    /* bad: the metadata could not be read or parsed */
	bool has_sdist;
	size_t *wheels;                  /* indices of its wheels in the project's page */
	size_t nwheels, awheels;
	/* filled on first attempt */
	bool tried_meta;
	bool bad;                        /* unusable: skip[] says why */
	struct al_requirement *deps;
	size_t ndeps;
	char *meta_sha256;
};

/* One requirement on a project and who made it (resolvelib's
 * RequirementInformation). */
struct info {
	const struct al_requirement *req;
	long parent;                     /* a candidate (index into rs.cands), -1: the manifest */
};

struct pkg {
	char *name;                      /* normalized */
	bool loaded, missing;
	char *missing_why;               /* the provider's message when missing */
	struct rver *vers;               /* newest first */
	size_t nvers;
	const struct al_simple_page *page; /* owned by the provider */
	struct info via;                 /* the first requirement seen on it (for messages) */
	bool has_via;
	const char *prev;                /* version in the previous lock */
	bool upgrade;
	const struct al_resolve_hashes *hashes; /* hash-checking mode, or NULL */
	long user_order;                 /* index of the first manifest requirement naming it, or -1 */
	unsigned conflicts;              /* times named by a backtrack cause while unpinned */
	bool promoted;                   /* conflicts reached the threshold */
	bool seen;                       /* scratch */
};

/* A version of a project with the extras asked of it (pip's candidate). */
struct cand {
	size_t pkg, ver;
	char **extras;                   /* normalized, sorted */
	size_t nextras;
	const struct al_requirement **deps; /* its Requires-Dist that apply */
	size_t ndeps;
	bool deps_done;
};

/* A project's criterion; shared between states, never changed once made. */
struct crit {
	unsigned refs;
	struct info *infos;
	size_t ninfos;
	size_t *incompat;                /* versions known not to work */
	size_t nincompat;
	size_t *cands;                   /* matching versions, best first */
	size_t ncands;
};

struct state {
	size_t *map;                     /* pinned candidates, in the order pinned */
	size_t nmap, amap;
	struct crit **crits;             /* by project; NULL: no requirement names it */
	size_t ncrits;
	struct info *causes;             /* of the last backtrack */
	size_t ncauses;
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
	struct cand *cands;
	size_t ncands, acands;
	struct state *states;
	size_t nstates, astates;
	struct state *saved;             /* for a rollback of optimistic back-jumping */
	size_t nsaved;
	bool optimistic;
	unsigned long rounds;
};

#define CONFLICT_PRIORITY_THRESHOLD 5
#define OPTIMISTIC_BACKJUMPING_RATIO 0.1

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
		return al_oom(r->d);
	p = &r->pkgs[r->npkgs];
	memset(p, 0, sizeof(*p));
	p->user_order = -1;
	if (!(p->name = al_strdup(name)))
		return al_oom(r->d);
	p->upgrade = r->o->upgrade_all || in_list(r->o->upgrade, r->o->nupgrade, name);
	for (k = 0; k < r->o->nhashes; k++)
		if (!strcmp(r->o->hashes[k].name, name))
			p->hashes = &r->o->hashes[k];
	if (r->o->previous && !p->upgrade)
		for (k = 0; k < r->o->previous->ndists; k++)
			if (!strcmp(r->o->previous->dists[k].name, name))
				p->prev = r->o->previous->dists[k].version;
	*out = r->npkgs++;
	return AL_OK;
}

/* pip's FormatControl.get_allowed_formats: a name beats ":all:", and
 * only-binary beats no-binary. */
#define FMT_BINARY 1
#define FMT_SOURCE 2
static int formats(struct rs *r, const char *name)
{
	const struct al_resolve_opts *o = r->o;

	if (in_list(o->only_binary, o->nonly_binary, name))
		return FMT_BINARY;
	if (in_list(o->no_binary, o->nno_binary, name))
		return FMT_SOURCE;
	if (in_list(o->only_binary, o->nonly_binary, ":all:"))
		return FMT_BINARY;
	if (in_list(o->no_binary, o->nno_binary, ":all:"))
		return FMT_SOURCE;
	return FMT_BINARY | FMT_SOURCE;
}

/* An sdist needs allow-sdist, unless the project's wheels are refused
 * (--no-binary), which asks for its sdist. */
static bool sdist_allowed(struct rs *r, const char *name)
{
	int f = formats(r, name);

	if (!(f & FMT_SOURCE))
		return false;
	return !(f & FMT_BINARY) || in_list(r->o->allow_sdist, r->o->nallow_sdist, name) ||
	       in_list(r->o->allow_sdist, r->o->nallow_sdist, ":all:");
}

/* Is f's sha256 among the required ones? A file without a sha256 from the
 * index passes here; the locker checks it once downloaded. */
static bool hash_ok(const struct al_resolve_hashes *h, const struct al_simple_file *f)
{
	if (!h || !f->sha256)
		return true;
	return in_list(h->sha256, h->n, f->sha256);
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

/* Group a project's files by version and choose each version's file.
 * Over 80 lines: a project's page in one pass: its files
 * grouped by version, each version's best file for the target chosen and
 * the reason for every skipped one kept for the explanation.
 */
static al_err load_pkg(struct rs *r, struct pkg *p)
{
	const struct al_simple_page *page = NULL;
	struct al_diag d2 = AL_DIAG_INIT;
	size_t i, lo, hi, alloc = 0, aorder = 0;
	size_t *order = NULL;            /* indices into p->vers, by version */
	al_err err;

	p->loaded = true;
	err = r->p->project(r->p->ctx, p->name, &page, &d2);
	if (err == AL_ENOTFOUND) {
		p->missing = true;
		/* the index client says why (a pin, a 403 taken as "not here") */
		if (d2.msg[0] && !(p->missing_why = al_strdup(d2.msg)))
			return al_oom(r->d);
		return AL_OK;
	}
	if (err) {
		*r->d = d2;
		return err;
	}
	p->page = page;
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
		/* the files of one version usually come together: try the last
		 * first, then search the versions seen, kept sorted in order[]
		 * (a page of thousands of versions is not searched end to end
		 * for each of them) */
		if (p->nvers && !al_version_cmp(&p->vers[p->nvers - 1].v, &v))
			rv = &p->vers[p->nvers - 1];
		lo = 0;
		for (hi = p->nvers; !rv && lo < hi;) {
			size_t mid = lo + (hi - lo) / 2;
			int c = al_version_cmp(&p->vers[order[mid]].v, &v);
			if (!c)
				rv = &p->vers[order[mid]];
			else if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!rv) {
			struct al_buf s = AL_BUF_INIT;
			if (AL_GROW(p->vers, alloc, p->nvers + 1) ||
			    AL_GROW(order, aorder, p->nvers + 1) || al_version_str(&v, &s)) {
				al_buf_release(&s);
				al_wheelname_release(&wn);
				al_sdistname_release(&sn);
				al_version_release(&v);
				al_free(order);
				return al_oom(r->d);
			}
			memmove(order + lo + 1, order + lo, (p->nvers - lo) * sizeof(*order));
			order[lo] = p->nvers;
			rv = &p->vers[p->nvers++];
			memset(rv, 0, sizeof(*rv));
			rv->v = v;
			memset(&v, 0, sizeof(v));
			rv->vstr = al_buf_detach(&s, NULL);
			rv->pre = al_version_is_prerelease(&rv->v);
			snprintf(rv->skip, sizeof(rv->skip), "no file for this target's tags");
			rv->tagmiss = true;
		}
		al_version_release(&v);
		if (sdist) {
			rv->has_sdist = true;
		} else if (AL_GROW(rv->wheels, rv->awheels, rv->nwheels + 1)) {
			al_wheelname_release(&wn);
			al_sdistname_release(&sn);
			al_free(order);
			return al_oom(r->d);
		} else {
			rv->wheels[rv->nwheels++] = i;
		}
		/* choose: a usable, non-yanked file first; lower tag rank, then higher build */
		if (f->bad_hash) {
			snprintf(rv->skip, sizeof(rv->skip), "the index gave a malformed sha256");
			rv->tagmiss = false;
		} else if (!python_ok(r, f->requires_python)) {
			snprintf(rv->skip, sizeof(rv->skip), "requires Python %.100s", f->requires_python);
			rv->tagmiss = false;
		} else if (sdist && !sdist_allowed(r, p->name)) {
			if (!rv->file)
				snprintf(rv->skip, sizeof(rv->skip), "%s",
				         formats(r, p->name) & FMT_SOURCE
				                 ? "only an sdist (add the project to allow-sdist)"
				                 : "only an sdist, and --only-binary refuses sdists");
		} else if (!sdist && !(formats(r, p->name) & FMT_BINARY)) {
			if (!rv->file) {
				snprintf(rv->skip, sizeof(rv->skip), "--no-binary refuses its wheels");
				rv->tagmiss = false;
			}
		} else if (!sdist && rank < 0) {
			/* keep the default reason */
		} else if (!hash_ok(p->hashes, f)) {
			rv->hash_rejected = true;
			if (!rv->file) {
				snprintf(rv->skip, sizeof(rv->skip),
				         "no file with a sha256 among the hashes required on %.100s",
				         p->hashes->origin);
				rv->tagmiss = false;
			}
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
				rv->sdist = sdist;
			}
		}
		al_wheelname_release(&wn);
		al_sdistname_release(&sn);
	}
	/* newest first: order[] already holds the versions in ascending order,
	 * each once, so thousands of large entries need no sort */
	if (p->nvers > 1) {
		struct rver *sorted = al_reallocarray(NULL, p->nvers, sizeof(*sorted));
		if (!sorted) {
			al_free(order);
			return al_oom(r->d);
		}
		for (i = 0; i < p->nvers; i++)
			sorted[i] = p->vers[order[p->nvers - 1 - i]];
		al_free(p->vers);
		p->vers = sorted;
	}
	al_free(order);
	return AL_OK;
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
		snprintf(v->skip, sizeof(v->skip), "metadata unusable: %.170s", d2.msg);
		v->metabad = true;
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
		err = al_oom(r->d);
		goto out;
	}
	if (!(v->deps = al_calloc(m->nrequires_dist + 1, sizeof(*v->deps)))) {
		err = al_oom(r->d);
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

/* ---- criteria ------------------------------------------------------------------ */

static void crit_unref(struct crit *c)
{
	if (!c || --c->refs)
		return;
	al_free(c->infos);
	al_free(c->incompat);
	al_free(c->cands);
	al_free(c);
}

static bool exact_pin(const struct al_specset *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if ((set->specs[i].op == AL_OP_EQ && !set->specs[i].wildcard) ||
		    set->specs[i].op == AL_OP_ARBITRARY)
			return true;
	return false;
}

static bool in_sizes(const size_t *v, size_t n, size_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Does a constraint apply to the project (its name, and its marker for the
 * target)? */
static bool constraint_on(struct rs *r, size_t i, size_t pi)
{
	bool yes = false;

	if (strcmp(r->cons[i].norm_name, r->pkgs[pi].name))
		return false;
	if (al_requirement_applies(&r->cons[i], &r->env, NULL, 0, &yes, NULL))
		return false;
	return yes;
}

/* pip's find_matches: the versions that satisfy every requirement and the
 * constraints, that have a file for the target and are not known to be
 * unusable or incompatible, best first. */
static al_err find_matches(struct rs *r, size_t pi, const struct info *infos, size_t ninfos,
                           const size_t *incompat, size_t nincompat, size_t **out, size_t *nout)
{
	struct pkg *p = &r->pkgs[pi];
	size_t *v = NULL, n = 0, i, k;
	bool allow_pre = r->o->prereleases, pinned = false, found_final = false, all_yanked = true;
	al_err err;

	*out = NULL;
	*nout = 0;
	if (!p->loaded && (err = load_pkg(r, p)))
		return err;
	p = &r->pkgs[pi];
	if (!ninfos || !p->nvers)
		return AL_OK;
	for (i = 0; i < ninfos; i++) {
		if (al_specset_prereleases(&infos[i].req->spec) == 1)
			allow_pre = true;
		pinned |= exact_pin(&infos[i].req->spec);
	}
	for (i = 0; i < r->ncons; i++)
		if (constraint_on(r, i, pi)) {
			if (al_specset_prereleases(&r->cons[i].spec) == 1)
				allow_pre = true;
			pinned |= exact_pin(&r->cons[i].spec);
		}
	if (!(v = al_calloc(p->nvers + 1, sizeof(*v))))
		return al_oom(r->d);
	/* the versions with a file that match (SpecifierSet.filter with
	 * prereleases=True), then packaging's pre-release rule over them */
	for (i = 0; i < p->nvers; i++) {
		const struct rver *rv = &p->vers[i];
		bool fits = rv->file != NULL;
		for (k = 0; fits && k < ninfos; k++)
			fits = al_specset_contains(&infos[k].req->spec, &rv->v, 1);
		for (k = 0; fits && k < r->ncons; k++)
			if (constraint_on(r, k, pi))
				fits = al_specset_contains(&r->cons[k].spec, &rv->v, 1);
		if (!fits)
			continue;
		v[n++] = i;
		found_final |= !rv->pre;
	}
	if (!allow_pre && found_final) {
		for (i = k = 0; i < n; i++)
			if (!p->vers[v[i]].pre)
				v[k++] = v[i];
		n = k;
	}
	/* PEP 592: yanked files only when the pin can be met by nothing else */
	for (i = 0; i < n; i++)
		all_yanked &= p->vers[v[i]].yanked;
	for (i = k = 0; i < n; i++) {
		const struct rver *rv = &p->vers[v[i]];
		if ((rv->yanked && !(all_yanked && pinned)) || rv->bad ||
		    in_sizes(incompat, nincompat, v[i]))
			continue;
		v[k++] = v[i];
	}
	n = k;
	/* --prefer-binary: every version with a wheel before the sdist-only ones
	 * (pip's binary_preference leads its sort key) */
	if (r->o->prefer_binary) {
		size_t w = 0;
		for (i = 0; i < n; i++)
			if (!p->vers[v[i]].sdist) {
				size_t keep = v[i];
				memmove(v + w + 1, v + w, (i - w) * sizeof(*v));
				v[w++] = keep;
			}
	}
	/* the previous lock's pin first while it still fits (pip's installed version) */
	if (p->prev)
		for (i = 0; i < n; i++)
			if (!strcmp(p->vers[v[i]].vstr, p->prev)) {
				size_t keep = v[i];
				memmove(v + 1, v, i * sizeof(*v));
				v[0] = keep;
				break;
			}
	*out = v;
	*nout = n;
	return AL_OK;
}

/* A new criterion: infos (plus one more when extra is not NULL) and the
 * incompatibilities; its matches are computed now. */
static al_err crit_new(struct rs *r, size_t pi, const struct info *infos, size_t ninfos,
                       const struct info *extra, const size_t *incompat, size_t nincompat,
                       struct crit **out)
{
	struct crit *c = al_calloc(1, sizeof(*c));
	al_err err;

	*out = NULL;
	if (!c)
		return al_oom(r->d);
	c->refs = 1;
	if (!(c->infos = al_calloc(ninfos + 2, sizeof(*c->infos))) ||
	    !(c->incompat = al_calloc(nincompat + 1, sizeof(*c->incompat)))) {
		crit_unref(c);
		return al_oom(r->d);
	}
	if (ninfos)
		memcpy(c->infos, infos, ninfos * sizeof(*infos));
	c->ninfos = ninfos;
	if (extra)
		c->infos[c->ninfos++] = *extra;
	if (nincompat)
		memcpy(c->incompat, incompat, nincompat * sizeof(*incompat));
	c->nincompat = nincompat;
	if ((err = find_matches(r, pi, c->infos, c->ninfos, c->incompat, c->nincompat, &c->cands,
	                        &c->ncands))) {
		crit_unref(c);
		return err;
	}
	*out = c;
	return AL_OK;
}

/* ---- states ------------------------------------------------------------------------ */

static struct crit *st_crit(const struct state *s, size_t pi)
{
	return pi < s->ncrits ? s->crits[pi] : NULL;
}

static void state_release(struct state *s)
{
	size_t i;

	for (i = 0; i < s->ncrits; i++)
		crit_unref(s->crits[i]);
	al_free(s->crits);
	al_free(s->map);
	al_free(s->causes);
	memset(s, 0, sizeof(*s));
}

static al_err state_copy(struct rs *r, const struct state *src, struct state *dst)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	if (!(dst->crits = al_calloc(r->npkgs + 1, sizeof(*dst->crits))) ||
	    !(dst->map = al_calloc(src->nmap + 1, sizeof(*dst->map))) ||
	    !(dst->causes = al_calloc(src->ncauses + 1, sizeof(*dst->causes)))) {
		state_release(dst);
		return al_oom(r->d);
	}
	dst->ncrits = r->npkgs;
	for (i = 0; i < src->ncrits && i < r->npkgs; i++)
		if ((dst->crits[i] = src->crits[i]))
			dst->crits[i]->refs++;
	if (src->nmap)
		memcpy(dst->map, src->map, src->nmap * sizeof(*dst->map));
	dst->nmap = src->nmap;
	dst->amap = src->nmap + 1;
	if (src->ncauses)
		memcpy(dst->causes, src->causes, src->ncauses * sizeof(*dst->causes));
	dst->ncauses = src->ncauses;
	return AL_OK;
}

/* Put c (a reference the state takes over) as project pi's criterion. */
static al_err state_set(struct rs *r, struct state *s, size_t pi, struct crit *c)
{
	if (pi >= s->ncrits) {
		struct crit **n = al_reallocarray(s->crits, r->npkgs + 1, sizeof(*n));
		if (!n) {
			crit_unref(c);
			return al_oom(r->d);
		}
		memset(n + s->ncrits, 0, (r->npkgs + 1 - s->ncrits) * sizeof(*n));
		s->crits = n;
		s->ncrits = r->npkgs;
	}
	crit_unref(s->crits[pi]);
	s->crits[pi] = c;
	return AL_OK;
}

static long pin_of(const struct rs *r, const struct state *s, size_t pi)
{
	size_t i;

	for (i = 0; i < s->nmap; i++)
		if (r->cands[s->map[i]].pkg == pi)
			return (long)s->map[i];
	return -1;
}

static bool has_str(char *const *v, size_t n, const char *s)
{
	return in_list((const char *const *)v, n, s);
}

/* Does the project's current pin satisfy its criterion (versions, and the
 * extras asked of it)? */
static bool pin_satisfying(struct rs *r, const struct state *s, size_t pi)
{
	const struct crit *c = st_crit(s, pi);
	long ci = pin_of(r, s, pi);
	const struct cand *cd;
	size_t i, k;

	if (ci < 0 || !c)
		return false;
	cd = &r->cands[ci];
	for (i = 0; i < c->ninfos; i++) {
		const struct al_requirement *q = c->infos[i].req;
		if (!al_specset_contains(&q->spec, &r->pkgs[pi].vers[cd->ver].v, 1))
			return false;
		for (k = 0; k < q->nextras; k++) {
			char *e = al_name_normalize(q->extras[k]);
			bool have = e && has_str(cd->extras, cd->nextras, e);
			al_free(e);
			if (!have)
				return false;
		}
	}
	return true;
}

static al_err push_state(struct rs *r)
{
	if (AL_GROW(r->states, r->astates, r->nstates + 1))
		return al_oom(r->d);
	if (r->nstates == 0) {
		memset(&r->states[0], 0, sizeof(r->states[0]));
		r->nstates = 1;
		return AL_OK;
	}
	if (state_copy(r, &r->states[r->nstates - 1], &r->states[r->nstates]))
		return r->d->code;
	r->nstates++;
	return AL_OK;
}

static struct state *top(struct rs *r)
{
	return &r->states[r->nstates - 1];
}

/* ---- candidates ------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The candidate for a version with the extras every requirement in c asks. */
static al_err cand_get(struct rs *r, size_t pi, size_t ver, const struct crit *c, size_t *out)
{
	char **ex = NULL;
	size_t nex = 0, aex = 0, i, k;
	struct cand *cd;

	for (i = 0; i < c->ninfos; i++)
		for (k = 0; k < c->infos[i].req->nextras; k++) {
			char *e = al_name_normalize(c->infos[i].req->extras[k]);
			if (!e || (!has_str(ex, nex, e) && AL_GROW(ex, aex, nex + 1))) {
				al_free(e);
				al_strv_free(ex, nex);
				return al_oom(r->d);
			}
			if (has_str(ex, nex, e))
				al_free(e);
			else
				ex[nex++] = e;
		}
	if (nex > 1)
		qsort(ex, nex, sizeof(*ex), cmp_str);
	for (i = 0; i < r->ncands; i++) {
		cd = &r->cands[i];
		if (cd->pkg != pi || cd->ver != ver || cd->nextras != nex)
			continue;
		for (k = 0; k < nex && !strcmp(ex[k], cd->extras[k]); k++)
			;
		if (k == nex) {
			al_strv_free(ex, nex);
			*out = i;
			return AL_OK;
		}
	}
	if (AL_GROW(r->cands, r->acands, r->ncands + 1)) {
		al_strv_free(ex, nex);
		return al_oom(r->d);
	}
	cd = &r->cands[r->ncands];
	memset(cd, 0, sizeof(*cd));
	cd->pkg = pi;
	cd->ver = ver;
	cd->extras = ex;
	cd->nextras = nex;
	*out = r->ncands++;
	return AL_OK;
}

/* pip's get_dependencies: the Requires-Dist whose markers hold for the
 * target and the candidate's extras. The version's metadata is loaded. */
static al_err cand_deps(struct rs *r, size_t ci)
{
	struct cand *cd = &r->cands[ci];
	const struct rver *v = &r->pkgs[cd->pkg].vers[cd->ver];
	size_t i;
	al_err err;

	if (cd->deps_done)
		return AL_OK;
	if (!(cd->deps = al_calloc(v->ndeps + 1, sizeof(*cd->deps))))
		return al_oom(r->d);
	for (i = 0; i < v->ndeps; i++) {
		bool yes = false;
		if ((err = al_requirement_applies(&v->deps[i], &r->env,
		                                  (const char *const *)cd->extras, cd->nextras, &yes,
		                                  r->d)))
			return err;
		if (yes)
			cd->deps[cd->ndeps++] = &v->deps[i];
	}
	cd->deps_done = true;
	return AL_OK;
}

/* ---- pinning ----------------------------------------------------------------------- */

/* resolvelib's _add_to_criteria: the criterion of the project req names,
 * with req added. When nothing would match, *conflict gets that criterion
 * (the caller's reference) and s is unchanged. */
static al_err add_to_criteria(struct rs *r, struct state *s, const struct al_requirement *req,
                              long parent, struct crit **conflict)
{
	struct info in = { req, parent };
	const struct crit *old;
	struct crit *c = NULL;
	size_t pi = 0;
	al_err err;

	*conflict = NULL;
	if ((err = add_pkg(r, req->norm_name, &pi)))
		return err;
	if (!r->pkgs[pi].has_via) {
		r->pkgs[pi].via = in;
		r->pkgs[pi].has_via = true;
	}
	old = st_crit(s, pi);
	if ((err = crit_new(r, pi, old ? old->infos : NULL, old ? old->ninfos : 0, &in,
	                    old ? old->incompat : NULL, old ? old->nincompat : 0, &c)))
		return err;
	if (!c->ncands) {
		*conflict = c;
		return AL_OK;
	}
	return state_set(r, s, pi, c);
}

static void prefetch_deps(struct rs *r, size_t ci)
{
	const struct cand *cd = &r->cands[ci];
	const char **names;
	size_t n = 0, i;

	if (!r->p->prefetch_projects || !cd->ndeps ||
	    !(names = al_calloc(cd->ndeps + 1, sizeof(*names))))
		return;
	for (i = 0; i < cd->ndeps; i++) {
		long pi = find_pkg(r, cd->deps[i]->norm_name);
		if (pi < 0 || !r->pkgs[pi].loaded)
			names[n++] = cd->deps[i]->norm_name;
	}
	if (n)
		r->p->prefetch_projects(r->p->ctx, names, n);
	al_free(names);
}

struct critlist {
	struct crit **v;
	size_t n, alloc;
};

static void critlist_release(struct critlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		crit_unref(l->v[i]);
	al_free(l->v);
	memset(l, 0, sizeof(*l));
}

/* resolvelib's _attempt_to_pin_criterion: pin the first candidate whose
 * requirements merge. On failure, causes gets the criteria that conflicted. */
static al_err attempt_pin(struct rs *r, size_t pi, struct critlist *causes)
{
	struct state *s = top(r);
	struct crit *c = st_crit(s, pi);
	size_t k, i;
	al_err err = AL_OK;

	if (!c) /* the caller picks among the state's criteria */
		return al_diag_set(r->d, AL_EINTERNAL, "resolver: no criterion for '%s' to pin",
		                   r->pkgs[pi].name);
	c->refs++;
	for (k = 0; k < c->ncands; k++) {
		size_t ver = c->cands[k], ci = 0;
		struct rver *v = &r->pkgs[pi].vers[ver];
		struct crit *conflict = NULL;
		struct state tmp;

		if (!v->tried_meta && (err = load_deps(r, &r->pkgs[pi], v)))
			goto out;
		v = &r->pkgs[pi].vers[ver];
		if (v->bad)
			continue; /* as pip skips a candidate it cannot prepare */
		if ((err = cand_get(r, pi, ver, c, &ci)) || (err = cand_deps(r, ci)))
			goto out;
		prefetch_deps(r, ci);
		s = top(r);
		if ((err = state_copy(r, s, &tmp)))
			goto out;
		for (i = 0; i < r->cands[ci].ndeps && !conflict; i++)
			if ((err = add_to_criteria(r, &tmp, r->cands[ci].deps[i], (long)ci, &conflict))) {
				state_release(&tmp);
				goto out;
			}
		if (conflict) {
			state_release(&tmp);
			if (AL_GROW(causes->v, causes->alloc, causes->n + 1)) {
				crit_unref(conflict);
				err = al_oom(r->d);
				goto out;
			}
			causes->v[causes->n++] = conflict;
			continue;
		}
		/* pinned: the new criteria, and the pin moves to the end */
		s = top(r);
		for (i = 0; i < s->ncrits; i++)
			crit_unref(s->crits[i]);
		al_free(s->crits);
		s->crits = tmp.crits;
		s->ncrits = tmp.ncrits;
		tmp.crits = NULL;
		tmp.ncrits = 0;
		state_release(&tmp);
		for (i = 0; i < s->nmap; i++)
			if (r->cands[s->map[i]].pkg == pi) {
				memmove(s->map + i, s->map + i + 1, (s->nmap - i - 1) * sizeof(*s->map));
				s->nmap--;
				break;
			}
		if (AL_GROW(s->map, s->amap, s->nmap + 1)) {
			err = al_oom(r->d);
			goto out;
		}
		s->map[s->nmap++] = ci;
		critlist_release(causes);
		goto out;
	}
	/* every candidate failed; when none got as far as a conflict (all of
	 * them unusable), the criterion itself is the cause */
	if (!causes->n) {
		if (AL_GROW(causes->v, causes->alloc, 1)) {
			err = al_oom(r->d);
			goto out;
		}
		causes->v[causes->n++] = c;
		c->refs++;
	}
out:
	crit_unref(c);
	return err;
}

/* resolvelib's _remove_information_from_criteria: drop what candidates of
 * the flagged projects (pkgs[].seen) required. */
static al_err remove_information(struct rs *r, struct state *s)
{
	size_t pi, i, n;

	for (pi = 0; pi < s->ncrits; pi++) {
		struct crit *c = s->crits[pi], *nc;
		bool any = false;
		if (!c)
			continue;
		for (i = 0; i < c->ninfos && !any; i++)
			any = c->infos[i].parent >= 0 && r->pkgs[r->cands[c->infos[i].parent].pkg].seen;
		if (!any)
			continue;
		if (!(nc = al_calloc(1, sizeof(*nc))) ||
		    !(nc->infos = al_calloc(c->ninfos + 1, sizeof(*nc->infos))) ||
		    !(nc->incompat = al_calloc(c->nincompat + 1, sizeof(*nc->incompat))) ||
		    !(nc->cands = al_calloc(c->ncands + 1, sizeof(*nc->cands)))) {
			if (nc) {
				nc->refs = 1;
				crit_unref(nc);
			}
			return al_oom(r->d);
		}
		nc->refs = 1;
		for (i = n = 0; i < c->ninfos; i++)
			if (!(c->infos[i].parent >= 0 &&
			      r->pkgs[r->cands[c->infos[i].parent].pkg].seen))
				nc->infos[n++] = c->infos[i];
		nc->ninfos = n;
		if (c->nincompat)
			memcpy(nc->incompat, c->incompat, c->nincompat * sizeof(*c->incompat));
		nc->nincompat = c->nincompat;
		/* the candidates stay as they were */
		if (c->ncands)
			memcpy(nc->cands, c->cands, c->ncands * sizeof(*c->cands));
		nc->ncands = c->ncands;
		crit_unref(c);
		s->crits[pi] = nc;
	}
	return AL_OK;
}

/* ---- choosing ---------------------------------------------------------------------- */

/* pip's get_preference, as a comparison: negative when a is preferred. */
static int pref_cmp(struct rs *r, const struct state *s, size_t a, size_t b)
{
	long ka[5], kb[5];
	size_t w, i, k;

	for (w = 0; w < 2; w++) {
		size_t pi = w ? b : a;
		const struct crit *c = st_crit(s, pi);
		long *key = w ? kb : ka;
		bool pinned = false, upper = false, unfree = false;
		for (i = 0; c && i < c->ninfos; i++) {
			const struct al_specset *set = &c->infos[i].req->spec;
			for (k = 0; k < set->n; k++) {
				enum al_spec_op op = set->specs[k].op;
				unfree = true;
				if ((op == AL_OP_EQ && !set->specs[k].wildcard) || op == AL_OP_ARBITRARY)
					pinned = true;
				if (op == AL_OP_LT || op == AL_OP_LE || op == AL_OP_COMPAT ||
				    (op == AL_OP_EQ && set->specs[k].wildcard))
					upper = true;
			}
		}
		key[0] = !r->pkgs[pi].promoted;
		key[1] = !pinned;
		key[2] = !upper;
		key[3] = r->pkgs[pi].user_order >= 0 ? r->pkgs[pi].user_order : (long)r->nroots + 1;
		key[4] = !unfree;
	}
	for (i = 0; i < 5; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return strcmp(r->pkgs[a].name, r->pkgs[b].name);
}

/* pip's narrow_requirement_selection then get_preference over the
 * unsatisfied projects (names[], n > 0). */
static size_t choose(struct rs *r, const size_t *names, size_t n)
{
	const struct state *s = top(r);
	size_t i, best = SIZE_MAX;
	bool any_cause = false, any_promoted = false;

	if (n == 1)
		return names[0];
	for (i = 0; i < r->npkgs; i++)
		r->pkgs[i].seen = false;
	for (i = 0; i < s->ncauses; i++) {
		size_t who[2], nw = 0, j;
		long pi = find_pkg(r, s->causes[i].req->norm_name);
		if (pi >= 0)
			who[nw++] = (size_t)pi;
		if (s->causes[i].parent >= 0)
			who[nw++] = r->cands[s->causes[i].parent].pkg;
		for (j = 0; j < nw; j++) {
			r->pkgs[who[j]].seen = true;
			if (pin_of(r, s, who[j]) < 0 &&
			    ++r->pkgs[who[j]].conflicts >= CONFLICT_PRIORITY_THRESHOLD)
				r->pkgs[who[j]].promoted = true;
		}
	}
	for (i = 0; i < n; i++) {
		any_cause |= r->pkgs[names[i]].seen;
		any_promoted |= r->pkgs[names[i]].promoted;
	}
	for (i = 0; i < n; i++) {
		if (any_cause && !r->pkgs[names[i]].seen)
			continue;
		if (!any_cause && any_promoted && !r->pkgs[names[i]].promoted)
			continue;
		if (best == SIZE_MAX || pref_cmp(r, s, names[i], best) < 0)
			best = names[i];
	}
	for (i = 0; i < r->npkgs; i++)
		r->pkgs[i].seen = false;
	return best;
}

/* The first candidate of every open project: fetch their metadata at once. */
static void prefetch_tops(struct rs *r, const size_t *names, size_t n)
{
	const struct state *s = top(r);
	const char **tnames;
	const struct al_simple_file **tfiles;
	size_t i, nt = 0;

	if (!r->p->prefetch_metadata || n < 2)
		return;
	tnames = al_calloc(n + 1, sizeof(*tnames));
	tfiles = al_calloc(n + 1, sizeof(*tfiles));
	for (i = 0; tnames && tfiles && i < n; i++) {
		const struct crit *c = st_crit(s, names[i]);
		const struct rver *v;
		if (!c || !c->ncands)
			continue;
		v = &r->pkgs[names[i]].vers[c->cands[0]];
		if (v->tried_meta || !v->file)
			continue;
		tnames[nt] = r->pkgs[names[i]].name;
		tfiles[nt++] = v->file;
	}
	if (nt)
		r->p->prefetch_metadata(r->p->ctx, tnames, tfiles, nt);
	al_free(tnames);
	al_free(tfiles);
}

/* ---- back-jumping -------------------------------------------------------------------- */

static al_err save_states(struct rs *r)
{
	size_t i;

	if (r->saved)
		return AL_OK;
	if (!(r->saved = al_calloc(r->nstates + 1, sizeof(*r->saved))))
		return al_oom(r->d);
	for (i = 0; i < r->nstates; i++) {
		if (state_copy(r, &r->states[i], &r->saved[i]))
			return r->d->code;
		r->nsaved = i + 1;
	}
	return AL_OK;
}

static void drop_saved(struct rs *r)
{
	size_t i;

	for (i = 0; i < r->nsaved; i++)
		state_release(&r->saved[i]);
	al_free(r->saved);
	r->saved = NULL;
	r->nsaved = 0;
}

static void rollback_states(struct rs *r)
{
	size_t i;

	r->optimistic = false;
	if (!r->saved)
		return;
	for (i = 0; i < r->nstates; i++)
		state_release(&r->states[i]);
	al_free(r->states);
	r->states = r->saved;
	r->nstates = r->astates = r->nsaved;
	r->saved = NULL;
	r->nsaved = 0;
}

/* resolvelib's _patch_criteria: the broken state's incompatibilities (and
 * the candidate just found incompatible) applied to the new top state.
 * *ok false when some project is left without candidates. */
static al_err patch_criteria(struct rs *r, const struct state *broken, size_t bpkg, size_t bver,
                             bool *ok)
{
	struct state *s = top(r);
	size_t pi, *inc = NULL;
	al_err err = AL_OK;

	*ok = true;
	for (pi = 0; pi < r->npkgs && *ok; pi++) {
		const struct crit *b = st_crit(broken, pi), *c = st_crit(s, pi);
		size_t ninc = 0, i;
		struct crit *nc = NULL;
		if (!c || ((!b || !b->nincompat) && pi != bpkg))
			continue;
		if (!(inc = al_calloc((b ? b->nincompat : 0) + c->nincompat + 2, sizeof(*inc))))
			return al_oom(r->d);
		for (i = 0; b && i < b->nincompat; i++)
			inc[ninc++] = b->incompat[i];
		if (pi == bpkg && !in_sizes(inc, ninc, bver))
			inc[ninc++] = bver;
		for (i = 0; i < c->nincompat; i++)
			if (!in_sizes(inc, ninc, c->incompat[i]))
				inc[ninc++] = c->incompat[i];
		err = crit_new(r, pi, c->infos, c->ninfos, NULL, inc, ninc, &nc);
		al_free(inc);
		if (err)
			return err;
		if (!nc->ncands) {
			crit_unref(nc);
			*ok = false;
			break;
		}
		if ((err = state_set(r, s, pi, nc)))
			return err;
	}
	return AL_OK;
}

/* resolvelib's _backjump. *result: 1 a new state to work on, 0 no way to
 * backtrack, -1 resolution impossible. */
static al_err backjump(struct rs *r, const struct info *causes, size_t ncauses, int *result)
{
	size_t i;
	al_err err;

	for (i = 0; i < r->npkgs; i++)
		r->pkgs[i].seen = false;
	for (i = 0; i < ncauses; i++) {
		long pi = find_pkg(r, causes[i].req->norm_name);
		if (pi >= 0)
			r->pkgs[pi].seen = true;
		if (causes[i].parent >= 0)
			r->pkgs[r->cands[causes[i].parent].pkg].seen = true;
	}
	while (r->nstates >= 3) {
		struct state broken = { 0 };
		size_t ci = 0, name = 0;
		bool ok;

		state_release(&r->states[--r->nstates]);
		for (;;) {
			const struct cand *cd;
			bool touches = false;
			if (!r->nstates) {
				*result = -1;
				return AL_OK;
			}
			state_release(&broken);
			broken = r->states[--r->nstates];
			memset(&r->states[r->nstates], 0, sizeof(r->states[r->nstates]));
			if (!broken.nmap) {
				state_release(&broken);
				*result = -1;
				return AL_OK;
			}
			ci = broken.map[--broken.nmap];
			name = r->cands[ci].pkg;
			if (!r->optimistic && !r->pkgs[name].seen)
				break;
			if (r->optimistic && !r->saved && !r->pkgs[name].seen &&
			    (err = save_states(r))) {
				state_release(&broken);
				return err;
			}
			cd = &r->cands[ci];
			for (i = 0; i < cd->ndeps && !touches; i++) {
				long pi = find_pkg(r, cd->deps[i]->norm_name);
				touches = pi >= 0 && r->pkgs[pi].seen;
			}
			if (touches || !broken.nmap)
				break;
			if (r->nstates <= 1) {
				state_release(&broken);
				*result = -1;
				return AL_OK;
			}
		}
		if ((err = push_state(r))) {
			state_release(&broken);
			return err;
		}
		err = patch_criteria(r, &broken, name, r->cands[ci].ver, &ok);
		state_release(&broken);
		if (err)
			return err;
		if (ok) {
			*result = 1;
			return AL_OK;
		}
	}
	*result = 0;
	return AL_OK;
}

/* The causes of a failure: the information of the criteria, each once. */
static al_err extract_causes(struct rs *r, const struct critlist *l, struct info **out, size_t *n)
{
	size_t total = 0, i, k, j;
	struct info *v;

	for (i = 0; i < l->n; i++)
		total += l->v[i]->ninfos;
	if (!(v = al_calloc(total + 1, sizeof(*v))))
		return al_oom(r->d);
	*n = 0;
	for (i = 0; i < l->n; i++)
		for (k = 0; k < l->v[i]->ninfos; k++) {
			const struct info *x = &l->v[i]->infos[k];
			for (j = 0; j < *n; j++)
				if (v[j].req == x->req && v[j].parent == x->parent)
					break;
			if (j == *n)
				v[(*n)++] = *x;
		}
	*out = v;
	return AL_OK;
}

/* ---- explanations ---------------------------------------------------------------- */

/* The python, ABI and platform tags the target supports, each once. */
struct compsets {
	char **v[3];
	size_t n[3], a[3];
};

static void compsets_release(struct compsets *cs)
{
	int w;

	for (w = 0; w < 3; w++)
		al_strv_free(cs->v[w], cs->n[w]);
	memset(cs, 0, sizeof(*cs));
}

static al_err compsets_build(struct rs *r, struct compsets *cs)
{
	size_t i, n = al_tagset_count(r->ts);

	memset(cs, 0, sizeof(*cs));
	for (i = 0; i < n; i++) {
		const char *t = al_tagset_tag(r->ts, i), *d1 = strchr(t, '-'), *d2 = d1 ? strchr(d1 + 1, '-') : NULL;
		const char *part[3];
		size_t len[3];
		int w;
		if (!d2)
			continue;
		part[0] = t, len[0] = (size_t)(d1 - t);
		part[1] = d1 + 1, len[1] = (size_t)(d2 - d1 - 1);
		part[2] = d2 + 1, len[2] = strlen(d2 + 1);
		for (w = 0; w < 3; w++) {
			size_t k;
			for (k = 0; k < cs->n[w]; k++)
				if (strlen(cs->v[w][k]) == len[w] && !strncmp(cs->v[w][k], part[w], len[w]))
					break;
			if (k < cs->n[w])
				continue;
			if (AL_GROW(cs->v[w], cs->a[w], cs->n[w] + 1) ||
			    !(cs->v[w][cs->n[w]] = al_strndup(part[w], len[w]))) {
				compsets_release(cs);
				return al_oom(r->d);
			}
			cs->n[w]++;
		}
	}
	return AL_OK;
}

/* Is some member of a compressed tag component ("py2.py3") supported? */
static bool comp_ok(const struct compsets *cs, int w, const char *comp)
{
	const char *m = comp;

	while (*m) {
		size_t len = strcspn(m, "."), k;
		for (k = 0; k < cs->n[w]; k++)
			if (strlen(cs->v[w][k]) == len && !strncasecmp(cs->v[w][k], m, len))
				return true;
		m += len;
		if (*m == '.')
			m++;
	}
	return false;
}

/* Are two platform tags for the same operating system and machine (so that
 * suggesting one for the other makes sense)? */
static bool same_system(const char *a, const char *b)
{
	static const char *const machines[] = { "x86_64", "aarch64", "i686", "armv7l", "ppc64le",
		                                "s390x", "riscv64", "arm64", "x86", "universal2",
		                                "amd64", "win32" };
	static const char *const systems[] = { "linux", "macosx", "win" };
	size_t i, la = strlen(a), lb = strlen(b), m;
	int sa = -1, sb = -1;

	for (i = 0; i < sizeof(systems) / sizeof(*systems); i++) {
		if (strstr(a, systems[i]))
			sa = (int)i;
		if (strstr(b, systems[i]))
			sb = (int)i;
	}
	if (sa < 0 || sa != sb)
		return false;
	for (i = 0; i < sizeof(machines) / sizeof(*machines); i++) {
		m = strlen(machines[i]);
		if (la >= m && lb >= m && !strcmp(a + la - m, machines[i]) &&
		    !strcmp(b + lb - m, machines[i]))
			return true;
	}
	return false;
}

/* A version with wheels, none for the target: the tags it has, and the
 * nearest (the wheel with the most parts the target supports) with what the
 * target lacks. *plat gets that wheel's platform when only the platform is
 * missing (a strdup, for the hint), unless already set. */
static bool explain_tags(struct rs *r, struct al_buf *b, const struct pkg *p, const struct rver *v,
                         const struct compsets *cs, char **plat)
{
	static const char *const what[3] = { "python tag", "ABI", "platform" };
	struct al_wheelname best = AL_WHEELNAME_INIT;
	int bestscore = -1;
	size_t i, shown = 0;
	bool ok = true;

	ok &= al_buf_addstr(b, "no wheel for this target (wheels:") == AL_OK;
	for (i = 0; i < v->nwheels; i++) {
		struct al_wheelname wn = AL_WHEELNAME_INIT;
		int score;
		if (al_wheelname_parse(&wn, p->page->files[v->wheels[i]].filename, NULL))
			continue;
		if (shown++ < 4)
			ok &= al_buf_addf(b, " %s-%s-%s", wn.py, wn.abi, wn.plat) == AL_OK;
		score = comp_ok(cs, 0, wn.py) + comp_ok(cs, 1, wn.abi) + comp_ok(cs, 2, wn.plat);
		if (score > bestscore) {
			al_wheelname_release(&best);
			best = wn;
			bestscore = score;
		} else {
			al_wheelname_release(&wn);
		}
	}
	if (shown > 4)
		ok &= al_buf_addf(b, " and %zu more", shown - 4) == AL_OK;
	if (bestscore >= 0) {
		const char *comp[3] = { best.py, best.abi, best.plat };
		int w, nmiss = 0;
		ok &= al_buf_addf(b, "; nearest %s-%s-%s, the target lacks its", best.py, best.abi,
		                  best.plat) == AL_OK;
		for (w = 0; w < 3; w++)
			if (!comp_ok(cs, w, comp[w]))
				ok &= al_buf_addf(b, "%s %s '%s'", nmiss++ ? " and" : "", what[w], comp[w]) ==
				      AL_OK;
		if (nmiss == 1 && !comp_ok(cs, 2, best.plat) && !*plat) {
			/* the first member for the target's system, if any */
			const char *m = best.plat;
			while (*m && !*plat) {
				size_t len = strcspn(m, "."), k;
				char *one = al_strndup(m, len);
				for (k = 0; one && k < r->o->target->nplatforms && !*plat; k++)
					if (same_system(one, r->o->target->platforms[k]))
						*plat = one;
				if (!*plat)
					al_free(one);
				m += len;
				if (*m == '.')
					m++;
			}
		}
	}
	ok &= al_buf_addch(b, ')') == AL_OK;
	if (v->has_sdist && !sdist_allowed(r, p->name))
		ok &= al_buf_addstr(b, formats(r, p->name) & FMT_SOURCE
		                               ? "; its sdist is not in allow-sdist"
		                               : "; --only-binary refuses its sdist") == AL_OK;
	al_wheelname_release(&best);
	return ok;
}

/* The URL without user:password@ (credentials never go into messages). */
static bool add_url(struct al_buf *b, const char *url)
{
	const char *sep = strstr(url, "://"), *host = sep ? sep + 3 : url;
	const char *at = strchr(host, '@'), *slash = strchr(host, '/');

	if (sep && at && (!slash || at < slash))
		return al_buf_add(b, url, (size_t)(host - url)) == AL_OK &&
		       al_buf_addstr(b, at + 1) == AL_OK;
	return al_buf_addstr(b, url) == AL_OK;
}

/* Does the version meet every specifier of the causes on its project? */
static bool meets_causes(const struct rver *v, const struct info *causes, size_t n,
                         const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(causes[i].req->norm_name, name) &&
		    !al_specset_contains(&causes[i].req->spec, &v->v, 1))
			return false;
	return true;
}

/* Why a project ran out of versions: each version the requirements would
 * accept that is not a candidate, and why (at most 8 unless all). */
static bool explain_versions(struct rs *r, struct al_buf *b, size_t pi, const struct info *causes,
                             size_t n, const struct compsets *cs, bool all)
{
	const struct pkg *p = &r->pkgs[pi];
	size_t i, shown = 0, more = 0;
	char *plat = NULL;
	bool ok = true;

	if (!p->loaded)
		return true;
	if (p->missing && p->missing_why) /* the index client says why: a pin, a 403 */
		return al_buf_addf(b, "  %s\n", p->missing_why) == AL_OK;
	if (p->missing)
		return al_buf_addf(b, "  no index has a project named '%s'\n", p->name) == AL_OK;
	if (!p->nvers)
		return al_buf_addf(b, "  the index lists no distribution files for '%s'\n", p->name) ==
		       AL_OK;
	ok &= al_buf_addf(b, "  versions of %s:", p->name) == AL_OK;
	for (i = 0; i < p->nvers && (all || i < 12); i++)
		ok &= al_buf_addf(b, " %s", p->vers[i].vstr) == AL_OK;
	if (!all && p->nvers > 12)
		ok &= al_buf_addf(b, " ... (%zu in all)", p->nvers) == AL_OK;
	ok &= al_buf_addch(b, '\n') == AL_OK;
	for (i = 0; i < p->nvers; i++) {
		const struct rver *v = &p->vers[i];
		if ((v->file && !v->bad && !v->yanked) || !meets_causes(v, causes, n, p->name))
			continue;
		if (!all && shown >= 8) {
			more++;
			continue;
		}
		shown++;
		ok &= al_buf_addf(b, "  skipped %s %s: ", p->name, v->vstr) == AL_OK;
		if (!v->file && v->tagmiss && v->nwheels) {
			ok &= explain_tags(r, b, p, v, cs, &plat);
		} else if (!v->file || v->bad) {
			ok &= al_buf_addstr(b, v->skip) == AL_OK;
			if (v->metabad && v->file) {
				ok &= al_buf_addstr(b, " (") == AL_OK;
				ok &= add_url(b, v->file->url);
				ok &= al_buf_addch(b, ')') == AL_OK;
			}
		} else {
			ok &= al_buf_addf(b, "yanked%s%s", v->file->yanked_reason ? ": " : "",
			                  v->file->yanked_reason ? v->file->yanked_reason : "") == AL_OK;
		}
		ok &= al_buf_addch(b, '\n') == AL_OK;
	}
	if (more)
		ok &= al_buf_addf(b, "  (%zu more skipped; 'airlock lock -v' lists them all)\n", more) ==
		      AL_OK;
	if (plat) {
		/* the target's platforms no wheel of the project uses */
		size_t k;
		ok &= al_buf_addf(b, "  hint: no wheel of %s is for target %s's platform%s", p->name,
		                  r->o->target_name ? r->o->target_name : "?",
		                  r->o->target->nplatforms == 1 ? "" : "s") == AL_OK;
		for (k = 0; k < r->o->target->nplatforms; k++)
			ok &= al_buf_addf(b, "%s '%s'", k ? "," : "", r->o->target->platforms[k]) == AL_OK;
		ok &= al_buf_addf(b, "; its wheels would match with '%s' among them\n", plat) == AL_OK;
		al_free(plat);
	}
	if (!r->o->prereleases)
		for (i = 0; i < p->nvers; i++)
			if (p->vers[i].pre && p->vers[i].file) {
				ok &= al_buf_addstr(b, "  (pre-releases count only when a specifier names one, "
				                       "no final release fits, or prereleases: true)\n") == AL_OK;
				break;
			}
	return ok;
}

static bool add_who(struct rs *r, struct al_buf *b, long parent)
{
	const struct cand *cd;

	if (parent < 0)
		return al_buf_addstr(b, "the manifest") == AL_OK;
	cd = &r->cands[parent];
	return al_buf_addf(b, "%s %s", r->pkgs[cd->pkg].name, r->pkgs[cd->pkg].vers[cd->ver].vstr) ==
	       AL_OK;
}

/* How a candidate came to be required: "the manifest -> a 1.0 -> " (the
 * first requirement seen on each project, at most 6 steps). */
static bool add_chain(struct rs *r, struct al_buf *b, long parent)
{
	long chain[6];
	size_t n = 0, i;
	bool ok = true;

	while (parent >= 0 && n < 6) {
		const struct pkg *p = &r->pkgs[r->cands[parent].pkg];
		if (!p->has_via)
			break;
		for (i = 0; i < n && chain[i] != p->via.parent; i++)
			;
		if (i < n)
			break; /* a cycle */
		chain[n++] = p->via.parent;
		parent = p->via.parent;
	}
	if (n == 6 && parent >= 0)
		ok &= al_buf_addstr(b, "... -> ") == AL_OK;
	for (i = n; i-- > 0;) {
		ok &= add_who(r, b, chain[i]);
		ok &= al_buf_addstr(b, " -> ") == AL_OK;
	}
	return ok;
}

static bool add_req(struct al_buf *b, const struct al_requirement *q)
{
	struct al_buf s = AL_BUF_INIT;
	bool ok = al_requirement_str(q, &s) == AL_OK && al_buf_addstr(b, s.buf) == AL_OK;

	al_buf_release(&s);
	return ok;
}

/* The explanation: the requirements that conflict, grouped by the project
 * they are on, with how each requirer was reached, and why that project's
 * other versions do not count. */
static bool explain_text(struct rs *r, struct al_buf *b, const struct info *causes, size_t n,
                         const struct compsets *cs, bool all)
{
	size_t i, k;
	bool ok = true;

	ok &= al_buf_addf(b, "cannot resolve the requirements for target %s:\n",
	                  r->o->target_name ? r->o->target_name : "?") == AL_OK;
	for (i = 0; i < r->npkgs; i++)
		r->pkgs[i].seen = false;
	for (i = 0; i < n; i++) {
		long pi = find_pkg(r, causes[i].req->norm_name);
		if (pi < 0 || r->pkgs[pi].seen)
			continue;
		r->pkgs[pi].seen = true;
		ok &= al_buf_addf(b, "  no version of %s satisfies all of:\n", r->pkgs[pi].name) == AL_OK;
		for (k = i; k < n; k++) {
			if (strcmp(causes[k].req->norm_name, r->pkgs[pi].name))
				continue;
			ok &= al_buf_addstr(b, "    ") == AL_OK;
			ok &= add_chain(r, b, causes[k].parent);
			ok &= add_who(r, b, causes[k].parent);
			ok &= al_buf_addstr(b, " requires ") == AL_OK;
			ok &= add_req(b, causes[k].req);
			ok &= al_buf_addch(b, '\n') == AL_OK;
		}
		for (k = 0; k < r->ncons; k++)
			if (constraint_on(r, k, (size_t)pi)) {
				ok &= al_buf_addstr(b, "    a constraint requires ") == AL_OK;
				ok &= add_req(b, &r->cons[k]);
				ok &= al_buf_addch(b, '\n') == AL_OK;
			}
		ok &= explain_versions(r, b, (size_t)pi, causes, n, cs, all);
	}
	for (i = 0; i < r->npkgs; i++)
		r->pkgs[i].seen = false;
	if (b->len && b->buf[b->len - 1] == '\n')
		al_buf_truncate(b, b->len - 1);
	return ok;
}

/* Append to b unless an earlier append failed (*e keeps the first error). */
static void bput(al_err *e, struct al_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void bput(al_err *e, struct al_buf *b, const char *fmt, ...)
{
	va_list ap;

	if (*e)
		return;
	va_start(ap, fmt);
	*e = al_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

/* Does version v of project name meet every specifier of the causes on it? */
static bool version_meets(const struct al_version *v, const struct info *causes, size_t n,
                          const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(causes[i].req->norm_name, name) &&
		    !al_specset_contains(&causes[i].req->spec, v, 1))
			return false;
	return true;
}

/* Hash-checking mode left a project of the causes without a version
 * because the files that would do have other hashes: fail, naming the
 * requirement, the hashes expected and the files seen (pip stops there
 * too; no backtracking can find another file). AL_OK when hashes are not
 * the reason. */
static al_err hash_failure(struct rs *r, size_t pi, const struct info *causes, size_t n)
{
	const struct pkg *p = &r->pkgs[pi];
	struct al_buf b = AL_BUF_INIT;
	size_t i, shown = 0;
	bool any = false;
	al_err err, e = AL_OK;

	if (!p->hashes || !p->page)
		return AL_OK;
	for (i = 0; i < p->nvers; i++)
		any |= p->vers[i].hash_rejected && !p->vers[i].file &&
		       version_meets(&p->vers[i].v, causes, n, p->name);
	if (!any)
		return AL_OK;
	bput(&e, &b, "target %s: %s: no file of '%s' has a sha256 among the required hashes\n"
	     "  expected:", r->o->target_name ? r->o->target_name : "?", p->hashes->origin,
	     p->name);
	for (i = 0; i < p->hashes->n; i++)
		bput(&e, &b, " sha256:%s", p->hashes->sha256[i]);
	bput(&e, &b, "\n  files seen:");
	for (i = 0; i < p->page->nfiles; i++) {
		const struct al_simple_file *f = &p->page->files[i];
		struct al_wheelname wn = AL_WHEELNAME_INIT;
		struct al_sdistname sn = { 0 };
		struct al_version v = AL_VERSION_INIT;
		const char *vtext = NULL, *note = "";

		if (al_wheelname_parse(&wn, f->filename, NULL) == AL_OK) {
			vtext = wn.version;
			if (al_tagset_best_rank(r->ts, wn.py, wn.abi, wn.plat) < 0)
				note = " (not for this target)";
			else if (!(formats(r, p->name) & FMT_BINARY))
				note = " (a wheel, refused by --no-binary)";
		} else if (al_sdistname_parse(&sn, f->filename, NULL) == AL_OK) {
			vtext = sn.version;
			if (!sdist_allowed(r, p->name))
				note = " (an sdist, not allowed)";
		}
		if (vtext && !al_version_parse(&v, vtext, NULL) &&
		    version_meets(&v, causes, n, p->name) && shown++ < 50)
			bput(&e, &b, "\n    %s sha256:%s%s", f->filename,
			     f->sha256 ? f->sha256 : "(not given by the index)", note);
		al_version_release(&v);
		al_wheelname_release(&wn);
		al_sdistname_release(&sn);
	}
	if (shown > 50)
		bput(&e, &b, "\n    ... %zu more", shown - 50);
	if (!shown)
		bput(&e, &b, " none");
	err = e ? al_oom(r->d) : al_diag_set(r->d, AL_EVERIFY, "%s", b.buf);
	al_buf_release(&b);
	return err;
}

/* Resolution is impossible: the diagnostic gets the explanation (the
 * relevant versions); with explain_all the whole list also goes to warn.
 * When hash-checking mode is the reason, that error instead. */
static al_err explain(struct rs *r, const struct info *causes, size_t n)
{
	struct al_buf b = AL_BUF_INIT;
	struct compsets cs;
	bool ok;
	size_t i;
	al_err err;

	for (i = 0; i < n; i++) {
		long pi = find_pkg(r, causes[i].req->norm_name);
		if (pi >= 0 && (err = hash_failure(r, (size_t)pi, causes, n)))
			return err;
	}
	if (compsets_build(r, &cs))
		return r->d->code;
	ok = explain_text(r, &b, causes, n, &cs, false);
	if (ok && r->o->explain_all && r->o->warn) {
		struct al_buf full = AL_BUF_INIT;
		if ((ok = explain_text(r, &full, causes, n, &cs, true)))
			r->o->warn(r->o->warn_ctx, full.buf);
		al_buf_release(&full);
	}
	compsets_release(&cs);
	if (!ok) {
		al_buf_release(&b);
		return al_oom(r->d);
	}
	al_diag_set(r->d, AL_ECONFLICT, "%s", b.buf);
	al_buf_release(&b);
	return AL_ECONFLICT;
}

/* ---- the search -------------------------------------------------------------------- */

static al_err impossible(struct rs *r, const struct critlist *l)
{
	struct info *c = NULL;
	size_t n = 0;
	al_err err;

	if ((err = extract_causes(r, l, &c, &n)))
		return err;
	err = explain(r, c, n);
	al_free(c);
	return err;
}

/* Over 80 lines: the loop of resolvelib's Resolution.resolve,
 * kept in its shape (rounds, back-jumping, the optimistic rollback) so that
 * the two read side by side. */
static al_err resolve_rounds(struct rs *r)
{
	unsigned long max = r->o->max_steps ? r->o->max_steps : DEFAULT_MAX_STEPS, round;
	unsigned long opt_start = 0, opt_cutoff = 0;
	bool opt_started = false;
	size_t *names = NULL, i;
	al_err err = AL_OK;

	r->optimistic = true;
	for (round = 0; round < max; round++) {
		struct critlist causes = { 0 };
		size_t n = 0, name;
		struct state *s;

		r->rounds = round + 1;
		if (r->optimistic && r->saved) {
			if (!opt_started) {
				opt_started = true;
				opt_start = round;
				opt_cutoff = (unsigned long)((double)(max - round) * OPTIMISTIC_BACKJUMPING_RATIO);
				if (!opt_cutoff) {
					rollback_states(r);
					continue;
				}
			} else if (round - opt_start >= opt_cutoff) {
				rollback_states(r);
				continue;
			}
		}
		s = top(r);
		al_free(names);
		if (!(names = al_calloc(r->npkgs + 1, sizeof(*names)))) {
			err = al_oom(r->d);
			goto out;
		}
		for (i = 0; i < s->ncrits; i++) {
			if (!s->crits[i])
				continue;
			r->pkgs[i].seen = false;
			if (!pin_satisfying(r, s, i))
				names[n++] = i;
		}
		if (!n)
			goto out; /* every criterion is met */
		prefetch_tops(r, names, n);
		name = choose(r, names, n);
		/* which projects were satisfied before this pin */
		for (i = 0; i < r->npkgs; i++)
			r->pkgs[i].seen = st_crit(s, i) != NULL;
		for (i = 0; i < n; i++)
			r->pkgs[names[i]].seen = false;
		{
			/* keep the flags: attempt_pin does not touch them */
			size_t nwas = r->npkgs;
			bool *was = al_calloc(nwas + 1, sizeof(*was));
			if (!was) {
				err = al_oom(r->d);
				goto out;
			}
			for (i = 0; i < r->npkgs; i++)
				was[i] = r->pkgs[i].seen;
			err = attempt_pin(r, name, &causes);
			if (err) {
				al_free(was);
				critlist_release(&causes);
				goto out;
			}
			if (!causes.n) {
				/* newly unsatisfied projects stop counting as requirers */
				s = top(r);
				for (i = 0; i < r->npkgs; i++)
					r->pkgs[i].seen = i < nwas && i < s->ncrits && was[i] && s->crits[i] &&
					                  !pin_satisfying(r, s, i);
				al_free(was);
				err = remove_information(r, s);
				for (i = 0; i < r->npkgs; i++)
					r->pkgs[i].seen = false;
				if (err || (err = push_state(r)))
					goto out;
				continue;
			}
			al_free(was);
		}
		{
			struct info *ci = NULL;
			size_t nci = 0;
			int result = 0;
			bool failed_optimistic;

			if ((err = extract_causes(r, &causes, &ci, &nci))) {
				critlist_release(&causes);
				goto out;
			}
			if ((err = backjump(r, ci, nci, &result))) {
				al_free(ci);
				critlist_release(&causes);
				goto out;
			}
			if (result < 0 && !(r->optimistic && r->saved)) {
				err = explain(r, ci, nci);
				al_free(ci);
				critlist_release(&causes);
				goto out;
			}
			failed_optimistic = result <= 0 && r->optimistic && r->saved;
			if (failed_optimistic) {
				rollback_states(r);
				al_free(ci);
			} else {
				s = top(r);
				al_free(s->causes);
				s->causes = ci;
				s->ncauses = nci;
				if (result == 0) {
					err = explain(r, ci, nci);
					critlist_release(&causes);
					goto out;
				}
			}
			critlist_release(&causes);
		}
	}
	err = al_diag_set(r->d, AL_ECONFLICT,
	                  "target %s: resolution gave up after %lu rounds (pip's limit); tighten the "
	                  "requirements",
	                  r->o->target_name ? r->o->target_name : "?", max);
out:
	al_free(names);
	for (i = 0; i < r->npkgs; i++)
		r->pkgs[i].seen = false;
	return err;
}

static al_err search(struct rs *r)
{
	const char **names = NULL;
	size_t i, n = 0;
	al_err err;

	if ((err = push_state(r)))
		return err;
	/* the manifest's requirements (pip's user_requested order) */
	if (!(names = al_calloc(r->nroots + 1, sizeof(*names))))
		return al_oom(r->d);
	for (i = 0; i < r->nroots; i++) {
		size_t pi = 0;
		bool yes = false;
		if ((err = al_requirement_applies(&r->roots[i], &r->env, NULL, 0, &yes, r->d)) ||
		    (yes && (err = add_pkg(r, r->roots[i].norm_name, &pi)))) {
			al_free(names);
			return err;
		}
		if (!yes)
			continue;
		if (r->pkgs[pi].user_order < 0)
			r->pkgs[pi].user_order = (long)i;
		if (!r->pkgs[pi].loaded)
			names[n++] = r->pkgs[pi].name;
	}
	if (n && r->p->prefetch_projects)
		r->p->prefetch_projects(r->p->ctx, names, n);
	al_free(names);
	for (i = 0; i < r->nroots; i++) {
		struct crit *conflict = NULL;
		bool yes = false;
		if ((err = al_requirement_applies(&r->roots[i], &r->env, NULL, 0, &yes, r->d)))
			return err;
		if (!yes)
			continue;
		if ((err = add_to_criteria(r, top(r), &r->roots[i], -1, &conflict)))
			return err;
		if (conflict) {
			struct critlist l = { &conflict, 1, 1 };
			err = impossible(r, &l);
			crit_unref(conflict);
			return err;
		}
	}
	/* the sentinel: the first pin has something to back-jump to */
	if ((err = push_state(r)))
		return err;
	return resolve_rounds(r);
}

/* ---- speculation -------------------------------------------------------------------- */

/* A requirement worth a page before the search asks: its marker holds for
 * the target without extras. Those of extras and of other platforms are
 * left to the search, which asks when (if ever) it needs them; one that
 * does not parse is left to it too (it reports it with its project). */
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

/* Which pins the manifest reaches (resolvelib's _build_result): through
 * requirements made by the manifest or by pinned candidates. Marks seen. */
static void mark_connected(struct rs *r, const struct state *s)
{
	bool changed = true;
	size_t i, k;

	for (i = 0; i < r->npkgs; i++)
		r->pkgs[i].seen = false;
	while (changed) {
		changed = false;
		for (i = 0; i < s->nmap; i++) {
			size_t pi = r->cands[s->map[i]].pkg;
			const struct crit *c = st_crit(s, pi);
			if (r->pkgs[pi].seen || !c)
				continue;
			for (k = 0; k < c->ninfos; k++) {
				long par = c->infos[k].parent;
				if (par < 0 || (pin_of(r, s, r->cands[par].pkg) == par &&
				                r->pkgs[r->cands[par].pkg].seen)) {
					r->pkgs[pi].seen = true;
					changed = true;
					break;
				}
			}
		}
	}
}

/* Hash-checking mode covers the whole closure, as in pip: a project chosen
 * without hashes is an error that says what to add. */
static al_err check_all_hashed(struct rs *r)
{
	const struct state *s = top(r);
	struct al_buf b = AL_BUF_INIT;
	size_t i, k;
	al_err err, e = AL_OK;

	if (!r->o->require_hashes)
		return AL_OK;
	mark_connected(r, s);
	for (i = 0; i < s->nmap; i++) {
		const struct cand *cd = &r->cands[s->map[i]];
		const struct pkg *p = &r->pkgs[cd->pkg];
		const struct rver *v = &p->vers[cd->ver];
		const struct crit *c = st_crit(s, cd->pkg);
		const char *sep = "";

		if (p->hashes || !p->seen)
			continue;
		bput(&e, &b, "target %s: hash-checking mode: %s %s (required by ",
		     r->o->target_name ? r->o->target_name : "?", p->name, v->vstr);
		for (k = 0; c && k < c->ninfos; k++) {
			bput(&e, &b, "%s", sep);
			if (!e && !add_who(r, &b, c->infos[k].parent))
				e = AL_ENOMEM;
			sep = ", ";
		}
		bput(&e, &b, ") has no --hash in the requirements files; add it pinned and hashed: "
		     "%s==%s --hash=sha256:%s", p->name, v->vstr,
		     v->file->sha256 ? v->file->sha256 : "<the sha256 of its file>");
		err = e ? al_oom(r->d) : al_diag_set(r->d, AL_EVERIFY, "%s", b.buf);
		al_buf_release(&b);
		return err;
	}
	return AL_OK;
}

static al_err fill_out(struct rs *r, struct al_lock_target *out)
{
	const struct state *s = top(r);
	size_t i, k;
	al_err err = AL_OK;

	mark_connected(r, s);
	if (!(out->dists = al_calloc(s->nmap + 1, sizeof(*out->dists))))
		return al_oom(r->d);
	for (i = 0; i < s->nmap; i++) {
		const struct cand *cd = &r->cands[s->map[i]];
		struct pkg *p = &r->pkgs[cd->pkg];
		struct rver *v = &p->vers[cd->ver];
		const struct crit *c = st_crit(s, cd->pkg);
		struct al_lock_dist *x;
		size_t alloc = 0;
		const char *rp = v->file->requires_python;
		al_err perr;

		if (!p->seen)
			continue; /* pinned, but nothing requires it any more */
		x = &out->dists[out->ndists++];
		/* a Requires-Python pip ignores (not a specifier set) is left out:
		 * media would refuse the lock (lib/spec/lockcheck.c) */
		perr = rp ? al_lock_requires_python_check(rp) : AL_OK;
		if (perr == AL_ENOMEM)
			return al_oom(r->d);
		if (perr)
			rp = NULL;
		if (!(x->name = al_strdup(p->name)) || !(x->version = al_strdup(v->vstr)) ||
		    !(x->filename = al_strdup(v->file->filename)) || !(x->url = al_strdup(v->file->url)) ||
		    (v->file->sha256 && !(x->sha256 = al_strdup(v->file->sha256))) ||
		    (rp && !(x->requires_python = al_strdup(rp))) ||
		    (v->meta_sha256 && !(x->metadata_sha256 = al_strdup(v->meta_sha256))) ||
		    (v->file->index && !(x->index = al_strdup(v->file->index))))
			return al_oom(r->d);
		x->size = v->file->size >= 0 ? v->file->size : AL_SIZE_UNKNOWN;
		for (k = 0; c && k < c->ninfos; k++) {
			long par = c->infos[k].parent;
			const char *who;
			size_t j;
			bool dup = false;
			if (par >= 0 && (pin_of(r, s, r->cands[par].pkg) != par ||
			                 !r->pkgs[r->cands[par].pkg].seen))
				continue;
			who = par < 0 ? "-" : r->pkgs[r->cands[par].pkg].name;
			for (j = 0; j < x->nrequired_by; j++)
				dup |= !strcmp(x->required_by[j], who);
			if (dup)
				continue;
			if (AL_GROW(x->required_by, alloc, x->nrequired_by + 1) ||
			    !(x->required_by[x->nrequired_by] = al_strdup(who)))
				return al_oom(r->d);
			x->nrequired_by++;
		}
		if (v->yanked && r->o->warn) {
			char msg[300];
			snprintf(msg, sizeof(msg), "target %s: %s %s is yanked%s%s, but pinned exactly and "
			         "nothing else fits",
			         r->o->target_name ? r->o->target_name : "?", p->name, v->vstr,
			         v->file->yanked_reason ? ": " : "",
			         v->file->yanked_reason ? v->file->yanked_reason : "");
			r->o->warn(r->o->warn_ctx, msg);
		}
	}
	for (i = 0; i < r->npkgs; i++)
		r->pkgs[i].seen = false;
	return err;
}

static al_err parse_reqs(struct rs *r, const char *const *in, size_t n, struct al_requirement **out,
                         size_t *nout, const char *what)
{
	size_t i;

	if (!(*out = al_calloc(n + 1, sizeof(**out))))
		return al_oom(r->d);
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
	if (!err)
		err = check_all_hashed(&r);
	if (err)
		goto out;
	err = fill_out(&r, out);
	if (!err)
		al_lock_sort(&(struct al_lock){ .targets = out, .ntargets = 1 });
out:
	for (i = 0; i < r.nstates; i++)
		state_release(&r.states[i]);
	al_free(r.states);
	drop_saved(&r);
	for (i = 0; i < r.ncands; i++) {
		al_strv_free(r.cands[i].extras, r.cands[i].nextras);
		al_free(r.cands[i].deps);
	}
	al_free(r.cands);
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
			al_free(pk->vers[k].wheels);
		}
		al_free(pk->vers);
		al_free(pk->name);
		al_free(pk->missing_why);
	}
	al_free(r.pkgs);
	for (i = 0; i < r.nroots; i++)
		al_requirement_release(&r.roots[i]);
	al_free(r.roots);
	for (i = 0; i < r.ncons; i++)
		al_requirement_release(&r.cons[i]);
	al_free(r.cons);
	al_tagset_free(r.ts);
	al_version_release(&r.pyver);
	return err;
}
