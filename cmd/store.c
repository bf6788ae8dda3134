#include "config.h"

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

static int store_verify(struct cli *cli, int argc, char **argv);
static int store_gc(struct cli *cli, int argc, char **argv);
static int store_add(struct cli *cli, int argc, char **argv);

static const struct cli_opt verify_opts[] = {
	{ 'j', "jobs", "N", "threads (default: one per core)" },
	{ 0 },
};

static const struct cli_command store_verify_cmd = {
	"store verify", store_verify, NULL,
	"usage: airlock store verify [-j N]\n"
	"\n"
	"Rehash every blob; report missing, corrupt, stray and unreferenced blobs;\n"
	"exit 1 when a blob is missing or corrupt.\n",
	verify_opts, 0,
};

static const struct cli_opt gc_opts[] = {
	{ 'n', "dry-run", NULL, "only report what would be removed" },
	{ 0 },
};

static const struct cli_command store_gc_cmd = {
	"store gc", store_gc, NULL,
	"usage: airlock store gc [-n]\n"
	"\n"
	"Remove blobs that nothing references and leftovers of interrupted work.\n",
	gc_opts, 0,
};

static const struct cli_command store_add_cmd = {
	"store add", store_add, NULL,
	"usage: airlock store add FILE...\n"
	"\n"
	"Put regular files (in-house wheels, local model files) into the store:\n"
	"print each one's sha256, 'new' or 'present', and its name (--json: one\n"
	"event each). Symbolic links, FIFOs, devices and directories are refused,\n"
	"and a file whose size changes while it is read; nothing is added for them.\n",
	NULL, 0,
};

static int store_verify(struct cli *cli, int argc, char **argv)
{
	struct cli_parse p;
	struct al_diag d = AL_DIAG_INIT;
	struct al_verify_result r;
	struct al_store *s = NULL;
	unsigned jobs = 0;
	char size[32], *end;
	int key, rc;

	cli_parse_start(&p, &store_verify_cmd, argc, argv);
	while ((key = cli_parse_next(&p)) > 0) {
		if (key == 'j') {
			unsigned long v = strtoul(p.value, &end, 10);
			if (*end || !*p.value || v == 0 || v > 64)
				return cli_usage(&store_verify_cmd, "-j wants a number from 1 to 64, "
				                 "not '%s'", p.value);
			jobs = (unsigned)v;
		}
	}
	if (key < 0)
		return p.rc;
	if (p.nargs)
		return cli_usage(&store_verify_cmd, "unexpected argument '%s'", p.args[0]);
	if ((rc = cli_open_store(cli, &s, AL_STORE_RDONLY)))
		return rc;
	if (al_store_verify(s, jobs, on_problem, cli, &r, &d)) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	rc = r.missing || r.corrupt ? CLI_EXIT_NO : CLI_EXIT_OK;
	if (cli->json) {
		cli_json(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "event", "verify",
		                   "checked", (json_int_t)r.checked, "bytes", (json_int_t)r.bytes,
		                   "missing", (json_int_t)r.missing, "corrupt", (json_int_t)r.corrupt,
		                   "stray", (json_int_t)r.stray, "unreferenced",
		                   (json_int_t)r.unreferenced, "ok", rc == CLI_EXIT_OK));
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
	struct cli_parse p;
	struct al_diag d = AL_DIAG_INIT;
	struct al_gc_result r;
	struct al_store *s = NULL;
	bool dry = false;
	char size[32];
	int key, rc;

	cli_parse_start(&p, &store_gc_cmd, argc, argv);
	while ((key = cli_parse_next(&p)) > 0)
		if (key == 'n')
			dry = true;
	if (key < 0)
		return p.rc;
	if (p.nargs)
		return cli_usage(&store_gc_cmd, "unexpected argument '%s'", p.args[0]);
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

struct add_state {
	struct cli *cli;
	int rc;
};

static void on_added(void *ctx, const char *path, al_err err, const struct al_diag *d,
                     const char *hex, bool added)
{
	struct add_state *st = ctx;
	struct cli_safe sf = CLI_SAFE_INIT;

	if (err) {
		st->rc = cli_fail(st->cli, d);
		return;
	}
	if (st->cli->json)
		cli_json(json_pack("{s:s, s:s, s:s, s:b}", "event", "store-add", "file", path,
		                   "sha256", hex, "new", added));
	else if (st->cli->verbosity >= 0)
		printf("%s  %s  %s\n", hex, added ? "new" : "present", cli_safe(&sf, path));
	cli_safe_release(&sf);
}

/* airlock store add FILE...: each file's digest and whether it was new. A
 * file that cannot be added is an error for that file; the others are
 * still added, their directories fsynced once and their rows recorded in
 * one transaction, and printed after that. */
static int store_add(struct cli *cli, int argc, char **argv)
{
	struct cli_parse p;
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	struct add_state st = { cli, CLI_EXIT_OK };
	int rc;

	if (cli_parse_args(&p, &store_add_cmd, argc, argv))
		return p.rc;
	if (!p.nargs)
		return cli_usage(&store_add_cmd, "store add wants at least one FILE");
	if ((rc = cli_open_store(cli, &s, AL_STORE_CREATE)))
		return rc;
	if (al_store_add_paths(s, p.args, (size_t)p.nargs, on_added, &st, &d))
		st.rc = cli_fail(cli, &d);
	al_store_free(s);
	return st.rc;
}

static int cmd_store(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_store = {
	"store", cmd_store, "check or clean the store",
	"usage: airlock store verify [-j N]\n"
	"       airlock store gc [-n]\n"
	"       airlock store add FILE...\n"
	"\n"
	"verify  rehash every blob (N threads, default one per core); report\n"
	"        missing, corrupt, stray and unreferenced blobs; exit 1 when a\n"
	"        blob is missing or corrupt.\n"
	"gc      remove blobs that nothing references and leftovers of\n"
	"        interrupted work; -n only reports what it would remove.\n"
	"add     put regular files (in-house wheels, local model files) into the\n"
	"        store: prints each one's sha256, 'new' or 'present', and its name\n"
	"        (--json: one event each). Symbolic links, FIFOs, devices and\n"
	"        directories are refused, and a file whose size changes while it\n"
	"        is read; nothing is added for them.\n",
	NULL, CLI_STOP_AT_ARG,
};

static int cmd_store(struct cli *cli, int argc, char **argv)
{
	static const struct cli_command *const subs[] = { &store_verify_cmd, &store_gc_cmd,
	                                                  &store_add_cmd };

	return cli_dispatch(cli, &cli_cmd_store, subs, sizeof(subs) / sizeof(*subs), argc, argv);
}
