"""Namespace lab benchmark (not a test): 64-byte UDP packets per second and TCP throughput between
two lab hosts through the lab's emulator, against a bare Python TAP router measured the same way
in the same run. Needs root, trafgen (Debian netsniff-ng) and iperf3.

    sudo .venv/bin/python benchmarks/lab.py [--seconds 3] [--trials 3]

The emulator (or the bare router) is pinned to CPU 1, the sender and the receiving iperf3 to
CPU 0. Packets/s is what reaches the receiving host's interface (its rx_packets counter) per
second of sending; trafgen offers more than either router can take. Results go to
benchmarks/LAB_RESULTS.md (a file of its own: benchmarks/run.py rewrites RESULTS.md).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emulator.lab import hostnet, names  # noqa: E402
from emulator.lab.plan import Interface, mac_for, router_mac  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "LAB_RESULTS.md"
LAB = "lbench"
BARE = "lbbare"
EMULATOR_CPU, LOAD_CPU = 1, 0

TOPOLOGY = """\
name: lab-bench
account: "111122223333"
regions:
  eu-west-2:
    vpcs:
      bench:
        cidr_blocks: [10.9.0.0/16]
        route_tables:
          main: {main: true}
        subnets:
          a: {cidr_block: 10.9.1.0/24, availability_zone: eu-west-2a}
          b: {cidr_block: 10.9.2.0/24, availability_zone: eu-west-2b}
        instances:               # the default security group: members reach each other (R107)
          h1: {subnet: a, private_ip: 10.9.1.10}
          h2: {subnet: b, private_ip: 10.9.2.10}
"""


def vpcemu(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emulator", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def in_ns(ns: str, *argv: str, cpu: int | None = None) -> list[str]:
    pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
    return ["ip", "netns", "exec", ns, *pin, *argv]


def rx_packets(ns: str) -> int:
    out = subprocess.run(in_ns(ns, "cat", "/sys/class/net/eth0/statistics/rx_packets"), capture_output=True,
                         text=True, check=True)
    return int(out.stdout)


def trafgen_config(directory: Path, src_mac: str, dst_mac: str) -> Path:
    """60-byte frames (64 on a wire with the FCS): Ethernet, IPv4, UDP, 18 bytes of payload."""
    path = directory / "udp64.cfg"
    path.write_text(f"{{ eth(da={dst_mac}, sa={src_mac}, type=0x0800), "
                    "ipv4(saddr=10.9.1.10, daddr=10.9.2.10, ttl=64, df), udp(sport=4000, dport=9), "
                    "fill(0x00, 18) }\n")
    return path


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    hz = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / hz, int(fields[12]) / hz


def udp_pps(src_ns: str, dst_ns: str, config: Path, seconds: float, router: int) -> dict:
    before = rx_packets(dst_ns)
    user0, system0 = cpu_seconds(router)
    started = time.monotonic()
    subprocess.run(["timeout", str(seconds)] + in_ns(src_ns, "trafgen", "--dev", "eth0", "--conf", str(config),
                                                      "-q", "--cpus", "1", cpu=LOAD_CPU),
                   capture_output=True)
    elapsed = time.monotonic() - started
    received = rx_packets(dst_ns) - before
    user1, system1 = cpu_seconds(router)
    return {"pps": received / elapsed, "packets": received, "seconds": elapsed,
            "router_user_us_per_packet": (user1 - user0) / max(received, 1) * 1e6,
            "router_system_us_per_packet": (system1 - system0) / max(received, 1) * 1e6}


def tcp_throughput(src_ns: str, dst_ns: str, seconds: float) -> float:
    server = subprocess.Popen(in_ns(dst_ns, "iperf3", "-s", "-1", "-p", "5201", cpu=LOAD_CPU),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.4)
        out = subprocess.run(in_ns(src_ns, "iperf3", "-c", "10.9.2.10", "-p", "5201", "-t", str(seconds), "-J",
                                   cpu=LOAD_CPU), capture_output=True, text=True, timeout=seconds + 30)
        return json.loads(out.stdout)["end"]["sum_received"]["bits_per_second"]
    finally:
        server.kill()
        server.wait()


# --- the baseline: a bare Python TAP router (ARP, MAC rewrite, TTL - 1, checksum) --------------

def bare_router(ready_fd: int) -> None:
    """Two namespaces like the lab's, and the plainest loop that routes between them."""
    import select as sel
    import socket
    import struct

    hosts = {"h1": ("10.9.1.10", "10.9.1.1", "subnet-a"), "h2": ("10.9.2.10", "10.9.2.1", "subnet-b")}
    fds, route, gw_mac = {}, {}, {}
    made = []
    try:
        for index, (host, (address, gateway, subnet)) in enumerate(hosts.items()):
            ns = names.netns_name(BARE, host)
            made.append(ns)
            hostnet.create_namespace(ns)
            dev = names.device_name(BARE, index)
            fds[host] = hostnet.open_tap(dev)
            mac = mac_for(f"bare/{host}")
            hostnet.configure_interface(dev, ns, Interface("eth0", [address], 24, mac, 9001, gateway))
            gw_mac[fds[host]] = bytes.fromhex(router_mac(subnet).replace(":", ""))
            route[socket.inet_aton(address)] = (fds[host], bytes.fromhex(mac.replace(":", "")))
        for address, (fd, mac) in list(route.items()):
            route[address] = (fd, mac + gw_mac[fd])
        os.write(ready_fd, b"ready\n")
        poll = sel.epoll()
        for fd in fds.values():
            poll.register(fd, sel.EPOLLIN)
        read, write = os.read, os.write
        while True:
            for fd, _ in poll.poll(1.0):
                for _ in range(64):
                    try:
                        frame = read(fd, 9216)
                    except BlockingIOError:
                        break
                    if frame[12:14] == b"\x08\x06":
                        if frame[21] == 1:
                            mac = gw_mac[fd]
                            write(fd, frame[6:12] + mac + b"\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02" + mac
                                  + frame[38:42] + frame[22:28] + frame[28:32])
                        continue
                    hop = route.get(frame[30:34])
                    if hop is None or frame[12:14] != b"\x08\x00":
                        continue
                    out = bytearray(frame)
                    out[0:12] = hop[1]
                    out[22] -= 1
                    checksum = struct.unpack_from("!H", out, 24)[0] + 0x100
                    struct.pack_into("!H", out, 24, (checksum & 0xFFFF) + (checksum >> 16))
                    write(hop[0], out)
    finally:
        for fd in fds.values():
            os.close(fd)
        for ns in made:
            hostnet.delete_namespace(ns)


