#include "config.h"

#include "worker/worker.h"

#include "common/channel.h"
#include "worker/forward.h"
#include "lib/handoff.h"
#include "lib/monitor.h"
#include "common/log.h"
#include "common/privdrop.h"
#include "common/ring_socket.h"
#include "common/worker_env.h"
#include "worker/sandbox.h"
#include "worker/test_hooks.h"
#include "lib/worker_conf.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

struct worker {
	uint64_t token;
	struct ho_setup setup;
	bool have_setup, dropped;
	struct worker_conf pending;
	struct ring ring;	/* the ingress socket's receive ring, mapped once */
	int ring_poll;		/* an epoll instance watching the ingress socket */
	struct egress *egress;	/* the egress sockets of the configuration in force */
	unsigned n_egress;
	struct fwd fwd;
	bool fwd_ready;
	/* The table the kernel path may still run, while it changes (forward.h). */
	struct rule_table kpath_prev;
	uint32_t kpath_prev_generation;	/* 0: none kept */
	uint32_t in_mtu;
	uint32_t sandbox, landlock_abi;	/* HO_SANDBOX_* in force */
	pid_t pid;
	uint32_t generation;
	struct event_base *base;
	struct event *ev_ingress, *ev_channel, *ev_channel_out, *ev_signal, *ev_rates;
	int signal_fd;		/* SIGTERM and SIGINT, read rather than handled */
	struct channel_out out;
	uint64_t rates_at_ns;
};

/* Drops a configuration that was not committed, with its descriptors. */
static void pending_clear(struct worker_conf *p)
{
	if (p->ingress_fd >= 0)
		close(p->ingress_fd);
	for (unsigned i = 0; i < p->n_egress; i++)
		if (p->egress[i].fd >= 0)
			close(p->egress[i].fd);
	worker_conf_free(p);
}

/* Queued while the channel is full (a large STATS answer), sent as it drains. */
static void send_msg(struct worker *w, enum handoff_type type, const void *payload,
		     size_t len)
{
	if (channel_out_send(&w->out, WORKER_CHANNEL_FD, type, w->token, payload, len,
			     -1) < 0)
		fatal(EX_OSERR, "cannot send %s to the supervisor", handoff_type_name(type));
	if (channel_out_pending(&w->out) && w->ev_channel_out != NULL &&
	    event_add(w->ev_channel_out, NULL) < 0)
		fatalx(EX_SOFTWARE, "cannot watch the channel");
}

static void on_channel_out(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	int rc = channel_out_flush(&w->out, WORKER_CHANNEL_FD);

	(void)fd;
	(void)what;
	if (rc < 0)
		fatal(EX_OSERR, "cannot write to the supervisor");
	if (rc == 1)
		event_del(w->ev_channel_out);
}

static void on_ingress(evutil_socket_t fd, short what, void *arg);

static void drop_privileges(struct worker *w)
{
	struct sandbox_report rep;
	char err[256];

	struct sched_param sp = { 0 };

	/* While still root: an empty root directory, gone once entered. */
	/* The event loop reads the channel without blocking from here on. */
	if (evutil_make_socket_nonblocking(WORKER_CHANNEL_FD) < 0)
		fatal(EX_OSERR, "cannot make the channel non-blocking");
	log_keep_connection();
	if (sandbox_chroot(err, sizeof(err)) < 0)
		fatalx(EX_NOPERM, "refusing to run: %s", err);
	if (privdrop_worker(w->setup.uid, w->setup.gid, err, sizeof(err)) < 0)
		fatalx(EX_NOPERM, "refusing to run: %s", err);
	/*
	 * A worker woken for a frame does not preempt the kernel thread that
	 * received it, when both share a CPU: the thread goes on with its
	 * batch, and the worker then takes the frames of the whole batch at
	 * once instead of one per wake-up.  Before the sandbox, which forbids it.
	 */
	if (sched_setscheduler(0, SCHED_BATCH, &sp) < 0)
		fatal(EX_OSERR, "cannot set SCHED_BATCH");
	if (sandbox_worker(&rep, w->signal_fd, err, sizeof(err)) < 0)
		fatalx(EX_NOPERM, "refusing to run: %s", err);
	w->sandbox = rep.flags;
	w->landlock_abi = rep.landlock_abi;
	w->dropped = true;
	log_info("running as uid %u gid %u, no capabilities, %s", w->setup.uid, w->setup.gid,
		 rep.summary);
}

