#include "config.h"

#include "handoff.h"

#include "ring.h"

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

const char *handoff_type_name(unsigned type)
{
	static const char *const names[HO_TYPE_MAX] = {
		[HO_SETUP] = "SETUP", [HO_SOCKET] = "SOCKET", [HO_RULE] = "RULE",
		[HO_COMMIT] = "COMMIT", [HO_ACK] = "ACK",
		[HO_STATS_REQ] = "STATS_REQ", [HO_STATS] = "STATS",
	};

	return type < HO_TYPE_MAX && names[type] ? names[type] : "UNKNOWN";
}

unsigned handoff_fd_count(unsigned type)
{
	return type == HO_SOCKET ? 1 : 0;
}

static int size_ok(unsigned type, size_t len)
{
	switch (type) {
	case HO_SETUP:
		return len == sizeof(struct ho_setup);
	case HO_SOCKET:
		return len == sizeof(struct ho_socket);
	case HO_RULE:
		return len == sizeof(struct ho_rule);
	case HO_COMMIT:
		return len == sizeof(struct ho_commit);
	case HO_ACK:
		return len == sizeof(struct ho_ack);
	case HO_STATS_REQ:
		return len == 0;
	case HO_STATS:
		return len >= sizeof(struct ho_worker_stats) &&
		       (len - sizeof(struct ho_worker_stats)) %
			       sizeof(struct ho_rule_stats) == 0;
	}
	return 0;
}

static bool ring_ok(const struct ho_socket *s)
{
	return s->ring_block_size >= RING_BLOCK_SIZE_MIN &&
	       s->ring_block_size <= RING_BLOCK_SIZE_MAX &&
	       s->ring_block_size % RING_PAGE == 0 && s->ring_blocks >= RING_BLOCKS_MIN &&
	       s->ring_blocks <= RING_BLOCKS_MAX &&
	       (uint64_t)s->ring_block_size * s->ring_blocks <= RING_BYTES_MAX &&
	       s->ring_timeout_ms >= 1 && s->ring_timeout_ms <= RING_TIMEOUT_MAX_MS;
}

static enum handoff_error values_ok(unsigned type, const void *p, size_t len)
{
	if (type == HO_RULE) {
		const struct ho_rule *r = p;

		if (r->n_outputs > HANDOFF_MAX_OUTPUTS ||
		    r->ttl_mode > 2 || memchr(r->name, '\0', sizeof(r->name)) == NULL)
			return HO_EVALUE;
	} else if (type == HO_SOCKET) {
		const struct ho_socket *s = p;

		if ((s->role != HO_ROLE_INGRESS && s->role != HO_ROLE_EGRESS) ||
		    memchr(s->ifname, '\0', sizeof(s->ifname)) == NULL)
			return HO_EVALUE;
		if (s->role == HO_ROLE_INGRESS && !ring_ok(s))
			return HO_EVALUE;
	} else if (type == HO_SETUP) {
		const struct ho_setup *s = p;

		if (memchr(s->input, '\0', sizeof(s->input)) == NULL)
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
	if (hdr->type == 0 || hdr->type >= HO_TYPE_MAX)
		return HO_ETYPE;
	if (!size_ok(hdr->type, hdr->length))
		return HO_ESIZE;
	if (nfds != handoff_fd_count(hdr->type))
		return HO_EFDS;
	*payload = (const char *)buf + sizeof(*hdr);
	return values_ok(hdr->type, *payload, hdr->length);
}
