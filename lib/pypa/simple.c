/*
 * simple.c: PEP 503 HTML and PEP 691 JSON project pages.
 *
 * HTML follows pip's reading (pip._internal.index.collector): every <a href>
 * is a file, the first <base href> sets the base, the file name comes from
 * the URL (not the anchor text), a "#sha256=" fragment is the hash, entities
 * are decoded once by the parser. Where pip is lax and the standard is clear
 * we follow the standard: a bare data-yanked attribute means yanked.
 * libxml2's HTML parser copes with the messy markup real indexes emit; it runs
 * with no network access and no error output.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "core/hash.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/url.h"
#include "pypa/simple.h"

void al_simple_page_free(struct al_simple_page *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nfiles; i++) {
		struct al_simple_file *f = &p->files[i];
		al_free(f->filename);
		al_free(f->url);
		al_free(f->sha256);
		al_free(f->requires_python);
		al_free(f->yanked_reason);
		al_free(f->metadata_sha256);
	}
	al_free(p->files);
	al_free(p);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

bool al_simple_page_same(const struct al_simple_page *a, const struct al_simple_page *b)
{
	size_t i;

	if (a->nfiles != b->nfiles)
		return false;
	for (i = 0; i < a->nfiles; i++) {
		const struct al_simple_file *x = &a->files[i], *y = &b->files[i];
		if (!same_str(x->filename, y->filename) || !same_str(x->url, y->url) ||
		    !same_str(x->sha256, y->sha256) || x->bad_hash != y->bad_hash ||
		    !same_str(x->requires_python, y->requires_python) || x->yanked != y->yanked ||
		    !same_str(x->yanked_reason, y->yanked_reason) ||
		    x->has_metadata != y->has_metadata ||
		    !same_str(x->metadata_sha256, y->metadata_sha256) || x->size != y->size)
			return false;
	}
	return true;
}

al_err al_simple_format_of(const char *ct, enum al_simple_format *out, struct al_diag *d)
{
	size_t n;

	if (!ct)
		ct = "";
	n = strcspn(ct, "; \t");
	if (n == strlen(AL_SIMPLE_JSON_TYPE) && !strncasecmp(ct, AL_SIMPLE_JSON_TYPE, n)) {
		*out = AL_SIMPLE_JSON;
		return AL_OK;
	}
	if ((n == 9 && !strncasecmp(ct, "text/html", 9)) ||
	    (n == 35 && !strncasecmp(ct, "application/vnd.pypi.simple.v1+html", 35))) {
		*out = AL_SIMPLE_HTML;
		return AL_OK;
	}
	return al_diag_set(d, AL_EUNSUPPORTED,
	                   "unsupported Content-Type '%.100s' for an index page (expected "
	                   "text/html or application/vnd.pypi.simple.v1+json)", ct);
}

/* "sha256=<hex>" (in a fragment or a metadata attribute): *hash set to the
 * lowercase hex, or *bad set when the value is not a sha256. */
static al_err parse_hash_pair(const char *s, size_t len, char **hash, bool *bad, struct al_diag *d)
{
	char hex[AL_SHA256_HEX];
	size_t i;

	if (len < 7 || strncasecmp(s, "sha256=", 7))
		return AL_OK;
	s += 7;
	len -= 7;
	if (len != 64) {
		*bad = true;
		return AL_OK;
	}
	for (i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char)s[i])) {
			*bad = true;
			return AL_OK;
		}
		hex[i] = (char)tolower((unsigned char)s[i]);
	}
	hex[64] = '\0';
	al_free(*hash);
	if (!(*hash = al_strdup(hex)))
		return al_oom(d);
	return AL_OK;
}

/* Add a file from an absolute-or-relative href; the fragment may carry the hash. */
static al_err add_file(struct al_simple_page *p, size_t *alloc, const char *base, const char *href,
                       struct al_simple_file **out, struct al_diag *d)
{
	struct al_simple_file *f;
	char *abs = NULL, *frag = NULL;
	const char *s;
	al_err err;

