#include "config.h"

#include "supervisor/supervisor.h"

#include "common/log.h"
#include "common/privdrop.h"
#include "supervisor/control.h"
#include "supervisor/daemon.h"
#include "supervisor/netwatch.h"
#include "supervisor/notify.h"
#include "supervisor/sv_control.h"
#include "supervisor/sv_input.h"
#include "supervisor/sv_kpath.h"
#include "supervisor/sv_progress.h"
#include "supervisor/sv_reload.h"
#include "supervisor/sv_stats.h"
#include "supervisor/sv_sync.h"
#include "supervisor/sv_types.h"
#include "supervisor/sv_udp.h"
#include "supervisor/sv_worker.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

/*
 * The daemon's event handlers: signals, interface events, the control
 * socket (through sv_control.c) and what the workers report (struct
 * sv_events).  Everything they do is done by the parts below them.
 */

#define STOP_GRACE_S 2

static size_t count_workers(const struct supervisor *sv, bool running)
{
	size_t n = 0;

	for (size_t i = 0; i < sv->n_workers; i++)
		if (running ? sv->workers[i]->pid > 0 : sv->workers[i]->wanted)
			n++;
	return n;
}

static void update_notify_status(struct supervisor *sv)
{
	notify_status("%zu rules, %zu workers running, configuration %u",
		      sv->conf.n_rules, count_workers(sv, true), sv->generation);
}

/* A worker adopted the configuration, or nothing needed sending: readiness, waiting reloads. */
static void on_adopted(struct supervisor *sv)
{
	svk_advance(sv);
	if (sv->hold_spawn || !svp_all_adopted(sv) || !svk_all_settled(sv))
		return;
	if (sv->control)
		control_config_acked(sv->control);
	update_notify_status(sv);
	if (sv->ready)
		return;
	sv->ready = true;
	if (sv->pidfile) {
		if (pidfile_write() < 0)
			log_warn("cannot write the pidfile %s", sv->pidfile);
		else
			sv->pidfile_written = true;
	}
	log_notice("ready, %zu workers forwarding", count_workers(sv, false));
	notify_ready();
	daemon_ready();
}

/* A worker's counters came, or the wait for them ended. */
static void on_counted(struct supervisor *sv)
{
	if (sv->control && svs_complete(sv))
		control_stats_ready(sv->control);
}

/* A worker exited or is due to restart. */
static void on_changed(struct supervisor *sv)
{
	sv_schedule_sync(sv);
}

/* A kernel path settled: the filters and what was held back follow at once. */
static void on_settled(struct supervisor *sv)
{
	sv_sync(sv);
}

static void maybe_finish(struct supervisor *sv)
{
	if (sv->stopping && count_workers(sv, true) == 0)
		event_base_loopexit(sv->base, NULL);
}

static void on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct supervisor *sv = arg;
	pid_t pid;
	int status;

	(void)sig;
	(void)what;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct sv_worker *w = svw_find_pid(sv, pid);

		if (w != NULL)
			svw_exited(w, status);
	}
	if (!sv->stopping)
		sv_sync(sv);	/* frees workers of removed inputs */
	update_notify_status(sv);
	maybe_finish(sv);
}

static void on_kill_timer(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *sv = arg;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < sv->n_workers; i++) {
		if (sv->workers[i]->pid > 0) {
			log_warnx("worker[%s] did not exit, killing it", sv->workers[i]->name);
			kill(sv->workers[i]->pid, SIGKILL);
		}
	}
}

static void on_sigterm(evutil_socket_t sig, short what, void *arg)
{
	struct supervisor *sv = arg;
	struct timeval grace = { .tv_sec = STOP_GRACE_S };

	(void)what;
	if (sv->stopping)
		return;
	log_info("%s received, stopping", strsignal((int)sig));
	notify_stopping();
	sv->stopping = true;
	for (size_t i = 0; i < sv->n_workers; i++)
		svw_stop(sv->workers[i]);
	sv->ev_kill = evtimer_new(sv->base, on_kill_timer, sv);
	if (sv->ev_kill == NULL || evtimer_add(sv->ev_kill, &grace) < 0)
		on_kill_timer(-1, 0, sv);
	maybe_finish(sv);
}

static void on_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct supervisor *sv = arg;
	struct diag d = { 0 };

	(void)sig;
	(void)what;
	sv_reload(sv, &d);
	diag_free(&d);
}

static void add_signal(struct supervisor *sv, int sig, event_callback_fn cb)
{
	struct event *ev = evsignal_new(sv->base, sig, cb, sv);

	if (ev == NULL || event_add(ev, NULL) < 0)
		fatalx(EX_OSERR, "cannot watch signal %d", sig);
	sv->ev_signals[sv->n_signals++] = ev;
}

