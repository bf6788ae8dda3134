/*
 * test-serve.c: lib/serve*.c and lib/mirror/env.c. A published tree is built by hand
 * (files, symbolic links, the Hub API JSON), the server is started on
 * 127.0.0.1 port 0, and libcurl checks what it answers: negotiation,
 * redirects, Range, traversal in every encoding, planted symbolic links,
 * the Hub endpoints' shapes and headers, paging, paths-info, a re-publish.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "mirror/serve.h"
#include "tap.h"

#define COMMIT "0123456789abcdef0123456789abcdef01234567"
#define COMMIT2 "fedcba9876543210fedcba9876543210fedcba98"

static char top[] = "/tmp/airlock-test-serve-XXXXXX";
static char base[64];

/* ---- building the tree -------------------------------------------------------------- */

static void put(const char *gen, const char *rel, const char *data, size_t n)
{
	struct al_buf p = AL_BUF_INIT;
	char *slash;

	al_buf_addf(&p, "%s/%s", gen, rel);
	slash = strrchr(p.buf, '/');
	*slash = '\0';
	al_mkdir_p(p.buf, 0755, NULL);
	*slash = '/';
	if (al_write_file_atomic(p.buf, data, n, 0644, NULL))
		diag("cannot write %s", p.buf);
	al_buf_release(&p);
}

static void puts_(const char *gen, const char *rel, const char *text)
{
	put(gen, rel, text, strlen(text));
}

static void link_(const char *gen, const char *rel, const char *target)
{
	struct al_buf p = AL_BUF_INIT;
	char *slash;

	al_buf_addf(&p, "%s/%s", gen, rel);
	slash = strrchr(p.buf, '/');
	*slash = '\0';
	al_mkdir_p(p.buf, 0755, NULL);
	*slash = '/';
	if (symlink(target, p.buf) < 0)
		diag("cannot link %s", p.buf);
	al_buf_release(&p);
}

static void git_sha1(const char *data, size_t n, char out[AL_SHA1_HEX])
{
	struct al_hash h;
	char head[64];

	snprintf(head, sizeof(head), "blob %zu", n);
	al_hash_init(&h, AL_HASH_SHA1, NULL);
	al_hash_update(&h, head, strlen(head) + 1);
	al_hash_update(&h, data, n);
	al_hash_final_hex(&h, out);
}

static char wheel[3000], big[70000];
static char config_sha1[AL_SHA1_HEX], big_sha256[AL_SHA256_HEX];

/* A Hub repo: info.json plus the cache layout with relative symlinks into blobs/. */
static void hub_repo(const char *gen, const char *type, const char *repo, bool with_big)
{
	struct al_buf rel = AL_BUF_INIT, folder = AL_BUF_INIT;
	static const char *const small[][2] = {
		{ "config.json", "{\"hidden_size\": 8}\n" },
		{ "sub/a.txt", "a\n" },
		{ "sub/deep/b.txt", "b\n" },
		{ "read me é.txt", "hello\n" },
	};
	json_t *files = json_array(), *info;
	char sha1[AL_SHA1_HEX], sha256[AL_SHA256_HEX], *text;
	const char *c;
	size_t i;

	al_buf_addf(&folder, "hf/hub/%s--", type);
	for (c = repo; *c; c++)
		*c == '/' ? al_buf_addstr(&folder, "--") : al_buf_addch(&folder, *c);
	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		const char *path = small[i][0], *data = small[i][1], *s;
		al_buf_reset(&rel);
		git_sha1(data, strlen(data), sha1);
		al_sha256_hex(data, strlen(data), sha256);
		al_buf_addf(&rel, "%s/blobs/%s", folder.buf, sha1);
		puts_(gen, rel.buf, data);
		al_buf_reset(&rel);
		al_buf_addf(&rel, "%s/snapshots/%s/%s", folder.buf, COMMIT, path);
		{
			struct al_buf target = AL_BUF_INIT;
			for (s = path; *s; s++)
				if (*s == '/')
					al_buf_addstr(&target, "../");
			al_buf_addf(&target, "../../blobs/%s", sha1);
			link_(gen, rel.buf, target.buf);
			al_buf_release(&target);
		}
		json_array_append_new(files, json_pack("{s:s, s:i, s:s, s:s}", "rfilename", path, "size",
		                                       (int)strlen(data), "blobId", sha1, "sha256",
		                                       sha256));
	}
	if (with_big) {
		al_buf_reset(&rel);
		al_buf_addf(&rel, "%s/blobs/%s", folder.buf, big_sha256);
		put(gen, rel.buf, big, sizeof(big));
		al_buf_reset(&rel);
		al_buf_addf(&rel, "%s/snapshots/%s/big.bin", folder.buf, COMMIT);
		al_buf_reset(&folder);
		al_buf_addf(&folder, "../../blobs/%s", big_sha256);
		link_(gen, rel.buf, folder.buf);
		json_array_append_new(files, json_pack("{s:s, s:i, s:s, s:s, s:{s:s, s:i, s:i}}",
		                                       "rfilename", "big.bin", "size",
		                                       (int)sizeof(big), "blobId",
		                                       "1111111111111111111111111111111111111111",
		                                       "sha256", big_sha256, "lfs", "sha256",
		                                       big_sha256, "size", (int)sizeof(big),
		                                       "pointerSize", 134));
		/* a file whose snapshot entry was planted to point out of the tree */
		al_buf_reset(&rel);
		al_buf_addf(&rel, "hf/hub/%s--%s/snapshots/%s/evil.txt", type, "org--m", COMMIT);
		link_(gen, rel.buf, "/etc/passwd");
		json_array_append_new(files, json_pack("{s:s, s:i, s:s, s:s}", "rfilename", "evil.txt",
		                                       "size", 10, "blobId",
		                                       "2222222222222222222222222222222222222222",
		                                       "sha256", big_sha256));
	}
	info = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:{s:o, s:[]}}", "type", type, "id", repo,
	                 "refs", "main", COMMIT, "v1.0", COMMIT, "refs/pr/1", COMMIT2, "commits",
	                 COMMIT, files, COMMIT2);
	text = json_dumps(info, JSON_COMPACT);
	al_buf_reset(&rel);
	al_buf_addf(&rel, "hf/api/%s/%s/info.json", type, repo);
	puts_(gen, rel.buf, text);
	free(text);
	json_decref(info);
	al_buf_release(&rel);
	al_buf_release(&folder);
}

