"""The hop sequence every packet follows, in AWS order (R117), with an optional recorder.

Tracing and the fast path are this same code: with `recorder=None` nothing is recorded.
Stages: source ENI (anti-spoofing, SG egress) -> source subnet NACL out -> route table ->
the target's handler (dataplane/targets) -> destination subnet NACL in -> destination ENI
(SG ingress). Handlers call back into the Forwarder for the stages they share.
"""
from __future__ import annotations

from dataclasses import dataclass

from .codes import DELIVERED, DROPPED, EXITED, code
from .compile import (GWLB_ENDPOINT, INSTANCE, INTERFACE_ENDPOINT, LOAD_BALANCER, NAT_GATEWAY, RESOLVER_LINK_LOCAL,
                      CompiledSubnet, CompiledVpc, Fabric, Port)
from .fib import NextHop
from .link_local import BY_ADDRESS as LINK_LOCAL_SERVICES, IMDS, LinkLocalService
from .packet import TCP, UDP, Headers
from .state import Session
from ..record.trace import Hop

MAX_STEPS = 64  # a loop through appliances ends here, like Reachability Analyzer's 64-hop limit
# Link MTUs (R84, R119): inside a VPC jumbo frames; internet gateway and VPN 1500; transit gateways,
# GWLB and inter-region peering 8500.
MTU_VPC, MTU_INTERNET, MTU_TRANSIT = 9001, 1500, 8500
DNS_PORT = 53


@dataclass
class Outcome:
    verdict: str  # delivered | exited | dropped
    code: str | None
    delivered_to: str | None
    headers: Headers  # as the packet was when it was delivered, exited or dropped
    detail: str = ""
    responder: "Responder | None" = None  # who sends the reply of a delivered or exited packet
    path_mtu: int = MTU_VPC  # the smallest link MTU the packet crossed


@dataclass(frozen=True)
class Responder:
    """Where a reply starts: an ENI (`port`), the internet or a public AWS service (`label`), a
    gateway endpoint or a VPN gateway (`vpc` it answers into), or a VPC's resolver."""

    kind: str  # port | internet | gateway-endpoint | vpn-gateway | resolver | link-local
    label: str
    port: Port | None = None
    vpc: CompiledVpc | None = None
    via: str | None = None  # the gateway endpoint a service's reply comes back through


@dataclass
class Walk:
    """One packet's journey: its headers as they are now and how it entered the current VPC."""

    h: Headers
    entered_via: str | None = None  # None (from inside), or the pcx-/tgw-/igw- id it came through
    steps: int = 0
    through_middlebox: bool = False  # R110: SG references stop matching after an appliance
    path_mtu: int = MTU_VPC


