/*
 * tags.c: target environments and compatible wheel tags.
 *
 * The tag order reproduces packaging's cpython_tags()/generic_tags() +
 * compatible_tags() (what pip's get_supported() calls), fed with the
 * platform list packaging's platform_tags() would produce on a machine of
 * the target's platform: manylinux_2_N down to the oldest glibc with the
 * legacy aliases right after their glibc version, musllinux_1_N down to
 * 1_0, macOS versions and binary formats down to 10.4. docs/reference/tags.md has
 * the details and where packaging versions differ.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "pypa/pep508.h"
#include "pypa/tags.h"

#define MAX_EXPANDED_PLATFORMS 4096

struct al_tagset {
	struct al_buf arena;   /* every tag, NUL-terminated, back to back */
	uint32_t *off;         /* off[rank]: where tag `rank` starts in arena */
	size_t n, off_alloc;
	uint32_t *table;       /* open addressing: rank + 1, 0 = empty */
	size_t cap;            /* a power of two, > 2 * n */
	char **plats;          /* expanded platforms, in order */
	size_t nplats, plats_alloc;
};

enum os_kind { OS_LINUX, OS_MACOS, OS_WINDOWS };

struct pyver {
	unsigned major, minor, patch;
	bool has_patch;
	bool pypy;
};

/* What one platform tag says about the machine. */
struct plat_info {
	enum os_kind os;
	const char *machine; /* static */
};

static const char *const linux_arches[] = {
	"x86_64", "i686", "aarch64", "armv7l", "armv8l", "ppc64", "ppc64le", "s390x",
	"riscv64", "loongarch64",
};

static const char *find_linux_arch(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(linux_arches) / sizeof(linux_arches[0]); i++)
		if (!strcmp(s, linux_arches[i]))
			return linux_arches[i];
	return NULL;
}

/* A decimal number without leading zeros, at most max. Advances *p. */
static bool parse_num(const char **p, unsigned max, unsigned *out)
{
	const char *s = *p;
	unsigned long v = 0;

	if (*s < '0' || *s > '9')
		return false;
	if (*s == '0' && s[1] >= '0' && s[1] <= '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
		s++;
	}
	*out = (unsigned)v;
	*p = s;
	return true;
}

static al_err parse_target(const struct al_target_spec *t, struct pyver *v, struct al_diag *d)
{
	const char *s = t->python_version;
	const char *impl = t->implementation;

	memset(v, 0, sizeof(*v));
	if (!s)
		return al_diag_set(d, AL_EINVALID, "python-version: missing");
	if (!parse_num(&s, 9, &v->major) || *s != '.' || (s++, !parse_num(&s, 99, &v->minor)))
		goto bad;
	if (*s == '.') {
		s++;
		if (!parse_num(&s, 999, &v->patch))
			goto bad;
		v->has_patch = true;
	}
	if (*s)
		goto bad;
	if (v->major != 3)
		return al_diag_set(d, AL_EINVALID,
		                   "python-version '%s': only Python 3 is supported",
		                   t->python_version);
	if (!impl || !*impl || !strcmp(impl, "cp"))
		v->pypy = false;
	else if (!strcmp(impl, "pp"))
		v->pypy = true;
	else
		return al_diag_set(d, AL_EINVALID,
		                   "implementation '%s': expected 'cp' (CPython) or 'pp' (PyPy)",
		                   impl);
	return AL_OK;
bad:
	return al_diag_set(d, AL_EINVALID,
	                   "python-version '%s': expected MAJOR.MINOR or MAJOR.MINOR.PATCH, "
	                   "e.g. \"3.11\"", t->python_version);
}

