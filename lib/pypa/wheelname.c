/*
 * wheelname.c: wheel and sdist file names.
 *
 * Wheel: strip ".whl"; exactly 4 or 5 '-' (else "wrong number of parts");
 * split into name, version, [build], python, abi, platform. The name must
 * be [A-Za-z0-9._]+ without "__" (the escaped form the spec asks for;
 * packaging 26 rejects the rest too, though it lets non-ASCII word
 * characters through, which we do not); the build tag must start with a
 * digit; every member of a compressed tag set must be non-empty, made of
 * [A-Za-z0-9_], and interpreter members must be identifiers.
 */
#include "config.h"

#include <string.h>

#include "core/mem.h"
#include "pypa/names.h"
#include "pypa/wheelname.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool al_version_looks_valid(const char *v)
{
	const char *p = v;

	if (*p == 'v' || *p == 'V')
		p++;
	if (!is_digit(*p))
		return false;
	for (; *p; p++)
		if (!is_digit(*p) && !is_alpha(*p) && !strchr(".!+_", *p))
			return false;
	return true;
}

/* Check a compressed tag set: '.'-separated members, each non-empty and
 * [A-Za-z0-9_]; identifiers when ident. Counts the members. */
static const char *check_tagset(const char *s, bool ident, size_t *members)
{
	const char *m = s;

	*members = 0;
	for (;;) {
		const char *e = strchrnul(m, '.');
		const char *p;

		if (e == m)
			return "empty tag member";
		if (ident && is_digit(*m))
			return "interpreter tag must not start with a digit";
		for (p = m; p < e; p++)
			if (!is_digit(*p) && !is_alpha(*p) && *p != '_')
				return "tags may only contain letters, digits, '_' and '.'";
		(*members)++;
		if (!*e)
			return NULL;
		m = e + 1;
	}
}

void al_wheelname_release(struct al_wheelname *w)
{
	if (!w)
		return;
	al_free(w->mem_);
	al_free(w->normalized);
	memset(w, 0, sizeof(*w));
}

/* Over 80 lines: the name is split at its dashes once, then each field
 * (name, version, build tag, the three tag sets) is checked in order, its
 * check and message beside it. */
