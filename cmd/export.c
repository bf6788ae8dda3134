#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_export(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
		                              { "output", required_argument, NULL, 'o' },
		                              { "key", required_argument, NULL, 'k' },
		                              { "since", required_argument, NULL, 's' },
		                              { "volume-size", required_argument, NULL, 'V' },
		                              { 0 } };
	struct al_export_opts eo = { 0 };
	struct al_media_summary sum = { 0 };
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	struct al_mkey *key = NULL;
	struct al_secret *pass = NULL;
	const char *key_path = NULL;
	char size[32], total[32];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "ho:k:", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': cli_print_help(cli_find("export"), stdout); return EXIT_OK;
		case 'o': eo.out_dir = optarg; break;
		case 'k': key_path = optarg; break;
		case 's': eo.since = optarg; break;
		case 'V':
			if (cli_parse_size(optarg, &eo.volume_size))
				return cli_usage("export", "--volume-size: '%s' is not a size (e.g. 4G, 700M, "
				                 "dvd, bd)", optarg);
			break;
		default: return cli_usage("export", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!eo.out_dir || !key_path)
		return cli_usage("export", "-o MEDIA and --key NAME.key are required");
	eo.bundles = (const char *const *)argv + optind;
	eo.nbundles = (size_t)(argc - optind);
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
