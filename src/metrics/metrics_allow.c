#include "config.h"

#include "metrics/metrics_allow.h"

#include "common/worker_env.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

/*
 * What the metrics process does once sandboxed: take connections on the
 * listening socket the supervisor gave it, read requests and write
 * answers on them, ask the supervisor for the document and read it on its
 * channel, log, and exit.  No call that opens a file or makes a socket,
 * binds, connects or sends to an address: anything else kills it, and the
 * supervisor logs "killed by signal 31 (Bad system call)" and starts it
 * again.
 */
#define ARG_EQ(a, v) { .arg = (a), .op = SANDBOX_EQ, .value = (uint64_t)(v) }
#define ARG_MASKED_EQ(a, m, v) \
	{ .arg = (a), .op = SANDBOX_MASKED_EQ, .value = (uint64_t)(v), .mask = (uint64_t)(m) }

const struct sandbox_allow metrics_allow[] = {
	{ .name = "epoll_wait", .why = "the event loop" },
	{ .name = "epoll_ctl", .why = "the event loop: connections come and go" },
	{ .name = "accept4", .why = "connections on the listening socket it was given" },
	{ .name = "recvfrom", .why = "requests, read without an address",
	  .n_cmp = 1, .cmp = { ARG_EQ(4, 0) } },
	{ .name = "recvmsg", .why = "the supervisor's messages, on the channel only",
	  .n_cmp = 1, .cmp = { ARG_EQ(0, WORKER_CHANNEL_FD) } },
	{ .name = "read", .why = "SIGTERM and SIGINT, from a signalfd",
	  .n_cmp = 1, .cmp = { { .arg = 0, .op = SANDBOX_EQ, .signal_fd = true } } },
	{ .name = "sendto", .why = "answers and log lines, sent without an address",
	  .n_cmp = 2, .cmp = { ARG_EQ(4, 0), ARG_EQ(5, 0) } },
	{ .name = "sendmsg", .why = "requests to the supervisor, on the channel only",
	  .n_cmp = 1, .cmp = { ARG_EQ(0, WORKER_CHANNEL_FD) } },
	{ .name = "shutdown", .why = "the end of an answer (SHUT_WR), before the client hangs up",
	  .n_cmp = 1, .cmp = { ARG_EQ(1, SHUT_WR) } },
	{ .name = "write", .why = "the log, on standard error",
	  .n_cmp = 1, .cmp = { ARG_EQ(0, 2) } },
	{ .name = "close", .why = "connections, and a listening socket replaced" },
	{ .name = "mmap", .why = "memory (documents, answers), never executable",
	  .n_cmp = 1, .cmp = { ARG_MASKED_EQ(2, PROT_EXEC, 0) } },
	{ .name = "munmap", .why = "memory", .libc_malloc = true },
	{ .name = "brk", .why = "memory", .libc_malloc = true },
	{ .name = "exit_group", .why = "exit" },
	{ .name = "prctl", .why = "the check that the filter is in force, right after loading it",
	  .n_cmp = 1, .cmp = { ARG_EQ(0, PR_GET_SECCOMP) } },
	{ .name = "clock_gettime", .why = "deadlines, time stamps", .vdso = true },
#ifdef MCRELAY_SANITIZERS
	{ .name = "madvise", .why = "AddressSanitizer's allocator giving memory back",
	  .sanitizers_only = true },
	{ .name = "sigaltstack", .why = "AddressSanitizer's run-time, at exit",
	  .sanitizers_only = true },
#endif
};

const size_t metrics_allow_n = sizeof(metrics_allow) / sizeof(metrics_allow[0]);
