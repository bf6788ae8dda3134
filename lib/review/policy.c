/*
 * policy.c: the manifest's policy over a lock (docs/reference/manifest.md,
 * "policy"): licences (out of each distribution's METADATA in the store,
 * evaluated over SPDX expressions), denied requirements, sdists under
 * wheels-only, the total size, and vulnerabilities in the advisories. Every
 * violation is reported, each with the chain of requirements that brought
 * its project in, so one lock (or export) run shows the whole list.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/mem.h"
#include "pypa/pep440.h"
#include "pypa/pep508.h"
#include "review/policy.h"
#include "review/sbom.h"

#define CHAIN_MAX 64

struct pctx {
	const struct al_lock *l;
	const struct al_policy *p;
	const struct al_policy_env *env;
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
	if (c->env && c->env->cb)
		c->env->cb(c->env->ctx, c->msg.buf);
	al_buf_reset(&c->msg);
	return AL_OK;
}

/* Every distribution and build distribution of every target. */
#define FOR_EACH_DIST(l, t, x, i, k)                                                   \
	for (i = 0; i < (l)->ntargets; i++)                                            \
		for (t = &(l)->targets[i], k = 0; k < t->ndists + t->nbuild_dists; k++) \
			if ((x = k < t->ndists ? &t->dists[k] : &t->build_dists[k - t->ndists]), 1)

