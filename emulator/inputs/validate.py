"""Semantic checks of a Topology, whatever it was read from. The first problem found is raised
as InputError naming the file, the resource and the field."""
from __future__ import annotations

import ipaddress

from .. import model as m
from ..dataplane.fib import RESERVED_LINK_LOCAL, contains, format_cidr, parse_cidr
from .errors import InputError

# Route target kinds whose resources vpcemu models; others (vgw, tgw for now) pass unchecked.
_TARGET_TYPES = {"igw": m.InternetGateway, "nat": m.NatGateway, "gateway-endpoint": m.GatewayEndpoint,
                 "eni": m.NetworkInterface, "instance": m.Instance, "pcx": m.VpcPeeringConnection,
                 "tgw": m.TransitGateway}
_MIDDLEBOX_TARGETS = {"nat", "eni", "instance", "gwlb-endpoint"}  # R6


def _fail(topology: m.Topology, resource: m.Resource, field: str, message: str) -> InputError:
    return InputError(message, file=topology.origin(resource.id), resource=resource.label, field=field)


def _cidr(topology, resource, field, text) -> tuple[int, int]:
    try:
        return parse_cidr(text)
    except (ValueError, TypeError):
        raise _fail(topology, resource, field, f"invalid IPv4 CIDR {text!r}") from None


def validate(topology: m.Topology) -> None:
    _check_vpcs(topology)
    _check_subnets(topology)
    _check_interfaces(topology)
    _check_route_tables(topology)
    _check_peerings(topology)
    _check_security_groups(topology)
    _check_services(topology)
    _check_transit_gateways(topology)


def _check_vpcs(topology):
    for vpc in topology.all(m.Vpc):
        blocks = [_cidr(topology, vpc, "CidrBlock", c) for c in vpc.cidr_blocks]
        for i, a in enumerate(blocks):
            for b in blocks[i + 1:]:
                if contains(a, b) or contains(b, a):
                    raise _fail(topology, vpc, "CidrBlock", "the VPC's CIDR blocks overlap")


def _check_subnets(topology):
    vpcs = {v.vpc_id: v for v in topology.all(m.Vpc)}
    seen: dict[str, list[tuple[tuple[int, int], m.Subnet]]] = {}
    for subnet in topology.all(m.Subnet):
        vpc = vpcs.get(subnet.vpc_id)
        if vpc is None:
            raise _fail(topology, subnet, "VpcId", f"unknown VPC {subnet.vpc_id}")
        network = _cidr(topology, subnet, "CidrBlock", subnet.cidr_block)
        if not any(contains(parse_cidr(c), network) for c in vpc.cidr_blocks):
            raise _fail(topology, subnet, "CidrBlock",
                        f"{subnet.cidr_block} is outside {vpc.label} ({', '.join(vpc.cidr_blocks)})")
        for other_net, other in seen.get(subnet.vpc_id, []):
            if contains(other_net, network) or contains(network, other_net):
                raise _fail(topology, subnet, "CidrBlock",
                            f"{subnet.cidr_block} overlaps {other.label} ({other.cidr_block})")
        seen.setdefault(subnet.vpc_id, []).append((network, subnet))


