/*
 * Unit tests for the configuration parser and its validation: the values a
 * good file yields, and for each kind of bad file the exact diagnostics,
 * "FILE:LINE: message", including the line they point at.  The values'
 * grammar (conf_values.c) is also tested function by function.
 */
#include "config.h"

#include "lib/conf.h"
#include "lib/conf_listen.h"
#include "lib/conf_udp.h"
#include "lib/conf_values.h"
#include "lib/diag.h"
#include "lib/strbuf.h"
#include "unit.h"
#include "lib/vlan_config.h"
#include "supervisor/conf_host.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAME "t.conf"
/* What an error about an interface name says a name may be. */
#define IFNAME_RULES "(1-15 printable ASCII characters other than '/' and ':', not '.' or '..')"

/* The messages of the values' grammar, written out here, not taken from the code. */
#define NOT_GROUP(g) "'" g "' is not a multicast group (IPv4 224.0.0.0/4 or IPv6 ff00::/8)"
#define NOT_GROUP_PREFIX(g) \
	"'" g "' is not a multicast group or prefix (within IPv4 224.0.0.0/4 or IPv6 ff00::/8)"
#define HOST_BITS(what, p, len, net) \
	what " prefix '" p "' has bits set beyond its length " len " (the network is " net ")"
#define BAD_PORT(p) "invalid port '" p "' (expected 1-65535, or a range FIRST-LAST)"
#define BAD_TARGET_PORT(p) "invalid port '" p "' (expected 1-65535)"
#define BAD_TARGET(t) "invalid output target '" t "' (expected [GROUP] or [GROUP]:PORT)"
#define BAD_SOURCE(s) "invalid source '" s "' (expected a unicast IPv4 or IPv6 address or prefix)"
#define BAD_TTL(t) "invalid ttl '" t "' (expected decrement, keep or 1-255)"
#define BAD_VID(v) "invalid VLAN ID '" v "' (expected 'vlan N' with N from 1 to 4094)"
#define BAD_IFNAME(n) "invalid interface name '" n "' " IFNAME_RULES

/* A complete rule of four lines, for files whose subject is elsewhere. */
#define RULE_A "[rule a]\ninput = eth0\ngroup = 239.1.1.1\noutput = eth1\n"

/* 239.1.1.1 and friends as a struct addr, without going through inet_pton. */
#define ADDR(a, b, c, d) unit_v4(a, b, c, d)

/* Where a case is written, for its messages. */
#define STR_(x) #x
#define STR(x) STR_(x)
#define HERE "line " STR(__LINE__)

static bool is(const struct addr *a, struct addr want)
{
	return addr_eq(a, &want);
}

static const struct addr NONE;	/* unset: any source, or the rule's group */

static int parse(const char *text, struct conf *c, struct diag *d)
{
	memset(d, 0, sizeof(*d));
	return conf_parse_string(NAME, text, c, d);
}

static void show_diag(const struct diag *d)
{
	if (d->n == 0)
		printf("    (no diagnostics)\n");
	for (size_t i = 0; i < d->n; i++)
		printf("    diagnostic: %s\n", d->lines[i]);
}

static bool has_line(const struct diag *d, const char *want)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->lines[i], want) == 0)
			return true;
	return false;
}

/*
 * Expects text to give exactly the errors in want and at least the
 * warnings there, each written "LINE: message" or "LINE: warning: message"
 * (the file name is added here), in any order; want ends with NULL.  Other
 * warnings are allowed: without errors in want the file must be valid.
 */
static void expect_diags(const char *where, const char *text, const char *const *want)
{
	struct conf c;
	struct diag d;
	char full[700];
	size_t errors = 0;
	bool ok = true;
	int rc = parse(text, &c, &d), want_rc;

	for (size_t i = 0; want[i] != NULL; i++) {
		snprintf(full, sizeof(full), NAME ":%s", want[i]);
		errors += strstr(want[i], ": warning: ") == NULL;
		ok &= CHECK(has_line(&d, full), "%s: no diagnostic '%s'", where, full);
	}
	want_rc = errors ? -1 : 0;
	ok &= CHECK(rc == want_rc, "%s: returned %d, expected %d", where, rc, want_rc);
	ok &= CHECK(d.errors == errors, "%s: %zu errors, expected %zu", where, d.errors, errors);
	if (!ok)
		show_diag(&d);
	conf_free(&c);
	diag_free(&d);
}

#define EXPECT_ERRORS(text, ...) \
	expect_diags(HERE, text, (const char *const[]){ __VA_ARGS__, NULL })
#define EXPECT_VALID(text) expect_diags(HERE, text, (const char *const[]){ NULL })

/*
 * A table of files that differ in a line or a few: each case's text goes
 * between the table's head and tail (with a newline), and gives what want
 * says, as for expect_diags (at most three lines; none: a valid file).
 */
struct conf_case {
	const char *text;
	const char *want[4];
};

static void expect_cases(const char *where, const char *head, const char *tail,
			 const struct conf_case *cases, size_t n)
{
	char text[2048], label[200];

	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "%s%s\n%s", head, cases[i].text, tail);
		snprintf(label, sizeof(label), "table at %s, case '%.*s'", where,
			 (int)strcspn(cases[i].text, "\n"), cases[i].text);
		expect_diags(label, text, cases[i].want);
	}
}

#define EXPECT_CASES(head, cases, tail) \
	expect_cases(HERE, head, tail, cases, sizeof(cases) / sizeof(cases[0]))

static void test_full(void)
{
	static const char text[] =
		"; a file that sets every key\n"		/* 1 */
		"[global]\n"					/* 2 */
		"user = relay\n"				/* 3 */
		"log-level = debug\n"				/* 4 */
		"\n"						/* 5 */
		"[rule video1]\n"				/* 6 */
		"input = eth0\n"				/* 7 */
		"group = 239.1.1.1\n"				/* 8 */
		"port = 5000\n"					/* 9 */
		"source = 10.10.1.100\n"			/* 10 */
		"ttl = 16\n"					/* 11 */
		"output = eth1\n"				/* 12 */
		"output = eth2 239.2.2.2:6000\n"		/* 13 */
		"output = eth3 :7000\n"				/* 14 */
		"output = eth4 239.3.3.3\n"			/* 15 */
		"\n"						/* 16 */
		"[rule keep-it]\n"				/* 17 */
		"input = eth5\n"				/* 18 */
		"group = 224.0.1.1\n"				/* 19 */
		"ttl = keep\n"					/* 20 */
		"output = eth6\n"				/* 21 */
		"[rule dec_2.x]\n"				/* 22 */
		"input = eth7\n"				/* 23 */
		"group = 239.255.255.255\n"			/* 24 */
		"port = 65535\n"				/* 25 */
		"ttl = decrement\n"				/* 26 */
		"output = eth8 :1\n";				/* 27 */
	struct conf c;
	struct diag d;
	int rc = parse(text, &c, &d);

	/* Valid; only the warnings that a fixed or kept TTL ends no loop between hosts. */
	if (!CHECK(rc == 0 && d.errors == 0 && d.n == 2 &&
		   has_line(&d, NAME ":11: warning: rule 'video1': with a fixed ttl nothing ends a loop through another relay host (the loop check covers this host only; a decrementing TTL ends one)") &&
		   has_line(&d, NAME ":20: warning: rule 'keep-it': with ttl = keep nothing ends a loop through another relay host (the loop check covers this host only; a decrementing TTL ends one)"),
		   "full file: returned %d, %zu diagnostics", rc, d.n))
		show_diag(&d);
	if (!CHECK(c.n_rules == 3, "full file: %zu rules, expected 3", c.n_rules))
		goto out;
	CHECK(strcmp(c.path, NAME) == 0, "path '%s'", c.path);
	CHECK(strcmp(c.user, "relay") == 0, "user '%s', expected relay", c.user);
	CHECK(c.user_line == 3, "user_line %d, expected 3", c.user_line);
	CHECK(c.log_level == LOG_LEVEL_DEBUG, "log_level %d, expected debug", c.log_level);
	CHECK(c.log_level_line == 4, "log_level_line %d, expected 4", c.log_level_line);

	const struct conf_rule *r = &c.rules[0];

	CHECK(strcmp(r->name, "video1") == 0, "rule 0 name '%s'", r->name);
	CHECK(r->line == 6, "rule 0 line %d, expected 6", r->line);
	CHECK(strcmp(r->input, "eth0") == 0, "rule 0 input '%s'", r->input);
	CHECK(is(&r->group, ADDR(239, 1, 1, 1)), "rule 0 group %s", unit_addr_str(&r->group));
	CHECK(r->port == 5000, "rule 0 port %u, expected 5000 (host order)", r->port);
	CHECK(is(&r->source, ADDR(10, 10, 1, 100)), "rule 0 source %s", unit_addr_str(&r->source));
	CHECK(r->ttl_mode == TTL_SET && r->ttl == 16, "rule 0 ttl mode %d value %u",
	      r->ttl_mode, r->ttl);
	CHECK(r->key_line[KEY_LINK_LOCAL] == 0, "rule 0 link-local set at line %d",
	      r->key_line[KEY_LINK_LOCAL]);
	for (int k = 0; k < KEY_LINK_LOCAL; k++)
		CHECK(r->key_line[k] == 7 + k, "rule 0 key %d set at line %d, expected %d",
		      k, r->key_line[k], 7 + k);
	if (CHECK(r->n_outputs == 4, "rule 0 has %zu outputs, expected 4", r->n_outputs)) {
		const struct {
			const char *ifname;
			struct addr group;	/* as configured: unset = keep */
			uint16_t port;
			struct addr effective;	/* conf_output_group() */
		} want[4] = {
			{ "eth1", NONE, 0, ADDR(239, 1, 1, 1) },
			{ "eth2", ADDR(239, 2, 2, 2), 6000, ADDR(239, 2, 2, 2) },
			{ "eth3", NONE, 7000, ADDR(239, 1, 1, 1) },
			{ "eth4", ADDR(239, 3, 3, 3), 0, ADDR(239, 3, 3, 3) },
		};

		for (int i = 0; i < 4; i++) {
			const struct conf_output *o = &r->outputs[i];

			CHECK(strcmp(o->ifname, want[i].ifname) == 0,
			      "output %d ifname '%s', expected '%s'", i, o->ifname,
			      want[i].ifname);
			CHECK(is(&o->group, want[i].group), "output %d group %s, expected %s",
			      i, unit_addr_str(&o->group), unit_addr_str(&want[i].group));
			CHECK(o->port == want[i].port, "output %d port %u, expected %u", i,
			      o->port, want[i].port);
			CHECK(o->line == 12 + i, "output %d line %d, expected %d", i, o->line,
			      12 + i);
			CHECK(is(conf_output_group(r, o), want[i].effective),
			      "output %d effective group %s", i,
			      unit_addr_str(conf_output_group(r, o)));
		}
	}

	r = &c.rules[1];
	CHECK(strcmp(r->name, "keep-it") == 0 && r->line == 17, "rule 1 '%s' line %d",
	      r->name, r->line);
	CHECK(is(&r->group, ADDR(224, 0, 1, 1)), "rule 1 group %s", unit_addr_str(&r->group));
	CHECK(r->port == 0 && is(&r->source, NONE), "rule 1 port %u source %s, expected any",
	      r->port, unit_addr_str(&r->source));
	CHECK(r->key_line[KEY_PORT] == 0 && r->key_line[KEY_SOURCE] == 0,
	      "rule 1 unset keys have lines %d, %d", r->key_line[KEY_PORT],
	      r->key_line[KEY_SOURCE]);
	CHECK(r->ttl_mode == TTL_KEEP, "rule 1 ttl mode %d, expected keep", r->ttl_mode);
	CHECK(r->n_outputs == 1 && strcmp(r->outputs[0].ifname, "eth6") == 0,
	      "rule 1 outputs");

	r = &c.rules[2];
	CHECK(strcmp(r->name, "dec_2.x") == 0 && r->line == 22, "rule 2 '%s' line %d",
	      r->name, r->line);
	CHECK(is(&r->group, ADDR(239, 255, 255, 255)), "rule 2 group %s", unit_addr_str(&r->group));
	CHECK(r->port == 65535, "rule 2 port %u", r->port);
	CHECK(r->ttl_mode == TTL_DECREMENT, "rule 2 ttl mode %d, expected decrement",
	      r->ttl_mode);
	CHECK(r->n_outputs == 1 && r->outputs[0].port == 1 &&
	      is(&r->outputs[0].group, NONE),
	      "rule 2 output ':1'");
out:
	conf_free(&c);
	diag_free(&d);
}

static void test_defaults(void)
{
	struct conf c;
	struct diag d;
	int rc = parse(RULE_A, &c, &d);

	if (!CHECK(rc == 0 && d.n == 0, "minimal file: returned %d, %zu diagnostics", rc,
		   d.n))
		show_diag(&d);
	CHECK(strcmp(c.user, "mcrelay") == 0, "default user '%s'", c.user);
	CHECK(c.user_line == 0, "default user_line %d", c.user_line);
	CHECK(strcmp(c.control_group, "mcrelay") == 0 && c.control_group_line == 0,
	      "default control-group '%s' at line %d", c.control_group, c.control_group_line);
	CHECK(c.log_level == LOG_LEVEL_INFO, "default log level %d", c.log_level);
	if (CHECK(c.n_rules == 1, "%zu rules", c.n_rules)) {
		const struct conf_rule *r = &c.rules[0];

		CHECK(r->ttl_mode == TTL_DECREMENT, "default ttl mode %d", r->ttl_mode);
		CHECK(r->port == 0 && is(&r->source, NONE), "default port %u source %s",
		      r->port, unit_addr_str(&r->source));
		CHECK(r->line == 1 && r->key_line[KEY_INPUT] == 2 &&
		      r->key_line[KEY_GROUP] == 3 && r->outputs[0].line == 4,
		      "lines of the minimal rule");
	}
	conf_free(&c);
	diag_free(&d);

	/* An empty file is valid but warned about, without a line number. */
	rc = parse("", &c, &d);
	CHECK(rc == 0 && d.errors == 0 && d.warnings == 1, "empty file: %d, %zu errors, %zu warnings",
	      rc, d.errors, d.warnings);
	CHECK(has_line(&d, NAME ": warning: no rules: nothing will be forwarded"),
	      "empty file: no-rules warning");
	CHECK(c.n_rules == 0, "empty file: %zu rules", c.n_rules);
	conf_free(&c);
	diag_free(&d);
}

static void test_sections_and_keys(void)
{
	EXPECT_ERRORS("[foo]\n"
		      "bar = 1\n"		/* ignored: its section was reported */
		      RULE_A,
		      "1: unknown section [foo] (expected [global], [input IFNAME] or [rule NAME])");
	EXPECT_ERRORS(RULE_A
		      "[rules b]\n",
		      "5: unknown section [rules b] (expected [global], [input IFNAME] or [rule NAME])");
	EXPECT_ERRORS(RULE_A
		      "[rule]\n",
		      "5: invalid rule name '' (1-63 letters, digits, '-', '_' or '.')");
	EXPECT_ERRORS(RULE_A
		      "[rule a/b]\n",
		      "5: invalid rule name 'a/b' (1-63 letters, digits, '-', '_' or '.')");
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "colour = red\n"
		      "output = eth1\n",
		      "4: unknown key 'colour' in [rule a]");
	EXPECT_ERRORS("[global]\n"
		      "user = mcrelay\n"
		      "group = 239.1.1.1\n"
		      RULE_A,
		      "3: unknown key 'group' in [global]");
	EXPECT_ERRORS(RULE_A
		      "[rule b]\n"		/* 5 */
		      "input = eth2\n"
		      "group = 239.1.1.2\n"
		      "output = eth3\n"
		      "[rule a]\n"		/* 9 */
		      "bogus = ignored\n",
		      "9: duplicate rule name 'a' (first defined at line 1)");
	EXPECT_ERRORS("[global]\n"
		      "user = nobody\n"
		      "[global]\n",
		      "3: duplicate section [global] (first at line 1)");
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "output = eth1\n"
		      "group = 239.1.1.2\n",
		      "5: duplicate key 'group' (first set at line 3)");
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "port = 5000\n"
		      "group = 239.1.1.1\n"
		      "ttl = 3\n"
		      "ttl = keep\n"
		      "output = eth1\n"
		      "port = 5000\n",
		      "6: duplicate key 'ttl' (first set at line 5)",
		      "8: duplicate key 'port' (first set at line 3)");
	EXPECT_ERRORS("[global]\n"
		      "user = a\n"
		      "log-level = info\n"
		      "user = b\n"
		      "log-level = debug\n",
		      "4: duplicate key 'user' (first set at line 2)",
		      "5: duplicate key 'log-level' (first set at line 3)");
	EXPECT_ERRORS("user = mcrelay\n"
		      RULE_A,
		      "1: key 'user' outside a section");
	EXPECT_ERRORS("; comment\n"
		      "[global]\n"
		      "log-level = loud\n",
		      "3: invalid log-level 'loud' (expected error, warning, notice, info or debug)");
	EXPECT_ERRORS("[global]\n"
		      "user = -root\n",
		      "2: invalid user name '-root'");
	EXPECT_ERRORS("[global]\n"
		      "control-group = ops\n"
		      "control-group = wheel\n"
		      "[global]\n",
		      "3: duplicate key 'control-group' (first set at line 2)",
		      "4: duplicate section [global] (first at line 1)");
	EXPECT_ERRORS("[global]\n"
		      "control-group = -ops\n",
		      "2: invalid control-group '-ops' (a group name)");
	EXPECT_ERRORS("[global]\n"
		      "control-group = a b\n",
		      "2: invalid control-group 'a b' (a group name)");
}

