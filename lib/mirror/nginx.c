/*
 * nginx.c: the published tree served by nginx (docs/reference/serve.md,
 * "Served by nginx"; docs/decisions/0052-nginx-static-hub.md).
 *
 * nginx serves files; it cannot read info.json per request. So publish
 * writes, beside serve's hf/api/ records, every Hub API answer a client can
 * ask for with GET as a file under hf/nginx/api/ (the same JSON serve
 * answers with: both call the builders of serve-hub.c), and the headers of
 * each resolve URL (commit, ETag, linked size, the blob) as the lines of an
 * nginx map on $uri, hf/nginx/resolve.map, which the configuration includes.
 * The configuration itself names only DIR and the listen address.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/hash.h"
#include "core/mem.h"
#include "mirror/nginx.h"
#include "mirror/serve.h"

/* A resolve key longer than this is left out of the map (it must fit one
 * bucket of map_hash_bucket_size, 1024 in the configuration below). */
#define MAP_KEY_MAX 900
/* A form-encoded path longer than this is no file name (NAME_MAX) */
#define FORM_NAME_MAX 255

bool al_nginx_path_ok(const char *path)
{
	const unsigned char *s = (const unsigned char *)path;

	if (!path || path[0] != '/')
		return false;
	for (; *s; s++)
		if (*s < 0x20 || *s == 0x7f || *s == '"' || *s == '\\' || *s == '$')
			return false;
	return true;
}

/* host:port, [v6]:port; port 1..65535; host letters, digits, '.', '-'
 * (a v6 address hex digits, ':' and '.'). */
static bool listen_ok(const char *l)
{
	const char *colon, *s;
	size_t digits = 0;
	unsigned long port = 0;

	if (!l || !*l || strlen(l) > 300)
		return false;
	if (l[0] == '[') {
		const char *close = strchr(l, ']');
		if (!close || close == l + 1 || close[1] != ':')
			return false;
		for (s = l + 1; s < close; s++)
			if (!strchr("0123456789abcdefABCDEF:.", *s))
				return false;
		colon = close + 1;
	} else {
		if (!(colon = strrchr(l, ':')) || colon == l)
			return false;
		for (s = l; s < colon; s++)
			if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-'))
				return false;
	}
	for (s = colon + 1; *s; s++, digits++) {
		if (*s < '0' || *s > '9' || digits >= 5)
			return false;
		port = port * 10 + (unsigned long)(*s - '0');
	}
	return digits && port >= 1 && port <= 65535;
}

/* The configuration; @DIR@ and @LISTEN@ are filled in. Every answer is the
 * one `airlock serve` gives, except where the reference says otherwise. */
/* One path of a paths-info body as nginx's regex (inside a quoted string):
 * '/'-separated parts, none empty, "." or "..", without '"' or '\\'. */
static const char segs[] = "(?:[^\\\"\\\\\\\\/.]|\\.[^\\\"\\\\\\\\/.]|\\.\\.[^\\\"\\\\\\\\/])[^\\\"\\\\\\\\/]*(?:/(?:[^\\\"\\\\\\\\/.]|\\.[^\\\"\\\\\\\\/.]|\\.\\.[^\\\"\\\\\\\\/])[^\\\"\\\\\\\\/]*)*";

/* huggingface_hub's form body, paths=P&expand=B, P one path as urlencode()
 * writes it (publish names the files so; "." and ".." are no names): any B,
 * then B true (the file under fe/), B false or none (under fp/). */
#define FORM_RE(p, e) "\"~^paths=(?!\\.\\.?&|\\.\\.?$)" p "(" e ")$\""
static const char form_any[] = FORM_RE("[A-Za-z0-9._~%+-]+", "&expand=(True|true|False|false)|");
static const char form_e[] = FORM_RE("([A-Za-z0-9._~%+-]+)", "&expand=(?:True|true)");
static const char form_p[] = FORM_RE("([A-Za-z0-9._~%+-]+)", "&expand=(?:False|false)|");

