#include "config.h"

#include "supervisor/control_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * The directory must be root's and writable by root alone: then nobody
 * else can swap the socket for a link between bind and chown, or put a
 * file of theirs where the daemon will unlink at exit.
 */
static int check_parent(const char *path, char *err, size_t errlen)
{
	char copy[CONTROL_PATH_MAX];
	struct stat st;

	snprintf(copy, sizeof(copy), "%s", path);
	const char *dir = dirname(copy);

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0) {
		snprintf(err, errlen, "%s must be a directory owned by root and writable "
			 "by root only (it is mode %03o, uid %u)", dir,
			 (unsigned)(st.st_mode & 0777), (unsigned)st.st_uid);
		return -1;
	}
	return 0;
}

/* A socket left by a daemon that died is removed; a live one is not taken over. */
static int claim_path(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "exists and is not a socket");
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		snprintf(err, errlen, "another mcrelay is listening there");
		return -1;
	}
	if (fd >= 0)
		close(fd);
	if (unlink(path) < 0) {
		snprintf(err, errlen, "cannot remove the stale socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int control_socket_open(const char *path, gid_t gid, struct control_socket_id *id,
			char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old_mask;
	int fd, rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (check_parent(path, err, errlen) < 0 || claim_path(path, err, errlen) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* Created 0660 at once: there is no moment when anyone else may connect. */
	old_mask = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (rc < 0 || lchown(path, 0, gid) < 0 || lstat(path, &st) < 0 ||
	    !S_ISSOCK(st.st_mode) || listen(fd, SOMAXCONN) < 0) {
		snprintf(err, errlen, "%s", strerror(errno ? errno : EINVAL));
		close(fd);
		return -1;
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return fd;
}

void control_socket_remove(const char *path, const struct control_socket_id *id)
{
	struct stat st;

	if (lstat(path, &st) == 0 && st.st_dev == id->dev && st.st_ino == id->ino)
		unlink(path);
}
