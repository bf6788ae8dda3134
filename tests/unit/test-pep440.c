/*
 * test-pep440: PEP 440 versions and specifiers against the fixtures
 * (fixtures/pep440/, answers of packaging 26.x) and a few API checks.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "pep-fixtures.h"

/* Every version of a group is greater than all before it. */
static void check_ordered(void)
{
	char path[4096], *line = NULL;
	struct al_version vs[256];
	size_t cap = 0, n = 0, bad = 0, pairs = 0, i, j;
	ssize_t len;
	FILE *in;

	snprintf(path, sizeof(path), "%s/fixtures/pep440/ordered.txt", tap_srcdir());
	in = fopen(path, "r");
	if (!ok(in != NULL, "open %s", path))
		return;
	for (;;) {
		len = getline(&line, &cap, in);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len < 0 || strcmp(line, "%%") == 0) {
			for (i = 0; i < n; i++) {
				for (j = 0; j < n; j++) {
					int c = al_version_cmp(&vs[i], &vs[j]), want = (i > j) - (i < j);

					pairs++;
					if ((c > 0) - (c < 0) != want && bad++ < 10)
						diag("ordered: '%s' vs '%s' gives %d", vs[i].text, vs[j].text,
						     c);
				}
			}
			for (i = 0; i < n; i++)
				al_version_release(&vs[i]);
			n = 0;
			if (len < 0)
				break;
			continue;
		}
		if (!len || line[0] == '#' || n == 256)
			continue;
		if (al_version_parse(&vs[n], pep_unescape(line), NULL) == AL_OK)
			n++;
		else if (bad++ < 10)
			diag("ordered: '%s' does not parse", line);
	}
	free(line);
	fclose(in);
	ok(bad == 0 && pairs > 1000, "ordered.txt: %zu pairs in order", pairs);
}

