/* test-json: checked JSON building (lib/core/json.c) and jansson
 * allocating through al_malloc (lib/core/mem.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/mem.h"
#include "tap.h"

int main(void)
{
	json_t *o = json_object(), *a = json_array();
	unsigned long before;
	char *text;

	ok(o && a, "object and array");
	ok(al_json_set(o, "k", json_string("v")) == AL_OK, "set stores a value");
	ok(al_json_push(a, json_integer(7)) == AL_OK, "push appends a value");
	ok(al_json_set(o, "a", json_incref(a)) == AL_OK, "set stores an array");
	ok(al_json_set(o, "x", NULL) == AL_ENOMEM, "a NULL value (failed constructor) is out of memory");
	ok(al_json_push(a, NULL) == AL_ENOMEM, "a NULL element is out of memory");
	ok(al_json_set(a, "k", json_true()) == AL_ENOMEM, "set on a non-object fails, and takes val");
	ok(al_json_set(o, "\xff", json_true()) == AL_ENOMEM, "a key that is not UTF-8 fails");
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	ok(text && !strcmp(text, "{\"a\":[7],\"k\":\"v\"}"), "what was stored, no more");
	al_free(text);

	/* jansson allocates through al_malloc: an injected failure reaches it,
	 * and is counted */
	before = al_mem_failures();
	al_mem_fail_after(0, 1);
	ok(json_string("hello") == NULL, "jansson's allocation fails when al_malloc's does");
	ok(al_json_set(o, "y", json_string("z")) == AL_ENOMEM, "and set reports it");
	al_mem_fail_after(-1, 0);
	ok(al_mem_failures() >= before + 2, "the failures are counted in one place");
	ok(json_object_size(o) == 2, "nothing half-stored");

	json_decref(a);
	json_decref(o);
	return done_testing();
}
