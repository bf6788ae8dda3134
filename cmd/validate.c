/*
 * validate.c: `airlock validate [-f FILE] [-q] [--json]`: check a manifest
 * and report every problem. Exit 0 valid, 1 invalid, 2 usage, 3 unreadable.
 */
#include "config.h"

#include <getopt.h>

#include "cli.h"

struct problems {
	json_t *list; /* with --json: the messages, else NULL */
};

static void on_problem(void *ctx, const char *msg)
{
	struct problems *p = ctx;

	cli_error("%s", msg);
	if (p->list && json_array_append_new(p->list, json_string(msg))) {
		json_decref(p->list); /* a JSON answer is whole or not given: */
		p->list = NULL;       /* json_pack below fails, cli_json says so */
	}
}

static size_t count_requirements(const struct al_manifest *m)
{
	return m->python.requirements.n;
}

int cmd_validate(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct al_diag d = AL_DIAG_INIT;
	struct al_manifest *m = NULL;
	struct problems p = { NULL };
	const char *file = "airlock.yaml";
	bool quiet = cli->verbosity < 0, json = cli->json;
	unsigned n = 0;
	al_err err;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "+f:qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': file = optarg; break;
		case 'q': quiet = true; break;
		case 'j': json = true; break;
		case 'h':
			cli_print_help(cli_find("validate"), stdout);
			return EXIT_OK;
		default:
			if (optopt == 'f')
				return cli_usage("validate", "option '-f' needs a file");
			return cli_usage("validate", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("validate", "unexpected argument '%s'", argv[optind]);
	if (!*file)
		return cli_usage("validate", "the file name is empty");
	if (json && !(p.list = json_array())) {
		cli_error("out of memory");
		return EXIT_FAILURE_;
	}

	err = al_manifest_check(&m, file, on_problem, &p, &n, &d);
	if (err == AL_ENOTFOUND || err == AL_EIO || err == AL_ENOMEM) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	if (err) {
		if (json)
			cli_json(json_pack("{s:s, s:s, s:b, s:I, s:O}", "event", "validate", "file",
			                   file, "valid", 0, "problems", (json_int_t)n, "errors",
			                   p.list));
		rc = EXIT_NO;
		goto out;
	}
	if (json) {
		cli_json(json_pack("{s:s, s:s, s:b, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "event",
		                   "validate", "file", file, "valid", 1, "bundle", m->bundle,
		                   "sha256", m->sha256, "requirements",
		                   (json_int_t)count_requirements(m), "requirements_files",
		                   (json_int_t)m->python.requirements_files.n, "targets",
		                   (json_int_t)m->python.ntargets, "models", (json_int_t)m->nmodels,
		                   "datasets", (json_int_t)m->ndatasets));
	} else if (!quiet) {
		printf("%s: valid (bundle %s: %zu requirement%s, %zu target%s, %zu model%s, "
		       "%zu dataset%s)\n", file, m->bundle,
		       count_requirements(m), count_requirements(m) == 1 ? "" : "s",
		       m->python.ntargets, m->python.ntargets == 1 ? "" : "s",
		       m->nmodels, m->nmodels == 1 ? "" : "s",
		       m->ndatasets, m->ndatasets == 1 ? "" : "s");
	}
	rc = EXIT_OK;
out:
	json_decref(p.list);
	al_manifest_free(m);
	return rc;
}