/*
 * The first configuration brings the ingress socket: its ring is mapped
 * and watched through an epoll instance of the worker's own, and the
 * socket itself is closed, before any privilege is dropped.  The worker
 * then holds nothing it could send on through its input.
 */
static void take_ingress(struct worker *w)
{
	struct worker_conf *p = &w->pending;
	struct epoll_event ev = { .events = EPOLLIN };

	if (ring_map(&w->ring, p->ingress_fd, &p->ring) < 0)
		fatal(EX_OSERR, "cannot map the receive ring of %s", w->setup.input);
	if (p->ring.mode == RING_FRAMES)
		log_debug("receive ring: %u frames of %u bytes", w->ring.frames,
			  w->ring.frame_size);
	else
		log_debug("receive ring: %u blocks of %u bytes, handed over after %u ms at most",
			  p->ring.blocks, p->ring.block_size, p->ring.timeout_ms);
	w->ring_poll = epoll_create1(EPOLL_CLOEXEC);
	if (w->ring_poll < 0 || epoll_ctl(w->ring_poll, EPOLL_CTL_ADD, p->ingress_fd, &ev) < 0)
		fatal(EX_OSERR, "cannot watch the receive ring of %s", w->setup.input);
	close(p->ingress_fd);
	p->ingress_fd = -1;
	w->ev_ingress = event_new(w->base, w->ring_poll, EV_READ | EV_PERSIST, on_ingress, w);
	if (w->ev_ingress == NULL || event_add(w->ev_ingress, NULL) < 0)
		fatalx(EX_SOFTWARE, "cannot watch the receive ring");
}

static void set_attack_targets(const struct worker *w)
{
	int egress = -1, udp = -1;

	for (unsigned i = 0; i < w->n_egress; i++) {
		if (w->egress[i].udp && udp < 0)
			udp = w->egress[i].fd;
		else if (!w->egress[i].udp && egress < 0)
			egress = w->egress[i].fd;
	}
	test_hooks_targets(egress, udp);
}

static void close_egress(struct egress *e, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (e[i].fd >= 0)
			close(e[i].fd);
	free(e);
}

static void kpath_prev_free(struct worker *w)
{
	if (w->kpath_prev_generation)
		rule_table_free(&w->kpath_prev);
	w->kpath_prev_generation = 0;
}

/*
 * What the worker leaves to the kernel path with the table of generation
 * now (forward.h), kpath being the generation whose table the program
 * runs.  old is the table being replaced (generation w->generation), or
 * NULL; it is kept if the program still runs it, and freed otherwise.
 */
static enum fwd_kpath kpath_follow(struct worker *w, uint32_t now, uint32_t kpath,
				   struct rule_table *old)
{
	if (kpath != 0 && kpath != now && old != NULL && kpath == w->generation) {
		kpath_prev_free(w);
		w->kpath_prev = *old;
		w->kpath_prev_generation = kpath;
		return FWD_KPATH_BOTH;
	}
	if (old != NULL)
		rule_table_free(old);
	if (kpath != 0 && kpath != now && kpath == w->kpath_prev_generation)
		return FWD_KPATH_BOTH;
	kpath_prev_free(w);
	if (kpath != 0 && kpath != now)
		log_info("the kernel path runs configuration %u, which this worker does not know: it relays every frame until that changes",
			 kpath);
	return kpath == 0 ? FWD_KPATH_NONE : kpath == now ? FWD_KPATH_SETTLED : FWD_KPATH_NONE;
}