static void build_gen(const char *gen, const char *alpha_marker)
{
	struct al_buf html = AL_BUF_INIT;

	puts_(gen, "airlock-published.json", "{\"bundles\": [\"demo\"]}\n");
	puts_(gen, "simple/index.html", "<!DOCTYPE html><a href=\"alpha/\">alpha</a>"
	                                "<a href=\"gamma-ray/\">gamma-ray</a>\n");
	al_buf_addf(&html, "<!DOCTYPE html><!-- %s --><a href=\"../../wheels/alpha-1.0-py3-none-any"
	                   ".whl#sha256=00\">alpha-1.0-py3-none-any.whl</a>\n", alpha_marker);
	puts_(gen, "simple/alpha/index.html", html.buf);
	puts_(gen, "simple/alpha/index.v1_json", "{\"meta\":{\"api-version\":\"1.1\"},\"name\":"
	                                         "\"alpha\",\"files\":[]}");
	puts_(gen, "simple/gamma-ray/index.html", "<!DOCTYPE html>\n");
	puts_(gen, "simple/gamma-ray/index.v1_json", "{\"name\":\"gamma-ray\",\"files\":[]}");
	put(gen, "wheels/alpha-1.0-py3-none-any.whl", wheel, sizeof(wheel));
	puts_(gen, "wheels/alpha-1.0-py3-none-any.whl.metadata", "Metadata-Version: 2.1\n");
	puts_(gen, "requirements/cp311.txt", "alpha==1.0\n");
	puts_(gen, "models/org/m/config.json", "{\"hidden_size\": 8}\n");
	link_(gen, "wheels/evil.whl", "/etc/passwd");
	link_(gen, "wheels/evil2.whl", "../../secret.txt");
	link_(gen, "models/org/m/escape", "../../../../secret.txt");
	hub_repo(gen, "models", "org/m", true);
	hub_repo(gen, "models", "gpt2", false);
	hub_repo(gen, "datasets", "org/d", false);
	al_buf_release(&html);
}

/* ---- the client ------------------------------------------------------------------- */

struct resp {
	long status;
	struct al_buf body, hdr;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	al_buf_add(ud, p, sz * n);
	return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct al_buf *h = ud;

	if (sz * n >= 5 && !strncmp(p, "HTTP/", 5))
		al_buf_reset(h); /* keep the last response's headers */
	al_buf_add(h, p, sz * n);
	return sz * n;
}

/* method NULL: GET. hdrs: "Name: value" strings, NULL-terminated. */
static void req(struct resp *r, const char *method, const char *path, const char *const *hdrs,
                const char *body)
{
	struct curl_slist *list = NULL;
	struct al_buf url = AL_BUF_INIT;
	CURL *c = curl_easy_init();

	al_buf_reset(&r->body);
	al_buf_reset(&r->hdr);
	r->status = 0;
	al_buf_addf(&url, "%s%s", base, path);
	for (; hdrs && *hdrs; hdrs++)
		list = curl_slist_append(list, *hdrs);
	curl_easy_setopt(c, CURLOPT_URL, url.buf);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->hdr);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (method && !strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (method)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(list);
	al_buf_release(&url);
}

static void get(struct resp *r, const char *path)
{
	req(r, NULL, path, NULL, NULL);
}

/* The value of a header of the last response (static buffer), or NULL. */
static const char *header(struct resp *r, const char *name)
{
	static char val[1024];
	size_t n = strlen(name);
	const char *p = r->hdr.buf;

	while ((p = strstr(p, "\n"))) {
		p++;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1, *e;
			while (*v == ' ')
				v++;
			e = strpbrk(v, "\r\n");
			snprintf(val, sizeof(val), "%.*s", (int)(e ? e - v : (long)strlen(v)), v);
			return val;
		}
	}
	return NULL;
}

static bool header_is(struct resp *r, const char *name, const char *want)
{
	const char *v = header(r, name);
	if (!v || strcmp(v, want))
		diag("  %s: got '%s', want '%s'", name, v ? v : "(none)", want);
	return v && !strcmp(v, want);
}

/* ---- the access log ------------------------------------------------------------------- */

struct logs {
	pthread_mutex_t mu;
	unsigned lines, json;
};

static void on_log(void *ctx, const struct al_serve_log *e)
{
	struct logs *l = ctx;

	pthread_mutex_lock(&l->mu);
	l->lines++;
	if (e->content_type && !strcmp(e->content_type, "application/vnd.pypi.simple.v1+json") &&
	    e->status == 200 && !strcmp(e->method, "GET") && e->path[0] == '/' && e->seconds >= 0)
		l->json++;
	pthread_mutex_unlock(&l->mu);
}

/* ---- env ------------------------------------------------------------------------------- */

static void on_env(void *ctx, const char *name, const char *value)
{
	al_buf_addf(ctx, "%s=%s\n", name, value);
}

static void test_env(const char *pub)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf b = AL_BUF_INIT, want = AL_BUF_INIT;

	is_int(al_client_env("http://mirror.lan:8080/", true, on_env, &b, &d), AL_OK, "env: a URL");
	is_str(b.buf, "PIP_INDEX_URL=http://mirror.lan:8080/simple/\nPIP_TRUSTED_HOST=mirror.lan\n"
	              "HF_ENDPOINT=http://mirror.lan:8080\nHF_HUB_DISABLE_XET=1\n",
	       "env: index URL, trusted host for plain http, HF_ENDPOINT without the slash");
	al_buf_reset(&b);
	al_client_env("http://127.0.0.1:8080", true, on_env, &b, &d);
	ok(!strstr(b.buf, "TRUSTED"), "env: no trusted host for the loopback");
	al_buf_reset(&b);
	al_client_env("https://mirror.lan", true, on_env, &b, &d);
	ok(!strstr(b.buf, "TRUSTED") && strstr(b.buf, "PIP_INDEX_URL=https://mirror.lan/simple/"),
	   "env: none for https either");
	is_int(al_client_env("ftp://x/", true, on_env, &b, &d), AL_EUSAGE, "env: ftp is refused");
	al_buf_reset(&b);
	is_int(al_client_env(pub, false, on_env, &b, &d), AL_OK, "env: a published tree");
	al_buf_addf(&want, "PIP_NO_INDEX=1\nPIP_FIND_LINKS=%s/wheels\nHF_HUB_CACHE=%s/hf/hub\n"
	                   "HF_HUB_OFFLINE=1\n", pub, pub);
	is_str(b.buf, want.buf, "env: find-links and the Hub cache, through DIR (not the generation)");
	is_int(al_client_env(top, false, on_env, &b, &d), AL_ENOTFOUND,
	       "env: a directory that is not a published tree is refused");
	ok(strstr(d.msg, "not a published tree") != NULL, "  with a message: %s", d.msg);
	al_buf_release(&b);
	al_buf_release(&want);
}

