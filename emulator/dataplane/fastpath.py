"""The fast path: the same pipeline, run once per flow, its decision cached and applied to raw bytes.

A packet's fate depends on its ingress ENI, its 5-tuple and the session state earlier packets
left (tracked connections, NAT translations). The first packet of a flow goes through
`Forwarder` with no recorder; the Decision it yields (verdict, code, egress and the header
rewrite) is cached under (ingress, 5-tuple). Later packets of the flow reuse it. State only grows
within a session, and only lets more through, so a cached delivery stays right. A cached drop may
be lifted by state added later (a reply seen before its request), so a drop remembers the state
keys it looked up and found absent; when one of them appears, the drop is forgotten and decided
again (`Session.watch`).

The cache is bounded (`cache_limit` flows): when full it starts afresh, and a path that owns its
session (none was given to it) starts a fresh session with it, so that the state of a capture's
many flows is bounded too and every cached decision stays one the current state gave. Each fresh
start bumps `generation`, for callers that keep caches of their own on top of this one.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from .compile import Fabric, Port
from .packet import ICMP, TCP, UDP, Headers
from .pipeline import Forwarder
from .state import Session

_H = struct.Struct("!H")
_ADDRS_PORTS = struct.Struct("!IIHH")


@dataclass(frozen=True, slots=True, eq=False)
class Decision:
    """What happens to every packet of one flow. Interned: equal decisions are one object, so
    they hash and compare by identity on the per-packet path."""

    verdict: str
    code: str | None
    egress: str | None  # delivered_to: an ENI owner, a service name, "internet", …
    rewrite: tuple[int, int, int, int] | None  # final (src, dst, sport, dport) when they changed
    ttl_delta: int = 0
    path_mtu: int = 9001  # the smallest link MTU on the path: bigger DF packets of the flow are dropped (R119)


class FastPath:
    """Forwards raw IPv4 packets entering at one ENI; decisions cached per flow."""

    def __init__(self, fabric: Fabric, port: Port, session: Session | None = None, cache_limit: int = 1 << 20):
        self.fabric = fabric
        self.port = port
        self._owns_session = session is None
        self.session = session if session is not None else Session()
        self.forwarder = Forwarder(fabric, self.session)
        self.cache: dict[tuple, tuple[Decision, int]] = {}
        self.cache_limit = max(1, cache_limit)
        self.generation = 0
        self._interned: dict[tuple, Decision] = {}
        self.forgotten: list[tuple] = []  # flow keys whose cached drop was lifted (for callers' own caches)

    def decide(self, h: Headers) -> Decision:
        """The decision for a packet with these headers (from the cache when the flow was seen)."""
        key = (h.src, h.dst, h.proto, h.sport, h.dport, h.fragment)
        decision = self.cache.get(key)
        if decision is None:
            decision = self._decide_flow(key, h)
        if h.df and h.length > decision.path_mtu and decision.verdict != "dropped":
            return self._intern(("dropped", "MTU_EXCEEDED", None, None, 0, decision.path_mtu))
        return decision

    def _decide_flow(self, key: tuple, h: Headers) -> Decision:
        """Run the pipeline for the flow. Size does not enter the flow's decision: the packet goes
        through as if it fitted, and each packet is then held against the path MTU it reports."""
        if len(self.cache) >= self.cache_limit:
            self._start_afresh()  # before the pipeline runs: this flow's state goes in the new session
        session = self.session
        session.consulted = consulted = []
        try:
            outcome = self.outcome(h.copy(length=0))
        finally:
            session.consulted = None
        out = outcome.headers
        rewrite = None
        if (out.src, out.dst, out.sport, out.dport) != (h.src, h.dst, h.sport, h.dport):
            rewrite = (out.src, out.dst, out.sport, out.dport)
        decision = self._intern((outcome.verdict, outcome.code, outcome.delivered_to, rewrite, out.ttl - h.ttl,
                                 getattr(outcome, "path_mtu", 9001)))
        self.cache[key] = decision
        if decision.verdict == "dropped":
            for state_key in consulted:
                session.watch.setdefault(state_key, []).append((self, key))
        return decision

    def outcome(self, h: Headers):
        """The pipeline's Outcome for the first packet of a flow. A subclass may enter the
        pipeline elsewhere or record the hops (the namespace lab does both); the caching, state
        watching and interning above stay the same."""
        return self.forwarder.from_port(self.port, h)

    def rebind(self, fabric: Fabric, port: Port) -> None:
        """The topology changed: forward by the new fabric and forget every cached decision."""
        self.fabric = fabric
        self.port = port
        self.forwarder = Forwarder(fabric, self.session)
        self.cache.clear()
        self._unwatch()
        self.forgotten.clear()

    def _start_afresh(self) -> None:
        """Constant memory: a capture with more flows than the cache holds costs recomputation."""
        self.cache.clear()
        self._interned.clear()  # a decision rewriting ports (NAT) is one per flow
        self.forgotten.clear()
        self.generation += 1
        if self._owns_session:
            self.session = Session()
            self.forwarder = Forwarder(self.fabric, self.session)
        else:
            self._unwatch()

    def _unwatch(self) -> None:
        """Withdraw this path's watches from the session; other paths sharing it keep theirs."""
        watch = self.session.watch
        for state_key in list(watch):
            kept = [entry for entry in watch[state_key] if entry[0] is not self]
            if kept:
                watch[state_key] = kept
            else:
                del watch[state_key]

    def _intern(self, fields: tuple) -> Decision:
        decision = self._interned.get(fields)
        if decision is None:
            decision = self._interned[fields] = Decision(*fields)
        return decision

    def forget(self, key: tuple) -> None:
        """New state may change the cached drop of this flow: decide it again next time."""
        if self.cache.pop(key, None) is not None:
            self.forgotten.append(key)


