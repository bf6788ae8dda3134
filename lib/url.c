#include "config.h"

#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "mem.h"
#include "url.h"

static al_err url_error(CURLUcode rc, const char *what, struct al_diag *d)
{
	if (rc == CURLUE_OUT_OF_MEMORY)
		return al_diag_set(d, AL_ENOMEM, "out of memory");
	return al_diag_set(d, AL_EINVALID, "bad URL '%s': %s", what, curl_url_strerror(rc));
}

bool al_url_is_http(const char *url)
{
	return !strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8);
}

static bool scheme_ok(const char *url)
{
	return al_url_is_http(url) || !strncasecmp(url, "file://", 7);
}

al_err al_url_join(const char *base, const char *ref, char **out, struct al_diag *d)
{
	CURLU *u = curl_url();
	char *s = NULL;
	CURLUcode rc;
	al_err err = AL_OK;

	*out = NULL;
	if (!u)
		return al_diag_set(d, AL_ENOMEM, "out of memory");
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
		err = al_diag_set(d, AL_EINVALID, "URL '%s': only http, https and file URLs are allowed",
		                  ref);
		goto out;
	}
	if (!(*out = al_strdup(s)))
		err = al_diag_set(d, AL_ENOMEM, "out of memory");
out:
	curl_free(s);
	curl_url_cleanup(u);
	return err;
}

al_err al_url_split_fragment(const char *url, char **base, char **frag, struct al_diag *d)
{
	const char *hash = strchr(url, '#');

	*base = *frag = NULL;
	if (!(*base = hash ? al_strndup(url, (size_t)(hash - url)) : al_strdup(url)))
		return al_diag_set(d, AL_ENOMEM, "out of memory");
	if (hash && !(*frag = al_strdup(hash + 1))) {
		al_free(*base);
		*base = NULL;
		return al_diag_set(d, AL_ENOMEM, "out of memory");
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
		return al_diag_set(d, AL_ENOMEM, "out of memory");
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
		return al_diag_set(d, AL_EINVALID, "URL '%s' does not end in a file name", url);
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
		return al_diag_set(d, AL_ENOMEM, "out of memory");
	if ((rc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME)) ||
	    (rc = curl_url_get(u, CURLUPART_HOST, &h, 0))) {
		err = url_error(rc, url, d);
		goto out;
	}
	if (!(*out = al_strdup(h))) {
		err = al_diag_set(d, AL_ENOMEM, "out of memory");
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
		return al_diag_set(d, AL_EINVALID, "'%s' is not a file:// URL", url);
	p = url + 7;
	if (!strncasecmp(p, "localhost/", 10))
		p += 9;
	if (*p != '/')
		return al_diag_set(d, AL_EINVALID, "file URL '%s' names another host", url);
	if (!(path = al_malloc(strcspn(p, "?#") + 1)))
		return al_diag_set(d, AL_ENOMEM, "out of memory");
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
		return al_diag_set(d, AL_EINVALID, "file URL '%s' holds a NUL", url);
	}
	*out = path;
	return AL_OK;
}
