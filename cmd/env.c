/*
 * env.c: `airlock env`, the client settings for a published tree in a
 * shell's syntax (lib/mirror/env.c computes them).
 */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "cli.h"

enum shell { SH, FISH, PIP_CONF, JSON };

static void quoted(const char *v, enum shell shell)
{
	putchar('\'');
	for (; *v; v++) {
		if (*v == '\'')
			fputs(shell == FISH ? "\\'" : "'\\''", stdout);
		else if (*v == '\\' && shell == FISH)
			fputs("\\\\", stdout);
		else
			putchar(*v);
	}
	putchar('\'');
}

static void collect(void *ctx, const char *name, const char *value)
{
	json_t **vars = ctx;

	if (*vars && json_object_set_new(*vars, name, json_string(value))) {
		json_decref(*vars); /* all the settings or none */
		*vars = NULL;
	}
}

static void emit(enum shell shell, const char *name, const char *value)
{
	const char *c;

	switch (shell) {
	case SH:
		printf("export %s=", name);
		quoted(value, SH);
		putchar('\n');
		break;
	case FISH:
		printf("set -gx %s ", name);
		quoted(value, FISH);
		putchar('\n');
		break;
	case PIP_CONF:
		if (strncmp(name, "PIP_", 4)) {
			printf("# %s=%s  (not a pip setting: put it in the environment)\n", name, value);
			break;
		}
		for (c = name + 4; *c; c++)
			putchar(*c == '_' ? '-' : (*c >= 'A' && *c <= 'Z') ? *c - 'A' + 'a' : *c);
		printf(" = %s\n", value);
		break;
	case JSON:
		break;
	}
}

int cmd_env(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
		                              { "root", required_argument, NULL, 'r' },
		                              { "url", required_argument, NULL, 'u' },
		                              { "shell", required_argument, NULL, 's' },
		                              { 0 } };
	enum shell shell = cli->json ? JSON : SH;
	json_t *vars, *v;
	const char *name;
	struct al_diag d = AL_DIAG_INIT;
	const char *root = NULL, *url = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "hr:u:s:", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': cli_print_help(cli_find("env"), stdout); return EXIT_OK;
		case 'r': root = optarg; break;
		case 'u': url = optarg; break;
		case 's':
			if (!strcmp(optarg, "sh") || !strcmp(optarg, "bash") || !strcmp(optarg, "zsh"))
				shell = SH;
			else if (!strcmp(optarg, "fish"))
				shell = FISH;
			else if (!strcmp(optarg, "pip-conf"))
				shell = PIP_CONF;
			else if (!strcmp(optarg, "json"))
				shell = JSON;
			else
				return cli_usage("env", "--shell is sh, fish, pip-conf or json, not '%s'",
				                 optarg);
			break;
		default: return cli_usage("env", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("env", "unexpected argument '%s'", argv[optind]);
	if (!root == !url)
		return cli_usage("env", "give one of --root DIR or --url URL");
	/* insertion order is kept: the order lib/mirror/env.c gives */
	if (!(vars = json_object())) {
		cli_error("out of memory");
		return EXIT_FAILURE_;
	}
	if (al_client_env(url ? url : root, url != NULL, collect, &vars, &d)) {
		json_decref(vars);
		return cli_fail(cli, &d);
	}
	if (!vars) {
		cli_error("out of memory");
		return EXIT_FAILURE_;
	}
	if (shell == JSON) {
		cli_json(vars);
		return EXIT_OK;
	}
	if (shell == PIP_CONF)
		printf("[global]\n");
	json_object_foreach(vars, name, v)
		emit(shell, name, json_string_value(v));
	json_decref(vars);
	return EXIT_OK;
}
