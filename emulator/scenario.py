"""Demonstration traces kept in a topology file (`traces:`), run by `vpcemu demo` and `make run`."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import model as m
from .api import DEFAULT_DPORT, DEFAULT_SPORT, Network
from .inputs.documents import read_yaml
from .inputs.errors import InputError
from .record.trace import Trace


@dataclass
class TraceSpec:
    title: str
    source: str
    destination: str
    proto: str = "tcp"
    sport: int = DEFAULT_SPORT
    dport: int = DEFAULT_DPORT
    expect: dict = field(default_factory=dict)
    with_return: bool = False
    src: str | None = None  # the source address, needed when the packet comes from the internet


def read_trace_specs(path: str | Path) -> list[TraceSpec]:
    """The `traces:` of a YAML topology, read with the same bounds as the topology (its fields were
    checked when the topology was loaded: YamlReader.check_traces)."""
    document = read_yaml(path) or {}
    if not isinstance(document, dict):
        raise InputError("expected a mapping", file=str(path), resource="topology")
    specs = []
    for i, item in enumerate(document.get("traces") or []):
        where = f"traces[{i}]"
        if not isinstance(item, dict) or "from" not in item or "to" not in item:
            raise InputError("each trace needs from and to", file=str(path), resource=where)
        specs.append(TraceSpec(str(item.get("title", f"trace {i + 1}")), str(item["from"]), str(item["to"]),
                               str(item.get("proto", "tcp")), int(item.get("sport", DEFAULT_SPORT)),
                               int(item.get("dport", DEFAULT_DPORT)), dict(item.get("expect") or {}),
                               bool(item.get("return", False)), item.get("src")))
    return specs


def run_trace_spec(network: Network, spec: TraceSpec) -> tuple[Trace, list[str]]:
    """The trace and the expectations it failed (empty when it behaved as the file says)."""
    trace = network.trace_flow(spec.source, spec.destination, spec.proto, spec.sport, spec.dport,
                               src=spec.src, with_return=spec.with_return)
    return trace, mismatches(network, trace, spec.expect)


# The resources a trace's path names (record/trace.py COMPONENT_TYPES), for looking names up.
PATH_RESOURCES = (m.Instance, m.NetworkInterface, m.InternetGateway, m.NatGateway, m.GatewayEndpoint,
                  m.InterfaceEndpoint, m.GatewayLoadBalancerEndpoint, m.VpcPeeringConnection, m.TransitGateway,
                  m.LoadBalancer, m.EndpointService)


def component_id(network: Network, ref: str) -> str:
    """The id of a path component named `ref` (a name or id); other strings (an AWS service
    name, "internet") are returned as they are."""
    try:
        return network.topology.find(ref, PATH_RESOURCES).id
    except KeyError:
        return ref





def mismatches(network: Network, trace: Trace, expect: dict) -> list[str]:
    problems = []
    for key in ("verdict", "code"):
        if key in expect and getattr(trace, key) != expect[key]:
            problems.append(f"{key} is {getattr(trace, key)}, expected {expect[key]}")
    if "delivered_to" in expect and trace.delivered_to != component_id(network, str(expect["delivered_to"])):
        problems.append(f"delivered to {trace.delivered_to}, expected {expect['delivered_to']}")
    if "reachable" in expect and trace.reachable != expect["reachable"]:
        problems.append(f"reachable is {trace.reachable}, expected {expect['reachable']}")
    for ref in expect.get("via", []):
        if not trace.crosses(component_id(network, ref)):
            problems.append(f"does not cross {ref}")
    for ref in expect.get("not_via", []):
        if trace.crosses(component_id(network, ref)):
            problems.append(f"crosses {ref}")
    return problems