/* The control group: taken from [global], resolved on this host (root and nogroup exist). */
static void test_control_group(void)
{
	struct conf c;
	struct diag d;
	gid_t gid = 4242;

	if (!CHECK(parse("[global]\nuser = nobody\ncontrol-group = root\n" RULE_A, &c, &d) == 0,
		   "control-group = root refused"))
		show_diag(&d);
	CHECK(strcmp(c.control_group, "root") == 0 && c.control_group_line == 3,
	      "control-group '%s' at line %d", c.control_group, c.control_group_line);
	diag_free(&d);
	memset(&d, 0, sizeof(d));
	CHECK(conf_resolve_control_group(&c, 65534, &gid, &d) == 0 && gid == 0 && d.n == 0,
	      "root: rc, gid %u, %zu diagnostics", (unsigned)gid, d.n);
	diag_free(&d);
	/* The workers' primary group as the control group: allowed, with a warning. */
	snprintf(c.control_group, sizeof(c.control_group), "nogroup");
	memset(&d, 0, sizeof(d));
	CHECK(conf_resolve_control_group(&c, 65534, &gid, &d) == 0 && gid == 65534 &&
		      d.errors == 0 &&
		      has_line(&d, NAME ":3: warning: control-group 'nogroup' is also the primary "
				   "group of user 'nobody': the workers' account may use the control "
				   "socket"),
	      "nogroup, the workers' group: gid %u, no warning", (unsigned)gid);
	diag_free(&d);
	/* A group that does not exist: an error at its line, or for the default, without one. */
	snprintf(c.control_group, sizeof(c.control_group), "no-such-group-mcr");
	memset(&d, 0, sizeof(d));
	gid = 4242;
	CHECK(conf_resolve_control_group(&c, 65534, &gid, &d) < 0 && gid == 4242 &&
		      has_line(&d, NAME ":3: control-group 'no-such-group-mcr' does not exist: "
				   "create it (systemd-sysusers with mcrelay's sysusers.d file, or "
				   "groupadd --system no-such-group-mcr) or name another group in "
				   "[global]"),
	      "an unknown control group was resolved");
	if (d.errors != 1)
		show_diag(&d);
	diag_free(&d);
	c.control_group_line = 0;
	memset(&d, 0, sizeof(d));
	CHECK(conf_resolve_control_group(&c, 65534, &gid, &d) < 0 &&
		      strstr(d.n ? d.lines[0] : "", NAME ": control-group 'no-such-group-mcr' "
						    "(the default) does not exist") != NULL,
	      "the default control group, absent: no '(the default)'");
	diag_free(&d);
	/* check: warnings only. */
	memset(&d, 0, sizeof(d));
	conf_check_accounts(&c, &d);
	CHECK(d.errors == 0 && d.warnings == 1 &&
		      has_line(&d, NAME ": warning: control-group 'no-such-group-mcr' (the default) "
				   "does not exist on this host"),
	      "check of an absent control group");
	if (d.warnings != 1)
		show_diag(&d);
	diag_free(&d);
	conf_free(&c);
}

static void test_required(void)
{
	EXPECT_ERRORS("[global]\n"
		      "\n"
		      "[rule a]\n"		/* 3 */
		      "group = 239.1.1.1\n"
		      "output = eth1\n",
		      "3: rule 'a': missing required key 'input'");
	EXPECT_ERRORS(RULE_A
		      "; b follows\n"
		      "[rule b]\n"		/* 6 */
		      "input = eth0\n"
		      "output = eth1\n",
		      "6: rule 'b': missing required key 'group'");
	EXPECT_ERRORS("\n\n"
		      "[rule a]\n"		/* 3 */
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "port = 9\n",
		      "3: rule 'a': missing required key 'output'");
	EXPECT_ERRORS(RULE_A
		      "[rule empty]\n",		/* 5 */
		      "5: rule 'empty': missing required key 'input'",
		      "5: rule 'empty': missing required key 'group'",
		      "5: rule 'empty': missing required key 'output'");
}

/* The values of a rule's keys, each at its line: the grammar through a whole file. */
static void test_values(void)
{
	/* A rule's group: one, or a prefix of them, of either family. */
	static const struct conf_case groups[] = {
		{ "group = 224.0.0.0/4", { NULL } },
		{ "group = ff00::/8", { NULL } },
		{ "group = 10.1.1.1", { "3: " NOT_GROUP_PREFIX("10.1.1.1") } },
		{ "group = 240.0.0.1", { "3: " NOT_GROUP_PREFIX("240.0.0.1") } },
		{ "group = 223.255.255.255", { "3: " NOT_GROUP_PREFIX("223.255.255.255") } },
		{ "group = 255.255.255.255", { "3: " NOT_GROUP_PREFIX("255.255.255.255") } },
		{ "group = 239.1.1", { "3: " NOT_GROUP_PREFIX("239.1.1") } },
		{ "group = 239.1.1.1.1", { "3: " NOT_GROUP_PREFIX("239.1.1.1.1") } },
		{ "group = foo", { "3: " NOT_GROUP_PREFIX("foo") } },
		{ "group = 239.1.1.256", { "3: " NOT_GROUP_PREFIX("239.1.1.256") } },
		{ "group = ::ffff:239.1.1.1", { "3: " NOT_GROUP_PREFIX("::ffff:239.1.1.1") } },
		{ "group = ::", { "3: " NOT_GROUP_PREFIX("::") } },
		{ "group = 2001:db8::1", { "3: " NOT_GROUP_PREFIX("2001:db8::1") } },
		{ "group = fe80::1", { "3: " NOT_GROUP_PREFIX("fe80::1") } },
		{ "group = ff3e::1%eth0", { "3: " NOT_GROUP_PREFIX("ff3e::1%eth0") } },
		{ "group = ff3e:::1", { "3: " NOT_GROUP_PREFIX("ff3e:::1") } },
		{ "group = ff3e::1::2", { "3: " NOT_GROUP_PREFIX("ff3e::1::2") } },
		{ "group = ff3e::12345", { "3: " NOT_GROUP_PREFIX("ff3e::12345") } },
		{ "group = ::239.1.1.1", { "3: " NOT_GROUP_PREFIX("::239.1.1.1") } },
		{ "group = [ff3e::1]", { "3: " NOT_GROUP_PREFIX("[ff3e::1]") } },
		/* Outside multicast space, or not a length. */
		{ "group = 192.0.0.0/4", { "3: " NOT_GROUP_PREFIX("192.0.0.0/4") } },
		{ "group = 224.0.0.0/3", { "3: " NOT_GROUP_PREFIX("224.0.0.0/3") } },
		{ "group = 0.0.0.0/0", { "3: " NOT_GROUP_PREFIX("0.0.0.0/0") } },
		{ "group = 239.1.1.1/33", { "3: " NOT_GROUP_PREFIX("239.1.1.1/33") } },
		{ "group = 239.1.1.1/", { "3: " NOT_GROUP_PREFIX("239.1.1.1/") } },
		{ "group = 239.1.1.1/-1", { "3: " NOT_GROUP_PREFIX("239.1.1.1/-1") } },
		{ "group = 239.1.1.1/ 8", { "3: " NOT_GROUP_PREFIX("239.1.1.1/ 8") } },
		{ "group = 239.1.1.1/8x", { "3: " NOT_GROUP_PREFIX("239.1.1.1/8x") } },
		{ "group = 239.0.0.0/08x", { "3: " NOT_GROUP_PREFIX("239.0.0.0/08x") } },
		{ "group = ff3e::/129", { "3: " NOT_GROUP_PREFIX("ff3e::/129") } },
		{ "group = fe00::/7", { "3: " NOT_GROUP_PREFIX("fe00::/7") } },
		{ "group = ff00::/7", { "3: " NOT_GROUP_PREFIX("ff00::/7") } },
		{ "group = ::/0", { "3: " NOT_GROUP_PREFIX("::/0") } },
		{ "group = 239.1.0.0/16/16", { "3: " NOT_GROUP_PREFIX("239.1.0.0/16/16") } },
		{ "group = 10.0.0.0/8", { "3: " NOT_GROUP_PREFIX("10.0.0.0/8") } },
		/* Bits beyond the length: the message names the network. */
		{ "group = 239.1.1.0/16",
		  { "3: " HOST_BITS("group", "239.1.1.0/16", "16", "239.1.0.0/16") } },
		{ "group = ff3e::1/96", { "3: " HOST_BITS("group", "ff3e::1/96", "96", "ff3e::/96") } },
		{ "group = 239.128.0.0/8",
		  { "3: " HOST_BITS("group", "239.128.0.0/8", "8", "239.0.0.0/8") } },
	};
	/* Keys after a complete IPv4 rule: the line is 5, the outputs' second line 6. */
	static const struct conf_case keys[] = {
		{ "port = 0", { "5: " BAD_PORT("0") } },
		{ "port = 70000", { "5: " BAD_PORT("70000") } },
		{ "port = 65536", { "5: " BAD_PORT("65536") } },
		{ "port = abc", { "5: " BAD_PORT("abc") } },
		{ "port = -1", { "5: " BAD_PORT("-1") } },
		{ "port = +5", { "5: " BAD_PORT("+5") } },
		{ "port = 50x", { "5: " BAD_PORT("50x") } },
		{ "port = 5 000", { "5: " BAD_PORT("5 000") } },
		{ "port = 0x10", { "5: " BAD_PORT("0x10") } },
		{ "ttl = 1", { NULL } },
		{ "ttl = 255", { NULL } },
		{ "ttl = 0", { "5: " BAD_TTL("0") } },
		{ "ttl = 256", { "5: " BAD_TTL("256") } },
		{ "ttl = foo", { "5: " BAD_TTL("foo") } },
		{ "ttl = -1", { "5: " BAD_TTL("-1") } },
		{ "ttl = 16x", { "5: " BAD_TTL("16x") } },
		{ "ttl = Keep", { "5: " BAD_TTL("Keep") } },
		{ "ttl = 1000000000000000000000", { "5: " BAD_TTL("1000000000000000000000") } },
		{ "source = 239.1.1.1", { "5: " BAD_SOURCE("239.1.1.1") } },
		{ "source = 224.0.0.1", { "5: " BAD_SOURCE("224.0.0.1") } },
		{ "source = 0.0.0.0", { "5: " BAD_SOURCE("0.0.0.0") } },
		{ "source = 255.255.255.255", { "5: " BAD_SOURCE("255.255.255.255") } },
		{ "source = garbage", { "5: " BAD_SOURCE("garbage") } },
		{ "source = 10.0.0", { "5: " BAD_SOURCE("10.0.0") } },
		{ "source = 10.0.0.0/33", { "5: " BAD_SOURCE("10.0.0.0/33") } },
		{ "source = 10.0.0.0/", { "5: " BAD_SOURCE("10.0.0.0/") } },
		/* An output's group or port: in GROUP:PORT, and alone. */
		{ "output = eth2 10.1.1.1:6000\noutput = eth3 10.1.1.1",
		  { "5: " NOT_GROUP("10.1.1.1"), "6: " NOT_GROUP("10.1.1.1") } },
		{ "output = eth2 240.0.0.1:6000\noutput = eth3 240.0.0.1",
		  { "5: " NOT_GROUP("240.0.0.1"), "6: " NOT_GROUP("240.0.0.1") } },
		{ "output = eth2 223.255.255.255:6000\noutput = eth3 223.255.255.255",
		  { "5: " NOT_GROUP("223.255.255.255"), "6: " NOT_GROUP("223.255.255.255") } },
		{ "output = eth2 255.255.255.255:6000\noutput = eth3 255.255.255.255",
		  { "5: " NOT_GROUP("255.255.255.255"), "6: " NOT_GROUP("255.255.255.255") } },
		{ "output = eth2 239.1.1:6000\noutput = eth3 239.1.1",
		  { "5: " NOT_GROUP("239.1.1"), "6: " NOT_GROUP("239.1.1") } },
		{ "output = eth2 239.1.1.1.1:6000\noutput = eth3 239.1.1.1.1",
		  { "5: " NOT_GROUP("239.1.1.1.1"), "6: " NOT_GROUP("239.1.1.1.1") } },
		{ "output = eth2 foo:6000\noutput = eth3 foo",
		  { "5: " NOT_GROUP("foo"), "6: " NOT_GROUP("foo") } },
		{ "output = eth2 239.1.1.256:6000\noutput = eth3 239.1.1.256",
		  { "5: " NOT_GROUP("239.1.1.256"), "6: " NOT_GROUP("239.1.1.256") } },
		{ "output = eth2 :0\noutput = eth3 239.2.2.2:0",
		  { "5: " BAD_TARGET_PORT("0"), "6: " BAD_TARGET_PORT("0") } },
		{ "output = eth2 :70000\noutput = eth3 239.2.2.2:70000",
		  { "5: " BAD_TARGET_PORT("70000"), "6: " BAD_TARGET_PORT("70000") } },
		{ "output = eth2 :65536\noutput = eth3 239.2.2.2:65536",
		  { "5: " BAD_TARGET_PORT("65536"), "6: " BAD_TARGET_PORT("65536") } },
		{ "output = eth2 :abc\noutput = eth3 239.2.2.2:abc",
		  { "5: " BAD_TARGET_PORT("abc"), "6: " BAD_TARGET_PORT("abc") } },
		{ "output = eth2 :-1\noutput = eth3 239.2.2.2:-1",
		  { "5: " BAD_TARGET_PORT("-1"), "6: " BAD_TARGET_PORT("-1") } },
		{ "output = eth2 :+5\noutput = eth3 239.2.2.2:+5",
		  { "5: " BAD_TARGET_PORT("+5"), "6: " BAD_TARGET_PORT("+5") } },
		{ "output = eth2 :50x\noutput = eth3 239.2.2.2:50x",
		  { "5: " BAD_TARGET_PORT("50x"), "6: " BAD_TARGET_PORT("50x") } },
		{ "output = eth2 :0x10\noutput = eth3 239.2.2.2:0x10",
		  { "5: " BAD_TARGET_PORT("0x10"), "6: " BAD_TARGET_PORT("0x10") } },
		{ "output = eth2 239.2.2.2:", { "5: " BAD_TARGET_PORT("") } },
		/* Interface names: at most IF_NAMESIZE - 1 = 15 characters (and test_ifnames). */
		{ "output = abcdefghijklmnop\noutput = eth/2 :9\noutput = eth2 239.2.2.2 extra",
		  { "5: " BAD_IFNAME("abcdefghijklmnop"), "6: " BAD_IFNAME("eth/2"),
		    "7: invalid output (expected 'IFNAME [vlan N] [GROUP][:PORT]')" } },
		/* A key without a value; the line is reported, nothing else. */
		{ "port =\nsource =   ", { "5: key 'port' has no value", "6: key 'source' has no value" } },
	};

	EXPECT_CASES("[rule a]\ninput = eth0\n", groups, "output = eth1\n");
	EXPECT_CASES(RULE_A, keys, "");
	EXPECT_VALID("[rule a]\ninput = abcdefghijklmno\ngroup = 239.1.1.1\n"
		     "output = eth1\noutput = abcdefghijklmno 239.2.2.2:9\n");
	EXPECT_ERRORS("[rule a]\n"
		      "input = abcdefghijklmnop\n"
		      "group = 239.1.1.1\n"
		      "output = eth1\n",
		      "2: " BAD_IFNAME("abcdefghijklmnop"));
}

