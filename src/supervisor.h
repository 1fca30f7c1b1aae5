#ifndef MCRELAY_SUPERVISOR_H
#define MCRELAY_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "psock.h"

struct event;
struct event_base;
struct supervisor;

/* An output interface's egress socket, shared by every worker that sends there. */
struct sv_egress {
	struct iface_info info;
	int fd;
	bool used;
};

/* One worker per input interface, and what the supervisor holds for it. */
struct sv_worker {
	struct supervisor *sv;
	char input[IF_NAMESIZE];
	struct iface_info info;
	int ingress_fd;
	struct membership_set joins;
	pid_t pid;
	int chan;
	uint64_t token;
	struct event *ev_chan, *ev_respawn;
	uint32_t acked_generation;
	unsigned restarts;
	unsigned backoff_ms;
	struct timespec started;
	bool removed;
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
	const char *pidfile;
	bool pidfile_written;
	struct event *ev_kill;
	struct event *ev_signals[4];
	size_t n_signals;
};

int supervisor_main(const char *conf_path, bool foreground, const char *pidfile);

/* sv_worker.c */
struct sv_worker *svw_new(struct supervisor *sv, const char *input);
void svw_free(struct sv_worker *w);
int svw_open_sockets(struct sv_worker *w);
int svw_start(struct sv_worker *w);
int svw_send_config(struct sv_worker *w);
void svw_stop(struct sv_worker *w);
void svw_exited(struct sv_worker *w, int status);

/* supervisor.c */
struct sv_egress *sv_egress_get(struct supervisor *sv, const char *ifname);
void sv_worker_acked(struct supervisor *sv, struct sv_worker *w);

#endif
