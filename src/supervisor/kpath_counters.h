#ifndef MCRELAY_KPATH_COUNTERS_H
#define MCRELAY_KPATH_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/kpath_abi.h"

/*
 * An input's kernel-path counters: per-CPU maps that every program
 * instance of the input counts into (supervisor/kpath.c hands them to
 * each one with bpf_map__reuse_fd), by counter slot.  When a plan needs
 * a slot beyond them, bigger maps are made for the next instance; the
 * old ones are kept and summed in, so that nothing counted is lost.
 */
struct kpath_counters;

struct kpath_counters *kpath_counters_new(uint32_t capacity, char *err, size_t errlen);
void kpath_counters_free(struct kpath_counters *c);

/* A slot's counters summed over CPUs; last_packet_ns is the latest of any CPU. */
struct kpath_slot_counters {
	struct kpath_rule_counters rule;
	struct kpath_output_counters out[KPATH_MAX_OUTPUTS];
};

/* Slots first .. first + n - 1 into out[0 .. n - 1]; -1 on a map error. */
int kpath_counters_read(const struct kpath_counters *c, uint32_t first, uint32_t n,
			struct kpath_slot_counters *out, char *err, size_t errlen);
int kpath_counters_totals(const struct kpath_counters *c, struct kpath_totals *t, char *err,
			  size_t errlen);

/*
 * Zeroes a slot on every CPU, in every generation of maps, before it is
 * given to another rule (no program may count into it any more).
 */
int kpath_counters_clear(struct kpath_counters *c, uint32_t slot, char *err, size_t errlen);

/* The maps for an instance that counts up to slot need - 1 (grown if they must). */
struct kpath_counter_fds {
	int rule, output, totals;
};
int kpath_counters_for(struct kpath_counters *c, uint32_t need, struct kpath_counter_fds *fds,
		       char *err, size_t errlen);

#endif
