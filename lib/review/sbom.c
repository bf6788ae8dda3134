/*
 * sbom.c: a CycloneDX 1.6 JSON SBOM of a lock (al_sbom_build): one
 * platform component per target with a library component per distribution
 * file nested in it, a machine-learning-model or data component per Hub
 * repo with a file component per snapshot file nested in it, the resolved
 * graph in dependencies. Licences come out of the store: METADATA for
 * distributions, the repo card's front matter for repos. The output is a
 * function of the lock, the store's bytes, the sequence number and the
 * timestamp (docs/reference/sbom.md).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/yamlx.h"
#include "net/httpcache.h"
#include "pypa/wheel.h"
#include "pypa/zipmeta.h"
#include "review/sbom.h"
#include "spec/lockjson.h"

/* ---- text ---------------------------------------------------------------------- */

/* Append s (len bytes, hostile) to out as one line of valid UTF-8: bytes
 * that are not UTF-8 become U+FFFD, runs of white space and control
 * characters one space, no space at either end; at most max bytes, cut on
 * a character boundary and marked with "...". */
static al_err clean_text(const char *s, size_t len, size_t max, struct al_buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = out->len;
	bool space = false;

	while (i < len) {
		unsigned c = p[i], cp = c;
		size_t n = 1, k;
		bool bad = false;

		if (c >= 0x80) {
			unsigned lo = 0x80, hi = 0xbf;
			if (c >= 0xc2 && c <= 0xdf)
				n = 2, cp = c & 0x1f;
			else if (c >= 0xe0 && c <= 0xef)
				n = 3, cp = c & 0x0f, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
			else if (c >= 0xf0 && c <= 0xf4)
				n = 4, cp = c & 0x07, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
			else
				bad = true;
			for (k = 1; !bad && k < n; k++) {
				unsigned cc = i + k < len ? p[i + k] : 0;
				if (cc < (k == 1 ? lo : 0x80) || cc > (k == 1 ? hi : 0xbf))
					bad = true;
				else
					cp = cp << 6 | (cc & 0x3f);
			}
			if (bad)
				n = 1, cp = 0xfffd;
		}
		if (cp <= 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			space = out->len > start;
			i += n;
			continue;
		}
		if (out->len - start + space + (bad ? 3 : n) > max) {
			if (al_buf_addstr(out, "..."))
				return AL_ENOMEM;
			return AL_OK;
		}
		if ((space && al_buf_addch(out, ' ')) ||
		    (bad ? al_buf_add(out, "\xef\xbf\xbd", 3) : al_buf_add(out, s + i, n)))
			return AL_ENOMEM;
		space = false;
		i += n;
	}
	return AL_OK;
}

/* ---- SPDX ---------------------------------------------------------------------- */

/* The SPDX ids airlock recognises in a License field or a repo card, in
 * their canonical case: the ones Python projects and Hub repos use. */
static const char *const spdx_ids[] = {
	"0BSD", "AFL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.1", "Apache-2.0",
	"Artistic-2.0", "BSD-1-Clause", "BSD-2-Clause", "BSD-3-Clause", "BSD-3-Clause-Clear",
	"BSD-4-Clause", "BSL-1.0", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-NC-4.0", "CC-BY-NC-ND-4.0",
	"CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0",
	"CDLA-Permissive-1.0", "CDLA-Permissive-2.0", "CDLA-Sharing-1.0", "ECL-2.0", "EPL-1.0",
	"EPL-2.0", "EUPL-1.1", "EUPL-1.2", "GFDL-1.3-only", "GFDL-1.3-or-later", "GPL-2.0-only",
	"GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "HPND", "ISC", "LGPL-2.0-only",
	"LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only",
	"LGPL-3.0-or-later", "LGPL-LR", "MIT", "MIT-0", "MPL-1.1", "MPL-2.0", "MS-PL", "NCSA",
	"ODC-By-1.0", "ODbL-1.0", "OFL-1.1", "OpenSSL", "PDDL-1.0", "PSF-2.0", "PostgreSQL",
	"Python-2.0", "UPL-1.0", "Unicode-3.0", "Unlicense", "W3C", "WTFPL", "X11", "Zlib",
	"ZPL-2.1",
};

/* Names written for a licence that are no SPDX id but say one exactly. */
static const struct {
	const char *alias, *id;
} spdx_aliases[] = {
	{ "Apache 2.0", "Apache-2.0" },
	{ "Apache License 2.0", "Apache-2.0" },
	{ "Apache License, Version 2.0", "Apache-2.0" },
	{ "Apache Software License 2.0", "Apache-2.0" },
	{ "Apache-2", "Apache-2.0" },
	{ "BSD 2-Clause", "BSD-2-Clause" },
	{ "BSD 3-Clause", "BSD-3-Clause" },
	{ "MIT License", "MIT" },
	{ "MPL 2.0", "MPL-2.0" },
	{ "Mozilla Public License 2.0", "MPL-2.0" },
	{ "The MIT License", "MIT" },
	{ "The Unlicense", "Unlicense" },
};

const char *al_spdx_id(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(spdx_ids) / sizeof(*spdx_ids); i++)
		if (!strcasecmp(s, spdx_ids[i]))
			return spdx_ids[i];
	for (i = 0; i < sizeof(spdx_aliases) / sizeof(*spdx_aliases); i++)
		if (!strcasecmp(s, spdx_aliases[i].alias))
			return spdx_aliases[i].id;
	return NULL;
}

