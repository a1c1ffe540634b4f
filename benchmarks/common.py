"""Shared helpers for the benchmarks: captures, timing, machine facts."""
from __future__ import annotations

import os
import platform
import random
import resource
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOPOLOGIES = ROOT / "topologies"


def seed_flows(count: int, seed: int = 1) -> list[bytes]:
    """Frames from web-a in the seed topology, spread over every kind of fate."""
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.l2 import Ether

    rng = random.Random(seed)
    destinations = ["52.95.148.10", "52.94.15.10", "8.8.8.8", "1.1.1.1", "10.0.1.10", "10.0.10.100",
                    "10.0.11.100", "192.168.5.5", "10.0.200.9"]
    frames = []
    for i in range(count):
        dst = destinations[i % len(destinations)]
        l4 = TCP(sport=1024 + i % 60000, dport=rng.choice([443, 80, 22])) if i % 4 else UDP(sport=1024 + i % 60000, dport=443)
        frames.append(bytes(Ether() / IP(src="10.0.0.10", dst=dst) / l4))
    return frames


def write_capture(path: Path, flows: list[bytes], packets: int, seed: int = 2) -> None:
    from emulator.inputs.pcap import PcapWriter

    rng = random.Random(seed)
    writer = PcapWriter(path)
    pick = rng.randrange
    n = len(flows)
    for i in range(packets):
        writer.write(i // 1_000_000, i % 1_000_000, flows[pick(n)])
    writer.close()


def best_of(runs: int, fn):
    """The fastest of `runs` calls (seconds, last result): the least disturbed by a noisy machine."""
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def peak_rss_mib() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a
    child started by a large parent would report the parent's peak as its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for module in ("pytricia", "scapy", "yaml"):
        try:
            from importlib.metadata import version

            versions[module] = version({"yaml": "pyyaml"}.get(module, module))
        except Exception:
            versions[module] = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1), **versions,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)
