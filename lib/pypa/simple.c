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
	json_t *root, *files, *v;
	size_t i, alloc = 0;
	al_err err = AL_OK;

	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
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
