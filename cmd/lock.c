/* airlock lock and airlock fetch */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct lockargs {
	const char *manifest, *lock;
	bool offline, refresh, upgrade_all, check, locked;
	const char *upgrade[64];
	size_t nupgrade;
	unsigned jobs, host_connections;
	uint64_t range_threshold;
	unsigned range_connections;
};

static void warn_cb(void *ctx, const char *msg)
{
	cli_warn(ctx, "%s", msg);
}

/* -v: notes on stderr, escaped (they hold index URLs) */
static void note_cb(void *ctx, const char *msg)
{
	struct cli_safe sf = CLI_SAFE_INIT;

	(void)ctx;
	fprintf(stderr, "airlock: %s\n", cli_safe(&sf, msg));
	cli_safe_release(&sf);
}

static size_t count_dists(const struct al_lock *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->ntargets; i++)
		n += l->targets[i].ndists;
	return n;
}

/* Load the manifest and the previous lock (which may be absent). */
static int load(struct cli *cli, struct lockargs *a, struct al_manifest **m, struct al_lock **prev,
                char **lock_path)
{
	struct al_diag d = AL_DIAG_INIT;

	*m = NULL;
	*prev = NULL;
	if (!(*lock_path = a->lock ? strdup(a->lock) : cli_lock_beside(a->manifest))) {
		cli_error("out of memory");
		return CLI_EXIT_FAILURE;
	}
	if (al_manifest_load(m, a->manifest, &d))
		return cli_fail(cli, &d);
	if (access(*lock_path, F_OK) == 0 && al_lock_load(prev, *lock_path, &d))
		return cli_fail(cli, &d);
	return CLI_EXIT_OK;
}

static void policy_cb(void *ctx, const char *msg)
{
	(void)ctx;
	cli_error("%s", msg);
}

static int do_lock(struct cli *cli, struct al_store *s, struct lockargs *a,
                   const struct al_manifest *m, const struct al_lock *prev, const char *lock_path,
                   struct al_lock **out)
{
	struct al_lock_opts lo = { 0 };
	struct al_diag d = AL_DIAG_INIT;
	struct al_lock *l = NULL;
	bool changed = false;

	lo.offline = a->offline;
	lo.refresh = a->refresh;
	lo.upgrade_all = a->upgrade_all;
	lo.upgrade = a->upgrade;
	lo.nupgrade = a->nupgrade;
	lo.parallel = a->jobs;
	lo.host_connections = a->host_connections;
	lo.warn = warn_cb;
	lo.note = cli->verbosity > 0 && !cli->json ? note_cb : NULL;
	lo.ctx = cli;
	lo.explain_all = cli->verbosity > 0;
	if (a->check) {
		bool same = false;
		if (al_lock_check(s, m, prev, &lo, &same, &d))
			return cli_fail(cli, &d);
		if (cli->json)
			cli_json(json_pack("{s:s, s:s, s:b}", "event", "lock-check", "lock", lock_path,
			                   "current", same));
		if (!same) {
			cli_error("%s is stale: run 'airlock lock'", lock_path);
			return CLI_EXIT_NO;
		}
		if (cli->verbosity >= 0 && !cli->json)
			printf("%s is up to date\n", lock_path);
		return CLI_EXIT_OK;
	}
	if (al_lock_build(s, m, prev, &lo, &l, &d))
		return cli_fail(cli, &d);
	{
		/* the manifest's policy: every violation listed, nothing written */
		struct al_policy_env env = { s, &m->advisories, policy_cb, cli };
		unsigned nviol = 0;
		if (al_policy_check(&m->policy, l, &env, &nviol, &d)) {
			al_lock_free(l);
			return cli_fail(cli, &d);
		}
		if (nviol) {
			cli_error("lock refused: %u policy violation%s; %s not written", nviol,
			          nviol == 1 ? "" : "s", lock_path);
			al_lock_free(l);
			return CLI_EXIT_NO;
		}
	}
	if (al_lock_write(l, lock_path, &changed, &d)) {
		al_lock_free(l);
		return cli_fail(cli, &d);
	}
	if (cli->json)
		cli_json(json_pack("{s:s, s:s, s:b, s:I, s:I, s:I}", "event", "lock", "lock", lock_path,
		                   "changed", changed, "targets", (json_int_t)l->ntargets, "distributions",
		                   (json_int_t)count_dists(l), "repos", (json_int_t)l->nrepos));
	else if (cli->verbosity >= 0)
		printf("%s %s: %zu distributions for %zu target%s, %zu repos\n", lock_path,
		       changed ? "written" : "unchanged", count_dists(l), l->ntargets,
		       l->ntargets == 1 ? "" : "s", l->nrepos);
	if (out)
		*out = l;
	else
		al_lock_free(l);
	return CLI_EXIT_OK;
}

