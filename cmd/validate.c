/*
 * validate.c: `airlock validate [-f FILE] [-q] [--json]`: check a manifest
 * and report every problem. Exit 0 valid, 1 invalid, 2 usage, 3 unreadable.
 */
#include "config.h"

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

static int cmd_validate(struct cli *cli, int argc, char **argv);

enum { OPT_JSON = CLI_LONG };

static const struct cli_opt opts[] = {
	{ 'f', "file", "FILE", "the manifest (default: airlock.yaml)" },
	{ 'q', "quiet", NULL, "print nothing when valid" },
	{ OPT_JSON, "json", NULL, "print one JSON object with the result" },
	{ 0 },
};

const struct cli_command cli_cmd_validate = {
	"validate", cmd_validate, "check a manifest",
	"usage: airlock validate [-f FILE] [-q] [--json]\n"
	"\n"
	"Check an airlock.yaml manifest and report every problem as\n"
	"FILE:LINE:COL: KEY.PATH: message. Exit 0 when valid, 1 when not,\n"
	"3 when the file cannot be read.\n",
	opts, 0,
};

static int cmd_validate(struct cli *cli, int argc, char **argv)
{
	struct cli_parse args;
	struct al_diag d = AL_DIAG_INIT;
	struct al_manifest *m = NULL;
	struct problems p = { NULL };
	const char *file = "airlock.yaml";
	bool quiet = cli->verbosity < 0, json = cli->json;
	unsigned n = 0;
	al_err err;
	int key, rc;

	cli_parse_start(&args, &cli_cmd_validate, argc, argv);
	while ((key = cli_parse_next(&args)) > 0) {
		switch (key) {
		case 'f': file = args.value; break;
		case 'q': quiet = true; break;
		case OPT_JSON: json = true; break;
		}
	}
	if (key < 0)
		return args.rc;
	if (args.nargs)
		return cli_usage(&cli_cmd_validate, "unexpected argument '%s'", args.args[0]);
	if (!*file)
		return cli_usage(&cli_cmd_validate, "the file name is empty");
	if (json && !(p.list = json_array())) {
		cli_error("out of memory");
		return CLI_EXIT_FAILURE;
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
		rc = CLI_EXIT_NO;
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
	rc = CLI_EXIT_OK;
out:
	json_decref(p.list);
	al_manifest_free(m);
	return rc;
}
