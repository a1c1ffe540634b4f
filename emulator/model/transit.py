"""Connections between VPCs: peering connections (R77–R88) and transit gateways (R89–R103)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .base import Resource


@dataclass
class VpcPeeringConnection(Resource):
    ID_FIELD = "vpc_peering_connection_id"
    ID_PREFIX = "pcx"
    KIND = "vpc-peering-connection"

    vpc_peering_connection_id: str
    requester_vpc_id: str
    accepter_vpc_id: str
    region: str  # the requester's region
    owner_id: str
    status: str = "active"  # only active connections carry traffic (R77)
    name: str | None = None

    def peer_of(self, vpc_id: str) -> str | None:
        if vpc_id == self.requester_vpc_id:
            return self.accepter_vpc_id
        if vpc_id == self.accepter_vpc_id:
            return self.requester_vpc_id
        return None


@dataclass
class TransitGateway(Resource):
    """A regional layer-3 router (R89). Default association/propagation are on unless disabled (R93)."""

    ID_FIELD = "transit_gateway_id"
    ID_PREFIX = "tgw"
    KIND = "transit-gateway"

    transit_gateway_id: str
    region: str
    owner_id: str
    default_route_table_association: bool = True
    default_route_table_propagation: bool = True
    association_default_route_table_id: str | None = None
    propagation_default_route_table_id: str | None = None
    security_group_referencing_support: bool = False  # R103: off by default on the TGW
    state: str = "available"
    name: str | None = None


@dataclass
class TransitGatewayVpcAttachment(Resource):
    """A VPC attachment: one subnet per AZ it serves (R98)."""

    ID_FIELD = "transit_gateway_attachment_id"
    ID_PREFIX = "tgw-attach"
    KIND = "transit-gateway-attachment"

    transit_gateway_attachment_id: str
    transit_gateway_id: str
    vpc_id: str
    subnet_ids: list[str]
    region: str
    owner_id: str
    appliance_mode_support: bool = False  # R100
    security_group_referencing_support: bool = True  # R103: on by default on the attachment
    state: str = "available"
    name: str | None = None


@dataclass
class TransitGatewayPeeringAttachment(Resource):
    """A peering between two transit gateways, in any regions and accounts; static routes only (R96)."""

    ID_FIELD = "transit_gateway_attachment_id"
    ID_PREFIX = "tgw-attach"
    KIND = "transit-gateway-attachment"

    transit_gateway_attachment_id: str
    requester_transit_gateway_id: str
    accepter_transit_gateway_id: str
    region: str
    owner_id: str
    state: str = "available"
    name: str | None = None

    def peer_of(self, tgw_id: str) -> str | None:
        if tgw_id == self.requester_transit_gateway_id:
            return self.accepter_transit_gateway_id
        if tgw_id == self.accepter_transit_gateway_id:
            return self.requester_transit_gateway_id
        return None


@dataclass
class TransitGatewayRoute:
    """A static or blackhole route (R94), to a CIDR or a prefix list (R29). Propagated routes are
    derived from `TransitGatewayRouteTable.propagations` when the topology is compiled (R92)."""

    destination_cidr_block: str | None = None
    prefix_list_id: str | None = None
    transit_gateway_attachment_id: str | None = None
    state: str = "active"  # or blackhole

    @property
    def destination(self) -> str:
        return self.destination_cidr_block or self.prefix_list_id or "?"


@dataclass
class TransitGatewayRouteTable(Resource):
    """A TGW route table with the attachments associated with it (each attachment has exactly one
    association per transit gateway, R91) and those propagating into it (R92)."""

    ID_FIELD = "transit_gateway_route_table_id"
    ID_PREFIX = "tgw-rtb"
    KIND = "transit-gateway-route-table"

    transit_gateway_route_table_id: str
    transit_gateway_id: str
    region: str
    owner_id: str
    routes: list[TransitGatewayRoute] = field(default_factory=list)
    associations: list[str] = field(default_factory=list)
    propagations: list[str] = field(default_factory=list)
    default_association_route_table: bool = False
    default_propagation_route_table: bool = False
    name: str | None = None
