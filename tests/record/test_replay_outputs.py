"""`vpcemu replay --flow-logs` and `--out-capture`: flow logs aggregated per flow and per ENI, with
packets, bytes, start and end from the capture's timestamps, found once per flow (a traced run of
the flow's first packet), not per packet; pcapng of what left, an interface per egress."""
from __future__ import annotations

import subprocess
import sys

import pytest

import emulator
from emulator import model as m
from emulator.record import flowlogs
from emulator.record.flowlogs import read_flow_logs
from emulator.record.pcapng import read_pcapng
from emulator.replay import replay
from emulator.inputs.errors import InputError
from emulator.inputs.pcap import PcapWriter
from tests.captures import frame
from tests.conftest import ROOT, TOPOLOGIES
from tests.record.tshark import fields, interface_count, needs_tshark

SEED = TOPOLOGIES / "seed-endpoints.yaml"
S3_ADDRESS = "52.95.148.10"
BASE = 1_795_000_000  # 2026-11-18


@pytest.fixture(scope="module")
def seed():
    return emulator.load(SEED)


def write(path, packets) -> None:
    """(seconds since BASE, frame) pairs into a classic pcap."""
    writer = PcapWriter(path)
    for seconds, data in packets:
        writer.write(BASE + seconds, 0, data)
    writer.close()


def batch_capture(path) -> None:
    """From batch-1: flow A to S3 (through the NAT gateway), 10 packets over 9 s; flow B to web-a's
    port 53, refused by web-a's group, 5 packets; flow C to S3 at 0 s and 70 s (two 60 s windows)."""
    packets = [(100 + i, frame("10.0.12.10", S3_ADDRESS, sport=40000)) for i in range(10)]
    packets += [(200 + i, frame("10.0.12.10", "10.0.0.10", "udp", sport=5000, dport=53)) for i in range(5)]
    packets += [(0, frame("10.0.12.10", S3_ADDRESS, sport=40001)), (70, frame("10.0.12.10", S3_ADDRESS, sport=40001))]
    write(path, sorted(packets, key=lambda p: p[0]))


def eni(network, ref):
    resource = network.topology.find(ref, (m.Instance, m.NatGateway))
    return resource.network_interface_ids[0] if isinstance(resource, m.Instance) else resource.network_interface_id


def summary(rows):
    return sorted((r["interface-id"], r["srcaddr"], r["dstaddr"], r["srcport"], r["dstport"], r["packets"],
                   r["bytes"], r["start"], r["end"], r["action"]) for r in rows)


def test_flow_logs_aggregate_each_flow_at_each_eni_with_capture_times(seed, tmp_path):
    batch_capture(tmp_path / "in.pcap")
    replay(seed, tmp_path / "in.pcap", "batch-1", flow_logs=tmp_path / "logs", flow_log_format="v5",
           flow_log_interval=60)
    rows = read_flow_logs(tmp_path / "logs")
    batch, web, nat = eni(seed, "batch-1"), eni(seed, "web-a"), eni(seed, "nat-b")
    nat_ip = seed.topology.find("nat-b", m.NatGateway).private_ip
    flow_a = [r for r in rows if r["start"] == str(BASE + 100)]
    assert sorted((r["interface-id"], r["flow-direction"], r["srcaddr"], r["dstaddr"], r["packets"], r["bytes"],
                   r["end"]) for r in flow_a) == sorted([
        (batch, "egress", "10.0.12.10", S3_ADDRESS, "10", "400", str(BASE + 109)),  # IP bytes: 10 x 40
        (nat, "ingress", "10.0.12.10", nat_ip, "10", "400", str(BASE + 109)),
        (nat, "egress", nat_ip, S3_ADDRESS, "10", "400", str(BASE + 109))])
    flow_b = [r for r in rows if r["dstport"] == "53"]
    assert sorted((r["interface-id"], r["action"], r["packets"], r["bytes"]) for r in flow_b) == sorted([
        (batch, "ACCEPT", "5", "140"), (web, "REJECT", "5", "140")])  # R104: web admits 443 only
    flow_c = [r for r in rows if r["interface-id"] == batch and r["srcport"] == "40001"]
    assert sorted((r["start"], r["end"], r["packets"]) for r in flow_c) == [
        (str(BASE), str(BASE), "1"), (str(BASE + 70), str(BASE + 70), "1")]  # two aggregation windows
    assert len(rows) == 11  # A: 3 records, B: 2, C: 3 in each of two windows