	*out = NULL;
	if (p->nfiles >= AL_SIMPLE_MAX_FILES)
		return al_diag_set(d, AL_ELIMIT, "more than %d files on one index page",
		                   AL_SIMPLE_MAX_FILES);
	if (AL_GROW(p->files, *alloc, p->nfiles + 1))
		return al_oom(d);
	f = &p->files[p->nfiles];
	memset(f, 0, sizeof(*f));
	f->size = -1;
	if ((err = al_url_join(base, href, &abs, d)))
		return err;
	/* a remote page may not point at local files */
	if (!strncasecmp(abs, "file:", 5) && strncasecmp(base, "file:", 5)) {
		al_free(abs);
		return al_diag_set(d, AL_EINVALID, "a remote index page links to a local file");
	}
	if ((err = al_url_split_fragment(abs, &f->url, &frag, d)))
		goto out;
	if ((err = al_url_filename(f->url, &f->filename, d)))
		goto out;
	/* "[#&]sha256=..." among the fragment's &-separated parts */
	for (s = frag; s && *s;) {
		size_t n = strcspn(s, "&");
		if ((err = parse_hash_pair(s, n, &f->sha256, &f->bad_hash, d)))
			goto out;
		s += n;
		if (*s == '&')
			s++;
	}
	p->nfiles++;
	*out = f;
out:
	if (err) {
		al_free(f->url);
		al_free(f->filename);
		al_free(f->sha256);
		memset(f, 0, sizeof(*f));
	}
	al_free(abs);
	al_free(frag);
	return err;
}

static al_err metadata_attr(struct al_simple_file *f, const char *v, struct al_diag *d)
{
	bool bad = false;

	f->has_metadata = true;
	if (!v || !strcasecmp(v, "true"))
		return AL_OK;
	return parse_hash_pair(v, strlen(v), &f->metadata_sha256, &bad, d);
}

