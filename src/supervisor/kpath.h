#ifndef MCRELAY_KPATH_H
#define MCRELAY_KPATH_H

#include <stddef.h>
#include <stdint.h>

#include "lib/kpath_plan.h"
#include "supervisor/kpath_counters.h"
#include "supervisor/kpath_probe.h"

/*
 * The kernel path's loader: the tc program of src/kernel/ (embedded as a
 * libbpf skeleton) at an input's ingress, with the maps of a plan
 * (lib/kpath_plan.h).  A reload loads a new instance with new maps and
 * swaps it in atomically; the counters live in their own maps, which
 * every instance of an input shares, so that counts go on across
 * reloads and across a close and an open.  Root only.
 */

struct kpath;

/*
 * Loads an instance for plan, counting into counters (which must outlive
 * it), and attaches it at ifindex's ingress.  With CLS_BPF, a filter left
 * by an mcrelay that died is replaced; with TCX, one is removed.
 */
struct kpath *kpath_open(int ifindex, enum kpath_attach how, const struct kpath_plan *plan,
			 struct kpath_counters *counters, char *err, size_t errlen);
/* A new instance for plan, swapped in atomically; the old one stays on failure. */
int kpath_update(struct kpath *k, const struct kpath_plan *plan, char *err, size_t errlen);
/* Detaches and frees; the counters stay. */
void kpath_close(struct kpath *k);

/* Loads an instance without attaching it (tests: BPF_PROG_TEST_RUN, verifier figures). */
struct kpath *kpath_load(const struct kpath_plan *plan, struct kpath_counters *counters,
			 char *err, size_t errlen);
int kpath_prog_fd(const struct kpath *k);
/* The attached program's id (bpftool prog show id N), 0 if the kernel does not say. */
uint32_t kpath_prog_id(const struct kpath *k);
/* Instructions the verifier processed for the instance (0 if the kernel does not say). */
uint32_t kpath_verified_insns(const struct kpath *k);

#endif