static const char conf_template[] =
"# nginx.conf for the airlock published tree @DIR@\n"
"# made by `airlock serve --root ... --listen @LISTEN@ --nginx-conf`\n"
"# (docs/reference/serve.md, \"Served by nginx\"). Run it with a writable\n"
"# PREFIX for the pid file, the logs and the temporary files:\n"
"#   nginx -p PREFIX -c THIS-FILE -e stderr\n"
"# After each `airlock publish`: nginx -p PREFIX -c THIS-FILE -s reload\n"
"# (the resolve map is read when the configuration is loaded).\n"
"worker_processes auto;\n"
"# the routes and maps are regular expressions: compiled to machine code\n"
"pcre_jit on;\n"
"pid nginx.pid;\n"
"error_log error.log;\n"
"\n"
"events {\n"
"    worker_connections 4096;\n"
"}\n"
"\n"
"http {\n"
"    access_log access.log;\n"
"    client_body_temp_path client_body_temp;\n"
"    proxy_temp_path proxy_temp;\n"
"    fastcgi_temp_path fastcgi_temp;\n"
"    uwsgi_temp_path uwsgi_temp;\n"
"    scgi_temp_path scgi_temp;\n"
"    sendfile on;\n"
"    tcp_nopush on;\n"
"    server_tokens off;\n"
"    absolute_redirect off;\n"
"    types {\n"
"        \"text/plain; charset=utf-8\" txt toml metadata md;\n"
"        application/json json;\n"
"        \"text/html; charset=utf-8\" html;\n"
"    }\n"
"    default_type application/octet-stream;\n"
"    map_hash_bucket_size 1024;\n"
"    map_hash_max_size 4194304;\n"
"\n"
"    # PEP 691: JSON when the client ranks it first; q-values are compared\n"
"    # with 1 only (docs/reference/serve.md)\n"
"    map $http_accept $al_simple {\n"
"        default html;\n"
"        \"~*(^|,)\\s*application/vnd\\.pypi\\.simple\\.v1\\+json\\s*(;\\s*q=1(\\.0{0,3})?\\s*)?(,|$)\" json;\n"
"        \"~*(^|,)\\s*application/vnd\\.pypi\\.simple\\.v1\\+html\\s*(;\\s*q=1(\\.0{0,3})?\\s*)?(,|$)\" v1html;\n"
"        \"~*(^|,)\\s*(text/html|text/\\*|\\*/\\*)\\s*(;\\s*q=1(\\.0{0,3})?\\s*)?(,|$)\" html;\n"
"        \"~*(^|,)\\s*application/vnd\\.pypi\\.simple\\.v1\\+json\\s*;\\s*q=0?\\.[0-9]*[1-9]\" json;\n"
"        \"~*(^|,)\\s*application/vnd\\.pypi\\.simple\\.v1\\+html\\s*;\\s*q=0?\\.[0-9]*[1-9]\" v1html;\n"
"    }\n"
"    map $al_simple $al_simple_page {\n"
"        default index.html;\n"
"        json index.v1_json;\n"
"    }\n"
"    # read-only: GET and HEAD, and the POST of paths-info (which reads)\n"
"    # (a hash lookup by method; the expression only for a POST)\n"
"    map $request_method $al_method_ok {\n"
"        default 0;\n"
"        GET 1;\n"
"        HEAD 1;\n"
"        POST $al_post_ok;\n"
"    }\n"
"    map $uri $al_post_ok {\n"
"        default 0;\n"
"        \"~^/api/(models|datasets)/[^/]+(/[^/]+)?/paths-info/.\" 1;\n"
"    }\n"
"    # paths-info: the one path of @huggingface/hub's body, {\"paths\":[\"P\"],\n"
"    # \"expand\":B}, with no '\"', '\\\\', empty, '.' or '..' part, or of\n"
"    # huggingface_hub's form, paths=P&expand=B, P as Python's urlencode writes\n"
"    # it; nginx reads a body only for a proxy, so the request goes round once\n"
"    # through this server\n"
"    map $request_body $al_pi_body {\n"
"        default \"\";\n"
"        \"~^\\{\\\"paths\\\":\\[\\\"@SEGS@\\\"\\],\\\"expand\\\":(true|false)\\}$\" $request_body;\n"
"        @FORM@ $request_body;\n"
"    }\n"
"    upstream al_self {\n"
"        server @UPSTREAM@;\n"
"    }\n"
"    map $http_x_airlock_body $al_pi_path {\n"
"        \"~^\\{\\\"paths\\\":\\[\\\"(@SEGS@)\\\"\\],\\\"expand\\\":true\\}$\" e/$1;\n"
"        \"~^\\{\\\"paths\\\":\\[\\\"(@SEGS@)\\\"\\],\\\"expand\\\":false\\}$\" p/$1;\n"
"        @FORM_E@ fe/$1;\n"
"        @FORM_P@ fp/$1;\n"
"    }\n"
"    # the Hub API's query flags, as file name suffixes (map strings match\n"
"    # ignoring case: true, True)\n"
"    map $arg_blobs $al_blobs {\n"
"        default \"\";\n"
"        true -blobs;\n"
"        1 -blobs;\n"
"    }\n"
"    map $arg_recursive $al_rec {\n"
"        default \"\";\n"
"        true -r;\n"
"        1 -r;\n"
"    }\n"
"    map $arg_expand $al_exp {\n"
"        default \"\";\n"
"        true -e;\n"
"        1 -e;\n"
"    }\n"
"    # resolve: \"<commit> <etag> <linked size or -> <blob below DIR>\" per URL\n"
"    map $uri $al_hub {\n"
"        default \"\";\n"
"        include \"@DIR@/hf/nginx/resolve.map\";\n"
"    }\n"
"    map $al_hub $al_hub_commit {\n"
"        \"~^([0-9a-f]{40}) \" $1;\n"
"    }\n"
"    map $al_hub $al_hub_etag {\n"
"        \"~^[0-9a-f]{40} ([0-9a-f]+) \" \"\\\"$1\\\"\";\n"
"    }\n"
"    map $al_hub $al_hub_letag {\n"
"        \"~^[0-9a-f]{40} ([0-9a-f]+) [0-9]+ \" \"\\\"$1\\\"\";\n"
"    }\n"
"    map $al_hub $al_hub_lsize {\n"
"        \"~^[0-9a-f]{40} [0-9a-f]+ ([0-9]+) \" $1;\n"
"    }\n"
"    map $al_hub $al_hub_blob {\n"
"        \"~ (hf/hub/[^ ]+)$\" $1;\n"
"    }\n"
"\n"
"    server {\n"
"        listen @LISTEN@;\n"
"        server_name _;\n"
"        root \"@DIR@\";\n"
"        # nothing is followed through a symbolic link below DIR (DIR itself\n"
"        # is the link publish switches)\n"
"        disable_symlinks on from=$document_root;\n"
"        autoindex off;\n"
"        index .airlock-no-index;\n"
"        error_page 405 @al_405;\n"
"        if ($al_method_ok = 0) {\n"
"            return 405;\n"
"        }\n"
"\n"
"        location @al_405 {\n"
"            types { }\n"
"            add_header Allow \"GET, HEAD\" always;\n"
"            default_type \"text/plain; charset=utf-8\";\n"
"            return 405 \"method not allowed\\n\";\n"
"        }\n"
"        location @al_404 {\n"
"            types { }\n"
"            default_type \"text/plain; charset=utf-8\";\n"
"            return 404 \"not found\\n\";\n"
"        }\n"
"        location @al_repo404 {\n"
"            types { }\n"
"            add_header X-Error-Code RepoNotFound always;\n"
"            add_header X-Error-Message \"Repository not found\" always;\n"
"            default_type application/json;\n"
"            return 404 '{\"error\":\"Repository not found\"}';\n"
"        }\n"
"        location @al_entry404 {\n"
"            types { }\n"
"            add_header X-Error-Code EntryNotFound always;\n"
"            add_header X-Error-Message \"Entry not found\" always;\n"
"            default_type application/json;\n"
"            return 404 '{\"error\":\"Entry not found\"}';\n"
"        }\n"
"\n"
"        location / {\n"
"            error_page 404 @al_404;\n"
"            return 404;\n"
"        }\n"
"        location = /healthz {\n"
"            default_type \"text/plain; charset=utf-8\";\n"
"            return 200 \"ok\\n\";\n"
"        }\n"
"\n"
"        # PEP 503 / 691: the page by Accept, Vary: Accept; the routes asked\n"
"        # for most come first among the expressions. The pages are regular\n"
"        # files publish writes under names it normalized: served without\n"
"        # disable_symlinks' walk of every path component (it cost a third\n"
"        # of the requests per second); verify --published reports a link\n"
"        # planted among them\n"
"        location = /simple {\n"
"            add_header Vary Accept always;\n"
"            return 301 simple/;\n"
"        }\n"
"        location = /simple/ {\n"
"            disable_symlinks off;\n"
"            if ($al_simple = v1html) {\n"
"                rewrite ^ /_al/v1html/simple/index.html last;\n"
"            }\n"
"            types {\n"
"                \"text/html; charset=utf-8\" html;\n"
"                application/vnd.pypi.simple.v1+json v1_json;\n"
"            }\n"
"            add_header Vary Accept always;\n"
"            try_files /simple/$al_simple_page @al_404;\n"
"        }\n"
"        location ~ ^/simple/(?<al_p>[^/]+)$ {\n"
"            add_header Vary Accept always;\n"
"            return 301 $al_p/;\n"
"        }\n"
"        location ~ ^/simple/(?<al_p>[^/]+)/$ {\n"
"            disable_symlinks off;\n"
"            if ($al_simple = v1html) {\n"
"                rewrite ^ /_al/v1html/simple/$al_p/index.html last;\n"
"            }\n"
"            types {\n"
"                \"text/html; charset=utf-8\" html;\n"
"                application/vnd.pypi.simple.v1+json v1_json;\n"
"            }\n"
"            add_header Vary Accept always;\n"
"            try_files /simple/$al_p/$al_simple_page @al_404;\n"
"        }\n"
"        location ^~ /_al/v1html/ {\n"
"            internal;\n"
"            disable_symlinks off;\n"
"            alias \"@DIR@/\";\n"
"            types { }\n"
"            default_type application/vnd.pypi.simple.v1+html;\n"
"            add_header Vary Accept always;\n"
"            try_files $uri @al_404;\n"
"        }\n"
"        # the files: wheels with their .metadata, requirements, SBOMs\n"
"        location ~ ^/(wheels|requirements|sbom)/[^/]+$ {\n"
"            try_files $uri @al_404;\n"
"            add_header Content-Security-Policy \"sandbox; default-src 'none'\";\n"
"            add_header X-Content-Type-Options nosniff;\n"
"        }\n"
"\n"
"        # the catalog; its pages run only their own inline scripts\n"
"        location = / {\n"
"            try_files /index.html @al_home;\n"
"            add_header Content-Security-Policy \"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'\";\n"
"            add_header X-Content-Type-Options nosniff;\n"
"        }\n"
"        location = /index.html {\n"
"            error_page 404 @al_404;\n"
"            add_header Content-Security-Policy \"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'\";\n"
"            add_header X-Content-Type-Options nosniff;\n"
"        }\n"
"        location @al_home {\n"
"            types { }\n"
"            default_type \"text/plain; charset=utf-8\";\n"
"            return 200 \"airlock serve: pip --index-url <this URL>simple/, HF_ENDPOINT=<this URL>\\n\";\n"
"        }\n"
"        location ~ ^/catalog/[^/].*[^/]\\.html$ {\n"
"            try_files $uri @al_404;\n"
"            add_header Content-Security-Policy \"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'\";\n"
"            add_header X-Content-Type-Options nosniff;\n"
"        }\n"
"        location ~ ^/catalog/[^/].*[^/]$ {\n"
"            types { }\n"
"            default_type application/json;\n"
"            try_files $uri @al_404;\n"
"        }\n"
"\n"
"        # the Hub API: the answers publish wrote under hf/nginx/api/\n"
"        location ~ ^/(datasets/)?[^/]+(/[^/]+)?/resolve/. {\n"
"            error_page 404 @al_entry404;\n"
"            if ($al_hub = \"\") {\n"
"                return 404;\n"
"            }\n"
"            types { }\n"
"            default_type application/octet-stream;\n"
"            add_header X-Repo-Commit $al_hub_commit always;\n"
"            add_header X-Linked-Etag $al_hub_letag always;\n"
"            add_header X-Linked-Size $al_hub_lsize always;\n"
"            add_header ETag $al_hub_etag;\n"
"            add_header Content-Security-Policy \"sandbox; default-src 'none'\";\n"
"            add_header X-Content-Type-Options nosniff;\n"
"            rewrite ^ /$al_hub_blob break;\n"
"        }\n"
"        location ~ ^/api/(?<al_t>models|datasets)/(?<al_r>[^/]+/[^/]+|[^/]+)$ {\n"
"            types { }\n"
"            default_type application/json;\n"
"            try_files /hf/nginx/api/$al_t/$al_r/revision/HEAD/info$al_blobs.json @al_repo404;\n"
"        }\n"
"        location ~ ^/api/(?<al_t>models|datasets)/(?<al_r>[^/]+/[^/]+|[^/]+)/revision/(?<al_v>.+)$ {\n"
"            types { }\n"
"            default_type application/json;\n"
"            try_files /hf/nginx/api/$al_t/$al_r/revision/$al_v/info$al_blobs.json @al_repo404;\n"
"        }\n"
"        location ~ ^/api/(?<al_t>models|datasets)/(?<al_r>[^/]+/[^/]+|[^/]+)/tree/(?<al_v>.+?)/?$ {\n"
"            types { }\n"
"            default_type application/json;\n"
"            try_files /hf/nginx/api/$al_t/$al_r/tree/$al_v/.tree$al_rec$al_exp.json @al_entry404;\n"
"        }\n"
"        location ~ ^/api/(?<al_t>models|datasets)/(?<al_r>[^/]+/[^/]+|[^/]+)/paths-info/(?<al_v>.+)$ {\n"
"            client_max_body_size 64k;\n"
"            client_body_buffer_size 64k;\n"
"            client_body_in_single_buffer on;\n"
"            proxy_method GET;\n"
"            proxy_pass_request_body off;\n"
"            proxy_set_header Content-Length \"\";\n"
"            proxy_set_header Content-Type \"\";\n"
"            proxy_set_header X-Airlock-Body $al_pi_body;\n"
"            proxy_pass http://al_self/_al/pi/$al_t/$al_r/@/$al_v;\n"
"        }\n"
"        location ~ ^/_al/pi/(?<al_t>models|datasets)/(?<al_r>[^/]+/[^/]+|[^/]+)/@/(?<al_v>.+)$ {\n"
"            types { }\n"
"            default_type application/json;\n"
"            try_files /hf/nginx/api/$al_t/$al_r/paths-info/$al_v/$al_pi_path @al_no_paths;\n"
"        }\n"
"        location @al_no_paths {\n"
"            types { }\n"
"            default_type application/json;\n"
"            return 200 \"[]\";\n"
"        }\n"
"        location ~ ^/api/(?<al_t>models|datasets)/(?<al_r>[^/]+/[^/]+|[^/]+)/refs$ {\n"
"            types { }\n"
"            default_type application/json;\n"
"            try_files /hf/nginx/api/$al_t/$al_r/refs.json @al_repo404;\n"
"        }\n"
"\n"
"        # the plain model and dataset trees; no listings; what came in media never runs\n"
"        # on this origin\n"
"        location ~ ^/(models|datasets)/.*[^/]$ {\n"
"            try_files $uri @al_404;\n"
"            add_header Content-Security-Policy \"sandbox; default-src 'none'\";\n"
"            add_header X-Content-Type-Options nosniff;\n"
"        }\n"
"    }\n"
"}\n";

