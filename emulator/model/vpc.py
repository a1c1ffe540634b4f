"""VPCs, subnets, network interfaces, instances, internet gateways, Elastic IPs, NAT gateways."""
from __future__ import annotations

from dataclasses import dataclass, field

from .base import Resource


@dataclass
class Vpc(Resource):
    ID_FIELD = "vpc_id"
    ID_PREFIX = "vpc"
    KIND = "vpc"

    vpc_id: str
    cidr_blocks: list[str]  # the primary CIDR first (R131: the resolver sits at its base + 2)
    region: str
    owner_id: str
    name: str | None = None
    is_default: bool = False
    enable_dns_support: bool = True  # R133
    enable_dns_hostnames: bool = False  # R133

    @property
    def cidr_block(self) -> str:
        return self.cidr_blocks[0]


@dataclass
class Subnet(Resource):
    ID_FIELD = "subnet_id"
    ID_PREFIX = "subnet"
    KIND = "subnet"

    subnet_id: str
    vpc_id: str
    cidr_block: str
    availability_zone: str
    region: str
    owner_id: str
    name: str | None = None
    availability_zone_id: str | None = None


@dataclass
class NetworkInterface(Resource):
    """An ENI. `interface_type` follows AWS: interface, vpc_endpoint, nat_gateway, transit_gateway…"""

    ID_FIELD = "network_interface_id"
    ID_PREFIX = "eni"
    KIND = "network-interface"

    network_interface_id: str
    subnet_id: str
    vpc_id: str
    private_ip_addresses: list[str]  # the primary address first
    region: str
    owner_id: str
    groups: list[str] = field(default_factory=list)  # security group ids
    association_public_ip: str | None = None  # public IPv4 or Elastic IP (R120)
    source_dest_check: bool = True  # R130
    interface_type: str = "interface"
    attachment_instance_id: str | None = None
    requester_managed: bool = False
    description: str = ""
    name: str | None = None

    @property
    def private_ip_address(self) -> str:
        return self.private_ip_addresses[0]


@dataclass
class Instance(Resource):
    ID_FIELD = "instance_id"
    ID_PREFIX = "i"
    KIND = "instance"

    instance_id: str
    network_interface_ids: list[str]  # device index 0 first
    region: str
    owner_id: str
    state: str = "running"
    name: str | None = None
    metadata_http_endpoint: str = "enabled"  # MetadataOptions.HttpEndpoint: enabled | disabled (IMDS)


@dataclass
class InternetGateway(Resource):
    ID_FIELD = "internet_gateway_id"
    ID_PREFIX = "igw"
    KIND = "internet-gateway"

    internet_gateway_id: str
    vpc_id: str | None  # the attached VPC; None when detached
    region: str
    owner_id: str
    name: str | None = None


@dataclass
class ElasticIp(Resource):
    ID_FIELD = "allocation_id"
    ID_PREFIX = "eipalloc"
    KIND = "elastic-ip"

    allocation_id: str
    public_ip: str
    region: str
    owner_id: str
    network_interface_id: str | None = None
    private_ip_address: str | None = None
    name: str | None = None


@dataclass
class NatGateway(Resource):
    """A NAT gateway (R122–R127). Public NAT maps to `public_ip`; private NAT has none (R123)."""

    ID_FIELD = "nat_gateway_id"
    ID_PREFIX = "nat"
    KIND = "nat-gateway"

    nat_gateway_id: str
    subnet_id: str
    vpc_id: str
    network_interface_id: str
    private_ip: str
    region: str
    owner_id: str
    public_ip: str | None = None
    connectivity_type: str = "public"
    state: str = "available"
    name: str | None = None
