#include "config.h"

#include "lib/conf.h"
#include "supervisor/conf_host.h"
#include "ctl_client.h"
#include "supervisor/daemon.h"
#include "lib/diag.h"
#include "lib/watch_view.h"
#include "worker/sandbox.h"
#include "supervisor/supervisor.h"
#include "supervisor/sv_kpath.h"
#include "worker/worker.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONF SYSCONFDIR "/mcrelay.conf"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: mcrelay [-c FILE] [-s SOCKET] COMMAND [OPTIONS]\n"
		"\n"
		"Relays IPv4 and IPv6 multicast UDP between interfaces, rewriting group, port and TTL.\n"
		"\n"
		"global options:\n"
		"  -c, --config FILE  configuration file (default %s)\n"
		"  -s, --socket PATH  control socket (default: control-socket from the\n"
		"                     configuration file, else %s)\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"commands:\n"
		"  supervisor [-f] [-p PIDFILE] [-t SECONDS]  run the daemon\n"
		"  check                         validate the configuration, print the rules\n"
		"  status [--json]               show rules, counters, rates and workers\n"
		"  status --watch [SECONDS]      the same, redrawn every SECONDS (default 2)\n"
		"  reload                        reload the configuration, print the result\n"
		"  version                       show the version\n"
		"  help                          show this help\n"
		"  worker                        internal: started by the supervisor only\n",
		DEFAULT_CONF, CONF_DEFAULT_CONTROL_SOCKET);
}

static void usage_supervisor(FILE *fp)
{
	fprintf(fp,
		"usage: mcrelay [-c FILE] supervisor [-f] [-p PIDFILE] [-t SECONDS]\n"
		"  -f, --foreground       stay in the foreground and log to stderr\n"
		"  -p, --pidfile PIDFILE  lock PIDFILE, write the process id once ready\n"
		"  -t, --ready-timeout SECONDS\n"
		"                         without -f: stop the daemon and fail if it is\n"
		"                         not ready in time (default %d, 0: no limit)\n"
		"  -h, --help             show this help\n", DAEMON_READY_TIMEOUT_S);
}

static void usage_check(FILE *fp)
{
	fprintf(fp,
		"usage: mcrelay [-c FILE] check\n"
		"  Parses and validates the configuration and prints the resolved rules.\n"
		"  Interfaces, a user or a control group absent on this host are warnings\n"
		"  only.\n"
		"  -h, --help  show this help\n");
}

static void usage_status(FILE *fp)
{
	fprintf(fp,
		"usage: mcrelay [-c FILE] [-s SOCKET] status [--json | --watch [SECONDS]]\n"
		"  -j, --json             one JSON document instead of a table\n"
		"  -w, --watch [SECONDS]  the table again every SECONDS (0.1 to 3600,\n"
		"                         default 2) until interrupted: in place on a\n"
		"                         terminal (q or Ctrl-C to quit), else each one\n"
		"                         after a line with the time\n"
		"  -h, --help             show this help\n");
}

static void usage_reload(FILE *fp)
{
	fprintf(fp,
		"usage: mcrelay [-c FILE] [-s SOCKET] reload\n"
		"  Asks the daemon to reload its configuration and prints the result.\n"
		"  -h, --help  show this help\n");
}

/* -s, else the configuration file's control-socket (even if the file has errors). */
static void socket_path(const char *conf_path, const char *opt, char *out, size_t len)
{
	struct conf c;
	struct diag d = { 0 };

	if (opt != NULL) {
		snprintf(out, len, "%s", opt);
		return;
	}
	conf_load(conf_path, &c, &d);
	snprintf(out, len, "%s", c.control_socket[0] ? c.control_socket
						     : CONF_DEFAULT_CONTROL_SOCKET);
	conf_free(&c);
	diag_free(&d);
}

/*
 * --watch's SECONDS: --watch=S, -wS, or the operand after --watch.  Returns
 * 0, or EX_USAGE having said what is wrong.
 */