static al_err push_platform(struct al_tagset *ts, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append a platform unless already present (pip keeps the first). ts may
 * be NULL when only the marker environment is wanted. */
static al_err push_platform(struct al_tagset *ts, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	size_t i;
	int n;

	if (!ts)
		return AL_OK;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return AL_EINTERNAL; /* every part is bounded by the parser */
	for (i = 0; i < ts->nplats; i++)
		if (!strcmp(ts->plats[i], tmp))
			return AL_OK;
	if (ts->nplats >= MAX_EXPANDED_PLATFORMS)
		return AL_ELIMIT;
	if (AL_GROW(ts->plats, ts->plats_alloc, ts->nplats + 1))
		return AL_ENOMEM;
	if (!(ts->plats[ts->nplats] = al_strdup(tmp)))
		return AL_ENOMEM;
	ts->nplats++;
	return AL_OK;
}

/* packaging _manylinux.platform_tags() for a machine whose glibc is
 * major.minor: every manylinux_X_Y down to 2.5 (x86_64, i686) or 2.17
 * (everything else), each legacy alias right after its glibc version. */
static al_err expand_manylinux(struct al_tagset *ts, unsigned major, unsigned minor,
                               const char *arch)
{
	unsigned too_old = (!strcmp(arch, "x86_64") || !strcmp(arch, "i686")) ? 4 : 16;
	unsigned maj;
	al_err err;

	for (maj = major; maj >= 2; maj--) {
		int lo = maj == 2 ? (int)too_old : -1;
		int m = maj == major ? (int)minor : 50; /* _LAST_GLIBC_MINOR */

		for (; m > lo; m--) {
			if ((err = push_platform(ts, "manylinux_%u_%d_%s", maj, m, arch)))
				return err;
			if (maj != 2)
				continue;
			if (m == 17)
				err = push_platform(ts, "manylinux2014_%s", arch);
			else if (m == 12)
				err = push_platform(ts, "manylinux2010_%s", arch);
			else if (m == 5)
				err = push_platform(ts, "manylinux1_%s", arch);
			if (err)
				return err;
		}
	}
	return AL_OK;
}

/* packaging _mac_binary_formats() for x86_64 and arm64 (packaging 26.x
 * spelling: "fat3", not 21.x's "fat32"). */
static size_t mac_formats(unsigned major, unsigned minor, bool arm, const char *out[6])
{
	size_t n = 0;

	if (arm) {
		out[n++] = "arm64";
		out[n++] = "universal2";
		return n;
	}
	if (major == 10 && minor < 4)
		return 0;
	out[n++] = "x86_64";
	out[n++] = "intel";
	out[n++] = "fat64";
	out[n++] = "fat3";
	out[n++] = "universal2";
	out[n++] = "universal";
	return n;
}

static al_err expand_macos(struct al_tagset *ts, unsigned major, unsigned minor, bool arm)
{
	const char *f[6];
	size_t i, nf;
	int m;
	al_err err;

	if (major == 10) {
		for (m = (int)minor; m >= 0; m--) {
			nf = mac_formats(10, (unsigned)m, arm, f);
			for (i = 0; i < nf; i++)
				if ((err = push_platform(ts, "macosx_10_%d_%s", m, f[i])))
					return err;
		}
		return AL_OK;
	}
	for (m = (int)major; m >= 11; m--) {
		nf = mac_formats((unsigned)m, 0, arm, f);
		for (i = 0; i < nf; i++)
			if ((err = push_platform(ts, "macosx_%d_0_%s", m, f[i])))
				return err;
	}
	for (m = 16; m >= 4; m--) {
		if (arm) {
			if ((err = push_platform(ts, "macosx_10_%d_universal2", m)))
				return err;
			continue;
		}
		nf = mac_formats(10, (unsigned)m, arm, f);
		for (i = 0; i < nf; i++)
			if ((err = push_platform(ts, "macosx_10_%d_%s", m, f[i])))
				return err;
	}
	return AL_OK;
}

static bool valid_plat_chars(const char *p)
{
	if (!*p)
		return false;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

/* Parse "NUM_NUM_rest" after a prefix. */
static bool parse_ver_arch(const char *s, unsigned max_major, unsigned max_minor,
                           unsigned *major, unsigned *minor, const char **arch)
{
	if (!parse_num(&s, max_major, major) || *s++ != '_' || !parse_num(&s, max_minor, minor) ||
	    *s++ != '_' || !*s)
		return false;
	*arch = s;
	return true;
}

/* Expand one platform tag into ts (when not NULL) and describe it.
 * Over 80 lines: one case per platform family (manylinux,
 * musllinux, macOS, Windows, others), each expanded in pip's order.
 */
static al_err expand_platform(struct al_tagset *ts, const char *p, struct plat_info *pi,
                              struct al_diag *d)
{
	unsigned major, minor;
	const char *arch, *a;
	al_err err = AL_OK;

	if (!valid_plat_chars(p))
		return al_diag_set(d, AL_EINVALID,
		                   "platform '%s': expected lowercase letters, digits and '_'", p);
	if (!strncmp(p, "manylinux", 9)) {
		const char *s = p + 9;

		pi->os = OS_LINUX;
		if (!strncmp(s, "1_", 2)) {
			major = 2, minor = 5, arch = s + 2;
		} else if (!strncmp(s, "2010_", 5)) {
			major = 2, minor = 12, arch = s + 5;
		} else if (!strncmp(s, "2014_", 5)) {
			major = 2, minor = 17, arch = s + 5;
		} else if (*s != '_' || !parse_ver_arch(s + 1, 3, 99, &major, &minor, &arch) ||
		           major < 2) {
			return al_diag_set(d, AL_EINVALID,
			                   "platform '%s': expected manylinux_2_N_ARCH, "
			                   "manylinux2014_ARCH, manylinux2010_ARCH or "
			                   "manylinux1_ARCH", p);
		}
		if (!(a = find_linux_arch(arch)))
			goto bad_arch;
		pi->machine = a;
		if (major == 2 && minor < (strcmp(a, "x86_64") && strcmp(a, "i686") ? 17 : 5))
			return al_diag_set(d, AL_EINVALID,
			                   "platform '%s': manylinux for %s starts at glibc %s", p,
			                   a, strcmp(a, "x86_64") && strcmp(a, "i686") ?
			                   "2.17" : "2.5");
		err = expand_manylinux(ts, major, minor, a);
	} else if (!strncmp(p, "musllinux_", 10)) {
		pi->os = OS_LINUX;
		if (!parse_ver_arch(p + 10, 9, 99, &major, &minor, &arch) || major != 1)
			return al_diag_set(d, AL_EINVALID,
			                   "platform '%s': expected musllinux_1_N_ARCH", p);
		if (!(a = find_linux_arch(arch)))
			goto bad_arch;
		pi->machine = a;
		for (int m = (int)minor; m >= 0 && !err; m--)
			err = push_platform(ts, "musllinux_%u_%d_%s", major, m, a);
	} else if (!strncmp(p, "linux_", 6)) {
		pi->os = OS_LINUX;
		arch = p + 6;
		if (!(a = find_linux_arch(arch)))
			goto bad_arch;
		pi->machine = a;
		err = push_platform(ts, "linux_%s", a);
	} else if (!strncmp(p, "macosx_", 7)) {
		pi->os = OS_MACOS;
		if (!parse_ver_arch(p + 7, 99, 99, &major, &minor, &arch) || major < 10)
			return al_diag_set(d, AL_EINVALID,
			                   "platform '%s': expected macosx_MAJOR_MINOR_ARCH with "
			                   "MAJOR >= 10", p);
		if (!strcmp(arch, "arm64"))
			pi->machine = "arm64";
		else if (!strcmp(arch, "x86_64"))
			pi->machine = "x86_64";
		else
			return al_diag_set(d, AL_EINVALID,
			                   "platform '%s': a macOS target's architecture must be "
			                   "'arm64' or 'x86_64'", p);
		err = expand_macos(ts, major, minor, pi->machine[0] == 'a');
	} else if (!strcmp(p, "win32") || !strcmp(p, "win_amd64") || !strcmp(p, "win_arm64")) {
		pi->os = OS_WINDOWS;
		pi->machine = p[3] == '3' ? "x86" : p[4] == 'a' && p[5] == 'm' ? "AMD64" : "ARM64";
		err = push_platform(ts, "%s", p);
	} else {
		return al_diag_set(d, AL_EINVALID,
		                   "platform '%s': not supported (expected manylinux_*, "
		                   "musllinux_*, linux_*, macosx_*, win32, win_amd64 or win_arm64)",
		                   p);
	}
	if (err == AL_ELIMIT)
		return al_diag_set(d, err, "platform '%s': expands to more than %d platforms", p,
		                   MAX_EXPANDED_PLATFORMS);
	if (err)
		return al_diag_set(d, err, "platform '%s': %s", p, al_strerror(err));
	return AL_OK;
bad_arch:
	return al_diag_set(d, AL_EINVALID, "platform '%s': unknown architecture '%s'", p, arch);
}

static const char *os_name(enum os_kind os)
{
	return os == OS_LINUX ? "Linux" : os == OS_MACOS ? "macOS" : "Windows";
}

/* Expand every platform of t and check that they describe one machine. */
static al_err expand_all(struct al_tagset *ts, const struct al_target_spec *t,
                         struct plat_info *pi, struct al_diag *d)
{
	struct plat_info cur;
	size_t i;
	al_err err;

	if (t->nplatforms == 0)
		return al_diag_set(d, AL_EINVALID, "platforms: at least one platform is needed");
	if (t->nplatforms > AL_TARGET_MAX_PLATFORMS)
		return al_diag_set(d, AL_ELIMIT, "platforms: more than %d platforms",
		                   AL_TARGET_MAX_PLATFORMS);
	for (i = 0; i < t->nplatforms; i++) {
		if (!t->platforms[i])
			return al_diag_set(d, AL_EINVALID, "platforms[%zu]: missing", i);
		if ((err = expand_platform(ts, t->platforms[i], &cur, d)))
			return err;
		if (i == 0) {
			*pi = cur;
		} else if (cur.os != pi->os || strcmp(cur.machine, pi->machine)) {
			return al_diag_set(d, AL_EINVALID,
			                   "platform '%s' (%s %s) does not match platform '%s' "
			                   "(%s %s): one target describes one machine",
			                   t->platforms[i], os_name(cur.os), cur.machine,
			                   t->platforms[0], os_name(pi->os), pi->machine);
		}
	}
	return AL_OK;
}

al_err al_target_marker_env(const struct al_target_spec *t, struct al_target_env *env,
                            struct al_diag *d)
{
	struct plat_info pi;
	struct pyver v;
	al_err err;

	memset(env, 0, sizeof(*env));
	if ((err = parse_target(t, &v, d)) || (err = expand_all(NULL, t, &pi, d)))
		return err;
	snprintf(env->python_version, sizeof(env->python_version), "%u.%u", v.major, v.minor);
	snprintf(env->python_full_version, sizeof(env->python_full_version), "%u.%u.%u",
	         v.major, v.minor, v.patch);
	if (v.pypy) {
		/* The PyPy release is not part of a target; every PyPy 3 release
		 * with wheels on PyPI is 7.3.x (ABI tag pp73), so say 7.3.0. */
		snprintf(env->implementation_version, sizeof(env->implementation_version),
		         "7.3.0");
		env->platform_python_implementation = "PyPy";
		env->implementation_name = "pypy";
	} else {
		memcpy(env->implementation_version, env->python_full_version,
		       sizeof(env->implementation_version));
		env->platform_python_implementation = "CPython";
		env->implementation_name = "cpython";
	}
	switch (pi.os) {
	case OS_LINUX:
		env->os_name = "posix", env->sys_platform = "linux", env->platform_system = "Linux";
		break;
	case OS_MACOS:
		env->os_name = "posix", env->sys_platform = "darwin";
		env->platform_system = "Darwin";
		break;
	case OS_WINDOWS:
		env->os_name = "nt", env->sys_platform = "win32", env->platform_system = "Windows";
		break;
	}
	env->platform_machine = pi.machine;
	env->platform_release = "";
	env->platform_version = "";
	return AL_OK;
}

const char *al_target_env_get(const struct al_target_env *env, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
		bool array;
	} vars[] = {
#define V(f, a) { #f, offsetof(struct al_target_env, f), a }
		V(python_version, true), V(python_full_version, true),
		V(implementation_version, true), V(os_name, false), V(sys_platform, false),
		V(platform_system, false), V(platform_machine, false),
		V(platform_release, false), V(platform_version, false),
		V(platform_python_implementation, false), V(implementation_name, false),
#undef V
	};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (strcmp(name, vars[i].name))
			continue;
		if (vars[i].array)
			return (const char *)env + vars[i].off;
		return *(const char *const *)(const void *)((const char *)env + vars[i].off);
	}
	return NULL;
}

