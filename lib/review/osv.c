/*
 * osv.c: the offline vulnerability audit. OSV records come from a
 * directory, a zip (OSV's PyPI/all.zip) or one file, are read one at a time
 * under caps, and only what matches a locked distribution is kept: the whole
 * PyPI export never sits in memory. docs/reference/audit.md has the rules
 * (which fields, the range algorithm, local versions, hostile records).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/mem.h"
#include "pypa/names.h"
#include "pypa/pep440.h"
#include "review/osv.h"

struct pkg {
	const char *name, *version; /* the lock's */
	struct al_version v;        /* its public version (local label dropped) */
};

struct al_osv_ctx {
	struct pkg *pkgs; /* sorted by name, then version; distinct */
	size_t npkgs;
	const struct al_audit_opts *o;
	struct al_audit *res;
};

enum ev_kind { EV_INTRODUCED, EV_LAST_AFFECTED, EV_FIXED, EV_LIMIT };
static const char *const ev_keys[] = { "introduced", "last_affected", "fixed", "limit" };

struct ev {
	enum ev_kind kind;
	bool zero;   /* introduced "0": before every version */
	bool star;   /* limit "*": no limit */
	const char *text;
	struct al_version v;
};

struct range {
	struct ev *evs;
	size_t n;
	bool skip;   /* a version in it is not PEP 440: never matches (warned) */
};

static void warn(struct al_osv_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct al_osv_ctx *c, const char *fmt, ...)
{
	struct al_buf b = AL_BUF_INIT;
	va_list ap;

	if (!c->o || !c->o->warn)
		return;
	va_start(ap, fmt);
	if (!al_buf_vaddf(&b, fmt, ap))
		c->o->warn(c->o->ctx, b.buf);
	/* a warning that cannot be formatted is lost, never the audit */
	va_end(ap);
	al_buf_release(&b);
}

static al_err bad(struct al_diag *d, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static al_err bad(struct al_diag *d, const char *name, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return al_diag_set(d, AL_EINVALID, "bad OSV record '%s': %s", name, what);
}

static int pkg_cmp(const void *a, const void *b)
{
	const struct pkg *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->version, y->version);
}

static int match_cmp(const void *a, const void *b)
{
	const struct al_audit_match *x = a, *y = b;
	int c = strcmp(x->project, y->project);
	if (!c)
		c = strcmp(x->version, y->version);
	return c ? c : strcmp(x->id, y->id);
}

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	int c;

	if (x->zero != y->zero)
		return x->zero ? -1 : 1;
	if (x->star != y->star)
		return x->star ? 1 : -1;
	if (!x->zero && !x->star && (c = al_version_cmp(&x->v, &y->v)))
		return c;
	return (int)x->kind - (int)y->kind;
}

static void range_release(struct range *r)
{
	size_t i;
	for (i = 0; i < r->n; i++)
		al_version_release(&r->evs[i].v);
	al_free(r->evs);
	r->evs = NULL;
	r->n = 0;
}

static void match_release(struct al_audit_match *m)
{
	al_free(m->id);
	al_free(m->summary);
	al_strv_free(m->aliases, m->naliases);
	al_strv_free(m->severity, m->nseverity);
	al_free(m->project);
	al_free(m->version);
	al_strv_free(m->fixed, m->nfixed);
	al_free(m->source);
}

void al_audit_release(struct al_audit *a)
{
	size_t i;
	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		match_release(&a->matches[i]);
	al_free(a->matches);
	memset(a, 0, sizeof(*a));
}

/* ---- the lock's distributions ------------------------------------------ */

static al_err add_pkg(struct al_osv_ctx *c, size_t *alloc, const struct al_lock_dist *x,
                      struct al_diag *d)
{
	struct pkg *p;

	if (AL_GROW(c->pkgs, *alloc, c->npkgs + 1))
		return al_oom(d);
	p = &c->pkgs[c->npkgs];
	memset(p, 0, sizeof(*p));
	p->name = x->name;
	p->version = x->version;
	if (al_version_parse(&p->v, x->version, d))
		return al_diag_prefix(d, "the lock's '%s': ", x->name);
	/* audited as its public version: 1.0+cpu is a build of 1.0 */
	p->v.nlocal = 0;
	c->npkgs++;
	return AL_OK;
}

