/* lib/review/policy.c through al_policy_check: each rule of the manifest's
 * policy over a hand-made lock, every violation with its message and the
 * chain of requirements that brought the project in. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "airlock.h"
#include "core/buf.h"
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
	struct al_diag d = AL_DIAG_INIT;
	unsigned n = 99;

	al_buf_reset(&msgs);
	if (al_policy_check(m, &lock, cb, NULL, &n, &d))
		diag("error: %s", d.msg);
	return n;
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
		ok(al_policy_check(&m, &lock, cb, NULL, &n, &d) == AL_OK, "vulnerabilities: %s", d.msg);
		is_int(n, 1, "one record matches");
		ok(strstr(msgs.buf, "policy.vulnerabilities: PYSEC-0000-3 affects foo-bar 1.0 (target t2), brought in by the manifest -> foo-bar") != NULL,
		   "the record, the project and its target");
		adv[0] = S("/nonexistent/osv.zip");
		ok(al_policy_check(&m, &lock, cb, NULL, &n, &d) == AL_ENOTFOUND && strstr(d.msg, "/nonexistent/osv.zip"),
		   "an advisories file that cannot be read is an error, not a pass: %s", d.msg);
		lock.targets = &target;
		lock.ntargets = 1;
	}
	al_buf_release(&msgs);
	return done_testing();
}
