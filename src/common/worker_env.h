#ifndef MCRELAY_WORKER_ENV_H
#define MCRELAY_WORKER_ENV_H

/*
 * What a worker finds when the supervisor starts it (spawn.c): its channel
 * to the supervisor on this descriptor, and these variables alone in its
 * environment.
 */
#define WORKER_CHANNEL_FD 3

#define WORKER_ENV_TOKEN "MCRELAY_WORKER_TOKEN"
#define WORKER_ENV_PARENT "MCRELAY_SUPERVISOR_PID"
#define WORKER_ENV_LOG "MCRELAY_LOG"

#endif
