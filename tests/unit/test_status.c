/* Rendering of the status snapshot: JSON field names and values, the table, escaping. */
#include "config.h"

#include "lib/status_format.h"
#include "lib/strbuf.h"
#include "json_check.h"
#include "unit.h"

#include <math.h>
#include <string.h>

static bool has(const struct strbuf *sb, const char *needle)
{
	return sb->s != NULL && strstr(sb->s, needle) != NULL;
}

#define EXPECT_HAS(sb, needle) CHECK(has(sb, needle), "missing %s in:\n%s", needle, (sb)->s)

/* The whole document is JSON: json_check.h says where it stops being. */
static void expect_json_at(int line, const struct strbuf *sb)
{
	size_t where = 0;

	CHECK(sb->s != NULL && json_valid(sb->s, sb->len, &where),
	      "case at line %d: not JSON from offset %zu: '%.40s' in:\n%s", line, where,
	      sb->s ? sb->s + where : "", sb->s ? sb->s : "");
}

#define EXPECT_JSON(sb) expect_json_at(__LINE__, sb)

static void make_status(struct st_status *st, struct st_worker *w, struct st_rule *r)
{
	memset(w, 0, sizeof(*w));
	memset(r, 0, 2 * sizeof(*r));
	*st = (struct st_status){
		.version = "9.9", .config = "/etc/mc\"relay.conf", .generation = 7,
		.pid = 42, .uptime = 3725.5, .workers = w, .n_workers = 1,
		.rules = r, .n_rules = 2,
	};
	snprintf(w->input, sizeof(w->input), "eth0");
	w->pid = 4242;
	w->state = "running";
	w->uptime = 61;
	w->restarts = 3;
	w->answering = true;
	w->counters_age = 0.04;
	w->rx_packets = 1234567;
	w->no_match = 5;
	w->ring_drops = 9;
	w->egress_full = 11;
	w->vlan = 13;
	w->malformed = 1;
	w->not_udp = 2;
	w->fragments = 3;
	w->ipv6_ext = 19;
	snprintf(w->sandbox, sizeof(w->sandbox), "seccomp,chroot,landlock:7");
	snprintf(r[0].name, sizeof(r[0].name), "video1");
	snprintf(r[0].path, sizeof(r[0].path), "kernel");
	snprintf(r[0].input, sizeof(r[0].input), "eth0");
	snprintf(r[0].group, sizeof(r[0].group), "239.1.1.1");
	r[0].port = 5000;
	snprintf(r[0].source, sizeof(r[0].source), "10.0.0.1");
	r[0].active = true;
	r[0].packets_in = 1000;
	r[0].bytes_in = 1316000;
	r[0].pps = 50.5;
	r[0].last_packet_age = 0.25;
	r[0].n_outputs = 2;
	snprintf(r[0].outputs[0].interface, 16, "eth1");
	snprintf(r[0].outputs[0].group, 16, "239.2.2.2");
	r[0].outputs[0].port = 6000;
	r[0].outputs[0].vlan = 200;
	r[0].outputs[0].active = true;
	r[0].outputs[0].packets = 999;
	r[0].outputs[0].send_errors = 1;
	r[0].outputs[0].egress_full = 12;
	snprintf(r[0].outputs[1].interface, 16, "eth9");
	snprintf(r[0].outputs[1].group, 16, "239.1.1.1");
	r[0].outputs[1].port = 5000;
	snprintf(r[1].name, sizeof(r[1].name), "feed");
	snprintf(r[1].input, sizeof(r[1].input), "eth7");
	r[1].vlan = 100;
	snprintf(r[1].group, sizeof(r[1].group), "239.3.3.3");
	r[1].port = -1;
	r[1].last_packet_age = -1;
	r[1].n_outputs = 2;
	snprintf(r[1].outputs[0].interface, 16, "eth1");
	snprintf(r[1].outputs[0].group, 16, "239.3.3.3");
	r[1].outputs[0].port = -1;
	r[1].outputs[1].udp = true;
	snprintf(r[1].outputs[1].dest, sizeof(r[1].outputs[1].dest), "10.0.0.5:7000");
	r[1].outputs[1].port = 7000;
	r[1].outputs[1].active = true;
	r[1].outputs[1].packets = 77;
	r[1].outputs[1].send_errors = 3;
}

