#include "config.h"

#include "cli.h"

static int cmd_info(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_info = {
	"info", cmd_info, "show the store's location and contents",
	"usage: airlock info\n"
	"\n"
	"Print the store's directory, schema version and what it holds.\n",
	NULL, 0,
};

static int cmd_info(struct cli *cli, int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	struct al_store_info info;
	char size[32], impl[256];
	int rc;

	if (cli_parse_none(&cli_cmd_info, argc, argv, &rc))
		return rc;
	if ((rc = cli_open_store(cli, &s, AL_STORE_RDONLY)))
		return rc;
	if (al_store_info(s, &info, &d)) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	if (cli->json) {
		cli_json(json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:s}", "event",
		                   "info", "version", al_version(), "store", al_store_dir(s), "schema",
		                   info.schema_version, "blobs", (json_int_t)info.blobs, "bytes",
		                   (json_int_t)info.bytes, "referenced", (json_int_t)info.referenced,
		                   "bundles", (json_int_t)info.bundles, "imports",
		                   (json_int_t)info.imports, "sha256",
		                   al_sha256_impl(impl, sizeof(impl))));
	} else {
		printf("airlock %s\n", al_version());
		printf("store:      %s\n", al_store_dir(s));
		printf("schema:     %d\n", info.schema_version);
		printf("blobs:      %llu (%s)\n", (unsigned long long)info.blobs,
		       cli_human_size(info.bytes, size, sizeof(size)));
		printf("referenced: %llu\n", (unsigned long long)info.referenced);
		printf("bundles:    %llu\n", (unsigned long long)info.bundles);
		printf("imports:    %llu\n", (unsigned long long)info.imports);
		printf("sha256:     %s\n", al_sha256_impl(impl, sizeof(impl)));
	}
out:
	al_store_free(s);
	return rc;
}
