/*
 * osv.h: OSV records (https://ossf.github.io/osv-schema/) read as hostile
 * input, matched against a lock's distributions (the entry points are in
 * lib/airlock.h; docs/reference/audit.md has the rules). This header holds
 * the caps and the one-record call the unit test and the fuzzing reach.
 */
#ifndef AL_OSV_H
#define AL_OSV_H

#include <stdint.h>

#include "airlock.h"

#define AL_OSV_RECORD_MAX ((size_t)4 << 20)       /* bytes of one record */
#define AL_OSV_ENTRIES_MAX 1000000u               /* records in a directory or zip */
#define AL_OSV_UNPACKED_MAX ((uint64_t)2 << 30)   /* bytes unpacked from one zip */

struct al_osv_ctx;

/* What al_audit_osv does per record, for a record already in memory:
 * name says where it came from in messages. */
AL_MUST_CHECK al_err al_osv_ctx_new(struct al_osv_ctx **out, const struct al_lock *l,
                                    const struct al_audit_opts *o, struct al_audit *res,
                                    struct al_diag *d);
AL_MUST_CHECK al_err al_osv_record(struct al_osv_ctx *c, const char *name, const char *buf,
                                   size_t len, struct al_diag *d);
/* Sort the matches and mark the ignored ones. */
void al_osv_ctx_finish(struct al_osv_ctx *c);
void al_osv_ctx_free(struct al_osv_ctx *c);

#endif
