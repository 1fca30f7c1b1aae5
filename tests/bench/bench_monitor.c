/*
 * bench_monitor: what the upstream-loss monitor costs per packet, as the
 * worker calls it (monitor_packet on a parsed frame), against the parse
 * alone.  Not a test: `make tests/bench/bench_monitor` and run it; it
 * prints ns per packet, the best of -r runs of -n packets (defaults 7 and
 * 2,000,000), for one RTP stream, 200 interleaved RTP streams, one
 * MPEG-TS stream of 7 transport packets per datagram over 4 PIDs, and 200
 * MPEG-TS streams (then only 64 are tracked, and each packet evicts one).
 */
#include "config.h"

#include "lib/monitor.h"
#include "lib/packet.h"
#include "../unit/monitor_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FRAMES 1000	/* distinct frames cycled through: whole rounds of 1 and 200 streams */

static uint8_t frames[FRAMES][1400];
static size_t lens[FRAMES];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* IPv4 UDP from 10.0.0.1:sport to 239.1.1.1:5004 (the checksum left 0: pkt_parse checks only IPv4's). */
static size_t frame(uint8_t *f, uint16_t sport, const uint8_t *pl, size_t n)
{
	uint32_t sum = 0;

	memset(f, 0, 42);
	memcpy(f, "\x01\x00\x5e\x01\x01\x01\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	f[14] = 0x45;
	f[16] = (uint8_t)((28 + n) >> 8), f[17] = (uint8_t)(28 + n);
	f[22] = 64, f[23] = 17;
	memcpy(f + 26, "\x0a\x00\x00\x01\xef\x01\x01\x01", 8);
	for (size_t i = 14; i < 34; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[24] = (uint8_t)(~sum >> 8), f[25] = (uint8_t)~sum;
	f[34] = (uint8_t)(sport >> 8), f[35] = (uint8_t)sport;
	f[36] = 0x13, f[37] = 0x8c;
	f[38] = (uint8_t)((8 + n) >> 8), f[39] = (uint8_t)(8 + n);
	memcpy(f + 42, pl, n);
	return 42 + n;
}

/* Frame i of a run over `streams` streams: stream i % streams, its packet i / streams. */
static void make(enum monitor_mode mode, unsigned streams, unsigned round)
{
	uint8_t pl[1400];

	for (unsigned i = 0; i < FRAMES; i++) {
		unsigned s = i % streams, k = round * (FRAMES / streams) + i / streams;
		size_t n;

		if (mode == MONITOR_RTP) {
			n = mg_rtp(pl, 12 + 7 * MG_TS, (uint16_t)k, 0x1000 + s);
		} else {
			n = 7 * MG_TS;
			for (unsigned j = 0; j < 7; j++)
				mg_ts(pl + j * MG_TS, 256 + (k * 7 + j) % 4, (k * 7 + j) / 4, 0);
		}
		lens[i] = frame(frames[i], (uint16_t)(7000 + s), pl, n);
	}
}

/* ns per packet over n packets; monitor NULL: the parse alone. */
static double run(enum monitor_mode mode, unsigned streams, unsigned long n, bool monitor)
{
	static const uint64_t secret[2] = { 1, 2 };
	struct monitor *m = monitor ? monitor_new(mode, secret) : NULL;
	unsigned long done = 0;
	uint64_t t0, spent = 0;
	unsigned round = 0;
	struct pkt p;

	while (done < n) {
		make(mode, streams, round++);	/* numbers go on from round to round */
		t0 = now_ns();
		for (unsigned i = 0; i < FRAMES && done < n; i++, done++) {
			if (pkt_parse(frames[i], lens[i], NULL, &p) != PKT_OK)
				abort();
			if (m != NULL)
				monitor_packet(m, &p);
		}
		spent += now_ns() - t0;
	}
	if (m != NULL) {
		const struct monitor_counts *c = monitor_get_counts(m);

		if (c->missing || c->errors || c->invalid)
			fprintf(stderr, "unexpected counts: missing %llu errors %llu invalid %llu\n",
				(unsigned long long)c->missing, (unsigned long long)c->errors,
				(unsigned long long)c->invalid);
	}
	monitor_free(m);
	return (double)spent / (double)n;
}

static double best(enum monitor_mode mode, unsigned streams, unsigned long n, int runs,
		   bool monitor)
{
	double b = 1e18;

	for (int r = 0; r < runs; r++) {
		double v = run(mode, streams, n, monitor);

		if (v < b)
			b = v;
	}
	return b;
}

int main(int argc, char **argv)
{
	unsigned long n = 2000000;
	int runs = 7, c;
	static const struct {
		const char *name;
		enum monitor_mode mode;
		unsigned streams;
	} cases[] = {
		{ "rtp, 1 stream", MONITOR_RTP, 1 },
		{ "rtp, 200 streams", MONITOR_RTP, 200 },
		{ "mpegts, 1 stream (7 TS packets, 4 PIDs)", MONITOR_MPEGTS, 1 },
		{ "mpegts, 200 streams (64 tracked)", MONITOR_MPEGTS, 200 },
	};

	while ((c = getopt(argc, argv, "n:r:")) != -1) {
		if (c == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (c == 'r')
			runs = atoi(optarg);
		else
			return 64;
	}
	if (n == 0 || runs <= 0)
		return 64;
	printf("%-44s %10s %10s %10s\n", "case", "parse ns", "+monitor", "monitor ns");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double base = best(cases[i].mode, cases[i].streams, n, runs, false);
		double with = best(cases[i].mode, cases[i].streams, n, runs, true);

		printf("%-44s %10.1f %10.1f %10.1f\n", cases[i].name, base, with, with - base);
	}
	return 0;
}
