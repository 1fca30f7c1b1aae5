#ifndef MCRELAY_WATCH_VIEW_H
#define MCRELAY_WATCH_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"

/*
 * What `mcrelay status --watch` shows, as text (no I/O): the interval
 * argument, the header line, the status table cut to a terminal and
 * drawn over the previous frame without clearing the screen, or written
 * plainly for a pipe or a file.  Nothing that the daemon sent reaches the
 * terminal unescaped.
 */

#define WATCH_INTERVAL_MIN_MS 100u
#define WATCH_INTERVAL_MAX_MS 3600000u
#define WATCH_INTERVAL_DEFAULT_MS 2000u

/*
 * SECONDS as given on the command line: digits, optionally a point and
 * up to three decimals, from 0.1 to 3600.  Returns 0 and stores the
 * interval in milliseconds, or -1 with the reason in err ("'0' is below
 * 0.1 seconds").
 */
int watch_parse_interval(const char *s, unsigned *ms, char *err, size_t errlen);

/* "2s", "0.5s", "1.25s": the interval as the header shows it. */
const char *watch_interval_text(unsigned ms, char buf[16]);

/* What the last request to the daemon gave. */
enum watch_state {
	WATCH_STARTING,		/* nothing asked yet */
	WATCH_OK,		/* a status table */
	WATCH_UNREACHABLE,	/* no connection: no socket, refused, ... */
	WATCH_NO_ANSWER,	/* connected, but no whole answer in time */
	WATCH_ERROR,		/* an "error N" answer */
	WATCH_UNEXPECTED,	/* an answer that is neither "ok" nor "error N" */
};

struct watch_view {
	unsigned interval_ms;
	const char *socket;	/* the control socket's path */
	const char *now;	/* "2026-12-01 10:00:02", the time of this frame */
	enum watch_state state;
	const char *detail;	/* why not WATCH_OK: strerror, the daemon's message */
	const char *since;	/* "10:01:02": when the daemon stopped answering */
	const char *body;	/* the last status table the daemon sent; NULL: none */
	const char *body_time;	/* "10:01:00": when it was sent */
	bool terminal;		/* drawn on a terminal (the header says how to quit) */
};

/* The header line: time, interval and the daemon's state, no newline. */
void watch_header(const struct watch_view *v, struct strbuf *out);

/*
 * The whole text of a frame, lines ending in '\n': the header, a blank
 * line, then the table; when the daemon does not answer, a line saying so
 * and, on a terminal, the last table below it with its time.
 */
void watch_text(const struct watch_view *v, struct strbuf *out);

/*
 * Appends the line s[0..len) (no newline in it) cut to cols columns:
 * a control character, DEL, a C1 control or a byte that is not valid
 * UTF-8 is written as \xNN (4 columns, never cut in the middle), a tab as
 * spaces to the next multiple of 8, a character from U+1100 on is counted
 * as 2 columns (East Asian wide ones are, and cutting a narrow one early
 * is better than a line that wraps).  Returns the columns it takes.
 */
size_t watch_cut_line(struct strbuf *out, const char *s, size_t len, size_t cols);

/*
 * A frame for a terminal of rows x cols: the cursor home, each line of
 * text cut to cols and followed by an erase to its end (a line that fills
 * the width is not: the cursor waits on its last column, which the erase
 * would blank), then, if the text is shorter than the screen, an erase of
 * everything below.  No line ends on the last row, so the screen never
 * scrolls; a text longer than the screen ends with a line saying how many
 * lines are not shown.
 */
void watch_frame(const char *text, size_t rows, size_t cols, struct strbuf *out);

/* The text for a pipe or a file: every line escaped, none cut, a blank line after. */
void watch_plain(const char *text, struct strbuf *out);

#endif
