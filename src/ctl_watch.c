#include "config.h"

#include "ctl_client.h"
#include "lib/strbuf.h"
#include "lib/watch_view.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/*
 * A healthy daemon answers within its workers' 1 s deadline; one that
 * takes longer is shown as not answering rather than freezing the view.
 */
#define WATCH_ANSWER_TIMEOUT_MS 5000

/*
 * Like top: the alternate screen (the shell's screen and scrollback come
 * back on exit), no cursor, no echo of keys, and each frame drawn over the
 * last one.  Plain VT100/xterm sequences, which every terminal emulator in
 * use (and tmux, screen, the Linux console) understands; TERM=dumb gets
 * the plain output of a pipe.
 */
#define TERM_ENTER "\033[?1049h\033[?25l\033[H\033[2J"
#define TERM_LEAVE "\033[?25h\033[?1049l"

/* The terminal, global so that the exit handler can restore it. */
static struct {
	bool active;		/* in the alternate screen, cursor hidden */
	int keys_fd;		/* the terminal to read 'q' from (and whose modes changed), or -1 */
	struct termios saved;
	size_t rows, cols;
} term = { .keys_fd = -1 };

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void term_leave(void)
{
	if (!term.active)
		return;
	term.active = false;
	(void)write_all(STDOUT_FILENO, TERM_LEAVE, strlen(TERM_LEAVE));
	if (term.keys_fd >= 0)
		tcsetattr(term.keys_fd, TCSANOW, &term.saved);
}

static void term_enter(void)
{
	struct termios t;

	/* Keys are read, and echo turned off, only when we are in the foreground. */
	term.keys_fd = -1;
	if (isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp() &&
	    tcgetattr(STDIN_FILENO, &term.saved) == 0) {
		t = term.saved;
		t.c_lflag &= ~(tcflag_t)(ECHO | ICANON);
		t.c_cc[VMIN] = 0;
		t.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
			term.keys_fd = STDIN_FILENO;
	}
	term.active = true;
	(void)write_all(STDOUT_FILENO, TERM_ENTER, strlen(TERM_ENTER));
}

static void term_size(void)
{
	struct winsize ws;

	term.rows = 24;
	term.cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		term.rows = ws.ws_row;
		term.cols = ws.ws_col;
	}
}

static bool draws_in_place(void)
{
	const char *t = getenv("TERM");

	return isatty(STDOUT_FILENO) && t != NULL && t[0] != '\0' && strcmp(t, "dumb") != 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void local_time(const char *fmt, char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(buf, len, fmt, &tm) == 0)
		snprintf(buf, len, "?");
}

/* What the view shows, with the strings it points to. */
struct watch {
	const char *socket;
	struct watch_view v;
	char now[32], since[16], body_time[16];
	char *body;		/* the last table */
	struct strbuf detail;
	int sfd;		/* the signals, as a signalfd */
};

/* Takes in what the daemon answered (a->text is the view's now, or freed). */
static void take_answer(struct watch *w, struct ctl_answer *a)
{
	enum watch_state before = w->v.state;

	w->detail.len = 0;
	if (w->detail.s)
		w->detail.s[0] = '\0';
	switch (a->result) {
	case CTL_OK:
		free(w->body);
		w->body = a->text;
		a->text = NULL;
		local_time("%H:%M:%S", w->body_time, sizeof(w->body_time));
		w->v.state = WATCH_OK;
		break;
	case CTL_ERROR: {
		size_t len = strlen(a->text);

		while (len > 0 && a->text[len - 1] == '\n')
			len--;
		sb_printf(&w->detail, "error %d: %.*s", a->code, (int)(len > 4096 ? 4096 : len),
			  a->text);
		w->v.state = WATCH_ERROR;
		break;
	}
	case CTL_UNREACHABLE:
	case CTL_REFUSED:
		sb_printf(&w->detail, "%s", strerror(a->err));
		w->v.state = WATCH_UNREACHABLE;
		break;
	case CTL_NO_ANSWER:
		sb_printf(&w->detail, "%s", strerror(a->err));
		w->v.state = WATCH_NO_ANSWER;
		break;
	case CTL_UNEXPECTED:
	case CTL_INTERRUPTED:
		w->v.state = WATCH_UNEXPECTED;
		break;
	}
	free(a->text);
	a->text = NULL;
	if (w->v.state != WATCH_OK && (before == WATCH_OK || before == WATCH_STARTING))
		local_time("%H:%M:%S", w->since, sizeof(w->since));
}