def _check_interfaces(topology):
    subnets = {s.subnet_id: s for s in topology.all(m.Subnet)}
    owners: dict[tuple[str, str], m.NetworkInterface] = {}
    for eni in topology.all(m.NetworkInterface):
        subnet = subnets.get(eni.subnet_id)
        if subnet is None:
            raise _fail(topology, eni, "SubnetId", f"unknown subnet {eni.subnet_id}")
        network = ipaddress.IPv4Network(subnet.cidr_block)
        for address in eni.private_ip_addresses:
            try:
                ip = ipaddress.IPv4Address(address)
            except ValueError:
                raise _fail(topology, eni, "PrivateIpAddress", f"invalid IPv4 address {address!r}") from None
            if ip not in network:
                raise _fail(topology, eni, "PrivateIpAddress",
                            f"{address} is outside its subnet {subnet.label} ({subnet.cidr_block})")
            offset = int(ip) - int(network.network_address)
            if offset < 4 or ip == network.broadcast_address:
                raise _fail(topology, eni, "PrivateIpAddress",
                            f"{address} is one of the five addresses AWS reserves in {subnet.cidr_block} (R132)")
            other = owners.get((eni.vpc_id, address))
            if other is not None:
                raise _fail(topology, eni, "PrivateIpAddress", f"{address} is also assigned to {other.label}")
            owners[(eni.vpc_id, address)] = eni
        for gid in eni.groups:
            if topology.get(gid, m.SecurityGroup) is None:
                raise _fail(topology, eni, "Groups", f"unknown security group {gid}")
    for instance in topology.all(m.Instance):
        for eni_id in instance.network_interface_ids:
            if topology.get(eni_id, m.NetworkInterface) is None:
                raise _fail(topology, instance, "NetworkInterfaces", f"unknown network interface {eni_id}")
    for nat in topology.all(m.NatGateway):
        if topology.get(nat.network_interface_id, m.NetworkInterface) is None:
            raise _fail(topology, nat, "NetworkInterfaceId", f"unknown network interface {nat.network_interface_id}")
    for endpoint in topology.all(m.InterfaceEndpoint):
        for eni_id in endpoint.network_interface_ids:
            if topology.get(eni_id, m.NetworkInterface) is None:
                raise _fail(topology, endpoint, "NetworkInterfaceIds", f"unknown network interface {eni_id}")


def _check_route_tables(topology):
    subnets_by_vpc: dict[str, set[tuple[int, int]]] = {}
    for s in topology.all(m.Subnet):
        subnets_by_vpc.setdefault(s.vpc_id, set()).add(parse_cidr(s.cidr_block))
    for table in topology.all(m.RouteTable):
        vpc = topology.get(table.vpc_id, m.Vpc)
        if vpc is None:
            raise _fail(topology, table, "VpcId", f"unknown VPC {table.vpc_id}")
        local = [parse_cidr(c) for c in vpc.cidr_blocks]
        for subnet_id in table.subnet_ids:
            if topology.get(subnet_id, m.Subnet) is None:
                raise _fail(topology, table, "Associations.SubnetId", f"unknown subnet {subnet_id}")
        seen: set = set()  # R19: non-propagated destinations, compared in canonical form
        for route in table.routes:
            field = "DestinationCidrBlock"
            if route.destination_prefix_list_id:
                field = "DestinationPrefixListId"
                if topology.get(route.destination_prefix_list_id, m.PrefixList) is None and route.state == "active":
                    raise _fail(topology, table, field, f"unknown prefix list {route.destination_prefix_list_id}")
                key = route.destination_prefix_list_id
            elif route.destination_cidr_block:
                network = key = _cidr(topology, table, field, route.destination_cidr_block)
                if contains(RESERVED_LINK_LOCAL, network):
                    raise _fail(topology, table, field,
                                f"{route.destination_cidr_block}: routes into 169.254.168.0/22 are not allowed (R9)")
                inside_local = any(contains(c, network) and c != network for c in local)
                if inside_local and not route.is_propagated and (
                        route.target_kind not in _MIDDLEBOX_TARGETS or network not in subnets_by_vpc.get(vpc.vpc_id, ())):
                    raise _fail(topology, table, field,
                                f"{route.destination_cidr_block} is more specific than the local route; only a whole "
                                f"subnet CIDR to a NAT gateway, ENI or GWLB endpoint is allowed (R6)")
            else:
                raise _fail(topology, table, field, "a route needs a destination CIDR or prefix list")
            if not route.is_propagated:
                if key in seen:
                    shown = route.destination_prefix_list_id or format_cidr(*network)
                    raise _fail(topology, table, field, f"two routes for {shown}: a table holds one route per "
                                                        f"destination once host bits are cleared (R19)")
                seen.add(key)
            if route.state != "active":
                continue
            kind = route.target_kind
            if kind == "unknown":
                raise _fail(topology, table, "Routes", f"route {route.destination} has no target")
            wanted = _TARGET_TYPES.get(kind)
            if wanted is not None and topology.get(route.target_id, wanted) is None:
                raise _fail(topology, table, "Routes",
                            f"route {route.destination} -> {route.target_id}: no such {kind} (a missing target "
                            f"makes AWS show the route as blackhole, R17)")
            if kind == "igw":
                gateway = topology.get(route.target_id, m.InternetGateway)
                if gateway.vpc_id != table.vpc_id:  # AWS refuses the route: "belong to different networks"
                    attached = f"attached to {gateway.vpc_id}" if gateway.vpc_id else "not attached to a VPC"
                    raise _fail(topology, table, "Routes",
                                f"route {route.destination} -> {gateway.label}: the internet gateway is {attached}, "
                                f"not to this table's VPC {table.vpc_id} (R121)")


