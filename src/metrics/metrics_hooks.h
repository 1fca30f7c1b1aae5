#ifndef MCRELAY_METRICS_HOOKS_H
#define MCRELAY_METRICS_HOOKS_H

#include <signal.h>
#include <stdint.h>

/*
 * Test builds only (configure --enable-test-hooks; never for production):
 * SIGUSR2 makes the metrics process do, from inside its sandbox, what one
 * taken over by a hostile client would, so that
 * tests/integration/metrics_sandbox.sh can check from outside that the
 * supervisor ends it, logs why, starts it again, and is not hurt.  The
 * signal's value (sigqueue(3)) chooses the attack.  Without test hooks
 * SIGUSR2 is not even read.
 */
enum metrics_attack {
	METRICS_ATTACK_GARBAGE = 0,	/* bytes that are no message */
	METRICS_ATTACK_TOKEN,		/* a METRICS_REQ with a wrong token */
	METRICS_ATTACK_TYPE,		/* a message it may not send (STATS) */
	METRICS_ATTACK_AGAIN,		/* three METRICS_REQ at once (the 2nd waits out the pace) */
	METRICS_ATTACK_FD,		/* a METRICS_REQ with a descriptor attached */
	METRICS_ATTACK_HUGE,		/* a message larger than any the supervisor reads */
	METRICS_ATTACK_OPEN,		/* open /etc/passwd */
	METRICS_ATTACK_SOCKET,		/* a new TCP socket */
	METRICS_ATTACK_MAX
};

/* Adds SIGUSR2 to the signals read from the signalfd, in test builds. */
void metrics_hooks_signals(sigset_t *set);
/* Carries out attack value (enum metrics_attack) on the channel whose token is token. */
void metrics_hooks_attack(uint64_t token, int32_t value);

#endif
