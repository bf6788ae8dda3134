/* lib/core/hashpipe.c through its interface: what goes in is hashed and
 * written byte for byte (copied in uneven pieces, read from a file, empty),
 * and the failures in the middle are reported and end cleanly (threads
 * joined, nothing past the failure hashed as if it were whole): a write
 * that fails (ENOSPC on /dev/full, EBADF), a read that fails after some
 * megabytes, a file longer than expected, and a pipe freed half way.
 * Borrowed memory (al_hashpipe_put_ref): a few caller buffers reused as
 * soon as al_hashpipe_wait says so, mixed with copied pieces, give the same
 * digest and bytes (a buffer refilled too early would change both).
 * Direct writes: full buffers go to a file that takes O_DIRECT without the
 * page cache, the unaligned tail after them through it; an unaligned
 * borrowed piece first, or an unaligned start offset, means no direct
 * write at all; a file system without O_DIRECT (tmpfs, where the kernel
 * refuses it) gets the same bytes; and the descriptor is handed back
 * without O_DIRECT whatever happened. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "airlock.h"
#include "core/hash.h"
#include "core/hashpipe.h"
#include "core/mem.h"
#include "tap.h"

static char *tmpl(char *path)
{
	int fd = mkstemp(path);

	if (fd >= 0)
		close(fd);
	return path;
}

static unsigned char *pattern(size_t n)
{
	unsigned char *p = al_malloc(n ? n : 1);
	uint32_t x = 2463534242u;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
	return p;
}

/* The file's bytes equal data[0..n). */
static bool file_is(const char *path, const unsigned char *data, size_t n)
{
	int fd = open(path, O_RDONLY);
	unsigned char *got = al_malloc(n + 1);
	size_t have = 0;
	ssize_t r;
	bool same;

	while (fd >= 0 && (r = read(fd, got + have, n + 1 - have)) > 0)
		have += (size_t)r;
	same = fd >= 0 && have == n && memcmp(got, data, n) == 0;
	if (fd >= 0)
		close(fd);
	al_free(got);
	return same;
}

/* Copy data through a pipe into path in pieces of `piece` bytes. */
static al_err copy_in(const char *path, const unsigned char *data, size_t n, size_t piece,
                      char hex[AL_SHA256_HEX], struct al_diag *d)
{
	struct al_hashpipe *p = NULL;
	struct al_hash h;
	size_t at = 0;
	al_err err;
	int fd = open(path, O_WRONLY | O_TRUNC);

	if ((err = al_hash_init(&h, AL_HASH_SHA256, d)))
		return err;
	if ((err = al_hashpipe_new(&p, &h, fd, path, d))) {
		al_hash_release(&h);
		close(fd);
		return err;
	}
	while (!err && at < n) {
		size_t k = n - at < piece ? n - at : piece;
		err = al_hashpipe_write(p, data + at, k, d);
		at += k;
	}
	if (!err)
		err = al_hashpipe_finish(p, d);
	al_hashpipe_free(p);
	al_hash_final_hex(&h, hex);
	close(fd);
	return err;
}

struct failing_src {
	int fd;
	uint64_t left; /* bytes before the error */
};

static ssize_t failing_read(void *ctx, void *buf, size_t n)
{
	struct failing_src *s = ctx;
	ssize_t r;

	if (s->left == 0) {
		errno = EIO;
		return -1;
	}
	if (n > s->left)
		n = (size_t)s->left;
	r = read(s->fd, buf, n);
	if (r > 0)
		s->left -= (uint64_t)r;
	return r;
}