al_err al_osv_ctx_new(struct al_osv_ctx **out, const struct al_lock *l, const struct al_audit_opts *o,
                      struct al_audit *res, struct al_diag *d)
{
	struct al_osv_ctx *c = al_calloc(1, sizeof(*c));
	size_t alloc = 0, i, k, w;
	al_err err = AL_OK;

	*out = NULL;
	if (!c)
		return al_oom(d);
	c->o = o;
	c->res = res;
	for (i = 0; i < l->ntargets && !err; i++) {
		for (k = 0; k < l->targets[i].ndists && !err; k++)
			err = add_pkg(c, &alloc, &l->targets[i].dists[k], d);
		for (k = 0; k < l->targets[i].nbuild_dists && !err; k++)
			err = add_pkg(c, &alloc, &l->targets[i].build_dists[k], d);
	}
	if (err) {
		al_osv_ctx_free(c);
		return err;
	}
	if (c->npkgs)
		qsort(c->pkgs, c->npkgs, sizeof(*c->pkgs), pkg_cmp);
	for (i = 0, w = 0; i < c->npkgs; i++) {
		if (w && !pkg_cmp(&c->pkgs[w - 1], &c->pkgs[i])) {
			c->pkgs[i].v.nlocal = 0;
			al_version_release(&c->pkgs[i].v);
			continue;
		}
		c->pkgs[w++] = c->pkgs[i];
	}
	c->npkgs = w;
	res->distributions = w;
	*out = c;
	return AL_OK;
}

void al_osv_ctx_free(struct al_osv_ctx *c)
{
	size_t i;
	if (!c)
		return;
	for (i = 0; i < c->npkgs; i++)
		al_version_release(&c->pkgs[i].v);
	al_free(c->pkgs);
	al_free(c);
}

static bool ignored_id(const struct al_audit_ignore *ig, const struct al_audit_match *m)
{
	size_t i;
	if (!strcmp(ig->id, m->id))
		return true;
	for (i = 0; i < m->naliases; i++)
		if (!strcmp(ig->id, m->aliases[i]))
			return true;
	return false;
}

void al_osv_ctx_finish(struct al_osv_ctx *c)
{
	struct al_audit *r = c->res;
	size_t i, k;

	if (r->n)
		qsort(r->matches, r->n, sizeof(*r->matches), match_cmp);
	for (i = 0; i < r->n; i++)
		for (k = 0; c->o && k < c->o->nignore; k++)
			if (ignored_id(&c->o->ignore[k], &r->matches[i])) {
				r->matches[i].ignored = c->o->ignore[k].reason ? c->o->ignore[k].reason : "";
				break;
			}
}

/* ---- one record -------------------------------------------------------- */

/* obj[key] as a string, NULL when absent; a present non-string is an error. */
static al_err get_str(json_t *obj, const char *key, const char *name, const char *where,
                      const char **out, struct al_diag *d)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v)
		return AL_OK;
	if (!json_is_string(v))
		return bad(d, name, "%s%s: expected a string", where, key);
	*out = json_string_value(v);
	return AL_OK;
}

static al_err get_arr(json_t *obj, const char *key, const char *name, const char *where,
                      json_t **out, struct al_diag *d)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v)
		return AL_OK;
	if (!json_is_array(v))
		return bad(d, name, "%s%s: expected an array", where, key);
	*out = v;
	return AL_OK;
}

static al_err strv_push(char ***v, size_t *n, const char *s, struct al_diag *d)
{
	char **nv;
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return AL_OK;
	if (!(nv = al_reallocarray(*v, *n + 1, sizeof(*nv))))
		return al_oom(d);
	*v = nv;
	if (!(nv[*n] = al_strdup(s)))
		return al_oom(d);
	(*n)++;
	return AL_OK;
}

