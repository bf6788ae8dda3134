/*
 * lock.c: airlock.lock, the pinned result of `airlock lock` (docs/reference/lock.md,
 * schema/airlock.lock.schema.json).
 *
 * The file is YAML written by hand here rather than through an emitter, so
 * that its bytes are a pure function of the lock: lists in canonical order,
 * keys in a fixed order, every string double-quoted with YAML escapes. The
 * same lock always gives the same bytes, which keeps diffs reviewable and
 * lets `lock --check` compare.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "core/yamlx.h"
#include "spec/lock.h"
#include "spec/lockjson.h"

void al_lock_dist_release(struct al_lock_dist *x)
{
	al_free(x->name);
	al_free(x->version);
	al_free(x->filename);
	al_free(x->url);
	al_free(x->sha256);
	al_free(x->requires_python);
	al_free(x->metadata_sha256);
	al_free(x->index);
	al_strv_free(x->required_by, x->nrequired_by);
	memset(x, 0, sizeof(*x));
}

void al_lock_target_release(struct al_lock_target *t)
{
	size_t i;

	al_free(t->name);
	al_free(t->python_version);
	al_free(t->implementation);
	al_strv_free(t->platforms, t->nplatforms);
	for (i = 0; i < t->ndists; i++)
		al_lock_dist_release(&t->dists[i]);
	al_free(t->dists);
	for (i = 0; i < t->nbuild_dists; i++)
		al_lock_dist_release(&t->build_dists[i]);
	al_free(t->build_dists);
	memset(t, 0, sizeof(*t));
}

void al_lock_repo_release(struct al_lock_repo *r)
{
	size_t i;

	al_free(r->type);
	al_free(r->repo);
	al_free(r->revision);
	al_free(r->commit);
	for (i = 0; i < r->nfiles; i++) {
		al_free(r->files[i].path);
		al_free(r->files[i].sha256);
		al_free(r->files[i].git_sha1);
	}
	al_free(r->files);
	memset(r, 0, sizeof(*r));
}

void al_lock_free(struct al_lock *l)
{
	size_t i;

	if (!l)
		return;
	al_free(l->bundle);
	al_free(l->manifest_sha256);
	for (i = 0; i < l->ntargets; i++)
		al_lock_target_release(&l->targets[i]);
	al_free(l->targets);
	for (i = 0; i < l->nrepos; i++)
		al_lock_repo_release(&l->repos[i]);
	al_free(l->repos);
	for (i = 0; i < l->nadvisories; i++) {
		al_free(l->advisories[i].name);
		al_free(l->advisories[i].sha256);
	}
	al_free(l->advisories);
	al_policy_free(l->policy);
	al_free(l);
}

/* ---- the policy a lock carries ---------------------------------------------------- */

static al_err dup_list(struct al_strlist *to, const struct al_strlist *from)
{
	size_t i;

	to->v = NULL;
	to->n = 0;
	if (!from->n)
		return AL_OK;
	if (!(to->v = al_calloc(from->n, sizeof(*to->v))))
		return AL_ENOMEM;
	for (i = 0; i < from->n; i++, to->n++)
		if (!(to->v[i] = al_strdup(from->v[i])))
			return AL_ENOMEM;
	return AL_OK;
}

al_err al_policy_dup(const struct al_policy *p, struct al_policy **out, struct al_diag *d)
{
	struct al_policy *c;

	*out = NULL;
	if (!p || !p->given)
		return AL_OK;
	if (!(c = al_calloc(1, sizeof(*c))))
		return al_oom(d);
	*c = *p;
	if (dup_list(&c->deny, &p->deny) || dup_list(&c->licenses_allow, &p->licenses_allow) ||
	    dup_list(&c->licenses_deny, &p->licenses_deny)) {
		al_policy_free(c);
		return al_oom(d);
	}
	*out = c;
	return AL_OK;
}

void al_policy_free(struct al_policy *p)
{
	if (!p)
		return;
	al_strv_free(p->deny.v, p->deny.n);
	al_strv_free(p->licenses_allow.v, p->licenses_allow.n);
	al_strv_free(p->licenses_deny.v, p->licenses_deny.n);
	al_free(p);
}

bool al_lock_advisory_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > 128 || name[0] == '.')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int cmp_advisory(const void *a, const void *b)
{
	return strcmp(((const struct al_lock_advisory *)a)->name,
	              ((const struct al_lock_advisory *)b)->name);
}

/* ---- canonical order ---------------------------------------------------------- */

static int cmp_dist(const void *a, const void *b)
{
	const struct al_lock_dist *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->filename, y->filename);
}

