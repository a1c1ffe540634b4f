"""Replay (issue #5): the fast path must give exactly the answers the traced path gives."""
from __future__ import annotations

import os
import random
import struct
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

import emulator
from emulator.dataplane.state import Session
from emulator.inputs.errors import InputError, MalformedPacket
from emulator.replay import Replayer, replay
from tests.captures import frame, write_capture
from tests.conftest import TOPOLOGIES

WEB_A = "10.0.0.10"
# Destinations from web-a covering every verdict the seed produces, and several drop codes.
DESTINATIONS = [
    ("52.95.148.10", "tcp", 443),   # S3 through the gateway endpoint: delivered
    ("52.94.15.10", "tcp", 443),    # DynamoDB's public address through the IGW: delivered
    ("8.8.8.8", "tcp", 80),         # the internet: exited
    ("8.8.8.8", "icmp", 0),         # ICMP to the internet: exited
    ("10.0.1.10", "tcp", 443),      # web-b, allowed by its SG: delivered
    ("10.0.1.10", "tcp", 22),       # web-b, port its SG blocks: ENI_SG_RULES_MISMATCH
    ("10.0.10.100", "tcp", 443),    # the DynamoDB interface endpoint: delivered
    ("10.0.10.100", "udp", 53),     # SG of the endpoint blocks UDP: ENI_SG_RULES_MISMATCH
    ("192.168.5.5", "tcp", 443),    # private address on the internet: INTERNET_PRIVATE_DESTINATION
    ("10.0.200.9", "tcp", 443),     # inside the VPC CIDR, no subnet: NO_SUBNET_FOR_DESTINATION
    ("10.0.10.77", "tcp", 443),     # in a subnet, no ENI: NO_ENI_FOR_DESTINATION
    ("10.0.0.2", "udp", 53),        # the VPC resolver: delivered (R131)
]


@pytest.fixture(scope="module")
def seed():
    return emulator.load(TOPOLOGIES / "seed-endpoints.yaml")


def mixed_frames(rng: random.Random, count: int) -> list[bytes]:
    frames = []
    for i in range(count):
        dst, proto, dport = rng.choice(DESTINATIONS)
        frames.append(frame(WEB_A, dst, proto, 40000 + rng.randrange(50), dport))
    # fragments (a first fragment with ports, a later one without), IP options, TTL 0, bad checksum
    frames.append(bytes(Ether() / IP(src=WEB_A, dst="8.8.8.8", flags="MF") / TCP(dport=80)))
    frames.append(bytes(Ether() / IP(src=WEB_A, dst="8.8.8.8", frag=100, proto=6) / (b"x" * 40)))
    frames.append(bytes(Ether() / IP(src=WEB_A, dst="8.8.8.8", options=[b"\x01\x01\x01\x00"]) / TCP(dport=80)))
    frames.append(bytes(Ether() / IP(src=WEB_A, dst="8.8.8.8", ttl=0) / TCP(dport=80)))
    # bigger than the internet gateway's 1500 bytes: dropped with DF (R119), fragmented without
    frames.append(bytes(Ether() / IP(src=WEB_A, dst="8.8.8.8", flags="DF") / TCP(sport=40001, dport=80) / (b"x" * 3000)))
    frames.append(bytes(Ether() / IP(src=WEB_A, dst="8.8.8.8") / TCP(sport=40001, dport=80) / (b"x" * 3000)))
    broken = bytearray(frame(WEB_A, "8.8.8.8", "tcp", 1, 80))
    broken[24] ^= 0xFF  # the IPv4 header checksum
    frames.append(bytes(broken))
    return frames


