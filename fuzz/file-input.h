/*
 * file-input.h: for harnesses whose parser reads a file by path (manifest,
 * lock): the input is written to one temporary file per process, removed
 * when the process exits (a crash leaves it: scripts/fuzz removes those).
 */
#ifndef AL_FUZZ_FILE_INPUT_H
#define AL_FUZZ_FILE_INPUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_file_path[64];

static void fuzz_file_remove(void)
{
	unlink(fuzz_file_path);
}

static inline const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
	char *path = fuzz_file_path;
	FILE *f;

	if (!path[0]) {
		snprintf(path, sizeof(fuzz_file_path), "/tmp/airlock-fuzz-%ld%s", (long)getpid(),
		         suffix);
		atexit(fuzz_file_remove);
	}
	if (!(f = fopen(path, "wb")))
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f))
		abort();
	return path;
}

#endif