/* Draws the view: in place on a terminal, else as plain text.  -1 on a write error. */
static int draw(struct watch *w)
{
	struct strbuf text = { 0 }, out = { 0 };
	int rc;

	local_time("%Y-%m-%d %H:%M:%S", w->now, sizeof(w->now));
	w->v.body = w->body;
	w->v.detail = w->detail.s;
	watch_text(&w->v, &text);
	if (w->v.terminal)
		watch_frame(text.s, term.rows, term.cols, &out);
	else
		watch_plain(text.s, &out);
	rc = write_all(STDOUT_FILENO, out.s, out.len);
	sb_free(&text);
	sb_free(&out);
	return rc;
}

enum watch_action { ACT_NONE, ACT_REDRAW, ACT_STOP };

/* Reads the pending signals: what they ask for. */
static enum watch_action take_signals(struct watch *w)
{
	enum watch_action act = ACT_NONE;
	struct signalfd_siginfo si;

	while (read(w->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGWINCH:
		case SIGCONT:
			if (w->v.terminal) {
				term_size();
				if (!term.active)
					term_enter();
				act = act == ACT_STOP ? act : ACT_REDRAW;
			}
			break;
		case SIGTSTP:
			/* Give the shell its terminal back while stopped. */
			term_leave();
			kill(getpid(), SIGSTOP);
			if (w->v.terminal) {
				term_size();
				term_enter();
				act = act == ACT_STOP ? act : ACT_REDRAW;
			}
			break;
		default:	/* SIGINT, SIGTERM, SIGHUP, SIGQUIT */
			act = ACT_STOP;
			break;
		}
	}
	return act;
}

/* True if the keys read from the terminal ask to quit ('q'), or it is gone. */
static bool quit_key(void)
{
	char buf[64];
	ssize_t n = read(term.keys_fd, buf, sizeof(buf));

	if (n == 0) {
		term.keys_fd = -1;	/* no more keys; C-c still works */
		return false;
	}
	return n > 0 && (memchr(buf, 'q', (size_t)n) || memchr(buf, 'Q', (size_t)n));
}

/*
 * Waits until the deadline, redrawing on a resize.  Returns 1 to go on,
 * 0 to stop watching, -1 on a write error.
 */
static int wait_next(struct watch *w, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = w->sfd, .events = POLLIN },
			{ .fd = term.keys_fd, .events = POLLIN },
		};
		int64_t left = deadline - now_ms();

		if (left <= 0)
			return 1;
		if (poll(pfd, 2, (int)left) < 0 && errno != EINTR)
			return -1;
		if (pfd[0].revents) {
			enum watch_action act = take_signals(w);

			if (act == ACT_STOP)
				return 0;
			if (act == ACT_REDRAW && draw(w) < 0)
				return -1;
		}
		if (pfd[1].revents && term.keys_fd >= 0 && quit_key())
			return 0;
	}
}

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGTSTP);
	sigaddset(&set, SIGCONT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int watch_loop(struct watch *w)
{
	int64_t next = now_ms();

	for (;;) {
		struct ctl_answer a;
		int rc;

		ctl_ask(w->socket, "status", w->sfd, WATCH_ANSWER_TIMEOUT_MS, &a);
		if (a.result == CTL_INTERRUPTED) {
			enum watch_action act = take_signals(w);

			if (act == ACT_STOP)
				return EX_OK;
			if (act == ACT_REDRAW && draw(w) < 0)
				return EX_IOERR;
			continue;	/* ask again */
		}
		if (a.result == CTL_REFUSED) {
			/* Not something that waiting mends. */
			term_leave();
			fprintf(stderr, "mcrelay: cannot reach the daemon at %s: %s\n", w->socket,
				strerror(a.err));
			return EX_NOPERM;
		}
		take_answer(w, &a);
		if (draw(w) < 0)
			return EX_IOERR;
		/* The next one on the interval's beat; after a slow answer, a whole interval on. */
		next += w->v.interval_ms;
		if (next <= now_ms())
			next = now_ms() + w->v.interval_ms;
		rc = wait_next(w, next);
		if (rc <= 0)
			return rc == 0 ? EX_OK : EX_IOERR;
	}
}

int ctl_watch(const char *socket, unsigned interval_ms)
{
	struct watch w = {
		.socket = socket,
		.v = { .interval_ms = interval_ms, .socket = socket, .state = WATCH_STARTING },
	};
	int rc;

	w.v.now = w.now;
	w.v.since = w.since;
	w.v.body_time = w.body_time;
	w.sfd = signals_open();
	if (w.sfd < 0) {
		fprintf(stderr, "mcrelay: status --watch: signals: %s\n", strerror(errno));
		return EX_OSERR;
	}
	w.v.terminal = draws_in_place();
	if (w.v.terminal) {
		atexit(term_leave);
		term_size();
		term_enter();
	}
	rc = watch_loop(&w);
	int err = errno;

	term_leave();
	if (rc == EX_IOERR)
		fprintf(stderr, "mcrelay: status --watch: cannot write: %s\n", strerror(err));
	free(w.body);
	sb_free(&w.detail);
	close(w.sfd);
	return rc;
}
