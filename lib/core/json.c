/*
 * json.c: checked JSON building (json.h).
 */
#include "config.h"

#include "core/json.h"

al_err al_json_set(json_t *obj, const char *key, json_t *val)
{
	if (!val)
		return AL_ENOMEM;
	return json_object_set_new(obj, key, val) ? AL_ENOMEM : AL_OK;
}

al_err al_json_push(json_t *arr, json_t *val)
{
	if (!val)
		return AL_ENOMEM;
	return json_array_append_new(arr, val) ? AL_ENOMEM : AL_OK;
}
