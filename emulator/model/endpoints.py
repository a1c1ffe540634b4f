"""VPC endpoints: gateway endpoints for S3/DynamoDB (R31–R42) and interface endpoints (R43–R56)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .base import Resource


@dataclass
class GatewayEndpoint(Resource):
    """A gateway endpoint: a route target only, no ENI, no security group (R31, R32)."""

    ID_FIELD = "vpc_endpoint_id"
    ID_PREFIX = "vpce"
    KIND = "gateway-endpoint"

    vpc_endpoint_id: str
    vpc_id: str
    service_name: str  # com.amazonaws.<region>.s3 | .dynamodb
    region: str
    owner_id: str
    route_table_ids: list[str] = field(default_factory=list)
    state: str = "available"
    name: str | None = None


@dataclass
class InterfaceEndpoint(Resource):
    """An interface endpoint: one requester-managed ENI per chosen subnet (R43)."""

    ID_FIELD = "vpc_endpoint_id"
    ID_PREFIX = "vpce"
    KIND = "interface-endpoint"

    vpc_endpoint_id: str
    vpc_id: str
    service_name: str
    region: str
    owner_id: str
    subnet_ids: list[str] = field(default_factory=list)
    network_interface_ids: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    private_dns_enabled: bool = True  # R50
    state: str = "available"
    name: str | None = None
