#!/usr/bin/env python3
"""Writes seed inputs for the fuzz targets into DIR/{packet,conf,handoff,frag,http,monitor}."""
import os
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(payload, vlan=False, qinq=False, frag=0, ttl=16, group=(239, 1, 1, 1), port=5000):
    src, dst = bytes((10, 1, 0, 1)), bytes(group)
    udp_len = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", 40000, port, udp_len, 0) + payload
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0x1234, frag, ttl, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = bytes.fromhex("01005e010101" "020000000001")
    if qinq:
        eth += bytes.fromhex("88a8006481000064")
    eth += bytes.fromhex("8100000a0800") if vlan else bytes.fromhex("0800")
    return eth + ip + udp


def frag6(payload, offset, more):
    """An IPv6 fragment: the first (offset 0) keeps its UDP header, a later one's is payload."""
    f = bytearray(frame6(payload, exts=((44, 8),)))
    fh = 14 + 40
    struct.pack_into("!HI", f, fh + 2, offset << 3 | int(more), 0xdeadbeef)
    if offset == 0 and more:
        struct.pack_into("!H", f, fh + 8 + 4, 8 + len(payload) + 1000)   # the datagram's length
    return bytes(f)


def frame6(payload, exts=(), vlan=False, hlim=16, group="ff3e::1234", port=5000, last=17):
    """An IPv6 frame; exts: (next-header type, total length) of each extension header."""
    src, dst = socket.inet_pton(socket.AF_INET6, "2001:db8::1"), socket.inet_pton(socket.AF_INET6, group)
    types = [t for t, _ in exts] + [last]
    chain = b""
    for i, (t, n) in enumerate(exts):
        hlen = n // 4 - 2 if t == 51 else n // 8 - 1
        body = bytes((types[i + 1], hlen))
        if t == 0 or t == 60:
            body += bytes((1, n - 4)) + bytes(n - 4)     # PadN over the rest
        elif t == 43:
            body += bytes((0, 0)) + bytes(n - 4)          # type 0, segments left 0
        else:
            body += bytes(n - 2)
        chain += body
    udp_len = 8 + len(payload)
    pseudo = src + dst + struct.pack("!IxxxB", udp_len, 17)
    udp = struct.pack("!HHHH", 40000, port, udp_len, 0) + payload
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    if last != 17:
        udp = payload
    ip = struct.pack("!IHBB16s16s", 0x60000000, len(chain) + len(udp), types[0], hlim, src, dst)
    eth = bytes.fromhex("333300001234" "020000000001")
    eth += bytes.fromhex("8100000a86dd") if vlan else bytes.fromhex("86dd")
    return eth + ip + chain + udp


def rtp(seq, ssrc=0x1234):
    """A 12-byte RTP header, version 2, payload type 33."""
    return struct.pack("!BBHII", 0x80, 33, seq, seq * 90, ssrc)


def ts(pid, cc):
    """A 188-byte MPEG-TS packet with payload."""
    return struct.pack("!BHB", 0x47, pid, 0x10 | cc) + bytes(184)


