/* lib/mirror/nginx.c through its interface: the configuration names DIR and
 * the address only where checked (quotes, '$', control bytes and bad ports
 * refused), keeps the rules serve follows (read-only, no listings, no
 * symbolic links, Accept, Vary); the static Hub files publish precomputes
 * for one repo: info and tree at every ref, commit and HEAD, the same JSON
 * serve answers with, a revision that cannot be a path left out, and the
 * resolve map's lines escaped for nginx's quoting. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/mem.h"
#include "mirror/nginx.h"
#include "mirror/serve.h"
#include "tap.h"

#define C1 "1111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222"
#define B1 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

struct files {
	char *rel[1024], *text[1024];
	size_t n;
	bool fail; /* every write fails */
};

static al_err collect(void *ctx, const char *rel, const char *text, size_t len)
{
	struct files *fs = ctx;
	size_t i;

	if (fs->fail)
		return AL_EIO;
	for (i = 0; i < fs->n; i++)
		if (!strcmp(fs->rel[i], rel))
			return AL_ECONFLICT; /* publish's write_text refuses a second write */
	if (fs->n == 1024)
		return AL_EIO;
	fs->rel[fs->n] = al_strdup(rel);
	fs->text[fs->n] = al_strndup(text, len);
	fs->n++;
	return fs->rel[fs->n - 1] && fs->text[fs->n - 1] ? AL_OK : AL_ENOMEM;
}

static const char *file(const struct files *fs, const char *rel)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->rel[i], rel))
			return fs->text[i];
	return NULL;
}

/* Is there a file named dir + a name starting with start? */
static bool has_prefix_file(const struct files *fs, const char *dir, const char *start)
{
	size_t n = strlen(dir);

	for (size_t i = 0; i < fs->n; i++)
		if (!strncmp(fs->rel[i], dir, n) && !strncmp(fs->rel[i] + n, start, strlen(start)))
			return true;
	return false;
}

static void files_free(struct files *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		al_free(fs->rel[i]);
		al_free(fs->text[i]);
	}
	fs->n = 0;
}

static bool has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static bool same_json(const char *text, json_t *want)
{
	char *w = want ? json_dumps(want, JSON_COMPACT) : NULL;
	bool same = text && w && !strcmp(text, w);

	if (!same)
		diag("got %s\n# want %s", text ? text : "(none)", w ? w : "(none)");
	free(w);
	json_decref(want);
	return same;
}

/* c outside comment lines and nginx's escapes ("\\x" stands for x) */
static int count(const char *s, char c)
{
	int n = 0;
	bool line_start = true;

	for (; *s; s++) {
		if (line_start && *s == ' ')
			continue;
		if (line_start && *s == '#') {
			while (s[1] && s[1] != '\n')
				s++;
			continue;
		}
		line_start = *s == '\n';
		if (*s == '\\' && s[1]) {
			s++;
			continue;
		}
		n += *s == c;
	}
	return n;
}