/* Trove classifiers that name one licence and one version. "BSD License",
 * "Apache Software License" or "GNU General Public License v3 (GPLv3)"
 * (only or or-later?) do not, and stay names. */
static const struct {
	const char *classifier, *id;
} spdx_classifiers[] = {
	{ "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0" },
	{ "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)", "BSL-1.0" },
	{ "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0" },
	{ "License :: OSI Approved :: European Union Public Licence 1.1 (EUPL 1.1)", "EUPL-1.1" },
	{ "License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)", "EUPL-1.2" },
	{ "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)",
	  "AGPL-3.0-or-later" },
	{ "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",
	  "GPL-2.0-or-later" },
	{ "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)",
	  "GPL-3.0-or-later" },
	{ "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)",
	  "LGPL-2.0-or-later" },
	{ "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)",
	  "LGPL-3.0-or-later" },
	{ "License :: OSI Approved :: ISC License (ISCL)", "ISC" },
	{ "License :: OSI Approved :: MIT License", "MIT" },
	{ "License :: OSI Approved :: MIT No Attribution License (MIT-0)", "MIT-0" },
	{ "License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)", "MPL-1.1" },
	{ "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0" },
	{ "License :: OSI Approved :: PostgreSQL License", "PostgreSQL" },
	{ "License :: OSI Approved :: Python Software Foundation License", "PSF-2.0" },
	{ "License :: OSI Approved :: The Unlicense (Unlicense)", "Unlicense" },
	{ "License :: OSI Approved :: Universal Permissive License (UPL)", "UPL-1.0" },
	{ "License :: OSI Approved :: University of Illinois/NCSA Open Source License", "NCSA" },
	{ "License :: OSI Approved :: zlib/libpng License", "Zlib" },
};

const char *al_spdx_classifier(const char *classifier)
{
	size_t i;

	for (i = 0; i < sizeof(spdx_classifiers) / sizeof(*spdx_classifiers); i++)
		if (!strcmp(classifier, spdx_classifiers[i].classifier))
			return spdx_classifiers[i].id;
	return NULL;
}

/* A License-Expression airlock passes on as an SPDX expression: ids,
 * LicenseRef-/DocumentRef- references, AND/OR/WITH and parentheses. */
static bool expression_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > AL_SBOM_EXPR_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.+-:() ") == n;
}

/* Append {"license": {"id": id}} or {"license": {"name": name}}. */
static al_err push_license(json_t *arr, const char *id, const char *name)
{
	json_t *lic = json_object(), *o = json_object();

	if (!lic || !o) {
		json_decref(lic);
		json_decref(o);
		return AL_ENOMEM;
	}
	if (al_json_set(lic, id ? "id" : "name", json_string(id ? id : name))) {
		json_decref(o);
		json_decref(lic);
		return AL_ENOMEM;
	}
	if (al_json_set(o, "license", lic))
		return json_decref(o), AL_ENOMEM;
	return al_json_push(arr, o);
}

/* A licence as written in a License field or a card: an SPDX id when it
 * is one, else a name. */
static al_err push_license_text(json_t *arr, const char *s, size_t len)
{
	struct al_buf b = AL_BUF_INIT;
	al_err err;

	if ((err = clean_text(s, len, AL_SBOM_NAME_MAX, &b)))
		goto out;
	if (b.len)
		err = push_license(arr, al_spdx_id(b.buf), b.buf);
out:
	al_buf_release(&b);
	return err;
}

/* ---- licences out of core metadata ---------------------------------------------- */

#define MAX_HEADERS 20000
#define MAX_VALUE ((size_t)64 << 10)
#define MAX_CLASSIFIERS 256

