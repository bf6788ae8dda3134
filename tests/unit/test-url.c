/*
 * test-url.c: lib/core/url.c, chiefly that userinfo leaves every URL airlock
 * records or prints (al_url_strip_userinfo; al_url_for_message also elides
 * the query, where a signed URL carries its grant), and how it is read when lent
 * to the HTTP engine (al_url_userinfo); and that al_url_join's fast path
 * for plain shapes answers byte for byte what libcurl does, on every pair of
 * a list of bases and references, plain and hostile.
 */
#include "config.h"

#include "core/buf.h"
#include "core/mem.h"
#include "tap.h"
#include "core/url.h"

static const struct {
	const char *in, *want;
} strip[] = {
	{ "https://user:pw@host/x", "https://host/x" },
	{ "http://user:s3cret@127.0.0.1:8080/simple/", "http://127.0.0.1:8080/simple/" },
	{ "https://token@host/", "https://host/" },
	{ "https://:pw@host", "https://host" },
	{ "https://user:@host/", "https://host/" },
	{ "https://@host/", "https://host/" },
	{ "https://host/a@b", "https://host/a@b" },
	{ "https://host?q=a@b", "https://host?q=a@b" },
	{ "https://host#a@b", "https://host#a@b" },
	{ "https://u:p@h:8080/s?x@y#f@g", "https://h:8080/s?x@y#f@g" },
	/* the last '@' of the authority ends the userinfo */
	{ "https://a@b@host/", "https://host/" },
	{ "http://user:p:w@host/", "http://host/" },
	{ "http://user:p@ss@host/x", "http://host/x" },
	/* percent-encoded ':' and '@' are part of the userinfo */
	{ "http://us%3Aer:p%40ss%3A@host/x", "http://host/x" },
	/* IPv6 hosts in brackets */
	{ "http://u:p@[::1]:8080/simple/", "http://[::1]:8080/simple/" },
	{ "http://[::1]:8080/simple/", "http://[::1]:8080/simple/" },
	{ "http://u:p@[fe80::1%25eth0]/", "http://[fe80::1%25eth0]/" },
	/* the scheme is kept as written; no path at all */
	{ "HTTPS://U:P@Host", "HTTPS://Host" },
	{ "file://user@localhost/tmp/x.whl", "file://localhost/tmp/x.whl" },
	/* not URLs, or no userinfo: as is */
	{ "not a url", "not a url" },
	{ "user:pw@host/x", "user:pw@host/x" },
	{ "://u:p@host/", "://u:p@host/" },
	{ "1http://u:p@host/", "1http://u:p@host/" },
	{ "/srv/wheels", "/srv/wheels" },
	{ "", "" },
};

static const struct {
	const char *url, *user, *password;
	al_err err;
} info[] = {
	{ "http://user:s3cret@host/", "user", "s3cret", AL_OK },
	{ "http://token@host/", "token", NULL, AL_OK },
	{ "http://user:@host/", "user", "", AL_OK },
	{ "http://us%3Aer:p%40ss%3A@host/x", "us:er", "p@ss:", AL_OK },
	{ "http://user:p:w@host/", "user", "p:w", AL_OK },
	{ "http://a@b:c@host/", "a@b", "c", AL_OK },
	{ "http://u:p@[::1]:8080/", "u", "p", AL_OK },
	{ "http://host/a@b", NULL, NULL, AL_ENOTFOUND },
	{ "http://u:p%00w@host/", NULL, NULL, AL_EINVALID },
};

/* Bases and references crossed with each other: every pair the fast path
 * takes must give libcurl's answer, and one libcurl refuses it must leave to
 * libcurl. */
