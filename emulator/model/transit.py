"""Connections between VPCs: peering connections (R77–R88)."""
from __future__ import annotations

from dataclasses import dataclass

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