/* severity: [{type, score}] into "TYPE SCORE" strings. */
static al_err add_severity(struct al_audit_match *m, json_t *sev, const char *name,
                           const char *where, struct al_diag *d)
{
	struct al_buf b = AL_BUF_INIT;
	size_t i;
	json_t *s;
	al_err err = AL_OK;

	if (!sev)
		return AL_OK;
	json_array_foreach(sev, i, s) {
		const char *type, *score;
		/* every way out goes through the release below: an earlier
		 * entry has grown b (found by the osv-record fuzzer) */
		if (!json_is_object(s)) {
			err = bad(d, name, "%sseverity[%zu]: expected an object", where, i);
			break;
		}
		if ((err = get_str(s, "type", name, where, &type, d)) ||
		    (err = get_str(s, "score", name, where, &score, d)))
			break;
		if (!type || !score) {
			err = bad(d, name, "%sseverity[%zu]: needs a type and a score", where, i);
			break;
		}
		al_buf_reset(&b);
		if (al_buf_addf(&b, "%s %s", type, score) ||
		    (err = strv_push(&m->severity, &m->nseverity, b.buf, d))) {
			err = err ? err : al_oom(d);
			break;
		}
	}
	al_buf_release(&b);
	return err;
}

/* The ranges of one affected[] entry: ECOSYSTEM ones parsed, the others
 * (SEMVER, GIT: not how PyPI versions are ordered) checked and dropped. */
static al_err parse_ranges(struct al_osv_ctx *c, json_t *ranges, const char *name, size_t ai,
                           struct range **out, size_t *nout, struct al_diag *d)
{
	struct range *rs = NULL;
	size_t i, j, n = 0;
	al_err perr;
	json_t *r, *e;
	al_err err = AL_OK;
	char where[96];

	*out = NULL;
	*nout = 0;
	if (!ranges || !json_array_size(ranges))
		return AL_OK;
	if (!(rs = al_calloc(json_array_size(ranges), sizeof(*rs))))
		return al_oom(d);
	json_array_foreach(ranges, i, r) {
		const char *type;
		json_t *events;
		struct range *cur;

		snprintf(where, sizeof(where), "affected[%zu].ranges[%zu].", ai, i);
		if (!json_is_object(r)) {
			err = bad(d, name, "affected[%zu].ranges[%zu]: expected an object", ai, i);
			goto fail;
		}
		if ((err = get_str(r, "type", name, where, &type, d)) ||
		    (err = get_arr(r, "events", name, where, &events, d)))
			goto fail;
		if (!type || !events) {
			err = bad(d, name, "%.*s: needs a type and events", (int)strlen(where) - 1, where);
			goto fail;
		}
		cur = &rs[n];
		json_array_foreach(events, j, e) {
			const char *key, *val = NULL;
			json_t *v;
			int kind = -1, k;

			if (!json_is_object(e) || json_object_size(e) != 1) {
				err = bad(d, name, "%sevents[%zu]: expected an object with one key", where, j);
				goto fail;
			}
			json_object_foreach(e, key, v) {
				for (k = 0; k < 4; k++)
					if (!strcmp(key, ev_keys[k]))
						kind = k;
				if (!json_is_string(v)) {
					err = bad(d, name, "%sevents[%zu].%s: expected a string", where, j, key);
					goto fail;
				}
				val = json_string_value(v);
			}
			if (kind < 0) {
				err = bad(d, name, "%sevents[%zu]: unknown event '%s'", where, j,
				          json_object_iter_key(json_object_iter(e)));
				goto fail;
			}
			if (strcmp(type, "ECOSYSTEM") || cur->skip)
				continue;
			if (!cur->evs && !(cur->evs = al_calloc(json_array_size(events), sizeof(*cur->evs)))) {
				err = al_oom(d);
				goto fail;
			}
			cur->evs[cur->n].kind = (enum ev_kind)kind;
			cur->evs[cur->n].text = val;
			if (kind == EV_INTRODUCED && !strcmp(val, "0"))
				cur->evs[cur->n].zero = true;
			else if (kind == EV_LIMIT && !strcmp(val, "*"))
				cur->evs[cur->n].star = true;
			else if ((perr = al_version_parse(&cur->evs[cur->n].v, val, NULL))) {
				char q[AL_QUOTE_MAX];
				/* out of memory is an error, never "not a version":
				 * a range skipped for it would hide a match */
				if (perr == AL_ENOMEM) {
					err = al_oom(d);
					goto fail;
				}
				al_pep_quote(q, sizeof(q), val, strlen(val));
				warn(c, "OSV record '%s': %sevents[%zu]: '%s' is not a PEP 440 version: "
				     "range skipped", name, where, j, q);
				range_release(cur);
				cur->skip = true;
				continue;
			}
			cur->n++;
		}
		if (!strcmp(type, "ECOSYSTEM") && !cur->skip) {
			if (cur->n)
				qsort(cur->evs, cur->n, sizeof(*cur->evs), ev_cmp);
			n++;
		} else {
			range_release(cur);
			cur->skip = false;
		}
	}
	*out = rs;
	*nout = n;
	return AL_OK;
fail:
	for (i = 0; i < json_array_size(ranges); i++)
		range_release(&rs[i]);
	al_free(rs);
	return err;
}

