/*
 * metadata.c: core metadata headers.
 *
 * Line rules follow Python's email parser (compat32), which pip reads
 * metadata with: a header line is FIELD ':' VALUE with FIELD made of
 * printable ASCII other than ':'; a line starting with a space or tab
 * continues the previous header (unfolded by dropping the line break); an
 * empty line ends the headers; any other line also ends them (Python
 * notes a defect and treats it as the start of the body). Values are
 * trimmed of surrounding whitespace and must be UTF-8 without control
 * characters other than tab.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/mem.h"
#include "pypa/metadata.h"
#include "pypa/names.h"
#include "pypa/wheelname.h"

enum field { F_OTHER, F_MV, F_NAME, F_VERSION, F_RP, F_RD, F_PE, F_DYN };

static const struct {
	const char *name;
	enum field f;
} fields[] = {
	{ "Metadata-Version", F_MV }, { "Name", F_NAME }, { "Version", F_VERSION },
	{ "Requires-Python", F_RP }, { "Requires-Dist", F_RD }, { "Provides-Extra", F_PE },
	{ "Dynamic", F_DYN },
};

static enum field lookup_field(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strlen(fields[i].name) == n && !strncasecmp(fields[i].name, p, n))
			return fields[i].f;
	return F_OTHER;
}

void al_metadata_release(struct al_metadata *md)
{
	size_t i;

	if (!md)
		return;
	al_free(md->metadata_version);
	al_free(md->name);
	al_free(md->version);
	al_free(md->requires_python);
	for (i = 0; i < md->nrequires_dist; i++)
		al_free(md->requires_dist[i]);
	al_free(md->requires_dist);
	for (i = 0; i < md->nprovides_extra; i++)
		al_free(md->provides_extra[i]);
	al_free(md->provides_extra);
	for (i = 0; i < md->ndynamic; i++)
		al_free(md->dynamic[i]);
	al_free(md->dynamic);
	memset(md, 0, sizeof(*md));
}

/* Strict UTF-8 (no overlongs, surrogates or values above U+10FFFF), and no
 * control characters but tab. */
static bool clean_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		unsigned cp;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return false;
		if (i + k >= n)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

static bool valid_metadata_version(const char *v, unsigned *major)
{
	unsigned m = 0;
	const char *p = v;

	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		if (m > 1000)
			return false;
		m = m * 10 + (unsigned)(*p++ - '0');
	}
	if (*p++ != '.' || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	*major = m;
	return *p == '\0';
}

static al_err push(char ***arr, size_t *n, size_t *alloc, char *s)
{
	if (AL_GROW(*arr, *alloc, *n + 1))
		return AL_ENOMEM;
	(*arr)[(*n)++] = s;
	return AL_OK;
}

struct pstate {
	struct al_metadata *md;
	size_t rd_alloc, pe_alloc, dyn_alloc;
};

/* Store one complete header. line is where it started (for messages). */
static al_err store(struct pstate *st, enum field f, const char *fname, struct al_buf *val,
                    size_t line, struct al_diag *d)
{
	struct al_metadata *md = st->md;
	char **single = NULL;
	char *s, *start = val->buf, *end = val->buf + val->len;
	al_err err;

	if (f == F_OTHER)
		return AL_OK;
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if ((size_t)(end - start) > AL_METADATA_MAX_VALUE)
		return al_diag_set(d, AL_ELIMIT, "line %zu: '%s' value longer than %zu bytes", line,
		                   fname, AL_METADATA_MAX_VALUE);
	if (!clean_utf8((const unsigned char *)start, (size_t)(end - start)))
		return al_diag_set(d, AL_EPARSE,
		                   "line %zu: '%s' value is not UTF-8 text", line, fname);
	switch (f) {
	case F_MV: single = &md->metadata_version; break;
	case F_NAME: single = &md->name; break;
	case F_VERSION: single = &md->version; break;
	case F_RP: single = &md->requires_python; break;
	default: break;
	}
	if (single && *single)
		return al_diag_set(d, AL_EINVALID, "line %zu: duplicate '%s' header", line, fname);
	if ((f == F_RD && md->nrequires_dist >= AL_METADATA_MAX_LIST) ||
	    (f == F_PE && md->nprovides_extra >= AL_METADATA_MAX_LIST) ||
	    (f == F_DYN && md->ndynamic >= AL_METADATA_MAX_LIST))
		return al_diag_set(d, AL_ELIMIT, "line %zu: more than %d '%s' headers", line,
		                   AL_METADATA_MAX_LIST, fname);
	if (!(s = al_strndup(start, (size_t)(end - start))))
		return al_oom(d);
	if (single) {
		*single = s;
		return AL_OK;
	}
	if (f == F_RD)
		err = push(&md->requires_dist, &md->nrequires_dist, &st->rd_alloc, s);
	else if (f == F_PE)
		err = push(&md->provides_extra, &md->nprovides_extra, &st->pe_alloc, s);
	else
		err = push(&md->dynamic, &md->ndynamic, &st->dyn_alloc, s);
	if (err) {
		al_free(s);
		return al_oom(d);
	}
	return AL_OK;
}