_PEERING_LIVE = ("initiating-request", "pending-acceptance", "provisioning", "active")  # R77: these block a second


def _check_peerings(topology):
    pairs: dict[frozenset, m.VpcPeeringConnection] = {}
    for pcx in topology.all(m.VpcPeeringConnection):
        pair = frozenset((pcx.requester_vpc_id, pcx.accepter_vpc_id))
        other = pairs.get(pair)
        if other is not None and pcx.status in _PEERING_LIVE:
            raise _fail(topology, pcx, "AccepterVpcInfo",
                        f"{pcx.requester_vpc_id} and {pcx.accepter_vpc_id} are already peered by {other.label}: "
                        f"two VPCs have at most one peering connection (R77)")
        if pcx.status in _PEERING_LIVE:
            pairs[pair] = pcx
        a = topology.get(pcx.requester_vpc_id, m.Vpc)
        b = topology.get(pcx.accepter_vpc_id, m.Vpc)
        for field, vpc, vpc_id in (("RequesterVpcInfo", a, pcx.requester_vpc_id),
                                   ("AccepterVpcInfo", b, pcx.accepter_vpc_id)):
            if vpc is None:
                raise _fail(topology, pcx, field, f"unknown VPC {vpc_id}")
        for ca in a.cidr_blocks:
            for cb in b.cidr_blocks:
                if contains(parse_cidr(ca), parse_cidr(cb)) or contains(parse_cidr(cb), parse_cidr(ca)):
                    raise _fail(topology, pcx, "AccepterVpcInfo",
                                f"{a.label} {ca} overlaps {b.label} {cb}: peered VPCs may not overlap (R78)")


def _check_security_groups(topology):
    for group in topology.all(m.SecurityGroup):
        for field, rules in (("IpPermissions", group.ingress), ("IpPermissionsEgress", group.egress)):
            for rule in rules:
                if rule.cidr_ipv4:
                    _cidr(topology, group, field, rule.cidr_ipv4)
                if rule.prefix_list_id and topology.get(rule.prefix_list_id, m.PrefixList) is None:
                    raise _fail(topology, group, field, f"unknown prefix list {rule.prefix_list_id}")
                if rule.referenced_group_id and topology.get(rule.referenced_group_id, m.SecurityGroup) is None:
                    topology.warnings.append(
                        f"{topology.origin(group.id)}: {group.label}: {field}: references {rule.referenced_group_id}, "
                        f"which is not in the topology; the rule matches nothing (R83)")
    for acl in topology.all(m.NetworkAcl):
        for entry in acl.entries:
            _cidr(topology, acl, "Entries.CidrBlock", entry.cidr_block)


def _check_services(topology):
    for pl in topology.all(m.PrefixList):
        for cidr in pl.cidrs:
            _cidr(topology, pl, "Cidrs", cidr)