/* OSV's algorithm: walk the events in version order; introduced turns the
 * range on, fixed (at or below v) and last_affected (below v) turn it off;
 * with limit events, v must be below one of them. */
static bool in_range(const struct range *r, const struct al_version *v)
{
	bool affected = false, has_limit = false, below_limit = false;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct ev *e = &r->evs[i];
		switch (e->kind) {
		case EV_INTRODUCED:
			if (e->zero || al_version_cmp(v, &e->v) >= 0)
				affected = true;
			break;
		case EV_FIXED:
			if (al_version_cmp(v, &e->v) >= 0)
				affected = false;
			break;
		case EV_LAST_AFFECTED:
			if (al_version_cmp(v, &e->v) > 0)
				affected = false;
			break;
		case EV_LIMIT:
			has_limit = true;
			if (e->star || al_version_cmp(v, &e->v) < 0)
				below_limit = true;
			break;
		}
	}
	return affected && (!has_limit || below_limit);
}

/* *hit: p's version is listed in versions. Out of memory is an error, never
 * "not listed": an audit that ran out of memory must not pass. */
static al_err in_versions(json_t *versions, const struct pkg *p, bool *hit, struct al_diag *d)
{
	size_t i;
	json_t *s;

	*hit = false;
	json_array_foreach(versions, i, s) {
		struct al_version v = AL_VERSION_INIT;
		al_err err = al_version_parse(&v, json_string_value(s), NULL);
		bool eq;
		if (err) { /* v is left empty */
			if (err == AL_ENOMEM)
				return al_oom(d);
			continue; /* not PEP 440: never a locked (canonical) version */
		}
		eq = al_version_cmp(&v, &p->v) == 0 && (!v.nlocal || !strcmp(v.lower, p->version));
		al_version_release(&v);
		if (eq) {
			*hit = true;
			return AL_OK;
		}
	}
	return AL_OK;
}

/* The match of this record for p, made on first use. */
static al_err get_match(struct al_osv_ctx *c, size_t first, json_t *root, const char *id,
                        const struct pkg *p, const char *name, struct al_audit_match **out,
                        struct al_diag *d)
{
	struct al_audit *r = c->res;
	struct al_audit_match *m;
	const char *summary;
	json_t *aliases, *s, *dbs;
	size_t i;
	al_err err;

	for (i = first; i < r->n; i++)
		if (!strcmp(r->matches[i].project, p->name) && !strcmp(r->matches[i].version, p->version)) {
			*out = &r->matches[i];
			return AL_OK;
		}
	if (AL_GROW(r->matches, r->alloc, r->n + 1))
		return al_oom(d);
	m = &r->matches[r->n++];
	memset(m, 0, sizeof(*m));
	summary = json_string_value(json_object_get(root, "summary"));
	if (!summary)
		summary = json_string_value(json_object_get(root, "details"));
	if (!(m->id = al_strdup(id)) || (summary && !(m->summary = al_strndup(summary, 200))) ||
	    !(m->project = al_strdup(p->name)) || !(m->version = al_strdup(p->version)) ||
	    !(m->source = al_strdup(name)))
		return al_oom(d);
	if (m->summary && strchr(m->summary, '\n'))
		*strchr(m->summary, '\n') = '\0'; /* details: its first line */
	aliases = json_object_get(root, "aliases");
	json_array_foreach(aliases, i, s)
		if ((err = strv_push(&m->aliases, &m->naliases, json_string_value(s), d)))
			return err;
	if ((err = add_severity(m, json_object_get(root, "severity"), name, "", d)))
		return err;
	dbs = json_object_get(root, "database_specific");
	if (json_is_object(dbs) && json_is_string(json_object_get(dbs, "severity")) &&
	    (err = strv_push(&m->severity, &m->nseverity,
	                     json_string_value(json_object_get(dbs, "severity")), d)))
		return err;
	*out = m;
	return AL_OK;
}

