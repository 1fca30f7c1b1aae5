#ifndef MCRELAY_WORKER_H
#define MCRELAY_WORKER_H

/* "mcrelay worker": started by the supervisor only (common/worker_env.h). */
int worker_main(void);

#endif