static int cmd_lock(struct cli *cli, int argc, char **argv);
static int cmd_fetch(struct cli *cli, int argc, char **argv);

enum { OPT_UPGRADE = CLI_LONG, OPT_UPGRADE_PACKAGE, OPT_CHECK, OPT_OFFLINE, OPT_LOCKED,
       OPT_LOCK, OPT_HOST_CONNECTIONS, OPT_REFRESH, OPT_RANGE_THRESHOLD,
       OPT_RANGE_CONNECTIONS };

#define ROW_FILE { 'f', "file", "FILE", "the manifest (default: airlock.yaml)" }
#define ROW_OUTPUT { 'o', "output", "FILE", "the lock file (default: airlock.lock beside\n" \
                                            "the manifest)" }, \
                   { OPT_LOCK, "lock", "FILE", NULL /* the same as --output */ }
#define ROW_HOSTS { OPT_HOST_CONNECTIONS, "host-connections", "N", "connections at once to one host " \
                                                                  "(default 8)" }
#define ROW_OFFLINE { OPT_OFFLINE, "offline", NULL, "use only index pages and metadata in " \
                                                    "the store" }
#define ROW_REFRESH(help) { OPT_REFRESH, "refresh", NULL, help }

static const struct cli_opt lock_opts[] = {
	ROW_FILE,
	ROW_OUTPUT,
	{ OPT_UPGRADE, "upgrade", NULL, "re-resolve everything to the newest versions" },
	{ OPT_UPGRADE_PACKAGE, "upgrade-package", "NAME", "re-resolve one project (repeatable)" },
	{ OPT_CHECK, "check", NULL, "exit 1 when the lock is stale; write nothing" },
	ROW_OFFLINE,
	ROW_REFRESH("ask the index again for every page, even those its\n"
	            "Cache-Control max-age says are still fresh"),
	{ 'j', "jobs", "N", "requests at once (default 32: pages and metadata\n"
	                    "are small)" },
	ROW_HOSTS,
	{ 'v', "verbose", NULL, "say which index each project came from; when\n"
	                        "nothing fits, list every rejected version" },
	{ 0 },
};

static const struct cli_opt fetch_opts[] = {
	ROW_FILE,
	ROW_OUTPUT,
	{ OPT_LOCKED, "locked", NULL, "refuse a missing or stale lock (exit 1) instead of\n"
	                              "relocking" },
	ROW_OFFLINE,
	ROW_REFRESH("a relock asks the index again for fresh pages\n"
	            "(lock --refresh)"),
	{ 'j', "jobs", "N", "transfers at once (default 8; a relock asks 32 at once\n"
	                    "unless -j is given)" },
	ROW_HOSTS,
	{ OPT_RANGE_THRESHOLD, "range-threshold", "SIZE", "files of at least SIZE come as byte ranges over\n"
	                                                  "several connections (default 64M)" },
	{ OPT_RANGE_CONNECTIONS, "range-connections", "N", "connections per large file (default 8, within\n"
	                                                   "-j and --host-connections; 1: one)" },
	{ 0 },
};

const struct cli_command cli_cmd_lock = {
	"lock", cmd_lock, "resolve the manifest and pin everything in airlock.lock",
	"usage: airlock lock [-f airlock.yaml] [-o airlock.lock] [--upgrade | --upgrade-package P]\n"
	"                    [--check] [--offline | --refresh] [-j N] [--host-connections N] [-v]\n"
	"\n"
	"Resolve the pip requirements for every target (and pin every Hub repo to a\n"
	"commit) and write the lock file (default: airlock.lock beside the manifest).\n"
	"Pins of an existing lock are kept while they still fit; the file is\n"
	"rewritten only when something changed.\n"
	"\n"
	"The options in requirements files (-i, --extra-index-url, -f, --no-index,\n"
	"--pre, --only-binary, --no-binary, --hash, ...) mean what they mean to pip;\n"
	"PIP_* environment variables are not read.\n",
	lock_opts, 0,
};

const struct cli_command cli_cmd_fetch = {
	"fetch", cmd_fetch, "download everything the lock names into the store",
	"usage: airlock fetch [-f airlock.yaml] [-o airlock.lock] [--locked] [--refresh] [-j N]\n"
	"                     [--host-connections N] [--range-threshold SIZE]\n"
	"                     [--range-connections N]\n"
	"\n"
	"Lock first when the lock is missing or stale, then download every file in\n"
	"parallel into the store, checking every hash, and record the bundle.\n",
	fetch_opts, 0,
};

