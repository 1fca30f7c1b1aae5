#ifndef MCRELAY_CHANNEL_H
#define MCRELAY_CHANNEL_H

#include <stddef.h>
#include <sys/types.h>

#define CHANNEL_MAX_FDS 4

/* Sends one message, with fd attached as SCM_RIGHTS when fd >= 0. */
int channel_send(int sock, const void *buf, size_t len, int fd);

/*
 * Receives one message into buf and any descriptors into fds (close-on-exec).
 * Returns the message length, 0 at end of file, or -1 with errno set; a
 * truncated message or control message (EMSGSIZE) or more descriptors than
 * CHANNEL_MAX_FDS closes every descriptor that arrived with it.
 */
ssize_t channel_recv(int sock, void *buf, size_t cap, int fds[CHANNEL_MAX_FDS],
		     unsigned *nfds);

void channel_close_fds(int *fds, unsigned nfds);

#endif
