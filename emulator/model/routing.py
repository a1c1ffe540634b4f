"""Route tables, routes and managed prefix lists (R1–R30)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .base import Resource

# Route.origin values as AWS reports them.
ORIGIN_LOCAL = "CreateRouteTable"
ORIGIN_STATIC = "CreateRoute"
ORIGIN_PROPAGATED = "EnableVgwRoutePropagation"

# Target kinds, one dataplane handler each.
LOCAL, IGW, VGW, NAT, GATEWAY_ENDPOINT, GWLB_ENDPOINT, ENI, INSTANCE, PCX, TGW = (
    "local", "igw", "vgw", "nat", "gateway-endpoint", "gwlb-endpoint", "eni", "instance", "pcx", "tgw")


@dataclass
class Route:
    """One route, in the shape of EC2's `Route`: one destination, one target."""

    destination_cidr_block: str | None = None
    destination_prefix_list_id: str | None = None
    gateway_id: str | None = None  # local, igw-…, vgw-…, or a gateway endpoint vpce-…
    nat_gateway_id: str | None = None
    network_interface_id: str | None = None
    instance_id: str | None = None
    vpc_peering_connection_id: str | None = None
    transit_gateway_id: str | None = None
    vpc_endpoint_id: str | None = None  # a Gateway Load Balancer endpoint (R18)
    state: str = "active"  # or blackhole (R17)
    origin: str = ORIGIN_STATIC

    @property
    def destination(self) -> str:
        return self.destination_cidr_block or self.destination_prefix_list_id or "?"

    @property
    def target_id(self) -> str | None:
        return (self.nat_gateway_id or self.network_interface_id or self.instance_id
                or self.vpc_peering_connection_id or self.transit_gateway_id
                or self.vpc_endpoint_id or self.gateway_id)

    @property
    def target_kind(self) -> str:
        """Which handler forwards packets this route selects."""
        if self.nat_gateway_id:
            return NAT
        if self.network_interface_id:
            return ENI
        if self.instance_id:
            return INSTANCE
        if self.vpc_peering_connection_id:
            return PCX
        if self.transit_gateway_id:
            return TGW
        if self.vpc_endpoint_id:
            return GWLB_ENDPOINT
        gateway = self.gateway_id or ""
        if gateway == "local":
            return LOCAL
        if gateway.startswith("igw-"):
            return IGW
        if gateway.startswith("vgw-"):
            return VGW
        if gateway.startswith("vpce-"):
            return GATEWAY_ENDPOINT
        return "unknown"

    @property
    def is_propagated(self) -> bool:
        return self.origin == ORIGIN_PROPAGATED


@dataclass
class RouteTable(Resource):
    ID_FIELD = "route_table_id"
    ID_PREFIX = "rtb"
    KIND = "route-table"

    route_table_id: str
    vpc_id: str
    region: str
    owner_id: str
    routes: list[Route] = field(default_factory=list)
    main: bool = False  # R3, R4
    subnet_ids: list[str] = field(default_factory=list)  # explicit associations
    gateway_ids: list[str] = field(default_factory=list)  # edge associations (R13)
    name: str | None = None


@dataclass
class PrefixList(Resource):
    """A managed prefix list (R23–R30). AWS-managed lists have owner_id 'AWS'."""

    ID_FIELD = "prefix_list_id"
    ID_PREFIX = "pl"
    KIND = "prefix-list"

    prefix_list_id: str
    prefix_list_name: str
    cidrs: list[str]
    region: str
    owner_id: str = "AWS"
    max_entries: int | None = None  # customer lists: counts against quotas (R25)
    address_family: str = "IPv4"
    name: str | None = None

    @property
    def aws_managed(self) -> bool:
        return self.owner_id == "AWS"

    @property
    def service(self) -> str | None:
        """`s3` for `com.amazonaws.eu-west-2.s3`; None for customer lists."""
        if self.aws_managed and self.prefix_list_name.startswith("com.amazonaws."):
            return self.prefix_list_name.rsplit(".", 1)[-1]
        return None
