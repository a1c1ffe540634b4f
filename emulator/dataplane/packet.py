"""A small header view over raw IPv4 bytes (struct only); scapy stays at the edges."""
from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, replace

from ..inputs.errors import MalformedPacket

ICMP, TCP, UDP = 1, 6, 17
PROTO_NAMES = {ICMP: "icmp", TCP: "tcp", UDP: "udp"}
ETH_P_IP = 0x0800
ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST = 0, 8
ICMP_QUERY_REPLY = {8: 0, 0: 8, 13: 14, 14: 13}  # R105: ICMP tracked as query/response pairs

_IPV4 = struct.Struct("!BBHHHBBH4s4s")
_PORTS = struct.Struct("!HH")
_ICMP = struct.Struct("!BBHH")


def ip_to_int(text: str) -> int:
    return struct.unpack("!I", socket.inet_aton(text))[0]


def int_to_ip(value: int) -> str:
    return socket.inet_ntoa(struct.pack("!I", value))


@dataclass(slots=True)
class Headers:
    """The fields forwarding decisions read. For ICMP, `sport` holds the query id and `dport` is 0."""

    src: int
    dst: int
    proto: int
    sport: int = 0
    dport: int = 0
    ttl: int = 64
    length: int = 0
    icmp_type: int | None = None
    icmp_code: int | None = None
    fragment: bool = False  # a non-first fragment, or a first fragment with more to come
    df: bool = False  # don't fragment: too big for a link means dropped, and ICMP 3/4 back (R119)

    def copy(self, **changes) -> "Headers":
        return replace(self, **changes)

    def flow(self) -> tuple:
        """The 5-tuple connection tracking keys on (R105)."""
        return (self.src, self.dst, self.proto, self.sport, self.dport)

    def reply_flow(self) -> tuple:
        if self.proto == ICMP:
            return (self.dst, self.src, ICMP, self.sport, 0)  # a query and its response share the id
        return (self.dst, self.src, self.proto, self.dport, self.sport)

    @property
    def has_ports(self) -> bool:
        return self.proto in (TCP, UDP)

    def describe(self) -> str:
        name = PROTO_NAMES.get(self.proto, f"proto {self.proto}")
        if self.has_ports:
            return f"{int_to_ip(self.src)}:{self.sport} > {int_to_ip(self.dst)}:{self.dport} {name}"
        if self.proto == ICMP:
            return (f"{int_to_ip(self.src)} > {int_to_ip(self.dst)} icmp type {self.icmp_type} "
                    f"code {self.icmp_code} id {self.sport}")
        return f"{int_to_ip(self.src)} > {int_to_ip(self.dst)} {name}"

    def as_dict(self) -> dict:
        out = {"src": int_to_ip(self.src), "dst": int_to_ip(self.dst),
               "protocol": PROTO_NAMES.get(self.proto, self.proto), "ttl": self.ttl}
        if self.has_ports:
            out.update(sport=self.sport, dport=self.dport)
        elif self.proto == ICMP:
            out.update(icmp_type=self.icmp_type, icmp_code=self.icmp_code, icmp_id=self.sport)
        return out


def reply_to(h: Headers) -> Headers:
    """The reply a responder sends to `h`: addresses and ports swapped, ICMP query answered (R105)."""
    if h.proto == ICMP:
        reply_type = ICMP_QUERY_REPLY.get(h.icmp_type, h.icmp_type)
        return Headers(h.dst, h.src, ICMP, h.sport, 0, 64, h.length, reply_type, 0)
    return Headers(h.dst, h.src, h.proto, h.dport, h.sport, 64, h.length)


