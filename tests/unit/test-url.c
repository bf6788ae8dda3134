/*
 * test-url.c: lib/core/url.c, chiefly that userinfo leaves every URL airlock
 * records or prints (al_url_strip_userinfo), and how it is read when lent
 * to the HTTP engine (al_url_userinfo).
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
	return done_testing();
}
