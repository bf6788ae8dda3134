/*
 * env.c: the client settings for a published tree (`airlock env`). The
 * names and values are computed here; cmd/env.c only formats them.
 *
 * Served (URL):   PIP_INDEX_URL=URL/simple/, PIP_TRUSTED_HOST=host (plain http to
 *                 a host that is not the loopback), HF_ENDPOINT=URL, HF_HUB_DISABLE_XET=1
 * On disk (DIR):  PIP_NO_INDEX=1, PIP_FIND_LINKS=DIR/wheels, HF_HUB_CACHE=DIR/hf/hub,
 *                 HF_HUB_OFFLINE=1
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/url.h"

static bool loopback(const char *host)
{
	return !strcasecmp(host, "localhost") || !strncmp(host, "127.", 4) ||
	       !strcmp(host, "[::1]") || !strcmp(host, "::1");
}

static al_err env_url(const char *url, al_env_cb cb, void *ctx, struct al_diag *d)
{
	struct al_buf base = AL_BUF_INIT, v = AL_BUF_INIT;
	bool http = !strncasecmp(url, "http://", 7);
	char *host = NULL;
	al_err err;

	if (!http && strncasecmp(url, "https://", 8))
		return al_diag_set(d, AL_EUSAGE, "'%s' is not an http:// or https:// URL", url);
	if (strpbrk(url, " \t\r\n\"'\\?#"))
		return al_diag_set(d, AL_EUSAGE, "URL '%s' has characters a base URL cannot have", url);
	if ((err = al_url_host(url, &host, d)))
		return err;
	if (!*host) {
		err = al_diag_set(d, AL_EUSAGE, "URL '%s' has no host", url);
		goto out;
	}
	if (al_buf_addstr(&base, url)) {
		err = al_oom(d);
		goto out;
	}
	while (base.len && base.buf[base.len - 1] == '/')
		al_buf_truncate(&base, base.len - 1);
	if (al_buf_addf(&v, "%s/simple/", base.buf)) {
		err = al_oom(d);
		goto out;
	}
	cb(ctx, "PIP_INDEX_URL", v.buf);
	if (http && !loopback(host))
		cb(ctx, "PIP_TRUSTED_HOST", host);
	cb(ctx, "HF_ENDPOINT", base.buf);
	cb(ctx, "HF_HUB_DISABLE_XET", "1");
out:
	al_free(host);
	al_buf_release(&base);
	al_buf_release(&v);
	return err;
}

static al_err env_root(const char *root, al_env_cb cb, void *ctx, struct al_diag *d)
{
	struct al_buf dir = AL_BUF_INIT, v = AL_BUF_INIT;
	struct stat st;
	al_err err = AL_OK;

	if (!*root)
		return al_diag_set(d, AL_EUSAGE, "empty directory name");
	if (root[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		if (!cwd)
			return al_diag_set(d, AL_EIO, "cannot get the current directory: %s",
			                   strerror(errno));
		err = al_buf_addf(&dir, "%s/", cwd);
		free(cwd);
	}
	/* DIR itself, not what it links to now: the next publish switches the link */
	if (err || al_buf_addstr(&dir, root)) {
		err = al_oom(d);
		goto out;
	}
	while (dir.len > 1 && dir.buf[dir.len - 1] == '/')
		al_buf_truncate(&dir, dir.len - 1);
	if (al_buf_addf(&v, "%s/airlock-published.json", dir.buf)) {
		err = al_oom(d);
		goto out;
	}
	if (stat(v.buf, &st) < 0) {
		err = al_diag_set(d, AL_ENOTFOUND, "'%s' is not a published tree (no "
		                  "airlock-published.json; see airlock publish)", root);
		goto out;
	}
	cb(ctx, "PIP_NO_INDEX", "1");
	al_buf_reset(&v);
	if (al_buf_addf(&v, "%s/wheels", dir.buf)) {
		err = al_oom(d);
		goto out;
	}
	cb(ctx, "PIP_FIND_LINKS", v.buf);
	al_buf_reset(&v);
	if (al_buf_addf(&v, "%s/hf/hub", dir.buf)) {
		err = al_oom(d);
		goto out;
	}
	cb(ctx, "HF_HUB_CACHE", v.buf);
	cb(ctx, "HF_HUB_OFFLINE", "1");
out:
	al_buf_release(&dir);
	al_buf_release(&v);
	return err;
}

al_err al_client_env(const char *root_or_url, bool is_url, al_env_cb cb, void *ctx,
                     struct al_diag *d)
{
	if (!root_or_url)
		return al_diag_set(d, AL_EUSAGE, "no published tree or URL given");
	return is_url ? env_url(root_or_url, cb, ctx, d) : env_root(root_or_url, cb, ctx, d);
}
