/*
 * Unit tests for the worker's half of the configuration hand-off: sockets
 * and rules assembled into a configuration, every kind of incomplete or
 * inconsistent set refused with a reason, and counters carried by rule name
 * (and output position) across a reload, at the size of 10,000 rules.
 */
#include "config.h"

#include "unit.h"
#include "worker_conf.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static struct ho_socket sock_msg(uint32_t role, uint32_t slot, const char *ifname)
{
	struct ho_socket s = { .role = role, .slot = slot, .ifindex = 7 + (int)slot,
			       .mtu = 1500, .mac = { 2, 0, 0, 0, 0, (uint8_t)slot } };

	snprintf(s.ifname, sizeof(s.ifname), "%s", ifname);
	return s;
}

static struct ho_rule rule_msg(const char *name, uint32_t group, unsigned n_out)
{
	struct ho_rule m = { .group = htonl(group), .port = htons(5000), .ttl_mode = 0 };

	snprintf(m.name, sizeof(m.name), "%s", name);
	m.n_outputs = n_out;
	for (unsigned k = 0; k < n_out; k++) {
		m.outputs[k].slot = k;
		m.outputs[k].group = htonl(0xef020000 + k);
		m.outputs[k].conf_index = (uint8_t)k;
	}
	return m;
}

static void test_assemble(void)
{
	struct worker_conf p;
	struct ho_socket in = sock_msg(HO_ROLE_INGRESS, 0, "r0");
	struct ho_socket e0 = sock_msg(HO_ROLE_EGRESS, 0, "o0");
	struct ho_socket e1 = sock_msg(HO_ROLE_EGRESS, 1, "o1");
	struct ho_rule r = rule_msg("video", 0xef010101, 2);
	struct ho_commit c = { .generation = 2, .n_rules = 1, .n_sockets = 3 };
	char err[160];

	worker_conf_init(&p);
	CHECK(worker_conf_complete(&p, &c, err, sizeof(err)) < 0, "empty set accepted");
	CHECK(worker_conf_add_socket(&p, &in, 10, err, sizeof(err)) == 0, "ingress: %s", err);
	CHECK(worker_conf_add_socket(&p, &in, 11, err, sizeof(err)) < 0 &&
		      strstr(err, "two ingress") != NULL, "second ingress: %s", err);
	CHECK(worker_conf_add_socket(&p, &e1, 12, err, sizeof(err)) < 0 &&
		      strstr(err, "out of order") != NULL, "slot 1 first: %s", err);
	CHECK(worker_conf_add_socket(&p, &e0, 12, err, sizeof(err)) == 0, "egress 0: %s", err);
	CHECK(worker_conf_add_rule(&p, &r, err, sizeof(err)) == 0, "rule: %s", err);
	CHECK(worker_conf_complete(&p, &c, err, sizeof(err)) < 0 &&
		      strstr(err, "incomplete") != NULL, "2 of 3 sockets: %s", err);
	CHECK(worker_conf_add_socket(&p, &e1, 13, err, sizeof(err)) == 0, "egress 1: %s", err);
	CHECK(worker_conf_complete(&p, &c, err, sizeof(err)) == 0, "complete set: %s", err);
	CHECK(p.ingress_fd == 10 && p.n_egress == 2 && p.egress[1].fd == 13 &&
		      p.egress[1].ifindex == 8 && strcmp(p.egress[1].ifname, "o1") == 0,
	      "sockets as sent");
	CHECK(p.n_rules == 1 && p.rules[0].n_out == 2 &&
		      p.rules[0].out[1].group == htonl(0xef020001) &&
		      p.rules[0].out[1].dst_mac[0] == 0x01 && p.rules[0].out[1].dst_mac[5] == 1,
	      "rule as sent, with its multicast MAC");

	struct ho_rule bad = rule_msg("bad", 0xef010102, 1);

	bad.outputs[0].slot = 5;
	CHECK(worker_conf_add_rule(&p, &bad, err, sizeof(err)) == 0, "rule with slot 5");
	c.n_rules = 2;
	CHECK(worker_conf_complete(&p, &c, err, sizeof(err)) < 0 &&
		      strstr(err, "missing egress") != NULL, "slot beyond sockets: %s", err);
	bad.n_outputs = RULE_MAX_OUTPUTS + 1;
	CHECK(worker_conf_add_rule(&p, &bad, err, sizeof(err)) < 0, "17 outputs accepted");
	worker_conf_free(&p);
	CHECK(p.ingress_fd == -1 && p.n_rules == 0 && p.rules == NULL, "freed and reset");
}