static void commit(struct worker *w, const struct ho_commit *c)
{
	struct worker_conf *p = &w->pending;
	struct rule_table table;
	struct fwd next;
	char err[160];
	uint64_t secret[2];

	if (worker_conf_complete(p, c, err, sizeof(err)) < 0)
		fatalx(EX_PROTOCOL, "%s", err);
	if (!w->fwd_ready) {
		w->in_mtu = p->ingress_mtu;
		take_ingress(w);
	}
	if (!w->dropped)
		drop_privileges(w);
	if (w->fwd_ready && worker_conf_carry_counters(p->rules, p->n_rules,
							&w->fwd.table) < 0)
		fatal(EX_OSERR, "cannot carry the counters over");
	/* Streams are placed by a secret, so that made-up sources cannot lengthen lookups. */
	if (getrandom(secret, sizeof(secret), 0) != sizeof(secret))
		fatal(EX_OSERR, "getrandom");
	if (worker_conf_new_monitors(p->rules, p->n_rules, secret) < 0)
		fatal(EX_OSERR, "cannot allocate the monitors");
	if (rule_table_init(&table, p->rules, p->n_rules) < 0)
		fatalx(EX_PROTOCOL, "two rules with the same match");
	if (fwd_init(&next, w->setup.input, &w->ring) < 0)
		fatal(EX_OSERR, "cannot allocate the fragment table");
	if (fwd_set_egress(&next, w->fwd_ready ? &w->fwd : NULL, p->egress, p->n_egress) < 0)
		fatal(EX_OSERR, "cannot map the transmit rings");
	next.table = table;
	next.in_mtu = w->in_mtu;
	next.kpath = kpath_follow(w, c->generation, c->kpath_generation,
				  w->fwd_ready ? &w->fwd.table : NULL);
	next.kpath_prev = &w->kpath_prev;
	if (w->fwd_ready) {
		next.stats = w->fwd.stats;
		fwd_free(&w->fwd);
		close_egress(w->egress, w->n_egress);
	}
	w->fwd = next;
	w->egress = p->egress;
	w->n_egress = p->n_egress;
	set_attack_targets(w);
	w->fwd_ready = true;
	w->generation = c->generation;
	/* Ownership moved to the forwarding state. */
	p->egress = NULL;
	p->n_egress = 0;
	p->rules = NULL;
	pending_clear(p);

	struct ho_ack ack = {
		.generation = c->generation,
		.n_rules = (uint32_t)w->fwd.table.n,
		.n_sockets = c->n_sockets,
		.pid = (int32_t)w->pid,
		.sandbox = w->sandbox,
		.landlock_abi = w->landlock_abi,
	};

	send_msg(w, HO_ACK, &ack, sizeof(ack));
	log_info("forwarding %zu rules to %u outputs (configuration %u)",
		 w->fwd.table.n, w->fwd.n_egress, c->generation);
}

/* The kernel path changed table: what it saw before is forwarded as it was, first. */
static void kpath_moved(struct worker *w, const struct ho_kpath *k)
{
	if (!w->fwd_ready)
		fatalx(EX_PROTOCOL, "KPATH before any configuration");
	fwd_drain(&w->fwd);
	w->fwd.kpath = kpath_follow(w, w->generation, k->generation, NULL);
	log_debug("the kernel path runs configuration %u", k->generation);
}

static void fill_rule_stats(struct ho_rule_stats *rs, const struct rule *r)
{
	snprintf(rs->name, sizeof(rs->name), "%s", r->name);
	rs->packets_in = r->packets_in;
	rs->bytes_in = r->bytes_in;
	rs->ttl_expired = r->ttl_expired;
	rs->last_packet_ns = r->last_packet_ns;
	rs->pps = r->pps;
	rs->bps = r->bps;
	rs->n_outputs = r->n_all;
	for (unsigned k = 0; k < r->n_all; k++) {
		rs->outputs[k].packets = r->out[k].packets;
		rs->outputs[k].bytes = r->out[k].bytes;
		rs->outputs[k].send_errors = r->out[k].send_errors;
		rs->outputs[k].too_big = r->out[k].too_big;
		rs->outputs[k].egress_full = r->out[k].egress_full;
		rs->outputs[k].pps = r->out[k].pps;
		rs->outputs[k].bps = r->out[k].bps;
		rs->outputs[k].conf_index = r->out[k].conf_index;
	}
	if (r->monitor != NULL)
		rs->monitor = *monitor_get_counts(r->monitor);
}

