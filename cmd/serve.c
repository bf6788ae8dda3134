/*
 * serve.c: `airlock serve`, the read-only HTTP server for a published tree
 * (lib/mirror/serve.c does the work; docs/reference/serve.md).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

struct access_log {
	FILE *f;
	bool json;
};

/* One line per request; called from the server's threads. */
static void log_request(void *ctx, const struct al_serve_log *e)
{
	struct access_log *l = ctx;
	char ts[32];
	struct tm tm;
	time_t now = time(NULL);
	const char *c;
	char *safe, *method;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (l->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:f, s:s?}", "event",
		                      "request", "time", ts, "client", e->client, "method", e->method,
		                      "path", e->path, "status", (int)e->status, "bytes",
		                      (json_int_t)e->bytes, "seconds", e->seconds, "content_type",
		                      e->content_type);
		char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
		if (s)
			fprintf(l->f, "%s\n", s);
		free(s);
		json_decref(j);
		fflush(l->f);
		return;
	}
	/* a log line stays one line of space-separated fields: the path (as the
	 * client sent it, unescaped) with control characters escaped, a space
	 * as '?' */
	safe = al_safe_text(e->path, 0);
	method = al_safe_text(e->method, 0);
	flockfile(l->f);
	fprintf(l->f, "%s %s %s ", ts, e->client, method ? method : "?");
	for (c = safe ? safe : "?"; *c; c++)
		putc_unlocked(*c == ' ' ? '?' : *c, l->f);
	fprintf(l->f, " %u %llu %.6f %s\n", e->status, (unsigned long long)e->bytes, e->seconds,
	        e->content_type ? e->content_type : "-");
	fflush(l->f);
	funlockfile(l->f);
	free(safe);
	free(method);
}

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
		                              { "listen", required_argument, NULL, 'l' },
		                              { "root", required_argument, NULL, 'r' },
		                              { "threads", required_argument, NULL, 't' },
		                              { "access-log", required_argument, NULL, 'a' },
		                              { "max-connections", required_argument, NULL, 'm' },
		                              { "timeout", required_argument, NULL, 'T' },
		                              { "request-timeout", required_argument, NULL, 'R' },
		                              { "max-per-client", required_argument, NULL, 'P' },
		                              { 0 } };
	struct al_serve_opts so = { .listen = "127.0.0.1:8080" };
	struct access_log alog = { NULL, cli->json };
	struct al_diag d = AL_DIAG_INIT;
	struct al_serve *srv = NULL;
	const char *log_path = NULL;
	sigset_t set;
	int opt, sig = 0, rc = EXIT_OK;

	while ((opt = getopt_long(argc, argv, "hl:r:t:", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': cli_print_help(cli_find("serve"), stdout); return EXIT_OK;
		case 'l': so.listen = optarg; break;
		case 'r': so.root = optarg; break;
		case 't':
			if (!parse_uint(optarg, 1024, &so.threads))
				return cli_usage("serve", "--threads wants a number up to 1024");
			break;
		case 'm':
			if (!parse_uint(optarg, 1000000, &so.max_connections))
				return cli_usage("serve", "--max-connections wants a number");
			break;
		case 'T':
			if (!parse_uint(optarg, 86400, &so.timeout) || !so.timeout)
				return cli_usage("serve", "--timeout wants seconds (1 to 86400)");
			break;
		case 'R':
			if (!parse_uint(optarg, 86400, &so.request_timeout) || !so.request_timeout)
				return cli_usage("serve", "--request-timeout wants seconds (1 to 86400)");
			break;
		case 'P':
			if (!parse_uint(optarg, 1000000, &so.max_per_client))
				return cli_usage("serve", "--max-per-client wants a number (0: no limit)");
			if (!so.max_per_client)
				so.max_per_client = UINT_MAX;
			break;
		case 'a': log_path = optarg; break;
		default: return cli_usage("serve", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("serve", "unexpected argument '%s'", argv[optind]);
	if (!so.root)
		return cli_usage("serve", "--root DIR is required (the tree from airlock publish -o DIR)");
	if (log_path) {
		alog.f = strcmp(log_path, "-") ? fopen(log_path, "ae") : stdout;
		if (!alog.f) {
			cli_error("cannot open '%s': %s", log_path, strerror(errno));
			return EXIT_FAILURE_;
		}
		so.log = log_request;
		so.log_ctx = &alog;
	}
	/* the server's threads inherit this mask: the signals come to sigwait below */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (al_serve_start(&srv, &so, &d)) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	if (cli->verbosity >= 0)
		fprintf(stderr, "serving %s on %s\n", so.root, al_serve_url(srv));
	if (cli->json) {
		cli_json(json_pack("{s:s, s:s, s:s, s:i}", "event", "serve", "root", so.root, "url",
		                   al_serve_url(srv), "port", (int)al_serve_port(srv)));
		fflush(stdout);
	}
	while (sigwait(&set, &sig) == 0 && sig != SIGINT && sig != SIGTERM)
		;
	al_serve_stop(srv);
	if (cli->verbosity > 0)
		fprintf(stderr, "airlock: stopped on signal %d\n", sig);
out:
	if (alog.f && alog.f != stdout && fclose(alog.f) != 0 && !rc) {
		cli_error("cannot write '%s': %s", log_path, strerror(errno));
		rc = EXIT_FAILURE_;
	}
	return rc;
}
