/*
 * hub-driver: runs lib/hub/hub.c against a Hub for tests/cli/hub-client.sh.
 *
 *   hub-driver lock  STORE ENDPOINT TYPE REPO REV [options]
 *   hub-driver fetch STORE ENDPOINT TYPE REPO REV [options] [--lock-store DIR]
 *
 * options: --include P, --exclude P (repeatable), --token T, --token-env VAR
 * (look the token up as al_hub_token does), --attempts N.
 *
 * lock prints "commit C", "revision R", then one line per file:
 * "file PATH<TAB>SIZE<TAB>SHA256<TAB>GIT_SHA1<TAB>LFS(0|1)". fetch locks
 * (into --lock-store when given, so that regular files are fetched too),
 * queues the fetch into STORE, runs the engine and prints, after the lock
 * lines, "queued N", "present N", "progress BYTES" and "blob PATH<TAB>FILE"
 * for every file. Errors: "hub-driver: MESSAGE" on stderr, exit 3.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "airlock.h"
#include "core/mem.h"
#include "hub/hub.h"
#include "net/http.h"
#include "spec/lock.h"

static void progress(void *ctx, uint64_t bytes)
{
	*(uint64_t *)ctx += bytes;
}

static int usage(void)
{
	fprintf(stderr, "usage: hub-driver lock|fetch STORE ENDPOINT TYPE REPO REV "
	                "[--include P]... [--exclude P]... [--token T] [--token-env VAR] "
	                "[--attempts N] "
	                "[--lock-store DIR]\n");
	return 2;
}

static int fail(const struct al_diag *d)
{
	fprintf(stderr, "hub-driver: %s\n", d->msg);
	return 3;
}

int main(int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_http_opts ho = AL_HTTP_OPTS_INIT;
	struct al_hub_opts o = AL_HUB_OPTS_INIT;
	struct al_hub_repo spec = { 0 };
	struct al_lock_repo r = { 0 };
	struct al_http *http = NULL;
	struct al_store *store = NULL, *lstore = NULL;
	struct al_hub *hub = NULL, *lhub = NULL;
	char *inc[64], *exc[64], *token = NULL;
	const char *lock_store = NULL, *token_env = NULL;
	uint64_t bytes = 0, queued = 0, present = 0;
	bool fetch;
	int rc = 3;

	if (argc < 7)
		return usage();
	fetch = !strcmp(argv[1], "fetch");
	if (!fetch && strcmp(argv[1], "lock"))
		return usage();
	spec.repo = argv[5];
	spec.revision = argv[6];
	spec.include.v = inc;
	spec.exclude.v = exc;
	ho.backoff_base_ms = 20;
	ho.backoff_cap_ms = 200;
	for (int i = 7; i < argc; i++) {
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(argv[i], "--include") && spec.include.n < 64)
			inc[spec.include.n++] = argv[++i];
		else if (!strcmp(argv[i], "--exclude") && spec.exclude.n < 64)
			exc[spec.exclude.n++] = argv[++i];
		else if (!strcmp(argv[i], "--token"))
			o.token = argv[++i];
		else if (!strcmp(argv[i], "--token-env"))
			token_env = argv[++i];
		else if (!strcmp(argv[i], "--attempts"))
			ho.attempts = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--lock-store"))
			lock_store = argv[++i];
		else
			return usage();
	}
	if (token_env) {
		if (al_hub_token(token_env, &token, &d))
			return fail(&d);
		o.token = token;
		o.token_env = token_env;
	}
	o.endpoint = al_hub_endpoint(argv[3]);
	if (al_http_new(&http, &ho, &d) ||
	    al_store_open(&store, argv[2], AL_STORE_CREATE, &d) ||
	    (lock_store && al_store_open(&lstore, lock_store, AL_STORE_CREATE, &d)) ||
	    al_hub_new(&hub, http, store, &o, &d) ||
	    (lstore && al_hub_new(&lhub, http, lstore, &o, &d))) {
		rc = fail(&d);
		goto out;
	}
	if (al_hub_lock(lhub ? lhub : hub, argv[4], &spec, &r, &d)) {
		rc = fail(&d);
		goto out;
	}
	printf("commit %s\nrevision %s\n", r.commit, r.revision);
	for (size_t i = 0; i < r.nfiles; i++)
		printf("file %s\t%lld\t%s\t%s\t%d\n", r.files[i].path, (long long)r.files[i].size,
		       r.files[i].sha256, r.files[i].git_sha1, r.files[i].lfs);
	if (fetch) {
		if (al_hub_queue_fetch(hub, &r, progress, &bytes, &d) || al_http_run(http, &d)) {
			rc = fail(&d);
			goto out;
		}
		al_hub_fetch_counts(hub, &queued, &present);
		if (al_hub_fetch_result(hub, &d)) {
			rc = fail(&d);
			goto out;
		}
		printf("queued %llu\npresent %llu\nprogress %llu\n", (unsigned long long)queued,
		       (unsigned long long)present, (unsigned long long)bytes);
		for (size_t i = 0; i < r.nfiles; i++) {
			char *p = al_store_blob_path(store, r.files[i].sha256);
			printf("blob %s\t%s\n", r.files[i].path, p ? p : "?");
			al_free(p);
		}
	}
	rc = fflush(stdout) || ferror(stdout) ? 3 : 0;
out:
	al_lock_repo_release(&r);
	al_hub_free(hub);
	al_hub_free(lhub);
	al_http_free(http);
	al_store_free(store);
	al_store_free(lstore);
	al_free(token);
	return rc;
}