/* As many messages as the rules need; each says which rules it carries. */
static void send_stats(struct worker *w)
{
	_Alignas(8) char buf[HANDOFF_MAX_MSG - sizeof(struct ho_header)];
	struct ho_worker_stats *ws = (struct ho_worker_stats *)buf;
	struct ho_rule_stats *rs = (struct ho_rule_stats *)(ws + 1);
	const struct fwd_stats *s = &w->fwd.stats;
	size_t per_msg = (sizeof(buf) - sizeof(*ws)) / sizeof(*rs);
	size_t total = w->fwd.table.n, first = 0;

	do {
		size_t n = total - first < per_msg ? total - first : per_msg;

		memset(buf, 0, sizeof(*ws) + n * sizeof(*rs));
		*ws = (struct ho_worker_stats){
			.rx_packets = s->rx_packets, .rx_bytes = s->rx_bytes,
			.no_match = s->no_match, .malformed = s->malformed,
			.not_udp = s->not_udp, .fragments = s->fragments,
			.ttl_expired = s->ttl_expired, .vlan = s->vlan,
			.send_errors = s->send_errors,
			.too_big = s->too_big,
			.egress_full = s->egress_full,
			.ipv6_ext = s->ipv6_ext,
			.kernel_path = s->kernel_path,
			.n_rules = (uint32_t)n, .first_rule = (uint32_t)first,
			.total_rules = (uint32_t)total,
		};
		for (size_t i = 0; i < n; i++)
			fill_rule_stats(&rs[i], &w->fwd.table.rules[first + i]);
		send_msg(w, HO_STATS, buf, sizeof(*ws) + n * sizeof(*rs));
		first += n;
	} while (first < total);
}

static void log_totals(struct worker *w)
{
	const struct fwd_stats *s = &w->fwd.stats;

	if (!w->fwd_ready)
		return;
	log_info("received %" PRIu64 " frames: %" PRIu64 " no match, %" PRIu64
		 " malformed, %" PRIu64 " not UDP, %" PRIu64 " fragments, %" PRIu64
		 " VLAN not relayed, %" PRIu64 " TTL expired, %" PRIu64 " send errors, %" PRIu64
		 " too big, %" PRIu64 " output queue full, %" PRIu64
		 " IPv6 extension chains not walkable",
		 s->rx_packets, s->no_match, s->malformed, s->not_udp, s->fragments,
		 s->vlan, s->ttl_expired, s->send_errors, s->too_big, s->egress_full,
		 s->ipv6_ext);
}

/* Returns false at end of file. */
static bool handle_message(struct worker *w)
{
	static struct channel_msg m;	/* 64 KiB: off the stack */
	const void *payload;
	char err[160];
	int rc = channel_recv_msg(WORKER_CHANNEL_FD, w->token, &m);

	if (rc == 0)
		return false;
	if (rc == -1 && errno == EAGAIN)
		return true;
	if (rc == -1)
		fatal(EX_PROTOCOL, "bad message from the supervisor");
	if (rc == -2)
		fatalx(EX_PROTOCOL, "bad %s message from the supervisor: %s",
		       handoff_type_name(m.hdr.type), handoff_strerror(m.error));
	if (!handoff_sent_by(m.hdr.type, HO_FROM_SUPERVISOR))
		fatalx(EX_PROTOCOL, "unexpected %s message", handoff_type_name(m.hdr.type));
	payload = m.payload;
	switch (m.hdr.type) {
	case HO_SETUP:
		if (w->dropped) {
			/* Identity is fixed once dropped; a new user is for new workers. */
			const struct ho_setup *setup = payload;

			w->setup.log_level = setup->log_level;
			log_set_level((enum log_level)setup->log_level);
		} else {
			memcpy(&w->setup, payload, sizeof(w->setup));
		}
		w->have_setup = true;
		break;
	case HO_SOCKET:
		if (worker_conf_add_socket(&w->pending, payload, m.fds[0], err,
					   sizeof(err)) < 0) {
			close(m.fds[0]);
			fatalx(EX_PROTOCOL, "%s", err);
		}
		break;
	case HO_RULE:
		if (worker_conf_add_rule(&w->pending, payload, err, sizeof(err)) < 0)
			fatalx(EX_PROTOCOL, "%s", err);
		break;
	case HO_COMMIT:
		if (!w->have_setup)
			fatalx(EX_PROTOCOL, "COMMIT before SETUP");
		commit(w, payload);
		break;
	case HO_KPATH:
		kpath_moved(w, payload);
		break;
	case HO_STATS_REQ:
		if (test_hooks_stats_silent())
			break;
		send_stats(w);
		break;
	default:
		fatalx(EX_PROTOCOL, "unexpected %s message", handoff_type_name(m.hdr.type));
	}
	return true;
}

static void on_ingress(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	fwd_input(&w->fwd);
}