def test_replay_and_trace_agree_packet_by_packet(seed):
    """The differential test: same verdict, code and egress for every packet, in order, with the
    same session state growing on both sides."""
    frames = mixed_frames(random.Random(7), 400)
    replayer = Replayer(seed, "web-a")
    session = Session()
    seen_codes = set()
    for raw, (out, decision, category) in zip(frames, replayer.run_frames(frames)):
        if category in ("ttl-expired", "bad-checksum"):
            assert decision is None
            continue
        trace = seed.trace(Ether(raw), at="web-a", session=session)
        assert decision is not None
        assert (decision.verdict, decision.code, decision.egress) == (trace.verdict, trace.code, trace.delivered_to)
        if decision.verdict != "dropped":
            assert IP in Ether(out) and Ether(out)[IP].dst == emulator.api.int_to_ip(trace.packet_out.dst)
        seen_codes.add(trace.code)
    assert {"ENI_SG_RULES_MISMATCH", "INTERNET_PRIVATE_DESTINATION", "NO_SUBNET_FOR_DESTINATION",
            "NO_ENI_FOR_DESTINATION", "MTU_EXCEEDED", None} <= seen_codes
    assert replayer.report.bad_packets == {"fragment": 2, "ip-options": 1, "ttl-expired": 1, "bad-checksum": 1}


def test_pcap_replay_counts_match_tracing_each_flow(seed, tmp_path):
    """Acceptance 3 in small: per-verdict counts equal the traced verdict of each distinct flow."""
    rng = random.Random(3)
    flows = [frame(WEB_A, d, p, 30000 + i, dp) for i, (d, p, dp) in enumerate(DESTINATIONS * 3)]
    packets = [rng.choice(flows) for _ in range(5000)]
    write_capture(tmp_path / "in.pcap", packets)
    report = replay(seed, tmp_path / "in.pcap", "web-a")
    expected: dict[str, int] = {}
    codes: dict[str, int] = {}
    for f in flows:
        n = packets.count(f)
        trace = seed.trace(Ether(f), at="web-a")
        expected[trace.verdict] = expected.get(trace.verdict, 0) + n
        if trace.code:
            codes[trace.code] = codes.get(trace.code, 0) + n
    assert dict(report.verdicts) == expected
    assert dict(report.codes) == codes
    assert report.packets == 5000


def test_workers_give_the_results_of_one(seed, tmp_path):
    rng = random.Random(11)
    write_capture(tmp_path / "in.pcap", mixed_frames(rng, 3000))
    one = replay(seed, tmp_path / "in.pcap", "web-a", out=tmp_path / "one.pcap")
    two = replay(seed, tmp_path / "in.pcap", "web-a", out=tmp_path / "two.pcap", workers=2)
    for field in ("verdicts", "codes", "egress", "bad_packets"):
        assert getattr(one, field) == getattr(two, field)
    assert (one.packets, one.bytes) == (two.packets, two.bytes)
    assert {k: (s.packets, s.bytes) for k, s in one.flows.items()} == {k: (s.packets, s.bytes) for k, s in two.flows.items()}
    assert (tmp_path / "one.pcap").stat().st_size == (tmp_path / "two.pcap").stat().st_size


def test_rewritten_packets_keep_valid_checksums(seed, tmp_path):
    """NAT and the IGW rewrite addresses and ports (RFC 1624 incremental checksums)."""
    from scapy.utils import rdpcap

    write_capture(tmp_path / "in.pcap", [frame("10.0.12.10", "8.8.8.8", "tcp", 5555, 80),
                                         frame("10.0.12.10", "8.8.8.8", "udp", 5556, 53),
                                         frame("10.0.12.10", "8.8.8.8", "icmp", 77, 0)])
    replay(seed, tmp_path / "in.pcap", "batch-1", out=tmp_path / "out.pcap")
    out = rdpcap(str(tmp_path / "out.pcap"))
    assert len(out) == 3
    for packet in out:
        assert packet[IP].src == "18.130.11.5"  # the NAT gateway's Elastic IP (R122, R120)
        recomputed = Ether(bytes(packet))
        for layer in (IP, recomputed[IP].payload.__class__):
            original = packet[layer].chksum
            del recomputed[layer].chksum
            assert Ether(bytes(recomputed))[layer].chksum == original


def test_truncated_capture_names_the_offset(seed, tmp_path):
    write_capture(tmp_path / "in.pcap", [frame(WEB_A, "8.8.8.8")] * 3)
    data = (tmp_path / "in.pcap").read_bytes()
    (tmp_path / "cut.pcap").write_bytes(data[:-10])
    with pytest.raises(InputError, match=r"truncated pcap record at byte offset \d+"):
        replay(seed, tmp_path / "cut.pcap", "web-a", out=tmp_path / "out.pcap")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.pcap", "in.pcap"]  # no output, no temporary file


