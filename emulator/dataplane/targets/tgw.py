"""Target `tgw-…`: into a transit gateway through the VPC's attachment, then by the TGW route table
associated with the attachment the packet arrived on (R89–R100), across TGW peerings (R96).

Network ACLs around a VPC attachment follow AWS's tgw-nacls rules: into the TGW, the attachment
subnet's inbound rules apply (after the source subnet's outbound rules); out of the TGW, the
attachment subnet's outbound rules and the destination subnet's inbound rules apply, and none
when the destination is in the attachment subnet itself.
"""
from __future__ import annotations

import zlib

from ...model import TransitGateway, TransitGatewayPeeringAttachment, TransitGatewayVpcAttachment
from ..compile import TGW_ATTACHMENT
from ..pipeline import MTU_TRANSIT, Outcome


def forward(fw, walk, cvpc, subnet, hop):
    topology = fw.fabric.topology
    tgw = topology.get(hop.target_id, TransitGateway)
    if tgw is None or tgw.state != "available":
        return fw.drop(walk, "BAD_STATE_ROUTE", hop.target_id, "transit-gateway", f"{hop.target_id} is not available")
    if walk.entered_via and walk.entered_via.startswith("pcx-"):
        return fw.drop(walk, "PEERING_NOT_TRANSITIVE", tgw.transit_gateway_id, "transit-gateway",
                       f"the packet entered {cvpc.id} through {walk.entered_via} (R80)")
    attachment = fw.fabric.tgw_vpc_attachments.get((cvpc.id, tgw.transit_gateway_id))
    if attachment is None:
        return fw.drop(walk, "TGW_ATTACHMENT_NOT_FOUND", tgw.transit_gateway_id, "transit-gateway",
                       f"{cvpc.id} has no available attachment to {tgw.transit_gateway_id}")
    az = subnet.subnet.availability_zone if subnet else None
    attachment_subnet = _subnet_in_az(fw, attachment, az)
    if attachment_subnet is None:
        return fw.drop(walk, "TGW_NO_ATTACHMENT_IN_AZ", attachment.transit_gateway_attachment_id,
                       "transit-gateway-attachment",
                       f"{attachment.transit_gateway_attachment_id} has no subnet in {az} (R98)")
    too_big = fw.cross_link(walk, MTU_TRANSIT, tgw.transit_gateway_id, "transit-gateway")
    if too_big:
        return too_big
    if not fw.nacl_check(walk, attachment_subnet, egress=False):
        return fw.drop(walk, "SUBNET_ACL_RESTRICTION", attachment_subnet.nacl.network_acl_id, "network-acl",
                       f"inbound rules of {attachment_subnet.nacl.network_acl_id} deny it")
    fw.record(tgw.transit_gateway_id, "transit-gateway", "receive",
              f"from {attachment.transit_gateway_attachment_id} ({cvpc.id}) in {az}", walk)
    return route_in_tgw(fw, walk, tgw, attachment.transit_gateway_attachment_id, az)


def route_in_tgw(fw, walk, tgw, ingress_attachment_id: str, az: str | None):
    """Look the destination up in the table associated with the ingress attachment (R89, R91)."""
    fabric = fw.fabric
    walk.steps += 1
    if walk.steps > 64:
        return fw.drop(walk, "TTL_EXCEEDED", tgw.transit_gateway_id, "transit-gateway")
    table_id = fabric.tgw_associations.get((tgw.transit_gateway_id, ingress_attachment_id))
    if table_id is None:
        return fw.drop(walk, "TGW_ATTACHMENT_NOT_ASSOCIATED", tgw.transit_gateway_id, "transit-gateway",
                       f"{ingress_attachment_id} is associated with no route table of {tgw.transit_gateway_id}")
    hop = fw.lookup(walk, fabric.tgw_fibs[table_id], table_id, "transit-gateway-route-table")
    if isinstance(hop, Outcome):
        return hop
    assert hop.kind == TGW_ATTACHMENT
    egress = fabric.topology.get(hop.target_id)
    if isinstance(egress, TransitGatewayVpcAttachment):
        return _out_to_vpc(fw, walk, tgw, egress, az)
    if isinstance(egress, TransitGatewayPeeringAttachment):
        return _across_peering(fw, walk, tgw, egress)
    return fw.drop(walk, "TGW_ATTACHMENT_NOT_AVAILABLE", hop.target_id, "transit-gateway-attachment",
                   f"{hop.target_id} is not an attachment vpcemu knows")


def _across_peering(fw, walk, tgw, peering):
    peer = fw.fabric.topology.get(peering.peer_of(tgw.transit_gateway_id) or "", TransitGateway)
    if peering.state != "available" or peer is None or peer.state != "available":
        return fw.drop(walk, "TGW_ATTACHMENT_NOT_AVAILABLE", peering.transit_gateway_attachment_id,
                       "transit-gateway-attachment", f"{peering.transit_gateway_attachment_id} is not available")
    fw.record(peering.transit_gateway_attachment_id, "transit-gateway-attachment", "forward",
              f"peering {tgw.transit_gateway_id} ({tgw.region}) -> {peer.transit_gateway_id} ({peer.region})", walk)
    fw.record(peer.transit_gateway_id, "transit-gateway", "receive",
              f"from peering {peering.transit_gateway_attachment_id}", walk)
    # The AZ does not carry across regions: the peer chooses its own (R99).
    return route_in_tgw(fw, walk, peer, peering.transit_gateway_attachment_id, None)


def _out_to_vpc(fw, walk, tgw, attachment, az):
    fabric = fw.fabric
    if attachment.state != "available":
        return fw.drop(walk, "TGW_ATTACHMENT_NOT_AVAILABLE", attachment.transit_gateway_attachment_id,
                       "transit-gateway-attachment")
    subnet = _egress_subnet(fw, walk, attachment, az)
    cvpc = fabric.vpcs[attachment.vpc_id]
    fw.record(tgw.transit_gateway_id, "transit-gateway", "forward",
              f"to {attachment.transit_gateway_attachment_id} ({cvpc.id}) in {subnet.subnet.availability_zone}", walk)
    walk.entered_via = tgw.transit_gateway_id
    if subnet.contains(walk.h.dst):
        return fw.deliver_in_vpc(walk, cvpc, came_from=subnet)  # tgw-nacls: no NACL either way
    # The attachment subnet's own route table decides where the packet goes in the VPC.
    return fw.route_out_of(walk, subnet)


def _subnet_in_az(fw, attachment, az):
    subnets = fw.fabric.tgw_attachment_subnets[attachment.transit_gateway_attachment_id]
    return next((s for s in subnets if s.subnet.availability_zone == az), None)


def _egress_subnet(fw, walk, attachment, az):
    """R99: stay in the ingress AZ when the attachment has a subnet there, else another one.
    R100: with appliance mode, one AZ per flow, the same for both directions."""
    subnets = fw.fabric.tgw_attachment_subnets[attachment.transit_gateway_attachment_id]
    if attachment.appliance_mode_support:
        h = walk.h
        ends = sorted([(h.src, h.sport), (h.dst, h.dport)])
        key = f"{ends}/{h.proto}".encode()
        return subnets[zlib.crc32(key) % len(subnets)]
    same = next((s for s in subnets if s.subnet.availability_zone == az), None)
    return same or subnets[0]
