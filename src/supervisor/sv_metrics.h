#ifndef MCRELAY_SV_METRICS_H
#define MCRELAY_SV_METRICS_H

#include <stdbool.h>
#include <sys/types.h>

#include "lib/conf.h"
#include "lib/diag.h"
#include "supervisor/sv_types.h"

/*
 * The metrics process (metrics-listen): its listening socket, which the
 * supervisor opens and keeps; its process, started like a worker and
 * started again with a back-off when it dies; and the one thing it may
 * ask for on its channel, the metrics document.  It is treated as
 * hostile: one request at a time, not more often than every
 * SVM_PACE_MS, each message checked, and anything else ends it.
 */

/* The least time between two answers: what a process asking in a loop costs. */
#define SVM_PACE_MS 200

/*
 * Opens the listening socket the configuration next asks for, if it is not
 * the one open (nothing to do when it is the same, or when next has no
 * metrics-listen).  Returns 0, or a sysexits(3) code with the reason in d
 * (FILE:LINE of metrics-listen): the configuration must not be taken.
 */
int sv_metrics_prepare(struct supervisor *sv, const struct conf *next, struct diag *d);

/*
 * Once the configuration is in force (at start-up after the privileges are
 * dropped, after each reload): starts the process, hands a running one its
 * new socket or log level, or stops it when metrics-listen is gone.
 */
void sv_metrics_apply(struct supervisor *sv);

/* The workers' counters came or their wait ended: a request waiting for them is answered. */
void sv_metrics_counted(struct supervisor *sv);

/* SIGCHLD: true if pid was the metrics process (started again later if still wanted). */
bool sv_metrics_exited(struct supervisor *sv, pid_t pid, int status);

/* Stopping: its channel is closed, so that it exits, and it is not started again. */
void sv_metrics_stop(struct supervisor *sv);
bool sv_metrics_running(const struct supervisor *sv);
/* SIGKILL, for one that did not exit in time. */
void sv_metrics_kill(struct supervisor *sv);
void sv_metrics_free(struct supervisor *sv);

#endif
