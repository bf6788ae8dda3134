/*
 * env.c: `airlock env`, the client settings for a published tree in a
 * shell's syntax (lib/mirror/env.c computes them).
 */
#include "config.h"

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

static int cmd_env(struct cli *cli, int argc, char **argv);

static const struct cli_opt opts[] = {
	{ 'r', "root", "DIR", "the published tree on disk" },
	{ 'u', "url", "URL", "the URL of airlock serve" },
	{ 's', "shell", "SHELL", "sh: export NAME='value' (default; bash, zsh too)\n"
	                               "fish: set -gx NAME 'value'\n"
	                               "pip-conf: a [global] section for pip.conf\n"
	                               "json: one JSON object (also with --json)" },
	{ 0 },
};

const struct cli_command cli_cmd_env = {
	"env", cmd_env, "print the client settings for a published tree",
	"usage: airlock env (--root DIR | --url URL) [--shell sh|fish|pip-conf|json]\n"
	"\n"
	"Print what pip and Hugging Face clients need to use a published tree:\n"
	"with --url (airlock serve): PIP_INDEX_URL, PIP_TRUSTED_HOST (plain http to\n"
	"another host), HF_ENDPOINT, HF_HUB_DISABLE_XET; with --root (the tree on\n"
	"disk): PIP_NO_INDEX, PIP_FIND_LINKS, HF_HUB_CACHE, HF_HUB_OFFLINE.\n"
	"  eval \"$(airlock env --url http://mirror:8080)\"\n",
	opts, 0,
};

static int cmd_env(struct cli *cli, int argc, char **argv)
{
	struct cli_parse p;
	enum shell shell = cli->json ? JSON : SH;
	json_t *vars, *v;
	const char *name;
	struct al_diag d = AL_DIAG_INIT;
	const char *root = NULL, *url = NULL;
	int key;

	cli_parse_start(&p, &cli_cmd_env, argc, argv);
	while ((key = cli_parse_next(&p)) > 0) {
		switch (key) {
		case 'r': root = p.value; break;
		case 'u': url = p.value; break;
		case 's':
			if (!strcmp(p.value, "sh") || !strcmp(p.value, "bash") || !strcmp(p.value, "zsh"))
				shell = SH;
			else if (!strcmp(p.value, "fish"))
				shell = FISH;
			else if (!strcmp(p.value, "pip-conf"))
				shell = PIP_CONF;
			else if (!strcmp(p.value, "json"))
				shell = JSON;
			else
				return cli_usage(&cli_cmd_env, "--shell is sh, fish, pip-conf or json, "
				                 "not '%s'", p.value);
			break;
		}
	}
	if (key < 0)
		return p.rc;
	if (p.nargs)
		return cli_usage(&cli_cmd_env, "unexpected argument '%s'", p.args[0]);
	if (!root == !url)
		return cli_usage(&cli_cmd_env, "give one of --root DIR or --url URL");
	/* insertion order is kept: the order lib/mirror/env.c gives */
	if (!(vars = json_object())) {
		cli_error("out of memory");
		return CLI_EXIT_FAILURE;
	}
	if (al_client_env(url ? url : root, url != NULL, collect, &vars, &d)) {
		json_decref(vars);
		return cli_fail(cli, &d);
	}
	if (!vars) {
		cli_error("out of memory");
		return CLI_EXIT_FAILURE;
	}
	if (shell == JSON) {
		cli_json(vars);
		return CLI_EXIT_OK;
	}
	if (shell == PIP_CONF)
		printf("[global]\n");
	json_object_foreach(vars, name, v)
		emit(shell, name, json_string_value(v));
	json_decref(vars);
	return CLI_EXIT_OK;
}
