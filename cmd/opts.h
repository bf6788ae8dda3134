/*
 * opts.h: the one option parser of the airlock program. Every command (and
 * the global options in main.c) describes itself in a struct cli_command:
 * name, summary, usage text and a table of options; cli_parse_next() walks
 * argv by that table, and `COMMAND --help` is printed from the same table,
 * so an option's name, whether it takes a value and its help live in one
 * row. The parser knows nothing of what an option means: the command's
 * switch on the key does that (and checks the value).
 *
 * Accepted shapes, as GNU getopt_long accepts them: -x, -xVALUE, -x VALUE,
 * -abc (flags together), --name, --name=VALUE, --name VALUE, a unique
 * prefix of a long name, and "--" to end the options. Options and
 * arguments may be mixed; the arguments keep their order.
 */
#ifndef AIRLOCK_OPTS_H
#define AIRLOCK_OPTS_H

#include <stdio.h>

struct cli;

/* A key for an option without a short form: CLI_LONG, CLI_LONG + 1, ... */
#define CLI_LONG 256

struct cli_opt {
	int key;          /* the short option's letter, or CLI_LONG + n for
	                   * a long-only option; cli_parse_next returns it */
	const char *name; /* the long name without "--", or NULL */
	const char *arg;  /* the value's name in the help ("FILE"), or NULL
	                   * when the option takes no value */
	const char *help; /* lines separated by '\n'; NULL: an alias kept out of
	                   * the help */
};

/* Options stop at the first argument (the global options before COMMAND). */
#define CLI_STOP_AT_ARG 1u

struct cli_command {
	const char *name;    /* "lock"; "store verify" for a subcommand */
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *summary; /* one line for `airlock --help` */
	const char *usage;   /* "usage: airlock NAME ...": the synopsis lines, then
	                      * (after an empty line) what the command does */
	const struct cli_opt *opts; /* ends with { 0 }; NULL: no options */
	unsigned flags;      /* CLI_STOP_AT_ARG */
};

struct cli_parse {
	const struct cli_command *cmd;
	int argc;
	char **argv;
	int next;            /* the next element of argv to read */
	const char *cluster; /* the rest of "-abc" still to read */
	int moved;           /* arguments moved to argv[1 .. moved] so far */
	const char *value;   /* the value of the option just returned */
	char **args;         /* when done: the arguments, in order ... */
	int nargs;           /* ... and how many */
	int rc;              /* when cli_parse_next returned -1: the exit code */
};

/* Start parsing argv (argv[0] is the command's name, as main passes it). */
void cli_parse_start(struct cli_parse *p, const struct cli_command *cmd, int argc, char **argv);
/* The next option's key, with p->value set when it takes one; 0 when the
 * options are done (the arguments are p->args[0 .. p->nargs - 1]); -1
 * when the command should return p->rc: its help was printed (--help, exit
 * 0) or a usage error was reported (exit 2). -h and --help are the help
 * unless the table has them itself. */
int cli_parse_next(struct cli_parse *p);
/* A command that takes no options (but --help), only arguments: 0 with
 * p->args and p->nargs set; -1 when the command should return p->rc. */
int cli_parse_args(struct cli_parse *p, const struct cli_command *cmd, int argc, char **argv);
/* A command that takes no options (but --help) and no arguments: 0 to go
 * on; -1 when the command should return *rc (help printed, usage error). */
int cli_parse_none(const struct cli_command *cmd, int argc, char **argv, int *rc);

/* A command made of subcommands ("store verify", "store gc"): parse cmd's
 * own options (--help), then run the subcommand named by the first
 * argument with the rest of argv, its name first. Returns the exit code. */
int cli_dispatch(struct cli *cli, const struct cli_command *cmd,
                 const struct cli_command *const *subs, size_t nsubs, int argc, char **argv);

/* The help from the table: the usage text, then the options. */
void cli_print_help(const struct cli_command *cmd, FILE *out);
/* The synopsis: the lines of the usage text up to the first empty one. */
void cli_print_synopsis(const struct cli_command *cmd, FILE *out);
/* A usage error: "airlock: MESSAGE" and the command's synopsis lines on
 * stderr. Returns the exit code for a usage error. */
int cli_usage(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
