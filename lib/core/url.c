#include "config.h"

#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/url.h"

/* al_diag_set(d, code, "<before>'<url>'<after>"), url shown without userinfo. */
static al_err url_fail(struct al_diag *d, al_err code, const char *before, const char *url,
                       const char *after)
{
	char *shown = al_url_strip_userinfo(url);
	al_err err;

	if (!shown)
		return al_oom(d);
	err = al_diag_set(d, code, "%s'%s'%s", before, shown, after);
	al_free(shown);
	return err;
}

static al_err url_error(CURLUcode rc, const char *what, struct al_diag *d)
{
	struct al_buf after = AL_BUF_INIT;
	al_err err;

	if (rc == CURLUE_OUT_OF_MEMORY || al_buf_addf(&after, ": %s", curl_url_strerror(rc)))
		return al_oom(d);
	err = url_fail(d, AL_EINVALID, "bad URL ", what, after.buf);
	al_buf_release(&after);
	return err;
}

bool al_url_is_http(const char *url)
{
	return !strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8);
}

static bool scheme_ok(const char *url)
{
	return al_url_is_http(url) || !strncasecmp(url, "file://", 7);
}

al_err al_url_join_curl(const char *base, const char *ref, char **out, struct al_diag *d)
{
	CURLU *u = curl_url();
	char *s = NULL;
	CURLUcode rc;
	al_err err = AL_OK;

	*out = NULL;
	if (!u)
		return al_oom(d);
	if ((rc = curl_url_set(u, CURLUPART_URL, base, 0))) {
		err = url_error(rc, base, d);
		goto out;
	}
	if ((rc = curl_url_set(u, CURLUPART_URL, ref, CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE))) {
		err = url_error(rc, ref, d);
		goto out;
	}
	if ((rc = curl_url_get(u, CURLUPART_URL, &s, 0))) {
		err = url_error(rc, ref, d);
		goto out;
	}
	if (!scheme_ok(s)) {
		err = url_fail(d, AL_EINVALID, "URL ", ref,
		               ": only http, https and file URLs are allowed");
		goto out;
	}
	/* a page may name files with credentials in them: never recorded */
	if (!(*out = al_url_strip_userinfo(s)))
		err = al_oom(d);
out:
	curl_free(s);
	curl_url_cleanup(u);
	return err;
}

/*
 * The fast path of al_url_join. A page of 2,000 versions joins a file URL
 * per file, and libcurl parses base and reference anew each time; most of
 * them are one of three plain shapes ("name.whl#sha256=...", "../../x" and
 * "/x" against "http://host:port/simple/p/", or an absolute URL). For those
 * the answer is concatenation, and it is computed here when every byte is
 * one libcurl (7.88 and later, tests/unit/test-url.c holds the two to each
 * other) gives back unchanged: a lowercase http(s) scheme and host, a port
 * with no leading zero, paths of unreserved characters, sub-delimiters and
 * complete %XX escapes, no dot segment but leading "../", no "//", no query,
 * no userinfo, no IPv4 address in a shape libcurl would rewrite. Anything
 * else goes to libcurl.
 */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c);
}

static bool is_path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	       (c && strchr("-._~!$&'()*+,;=", c));
}

static bool is_frag_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	       (c && strchr("-._~=&+", c));
}

/* A canonical dotted quad: four decimal numbers 0-255 without leading zeros. */
static bool dotted_quad(const char *h, size_t n)
{
	size_t i = 0, parts = 0;

	while (i < n) {
		size_t start = i;
		unsigned v = 0;
		while (i < n && is_digit(h[i]) && i - start < 4)
			v = v * 10 + (unsigned)(h[i++] - '0');
		if (i == start || i - start > 3 || v > 255 || (h[start] == '0' && i - start > 1))
			return false;
		parts++;
		if (i < n && h[i++] != '.')
			return false;
		if (i == n && h[n - 1] == '.')
			return false;
	}
	return parts == 4;
}

