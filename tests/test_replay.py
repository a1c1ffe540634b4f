"""Replay (issue #5): the fast path must give exactly the answers the traced path gives."""
from __future__ import annotations

import random
import struct

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
    assert not (tmp_path / "out.pcap").exists() and not (tmp_path / "out.pcap.partial").exists()


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
