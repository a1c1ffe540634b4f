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

    def add(self, resource: Resource) -> Resource:
        self.resources[resource.id] = resource
        return resource

    def remove(self, ref: str) -> Resource:
        """Remove a resource by id or name, as deleting it in AWS would: routes that pointed at it
        stay, in state blackhole (R17), except a gateway endpoint's, which AWS removes (R32)."""
        resource = self.find(ref)
        del self.resources[resource.id]
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
        return (r for r in self.resources.values() if isinstance(r, kind))

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

    def instance_of(self, eni: NetworkInterface) -> Instance | None:
        if eni.attachment_instance_id:
            return self.get(eni.attachment_instance_id, Instance)
        return None
