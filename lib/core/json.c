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

bool al_json_oom(const json_error_t *e)
{
	/* jansson sets json_error_out_of_memory where it checks an allocation,
	 * but a failed start of its lexer returns NULL with the error left as
	 * initialized (no text, line -1): bad JSON always has a message */
	return json_error_code(e) == json_error_out_of_memory || (e->line == -1 && !e->text[0]);
}

al_err al_json_push(json_t *arr, json_t *val)
{
	if (!val)
		return AL_ENOMEM;
	return json_array_append_new(arr, val) ? AL_ENOMEM : AL_OK;
}
