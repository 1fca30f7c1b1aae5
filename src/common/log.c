#include "config.h"

#include "common/log.h"

#include "lib/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static char log_procname[48] = "mcrelay";
static bool log_stderr = true;
static enum log_level log_level = LOG_LEVEL_INFO;

static const int level_syslog[] = {
	LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG,
};

void log_init(const char *procname, bool to_stderr, enum log_level level)
{
	snprintf(log_procname, sizeof(log_procname), "%s", procname);
	log_stderr = to_stderr;
	log_level = level;
	if (!to_stderr)
		openlog("mcrelay", LOG_PID | LOG_NDELAY, LOG_DAEMON);
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
		syslog(level_syslog[level], "%s: %s%s", log_procname, msg,
		       errstr ? errstr : "");
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
	exit(code);
}

void fatalx(int code, const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERROR, NULL);
	exit(code);
}
