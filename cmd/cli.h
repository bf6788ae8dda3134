/*
 * cli.h: what every subcommand of the airlock program shares. A command
 * parses its options, calls into libairlock, and formats the result; it
 * holds no HTTP, SQL, YAML, crypto or parsing logic.
 */
#ifndef AIRLOCK_CLI_H
#define AIRLOCK_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "airlock.h"

/* Exit codes (docs/reference/cli.md). */
enum {
	EXIT_OK = 0,
	EXIT_NO = 1,      /* a check said no: verification failed, lock stale */
	EXIT_USAGE = 2,
	EXIT_FAILURE_ = 3 /* any other failure */
};

struct cli {
	const char *store_dir; /* --store, or NULL for the default */
	int verbosity;         /* -1 quiet, 0 normal, 1+ verbose */
	bool json;
	bool tty;              /* stderr is a terminal: progress allowed */
};

struct cli_command {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage; /* full help text for `airlock help NAME` */
};

extern const struct cli_command cli_commands[];

/* Print "airlock: <msg>" to stderr, control characters escaped. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Escaped copies (al_safe_text) of strings from media, the network or the
 * ledger, for one printf; "" for NULL, "?" when out of memory:
 *	struct cli_safe sf = CLI_SAFE_INIT;
 *	printf("bundle %s\n", cli_safe(&sf, name));
 *	cli_safe_release(&sf);
 * Messages through cli_error, cli_warn and cli_fail are escaped already. */
#define CLI_SAFE_MAX 8
struct cli_safe {
	char *v[CLI_SAFE_MAX];
	size_t n;
};
#define CLI_SAFE_INIT { { NULL }, 0 }
const char *cli_safe(struct cli_safe *sf, const char *s);
void cli_safe_release(struct cli_safe *sf);
/* Report a failed library call and return the exit code for its error. */
int cli_fail(struct cli *cli, const struct al_diag *d);
int cli_exit_code(al_err err);
/* A usage error for the command: prints the message and the usage line. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print a JSON object on one line of stdout, then free it. */
void cli_json(json_t *obj);
/* Open the store: creating it when create is set. */
int cli_open_store(struct cli *cli, struct al_store **out, unsigned flags);
/* getopt_long over a command's argv with the common -h/--help. Returns -2 for
 * help printed (exit 0), '?' on errors already reported. */
const struct cli_command *cli_find(const char *name);
void cli_print_help(const struct cli_command *c, FILE *out);
/* Format a byte count as "1.5 MiB" into buf. */
const char *cli_human_size(unsigned long long n, char *buf, size_t len);

/* Command entry points, one file each under cmd/. */
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_info(struct cli *cli, int argc, char **argv);
int cmd_store(struct cli *cli, int argc, char **argv);
int cmd_validate(struct cli *cli, int argc, char **argv);
int cmd_help(struct cli *cli, int argc, char **argv);
int cmd_publish(struct cli *cli, int argc, char **argv);
int cmd_log(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_lock(struct cli *cli, int argc, char **argv);
int cmd_ls(struct cli *cli, int argc, char **argv);
int cmd_fetch(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_verify(struct cli *cli, int argc, char **argv);
/* "4G", "700M", "123", "dvd"...: bytes. 0 on success, -1 when not a size. */
int cli_parse_size(const char *s, uint64_t *out);
int cmd_keygen(struct cli *cli, int argc, char **argv);
int cmd_trust(struct cli *cli, int argc, char **argv);

/* Read a passphrase into guarded memory: from $AIRLOCK_PASSPHRASE_FILE, else
 * the terminal (twice when confirm), else the first line of stdin. Returns
 * an exit code; 0 with *out set. cmd/passphrase.c */
int cli_read_passphrase(struct cli *cli, struct al_secret **out, bool confirm);
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_env(struct cli *cli, int argc, char **argv);

#endif