static void check_api(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_version a, b, c;
	struct al_specset set = AL_SPECSET_INIT;
	struct al_buf buf = AL_BUF_INIT;
	const struct al_version *vs[3];
	bool keep[3], yes;

	is_int(al_version_parse(&a, "1.0-", &d), AL_EPARSE, "1.0- is invalid");
	is_str(d.msg, "invalid version '1.0-': unexpected '-' at column 4", "with the column");
	is_int(al_version_parse(&a, "", &d), AL_EPARSE, "empty is invalid");
	ok(strstr(d.msg, "empty") != NULL, "and says so: %s", d.msg);
	is_int(al_version_parse(&a, "1.0\x01", &d), AL_EPARSE, "control characters are quoted");
	ok(strstr(d.msg, "\\x01") != NULL, "as \\x01: %s", d.msg);

	al_version_parse(&a, " V1!2.0.0-Preview_3.REV-4-DEV.5+Ubuntu-01_x ", &d);
	al_version_str(&a, &buf);
	is_str(buf.buf, "1!2.0.0rc3.post4.dev5+ubuntu.1.x", "every alternative spelling");
	al_buf_reset(&buf);
	al_version_public_str(&a, &buf);
	is_str(buf.buf, "1!2.0.0rc3.post4.dev5", "public");
	al_buf_reset(&buf);
	al_version_base_str(&a, &buf);
	is_str(buf.buf, "1!2.0.0", "base_version");
	ok(al_version_is_prerelease(&a) && al_version_is_postrelease(&a) &&
	   al_version_is_devrelease(&a), "pre, post and dev");

	al_version_parse(&b, "1.000000000000000000000000000000000000042", &d);
	al_version_parse(&c, "1.41", &d);
	ok(al_version_cmp(&b, &c) > 0, "big numbers compare by value");
	al_buf_reset(&buf);
	al_version_str(&b, &buf);
	is_str(buf.buf, "1.42", "and print without leading zeros");
	al_version_release(&b);
	al_version_parse(&b, "1.123456789012345678901234567890", &d);
	ok(al_version_cmp(&b, &c) > 0 && al_version_cmp(&c, &b) < 0, "big > small");
	al_buf_reset(&buf);
	al_version_str(&b, &buf);
	is_str(buf.buf, "1.123456789012345678901234567890", "big numbers print whole");

	/* filter with parsed versions: the PEP 440 default */
	is_int(al_specset_parse(&set, ">=1.0", &d), AL_OK, "parse >=1.0");
	al_version_release(&b);
	al_version_release(&c);
	al_version_parse(&b, "1.0", &d);
	al_version_parse(&c, "2.0a1", &d);
	vs[0] = &b;
	vs[1] = &c;
	is_int(al_specset_filter(&set, vs, NULL, 2, -1, keep), 1, "a final hides pre-releases");
	ok(keep[0] && !keep[1], "1.0 kept, 2.0a1 dropped");
	is_int(al_specset_filter(&set, vs + 1, NULL, 1, -1, keep), 1, "a lone pre-release stays");
	is_int(al_specset_filter(&set, vs, NULL, 2, 1, keep), 2, "prereleases=1 keeps both");
	is_int(al_specset_filter(&set, vs + 1, NULL, 1, 0, keep), 0, "prereleases=0 drops it");
	ok(al_specset_contains(&set, &c, -1), "contains 2.0a1 by default (26.x)");
	ok(!al_specset_contains(&set, &c, 0), "not with prereleases=0");
	al_specset_release(&set);

	is_int(al_specset_parse(&set, ">=1.0.*", &d), AL_EPARSE, ">=1.0.* is invalid");
	ok(strstr(d.msg, ".* suffix can only be used with == or !=") != NULL, "%s", d.msg);
	is_int(al_specset_parse(&set, "~=1", &d), AL_EPARSE, "~=1 is invalid");
	ok(strstr(d.msg, "two release segments") != NULL, "%s", d.msg);
	is_int(al_specset_parse(&set, "<1.0+local", &d), AL_EPARSE, "<1.0+local is invalid");
	ok(strstr(d.msg, "local version label") != NULL, "%s", d.msg);
	is_int(al_specset_parse(&set, "==1.0a1.*", &d), AL_EPARSE, "==1.0a1.* is invalid");
	ok(strstr(d.msg, "cannot be used with pre-release") != NULL, "%s", d.msg);
	is_int(al_specset_parse(&set, "1.0", &d), AL_EPARSE, "no operator");
	ok(strstr(d.msg, "expected an operator") != NULL, "%s", d.msg);

	is_int(al_specset_parse(&set, "===foobar", &d), AL_OK, "===foobar");
	is_int(al_specset_contains_str(&set, "FooBar", -1, &yes, &d), AL_OK, "contains a string");
	ok(yes, "=== is case-insensitive on the raw string");
	al_specset_release(&set);

	is_int(al_spec_prefix_len(">=1.0abc", 8), 6, "prefix scan stops after >=1.0a");
	is_int(al_spec_prefix_len("==1!x", 5), 3, "an epoch without release is given back");
	is_int(al_spec_prefix_len("~=1", 3), 0, "~= needs two release parts");
	is_int(al_spec_prefix_len("=== a;b", 7), 5, "=== stops at ';'");

	al_version_release(&a);
	al_version_release(&b);
	al_version_release(&c);
	al_buf_release(&buf);
}

/* Out of memory anywhere in parsing fails cleanly (the sanitizer build
 * checks for leaks). */
static void check_oom(void)
{
	struct al_version v;
	struct al_specset set;
	int i, fails = 0;

	for (i = 0; i < 8; i++) {
		al_mem_fail_after(i, 1);
		if (al_version_parse(&v, "1.0+local.1", NULL) == AL_ENOMEM)
			fails++;
		else
			al_version_release(&v);
		if (al_specset_parse(&set, ">=1.0,<2,==1.5.*", NULL) == AL_ENOMEM)
			fails++;
		else
			al_specset_release(&set);
		al_mem_fail_after(-1, 0);
	}
	ok(fails > 0, "allocation failures are reported (%d)", fails);
}

int main(void)
{
	pep_run_fixture("pep440/versions.txt", 'V', 1);
	pep_run_fixture("pep440/compare.txt", 'C', 2);
	pep_run_fixture("pep440/specsets.txt", 'S', 1);
	pep_run_fixture("pep440/contains.txt", 'M', 3);
	pep_run_fixture("pep440/filter.txt", 'F', 2);
	check_ordered();
	check_api();
	check_oom();
	return done_testing();
}