int main(void)
{
	struct al_diag d = AL_DIAG_INIT;
	char hex[AL_SHA256_HEX], want[AL_SHA256_HEX], hex2[AL_SHA256_HEX];
	char src[] = "/tmp/airlock-test-hashpipe-src-XXXXXX";
	char dst[] = "/tmp/airlock-test-hashpipe-dst-XXXXXX";
	const size_t big = 3 * AL_HASHPIPE_SLOTS * AL_HASHPIPE_SLOT + 12345;
	unsigned char *data = pattern(big);
	struct al_hashpipe *p = NULL;
	struct al_hash h;
	struct stat st;
	uint64_t total;
	al_err err;
	int fd, in;

	tmpl(src);
	tmpl(dst);
	al_sha256_hex(data, big, want);

	/* copied in, in pieces that straddle the buffers */
	ok(!copy_in(dst, data, big, 777777, hex, &d), "copy of %zu bytes in 777777-byte pieces", big);
	is_str(hex, want, "every byte hashed");
	ok(file_is(dst, data, big), "every byte written, in order");
	ok(!copy_in(dst, data, big, big, hex, &d) && !strcmp(hex, want),
	   "one call with everything: the same digest");
	ok(!copy_in(dst, data, big, 16384, hex, &d) && !strcmp(hex, want) &&
	   file_is(dst, data, big), "16 KiB pieces (an HTTP transfer's): the same digest and bytes");
	al_sha256_hex(data, 300000, hex2);
	ok(!copy_in(dst, data, 300000, 1, hex, &d) && !strcmp(hex, hex2) &&
	   file_is(dst, data, 300000), "300000 one-byte pieces: the same digest and bytes");
	ok(!copy_in(dst, data, 1, 1, hex, &d) && file_is(dst, data, 1), "one byte");
	ok(!copy_in(dst, data, 0, 1, hex, &d) && file_is(dst, data, 0), "nothing at all");
	al_sha256_hex("", 0, want);
	is_str(hex, want, "nothing: the empty digest");

	/* borrowed: three caller buffers, each refilled once the pipe is done
	 * with it, copied pieces in between */
	{
		enum { NB = 3, PIECE = 100003 };
		unsigned char *bufs[NB];
		uint64_t tickets[NB] = { 0 };
		size_t at = 0, k;
		unsigned j = 0;

		for (k = 0; k < NB; k++)
			bufs[k] = al_malloc(PIECE);
		al_sha256_hex(data, big, want);
		fd = open(dst, O_WRONLY | O_TRUNC);
		err = al_hash_init(&h, AL_HASH_SHA256, &d);
		ok(!err && !al_hashpipe_new(&p, &h, fd, dst, &d), "a pipe starts");
		while (!err && at < big) {
			unsigned char *b = bufs[j % NB];
			k = big - at < PIECE ? big - at : PIECE;
			if (j % 7 == 6) { /* now and then a copied piece */
				err = al_hashpipe_write(p, data + at, k, &d);
			} else {
				al_hashpipe_wait(p, tickets[j % NB]);
				memcpy(b, data + at, k);
				err = al_hashpipe_put_ref(p, b, k, &tickets[j % NB], &d);
			}
			at += k;
			j++;
		}
		ok(!err && !al_hashpipe_finish(p, &d), "%u pieces, most borrowed", j);
		al_hashpipe_free(p);
		al_hash_final_hex(&h, hex);
		is_str(hex, want, "borrowed: every byte hashed");
		ok(file_is(dst, data, big), "borrowed: every byte written, in order");
		close(fd);

		/* a write that fails: borrowing fails too, and waiting ends */
		memset(tickets, 0, sizeof(tickets)); /* the last pipe's */
		fd = open(src, O_RDONLY);
		err = al_hash_init(&h, AL_HASH_SHA256, &d);
		ok(!err && !al_hashpipe_new(&p, &h, fd, src, &d), "a pipe to a read-only descriptor");
		for (at = 0, j = 0; !err && at < big; at += PIECE, j++) {
			al_hashpipe_wait(p, tickets[j % NB]);
			err = al_hashpipe_put_ref(p, data + at, big - at < PIECE ? big - at : PIECE,
			                          &tickets[j % NB], &d);
		}
		is_int(err, AL_EIO, "borrowing after a failed write: %s", d.msg);
		is_int(al_hashpipe_finish(p, &d), AL_EIO, "finish reports it too");
		al_hashpipe_free(p);
		al_hash_release(&h);
		close(fd);
		for (k = 0; k < NB; k++)
			al_free(bufs[k]);
	}

	/* read from a file straight into the buffers */
	fd = open(src, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && write(fd, data, big) == (ssize_t)big, "source file written");
	close(fd);
	al_sha256_hex(data, big, want);
	in = open(src, O_RDONLY);
	fd = open(dst, O_WRONLY | O_TRUNC);
	total = 0;
	err = al_hash_init(&h, AL_HASH_SHA256, &d);
	ok(!err && !al_hashpipe_new(&p, &h, fd, dst, &d), "a pipe starts");
	ok(!al_hashpipe_read_fd(p, in, big, &total, &d), "a file read to its end at the limit");
	ok(!al_hashpipe_finish(p, &d), "finish");
	al_hashpipe_free(p);
	al_hash_final_hex(&h, hex);
	is_str(hex, want, "read: every byte hashed");
	ok(total == big && file_is(dst, data, big), "read: every byte written");
	close(fd);

	/* a file longer than expected (it grew while read): refused at the limit */
	lseek(in, 0, SEEK_SET);
	fd = open(dst, O_WRONLY | O_TRUNC);
	total = 0;
	err = al_hash_init(&h, AL_HASH_SHA256, &d);
	ok(!err && !al_hashpipe_new(&p, &h, fd, dst, &d), "a pipe starts");
	err = al_hashpipe_read_fd(p, in, big - 5000, &total, &d);
	is_int(err, AL_EVERIFY, "a longer file: %s", d.msg);
	ok(strstr(d.msg, "more than the expected") != NULL, "the message says so");
	ok(!al_hashpipe_finish(p, &d), "finish after the refusal");
	al_hashpipe_free(p);
	al_hash_release(&h);
	ok(total <= big - 5000 && fstat(fd, &st) == 0 && (uint64_t)st.st_size == total,
	   "nothing past the limit hashed or written (%llu bytes)", (unsigned long long)total);
	close(fd);

	/* a read error after some megabytes */
	lseek(in, 0, SEEK_SET);
	{
		struct failing_src fs = { in, 5 * AL_HASHPIPE_SLOT + 3 };
		fd = open(dst, O_WRONLY | O_TRUNC);
		total = 0;
		err = al_hash_init(&h, AL_HASH_SHA256, &d);
		ok(!err && !al_hashpipe_new(&p, &h, fd, dst, &d), "a pipe starts");
		err = al_hashpipe_read(p, failing_read, &fs, UINT64_MAX, &total, &d);
		is_int(err, AL_EIO, "a read error in the middle: %s", d.msg);
		ok(strstr(d.msg, "read error") != NULL, "the message says so");
		ok(!al_hashpipe_finish(p, &d), "the pipe still finishes");
		al_hashpipe_free(p);
		al_hash_final_hex(&h, hex);
		al_sha256_hex(data, (size_t)total, want);
		ok(total == 5 * AL_HASHPIPE_SLOT + 3 && !strcmp(hex, want) &&
		   file_is(dst, data, (size_t)total), "what was read before it: hashed and written");
		close(fd);
	}

	/* a write that fails: no space (/dev/full) */
	fd = open("/dev/full", O_WRONLY);
	if (fd < 0) {
		ok(1, "# SKIP no /dev/full");
	} else {
		err = al_hash_init(&h, AL_HASH_SHA256, &d);
		ok(!err && !al_hashpipe_new(&p, &h, fd, "/dev/full", &d), "a pipe to /dev/full");
		lseek(in, 0, SEEK_SET);
		total = 0;
		err = al_hashpipe_read_fd(p, in, UINT64_MAX, &total, &d);
		is_int(err, AL_ENOSPACE, "no space, while reading: %s", d.msg);
		ok(strstr(d.msg, "cannot write '/dev/full'") != NULL, "the message names the file");
		ok(total < big, "reading stops early (%llu of %zu bytes)", (unsigned long long)total,
		   big);
		is_int(al_hashpipe_finish(p, &d), AL_ENOSPACE, "finish reports it too");
		al_hashpipe_free(p);
		al_hash_release(&h);
		close(fd);
	}

	/* a write that fails: not open for writing, through copying */
	fd = open(src, O_RDONLY);
	err = al_hash_init(&h, AL_HASH_SHA256, &d);
	ok(!err && !al_hashpipe_new(&p, &h, fd, src, &d), "a pipe to a read-only descriptor");
	err = AL_OK;
	for (size_t at = 0; !err && at < big; at += AL_HASHPIPE_SLOT / 2)
		err = al_hashpipe_write(p, data + at,
		                        big - at < AL_HASHPIPE_SLOT / 2 ? big - at : AL_HASHPIPE_SLOT / 2,
		                        &d);
	if (!err)
		err = al_hashpipe_finish(p, &d);
	is_int(err, AL_EIO, "a bad descriptor: %s", d.msg);
	al_hashpipe_free(p);
	al_hash_release(&h);
	close(fd);

	/* direct writes, where the file system takes them */
	{
		static const char *const dirs[] = {"/tmp", "/dev/shm"};
		unsigned k;

		for (k = 0; k < 2; k++) {
			char path[64];
			size_t n = 4 * AL_HASHPIPE_SLOT + 1000; /* full buffers, then a tail */
			uint64_t direct = 0, want_direct;
			int probe, fl;

			snprintf(path, sizeof(path), "%s/airlock-test-hashpipe-dio-XXXXXX", dirs[k]);
			probe = mkstemp(path);
			if (probe < 0) {
				ok(1, "# SKIP no %s", dirs[k]);
				ok(1, "# SKIP no %s", dirs[k]);
				ok(1, "# SKIP no %s", dirs[k]);
				ok(1, "# SKIP no %s", dirs[k]);
				continue;
			}
			fl = fcntl(probe, F_GETFL);
			want_direct = fcntl(probe, F_SETFL, fl | O_DIRECT) == 0 ? 4 * AL_HASHPIPE_SLOT : 0;
			close(probe);

			fd = open(path, O_WRONLY | O_TRUNC);
			err = al_hash_init(&h, AL_HASH_SHA256, &d);
			ok(!err && !al_hashpipe_new(&p, &h, fd, path, &d), "%s: a pipe starts", dirs[k]);
			err = al_hashpipe_write(p, data, n, &d);
			if (!err)
				err = al_hashpipe_finish(p, &d);
			direct = al_hashpipe_direct_bytes(p);
			al_hashpipe_free(p);
			al_hash_final_hex(&h, hex);
			al_sha256_hex(data, n, want);
			ok(!err && !strcmp(hex, want) && file_is(path, data, n),
			   "%s: every byte hashed and written", dirs[k]);
			/* where writes can be refused by the device (EINVAL for
			 * a larger block), fewer may go direct, never more */
			ok(direct <= want_direct && (want_direct == 0 || direct > 0),
			   "%s: %llu bytes written directly (O_DIRECT %s)", dirs[k],
			   (unsigned long long)direct, want_direct ? "taken" : "refused");
			ok(!(fcntl(fd, F_GETFL) & O_DIRECT), "%s: the descriptor comes back buffered",
			   dirs[k]);
			close(fd);
			unlink(path);
		}
	}

	/* an unaligned borrowed piece first, or an unaligned offset: buffered */
	for (int shape = 0; shape < 2; shape++) {
		uint64_t ticket = 0;
		size_t lead = shape == 0 ? 0 : 100;

		fd = open(dst, O_WRONLY | O_TRUNC);
		if (lead)
			ok(write(fd, data, lead) == (ssize_t)lead, "a file begun with %zu bytes", lead);
		err = al_hash_init(&h, AL_HASH_SHA256, &d);
		ok(!err && !al_hashpipe_new(&p, &h, fd, dst, &d), "a pipe starts");
		if (shape == 0)
			err = al_hashpipe_put_ref(p, data + 1, 4095, &ticket, &d);
		if (!err)
			err = al_hashpipe_write(p, data + lead + (shape == 0 ? 4096 : 0),
			                        3 * AL_HASHPIPE_SLOT, &d);
		if (!err)
			err = al_hashpipe_finish(p, &d);
		ok(!err && al_hashpipe_direct_bytes(p) == 0, "%s: nothing written directly",
		   shape == 0 ? "unaligned memory first" : "an unaligned offset");
		al_hashpipe_free(p);
		al_hash_release(&h);
		if (shape == 0) {
			unsigned char *want_bytes = al_malloc(4095 + 3 * AL_HASHPIPE_SLOT);
			memcpy(want_bytes, data + 1, 4095);
			memcpy(want_bytes + 4095, data + 4096, 3 * AL_HASHPIPE_SLOT);
			ok(file_is(dst, want_bytes, 4095 + 3 * AL_HASHPIPE_SLOT),
			   "unaligned memory first: every byte written");
			al_free(want_bytes);
		} else {
			ok(file_is(dst, data, lead + 3 * AL_HASHPIPE_SLOT),
			   "an unaligned offset: every byte written after the lead");
		}
		close(fd);
	}

	/* freed half way, without finishing: threads joined, nothing leaks */
	fd = open(dst, O_WRONLY | O_TRUNC);
	err = al_hash_init(&h, AL_HASH_SHA256, &d);
	ok(!err && !al_hashpipe_new(&p, &h, fd, dst, &d), "a pipe starts");
	ok(!al_hashpipe_write(p, data, 3 * AL_HASHPIPE_SLOT, &d), "some bytes in");
	al_hashpipe_free(p);
	al_hash_release(&h);
	close(fd);
	ok(1, "freed without finishing");

	close(in);
	unlink(src);
	unlink(dst);
	al_free(data);
	return done_testing();
}
