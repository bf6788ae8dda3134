/*
 * publish.h: what publish offers the rest of the library besides
 * al_publish (lib/airlock.h). Import asks the same question before it
 * accepts media, so both refuse the same trees.
 */
#ifndef AL_PUBLISH_H
#define AL_PUBLISH_H

#include "airlock.h"
#include "core/buf.h"

/* Would publishing these locks, in this order, give any path of the
 * published tree two owners (docs/reference/publish.md, "One owner per path")?
 * AL_ECONFLICT naming the path and both owners. Import runs it over the
 * store's bundles that stay and the incoming ones, publish over what it
 * publishes. */
al_err al_publish_plan_check(struct al_lock *const *locks, size_t n, struct al_diag *d);

/* The plain tree of repo r below DIR, appended to out: "<kind>/<repo>", or
 * "<kind>/<repo>@<revision>" for a further commit of a repo published more
 * than once (the first pin in the locks' order owns the plain path). kind is
 * "models" or "datasets". AL_ENOMEM only. */
AL_MUST_CHECK al_err al_publish_tree_dir(struct al_lock *const *locks, size_t nlocks,
                                         const struct al_lock_repo *r, const char *kind,
                                         struct al_buf *out);

#endif
