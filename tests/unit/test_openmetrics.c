/* The status snapshot as metrics: OpenMetrics 1.0 and Prometheus 0.0.4, names, labels, escaping. */
#include "config.h"

#include "lib/status_render.h"
#include "lib/status_openmetrics.h"
#include "lib/strbuf.h"
#include "metrics_check.h"
#include "unit.h"

#include <math.h>
#include <string.h>

static bool has(const struct strbuf *sb, const char *needle)
{
	return sb->s != NULL && strstr(sb->s, needle) != NULL;
}

/* A whole line of the text, not a part of a longer one. */
static bool has_line(const struct strbuf *sb, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = sb->s; p != NULL && (p = strstr(p, line)) != NULL; p++)
		if ((p == sb->s || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define EXPECT_HAS(sb, needle) CHECK(has(sb, needle), "missing '%s' in:\n%s", needle, (sb)->s)
#define EXPECT_LINE(sb, line) CHECK(has_line(sb, line), "missing the line '%s' in:\n%s", line, (sb)->s)
#define EXPECT_NOT(sb, needle) CHECK(!has(sb, needle), "unexpected '%s' in:\n%s", needle, (sb)->s)

static void expect_valid_at(int line, const struct strbuf *sb, bool om)
{
	char why[256] = "";

	CHECK(sb->s != NULL && metrics_text_valid(sb->s, sb->len, om, why, sizeof(why)),
	      "case at line %d: not valid %s: %s in:\n%s", line, om ? "OpenMetrics" : "0.0.4",
	      why, sb->s ? sb->s : "");
}

#define EXPECT_VALID(sb, om) expect_valid_at(__LINE__, sb, om)

static struct st_input inputs[1] = { { .name = "eth0", .datapath = "auto",
					 .kernel = "attached", .rules = 2, .kernel_rules = 1,
					 .counted = true, .handled = 900, .no_rule = 7,
					 .packet_path = 11, .not_handleable = 3 } };
static struct st_iface ifaces[1] = { { .name = "eth1", .tx_dropped = 4 } };

static void make_status(struct st_status *st, struct st_worker *w, struct st_rule *r)
{
	memset(w, 0, 2 * sizeof(*w));
	memset(r, 0, 2 * sizeof(*r));
	*st = (struct st_status){
		.version = "9.9", .config = "/etc/mcrelay.conf", .generation = 7, .pid = 42,
		.uptime = 3725.5, .workers = w, .n_workers = 2, .rules = r, .n_rules = 2,
		.reloads_ok = 6, .reloads_failed = 2, .last_load_time = 1700000000.5,
		.inputs = inputs, .n_inputs = 1, .ifaces = ifaces, .n_ifaces = 1,
	};
	snprintf(w[0].input, sizeof(w[0].input), "eth0");
	w[0].pid = 4242;
	w[0].state = "running";
	w[0].restarts = 3;
	w[0].answering = true;
	w[0].rx_packets = 1234567;
	w[0].rx_bytes = 7654321;
	w[0].no_match = 5;
	w[0].ring_drops = 9;
	w[0].egress_full = 11;
	w[0].vlan = 13;
	w[0].malformed = 1;
	w[0].not_udp = 2;
	w[0].fragments = 3;
	w[0].ttl_expired = 4;
	w[0].send_errors = 6;
	w[0].too_big = 7;
	w[0].ipv6_ext = 19;
	snprintf(w[1].input, sizeof(w[1].input), "eth0");
	w[1].index = 1;
	w[1].state = "restarting";
	snprintf(r[0].name, sizeof(r[0].name), "video1");
	snprintf(r[0].input, sizeof(r[0].input), "eth0");
	snprintf(r[0].group, sizeof(r[0].group), "239.1.1.1");
	snprintf(r[0].path, sizeof(r[0].path), "packet");
	snprintf(r[0].monitor, sizeof(r[0].monitor), "off");
	r[0].port = 5000;
	r[0].active = true;
	r[0].packets_in = 1000;
	r[0].bytes_in = 1316000;
	r[0].n_outputs = 3;
	snprintf(r[0].outputs[0].interface, 16, "eth1");
	snprintf(r[0].outputs[0].group, 16, "239.2.2.2");
	r[0].outputs[0].port = 6000;
	r[0].outputs[0].vlan = 200;
	r[0].outputs[0].active = true;
	r[0].outputs[0].packets = 999;
	r[0].outputs[0].bytes = 1314684;
	r[0].outputs[0].send_errors = 1;
	r[0].outputs[0].too_big = 0;
	r[0].outputs[0].egress_full = 12;
	snprintf(r[0].outputs[1].interface, 16, "eth9");
	snprintf(r[0].outputs[1].group, 16, "239.1.1.1");
	r[0].outputs[1].port = -1;
	r[0].outputs[2].udp = true;
	snprintf(r[0].outputs[2].dest, sizeof(r[0].outputs[2].dest), "10.0.0.5:7000");
	r[0].outputs[2].port = 7000;
	r[0].outputs[2].active = true;
	r[0].outputs[2].packets = 998;
	snprintf(r[1].name, sizeof(r[1].name), "feed6");
	snprintf(r[1].input, sizeof(r[1].input), "eth7");
	snprintf(r[1].group, sizeof(r[1].group), "ff3e::1234");
	snprintf(r[1].path, sizeof(r[1].path), "kernel");
	snprintf(r[1].monitor, sizeof(r[1].monitor), "rtp");
	r[1].upstream_lost = 77;
	r[1].port = -1;
	r[1].n_outputs = 1;
	snprintf(r[1].outputs[0].interface, 16, "eth8");
	snprintf(r[1].outputs[0].group, sizeof(r[1].outputs[0].group), "ff3e::4321");
	r[1].outputs[0].port = 6000;
}

#define R0 "rule=\"video1\",input=\"eth0\",path=\"packet\""
#define R1 "rule=\"feed6\",input=\"eth7\",path=\"kernel\""

static void test_openmetrics(void)
{
	struct st_worker w[2];
	struct st_rule r[2];
	struct st_status st;
	struct strbuf sb = { 0 };

	make_status(&st, w, r);
	status_render(&st, STATUS_OPENMETRICS, &sb);
	EXPECT_VALID(&sb, true);
	CHECK(sb.len > 6 && strcmp(sb.s + sb.len - 6, "# EOF\n") == 0, "does not end in # EOF");
	EXPECT_LINE(&sb, "# TYPE mcrelay_up gauge");
	EXPECT_LINE(&sb, "mcrelay_up 1");
	EXPECT_LINE(&sb, "# TYPE mcrelay_build info");
	EXPECT_LINE(&sb, "mcrelay_build_info{version=\"9.9\"} 1");
	EXPECT_LINE(&sb, "mcrelay_config_generation 7");
	EXPECT_LINE(&sb, "# TYPE mcrelay_config_reloads counter");
	EXPECT_LINE(&sb, "mcrelay_config_reloads_total{result=\"success\"} 6");
	EXPECT_LINE(&sb, "mcrelay_config_reloads_total{result=\"failure\"} 2");
	EXPECT_LINE(&sb, "# UNIT mcrelay_config_last_reload_success_timestamp_seconds seconds");
	EXPECT_LINE(&sb, "mcrelay_config_last_reload_success_timestamp_seconds 1700000000.500");
	EXPECT_LINE(&sb, "# TYPE mcrelay_rule_packets counter");
	EXPECT_LINE(&sb, "mcrelay_rule_packets_total{" R0 "} 1000");
	EXPECT_LINE(&sb, "mcrelay_input_kernel_path_rules{input=\"eth0\"} 1");
	EXPECT_LINE(&sb, "mcrelay_input_kernel_path_frames_total{input=\"eth0\",result=\"handled\"} 900");
	EXPECT_LINE(&sb, "mcrelay_input_kernel_path_frames_total{input=\"eth0\",result=\"no_rule\"} 7");
	EXPECT_LINE(&sb, "mcrelay_output_device_dropped_packets_total{interface=\"eth1\"} 4");
	EXPECT_LINE(&sb, "# UNIT mcrelay_rule_bytes bytes");
	EXPECT_LINE(&sb, "mcrelay_rule_bytes_total{" R0 "} 1316000");
	EXPECT_LINE(&sb, "mcrelay_rule_active{" R0 "} 1");
	EXPECT_LINE(&sb, "mcrelay_rule_active{" R1 "} 0");
	EXPECT_LINE(&sb, "mcrelay_rule_upstream_lost_packets_total{" R0 ",monitor=\"off\"} 0");
	EXPECT_LINE(&sb, "mcrelay_rule_upstream_lost_packets_total{" R1 ",monitor=\"rtp\"} 77");
	EXPECT_LINE(&sb, "mcrelay_output_packets_total{" R0
		    ",output=\"eth1 vlan 200\",destination=\"239.2.2.2:6000\"} 999");
	EXPECT_LINE(&sb, "mcrelay_output_bytes_total{" R0
		    ",output=\"eth1 vlan 200\",destination=\"239.2.2.2:6000\"} 1314684");
	EXPECT_LINE(&sb, "mcrelay_output_errors_total{" R0
		    ",output=\"eth1 vlan 200\",destination=\"239.2.2.2:6000\",reason=\"send_errors\"} 1");
	EXPECT_LINE(&sb, "mcrelay_output_errors_total{" R0
		    ",output=\"eth1 vlan 200\",destination=\"239.2.2.2:6000\",reason=\"too_big\"} 0");
	EXPECT_LINE(&sb, "mcrelay_output_errors_total{" R0
		    ",output=\"eth1 vlan 200\",destination=\"239.2.2.2:6000\",reason=\"egress_full\"} 12");
	/* Each packet's own port; a udp output; IPv6 in brackets before a port. */
	EXPECT_LINE(&sb, "mcrelay_output_active{" R0
		    ",output=\"eth9\",destination=\"239.1.1.1\"} 0");
	EXPECT_LINE(&sb, "mcrelay_output_packets_total{" R0
		    ",output=\"udp\",destination=\"10.0.0.5:7000\"} 998");
	EXPECT_LINE(&sb, "mcrelay_output_packets_total{" R1
		    ",output=\"eth8\",destination=\"[ff3e::4321]:6000\"} 0");
	EXPECT_LINE(&sb, "mcrelay_worker_up{input=\"eth0\",worker=\"0\"} 1");
	EXPECT_LINE(&sb, "mcrelay_worker_up{input=\"eth0\",worker=\"1\"} 0");
	EXPECT_LINE(&sb, "mcrelay_worker_restarts_total{input=\"eth0\",worker=\"0\"} 3");
	EXPECT_LINE(&sb, "mcrelay_worker_received_packets_total{input=\"eth0\",worker=\"0\"} 1234567");
	EXPECT_LINE(&sb, "mcrelay_worker_received_bytes_total{input=\"eth0\",worker=\"0\"} 7654321");
	EXPECT_LINE(&sb, "# TYPE mcrelay_dropped_packets counter");
	{
		static const struct { const char *reason; int v; } drops[] = {
			{ "no_match", 5 }, { "malformed", 1 }, { "not_udp", 2 },
			{ "fragments", 3 }, { "ttl_expired", 4 }, { "vlan", 13 },
			{ "ipv6_ext", 19 }, { "ring", 9 }, { "send_errors", 6 },
			{ "too_big", 7 }, { "egress_full", 11 },
		};
		char line[160];

		for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
			snprintf(line, sizeof(line),
				 "mcrelay_dropped_packets_total{input=\"eth0\",worker=\"0\","
				 "reason=\"%s\"} %d", drops[i].reason, drops[i].v);
			EXPECT_LINE(&sb, line);
		}
	}
	sb_free(&sb);
}

static void test_prometheus(void)
{
	struct st_worker w[2];
	struct st_rule r[2];
	struct st_status st;
	struct strbuf sb = { 0 }, om = { 0 };

	make_status(&st, w, r);
	status_render(&st, STATUS_PROMETHEUS, &sb);
	EXPECT_VALID(&sb, false);
	EXPECT_NOT(&sb, "# EOF");
	EXPECT_NOT(&sb, "# UNIT");
	EXPECT_LINE(&sb, "# TYPE mcrelay_rule_packets_total counter");
	EXPECT_LINE(&sb, "# TYPE mcrelay_build_info gauge");
	EXPECT_LINE(&sb, "mcrelay_build_info{version=\"9.9\"} 1");
	EXPECT_LINE(&sb, "# TYPE mcrelay_config_last_reload_success_timestamp_seconds gauge");
	EXPECT_LINE(&sb, "mcrelay_rule_packets_total{" R0 "} 1000");
	/* The same samples, line for line, as the OpenMetrics text. */
	status_render(&st, STATUS_OPENMETRICS, &om);
	size_t samples = 0;

	for (char *line = om.s, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		if (line[0] == '#')
			continue;
		samples++;
		CHECK(has_line(&sb, line), "sample '%s' is not in the 0.0.4 text", line);
	}
	CHECK(samples > 60, "only %zu samples", samples);
	sb_free(&om);
	sb_free(&sb);
}

/* Label values escaped as both formats want; never invalid UTF-8. */
static void test_escaping(void)
{
	struct st_worker w[2];
	struct st_rule r[2];
	struct st_status st;
	struct strbuf sb = { 0 };

	make_status(&st, w, r);
	snprintf(r[0].name, sizeof(r[0].name), "a\"b\\c\nd\xff" "e\xc3\xa9");
	snprintf(w[0].input, sizeof(w[0].input), "x\x01y");
	st.version = "1.0\"}\n# EOF";
	for (int om = 1; om >= 0; om--) {
		sb_free(&sb);
		status_render(&st, om ? STATUS_OPENMETRICS : STATUS_PROMETHEUS, &sb);
		EXPECT_VALID(&sb, om);
		EXPECT_HAS(&sb, "rule=\"a\\\"b\\\\c\\nd\xef\xbf\xbd" "e\xc3\xa9\"");
		EXPECT_HAS(&sb, "input=\"x\x01y\"");
		EXPECT_LINE(&sb, "mcrelay_build_info{version=\"1.0\\\"}\\n# EOF\"} 1");
	}
	sb_free(&sb);

	struct strbuf l = { 0 };

	metrics_label_value(&l, "");
	metrics_label_value(&l, "\xe2\x82");	/* cut short */
	metrics_label_value(&l, "\xed\xa0\x80");	/* a surrogate */
	CHECK(l.s && strcmp(l.s, "\"\"\"\xef\xbf\xbd\xef\xbf\xbd\"\"\xef\xbf\xbd\xef\xbf\xbd"
				  "\xef\xbf\xbd\"") == 0, "label values: '%s'", l.s);
	sb_free(&l);
}

static void test_edges(void)
{
	struct st_status st = { .version = "0" };
	struct strbuf sb = { 0 };

	/* Nothing configured yet: every family, no sample of them. */
	status_render(&st, STATUS_OPENMETRICS, &sb);
	EXPECT_VALID(&sb, true);
	EXPECT_LINE(&sb, "# TYPE mcrelay_rule_packets counter");
	EXPECT_NOT(&sb, "mcrelay_rule_packets_total");
	EXPECT_LINE(&sb, "mcrelay_config_last_reload_success_timestamp_seconds 0.000");
	sb_free(&sb);
	st.last_load_time = NAN;
	status_render(&st, STATUS_OPENMETRICS, &sb);
	EXPECT_VALID(&sb, true);
	EXPECT_LINE(&sb, "mcrelay_config_last_reload_success_timestamp_seconds NaN");
	sb_free(&sb);
	st.last_load_time = INFINITY;
	status_render(&st, STATUS_PROMETHEUS, &sb);
	EXPECT_VALID(&sb, false);
	EXPECT_LINE(&sb, "mcrelay_config_last_reload_success_timestamp_seconds +Inf");
	sb_free(&sb);

	/* The checker itself finds what is wrong. */
	static const char *const bad[] = {
		"# TYPE a counter\na 1\n# EOF\n",		/* no _total */
		"# TYPE a_total counter\na_total 1\n# EOF\n# EOF\n",
		"# TYPE a gauge\na{x=\"\\t\"} 1\n# EOF\n",	/* a bad escape */
		"# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n# EOF\n",
		"# TYPE a gauge\na 1\na 2\n# EOF\n",		/* a series twice */
		"# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n# EOF\n",
		"# TYPE a gauge\n# UNIT a bytes\na 1\n# EOF\n",
		"# TYPE a gauge\na x\n# EOF\n",
		"# TYPE a gauge\na{x=\"\xff\"} 1\n# EOF\n",
		"# TYPE a gauge\na 1\n",			/* no # EOF */
	};
	char why[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!metrics_text_valid(bad[i], strlen(bad[i]), true, why, sizeof(why)),
		      "the checker took bad case %zu", i);
	const char *good = "# TYPE a counter\na_total{b=\"\\\"\\\\\\n\"} 1\n# EOF\n";

	CHECK(metrics_text_valid(good, strlen(good), true, why, sizeof(why)),
	      "the checker refused a good case: %s", why);
}

int main(void)
{
	unit_deadline(30);
	test_openmetrics();
	test_prometheus();
	test_escaping();
	test_edges();
	return unit_summary("test_openmetrics");
}
