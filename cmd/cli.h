/*
 * cli.h: what every subcommand of the airlock program shares. A command
 * parses its options (with the one parser of opts.h, from the table in its
 * struct cli_command), calls into libairlock, and formats the result; it
 * holds no HTTP, SQL, YAML, crypto or parsing logic. cli.c knows no
 * command: the list of commands is main.c's.
 */
#ifndef AIRLOCK_CLI_H
#define AIRLOCK_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "airlock.h"
#include "opts.h"

/* Exit codes (docs/reference/cli.md). CLI_: names that start with E and a capital
 * letter belong to <errno.h> (C11 7.31.3), and EXIT_ to <stdlib.h>. */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_NO = 1,      /* a check said no: verification failed, lock stale */
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_FAILURE = 3  /* any other failure */
};

struct cli {
	const char *store_dir; /* --store, or NULL for the default */
	int verbosity;         /* -1 quiet, 0 normal, 1+ verbose */
	bool json;
	bool tty;              /* stderr is a terminal: progress allowed */
};

/* Print "airlock: <msg>" to stderr, control characters escaped. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_verror(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
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
/* Print a JSON object on one line of stdout, then free it. */
void cli_json(json_t *obj);
/* Open the store: creating it when create is set. */
int cli_open_store(struct cli *cli, struct al_store **out, unsigned flags);
/* Format a byte count as "1.5 MiB" into buf. */
const char *cli_human_size(unsigned long long n, char *buf, size_t len);

/* "4G", "700M", "123", "dvd"...: bytes. 0 on success, -1 when not a size. */
int cli_parse_size(const char *s, uint64_t *out);

/* Read a passphrase into guarded memory: from $AIRLOCK_PASSPHRASE_FILE, else
 * the terminal (twice when confirm), else the first line of stdin. Returns
 * an exit code; 0 with *out set. cmd/passphrase.c */
int cli_read_passphrase(struct cli *cli, struct al_secret **out, bool confirm);

/* The commands, one file each under cmd/ (lock.c has fetch too, import.c
 * verify); main.c lists them in the order of `airlock --help`. */
extern const struct cli_command cli_cmd_init, cli_cmd_validate, cli_cmd_info, cli_cmd_ls,
	cli_cmd_store, cli_cmd_lock, cli_cmd_fetch, cli_cmd_export, cli_cmd_verify,
	cli_cmd_import, cli_cmd_publish, cli_cmd_serve, cli_cmd_env, cli_cmd_log, cli_cmd_keygen,
	cli_cmd_trust;
extern const struct cli_command cli_cmd_sbom, cli_cmd_diff;
extern const struct cli_command cli_cmd_audit; /* cmd/audit.c */

/* The lock file beside a manifest (malloc'd; NULL: out of memory). */
char *cli_lock_beside(const char *manifest);

#endif
