/* airlock diff: what changed between two locks, media or bundles */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int cmd_diff(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_diff = {
	"diff", cmd_diff, "show what changed between two locks, media or bundles",
	"usage: airlock diff OLD NEW\n"
	"\n"
	"Each side is a lock file, a medium directory (DIR@BUNDLE when it holds\n"
	"several bundles) or NAME[@SEQ] of the store. Prints per target the projects\n"
	"added, removed, upgraded and downgraded and the files added and removed,\n"
	"per model and dataset the commits and the files that differ, and what a\n"
	"delta medium would carry. Exit status 0: the same; 1: they differ.\n",
	NULL, 0,
};

static void names(const char *what, json_t *arr, bool versions)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		if (versions)
			printf("  %-10s %s %s -> %s\n", what, json_string_value(json_object_get(v, "name")),
			       json_string_value(json_object_get(v, "old")),
			       json_string_value(json_object_get(v, "new")));
		else
			printf("  %-10s %s %s\n", what, json_string_value(json_object_get(v, "name")),
			       json_string_value(json_object_get(v, "version")));
	}
}

static void show(json_t *r)
{
	struct cli_safe sf = CLI_SAFE_INIT;
	char size[32], size2[32];
	json_t *t, *v;
	size_t i, k;

	json_array_foreach(json_object_get(r, "targets"), i, t) {
		printf("target %s: %s\n", json_string_value(json_object_get(t, "name")),
		       json_string_value(json_object_get(t, "status")));
		names("added", json_object_get(t, "added"), false);
		names("removed", json_object_get(t, "removed"), false);
		names("upgraded", json_object_get(t, "upgraded"), true);
		names("downgraded", json_object_get(t, "downgraded"), true);
		json_array_foreach(json_object_get(t, "files_added"), k, v) {
			json_int_t n = json_integer_value(json_object_get(v, "size"));
			printf("  + %s%s (%s)\n", json_string_value(json_object_get(v, "filename")),
			       json_is_true(json_object_get(v, "build")) ? " [build]" : "",
			       n >= 0 ? cli_human_size((unsigned long long)n, size, sizeof(size)) : "size unknown");
		}
		json_array_foreach(json_object_get(t, "files_removed"), k, v)
			printf("  - %s\n", json_string_value(json_object_get(v, "filename")));
	}
	json_array_foreach(json_object_get(r, "repos"), i, t) {
		const char *oc = json_string_value(json_object_get(t, "old_commit")),
		           *nc = json_string_value(json_object_get(t, "new_commit"));
		printf("%s %s: %s, %.12s -> %.12s, %zu added, %zu removed, %zu changed (%s)\n",
		       json_string_value(json_object_get(t, "type")),
		       cli_safe(&sf, json_string_value(json_object_get(t, "repo"))),
		       json_string_value(json_object_get(t, "status")), oc ? oc : "none",
		       nc ? nc : "none", json_array_size(json_object_get(t, "files_added")),
		       json_array_size(json_object_get(t, "files_removed")),
		       json_array_size(json_object_get(t, "files_changed")),
		       cli_human_size((unsigned long long)json_integer_value(json_object_get(t, "bytes")),
		                      size, sizeof(size)));
		cli_safe_release(&sf);
		json_array_foreach(json_object_get(t, "files_added"), k, v) {
			printf("  + %s (%s)\n", cli_safe(&sf, json_string_value(json_object_get(v, "path"))),
			       cli_human_size((unsigned long long)json_integer_value(json_object_get(v, "size")),
			                      size, sizeof(size)));
			cli_safe_release(&sf);
		}
		json_array_foreach(json_object_get(t, "files_removed"), k, v) {
			printf("  - %s\n", cli_safe(&sf, json_string_value(json_object_get(v, "path"))));
			cli_safe_release(&sf);
		}
		json_array_foreach(json_object_get(t, "files_changed"), k, v) {
			printf("  ~ %s (%s -> %s)\n", cli_safe(&sf, json_string_value(json_object_get(v, "path"))),
			       cli_human_size((unsigned long long)json_integer_value(json_object_get(v, "old_size")),
			                      size, sizeof(size)),
			       cli_human_size((unsigned long long)json_integer_value(json_object_get(v, "new_size")),
			                      size2, sizeof(size2)));
			cli_safe_release(&sf);
		}
	}
	v = json_object_get(r, "delta");
	printf("delta: %lld objects, %s",
	       (long long)json_integer_value(json_object_get(v, "objects")),
	       cli_human_size((unsigned long long)json_integer_value(json_object_get(v, "bytes")), size,
	                      sizeof(size)));
	if (json_integer_value(json_object_get(v, "unknown_size")))
		printf(" and %lld metadata files", (long long)json_integer_value(json_object_get(v, "unknown_size")));
	printf("\n");
}

static int cmd_diff(struct cli *cli, int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_review_src a, b;
	struct al_store *s = NULL;
	struct cli_parse p;
	json_t *res = NULL;
	char *dir = NULL;
	bool differ = false;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (cli_parse_args(&p, &cli_cmd_diff, argc, argv))
		return p.rc;
	if (p.nargs != 2)
		return cli_usage(&cli_cmd_diff, "diff compares two things: OLD and NEW");
	/* the store only when there is one: two lock files need none */
	if ((dir = al_store_default_dir(cli->store_dir)) && al_store_open(&s, dir, AL_STORE_RDONLY, &d)) {
		al_diag_clear(&d);
		s = NULL;
	}
	if (al_review_load(s, p.args[0], AL_REVIEW_LOCK | AL_REVIEW_MEDIUM | AL_REVIEW_BUNDLE, &a, &d) ||
	    al_review_load(s, p.args[1], AL_REVIEW_LOCK | AL_REVIEW_MEDIUM | AL_REVIEW_BUNDLE, &b, &d) ||
	    al_diff(a.lock, b.lock, &res, &differ, &d)) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	if (cli->json) {
		json_t *o = json_object_get(res, "old_bundle") ? res : NULL;
		if (o && (a.seq >= 0 || b.seq >= 0) &&
		    (json_object_set_new(res, "old_seq", a.seq >= 0 ? json_integer(a.seq) : json_null()) ||
		     json_object_set_new(res, "new_seq", b.seq >= 0 ? json_integer(b.seq) : json_null()))) {
			cli_error("out of memory");
			rc = CLI_EXIT_FAILURE;
			goto out;
		}
		cli_json(json_incref(res));
	} else if (differ) {
		show(res);
	} else if (cli->verbosity >= 0) {
		printf("no differences\n");
	}
	rc = differ ? CLI_EXIT_NO : CLI_EXIT_OK;
out:
	json_decref(res);
	free(dir);
	al_review_src_release(&a);
	al_review_src_release(&b);
	al_store_free(s);
	return rc;
}
