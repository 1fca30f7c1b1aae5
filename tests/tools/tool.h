/*
 * tool.h: what the test tools (mcsend, mcrecv, udprecv) share.  The
 * including file defines die().
 */
#ifndef MCR_TOOL_H
#define MCR_TOOL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static inline int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* The number s of option -opt, in min..max, or die saying what is wrong. */
static inline unsigned long
parse_ulong(const char *s, unsigned long min, unsigned long max, char opt)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v < min || v > max)
		die("-%c: '%s' is not a number in %lu..%lu", opt, s, min, max);
	return v;
}

/*
 * FNV-1a (64 bits) of a datagram, its length (4 bytes, big-endian) first,
 * folded into h (start with TOOL_DIGEST_INIT): what mcsend sent and what
 * mcrecv -X received compare equal only if every payload came unchanged
 * and in order.
 */
#define TOOL_DIGEST_INIT 0xcbf29ce484222325ull

static inline uint64_t
tool_digest(uint64_t h, const uint8_t *p, size_t len)
{
	uint8_t l[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
	    (uint8_t)len };

	for (size_t i = 0; i < 4; i++)
		h = (h ^ l[i]) * 0x100000001b3ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Writes our pid to path whole (a temporary file renamed): "ready". */
static inline void
write_readyfile(const char *path)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		die("-R: path too long");
	f = fopen(tmp, "w");
	if (f == NULL)
		die("%s: %s", tmp, strerror(errno));
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		die("%s: %s", path, strerror(errno));
}

#endif