al_err al_sbom_metadata_licenses(const char *buf, size_t len, json_t **out, struct al_diag *d)
{
	struct al_buf license = AL_BUF_INIT, expr = AL_BUF_INIT, tmp = AL_BUF_INIT;
	json_t *arr = json_array(), *classifiers = json_array();
	bool have_license = false, have_expr = false, in_license = false;
	size_t pos = 0, lineno = 0, nheaders = 0, i;
	al_err err = AL_OK;

	*out = NULL;
	if (!arr || !classifiers)
		goto oom;
	while (pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos), *colon;
		size_t n = nl ? (size_t)(nl - line) : len - pos, nlen;
		const char *v;
		size_t vlen;

		pos += n + (nl != NULL);
		lineno++;
		if (n && line[n - 1] == '\r')
			n--;
		if (!n)
			break; /* the body */
		if (line[0] == ' ' || line[0] == '\t') {
			if (in_license && license.len < MAX_VALUE &&
			    (al_buf_addch(&license, '\n') ||
			     al_buf_add(&license, line, n < MAX_VALUE ? n : MAX_VALUE)))
				goto oom;
			continue;
		}
		in_license = false;
		if (++nheaders > MAX_HEADERS) {
			err = al_diag_set(d, AL_ELIMIT, "more than %d header lines", MAX_HEADERS);
			goto out;
		}
		if (!(colon = memchr(line, ':', n))) {
			err = al_diag_set(d, AL_EPARSE, "line %zu: not a header (no ':')", lineno);
			goto out;
		}
		nlen = (size_t)(colon - line);
		v = colon + 1;
		vlen = n - nlen - 1;
		while (vlen && (*v == ' ' || *v == '\t'))
			v++, vlen--;
		if (vlen > MAX_VALUE)
			vlen = MAX_VALUE;
		if (nlen == 7 && !strncasecmp(line, "License", 7) && !have_license) {
			have_license = in_license = true;
			if (al_buf_add(&license, v, vlen))
				goto oom;
		} else if (nlen == 18 && !strncasecmp(line, "License-Expression", 18) && !have_expr) {
			have_expr = true;
			if (al_buf_add(&expr, v, vlen))
				goto oom;
		} else if (nlen == 10 && !strncasecmp(line, "Classifier", 10) && vlen > 11 &&
		           !strncmp(v, "License :: ", 11) && json_array_size(classifiers) < MAX_CLASSIFIERS) {
			al_buf_reset(&tmp);
			if (clean_text(v, vlen, AL_SBOM_NAME_MAX, &tmp) ||
			    al_json_push(classifiers, json_string(tmp.buf)))
				goto oom;
		}
	}
	/* 1. PEP 639: License-Expression */
	if (expr.len) {
		al_buf_reset(&tmp);
		if (clean_text(expr.buf, expr.len, AL_SBOM_EXPR_MAX + 1, &tmp))
			goto oom;
		if (expression_ok(tmp.buf)) {
			if (al_json_push(arr, json_pack("{s:s}", "expression", tmp.buf)))
				goto oom;
			goto done;
		}
		if (tmp.len && push_license_text(arr, expr.buf, expr.len))
			goto oom;
		goto done;
	}
	/* 2. a License field that is an SPDX id */
	al_buf_reset(&tmp);
	if (license.len && clean_text(license.buf, license.len, AL_SBOM_NAME_MAX, &tmp))
		goto oom;
	if (!strcasecmp(tmp.buf, "UNKNOWN"))
		al_buf_reset(&tmp);
	if (tmp.len && al_spdx_id(tmp.buf)) {
		if (push_license(arr, al_spdx_id(tmp.buf), NULL))
			goto oom;
		goto done;
	}
	/* 3. classifiers, when one maps to an id */
	for (i = 0; i < json_array_size(classifiers); i++)
		if (al_spdx_classifier(json_string_value(json_array_get(classifiers, i))))
			break;
	if (i == json_array_size(classifiers) && tmp.len) {
		/* 4. the License text as a name */
		if (push_license(arr, NULL, tmp.buf))
			goto oom;
		goto done;
	}
	for (i = 0; i < json_array_size(classifiers); i++) {
		const char *c = json_string_value(json_array_get(classifiers, i)), *last = strrchr(c, ':');
		const char *id = al_spdx_classifier(c);
		if (!id && (!last || !last[1] || !last[2] || !strcmp(c, "License :: OSI Approved")))
			continue;
		if (push_license(arr, id, id ? NULL : last + 2))
			goto oom;
	}
done:
	*out = arr;
	arr = NULL;
	goto out;
oom:
	err = al_oom(d);
out:
	json_decref(arr);
	json_decref(classifiers);
	al_buf_release(&license);
	al_buf_release(&expr);
	al_buf_release(&tmp);
	return err;
}

/* ---- repo cards ----------------------------------------------------------------- */

#define MAX_CARD_DATASETS 256

static al_err card_license(json_t *arr, const struct al_ynode *lic, const struct al_ynode *name)
{
	if (lic->type == AL_Y_STR && !strcasecmp(lic->s, "other") && name && name->type == AL_Y_STR)
		return push_license_text(arr, name->s, name->len);
	return push_license_text(arr, lic->s, lic->len);
}

al_err al_sbom_card(const char *buf, size_t len, json_t **licenses, json_t **datasets,
                    struct al_diag *d)
{
	struct al_ylimits lim = AL_YLIMITS_DEFAULT;
	struct al_ydoc *doc = NULL;
	const struct al_ynode *root, *lic = NULL, *lic_name = NULL, *ds = NULL;
	json_t *l = json_array(), *s = json_array();
	size_t pos, end = 0, i;
	al_err err = AL_OK;

	*licenses = *datasets = NULL;
	if (!l || !s)
		goto oom;
	/* front matter: a first line "---", YAML, a line "---" */
	if (len >= 4 && !memcmp(buf, "---\n", 4))
		pos = 4;
	else if (len >= 5 && !memcmp(buf, "---\r\n", 5))
		pos = 5;
	else
		goto done;
	for (i = pos; i < len; i++) {
		size_t n;
		const char *nl = memchr(buf + i, '\n', len - i);
		n = nl ? (size_t)(nl - (buf + i)) : len - i;
		if ((n == 3 || (n == 4 && buf[i + 3] == '\r')) && !memcmp(buf + i, "---", 3)) {
			end = i;
			break;
		}
		i += n;
	}
	if (!end)
		goto done;
	lim.max_bytes = AL_SBOM_CARD_MAX;
	if ((err = al_yaml_parse(&doc, "README.md", buf + pos, end - pos, &lim, d)))
		goto out;
	if (!(root = al_ydoc_root(doc)) || root->type != AL_Y_MAP)
		goto done;
	for (i = 0; i < root->n; i++) {
		const char *k = AL_YMAP_KEY(root, i)->s;
		if (!strcmp(k, "license"))
			lic = AL_YMAP_VAL(root, i);
		else if (!strcmp(k, "license_name"))
			lic_name = AL_YMAP_VAL(root, i);
		else if (!strcmp(k, "datasets"))
			ds = AL_YMAP_VAL(root, i);
	}
	if (lic && lic->type == AL_Y_STR && card_license(l, lic, lic_name))
		goto oom;
	for (i = 0; lic && lic->type == AL_Y_SEQ && i < lic->n && i < MAX_CARD_DATASETS; i++)
		if (lic->kids[i]->type == AL_Y_STR && card_license(l, lic->kids[i], lic_name))
			goto oom;
	if (ds && ds->type == AL_Y_STR && ds->len) {
		struct al_buf b = AL_BUF_INIT;
		if (clean_text(ds->s, ds->len, AL_SBOM_NAME_MAX, &b) ||
		    (b.len && al_json_push(s, json_string(b.buf)))) {
			al_buf_release(&b);
			goto oom;
		}
		al_buf_release(&b);
	}
	for (i = 0; ds && ds->type == AL_Y_SEQ && i < ds->n && i < MAX_CARD_DATASETS; i++) {
		struct al_buf b = AL_BUF_INIT;
		if (ds->kids[i]->type != AL_Y_STR)
			continue;
		if (clean_text(ds->kids[i]->s, ds->kids[i]->len, AL_SBOM_NAME_MAX, &b) ||
		    (b.len && al_json_push(s, json_string(b.buf)))) {
			al_buf_release(&b);
			goto oom;
		}
		al_buf_release(&b);
	}
done:
	*licenses = l;
	*datasets = s;
	l = s = NULL;
	goto out;
oom:
	err = al_oom(d);
out:
	al_ydoc_free(doc);
	json_decref(l);
	json_decref(s);
	return err;
}

