#include "config.h"

#include "worker/sandbox_allow.h"

#include "common/worker_env.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

/*
 * Found by tracing workers in every mode (frames and blocks rings, several
 * workers on an input, udp outputs, IPv6, fragments, reloads, status
 * requests, logging, exiting) and kept to what they call:
 * tests/integration/syscalls.sh fails when a worker calls what is not here,
 * or when something here is never called.  Anything else kills the
 * process: the supervisor logs "killed by signal 31 (Bad system call)" and
 * starts a fresh worker.  mcrelay(8), SECURITY, says what a worker can do
 * with these.
 */
#define ARG_EQ(a, v) { .arg = (a), .op = SANDBOX_EQ, .value = (uint64_t)(v) }
#define ARG_MASKED_EQ(a, m, v) \
	{ .arg = (a), .op = SANDBOX_MASKED_EQ, .value = (uint64_t)(v), .mask = (uint64_t)(m) }

const struct sandbox_allow sandbox_allow[] = {
	{ .name = "epoll_wait", .why = "the event loop" },
	{ .name = "epoll_ctl", .why = "the event loop: the channel's write event comes and goes" },
	{ .name = "recvmsg", .why = "messages from the supervisor (their descriptors with them)" },
	{ .name = "read", .why = "SIGTERM and SIGINT, from a signalfd",
	  .n_cmp = 1, .cmp = { { .arg = 0, .op = SANDBOX_EQ, .signal_fd = true } } },
	/*
	 * Sends carry no address, so that every socket sends only where it is
	 * bound or connected: an egress socket's transmit ring is flushed
	 * (length 0) onto its own interface, a udp output's datagram goes to
	 * its destination, a line goes to the log daemon (common/log.c).  sendmsg(2) and sendmmsg(2) could carry an address the
	 * filter cannot see: sendmsg is for the channel only, whose number
	 * never changes, and sendmmsg is not allowed at all.
	 */
	{ .name = "sendto", .why = "address-less sends: transmit rings, udp outputs, the log daemon",
	  .n_cmp = 2, .cmp = { ARG_EQ(4, 0), ARG_EQ(5, 0) } },
	{ .name = "sendmsg", .why = "messages to the supervisor, on the channel only",
	  .n_cmp = 1, .cmp = { ARG_EQ(0, WORKER_CHANNEL_FD) } },
	{ .name = "write", .why = "the log, on standard error",
	  .n_cmp = 1, .cmp = { ARG_EQ(0, 2) } },
	{ .name = "close", .why = "the sockets of a configuration replaced" },
	{ .name = "mmap", .why = "memory and the transmit rings of new egress sockets, never executable",
	  .n_cmp = 1, .cmp = { ARG_MASKED_EQ(2, PROT_EXEC, 0) } },
	{ .name = "munmap", .why = "memory, and the transmit rings of sockets no longer used" },
	{ .name = "brk", .why = "memory", .libc_malloc = true },
	{ .name = "mremap", .why = "memory: realloc(3) of large arrays, e.g. the rules of a reload",
	  .libc_malloc = true },
	{ .name = "sysinfo", .why = "qsort(3) of a large array asks once for the memory size" },
	{ .name = "getrandom", .why = "the fragment table's key, anew at each configuration" },
	{ .name = "exit_group", .why = "exit" },
	{ .name = "prctl", .why = "the check that the filter is in force, right after loading it",
	  .n_cmp = 1, .cmp = { ARG_EQ(0, PR_GET_SECCOMP) } },
	{ .name = "clock_gettime", .why = "time stamps", .vdso = true },
	{ .name = "gettimeofday", .why = "the event loop's clock", .vdso = true },
#ifdef MCRELAY_SANITIZERS
	{ .name = "madvise", .why = "AddressSanitizer's allocator giving memory back",
	  .sanitizers_only = true },
	{ .name = "sigaltstack", .why = "AddressSanitizer's run-time, at exit",
	  .sanitizers_only = true },
#endif
#ifdef MCRELAY_TEST_HOOKS
	{ .name = "rt_sigreturn", .why = "return from the test hooks' handler (worker/test_hooks.c)",
	  .test_only = true },
#endif
};

const size_t sandbox_allow_n = sizeof(sandbox_allow) / sizeof(sandbox_allow[0]);
