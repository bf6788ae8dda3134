#include "config.h"

#include <time.h>

#include "cli.h"

static void print_entry(void *ctx, const struct al_ledger_entry *e)
{
	struct cli *cli = ctx;
	struct cli_safe sf = CLI_SAFE_INIT;
	char when[32];
	time_t t = (time_t)e->at;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (cli->json) {
		static const char fmt[] = "{s:s, s:s, s:b, s:s?, s:s?, s:I, s:s?, s:s}";
		json_t *j = json_pack(fmt, "event", "ledger", "at", when, "accepted", e->accepted,
		                      "media_id", e->media_id, "bundle", e->bundle, "seq",
		                      (json_int_t)e->seq, "key_id", e->key_id, "reason",
		                      e->reason ? e->reason : "");
		/* JSON strings are UTF-8: an old line that is not gets escaped text */
		if (!j)
			j = json_pack(fmt, "event", "ledger", "at", when, "accepted", e->accepted,
			              "media_id", e->media_id ? cli_safe(&sf, e->media_id) : NULL,
			              "bundle", e->bundle ? cli_safe(&sf, e->bundle) : NULL, "seq",
			              (json_int_t)e->seq, "key_id",
			              e->key_id ? cli_safe(&sf, e->key_id) : NULL, "reason",
			              cli_safe(&sf, e->reason));
		cli_json(j);
		cli_safe_release(&sf);
		return;
	}
	/* a ledger line written by an older airlock may hold raw control bytes */
	printf("%s %-8s media %s bundle %s seq %lld key %s: %s\n", when,
	       e->accepted ? "accepted" : "REFUSED", cli_safe(&sf, e->media_id ? e->media_id : "-"),
	       cli_safe(&sf, e->bundle ? e->bundle : "-"), (long long)e->seq,
	       cli_safe(&sf, e->key_id ? e->key_id : "-"), cli_safe(&sf, e->reason));
	cli_safe_release(&sf);
}

static int cmd_log(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_log = {
	"log", cmd_log, "show the import ledger",
	"usage: airlock log\n"
	"\n"
	"Every media import attempt, accepted or refused, with its media id, bundle,\n"
	"seq, signing key and reason.\n",
	NULL, 0,
};

static int cmd_log(struct cli *cli, int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	int rc;

	if (cli_parse_none(&cli_cmd_log, argc, argv, &rc))
		return rc;
	if ((rc = cli_open_store(cli, &s, AL_STORE_RDONLY)))
		return rc;
	if (al_ledger_list(s, print_entry, cli, &d))
		rc = cli_fail(cli, &d);
	al_store_free(s);
	return rc;
}
