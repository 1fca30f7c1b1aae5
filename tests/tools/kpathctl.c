/*
 * kpathctl: runs the kernel path on one input through the supervisor's
 * loader (supervisor/kpath.c), as the daemon will, for the integration
 * tests (tests/integration/kpath_*.sh) until the daemon is wired to it.
 *
 * kpathctl -p
 *	prints how this kernel can attach the program (tcx, cls_bpf, none).
 * kpathctl -q IFNAME
 *	prints the tcx ingress programs attached to IFNAME, "tcx: N" and
 *	then "ID NAME" for each (bpftool 7.1 does not show tcx links).
 * kpathctl -c CONF -i INPUT [-a tcx|cls_bpf] [-R READYFILE] [-o COUNTERS]
 *	plans INPUT's rules from CONF, prints each rule's path, attaches the
 *	program at INPUT's ingress and writes READYFILE.  SIGHUP reads CONF
 *	again and swaps in a new instance (counter slots follow rule names);
 *	SIGUSR1 writes the counters to COUNTERS; SIGTERM or SIGINT writes
 *	them, detaches and exits 0.  The counters, one line each:
 *	  rule NAME slot=N packets_in=N bytes_in=N ttl_expired=N last_ns=N
 *	  output NAME K packets=N bytes=N too_big=N errors=N
 *	  totals handled=N not_handleable=N no_rule=N packet_path=N
 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "lib/conf.h"
#include "lib/diag.h"
#include "lib/kpath_plan.h"
#include "supervisor/kpath.h"

#define MAX_NAMES 65536
#define KP_BPF_TCX_INGRESS 46	/* newer than Debian 12's <linux/bpf.h> */

