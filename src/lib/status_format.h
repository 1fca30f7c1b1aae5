#ifndef MCRELAY_STATUS_FORMAT_H
#define MCRELAY_STATUS_FORMAT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/monitor_counts.h"
#include "lib/strbuf.h"

/* A snapshot of the daemon's state, rendered as a table or as JSON (no I/O). */

struct st_output {
	bool udp;		/* a udp output: dest, not interface, group and port */
	char dest[56];		/* "10.0.0.5:7000" or "[2001:db8::5]:7000" */
	char interface[16];
	char group[INET6_ADDRSTRLEN + 4];	/* a prefix rule's when it keeps the group */
	int port;		/* -1: the packet's own port (rule matches any) */
	unsigned vlan;		/* VID it is sent tagged with; 0: untagged */
	bool active;
	uint64_t packets, bytes, send_errors, too_big;
	uint64_t egress_full;	/* dropped: the device queue stayed full */
	double pps, bps;
};

struct st_rule {
	char name[64];
	char input[16];
	unsigned vlan;		/* VID it is received on; 0: untagged */
	char group[INET6_ADDRSTRLEN + 4];	/* with "/LEN" for a prefix */
	int port, port_last;	/* -1: any; a range, or twice the same port */
	char source[INET6_ADDRSTRLEN + 4];	/* "": any */
	bool active;
	uint64_t packets_in, bytes_in, ttl_expired;
	double pps, bps;
	double last_packet_age;	/* seconds; < 0: none yet */
	char path[8];		/* which path carries it: "kernel" or "packet" */
	char path_reason[96];	/* why not the kernel path; "": it is, or not asked */
	char monitor[8];	/* upstream loss watched: "off", "rtp" or "mpegts" */
	uint64_t upstream_lost;	/* packets missing before they reached us (monitor) */
	struct monitor_counts upstream;	/* what the monitor counted, summed */
	size_t n_outputs;
	struct st_output outputs[16];
};

struct st_worker {
	char input[16];
	unsigned index;		/* which of the input's workers, from 0 */
	int pid;		/* 0: not running */
	const char *state;	/* running, starting, restarting, pending */
	double uptime;
	unsigned restarts;
	bool answering;		/* false: no answer in time; its counters are older */
	double counters_age;	/* seconds since its counters were taken; < 0: none */
	uint64_t rx_packets, rx_bytes;
	uint64_t no_match, malformed, not_udp, fragments, ttl_expired, vlan;
	uint64_t send_errors, too_big, ring_drops, egress_full;
	uint64_t ipv6_ext;
	uint64_t kernel_path;	/* frames it saw and left to the kernel path */
	char sandbox[40];	/* what confines it: "seccomp,chroot,landlock:7"; "": not known yet */
};

/* An input's data path: its setting and where its kernel path stands. */
struct st_input {
	char name[16];
	const char *datapath;	/* as configured: "auto", "kernel", "packet" */
	const char *kernel;	/* "attached", "waiting" (for the workers), "settling", "none" */
	const char *attach;	/* "tcx", "cls_bpf"; NULL: none */
	uint32_t program_id;	/* the tc program's (bpftool prog show id N); 0: none */
	size_t rules, kernel_rules;
	char reason[160];	/* why no rule is on the kernel path, if none is */
	/* What its program did with the input's frames, over every program it had. */
	bool counted;		/* false: it never had one */
	uint64_t handled, not_handleable, no_rule, packet_path;
};

/*
 * An output interface the kernel path sends on: what its device dropped
 * (the tc program cannot see a full queue; the device counts it).
 */
struct st_iface {
	char name[16];
	uint64_t tx_dropped;
};

struct st_status {
	const char *version;
	const char *config;
	unsigned generation;
	int pid;
	double uptime;
	uint64_t reloads_ok, reloads_failed;	/* since start-up, SIGHUP and control socket */
	double last_load_time;	/* unix time of the last successful load (start-up or reload) */
	struct st_worker *workers;
	size_t n_workers;
	struct st_rule *rules;
	size_t n_rules;
	struct st_input *inputs;
	size_t n_inputs;
	struct st_iface *ifaces;
	size_t n_ifaces;
};

void status_format_json(const struct st_status *st, struct strbuf *out);
void status_format_text(const struct st_status *st, struct strbuf *out);

#endif