al_err al_nginx_conf(const char *dir, const char *listen, struct al_buf *out, struct al_diag *d)
{
	const char *s = conf_template, *at;
	size_t n;

	if (!al_nginx_path_ok(dir))
		return al_diag_set(d, AL_EUSAGE, "'%s' cannot stand in an nginx configuration: it must be "
		                   "an absolute path without '\"', '\\', '$' or control characters", dir);
	if (!listen_ok(listen))
		return al_diag_set(d, AL_EUSAGE, "'%s' cannot stand in an nginx configuration: --listen "
		                   "wants ADDR:PORT (a host name or address, a port from 1 to 65535)",
		                   listen);
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	while ((at = strchr(s, '@'))) {
		if (al_buf_add(out, s, (size_t)(at - s)))
			return al_oom(d);
		if (!strncmp(at, "@DIR@", 5)) {
			if (al_buf_add(out, dir, n))
				return al_oom(d);
			s = at + 5;
		} else if (!strncmp(at, "@LISTEN@", 8)) {
			if (al_buf_addstr(out, listen))
				return al_oom(d);
			s = at + 8;
		} else if (!strncmp(at, "@FORM@", 6) || !strncmp(at, "@FORM_E@", 8) ||
		           !strncmp(at, "@FORM_P@", 8)) {
			bool any = at[5] == '@';
			if (al_buf_addstr(out, any ? form_any : at[6] == 'E' ? form_e : form_p))
				return al_oom(d);
			s = at + (any ? 6 : 8);
		} else if (!strncmp(at, "@SEGS@", 6)) {
			if (al_buf_addstr(out, segs))
				return al_oom(d);
			s = at + 6;
		} else if (!strncmp(at, "@UPSTREAM@", 10)) {
			/* this server itself, for paths-info's round: a wildcard address
			 * is reached on the loopback */
			const char *port = strrchr(listen, ':');
			if (!strncmp(listen, "0.0.0.0:", 8) ? al_buf_addf(out, "127.0.0.1%s", port)
			    : !strncmp(listen, "[::]:", 5) ? al_buf_addf(out, "[::1]%s", port)
			                                   : al_buf_addstr(out, listen))
				return al_oom(d);
			s = at + 10;
		} else {
			if (al_buf_addch(out, '@'))
				return al_oom(d);
			s = at + 1;
		}
	}
	return al_buf_addstr(out, s) ? al_oom(d) : AL_OK;
}

