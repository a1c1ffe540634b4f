"""Security groups (stateful, allow-only, R104–R110) and network ACLs (stateless, numbered, R112–R116)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .base import Resource

ALL_PROTOCOLS = -1


@dataclass
class SecurityGroupRule:
    """One permission with exactly one peer: a CIDR, a prefix list or a security group (R108)."""

    ip_protocol: int  # IANA number, -1 for all
    from_port: int | None = None  # TCP/UDP port range, or ICMP type
    to_port: int | None = None  # TCP/UDP port range end, or ICMP code
    cidr_ipv4: str | None = None
    prefix_list_id: str | None = None
    referenced_group_id: str | None = None
    description: str = ""

    @property
    def peer(self) -> str:
        return self.cidr_ipv4 or self.prefix_list_id or self.referenced_group_id or "?"


@dataclass
class SecurityGroup(Resource):
    ID_FIELD = "group_id"
    ID_PREFIX = "sg"
    KIND = "security-group"

    group_id: str
    group_name: str
    vpc_id: str
    region: str
    owner_id: str
    ingress: list[SecurityGroupRule] = field(default_factory=list)
    egress: list[SecurityGroupRule] = field(default_factory=list)
    name: str | None = None


@dataclass
class NetworkAclEntry:
    """A numbered NACL rule (R113, R115). `egress` picks the outbound list."""

    rule_number: int
    protocol: int  # -1 for all
    rule_action: str  # allow | deny
    egress: bool
    cidr_block: str
    port_from: int | None = None
    port_to: int | None = None
    icmp_type: int | None = None  # -1 for all
    icmp_code: int | None = None


@dataclass
class NetworkAcl(Resource):
    ID_FIELD = "network_acl_id"
    ID_PREFIX = "acl"
    KIND = "network-acl"

    network_acl_id: str
    vpc_id: str
    region: str
    owner_id: str
    is_default: bool = False
    entries: list[NetworkAclEntry] = field(default_factory=list)  # the final * deny is implicit (R113)
    subnet_ids: list[str] = field(default_factory=list)
    name: str | None = None