static volatile sig_atomic_t got_hup, got_usr1, got_term;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("kpathctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Rule names in the order they were first seen: a name's slot is its index. */
static char *names[MAX_NAMES];
static uint32_t n_names;

static uint32_t slot_of(const char *name)
{
	for (uint32_t i = 0; i < n_names; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	if (n_names == MAX_NAMES || (names[n_names] = strdup(name)) == NULL)
		die("too many rule names");
	return n_names++;
}

static void iface_lookup(const char *name, struct kpath_iface *i)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;

	memset(i, 0, sizeof(*i));
	snprintf(i->name, sizeof(i->name), "%s", name);
	i->ifindex = if_nametoindex(name);
	if (fd < 0 || i->ifindex == 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0)
		i->mtu = (uint32_t)ifr.ifr_mtu;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 && ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER)
		memcpy(i->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		i->up = (ifr.ifr_flags & IFF_UP) != 0;
	close(fd);
}

/* Reads conf and plans input's rules; prints each rule's path. */
static void make_plan(const char *path, const char *input, struct conf *c,
		      struct kpath_plan *plan)
{
	struct diag d = { 0 };
	struct kpath_iface *ifaces;
	uint32_t *slots;
	size_t n_ifaces = 0;
	char err[512];

	if (conf_load(path, c, &d) != 0) {
		diag_print(&d, stderr);
		die("%s: invalid configuration", path);
	}
	diag_free(&d);
	ifaces = calloc(c->n_rules * CONF_MAX_OUTPUTS + 1, sizeof(*ifaces));
	slots = calloc(c->n_rules + 1, sizeof(*slots));
	if (ifaces == NULL || slots == NULL)
		die("out of memory");
	for (size_t i = 0; i < c->n_rules; i++) {
		slots[i] = slot_of(c->rules[i].name);
		for (size_t k = 0; k < c->rules[i].n_outputs; k++) {
			const struct conf_output *o = &c->rules[i].outputs[k];
			size_t j = 0;

			while (j < n_ifaces && strcmp(ifaces[j].name, o->ifname) != 0)
				j++;
			if (o->kind == OUTPUT_IFACE && j == n_ifaces)
				iface_lookup(o->ifname, &ifaces[n_ifaces++]);
		}
	}
	struct kpath_plan_params pp = { .conf = c, .input = input, .ifaces = ifaces,
					.n_ifaces = n_ifaces, .slots = slots };

	if (kpath_plan_build(plan, &pp, err, sizeof(err)) < 0)
		die("%s", err);
	for (size_t i = 0; i < plan->n_rules; i++)
		printf("rule %s: %s%s\n", c->rules[plan->rules[i].conf_index].name,
		       plan->rules[i].kernel ? "kernel path" : "packet path: ",
		       plan->rules[i].reason);
	fflush(stdout);
	free(ifaces);
	free(slots);
}

static void write_counters(FILE *f, const struct kpath_counters *counters)
{
	struct kpath_slot_counters *sc = calloc(n_names + 1, sizeof(*sc));
	struct kpath_totals t;
	char err[256];

	if (sc == NULL)
		die("out of memory");
	if (kpath_counters_read(counters, 0, n_names, sc, err, sizeof(err)) < 0 ||
	    kpath_counters_totals(counters, &t, err, sizeof(err)) < 0)
		die("%s", err);
	for (uint32_t i = 0; i < n_names; i++) {
		fprintf(f, "rule %s slot=%u packets_in=%llu bytes_in=%llu ttl_expired=%llu last_ns=%llu\n",
			names[i], i, (unsigned long long)sc[i].rule.packets_in,
			(unsigned long long)sc[i].rule.bytes_in,
			(unsigned long long)sc[i].rule.ttl_expired,
			(unsigned long long)sc[i].rule.last_packet_ns);
		for (unsigned k = 0; k < KPATH_MAX_OUTPUTS; k++) {
			const struct kpath_output_counters *o = &sc[i].out[k];

			if (o->packets || o->too_big || o->errors)
				fprintf(f, "output %s %u packets=%llu bytes=%llu too_big=%llu errors=%llu\n",
					names[i], k, (unsigned long long)o->packets,
					(unsigned long long)o->bytes, (unsigned long long)o->too_big,
					(unsigned long long)o->errors);
		}
	}
	fprintf(f, "totals handled=%llu not_handleable=%llu no_rule=%llu packet_path=%llu\n",
		(unsigned long long)t.handled, (unsigned long long)t.not_handleable,
		(unsigned long long)t.no_rule, (unsigned long long)t.packet_path);
	free(sc);
}

/* Writes the counters to path whole (a temporary file renamed). */
static void save_counters(const char *path, const struct kpath_counters *counters)
{
	char tmp[4096];
	FILE *f;

	if (path == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		die("%s: %s", tmp, strerror(errno));
	write_counters(f, counters);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		die("%s: %s", path, strerror(errno));
}

/* The programs of IFNAME's tcx ingress. */
static int query(const char *ifname)
{
	uint32_t ids[64], n = 64;
	int ifindex = (int)if_nametoindex(ifname);

	if (ifindex == 0)
		die("%s: %s", ifname, strerror(errno));
	if (bpf_prog_query(ifindex, KP_BPF_TCX_INGRESS, 0, NULL, ids, &n) < 0)
		die("tcx query on %s: %s", ifname, strerror(errno));
	printf("tcx: %u\n", n);
	for (uint32_t i = 0; i < n; i++) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			printf("%u %s\n", ids[i], info.name);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

static void usage(void)
{
	fputs("usage: kpathctl -p\n"
	      "       kpathctl -q IFNAME\n"
	      "       kpathctl -c CONF -i INPUT [-a tcx|cls_bpf] [-R READYFILE] [-o COUNTERS]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *conf_path = NULL, *input = NULL, *ready = NULL, *out = NULL;
	enum kpath_attach how;
	struct kpath_counters *counters;
	struct kpath_plan plan;
	struct kpath *k;
	struct conf c;
	bool probe = false;
	char err[512] = "";
	sigset_t block, old;
	int opt, ifindex;

	how = kpath_probe(err, sizeof(err));
	while ((opt = getopt(argc, argv, "pq:c:i:a:R:o:")) != -1) {
		switch (opt) {
		case 'q':
			return query(optarg);
		case 'p':
			probe = true;
			break;
		case 'c':
			conf_path = optarg;
			break;
		case 'i':
			input = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "tcx") == 0)
				how = KPATH_ATTACH_TCX;
			else if (strcmp(optarg, "cls_bpf") == 0)
				how = KPATH_ATTACH_CLS_BPF;
			else
				usage();
			break;
		case 'R':
			ready = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			usage();
		}
	}
	if (probe) {
		printf("%s%s%s\n", kpath_attach_name(how), err[0] ? ": " : "", err);
		return how == KPATH_ATTACH_NONE;
	}
	if (conf_path == NULL || input == NULL || optind != argc)
		usage();
	if (how == KPATH_ATTACH_NONE)
		die("%s", err);
	ifindex = (int)if_nametoindex(input);
	if (ifindex == 0)
		die("%s: %s", input, strerror(errno));

	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGHUP, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	make_plan(conf_path, input, &c, &plan);
	counters = kpath_counters_new(n_names, err, sizeof(err));
	if (counters == NULL)
		die("%s", err);
	k = kpath_open(ifindex, how, &plan, counters, err, sizeof(err));
	if (k == NULL)
		die("%s", err);
	printf("attached to %s by %s: %u instructions verified\n", input, kpath_attach_name(how),
	       kpath_verified_insns(k));
	fflush(stdout);
	kpath_plan_free(&plan);
	conf_free(&c);
	if (ready) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
		f = fopen(tmp, "w");
		if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0 ||
		    rename(tmp, ready) != 0)
			die("%s: %s", ready, strerror(errno));
	}
	while (!got_term) {
		sigsuspend(&old);
		if (got_hup) {
			got_hup = 0;
			make_plan(conf_path, input, &c, &plan);
			if (kpath_update(k, &plan, err, sizeof(err)) < 0)
				die("%s", err);
			printf("updated: %u instructions verified\n", kpath_verified_insns(k));
			fflush(stdout);
			kpath_plan_free(&plan);
			conf_free(&c);
		}
		if (got_usr1) {
			got_usr1 = 0;
			save_counters(out, counters);
		}
	}
	save_counters(out, counters);
	write_counters(stdout, counters);
	kpath_close(k);
	kpath_counters_free(counters);
	return 0;
}