/* ---- serial number -------------------------------------------------------------- */

void al_sbom_serial(const char *name, char out[46])
{
	/* RFC 4122's URL namespace, 6ba7b811-9dad-11d1-80b4-00c04fd430c8 */
	static const unsigned char ns[16] = { 0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
	                                      0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
	unsigned char md[AL_SHA1_LEN];
	struct al_hash h;
	char hex[33];

	if (al_hash_init(&h, AL_HASH_SHA1, NULL)) {
		memset(md, 0, sizeof(md)); /* only when libcrypto is broken */
	} else {
		al_hash_update(&h, ns, sizeof(ns));
		al_hash_update(&h, name, strlen(name));
		al_hash_final(&h, md);
	}
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	al_hex_encode(md, 16, hex);
	snprintf(out, 46, "urn:uuid:%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
	         hex + 20);
}

/* ---- the SBOM ------------------------------------------------------------------- */

struct sbom {
	const struct al_lock *lock;
	const struct al_sbom_opts *o;
	json_t *licenses; /* sha256 -> licence choice (a cache: a file in several targets) */
	json_t *deps;     /* the dependencies array */
	struct al_diag *d;
};

static void warn(struct sbom *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct sbom *sb, const char *fmt, ...)
{
	struct al_buf b = AL_BUF_INIT;
	va_list ap;

	if (!sb->o || !sb->o->warn)
		return;
	va_start(ap, fmt);
	if (!al_buf_vaddf(&b, fmt, ap))
		sb->o->warn(sb->o->ctx, b.buf);
	va_end(ap);
	al_buf_release(&b);
}

/* purl component encoding: everything but unreserved characters as %XX */
static al_err purl_add(struct al_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_' || c == '~') {
			if (al_buf_addch(b, (char)c))
				return AL_ENOMEM;
		} else if (al_buf_addf(b, "%%%02X", c))
			return AL_ENOMEM;
	}
	return AL_OK;
}

static json_t *prop(const char *name, const char *value)
{
	return json_pack("{s:s, s:s}", "name", name, "value", value);
}

static json_t *hashes(const char *sha256)
{
	return json_pack("[{s:s, s:s}]", "alg", "SHA-256", "content", sha256);
}

/* n bytes at off of fd into b (replacing its contents) */
static al_err pread_buf(int fd, uint64_t off, size_t n, struct al_buf *b)
{
	al_buf_reset(b);
	if (al_buf_grow(b, n))
		return AL_ENOMEM;
	if (al_pread_full(fd, b->buf, n, off))
		return AL_EIO;
	b->len = n;
	b->buf[n] = '\0';
	return AL_OK;
}

/* A wheel's METADATA through its central directory (lib/pypa/zipmeta.c),
 * reading only the end of the file, the directory and the member: a
 * multi-gigabyte wheel is not read through. Any problem: AL_EINVALID, and
 * the caller reads the wheel as a stream instead. */
al_err al_sbom_wheel_metadata(int fd, struct al_buf *out)
{
	struct al_buf b = AL_BUF_INIT;
	struct al_zip_cd cd;
	struct al_zip_member m;
	struct stat st;
	uint64_t total, need = 0, n;
	al_err err = AL_EINVALID;

	if (fstat(fd, &st) < 0 || st.st_size <= 0)
		return AL_EINVALID;
	total = (uint64_t)st.st_size;
	n = total < AL_ZIP_TAIL ? total : AL_ZIP_TAIL;
	if ((err = pread_buf(fd, total - n, (size_t)n, &b)) ||
	    (err = al_zip_find_cd((const unsigned char *)b.buf, b.len, total, &cd, NULL)) ||
	    cd.size > AL_ZIP_MAX_CD || (err = pread_buf(fd, cd.offset, (size_t)cd.size, &b)) ||
	    (err = al_zip_find_metadata((const unsigned char *)b.buf, b.len, total, &m, NULL)))
		goto out;
	n = 30 + 1024 + m.csize;
	if (m.csize > AL_WHEEL_METADATA_MAX)
		goto out;
	if (m.local_offset + n > total)
		n = total - m.local_offset;
	if ((err = pread_buf(fd, m.local_offset, (size_t)n, &b)))
		goto out;
	err = al_zip_member_data((const unsigned char *)b.buf, b.len, &m, AL_WHEEL_METADATA_MAX, out,
	                         &need, NULL);
	if (err == AL_ENOTFOUND && need && need <= 65536 + m.csize && m.local_offset + need <= total) {
		al_buf_reset(out);
		if (!(err = pread_buf(fd, m.local_offset, (size_t)need, &b)))
			err = al_zip_member_data((const unsigned char *)b.buf, b.len, &m,
			                         AL_WHEEL_METADATA_MAX, out, &need, NULL);
	}
out:
	al_buf_release(&b);
	if (err && err != AL_ENOMEM) {
		al_buf_reset(out);
		err = AL_EINVALID;
	}
	return err;
}

