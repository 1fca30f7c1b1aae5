/*
 * Unit tests for the configuration parser and its validation: the values a
 * good file yields, and for each kind of bad file the exact diagnostics,
 * "FILE:LINE: message", including the line they point at.
 */
#include "config.h"

#include "lib/conf.h"
#include "lib/conf_udp.h"
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

/* A complete rule of four lines, for files whose subject is elsewhere. */
#define RULE_A "[rule a]\ninput = eth0\ngroup = 239.1.1.1\noutput = eth1\n"

/* 239.1.1.1 and friends as a struct addr, without going through inet_pton. */
#define ADDR(a, b, c, d) unit_v4(a, b, c, d)

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
 * Expects text to be rejected with exactly the errors in want, each
 * written "LINE: message" (the file name is added here), in any order.
 */
static void expect_errors_at(int where, const char *text, const char *const *want)
{
	struct conf c;
	struct diag d;
	char full[700];
	size_t n;
	bool ok = true;
	int rc = parse(text, &c, &d);

	for (n = 0; want[n] != NULL; n++) {
		snprintf(full, sizeof(full), NAME ":%s", want[n]);
		ok &= CHECK(has_line(&d, full), "case at line %d: no diagnostic '%s'",
			    where, full);
	}
	ok &= CHECK(rc == -1, "case at line %d: returned %d, expected -1", where, rc);
	ok &= CHECK(d.errors == n, "case at line %d: %zu errors, expected %zu",
		    where, d.errors, n);
	if (!ok)
		show_diag(&d);
	conf_free(&c);
	diag_free(&d);
}

#define EXPECT_ERRORS(text, ...) \
	expect_errors_at(__LINE__, text, (const char *const[]){ __VA_ARGS__, NULL })

/* Expects text to be accepted without errors (warnings allowed). */
static void expect_valid_at(int where, const char *text)
{
	struct conf c;
	struct diag d;
	int rc = parse(text, &c, &d);

	if (!CHECK(rc == 0 && d.errors == 0,
		   "case at line %d: returned %d with %zu errors, expected a valid file",
		   where, rc, d.errors))
		show_diag(&d);
	conf_free(&c);
	diag_free(&d);
}

#define EXPECT_VALID(text) expect_valid_at(__LINE__, text)

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

