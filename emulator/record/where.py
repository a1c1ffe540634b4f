"""Where a trace went: the AWS components it crossed, each placed in its Region, Availability Zone
and VPC, with the ENI it used. Latency, cost, flow logs, captures and diagrams all read a trace
through this one view.

A Place is a component hop of the trace (consecutive hops of one component fold into one place).
ENIs come from the topology, never from guessing: an instance's or endpoint's ENI is the one the
pipeline named in the hop (`eni-…` in its detail) or the owner's only ENI; a NAT gateway's is its
own. Regional components (internet gateways, gateway endpoints, transit gateways, AWS services)
have no AZ; the internet has no Region.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .. import model as m
from ..dataplane.compile import Port
from .trace import Hop, Trace

# Hop types that are components a packet passes through, in addition to trace.COMPONENT_TYPES:
# the peering attachment between two transit gateways is where a packet changes Region.
PLACE_TYPES = frozenset({
    "instance", "network-interface", "internet-gateway", "nat-gateway", "gateway-endpoint",
    "interface-endpoint", "vpc-peering-connection", "transit-gateway", "transit-gateway-attachment",
    "aws-service", "internet", "dns-resolver", "vpn-gateway", "endpoint-service", "load-balancer", "gwlb-endpoint"})
ENI_OWNERS = frozenset({"instance", "network-interface", "interface-endpoint", "nat-gateway"})
_ENI = re.compile(r"\beni-[0-9a-zA-Z]+\b")
_SERVICE = re.compile(r"^com\.amazonaws\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.(?P<service>[a-z0-9-]+)$")


@dataclass(frozen=True)
class Place:
    index: int  # the first hop of this component in trace.hops
    id: str
    type: str
    region: str | None  # None: the internet
    az: str | None  # None: a regional component
    vpc: str | None
    port: Port | None = None  # the ENI the packet used at this component

    @property
    def label(self) -> str:
        return self.id


def service_region(name: str) -> str | None:
    """`eu-west-2` for `com.amazonaws.eu-west-2.s3`."""
    match = _SERVICE.match(name or "")
    return match["region"] if match else None


def service_short_name(name: str) -> str | None:
    """`s3` for `com.amazonaws.eu-west-2.s3`."""
    match = _SERVICE.match(name or "")
    return match["service"] if match else None


def port_of(network, hop: Hop) -> Port | None:
    """The ENI a component hop used: named in its detail, or the hop is the ENI, or the owner's only one."""
    ports = network.fabric.ports
    for eni_id in _ENI.findall(hop.detail or ""):
        if eni_id in ports:
            return ports[eni_id]
    if hop.id in ports:
        return ports[hop.id]
    topology = network.topology
    if hop.type == "nat-gateway":
        nat = topology.get(hop.id, m.NatGateway)
        return ports.get(nat.network_interface_id) if nat else None
    owned = [p for p in ports.values() if p.owner_id == hop.id]
    headers = hop.headers_out or hop.headers_in
    if headers is not None:
        by_address = [p for p in owned if headers.src in p.addresses or headers.dst in p.addresses]
        if len(by_address) == 1:
            return by_address[0]
    return owned[0] if len(owned) == 1 else None


def locate(network, trace: Trace) -> list[Place]:
    """The places of a trace, in order."""
    topology = network.topology
    out: list[Place] = []
    for index, hop in enumerate(trace.hops):
        if hop.type not in PLACE_TYPES:
            continue
        if out and out[-1].id == hop.id:
            continue
        if hop.type == "network-interface" and out and out[-1].port is not None and out[-1].port.id == hop.id:
            continue  # a drop at the ENI of the component just recorded
        out.append(_place(network, topology, index, hop, out[-1] if out else None))
    return out


def _place(network, topology: m.Topology, index: int, hop: Hop, previous: Place | None) -> Place:
    kind = hop.type
    if kind in ENI_OWNERS:
        port = port_of(network, hop)
        if port is not None:
            subnet = port.subnet.subnet
            return Place(index, hop.id, kind, subnet.region, subnet.availability_zone, subnet.vpc_id, port)
    resource = topology.get(hop.id)
    if kind == "internet-gateway" and isinstance(resource, m.InternetGateway):
        return Place(index, hop.id, kind, resource.region, None, resource.vpc_id)
    if kind == "gateway-endpoint" and isinstance(resource, m.GatewayEndpoint):
        return Place(index, hop.id, kind, resource.region, None, resource.vpc_id)
    if kind == "transit-gateway" and isinstance(resource, m.TransitGateway):
        return Place(index, hop.id, kind, resource.region, None, None)
    if kind == "aws-service":
        return Place(index, hop.id, kind, service_region(hop.id), None, None)
    if kind == "internet":
        return Place(index, hop.id, kind, None, None, None)
    if kind == "vpc-peering-connection" and isinstance(resource, m.VpcPeeringConnection):
        return Place(index, hop.id, kind, previous.region if previous else resource.region, None, None)
    # dns-resolver, vpn-gateway, a peering attachment, or a component the topology does not hold:
    # it sits where the packet already was.
    return Place(index, hop.id, kind, previous.region if previous else None, previous.az if previous else None,
                 previous.vpc if previous else None)


def region_of_vpc(network, vpc_id: str | None) -> str | None:
    vpc = network.topology.get(vpc_id or "", m.Vpc)
    return vpc.region if vpc else None
