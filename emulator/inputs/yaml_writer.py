"""Write a Topology in vpcemu's YAML format (what topology_yaml.py reads), for `vpcemu import`.

Every resource keeps its AWS id through an `id:` field (and `network_interface_id(s)` for the
interfaces of instances, NAT gateways and interface endpoints), so traces of the written file name
the same components as traces of the source. References are written as AWS ids, which the reader
resolves like names. Mapping keys are Name tags where they are unique in their scope, else ids;
security groups are keyed by their group name (unique per VPC in AWS, and `default` keeps its
meaning for the reader).

What the format cannot carry is reported as a warning (appended to `topology.warnings`, and
repeated at the top of the file) and never dropped silently: Elastic IPs on secondary addresses,
edge associations of virtual private gateways, detached
internet gateways, and descriptive fields (interface types, Elastic IP
allocation ids, owners that differ from their VPC's…). PrivateLink (load balancers, target groups,
endpoint services, GWLB endpoints) is written by yaml_writer_privatelink.py.

The file is written atomically: the YAML goes to a temporary file next to the target, is read
back with the YAML reader and checked, and only then renamed over the target. Any failure leaves
the target as it was and no temporary file behind.
"""
from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from .. import model as m
from ..services.aws_public import managed_prefix_lists
from .errors import InputError

PROTOCOL_NAMES = {-1: "all", 6: "tcp", 17: "udp", 1: "icmp"}


def write_yaml(topology: m.Topology, path: str | Path) -> list[str]:
    """Write `topology` to `path` as YAML; returns the warnings about what YAML could not carry."""
    writer = YamlWriter(topology)
    document = writer.document()
    for warning in writer.warnings:
        topology.warnings.append(f"{path}: {warning}")
    _write_atomically(Path(path), _render(document, topology))
    return writer.warnings


