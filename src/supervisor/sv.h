#ifndef MCRELAY_SV_H
#define MCRELAY_SV_H

/*
 * The supervisor's private header: its state and the functions its files
 * share.  Only sv_*.c and supervisor.c include it; the rest of the program
 * sees supervisor.h.  The supervisor runs as root with a few capabilities.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "common/channel.h"
#include "lib/conf.h"
#include "lib/diag.h"
#include "lib/handoff.h"
#include "supervisor/psock.h"
#include "lib/stats_set.h"
#include "lib/strbuf.h"

struct control;
struct event;
struct event_base;
struct netwatch;
struct supervisor;

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
	struct bpf_match match;		/* what the filter passes: the two above */
	uint64_t filter_digest;		/* of the filter for these groups */
	unsigned n_workers;		/* how many should run (workers = N | auto) */
	bool wanted;			/* configured, present and up */
};

/*
 * One worker process of an input (index 0 to n_workers - 1), and what the
 * supervisor holds for it: its own ingress socket and ring, in the input's
 * fanout group when the input has several workers.
 */
struct sv_worker {
	struct supervisor *sv;
	struct sv_input *in;
	unsigned index;
	char input[IF_NAMESIZE];
	char name[IF_NAMESIZE + 12];	/* "eth0" for worker 0, "eth0/1" for the next */
	struct iface_info info;		/* the interface ingress_fd is bound to */
	int ingress_fd;			/* the supervisor's: the worker maps its ring */
	bool ingress_sent;		/* to this process, in its first configuration */
	int fanout_id;			/* the PACKET_FANOUT group of ingress_fd; -1: none */
	uint64_t filter_digest;		/* of the filter on ingress_fd */
	struct ring_params ring;	/* what ingress_fd's ring was set up with */
	uint64_t ring_drops;		/* frames its ring had no room for, all sockets */
	uint32_t sockets_generation;	/* configuration the filter is for */
	struct sv_egress *egress;	/* its own egress sockets, by output interface */
	size_t n_egress;
	uint32_t sandbox, landlock_abi;	/* as its last ACK says (HO_SANDBOX_*) */
	pid_t pid;
	int chan;
	uint64_t token;
	struct event *ev_chan, *ev_respawn;
	uint32_t acked_generation;
	uint64_t config_digest;		/* of the last configuration sent */
	unsigned restarts;
	unsigned backoff_ms;
	struct timespec started;
	bool wanted;		/* its input is wanted and has this many workers */
	bool replace;		/* restart at once when it exits (new ifindex) */
	bool stats_pending;	/* a STATS_REQ without a complete answer yet */
	bool stats_silent;	/* missed SVW_STATS_TIMEOUT_MS: not waited for until it answers */
	struct event *ev_stats;	/* that deadline */
	struct stats_set stats;	/* the last complete counters */
	struct timespec stats_taken;	/* when they came */
	size_t max_rules;	/* most rules sent to this process: bounds its stats */
	struct channel_out out;	/* messages its channel could not take yet */
	struct event *ev_chan_out, *ev_ack;
	uint32_t sent_generation;	/* in the last COMMIT sent */
	uint32_t config_generation;	/* the configuration that COMMIT stands for */
	bool ack_pending;	/* a COMMIT not acknowledged yet */
};

struct supervisor {
	struct conf conf;
	uid_t uid;
	gid_t gid;
	gid_t control_gid;	/* the control socket's group, as at start-up */
	struct event_base *base;
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
};

/* supervisor.c: the loop, signals, reload, readiness */
int sv_reload(struct supervisor *sv, struct diag *d);
bool sv_config_acked(const struct supervisor *sv);
bool sv_request_stats(struct supervisor *sv);
void sv_check_acked(struct supervisor *sv);
void sv_worker_stats_done(struct supervisor *sv);
struct sv_input *sv_find_input(const struct supervisor *sv, const char *input);

/* sv_control.c: the control socket's view of the supervisor */
struct control *sv_control_open(struct supervisor *sv, char *err, size_t errlen);

/* sv_sync.c: brings workers and sockets in line with the configuration and the interfaces */
void sv_sync(struct supervisor *sv);
void sv_schedule_sync(struct supervisor *sv);

/* sv_egress.c: a worker's egress socket per output interface that is up */
struct sv_egress *svw_egress_find(const struct sv_worker *w, const char *ifname);
void svw_egress_sync(struct sv_worker *w);
void svw_egress_close_all(struct sv_worker *w);

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

/* sv_udp.c: one UDP socket per udp output destination (and options) that can be reached */
const struct sv_udp *sv_udp_find(const struct supervisor *sv, const struct conf_udp *u);
void sv_udp_sync(struct supervisor *sv);
void sv_udp_close_all(struct supervisor *sv);

/* sv_input.c: an input's memberships and filter, shared by its workers */
struct sv_input *svi_new(struct supervisor *sv, const char *name);
void svi_free(struct sv_input *in);
int svi_update(struct sv_input *in);
void svi_close(struct sv_input *in);
bool svi_current(const struct sv_input *in, int ifindex);

/* sv_worker.c: one worker's life */
static inline bool sv_rule_on(const struct sv_worker *w, const struct conf_rule *r)
{
	return strcmp(r->input, w->input) == 0;
}

struct sv_worker *svw_new(struct sv_input *in, unsigned index);
void svw_free(struct sv_worker *w);
int svw_open_sockets(struct sv_worker *w);
void svw_close_sockets(struct sv_worker *w);
void svw_close_ingress(struct sv_worker *w);
int svw_start(struct sv_worker *w);
void svw_stop(struct sv_worker *w);
void svw_exited(struct sv_worker *w, int status);
int svw_request_stats(struct sv_worker *w);
void svw_expect_ack(struct sv_worker *w, uint32_t generation, size_t n_rules);

/* How long a worker may take to adopt a configuration before it is restarted. */
#define SVW_ACK_TIMEOUT_S 10
/*
 * How long a worker may take to answer STATS_REQ before status stops
 * waiting for it (and shows it as not answering) until it answers.
 */
#define SVW_STATS_TIMEOUT_MS 1000
int svw_send_msg(struct sv_worker *w, enum handoff_type type, const void *payload,
		 size_t len, int fd);

/* sv_config.c: the sending half of the configuration hand-off (worker_conf.c applies it) */
int sv_config_send(struct sv_worker *w, bool force);

/* sv_status.c: what "status" shows */
void sv_status_render(const struct supervisor *sv, bool json, struct strbuf *out);

#endif
