/*
 * status --watch as text: the interval argument, the header and body for
 * each state of the daemon, lines cut and escaped, and frames drawn over
 * each other on a small VT100 screen emulated here, which must show
 * exactly the last frame: no stale characters, no scrolling, no wrap.
 */
#include "config.h"

#include "lib/strbuf.h"
#include "lib/watch_view.h"
#include "unit.h"

#include <stdint.h>
#include <string.h>

/* ---- the interval ---- */

static void interval_ok(const char *s, unsigned want)
{
	char err[128] = "";
	unsigned ms = 0;

	CHECK(watch_parse_interval(s, &ms, err, sizeof(err)) == 0 && ms == want,
	      "'%s': %u ms (%s), expected %u", s, ms, err, want);
}

static void interval_bad(const char *s, const char *why)
{
	char err[128] = "";
	unsigned ms = 12345;

	CHECK(watch_parse_interval(s, &ms, err, sizeof(err)) == -1, "'%s' accepted (%u ms)", s, ms);
	CHECK(ms == 12345, "'%s': ms changed to %u on an error", s, ms);
	CHECK(strstr(err, why) != NULL, "'%s': message '%s' lacks '%s'", s, err, why);
}

static void test_interval(void)
{
	char buf[16];

	interval_ok("2", 2000);
	interval_ok("1", 1000);
	interval_ok("0.1", 100);
	interval_ok("0.5", 500);
	interval_ok("1.25", 1250);
	interval_ok("0.123", 123);
	interval_ok("3600", 3600000);
	interval_ok("3600.000", 3600000);
	interval_ok("007", 7000);
	interval_bad("0", "not from 0.1 to 3600");
	interval_bad("0.0", "not from 0.1 to 3600");
	interval_bad("0.099", "not from 0.1 to 3600");
	interval_bad("3600.001", "not from 0.1 to 3600");
	interval_bad("3601", "not from 0.1 to 3600");
	interval_bad("99999999999", "not from 0.1 to 3600");
	interval_bad("999999999999999999999999", "not a number");
	interval_bad("1.2345", "more than three decimals");
	interval_bad("", "not a number");
	interval_bad("-1", "not a number");
	interval_bad("+1", "not a number");
	interval_bad(" 1", "not a number");
	interval_bad("1 ", "not a number");
	interval_bad("1s", "not a number");
	interval_bad("1.", "not a number");
	interval_bad(".5", "not a number");
	interval_bad("1e3", "not a number");
	interval_bad("0x10", "not a number");
	interval_bad("inf", "not a number");
	interval_bad("nan", "not a number");
	interval_bad("1,5", "not a number");

	CHECK(strcmp(watch_interval_text(2000, buf), "2s") == 0, "%s", buf);
	CHECK(strcmp(watch_interval_text(500, buf), "0.5s") == 0, "%s", buf);
	CHECK(strcmp(watch_interval_text(1250, buf), "1.25s") == 0, "%s", buf);
	CHECK(strcmp(watch_interval_text(1001, buf), "1.001s") == 0, "%s", buf);
	CHECK(strcmp(watch_interval_text(3600000, buf), "3600s") == 0, "%s", buf);
}

/* ---- lines cut and escaped ---- */

static void cut_is(const char *in, size_t len, size_t cols, const char *want, size_t want_w)
{
	struct strbuf sb = { 0 };
	size_t w = watch_cut_line(&sb, in, len, cols);

	CHECK(strcmp(sb.s ? sb.s : "", want) == 0 && w == want_w,
	      "cut '%s' to %zu: '%s' (%zu columns), expected '%s' (%zu)", in, cols,
	      sb.s ? sb.s : "", w, want, want_w);
	sb_free(&sb);
}

#define CUT(in, cols, want, w) cut_is(in, strlen(in), cols, want, w)

