/* lib/review/policy.c through al_policy_check: each rule of the manifest's
 * policy over a hand-made lock, every violation with its message and the
 * chain of requirements that brought the project in; SPDX expressions
 * against policy.licenses; the policy as the lock carries it (format, read
 * back, hostile shapes refused). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "airlock.h"
#include "core/buf.h"
#include "review/policy.h"
#include "tap.h"

#define S(lit) ((char *)(lit)) /* the lock's strings are not const */

static char *top_by[] = { S("-") }, *a_by[] = { S("top") }, *b_by[] = { S("a"), S("top") },
            *loop_by[] = { S("loop2") }, *loop2_by[] = { S("loop") };
static struct al_lock_dist dists[] = {
	{ .name = S("a"), .version = S("1.0"), .filename = S("a-1.0-py3-none-any.whl"),
	  .sha256 = S("aa"), .size = 100, .required_by = a_by, .nrequired_by = 1 },
	{ .name = S("b"), .version = S("2.31.0"), .filename = S("b-2.31.0.tar.gz"),
	  .sha256 = S("bb"), .size = 1000, .required_by = b_by, .nrequired_by = 2 },
	{ .name = S("loop"), .version = S("1.0rc1"), .filename = S("loop-1.0rc1-py3-none-any.whl"),
	  .sha256 = S("cc"), .size = -1, .required_by = loop_by, .nrequired_by = 1 },
	{ .name = S("loop2"), .version = S("1.0"), .filename = S("loop2-1.0-py3-none-any.whl"),
	  .sha256 = S("dd"), .size = 10, .required_by = loop2_by, .nrequired_by = 1 },
	{ .name = S("top"), .version = S("3.0"), .filename = S("top-3.0-py3-none-any.whl"),
	  .sha256 = S("aa"), .size = 100, .required_by = top_by, .nrequired_by = 1 },
};
static struct al_lock_target target = { .name = S("t1"), .dists = dists, .ndists = 5 };
static struct al_lock lock = { .version = 1, .bundle = S("x"), .targets = &target, .ntargets = 1 };

static struct al_buf msgs = AL_BUF_INIT;
static void cb(void *ctx, const char *msg)
{
	(void)ctx;
	if (al_buf_addstr(&msgs, msg) || al_buf_addch(&msgs, '\n'))
		abort();
}

static unsigned check(const struct al_manifest *m)
{
	struct al_policy_env env = { NULL, &m->advisories, cb, NULL };
	struct al_diag d = AL_DIAG_INIT;
	unsigned n = 99;

	al_buf_reset(&msgs);
	if (al_policy_check(&m->policy, &lock, &env, &n, &d))
		diag("error: %s", d.msg);
	return n;
}

/* expr against the lists: the verdict, and why when it fails */
static void expr_is(const struct al_policy *p, const char *expr, int want, const char *why_want)
{
	struct al_buf why = AL_BUF_INIT;
	int v = 99;

	if (al_policy_license_expr(p, expr, &v, &why))
		abort();
	is_int(v, want, "'%s' -> %d", expr, want);
	if (why_want)
		is_str(why.buf ? why.buf : "", why_want, "  because '%s'", why_want);
	al_buf_release(&why);
}

