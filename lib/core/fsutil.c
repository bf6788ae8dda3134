/*
 * fsutil.c: the file system as the store and publish need it (fsutil.h): safe
 * relative paths, mkdir -p, write-all, fsync of files and directories,
 * atomic file writes, opening only regular files.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/mem.h"

bool al_path_safe(const char *p)
{
	const char *seg = p;
	size_t len = 0;

	if (!p || !*p || *p == '/' || strlen(p) > 4096)
		return false;
	for (;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t n = (size_t)(p - seg);
			if (n == 0 || n > 255 || (n == 1 && seg[0] == '.') ||
			    (n == 2 && seg[0] == '.' && seg[1] == '.'))
				return false;
			if (!*p)
				break;
			seg = p + 1;
			continue;
		}
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return false;
		len++;
	}
	return len > 0;
}

al_err al_mkdir_p(const char *path, mode_t mode, struct al_diag *d)
{
	char *p = al_strdup(path), *s;
	al_err err = AL_OK;

	if (!p)
		return al_oom(d);
	for (s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			err = al_diag_set(d, AL_EIO, "cannot create directory '%s': %s", p,
			                  strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	if (!err) {
		/* mkdir's EEXIST says a name is there, not that it is a directory */
		struct stat st;
		if (stat(p, &st) < 0)
			err = al_diag_set(d, AL_EIO, "cannot create directory '%s': %s", p,
			                  strerror(errno));
		else if (!S_ISDIR(st.st_mode))
			err = al_diag_set(d, AL_EIO, "cannot create directory '%s': %s", p,
			                  strerror(EEXIST));
	}
	al_free(p);
	return err;
}