class YamlWriter:
    """Builds the YAML document of one topology."""

    def __init__(self, topology: m.Topology):
        self.t = topology
        self.warnings: list[str] = []
        self.not_carried: Counter[str] = Counter()
        self.keys: dict[str, str] = {}  # resource id -> its mapping key in the document

    # --- keys: Name tags where unique in their scope, else ids -----------------------------------

    def assign_keys(self, resources: list, scope_of=lambda r: "", name_of=lambda r: getattr(r, "name", None)) -> None:
        """Key each resource by its name where no other resource of its scope has that name or id."""
        names = Counter((scope_of(r), name_of(r)) for r in resources if name_of(r))
        ids = {(scope_of(r), r.id) for r in resources}
        for r in resources:
            scoped = (scope_of(r), name_of(r))
            unique = name_of(r) and names[scoped] == 1 and (scoped not in ids or name_of(r) == r.id)
            self.keys[r.id] = name_of(r) if unique else r.id

    def of_vpc(self, kind: type) -> dict[str | None, list]:
        """`kind`'s resources by VPC id, in topology order: grouped once, not scanned for every VPC."""
        groups = self.__dict__.setdefault("_of_vpc", {})
        if kind not in groups:
            by_vpc = groups[kind] = {}
            for r in self.t.all(kind):
                by_vpc.setdefault(getattr(r, "vpc_id", None), []).append(r)
        return groups[kind]

    def relations(self):
        """The topology's implicit relations, found once (Topology.relations) rather than per subnet."""
        if "_relations" not in self.__dict__:
            self._relations = self.t.relations()
        return self._relations

    # --- the document ------------------------------------------------------------------------------

    def document(self) -> dict:
        t = self.t
        vpcs = list(t.all(m.Vpc))
        if not vpcs:
            raise InputError("nothing to write: the topology holds no VPC", file=t.source)
        owners = Counter(v.owner_id for v in vpcs)
        self.account = owners.most_common(1)[0][0]
        self.assign_keys(vpcs)
        self.assign_keys(list(t.all(m.Instance)))
        self.assign_keys(list(t.all(m.VpcPeeringConnection)))
        for kind in (m.Subnet, m.RouteTable, m.NetworkAcl, m.NatGateway, m.InternetGateway, m.NetworkInterface):
            self.assign_keys(list(t.all(kind)), scope_of=lambda r: r.vpc_id)
        self.assign_keys(list(t.all(m.GatewayEndpoint)) + list(t.all(m.InterfaceEndpoint))
                         + list(t.all(m.GatewayLoadBalancerEndpoint)), scope_of=lambda r: r.vpc_id)
        self.assign_keys(list(t.all(m.SecurityGroup)), scope_of=lambda g: g.vpc_id, name_of=lambda g: g.group_name)

        regions: dict[str, dict] = {}
        for region, lists in self.prefix_lists().items():
            regions.setdefault(region, {})["prefix_lists"] = lists
        for vpc in vpcs:
            regions.setdefault(vpc.region, {}).setdefault("vpcs", {})[self.keys[vpc.id]] = self.vpc(vpc)
        doc: dict[str, Any] = {"name": Path(t.source).name or "imported",
                               "description": f"imported by vpcemu from {t.source}", "account": self.account,
                               "regions": regions}
        peerings = {self.keys[p.id]: self.clean({"id": p.id, "requester": p.requester_vpc_id,
                                                 "accepter": p.accepter_vpc_id, "status": p.status})
                    for p in t.all(m.VpcPeeringConnection)}
        if peerings:
            doc["peering_connections"] = peerings
        from .yaml_writer_transit import write_transit_gateways  # transit gateways and their peerings (issue 3)

        write_transit_gateways(self, regions, doc)
        from .yaml_writer_privatelink import write_privatelink  # load balancers, endpoint services (issue 4)

        write_privatelink(self, regions)
        self.report_unwritable()
        return doc

    def prefix_lists(self) -> dict[str, dict]:
        """Customer lists, and AWS-managed lists whose entries differ from vpcemu's snapshot (R30)."""
        shipped = {(p.prefix_list_id, p.prefix_list_name): p.cidrs for p in managed_prefix_lists()}
        out: dict[str, dict] = {}
        names = Counter(pl.prefix_list_name for pl in self.t.all(m.PrefixList))
        for pl in self.t.all(m.PrefixList):
            if pl.aws_managed:
                if sorted(shipped.get((pl.prefix_list_id, pl.prefix_list_name), [])) == sorted(pl.cidrs):
                    continue
                twin = out.get(pl.region, {}).get(pl.prefix_list_name)
                if twin is not None:  # AWS gives a managed list one id per region; moto one per account
                    self.warnings.append(f"{pl.label}: the format holds one AWS-managed list named "
                                         f"{pl.prefix_list_name} per region; {twin['id']} is written, not this one")
                    continue
                out.setdefault(pl.region, {})[pl.prefix_list_name] = {"aws_managed": True, "id": pl.prefix_list_id,
                                                                      "entries": list(pl.cidrs)}
                continue
            key = pl.prefix_list_name if names[pl.prefix_list_name] == 1 else pl.prefix_list_id
            spec = {"id": pl.prefix_list_id, "entries": list(pl.cidrs), "max_entries": pl.max_entries}
            if pl.owner_id != self.account:
                spec["account"] = pl.owner_id
            out.setdefault(pl.region, {})[key] = self.clean(spec)
        return out

    def vpc(self, vpc: m.Vpc) -> dict:
        t, vid = self.t, vpc.vpc_id
        spec: dict[str, Any] = {"id": vid, "cidr_blocks": list(vpc.cidr_blocks),
                                "enable_dns_support": vpc.enable_dns_support,
                                "enable_dns_hostnames": vpc.enable_dns_hostnames}
        if vpc.owner_id != self.account:
            spec["account"] = vpc.owner_id
        if vpc.is_default:
            self.not_carried["is_default on a VPC"] += 1
        igw = t.internet_gateway_of(vid)
        if igw is not None:
            spec["internet_gateway"] = {"name": self.keys[igw.id], "id": igw.id}
        mine = lambda kind: list(self.of_vpc(kind).get(vid, []))  # noqa: E731
        for r in mine(m.Subnet) + mine(m.RouteTable) + mine(m.NetworkAcl) + mine(m.SecurityGroup):
            if r.owner_id != vpc.owner_id:
                self.not_carried["owners that differ from their VPC's"] += 1
        spec["security_groups"] = {self.keys[g.id]: self.security_group(g) for g in mine(m.SecurityGroup)}
        spec["network_acls"] = {self.keys[a.id]: self.network_acl(a) for a in mine(m.NetworkAcl)}
        endpoint_routes = self.gateway_endpoint_routes(vid)
        spec["route_tables"] = {self.keys[r.id]: self.route_table(r, endpoint_routes) for r in mine(m.RouteTable)}
        if self.relations().main_route_table.get(vid) is None:
            self.warnings.append(f"{vpc.label} has no main route table; the reader gives it one with local routes only")
        spec["subnets"] = {self.keys[s.id]: self.subnet(s) for s in mine(m.Subnet)}
        spec["nat_gateways"] = {self.keys[n.id]: self.nat_gateway(n) for n in mine(m.NatGateway)}
        spec["instances"] = {self.keys[i.id]: self.instance(i) for i in self.instances_of(vid)}
        spec["network_interfaces"] = {self.keys[e.id]: self.interface(e) for e in self.bare_interfaces(vid)}
        endpoints = {}
        for endpoint in mine(m.GatewayEndpoint):
            endpoints[self.keys[endpoint.id]] = self.gateway_endpoint(endpoint, endpoint_routes)
        for endpoint in mine(m.InterfaceEndpoint):
            endpoints[self.keys[endpoint.id]] = self.interface_endpoint(endpoint)
        spec["endpoints"] = endpoints
        return {k: v for k, v in spec.items() if v not in ({}, None)}

    # --- routing -----------------------------------------------------------------------------------

    def gateway_endpoint_routes(self, vpc_id: str) -> dict[str, list[str]]:
        """Gateway endpoint id -> the tables holding its `pl- -> vpce-` route: AWS adds those (R32)."""
        out: dict[str, list[str]] = {}
        for table in self.of_vpc(m.RouteTable).get(vpc_id, []):
            for route in table.routes:
                endpoint = self.t.get(route.gateway_id or "", m.GatewayEndpoint)
                if (table.vpc_id == vpc_id and endpoint is not None and route.destination_prefix_list_id
                        and route.state == "active"):
                    out.setdefault(endpoint.id, []).append(table.route_table_id)
        return out

    def route_table(self, table: m.RouteTable, endpoint_routes: dict[str, list[str]]) -> dict:
        routes = []
        for route in table.routes:
            if route.gateway_id in endpoint_routes and table.route_table_id in endpoint_routes[route.gateway_id]:
                continue  # written as the endpoint's route_tables
            if route.target_kind == "unknown":
                self.warnings.append(f"{table.label}: route {route.destination} -> {route.target_id} names a target "
                                     f"the format cannot hold; it is not written")
                continue
            entry = {"destination": route.destination, "target": route.target_id}
            if route.state != "active":
                entry["state"] = route.state
            if route.is_propagated:
                entry["propagated"] = True
            routes.append(entry)
        spec: dict[str, Any] = {"id": table.route_table_id, "main": table.main or None, "routes": routes}
        edges = [g for g in table.gateway_ids if self.t.get(g, m.InternetGateway) is not None]
        for gateway in set(table.gateway_ids) - set(edges):
            self.warnings.append(f"{table.label}: the edge association with {gateway} cannot be written "
                                 f"(only internet gateways can be named)")
        if edges:
            spec["edge_associations"] = edges
        return self.clean(spec)

    def subnet(self, subnet: m.Subnet) -> dict:
        table = self.relations().explicit_route_table.get(subnet.subnet_id)
        acl = self.relations().explicit_network_acl.get(subnet.subnet_id)
        if subnet.availability_zone_id:
            self.not_carried["Availability Zone ids"] += 1
        return self.clean({"id": subnet.subnet_id, "cidr_block": subnet.cidr_block,
                           "availability_zone": subnet.availability_zone,
                           "route_table": table.route_table_id if table else None,
                           "network_acl": acl.network_acl_id if acl else None})

    # --- filters -----------------------------------------------------------------------------------

    def security_group(self, group: m.SecurityGroup) -> dict:
        return {"id": group.group_id, "ingress": [self.rule(r, "from") for r in group.ingress],
                "egress": [self.rule(r, "to") for r in group.egress]}  # egress always given: R107 adds none

    def rule(self, rule: m.SecurityGroupRule, peer_key: str) -> dict:
        out = self.protocol(rule.ip_protocol, rule.from_port, rule.to_port)
        out[peer_key] = rule.peer
        if rule.description:
            out["description"] = rule.description
        return out

    @staticmethod
    def protocol(proto: int, lo: int | None, hi: int | None) -> dict:
        out: dict[str, Any] = {"protocol": PROTOCOL_NAMES.get(proto, proto)}
        if proto in (6, 17) and lo is not None:
            out["ports"] = lo if lo == hi else [lo, hi]
        elif proto == 1:
            if lo is not None:
                out["icmp_type"] = lo
            if hi is not None:
                out["icmp_code"] = hi
        return out

    def network_acl(self, acl: m.NetworkAcl) -> dict:
        spec: dict[str, Any] = {"id": acl.network_acl_id, "default": acl.is_default, "inbound": [], "outbound": []}
        for e in sorted(acl.entries, key=lambda e: e.rule_number):
            lo, hi = (e.icmp_type, e.icmp_code) if e.protocol == 1 else (e.port_from, e.port_to)
            entry = {"rule": e.rule_number, "action": e.rule_action, **self.protocol(e.protocol, lo, hi),
                     "cidr": e.cidr_block}
            spec["outbound" if e.egress else "inbound"].append(entry)
        return spec

    # --- interfaces and what owns them -------------------------------------------------------------

    def instances_of(self, vpc_id: str) -> list[m.Instance]:
        out = []
        for instance in self.t.all(m.Instance):
            enis = [self.t.get(e, m.NetworkInterface) for e in instance.network_interface_ids]
            if not enis or any(e is None for e in enis):
                if enis and enis[0] is not None and enis[0].vpc_id == vpc_id:
                    self.warnings.append(f"{instance.label}: not written, some of its network interfaces are missing")
                continue
            if enis[0].vpc_id == vpc_id:
                out.append(instance)
        return out

    def owned_interfaces(self) -> set[str]:
        owned = {e for i in self.t.all(m.Instance) for e in i.network_interface_ids}
        owned |= {n.network_interface_id for n in self.t.all(m.NatGateway)}
        owned |= {e for p in self.t.all(m.InterfaceEndpoint) for e in p.network_interface_ids}
        owned |= {e for b in self.t.all(m.LoadBalancer) for e in b.network_interface_ids}  # written with their owners
        owned |= {g.network_interface_id for g in self.t.all(m.GatewayLoadBalancerEndpoint)}
        return owned

    def bare_interfaces(self, vpc_id: str) -> list[m.NetworkInterface]:
        owned = self.owned_interfaces()
        return [e for e in self.t.all(m.NetworkInterface) if e.vpc_id == vpc_id and e.id not in owned]

    def interface(self, eni: m.NetworkInterface, with_id: bool = True) -> dict:
        if eni.interface_type != "interface":
            self.not_carried[f"interface type {eni.interface_type}"] += 1
        spec: dict[str, Any] = {"id": eni.network_interface_id if with_id else None, "subnet": eni.subnet_id,
                                "private_ip": eni.private_ip_address,
                                "secondary_private_ips": eni.private_ip_addresses[1:] or None,
                                "security_groups": list(eni.groups)}
        eip = next((p for p in self.t.all(m.ElasticIp) if p.network_interface_id == eni.id
                    and p.private_ip_address in (None, eni.private_ip_address)), None)
        if eni.association_public_ip:
            key = "elastic_ip" if eip is not None and eip.public_ip == eni.association_public_ip else "public_ip"
            spec[key] = eni.association_public_ip
        if not eni.source_dest_check:
            spec["source_dest_check"] = False
        if eni.description and with_id:
            spec["description"] = eni.description
        elif eni.description:
            self.not_carried["descriptions of primary interfaces"] += 1
        return self.clean(spec, keep=("security_groups",))

    def instance(self, instance: m.Instance) -> dict:
        primary, *others = [self.t.get(e, m.NetworkInterface) for e in instance.network_interface_ids]
        spec = self.interface(primary, with_id=False)
        spec = {"id": instance.instance_id, **spec, "network_interface_id": primary.network_interface_id}
        if instance.state != "running":
            spec["state"] = instance.state
        if instance.metadata_http_endpoint != "enabled":
            spec["metadata_options"] = {"http_endpoint": instance.metadata_http_endpoint}
        if others:
            spec["network_interfaces"] = [self.interface(e) for e in others]
        return spec

    def nat_gateway(self, nat: m.NatGateway) -> dict:
        return self.clean({"id": nat.nat_gateway_id, "subnet": nat.subnet_id, "private_ip": nat.private_ip,
                           "public_ip": nat.public_ip, "connectivity_type": nat.connectivity_type,
                           "state": None if nat.state == "available" else nat.state,
                           "network_interface_id": nat.network_interface_id})

    def gateway_endpoint(self, endpoint: m.GatewayEndpoint, endpoint_routes: dict[str, list[str]]) -> dict:
        tables = endpoint_routes.get(endpoint.id, [])
        if sorted(tables) != sorted(endpoint.route_table_ids):
            listed = ", ".join(endpoint.route_table_ids) or "none"
            self.warnings.append(f"{endpoint.label}: its route tables are {listed} but its route is in "
                                 f"{', '.join(tables) or 'none'}; the tables holding the route are written (R32)")
        return self.clean({"id": endpoint.vpc_endpoint_id, "type": "gateway", "service": endpoint.service_name,
                           "route_tables": tables, "state": None if endpoint.state == "available" else endpoint.state})

    def interface_endpoint(self, endpoint: m.InterfaceEndpoint) -> dict:
        enis = [self.t.get(e, m.NetworkInterface) for e in endpoint.network_interface_ids]
        by_subnet = {e.subnet_id: e for e in enis if e is not None}
        subnets = [s for s in endpoint.subnet_ids if s in by_subnet]
        for missing in sorted(set(endpoint.subnet_ids) - set(subnets)):
            self.warnings.append(f"{endpoint.label}: no network interface in {missing}; that subnet is not written")
        key = lambda s: self.keys[s]  # noqa: E731 - the reader keys private_ips by subnet name
        return self.clean({"id": endpoint.vpc_endpoint_id, "type": "interface", "service": endpoint.service_name,
                           "subnets": subnets, "security_groups": list(endpoint.groups),
                           "private_dns": endpoint.private_dns_enabled,
                           "dns_names": list(endpoint.dns_names) or None,
                           "state": None if endpoint.state == "available" else endpoint.state,
                           "private_ips": {key(s): by_subnet[s].private_ip_address for s in subnets},
                           "network_interface_ids": {key(s): by_subnet[s].network_interface_id for s in subnets}},
                          keep=("security_groups",))

    # --- what cannot be written ----------------------------------------------------------------------

    def report_unwritable(self) -> None:
        t = self.t
        for igw in t.all(m.InternetGateway):
            if igw.vpc_id is None:
                self.warnings.append(f"{igw.label} is attached to no VPC; the format has no place for it")
        written = {(e.network_interface_id, e.private_ip_address) for e in t.all(m.NetworkInterface)
                   if e.association_public_ip}
        for eip in t.all(m.ElasticIp):
            eni = t.get(eip.network_interface_id or "", m.NetworkInterface)
            private = eip.private_ip_address or (eni.private_ip_address if eni else None)
            if eni is None:
                self.warnings.append(f"Elastic IP {eip.public_ip} ({eip.allocation_id}) is associated with no "
                                     f"interface in the topology; it is not written")
            elif (eni.id, private) not in written or eip.public_ip != eni.association_public_ip:
                self.warnings.append(f"Elastic IP {eip.public_ip} on {eni.id} ({private}) cannot be written: the "
                                     f"format gives an interface one public IP, on its primary address; the "
                                     f"internet gateway will not map it (R120)")
            else:
                self.not_carried["Elastic IP allocation ids (regenerated)"] += 1
        if self.not_carried:
            what = ", ".join(f"{n} {k}" for k, n in sorted(self.not_carried.items()))
            self.warnings.append(f"descriptive data the format does not carry (forwarding is unaffected): {what}")

    @staticmethod
    def clean(spec: dict, keep: tuple[str, ...] = ()) -> dict:
        """Drop empty and default-free fields, except those whose absence means something else."""
        return {k: v for k, v in spec.items() if k in keep or v not in (None, [], {})}