/* ---- the tag set ---------------------------------------------------- */

struct piece {
	const char *p;
	size_t n;
};

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* FNV-1a over the lowercased pieces joined by '-'. */
static uint64_t hash_pieces(const struct piece *pc, size_t npc)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i, j;

	for (i = 0; i < npc; i++) {
		if (i) {
			h ^= (unsigned char)'-';
			h *= 1099511628211ULL;
		}
		for (j = 0; j < pc[i].n; j++) {
			h ^= (unsigned char)lower(pc[i].p[j]);
			h *= 1099511628211ULL;
		}
	}
	return h;
}

static bool equal_pieces(const char *s, const struct piece *pc, size_t npc)
{
	size_t i, j;

	for (i = 0; i < npc; i++) {
		if (i && *s++ != '-')
			return false;
		for (j = 0; j < pc[i].n; j++)
			if (*s++ != lower(pc[i].p[j]))
				return false;
	}
	return *s == '\0';
}

static int lookup(const struct al_tagset *ts, const struct piece *pc)
{
	size_t mask = ts->cap - 1, i;
	uint32_t r;

	if (!ts->cap)
		return -1;
	for (i = (size_t)hash_pieces(pc, 3) & mask; (r = ts->table[i]); i = (i + 1) & mask)
		if (equal_pieces(ts->arena.buf + ts->off[r - 1], pc, 3))
			return (int)(r - 1);
	return -1;
}

