#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "mem.h"
#include "tap.h"

/* al_open_regular and al_read_regular: a FIFO, a device, a directory or a
 * link where a file should be is refused at once, never waited on. */
static void test_open_regular(void)
{
	char dir[] = "/tmp/airlock-test-buf-XXXXXX";
	struct al_buf p = AL_BUF_INIT, b = AL_BUF_INIT;
	struct al_diag d = AL_DIAG_INIT;
	struct stat st;
	time_t t0;
	int fd = -1, fl;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	al_buf_addf(&p, "%s/file", dir);
	fd = open(p.buf, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ok(fd >= 0 && write(fd, "hello", 5) == 5 && close(fd) == 0, "a regular file");
	ok(al_open_regular(p.buf, 0, &fd, &st, &d) == AL_OK && fd >= 0 && st.st_size == 5,
	   "opens, with its fstat");
	fl = fcntl(fd, F_GETFL);
	ok(fl >= 0 && !(fl & O_NONBLOCK) && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	   "blocking again, close-on-exec");
	close(fd);
	ok(al_read_regular(&b, p.buf, 0, 5, &d) == AL_OK && !strcmp(b.buf, "hello"), "read_regular");
	al_buf_reset(&b);
	is_int(al_read_regular(&b, p.buf, 0, 4, &d), AL_ELIMIT, "a file over the cap: ELIMIT");

	al_buf_reset(&p);
	al_buf_addf(&p, "%s/fifo", dir);
	ok(mkfifo(p.buf, 0600) == 0, "a FIFO with no writer");
	t0 = time(NULL);
	is_int(al_open_regular(p.buf, 0, &fd, NULL, &d), AL_EINVALID, "is refused");
	ok(time(NULL) - t0 < 2 && fd == -1, "at once");
	ok(strstr(d.msg, "/fifo' is a FIFO, not a regular file") != NULL, "clearly: %s", d.msg);
	is_int(al_read_regular(&b, p.buf, AL_OPEN_FOLLOW, 10, &d), AL_EINVALID,
	       "read_regular refuses it too");

	is_int(al_open_regular("/dev/null", AL_OPEN_FOLLOW, &fd, NULL, &d), AL_EINVALID,
	       "a device is refused");
	ok(strstr(d.msg, "'/dev/null' is a device, not a regular file") != NULL, "clearly: %s",
	   d.msg);
	is_int(al_open_regular(dir, 0, &fd, NULL, &d), AL_EINVALID, "a directory is refused");
	ok(strstr(d.msg, "is a directory, not a regular file") != NULL, "clearly: %s", d.msg);

	al_buf_reset(&p);
	al_buf_addf(&p, "%s/link", dir);
	ok(symlink("file", p.buf) == 0, "a link to the regular file");
	is_int(al_open_regular(p.buf, 0, &fd, NULL, &d), AL_EINVALID, "is refused");
	ok(strstr(d.msg, "/link' is a symbolic link, not a regular file") != NULL, "clearly: %s",
	   d.msg);
	ok(al_open_regular(p.buf, AL_OPEN_FOLLOW, &fd, NULL, &d) == AL_OK && fd >= 0,
	   "and followed with AL_OPEN_FOLLOW");
	close(fd);
	al_buf_reset(&p);
	al_buf_addf(&p, "%s/null", dir);
	ok(symlink("/dev/null", p.buf) == 0, "a link to a device");
	is_int(al_open_regular(p.buf, AL_OPEN_FOLLOW, &fd, NULL, &d), AL_EINVALID,
	       "is refused even when followed");
	al_buf_reset(&p);
	al_buf_addf(&p, "%s/missing", dir);
	is_int(al_open_regular(p.buf, 0, &fd, NULL, &d), AL_ENOTFOUND, "a missing file: ENOTFOUND");

	al_buf_reset(&p);
	al_buf_addf(&p, "rm -rf '%s'", dir);
	(void)!system(p.buf);
	al_buf_release(&p);
	al_buf_release(&b);
}

int main(void)
{
	struct al_buf b = AL_BUF_INIT;
	char *p;
	size_t len;
	int i;

	ok(b.buf && b.buf[0] == '\0' && b.len == 0, "a new buffer is an empty string");
	ok(al_buf_addstr(&b, "hello") == AL_OK && !strcmp(b.buf, "hello"), "addstr");
	ok(al_buf_addf(&b, " %d %s", 42, "x") == AL_OK && !strcmp(b.buf, "hello 42 x"), "addf");
	for (i = 0; i < 10000; i++)
		if (al_buf_addch(&b, 'a'))
			break;
	is_int(b.len, 10 + 10000, "grows across many appends");
	is_int(b.buf[b.len], 0, "stays NUL-terminated");
	al_buf_truncate(&b, 5);
	is_str(b.buf, "hello", "truncate");
	p = al_buf_detach(&b, &len);
	is_str(p, "hello", "detach hands over the contents");
	is_int(len, 5, "detach reports the length");
	ok(b.buf && b.len == 0 && b.alloc == 0, "detach resets the buffer");
	al_free(p);

	/* The size cap: a single huge append fails without allocating. */
	is_int(al_buf_grow(&b, AL_BUF_MAX), AL_ELIMIT, "growing past the cap fails with ELIMIT");
	is_int(b.len, 0, "and leaves the buffer unchanged");

	/* Allocation failure leaves the buffer as it was. */
	al_buf_addstr(&b, "keep");
	al_mem_fail_after(0, 0);
	for (i = 0; i < 200; i++)
		if (al_buf_addstr(&b, "0123456789012345678901234567890123456789") != AL_OK)
			break;
	al_mem_fail_after(-1, 0);
	ok(i < 200, "an allocation failure is reported");
	ok(!strncmp(b.buf, "keep", 4) && b.buf[b.len] == '\0', "and the buffer is intact");
	al_buf_release(&b);
	al_buf_release(&b); /* twice is harmless */
	ok(b.len == 0, "release is idempotent");

	{
		struct al_diag d = AL_DIAG_INIT;
		is_int(al_buf_read_file(&b, "/nonexistent/x", 10, &d), AL_ENOTFOUND,
		       "reading a missing file says not found");
		ok(strstr(d.msg, "/nonexistent/x") != NULL, "and names the file: %s", d.msg);
	}
	test_open_regular();
	{
		/* al_buf_add_safe / al_safe_text: text from media for a terminal */
		static const struct { const char *in; size_t len; unsigned flags; const char *out; } c[] = {
			{ "plain é ü 日本 \xf0\x9f\x98\x80", 0, 0, "plain é ü 日本 \xf0\x9f\x98\x80" },
			{ "a\x1b[2Jb\rc\nd\te", 0, 0, "a\\x1b[2Jb\\rc\\nd\\te" },
			{ "\x01\x1f\x7f", 0, 0, "\\x01\\x1f\\x7f" },
			{ "c1 \xc2\x9b" "2J \xc2\x85 \xc2\xa0", 0, 0, "c1 \\u009b2J \\u0085 \xc2\xa0" },
			{ "raw \x9b \x80\xff", 0, 0, "raw \\x9b \\x80\\xff" },
			{ "cut \xe6\x97", 0, 0, "cut \\xe6\\x97" },
			{ "overlong \xc0\xaf \xe0\x80\xaf", 0, 0,
			  "overlong \\xc0\\xaf \\xe0\\x80\\xaf" },
			{ "surrogate \xed\xa0\x80 big \xf4\x90\x80\x80", 0, 0,
			  "surrogate \\xed\\xa0\\x80 big \\xf4\\x90\\x80\\x80" },
			{ "back\\slash", 0, 0, "back\\slash" },
			{ "nul\0x", 5, 0, "nul\\x00x" },
			{ "head:\n  more\nfake\n", 0, AL_SAFE_LINES, "head:\n  more\\nfake\\n" },
			{ "", 0, 0, "" },
		};
		size_t k;

		for (k = 0; k < sizeof(c) / sizeof(*c); k++) {
			al_buf_reset(&b);
			ok(al_buf_add_safe(&b, c[k].in, c[k].len ? c[k].len : strlen(c[k].in), c[k].flags) ==
			           AL_OK && !strcmp(b.buf, c[k].out),
			   "add_safe %zu: %s", k, b.buf);
			for (i = 0; i < (int)b.len; i++)
				if ((unsigned char)b.buf[i] < 0x20 && !(c[k].flags && b.buf[i] == '\n'))
					break;
			ok(i == (int)b.len, "and no control byte is left");
		}
		al_buf_release(&b);
		p = al_safe_text("x\x1b]0;title\x07", 0);
		is_str(p, "x\\x1b]0;title\\x07", "al_safe_text");
		free(p);
		p = al_safe_text(NULL, 0);
		is_str(p, "", "al_safe_text(NULL) is empty");
		free(p);
	}
	return done_testing();
}
