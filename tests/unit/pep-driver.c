/*
 * pep-driver: reads requests on stdin, one per line, and prints one answer
 * line each; scripts/crosscheck-packaging.py runs the same requests through
 * Python's packaging and compares. Fields are tab-separated and escaped as
 * in pep-escape.h.
 *
 *   V  version               ok str public base is_pre is_post is_dev | invalid
 *   C  a b                   -1 | 0 | 1 | invalid
 *   S  specset               ok str prereleases(1|-1) | invalid
 *   M  specset version mode  1 | 0 | invalid          (mode -1, 0, 1)
 *   F  specset mode v...     ok indices-kept(comma) | invalid
 *   R  requirement           ok name norm extras spec url marker str | error column
 *   K  marker [k=v...]       ok str result(1|0|error) | error column
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "pep-requests.h"

#define MAXF 512

int main(void)
{
	char *line = NULL, *f[MAXF];
	size_t cap = 0;
	ssize_t len;
	int n;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		n = pep_split(line, f, MAXF);
		pep_answer(stdout, f, n);
		putchar('\n');
	}
	free(line);
	return fflush(stdout) || ferror(stdout) ? 1 : 0;
}