static const char *const bases[] = {
	"http://127.0.0.1:8080/simple/torch/",
	"https://pypi.org/simple/torch/",
	"https://pypi.org/simple/torch",
	"http://localhost:3141/root/pypi/+simple/fsspec/",
	"https://download.pytorch.org/whl/cu121/torch/",
	"https://h/",
	"https://h/a",
	"http://h/%7Euser/simple/x/",
	"http://h/%7euser/simple/x/",
	"http://h/a%2/",
	"http://h/a%zz/",
	"http://h:80/simple/x/",
	"https://h:443/simple/x/",
	"http://h:080/simple/x/",
	"http://h:0/simple/x/",
	"http://h:65535/simple/x/",
	"http://h:65536/simple/x/",
	"http://h:/simple/x/",
	"http://H/simple/x/",
	"HTTP://h/simple/x/",
	"http://h.example.com./simple/",
	"http://h..example/simple/",
	"http://-h/simple/",
	"http://h-/simple/",
	"http://a_b/simple/",
	"http://127.1/simple/",
	"http://0x7f.0.0.1/simple/",
	"http://010.0.0.1/simple/",
	"http://1.2.3.256/simple/",
	"http://1.2.3.4.5/simple/",
	"http://4294967295/simple/",
	"http://cafe.de/simple/",
	"http://abc/simple/",
	"http://deadbeef/simple/",
	"http://0xdeadbeef/simple/",
	"http://[::1]:8080/simple/x/",
	"http://u:p@h/simple/x/",
	"http://h/simple/x/?q=1",
	"http://h/simple/x/#frag",
	"http://h/simple/./x/",
	"http://h/simple/../x/",
	"http://h//simple/x/",
	"http://h/sim ple/x/",
	"http://h/sim\\ple/x/",
	"http://h/simple/x/\xc3\xa9/",
	"http://h/a(b)!$&'*+,;=/",
	"http://h/a:b@c/",
	"http://h",
	"http://h?x",
	"file:///srv/simple/x/",
	"file://localhost/srv/simple/x/",
	"ftp://h/simple/x/",
	"h/simple/x/",
	"",
};

static const char *const refs[] = {
	"torch-2.3.0-cp311-cp311-linux_x86_64.whl",
	"torch-2.3.0-cp311-cp311-linux_x86_64.whl#sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	"torch-2.3.0%2Bcu121-cp311-cp311-linux_x86_64.whl#sha256=00ff",
	"torch-2.3.0%2bcu121.whl",
	"torch-2.3.0+cu121.whl",
	"../../packages/ab/cd/x-1.0.tar.gz#sha256=00",
	"../x.whl",
	"../../x.whl",
	"../../../x.whl",
	"../../../../x.whl",
	"../",
	"..",
	"./x.whl",
	"a/./x.whl",
	"a/../x.whl",
	"a/..",
	"a/.",
	".",
	".hidden.whl",
	"a..b.whl",
	"/packages/x.whl",
	"/packages/x.whl#md5=00&sha256=ff",
	"/",
	"//cdn.example/x.whl",
	"///x.whl",
	"https://files.pythonhosted.org/packages/ab/cd/x-1.0-py3-none-any.whl#sha256=ff",
	"http://127.0.0.1:9/x.whl",
	"http://h:80/x.whl",
	"HTTPS://files.pythonhosted.org/x.whl",
	"https://Files.pythonhosted.org/x.whl",
	"https://127.1/x.whl",
	"https://u:p@cdn/x.whl",
	"https://cdn",
	"https:x.whl",
	"https:/x.whl",
	"ftp://h/x.whl",
	"file:///etc/passwd",
	"javascript:alert(1)",
	"mailto:a@b",
	"a:b.whl",
	"x.whl?q=1",
	"?q=1",
	"x.whl#",
	"#sha256=00",
	"x.whl#a b",
	"x.whl#a%20b",
	"x.whl#a/b?c",
	"x.whl#sha256=00#x",
	"x y.whl",
	"x%20y.whl",
	"x%2.whl",
	"x%.whl",
	"x%zz.whl",
	"x%00.whl",
	"x%2F..%2Fy.whl",
	"%2e%2e/x.whl",
	"a\\b.whl",
	"..\\x.whl",
	"\\\\h\\x.whl",
	"a//b.whl",
	"x.whl/",
	"d\xc3\xa9j\xc3\xa0.whl",
	"a\"b<c>.whl",
	"a`b{c}|d^e.whl",
	"a[b]c.whl",
	"a(b)!$&'*+,;=c.whl",
	"a@b.whl",
	"a~b_c-d.e.whl",
	" x.whl",
	"x.whl ",
	"\tx.whl",
	"x\n.whl",
	"",
};

