/*
 * trust.c: `airlock trust add KEY.pub | list | remove KEYID|KEY.pub`, the
 * public keys whose media import accepts.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "cli.h"

static int trust_add(struct cli *cli, int argc, char **argv);
static int trust_list(struct cli *cli, int argc, char **argv);
static int trust_remove(struct cli *cli, int argc, char **argv);

static const struct cli_command add_cmd = {
	"trust add", trust_add, NULL,
	"usage: airlock trust add KEY.pub...\n"
	"\n"
	"Trust minisign public keys, each a .pub file or a base64 key string.\n",
	NULL, 0,
};

static const struct cli_command list_cmd = {
	"trust list", trust_list, NULL,
	"usage: airlock trust list\n"
	"\n"
	"Print key id, public key, date added and comment of each trusted key.\n",
	NULL, 0,
};

static const struct cli_command remove_cmd = {
	"trust remove", trust_remove, NULL,
	"usage: airlock trust remove KEYID|KEY.pub...\n"
	"\n"
	"Stop trusting keys, each named by key id or by its .pub file.\n",
	NULL, 0,
};

static int trust_add(struct cli *cli, int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	struct al_trusted_key k;
	struct cli_parse p;
	bool added = false;
	int i, rc;

	if (cli_parse_args(&p, &add_cmd, argc, argv))
		return p.rc;
	if (!p.nargs)
		return cli_usage(&add_cmd, "trust add wants a public key file");
	if ((rc = cli_open_store(cli, &s, AL_STORE_CREATE)))
		return rc;
	for (i = 0; i < p.nargs; i++) {
		if (al_trust_add(s, p.args[i], &k, &added, &d)) {
			rc = cli_fail(cli, &d);
			break;
		}
		if (cli->json)
			cli_json(json_pack("{s:s, s:s, s:s, s:b}", "event", "trust-add", "key_id",
			                   k.key_id, "public_key", k.public_key, "added", added));
		else if (cli->verbosity >= 0)
			printf("%s key %s\n", added ? "trusted" : "already trusted:", k.key_id);
	}
	al_store_free(s);
	return rc;
}

static int print_key(void *ctx, const struct al_trusted_key *k)
{
	struct cli *cli = ctx;
	char when[32] = "";
	time_t t = (time_t)k->added;
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (cli->json)
		cli_json(json_pack("{s:s, s:s, s:s, s:s?, s:I, s:s}", "event", "trusted-key",
		                   "key_id", k->key_id, "public_key", k->public_key, "comment",
		                   k->comment, "added", (json_int_t)k->added, "added_utc", when));
	else
	{
		/* the comment came with the key file, from wherever that came */
		struct cli_safe sf = CLI_SAFE_INIT;
		printf("%s  %s  %s  %s\n", k->key_id, k->public_key, when, cli_safe(&sf, k->comment));
		cli_safe_release(&sf);
	}
	return 0;
}

static int trust_list(struct cli *cli, int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	int rc;

	if (cli_parse_none(&list_cmd, argc, argv, &rc))
		return rc;
	if ((rc = cli_open_store(cli, &s, AL_STORE_RDONLY)))
		return rc;
	if (al_trust_list(s, print_key, cli, &d))
		rc = cli_fail(cli, &d);
	al_store_free(s);
	return rc;
}

static int trust_remove(struct cli *cli, int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	struct cli_parse p;
	char id[AL_KEYID_LEN];
	int i, rc;

	if (cli_parse_args(&p, &remove_cmd, argc, argv))
		return p.rc;
	if (!p.nargs)
		return cli_usage(&remove_cmd, "trust remove wants a key id or a public key file");
	if ((rc = cli_open_store(cli, &s, 0)))
		return rc;
	for (i = 0; i < p.nargs; i++) {
		if (al_trust_remove(s, p.args[i], id, &d)) {
			rc = cli_fail(cli, &d);
			break;
		}
		if (cli->json)
			cli_json(json_pack("{s:s, s:s}", "event", "trust-remove", "key_id", id));
		else if (cli->verbosity >= 0)
			printf("removed key %s\n", id);
	}
	al_store_free(s);
	return rc;
}

static int cmd_trust(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_trust = {
	"trust", cmd_trust, "manage the keys whose media import accepts",
	"usage: airlock trust add KEY.pub...\n"
	"       airlock trust list\n"
	"       airlock trust remove KEYID|KEY.pub...\n"
	"\n"
	"add     trust a minisign public key (a .pub file or a base64 key string)\n"
	"list    print key id, public key, date added and comment of each key\n"
	"remove  stop trusting a key, named by key id or by its .pub file\n",
	NULL, CLI_STOP_AT_ARG,
};

static int cmd_trust(struct cli *cli, int argc, char **argv)
{
	static const struct cli_command *const subs[] = { &add_cmd, &list_cmd, &remove_cmd };

	return cli_dispatch(cli, &cli_cmd_trust, subs, sizeof(subs) / sizeof(*subs), argc, argv);
}
