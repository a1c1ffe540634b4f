"""Compile a Topology into a Fabric: frozen FIBs, compiled filters and address maps."""
from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass, field

import pytricia

from .. import model as m
from . import fib as F
from .packet import ip_to_int
from .rules import ANY, AclRule, CompiledNacl, CompiledSecurityGroups, Match, SgRule, cidr_nets

RESOLVER_LINK_LOCAL = ip_to_int("169.254.169.253")  # R131

# What stands behind an ENI.
INSTANCE, INTERFACE_ENDPOINT, NAT_GATEWAY, BARE_ENI = "instance", "interface-endpoint", "nat-gateway", "network-interface"
LOAD_BALANCER, GWLB_ENDPOINT = "load-balancer", "gwlb-endpoint"


@dataclass(eq=False)
class Port:
    """An ENI at run time: its addresses, filters and what it belongs to."""

    eni: m.NetworkInterface
    subnet: "CompiledSubnet"
    addresses: frozenset[int]
    security_groups: CompiledSecurityGroups | None  # None: takes no SG (NAT gateway, R118)
    owner_kind: str
    owner_id: str
    owner_label: str
    running: bool = True

    @property
    def id(self) -> str:
        return self.eni.network_interface_id


@dataclass(eq=False)
class CompiledSubnet:
    subnet: m.Subnet
    vpc: "CompiledVpc"
    network: tuple[int, int]
    route_table_id: str | None
    fib: F.Fib | None
    nacl: CompiledNacl | None

    @property
    def id(self) -> str:
        return self.subnet.subnet_id

    def contains(self, address: int) -> bool:
        return F.contains(self.network, (address, 32))


@dataclass(eq=False)
class CompiledVpc:
    vpc: m.Vpc
    cidrs: list[tuple[int, int]]
    subnets: pytricia.PyTricia = field(repr=False)
    ports: dict[int, Port] = field(default_factory=dict)  # private address -> Port
    resolver: int = 0  # primary CIDR base + 2 (R131)
    internet_gateway: m.InternetGateway | None = None
    edge_fib: F.Fib | None = None  # the IGW's gateway route table (R13)
    edge_route_table_id: str | None = None

    @property
    def id(self) -> str:
        return self.vpc.vpc_id

    def contains(self, address: int) -> bool:
        return any(F.contains(c, (address, 32)) for c in self.cidrs)

    def subnet_for(self, address: int) -> CompiledSubnet | None:
        return self.subnets.get(address)


@dataclass(frozen=True)
class ServiceRange:
    """Part of an AWS service's public address space in one region (from its managed prefix list)."""

    region: str
    service: str
    prefix_list_id: str
    prefix_list_name: str


@dataclass
class PublicAddress:
    """A public IPv4 or Elastic IP and the private address the IGW maps it to (R120)."""

    vpc: CompiledVpc
    port: Port
    private: int


@dataclass
class Fabric:
    """Everything the pipeline reads, derived once from a Topology."""

    topology: m.Topology
    vpcs: dict[str, CompiledVpc]
    subnets: dict[str, CompiledSubnet]
    ports: dict[str, Port]
    route_fibs: dict[str, F.Fib]
    public: dict[int, PublicAddress]
    public_of: dict[tuple[str, int], int]  # (vpc id, private address) -> public address
    main_fib: dict[str, F.Fib]  # vpc id -> its main route table's FIB
    services: pytricia.PyTricia
    prefix_lists: dict[str, m.PrefixList]
    tgw_fibs: dict[str, F.Fib] = field(default_factory=dict)  # TGW route table id -> FIB
    tgw_associations: dict[tuple[str, str], str] = field(default_factory=dict)  # (tgw, attachment) -> table
    tgw_vpc_attachments: dict[tuple[str, str], m.TransitGatewayVpcAttachment] = field(default_factory=dict)
    tgw_attachment_subnets: dict[str, list[CompiledSubnet]] = field(default_factory=dict)  # sorted by AZ
    endpoint_services: dict[str, m.EndpointService] = field(default_factory=dict)  # by service name
    load_balancer_nodes: dict[tuple[str, str], Port] = field(default_factory=dict)  # (LB arn, AZ) -> node

    def instance_port(self, instance_id: str) -> Port | None:
        instance = self.topology.get(instance_id, m.Instance)
        return self.ports.get(instance.network_interface_ids[0]) if instance else None

    def service_at(self, address: int) -> ServiceRange | None:
        return self.services.get(address)


