#include "config.h"

#include "worker/test_hooks.h"

#ifdef MCRELAY_TEST_HOOKS
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static volatile int target_egress = -1, target_udp = -1;
static volatile sig_atomic_t stats_silent;

bool test_hooks_stats_silent(void)
{
	return stats_silent;
}

static void silence(int sig)
{
	(void)sig;
	stats_silent = 1;
}

void test_hooks_targets(int egress_fd, int udp_fd)
{
	target_egress = egress_fd;
	target_udp = udp_fd;
}

/* Async-signal-safe: write(2) only. */
static void say(const char *what, long rc)
{
	char line[160];
	size_t n = 0;
	const char *parts[] = { "test hook: ", what, rc < 0 ? ": failed: " : ": succeeded",
				rc < 0 ? strerror(errno) : "", "\n" };

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (const char *p = parts[i]; *p && n < sizeof(line) - 1; p++)
			line[n++] = *p;
	(void)!write(STDERR_FILENO, line, n);
}

/*
 * An IPv6 UDP datagram [::1]:9999 -> [::1]:9999 in an Ethernet frame: what
 * a local service bound to ::1 would take for its own host's traffic.
 */
static size_t spoofed_frame(uint8_t *f)
{
	static const uint8_t one[16] = { [15] = 1 };
	uint16_t port = htons(9999), plen = htons(8 + 4), ulen = htons(8 + 4);

	memset(f, 0, 14 + 40 + 12);
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	memcpy(f + 18, &plen, 2);
	f[20] = IPPROTO_UDP;
	f[21] = 64;
	memcpy(f + 22, one, 16);
	memcpy(f + 38, one, 16);
	memcpy(f + 54, &port, 2);
	memcpy(f + 56, &port, 2);
	memcpy(f + 58, &ulen, 2);
	memcpy(f + 62, "evil", 4);
	return 14 + 40 + 12;
}

static void attack(int sig, siginfo_t *si, void *ctx)
{
	uint8_t frame[128];
	size_t len = spoofed_frame(frame);
	int what = si->si_value.sival_int & 0xff, ifindex = si->si_value.sival_int >> 8;
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(0x86dd),
				  .sll_ifindex = ifindex, .sll_halen = 6 };
	struct iovec iov = { frame, len };
	struct msghdr mh = { .msg_name = &ll, .msg_namelen = sizeof(ll), .msg_iov = &iov,
			     .msg_iovlen = 1 };
	struct mmsghdr mm = { .msg_hdr = mh };
	struct tpacket_req req = { .tp_block_size = 1 << 22, .tp_block_nr = 128,
				   .tp_frame_size = 1 << 11, .tp_frame_nr = 128 << 11 };
	struct sockaddr_in elsewhere = { .sin_family = AF_INET, .sin_port = htons(9999),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct stat st;
	long rc = -1;

	(void)sig;
	(void)ctx;
	switch (what) {
	case TEST_ATTACK_SOCKET:
		rc = socket(AF_PACKET, SOCK_RAW, 0);
		if (rc >= 0)
			close((int)rc);
		say("socket(AF_PACKET)", rc);
		break;
	case TEST_ATTACK_RX_RING:
		rc = setsockopt(target_egress, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req));
		say("setsockopt(PACKET_RX_RING) on an egress socket", rc);
		break;
	case TEST_ATTACK_SENDTO_IFINDEX:
		rc = sendto(target_egress, frame, len, 0, (struct sockaddr *)&ll, sizeof(ll));
		say("sendto(another interface)", rc);
		break;
	case TEST_ATTACK_SENDMSG_IFINDEX:
		rc = sendmsg(target_egress, &mh, 0);
		say("sendmsg(another interface)", rc);
		break;
	case TEST_ATTACK_SENDMMSG_IFINDEX:
		rc = sendmmsg(target_egress, &mm, 1, 0);
		say("sendmmsg(another interface)", rc);
		break;
	case TEST_ATTACK_UDP_ELSEWHERE:
		rc = sendto(target_udp, "evil", 4, 0, (struct sockaddr *)&elsewhere,
			    sizeof(elsewhere));
		say("sendto(a udp output's socket, elsewhere)", rc);
		break;
	case TEST_ATTACK_STAT:
		rc = fstatat(AT_FDCWD, "/etc/shadow", &st, 0);
		say("stat(/etc/shadow)", rc);
		break;
	case TEST_ATTACK_OPEN:
		rc = open("/etc/passwd", O_RDONLY);
		say("open(/etc/passwd)", rc);
		break;
	case TEST_ATTACK_WRITE_EGRESS:
		rc = write(target_egress, frame, len);
		say("write(its own egress socket)", rc);
		break;
	default:
		say("an unknown attack", -1);
		break;
	}
}

void test_hooks_install(void)
{
	struct sigaction sa = { .sa_sigaction = attack, .sa_flags = SA_SIGINFO | SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGUSR1, silence);
}
#else
void test_hooks_install(void)
{
}

bool test_hooks_stats_silent(void)
{
	return false;
}

void test_hooks_targets(int egress_fd, int udp_fd)
{
	(void)egress_fd;
	(void)udp_fd;
}
#endif
