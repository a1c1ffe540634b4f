"""`vpcemu trace --pcap`: a pcapng with one interface per component, one packet per hop with the
headers as they were there (the NAT gateway's and the IGW's translations show, R120, R122), per-hop
timestamps from the latency model, and a comment naming the hop and its decision. Read back with
tshark, as a user would open it in Wireshark."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

import emulator
from emulator.dataplane.packet import int_to_ip
from emulator.record.capture import write_trace_capture
from emulator.record.latency import LatencyModel
from emulator.record.pcapng import read_pcapng
from tests.conftest import ROOT, TOPOLOGIES
from tests.record.tshark import fields, interface_count, needs_tshark

SEED = TOPOLOGIES / "seed-endpoints.yaml"
S3 = "s3.eu-west-2.amazonaws.com"
START_NS = 1_700_000_000 * 10**9


@pytest.fixture(scope="module")
def seed():
    return emulator.load(SEED)


@pytest.fixture(scope="module")
def nat_capture(seed, tmp_path_factory):
    """batch-1 to S3 through the NAT gateway and the IGW, and the reply back."""
    trace = seed.trace_flow("batch-1", S3, with_return=True)
    path = tmp_path_factory.mktemp("cap") / "nat.pcapng"
    count = write_trace_capture(path, seed, trace, START_NS)
    return trace, path, count


def _hops(trace):
    return [("request", h) for h in trace.hops] + [("reply", h) for h in trace.reply.hops]


@needs_tshark
def test_one_packet_per_hop_and_one_interface_per_component(nat_capture):
    trace, path, count = nat_capture
    hops = _hops(trace)
    assert count == len(hops)
    components = {(h.type, h.id) for _, h in hops}
    assert interface_count(path) == len(components)
    names = [r[0] for r in fields(path, "frame.interface_name")]
    assert names == [f"{h.type} {h.id}" for _, h in hops]


@needs_tshark
def test_the_addresses_at_each_hop_are_the_headers_there_so_nat_shows(nat_capture, seed):
    trace, path, _ = nat_capture
    rows = fields(path, "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport")
    for (leg, hop), (src, dst, sport, dport) in zip(_hops(trace), rows):
        h = hop.headers_out
        assert (src, dst, int(sport), int(dport)) == (int_to_ip(h.src), int_to_ip(h.dst), h.sport, h.dport), hop
    nat = seed.topology.find("nat-b")
    by_hop = dict(zip([(leg, h.type, h.action) for leg, h in _hops(trace)], rows))
    assert by_hop[("request", "instance", "send")][0] == "10.0.12.10"
    assert by_hop[("request", "nat-gateway", "translate")][0] == nat.private_ip  # R122: source NAT
    assert by_hop[("request", "internet-gateway", "translate")][0] == nat.public_ip  # R120: its Elastic IP
    assert by_hop[("reply", "internet-gateway", "translate")][1] == nat.private_ip  # back to the NAT's address
    assert by_hop[("reply", "nat-gateway", "translate")][1] == "10.0.12.10"  # and to the instance
    assert by_hop[("reply", "nat-gateway", "translate")][3] == "49152"


@needs_tshark
def test_each_packet_comment_names_its_hop_and_decision(nat_capture):
    trace, path, _ = nat_capture
    comments = [r[0] for r in fields(path, "frame.comment")]
    for (leg, hop), comment in zip(_hops(trace), comments):
        assert comment.startswith(f"{leg} hop ")
        assert f"{hop.type} {hop.id} {hop.action}" in comment and hop.detail in comment
    assert any("translate: source 10.0.12.10:49152 -> 10.0.1.5" in c for c in comments)
    assert any("allow: inbound: reply of a tracked connection (R105)" in c for c in comments)


@needs_tshark
def test_timestamps_follow_the_latency_model_and_never_go_back(nat_capture, seed):
    trace, path, _ = nat_capture
    times = [Decimal(r[0]) for r in fields(path, "frame.time_epoch")]  # nanoseconds: beyond a float
    assert times == sorted(times) and len(set(times)) == len(times)
    assert times[0] == Decimal(START_NS) / 10**9
    model = LatencyModel.for_network(seed)
    one_way = model.estimate(seed, trace).one_way_ms / 1000
    last_request = len(trace.hops) - 1
    assert float(times[last_request] - times[0]) == pytest.approx(one_way, abs=1e-5)
    # batch-1 (eu-west-2a) to the NAT gateway (eu-west-2b) crosses AZs: the NAT hop is that much later
    nat_index = next(i for i, h in enumerate(trace.hops) if h.type == "nat-gateway")
    assert float(times[nat_index] - times[nat_index - 1]) >= model.figures["cross_az_ms"] / 1000


@needs_tshark
def test_the_packets_are_valid_ipv4_and_tcp(nat_capture):
    _, path, _ = nat_capture
    rows = fields(path, "ip.checksum.status", "tcp.checksum.status", "tcp.flags.syn",
                  options=("-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"))
    assert rows and all(r[:2] == ["1", "1"] for r in rows)  # 1: good


def test_a_drop_is_the_last_packet_and_says_why(seed, tmp_path):
    trace = seed.trace_flow("web-a", "10.0.10.10")  # app-a's group admits 8080 from web only (R104)
    path = tmp_path / "drop.pcapng"
    write_trace_capture(path, seed, trace, START_NS)
    capture = read_pcapng(path)
    assert len(capture.packets) == len(trace.hops)
    assert "drop: ENI_SG_RULES_MISMATCH" in capture.packets[-1].comment


def vpcemu(*args):
    return subprocess.run([sys.executable, "-m", "emulator", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@needs_tshark
def test_the_cli_writes_the_capture_and_still_prints_the_trace(tmp_path):
    path = tmp_path / "t.pcapng"
    result = vpcemu("trace", SEED, "--from", "batch-1", "--to", S3, "--return", "--pcap", path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.splitlines()[-1] == "=> connection REACHABLE"
    rows = fields(path, "ip.src")
    assert len(rows) == 19 and rows[0] == ["10.0.12.10"]


def test_a_capture_that_cannot_be_written_is_one_line_exit_2_and_no_file(tmp_path):
    path = tmp_path / "no-such-dir" / "t.pcapng"
    result = vpcemu("trace", SEED, "--from", "batch-1", "--to", S3, "--pcap", path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "t.pcapng" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "no-such-dir").exists()