def compile_topology(topology: m.Topology) -> Fabric:
    prefix_lists = {pl.prefix_list_id: pl for pl in topology.all(m.PrefixList)}
    vpcs = {v.vpc_id: _compile_vpc(v) for v in topology.all(m.Vpc)}
    route_fibs = {t.route_table_id: compile_route_table(t, vpcs.get(t.vpc_id), prefix_lists)
                  for t in topology.all(m.RouteTable)}
    nacls = {a.network_acl_id: compile_nacl(a) for a in topology.all(m.NetworkAcl)}
    rel = topology.relations()

    subnets: dict[str, CompiledSubnet] = {}
    for s in topology.all(m.Subnet):
        cvpc = vpcs[s.vpc_id]
        table = rel.route_table_of(s)
        acl = rel.network_acl_of(s)
        cs = CompiledSubnet(s, cvpc, F.parse_cidr(s.cidr_block),
                            table.route_table_id if table else None,
                            route_fibs.get(table.route_table_id) if table else None,
                            nacls.get(acl.network_acl_id) if acl else None)
        subnets[s.subnet_id] = cs
        cvpc.subnets.insert(cs.network[0], cs.network[1], cs)

    for cvpc in vpcs.values():
        igw = rel.internet_gateway.get(cvpc.id)
        cvpc.internet_gateway = igw
        if igw:
            edge = rel.edge_route_table.get(igw.internet_gateway_id)
            cvpc.edge_fib = route_fibs.get(edge.route_table_id) if edge else None
            cvpc.edge_route_table_id = edge.route_table_id if edge else None

    members = _security_group_members(topology)
    owners = _eni_owners(topology)
    scope = reference_scope(topology)
    groups = {g.group_id: g for g in topology.all(m.SecurityGroup)}
    ports: dict[str, Port] = {}
    for eni in topology.all(m.NetworkInterface):
        cs = subnets.get(eni.subnet_id)
        if cs is None:
            continue
        port = _compile_port(topology, eni, cs, groups, members, prefix_lists, scope, owners)
        ports[eni.network_interface_id] = port
        for address in port.addresses:
            cs.vpc.ports[address] = port

    public: dict[int, PublicAddress] = {}
    for eni in topology.all(m.NetworkInterface):
        port = ports.get(eni.network_interface_id)
        if port and eni.association_public_ip:
            public[ip_to_int(eni.association_public_ip)] = PublicAddress(
                port.subnet.vpc, port, ip_to_int(eni.private_ip_address))
    for eip in topology.all(m.ElasticIp):
        port = ports.get(eip.network_interface_id or "")
        if port:
            private = ip_to_int(eip.private_ip_address or port.eni.private_ip_address)
            public[ip_to_int(eip.public_ip)] = PublicAddress(port.subnet.vpc, port, private)

    public_of = {(p.vpc.id, p.private): address for address, p in public.items()}
    main_fib = {}
    for cvpc in vpcs.values():
        main = rel.main_route_table.get(cvpc.id)
        if main is not None:
            main_fib[cvpc.id] = route_fibs[main.route_table_id]

    services = pytricia.PyTricia(32)
    for pl in prefix_lists.values():
        if pl.service:
            rng = ServiceRange(pl.region, pl.service, pl.prefix_list_id, pl.prefix_list_name)
            for cidr in pl.cidrs:
                net, length = F.parse_cidr(cidr)
                services.insert(net, length, rng)
    services.freeze()
    fabric = Fabric(topology, vpcs, subnets, ports, route_fibs, public, public_of, main_fib, services, prefix_lists)
    _compile_transit_gateways(fabric)
    fabric.endpoint_services = {s.service_name: s for s in topology.all(m.EndpointService)}
    for lb in topology.all(m.LoadBalancer):
        for eni_id in lb.network_interface_ids:
            node = ports.get(eni_id)
            if node is not None:
                fabric.load_balancer_nodes[(lb.load_balancer_arn, node.subnet.subnet.availability_zone)] = node
    return fabric


def load_balancer_node(fabric: "Fabric", arns: list[str], subnet: m.Subnet) -> Port | None:
    """The node of the first of `arns` in `subnet`'s Availability Zone (R61), matched by AZ id where
    both subnets give one (AZ names differ between accounts, R44), else by name."""
    for arn in arns:
        for (node_arn, _), node in fabric.load_balancer_nodes.items():
            theirs = node.subnet.subnet
            if node_arn != arn:
                continue
            if subnet.availability_zone_id and theirs.availability_zone_id:
                if subnet.availability_zone_id == theirs.availability_zone_id:
                    return node
            elif subnet.availability_zone == theirs.availability_zone:
                return node
    return None


