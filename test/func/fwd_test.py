#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Functional tests of nb-fwd: real processes on net_null, net_ring,
net_pcap, loop and net_tap ports, checked against exact expectations.

    fwd_test.py NB_FWD CASE        (CASE: see CASES at the end)

Exit 0 when the case passed, 1 with a message when it failed.
"""
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time

NB_FWD = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="nbfwd%d." % os.getpid())
NOHUGE = ["--no-huge", "--no-shconf", "-m", "512"] if os.environ.get("NB_TEST_NO_HUGE") else []
EAL = ["-l", "0-1"] + NOHUGE


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def run(eal, opts, timeout=60, expect_rc=0):
    """Run nb-fwd, return (stdout, summary JSON dict, period lines)."""
    jf = os.path.join(TMP, "out.json")
    if os.path.exists(jf):
        os.unlink(jf)
    cmd = [NB_FWD] + EAL + eal + ["--"] + opts + ["--json", jf]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, text=True)
    if p.returncode != expect_rc:
        raise Fail("%s: exit %d (want %d)\n%s\n%s" % (" ".join(cmd), p.returncode,
                   expect_rc, p.stdout[-3000:], p.stderr[-3000:]))
    check("runtime error:" not in p.stderr and "Sanitizer" not in p.stderr,
          "sanitizer report:\n" + p.stderr[-3000:])
    lines = [json.loads(l) for l in open(jf)] if os.path.exists(jf) else []
    summ = [l for l in lines if l["type"] == "summary"]
    check(len(summ) == 1, "no summary JSON: " + p.stdout[-2000:])
    check("buffers lost: 0" in p.stdout, "no 'buffers lost: 0' line")
    check(summ[0]["buffers_lost"] == 0, "buffers lost")
    return p.stdout, summ[0], [l for l in lines if l["type"] == "period"]


# ---- frames and pcap files ------------------------------------------------

def csum16(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ipv4(src, dst, proto, payload, ihl=5, tot=None, ttl=64, bad_csum=False, frag=0):
    vl = 0x40 | ihl
    tot = 20 + len(payload) if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", vl, 0, tot, 1, frag, ttl, proto, 0,
                    bytes(src), bytes(dst))
    c = csum16(h)
    if bad_csum:
        c ^= 0x5555
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def udp(src_ip, dst_ip, sp, dp, data, ulen=None, bad_csum=False, zero_csum=False):
    ulen = 8 + len(data) if ulen is None else ulen
    h = struct.pack("!HHHH", sp, dp, ulen, 0) + data
    if zero_csum:
        return h
    ph = bytes(src_ip) + bytes(dst_ip) + struct.pack("!BBH", 0, 17, len(h))
    c = csum16(ph + h) or 0xffff
    if bad_csum:
        c ^= 0x1234
    return h[:6] + struct.pack("!H", c) + h[8:]


def tcp(src_ip, dst_ip, sp, dp, data, bad_csum=False):
    h = struct.pack("!HHIIBBHHH", sp, dp, 1, 0, 5 << 4, 0x18, 1024, 0, 0) + data
    ph = bytes(src_ip) + bytes(dst_ip) + struct.pack("!BBH", 0, 6, len(h))
    c = csum16(ph + h)
    if bad_csum:
        c ^= 0x4321
    return h[:16] + struct.pack("!H", c) + h[18:]


A = [198, 18, 0, 1]
B = [198, 18, 0, 2]
SMAC = mac("02:11:22:33:44:55")
DMAC = mac("02:66:77:88:99:aa")


def eth(payload, et=0x0800, vlans=0):
    h = DMAC + SMAC
    for i in range(vlans):
        h += struct.pack("!HH", 0x8100, 100 + i)
    return h + struct.pack("!H", et) + payload


def udp6(src, dst, sp, dp, data, bad_csum=False):
    """UDP over IPv6: the checksum over the RFC 8200 pseudo header."""
    h = struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data
    ph = bytes(src) + bytes(dst) + struct.pack("!IxxxB", len(h), 17)
    c = csum16(ph + h) or 0xffff
    if bad_csum:
        c ^= 0x2222
    return h[:6] + struct.pack("!H", c) + h[8:]


def ipv6(src, dst, nh, payload):
    """IPv6 whose first next header is nh (payload: extensions and L4)."""
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, 64) + bytes(src) + \
        bytes(dst) + payload


A6 = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1])
B6 = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [2])


def good_udp6(n=0, bad_l4=False, hbh=False):
    data = bytes((n + i) & 0xff for i in range(30))
    u = udp6(A6, B6, 4000 + n, 53, data, bad_csum=bad_l4)
    if hbh:		# a hop-by-hop header before UDP: 8 bytes, one PadN
        return eth(ipv6(A6, B6, 0, bytes([17, 0, 1, 4, 0, 0, 0, 0]) + u), et=0x86dd)
    return eth(ipv6(A6, B6, 17, u), et=0x86dd)


def good_udp(n=0, size=64, bad_ip=False, bad_l4=False):
    data = bytes((n + i) & 0xff for i in range(size - 42))
    return eth(ipv4(A, B, 17, udp(A, B, 1000 + n, 2000, data, bad_csum=bad_l4),
                    bad_csum=bad_ip))


def good_tcp(n=0, bad_l4=False):
    return eth(ipv4(A, B, 6, tcp(A, B, 3000 + n, 80, b"hello tcp", bad_csum=bad_l4)))


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1, i, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    out = []
    with open(path, "rb") as f:
        d = f.read()
    off = 24
    while off + 16 <= len(d):
        _, _, incl, _ = struct.unpack("<IIII", d[off:off + 16])
        out.append(d[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


# Malformed frames: (name, frame, reason for L2-only engines, reason for
# engines that parse L2-L4); None: the frame is fine for that engine.
def malformed():
    udp8 = udp(A, B, 1, 2, b"")
    return [
        ("zero", b"", "zero-length", "zero-length"),
        ("runt", b"\x01" * 10, "runt", "runt"),
        ("vlan-stack", eth(ipv4(A, B, 17, udp(A, B, 1, 2, b"x" * 20)), et=0x0800, vlans=3),
         None, "vlan-stack"),
        ("trunc-l3", eth(b"\x45" + b"\0" * 9), None, "truncated-l3"),
        ("bad-ihl", eth(ipv4(A, B, 17, udp(A, B, 1, 2, b"y" * 30), ihl=3)), None, "bad-ihl"),
        ("bad-ihl-ver", b"", None, None),
        ("bad-ip-len", eth(ipv4(A, B, 17, udp(A, B, 1, 2, b"z" * 22), tot=1000)), None, "bad-ip-length"),
        ("trunc-l4", eth(ipv4(A, B, 17, b"\0" * 4) + b"\0" * 22), None, "truncated-l4"),
        ("bad-l4-len", eth(ipv4(A, B, 17, udp(A, B, 1, 2, b"w" * 22, ulen=200))), None, "bad-l4-length"),
        ("tcp-bad-doff", eth(ipv4(A, B, 6, struct.pack("!HHIIBBHHH", 1, 2, 0, 0, 2 << 4, 0, 0, 0, 0) + b"\0" * 6)),
         None, "bad-l4-length"),
    ]


def malformed_set():
    fr = []
    for name, f, l2, l4 in malformed():
        if name == "bad-ihl-ver":
            continue
        fr.append((name, f, l2, l4))
    return fr


REASONS = ["zero-length", "runt", "vlan-stack", "split-header",
           "truncated-l3", "bad-ihl", "bad-ip-length", "truncated-l4",
           "bad-l4-length"]

# ---- cases ----------------------------------------------------------------


def case_cli():
    p = subprocess.run([NB_FWD, "--help"], stdout=subprocess.PIPE, text=True)
    check(p.returncode == 0, "--help exit %d" % p.returncode)
    for o in ["forward-mode", "nb-cores", "rxq", "txq", "rxd", "txd", "burst",
              "txpkts", "stats-period", "eth-peer", "total-num-mbufs",
              "mbcache", "port-topology", "flowgen-flows", "duration", "json",
              "pool-ops", "pool-mode", "ip", "port", "flush-rx", "help",
              "version", "latency", "max-pkt-len"]:
        blocks = p.stdout.split("\n  --")
        blk = [b for b in blocks if b.split(" ")[0] == o]
        check(blk, "--help does not list --" + o)
        check("[" in blk[0] or o in ("help", "version"), "--help gives no default for --" + o)
    for m in ["io", "mac", "macswap", "5tswap", "rxonly", "txonly", "flowgen",
              "csum", "icmpecho", "clone-fanout", "pipeline"]:
        check((" " + m + " ") in p.stdout, "--help does not list mode " + m)
    p = subprocess.run([NB_FWD, "--version"], stdout=subprocess.PIPE, text=True)
    check(p.returncode == 0 and "nb-fwd" in p.stdout and "DPDK" in p.stdout, "--version")
    bad = [(["--burst", "0"], "--burst"), (["--burst", "x"], "--burst"),
           (["--forward-mode", "nope"], "--forward-mode"),
           (["--port-topology", "ring"], "--port-topology"),
           (["--txpkts", "10"], "--txpkts"), (["--eth-peer", "0,zz"], "--eth-peer"),
           (["--ip", "1.2.3"], "--ip"), (["--pool-ops", "x"], "--pool-ops"),
           (["--pool-mode", "x"], "--pool-mode"), (["--bogus"], "--bogus"),
           (["--duration", "-1"], "--duration"), (["--rxq", "0"], "--rxq"),
           (["--mbcache", "9999"], "--mbcache"), (["--stats-period"], "--stats-period"),
           # a segment larger than a buffer's data room (it wrote past the
           # buffer: issue 17)
           (["--forward-mode", "txonly", "--txpkts", "4000"], "--txpkts"),
           (["--forward-mode", "flowgen", "--txpkts", "64,2100,64"], "--txpkts"),
           (["--forward-mode", "txonly", "--mbuf-size", "144"], "--txpkts"),
           # numbers and lists as testpmd reads them (issue 17)
           (["--txpkts", "64,,64"], "--txpkts"), (["--txpkts", "64,"], "--txpkts"),
           (["--burst", "0x10"], "--burst"), (["--burst", " 8"], "--burst"),
           (["--stats-period", "1e-7"], "--stats-period"),
           (["--pipeline-ring", "100"], "--pipeline-ring"),
           (["--pipeline-ring", "2097152"], "--pipeline-ring")]
    for args, name in bad:
        p = subprocess.run([NB_FWD, "--"] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        check(p.returncode == 2, "%s: exit %d, want 2" % (args, p.returncode))
        lines = p.stderr.strip().splitlines()
        check(len(lines) == 1 and name in lines[0], "%s: stderr %r" % (args, p.stderr))
    # DPDK linked once, statically (EAL twice panics; shared costs a call
    # per rte_lcore_id())
    p = subprocess.run(["ldd", NB_FWD], stdout=subprocess.PIPE, text=True)
    check("librte_eal" not in p.stdout, "nb-fwd loads DPDK's shared libraries")
    # no port at all: exit 2, one line
    p = subprocess.run([NB_FWD] + EAL + ["--", "--duration", "1"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check(p.returncode == 2 and "no ports" in p.stderr, "no ports: %d %s" % (p.returncode, p.stderr))


NULL2 = ["--vdev", "net_null0", "--vdev", "net_null1"]


def forwarded_equal(s):
    """Every packet one port received left through its peer."""
    ports = s["ports"]
    st = s["streams"]
    check(st["rx"] > 0, "nothing received")
    check(st["rx"] == st["tx"] + st["tx_dropped"] + st["engine_dropped"],
          "streams: rx %d != tx %d + tx_dropped %d + dropped %d" %
          (st["rx"], st["tx"], st["tx_dropped"], st["engine_dropped"]))
    check(ports[0]["rx_packets"] == ports[1]["tx_packets"] + ports[1]["tx_dropped"],
          "port0 rx %d != port1 tx %d + dropped %d" % (ports[0]["rx_packets"],
          ports[1]["tx_packets"], ports[1]["tx_dropped"]))
    check(ports[1]["rx_packets"] == ports[0]["tx_packets"] + ports[0]["tx_dropped"],
          "port1 rx != port0 tx + dropped")


def case_null_modes():
    for m in ["io", "mac", "macswap", "5tswap", "csum"]:
        out, s, per = run(NULL2, ["--forward-mode", m, "--duration", "1.5",
                                  "--stats-period", "0.5"])
        forwarded_equal(s)
        check(s["streams"]["engine_dropped"] == 0, m + ": engine dropped frames")
        check(len(per) >= 2, m + ": fewer than 2 period lines")
        check("RX-packets:" in out and "TX-dropped:" in out and "RX-nombuf:" in out,
              m + ": summary fields")
        check(out.count("Mpps") >= 2, m + ": no stats lines")
        check("burst_hist" not in s and "RX-bursts" not in out,
              m + ": burst histogram without --record-burst-stats")
        check(s["cores"] and s["cores"][0]["cycles_per_packet"] > 0, m + ": no cycles/packet")


def case_burst_stats():
    out, s, _ = run(NULL2, ["--forward-mode", "io", "--duration", "1",
                            "--record-burst-stats"])
    h = s.get("burst_hist", {})
    check(h and "RX-bursts:" in out, "--record-burst-stats: no histogram")
    # net_null always has a full burst: every non-empty burst is 32 and
    # the bursts account for every packet received
    rx = sum(p["rx_packets"] for p in s["ports"])
    check(rx > 0 and h.get("32", 0) > 0 and set(h) <= {"0", "32"} and
          h["32"] * 32 == rx, "--record-burst-stats: %s for %d packets" % (h, rx))
    line = "RX-bursts: %d empty, %d non-empty: [32]=100%%" % (h.get("0", 0), h.get("32", 0))
    check(line in out, "--record-burst-stats: no line '%s'" % line)


def case_directions():
    _, s, _ = run(NULL2, ["--forward-mode", "rxonly", "--duration", "1"])
    check(all(p["rx_packets"] > 0 and p["tx_packets"] == 0 for p in s["ports"]),
          "rxonly: %s" % s["ports"])
    for m in ["txonly", "flowgen"]:
        _, s, _ = run(NULL2, ["--forward-mode", m, "--duration", "1"])
        check(all(p["tx_packets"] > 0 and p["rx_packets"] == 0 for p in s["ports"]),
              "%s: %s" % (m, s["ports"]))
    _, s, _ = run(NULL2, ["--forward-mode", "txonly", "--txpkts", "20,30,14",
                          "--duration", "1"])
    check(all(p["tx_packets"] > 0 for p in s["ports"]), "txonly multi-segment")
    # a pool too small for a burst of whole packets: fewer packets per
    # burst, not a stall counting nombuf forever (issue 17)
    for m, extra in (("txonly", ["--txpkts", "64,64,64,64"]),
                     ("flowgen", ["--burst", "512"])):
        _, s, _ = run(NULL2, ["--forward-mode", m, "--total-num-mbufs", "100",
                              "--mbcache", "0", "--duration", "1"] + extra)
        check(all(p["tx_packets"] > 0 for p in s["ports"]),
              "%s from 100 buffers: %s" % (m, s["ports"]))


def case_latency_loop():
    # txonly --latency on a loop pair: every frame sent comes back on the
    # other end, is parsed as Ether/IPv4/UDP and carries its stamp.
    for txp in (["--txpkts", "64"], ["--txpkts", "60,40"]):
        _, s, _ = run([], ["--port", "loop:lat%d/0" % os.getpid(),
                           "--port", "loop:lat%d/1" % os.getpid(),
                           "--forward-mode", "txonly", "--latency",
                           "--duration", "1"] + txp)
        lat = s.get("latency")
        check(lat is not None, "no latency section")
        sent = sum(p["tx_packets"] for p in s["ports"])
        check(sent > 0, "nothing sent")
        check(lat["samples"] == sent, "samples %d != sent %d" % (lat["samples"], sent))
        check(lat["lost"] == 0 and lat["reordered"] == 0, "gaps on a lossless loop: %s" % lat)
        check(0 < lat["min_ns"] <= lat["p50_ns"] <= lat["p99_ns"] <= lat["p999_ns"] <= lat["max_ns"],
              "percentiles out of order: %s" % lat)
        check(all(v == 0 for v in s["bad"].values()), "txonly frames parsed as bad: %s" % s["bad"])
        check(s["streams"]["not_ip"] == 0, "txonly frames not IPv4/UDP")


def case_ring():
    # net_ring0 without nodeaction is a loopback: what it sends comes back.
    _, s, _ = run(["--vdev", "net_ring0"], ["--forward-mode", "txonly", "--latency",
                                            "--port-topology", "loop", "--duration", "1"])
    sent = s["ports"][0]["tx_packets"]
    check(sent > 0 and s["latency"]["samples"] == sent, "net_ring: %s" % s["latency"])
    check(s["latency"]["lost"] == 0, "net_ring lost")


def pcap_run(mode, frames, extra_eal=None, extra=None, nports=1):
    inp = os.path.join(TMP, "in.pcap")
    write_pcap(inp, frames)
    eal = []
    outs = []
    for i in range(nports):
        o = os.path.join(TMP, "out%d.pcap" % i)
        if os.path.exists(o):
            os.unlink(o)
        outs.append(o)
        src = inp if i == 0 else os.path.join(TMP, "empty.pcap")
        if i > 0:
            write_pcap(src, [])
        eal += ["--vdev", "net_pcap%d,rx_pcap=%s,tx_pcap=%s" % (i, src, o)]
    _, s, _ = run(eal + (extra_eal or []), ["--forward-mode", mode, "--duration", "1",
                                            "--port-topology", "loop"] + (extra or []))
    return s, [read_pcap(o) for o in outs]


def case_pcap_content():
    frames = [good_udp(i) for i in range(8)] + [good_tcp(i) for i in range(4)]
    # io: byte for byte
    s, outs = pcap_run("io", frames)
    check(outs[0] == frames, "io changed frames")
    # --flush-rx drains what is queued before forwarding (the whole file
    # here); without it nothing is swallowed (checked just above)
    s, outs = pcap_run("io", frames, extra=["--flush-rx"])
    check(outs[0] == [] and s["ports"][0]["rx_packets"] == 0, "--flush-rx forwarded frames")
    # macswap
    s, outs = pcap_run("macswap", frames)
    check(outs[0] == [f[6:12] + f[0:6] + f[12:] for f in frames], "macswap output")
    # mac: dst = --eth-peer, src = the port's MAC (the same on every frame)
    s, outs = pcap_run("mac", frames, extra=["--eth-peer", "0,02:aa:bb:cc:dd:ee"])
    check(len(outs[0]) == len(frames), "mac: count")
    check(all(o[0:6] == mac("02:aa:bb:cc:dd:ee") for o in outs[0]), "mac: dst")
    check(len(set(o[6:12] for o in outs[0])) == 1, "mac: src differs")
    check(all(o[12:] == f[12:] for o, f in zip(outs[0], frames)), "mac: payload changed")
    # 5tswap: MACs, addresses and ports swapped, checksums still valid
    s, outs = pcap_run("5tswap", frames)
    want = []
    for f in frames:
        ip = f[14:34]
        l4 = f[34:]
        w = f[6:12] + f[0:6] + f[12:14] + ip[:12] + ip[16:20] + ip[12:16] + l4[2:4] + l4[0:2] + l4[4:]
        want.append(w)
    check(outs[0] == want, "5tswap output")


def case_csum():
    frames = [good_udp(0), good_udp(1, bad_ip=True), good_udp(2, bad_l4=True),
              good_tcp(3, bad_l4=True), good_tcp(4), good_udp(5, bad_ip=True, bad_l4=True)]
    fixed = [good_udp(0), good_udp(1), good_udp(2), good_tcp(3), good_tcp(4), good_udp(5)]
    keep = ["--csum-keep-l2"]
    s, outs = pcap_run("csum", frames, extra=keep)
    check(s["streams"]["csum_bad_ip"] == 2, "bad ip csum count %d" % s["streams"]["csum_bad_ip"])
    check(s["streams"]["csum_bad_l4"] == 3, "bad l4 csum count %d" % s["streams"]["csum_bad_l4"])
    check(outs[0] == fixed, "csum did not fix the frames")
    # by default csum sets the MACs as testpmd's csum engine (and mac mode)
    # does: dst = --eth-peer, src = the port's; the rest as with keep-l2
    s, outs = pcap_run("csum", frames, extra=["--eth-peer", "0,02:aa:bb:cc:dd:ee"])
    check(len(outs[0]) == len(frames), "csum: count")
    check(all(o[0:6] == mac("02:aa:bb:cc:dd:ee") for o in outs[0]), "csum: dst MAC")
    check(len(set(o[6:12] for o in outs[0])) == 1 and outs[0][0][6:12] != fixed[0][6:12],
          "csum: src MAC not the port's")
    check([o[12:] for o in outs[0]] == [f[12:] for f in fixed], "csum: past L2")
    # IPv4 fragments (issue 17): csum fixes the IP header and leaves L4
    # alone (a fragment's L4 checksum covers the whole datagram); 5tswap
    # swaps the addresses, not the ports
    first = eth(ipv4(A, B, 17, udp(A, B, 1111, 2222, bytes(range(40)), ulen=1208),
                     frag=0x2000, bad_csum=True))
    later = eth(ipv4(A, B, 17, bytes(range(7, 47)), frag=0x0096, bad_csum=True))
    ok_first = eth(ipv4(A, B, 17, udp(A, B, 1111, 2222, bytes(range(40)), ulen=1208),
                        frag=0x2000))
    ok_later = eth(ipv4(A, B, 17, bytes(range(7, 47)), frag=0x0096))
    s, outs = pcap_run("csum", [first, later], extra=keep)
    check(s["bad"] == {r: 0 for r in REASONS}, "fragments counted bad: %s" % s["bad"])
    check(outs[0] == [ok_first, ok_later], "csum on fragments: %s" % outs[0])
    check(s["streams"]["csum_bad_ip"] == 2 and s["streams"]["csum_bad_l4"] == 0,
          "csum on fragments: counts %s" % s["streams"])
    s, outs = pcap_run("5tswap", [ok_first, ok_later])
    want = [f[6:12] + f[0:6] + f[12:26] + f[30:34] + f[26:30] + f[34:]
            for f in (ok_first, ok_later)]
    check(outs[0] == want, "5tswap on fragments")
    # IPv6 (issue 17): csum verifies and fixes UDP over IPv6, also behind a
    # hop-by-hop header; 5tswap swaps the 16-byte addresses and the ports
    v6 = [good_udp6(0), good_udp6(1, bad_l4=True), good_udp6(2, hbh=True),
          good_udp6(3, bad_l4=True, hbh=True)]
    v6ok = [good_udp6(0), good_udp6(1), good_udp6(2, hbh=True), good_udp6(3, hbh=True)]
    s, outs = pcap_run("csum", v6, extra=keep)
    check(s["bad"] == {r: 0 for r in REASONS}, "IPv6 counted bad: %s" % s["bad"])
    check(s["streams"]["not_ip"] == 0 and s["streams"]["csum_bad_l4"] == 2,
          "csum on IPv6: counts %s" % s["streams"])
    check(outs[0] == v6ok, "csum on IPv6 did not fix the frames")
    s, outs = pcap_run("5tswap", v6ok)
    want = []
    for f in v6ok:
        l3 = 40 + (8 if f[20] == 0 else 0)
        l4 = f[14 + l3:]
        want.append(f[6:12] + f[0:6] + f[12:22] + f[38:54] + f[22:38] + f[54:14 + l3] +
                    l4[2:4] + l4[0:2] + l4[4:])
    check(outs[0] == want, "5tswap on IPv6")


def expect_bad(kind):
    """Per-reason counts the malformed set gives an engine of that kind."""
    want = {r: 0 for r in REASONS}
    for name, f, l2, l4 in malformed_set():
        r = l2 if kind == "l2" else (l4 if kind == "l4" else None)
        if r:
            want[r] += 1
    return want


def case_malformed():
    ms = malformed_set()
    frames = [f for _, f, _, _ in ms]
    good = [good_udp(i) for i in range(3)]
    allf = good + frames
    kinds = {"io": None, "mac": "l2", "macswap": "l2", "5tswap": "l4", "csum": "l4",
             "rxonly": None, "pipeline": "l2"}
    for mode, kind in kinds.items():
        s, outs = pcap_run(mode, allf)
        want = expect_bad(kind) if kind else {r: 0 for r in REASONS}
        check(s["bad"] == want, "%s: bad %s, want %s" % (mode, s["bad"], want))
        nbad = sum(want.values())
        rx = s["ports"][0]["rx_packets"]
        check(rx == len(allf), "%s: received %d of %d frames" % (mode, rx, len(allf)))
        if mode == "rxonly":
            continue
        check(len(outs[0]) == len(allf) - nbad, "%s: sent %d, want %d" % (mode, len(outs[0]), len(allf) - nbad))
        if mode == "io":
            check(outs[0] == allf, "io changed a malformed frame")
    # clone-fanout passes every frame on unchanged to the other port
    s, outs = pcap_run("clone-fanout", allf, nports=2)
    check(s["bad"] == {r: 0 for r in REASONS}, "clone-fanout counted: %s" % s["bad"])
    check(outs[1] == allf and outs[0] == [], "clone-fanout output differs")
    # rxonly --latency parses every frame
    s, _ = pcap_run("rxonly", allf, extra=["--latency"])
    check(s["bad"] == expect_bad("l4"), "rxonly --latency: %s" % s["bad"])
    # icmpecho parses every frame, answers none of these
    s, outs = pcap_run("icmpecho", allf, extra=["--ip", "198.18.0.2"])
    check(s["bad"] == expect_bad("l4"), "icmpecho: %s" % s["bad"])
    check(outs[0] == [], "icmpecho answered a non-request")
    # headers split across segments: 32 bytes per segment
    s, outs = pcap_run("5tswap", good, extra=["--mbuf-size", "160"])
    check(s["bad"]["split-header"] == len(good), "split header: %s" % s["bad"])
    s, outs = pcap_run("macswap", good, extra=["--mbuf-size", "160"])
    check(s["bad"]["split-header"] == 0 and len(outs[0]) == len(good), "macswap on 32-byte segments")
    check(outs[0] == [f[6:12] + f[0:6] + f[12:] for f in good], "macswap multi-segment output")


def case_fanout():
    eal = NULL2 + ["--vdev", "net_null2"]
    _, s, _ = run(eal, ["--forward-mode", "clone-fanout", "--duration", "1"])
    ports = s["ports"]
    for i, p in enumerate(ports):
        others = sum(q["rx_packets"] for j, q in enumerate(ports) if j != i)
        check(others > 0, "nothing received")
        check(p["tx_packets"] + p["tx_dropped"] == others,
              "port %d: tx %d + dropped %d != rx of others %d" % (i, p["tx_packets"], p["tx_dropped"], others))
    check(s["streams"]["nombuf"] == 0, "clone allocation failed")


def case_pipeline():
    _, s, _ = run(NULL2, ["--forward-mode", "pipeline", "--duration", "1.5"])
    st = s["streams"]
    check(st["rx"] > 0 and st["tx"] > 0, "pipeline moved nothing")
    check(st["rx"] == st["tx"] + st["tx_dropped"] + st["engine_dropped"],
          "pipeline: rx %d != tx %d + tx_dropped %d + ring drops %d" %
          (st["rx"], st["tx"], st["tx_dropped"], st["engine_dropped"]))
    check(len(s["cores"]) == 2, "pipeline did not run on two lcores: %s" % s["cores"])


def case_sigint():
    jf = os.path.join(TMP, "sig.json")
    cmd = [NB_FWD] + EAL + NULL2 + ["--", "--stats-period", "1", "--json", jf]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    check(p.returncode == 0, "exit %d after SIGINT\n%s" % (p.returncode, err))
    check("buffers lost: 0" in out, "no 'buffers lost: 0'")
    s = [json.loads(l) for l in open(jf)][-1]
    check(s["type"] == "summary" and s["ports"][0]["rx_packets"] > 0, "no traffic before SIGINT")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    check(p.returncode == 0 and "buffers lost: 0" in out, "SIGTERM: exit %d" % p.returncode)
    # a signal during start-up (EAL, pool, ports): the handlers are in place
    # before EAL starts; nb-fwd stops at once, prints its summary, exits 0.
    # Also from a background job whose SIGINT is ignored (sh's '&').
    for delay in (0.1, 0.2, 0.4):
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        check(p.returncode == 0 and "buffers lost: 0" in out,
              "SIGINT after %.2f s: exit %d\n%s" % (delay, p.returncode, err[-1000:]))
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    check(p.returncode == 0 and "buffers lost: 0" in out,
          "SIGINT with SIGINT ignored at exec: exit %d" % p.returncode)
    # three buffers kept out: the audit finds them, the exit code says so
    env = dict(os.environ, NB_FWD_TEST_LEAK="3")
    p = subprocess.run([NB_FWD] + EAL + NULL2 + ["--", "--duration", "1", "--json", jf],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    check(p.returncode == 1 and "buffers lost: 3" in p.stdout, "leak: exit %d, %s" %
          (p.returncode, p.stdout[-300:]))
    s = [json.loads(l) for l in open(jf)][-1]
    check(s["buffers_lost"] == 3, "JSON buffers_lost %s" % s["buffers_lost"])


def sh(*a, check_rc=True):
    p = subprocess.run(list(a), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check_rc and p.returncode != 0:
        raise Fail("%s: %s" % (" ".join(a), p.stderr.strip()))
    return p.stdout


def case_icmpecho():
    """The kernel pings nb-fwd through a net_tap moved into a namespace
    this test creates (198.18.0.0/15 only); nb-fwd answers ARP and echo:
    for --ip, and without it for every address, as testpmd does."""
    for withip in (True, False):
        icmpecho_run(withip)


def icmpecho_run(withip):
    pid = os.getpid()
    iface = "nbfe%d" % (pid % 100000)
    ns = "nbfwd%d" % pid
    net = "198.19.%d" % (pid % 250 + 1)
    jf = os.path.join(TMP, "icmp.json")
    cmd = [NB_FWD] + EAL + ["--vdev", "net_tap0,iface=" + iface, "--",
                            "--forward-mode", "icmpecho", "--json", jf]
    if withip:
        cmd += ["--ip", net + ".2"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        check(line.startswith("nb-fwd: icmpecho"), "nb-fwd did not start: %r %s" % (line, p.stderr.read() if p.poll() is not None else ""))
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "set", iface, "netns", ns)
        sh("ip", "-n", ns, "addr", "add", net + ".1/24", "dev", iface)
        sh("ip", "-n", ns, "link", "set", iface, "up")
        out = sh("ip", "netns", "exec", ns, "ping", "-c", "5", "-i", "0.2", "-W", "2",
                 net + ".2", check_rc=False)
        check(" 5 received" in out, "kernel got no replies (--ip %s): %s" % (withip, out))
        replies = 5
        if not withip:
            # any address of the subnet answers, not only .2
            out = sh("ip", "netns", "exec", ns, "ping", "-c", "2", "-i", "0.2", "-W", "2",
                     net + ".77", check_rc=False)
            check(" 2 received" in out, "no reply for .77 without --ip: %s" % out)
            replies += 2
        else:
            out = sh("ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "1",
                     net + ".77", check_rc=False)
            check(" 0 received" in out, "--ip %s.2 answered .77: %s" % (net, out))
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        check(p.returncode == 0 and "buffers lost: 0" in out, "exit %d\n%s" % (p.returncode, err[-2000:]))
        s = [json.loads(l) for l in open(jf)][-1]
        check(s["streams"]["icmp_replies"] == replies,
              "icmp replies %d, want %d" % (s["streams"]["icmp_replies"], replies))
        check(s["streams"]["arp_replies"] >= 1, "no ARP reply")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def case_telemetry():
    """The pool, port and reactor endpoints answer while nb-fwd runs."""
    tel = "/usr/bin/dpdk-telemetry.py"
    check(os.path.exists(tel), "no " + tel)
    prefix = "nbfwdtel%d" % os.getpid()
    eal = ["-l", "0-1", "--in-memory", "--file-prefix", prefix] + NULL2
    cmd = [NB_FWD] + eal + ["--", "--stats-period", "1"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        check(line.startswith("nb-fwd: io"), "nb-fwd did not start: %r" % line)
        time.sleep(1)
        q = "\n".join(["/nbkit/pool/list", "/nbkit/port/list", "/nbkit/reactor/list",
                        "/ethdev/list"]) + "\n"
        t = subprocess.run([tel, "-f", prefix], input=q, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=30)
        out = t.stdout
        for ep in ["/nbkit/pool/list", "/nbkit/port/list", "/nbkit/reactor/list"]:
            check(('"%s"' % ep) in out, "no answer from %s: %s %s" % (ep, out[-1500:], t.stderr[-500:]))
        check("nbfwd" in out, "pool nbfwd not listed: " + out[-1500:])
    finally:
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    check(p.returncode == 0 and "buffers lost: 0" in out, "exit %d" % p.returncode)


def case_memif_latency():
    """Two nb-fwd processes across memif: txonly --latency in one, rxonly
    --latency in the other, every stamped packet accounted for."""
    sock = os.path.join(TMP, "memif.sock")
    jr = os.path.join(TMP, "rx.json")
    rx = subprocess.Popen([NB_FWD] + EAL + ["--vdev", "net_memif0,role=server,socket=" + sock,
                                            "--", "--forward-mode", "rxonly", "--latency",
                                            "--json", jr],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = rx.stdout.readline()
        check(line.startswith("nb-fwd: rxonly"), "receiver did not start: %r" % line)
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        out, s, _ = run(["--vdev", "net_memif0,role=client,socket=" + sock],
                        ["--forward-mode", "txonly", "--latency", "--duration", "2"])
        sent = s["ports"][0]["tx_packets"]
        check(sent > 0, "nothing sent across memif")
        time.sleep(0.5)
    finally:
        rx.send_signal(signal.SIGINT)
        rout, rerr = rx.communicate(timeout=30)
    check(rx.returncode == 0 and "buffers lost: 0" in rout, "receiver exit %d %s" % (rx.returncode, rerr[-1500:]))
    r = [json.loads(l) for l in open(jr)][-1]
    lat = r["latency"]
    # every packet the receiver took carried a valid stamp, in order; what
    # the sender's ring still held when it disconnected (at most one ring,
    # 1024 descriptors) never arrives
    # (the streams' count: net_memif's own counters read 0 once the peer left)
    check(lat["samples"] == r["streams"]["rx"], "a received packet had no stamp: %d of %d"
          % (lat["samples"], r["streams"]["rx"]))
    check(0 <= sent - lat["samples"] <= 1024, "received %d stamps of %d sent" % (lat["samples"], sent))
    check(lat["lost"] == 0 and lat["reordered"] == 0, "gaps across memif: %s" % lat)
    check(lat["p50_ns"] > 0, "no latency figures")


def case_pools():
    """Every pool backend and mode forwards and audits 0 lost."""
    for args in (["--pool-ops", "ring_mp_mc"], ["--pool-ops", "stack"],
                 ["--pool-ops", "percore", "--pool-mode", "accounted"],
                 ["--total-num-mbufs", "4096", "--mbcache", "64"]):
        out, s, _ = run(NULL2, ["--forward-mode", "macswap", "--duration", "1"] + args)
        forwarded_equal(s)
        ops = args[1] if args[0] == "--pool-ops" else "percore"
        check(("(%s/" % ops) in out, "%s: banner %s" % (args, out.splitlines()[0]))


def case_promisc():
    """Promiscuous mode on by default (testpmd's), off with --no-promisc:
    the kernel's view of the net_tap interface nb-fwd created (no traffic;
    the PMD removes the interface at exit)."""
    iface = "nbpr%d" % (os.getpid() % 100000)
    for opt, want in (([], True), (["--no-promisc"], False)):
        cmd = [NB_FWD] + EAL + ["--vdev", "net_tap0,iface=" + iface, "--",
                                "--forward-mode", "io"] + opt
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        try:
            line = p.stdout.readline()
            check(line.startswith("nb-fwd: io"), "nb-fwd did not start: %r" % line)
            flags = sh("ip", "-o", "link", "show", iface)
            check(("PROMISC" in flags) == want,
                  "%s: promiscuous %s, want %s: %s" % (opt, "PROMISC" in flags, want, flags))
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=30)
            check(p.returncode == 0 and "buffers lost: 0" in out,
                  "exit %d\n%s" % (p.returncode, err[-2000:]))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()


def case_testpmd_opts():
    """A testpmd command line runs unchanged: --burst 010 is ten, testpmd's
    flags are taken, --pipeline-ring takes every power of two it lists,
    --tx-first starts traffic on a loop pair that io alone never would."""
    out, s, _ = run(NULL2, ["--burst", "010", "--auto-start", "--no-flush-rx",
                            "--no-lsc-interrupt", "--duration", "0.5"])
    check("burst 10\n" in out, "--burst 010 is not 10: %s" % out.splitlines()[0])
    forwarded_equal(s)
    # a pool of its own size: the default one (140,270 buffers, 332 MB)
    # does not fit the 512 MB of a --no-huge run
    _, s, _ = run(NULL2, ["--forward-mode", "pipeline", "--pipeline-ring", "65536",
                          "--total-num-mbufs", "32768", "--duration", "0.5"])
    check(s["streams"]["rx"] > 0, "pipeline with a 65536-entry ring moved nothing")
    lp = ["--port", "loop:tf%d/0" % os.getpid(), "--port", "loop:tf%d/1" % os.getpid()]
    _, s, _ = run([], lp + ["--forward-mode", "io", "--duration", "0.5"])
    check(s["streams"]["rx"] == 0, "io on an idle loop pair received %d" % s["streams"]["rx"])
    _, s, _ = run([], lp + ["--forward-mode", "io", "--tx-first", "--duration", "0.5"])
    check(s["streams"]["rx"] > 64, "--tx-first: received %d" % s["streams"]["rx"])


def case_events():
    """Port events: a removed port (raised through the driver API after
    300 ms: no software PMD raises RTE_ETH_EVENT_INTR_RMV) stops its streams
    and then itself while the other pair forwards on, counters balanced,
    nothing lost; a net_tap link flapped and then deleted under traffic
    gives one line per change and a clean exit."""
    env = dict(os.environ, NB_FWD_TEST_REMOVE="0:300")
    jf = os.path.join(TMP, "ev.json")
    cmd = [NB_FWD] + EAL + ["--vdev", "net_null0", "--vdev", "net_null1",
                            "--vdev", "net_null2", "--vdev", "net_null3", "--",
                            "--duration", "1.2", "--json", jf]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60, env=env)
    check(p.returncode == 0, "removal: exit %d\n%s" % (p.returncode, p.stderr[-2000:]))
    check("port 0 (net_null0) removed: stopping 2 stream(s) that use it" in p.stdout,
          "no removal line: %s" % p.stdout[:1500])
    check("port 0 (net_null0) stopped" in p.stdout, "port 0 not stopped")
    check("buffers lost: 0" in p.stdout, "buffers lost")
    s = [json.loads(l) for l in open(jf) if '"summary"' in l][-1]
    pt = s["ports"]
    for a, b in ((0, 1), (1, 0), (2, 3), (3, 2)):
        check(pt[a]["rx_packets"] == pt[b]["tx_packets"] + pt[b]["tx_dropped"],
              "port %d rx %d != port %d tx %d + dropped %d" % (a, pt[a]["rx_packets"],
              b, pt[b]["tx_packets"], pt[b]["tx_dropped"]))
    # the other pair went on for the whole 1.2 s: much more than 300 ms' worth
    check(pt[2]["rx_packets"] > 2 * pt[0]["rx_packets"] > 0,
          "after the removal: port 2 rx %d, port 0 rx %d" % (pt[2]["rx_packets"],
          pt[0]["rx_packets"]))

    iface = "nbev%d" % (os.getpid() % 100000)
    cmd = [NB_FWD] + EAL + ["--vdev", "net_tap0,iface=" + iface, "--",
                            "--forward-mode", "txonly", "--stats-period", "0"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        check(line.startswith("nb-fwd: txonly"), "nb-fwd did not start: %r" % line)
        time.sleep(0.5)
        sh("ip", "link", "set", iface, "down")
        time.sleep(0.5)
        sh("ip", "link", "set", iface, "up")
        time.sleep(0.5)
        sh("ip", "link", "del", iface)	# under traffic
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        out = line + out
        check(p.returncode == 0, "tap: exit %d\n%s" % (p.returncode, err[-2000:]))
        check("runtime error:" not in err and "Sanitizer" not in err,
              "sanitizer report:\n" + err[-3000:])
        ev = [l for l in out.splitlines() if "(net_tap0): link" in l]
        check(len(ev) == 3 and ev[0].endswith("link down") and
              "link up" in ev[1] and ev[2].endswith("link down"),
              "link lines: %s" % ev)
        check("buffers lost: 0" in out, "tap: buffers lost:\n" + out[-1500:])
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        subprocess.run(["ip", "link", "del", iface], stderr=subprocess.DEVNULL)


class KernelNs:
    """Two network namespaces joined by two veth pairs (A1-B1, A2-B2) with
    IPv6 off (no kernel chatter): nb-fwd runs in A on A1/A2 through a
    kernel-backed PMD, the kernel and raw sockets in B. Removed on exit,
    also on failure."""

    def __init__(self):
        pid = os.getpid() % 100000
        self.a, self.b = "nbka%d" % pid, "nbkb%d" % pid
        self.ifa = ["ka%d_%d" % (pid, i) for i in (1, 2)]
        self.ifb = ["kb%d_%d" % (pid, i) for i in (1, 2)]

    def __enter__(self):
        try:
            sh("ip", "netns", "add", self.a)
            sh("ip", "netns", "add", self.b)
            for ia, ib in zip(self.ifa, self.ifb):
                sh("ip", "link", "add", ia, "type", "veth", "peer", "name", ib)
                sh("ip", "link", "set", ia, "netns", self.a)
                sh("ip", "link", "set", ib, "netns", self.b)
                for ns, i in ((self.a, ia), (self.b, ib)):
                    sh("ip", "netns", "exec", ns, "sysctl", "-qw",
                       "net.ipv6.conf.%s.disable_ipv6=1" % i)
                    sh("ip", "-n", ns, "link", "set", i, "up")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        for ns in (self.a, self.b):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)

    def fwd(self, vdevs, opts):
        cmd = ["ip", "netns", "exec", self.a, NB_FWD] + EAL
        for v in vdevs:
            cmd += ["--vdev", v]
        # libxdp 1.3 leaks the 80-byte umem it creates for DPDK 22.11's
        # net_af_xdp (xsk_umem__create): not nbkit's, LeakSanitizer is told
        supp = os.path.join(TMP, "lsan.supp")
        with open(supp, "w") as f:
            f.write("leak:xsk_umem__create\n")
        env = dict(os.environ)
        env["LSAN_OPTIONS"] = (env.get("LSAN_OPTIONS", "") + ":suppressions=" + supp).lstrip(":")
        return subprocess.Popen(cmd + ["--"] + opts, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)


def stop_fwd(p, what):
    """SIGINT nb-fwd (ip netns exec execs it: same pid); its output."""
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    check(p.returncode == 0, "%s: exit %d\n%s\n%s" % (what, p.returncode, out[-1500:], err[-1500:]))
    check("runtime error:" not in err and "Sanitizer" not in err,
          "%s: sanitizer report:\n%s" % (what, err[-3000:]))
    check("buffers lost: 0" in out, "%s: buffers lost\n%s\n%s" % (what, out[-1500:], err[-1500:]))
    return out, err


def kernel_port_case(pmd):
    """The kernel pings nb-fwd icmpecho on a kernel-backed PMD over a veth;
    then raw frames of 60..1514 bytes cross nb-fwd io both ways byte for
    byte, with exact port counters; nothing lost at exit."""
    with KernelNs() as k:
        net = "198.19.%d" % (os.getpid() % 250 + 1)
        jf = os.path.join(TMP, pmd + "-icmp.json")
        sh("ip", "-n", k.b, "addr", "add", net + ".1/24", "dev", k.ifb[0])
        p = k.fwd(["net_%s0,iface=%s" % (pmd, k.ifa[0])],
                  ["--forward-mode", "icmpecho", "--stats-period", "0", "--json", jf])
        try:
            line = p.stdout.readline()
            check(line.startswith("nb-fwd: icmpecho"), "%s: nb-fwd did not start: %r %s" %
                  (pmd, line, p.stderr.read() if p.poll() is not None else ""))
            out = sh("ip", "netns", "exec", k.b, "ping", "-c", "5", "-i", "0.2", "-W", "2",
                     net + ".2", check_rc=False)
            check(" 5 received" in out, "%s: kernel got no replies: %s" % (pmd, out))
            out, err = stop_fwd(p, pmd + " icmpecho")
            s = [json.loads(l) for l in open(jf) if '"summary"' in l][-1]
            check(s["streams"]["icmp_replies"] == 5, "%s: icmp replies %d" %
                  (pmd, s["streams"]["icmp_replies"]))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        sh("ip", "-n", k.b, "addr", "flush", "dev", k.ifb[0])

        jf = os.path.join(TMP, pmd + "-io.json")
        n = 300
        p = k.fwd(["net_%s0,iface=%s" % (pmd, k.ifa[0]), "net_%s1,iface=%s" % (pmd, k.ifa[1])],
                  ["--forward-mode", "io", "--stats-period", "0", "--json", jf])
        try:
            line = p.stdout.readline()
            check(line.startswith("nb-fwd: io"), "%s: nb-fwd did not start: %r" % (pmd, line))
            time.sleep(0.5)
            raw = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rawpkt.py")
            for tx, rx, seed in ((k.ifb[0], k.ifb[1], 11), (k.ifb[1], k.ifb[0], 22)):
                r = subprocess.run(["ip", "netns", "exec", k.b, sys.executable, raw,
                                    tx, rx, str(n), str(seed)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                check(r.returncode == 0 and r.stdout.strip() == "ok %d" % n,
                      "%s io %s -> %s: %s %s" % (pmd, tx, rx, r.stdout, r.stderr))
            out, err = stop_fwd(p, pmd + " io")
            s = [json.loads(l) for l in open(jf) if '"summary"' in l][-1]
            for i in (0, 1):
                pt = s["ports"][i]
                check(pt["rx_packets"] == n and pt["tx_packets"] == n,
                      "%s port %d: rx %d tx %d, want %d each" % (pmd, i, pt["rx_packets"],
                      pt["tx_packets"], n))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()


def case_af_packet():
    kernel_port_case("af_packet")


def case_af_xdp():
    kernel_port_case("af_xdp")


def case_jumbo():
    """--max-pkt-len is the ports' MTU (testpmd's meaning), not a filter:
    9000-byte frames (IPv4/UDP, IPv6/UDP, an ICMP echo) in 2048-byte buffers
    cross every mode as chains of five segments, modified as the mode says
    and with valid checksums; without --max-pkt-len nothing is dropped
    either (the device's MTU decides, net_pcap has none)."""
    data = bytes(i & 0xff for i in range(9000 - 42))
    u4 = eth(ipv4(A, B, 17, udp(A, B, 1111, 2222, data)))
    u6 = eth(ipv6(A6, B6, 17, udp6(A6, B6, 3333, 4444, data[:9000 - 62])), et=0x86dd)
    icmp = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + data[:9000 - 42]
    icmp = icmp[:2] + struct.pack("!H", csum16(icmp)) + icmp[4:]
    ping = eth(ipv4(A, B, 1, icmp))
    frames = [u4, u6, good_udp(1), ping]
    check([len(f) for f in frames] == [9000, 9000, 64, 9000], "jumbo frame sizes")
    jumbo = ["--max-pkt-len", "9018", "--mbuf-size", "2176"]

    def swap_mac(f):
        return f[6:12] + f[0:6] + f[12:]

    def valid(f):
        """IPv4 header and UDP/ICMP checksums of an output frame verify."""
        et = struct.unpack("!H", f[12:14])[0]
        if et == 0x0800:
            ihl = (f[14] & 15) * 4
            if csum16(f[14:14 + ihl]) != 0:
                return False
            l4, proto = f[14 + ihl:], f[23]
            if proto == 1:
                return csum16(l4) == 0
            ph = f[26:34] + struct.pack("!BBH", 0, proto, len(l4))
            return csum16(ph + l4) == 0
        l4 = f[54:]
        ph = f[22:54] + struct.pack("!IxxxB", len(l4), 17)
        return csum16(ph + l4) == 0

    for extra in (jumbo, []):
        s, outs = pcap_run("io", frames, extra=extra)
        check(outs[0] == frames, "io %s: jumbo frames changed or lost" % extra)
    for extra in (jumbo, ["--mbuf-size", "2176"]):
        s, outs = pcap_run("macswap", frames, extra=extra)
        check(outs[0] == [swap_mac(f) for f in frames], "macswap on chains %s" % extra)
    s, outs = pcap_run("mac", frames, extra=jumbo + ["--eth-peer", "0,02:aa:bb:cc:dd:ee"])
    check(len(outs[0]) == 4 and all(o[12:] == f[12:] for o, f in zip(outs[0], frames)),
          "mac on chains")
    s, outs = pcap_run("5tswap", frames, extra=jumbo)
    check(len(outs[0]) == 4 and s["bad"] == {r: 0 for r in REASONS},
          "5tswap on chains: %d out, bad %s" % (len(outs[0]), s["bad"]))
    o = outs[0][0]
    check(o[26:30] == bytes(B) and o[30:34] == bytes(A) and o[34:38] ==
          struct.pack("!HH", 2222, 1111) and o[42:] == u4[42:], "5tswap IPv4 chain")
    o = outs[0][1]
    check(o[22:38] == B6 and o[38:54] == A6 and o[54:58] == struct.pack("!HH", 4444, 3333),
          "5tswap IPv6 chain")
    check(all(valid(o) for o in outs[0]), "5tswap broke a checksum")
    # csum: a bad UDP checksum over 9000 bytes of chain is found and fixed
    bad = bytearray(u4)
    bad[40] ^= 0x55
    s, outs = pcap_run("csum", [bytes(bad), u6, ping], extra=jumbo + ["--csum-keep-l2"])
    check(s["streams"]["csum_bad_l4"] == 1 and outs[0] == [u4, u6, ping],
          "csum on chains: bad_l4 %d, %d out" % (s["streams"]["csum_bad_l4"], len(outs[0])))
    s, outs = pcap_run("icmpecho", frames, extra=jumbo)
    check(len(outs[0]) == 1 and len(outs[0][0]) == 9000 and outs[0][0][34] == 0 and
          valid(outs[0][0]) and outs[0][0][42:] == ping[42:], "icmpecho: 9000-byte reply")
    s, outs = pcap_run("pipeline", frames, extra=jumbo, extra_eal=[])
    check(outs[0] == [swap_mac(f) for f in frames], "pipeline on chains")
    s, outs = pcap_run("clone-fanout", frames, extra=jumbo, nports=2)
    check(outs[1] == frames, "clone-fanout on chains")
    s, outs = pcap_run("rxonly", frames, extra=jumbo)
    check(s["ports"][0]["rx_packets"] == 4 and s["bad"] == {r: 0 for r in REASONS},
          "rxonly on chains")


def iperf_through(prog_cmd, what, secs=5):
    """Run prog_cmd (it creates net_tap ports nbip<pid>a/b); move the two
    interfaces into namespaces A (198.19.N.1, MAC 02:00:00:00:0a:01) and B
    (.2, 02:00:00:00:0b:02); run iperf3 A -> B for secs seconds. Returns
    (bits/s, retransmits, kernel drops on the taps, program output)."""
    pid = os.getpid() % 100000
    ia, ib = "nbip%da" % pid, "nbip%db" % pid
    na, nb = "nbipa%d" % pid, "nbipb%d" % pid
    net = "198.19.%d" % (pid % 250 + 1)
    cmd = [c.replace("IFA", ia).replace("IFB", ib) for c in prog_cmd]
    # files, not pipes: testpmd prints every second and must never block
    outf = open(os.path.join(TMP, "iperf-prog.out"), "w+")
    errf = open(os.path.join(TMP, "iperf-prog.err"), "w+")
    p = subprocess.Popen(cmd, stdout=outf, stderr=errf, text=True, stdin=subprocess.DEVNULL)
    try:
        # the ports started: the PMD sets both interfaces UP at its start
        end = time.time() + 60
        while time.time() < end and p.poll() is None:
            up = 0
            for i in (ia, ib):
                r = subprocess.run(["ip", "-j", "link", "show", i], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True)
                if r.returncode == 0 and "UP" in json.loads(r.stdout)[0].get("flags", []):
                    up += 1
            if up == 2:
                break
            time.sleep(0.1)
        check(p.poll() is None and up == 2, "%s did not start its ports: %s" %
              (what, open(errf.name).read()[-1500:]))
        time.sleep(0.5)
        for ns, i, m, a in ((na, ia, "02:00:00:00:0a:01", ".1"), (nb, ib, "02:00:00:00:0b:02", ".2")):
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "set", i, "netns", ns)
            sh("ip", "-n", ns, "link", "set", i, "address", m)
            sh("ip", "-n", ns, "addr", "add", net + a + "/24", "dev", i)
            sh("ip", "-n", ns, "link", "set", i, "up")
        srv = subprocess.Popen(["ip", "netns", "exec", nb, "iperf3", "-s"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            # a first ARP or SYN may meet a loaded machine: try again once
            for attempt in (1, 2):
                r = subprocess.run(["ip", "netns", "exec", na, "iperf3", "-c", net + ".2",
                                    "--connect-timeout", "5000", "-t", str(secs), "-J"],
                                   stdout=subprocess.PIPE, text=True, timeout=secs + 60)
                j = json.loads(r.stdout)
                if "error" not in j:
                    break
        finally:
            srv.kill()
            srv.wait()
        check("error" not in j, "%s: iperf3: %s" % (what, j.get("error")))
        e = j["end"]["sum_sent"]
        drops = 0
        for ns, i in ((na, ia), (nb, ib)):
            st = json.loads(sh("ip", "-n", ns, "-s", "-j", "link", "show", i))[0]["stats64"]
            drops += st["tx"]["dropped"] + st["rx"]["dropped"]
        p.send_signal(signal.SIGINT)
        p.wait(timeout=30)
        out, err = open(outf.name).read(), open(errf.name).read()
        check(p.returncode == 0, "%s: exit %d\n%s" % (what, p.returncode, err[-1500:]))
        check("runtime error:" not in err and "Sanitizer" not in err,
              "%s: sanitizer report:\n%s" % (what, err[-3000:]))
        return e["bits_per_second"], e["retransmits"], drops, out
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        for ns in (na, nb):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        outf.close()
        errf.close()


def case_iperf():
    """The kernel's TCP (iperf3, 5 s) between two namespaces through two
    net_tap ports: nb-fwd io, nb-fwd mac with --eth-peer set to the far
    ends, and dpdk-testpmd io in the same run. The engines drop nothing,
    nothing is lost at exit, and every TCP retransmission comes from a
    frame dropped on the way (by nb-fwd or by the kernel on a tap whose
    reader fell behind: iperf3 runs on the two cores the forwarders poll),
    none from a frame nb-fwd damaged or reordered. Retransmissions, drops
    and the throughput ratio against testpmd are printed (figures, not a
    gate)."""
    taps = ["--vdev", "net_tap0,iface=IFA", "--vdev", "net_tap1,iface=IFB"]
    eal = EAL + taps
    tp = ["dpdk-testpmd"] + testpmd_eal("ip") + taps + \
        ["--", "--forward-mode=io", "--total-num-mbufs", "16384", "--stats-period", "1"]
    res = {}
    for name, cmd in (("testpmd io", tp),
                      ("nb-fwd io", [NB_FWD] + eal + ["--", "--forward-mode", "io",
                                                      "--stats-period", "0", "--json",
                                                      os.path.join(TMP, "ip.json")]),
                      ("nb-fwd mac", [NB_FWD] + eal + ["--", "--forward-mode", "mac",
                                                       "--eth-peer", "0,02:00:00:00:0a:01",
                                                       "--eth-peer", "1,02:00:00:00:0b:02",
                                                       "--stats-period", "0", "--json",
                                                       os.path.join(TMP, "ip.json")])):
        bps, rtx, drops, out = iperf_through(cmd, name)
        res[name] = bps
        print("%-11s %6.3f Gbit/s, %d retransmissions, %d kernel drops on the taps"
              % (name, bps / 1e9, rtx, drops))
        check(bps > 0, "%s: no throughput" % name)
        if name.startswith("nb-fwd"):
            s = [json.loads(l) for l in open(os.path.join(TMP, "ip.json")) if '"summary"' in l][-1]
            st = s["streams"]
            lost = st["tx_dropped"] + st["engine_dropped"] + \
                sum(pt["rx_nombuf"] for pt in s["ports"])
            print("%-11s dropped %d (tx %d, engine %d, rx_nombuf %d)" % (
                name, lost, st["tx_dropped"], st["engine_dropped"],
                sum(pt["rx_nombuf"] for pt in s["ports"])))
            check(st["engine_dropped"] == 0, "%s: the engine dropped %d" %
                  (name, st["engine_dropped"]))
            check("buffers lost: 0" in out, "%s: buffers lost" % name)
            # Every retransmission must come from a frame lost on the way:
            # one nb-fwd dropped (a tap refused it: freed as testpmd does;
            # no buffer) or one the kernel dropped on a tap because its
            # reader fell behind (iperf3 shares the two cores). A
            # retransmission without a drop would be nb-fwd's (a reordered
            # or damaged frame).
            check(rtx <= lost + drops,
                  "%s: %d retransmissions, but nb-fwd dropped %d frames and the "
                  "kernel %d" % (name, rtx, lost, drops))
    for n in ("nb-fwd io", "nb-fwd mac"):
        print("%s / testpmd io: %.3f" % (n, res[n] / res["testpmd io"]))


def testpmd_eal(tag):
    """EAL arguments for a dpdk-testpmd next to nb-fwd: what nbkit gives
    itself (no PCI, its own prefix, nothing shared; hugepages with one file
    per segment list, which vhost-user needs, or 1 GB without)."""
    a = ["-l", "0-1", "--no-pci", "--file-prefix", "nbtp%d%s" % (os.getpid(), tag)]
    if NOHUGE:
        return a + ["--no-huge", "--no-shconf", "-m", "1024"]
    return a + ["--in-memory", "--single-file-segments"]


def with_testpmd(tp_args, fn, sock):
    """Start testpmd (files for its output: it prints every second), wait
    for the vhost-user socket when it is the server, run fn(), stop it."""
    outf = open(os.path.join(TMP, "tp.out"), "w+")
    p = subprocess.Popen(["dpdk-testpmd"] + tp_args, stdout=outf, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, text=True)
    try:
        end = time.time() + 20
        while sock is not None and not os.path.exists(sock) and time.time() < end:
            check(p.poll() is None, "testpmd exited: %s" % open(outf.name).read()[-1500:])
            time.sleep(0.1)
        return fn()
    finally:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        outf.close()


def case_vhost():
    """nb-fwd over net_virtio_user against dpdk-testpmd's net_vhost, and
    nb-fwd's net_vhost against testpmd's virtio_user, two processes joined
    by a vhost-user socket: txonly -> rxonly both ways, and stamped frames
    of 64 and 9000 bytes (chains of 2048-byte buffers, mergeable RX
    buffers) sent by nb-fwd, reflected by testpmd macswap and measured on
    their way back: nothing lost, nothing left in the pools."""
    sock = os.path.join(TMP, "vh.sock")
    pool = ["--total-num-mbufs", "32768"]

    def fwd(vdev, opts):
        return run(["--vdev", vdev], opts + ["--stats-period", "0"])

    # testpmd vhost txonly -> nb-fwd virtio_user rxonly
    def rx():
        _, s, _ = fwd("virtio_user0,path=%s,queues=1" % sock,
                      ["--forward-mode", "rxonly", "--duration", "2"])
        print("virtio_user rxonly from testpmd's vhost txonly: %d frames" %
              s["ports"][0]["rx_packets"])
        check(s["ports"][0]["rx_packets"] > 10000, "virtio_user rxonly received %d" %
              s["ports"][0]["rx_packets"])
    with_testpmd(testpmd_eal("a") + ["--vdev", "net_vhost0,iface=%s,queues=1" % sock, "--",
                 "--forward-mode=txonly", "--stats-period", "1"] + pool, rx, sock)
    # nb-fwd vhost txonly -> testpmd virtio_user rxonly
    if os.path.exists(sock):
        os.unlink(sock)
    jf = os.path.join(TMP, "vh.json")
    p = subprocess.Popen([NB_FWD] + EAL + ["--vdev", "net_vhost0,iface=%s,queues=1" % sock,
                                           "--", "--forward-mode", "txonly", "--duration", "3",
                                           "--stats-period", "0", "--json", jf],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def tx():
        out, err = p.communicate(timeout=60)
        check(p.returncode == 0 and "buffers lost: 0" in out,
              "nb-fwd vhost txonly: exit %d\n%s" % (p.returncode, err[-1500:]))
        return [json.loads(l) for l in open(jf) if '"summary"' in l][-1]
    try:
        end = time.time() + 20
        while not os.path.exists(sock) and time.time() < end:
            time.sleep(0.1)
        s = with_testpmd(testpmd_eal("b") + ["--vdev", "net_virtio_user0,path=%s,queues=1" %
                                             sock, "--", "--forward-mode=rxonly",
                                             "--stats-period", "1"] + pool, tx, None)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    print("vhost txonly to testpmd's virtio_user: %d frames" % s["ports"][0]["tx_packets"])
    check(s["ports"][0]["tx_packets"] > 10000, "vhost txonly sent %d" % s["ports"][0]["tx_packets"])
    # stamped frames through testpmd's reflector, 64 and 9000 bytes
    for size, extra in ((64, []), (9000, ["--txpkts", "2048,2048,2048,2048,808",
                                          "--max-pkt-len", "9018"])):
        if os.path.exists(sock):
            os.unlink(sock)

        def lat():
            _, s, _ = fwd("virtio_user0,path=%s,queues=1,mrg_rxbuf=1" % sock,
                          ["--forward-mode", "txonly", "--latency", "--duration", "2"] + extra)
            l = s["latency"]
            print("%d-byte frames through testpmd's vhost macswap: %d samples, %d lost, "
                  "%d reordered, p50 %.0f ns" % (size, l["samples"], l["lost"],
                                                 l["reordered"], l["p50_ns"]))
            check(l["samples"] > 1000 and l["lost"] == 0,
                  "%d-byte frames through testpmd: %d samples, %d lost" % (size, l["samples"],
                                                                         l["lost"]))
        with_testpmd(testpmd_eal("c") + ["--vdev", "net_vhost0,iface=%s,queues=1" % sock, "--",
                     "--forward-mode=macswap", "--port-topology=loop",
                     "--stats-period", "1", "--max-pkt-len", "9018"] + pool, lat, sock)


CASES = {
    "cli": case_cli,
    "null-modes": case_null_modes,
    "burst-stats": case_burst_stats,
    "directions": case_directions,
    "latency-loop": case_latency_loop,
    "ring": case_ring,
    "pcap-content": case_pcap_content,
    "csum": case_csum,
    "malformed": case_malformed,
    "fanout": case_fanout,
    "pipeline": case_pipeline,
    "sigint": case_sigint,
    "icmpecho": case_icmpecho,
    "telemetry": case_telemetry,
    "memif-latency": case_memif_latency,
    "pools": case_pools,
    "promisc": case_promisc,
    "testpmd-opts": case_testpmd_opts,
    "events": case_events,
    "af-packet": case_af_packet,
    "af-xdp": case_af_xdp,
    "jumbo": case_jumbo,
    "iperf": case_iperf,
    "vhost": case_vhost,
}

if __name__ == "__main__":
    try:
        CASES[sys.argv[2]]()
    except Fail as e:
        print("FAIL:", e)
        sys.exit(1)
    print("PASS", sys.argv[2])
