#ifndef MCRELAY_SV_PROGRESS_H
#define MCRELAY_SV_PROGRESS_H

#include <stddef.h>

#include "lib/handoff.h"
#include "supervisor/sv_types.h"

/*
 * Where each worker's configuration stands: what was sent, what it
 * acknowledged.  Bookkeeping only; the hand-off (sv_config.c) records
 * what it sends, the channel (sv_worker.c) what comes back.
 */

/* A COMMIT of configuration generation with n_rules is on its way to w. */
void svp_sent(struct sv_worker *w, uint32_t generation, size_t n_rules);
/*
 * Nothing needed sending: what w runs, or what is on its way to it,
 * stands for configuration generation as well.
 */
void svp_unchanged(struct sv_worker *w, uint32_t generation);
/* Checks an ACK against what is in flight: 0, or -1 with a reason in err. */
int svp_take_ack(struct sv_worker *w, const struct ho_ack *ack, char *err, size_t errlen);
/* A new process, or one gone: nothing sent, nothing adopted. */
void svp_reset(struct sv_worker *w);

/* w runs the current configuration. */
bool svp_current(const struct sv_worker *w);
/* Every worker that should run has adopted the current configuration. */
bool svp_all_adopted(const struct supervisor *sv);

#endif
