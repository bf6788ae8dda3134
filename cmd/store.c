#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const kind_names[] = {
	[AL_VERIFY_MISSING] = "missing",
	[AL_VERIFY_CORRUPT] = "corrupt",
	[AL_VERIFY_STRAY] = "stray",
	[AL_VERIFY_UNREFERENCED] = "unreferenced",
};

static void on_problem(void *ctx, enum al_verify_kind kind, const char *hex, const char *detail)
{
	struct cli *cli = ctx;

	if (cli->json) {
		cli_json(json_pack("{s:s, s:s, s:s, s:s}", "event", "blob", "state", kind_names[kind],
		                   "sha256", hex, "detail", detail));
		return;
	}
	if (kind == AL_VERIFY_MISSING || kind == AL_VERIFY_CORRUPT) {
		cli_error("blob %s: %s: %s", hex, kind_names[kind], detail);
	} else if (cli->verbosity > 0) {
		/* a stray file's name is whatever someone put in the store */
		struct cli_safe sf = CLI_SAFE_INIT;
		printf("blob %s: %s: %s\n", cli_safe(&sf, hex), kind_names[kind], cli_safe(&sf, detail));
		cli_safe_release(&sf);
	}
}

static int store_verify(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
		                              { "jobs", required_argument, NULL, 'j' },
		                              { 0 } };
	struct al_diag d = AL_DIAG_INIT;
	struct al_verify_result r;
	struct al_store *s = NULL;
	unsigned jobs = 0;
	char size[32], *end;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "hj:", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': cli_print_help(cli_find("store"), stdout); return EXIT_OK;
		case 'j': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || !*optarg || v == 0 || v > 64)
				return cli_usage("store", "-j wants a number from 1 to 64, not '%s'", optarg);
			jobs = (unsigned)v;
			break;
		}
		default: return cli_usage("store", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("store", "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_open_store(cli, &s, AL_STORE_RDONLY)))
		return rc;
	if (al_store_verify(s, jobs, on_problem, cli, &r, &d)) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	rc = r.missing || r.corrupt ? EXIT_NO : EXIT_OK;
	if (cli->json) {
		cli_json(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "event", "verify",
		                   "checked", (json_int_t)r.checked, "bytes", (json_int_t)r.bytes,
		                   "missing", (json_int_t)r.missing, "corrupt", (json_int_t)r.corrupt,
		                   "stray", (json_int_t)r.stray, "unreferenced",
		                   (json_int_t)r.unreferenced, "ok", rc == EXIT_OK));
	} else if (cli->verbosity >= 0 || rc) {
		printf("checked %llu blobs (%s): %llu missing, %llu corrupt, %llu stray, "
		       "%llu unreferenced\n",
		       (unsigned long long)r.checked, cli_human_size(r.bytes, size, sizeof(size)),
		       (unsigned long long)r.missing, (unsigned long long)r.corrupt,
		       (unsigned long long)r.stray, (unsigned long long)r.unreferenced);
	}
out:
	al_store_free(s);
	return rc;
}

static int store_gc(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
		                              { "dry-run", no_argument, NULL, 'n' },
		                              { 0 } };
	struct al_diag d = AL_DIAG_INIT;
	struct al_gc_result r;
	struct al_store *s = NULL;
	bool dry = false;
	char size[32];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "hn", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': cli_print_help(cli_find("store"), stdout); return EXIT_OK;
		case 'n': dry = true; break;
		default: return cli_usage("store", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("store", "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_open_store(cli, &s, 0)))
		return rc;
	if (al_store_gc(s, dry, &r, &d)) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	if (cli->json)
		cli_json(json_pack("{s:s, s:b, s:I, s:I, s:I}", "event", "gc", "dry_run", dry,
		                   "removed", (json_int_t)r.removed, "bytes", (json_int_t)r.bytes,
		                   "tmp_removed", (json_int_t)r.tmp_removed));
	else if (cli->verbosity >= 0)
		printf("%s %llu blobs (%s) and %llu temporary files\n",
		       dry ? "would remove" : "removed", (unsigned long long)r.removed,
		       cli_human_size(r.bytes, size, sizeof(size)), (unsigned long long)r.tmp_removed);
out:
	al_store_free(s);
	return rc;
}

/* airlock store add FILE...: each file's digest and whether it was new. A
 * file that cannot be added is an error for that file; the others are
 * still added. */
static int store_add(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	int opt, rc, i, failed = 0;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			cli_print_help(cli_find("store"), stdout);
			return EXIT_OK;
		}
		return cli_usage("store", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind >= argc)
		return cli_usage("store", "store add wants at least one FILE");
	if ((rc = cli_open_store(cli, &s, AL_STORE_CREATE)))
		return rc;
	for (i = optind; i < argc; i++) {
		struct cli_safe sf = CLI_SAFE_INIT;
		char hex[65];
		bool added = false;
		if (al_store_add_path(s, argv[i], hex, &added, &d)) {
			rc = cli_fail(cli, &d);
			failed++;
			continue;
		}
		if (cli->json)
			cli_json(json_pack("{s:s, s:s, s:s, s:b}", "event", "store-add", "file", argv[i],
			                   "sha256", hex, "new", added));
		else if (cli->verbosity >= 0)
			printf("%s  %s  %s\n", hex, added ? "new" : "present", cli_safe(&sf, argv[i]));
		cli_safe_release(&sf);
	}
	al_store_free(s);
	return failed ? rc : EXIT_OK;
}

int cmd_store(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("store", "a subcommand is required");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		cli_print_help(cli_find("store"), stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "verify"))
		return store_verify(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "gc"))
		return store_gc(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "add"))
		return store_add(cli, argc - 1, argv + 1);
	return cli_usage("store", "unknown subcommand '%s'", argv[1]);
}
