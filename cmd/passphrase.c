/*
 * passphrase.c: where a passphrase comes from, for keygen and (later)
 * export: the file named by $AIRLOCK_PASSPHRASE_FILE, else the terminal
 * (without echo; asked twice when confirming), else the first line of
 * standard input, which is how minisign reads it when stdin is not a
 * terminal. The bytes go straight into libsodium guarded memory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

static al_err read_tty(struct al_secret *s, const char *prompt, struct al_diag *d)
{
	struct termios old, quiet;
	bool restore = false;
	al_err err;

	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	}
	err = al_secret_read_line(s, STDIN_FILENO, "the passphrase", d);
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	else
		fputc('\n', stderr);
	return err;
}

int cli_read_passphrase(struct cli *cli, struct al_secret **out, bool confirm)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_secret *s = NULL, *again = NULL;
	const char *file = getenv("AIRLOCK_PASSPHRASE_FILE");
	int fd = -1, rc = CLI_EXIT_OK;

	*out = NULL;
	if (al_secret_new(&s, AL_SECRET_MAX, &d))
		goto fail;
	if (file && *file) {
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
			cli_error("cannot open the passphrase file '%s' "
			          "(AIRLOCK_PASSPHRASE_FILE): %s", file, strerror(errno));
			rc = CLI_EXIT_FAILURE;
			goto out;
		}
		if (al_secret_read_line(s, fd, "the passphrase file", &d))
			goto fail;
	} else if (isatty(STDIN_FILENO)) {
		if (read_tty(s, "Passphrase: ", &d))
			goto fail;
		if (confirm) {
			if (al_secret_new(&again, AL_SECRET_MAX, &d) ||
			    read_tty(again, "Passphrase (again): ", &d))
				goto fail;
			if (!al_secret_equal(s, again)) {
				cli_error("the passphrases do not match");
				rc = CLI_EXIT_FAILURE;
				goto out;
			}
		}
	} else if (al_secret_read_line(s, STDIN_FILENO, "the passphrase on standard input", &d)) {
		goto fail;
	}
	if (al_secret_len(s) == 0) {
		cli_error("the passphrase is empty");
		rc = CLI_EXIT_FAILURE;
		goto out;
	}
	*out = s;
	s = NULL;
	goto out;
fail:
	rc = cli_fail(cli, &d);
out:
	if (fd >= 0)
		close(fd);
	al_secret_free(s);
	al_secret_free(again);
	return rc;
}
