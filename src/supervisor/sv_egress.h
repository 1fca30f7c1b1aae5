#ifndef MCRELAY_SV_EGRESS_H
#define MCRELAY_SV_EGRESS_H

#include "supervisor/sv_types.h"

/*
 * A worker's egress sockets: one per output interface its rules send to,
 * its own, each with a transmit ring that only one process may fill.
 */
struct sv_egress *svw_egress_find(const struct sv_worker *w, const char *ifname);
/* A socket for every output interface of w's rules that is up; stale ones closed. */
void svw_egress_sync(struct sv_worker *w);
void svw_egress_close_all(struct sv_worker *w);

#endif
