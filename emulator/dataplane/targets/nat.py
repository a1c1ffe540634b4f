"""Target `nat-…`: source NAT for TCP, UDP and ICMP (R122–R126), and the replies coming back."""
from __future__ import annotations

from ...model import NatGateway
from ..packet import ICMP, TCP, UDP, int_to_ip
from ..pipeline import MAX_STEPS


def forward(fw, walk, cvpc, subnet, hop):
    nat = fw.fabric.topology.get(hop.target_id, NatGateway)
    if nat is None or nat.state != "available":
        return fw.drop(walk, "BAD_STATE", hop.target_id, "nat-gateway",
                       f"{hop.target_id} is {'missing' if nat is None else nat.state}")
    walk.steps += 1  # a NAT gateway whose own subnet routes back to it loops: end it like any loop (R119)
    if walk.steps > MAX_STEPS:
        return fw.drop(walk, "TTL_EXCEEDED", nat.nat_gateway_id, "nat-gateway",
                       "routing loop: the NAT gateway's subnet routes the packet back to it")
    if walk.entered_via and not walk.entered_via.startswith("tgw-"):
        return fw.drop(walk, "EDGE_TO_EDGE_NAT_GATEWAY", nat.nat_gateway_id, "nat-gateway",
                       f"the packet entered {cvpc.id} through {walk.entered_via} (R126)")
    port = fw.fabric.ports[nat.network_interface_id]
    if not fw.enter_subnet(walk, port.subnet, subnet):
        return fw.drop(walk, "SUBNET_ACL_RESTRICTION", port.subnet.nacl.network_acl_id, "network-acl",
                       f"inbound rules of {port.subnet.nacl.network_acl_id} deny it")
    h = walk.h
    if h.proto not in (TCP, UDP, ICMP):
        return fw.drop(walk, "NAT_GATEWAY_UNSUPPORTED_PROTOCOL", nat.nat_gateway_id, "nat-gateway",
                       f"protocol {h.proto} is not TCP, UDP or ICMP")
    if h.fragment and h.proto in (TCP, ICMP):
        return fw.drop(walk, "NAT_GATEWAY_FRAGMENT", nat.nat_gateway_id, "nat-gateway")
    outside_port = fw.session.nat_translate(nat.nat_gateway_id, h.flow())
    walk.h = h.copy(src=min(port.addresses), sport=outside_port)
    fw.record(nat.nat_gateway_id, "nat-gateway", "translate",
              f"source {int_to_ip(h.src)}:{h.sport} -> {nat.private_ip}:{outside_port} (R122)", walk, h)
    return fw.route_out_of(walk, port.subnet)


def receive(fw, walk, port):
    """A packet addressed to the NAT gateway's private IP: a reply to a session, or dropped."""
    h = walk.h
    if h.proto == ICMP:  # the translated query id comes back in the response (sport), dport is 0
        session = fw.session.nat_reverse(port.owner_id, h.proto, h.src, 0, h.sport)
        restored = h.copy(dst=session.inside_src, sport=session.inside_sport) if session else None
    else:
        session = fw.session.nat_reverse(port.owner_id, h.proto, h.src, h.sport, h.dport)
        restored = h.copy(dst=session.inside_src, dport=session.inside_sport) if session else None
    if session is None:
        return fw.drop(walk, "NAT_GATEWAY_NO_SESSION", port.owner_id, "nat-gateway",
                       "no connection from inside matches this packet (R122)")
    walk.h = restored
    fw.record(port.owner_id, "nat-gateway", "translate",
              f"destination {int_to_ip(h.dst)} -> {int_to_ip(session.inside_src)} (connection {session.inside_sport})",
              walk, h)
    return fw.route_out_of(walk, port.subnet)
