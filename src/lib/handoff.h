#ifndef MCRELAY_HANDOFF_H
#define MCRELAY_HANDOFF_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/monitor_counts.h"

/*
 * Messages between the supervisor and a worker over their SOCK_SEQPACKET
 * channel.  Every message starts with a header carrying the protocol
 * version, the type, the payload length and the worker's token; each type
 * has a fixed payload size (or a fixed size per element) and a fixed
 * number of file descriptors, all checked before the payload is read.
 */
#define HANDOFF_VERSION 7
#define HANDOFF_MAX_MSG 65536
#define HANDOFF_MAX_OUTPUTS 16
#define HANDOFF_NAME_MAX 64

enum handoff_type {
	HO_SETUP = 1,	/* supervisor -> worker: who to become */
	HO_SOCKET,	/* supervisor -> worker: one socket (1 fd) */
	HO_RULE,	/* supervisor -> worker: one rule */
	HO_COMMIT,	/* supervisor -> worker: the set of rules is complete */
	HO_ACK,		/* worker -> supervisor: what was adopted */
	HO_STATS_REQ,	/* supervisor -> worker */
	HO_STATS,	/* worker -> supervisor: counters, then one entry per rule */
	HO_KPATH,	/* supervisor -> worker: the kernel path runs another configuration */
	HO_METRICS_SETUP,	/* supervisor -> metrics: who to be, the listening socket (1 fd) */
	HO_METRICS_REQ,		/* metrics -> supervisor: the metrics, please (one at a time) */
	HO_METRICS_DATA,	/* supervisor -> metrics: a piece of the metrics document */
	HO_TYPE_MAX
};

struct ho_header {
	uint16_t version;
	uint16_t type;
	uint32_t length;	/* payload bytes after the header */
	uint64_t token;
};

struct ho_setup {
	uint32_t uid, gid;
	uint32_t log_level;
	uint32_t index;		/* which of the input's workers: names it in the log */
	char input[IF_NAMESIZE];
};

/*
 * INGRESS: the worker's receive ring, in its first configuration only: it
 * maps the ring and closes the socket before it drops its privileges.
 * EGRESS: an output interface's packet socket, the worker's own, with a
 * transmit ring to map.  UDP: a connected UDP socket of a udp output.
 * Rules refer to egress and udp sockets by slot.
 */
enum ho_role { HO_ROLE_INGRESS = 1, HO_ROLE_EGRESS = 2, HO_ROLE_UDP = 3 };

struct ho_socket {
	uint32_t role;
	uint32_t slot;		/* egress index rules refer to */
	int32_t ifindex;
	uint32_t mtu;
	char ifname[IF_NAMESIZE];
	uint8_t mac[6];
	uint8_t pad[2];
	/* Ingress: the receive ring the supervisor set up on the socket. */
	uint32_t ring_block_size, ring_blocks, ring_timeout_ms;
	uint32_t ring_mode;		/* enum ring_mode: RING_FRAMES or RING_BLOCKS */
	uint32_t ring_frame_size;	/* frames mode: a slot's size; 0 for blocks */
	/* Egress: the transmit ring the supervisor set up on the socket. */
	uint32_t tx_frame_size, tx_block_size, tx_blocks, tx_frames;
	uint32_t pad2;
	uint64_t serial;	/* egress, udp: the same number is the same socket */
	/* UDP: where the socket is connected to (for the log and the byte counts). */
	uint16_t udp_family;		/* AF_INET or AF_INET6 */
	uint16_t udp_port;		/* host order */
	uint8_t udp_addr[16];		/* AF_INET: the first 4 bytes */
};

/* Pending: nothing to send with yet (slot unused); the worker keeps its counters. */
#define HO_OUT_PENDING 0x01

struct ho_output {
	uint32_t slot;
	uint8_t group[16];	/* struct addr; all zero: the packet's own (or a udp output) */
	uint16_t port;		/* network order, 0 keeps */
	uint8_t conf_index;	/* which output of the configured rule */
	uint8_t flags;		/* HO_OUT_* */
	uint16_t vlan;		/* VID of the 802.1Q tag to send with; 0: untagged */
	uint16_t pad2;
};

/* The kernel path relays the frames of this rule that it can handle (lib/kpath_abi.h). */
#define HO_RULE_KERNEL 0x01

struct ho_rule {
	char name[HANDOFF_NAME_MAX];
	uint8_t group[16], source[16];	/* struct addr; source all zero: any */
	uint16_t port;		/* network order, 0: any */
	uint8_t ttl_mode, ttl;
	uint16_t port_lo, port_hi;	/* host order: the range; 0, 0: any */
	uint8_t group_len, source_len;	/* prefix lengths in the family's bits */
	uint16_t vlan;		/* VID it is received on; 0: untagged */
	uint32_t n_outputs;	/* pending ones included */
	uint32_t flags;		/* HO_RULE_* */
	struct ho_output outputs[HANDOFF_MAX_OUTPUTS];
	uint8_t monitor;	/* enum monitor_mode: upstream loss watched */
	uint8_t pad3[3];
};

