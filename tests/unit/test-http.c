/*
 * test-http.c: the transfer engine against tests/helpers/faultserver.py.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/mem.h"
#include "net/http.h"
#include "tap.h"

static char root[] = "/tmp/airlock-test-http-XXXXXX";
static int port;
static char base[64];
static struct al_store *store;
static struct al_http *h;

static pid_t server_start(int *stdin_fd, int *port_out, const char *cert, const char *key)
{
	const char *py = getenv("PYTHON3");
	struct al_buf script = AL_BUF_INIT;
	int in[2], out[2];
	char line[32] = "";
	FILE *f;
	pid_t pid;

	if (!py || !*py)
		py = "python3";
	al_buf_addf(&script, "%s/tests/helpers/faultserver.py", tap_srcdir());
	if (pipe(in) < 0 || pipe(out) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		if (cert)
			execlp(py, py, script.buf, "--timeout", "120", "--tls-cert", cert, "--tls-key",
			       key, (char *)NULL);
		else
			execlp(py, py, script.buf, "--timeout", "120", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	al_buf_release(&script);
	f = fdopen(out[0], "r");
	if (!f || !fgets(line, sizeof(line), f))
		return -1;
	fclose(f);
	*port_out = atoi(line);
	*stdin_fd = in[1];
	return pid;
}

static void pattern(struct al_buf *b, size_t n, unsigned seed)
{
	al_buf_reset(b);
	for (size_t i = 0; i < n; i++)
		al_buf_addch(b, (char)((i + seed) % 251));
}

static void pattern_sha(size_t n, unsigned seed, char hex[AL_SHA256_HEX])
{
	struct al_buf b = AL_BUF_INIT;

	pattern(&b, n, seed);
	al_sha256_hex(b.buf, b.len, hex);
	al_buf_release(&b);
}

static char *url(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *url(const char *fmt, ...)
{
	static char bufs[8][512];
	static int k;
	char *u = bufs[k++ % 8];
	va_list ap;
	int n = snprintf(u, 512, "%s", base);

	va_start(ap, fmt);
	vsnprintf(u + n, 512 - (size_t)n, fmt, ap);
	va_end(ap);
	return u;
}

/* ---- helpers to run one request ----------------------------------------------- */

static void keep(void *ctx, struct al_http_resp *resp)
{
	al_http_resp_move(ctx, resp);
}

static al_err run1(struct al_http *hh, struct al_http_req *req, struct al_http_resp *resp)
{
	struct al_diag d = AL_DIAG_INIT;

	al_http_resp_release(resp);
	req->done = keep;
	req->ctx = resp;
	if (al_http_add(hh, req, &d) || al_http_run(hh, &d)) {
		diag("engine: %s", d.msg);
		return AL_EINTERNAL;
	}
	if (resp->err)
		diag("  -> %s", resp->diag.msg);
	return resp->err;
}

static al_err to_store(const char *u, const char *sha, int64_t size, struct al_http_resp *resp)
{
	struct al_http_req req = AL_HTTP_REQ_INIT;

	req.url = u;
	req.store = store;
	req.sha256 = sha;
	req.size = size;
	return run1(h, &req, resp);
}

static char *count_of(const char *key)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf b = AL_BUF_INIT;

	al_http_get(h, url("/count?key=%s", key), NULL, 0, &b, NULL, &d);
	return al_buf_detach(&b, NULL);
}

static int tmp_files(void)
{
	struct al_buf cmd = AL_BUF_INIT;
	char line[64] = "";
	FILE *p;

	al_buf_addf(&cmd, "find '%s/store/tmp' -type f | wc -l", root);
	p = popen(cmd.buf, "r");
	if (p && fgets(line, sizeof(line), p)) {}
	if (p)
		pclose(p);
	al_buf_release(&cmd);
	return atoi(line);
}

struct retries {
	unsigned n, last_delay;
};

static void on_retry(void *ctx, const char *method, const char *u, unsigned attempt,
                     unsigned delay_ms, const char *reason)
{
	struct retries *r = ctx;

	r->n++;
	r->last_delay = delay_ms;
}

