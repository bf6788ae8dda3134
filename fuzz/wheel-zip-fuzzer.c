/*
 * wheel-zip-fuzzer.c: a wheel from the store or the index read for its
 * METADATA, the two ways airlock does it; the first byte picks the reader:
 *   0: through the zip's central directory with pread (al_sbom_wheel_metadata:
 *      the SBOM, fetch's METADATA check)
 *   1: as a stream through libarchive (al_wheel_metadata_fd)
 * Whatever the archive claims, the text returned is at most
 * AL_WHEEL_METADATA_MAX bytes.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/buf.h"
#include "pypa/wheel.h"
#include "review/sbom.h"

#include "file-input.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf out = AL_BUF_INIT;
	const char *path;
	al_err err;
	int fd;

	if (size < 1 || size > (4u << 20))
		return 0;
	path = fuzz_file(data + 1, size - 1, ".whl");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		abort();
	if (data[0] % 2 == 0)
		err = al_sbom_wheel_metadata(fd, &out);
	else
		err = al_wheel_metadata_fd(fd, "fuzz.whl", &out, &d);
	if (!err && out.len > AL_WHEEL_METADATA_MAX)
		abort();
	close(fd);
	al_buf_release(&out);
	return 0;
}
