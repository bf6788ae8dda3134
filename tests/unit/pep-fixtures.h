/*
 * pep-fixtures.h: runs a fixture file of fixtures/pep440 or fixtures/pep508
 * through pep_answer() and compares with the expected answers written in
 * it. Each line: the request's fields, a tab, the expected answer (escaped
 * as the answer is printed). Header-only, for test-pep440 and test-pep508.
 */
#ifndef AL_PEP_FIXTURES_H
#define AL_PEP_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pep-requests.h"
#include "tap.h"

#define PEP_MAXF 512

/* Make the request from a fixture line's request part: cmd, then fields;
 * for 'K' the environment field "k=v;k=v" (or "-") becomes fields. */
static int pep_request(char cmd, char *req, char **f, char *cmdbuf)
{
	int n;

	cmdbuf[0] = cmd;
	cmdbuf[1] = '\0';
	f[0] = cmdbuf;
	n = 1 + pep_split(req, f + 1, PEP_MAXF - 2);
	if (cmd == 'K' && n == 3) {
		char *env = f[2], *semi;

		n = 2;
		if (strcmp(env, "-") != 0) {
			while (env && n < PEP_MAXF - 1) {
				semi = strchr(env, ';');
				if (semi)
					*semi++ = '\0';
				if (*env)
					f[n++] = env;
				env = semi;
			}
		}
	}
	return n;
}

/* nreq: how many leading fields form the request. For 'F' lines the
 * expected indices come third, before the versions. Returns failures. */
static int pep_run_fixture(const char *name, char cmd, int nreq)
{
	char path[4096], *line = NULL, *f[PEP_MAXF], cmdbuf[2];
	size_t cap = 0, lineno = 0, cases = 0, failed = 0;
	ssize_t len;
	FILE *in;

	snprintf(path, sizeof(path), "%s/fixtures/%s", tap_srcdir(), name);
	in = fopen(path, "r");
	if (!in) {
		ok(0, "open %s", path);
		return 1;
	}
	while ((len = getline(&line, &cap, in)) >= 0) {
		char *expect, *req, *p, *got = NULL, want[64];
		size_t gotlen = 0;
		FILE *out;
		int k, n;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		/* split off the expected part: after nreq tabs (F: the third field) */
		req = line;
		p = line;
		for (k = 0; k < nreq && p; k++) {
			p = strchr(p, '\t');
			if (p)
				p++;
		}
		if (!p)
			continue;
		p[-1] = '\0';
		expect = p;
		if (cmd == 'F') {
			/* spec, mode | indices | versions... */
			char *rest = strchr(expect, '\t');
			static char reqbuf[65536];

			if (!rest)
				continue;
			*rest++ = '\0';
			snprintf(want, sizeof(want), "ok\t%s", strcmp(expect, "-") ? expect : "");
			snprintf(reqbuf, sizeof(reqbuf), "%s\t%s", req, rest);
			req = reqbuf;
			expect = want;
		}
		n = pep_request(cmd, req, f, cmdbuf);
		out = open_memstream(&got, &gotlen);
		if (!out)
			exit(99);
		pep_answer(out, f, n);
		fclose(out);
		cases++;
		if (strcmp(got, expect) != 0) {
			if (failed++ < 25)
				diag("%s:%zu: got '%s', want '%s'", name, lineno, got, expect);
		}
		free(got);
	}
	free(line);
	fclose(in);
	ok(failed == 0 && cases > 0, "%s: %zu cases, %zu differ", name, cases, failed);
	return (int)failed;
}

#endif
