/*
 * allowlist: prints the worker's system call allow-list (src/worker/sandbox_allow.c)
 * as this build has it, one call a line: NAME KIND [optional], KIND "allow" or
 * "error" (refused with an errno instead of killing), "optional" for a call
 * that a worker of this build may well never be seen to make: one the vDSO
 * serves, one of the test hooks or of a sanitizer's run-time, or one of libc's
 * allocator, which a sanitizer build replaces.  tests/integration/syscalls.sh
 * compares it with what workers are seen to call.
 */
#include "config.h"

#include "worker/sandbox_allow.h"

#include <stdbool.h>
#include <stdio.h>

#ifdef MCRELAY_SANITIZERS
static const bool sanitizers = true;
#else
static const bool sanitizers = false;
#endif

int main(void)
{
	for (size_t i = 0; i < sandbox_allow_n; i++) {
		const struct sandbox_allow *a = &sandbox_allow[i];
		bool optional = a->vdso || a->test_only || a->sanitizers_only ||
				(a->libc_malloc && sanitizers);

		printf("%s %s%s\n", a->name, a->error ? "error" : "allow",
		       optional ? " optional" : "");
	}
	return 0;
}