/* libcurl's answer, or NULL when it refuses: the same calls as al_url_join_curl. */
static char *curl_join(const char *base, const char *ref)
{
	struct al_diag d = AL_DIAG_INIT;
	char *s = NULL;

	if (al_url_join_curl(base, ref, &s, &d))
		return NULL;
	return s;
}

static void plain_against_curl(void)
{
	struct al_diag d = AL_DIAG_INIT;
	size_t i, k, taken = 0, pairs = 0, bad = 0;

	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		for (k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
			char *want = curl_join(bases[i], refs[k]), *got = NULL, *via = NULL;
			al_err err = al_url_join_plain(bases[i], refs[k], &got, &d);
			al_err jerr = al_url_join(bases[i], refs[k], &via, &d);

			pairs++;
			if (err == AL_OK) {
				taken++;
				if (!want || strcmp(got, want)) {
					bad++;
					diag("'%s' + '%s': plain '%s', libcurl '%s'", bases[i], refs[k],
					     got, want ? want : "(refused)");
				}
			} else if (err != AL_ENOTFOUND || got) {
				bad++;
				diag("'%s' + '%s': plain failed with %d", bases[i], refs[k], err);
			}
			if ((jerr == AL_OK) != (want != NULL) || (want && strcmp(via, want))) {
				bad++;
				diag("'%s' + '%s': al_url_join '%s', libcurl '%s'", bases[i], refs[k],
				     via ? via : "(refused)", want ? want : "(refused)");
			}
			al_free(want);
			al_free(got);
			al_free(via);
		}
	}
	ok(bad == 0, "the fast path agrees with libcurl on %zu of %zu pairs it takes (%zu pairs)",
	   taken - bad, taken, pairs);
	ok(taken >= 250, "and takes the plain ones (%zu)", taken);
}

/* The shapes real pages use take the fast path. */
static const struct {
	const char *base, *ref, *want;
} plain[] = {
	{ "http://127.0.0.1:8080/simple/torch/", "torch-2.3.0-cp311-none-any.whl#sha256=00ff",
	  "http://127.0.0.1:8080/simple/torch/torch-2.3.0-cp311-none-any.whl#sha256=00ff" },
	{ "https://pypi.org/simple/x/",
	  "https://files.pythonhosted.org/packages/ab/cd/x-1.0-py3-none-any.whl#sha256=ff",
	  "https://files.pythonhosted.org/packages/ab/cd/x-1.0-py3-none-any.whl#sha256=ff" },
	{ "https://download.pytorch.org/whl/cu121/torch/",
	  "/whl/cu121/torch-2.3.0%2Bcu121-cp311-cp311-linux_x86_64.whl#sha256=ab",
	  "https://download.pytorch.org/whl/cu121/torch-2.3.0%2Bcu121-cp311-cp311-linux_x86_64.whl#sha256=ab" },
	{ "http://localhost:3141/root/pypi/+simple/x/", "../../+f/abc/x-1.0.tar.gz#sha256=00",
	  "http://localhost:3141/root/pypi/+f/abc/x-1.0.tar.gz#sha256=00" },
};