static al_err add_tag(struct al_tagset *ts, const char *py, const char *abi, const char *plat)
{
	al_err err;

	if (ts->n >= AL_TAGSET_MAX_TAGS)
		return AL_ELIMIT;
	if (AL_GROW(ts->off, ts->off_alloc, ts->n + 1))
		return AL_ENOMEM;
	ts->off[ts->n] = (uint32_t)ts->arena.len;
	if ((err = al_buf_addf(&ts->arena, "%s-%s-%s", py, abi, plat)) ||
	    (err = al_buf_addch(&ts->arena, '\0'))) {
		al_buf_truncate(&ts->arena, ts->off[ts->n]);
		return err;
	}
	ts->n++;
	return AL_OK;
}

static al_err add_for_platforms(struct al_tagset *ts, const char *py, const char *abi)
{
	size_t i;
	al_err err;

	for (i = 0; i < ts->nplats; i++)
		if ((err = add_tag(ts, py, abi, ts->plats[i])))
			return err;
	return AL_OK;
}

/* packaging's cpython_tags()/generic_tags() + compatible_tags(). */
static al_err generate(struct al_tagset *ts, const struct pyver *v)
{
	char interp[16], abi[32], py[16];
	unsigned m;
	al_err err;

	snprintf(interp, sizeof(interp), "%s%u%u", v->pypy ? "pp" : "cp", v->major, v->minor);
	if (v->pypy)
		snprintf(abi, sizeof(abi), "pypy%u%u_pp73", v->major, v->minor);
	else
		snprintf(abi, sizeof(abi), "cp%u%u%s", v->major, v->minor, v->minor < 8 ? "m" : "");
	if ((err = add_for_platforms(ts, interp, abi)))
		return err;
	if (!v->pypy && v->minor >= 2 && (err = add_for_platforms(ts, interp, "abi3")))
		return err;
	if ((err = add_for_platforms(ts, interp, "none")))
		return err;
	if (!v->pypy && v->minor >= 2) {
		for (m = v->minor - 1; m >= 2; m--) {
			snprintf(py, sizeof(py), "cp%u%u", v->major, m);
			if ((err = add_for_platforms(ts, py, "abi3")))
				return err;
		}
	}
	/* compatible_tags: pyXY, pyX, pyX(Y-1) ... pyX0 on each platform,
	 * then the interpreter on "any", then the same list on "any". */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && (err = add_tag(ts, interp, "none", "any")))
			return err;
		for (int k = -2; k < (int)v->minor; k++) {
			if (k == -2)
				snprintf(py, sizeof(py), "py%u%u", v->major, v->minor);
			else if (k == -1)
				snprintf(py, sizeof(py), "py%u", v->major);
			else
				snprintf(py, sizeof(py), "py%u%u", v->major, v->minor - 1 - (unsigned)k);
			if (pass == 0)
				err = add_for_platforms(ts, py, "none");
			else
				err = add_tag(ts, py, "none", "any");
			if (err)
				return err;
		}
	}
	return AL_OK;
}

