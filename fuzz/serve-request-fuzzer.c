/*
 * serve-request-fuzzer.c: what a client sends `airlock serve` before any
 * file is touched (lib/mirror/serve.h): the request path split, the Range, Accept
 * and project-name helpers, and the body of a POST paths-info. The first
 * byte picks: 0 path, Range, Accept and name; 1 a paths-info body without a
 * content type (form or JSON by its first character); 2 the same as JSON;
 * 3 all of them. Seeds: fixtures/fuzz/serve-request/.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-util.h"
#include "mirror/serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void seg(void *ctx, const char *s, bool slash)
{
	const unsigned char *p;

	(*(size_t *)ctx)++;
	FUZZ_CHECK(s[0] && strcmp(s, ".") && strcmp(s, ".."));
	FUZZ_CHECK(slash == (strchr(s, '/') != NULL));
	for (p = (const unsigned char *)s; *p; p++)
		FUZZ_CHECK(*p >= 0x20 && *p != 0x7f && *p != '\\');
}

static void path_and_headers(const char *s)
{
	static const uint64_t sizes[] = { 0, 1, 100, 1u << 20, UINT64_MAX };
	size_t i, n = 0, len = strlen(s);
	uint64_t first, last;
	char *out;
	int rc;

	if (al_serve_path_split(s, seg, &n) == 0)
		FUZZ_CHECK(n <= len);
	for (i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		rc = al_serve_range(s, sizes[i], &first, &last);
		FUZZ_CHECK(rc >= -1 && rc <= 1);
		if (rc == 1)
			FUZZ_CHECK(first <= last && last < sizes[i]);
	}
	rc = (int)al_serve_negotiate(s);
	FUZZ_CHECK(rc == AL_SIMPLE_HTML || rc == AL_SIMPLE_V1HTML || rc == AL_SIMPLE_JSON);
	out = malloc(len + 1);
	FUZZ_CHECK(out);
	if (al_serve_normalize(s, out)) {
		FUZZ_CHECK(strlen(out) <= len && out[0]);
		for (i = 0; out[i]; i++) {
			FUZZ_CHECK(!isupper((unsigned char)out[i]) && out[i] != '_' && out[i] != '.');
			FUZZ_CHECK(out[i] != '-' || out[i + 1] != '-');
		}
	}
	free(out);
}

static void paths_info(const uint8_t *data, size_t size, const char *ct)
{
	char *body = fuzz_cstr(data, size, size);
	const char *why = NULL;
	json_t *paths = NULL;
	bool expand;
	unsigned rc;

	rc = al_serve_paths_request(ct, body, size, &paths, &expand, &why);
	FUZZ_CHECK(rc == 0 || rc == 400 || rc == 500);
	FUZZ_CHECK(rc != 400 || why);
	FUZZ_CHECK((rc == 0) == (paths != NULL));
	if (paths)
		FUZZ_CHECK(json_is_array(paths) && json_array_size(paths) <= 10000);
	json_decref(paths);
	free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned mode;
	char *s;

	if (!size || size > (64u << 10))
		return 0;
	mode = data[0] & 3;
	data++;
	size--;
	if (mode == 0 || mode == 3) {
		s = fuzz_cstr(data, size, size);
		path_and_headers(s);
		free(s);
	}
	if (mode == 1 || mode == 3)
		paths_info(data, size, NULL);
	if (mode == 2 || mode == 3)
		paths_info(data, size, "application/json");
	return 0;
}
