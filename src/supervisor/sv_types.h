#ifndef MCRELAY_SV_TYPES_H
#define MCRELAY_SV_TYPES_H

/*
 * The supervisor's state, as its files share it: types only, no function.
 * Each sv_*.c has a header of its own with what it offers, and calls go one
 * way: from supervisor.c (the event handlers) down to the parts; what a
 * part must report up goes through struct sv_events.
 * tests/structure/deps.sh checks that their includes have no cycle.
 */

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "common/channel.h"
#include "lib/conf.h"
#include "lib/kpath_plan.h"
#include "lib/stats_set.h"
#include "lib/txring.h"
#include "supervisor/psock.h"

struct control;
struct event;
struct kpath;
struct kpath_counters;
struct kpath_slot_counters;
struct event_base;
struct netwatch;
struct supervisor;
struct sv_metrics;

/*
 * What a sync decides for an input or a worker, once, before it acts (as
 * bgpd's merge_config does for its peers).
 */
enum reconf_action {
	RECONF_NONE,	/* nothing to do: not wanted and not running, or waiting to restart */
	RECONF_KEEP,	/* runs as it should: only a changed configuration is sent */
	RECONF_START,	/* should run and does not: started (and sent its configuration) */
	RECONF_REINIT,	/* runs on another interface or ring: replaced by a new process */
	RECONF_STOP,	/* runs and should not (its interface is absent or down): stopped */
	RECONF_DELETE,	/* no longer configured: stopped if it runs, then freed */
};

/* An output interface's egress socket of one worker, with its transmit ring. */
struct sv_egress {
	struct iface_info info;
	struct txring_params tx;
	int fd;
	uint64_t serial;	/* which socket this is: a new one is sent to the worker */
};

/*
 * A udp output's connected UDP socket, shared by every rule and worker
 * that sends to the same destination with the same options.  fd -1:
 * pending, e.g. no route or no such source address yet; it is tried
 * again at every sync (interface, address and route events, reloads).
 */
struct sv_udp {
	struct conf_udp dest;
	int fd;
	uint64_t serial;	/* which socket this is: a new one is sent to the workers */
	int last_error;		/* of the last failed attempt: logged once */
};

/*
 * Where an input's kernel path stands (sv_kpath.c).  A new plan is put in
 * the program only once every worker of the input has adopted the
 * configuration that announces it, which leaves to the kernel only what
 * both the old and the new plan give it; once the program runs the new
 * plan and the frames the old one saw have reached the workers, they are
 * told, and leave to the kernel what the new plan gives it.  So no frame
 * is relayed by neither path; one whose rule changes path may be relayed
 * by both for as long as that takes (milliseconds).
 */
enum svk_phase {
	SVK_SETTLED,	/* the program runs the plan the workers know */
	SVK_WAITING,	/* a new plan, for the workers to adopt first */
	SVK_SETTLING,	/* the program runs it; the workers hear of it after a delay */
};

/* An input's counter slot, by rule name: counts go on across reloads. */
struct svk_slot {
	char name[CONF_NAME_MAX];
	uint32_t slot;
};

/* A rule's kernel counters and rates, as last read. */
struct svk_sample {
	uint64_t packets, bytes;
	uint64_t out_packets[KPATH_MAX_OUTPUTS], out_bytes[KPATH_MAX_OUTPUTS];
	double pps, bps, out_pps[KPATH_MAX_OUTPUTS], out_bps[KPATH_MAX_OUTPUTS];
};

struct sv_kpath {
	struct kpath *prog;		/* attached at the input's ingress; NULL: none */
	int ifindex;			/* where prog is */
	struct kpath_counters *counters;	/* kept across programs */
	struct kpath_plan plan;		/* the plan for the configuration and interfaces now */
	const struct kpath_plan_rule **rule_plan;	/* by configuration rule: its entry, or NULL */
	uint64_t wanted, loaded;	/* digests of plan and of what prog runs (0: nothing) */
	enum svk_phase phase;
	struct event *ev_settle;
	char failed[160];		/* the kernel refused the plan: the packet path until
					   the configuration or the interfaces change */
	uint64_t failed_for;		/* the digest that failed */
	struct svk_slot *slots;		/* sorted by name */
	size_t n_slots;
	uint32_t *free_slots, n_free, next_slot;
	struct addr *wanted_groups;	/* groups whose frames the plan's program all relays */
	size_t n_wanted_groups;
	bool wanted_all[2];		/* IPv4, IPv6: no packet-path rule of the family */
	struct addr *loaded_groups;	/* the same of what the program runs */
	size_t n_loaded_groups;
	bool loaded_all[2];
	uint32_t *loaded_slots;		/* slots the program counts into */
	size_t n_loaded_slots;
	struct kpath_slot_counters *read;	/* by slot, at the last read */
	struct svk_sample *samples;	/* by slot */
	uint32_t n_read;
	struct timespec read_at, sampled_at;
};

/*
 * An input interface: what its workers share.  The group memberships are
 * the input's, so that one of its workers restarting leaves no group while
 * the others forward; the groups, sorted, are what every one of its
 * ingress sockets' filters passes.
 */
struct sv_input {
	struct supervisor *sv;
	char name[IF_NAMESIZE];
	struct iface_info info;		/* the interface the memberships are on */
	struct membership_set joins;
	uint32_t joins_generation;	/* configuration the joins are for; 0: none */
	struct addr *groups;
	uint16_t *vids;			/* the VLANs its rules choose, sorted */
	struct addr *kernel_groups;	/* of groups, those only the kernel path relays */
	size_t n_kernel_groups;
	struct bpf_match match;		/* what the filter passes: the three above */
	uint64_t filter_digest;		/* of the filter for these groups */
	unsigned n_workers;		/* how many should run (workers = N | auto) */
	bool wanted;			/* configured, present and up */
	struct sv_kpath kp;
};

