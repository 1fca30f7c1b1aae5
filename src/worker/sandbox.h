#ifndef MCRELAY_SANDBOX_H
#define MCRELAY_SANDBOX_H

#include <stddef.h>

/*
 * The most descriptors a worker may hold: what one configuration can bring
 * (an ingress socket and up to 4096 egress sockets, the worker's own limit
 * on slots), twice, because the next configuration's sockets arrive while
 * the running one's are still open, plus the worker's own (stdio, channel,
 * syslog, event loop).  A worker cannot create descriptors once sandboxed,
 * so this only bounds what the supervisor can hand it.
 */
#define SANDBOX_MAX_FDS (2 * (4096 + 1) + 64)

/*
 * Confines a worker that has dropped its privileges: resource limits
 * (descriptors, no processes, no core files, no file growth unless its log
 * is a regular file), not dumpable, working directory "/", SIGPIPE
 * ignored, then (built with libseccomp) a system call allow-list that
 * kills the process on anything else, and a check that it is in force.
 * Everything the filter forbids that the worker still needs (the time
 * zone, the syslog socket) must be set up before.  Returns 0, or -1 with
 * a reason in err.
 */
int sandbox_worker(char *err, size_t errlen);

/* What this build can do, for "mcrelay version": "seccomp test-hooks", or "". */
const char *sandbox_features(void);

#endif