/* ---- data-driven cases ----------------------------------------------------------------- */

static void test_fixtures(void)
{
	struct al_buf path = AL_BUF_INIT;
	char line[1024];
	FILE *f;

	al_buf_addf(&path, "%s/fixtures/serve/accept.txt", tap_srcdir());
	if (!ok((f = fopen(path.buf, "r")) != NULL, "read %s", path.buf))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
		static const char *const names[] = { "html", "v1html", "json" };
		enum al_simple_format got;
		if (line[0] == '#' || !tab)
			continue;
		if (nl)
			*nl = '\0';
		*tab++ = '\0';
		got = al_serve_negotiate(strcmp(tab, "-") ? tab : NULL);
		is_str(names[got], line, "Accept: %s", tab);
	}
	fclose(f);
	al_buf_reset(&path);
	al_buf_addf(&path, "%s/fixtures/serve/range.txt", tap_srcdir());
	if (!ok((f = fopen(path.buf, "r")) != NULL, "read %s", path.buf))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL, *nl;
		char got[64];
		uint64_t a = 0, b = 0;
		int rc;
		if (line[0] == '#' || !t2)
			continue;
		if ((nl = strchr(t2, '\n')))
			*nl = '\0';
		*t1 = *t2 = '\0';
		rc = al_serve_range(t2 + 1, strtoull(t1 + 1, NULL, 10), &a, &b);
		if (rc > 0)
			snprintf(got, sizeof(got), "%llu-%llu", (unsigned long long)a,
			         (unsigned long long)b);
		else
			snprintf(got, sizeof(got), "%s", rc < 0 ? "416" : "full");
		is_str(got, line, "Range '%s' on %s bytes", t2 + 1, t1 + 1);
	}
	fclose(f);
	al_buf_release(&path);
	{
		char out[64];
		ok(al_serve_normalize("Gamma__Ray.-x", out) && !strcmp(out, "gamma-ray-x"),
		   "normalize: runs of -_. become one -, lowercase");
		ok(!al_serve_normalize("-x", out) && !al_serve_normalize("a/b", out) &&
		   !al_serve_normalize("", out) && !al_serve_normalize("x.", out),
		   "normalize: invalid names are refused");
	}
}

/* ---- the server ---------------------------------------------------------------------- */

/* al_serve_open_walk (the fallback for kernels without openat2) against
 * openat2(RESOLVE_BENEATH) itself, case by case, in a tree under top/walk. */
