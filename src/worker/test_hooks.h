#ifndef MCRELAY_TEST_HOOKS_H
#define MCRELAY_TEST_HOOKS_H

#include <stdbool.h>

/*
 * Test builds only (configure --enable-test-hooks; never for production):
 * SIGUSR2 makes a worker do, from inside its sandbox, what a worker taken
 * over by a hostile packet would, so that tests/integration/hostile.sh and
 * sandbox.sh can check from outside that it gains nothing.  The signal's
 * value (sigqueue(3), "kill -s USR2 -q VALUE") chooses the attack: its low
 * byte one of enum test_attack, the rest an interface index for those that
 * name one.  SIGUSR1 makes it leave STATS_REQ unanswered from then on, and
 * forward on (tests/integration/status_silent.sh).  Without test hooks
 * these do nothing.
 */
enum test_attack {
	TEST_ATTACK_SOCKET = 0,		/* open a packet socket */
	TEST_ATTACK_RX_RING,		/* a 512 MiB receive ring on an egress socket */
	TEST_ATTACK_SENDTO_IFINDEX,	/* a frame to the interface named, by sendto */
	TEST_ATTACK_SENDMSG_IFINDEX,	/* the same by sendmsg */
	TEST_ATTACK_SENDMMSG_IFINDEX,	/* the same by sendmmsg */
	TEST_ATTACK_UDP_ELSEWHERE,	/* a udp output's datagram to 127.0.0.1:9999 */
	TEST_ATTACK_STAT,		/* stat /etc/shadow */
	TEST_ATTACK_OPEN,		/* open /etc/passwd */
	TEST_ATTACK_WRITE_EGRESS,	/* write(2) a frame on its own egress socket */
	TEST_ATTACK_MAX
};

void test_hooks_install(void);
/* Whether SIGUSR1 asked for silence. */
bool test_hooks_stats_silent(void);
/* The sockets the attacks use: the first egress socket and the first udp one (-1: none). */
void test_hooks_targets(int egress_fd, int udp_fd);

#endif