def main():
    top = sys.argv[1]
    V = 7  # HANDOFF_VERSION
    a6 = lambda t: socket.inet_pton(socket.AF_INET6, t)
    # struct ho_rule: an IPv6 rule on VLAN 10 with two outputs (struct addr: 16 bytes
    # each), the second pending and tagged: slot, group, port, conf_index, flags, vlan.
    outs = [struct.pack("=I16sHBBHH", k, a6("ff3e::4321") if k == 0 else a6("ff3e::1234"),
                        0x7017 if k == 0 else 0, k, k, 20 * k, 0) for k in range(2)]
    # (port in network order, ttl mode and value, port range in host order, prefix
    # lengths, vlan, outputs, flags)
    # then the monitor (1: rtp) and 3 bytes of padding
    rule6 = (struct.pack("=64s16s16sHBBHHBBHII", b"six", a6("ff3e::1234"), a6("2001:db8::1"),
                         0x8813, 0, 0, 5000, 5000, 128, 128, 10, 2, 0) + b"".join(outs) +
             bytes(28 * 14) + struct.pack("=B3x", 1))
    # struct ho_worker_stats (vlan and ipv6_ext included), one ho_rule_stats.
    stats = struct.pack("=13Q4I", 1000, 1316000, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 0, 1, 0)
    stats += struct.pack("=64s4Q2d2I", b"six", 1000, 1316000, 1, 123456789, 50.5, 1e6, 2, 0)
    stats += b"".join(struct.pack("=5Q2d2I", 999, 1000, 1, 0, 2, 1.5, 2.5, k, 0) for k in range(16))
    # struct monitor_counts: missing, filled, errors, reordered, duplicates, resyncs,
    # invalid, sources, evicted
    stats += struct.pack("=9Q", 12, 2, 3, 5, 1, 1, 4, 3, 1)
    # Rates at the edge: two outputs at position 0 whose rates add up past the
    # largest double (infinity when summed for status), and a NaN (refused).
    def stats_with(rates):
        s = struct.pack("=13Q4I", 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0)
        s += struct.pack("=64s4Q2d2I", b"edge", 1, 2, 0, 0, rates[0], rates[1], 2, 0)
        s += b"".join(struct.pack("=5Q2d2I", 1, 2, 0, 0, 0, rates[0], rates[1], 0, 0)
                      for _ in range(16))
        return s + bytes(9 * 8)
    huge = stats_with((1.7e308, 1.7e308))
    nan = stats_with((float("nan"), 0.0))
    # Names for fuzz_http's metrics (see "http" below).
    NAMES = b"\0".join((b"1.0", b"eth0", b"video\"1", b"eth0", b"packet", b"rtp", b"eth1",
                        b"239.2.2.2", b"10.0.0.5:7000", b"six\nlines\xff", b"eth7", b"kernel",
                        b"off", b"eth8", b"ff3e::1", b"[2001:db8::5]:7000"))
    seeds = {
        # Port, flags (1: complete, 2: metadata tag, 4: output tag, 8: 802.1ad,
        # 0x20: rewrite to the packet's own destination), TCI; frame.
        "packet": [b"\0\0\x10\0\0" + frame(b"MCRL" + bytes(60)),
                   b"\x17\x70\x05\0\0" + frame(b"x" * 1000, vlan=True),
                   b"\0\0\x01\0\0" + frame(b"y" * 100, frag=0x2000),
                   b"\0\0\x02\0\0" + frame(b"z" * 100, frag=185),
                   b"\0\0\x12\x20\x64" + frame(b"m" * 64),
                   b"\0\0\x16\x00\xc8" + frame(b"o" * 64),
                   b"\0\0\x1a\x00\x64" + frame(b"s" * 64, vlan=True),
                   b"\0\0\x10\0\0" + frame(b"q" * 64, vlan=True, qinq=True),
                   b"\0\0\x10\0\0" + frame6(b"MCRL" + bytes(60)),
                   b"\x17\x70\x05\0\0" + frame6(b"x" * 1000, vlan=True),
                   b"\0\0\x16\x00\x64" + frame6(b"t" * 64),
                   # hop-by-hop, destination options, routing (segments left 0), AH
                   b"\0\0\x30\0\0" + frame6(b"w" * 200, exts=((0, 8), (60, 16), (43, 24), (51, 24))),
                   b"\0\0\x21\0\0" + frame6(b"v" * 100, exts=((0, 8), (44, 8))),   # fragment header
                   b"\0\0\x20\0\0" + frag6(b"f" * 100, offset=0, more=True),
                   b"\0\0\x20\0\0" + frag6(b"g" * 100, offset=185, more=False),
                   b"\0\0\x00\0\0" + frame6(bytes(24), exts=((0, 8),), last=58),  # MLD-like
                   b"\0\0\x10\0\0" + frame6(b"m" * 64, group="::ffff:239.1.1.1")],  # IPv4-mapped: dropped
        "conf": [open(os.path.join(os.path.dirname(__file__), "../../etc/mcrelay.conf"), "rb").read(),
                 b"[global]\nuser = nobody\n[rule a]\ninput = eth0\ngroup = 239.1.1.1\n"
                 b"port = 5000\noutput = eth1 239.2.2.2:6000\nttl = keep\n",
                 b"[rule six]\ninput = eth0\ngroup = ff3e::1234\nport = 5000\nsource = 2001:db8::1\n"
                 b"output = eth1 [ff3e::4321]:6000\noutput = eth2 ff3e::5\noutput = eth3 :7000\n",
                 b"[rule wide]\ninput = eth0 vlan 10\ngroup = 239.1.0.0/16\nport = 5000-5099\n"
                 b"source = 10.1.0.0/16\njoin = 239.1.2.3\noutput = eth1 vlan 20\n"
                 b"output = udp 192.0.2.1:6000\n"],
        "handoff": [b"\0" + struct.pack("=HHIQ", V, 6, 0, 0x0123456789abcdef),
                    b"\0" + struct.pack("=HHIQ", V, 4, 12, 0x0123456789abcdef) + bytes(12),
                    b"\0" + struct.pack("=HHIQ", V, 3, len(rule6), 0x0123456789abcdef) + rule6,
                    b"\0" + struct.pack("=HHIQ", V, 7, len(stats), 0x0123456789abcdef) + stats,
                    b"\0" + struct.pack("=HHIQ", V, 7, len(huge), 0x0123456789abcdef) + huge,
                    b"\0" + struct.pack("=HHIQ", V, 7, len(nan), 0x0123456789abcdef) + nan,
                    # struct ho_socket: an ingress socket, then a udp one
                    # (role, slot, ifindex, mtu, ifname, mac; the receive ring: block
                    # size, blocks, timeout, mode, frame size; the transmit ring: frame
                    # size, block size, blocks, frames; serial; udp family, port, address)
                    b"\1" + struct.pack("=HHIQ", V, 2, 112, 0x0123456789abcdef) +
                    struct.pack("=IIiI16s6s2xIIIIIIIIIxxxxQHH16s4x", 1, 0, 2, 1500, b"eth0",
                                bytes(6), 131072, 64, 1, 2, 1664, 0, 0, 0, 0, 0, 0, 0,
                                bytes(16)),
                    b"\1" + struct.pack("=HHIQ", V, 2, 112, 0x0123456789abcdef) +
                    struct.pack("=IIiI16s6s2xIIIIIIIIIxxxxQHH16s4x", 3, 1, 0, 1500, b"",
                                bytes(6), 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, socket.AF_INET6, 6000,
                                a6("2001:db8::2"))],
        # A secret, then (op|key, clock step, rule): a datagram, a spoofed first
        # fragment for it, its later fragments; then one past FRAG_TTL_NS.
        "frag": [bytes(range(16)) + bytes((0x85, 0, 1, 0x05, 1, 0, 0x85, 0, 2, 0x05, 0, 0,
                                           0x05, 160, 0, 0x85, 0, 2, 0x05, 0, 0))],
        # An even first byte: a request head, as Prometheus, curl and others send
        # it; an odd one: names for the metrics, NUL-separated (version, a
        # worker's input, then for each of two rules its name, input, path,
        # monitor, an output's interface and group, a udp destination), in
        # OpenMetrics (3) or the 0.0.4 format (1).
        "http": [b"\0GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9234\r\nUser-Agent: Prometheus/2.45.0"
                 b"\r\nAccept: application/openmetrics-text;version=1.0.0,text/plain;"
                 b"version=0.0.4;q=0.5\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n",
                 b"\0HEAD http://relay:9234/metrics?x HTTP/1.0\n\n",
                 b"\0\r\nPOST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi",
                 b"\0GET /metrics HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
                 b"\1" + NAMES, b"\3" + NAMES],
        # Mode (0 rtp, 1 mpegts), then (stream, length, payload): RTP packets with a
        # gap, a swap and a duplicate; 7 TS packets of PID 256, twice, one skipped.
        "monitor": [b"\0" + b"".join(struct.pack("<BH", 1, 12) + rtp(seq)
                                      for seq in (1, 2, 4, 3, 5, 5, 9)),
                    b"\1" + b"".join(struct.pack("<BH", 2, 7 * 188) +
                                      b"".join(ts(256, cc) for cc in ccs)
                                      for ccs in (range(7), range(8, 15)))],
    }
    for name, items in seeds.items():
        d = os.path.join(top, name)
        os.makedirs(d, exist_ok=True)
        for i, data in enumerate(items):
            with open(os.path.join(d, "seed%d" % i), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
