"""Trace records: what each hop did, and renderings for people (a hop table) and scripts (JSON)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..dataplane.packet import Headers

# Hop types that are AWS components a packet crosses (the rest are decisions: SG, NACL, route table).
COMPONENT_TYPES = frozenset({
    "instance", "network-interface", "internet-gateway", "nat-gateway", "gateway-endpoint",
    "interface-endpoint", "vpc-peering-connection", "transit-gateway", "aws-service", "internet",
    "dns-resolver", "vpn-gateway", "endpoint-service", "load-balancer", "gwlb-endpoint"})


def short_id(component_id: str) -> str:
    """ARNs shortened for a terminal: `loadbalancer/net/app-nlb/d744…`; other ids unchanged."""
    return component_id.rsplit(":", 1)[-1] if component_id.startswith("arn:") else component_id


@dataclass(slots=True)
class Hop:
    id: str
    type: str
    action: str
    detail: str
    headers_in: Headers | None = None
    headers_out: Headers | None = None
    wire: bytes | None = None  # the packet's bytes here when the headers alone do not tell (GENEVE, PPv2)

    def as_dict(self) -> dict:
        out = {"id": self.id, "type": self.type, "action": self.action, "detail": self.detail}
        if self.headers_in is not None and self.headers_out is not None and self.headers_in != self.headers_out:
            out["in"] = self.headers_in.as_dict()
            out["out"] = self.headers_out.as_dict()
        return out


@dataclass
class Trace:
    """The fate of one packet: verdict, drop code, where it was delivered, and every hop."""

    verdict: str
    code: str | None
    delivered_to: str | None
    packet_in: Headers
    packet_out: Headers
    hops: list[Hop] = field(default_factory=list)
    reason: str = ""
    reply: "Trace | None" = None  # the reply's own trace, when asked for
    from_internet: bool = False  # sent from the internet: a reply that exits there has come home

    @property
    def reachable(self) -> bool:
        """Delivered (or exited), and, when the reply was traced, the reply reached the sender too."""
        if self.verdict not in ("delivered", "exited"):
            return False
        if self.reply is None:
            return True
        if self.from_internet and self.reply.verdict == "exited":
            return True
        sender = self.hops[0].id if self.hops and self.hops[0].action == "send" else None
        # R82: a reply routed into another VPC (overlapping peers) is delivered, but not to the sender.
        return self.reply.verdict == "delivered" and (sender is None or self.reply.delivered_to == sender)

    @property
    def asymmetric(self) -> bool:
        """The reply crossed other components than the request (R82), e.g. another peering, gateway
        or appliance."""
        return self.reply is not None and set(self.reply.path) != set(self.path)

    @property
    def path(self) -> list[str]:
        """The AWS components crossed, in order (consecutive repeats folded)."""
        out: list[str] = []
        for hop in self.hops:
            if hop.type in COMPONENT_TYPES and (not out or out[-1] != hop.id):
                out.append(hop.id)
        return out

    def crosses(self, component_id: str) -> bool:
        return component_id in self.path

    def as_dict(self) -> dict:
        out = {"verdict": self.verdict, "code": self.code, "delivered_to": self.delivered_to,
               "hops": [h.as_dict() for h in self.hops]}
        if self.reply is not None:
            out["return"] = {"verdict": self.reply.verdict, "code": self.reply.code,
                             "delivered_to": self.reply.delivered_to, "asymmetric": self.asymmetric,
                             "hops": [h.as_dict() for h in self.reply.hops]}
        return out

    def to_json(self) -> str:
        return json.dumps(self.as_dict())

    def render(self) -> str:
        """A hop table for a terminal."""
        rows = [(str(i), h.type, short_id(h.id), h.action, h.detail) for i, h in enumerate(self.hops, 1)]
        widths = [max([len(r[c]) for r in rows] + [len(t)]) for c, t in enumerate(("#", "type", "id", "action"))]
        lines = [f"packet: {self.packet_in.describe()}"]
        for r in rows:
            lines.append("  " + "  ".join(r[c].ljust(widths[c]) for c in range(4)) + "  " + r[4])
        outcome = self.verdict.upper()
        if self.code:
            outcome += f" {self.code}"
        if self.delivered_to:
            outcome += f" at {self.delivered_to}"
        if self.packet_out != self.packet_in:
            outcome += f"  (as {self.packet_out.describe()})"
        lines.append(f"=> {outcome}")
        if self.reply is not None:
            lines.append("return " + self.reply.render())
            lines.append("=> connection " + ("REACHABLE" if self.reachable else "NOT REACHABLE")
                         + (" (asymmetric: the reply takes another path, R82)" if self.asymmetric else ""))
        return "\n".join(lines)
