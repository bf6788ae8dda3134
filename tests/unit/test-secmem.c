/* lib/media/secmem.c through its interface: struct al_secret (capacity, length,
 * wiping, comparison, reading one line as minisign does) and the guarded
 * allocations (a guard page after the bytes, no access when asked). */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "airlock.h"
#include "media/secmem.h"
#include "tap.h"

/* A pipe holding `bytes` (len of them); the write end is closed when eof. */
static int feed(const char *bytes, size_t len, bool eof, int *wfd)
{
	int p[2];

	if (pipe(p) < 0)
		return -1;
	if (len && write(p[1], bytes, len) != (ssize_t)len) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (eof)
		close(p[1]);
	else
		*wfd = p[1];
	return p[0];
}

/* Read one line of `bytes` (then end of file) into a secret of capacity cap. */
static al_err read_one(struct al_secret *s, const char *bytes, size_t len, struct al_diag *d)
{
	int fd = feed(bytes, len, true, NULL);
	al_err err;

	if (fd < 0)
		return AL_EINTERNAL;
	err = al_secret_read_line(s, fd, "the passphrase file 'p'", d);
	close(fd);
	return err;
}

static bool all_zero(const char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Under valgrind (its preload library is in LD_PRELOAD) the child's fault
 * would be reported as a memory error: the fault tests are skipped there. */
static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");
	return p && strstr(p, "vgpreload");
}

/* Does touching p (reading one byte) kill a child process? */
static bool touch_faults(const volatile char *p)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2); /* the sanitizer's report of the fault */
		signal(SIGSEGV, SIG_DFL);
		(void)p[0];
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_secret(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_secret *s = NULL, *t = NULL, *big = NULL;
	char *p;

	is_int(al_secret_new(&s, 0, &d), AL_EUSAGE, "a secret of capacity 0 is refused");
	ok(s == NULL, "and none is made");
	is_int(al_secret_new(&s, AL_SECRET_MAX + 1, &d), AL_EUSAGE,
	       "a capacity over AL_SECRET_MAX is refused");
	ok(strstr(d.msg, "1 to 1023 bytes, not 1024") != NULL, "saying so: %s", d.msg);
	is_int(al_secret_new(&big, AL_SECRET_MAX, &d), AL_OK, "AL_SECRET_MAX is fine");
	al_secret_free(big);
	al_secret_free(NULL); /* NULL-safe */

	is_int(al_secret_new(&s, 8, &d), AL_OK, "a secret of 8 bytes");
	is_int(al_secret_cap(s), 8, "its capacity");
	is_int(al_secret_len(s), 0, "empty at first");
	is_str(al_secret_cstr(s), "", "an empty string");
	ok(all_zero(al_secret_data(s), 9), "every byte zero, the NUL's too");

	p = al_secret_data(s);
	memcpy(p, "abcdefgh", 8);
	al_secret_set_len(s, 3);
	is_int(al_secret_len(s), 3, "set_len sets the length");
	is_str(al_secret_cstr(s), "abc", "and terminates the string");
	ok(all_zero(p + 3, 6), "the bytes after it are wiped");
	memcpy(p, "abcdefgh", 8);
	al_secret_set_len(s, 100);
	is_int(al_secret_len(s), 8, "a length over the capacity is cut to it");
	ok(p[8] == '\0', "and the string still ends in the buffer");

	is_int(al_secret_new(&t, 16, &d), AL_OK, "another secret, larger");
	memcpy(al_secret_data(t), "abcdefgh", 8);
	al_secret_set_len(t, 8);
	ok(al_secret_equal(s, t), "equal contents compare equal, whatever the capacity");
	al_secret_data(t)[7] = 'H';
	ok(!al_secret_equal(s, t), "one byte differs: not equal");
	al_secret_data(t)[7] = 'h';
	al_secret_set_len(t, 7);
	ok(!al_secret_equal(s, t), "a prefix is not equal");
	al_secret_free(t);
	al_secret_free(s);
}