/* A host libcurl keeps as written: dot-separated labels of [a-z0-9-] that
 * start and end with a letter or digit. libcurl rewrites IPv4 addresses in
 * other shapes ("127.1", "0x7f.1", "010.0.0.1"): a host whose every label
 * might be such a number ([0-9a-fx] only) must be a canonical dotted quad. */
static bool plain_host(const char *h, size_t n)
{
	bool maybe_number = true;
	size_t i, label = 0;

	if (!n || n > 253)
		return false;
	for (i = 0; i <= n; i++) {
		char c = i < n ? h[i] : '.';
		if (c == '.') {
			if (!label || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_lower_alnum(c) && c != '-')
			return false;
		if (!label && c == '-')
			return false;
		if (!(is_digit(c) || (c >= 'a' && c <= 'f') || c == 'x'))
			maybe_number = false;
		label++;
	}
	return !maybe_number || dotted_quad(h, n);
}

/* The length of "http[s]://host[:port]" at the start of u when it is plain
 * and followed by '/', else 0. */
static size_t plain_origin(const char *u)
{
	const char *h, *p;

	if (!strncmp(u, "http://", 7))
		h = u + 7;
	else if (!strncmp(u, "https://", 8))
		h = u + 8;
	else
		return 0;
	p = h + strcspn(h, ":/");
	if (!plain_host(h, (size_t)(p - h)))
		return 0;
	if (*p == ':') {
		unsigned long port = 0;
		const char *q = ++p;
		while (is_digit(*p) && p - q < 6)
			port = port * 10 + (unsigned long)(*p++ - '0');
		if (p == q || p - q > 5 || *q == '0' || port > 65535)
			return 0;
	}
	return *p == '/' ? (size_t)(p - u) : 0;
}

/* Whether [p, p + n) is a plain path: path characters and complete %XX
 * escapes, no empty, "." or ".." segment (a leading '/' and a trailing one
 * aside). */
static bool plain_path(const char *p, size_t n)
{
	size_t i, seg = 0;

	if (n && p[0] == '/') {
		p++;
		n--;
	}
	for (i = 0; i <= n; i++) {
		if (i == n || p[i] == '/') {
			size_t len = i - seg;
			if ((!len && i != n) || (len == 1 && p[seg] == '.') ||
			    (len == 2 && p[seg] == '.' && p[seg + 1] == '.'))
				return false;
			seg = i + 1;
		} else if (p[i] == '%') {
			if (i + 2 >= n || al_hexval(p[i + 1]) < 0 || al_hexval(p[i + 2]) < 0)
				return false;
			i += 2;
		} else if (!is_path_char(p[i])) {
			return false;
		}
	}
	return true;
}

al_err al_url_join_plain(const char *base, const char *ref, char **out, struct al_diag *d)
{
	struct al_buf b = AL_BUF_INIT;
	size_t bo = plain_origin(base), blen, rlen, ro, up = 0, dir;
	const char *hash = strchr(ref, '#'), *rest = ref;
	bool ok;

	*out = NULL;
	if (!bo || (blen = strlen(base)) > 4096 || !plain_path(base + bo, blen - bo))
		return AL_ENOTFOUND;
	rlen = hash ? (size_t)(hash - ref) : strlen(ref);
	if (!rlen || rlen > 4096)
		return AL_ENOTFOUND;
	if (hash) {
		const char *f;
		if (!hash[1])
			return AL_ENOTFOUND;
		for (f = hash + 1; *f; f++)
			if (!is_frag_char(*f))
				return AL_ENOTFOUND;
	}
	if ((ro = plain_origin(ref))) {
		if (!plain_path(ref + ro, rlen - ro))
			return AL_ENOTFOUND;
		ok = !al_buf_addstr(&b, ref);
	} else if (ref[0] == '/') {
		if (ref[1] == '/' || !plain_path(ref, rlen))
			return AL_ENOTFOUND;
		ok = !al_buf_add(&b, base, bo) && !al_buf_addstr(&b, ref);
	} else {
		while (!strncmp(rest, "../", 3)) {
			rest += 3;
			up++;
		}
		if (rest == ref + rlen || rest[0] == '/' ||
		    !plain_path(rest, rlen - (size_t)(rest - ref)))
			return AL_ENOTFOUND;
		/* the base's directory: up to its last '/', less one segment per "../" */
		dir = (size_t)(strrchr(base + bo, '/') - base) + 1;
		for (; up; up--) {
			if (dir - 1 == bo)
				return AL_ENOTFOUND; /* above the root: libcurl's rules */
			dir--;
			while (base[dir - 1] != '/')
				dir--;
		}
		ok = !al_buf_add(&b, base, dir) && !al_buf_addstr(&b, rest);
	}
	if (!ok || !b.buf) {
		al_buf_release(&b);
		return al_oom(d);
	}
	*out = al_buf_detach(&b, NULL);
	return AL_OK;
}

al_err al_url_join(const char *base, const char *ref, char **out, struct al_diag *d)
{
	al_err err = al_url_join_plain(base, ref, out, d);

	return err == AL_ENOTFOUND ? al_url_join_curl(base, ref, out, d) : err;
}

/* Where the userinfo of url is: [*ui, *at) with *at the '@' ending it.
 * false when url has none. */
static bool find_userinfo(const char *url, const char **ui, const char **at)
{
	const char *sep = strstr(url, "://"), *end, *q;

	if (!sep)
		return false;
	/* the scheme: letters, digits, '+', '-', '.' (RFC 3986 3.1) */
	for (q = url; q < sep; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (q > url && ((*q >= '0' && *q <= '9') || *q == '+' || *q == '-' || *q == '.'))))
			return false;
	if (sep == url)
		return false;
	*ui = sep + 3;
	end = *ui + strcspn(*ui, "/?#");
	*at = NULL;
	for (q = *ui; q < end; q++)
		if (*q == '@')
			*at = q;
	return *at != NULL;
}