static al_err build_table(struct al_tagset *ts)
{
	size_t cap = 64, i, mask;

	while (cap < ts->n * 2 + 1)
		cap *= 2;
	if (!(ts->table = al_calloc(cap, sizeof(*ts->table))))
		return AL_ENOMEM;
	ts->cap = cap;
	mask = cap - 1;
	for (i = 0; i < ts->n; i++) {
		const char *s = ts->arena.buf + ts->off[i];
		struct piece pc = { s, strlen(s) };
		size_t h = (size_t)hash_pieces(&pc, 1) & mask;
		bool dup = false;

		for (; ts->table[h]; h = (h + 1) & mask) {
			if (!strcmp(ts->arena.buf + ts->off[ts->table[h] - 1], s)) {
				dup = true; /* keep the first (best) rank */
				break;
			}
		}
		if (!dup)
			ts->table[h] = (uint32_t)(i + 1);
	}
	return AL_OK;
}

void al_tagset_free(struct al_tagset *ts)
{
	size_t i;

	if (!ts)
		return;
	for (i = 0; i < ts->nplats; i++)
		al_free(ts->plats[i]);
	al_free(ts->plats);
	al_free(ts->off);
	al_free(ts->table);
	al_buf_release(&ts->arena);
	al_free(ts);
}

