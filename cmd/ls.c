/* airlock ls: what bundles the store holds */
#include "config.h"

#include <stdlib.h>

#include "cli.h"

static void show(struct cli *cli, const struct al_lock *l, bool detail)
{
	size_t i, k, ndists = 0, nfiles = 0;
	unsigned long long bytes = 0;
	char size[32];

	for (i = 0; i < l->ntargets; i++)
		for (k = 0; k < l->targets[i].ndists; k++, ndists++)
			bytes += l->targets[i].dists[k].size > 0 ? (unsigned long long)l->targets[i].dists[k].size : 0;
	for (i = 0; i < l->nrepos; i++)
		for (k = 0; k < l->repos[i].nfiles; k++, nfiles++)
			bytes += (unsigned long long)l->repos[i].files[k].size;
	if (cli->json) {
		json_t *targets = json_array(), *repos = json_array(), *out;
		bool oom = !targets || !repos; /* a JSON answer is whole or not given */
		for (i = 0; i < l->ntargets; i++) {
			json_t *d = json_array();
			for (k = 0; detail && k < l->targets[i].ndists; k++)
				oom |= !!json_array_append_new(d, json_pack("{s:s, s:s, s:s, s:s}", "name",
				                      l->targets[i].dists[k].name, "version",
				                      l->targets[i].dists[k].version, "filename",
				                      l->targets[i].dists[k].filename, "sha256",
				                      l->targets[i].dists[k].sha256));
			oom |= !!json_array_append_new(targets, json_pack("{s:s, s:I, s:o}", "name",
			                      l->targets[i].name, "distributions",
			                      (json_int_t)l->targets[i].ndists, "files", d));
		}
		for (i = 0; i < l->nrepos; i++)
			oom |= !!json_array_append_new(repos, json_pack("{s:s, s:s, s:s?, s:s, s:I}", "type",
			                      l->repos[i].type, "repo", l->repos[i].repo, "revision",
			                      l->repos[i].revision, "commit", l->repos[i].commit, "files",
			                      (json_int_t)l->repos[i].nfiles));
		out = json_pack("{s:s, s:s, s:s?, s:o, s:o, s:I}", "event", "bundle", "name", l->bundle,
		                "manifest_sha256", l->manifest_sha256, "targets", targets, "repos", repos,
		                "bytes", (json_int_t)bytes);
		if (oom) {
			json_decref(out);
			out = NULL;
		}
		cli_json(out);
		return;
	}
	/* al_lock_from_json checked every name against its grammar; file paths
	 * may still hold C1 controls */
	printf("%s: %zu target%s, %zu distributions, %zu repos with %zu files, %s\n", l->bundle,
	       l->ntargets, l->ntargets == 1 ? "" : "s", ndists, l->nrepos, nfiles,
	       cli_human_size(bytes, size, sizeof(size)));
	if (!detail)
		return;
	for (i = 0; i < l->ntargets; i++) {
		printf("  target %s (python %s, %s)\n", l->targets[i].name, l->targets[i].python_version,
		       l->targets[i].implementation);
		for (k = 0; k < l->targets[i].ndists; k++)
			printf("    %s==%s  %s\n", l->targets[i].dists[k].name, l->targets[i].dists[k].version,
			       l->targets[i].dists[k].filename);
	}
	for (i = 0; i < l->nrepos; i++) {
		struct cli_safe sf = CLI_SAFE_INIT;
		printf("  %s %s@%s (%.12s)\n", l->repos[i].type, cli_safe(&sf, l->repos[i].repo),
		       cli_safe(&sf, l->repos[i].revision), l->repos[i].commit);
		cli_safe_release(&sf);
		for (k = 0; k < l->repos[i].nfiles; k++) {
			printf("    %s  %s\n", cli_safe(&sf, l->repos[i].files[k].path),
			       cli_human_size((unsigned long long)l->repos[i].files[k].size, size, sizeof(size)));
			cli_safe_release(&sf);
		}
	}
}

static int cmd_ls(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_ls = {
	"ls", cmd_ls, "list the bundles in the store",
	"usage: airlock ls [BUNDLE...]\n"
	"\n"
	"Without arguments, one line per bundle: targets, distributions, repos, size.\n"
	"With bundle names, every distribution and repo file of each.\n",
	NULL, 0,
};

static int cmd_ls(struct cli *cli, int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	struct cli_parse p;
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	if (cli_parse_args(&p, &cli_cmd_ls, argc, argv))
		return p.rc;
	if ((rc = cli_open_store(cli, &s, AL_STORE_RDONLY)))
		return rc;
	if (p.nargs) {
		for (i = 0; i < (size_t)p.nargs; i++) {
			struct al_lock *l = NULL;
			if (al_bundle_get(s, p.args[i], &l, &d)) {
				rc = cli_fail(cli, &d);
				break;
			}
			show(cli, l, true);
			al_lock_free(l);
		}
		goto out;
	}
	if (al_bundle_names(s, &names, &n, &d)) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	if (!n && !cli->json && cli->verbosity >= 0)
		printf("no bundles in %s\n", al_store_dir(s));
	for (i = 0; i < n; i++) {
		struct al_lock *l = NULL;
		if (al_bundle_get(s, names[i], &l, &d)) {
			rc = cli_fail(cli, &d);
			break;
		}
		show(cli, l, false);
		al_lock_free(l);
	}
out:
	al_strv_free(names, n);
	al_store_free(s);
	return rc;
}
