#ifndef MCRELAY_SV_CONFIG_H
#define MCRELAY_SV_CONFIG_H

#include <stdbool.h>

#include "supervisor/sv_types.h"

/*
 * The sending half of the configuration hand-off (lib/worker_conf.c is the
 * receiving half): a worker's SETUP, its sockets, its rules and the COMMIT
 * that closes the set.
 */

/*
 * Sends the worker its whole configuration, unless it already has exactly
 * this one (force: always, for a new process).  The worker swaps to it
 * between two batches of packets; its receive ring, and the packets queued
 * in it, stay.  -1 if the channel failed (the worker is then killed).
 */
int sv_config_send(struct sv_worker *w, bool force);

#endif
