#ifndef MCRELAY_KERNEL_MAPS_H
#define MCRELAY_KERNEL_MAPS_H

/*
 * The maps of one program instance.  The rule maps are sized and filled
 * by the loader before the instance is attached, and never written by the
 * program; the counter maps are handed from instance to instance across
 * reloads (bpf_map__reuse_fd), so the sizes here are placeholders.
 */

#include "lib/kpath_abi.h"

const volatile struct kpath_config kpath_config = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, struct kpath_exact_key);
	__type(value, struct kpath_match);
} kpath_exact SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, struct kpath_wide);
} kpath_wide SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, struct kpath_rule);
} kpath_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, struct kpath_output);
} kpath_outputs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kpath_rule_counters);
} kpath_rule_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KPATH_MAX_OUTPUTS);
	__type(key, __u32);
	__type(value, struct kpath_output_counters);
} kpath_output_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kpath_totals);
} kpath_totals SEC(".maps");

#endif