al_err al_nginx_conf_text(const char *dir, const char *listen, char **out, struct al_diag *d)
{
	struct al_buf b = AL_BUF_INIT;
	al_err err = al_nginx_conf(dir, listen, &b, d);

	*out = NULL;
	if (!err && !(*out = strdup(b.buf ? b.buf : "")))
		err = al_oom(d);
	al_buf_release(&b);
	return err;
}

/* ---- the static Hub files ---------------------------------------------------------------- */

/* Can this revision name be a path below revision/ and tree/? Parts that are
 * real names, no control bytes. */
static bool rev_ok(const char *rev)
{
	const char *s, *part = rev;

	if (!*rev || strlen(rev) > 255)
		return false;
	for (s = rev;; s++) {
		if (*s == '/' || !*s) {
			size_t n = (size_t)(s - part);
			if (!n || (n == 1 && part[0] == '.') || (n == 2 && !strncmp(part, "..", 2)))
				return false;
			if (!*s)
				return true;
			part = s + 1;
		} else if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			return false;
		}
	}
}

struct hubw {
	al_nginx_write_fn write;
	void *ctx;
	json_t *done; /* paths written (first wins: the shorter revision) */
	struct al_diag *d;
};

/* Write j (stolen) compactly as serve answers it; a path already written is
 * left alone. */