/* A locked distribution's core metadata out of the store, wherever a lock or
 * a fetch left it: the PEP 658 sidecar blob, the file itself, the sidecar
 * kept in the HTTP cache, or the METADATA a range read kept. */
al_err al_sbom_dist_metadata(struct al_store *s, const struct al_lock_dist *x, struct al_buf *md,
                             struct al_diag *d)
{
	struct al_httpcache_row row;
	struct al_buf key = AL_BUF_INIT;
	char *path = NULL;
	int fd = -1;
	al_err err;

	al_buf_reset(md);
	if (!s)
		return al_diag_set(d, AL_ENOTFOUND, "'%s' is not in the store", x->filename);
	if (x->metadata_sha256 && al_store_has(s, x->metadata_sha256)) {
		if (!(err = al_store_open_blob(s, x->metadata_sha256, &fd, d)))
			err = al_buf_read_fd(md, fd, x->filename, AL_WHEEL_METADATA_MAX, d);
	} else if (al_store_has(s, x->sha256)) {
		if (strlen(x->filename) > 4 && !strcmp(x->filename + strlen(x->filename) - 4, ".whl")) {
			if (!(err = al_store_open_blob(s, x->sha256, &fd, d)) &&
			    (err = al_sbom_wheel_metadata(fd, md)) == AL_EINVALID)
				err = lseek(fd, 0, SEEK_SET) < 0 ? al_diag_set(d, AL_EIO, "cannot seek")
				                                 : al_wheel_metadata_fd(fd, x->filename, md, d);
		} else if (!(path = al_store_blob_path(s, x->sha256))) {
			err = al_oom(d);
		} else {
			err = al_sdist_pkginfo_file(path, md, d);
		}
	} else {
		/* what lock read: the sidecar kept under its URL (only with the
		 * hash the lock names), or the METADATA of a range read */
		err = al_diag_set(d, AL_ENOTFOUND, "'%s' is not in the store", x->filename);
		if (x->url && al_buf_addf(&key, "%.*s.metadata", (int)strcspn(x->url, "#"), x->url)) {
			err = al_oom(d);
		} else if (x->url && x->metadata_sha256 && al_httpcache_get(s, key.buf, &row)) {
			if (!strcmp(row.sha256, x->metadata_sha256))
				err = al_httpcache_body(s, &row, AL_WHEEL_METADATA_MAX, md, d);
			al_httpcache_row_release(&row);
		}
		al_buf_reset(&key);
		if (err == AL_ENOTFOUND && al_buf_addf(&key, "metadata-of:sha256:%s", x->sha256))
			err = al_oom(d);
		else if (err == AL_ENOTFOUND && al_httpcache_get(s, key.buf, &row)) {
			if (row.inline_body)
				err = al_httpcache_body(s, &row, AL_WHEEL_METADATA_MAX, md, d);
			al_httpcache_row_release(&row);
		}
	}
	if (fd >= 0)
		close(fd);
	al_free(path);
	al_buf_release(&key);
	return err;
}

al_err al_sbom_dist_licenses(struct al_store *s, const struct al_lock_dist *x, json_t **out,
                             struct al_diag *d)
{
	struct al_buf md = AL_BUF_INIT;
	al_err err;

	*out = NULL;
	if (!(err = al_sbom_dist_metadata(s, x, &md, d)))
		err = al_sbom_metadata_licenses(md.buf, md.len, out, d);
	al_buf_release(&md);
	return err;
}

/* The licence choice of a distribution file (al_sbom_dist_licenses), cached
 * by sha256. A new reference; an empty array when unknown. */
static al_err dist_licenses(struct sbom *sb, const struct al_lock_dist *x, json_t **out)
{
	struct al_store *s = sb->o ? sb->o->store : NULL;
	struct al_diag d2 = AL_DIAG_INIT;
	json_t *arr = json_object_get(sb->licenses, x->sha256);
	al_err e2;

	if (arr) {
		*out = json_incref(arr);
		return AL_OK;
	}
	e2 = al_sbom_dist_licenses(s, x, &arr, &d2);
	if (e2 == AL_ENOMEM)
		return al_oom(sb->d);
	if (e2 == AL_ENOTFOUND && s)
		warn(sb, "'%s' is not in the store: no licence in the SBOM", x->filename);
	else if (e2 && e2 != AL_ENOTFOUND)
		warn(sb, "'%s': cannot read its metadata (%s): no licence in the SBOM", x->filename,
		     d2.msg);
	if (e2)
		arr = json_array();
	if (!arr || json_object_set(sb->licenses, x->sha256, arr)) {
		json_decref(arr);
		return al_oom(sb->d);
	}
	*out = arr;
	return AL_OK;
}

/* dist component ref: "<target>/<file>" or "<target>/build/<file>" */
static al_err dist_ref(struct al_buf *b, const struct al_lock_target *t, const struct al_lock_dist *x,
                       bool build)
{
	al_buf_reset(b);
	return al_buf_addf(b, "target:%s/%s%s", t->name, build ? "build/" : "", x->filename);
}

