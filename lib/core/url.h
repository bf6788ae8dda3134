/*
 * url.h: URL handling through libcurl's URL API (CURLU). Only lib/core/url.c and
 * lib/net/http.c include curl.h.
 */
#ifndef AL_URL_H
#define AL_URL_H

#include "airlock.h"
#include "core/buf.h"

/* Whether url is an http:// or https:// URL (the scheme in any case). */
bool al_url_is_http(const char *url);
/* Resolve ref against base (RFC 3986), as a browser or pip's urljoin would.
 * *out is malloc'd, without userinfo (al_url_strip_userinfo). Only http,
 * https and file URLs are accepted. */
AL_MUST_CHECK al_err al_url_join(const char *base, const char *ref, char **out, struct al_diag *d);
/* al_url_join's two halves. _plain: the common plain shapes (a relative
 * "name#sha256=...", "../x" or "/x", an absolute URL, against a plain http(s)
 * base), by concatenation, byte for byte what libcurl answers; AL_ENOTFOUND
 * (no message) for any other shape. _curl: libcurl's answer, for every
 * shape. al_url_join tries the first, then the second; tests hold the two to
 * each other. */
AL_MUST_CHECK al_err al_url_join_plain(const char *base, const char *ref, char **out,
                                       struct al_diag *d);
AL_MUST_CHECK al_err al_url_join_curl(const char *base, const char *ref, char **out,
                                      struct al_diag *d);
/* The last path segment, percent-decoded, without query or fragment
 * (malloc'd). AL_EINVALID when the result is empty, contains '/' or NUL. */
AL_MUST_CHECK al_err al_url_filename(const char *url, char **out, struct al_diag *d);
/* Split off the fragment: *frag (malloc'd, may be NULL) and the URL without
 * it (malloc'd). */
AL_MUST_CHECK al_err al_url_split_fragment(const char *url, char **base, char **frag, struct al_diag *d);
/* The host of an URL (malloc'd, lowercase), for auth scoping. */
AL_MUST_CHECK al_err al_url_host(const char *url, char **out, struct al_diag *d);

/* url without its userinfo: "https://user:pw@host:8080/x" becomes
 * "https://host:8080/x". Every URL airlock records (lock, store, HTTP cache)
 * or prints (messages, logs, progress) goes through here: credentials live
 * only in memory (al_http_add_credentials, docs/reference/http.md). The authority is
 * what follows "scheme://" up to the first '/', '?' or '#'; its userinfo ends
 * at the last '@' in it, so an unencoded '@' or ':' in a password goes with
 * it (as Python's urlsplit and curl read it), and a bracketed IPv6 host
 * stays whole. Input that is no such URL is copied as is. Fails only for
 * memory. */
AL_MUST_CHECK al_err al_url_strip_userinfo_buf(struct al_buf *out, const char *url);
/* The same, malloc'd; NULL when out of memory. */
char *al_url_strip_userinfo(const char *url);
/* url as messages show it: without userinfo, and with its query, if any,
 * replaced by "?..." (a signed CDN URL carries its grant there:
 * X-Amz-Signature, Signature, Key-Pair-Id, sig, token). The fragment goes
 * with the query. Fails only for memory. */
AL_MUST_CHECK al_err al_url_for_message_buf(struct al_buf *out, const char *url);
/* The same, malloc'd; NULL when out of memory. */
char *al_url_for_message(const char *url);
/* Whether url has userinfo (an '@' in its authority). */
bool al_url_has_userinfo(const char *url);
/* The userinfo of url, percent-decoded: *user (malloc'd) and *password
 * (malloc'd, NULL when there is no ':'). AL_ENOTFOUND (no message) when url
 * has none; AL_EINVALID when a decoded part holds a NUL. The caller wipes
 * and frees both. */
AL_MUST_CHECK al_err al_url_userinfo(const char *url, char **user, char **password, struct al_diag *d);

/* The local path of a file:// URL (percent-decoded, malloc'd); AL_EINVALID
 * for other URLs, a host other than localhost, or a NUL. */
AL_MUST_CHECK al_err al_url_local_path(const char *url, char **out, struct al_diag *d);

#endif