static void on_channel(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	if (!handle_message(w)) {
		log_info("supervisor closed the channel, exiting");
		event_base_loopbreak(w->base);
	}
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_rates(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	uint64_t now = monotonic_ns();

	(void)fd;
	(void)what;
	fwd_update_rates(&w->fwd, now - w->rates_at_ns);
	w->rates_at_ns = now;
}

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct signalfd_siginfo si;

	(void)what;
	if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	log_info("%s received, exiting", strsignal((int)si.ssi_signo));
	event_base_loopbreak(w->base);
}

/*
 * SIGTERM and SIGINT are read from a descriptor instead of running a
 * handler: a sandboxed worker needs no system call to return from one.
 */
static int open_signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void worker_free(struct worker *w)
{
	struct event *evs[] = { w->ev_ingress, w->ev_channel, w->ev_channel_out, w->ev_signal,
				w->ev_rates };

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	if (w->fwd_ready) {
		rule_table_free(&w->fwd.table);
		fwd_free(&w->fwd);
		close_egress(w->egress, w->n_egress);
	}
	kpath_prev_free(w);
	ring_unmap(&w->ring);
	if (w->ring_poll >= 0)
		close(w->ring_poll);
	close(w->signal_fd);
	pending_clear(&w->pending);
	channel_out_clear(&w->out);
	event_base_free(w->base);
}

int worker_main(void)
{
	struct worker w;
	const char *logmode = getenv(WORKER_ENV_LOG);
	char name[48];

	memset(&w, 0, sizeof(w));
	worker_conf_init(&w.pending);
	w.pending.first = true;
	w.ring_poll = -1;
	w.pid = getpid();
	/* The supervisor sets these up; a worker started any other way refuses to run. */
	if (worker_env_check(&w.token) < 0) {
		fprintf(stderr, "mcrelay: 'worker' is started by the supervisor only\n");
		return EX_USAGE;
	}
	/* Executed as /proc/self/exe, it would be "exe" in ps(1) and top(1). */
	prctl(PR_SET_NAME, "mcrelay-worker", 0, 0, 0);
	log_init("worker", logmode == NULL || strcmp(logmode, "syslog") != 0,
		 LOG_LEVEL_INFO);
	/*
	 * The event loop is set up now, while the worker may still install
	 * signal handlers; it runs once the first configuration is in.
	 */
	if ((w.base = event_base_new()) == NULL)
		fatalx(EX_OSERR, "cannot create the event loop");
	w.ev_channel = event_new(w.base, WORKER_CHANNEL_FD, EV_READ | EV_PERSIST,
				 on_channel, &w);
	w.ev_channel_out = event_new(w.base, WORKER_CHANNEL_FD, EV_WRITE | EV_PERSIST,
				     on_channel_out, &w);
	if ((w.signal_fd = open_signal_fd()) < 0)
		fatal(EX_OSERR, "cannot read signals from a descriptor");
	w.ev_signal = event_new(w.base, w.signal_fd, EV_READ | EV_PERSIST, on_signal, &w);
	w.ev_rates = event_new(w.base, -1, EV_PERSIST, on_rates, &w);
	struct timeval second = { .tv_sec = 1 };

	if (w.ev_channel == NULL || w.ev_channel_out == NULL || w.ev_signal == NULL ||
	    w.ev_rates == NULL || event_add(w.ev_channel, NULL) < 0 ||
	    event_add(w.ev_signal, NULL) < 0 || event_add(w.ev_rates, &second) < 0)
		fatalx(EX_OSERR, "cannot set up the event loop");
	/* Block until the first configuration is complete: nothing to serve before. */
	while (!w.fwd_ready) {
		if (w.have_setup) {
			/* Worker 0 of an input is "worker[eth0]", the next "worker[eth0/1]". */
			if (w.setup.index == 0)
				snprintf(name, sizeof(name), "worker[%s]", w.setup.input);
			else
				snprintf(name, sizeof(name), "worker[%s/%u]", w.setup.input,
					 w.setup.index);
			log_init(name, log_to_stderr(), (enum log_level)w.setup.log_level);
		}
		if (!handle_message(&w))
			fatalx(EX_PROTOCOL, "supervisor closed the channel during set-up");
	}
	w.rates_at_ns = monotonic_ns();
	event_base_dispatch(w.base);
	log_totals(&w);
	worker_free(&w);
	return EX_OK;
}