def test_one_window_per_600_seconds_by_default(seed, tmp_path):
    batch_capture(tmp_path / "in.pcap")
    replay(seed, tmp_path / "in.pcap", "batch-1", flow_logs=tmp_path / "logs")
    flow_c = [r for r in read_flow_logs(tmp_path / "logs")
              if r["interface-id"] == eni(seed, "batch-1") and r["srcport"] == "40001"]
    assert [(r["start"], r["end"], r["packets"]) for r in flow_c] == [(str(BASE), str(BASE + 70), "2")]


def test_crossings_are_found_once_per_flow_not_per_packet(seed, tmp_path, monkeypatch):
    batch_capture(tmp_path / "in.pcap")
    calls = []
    original = flowlogs.crossings_of_hops
    monkeypatch.setattr(flowlogs, "crossings_of_hops", lambda network, hops: calls.append(1) or original(network, hops))
    report = replay(seed, tmp_path / "in.pcap", "batch-1", flow_logs=tmp_path / "logs")
    assert report.packets == 17
    assert len(calls) == 3  # three flows


def test_workers_write_the_same_flow_logs(seed, tmp_path):
    batch_capture(tmp_path / "in.pcap")
    replay(seed, tmp_path / "in.pcap", "batch-1", flow_logs=tmp_path / "one", flow_log_interval=60)
    replay(seed, tmp_path / "in.pcap", "batch-1", workers=2, flow_logs=tmp_path / "two", flow_log_interval=60)
    one, two = read_flow_logs(tmp_path / "one"), read_flow_logs(tmp_path / "two")
    assert len(one) == 11 and summary(one) == summary(two)


def test_a_refused_flow_is_one_reject_record_for_all_its_packets_and_accept_at_the_sender(seed, tmp_path):
    """web-a to app-a port 50000: app's group admits 8080 from web only (R104)."""
    write(tmp_path / "in.pcap", [
        (0, frame("10.0.0.10", "10.0.10.10", sport=443, dport=50000)),
        (10, frame("10.0.0.10", "10.0.10.10", sport=443, dport=50000)),
    ])
    replay(seed, tmp_path / "in.pcap", "web-a", flow_logs=tmp_path / "logs")
    rows = read_flow_logs(tmp_path / "logs")
    assert sorted((r["interface-id"], r["action"], r["packets"], r["start"], r["end"]) for r in rows) == sorted([
        (eni(seed, "web-a"), "ACCEPT", "2", str(BASE), str(BASE + 10)),
        (eni(seed, "app-a"), "REJECT", "2", str(BASE), str(BASE + 10))])


def test_bad_flow_log_options_are_input_errors(seed, tmp_path):
    batch_capture(tmp_path / "in.pcap")
    with pytest.raises(InputError, match="60 or 600"):
        replay(seed, tmp_path / "in.pcap", "batch-1", flow_logs=tmp_path / "logs", flow_log_interval=30)
    with pytest.raises(InputError, match="v2 or v5"):
        replay(seed, tmp_path / "in.pcap", "batch-1", flow_logs=tmp_path / "logs", flow_log_format="v9")
    assert not (tmp_path / "logs").exists()