def _compile_vpc(v: m.Vpc) -> CompiledVpc:
    cidrs = [F.parse_cidr(c) for c in v.cidr_blocks]
    return CompiledVpc(v, cidrs, pytricia.PyTricia(32), resolver=cidrs[0][0] + 2)


def route_candidates(route: m.Route, prefix_lists: dict[str, m.PrefixList], rank_of_cidr: int) -> list[F.Candidate]:
    """The prefixes one route offers to LPM: one for a CIDR, one per entry for a prefix list (R27)."""
    kind = route.target_kind
    blackhole = route.state == "blackhole"
    if route.destination_prefix_list_id:
        pl = prefix_lists.get(route.destination_prefix_list_id)
        hop = F.NextHop(kind, route.target_id, route.destination_prefix_list_id, F.PREFIX_LIST, blackhole, route)
        cidrs = pl.cidrs if pl else []
        return [F.Candidate(*F.parse_cidr(c), hop, route.destination_prefix_list_id) for c in cidrs]
    hop = F.NextHop(kind, route.target_id, route.destination_cidr_block, rank_of_cidr, blackhole, route)
    return [F.Candidate(*F.parse_cidr(route.destination_cidr_block), hop)]


def compile_route_table(table: m.RouteTable, cvpc: CompiledVpc | None,
                        prefix_lists: dict[str, m.PrefixList]) -> F.Fib:
    candidates: list[F.Candidate] = []
    for route in table.routes:
        rank = F.PROPAGATED if route.is_propagated else F.STATIC
        candidates.extend(route_candidates(route, prefix_lists, rank))
    return F.Fib.build(table.route_table_id, candidates, protected=cvpc.cidrs if cvpc else ())


def _protocol_match(proto: int, lo, hi, nets=(), ips=frozenset()) -> Match:
    if proto == ANY:
        return Match(ANY, nets=nets, ips=ips)
    lo = ANY if lo is None else lo
    hi = ANY if hi is None else hi
    return Match(proto, lo, hi, nets, ips)


def _security_group_members(topology: m.Topology) -> dict[str, dict[str, set[int]]]:
    """Private addresses of the ENIs that carry each group, by VPC (R109: public addresses never match)."""
    members: dict[str, dict[str, set[int]]] = {}
    for eni in topology.all(m.NetworkInterface):
        for gid in eni.groups:
            members.setdefault(gid, {}).setdefault(eni.vpc_id, set()).update(ip_to_int(a) for a in eni.private_ip_addresses)
    return members


def reference_scope(topology: m.Topology) -> dict[str, set[str]]:
    """For each VPC, the VPCs whose members its groups' references can match (R109): itself, peers in
    the same region over an active peering (R83), and VPCs attached to the same transit gateway in
    the same region when the TGW and both attachments allow it (R103)."""
    vpcs = {v.vpc_id: v for v in topology.all(m.Vpc)}
    scope = {vpc_id: {vpc_id} for vpc_id in vpcs}
    for pcx in topology.all(m.VpcPeeringConnection):
        a, b = vpcs.get(pcx.requester_vpc_id), vpcs.get(pcx.accepter_vpc_id)
        if pcx.status == "active" and a and b and a.region == b.region:
            scope[a.vpc_id].add(b.vpc_id)
            scope[b.vpc_id].add(a.vpc_id)
    by_tgw: dict[str, list[str]] = {}
    for attachment in topology.all(m.TransitGatewayVpcAttachment):
        tgw = topology.get(attachment.transit_gateway_id, m.TransitGateway)
        if (tgw and tgw.security_group_referencing_support and attachment.security_group_referencing_support
                and attachment.state == "available" and attachment.vpc_id in vpcs):
            by_tgw.setdefault(tgw.transit_gateway_id, []).append(attachment.vpc_id)
    for attached in by_tgw.values():
        for vpc_id in attached:
            scope[vpc_id].update(v for v in attached if vpcs[v].region == vpcs[vpc_id].region)
    return scope