def test_non_ethernet_link_types_are_counted(seed, tmp_path):
    path = tmp_path / "sll.pcap"
    path.write_bytes(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 113)
                     + struct.pack("<IIII", 0, 0, 4, 4) + b"abcd")
    report = replay(seed, path, "web-a")
    assert report.bad_packets == {"non-ethernet-link": 1}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=0, max_size=80), dst=st.sampled_from(DESTINATIONS), cut=st.integers(0, 60),
       flip=st.integers(0, 59))
def test_random_and_malformed_packets_never_crash_and_agree(seed, data, dst, cut, flip):
    """Random bytes, and real packets cut short or with a flipped byte: replay counts or forwards
    them; wherever trace accepts a packet, both give the same decision."""
    good = bytearray(frame(WEB_A, dst[0], dst[1], 40000, dst[2]))
    good[flip % len(good)] ^= 0x5A
    for raw in (data, bytes(good[: 14 + cut]), bytes(good)):
        replayer = Replayer(seed, "web-a")
        [(_, decision, category)] = list(replayer.run_frames([raw]))
        try:
            trace = seed.trace(raw, at="web-a")
        except MalformedPacket:
            assert decision is None
            continue
        if decision is None:  # replay refused it: a category trace does not check (TTL 0, checksum)
            assert category in ("ttl-expired", "bad-checksum", "non-ip", "truncated-frame")
            continue
        assert (decision.verdict, decision.code) == (trace.verdict, trace.code)


def test_a_million_packets_give_the_counts_of_tracing_each_flow(seed, tmp_path):
    """Acceptance 3: a 1,000,000-packet capture (not timed)."""
    rng = random.Random(5)
    flows = [frame(WEB_A, d, p, 20000 + i, dp) for i, (d, p, dp) in enumerate(DESTINATIONS * 40)]
    counts = [0] * len(flows)
    path = tmp_path / "million.pcap"
    from emulator.inputs.pcap import PcapWriter

    writer = PcapWriter(path)
    for n in range(1_000_000):
        i = rng.randrange(len(flows))
        counts[i] += 1
        writer.write(n // 100000, n % 100000, flows[i])
    writer.close()
    report = replay(seed, path, "web-a")
    expected: dict[str, int] = {}
    for f, n in zip(flows, counts):
        verdict = seed.trace(Ether(f), at="web-a").verdict
        expected[verdict] = expected.get(verdict, 0) + n
    assert dict(report.verdicts) == expected and report.packets == 1_000_000


# --- records shorter than their headers (issue: the flow key was read past the record) ---------------


def _raw_ipv4(src: str, dst: str, sport: int, dport: int) -> bytes:
    return bytes(IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags="S"))


def test_a_record_shorter_than_its_headers_is_counted_never_read_past(seed, tmp_path):
    """A raw-IPv4 record of 8 bytes is followed by a record header whose bytes spell a cached flow's
    addresses and ports where the short record's flow key would be: the record is a truncated
    frame, and the flow it seems to continue gains nothing."""
    from emulator.inputs.pcap import LINKTYPE_RAW, PcapWriter

    flow = _raw_ipv4(WEB_A, "60.0.0.0", 40000, 443)  # 60.0.0.0 read little-endian is a caplen of 60
    other = _raw_ipv4(WEB_A, "8.8.8.8", 1, 80) + b"\x00" * 20
    assert len(other) == 60
    writer = PcapWriter(tmp_path / "short.pcap", LINKTYPE_RAW)
    writer.write(0, 0, flow)
    writer.write(0, 1, flow[:8])
    # the next record's ts_usec, caplen and wirelen are the bytes 12-24 of the short record would be
    writer.write(0, int.from_bytes(flow[12:16], "little"), other, int.from_bytes(flow[20:24], "little"))
    writer.close()
    report = replay(seed, tmp_path / "short.pcap", "web-a")
    assert report.packets == 3 and report.bad_packets == {"truncated-frame": 1}
    flows = {key[:2]: stat.packets for key, stat in report.flows.items()}
    assert flows[(emulator.api.ip_to_int(WEB_A), emulator.api.ip_to_int("60.0.0.0"))] == 1