def start_bare() -> subprocess.Popen:
    read_end, write_end = os.pipe()
    proc = subprocess.Popen([sys.executable, __file__, "--bare-router", str(write_end)], pass_fds=(write_end,),
                            cwd=ROOT)
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], 30)
    line = os.read(read_end, 100) if ready else b""
    os.close(read_end)
    if b"ready" not in line:
        proc.kill()
        raise SystemExit("the bare router did not start")
    os.sched_setaffinity(proc.pid, {EMULATOR_CPU})
    return proc


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    memory = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    tools = {}
    for tool, flag in (("trafgen", "-v"), ("iperf3", "-v")):
        out = subprocess.run([tool, flag], capture_output=True, text=True)
        tools[tool] = (out.stdout or out.stderr).splitlines()[0].strip()
    import pyroute2

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(memory / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(), "pyroute2": pyroute2.__version__,
            **tools}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--bare-router", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_router is not None:
        try:
            bare_router(args.bare_router)
        except KeyboardInterrupt:
            pass
        return 0
    if os.geteuid() != 0:
        raise SystemExit("benchmarks/lab.py needs root (namespaces and TAP devices)")
    for tool, package in (("trafgen", "netsniff-ng"), ("iperf3", "iperf3")):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: apt-get install {package}")
    if os.cpu_count() < 2:
        raise SystemExit("needs two CPUs: one for the router, one for the load")

    work = Path(tempfile.mkdtemp(prefix="vpcemu-lab-bench-"))
    topology = work / "bench.yaml"
    topology.write_text(TOPOLOGY)
    load_before = os.getloadavg()
    results: dict = {"udp": {"lab": [], "bare": []}, "tcp": {"lab": [], "bare": []}}
    bare = None
    try:
        up = vpcemu("lab", "up", str(topology), "--name", LAB, "--cpu", str(EMULATOR_CPU))
        if up.returncode != 0:
            raise SystemExit(up.stderr.strip())
        daemon = json.loads((names.state_dir(LAB) / "state.json").read_text())["pid"]
        import emulator

        network = emulator.load(topology)
        port = network.port("h1")
        lab_config = trafgen_config(work, mac_for(port.id), router_mac(port.subnet.id))
        bare_dir = work / "bare"
        bare_dir.mkdir()
        bare_config = trafgen_config(bare_dir, mac_for("bare/h1"), router_mac("subnet-a"))
        bare = start_bare()
        lab_ns = (names.netns_name(LAB, "h1"), names.netns_name(LAB, "h2"))
        bare_ns = (names.netns_name(BARE, "h1"), names.netns_name(BARE, "h2"))
        for ns_pair in (lab_ns, bare_ns):  # ARP and the flows' first packets, off the clock
            subprocess.run(in_ns(ns_pair[0], "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.9.2.10"),
                           capture_output=True)
        for trial in range(args.trials):  # alternately, so that the machine's moods fall on both
            results["udp"]["lab"].append(udp_pps(*lab_ns, lab_config, args.seconds, daemon))
            results["udp"]["bare"].append(udp_pps(*bare_ns, bare_config, args.seconds, bare.pid))
        for trial in range(max(1, args.trials - 1)):
            results["tcp"]["lab"].append(tcp_throughput(*lab_ns, args.seconds))
            results["tcp"]["bare"].append(tcp_throughput(*bare_ns, args.seconds))
        status = json.loads(vpcemu("lab", "status", "--name", LAB, "--json").stdout)
    finally:
        if bare is not None:
            bare.terminate()
            try:
                bare.wait(timeout=10)
            except subprocess.TimeoutExpired:
                bare.kill()
                bare.wait()
        vpcemu("lab", "down", "--name", LAB)
        vpcemu("lab", "clean", "--name", BARE)
        shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()
    report(results, status, machine(), load_before, load_after, args)
    return 0