static void test_cut(void)
{
	CUT("hello", 80, "hello", 5);
	CUT("hello", 5, "hello", 5);
	CUT("hello", 3, "hel", 3);
	CUT("hello", 0, "", 0);
	CUT("", 10, "", 0);
	/* UTF-8: never cut inside a character; wide ones take 2 columns. */
	CUT("caf\xc3\xa9!", 4, "caf\xc3\xa9", 4);
	CUT("\xe6\x97\xa5\xe6\x9c\xac", 3, "\xe6\x97\xa5", 2);
	CUT("\xe6\x97\xa5\xe6\x9c\xac", 4, "\xe6\x97\xa5\xe6\x9c\xac", 4);
	/* What could drive a terminal is shown, escaped, and never cut in the middle. */
	CUT("a\033[2Jb", 80, "a\\x1b[2Jb", 9);
	CUT("ab\033c", 6, "ab\\x1b", 6);
	CUT("ab\033c", 5, "ab", 2);
	CUT("x\ry", 80, "x\\x0dy", 6);
	CUT("x\x7fy", 80, "x\\x7fy", 6);
	CUT("x\xc2\x85y", 80, "x\\xc2\\x85y", 10);	/* C1 control NEL */
	CUT("x\xc2\x9b" "2Jy", 80, "x\\xc2\\x9b2Jy", 12);	/* C1 CSI */
	CUT("x\xffy", 80, "x\\xffy", 6);
	CUT("x\xe6\x97", 80, "x\\xe6\\x97", 9);	/* cut short */
	CUT("\xed\xa0\x80", 80, "\\xed\\xa0\\x80", 12);	/* a surrogate */
	CUT("\xc0\xaf", 80, "\\xc0\\xaf", 8);	/* overlong */
	/* Tabs become spaces to the next multiple of 8. */
	CUT("a\tb", 80, "a       b", 9);
	CUT("a\tb", 4, "a   ", 4);
	/* A NUL inside the given length is escaped, not an end. */
	cut_is("a\0b", 3, 80, "a\\x00b", 6);
}

/* ---- a VT100 screen, enough to replay frames ---- */

#define SCR_ROWS_MAX 60
#define SCR_COLS_MAX 200

struct screen {
	size_t rows, cols, r, c;
	bool wrap_pending;	/* the last column was written: the next character wraps */
	bool scrolled, bad_sequence;
	char cell[SCR_ROWS_MAX][SCR_COLS_MAX];
};

static void scr_init(struct screen *s, size_t rows, size_t cols, char fill)
{
	memset(s, 0, sizeof(*s));
	s->rows = rows;
	s->cols = cols;
	for (size_t r = 0; r < rows; r++)
		memset(s->cell[r], fill, cols);
}

static void scr_down(struct screen *s)
{
	if (s->r + 1 < s->rows)
		s->r++;
	else
		s->scrolled = true;
}

/* Feeds the bytes; a UTF-8 character takes one cell, shown as '*' after its first byte. */
static void scr_feed(struct screen *s, const char *p)
{
	while (*p) {
		unsigned char ch = (unsigned char)*p++;

		if (ch == '\033') {
			if (strncmp(p, "[H", 2) == 0) {
				s->r = s->c = 0;
				p += 2;
			} else if (strncmp(p, "[K", 2) == 0) {
				memset(&s->cell[s->r][s->c], ' ', s->cols - s->c);
				p += 2;
			} else if (strncmp(p, "[J", 2) == 0) {
				memset(&s->cell[s->r][s->c], ' ', s->cols - s->c);
				for (size_t r = s->r + 1; r < s->rows; r++)
					memset(s->cell[r], ' ', s->cols);
				p += 2;
			} else {
				s->bad_sequence = true;
			}
			s->wrap_pending = false;
			continue;
		}
		if (ch == '\r') {
			s->c = 0;
			s->wrap_pending = false;
			continue;
		}
		if (ch == '\n') {
			scr_down(s);
			s->wrap_pending = false;
			continue;
		}
		if (ch < 0x20 || ch == 0x7f) {
			s->bad_sequence = true;
			continue;
		}
		if ((ch & 0xc0) == 0x80)
			continue;	/* a continuation byte: part of the cell before */
		if (s->wrap_pending) {
			s->c = 0;
			scr_down(s);
			s->wrap_pending = false;
		}
		s->cell[s->r][s->c] = ch < 0x80 ? (char)ch : '*';
		if (s->c + 1 < s->cols)
			s->c++;
		else
			s->wrap_pending = true;
	}
}

/* Row r of the screen, trailing spaces dropped. */
static const char *scr_row(const struct screen *s, size_t r, char *buf)
{
	size_t n = s->cols;

	memcpy(buf, s->cell[r], n);
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return buf;
}

/*
 * Draws each text in turn on a screen filled with junk, then checks that
 * the screen shows the last one exactly, as want (rows joined by '\n',
 * trailing spaces dropped, blank rows at the end left out).
 */
