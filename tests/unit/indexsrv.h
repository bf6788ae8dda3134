/*
 * indexsrv.h: for the unit tests that need a package index (test-index,
 * test-locker): start tests/helpers/indexserver.py over a flat directory, stop
 * it, and write files into that directory. Include after tap.h and the
 * project headers it uses (buf.h, hash.h).
 */
#ifndef AL_TEST_INDEXSRV_H
#define AL_TEST_INDEXSRV_H

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct server {
	pid_t pid;
	int in;
	char url[96];
};

/* indexserver.py [ARGS...] DIR (args: NULL-terminated, may be NULL); it
 * stops when its stdin closes. */
static inline bool server_start_args(struct server *s, const char *dir, const char *const *args)
{
	const char *py = getenv("PYTHON3");
	struct al_buf script = AL_BUF_INIT;
	int in[2], out[2];
	char line[64] = "";
	FILE *f;

	if (!py || !*py)
		py = "python3";
	al_buf_addf(&script, "%s/tests/helpers/indexserver.py", tap_srcdir());
	/* close-on-exec: a second server must not hold the first one's stdin */
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return false;
	if ((s->pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		{
			const char *argv[16];
			int k = 0;
			argv[k++] = py;
			argv[k++] = script.buf;
			argv[k++] = "--timeout";
			argv[k++] = "120";
			for (; args && *args && k < 14; args++)
				argv[k++] = *args;
			argv[k++] = dir;
			argv[k] = NULL;
			execvp(py, (char *const *)argv);
		}
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	al_buf_release(&script);
	f = fdopen(out[0], "r");
	if (!f || !fgets(line, sizeof(line), f) || strncmp(line, "PORT ", 5)) {
		if (f)
			fclose(f);
		return false;
	}
	fclose(f);
	s->in = in[1];
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d/simple/", atoi(line + 5));
	return true;
}

/* indexserver.py DIR. */
static inline bool server_start(struct server *s, const char *dir)
{
	return server_start_args(s, dir, NULL);
}

static inline void server_stop(struct server *s)
{
	if (s->pid <= 0)
		return;
	close(s->in);
	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

/* DIR/name holding text; its sha256 in hex (may be NULL). */
static inline bool put(const char *dir, const char *name, const char *text, char hex[AL_SHA256_HEX])
{
	struct al_buf p = AL_BUF_INIT;
	int fd;
	bool good;

	al_buf_addf(&p, "%s/%s", dir, name);
	fd = open(p.buf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	good = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) && close(fd) == 0;
	if (hex)
		al_sha256_hex(text, strlen(text), hex);
	al_buf_release(&p);
	return good;
}

#endif