class Forwarder:
    """Forwards one packet through a Fabric. `recorder` (a list) receives Hop records when given."""

    def __init__(self, fabric: Fabric, session: Session | None = None, recorder=None):
        self.fabric = fabric
        self.session = session if session is not None else Session()
        self.recorder = recorder

    # --- recording and outcomes -------------------------------------------------------------

    def record(self, component_id: str, component_type: str, action: str, detail: str = "",
               walk: Walk | None = None, before: Headers | None = None, wire=None) -> None:
        """Record a hop (when recording). `wire` is a callable giving the packet's bytes at this hop,
        for hops whose headers do not show them (an encapsulation): called only when recording."""
        if self.recorder is not None:
            after = walk.h if walk else None
            self.recorder.append(Hop(component_id, component_type, action, detail, before or after, after,
                                     wire() if wire is not None else None))

    def drop(self, walk: Walk, code_name: str, component_id: str, component_type: str,
             detail: str = "") -> Outcome:
        reason = code(code_name)
        self.record(component_id, component_type, "drop", f"{reason.name}: {detail or reason.meaning}", walk)
        return Outcome(DROPPED, reason.name, None, walk.h, detail or reason.meaning, path_mtu=walk.path_mtu)

    def deliver(self, walk: Walk, to: str, component_type: str, detail: str = "",
                responder: Responder | None = None) -> Outcome:
        self.record(to, component_type, "deliver", detail, walk)
        return Outcome(DELIVERED, None, to, walk.h, detail, responder, walk.path_mtu)

    def exit(self, walk: Walk, to: str, component_type: str, detail: str = "",
             responder: Responder | None = None) -> Outcome:
        self.record(to, component_type, "exit", detail, walk)
        return Outcome(EXITED, None, to, walk.h, detail, responder, walk.path_mtu)

    def cross_link(self, walk: Walk, mtu: int, component_id: str, component_type: str) -> Outcome | None:
        """The packet crosses a link of `mtu` bytes: with DF set and too big, it is dropped and an
        ICMP fragmentation-needed goes back (R119); without DF it is fragmented and goes on."""
        walk.path_mtu = min(walk.path_mtu, mtu)
        if walk.h.length > mtu and walk.h.df:
            return self.drop(walk, "MTU_EXCEEDED", component_id, component_type,
                             f"{walk.h.length} bytes with DF set over a {mtu}-byte link: ICMP type 3 code 4 "
                             f"(fragmentation needed, next-hop MTU {mtu}) goes back to the sender (R119)")
        return None

    # --- entry points -----------------------------------------------------------------------

    def from_port(self, port: Port, h: Headers) -> Outcome:
        """A packet sent by the instance or service behind `port`."""
        return self.send_from_port(Walk(h), port, originating=True)

    def from_internet(self, h: Headers, origin: str = "internet", origin_type: str = "internet") -> Outcome:
        """A packet arriving from the internet (or a public AWS service endpoint)."""
        walk = Walk(h)
        self.record(origin, origin_type, "send", h.describe(), walk)
        return targets.igw.from_internet(self, walk)

    def reply(self, responder: Responder, h: Headers) -> Outcome:
        """The reply of a delivered packet, sent by `responder` and routed by its own tables (R82)."""
        if responder.kind == "port":
            return self.from_port(responder.port, h)
        if responder.kind == "internet":
            return self.from_internet(h, responder.label, "internet" if responder.label == "internet" else "aws-service")
        if responder.kind == "link-local":  # R111: straight back to the instance, unfiltered
            walk = Walk(h)
            self.record(responder.label, "link-local-service", "send", h.describe(), walk)
            port = responder.port
            return self.deliver(walk, port.owner_id, "instance", f"{port.id} {port.owner_label}",
                                Responder("port", port.id, port))
        walk = Walk(h, entered_via=responder.via or responder.label)
        kind = {"gateway-endpoint": "aws-service", "vpn-gateway": "vpn-gateway"}.get(responder.kind, "dns-resolver")
        self.record(responder.label, kind, "send", h.describe(), walk)
        if responder.via:
            self.record(responder.via, responder.kind, "forward", f"back into {responder.vpc.id}", walk)
        if responder.kind == "resolver":
            # R111: nothing filters the resolver's answers.
            port = responder.vpc.ports.get(h.dst)
            if port is None:
                return self.drop(walk, "NO_ENI_FOR_DESTINATION", responder.vpc.id, "vpc")
            return self.deliver(walk, port.owner_id, port.owner_kind, f"{port.id} {port.owner_label}",
                                Responder("port", port.id, port))
        return self.deliver_in_vpc(walk, responder.vpc, came_from=None)

    # --- shared stages ----------------------------------------------------------------------

    def send_from_port(self, walk: Walk, port: Port, originating: bool = False) -> Outcome:
        """Source ENI checks, then out of its subnet: anti-spoofing, SG egress (R117 steps 1–2)."""
        h = walk.h
        walk.steps += 1
        if walk.steps > MAX_STEPS or h.ttl <= 0:
            return self.drop(walk, "TTL_EXCEEDED", port.owner_id, port.owner_kind)
        if originating:
            self.record(port.owner_id, port.owner_kind, "send", f"{port.id} in {port.subnet.subnet.label}", walk)
            if port.owner_kind == INTERFACE_ENDPOINT and not self.session.is_tracked(port.id, h.flow()):
                return self.drop(walk, "INTERFACE_ENDPOINT_ONE_WAY", port.owner_id, "interface-endpoint",
                                 "not the reply of a connection a consumer opened to the endpoint (R47)")
        too_big = self.cross_link(walk, MTU_VPC, port.id, "network-interface")
        if too_big:
            return too_big
        if port.eni.source_dest_check and h.src not in port.addresses:
            return self.drop(walk, "ENI_SOURCE_DEST_CHECK", port.id, "network-interface",
                             f"{port.id} does not own the source address and its source/destination check is on")
        cvpc = port.subnet.vpc
        if h.dst in (cvpc.resolver, RESOLVER_LINK_LOCAL) and h.proto in (TCP, UDP) and h.dport == DNS_PORT:
            return self.to_resolver(walk, cvpc)
        service = LINK_LOCAL_SERVICES.get(h.dst)
        if service is not None:
            return self.to_link_local(walk, port, service)
        if not self.security_group_check(walk, port, egress=True):
            return self.drop(walk, "ENI_SG_RULES_MISMATCH", port.id, "network-interface",
                             f"no outbound rule of {', '.join(port.security_groups.group_ids)} allows it")
        subnet = port.subnet
        if subnet.contains(h.dst):
            # R8: inside the subnet the packet is switched, not routed: no route table, no NACL.
            target = cvpc.ports.get(h.dst)
            if target is None:
                return self.drop(walk, "NO_ENI_FOR_DESTINATION", subnet.id, "subnet")
            return self.receive(walk, target)
        return self.route_out_of(walk, subnet)

    def security_group_check(self, walk: Walk, port: Port, egress: bool) -> bool:
        """SG egress or ingress, stateful (R104, R105). Records the rule that decided."""
        sgs = port.security_groups
        if sgs is None:
            return True
        h = walk.h
        direction = "outbound" if egress else "inbound"
        groups = ",".join(sgs.group_ids) or "no security group"
        if self.session.is_tracked(port.id, h.flow()):
            self.record(groups, "security-group", "allow", f"{direction}: reply of a tracked connection (R105)", walk)
            return True
        rule = sgs.first_allowing(h, egress, match_references=not walk.through_middlebox)
        if rule is None:
            self.record(groups, "security-group", "deny", f"{direction}: no rule matches", walk)
            return False
        self.session.track(port.id, h.reply_flow())
        self.record(rule.group_id, "security-group", "allow", f"{direction}: {rule.label}", walk)
        return True

    def nacl_check(self, walk: Walk, subnet: CompiledSubnet, egress: bool) -> bool:
        """The subnet's network ACL, stateless, first matching rule decides (R113, R114)."""
        if subnet.nacl is None:
            return True
        rule = subnet.nacl.evaluate(walk.h, egress)
        direction = "outbound" if egress else "inbound"
        self.record(subnet.nacl.network_acl_id, "network-acl", "allow" if rule.allow else "deny",
                    f"{direction} {rule.label} ({subnet.id})", walk)
        return rule.allow

    def route_out_of(self, walk: Walk, subnet: CompiledSubnet) -> Outcome:
        """Leave `subnet` through its NACL, look the destination up in its route table, hand over."""
        if not self.nacl_check(walk, subnet, egress=True):
            return self.drop(walk, "SUBNET_ACL_RESTRICTION", subnet.nacl.network_acl_id, "network-acl",
                             f"outbound rules of {subnet.nacl.network_acl_id} deny it")
        if subnet.fib is None:
            return self.drop(walk, "NO_ROUTE_TO_DESTINATION", subnet.id, "subnet", "the subnet has no route table")
        return self.route(walk, subnet.fib, subnet.route_table_id, subnet.vpc, subnet)

    def route(self, walk: Walk, fib, table_id: str, cvpc: CompiledVpc, subnet: CompiledSubnet | None) -> Outcome:
        hop = self.lookup(walk, fib, table_id, "route-table")
        if isinstance(hop, Outcome):
            return hop
        return targets.dispatch(self, walk, cvpc, subnet, hop)

    def lookup(self, walk: Walk, fib, table_id: str, table_type: str) -> NextHop | Outcome:
        """Look the destination up in a VPC or TGW route table; record the route that matched, or
        drop: no route (R1), the reserved link-local range (R9), a blackhole without fallback (R17, R94)."""
        hop = fib.lookup(walk.h.dst)
        if hop is None:
            return self.drop(walk, "NO_ROUTE_TO_DESTINATION", table_id, table_type,
                             f"no route in {table_id} covers the destination")
        matched = fib.matched_prefix(walk.h.dst)
        via = "" if matched == hop.destination else f" (entry {matched})"
        self.record(table_id, table_type, "route", f"{hop.describe()}{via}", walk)
        if hop.kind == "reserved":
            return self.drop(walk, "RESERVED_LINK_LOCAL_RANGE", table_id, table_type)
        if hop.blackhole:
            return self.drop(walk, "BLACKHOLE_ROUTE", table_id, table_type,
                             f"route {hop.destination} is a blackhole; no fallback to a wider route")
        return hop

    def enter_subnet(self, walk: Walk, subnet: CompiledSubnet, came_from: CompiledSubnet | None) -> bool:
        """NACL inbound when the packet crosses into another subnet (R116)."""
        if came_from is subnet:
            return True
        return self.nacl_check(walk, subnet, egress=False)

    def deliver_in_vpc(self, walk: Walk, cvpc: CompiledVpc, came_from: CompiledSubnet | None) -> Outcome:
        """The local route: find the subnet and the ENI that owns the destination (R5)."""
        dst = walk.h.dst
        subnet = cvpc.subnet_for(dst)
        if subnet is None:
            return self.drop(walk, "NO_SUBNET_FOR_DESTINATION", cvpc.id, "vpc")
        if not self.enter_subnet(walk, subnet, came_from):
            return self.drop(walk, "SUBNET_ACL_RESTRICTION", subnet.nacl.network_acl_id, "network-acl",
                             f"inbound rules of {subnet.nacl.network_acl_id} deny it")
        port = cvpc.ports.get(dst)
        if port is None:
            return self.drop(walk, "NO_ENI_FOR_DESTINATION", subnet.id, "subnet",
                             f"no network interface in {subnet.id} owns the address")
        return self.receive(walk, port)

    def receive(self, walk: Walk, port: Port) -> Outcome:
        """The destination ENI: SG ingress, then what stands behind it (R117 step 6)."""
        if port.owner_kind == NAT_GATEWAY:
            return targets.nat.receive(self, walk, port)
        if port.owner_kind == LOAD_BALANCER:
            return targets.privatelink.receive_at_node(self, walk, port)
        if port.owner_kind == GWLB_ENDPOINT:
            return self.drop(walk, "NO_ENI_FOR_DESTINATION", port.owner_id, "gwlb-endpoint",
                             "a Gateway Load Balancer endpoint is a route target, not a destination (R74)")
        if not self.security_group_check(walk, port, egress=False):
            return self.drop(walk, "ENI_SG_RULES_MISMATCH", port.id, "network-interface",
                             f"no inbound rule of {', '.join(port.security_groups.group_ids)} allows it")
        if port.owner_kind == INTERFACE_ENDPOINT:
            return targets.interface_endpoint.receive(self, walk, port)
        kind = "instance" if port.owner_kind == INSTANCE else "network-interface"
        return self.deliver(walk, port.owner_id, kind, f"{port.id} {port.owner_label}", Responder("port", port.id, port))

    def to_resolver(self, walk: Walk, cvpc: CompiledVpc) -> Outcome:
        """Amazon-provided DNS: no SG or NACL filters it (R111); needs enableDnsSupport (R133)."""
        if not cvpc.vpc.enable_dns_support:
            return self.drop(walk, "DNS_RESOLVER_DISABLED", cvpc.id, "vpc")
        return self.deliver(walk, "AmazonProvidedDNS", "dns-resolver", f"resolver of {cvpc.id} (R131)",
                            Responder("resolver", "AmazonProvidedDNS", vpc=cvpc))


    def to_link_local(self, walk: Walk, port: Port, service: LinkLocalService) -> Outcome:
        """IMDS, Time Sync and the other link-local services: the instance's own host answers,
        before any security group, route or network ACL (R9, R111)."""
        h = walk.h
        if port.owner_kind != INSTANCE:
            return self.drop(walk, "LINK_LOCAL_SERVICE_INSTANCE_ONLY", port.id, "network-interface",
                             f"{service.label} answers instances; {port.id} belongs to {port.owner_label}")
        if (h.proto, h.dport) not in service.listens:
            listens = ", ".join(f"{'TCP' if p == TCP else 'UDP'} {n}" for p, n in sorted(service.listens))
            return self.drop(walk, "LINK_LOCAL_SERVICE_NO_LISTENER", service.name, "link-local-service",
                             f"{service.label} listens on {listens} only")
        if service.name == IMDS and self.fabric.topology.get(port.owner_id).metadata_http_endpoint == "disabled":
            return self.drop(walk, "INSTANCE_METADATA_DISABLED", port.owner_id, "instance",
                             f"{port.owner_id} has MetadataOptions.HttpEndpoint disabled: no answer")
        return self.deliver(walk, service.name, "link-local-service",
                            f"{service.label}, answered by the host of {port.owner_id}; no security group or "
                            f"network ACL filters it (R111)", Responder("link-local", service.name, port=port))


# The handlers import this module (Outcome, Responder, MTUs), so they are imported after it is defined.
from . import targets  # noqa: E402
