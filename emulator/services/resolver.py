"""The Amazon-provided resolver of a VPC (R131–R137, R39, R49–R51, R60).

Answers, in the order the Route 53 Resolver applies them for a client in a VPC:
1. private hosted zones associated with the VPC: the most specific zone that covers the name
   answers, NXDOMAIN when it has no record, never falling back to public DNS (R135);
2. private DNS of interface endpoints in that VPC (only there, R51): an AWS service's regional
   name, or an endpoint service's private DNS name, answers with the endpoint's ENI addresses
   (R50, R60; needs enableDnsSupport and enableDnsHostnames, R133);
3. endpoint-specific names, public DNS, resolvable from anywhere (R49, R51): regional
   `vpce-<id>-<suffix>.<service>.<region>.vpce.amazonaws.com` answers with every ENI, zonal
   `vpce-<id>-<suffix>-<az>.…` with the ENI in that AZ;
4. EC2 names (R134): `ip-10-0-0-10.<region>.compute.internal` inside its VPC, and the public
   `ec2-18-1-2-3.<region>.compute.amazonaws.com`, which answers the private address inside the
   instance's VPC and the public one elsewhere;
5. AWS services' public regional names (`s3.eu-west-2.amazonaws.com`) with a public address.
Anything else is NXDOMAIN (the emulator has no public internet DNS).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..model import (EndpointService, Instance, InterfaceEndpoint, NetworkInterface, PrefixList, PrivateHostedZone,
                     Subnet, Topology, Vpc)
from .aws_public import service_address

NOERROR, NXDOMAIN, SERVFAIL, REFUSED = 0, 3, 2, 5
_SERVICE_NAME = re.compile(r"^(?:[a-z0-9-]+\.)?(?P<service>[a-z0-9-]+)\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$")
_PRIVATE_EC2 = re.compile(r"^ip-(\d+)-(\d+)-(\d+)-(\d+)\.(?:[a-z0-9-]+\.)?compute\.internal$")
_PUBLIC_EC2 = re.compile(r"^ec2-(\d+)-(\d+)-(\d+)-(\d+)\.(?:[a-z0-9-]+\.)?compute\.amazonaws\.com$")


class NotResolved(LookupError):
    pass


@dataclass
class Answer:
    """What the resolver answers: an rcode, A records (the client's AZ first) and why."""

    rcode: int
    addresses: list[str] = field(default_factory=list)
    source: str = ""


def endpoint_dns_names(topology: Topology, endpoint: InterfaceEndpoint) -> dict[str, list[str]]:
    """R49: the regional name and one zonal name per AZ, with the addresses each answers.

    The names the data gives (DnsEntries) win; a name holding one of the ENIs' zones is that
    zone's. Without them, names of AWS's form are derived from the endpoint's id."""
    enis = [e for e in (topology.get(i, NetworkInterface) for i in endpoint.network_interface_ids) if e]
    subnets = {s.subnet_id: s for s in topology.all(Subnet)}
    if endpoint.dns_names:
        zones = {e.private_ip_address: subnets[e.subnet_id].availability_zone for e in enis}
        names = {}
        for name in endpoint.dns_names:
            zonal = [a for a, zone in zones.items() if f"-{zone}." in name]
            names[name] = zonal or [e.private_ip_address for e in enis]
        return names
    suffix = hashlib.sha256(endpoint.vpc_endpoint_id.encode()).hexdigest()[:8]
    service_part = _service_dns_part(endpoint.service_name, endpoint.region)
    names = {f"{endpoint.vpc_endpoint_id}-{suffix}.{service_part}": [e.private_ip_address for e in enis]}
    for eni in enis:
        az = subnets[eni.subnet_id].availability_zone
        names[f"{endpoint.vpc_endpoint_id}-{suffix}-{az}.{service_part}"] = [eni.private_ip_address]
    return names


def _service_dns_part(service_name: str, region: str) -> str:
    if service_name.startswith("com.amazonaws.vpce."):
        return f"{service_name.rsplit('.', 1)[-1]}.{region}.vpce.amazonaws.com"  # R60
    return f"{service_name.split('.', 3)[3]}.{region}.vpce.amazonaws.com"


def lookup(topology: Topology, vpc: Vpc, name: str, prefer_az: str | None = None) -> Answer:
    """The answer to an A query for `name` from a client in `vpc` (in `prefer_az`)."""
    name = name.lower().rstrip(".")
    if not vpc.enable_dns_support:
        return Answer(SERVFAIL, [], f"{vpc.vpc_id} has enableDnsSupport off: the resolver does not answer (R133)")
    zone = _covering_zone(topology, vpc, name)
    if zone is not None:
        records = zone.records.get(name)
        if records:
            return Answer(NOERROR, list(records), f"private hosted zone {zone.zone_name} ({zone.hosted_zone_id}, R135)")
        return Answer(NXDOMAIN, [], f"private hosted zone {zone.zone_name} covers the name and has no record; "
                                    f"no fallback to public DNS (R135)")
    private = _private_dns(topology, vpc, name, prefer_az)
    if private is not None:
        return private
    for endpoint in topology.all(InterfaceEndpoint):
        addresses = endpoint_dns_names(topology, endpoint).get(name)
        if addresses:
            return Answer(NOERROR, _az_first(topology, endpoint, addresses, prefer_az),
                          f"endpoint-specific name of {endpoint.vpc_endpoint_id} (R49)")
    ec2 = _ec2_name(topology, vpc, name)
    if ec2 is not None:
        return ec2
    match = _SERVICE_NAME.match(name)
    if match:
        service_name = f"com.amazonaws.{match['region']}.{match['service']}"
        address = service_address(topology, service_name)
        if address is not None:
            return Answer(NOERROR, [address], f"public address of {service_name} (R39)")
    return Answer(NXDOMAIN, [], "no such name in the emulated DNS")


def resolve(topology: Topology, vpc: Vpc, name: str, prefer_az: str | None = None) -> list[str]:
    """The addresses of `name` for a client in `vpc`; NotResolved says why there are none."""
    answer = lookup(topology, vpc, name, prefer_az)
    if not answer.addresses:
        rcode = {NXDOMAIN: "NXDOMAIN", SERVFAIL: "SERVFAIL"}.get(answer.rcode, str(answer.rcode))
        raise NotResolved(f"{name}: {rcode}: {answer.source}")
    return answer.addresses


def _covering_zone(topology, vpc, name) -> PrivateHostedZone | None:
    if not (vpc.enable_dns_support and vpc.enable_dns_hostnames):
        return None  # R133: private hosted zones need both switches
    zones = [z for z in topology.all(PrivateHostedZone)
             if vpc.vpc_id in z.vpc_ids and (name == z.zone_name or name.endswith("." + z.zone_name))]
    return max(zones, key=lambda z: len(z.zone_name), default=None)  # the most specific zone wins (R135)


def _private_dns(topology, vpc, name, prefer_az) -> Answer | None:
    """R50, R51, R60, R133: only inside the endpoint's VPC, with private DNS and both switches on."""
    if not (vpc.enable_dns_support and vpc.enable_dns_hostnames):
        return None
    services = {s.service_name: s for s in topology.all(EndpointService)}
    for endpoint in topology.all(InterfaceEndpoint):
        if endpoint.vpc_id != vpc.vpc_id or not endpoint.private_dns_enabled or endpoint.state != "available":
            continue
        service = services.get(endpoint.service_name)
        if service is not None:
            covered = service.private_dns_name and name == service.private_dns_name.lower().rstrip(".")
        else:
            parts = endpoint.service_name.split(".", 3)
            covered = len(parts) == 4 and name == f"{parts[3]}.{parts[2]}.amazonaws.com"
        if covered:
            enis = [topology.get(e, NetworkInterface) for e in endpoint.network_interface_ids]
            addresses = [e.private_ip_address for e in enis if e is not None]
            return Answer(NOERROR, _az_first(topology, endpoint, addresses, prefer_az),
                          f"private DNS of {endpoint.vpc_endpoint_id} in {vpc.vpc_id} (R50)")
    return None


def _az_first(topology, endpoint, addresses, prefer_az) -> list[str]:
    subnets = {s.subnet_id: s for s in topology.all(Subnet)}
    by_address = {e.private_ip_address: subnets[e.subnet_id].availability_zone
                  for e in (topology.get(i, NetworkInterface) for i in endpoint.network_interface_ids) if e}
    return sorted(addresses, key=lambda a: by_address.get(a) != prefer_az)


def _ec2_name(topology, vpc, name) -> Answer | None:
    match = _PRIVATE_EC2.match(name)
    if match:
        address = ".".join(match.groups())
        owner = next((e for e in topology.all(NetworkInterface) if e.vpc_id == vpc.vpc_id
                      and address in e.private_ip_addresses and e.attachment_instance_id), None)
        if owner is not None:
            return Answer(NOERROR, [address], f"private DNS name of {owner.attachment_instance_id}")
        return None
    match = _PUBLIC_EC2.match(name)
    if match:
        public = ".".join(match.groups())
        owner = next((e for e in topology.all(NetworkInterface) if e.association_public_ip == public
                      and topology.get(e.attachment_instance_id or "", Instance)), None)
        if owner is None:
            return None
        if owner.vpc_id == vpc.vpc_id:
            return Answer(NOERROR, [owner.private_ip_address],
                          f"public DNS name of {owner.attachment_instance_id}, asked inside its VPC (R134)")
        return Answer(NOERROR, [public], f"public DNS name of {owner.attachment_instance_id} (R134)")
    return None


def answer_packet(topology: Topology, vpc: Vpc, query: bytes, prefer_az: str | None = None) -> bytes:
    """A DNS response (bytes of the DNS message) to a DNS query message, as the resolver sends it."""
    from scapy.layers.dns import DNS, DNSRR

    request = DNS(query)
    if request.qr != 0 or request.qd is None:
        return bytes(DNS(id=request.id, qr=1, rcode=1))
    question = request.qd[0] if isinstance(request.qd, list) else request.qd
    qname = question.qname.decode() if isinstance(question.qname, bytes) else str(question.qname)
    if not request.rd:
        return bytes(DNS(id=request.id, qr=1, ra=1, rcode=REFUSED, qd=question))  # R131: recursive queries only
    answer = lookup(topology, vpc, qname, prefer_az)
    records = []
    if question.qtype == 1 and answer.rcode == NOERROR:  # A
        records = [DNSRR(rrname=question.qname, type="A", ttl=60, rdata=address) for address in answer.addresses]
    return bytes(DNS(id=request.id, qr=1, rd=1, ra=1, aa=0, rcode=answer.rcode, qd=question, an=records))