/* lock and fetch: the same options, but each only its own. 0 to go on;
 * -1 when the command should return *rc. */
static int parse(struct cli *cli, const struct cli_command *self, int argc, char **argv,
                 struct lockargs *a, int *rc)
{
	struct cli_parse p;
	int key;

	a->manifest = "airlock.yaml";
	cli_parse_start(&p, self, argc, argv);
	while ((key = cli_parse_next(&p)) > 0) {
		switch (key) {
		case 'v': cli->verbosity++; break;
		case 'f': a->manifest = p.value; break;
		case 'o': case OPT_LOCK: a->lock = p.value; break;
		case OPT_UPGRADE: a->upgrade_all = true; break;
		case OPT_UPGRADE_PACKAGE:
			if (a->nupgrade >= 64) {
				*rc = cli_usage(self, "at most 64 --upgrade-package names");
				return -1;
			}
			a->upgrade[a->nupgrade++] = p.value;
			break;
		case OPT_CHECK: a->check = true; break;
		case OPT_OFFLINE: a->offline = true; break;
		case OPT_REFRESH: a->refresh = true; break;
		case OPT_LOCKED: a->locked = true; break;
		case 'j': {
			char *end;
			unsigned long v = strtoul(p.value, &end, 10);
			if (*end || v == 0 || v > 256) {
				*rc = cli_usage(self, "-j wants a number from 1 to 256, not '%s'", p.value);
				return -1;
			}
			a->jobs = (unsigned)v;
			break;
		}
		case OPT_HOST_CONNECTIONS: {
			char *end;
			unsigned long v = strtoul(p.value, &end, 10);
			if (*end || v == 0 || v > 256) {
				*rc = cli_usage(self, "--host-connections wants a number from 1 to 256, "
				                "not '%s'", p.value);
				return -1;
			}
			a->host_connections = (unsigned)v;
			break;
		}
		case OPT_RANGE_THRESHOLD:
			if (cli_parse_size(p.value, &a->range_threshold) || a->range_threshold == 0) {
				*rc = cli_usage(self, "--range-threshold wants a size such as 64M, "
				                "not '%s'", p.value);
				return -1;
			}
			break;
		case OPT_RANGE_CONNECTIONS: {
			char *end;
			unsigned long v = strtoul(p.value, &end, 10);
			if (*end || v == 0 || v > 64) {
				*rc = cli_usage(self, "--range-connections wants a number from 1 to 64, "
				                "not '%s'", p.value);
				return -1;
			}
			a->range_connections = (unsigned)v;
			break;
		}
		}
	}
	if (key < 0) {
		*rc = p.rc;
		return -1;
	}
	if (p.nargs) {
		*rc = cli_usage(self, "unexpected argument '%s'", p.args[0]);
		return -1;
	}
	if (a->offline && a->refresh) {
		*rc = cli_usage(self, "--offline and --refresh contradict each other: pick one");
		return -1;
	}
	return 0;
}

static int cmd_lock(struct cli *cli, int argc, char **argv)
{
	struct lockargs a = { 0 };
	struct al_manifest *m = NULL;
	struct al_lock *prev = NULL;
	struct al_store *s = NULL;
	char *lock_path = NULL;
	int rc;

	if (parse(cli, &cli_cmd_lock, argc, argv, &a, &rc))
		return rc;
	if ((rc = load(cli, &a, &m, &prev, &lock_path)) || (rc = cli_open_store(cli, &s, AL_STORE_CREATE)))
		goto out;
	/* prev is both what --check compares with and the pins to keep; the
	 * resolver itself drops the pins under --upgrade (al_lock_opts). */
	rc = do_lock(cli, s, &a, m, prev, lock_path, NULL);
out:
	al_store_free(s);
	al_lock_free(prev);
	al_manifest_free(m);
	free(lock_path);
	return rc;
}

/* ---- fetch ------------------------------------------------------------------------ */

