/*
 * json.h: building JSON with jansson, checked. jansson's setters return -1
 * when the value is NULL (a constructor that ran out of memory) or cannot
 * be stored, and callers used to drop that result; these return an al_err
 * the compiler makes the caller look at. Like json_object_set_new() and
 * json_array_append_new() they take the reference to val in every case.
 * jansson allocates through al_malloc (core/mem.c).
 */
#ifndef AL_JSON_H
#define AL_JSON_H

#include <jansson.h>

#include "airlock.h"

/* obj[key] = val. AL_ENOMEM when val is NULL or jansson cannot store it
 * (obj not an object, key not UTF-8 also give AL_ENOMEM: both are bugs of
 * the caller, and out of memory is what jansson reports). */
AL_MUST_CHECK al_err al_json_set(json_t *obj, const char *key, json_t *val);
/* Append val to the array arr; AL_ENOMEM as above. */
AL_MUST_CHECK al_err al_json_push(json_t *arr, json_t *val);

#endif
