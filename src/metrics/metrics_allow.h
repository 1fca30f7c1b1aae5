#ifndef MCRELAY_METRICS_ALLOW_H
#define MCRELAY_METRICS_ALLOW_H

#include <stddef.h>

#include "common/sandbox_core.h"

/*
 * The system calls the sandboxed metrics process makes, and nothing else:
 * its own seccomp allow-list, as data (tests/tools/allowlist prints it,
 * tests/integration/metrics_sandbox.sh compares it with what the process
 * is seen to call, both ways).
 */
extern const struct sandbox_allow metrics_allow[];
extern const size_t metrics_allow_n;

#endif