int al_write_full(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int al_pread_full(int fd, void *p, size_t n, uint64_t off)
{
	char *c = p;

	while (n) {
		ssize_t r = pread(fd, c, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		if (r == 0)
			return EIO;
		c += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

al_err al_write_all(int fd, const void *p, size_t n, const char *what, struct al_diag *d)
{
	int e = al_write_full(fd, p, n);

	if (e)
		return al_diag_set(d, e == ENOSPC || e == EDQUOT ? AL_ENOSPACE : AL_EIO,
		                   "cannot write '%s': %s", what, strerror(e));
	return AL_OK;
}

al_err al_fsync_dir(const char *dir, struct al_diag *d)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return al_diag_set(d, AL_EIO, "cannot open directory '%s': %s", dir, strerror(errno));
	if (fsync(fd) < 0 && errno != EINVAL) {
		int e = errno;
		close(fd);
		return al_diag_set(d, AL_EIO, "cannot sync directory '%s': %s", dir, strerror(e));
	}
	close(fd);
	return AL_OK;
}

char *al_path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p;

	while (la > 1 && a[la - 1] == '/')
		la--;
	p = al_malloc(la + lb + 2);
	if (!p)
		return NULL;
	memcpy(p, a, la);
	if (la == 1 && a[0] == '/')
		la = 0; /* "/" and "b" give "/b", not "//b" */
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

al_err al_fsync_close(int *fd, const char *what, struct al_diag *d)
{
	int e;

	if (fsync(*fd) < 0) {
		e = errno;
		return al_diag_set(d, e == ENOSPC || e == EDQUOT ? AL_ENOSPACE : AL_EIO,
		                   "cannot sync '%s': %s", what, strerror(e));
	}
	e = close(*fd) < 0 ? errno : 0;
	*fd = -1;
	if (e)
		return al_diag_set(d, AL_EIO, "cannot close '%s': %s", what, strerror(e));
	return AL_OK;
}

al_err al_write_file_atomic(const char *path, const void *p, size_t n, mode_t mode,
                            struct al_diag *d)
{
	struct al_buf tmp = AL_BUF_INIT, dir = AL_BUF_INIT;
	const char *slash;
	al_err err;
	int fd = -1;

	if ((err = al_buf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid())))
		return al_oom(d);
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		err = al_diag_set(d, AL_EIO, "cannot create '%s': %s", tmp.buf, strerror(errno));
		goto out;
	}
	if ((err = al_write_all(fd, p, n, tmp.buf, d)) || (err = al_fsync_close(&fd, tmp.buf, d)))
		goto out;
	if (rename(tmp.buf, path) < 0) {
		err = al_diag_set(d, AL_EIO, "cannot rename '%s': %s", tmp.buf, strerror(errno));
		goto out;
	}
	slash = strrchr(path, '/');
	if ((err = al_buf_add(&dir, path, slash ? (size_t)(slash - path) : 0)) ||
	    (!slash && (err = al_buf_addstr(&dir, "."))) || (slash == path && (err = al_buf_addstr(&dir, "/")))) {
		err = al_oom(d);
		goto out;
	}
	err = al_fsync_dir(dir.buf, d);
out:
	if (fd >= 0)
		close(fd);
	if (err)
		unlink(tmp.buf);
	al_buf_release(&tmp);
	al_buf_release(&dir);
	return err;
}

/* name in the directory dirfd, and everything under it. */
static void remove_at(int dirfd, const char *name)
{
	struct dirent *e;
	DIR *dh;
	int fd;

	/* a directory: EISDIR from Linux, EPERM from POSIX */
	if (unlinkat(dirfd, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
		return;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (!(dh = fdopendir(fd))) {
		close(fd);
		return;
	}
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			remove_at(fd, e->d_name);
	closedir(dh);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

void al_remove_tree(const char *path)
{
	remove_at(AT_FDCWD, path);
}

al_err al_free_space(const char *path, unsigned long long *out, struct al_diag *d)
{
	struct statvfs st;

	if (statvfs(path, &st) < 0)
		return al_diag_set(d, AL_EIO, "cannot stat file system of '%s': %s", path,
		                   strerror(errno));
	*out = (unsigned long long)st.f_bavail * st.f_frsize;
	return AL_OK;
}

static const char *file_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISLNK(m))
		return "a symbolic link";
	return "not a plain file";
}

al_err al_open_regular(const char *path, unsigned flags, int *fd, struct stat *st,
                       struct al_diag *d)
{
	struct stat sb;
	int f, fl;

	*fd = -1;
	/* not even opened when it is plainly no regular file (opening a device
	 * can act: a tape rewinds); the fstat below catches a swap after this */
	if ((flags & AL_OPEN_FOLLOW ? stat(path, &sb) : lstat(path, &sb)) == 0 &&
	    !S_ISREG(sb.st_mode))
		return al_diag_set(d, AL_EINVALID, "'%s' is %s, not a regular file", path,
		                   file_kind(sb.st_mode));
	f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (flags & AL_OPEN_FOLLOW ? 0 : O_NOFOLLOW));
	if (f < 0 && errno == ELOOP && !(flags & AL_OPEN_FOLLOW) && lstat(path, &sb) == 0 &&
	    S_ISLNK(sb.st_mode))
		return al_diag_set(d, AL_EINVALID, "'%s' is a symbolic link, not a regular file",
		                   path);
	if (f < 0)
		return al_diag_set(d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO, "cannot open '%s': %s",
		                   path, strerror(errno));
	if (fstat(f, &sb) < 0) {
		int e = errno;
		close(f);
		return al_diag_set(d, AL_EIO, "cannot stat '%s': %s", path, strerror(e));
	}
	if (!S_ISREG(sb.st_mode)) {
		close(f);
		return al_diag_set(d, AL_EINVALID, "'%s' is %s, not a regular file", path,
		                   file_kind(sb.st_mode));
	}
	if ((fl = fcntl(f, F_GETFL)) < 0 || fcntl(f, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int e = errno;
		close(f);
		return al_diag_set(d, AL_EIO, "cannot open '%s': %s", path, strerror(e));
	}
	if (st)
		*st = sb;
	*fd = f;
	return AL_OK;
}

al_err al_read_regular(struct al_buf *b, const char *path, unsigned flags, size_t max,
                       struct al_diag *d)
{
	struct stat st;
	al_err err;
	int fd;

	if ((err = al_open_regular(path, flags, &fd, &st, d)))
		return err;
	if ((uint64_t)st.st_size > max)
		err = al_diag_set(d, AL_ELIMIT, "'%s' is larger than %zu bytes", path, max);
	else
		err = al_buf_read_fd(b, fd, path, max, d);
	close(fd);
	return err;
}