int main(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf b = AL_BUF_INIT;
	char *s, *user, *password;
	size_t i;

	for (i = 0; i < sizeof(strip) / sizeof(strip[0]); i++) {
		s = al_url_strip_userinfo(strip[i].in);
		is_str(s, strip[i].want, "strip '%s'", strip[i].in);
		is_int(al_url_has_userinfo(strip[i].in), strcmp(strip[i].in, strip[i].want) != 0,
		       "has_userinfo '%s'", strip[i].in);
		al_free(s);
	}
	al_buf_addstr(&b, "GET ");
	is_int(al_url_strip_userinfo_buf(&b, "https://u:p@host/x"), AL_OK, "the _buf form appends");
	is_str(b.buf, "GET https://host/x", "to what the buffer holds");
	al_buf_release(&b);

	/* URLs in messages: no userinfo, no query (a signed URL's grant) */
	{
		static const struct { const char *in, *want; } msg[] = {
			{ "https://cdn.example/x/model.safetensors?X-Amz-Signature=abc&X-Amz-Credential=k",
			  "https://cdn.example/x/model.safetensors?..." },
			{ "https://u:p@cdn.example/f?sig=1#frag", "https://cdn.example/f?..." },
			{ "https://files.example/x-1.0-py3-none-any.whl#sha256=ff",
			  "https://files.example/x-1.0-py3-none-any.whl#sha256=ff" },
			{ "https://host/a#frag?notaquery", "https://host/a#frag?notaquery" },
			{ "https://host/?", "https://host/?..." },
			{ "https://host/plain", "https://host/plain" },
			{ "not a url?at all", "not a url?..." },
		};
		for (i = 0; i < sizeof(msg) / sizeof(msg[0]); i++) {
			s = al_url_for_message(msg[i].in);
			is_str(s, msg[i].want, "for a message: '%s'", msg[i].in);
			al_free(s);
		}
		al_buf_addstr(&b, "GET ");
		is_int(al_url_for_message_buf(&b, "https://h/x?t=secret"), AL_OK,
		       "the _buf form appends");
		is_str(b.buf, "GET https://h/x?...", "to what the buffer holds");
		al_buf_release(&b);
	}

	for (i = 0; i < sizeof(info) / sizeof(info[0]); i++) {
		al_err err = al_url_userinfo(info[i].url, &user, &password, &d);
		is_int(err, info[i].err, "userinfo of '%s'", info[i].url);
		if (err == AL_OK) {
			is_str(user, info[i].user, "its user");
			if (info[i].password)
				is_str(password, info[i].password, "its password");
			else
				ok(password == NULL, "no password");
		} else {
			ok(user == NULL && password == NULL, "nothing returned");
		}
		if (err == AL_EINVALID)
			ok(!strstr(d.msg, "p%00w") && !strstr(d.msg, "u:"), "the message shows no credentials: %s",
			   d.msg);
		al_free(user);
		al_free(password);
	}

	/* a relative link keeps the page's host, never its userinfo */
	is_int(al_url_join("http://u:s3cret@host/simple/x/", "../../files/x.whl", &s, &d), AL_OK,
	       "join against a base with userinfo");
	is_str(s, "http://host/files/x.whl", "the result has none");
	al_free(s);
	is_int(al_url_join("http://host/simple/x/", "http://v:pw@cdn/x.whl", &s, &d), AL_OK,
	       "join an absolute link with userinfo");
	is_str(s, "http://cdn/x.whl", "the result has none");
	al_free(s);
	is_int(al_url_join("http://u:s3cret@host/simple/", "ftp://x/y", &s, &d), AL_EINVALID,
	       "a bad scheme is refused");
	ok(!strstr(d.msg, "s3cret"), "without the password: %s", d.msg);
	is_int(al_url_join("http://u:s3cret@host:99999/simple/", "x", &s, &d), AL_EINVALID,
	       "a bad base is refused");
	ok(!strstr(d.msg, "s3cret") && strstr(d.msg, "host:99999"), "naming it without the password: %s",
	   d.msg);
	is_int(al_url_filename("http://u:s3cret@host/simple/", &s, &d), AL_EINVALID, "no file name");
	ok(!strstr(d.msg, "s3cret"), "without the password: %s", d.msg);

	plain_against_curl();
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		s = NULL;
		is_int(al_url_join_plain(plain[i].base, plain[i].ref, &s, &d), AL_OK,
		       "plain: '%s' + '%s'", plain[i].base, plain[i].ref);
		is_str(s, plain[i].want, "gives the URL");
		al_free(s);
	}
	return done_testing();
}
