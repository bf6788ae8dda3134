/*
 * lockjson.h: the lock's JSON form (lib/spec/lockjson.c).
 *
 * The store keeps each bundle's lock as this JSON, media carry it, and
 * airlock.lock is read through it (lib/spec/lock.c turns the YAML into JSON
 * first). Locks read from JSON are hostile input (media cross the gap):
 * al_lock_from_json checks every name, path, hash and size before anything
 * else sees them, and returns the lock in canonical order (al_lock_sort).
 */
#ifndef AL_LOCKJSON_H
#define AL_LOCKJSON_H

#include <jansson.h>

#include "airlock.h"

#define AL_LOCK_MAX_ENTRIES 1000000

AL_MUST_CHECK al_err al_lock_to_json(const struct al_lock *l, json_t **out, struct al_diag *d);
AL_MUST_CHECK al_err al_lock_from_json(json_t *j, struct al_lock **out, struct al_diag *d);

#endif
