/*
 * diff.h: two locks compared (lib/review/diff.c); al_diff is declared in
 * lib/airlock.h with the JSON shape it returns.
 */
#ifndef AL_DIFF_H
#define AL_DIFF_H

#include <jansson.h>

#include "airlock.h"

#endif
