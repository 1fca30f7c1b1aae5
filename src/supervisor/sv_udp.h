#ifndef MCRELAY_SV_UDP_H
#define MCRELAY_SV_UDP_H

#include "supervisor/sv_types.h"

/* One UDP socket per udp output destination (and options) that can be reached. */
const struct sv_udp *sv_udp_find(const struct supervisor *sv, const struct conf_udp *u);
/* The sockets the configuration wants, connected where they can be; unused ones closed. */
void sv_udp_sync(struct supervisor *sv);
void sv_udp_close_all(struct supervisor *sv);

#endif
