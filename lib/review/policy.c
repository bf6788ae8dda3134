/*
 * policy.c: the manifest's policy over a lock (docs/reference/manifest.md,
 * "policy"): denied requirements, sdists under wheels-only, the total size,
 * and vulnerabilities in the manifest's advisories. Every violation is
 * reported, each with the chain of requirements that brought its project
 * in, so one lock run shows the whole list.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "pypa/pep440.h"
#include "pypa/pep508.h"

#define CHAIN_MAX 64

struct pctx {
	const struct al_lock *l;
	al_policy_cb cb;
	void *ctx;
	unsigned n;
	struct al_buf msg;
};

static const struct al_lock_dist *find_dist(const struct al_lock_target *t, const char *name)
{
	size_t i;
	for (i = 0; i < t->ndists; i++)
		if (!strcmp(t->dists[i].name, name))
			return &t->dists[i];
	for (i = 0; i < t->nbuild_dists; i++)
		if (!strcmp(t->build_dists[i].name, name))
			return &t->build_dists[i];
	return NULL;
}

/* "the manifest -> a -> b -> x": the first requirer at each step, up to the
 * manifest (required_by "-"); a cycle or a missing link ends the walk. */
static al_err add_chain(struct al_buf *b, const struct al_lock_target *t,
                        const struct al_lock_dist *x)
{
	const char *chain[CHAIN_MAX];
	size_t n = 0, i, k;
	al_err err;

	while (x && n < CHAIN_MAX) {
		bool seen = false;
		for (k = 0; k < n; k++)
			seen |= !strcmp(chain[k], x->name);
		if (seen)
			break;
		chain[n++] = x->name;
		if (!x->nrequired_by || !strcmp(x->required_by[0], "-"))
			break;
		x = find_dist(t, x->required_by[0]);
	}
	if ((err = al_buf_addstr(b, ", brought in by the manifest")))
		return err;
	for (i = n; i > 0; i--)
		if ((err = al_buf_addf(b, " -> %s", chain[i - 1])))
			return err;
	return AL_OK;
}

static al_err report(struct pctx *c, const struct al_lock_target *t, const struct al_lock_dist *x,
                     struct al_diag *d)
{
	if ((t && x && (al_buf_addf(&c->msg, " (target %s)", t->name) || add_chain(&c->msg, t, x))))
		return al_oom(d);
	c->n++;
	if (c->cb)
		c->cb(c->ctx, c->msg.buf);
	al_buf_reset(&c->msg);
	return AL_OK;
}

/* Every distribution and build distribution of every target. */
#define FOR_EACH_DIST(l, t, x, i, k)                                                   \
	for (i = 0; i < (l)->ntargets; i++)                                            \
		for (t = &(l)->targets[i], k = 0; k < t->ndists + t->nbuild_dists; k++) \
			if ((x = k < t->ndists ? &t->dists[k] : &t->build_dists[k - t->ndists]), 1)

static al_err check_deny(struct pctx *c, const struct al_manifest *m, struct al_diag *d)
{
	const struct al_lock_target *t;
	const struct al_lock_dist *x;
	size_t r, i, k;
	al_err err = AL_OK;

	for (r = 0; r < m->policy.deny.n && !err; r++) {
		struct al_requirement req = AL_REQUIREMENT_INIT;
		if ((err = al_requirement_parse(&req, m->policy.deny.v[r], d)))
			break;
		FOR_EACH_DIST(c->l, t, x, i, k) {
			bool hit = false;
			if (strcmp(x->name, req.norm_name))
				continue;
			/* a pin in the range is denied, pre-release or not */
			if ((err = al_specset_contains_str(&req.spec, x->version, 1, &hit, d)))
				break;
			if (!hit)
				continue;
			if (al_buf_addf(&c->msg, "policy.deny '%s': %s %s", m->policy.deny.v[r], x->name,
			                x->version)) {
				err = al_oom(d);
				break;
			}
			if ((err = report(c, t, x, d)))
				break;
		}
		al_requirement_release(&req);
	}
	return err;
}

static bool is_wheel(const char *filename)
{
	size_t n = strlen(filename);
	return n > 4 && !strcmp(filename + n - 4, ".whl");
}

