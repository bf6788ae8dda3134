/*
 * serve.c: `airlock serve`, the read-only HTTP server for a published tree
 * (lib/mirror/serve.c does the work; docs/reference/serve.md).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
		/* JSON strings are UTF-8: a path or method that is not keeps its
		 * line, with its bytes escaped as the text log shows them */
		json_t *t = json_string(e->path), *u = json_string(e->method);
		char *epath = t ? NULL : al_safe_text(e->path, 0);
		char *emethod = u ? NULL : al_safe_text(e->method, 0);
		json_decref(t);
		json_decref(u);
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:f, s:s?}", "event",
		                      "request", "time", ts, "client", e->client, "method",
		                      emethod ? emethod : e->method, "path", epath ? epath : e->path,
		                      "status", (int)e->status, "bytes", (json_int_t)e->bytes,
		                      "seconds", e->seconds, "content_type", e->content_type);
		char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
		if (s)
			fprintf(l->f, "%s\n", s);
		else
			fprintf(l->f, "{\"event\":\"request\",\"time\":\"%s\",\"status\":%u,"
			              "\"error\":\"out of memory\"}\n", ts, e->status);
		free(s);
		json_decref(j);
		free(epath);
		free(emethod);
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

/* --nginx-conf: DIR made absolute (not resolved: the link publish switches
 * must stay in the configuration), checked to be a published tree. */
static int nginx_conf(struct cli *cli, const char *root, const char *listen)
{
	struct al_diag d = AL_DIAG_INIT;
	char *abs = NULL, *cwd = NULL, *text = NULL, map[PATH_MAX];
	struct stat st;
	int rc = CLI_EXIT_OK;
	size_t n;

	if (root[0] != '/') {
		if (!(cwd = getcwd(NULL, 0)) || asprintf(&abs, "%s/%s", cwd, root) < 0 || !abs) {
			cli_error("cannot make '%s' absolute: %s", root, strerror(errno));
			free(cwd);
			return CLI_EXIT_FAILURE;
		}
		root = abs;
	}
	n = strlen(root);
	while (n > 1 && abs && abs[n - 1] == '/')
		abs[--n] = '\0';
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		cli_error("'%s' is not a published tree (run airlock publish -o DIR first)", root);
		rc = CLI_EXIT_FAILURE;
	} else if ((size_t)snprintf(map, sizeof(map), "%s/hf/nginx/resolve.map", root) >= sizeof(map) ||
	           stat(map, &st) < 0) {
		cli_error("'%s' has no hf/nginx/resolve.map: publish it again with this airlock", root);
		rc = CLI_EXIT_FAILURE;
	} else if (al_nginx_conf_text(root, listen, &text, &d)) {
		rc = cli_fail(cli, &d);
	} else {
		fputs(text, stdout);
	}
	free(text);
	free(abs);
	free(cwd);
	return rc;
}

static int cmd_serve(struct cli *cli, int argc, char **argv);

enum { OPT_ACCESS_LOG = CLI_LONG, OPT_MAX_CONNECTIONS, OPT_MAX_PER_CLIENT, OPT_TIMEOUT,
       OPT_REQUEST_TIMEOUT, OPT_NGINX_CONF };

static const struct cli_opt opts[] = {
	{ 'r', "root", "DIR", "the published tree (required)" },
	{ 'l', "listen", "A:P", "address and port (default 127.0.0.1:8080;\n"
	                        "port 0: any free port, printed on stderr)" },
	{ 't', "threads", "N", "worker threads (default: one per core)" },
	{ OPT_ACCESS_LOG, "access-log", "FILE", "one line per request ('-': standard output)" },
	{ OPT_MAX_CONNECTIONS, "max-connections", "N", "at most N connections at once (default 1024)" },
	{ OPT_MAX_PER_CLIENT, "max-per-client", "N", "at most N of them from one client address\n"
	                                             "(default: an eighth of --max-connections,\n"
	                                             "at least 16; 0: no limit)" },
	{ OPT_TIMEOUT, "timeout", "SECONDS", "drop idle connections after this long (default 30)" },
	{ OPT_REQUEST_TIMEOUT, "request-timeout", "SECONDS",
	  "a request's line, headers and body must arrive\n"
	  "within this long, however slowly they trickle\n"
	  "(default: --timeout)" },
	{ OPT_NGINX_CONF, "nginx-conf", NULL, "print an nginx.conf that serves DIR on ADDR:PORT\n"
	                                      "the same way, instead of serving" },
	{ 0 },
};