static char *prop(xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

/* Over 80 lines: one walk over libxml2's tree with the
 * per-anchor checks in order (href, hash fragment, data-* attributes, caps). */
static al_err parse_html(const char *body, size_t len, const char *page_url,
                         struct al_simple_page *p, struct al_diag *d)
{
	htmlDocPtr doc;
	xmlNode *n;
	char *base = NULL;
	size_t alloc = 0;
	al_err err = AL_OK;
	bool have_base = false;

	if (len > INT32_MAX)
		return al_diag_set(d, AL_ELIMIT, "index page too large");
	doc = htmlReadMemory(body, (int)len, page_url, "UTF-8",
	                     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	                             HTML_PARSE_NONET | HTML_PARSE_COMPACT);
	if (!doc)
		return len == 0 ? AL_OK : al_diag_set(d, AL_EPARSE, "cannot parse the HTML page");
	if (!(base = al_strdup(page_url))) {
		err = al_oom(d);
		goto out;
	}
	/* Iterative pre-order walk: no recursion on hostile nesting. */
	for (n = xmlDocGetRootElement(doc); n;) {
		if (n->type == XML_ELEMENT_NODE && !strcasecmp((const char *)n->name, "base") &&
		    !have_base) {
			char *href = prop(n, "href");
			if (href) {
				char *nb = NULL;
				have_base = true;
				/* a bad base URL is ignored, but running out of memory
				 * must not silently resolve links against the page URL */
				err = al_url_join(page_url, href, &nb, NULL);
				xmlFree(href);
				if (err == AL_ENOMEM) {
					err = al_oom(d);
					goto out;
				}
				if (!err) {
					al_free(base);
					base = nb;
				}
				err = AL_OK;
			}
		} else if (n->type == XML_ELEMENT_NODE && !strcasecmp((const char *)n->name, "a")) {
			char *href = prop(n, "href");
			struct al_simple_file *f = NULL;
			if (href) {
				struct al_diag skip = AL_DIAG_INIT;
				err = add_file(p, &alloc, base, href, &f, &skip);
				xmlFree(href);
				if (err == AL_ENOMEM || err == AL_ELIMIT) {
					*d = skip;
					goto out;
				}
				err = AL_OK; /* a link that is no file (or a bad URL) is ignored, as pip does */
			}
			if (f) {
				char *v;
				if ((v = prop(n, "data-requires-python")) && *v &&
				    !(f->requires_python = al_strdup(v)))
					err = al_oom(d);
				xmlFree(v);
				if (xmlHasProp(n, (const xmlChar *)"data-yanked")) {
					f->yanked = true;
					if ((v = prop(n, "data-yanked")) && *v &&
					    !(f->yanked_reason = al_strdup(v)))
						err = al_oom(d);
					xmlFree(v);
				}
				if (xmlHasProp(n, (const xmlChar *)"data-core-metadata"))
					v = prop(n, "data-core-metadata");
				else if (xmlHasProp(n, (const xmlChar *)"data-dist-info-metadata"))
					v = prop(n, "data-dist-info-metadata");
				else
					v = NULL;
				if (v || xmlHasProp(n, (const xmlChar *)"data-core-metadata") ||
				    xmlHasProp(n, (const xmlChar *)"data-dist-info-metadata"))
					if (!err)
						err = metadata_attr(f, v, d);
				xmlFree(v);
				if (err)
					goto out;
			}
		}
		if (n->children && n->type == XML_ELEMENT_NODE) {
			n = n->children;
			continue;
		}
		while (n && !n->next)
			n = n->parent && n->parent->type == XML_ELEMENT_NODE ? n->parent : NULL;
		if (n)
			n = n->next;
	}
out:
	al_free(base);
	xmlFreeDoc(doc);
	return err;
}

static al_err parse_json(const char *body, size_t len, const char *page_url,
                         struct al_simple_page *p, struct al_diag *d)
{
	json_error_t jerr;
	bool oom;
	json_t *root, *files, *v;
	size_t i, alloc = 0;
	al_err err = AL_OK;

	root = al_json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr, &oom);
	if (!root && oom)
		return al_oom(d);
	if (!root)
		return al_diag_set(d, AL_EPARSE, "bad JSON at line %d column %d: %s", jerr.line,
		                   jerr.column, jerr.text);
	if (!json_is_object(root) || !json_is_array(files = json_object_get(root, "files"))) {
		err = al_diag_set(d, AL_EPARSE, "not a PEP 691 project page: no \"files\" list");
		goto out;
	}
	json_array_foreach(files, i, v) {
		struct al_simple_file *f = NULL;
		struct al_diag skip = AL_DIAG_INIT;
		json_t *url = json_object_get(v, "url"), *x;

		if (!json_is_object(v) || !json_is_string(url))
			continue; /* pip drops entries without a url */
		err = add_file(p, &alloc, page_url, json_string_value(url), &f, &skip);
		if (err == AL_ENOMEM || err == AL_ELIMIT) {
			*d = skip;
			goto out;
		}
		err = AL_OK;
		if (!f)
			continue;
		x = json_object_get(json_object_get(v, "hashes"), "sha256");
		if (json_is_string(x)) {
			char pair[80];
			snprintf(pair, sizeof(pair), "sha256=%.70s", json_string_value(x));
			f->bad_hash = false;
			al_free(f->sha256);
			f->sha256 = NULL;
			if ((err = parse_hash_pair(pair, strlen(pair), &f->sha256, &f->bad_hash, d)))
				goto out;
		}
		x = json_object_get(v, "requires-python");
		if (json_is_string(x) && *json_string_value(x) &&
		    !(f->requires_python = al_strdup(json_string_value(x)))) {
			err = al_oom(d);
			goto out;
		}
		x = json_object_get(v, "yanked");
		if (json_is_string(x)) {
			f->yanked = true;
			if (*json_string_value(x) &&
			    !(f->yanked_reason = al_strdup(json_string_value(x)))) {
				err = al_oom(d);
				goto out;
			}
		} else if (json_is_true(x)) {
			f->yanked = true;
		}
		x = json_object_get(v, "core-metadata");
		if (!x)
			x = json_object_get(v, "dist-info-metadata");
		if (json_is_true(x)) {
			f->has_metadata = true;
		} else if (json_is_object(x)) {
			json_t *h = json_object_get(x, "sha256");
			char pair[80];
			bool bad = false;
			f->has_metadata = true;
			if (json_is_string(h)) {
				snprintf(pair, sizeof(pair), "sha256=%.70s", json_string_value(h));
				if ((err = parse_hash_pair(pair, strlen(pair), &f->metadata_sha256, &bad, d)))
					goto out;
			}
		}
		x = json_object_get(v, "size");
		if (json_is_integer(x) && json_integer_value(x) >= 0)
			f->size = json_integer_value(x);
	}
out:
	json_decref(root);
	return err;
}

al_err al_simple_parse(enum al_simple_format fmt, const char *body, size_t len,
                       const char *page_url, struct al_simple_page **out, struct al_diag *d)
{
	struct al_simple_page *p;
	al_err err;

	*out = NULL;
	if (!(p = al_calloc(1, sizeof(*p))))
		return al_oom(d);
	err = fmt == AL_SIMPLE_JSON ? parse_json(body, len, page_url, p, d)
	                            : parse_html(body, len, page_url, p, d);
	if (err) {
		al_diag_prefix(d, "%s: ", page_url);
		al_simple_page_free(p);
		return err;
	}
	*out = p;
	return AL_OK;
}

