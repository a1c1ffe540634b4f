"""VPC endpoints (R31–R56), and the provider side of PrivateLink: load balancers, target groups and
endpoint services (R57–R66), Gateway Load Balancer endpoints (R67–R76)."""
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
    dns_names: list[str] = field(default_factory=list)  # DnsEntries' endpoint-specific names; [] = AWS's form (R49)
    state: str = "available"  # available | pendingAcceptance | rejected … (R55, R59)
    requester: str | None = None  # the principal ARN that created it (R58)
    name: str | None = None


@dataclass
class Target:
    """A registered target: an instance id or an IP address, its port and health (R73)."""

    target_id: str
    port: int
    health: str = "healthy"  # healthy | unhealthy | draining | unused | initial
    availability_zone: str | None = None


@dataclass
class TargetGroup(Resource):
    ID_FIELD = "target_group_arn"
    ID_PREFIX = "arn:aws:elasticloadbalancing"
    KIND = "target-group"

    target_group_arn: str
    target_group_name: str
    protocol: str  # TCP | UDP | TLS | TCP_UDP | GENEVE
    port: int
    target_type: str  # instance | ip
    vpc_id: str
    region: str
    owner_id: str
    targets: list[Target] = field(default_factory=list)
    proxy_protocol_v2: bool = False  # R64
    flow_hash: int = 5  # GWLB stickiness: 5-, 3- or 2-tuple (R70)
    name: str | None = None


@dataclass
class Listener:
    port: int | None  # None: a GWLB listener takes every port (R67)
    protocol: str
    target_group_arn: str


@dataclass
class LoadBalancer(Resource):
    """A Network or Gateway Load Balancer: one node (ENI) per enabled subnet, one per AZ."""

    ID_FIELD = "load_balancer_arn"
    ID_PREFIX = "arn:aws:elasticloadbalancing"
    KIND = "load-balancer"

    load_balancer_arn: str
    load_balancer_name: str
    type: str  # network | gateway
    vpc_id: str
    subnet_ids: list[str]
    network_interface_ids: list[str]  # the nodes, one per subnet
    region: str
    owner_id: str
    listeners: list[Listener] = field(default_factory=list)
    state: str = "active"
    name: str | None = None


@dataclass
class EndpointService(Resource):
    """A PrivateLink endpoint service in front of NLBs or GWLBs (R57–R61)."""

    ID_FIELD = "service_id"
    ID_PREFIX = "vpce-svc"
    KIND = "endpoint-service"

    service_id: str
    service_name: str  # com.amazonaws.vpce.<region>.vpce-svc-… (R60)
    service_type: str  # Interface (NLB) | GatewayLoadBalancer
    load_balancer_arns: list[str]
    region: str
    owner_id: str
    acceptance_required: bool = True  # R59
    allowed_principals: list[str] = field(default_factory=list)  # R58
    private_dns_name: str | None = None  # R60
    state: str = "Available"
    name: str | None = None


@dataclass
class GatewayLoadBalancerEndpoint(Resource):
    """A GWLB endpoint: one subnet, no security group, a route target (R74)."""

    ID_FIELD = "vpc_endpoint_id"
    ID_PREFIX = "vpce"
    KIND = "gwlb-endpoint"

    vpc_endpoint_id: str
    vpc_id: str
    subnet_id: str
    service_name: str
    network_interface_id: str
    region: str
    owner_id: str
    state: str = "available"
    requester: str | None = None
    name: str | None = None


@dataclass
class PrivateHostedZone(Resource):
    """A Route 53 private hosted zone associated with VPCs: A records by name (R135, R136)."""

    ID_FIELD = "hosted_zone_id"
    ID_PREFIX = "Z"
    KIND = "private-hosted-zone"

    hosted_zone_id: str
    zone_name: str  # without the trailing dot
    vpc_ids: list[str]
    records: dict[str, list[str]]  # fully qualified name -> IPv4 addresses
    region: str
    owner_id: str
    name: str | None = None
