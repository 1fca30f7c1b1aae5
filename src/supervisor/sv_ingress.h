#ifndef MCRELAY_SV_INGRESS_H
#define MCRELAY_SV_INGRESS_H

#include "supervisor/sv_types.h"

/*
 * A worker's ingress socket: the supervisor's own, whose receive ring the
 * worker maps when it starts.  Bound to the input, filtered to its groups,
 * in its fanout group when it has several workers.
 */

/* Whether w's socket is on this interface with the ring its configuration asks for. */
bool svw_ingress_fits(const struct sv_worker *w, const struct iface_info *info);
/*
 * Opens w's socket if it has none, or changes its filter in place to the
 * input's groups.  A socket that does not fit (svw_ingress_fits) is
 * replaced only while no process has mapped it.  -1 on failure.
 */
int svw_ingress_update(struct sv_worker *w, const struct iface_info *info);
/* Frames its ring had no room for since the last call, added to ring_drops. */
void svw_ingress_count_drops(struct sv_worker *w);
void svw_ingress_close(struct sv_worker *w);

#endif
