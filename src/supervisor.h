#ifndef MCRELAY_SUPERVISOR_H
#define MCRELAY_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "diag.h"
#include "handoff.h"
#include "psock.h"

struct control;
struct event;
struct event_base;
struct netwatch;
struct supervisor;

/* An output interface's egress socket, shared by every worker that sends there. */
struct sv_egress {
	struct iface_info info;
	int fd;
};

/* The last complete set of counters a worker reported. */
struct sv_stats {
	struct ho_worker_stats worker;
	struct ho_rule_stats *rules;
	size_t n_rules;
	struct ho_rule_stats *partial;	/* being assembled from several messages */
	size_t n_partial;
	bool valid;
};

/* One worker per input interface, and what the supervisor holds for it. */
struct sv_worker {
	struct supervisor *sv;
	char input[IF_NAMESIZE];
	struct iface_info info;
	int ingress_fd;
	struct ring_params ring;	/* what ingress_fd's ring was set up with */
	struct membership_set joins;
	uint32_t sockets_generation;	/* configuration the joins and filter are for */
	pid_t pid;
	int chan;
	uint64_t token;
	struct event *ev_chan, *ev_respawn;
	uint32_t acked_generation;
	uint64_t config_digest;		/* of the last configuration sent */
	unsigned restarts;
	unsigned backoff_ms;
	struct timespec started;
	bool wanted;		/* its input is configured, present and up */
	bool replace;		/* restart at once when it exits (new ifindex) */
	unsigned stats_pending;	/* STATS_REQ without a complete answer yet */
	struct sv_stats stats;
};

struct supervisor {
	struct conf conf;
	uid_t uid;
	gid_t gid;
	struct event_base *base;
	struct sv_worker **workers;
	size_t n_workers;
	struct sv_egress *egress;
	size_t n_egress;
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

int supervisor_main(const char *conf_path, bool foreground, const char *pidfile);

/* supervisor.c: what the control socket asks for */
int sv_reload(struct supervisor *sv, struct diag *d);
bool sv_config_acked(const struct supervisor *sv);
void sv_request_stats(struct supervisor *sv);
bool sv_stats_complete(const struct supervisor *sv);
void sv_check_acked(struct supervisor *sv);
void sv_worker_stats_done(struct supervisor *sv);
struct sv_worker *sv_find_worker(const struct supervisor *sv, const char *input);

/* sv_sync.c: brings workers and sockets in line with the configuration and the interfaces */
void sv_sync(struct supervisor *sv);
void sv_schedule_sync(struct supervisor *sv);
struct sv_egress *sv_egress_find(const struct supervisor *sv, const char *ifname);
void sv_egress_close_all(struct supervisor *sv);

/* sv_worker.c: one worker's life */
struct sv_worker *svw_new(struct supervisor *sv, const char *input);
void svw_free(struct sv_worker *w);
int svw_open_sockets(struct sv_worker *w);
void svw_close_sockets(struct sv_worker *w);
int svw_start(struct sv_worker *w);
int svw_send_config(struct sv_worker *w, bool force);
void svw_stop(struct sv_worker *w);
void svw_exited(struct sv_worker *w, int status);
int svw_request_stats(struct sv_worker *w);

#endif
