/* bundle-put: record a bundle from local files (a test helper).
 *   bundle-put STORE LOCK.json
 * LOCK.json is a lock in its JSON form where each distribution and each
 * repo file may carry "source": a local file added to the store, its sha256
 * and size filled in; "metadata_source" likewise for a .metadata sidecar. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "airlock.h"
#include "spec/lockjson.h"
#include "store/bundle.h"

static int add(struct al_store *s, json_t *o, const char *key, const char *hashkey, bool size)
{
	struct al_diag d = AL_DIAG_INIT;
	json_t *src = json_object_get(o, key);
	char hex[65];
	FILE *f;

	if (!json_is_string(src))
		return 0;
	if (al_store_add_file(s, json_string_value(src), NULL, AL_SIZE_UNKNOWN, hex, &d)) {
		fprintf(stderr, "bundle-put: %s\n", d.msg);
		return -1;
	}
	json_object_set_new(o, hashkey, json_string(hex));
	if (size && (f = fopen(json_string_value(src), "rb"))) {
		fseek(f, 0, SEEK_END);
		json_object_set_new(o, "size", json_integer(ftell(f)));
		fclose(f);
	}
	json_object_del(o, key);
	return 0;
}

int main(int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	struct al_lock *l = NULL;
	json_error_t jerr;
	json_t *j, *t, *x;
	size_t i, k;

	if (argc != 3) {
		fprintf(stderr, "usage: bundle-put STORE LOCK.json\n");
		return 2;
	}
	if (!(j = json_load_file(argv[2], 0, &jerr))) {
		fprintf(stderr, "bundle-put: %s: %s\n", argv[2], jerr.text);
		return 3;
	}
	if (al_store_open(&s, argv[1], AL_STORE_CREATE, &d)) {
		fprintf(stderr, "bundle-put: %s\n", d.msg);
		return 3;
	}
	json_array_foreach(json_object_get(j, "targets"), i, t)
		json_array_foreach(json_object_get(t, "distributions"), k, x)
			if (add(s, x, "source", "sha256", true) ||
			    add(s, x, "metadata_source", "metadata_sha256", false))
				return 3;
	json_array_foreach(json_object_get(j, "repos"), i, t)
		json_array_foreach(json_object_get(t, "files"), k, x)
			if (add(s, x, "source", "sha256", true))
				return 3;
	if (al_lock_from_json(j, &l, &d) || al_bundle_put(s, l, &d)) {
		fprintf(stderr, "bundle-put: %s\n", d.msg);
		return 3;
	}
	al_lock_free(l);
	json_decref(j);
	al_store_free(s);
	return 0;
}
