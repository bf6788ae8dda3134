/* test-json: checked JSON building (lib/core/json.c) and jansson's
 * allocator (lib/core/mem.c): jansson cannot go on safely from a failed
 * allocation while it parses (upstream akheron/jansson#362), so its
 * allocations are out of the failure injection, and real exhaustion inside
 * it stops the process, after the al_set_fatal callback has said why (a
 * child under a small RLIMIT_AS parsing a long string), instead of running
 * past a buffer. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/json.h"
#include "core/mem.h"
#include "tap.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(__SANITIZE_ADDRESS__)
#define __SANITIZE_ADDRESS__ 1
#endif
#endif

#if !defined(__SANITIZE_ADDRESS__)
/* What the child says before it stops (cmd/ prints the same through
 * cli_error). */
static void say_fatal(const char *what)
{
	if (write(2, what, strlen(what)) < 0)
		return;
}
#endif

int main(void)
{
	json_t *o = json_object(), *a = json_array();
	unsigned long before;
	char *text;

	ok(o && a, "object and array");
	ok(al_json_set(o, "k", json_string("v")) == AL_OK, "set stores a value");
	ok(al_json_push(a, json_integer(7)) == AL_OK, "push appends a value");
	ok(al_json_set(o, "a", json_incref(a)) == AL_OK, "set stores an array");
	ok(al_json_set(o, "x", NULL) == AL_ENOMEM, "a NULL value (failed constructor) is out of memory");
	ok(al_json_push(a, NULL) == AL_ENOMEM, "a NULL element is out of memory");
	ok(al_json_set(a, "k", json_true()) == AL_ENOMEM, "set on a non-object fails, and takes val");
	ok(al_json_set(o, "\xff", json_true()) == AL_ENOMEM, "a key that is not UTF-8 fails");
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	ok(text && !strcmp(text, "{\"a\":[7],\"k\":\"v\"}"), "what was stored, no more");
	al_free(text);

	/* an injected failure is airlock's own: jansson's allocations go on */
	before = al_mem_failures();
	al_mem_fail_after(0, 1);
	{
		json_t *h = json_string("hello");
		ok(h != NULL, "jansson's allocation is not failed by the injection");
		ok(al_json_set(o, "y", h) == AL_OK, "and set stores it");
	}
	ok(al_mem_fail_after(-1, 0) == 0, "the injection is still armed: nothing of ours ran");
	ok(al_mem_failures() == before, "no failure counted");
	ok(json_object_size(o) == 3, "stored");

	/* real exhaustion inside jansson's parser: a clean stop, not a parse
	 * that goes on past its buffer (not under AddressSanitizer, whose own
	 * allocator stops the process first, with its own report) */
#if defined(__SANITIZE_ADDRESS__)
	ok(1, "# SKIP AddressSanitizer handles out of memory itself");
	ok(1, "# SKIP AddressSanitizer handles out of memory itself");
	ok(1, "# SKIP AddressSanitizer handles out of memory itself");
#else
	{
		size_t n = (size_t)64 << 20; /* a 64 MiB string: the lexer doubles its buffer */
		char *doc = malloc(n + 3);
		pid_t pid;
		int status = 0, fds[2];
		char msg[200] = "";

		ok(doc != NULL && pipe(fds) == 0, "a long JSON string and a pipe");
		memset(doc + 1, 'x', n);
		doc[0] = '"';
		doc[n + 1] = '"';
		doc[n + 2] = '\0';
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			/* room for 96 MiB more than the child has: the lexer's
			 * buffer grows past that on its way to 64 MiB and more */
			struct rlimit rl;
			unsigned long vm_kb = 0;
			char line[256];
			FILE *f = fopen("/proc/self/status", "r");
			json_error_t je;
			while (f && fgets(line, sizeof(line), f))
				if (sscanf(line, "VmSize: %lu kB", &vm_kb) == 1)
					break;
			if (f)
				fclose(f);
			rl.rlim_cur = rl.rlim_max = ((rlim_t)vm_kb << 10) + ((rlim_t)96 << 20);
			dup2(fds[1], 2);
			al_set_fatal(say_fatal);
			signal(SIGABRT, SIG_DFL);
			setrlimit(RLIMIT_AS, &rl);
			json_loadb(doc, n + 2, JSON_DECODE_ANY, &je);
			_exit(0); /* parsed within the limit: the test says so below */
		}
		close(fds[1]);
		if (pid > 0) {
			ssize_t k = read(fds[0], msg, sizeof(msg) - 1);
			msg[k > 0 ? k : 0] = '\0';
			waitpid(pid, &status, 0);
		}
		close(fds[0]);
		ok(pid > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		   "out of memory inside jansson stops the process (status %d)", status);
		ok(strstr(msg, "out of memory inside the JSON library") != NULL, "saying why: %s", msg);
		free(doc);
	}
#endif

	json_decref(a);
	json_decref(o);
	return done_testing();
}
