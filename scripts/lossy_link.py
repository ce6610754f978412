#!/usr/bin/env python3
"""A lossy, slow network between two network namespaces, below TCP.

Creates the namespaces NAME-dev (10.77.0.1) and NAME-brk (10.77.0.2), joined by two TUN
devices that this process relays IP packets between: each packet is dropped with probability
--loss and delivered after --delay-ms (one way) plus up to --jitter-ms. TCP in both
namespaces sees real loss and retransmits. Runs until killed (SIGTERM/SIGINT), then removes
the namespaces. Needs root (ip netns, /dev/net/tun).

    scripts/lossy_link.py --name nk --loss 0.05 --delay-ms 50 &
    ip netns exec nk-brk mosquitto -c broker.conf &
    ip netns exec nk-dev neckend --mqtt-host 10.77.0.2 ...
"""
import argparse
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def run(*cmd):
    subprocess.run(cmd, check=True)


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--name", default="nk")
    p.add_argument("--loss", type=float, default=0.05, help="drop probability per packet")
    p.add_argument("--delay-ms", type=float, default=50.0, help="one-way delay")
    p.add_argument("--jitter-ms", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    rng = random.Random(args.seed)
    dev_ns, brk_ns = f"{args.name}-dev", f"{args.name}-brk"
    links = [(f"{args.name}a", dev_ns, "10.77.0.1"), (f"{args.name}b", brk_ns, "10.77.0.2")]

    def cleanup(*_):
        for ns in (dev_ns, brk_ns):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        sys.exit(0)

    signal.signal(signal.SIGTERM, cleanup)
    signal.signal(signal.SIGINT, cleanup)
    fds = []
    for dev, ns, addr in links:
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        run("ip", "netns", "add", ns)
        run("ip", "tuntap", "add", "dev", dev, "mode", "tun")
        # Attached here, then moved: the queue stays attached to this process's descriptor.
        fds.append(open_tun(dev))
        run("ip", "link", "set", dev, "netns", ns)
        run("ip", "-n", ns, "link", "set", "lo", "up")
        run("ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
        run("ip", "-n", ns, "link", "set", dev, "up")
    print(f"lossy link up: {dev_ns} 10.77.0.1 <-> {brk_ns} 10.77.0.2, loss {args.loss}, "
          f"{args.delay_ms} ms one way", flush=True)
    queue = []  # (due, seq, out_fd, packet)
    seq, passed, dropped = 0, 0, 0
    last_report = time.monotonic()
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 1.0
        ready, _, _ = select.select(fds, [], [], timeout)
        now = time.monotonic()
        for fd in ready:
            out = fds[1] if fd == fds[0] else fds[0]
            while True:
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if rng.random() < args.loss:
                    dropped += 1
                    continue
                due = now + (args.delay_ms + rng.uniform(0, args.jitter_ms)) / 1000.0
                heapq.heappush(queue, (due, seq, out, packet))
                seq += 1
        while queue and queue[0][0] <= time.monotonic():
            _, _, out, packet = heapq.heappop(queue)
            try:
                os.write(out, packet)
                passed += 1
            except OSError:
                pass
        if now - last_report > 10:
            last_report = now
            print(f"packets passed {passed}, dropped {dropped}", flush=True)


if __name__ == "__main__":
    main()
