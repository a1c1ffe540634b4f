"""Security groups and network ACLs compiled to tuples of ints (R104–R116)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .packet import ICMP, TCP, UDP, Headers

ANY = -1


def _mask(length: int) -> int:
    return (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF


@dataclass(slots=True)
class Match:
    """Protocol, port or ICMP type/code, and a set of peer addresses (CIDRs and single IPs)."""

    proto: int  # ANY or an IANA number
    lo: int = ANY  # TCP/UDP first port, or ICMP type (ANY: every type)
    hi: int = ANY  # TCP/UDP last port, or ICMP code (ANY: every code)
    nets: tuple[tuple[int, int], ...] = ()  # (network, mask)
    ips: frozenset[int] = frozenset()  # members of a referenced security group (R109)

    def covers(self, h: Headers, peer: int, match_references: bool = True) -> bool:
        if self.proto != ANY:
            if self.proto != h.proto:
                return False
            if self.proto in (TCP, UDP) and self.lo != ANY:
                port = h.dport
                if not self.lo <= port <= self.hi:
                    return False
            elif self.proto == ICMP:
                if self.lo != ANY and h.icmp_type != self.lo:
                    return False
                if self.hi != ANY and h.icmp_code != self.hi:
                    return False
        if match_references and peer in self.ips:
            return True
        return any(peer & mask == net for net, mask in self.nets)


def cidr_nets(cidrs) -> tuple[tuple[int, int], ...]:
    from .fib import parse_cidr

    out = []
    for cidr in cidrs:
        net, length = parse_cidr(cidr)
        out.append((net, _mask(length)))
    return tuple(out)


@dataclass(slots=True)
class SgRule:
    group_id: str
    match: Match
    label: str


@dataclass
class CompiledSecurityGroups:
    """The union of every group on one ENI: a packet passes if any rule allows it (R104)."""

    group_ids: tuple[str, ...]
    ingress: list[SgRule] = field(default_factory=list)
    egress: list[SgRule] = field(default_factory=list)

    def first_allowing(self, h: Headers, egress: bool, match_references: bool = True) -> SgRule | None:
        peer = h.dst if egress else h.src
        for rule in self.egress if egress else self.ingress:
            if rule.match.covers(h, peer, match_references):
                return rule
        return None


@dataclass(slots=True)
class AclRule:
    number: int
    allow: bool
    match: Match

    @property
    def label(self) -> str:
        return f"rule {self.number if self.number < 32767 else '*'} {'allow' if self.allow else 'deny'}"


@dataclass
class CompiledNacl:
    """Numbered rules, first match decides, a final * deny (R113). Stateless (R114)."""

    network_acl_id: str
    inbound: list[AclRule]
    outbound: list[AclRule]

    def evaluate(self, h: Headers, egress: bool) -> AclRule:
        peer = h.dst if egress else h.src
        for rule in self.outbound if egress else self.inbound:
            if rule.match.covers(h, peer):
                return rule
        return DENY_ALL


DENY_ALL = AclRule(32767, False, Match(ANY, nets=((0, 0),)))