def parse_ipv4(data: bytes, offset: int = 0, *, what: str = "packet", snapped: bool = False) -> Headers:
    """Headers of the IPv4 packet at `offset`; MalformedPacket says what is wrong.

    A packet must hold the bytes its total length announces and a whole TCP (20) or UDP (8) header.
    `snapped` says a capture cut the frame short on purpose (its snap length): then the headers up
    to the ports are enough.
    """
    if len(data) - offset < 20:
        raise MalformedPacket(f"truncated IPv4 header ({len(data) - offset} bytes, need 20)", field=what)
    ver_ihl, _tos, total, _ident, frag, ttl, proto, _csum, src, dst = _IPV4.unpack_from(data, offset)
    if ver_ihl >> 4 != 4:
        raise MalformedPacket(f"not IPv4 (version {ver_ihl >> 4})", field=what)
    ihl = (ver_ihl & 0x0F) * 4
    if ihl < 20 or len(data) - offset < ihl:
        raise MalformedPacket(f"bad IPv4 header length {ihl}", field=what)
    if total < ihl:
        raise MalformedPacket(f"IPv4 total length {total} shorter than its header", field=what)
    more_fragments = bool(frag & 0x2000)
    frag_offset = frag & 0x1FFF
    h = Headers(struct.unpack("!I", src)[0], struct.unpack("!I", dst)[0], proto, ttl=ttl,
                length=total, fragment=more_fragments or frag_offset != 0, df=bool(frag & 0x4000))
    if not frag_offset:
        _parse_transport(h, data, offset + ihl, min(len(data), offset + total), what, snapped)
    present = len(data) - offset
    if total > present and not snapped:
        raise MalformedPacket(f"truncated packet: IPv4 total length {total}, {present} bytes present", field=what)
    return h


def _parse_transport(h: Headers, data: bytes, l4: int, end: int, what: str, snapped: bool) -> None:
    """Ports (TCP, UDP) or ICMP type, code and query id; `end` excludes link padding."""
    proto = h.proto
    if proto in (TCP, UDP):
        needed = 4 if snapped else (20 if proto == TCP else 8)
        if end - l4 < needed:
            raise MalformedPacket(f"truncated {PROTO_NAMES[proto]} header", field=what)
        h.sport, h.dport = _PORTS.unpack_from(data, l4)
    elif proto == ICMP:
        if end - l4 < 8:
            raise MalformedPacket("truncated icmp header", field=what)
        h.icmp_type, h.icmp_code, _c, ident = _ICMP.unpack_from(data, l4)
        h.sport = ident if h.icmp_type in ICMP_QUERY_REPLY else 0


def parse_frame(data: bytes, ip_offset: int = 14) -> Headers:
    """An Ethernet II frame carrying IPv4 (`ip_offset` 14), or a bare IPv4 packet (`ip_offset` 0)."""
    if ip_offset:
        if len(data) < 14:
            raise MalformedPacket(f"truncated Ethernet header ({len(data)} bytes, need 14)", field="packet")
        ethertype = struct.unpack_from("!H", data, 12)[0]
        if ethertype != ETH_P_IP:
            raise MalformedPacket(f"not an IPv4 frame (ethertype 0x{ethertype:04x})", field="packet")
    return parse_ipv4(data, ip_offset)


def from_scapy(packet) -> Headers:
    """Headers of a scapy packet that has an IP layer (a bare IP packet or an Ether frame)."""
    from scapy.layers.inet import IP

    if IP not in packet:
        raise MalformedPacket("packet has no IPv4 layer", field="packet")
    return parse_ipv4(bytes(packet[IP]))


def to_scapy(h: Headers):
    """A scapy packet with these headers (for output and tests)."""
    from scapy.layers.inet import ICMP as SICMP, IP, TCP as STCP, UDP as SUDP

    ip = IP(src=int_to_ip(h.src), dst=int_to_ip(h.dst), proto=h.proto, ttl=h.ttl)
    if h.proto == TCP:
        return ip / STCP(sport=h.sport, dport=h.dport)
    if h.proto == UDP:
        return ip / SUDP(sport=h.sport, dport=h.dport)
    if h.proto == ICMP:
        return ip / SICMP(type=h.icmp_type or 0, code=h.icmp_code or 0, id=h.sport)
    return ip
