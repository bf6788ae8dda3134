/* lib/core/fsutil.c through its interface: directories made, paths joined,
 * whole writes, atomic files, directory syncs, free space, and opening
 * what must be a regular file (a FIFO, a device, a directory or a link is
 * refused at once, never waited on), and removing a tree without following
 * its links. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "tap.h"

static char root[] = "/tmp/airlock-test-fsutil-XXXXXX";

/* ROOT/rel, in one of two static buffers */
static const char *at(const char *rel)
{
	static char p[2][4200];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", root, rel);
	return p[k];
}

static bool is_dir(const char *path, mode_t *mode)
{
	struct stat st;
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	if (mode)
		*mode = st.st_mode & 07777;
	return true;
}

/* The whole content of a file (malloc'd), NULL when it cannot be read. */
static char *slurp(const char *path)
{
	struct al_buf b = AL_BUF_INIT;
	struct al_diag d = AL_DIAG_INIT;
	if (al_buf_read_file(&b, path, 1 << 20, &d)) {
		al_buf_release(&b);
		return NULL;
	}
	return al_buf_detach(&b, NULL);
}

static void test_mkdir_p(void)
{
	struct al_diag d = AL_DIAG_INIT;
	mode_t m = 0;
	int fd;

	is_int(al_mkdir_p(at("a/b/c"), 0750, &d), AL_OK, "mkdir_p makes every missing level");
	ok(is_dir(at("a"), &m) && m == 0750, "the first level with the mode asked");
	ok(is_dir(at("a/b/c"), &m) && m == 0750, "and the last");
	is_int(al_mkdir_p(at("a/b/c"), 0750, &d), AL_OK, "a directory that exists is fine");
	is_int(al_mkdir_p(at("a/b/d/"), 0700, &d), AL_OK, "a trailing slash is fine");
	ok(is_dir(at("a/b/d"), &m) && m == 0700, "and makes the directory");
	ok(is_dir(at("a"), &m) && m == 0750, "levels that existed keep their mode");

	fd = open(at("file"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	ok(fd >= 0 && close(fd) == 0, "a regular file");
	al_diag_clear(&d);
	is_int(al_mkdir_p(at("file/sub"), 0755, &d), AL_EIO, "a file on the way: EIO");
	ok(strstr(d.msg, "cannot create directory '") && strstr(d.msg, "/file/sub'"),
	   "naming the directory: %s", d.msg);
	ok(!is_dir(at("file/sub"), NULL), "and nothing is made");
	al_diag_clear(&d);
	is_int(al_mkdir_p(at("file"), 0755, &d), AL_EIO, "a file where the directory should be: EIO");
	ok(strstr(d.msg, "/file'") && strstr(d.msg, "exists"), "saying it exists: %s", d.msg);
	al_diag_clear(&d);
	is_int(al_mkdir_p(at("file/"), 0755, &d), AL_EIO, "with a trailing slash too");
}

static void test_path_join(void)
{
	static const struct { const char *a, *b, *want; } c[] = {
		{ "a", "b", "a/b" },
		{ "a/", "b", "a/b" },
		{ "a///", "b/c", "a/b/c" },
		{ "/x/y", "z.txt", "/x/y/z.txt" },
		{ "/", "b", "/b" },
		{ "dir", "", "dir/" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *p = al_path_join(c[i].a, c[i].b);
		is_str(p, c[i].want, "path_join('%s', '%s')", c[i].a, c[i].b);
		al_free(p);
	}
}

static void test_write_all(void)
{
	struct al_diag d = AL_DIAG_INIT;
	size_t n = 300000, i;
	char *big = al_malloc(n), *back;
	int fd, pfd[2];

	for (i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	fd = open(at("big"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	is_int(al_write_all(fd, big, n, "big", &d), AL_OK, "write_all writes 300000 bytes");
	close(fd);
	back = slurp(at("big"));
	ok(back && !memcmp(back, big, n), "every byte, in order");
	al_free(back);
	is_int(al_write_all(fd, "x", 1, "the closed file", &d), AL_EIO, "a bad descriptor: EIO");
	ok(strstr(d.msg, "cannot write 'the closed file': ") != NULL, "naming what: %s", d.msg);
	is_int(al_write_full(fd, "x", 1), EBADF, "write_full hands back the errno instead");
	fd = open(at("small"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	is_int(al_write_full(fd, big, 1000), 0, "and 0 when every byte is written");
	close(fd);

	/* pread_full: exactly n bytes at an offset, EIO when the file ends first */
	{
		char got[1000];
		fd = open(at("big"), O_RDONLY);
		is_int(al_pread_full(fd, got, sizeof(got), 299000), 0, "pread_full reads the last 1000 bytes");
		ok(!memcmp(got, big + 299000, sizeof(got)), "  the right ones");
		is_int(al_pread_full(fd, got, sizeof(got), 299500), EIO, "  past the end: EIO");
		is_int(al_pread_full(fd, got, 0, 400000), 0, "  nothing asked: 0");
		close(fd);
		is_int(al_pread_full(fd, got, 1, 0), EBADF, "  a bad descriptor: its errno");
	}

	/* a pipe nobody reads: EPIPE (SIGPIPE ignored, as airlock does) */
	signal(SIGPIPE, SIG_IGN);
	if (pipe(pfd) == 0) {
		close(pfd[0]);
		is_int(al_write_all(pfd[1], big, n, "the pipe", &d), AL_EIO, "a broken pipe: EIO");
		close(pfd[1]);
	}
	fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		is_int(al_write_all(fd, big, 10, "the full disk", &d), AL_ENOSPACE,
		       "a full device: ENOSPACE");
		ok(strstr(d.msg, "'the full disk'") != NULL, "naming what: %s", d.msg);
		close(fd);
	} else {
		ok(1, "# SKIP no /dev/full");
		ok(1, "# SKIP no /dev/full");
	}
	al_free(big);
}

static void test_write_file_atomic(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct stat st;
	char *got;
	int fd;

	umask(022);
	is_int(al_write_file_atomic(at("atomic"), "one\n", 4, 0640, &d), AL_OK, "write a file atomically");
	got = slurp(at("atomic"));
	is_str(got, "one\n", "with its content");
	al_free(got);
	ok(stat(at("atomic"), &st) == 0 && (st.st_mode & 0777) == 0640, "and its mode");
	is_int(al_write_file_atomic(at("atomic"), "two, longer\n", 12, 0640, &d), AL_OK,
	       "replace it");
	got = slurp(at("atomic"));
	is_str(got, "two, longer\n", "the new content, whole");
	al_free(got);

	/* a link where the file goes is replaced, its target left alone */
	fd = open(at("outside"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	ok(fd >= 0 && write(fd, "keep", 4) == 4 && close(fd) == 0, "a file outside");
	ok(symlink(at("outside"), at("linked")) == 0, "a link to it");
	is_int(al_write_file_atomic(at("linked"), "new", 3, 0644, &d), AL_OK, "write over the link");
	got = slurp(at("outside"));
	is_str(got, "keep", "the link's target is unchanged");
	al_free(got);
	ok(lstat(at("linked"), &st) == 0 && S_ISREG(st.st_mode), "the link became the file");

	is_int(al_write_file_atomic(at("nodir/x"), "x", 1, 0644, &d), AL_EIO,
	       "a missing directory: EIO");
	ok(strstr(d.msg, "cannot create '") && strstr(d.msg, "nodir/x.tmp."), "naming the file: %s",
	   d.msg);
	{
		struct al_buf cmd = AL_BUF_INIT;
		al_buf_addf(&cmd, "test -z \"$(ls -A '%s' | grep tmp)\"", root);
		ok(system(cmd.buf) == 0, "no temporary file is left beside them");
		al_buf_release(&cmd);
	}
}

static void test_fsync_dir_free_space(void)
{
	struct al_diag d = AL_DIAG_INIT;
	unsigned long long free_ = 0;

	is_int(al_fsync_dir(root, &d), AL_OK, "fsync_dir on a directory");
	is_int(al_fsync_dir(at("missing"), &d), AL_EIO, "a missing directory: EIO");
	ok(strstr(d.msg, "cannot open directory '") && strstr(d.msg, "/missing'"),
	   "naming it: %s", d.msg);
	is_int(al_fsync_dir(at("big"), &d), AL_EIO, "a regular file is no directory: EIO");
	{
		int fd = open(at("big"), O_RDONLY | O_CLOEXEC), bad = -5;
		is_int(al_fsync_close(&fd, "big", &d), AL_OK, "fsync_close of an open file");
		is_int(fd, -1, "leaves the descriptor -1");
		is_int(al_fsync_close(&bad, "nothing", &d), AL_EIO, "a bad descriptor: EIO");
		ok(strstr(d.msg, "cannot sync 'nothing'") != NULL, "naming it: %s", d.msg);
	}

	is_int(al_free_space(root, &free_, &d), AL_OK, "free_space");
	ok(free_ > 0, "some bytes are free (%llu)", free_);
	is_int(al_free_space(at("missing"), &free_, &d), AL_EIO, "of a missing path: EIO");
	ok(strstr(d.msg, "/missing'") != NULL, "naming it: %s", d.msg);
}

/* al_open_regular and al_read_regular: a FIFO, a device, a directory or a
 * link where a file should be is refused at once, never waited on. */
static void test_open_regular(void)
{
	char dir[] = "/tmp/airlock-test-fsutil-XXXXXX";
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

/* A tree with files, nested directories, an empty one, and links to a
 * directory and a file outside it: all of it goes, the link targets stay. */
static void test_remove_tree(void)
{
	struct al_diag d = AL_DIAG_INIT;
	static const char data[] = "x";

	al_mkdir_p(at("rt/tree/a/b/c"), 0755, &d);
	al_mkdir_p(at("rt/tree/empty"), 0755, &d);
	al_mkdir_p(at("rt/outside/keep"), 0755, &d);
	al_write_file_atomic(at("rt/tree/f"), data, 1, 0644, &d);
	al_write_file_atomic(at("rt/tree/a/b/c/g"), data, 1, 0644, &d);
	al_write_file_atomic(at("rt/tree/a/ro"), data, 1, 0444, &d);
	al_write_file_atomic(at("rt/outside/keep/file"), data, 1, 0644, &d);
	ok(symlink(at("rt/outside/keep"), at("rt/tree/a/dirlink")) == 0, "a link to a directory outside");
	ok(symlink(at("rt/outside/keep/file"), at("rt/tree/filelink")) == 0, "a link to a file outside");
	ok(symlink("nowhere", at("rt/tree/dangling")) == 0, "a dangling link");

	al_remove_tree(at("rt/tree"));
	ok(access(at("rt/tree"), F_OK) < 0 && errno == ENOENT, "remove_tree removes the whole tree");
	ok(is_dir(at("rt/outside/keep"), NULL), "without following a link to a directory");
	ok(access(at("rt/outside/keep/file"), F_OK) == 0, "or to a file");

	ok(symlink(at("rt/outside/keep"), at("rt/link")) == 0, "a link given as the path");
	al_remove_tree(at("rt/link"));
	ok(access(at("rt/link"), F_OK) < 0 && is_dir(at("rt/outside/keep"), NULL),
	   "is removed, its target stays");

	al_remove_tree(at("rt/outside/keep/file"));
	ok(access(at("rt/outside/keep/file"), F_OK) < 0, "a plain file is removed");
	al_remove_tree(at("rt/none"));
	ok(access(at("rt/none"), F_OK) < 0, "a missing path is no error");
	al_remove_tree(at("rt"));
	ok(access(at("rt"), F_OK) < 0, "and what is left goes too");
}

int main(void)
{
	struct al_buf cmd = AL_BUF_INIT;

	if (!mkdtemp(root))
		return 1;
	test_mkdir_p();
	test_path_join();
	test_write_all();
	test_write_file_atomic();
	test_fsync_dir_free_space();
	test_open_regular();
	test_remove_tree();
	al_buf_addf(&cmd, "rm -rf '%s'", root);
	(void)!system(cmd.buf);
	al_buf_release(&cmd);
	return done_testing();
}
