"""Captures in which every packet is a flow of its own (issue #15): the worst case for replay's memory.

Frames are written as bytes from one template (scapy would take minutes for 10 M): TCP from web-a
(10.0.0.10) in the seed topology, to 200 destinations (half on the internet, half inside the VPC)
times 50,000 source ports, each with a correct IPv4 header checksum.
"""
from __future__ import annotations

import struct
from pathlib import Path

SOURCE = "10.0.0.10"
PORTS = 50_000


def _destinations() -> list[int]:
    internet = [(8 << 24) | (8 << 16) | (8 << 8) | k for k in range(100)]  # 8.8.8.0-99
    vpc = [(10 << 24) | (0 << 16) | (1 << 8) | (10 + k) for k in range(100)]  # 10.0.1.10-109
    return [d for pair in zip(internet, vpc) for d in pair]


def write_distinct_capture(path: Path, packets: int) -> None:
    """`packets` packets, no two of one flow (at most 200 × 50,000 = 10 M)."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether

    destinations = _destinations()
    if packets > len(destinations) * PORTS:
        raise ValueError(f"at most {len(destinations) * PORTS:,} distinct flows")
    template = bytearray(bytes(Ether() / IP(src=SOURCE, dst="0.0.0.0", ttl=64) / TCP(sport=1024, dport=443, flags="S")))
    template[24:26] = b"\0\0"
    words = struct.unpack_from("!10H", template, 14)
    base = sum(words[:8])  # the header's words but the destination's two, with the checksum zero
    record = struct.Struct(f"<IIII{len(template)}s")
    checksum = struct.Struct("!H").pack_into  # at 24
    addressing = struct.Struct("!IH").pack_into  # destination at 30, source port at 34
    size = record.size
    chunk = 100_000
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        buffer = bytearray(size * chunk)
        for start in range(0, packets, chunk):
            n = min(chunk, packets - start)
            for j in range(n):
                i = start + j
                dst = destinations[i % len(destinations)]
                total = base + (dst >> 16) + (dst & 0xFFFF)
                total = (total & 0xFFFF) + (total >> 16)
                total = (total & 0xFFFF) + (total >> 16)
                offset = j * size
                record.pack_into(buffer, offset, i // 1_000_000, i % 1_000_000, len(template), len(template), template)
                checksum(buffer, offset + 16 + 24, ~total & 0xFFFF)
                addressing(buffer, offset + 16 + 30, dst, 1024 + i // len(destinations))
            out.write(memoryview(buffer)[:n * size])