static void test_syntax(void)
{
	EXPECT_ERRORS(RULE_A
		      "just some words\n",
		      "5: syntax error: expected 'key = value'");
	EXPECT_ERRORS(RULE_A
		      "= 5000\n",
		      "5: syntax error: expected 'key = value'");
	EXPECT_ERRORS(RULE_A
		      "port ; = 5000\n",
		      "5: syntax error: expected 'key = value'");
	EXPECT_ERRORS("[rule a\n"
		      "input = eth0\n",		/* ignored: the header was reported */
		      "1: syntax error: malformed section header");
	EXPECT_ERRORS(RULE_A
		      "[global] user = x\n",
		      "5: syntax error: malformed section header");
	/* A comment after a section header is fine. */
	EXPECT_VALID("[global] ; the global section\n"
		     "[rule a] # the first rule\n"
		     "input = eth0\ngroup = 239.1.1.1\noutput = eth1\n");

	/* Long lines: the limit is in the message; one more is too many. */
	char line[512], text[700];

	memset(line, 'x', 250);
	line[250] = '\0';
	memcpy(line, "user = ", 7);
	snprintf(text, sizeof(text), "[global]\n%s\n" RULE_A, line);

	struct conf c;
	struct diag d;
	int rc = parse(text, &c, &d);
	int limit = 0;

	CHECK(rc == -1 && d.errors == 1, "250-character line: returned %d, %zu errors",
	      rc, d.errors);
	if (CHECK(d.n >= 1 && sscanf(d.lines[0], NAME ":2: line too long (at most %d characters)",
				     &limit) == 1,
		  "250-character line: first diagnostic '%s'", d.n ? d.lines[0] : "(none)"))
		CHECK(limit >= 100 && limit < 250, "line limit %d", limit);
	conf_free(&c);
	diag_free(&d);
	if (limit > 0) {
		char msg[600];

		/* "user = x...x" of exactly limit characters must be accepted... */
		memset(line, 'x', sizeof(line));
		memcpy(line, "user = ", 7);
		line[limit] = '\0';
		snprintf(text, sizeof(text), "[global]\n%s\n" RULE_A, line);
		rc = parse(text, &c, &d);
		/* ...as far as the length goes: the name itself is too long. */
		snprintf(msg, sizeof(msg), NAME ":2: invalid user name '%s'", line + 7);
		if (!CHECK(d.errors == 1 && has_line(&d, msg),
			   "a line of %d characters, the stated limit, is refused as too long",
			   limit))
			show_diag(&d);
		conf_free(&c);
		diag_free(&d);

		line[limit] = 'x';
		line[limit + 1] = '\0';
		snprintf(text, sizeof(text), "[global]\n%s\n" RULE_A, line);
		rc = parse(text, &c, &d);
		snprintf(msg, sizeof(msg), NAME ":2: line too long (at most %d characters)",
			 limit);
		if (!CHECK(rc == -1 && d.errors == 1 && has_line(&d, msg),
			   "a line of %d characters, one over the limit, is accepted",
			   limit + 1))
			show_diag(&d);
		conf_free(&c);
		diag_free(&d);
	}
}

static void test_loops(void)
{
	/* An output back onto the input: same group, same (or any) port. */
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "port = 5000\n"
		      "output = eth1\n"
		      "output = eth0\n",
		      "6: rule 'a': output 'eth0 239.1.1.1' sends the rule's own traffic back to its input (same interface, group and port)");
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "port = 5000\n"
		      "output = eth0 239.1.1.1:5000\n",
		      "5: rule 'a': output 'eth0 239.1.1.1' sends the rule's own traffic back to its input (same interface, group and port)");
	/* Any port: whatever port the output uses, the rule matches it again. */
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "output = eth0 :6000\n",
		      "4: rule 'a': output 'eth0 239.1.1.1' sends the rule's own traffic back to its input (same interface, group and port)");
	/* Back onto the input with another group, or another port than the rule's. */
	EXPECT_VALID("[rule a]\n"
		     "input = eth0\n"
		     "group = 239.1.1.1\n"
		     "output = eth0 239.1.1.2\n");
	EXPECT_VALID("[rule a]\n"
		     "input = eth0\n"
		     "group = 239.1.1.1\n"
		     "port = 5000\n"
		     "output = eth0 :5001\n");

	/* Two rules feeding each other, reported once at the second. */
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "output = eth1\n"
		      "[rule b]\n"			/* 5 */
		      "input = eth1\n"
		      "group = 239.1.1.1\n"
		      "output = eth0\n",
		      "5: rules 'a' and 'b' feed each other in a loop (a -> b -> a)");
	/* The same through group and port rewriting. */
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "port = 5000\n"
		      "output = eth1 239.5.5.5:6000\n"
		      "[rule b]\n"			/* 6 */
		      "input = eth1\n"
		      "group = 239.5.5.5\n"
		      "port = 6000\n"
		      "output = eth0 239.1.1.1:5000\n",
		      "6: rules 'a' and 'b' feed each other in a loop (a -> b -> a)");
	/* b only takes port 6001, which a never sends: no loop. */
	EXPECT_VALID("[rule a]\n"
		     "input = eth0\n"
		     "group = 239.1.1.1\n"
		     "output = eth1 239.5.5.5:6000\n"
		     "[rule b]\n"
		     "input = eth1\n"
		     "group = 239.5.5.5\n"
		     "port = 6001\n"
		     "output = eth0 239.1.1.1\n");
	/* Three rules in a cycle, and a chain that is not one. */
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "output = eth1\n"
		      "[rule b]\n"
		      "input = eth1\n"
		      "group = 239.1.1.1\n"
		      "output = eth2 239.2.2.2\n"
		      "[rule c]\n"			/* 9 */
		      "input = eth2\n"
		      "group = 239.2.2.2\n"
		      "output = eth0 239.1.1.1\n",
		      "9: rules feed each other in a loop (a -> b -> c -> a)");
	EXPECT_VALID("[rule a]\n"
		     "input = eth0\n"
		     "group = 239.1.1.1\n"
		     "output = eth1\n"
		     "[rule b]\n"
		     "input = eth1\n"
		     "group = 239.1.1.1\n"
		     "output = eth2 239.2.2.2\n"
		     "[rule c]\n"
		     "input = eth2\n"
		     "group = 239.2.2.2\n"
		     "output = eth0 239.3.3.3\n");
	/* Source-specific rules for different sources cannot feed each other... */
	EXPECT_VALID("[rule a]\n"
		     "input = eth0\n"
		     "group = 239.1.1.1\n"
		     "source = 10.0.0.1\n"
		     "output = eth1\n"
		     "[rule b]\n"
		     "input = eth1\n"
		     "group = 239.1.1.1\n"
		     "source = 10.0.0.2\n"
		     "output = eth0\n");
	/* ...but for the same source they can, and so can an any-source rule. */
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "source = 10.0.0.1\n"
		      "output = eth1\n"
		      "[rule b]\n"			/* 6 */
		      "input = eth1\n"
		      "group = 239.1.1.1\n"
		      "source = 10.0.0.1\n"
		      "output = eth0\n",
		      "6: rules 'a' and 'b' feed each other in a loop (a -> b -> a)");
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "source = 10.0.0.1\n"
		      "output = eth1\n"
		      "[rule b]\n"			/* 6 */
		      "input = eth1\n"
		      "group = 239.1.1.1\n"
		      "output = eth0\n",
		      "6: rules 'a' and 'b' feed each other in a loop (a -> b -> a)");
}

static void test_rule_conflicts(void)
{
	EXPECT_ERRORS(RULE_A
		      "[rule b]\n"			/* 5 */
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "output = eth2\n",
		      "5: rule 'b' matches exactly what rule 'a' (line 1) matches");
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "port = 5000\n"
		      "source = 10.0.0.1\n"
		      "output = eth1\n"
		      "[rule b]\n"			/* 7 */
		      "source = 10.0.0.1\n"
		      "port = 5000\n"
		      "group = 239.1.1.1\n"
		      "input = eth0\n"
		      "output = eth2\n",
		      "7: rule 'b' matches exactly what rule 'a' (line 1) matches");
	/* More and less specific rules for the same group are fine. */
	EXPECT_VALID(RULE_A
		     "[rule b]\ninput = eth0\ngroup = 239.1.1.1\nport = 5000\noutput = eth2\n"
		     "[rule c]\ninput = eth0\ngroup = 239.1.1.1\nsource = 10.0.0.1\noutput = eth2\n"
		     "[rule d]\ninput = eth0\ngroup = 239.1.1.1\nport = 5000\n"
		     "source = 10.0.0.1\noutput = eth2\n"
		     "[rule e]\ninput = eth9\ngroup = 239.1.1.1\noutput = eth2\n");

	EXPECT_ERRORS(RULE_A
		      "output = eth1\n",
		      "5: rule 'a': duplicate output (same as line 4)");
	/* The same destination written differently is still the same. */
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "group = 239.1.1.1\n"
		      "port = 5000\n"
		      "output = eth1\n"
		      "output = eth2\n"
		      "output = eth1 239.1.1.1:5000\n",
		      "7: rule 'a': duplicate output (same as line 5)");
	EXPECT_VALID("[rule a]\n"
		     "input = eth0\n"
		     "group = 239.1.1.1\n"
		     "output = eth1\n"
		     "output = eth1 :5000\n"
		     "output = eth1 239.2.2.2\n"
		     "output = eth2\n");

	/* CONF_MAX_OUTPUTS outputs are fine, one more is not. */
	char text[1024];
	size_t len = (size_t)snprintf(text, sizeof(text),
				      "[rule a]\ninput = eth0\ngroup = 239.1.1.1\n");

	for (int i = 1; i <= CONF_MAX_OUTPUTS; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"output = eth%d\n", i);
	EXPECT_VALID(text);
	snprintf(text + len, sizeof(text) - len, "output = eth%d\n", CONF_MAX_OUTPUTS + 1);
	EXPECT_ERRORS(text, "20: rule 'a': too many outputs (at most 16)");
}

static void test_layout(void)
{
	/* Two unrelated errors in one file are both reported. */
	EXPECT_ERRORS("[rule a]\n"
		      "input = eth0\n"
		      "shape = round\n"
		      "group = 239.1.1.1\n"
		      "output = eth1\n"
		      "port = 99999\n",
		      "3: unknown key 'shape' in [rule a]",
		      "6: invalid port '99999' (expected 1-65535, or a range FIRST-LAST)");

	/* Comments at the start of a line and after a value. */
	static const char comments[] =
		"; leading semicolon\n"
		"# leading hash\n"
		"   ; indented comment\n"
		"[rule a] ; header comment\n"
		"input = eth0 ; the input\n"
		"group = 239.1.1.1    ; the group\n"
		"port = 5000 ;\n"
		"output = eth2 239.2.2.2:6000 ; rewritten\n"
		"ttl = 9 ; set\n"
		"bad = key ; so that the line number is checked too\n";
	struct conf c;
	struct diag d;
	int rc = parse(comments, &c, &d);

	CHECK(rc == -1 && d.errors == 1 &&
	      has_line(&d, NAME ":10: unknown key 'bad' in [rule a]"),
	      "comments: wrong diagnostics");
	if (CHECK(c.n_rules == 1 && c.rules[0].n_outputs == 1, "comments: rule not parsed")) {
		const struct conf_rule *r = &c.rules[0];

		CHECK(strcmp(r->input, "eth0") == 0, "comments: input '%s'", r->input);
		CHECK(is(&r->group, ADDR(239, 1, 1, 1)) && r->port == 5000,
		      "comments: group or port");
		CHECK(r->ttl_mode == TTL_SET && r->ttl == 9, "comments: ttl");
		CHECK(strcmp(r->outputs[0].ifname, "eth2") == 0 &&
		      is(&r->outputs[0].group, ADDR(239, 2, 2, 2)) &&
		      r->outputs[0].port == 6000, "comments: output");
	}
	conf_free(&c);
	diag_free(&d);

	/* CRLF line endings: values without '\r', and line numbers as usual. */
	static const char crlf[] =
		"[global]\r\n"
		"log-level = notice\r\n"
		"\r\n"
		"[rule a]\r\n"
		"input = eth0\r\n"
		"group = 239.1.1.1\r\n"
		"ttl = 200\r\n"
		"output = eth3 :7000\r\n"
		"user = misplaced\r\n";
	rc = parse(crlf, &c, &d);
	if (!CHECK(rc == -1 && d.errors == 1 &&
		   has_line(&d, NAME ":9: unknown key 'user' in [rule a]"),
		   "CRLF: wrong diagnostics"))
		show_diag(&d);
	CHECK(c.log_level == LOG_LEVEL_NOTICE, "CRLF: log level %d", c.log_level);
	if (CHECK(c.n_rules == 1 && c.rules[0].n_outputs == 1, "CRLF: rule not parsed")) {
		const struct conf_rule *r = &c.rules[0];

		CHECK(strcmp(r->input, "eth0") == 0, "CRLF: input '%s'", r->input);
		CHECK(r->ttl_mode == TTL_SET && r->ttl == 200, "CRLF: ttl");
		CHECK(strcmp(r->outputs[0].ifname, "eth3") == 0 &&
		      r->outputs[0].port == 7000, "CRLF: output");
	}
	conf_free(&c);
	diag_free(&d);

	/*
	 * Indented lines are ordinary lines, not continuations of the previous
	 * value (as inih would otherwise take them).
	 */
	static const char indented[] =
		"  [global]\n"
		"\tuser = relay\n"
		"  [rule a]\n"
		"    input = eth0\n"
		"\t  group = 239.1.1.1\n"
		"    output = eth1\n"
		"    output = eth2\n"
		"    port = 0\n";
	rc = parse(indented, &c, &d);
	if (!CHECK(rc == -1 && d.errors == 1 &&
		   has_line(&d, NAME ":8: invalid port '0' (expected 1-65535, or a range FIRST-LAST)"),
		   "indented: wrong diagnostics"))
		show_diag(&d);
	CHECK(strcmp(c.user, "relay") == 0, "indented: user '%s'", c.user);
	if (CHECK(c.n_rules == 1, "indented: %zu rules", c.n_rules)) {
		const struct conf_rule *r = &c.rules[0];

		CHECK(strcmp(r->input, "eth0") == 0 && is(&r->group, ADDR(239, 1, 1, 1)),
		      "indented: input '%s'", r->input);
		CHECK(r->n_outputs == 2 && strcmp(r->outputs[1].ifname, "eth2") == 0,
		      "indented: %zu outputs", r->n_outputs);
	}
	conf_free(&c);
	diag_free(&d);

	/* A UTF-8 byte order mark at the start is skipped. */
	EXPECT_VALID("\xef\xbb\xbf" RULE_A);
	/* No newline at the end of the last line. */
	EXPECT_ERRORS(RULE_A "port = 0",
		      "5: invalid port '0' (expected 1-65535, or a range FIRST-LAST)");
}

static void test_print(void)
{
	static const char text[] =
		"[rule a]\n"
		"input = eth0\n"
		"group = 239.1.1.1\n"
		"port = 5000\n"
		"output = eth1\n"
		"output = eth2 239.2.2.2:6000\n"
		"[rule b]\n"
		"input = eth1\n"
		"group = 239.9.9.9\n"
		"source = 10.0.0.7\n"
		"ttl = keep\n"
		"output = eth3\n"
		"output = udp 10.0.0.5:7000 ttl=7 source=10.0.0.1\n"
		"output = udp 10.0.0.6:7000\n"
		"[rule c]\n"
		"input = eth0 vlan 100\n"
		"group = 239.1.1.1\n"
		"output = eth1 vlan 200\n"
		"output = eth1 vlan 201 239.5.5.5:7\n";
	static const char *const want[] = {
		"global: user mcrelay, log-level info, control-socket /run/mcrelay/mcrelay.sock, "
		"control-group mcrelay\n",
		"rule a (line 1): input eth0, group 239.1.1.1, port 5000, source any, ttl decrement\n",
		"  -> eth1 239.1.1.1:5000\n",
		"  -> eth2 239.2.2.2:6000\n",
		"rule b (line 7): input eth1, group 239.9.9.9, port any, source 10.0.0.7, ttl keep\n",
		"  -> eth3 239.9.9.9 (same port)\n",
		"  -> udp 10.0.0.5:7000, ttl 7, source 10.0.0.1\n",
		"  -> udp 10.0.0.6:7000, ttl (kernel default), source (routing)\n",
		"rule c (line 15): input eth0 vlan 100, group 239.1.1.1, port any",
		"  -> eth1 vlan 200 239.1.1.1 (same port)\n",
		"  -> eth1 vlan 201 239.5.5.5:7\n",
	};
	struct conf c;
	struct diag d;
	char *out = NULL;
	size_t size = 0;
	FILE *fp;

	CHECK(parse(text, &c, &d) == 0, "print: file refused");
	fp = open_memstream(&out, &size);
	if (CHECK(fp != NULL, "open_memstream failed")) {
		conf_print(&c, fp);
		fclose(fp);
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			CHECK(strstr(out, want[i]) != NULL, "print: no line '%.*s' in:\n%s",
			      (int)strlen(want[i]) - 1, want[i], out);
		free(out);
	}
	conf_free(&c);
	diag_free(&d);

	/* A path may hold any byte: printed escaped. */
	CHECK(parse("[global]\ncontrol-socket = /run/a\x1b[2Jb.sock\n" RULE_A, &c, &d) == 0,
	      "print: control-socket with a control character refused");
	fp = open_memstream(&out, &size);
	if (CHECK(fp != NULL, "open_memstream failed")) {
		conf_print(&c, fp);
		fclose(fp);
		CHECK(strstr(out, "control-socket /run/a\\x1b[2Jb.sock,") != NULL &&
			      strchr(out, '\x1b') == NULL, "print: control-socket not escaped:\n%s", out);
		free(out);
	}
	conf_free(&c);
	diag_free(&d);
}

#define RULE_U "[rule u]\ninput = eth0\ngroup = 239.1.1.1\n"

/* udp outputs: what they parse to, and each bad one named with its line and token. */
/*
 * A worker takes at most CONF_MAX_SOCKETS_PER_INPUT sockets: one more udp
 * destination on an input is an error at its first rule; another input's
 * sockets and a repeated destination do not count.
 */
