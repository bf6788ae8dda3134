/*
 * opts.c: the option parser and the generated help of every command
 * (opts.h says what it accepts). It only reads the command's table and
 * argv: no global state, so main can parse the global options and then
 * hand the rest of argv to the command.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

/* -h and --help, unless the command's table has them itself. */
static const struct cli_opt help_opt = { 'h', "help", NULL, "this help" };

static bool has_own_help(const struct cli_command *c)
{
	const struct cli_opt *o;

	for (o = c->opts; o && o->key; o++)
		if (o->key == 'h' || (o->name && !strcmp(o->name, "help")))
			return true;
	return false;
}

/* The i-th option of the command, the implicit help last; NULL past it. */
static const struct cli_opt *opt_at(const struct cli_command *c, size_t i)
{
	size_t n = 0;

	while (c->opts && c->opts[n].key)
		n++;
	if (i < n)
		return &c->opts[i];
	if (i == n && !has_own_help(c))
		return &help_opt;
	return NULL;
}

/* "airlock lock", or "airlock" for the global options. */
static const char *prog(const struct cli_command *c, char *buf, size_t len)
{
	snprintf(buf, len, "airlock%s%s", *c->name ? " " : "", c->name);
	return buf;
}

static int usage_error(struct cli_parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_error(struct cli_parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_verror(fmt, ap);
	va_end(ap);
	cli_print_synopsis(p->cmd, stderr);
	p->rc = CLI_EXIT_USAGE;
	return -1;
}

/* The option found: its key, its value taken from inline (after '=' or the
 * letter) or the next element of argv. */
static int take(struct cli_parse *p, const struct cli_opt *o, const char *inline_value,
                const char *spelled)
{
	if (o == &help_opt) {
		if (inline_value)
			return usage_error(p, "option '%s' takes no value", spelled);
		cli_print_help(p->cmd, stdout);
		p->rc = CLI_EXIT_OK;
		return -1;
	}
	p->value = NULL;
	if (!o->arg) {
		if (inline_value)
			return usage_error(p, "option '%s' takes no value", spelled);
		return o->key;
	}
	if (inline_value)
		p->value = inline_value;
	else if (p->next < p->argc)
		p->value = p->argv[p->next++];
	else
		return usage_error(p, "option '%s' needs a value", spelled);
	return o->key;
}

static int short_opt(struct cli_parse *p)
{
	const struct cli_opt *o;
	char spelled[3] = { '-', *p->cluster, '\0' }, name[64];
	size_t i;

	p->cluster++;
	for (i = 0; (o = opt_at(p->cmd, i)); i++)
		if (o->key == (unsigned char)spelled[1])
			break;
	if (!o) {
		p->cluster = NULL;
		return usage_error(p, "unknown option '%s' for '%s'", spelled,
		                   prog(p->cmd, name, sizeof(name)));
	}
	if (o->arg && *p->cluster) {
		const char *v = p->cluster;
		p->cluster = NULL;
		return take(p, o, v, spelled);
	}
	return take(p, o, NULL, spelled);
}

/* --name, --name=value, or a unique prefix of a name (as getopt_long). */
static int long_opt(struct cli_parse *p, const char *arg)
{
	const char *s = arg + 2, *eq = strchr(s, '='), *value = eq ? eq + 1 : NULL;
	const struct cli_opt *o, *found = NULL;
	size_t len = eq ? (size_t)(eq - s) : strlen(s), i, nprefix = 0;
	char spelled[128], name[64];

	for (i = 0; (o = opt_at(p->cmd, i)); i++) {
		if (!o->name || strncmp(o->name, s, len))
			continue;
		if (!o->name[len]) {
			found = o;
			nprefix = 1;
			break;
		}
		/* two names of one option (an alias) are not ambiguous */
		if (!found || found->key != o->key)
			nprefix++;
		found = o;
	}
	snprintf(spelled, sizeof(spelled), "--%.*s", (int)len, s);
	prog(p->cmd, name, sizeof(name));
	if (!found)
		return usage_error(p, "unknown option '%s' for '%s'", spelled, name);
	if (nprefix > 1)
		return usage_error(p, "option '%s' is ambiguous for '%s'", spelled, name);
	snprintf(spelled, sizeof(spelled), "--%s", found->name);
	return take(p, found, value, spelled);
}

void cli_parse_start(struct cli_parse *p, const struct cli_command *cmd, int argc, char **argv)
{
	memset(p, 0, sizeof(*p));
	p->cmd = cmd;
	p->argc = argc;
	p->argv = argv;
	p->next = 1;
}

int cli_parse_next(struct cli_parse *p)
{
	const char *a;

	if (p->cluster && *p->cluster)
		return short_opt(p);
	p->cluster = NULL;
	while (p->next < p->argc) {
		a = p->argv[p->next];
		if (!strcmp(a, "--")) {
			p->next++;
			break;
		}
		if (a[0] == '-' && a[1] == '-')
			return p->next++, long_opt(p, a);
		if (a[0] == '-' && a[1]) {
			p->next++;
			p->cluster = a + 1;
			return short_opt(p);
		}
		if (p->cmd->flags & CLI_STOP_AT_ARG)
			break;
		/* an argument: gather it at the front, after those before it
		 * (every slot up to next has been read already) */
		p->argv[++p->moved] = p->argv[p->next++];
	}
	if (p->cmd->flags & CLI_STOP_AT_ARG) {
		p->args = p->argv + p->next;
		p->nargs = p->argc - p->next;
	} else {
		while (p->next < p->argc)
			p->argv[++p->moved] = p->argv[p->next++];
		p->args = p->argv + 1;
		p->nargs = p->moved;
	}
	return 0;
}

int cli_parse_args(struct cli_parse *p, const struct cli_command *cmd, int argc, char **argv)
{
	int key;

	cli_parse_start(p, cmd, argc, argv);
	while ((key = cli_parse_next(p)) > 0)
		; /* options of the table the command ignores: none have any */
	return key;
}

int cli_parse_none(const struct cli_command *cmd, int argc, char **argv, int *rc)
{
	struct cli_parse p;

	if (cli_parse_args(&p, cmd, argc, argv)) {
		*rc = p.rc;
		return -1;
	}
	if (p.nargs) {
		*rc = cli_usage(cmd, "unexpected argument '%s'", p.args[0]);
		return -1;
	}
	return 0;
}

int cli_dispatch(struct cli *cli, const struct cli_command *cmd,
                 const struct cli_command *const *subs, size_t nsubs, int argc, char **argv)
{
	struct cli_parse p;
	const char *word;
	size_t i;

	if (cli_parse_args(&p, cmd, argc, argv))
		return p.rc;
	if (!p.nargs)
		return cli_usage(cmd, "a subcommand is required");
	for (i = 0; i < nsubs; i++) {
		/* "store verify" is called as "verify" */
		word = strrchr(subs[i]->name, ' ');
		if (!strcmp(word ? word + 1 : subs[i]->name, p.args[0]))
			return subs[i]->fn(cli, p.nargs, p.args);
	}
	return cli_usage(cmd, "unknown subcommand '%s'", p.args[0]);
}

/* "  -f, --file FILE", "      --check": the left column of an option. */
static int opt_label(const struct cli_opt *o, char *buf, size_t len)
{
	int n;

	if (o->key < CLI_LONG && o->name)
		n = snprintf(buf, len, "  -%c, --%s", o->key, o->name);
	else if (o->key < CLI_LONG)
		n = snprintf(buf, len, "  -%c", o->key);
	else
		n = snprintf(buf, len, "      --%s", o->name);
	if (o->arg && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " %s", o->arg);
	return n < 0 ? 0 : n >= (int)len ? (int)len - 1 : n;
}

#define HELP_COLUMN_MAX 28

void cli_print_help(const struct cli_command *c, FILE *out)
{
	const struct cli_opt *o;
	char label[96];
	int col = 0, n;
	size_t i;

	fputs(c->usage, out);
	for (i = 0; (o = opt_at(c, i)); i++)
		if (o->help && (n = opt_label(o, label, sizeof(label)) + 2) > col)
			col = n > HELP_COLUMN_MAX ? HELP_COLUMN_MAX : n;
	fputs("\nOptions:\n", out);
	for (i = 0; (o = opt_at(c, i)); i++) {
		const char *h = o->help, *nl;
		if (!h)
			continue;
		n = opt_label(o, label, sizeof(label));
		fputs(label, out);
		if (n + 2 > col) /* too wide: the help starts on the next line */
			fprintf(out, "\n%*s", col, "");
		else
			fprintf(out, "%*s", col - n, "");
		while ((nl = strchr(h, '\n'))) {
			fprintf(out, "%.*s\n%*s", (int)(nl - h), h, col, "");
			h = nl + 1;
		}
		fprintf(out, "%s\n", h);
	}
}

void cli_print_synopsis(const struct cli_command *c, FILE *out)
{
	const char *u = c->usage, *nl;

	/* the lines up to the first empty one */
	while (*u && *u != '\n') {
		nl = strchr(u, '\n');
		fprintf(out, "%.*s\n", nl ? (int)(nl - u) : (int)strlen(u), u);
		if (!nl)
			break;
		u = nl + 1;
	}
}

int cli_usage(const struct cli_command *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_verror(fmt, ap);
	va_end(ap);
	cli_print_synopsis(c, stderr);
	return CLI_EXIT_USAGE;
}
