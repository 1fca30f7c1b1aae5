#include "config.h"

#include "common/channel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int channel_send(int sock, const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cmsg;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		memset(&cmsg, 0, sizeof(cmsg));
		msg.msg_control = cmsg.buf;
		msg.msg_controllen = sizeof(cmsg.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

void channel_close_fds(int *fds, unsigned nfds)
{
	for (unsigned i = 0; i < nfds; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

ssize_t channel_recv(int sock, void *buf, size_t cap, int fds[CHANNEL_MAX_FDS],
		     unsigned *nfds)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * CHANNEL_MAX_FDS)];
	} cmsg;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cmsg.buf, .msg_controllen = sizeof(cmsg.buf),
	};
	ssize_t n;
	int overflow = 0;

	*nfds = 0;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL;
	     c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		for (size_t i = 0; i < count; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*nfds < CHANNEL_MAX_FDS)
				fds[(*nfds)++] = fd;
			else {
				close(fd);
				overflow = 1;
			}
		}
	}
	if (overflow || (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
		channel_close_fds(fds, *nfds);
		*nfds = 0;
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

int channel_recv_msg(int sock, uint64_t token, struct channel_msg *m)
{
	ssize_t n = channel_recv(sock, m->buf, sizeof(m->buf), m->fds, &m->nfds);

	memset(&m->hdr, 0, sizeof(m->hdr));
	m->payload = NULL;
	if (n <= 0)
		return (int)n;
	m->error = handoff_decode(m->buf, (size_t)n, token, m->nfds, &m->hdr, &m->payload);
	if (m->error != HO_OK) {
		channel_close_fds(m->fds, m->nfds);
		m->nfds = 0;
		return -2;
	}
	return 1;
}

struct channel_item {
	struct channel_item *next;
	int fd;
	size_t len;
	_Alignas(8) char buf[];
};

bool channel_out_pending(const struct channel_out *q)
{
	return q->head != NULL;
}

static void item_free(struct channel_item *it)
{
	if (it->fd >= 0)
		close(it->fd);
	free(it);
}

void channel_out_clear(struct channel_out *q)
{
	while (q->head) {
		struct channel_item *it = q->head;

		q->head = it->next;
		item_free(it);
	}
	q->tail = NULL;
	q->bytes = 0;
}

static int enqueue(struct channel_out *q, const void *msg, size_t n, int fd)
{
	size_t limit = q->limit ? q->limit : CHANNEL_OUT_LIMIT;
	struct channel_item *it;

	if (q->bytes + n > limit) {
		errno = ENOBUFS;
		return -1;
	}
	it = malloc(sizeof(*it) + n);
	if (it == NULL)
		return -1;
	it->next = NULL;
	it->len = n;
	it->fd = -1;
	memcpy(it->buf, msg, n);
	if (fd >= 0 && (it->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		free(it);
		return -1;
	}
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->bytes += n;
	return 0;
}

int channel_out_flush(struct channel_out *q, int sock)
{
	while (q->head) {
		struct channel_item *it = q->head;

		if (channel_send(sock, it->buf, it->len, it->fd) < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		q->head = it->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->bytes -= it->len;
		item_free(it);
	}
	return 1;
}

int channel_out_send(struct channel_out *q, int sock, enum handoff_type type,
		     uint64_t token, const void *payload, size_t len, int fd)
{
	static _Alignas(8) char buf[HANDOFF_MAX_MSG];
	size_t n = handoff_encode(buf, sizeof(buf), type, token, payload, len);

	if (n == 0) {
		errno = EMSGSIZE;
		return -1;
	}
	if (q->head == NULL) {
		if (channel_send(sock, buf, n, fd) == 0)
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
	}
	return enqueue(q, buf, n, fd);
}
