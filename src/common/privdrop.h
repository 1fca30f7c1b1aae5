#ifndef MCRELAY_PRIVDROP_H
#define MCRELAY_PRIVDROP_H

#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * Worker: become uid/gid with no supplementary groups, no capabilities in
 * any set, no_new_privs; then prove it by failing to open a raw socket.
 * Returns 0, or -1 with a reason in err.
 */
int privdrop_worker(uid_t uid, gid_t gid, char *err, size_t errlen);

/*
 * Supervisor: keep only what respawning and reloading need; with
 * kernel_path, also what loading and attaching tc programs and creating
 * their maps need (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON).
 */
int privdrop_supervisor(bool kernel_path, char *err, size_t errlen);

/* Whether this process may open AF_PACKET sockets at all. */
int privdrop_can_open_packet_socket(void);

#endif