def compile_security_groups(group_ids, groups, members, prefix_lists, scope=None) -> CompiledSecurityGroups:
    compiled = CompiledSecurityGroups(tuple(group_ids))
    for gid in group_ids:
        group = groups.get(gid)
        if group is None:
            continue
        for rules, out, direction in ((group.ingress, compiled.ingress, "inbound"),
                                      (group.egress, compiled.egress, "outbound")):
            for rule in rules:
                nets, ips = (), frozenset()
                if rule.cidr_ipv4:
                    nets = cidr_nets([rule.cidr_ipv4])
                elif rule.prefix_list_id:
                    pl = prefix_lists.get(rule.prefix_list_id)
                    nets = cidr_nets(pl.cidrs if pl else [])
                elif rule.referenced_group_id:
                    by_vpc = members.get(rule.referenced_group_id, {})
                    visible = scope.get(group.vpc_id, {group.vpc_id}) if scope is not None else by_vpc.keys()
                    ips = frozenset(ip for vpc_id in visible for ip in by_vpc.get(vpc_id, ()))
                match = _protocol_match(rule.ip_protocol, rule.from_port, rule.to_port, nets, ips)
                peer_word = "from" if direction == "inbound" else "to"
                label = f"{gid} {direction} {describe_protocol(rule.ip_protocol, rule.from_port, rule.to_port)} {peer_word} {rule.peer}"
                out.append(SgRule(gid, match, label))
    return compiled


def describe_protocol(proto: int, lo, hi) -> str:
    names = {6: "tcp", 17: "udp", 1: "icmp", -1: "all"}
    name = names.get(proto, f"proto {proto}")
    if proto in (6, 17) and lo is not None and lo != ANY:
        return f"{name} {lo}" if lo == hi else f"{name} {lo}-{hi}"
    if proto == 1 and lo is not None and lo != ANY:
        return f"icmp type {lo}" + ("" if hi in (None, ANY) else f" code {hi}")
    return name


def compile_nacl(acl: m.NetworkAcl) -> CompiledNacl:
    inbound, outbound = [], []
    for e in sorted(acl.entries, key=lambda e: e.rule_number):
        if e.rule_number >= 32767:
            continue  # the * rule is implicit (R113)
        if e.protocol == 1:
            lo, hi = e.icmp_type, e.icmp_code
        else:
            lo, hi = e.port_from, e.port_to
        match = _protocol_match(e.protocol, lo, hi, cidr_nets([e.cidr_block]))
        (outbound if e.egress else inbound).append(AclRule(e.rule_number, e.rule_action == "allow", match))
    return CompiledNacl(acl.network_acl_id, inbound, outbound)


def _eni_owners(topology: m.Topology) -> dict[str, tuple[str, str, str]]:
    """ENI id -> (owner kind, owner id, label) for the managed ENIs, found in one pass."""
    owners: dict[str, tuple[str, str, str]] = {}
    for nat in topology.all(m.NatGateway):
        owners[nat.network_interface_id] = (NAT_GATEWAY, nat.nat_gateway_id, nat.label)
    for endpoint in topology.all(m.InterfaceEndpoint):
        for eni_id in endpoint.network_interface_ids:
            owners[eni_id] = (INTERFACE_ENDPOINT, endpoint.vpc_endpoint_id, endpoint.label)
    for balancer in topology.all(m.LoadBalancer):
        for eni_id in balancer.network_interface_ids:
            owners[eni_id] = (LOAD_BALANCER, balancer.load_balancer_arn, balancer.label)
    for gwlbe in topology.all(m.GatewayLoadBalancerEndpoint):
        owners[gwlbe.network_interface_id] = (GWLB_ENDPOINT, gwlbe.vpc_endpoint_id, gwlbe.label)
    return owners


def _compile_port(topology, eni, cs, groups, members, prefix_lists, scope, owners) -> Port:
    addresses = frozenset(ip_to_int(a) for a in eni.private_ip_addresses)
    owner_kind, owner_id, running = BARE_ENI, eni.network_interface_id, True
    owner_label = eni.label
    instance = topology.instance_of(eni)
    if instance is not None:
        owner_kind, owner_id, owner_label = INSTANCE, instance.instance_id, instance.label
        running = instance.state == "running"
    if eni.network_interface_id in owners:
        owner_kind, owner_id, owner_label = owners[eni.network_interface_id]
    sgs = None
    if owner_kind not in (NAT_GATEWAY, GWLB_ENDPOINT, LOAD_BALANCER):  # R118, R74: no security group
        sgs = compile_security_groups(eni.groups, groups, members, prefix_lists, scope)
    return Port(eni, cs, addresses, sgs, owner_kind, owner_id, owner_label, running)


TGW_ATTACHMENT = "tgw-attachment"