static void frames_show(size_t rows, size_t cols, const char *const *texts, size_t n,
			const char *want, int line)
{
	struct screen *s = calloc(1, sizeof(*s));
	struct strbuf got = { 0 };
	char row[SCR_COLS_MAX + 1];

	if (s == NULL)
		abort();
	scr_init(s, rows, cols, '#');
	for (size_t i = 0; i < n; i++) {
		struct strbuf f = { 0 };

		watch_frame(texts[i], rows, cols, &f);
		CHECK(strstr(f.s, "\033[2J") == NULL, "line %d: frame %zu clears the screen", line, i);
		scr_feed(s, f.s);
		sb_free(&f);
	}
	for (size_t r = 0; r < rows; r++)
		sb_printf(&got, "%s\n", scr_row(s, r, row));
	while (got.len >= 2 && got.s[got.len - 1] == '\n' && got.s[got.len - 2] == '\n')
		got.s[--got.len] = '\0';
	CHECK(!s->scrolled, "line %d: the screen scrolled", line);
	CHECK(!s->bad_sequence, "line %d: a sequence the frame should not send", line);
	CHECK(strcmp(got.s, want) == 0, "line %d: the screen shows\n%s---\nexpected\n%s---", line,
	      got.s, want);
	sb_free(&got);
	free(s);
}

/* FRAMES(rows, cols, text..., want): the texts drawn in turn must leave want on the screen. */
#define FRAMES(rows, cols, ...)                                                                \
	do {                                                                                   \
		const char *const args_[] = { __VA_ARGS__ };                                   \
		size_t n_ = sizeof(args_) / sizeof(args_[0]);                                  \
		frames_show(rows, cols, args_, n_ - 1, args_[n_ - 1], __LINE__);               \
	} while (0)