static void test_json(void)
{
	struct st_status st;
	struct st_worker w;
	struct st_rule r[2];
	struct strbuf sb = { 0 };

	make_status(&st, &w, r);
	status_format_json(&st, &sb);
	EXPECT_HAS(&sb, "\"version\": \"9.9\"");
	EXPECT_HAS(&sb, "\"config\": \"/etc/mc\\\"relay.conf\"");
	EXPECT_HAS(&sb, "\"generation\": 7");
	EXPECT_HAS(&sb, "\"pid\": 4242, \"state\": \"running\"");
	EXPECT_HAS(&sb, "\"uptime_s\": 61.0, \"answering\": true, \"counters_age_s\": 0.0, "
			"\"restarts\": 3");
	EXPECT_HAS(&sb, "\"rx_packets\": 1234567");
	EXPECT_HAS(&sb, "\"no_match\": 5");
	EXPECT_HAS(&sb, "\"malformed\": 1, \"not_udp\": 2, \"fragments\": 3");
	EXPECT_HAS(&sb, "\"ttl_expired\": 0, \"vlan\": 13");
	EXPECT_HAS(&sb, "\"name\": \"video1\", \"input\": \"eth0\", \"vlan\": null");
	EXPECT_HAS(&sb, "\"ring\": 9, \"egress_full\": 11, \"ipv6_ext\": 19}, "
			"\"kernel_path\": 0, \"sandbox\": \"seccomp,chroot,landlock:7\"}");
	EXPECT_HAS(&sb, "\"path\": \"packet\", \"path_reason\": null");
	EXPECT_HAS(&sb, "\"path\": \"kernel\", \"path_reason\": null");
	EXPECT_HAS(&sb, "\"name\": \"video1\"");
	EXPECT_HAS(&sb, "\"input\": \"eth0\", \"vlan\": null, \"group\": \"239.1.1.1\", \"port\": 5000, ");
	EXPECT_HAS(&sb, "\"source\": \"10.0.0.1\", \"state\": \"active\"");
	EXPECT_HAS(&sb, "\"packets_in\": 1000, \"bytes_in\": 1316000, \"pps\": 50.5");
	EXPECT_HAS(&sb, "\"last_packet_age_s\": 0.250");
	EXPECT_HAS(&sb, "{\"type\": \"multicast\", \"interface\": \"eth1\", \"vlan\": 200, \"group\": \"239.2.2.2\", \"port\": 6000, \"state\": \"active\", \"packets_out\": 999");
	EXPECT_HAS(&sb, "\"send_errors\": 1, \"too_big\": 0, \"egress_full\": 12}");
	EXPECT_HAS(&sb, "{\"type\": \"multicast\", \"interface\": \"eth9\", \"vlan\": null, \"group\": \"239.1.1.1\", \"port\": 5000, \"state\": \"pending\"");
	EXPECT_HAS(&sb, "\"name\": \"feed\", \"input\": \"eth7\", \"vlan\": 100, \"group\": \"239.3.3.3\", \"port\": null, ");
	EXPECT_HAS(&sb, "\"source\": null, \"state\": \"pending\", \"packets_in\": 0");
	EXPECT_HAS(&sb, "\"last_packet_age_s\": null");
	EXPECT_HAS(&sb, "{\"type\": \"udp\", \"destination\": \"10.0.0.5:7000\", \"interface\": null, \"vlan\": null, \"group\": null, \"port\": 7000, \"state\": \"active\", \"packets_out\": 77");
	EXPECT_HAS(&sb, "\"send_errors\": 3, \"too_big\": 0");
	EXPECT_JSON(&sb);
	/* Balanced brackets and braces: the cheapest structural check without a parser. */
	int braces = 0, brackets = 0;
	bool in_string = false;

	for (const char *p = sb.s; *p; p++) {
		if (*p == '\\' && in_string) {
			p++;
			continue;
		}
		if (*p == '"')
			in_string = !in_string;
		else if (!in_string)
			braces += (*p == '{') - (*p == '}'), brackets += (*p == '[') - (*p == ']');
		CHECK(braces >= 0 && brackets >= 0, "closing before opening at %zu", (size_t)(p - sb.s));
	}
	CHECK(braces == 0 && brackets == 0 && !in_string, "unbalanced JSON: %d %d", braces, brackets);
	sb_free(&sb);
}

