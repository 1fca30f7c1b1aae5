#ifndef MCRELAY_SPAWN_H
#define MCRELAY_SPAWN_H

#include <stdint.h>
#include <sys/types.h>

struct spawned {
	pid_t pid;
	int chan;		/* supervisor's end of the channel */
	uint64_t token;
};

/*
 * Forks and re-executes this binary as "mcrelay worker" with the channel
 * on descriptor 3, every other descriptor closed, signals reset, the
 * token in the environment, and pinned to cpu unless it is -1.  Returns 0
 * or -1 with errno set.
 */
int spawn_worker(const char *name, int cpu, struct spawned *out);
/* The same for another role: "mcrelay ROLE NAME" (main.c knows "metrics"). */
int spawn_child(const char *role, const char *name, int cpu, struct spawned *out);

#endif