static void test_values(void)
{
	/* Groups, in group= and in an output. */
	static const char *const bad_groups[] = {
		"10.1.1.1", "240.0.0.1", "223.255.255.255", "255.255.255.255",
		"239.1.1", "239.1.1.1.1", "foo", "239.1.1.256",
	};
	char text[512], msg[256];

	for (size_t i = 0; i < sizeof(bad_groups) / sizeof(bad_groups[0]); i++) {
		snprintf(text, sizeof(text),
			 "[rule a]\ninput = eth0\ngroup = %s\noutput = eth1\n",
			 bad_groups[i]);
		snprintf(msg, sizeof(msg),
			 "3: '%s' is not a multicast group or prefix (within IPv4 224.0.0.0/4 or IPv6 ff00::/8)",
			 bad_groups[i]);
		EXPECT_ERRORS(text, msg);
		snprintf(text, sizeof(text),
			 RULE_A "output = eth2 %s:6000\noutput = eth3 %s\n",
			 bad_groups[i], bad_groups[i]);
		snprintf(msg, sizeof(msg),
			 "5: '%s' is not a multicast group (IPv4 224.0.0.0/4 or IPv6 ff00::/8)",
			 bad_groups[i]);
		char msg6[256];

		snprintf(msg6, sizeof(msg6),
			 "6: '%s' is not a multicast group (IPv4 224.0.0.0/4 or IPv6 ff00::/8)",
			 bad_groups[i]);
		EXPECT_ERRORS(text, msg, msg6);
	}

	static const char *const bad_ports[] = { "0", "70000", "65536", "abc", "-1",
						 "+5", "50x", "5 000", "0x10" };

	for (size_t i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		snprintf(text, sizeof(text), RULE_A "port = %s\n", bad_ports[i]);
		snprintf(msg, sizeof(msg),
			 "5: invalid port '%s' (expected 1-65535, or a range FIRST-LAST)",
			 bad_ports[i]);
		EXPECT_ERRORS(text, msg);
		if (strchr(bad_ports[i], ' '))
			continue;	/* an output target cannot contain a space */
		snprintf(text, sizeof(text),
			 RULE_A "output = eth2 :%s\noutput = eth3 239.2.2.2:%s\n",
			 bad_ports[i], bad_ports[i]);
		char msg6[256];

		snprintf(msg, sizeof(msg), "5: invalid port '%s' (expected 1-65535)",
			 bad_ports[i]);
		snprintf(msg6, sizeof(msg6), "6: invalid port '%s' (expected 1-65535)",
			 bad_ports[i]);
		EXPECT_ERRORS(text, msg, msg6);
	}
	EXPECT_ERRORS(RULE_A "output = eth2 239.2.2.2:\n",
		      "5: invalid port '' (expected 1-65535)");

	static const char *const bad_ttls[] = { "0", "256", "foo", "-1", "16x",
						"Keep", "1000000000000000000000" };

	for (size_t i = 0; i < sizeof(bad_ttls) / sizeof(bad_ttls[0]); i++) {
		snprintf(text, sizeof(text), RULE_A "ttl = %s\n", bad_ttls[i]);
		snprintf(msg, sizeof(msg),
			 "5: invalid ttl '%s' (expected decrement, keep or 1-255)",
			 bad_ttls[i]);
		EXPECT_ERRORS(text, msg);
	}
	EXPECT_VALID(RULE_A "ttl = 1\n");
	EXPECT_VALID(RULE_A "ttl = 255\n");

	static const char *const bad_sources[] = { "239.1.1.1", "224.0.0.1", "0.0.0.0",
						   "255.255.255.255", "garbage",
						   "10.0.0", "10.0.0.0/33", "10.0.0.0/" };

	for (size_t i = 0; i < sizeof(bad_sources) / sizeof(bad_sources[0]); i++) {
		snprintf(text, sizeof(text), RULE_A "source = %s\n", bad_sources[i]);
		snprintf(msg, sizeof(msg),
			 "5: invalid source '%s' (expected a unicast IPv4 or IPv6 address or prefix)",
			 bad_sources[i]);
		EXPECT_ERRORS(text, msg);
	}

	/* Interface names: at most IF_NAMESIZE - 1 = 15 characters. */
	EXPECT_VALID("[rule a]\ninput = abcdefghijklmno\ngroup = 239.1.1.1\n"
		     "output = eth1\noutput = abcdefghijklmno 239.2.2.2:9\n");
	EXPECT_ERRORS("[rule a]\n"
		      "input = abcdefghijklmnop\n"
		      "group = 239.1.1.1\n"
		      "output = eth1\n",
		      "2: invalid interface name 'abcdefghijklmnop' " IFNAME_RULES);
	EXPECT_ERRORS(RULE_A
		      "output = abcdefghijklmnop\n"
		      "output = eth/2 :9\n"
		      "output = eth2 239.2.2.2 extra\n",
		      "5: invalid interface name 'abcdefghijklmnop' " IFNAME_RULES,
		      "6: invalid interface name 'eth/2' " IFNAME_RULES,
		      "7: invalid output (expected 'IFNAME [vlan N] [GROUP][:PORT]')");

	/* A key without a value; the line is reported, nothing else. */
	EXPECT_ERRORS(RULE_A
		      "port =\n"
		      "source =   \n",
		      "5: key 'port' has no value",
		      "6: key 'source' has no value");
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
	EXPECT_ERRORS(RULE_U "output = udp 239.1.1.1:7000\noutput = eth1\n",
		      "4: '239.1.1.1' is not a unicast address (a udp output sends to one host)");
	EXPECT_ERRORS(RULE_U "output = udp 255.255.255.255:7000\noutput = eth1\n",
		      "4: '255.255.255.255' is not a unicast address (a udp output sends to one host)");
	EXPECT_ERRORS(RULE_U "output = udp 0.0.0.0:7000\noutput = eth1\n",
		      "4: '0.0.0.0' is not a unicast address (a udp output sends to one host)");
	EXPECT_ERRORS(RULE_U "output = udp 10.0.0.5\noutput = eth1\n",
		      "4: invalid udp destination '10.0.0.5' (expected ADDR:PORT or [ADDR6]:PORT)");
	EXPECT_ERRORS(RULE_U "output = udp 10.0.0.5:0\noutput = eth1\n",
		      "4: invalid port '0' in '10.0.0.5:0' (expected 1-65535)");
	EXPECT_ERRORS(RULE_U "output = udp host:7000\noutput = eth1\n",
		      "4: invalid udp destination 'host:7000' (expected ADDR:PORT or [ADDR6]:PORT)");
	EXPECT_ERRORS(RULE_U "output = udp\noutput = eth1\n",
		      "4: invalid output (expected 'udp ADDR:PORT [ttl=N] [source=ADDR]')");
	EXPECT_ERRORS(RULE_U "output = udp 10.0.0.5:7000 ttl=0\noutput = eth1\n",
		      "4: invalid 'ttl=0' (expected ttl=1-255)");
	EXPECT_ERRORS(RULE_U "output = udp 10.0.0.5:7000 ttl=256\noutput = eth1\n",
		      "4: invalid 'ttl=256' (expected ttl=1-255)");
	EXPECT_ERRORS(RULE_U "output = udp 10.0.0.5:7000 ttl=3 ttl=4\noutput = eth1\n", "4: 'ttl=' given twice");
	EXPECT_ERRORS(RULE_U "output = udp 10.0.0.5:7000 source=239.1.1.1\noutput = eth1\n",
		      "4: invalid 'source=239.1.1.1' (expected source=ADDR, a unicast address)");
	EXPECT_ERRORS(RULE_U "output = udp 10.0.0.5:7000 tos=4\noutput = eth1\n",
		      "4: unknown option 'tos=4' (expected ttl=N or source=ADDR)");
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
	EXPECT_ERRORS("[rule a]\ninput = eth0 vlan 0\ngroup = 239.1.1.1\noutput = eth1\n",
		      "2: invalid VLAN ID '0' (expected 'vlan N' with N from 1 to 4094)");
	EXPECT_ERRORS("[rule a]\ninput = eth0 vlan 4095\ngroup = 239.1.1.1\noutput = eth1\n",
		      "2: invalid VLAN ID '4095' (expected 'vlan N' with N from 1 to 4094)");
	EXPECT_ERRORS("[rule a]\ninput = eth0 vlan\ngroup = 239.1.1.1\noutput = eth1\n",
		      "2: invalid VLAN ID '' (expected 'vlan N' with N from 1 to 4094)");
	EXPECT_ERRORS("[rule a]\ninput = eth0 vlan 1x\ngroup = 239.1.1.1\noutput = eth1\n",
		      "2: invalid VLAN ID '1x' (expected 'vlan N' with N from 1 to 4094)");
	EXPECT_ERRORS("[rule a]\ninput = eth0 vlan 10 vlan 10\ngroup = 239.1.1.1\n"
		      "output = eth1\n",
		      "2: duplicate 'vlan' for interface eth0");
	EXPECT_ERRORS("[rule a]\ninput = eth0 100\ngroup = 239.1.1.1\noutput = eth1\n",
		      "2: invalid input 'eth0 100' (expected 'IFNAME [vlan N]')");
	EXPECT_ERRORS(RULE_A "output = eth2 vlan 5000 239.2.2.2\n"
		      "output = eth2 vlan 2 vlan 3\n"
		      "output = eth2 vlan 2 239.2.2.2 :5\n"
		      "output = eth2 vlan -1\n",
		      "5: invalid VLAN ID '5000' (expected 'vlan N' with N from 1 to 4094)",
		      "6: duplicate 'vlan' for interface eth2",
		      "7: invalid output (expected 'IFNAME [vlan N] [GROUP][:PORT]')",
		      "8: invalid VLAN ID '-1' (expected 'vlan N' with N from 1 to 4094)");
	/* The rule is still complete without its input: only the VLAN is reported. */
	EXPECT_ERRORS("[rule a]\ninput = eth0 vlan 99999999999\ngroup = 239.1.1.1\n"
		      "output = eth1\n",
		      "2: invalid VLAN ID '99999999999' (expected 'vlan N' with N from 1 to 4094)");
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

	/* Brackets. */
	EXPECT_ERRORS(RULE_6 "output = eth2 [ff3e::1\n",
		      "5: invalid output target '[ff3e::1' (expected [GROUP] or [GROUP]:PORT)");
	EXPECT_ERRORS(RULE_6 "output = eth2 [ff3e::1]6000\n",
		      "5: invalid output target '[ff3e::1]6000' (expected [GROUP] or [GROUP]:PORT)");
	EXPECT_ERRORS(RULE_6 "output = eth2 [ff3e::1]]:6000\n",
		      "5: invalid output target '[ff3e::1]]:6000' (expected [GROUP] or [GROUP]:PORT)");
	EXPECT_ERRORS(RULE_6 "output = eth2 [ff3e::1]:\n",
		      "5: invalid port '' (expected 1-65535)");
	EXPECT_ERRORS(RULE_6 "output = eth2 [ff3e::1]:0\n",
		      "5: invalid port '0' (expected 1-65535)");
	EXPECT_ERRORS(RULE_6 "output = eth2 [ff3e::1]:70000\n",
		      "5: invalid port '70000' (expected 1-65535)");
	EXPECT_ERRORS(RULE_6 "output = eth2 [[ff3e::1]]\n",
		      "5: invalid output target '[[ff3e::1]]' (expected [GROUP] or [GROUP]:PORT)");
	/* Empty brackets are no group: refused, with or without a port, quoted whole. */
	EXPECT_ERRORS(RULE_6 "output = eth2 []\n",
		      "5: invalid output target '[]' (expected [GROUP] or [GROUP]:PORT)");
	EXPECT_ERRORS(RULE_6 "output = eth2 []:6000\n",
		      "5: invalid output target '[]:6000' (expected [GROUP] or [GROUP]:PORT)");
	EXPECT_ERRORS(RULE_6 "output = eth2 [ff3e::1\noutput = eth3 ]:6000\n",
		      "5: invalid output target '[ff3e::1' (expected [GROUP] or [GROUP]:PORT)",
		      "6: ']' is not a multicast group (IPv4 224.0.0.0/4 or IPv6 ff00::/8)");
	EXPECT_ERRORS(RULE_6 "output = eth2 [2001:db8::1]:6000\n",
		      "5: '2001:db8::1' is not a multicast group (IPv4 224.0.0.0/4 or IPv6 ff00::/8)");
	EXPECT_ERRORS(RULE_6 "output = eth2 ff3e::1:70000\n",
		      "5: 'ff3e::1:70000' is not a multicast group (IPv4 224.0.0.0/4 or IPv6 ff00::/8)");
	EXPECT_ERRORS("[rule a]\ninput = eth0\ngroup = [ff3e::1]\noutput = eth1\n",
		      "3: '[ff3e::1]' is not a multicast group or prefix (within IPv4 224.0.0.0/4 or IPv6 ff00::/8)");

	/* Addresses an IPv6 rule cannot have. */
	static const char *const bad_groups[] = {
		"::ffff:239.1.1.1", "::", "2001:db8::1", "fe80::1", "ff3e::1%eth0", "ff3e:::1",
		"ff3e::1::2", "ff3e::12345", "::239.1.1.1",
	};
	char t[512], msg[256];

	for (size_t i = 0; i < sizeof(bad_groups) / sizeof(bad_groups[0]); i++) {
		snprintf(t, sizeof(t), "[rule a]\ninput = eth0\ngroup = %s\noutput = eth1\n",
			 bad_groups[i]);
		snprintf(msg, sizeof(msg),
			 "3: '%s' is not a multicast group or prefix (within IPv4 224.0.0.0/4 or IPv6 ff00::/8)",
			 bad_groups[i]);
		EXPECT_ERRORS(t, msg);
		snprintf(t, sizeof(t), RULE_6 "output = eth2 [%s]:6000\n", bad_groups[i]);
		snprintf(msg, sizeof(msg),
			 "5: '%s' is not a multicast group (IPv4 224.0.0.0/4 or IPv6 ff00::/8)",
			 bad_groups[i]);
		EXPECT_ERRORS(t, msg);
	}
	static const char *const bad_sources[] = { "::ffff:10.0.0.1", "::", "ff3e::1",
						   "ff02::1", "2001:db8::/129", "2001:db8:::1" };

	for (size_t i = 0; i < sizeof(bad_sources) / sizeof(bad_sources[0]); i++) {
		snprintf(t, sizeof(t), RULE_6 "source = %s\n", bad_sources[i]);
		snprintf(msg, sizeof(msg),
			 "5: invalid source '%s' (expected a unicast IPv4 or IPv6 address or prefix)",
			 bad_sources[i]);
		EXPECT_ERRORS(t, msg);
	}

	/* One family per rule: its group, its source, its outputs. */
	EXPECT_ERRORS(RULE_A "output = eth2 [ff3e::1]:6000\noutput = eth3 ff3e::2\n",
		      "5: rule 'a': output group ff3e::1 is IPv6 but the rule's group is IPv4 (a rule and its outputs are of one family)",
		      "6: rule 'a': output group ff3e::2 is IPv6 but the rule's group is IPv4 (a rule and its outputs are of one family)");
	EXPECT_ERRORS(RULE_6 "output = eth2 239.2.2.2:6000\n",
		      "5: rule 'a': output group 239.2.2.2 is IPv4 but the rule's group is IPv6 (a rule and its outputs are of one family)");
	EXPECT_ERRORS(RULE_6 "source = 10.0.0.1\n",
		      "5: rule 'a': source 10.0.0.1 is IPv4 but group ff3e::1234 is IPv6");
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

/* Expects text to be accepted without errors, with the warning want ("LINE: message"). */
static void expect_warning_at(int where, const char *text, const char *want)
{
	struct conf c;
	struct diag d;
	char full[700];
	int rc = parse(text, &c, &d);

	snprintf(full, sizeof(full), NAME ":%s", want);
	if (!CHECK(rc == 0 && d.errors == 0 && has_line(&d, full),
		   "case at line %d: returned %d with %zu errors, expected warning '%s'", where,
		   rc, d.errors, full))
		show_diag(&d);
	conf_free(&c);
	diag_free(&d);
}

#define EXPECT_WARNING(text, want) expect_warning_at(__LINE__, text, want)

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
	EXPECT_VALID(RULE_W "group = 224.0.0.0/4\noutput = eth1\n");
	EXPECT_VALID(RULE_W "group = ff00::/8\noutput = eth1\n");
	EXPECT_VALID(RULE_W "group = 239.1.1.1\nsource = 0.0.0.0/0\noutput = eth1\n");

	/* Bits beyond the length: the message names the network. */
	EXPECT_ERRORS(RULE_W "group = 239.1.1.0/16\noutput = eth1\n",
		      "3: group prefix '239.1.1.0/16' has bits set beyond its length 16 (the network is 239.1.0.0/16)");
	EXPECT_ERRORS(RULE_W "group = ff3e::1/96\noutput = eth1\n",
		      "3: group prefix 'ff3e::1/96' has bits set beyond its length 96 (the network is ff3e::/96)");
	EXPECT_ERRORS(RULE_W "group = 239.128.0.0/8\noutput = eth1\n",
		      "3: group prefix '239.128.0.0/8' has bits set beyond its length 8 (the network is 239.0.0.0/8)");
	EXPECT_ERRORS(RULE_W "group = 239.1.1.1\nsource = 10.1.0.1/16\noutput = eth1\n",
		      "4: source prefix '10.1.0.1/16' has bits set beyond its length 16 (the network is 10.1.0.0/16)");
	EXPECT_ERRORS(RULE_W "group = ff3e::1\nsource = 2001:db8::1/64\noutput = eth1\n",
		      "4: source prefix '2001:db8::1/64' has bits set beyond its length 64 (the network is 2001:db8::/64)");
	/* Outside multicast space, or not a length. */
	static const char *const bad_groups[] = {
		"192.0.0.0/4", "224.0.0.0/3", "0.0.0.0/0", "239.1.1.1/33", "239.1.1.1/",
		"239.1.1.1/-1", "239.1.1.1/ 8", "239.1.1.1/8x", "239.0.0.0/08x", "ff3e::/129",
		"fe00::/7", "ff00::/7", "::/0", "239.1.0.0/16/16", "10.0.0.0/8",
	};
	char t[256], msg[256];

	for (size_t i = 0; i < sizeof(bad_groups) / sizeof(bad_groups[0]); i++) {
		snprintf(t, sizeof(t), RULE_W "group = %s\noutput = eth1\n", bad_groups[i]);
		snprintf(msg, sizeof(msg),
			 "3: '%s' is not a multicast group or prefix (within IPv4 224.0.0.0/4 or IPv6 ff00::/8)",
			 bad_groups[i]);
		EXPECT_ERRORS(t, msg);
	}
	static const char *const bad_sources[] = { "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/x",
						   "239.0.0.0/8", "ff00::/8", "10.0.0.0/" };

	for (size_t i = 0; i < sizeof(bad_sources) / sizeof(bad_sources[0]); i++) {
		snprintf(t, sizeof(t), RULE_W "group = %s\nsource = %s\noutput = eth1\n",
			 strchr(bad_sources[i], ':') ? "ff3e::1" : "239.1.1.1", bad_sources[i]);
		snprintf(msg, sizeof(msg),
			 "4: invalid source '%s' (expected a unicast IPv4 or IPv6 address or prefix)",
			 bad_sources[i]);
		EXPECT_ERRORS(t, msg);
	}
	/* Port ranges. */
	EXPECT_ERRORS(RULE_W "group = 239.1.1.1\nport = 5099-5000\noutput = eth1\n",
		      "4: invalid port range '5099-5000' (the first port is above the last)");
	EXPECT_ERRORS(RULE_W "group = 239.1.1.1\nport = 0-10\noutput = eth1\n",
		      "4: invalid port '0-10' (expected 1-65535, or a range FIRST-LAST)");
	EXPECT_ERRORS(RULE_W "group = 239.1.1.1\nport = 10-65536\noutput = eth1\n",
		      "4: invalid port '10-65536' (expected 1-65535, or a range FIRST-LAST)");
	EXPECT_ERRORS(RULE_W "group = 239.1.1.1\nport = 10-\noutput = eth1\n",
		      "4: invalid port '10-' (expected 1-65535, or a range FIRST-LAST)");
	EXPECT_ERRORS(RULE_W "group = 239.1.1.1\nport = 10-20-30\noutput = eth1\n",
		      "4: invalid port '10-20-30' (expected 1-65535, or a range FIRST-LAST)");
	EXPECT_VALID(RULE_W "group = 239.1.1.1\nport = 7-7\noutput = eth1\n");

	/* join = GROUP: for a prefix rule only, inside the prefix, once. */
	EXPECT_ERRORS(RULE_W "group = 239.1.1.1\njoin = 239.1.1.1\noutput = eth1\n",
		      "4: rule 'w': join is for a group prefix; a rule for one group joins it already");
	EXPECT_ERRORS(RULE_W "group = 239.1.0.0/16\njoin = 239.2.1.1\noutput = eth1\n",
		      "4: rule 'w': join 239.2.1.1 is outside the rule's group prefix");
	EXPECT_ERRORS(RULE_W "group = 239.1.0.0/16\njoin = ff3e::1\noutput = eth1\n",
		      "4: rule 'w': join ff3e::1 is outside the rule's group prefix");
	EXPECT_ERRORS(RULE_W "group = ff3e::/96\njoin = ff3e::1:0:0\noutput = eth1\n",
		      "4: rule 'w': join ff3e::1:0:0 is outside the rule's group prefix");
	EXPECT_ERRORS(RULE_W "group = 239.1.0.0/16\njoin = 239.1.1.1\njoin = 239.1.0.1\n"
		      "join = 239.1.1.1\noutput = eth1\n",
		      "6: rule 'w': join 239.1.1.1 given twice (first at line 4)");
	EXPECT_ERRORS(RULE_W "group = 239.1.0.0/16\njoin = 10.1.1.1\noutput = eth1\n",
		      "4: join: '10.1.1.1' is not a multicast group (IPv4 or IPv6)");
	EXPECT_ERRORS(RULE_W "group = 239.1.0.0/16\njoin = 239.1.0.0/24\noutput = eth1\n",
		      "4: join: '239.1.0.0/24' is not a multicast group (IPv4 or IPv6)");
	/* The same group joined by two prefix rules is each rule's own join. */
	EXPECT_VALID(RULE_W "group = 239.1.0.0/16\njoin = 239.1.1.1\noutput = eth1\n"
		     "[rule v]\ninput = eth0\ngroup = 239.1.1.0/24\njoin = 239.1.1.1\noutput = eth2\n");

	/* link-local = allow|deny. */
	EXPECT_ERRORS(RULE_W "group = 239.1.1.1\nlink-local = yes\noutput = eth1\n",
		      "4: invalid link-local 'yes' (expected allow or deny)");
	EXPECT_ERRORS(RULE_W "group = 239.1.1.1\nlink-local = allow\nlink-local = deny\noutput = eth1\n",
		      "5: duplicate key 'link-local' (first set at line 4)");
	/* Link-local groups with ttl keep or fixed: an error unless allowed, at the ttl line. */
	EXPECT_ERRORS(RULE_W "group = 224.0.0.251\nttl = keep\noutput = eth1\n",
		      "4: " LL_MSG("224.0.0.251", "ttl = keep"));
	EXPECT_ERRORS(RULE_W "group = 224.0.0.251\nttl = 5\noutput = eth1\n",
		      "4: " LL_MSG("224.0.0.251", "a fixed ttl"));
	EXPECT_ERRORS(RULE_W "group = 224.0.0.251\nttl = keep\nlink-local = deny\noutput = eth1\n",
		      "4: " LL_MSG("224.0.0.251", "ttl = keep"));
	EXPECT_ERRORS(RULE_W "group = 224.0.0.0/16\nttl = keep\noutput = eth1\n",
		      "4: " LL_MSG("224.0.0.0/16", "ttl = keep"));
	EXPECT_ERRORS(RULE_W "group = 224.0.0.128/25\nttl = 1\noutput = eth1\n",
		      "4: " LL_MSG("224.0.0.128/25", "a fixed ttl"));
	EXPECT_ERRORS(RULE_W "group = 224.0.0.0/4\nttl = keep\noutput = eth1\n",
		      "4: " LL_MSG("224.0.0.0/4", "ttl = keep"));
	EXPECT_ERRORS(RULE_W "group = ff02::fb\nttl = keep\noutput = eth1\n",
		      "4: " LL_MSG("ff02::fb", "ttl = keep"));
	EXPECT_ERRORS(RULE_W "group = ff01::1\nttl = 9\noutput = eth1\n",
		      "4: " LL_MSG("ff01::1", "a fixed ttl"));
	EXPECT_ERRORS(RULE_W "group = ff32::1\nttl = keep\noutput = eth1\n",
		      "4: " LL_MSG("ff32::1", "ttl = keep"));
	EXPECT_ERRORS(RULE_W "group = ff00::/8\nttl = 9\noutput = eth1\n",
		      "4: " LL_MSG("ff00::/8", "a fixed ttl"));
	EXPECT_ERRORS(RULE_W "group = ff02::/16\nttl = keep\noutput = eth1\n",
		      "4: " LL_MSG("ff02::/16", "ttl = keep"));
	/* Without ttl key the rule line is named; the default decrements: no error. */
	EXPECT_VALID(RULE_W "group = 224.0.0.251\noutput = eth1\n");
	EXPECT_VALID(RULE_W "group = 224.0.0.0/4\noutput = eth1\n");
	EXPECT_VALID(RULE_W "group = ff02::fb\nttl = decrement\noutput = eth1\n");
	EXPECT_VALID(RULE_W "group = ff00::/8\nttl = decrement\nlink-local = deny\noutput = eth1\n");
	/* Allowed deliberately: valid, with the loop warning of keep and fixed. */
	EXPECT_WARNING(RULE_W "group = 224.0.0.251\nttl = keep\nlink-local = allow\noutput = eth1\n",
		       "4: warning: " LOOP_WARNING("ttl = keep"));
	EXPECT_WARNING(RULE_W "group = ff00::/8\nlink-local = allow\nttl = 3\noutput = eth1\n",
		       "5: warning: " LOOP_WARNING("a fixed ttl"));
	/* Groups next to the link-local ones are not. */
	EXPECT_WARNING(RULE_W "group = 224.0.1.0/24\nttl = keep\noutput = eth1\n",
		       "4: warning: " LOOP_WARNING("ttl = keep"));
	EXPECT_WARNING(RULE_W "group = ff05::/16\nttl = 7\noutput = eth1\n",
		       "4: warning: " LOOP_WARNING("a fixed ttl"));
	EXPECT_WARNING(RULE_W "group = 239.1.1.1\nttl = keep\noutput = eth1\n",
		       "4: warning: " LOOP_WARNING("ttl = keep"));
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
	char text[256], want[256];

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
			if (cases[i].ok) {
				expect_valid_at(__LINE__ + (int)i * 100 + where, text);
				continue;
			}
			if (where == 2)
				snprintf(want, sizeof(want), "5: invalid interface name '%s' in [input] "
					 IFNAME_RULES, esc.s);
			else
				snprintf(want, sizeof(want), "%d: invalid interface name '%s' "
					 IFNAME_RULES, where == 0 ? 2 : 5, esc.s);
			expect_errors_at(__LINE__ + (int)i * 100 + where, text,
					 (const char *const[]){ want, NULL });
		}
		sb_free(&esc);
	}
}