/* The worker's line: MALFORM counts every kind of malformed or refused packet. */
static void check_worker_line(const struct strbuf *sb, unsigned long want)
{
	const char *line = strstr(sb->s, "\neth0 ");
	char name[32], pid[16], state[16], up[16], rx[16];
	unsigned long restarts, nomatch, malformed, vlan;

	if (!CHECK(line != NULL, "no worker line in:\n%s", sb->s))
		return;
	if (!CHECK(sscanf(line + 1, "%31s %15s %15s %15s %lu %15s %lu %lu %lu", name, pid, state,
			  up, &restarts, rx, &nomatch, &malformed, &vlan) == 9,
		   "worker line: %.80s", line + 1))
		return;
	CHECK(nomatch == 5 && malformed == want && vlan == 13,
	      "worker line: nomatch %lu malformed %lu vlan %lu, expected 5 %lu 13", nomatch,
	      malformed, vlan, want);
}

static void test_text(void)
{
	struct st_status st;
	struct st_worker w;
	struct st_rule r[2];
	struct strbuf sb = { 0 };

	make_status(&st, &w, r);
	status_format_text(&st, &sb);
	EXPECT_HAS(&sb, "mcrelay 9.9, pid 42, up 1h02m, configuration 7");
	EXPECT_HAS(&sb, "video1");
	EXPECT_HAS(&sb, "239.1.1.1:5000 from 10.0.0.1");
	EXPECT_HAS(&sb, "-> 239.2.2.2:6000");
	EXPECT_HAS(&sb, "1 send errors, 0 too big, 12 queue full");
	EXPECT_HAS(&sb, "QFULL");
	EXPECT_HAS(&sb, "SANDBOX");
	EXPECT_HAS(&sb, "  seccomp,chroot,landlock:7\n");
	EXPECT_HAS(&sb, "eth7 vlan 100");
	EXPECT_HAS(&sb, "eth1 vlan 200");
	EXPECT_HAS(&sb, " VLAN ");
	EXPECT_HAS(&sb, "       13 ");
	EXPECT_HAS(&sb, "239.3.3.3:*");
	EXPECT_HAS(&sb, "udp      active          -> 10.0.0.5:7000");
	EXPECT_HAS(&sb, " active   kernel 239.1.1.1:5000 from 10.0.0.1");
	EXPECT_HAS(&sb, "3 send errors, 0 too big, 0 queue full");
	EXPECT_HAS(&sb, "never");
	EXPECT_HAS(&sb, "0s ago");
	EXPECT_HAS(&sb, "1.32M");	/* bytes in, human-readable */
	EXPECT_HAS(&sb, "4242");
	EXPECT_HAS(&sb, "1m01s");
	CHECK(strstr(sb.s, "pending") != NULL, "a pending rule or output is shown as such");
	check_worker_line(&sb, 1 + 2 + 3 + 19);
	sb_free(&sb);
}

/*
 * A worker that did not answer STATS_REQ in time: "no answer" in the
 * table with a note on how old its counters are, "answering": false in
 * JSON; one with no counters yet has a null age.
 */
static void test_not_answering(void)
{
	struct st_status st;
	struct st_worker w;
	struct st_rule r[2];
	struct strbuf sb = { 0 };

	make_status(&st, &w, r);
	w.answering = false;
	w.counters_age = 75;
	status_format_text(&st, &sb);
	EXPECT_HAS(&sb, "\neth0     4242     no answer  1m01s ");
	EXPECT_HAS(&sb, "\nworker eth0 (pid 4242) did not answer: its counters, and its share of "
			"the rules', are 1m15s old\n");
	sb_free(&sb);
	status_format_json(&st, &sb);
	EXPECT_HAS(&sb, "\"state\": \"running\", \"uptime_s\": 61.0, \"answering\": false, "
			"\"counters_age_s\": 75.0, ");
	EXPECT_JSON(&sb);
	sb_free(&sb);
	w.counters_age = -1;
	w.index = 2;
	status_format_text(&st, &sb);
	EXPECT_HAS(&sb, "worker eth0/2 (pid 4242) did not answer, and has sent no counters yet\n");
	sb_free(&sb);
	status_format_json(&st, &sb);
	EXPECT_HAS(&sb, "\"answering\": false, \"counters_age_s\": null, ");
	EXPECT_JSON(&sb);
	sb_free(&sb);
	/* Answering: no note. */
	make_status(&st, &w, r);
	status_format_text(&st, &sb);
	CHECK(strstr(sb.s, "did not answer") == NULL, "a note for a worker that answers:\n%s", sb.s);
	sb_free(&sb);
}