@pytest.mark.parametrize("linktype", ["ethernet", "raw"])
def test_every_cut_of_a_cached_flows_packet_is_a_truncated_frame(seed, tmp_path, linktype):
    from emulator.inputs.pcap import LINKTYPE_ETHERNET, LINKTYPE_RAW, PcapWriter

    packet = frame(WEB_A, "10.0.1.10", "tcp", 40000, 443)
    if linktype == "raw":
        packet = packet[14:]
    header = (14 if linktype == "ethernet" else 0) + 24  # up to the ports
    writer = PcapWriter(tmp_path / "cuts.pcap", LINKTYPE_ETHERNET if linktype == "ethernet" else LINKTYPE_RAW)
    writer.write(0, 0, packet)
    for n, cut in enumerate(range(header)):
        writer.write(1, n, packet[:cut])
        writer.write(2, n, packet)
    writer.close()
    report = replay(seed, tmp_path / "cuts.pcap", "web-a")
    assert report.packets == 1 + 2 * header
    assert sum(report.bad_packets.values()) == header
    assert report.verdicts["delivered"] == 1 + header


# --- constant memory: every per-flow table is bounded -------------------------------------------------


def test_per_flow_tables_stay_within_their_bounds(seed, tmp_path):
    """2,000 distinct flows through tables bounded at 16: every table stays small, the totals stay
    exact, and the one heavy flow still leads the (now approximate) top flows."""
    rng = random.Random(13)
    heavy = frame(WEB_A, "10.0.1.10", "tcp", 2, 443)
    frames = []
    for i in range(2000):
        dst, proto, dport = DESTINATIONS[i % len(DESTINATIONS)]
        frames.append(frame(WEB_A, dst, proto if proto != "icmp" else "udp", 1024 + i, dport))
        if rng.random() < 0.2:
            frames.append(heavy)
    write_capture(tmp_path / "many.pcap", frames)
    limit = 16
    replayer = Replayer(seed, "web-a", flow_table_limit=limit, cache_limit=limit)
    sizes = []
    original = replayer.fastpath.decide

    def decide(h):  # the tables' sizes after every fresh decision, not only at the end
        decision = original(h)
        session = replayer.fastpath.session
        sizes.append((len(replayer.report.flows), len(replayer.quick), len(replayer.dropped_keys),
                      len(replayer.fastpath.cache), len(replayer.fastpath._interned), len(session.tracked),
                      len(session.nat_out), sum(len(v) for v in session.watch.values())))
        return decision

    replayer.fastpath.decide = decide
    report = replayer.run_pcap(tmp_path / "many.pcap")
    assert len(sizes) > 1000
    worst = [max(column) for column in zip(*sizes)]
    assert worst[0] <= 2 * limit and max(worst[1:5]) <= limit, worst
    assert max(worst[5:]) <= 4 * limit, worst  # a flow leaves a few state entries at most
    expected: dict[str, int] = {}
    for f in set(frames):
        verdict = seed.trace(Ether(f), at="web-a").verdict
        expected[verdict] = expected.get(verdict, 0) + frames.count(f)
    assert dict(report.verdicts) == expected and report.packets == len(frames)
    assert report.approximate and "approximate" in report.render()
    (key, stat), = report.top_flows(1)
    assert key[3] == 2 and stat.packets > 300


def test_workers_leave_no_temporary_files_when_the_capture_is_bad(seed, tmp_path, monkeypatch):
    """replay --workers 2 whose workers meet a truncated record: one error, and the temporary
    folder of the workers' parts is gone."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    write_capture(tmp_path / "in.pcap", [frame(WEB_A, "8.8.8.8", "tcp", 1000 + i, 80) for i in range(200)])
    data = (tmp_path / "in.pcap").read_bytes()
    (tmp_path / "cut.pcap").write_bytes(data[:-10])
    with pytest.raises(InputError, match="truncated pcap record"):
        replay(seed, tmp_path / "cut.pcap", "web-a", out=tmp_path / "out.pcap", workers=2,
               out_capture=tmp_path / "out.pcapng")
    assert os.listdir(scratch) == []
    assert sorted(os.listdir(tmp_path)) == ["cut.pcap", "in.pcap", "tmp"]
