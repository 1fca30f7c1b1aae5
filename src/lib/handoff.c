#include "config.h"

#include "lib/handoff.h"

#include "lib/log_level.h"
#include "lib/packet.h"
#include "lib/ring_params.h"
#include "lib/txring.h"

#include <stdbool.h>
#include <string.h>

const char *handoff_strerror(enum handoff_error e)
{
	switch (e) {
	case HO_OK:
		return "ok";
	case HO_ETRUNC:
		return "truncated message";
	case HO_EVERSION:
		return "protocol version mismatch";
	case HO_ETOKEN:
		return "wrong token";
	case HO_ETYPE:
		return "unknown message type";
	case HO_ESIZE:
		return "wrong payload size for the message type";
	case HO_EFDS:
		return "wrong number of file descriptors for the message type";
	case HO_EVALUE:
		return "field out of range";
	}
	return "unknown error";
}

/* Every message type, once: the size checks and the sender follow from this. */
static const struct handoff_msg_desc descs[HO_TYPE_MAX] = {
	[HO_SETUP] = { "SETUP", sizeof(struct ho_setup), 0, 0, HO_FROM_SUPERVISOR },
	[HO_SOCKET] = { "SOCKET", sizeof(struct ho_socket), 0, 1, HO_FROM_SUPERVISOR },
	[HO_RULE] = { "RULE", sizeof(struct ho_rule), 0, 0, HO_FROM_SUPERVISOR },
	[HO_COMMIT] = { "COMMIT", sizeof(struct ho_commit), 0, 0, HO_FROM_SUPERVISOR },
	[HO_ACK] = { "ACK", sizeof(struct ho_ack), 0, 0, HO_FROM_WORKER },
	[HO_STATS_REQ] = { "STATS_REQ", 0, 0, 0, HO_FROM_SUPERVISOR },
	[HO_STATS] = { "STATS", sizeof(struct ho_worker_stats),
		       sizeof(struct ho_rule_stats), 0, HO_FROM_WORKER },
	[HO_KPATH] = { "KPATH", sizeof(struct ho_kpath), 0, 0, HO_FROM_SUPERVISOR },
	[HO_METRICS_SETUP] = { "METRICS_SETUP", sizeof(struct ho_metrics_setup), 0, 1,
			       HO_FROM_SUPERVISOR },
	[HO_METRICS_REQ] = { "METRICS_REQ", 0, 0, 0, HO_FROM_METRICS },
	[HO_METRICS_DATA] = { "METRICS_DATA", sizeof(struct ho_metrics_data), 1, 0,
			      HO_FROM_SUPERVISOR },
};

const struct handoff_msg_desc *handoff_describe(unsigned type)
{
	return type < HO_TYPE_MAX && descs[type].name ? &descs[type] : NULL;
}

const char *handoff_type_name(unsigned type)
{
	const struct handoff_msg_desc *d = handoff_describe(type);

	return d ? d->name : "UNKNOWN";
}

unsigned handoff_fd_count(unsigned type)
{
	const struct handoff_msg_desc *d = handoff_describe(type);

	return d ? d->nfds : 0;
}

bool handoff_sent_by(unsigned type, enum handoff_sender sender)
{
	const struct handoff_msg_desc *d = handoff_describe(type);

	return d != NULL && d->sender == sender;
}

static bool size_ok(const struct handoff_msg_desc *d, size_t len)
{
	if (d->elem_size == 0)
		return len == d->size;
	return len >= d->size && (len - d->size) % d->elem_size == 0;
}

static bool ring_ok(const struct ho_socket *s)
{
	return s->ring_block_size >= RING_BLOCK_SIZE_MIN &&
	       s->ring_block_size <= RING_BLOCK_SIZE_MAX &&
	       s->ring_block_size % RING_PAGE == 0 && s->ring_blocks >= RING_BLOCKS_MIN &&
	       s->ring_blocks <= RING_BLOCKS_MAX &&
	       (uint64_t)s->ring_block_size * s->ring_blocks <= RING_BYTES_MAX &&
	       s->ring_timeout_ms >= 1 && s->ring_timeout_ms <= RING_TIMEOUT_MAX_MS &&
	       (s->ring_mode == RING_BLOCKS ||
		(s->ring_mode == RING_FRAMES && s->ring_frame_size >= 64 &&
		 s->ring_frame_size % 16 == 0 && s->ring_frame_size <= s->ring_block_size));
}

static bool txring_ok(const struct ho_socket *s)
{
	struct txring_params p = { .frame_size = s->tx_frame_size, .block_size = s->tx_block_size,
				   .blocks = s->tx_blocks, .frames = s->tx_frames };

	return txring_params_valid(&p, RING_PAGE) && s->mtu <= TXRING_MTU_MAX &&
	       s->mtu + TXRING_VNET_LEN + TXRING_L2_MAX <= p.frame_size - TXRING_DATA_OFF;
}

