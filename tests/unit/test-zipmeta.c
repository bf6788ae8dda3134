/* lib/pypa/zipmeta.c: METADATA out of a wheel the way range reads see it. */
#include "config.h"

#include "core/buf.h"
#include "tap.h"
#include "pypa/zipmeta.h"

static void read_fixture(const char *name, struct al_buf *b)
{
	struct al_buf p = AL_BUF_INIT;
	struct al_diag d = AL_DIAG_INIT;

	al_buf_addf(&p, "%s/fixtures/zip/%s", tap_srcdir(), name);
	if (al_buf_read_file(b, p.buf, 1 << 20, &d))
		diag("%s", d.msg);
	al_buf_release(&p);
}

/* Do what the index client does: the tail, the central directory, the member. */
static al_err extract(const struct al_buf *zip, size_t tail, struct al_buf *out, struct al_diag *d)
{
	const unsigned char *z = (const unsigned char *)zip->buf;
	size_t at = zip->len > tail ? zip->len - tail : 0;
	struct al_zip_cd cd;
	struct al_zip_member m;
	uint64_t need;
	al_err err;

	if ((err = al_zip_find_cd(z + at, zip->len - at, zip->len, &cd, d)))
		return err;
	if ((err = al_zip_find_metadata(z + cd.offset, (size_t)cd.size, zip->len, &m, d)))
		return err;
	err = al_zip_member_data(z + m.local_offset, 10, &m, 1 << 20, out, &need, d);
	if (err != AL_ENOTFOUND || !need)
		return AL_EINTERNAL; /* 10 bytes cannot be enough */
	if (m.local_offset + need > zip->len)
		need = zip->len - m.local_offset;
	return al_zip_member_data(z + m.local_offset, (size_t)need, &m, 1 << 20, out, &need, d);
}

