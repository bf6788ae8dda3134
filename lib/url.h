/*
 * url.h: URL handling through libcurl's URL API (CURLU). Only lib/url.c and
 * lib/http.c include curl.h.
 */
#ifndef AL_URL_H
#define AL_URL_H

#include "airlock.h"

/* Whether url is an http:// or https:// URL (the scheme in any case). */
bool al_url_is_http(const char *url);
/* Resolve ref against base (RFC 3986), as a browser or pip's urljoin would.
 * *out is malloc'd. Only http, https and file URLs are accepted. */
al_err al_url_join(const char *base, const char *ref, char **out, struct al_diag *d);
/* The last path segment, percent-decoded, without query or fragment
 * (malloc'd). AL_EINVALID when the result is empty, contains '/' or NUL. */
al_err al_url_filename(const char *url, char **out, struct al_diag *d);
/* Split off the fragment: *frag (malloc'd, may be NULL) and the URL without
 * it (malloc'd). */
al_err al_url_split_fragment(const char *url, char **base, char **frag, struct al_diag *d);
/* The host of an URL (malloc'd, lowercase), for auth scoping. */
al_err al_url_host(const char *url, char **out, struct al_diag *d);

/* The local path of a file:// URL (percent-decoded, malloc'd); AL_EINVALID
 * for other URLs, a host other than localhost, or a NUL. */
al_err al_url_local_path(const char *url, char **out, struct al_diag *d);

#endif
