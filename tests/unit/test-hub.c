/*
 * test-hub.c: the pure parts of lib/hub/hub.c: tree and info JSON to file
 * lists with every hostile entry refused (fixtures/hub-client/tree-cases.txt),
 * quoting, the endpoint and token look-ups. The include/exclude patterns are
 * tests/unit/test-glob.c; the network side is tests/cli/hub-client.sh.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "hub/hub.h"
#include "tap.h"

static char *fixture(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/fixtures/hub-client/%s", tap_srcdir(), name);
	return path;
}

static void tree_cases(void)
{
	FILE *f = fopen(fixture("tree-cases.txt"), "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;

	if (!ok(f != NULL, "open tree-cases.txt"))
		return;
	while ((n = getline(&line, &cap, f)) >= 0) {
		struct al_hub_files files = { 0 };
		struct al_diag d = AL_DIAG_INIT;
		char *tab, *json;
		al_err err;

		lineno++;
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		if (!(tab = strchr(line, '\t'))) {
			ok(0, "tree-cases.txt:%zu: no tab", lineno);
			continue;
		}
		*tab = '\0';
		json = tab + 1;
		err = al_hub_parse_tree(json, strlen(json), &files, &d);
		if (!err)
			err = al_hub_check_files(&files, &d);
		if (!strncmp(line, "ok ", 3)) {
			if (!ok(!err && files.n == (size_t)atoi(line + 3), "tree-cases.txt:%zu: %s",
			        lineno, line))
				diag("  got %zu files, error '%s'", files.n, err ? d.msg : "");
			for (size_t i = 1; !err && i < files.n; i++)
				if (strcmp(files.v[i - 1].path, files.v[i].path) >= 0)
					ok(0, "tree-cases.txt:%zu: sorted", lineno);
		} else {
			const char *want = line + 6;
			if (!ok(err && strstr(d.msg, want), "tree-cases.txt:%zu: %s", lineno, line))
				diag("  got '%s'", err ? d.msg : "(accepted)");
		}
		al_hub_files_release(&files);
	}
	free(line);
	fclose(f);
}

static void quoting(void)
{
	struct al_buf b = AL_BUF_INIT;

	al_hub_quote(&b, "refs/pr/1", false);
	is_str(b.buf, "refs%2Fpr%2F1", "revision: '/' encoded");
	al_buf_reset(&b);
	al_hub_quote(&b, "docs/read me \xc3\xa9.txt", true);
	is_str(b.buf, "docs/read%20me%20%C3%A9.txt", "path: '/' kept, space and UTF-8 encoded");
	al_buf_reset(&b);
	al_hub_quote(&b, "a+b=c&d~_.-", true);
	is_str(b.buf, "a%2Bb%3Dc%26d~_.-", "path: '+', '=', '&' encoded; unreserved kept");
	al_buf_release(&b);
}

static void info(void)
{
	static const char good[] =
		"{\"id\":\"o/n\",\"sha\":\"0123456789abcdef0123456789abcdef01234567\","
		"\"siblings\":[{\"rfilename\":\"c.json\",\"size\":3,"
		"\"blobId\":\"0123456789abcdef0123456789abcdef01234567\"},"
		"{\"rfilename\":\"m.bin\",\"size\":9,"
		"\"blobId\":\"0123456789abcdef0123456789abcdef01234567\","
		"\"lfs\":{\"sha256\":"
		"\"9be78edb5b928eba33aa88f431551348f7466ba9f5ef3daf1d552398722a5436\","
		"\"size\":9,\"pointerSize\":134}}]}";
	static const char nosize[] =
		"{\"sha\":\"0123456789abcdef0123456789abcdef01234567\","
		"\"siblings\":[{\"rfilename\":\"c\"}]}";
	static const char evil[] =
		"{\"sha\":\"0123456789abcdef0123456789abcdef01234567\","
		"\"siblings\":[{\"rfilename\":\"../c\","
		"\"size\":1,\"blobId\":\"0123456789abcdef0123456789abcdef01234567\"}]}";
	struct al_hub_files f = { 0 };
	struct al_diag d = AL_DIAG_INIT;
	char *sha = NULL;

	ok(!al_hub_parse_info(good, strlen(good), &sha, &f, &d) && f.n == 2, "info: siblings");
	is_str(sha, "0123456789abcdef0123456789abcdef01234567", "info: sha");
	ok(f.n == 2 && !f.v[0].lfs && !f.v[0].sha256 && f.v[1].lfs && f.v[1].size == 9 &&
	   !strcmp(f.v[1].sha256,
	           "9be78edb5b928eba33aa88f431551348f7466ba9f5ef3daf1d552398722a5436"),
	   "info: lfs.sha256 is the sha256; regular files have none yet");
	al_free(sha);
	al_hub_files_release(&f);
	ok(!al_hub_parse_info(nosize, strlen(nosize), &sha, NULL, &d), "info: sha only");
	al_free(sha);
	ok(al_hub_parse_info(nosize, strlen(nosize), &sha, &f, &d) && strstr(d.msg, "no size"),
	   "info: siblings without blobs=true are refused");
	al_hub_files_release(&f);
	ok(al_hub_parse_info(evil, strlen(evil), &sha, &f, &d) &&
	   strstr(d.msg, "unsafe path '../c'"),
	   "info: unsafe sibling refused");
	al_hub_files_release(&f);
	ok(al_hub_parse_info("{\"sha\":\"main\"}", 14, &sha, NULL, &d) && !sha,
	   "info: a sha that is not a commit is refused");
}

static void endpoint_and_token(void)
{
	char dir[] = "/tmp/test-hub.XXXXXX", path[256];
	struct al_diag d = AL_DIAG_INIT;
	char *tok = NULL;
	FILE *f;

	unsetenv("HF_ENDPOINT");
	is_str(al_hub_endpoint(NULL), "https://huggingface.co", "endpoint default");
	is_str(al_hub_endpoint("http://m/hf"), "http://m/hf", "endpoint from the manifest");
	setenv("HF_ENDPOINT", "http://env", 1);
	is_str(al_hub_endpoint("http://m/hf"), "http://env", "HF_ENDPOINT overrides");
	setenv("HF_ENDPOINT", "", 1);
	is_str(al_hub_endpoint("http://m/hf"), "http://m/hf", "empty HF_ENDPOINT ignored");
	unsetenv("HF_ENDPOINT");

	if (!ok(mkdtemp(dir) != NULL, "temp dir"))
		return;
	unsetenv("HF_TOKEN");
	unsetenv("HUGGING_FACE_HUB_TOKEN");
	unsetenv("HF_TOKEN_PATH");
	unsetenv("MY_TOKEN");
	setenv("HF_HOME", dir, 1);
	ok(!al_hub_token("MY_TOKEN", &tok, &d) && !tok, "no token anywhere");
	snprintf(path, sizeof(path), "%s/token", dir);
	if ((f = fopen(path, "w"))) {
		fputs("  hf_file_token\n", f);
		fclose(f);
	}
	ok(!al_hub_token("MY_TOKEN", &tok, &d) && tok && !strcmp(tok, "hf_file_token"),
	   "$HF_HOME/token, stripped");
	al_free(tok);
	setenv("HUGGING_FACE_HUB_TOKEN", "hf_legacy", 1);
	ok(!al_hub_token("MY_TOKEN", &tok, &d) && tok && !strcmp(tok, "hf_legacy"),
	   "HUGGING_FACE_HUB_TOKEN before the file");
	al_free(tok);
	setenv("HF_TOKEN", " hf_env\t", 1);
	ok(!al_hub_token("MY_TOKEN", &tok, &d) && tok && !strcmp(tok, "hf_env"),
	   "HF_TOKEN before HUGGING_FACE_HUB_TOKEN, stripped");
	al_free(tok);
	setenv("MY_TOKEN", "hf_mine", 1);
	ok(!al_hub_token("MY_TOKEN", &tok, &d) && tok && !strcmp(tok, "hf_mine"),
	   "the manifest's token-env first");
	al_free(tok);
	setenv("MY_TOKEN", "   ", 1);
	ok(!al_hub_token("MY_TOKEN", &tok, &d) && tok && !strcmp(tok, "hf_env"),
	   "a blank variable is skipped");
	al_free(tok);
	unlink(path);
	rmdir(dir);
	unsetenv("HF_TOKEN");
	unsetenv("HUGGING_FACE_HUB_TOKEN");
	unsetenv("MY_TOKEN");
}

static void handle(void)
{
	struct al_http *h = NULL;
	struct al_hub *hub = NULL;
	struct al_hub_opts o = AL_HUB_OPTS_INIT;
	struct al_diag d = AL_DIAG_INIT;

	if (!ok(!al_http_new(&h, NULL, &d), "http engine"))
		return;
	o.endpoint = "ftp://x";
	ok(al_hub_new(&hub, h, NULL, &o, &d) == AL_EINVALID, "ftp endpoint refused");
	o.endpoint = "http://127.0.0.1:1/hf/";
	o.token = "hf_bad\r\nX-Evil: 1";
	ok(al_hub_new(&hub, h, NULL, &o, &d) == AL_EINVALID && !strstr(d.msg, "hf_bad"),
	   "token with CR LF refused, and not echoed");
	o.token = "hf_ok";
	ok(!al_hub_new(&hub, h, NULL, &o, &d), "hub with a path prefix and a token");
	al_hub_free(hub);
	al_http_free(h);
}

int main(void)
{
	tree_cases();
	quoting();
	info();
	endpoint_and_token();
	handle();
	return done_testing();
}
