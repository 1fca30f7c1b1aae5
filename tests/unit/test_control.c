/*
 * Unit tests for the control socket, driven through a fake control_ops
 * table on a real event loop and real Unix sockets: request parsing, the
 * waits for stats and for acknowledgements (and their deadlines), escaped
 * echoes, refused and allowed peers (by primary and supplementary group),
 * slow, abandoned and flooding clients, the client limit, and the socket's path
 * rules (parent directory, removal of its own socket only).
 */
#include "config.h"

#include "supervisor/control.h"
#include "common/log.h"
#include "unit.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define SOCK_GID 4242
#define OTHER_ID 65534
/* A flooding client writes at most this much; the server may take less than the bound. */
#define FLOOD_MAX (64u << 20)
#define FLOOD_BOUND (2u << 20)

struct fake {
	int reload_rc;
	bool acked, stats_complete;
	unsigned reloads, stats_requests;
	size_t status_padding;	/* bytes added to the status answer */
};

static struct fake fake;
static struct event_base *base;
static char dir[] = "/tmp/test_control.XXXXXX";
static char path[100];

static int op_reload(void *arg, struct diag *d)
{
	(void)arg;
	fake.reloads++;
	if (fake.reload_rc)
		diag_error(d, "mcrelay.conf", 3, "bad \x1b[2J key");
	return fake.reload_rc;
}

static bool op_config_acked(void *arg)
{
	(void)arg;
	return fake.acked;
}

static bool op_request_stats(void *arg)
{
	(void)arg;
	fake.stats_requests++;
	return fake.stats_complete;
}

static void op_render_status(void *arg, enum status_form form, struct strbuf *out)
{
	static const char *const forms[] = {
		[STATUS_TEXT] = "FAKE STATUS\n", [STATUS_JSON] = "{\"fake\":true}\n",
		[STATUS_OPENMETRICS] = "fake_openmetrics 1\n# EOF\n",
		[STATUS_PROMETHEUS] = "fake_prometheus 1\n",
	};

	(void)arg;
	sb_printf(out, "%s", forms[form]);
	for (size_t i = 0; i < fake.status_padding; i++)
		sb_printf(out, ".");
}

static void op_describe_config(void *arg, struct strbuf *out)
{
	(void)arg;
	sb_printf(out, "configuration 7");
}

static const struct control_ops ops = {
	.reload = op_reload,
	.config_acked = op_config_acked,
	.request_stats = op_request_stats,
	.render_status = op_render_status,
	.describe_config = op_describe_config,
};

static struct control *open_control_limits(const struct control_limits *lim)
{
	char err[256] = "";
	struct control *ctl = control_open(base, path, SOCK_GID, lim, &ops, NULL, err,
					   sizeof(err));

	CHECK(ctl != NULL, "control_open: %s", err);
	return ctl;
}

static struct control *open_control(unsigned max_clients, unsigned deadline_ms,
				    unsigned ack_ms)
{
	struct control_limits lim = CONTROL_LIMITS_DEFAULT;

	lim.max_clients = max_clients;
	lim.deadline_ms = deadline_ms;
	lim.ack_wait_ms = ack_ms;
	return open_control_limits(&lim);
}

