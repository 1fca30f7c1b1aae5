/*
 * Unit tests for the log: what it writes to standard error, where text
 * from outside (names, paths, peers' bytes) must not reach a terminal raw.
 */
#include "config.h"

#include "common/log.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Logs one warning with arg, and returns what reached stderr (a temporary file). */
static const char *logged(const char *arg)
{
	static char out[4096];
	FILE *fp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	out[0] = '\0';
	if (!CHECK(fp != NULL && saved >= 0, "tmpfile or dup failed"))
		return out;
	fflush(stderr);
	dup2(fileno(fp), STDERR_FILENO);
	log_warnx("interface '%s' is down", arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(fp);
	n = fread(out, 1, sizeof(out) - 1, fp);
	out[n] = '\0';
	fclose(fp);
	return out;
}

static void test_escaped(void)
{
	static const struct {
		const char *arg, *want;
	} cases[] = {
		{ "eth0", "warning: interface 'eth0' is down\n" },
		{ "e\x1b[2Jth0", "warning: interface 'e\\x1b[2Jth0' is down\n" },
		{ "a\nfake line", "warning: interface 'a\\x0afake line' is down\n" },
		{ "\r\x07\x7f", "warning: interface '\\x0d\\x07\\x7f' is down\n" },
		/* Backslashes stay: a line may quote a diagnostic that is escaped already. */
		{ "t.conf:3: bad \\x1b key", "warning: interface 't.conf:3: bad \\x1b key' is down\n" },
		{ "caf\xc3\xa9", "warning: interface 'caf\xc3\xa9' is down\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *out = logged(cases[i].arg);
		const char *body = strstr(out, "warning: ");

		CHECK(body != NULL && strcmp(body, cases[i].want) == 0, "case %zu: logged '%s'", i,
		      out);
		CHECK(*out && strchr(out, '\n') == out + strlen(out) - 1,
		      "case %zu: not one line: '%s'", i, out);
	}
}

int main(void)
{
	log_init("test_log", true, LOG_LEVEL_INFO);
	test_escaped();
	return unit_summary("test_log");
}
