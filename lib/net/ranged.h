/*
 * ranged.h: large files as byte ranges over several connections, for the
 * HTTP engine only (lib/net/http.c calls it from al_http_add; see
 * docs/reference/http.md, "Large files over many connections", and
 * docs/decisions/0043-ranged-downloads.md).
 *
 * A ranged download splits the file into pieces, fetches up to `conns` of
 * them at once as callback-sink requests of the same engine, writes each in
 * place with pwrite into STORE/tmp/range-<sha256>.part, and hashes the
 * contiguous prefix in a thread as it grows; the thread also checks the
 * whole file's digest and fsyncs it, so the event loop never waits for the
 * disk. A journal of finished pieces
 * (range-<sha256>.journal) lets the next run fetch only what is missing.
 * The file enters the store only after its size and sha256 are checked,
 * through al_store_commit_tmp (the same fsync, rename, fsync of the
 * directory and row as every other blob).
 */
#ifndef AL_RANGED_H
#define AL_RANGED_H

#include <stdbool.h>

#include "net/http.h"

struct al_ranged;

/* Start req (a store sink with sha256 and size) as a ranged download, at
 * most conns pieces at once. *taken false (and AL_OK): not possible here
 * (another airlock holds the partial file): the caller runs it as one
 * transfer. The download puts itself on *list while it runs. */
AL_MUST_CHECK al_err al_ranged_add(struct al_http *h, struct al_ranged **list,
                                   const struct al_http_req *req, unsigned conns, bool *taken,
                                   struct al_diag *d);
/* Finish the downloads whose hashing thread has checked and synced the
 * whole file (al_http_wakeup tells the loop when one has); true while
 * another is still waiting for its thread, so the loop must go on. */
bool al_ranged_poll(struct al_ranged **list);
/* Free the downloads of owner (NULL: all) without calling their callbacks,
 * after the engine dropped their requests. Partial files and journals stay
 * for the next run. */
void al_ranged_drop(struct al_ranged **list, const void *owner);

#endif