/* workers and cpu-affinity, in [global] and in [input NAME]. */
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

	EXPECT_VALID("[global]\nworkers = 1\ncpu-affinity = 1023\n" RULE_A);
	EXPECT_VALID(RULE_A "[input eth0]\n");
	EXPECT_ERRORS("[global]\nworkers = 0\n" RULE_A,
		      "2: invalid workers '0' (expected auto or 1-64)");
	EXPECT_ERRORS("[global]\nworkers = 65\nworkers = 2\n" RULE_A,
		      "2: invalid workers '65' (expected auto or 1-64)",
		      "3: duplicate key 'workers' (first set at line 2)");
	EXPECT_ERRORS("[global]\ncpu-affinity = 3-1\n" RULE_A,
		      "2: invalid cpu-affinity '3-1' (CPU numbers 0-1023 and ranges, e.g. 0,2-3)");
	EXPECT_ERRORS("[global]\ncpu-affinity = 0,,1\n" RULE_A,
		      "2: invalid cpu-affinity '0,,1' (CPU numbers 0-1023 and ranges, e.g. 0,2-3)");
	EXPECT_ERRORS(RULE_A "[input eth0]\ncpu-affinity = 1024\n",
		      "6: invalid cpu-affinity '1024' (CPU numbers 0-1023 and ranges, e.g. 0,2-3)");
	EXPECT_ERRORS(RULE_A "[input eth0]\nworkers = x\n",
		      "6: invalid workers 'x' (expected auto or 1-64)");
	EXPECT_ERRORS(RULE_A "[input eth0]\nworkers = 2\n[input eth0]\nworkers = 3\n",
		      "7: duplicate section [input eth0] (first at line 5)");
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

int main(void)
{
	unit_deadline(120);
	test_full();
	test_defaults();
	test_sections_and_keys();
	test_control_group();
	test_required();
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
	test_monitor();
	return unit_summary("test_conf");
}
