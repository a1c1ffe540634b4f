"""Build captures for tests: scapy crafts one frame per flow, the rest is bytes."""
from __future__ import annotations

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import Ether

from emulator.inputs.pcap import PcapWriter


def frame(src: str, dst: str, proto: str = "tcp", sport: int = 49152, dport: int = 443, **ip) -> bytes:
    layer = {"tcp": lambda: TCP(sport=sport, dport=dport, flags="S"), "udp": lambda: UDP(sport=sport, dport=dport),
             "icmp": lambda: ICMP(type=8, id=sport)}[proto]()
    return bytes(Ether() / IP(src=src, dst=dst, **ip) / layer)


def write_capture(path, frames, repeat: int = 1) -> None:
    writer = PcapWriter(path)
    n = 0
    for _ in range(repeat):
        for f in frames:
            writer.write(n // 1_000_000, n % 1_000_000, f)
            n += 1
    writer.close()