/* Where a worker's configuration stands: what was sent, what it adopted (sv_progress.c). */
struct sv_progress {
	uint32_t sent;		/* the generation of the last COMMIT sent */
	uint32_t stands_for;	/* the configuration that COMMIT stands for (a later one
				   that changed nothing for this worker) */
	uint32_t adopted;	/* the configuration it runs; 0: none yet */
	bool in_flight;		/* a COMMIT not acknowledged yet */
	size_t max_rules;	/* most rules sent to this process: bounds its counters */
};

/*
 * One worker process of an input (index 0 to n_workers - 1), and what the
 * supervisor holds for it: its own ingress socket and ring, in the input's
 * fanout group when the input has several workers, and its egress sockets.
 */
struct sv_worker {
	struct supervisor *sv;
	struct sv_input *in;
	unsigned index;
	char input[IF_NAMESIZE];
	char name[IF_NAMESIZE + 12];	/* "eth0" for worker 0, "eth0/1" for the next */
	enum reconf_action action;	/* what the last sync decided for it */
	bool wanted;		/* its input is wanted and has this many workers */
	bool replace;		/* exiting to be replaced at once (RECONF_REINIT), not restarted */

	/* Sockets (sv_ingress.c, sv_egress.c). */
	struct iface_info info;		/* the interface ingress_fd is bound to */
	int ingress_fd;			/* the supervisor's: the worker maps its ring */
	bool ingress_sent;		/* to this process, in its first configuration */
	int fanout_id;			/* the PACKET_FANOUT group of ingress_fd; -1: none */
	uint64_t filter_digest;		/* of the filter on ingress_fd */
	struct ring_params ring;	/* what ingress_fd's ring was set up with */
	uint64_t ring_drops;		/* frames its ring had no room for, all sockets */
	struct sv_egress *egress;	/* its own egress sockets, by output interface */
	size_t n_egress;

	/* The process and its channel (sv_worker.c). */
	pid_t pid;
	int chan;
	uint64_t token;
	struct channel_out out;	/* messages its channel could not take yet */
	struct event *ev_chan, *ev_chan_out, *ev_respawn, *ev_ack, *ev_stats;
	unsigned restarts;
	unsigned backoff_ms;
	bool respawning;	/* its next start follows a failure: keeps the back-off */
	struct timespec started;
	uint32_t sandbox, landlock_abi;	/* as its last ACK says (HO_SANDBOX_*) */

	/* Its configuration (sv_config.c, sv_progress.c). */
	uint64_t config_digest;		/* of the last configuration sent */
	uint32_t kpath_generation;	/* what it was told the kernel path runs (handoff.h) */
	struct sv_progress progress;

	/* Its counters (sv_stats.c). */
	bool stats_pending;	/* a STATS_REQ without a complete answer yet */
	bool stats_silent;	/* missed SVW_STATS_TIMEOUT_MS: not waited for until it answers */
	struct stats_set stats;	/* the last complete counters */
	struct timespec stats_taken;	/* when they came */
};

/*
 * What the parts report up, to the event handlers of supervisor.c, which
 * sets these: a part never calls into the file that calls it.
 */
struct sv_events {
	/* A worker adopted a configuration, or a sync found every one up to date. */
	void (*adopted)(struct supervisor *sv);
	/* A worker's counters came, or its wait for them ended. */
	void (*counted)(struct supervisor *sv);
	/* A worker exited, or its restart is due: the next sync acts on it. */
	void (*changed)(struct supervisor *sv);
	/* An input's kernel path settled: its filter and held-back configurations, now. */
	void (*settled)(struct supervisor *sv);
};

struct supervisor {
	struct conf conf;
	uid_t uid;
	gid_t gid;
	gid_t control_gid;	/* the control socket's group, as at start-up */
	struct event_base *base;
	struct sv_events events;
	struct sv_worker **workers;	/* of every input */
	size_t n_workers;
	struct sv_input **inputs;
	size_t n_inputs;
	struct sv_udp *udp;
	size_t n_udp;
	uint32_t generation;
	bool ready, stopping;
	bool hold_spawn;	/* start-up: open sockets but start no worker yet */
	const char *pidfile;
	bool pidfile_written;
	struct timespec started;
	struct event *ev_kill, *ev_sync;
	struct event *ev_signals[4];
	size_t n_signals;
	struct control *control;
	struct netwatch *netwatch;
	struct sv_metrics *metrics;	/* the metrics process (sv_metrics.c); NULL: none */
	uint64_t reloads_ok, reloads_failed;	/* counted by sv_reload.c */
	struct timespec loaded_at;	/* CLOCK_REALTIME: the running configuration's load */
	/* What this kernel offers the kernel path, as probed at start-up (sv_kpath.c). */
	int kpath_attach;		/* enum kpath_attach; 0: none */
	char kpath_unavailable[160];	/* why not, when none */
};

/* Whether rule r is received on w's input. */
static inline bool sv_rule_on(const struct sv_worker *w, const struct conf_rule *r)
{
	return strcmp(r->input, w->input) == 0;
}

/* A digest of what was sent, to send nothing when nothing changed. */
static inline uint64_t sv_fnv1a(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#endif