static void test_read_line(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_secret *s = NULL;
	char rest[16] = "";
	int fd, wfd = -1;

	if (al_secret_new(&s, 10, &d)) {
		ok(0, "al_secret_new: %s", d.msg);
		return;
	}
	is_int(read_one(s, "hunter2\n", 8, &d), AL_OK, "a line ending in \\n");
	is_str(al_secret_cstr(s), "hunter2", "read without the newline");
	is_int(al_secret_len(s), 7, "its length");
	is_int(read_one(s, "hunter2\r\n", 9, &d), AL_OK, "a line ending in \\r\\n");
	is_str(al_secret_cstr(s), "hunter2", "read without either");
	is_int(read_one(s, "a\r\r\n", 4, &d), AL_OK, "two \\r before the newline");
	is_str(al_secret_cstr(s), "a\r", "only one is dropped, as minisign does");
	is_int(read_one(s, "no newline", 10, &d), AL_OK, "a last line without a newline");
	is_str(al_secret_cstr(s), "no newline", "is the whole source");
	is_int(read_one(s, "\n", 1, &d), AL_OK, "an empty line is a line");
	is_int(al_secret_len(s), 0, "of length 0");
	is_int(read_one(s, "", 0, &d), AL_EINVALID, "an empty source is refused");
	is_str(d.msg, "the passphrase file 'p' is empty", "saying which");

	is_int(read_one(s, "0123456789\n", 11, &d), AL_OK, "exactly the capacity fits");
	is_str(al_secret_cstr(s), "0123456789", "all of it");
	is_int(read_one(s, "0123456789A\n", 12, &d), AL_ELIMIT, "one byte more: ELIMIT");
	is_str(d.msg, "the passphrase file 'p' is longer than 10 bytes", "saying which and how long");
	is_int(al_secret_len(s), 0, "the secret is emptied");
	ok(all_zero(al_secret_data(s), 11), "and what was read is wiped");
	is_int(read_one(s, "ab\0cd\n", 6, &d), AL_EINVALID, "a NUL byte is refused");
	ok(strstr(d.msg, "contains a NUL byte") != NULL, "saying so: %s", d.msg);
	ok(all_zero(al_secret_data(s), 11), "and what was read is wiped");

	/* one byte at a time: what follows the line stays in the pipe */
	fd = feed("first\nsecond\n", 13, false, &wfd);
	is_int(al_secret_read_line(s, fd, "stdin", &d), AL_OK, "the first of two lines");
	is_str(al_secret_cstr(s), "first", "is the first");
	close(wfd);
	ok(read(fd, rest, sizeof(rest) - 1) == 7 && !strcmp(rest, "second\n"),
	   "the rest is left for the next reader");
	close(fd);

	is_int(al_secret_read_line(s, -1, "the terminal", &d), AL_EIO, "a bad descriptor: EIO");
	ok(strstr(d.msg, "cannot read the terminal: ") != NULL, "naming it: %s", d.msg);
	al_secret_free(s);
}

static void test_guarded(void)
{
	struct al_diag d = AL_DIAG_INIT;
	char *a, *b;

	is_int(al_sodium_init(&d), AL_OK, "sodium_init");
	is_int(al_sodium_init(&d), AL_OK, "twice is fine");
	ok(al_secmem_alloc(0) == NULL, "no allocation of 0 bytes");
	a = al_secmem_alloc(32);
	b = al_secmem_alloc(32);
	if (!a || !b) {
		ok(0, "al_secmem_alloc");
		return;
	}
	memset(a, 'k', 32);
	memset(b, 'k', 32);
	ok(al_secmem_equal(a, b, 32), "equal bytes compare equal");
	b[31] = 'K';
	ok(!al_secmem_equal(a, b, 32), "the last byte differs: not equal");
	ok(al_secmem_equal(a, b, 31), "only the bytes asked are compared");
	al_secmem_wipe(a, 32);
	ok(all_zero(a, 32), "wipe zeroes them");
	if (under_valgrind()) {
		ok(1, "# SKIP the guard page under valgrind");
		ok(1, "# SKIP readonly under valgrind");
	} else {
		ok(touch_faults(a + 32), "the byte after a region is a guard page");
		al_secmem_readonly(b);
		ok(!touch_faults(b), "readonly memory can be read");
	}
	al_secmem_readwrite(b);
	b[0] = 'x';
	ok(b[0] == 'x', "and written again after readwrite");
	al_secmem_noaccess(b);
	if (under_valgrind())
		ok(1, "# SKIP noaccess under valgrind");
	else
		ok(touch_faults(b), "noaccess memory cannot even be read");
	al_secmem_readwrite(b);
	ok(b[1] == 'k', "until readwrite, with the bytes intact");
	al_secmem_free(a);
	al_secmem_free(b);
	al_secmem_free(NULL); /* NULL-safe */
}

int main(void)
{
	test_secret();
	test_read_line();
	test_guarded();
	return done_testing();
}
