#!/usr/bin/env python3
"""Write the capture the README replays: batch-1 of topologies/seed-endpoints.yaml talking to S3 and
to web-a, as raw IPv4 in a classic pcap file.

    python3 scripts/make_capture.py batch.pcap      # with the virtualenv's python (it needs scapy)

It holds 200 TCP SYNs from 10.0.12.10 to S3's public address 52.95.148.10, port 443, ten from each
source port 40000-40019, then 200 UDP datagrams from 10.0.12.10:5000 to web-a (10.0.0.10) port 53,
one every millisecond. Edit the addresses to make a capture for another topology.
"""
from __future__ import annotations

import argparse
import sys

SOURCE = "10.0.12.10"       # batch-1
S3 = "52.95.148.10"         # what the seed's resolver answers for s3.eu-west-2.amazonaws.com
WEB_A = "10.0.0.10"
START = 1_790_000_000.0     # capture timestamps: fixed, so the file is the same on every run


def packets():
    from scapy.layers.inet import IP, TCP, UDP

    flows = [IP(src=SOURCE, dst=S3) / TCP(sport=40000 + i % 20, dport=443, flags="S", seq=i) for i in range(200)]
    flows += [IP(src=SOURCE, dst=WEB_A) / UDP(sport=5000, dport=53) for _ in range(200)]
    for i, packet in enumerate(flows):
        packet.time = START + i / 1000
    return flows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="the pcap file to write")
    args = parser.parse_args(argv)
    from scapy.utils import wrpcap

    wrpcap(args.output, packets(), linktype=228)  # 228: LINKTYPE_IPV4, raw IPv4 without Ethernet
    return 0


if __name__ == "__main__":
    sys.exit(main())