static al_err check_strings(json_t *arr, const char *name, const char *what, struct al_diag *d)
{
	size_t i;
	json_t *s;
	json_array_foreach(arr, i, s)
		if (!json_is_string(s))
			return bad(d, name, "%s[%zu]: expected a string", what, i);
	return AL_OK;
}

static al_err one_affected(struct al_osv_ctx *c, json_t *root, const char *id, json_t *a,
                           size_t ai, size_t first, const char *name, struct al_diag *d)
{
	const char *eco = NULL, *pname = NULL;
	json_t *pkgobj, *ranges, *versions, *sev;
	struct range *rs = NULL;
	size_t nrs = 0, lo, hi, i, k;
	char where[64], pwhere[80], *norm = NULL;
	al_err err;

	snprintf(where, sizeof(where), "affected[%zu].", ai);
	snprintf(pwhere, sizeof(pwhere), "affected[%zu].package.", ai);
	if (!json_is_object(a))
		return bad(d, name, "affected[%zu]: expected an object", ai);
	pkgobj = json_object_get(a, "package");
	if (pkgobj && !json_is_object(pkgobj))
		return bad(d, name, "%spackage: expected an object", where);
	if (pkgobj && ((err = get_str(pkgobj, "ecosystem", name, pwhere, &eco, d)) ||
	               (err = get_str(pkgobj, "name", name, pwhere, &pname, d))))
		return err;
	if ((err = get_arr(a, "ranges", name, where, &ranges, d)) ||
	    (err = get_arr(a, "versions", name, where, &versions, d)) ||
	    (err = get_arr(a, "severity", name, where, &sev, d)))
		return err;
	if (versions) {
		char w[80];
		snprintf(w, sizeof(w), "%sversions", where);
		if ((err = check_strings(versions, name, w, d)))
			return err;
	}
	if (!eco || !pname || strcmp(eco, "PyPI"))
		return AL_OK;
	if (!(norm = al_name_normalize(pname)))
		return al_oom(d);
	/* the lock's versions of this project: pkgs[lo, hi) */
	for (lo = 0, hi = c->npkgs; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(c->pkgs[mid].name, norm) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = lo; hi < c->npkgs && !strcmp(c->pkgs[hi].name, norm); hi++)
		;
	if ((err = parse_ranges(c, ranges, name, ai, &rs, &nrs, d)))
		goto out;
	for (i = lo; i < hi; i++) {
		struct al_audit_match *m = NULL;
		bool hit = false;
		if (versions && (err = in_versions(versions, &c->pkgs[i], &hit, d)))
			goto out;
		for (k = 0; k < nrs && !hit; k++)
			hit = in_range(&rs[k], &c->pkgs[i].v);
		if (!hit)
			continue;
		if ((err = get_match(c, first, root, id, &c->pkgs[i], name, &m, d)) ||
		    (err = add_severity(m, sev, name, where, d)))
			goto out;
		/* the fixes that are upgrades: one at or below the locked
		 * version (an earlier line's fix) is no way out of this match */
		for (k = 0; k < nrs; k++) {
			size_t e;
			for (e = 0; e < rs[k].n; e++)
				if (rs[k].evs[e].kind == EV_FIXED &&
				    al_version_cmp(&rs[k].evs[e].v, &c->pkgs[i].v) > 0 &&
				    (err = strv_push(&m->fixed, &m->nfixed, rs[k].evs[e].text, d)))
					goto out;
		}
	}
out:
	for (k = 0; k < nrs; k++)
		range_release(&rs[k]);
	al_free(rs);
	al_free(norm);
	return err;
}