struct progress_state {
	struct cli *cli;
	double last;
	double start;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_progress(void *ctx, const struct al_fetch_progress *p)
{
	struct progress_state *ps = ctx;
	struct cli_safe sf = CLI_SAFE_INIT;
	double t = now_s(), rate;
	char done[32], total[32], r[32];

	char eta[32] = "";

	if (t - ps->last < 0.2 && p->files_done < p->files_total)
		return;
	ps->last = t;
	rate = (double)p->bytes_done / (t - ps->start > 0.001 ? t - ps->start : 0.001);
	if (rate > 1 && p->bytes_total > p->bytes_done) {
		double left = (double)(p->bytes_total - p->bytes_done) / rate;
		snprintf(eta, sizeof(eta), "  ETA %d:%02d", (int)left / 60, (int)left % 60);
	}
	if (ps->cli->json) {
		cli_json(json_pack("{s:s, s:I, s:I, s:I, s:I}", "event", "progress", "files_done",
		                   (json_int_t)p->files_done, "files_total", (json_int_t)p->files_total,
		                   "bytes_done", (json_int_t)p->bytes_done, "bytes_total",
		                   (json_int_t)p->bytes_total));
		return;
	}
	if (!ps->cli->tty || ps->cli->verbosity < 0)
		return;
	/* p->current is a file name from an index or the Hub */
	fprintf(stderr, "\r\033[K[%llu/%llu files] %s / %s  %s/s%s  %.40s",
	        (unsigned long long)p->files_done, (unsigned long long)p->files_total,
	        cli_human_size(p->bytes_done, done, sizeof(done)),
	        cli_human_size(p->bytes_total, total, sizeof(total)),
	        cli_human_size((unsigned long long)rate, r, sizeof(r)), eta, cli_safe(&sf, p->current));
	cli_safe_release(&sf);
	fflush(stderr);
}

static int cmd_fetch(struct cli *cli, int argc, char **argv)
{
	struct lockargs a = { 0 };
	struct al_manifest *m = NULL;
	struct al_lock *prev = NULL, *fresh = NULL;
	const struct al_lock *l;
	struct al_store *s = NULL;
	struct al_fetch_opts fo = { 0 };
	struct al_fetch_progress res;
	struct progress_state ps = { cli, 0, now_s() };
	struct al_diag d = AL_DIAG_INIT;
	char *lock_path = NULL, *why = NULL, size[32];
	int rc;

	if (parse(cli, &cli_cmd_fetch, argc, argv, &a, &rc))
		return rc;
	if ((rc = load(cli, &a, &m, &prev, &lock_path)) || (rc = cli_open_store(cli, &s, AL_STORE_CREATE)))
		goto out;
	if (prev && a.locked) {
		if (al_lock_check_remote(s, m, prev, &why, &d)) {
			rc = cli_fail(cli, &d);
			goto out;
		}
	} else if (prev && al_lock_stale(m, prev, &why, &d)) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	if (a.locked && (!prev || why)) {
		cli_error("%s %s: run 'airlock lock' (fetch --locked never relocks)", lock_path,
		          !prev ? "does not exist" : why);
		rc = CLI_EXIT_NO;
		goto out;
	}
	if (!prev || why) {
		if (cli->verbosity > 0 && why)
			cli_warn(cli, "%s: %s; locking again", lock_path, why);
		if ((rc = do_lock(cli, s, &a, m, prev, lock_path, &fresh)))
			goto out;
	}
	l = fresh ? fresh : prev;
	fo.parallel = a.jobs;
	fo.host_connections = a.host_connections;
	fo.range_threshold = a.range_threshold;
	fo.range_connections = a.range_connections;
	fo.hub_endpoint = m->hub.endpoint;
	fo.hub_token_env = m->hub.token_env;
	fo.manifest = m;
	fo.progress = on_progress;
	fo.ctx = &ps;
	if (al_fetch(s, l, &fo, &res, &d)) {
		if (cli->tty && !cli->json && cli->verbosity >= 0)
			fputc('\n', stderr);
		rc = cli_fail(cli, &d);
		goto out;
	}
	if (cli->tty && !cli->json && cli->verbosity >= 0)
		fputs("\r\033[K", stderr);
	if (cli->json)
		cli_json(json_pack("{s:s, s:s, s:I, s:I, s:I, s:f}", "event", "fetch", "bundle", l->bundle,
		                   "files", (json_int_t)res.files_total, "cached",
		                   (json_int_t)res.files_cached, "bytes", (json_int_t)res.bytes_total,
		                   "seconds", now_s() - ps.start));
	else if (cli->verbosity >= 0)
		printf("fetched %s: %llu files (%llu already in the store), %s in %.1f s\n", l->bundle,
		       (unsigned long long)res.files_total, (unsigned long long)res.files_cached,
		       cli_human_size(res.bytes_total, size, sizeof(size)), now_s() - ps.start);
out:
	free(why);
	al_store_free(s);
	al_lock_free(prev);
	al_lock_free(fresh);
	al_manifest_free(m);
	free(lock_path);
	return rc;
}
