/*
 * zipmeta.c: the end of central directory, the central directory entries and
 * one member (stored or deflated) of a zip held in memory, for reading a
 * remote wheel's METADATA from a few ranges (zipmeta.h).
 */
#include "config.h"

#include <string.h>

#include <zlib.h>

#include "pypa/zipmeta.h"

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

al_err al_zip_find_cd(const unsigned char *tail, size_t len, uint64_t total, struct al_zip_cd *out,
                      struct al_diag *d)
{
	size_t i;

	if (len < 22 || total < len)
		return al_diag_set(d, AL_EINVALID, "not a zip file (too short)");
	for (i = len - 22 + 1; i-- > 0;) {
		const unsigned char *e = tail + i;
		uint64_t off, size;

		if (le32(e) != 0x06054b50)
			continue;
		if (22 + (size_t)le16(e + 20) != len - i)
			continue; /* the comment must end the file */
		off = le32(e + 16);
		size = le32(e + 12);
		if (off == 0xffffffffu || size == 0xffffffffu) {
			/* zip64: the locator sits just before */
			const unsigned char *loc, *e64;
			uint64_t e64off;
			if (i < 20 || le32(e - 20) != 0x07064b50)
				return al_diag_set(d, AL_EINVALID, "zip64 archive without a locator");
			loc = e - 20;
			e64off = le64(loc + 8);
			/* the 56-byte record must lie in the tail: with total below
			 * 56, total - 56 would wrap and let any offset through
			 * (found by the zipmeta fuzzer); in bounds, its position
			 * in the tail is at most len - 56 */
			if (total < 56 || e64off < total - len || e64off > total - 56)
				return al_diag_set(d, AL_EINVALID, "zip64 end record outside the tail read");
			e64 = tail + (size_t)(e64off - (total - len));
			if (le32(e64) != 0x06064b50)
				return al_diag_set(d, AL_EINVALID, "bad zip64 end record");
			size = le64(e64 + 40);
			off = le64(e64 + 48);
		}
		if (off > total || size > total - off || size > AL_ZIP_MAX_CD)
			return al_diag_set(d, AL_EINVALID, "zip central directory out of bounds");
		out->offset = off;
		out->size = size;
		return AL_OK;
	}
	return al_diag_set(d, AL_EINVALID, "no zip end of central directory in the last %zu bytes",
	                   len);
}

/* "<dir>.dist-info/METADATA" with one directory level */
static bool is_metadata(const unsigned char *name, size_t n)
{
	static const char suffix[] = ".dist-info/METADATA";
	size_t sl = sizeof(suffix) - 1, i;

	if (n <= sl || memcmp(name + n - sl, suffix, sl))
		return false;
	for (i = 0; i < n - sl; i++)
		if (name[i] == '/' || name[i] == '\\' || name[i] == 0)
			return false;
	return true;
}

al_err al_zip_find_metadata(const unsigned char *cd, size_t len, uint64_t total,
                            struct al_zip_member *out, struct al_diag *d)
{
	size_t p = 0;

	while (p + 46 <= len && le32(cd + p) == 0x02014b50) {
		size_t nlen = le16(cd + p + 28), xlen = le16(cd + p + 30), clen = le16(cd + p + 32);
		const unsigned char *name = cd + p + 46;
		if (p + 46 + nlen + xlen + clen > len)
			break;
		if (is_metadata(name, nlen)) {
			uint64_t csize = le32(cd + p + 20), usize = le32(cd + p + 24), off = le32(cd + p + 42);
			const unsigned char *x = name + nlen, *xend = x + xlen;
			/* zip64 extra field: the fields that are 0xffffffff, in order */
			while (x + 4 <= xend) {
				uint16_t id = le16(x), sz = le16(x + 2);
				const unsigned char *v = x + 4;
				if (v + sz > xend)
					break;
				if (id == 0x0001) {
					const unsigned char *q = v;
					if (usize == 0xffffffffu && q + 8 <= v + sz) {
						usize = le64(q);
						q += 8;
					}
					if (csize == 0xffffffffu && q + 8 <= v + sz) {
						csize = le64(q);
						q += 8;
					}
					if (off == 0xffffffffu && q + 8 <= v + sz)
						off = le64(q);
				}
				x = v + sz;
			}
			out->local_offset = off;
			out->csize = csize;
			out->usize = usize;
			/* offsets and sizes come from the server: the local header
			 * (30 bytes at least) and the data must lie inside the file */
			if (off >= total || total - off < 30 || csize > total - off - 30)
				return al_diag_set(d, AL_EINVALID, "METADATA lies outside the zip file "
				                   "(offset %llu, %llu bytes, in %llu)", (unsigned long long)off,
				                   (unsigned long long)csize, (unsigned long long)total);
			out->method = le16(cd + p + 10);
			if (out->method != 0 && out->method != 8)
				return al_diag_set(d, AL_EUNSUPPORTED, "METADATA is compressed with zip method %u",
				                   out->method);
			return AL_OK;
		}
		p += 46 + nlen + xlen + clen;
	}
	return al_diag_set(d, AL_ENOTFOUND, "no .dist-info/METADATA in the zip central directory");
}

al_err al_zip_member_data(const unsigned char *buf, size_t len, const struct al_zip_member *m,
                          size_t max, struct al_buf *out, uint64_t *need, struct al_diag *d)
{
	uint64_t start, end;
	al_err err;

	*need = 0;
	if (m->usize > max || m->csize > max)
		return al_diag_set(d, AL_ELIMIT, "METADATA is larger than %zu bytes", max);
	if (len < 30) {
		*need = 30 + 1024 + m->csize;
		return AL_ENOTFOUND;
	}
	if (le32(buf) != 0x04034b50)
		return al_diag_set(d, AL_EINVALID, "bad zip local header");
	start = 30 + (uint64_t)le16(buf + 26) + le16(buf + 28);
	end = start + m->csize;
	if (end > len) {
		*need = end;
		return AL_ENOTFOUND;
	}
	if (m->method == 0) {
		if (m->csize != m->usize)
			return al_diag_set(d, AL_EINVALID, "stored METADATA with two sizes");
		if ((err = al_buf_add(out, buf + start, (size_t)m->csize)))
			return al_oom(d);
		return AL_OK;
	}
	{
		z_stream z;
		size_t before = out->len;
		int rc;

		memset(&z, 0, sizeof(z));
		if (inflateInit2(&z, -15) != Z_OK)
			return al_diag_set(d, AL_ENOMEM, "cannot start zlib");
		if ((err = al_buf_grow(out, (size_t)m->usize + 1))) {
			inflateEnd(&z);
			return al_oom(d);
		}
		z.next_in = (unsigned char *)(uintptr_t)(buf + start);
		z.avail_in = (uInt)m->csize;
		z.next_out = (unsigned char *)out->buf + out->len;
		z.avail_out = (uInt)m->usize + 1;
		rc = inflate(&z, Z_FINISH);
		inflateEnd(&z);
		if (rc != Z_STREAM_END || z.total_out != m->usize) {
			out->buf[before] = '\0';
			return al_diag_set(d, AL_EINVALID, "METADATA does not inflate to its declared size");
		}
		out->len += (size_t)m->usize;
		out->buf[out->len] = '\0';
	}
	return AL_OK;
}
