#ifndef MCRELAY_METRICS_H
#define MCRELAY_METRICS_H

/*
 * The metrics process ("mcrelay metrics", started by the supervisor only,
 * like a worker): it takes the listening socket of metrics-listen from
 * its SETUP, drops its privileges for good (the workers' user, no
 * capability, no_new_privs, an empty removed root, Landlock, a seccomp
 * allow-list of its own), then answers GET /metrics with the document it
 * asks the supervisor for over its channel, which is all it can ask.
 * Returns a sysexits(3) code.
 */
int metrics_main(void);

#endif
