#ifndef MCRELAY_SV_INPUT_H
#define MCRELAY_SV_INPUT_H

#include "supervisor/sv_types.h"

/*
 * An input interface's share of the work: its group memberships and the
 * filter its workers' ingress sockets carry.  A worker restarting touches
 * neither: only a new configuration, or the interface going away, does.
 */
struct sv_input *svi_new(struct supervisor *sv, const char *name);
void svi_free(struct sv_input *in);
/* The input of this name, or NULL. */
struct sv_input *svi_find(const struct supervisor *sv, const char *name);
/*
 * Joins the groups of the input's rules on the interface as it is now and
 * works out the filter its ingress sockets need; on failure (-1) the
 * previous memberships and filter stay.
 */
int svi_update(struct sv_input *in);
/*
 * The groups the kernel path alone relays (svk_filter_groups): the filter
 * passes only what its program passes on of them.  Takes groups.
 */
void svi_set_kernel_groups(struct sv_input *in, struct addr *groups, size_t n,
			   const bool all[2], unsigned mtu);
/* Leaves the groups; the next svi_update joins them again. */
void svi_close(struct sv_input *in);
/* The memberships are for this configuration and this interface. */
bool svi_current(const struct sv_input *in, int ifindex);

#endif
