#include "config.h"

#include "supervisor.h"

#include "daemon.h"
#include "log.h"
#include "privdrop.h"

#include <errno.h>
#include <event2/event.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#define STOP_GRACE_S 2

struct sv_egress *sv_egress_get(struct supervisor *sv, const char *ifname)
{
	for (size_t i = 0; i < sv->n_egress; i++) {
		if (strcmp(sv->egress[i].info.name, ifname) == 0) {
			sv->egress[i].used = true;
			return &sv->egress[i];
		}
	}
	struct sv_egress e = { .fd = -1, .used = true };

	if (iface_lookup(ifname, &e.info) < 0) {
		log_warn("output interface %s", ifname);
		return NULL;
	}
	e.fd = psock_open_egress(e.info.ifindex);
	if (e.fd < 0) {
		log_warn("cannot open the egress socket on %s", ifname);
		return NULL;
	}
	struct sv_egress *grown = realloc(sv->egress, (sv->n_egress + 1) * sizeof(*grown));

	if (grown == NULL)
		fatal(EX_OSERR, "realloc");
	sv->egress = grown;
	sv->egress[sv->n_egress] = e;
	return &sv->egress[sv->n_egress++];
}

/* Closes the egress sockets no worker is given any more; workers hold their own copies. */
static void egress_sweep(struct supervisor *sv)
{
	size_t k = 0;

	for (size_t i = 0; i < sv->n_egress; i++) {
		if (sv->egress[i].used)
			sv->egress[k++] = sv->egress[i];
		else
			close(sv->egress[i].fd);
	}
	sv->n_egress = k;
}

static void egress_mark_unused(struct supervisor *sv)
{
	for (size_t i = 0; i < sv->n_egress; i++)
		sv->egress[i].used = false;
}

static size_t running_workers(const struct supervisor *sv)
{
	size_t n = 0;

	for (size_t i = 0; i < sv->n_workers; i++)
		if (sv->workers[i]->pid > 0)
			n++;
	return n;
}

void sv_worker_acked(struct supervisor *sv, struct sv_worker *w)
{
	(void)w;
	if (sv->ready)
		return;
	for (size_t i = 0; i < sv->n_workers; i++)
		if (sv->workers[i]->acked_generation != sv->generation)
			return;
	sv->ready = true;
	if (sv->pidfile) {
		if (pidfile_write(sv->pidfile) < 0)
			log_warn("cannot write the pidfile %s", sv->pidfile);
		else
			sv->pidfile_written = true;
	}
	log_notice("ready, %zu workers forwarding", sv->n_workers);
	daemon_ready();
}

static struct sv_worker *find_worker(struct supervisor *sv, const char *input)
{
	for (size_t i = 0; i < sv->n_workers; i++)
		if (strcmp(sv->workers[i]->input, input) == 0)
			return sv->workers[i];
	return NULL;
}

static void add_worker(struct supervisor *sv, struct sv_worker *w)
{
	struct sv_worker **grown = realloc(sv->workers, (sv->n_workers + 1) * sizeof(*grown));

	if (grown == NULL)
		fatal(EX_OSERR, "realloc");
	sv->workers = grown;
	sv->workers[sv->n_workers++] = w;
}

/* Frees workers that were removed by a reload and have exited. */
static void reap_removed(struct supervisor *sv)
{
	size_t k = 0;

	for (size_t i = 0; i < sv->n_workers; i++) {
		struct sv_worker *w = sv->workers[i];

		if (w->removed && w->pid == 0)
			svw_free(w);
		else
			sv->workers[k++] = w;
	}
	sv->n_workers = k;
}

static void maybe_finish(struct supervisor *sv)
{
	if (sv->stopping && running_workers(sv) == 0)
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
		for (size_t i = 0; i < sv->n_workers; i++) {
			if (sv->workers[i]->pid == pid) {
				svw_exited(sv->workers[i], status);
				break;
			}
		}
	}
	reap_removed(sv);
	maybe_finish(sv);
}

