/* The entry points added for the fuzz harnesses (mk/fuzzrun.am): the media
 * manifest check on the seed manifests (fixtures/fuzz/media-manifest/), the
 * request path split and the paths-info body parser of serve. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "media/media.h"
#include "mirror/serve.h"
#include "tap.h"

static al_err check_seed(const char *name, struct al_diag *d)
{
	struct al_buf b = AL_BUF_INIT;
	char path[4096];
	al_err err;

	snprintf(path, sizeof(path), "%s/fixtures/fuzz/media-manifest/%s", tap_srcdir(), name);
	if ((err = al_buf_read_file(&b, path, 1 << 20, d)) == AL_OK)
		err = al_media_manifest_check(b.buf, b.len, d);
	al_buf_release(&b);
	return err;
}

static void count(void *ctx, const char *s, bool slash)
{
	struct al_buf *b = ctx;

	al_buf_addf(b, "[%s%s]", s, slash ? "*" : "");
}

static unsigned split(const char *raw, struct al_buf *b)
{
	al_buf_reset(b);
	return al_serve_path_split(raw, count, b);
}

static unsigned body(const char *ct, const char *text, size_t *n, bool *expand)
{
	char *s = al_strdup(text);
	const char *why;
	json_t *paths = NULL;
	unsigned rc = al_serve_paths_request(ct, s, strlen(s), &paths, expand, &why);

	*n = json_array_size(paths);
	json_decref(paths);
	al_free(s);
	return rc;
}

int main(void)
{
	static const struct {
		const char *file;
		al_err want;
	} seeds[] = {
		{ "valid.json", AL_OK }, { "delta.json", AL_OK }, { "pretty.json", AL_OK },
		{ "two-bundles.json", AL_OK }, { "same-bundle-twice.json", AL_EINVALID },
		{ "bundles-mismatch.json", AL_EVERIFY }, { "unsorted-objects.json", AL_EINVALID },
		{ "parts-do-not-add-up.json", AL_EINVALID }, { "bad-volume-name.json", AL_EINVALID },
		{ "bad-object-volume.json", AL_EINVALID }, { "other-format.json", AL_EUNSUPPORTED },
		{ "duplicate-key.json", AL_EVERIFY }, { "negative-seq.json", AL_EINVALID },
		{ "unsafe-path.json", AL_EINVALID }, { "deep.json", AL_EVERIFY },
		{ "empty.json", AL_EVERIFY },
	};
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf b = AL_BUF_INIT;
	bool expand;
	size_t i, n;

	for (i = 0; i < sizeof(seeds) / sizeof(*seeds); i++) {
		al_err err = check_seed(seeds[i].file, &d);
		is_int(err, seeds[i].want, "media manifest %s (%s)", seeds[i].file, err ? d.msg : "ok");
	}
	check_seed("empty.json", &d);
	ok(strstr(d.msg, "line 1 column") != NULL, "bad JSON says where: %s", d.msg);

	is_int(split("/", &b), 0, "'/' splits");
	is_str(b.buf, "", "into nothing");
	is_int(split("/simple/Foo/", &b), 0, "a path splits");
	is_str(b.buf, "[simple][Foo]", "into its segments");
	is_int(split("/api/models/org/name/tree/main/a%2Fb", &b), 0, "an encoded slash");
	is_str(b.buf, "[api][models][org][name][tree][main][a/b*]", "is marked");
	is_int(split("simple", &b), 400, "no leading slash: 400");
	is_int(split("/a//b", &b), 400, "an empty segment: 400");
	is_int(split("/a/%2e%2E/b", &b), 400, "an encoded '..': 400");
	is_int(split("/a/x%2F..", &b), 400, "'..' after an encoded slash: 400");
	is_int(split("/a%00", &b), 400, "an encoded NUL: 400");
	is_int(split("/a%5cb", &b), 400, "an encoded backslash: 400");
	is_int(split("/a%2", &b), 400, "a short escape: 400");
	al_buf_reset(&b);
	for (i = 0; i < 300; i++)
		al_buf_addstr(&b, "/a");
	{
		char *many = al_strdup(b.buf);
		is_int(split(many, &b), 414, "300 segments: 414");
		al_free(many);
	}

	is_int(body(NULL, "{\"paths\": [\"a\", \"b\"], \"expand\": true}", &n, &expand), 0, "JSON body");
	ok(n == 2 && expand, "two paths, expanded");
	is_int(body(NULL, "{\"paths\": \"a\"}", &n, &expand), 0, "one path as a string");
	ok(n == 1 && !expand, "one path, not expanded");
	is_int(body("application/json", "paths=a", &n, &expand), 400, "a form sent as JSON: 400");
	is_int(body(NULL, "paths=a+b&paths%5B%5D=c&expand=True", &n, &expand), 0, "form body");
	ok(n == 2 && expand, "two paths, expanded");
	is_int(body(NULL, "paths=%00", &n, &expand), 400, "an encoded NUL in a form: 400");
	is_int(body(NULL, "paths=%zz", &n, &expand), 400, "a bad escape in a form: 400");
	is_int(body(NULL, "", &n, &expand), 0, "an empty body");
	is_int((int)n, 0, "asks for nothing");
	al_buf_release(&b);
	return done_testing();
}
