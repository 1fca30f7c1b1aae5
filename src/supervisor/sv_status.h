#ifndef MCRELAY_SV_STATUS_H
#define MCRELAY_SV_STATUS_H

#include <stdbool.h>

#include "lib/strbuf.h"
#include "supervisor/sv_types.h"

/* What "status" shows, from the counters at hand: the table or one JSON document. */
void sv_status_render(const struct supervisor *sv, bool json, struct strbuf *out);

#endif
