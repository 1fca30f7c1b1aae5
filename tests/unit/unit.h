/*
 * A very small unit test harness, shared by the programs in tests/unit.
 *
 * CHECK(cond, fmt, ...) counts a check and, when cond is false, prints
 * "FILE:LINE: check failed: MESSAGE" and remembers the failure, but lets
 * the test go on so that one run shows every failure.  CHECK is an
 * expression whose value is the truth of cond, so a test can stop using a
 * result that is already known to be wrong:
 *
 *	if (!CHECK(n >= 0, "recv: %s", strerror(errno)))
 *		return;
 *
 * main() ends with "return unit_summary("test_foo");", which prints
 * "test_foo: N checks, M failed" and returns the exit status Automake's
 * test driver expects: 0 if nothing failed (and something was checked),
 * 1 otherwise.  unit_seed() seeds the random cases (UNIT_SEED replays one),
 * unit_deadline() turns a hang into a failure.
 */
#ifndef MCRELAY_UNIT_H
#define MCRELAY_UNIT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/addr.h"

/* A loop over thousands of random cases should not print thousands of lines. */
#define UNIT_MAX_REPORTED 50

struct unit_state {
	unsigned long checks, failed;
};

static inline struct unit_state *unit_state(void)
{
	static struct unit_state state;

	return &state;
}

static inline __attribute__((format(printf, 4, 5))) bool
unit_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	struct unit_state *s = unit_state();
	va_list ap;

	s->checks++;
	if (ok)
		return true;
	if (++s->failed <= UNIT_MAX_REPORTED) {
		printf("%s:%d: check failed: ", file, line);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
	} else if (s->failed == UNIT_MAX_REPORTED + 1) {
		printf("(further failures are counted but not shown)\n");
	}
	fflush(stdout);
	return false;
}

#define CHECK(cond, ...) unit_check((cond) != 0, __FILE__, __LINE__, __VA_ARGS__)

static inline int unit_summary(const char *name)
{
	struct unit_state *s = unit_state();

	printf("%s: %lu checks, %lu failed\n", name, s->checks, s->failed);
	return s->failed || s->checks == 0 ? 1 : 0;
}

/*
 * The seed for the random cases: UNIT_SEED from the environment if set
 * (to replay a failure), else a fixed one.  Printed so that a log shows it.
 */
static inline uint64_t unit_seed(uint64_t fixed)
{
	const char *env = getenv("UNIT_SEED");
	uint64_t seed = env && *env ? strtoull(env, NULL, 0) : fixed;

	if (seed == 0)
		seed = fixed;	/* xorshift never leaves 0 */
	printf("seed %#llx (set UNIT_SEED to change it)\n", (unsigned long long)seed);
	return seed;
}

/* A test that hangs is killed by SIGALRM, and so fails, instead of blocking CI. */
static inline void unit_deadline(unsigned seconds)
{
	alarm(seconds);
}

/* xorshift64*: a seeded generator, so a failing case can be replayed. */
static inline uint64_t unit_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* A number in [0, n), n > 0; the tiny modulo bias does not matter here. */
static inline uint32_t unit_rand_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)((unit_rand(state) >> 32) % n);
}

/* An IPv4 address as a struct addr (::ffff:a.b.c.d), from its four octets. */
static inline struct addr unit_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct addr x = { .b = { [10] = 0xff, [11] = 0xff, [12] = a, [13] = b, [14] = c, [15] = d } };

	return x;
}

/* The same from a host-order 32-bit value. */
static inline struct addr unit_v4h(uint32_t host)
{
	return unit_v4((uint8_t)(host >> 24), (uint8_t)(host >> 16), (uint8_t)(host >> 8),
		       (uint8_t)host);
}

/* An IPv6 address from its text, by inet_pton (not addr_parse); a typo aborts. */
static inline struct addr unit_v6(const char *s)
{
	struct addr x;

	if (inet_pton(AF_INET6, s, x.b) != 1) {
		printf("unit_v6: bad address '%s' in the test\n", s);
		abort();
	}
	return x;
}

/* An address as text for messages, by inet_ntop; four calls may share a line. */
static inline const char *unit_addr_str(const struct addr *a)
{
	static char bufs[4][INET6_ADDRSTRLEN];
	static unsigned next;
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	char *buf = bufs[next++ % 4];

	if (memcmp(a->b, mapped, 12) == 0)
		inet_ntop(AF_INET, a->b + 12, buf, INET6_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, a->b, buf, INET6_ADDRSTRLEN);
	return buf;
}

#endif
