/* lib/pypa/names.c through its interface: PEP 503 normalization and PEP 508
 * name validity. */
#include "config.h"

#include "airlock.h"
#include "core/mem.h"
#include "pypa/names.h"
#include "tap.h"

int main(void)
{
	static const struct { const char *in, *want; } norm[] = {
		{ "requests", "requests" },
		{ "Django", "django" },
		{ "zope.interface", "zope-interface" },
		{ "Foo__Bar-.-baz", "foo-bar-baz" },
		{ "ruamel.yaml.clib", "ruamel-yaml-clib" },
		{ "A", "a" },
		{ "__init__", "-init-" }, /* runs at the ends are kept, as packaging does */
	};
	static const char *valid[] = { "a", "A1", "foo-bar", "foo_bar", "foo.bar", "F00", "a.-_b" };
	static const char *invalid[] = { "", "-a", "a-", ".a", "a_", "a b", "a/b", "caf\xc3\xa9",
	                                 "a+b", "a\n" };
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(norm) / sizeof(norm[0]); i++) {
		char *n = al_name_normalize(norm[i].in);
		is_str(n, norm[i].want, "normalize '%s'", norm[i].in);
		al_name_normalize_into(buf, norm[i].in, strlen(norm[i].in));
		is_str(buf, norm[i].want, "normalize_into '%s'", norm[i].in);
		al_free(n);
	}
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		ok(al_name_valid(valid[i]), "valid: '%s'", valid[i]);
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		ok(!al_name_valid(invalid[i]), "invalid: invalid[%zu]", i);
	ok(al_name_is_normalized("foo-bar"), "'foo-bar' is normalized");
	ok(!al_name_is_normalized("Foo-bar"), "'Foo-bar' is not");
	ok(!al_name_is_normalized("foo_bar"), "'foo_bar' is not");
	ok(!al_name_is_normalized("foo--bar"), "'foo--bar' is not");
	ok(!al_name_is_normalized("-foo"), "'-foo' is not (not even valid)");
	return done_testing();
}
