"""Target `pcx-…`: into the peer VPC, for the peer's own addresses only (R77–R82)."""
from __future__ import annotations

from ...model import VpcPeeringConnection
from ..packet import int_to_ip
from ..pipeline import MTU_TRANSIT, MTU_VPC

# What the peer would have needed for a destination outside its CIDRs: the code that says why not.
_EDGE_CODES = {"igw": "EDGE_TO_EDGE_INTERNET_GATEWAY", "nat": "EDGE_TO_EDGE_NAT_GATEWAY",
               "gateway-endpoint": "EDGE_TO_EDGE_GATEWAY_ENDPOINT", "vgw": "EDGE_TO_EDGE_VPN",
               "pcx": "PEERING_NOT_TRANSITIVE", "tgw": "PEERING_NOT_TRANSITIVE"}


def forward(fw, walk, cvpc, subnet, hop):
    pcx = fw.fabric.topology.get(hop.target_id, VpcPeeringConnection)
    if pcx is None:
        return fw.drop(walk, "BAD_STATE_ROUTE", hop.target_id, "vpc-peering-connection",
                       f"{hop.target_id} does not exist")
    if pcx.status != "active":
        return fw.drop(walk, "PEERING_NOT_ACTIVE", pcx.vpc_peering_connection_id, "vpc-peering-connection",
                       f"{pcx.vpc_peering_connection_id} is {pcx.status}")
    peer_id = pcx.peer_of(cvpc.id)
    peer = fw.fabric.vpcs.get(peer_id or "")
    if peer is None:
        return fw.drop(walk, "PEERING_NOT_ATTACHED", pcx.vpc_peering_connection_id, "vpc-peering-connection",
                       f"{pcx.vpc_peering_connection_id} does not join {cvpc.id}")
    if walk.entered_via and walk.entered_via.startswith(("pcx-", "tgw-")):
        return fw.drop(walk, "PEERING_NOT_TRANSITIVE", pcx.vpc_peering_connection_id, "vpc-peering-connection",
                       f"the packet entered {cvpc.id} through {walk.entered_via} (R80)")
    mtu = MTU_TRANSIT if peer.vpc.region != cvpc.vpc.region else MTU_VPC  # R84
    too_big = fw.cross_link(walk, mtu, pcx.vpc_peering_connection_id, "vpc-peering-connection")
    if too_big:
        return too_big
    fw.record(pcx.vpc_peering_connection_id, "vpc-peering-connection", "forward", f"{cvpc.id} -> {peer.id}", walk)
    walk.entered_via = pcx.vpc_peering_connection_id
    if not peer.contains(walk.h.dst):
        return _outside_peer(fw, walk, peer, pcx)
    return fw.deliver_in_vpc(walk, peer, came_from=None)


def _outside_peer(fw, walk, peer, pcx):
    """R80/R81: the peer forwards nothing beyond its own CIDRs. Name what it would have used."""
    main = fw.fabric.main_fib.get(peer.id)
    would = main.lookup(walk.h.dst) if main else None
    code = _EDGE_CODES.get(would.kind, "PEERING_DESTINATION_OUTSIDE_PEER") if would else "PEERING_DESTINATION_OUTSIDE_PEER"
    detail = f"{int_to_ip(walk.h.dst)} is outside {peer.id}"
    if would is not None and code != "PEERING_DESTINATION_OUTSIDE_PEER":
        detail += f"; {peer.id} would need {would.describe()}, which peered traffic cannot use"
    return fw.drop(walk, code, pcx.vpc_peering_connection_id, "vpc-peering-connection", detail)
