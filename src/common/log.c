#include "config.h"

#include "common/log.h"

#include "lib/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char log_procname[48] = "mcrelay";
static bool log_stderr = true;
static enum log_level log_level = LOG_LEVEL_INFO;
/* The syslog socket: ours rather than syslog(3)'s, so that a sandboxed worker needs only send(2). */
static int log_fd = -1;
static pid_t log_pid;
static bool log_fixed;	/* no reconnecting: the process can no longer open sockets */
static bool log_quick_exit;	/* fatal errors end the process with _exit(2) */

static const int level_syslog[] = {
	LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG,
};

static void syslog_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };

	if (log_fd >= 0 || log_fixed)
		return;
	log_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (log_fd >= 0 && connect(log_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(log_fd);
		log_fd = -1;
	}
}

void log_init(const char *procname, bool to_stderr, enum log_level level)
{
	snprintf(log_procname, sizeof(log_procname), "%s", procname);
	log_stderr = to_stderr;
	log_level = level;
	log_pid = getpid();
	if (!to_stderr)
		syslog_connect();
}

void log_keep_connection(void)
{
	log_fixed = true;
	log_quick_exit = true;
}

static void __attribute__((noreturn)) end(int code)
{
	if (!log_quick_exit)
		exit(code);
	fflush(stderr);
	_exit(code);
}

/*
 * One line to the log daemon, as syslog(3) would send it.  A daemon that
 * went away is connected to again, unless log_keep_connection said not to;
 * the line is lost then, as it would be without a log daemon.
 */
static void syslog_send(int pri, const char *line)
{
	char buf[2560], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	n = snprintf(buf, sizeof(buf), "<%d>%s mcrelay[%d]: %s", LOG_DAEMON | pri, stamp,
		     (int)log_pid, line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (int attempt = 0; attempt < 2; attempt++) {
		syslog_connect();
		if (log_fd < 0 || send(log_fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
			return;
		if (errno != ECONNREFUSED && errno != ENOTCONN && errno != EPIPE)
			return;
		if (log_fixed)
			return;
		close(log_fd);
		log_fd = -1;
	}
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

bool log_to_stderr(void)
{
	return log_stderr;
}

static void log_vwrite(enum log_level level, const char *errstr,
		       const char *fmt, va_list ap)
{
	char raw[1024], msg[2048];

	if (level > log_level)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* Names and values from outside may hold control characters: never to a terminal. */
	str_escaped(msg, sizeof(msg), raw, true);
	if (log_stderr) {
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s: %s%s%s%s\n", stamp,
			ts.tv_nsec / 1000000, log_procname,
			level <= LOG_LEVEL_WARNING ? log_level_name(level) : "",
			level <= LOG_LEVEL_WARNING ? ": " : "", msg,
			errstr ? errstr : "");
		fflush(stderr);
	} else {
		char line[sizeof(msg) + sizeof(log_procname) + 160];

		snprintf(line, sizeof(line), "%s: %s%s", log_procname, msg, errstr ? errstr : "");
		syslog_send(level_syslog[level], line);
	}
}

#define LOG_BODY(level, errstr)                    \
	do {                                       \
		va_list ap;                        \
		va_start(ap, fmt);                 \
		log_vwrite(level, errstr, fmt, ap); \
		va_end(ap);                        \
	} while (0)

void log_warn(const char *fmt, ...)
{
	char errstr[128];

	snprintf(errstr, sizeof(errstr), ": %s", strerror(errno));
	LOG_BODY(LOG_LEVEL_WARNING, errstr);
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARNING, NULL);
}

void log_notice(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_NOTICE, NULL);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_INFO, NULL);
}

void log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_DEBUG, NULL);
}

void fatal(int code, const char *fmt, ...)
{
	char errstr[128];

	snprintf(errstr, sizeof(errstr), ": %s", strerror(errno));
	LOG_BODY(LOG_LEVEL_ERROR, errstr);
	end(code);
}

void fatalx(int code, const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERROR, NULL);
	end(code);
}