static int connect_client(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		CHECK(0, "connect %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void spin(unsigned ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

/* Runs the loop until the server closes fd (or ms pass); the answer in out. */
static bool read_answer(int fd, char *out, size_t cap, unsigned ms)
{
	size_t len = 0;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (unsigned waited = 0; waited < ms; waited++) {
		ssize_t n;

		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		while ((n = read(fd, out + len, cap - 1 - len)) > 0)
			len += (size_t)n;
		out[len] = '\0';
		if (n == 0)
			return true;
		usleep(1000);
	}
	return false;
}

static void ask(const char *request, char *out, size_t cap)
{
	int fd = connect_client();

	out[0] = '\0';
	if (fd < 0)
		return;
	CHECK(write(fd, request, strlen(request)) == (ssize_t)strlen(request), "write");
	CHECK(read_answer(fd, out, cap, 3000), "no complete answer to '%s': '%s'", request,
	      out);
	close(fd);
}

static void test_requests(void)
{
	struct control *ctl = open_control(16, 2000, 200);
	char out[1024];
	struct stat st;

	if (ctl == NULL)
		return;
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0660 &&
		      st.st_uid == 0 && st.st_gid == SOCK_GID,
	      "socket mode %o uid %u gid %u", (unsigned)(st.st_mode & 0777),
	      (unsigned)st.st_uid, (unsigned)st.st_gid);
	fake = (struct fake){ .stats_complete = true, .acked = true };
	ask("status\n", out, sizeof(out));
	CHECK(strcmp(out, "ok\nFAKE STATUS\n") == 0, "status: '%s'", out);
	ask("status json\n", out, sizeof(out));
	CHECK(strcmp(out, "ok\n{\"fake\":true}\n") == 0, "status json: '%s'", out);
	ask("status openmetrics\n", out, sizeof(out));
	CHECK(strcmp(out, "ok\nfake_openmetrics 1\n# EOF\n") == 0, "status openmetrics: '%s'", out);
	ask("status prometheus\n", out, sizeof(out));
	CHECK(strcmp(out, "ok\nfake_prometheus 1\n") == 0, "status prometheus: '%s'", out);
	ask("status openmetric\n", out, sizeof(out));
	CHECK(strncmp(out, "error 64\nunknown request 'status openmetric'", 42) == 0,
	      "status openmetric: '%s'", out);
	ask("reload\n", out, sizeof(out));
	CHECK(strcmp(out, "ok\nreload applied: configuration 7\n") == 0, "reload: '%s'", out);
	fake.reload_rc = EX_CONFIG;
	ask("reload\n", out, sizeof(out));
	CHECK(strcmp(out, "error 78\nmcrelay.conf:3: bad \\x1b[2J key\n"
			  "reload failed: keeping the running configuration\n") == 0,
	      "bad reload: '%s'", out);
	fake.reload_rc = 0;
	fake.acked = false;
	ask("reload\n", out, sizeof(out));
	CHECK(strncmp(out, "error 75\nreload not confirmed: configuration 7", 46) == 0,
	      "unconfirmed reload: '%s'", out);
	ask("stat\x1b]0;pwned\x07us\n", out, sizeof(out));
	CHECK(strcmp(out, "error 64\nunknown request 'stat\\x1b]0;pwned\\x07us'\n") == 0,
	      "unknown request echoed unescaped: '%s'", out);
	char big[600];

	memset(big, 'x', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	ask(big, out, sizeof(out));
	CHECK(strcmp(out, "error 64\nrequest too long\n") == 0, "long request: '%s'", out);
	CHECK(control_clients(ctl) == 0, "%zu clients left", control_clients(ctl));
	control_close(ctl);
	CHECK(access(path, F_OK) < 0, "socket left behind after close");
}

/* Answers that wait: for stats, for acknowledgements; and a client that leaves. */
static void test_waits(void)
{
	struct control *ctl = open_control(16, 2000, 5000);
	char out[256];
	int a, b;

	if (ctl == NULL)
		return;
	fake = (struct fake){ 0 };
	a = connect_client();
	b = connect_client();
	if (a < 0 || b < 0)
		return;
	CHECK(write(a, "status\n", 7) == 7 && write(b, "reload\n", 7) == 7, "write");
	spin(50);
	CHECK(fake.stats_requests == 1 && fake.reloads == 1, "requests seen: %u %u",
	      fake.stats_requests, fake.reloads);
	fake.stats_complete = fake.acked = true;
	control_stats_ready(ctl);
	control_config_acked(ctl);
	CHECK(read_answer(a, out, sizeof(out), 2000) && strcmp(out, "ok\nFAKE STATUS\n") == 0,
	      "status after stats_ready: '%s'", out);
	CHECK(read_answer(b, out, sizeof(out), 2000) &&
		      strcmp(out, "ok\nreload applied: configuration 7\n") == 0,
	      "reload after config_acked: '%s'", out);
	close(a);
	close(b);

	/* Abandoned: asks, closes before the answer; noticed and freed while it waits. */
	fake.stats_complete = false;
	for (int i = 0; i < 50; i++) {
		a = connect_client();
		if (a < 0)
			break;
		CHECK(write(a, "status\n", 7) == 7, "write");
		spin(2);
		close(a);
	}
	spin(20);
	CHECK(control_clients(ctl) == 0, "%zu clients that left held while their answer waits",
	      control_clients(ctl));
	control_stats_ready(ctl);
	spin(100);
	CHECK(control_clients(ctl) == 0, "%zu abandoned clients still held",
	      control_clients(ctl));
	control_close(ctl);
}

/* A client that never finishes its request is dropped at its deadline. */
static void test_slow(void)
{
	struct control *ctl = open_control(4, 200, 200);
	char out[256];
	int fds[10];

	if (ctl == NULL)
		return;
	int slow = connect_client();

	CHECK(slow >= 0 && write(slow, "sta", 3) == 3, "slow client");
	/* Trickling bytes does not move the deadline. */
	for (int i = 0; i < 5; i++) {
		spin(30);
		CHECK(write(slow, "t", 1) == 1, "trickle");
	}
	CHECK(read_answer(slow, out, sizeof(out), 1000), "slow client not dropped");
	close(slow);
	/* Ten idle clients against a limit of four: status still gets in. */
	for (int i = 0; i < 10; i++) {
		fds[i] = connect_client();
		spin(2);
	}
	CHECK(control_clients(ctl) <= 4, "%zu clients over a limit of 4",
	      control_clients(ctl));
	fake = (struct fake){ .stats_complete = true };
	ask("status\n", out, sizeof(out));
	CHECK(strcmp(out, "ok\nFAKE STATUS\n") == 0, "status past idle clients: '%s'", out);
	for (int i = 0; i < 10; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	spin(400);
	CHECK(control_clients(ctl) == 0, "%zu clients left", control_clients(ctl));
	control_close(ctl);
}

/* Child: become uid OTHER_ID with the given groups, ask for status, exit 0 if allowed. */
static int peer_status(gid_t gid, const gid_t *groups, size_t n)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		char buf[256];
		ssize_t len = 0, k;
		int fd;

		if (setgroups(n, groups) < 0 || setgid(gid) < 0 || setuid(OTHER_ID) < 0)
			_exit(2);
		fd = connect_client();
		if (fd < 0 || write(fd, "status\n", 7) != 7)
			_exit(3);
		while ((k = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
			len += k;
		buf[len] = '\0';
		_exit(strncmp(buf, "ok\n", 3) == 0 ? 0
		      : strncmp(buf, "error 77\npermission denied", 26) == 0 ? 1 : 4);
	}
	for (int i = 0; i < 3000; i++) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 5;
		usleep(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 6;
}

static void test_peers(void)
{
	struct control *ctl = open_control(16, 2000, 200);
	gid_t member = SOCK_GID;

	if (ctl == NULL)
		return;
	fake = (struct fake){ .stats_complete = true };
	/* Past the socket's mode, so that the daemon's own check is what is tested. */
	chmod(dir, 0755);
	chmod(path, 0666);
	CHECK(peer_status(OTHER_ID, NULL, 0) == 1, "a stranger was not refused");
	CHECK(peer_status(SOCK_GID, NULL, 0) == 0, "primary group member refused");
	CHECK(peer_status(OTHER_ID, &member, 1) == 0, "supplementary group member refused");
	chmod(dir, 0700);
	control_close(ctl);
}

static void test_paths(void)
{
	struct control_limits lim = CONTROL_LIMITS_DEFAULT;
	char err[256] = "", other[160];
	struct control *ctl;
	int fd;

	/* A parent anyone may write to would let them swap the socket. */
	snprintf(other, sizeof(other), "%s/open", dir);
	mkdir(other, 0777);
	chmod(other, 01777);
	snprintf(other, sizeof(other), "%s/open/ctl.sock", dir);
	ctl = control_open(base, other, SOCK_GID, &lim, &ops, NULL, err, sizeof(err));
	CHECK(ctl == NULL && strstr(err, "writable by root only") != NULL,
	      "world-writable parent accepted: %s", err);
	if (ctl)
		control_close(ctl);
	/* A file that is not a socket is never removed. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ctl = control_open(base, path, SOCK_GID, &lim, &ops, NULL, err, sizeof(err));
	CHECK(ctl == NULL && strstr(err, "not a socket") != NULL, "regular file taken: %s",
	      err);
	unlink(path);
	/* At close, only the socket it made: not what replaced it since. */
	ctl = open_control(16, 2000, 200);
	if (ctl == NULL)
		return;
	unlink(path);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	control_close(ctl);
	CHECK(access(path, F_OK) == 0, "control_close removed a file that was not its socket");
	unlink(path);
}

/*
 * Sends request, then garbage as fast as the socket takes it while the loop
 * runs, for ms: returns the bytes the socket took.  A server that reads no
 * further than the request line lets through no more than the kernel's
 * socket buffers hold; one that keeps reading takes everything.
 */
static size_t flood(int fd, const char *request, unsigned ms)
{
	static char junk[65536];
	struct timespec t0, t;
	size_t taken = 0;
	ssize_t n;

	memset(junk, 'j', sizeof(junk));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (*request)
		CHECK(write(fd, request, strlen(request)) == (ssize_t)strlen(request), "write");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		while (taken < FLOOD_MAX && (n = write(fd, junk, sizeof(junk))) > 0)
			taken += (size_t)n;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (taken < FLOOD_MAX &&
		 (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
	return taken;
}

/* Reads what the server sent: it closed with the garbage unread, so the end may be a reset. */
static void read_flooded_answer(int fd, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (unsigned waited = 0; waited < 2000; waited++) {
		ssize_t n;

		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		while ((n = read(fd, out + len, cap - 1 - len)) > 0)
			len += (size_t)n;
		out[len] = '\0';
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return;
		usleep(1000);
	}
}

/*
 * Clients that keep writing after their request, while their answer waits
 * for stats or for a reload to be adopted, or that never end their line:
 * the server reads none of it (it stays in the kernel's socket buffers),
 * and each still gets its answer.
 */
static void test_flood(void)
{
	struct control *ctl = open_control(16, 3000, 3000);
	char out[256];
	int a, b, c;
	size_t sa, sb, sc;

	if (ctl == NULL)
		return;
	fake = (struct fake){ 0 };
	a = connect_client();
	b = connect_client();
	c = connect_client();
	if (a < 0 || b < 0 || c < 0)
		return;
	sa = flood(a, "status\n", 300);
	sb = flood(b, "reload\n", 300);
	sc = flood(c, "", 300);
	CHECK(fake.stats_requests == 1 && fake.reloads == 1, "requests seen: %u %u",
	      fake.stats_requests, fake.reloads);
	CHECK(sa < FLOOD_BOUND, "waiting for stats, the server read %zu bytes after the request",
	      sa);
	CHECK(sb < FLOOD_BOUND, "waiting for a reload, the server read %zu bytes after it", sb);
	CHECK(sc < FLOOD_BOUND, "a line without end: the server read %zu bytes", sc);
	fake.stats_complete = fake.acked = true;
	control_stats_ready(ctl);
	control_config_acked(ctl);
	read_flooded_answer(a, out, sizeof(out));
	CHECK(strcmp(out, "ok\nFAKE STATUS\n") == 0, "flooding client's status: '%s'", out);
	read_flooded_answer(b, out, sizeof(out));
	CHECK(strcmp(out, "ok\nreload applied: configuration 7\n") == 0,
	      "flooding client's reload: '%s'", out);
	read_flooded_answer(c, out, sizeof(out));
	CHECK(strcmp(out, "error 64\nrequest too long\n") == 0, "endless line: '%s'", out);
	close(a);
	close(b);
	close(c);
	spin(50);
	CHECK(control_clients(ctl) == 0, "%zu clients left", control_clients(ctl));
	control_close(ctl);
}

/* Reads the answer on fd to its end; returns its length. */
static size_t drain_answer(int fd, char *head, size_t cap)
{
	static char rest[65536];
	size_t len = 0;
	ssize_t n;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	head[0] = '\0';
	for (unsigned waited = 0; waited < 3000; waited++) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		while ((n = read(fd, rest, sizeof(rest))) > 0) {
			if (len < cap - 1)
				memcpy(head + len, rest, (size_t)n < cap - 1 - len ? (size_t)n
										: cap - 1 - len);
			len += (size_t)n;
			head[len < cap - 1 ? len : cap - 1] = '\0';
		}
		if (n == 0)
			break;
		usleep(1000);
	}
	return len;
}

/*
 * Status answers that their clients do not read are held up to unread_max
 * in all; beyond it a status request is told to try again, and is served
 * once the others have read theirs.
 */
static void test_unread_answers(void)
{
	struct control_limits lim = CONTROL_LIMITS_DEFAULT;
	struct control *ctl;
	char out[64];
	int a, b;

	lim.unread_max = 3u << 20;
	ctl = open_control_limits(&lim);
	if (ctl == NULL)
		return;
	fake = (struct fake){ .stats_complete = true, .status_padding = 2u << 20 };
	a = connect_client();
	b = connect_client();
	if (a < 0 || b < 0)
		return;
	CHECK(write(a, "status\n", 7) == 7, "write");
	spin(50);
	CHECK(write(b, "status\n", 7) == 7, "write");
	spin(50);
	CHECK(drain_answer(b, out, sizeof(out)) > 0 &&
		      strncmp(out, "error 75\nbusy: other clients have not read", 42) == 0,
	      "a status past the limit of unread answers: '%s'", out);
	CHECK(drain_answer(a, out, sizeof(out)) == 3 + 12 + (2u << 20) &&
		      strncmp(out, "ok\nFAKE STATUS\n..", 17) == 0,
	      "the unread answer: '%s'", out);
	close(b);
	b = connect_client();
	CHECK(b >= 0 && write(b, "status\n", 7) == 7, "write");
	CHECK(drain_answer(b, out, sizeof(out)) == 3 + 12 + (2u << 20),
	      "status once the other answer was read: '%s'", out);
	close(a);
	close(b);
	spin(50);
	CHECK(control_clients(ctl) == 0, "%zu clients left", control_clients(ctl));
	control_close(ctl);
}

/* Every byte may need escaping: 300 of them make 1,200 characters, in bounds. */
static void test_escaped(void)
{
	struct strbuf sb = { 0 };
	char ctl[300];

	memset(ctl, 0x17, sizeof(ctl));
	sb_printf(&sb, "x");
	sb_escaped(&sb, ctl, sizeof(ctl));
	CHECK(sb.len == 1 + 4 * sizeof(ctl) && strncmp(sb.s, "x\\x17\\x17", 9) == 0 &&
		      sb.s[sb.len] == '\0', "escaped length %zu", sb.len);
	sb_free(&sb);
}

int main(void)
{
	unit_deadline(60);
	signal(SIGPIPE, SIG_IGN);
	log_init("test_control", true, LOG_LEVEL_ERROR);
	if (!CHECK(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno)))
		return unit_summary("test_control");
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	base = event_base_new();
	if (geteuid() != 0) {
		printf("test_control: needs root (peers of other uids, chown)\n");
		return getenv("CI") ? 1 : 77;
	}
	test_escaped();
	test_requests();
	test_waits();
	test_slow();
	test_flood();
	test_unread_answers();
	test_peers();
	test_paths();
	event_base_free(base);
	rmdir(dir);
	return unit_summary("test_control");
}
