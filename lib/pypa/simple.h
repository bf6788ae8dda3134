/*
 * simple.h: project pages of a package index, PEP 503 (HTML) and PEP 691
 * (JSON), parsed into the list of files a resolver chooses from. Pure
 * functions of (body, length, page URL): the network is elsewhere.
 */
#ifndef AL_SIMPLE_H
#define AL_SIMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "airlock.h"
#include "core/buf.h"

#define AL_SIMPLE_MAX_FILES 200000

/* The Accept header pip sends, and ours. */
#define AL_SIMPLE_ACCEPT                                                        \
	"application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, " \
	"text/html; q=0.01"
#define AL_SIMPLE_JSON_TYPE "application/vnd.pypi.simple.v1+json"

struct al_simple_file {
	char *filename;        /* the URL's last path segment, percent-decoded */
	char *url;             /* absolute, without the fragment */
	char *sha256;          /* lowercase hex, or NULL when the index gave none */
	bool bad_hash;         /* a sha256 was given but is not 64 hex digits */
	char *requires_python; /* raw, may be NULL */
	bool yanked;
	char *yanked_reason;   /* may be NULL (yanked without a reason) */
	bool has_metadata;     /* PEP 658/714 sidecar at url + ".metadata" */
	char *metadata_sha256; /* may be NULL */
	int64_t size;          /* PEP 700 size, or -1 */
	const char *index;     /* the named index the page came from, or NULL; not
	                        * owned (lib/resolve/index.c sets it) */
};

struct al_simple_page {
	struct al_simple_file *files;
	size_t nfiles;
};

enum al_simple_format { AL_SIMPLE_HTML, AL_SIMPLE_JSON };

/* From a Content-Type header: JSON for application/vnd.pypi.simple.v1+json,
 * HTML for text/html and application/vnd.pypi.simple.v1+html, else
 * AL_EUNSUPPORTED (as pip refuses other types). */
AL_MUST_CHECK al_err al_simple_format_of(const char *content_type, enum al_simple_format *out,
                           struct al_diag *d);

AL_MUST_CHECK al_err al_simple_parse(enum al_simple_format fmt, const char *body, size_t len,
                       const char *page_url, struct al_simple_page **out, struct al_diag *d);
void al_simple_page_free(struct al_simple_page *p);
/* Whether a and b hold the same files in the same order, field by field
 * (index aside): what a page digest must give back (tests and fuzzing hold
 * al_simple_page_pack and _unpack to it). */
bool al_simple_page_same(const struct al_simple_page *a, const struct al_simple_page *b);

/* The digest of a parsed page: its files in a compact binary form, kept
 * beside the page's body (lib/resolve/index.c, in the HTTP cache) so that a
 * page that did not change is not parsed again (docs/decisions/0054-page-digest.md).
 * It names what it was made from: AL_SIMPLE_DIGEST_VERSION and the release
 * (PACKAGE_VERSION), the sha256 of
 * the body, its format and the URL its links were joined against; unpack
 * answers AL_ENOTFOUND (no message) when any of these differs from what the
 * caller has, AL_EPARSE for a digest that is malformed (cut short, lengths
 * that overrun, a NUL in a string, bytes left over). Bump the version with
 * any change to the layout or to what al_simple_parse gives. */
#define AL_SIMPLE_DIGEST_VERSION 1
AL_MUST_CHECK al_err al_simple_page_pack(const struct al_simple_page *p, const char *body_sha256,
                                         enum al_simple_format fmt, const char *page_url,
                                         struct al_buf *out, struct al_diag *d);
AL_MUST_CHECK al_err al_simple_page_unpack(const char *buf, size_t len, const char *body_sha256,
                                           enum al_simple_format fmt, const char *page_url,
                                           struct al_simple_page **out, struct al_diag *d);

#endif
