"""A trace as a capture to open in Wireshark: pcapng with one interface per component the packet
met (instance, security group, network ACL, route table, NAT gateway, internet gateway, …), one
packet per hop carrying the headers as they were at that hop (so NAT and the IGW's translation
show), a timestamp per hop from the latency model, and a comment naming the hop and its decision.

Packets are bare IPv4 (LINKTYPE_RAW): a VPC has no layer 2 a capture could show honestly. Frames
are built with scapy from the hop's Headers, at the edge, with valid checksums.
"""
from __future__ import annotations

from pathlib import Path

from ..dataplane.packet import Headers, to_scapy
from .latency import LatencyModel
from .pcapng import INBOUND, LINKTYPE_RAW, OUTBOUND, PcapngWriter
from .trace import Hop, Trace

NS_PER_MS = 1_000_000
DECISION_STEP_NS = 100  # hops at one place keep their order, 100 ns apart


def packet_bytes(headers: Headers) -> bytes:
    """The IPv4 packet with these headers (a TCP SYN for TCP), as bytes."""
    packet = to_scapy(headers)
    if headers.proto == 6:
        packet.payload.flags = "S"
    return bytes(packet)


def hop_comment(hop: Hop, number: int, leg: str) -> str:
    return f"{leg} hop {number}: {hop.type} {hop.id} {hop.action}: {hop.detail}".rstrip(": ")


def write_trace_capture(path: str | Path, network, trace: Trace, start_ns: int,
                        latency: LatencyModel | None = None) -> int:
    """Write the request (and reply, when traced) hop by hop; returns the number of packets."""
    latency = latency or LatencyModel.for_network(network)
    legs = [("request", trace)] + ([("reply", trace.reply)] if trace.reply is not None else [])
    count = 0
    with PcapngWriter(path) as writer:
        offset_ns = start_ns
        for leg, part in legs:
            estimate = latency.estimate(network, part)
            for i, hop in enumerate(part.hops):
                headers = hop.headers_out or hop.headers_in or part.packet_in
                name = f"{hop.type} {hop.id}"
                iface = writer.interface(name, _describe(network, hop), LINKTYPE_RAW, tsresol=9)
                when = offset_ns + int(estimate.at_hop(i) * NS_PER_MS) + i * DECISION_STEP_NS
                direction = OUTBOUND if hop.action in ("send", "exit") else INBOUND if hop.action == "deliver" else 0
                writer.packet(iface, when, packet_bytes(headers), comment=hop_comment(hop, i + 1, leg),
                              direction=direction)
                count += 1
            offset_ns += int(estimate.one_way_ms * NS_PER_MS) + len(part.hops) * DECISION_STEP_NS
    return count


def _describe(network, hop: Hop) -> str:
    resource = network.topology.get(hop.id)
    name = getattr(resource, "name", None)
    return f"{hop.type} {hop.id}" + (f" ({name})" if name else "")
