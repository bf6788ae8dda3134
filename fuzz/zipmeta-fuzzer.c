/*
 * zipmeta-fuzzer.c: a hostile wheel read the way the lock reads a large one
 * with range requests (lib/net/remotezip.c over lib/pypa/zipmeta.c): the
 * input is the whole file; its last AL_ZIP_TAIL bytes give the end of the
 * central directory, the central directory gives METADATA's member, and the
 * member's local header and data are read with as many bytes as the parser
 * asks for, never past the end of the file. Every offset the parser hands
 * back must lie inside the file, and the text it returns is at most the
 * cap asked for.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "pypa/zipmeta.h"

#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TEXT_MAX ((size_t)1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf text = AL_BUF_INIT;
	struct al_zip_cd cd;
	struct al_zip_member m;
	size_t at = size > AL_ZIP_TAIL ? size - AL_ZIP_TAIL : 0, len;
	uint64_t need = 0;
	al_err err;

	if (size > (8u << 20))
		return 0;
	if (al_zip_find_cd(data + at, size - at, size, &cd, &d))
		return 0;
	if (cd.offset > size || cd.size > size - cd.offset)
		abort(); /* the parser promised a directory inside the file */
	if (al_zip_find_metadata(data + cd.offset, (size_t)cd.size, size, &m, &d))
		return 0;
	if (m.local_offset >= size)
		abort();
	/* first with a short read, as remotezip does when the member is not in
	 * what it holds, then with what the parser says it needs */
	len = size - (size_t)m.local_offset < 30 ? size - (size_t)m.local_offset : 30;
	err = al_zip_member_data(data + m.local_offset, len, &m, TEXT_MAX, &text, &need, &d);
	if (err == AL_ENOTFOUND && need) {
		al_buf_release(&text);
		if (m.local_offset + need > size)
			return 0; /* remotezip falls back to the whole wheel */
		err = al_zip_member_data(data + m.local_offset, (size_t)need, &m, TEXT_MAX, &text,
		                         &need, &d);
	}
	if (!err && text.len > TEXT_MAX)
		abort();
	al_buf_release(&text);
	return 0;
}
