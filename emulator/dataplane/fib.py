"""Patricia-trie FIBs and the one place that knows AWS route priority.

A FIB is built once from candidate routes and then frozen. Longest prefix wins (R1);
on an exactly equal prefix the lowest rank wins (R10, R11, R27 for VPC tables, R95 for
transit gateway tables), then the lowest tie-break key (R12: the lowest pl- id among
prefix lists). Values are shared NextHop objects, so a prefix list of 500 entries costs
one NextHop, not 500.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

import pytricia

from .packet import int_to_ip, ip_to_int

# Ranks on an exact prefix tie, lowest first. VPC route tables use the first three (R10):
# static > prefix list > propagated. Transit gateway tables use the whole order (R95).
STATIC = 0
PREFIX_LIST = 1
PROPAGATED = 2  # VPC tables: every propagated route; TGW tables: propagated from a VPC
PROPAGATED_DX = 3
PROPAGATED_CONNECT = 4
PROPAGATED_VPN_PRIVATE = 5
PROPAGATED_VPN_PUBLIC = 6
PROPAGATED_PEERING = 7

RANK_NAMES = {STATIC: "static", PREFIX_LIST: "prefix-list", PROPAGATED: "propagated",
              PROPAGATED_DX: "propagated (Direct Connect)", PROPAGATED_CONNECT: "propagated (Connect)",
              PROPAGATED_VPN_PRIVATE: "propagated (private VPN)",
              PROPAGATED_VPN_PUBLIC: "propagated (public VPN)", PROPAGATED_PEERING: "propagated (peering)"}

# R9: nothing in 169.254.168.0/22 is forwarded by a route, however wide.
RESERVED_LINK_LOCAL = (ip_to_int("169.254.168.0"), 22)


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# Four plain decimal octets (inet_aton alone would read 010 as octal, 0x0a as hex, and ignore
# trailing junk), then an optional plain decimal length.
_CIDR = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(?:/([0-9]{{1,2}}))?", re.ASCII)


def parse_cidr(cidr: str) -> tuple[int, int]:
    """(network, length) with host bits cleared (R19). ValueError on anything that is not IPv4 CIDR."""
    match = _CIDR.fullmatch(cidr) if isinstance(cidr, str) else None
    if match is None:
        address, slash, length_text = str(cidr).partition("/")
        if slash and not (length_text.isascii() and length_text.isdigit() and int(length_text) <= 32):
            raise ValueError(f"bad prefix length in {cidr!r}")
        raise ValueError(f"not an IPv4 address: {address!r}")
    length = int(match.group(1)) if match.group(1) is not None else 32
    if length > 32:
        raise ValueError(f"bad prefix length in {cidr!r}")
    address = cidr.partition("/")[0]
    value = ip_to_int(address)
    mask = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
    return value & mask, length


def format_cidr(network: int, length: int) -> str:
    return f"{int_to_ip(network)}/{length}"


def contains(outer: tuple[int, int], inner: tuple[int, int]) -> bool:
    net, length = outer
    mask = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
    return length <= inner[1] and inner[0] & mask == net


@dataclass(frozen=True, slots=True, eq=False)
class NextHop:
    """Where a route sends packets: one handler kind and its target. Shared by all of a route's prefixes."""

    kind: str
    target_id: str | None
    destination: str  # the route's destination as written: a CIDR or a pl- id
    rank: int = STATIC
    blackhole: bool = False
    route: object = None  # the model route, for explanations

    def describe(self) -> str:
        target = "blackhole" if self.blackhole else (self.target_id or self.kind)
        return f"{self.destination} -> {target}"


@dataclass(slots=True)
class Candidate:
    """One prefix a route offers: a CIDR route offers one, a prefix-list route one per entry (R27)."""

    network: int
    length: int
    next_hop: NextHop
    tiebreak: str = ""

    @property
    def rank(self) -> int:
        return self.next_hop.rank


RESERVED = NextHop("reserved", None, format_cidr(*RESERVED_LINK_LOCAL), blackhole=True)


@dataclass
class Fib:
    """A frozen longest-prefix-match table of NextHops, keyed by int addresses."""

    name: str
    trie: pytricia.PyTricia = field(repr=False)

    @classmethod
    def build(cls, name: str, candidates: Iterable[Candidate], *, protected: Iterable[tuple[int, int]] = ()) -> "Fib":
        """Choose one winner per prefix. Propagated routes inside a `protected` range are dropped (R7)."""
        protected = list(protected)
        best: dict[tuple[int, int], Candidate] = {}
        reserved: set[tuple[int, int]] = set()
        for c in candidates:
            key = (c.network, c.length)
            if c.rank >= PROPAGATED and any(contains(p, key) for p in protected):
                continue
            if contains(RESERVED_LINK_LOCAL, key):
                reserved.add(key)  # R9: a route (or list entry, R27) inside the range never forwards into it
                continue
            current = best.get(key)
            if current is None or (c.rank, c.tiebreak) < (current.rank, current.tiebreak):
                best[key] = c
        trie = pytricia.PyTricia(32)
        for (network, length), c in best.items():
            trie.insert(network, length, c.next_hop)
        if any(contains((c.network, c.length), RESERVED_LINK_LOCAL) for c in best.values()):
            reserved.add(RESERVED_LINK_LOCAL)
        for network, length in reserved:
            trie.insert(network, length, RESERVED)
        trie.freeze()
        return cls(name, trie)

    def lookup(self, address: int) -> NextHop | None:
        return self.trie.get(address)

    def matched_prefix(self, address: int) -> str | None:
        return self.trie.get_key(address)

    def entries(self) -> list[tuple[str, NextHop]]:
        return [(prefix, self.trie[prefix]) for prefix in self.trie]
