"""Replay captured traffic through a topology: every packet enters at one ENI and is forwarded by
the same pipeline as `trace` (dataplane/fastpath.py caches its decision per flow).

The loop works on raw bytes: the flow key is a slice of the header, looked up in a dict whose
values are shared Decision objects. Packets the quick checks do not recognise (fragments, IP
options, ICMP, anything odd) take the careful path, which parses them with struct and either
forwards them through the same FastPath or counts them as a bad-packet category.
"""
from __future__ import annotations

import heapq
import json
import mmap
import os
import struct
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .api import Network
from .dataplane.fastpath import Decision, FastPath, apply_rewrite
from .dataplane.packet import ETH_P_IP, PROTO_NAMES, TCP, UDP, int_to_ip, parse_ipv4
from .inputs.errors import InputError, MalformedPacket
from .inputs.pcap import LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_RAW, PcapWriter, open_pcap

CHECKPOINT = 64 << 20  # bytes of capture between page releases and progress reports
# Memory stays constant however many distinct flows a capture holds: every per-flow table is
# bounded. The flow table keeps the flows with the most packets (the others are folded into the
# totals, and the top flows are then marked approximate); the decision cache starts afresh when
# full, with the session state it was computed from (dataplane/fastpath.py).
FLOW_TABLE_LIMIT = 200_000
DECISION_CACHE_LIMIT = 200_000
BAD = "bad"

# Bad-packet categories: what AWS does with each, and the ICMP error it sends where it sends one.
BAD_PACKET_CATEGORIES = {
    "truncated-frame": "dropped: the frame ends inside a header",
    "non-ethernet-link": "dropped: the capture's link type is neither Ethernet nor raw IPv4",
    "non-ip": "dropped: not IPv4 (ARP is answered by the VPC router and never forwarded; IPv6 is not modelled)",
    "bad-checksum": "dropped: IPv4 header checksum is wrong",
    "ttl-expired": "dropped: TTL 0 (no ICMP time exceeded: the VPC router is not a hop, R119 covers only MTU)",
    "ip-options": "forwarded: IPv4 options are carried, the header is longer than 20 bytes",
    "fragment": "forwarded: non-first fragments carry no ports, so port rules see 0 (NAT gateways drop TCP/ICMP fragments, R124)",
}
_FORWARDED_CATEGORIES = {"ip-options", "fragment"}


@dataclass(slots=True)
class FlowStat:
    packets: int = 0
    bytes: int = 0
    decision: Decision | None = None
    proto: int = 0
    # With flow logs: the ENIs the flow crosses (record/flowlogs.py, from a traced run of its first
    # packet), and its aggregation windows [first ts, last ts, packets before, bytes before, crossings].
    crossings: tuple | None = None
    windows: list | None = None
    noted: bool = False  # --out-capture commented on its first packet
    mtu: int = 9001  # the path MTU of the flow's decision: bigger DF packets take the careful path (R119)


def _mtu_stat(flows: dict, key: tuple, decision: Decision) -> FlowStat:
    """Packets of a flow dropped for their size are counted apart from the flow's other packets."""
    mtu_key = (*key[:5], "too big")
    stat = flows.get(mtu_key)
    if stat is None:
        stat = flows[mtu_key] = FlowStat(decision=decision, proto=key[2])
    return stat


