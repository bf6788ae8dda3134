/* lib/review/osv.c through its interface: OSV records against a lock, one
 * record at a time (al_osv_record) for the range algorithm and hostile
 * records, and fixtures/osv/ (schema-valid records) through al_audit_osv. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/mem.h"
#include "review/osv.h"
#include "tap.h"

#define S(lit) ((char *)(lit)) /* the lock's strings are not const */

static struct al_lock_dist dists[] = {
	{ .name = S("a"), .version = S("1.5") },     { .name = S("a"), .version = S("2.0") },
	{ .name = S("a"), .version = S("2.0rc1") },  { .name = S("b"), .version = S("0.9") },
	{ .name = S("b"), .version = S("1.4") },     { .name = S("b"), .version = S("1.4.1") },
	{ .name = S("b"), .version = S("1.4+cpu") }, { .name = S("c"), .version = S("2.9") },
	{ .name = S("c"), .version = S("3.0") },     { .name = S("d"), .version = S("1.1") },
	{ .name = S("d"), .version = S("1.5") },     { .name = S("d"), .version = S("2.0.5") },
	{ .name = S("foo-bar"), .version = S("1.0") }, { .name = S("e"), .version = S("1!1.0") },
	{ .name = S("a"), .version = S("1.5") }, /* the same in a second target: reported once */
};
static struct al_lock_target target = { .name = S("t"), .dists = dists,
	                                .ndists = sizeof(dists) / sizeof(dists[0]) };
static struct al_lock lock = { .version = 1, .bundle = S("x"), .targets = &target, .ntargets = 1 };

static struct al_buf warnings = AL_BUF_INIT;
static void warn_cb(void *ctx, const char *msg)
{
	(void)ctx;
	if (al_buf_addstr(&warnings, msg) || al_buf_addch(&warnings, '\n'))
		abort();
}

/* The matches of one record as "project version" joined by ", "; "ERR: msg" on error. */
static char *run(const char *rec, const struct al_audit_opts *o)
{
	static struct al_audit_opts dflt = { NULL, NULL, 0, warn_cb, NULL };
	struct al_audit res = AL_AUDIT_INIT;
	struct al_diag d = AL_DIAG_INIT;
	struct al_osv_ctx *c = NULL;
	struct al_buf out = AL_BUF_INIT;
	size_t i;

	if (al_osv_ctx_new(&c, &lock, o ? o : &dflt, &res, &d))
		abort();
	if (al_osv_record(c, "rec.json", rec, strlen(rec), &d)) {
		if (al_buf_addf(&out, "ERR: %s", d.msg))
			abort();
	} else {
		al_osv_ctx_finish(c);
		for (i = 0; i < res.n; i++)
			if (al_buf_addf(&out, "%s%s %s%s", i ? ", " : "", res.matches[i].project,
			                res.matches[i].version, res.matches[i].ignored ? " (ignored)" : ""))
				abort();
	}
	al_osv_ctx_free(c);
	al_audit_release(&res);
	return al_buf_detach(&out, NULL);
}

#define REC(affected) "{\"id\": \"PYSEC-1\", \"modified\": \"2026-01-01T00:00:00Z\", \"affected\": [" affected "]}"
#define ECO(name, events) "{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"" name "\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [" events "]}]}"

static void check(const char *rec, const char *want, const char *what)
{
	char *got = run(rec, NULL);
	is_str(got, want, "%s", what);
	al_free(got);
}

static void check_err(const char *rec, const char *want, const char *what)
{
	char *got = run(rec, NULL);
	ok(got && !strncmp(got, "ERR: ", 5) && strstr(got, want), "%s", what);
	if (!got || !strstr(got, want))
		diag("  got '%s', want an error with '%s'", got ? got : "(null)", want);
	al_free(got);
}