al_err al_tagset_new(struct al_tagset **out, const struct al_target_spec *t, struct al_diag *d)
{
	struct al_tagset *ts = NULL;
	struct plat_info pi;
	struct pyver v;
	al_err err;

	*out = NULL;
	if ((err = parse_target(t, &v, d)))
		return err;
	if (!(ts = al_calloc(1, sizeof(*ts))))
		return al_oom(d);
	al_buf_init(&ts->arena);
	if ((err = expand_all(ts, t, &pi, d)))
		goto out;
	if ((err = generate(ts, &v)) || (err = build_table(ts))) {
		if (err == AL_ELIMIT)
			err = al_diag_set(d, err, "target has more than %d compatible tags",
			                  AL_TAGSET_MAX_TAGS);
		else
			err = al_diag_set(d, err, "%s", al_strerror(err));
		goto out;
	}
	*out = ts;
	ts = NULL;
out:
	al_tagset_free(ts);
	return err;
}

size_t al_tagset_count(const struct al_tagset *ts)
{
	return ts->n;
}

const char *al_tagset_tag(const struct al_tagset *ts, size_t i)
{
	return i < ts->n ? ts->arena.buf + ts->off[i] : NULL;
}

size_t al_tagset_nplatforms(const struct al_tagset *ts)
{
	return ts->nplats;
}

const char *al_tagset_platform(const struct al_tagset *ts, size_t i)
{
	return i < ts->nplats ? ts->plats[i] : NULL;
}

int al_tagset_rank(const struct al_tagset *ts, const char *py, const char *abi,
                   const char *plat)
{
	struct piece pc[3] = { { py, strlen(py) }, { abi, strlen(abi) }, { plat, strlen(plat) } };

	return lookup(ts, pc);
}

int al_tagset_best_rank(const struct al_tagset *ts, const char *py, const char *abi,
                        const char *plat)
{
	const char *s[3] = { py, abi, plat };
	const char *a, *b, *c, *ea, *eb, *ec;
	struct piece pc[3];
	int best = -1, r;

	for (a = s[0]; ; a = ea + 1) {
		ea = strchrnul(a, '.');
		for (b = s[1]; ; b = eb + 1) {
			eb = strchrnul(b, '.');
			for (c = s[2]; ; c = ec + 1) {
				ec = strchrnul(c, '.');
				pc[0] = (struct piece){ a, (size_t)(ea - a) };
				pc[1] = (struct piece){ b, (size_t)(eb - b) };
				pc[2] = (struct piece){ c, (size_t)(ec - c) };
				if (pc[0].n && pc[1].n && pc[2].n && (r = lookup(ts, pc)) >= 0 &&
				    (best < 0 || r < best))
					best = r;
				if (!*ec)
					break;
			}
			if (!*eb)
				break;
		}
		if (!*ea)
			break;
	}
	return best;
}

void al_target_env_marker(const struct al_target_env *te, struct al_marker_env *env)
{
	int i;

	for (i = 0; i < AL_MV_COUNT; i++)
		env->values[i] = NULL;
	for (i = 0; i < AL_MV_COUNT; i++) {
		if (i == AL_MV_EXTRA)
			continue;
		env->values[i] = al_target_env_get(te, al_marker_var_name((enum al_marker_var)i));
	}
}