/*
 * kpath_generation: which of the worker's configurations the input's
 * kernel path (tc program) was built from, as far as the frames in the
 * worker's ring go: 0 none (the worker skips nothing), this COMMIT's
 * generation (it skips what its kernel-path rules' frames the program
 * handles), or an earlier one it adopted (a change of path under way:
 * it skips a frame only where both configurations give it to the kernel
 * path, as the program may run either).
 */
struct ho_commit {
	uint32_t generation;
	uint32_t n_rules;
	uint32_t n_sockets;
	uint32_t kpath_generation;
};

/*
 * The kernel path now runs the worker's configuration of this generation
 * (0: no program any more); sent once frames the previous program saw
 * have all reached the worker's ring.
 */
struct ho_kpath {
	uint32_t generation;
};

/* What confines a worker (HO_SANDBOX_*), as it reports it in its ACKs. */
#define HO_SANDBOX_SECCOMP 0x01
#define HO_SANDBOX_CHROOT 0x02	/* an empty, removed directory as its root */
#define HO_SANDBOX_LANDLOCK 0x04

struct ho_ack {
	uint32_t generation;
	uint32_t n_rules;
	uint32_t n_sockets;
	int32_t pid;
	uint32_t sandbox;	/* HO_SANDBOX_* */
	uint32_t landlock_abi;	/* with HO_SANDBOX_LANDLOCK */
};

struct ho_worker_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t no_match, malformed, not_udp, fragments, ttl_expired;
	uint64_t send_errors, too_big, egress_full;
	uint64_t vlan;		/* dropped: a tag whose VLAN has no rules, or QinQ */
	uint64_t ipv6_ext;
	uint64_t kernel_path;	/* left to the kernel path, which relays them */
	uint32_t n_rules;	/* entries in this message */
	uint32_t first_rule;	/* index of the first of them */
	uint32_t total_rules;	/* in the worker, across messages */
	uint32_t pad;
};

/* Rates are over the worker's last one-second interval. */
struct ho_output_stats {
	uint64_t packets, bytes, send_errors, too_big, egress_full;
	double pps, bps;
	uint32_t conf_index, pad;
};

struct ho_rule_stats {
	char name[HANDOFF_NAME_MAX];
	uint64_t packets_in, bytes_in, ttl_expired;
	uint64_t last_packet_ns;	/* CLOCK_MONOTONIC, 0: none yet */
	double pps, bps;
	uint32_t n_outputs, pad;
	struct ho_output_stats outputs[HANDOFF_MAX_OUTPUTS];
	struct monitor_counts monitor;	/* all zero unless the rule is monitored */
};

/*
 * The metrics process (src/metrics/) talks over a channel of its own with
 * the same framing: SETUP once at its start and again when the listening
 * socket or the log level changes (a process that has dropped its
 * privileges keeps its identity), then a REQ from it, answered by DATA
 * pieces of one document, offset after offset up to total, before it may
 * send the next REQ.
 */
#define HO_METRICS_DOC_MAX (32u << 20)

struct ho_metrics_setup {
	uint32_t uid, gid;
	uint32_t log_level;
	uint32_t pad;
	char listen[64];	/* "127.0.0.1:9234": for the log and ps(1) */
};

struct ho_metrics_data {
	uint32_t total;		/* bytes of the document, at most HO_METRICS_DOC_MAX */
	uint32_t offset;	/* where the bytes after this header go */
	uint32_t status;	/* 0; or the HTTP status that the document could not be made */
	uint32_t pad;
};

enum handoff_error {
	HO_OK = 0,
	HO_ETRUNC,	/* shorter than its header or its stated length */
	HO_EVERSION,
	HO_ETOKEN,
	HO_ETYPE,
	HO_ESIZE,	/* payload size wrong for the type */
	HO_EFDS,	/* wrong number of file descriptors for the type */
	HO_EVALUE,	/* a field out of range */
};

enum handoff_sender { HO_FROM_SUPERVISOR = 1, HO_FROM_WORKER, HO_FROM_METRICS };

/* What a message type is: its payload is size bytes, then elements of elem_size. */
struct handoff_msg_desc {
	const char *name;
	size_t size;
	size_t elem_size;	/* 0: a fixed size */
	unsigned nfds;
	enum handoff_sender sender;
};

/* NULL for an unknown type. */
const struct handoff_msg_desc *handoff_describe(unsigned type);
const char *handoff_strerror(enum handoff_error e);
const char *handoff_type_name(unsigned type);
unsigned handoff_fd_count(unsigned type);
bool handoff_sent_by(unsigned type, enum handoff_sender sender);

/* Returns the message length, or 0 if it does not fit in cap. */
size_t handoff_encode(void *buf, size_t cap, enum handoff_type type,
		      uint64_t token, const void *payload, size_t len);

/* Checks a received message; on success *payload points inside buf. */
enum handoff_error handoff_decode(const void *buf, size_t n, uint64_t token,
				  unsigned nfds, struct ho_header *hdr,
				  const void **payload);

#endif
