#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send N numbered Ethernet frames (ether type 0x88b5, 60..1514 bytes) on
TX_IFACE and check that RX_IFACE receives exactly them, byte for byte and in
order, within 5 s. Run inside the network namespace that holds both
interfaces (fwd_test.py's kernel-port cases). Prints "ok N", or one line
saying what differed and exits 1."""
import socket
import struct
import sys
import time

ETYPE = 0x88b5


def frame(i, seed):
    size = 60 + (i * 97 + seed) % (1514 - 60 + 1)
    hdr = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]) + struct.pack("!HII", ETYPE, seed, i)
    body = bytes((i * 7 + j + seed) & 0xff for j in range(size - len(hdr)))
    return hdr + body


def main():
    tx_if, rx_if, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETYPE))
    rx.bind((rx_if, ETYPE))
    # every frame is read after all are sent: room for all of them (root)
    rx.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)	# SO_RCVBUFFORCE
    rx.settimeout(0.2)
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    tx.bind((tx_if, 0))
    sent = [frame(i, seed) for i in range(n)]
    got = []
    for i, f in enumerate(sent):
        tx.send(f)
        if i % 16 == 15:
            time.sleep(0.002)	# let the forwarder keep up: no drop by design
    end = time.time() + 5
    while len(got) < n and time.time() < end:
        try:
            d = rx.recv(65536)
        except socket.timeout:
            continue
        if len(d) >= 22 and struct.unpack("!I", d[14:18])[0] == seed:
            got.append(d)
    if len(got) != n:
        seen = {struct.unpack("!I", d[18:22])[0] for d in got}
        miss = [i for i in range(n) if i not in seen]
        print("received %d of %d frames %s -> %s; missing %s" % (
            len(got), n, tx_if, rx_if,
            ", ".join("#%d (%d B)" % (i, len(sent[i])) for i in miss[:8])))
        sys.exit(1)
    for i, (a, b) in enumerate(zip(sent, got)):
        if a != b:
            print("frame %d differs (%d bytes sent, %d received)" % (i, len(a), len(b)))
            sys.exit(1)
    print("ok %d" % n)


if __name__ == "__main__":
    main()
