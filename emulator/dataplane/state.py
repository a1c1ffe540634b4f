"""Per-session state: security-group connection tracking (R105) and NAT gateway sessions (R122)."""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field

NAT_PORT_FIRST, NAT_PORT_LAST = 1024, 65535  # R124


@dataclass
class NatSession:
    inside_src: int
    inside_sport: int
    via: object = None  # what a translator needs beyond the address to send the reply back (PrivateLink)


@dataclass
class Session:
    """What earlier packets left behind: tracked flows per ENI and NAT translations."""

    tracked: set[tuple[str, tuple]] = field(default_factory=set)
    nat_out: dict[tuple, int] = field(default_factory=dict)  # (nat, inside 5-tuple) -> outside port
    nat_in: dict[tuple, NatSession] = field(default_factory=dict)  # (nat, proto, remote, rport, port) -> inside
    # Dependency tracking for cached decisions (dataplane/fastpath.py): while `consulted` is a
    # list, every state key looked up is appended to it; `watch` maps a state key to the
    # (cache owner, flow) pairs whose cached drop depended on its absence. When the key appears,
    # each owner is told to forget that flow.
    consulted: list | None = None
    watch: dict[tuple, list] = field(default_factory=dict)

    def _added(self, key: tuple) -> None:
        for owner, flow in self.watch.pop(key, ()):
            owner.forget(flow)

    def track(self, port_id: str, flow_reply: tuple) -> None:
        """Remember that the reply to an allowed packet may pass this ENI's groups (R105)."""
        key = (port_id, flow_reply)
        if key not in self.tracked:
            self.tracked.add(key)
            self._added(key)

    def is_tracked(self, port_id: str, flow: tuple) -> bool:
        key = (port_id, flow)
        if self.consulted is not None:
            self.consulted.append(key)
        return key in self.tracked

    def nat_translate(self, nat_id: str, inside: tuple, via: object = None, scope: str = "") -> int:
        """The outside source port for an inside flow, allocated once per flow in 1024–65535 (R124).

        The port is a hash of the flow, probed forward on a clash, so that it does not depend on
        the order flows arrive in (replay workers sharded by flow agree with a single worker).
        `scope` separates inside flows that look alike but are not (PrivateLink: two consumer VPCs
        with overlapping CIDRs, R63); `via` is kept for the reply.
        """
        key = (nat_id, inside, scope)
        port = self.nat_out.get(key)
        if port is None:
            src, dst, proto, sport, dport = inside
            span = NAT_PORT_LAST - NAT_PORT_FIRST + 1
            port = NAT_PORT_FIRST + zlib.crc32(repr((inside, scope)).encode()) % span
            while (nat_id, proto, dst, dport, port) in self.nat_in:
                port = NAT_PORT_FIRST + (port - NAT_PORT_FIRST + 1) % span
            self.nat_out[key] = port
            self.nat_in[(nat_id, proto, dst, dport, port)] = NatSession(src, sport, via)
            self._added((nat_id, proto, dst, dport, port))
        return port

    def nat_reverse(self, nat_id: str, proto: int, remote: int, rport: int, port: int) -> NatSession | None:
        key = (nat_id, proto, remote, rport, port)
        if self.consulted is not None:
            self.consulted.append(key)
        return self.nat_in.get(key)