static al_err put_json(struct hubw *w, const char *rel, json_t *j)
{
	char *text;
	al_err err;

	if (!j)
		return al_oom(w->d);
	if (json_object_get(w->done, rel)) {
		json_decref(j);
		return AL_OK;
	}
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text || json_object_set_new(w->done, rel, json_true())) {
		free(text);
		return al_oom(w->d);
	}
	err = w->write(w->ctx, rel, text, strlen(text));
	free(text);
	return err;
}

static int cmp_len(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);

	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

/* One map line: "key" "value"; with '"' and '\\' escaped. false: the key
 * cannot be carried (a control byte, or too long): left out. */
static al_err map_line(struct al_buf *map, const char *key, const char *value, bool *skipped)
{
	const unsigned char *s;

	*skipped = false;
	if (strlen(key) > MAP_KEY_MAX) {
		*skipped = true;
		return AL_OK;
	}
	for (s = (const unsigned char *)key; *s; s++)
		if (*s < 0x20 || *s == 0x7f) {
			*skipped = true;
			return AL_OK;
		}
	if (al_buf_addstr(map, "        \""))
		return AL_ENOMEM;
	for (s = (const unsigned char *)key; *s; s++)
		if ((*s == '"' || *s == '\\') ? al_buf_addch(map, '\\') || al_buf_addch(map, (char)*s)
		                              : al_buf_addch(map, (char)*s))
			return AL_ENOMEM;
	return al_buf_addf(map, "\" \"%s\";\n", value);
}