def _check_transit_gateways(topology):
    """R91, R94, R96, R98, R101 and the references between TGW resources."""
    from ..dataplane.compile import tgw_propagated_routes

    for attachment in topology.all(m.TransitGatewayVpcAttachment):
        if topology.get(attachment.transit_gateway_id, m.TransitGateway) is None:
            raise _fail(topology, attachment, "TransitGatewayId", f"unknown transit gateway {attachment.transit_gateway_id}")
        if topology.get(attachment.vpc_id, m.Vpc) is None:
            raise _fail(topology, attachment, "VpcId", f"unknown VPC {attachment.vpc_id}")
        azs: dict[str, str] = {}
        for subnet_id in attachment.subnet_ids:
            subnet = topology.get(subnet_id, m.Subnet)
            if subnet is None:
                raise _fail(topology, attachment, "SubnetIds", f"unknown subnet {subnet_id}")
            if subnet.vpc_id != attachment.vpc_id:
                raise _fail(topology, attachment, "SubnetIds",
                            f"{subnet.label} belongs to {subnet.vpc_id}, not to the attached VPC {attachment.vpc_id}")
            if subnet.availability_zone in azs:
                raise _fail(topology, attachment, "SubnetIds",
                            f"{subnet.label} and {azs[subnet.availability_zone]} are both in "
                            f"{subnet.availability_zone}: one subnet per AZ (R98)")
            azs[subnet.availability_zone] = subnet.label
    for peering in topology.all(m.TransitGatewayPeeringAttachment):
        for field, tgw_id in (("RequesterTgwInfo", peering.requester_transit_gateway_id),
                              ("AccepterTgwInfo", peering.accepter_transit_gateway_id)):
            if topology.get(tgw_id, m.TransitGateway) is None:
                raise _fail(topology, peering, field, f"unknown transit gateway {tgw_id}")
    associated: dict[tuple[str, str], m.TransitGatewayRouteTable] = {}
    for table in topology.all(m.TransitGatewayRouteTable):
        if topology.get(table.transit_gateway_id, m.TransitGateway) is None:
            raise _fail(topology, table, "TransitGatewayId", f"unknown transit gateway {table.transit_gateway_id}")
        for field, ids in (("Associations", table.associations), ("Propagations", table.propagations)):
            for attachment_id in ids:
                attachment = topology.get(attachment_id)
                if not isinstance(attachment, (m.TransitGatewayVpcAttachment, m.TransitGatewayPeeringAttachment)):
                    raise _fail(topology, table, field, f"unknown transit gateway attachment {attachment_id}")
                if table.transit_gateway_id not in _tgws_of(attachment):
                    raise _fail(topology, table, field,
                                f"{attachment.label} belongs to {', '.join(_tgws_of(attachment))}, not to "
                                f"{table.transit_gateway_id}")
                if field == "Propagations" and isinstance(attachment, m.TransitGatewayPeeringAttachment):
                    raise _fail(topology, table, field,
                                f"{attachment.label} is a peering attachment: peerings carry static routes only (R96)")
        for attachment_id in table.associations:
            other = associated.get((table.transit_gateway_id, attachment_id))
            if other is not None:
                raise _fail(topology, table, "Associations",
                            f"{attachment_id} is already associated with {other.label}: one route table per "
                            f"attachment (R91)")
            associated[(table.transit_gateway_id, attachment_id)] = table
        for route in table.routes:
            field = "Routes"
            if route.destination_cidr_block:
                _cidr(topology, table, field, route.destination_cidr_block)
            elif route.prefix_list_id and topology.get(route.prefix_list_id, m.PrefixList) is None:
                raise _fail(topology, table, field, f"unknown prefix list {route.prefix_list_id}")
            if route.state == "blackhole":
                continue
            attachment = topology.get(route.transit_gateway_attachment_id or "")
            if not isinstance(attachment, (m.TransitGatewayVpcAttachment, m.TransitGatewayPeeringAttachment)):
                raise _fail(topology, table, field,
                            f"route {route.destination} -> {route.transit_gateway_attachment_id}: no such attachment")
            if table.transit_gateway_id not in _tgws_of(attachment):
                raise _fail(topology, table, field,
                            f"route {route.destination} -> {attachment.label}, an attachment of another transit gateway")
        _, suppressed = tgw_propagated_routes(topology, table)
        for cidr, attachment_id, clash in suppressed:
            topology.warnings.append(
                f"{topology.origin(table.id)}: {table.label}: Propagations: {cidr} from {attachment_id} overlaps "
                f"a CIDR already propagated by {clash}, so it is not propagated (R101)")


def _tgws_of(attachment) -> tuple[str, ...]:
    if isinstance(attachment, m.TransitGatewayPeeringAttachment):
        return attachment.requester_transit_gateway_id, attachment.accepter_transit_gateway_id
    return (attachment.transit_gateway_id,)