static void test_socket_limit(void)
{
	struct strbuf text = { 0 };
	struct conf c;
	struct diag d;
	char want[160];

	/* Each destination twice, from two rules. */
	for (int i = 0; i < CONF_MAX_SOCKETS_PER_INPUT; i++) {
		int j = (i + 1) % CONF_MAX_SOCKETS_PER_INPUT;

		sb_printf(&text, "[rule u%d]\ninput = eth0\ngroup = 239.1.%d.%d\n"
			  "output = udp 10.%d.%d.1:7000\noutput = udp 10.%d.%d.1:7000\n",
			  i, i / 200, i % 200 + 1, i / 200, i % 200, j / 200, j % 200);
	}
	sb_printf(&text, "[rule other]\ninput = eth1\ngroup = 239.9.9.9\n"
		  "output = udp 10.250.0.1:7000\n");
	if (!CHECK(parse(text.s, &c, &d) == 0 && d.errors == 0,
		   "%d udp sockets on one input refused", CONF_MAX_SOCKETS_PER_INPUT))
		show_diag(&d);
	conf_free(&c);
	diag_free(&d);
	sb_printf(&text, "[rule last]\ninput = eth0\ngroup = 239.200.0.1\n"
		  "output = udp 10.251.0.1:7000\n");
	snprintf(want, sizeof(want),
		 NAME ":1: input eth0: its rules send through %d sockets (output interfaces and udp destinations), at most %d per input",
		 CONF_MAX_SOCKETS_PER_INPUT + 1, CONF_MAX_SOCKETS_PER_INPUT);
	if (!CHECK(parse(text.s, &c, &d) == -1 && d.errors == 1 && has_line(&d, want),
		   "one socket too many: wrong diagnostics"))
		show_diag(&d);
	conf_free(&c);
	diag_free(&d);
	sb_free(&text);
}

static void test_udp_outputs(void)
{
	static const char text[] = RULE_U
		"output = udp 10.0.0.5:7000\n"					/* 4 */
		"output = udp 10.0.0.6:7001 ttl=5 source=10.0.0.1\n"		/* 5 */
		"output = eth1\n";						/* 6 */
	struct conf c;
	struct diag d;
	char buf[CONF_UDP_STRLEN];
	struct conf_udp u6 = { 0 };
	char err[200];

	if (CHECK(parse(text, &c, &d) == 0 && c.n_rules == 1, "udp: file refused")) {
		const struct conf_rule *r = &c.rules[0];
		const struct conf_udp *a = &r->outputs[0].udp, *b = &r->outputs[1].udp;
		/* IPv4 in the first 4 bytes, the rest zero. */
		static const struct in6_addr a5 = { .s6_addr = { 10, 0, 0, 5 } },
					     a1 = { .s6_addr = { 10, 0, 0, 1 } };

		CHECK(r->n_outputs == 3, "udp: %zu outputs", r->n_outputs);
		CHECK(r->outputs[0].kind == OUTPUT_UDP && r->outputs[1].kind == OUTPUT_UDP &&
		      r->outputs[2].kind == OUTPUT_IFACE, "udp: output kinds");
		CHECK(a->family == AF_INET && memcmp(&a->addr, &a5, sizeof(a5)) == 0 &&
		      a->port == 7000 && a->ttl == 0 && !a->has_source, "udp: first output");
		CHECK(b->ttl == 5 && b->has_source && memcmp(&b->source, &a1, sizeof(a1)) == 0 &&
		      r->outputs[1].line == 5, "udp: options of the second output");
		CHECK(strcmp(conf_udp_format(b, buf, sizeof(buf)), "10.0.0.6:7001") == 0,
		      "udp: formatted as %s", buf);
		CHECK(r->outputs[0].ifname[0] == '\0', "udp: an interface name");
	}
	conf_free(&c);
	diag_free(&d);

	/* IPv6: parsed and checked here; the rule is IPv4, so it is a mix. */
	CHECK(conf_udp_parse_dest("[2001:db8::5]:7000", &u6, err, sizeof(err)) == 0 &&
	      u6.family == AF_INET6 && u6.port == 7000, "udp6: destination refused: %s", err);
	CHECK(strcmp(conf_udp_format(&u6, buf, sizeof(buf)), "[2001:db8::5]:7000") == 0,
	      "udp6: formatted as %s", buf);
	CHECK(conf_udp_parse_option("ttl=9", &u6, err, sizeof(err)) == 0 && u6.ttl == 9,
	      "udp6: ttl=9 refused");
	CHECK(conf_udp_parse_option("source=2001:db8::1", &u6, err, sizeof(err)) == 0 &&
	      u6.has_source, "udp6: source refused: %s", err);
	CHECK(conf_udp_parse_option("source=10.0.0.1", &(struct conf_udp){ .family = AF_INET6 },
				    err, sizeof(err)) == -1 &&
	      strcmp(err, "'source=10.0.0.1' is not of the destination's address family") == 0,
	      "udp6: an IPv4 source: %s", err);
	static const char *const bad6[] = { "[ff02::1]:7000", "[::]:7000" };

	for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++)
		CHECK(conf_udp_parse_dest(bad6[i], &u6, err, sizeof(err)) == -1 &&
		      strstr(err, "is not a unicast address") != NULL, "udp6: %s: %s", bad6[i], err);
	CHECK(conf_udp_parse_dest("2001:db8::5:7000", &u6, err, sizeof(err)) == -1,
	      "udp6: an address without brackets taken");
	CHECK(conf_udp_parse_dest("[10.0.0.1]:7000", &u6, err, sizeof(err)) == -1,
	      "udp6: an IPv4 address in brackets taken");
	EXPECT_ERRORS(RULE_U "output = udp [2001:db8::5]:7000\n",
		      "4: rule 'u': output 'udp [2001:db8::5]:7000' is IPv6 but the rule is IPv4: mixing families between a rule and its outputs is a config error");

	EXPECT_ERRORS("[rule s]\ninput = eth0\ngroup = ff3e::1\noutput = udp 10.0.0.5:7000\n",
		      "4: rule 's': output 'udp 10.0.0.5:7000' is IPv4 but the rule is IPv6: mixing families between a rule and its outputs is a config error");
	/* An IPv6 rule on a VLAN with an IPv6 udp output and a tagged IPv6 output. */
	EXPECT_VALID("[rule s]\ninput = eth0 vlan 5\ngroup = ff3e::1\n"
		     "output = udp [2001:db8::5]:7000\noutput = eth1 vlan 6 [ff3e::2]:6000\n"
		     "output = eth0 vlan 6 [ff3e::1]\n");
	EXPECT_ERRORS("[rule s]\ninput = eth0 vlan 5\ngroup = ff3e::1\n"
		      "output = udp [2001:db8::5]:7000\noutput = eth0 vlan 5 [ff3e::1]\n",
		      "5: rule 's': output 'eth0 ff3e::1' sends the rule's own traffic back to its input (same interface, group and port)");

	/* Each with a good output after it: only the bad one is reported. */
	static const struct conf_case bad[] = {
		{ "output = udp 239.1.1.1:7000",
		  { "4: '239.1.1.1' is not a unicast address (a udp output sends to one host)" } },
		{ "output = udp 255.255.255.255:7000",
		  { "4: '255.255.255.255' is not a unicast address (a udp output sends to one host)" } },
		{ "output = udp 0.0.0.0:7000",
		  { "4: '0.0.0.0' is not a unicast address (a udp output sends to one host)" } },
		{ "output = udp 10.0.0.5",
		  { "4: invalid udp destination '10.0.0.5' (expected ADDR:PORT or [ADDR6]:PORT)" } },
		{ "output = udp 10.0.0.5:0",
		  { "4: invalid port '0' in '10.0.0.5:0' (expected 1-65535)" } },
		{ "output = udp host:7000",
		  { "4: invalid udp destination 'host:7000' (expected ADDR:PORT or [ADDR6]:PORT)" } },
		{ "output = udp",
		  { "4: invalid output (expected 'udp ADDR:PORT [ttl=N] [source=ADDR]')" } },
		{ "output = udp 10.0.0.5:7000 ttl=0", { "4: invalid 'ttl=0' (expected ttl=1-255)" } },
		{ "output = udp 10.0.0.5:7000 ttl=256", { "4: invalid 'ttl=256' (expected ttl=1-255)" } },
		{ "output = udp 10.0.0.5:7000 ttl=3 ttl=4", { "4: 'ttl=' given twice" } },
		{ "output = udp 10.0.0.5:7000 source=239.1.1.1",
		  { "4: invalid 'source=239.1.1.1' (expected source=ADDR, a unicast address)" } },
		{ "output = udp 10.0.0.5:7000 tos=4",
		  { "4: unknown option 'tos=4' (expected ttl=N or source=ADDR)" } },
	};

	EXPECT_CASES(RULE_U, bad, "output = eth1\n");
	EXPECT_ERRORS(RULE_U "output = udp 10.0.0.5:7000\noutput = udp 10.0.0.5:7000 ttl=3\n",
		      "5: rule 'u': duplicate output (same as line 4)");
	/* Unicast is matched by no rule: no loop, and a udp output beside the same group is fine. */
	EXPECT_VALID(RULE_U "output = udp 10.0.0.5:7000\noutput = udp 10.0.0.5:7001\n"
		     "[rule v]\ninput = eth1\ngroup = 239.1.1.1\noutput = eth0\n");
}

/*
 * "input = IFNAME vlan N" and "output = IFNAME vlan N [GROUP][:PORT]":
 * VIDs 1-4094, once; rules that differ by VLAN only do not conflict, and
 * loops and duplicates take the VLAN into account.
 */
static void test_vlan(void)
{
	struct conf c;
	struct diag d;

	if (CHECK(parse("[rule a]\ninput = eth0 vlan 100\ngroup = 239.1.1.1\n"
			"output = eth1 vlan 4094 :6000\noutput = eth1 vlan 1\n"
			"output = eth2\n"
			"output = eth1 239.2.2.2 vlan 7\n", &c, &d) == 0, "VLAN rule refused")) {
		CHECK(strcmp(c.rules[0].input, "eth0") == 0 && c.rules[0].vlan == 100,
		      "input eth0 vlan 100 read as '%s' vlan %u", c.rules[0].input,
		      c.rules[0].vlan);
		CHECK(c.rules[0].outputs[0].vlan == 4094 && c.rules[0].outputs[0].port == 6000 &&
		      c.rules[0].outputs[1].vlan == 1 && c.rules[0].outputs[2].vlan == 0 &&
		      c.rules[0].outputs[3].vlan == 7 &&
		      is(&c.rules[0].outputs[3].group, ADDR(239, 2, 2, 2)),
		      "output VLANs read wrong");
	}
	conf_free(&c);
	diag_free(&d);
	/* The same match on another VLAN, or untagged, is another rule. */
	EXPECT_VALID("[rule a]\ninput = eth0 vlan 100\ngroup = 239.1.1.1\noutput = eth1\n"
		     "[rule b]\ninput = eth0 vlan 200\ngroup = 239.1.1.1\noutput = eth2\n"
		     "[rule c]\ninput = eth0\ngroup = 239.1.1.1\noutput = eth3\n");
	/* A tagged copy of a rule's own stream on its input does not reach it on another VLAN. */
	EXPECT_VALID("[rule a]\ninput = eth0 vlan 100\ngroup = 239.1.1.1\n"
		     "output = eth0 vlan 101\noutput = eth0\n");
	EXPECT_ERRORS("[rule a]\ninput = eth0 vlan 100\ngroup = 239.1.1.1\noutput = eth1\n"
		      "[rule b]\ninput = eth0 vlan 100\ngroup = 239.1.1.1\noutput = eth2\n",
		      "5: rule 'b' matches exactly what rule 'a' (line 1) matches");
	EXPECT_ERRORS("[rule a]\ninput = eth0 vlan 100\ngroup = 239.1.1.1\n"
		      "output = eth0 vlan 100\n",
		      "4: rule 'a': output 'eth0 239.1.1.1' sends the rule's own traffic back to its input (same interface, group and port)");
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = 239.1.1.1\n"
		      "output = eth1 vlan 5\noutput = eth1 vlan 5 239.1.1.1\n",
		      "5: rule 'a': duplicate output (same as line 4)");
	/* The VLAN of an input. */
	static const struct conf_case inputs[] = {
		{ "input = eth0 vlan 0", { "2: " BAD_VID("0") } },
		{ "input = eth0 vlan 4095", { "2: " BAD_VID("4095") } },
		{ "input = eth0 vlan", { "2: " BAD_VID("") } },
		{ "input = eth0 vlan 1x", { "2: " BAD_VID("1x") } },
		{ "input = eth0 vlan 10 vlan 10", { "2: duplicate 'vlan' for interface eth0" } },
		{ "input = eth0 100", { "2: invalid input 'eth0 100' (expected 'IFNAME [vlan N]')" } },
		/* The rule is still complete without its input: only the VLAN is reported. */
		{ "input = eth0 vlan 99999999999", { "2: " BAD_VID("99999999999") } },
	};

	EXPECT_CASES("[rule a]\n", inputs, "group = 239.1.1.1\noutput = eth1\n");
	EXPECT_ERRORS(RULE_A "output = eth2 vlan 5000 239.2.2.2\n"
		      "output = eth2 vlan 2 vlan 3\n"
		      "output = eth2 vlan 2 239.2.2.2 :5\n"
		      "output = eth2 vlan -1\n",
		      "5: " BAD_VID("5000"), "6: duplicate 'vlan' for interface eth2",
		      "7: invalid output (expected 'IFNAME [vlan N] [GROUP][:PORT]')",
		      "8: " BAD_VID("-1"));
}

/* The sub-interface through which a VLAN's memberships go, from /proc/net/vlan/config. */
static void test_vlan_config(void)
{
	static const char text[] =
		"VLAN Dev name\t | VLAN ID\n"
		"Name-Type: VLAN_NAME_TYPE_RAW_PLUS_VID_NO_PAD\n"
		"eth0.100       | 100  | eth0\n"
		"trunk7         | 7  | eth1\n"
		"eth0.1000      | 1000  | eth0\n"
		"broken | x | eth0\n"
		"short | 5\n";
	char name[IF_NAMESIZE] = "";

	CHECK(vlan_config_find(text, "eth0", 100, name) && strcmp(name, "eth0.100") == 0,
	      "eth0 VLAN 100: '%s'", name);
	CHECK(vlan_config_find(text, "eth1", 7, name) && strcmp(name, "trunk7") == 0,
	      "eth1 VLAN 7: '%s'", name);
	CHECK(vlan_config_find(text, "eth0", 1000, name) && strcmp(name, "eth0.1000") == 0,
	      "eth0 VLAN 1000: '%s'", name);
	CHECK(!vlan_config_find(text, "eth1", 100, name), "VLAN 100 found on eth1");
	CHECK(!vlan_config_find(text, "eth0", 10, name), "VLAN 10 found on eth0");
	CHECK(!vlan_config_find(text, "eth0", 5, name), "a short line matched");
	CHECK(!vlan_config_find("", "eth0", 100, name), "found in an empty file");
}

/* conf_print's text of a file that must be valid, for the lines of an IPv6 case. */
static void expect_print_at(int where, const char *text, const char *const *want)
{
	struct conf c;
	struct diag d;
	char *out = NULL;
	size_t size = 0;
	FILE *fp;

	if (!CHECK(parse(text, &c, &d) == 0 && d.errors == 0, "case at line %d: file refused",
		   where))
		show_diag(&d);
	fp = open_memstream(&out, &size);
	if (CHECK(fp != NULL, "open_memstream failed")) {
		conf_print(&c, fp);
		fclose(fp);
		for (size_t i = 0; want[i] != NULL; i++)
			CHECK(strstr(out, want[i]) != NULL,
			      "case at line %d: no line '%.*s' in:\n%s", where,
			      (int)strlen(want[i]) - 1, want[i], out);
		free(out);
	}
	conf_free(&c);
	diag_free(&d);
}

#define EXPECT_PRINT(text, ...) \
	expect_print_at(__LINE__, text, (const char *const[]){ __VA_ARGS__, NULL })

#define RULE_6 "[rule a]\ninput = eth0\ngroup = ff3e::1234\noutput = eth1\n"

