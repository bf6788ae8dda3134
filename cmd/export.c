#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int cmd_export(struct cli *cli, int argc, char **argv);

enum { OPT_SINCE = CLI_LONG, OPT_VOLUME_SIZE };

static const struct cli_opt opts[] = {
	{ 'o', "output", "MEDIA", "a new or empty directory" },
	{ 'k', "key", "NAME.key", "the signing key (minisign format; the passphrase is\n"
	                          "read as for keygen)" },
	{ OPT_SINCE, "since", "MEDIA|ID", "a delta: only objects the earlier media lacks" },
	{ OPT_VOLUME_SIZE, "volume-size", "SIZE", "split into volumes of at most SIZE bytes (suffixes\n"
	                                          "K, M, G, T; or cd, dvd, dvd-dl, bd, bd-dl, fat32);\n"
	                                          "default: one volume" },
	{ 0 },
};

const struct cli_command cli_cmd_export = {
	"export", cmd_export, "write signed media for the air gap",
	"usage: airlock export -o MEDIA --key NAME.key [--since MEDIA|ID] [--volume-size SIZE]\n"
	"                      [BUNDLE...]\n"
	"\n"
	"Write the bundles (default: all in the store) to the directory MEDIA:\n"
	"airlock-media.json (what the media holds), its minisign signature\n"
	"airlock-media.json.minisig, and vol-0001.tar... holding the objects.\n",
	opts, 0,
};

static void policy_cb(void *ctx, const char *msg)
{
	(void)ctx;
	cli_error("%s", msg);
}

static int cmd_export(struct cli *cli, int argc, char **argv)
{
	struct cli_parse p;
	struct al_export_opts eo = { 0 };
	struct al_media_summary sum = { 0 };
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	struct al_mkey *key = NULL;
	struct al_secret *pass = NULL;
	const char *key_path = NULL;
	char size[32], total[32];
	int opt, rc;

	cli_parse_start(&p, &cli_cmd_export, argc, argv);
	while ((opt = cli_parse_next(&p)) > 0) {
		switch (opt) {
		case 'o': eo.out_dir = p.value; break;
		case 'k': key_path = p.value; break;
		case OPT_SINCE: eo.since = p.value; break;
		case OPT_VOLUME_SIZE:
			if (cli_parse_size(p.value, &eo.volume_size))
				return cli_usage(&cli_cmd_export, "--volume-size: '%s' is not a size (e.g. 4G, "
				                 "700M, dvd, bd)", p.value);
			break;
		}
	}
	if (opt < 0)
		return p.rc;
	if (!eo.out_dir || !key_path)
		return cli_usage(&cli_cmd_export, "-o MEDIA and --key NAME.key are required");
	eo.bundles = (const char *const *)p.args;
	eo.nbundles = (size_t)p.nargs;
	if (al_minisign_key_read(&key, key_path, &d))
		return cli_fail(cli, &d);
	if (al_minisign_key_locked(key)) {
		if ((rc = cli_read_passphrase(cli, &pass, false)))
			goto out;
		if (al_minisign_key_unlock(key, al_secret_data(pass), al_secret_len(pass), &d)) {
			rc = cli_fail(cli, &d);
			goto out;
		}
	}
	eo.key = key;
	eo.policy_cb = policy_cb;
	eo.ctx = cli;
	if ((rc = cli_open_store(cli, &s, 0)))
		goto out;
	if (al_media_export(s, &eo, &sum, &d)) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	if (cli->json)
		cli_json(json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:i}", "event",
		                   "export", "media", eo.out_dir, "id", sum.id, "seq", (json_int_t)sum.seq,
		                   "bundles", sum.bundles ? sum.bundles : "", "key_id", sum.key_id, "delta",
		                   sum.delta, "objects", (json_int_t)sum.objects, "bytes",
		                   (json_int_t)sum.bytes, "total_objects", (json_int_t)sum.total_objects,
		                   "total_bytes", (json_int_t)sum.total_bytes, "volumes", sum.volumes));
	else if (cli->verbosity >= 0)
		printf("exported %s (seq %lld, media %s, key %s): %llu objects, %s in %u volume%s%s%s\n",
		       sum.bundles, (long long)sum.seq, sum.id, sum.key_id,
		       (unsigned long long)sum.objects, cli_human_size(sum.bytes, size, sizeof(size)),
		       sum.volumes, sum.volumes == 1 ? "" : "s",
		       sum.delta ? "; a delta of a state with " : "",
		       sum.delta ? cli_human_size(sum.total_bytes, total, sizeof(total)) : "");
out:
	al_media_summary_release(&sum);
	al_secret_free(pass);
	al_minisign_key_free(key);
	al_store_free(s);
	return rc;
}