static void test_licenses(struct al_manifest *m)
{
	char *allow[] = { S("MIT"), S("BSD-3-Clause"), S("Apache-2.0") }, *deny[] = { S("GPL-3.0-only") };
	struct al_policy *p = &m->policy;

	p->licenses_given = true;
	p->licenses_allow.v = allow;
	p->licenses_allow.n = 3;
	p->licenses_deny.v = deny;
	p->licenses_deny.n = 1;
	/* the two examples */
	expr_is(p, "MIT OR GPL-3.0-only", 1, "");
	expr_is(p, "MIT AND GPL-3.0-only", 0, "GPL-3.0-only is denied");
	expr_is(p, "mit", 1, NULL);
	expr_is(p, "LGPL-2.1-only", 0, "LGPL-2.1-only is not allowed");
	expr_is(p, "(MIT AND GPL-3.0-only) OR Apache-2.0", 1, "");
	expr_is(p, "(MIT OR GPL-3.0-only) AND (Zlib OR ISC)", 0, "Zlib is not allowed, ISC is not allowed");
	expr_is(p, "Apache-2.0 WITH LLVM-exception", 1, NULL);
	expr_is(p, "GPL-3.0-only WITH GCC-exception-3.1 OR MIT", 1, NULL);
	expr_is(p, "MIT and Apache-2.0", 1, NULL);
	expr_is(p, "MIT AND", -1, NULL);
	expr_is(p, "(MIT", -1, NULL);
	expr_is(p, "MIT)", -1, NULL);
	expr_is(p, "MIT Apache-2.0", -1, NULL);
	expr_is(p, "", -1, NULL);
	expr_is(p, "MIT WITH", -1, NULL);
	expr_is(p, "BSD License", -1, NULL);
	expr_is(p, "MIT; rm -rf", -1, NULL);
	expr_is(p, "((((((((((((((((((((((((((((((((((((((((MIT))))))))))))))))))))))))))))))))))))))))", -1,
	        NULL);
	/* a deny list alone: everything else passes */
	p->licenses_allow.n = 0;
	expr_is(p, "LicenseRef-Proprietary", 1, NULL);
	expr_is(p, "GPL-3.0-only", 0, "GPL-3.0-only is denied");
	ok(al_policy_unknown_allowed(p), "unknown: allowed by default without an allow list");
	p->licenses_allow.n = 3;
	ok(!al_policy_unknown_allowed(p), "unknown: denied by default with an allow list");
	p->licenses_unknown = AL_UNKNOWN_ALLOW;
	ok(al_policy_unknown_allowed(p), "unknown: allow says so");

	/* without a store every licence is unknown: unknown says what happens */
	is_int(check(m), 0, "no store, unknown: allow: nothing fails");
	p->licenses_unknown = AL_UNKNOWN_DENY;
	is_int(check(m), 5, "no store, unknown: deny: every distribution fails");
	ok(strstr(msgs.buf, "policy.licenses: a 1.0 has no recognisable licence (its metadata is not in the store) and unknown is deny (target t1), brought in by the manifest -> top -> a\n") != NULL,
	   "naming the project, the reason and the chain");
	if (!ok(!check(m) || strstr(msgs.buf, "b 2.31.0"), "sdists too"))
		diag("%s", msgs.buf);
	p->licenses_given = false;
	p->licenses_unknown = AL_UNKNOWN_DEFAULT;
	p->licenses_allow.n = p->licenses_deny.n = 0;
}

/* The policy in the lock: written only when there is one, read back the
 * same, hostile shapes refused. */
