"""Per-session state: security-group connection tracking (R105) and NAT gateway sessions (R122)."""
from __future__ import annotations

from dataclasses import dataclass, field

NAT_PORT_FIRST, NAT_PORT_LAST = 1024, 65535  # R124


@dataclass
class NatSession:
    inside_src: int
    inside_sport: int


@dataclass
class Session:
    """What earlier packets left behind: tracked flows per ENI and NAT translations."""

    tracked: set[tuple[str, tuple]] = field(default_factory=set)
    nat_out: dict[tuple, int] = field(default_factory=dict)  # (nat, inside 5-tuple) -> outside port
    nat_in: dict[tuple, NatSession] = field(default_factory=dict)  # (nat, proto, remote, rport, port) -> inside
    _next_port: dict[str, int] = field(default_factory=dict)

    def track(self, port_id: str, flow_reply: tuple) -> None:
        """Remember that the reply to an allowed packet may pass this ENI's groups (R105)."""
        self.tracked.add((port_id, flow_reply))

    def is_tracked(self, port_id: str, flow: tuple) -> bool:
        return (port_id, flow) in self.tracked

    def nat_translate(self, nat_id: str, inside: tuple) -> int:
        """The outside source port for an inside flow, allocated once per flow (R124)."""
        key = (nat_id, inside)
        port = self.nat_out.get(key)
        if port is None:
            port = self._next_port.get(nat_id, NAT_PORT_FIRST)
            if port > NAT_PORT_LAST:
                port = NAT_PORT_FIRST
            self._next_port[nat_id] = port + 1
            self.nat_out[key] = port
            src, dst, proto, sport, dport = inside
            self.nat_in[(nat_id, proto, dst, dport, port)] = NatSession(src, sport)
        return port

    def nat_reverse(self, nat_id: str, proto: int, remote: int, rport: int, port: int) -> NatSession | None:
        return self.nat_in.get((nat_id, proto, remote, rport, port))