static void shutdown_all(struct supervisor *sv)
{
	for (size_t i = 0; i < sv->n_workers; i++)
		svw_free(sv->workers[i]);
	free(sv->workers);
	for (size_t i = 0; i < sv->n_inputs; i++)
		svi_free(sv->inputs[i]);
	free(sv->inputs);
	sv_udp_close_all(sv);
	if (sv->control)
		control_close(sv->control);
	if (sv->netwatch)
		netwatch_close(sv->netwatch);
	if (sv->ev_kill)
		event_free(sv->ev_kill);
	if (sv->ev_sync)
		event_free(sv->ev_sync);
	for (size_t i = 0; i < sv->n_signals; i++)
		event_free(sv->ev_signals[i]);
	pidfile_remove();
	conf_free(&sv->conf);
}

/* Memberships, egress sockets and control clients all take descriptors. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("cannot raise the descriptor limit");
	}
}

static void on_link_change(void *arg)
{
	sv_schedule_sync(arg);
}

int supervisor_main(const char *conf_path, bool foreground, const char *pidfile,
		    unsigned ready_timeout_s)
{
	struct supervisor sv = {
		.pidfile = pidfile,
		.events = { .adopted = on_adopted, .counted = on_counted, .changed = on_changed,
			    .settled = on_settled },
	};
	struct sv_accounts a = { 0 };
	struct diag d = { 0 };
	char err[256];

	log_init("supervisor", true, LOG_LEVEL_INFO);
	int rc = sv_load_config(conf_path, &sv.conf, &a, &d);

	diag_print(&d, stderr);
	if (rc != 0) {
		fprintf(stderr, "mcrelay: %s: %zu error(s), not starting\n", conf_path,
			d.errors);
		diag_free(&d);
		conf_free(&sv.conf);
		return rc;
	}
	/* Root still: what this kernel offers the kernel path decides what datapath = kernel may. */
	svk_probe(&sv);
	svk_check_conf(&sv, &sv.conf, &d);
	if (d.errors) {
		diag_print(&d, stderr);
		fprintf(stderr, "mcrelay: %s: %zu error(s), not starting\n", conf_path, d.errors);
		diag_free(&d);
		conf_free(&sv.conf);
		return EX_CONFIG;
	}
	diag_free(&d);
	sv.uid = a.uid;
	sv.gid = a.gid;
	sv.control_gid = a.control_gid;
	if (!privdrop_can_open_packet_socket()) {
		fprintf(stderr, "mcrelay: cannot open AF_PACKET sockets: %s "
			"(the supervisor needs root or CAP_NET_RAW)\n", strerror(errno));
		conf_free(&sv.conf);
		return EX_NOPERM;
	}
	/* Before detaching: a second daemon is refused, visibly, before it touches anything. */
	if (pidfile && (rc = pidfile_open(pidfile, err, sizeof(err))) != 0) {
		fprintf(stderr, "mcrelay: %s\n", err);
		conf_free(&sv.conf);
		return rc;
	}
	if (!foreground && daemon_detach(ready_timeout_s) < 0) {
		fprintf(stderr, "mcrelay: cannot detach: %s\n", strerror(errno));
		return EX_OSERR;
	}
	log_init("supervisor", foreground, sv.conf.log_level);
	raise_fd_limit();
	clock_gettime(CLOCK_MONOTONIC, &sv.started);
	signal(SIGPIPE, SIG_IGN);
	sv.base = event_base_new();
	if (sv.base == NULL)
		fatalx(EX_OSERR, "cannot create the event loop");
	add_signal(&sv, SIGTERM, on_sigterm);
	add_signal(&sv, SIGINT, on_sigterm);
	add_signal(&sv, SIGHUP, on_sighup);
	add_signal(&sv, SIGCHLD, on_sigchld);

	/* Interface events first, so that nothing between them and the first sync is missed. */
	sv.netwatch = netwatch_open(sv.base, on_link_change, &sv);
	if (sv.netwatch == NULL)
		fatal(EX_OSERR, "cannot watch interface events (rtnetlink)");
	sv.control = sv_control_open(&sv, err, sizeof(err));
	if (sv.control == NULL)
		fatalx(EX_UNAVAILABLE, "control socket %s: %s", sv.conf.control_socket, err);
	sv.generation = 1;
	sv.hold_spawn = true;
	sv_sync(&sv);
	sv.hold_spawn = false;
	if (privdrop_supervisor(svk_possible(&sv), err, sizeof(err)) < 0)
		fatalx(EX_NOPERM, "%s", err);
	sv_sync(&sv);
	event_base_dispatch(sv.base);
	shutdown_all(&sv);
	event_base_free(sv.base);
	log_info("stopped");
	return EX_OK;
}