def checksum_adjust(checksum: int, old_words: bytes, new_words: bytes) -> int:
    """RFC 1624 incremental update: HC' = ~(~HC + ~m + m')."""
    total = (~checksum) & 0xFFFF
    for i in range(0, len(old_words), 2):
        total += (~((old_words[i] << 8) | old_words[i + 1])) & 0xFFFF
        total += (new_words[i] << 8) | new_words[i + 1]
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def apply_rewrite(packet: bytes, ip_offset: int, decision: Decision) -> bytes:
    """A copy of `packet` with the decision's header rewrite applied and checksums kept valid."""
    if decision.rewrite is None and decision.ttl_delta == 0:
        return packet
    out = bytearray(packet)
    ihl = (out[ip_offset] & 0x0F) * 4
    if decision.ttl_delta:
        old = bytes(out[ip_offset + 8:ip_offset + 10])
        out[ip_offset + 8] = max(0, out[ip_offset + 8] + decision.ttl_delta)
        _patch_checksum(out, ip_offset + 10, old, bytes(out[ip_offset + 8:ip_offset + 10]))
    if decision.rewrite is not None:
        src, dst, sport, dport = decision.rewrite
        proto = out[ip_offset + 9]
        old_addrs = bytes(out[ip_offset + 12:ip_offset + 20])
        new_addrs = struct.pack("!II", src, dst)
        out[ip_offset + 12:ip_offset + 20] = new_addrs
        _patch_checksum(out, ip_offset + 10, old_addrs, new_addrs)
        l4 = ip_offset + ihl
        fragment_offset = struct.unpack_from("!H", out, ip_offset + 6)[0] & 0x1FFF
        if fragment_offset == 0 and proto in (TCP, UDP) and len(out) >= l4 + 4:
            old_ports = bytes(out[l4:l4 + 4])
            new_ports = struct.pack("!HH", sport, dport)
            out[l4:l4 + 4] = new_ports
            csum_at = l4 + (16 if proto == TCP else 6)
            if len(out) >= csum_at + 2 and not (proto == UDP and out[csum_at] == 0 and out[csum_at + 1] == 0):
                _patch_checksum(out, csum_at, old_addrs + old_ports, new_addrs + new_ports)  # pseudo-header too
        elif fragment_offset == 0 and proto == ICMP and len(out) >= l4 + 8:
            old_id = bytes(out[l4 + 4:l4 + 6])
            new_id = struct.pack("!H", sport)
            out[l4 + 4:l4 + 6] = new_id
            _patch_checksum(out, l4 + 2, old_id, new_id)
    return bytes(out)


def _patch_checksum(buf: bytearray, at: int, old: bytes, new: bytes) -> None:
    current = (buf[at] << 8) | buf[at + 1]
    buf[at:at + 2] = _H.pack(checksum_adjust(current, old, new))