/* No control character from a name or a path reaches the table or the JSON raw. */
static bool has_control(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n') || *s == 0x7f)
			return true;
	return false;
}

static void test_escaped_names(void)
{
	struct st_status st;
	struct st_worker w;
	struct st_rule r[2];
	struct strbuf sb = { 0 };

	make_status(&st, &w, r);
	st.config = "/etc/mc\x1b[2J.conf";
	snprintf(r[0].name, sizeof(r[0].name), "vi\adeo");
	snprintf(r[0].input, sizeof(r[0].input), "eth\x01");
	snprintf(r[0].outputs[0].interface, sizeof(r[0].outputs[0].interface), "o\x7fut");
	snprintf(w.input, sizeof(w.input), "w\x1b]0;x");
	w.answering = false;
	status_format_text(&st, &sb);
	CHECK(!has_control(sb.s), "a control character in the table:\n%s", sb.s);
	EXPECT_HAS(&sb, "configuration 7 (/etc/mc\\x1b[2J.conf)");
	EXPECT_HAS(&sb, "vi\\x07deo ");
	EXPECT_HAS(&sb, "eth\\x01 ");
	EXPECT_HAS(&sb, "o\\x7fut vlan 200");
	EXPECT_HAS(&sb, "\nw\\x1b]0;x ");
	EXPECT_HAS(&sb, "worker w\\x1b]0;x (pid 4242) did not answer");
	sb_free(&sb);
	status_format_json(&st, &sb);
	CHECK(!has_control(sb.s), "a control character in the JSON:\n%s", sb.s);
	EXPECT_HAS(&sb, "\"config\": \"/etc/mc\\u001b[2J.conf\"");
	EXPECT_JSON(&sb);
	sb_free(&sb);

	/* The fixed-size form: cut at a whole escape, backslashes kept on demand. */
	char out[10];

	CHECK(strcmp(str_escaped(out, sizeof(out), "ab\x1b\x1b", false), "ab\\x1b") == 0,
	      "cut: '%s'", out);
	CHECK(strcmp(str_escaped(out, sizeof(out), "a\\b\tc", true), "a\\b\\x09c") == 0,
	      "backslash kept: '%s'", out);
	CHECK(strcmp(str_escaped(out, sizeof(out), "a\\b", false), "a\\x5cb") == 0,
	      "backslash escaped: '%s'", out);
	CHECK(strcmp(str_escaped(out, 1, "abc", false), "") == 0, "one byte: '%s'", out);
}