@dataclass
class ReplayReport:
    """What happened to a capture: counts by verdict and code, bad packets, the top flows."""

    packets: int = 0
    bytes: int = 0
    verdicts: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)
    egress: Counter = field(default_factory=Counter)
    bad_packets: Counter = field(default_factory=Counter)
    flows: dict[tuple, FlowStat] = field(default_factory=dict)
    seconds: float = 0.0
    workers: int = 1
    flow_rows: list = field(default_factory=list)  # flow log records (record/flowlogs.FlowRow), when asked

    # More distinct flows than the flow table holds: flows were folded out of it, so a flow's count
    # in the top flows may miss the packets it had when it was folded (a lower bound).
    approximate: bool = False
    flow_table_limit: int = FLOW_TABLE_LIMIT

    def top_flows(self, n: int = 10, by: str = "packets") -> list[tuple[tuple, FlowStat]]:
        return heapq.nlargest(n, self.flows.items(), key=lambda kv: getattr(kv[1], by))

    def merge(self, other: "ReplayReport") -> None:
        self.packets += other.packets
        self.bytes += other.bytes
        for mine, theirs in ((self.verdicts, other.verdicts), (self.codes, other.codes),
                             (self.egress, other.egress), (self.bad_packets, other.bad_packets)):
            mine.update(theirs)
        for key, stat in other.flows.items():
            if key not in self.flows:  # flows are sharded: a flow is one worker's
                self.flows[key] = stat
                continue
            existing = self.flows[key]
            existing.packets += stat.packets
            existing.bytes += stat.bytes
        self.approximate |= other.approximate
        if len(self.flows) > self.flow_table_limit:  # the workers' tables together: the biggest stay
            self.flows = dict(heapq.nlargest(self.flow_table_limit, self.flows.items(), key=lambda kv: kv[1].packets))
            self.approximate = True
        self.flow_rows.extend(other.flow_rows)

    def as_dict(self, top: int = 10) -> dict:
        return {
            "packets": self.packets, "bytes": self.bytes, "seconds": round(self.seconds, 3),
            "packets_per_second": round(self.packets / self.seconds) if self.seconds else None,
            "workers": self.workers,
            "verdicts": dict(self.verdicts), "codes": dict(self.codes), "egress": dict(self.egress),
            "bad_packets": {k: {"count": v, "meaning": BAD_PACKET_CATEGORIES[k]} for k, v in self.bad_packets.items()},
            "top_flows": [_flow_dict(k, s) for k, s in self.top_flows(top)],
            "top_flows_approximate": self.approximate,
        }

    def render(self, top: int = 10) -> str:
        rate = f", {self.packets / self.seconds:,.0f} packets/s" if self.seconds else ""
        lines = [f"{self.packets:,} packets, {self.bytes:,} bytes in {self.seconds:.2f} s{rate}"
                 + (f" ({self.workers} workers)" if self.workers > 1 else "")]
        for verdict, n in self.verdicts.most_common():
            lines.append(f"  {verdict:<10} {n:>12,}")
        for code, n in self.codes.most_common():
            lines.append(f"    {code:<40} {n:>12,}")
        if self.bad_packets:
            lines.append("bad packets:")
            for category, n in self.bad_packets.most_common():
                lines.append(f"  {category:<18} {n:>12,}  {BAD_PACKET_CATEGORIES[category]}")
        lines.append(f"top {top} flows by packets" + (f" (approximate: more than {self.flow_table_limit:,} flows, "
                                                      f"counts may be low):" if self.approximate else ":"))
        for key, stat in self.top_flows(top):
            d = _flow_dict(key, stat)
            lines.append(f"  {d['flow']:<52} {stat.packets:>10,} pkts {stat.bytes:>12,} B  {d['fate']}")
        return "\n".join(lines)


def _flow_dict(key: tuple, stat: FlowStat) -> dict:
    if key[0] == BAD:
        return {"flow": f"(bad packets: {key[1]})", "packets": stat.packets, "bytes": stat.bytes,
                "fate": BAD_PACKET_CATEGORIES.get(key[1], BAD), "verdict": BAD, "code": None, "egress": None}
    src, dst, proto, sport, dport = key[:5]
    name = PROTO_NAMES.get(proto, str(proto))
    flow = (f"{int_to_ip(src)}:{sport} > {int_to_ip(dst)}:{dport} {name}" if proto in (TCP, UDP)
            else f"{int_to_ip(src)} > {int_to_ip(dst)} {name}")
    d = stat.decision
    fate = "bad packet" if d is None else (f"{d.verdict} {d.code}" if d.code else f"{d.verdict} -> {d.egress}")
    return {"flow": flow, "packets": stat.packets, "bytes": stat.bytes, "fate": fate,
            "verdict": d.verdict if d else BAD, "code": d.code if d else None, "egress": d.egress if d else None}