struct prog {
	uint64_t done;
	int64_t total;
	unsigned calls;
};

static void on_progress(void *ctx, uint64_t done, int64_t total)
{
	struct prog *p = ctx;

	p->done = done;
	p->total = total;
	p->calls++;
}

struct cbsink {
	struct al_buf data;
	unsigned restarts;
};

static al_err cb_write(void *ctx, uint64_t offset, const void *p, size_t n, struct al_diag *d)
{
	struct cbsink *s = ctx;

	if (offset != s->data.len) {
		if (offset != 0)
			return al_diag_set(d, AL_EINTERNAL, "offset %llu, have %zu",
			                   (unsigned long long)offset, s->data.len);
		s->restarts++;
		al_buf_reset(&s->data);
	}
	return al_buf_add(&s->data, p, n);
}

static void ignore_done(void *ctx, struct al_http_resp *resp)
{
	if (resp->err)
		diag("%s", resp->diag.msg);
}

static struct {
	unsigned done, ok;
} par;

static void par_done(void *ctx, struct al_http_resp *resp)
{
	par.done++;
	if (!resp->err && strcmp(resp->sha256, ctx) == 0)
		par.ok++;
	else
		diag("parallel: %s", resp->diag.msg);
}

/* order[] of completion for run_until, hurry and cancel */
static struct {
	char order[16];
	unsigned n;
} seq;

static void seq_done(void *ctx, struct al_http_resp *resp)
{
	if (seq.n + 1 < sizeof(seq.order))
		seq.order[seq.n++] = *(const char *)ctx;
	if (resp->err)
		diag("%c: %s", *(const char *)ctx, resp->diag.msg);
}

static bool seq_has(void *ctx)
{
	return memchr(seq.order, *(const char *)ctx, seq.n) != NULL;
}