al_err al_wheelname_parse(struct al_wheelname *w, const char *filename, struct al_diag *d)
{
	struct al_wheelname r = AL_WHEELNAME_INIT;
	const char *why = NULL, *p;
	char *parts[6], *s;
	size_t len = strnlen(filename, AL_FILENAME_MAX + 1), dashes = 0, i, n[3];
	al_err err = AL_EINVALID;

	memset(w, 0, sizeof(*w));
	if (len > AL_FILENAME_MAX)
		return al_diag_set(d, AL_ELIMIT, "wheel file name longer than %d bytes",
		                   AL_FILENAME_MAX);
	if (len < 4 || strcmp(filename + len - 4, ".whl")) {
		why = "extension must be '.whl'";
		goto bad;
	}
	for (p = filename; p < filename + len - 4; p++)
		dashes += *p == '-';
	if (dashes != 4 && dashes != 5) {
		why = "wrong number of parts, expected NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl";
		goto bad;
	}
	if (!(r.mem_ = al_strndup(filename, len - 4)))
		goto oom;
	for (s = r.mem_, i = 0; i <= dashes; i++) {
		parts[i] = s;
		s = strchrnul(s, '-');
		if (*s)
			*s++ = '\0';
	}
	r.name = parts[0];
	r.version = parts[1];
	r.build = dashes == 5 ? parts[2] : NULL;
	r.py = parts[dashes - 2];
	r.abi = parts[dashes - 1];
	r.plat = parts[dashes];

	if (!*r.name) {
		why = "empty project name";
		goto bad;
	}
	for (p = r.name; *p; p++)
		if (!is_digit(*p) && !is_alpha(*p) && *p != '.' && *p != '_')
			break;
	if (*p || strstr(r.name, "__")) {
		why = "invalid project name (only letters, digits, '.' and single '_')";
		goto bad;
	}
	if (!al_version_looks_valid(r.version)) {
		why = "invalid version";
		goto bad;
	}
	if (dashes == 5) {
		uint64_t v = 0;

		if (!is_digit(r.build[0])) {
			why = "build tag must start with a digit";
			goto bad;
		}
		for (p = r.build; is_digit(*p); p++) {
			if (v > (UINT64_MAX - 9) / 10) {
				why = "build number too large";
				goto bad;
			}
			v = v * 10 + (uint64_t)(*p - '0');
		}
		r.build_num = v;
		r.build_rest = p;
		for (; *p; p++)
			if (!is_digit(*p) && !is_alpha(*p) && *p != '_' && *p != '.')
				break;
		if (*p) {
			why = "invalid build tag";
			goto bad;
		}
	} else {
		r.build = r.mem_ + strlen(r.mem_); /* "" inside the block we own */
		r.build_rest = r.build;
	}
	if ((why = check_tagset(r.py, true, &n[0])) || (why = check_tagset(r.abi, false, &n[1])) ||
	    (why = check_tagset(r.plat, false, &n[2])))
		goto bad;
	if (n[0] * n[1] * n[2] > AL_WHEELNAME_MAX_TAGS) {
		al_wheelname_release(&r);
		return al_diag_set(d, AL_ELIMIT, "wheel file name '%s': more than %d tags",
		                   filename, AL_WHEELNAME_MAX_TAGS);
	}
	if (!(r.normalized = al_name_normalize(r.name)))
		goto oom;
	*w = r;
	return AL_OK;
oom:
	err = AL_ENOMEM;
	why = "out of memory";
bad:
	al_wheelname_release(&r);
	return al_diag_set(d, err, "invalid wheel file name '%s': %s", filename, why);
}

void al_sdistname_release(struct al_sdistname *s)
{
	if (!s)
		return;
	al_free(s->mem_);
	al_free(s->normalized);
	memset(s, 0, sizeof(*s));
}

al_err al_sdistname_parse(struct al_sdistname *s, const char *filename, struct al_diag *d)
{
	struct al_sdistname r = AL_SDISTNAME_INIT;
	size_t len = strnlen(filename, AL_FILENAME_MAX + 1), stem;
	const char *why;
	char *dash;
	al_err err = AL_EINVALID;

	memset(s, 0, sizeof(*s));
	if (len > AL_FILENAME_MAX)
		return al_diag_set(d, AL_ELIMIT, "sdist file name longer than %d bytes",
		                   AL_FILENAME_MAX);
	if (len >= 7 && !strcmp(filename + len - 7, ".tar.gz")) {
		r.ext = ".tar.gz";
	} else if (len >= 4 && !strcmp(filename + len - 4, ".zip")) {
		r.ext = ".zip";
	} else {
		why = "extension must be '.tar.gz' or '.zip'";
		goto bad;
	}
	stem = len - strlen(r.ext);
	if (!(r.mem_ = al_strndup(filename, stem)))
		goto oom;
	if (!(dash = strrchr(r.mem_, '-'))) {
		why = "expected NAME-VERSION";
		goto bad;
	}
	*dash = '\0';
	r.name = r.mem_;
	r.version = dash + 1;
	if (!*r.name) {
		why = "empty project name";
		goto bad;
	}
	if (!al_name_valid(r.name)) {
		why = "invalid project name";
		goto bad;
	}
	if (!al_version_looks_valid(r.version)) {
		why = "invalid version";
		goto bad;
	}
	if (!(r.normalized = al_name_normalize(r.name)))
		goto oom;
	*s = r;
	return AL_OK;
oom:
	err = AL_ENOMEM;
	why = "out of memory";
bad:
	al_sdistname_release(&r);
	return al_diag_set(d, err, "invalid sdist file name '%s': %s", filename, why);
}