static void test_ipv6(void)
{
	static const char text[] =
		"[rule six]\n"					/* 1 */
		"input = eth0\n"				/* 2 */
		"group = ff3e::1234\n"				/* 3 */
		"port = 5000\n"					/* 4 */
		"source = 2001:db8::1\n"			/* 5 */
		"output = eth1 [ff3e::4321]:6000\n"		/* 6 */
		"output = eth2 ff3e::4321\n"			/* 7 */
		"output = eth3 [ff3e::5]\n"			/* 8 */
		"output = eth4 :7000\n"				/* 9 */
		"output = eth5\n"				/* 10 */
		"output = eth6 ff3e::1:6000\n";			/* 11 */
	struct conf c;
	struct diag d;
	int rc = parse(text, &c, &d);

	if (!CHECK(rc == 0 && d.n == 0, "IPv6 file: returned %d, %zu diagnostics", rc, d.n))
		show_diag(&d);
	if (CHECK(c.n_rules == 1 && c.rules[0].n_outputs == 6, "IPv6 file: rules or outputs")) {
		const struct conf_rule *r = &c.rules[0];
		const struct {
			struct addr group;	/* as configured */
			uint16_t port;
			struct addr effective;
		} want[6] = {
			{ unit_v6("ff3e::4321"), 6000, unit_v6("ff3e::4321") },
			{ unit_v6("ff3e::4321"), 0, unit_v6("ff3e::4321") },
			{ unit_v6("ff3e::5"), 0, unit_v6("ff3e::5") },
			{ NONE, 7000, unit_v6("ff3e::1234") },
			{ NONE, 0, unit_v6("ff3e::1234") },
			/* Without brackets, the last colon is the address's own. */
			{ unit_v6("ff3e::1:6000"), 0, unit_v6("ff3e::1:6000") },
		};

		CHECK(is(&r->group, unit_v6("ff3e::1234")) && r->port == 5000 &&
		      is(&r->source, unit_v6("2001:db8::1")), "IPv6 rule: group %s port %u source %s",
		      unit_addr_str(&r->group), r->port, unit_addr_str(&r->source));
		for (int i = 0; i < 6; i++) {
			const struct conf_output *o = &r->outputs[i];

			CHECK(is(&o->group, want[i].group) && o->port == want[i].port &&
			      is(conf_output_group(r, o), want[i].effective) && o->line == 6 + i,
			      "IPv6 output %d: group %s port %u effective %s line %d", i,
			      unit_addr_str(&o->group), o->port,
			      unit_addr_str(conf_output_group(r, o)), o->line);
		}
	}
	conf_free(&c);
	diag_free(&d);

	EXPECT_PRINT(text,
		     "rule six (line 1): input eth0, group ff3e::1234, port 5000, source 2001:db8::1, ttl decrement\n",
		     "  -> eth1 [ff3e::4321]:6000\n",
		     "  -> eth2 [ff3e::4321]:5000\n",
		     "  -> eth3 [ff3e::5]:5000\n",
		     "  -> eth4 [ff3e::1234]:7000\n",
		     "  -> eth5 [ff3e::1234]:5000\n",
		     "  -> eth6 [ff3e::1:6000]:5000\n");
	EXPECT_PRINT(RULE_6 "output = eth2 [ff3e::4321]\noutput = eth3 :6000\n",
		     "rule a (line 1): input eth0, group ff3e::1234, port any, source any, ttl decrement\n",
		     "  -> eth1 ff3e::1234 (same port)\n",
		     "  -> eth2 ff3e::4321 (same port)\n",
		     "  -> eth3 [ff3e::1234]:6000\n");
	/* IPv4 and IPv6 rules side by side, on one input. */
	EXPECT_PRINT(RULE_A "[rule b]\ninput = eth0\ngroup = ff02::1:3\nport = 5355\noutput = eth1\n",
		     "  -> eth1 239.1.1.1 (same port)\n",
		     "rule b (line 5): input eth0, group ff02::1:3, port 5355, source any, ttl decrement\n",
		     "  -> eth1 [ff02::1:3]:5355\n");

	/* An IPv6 rule's outputs and source; brackets. */
	static const struct conf_case keys[] = {
		{ "output = eth2 [ff3e::1", { "5: " BAD_TARGET("[ff3e::1") } },
		{ "output = eth2 [ff3e::1]6000", { "5: " BAD_TARGET("[ff3e::1]6000") } },
		{ "output = eth2 [ff3e::1]]:6000", { "5: " BAD_TARGET("[ff3e::1]]:6000") } },
		{ "output = eth2 [ff3e::1]:", { "5: " BAD_TARGET_PORT("") } },
		{ "output = eth2 [ff3e::1]:0", { "5: " BAD_TARGET_PORT("0") } },
		{ "output = eth2 [ff3e::1]:70000", { "5: " BAD_TARGET_PORT("70000") } },
		{ "output = eth2 [[ff3e::1]]", { "5: " BAD_TARGET("[[ff3e::1]]") } },
		/* Empty brackets are no group: refused, with or without a port, quoted whole. */
		{ "output = eth2 []", { "5: " BAD_TARGET("[]") } },
		{ "output = eth2 []:6000", { "5: " BAD_TARGET("[]:6000") } },
		{ "output = eth2 [ff3e::1\noutput = eth3 ]:6000",
		  { "5: " BAD_TARGET("[ff3e::1"), "6: " NOT_GROUP("]") } },
		{ "output = eth2 [2001:db8::1]:6000", { "5: " NOT_GROUP("2001:db8::1") } },
		{ "output = eth2 ff3e::1:70000", { "5: " NOT_GROUP("ff3e::1:70000") } },
		/* Addresses an IPv6 rule cannot have (test_values: as its group). */
		{ "output = eth2 [::ffff:239.1.1.1]:6000", { "5: " NOT_GROUP("::ffff:239.1.1.1") } },
		{ "output = eth2 [::]:6000", { "5: " NOT_GROUP("::") } },
		{ "output = eth2 [fe80::1]:6000", { "5: " NOT_GROUP("fe80::1") } },
		{ "output = eth2 [ff3e::1%eth0]:6000", { "5: " NOT_GROUP("ff3e::1%eth0") } },
		{ "output = eth2 [ff3e:::1]:6000", { "5: " NOT_GROUP("ff3e:::1") } },
		{ "output = eth2 [ff3e::1::2]:6000", { "5: " NOT_GROUP("ff3e::1::2") } },
		{ "output = eth2 [ff3e::12345]:6000", { "5: " NOT_GROUP("ff3e::12345") } },
		{ "output = eth2 [::239.1.1.1]:6000", { "5: " NOT_GROUP("::239.1.1.1") } },
		{ "source = ::ffff:10.0.0.1", { "5: " BAD_SOURCE("::ffff:10.0.0.1") } },
		{ "source = ::", { "5: " BAD_SOURCE("::") } },
		{ "source = ff3e::1", { "5: " BAD_SOURCE("ff3e::1") } },
		{ "source = ff02::1", { "5: " BAD_SOURCE("ff02::1") } },
		{ "source = 2001:db8::/129", { "5: " BAD_SOURCE("2001:db8::/129") } },
		{ "source = 2001:db8:::1", { "5: " BAD_SOURCE("2001:db8:::1") } },
		/* One family per rule: its group, its source, its outputs. */
		{ "output = eth2 239.2.2.2:6000",
		  { "5: rule 'a': output group 239.2.2.2 is IPv4 but the rule's group is IPv6 (a rule and its outputs are of one family)" } },
		{ "source = 10.0.0.1",
		  { "5: rule 'a': source 10.0.0.1 is IPv4 but group ff3e::1234 is IPv6" } },
	};

	EXPECT_CASES(RULE_6, keys, "");
	EXPECT_ERRORS(RULE_A "output = eth2 [ff3e::1]:6000\noutput = eth3 ff3e::2\n",
		      "5: rule 'a': output group ff3e::1 is IPv6 but the rule's group is IPv4 (a rule and its outputs are of one family)",
		      "6: rule 'a': output group ff3e::2 is IPv6 but the rule's group is IPv4 (a rule and its outputs are of one family)");
	EXPECT_ERRORS("[rule a]\ninput = eth0\nsource = 2001:db8::1\ngroup = 239.1.1.1\noutput = eth1\n",
		      "3: rule 'a': source 2001:db8::1 is IPv6 but group 239.1.1.1 is IPv4");

	/* Loops and duplicates are found among IPv6 rules as among IPv4 ones. */
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = ff3e::1\noutput = eth0\n",
		      "4: rule 'a': output 'eth0 ff3e::1' sends the rule's own traffic back to its input (same interface, group and port)");
	EXPECT_VALID("[rule a]\ninput = eth0\ngroup = ff3e::1\noutput = eth0 [ff3e::2]\n");
	EXPECT_ERRORS(RULE_6 "output = eth1 [ff3e::1234]\n",
		      "5: rule 'a': duplicate output (same as line 4)");
	EXPECT_ERRORS(RULE_6 "[rule b]\ninput = eth0\ngroup = ff3e:0::1234\noutput = eth2\n",
		      "5: rule 'b' matches exactly what rule 'a' (line 1) matches");
	/* The same last 32 bits in the other family are another group. */
	EXPECT_VALID("[rule a]\ninput = eth0\ngroup = 239.1.1.1\noutput = eth1\n"
		     "[rule b]\ninput = eth0\ngroup = ff3e::ef01:101\noutput = eth1\n"
		     "[rule c]\ninput = eth0\ngroup = ff3e::ef01:101\nsource = 2001:db8::1\n"
		     "port = 5000\noutput = eth2 [ff3e::2]:6000\n");
}

/* Whether text parses without a warning containing needle. */
static bool warns(const char *text, const char *needle)
{
	struct conf c;
	struct diag d;
	bool found = false;

	parse(text, &c, &d);
	for (size_t i = 0; i < d.n; i++)
		found |= strstr(d.lines[i], needle) != NULL;
	conf_free(&c);
	diag_free(&d);
	return found;
}

#define RULE_W "[rule w]\ninput = eth0\n"
#define LL_MSG(g, how) \
	"rule 'w': group " g " takes in link-local groups (224.0.0.0/24, ff02::/16), and " how \
	" would relay them to other segments; set 'link-local = allow' to do so deliberately"
#define LOOP_WARNING(how) \
	"rule 'w': with " how " nothing ends a loop through another relay host (the loop check covers this host only; a decrementing TTL ends one)"

/*
 * Wider matching: group and source prefixes, port ranges, join = GROUP,
 * link-local = allow|deny, and how validation treats them.
 */