def report(results: dict, status: dict, info: dict, load_before, load_after, args) -> None:
    lab = [r["pps"] for r in results["udp"]["lab"]]
    bare = [r["pps"] for r in results["udp"]["bare"]]
    tcp_lab, tcp_bare = results["tcp"]["lab"], results["tcp"]["bare"]
    rows = [
        f"| 64-byte UDP packets/s, best of {len(lab)} × {args.seconds:g} s | {max(lab):,.0f} | {max(bare):,.0f} "
        f"| {max(lab) / max(bare):.2f} | ≥ 300,000 | {'yes' if max(lab) >= 300_000 else '**no**'} |",
        f"| the same, median | {statistics.median(lab):,.0f} | {statistics.median(bare):,.0f} "
        f"| {statistics.median(lab) / statistics.median(bare):.2f} | | |",
        f"| TCP Gbit/s (iperf3, MTU 9001), best of {len(tcp_lab)} | {max(tcp_lab) / 1e9:.2f} "
        f"| {max(tcp_bare) / 1e9:.2f} | {max(tcp_lab) / max(tcp_bare):.2f} | | |",
    ]
    best_lab = max(results["udp"]["lab"], key=lambda r: r["pps"])
    best_bare = max(results["udp"]["bare"], key=lambda r: r["pps"])
    rows += [
        f"| router CPU per forwarded packet in its best UDP trial, µs: Python (user) / kernel (system) "
        f"| {best_lab['router_user_us_per_packet']:.2f} / {best_lab['router_system_us_per_packet']:.2f} "
        f"| {best_bare['router_user_us_per_packet']:.2f} / {best_bare['router_system_us_per_packet']:.2f} | | | |",
    ]
    date = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
    lines = [
        f"## Run of {date}",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        f"- load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f} (other work on the machine "
        "lowers every figure)",
        "",
        "| measure | lab (through the pipeline) | bare Python TAP router | ratio | target | met |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"Every lab packet was decided by the pipeline: the emulator counted {status['packets']:,} packets "
        f"({', '.join(f'{n:,} {v}' for v, n in sorted(status['verdicts'].items()))}).",
        "",
        "<details><summary>raw</summary>",
        "",
        "```json",
        json.dumps({"udp": results["udp"], "tcp_bits_per_second": results["tcp"]}, indent=1),
        "```",
        "",
        "</details>",
        "",
    ]
    text = RESULTS.read_text() if RESULTS.exists() and RESULTS.read_text().startswith(HEADER) else HEADER
    RESULTS.write_text(text.rstrip("\n") + "\n\n" + "\n".join(lines))
    table = lines.index("| measure | lab (through the pipeline) | bare Python TAP router | ratio | target | met |")
    print("\n".join(lines[table:table + 2 + len(rows)]))


HEADER = """# Namespace lab benchmark

Written by `benchmarks/lab.py` (root; trafgen and iperf3), which appends one section per run. Two lab
hosts in two subnets of one VPC, the default security group between them; the lab's emulator pinned
to CPU 1 (`vpcemu lab up --cpu 1`), trafgen and iperf3 on CPU 0. The baseline is a bare Python TAP
router (ARP, MAC rewrite, TTL, checksum; no pipeline) on namespaces set up the same way, measured
alternately in the same run: compare the ratio, not the absolute figures, on this shared machine
(other sessions' test suites run on it too: the load average says how much). The receiving host's
kernel processes each frame inside the router's write to its TAP device, so that work counts on the
router's core too; the last row splits the router's CPU time per packet into Python and kernel.
"""


if __name__ == "__main__":
    sys.exit(main())