/* The directories of a commit's files: "" and every parent of every file. */
static al_err dirs_of(json_t *files, json_t *dirs)
{
	json_t *f;
	size_t i;

	if (json_object_set_new(dirs, "", json_true()))
		return AL_ENOMEM;
	json_array_foreach(files, i, f) {
		const char *rf = json_string_value(json_object_get(f, "rfilename")), *s;
		if (!rf)
			continue;
		for (s = strchr(rf, '/'); s; s = strchr(s + 1, '/')) {
			char *dir = al_strndup(rf, (size_t)(s - rf));
			al_err err = !dir || json_object_set_new(dirs, dir, json_true()) ? AL_ENOMEM : AL_OK;
			al_free(dir);
			if (err)
				return err;
		}
	}
	return AL_OK;
}

/* A path as Python's urlencode() writes it in a form body (quote_plus: ASCII
 * letters, digits and "_.-~" kept, ' ' as '+', every other byte as %XX in
 * capitals), which is what huggingface_hub's get_paths_info sends: nginx
 * cannot decode it, so the file is named so. */
static al_err form_name(struct al_buf *b, const char *path)
{
	const unsigned char *s;

	for (s = (const unsigned char *)path; *s; s++) {
		bool keep = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		            (*s >= '0' && *s <= '9') || strchr("_.-~", *s);
		if (keep ? al_buf_addch(b, (char)*s)
		    : *s == ' ' ? al_buf_addch(b, '+')
		                : al_buf_addf(b, "%%%02X", (unsigned)*s))
			return AL_ENOMEM;
	}
	return AL_OK;
}

/* Over 80 lines: one revision's files: info (plain and with blobs), the four
 * tree listings of every directory, and its resolve lines; they share the
 * revision's commit, files and paths. */
