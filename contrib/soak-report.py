#!/usr/bin/env python3
"""soak-report.py DIR: the report of a contrib/soak.sh run, from the files
it left in DIR; prints the tables and a last line "soak: PASS" or
"soak: FAIL: ...", and exits 0 or 1.

DIR holds meta (key=value), windows.tsv (KIND TARGET START_NS END_NS NOTE),
receivers.tsv (NAME STREAM OUTPUT), streams.tsv (NAME START_NS LOG),
STREAM.sent (sent=, send_errors=, stop_ns=), RECEIVER.out (udprecv's
summary), RECEIVER.gaps (udprecv -G), samples.tsv (MINUTE LABEL PID RSS_KB
FDS) and status-end.json.
"""
import json
import os
import sys

KINDS = ["reload", "kill", "output", "input", "flood"]


def read_kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if "=" in line:
                k, v = line.split("=", 1)
                out.setdefault(k, []).append(v)
    return out


def read_tsv(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def fields(path):
    with open(path) as f:
        text = f.read()
    return dict(w.split("=", 1) for w in text.split() if "=" in w)


def main(d):
    meta = read_kv(os.path.join(d, "meta"))
    one = lambda k, default="0": meta.get(k, [default])[0]
    margin = int(one("margin_ms", "250")) * 1000000
    slack = int(one("rss_slack_kb", "1024"))
    minutes = int(one("minutes", "1"))
    failures = [p for p in meta.get("problem", [])]

    windows = []
    for kind, target, start, end, note in read_tsv(os.path.join(d, "windows.tsv")):
        windows.append((int(start), int(end), kind, target, note))
    windows.sort()

    streams = {}
    for name, start, _log in read_tsv(os.path.join(d, "streams.tsv")):
        sent = read_kv(os.path.join(d, name + ".sent"))
        streams[name] = {
            "start": int(start),
            "sent": int(sent["sent"][0]),
            "send_errors": int(sent.get("send_errors", ["0"])[0]),
            "stop": int(sent["stop_ns"][0]),
        }

    def affects(w, output):
        return w[2] != "output" or w[3] == output

    def window_of(lo, hi, output):
        """The first window touching send times (lo, hi) that can touch this output."""
        for w in windows:
            if affects(w, output) and lo < w[1] + margin and hi > w[0] - margin:
                return w
        return None

    lost_in = {k: 0 for k in KINDS}
    dup_in = {k: 0 for k in KINDS}
    outside = []
    rows = []
    for name, stream, output in read_tsv(os.path.join(d, "receivers.tsv")):
        st = streams[stream]
        summ = fields(os.path.join(d, name + ".out"))
        r = {"name": name, "stream": stream, "output": output, "in": 0, "out": 0,
             "dup_in": 0, "dup_out": 0, "unique": int(summ.get("unique", 0)),
             "drops": int(summ.get("drops", 0)), "bad": int(summ.get("bad_payload", 0))}
        gaps = []
        last_seq, last_ts = -1, 0
        with open(os.path.join(d, name + ".gaps")) as f:
            for line in f:
                w = line.split()
                if w[0] == "gap":
                    gaps.append((int(w[1]), int(w[2]), int(w[3]), int(w[4])))
                elif w[0] == "dup":
                    ts = int(w[2]) or st["start"]
                    win = window_of(ts, ts, output)
                    if win:
                        dup_in[win[2]] += 1
                        r["dup_in"] += 1
                    else:
                        r["dup_out"] += 1
                        outside.append((name, "duplicate", int(w[1]), int(w[1]), ts, ts))
                elif w[0] == "last":
                    last_seq, last_ts = int(w[1]), int(w[2])
        if last_seq < st["sent"] - 1:
            gaps.append((last_seq + 1, st["sent"] - 1, last_ts, st["stop"]))
        for first, last, before, after in gaps:
            n = last - first + 1
            lo, hi = before or st["start"], after or st["stop"]
            win = window_of(lo, hi, output)
            if win:
                lost_in[win[2]] += n
                r["in"] += n
            else:
                r["out"] += n
                outside.append((name, "lost", first, last, lo, hi))
        rows.append(r)

    t0 = min(s["start"] for s in streams.values())
    print("\n== streams (%d pps each, %d minutes, windows widened by %d ms)"
          % (int(one("rate")), minutes, margin // 1000000))
    for name, s in streams.items():
        print("  %-6s sent %9d  skipped by the sender %d" % (name, s["sent"], s["send_errors"]))

    print("\n== receivers")
    print("  %-9s %-6s %-6s %9s %9s %9s %7s %7s %6s %4s"
          % ("RECEIVER", "STREAM", "BEHIND", "UNIQUE", "LOST-IN", "LOST-OUT", "DUP-IN",
             "DUP-OUT", "DROPS", "BAD"))
    for r in rows:
        print("  %-9s %-6s %-6s %9d %9d %9d %7d %7d %6d %4d"
              % (r["name"], r["stream"], r["output"], r["unique"], r["in"], r["out"],
                 r["dup_in"], r["dup_out"], r["drops"], r["bad"]))

    print("\n== disturbances")
    print("  %-7s %7s %11s %12s %10s %9s"
          % ("KIND", "WINDOWS", "TOTAL (s)", "LONGEST (s)", "LOST", "DUPS"))
    for k in KINDS:
        ws = [w for w in windows if w[2] == k]
        dur = [(w[1] - w[0]) / 1e9 for w in ws]
        print("  %-7s %7d %11.2f %12.2f %10d %9d"
              % (k, len(ws), sum(dur), max(dur) if dur else 0, lost_in[k], dup_in[k]))
    floods = [w[4] for w in windows if w[2] == "flood"]
    if floods:
        print("  last flood: %s" % floods[-1])

    lost_out = sum(r["out"] for r in rows)
    dup_out = sum(r["dup_out"] for r in rows)
    if outside:
        # Runs less than a second apart on one receiver are one episode.
        episodes = []
        for name, what, first, last, lo, hi in sorted(outside, key=lambda o: (o[0], o[1], o[4])):
            e = episodes[-1] if episodes else None
            if e and e[0] == name and e[1] == what and lo - e[5] < 1000000000:
                e[2] += last - first + 1
                e[3] += 1
                e[5] = max(e[5], hi)
            else:
                episodes.append([name, what, last - first + 1, 1, lo, hi, first, last])
        print("\n== outside every window (send times from the start of the run)")
        for name, what, n, runs, lo, hi, first, last in episodes[:30]:
            print("  %-9s %-9s %6d in %d run(s) from #%d, sent between %.3f s and %.3f s"
                  % (name, what, n, runs, first, (lo - t0) / 1e9, (hi - t0) / 1e9))
        if len(episodes) > 30:
            print("  ... %d more episodes" % (len(episodes) - 30))
    if lost_out:
        failures.append("%d packets lost outside the disturbances" % lost_out)
    if dup_out:
        failures.append("%d duplicates outside the disturbances" % dup_out)
    for r in rows:
        if r["bad"]:
            failures.append("%s: %d bad payloads" % (r["name"], r["bad"]))
        if r["drops"]:
            failures.append("%s: its socket overflowed by %d" % (r["name"], r["drops"]))

    # Worker restarts: the kills, and nothing else.
    with open(os.path.join(d, "status-end.json")) as f:
        status = json.load(f)
    seen = sum(w.get("restarts", 0) for w in status.get("workers", []))
    kills = int(one("kills"))
    print("\n== worker restarts: expected %d (the kills), seen %d in status, %s in the log"
          % (kills, seen, one("killed_in_log")))
    if seen != kills:
        failures.append("worker restarts: %d seen, %d expected" % (seen, kills))
    if int(one("reloads_failed")):
        failures.append("%s reloads failed" % one("reloads_failed"))

    # Memory and descriptors, every minute.
    samples = {}
    for minute, label, pid, rss, fds in read_tsv(os.path.join(d, "samples.tsv")):
        samples.setdefault(label, {})[int(minute)] = (int(pid), int(rss), int(fds))
    labels = sorted(samples, key=lambda x: (x != "supervisor", x))
    warm = max(1, min(10, minutes // 3))
    print("\n== memory (RSS kB / descriptors), sampled each minute; warm-up %d min" % warm)
    print("  %-6s" % "MINUTE" + "".join("  %-22s" % l[:22] for l in labels))
    for m in range(minutes + 1):
        cells = []
        for l in labels:
            s = samples[l].get(m)
            cells.append("  %-22s" % ("%d / %d (pid %d)" % (s[1], s[2], s[0]) if s else "-"))
        print("  %-6d" % m + "".join(cells))
    print("\n  %-22s %9s %9s %7s %7s %7s  %s"
          % ("PROCESS", "RSS@WARM", "RSS MAX", "GROWTH", "FD@WARM", "FD MAX", "VERDICT"))
    for l in labels:
        after = sorted(m for m in samples[l] if m >= warm)
        if minutes not in samples[l]:
            failures.append("%s: not running at the end" % l)
        if not after:
            print("  %-22s %9s %9s %7s %7s %7s  %s" % (l, "-", "-", "-", "-", "-",
                                                     "no sample after the warm-up"))
            continue
        base = samples[l][after[0]]
        rss_max = max(samples[l][m][1] for m in after)
        fd_max = max(samples[l][m][2] for m in after)
        bad = []
        if rss_max - base[1] > slack:
            bad.append("RSS +%d kB > %d" % (rss_max - base[1], slack))
        if fd_max > base[2]:
            bad.append("descriptors +%d" % (fd_max - base[2]))
        print("  %-22s %9d %9d %+7d %7d %7d  %s"
              % (l, base[1], rss_max, rss_max - base[1], base[2], fd_max,
                 "flat" if not bad else "GROWS: " + ", ".join(bad)))
        failures.extend("%s: %s" % (l, b) for b in bad)

    print()
    if failures:
        print("soak: FAIL: " + "; ".join(failures))
        return 1
    print("soak: PASS (%d minutes: no loss outside %d disturbances, %d restarts as expected, "
          "memory and descriptors flat)" % (minutes, len(windows), seen))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write("usage: soak-report.py DIR\n")
        sys.exit(64)
    sys.exit(main(sys.argv[1]))