static al_err check_wheels_only(struct pctx *c, struct al_diag *d)
{
	const struct al_lock_target *t;
	const struct al_lock_dist *x;
	size_t i, k;
	al_err err;

	FOR_EACH_DIST(c->l, t, x, i, k) {
		if (is_wheel(x->filename))
			continue;
		if (al_buf_addf(&c->msg, "policy.wheels-only: %s %s is an sdist (%s)", x->name, x->version,
		                x->filename))
			return al_oom(d);
		if ((err = report(c, t, x, d)))
			return err;
	}
	return AL_OK;
}

/* Every file counted once (a wheel shared by targets is one file). */
static al_err check_size(struct pctx *c, const struct al_manifest *m, struct al_diag *d)
{
	const struct al_lock_target *t;
	const struct al_lock_dist *x;
	char **seen = NULL;
	size_t nseen = 0, alloc = 0, i, k, j;
	uint64_t total = 0;
	unsigned unknown = 0;
	al_err err = AL_OK;

	FOR_EACH_DIST(c->l, t, x, i, k) {
		bool dup = false;
		for (j = 0; j < nseen && !dup; j++)
			dup = !strcmp(seen[j], x->sha256);
		if (dup)
			continue;
		if (AL_GROW(seen, alloc, nseen + 1)) {
			err = al_oom(d);
			goto out;
		}
		seen[nseen++] = x->sha256;
		if (x->size >= 0)
			total += (uint64_t)x->size;
		else
			unknown++;
	}
	for (i = 0; i < c->l->nrepos; i++)
		for (k = 0; k < c->l->repos[i].nfiles; k++)
			total += c->l->repos[i].files[k].size > 0 ? (uint64_t)c->l->repos[i].files[k].size : 0;
	for (i = 0; i < c->l->nadvisories; i++)
		total += (uint64_t)c->l->advisories[i].size;
	if (total <= m->policy.max_total_size)
		goto out;
	if (al_buf_addf(&c->msg, "policy.max-total-size: the bundle holds %llu bytes, more than %llu",
	                (unsigned long long)total, (unsigned long long)m->policy.max_total_size) ||
	    (unknown && al_buf_addf(&c->msg, " (and %u files of unknown size)", unknown))) {
		err = al_oom(d);
		goto out;
	}
	err = report(c, NULL, NULL, d);
out:
	al_free(seen);
	return err;
}

static al_err check_vulnerabilities(struct pctx *c, const struct al_manifest *m,
                                    struct al_diag *d)
{
	const struct al_lock_target *t;
	const struct al_lock_dist *x;
	struct al_audit res = AL_AUDIT_INIT;
	size_t a, i, k, j;
	al_err err = AL_OK;

	for (a = 0; a < m->advisories.n && !err; a++)
		err = al_audit_osv(c->l, m->advisories.v[a], NULL, &res, d);
	for (j = 0; j < res.n && !err; j++) {
		const struct al_audit_match *mt = &res.matches[j];
		FOR_EACH_DIST(c->l, t, x, i, k) {
			if (strcmp(x->name, mt->project) || strcmp(x->version, mt->version))
				continue;
			if (al_buf_addstr(&c->msg, "policy.vulnerabilities: ") ||
			    al_buf_add_safe(&c->msg, mt->id, strlen(mt->id), 0) ||
			    al_buf_addf(&c->msg, " affects %s %s", x->name, x->version)) {
				err = al_oom(d);
				break;
			}
			if ((err = report(c, t, x, d)))
				break;
		}
	}
	al_audit_release(&res);
	return err;
}

al_err al_policy_check(const struct al_manifest *m, const struct al_lock *l, al_policy_cb cb,
                       void *ctx, unsigned *nviolations, struct al_diag *d)
{
	struct pctx c = { l, cb, ctx, 0, AL_BUF_INIT };
	al_err err = AL_OK;

	if (nviolations)
		*nviolations = 0;
	if (!m->policy.given)
		return AL_OK;
	if (m->policy.deny.n)
		err = check_deny(&c, m, d);
	if (!err && m->policy.wheels_only)
		err = check_wheels_only(&c, d);
	if (!err && m->policy.max_total_size)
		err = check_size(&c, m, d);
	if (!err && m->policy.vulnerabilities_deny)
		err = check_vulnerabilities(&c, m, d);
	al_buf_release(&c.msg);
	if (nviolations)
		*nviolations = c.n;
	return err;
}
