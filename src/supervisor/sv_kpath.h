#ifndef MCRELAY_SV_KPATH_H
#define MCRELAY_SV_KPATH_H

#include <stdio.h>

#include "lib/diag.h"
#include "lib/status_format.h"
#include "supervisor/sv_types.h"

/*
 * Each input's kernel path: which of its rules the tc program relays
 * (lib/kpath_plan.h), the program itself (supervisor/kpath.h), and the
 * hand-over between the program and the workers that keeps every frame
 * relayed once (struct sv_kpath).  Built without the kernel path, or on
 * a kernel without it, every rule is the packet path's, with the reason.
 */

/* What this kernel offers: once, at start-up, while the supervisor is root. */
void svk_probe(struct supervisor *sv);
/* How the program can be attached ("tcx", "cls_bpf"), or NULL with why not. */
const char *svk_probe_kernel(int *attach, char *why, size_t len);
/*
 * `check`: the path each rule takes, and why not the kernel path; probes
 * the kernel if root (datapath = kernel where it cannot is then an error).
 */
void svk_report(const struct conf *c, bool root, struct diag *d, FILE *fp);
/* Whether the supervisor must keep what loading and attaching programs takes. */
bool svk_possible(const struct supervisor *sv);
/* datapath = kernel where this kernel (or build) cannot: an error at its line. */
void svk_check_conf(const struct supervisor *sv, const struct conf *c, struct diag *d);

/*
 * The plan of the input for the configuration and the interfaces as they
 * are now (info: the input's).  A plan that differs from what the
 * program runs starts a hand-over.
 */
void svk_plan(struct sv_input *in, const struct iface_info *info);
/*
 * The groups whose frames both the plan and the running program relay
 * (all but fragments and the like): the input's filter may keep them from
 * the workers.  Sorted; the caller frees them.  all[0], all[1]: the same
 * holds for every IPv4, IPv6 group (no packet-path rule of the family).
 */
struct addr *svk_filter_groups(const struct sv_input *in, size_t *n, bool all[2]);
/* Whether configuration rule i (of this input) is on the kernel path in the plan. */
bool svk_rule_kernel(const struct sv_input *in, size_t i);
/* Why rule i is not: "" when it is, or when the input has no plan yet. */
const char *svk_rule_reason(const struct sv_input *in, size_t i);
/*
 * HO_COMMIT's kpath_generation for a configuration of this generation
 * on its way to w (handoff.h); remembered as what w was told.
 */
uint32_t svk_commit_generation(struct sv_worker *w, uint32_t generation);
/* New configurations wait (a hand-over is settling): sent at the next sync. */
bool svk_defers(const struct sv_input *in);
/* Takes the next step of every input's hand-over that can take one. */
void svk_advance(struct supervisor *sv);
/* Every input's program runs its plan, and its workers know. */
bool svk_all_settled(const struct supervisor *sv);
/* The input is absent or down: its program is gone with it (counters stay). */
void svk_close(struct sv_input *in);
void svk_free(struct sv_input *in);

/*
 * Rule i's kernel counters (adds into packets .. last_ns, and its outputs'
 * into out_*), read from the maps at most every 200 ms; 0 if it has none.
 */
struct svk_counts {
	uint64_t packets, bytes, ttl_expired, last_ns;
	double pps, bps;
	uint64_t out_packets[KPATH_MAX_OUTPUTS], out_bytes[KPATH_MAX_OUTPUTS];
	uint64_t out_too_big[KPATH_MAX_OUTPUTS], out_errors[KPATH_MAX_OUTPUTS];
	double out_pps[KPATH_MAX_OUTPUTS], out_bps[KPATH_MAX_OUTPUTS];
	struct monitor_counts monitor;	/* monitor = rtp in the program */
};
int svk_rule_counts(struct sv_input *in, size_t i, struct svk_counts *out);

/* The input's data path for `status`. */
void svk_status(const struct sv_input *in, struct st_input *out);
/*
 * The interfaces the input's program sends on that are not in out[0..*n)
 * yet, with what their devices dropped, up to max.
 */
void svk_output_ifaces(const struct sv_input *in, struct st_iface *out, size_t *n, size_t max);

#endif