static al_err dist_component(struct sbom *sb, const struct al_lock_target *t,
                             const struct al_lock_dist *x, bool build, json_t **out)
{
	struct al_buf ref = AL_BUF_INIT, purl = AL_BUF_INIT;
	json_t *c = NULL, *props = json_array(), *lic = NULL;
	char size[32];
	al_err err;

	if ((err = dist_licenses(sb, x, &lic)))
		goto out;
	if (dist_ref(&ref, t, x, build) || al_buf_addstr(&purl, "pkg:pypi/") ||
	    purl_add(&purl, x->name) || al_buf_addch(&purl, '@') || purl_add(&purl, x->version) ||
	    al_buf_addstr(&purl, "?file_name=") || purl_add(&purl, x->filename) || !props)
		goto oom;
	if (!(c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "type", "library", "bom-ref", ref.buf,
	                    "name", x->name, "version", x->version, "purl", purl.buf, "hashes",
	                    hashes(x->sha256))))
		goto oom;
	if (build && al_json_set(c, "scope", json_string("excluded")))
		goto oom;
	if (json_array_size(lic) && al_json_set(c, "licenses", json_incref(lic)))
		goto oom;
	if (al_json_push(props, prop("airlock:file", x->filename)))
		goto oom;
	if (build && al_json_push(props, prop("airlock:build", "true")))
		goto oom;
	if (x->index && al_json_push(props, prop("airlock:index", x->index)))
		goto oom;
	if (x->size >= 0) {
		snprintf(size, sizeof(size), "%lld", (long long)x->size);
		if (al_json_push(props, prop("airlock:size", size)))
			goto oom;
	}
	if (al_json_set(c, "properties", props)) {
		props = NULL;
		goto oom;
	}
	props = NULL;
	*out = c;
	c = NULL;
	goto out;
oom:
	err = al_oom(sb->d);
out:
	json_decref(c);
	json_decref(props);
	json_decref(lic);
	al_buf_release(&ref);
	al_buf_release(&purl);
	return err;
}

/* Add ref to the dependsOn array of dependency i unless it is there last. */
static al_err depend(json_t *on, const char *ref)
{
	size_t n = json_array_size(on);

	if (n && !strcmp(json_string_value(json_array_get(on, n - 1)), ref))
		return AL_OK;
	return al_json_push(on, json_string(ref));
}

