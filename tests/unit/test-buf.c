#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "tap.h"

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
	{
		/* a FIFO nobody writes to reads as empty instead of hanging */
		struct al_diag d = AL_DIAG_INIT;
		char dir[] = "/tmp/test-buf-XXXXXX", fifo[64];
		ok(mkdtemp(dir) != NULL, "a scratch directory");
		snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
		ok(mkfifo(fifo, 0600) == 0, "a FIFO");
		al_buf_reset(&b);
		alarm(20); /* a hang fails the test instead of stalling the suite */
		is_int(al_buf_read_file(&b, fifo, 10, &d), AL_OK, "reading an idle FIFO returns");
		alarm(0);
		ok(b.len == 0, "with nothing read");
		unlink(fifo);
		rmdir(dir);
		al_buf_release(&b);
	}
	{
		/* al_buf_add_safe / al_safe_text: text from media for a terminal */
		static const struct { const char *in; size_t len; unsigned flags; const char *out; } c[] = {
			{ "plain é ü 日本 \xf0\x9f\x98\x80", 0, 0, "plain é ü 日本 \xf0\x9f\x98\x80" },
			{ "a\x1b[2Jb\rc\nd\te", 0, 0, "a\\x1b[2Jb\\rc\\nd\\te" },
			{ "\x01\x1f\x7f", 0, 0, "\\x01\\x1f\\x7f" },
			{ "c1 \xc2\x9b" "2J \xc2\x85 \xc2\xa0", 0, 0, "c1 \\u009b2J \\u0085 \xc2\xa0" },
			{ "raw \x9b \x80\xff", 0, 0, "raw \\x9b \\x80\\xff" },
			{ "bidi \xe2\x80\xae" "gpj.exe\xe2\x80\xac \xe2\x81\xa6x\xe2\x81\xa9 \xd8\x9c \xe2\x80\x8f", 0, 0,
			  "bidi \\u202egpj.exe\\u202c \\u2066x\\u2069 \\u061c \\u200f" },
			{ "near \xe2\x80\xa9\xe2\x80\xaf \xe2\x81\xaa \xe2\x80\x8d", 0, 0,
			  "near \xe2\x80\xa9\xe2\x80\xaf \xe2\x81\xaa \xe2\x80\x8d" },
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
