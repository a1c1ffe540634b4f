"""A transit gateway with many VPC attachments, all propagating into its default route table (issue #13).

`python benchmarks/tgw_scale.py N` writes the topology to a file and times `emulator.load` on it.
Every tenth VPC reuses the CIDR of the VPC attached before it, so R101 suppresses one CIDR in ten.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path


def tgw_topology(path: Path, attachments: int) -> None:
    """`attachments` VPCs (two CIDRs each) attached to one transit gateway `hub` in one region."""
    import yaml

    vpcs, tgw_attachments = {}, {}
    for i in range(attachments):
        n = i - 1 if i % 10 == 9 else i  # R101: a VPC reusing its neighbour's CIDRs
        first, second = f"10.{n // 256}.{n % 256}.0/24", f"100.{64 + n // 256}.{n % 256}.0/24"
        vpcs[f"v{i}"] = {"cidr_blocks": [first, second],
                         "route_tables": {"main": {"main": True, "routes": [{"destination": "10.0.0.0/8", "target": "hub"}]}},
                         "subnets": {"tgw": {"cidr_block": first.replace(".0/24", ".0/28"),
                                             "availability_zone": "us-east-1a"},
                                     "app": {"cidr_block": first.replace(".0/24", ".16/28"),
                                             "availability_zone": "us-east-1a"}},
                         "security_groups": {"open": {"ingress": [{"protocol": "all", "from": "10.0.0.0/8"}]}}}
        if i in (0, attachments - 2):  # the traced pair: the first VPC and the last one R101 keeps
            vpcs[f"v{i}"]["instances"] = {f"host{i}": {"subnet": "app", "private_ip": first.replace(".0/24", ".20"),
                                                        "security_groups": ["open"]}}
        tgw_attachments[f"v{i}"] = {"vpc": f"v{i}", "subnets": ["tgw"]}
    doc = {"name": f"tgw-{attachments}",
           "regions": {"us-east-1": {"vpcs": vpcs, "transit_gateways": {"hub": {"attachments": tgw_attachments}}}}}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    path = Path("/tmp") / f"vpcemu-tgw-{count}.yaml"
    tgw_topology(path, count)
    seconds, net, trace = load_and_trace(path, count)
    print(f"{count} attachments: load, compile and trace {seconds:.2f} s, "
          f"{sum('R101' in w for w in net.topology.warnings)} R101 warnings, trace {trace.verdict}")


def load_and_trace(path: Path, attachments: int):
    """(seconds, network, trace): `emulator.load` and one trace between the two hosts, through the hub."""
    import emulator

    started = time.perf_counter()
    net = emulator.load(path)
    last = attachments - 2
    trace = net.trace_flow("host0", f"10.{last // 256}.{last % 256}.20")
    return time.perf_counter() - started, net, trace


if __name__ == "__main__":
    main()