int main(void)
{
	struct al_audit res = AL_AUDIT_INIT;
	struct al_diag d = AL_DIAG_INIT;
	struct al_audit_ignore ig[] = { { "CVE-2", "not reachable" } };
	struct al_audit_opts o = { NULL, ig, 1, warn_cb, NULL };
	struct al_buf path = AL_BUF_INIT, big = AL_BUF_INIT;
	char *got;
	size_t i;

	/* ---- the range algorithm ---- */
	check(REC(ECO("a", "{\"introduced\": \"0\"}, {\"fixed\": \"2.0\"}")), "a 1.5, a 2.0rc1",
	      "introduced 0, fixed: below fixed (pre-releases of it too), not fixed itself");
	check(REC(ECO("a", "{\"introduced\": \"2.0\"}")), "a 2.0",
	      "introduced 2.0 without end: 2.0rc1 sorts below 2.0");
	check(REC(ECO("a", "{\"introduced\": \"2.0rc1\"}")), "a 2.0, a 2.0rc1",
	      "introduced at a pre-release");
	check(REC(ECO("b", "{\"introduced\": \"1.0\"}, {\"last_affected\": \"1.4\"}")), "b 1.4, b 1.4+cpu",
	      "last_affected includes itself, and its local builds; 0.9 and 1.4.1 are outside");
	check(REC(ECO("b", "{\"introduced\": \"0\"}, {\"fixed\": \"1.4\"}")), "b 0.9",
	      "fixed 1.4: 1.4+cpu is a build of 1.4, fixed");
	check(REC(ECO("c", "{\"introduced\": \"0\"}, {\"limit\": \"3.0\"}")), "c 2.9",
	      "limit: only below it");
	check(REC(ECO("c", "{\"introduced\": \"0\"}, {\"limit\": \"*\"}")), "c 2.9, c 3.0",
	      "limit '*': no limit");
	check(REC(ECO("d", "{\"introduced\": \"1.0\"}, {\"fixed\": \"1.2\"}") ", "
	          ECO("d", "{\"introduced\": \"2.0\"}, {\"fixed\": \"2.1\"}")),
	      "d 1.1, d 2.0.5", "two affected entries, each with a range");
	check(REC("{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"d\"}, \"ranges\": ["
	          "{\"type\": \"ECOSYSTEM\", \"events\": [{\"fixed\": \"1.2\"}, {\"introduced\": \"1.0\"}]},"
	          "{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"2.0\"}, {\"fixed\": \"2.1\"}]}]}"),
	      "d 1.1, d 2.0.5", "several ranges in one entry; events out of order are sorted");
	check(REC(ECO("d", "{\"introduced\": \"1.0\"}, {\"fixed\": \"1.2\"}, {\"introduced\": \"2.0\"}, "
	                   "{\"fixed\": \"2.1\"}")),
	      "d 1.1, d 2.0.5", "two intervals in one range");
	check(REC(ECO("a", "{\"introduced\": \"2.0\"}, {\"fixed\": \"2.0\"}")), "",
	      "introduced and fixed at the same version: nothing");
	check(REC(ECO("e", "{\"introduced\": \"0\"}, {\"fixed\": \"2.0\"}")), "",
	      "epochs: 1!1.0 is above 2.0");
	check(REC("{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"b\"}, \"versions\": [\"1.4\", \"v0.9.0\", \"not a version\"]}"),
	      "b 0.9, b 1.4, b 1.4+cpu", "versions: compared as versions; a local build of a listed one");
	check(REC("{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"b\"}, \"versions\": [\"1.4+gpu\"]}"),
	      "", "versions: a listed local version matches only itself");
	check(REC(ECO("Foo.BAR", "{\"introduced\": \"0\"}")), "foo-bar 1.0", "names are normalized");
	check(REC("{\"package\": {\"ecosystem\": \"npm\", \"name\": \"a\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"0\"}]}]}"),
	      "", "another ecosystem");
	check(REC("{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"a\"}, \"ranges\": [{\"type\": \"SEMVER\", \"events\": [{\"introduced\": \"0\"}]}]}"),
	      "", "SEMVER ranges are not evaluated for PyPI");
	check("{\"id\": \"PYSEC-1\", \"modified\": \"x\", \"withdrawn\": \"2026-01-01T00:00:00Z\", \"affected\": [" ECO("a", "{\"introduced\": \"0\"}") "]}",
	      "", "a withdrawn record is ignored");
	check("{\"id\": \"PYSEC-1\", \"modified\": \"x\"}", "", "a record without affected");
	check("{\"id\": \"PYSEC-1\", \"affected\": [" ECO("a", "{\"introduced\": \"0\"}") "], \"unknown\": {\"x\": [1]}}",
	      "a 1.5, a 2.0, a 2.0rc1", "unknown fields are ignored");

	/* a version that is not PEP 440 in a range: the range is skipped, with a warning */
	al_buf_reset(&warnings);
	check(REC(ECO("a", "{\"introduced\": \"0\"}, {\"fixed\": \"banana\"}") ", " ECO("a", "{\"introduced\": \"2.0\"}")),
	      "a 2.0", "a range with a bad version is skipped, the others still count");
	ok(strstr(warnings.buf, "rec.json") && strstr(warnings.buf, "'banana' is not a PEP 440 version") != NULL,
	   "with a warning naming the record and the version");

	/* ---- the details reported ---- */
	{
		static const char rec[] =
			"{\"id\": \"PYSEC-9\", \"aliases\": [\"CVE-2\", \"GHSA-x\"], \"summary\": \"bad\\nthings\","
			" \"severity\": [{\"type\": \"CVSS_V3\", \"score\": \"CVSS:3.1/AV:N\"}],"
			" \"database_specific\": {\"severity\": \"HIGH\"}, \"affected\": ["
			ECO("a", "{\"introduced\": \"0\"}, {\"fixed\": \"1.6\"}, {\"introduced\": \"1.8\"}, {\"fixed\": \"2.1\"}") "]}";
		struct al_osv_ctx *c = NULL;
		if (al_osv_ctx_new(&c, &lock, &o, &res, &d) || al_osv_record(c, "r", rec, strlen(rec), &d))
			abort();
		al_osv_ctx_finish(c);
		al_osv_ctx_free(c);
		is_int(res.n, 3, "three locked versions of a match");
		is_int(res.distributions, 14, "duplicates across targets are audited once");
		is_str(res.matches[0].project, "a", "sorted by project");
		is_str(res.matches[0].version, "1.5", "then version");
		is_str(res.matches[0].summary, "bad", "the summary's first line");
		is_int(res.matches[0].naliases, 2, "aliases");
		is_int(res.matches[0].nseverity, 2, "severity: the CVSS vector and the database's word");
		is_str(res.matches[0].severity[0], "CVSS_V3 CVSS:3.1/AV:N", "as 'TYPE SCORE'");
		is_int(res.matches[0].nfixed, 2, "both fixed versions");
		is_str(res.matches[0].fixed[1], "2.1", "as written");
		for (i = 0; i < res.n && strcmp(res.matches[i].version, "2.0"); i++)
			;
		ok(i < res.n && res.matches[i].nfixed == 1 && !strcmp(res.matches[i].fixed[0], "2.1"),
		   "a 2.0: only the fix above it (1.6 fixed an earlier line)");
		is_str(res.matches[0].ignored, "not reachable", "--ignore by an alias, with its reason");
		al_audit_release(&res);
	}

	/* ---- hostile records: an error naming the file and the field ---- */
	check_err("[1, 2]", "bad OSV record 'rec.json': expected a JSON object", "not an object");
	check_err("{\"id\": 7}", "rec.json': id: expected a string", "id of the wrong type");
	check_err("{\"modified\": \"x\"}", "id: missing", "no id");
	check_err("{\"id\": \"X\", \"affected\": {}}", "affected: expected an array", "affected an object");
	check_err("{\"id\": \"X\", \"affected\": [3]}", "affected[0]: expected an object", "an affected entry a number");
	check_err("{\"id\": \"X\", \"aliases\": [\"A\", 3]}", "aliases[1]: expected a string", "an alias a number");
	check_err(REC("{\"package\": {\"ecosystem\": \"PyPI\", \"name\": 5}}"), "affected[0].package.name: expected a string",
	          "a package name a number");
	check_err(REC("{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"a\"}, \"versions\": [\"1.0\", null]}"),
	          "affected[0].versions[1]: expected a string", "a version null");
	check_err(REC(ECO("a", "{\"introduced\": 0}")), "affected[0].ranges[0].events[0].introduced: expected a string",
	          "an event version a number");
	check_err(REC(ECO("a", "{\"introduced\": \"0\", \"fixed\": \"1\"}")), "events[0]: expected an object with one key",
	          "two keys in one event");
	check_err(REC(ECO("a", "{\"broken\": \"0\"}")), "events[0]: unknown event 'broken'", "an unknown event");
	check_err(REC("{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"a\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\"}]}"),
	          "affected[0].ranges[0]: needs a type and events", "a range without events");
	check_err("{\"id\": \"X\", \"summary\": \"caf\xe9\"}", "bad OSV record 'rec.json': line 1", "not UTF-8");
	check_err("{\"id\": \"X\", \"id\": \"Y\"}", "duplicate", "a duplicate key");
	check_err("{\"id\": \"X\"", "bad OSV record 'rec.json'", "truncated");
	for (i = 0; i < AL_OSV_RECORD_MAX / 8 + 1; i++)
		if (al_buf_addstr(&big, "        "))
			abort();
	got = run(big.buf, NULL);
	ok(strstr(got, "is larger than") != NULL, "a record over the cap");
	al_free(got);

	/* ---- fixtures/osv/ (schema-valid) through the directory reader ---- */
	if (al_buf_addf(&path, "%s/fixtures/osv", tap_srcdir()))
		abort();
	{
		static struct al_lock_dist fx[] = {
			{ .name = S("demo-core"), .version = S("2.0") }, { .name = S("demo-leaf"), .version = S("1.1") },
			{ .name = S("demo-util"), .version = S("1.2") }, { .name = S("foo-bar"), .version = S("1.0") },
			{ .name = S("localver"), .version = S("1.0+cpu") },
		};
		struct al_lock_target t = { .name = S("t"), .dists = fx, .ndists = 5 };
		struct al_lock l = { .version = 1, .bundle = S("x"), .targets = &t, .ntargets = 1 };
		struct al_audit_opts none = { NULL, NULL, 0, warn_cb, NULL };

		ok(al_audit_osv(&l, path.buf, &none, &res, &d) == AL_OK, "fixtures/osv: %s", d.msg);
		is_int(res.records, 9, "every record read");
		is_int(res.n, 4, "four matches");
		if (res.n == 4) {
			is_str(res.matches[0].id, "PYSEC-0000-1", "demo-core 2.0");
			is_str(res.matches[1].id, "GHSA-aaaa-bbbb-cccc", "demo-util 1.2 through Demo.Util");
			is_str(res.matches[2].id, "PYSEC-0000-3", "foo-bar 1.0 through FOO.bar");
			is_str(res.matches[3].id, "PYSEC-0000-4", "localver 1.0+cpu");
			ok(strstr(res.matches[0].source, "fixtures/osv/PYSEC-0000-1.json") != NULL,
			   "the source names the file");
		}
		al_audit_release(&res);
		al_buf_addstr(&path, "/nope") ? abort() : (void)0;
		ok(al_audit_osv(&l, path.buf, &none, &res, &d) == AL_ENOTFOUND && strstr(d.msg, "nope"),
		   "a missing path: %s", d.msg);
		al_audit_release(&res);
	}

	al_buf_release(&path);
	al_buf_release(&big);
	al_buf_release(&warnings);
	return done_testing();
}
