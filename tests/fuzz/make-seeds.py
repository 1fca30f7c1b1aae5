#!/usr/bin/env python3
"""Writes seed inputs for the fuzz targets into DIR/{packet,conf,handoff,frag}."""
import os
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


def main():
    top = sys.argv[1]
    seeds = {
        # Port, flags (1: complete, 2: metadata tag, 4: output tag, 8: 802.1ad), TCI; frame.
        "packet": [b"\0\0\x10\0\0" + frame(b"MCRL" + bytes(60)),
                   b"\x17\x70\x05\0\0" + frame(b"x" * 1000, vlan=True),
                   b"\0\0\x01\0\0" + frame(b"y" * 100, frag=0x2000),
                   b"\0\0\x02\0\0" + frame(b"z" * 100, frag=185),
                   b"\0\0\x12\x20\x64" + frame(b"m" * 64),
                   b"\0\0\x16\x00\xc8" + frame(b"o" * 64),
                   b"\0\0\x1a\x00\x64" + frame(b"s" * 64, vlan=True),
                   b"\0\0\x10\0\0" + frame(b"q" * 64, vlan=True, qinq=True)],
        "conf": [open(os.path.join(os.path.dirname(__file__), "../../etc/mcrelay.conf"), "rb").read(),
                 b"[global]\nuser = nobody\n[rule a]\ninput = eth0\ngroup = 239.1.1.1\n"
                 b"port = 5000\noutput = eth1 239.2.2.2:6000\nttl = keep\n"],
        "handoff": [b"\0" + struct.pack("=HHIQ", 4, 6, 0, 0x0123456789abcdef),
                    b"\0" + struct.pack("=HHIQ", 4, 4, 12, 0x0123456789abcdef) + bytes(12),
                    b"\1" + struct.pack("=HHIQ", 4, 2, 64, 0x0123456789abcdef) +
                    struct.pack("=IIiI16s6s2xIIIIII", 1, 0, 2, 1500, b"eth0", bytes(6),
                                131072, 64, 1, 2, 1664, 0)],
        # A secret, then (op|key, clock step, rule): a datagram, a spoofed first
        # fragment for it, its later fragments; then one past FRAG_TTL_NS.
        "frag": [bytes(range(16)) + bytes((0x85, 0, 1, 0x05, 1, 0, 0x85, 0, 2, 0x05, 0, 0,
                                           0x05, 160, 0, 0x85, 0, 2, 0x05, 0, 0))],
    }
    for name, items in seeds.items():
        d = os.path.join(top, name)
        os.makedirs(d, exist_ok=True)
        for i, data in enumerate(items):
            with open(os.path.join(d, "seed%d" % i), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