const struct cli_command cli_cmd_serve = {
	"serve", cmd_serve, "serve a published tree over HTTP (pip index and Hub API)",
	"usage: airlock serve --root DIR [--listen ADDR:PORT] [--threads N]\n"
	"                     [--access-log FILE|-] [--max-connections N] [--max-per-client N]\n"
	"                     [--timeout SECONDS] [--request-timeout SECONDS]\n"
	"       airlock serve --root DIR --listen ADDR:PORT --nginx-conf\n"
	"\n"
	"Serve the tree from 'airlock publish -o DIR', read-only, until SIGINT or\n"
	"SIGTERM: /simple/ (PEP 503 HTML and PEP 691 JSON by the Accept header), the\n"
	"files under /wheels/, /requirements/, /models/, /datasets/ (with Range), and\n"
	"the Hub API that HF_ENDPOINT clients call (/api/models/..., /<repo>/resolve/...).\n"
	"A new publish into DIR is picked up by the next request.\n"
	"With --nginx-conf, print an nginx configuration serving DIR the same way\n"
	"(run it with nginx -p PREFIX -c FILE -e stderr; docs/reference/serve.md).\n",
	opts, 0,
};

static int cmd_serve(struct cli *cli, int argc, char **argv)
{
	const struct cli_command *self = &cli_cmd_serve;
	struct cli_parse p;
	struct al_serve_opts so = { .listen = "127.0.0.1:8080" };
	struct access_log alog = { NULL, cli->json };
	struct al_diag d = AL_DIAG_INIT;
	struct al_serve *srv = NULL;
	const char *log_path = NULL;
	bool nginx = false;
	sigset_t set;
	int key, sig = 0, rc = CLI_EXIT_OK;

	cli_parse_start(&p, self, argc, argv);
	while ((key = cli_parse_next(&p)) > 0) {
		switch (key) {
		case 'l': so.listen = p.value; break;
		case 'r': so.root = p.value; break;
		case 't':
			if (!parse_uint(p.value, 1024, &so.threads))
				return cli_usage(self, "--threads wants a number up to 1024");
			break;
		case OPT_MAX_CONNECTIONS:
			if (!parse_uint(p.value, 1000000, &so.max_connections))
				return cli_usage(self, "--max-connections wants a number");
			break;
		case OPT_TIMEOUT:
			if (!parse_uint(p.value, 86400, &so.timeout) || !so.timeout)
				return cli_usage(self, "--timeout wants seconds (1 to 86400)");
			break;
		case OPT_REQUEST_TIMEOUT:
			if (!parse_uint(p.value, 86400, &so.request_timeout) || !so.request_timeout)
				return cli_usage(self, "--request-timeout wants seconds (1 to 86400)");
			break;
		case OPT_MAX_PER_CLIENT:
			if (!parse_uint(p.value, 1000000, &so.max_per_client))
				return cli_usage(self, "--max-per-client wants a number (0: no limit)");
			if (!so.max_per_client)
				so.max_per_client = UINT_MAX;
			break;
		case OPT_ACCESS_LOG: log_path = p.value; break;
		case OPT_NGINX_CONF: nginx = true; break;
		}
	}
	if (key < 0)
		return p.rc;
	if (p.nargs)
		return cli_usage(self, "unexpected argument '%s'", p.args[0]);
	if (!so.root)
		return cli_usage(self, "--root DIR is required (the tree from airlock publish -o DIR)");
	if (nginx)
		return nginx_conf(cli, so.root, so.listen);
	if (log_path) {
		alog.f = strcmp(log_path, "-") ? fopen(log_path, "ae") : stdout;
		if (!alog.f) {
			cli_error("cannot open '%s': %s", log_path, strerror(errno));
			return CLI_EXIT_FAILURE;
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
		rc = CLI_EXIT_FAILURE;
	}
	return rc;
}
