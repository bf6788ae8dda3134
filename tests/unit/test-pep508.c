/*
 * test-pep508: requirement strings and markers against the fixtures
 * (fixtures/pep508/, answers of packaging 26.x), names, and API checks.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "pypa/names.h"
#include "pep-fixtures.h"

static void check_names(void)
{
	char *n;

	n = al_name_normalize("Foo.._-Bar_baz.QUX");
	is_str(n, "foo-bar-baz-qux", "runs of -_. become one -");
	al_free(n);
	n = al_name_normalize("-a_");
	is_str(n, "-a-", "leading and trailing separators are kept (as packaging)");
	al_free(n);
	ok(al_name_valid("zope.interface") && al_name_valid("A") && al_name_valid("a-_.b"),
	   "valid names");
	ok(!al_name_valid("") && !al_name_valid("-a") && !al_name_valid("a.") &&
	   !al_name_valid("a b") && !al_name_valid("é"), "invalid names");
	ok(al_name_is_normalized("foo-bar") && !al_name_is_normalized("foo--bar") &&
	   !al_name_is_normalized("Foo"), "is_normalized");
}

static void check_api(void)
{
	struct al_requirement r;
	struct al_marker_env env;
	struct al_diag d = AL_DIAG_INIT;
	struct al_marker *m = NULL;
	const char *extras[] = { "Socks", "other" };
	bool yes;

	is_int(al_requirement_parse(&r, "name (>=1.0", &d), AL_EPARSE, "unclosed (");
	is_str(d.msg, "column 12: expected matching ')' for '(', after version specifier",
	       "message with the column");
	is_int(al_requirement_parse(&r, "name >= 1.0 ;", &d), AL_EPARSE, "empty marker");
	is_str(d.msg, "column 14: expected a marker variable or quoted string", "%s", d.msg);

	is_int(al_requirement_parse(&r, "Foo.Bar[Socks] >=1.0; extra == 'socks' or "
	                            "python_version < '3'", &d), AL_OK, "parse");
	is_str(r.norm_name, "foo-bar", "normalized name");
	memset(&env, 0, sizeof(env));
	env.values[AL_MV_PYTHON_VERSION] = "3.11";
	env.values[AL_MV_PYTHON_FULL_VERSION] = "3.11.7";
	is_int(al_requirement_applies(&r, &env, NULL, 0, &yes, &d), AL_OK, "applies, no extras");
	ok(!yes, "not without the extra");
	is_int(al_requirement_applies(&r, &env, extras, 2, &yes, &d), AL_OK, "applies, extras");
	ok(yes, "with extra Socks (PEP 685 normalization)");
	env.values[AL_MV_PYTHON_VERSION] = "2.7";
	al_requirement_applies(&r, &env, NULL, 0, &yes, &d);
	ok(yes, "or on python 2.7");
	al_requirement_release(&r);

	is_int(al_marker_parse(&m, "os_name == 'nt'", &d), AL_OK, "marker");
	is_int(al_marker_evaluate(m, &env, &yes, &d), AL_EINVALID, "undefined variable");
	ok(strstr(d.msg, "undefined environment name 'os_name'") != NULL, "%s", d.msg);
	al_marker_free(m);

	is_int(al_marker_parse(&m, "platform_machine ~= 'x86'", &d), AL_OK, "~= on a string");
	env.values[AL_MV_PLATFORM_MACHINE] = "x86_64";
	is_int(al_marker_evaluate(m, &env, &yes, &d), AL_EINVALID, "is an undefined comparison");
	al_marker_free(m);

	{
		struct al_buf deep = AL_BUF_INIT;
		int i;

		for (i = 0; i < 100; i++)
			al_buf_addch(&deep, '(');
		al_buf_addstr(&deep, "os_name == 'nt'");
		for (i = 0; i < 100; i++)
			al_buf_addch(&deep, ')');
		is_int(al_marker_parse(&m, deep.buf, &d), AL_ELIMIT, "nesting is capped");
		al_buf_release(&deep);
	}
}

int main(void)
{
	pep_run_fixture("pep508/requirements.txt", 'R', 1);
	pep_run_fixture("pep508/markers.txt", 'K', 2);
	check_names();
	check_api();
	return done_testing();
}
