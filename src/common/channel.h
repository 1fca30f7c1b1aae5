#ifndef MCRELAY_CHANNEL_H
#define MCRELAY_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/handoff.h"

#define CHANNEL_MAX_FDS 4

/* One received and checked message; payload points into buf. */
struct channel_msg {
	_Alignas(8) char buf[HANDOFF_MAX_MSG];
	int fds[CHANNEL_MAX_FDS];
	unsigned nfds;
	struct ho_header hdr;
	const void *payload;
	enum handoff_error error;
};

/*
 * Receives one message and checks it (handoff_decode).  Returns 1 with m
 * filled, 0 at end of file, -1 with errno set (EAGAIN: nothing yet), or -2
 * for a message that fails the checks: m->error says why, and every
 * descriptor that came with it is already closed.
 */
int channel_recv_msg(int sock, uint64_t token, struct channel_msg *m);

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

/*
 * Outgoing messages that the socket could not take yet (EAGAIN): sent in
 * order when it is writable again, so that a full socket buffer is never
 * an error.  A descriptor that goes with a queued message is duplicated,
 * so that the caller may close its own copy at once.
 */
struct channel_item;
struct channel_out {
	struct channel_item *head, *tail;
	size_t bytes;
	size_t limit;		/* most bytes queued; 0: CHANNEL_OUT_LIMIT */
};

#define CHANNEL_OUT_LIMIT (64u * 1024 * 1024)

/*
 * Sends one message now if nothing is queued before it, else queues it.
 * Returns 0, or -1 with errno set: the peer is gone (EPIPE and the like),
 * ENOBUFS past the queue's limit, or ENOMEM.
 */
int channel_out_send(struct channel_out *q, int sock, enum handoff_type type,
		     uint64_t token, const void *payload, size_t len, int fd);
/* Sends what is queued: 1 when all is sent, 0 when some must wait, -1 on error. */
int channel_out_flush(struct channel_out *q, int sock);
bool channel_out_pending(const struct channel_out *q);
void channel_out_clear(struct channel_out *q);

#endif