static void test_wide(void)
{
	static const char text[] =
		"[rule block]\n"			/* 1 */
		"input = eth0 vlan 10\n"		/* 2 */
		"group = 239.1.0.0/16\n"		/* 3 */
		"port = 5000-5099\n"			/* 4 */
		"source = 10.1.0.0/16\n"		/* 5 */
		"join = 239.1.2.3\n"			/* 6 */
		"join = 239.1.255.255\n"		/* 7 */
		"link-local = deny\n"			/* 8 */
		"output = eth1\n"			/* 9 */
		"output = eth2 239.5.5.5:6000\n"	/* 10 */
		"[rule six]\n"				/* 11 */
		"input = eth0\n"			/* 12 */
		"group = ff3e::/96\n"			/* 13 */
		"source = 2001:db8::/32\n"		/* 14 */
		"port = 1-65535\n"			/* 15 */
		"join = ff3e::1:2\n"			/* 16 */
		"link-local = allow\n"			/* 17 */
		"output = eth1 [ff3e::9]\n"		/* 18 */
		"[rule one]\n"				/* 19 */
		"input = eth0\n"			/* 20 */
		"group = 239.1.2.3\n"			/* 21 */
		"port = 5000\n"				/* 22 */
		"output = eth3\n";			/* 23 */
	struct conf c;
	struct diag d;
	int rc = parse(text, &c, &d);

	if (!CHECK(rc == 0 && d.errors == 0, "wide file: returned %d, %zu errors", rc, d.errors))
		show_diag(&d);
	if (CHECK(c.n_rules == 3, "wide file: %zu rules", c.n_rules)) {
		const struct conf_rule *a = &c.rules[0], *b = &c.rules[1], *e = &c.rules[2];

		CHECK(is(&a->group, ADDR(239, 1, 0, 0)) && a->group_len == 16 && a->port == 5000 &&
		      a->port_last == 5099 && is(&a->source, ADDR(10, 1, 0, 0)) &&
		      a->source_len == 16 && !a->link_local && a->vlan == 10,
		      "block: group %s/%u port %u-%u source %s/%u link-local %d", 
		      unit_addr_str(&a->group), a->group_len, a->port, a->port_last,
		      unit_addr_str(&a->source), a->source_len, a->link_local);
		CHECK(conf_rule_wide(a) && !conf_group_exact(a), "block: not wide");
		CHECK(is(&b->group, unit_v6("ff3e::")) && b->group_len == 96 && b->port == 1 &&
		      b->port_last == 65535 && is(&b->source, unit_v6("2001:db8::")) &&
		      b->source_len == 32 && b->link_local,
		      "six: group %s/%u port %u-%u source %s/%u link-local %d",
		      unit_addr_str(&b->group), b->group_len, b->port, b->port_last,
		      unit_addr_str(&b->source), b->source_len, b->link_local);
		CHECK(is(&e->group, ADDR(239, 1, 2, 3)) && e->group_len == 32 && e->port == 5000 &&
		      e->port_last == 5000 && !addr_is_set(&e->source) && e->source_len == 0 &&
		      !conf_rule_wide(e) && conf_group_exact(e), "one: read as a wide rule");
	}
	if (CHECK(c.n_joins == 3, "wide file: %zu joins", c.n_joins)) {
		CHECK(c.joins[0].rule == 0 && is(&c.joins[0].group, ADDR(239, 1, 2, 3)) &&
		      c.joins[0].line == 6 && c.joins[1].rule == 0 &&
		      is(&c.joins[1].group, ADDR(239, 1, 255, 255)) && c.joins[1].line == 7 &&
		      c.joins[2].rule == 1 && is(&c.joins[2].group, unit_v6("ff3e::1:2")) &&
		      c.joins[2].line == 16, "joins not as written");
	}
	conf_free(&c);
	diag_free(&d);
	EXPECT_PRINT(text,
		     "rule block (line 1): input eth0 vlan 10, group 239.1.0.0/16, port 5000-5099, source 10.1.0.0/16, ttl decrement\n",
		     "  join 239.1.2.3\n  join 239.1.255.255\n",
		     "  -> eth2 239.5.5.5:6000\n",
		     "rule six (line 11): input eth0, group ff3e::/96, port 1-65535, source 2001:db8::/32, ttl decrement, link-local allowed\n",
		     "  join ff3e::1:2\n  -> eth1 ff3e::9 (same port)\n",
		     "rule one (line 19): input eth0, group 239.1.2.3, port 5000, source any, ttl decrement\n  -> eth3 239.1.2.3:5000\n");
	/* A /32 or /128 is one group or source, not a prefix. */
	if (CHECK(parse(RULE_W "group = 239.1.1.1/32\nsource = 2001:db8::1/128\noutput = eth1\n",
			&c, &d) == -1, "an IPv6 source on an IPv4 group accepted"))
		CHECK(c.rules[0].group_len == 32 && conf_group_exact(&c.rules[0]),
		      "239.1.1.1/32 read as a prefix of %u", c.rules[0].group_len);
	conf_free(&c);
	diag_free(&d);
	if (CHECK(parse(RULE_W "group = ff3e::1/128\nsource = 2001:db8::1/128\noutput = eth1\n",
			&c, &d) == 0, "ff3e::1/128 refused"))
		CHECK(!conf_rule_wide(&c.rules[0]) && c.rules[0].source_len == 128,
		      "ff3e::1/128 with source /128 read as wide");
	conf_free(&c);
	diag_free(&d);
	/* A rule w and its group, then the key the case is about. */
	static const struct conf_case keys[] = {
		{ "group = 239.1.1.1\nsource = 0.0.0.0/0", { NULL } },
		{ "group = 239.1.1.1\nsource = 10.1.0.1/16",
		  { "4: " HOST_BITS("source", "10.1.0.1/16", "16", "10.1.0.0/16") } },
		{ "group = ff3e::1\nsource = 2001:db8::1/64",
		  { "4: " HOST_BITS("source", "2001:db8::1/64", "64", "2001:db8::/64") } },
		{ "group = 239.1.1.1\nsource = 10.0.0.0/33", { "4: " BAD_SOURCE("10.0.0.0/33") } },
		{ "group = ff3e::1\nsource = 2001:db8::/129", { "4: " BAD_SOURCE("2001:db8::/129") } },
		{ "group = 239.1.1.1\nsource = 10.0.0.0/x", { "4: " BAD_SOURCE("10.0.0.0/x") } },
		{ "group = 239.1.1.1\nsource = 239.0.0.0/8", { "4: " BAD_SOURCE("239.0.0.0/8") } },
		{ "group = ff3e::1\nsource = ff00::/8", { "4: " BAD_SOURCE("ff00::/8") } },
		{ "group = 239.1.1.1\nsource = 10.0.0.0/", { "4: " BAD_SOURCE("10.0.0.0/") } },
		/* Port ranges. */
		{ "group = 239.1.1.1\nport = 7-7", { NULL } },
		{ "group = 239.1.1.1\nport = 5099-5000",
		  { "4: invalid port range '5099-5000' (the first port is above the last)" } },
		{ "group = 239.1.1.1\nport = 0-10", { "4: " BAD_PORT("0-10") } },
		{ "group = 239.1.1.1\nport = 10-65536", { "4: " BAD_PORT("10-65536") } },
		{ "group = 239.1.1.1\nport = 10-", { "4: " BAD_PORT("10-") } },
		{ "group = 239.1.1.1\nport = 10-20-30", { "4: " BAD_PORT("10-20-30") } },
		/* join = GROUP: for a prefix rule only, inside the prefix, once. */
		{ "group = 239.1.1.1\njoin = 239.1.1.1",
		  { "4: rule 'w': join is for a group prefix; a rule for one group joins it already" } },
		{ "group = 239.1.0.0/16\njoin = 239.2.1.1",
		  { "4: rule 'w': join 239.2.1.1 is outside the rule's group prefix" } },
		{ "group = 239.1.0.0/16\njoin = ff3e::1",
		  { "4: rule 'w': join ff3e::1 is outside the rule's group prefix" } },
		{ "group = ff3e::/96\njoin = ff3e::1:0:0",
		  { "4: rule 'w': join ff3e::1:0:0 is outside the rule's group prefix" } },
		{ "group = 239.1.0.0/16\njoin = 239.1.1.1\njoin = 239.1.0.1\njoin = 239.1.1.1",
		  { "6: rule 'w': join 239.1.1.1 given twice (first at line 4)" } },
		{ "group = 239.1.0.0/16\njoin = 10.1.1.1",
		  { "4: join: '10.1.1.1' is not a multicast group (IPv4 or IPv6)" } },
		{ "group = 239.1.0.0/16\njoin = 239.1.0.0/24",
		  { "4: join: '239.1.0.0/24' is not a multicast group (IPv4 or IPv6)" } },
		/* link-local = allow|deny. */
		{ "group = 239.1.1.1\nlink-local = yes",
		  { "4: invalid link-local 'yes' (expected allow or deny)" } },
		{ "group = 239.1.1.1\nlink-local = allow\nlink-local = deny",
		  { "5: duplicate key 'link-local' (first set at line 4)" } },
		/* Link-local groups, ttl keep or fixed: an error unless allowed, at the ttl line. */
		{ "group = 224.0.0.251\nttl = keep", { "4: " LL_MSG("224.0.0.251", "ttl = keep") } },
		{ "group = 224.0.0.251\nttl = 5", { "4: " LL_MSG("224.0.0.251", "a fixed ttl") } },
		{ "group = 224.0.0.251\nttl = keep\nlink-local = deny",
		  { "4: " LL_MSG("224.0.0.251", "ttl = keep") } },
		{ "group = 224.0.0.0/16\nttl = keep", { "4: " LL_MSG("224.0.0.0/16", "ttl = keep") } },
		{ "group = 224.0.0.128/25\nttl = 1", { "4: " LL_MSG("224.0.0.128/25", "a fixed ttl") } },
		{ "group = 224.0.0.0/4\nttl = keep", { "4: " LL_MSG("224.0.0.0/4", "ttl = keep") } },
		{ "group = ff02::fb\nttl = keep", { "4: " LL_MSG("ff02::fb", "ttl = keep") } },
		{ "group = ff01::1\nttl = 9", { "4: " LL_MSG("ff01::1", "a fixed ttl") } },
		{ "group = ff32::1\nttl = keep", { "4: " LL_MSG("ff32::1", "ttl = keep") } },
		{ "group = ff00::/8\nttl = 9", { "4: " LL_MSG("ff00::/8", "a fixed ttl") } },
		{ "group = ff02::/16\nttl = keep", { "4: " LL_MSG("ff02::/16", "ttl = keep") } },
		/* Without ttl key the rule line is named; the default decrements: no error. */
		{ "group = 224.0.0.251", { NULL } },
		{ "group = 224.0.0.0/4", { NULL } },
		{ "group = ff02::fb\nttl = decrement", { NULL } },
		{ "group = ff00::/8\nttl = decrement\nlink-local = deny", { NULL } },
		/* Allowed deliberately: valid, with the loop warning of keep and fixed. */
		{ "group = 224.0.0.251\nttl = keep\nlink-local = allow",
		  { "4: warning: " LOOP_WARNING("ttl = keep") } },
		{ "group = ff00::/8\nlink-local = allow\nttl = 3",
		  { "5: warning: " LOOP_WARNING("a fixed ttl") } },
		/* Groups next to the link-local ones are not. */
		{ "group = 224.0.1.0/24\nttl = keep", { "4: warning: " LOOP_WARNING("ttl = keep") } },
		{ "group = ff05::/16\nttl = 7", { "4: warning: " LOOP_WARNING("a fixed ttl") } },
		{ "group = 239.1.1.1\nttl = keep", { "4: warning: " LOOP_WARNING("ttl = keep") } },
	};

	EXPECT_CASES(RULE_W, keys, "output = eth1\n");
	/* The same group joined by two prefix rules is each rule's own join. */
	EXPECT_VALID(RULE_W "group = 239.1.0.0/16\njoin = 239.1.1.1\noutput = eth1\n"
		     "[rule v]\ninput = eth0\ngroup = 239.1.1.0/24\njoin = 239.1.1.1\noutput = eth2\n");
	CHECK(!warns(RULE_W "group = 239.1.1.1\nttl = decrement\noutput = eth1\n", "nothing ends a loop") &&
	      !warns(RULE_W "group = 239.1.0.0/16\noutput = eth1\n", "nothing ends a loop"),
	      "the loop warning with a decrementing TTL");

	/* Loops through prefixes and ranges. */
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\noutput = eth1\n"
		      "[rule b]\ninput = eth1\ngroup = 239.0.0.0/8\noutput = eth0\n",
		      "5: rules 'a' and 'b' feed each other in a loop (a -> b -> a)");
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = ff3e::/96\noutput = eth1\n"
		      "[rule b]\ninput = eth1\ngroup = ff3e::1:0/112\noutput = eth0\n",
		      "5: rules 'a' and 'b' feed each other in a loop (a -> b -> a)");
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\noutput = eth1 239.2.0.1\n"
		      "[rule b]\ninput = eth1\ngroup = 239.2.0.0/16\noutput = eth0 239.1.5.5\n",
		      "5: rules 'a' and 'b' feed each other in a loop (a -> b -> a)");
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\noutput = eth1\n"
		      "[rule b]\ninput = eth1\ngroup = 239.1.1.0/24\noutput = eth2\n"
		      "[rule c]\ninput = eth2\ngroup = 239.1.1.1\noutput = eth0\n",
		      "9: rules feed each other in a loop (a -> b -> c -> a)");
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\nport = 5000-5099\noutput = eth1\n"
		      "[rule b]\ninput = eth1\ngroup = 239.1.2.3\nport = 5099\noutput = eth0\n",
		      "6: rules 'a' and 'b' feed each other in a loop (a -> b -> a)");
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\noutput = eth1 :6000\n"
		      "[rule b]\ninput = eth1\ngroup = 239.1.0.0/16\nport = 6000-6001\noutput = eth0 :5000\n",
		      "5: rules 'a' and 'b' feed each other in a loop (a -> b -> a)");
	EXPECT_ERRORS(RULE_W "group = 239.1.0.0/16\noutput = eth0 239.1.0.1\n",
		      "4: rule 'w': output 'eth0 239.1.0.1' sends the rule's own traffic back to its input (same interface, group and port)");
	/* No overlap: groups, ports, sources, VLANs, or a unicast output apart. */
	EXPECT_VALID("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\noutput = eth1\n"
		     "[rule b]\ninput = eth1\ngroup = 239.2.0.0/16\noutput = eth0\n");
	EXPECT_VALID("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\nport = 5000-5099\noutput = eth1\n"
		     "[rule b]\ninput = eth1\ngroup = 239.1.2.3\nport = 5100\noutput = eth0\n");
	EXPECT_VALID("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\nsource = 10.0.0.0/8\noutput = eth1\n"
		     "[rule b]\ninput = eth1\ngroup = 239.1.0.0/16\nsource = 192.168.0.0/16\noutput = eth0\n");
	EXPECT_VALID("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\noutput = eth1 vlan 5\n"
		     "[rule b]\ninput = eth1 vlan 6\ngroup = 239.1.0.0/16\noutput = eth0\n");
	EXPECT_VALID("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\noutput = eth1 239.2.0.1\n"
		     "[rule b]\ninput = eth1\ngroup = 239.2.0.0/16\noutput = udp 10.0.0.1:5000\n");
	EXPECT_VALID(RULE_W "group = 239.1.0.0/16\noutput = eth0 239.2.0.1\n");
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\nsource = 10.0.0.0/8\noutput = eth1\n"
		      "[rule b]\ninput = eth1\ngroup = 239.1.0.0/16\nsource = 10.1.0.0/16\noutput = eth0\n",
		      "6: rules 'a' and 'b' feed each other in a loop (a -> b -> a)");

	/* Duplicates: the same prefix, range and source prefix; written differently too. */
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\nport = 5000-5099\nsource = 10.0.0.0/8\noutput = eth1\n"
		      "[rule b]\ninput = eth0\ngroup = 239.1.0.0/16\nport = 5000-5099\nsource = 10.0.0.0/8\noutput = eth2\n",
		      "7: rule 'b' matches exactly what rule 'a' (line 1) matches");
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = ff3e::/96\nport = 5000-5099\nsource = 2001:db8::/32\noutput = eth1\n"
		      "[rule b]\ninput = eth0\ngroup = ff3e:0::/96\nport = 5000-5099\nsource = 2001:db8:0::/32\noutput = eth2\n",
		      "7: rule 'b' matches exactly what rule 'a' (line 1) matches");
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\nport = 5000-5000\noutput = eth1\n"
		      "[rule b]\ninput = eth0\ngroup = 239.1.0.0/16\nport = 5000\noutput = eth2\n",
		      "6: rule 'b' matches exactly what rule 'a' (line 1) matches");
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = 239.1.1.1/32\nsource = 10.0.0.1/32\noutput = eth1\n"
		      "[rule b]\ninput = eth0\ngroup = 239.1.1.1\nsource = 10.0.0.1\noutput = eth2\n",
		      "6: rule 'b' matches exactly what rule 'a' (line 1) matches");
	/* Any difference, a VLAN included, is another rule: overlapping is fine. */
	EXPECT_VALID("[rule a]\ninput = eth0\ngroup = 239.1.0.0/16\nport = 5000-5099\nsource = 10.0.0.0/8\noutput = eth1\n"
		     "[rule b]\ninput = eth0\ngroup = 239.1.0.0/16\nport = 5000-5098\nsource = 10.0.0.0/8\noutput = eth2\n"
		     "[rule c]\ninput = eth0\ngroup = 239.1.0.0/17\nport = 5000-5099\nsource = 10.0.0.0/8\noutput = eth2\n"
		     "[rule d]\ninput = eth0\ngroup = 239.1.0.0/16\nport = 5000-5099\nsource = 10.0.0.0/9\noutput = eth2\n"
		     "[rule e]\ninput = eth0 vlan 3\ngroup = 239.1.0.0/16\nport = 5000-5099\nsource = 10.0.0.0/8\noutput = eth2\n"
		     "[rule f]\ninput = eth0\ngroup = 239.1.0.0/16\nport = 5000-5099\noutput = eth2\n"
		     "[rule g]\ninput = eth0\ngroup = 239.1.0.0/16\noutput = eth2\n"
		     "[rule h]\ninput = eth0\ngroup = 239.1.2.3\nport = 5000\nsource = 10.0.0.1\noutput = eth2\n");
}

/* conf_load reads a file the same way. */
static void test_load(void)
{
	char path[] = "/tmp/test_conf.XXXXXX";
	int fd = mkstemp(path);
	struct conf c;
	struct diag d = { 0 };
	char want[128];
	int rc;

	if (!CHECK(fd >= 0, "mkstemp failed"))
		return;
	static const char text[] = RULE_A "ttl = 0\n";
	CHECK(write(fd, text, sizeof(text) - 1) == (ssize_t)sizeof(text) - 1, "write");
	close(fd);
	rc = conf_load(path, &c, &d);
	snprintf(want, sizeof(want), "%s:5: invalid ttl '0' (expected decrement, keep or 1-255)",
		 path);
	CHECK(rc == -1 && d.errors == 1 && has_line(&d, want), "conf_load: rc %d", rc);
	conf_free(&c);
	diag_free(&d);
	unlink(path);

	rc = conf_load(path, &c, &d);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	CHECK(rc == -2 && has_line(&d, want), "conf_load of a missing file: rc %d", rc);
	conf_free(&c);
	diag_free(&d);
}

/*
 * Interface names, wherever they are given (input, output, [input NAME]):
 * what the kernel takes (dev_valid_name), in printable ASCII.  A name
 * refused is named in the error with its bytes escaped.
 */
static void test_ifnames(void)
{
	static const struct {
		const char *name;
		bool ok;
	} cases[] = {
		{ "eth0", true },
		{ "a", true },
		{ "abcdefghijklmno", true },		/* 15: the most */
		{ "eth0.100", true },
		{ "br-lan", true },
		{ "wg_0", true },
		{ "veth@if3", true },
		{ "...", true },
		{ "a..", true },
		{ "~!%+=", true },
		{ "abcdefghijklmnop", false },		/* 16 */
		{ ".", false },
		{ "..", false },
		{ "a/b", false },
		{ "a:b", false },
		{ "eth\x01", false },
		{ "eth\x1b[31m", false },
		{ "eth\x7f", false },
		{ "eth\v0", false },
		{ "eth\f0", false },
		{ "caf\xc3\xa9", false },		/* UTF-8: not ASCII */
		{ "\x80", false },
		{ "\xff", false },
	};
	char text[256], want[256], label[100];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *n = cases[i].name;
		struct strbuf esc = { 0 };

		sb_escaped(&esc, n, strlen(n));
		/* As a rule's input, as one of its outputs, and as an [input] section. */
		for (int where = 0; where < 3; where++) {
			if (where == 0)
				snprintf(text, sizeof(text), "[rule a]\ninput = %s\ngroup = 239.1.1.1\n"
					 "output = eth9\n", n);
			else if (where == 1)
				snprintf(text, sizeof(text), "[rule a]\ninput = eth9\ngroup = 239.1.1.1\n"
					 "output = eth8\noutput = %s\n", n);
			else
				snprintf(text, sizeof(text), "[rule a]\ninput = %s\ngroup = 239.1.1.1\n"
					 "output = eth9\n[input %s]\nworkers = 2\n",
					 cases[i].ok ? n : "eth0", n);
			snprintf(label, sizeof(label), "interface name '%s' %s", esc.s,
				 where == 0 ? "as an input"
				 : where == 1 ? "as an output" : "in [input]");
			if (cases[i].ok) {
				expect_diags(label, text, (const char *const[]){ NULL });
				continue;
			}
			if (where == 2)
				snprintf(want, sizeof(want), "5: invalid interface name '%s' in [input] "
					 IFNAME_RULES, esc.s);
			else
				snprintf(want, sizeof(want), "%d: invalid interface name '%s' "
					 IFNAME_RULES, where == 0 ? 2 : 5, esc.s);
			expect_diags(label, text, (const char *const[]){ want, NULL });
		}
		sb_free(&esc);
	}
}

#define BAD_CPUS(s) "invalid cpu-affinity '" s "' (CPU numbers 0-1023 and ranges, e.g. 0,2-3)"
#define BAD_RING_BLOCK_SIZE(s) "invalid ring-block-size '" s "' (a multiple of 4k from 4k to 64M)"