static bool field_char(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != ':';
}

/* Over 80 lines: one loop over the header lines (continuations, the field
 * looked up by name, its value stored), so the email-header rules read in
 * one place. */
al_err al_metadata_parse(struct al_metadata *md, const char *buf, size_t len,
                         struct al_diag *d)
{
	struct pstate st = { md, 0, 0, 0 };
	struct al_buf val = AL_BUF_INIT;
	char fname[64] = "";
	enum field cur = F_OTHER;
	bool have = false; /* a header is being collected */
	size_t pos = 0, line = 0, hline = 0, nheaders = 0;
	unsigned major = 0;
	al_err err = AL_OK;

	memset(md, 0, sizeof(*md));
	if (len > AL_METADATA_MAX_BYTES)
		return al_diag_set(d, AL_ELIMIT, "metadata larger than %zu bytes",
		                   AL_METADATA_MAX_BYTES);
	while (pos < len) {
		const char *l = buf + pos, *nl = memchr(l, '\n', len - pos), *p;
		size_t n = nl ? (size_t)(nl - l) : len - pos;

		pos += n + (nl ? 1 : 0);
		line++;
		if (n && l[n - 1] == '\r')
			n--;
		if (memchr(l, '\0', n)) {
			err = al_diag_set(d, AL_EPARSE, "line %zu: NUL byte", line);
			goto out;
		}
		if (n && (l[0] == ' ' || l[0] == '\t')) {
			/* A continuation; one before any header is ignored. */
			if (have && cur != F_OTHER &&
			    (err = al_buf_add(&val, l, n))) {
				err = al_diag_set(d, err, "line %zu: header too long", line);
				goto out;
			}
			continue;
		}
		if (have && (err = store(&st, cur, fname, &val, hline, d)))
			goto out;
		have = false;
		for (p = l; p < l + n && field_char((unsigned char)*p); p++)
			;
		if (n == 0 || p == l + n || *p != ':')
			break; /* end of the headers: the body follows */
		if (++nheaders > AL_METADATA_MAX_HEADERS) {
			err = al_diag_set(d, AL_ELIMIT, "more than %d header lines",
			                  AL_METADATA_MAX_HEADERS);
			goto out;
		}
		cur = lookup_field(l, (size_t)(p - l));
		snprintf(fname, sizeof(fname), "%.*s", (int)(p - l) < 63 ? (int)(p - l) : 63, l);
		hline = line;
		have = true;
		al_buf_reset(&val);
		if (cur != F_OTHER && (err = al_buf_add(&val, p + 1, n - (size_t)(p + 1 - l)))) {
			err = al_diag_set(d, err, "line %zu: header too long", line);
			goto out;
		}
	}
	if (have && (err = store(&st, cur, fname, &val, hline, d)))
		goto out;
	if (!md->metadata_version) {
		err = al_diag_set(d, AL_EINVALID, "missing 'Metadata-Version' header");
		goto out;
	}
	if (!valid_metadata_version(md->metadata_version, &major)) {
		err = al_diag_set(d, AL_EINVALID, "invalid Metadata-Version '%s'",
		                  md->metadata_version);
		goto out;
	}
	if (major > 2) {
		err = al_diag_set(d, AL_EUNSUPPORTED, "Metadata-Version '%s' is not supported",
		                  md->metadata_version);
		goto out;
	}
	if (!md->name) {
		err = al_diag_set(d, AL_EINVALID, "missing 'Name' header");
		goto out;
	}
	if (!al_name_valid(md->name)) {
		err = al_diag_set(d, AL_EINVALID, "invalid project name '%s'", md->name);
		goto out;
	}
	if (!md->version) {
		err = al_diag_set(d, AL_EINVALID, "missing 'Version' header");
		goto out;
	}
	if (!al_version_looks_valid(md->version)) {
		err = al_diag_set(d, AL_EINVALID, "invalid version '%s'", md->version);
		goto out;
	}
out:
	al_buf_release(&val);
	if (err)
		al_metadata_release(md);
	return err;
}