# --- rendering and writing ---------------------------------------------------------------------------


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's emitter: 10× faster, same text
    """Block style for the structure, one-line mappings for rules, routes and small resources."""


def _represent_dict(dumper: yaml.SafeDumper, data: dict):
    flat = all(not isinstance(v, dict) and not (isinstance(v, list) and any(isinstance(i, dict) for i in v))
               for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flat and len(data) <= 8)


_Dumper.add_representer(dict, _represent_dict)


def _render(document: dict, topology: m.Topology) -> str:
    header = [f"# Written by `vpcemu import` from {topology.source}.",
              "# Ids are AWS's; mapping keys are Name tags where unique, else ids."]
    header += [f"# warning: {w}" for w in topology.warnings]
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)
    return "\n".join(header) + "\n" + body


def _write_atomically(path: Path, text: str) -> None:
    """Check the YAML loads back, then put it in place whole (emulator/atomic.py): to a file, or
    to stdout for `-`. On failure the target stays as it was and nothing is left behind."""
    from ..atomic import AtomicFile

    out = AtomicFile(path, "w", stdout=True)
    try:
        if out.atomic:  # the hidden file beside the target is the one checked, then renamed
            out.write(text)
            out.flush()
            _check_loads(Path(out.temporary), path)
        else:  # stdout, a device or a FIFO: checked in a temporary folder before anything is sent
            with tempfile.TemporaryDirectory(prefix="vpcemu-import-") as folder:
                copy = Path(folder) / "topology.yaml"
                copy.write_text(text, encoding="utf-8")
                _check_loads(copy, path)
            out.write(text)
    except BaseException:
        out.abort()
        raise
    out.close()


def _check_loads(written: Path, target: Path) -> None:
    from .topology_yaml import load_yaml
    from .validate import validate

    try:
        validate(load_yaml(written))
    except InputError as error:
        raise InputError(f"the YAML written does not load back ({error.line()}); nothing was written",
                         file=str(target)) from None