/* workers and cpu-affinity, in [global] and in [input NAME]; the receive ring's keys. */
static void test_workers(void)
{
	struct conf c;
	struct diag d;

	/* Defaults: one worker per input, no affinity. */
	CHECK(parse(RULE_A, &c, &d) == 0, "workers: plain file refused");
	CHECK(conf_input_workers(&c, "eth0") == 1, "workers: default %u",
	      conf_input_workers(&c, "eth0"));
	CHECK(conf_input_cpus(&c, "eth0")->n == 0, "workers: default affinity");
	CHECK(conf_cpus_pick(conf_input_cpus(&c, "eth0"), 0) == -1, "workers: no CPU");
	conf_free(&c);
	diag_free(&d);

	/* [global] for every input, [input NAME] overrides it key by key. */
	CHECK(parse("[global]\nworkers = auto\ncpu-affinity = 0,2-3\n\n" RULE_A
		    "[rule b]\ninput = eth2\ngroup = 239.1.1.2\noutput = eth1\n"
		    "[input eth2]\nworkers = 3\n", &c, &d) == 0,
	      "workers: valid file refused");
	CHECK(conf_input_workers(&c, "eth0") == CONF_WORKERS_AUTO, "workers: auto");
	CHECK(conf_input_workers(&c, "eth2") == 3, "workers: [input eth2] 3, got %u",
	      conf_input_workers(&c, "eth2"));
	CHECK(c.n_inputs == 1 && c.inputs[0].line == 13, "workers: [input] line");
	const struct conf_cpus *cpus = conf_input_cpus(&c, "eth2");

	CHECK(cpus->n == 3, "cpu-affinity: %u CPUs, expected 3", cpus->n);
	CHECK(conf_cpus_pick(cpus, 0) == 0 && conf_cpus_pick(cpus, 1) == 2 &&
	      conf_cpus_pick(cpus, 2) == 3 && conf_cpus_pick(cpus, 3) == 0,
	      "cpu-affinity: round robin 0, 2, 3, 0");
	conf_free(&c);
	diag_free(&d);

	CHECK(parse(RULE_A "[input eth0]\ncpu-affinity = 5\nworkers = 64\n", &c, &d) == 0,
	      "workers: [input] with both keys refused");
	CHECK(conf_input_workers(&c, "eth0") == 64 &&
	      conf_cpus_pick(conf_input_cpus(&c, "eth0"), 7) == 5, "workers: [input eth0]");
	conf_free(&c);
	diag_free(&d);

	/* Keys of [global], before a rule, and of [input eth0], after it. */
	static const struct conf_case global[] = {
		{ "workers = 1\ncpu-affinity = 1023", { NULL } },
		{ "workers = 0", { "2: invalid workers '0' (expected auto or 1-64)" } },
		{ "workers = 65\nworkers = 2",
		  { "2: invalid workers '65' (expected auto or 1-64)",
		    "3: duplicate key 'workers' (first set at line 2)" } },
		{ "cpu-affinity = 3-1", { "2: " BAD_CPUS("3-1") } },
		{ "cpu-affinity = 0,,1", { "2: " BAD_CPUS("0,,1") } },
		/* The receive ring: sizes with k and M, and the whole at most 1 GiB. */
		{ "ring-block-size = 4k\nring-blocks = 2\nring-mode = frames\nring-block-timeout = 1",
		  { NULL } },
		{ "ring-block-size = 64M\nring-blocks = 16\nring-mode = blocks\nring-block-timeout = 1000",
		  { NULL } },
		{ "ring-block-size = 8192", { NULL } },
		{ "ring-block-size = 6k", { "2: " BAD_RING_BLOCK_SIZE("6k") } },
		{ "ring-block-size = 2k", { "2: " BAD_RING_BLOCK_SIZE("2k") } },
		{ "ring-block-size = 65M", { "2: " BAD_RING_BLOCK_SIZE("65M") } },
		{ "ring-block-size = 4kB", { "2: " BAD_RING_BLOCK_SIZE("4kB") } },
		{ "ring-blocks = 1", { "2: invalid ring-blocks '1' (expected 2-4096)" } },
		{ "ring-blocks = 4097", { "2: invalid ring-blocks '4097' (expected 2-4096)" } },
		{ "ring-blocks = 8\nring-blocks = 8", { "3: duplicate key 'ring-blocks' (first set at line 2)" } },
		{ "ring-mode = ring", { "2: invalid ring-mode 'ring' (expected frames or blocks)" } },
		{ "ring-block-timeout = 0", { "2: invalid ring-block-timeout '0' (milliseconds, 1-1000)" } },
		{ "ring-block-timeout = 1001",
		  { "2: invalid ring-block-timeout '1001' (milliseconds, 1-1000)" } },
		{ "ring-block-size = 64M\nring-blocks = 17",
		  { "3: the receive ring would take 1088 MiB (ring-blocks times ring-block-size, at most 1024 MiB)" } },
		{ "ring-blocks = 4096\nring-block-size = 512k",
		  { "3: the receive ring would take 2048 MiB (ring-blocks times ring-block-size, at most 1024 MiB)" } },
	};
	static const struct conf_case input[] = {
		{ "cpu-affinity = 1024", { "6: " BAD_CPUS("1024") } },
		{ "workers = x", { "6: invalid workers 'x' (expected auto or 1-64)" } },
		{ "workers = 2\n[input eth0]\nworkers = 3",
		  { "7: duplicate section [input eth0] (first at line 5)" } },
		{ "group = 239.1.1.1", { "6: unknown key 'group' in [input eth0]" } },
	};

	EXPECT_CASES("[global]\n", global, RULE_A);
	EXPECT_CASES(RULE_A "[input eth0]\n", input, "");
	EXPECT_VALID(RULE_A "[input eth0]\n");
	EXPECT_ERRORS(RULE_A "[input eth9]\nworkers = 2\n",
		      "5: [input eth9]: no rule has input eth9");
	EXPECT_ERRORS(RULE_A "[input eth0]\ngroup = 239.1.1.1\n",
		      "6: unknown key 'group' in [input eth0]");
	EXPECT_ERRORS(RULE_A "[input]\nworkers = 2\n",
		      "5: invalid interface name '' in [input] " IFNAME_RULES);
	EXPECT_ERRORS(RULE_A "[input a/b]\n",
		      "5: invalid interface name 'a/b' in [input] " IFNAME_RULES);
	EXPECT_ERRORS("[input eth0]\nworkers = 2\ncpu-affinity = 0-1\n" RULE_A
		      "[rule b]\ninput = eth0\ngroup = 239.1.1.2\nworkers = 2\noutput = eth1\n",
		      "11: unknown key 'workers' in [rule b]");
}

/* metrics-listen: where GET /metrics is served; checked, printed, FILE:LINE for each error. */
static void test_metrics_listen(void)
{
	static const struct { const char *value, *text; } good[] = {
		{ "127.0.0.1:9234", "127.0.0.1:9234" }, { "0.0.0.0:1", "0.0.0.0:1" },
		{ "[::1]:9234", "[::1]:9234" }, { "[::]:65535", "[::]:65535" },
		{ "[2001:db8::5]:80", "[2001:db8::5]:80" },
		{ "[::ffff:10.0.0.1]:9234", "[::ffff:10.0.0.1]:9234" },
	};
	struct conf c;
	struct diag d;
	char text[256], out[CONF_LISTEN_STRLEN];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "[global]\nmetrics-listen = %s\n" RULE_A,
			 good[i].value);
		if (!CHECK(parse(text, &c, &d) == 0, "metrics-listen = %s refused", good[i].value))
			show_diag(&d);
		CHECK(conf_listen_set(&c.metrics_listen) && c.metrics_listen_line == 2 &&
			      strcmp(conf_listen_format(&c.metrics_listen, out, sizeof(out)),
				     good[i].text) == 0,
		      "metrics-listen = %s: '%s' at line %d", good[i].value, out,
		      c.metrics_listen_line);
		conf_free(&c);
		diag_free(&d);
	}
	CHECK(parse(RULE_A, &c, &d) == 0 && !conf_listen_set(&c.metrics_listen) &&
		      strcmp(conf_listen_format(&c.metrics_listen, out, sizeof(out)), "(none)") == 0,
	      "no metrics-listen by default");
	conf_free(&c);
	diag_free(&d);

#define BAD_FORM(v) "2: invalid metrics-listen '" v "' (expected ADDR:PORT or [ADDR6]:PORT, " \
		    "e.g. 127.0.0.1:9234 or [::1]:9234)"
	EXPECT_ERRORS("[global]\nmetrics-listen = localhost:9234\n" RULE_A,
		      BAD_FORM("localhost:9234"));
	EXPECT_ERRORS("[global]\nmetrics-listen = 127.0.0.1\n" RULE_A, BAD_FORM("127.0.0.1"));
	EXPECT_ERRORS("[global]\nmetrics-listen = ::1:9234\n" RULE_A, BAD_FORM("::1:9234"));
	EXPECT_ERRORS("[global]\nmetrics-listen = [127.0.0.1]:9234\n" RULE_A,
		      BAD_FORM("[127.0.0.1]:9234"));
	EXPECT_ERRORS("[global]\nmetrics-listen = [::1]9234\n" RULE_A, BAD_FORM("[::1]9234"));
	EXPECT_ERRORS("[global]\nmetrics-listen = 127.0.0.256:9234\n" RULE_A,
		      BAD_FORM("127.0.0.256:9234"));
	EXPECT_ERRORS("[global]\nmetrics-listen = 127.0.0.1:0\n" RULE_A,
		      "2: invalid port '0' in metrics-listen '127.0.0.1:0' (expected 1-65535)");
	EXPECT_ERRORS("[global]\nmetrics-listen = [::1]:65536\n" RULE_A,
		      "2: invalid port '65536' in metrics-listen '[::1]:65536' (expected 1-65535)");
	EXPECT_ERRORS("[global]\nmetrics-listen = 127.0.0.1:http\n" RULE_A,
		      "2: invalid port 'http' in metrics-listen '127.0.0.1:http' (expected 1-65535)");
	EXPECT_ERRORS("[global]\nmetrics-listen = 239.1.1.1:9234\n" RULE_A,
		      "2: metrics-listen '239.1.1.1:9234' cannot be listened on: a multicast address");
	EXPECT_ERRORS("[global]\nmetrics-listen = 255.255.255.255:9234\n" RULE_A,
		      "2: metrics-listen '255.255.255.255:9234' cannot be listened on: the broadcast "
		      "address");
	EXPECT_ERRORS("[global]\nmetrics-listen = [ff02::1]:9234\n" RULE_A,
		      "2: metrics-listen '[ff02::1]:9234' cannot be listened on: a multicast address");
	EXPECT_ERRORS("[global]\nmetrics-listen = [fe80::1]:9234\n" RULE_A,
		      "2: metrics-listen '[fe80::1]:9234' cannot be listened on: link-local: it needs "
		      "an interface; use a global or unique local address, or ::");
	EXPECT_ERRORS("[global]\nmetrics-listen = 127.0.0.1:9234\nmetrics-listen = [::1]:9234\n"
		      RULE_A, "3: duplicate key 'metrics-listen' (first set at line 2)");
	EXPECT_ERRORS(RULE_A "metrics-listen = 127.0.0.1:9234\n",
		      "5: unknown key 'metrics-listen' in [rule a]");
	EXPECT_ERRORS("[input eth0]\nmetrics-listen = 127.0.0.1:9234\n" RULE_A,
		      "2: unknown key 'metrics-listen' in [input eth0]");
#undef BAD_FORM

	/* check prints it on a line of its own, after the global line. */
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (CHECK(parse("[global]\nmetrics-listen = [::1]:9234\n" RULE_A, &c, &d) == 0 &&
			  fp != NULL, "print: parse"))
		conf_print(&c, fp);
	if (fp)
		fclose(fp);
	CHECK(buf && strstr(buf, "\nmetrics: GET /metrics on [::1]:9234\n") != NULL,
	      "print: no metrics line in:\n%s", buf ? buf : "");
	free(buf);
	conf_free(&c);
	diag_free(&d);
}

/* monitor = rtp | mpegts | off: parsed per rule, off by default, printed when on. */
static void test_monitor(void)
{
	struct conf c;
	struct diag d;

	CHECK(parse(RULE_A, &c, &d) == 0 && c.rules[0].monitor == CONF_MONITOR_OFF,
	      "monitor: off by default");
	conf_free(&c);
	diag_free(&d);
	CHECK(parse(RULE_W "group = 239.1.1.1\nmonitor = rtp\noutput = eth1\n"
		    "[rule v]\ninput = eth0\ngroup = 239.1.1.2\nmonitor = mpegts\noutput = eth1\n"
		    "[rule u]\ninput = eth0\ngroup = 239.1.1.3\nmonitor = off\noutput = eth1\n",
		    &c, &d) == 0, "monitor: valid file refused");
	CHECK(c.n_rules == 3 && c.rules[0].monitor == CONF_MONITOR_RTP &&
	      c.rules[1].monitor == CONF_MONITOR_MPEGTS && c.rules[2].monitor == CONF_MONITOR_OFF &&
	      c.rules[0].key_line[KEY_MONITOR] == 4, "monitor: values and line");
	conf_free(&c);
	diag_free(&d);
	EXPECT_PRINT(RULE_W "group = 239.1.1.1\nmonitor = mpegts\noutput = eth1\n",
		     "rule w (line 1): input eth0, group 239.1.1.1, port any, source any, "
		     "ttl decrement, monitor mpegts\n");
	EXPECT_PRINT(RULE_W "group = 239.1.1.1\nmonitor = off\noutput = eth1\n",
		     "ttl decrement\n  -> eth1");
	EXPECT_ERRORS(RULE_W "group = 239.1.1.1\nmonitor = RTP\noutput = eth1\n",
		      "4: invalid monitor 'RTP' (expected rtp, mpegts or off)");
	EXPECT_ERRORS(RULE_W "group = 239.1.1.1\nmonitor =\noutput = eth1\n",
		      "4: key 'monitor' has no value");
	EXPECT_ERRORS(RULE_W "group = 239.1.1.1\nmonitor = rtp\nmonitor = mpegts\noutput = eth1\n",
		      "5: duplicate key 'monitor' (first set at line 4)");
	EXPECT_ERRORS("[global]\nmonitor = rtp\n" RULE_A, "2: unknown key 'monitor' in [global]");
	EXPECT_ERRORS(RULE_A "[input eth0]\nmonitor = rtp\n",
		      "6: unknown key 'monitor' in [input eth0]");
}

/* ---- the values' grammar, function by function (conf_values.c) ---- */

enum value_fn {
	TRIM, RULE_NAME, IFNAME, ACCOUNT, NUMBER, NUMBER_UNITS, PORT, PORT_RANGE, GROUP,
	GROUP_PREFIX, SOURCE_PREFIX, TARGET, VID, TTL, CPUS, SPLIT_VLAN,
};

static const char *const value_fn_name[] = {
	[TRIM] = "conf_trim",
	[RULE_NAME] = "conf_valid_rule_name",
	[IFNAME] = "conf_valid_ifname",
	[ACCOUNT] = "conf_valid_account_name",
	[NUMBER] = "conf_parse_number(1-64)",
	[NUMBER_UNITS] = "conf_parse_number(4096-64M, units)",
	[PORT] = "conf_parse_port",
	[PORT_RANGE] = "conf_parse_port_range",
	[GROUP] = "conf_parse_group",
	[GROUP_PREFIX] = "conf_parse_group_prefix",
	[SOURCE_PREFIX] = "conf_parse_source_prefix",
	[TARGET] = "conf_parse_target",
	[VID] = "conf_parse_vid",
	[TTL] = "conf_parse_ttl",
	[CPUS] = "conf_parse_cpus",
	[SPLIT_VLAN] = "conf_split_vlan(at most 1 word)",
};

/* An address as the results below write it: "any" when unset. */
static const char *addr_text(const struct addr *a)
{
	return addr_is_set(a) ? unit_addr_str(a) : "any";
}

static bool has_cpu(const struct conf_cpus *c, int cpu)
{
	return cpu >= 0 && cpu < CONF_CPUS_MAX && (c->bits[cpu / 64] >> (cpu % 64) & 1);
}

/* The CPUs of c as ranges and their count: "0,2-3 (3)". */
static void cpus_text(const struct conf_cpus *c, char *out, size_t size)
{
	size_t len = 0;

	for (int cpu = 0; cpu < CONF_CPUS_MAX; cpu++) {
		int last = cpu;

		if (!has_cpu(c, cpu) || has_cpu(c, cpu - 1))
			continue;
		while (has_cpu(c, last + 1))
			last++;
		len += (size_t)snprintf(out + len, size - len, "%s%d", len ? "," : "", cpu);
		if (last > cpu)
			len += (size_t)snprintf(out + len, size - len, "-%d", last);
	}
	snprintf(out + len, size - len, " (%u)", c->n);
}

/*
 * Calls fn on a copy of in (NULL: a NULL argument) and writes into got
 * what it gave: "= " and the result, or the message in err, or
 * "(refused)" where the function gives none.
 */
static void run_value(enum value_fn fn, const char *in, char *got, size_t size)
{
	char buf[700], err[300] = "", res[300] = "", port[8], *words[1], *ifname;
	uint32_t v = 0;
	uint16_t first = 0, last = 0;
	struct addr a = { 0 };
	uint8_t len = 0, ttl = 0;
	enum ttl_mode mode = TTL_SET;
	struct conf_output o = { 0 };
	struct conf_cpus cpus;
	size_t n = 0;
	int rc = -1;

	snprintf(buf, sizeof(buf), "%s", in ? in : "");
	switch (fn) {
	case TRIM:
		rc = 0;
		snprintf(res, sizeof(res), "'%s'", conf_trim(buf));
		break;
	case RULE_NAME:
		rc = conf_valid_rule_name(buf) ? 0 : -1;
		snprintf(res, sizeof(res), "valid");
		break;
	case IFNAME:
		rc = conf_valid_ifname(buf) ? 0 : -1;
		snprintf(res, sizeof(res), "valid");
		break;
	case ACCOUNT:
		rc = conf_valid_account_name(buf) ? 0 : -1;
		snprintf(res, sizeof(res), "valid");
		break;
	case NUMBER:
		rc = conf_parse_number(buf, false, 1, 64, &v);
		snprintf(res, sizeof(res), "%u", v);
		break;
	case NUMBER_UNITS:
		rc = conf_parse_number(buf, true, 4096, 64 << 20, &v);
		snprintf(res, sizeof(res), "%u", v);
		break;
	case PORT:
		rc = conf_parse_port(buf, &first);
		snprintf(res, sizeof(res), "%u", first);
		break;
	case PORT_RANGE:
		rc = conf_parse_port_range(buf, &first, &last, err, sizeof(err));
		snprintf(res, sizeof(res), "%u-%u", first, last);
		break;
	case GROUP:
		rc = conf_parse_group(buf, &a, err, sizeof(err));
		snprintf(res, sizeof(res), "%s", addr_text(&a));
		break;
	case GROUP_PREFIX:
		rc = conf_parse_group_prefix(buf, &a, &len, err, sizeof(err));
		snprintf(res, sizeof(res), "%s/%u", addr_text(&a), len);
		break;
	case SOURCE_PREFIX:
		rc = conf_parse_source_prefix(buf, &a, &len, err, sizeof(err));
		snprintf(res, sizeof(res), "%s/%u", addr_text(&a), len);
		break;
	case TARGET:
		rc = conf_parse_target(buf, &o, err, sizeof(err));
		snprintf(port, sizeof(port), "%u", o.port);
		snprintf(res, sizeof(res), "group %s, port %s",
			 addr_is_set(&o.group) ? unit_addr_str(&o.group) : "same",
			 o.port ? port : "same");
		break;
	case VID:
		rc = conf_parse_vid(in ? buf : NULL, &first, err, sizeof(err));
		snprintf(res, sizeof(res), "%u", first);
		break;
	case TTL:
		rc = conf_parse_ttl(buf, &mode, &ttl, err, sizeof(err));
		snprintf(port, sizeof(port), "%u", ttl);
		snprintf(res, sizeof(res), "%s",
			 mode == TTL_SET ? port : mode == TTL_KEEP ? "keep" : "decrement");
		break;
	case CPUS:
		rc = conf_parse_cpus(buf, &cpus);
		cpus_text(&cpus, res, sizeof(res));
		break;
	case SPLIT_VLAN:
		ifname = conf_split_vlan(buf, &first, words, 1, &n, err, sizeof(err));
		rc = ifname ? 0 : -1;
		snprintf(res, sizeof(res), "%s vlan %u, words: %s%s", ifname ? ifname : "", first,
			 n ? words[0] : "none", n > 1 ? " and more" : "");
		break;
	}
	if (rc == 0)
		snprintf(got, size, "= %s", res);
	else if (rc == -1)
		snprintf(got, size, "%s", *err ? err : "(refused)");
	else
		snprintf(got, size, "(returned %d)", rc);
}

