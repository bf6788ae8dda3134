/*
 * main.c: the global options, the list of commands and `airlock help`. To
 * add a command: write cmd/NAME.c with its struct cli_command cli_cmd_NAME
 * (name, function, summary, usage, options; opts.h), declare it in cli.h,
 * add it to commands[] below, document it in man/airlock.1, and test it in
 * tests/cli/.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The commands in the order `airlock --help` lists them. Each is a struct
 * cli_command in its own file: name, function, summary, usage and options. */
static const struct cli_command help_cmd;

static const struct cli_command *const commands[] = {
	&cli_cmd_init,    &cli_cmd_validate, &cli_cmd_info,   &cli_cmd_ls,     &cli_cmd_store,
	&cli_cmd_lock,    &cli_cmd_fetch,    &cli_cmd_export, &cli_cmd_verify, &cli_cmd_import,
	&cli_cmd_publish, &cli_cmd_serve,    &cli_cmd_env,    &cli_cmd_log,    &cli_cmd_keygen,
	&cli_cmd_sbom,    &cli_cmd_diff,     &cli_cmd_audit,
	&cli_cmd_trust,   &help_cmd,
};

enum { OPT_STORE = CLI_LONG, OPT_JSON, OPT_VERSION, OPT_CACERT };

static const struct cli_opt global_opts[] = {
	{ OPT_STORE, "store", "DIR", "the store (default: $AIRLOCK_STORE,\n"
	                             "$XDG_DATA_HOME/airlock, ~/.local/share/airlock)" },
	{ 'v', "verbose", NULL, "more detail (repeatable)" },
	{ 'q', "quiet", NULL, "errors only" },
	{ OPT_JSON, "json", NULL, "one JSON object per event or result on stdout" },
	{ OPT_CACERT, "cacert", "FILE", "trust the CA certificates in FILE for HTTPS\n"
	                                "(as SSL_CERT_FILE)" },
	{ 'h', "help", NULL, "this help" },
	{ OPT_VERSION, "version", NULL, "print the version" },
	{ 0 },
};

/* The global options before COMMAND: a command of its own for the parser,
 * with the empty name ("airlock"). */
static const struct cli_command global = {
	"", NULL, NULL,
	"usage: airlock [--store DIR] [-v|-q] [--json] [--cacert FILE] COMMAND [ARGS]\n"
	"\n"
	"Build offline mirrors of Python wheels and Hugging Face models for\n"
	"air-gapped networks.\n",
	global_opts, CLI_STOP_AT_ARG,
};

static void print_main_help(FILE *out)
{
	size_t i;

	cli_print_help(&global, out);
	fputs("\nCommands:\n", out);
	for (i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\nSee 'airlock help COMMAND' or man airlock.\n", out);
}

static const struct cli_command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static int cmd_help(struct cli *cli, int argc, char **argv);

static const struct cli_command help_cmd = {
	"help", cmd_help, "show help for a command",
	"usage: airlock help [COMMAND]\n"
	"\n"
	"Without COMMAND, the global options and the commands; with it, the\n"
	"command's usage and options (as 'airlock COMMAND --help').\n",
	NULL, 0,
};

static int cmd_help(struct cli *cli, int argc, char **argv)
{
	const struct cli_command *c;
	struct cli_parse p;

	(void)cli;
	if (cli_parse_args(&p, &help_cmd, argc, argv))
		return p.rc;
	if (p.nargs == 0) {
		print_main_help(stdout);
		return CLI_EXIT_OK;
	}
	if (p.nargs > 1)
		return cli_usage(&help_cmd, "too many arguments");
	if (!(c = find_command(p.args[0]))) {
		cli_error("'%s' is not an airlock command; see 'airlock --help'", p.args[0]);
		return CLI_EXIT_USAGE;
	}
	cli_print_help(c, stdout);
	return CLI_EXIT_OK;
}

/* What the library calls before it stops the process (al_set_fatal). */
static void on_fatal(const char *what)
{
	cli_error("%s", what);
}

/* Exit 0 only when everything written to stdout reached it: a full disk or
 * a closed pipe is an error (as git's run_builtin does). */
static int finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			cli_error("write error on standard output: %s", strerror(errno));
		return rc ? rc : CLI_EXIT_FAILURE;
	}
	if (fclose(stdout) != 0) {
		cli_error("write error on standard output: %s", strerror(errno));
		return rc ? rc : CLI_EXIT_FAILURE;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	const struct cli_command *c;
	struct cli_parse p;
	int key;

	cli.tty = isatty(STDERR_FILENO);
	al_set_fatal(on_fatal);
	cli_parse_start(&p, &global, argc, argv);
	while ((key = cli_parse_next(&p)) > 0) {
		switch (key) {
		case OPT_STORE: cli.store_dir = p.value; break;
		case 'v': cli.verbosity++; break;
		case 'q': cli.verbosity = -1; break;
		case OPT_JSON: cli.json = true; break;
		case OPT_CACERT:
			/* the HTTP engine reads its CA bundle from the environment
			 * (SSL_CERT_FILE first, as pip and requests do) */
			if (access(p.value, R_OK) != 0) {
				cli_error("--cacert: cannot read '%s': %s", p.value, strerror(errno));
				return CLI_EXIT_USAGE;
			}
			setenv("SSL_CERT_FILE", p.value, 1);
			break;
		case 'h':
			print_main_help(stdout);
			return finish_stdout(CLI_EXIT_OK);
		case OPT_VERSION:
			printf("airlock %s\n", al_version());
			return finish_stdout(CLI_EXIT_OK);
		}
	}
	if (key < 0)
		return p.rc;
	if (p.nargs == 0) {
		print_main_help(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!(c = find_command(p.args[0]))) {
		cli_error("'%s' is not an airlock command; see 'airlock --help'", p.args[0]);
		return CLI_EXIT_USAGE;
	}
	/* the command parses the rest, its name first */
	return finish_stdout(c->fn(&cli, p.nargs, p.args));
}