static int find_dist(const struct al_lock_dist *v, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(v[mid].name, name);
		if (!c)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* One target: a platform component with every distribution nested, and
 * its part of the graph: the target depends on what the manifest asked
 * for, each distribution on what it requires. */
static al_err target_component(struct sbom *sb, const struct al_lock_target *t, json_t *root_on,
                               json_t **out)
{
	struct al_buf ref = AL_BUF_INIT, tref = AL_BUF_INIT;
	json_t *c = NULL, *kids = json_array(), *props = json_array(), *on = NULL, *ons = NULL;
	size_t n = t->ndists + t->nbuild_dists, i, k, j;
	al_err err;

	if (!kids || !props || !(ons = json_array()) || al_buf_addf(&tref, "target:%s", t->name) ||
	    !(on = json_array()))
		goto oom;
	for (i = 0; i < n; i++)
		if (al_json_push(ons, json_array()))
			goto oom;
	for (i = 0; i < n; i++) {
		bool build = i >= t->ndists;
		const struct al_lock_dist *x = build ? &t->build_dists[i - t->ndists] : &t->dists[i];
		json_t *dc = NULL;

		if ((err = dist_component(sb, t, x, build, &dc)))
			goto out;
		if (al_json_push(kids, dc) || dist_ref(&ref, t, x, build))
			goto oom;
		for (k = 0; k < x->nrequired_by; k++) {
			const char *r = x->required_by[k];
			int at;
			if (!strcmp(r, "-")) {
				if (!build && depend(on, ref.buf))
					goto oom;
				continue;
			}
			if ((at = find_dist(t->dists, t->ndists, r)) >= 0 &&
			    depend(json_array_get(ons, (size_t)at), ref.buf))
				goto oom;
			for (j = 0; build && j < t->nbuild_dists; j++)
				if (!strcmp(t->build_dists[j].name, r) && j + t->ndists != i &&
				    depend(json_array_get(ons, t->ndists + j), ref.buf))
					goto oom;
		}
	}
	for (i = 0; i < n; i++) {
		bool build = i >= t->ndists;
		const struct al_lock_dist *x = build ? &t->build_dists[i - t->ndists] : &t->dists[i];
		if (dist_ref(&ref, t, x, build) ||
		    al_json_push(sb->deps, json_pack("{s:s, s:O}", "ref", ref.buf, "dependsOn",
		                                     json_array_get(ons, i))))
			goto oom;
	}
	if (al_json_push(sb->deps, json_pack("{s:s, s:O}", "ref", tref.buf, "dependsOn", on)) ||
	    depend(root_on, tref.buf))
		goto oom;
	if (al_json_push(props, prop("airlock:python-version", t->python_version)) ||
	    al_json_push(props, prop("airlock:implementation", t->implementation)))
		goto oom;
	for (i = 0; i < t->nplatforms; i++)
		if (al_json_push(props, prop("airlock:platform", t->platforms[i])))
			goto oom;
	if (!(c = json_pack("{s:s, s:s, s:s, s:O, s:O}", "type", "platform", "bom-ref", tref.buf,
	                    "name", t->name, "properties", props, "components", kids)))
		goto oom;
	*out = c;
	err = AL_OK;
	goto out;
oom:
	err = al_oom(sb->d);
out:
	json_decref(kids);
	json_decref(props);
	json_decref(on);
	json_decref(ons);
	al_buf_release(&ref);
	al_buf_release(&tref);
	return err;
}

/* The card of a repo: README.md at the top of its snapshot, out of the store. */
static al_err repo_card(struct sbom *sb, const struct al_lock_repo *r, json_t **lic, json_t **ds)
{
	struct al_store *s = sb->o ? sb->o->store : NULL;
	struct al_buf b = AL_BUF_INIT;
	struct al_diag d2 = AL_DIAG_INIT;
	const struct al_lock_file *f = NULL;
	int fd = -1;
	size_t i;
	al_err e2 = AL_OK;

	*lic = *ds = NULL;
	for (i = 0; i < r->nfiles; i++)
		if (!strcmp(r->files[i].path, "README.md"))
			f = &r->files[i];
	if (f && s && f->sha256 && al_store_has(s, f->sha256)) {
		if (f->size > (int64_t)AL_SBOM_CARD_MAX)
			warn(sb, "%s %s: README.md is larger than %zu bytes: no licence or datasets from "
			     "its card", r->type, r->repo, AL_SBOM_CARD_MAX);
		else if ((e2 = al_store_open_blob(s, f->sha256, &fd, &d2)) ||
		         (e2 = al_buf_read_fd(&b, fd, "README.md", AL_SBOM_CARD_MAX, &d2)) ||
		         (e2 = al_sbom_card(b.buf, b.len, lic, ds, &d2)))
			warn(sb, "%s %s: README.md: %s: no licence or datasets from its card", r->type,
			     r->repo, d2.msg);
	} else if (f && s) {
		warn(sb, "%s %s: README.md is not in the store: no licence or datasets from its card",
		     r->type, r->repo);
	}
	if (fd >= 0)
		close(fd);
	al_buf_release(&b);
	if (e2 == AL_ENOMEM)
		return al_oom(sb->d);
	if ((!*lic && !(*lic = json_array())) || (!*ds && !(*ds = json_array())))
		return al_oom(sb->d);
	return AL_OK;
}

static al_err repo_component(struct sbom *sb, const struct al_lock_repo *r, json_t *root_on,
                             json_t **out)
{
	bool model = !strcmp(r->type, "model");
	struct al_buf ref = AL_BUF_INIT, purl = AL_BUF_INIT;
	json_t *c = NULL, *files = json_array(), *lic = NULL, *ds = NULL, *props = NULL;
	const char *slash = strchr(r->repo, '/');
	char size[32];
	size_t i;
	al_err err;

	if ((err = repo_card(sb, r, &lic, &ds)))
		goto out;
	if (!files || al_buf_addf(&ref, "%s:%s", r->type, r->repo) ||
	    al_buf_addstr(&purl, "pkg:huggingface/"))
		goto oom;
	if (slash) {
		struct al_buf ns = AL_BUF_INIT;
		if (al_buf_add(&ns, r->repo, (size_t)(slash - r->repo)) || purl_add(&purl, ns.buf) ||
		    al_buf_addch(&purl, '/')) {
			al_buf_release(&ns);
			goto oom;
		}
		al_buf_release(&ns);
	}
	if (purl_add(&purl, slash ? slash + 1 : r->repo) || al_buf_addch(&purl, '@') ||
	    purl_add(&purl, r->commit))
		goto oom;
	for (i = 0; i < r->nfiles; i++) {
		const struct al_lock_file *f = &r->files[i];
		json_t *fc, *fp;
		snprintf(size, sizeof(size), "%lld", (long long)f->size);
		if (!(fp = json_pack("[o]", prop("airlock:size", size))))
			goto oom;
		if (f->lfs && al_json_push(fp, prop("airlock:lfs", "true"))) {
			json_decref(fp);
			goto oom;
		}
		if (!(fc = json_pack("{s:s, s:s, s:o}", "type", "file", "name", f->path, "properties", fp)))
			goto oom;
		if (f->sha256 && al_json_set(fc, "hashes", hashes(f->sha256))) {
			json_decref(fc);
			goto oom;
		}
		if (al_json_push(files, fc))
			goto oom;
	}
	if (!(props = json_pack("[o]", prop("airlock:revision", r->revision))))
		goto oom;
	if (!(c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:O}", "type",
	                    model ? "machine-learning-model" : "data", "bom-ref", ref.buf, "name",
	                    r->repo, "version", r->commit, "purl", purl.buf, "properties", props,
	                    "components", files)))
		goto oom;
	if (json_array_size(lic) && al_json_set(c, "licenses", json_incref(lic)))
		goto oom;
	if (model && json_array_size(ds)) {
		json_t *arr = json_array();
		if (!arr)
			goto oom;
		for (i = 0; i < json_array_size(ds); i++) {
			const char *name = json_string_value(json_array_get(ds, i));
			size_t k;
			for (k = 0; k < sb->lock->nrepos; k++)
				if (!strcmp(sb->lock->repos[k].type, "dataset") &&
				    !strcmp(sb->lock->repos[k].repo, name))
					break;
			if (k < sb->lock->nrepos
			        ? al_json_push(arr, json_pack("{s:s+}", "ref", "dataset:", name))
			        : al_json_push(arr, json_pack("{s:s, s:s}", "type", "dataset", "name", name))) {
				json_decref(arr);
				goto oom;
			}
		}
		if (al_json_set(c, "modelCard", json_pack("{s:{s:o}}", "modelParameters", "datasets", arr)))
			goto oom;
	}
	if (al_json_push(sb->deps, json_pack("{s:s, s:[]}", "ref", ref.buf, "dependsOn")) ||
	    depend(root_on, ref.buf))
		goto oom;
	*out = c;
	c = NULL;
	goto out;
