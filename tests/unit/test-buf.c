#include "config.h"

#include "buf.h"
#include "mem.h"
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
	return done_testing();
}
