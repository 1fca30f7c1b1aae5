#ifndef MCRELAY_STATUS_H
#define MCRELAY_STATUS_H

#include <stdbool.h>

#include "strbuf.h"

struct supervisor;

/* Renders the supervisor's state and the workers' last counters. */
void status_render(const struct supervisor *sv, bool json, struct strbuf *out);

#endif
