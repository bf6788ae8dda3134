/*
 * osv-record-fuzzer.c: one OSV record (hostile JSON from an offline
 * vulnerability database, lib/review/osv.c) matched against a fixed lock.
 * Two records per input (the input split at its first NUL, if any) go
 * through one context, as a directory of records does. Whatever the record
 * says, a match names a distribution of the lock, and the context finishes
 * and frees cleanly.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "airlock.h"
#include "review/osv.h"

#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S(lit) ((char *)(lit)) /* the lock's strings are not const */

static struct al_lock_dist dists[] = {
	{ .name = S("a"), .version = S("1.5") },        { .name = S("a"), .version = S("2.0rc1") },
	{ .name = S("b"), .version = S("1.4+cpu") },    { .name = S("c"), .version = S("3.0") },
	{ .name = S("foo-bar"), .version = S("1.0") }, { .name = S("e"), .version = S("1!1.0") },
	{ .name = S("d"), .version = S("0.0.0.dev0+local.1") },
};
static struct al_lock_target target = { .name = S("t"), .dists = dists,
	                                .ndists = sizeof(dists) / sizeof(dists[0]) };
static struct al_lock lock = { .version = 1, .bundle = S("x"), .targets = &target, .ntargets = 1 };
static const struct al_audit_ignore ignore[] = { { "PYSEC-1", "fuzz" }, { "GHSA-x", NULL } };

static void warn(void *ctx, const char *msg)
{
	(void)ctx;
	if (!msg)
		abort();
}

static bool in_lock(const char *project, const char *version)
{
	size_t i;

	for (i = 0; i < target.ndists; i++)
		if (!strcmp(dists[i].name, project) && !strcmp(dists[i].version, version))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_audit_opts o = { "fuzz", ignore, 2, warn, NULL };
	struct al_audit res = AL_AUDIT_INIT;
	struct al_diag d = AL_DIAG_INIT;
	struct al_osv_ctx *c = NULL;
	const uint8_t *nul;
	size_t first, i;

	if (size > AL_OSV_RECORD_MAX)
		return 0;
	if (al_osv_ctx_new(&c, &lock, &o, &res, &d))
		abort();
	nul = memchr(data, 0, size);
	first = nul ? (size_t)(nul - data) : size;
	/* a record's bytes are a buffer with a length, not a C string */
	(void)al_osv_record(c, "one.json", (const char *)data, first, &d);
	if (nul)
		(void)al_osv_record(c, "two.json", (const char *)nul + 1, size - first - 1, &d);
	al_osv_ctx_finish(c);
	for (i = 0; i < res.n; i++)
		if (!res.matches[i].id || !in_lock(res.matches[i].project, res.matches[i].version))
			abort();
	al_osv_ctx_free(c);
	al_audit_release(&res);
	return 0;
}