/* IPv6 groups and sources: brackets before a port in the text, plain in JSON. */
static void make_status6(struct st_status *st, struct st_worker *w, struct st_rule *r)
{
	make_status(st, w, r);
	snprintf(r[0].group, sizeof(r[0].group), "ff3e::1234");
	snprintf(r[0].source, sizeof(r[0].source), "2001:db8::1");
	snprintf(r[0].outputs[0].group, sizeof(r[0].outputs[0].group), "ff3e::4321");
	snprintf(r[0].outputs[1].group, sizeof(r[0].outputs[1].group), "ff3e::1234");
	/* The longest text an address can take. */
	snprintf(r[1].group, sizeof(r[1].group), "ff3e:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	snprintf(r[1].outputs[0].group, sizeof(r[1].outputs[0].group),
		 "ff3e:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
}

static void test_ipv6(void)
{
	struct st_status st;
	struct st_worker w;
	struct st_rule r[2];
	struct strbuf sb = { 0 };

	make_status6(&st, &w, r);
	status_format_text(&st, &sb);
	EXPECT_HAS(&sb, "[ff3e::1234]:5000 from 2001:db8::1");
	EXPECT_HAS(&sb, "-> [ff3e::4321]:6000");
	EXPECT_HAS(&sb, "-> [ff3e::1234]:5000");
	EXPECT_HAS(&sb, "[ff3e:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:*");
	EXPECT_HAS(&sb, "-> [ff3e:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:*");
	CHECK(strstr(sb.s, " ff3e::") == NULL && strstr(sb.s, "[[") == NULL,
	      "an IPv6 address without or with doubled brackets:\n%s", sb.s);
	sb_free(&sb);

	status_format_json(&st, &sb);
	EXPECT_HAS(&sb, "\"input\": \"eth0\", \"vlan\": null, \"group\": \"ff3e::1234\", \"port\": 5000, ");
	EXPECT_HAS(&sb, "\"source\": \"2001:db8::1\", \"state\": \"active\"");
	EXPECT_HAS(&sb, "{\"type\": \"multicast\", \"interface\": \"eth1\", \"vlan\": 200, \"group\": \"ff3e::4321\", \"port\": 6000");
	EXPECT_HAS(&sb, "\"group\": \"ff3e:ffff:ffff:ffff:ffff:ffff:255.255.255.255\", \"port\": null");
	CHECK(strchr(sb.s, '[') == NULL || strstr(sb.s, "\"[") == NULL,
	      "brackets inside a JSON string:\n%s", sb.s);
	sb_free(&sb);
}

/*
 * What is not a number (NaN, infinity: a sum that overflowed, or a value
 * no check caught) never reaches the JSON as nan or inf: it is null, and
 * "-" in the table; the document stays JSON.
 */
static void test_not_numbers(void)
{
	static const double bad[] = { NAN, -NAN, INFINITY, -INFINITY };
	struct st_status st;
	struct st_worker w;
	struct st_rule r[2];
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_status(&st, &w, r);
		st.uptime = bad[i];
		w.uptime = bad[i];
		r[0].pps = r[0].bps = bad[i];
		r[0].last_packet_age = bad[i];
		r[0].outputs[0].pps = r[0].outputs[1].bps = bad[i];
		r[1].outputs[1].pps = r[1].outputs[1].bps = bad[i];
		status_format_json(&st, &sb);
		EXPECT_JSON(&sb);
		CHECK(strstr(sb.s, "nan") == NULL && strstr(sb.s, "inf") == NULL &&
			      strstr(sb.s, "NAN") == NULL && strstr(sb.s, "INF") == NULL,
		      "case %zu: not a number printed:\n%s", i, sb.s);
		EXPECT_HAS(&sb, "\"packets_in\": 1000, \"bytes_in\": 1316000, \"pps\": null, "
				"\"bps\": null");
		EXPECT_HAS(&sb, "\"generation\": 7, \"pid\": 42, \"uptime_s\": null");
		sb_free(&sb);
		status_format_text(&st, &sb);
		CHECK(strstr(sb.s, "nan") == NULL && strstr(sb.s, "inf") == NULL &&
			      strstr(sb.s, "NAN") == NULL && strstr(sb.s, "INF") == NULL,
		      "case %zu: not a number in the table:\n%s", i, sb.s);
		EXPECT_HAS(&sb, "pid 42, up -, configuration 7");
		sb_free(&sb);
	}
	/* Finite but huge: printed as numbers, still JSON. */
	make_status(&st, &w, r);
	r[0].pps = 1.7e308;
	st.uptime = 1e300;
	status_format_json(&st, &sb);
	EXPECT_JSON(&sb);
	sb_free(&sb);
	status_format_text(&st, &sb);
	EXPECT_HAS(&sb, "up -,");
	sb_free(&sb);
}

