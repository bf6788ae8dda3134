/*
 * lockcheck.c: the grammar of a lock's fields (lockcheck.h, docs/reference/lock.md).
 *
 * Each grammar is what the locker itself writes, so a lock airlock made
 * always passes: names are PEP 503 normal forms, versions PEP 440 normal
 * forms (str(Version)), python_version and implementation what lib/pypa/tags.c
 * accepts, platforms what the manifest accepts, revisions git ref names as
 * the manifest takes them. None of them admits a control character, a
 * newline or a leading '-'.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/hash.h"
#include "pypa/names.h"
#include "pypa/pep440.h"
#include "pypa/wheelname.h"
#include "spec/lockcheck.h"

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/* A C0 control, DEL, or a C1 control in UTF-8 (U+0080..U+009F). */
static bool has_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return true;
	return false;
}

/* 1..max bytes of A-Za-z0-9 . _ -, the first a letter or digit. */
static bool simple_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n && n <= max && strchr(ALNUM, s[0]) && strspn(s, ALNUM "._-") == n;
}

bool al_lock_valid_bundle(const char *s)
{
	return s && simple_name(s, 64);
}

bool al_lock_valid_target_name(const char *s)
{
	return s && simple_name(s, 128);
}

/* A decimal number of at most maxdigits digits, no leading zero but "0". */
static const char *number(const char *s, size_t maxdigits)
{
	size_t n = strspn(s, "0123456789");

	if (!n || n > maxdigits || (n > 1 && s[0] == '0'))
		return NULL;
	return s + n;
}

bool al_lock_valid_python_version(const char *s)
{
	if (!s || !(s = number(s, 1)) || *s++ != '.' || !(s = number(s, 2)))
		return false;
	if (*s == '.' && !(s = number(s + 1, 3)))
		return false;
	return *s == '\0';
}

bool al_lock_valid_implementation(const char *s)
{
	return s && (!strcmp(s, "cp") || !strcmp(s, "pp"));
}

bool al_lock_valid_revision(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n > 255 || has_control(s) || s[0] == '/' || s[0] == '-' || s[n - 1] == '/' ||
	    s[n - 1] == '.')
		return false;
	if (strstr(s, "..") || strstr(s, "//") || strstr(s, "@{"))
		return false;
	return strcspn(s, " ~^:?*[\\") == n;
}

/* AL_OK when s is a PEP 440 version in normal form, else AL_EINVALID (or
 * AL_ENOMEM: allocation failures are reported, not taken for a bad value). */
static al_err version_check(const char *s)
{
	struct al_version v = AL_VERSION_INIT;
	struct al_buf b = AL_BUF_INIT;
	al_err err;

	if (!s || strlen(s) > 128)
		return AL_EINVALID;
	if (!(err = al_version_parse(&v, s, NULL)) && !(err = al_version_str(&v, &b)))
		err = strcmp(b.buf, s) ? AL_EINVALID : AL_OK;
	al_version_release(&v);
	al_buf_release(&b);
	return err == AL_OK || err == AL_ENOMEM ? err : AL_EINVALID;
}

bool al_lock_valid_version(const char *s)
{
	return version_check(s) == AL_OK;
}

/* Is the version a file name spells (text) equal to the entry's, as PEP 440
 * compares them? The resolver groups "1.0" and "1.0.0" files as one version
 * and writes the first spelling it met, so the strings may differ. */
static al_err same_version(const char *text, const char *version)
{
	struct al_version a = AL_VERSION_INIT, b = AL_VERSION_INIT;
	al_err err;

	if (!(err = al_version_parse(&a, text, NULL)) && !(err = al_version_parse(&b, version, NULL)))
		err = al_version_cmp(&a, &b) ? AL_EINVALID : AL_OK;
	al_version_release(&a);
	al_version_release(&b);
	return err == AL_OK || err == AL_ENOMEM ? err : AL_EINVALID;
}

al_err al_lock_requires_python_check(const char *s)
{
	struct al_specset set = AL_SPECSET_INIT;
	al_err err;

	if (!s || strlen(s) > 1024 || has_control(s))
		return AL_EINVALID;
	err = al_specset_parse(&set, s, NULL);
	al_specset_release(&set);
	return err == AL_OK || err == AL_ENOMEM ? err : AL_EINVALID;
}

bool al_lock_valid_requires_python(const char *s)
{
	return al_lock_requires_python_check(s) == AL_OK;
}

bool al_lock_valid_url(const char *s)
{
	return s && !has_control(s) && s[0] != '-';
}

/* ---- the lock ------------------------------------------------------------------- */

/* "WHERE.FIELD: WHAT: 'VALUE'", the value escaped and cut at 60 bytes. */
static al_err bad(struct al_diag *d, const char *where, const char *field, const char *what,
                  const char *value)
{
	struct al_buf q = AL_BUF_INIT;
	size_t n = value ? strlen(value) : 0;
	al_err err;

	if (!value)
		return al_diag_set(d, AL_EINVALID, "%s.%s: %s", where, field, what);
	if (al_buf_add_safe(&q, value, n > 60 ? 60 : n, 0) || (n > 60 && al_buf_addstr(&q, "...")))
		err = al_oom(d);
	else
		err = al_diag_set(d, AL_EINVALID, "%s.%s: %s: '%s'", where, field, what, q.buf);
	al_buf_release(&q);
	return err;
}