static void test_conf(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf b = AL_BUF_INIT;
	char *text = NULL;

	ok(al_nginx_path_ok("/srv/mirror/pub") && al_nginx_path_ok("/a b/\xc3\xa9/x;y{z}#"),
	   "absolute paths, spaces, non-ASCII and ';{}#' can stand quoted");
	ok(!al_nginx_path_ok("pub") && !al_nginx_path_ok("") && !al_nginx_path_ok(NULL),
	   "a relative or empty path cannot");
	ok(!al_nginx_path_ok("/a\"b") && !al_nginx_path_ok("/a\\b") && !al_nginx_path_ok("/a$b") &&
	   !al_nginx_path_ok("/a\nb") && !al_nginx_path_ok("/a\x7f"),
	   "nor '\"', '\\\\', '$' or a control byte");

	ok(al_nginx_conf("/srv/mirror/pub/", "0.0.0.0:8080", &b, &d) == AL_OK, "a configuration");
	ok(has(b.buf, "root \"/srv/mirror/pub\";\n") && has(b.buf, "alias \"/srv/mirror/pub/\";") &&
	   has(b.buf, "include \"/srv/mirror/pub/hf/nginx/resolve.map\";"),
	   "  DIR quoted, without its trailing '/', in root, alias and the map's include");
	ok(has(b.buf, "listen 0.0.0.0:8080;\n"), "  the listen address");
	ok(!has(b.buf, "@DIR@") && !has(b.buf, "@LISTEN@") && !has(b.buf, "@FORM"),
	   "  every placeholder filled");
	ok(has(b.buf, "\"~^paths=(?!\\.\\.?&|\\.\\.?$)([A-Za-z0-9._~%+-]+)(&expand=(?:True|true))$\" fe/$1;") &&
	   has(b.buf, "(&expand=(?:False|false)|)$\" fp/$1;") &&
	   has(b.buf, "[A-Za-z0-9._~%+-]+(&expand=(True|true|False|false)|)$\" $request_body;"),
	   "  paths-info's form body, one encoded path, to fe/ or fp/");
	ok(count(b.buf, '{') == count(b.buf, '}') && count(b.buf, '"') % 2 == 0,
	   "  braces and quotes balance");
	ok(has(b.buf, "disable_symlinks on from=$document_root;") && has(b.buf, "autoindex off;"),
	   "  no symbolic links below DIR, no listings");
	ok(has(b.buf, "if ($al_method_ok = 0)") && has(b.buf, "        GET 1;\n        HEAD 1;\n        POST $al_post_ok;\n") &&
	   has(b.buf, "add_header Allow \"GET, HEAD\" always;"),
	   "  read-only: 405 with Allow but for GET, HEAD and paths-info's POST");
	ok(has(b.buf, "upstream al_self {\n        server 127.0.0.1:8080;"),
	   "  paths-info goes round through the loopback when listening on 0.0.0.0");
	ok(has(b.buf, "map $http_accept $al_simple") && has(b.buf, "add_header Vary Accept always;") &&
	   has(b.buf, "application/vnd.pypi.simple.v1+json v1_json;") &&
	   has(b.buf, "default_type application/vnd.pypi.simple.v1+html;"),
	   "  PEP 691 by Accept, with Vary");
	ok(has(b.buf, "add_header X-Repo-Commit $al_hub_commit always;") &&
	   has(b.buf, "add_header X-Linked-Etag $al_hub_letag always;") &&
	   has(b.buf, "add_header X-Linked-Size $al_hub_lsize always;") &&
	   has(b.buf, "add_header ETag $al_hub_etag;"), "  resolve's headers from the map");
	ok(has(b.buf, "pid nginx.pid;") && has(b.buf, "client_body_temp_path client_body_temp;"),
	   "  pid, logs and temporary files relative to nginx's -p PREFIX");
	al_buf_release(&b);

	ok(al_nginx_conf("/srv/pub", "[::1]:443", &b, &d) == AL_OK && has(b.buf, "listen [::1]:443;") &&
	   has(b.buf, "server [::1]:443;"), "an IPv6 address");
	al_buf_release(&b);
	ok(al_nginx_conf("/srv/pub", "[::]:443", &b, &d) == AL_OK && has(b.buf, "server [::1]:443;"),
	   "  the v6 wildcard goes round through [::1]");
	al_buf_release(&b);
	ok(al_nginx_conf("/srv/pub", "mirror.lan:80", &b, &d) == AL_OK, "a host name");
	al_buf_release(&b);
	ok(al_nginx_conf("/srv/p\"ub", "127.0.0.1:80", &b, &d) == AL_EUSAGE &&
	   has(d.msg, "'/srv/p\"ub' cannot stand in an nginx configuration"),
	   "a path with '\"' is refused, named");
	al_buf_release(&b);
	ok(al_nginx_conf("/srv/$pub", "127.0.0.1:80", &b, &d) == AL_EUSAGE, "a path with '$' is refused");
	al_buf_release(&b);
	ok(al_nginx_conf("/srv/pub", "127.0.0.1:0", &b, &d) == AL_EUSAGE &&
	   has(d.msg, "'127.0.0.1:0' cannot stand"), "port 0 is refused (nginx picks no port)");
	al_buf_release(&b);
	ok(al_nginx_conf("/srv/pub", "127.0.0.1:65536", &b, &d) == AL_EUSAGE &&
	   al_nginx_conf("/srv/pub", "a;b:80", &b, &d) == AL_EUSAGE &&
	   al_nginx_conf("/srv/pub", ":80", &b, &d) == AL_EUSAGE &&
	   al_nginx_conf("/srv/pub", "host", &b, &d) == AL_EUSAGE &&
	   al_nginx_conf("/srv/pub", "[::1]80", &b, &d) == AL_EUSAGE &&
	   al_nginx_conf("/srv/pub", "h:8x", &b, &d) == AL_EUSAGE,
	   "a bad port, ';' in the host, no host, no port: refused");
	al_buf_release(&b);
	ok(al_nginx_conf_text("/srv/pub", "127.0.0.1:8080", &text, &d) == AL_OK && has(text, "root \"/srv/pub\";"),
	   "al_nginx_conf_text: the same text");
	free(text);
	al_diag_clear(&d);
}

