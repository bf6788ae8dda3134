/*
 * glob.h: shell-style patterns (lib/hub/glob.c), as the Hub client's include and
 * exclude lists use them (docs/reference/hub.md, docs/reference/manifest.md).
 *
 * A pattern is matched as Python's fnmatch.fnmatchcase, which
 * huggingface_hub's filter_repo_objects uses: '*' matches any run of
 * characters, '/' included (so "**" is the same as "*"), '?' any one
 * character, "[...]" a class ("[!...]" its complement, "a-c" a range, a ']'
 * first is literal, a '[' without its ']' is literal). There is no backslash
 * escape: a special character is quoted by a class of itself ("[*]", "[?]",
 * "[[]"). Matching is case-sensitive, on the code points of UTF-8 strings
 * (an invalid byte stands for itself).
 */
#ifndef AL_GLOB_H
#define AL_GLOB_H

#include <stdbool.h>

#include "airlock.h"

/* Does name match pattern (fnmatchcase)? */
bool al_glob_match(const char *pattern, const char *name);
/* huggingface_hub's filter_repo_objects: kept when include is empty (or
 * NULL) or a pattern matches, and no exclude pattern matches; a pattern
 * ending in '/' has '*' appended (the folder's contents, not a file of that
 * name). */
bool al_glob_selected(const char *path, const struct al_strlist *include,
                      const struct al_strlist *exclude);

#endif
