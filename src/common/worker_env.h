#ifndef MCRELAY_WORKER_ENV_H
#define MCRELAY_WORKER_ENV_H

#include <stdint.h>

/*
 * What a worker (or the metrics process) finds when the supervisor starts
 * it (spawn.c): its channel to the supervisor on this descriptor, and
 * these variables alone in its environment.
 */
#define WORKER_CHANNEL_FD 3

#define WORKER_ENV_TOKEN "MCRELAY_WORKER_TOKEN"
#define WORKER_ENV_PARENT "MCRELAY_SUPERVISOR_PID"
#define WORKER_ENV_LOG "MCRELAY_LOG"

/*
 * Whether this process was started so by its parent: the variables, the
 * parent's pid, a SOCK_SEQPACKET channel on WORKER_CHANNEL_FD.  Returns 0
 * with the channel's token (and takes it out of the environment), or -1:
 * started some other way, it must refuse to run.
 */
int worker_env_check(uint64_t *token);

#endif