static enum handoff_error values_ok(unsigned type, const void *p, size_t len)
{
	if (type == HO_RULE) {
		const struct ho_rule *r = p;

		if (r->n_outputs > HANDOFF_MAX_OUTPUTS || r->vlan > PKT_VID_MAX ||
		    r->ttl_mode > 2 || (r->flags & ~(uint32_t)HO_RULE_KERNEL) ||
		    r->monitor > MONITOR_MPEGTS ||
		    memchr(r->name, '\0', sizeof(r->name)) == NULL)
			return HO_EVALUE;
		for (uint32_t i = 0; i < r->n_outputs; i++)
			if ((r->outputs[i].flags & ~HO_OUT_PENDING) ||
			    r->outputs[i].vlan > PKT_VID_MAX)
				return HO_EVALUE;
	} else if (type == HO_SOCKET) {
		const struct ho_socket *s = p;

		if ((s->role != HO_ROLE_INGRESS && s->role != HO_ROLE_EGRESS &&
		     s->role != HO_ROLE_UDP) ||
		    memchr(s->ifname, '\0', sizeof(s->ifname)) == NULL)
			return HO_EVALUE;
		if (s->role == HO_ROLE_UDP && s->udp_family != AF_INET &&
		    s->udp_family != AF_INET6)
			return HO_EVALUE;
		if (s->role == HO_ROLE_INGRESS && !ring_ok(s))
			return HO_EVALUE;
		if (s->role == HO_ROLE_EGRESS && !txring_ok(s))
			return HO_EVALUE;
	} else if (type == HO_SETUP) {
		const struct ho_setup *s = p;

		if (memchr(s->input, '\0', sizeof(s->input)) == NULL)
			return HO_EVALUE;
	} else if (type == HO_ACK) {
		const struct ho_ack *a = p;

		if (a->sandbox & ~(uint32_t)(HO_SANDBOX_SECCOMP | HO_SANDBOX_CHROOT |
					     HO_SANDBOX_LANDLOCK) ||
		    a->landlock_abi > 255)
			return HO_EVALUE;
	} else if (type == HO_METRICS_SETUP) {
		const struct ho_metrics_setup *m = p;

		if (memchr(m->listen, '\0', sizeof(m->listen)) == NULL || m->log_level > LOG_LEVEL_DEBUG)
			return HO_EVALUE;
	} else if (type == HO_METRICS_DATA) {
		const struct ho_metrics_data *m = p;
		size_t n = len - sizeof(*m);

		if (m->total > HO_METRICS_DOC_MAX || m->offset > m->total ||
		    n > m->total - m->offset || (m->status != 0 && m->total != 0) ||
		    (m->status != 0 && (m->status < 400 || m->status > 599)))
			return HO_EVALUE;
	} else if (type == HO_STATS) {
		const struct ho_worker_stats *w = p;

		if ((size_t)w->n_rules != (len - sizeof(*w)) / sizeof(struct ho_rule_stats) ||
		    w->first_rule > w->total_rules ||
		    w->n_rules > w->total_rules - w->first_rule)
			return HO_EVALUE;
	}
	return HO_OK;
}

size_t handoff_encode(void *buf, size_t cap, enum handoff_type type,
		      uint64_t token, const void *payload, size_t len)
{
	struct ho_header h = {
		.version = HANDOFF_VERSION,
		.type = (uint16_t)type,
		.length = (uint32_t)len,
		.token = token,
	};

	if (cap < sizeof(h) || len > cap - sizeof(h))
		return 0;
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy((char *)buf + sizeof(h), payload, len);
	return sizeof(h) + len;
}

enum handoff_error handoff_decode(const void *buf, size_t n, uint64_t token,
				  unsigned nfds, struct ho_header *hdr,
				  const void **payload)
{
	if (n < sizeof(*hdr))
		return HO_ETRUNC;
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->version != HANDOFF_VERSION)
		return HO_EVERSION;
	if (hdr->token != token)
		return HO_ETOKEN;
	if (hdr->length != n - sizeof(*hdr))
		return HO_ETRUNC;
	const struct handoff_msg_desc *d = handoff_describe(hdr->type);

	if (d == NULL)
		return HO_ETYPE;
	if (!size_ok(d, hdr->length))
		return HO_ESIZE;
	if (nfds != handoff_fd_count(hdr->type))
		return HO_EFDS;
	*payload = (const char *)buf + sizeof(*hdr);
	return values_ok(hdr->type, *payload, hdr->length);
}