static void test_walk(void)
{
	static const struct {
		const char *rel;
		int flags;
		const char *want; /* the content, "DIR", or NULL: refused */
	} cases[] = {
		{ "blobs/b1", O_RDONLY | O_NONBLOCK, "blob one\n" },
		{ "snapshots/c/file.txt", O_RDONLY | O_NONBLOCK, "blob one\n" },
		{ "snapshots/c/sub/deep.txt", O_RDONLY | O_NONBLOCK, "blob one\n" },
		{ "snapshots/c/via-dir/b1", O_RDONLY | O_NONBLOCK, "blob one\n" },
		{ "snapshots/c/chain", O_RDONLY | O_NONBLOCK, "blob one\n" },
		{ "snapshots/./c//file.txt", O_RDONLY | O_NONBLOCK, "blob one\n" },
		{ "snapshots/c/../c/file.txt", O_RDONLY | O_NONBLOCK, "blob one\n" },
		{ "snapshots", O_RDONLY | O_DIRECTORY, "DIR" },
		{ "snapshots/c/via-dir", O_RDONLY | O_DIRECTORY, "DIR" },
		{ "snapshots/c/abs", O_RDONLY | O_NONBLOCK, NULL },
		{ "snapshots/c/up", O_RDONLY | O_NONBLOCK, NULL },
		{ "snapshots/c/updir/secret.txt", O_RDONLY | O_NONBLOCK, NULL },
		{ "snapshots/c/updir", O_RDONLY | O_DIRECTORY, NULL },
		{ "snapshots/c/zero", O_RDONLY | O_NONBLOCK, NULL },
		{ "snapshots/c/loop", O_RDONLY | O_NONBLOCK, NULL },
		{ "snapshots/c/missing", O_RDONLY | O_NONBLOCK, NULL },
		{ "snapshots/c/file.txt/x", O_RDONLY | O_NONBLOCK, NULL },
		{ "../secret.txt", O_RDONLY | O_NONBLOCK, NULL },
		{ "snapshots/../../secret.txt", O_RDONLY | O_NONBLOCK, NULL },
		{ "/etc/passwd", O_RDONLY | O_NONBLOCK, NULL },
	};
	struct al_buf w = AL_BUF_INIT, p = AL_BUF_INIT;
	int dir;
	size_t i;

	al_buf_addf(&w, "%s/walk", top);
	puts_(w.buf, "blobs/b1", "blob one\n");
	link_(w.buf, "snapshots/c/file.txt", "../../blobs/b1");
	link_(w.buf, "snapshots/c/sub/deep.txt", "../../../blobs/b1");
	link_(w.buf, "snapshots/c/via-dir", "../../blobs");
	link_(w.buf, "snapshots/c/chain", "file.txt");
	link_(w.buf, "snapshots/c/abs", "/etc/passwd");
	link_(w.buf, "snapshots/c/up", "../../../secret.txt");
	link_(w.buf, "snapshots/c/updir", "../../..");
	link_(w.buf, "snapshots/c/zero", "/dev/zero");
	link_(w.buf, "snapshots/c/loop", "loop");
	al_buf_addf(&p, "%s/snapshots/c/fifo", w.buf);
	if (mkfifo(p.buf, 0644) < 0)
		diag("cannot make %s", p.buf);
	if ((dir = open(w.buf, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		ok(0, "open %s", w.buf);
		goto out;
	}
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct open_how how = { .flags = (uint64_t)(cases[i].flags | O_CLOEXEC | O_NOCTTY),
			                .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
		int fd = al_serve_open_walk(dir, cases[i].rel, cases[i].flags), e = errno;
		long kfd = syscall(SYS_openat2, dir, cases[i].rel, &how, sizeof(how));
		char got[64] = "";
		struct stat st;
		ssize_t n;

		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			strcpy(got, "DIR");
		} else if (fd >= 0 && (n = read(fd, got, sizeof(got) - 1)) >= 0) {
			got[n] = '\0';
		}
		if (cases[i].want)
			ok(fd >= 0 && !strcmp(got, cases[i].want), "walk: %s opens (%s)", cases[i].rel,
			   fd >= 0 ? "ok" : strerror(e));
		else
			ok(fd < 0, "walk: %s is refused (%s)", cases[i].rel, fd < 0 ? strerror(e) : got);
		/* openat2 agrees (it opens the FIFO, which the walk never does) */
		if (kfd >= 0 || errno != ENOSYS)
			ok((kfd >= 0) == (fd >= 0), "  as openat2(RESOLVE_BENEATH) does");
		if (fd >= 0)
			close(fd);
		if (kfd >= 0)
			close((int)kfd);
	}
	errno = 0;
	ok(al_serve_open_walk(dir, "snapshots/c/fifo", O_RDONLY | O_NONBLOCK) < 0 && errno == ENXIO,
	   "walk: a FIFO is never opened (ENXIO)");
	close(dir);
out:
	al_buf_release(&w);
	al_buf_release(&p);
}

int main(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_serve *srv = NULL;
	struct al_serve_opts so = { 0 };
	struct logs logs = { PTHREAD_MUTEX_INITIALIZER, 0, 0 };
	struct resp r = { 0, AL_BUF_INIT, AL_BUF_INIT };
	struct al_buf gen1 = AL_BUF_INIT, gen2 = AL_BUF_INIT, pub = AL_BUF_INIT, s = AL_BUF_INIT;
	static const char *const pip_accept[] = {
		"Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; "
		"q=0.1, text/html; q=0.01", NULL };
	static const char *const html_accept[] = { "Accept: text/html", NULL };
	static const char *const v1html_accept[] = { "Accept: application/vnd.pypi.simple.v1+html",
		                                     NULL };
	static const char *const json_plain[] = { "Accept: application/json", NULL };
	json_t *j;
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(top))
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (i = 0; i < sizeof(wheel); i++)
		wheel[i] = (char)('A' + i % 26);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 256);
	al_sha256_hex(big, sizeof(big), big_sha256);
	git_sha1("{\"hidden_size\": 8}\n", 19, config_sha1);
	al_buf_addf(&gen1, "%s/.pub.airlock/gen-1", top);
	al_buf_addf(&gen2, "%s/.pub.airlock/gen-2", top);
	al_buf_addf(&pub, "%s/pub", top);
	al_buf_addf(&s, "%s/secret.txt", top);
	al_write_file_atomic(s.buf, "TOP SECRET\n", 11, 0644, NULL);
	build_gen(gen1.buf, "generation one");
	symlink(".pub.airlock/gen-1", pub.buf);

	test_fixtures();
	test_env(pub.buf);
	test_walk();

	so.root = top;
	so.listen = "127.0.0.1:0";
	is_int(al_serve_start(&srv, &so, &d), AL_EINVALID, "a directory that is not published is refused");
	so.root = pub.buf;
	so.listen = "127.0.0.1:99999";
	is_int(al_serve_start(&srv, &so, &d), AL_EUSAGE, "a bad port is refused: %s", d.msg);
	so.listen = "127.0.0.1:0";
	so.threads = 2;
	so.log = on_log;
	so.log_ctx = &logs;
	if (!ok(al_serve_start(&srv, &so, &d) == AL_OK, "start on 127.0.0.1 port 0: %s", d.msg))
		return done_testing();
	ok(al_serve_port(srv) > 0, "the bound port is reported (%u)", al_serve_port(srv));
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", al_serve_port(srv));
	al_buf_reset(&s);
	al_buf_addf(&s, "%s/", base);
	is_str(al_serve_url(srv), s.buf, "and the URL");

	get(&r, "/healthz");
	ok(r.status == 200 && !strcmp(r.body.buf, "ok\n"), "/healthz answers ok");

	/* ---- PEP 503 / 691 ---- */
	req(&r, NULL, "/simple/", pip_accept, NULL);
	is_int(r.status, 200, "/simple/ with pip's Accept");
	ok(header_is(&r, "Content-Type", "application/vnd.pypi.simple.v1+json"), "  is PEP 691 JSON");
	ok(header_is(&r, "Vary", "Accept"), "  with Vary: Accept");
	j = json_loads(r.body.buf, 0, NULL);
	ok(j && json_array_size(json_object_get(j, "projects")) == 2 &&
	   !strcmp(json_string_value(json_object_get(json_array_get(json_object_get(j, "projects"), 1),
	                                             "name")), "gamma-ray") &&
	   !strcmp(json_string_value(json_object_get(json_object_get(j, "meta"), "api-version")), "1.1"),
	   "  {meta: {api-version: 1.1}, projects: [{name}...]} from the directory");
	json_decref(j);
	get(&r, "/simple/");
	ok(r.status == 200 && header_is(&r, "Content-Type", "text/html; charset=utf-8") &&
	   strstr(r.body.buf, "gamma-ray/"), "/simple/ without Accept is the HTML page");
	req(&r, NULL, "/simple/alpha/", pip_accept, NULL);
	ok(r.status == 200 && header_is(&r, "Content-Type", "application/vnd.pypi.simple.v1+json") &&
	   strstr(r.body.buf, "\"name\":\"alpha\""), "/simple/alpha/ with pip's Accept is JSON");
	req(&r, NULL, "/simple/alpha/", html_accept, NULL);
	ok(r.status == 200 && header_is(&r, "Content-Type", "text/html; charset=utf-8") &&
	   strstr(r.body.buf, "generation one"), "Accept: text/html gets HTML");
	req(&r, NULL, "/simple/alpha/", v1html_accept, NULL);
	ok(r.status == 200 && header_is(&r, "Content-Type", "application/vnd.pypi.simple.v1+html") &&
	   strstr(r.body.buf, "<!DOCTYPE"), "Accept: ...v1+html gets HTML labelled so");
	req(&r, NULL, "/simple/alpha/", json_plain, NULL);
	ok(r.status == 200 && header_is(&r, "Content-Type", "text/html; charset=utf-8"),
	   "Accept: application/json is not PEP 691: HTML");
	{
		static const char *const q[] = {
			"Accept: application/vnd.pypi.simple.v1+json;q=0.2, text/html;q=0.9", NULL };
		req(&r, NULL, "/simple/alpha/", q, NULL);
		ok(header_is(&r, "Content-Type", "text/html; charset=utf-8"),
		   "q-values decide: text/html;q=0.9 over JSON;q=0.2");
	}
	req(&r, "HEAD", "/simple/alpha/", pip_accept, NULL);
	ok(r.status == 200 && r.body.len == 0 && header(&r, "Content-Length") &&
	   atoi(header(&r, "Content-Length")) > 10, "HEAD /simple/alpha/: headers, no body");
	get(&r, "/simple");
	ok(r.status == 301 && header_is(&r, "Location", "simple/"), "/simple redirects to /simple/");
	get(&r, "/simple/alpha");
	ok(r.status == 301 && header_is(&r, "Location", "alpha/"), "a missing trailing slash: 301");
	get(&r, "/simple/Gamma_Ray/");
	ok(r.status == 301 && header_is(&r, "Location", "../gamma-ray/"),
	   "a non-normalized name: 301 to the normalized one");
	get(&r, "/simple/Gamma.Ray");
	ok(r.status == 301 && header_is(&r, "Location", "gamma-ray/"), "  also without the slash");
	req(&r, NULL, "/simple/Gamma_Ray/", pip_accept, NULL);
	ok(r.status == 301 && header_is(&r, "Vary", "Accept"), "  with Vary: Accept");
	get(&r, "/simple/nope/");
	is_int(r.status, 404, "an unknown project: 404");
	get(&r, "/simple/bad!name/");
	is_int(r.status, 404, "an invalid project name: 404");
	get(&r, "/simple/alpha/index.html");
	is_int(r.status, 404, "no paths under a project page");

	/* ---- files ---- */
	get(&r, "/wheels/alpha-1.0-py3-none-any.whl");
	ok(r.status == 200 && r.body.len == sizeof(wheel) && !memcmp(r.body.buf, wheel, sizeof(wheel)),
	   "a wheel, byte for byte");
	ok(header_is(&r, "Content-Type", "application/octet-stream") &&
	   header_is(&r, "Accept-Ranges", "bytes") && header(&r, "ETag") &&
	   header(&r, "Last-Modified"), "  application/octet-stream, Accept-Ranges, ETag, Last-Modified");
	{
		char inm[256];
		const char *h[] = { inm, NULL };
		snprintf(inm, sizeof(inm), "If-None-Match: %s", header(&r, "ETag"));
		req(&r, NULL, "/wheels/alpha-1.0-py3-none-any.whl", h, NULL);
		ok(r.status == 304 && r.body.len == 0, "If-None-Match with its ETag: 304");
	}
	req(&r, "HEAD", "/wheels/alpha-1.0-py3-none-any.whl", NULL, NULL);
	ok(r.status == 200 && r.body.len == 0 && header_is(&r, "Content-Length", "3000"),
	   "HEAD: the size, no body");
	{
		static const char *const r1[] = { "Range: bytes=10-19", NULL };
		static const char *const r2[] = { "Range: bytes=-5", NULL };
		static const char *const r3[] = { "Range: bytes=2990-", NULL };
		static const char *const r4[] = { "Range: bytes=3000-", NULL };
		static const char *const r5[] = { "Range: bytes=0-1,5-6", NULL };
		static const char *const r6[] = { "Range: bytes=10-19", "If-Range: \"stale\"", NULL };
		req(&r, NULL, "/wheels/alpha-1.0-py3-none-any.whl", r1, NULL);
		ok(r.status == 206 && r.body.len == 10 && !memcmp(r.body.buf, wheel + 10, 10) &&
		   header_is(&r, "Content-Range", "bytes 10-19/3000"), "Range 10-19: 206 and the bytes");
		req(&r, NULL, "/wheels/alpha-1.0-py3-none-any.whl", r2, NULL);
		ok(r.status == 206 && r.body.len == 5 && !memcmp(r.body.buf, wheel + 2995, 5) &&
		   header_is(&r, "Content-Range", "bytes 2995-2999/3000"), "a suffix range");
		req(&r, NULL, "/wheels/alpha-1.0-py3-none-any.whl", r3, NULL);
		ok(r.status == 206 && r.body.len == 10, "an open range");
		req(&r, NULL, "/wheels/alpha-1.0-py3-none-any.whl", r4, NULL);
		ok(r.status == 416 && header_is(&r, "Content-Range", "bytes */3000"),
		   "past the end: 416 with Content-Range: bytes */size");
		req(&r, NULL, "/wheels/alpha-1.0-py3-none-any.whl", r5, NULL);
		ok(r.status == 200 && r.body.len == 3000, "several ranges: the whole file");
		req(&r, NULL, "/wheels/alpha-1.0-py3-none-any.whl", r6, NULL);
		ok(r.status == 200 && r.body.len == 3000, "an If-Range that does not match: the whole file");
		req(&r, "HEAD", "/wheels/alpha-1.0-py3-none-any.whl", r1, NULL);
		ok(r.status == 206 && r.body.len == 0 && header_is(&r, "Content-Length", "10"),
		   "HEAD with a Range: 206, the range's length");
	}
	get(&r, "/wheels/alpha-1.0-py3-none-any.whl.metadata");
	ok(r.status == 200 && !strcmp(r.body.buf, "Metadata-Version: 2.1\n"), "PEP 658 .metadata");
	get(&r, "/requirements/cp311.txt");
	ok(r.status == 200 && !strcmp(r.body.buf, "alpha==1.0\n"), "requirements/");
	get(&r, "/models/org/m/config.json");
	ok(r.status == 200 && !strcmp(r.body.buf, "{\"hidden_size\": 8}\n"), "models/ plain tree");
	get(&r, "/wheels/");
	ok(r.status == 200 && strstr(r.body.buf, "href=\"alpha-1.0-py3-none-any.whl\"") &&
	   !strstr(r.body.buf, "evil"), "/wheels/ lists the files (not the symlinks out)");
	get(&r, "/wheels");
	ok(r.status == 301 && header_is(&r, "Location", "wheels/"), "/wheels redirects");
	get(&r, "/wheels/nope.whl");
	is_int(r.status, 404, "a missing file: 404");

	/* ---- traversal: never served ---- */
	{
		static const char *const bad[] = {
			"/wheels/../airlock-published.json",
			"/wheels/%2e%2e/airlock-published.json",
			"/wheels/%2E%2e/airlock-published.json",
			"/wheels/%2e%2E/%2e%2e/secret.txt",
			"/wheels/..%2f..%2fsecret.txt",
			"/wheels/..%2F..%2F..%2Fetc%2Fpasswd",
			"/%2e%2e/%2e%2e/etc/passwd",
			"/models/org/m/../../../../secret.txt",
			"/models/org/m/%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret.txt",
			"/models/org%2f..%2f..%2f..%2f..%2fsecret.txt",
			"/wheels/%252e%252e/%252e%252e/secret.txt",
			"/wheels/alpha-1.0-py3-none-any.whl%00.txt",
			"/wheels/%00",
			"/wheels/..%5c..%5csecret.txt",
			"/wheels/..\\..\\secret.txt",
			"/wheels/%0d%0aX-Injected:%201",
			"/wheels/evil.whl",
			"/wheels/evil2.whl",
			"/models/org/m/escape",
			"/org/m/resolve/main/evil.txt",
			"/org/m/resolve/main/..%2f..%2f..%2f..%2fsecret.txt",
			"/org/m/resolve/main/%2e%2e/config.json",
			"/api/models/org/m/tree/main/..%2f..",
			"/api/models/..%2f..%2fsecret/tree/main",
			"/simple/%2e%2e/",
			"/simple/..%2f..%2fsecret.txt/",
			"/wheels/%",
			"/wheels/%zz",
			NULL,
		};
		for (i = 0; bad[i]; i++) {
			get(&r, bad[i]);
			ok((r.status == 400 || r.status == 404) && !strstr(r.body.buf, "root:") &&
			   !strstr(r.body.buf, "TOP SECRET") && !strstr(r.body.buf, "bundles") &&
			   !header(&r, "X-Injected"),
			   "never served: %s (%ld)", bad[i], r.status);
		}
	}

	/* ---- the Hub API ---- */
	get(&r, "/api/models/org/m");
	j = json_loads(r.body.buf, 0, NULL);
	ok(r.status == 200 && header_is(&r, "Content-Type", "application/json"), "E1: /api/models/org/m");
	ok(j && !strcmp(json_string_value(json_object_get(j, "id")), "org/m") &&
	   !strcmp(json_string_value(json_object_get(j, "modelId")), "org/m") &&
	   !strcmp(json_string_value(json_object_get(j, "sha")), COMMIT) &&
	   json_array_size(json_object_get(j, "siblings")) == 6 &&
	   json_object_size(json_array_get(json_object_get(j, "siblings"), 0)) == 1,
	   "  id, modelId, sha (main) and every sibling as {rfilename}");
	json_decref(j);
	get(&r, "/api/models/org/m/revision/main?blobs=true");
	j = json_loads(r.body.buf, 0, NULL);
	{
		json_t *sib = j ? json_array_get(json_object_get(j, "siblings"), 4) : NULL;
		ok(sib && !strcmp(json_string_value(json_object_get(sib, "rfilename")), "big.bin") &&
		   json_integer_value(json_object_get(sib, "size")) == (json_int_t)sizeof(big) &&
		   json_object_get(sib, "blobId") &&
		   !strcmp(json_string_value(json_object_get(json_object_get(sib, "lfs"), "sha256")),
		           big_sha256) &&
		   json_integer_value(json_object_get(json_object_get(sib, "lfs"), "pointerSize")) == 134,
		   "  ?blobs=true adds size, blobId and lfs {sha256, size, pointerSize}");
	}
	json_decref(j);
	get(&r, "/api/models/org/m/revision/HEAD");
	ok(r.status == 200 && strstr(r.body.buf, COMMIT), "revision HEAD means main (JS modelInfo)");
	get(&r, "/api/models/org/m/revision/v1.0");
	ok(r.status == 200 && strstr(r.body.buf, COMMIT), "a tag");
	get(&r, "/api/models/org/m/revision/refs%2Fpr%2F1");
	ok(r.status == 200 && strstr(r.body.buf, COMMIT2), "refs%%2Fpr%%2F1, percent-decoded");
	get(&r, "/api/models/org/m/revision/" COMMIT2);
	ok(r.status == 200 && strstr(r.body.buf, COMMIT2), "a commit id");
	get(&r, "/api/models/org/m/revision/nope");
	ok(r.status == 404 && header_is(&r, "X-Error-Code", "RevisionNotFound") &&
	   strstr(r.body.buf, "\"error\""), "an unknown revision: 404 RevisionNotFound");
	get(&r, "/api/models/org/m/revision/0000000000000000000000000000000000000000");
	ok(r.status == 404 && header_is(&r, "X-Error-Code", "RevisionNotFound"), "an unknown commit too");
	get(&r, "/api/models/org/nope");
	ok(r.status == 404 && header_is(&r, "X-Error-Code", "RepoNotFound") &&
	   !strcmp(r.body.buf, "{\"error\":\"Repository not found\"}"),
	   "an unknown repo: 404 RepoNotFound {\"error\": ...}");
	get(&r, "/api/models/gpt2");
	ok(r.status == 200 && strstr(r.body.buf, "\"id\":\"gpt2\""), "a model without a namespace");
	get(&r, "/api/models/gpt2/revision/main");
	ok(r.status == 200 && strstr(r.body.buf, "\"id\":\"gpt2\""), "  and its revision form");
	get(&r, "/api/datasets/org/d");
	ok(r.status == 200 && strstr(r.body.buf, "\"id\":\"org/d\"") && !strstr(r.body.buf, "modelId"),
	   "datasets: /api/datasets/org/d");
	get(&r, "/api/models/org/d");
	ok(r.status == 404 && header_is(&r, "X-Error-Code", "RepoNotFound"),
	   "a dataset is not a model");
	get(&r, "/api/models/org/m/refs");
	ok(r.status == 200 && strstr(r.body.buf, "\"targetCommit\""), "refs");

	get(&r, "/api/models/org/m/tree/main");
	j = json_loads(r.body.buf, 0, NULL);
	ok(r.status == 200 && json_array_size(j) == 5, "E2: tree, top level (4 files, 1 directory)");
	{
		json_t *e;
		bool dir = false, lfs = false;
		json_array_foreach(j, i, e) {
			const char *t = json_string_value(json_object_get(e, "type"));
			const char *p = json_string_value(json_object_get(e, "path"));
			dir |= t && p && !strcmp(t, "directory") && !strcmp(p, "sub") &&
			       json_object_get(e, "oid");
			lfs |= p && !strcmp(p, "big.bin") &&
			       !strcmp(json_string_value(json_object_get(json_object_get(e, "lfs"), "oid")),
			               big_sha256) &&
			       json_integer_value(json_object_get(e, "size")) == (json_int_t)sizeof(big);
			if (json_object_get(e, "xetHash"))
				dir = false;
		}
		ok(dir, "  a synthesized directory entry with an oid");
		ok(lfs, "  LFS entries: lfs.oid is the sha256, size the real size");
	}
	json_decref(j);
	get(&r, "/api/models/org/m/tree/main?recursive=true");
	j = json_loads(r.body.buf, 0, NULL);
	ok(r.status == 200 && json_array_size(j) == 8 && !header(&r, "Link"),
	   "recursive=true: 6 files and 2 directories, no next page");
	json_decref(j);
	get(&r, "/api/models/org/m/tree/main/sub");
	j = json_loads(r.body.buf, 0, NULL);
	ok(r.status == 200 && json_array_size(j) == 2, "a path: its direct children");
	json_decref(j);
	get(&r, "/api/models/org/m/tree/main/sub%2Fdeep?recursive=1");
	ok(r.status == 200 && strstr(r.body.buf, "sub/deep/b.txt"), "a path with %%2F");
	get(&r, "/api/models/org/m/tree/main/nope");
	ok(r.status == 404 && header_is(&r, "X-Error-Code", "EntryNotFound"),
	   "a missing path: 404 EntryNotFound");
	get(&r, "/api/models/org/m/tree/refs/pr/1");
	ok(r.status == 200 && !strcmp(r.body.buf, "[]"), "a revision with raw slashes (JS listFiles)");
	{
		char want[256];
		struct al_buf next = AL_BUF_INIT;
		size_t total = 0, pages = 0;
		al_buf_addstr(&next, "/api/models/org/m/tree/main?recursive=true&limit=3");
		while (next.len && pages < 10) {
			const char *link, *lt, *gt;
			get(&r, next.buf);
			j = json_loads(r.body.buf, 0, NULL);
			total += json_array_size(j);
			json_decref(j);
			pages++;
			al_buf_reset(&next);
			if (!(link = header(&r, "Link")))
				break;
			if (pages == 1) {
				snprintf(want, sizeof(want), "<%s/api/models/org/m/tree/main?recursive=true&"
				         "limit=3&cursor=3>; rel=\"next\"", base);
				is_str(link, want, "paging: an absolute Link: <...>; rel=\"next\"");
			}
			lt = strchr(link, '<');
			gt = strchr(link, '>');
			if (lt && gt && !strncmp(lt + 1, base, strlen(base)))
				al_buf_add(&next, lt + 1 + strlen(base), (size_t)(gt - lt - 1 - strlen(base)));
		}
		ok(total == 8 && pages == 3, "following it gives every entry once (%zu in %zu pages)",
		   total, pages);
		al_buf_release(&next);
	}
	{
		static const char *const host[] = { "Host: mirror.example:8080", NULL };
		req(&r, NULL, "/api/models/org/m/tree/main?limit=1", host, NULL);
		ok(header(&r, "Link") &&
		   !strncmp(header(&r, "Link"), "<http://mirror.example:8080/api/models/", 39),
		   "the Link is built from the Host header");
	}
	get(&r, "/api/models/org/m/tree/main?limit=x");
	is_int(r.status, 400, "a bad limit: 400");

	{
		static const char *const jh[] = { "Content-Type: application/json", NULL };
		req(&r, "POST", "/api/models/org/m/paths-info/main", jh,
		    "{\"paths\": [\"config.json\", \"sub\", \"nope\", \"../x\"], \"expand\": true}");
		j = json_loads(r.body.buf, 0, NULL);
		ok(r.status == 200 && json_array_size(j) == 2 &&
		   !strcmp(json_string_value(json_object_get(json_array_get(j, 0), "oid")), config_sha1) &&
		   !strcmp(json_string_value(json_object_get(json_array_get(j, 1), "type")), "directory") &&
		   json_object_get(json_array_get(j, 0), "lastCommit"),
		   "E3: paths-info, JSON body: existing paths only, lastCommit with expand");
		json_decref(j);
		req(&r, "POST", "/api/models/org/m/paths-info/main", NULL,
		    "paths=big.bin&paths=read+me+%C3%A9.txt&expand=false");
		j = json_loads(r.body.buf, 0, NULL);
		ok(r.status == 200 && json_array_size(j) == 2 &&
		   json_object_get(json_array_get(j, 0), "lfs") &&
		   !strcmp(json_string_value(json_object_get(json_array_get(j, 1), "path")),
		           "read me é.txt") &&
		   !json_object_get(json_array_get(j, 0), "lastCommit"),
		   "paths-info, form body (Python)");
		json_decref(j);
		get(&r, "/api/models/org/m/paths-info/main");
		ok(r.status == 405 && header_is(&r, "Allow", "POST"), "GET paths-info: 405 Allow: POST");
		req(&r, "POST", "/api/models/org/m/paths-info/nope", NULL, "paths=x");
		ok(r.status == 404 && header_is(&r, "X-Error-Code", "RevisionNotFound"),
		   "paths-info of an unknown revision: RevisionNotFound");
		{
			struct al_buf huge = AL_BUF_INIT;
			al_buf_addstr(&huge, "paths=");
			while (huge.len < 70000)
				al_buf_addstr(&huge, "aaaaaaaaaaaaaaaa");
			req(&r, "POST", "/api/models/org/m/paths-info/main", NULL, huge.buf);
			is_int(r.status, 413, "a body over 64 KiB: 413");
			al_buf_release(&huge);
		}
	}

	/* E4: resolve */
	req(&r, "HEAD", "/org/m/resolve/main/config.json", NULL, NULL);
	ok(r.status == 200 && header_is(&r, "X-Repo-Commit", COMMIT), "E4: HEAD resolve: 200, X-Repo-Commit");
	{
		char etag[128];
		snprintf(etag, sizeof(etag), "\"%s\"", config_sha1);
		ok(header_is(&r, "ETag", etag) && header_is(&r, "Content-Length", "19") &&
		   header_is(&r, "Accept-Ranges", "bytes") && !header(&r, "X-Linked-Etag") &&
		   !header(&r, "Location"),
		   "  a regular file: ETag the quoted git sha1, Content-Length, no redirect");
		snprintf(etag, sizeof(etag), "\"%s\"", big_sha256);
		req(&r, "HEAD", "/org/m/resolve/main/big.bin", NULL, NULL);
		ok(r.status == 200 && header_is(&r, "ETag", etag) && header_is(&r, "X-Linked-Etag", etag) &&
		   header_is(&r, "X-Linked-Size", "70000") && header_is(&r, "Content-Length", "70000"),
		   "  an LFS file: ETag and X-Linked-Etag the sha256, X-Linked-Size");
	}
	get(&r, "/org/m/resolve/" COMMIT "/big.bin");
	ok(r.status == 200 && r.body.len == sizeof(big) && !memcmp(r.body.buf, big, sizeof(big)),
	   "GET by commit: the bytes, through the snapshot's symlink into blobs/");
	{
		static const char *const r00[] = { "Range: bytes=0-0", NULL };
		static const char *const rbad[] = { "Range: bytes=70000-", NULL };
		req(&r, NULL, "/org/m/resolve/main/big.bin", r00, NULL);
		ok(r.status == 206 && header_is(&r, "Content-Range", "bytes 0-0/70000") && r.body.len == 1,
		   "Range: bytes=0-0 gives 206 (JS fileDownloadInfo)");
		req(&r, NULL, "/org/m/resolve/main/big.bin", rbad, NULL);
		ok(r.status == 416 && header_is(&r, "Content-Range", "bytes */70000"), "and 416 past the end");
	}
	get(&r, "/org/m/resolve/main/read%20me%20%C3%A9.txt");
	ok(r.status == 200 && !strcmp(r.body.buf, "hello\n"), "an encoded file name");
	get(&r, "/org/m/resolve/main/sub/deep/b.txt");
	ok(r.status == 200 && !strcmp(r.body.buf, "b\n"), "a nested file (../ in its symlink)");
	get(&r, "/org/m/resolve/v1.0/sub/a.txt");
	ok(r.status == 200 && header_is(&r, "X-Repo-Commit", COMMIT), "by tag");
	req(&r, "HEAD", "/org/m/resolve/main/nope.txt", NULL, NULL);
	ok(r.status == 404 && header_is(&r, "X-Error-Code", "EntryNotFound") &&
	   header_is(&r, "X-Repo-Commit", COMMIT), "a missing file: 404 EntryNotFound with X-Repo-Commit");
	get(&r, "/org/m/resolve/nope/config.json");
	ok(r.status == 404 && header_is(&r, "X-Error-Code", "RevisionNotFound"),
	   "an unknown revision: RevisionNotFound");
	get(&r, "/org/nope/resolve/main/config.json");
	ok(r.status == 404 && header_is(&r, "X-Error-Code", "RepoNotFound"),
	   "an unknown repo: RepoNotFound (404: no auth here)");
	get(&r, "/gpt2/resolve/main/config.json");
	ok(r.status == 200 && !strcmp(r.body.buf, "{\"hidden_size\": 8}\n"), "gpt2/resolve/... (no namespace)");
	get(&r, "/datasets/org/d/resolve/main/sub/a.txt");
	ok(r.status == 200 && !strcmp(r.body.buf, "a\n"), "datasets/org/d/resolve/...");
	get(&r, "/datasets/org/nope/resolve/main/a.txt");
	ok(r.status == 404 && header_is(&r, "X-Error-Code", "RepoNotFound"), "  and an unknown dataset");
	req(&r, "DELETE", "/org/m/resolve/main/config.json", NULL, NULL);
	ok(r.status == 405 && header_is(&r, "Allow", "GET, HEAD"), "DELETE: 405 with Allow");
	req(&r, "PUT", "/simple/", NULL, "x");
	is_int(r.status, 405, "PUT: 405");

	/* a new generation is picked up by the next request */
	build_gen(gen2.buf, "generation two");
	al_buf_reset(&s);
	al_buf_addf(&s, "%s/pub.tmp", top);
	symlink(".pub.airlock/gen-2", s.buf);
	rename(s.buf, pub.buf);
	req(&r, NULL, "/simple/alpha/", html_accept, NULL);
	ok(r.status == 200 && strstr(r.body.buf, "generation two"), "a re-publish is picked up at once");

	al_serve_stop(srv);
	pthread_mutex_lock(&logs.mu);
	ok(logs.lines > 100, "one access-log call per request (%u)", logs.lines);
	ok(logs.json >= 2, "the log shows the JSON type served (%u)", logs.json);
	pthread_mutex_unlock(&logs.mu);
	get(&r, "/healthz");
	is_int(r.status, 0, "stopped: nothing listens");
	al_serve_stop(NULL);

	al_buf_release(&r.body);
	al_buf_release(&r.hdr);
	al_buf_release(&gen1);
	al_buf_release(&gen2);
	al_buf_release(&pub);
	al_buf_release(&s);
	curl_global_cleanup();
	{
		struct al_buf cmd = AL_BUF_INIT;
		al_buf_addf(&cmd, "rm -rf '%s'", top);
		if (system(cmd.buf) != 0)
			diag("cannot remove %s", top);
		al_buf_release(&cmd);
	}
	return done_testing();
}
