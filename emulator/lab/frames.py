"""Frames the lab's fabric writes itself: DNS answers from the VPC resolver and ICMP
fragmentation-needed messages (R119). struct only."""
from __future__ import annotations

import struct

from ..dataplane.packet import ICMP, UDP

_IPV4 = struct.Struct("!BBHHHBBH4s4s")


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of `data`."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(src: int, dst: int, proto: int, payload: bytes, ttl: int = 64, tos: int = 0) -> bytes:
    header = _IPV4.pack(0x45, tos, 20 + len(payload), 0, 0x4000, ttl, proto, 0,
                        src.to_bytes(4, "big"), dst.to_bytes(4, "big"))
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + payload


def udp(src: int, dst: int, sport: int, dport: int, payload: bytes) -> bytes:
    """An IPv4 packet carrying a UDP datagram, both checksums computed."""
    length = 8 + len(payload)
    pseudo = src.to_bytes(4, "big") + dst.to_bytes(4, "big") + struct.pack("!BBH", 0, UDP, length)
    segment = struct.pack("!HHHH", sport, dport, length, 0) + payload
    value = checksum(pseudo + segment) or 0xFFFF
    return ipv4(src, dst, UDP, segment[:6] + struct.pack("!H", value) + segment[8:])


def fragmentation_needed(src: int, dst: int, original: bytes, mtu: int) -> bytes:
    """ICMP type 3 code 4 with the next-hop MTU, quoting the original IP header and 8 bytes (RFC 1191)."""
    ihl = (original[0] & 0x0F) * 4
    quoted = original[:ihl + 8]
    message = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quoted
    message = message[:2] + struct.pack("!H", checksum(message)) + message[4:]
    return ipv4(src, dst, ICMP, message, tos=0xC0)