#define X16 "xxxxxxxxxxxxxxxx"

/*
 * Each function of the grammar with good and bad values: what it makes of
 * a good one ("= " and the result, as run_value writes it), the message
 * for a bad one, word for word.  The files above show the same messages at
 * their lines; here are the edges that a file reaches less easily.
 */
static void test_value_grammar(void)
{
	static const struct {
		enum value_fn fn;
		const char *in;
		const char *want;
	} cases[] = {
		{ TRIM, "  a b  ", "= 'a b'" },
		{ TRIM, "\t x\r\n", "= 'x'" },
		{ TRIM, " \t ", "= ''" },
		{ TRIM, "", "= ''" },

		{ RULE_NAME, "video1", "= valid" },
		{ RULE_NAME, "dec_2.x", "= valid" },
		{ RULE_NAME, "keep-it", "= valid" },
		{ RULE_NAME, X16 X16 X16 "xxxxxxxxxxxxxxx", "= valid" },	/* 63 */
		{ RULE_NAME, X16 X16 X16 X16, "(refused)" },			/* 64 */
		{ RULE_NAME, "", "(refused)" },
		{ RULE_NAME, "a/b", "(refused)" },
		{ RULE_NAME, "a b", "(refused)" },
		{ RULE_NAME, "caf\xc3\xa9", "(refused)" },

		{ IFNAME, "eth0", "= valid" },
		{ IFNAME, "abcdefghijklmno", "= valid" },
		{ IFNAME, "veth@if3", "= valid" },
		{ IFNAME, "...", "= valid" },
		{ IFNAME, "abcdefghijklmnop", "(refused)" },
		{ IFNAME, "", "(refused)" },
		{ IFNAME, ".", "(refused)" },
		{ IFNAME, "..", "(refused)" },
		{ IFNAME, "a/b", "(refused)" },
		{ IFNAME, "a:b", "(refused)" },
		{ IFNAME, "a b", "(refused)" },
		{ IFNAME, "eth\x7f", "(refused)" },

		{ ACCOUNT, "mcrelay", "= valid" },
		{ ACCOUNT, "_apt", "= valid" },
		{ ACCOUNT, "a-b.c", "= valid" },
		{ ACCOUNT, "machine$", "= valid" },
		{ ACCOUNT, X16 X16, "= valid" },				/* 32 */
		{ ACCOUNT, X16 X16 "x", "(refused)" },				/* 33 */
		{ ACCOUNT, "", "(refused)" },
		{ ACCOUNT, "-root", "(refused)" },
		{ ACCOUNT, "a b", "(refused)" },
		{ ACCOUNT, "a/b", "(refused)" },
		{ ACCOUNT, "a:b", "(refused)" },

		{ NUMBER, "1", "= 1" },
		{ NUMBER, "64", "= 64" },
		{ NUMBER, "007", "= 7" },
		{ NUMBER, "0", "(refused)" },
		{ NUMBER, "65", "(refused)" },
		{ NUMBER, "", "(refused)" },
		{ NUMBER, "+1", "(refused)" },
		{ NUMBER, "-1", "(refused)" },
		{ NUMBER, " 1", "(refused)" },
		{ NUMBER, "1 ", "(refused)" },
		{ NUMBER, "1k", "(refused)" },		/* no units here */
		{ NUMBER, "0x10", "(refused)" },
		{ NUMBER, "4294967297", "(refused)" },
		{ NUMBER, "18446744073709551617", "(refused)" },
		{ NUMBER_UNITS, "4096", "= 4096" },
		{ NUMBER_UNITS, "4k", "= 4096" },
		{ NUMBER_UNITS, "4K", "= 4096" },
		{ NUMBER_UNITS, "1m", "= 1048576" },
		{ NUMBER_UNITS, "64M", "= 67108864" },
		{ NUMBER_UNITS, "3k", "(refused)" },
		{ NUMBER_UNITS, "65M", "(refused)" },
		{ NUMBER_UNITS, "4kB", "(refused)" },
		{ NUMBER_UNITS, "4kk", "(refused)" },
		{ NUMBER_UNITS, "4 k", "(refused)" },
		{ NUMBER_UNITS, "4.5k", "(refused)" },
		{ NUMBER_UNITS, "k", "(refused)" },
		{ NUMBER_UNITS, "18014398509481988k", "(refused)" },	/* wraps to 4096 */
		{ NUMBER_UNITS, "17592186044420M", "(refused)" },	/* wraps to 4M */

		{ PORT, "1", "= 1" },
		{ PORT, "65535", "= 65535" },
		{ PORT, "0", "(refused)" },
		{ PORT, "65536", "(refused)" },
		{ PORT, "", "(refused)" },
		{ PORT, "80x", "(refused)" },

		{ PORT_RANGE, "5000", "= 5000-5000" },
		{ PORT_RANGE, "5000-5099", "= 5000-5099" },
		{ PORT_RANGE, "7-7", "= 7-7" },
		{ PORT_RANGE, "1-65535", "= 1-65535" },
		/* At most 31 characters, not a longer one read in part. */
		{ PORT_RANGE, "0000000000000000000000000000010", "= 10-10" },
		{ PORT_RANGE, "00000000000000000000000000000010", BAD_PORT("00000000000000000000000000000010") },
		{ PORT_RANGE, "5099-5000", "invalid port range '5099-5000' (the first port is above the last)" },
		{ PORT_RANGE, "0-10", BAD_PORT("0-10") },
		{ PORT_RANGE, "10-65536", BAD_PORT("10-65536") },
		{ PORT_RANGE, "10-", BAD_PORT("10-") },
		{ PORT_RANGE, "-10", BAD_PORT("-10") },
		{ PORT_RANGE, "10-20-30", BAD_PORT("10-20-30") },
		{ PORT_RANGE, "", BAD_PORT("") },
		{ PORT_RANGE, "http", BAD_PORT("http") },

		{ GROUP, "239.1.1.1", "= 239.1.1.1" },
		{ GROUP, "224.0.0.0", "= 224.0.0.0" },
		{ GROUP, "FF3E:0::1234", "= ff3e::1234" },
		{ GROUP, "10.1.1.1", NOT_GROUP("10.1.1.1") },
		{ GROUP, "240.0.0.1", NOT_GROUP("240.0.0.1") },
		{ GROUP, "239.1.1.1/32", NOT_GROUP("239.1.1.1/32") },
		{ GROUP, "::ffff:239.1.1.1", NOT_GROUP("::ffff:239.1.1.1") },
		{ GROUP, "[ff3e::1]", NOT_GROUP("[ff3e::1]") },
		{ GROUP, "ff3e::1%eth0", NOT_GROUP("ff3e::1%eth0") },
		{ GROUP, "", NOT_GROUP("") },

		{ GROUP_PREFIX, "239.1.1.1", "= 239.1.1.1/32" },
		{ GROUP_PREFIX, "239.1.0.0/16", "= 239.1.0.0/16" },
		{ GROUP_PREFIX, "224.0.0.0/4", "= 224.0.0.0/4" },
		{ GROUP_PREFIX, "ff3e::1", "= ff3e::1/128" },
		{ GROUP_PREFIX, "ff3e::/96", "= ff3e::/96" },
		{ GROUP_PREFIX, "ff00::/8", "= ff00::/8" },
		{ GROUP_PREFIX, "224.0.0.0/3", NOT_GROUP_PREFIX("224.0.0.0/3") },
		{ GROUP_PREFIX, "ff00::/7", NOT_GROUP_PREFIX("ff00::/7") },
		{ GROUP_PREFIX, "239.1.1.1/33", NOT_GROUP_PREFIX("239.1.1.1/33") },
		{ GROUP_PREFIX, "239.1.1.1/", NOT_GROUP_PREFIX("239.1.1.1/") },
		{ GROUP_PREFIX, "239.1.1.1/+8", NOT_GROUP_PREFIX("239.1.1.1/+8") },
		{ GROUP_PREFIX, "10.0.0.0/8", NOT_GROUP_PREFIX("10.0.0.0/8") },
		{ GROUP_PREFIX, "ff3e:0:0:0:0:0:0:0000000000000000000000000000001/128",
		  NOT_GROUP_PREFIX("ff3e:0:0:0:0:0:0:0000000000000000000000000000001/128") },
		{ GROUP_PREFIX, "239.1.1.0/16", HOST_BITS("group", "239.1.1.0/16", "16", "239.1.0.0/16") },
		{ GROUP_PREFIX, "ff3e::1/96", HOST_BITS("group", "ff3e::1/96", "96", "ff3e::/96") },

		{ SOURCE_PREFIX, "10.0.0.1", "= 10.0.0.1/32" },
		{ SOURCE_PREFIX, "10.1.0.0/16", "= 10.1.0.0/16" },
		{ SOURCE_PREFIX, "2001:db8::1", "= 2001:db8::1/128" },
		{ SOURCE_PREFIX, "2001:db8::/32", "= 2001:db8::/32" },
		{ SOURCE_PREFIX, "fe80::1", "= fe80::1/128" },
		{ SOURCE_PREFIX, "0.0.0.0/0", "= any/0" },	/* every source: as if none were given */
		{ SOURCE_PREFIX, "10.0.0.0/0", HOST_BITS("source", "10.0.0.0/0", "0", "0.0.0.0/0") },
		{ SOURCE_PREFIX, "::/0", BAD_SOURCE("::/0") },
		{ SOURCE_PREFIX, "239.1.1.1", BAD_SOURCE("239.1.1.1") },
		{ SOURCE_PREFIX, "239.0.0.0/8", BAD_SOURCE("239.0.0.0/8") },
		{ SOURCE_PREFIX, "0.0.0.0", BAD_SOURCE("0.0.0.0") },
		{ SOURCE_PREFIX, "255.255.255.255", BAD_SOURCE("255.255.255.255") },
		{ SOURCE_PREFIX, "::", BAD_SOURCE("::") },
		{ SOURCE_PREFIX, "ff02::1", BAD_SOURCE("ff02::1") },
		{ SOURCE_PREFIX, "10.0.0.0/33", BAD_SOURCE("10.0.0.0/33") },
		{ SOURCE_PREFIX, "10.1.0.1/16", HOST_BITS("source", "10.1.0.1/16", "16", "10.1.0.0/16") },
		{ SOURCE_PREFIX, "2001:db8::1/64",
		  HOST_BITS("source", "2001:db8::1/64", "64", "2001:db8::/64") },

		{ TARGET, "239.2.2.2:6000", "= group 239.2.2.2, port 6000" },
		{ TARGET, ":7000", "= group same, port 7000" },
		{ TARGET, "239.3.3.3", "= group 239.3.3.3, port same" },
		{ TARGET, "[ff3e::4321]:6000", "= group ff3e::4321, port 6000" },
		{ TARGET, "[ff3e::5]", "= group ff3e::5, port same" },
		{ TARGET, "ff3e::4321", "= group ff3e::4321, port same" },
		{ TARGET, "ff3e::1:6000", "= group ff3e::1:6000, port same" },	/* no brackets */
		{ TARGET, "", "invalid output target ''" },
		{ TARGET, ":", BAD_TARGET_PORT("") },
		{ TARGET, "239.2.2.2:", BAD_TARGET_PORT("") },
		{ TARGET, ":0", BAD_TARGET_PORT("0") },
		{ TARGET, "[ff3e::1]:70000", BAD_TARGET_PORT("70000") },
		{ TARGET, "[ff3e::1", BAD_TARGET("[ff3e::1") },
		{ TARGET, "[ff3e::1]6000", BAD_TARGET("[ff3e::1]6000") },
		{ TARGET, "[[ff3e::1]]", BAD_TARGET("[[ff3e::1]]") },
		{ TARGET, "[]:6000", BAD_TARGET("[]:6000") },
		{ TARGET, "10.1.1.1:5", NOT_GROUP("10.1.1.1") },
		{ TARGET, "]:6000", NOT_GROUP("]") },
		/* Good but too long: cut at 40 characters in the message. */
		{ TARGET, "[ff3e:0000:0000:0000:0000:0000:0000:0001]:00000000000000000000006000",
		  "invalid output target '[ff3e:0000:0000:0000:0000:0000:0000:0001...'" },

		{ VID, "1", "= 1" },
		{ VID, "4094", "= 4094" },
		{ VID, "0", BAD_VID("0") },
		{ VID, "4095", BAD_VID("4095") },
		{ VID, "", BAD_VID("") },
		{ VID, NULL, BAD_VID("") },	/* "vlan" was the last word */
		{ VID, "-1", BAD_VID("-1") },
		{ VID, "1x", BAD_VID("1x") },
		{ VID, "99999999999", BAD_VID("99999999999") },

		{ TTL, "decrement", "= decrement" },
		{ TTL, "keep", "= keep" },
		{ TTL, "1", "= 1" },
		{ TTL, "255", "= 255" },
		{ TTL, "0", BAD_TTL("0") },
		{ TTL, "256", BAD_TTL("256") },
		{ TTL, "Keep", BAD_TTL("Keep") },
		{ TTL, " keep", BAD_TTL(" keep") },
		{ TTL, "", BAD_TTL("") },

		{ CPUS, "0", "= 0 (1)" },
		{ CPUS, "0,2-3", "= 0,2-3 (3)" },
		{ CPUS, "3,1,2", "= 1-3 (3)" },
		{ CPUS, "0-3,2", "= 0-3 (4)" },		/* counted once */
		{ CPUS, " 1 , 2 - 3 ", "= 1-3 (3)" },
		{ CPUS, "1023", "= 1023 (1)" },
		{ CPUS, "0-1023", "= 0-1023 (1024)" },
		{ CPUS, "", "(refused)" },
		{ CPUS, ",", "(refused)" },
		{ CPUS, "0,,1", "(refused)" },
		{ CPUS, "3-1", "(refused)" },
		{ CPUS, "5,3-1", "(refused)" },
		{ CPUS, "1-", "(refused)" },
		{ CPUS, "-1", "(refused)" },
		{ CPUS, "1024", "(refused)" },
		{ CPUS, "0-1024", "(refused)" },
		{ CPUS, "a", "(refused)" },

		{ SPLIT_VLAN, "eth0", "= eth0 vlan 0, words: none" },
		{ SPLIT_VLAN, "eth0 vlan 100", "= eth0 vlan 100, words: none" },
		{ SPLIT_VLAN, "eth0 vlan 100 239.1.1.1:5", "= eth0 vlan 100, words: 239.1.1.1:5" },
		{ SPLIT_VLAN, "eth0 239.1.1.1\tvlan\t7", "= eth0 vlan 7, words: 239.1.1.1" },
		{ SPLIT_VLAN, "eth0 a b", "= eth0 vlan 0, words: a and more" },
		{ SPLIT_VLAN, "", "(refused)" },	/* no word, no message */
		{ SPLIT_VLAN, " \t ", "(refused)" },
		{ SPLIT_VLAN, "eth/0 vlan 5", BAD_IFNAME("eth/0") },
		{ SPLIT_VLAN, "eth0 vlan", BAD_VID("") },
		{ SPLIT_VLAN, "eth0 vlan vlan", BAD_VID("vlan") },
		{ SPLIT_VLAN, "eth0 vlan 0", BAD_VID("0") },
		{ SPLIT_VLAN, "eth0 vlan 1 vlan 2", "duplicate 'vlan' for interface eth0" },
	};
	char got[400];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *in = cases[i].in;

		run_value(cases[i].fn, in, got, sizeof(got));
		CHECK(strcmp(got, cases[i].want) == 0, "%s(%s%s%s): '%s', expected '%s'",
		      value_fn_name[cases[i].fn], in ? "'" : "", in ? in : "NULL", in ? "'" : "",
		      got, cases[i].want);
	}
}

int main(void)
{
	unit_deadline(120);
	test_full();
	test_defaults();
	test_sections_and_keys();
	test_control_group();
	test_required();
	test_value_grammar();
	test_values();
	test_syntax();
	test_loops();
	test_rule_conflicts();
	test_layout();
	test_print();
	test_udp_outputs();
	test_socket_limit();
	test_vlan();
	test_vlan_config();
	test_ipv6();
	test_wide();
	test_load();
	test_workers();
	test_ifnames();
	test_metrics_listen();
	test_monitor();
	return unit_summary("test_conf");
}
