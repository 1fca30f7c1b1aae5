#ifndef MCRELAY_WORKER_H
#define MCRELAY_WORKER_H

/* The channel to the supervisor is always this descriptor in a worker. */
#define WORKER_CHANNEL_FD 3

#define WORKER_ENV_TOKEN "MCRELAY_WORKER_TOKEN"
#define WORKER_ENV_PARENT "MCRELAY_SUPERVISOR_PID"
#define WORKER_ENV_LOG "MCRELAY_LOG"

int worker_main(void);

#endif