@needs_tshark
def test_out_capture_is_pcapng_of_what_left_an_interface_per_egress(seed, tmp_path):
    batch_capture(tmp_path / "in.pcap")
    report = replay(seed, tmp_path / "in.pcap", "batch-1", out=tmp_path / "out.pcap",
                    out_capture=tmp_path / "out.pcapng")
    delivered = report.verdicts["delivered"] + report.verdicts["exited"]
    assert delivered == 12  # flows A and C; flow B was dropped
    path = tmp_path / "out.pcapng"
    assert interface_count(path) == 1  # everything that left went to S3
    rows = fields(path, "frame.interface_name", "ip.src", "ip.dst", "frame.time_epoch", "frame.comment")
    assert len(rows) == delivered
    nat_public = seed.topology.find("nat-b", m.NatGateway).public_ip
    assert {(r[0], r[1], r[2]) for r in rows} == {("com.amazonaws.eu-west-2.s3", nat_public, S3_ADDRESS)}
    assert [float(r[3]) - BASE for r in rows] == [0, 70] + list(range(100, 110))
    commented = [r[4] for r in rows if r[4]]
    assert len(commented) == 2 and all(c.startswith("first packet of its flow: delivered to com.amazonaws") for c in
                                        commented)
    classic = fields(tmp_path / "out.pcap", "ip.src")
    assert [r[0] for r in classic] == [r[1] for r in rows]  # the classic --out carries the same packets


def test_out_capture_from_workers_matches_one_process(seed, tmp_path):
    batch_capture(tmp_path / "in.pcap")
    replay(seed, tmp_path / "in.pcap", "batch-1", out_capture=tmp_path / "one.pcapng")
    replay(seed, tmp_path / "in.pcap", "batch-1", workers=2, out_capture=tmp_path / "two.pcapng")
    one, two = read_pcapng(tmp_path / "one.pcapng"), read_pcapng(tmp_path / "two.pcapng")
    assert [i.name for i in one.interfaces] == [i.name for i in two.interfaces]
    assert [(p.timestamp, p.data, p.comment) for p in one.packets] == [(p.timestamp, p.data, p.comment)
                                                                       for p in two.packets]


def vpcemu(*args):
    return subprocess.run([sys.executable, "-m", "emulator", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_the_replay_cli_writes_both(tmp_path):
    batch_capture(tmp_path / "in.pcap")
    result = vpcemu("replay", SEED, tmp_path / "in.pcap", "--at", "batch-1", "--out-capture", tmp_path / "o.pcapng",
                    "--flow-logs", tmp_path / "logs", "--flow-log-format", "v5", "--flow-log-interval", "60")
    assert result.returncode == 0, result.stderr
    assert len(read_pcapng(tmp_path / "o.pcapng").packets) == 12
    rows = read_flow_logs(tmp_path / "logs")
    assert len(rows) == 11 and {r["version"] for r in rows} == {"5"}


def test_the_replay_cli_rejects_a_bad_interval_in_one_line(tmp_path):
    batch_capture(tmp_path / "in.pcap")
    result = vpcemu("replay", SEED, tmp_path / "in.pcap", "--at", "batch-1", "--flow-logs", tmp_path / "logs",
                    "--flow-log-interval", "30")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "logs").exists()


def test_a_flows_too_big_packets_join_its_record_at_the_sender(seed, tmp_path):
    """A DF packet bigger than the IGW's 1500 bytes is dropped there (R119), after web-a's ENI sent
    it: the ENI's record counts it with the flow's other packets, one record per 5-tuple."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    small = bytes(Ether() / IP(src="10.0.0.10", dst="8.8.8.8", flags="DF") / TCP(sport=40000, dport=443))
    big = bytes(Ether() / IP(src="10.0.0.10", dst="8.8.8.8", flags="DF") / TCP(sport=40000, dport=443)
                / Raw(b"x" * 3000))
    write(tmp_path / "in.pcap", [(0, small), (1, big)])
    report = replay(seed, tmp_path / "in.pcap", "web-a", flow_logs=tmp_path / "logs", flow_log_format="v5")
    assert report.codes["MTU_EXCEEDED"] == 1
    rows = read_flow_logs(tmp_path / "logs")
    assert [(r["interface-id"], r["packets"], r["bytes"], r["start"], r["end"], r["action"]) for r in rows] == [
        (eni(seed, "web-a"), "2", str(40 + 3040), str(BASE), str(BASE + 1), "ACCEPT")]
