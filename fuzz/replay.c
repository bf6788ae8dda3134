/*
 * replay.c: a main() for the fuzz harnesses when they are not built with
 * libFuzzer. Runs LLVMFuzzerTestOneInput over every regular file named on
 * the command line or found in a directory named there (not recursive), so
 * that `make check` replays the seed corpora under fixtures/fuzz/<name>/.
 * Arguments starting with '-' (libFuzzer options such as -runs=0) are
 * ignored, so one command line works with both builds. Generic: any
 * harness can link it.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (16u << 20)

static int run_file(const char *path, unsigned long *count)
{
	struct stat st;
	uint8_t *data;
	size_t n;
	FILE *f;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	if ((uintmax_t)st.st_size > REPLAY_MAX_INPUT) {
		fprintf(stderr, "replay: skipping '%s': larger than 16 MiB\n", path);
		return 0;
	}
	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	/* an exact-size copy, so that reads past the end are caught */
	data = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!data) {
		fclose(f);
		return 1;
	}
	n = fread(data, 1, (size_t)st.st_size, f);
	fclose(f);
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	(*count)++;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	int i, bad = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		struct dirent *e;
		DIR *dir;

		if (argv[i][0] == '-')
			continue;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= run_file(argv[i], &count);
			continue;
		}
		dir = opendir(argv[i]);
		if (!dir) {
			perror(argv[i]);
			bad = 1;
			continue;
		}
		while ((e = readdir(dir))) {
			size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
			char *path = malloc(len);

			if (!path)
				return 1;
			snprintf(path, len, "%s/%s", argv[i], e->d_name);
			bad |= run_file(path, &count);
			free(path);
		}
		closedir(dir);
	}
	printf("replayed %lu inputs\n", count);
	return bad;
}
