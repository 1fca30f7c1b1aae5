#include "config.h"

#include "common/privdrop.h"

#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

int privdrop_can_open_packet_socket(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static int verify_dropped(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int fd;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid) {
		snprintf(err, errlen, "user and group ids did not change as requested");
		return -1;
	}
	if (getgroups(0, NULL) != 0) {
		snprintf(err, errlen, "supplementary groups are still set");
		return -1;
	}
	if (capng_get_caps_process() != 0 || capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		snprintf(err, errlen, "capabilities are still held");
		return -1;
	}
	/* Every capability this kernel knows: it says EINVAL past the last. */
	for (int cap = 0;; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (in < 0 && errno == EINVAL && cap > CAP_NET_RAW)
			break;
		if (in != 0) {
			snprintf(err, errlen, "capability %d is still in the bounding set", cap);
			return -1;
		}
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		snprintf(err, errlen, "no_new_privs is not set");
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		close(fd);
		snprintf(err, errlen, "can still open an AF_PACKET socket");
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "can still become root");
		return -1;
	}
	return 0;
}

int privdrop_worker(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	int rc;

	capng_clear(CAPNG_SELECT_BOTH);
	rc = capng_change_id((int)uid, (int)gid,
			     CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	if (rc != 0) {
		snprintf(err, errlen, "cannot switch to uid %u gid %u (libcap-ng error %d): %s",
			 (unsigned)uid, (unsigned)gid, rc, strerror(errno));
		return -1;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		snprintf(err, errlen, "cannot clear ambient capabilities: %s", strerror(errno));
		return -1;
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_CAPS) != 0) {
		snprintf(err, errlen, "cannot clear capabilities");
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	return verify_dropped(uid, gid, err, errlen);
}

int privdrop_supervisor(bool kernel_path, char *err, size_t errlen)
{
	capng_clear(CAPNG_SELECT_BOTH);
	capng_updatev(CAPNG_ADD,
		      CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
		      CAP_NET_RAW, CAP_SETUID, CAP_SETGID, CAP_SETPCAP, CAP_KILL, -1);
	/*
	 * The kernel path: maps and programs (CAP_BPF), a tc program and its
	 * attachment (CAP_NET_ADMIN), and the verifier's leave to use packet
	 * pointers as the program does (CAP_PERFMON: loading fails with EPERM
	 * without it).
	 */
	if (kernel_path)
		capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
			      CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON, -1);
	/*
	 * Not the supervisor's own to use: a worker, executed by it as root,
	 * gets its bounding set, and needs CAP_SYS_CHROOT for the empty root
	 * it enters before it drops every capability.
	 */
	capng_updatev(CAPNG_ADD, CAPNG_BOUNDING_SET, CAP_SYS_CHROOT, -1);
	if (capng_apply(CAPNG_SELECT_BOTH) != 0) {
		snprintf(err, errlen, "cannot reduce capabilities: %s", strerror(errno));
		return -1;
	}
	return 0;
}
