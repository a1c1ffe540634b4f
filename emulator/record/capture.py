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
    writer, count = trace_capture(path, network, trace, start_ns, latency)
    writer.close()
    return count


def trace_capture(path: str | Path, network, trace: Trace, start_ns: int,
                  latency: LatencyModel | None = None) -> tuple[PcapngWriter, int]:
    """The capture of write_trace_capture, written but not yet in place: the caller close()s
    (or abort()s) the writer, so that several outputs of one command are put in place together."""
    latency = latency or LatencyModel.for_network(network)
    legs = [("request", trace)] + ([("reply", trace.reply)] if trace.reply is not None else [])
    count = 0
    writer = PcapngWriter(path)
    with writer.filling():
        offset_ns = start_ns
        for leg, part in legs:
            estimate = latency.estimate(network, part)
            for i, hop in enumerate(part.hops):
                headers = hop.headers_out or hop.headers_in or part.packet_in
                name = f"{hop.type} {hop.id}"
                iface = writer.interface(name, _describe(network, hop), LINKTYPE_RAW, tsresol=9)
                when = offset_ns + int(estimate.at_hop(i) * NS_PER_MS) + i * DECISION_STEP_NS
                direction = OUTBOUND if hop.action in ("send", "exit") else INBOUND if hop.action == "deliver" else 0
                data = hop.wire or packet_bytes(headers)  # GENEVE and PPv2 bytes where a hop carries them
                writer.packet(iface, when, data, comment=hop_comment(hop, i + 1, leg),
                              direction=direction)
                count += 1
            offset_ns += int(estimate.one_way_ms * NS_PER_MS) + len(part.hops) * DECISION_STEP_NS
    return writer, count


def _describe(network, hop: Hop) -> str:
    resource = network.topology.get(hop.id)
    name = getattr(resource, "name", None)
    return f"{hop.type} {hop.id}" + (f" ({name})" if name else "")


class EgressCapture:
    """`replay --out-capture`: pcapng of the packets that left, one interface per place they went
    (an instance, an endpoint, an AWS service, the internet …), original capture timestamps, and
    a comment on the first packet of each flow saying what happened to it."""

    def __init__(self, path: str | Path):
        from .pcapng import LINKTYPE_ETHERNET

        self.writer = PcapngWriter(path)
        self.linktype, self.ticks, self.tsresol = LINKTYPE_ETHERNET, 1_000_000, 6

    def begin(self, linktype: int, ticks_per_second: int) -> None:
        self.linktype = linktype
        self.ticks = ticks_per_second
        self.tsresol = 9 if ticks_per_second == 1_000_000_000 else 6

    def write(self, ts_sec: int, ts_frac: int, frame: bytes, wirelen: int, stat, ip_offset: int) -> None:
        decision = stat.decision
        where = decision.egress or decision.verdict
        iface = self.writer.interface(where, f"packets {decision.verdict} to {where}", self.linktype, self.tsresol)
        comment = ""
        if not stat.noted:
            stat.noted = True
            comment = _first_packet_comment(frame, ip_offset, decision)
        self.writer.packet(iface, ts_sec * self.ticks + ts_frac, frame, wirelen, comment, OUTBOUND)

    def close(self) -> None:
        self.writer.close()

    def abort(self) -> None:
        self.writer.abort()


def _first_packet_comment(frame: bytes, ip_offset: int, decision) -> str:
    from ..dataplane.packet import parse_ipv4
    from ..inputs.errors import MalformedPacket

    text = f"first packet of its flow: {decision.verdict}"
    text += f" {decision.code}" if decision.code else f" to {decision.egress}"
    try:
        text += f"; left as {parse_ipv4(frame, ip_offset).describe()}"
    except MalformedPacket:  # a packet forwarded although damaged: no header to show
        pass
    return text


def merge_captures(parts: list[str], out: str | Path, commit: bool = True) -> PcapngWriter:
    """Interleave replay workers' pcapng parts by timestamp into one file (interfaces by name).
    With commit=False the file is written but not put in place: the caller close()s the writer
    returned (with the command's other outputs) or abort()s it."""
    import heapq

    from .pcapng import read_pcapng

    captures = [read_pcapng(p) for p in parts]
    writer = PcapngWriter(out)
    with writer.filling():
        streams = []
        for capture in captures:
            streams.append([(capture.seconds(p), p, capture.interfaces[p.interface_id]) for p in capture.packets])
        for _, packet, iface in heapq.merge(*streams, key=lambda item: item[0]):
            new_id = writer.interface(iface.name, iface.description, iface.linktype, iface.tsresol)
            writer.packet(new_id, packet.timestamp, packet.data, packet.original_length, packet.comment, packet.flags)
    if commit:
        writer.close()
    return writer