static void test_strbuf(void)
{
	struct strbuf sb = { 0 };

	sb_json_string(&sb, "a\"b\\c\n\x01");
	CHECK(strcmp(sb.s, "\"a\\\"b\\\\c\\u000a\\u0001\"") == 0, "escaped: %s", sb.s);
	sb_free(&sb);
	/* UTF-8 passes; DEL and C1 controls are escaped, and bytes that are not UTF-8 replaced. */
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "\xe2\x82\xac\xf0\x9f\x98\x80", "\"\xe2\x82\xac\xf0\x9f\x98\x80\"" },
		{ "a\x7f\xc2\x9b[2J", "\"a\\u007f\\u009b[2J\"" },
		{ "\xff\xfe", "\"\\ufffd\\ufffd\"" },
		{ "\xc3", "\"\\ufffd\"" },				/* cut short by the end */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },		/* overlong '/' */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* a surrogate */
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },	/* past U+10FFFF */
		{ "\xe2\x82x", "\"\\ufffd\\ufffdx\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sb_json_string(&sb, cases[i].in);
		CHECK(strcmp(sb.s, cases[i].out) == 0, "case %zu: %s, expected %s", i, sb.s,
		      cases[i].out);
		EXPECT_JSON(&sb);
		sb_free(&sb);
	}
	for (int i = 0; i < 1000; i++)
		sb_printf(&sb, "%04d", i);
	CHECK(sb.len == 4000 && strncmp(sb.s + 3996, "0999", 4) == 0, "growth: %zu", sb.len);
	sb_free(&sb);
}

/*
 * A monitored rule's upstream counts: in JSON under stable names, in the
 * table as a line under the rule in each mode's words; a rule not
 * monitored has null there and no line.
 */
static void test_monitor(void)
{
	struct st_status st;
	struct st_worker w;
	struct st_rule r[2];
	struct strbuf sb = { 0 };

	make_status(&st, &w, r);
	snprintf(r[0].monitor, sizeof(r[0].monitor), "rtp");
	r[0].upstream = (struct monitor_counts){ .missing = 12, .filled = 2, .errors = 3,
						 .reordered = 5, .duplicates = 1, .resyncs = 1,
						 .invalid = 4, .sources = 3, .evicted = 1 };
	r[0].upstream_lost = 10;
	snprintf(r[1].monitor, sizeof(r[1].monitor), "off");
	status_format_json(&st, &sb);
	EXPECT_HAS(&sb, "\"monitor\": \"rtp\", \"upstream_lost\": 10, "
			"\"upstream\": {\"missing\": 12, \"filled\": 2, \"errors\": 3, "
			"\"reordered\": 5, \"duplicates\": 1, \"resyncs\": 1, \"invalid\": 4, "
			"\"sources\": 3, \"evicted\": 1}, \"outputs\": [");
	EXPECT_HAS(&sb, "\"path_reason\": null, \"monitor\": \"off\", \"upstream_lost\": null, "
			"\"upstream\": null, \"outputs\": [");
	EXPECT_JSON(&sb);
	sb_free(&sb);
	status_format_text(&st, &sb);
	EXPECT_HAS(&sb, "\n                 upstream rtp: 10 lost (12 missing, 2 filled late) in 3 "
			"gaps; 5 late, 1 duplicate, 1 restart, 4 not RTP; 2 streams (1 forgotten "
			"for room)\n");
	CHECK(strstr(sb.s, "upstream mpegts") == NULL && strstr(sb.s, "upstream off") == NULL,
	      "a line for a rule that is not monitored:\n%s", sb.s);
	sb_free(&sb);

	snprintf(r[1].monitor, sizeof(r[1].monitor), "mpegts");
	r[1].upstream = (struct monitor_counts){ .missing = 7, .errors = 1, .resyncs = 1,
						 .sources = 1 };
	r[1].upstream_lost = 7;
	status_format_text(&st, &sb);
	EXPECT_HAS(&sb, "\n                 upstream mpegts: 7 TS packets lost in 1 CC error; "
			"0 duplicates, 1 discontinuity, 0 not TS; 1 stream\n");
	sb_free(&sb);
	status_format_json(&st, &sb);
	EXPECT_HAS(&sb, "\"monitor\": \"mpegts\", \"upstream_lost\": 7, \"upstream\": {\"missing\": 7");
	EXPECT_JSON(&sb);
	sb_free(&sb);
}

int main(void)
{
	test_json();
	test_monitor();
	test_text();
	test_not_answering();
	test_escaped_names();
	test_ipv6();
	test_not_numbers();
	test_strbuf();
	return unit_summary("test_status");
}