static void test_frames(void)
{
	/* One frame over junk: every row that had junk is cleared. */
	FRAMES(6, 20, "head\n\nrule a\n", "head\n\nrule a\n");
	/* Shorter lines and fewer of them after longer ones: nothing stale. */
	FRAMES(8, 30, "header 10:00:01\n\nrule-with-a-long-name 12345\nsecond line here\nthird\n",
	       "header 10:00:01\n\nrule-with-a-long-name 12345\nsecond line here\nthird\n",
	       "header 10:00:02\n\nr 9\n",
	       "header 10:00:02\n\nr 9\n");
	/* Lines cut to the width, never wrapped; a line of exactly the width keeps its end. */
	FRAMES(5, 10, "0123456789abcdef\nshort\n0123456789\n",
	       "0123456789\nshort\n0123456789\n");
	FRAMES(3, 10, "0123456789\n0123456789\n0123456789\n", "xx\n",
	       "xx\n");
	/* A full screen with the last row at full width: no scroll, the last column kept. */
	FRAMES(3, 10, "aaaaaaaaaa\nbbbbbbbbbb\ncccccccccc\n",
	       "aaaaaaaaaa\nbbbbbbbbbb\ncccccccccc\n");
	/* More lines than rows: the last row says how many are not shown. */
	FRAMES(4, 40, "h\n1\n2\n3\n4\n5\n", "h\n1\n2\n... 3 more lines\n");
	FRAMES(4, 12, "h\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "h\n1\n2\n... 10 more\n");
	FRAMES(1, 12, "header\nbody\n", "header\n");
	/* What the daemon sent cannot move the cursor or clear the screen. */
	FRAMES(4, 40, "h\n\033[2J\033[5;5Hx\n", "h\n\\x1b[2J\\x1b[5;5Hx\n");
	/* UTF-8 takes one cell a character. */
	FRAMES(3, 8, "caf\xc3\xa9 au lait\n", "caf* au\n");
	/* The empty text blanks the screen. */
	FRAMES(3, 8, "abc\n", "", "\n");
}

static void test_plain(void)
{
	struct strbuf sb = { 0 };
	char long_line[300];

	memset(long_line, 'x', sizeof(long_line) - 2);
	long_line[sizeof(long_line) - 2] = '\n';
	long_line[sizeof(long_line) - 1] = '\0';
	watch_plain("head\n\na\033[31mred\n", &sb);
	CHECK(strcmp(sb.s, "head\n\na\\x1b[31mred\n\n") == 0, "plain: '%s'", sb.s);
	CHECK(memchr(sb.s, '\033', sb.len) == NULL, "plain has an escape byte");
	sb_free(&sb);
	watch_plain(long_line, &sb);
	CHECK(sb.len == strlen(long_line) + 1, "plain cut a long line: %zu bytes", sb.len);
	sb_free(&sb);
	watch_plain("no newline at the end", &sb);
	CHECK(strcmp(sb.s, "no newline at the end\n\n") == 0, "plain: '%s'", sb.s);
	sb_free(&sb);
}

/* ---- header and body by state ---- */

static bool has(const struct strbuf *sb, const char *needle)
{
	return sb->s != NULL && strstr(sb->s, needle) != NULL;
}

#define EXPECT_HAS(sb, needle) CHECK(has(sb, needle), "missing '%s' in:\n%s", needle, (sb)->s)
#define EXPECT_NOT(sb, needle) CHECK(!has(sb, needle), "'%s' in:\n%s", needle, (sb)->s)

static void test_text(void)
{
	struct watch_view v = {
		.interval_ms = 1500, .socket = "/run/mcrelay/mcrelay.sock",
		.now = "2026-12-01 10:00:02", .state = WATCH_OK,
		.body = "RULE IFACE\nvideo1 eth0\n", .body_time = "10:00:02", .terminal = true,
	};
	struct strbuf sb = { 0 };

	watch_text(&v, &sb);
	CHECK(strncmp(sb.s, "2026-12-01 10:00:02  every 1.5s  daemon: answering  (q to quit)\n\n"
			    "RULE IFACE\nvideo1 eth0\n", sb.len) == 0, "ok, terminal:\n%s", sb.s);
	sb_free(&sb);

	v.terminal = false;
	watch_text(&v, &sb);
	CHECK(strcmp(sb.s, "2026-12-01 10:00:02  every 1.5s  daemon: answering\n\n"
			   "RULE IFACE\nvideo1 eth0\n") == 0, "ok, plain:\n%s", sb.s);
	sb_free(&sb);

	v.state = WATCH_UNREACHABLE;
	v.detail = "Connection refused";
	v.since = "10:00:05";
	v.now = "2026-12-01 10:00:06";
	watch_text(&v, &sb);
	EXPECT_HAS(&sb, "daemon: NOT REACHABLE since 10:00:05\n");
	EXPECT_HAS(&sb, "cannot reach the daemon at /run/mcrelay/mcrelay.sock: Connection refused;"
			" trying again every 1.5s\n");
	EXPECT_NOT(&sb, "video1");	/* a pipe has seen it */
	sb_free(&sb);

	v.terminal = true;
	watch_text(&v, &sb);
	EXPECT_HAS(&sb, "the last status, at 10:00:02:\n\nRULE IFACE\nvideo1 eth0\n");
	sb_free(&sb);

	v.body = NULL;
	watch_text(&v, &sb);
	EXPECT_NOT(&sb, "the last status");
	sb_free(&sb);

	v.state = WATCH_NO_ANSWER;
	v.detail = "Connection timed out";
	watch_text(&v, &sb);
	EXPECT_HAS(&sb, "daemon: NOT ANSWERING since 10:00:05");
	EXPECT_HAS(&sb, "no answer from the daemon at /run/mcrelay/mcrelay.sock: Connection "
			"timed out");
	sb_free(&sb);

	v.state = WATCH_ERROR;
	v.detail = "error 75: too many status answers waiting, try again";
	watch_text(&v, &sb);
	EXPECT_HAS(&sb, "daemon: ERROR");
	EXPECT_HAS(&sb, "refused the request:\nerror 75: too many status answers waiting, try "
			"again\n");
	sb_free(&sb);

	v.state = WATCH_UNEXPECTED;
	watch_text(&v, &sb);
	EXPECT_HAS(&sb, "daemon: UNEXPECTED ANSWER");
	EXPECT_HAS(&sb, "unexpected answer from the daemon");
	sb_free(&sb);

	v.state = WATCH_STARTING;
	v.detail = NULL;
	watch_text(&v, &sb);
	EXPECT_HAS(&sb, "daemon: asking");
	sb_free(&sb);
}

int main(void)
{
	unit_deadline(30);
	test_interval();
	test_cut();
	test_frames();
	test_plain();
	test_text();
	return unit_summary("test_watch");
}
