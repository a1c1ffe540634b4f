"""What the console's endpoint search shows a principal: AWS services, and the endpoint services
whose allowed principals admit it (R58); the provider always sees its own."""
from __future__ import annotations

from dataclasses import dataclass

from ..inputs.yaml_privatelink import principal_allowed
from ..model import EndpointService, LoadBalancer, PrefixList, Subnet, Topology, Vpc


@dataclass
class Listing:
    service_name: str
    service_type: str  # Gateway, Interface, GatewayLoadBalancer
    owner: str
    availability_zones: list[str]
    acceptance_required: bool = False
    private_dns_name: str | None = None
    name: str | None = None


def account_of(principal: str) -> str:
    parts = principal.split(":")
    return parts[4] if len(parts) >= 6 else principal


def visible_services(topology: Topology, principal: str | None = None) -> list[Listing]:
    listings = []
    regions = {v.region for v in topology.all(Vpc)}
    for pl in sorted(topology.all(PrefixList), key=lambda p: p.prefix_list_name):
        if pl.service and pl.aws_managed and pl.region in regions:
            listings.append(Listing(pl.prefix_list_name, "Gateway, Interface", "amazon", []))
    subnets = {s.subnet_id: s for s in topology.all(Subnet)}
    for service in sorted(topology.all(EndpointService), key=lambda s: s.service_name):
        if principal is not None and account_of(principal) != service.owner_id and not principal_allowed(
                principal, service.allowed_principals):
            continue
        azs = sorted({subnets[s].availability_zone for arn in service.load_balancer_arns
                      for s in topology.get(arn, LoadBalancer).subnet_ids if s in subnets})
        listings.append(Listing(service.service_name, service.service_type, service.owner_id, azs,
                                service.acceptance_required, service.private_dns_name, service.name))
    return listings


def hidden_reasons(topology: Topology, principal: str) -> list[str]:
    """For each endpoint service the principal cannot find: which service, and who may (R58)."""
    reasons = []
    for service in sorted(topology.all(EndpointService), key=lambda s: s.service_name):
        if account_of(principal) != service.owner_id and not principal_allowed(principal, service.allowed_principals):
            allowed = ", ".join(service.allowed_principals) or "nobody"
            reasons.append(f"{service.service_name} ({service.name}) does not allow {principal}; allowed: {allowed}")
    return reasons