static al_err hub_rev(struct hubw *w, const char *type, const char *repo, const char *base,
                      const char *folder, const char *rev, json_t *info, time_t mtime,
                      struct al_buf *map)
{
	struct al_buf rel = AL_BUF_INIT, key = AL_BUF_INIT, val = AL_BUF_INIT;
	json_t *files, *dirs = json_object(), *f;
	const char *commit, *dir;
	al_err err = AL_OK;
	json_t *unused;
	size_t i;
	int k;

	if (!dirs)
		return al_oom(w->d);
	if (!al_serve_hub_rev(info, rev, &commit, &files))
		goto out;
	for (k = 0; k < 2 && !err; k++) {
		al_buf_reset(&rel);
		if (al_buf_addf(&rel, "%s/revision/%s/info%s.json", base, rev, k ? "-blobs" : ""))
			goto oom;
		err = put_json(w, rel.buf, al_serve_hub_info(type, repo, commit, files, mtime, k));
	}
	if (err)
		goto done;
	if (dirs_of(files, dirs))
		goto oom;
	json_object_foreach(dirs, dir, unused) {
		for (k = 0; k < 4 && !err; k++) {
			bool found;
			al_buf_reset(&rel);
			if (al_buf_addf(&rel, "%s/tree/%s/%s%s.tree%s%s.json", base, rev, dir, *dir ? "/" : "",
			                k & 1 ? "-r" : "", k & 2 ? "-e" : ""))
				goto oom;
			err = put_json(w, rel.buf, al_serve_hub_tree(commit, files, dir, k & 1, k & 2, mtime,
			                                             &found));
		}
		if (err)
			goto done;
	}
	/* paths-info of each file, as [entry], plain and expanded */
	for (k = 0; k < 2 && !err; k++) {
		bool found;
		json_t *all = al_serve_hub_tree(commit, files, "", true, k, mtime, &found), *e;
		if (!all)
			goto oom;
		json_array_foreach(all, i, e) {
			const char *path = json_string_value(json_object_get(e, "path"));
			if (!path || strcmp(json_string_value(json_object_get(e, "type")) ?: "", "file"))
				continue;
			al_buf_reset(&rel);
			if (al_buf_addf(&rel, "%s/paths-info/%s/%c/%s", base, rev, k ? 'e' : 'p', path)) {
				json_decref(all);
				goto oom;
			}
			if ((err = put_json(w, rel.buf, json_pack("[O]", e))))
				break;
			/* and under the name huggingface_hub's form body gives it */
			al_buf_reset(&rel);
			if (al_buf_addf(&rel, "%s/paths-info/%s/f%c/", base, rev, k ? 'e' : 'p') ||
			    form_name(&rel, path)) {
				json_decref(all);
				goto oom;
			}
			if (rel.len - (size_t)(strrchr(rel.buf, '/') + 1 - rel.buf) > FORM_NAME_MAX)
				continue; /* not a file name: [] under nginx */
			if ((err = put_json(w, rel.buf, json_pack("[O]", e))))
				break;
		}
		json_decref(all);
	}
	if (err)
		goto done;
	json_array_foreach(files, i, f) {
		const char *rf = json_string_value(json_object_get(f, "rfilename")), *etag;
		json_t *lfs = json_object_get(f, "lfs");
		bool skipped;
		etag = json_string_value(lfs ? json_object_get(lfs, "sha256") : json_object_get(f, "blobId"));
		if (!rf || !etag || !al_is_hex(etag, strlen(etag)))
			continue;
		al_buf_reset(&key);
		al_buf_reset(&val);
		if (al_buf_addf(&key, "/%s%s/resolve/%s/%s", strcmp(type, "datasets") ? "" : "datasets/",
		                repo, rev, rf) ||
		    al_buf_addf(&val, "%s %s ", commit, etag) ||
		    (lfs ? al_buf_addf(&val, "%lld", (long long)json_integer_value(json_object_get(lfs, "size")))
		         : al_buf_addch(&val, '-')) ||
		    al_buf_addf(&val, " %s/blobs/%s", folder, etag))
			goto oom;
		if (json_object_get(w->done, key.buf))
			continue;
		if (json_object_set_new(w->done, key.buf, json_true()) || map_line(map, key.buf, val.buf, &skipped))
			goto oom;
	}
	goto done;
oom:
	err = al_oom(w->d);
done:
out:
	json_decref(dirs);
	al_buf_release(&rel);
	al_buf_release(&key);
	al_buf_release(&val);
	return err;
}