/* ---- the digest: a parsed page in a compact form ---------------------------------------
 *
 *	"airlock simple digest\n"  magic
 *	u32                         AL_SIMPLE_DIGEST_VERSION
 *	str                         PACKAGE_VERSION: a digest made by another
 *	                            release is not trusted either
 *	str                         sha256 of the body (hex)
 *	u8                          format (0 HTML, 1 JSON)
 *	str                         the URL links were joined against
 *	u32                         number of files, then per file:
 *	u8                          flags: 1 bad_hash, 2 yanked, 4 has_metadata
 *	u64                         size + 1 (0: none)
 *	str x 6                     filename, url, sha256, requires_python,
 *	                            yanked_reason, metadata_sha256
 *
 * Integers little-endian; a str is a u32 length and its bytes, the length
 * 0xffffffff for NULL. */

#define DIGEST_MAGIC "airlock simple digest\n"
#define DIGEST_NULL 0xffffffffu

static al_err put_u32(struct al_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
	                       (unsigned char)(v >> 24) };

	return al_buf_add(b, x, 4);
}

static al_err put_u64(struct al_buf *b, uint64_t v)
{
	al_err err = put_u32(b, (uint32_t)v);

	return err ? err : put_u32(b, (uint32_t)(v >> 32));
}

static al_err put_str(struct al_buf *b, const char *s)
{
	size_t n;
	al_err err;

	if (!s)
		return put_u32(b, DIGEST_NULL);
	if ((n = strlen(s)) >= DIGEST_NULL)
		return AL_ELIMIT;
	if ((err = put_u32(b, (uint32_t)n)))
		return err;
	return al_buf_add(b, s, n);
}

al_err al_simple_page_pack(const struct al_simple_page *p, const char *body_sha256,
                           enum al_simple_format fmt, const char *page_url, struct al_buf *out,
                           struct al_diag *d)
{
	al_err err;
	size_t i;

	al_buf_reset(out);
	if (p->nfiles > AL_SIMPLE_MAX_FILES)
		return al_diag_set(d, AL_ELIMIT, "more than %d files on one index page",
		                   AL_SIMPLE_MAX_FILES);
	if ((err = al_buf_addstr(out, DIGEST_MAGIC)) ||
	    (err = put_u32(out, AL_SIMPLE_DIGEST_VERSION)) || (err = put_str(out, PACKAGE_VERSION)) ||
	    (err = put_str(out, body_sha256)) ||
	    (err = al_buf_addch(out, fmt == AL_SIMPLE_JSON ? 1 : 0)) ||
	    (err = put_str(out, page_url)) || (err = put_u32(out, (uint32_t)p->nfiles)))
		goto out;
	for (i = 0; i < p->nfiles; i++) {
		const struct al_simple_file *f = &p->files[i];
		unsigned flags = (f->bad_hash ? 1u : 0) | (f->yanked ? 2u : 0) | (f->has_metadata ? 4u : 0);
		if ((err = al_buf_addch(out, (char)flags)) ||
		    (err = put_u64(out, f->size < 0 ? 0 : (uint64_t)f->size + 1)) ||
		    (err = put_str(out, f->filename)) || (err = put_str(out, f->url)) ||
		    (err = put_str(out, f->sha256)) || (err = put_str(out, f->requires_python)) ||
		    (err = put_str(out, f->yanked_reason)) || (err = put_str(out, f->metadata_sha256)))
			goto out;
	}
out:
	if (err == AL_ELIMIT)
		return al_diag_set(d, AL_ELIMIT, "a string on index page '%s' is too long", page_url);
	return err ? al_oom(d) : AL_OK;
}

/* A reader over [p, end): every get fails (false) once anything is short. */
struct rd {
	const unsigned char *p, *end;
};

static bool get_u32(struct rd *r, uint32_t *v)
{
	if (r->end - r->p < 4)
		return false;
	*v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
	     (uint32_t)r->p[3] << 24;
	r->p += 4;
	return true;
}