oom:
	err = al_oom(sb->d);
out:
	json_decref(c);
	json_decref(files);
	json_decref(props);
	json_decref(lic);
	json_decref(ds);
	al_buf_release(&ref);
	al_buf_release(&purl);
	return err;
}

al_err al_sbom_build(const struct al_lock *l, const struct al_sbom_opts *o, char **out, size_t *len,
                     struct al_diag *d)
{
	struct sbom sb = { l, o, NULL, NULL, d };
	struct al_buf name = AL_BUF_INIT;
	json_t *bom = NULL, *comps = json_array(), *root_on = json_array(), *meta = NULL, *lj = NULL;
	json_t *mprops = NULL;
	char serial[46], seq[32], *text = NULL, hex[AL_SHA256_HEX];
	bool has_seq = o && o->seq >= 0;
	size_t i;
	al_err err;

	*out = NULL;
	*len = 0;
	if (!comps || !root_on || !(sb.licenses = json_object()) || !(sb.deps = json_array()))
		goto oom;
	snprintf(seq, sizeof(seq), "%lld", has_seq ? (long long)o->seq : 0LL);
	/* the serial number: bundle and sequence; without a sequence (a lock
	 * file, a bundle fetched here) the lock's own digest instead */
	if (has_seq) {
		if (al_buf_addf(&name, "airlock-sbom:%s@%s", l->bundle, seq))
			goto oom;
	} else {
		if ((err = al_lock_to_json(l, &lj, d)))
			goto out;
		if (!(text = json_dumps(lj, JSON_COMPACT | JSON_SORT_KEYS)))
			goto oom;
		al_sha256_hex(text, strlen(text), hex);
		free(text);
		text = NULL;
		if (al_buf_addf(&name, "airlock-sbom:%s#%s", l->bundle, hex))
			goto oom;
	}
	al_sbom_serial(name.buf, serial);
	for (i = 0; i < l->ntargets; i++) {
		json_t *c = NULL;
		if ((err = target_component(&sb, &l->targets[i], root_on, &c)))
			goto out;
		if (al_json_push(comps, c))
			goto oom;
	}
	for (i = 0; i < l->nrepos; i++) {
		json_t *c = NULL;
		if ((err = repo_component(&sb, &l->repos[i], root_on, &c)))
			goto out;
		if (al_json_push(comps, c))
			goto oom;
	}
	if (al_json_push(sb.deps, json_pack("{s:s, s:O}", "ref", "bundle", "dependsOn", root_on)))
		goto oom;
	if (!(mprops = json_pack("[o]", prop("airlock:bundle", l->bundle))) ||
	    (has_seq && al_json_push(mprops, prop("airlock:sequence", seq))) ||
	    (l->manifest_sha256 && al_json_push(mprops, prop("airlock:manifest-sha256",
	                                                     l->manifest_sha256))))
		goto oom;
	if (!(meta = json_pack("{s:{s:[{s:s, s:s, s:s}]}, s:{s:s, s:s, s:s}, s:O}", "tools",
	                       "components", "type", "application", "name", "airlock", "version",
	                       al_version(), "component", "type", "application", "bom-ref", "bundle",
	                       "name", l->bundle, "properties", mprops)))
		goto oom;
	if (has_seq && al_json_set(json_object_get(meta, "component"), "version", json_string(seq)))
		goto oom;
	if (o && o->timestamp && al_json_set(meta, "timestamp", json_string(o->timestamp)))
		goto oom;
	if (!(bom = json_pack("{s:s, s:s, s:s, s:i, s:O, s:O, s:O}", "bomFormat", "CycloneDX",
	                      "specVersion", "1.6", "serialNumber", serial, "version", 1, "metadata",
	                      meta, "components", comps, "dependencies", sb.deps)))
		goto oom;
	if (!(text = json_dumps(bom, JSON_INDENT(2) | JSON_SORT_KEYS)))
		goto oom;
	{
		/* jansson writes UTF-8 as is: DEL and the C1 controls (U+0080 to
		 * U+009F; a lock's file path may hold them) are escaped too, so
		 * that no control character reaches a terminal that shows the
		 * SBOM. Both stand only inside strings. */
		struct al_buf b = AL_BUF_INIT;
		const unsigned char *p;
		bool fail = false;
		for (p = (const unsigned char *)text; *p && !fail; p++) {
			if (*p == 0x7f)
				fail = al_buf_addstr(&b, "\\u007f") != AL_OK;
			else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
				fail = al_buf_addf(&b, "\\u00%02x", p[1]) != AL_OK;
				p++;
			} else
				fail = al_buf_addch(&b, (char)*p) != AL_OK;
		}
		if (fail || al_buf_addch(&b, '\n')) {
			al_buf_release(&b);
			goto oom;
		}
		*out = al_buf_detach(&b, len);
	}
	err = AL_OK;
	goto out;
oom:
	err = al_oom(d);
out:
	free(text);
	json_decref(bom);
	json_decref(comps);
	json_decref(root_on);
	json_decref(meta);
	json_decref(mprops);
	json_decref(lj);
	json_decref(sb.licenses);
	json_decref(sb.deps);
	al_buf_release(&name);
	return err;
}