al_err al_nginx_hub_repo(json_t *api, time_t mtime, al_nginx_write_fn write, void *ctx,
                         struct al_buf *map, struct al_diag *d)
{
	const char *t = json_string_value(json_object_get(api, "type"));
	const char *repo = json_string_value(json_object_get(api, "id")), *k, *c;
	json_t *refs = json_object_get(api, "refs"), *commits = json_object_get(api, "commits"), *v;
	struct hubw w = { write, ctx, json_object(), d };
	struct al_buf base = AL_BUF_INIT, folder = AL_BUF_INIT, rel = AL_BUF_INIT;
	const char **revs = NULL;
	size_t n = 0, alloc = 0, i;
	char type[16];
	al_err err = AL_OK;

	if (!w.done)
		return al_oom(d);
	if (!t || !repo || (strcmp(t, "model") && strcmp(t, "dataset")))
		goto out; /* not a record publish wrote */
	snprintf(type, sizeof(type), "%ss", t);
	if (al_buf_addf(&base, "hf/nginx/api/%s/%s", type, repo) ||
	    al_buf_addf(&folder, "hf/hub/%s--", type) || al_buf_addf(&rel, "%s/refs.json", base.buf))
		goto oom;
	for (c = repo; *c; c++)
		if ((*c == '/' ? al_buf_addstr(&folder, "--") : al_buf_addch(&folder, *c)))
			goto oom;
	if ((err = put_json(&w, rel.buf, al_serve_hub_refs(refs))))
		goto out;
	/* every name a client may give: refs, commits, HEAD; shorter first, so
	 * that "a" with path "b" wins over a revision "a/b" as serve decides */
	json_object_foreach(refs, k, v)
		if (rev_ok(k) && (AL_GROW(revs, alloc, n + 1) || !(revs[n++] = k)))
			goto oom;
	json_object_foreach(commits, k, v)
		if (rev_ok(k) && (AL_GROW(revs, alloc, n + 1) || !(revs[n++] = k)))
			goto oom;
	if (!json_object_get(refs, "HEAD") && (AL_GROW(revs, alloc, n + 1) || !(revs[n++] = "HEAD")))
		goto oom;
	if (n)
		qsort(revs, n, sizeof(*revs), cmp_len);
	for (i = 0; i < n && !err; i++)
		err = hub_rev(&w, type, repo, base.buf, folder.buf, revs[i], api, mtime, map);
	goto out;
oom:
	err = al_oom(d);
out:
	json_decref(w.done);
	al_free(revs);
	al_buf_release(&base);
	al_buf_release(&folder);
	al_buf_release(&rel);
	return err;
}

/* The map's key on a line ("        \"key\" \"value\";"), lowercased, as written
 * (escapes kept); false for a line that is not an entry. */
static bool line_key(const char *line, size_t len, struct al_buf *key)
{
	size_t i;

	al_buf_reset(key);
	for (i = 0; i < len && line[i] == ' '; i++)
		;
	if (i == len || line[i++] != '"')
		return false;
	for (; i < len && line[i] != '"'; i++) {
		char c = line[i];
		if (c == '\\' && i + 1 < len && al_buf_addch(key, line[i++]))
			return false;
		c = line[i];
		if (al_buf_addch(key, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c))
			return false;
	}
	return i < len;
}

al_err al_nginx_map_finish(const struct al_buf *in, struct al_buf *out, struct al_diag *d)
{
	struct al_buf key = AL_BUF_INIT;
	json_t *seen = json_object();
	const char *s, *end, *nl;
	int pass;
	al_err err = AL_OK;

	if (!seen)
		return al_oom(d);
	for (pass = 0; pass < 2 && !err; pass++)
		for (s = in->buf ? in->buf : "", end = s + in->len; s < end && !err; s = nl + 1) {
			size_t len;
			json_t *n;
			if (!(nl = memchr(s, '\n', (size_t)(end - s))))
				nl = end;
			len = (size_t)(nl - s);
			key.len = 0;
			if (!line_key(s, len, &key) || !key.buf) {
				if (pass && (al_buf_add(out, s, len) || al_buf_addch(out, '\n')))
					err = al_oom(d);
				continue;
			}
			n = json_object_get(seen, key.buf);
			if (!pass)
				err = json_object_set_new(seen, key.buf, json_integer(n ? 2 : 1)) ? al_oom(d) : AL_OK;
			else if (json_integer_value(n) == 1 && (al_buf_add(out, s, len) || al_buf_addch(out, '\n')))
				err = al_oom(d);
		}
	json_decref(seen);
	al_buf_release(&key);
	return err;
}
