#ifndef MCRELAY_SANDBOX_H
#define MCRELAY_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "common/sandbox_core.h"

/*
 * The most descriptors a worker may hold: what one configuration can bring
 * (up to 4096 egress sockets, the worker's own limit on slots), twice,
 * because the next configuration's sockets arrive while the running one's
 * are still open, plus the worker's own (stdio, channel, syslog, event
 * loop, the receive ring's epoll).  A worker cannot create descriptors once
 * sandboxed, so this only bounds what the supervisor can hand it.
 */
#define SANDBOX_MAX_FDS (2 * 4096 + 64)

/* What confines a worker, for its ACKs (HO_SANDBOX_*) and its log. */
struct sandbox_report {
	uint32_t flags;
	uint32_t landlock_abi;	/* 0: Landlock is not in this kernel, or disabled */
	char summary[128];
};

/*
 * Confines a worker that has dropped its privileges: resource limits
 * (descriptors, no processes, no core files, no file growth unless its log
 * is a regular file), not dumpable, SIGPIPE ignored, Landlock forbidding
 * every file system and network access it knows (where the kernel has
 * it), then (built with libseccomp) the system call allow-list of
 * sandbox_allow.c, which kills the process on anything else, and a check
 * that it is in force (signal_fd: the descriptor it may read signals
 * from).  What the filter forbids that the worker still
 * needs (the time zone, the syslog socket) must be set up before.
 * Returns 0 with what is in force in rep, or -1 with a reason in err.
 */
int sandbox_worker(struct sandbox_report *rep, int signal_fd, char *err, size_t errlen);

/* What this build can do, for "mcrelay version": "seccomp test-hooks", or "". */
const char *sandbox_features(void);

#endif