static void test_lock_policy(void)
{
	char *deny[] = { S("requests<2.32") }, *allow[] = { S("MIT"), S("Apache-2.0") };
	struct al_policy pol = { .given = true, .deny = { deny, 1 }, .max_total_size = 1024,
	                         .wheels_only = true, .licenses_given = true,
	                         .licenses_allow = { allow, 2 }, .licenses_unknown = AL_UNKNOWN_DENY };
	struct al_lock l = { .version = 1, .bundle = S("x") }, *back = NULL;
	struct al_diag d = AL_DIAG_INIT;
	char dir[] = "/tmp/test-policy-XXXXXX", path[64], *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/airlock.lock", dir);
	ok(!al_lock_format(&l, &a, &alen, &d) && !strstr(a, "policy"), "no policy: no policy key");
	free(a);
	l.policy = &pol;
	ok(!al_lock_format(&l, &a, &alen, &d) && strstr(a, "policy:\n  deny: [\"requests<2.32\"]\n  licenses:\n"
	                                              "    allow: [\"MIT\", \"Apache-2.0\"]\n    deny: []\n"
	                                              "    unknown: \"deny\"\n  max-total-size: 1024\n"
	                                              "  vulnerabilities: \"allow\"\n  wheels-only: true\n"),
	   "the policy is written into the lock");
	if (!(f = fopen(path, "w")) || fputs(a, f) < 0 || fclose(f))
		abort();
	if (!ok(!al_lock_load(&back, path, &d) && back->policy, "read back: %s", d.msg))
		goto out;
	ok(back->policy->wheels_only && back->policy->max_total_size == 1024 &&
	   back->policy->licenses_unknown == AL_UNKNOWN_DENY && back->policy->licenses_allow.n == 2 &&
	   !strcmp(back->policy->deny.v[0], "requests<2.32"), "with every rule");
	ok(!al_lock_format(back, &b, &blen, &d) && blen == alen && !memcmp(a, b, alen),
	   "and formats to the same bytes");
	al_lock_free(back);
	back = NULL;
	{
		static const struct { const char *yaml, *msg; } hostile[] = {
			{ "policy: {mirrors: 1}\n", "lock.policy: a rule this version of airlock does not know" },
			{ "policy: {licenses: {allow: [\"MIT OR GPL\"]}}\n", "lock.policy.licenses: expected SPDX licence ids" },
			{ "policy: {licenses: {unknown: maybe}}\n", "lock.policy.licenses: unknown: expected deny or allow" },
			{ "policy: {max-total-size: -1}\n", "lock.policy: max_total_size: expected bytes" },
			{ "policy: [1]\n", "lock.policy: expected an object" },
			{ "policy: {deny: [\"\"]}\n", "lock.policy: expected a list of strings of one line" },
		};
		size_t i;
		for (i = 0; i < sizeof(hostile) / sizeof(*hostile); i++) {
			if (!(f = fopen(path, "w")) ||
			    fprintf(f, "version: 1\nbundle: \"x\"\ntargets: []\nrepos: []\n%s", hostile[i].yaml) < 0 ||
			    fclose(f))
				abort();
			d.msg[0] = '\0';
			ok(al_lock_load(&back, path, &d) == AL_EINVALID && strstr(d.msg, hostile[i].msg),
			   "refused: %s", d.msg);
			al_lock_free(back);
			back = NULL;
		}
	}
out:
	free(a);
	free(b);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	struct al_manifest m;
	char *deny[] = { S("B<2.32"), S("loop>=1.0a1,<=1.0"), S("a>1.0") };
	char path[4096];

	memset(&m, 0, sizeof(m));
	is_int(check(&m), 0, "no policy: nothing to check");

	m.policy.given = true;
	m.policy.deny.v = deny;
	m.policy.deny.n = 3;
	is_int(check(&m), 2, "deny: two requirements match, the third does not");
	ok(strstr(msgs.buf, "policy.deny 'B<2.32': b 2.31.0 (target t1), brought in by the manifest -> top -> a -> b\n") != NULL,
	   "the rule, the project, the target and the chain (the first requirer at each step)");
	ok(strstr(msgs.buf, "policy.deny 'loop>=1.0a1,<=1.0': loop 1.0rc1 (target t1), brought in by the manifest -> loop2 -> loop\n") != NULL,
	   "a pre-release pin in the range is denied; a cycle ends the chain");
	if (!ok(!strstr(msgs.buf, "'a>1.0'"), "a requirement that does not match is silent"))
		diag("%s", msgs.buf);

	m.policy.deny.n = 0;
	m.policy.wheels_only = true;
	is_int(check(&m), 1, "wheels-only: one sdist");
	ok(strstr(msgs.buf, "policy.wheels-only: b 2.31.0 is an sdist (b-2.31.0.tar.gz) (target t1), brought in by the manifest -> top -> a -> b") != NULL,
	   "named with its file");

	m.policy.wheels_only = false;
	m.policy.max_total_size = 1110;
	is_int(check(&m), 0, "max-total-size: a file shared by two distributions counts once (1110 bytes)");
	m.policy.max_total_size = 1109;
	is_int(check(&m), 1, "one byte less is a violation");
	ok(strstr(msgs.buf, "policy.max-total-size: the bundle holds 1110 bytes, more than 1109 (and 1 files of unknown size)") != NULL,
	   "with the total and the files of unknown size");

	/* vulnerabilities: the manifest's advisories, matched as audit does */
	m.policy.max_total_size = 0;
	m.policy.vulnerabilities_deny = true;
	snprintf(path, sizeof(path), "%s/fixtures/osv/PYSEC-0000-3.json", tap_srcdir());
	{
		char *adv[] = { path };
		struct al_lock_dist fb = { .name = S("foo-bar"), .version = S("1.0"),
		                           .filename = S("Foo_Bar-1.0-py3-none-any.whl"), .sha256 = S("ee"),
		                           .required_by = top_by, .nrequired_by = 1 };
		struct al_lock_target t2 = { .name = S("t2"), .dists = &fb, .ndists = 1 };
		struct al_lock_target ts[2] = { target, t2 };
		struct al_diag d = AL_DIAG_INIT;
		unsigned n = 0;
		m.advisories.v = adv;
		m.advisories.n = 1;
		lock.targets = ts;
		lock.ntargets = 2;
		al_buf_reset(&msgs);
		struct al_policy_env env = { NULL, &m.advisories, cb, NULL };
		ok(al_policy_check(&m.policy, &lock, &env, &n, &d) == AL_OK, "vulnerabilities: %s", d.msg);
		is_int(n, 1, "one record matches");
		ok(strstr(msgs.buf, "policy.vulnerabilities: PYSEC-0000-3 affects foo-bar 1.0 (target t2), brought in by the manifest -> foo-bar") != NULL,
		   "the record, the project and its target");
		adv[0] = S("/nonexistent/osv.zip");
		ok(al_policy_check(&m.policy, &lock, &env, &n, &d) == AL_ENOTFOUND && strstr(d.msg, "/nonexistent/osv.zip"),
		   "an advisories file that cannot be read is an error, not a pass: %s", d.msg);
		lock.targets = &target;
		lock.ntargets = 1;
	}
	m.policy.vulnerabilities_deny = false;
	m.advisories.n = 0;
	test_licenses(&m);
	test_lock_policy();
	al_buf_release(&msgs);
	return done_testing();
}