static bool get_u64(struct rd *r, uint64_t *v)
{
	uint32_t lo, hi;

	if (!get_u32(r, &lo) || !get_u32(r, &hi))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

/* A string in place: *s (not NUL-terminated) and *n, *s NULL for NULL. */
static bool get_span(struct rd *r, const char **s, size_t *n)
{
	uint32_t len;

	if (!get_u32(r, &len))
		return false;
	if (len == DIGEST_NULL) {
		*s = NULL;
		*n = 0;
		return true;
	}
	if ((size_t)(r->end - r->p) < len || memchr(r->p, '\0', len))
		return false;
	*s = (const char *)r->p;
	*n = len;
	r->p += len;
	return true;
}

static bool span_is(const char *s, size_t n, const char *want)
{
	return s && want && strlen(want) == n && !memcmp(s, want, n);
}

/* A copy of a string from the digest: *ok false when it is malformed,
 * *oom when out of memory. */
static char *get_str(struct rd *r, bool *ok, bool *oom)
{
	const char *s;
	size_t n;
	char *c;

	if (!*ok || *oom)
		return NULL;
	if (!get_span(r, &s, &n)) {
		*ok = false;
		return NULL;
	}
	if (!s)
		return NULL;
	if (!(c = al_strndup(s, n)))
		*oom = true;
	return c;
}

al_err al_simple_page_unpack(const char *buf, size_t len, const char *body_sha256,
                             enum al_simple_format fmt, const char *page_url,
                             struct al_simple_page **out, struct al_diag *d)
{
	struct rd r = { (const unsigned char *)buf, (const unsigned char *)buf + len };
	struct al_simple_page *p = NULL;
	const size_t magic = strlen(DIGEST_MAGIC);
	const char *s;
	size_t n, i;
	uint32_t version, nfiles;
	bool ok = true, oom = false;

	*out = NULL;
	if (len < magic || memcmp(buf, DIGEST_MAGIC, magic))
		return al_diag_set(d, AL_EPARSE, "not a page digest");
	r.p += magic;
	if (!get_u32(&r, &version))
		goto bad;
	if (version != AL_SIMPLE_DIGEST_VERSION)
		return AL_ENOTFOUND;
	if (!get_span(&r, &s, &n))
		goto bad;
	if (!span_is(s, n, PACKAGE_VERSION))
		return AL_ENOTFOUND;
	if (!get_span(&r, &s, &n))
		goto bad;
	if (!span_is(s, n, body_sha256))
		return AL_ENOTFOUND;
	if (r.p == r.end)
		goto bad;
	if (*r.p++ != (fmt == AL_SIMPLE_JSON ? 1 : 0))
		return AL_ENOTFOUND;
	if (!get_span(&r, &s, &n))
		goto bad;
	if (!span_is(s, n, page_url))
		return AL_ENOTFOUND;
	/* each file takes at least 1 + 8 + 6 * 4 bytes */
	if (!get_u32(&r, &nfiles) || nfiles > AL_SIMPLE_MAX_FILES ||
	    (size_t)(r.end - r.p) / 33 < nfiles)
		goto bad;
	if (!(p = al_calloc(1, sizeof(*p))) ||
	    (nfiles && !(p->files = al_calloc(nfiles, sizeof(*p->files))))) {
		al_free(p);
		return al_oom(d);
	}
	for (i = 0; i < nfiles && ok && !oom; i++) {
		struct al_simple_file *f = &p->files[i];
		uint64_t size;
		unsigned flags;
		p->nfiles++;
		if (r.p == r.end) {
			ok = false;
			break;
		}
		flags = *r.p++;
		if ((flags & ~7u) || !get_u64(&r, &size) || size > (uint64_t)INT64_MAX) {
			ok = false;
			break;
		}
		f->bad_hash = flags & 1;
		f->yanked = flags & 2;
		f->has_metadata = flags & 4;
		f->size = size ? (int64_t)(size - 1) : -1;
		f->filename = get_str(&r, &ok, &oom);
		f->url = get_str(&r, &ok, &oom);
		f->sha256 = get_str(&r, &ok, &oom);
		f->requires_python = get_str(&r, &ok, &oom);
		f->yanked_reason = get_str(&r, &ok, &oom);
		f->metadata_sha256 = get_str(&r, &ok, &oom);
		if (ok && !oom && (!f->filename || !f->url))
			ok = false;
	}
	if (oom) {
		al_simple_page_free(p);
		return al_oom(d);
	}
	if (!ok || r.p != r.end) {
		al_simple_page_free(p);
		goto bad;
	}
	*out = p;
	return AL_OK;
bad:
	return al_diag_set(d, AL_EPARSE, "page digest of '%s' is malformed", page_url);
}
