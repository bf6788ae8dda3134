/*
 * tags.h: target environments. From a manifest target (Python version,
 * implementation, platform tags) derive the PEP 508 marker environment and
 * the ordered list of compatible wheel tags, as pip (packaging 26.x)
 * computes them for an interpreter running on that platform. See
 * docs/reference/tags.md for the rules and the choices made where a target says less
 * than a real interpreter would.
 */
#ifndef AL_TAGS_H
#define AL_TAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "airlock.h"

/* Caps: a target with more is refused with AL_ELIMIT. */
#define AL_TARGET_MAX_PLATFORMS 64   /* platform tags given in one target */
#define AL_TAGSET_MAX_TAGS 200000    /* supported tags after expansion */

/* A target as the manifest gives it. */
struct al_target_spec {
	const char *python_version;    /* "3.11" or "3.11.9" */
	const char *implementation;    /* "cp" or "pp"; NULL or "" means "cp" */
	const char *const *platforms;  /* e.g. "manylinux_2_28_x86_64", most preferred first */
	size_t nplatforms;
};

/* The PEP 508 marker environment of a target. The const char * members
 * point at static strings. */
struct al_target_env {
	char python_version[16];         /* "3.11" */
	char python_full_version[32];    /* "3.11.9"; "3.11.0" when only X.Y is given */
	char implementation_version[32]; /* CPython: python_full_version; PyPy: "7.3.0" */
	const char *os_name;             /* "posix" | "nt" */
	const char *sys_platform;        /* "linux" | "darwin" | "win32" */
	const char *platform_system;     /* "Linux" | "Darwin" | "Windows" */
	const char *platform_machine;    /* "x86_64", "aarch64", "arm64", "AMD64", "x86", ... */
	const char *platform_release;    /* "" (unknown for a target) */
	const char *platform_version;    /* "" (unknown for a target) */
	const char *platform_python_implementation; /* "CPython" | "PyPy" */
	const char *implementation_name; /* "cpython" | "pypy" */
};

/* Fill env for target t. Fails with AL_EINVALID (message names the field)
 * on a bad version, implementation or platform, or when the platforms of
 * one target disagree on the operating system or machine. */
AL_MUST_CHECK al_err al_target_marker_env(const struct al_target_spec *t, struct al_target_env *env,
                            struct al_diag *d);

/* The value of a marker variable by its PEP 508 name ("python_version",
 * ...), or NULL for a name that is not a variable of the environment
 * ("extra" is not: the caller supplies it). */
const char *al_target_env_get(const struct al_target_env *env, const char *name);

/* Point a PEP 508 evaluation environment (lib/pypa/pep508.h) at te's values;
 * "extra" is left undefined (the resolver supplies it). te must outlive env. */
struct al_marker_env;
void al_target_env_marker(const struct al_target_env *te, struct al_marker_env *env);

/* The ordered set of supported tags; rank = position, lower is better. */
struct al_tagset;

AL_MUST_CHECK al_err al_tagset_new(struct al_tagset **out, const struct al_target_spec *t, struct al_diag *d);
void al_tagset_free(struct al_tagset *ts);

size_t al_tagset_count(const struct al_tagset *ts);
/* The tag at rank i ("cp311-cp311-manylinux_2_28_x86_64"), NULL past the end. */
const char *al_tagset_tag(const struct al_tagset *ts, size_t i);
/* The expanded platform list, in order. */
size_t al_tagset_nplatforms(const struct al_tagset *ts);
const char *al_tagset_platform(const struct al_tagset *ts, size_t i);

/* Rank of one tag (ASCII case-insensitive, as packaging lowercases tags),
 * or -1 when the target does not support it. */
int al_tagset_rank(const struct al_tagset *ts, const char *py, const char *abi,
                   const char *plat);
/* Best (lowest) rank over a compressed tag set such as "py2.py3", "none",
 * "manylinux_2_17_x86_64.manylinux2014_x86_64" (the Cartesian product of
 * the '.'-separated members), or -1 when none is supported. */
int al_tagset_best_rank(const struct al_tagset *ts, const char *py, const char *abi,
                        const char *plat);

#endif