static json_t *make_api(const char *type)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:{s:[{s:s, s:i, s:s, s:s}, {s:s, s:i, s:s, s:s, "
	                 "s:{s:s, s:i, s:i}}, {s:s, s:i, s:s, s:s}, {s:s, s:i, s:s, s:s}], s:[{s:s, s:i, s:s, s:s}]}}",
	                 "type", type, "id", "org/m", "refs", "main", C1, "refs/pr/1", C2, "../up", C1,
	                 "commits", C1, "rfilename", "config.json", "size", 2, "blobId", B1, "sha256", SHA,
	                 "rfilename", "sub/dir/w.bin", "size", 300000, "blobId", B1, "sha256", SHA, "lfs",
	                 "sha256", SHA, "size", 300000, "pointerSize", 134, "rfilename", "a\"b\\c.txt",
	                 "size", 1, "blobId", B1, "sha256", SHA, "rfilename", "new\nline.txt", "size", 1,
	                 "blobId", B1, "sha256", SHA, C2, "rfilename", "only.txt", "size", 1, "blobId", B1,
	                 "sha256", SHA);
}

static void test_hub(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf map = AL_BUF_INIT;
	struct files fs = { .n = 0, .fail = false };
	json_t *api = make_api("model"), *files1, *files2;
	const char *c;
	const char *base = "hf/nginx/api/models/org/m/";
	bool found;
	char rel[256];

	if (!api) {
		ok(0, "the test's record");
		return;
	}
	files1 = json_object_get(json_object_get(api, "commits"), C1);
	files2 = json_object_get(json_object_get(api, "commits"), C2);
	ok(al_nginx_hub_repo(api, 1700000000, collect, &fs, &map, &d) == AL_OK, "a repo's static files");
#define AT(p) (snprintf(rel, sizeof(rel), "%s%s", base, p), file(&fs, rel))
	ok(same_json(AT("refs.json"), al_serve_hub_refs(json_object_get(api, "refs"))),
	   "refs.json is serve's refs answer");
	ok(same_json(AT("revision/main/info.json"),
	             al_serve_hub_info("models", "org/m", C1, files1, 1700000000, false)),
	   "revision/main/info.json is serve's info of main");
	ok(same_json(AT("revision/main/info-blobs.json"),
	             al_serve_hub_info("models", "org/m", C1, files1, 1700000000, true)),
	   "  and info-blobs.json its ?blobs=true");
	ok(same_json(AT("revision/HEAD/info.json"),
	             al_serve_hub_info("models", "org/m", C1, files1, 1700000000, false)),
	   "HEAD is main");
	ok(same_json(AT("revision/" C2 "/info.json"),
	             al_serve_hub_info("models", "org/m", C2, files2, 1700000000, false)),
	   "a commit by its id");
	ok(same_json(AT("revision/refs/pr/1/info.json"),
	             al_serve_hub_info("models", "org/m", C2, files2, 1700000000, false)),
	   "a revision with '/' is a folder path");
	ok(same_json(AT("tree/main/.tree.json"),
	             al_serve_hub_tree(C1, files1, "", false, false, 1700000000, &found)),
	   "tree/main/.tree.json: the top of main");
	ok(same_json(AT("tree/main/.tree-r-e.json"),
	             al_serve_hub_tree(C1, files1, "", true, true, 1700000000, &found)),
	   "  .tree-r-e.json: recursive, expanded");
	ok(same_json(AT("tree/main/sub/dir/.tree-e.json"),
	             al_serve_hub_tree(C1, files1, "sub/dir", false, true, 1700000000, &found)),
	   "  a folder's listing below it");
	ok(AT("tree/main/sub/.tree-r.json") && !AT("tree/main/config.json/.tree.json"),
	   "  every folder, no file");
	{
		json_t *all = al_serve_hub_tree(C1, files1, "", true, true, 1700000000, &found), *e = NULL;
		size_t i;
		json_array_foreach(all, i, e)
			if (!strcmp(json_string_value(json_object_get(e, "path")), "sub/dir/w.bin"))
				break;
		ok(same_json(AT("paths-info/main/e/sub/dir/w.bin"), json_pack("[O]", e)),
		   "paths-info/main/e/<file>: [its expanded entry]");
		ok(same_json(AT("paths-info/main/fe/sub%2Fdir%2Fw.bin"), json_pack("[O]", e)),
		   "  and fe/<the path as a form encodes it>");
		json_decref(all);
	}
	ok(AT("paths-info/main/p/config.json") && !AT("paths-info/main/p/sub") &&
	   AT("paths-info/refs/pr/1/e/only.txt"), "  and plain; files only, every revision");
	ok(AT("paths-info/main/fp/config.json") && AT("paths-info/main/fp/a%22b%5Cc.txt") &&
	   AT("paths-info/main/fp/new%0Aline.txt") && AT("paths-info/refs/pr/1/fe/only.txt") &&
	   !AT("paths-info/main/fp/sub"), "  the form's names: every byte but [A-Za-z0-9_.~-] as %%XX");
	ok(!AT("revision/../up/info.json") && !AT("tree/../up/.tree.json"),
	   "a revision that cannot be a path ('..') is left out");
	c = map.buf;
	ok(has(c, "\"/org/m/resolve/main/config.json\" \"" C1 " " B1 " - hf/hub/models--org--m/blobs/" B1 "\";\n"),
	   "the map: a regular file's commit, git blob id, no linked size, blob");
	ok(has(c, "\"/org/m/resolve/main/sub/dir/w.bin\" \"" C1 " " SHA " 300000 hf/hub/models--org--m/blobs/" SHA "\";\n"),
	   "  an LFS file's sha256 and size");
	ok(has(c, "\"/org/m/resolve/HEAD/config.json\"") && has(c, "\"/org/m/resolve/" C1 "/config.json\"") &&
	   has(c, "\"/org/m/resolve/refs/pr/1/only.txt\" \"" C2 " "),
	   "  every revision: HEAD, the commit, refs/pr/1");
	ok(has(c, "\"/org/m/resolve/main/a\\\"b\\\\c.txt\""), "  '\"' and '\\\\' escaped");
	ok(!has(c, "new\nline") && !has(c, "new"), "  a name with a control byte left out");
	files_free(&fs);
	al_buf_release(&map);
	json_decref(api);

	api = make_api("dataset");
	ok(api && al_nginx_hub_repo(api, 1700000000, collect, &fs, &map, &d) == AL_OK &&
	   file(&fs, "hf/nginx/api/datasets/org/m/revision/main/info.json") &&
	   !has(file(&fs, "hf/nginx/api/datasets/org/m/revision/main/info.json"), "modelId") &&
	   has(map.buf, "\"/datasets/org/m/resolve/main/config.json\" \"" C1 " " B1 " - hf/hub/datasets--org--m/blobs/"),
	   "a dataset: /api/datasets/, /datasets/<repo>/resolve/, datasets--org--m");
	files_free(&fs);
	al_buf_release(&map);

	/* a writer's error is ours */
	fs.fail = true;
	ok(al_nginx_hub_repo(api, 1, collect, &fs, &map, &d) == AL_EIO, "a failed write fails");
	fs.fail = false;
	al_buf_release(&map);

	for (unsigned long k = 0;; k++) {
		al_err err;
		al_mem_fail_after((long)k, 1);
		err = al_nginx_hub_repo(api, 1, collect, &fs, &map, &d);
		al_mem_fail_after(-1, 0);
		files_free(&fs);
		al_buf_release(&map);
		if (err != AL_ENOMEM) {
			ok(err == AL_OK, "allocation failures reported as out of memory (%lu tried)", k);
			break;
		}
	}
	json_decref(api);
	al_diag_clear(&d);
}

/* The form's names: ' ' as '+', '+' as %2B, and a name that the encoding
 * makes longer than a file name is left out (nginx answers [] for it). */
static void test_form_names(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf map = AL_BUF_INIT, longname = AL_BUF_INIT, rel = AL_BUF_INIT;
	struct files fs = { .n = 0, .fail = false };
	json_t *api = NULL;
	int i;

	for (i = 0; i < 60; i++)
		if (al_buf_addstr(&longname, "\xc3\xa9"))
			break;
	if (i == 60)
		api = json_pack("{s:s, s:s, s:{s:s}, s:{s:[{s:s, s:i, s:s, s:s}, {s:s, s:i, s:s, s:s}]}}",
		                "type", "model", "id", "org/m", "refs", "main", C1, "commits", C1,
		                "rfilename", "a b+c~.txt", "size", 1, "blobId", B1, "sha256", SHA,
		                "rfilename", longname.buf, "size", 1, "blobId", B1, "sha256", SHA);
	ok(api && al_nginx_hub_repo(api, 1700000000, collect, &fs, &map, &d) == AL_OK, "a repo");
	ok(file(&fs, "hf/nginx/api/models/org/m/paths-info/main/fe/a+b%2Bc~.txt") != NULL,
	   "  ' ' is '+', '+' is %%2B, '~' is kept, as Python's urlencode writes them");
	ok(!al_buf_addf(&rel, "hf/nginx/api/models/org/m/paths-info/main/p/%s", longname.buf) &&
	   file(&fs, rel.buf), "  a name of 120 bytes is under p/");
	al_buf_reset(&rel);
	ok(!al_buf_addstr(&rel, "hf/nginx/api/models/org/m/paths-info/main/fp/") && rel.len &&
	   !has_prefix_file(&fs, rel.buf, "%C3%A9"), "  but not under fp/: encoded, 360 bytes");
	files_free(&fs);
	al_buf_release(&map);
	al_buf_release(&longname);
	al_buf_release(&rel);
	json_decref(api);
	al_diag_clear(&d);
}

static void test_map_finish(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf in = AL_BUF_INIT, out = AL_BUF_INIT;

	ok(al_buf_addstr(&in, "# head\n"
	                      "        \"/o/m/resolve/main/README.md\" \"a\";\n"
	                      "        \"/o/m/resolve/main/x\\\"Q\" \"b\";\n"
	                      "        \"/o/m/resolve/main/readme.md\" \"c\";\n"
	                      "        \"/o/m/resolve/main/x\\\"q2\" \"d\";\n") == AL_OK &&
	   al_nginx_map_finish(&in, &out, &d) == AL_OK, "the map's last pass");
	ok(out.buf && !strcmp(out.buf, "# head\n"
	                                "        \"/o/m/resolve/main/x\\\"Q\" \"b\";\n"
	                                "        \"/o/m/resolve/main/x\\\"q2\" \"d\";\n"),
	   "  keys equal but for case both left out (nginx matches them ignoring case); the rest kept");
	al_buf_release(&in);
	al_buf_release(&out);
}

int main(void)
{
	test_conf();
	test_hub();
	test_form_names();
	test_map_finish();
	return done_testing();
}