al_err al_osv_record(struct al_osv_ctx *c, const char *name, const char *buf, size_t len,
                     struct al_diag *d)
{
	json_error_t je;
	json_t *root, *aliases, *affected, *a;
	const char *id, *withdrawn, *summary;
	size_t first = c->res->n, i;
	bool oom = false;
	al_err err;

	if (len > AL_OSV_RECORD_MAX)
		return al_diag_set(d, AL_ELIMIT, "OSV record '%s' is larger than %zu bytes", name,
		                   AL_OSV_RECORD_MAX);
	if (!(root = al_json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je, &oom)))
		return oom ? al_oom(d)
		           : al_diag_set(d, AL_EPARSE, "bad OSV record '%s': line %d: %s", name, je.line,
		                         je.text);
	c->res->records++;
	if (!json_is_object(root)) {
		err = bad(d, name, "expected a JSON object");
		goto out;
	}
	if ((err = get_str(root, "id", name, "", &id, d)) ||
	    (err = get_str(root, "withdrawn", name, "", &withdrawn, d)) ||
	    (err = get_str(root, "summary", name, "", &summary, d)) ||
	    (err = get_str(root, "details", name, "", &summary, d)) ||
	    (err = get_arr(root, "aliases", name, "", &aliases, d)) ||
	    (err = get_arr(root, "affected", name, "", &affected, d)) ||
	    (err = get_arr(root, "severity", name, "", &a, d)) ||
	    (err = check_strings(aliases, name, "aliases", d)))
		goto out;
	if (!id || !*id) {
		err = bad(d, name, "id: missing");
		goto out;
	}
	if (withdrawn)
		goto out;
	json_array_foreach(affected, i, a)
		if ((err = one_affected(c, root, id, a, i, first, name, d)))
			goto out;
out:
	json_decref(root);
	return err;
}

/* ---- sources ------------------------------------------------------------ */

static bool ends_json(const char *s)
{
	size_t n = strlen(s);
	return n > 5 && !strcmp(s + n - 5, ".json");
}

static al_err from_zip(struct al_osv_ctx *c, const char *path, int fd, struct al_diag *d)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	struct al_buf b = AL_BUF_INIT, name = AL_BUF_INIT;
	uint64_t unpacked = 0;
	unsigned entries = 0;
	al_err err = AL_OK;
	int rc;

	if (!a)
		return al_oom(d);
	archive_read_support_format_zip(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		err = al_diag_set(d, AL_EINVALID, "'%s' is not a readable zip: %s", path,
		                  archive_error_string(a));
		goto out;
	}
	while ((rc = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char *member = archive_entry_pathname(ae);
		char chunk[65536];
		la_ssize_t n;

		if (++entries > AL_OSV_ENTRIES_MAX) {
			err = al_diag_set(d, AL_ELIMIT, "'%s' has more than %u members", path,
			                  AL_OSV_ENTRIES_MAX);
			goto out;
		}
		/* Only the records; the name is never a path we open, only a
		 * label in messages (escaped by whoever prints it). */
		if (!member || archive_entry_filetype(ae) != AE_IFREG || !ends_json(member))
			continue;
		al_buf_reset(&b);
		al_buf_reset(&name);
		if (al_buf_addf(&name, "%s:%s", path, member)) {
			err = al_oom(d);
			goto out;
		}
		while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
			unpacked += (uint64_t)n;
			if (unpacked > AL_OSV_UNPACKED_MAX) {
				err = al_diag_set(d, AL_ELIMIT, "'%s': more than %llu bytes unpacked", path,
				                  (unsigned long long)AL_OSV_UNPACKED_MAX);
				goto out;
			}
			if (b.len + (size_t)n > AL_OSV_RECORD_MAX) {
				err = al_diag_set(d, AL_ELIMIT, "OSV record '%s' is larger than %zu bytes",
				                  name.buf, AL_OSV_RECORD_MAX);
				goto out;
			}
			if (al_buf_add(&b, chunk, (size_t)n)) {
				err = al_oom(d);
				goto out;
			}
		}
		if (n < 0) {
			err = al_diag_set(d, AL_EINVALID, "'%s': %s", name.buf, archive_error_string(a));
			goto out;
		}
		if ((err = al_osv_record(c, name.buf, b.buf, b.len, d)))
			goto out;
	}
	if (rc != ARCHIVE_EOF)
		err = al_diag_set(d, AL_EINVALID, "'%s': %s", path, archive_error_string(a));