static void seq_add(struct al_http *hh, const char *u, const char *tag, const void *owner,
                    bool to_store)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_http_req req = AL_HTTP_REQ_INIT;

	req.url = u;
	req.done = seq_done;
	req.ctx = (void *)tag;
	req.owner = owner;
	if (to_store)
		req.store = store;
	if (al_http_add(hh, &req, &d))
		diag("%s", d.msg);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_http_opts o = AL_HTTP_OPTS_INIT;
	struct al_http_resp resp;
	struct al_http_req req;
	struct al_buf body = AL_BUF_INIT, want = AL_BUF_INIT, path = AL_BUF_INIT;
	struct retries rt = { 0, 0 };
	char sha[AL_SHA256_HEX];
	int server_in = -1;
	pid_t pid;
	char *s;
	double t0;

	/* no proxy, no netrc, no CA variables from the environment of the test */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	unsetenv("SSL_CERT_FILE");
	unsetenv("REQUESTS_CA_BUNDLE");
	unsetenv("PIP_CERT");
	signal(SIGPIPE, SIG_IGN);

	if (!mkdtemp(root))
		return 1;
	if ((pid = server_start(&server_in, &port, NULL, NULL)) < 0 || port <= 0) {
		printf("1..0 # SKIP cannot start tests/helpers/faultserver.py\n");
		return 0;
	}
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	al_buf_addf(&path, "%s/store", root);
	if (al_store_open(&store, path.buf, AL_STORE_CREATE, &d)) {
		diag("%s", d.msg);
		return 1;
	}
	o.backoff_base_ms = 1;
	o.backoff_cap_ms = 20;
	o.no_netrc = true;
	o.on_retry = on_retry;
	o.ctx = &rt;
	is_int(al_http_new(&h, &o, &d), AL_OK, "engine");
	al_http_resp_init(&resp);

	/* ---- memory ---- */
	is_int(al_http_get(h, url("/bytes/1000"), NULL, 0, &body, &resp, &d), AL_OK,
	       "GET into memory");
	pattern(&want, 1000, 0);
	ok(body.len == 1000 && memcmp(body.buf, want.buf, 1000) == 0, "with the right bytes");
	is_int(resp.status, 200, "status 200");
	is_str(resp.hdrs.etag, "\"b-1000-0\"", "ETag read");
	is_str(resp.url, url("/bytes/1000"), "final URL");
	is_int(al_http_get(h, url("/bytes/5000"), NULL, 1000, &body, &resp, &d), AL_ELIMIT,
	       "memory cap from Content-Length");
	ok(strstr(d.msg, "larger than 1000 bytes") != NULL, "says so: %s", d.msg);
	is_int(al_http_get(h, url("/bytes/5000?nolength=1"), NULL, 1000, &body, &resp, &d),
	       AL_ELIMIT, "memory cap without Content-Length");
	is_int(al_http_get(h, url("/endless"), NULL, 1 << 20, &body, &resp, &d), AL_ELIMIT,
	       "an endless body stops at the cap");

	/* ---- store ---- */
	pattern_sha(300000, 3, sha);
	is_int(to_store(url("/bytes/300000?seed=3"), sha, 300000, &resp), AL_OK, "GET into the store");
	is_str(resp.sha256, sha, "the blob has the right sha256");
	ok(al_store_has(store, sha), "the store has it");
	is_int(to_store(url("/bytes/300000?seed=4"), sha, 300000, &resp), AL_EVERIFY,
	       "a wrong hash is refused");
	ok(strstr(resp.diag.msg, "sha256 mismatch") && strstr(resp.diag.msg, "GET http://"),
	   "with a message naming the URL: %s", resp.diag.msg);
	pattern_sha(300000, 4, sha);
	ok(!al_store_has(store, sha), "no blob is recorded");
	is_int(tmp_files(), 0, "and nothing is left in tmp/");
	is_int(to_store(url("/bytes/1000?corrupt=10"), NULL, 1000, &resp), AL_OK,
	       "no expected hash: stored as it comes");
	is_int(to_store(url("/bytes/2000"), NULL, 1000, &resp), AL_EVERIFY,
	       "a Content-Length above the declared size is refused");
	is_int(resp.attempts, 1, "at once, without retries");
	is_int(to_store(url("/bytes/2000?nolength=1"), NULL, 1000, &resp), AL_EVERIFY,
	       "a body longer than declared is refused");
	ok(strstr(resp.diag.msg, "longer than the declared 1000") != NULL, "%s", resp.diag.msg);
	is_int(tmp_files(), 0, "nothing is left in tmp/");

	/* ---- retries ---- */
	rt.n = 0;
	pattern_sha(1000, 0, sha);
	is_int(to_store(url("/bytes/1000?fail=2&key=f2"), sha, 1000, &resp), AL_OK,
	       "500 twice then 200: success");
	is_int(resp.attempts, 3, "after 3 attempts");
	is_int(rt.n, 2, "two retries were announced");
	t0 = now_s();
	is_int(to_store(url("/bytes/10?fail=-1&key=f3"), NULL, 10, &resp), AL_EHTTP,
	       "500 forever fails");
	ok(strstr(resp.diag.msg, ": HTTP 500 after 6 attempts") != NULL, "%s", resp.diag.msg);
	ok(now_s() - t0 < 10, "in bounded time");
	is_int(resp.status, 500, "status 500");
	s = count_of("f3");
	ok(strncmp(s, "count=6\n", 8) == 0, "6 requests were made");
	al_free(s);
	is_int(to_store(url("/bytes/10?fail=-1&code=503&key=f4"), NULL, 10, &resp), AL_EHTTP,
	       "503 forever fails");
	{
		struct al_buf m = AL_BUF_INIT;
		/* the query is elided in messages (a signed URL's grant lives there) */
		al_buf_addf(&m, "GET %s?...: HTTP 503 after 6 attempts", url("/bytes/10"));
		is_str(resp.diag.msg, m.buf, "clear message, without the URL's query");
		al_buf_release(&m);
	}
	rt.n = 0;
	is_int(to_store(url("/bytes/10?fail=1&code=429&retry_after=1&key=r1"), NULL, 10, &resp),
	       AL_OK, "429 with Retry-After: success");
	ok(rt.n == 1 && rt.last_delay == 1000, "waited the 1 s asked for (%u ms)", rt.last_delay);
	rt.n = 0;
	is_int(to_store(url("/bytes/10?fail=1&code=429&ratelimit=%%22api%%22;r=0;t=1&key=r2"), NULL,
	                10, &resp),
	       AL_OK, "429 with RateLimit: success");
	ok(rt.n == 1 && rt.last_delay == 1000, "waited for the reset (%u ms)", rt.last_delay);
	is_int(to_store(url("/status/404?hdr=X-Error-Code:EntryNotFound&hdr=X-Error-Message:Entry+"
	                    "not+found&key=n1"),
	                NULL, AL_SIZE_UNKNOWN, &resp),
	       AL_ENOTFOUND, "404 is not found");
	ok(strstr(resp.diag.msg, "HTTP 404 (EntryNotFound: Entry not found)") != NULL, "%s",
	   resp.diag.msg);
	s = count_of("n1");
	ok(strncmp(s, "count=1\n", 8) == 0, "and is not retried");
	al_free(s);
	is_int(to_store(url("/status/403"), NULL, AL_SIZE_UNKNOWN, &resp), AL_EHTTP, "403");
	is_int(resp.attempts, 1, "is not retried");

	/* ---- resume ---- */
	pattern_sha(300000, 5, sha);
	is_int(to_store(url("/bytes/300000?seed=5&cut=100000&key=c1"), sha, 300000, &resp), AL_OK,
	       "a cut body is resumed");
	is_str(resp.sha256, sha, "with the right hash");
	s = count_of("c1");
	ok(strstr(s, "count=2\nrange=-\nrange=bytes=100000-\n") != NULL, "with Range: bytes=100000-");
	al_free(s);
	is_int(to_store(url("/bytes/300000?seed=5&cut=100000&range=ignore&key=c2"), sha, 300000,
	                &resp),
	       AL_OK, "a server ignoring Range: restart");
	is_str(resp.sha256, sha, "with the right hash");
	s = count_of("c2");
	ok(strstr(s, "range=bytes=100000-") != NULL, "Range was asked for");
	al_free(s);
	is_int(to_store(url("/bytes/300000?seed=5&cut=1000&cuts=3&key=c3"), sha, 300000, &resp),
	       AL_OK, "cut three times: resumed three times");
	is_int(resp.attempts, 4, "in 4 attempts");
	{
		struct cbsink cs = { AL_BUF_INIT, 0 };
		struct prog pg = { 0, 0, 0 };
		req = (struct al_http_req)AL_HTTP_REQ_INIT;
		req.url = url("/bytes/200000?seed=6&cut=50000&range=ignore&key=c4");
		req.write = cb_write;
		req.done = ignore_done;
		req.ctx = &cs;
		is_int(al_http_add(h, &req, &d), AL_OK, "callback sink");
		is_int(al_http_run(h, &d), AL_OK, "run");
		pattern(&want, 200000, 6);
		ok(cs.data.len == 200000 && memcmp(cs.data.buf, want.buf, 200000) == 0,
		   "gets the whole body");
		is_int(cs.restarts, 1, "and was told to restart once");
		al_buf_release(&cs.data);
		req = (struct al_http_req)AL_HTTP_REQ_INIT;
		req.url = url("/bytes/200000");
		req.body = &body;
		req.progress = on_progress;
		req.done = ignore_done;
		req.ctx = &pg;
		is_int(al_http_add(h, &req, &d), AL_OK, "progress");
		is_int(al_http_run(h, &d), AL_OK, "run");
		ok(pg.calls > 0 && pg.done == 200000 && pg.total == 200000,
		   "progress reported %llu of %lld", (unsigned long long)pg.done, (long long)pg.total);
	}

	/* ---- a caller's own Range: a 206 must be that range ---- */
	{
		const char *r1[] = { "Range: bytes=1000-1999", NULL };
		const char *r2[] = { "Range: bytes=199500-200999", NULL };

		pattern(&want, 200000, 7);
		is_int(al_http_get(h, url("/bytes/200000?seed=7"), r1, 0, &body, &resp, &d), AL_OK,
		       "a range answered as asked");
		ok(resp.status == 206 && body.len == 1000 && !memcmp(body.buf, want.buf + 1000, 1000),
		   "its 1000 bytes");
		is_int(al_http_get(h, url("/bytes/200000?seed=7"), r2, 0, &body, &resp, &d), AL_OK,
		       "a range past the end, answered up to the last byte");
		ok(resp.status == 206 && body.len == 500 && !memcmp(body.buf, want.buf + 199500, 500),
		   "its 500 bytes");
		is_int(al_http_get(h, url("/bytes/200000?seed=7&range=shift:100"), r1, 0, &body, &resp,
		                   &d),
		       AL_EPARSE, "a range answered 100 bytes earlier is refused");
		ok(strstr(d.msg, "bytes 900-1899/200000, not the range asked for") != NULL, "%s",
		   d.msg);
	}

	/* ---- redirects and auth ---- */
	{
		const char *auth[] = { "Authorization: Bearer s3cret", NULL };
		struct al_buf to = AL_BUF_INIT;

		is_int(al_http_get(h, url("/redirect?to=/auth"), auth, 0, &body, &resp, &d), AL_OK,
		       "relative redirect");
		is_str(body.buf, "authorization: Bearer s3cret\n", "keeps Authorization");
		is_str(resp.url, url("/auth"), "final URL");
		is_int(resp.first.status, 302, "first response is the redirect");
		is_str(resp.first.location, "/auth", "with its Location");
		al_buf_addf(&to, "http://localhost:%d/auth", port);
		is_int(al_http_get(h, url("/redirect?to=%s&hdr=X-Repo-Commit:abc", to.buf), auth, 0,
		                   &body, &resp, &d),
		       AL_OK, "cross-host redirect");
		is_str(body.buf, "authorization: none\n", "drops Authorization");
		is_str(resp.url, to.buf, "final URL on the other host");
		is_str(resp.first.x_repo_commit, "abc", "headers of the redirect are kept");
		is_int(al_http_get(h, url("/redirect?to=%s", url("/auth")), auth, 0, &body, &resp,
		                   &d),
		       AL_OK, "absolute same-host redirect");
		is_str(body.buf, "authorization: Bearer s3cret\n", "keeps Authorization");
		req = (struct al_http_req)AL_HTTP_REQ_INIT;
		req.url = url("/redirect?to=%s&hdr=X-Linked-Size:42", to.buf);
		req.method = AL_HTTP_HEAD;
		req.flags = AL_HTTP_STAY_ON_HOST;
		req.headers = auth;
		is_int(run1(h, &req, &resp), AL_OK, "HEAD staying on the host");
		is_int(resp.status, 302, "ends at the redirect");
		is_int(resp.hdrs.x_linked_size, 42, "with its headers");
		is_str(resp.url, to.buf, "url is the redirect target");
		al_buf_release(&to);
	}
	/* ---- Basic credentials: lent by an index URL, or in the request URL ---- */
	{
		const char *bearer[] = { "Authorization: Bearer tok", NULL };
		struct al_http *hc = NULL;
		struct al_http_opts oc = AL_HTTP_OPTS_INIT;
		struct al_buf lend = AL_BUF_INIT, to = AL_BUF_INIT, u = AL_BUF_INIT;

		oc.no_netrc = true;
		is_int(al_http_new(&hc, &oc, &d), AL_OK, "engine with lent credentials");
		al_buf_addf(&lend, "http://al%%69ce:p%%40ss:w@127.0.0.1:%d/simple/", port);
		is_int(al_http_add_credentials(hc, lend.buf, &d), AL_OK, "lend an index URL's credentials");
		is_int(al_http_add_credentials(hc, url("/no-userinfo/"), &d), AL_OK,
		       "a URL without userinfo lends nothing");
		is_int(al_http_get(hc, url("/auth"), NULL, 0, &body, &resp, &d), AL_OK, "same origin");
		is_str(body.buf, "authorization: Basic YWxpY2U6cEBzczp3\n",
		       "gets them as Basic, percent-decoded");
		is_int(al_http_get(hc, url("/redirect?to=/auth"), NULL, 0, &body, &resp, &d), AL_OK,
		       "relative redirect");
		is_str(body.buf, "authorization: Basic YWxpY2U6cEBzczp3\n", "keeps them");
		al_buf_addf(&to, "http://localhost:%d/auth", port);
		is_int(al_http_get(hc, url("/redirect?to=%s", to.buf), NULL, 0, &body, &resp, &d), AL_OK,
		       "redirect to another host");
		is_str(body.buf, "authorization: none\n", "drops them");
		is_int(al_http_get(hc, to.buf, NULL, 0, &body, &resp, &d), AL_OK, "another host");
		is_str(body.buf, "authorization: none\n", "gets none");
		is_int(al_http_get(hc, url("/auth"), bearer, 0, &body, &resp, &d), AL_OK,
		       "a request with its own Authorization");
		is_str(body.buf, "authorization: Bearer tok\n", "keeps its own");
		al_http_free(hc);
		hc = NULL;

		is_int(al_http_new(&hc, &oc, &d), AL_OK, "engine without lent credentials");
		al_buf_addf(&u, "http://bob:pw@127.0.0.1:%d/auth", port);
		is_int(al_http_get(hc, u.buf, NULL, 0, &body, &resp, &d), AL_OK, "userinfo in the URL");
		is_str(body.buf, "authorization: Basic Ym9iOnB3\n", "becomes Basic credentials");
		is_str(resp.url, url("/auth"), "resp.url has no userinfo");
		al_buf_reset(&u);
		al_buf_addf(&u, "http://bob:pw@127.0.0.1:%d/status/401", port);
		is_int(al_http_get(hc, u.buf, NULL, 0, &body, &resp, &d), AL_EHTTP, "a 401");
		ok(strstr(d.msg, "pw") == NULL && strstr(d.msg, "bob") == NULL &&
		   strstr(d.msg, url("/status/401")) && strstr(d.msg, "401"),
		   "names the URL without userinfo: %s", d.msg);
		al_buf_reset(&u);
		al_buf_addf(&u, "/redirect?to=http://eve:pw@localhost:%d/auth", port);
		is_int(al_http_get(hc, url("%s", u.buf), NULL, 0, &body, &resp, &d), AL_OK,
		       "a Location with userinfo");
		is_str(body.buf, "authorization: none\n", "its credentials are not used");
		is_str(resp.url, to.buf, "nor kept");
		al_http_free(hc);
		al_buf_release(&lend);
		al_buf_release(&to);
		al_buf_release(&u);
	}
	is_int(al_http_get(h, url("/loop"), NULL, 0, &body, &resp, &d), AL_EHTTP, "redirect loop");
	ok(strstr(d.msg, "too many redirects") != NULL, "%s", d.msg);
	is_int(al_http_get(h, url("/redirect?to=file:///etc/passwd"), NULL, 0, &body, &resp, &d),
	       AL_EREFUSED, "redirect to file:// refused");

	/* ---- conditional ---- */
	{
		req = (struct al_http_req)AL_HTTP_REQ_INIT;
		req.url = url("/bytes/100");
		req.body = &body;
		req.if_none_match = "\"b-100-0\"";
		is_int(run1(h, &req, &resp), AL_OK, "conditional GET");
		ok(resp.not_modified && resp.status == 304, "304 reported");
	}

	/* ---- many at once ---- */
	{
		static char shas[40][AL_SHA256_HEX];
		par.done = par.ok = 0;
		for (int i = 0; i < 40; i++) {
			req = (struct al_http_req)AL_HTTP_REQ_INIT;
			pattern_sha(1000 + (size_t)i * 997, (unsigned)i, shas[i]);
			req.url = url("/bytes/%d?seed=%d&slow=1", 1000 + i * 997, i);
			req.store = store;
			req.sha256 = shas[i];
			req.size = 1000 + i * 997;
			req.done = par_done;
			req.ctx = shas[i];
			if (al_http_add(h, &req, &d))
				diag("%s", d.msg);
		}
		is_int(al_http_run(h, &d), AL_OK, "40 transfers run");
		is_int(par.done, 40, "all complete");
		is_int(par.ok, 40, "all with the right hash");
	}

	/* ---- run until one is done; hurry; cancel ---- */
	{
		struct al_http *h1 = NULL;
		struct al_http_opts o1 = o;
		static char ta[] = "a", tb[] = "b", tc[] = "c", tx[] = "x", ty[] = "y", tz[] = "z";
		int owner;
		memset(&seq, 0, sizeof(seq));
		seq_add(h, url("/bytes/100?stall=2&key=u1"), ta, &owner, false);
		seq_add(h, url("/bytes/100?key=u2"), tb, &owner, false);
		seq_add(h, url("/bytes/300000?stall=2&key=u3"), tc, &owner, true);
		is_int(al_http_run_until(h, seq_has, tb, &d), AL_OK, "run until one transfer is done");
		is_str(seq.order, "b", "it returns when that one is, the others still in flight");
		is_int(al_http_run_until(h, seq_has, tb, &d), AL_OK, "again: done already");
		is_int(seq.n, 1, "returns at once");
		al_http_cancel(h, &owner);
		is_int(al_http_run(h, &d), AL_OK, "cancel the owner's transfers");
		is_str(seq.order, "b", "their callbacks never run");
		is_int(tmp_files(), 0, "a cancelled store download leaves nothing in tmp/");

		o1.parallel = 1;
		is_int(al_http_new(&h1, &o1, &d), AL_OK, "an engine with one transfer at a time");
		memset(&seq, 0, sizeof(seq));
		seq_add(h1, url("/bytes/10?key=h1"), tx, NULL, false);
		seq_add(h1, url("/bytes/10?key=h2"), ty, NULL, false);
		seq_add(h1, url("/bytes/10?key=h3"), tz, NULL, false);
		al_http_hurry(h1, tz);
		is_int(al_http_run(h1, &d), AL_OK, "hurry one queued transfer");
		is_str(seq.order, "zxy", "it runs first, the others in their order");
		al_http_cancel(h1, NULL);
		al_http_free(h1);
	}

	/* ---- connection errors, timeouts, redaction ---- */
	{
		struct al_http *h2 = NULL;
		struct al_http_opts o2 = AL_HTTP_OPTS_INIT;
		struct sockaddr_in sa = { .sin_family = AF_INET };
		socklen_t sl = sizeof(sa);
		int fd = socket(AF_INET, SOCK_STREAM, 0), closed_port;
		struct al_buf u = AL_BUF_INIT;

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		getsockname(fd, (struct sockaddr *)&sa, &sl);
		closed_port = ntohs(sa.sin_port);
		close(fd);
		o2.backoff_base_ms = 1;
		o2.attempts = 2;
		o2.low_speed_time = 1;
		o2.no_netrc = true;
		is_int(al_http_new(&h2, &o2, &d), AL_OK, "second engine");
		al_buf_addf(&u, "http://user:hunter2@127.0.0.1:%d/x", closed_port);
		is_int(al_http_get(h2, u.buf, NULL, 0, &body, &resp, &d), AL_ENET,
		       "connection refused: network error");
		ok(strstr(d.msg, "after 2 attempts") != NULL, "after the attempts: %s", d.msg);
		ok(strstr(d.msg, "hunter2") == NULL && strstr(d.msg, "user") == NULL &&
		   strstr(d.msg, "http://127.0.0.1:") != NULL,
		   "the message shows the URL without userinfo: %s", d.msg);
		is_int(al_http_get(h2, url("/bytes/100?stall=3"), NULL, 0, &body, &resp, &d), AL_ENET,
		       "a stalled body times out");
		ok(strstr(d.msg, "after 2 attempts") != NULL, "%s", d.msg);
		al_http_free(h2);
		al_buf_release(&u);
	}

	/* ---- netrc and CA ---- */
	{
		struct al_http *h3 = NULL;
		struct al_http_opts o3 = AL_HTTP_OPTS_INIT;
		struct al_buf nrc = AL_BUF_INIT, u = AL_BUF_INIT;
		FILE *f;

		al_buf_addf(&nrc, "%s/netrc", root);
		f = fopen(nrc.buf, "w");
		fprintf(f, "machine localhost login alice password wonder\n");
		fclose(f);
		setenv("NETRC", nrc.buf, 1);
		is_int(al_http_new(&h3, &o3, &d), AL_OK, "engine with NETRC");
		al_buf_addf(&u, "http://localhost:%d/auth", port);
		is_int(al_http_get(h3, u.buf, NULL, 0, &body, &resp, &d), AL_OK, "GET with netrc");
		is_str(body.buf, "authorization: Basic YWxpY2U6d29uZGVy\n", "sends netrc credentials");
		is_int(al_http_get(h3, url("/auth"), NULL, 0, &body, &resp, &d), AL_OK,
		       "GET another host");
		is_str(body.buf, "authorization: none\n", "no credentials for it");
		al_http_free(h3);
		h3 = NULL;
		unsetenv("NETRC");
		setenv("SSL_CERT_FILE", "/nonexistent/ca.pem", 1);
		is_int(al_http_new(&h3, &o3, &d), AL_EIO, "a missing CA bundle is an error");
		ok(strstr(d.msg, "SSL_CERT_FILE") != NULL, "naming the variable: %s", d.msg);
		unsetenv("SSL_CERT_FILE");
		al_buf_release(&nrc);
		al_buf_release(&u);
	}

	/* ---- TLS: a self-signed server, refused, then trusted through a CA file ---- */
	{
		struct al_buf cmd = AL_BUF_INIT, cert = AL_BUF_INIT, key = AL_BUF_INIT;
		struct al_buf u = AL_BUF_INIT;
		struct al_http *h4 = NULL;
		struct al_http_opts o4 = AL_HTTP_OPTS_INIT;
		int tls_in = -1, tls_port = 0;
		pid_t tls_pid = -1;

		al_buf_addf(&cert, "%s/cert.pem", root);
		al_buf_addf(&key, "%s/key.pem", root);
		al_buf_addf(&cmd, "openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s' -out '%s' "
		            "-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
		            ">/dev/null 2>&1", key.buf, cert.buf);
		if (system(cmd.buf) != 0 ||
		    (tls_pid = server_start(&tls_in, &tls_port, cert.buf, key.buf)) < 0 ||
		    tls_port <= 0) {
			printf("ok %d # SKIP no openssl to make a certificate\n", ++tap_n);
		} else {
			al_buf_addf(&u, "https://127.0.0.1:%d/auth", tls_port);
			o4.no_netrc = true;
			o4.attempts = 1;
			al_http_new(&h4, &o4, &d);
			is_int(al_http_get(h4, u.buf, NULL, 0, &body, &resp, &d), AL_ECRYPTO,
			       "an unknown certificate is refused");
			ok(strstr(d.msg, "SSL_CERT_FILE") && strstr(d.msg, "certificate"),
			   "naming the CA settings: %s", d.msg);
			al_http_free(h4);
			h4 = NULL;
			setenv("SSL_CERT_FILE", cert.buf, 1);
			is_int(al_http_new(&h4, &o4, &d), AL_OK, "engine with SSL_CERT_FILE");
			is_int(al_http_get(h4, u.buf, NULL, 0, &body, &resp, &d), AL_OK,
			       "the certificate is trusted through SSL_CERT_FILE");
			is_str(body.buf, "authorization: none\n", "and the body arrives");
			unsetenv("SSL_CERT_FILE");
			al_http_free(h4);
			close(tls_in);
			waitpid(tls_pid, NULL, 0);
		}
		al_buf_release(&cmd);
		al_buf_release(&cert);
		al_buf_release(&key);
		al_buf_release(&u);
	}

	al_http_resp_release(&resp);
	al_http_free(h);
	al_http_free(NULL);
	al_store_free(store);
	close(server_in);
	waitpid(pid, NULL, 0);
	{
		struct al_buf cmd = AL_BUF_INIT;
		al_buf_addf(&cmd, "chmod -R u+w '%s' && rm -rf '%s'", root, root);
		if (system(cmd.buf)) {}
		al_buf_release(&cmd);
	}
	al_buf_release(&body);
	al_buf_release(&want);
	al_buf_release(&path);
	return done_testing();
}