class Replayer:
    """Replays frames entering at `at` through `network`. One per run: it keeps session state."""

    def __init__(self, network: Network, at: str, shard: tuple[int, int] = (0, 1), flow_logs: bool = False,
                 flow_log_interval: int = 600, flow_table_limit: int = FLOW_TABLE_LIMIT,
                 cache_limit: int = DECISION_CACHE_LIMIT):
        self.network = network
        self.port = network.port(at)
        # With flow logs, the first packet of each flow is traced (its hops recorded) to find the
        # ENIs it crosses; later packets of the flow only count towards its records.
        self.fastpath = (_TracingFastPath if flow_logs else FastPath)(network.fabric, self.port,
                                                                      cache_limit=cache_limit)
        self.shard = shard
        self.flow_table_limit = max(2, flow_table_limit)
        self.report = ReplayReport(flow_table_limit=self.flow_table_limit)
        # With flow logs, the stats folded out of the flow table, for their records (flow logs hold
        # a record per flow and window: their size grows with the flows, as the files written do).
        self._folded: list[FlowStat] = []
        self.quick: dict[bytes, FlowStat] = {}  # the loop's own cache: raw addresses+ports -> stats
        self.dropped_keys: dict[tuple, bytes] = {}  # flow -> its quick key, for drops new state may lift
        self.flow_logs = flow_logs
        self.flow_log_interval = flow_log_interval
        self._fresh_crossings: tuple | None = None  # what the last classify() traced
        self._last_headers = None

    # --- the careful path -----------------------------------------------------------------------

    def classify(self, frame: bytes, ip_offset: int,
                 snapped: bool = False) -> tuple[str | None, Decision | None, tuple | None]:
        """(bad-packet category or None, decision or None, flow key) for any frame; `snapped` when
        the capture cut it to its snap length."""
        if ip_offset:
            if len(frame) < 14:
                return "truncated-frame", None, None
            if struct.unpack_from("!H", frame, 12)[0] != ETH_P_IP:
                return "non-ip", None, None
        if len(frame) <= ip_offset or frame[ip_offset] >> 4 != 4:
            return ("truncated-frame" if len(frame) <= ip_offset else "non-ip"), None, None
        try:
            h = parse_ipv4(frame, ip_offset, snapped=snapped)
        except MalformedPacket:
            return "truncated-frame", None, None
        ihl = (frame[ip_offset] & 0x0F) * 4
        if len(frame) < ip_offset + ihl or _ip_checksum(frame, ip_offset, ihl) != 0:
            return "bad-checksum", None, None
        if h.ttl == 0:
            return "ttl-expired", None, None
        key = (h.src, h.dst, h.proto, h.sport, h.dport)
        category = "fragment" if h.fragment else ("ip-options" if ihl > 20 else None)
        decision = self.fastpath.decide(h)
        if self.flow_logs:
            self._last_headers = h
            if self.fastpath.hops is not None:
                self._fresh_crossings = self._crossings(self.fastpath.hops)
                self.fastpath.hops = None
        return category, decision, key

    def _crossings(self, hops) -> tuple:
        from .record.flowlogs import crossings_of_hops

        return tuple(crossings_of_hops(self.network, hops))

    def _trace_crossings(self, h) -> tuple:
        """The ENIs a flow crosses when its decision came from the cache (the flow left the
        bounded flow table and came back): its packet traced again, with the session as it is."""
        from .dataplane.pipeline import Forwarder

        hops: list = []
        Forwarder(self.network.fabric, self.fastpath.session, recorder=hops).from_port(self.port, h)
        return self._crossings(hops)

    # --- the loop ---------------------------------------------------------------------------------

    def run_pcap(self, path: str | Path, writer: PcapWriter | None = None, progress=None) -> ReplayReport:
        capture = open_pcap(path)
        try:
            if capture.linktype == LINKTYPE_ETHERNET:
                ip_offset = 14
            elif capture.linktype in (LINKTYPE_RAW, LINKTYPE_IPV4):
                ip_offset = 0
            else:
                self._count_all_bad(capture)
                return self.report
            if writer is not None:
                writer.begin(capture, ip_offset)
            started = time.perf_counter()
            self._loop(capture, ip_offset, writer, progress)
            self.report.seconds = time.perf_counter() - started
        finally:
            capture.close()
        return self.report

    def _count_all_bad(self, capture) -> None:
        for _ in _records(capture):
            self.report.packets += 1
            self.report.bad_packets["non-ethernet-link"] += 1

    def _loop(self, capture, ip_offset: int, writer, progress) -> None:
        data = capture.data
        size = len(data)
        record = struct.Struct(capture.endian + "IIII").unpack_from
        offset = capture.first_record
        shard_index, shard_count = self.shard
        sharded = shard_count > 1
        timed = self.flow_logs
        interval = self.flow_log_interval
        # raw addresses+ports -> (stats of the flow, its decision); a hit still checks the rest.
        quick = self.quick
        dropped_keys = self.dropped_keys
        fastpath = self.fastpath
        generation = fastpath.generation
        limit = self.flow_table_limit
        flows = self.report.flows
        bad = self.report.bad_packets
        key_from, key_to = ip_offset + 12, ip_offset + 24
        # What a plain packet of a cached flow looks like ahead of its addresses: Ethernet type
        # IPv4 and a 20-byte header (checked as one slice), no fragment bits, TTL not 0.
        lead_from, lead = (12, b"\x08\x00\x45") if ip_offset == 14 else (0, b"\x45")
        lead_to = lead_from + len(lead)
        frag_at, ttl_at, proto_at, header_end = ip_offset + 6, ip_offset + 8, ip_offset + 9, ip_offset + 20
        packets = bad_packets = bad_bytes = 0
        # Every CHECKPOINT bytes of capture: release the pages already read (a memory-mapped file's
        # pages count as resident otherwise, and memory would grow with the capture) and report progress.
        checkpoint = capture.first_record + CHECKPOINT
        released = 0
        while offset < size:
            if offset + 16 > size:
                raise InputError(f"truncated pcap record header at byte offset {offset}", file=capture.path)
            ts_sec, ts_frac, caplen, wirelen = record(data, offset)
            start = offset + 16
            offset = start + caplen
            if offset > size:
                raise InputError(f"truncated pcap record at byte offset {start - 16}: {caplen} bytes announced, "
                                 f"{size - start} left", file=capture.path)
            # A record too short for the flow key is read no further than its end (the careful
            # path counts it); its key must not be read out of the next record.
            key_bytes = data[start + key_from:start + key_to] if caplen >= key_to else data[start:offset]
            if sharded and hash(key_bytes) % shard_count != shard_index:
                continue  # another worker's flow: only its key was read
            frame = data[start:offset]
            stat = quick.get(key_bytes) if caplen >= key_to else None
            if (stat is None or frame[lead_from:lead_to] != lead or frame[proto_at] != stat.proto
                    or frame[frag_at] & 0x3F or frame[frag_at + 1] or not frame[ttl_at]
                    or (frame[frag_at] & 0x40 and wirelen - ip_offset > stat.mtu)
                    or int.from_bytes(frame[ip_offset:header_end], "big") % 0xFFFF):
                category, decision, key = self.classify(frame, ip_offset, caplen < wirelen)
                if category is not None:
                    bad[category] += 1
                if decision is None:
                    bad_packets += 1
                    bad_bytes += wirelen
                    continue
                if fastpath.generation != generation:
                    # The decision cache started afresh (its session too): the drops cached here
                    # are no longer watched, so they are decided again like everything else.
                    generation = fastpath.generation
                    quick.clear()
                    dropped_keys.clear()
                stat = flows.get(key)
                if stat is None:
                    if len(flows) >= limit:
                        self._fold_small_flows()  # clears quick and dropped_keys: they point into the table
                    stat = flows[key] = FlowStat(proto=key[2])
                flow_stat = stat
                if decision.code == "MTU_EXCEEDED":  # this packet only; the flow's own decision stands
                    stat = _mtu_stat(flows, key, decision)
                else:
                    stat.decision = decision
                    stat.mtu = decision.path_mtu
                if self._fresh_crossings is not None:  # the flow's own path (decided without its size)
                    flow_stat.crossings, self._fresh_crossings = self._fresh_crossings, None
                if timed and stat.crossings is None:  # a flow back from the cache, or its too-big packets
                    stat.crossings = self._trace_crossings(self._last_headers)
                if fastpath.forgotten:
                    # New state lifted cached drops (a reply after its request): forget them here too.
                    for flow in fastpath.forgotten:
                        quick.pop(dropped_keys.pop(flow[:5], b""), None)
                    fastpath.forgotten.clear()
                if category is None and key[2] in (TCP, UDP) and decision.code != "MTU_EXCEEDED":
                    quick[key_bytes] = stat
                    if decision.verdict == "dropped":
                        dropped_keys[key] = key_bytes
            packets += 1
            stat.packets += 1
            stat.bytes += wirelen
            if timed:  # flow logs: a new aggregation window when the interval is over or the fate changed
                windows = stat.windows
                if windows is None or ts_sec >= windows[-1][0] + interval or windows[-1][4] is not stat.crossings:
                    if windows is None:
                        windows = stat.windows = []
                    windows.append([ts_sec, ts_sec, stat.packets - 1, stat.bytes - wirelen, stat.crossings])
                else:
                    windows[-1][1] = ts_sec
            if writer is not None and stat.decision.verdict != "dropped":
                writer.write(ts_sec, ts_frac, frame, wirelen, stat)
            if offset >= checkpoint:
                checkpoint += CHECKPOINT
                released = _release(data, released, offset)
                if progress is not None:
                    progress(packets, offset, size)
        report = self.report
        self._count(flows.values())
        report.packets += packets + bad_packets
        report.bytes += bad_bytes
        for category, n in bad.items():
            if category not in _FORWARDED_CATEGORIES:
                report.verdicts[BAD] += n
        if timed:
            report.flow_rows.extend(self._flow_rows(list(flows.values()) + self._folded, ip_offset))

    def _flow_rows(self, stats: list[FlowStat], ip_offset: int) -> list:
        """Flow log records: per flow, per aggregation window, one per ENI crossing. Bytes are IP
        bytes (the capture's link header taken off), as flow logs count them."""
        from .record.flowlogs import Record

        records: dict[tuple, Record] = {}
        interval = self.flow_log_interval
        for stat in stats:
            windows = stat.windows or []
            for i, (first, last, packets_before, bytes_before, crossings) in enumerate(windows):
                packets_after, bytes_after = ((windows[i + 1][2], windows[i + 1][3]) if i + 1 < len(windows)
                                              else (stat.packets, stat.bytes))
                packets = packets_after - packets_before
                size = bytes_after - bytes_before - ip_offset * packets
                for crossing in crossings or ():
                    # One record per 5-tuple, ENI and window: a flow's too-big packets (counted apart)
                    # join the record of its other packets when the ENI saw them alike.
                    key = (crossing.key, first // interval)
                    record = records.get(key)
                    if record is None:
                        records[key] = Record(crossing, packets, size, first, last)
                    else:
                        record.packets += packets
                        record.bytes += size
                        record.start, record.end = min(record.start, first), max(record.end, last)
        return [record.row(self.network) for record in records.values()]

    def _count(self, stats) -> None:
        """Add flows' packets and bytes to the totals by their decisions."""
        report = self.report
        verdicts, codes, egress = report.verdicts, report.codes, report.egress
        for stat in stats:
            d = stat.decision
            if d is None:
                continue
            verdicts[d.verdict] += stat.packets
            if d.code:
                codes[d.code] += stat.packets
            if d.egress and d.verdict != "dropped":
                egress[d.egress] += stat.packets
            report.bytes += stat.bytes

    def _fold_small_flows(self) -> None:
        """Keep the flow table bounded: the half with the fewest packets is folded into the totals
        (they leave the top-flows table, which is from then on approximate)."""
        flows = self.report.flows
        keep = heapq.nlargest(len(flows) // 2, flows.items(), key=lambda kv: kv[1].packets)
        kept = {k for k, _ in keep}
        folded = [stat for key, stat in flows.items() if key not in kept]
        self._count(folded)
        if self.flow_logs:
            self._folded.extend(folded)
        flows.clear()
        flows.update(keep)
        self.quick.clear()  # its entries point at stats that may have been folded away
        self.dropped_keys.clear()
        self.report.approximate = True

    def run_frames(self, frames: Iterable[bytes], ip_offset: int = 14) -> Iterator[tuple[bytes, Decision | None, str | None]]:
        """The Python API over raw frames: yields (frame as it leaves, decision, bad category)."""
        for frame in frames:
            category, decision, _ = self.classify(frame, ip_offset)
            self.report.packets += 1
            if category is not None:
                self.report.bad_packets[category] += 1
            if decision is None:
                self.report.verdicts[BAD] += 1
                yield frame, None, category
                continue
            self.report.verdicts[decision.verdict] += 1
            if decision.code:
                self.report.codes[decision.code] += 1
            out = apply_rewrite(frame, ip_offset, decision) if decision.verdict != "dropped" else frame
            yield out, decision, category


def _ip_checksum(frame: bytes, offset: int, ihl: int) -> int:
    """0 when the IPv4 header checksum is right. The one's-complement sum of 16-bit words is the
    header's value modulo 0xFFFF (2**16 = 1 mod 0xFFFF), so one big-int remainder checks it."""
    return int.from_bytes(frame[offset:offset + ihl], "big") % 0xFFFF


def _records(capture) -> Iterator[tuple[int, int, bytes]]:
    record = struct.Struct(capture.endian + "IIII").unpack_from
    offset, size = capture.first_record, len(capture.data)
    while offset + 16 <= size:
        ts_sec, ts_frac, caplen, _ = record(capture.data, offset)
        yield ts_sec, ts_frac, capture.data[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen


def replay(network: Network, path: str | Path, at: str, out: str | Path | None = None, workers: int = 1,
           progress=None, out_capture: str | Path | None = None, flow_logs: str | Path | None = None,
           flow_log_format: str = "v2", flow_log_interval: int = 600) -> ReplayReport:
    """Replay a pcap through `network` from `at`; with `out`, write delivered/exited packets as they
    left (classic pcap); with `out_capture`, the same as pcapng with an interface per egress and a
    comment per flow; with `flow_logs`, VPC Flow Logs of every ENI the flows crossed, aggregated per
    flow and `flow_log_interval` seconds of capture time (60 or 600, as AWS allows).

    The outputs are written beside their targets and put in place together once all are complete
    (emulator/atomic.py); any failure or interruption leaves none of them and no temporary file."""
    from .atomic import check_output
    from .record.flowlogs import FORMATS

    if flow_log_format not in FORMATS:
        raise InputError(f"unknown flow log format {flow_log_format!r} (v2 or v5)", field="--flow-log-format")
    if flow_log_interval not in (60, 600):
        raise InputError(f"the aggregation interval is 60 or 600 seconds, got {flow_log_interval}",
                         field="--flow-log-interval")
    capture = open_pcap(path)  # bad input is reported here, once, before any output or worker starts
    linktype = capture.linktype
    capture.close()
    network.port(at)
    for target in (out, out_capture):
        if target:
            check_output(target)  # stdout carries the report; a directory or disk is refused
    logging = flow_logs is not None
    if workers <= 1:
        writer = _Outputs(out, out_capture, linktype)
        try:
            report = Replayer(network, at, flow_logs=logging, flow_log_interval=flow_log_interval).run_pcap(
                path, writer if writer else None, progress)
            _finish(writer, report, flow_logs, flow_log_format)
        except BaseException:
            writer.abort()
            raise
        return report
    return _replay_sharded(network, path, at, out, workers, out_capture, flow_logs, flow_log_format,
                           flow_log_interval, linktype)


def _finish(writer: "_Outputs", report: ReplayReport, flow_logs, flow_log_format: str) -> None:
    """Write the flow logs, then put every output in place at once."""
    from .atomic import commit
    from .record.flowlogs import FlowLogFiles

    files = [w for w in (writer.pcap, writer.capture) if w is not None]
    if flow_logs is not None:
        files.append(FlowLogFiles(flow_logs, report.flow_rows, flow_log_format))
    commit(files)


class _TracingFastPath(FastPath):
    """A FastPath that records the hops of each flow's first packet (for flow logs)."""

    hops: list | None = None

    def outcome(self, h):
        from .dataplane.pipeline import Forwarder

        self.hops = []
        return Forwarder(self.fabric, self.session, recorder=self.hops).from_port(self.port, h)


class _Outputs:
    """Where the packets that left are written: a classic pcap (`out`) and/or pcapng (`capture`)."""

    def __init__(self, out=None, capture=None, linktype: int = LINKTYPE_ETHERNET):
        from .record.capture import EgressCapture

        self.pcap = PcapWriter(out, linktype) if out else None
        try:
            self.capture = EgressCapture(capture) if capture else None
        except BaseException:
            if self.pcap:
                self.pcap.abort()
            raise
        self.ip_offset = 14

    def __bool__(self) -> bool:
        return self.pcap is not None or self.capture is not None

    def begin(self, capture, ip_offset: int) -> None:
        self.ip_offset = ip_offset
        if self.capture is not None:
            self.capture.begin(capture.linktype, capture.ticks_per_second)

    def write(self, ts_sec: int, ts_frac: int, frame: bytes, wirelen: int, stat: FlowStat) -> None:
        out = apply_rewrite(frame, self.ip_offset, stat.decision)
        if self.pcap is not None:
            try:
                self.pcap.write(ts_sec, ts_frac, out, wirelen)
            except OSError as error:  # a full disk, /dev/full, a FIFO whose reader left
                raise self.pcap.failure(error) from None
        if self.capture is not None:
            try:
                self.capture.write(ts_sec, ts_frac, out, wirelen, stat, self.ip_offset)
            except OSError as error:
                raise self.capture.writer.failure(error) from None

    def close(self) -> None:
        for writer in (self.pcap, self.capture):
            if writer is not None:
                writer.close()

    def abort(self) -> None:
        for writer in (self.pcap, self.capture):
            if writer is not None:
                writer.abort()


def _replay_sharded(network: Network, path, at: str, out, workers: int, out_capture=None, flow_logs=None,
                    flow_log_format: str = "v2", flow_log_interval: int = 600,
                    linktype: int = LINKTYPE_ETHERNET) -> ReplayReport:
    """Flows are sharded by a hash of their addresses and ports before the workers start: each
    worker forwards its own flows from the same file, with its own session (flows are independent).
    Their parts go to a temporary folder, removed however the run ends."""
    import multiprocessing
    import shutil

    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    tmpdir = tempfile.mkdtemp(prefix="vpcemu-replay-")
    writer = None
    try:
        parts = [os.path.join(tmpdir, f"part{i}.pcap") for i in range(workers)] if out else [None] * workers
        capture_parts = ([os.path.join(tmpdir, f"part{i}.pcapng") for i in range(workers)] if out_capture
                         else [None] * workers)
        global _FORKED_NETWORK
        _FORKED_NETWORK = network  # compiled tries do not pickle; forked workers inherit them
        try:
            with context.Pool(workers, initializer=_worker_start) as pool:
                results = pool.starmap(_worker, [(str(path), at, (i, workers), parts[i], capture_parts[i],
                                                  flow_logs is not None, flow_log_interval, linktype)
                                                 for i in range(workers)])
        finally:
            _FORKED_NETWORK = None
        report = ReplayReport(workers=workers)
        for part in results:
            report.merge(part)
        writer = _Outputs(None, None)
        if out:
            writer.pcap = _merge_parts(parts, str(out), linktype)
        if out_capture:
            from .record.capture import merge_captures

            writer.capture = merge_captures(capture_parts, out_capture, commit=False)
        _finish(writer, report, flow_logs, flow_log_format)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report


_FORKED_NETWORK: Network | None = None


def _worker_start() -> None:
    """Workers leave Ctrl-C to the parent, which ends them and removes what they wrote."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker(path, at, shard, out_part, capture_part=None, flow_logs=False, flow_log_interval=600,
            linktype=LINKTYPE_ETHERNET):
    writer = _Outputs(out_part, capture_part, linktype)
    try:
        report = Replayer(_FORKED_NETWORK, at, shard, flow_logs, flow_log_interval).run_pcap(
            path, writer if writer else None)
    except BaseException:
        writer.abort()
        raise
    writer.close()
    report.flows = {k: _portable(s) for k, s in report.flows.items()}
    return report


def _portable(stat: FlowStat) -> FlowStat:
    """What a worker sends back: crossings hold compiled ports, which do not pickle (and are done with)."""
    stat.crossings = stat.windows = None
    return stat


def _merge_parts(parts: list[str], out: str, linktype: int) -> PcapWriter:
    """Interleave the workers' outputs by timestamp into one capture, written but not yet in place."""
    captures = [open_pcap(p) for p in parts]
    writer = PcapWriter(out, linktype)
    try:
        with writer.filling():
            streams = [_records(c) for c in captures]
            for ts_sec, ts_frac, frame in heapq.merge(*streams, key=lambda r: (r[0], r[1])):
                writer.write(ts_sec, ts_frac, frame)
    finally:
        for c in captures:
            c.close()
    return writer


def _release(data, released: int, offset: int) -> int:
    """Drop the mapped pages before `offset` from this process's memory; returns the new mark."""
    end = offset - offset % mmap.PAGESIZE
    if end > released and hasattr(data, "madvise"):
        data.madvise(mmap.MADV_DONTNEED, released, end - released)
        return end
    return released


def print_progress(packets: int, offset: int, size: int) -> None:
    if sys.stderr.isatty():
        width = 30
        done = int(width * offset / size)
        print(f"\r[{'#' * done}{'.' * (width - done)}] {packets:,} packets", end="", file=sys.stderr, flush=True)


def report_json(report: ReplayReport, top: int = 10) -> str:
    return json.dumps(report.as_dict(top))


__all__ = ["Replayer", "ReplayReport", "replay", "BAD_PACKET_CATEGORIES", "Path"]
