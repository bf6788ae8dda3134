/*
 * file-input.h: for harnesses whose parser reads a file by path (manifest,
 * lock): the input is written to one temporary file per process.
 */
#ifndef AL_FUZZ_FILE_INPUT_H
#define AL_FUZZ_FILE_INPUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
	static char path[64];
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/airlock-fuzz-%ld%s", (long)getpid(), suffix);
	if (!(f = fopen(path, "wb")))
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f))
		abort();
	return path;
}

#endif
