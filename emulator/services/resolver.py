"""Name resolution as a VPC's Amazon-provided resolver answers it (R39, R50, R51, R131–R135).

For now: AWS service regional names (`s3.eu-west-2.amazonaws.com`), which resolve to the
interface endpoint's ENI addresses when an endpoint with private DNS exists in the asking VPC,
and to the service's public address otherwise. DNS packets and more names come with issue #4.
"""
from __future__ import annotations

import re

from ..model import InterfaceEndpoint, NetworkInterface, PrefixList, Topology, Vpc
from .aws_public import resolver_address

_SERVICE_NAME = re.compile(r"^(?:[a-z0-9-]+\.)?(?P<service>[a-z0-9-]+)\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com\.?$")


class NotResolved(LookupError):
    pass


def resolve(topology: Topology, vpc: Vpc, name: str, prefer_az: str | None = None) -> list[str]:
    """The IPv4 addresses `name` resolves to for a client in `vpc`; the client's AZ first."""
    match = _SERVICE_NAME.match(name.lower())
    if not match:
        raise NotResolved(f"vpcemu's resolver knows no record for {name!r}")
    if not vpc.enable_dns_support:
        raise NotResolved(f"{vpc.vpc_id} has enableDnsSupport off (R133)")
    service_name = f"com.amazonaws.{match['region']}.{match['service']}"
    private = _private_dns_answer(topology, vpc, service_name, prefer_az)
    if private:
        return private
    pl = next((p for p in topology.all(PrefixList) if p.prefix_list_name == service_name), None)
    address = resolver_address(service_name)
    if address is None and pl is not None and pl.cidrs:
        network = pl.cidrs[0].split("/")[0].rsplit(".", 1)[0]
        address = f"{network}.10"
    if address is None:
        raise NotResolved(f"no public addresses known for {service_name}")
    return [address]


def _private_dns_answer(topology, vpc, service_name, prefer_az) -> list[str]:
    """R50, R51, R133: only inside the endpoint's VPC, with private DNS and both DNS switches on."""
    if not (vpc.enable_dns_support and vpc.enable_dns_hostnames):
        return []
    for endpoint in topology.all(InterfaceEndpoint):
        if (endpoint.vpc_id == vpc.vpc_id and endpoint.service_name == service_name
                and endpoint.private_dns_enabled and endpoint.state == "available"):
            enis = [topology.get(e, NetworkInterface) for e in endpoint.network_interface_ids]
            enis = [e for e in enis if e is not None]
            azs = {s.subnet_id: s.availability_zone for s in topology.subnets_of(vpc.vpc_id)}
            enis.sort(key=lambda e: azs.get(e.subnet_id) != prefer_az)
            return [e.private_ip_address for e in enis]
    return []