static al_err check_deny(struct pctx *c, const struct al_policy *p, struct al_diag *d)
{
	const struct al_lock_target *t;
	const struct al_lock_dist *x;
	size_t r, i, k;
	al_err err = AL_OK;

	for (r = 0; r < p->deny.n && !err; r++) {
		struct al_requirement req = AL_REQUIREMENT_INIT;
		if ((err = al_requirement_parse(&req, p->deny.v[r], d)))
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
			if (al_buf_addf(&c->msg, "policy.deny '%s': %s %s", p->deny.v[r], x->name,
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
static al_err check_size(struct pctx *c, const struct al_policy *p, struct al_diag *d)
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
	if (total <= p->max_total_size)
		goto out;
	if (al_buf_addf(&c->msg, "policy.max-total-size: the bundle holds %llu bytes, more than %llu",
	                (unsigned long long)total, (unsigned long long)p->max_total_size) ||
	    (unknown && al_buf_addf(&c->msg, " (and %u files of unknown size)", unknown))) {
		err = al_oom(d);
		goto out;
	}
	err = report(c, NULL, NULL, d);
out:
	al_free(seen);
	return err;
}

static al_err check_vulnerabilities(struct pctx *c, struct al_diag *d)
{
	const struct al_lock_target *t;
	const struct al_lock_dist *x;
	const struct al_strlist *adv = c->env ? c->env->advisories : NULL;
	struct al_store *s = c->env ? c->env->store : NULL;
	struct al_audit_opts o = { NULL, NULL, 0, NULL, NULL };
	struct al_audit res = AL_AUDIT_INIT;
	size_t a, i, k, j;
	al_err err = AL_OK;

	if (adv) {
		for (a = 0; a < adv->n && !err; a++)
			err = al_audit_osv(c->l, adv->v[a], NULL, &res, d);
	} else {
		/* the snapshots the lock pins, out of the store (export) */
		for (a = 0; a < c->l->nadvisories && !err; a++) {
			char *path;
			if (!s) {
				err = al_diag_set(d, AL_ENOTFOUND, "advisories '%s': no store to read it from",
				                  c->l->advisories[a].name);
				break;
			}
			if (!(path = al_store_blob_path(s, c->l->advisories[a].sha256))) {
				err = al_oom(d);
				break;
			}
			o.label = c->l->advisories[a].name;
			err = al_audit_osv(c->l, path, &o, &res, d);
			al_free(path);
		}
	}
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

/* ---- licences ------------------------------------------------------------------------ */

bool al_policy_unknown_allowed(const struct al_policy *p)
{
	if (p->licenses_unknown == AL_UNKNOWN_DEFAULT)
		return !p->licenses_allow.n;
	return p->licenses_unknown == AL_UNKNOWN_ALLOW;
}

static bool in_list(const struct al_strlist *l, const char *id, size_t len)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && !strncasecmp(l->v[i], id, len))
			return true;
	return false;
}

#define EXPR_DEPTH 32

/* An SPDX expression, evaluated as it is parsed: OR passes when one side
 * does, AND when both do, "X WITH E" as X (an exception only adds
 * permissions). why collects, for a result that fails, the ids that made it
 * fail; a part that passes takes its reasons back. */
struct expr {
	const char *s;
	size_t pos;
	const struct al_policy *p;
	struct al_buf *why;
	bool bad;      /* not an expression */
	bool oom;
};

/* The next token: "(", ")" or a word; its length, 0 at the end. */
static size_t tok(struct expr *e, const char **t)
{
	size_t n;

	while (e->s[e->pos] == ' ')
		e->pos++;
	*t = e->s + e->pos;
	if (**t == '(' || **t == ')')
		return 1;
	n = strspn(*t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.+-:");
	if (!n && **t)
		e->bad = true;
	return n;
}

static bool is_op(const char *t, size_t n, const char *op)
{
	return n == strlen(op) && !strncasecmp(t, op, n);
}

static bool leaf(struct expr *e, const char *id, size_t n)
{
	const char *why = NULL;

	if (in_list(&e->p->licenses_deny, id, n))
		why = "is denied";
	else if (e->p->licenses_allow.n && !in_list(&e->p->licenses_allow, id, n))
		why = "is not allowed";
	if (!why)
		return true;
	if (al_buf_addf(e->why, "%s%.*s %s", e->why->len ? ", " : "", (int)n, id, why))
		e->oom = true;
	return false;
}

static bool expr_or(struct expr *e, int depth);

static bool expr_primary(struct expr *e, int depth)
{
	const char *t;
	size_t n = tok(e, &t);
	bool ok;

	if (e->bad || !n || depth > EXPR_DEPTH || is_op(t, n, "AND") || is_op(t, n, "OR") ||
	    is_op(t, n, "WITH") || *t == ')') {
		e->bad = true;
		return false;
	}
	e->pos += n;
	if (*t == '(') {
		ok = expr_or(e, depth + 1);
		if (tok(e, &t) != 1 || *t != ')') {
			e->bad = true;
			return false;
		}
		e->pos++;
		return ok;
	}
	ok = leaf(e, t, n);
	n = tok(e, &t);
	if (is_op(t, n, "WITH")) {
		e->pos += n;
		n = tok(e, &t);
		if (!n || *t == '(' || *t == ')') {
			e->bad = true;
			return false;
		}
		e->pos += n;
	}
	return ok;
}

static bool expr_and(struct expr *e, int depth)
{
	const char *t;
	size_t n;
	bool ok = expr_primary(e, depth);

	while (!e->bad && (n = tok(e, &t)) && is_op(t, n, "AND")) {
		e->pos += n;
		ok &= expr_primary(e, depth);
	}
	return ok;
}

static bool expr_or(struct expr *e, int depth)
{
	const char *t;
	size_t n, start = e->why->len;
	bool ok = expr_and(e, depth);

	while (!e->bad && (n = tok(e, &t)) && is_op(t, n, "OR")) {
		e->pos += n;
		ok |= expr_and(e, depth);
	}
	if (ok && !e->bad)
		al_buf_truncate(e->why, start);
	return ok;
}

/* 1 passes, 0 fails (why says which ids), -1 not an SPDX expression. */
static int eval_expression(const struct al_policy *p, const char *s, struct al_buf *why, bool *oom)
{
	struct expr e = { s, 0, p, why, false, false };
	const char *t;
	bool ok = expr_or(&e, 0);

	if (!e.bad && tok(&e, &t))
		e.bad = true;
	*oom |= e.oom;
	return e.bad ? -1 : ok;
}

al_err al_policy_license_expr(const struct al_policy *p, const char *expr, int *verdict,
                              struct al_buf *why)
{
	bool oom = false;

	*verdict = eval_expression(p, expr, why, &oom);
	return oom ? AL_ENOMEM : AL_OK;
}

/* The licence of x: 1 passes, 0 fails (why says which ids), -1 unknown
 * (why says what was found). AL_ENOMEM or AL_OK. */
static al_err judge_license(struct pctx *c, const struct al_lock_dist *x, int *verdict,
                            struct al_buf *why, struct al_diag *d)
{
	struct al_diag d2 = AL_DIAG_INIT;
	struct al_buf unk = AL_BUF_INIT;
	json_t *lic = NULL;
	size_t i;
	bool oom = false, unknown = false, fail = false;
	al_err e2 = al_sbom_dist_licenses(c->env ? c->env->store : NULL, x, &lic, &d2);

	al_buf_reset(why);
	if (e2 == AL_ENOMEM)
		return al_oom(d);
	if (e2) {
		*verdict = -1;
		if (e2 == AL_ENOTFOUND ? al_buf_addstr(why, "its metadata is not in the store")
		                       : al_buf_addstr(why, "its metadata cannot be read: ") ||
		                         al_buf_add_safe(why, d2.msg, strlen(d2.msg), 0))
			return al_oom(d);
		return AL_OK;
	}
	/* several licences (classifiers): each must pass */
	for (i = 0; i < json_array_size(lic) && !oom; i++) {
		json_t *o = json_array_get(lic, i), *l = json_object_get(o, "license");
		const char *expr = json_string_value(json_object_get(o, "expression"));
		const char *id = json_string_value(json_object_get(l, "id"));
		const char *name = json_string_value(json_object_get(l, "name"));
		int r = expr ? eval_expression(c->p, expr, why, &oom)
		             : id ? eval_expression(c->p, id, why, &oom) : -1;
		if (r < 0) {
			unknown = true;
			if (!expr)
				expr = name ? name : "";
			if (al_buf_addstr(&unk, unk.len ? ", '" : "'") ||
			    al_buf_add_safe(&unk, expr, strlen(expr), 0) ||
			    al_buf_addstr(&unk, "' is no SPDX expression airlock knows"))
				oom = true;
		}
		fail |= r == 0;
	}
	if (!json_array_size(lic) && al_buf_addstr(&unk, "its metadata names no licence"))
		oom = true;
	json_decref(lic);
	/* a licence that fails is reported as such, whatever else is unknown */
	*verdict = fail ? 0 : unknown || !i ? -1 : 1;
	if (!oom && *verdict < 0) {
		al_buf_reset(why);
		oom = al_buf_add(why, unk.buf, unk.len) != AL_OK;
	}
	al_buf_release(&unk);
	return oom ? al_oom(d) : AL_OK;
}

static al_err check_licenses(struct pctx *c, struct al_diag *d)
{
	const struct al_lock_target *t;
	const struct al_lock_dist *x;
	struct al_buf why = AL_BUF_INIT;
	size_t i, k;
	al_err err = AL_OK;

	FOR_EACH_DIST(c->l, t, x, i, k) {
		int v = 0;
		if ((err = judge_license(c, x, &v, &why, d)))
			break;
		if (v > 0 || (v < 0 && al_policy_unknown_allowed(c->p)))
			continue;
		if (v == 0 ? al_buf_addf(&c->msg, "policy.licenses: %s %s: %s", x->name, x->version, why.buf)
		           : al_buf_addf(&c->msg, "policy.licenses: %s %s has no recognisable licence (%s) "
		                         "and unknown is deny", x->name, x->version, why.buf)) {
			err = al_oom(d);
			break;
		}
		if ((err = report(c, t, x, d)))
			break;
	}
	al_buf_release(&why);
	return err;
}

al_err al_policy_check(const struct al_policy *p, const struct al_lock *l,
                       const struct al_policy_env *env, unsigned *nviolations, struct al_diag *d)
{
	struct pctx c = { l, p, env, 0, AL_BUF_INIT };
	al_err err = AL_OK;

	if (nviolations)
		*nviolations = 0;
	if (!p || !p->given)
		return AL_OK;
	if (p->licenses_given)
		err = check_licenses(&c, d);
	if (!err && p->deny.n)
		err = check_deny(&c, p, d);
	if (!err && p->wheels_only)
		err = check_wheels_only(&c, d);
	if (!err && p->max_total_size)
		err = check_size(&c, p, d);
	if (!err && p->vulnerabilities_deny)
		err = check_vulnerabilities(&c, d);
	al_buf_release(&c.msg);
	if (nviolations)
		*nviolations = c.n;
	return err;
}
