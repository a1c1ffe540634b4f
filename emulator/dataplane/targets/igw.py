"""Target `igw-…`: 1:1 NAT between private and public IPv4 (R120, R121), the internet beyond it,
and the way back in (with the IGW's edge route table, R13)."""
from __future__ import annotations

from ..fib import contains, parse_cidr
from ..packet import int_to_ip
from ..pipeline import MTU_INTERNET, Responder

_NOT_ON_INTERNET = [parse_cidr(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4")]


def is_private(address: int) -> bool:
    return any(contains(n, (address, 32)) for n in _NOT_ON_INTERNET)


def forward(fw, walk, cvpc, subnet, hop):
    igw = cvpc.internet_gateway
    if igw is None or igw.internet_gateway_id != hop.target_id:
        return fw.drop(walk, "IGW_NOT_ATTACHED", hop.target_id, "internet-gateway",
                       f"{hop.target_id} is not attached to {cvpc.id}")
    if walk.entered_via and walk.entered_via.startswith("pcx-"):
        return fw.drop(walk, "EDGE_TO_EDGE_INTERNET_GATEWAY", igw.internet_gateway_id, "internet-gateway",
                       f"the packet entered {cvpc.id} through {walk.entered_via}")
    too_big = fw.cross_link(walk, MTU_INTERNET, igw.internet_gateway_id, "internet-gateway")
    if too_big:
        return too_big
    public = fw.fabric.public_of.get((cvpc.id, walk.h.src))
    if public is None:
        port = cvpc.ports.get(walk.h.src)
        if port is not None and port.owner_kind == "nat-gateway":
            return fw.drop(walk, "NAT_GATEWAY_NO_PUBLIC_IP", igw.internet_gateway_id, "internet-gateway",
                           f"{port.owner_id} is a private NAT gateway")
        return fw.drop(walk, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", igw.internet_gateway_id, "internet-gateway",
                       f"{int_to_ip(walk.h.src)} has no public IPv4 or Elastic IP")
    before = walk.h
    walk.h = before.copy(src=public)
    fw.record(igw.internet_gateway_id, "internet-gateway", "translate",
              f"source {int_to_ip(before.src)} -> {int_to_ip(public)} (R120)", walk, before)
    return across_internet(fw, walk)


def across_internet(fw, walk):
    """The packet is on the internet (or AWS's public backbone): where does its destination live?"""
    dst = walk.h.dst
    public = fw.fabric.public.get(dst)
    if public is not None:
        return inbound(fw, walk, public)
    service = fw.fabric.service_at(dst)
    if service is not None:
        return fw.deliver(walk, service.prefix_list_name, "aws-service",
                          f"public endpoint of {service.service} in {service.region} ({service.prefix_list_id})",
                          Responder("internet", service.prefix_list_name))
    if is_private(dst):
        return fw.drop(walk, "INTERNET_PRIVATE_DESTINATION", "internet", "internet",
                       f"{int_to_ip(dst)} is not routable on the internet")
    return fw.exit(walk, "internet", "internet", "left for the internet", Responder("internet", "internet"))


def from_internet(fw, walk):
    return across_internet(fw, walk)


def inbound(fw, walk, public):
    """A packet for a public IP enters its VPC through the IGW: destination mapped back (R120)."""
    cvpc = public.vpc
    igw = cvpc.internet_gateway
    if igw is None:
        return fw.drop(walk, "IGW_NOT_ATTACHED", cvpc.id, "vpc",
                       f"{cvpc.id} has no internet gateway for {int_to_ip(walk.h.dst)}")
    before = walk.h
    walk.h = before.copy(dst=public.private)
    walk.entered_via = igw.internet_gateway_id
    fw.record(igw.internet_gateway_id, "internet-gateway", "translate",
              f"destination {int_to_ip(before.dst)} -> {int_to_ip(public.private)} (R120)", walk, before)
    if cvpc.edge_fib is not None:
        return fw.route(walk, cvpc.edge_fib, cvpc.edge_route_table_id, cvpc, None)
    return fw.deliver_in_vpc(walk, cvpc, came_from=None)