/* A reload keeps the counters of rules that stay, found by name, however many. */
static void test_carry(size_t n)
{
	struct rule *old_rules = calloc(n, sizeof(*old_rules));
	struct rule *now = calloc(n + 1, sizeof(*now));
	struct rule_table old;
	size_t carried = 0, fresh = 0;

	if (old_rules == NULL || now == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		struct rule *r = &old_rules[i];

		snprintf(r->name, sizeof(r->name), "rule%zu", i);
		r->group = htonl(0xef000000 + (uint32_t)i);
		r->packets_in = 1000 + i;
		r->n_out = r->n_all = 2;
		r->out[0].conf_index = 0;
		r->out[0].packets = 10 + i;
		r->out[1].conf_index = 1;
		r->out[1].packets = 20 + i;
	}
	CHECK(rule_table_init(&old, old_rules, n) == 0, "old table");
	/* The new set: every other rule stays (in reverse order), the rest are new. */
	for (size_t i = 0; i < n; i++) {
		size_t src = n - 1 - i;

		if (i % 2 == 0)
			snprintf(now[i].name, sizeof(now[i].name), "rule%zu", src);
		else
			snprintf(now[i].name, sizeof(now[i].name), "new%zu", i);
		now[i].n_out = now[i].n_all = 1;
		now[i].out[0].conf_index = 1;	/* only the second output stays */
	}
	CHECK(worker_conf_carry_counters(now, n, &old) == 0, "carry");
	for (size_t i = 0; i < n; i++) {
		size_t src = n - 1 - i;

		if (i % 2 == 0)
			carried += now[i].packets_in == 1000 + src &&
				   now[i].out[0].packets == 20 + src;
		else
			fresh += now[i].packets_in == 0 && now[i].out[0].packets == 0;
	}
	CHECK(carried == (n + 1) / 2, "%zu rules: %zu of %zu carried", n, carried, (n + 1) / 2);
	CHECK(fresh == n / 2, "%zu rules: %zu of %zu new ones start at zero", n, fresh, n / 2);
	rule_table_free(&old);
	free(now);
}

/*
 * An output without its socket comes pending, after the others, and keeps
 * its counters through that and back: they are the output's, not its
 * interface's or socket's.
 */
static void test_pending(void)
{
	struct worker_conf p;
	struct ho_socket in = sock_msg(HO_ROLE_INGRESS, 0, "r0");
	struct ho_socket u = { .role = HO_ROLE_UDP, .slot = 0, .udp_family = AF_INET,
			       .udp_port = 7000, .udp_addr = { 10, 0, 0, 5 } };
	struct ho_rule m = rule_msg("video", 0xef010101, 3);
	struct ho_commit c = { .generation = 2, .n_rules = 1, .n_sockets = 2 };
	struct rule_table old;
	struct rule *rules;
	char err[160];

	/* Output 0 pending (its slot would name no socket), 1 and 2 on the udp socket. */
	m.outputs[0].flags = HO_OUT_PENDING;
	m.outputs[0].slot = 9;
	m.outputs[1].slot = 0;
	m.outputs[2].slot = 0;
	worker_conf_init(&p);
	CHECK(worker_conf_add_socket(&p, &in, 10, err, sizeof(err)) == 0, "ingress: %s", err);
	CHECK(worker_conf_add_socket(&p, &u, 11, err, sizeof(err)) == 0, "udp: %s", err);
	CHECK(p.n_egress == 1 && p.egress[0].udp && p.egress[0].udp_overhead == 28 &&
		      strcmp(p.egress[0].label, "udp 10.0.0.5:7000") == 0,
	      "udp socket: label '%s'", p.egress[0].label);
	CHECK(worker_conf_add_rule(&p, &m, err, sizeof(err)) == 0, "rule: %s", err);
	CHECK(worker_conf_complete(&p, &c, err, sizeof(err)) == 0, "complete: %s", err);
	if (!CHECK(p.n_rules == 1 && p.rules[0].n_out == 2 && p.rules[0].n_all == 3,
		   "n_out %u n_all %u", p.rules[0].n_out, p.rules[0].n_all))
		return;
	CHECK(p.rules[0].out[0].conf_index == 1 && p.rules[0].out[1].conf_index == 2 &&
		      p.rules[0].out[2].conf_index == 0, "the pending output last");

	/* Counted while it was sent to, pending now: its counts stay. */
	rules = calloc(1, sizeof(*rules));
	if (rules == NULL)
		abort();
	snprintf(rules[0].name, sizeof(rules[0].name), "video");
	rules[0].group = m.group;
	rules[0].n_out = rules[0].n_all = 3;
	for (unsigned k = 0; k < 3; k++) {
		rules[0].out[k].conf_index = (uint8_t)k;
		rules[0].out[k].packets = 100 + k;
		rules[0].out[k].send_errors = 10 + k;
	}
	CHECK(rule_table_init(&old, rules, 1) == 0, "old table");
	CHECK(worker_conf_carry_counters(p.rules, p.n_rules, &old) == 0, "carry");
	CHECK(p.rules[0].out[2].packets == 100 && p.rules[0].out[2].send_errors == 10,
	      "pending output: %llu packets, %llu errors",
	      (unsigned long long)p.rules[0].out[2].packets,
	      (unsigned long long)p.rules[0].out[2].send_errors);
	CHECK(p.rules[0].out[0].packets == 101 && p.rules[0].out[1].packets == 102,
	      "active outputs carried");
	rule_table_free(&old);

	/* And back from pending: carried from the pending entry. */
	struct rule *back = calloc(1, sizeof(*back));

	if (back == NULL)
		abort();
	CHECK(rule_table_init(&old, p.rules, 1) == 0, "pending table");
	p.rules = NULL;
	snprintf(back->name, sizeof(back->name), "video");
	back->n_out = back->n_all = 1;
	back->out[0].conf_index = 0;
	CHECK(worker_conf_carry_counters(back, 1, &old) == 0, "carry back");
	CHECK(back->out[0].packets == 100 && back->out[0].send_errors == 10,
	      "back from pending: %llu packets", (unsigned long long)back->out[0].packets);
	rule_table_free(&old);
	free(back);
	worker_conf_free(&p);
}

int main(void)
{
	unit_deadline(60);
	test_assemble();
	test_pending();
	test_carry(3);
	test_carry(10000);
	return unit_summary("test_worker_conf");
}
