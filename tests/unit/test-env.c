/* lib/mirror/env.c through al_client_env: the settings pip and Hugging Face
 * clients need for a served tree (a URL) or a published tree on disk. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "airlock.h"
#include "core/buf.h"
#include "tap.h"

static char root[] = "/tmp/airlock-test-env-XXXXXX";

/* "NAME=value\n" for each pair, in the order given */
static void collect(void *ctx, const char *name, const char *value)
{
	al_buf_addf(ctx, "%s=%s\n", name, value);
}

static al_err env(const char *arg, bool is_url, struct al_buf *out, struct al_diag *d)
{
	al_buf_reset(out);
	return al_client_env(arg, is_url, collect, out, d);
}

int main(void)
{
	static const struct { const char *url, *want; } urls[] = {
		{ "http://127.0.0.1:8080", "PIP_INDEX_URL=http://127.0.0.1:8080/simple/\n"
		  "HF_ENDPOINT=http://127.0.0.1:8080\nHF_HUB_DISABLE_XET=1\n" },
		{ "http://localhost:8080//", "PIP_INDEX_URL=http://localhost:8080/simple/\n"
		  "HF_ENDPOINT=http://localhost:8080\nHF_HUB_DISABLE_XET=1\n" },
		{ "http://mirror.lan:8080/", "PIP_INDEX_URL=http://mirror.lan:8080/simple/\n"
		  "PIP_TRUSTED_HOST=mirror.lan\nHF_ENDPOINT=http://mirror.lan:8080\nHF_HUB_DISABLE_XET=1\n" },
		{ "https://mirror.lan/airlock", "PIP_INDEX_URL=https://mirror.lan/airlock/simple/\n"
		  "HF_ENDPOINT=https://mirror.lan/airlock\nHF_HUB_DISABLE_XET=1\n" },
	};
	static const char *bad[] = { "ftp://x/", "mirror.lan:8080", "http://x/a b", "http://x/?q",
	                             "http://x/#f" };
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf out = AL_BUF_INIT, want = AL_BUF_INIT, p = AL_BUF_INIT;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		al_diag_clear(&d);
		is_int(env(urls[i].url, true, &out, &d), AL_OK, "served at %s %s", urls[i].url, d.msg);
		is_str(out.buf, urls[i].want, "its settings");
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is_int(env(bad[i], true, &out, &d), AL_EUSAGE, "'%s' is refused: %s", bad[i], d.msg);
		is_int(out.len, 0, "and nothing is set");
	}
	is_int(al_client_env(NULL, true, collect, &out, &d), AL_EUSAGE, "no URL at all");

	if (!mkdtemp(root))
		return 1;
	is_int(env(root, false, &out, &d), AL_ENOTFOUND, "a directory that is no published tree");
	ok(strstr(d.msg, "is not a published tree (no airlock-published.json") != NULL, "says so: %s",
	   d.msg);
	is_int(out.len, 0, "and nothing is set");
	is_int(env("", false, &out, &d), AL_EUSAGE, "an empty directory name");
	al_buf_addf(&p, "%s/airlock-published.json", root);
	fd = open(p.buf, O_WRONLY | O_CREAT, 0644);
	ok(fd >= 0 && close(fd) == 0, "mark it published");
	al_buf_addf(&want, "PIP_NO_INDEX=1\nPIP_FIND_LINKS=%s/wheels\nHF_HUB_CACHE=%s/hf/hub\n"
	                   "HF_HUB_OFFLINE=1\n", root, root);
	is_int(env(root, false, &out, &d), AL_OK, "a published tree");
	is_str(out.buf, want.buf, "its settings");
	al_buf_reset(&p);
	al_buf_addf(&p, "%s///", root);
	is_int(env(p.buf, false, &out, &d), AL_OK, "with trailing slashes");
	is_str(out.buf, want.buf, "the same settings");
	if (chdir("/tmp") == 0) {
		is_int(env(root + 5, false, &out, &d), AL_OK, "a relative path");
		is_str(out.buf, want.buf, "made absolute");
	}
	al_buf_reset(&p);
	al_buf_addf(&p, "rm -rf '%s'", root);
	(void)!system(p.buf);
	al_buf_release(&p);
	al_buf_release(&out);
	al_buf_release(&want);
	return done_testing();
}
