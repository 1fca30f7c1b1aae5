#ifndef MCRELAY_SV_SYNC_H
#define MCRELAY_SV_SYNC_H

#include "supervisor/sv_types.h"

/*
 * Makes the running state follow the configuration and the interfaces as
 * they are now: egress sockets for outputs that are up, workers for every
 * input that is up, each with the rules and outputs it can serve; what is
 * absent or down is pending.  For every input and worker one decision
 * (enum reconf_action) is taken before anything is done; only what differs
 * is touched.
 */
void sv_sync(struct supervisor *sv);
/* A sync soon: a burst of interface events becomes one, at most 50 ms after the first. */
void sv_schedule_sync(struct supervisor *sv);

#endif