static int cmp_target(const void *a, const void *b)
{
	return strcmp(((const struct al_lock_target *)a)->name,
	              ((const struct al_lock_target *)b)->name);
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct al_lock_file *)a)->path, ((const struct al_lock_file *)b)->path);
}

static int cmp_repo(const void *a, const void *b)
{
	const struct al_lock_repo *x = a, *y = b;
	int c = strcmp(x->type, y->type);

	if (!c)
		c = strcmp(x->repo, y->repo);
	if (!c)
		c = strcmp(x->revision ? x->revision : "", y->revision ? y->revision : "");
	return c ? c : strcmp(x->commit, y->commit);
}

void al_lock_sort(struct al_lock *l)
{
	size_t i, j;

	for (i = 0; i < l->ntargets; i++) {
		struct al_lock_target *t = &l->targets[i];
		for (j = 0; j < t->ndists; j++)
			if (t->dists[j].nrequired_by > 1)
				qsort(t->dists[j].required_by, t->dists[j].nrequired_by, sizeof(char *),
				      al_strv_cmp);
		if (t->ndists > 1)
			qsort(t->dists, t->ndists, sizeof(*t->dists), cmp_dist);
		for (j = 0; j < t->nbuild_dists; j++)
			if (t->build_dists[j].nrequired_by > 1)
				qsort(t->build_dists[j].required_by, t->build_dists[j].nrequired_by,
				      sizeof(char *), al_strv_cmp);
		if (t->nbuild_dists > 1)
			qsort(t->build_dists, t->nbuild_dists, sizeof(*t->build_dists), cmp_dist);
	}
	if (l->ntargets > 1)
		qsort(l->targets, l->ntargets, sizeof(*l->targets), cmp_target);
	for (i = 0; i < l->nrepos; i++)
		if (l->repos[i].nfiles > 1)
			qsort(l->repos[i].files, l->repos[i].nfiles, sizeof(*l->repos[i].files),
			      cmp_file);
	if (l->nrepos > 1)
		qsort(l->repos, l->nrepos, sizeof(*l->repos), cmp_repo);
	if (l->nadvisories > 1)
		qsort(l->advisories, l->nadvisories, sizeof(*l->advisories), cmp_advisory);
}

/* ---- writing ---------------------------------------------------------------------- */

/* A YAML double-quoted scalar: escapes for '"', '\\' and control bytes;
 * other UTF-8 passes through. */
al_err al_yaml_quote(struct al_buf *b, const char *s)
{
	const unsigned char *p;
	al_err err;

	if ((err = al_buf_addch(b, '"')))
		return err;
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			err = al_buf_addf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			err = al_buf_addf(b, "\\x%02x", *p);
		else
			err = al_buf_addch(b, (char)*p);
		if (err)
			return err;
	}
	return al_buf_addch(b, '"');
}

static al_err kv(struct al_buf *b, const char *indent, const char *key, const char *val)
{
	al_err err;

	if (!val)
		return AL_OK;
	if ((err = al_buf_addf(b, "%s%s: ", indent, key)) || (err = al_yaml_quote(b, val)))
		return err;
	return al_buf_addch(b, '\n');
}

static al_err strlist(struct al_buf *b, const char *indent, const char *key, char **v, size_t n)
{
	al_err err;
	size_t i;

	if ((err = al_buf_addf(b, "%s%s: [", indent, key)))
		return err;
	for (i = 0; i < n; i++) {
		if ((i && (err = al_buf_addstr(b, ", "))) || (err = al_yaml_quote(b, v[i])))
			return err;
	}
	return al_buf_addstr(b, "]\n");
}

static al_err format_dist(struct al_buf *b, const struct al_lock_dist *x)
{
	const char *in = "        ";
	al_err err;

	if ((err = al_buf_addstr(b, "      - name: ")) || (err = al_yaml_quote(b, x->name)) ||
	    (err = al_buf_addch(b, '\n')) || (err = kv(b, in, "version", x->version)) ||
	    (err = kv(b, in, "filename", x->filename)) || (err = kv(b, in, "url", x->url)) ||
	    (err = kv(b, in, "index", x->index)) || (err = kv(b, in, "sha256", x->sha256)))
		return err;
	if (x->size >= 0 && (err = al_buf_addf(b, "%ssize: %lld\n", in, (long long)x->size)))
		return err;
	if ((err = kv(b, in, "requires-python", x->requires_python)) ||
	    (err = kv(b, in, "metadata-sha256", x->metadata_sha256)))
		return err;
	return strlist(b, in, "required-by", x->required_by, x->nrequired_by);
}

