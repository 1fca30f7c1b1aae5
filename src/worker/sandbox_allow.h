#ifndef MCRELAY_SANDBOX_ALLOW_H
#define MCRELAY_SANDBOX_ALLOW_H

#include <stddef.h>

#include "common/sandbox_core.h"

/*
 * The system calls a sandboxed worker makes, and nothing else: its
 * seccomp allow-list, as data, so that tests/integration/syscalls.sh can
 * compare it with what workers are seen to call, both ways.
 */

extern const struct sandbox_allow sandbox_allow[];
extern const size_t sandbox_allow_n;

#endif