out:
	archive_read_free(a);
	al_buf_release(&b);
	al_buf_release(&name);
	return err;
}

static al_err from_fd(struct al_osv_ctx *c, const char *path, int fd, struct al_diag *d)
{
	struct al_buf b = AL_BUF_INIT;
	al_err err;

	if ((err = al_buf_read_fd(&b, fd, path, AL_OSV_RECORD_MAX, d)) == AL_OK)
		err = al_osv_record(c, path, b.buf, b.len, d);
	al_buf_release(&b);
	return err;
}

static al_err from_dir(struct al_osv_ctx *c, const char *path, int dfd, struct al_diag *d)
{
	DIR *dir = fdopendir(dfd);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0, i;
	struct al_buf full = AL_BUF_INIT;
	al_err err = AL_OK;

	if (!dir) {
		close(dfd);
		return al_diag_set(d, AL_EIO, "cannot read '%s': %s", path, strerror(errno));
	}
	while ((errno = 0, de = readdir(dir))) {
		if (!ends_json(de->d_name) || de->d_name[0] == '.')
			continue;
		if (n >= AL_OSV_ENTRIES_MAX) {
			err = al_diag_set(d, AL_ELIMIT, "'%s' has more than %u records", path,
			                  AL_OSV_ENTRIES_MAX);
			goto out;
		}
		if (AL_GROW(names, alloc, n + 1) || !(names[n] = al_strdup(de->d_name))) {
			err = al_oom(d);
			goto out;
		}
		n++;
	}
	if (errno) {
		err = al_diag_set(d, AL_EIO, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (n)
		qsort(names, n, sizeof(*names), al_strv_cmp); /* the same warnings in the same order */
	for (i = 0; i < n && !err; i++) {
		struct stat st;
		int fd;

		al_buf_reset(&full);
		if (al_buf_addf(&full, "%s/%s", path, names[i])) {
			err = al_oom(d);
			break;
		}
		fd = openat(dirfd(dir), names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
			/* a symlink, a directory, a fifo: not a record of this directory */
			warn(c, "'%s' is not a regular file: skipped", full.buf);
			if (fd >= 0)
				close(fd);
			continue;
		}
		err = from_fd(c, full.buf, fd, d);
		close(fd);
	}
out:
	al_strv_free(names, n);
	al_buf_release(&full);
	closedir(dir);
	return err;
}

al_err al_audit_osv(const struct al_lock *l, const char *path, const struct al_audit_opts *o,
                    struct al_audit *out, struct al_diag *d)
{
	struct al_osv_ctx *c = NULL;
	unsigned char magic[4];
	struct stat st;
	size_t n0 = out->n, i;
	uint64_t records0 = out->records;
	int fd;
	al_err err;

	if ((err = al_osv_ctx_new(&c, l, o, out, d)))
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = al_diag_set(d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO, "cannot open '%s': %s",
		                  path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st)) {
		err = al_diag_set(d, AL_EIO, "cannot read '%s': %s", path, strerror(errno));
		close(fd);
		goto out;
	}
	if (o && o->label)
		path = o->label; /* from here on, only a name in messages */
	if (S_ISDIR(st.st_mode)) {
		err = from_dir(c, path, fd, d); /* takes fd */
	} else if (!S_ISREG(st.st_mode)) {
		err = al_diag_set(d, AL_EINVALID, "'%s' is neither a directory nor a file", path);
		close(fd);
	} else {
		if (pread(fd, magic, 4, 0) == 4 && !memcmp(magic, "PK\3\4", 4))
			err = from_zip(c, path, fd, d);
		else
			err = from_fd(c, path, fd, d);
		close(fd);
	}
	if (!err)
		al_osv_ctx_finish(c);
out:
	al_osv_ctx_free(c);
	if (err) {
		/* out as it was: no half-read record's match is left behind */
		for (i = n0; i < out->n; i++)
			match_release(&out->matches[i]);
		out->n = n0;
		out->records = records0;
	}
	return err;
}