static al_err format_repo(struct al_buf *b, const struct al_lock_repo *r)
{
	const char *in = "    ", *fin = "        ";
	al_err err;
	size_t i;

	if ((err = al_buf_addstr(b, "  - type: ")) || (err = al_yaml_quote(b, r->type)) ||
	    (err = al_buf_addch(b, '\n')) || (err = kv(b, in, "repo", r->repo)) ||
	    (err = kv(b, in, "revision", r->revision)) || (err = kv(b, in, "commit", r->commit)))
		return err;
	if (!r->nfiles)
		return al_buf_addf(b, "%sfiles: []\n", in);
	if ((err = al_buf_addf(b, "%sfiles:\n", in)))
		return err;
	for (i = 0; i < r->nfiles; i++) {
		const struct al_lock_file *f = &r->files[i];
		if ((err = al_buf_addstr(b, "      - path: ")) || (err = al_yaml_quote(b, f->path)) ||
		    (err = al_buf_addf(b, "\n%ssize: %lld\n", fin, (long long)f->size)) ||
		    (err = kv(b, fin, "sha256", f->sha256)) || (err = kv(b, fin, "git-sha1", f->git_sha1)) ||
		    (err = al_buf_addf(b, "%slfs: %s\n", fin, f->lfs ? "true" : "false")))
			return err;
	}
	return AL_OK;
}

static al_err format_policy(struct al_buf *b, const struct al_policy *p)
{
	al_err err;

	if ((err = al_buf_addstr(b, "policy:\n")) ||
	    (err = strlist(b, "  ", "deny", p->deny.v, p->deny.n)))
		return err;
	if (p->licenses_given &&
	    ((err = al_buf_addstr(b, "  licenses:\n")) ||
	     (err = strlist(b, "    ", "allow", p->licenses_allow.v, p->licenses_allow.n)) ||
	     (err = strlist(b, "    ", "deny", p->licenses_deny.v, p->licenses_deny.n)) ||
	     (err = kv(b, "    ", "unknown", p->licenses_unknown == AL_UNKNOWN_ALLOW ? "allow"
	                                     : p->licenses_unknown == AL_UNKNOWN_DENY ? "deny" : NULL))))
		return err;
	return al_buf_addf(b, "  max-total-size: %llu\n  vulnerabilities: \"%s\"\n  wheels-only: %s\n",
	                   (unsigned long long)p->max_total_size,
	                   p->vulnerabilities_deny ? "deny" : "allow", p->wheels_only ? "true" : "false");
}

al_err al_lock_format(const struct al_lock *l, char **out, size_t *len, struct al_diag *d)
{
	struct al_buf b = AL_BUF_INIT;
	al_err err;
	size_t i, j;

	err = al_buf_addf(&b, "# airlock.lock: written by 'airlock lock'; review it, do not edit it.\n"
	                      "version: %d\n", l->version ? l->version : 1);
	if (!err)
		err = kv(&b, "", "bundle", l->bundle);
	if (!err)
		err = kv(&b, "", "manifest-sha256", l->manifest_sha256);
	if (!err)
		err = al_buf_addstr(&b, l->ntargets ? "targets:\n" : "targets: []\n");
	for (i = 0; !err && i < l->ntargets; i++) {
		const struct al_lock_target *t = &l->targets[i];
		err = al_buf_addstr(&b, "  - name: ");
		if (!err)
			err = al_yaml_quote(&b, t->name);
		if (!err)
			err = al_buf_addch(&b, '\n');
		if (!err)
			err = kv(&b, "    ", "python-version", t->python_version);
		if (!err)
			err = kv(&b, "    ", "implementation", t->implementation);
		if (!err)
			err = strlist(&b, "    ", "platforms", t->platforms, t->nplatforms);
		if (!err)
			err = al_buf_addstr(&b, t->ndists ? "    distributions:\n"
			                                   : "    distributions: []\n");
		for (j = 0; !err && j < t->ndists; j++)
			err = format_dist(&b, &t->dists[j]);
		/* only when there are any: a lock without sdists keeps its bytes */
		if (!err && t->nbuild_dists)
			err = al_buf_addstr(&b, "    build-distributions:\n");
		for (j = 0; !err && j < t->nbuild_dists; j++)
			err = format_dist(&b, &t->build_dists[j]);
	}
	if (!err)
		err = al_buf_addstr(&b, l->nrepos ? "repos:\n" : "repos: []\n");
	for (i = 0; !err && i < l->nrepos; i++)
		err = format_repo(&b, &l->repos[i]);
	/* only when there are any: a lock without advisories keeps its bytes */
	if (!err && l->nadvisories)
		err = al_buf_addstr(&b, "advisories:\n");
	for (i = 0; !err && i < l->nadvisories; i++) {
		const struct al_lock_advisory *a = &l->advisories[i];
		if (!(err = al_buf_addstr(&b, "  - name: ")) && !(err = al_yaml_quote(&b, a->name)) &&
		    !(err = al_buf_addf(&b, "\n    size: %lld\n", (long long)a->size)))
			err = kv(&b, "    ", "sha256", a->sha256);
	}
	/* only with a policy: a lock without one keeps its bytes */
	if (!err && l->policy)
		err = format_policy(&b, l->policy);
	if (err) {
		al_buf_release(&b);
		return al_diag_set(d, err, "cannot format the lock: %s", al_strerror(err));
	}
	*out = al_buf_detach(&b, len);
	return *out ? AL_OK : al_oom(d);
}

