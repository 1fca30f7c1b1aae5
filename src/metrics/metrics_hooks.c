#include "config.h"

#include "metrics/metrics_hooks.h"

#include "common/log.h"

#ifdef MCRELAY_TEST_HOOKS
#include "common/channel.h"
#include "common/worker_env.h"
#include "lib/handoff.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void metrics_hooks_signals(sigset_t *set)
{
	sigaddset(set, SIGUSR2);
}

static void send_req(uint64_t token, int fd)
{
	_Alignas(8) char buf[sizeof(struct ho_header)];
	size_t n = handoff_encode(buf, sizeof(buf), HO_METRICS_REQ, token, NULL, 0);

	if (channel_send(WORKER_CHANNEL_FD, buf, n, fd) < 0)
		log_warn("test hook: send");
}

void metrics_hooks_attack(uint64_t token, int32_t value)
{
	static _Alignas(8) char buf[HANDOFF_MAX_MSG + 4096];
	size_t n;
	int fd;

	log_notice("test hook: attack %d", (int)value);
	switch ((enum metrics_attack)value) {
	case METRICS_ATTACK_GARBAGE:
		memset(buf, 0x5a, 40);
		if (channel_send(WORKER_CHANNEL_FD, buf, 40, -1) < 0)
			log_warn("test hook: send");
		break;
	case METRICS_ATTACK_TOKEN:
		send_req(token ^ 1, -1);
		break;
	case METRICS_ATTACK_TYPE: {
		struct ho_worker_stats ws = { 0 };

		n = handoff_encode(buf, sizeof(buf), HO_STATS, token, &ws, sizeof(ws));
		if (channel_send(WORKER_CHANNEL_FD, buf, n, -1) < 0)
			log_warn("test hook: send");
		break;
	}
	case METRICS_ATTACK_AGAIN:
		/*
		 * The first may be answered before the second is read, which then
		 * asks again after its answer, as it may; the third comes while
		 * the second waits out SVM_PACE_MS.
		 */
		for (int i = 0; i < 3; i++)
			send_req(token, -1);
		break;
	case METRICS_ATTACK_FD:
		send_req(token, STDERR_FILENO);
		break;
	case METRICS_ATTACK_HUGE:
		memset(buf, 0, sizeof(buf));
		n = handoff_encode(buf, sizeof(buf), HO_METRICS_REQ, token, NULL, 0);
		if (channel_send(WORKER_CHANNEL_FD, buf, sizeof(buf), -1) < 0)
			log_warn("test hook: send");
		break;
	case METRICS_ATTACK_OPEN:
		fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
		log_warnx("test hook: open /etc/passwd: %d (%s)", fd, strerror(errno));
		break;
	case METRICS_ATTACK_SOCKET:
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		log_warnx("test hook: socket: %d (%s)", fd, strerror(errno));
		break;
	case METRICS_ATTACK_MAX:
		break;
	}
}
#else
void metrics_hooks_signals(sigset_t *set)
{
	(void)set;
}

void metrics_hooks_attack(uint64_t token, int32_t value)
{
	(void)token;
	log_warnx("SIGUSR2 with value %d: no test hooks in this build", (int)value);
}
#endif
