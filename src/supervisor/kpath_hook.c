#include "config.h"

#include "supervisor/kpath_hook.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Newer than Debian 12's <linux/bpf.h>. */
#define KP_BPF_TCX_INGRESS 46

static int cls_bpf_set(int ifindex, int prog_fd, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = KPATH_TC_HANDLE, .priority = KPATH_TC_PRIORITY,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int rc = bpf_tc_hook_create(&hook);

	if (rc < 0 && rc != -EEXIST) {
		snprintf(err, errlen, "clsact on ifindex %d: %s", ifindex, strerror(-rc));
		return -1;
	}
	rc = bpf_tc_attach(&hook, &opts);
	if (rc < 0) {
		snprintf(err, errlen, "cls_bpf filter on ifindex %d: %s", ifindex, strerror(-rc));
		return -1;
	}
	return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/*
 * Removes mcrelay's cls_bpf filter, if there is one; the clsact qdisc
 * stays (others may use it).  That there is none, or no clsact at all, is
 * the rule: libbpf is not let to say so.
 */
static void cls_bpf_remove(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = KPATH_TC_HANDLE, .priority = KPATH_TC_PRIORITY);
	libbpf_print_fn_t print = libbpf_set_print(quiet);

	bpf_tc_detach(&hook, &opts);
	libbpf_set_print(print);
}

int kpath_hook_attach(struct kpath_hook *h, int ifindex, enum kpath_attach how, int prog_fd,
		      char *err, size_t errlen)
{
	h->ifindex = ifindex;
	h->how = how;
	h->link_fd = -1;
	if (how == KPATH_ATTACH_CLS_BPF)
		return cls_bpf_set(ifindex, prog_fd, err, errlen);
	if (how != KPATH_ATTACH_TCX) {
		snprintf(err, errlen, "no way to attach a tc program");
		return -1;
	}
	/* A filter left by an mcrelay that ran with cls_bpf before would run too. */
	cls_bpf_remove(ifindex);
	h->link_fd = bpf_link_create(prog_fd, ifindex, KP_BPF_TCX_INGRESS, NULL);
	if (h->link_fd < 0) {
		snprintf(err, errlen, "tcx link on ifindex %d: %s", ifindex, strerror(errno));
		return -1;
	}
	return 0;
}

int kpath_hook_replace(struct kpath_hook *h, int prog_fd, char *err, size_t errlen)
{
	if (h->how == KPATH_ATTACH_CLS_BPF)
		return cls_bpf_set(h->ifindex, prog_fd, err, errlen);
	if (bpf_link_update(h->link_fd, prog_fd, NULL) < 0) {
		snprintf(err, errlen, "tcx link update on ifindex %d: %s", h->ifindex,
			 strerror(errno));
		return -1;
	}
	return 0;
}

void kpath_hook_detach(struct kpath_hook *h)
{
	if (h->how == KPATH_ATTACH_CLS_BPF)
		cls_bpf_remove(h->ifindex);
	else if (h->link_fd >= 0)
		close(h->link_fd);
	h->link_fd = -1;
	h->how = KPATH_ATTACH_NONE;
}