bool al_url_has_userinfo(const char *url)
{
	const char *ui, *at;

	return url && find_userinfo(url, &ui, &at);
}

al_err al_url_strip_userinfo_buf(struct al_buf *out, const char *url)
{
	const char *ui, *at;
	al_err err;

	if (!find_userinfo(url, &ui, &at))
		return al_buf_addstr(out, url);
	if ((err = al_buf_add(out, url, (size_t)(ui - url))))
		return err;
	return al_buf_addstr(out, at + 1);
}

/* What a _buf form gives for url, malloc'd; NULL when out of memory. */
static char *malloced(al_err (*fn)(struct al_buf *, const char *), const char *url)
{
	struct al_buf b = AL_BUF_INIT;

	if (fn(&b, url) || !b.buf) {
		al_buf_release(&b);
		return NULL;
	}
	return al_buf_detach(&b, NULL);
}

char *al_url_strip_userinfo(const char *url)
{
	return malloced(al_url_strip_userinfo_buf, url);
}

al_err al_url_for_message_buf(struct al_buf *out, const char *url)
{
	size_t start = out->len;
	char *q;
	al_err err;

	if ((err = al_url_strip_userinfo_buf(out, url)))
		return err;
	if (!out->buf)
		return AL_OK;
	q = out->buf + start + strcspn(out->buf + start, "?#");
	if (*q != '?')
		return AL_OK; /* no query: a fragment alone is never sent, and stays */
	out->len = (size_t)(q - out->buf);
	out->buf[out->len] = '\0';
	return al_buf_addstr(out, "?...");
}

char *al_url_for_message(const char *url)
{
	return malloced(al_url_for_message_buf, url);
}

/* Percent-decode [p, p + n) into a new string; NULL when out of memory. */
static char *pct_decode(const char *p, size_t n, bool *nul)
{
	char *s = al_malloc(n + 1);
	size_t i, k = 0;

	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		int hi, lo;
		if (p[i] == '%' && i + 2 < n + 1 && (hi = al_hexval(p[i + 1])) >= 0 &&
		    (lo = al_hexval(p[i + 2])) >= 0) {
			s[k++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			s[k++] = p[i];
		}
	}
	s[k] = '\0';
	*nul |= strlen(s) != k;
	return s;
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		al_free(s);
	}
}