/* The file of a distribution: a wheel or an sdist name of this project
 * and version, usable as one path segment. */
static al_err check_filename(const struct al_lock_dist *x, const char *where, struct al_diag *d)
{
	struct al_wheelname wn = AL_WHEELNAME_INIT;
	struct al_sdistname sn = AL_SDISTNAME_INIT;
	const char *f = x->filename, *name = NULL, *version = NULL;
	size_t n = strlen(f);
	al_err err;

	if (n > 255 || has_control(f) || strchr(f, '/') || strchr(f, '\\') || !strchr(ALNUM, f[0]))
		return bad(d, where, "filename", "not a distribution file name", f);
	if (n > 4 && !strcmp(f + n - 4, ".whl")) {
		if (!(err = al_wheelname_parse(&wn, f, NULL)))
			name = wn.normalized, version = wn.version;
	} else if (!(err = al_sdistname_parse(&sn, f, NULL))) {
		name = sn.normalized, version = sn.version;
	}
	if (err != AL_ENOMEM && name)
		err = strcmp(name, x->name) ? AL_EINVALID : same_version(version, x->version);
	if (err == AL_ENOMEM)
		err = al_oom(d);
	else if (!name)
		err = bad(d, where, "filename", "not a wheel or sdist file name", f);
	else if (err)
		err = bad(d, where, "filename", "not a file of this project and version", f);
	al_wheelname_release(&wn);
	al_sdistname_release(&sn);
	return err;
}

static al_err check_dist(const struct al_lock_dist *x, const char *where, struct al_diag *d)
{
	size_t i;
	al_err err;

	if (!al_name_is_normalized(x->name) || strlen(x->name) > 200)
		return bad(d, where, "name", "not a normalized project name", x->name);
	if ((err = version_check(x->version)))
		return err == AL_ENOMEM ? al_oom(d)
		                        : bad(d, where, "version", "not a PEP 440 version in normal form",
		                              x->version);
	if ((err = check_filename(x, where, d)))
		return err;
	if (x->url && !al_lock_valid_url(x->url))
		return bad(d, where, "url", "not a URL", x->url);
	if (x->index && !simple_name(x->index, 64))
		return bad(d, where, "index", "not an index name", x->index);
	if (x->requires_python && (err = al_lock_requires_python_check(x->requires_python)))
		return err == AL_ENOMEM ? al_oom(d)
		                        : bad(d, where, "requires_python", "not a version specifier set",
		                              x->requires_python);
	for (i = 0; i < x->nrequired_by; i++) {
		const char *r = x->required_by[i];
		if (strcmp(r, "-") && (!al_name_is_normalized(r) || strlen(r) > 200)) {
			char field[48];
			snprintf(field, sizeof(field), "required_by[%zu]", i);
			return bad(d, where, field, "not '-' or a normalized project name", r);
		}
	}
	return AL_OK;
}

static al_err check_target(const struct al_lock_target *t, const char *where, struct al_diag *d)
{
	char at[128];
	size_t i;
	al_err err;

	if (!al_lock_valid_target_name(t->name))
		return bad(d, where, "name", "not a target name", t->name);
	if (!al_lock_valid_python_version(t->python_version))
		return bad(d, where, "python_version", "not a Python version", t->python_version);
	if (!al_lock_valid_implementation(t->implementation))
		return bad(d, where, "implementation", "not an implementation (cp or pp)",
		           t->implementation);
	for (i = 0; i < t->nplatforms; i++)
		if (!al_manifest_valid_platform(t->platforms[i])) {
			char field[48];
			snprintf(field, sizeof(field), "platforms[%zu]", i);
			return bad(d, where, field, "not a platform tag", t->platforms[i]);
		}
	for (i = 0; i < t->ndists; i++) {
		snprintf(at, sizeof(at), "%s.distributions[%zu]", where, i);
		if ((err = check_dist(&t->dists[i], at, d)))
			return err;
	}
	for (i = 0; i < t->nbuild_dists; i++) {
		snprintf(at, sizeof(at), "%s.build_distributions[%zu]", where, i);
		if ((err = check_dist(&t->build_dists[i], at, d)))
			return err;
	}
	return AL_OK;
}

al_err al_lock_check_fields(const struct al_lock *l, struct al_diag *d)
{
	char where[64];
	size_t i;
	al_err err;

	if (!al_lock_valid_bundle(l->bundle))
		return bad(d, "lock", "bundle", "not a bundle name", l->bundle);
	if (l->manifest_sha256 && !al_is_hex(l->manifest_sha256, 64))
		return bad(d, "lock", "manifest_sha256", "not a sha256", l->manifest_sha256);
	for (i = 0; i < l->ntargets; i++) {
		snprintf(where, sizeof(where), "lock.targets[%zu]", i);
		if ((err = check_target(&l->targets[i], where, d)))
			return err;
	}
	for (i = 0; i < l->nrepos; i++) {
		const struct al_lock_repo *r = &l->repos[i];
		snprintf(where, sizeof(where), "lock.repos[%zu]", i);
		if (r->revision && !al_lock_valid_revision(r->revision))
			return bad(d, where, "revision", "not a git revision", r->revision);
	}
	return AL_OK;
}