def tgw_propagated_routes(topology: m.Topology, table: m.TransitGatewayRouteTable):
    """The routes attachments propagate into `table` (R92), and those R101 suppresses.

    VPC attachments propagate their VPC's CIDRs; a CIDR overlapping one already propagated by
    another VPC is not propagated (R101). Peering attachments never propagate (R96).
    Returns ([(cidr, attachment id)], [(cidr, attachment id, the attachment it overlaps)]).
    """
    offered: list[tuple[str, str]] = []
    for attachment_id in table.propagations:
        attachment = topology.get(attachment_id, m.TransitGatewayVpcAttachment)
        if attachment is None or attachment.state != "available":
            continue
        vpc = topology.get(attachment.vpc_id, m.Vpc)
        offered += [(cidr, attachment_id) for cidr in (vpc.cidr_blocks if vpc else [])]
    return first_propagated_wins(offered)


def first_propagated_wins(offered: list[tuple[str, str]]):
    """R101 over (cidr, attachment id) in propagation order: a CIDR overlapping one kept earlier from another
    attachment is skipped, naming the earliest such kept CIDR's attachment. Returns (kept, skipped) as
    `tgw_propagated_routes`.

    Kept CIDRs of different attachments never overlap each other, so the overlaps of a new CIDR are its
    kept supernets (one dict probe per shorter length) and the kept CIDRs starting inside it (a bisect
    over their sorted starts): O(n log n) rather than comparing every pair.
    """
    kept: list[tuple[str, str]] = []
    skipped: list[tuple[str, str, str]] = []
    by_prefix: dict[tuple[int, int], list[tuple[int, str]]] = {}  # (network, length) -> [(kept order, attachment)]
    starts: list[tuple[int, int, str]] = []  # sorted (network, kept order, attachment)
    for cidr, attachment_id in offered:
        network, length = F.parse_cidr(cidr)
        last = network | (0xFFFFFFFF >> length)
        first: tuple[int, str] | None = None
        for shorter in range(length + 1):
            for entry in by_prefix.get((network & (0xFFFFFFFF << (32 - shorter)) & 0xFFFFFFFF, shorter), ()):
                if entry[1] != attachment_id and (first is None or entry < first):
                    first = entry
        for _, order, other in starts[bisect_left(starts, (network,)):bisect_right(starts, (last, len(kept)))]:
            if other != attachment_id and (first is None or order < first[0]):
                first = (order, other)
        if first is not None:
            skipped.append((cidr, attachment_id, first[1]))
        else:
            by_prefix.setdefault((network, length), []).append((len(kept), attachment_id))
            insort(starts, (network, len(kept), attachment_id))
            kept.append((cidr, attachment_id))
    return kept, skipped


def _compile_transit_gateways(fabric: Fabric) -> None:
    topology = fabric.topology
    for attachment in topology.all(m.TransitGatewayVpcAttachment):
        if attachment.state == "available":
            fabric.tgw_vpc_attachments[(attachment.vpc_id, attachment.transit_gateway_id)] = attachment
        subnets = [fabric.subnets[s] for s in attachment.subnet_ids if s in fabric.subnets]
        fabric.tgw_attachment_subnets[attachment.transit_gateway_attachment_id] = sorted(
            subnets, key=lambda s: s.subnet.availability_zone)
    for table in topology.all(m.TransitGatewayRouteTable):
        for attachment_id in table.associations:
            fabric.tgw_associations[(table.transit_gateway_id, attachment_id)] = table.transit_gateway_route_table_id
        candidates: list[F.Candidate] = []
        for route in table.routes:
            blackhole = route.state == "blackhole" or route.transit_gateway_attachment_id is None
            if route.prefix_list_id:
                pl = fabric.prefix_lists.get(route.prefix_list_id)
                hop = F.NextHop(TGW_ATTACHMENT, route.transit_gateway_attachment_id, route.prefix_list_id,
                                F.PREFIX_LIST, blackhole, route)
                candidates += [F.Candidate(*F.parse_cidr(c), hop, route.prefix_list_id) for c in (pl.cidrs if pl else [])]
            else:
                hop = F.NextHop(TGW_ATTACHMENT, route.transit_gateway_attachment_id, route.destination_cidr_block,
                                F.STATIC, blackhole, route)
                candidates.append(F.Candidate(*F.parse_cidr(route.destination_cidr_block), hop))
        propagated, _ = tgw_propagated_routes(topology, table)
        for cidr, attachment_id in propagated:
            hop = F.NextHop(TGW_ATTACHMENT, attachment_id, cidr, F.PROPAGATED, False, None)
            candidates.append(F.Candidate(*F.parse_cidr(cidr), hop, attachment_id))
        fabric.tgw_fibs[table.transit_gateway_route_table_id] = F.Fib.build(table.transit_gateway_route_table_id,
                                                                           candidates)