al_err al_url_userinfo(const char *url, char **user, char **password, struct al_diag *d)
{
	const char *ui, *at, *colon;
	bool nul = false;

	*user = *password = NULL;
	if (!find_userinfo(url, &ui, &at))
		return AL_ENOTFOUND;
	colon = memchr(ui, ':', (size_t)(at - ui));
	if (!(*user = pct_decode(ui, (size_t)((colon ? colon : at) - ui), &nul)) ||
	    (colon && !(*password = pct_decode(colon + 1, (size_t)(at - colon - 1), &nul)))) {
		wipe_free(*user);
		*user = NULL;
		return al_oom(d);
	}
	if (nul) {
		wipe_free(*user);
		wipe_free(*password);
		*user = *password = NULL;
		return url_fail(d, AL_EINVALID, "the credentials in URL ", url, " hold a NUL");
	}
	return AL_OK;
}

al_err al_url_split_fragment(const char *url, char **base, char **frag, struct al_diag *d)
{
	const char *hash = strchr(url, '#');

	*base = *frag = NULL;
	if (!(*base = hash ? al_strndup(url, (size_t)(hash - url)) : al_strdup(url)))
		return al_oom(d);
	if (hash && !(*frag = al_strdup(hash + 1))) {
		al_free(*base);
		*base = NULL;
		return al_oom(d);
	}
	return AL_OK;
}

al_err al_url_filename(const char *url, char **out, struct al_diag *d)
{
	size_t end = strcspn(url, "?#"), start = end, i, n = 0;
	char *name;

	*out = NULL;
	while (start > 0 && url[start - 1] != '/')
		start--;
	if (!(name = al_malloc(end - start + 1)))
		return al_oom(d);
	for (i = start; i < end; i++) {
		int hi, lo;
		if (url[i] == '%' && i + 2 < end + 1 && (hi = al_hexval(url[i + 1])) >= 0 &&
		    (lo = al_hexval(url[i + 2])) >= 0) {
			name[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			name[n++] = url[i];
		}
	}
	name[n] = '\0';
	if (n == 0 || strlen(name) != n || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, "..")) {
		al_free(name);
		return url_fail(d, AL_EINVALID, "URL ", url, " does not end in a file name");
	}
	*out = name;
	return AL_OK;
}

al_err al_url_host(const char *url, char **out, struct al_diag *d)
{
	CURLU *u = curl_url();
	char *h = NULL, *p;
	CURLUcode rc;
	al_err err = AL_OK;

	*out = NULL;
	if (!u)
		return al_oom(d);
	if ((rc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME)) ||
	    (rc = curl_url_get(u, CURLUPART_HOST, &h, 0))) {
		err = url_error(rc, url, d);
		goto out;
	}
	if (!(*out = al_strdup(h))) {
		err = al_oom(d);
		goto out;
	}
	for (p = *out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
out:
	curl_free(h);
	curl_url_cleanup(u);
	return err;
}

al_err al_url_local_path(const char *url, char **out, struct al_diag *d)
{
	const char *p;
	size_t n = 0, i;
	char *path;

	*out = NULL;
	if (strncasecmp(url, "file://", 7))
		return url_fail(d, AL_EINVALID, "", url, " is not a file:// URL");
	p = url + 7;
	if (!strncasecmp(p, "localhost/", 10))
		p += 9;
	if (*p != '/')
		return url_fail(d, AL_EINVALID, "file URL ", url, " names another host");
	if (!(path = al_malloc(strcspn(p, "?#") + 1)))
		return al_oom(d);
	for (i = 0; p[i] && p[i] != '?' && p[i] != '#'; i++) {
		int hi, lo;
		if (p[i] == '%' && (hi = al_hexval(p[i + 1])) >= 0 && (lo = al_hexval(p[i + 2])) >= 0) {
			path[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			path[n++] = p[i];
		}
	}
	path[n] = '\0';
	if (strlen(path) != n) {
		al_free(path);
		return url_fail(d, AL_EINVALID, "file URL ", url, " holds a NUL");
	}
	*out = path;
	return AL_OK;
}
