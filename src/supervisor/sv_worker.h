#ifndef MCRELAY_SV_WORKER_H
#define MCRELAY_SV_WORKER_H

#include <stddef.h>

#include "lib/handoff.h"
#include "supervisor/sv_types.h"

/*
 * One worker's life: its process, its channel, its restarts.  What comes
 * back on the channel is checked here and reported up through the
 * supervisor's events; its sockets are opened by the sync.
 */

/* How long a worker may take to adopt a configuration before it is restarted. */
#define SVW_ACK_TIMEOUT_S 10
/*
 * How long a worker may take to answer STATS_REQ before status stops
 * waiting for it (and shows it as not answering) until it answers.
 */
#define SVW_STATS_TIMEOUT_MS 1000

struct sv_worker *svw_new(struct sv_input *in, unsigned index);
void svw_free(struct sv_worker *w);
/* The worker with this process, or NULL. */
struct sv_worker *svw_find_pid(const struct supervisor *sv, pid_t pid);

/* Starts its process, which then waits for its configuration (sv_config_send). */
int svw_start(struct sv_worker *w);
/* Closes its channel: a worker exits at its end of file. */
void svw_stop(struct sv_worker *w);
/* Its process is gone (status < 0: could not be started): restarted later, if wanted. */
void svw_exited(struct sv_worker *w, int status);
/* Not waiting out a back-off before its next start. */
bool svw_may_start(const struct sv_worker *w);
/* Ends a worker that broke the protocol or whose channel failed; SIGCHLD does the rest. */
void svw_kill(struct sv_worker *w);
/* Closes the sockets the supervisor holds for it: a new process gets fresh ones. */
void svw_close_sockets(struct sv_worker *w);

/* Queued when the channel is full, and sent as it drains: never lost, never fatal. */
int svw_send_msg(struct sv_worker *w, enum handoff_type type, const void *payload,
		 size_t len, int fd);
/* A COMMIT is out: the worker has SVW_ACK_TIMEOUT_S to adopt it. */
void svw_expect_ack(struct sv_worker *w);
/* Asks for its counters, unless a request is outstanding; -1 if it cannot be asked. */
int svw_request_stats(struct sv_worker *w);

#endif
