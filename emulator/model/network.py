"""Topology: every resource of a network description, indexed by AWS id and by Name tag."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, TypeVar

from .base import Resource
from .latency import LatencySettings
from .endpoints import (EndpointService, GatewayEndpoint, GatewayLoadBalancerEndpoint, InterfaceEndpoint, LoadBalancer,
                        PrivateHostedZone, TargetGroup)
from .routing import PrefixList, RouteTable
from .security import NetworkAcl, SecurityGroup
from .transit import (TransitGateway, TransitGatewayPeeringAttachment, TransitGatewayRouteTable,
                      TransitGatewayVpcAttachment, VpcPeeringConnection)
from .vpc import ElasticIp, Instance, InternetGateway, NatGateway, NetworkInterface, Subnet, Vpc

R = TypeVar("R", bound=Resource)

KINDS: tuple[type[Resource], ...] = (
    Vpc, Subnet, RouteTable, PrefixList, NetworkInterface, Instance, InternetGateway, ElasticIp,
    NatGateway, GatewayEndpoint, InterfaceEndpoint, SecurityGroup, NetworkAcl, VpcPeeringConnection,
    TransitGateway, TransitGatewayVpcAttachment, TransitGatewayPeeringAttachment, TransitGatewayRouteTable,
    LoadBalancer, TargetGroup, EndpointService, GatewayLoadBalancerEndpoint, PrivateHostedZone,
)


@dataclass
class Topology:
    """A description of an AWS network, free of behaviour. `source` names the file it came from."""

    source: str = "<memory>"
    resources: dict[str, Resource] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)  # resource id -> the file it was read from
    latency: LatencySettings = field(default_factory=LatencySettings)  # the topology's own latency figures

    def origin(self, resource_id: str) -> str:
        return self.origins.get(resource_id, self.source)

    def __post_init__(self) -> None:
        # Resources by concrete class, so all(kind) visits only that kind (large topologies).
        self._by_class: dict[type, dict[str, Resource]] = {}
        for resource in self.resources.values():
            self._by_class.setdefault(type(resource), {})[resource.id] = resource

    def add(self, resource: Resource) -> Resource:
        previous = self.resources.get(resource.id)
        if previous is not None:
            self._by_class[type(previous)].pop(resource.id, None)
        self.resources[resource.id] = resource
        self._by_class.setdefault(type(resource), {})[resource.id] = resource
        return resource

    def remove(self, ref: str) -> Resource:
        """Remove a resource by id or name, as deleting it in AWS would: routes that pointed at it
        stay, in state blackhole (R17), except a gateway endpoint's, which AWS removes (R32)."""
        resource = self.find(ref)
        del self.resources[resource.id]
        self._by_class[type(resource)].pop(resource.id, None)
        for table in self.all(RouteTable):
            if isinstance(resource, GatewayEndpoint):
                table.routes = [r for r in table.routes if r.gateway_id != resource.id]
            for route in table.routes:
                if route.target_id == resource.id:
                    route.state = "blackhole"
        return resource

    def get(self, resource_id: str, kind: type[R] | None = None) -> R | None:
        resource = self.resources.get(resource_id)
        if kind is not None and not isinstance(resource, kind):
            return None
        return resource

    def all(self, kind: type[R]) -> Iterator[R]:
        return (r for cls, members in list(self._by_class.items()) if issubclass(cls, kind)
                for r in list(members.values()))

    def find(self, ref: str, kind: type[R] | tuple[type[R], ...] = Resource) -> R:
        """A resource by id or by Name tag; KeyError if none or several match."""
        resource = self.resources.get(ref)
        if resource is not None and isinstance(resource, kind):
            return resource
        named = [r for r in self.resources.values()
                 if isinstance(r, kind) and getattr(r, "name", None) == ref]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise KeyError(f"name {ref!r} is ambiguous: {', '.join(r.id for r in named)}")
        raise KeyError(f"no resource {ref!r}")

    # Relations AWS defines implicitly.

    def subnets_of(self, vpc_id: str) -> list[Subnet]:
        return [s for s in self.all(Subnet) if s.vpc_id == vpc_id]

    def main_route_table(self, vpc_id: str) -> RouteTable | None:
        return next((t for t in self.all(RouteTable) if t.vpc_id == vpc_id and t.main), None)

    def route_table_of(self, subnet: Subnet) -> RouteTable | None:
        """The explicitly associated table, else the VPC's main table (R3)."""
        explicit = next((t for t in self.all(RouteTable) if subnet.subnet_id in t.subnet_ids), None)
        return explicit or self.main_route_table(subnet.vpc_id)

    def edge_route_table(self, gateway_id: str) -> RouteTable | None:
        return next((t for t in self.all(RouteTable) if gateway_id in t.gateway_ids), None)

    def network_acl_of(self, subnet: Subnet) -> NetworkAcl | None:
        """The associated NACL, else the VPC's default NACL (R112)."""
        explicit = next((a for a in self.all(NetworkAcl) if subnet.subnet_id in a.subnet_ids), None)
        if explicit:
            return explicit
        return next((a for a in self.all(NetworkAcl) if a.vpc_id == subnet.vpc_id and a.is_default), None)

    def internet_gateway_of(self, vpc_id: str) -> InternetGateway | None:
        return next((g for g in self.all(InternetGateway) if g.vpc_id == vpc_id), None)

    def relations(self) -> "Relations":
        """Every implicit relation above, found in one pass (for whole-topology work: compiling
        a network of 10,000 subnets asks each question 10,000 times)."""
        rel = Relations()
        for table in self.all(RouteTable):
            if table.main:
                rel.main_route_table.setdefault(table.vpc_id, table)
            for subnet_id in table.subnet_ids:
                rel.explicit_route_table.setdefault(subnet_id, table)
            for gateway_id in table.gateway_ids:
                rel.edge_route_table.setdefault(gateway_id, table)
        for acl in self.all(NetworkAcl):
            if acl.is_default:
                rel.default_network_acl.setdefault(acl.vpc_id, acl)
            for subnet_id in acl.subnet_ids:
                rel.explicit_network_acl.setdefault(subnet_id, acl)
        for igw in self.all(InternetGateway):
            if igw.vpc_id:
                rel.internet_gateway.setdefault(igw.vpc_id, igw)
        return rel

    def instance_of(self, eni: NetworkInterface) -> Instance | None:
        if eni.attachment_instance_id:
            return self.get(eni.attachment_instance_id, Instance)
        return None


@dataclass
class Relations:
    """What Topology's relation helpers answer, as maps: by subnet, VPC or gateway id."""

    main_route_table: dict[str, RouteTable] = field(default_factory=dict)
    explicit_route_table: dict[str, RouteTable] = field(default_factory=dict)
    edge_route_table: dict[str, RouteTable] = field(default_factory=dict)
    default_network_acl: dict[str, NetworkAcl] = field(default_factory=dict)
    explicit_network_acl: dict[str, NetworkAcl] = field(default_factory=dict)
    internet_gateway: dict[str, InternetGateway] = field(default_factory=dict)

    def route_table_of(self, subnet: Subnet) -> RouteTable | None:
        """The explicitly associated table, else the VPC's main table (R3)."""
        return self.explicit_route_table.get(subnet.subnet_id) or self.main_route_table.get(subnet.vpc_id)

    def network_acl_of(self, subnet: Subnet) -> NetworkAcl | None:
        """The associated NACL, else the VPC's default NACL (R112)."""
        return self.explicit_network_acl.get(subnet.subnet_id) or self.default_network_acl.get(subnet.vpc_id)
