#ifndef MCRELAY_SV_STATS_H
#define MCRELAY_SV_STATS_H

#include <stdbool.h>

#include "supervisor/sv_types.h"

/*
 * The workers' counters for status: asked of every running worker at once
 * (concurrent requests share one), each answer kept with its time.
 */

/* Asks every running worker; true if none is waited for. */
bool svs_request(struct supervisor *sv);
/* Every worker asked has answered, or is silent (not waited for). */
bool svs_complete(const struct supervisor *sv);

#endif
