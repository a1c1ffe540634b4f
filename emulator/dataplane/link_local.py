"""Services an instance reaches at link-local addresses, answered by the host it runs on (R9, R111).

No route, security group or network ACL is involved: the packet never leaves the instance's host,
and only the instance itself is answered. The VPC resolver at 169.254.169.253 (and VPC+2) is in
pipeline.py, since it also answers at an address inside the VPC (R131).
"""
from __future__ import annotations

from dataclasses import dataclass

from .packet import TCP, UDP, ip_to_int

IMDS = "InstanceMetadataService"


@dataclass(frozen=True)
class LinkLocalService:
    name: str  # the component name hops show
    label: str
    addresses: tuple[str, ...]  # IPv4, then IPv6 (IPv6 is carried for when vpcemu forwards IPv6)
    listens: frozenset[tuple[int, int]]  # (protocol, port)


SERVICES = (
    LinkLocalService(IMDS, "the instance metadata service", ("169.254.169.254", "fd00:ec2::254"),
                     frozenset({(TCP, 80)})),
    LinkLocalService("AmazonTimeSync", "the Amazon Time Sync Service", ("169.254.169.123", "fd00:ec2::123"),
                     frozenset({(UDP, 123)})),
    LinkLocalService("WindowsLicenseActivation", "Windows license activation (KMS)",
                     ("169.254.169.250", "169.254.169.251"), frozenset({(TCP, 1688)})),
    LinkLocalService("EcsTaskMetadata", "the ECS task metadata endpoint", ("169.254.170.2",),
                     frozenset({(TCP, 80)})),
)
BY_ADDRESS = {ip_to_int(a): s for s in SERVICES for a in s.addresses if ":" not in a}