al_err al_lock_same(const struct al_lock *l, const struct al_lock *prev, bool *same,
                    struct al_diag *d)
{
	char *text = NULL, *old = NULL;
	size_t len = 0, oldlen = 0;
	al_err err;

	*same = false;
	if ((err = al_lock_format(l, &text, &len, d)))
		return err;
	if (prev && !al_lock_format(prev, &old, &oldlen, d))
		*same = oldlen == len && !memcmp(old, text, len);
	al_free(text);
	al_free(old);
	return AL_OK;
}

al_err al_lock_write(const struct al_lock *l, const char *path, bool *changed, struct al_diag *d)
{
	struct al_buf old = AL_BUF_INIT;
	char *text = NULL;
	size_t len = 0;
	al_err err;

	if (changed)
		*changed = true;
	if ((err = al_lock_format(l, &text, &len, d)))
		return err;
	if (!al_buf_read_file(&old, path, AL_LOCK_MAX, NULL) && old.len == len &&
	    !memcmp(old.buf, text, len)) {
		if (changed)
			*changed = false;
		goto out;
	}
	err = al_write_file_atomic(path, text, len, 0644, d);
out:
	al_buf_release(&old);
	al_free(text);
	return err;
}

/* ---- reading ------------------------------------------------------------------------ */

/* The YAML tree as JSON, keys with '-' spelled with '_' (the JSON form). */
static json_t *y2j(const struct al_ynode *n)
{
	json_t *j;
	size_t i;

	switch (n->type) {
	case AL_Y_STR: return json_stringn(n->s, n->len);
	case AL_Y_NULL: return json_null();
	case AL_Y_BOOL: return json_boolean(n->bval);
	case AL_Y_INT: return json_integer(n->ival);
	case AL_Y_FLOAT: return json_stringn(n->s, n->len);
	case AL_Y_SEQ:
		if (!(j = json_array()))
			return NULL;
		for (i = 0; i < n->n; i++)
			if (json_array_append_new(j, y2j(n->kids[i]))) {
				json_decref(j);
				return NULL;
			}
		return j;
	case AL_Y_MAP:
		if (!(j = json_object()))
			return NULL;
		for (i = 0; i < n->n; i++) {
			const struct al_ynode *k = AL_YMAP_KEY(n, i);
			char key[128];
			size_t c;
			if (k->len >= sizeof(key)) {
				json_decref(j);
				return NULL;
			}
			for (c = 0; c < k->len; c++)
				key[c] = k->s[c] == '-' ? '_' : k->s[c];
			key[k->len] = '\0';
			if (json_object_set_new(j, key, y2j(AL_YMAP_VAL(n, i)))) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	}
	return NULL;
}

al_err al_lock_load(struct al_lock **out, const char *path, struct al_diag *d)
{
	struct al_ylimits lim = AL_YLIMITS_DEFAULT;
	struct al_buf text = AL_BUF_INIT;
	struct al_ydoc *doc = NULL;
	json_t *j = NULL;
	al_err err;

	*out = NULL;
	lim.max_bytes = AL_LOCK_MAX;
	lim.max_nodes = 20000000;
	lim.max_alias_nodes = 0;
	lim.max_anchors = 0;
	if ((err = al_buf_read_file(&text, path, AL_LOCK_MAX, d)))
		return err;
	if ((err = al_yaml_parse(&doc, path, text.buf, text.len, &lim, d)))
		goto out;
	if (!al_ydoc_root(doc) || !(j = y2j(al_ydoc_root(doc)))) {
		err = al_diag_set(d, AL_EINVALID, "%s: not a lock file", path);
		goto out;
	}
	if ((err = al_lock_from_json(j, out, d)))
		al_diag_prefix(d, "%s: ", path);
out:
	json_decref(j);
	al_ydoc_free(doc);
	al_buf_release(&text);
	return err;
}