static int watch_interval(const char *arg, unsigned *ms)
{
	char err[160];

	if (arg == NULL) {
		*ms = WATCH_INTERVAL_DEFAULT_MS;
		return 0;
	}
	if (watch_parse_interval(arg, ms, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "mcrelay: status: bad --watch interval: %s\n", err);
	return EX_USAGE;
}

static int cmd_client(const char *conf_path, const char *sock, bool status,
		      int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", optional_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	void (*usage_fn)(FILE *) = status ? usage_status : usage_reload;
	bool json = false, watch = false;
	const char *seconds = NULL;
	unsigned interval_ms = 0;
	char path[256];
	int ch;

	for (;;) {
		ch = getopt_long(argc, argv, status ? "+jw::h" : "+h", opts, NULL);
		if (ch == -1 && watch && seconds == NULL && optind < argc &&
		    argv[optind][0] != '-') {
			seconds = argv[optind++];	/* --watch SECONDS; options may follow */
			continue;
		}
		if (ch == -1)
			break;
		if (ch == 'h') {
			usage_fn(stdout);
			return EX_OK;
		}
		if (ch == 'j' && status) {
			json = true;
			continue;
		}
		if (ch == 'w' && status) {
			watch = true;
			seconds = optarg;
			continue;
		}
		usage_fn(stderr);
		return EX_USAGE;
	}
	if (optind != argc) {
		fprintf(stderr, "mcrelay: unexpected argument '%s'\n", argv[optind]);
		usage_fn(stderr);
		return EX_USAGE;
	}
	if (watch && json) {
		fprintf(stderr, "mcrelay: status: --watch shows the table; it cannot be used "
			"with --json\n");
		return EX_USAGE;
	}
	if (watch && watch_interval(seconds, &interval_ms) != 0)
		return EX_USAGE;
	socket_path(conf_path, sock, path, sizeof(path));
	if (watch)
		return ctl_watch(path, interval_ms);
	return ctl_request(path, status ? (json ? "status json" : "status") : "reload");
}

static int cmd_version(void)
{
	printf("mcrelay %s\n", PACKAGE_VERSION);
#ifdef HAVE_KERNEL_PATH
	const char *kernel_path = "kernel-path";
#else
	const char *kernel_path = "";
#endif
	if (sandbox_features()[0] != '\0' || kernel_path[0])
		printf("features: %s%s%s\n", sandbox_features(),
		       sandbox_features()[0] && kernel_path[0] ? " " : "", kernel_path);
	return EX_OK;
}

static int cmd_check(const char *path, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct conf c;
	struct diag d = { 0 };
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (ch == 'h') {
			usage_check(stdout);
			return EX_OK;
		}
		usage_check(stderr);
		return EX_USAGE;
	}
	if (optind != argc) {
		fprintf(stderr, "mcrelay: check: unexpected argument '%s'\n", argv[optind]);
		usage_check(stderr);
		return EX_USAGE;
	}
	rc = conf_load(path, &c, &d);
	if (rc == 0) {
		conf_check_accounts(&c, &d);
		conf_check_interfaces(&c, &d, false);
	}
	/* The paths are worked out on what loaded, printed once it is known to be valid. */
	char *paths = NULL;
	size_t paths_len = 0;
	FILE *pf = rc == 0 ? open_memstream(&paths, &paths_len) : NULL;

	if (pf != NULL) {
		svk_report(&c, geteuid() == 0, &d, pf);
		fclose(pf);
	}
	diag_print(&d, stderr);
	if (d.errors) {
		fprintf(stderr, "%s: %zu error(s)\n", path, d.errors);
		rc = rc == -2 ? EX_NOINPUT : EX_CONFIG;
	} else {
		conf_print(&c, stdout);
		fputs(paths ? paths : "", stdout);
		printf("%s: configuration is valid (%zu rules)\n", path, c.n_rules);
		rc = EX_OK;
	}
	free(paths);
	diag_free(&d);
	conf_free(&c);
	return rc;
}

static int cmd_supervisor(const char *path, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "ready-timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool foreground = false;
	const char *pidfile = NULL;
	unsigned long timeout = DAEMON_READY_TIMEOUT_S;
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "+fp:t:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			foreground = true;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 't':
			errno = 0;
			timeout = strtoul(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-' ||
			    timeout > 86400) {
				fprintf(stderr, "mcrelay: supervisor: bad --ready-timeout '%s' "
					"(seconds, 0 to 86400)\n", optarg);
				return EX_USAGE;
			}
			break;
		case 'h':
			usage_supervisor(stdout);
			return EX_OK;
		default:
			usage_supervisor(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mcrelay: supervisor: unexpected argument '%s'\n",
			argv[optind]);
		usage_supervisor(stderr);
		return EX_USAGE;
	}
	return supervisor_main(path, foreground, pidfile, (unsigned)timeout);
}

/*
 * A worker ends past every exit handler, as a fatal error of its does
 * (log_keep_connection): those of libc and the sanitizers would need
 * system calls its sandbox does not allow.
 */
static void __attribute__((noreturn)) run_worker(void)
{
	int rc = worker_main();

	fflush(stderr);
	_exit(rc);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONF, *sock = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "+c:s:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'V':
			return cmd_version();
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	const char *cmd = argv[optind];
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;

	optind = 1;
	if (strcmp(cmd, "supervisor") == 0)
		return cmd_supervisor(path, sub_argc, sub_argv);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(path, sub_argc, sub_argv);
	if (strcmp(cmd, "status") == 0)
		return cmd_client(path, sock, true, sub_argc, sub_argv);
	if (strcmp(cmd, "reload") == 0)
		return cmd_client(path, sock, false, sub_argc, sub_argv);
	if (strcmp(cmd, "worker") == 0) {
		if (sub_argc == 2 && (strcmp(sub_argv[1], "-h") == 0 ||
				      strcmp(sub_argv[1], "--help") == 0)) {
			printf("usage: mcrelay worker [NAME]\n"
			       "  Internal: started by the supervisor only, refuses to run otherwise.\n"
			       "  NAME (its input, e.g. eth0 or eth0/1) is for ps(1) only.\n");
			return EX_OK;
		}
		if (sub_argc > 2) {
			fprintf(stderr, "mcrelay: worker takes at most one argument\n");
			return EX_USAGE;
		}
		run_worker();
	}
	if (strcmp(cmd, "version") == 0)
		return cmd_version();
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return EX_OK;
	}
	fprintf(stderr, "mcrelay: unknown command '%s'\n", cmd);
	usage(stderr);
	return EX_USAGE;
}