static void on_kill_timer(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *sv = arg;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < sv->n_workers; i++) {
		if (sv->workers[i]->pid > 0) {
			log_warnx("worker[%s] did not exit, killing it", sv->workers[i]->input);
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
	sv->stopping = true;
	for (size_t i = 0; i < sv->n_workers; i++)
		svw_stop(sv->workers[i]);
	sv->ev_kill = evtimer_new(sv->base, on_kill_timer, sv);
	if (sv->ev_kill == NULL || evtimer_add(sv->ev_kill, &grace) < 0)
		on_kill_timer(-1, 0, sv);
	maybe_finish(sv);
}

static int resolve_user(const struct conf *c, uid_t *uid, gid_t *gid, struct diag *d)
{
	struct passwd *pw = getpwnam(c->user);

	if (pw == NULL) {
		diag_error(d, c->path, c->user_line, "user '%s' does not exist", c->user);
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		diag_error(d, c->path, c->user_line,
			   "user '%s' has uid or gid 0: workers never run as root", c->user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/*
 * Parses and checks a configuration completely; nothing running is touched.
 * Returns 0 or the sysexits(3) code that says what is wrong.
 */
static int load_config(const char *path, struct conf *c, uid_t *uid, gid_t *gid,
		       struct diag *d)
{
	int rc = conf_load(path, c, d);

	if (rc < 0)
		return rc == -2 ? EX_NOINPUT : EX_CONFIG;
	if (resolve_user(c, uid, gid, d) < 0)
		return EX_NOUSER;
	conf_check_interfaces(c, d, true);
	if (d->errors)
		return EX_UNAVAILABLE;
	return 0;
}

/*
 * Brings the workers in line with sv->conf: workers for inputs that stay get
 * the new rules over their channel (their ingress socket, and so the packets
 * queued on it, stay), new inputs get new workers, workers for inputs that
 * are gone are stopped.
 */
static int apply_config(struct supervisor *sv)
{
	int rc = 0;

	sv->generation++;
	egress_mark_unused(sv);
	for (size_t i = 0; i < sv->n_workers; i++) {
		struct sv_worker *w = sv->workers[i];
		bool wanted = false;

		for (size_t k = 0; k < sv->conf.n_rules; k++)
			if (strcmp(sv->conf.rules[k].input, w->input) == 0)
				wanted = true;
		if (!wanted && !w->removed) {
			w->removed = true;
			log_info("input %s is no longer used, stopping worker[%s]", w->input,
				 w->input);
			svw_stop(w);
		}
	}
	for (size_t k = 0; k < sv->conf.n_rules; k++) {
		const char *input = sv->conf.rules[k].input;
		struct sv_worker *w = find_worker(sv, input);

		if (w != NULL && w->removed) {
			/* Still exiting: it is restarted with the new rules once gone. */
			w->removed = false;
			continue;
		}
		if (w == NULL) {
			w = svw_new(sv, input);
			add_worker(sv, w);
			if (svw_open_sockets(w) < 0 || svw_start(w) < 0)
				rc = -1;
		} else if (w->pid > 0 && w->chan >= 0 &&
			   w->acked_generation != sv->generation) {
			if (svw_open_sockets(w) < 0 || svw_send_config(w) < 0)
				rc = -1;
		}
	}
	egress_sweep(sv);
	return rc;
}

static void on_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct supervisor *sv = arg;
	struct conf next;
	struct diag d = { 0 };
	uid_t uid;
	gid_t gid;

	(void)sig;
	(void)what;
	if (sv->stopping)
		return;
	log_info("reloading %s", sv->conf.path);
	if (load_config(sv->conf.path, &next, &uid, &gid, &d) != 0) {
		for (size_t i = 0; i < d.n; i++)
			log_warnx("%s", d.lines[i]);
		log_warnx("reload failed: keeping the running configuration");
		conf_free(&next);
		diag_free(&d);
		return;
	}
	for (size_t i = 0; i < d.n; i++)
		log_warnx("%s", d.lines[i]);
	diag_free(&d);
	conf_free(&sv->conf);
	sv->conf = next;
	sv->uid = uid;
	sv->gid = gid;
	log_set_level(sv->conf.log_level);
	if (apply_config(sv) < 0)
		log_warnx("reload applied with errors (see above)");
	else
		log_info("reload applied: configuration %u, %zu rules", sv->generation,
			 sv->conf.n_rules);
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
	for (size_t i = 0; i < sv->n_egress; i++)
		close(sv->egress[i].fd);
	free(sv->egress);
	if (sv->ev_kill)
		event_free(sv->ev_kill);
	for (size_t i = 0; i < sv->n_signals; i++)
		event_free(sv->ev_signals[i]);
	if (sv->pidfile_written)
		pidfile_remove(sv->pidfile);
	conf_free(&sv->conf);
}

int supervisor_main(const char *conf_path, bool foreground, const char *pidfile)
{
	struct supervisor sv = { .pidfile = pidfile };
	struct diag d = { 0 };
	char err[256];

	log_init("supervisor", true, LOG_LEVEL_INFO);
	int rc = load_config(conf_path, &sv.conf, &sv.uid, &sv.gid, &d);

	if (rc != 0) {
		diag_print(&d, stderr);
		fprintf(stderr, "mcrelay: %s: %zu error(s), not starting\n", conf_path,
			d.errors);
		diag_free(&d);
		conf_free(&sv.conf);
		return rc;
	}
	diag_print(&d, stderr);
	diag_free(&d);
	if (!privdrop_can_open_packet_socket()) {
		fprintf(stderr, "mcrelay: cannot open AF_PACKET sockets: %s "
			"(the supervisor needs root or CAP_NET_RAW)\n", strerror(errno));
		conf_free(&sv.conf);
		return EX_NOPERM;
	}
	if (!foreground && daemon_detach() < 0) {
		fprintf(stderr, "mcrelay: cannot detach: %s\n", strerror(errno));
		return EX_OSERR;
	}
	log_init("supervisor", foreground, sv.conf.log_level);
	signal(SIGPIPE, SIG_IGN);
	sv.base = event_base_new();
	if (sv.base == NULL)
		fatalx(EX_OSERR, "cannot create the event loop");
	add_signal(&sv, SIGTERM, on_sigterm);
	add_signal(&sv, SIGINT, on_sigterm);
	add_signal(&sv, SIGHUP, on_sighup);
	add_signal(&sv, SIGCHLD, on_sigchld);

	/* Every socket of the first configuration is opened before privileges go. */
	egress_mark_unused(&sv);
	for (size_t k = 0; k < sv.conf.n_rules; k++) {
		struct conf_rule *r = &sv.conf.rules[k];

		if (find_worker(&sv, r->input) == NULL) {
			struct sv_worker *w = svw_new(&sv, r->input);

			add_worker(&sv, w);
			if (svw_open_sockets(w) < 0)
				fatalx(EX_UNAVAILABLE, "cannot set up input %s", r->input);
		}
		for (size_t j = 0; j < r->n_outputs; j++)
			if (sv_egress_get(&sv, r->outputs[j].ifname) == NULL)
				fatalx(EX_UNAVAILABLE, "cannot set up output %s",
				       r->outputs[j].ifname);
	}
	if (privdrop_supervisor(err, sizeof(err)) < 0)
		fatalx(EX_NOPERM, "%s", err);
	sv.generation = 1;
	for (size_t i = 0; i < sv.n_workers; i++)
		if (svw_start(sv.workers[i]) < 0)
			fatalx(EX_OSERR, "cannot start worker[%s]", sv.workers[i]->input);
	if (sv.n_workers == 0)
		sv_worker_acked(&sv, NULL);
	event_base_dispatch(sv.base);
	shutdown_all(&sv);
	event_base_free(sv.base);
	log_info("stopped");
	return EX_OK;
}
