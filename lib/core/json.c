/*
 * json.c: checked JSON building (json.h).
 */
#include "config.h"

#include "core/json.h"
#include "core/mem.h"

al_err al_json_set(json_t *obj, const char *key, json_t *val)
{
	if (!val)
		return AL_ENOMEM;
	return json_object_set_new(obj, key, val) ? AL_ENOMEM : AL_OK;
}

json_t *al_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *e, bool *oom)
{
	unsigned long before = al_mem_failures();
	json_t *j = json_loadb(buf, len, flags, e);

	*oom = !j && (al_mem_failures() != before || json_error_code(e) == json_error_out_of_memory);
	return j;
}

al_err al_json_push(json_t *arr, json_t *val)
{
	if (!val)
		return AL_ENOMEM;
	return json_array_append_new(arr, val) ? AL_ENOMEM : AL_OK;
}
