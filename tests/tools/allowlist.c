/*
 * allowlist [metrics]: prints the worker's system call allow-list
 * (src/worker/sandbox_allow.c), or with "metrics" the metrics process's
 * (src/metrics/metrics_allow.c), as this build has it, one call a line:
 * NAME KIND [optional], KIND "allow" or "error" (refused with an errno
 * instead of killing), "optional" for a call that a process of this build
 * may well never be seen to make: one the vDSO serves, one of the test
 * hooks or of a sanitizer's run-time, or one of libc's allocator, which a
 * sanitizer build replaces.  tests/integration/syscalls.sh
 * compares it with what workers are seen to call, metrics_sandbox.sh with
 * what the metrics process is.
 */
#include "config.h"

#include "metrics/metrics_allow.h"
#include "worker/sandbox_allow.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#ifdef MCRELAY_SANITIZERS
static const bool sanitizers = true;
#else
static const bool sanitizers = false;
#endif

int main(int argc, char **argv)
{
	bool metrics = argc > 1 && strcmp(argv[1], "metrics") == 0;
	const struct sandbox_allow *list = metrics ? metrics_allow : sandbox_allow;
	size_t n = metrics ? metrics_allow_n : sandbox_allow_n;

	if (argc > 2 || (argc == 2 && !metrics)) {
		fprintf(stderr, "usage: allowlist [metrics]\n");
		return 64;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sandbox_allow *a = &list[i];
		bool optional = a->vdso || a->test_only || a->sanitizers_only ||
				(a->libc_malloc && sanitizers);

		printf("%s %s%s\n", a->name, a->error ? "error" : "allow",
		       optional ? " optional" : "");
	}
	return 0;
}