int main(void)
{
	static const char *const names[] = { "deflated.whl", "stored.whl", "zip64.whl" };
	struct al_buf meta = AL_BUF_INIT, zip = AL_BUF_INIT, out = AL_BUF_INIT;
	struct al_diag d = AL_DIAG_INIT;
	size_t i;

	read_fixture("METADATA", &meta);
	for (i = 0; i < 3; i++) {
		al_buf_reset(&zip);
		al_buf_reset(&out);
		read_fixture(names[i], &zip);
		is_int(extract(&zip, 65536, &out, &d), AL_OK, "%s: METADATA found", names[i]);
		ok(out.len == meta.len && !memcmp(out.buf, meta.buf, meta.len), "%s: the bytes match", names[i]);
		al_buf_reset(&out);
		is_int(extract(&zip, 100, &out, &d), AL_OK, "%s: from a short tail too", names[i]);
	}

	/* hostile archives */
	read_fixture("deflated.whl", &zip);
	{
		struct al_zip_cd cd;
		struct al_zip_member m;
		unsigned char *z = (unsigned char *)zip.buf;
		uint64_t need;
		size_t eocd = zip.len - 22;

		is_int(al_zip_find_cd(z, 10, 10, &cd, &d), AL_EINVALID, "too short for a zip");
		ok(z[eocd] == 0x50 && z[eocd + 1] == 0x4b, "the end record is last");
		z[eocd + 16] = 0xff; /* central directory offset beyond the file */
		z[eocd + 17] = 0xff;
		z[eocd + 18] = 0xff;
		z[eocd + 19] = 0x7f;
		is_int(al_zip_find_cd(z, zip.len, zip.len, &cd, &d), AL_EINVALID,
		       "a central directory outside the file is refused");
		ok(strstr(d.msg, "out of bounds") != NULL, "saying so: %s", d.msg);
		memset(z, 0, 4);
		m.local_offset = 0;
		m.csize = m.usize = 5;
		m.method = 0;
		al_buf_reset(&out);
		is_int(al_zip_member_data(z, 100, &m, 1 << 20, &out, &need, &d), AL_EINVALID,
		       "a bad local header is refused");
		m.usize = 2u << 20;
		is_int(al_zip_member_data(z, 100, &m, 1 << 20, &out, &need, &d), AL_ELIMIT,
		       "a METADATA larger than the cap is refused");
		is_int(al_zip_find_metadata(z, 10, 100, &m, &d), AL_ENOTFOUND, "garbage has no METADATA");
	}
	/* a deflated member whose declared size lies */
	al_buf_reset(&zip);
	read_fixture("deflated.whl", &zip);
	{
		const unsigned char *z = (const unsigned char *)zip.buf;
		struct al_zip_cd cd;
		struct al_zip_member m;
		uint64_t need;
		al_zip_find_cd(z, zip.len, zip.len, &cd, &d);
		al_zip_find_metadata(z + cd.offset, (size_t)cd.size, zip.len, &m, &d);
		m.usize += 7;
		al_buf_reset(&out);
		is_int(al_zip_member_data(z + m.local_offset, zip.len - (size_t)m.local_offset, &m, 1 << 20,
		                          &out, &need, &d), AL_EINVALID, "a size that does not inflate is refused");
	}
	/* a central directory entry that points outside the file (a hostile
	 * server): 32-bit and zip64 offsets, a size that would wrap */
	{
		static const char name[] = "x-1.dist-info/METADATA";
		unsigned char e[46 + sizeof(name) - 1 + 4 + 24];
		struct al_zip_member m;
		size_t nlen = sizeof(name) - 1;
		memset(e, 0, sizeof(e));
		e[0] = 0x50, e[1] = 0x4b, e[2] = 0x01, e[3] = 0x02;
		e[28] = (unsigned char)nlen;
		memcpy(e + 46, name, nlen);
		e[42] = 0xf0, e[43] = 0xff, e[44] = 0xff, e[45] = 0x7f; /* local header at 2 GiB */
		is_int(al_zip_find_metadata(e, 46 + nlen, 4096, &m, &d), AL_EINVALID,
		       "a local header past the end of the file is refused");
		ok(strstr(d.msg, "outside the zip file") != NULL, "  and says so: %s", d.msg);
		memset(e + 42, 0, 4);
		e[20] = 0x00, e[21] = 0x10; /* 4096 compressed bytes at offset 0 of a 4096-byte file */
		is_int(al_zip_find_metadata(e, 46 + nlen, 4096, &m, &d), AL_EINVALID,
		       "data running past the end of the file is refused");
		/* zip64: offset 2^64 - 100 and size 0, which would wrap to a small end */
		memset(e + 20, 0xff, 8);
		memset(e + 42, 0xff, 4);
		e[30] = 28;
		{
			unsigned char *x = e + 46 + nlen;
			x[0] = 0x01, x[2] = 24;
			memset(x + 4, 0, 16);          /* usize 0, csize 0 */
			memset(x + 20, 0xff, 8);
			x[20] = 0x9c;                  /* offset 0xffffffffffffff9c */
		}
		is_int(al_zip_find_metadata(e, sizeof(e), 4096, &m, &d), AL_EINVALID,
		       "a zip64 offset near 2^64 is refused");
	}
	/* a file shorter than a zip64 end record, whose locator points 56 bytes
	 * before the tail: total - 56 used to wrap and let it through, and the
	 * record was read from before the buffer (found by the zipmeta fuzzer) */
	{
		unsigned char f[20 + 22];
		struct al_zip_cd cd;
		unsigned char *loc = f, *eocd = f + 20;
		memset(f, 0, sizeof(f));
		loc[0] = 0x50, loc[1] = 0x4b, loc[2] = 0x06, loc[3] = 0x07;
		memset(loc + 8, 0xff, 8);
		loc[8] = 0xc8;                     /* e64off = 2^64 - 56 */
		eocd[0] = 0x50, eocd[1] = 0x4b, eocd[2] = 0x05, eocd[3] = 0x06;
		memset(eocd + 12, 0xff, 8);        /* size and offset: see zip64 */
		is_int(al_zip_find_cd(f, sizeof(f), sizeof(f), &cd, &d), AL_EINVALID,
		       "a zip64 end record that cannot fit a tiny file is refused");
		ok(strstr(d.msg, "zip64 end record outside") != NULL, "  and says so: %s", d.msg);
	}
	al_buf_release(&meta);
	al_buf_release(&zip);
	al_buf_release(&out);
	return done_testing();
}
