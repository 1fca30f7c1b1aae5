#ifndef MCRELAY_RING_SOCKET_H
#define MCRELAY_RING_SOCKET_H

#include <stdbool.h>

#include "lib/ring.h"

/* The receive ring on a packet socket: set up (the supervisor) and mapped (the worker). */

/* On a socket that is not bound yet (the supervisor). */
int ring_setup(int fd, const struct ring_params *p);
/* Maps the ring that fd's socket has (the worker). */
int ring_map(struct ring *r, int fd, const struct ring_params *p);
bool ring_same_socket(const struct ring *r, int fd);
void ring_unmap(struct ring *r);

#endif
