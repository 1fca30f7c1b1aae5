#ifndef MCRELAY_SV_STATUS_H
#define MCRELAY_SV_STATUS_H

#include <stdbool.h>

#include "lib/status_render.h"
#include "lib/strbuf.h"
#include "supervisor/sv_types.h"

/* What "status" shows, from the counters at hand: the table, JSON or metrics. */
void sv_status_render(const struct supervisor *sv, enum status_form form, struct strbuf *out);

#endif
