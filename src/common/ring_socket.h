#ifndef MCRELAY_RING_SOCKET_H
#define MCRELAY_RING_SOCKET_H

#include <stdbool.h>

#include "lib/ring.h"
#include "lib/txring.h"

/*
 * The rings of packet sockets, set up by the supervisor before the socket
 * is bound and mapped by the worker: an ingress socket's receive ring, an
 * egress socket's transmit ring.
 */

/* On a socket that is not bound yet (the supervisor). */
int ring_setup(int fd, const struct ring_params *p);
/* Maps the ring that fd's socket has (the worker). */
int ring_map(struct ring *r, int fd, const struct ring_params *p);
bool ring_same_socket(const struct ring *r, int fd);
void ring_unmap(struct ring *r);

/* TPACKET_V2 transmit ring; frames that do not fit the slot are skipped (PACKET_LOSS). */
int txring_setup(int fd, const struct txring_params *p);
int txring_map(struct txring *t, int fd, const struct txring_params *p);
void txring_unmap(struct txring *t);

#endif
