"""YAML topologies: human names for references, AWS ids generated deterministically when absent.

The format is documented in README.md and checked by topologies/topology.schema.json.
Every mistake is raised as InputError naming the file, the resource path and the field.
"""
from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

from .. import model as m
from ..services.aws_public import ensure_managed_prefix_lists
from ..dataplane.fib import format_cidr, parse_cidr
from .documents import read_yaml
from .errors import InputError, shown
from .latency_yaml import read_latency
from .yaml_privatelink import RegionReading, VpcReading, aws_service_region

DEFAULT_ACCOUNT = "111111111111"
PROTOCOL_NUMBERS = {"all": -1, "-1": -1, "tcp": 6, "udp": 17, "icmp": 1}
SHORT_SERVICES = {"s3", "dynamodb"}
# The states AWS reports; anything else is a typo (an instance that is not running forwards nothing).
INSTANCE_STATES = ("pending", "running", "shutting-down", "terminated", "stopping", "stopped")
NAT_STATES = ("pending", "failed", "available", "deleting", "deleted")
ENDPOINT_STATES = ("pendingAcceptance", "pending", "available", "deleting", "deleted", "rejected", "failed", "expired")
TGW_ATTACHMENT_STATES = ("initiating", "initiatingRequest", "pendingAcceptance", "rollingBack", "pending", "available",
                         "modifying", "deleting", "deleted", "failed", "rejected", "rejecting", "failing")
PEERING_STATUSES = ("initiating-request", "pending-acceptance", "active", "deleted", "rejected", "failed", "expired",
                    "provisioning", "deleting")
TRACE_KEYS = {"title", "from", "src", "to", "proto", "sport", "dport", "expect", "return"}
TRACE_EXPECT_KEYS = {"verdict", "code", "delivered_to", "via", "not_via", "reachable"}
# Numbers are ASCII digits: str.isdigit() and int() also take "²" and "١٦", which no AWS API does.
DECIMAL = re.compile(r"-?[0-9]{1,18}")
ACCOUNT_ID = re.compile(r"[0-9]{12}")
TARGET_KINDS = ("internet gateway", "NAT gateway", "endpoint", "instance", "network interface", "peering connection",
                "transit gateway")


def load_yaml(path: str | Path) -> m.Topology:
    """A Topology from a YAML file, read with bounds (inputs/documents.py)."""
    return YamlReader(str(path)).read(read_yaml(path))


class YamlReader(RegionReading):
    """Turns the parsed document into a Topology, resolving names to ids."""

    def __init__(self, source: str):
        self.source = source
        self.topology = m.Topology(source=source)
        self.names: dict[tuple[str, str], str] = {}  # (kind, scoped name) -> id
        self.pending_routes: list[tuple[str, m.RouteTable, dict, str]] = []
        self.pending_edges: list[tuple[str, m.RouteTable, Any, str]] = []
        self.pending_tgw_tables: list[tuple[m.TransitGatewayRouteTable, dict, str, str]] = []
        self.gateway_endpoints: list[tuple[str, str, list[str], str]] = []
        self.pending_services: list[tuple[m.Resource, str, bool]] = []  # endpoints naming endpoint services
        self.service_decisions: dict[str, tuple[list[str], list[str], str]] = {}

    # --- errors and small helpers -----------------------------------------------------------

    def error(self, where: str, field: str | None, message: str) -> InputError:
        return InputError(message, file=self.source, resource=where, field=field)

    def mapping(self, value: Any, where: str, field: str | None = None) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(where, field, f"expected a mapping, got {type(value).__name__}")
        for key in value:
            if not isinstance(key, str):
                raise self.error(where, field, f"the key {shown(key)} is not a string: quote it to use it as a name")
        return value

    def sequence(self, value: Any, where: str, field: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(where, field, f"expected a list, got {type(value).__name__}")
        return value

    def check_keys(self, spec: dict, allowed: set[str], where: str) -> None:
        unknown = sorted(set(spec) - allowed, key=str)
        if unknown:
            raise self.error(where, unknown[0], f"unknown field (expected one of: {', '.join(sorted(allowed))})")

    def text(self, value: Any, where: str, field: str) -> str:
        """A scalar field as text: a list or mapping where a name, id or address belongs is an error."""
        if isinstance(value, (dict, list)):
            raise self.error(where, field, f"expected a single value, got {shown(value)}")
        return str(value)

    def cidr(self, value: Any, where: str, field: str) -> str:
        text = self.text(value, where, field)
        if "/" not in text:
            raise self.error(where, field, f"invalid IPv4 CIDR {shown(value)} (no prefix length)")
        length = text.rsplit("/", 1)[1]
        if not (length.isascii() and length.isdigit()):
            raise self.error(where, field, f"invalid IPv4 CIDR {shown(value)} (the prefix length is a number, "
                                           f"not a mask)")
        try:
            return format_cidr(*parse_cidr(text))  # R19: host bits cleared
        except ValueError:
            raise self.error(where, field, f"invalid IPv4 CIDR {shown(value)}") from None

    def address(self, value: Any, where: str, field: str) -> str:
        try:
            return str(ipaddress.IPv4Address(self.text(value, where, field)))
        except ValueError:
            raise self.error(where, field, f"invalid IPv4 address {shown(value)}") from None

    def integer(self, value: Any, where: str, field: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and DECIMAL.fullmatch(value.strip()):
            return int(value)
        raise self.error(where, field, f"expected a whole number, got {shown(value)}")

    def account_id(self, value: Any, where: str) -> str:
        """An AWS account id: 12 digits, written in quotes (unquoted, YAML reads 011122223333 as an
        octal number and the account silently becomes another)."""
        if isinstance(value, int) and not isinstance(value, bool):
            raise self.error(where, "account", f"write the 12-digit account id in quotes: unquoted, YAML reads it as "
                                               f"the number {shown(value)} (a leading 0 makes it octal)")
        if not isinstance(value, str) or not ACCOUNT_ID.fullmatch(value):
            raise self.error(where, "account", f"an AWS account id is 12 digits, got {shown(value)}")
        return value

    def flag(self, spec: dict, key: str, default: bool, where: str) -> bool:
        """A true/false field: anything else (a quoted "false", 0, yes) is an error, not a guess."""
        value = spec.get(key, default)
        if not isinstance(value, bool):
            raise self.error(where, key, f"true or false; got {shown(value)}")
        return value

    def choice(self, spec: dict, key: str, allowed: tuple[str, ...], default: str, where: str) -> str:
        value = self.text(spec.get(key, default), where, key)
        if value not in allowed:
            raise self.error(where, key, f"must be one of {', '.join(allowed)}; got {shown(value)}")
        return value

    def new_id(self, prefix: str, *parts: str) -> str:
        return m.deterministic_id(prefix, self.source_key, *parts)

    def register(self, kind: str, name: str, resource_id: str, where: str) -> None:
        key = (kind, name)
        if key in self.names and self.names[key] != resource_id:
            raise self.error(where, None, f"a {kind} named {shown(name)} is defined twice")
        self.names[key] = resource_id
        self.names.setdefault((kind, resource_id), resource_id)

    def ref(self, kind: str, name: Any, where: str, field: str, scope: str = "") -> str:
        """The id behind a name (scoped to a VPC first, then global), or an id given literally."""
        if name is None:
            raise self.error(where, field, f"required: the name or id of a {kind}")
        text = self.text(name, where, field)
        for key in ((kind, f"{scope}/{text}"), (kind, text)):
            if key in self.names:
                return self.names[key]
        raise self.error(where, field, f"unknown {kind} {shown(text)}")

    # --- document ---------------------------------------------------------------------------

    def read(self, document: Any) -> m.Topology:
        doc = self.mapping(document, "topology")
        if not doc:
            raise self.error("topology", None, "the file is empty")
        self.check_keys(doc, {"account", "regions", "peering_connections", "transit_gateway_peerings", "description",
                              "name", "traces", "private_hosted_zones", "latency"}, "topology")
        self.source_key = str(doc.get("name") or Path(self.source).stem)
        self.account = self.account_id(doc.get("account", DEFAULT_ACCOUNT), "topology")
        regions = self.mapping(doc.get("regions"), "topology", "regions")
        if not regions:
            raise self.error("topology", "regions", "at least one region is required")
        ensure_managed_prefix_lists(self.topology)
        for pl in self.topology.all(m.PrefixList):
            self.names[("prefix list", pl.prefix_list_name)] = pl.prefix_list_id
            self.names[("prefix list", pl.prefix_list_id)] = pl.prefix_list_id
        for region, spec in regions.items():
            self.read_region(str(region), self.mapping(spec, f"regions.{region}"))
        self.add_gateway_endpoint_routes()
        self.resolve_endpoint_services()
        self.read_private_hosted_zones(self.mapping(doc.get("private_hosted_zones"), "topology", "private_hosted_zones"))
        for name, spec in self.mapping(doc.get("peering_connections"), "topology", "peering_connections").items():
            self.read_peering(str(name), self.mapping(spec, f"peering_connections.{name}"))
        peerings = self.mapping(doc.get("transit_gateway_peerings"), "topology", "transit_gateway_peerings")
        for name, spec in peerings.items():
            self.read_tgw_peering(str(name), self.mapping(spec, f"transit_gateway_peerings.{name}"))
        self.resolve_routes()
        self.resolve_transit_gateway_tables()
        self.check_traces(doc.get("traces"))
        if "latency" in doc:  # optional overrides of the latency model (inputs/latency_yaml.py)
            self.topology.latency = read_latency(self, doc["latency"])
        return self.topology

    def check_traces(self, traces: Any) -> None:
        """The `traces:` section that `vpcemu demo` runs: checked here, so a typo fails before any trace runs."""
        for i, item in enumerate(self.sequence(traces, "topology", "traces")):
            where = f"traces[{i}]"
            if not isinstance(item, dict):
                raise self.error(where, None, f"expected a mapping, got {type(item).__name__}")
            self.check_keys(item, TRACE_KEYS, where)
            for key in ("from", "to"):
                if item.get(key) is None:
                    raise self.error(where, key, "required")
            proto = self.text(item.get("proto", "tcp"), where, "proto").lower()
            if proto not in ("tcp", "udp", "icmp") and not (DECIMAL.fullmatch(proto) and 0 <= int(proto) <= 255):
                raise self.error(where, "proto", f"tcp, udp, icmp or a protocol number 0-255; got {shown(item['proto'])}")
            for key in ("sport", "dport"):
                if key in item and not 0 <= self.integer(item[key], where, key) <= 65535:
                    raise self.error(where, key, f"port out of range: {item[key]}")
            expect = self.mapping(item.get("expect"), where, "expect")
            self.check_keys(expect, TRACE_EXPECT_KEYS, f"{where}.expect")
            if "verdict" in expect and expect["verdict"] not in ("delivered", "exited", "dropped"):
                raise self.error(f"{where}.expect", "verdict", f"delivered, exited or dropped; got {shown(expect['verdict'])}")
            for key, value in (("return", item.get("return")), ("reachable", expect.get("reachable"))):
                if value is not None and not isinstance(value, bool):
                    raise self.error(where if key == "return" else f"{where}.expect", key, f"true or false; got {shown(value)}")
            for key in ("via", "not_via"):
                for ref in self.sequence(expect.get(key), f"{where}.expect", key):
                    self.text(ref, f"{where}.expect", key)
            for spec, keys, place in ((item, ("title", "from", "to", "src"), where),
                                      (expect, ("delivered_to", "code"), f"{where}.expect")):
                for key in keys:
                    if spec.get(key) is not None:
                        self.text(spec[key], place, key)

    def read_region(self, region: str, spec: dict) -> None:
        where = f"regions.{region}"
        self.check_keys(spec, {"vpcs", "prefix_lists", "transit_gateways", "endpoint_services"}, where)
        for name, pl in self.mapping(spec.get("prefix_lists"), where, "prefix_lists").items():
            self.read_prefix_list(region, str(name), self.mapping(pl, f"{where}.prefix_lists.{name}"))
        vpcs = self.mapping(spec.get("vpcs"), where, "vpcs")
        for name, vpc in vpcs.items():
            self.read_vpc(region, str(name), self.mapping(vpc, f"{where}.vpcs.{name}"))
        for name, tgw in self.mapping(spec.get("transit_gateways"), where, "transit_gateways").items():
            self.read_transit_gateway(region, str(name), self.mapping(tgw, f"transit_gateways.{name}"))
        for name, svc in self.mapping(spec.get("endpoint_services"), where, "endpoint_services").items():
            self.read_endpoint_service(region, str(name), self.mapping(svc, f"{where}.endpoint_services.{name}"))

    def read_prefix_list(self, region: str, name: str, spec: dict) -> None:
        where = f"regions.{region}.prefix_lists.{name}"
        self.check_keys(spec, {"id", "entries", "max_entries", "account", "aws_managed"}, where)
        if spec.get("aws_managed"):
            self.read_aws_prefix_list(region, name, spec, where)
            return
        if name.startswith("com.amazonaws"):
            raise self.error(where, None, "customer-managed prefix list names may not start with com.amazonaws (R23)")
        entries = [self.cidr(e, where, "entries") for e in self.sequence(spec.get("entries"), where, "entries")]
        max_entries = self.integer(spec.get("max_entries", max(len(entries), 1)), where, "max_entries")
        if len(entries) > max_entries:
            raise self.error(where, "entries", f"{len(entries)} entries exceed max_entries {max_entries}")
        pl_id = str(spec.get("id") or self.new_id("pl", region, name)[:11])  # pl- and 8 hex digits
        self.register("prefix list", name, pl_id, where)
        self.topology.add(m.PrefixList(pl_id, name, entries, region, self.account_id(spec.get("account", self.account), where),
                                       max_entries, name=name))

    def read_aws_prefix_list(self, region: str, name: str, spec: dict, where: str) -> None:
        """An AWS-managed list's entries as the data says, in place of the shipped snapshot's (R30)."""
        if not name.startswith("com.amazonaws."):
            raise self.error(where, "aws_managed", "AWS-managed prefix list names start with com.amazonaws. (R23)")
        shipped = next((pl for pl in self.topology.all(m.PrefixList) if pl.prefix_list_name == name), None)
        pl_id = str(spec.get("id") or (shipped.prefix_list_id if shipped else ""))
        if not pl_id:
            raise self.error(where, "id", f"required: vpcemu's snapshot has no list named {name}")
        if shipped is not None:
            self.topology.resources.pop(shipped.prefix_list_id)
            self.names.pop(("prefix list", shipped.prefix_list_id), None)
        entries = [self.cidr(e, where, "entries") for e in self.sequence(spec.get("entries"), where, "entries")]
        self.names[("prefix list", name)] = self.names[("prefix list", pl_id)] = pl_id
        self.topology.add(m.PrefixList(pl_id, name, entries, region, "AWS", name=name))

    # --- VPC and what it holds --------------------------------------------------------------

    def read_vpc(self, region: str, name: str, spec: dict) -> None:
        where = f"vpcs.{name}"
        self.check_keys(spec, {"id", "account", "cidr_blocks", "cidr_block", "enable_dns_support",
                               "enable_dns_hostnames", "internet_gateway", "subnets", "route_tables",
                               "security_groups", "network_acls", "instances", "network_interfaces",
                               "nat_gateways", "endpoints", "load_balancers", "target_groups"}, where)
        account = self.account_id(spec.get("account", self.account), where)
        blocks = spec.get("cidr_blocks") or ([spec["cidr_block"]] if "cidr_block" in spec else None)
        if not blocks:
            raise self.error(where, "cidr_blocks", "a VPC needs at least one IPv4 CIDR")
        cidrs = [self.cidr(c, where, "cidr_blocks") for c in self.sequence(blocks, where, "cidr_blocks")]
        for raw, c in zip(self.sequence(blocks, where, "cidr_blocks"), cidrs):
            if not 16 <= int(c.split("/")[1]) <= 28:
                raise self.error(where, "cidr_blocks", f"{c}: a VPC CIDR must be between /16 and /28")
            if str(raw).split("/")[0].strip() != c.split("/")[0]:  # AWS's CreateVpc refuses a block with host bits set
                self.topology.warnings.append(f"{self.source}: {where}: cidr_blocks: {shown(raw)} has host bits set; "
                                              f"read as {c}, the network that AWS would require")
        vpc_id = str(spec.get("id") or self.new_id("vpc", region, name))
        self.register("vpc", name, vpc_id, where)
        vpc = m.Vpc(vpc_id, cidrs, region, account, name=name,
                    enable_dns_support=self.flag(spec, "enable_dns_support", True, where),
                    enable_dns_hostnames=self.flag(spec, "enable_dns_hostnames", False, where))
        self.topology.add(vpc)
        ctx = VpcContext(self, vpc, name, where)
        ctx.read(spec)

    # --- transit gateways (R89–R103) -----------------------------------------------------------

    def read_transit_gateway(self, region: str, name: str, spec: dict) -> None:
        where = f"transit_gateways.{name}"
        self.check_keys(spec, {"id", "account", "default_route_table_association", "default_route_table_propagation",
                               "security_group_referencing_support", "attachments", "route_tables"}, where)
        tgw_id = str(spec.get("id") or self.new_id("tgw", region, name))
        self.register("transit gateway", name, tgw_id, where)
        tgw = m.TransitGateway(tgw_id, region, self.account_id(spec.get("account", self.account), where),
                               self.flag(spec, "default_route_table_association", True, where),
                               self.flag(spec, "default_route_table_propagation", True, where),
                               security_group_referencing_support=self.flag(spec, "security_group_referencing_support", False, where),
                               name=name)
        self.topology.add(tgw)
        for att_name, att in self.mapping(spec.get("attachments"), where, "attachments").items():
            self.read_tgw_vpc_attachment(tgw, str(att_name), self.mapping(att, f"{where}.attachments.{att_name}"))
        tables = self.mapping(spec.get("route_tables"), where, "route_tables")
        for table_name, table_spec in tables.items():
            twhere = f"{where}.route_tables.{table_name}"
            table_spec = self.mapping(table_spec, twhere)
            self.check_keys(table_spec, {"id", "default", "associations", "propagations", "routes"}, twhere)
            table_id = str(table_spec.get("id") or self.new_id("tgw-rtb", region, name, str(table_name)))
            self.register("transit gateway route table", f"{name}/{table_name}", table_id, twhere)
            is_default = self.flag(table_spec, "default", False, twhere)
            table = m.TransitGatewayRouteTable(table_id, tgw_id, region, tgw.owner_id, name=str(table_name),
                                               default_association_route_table=is_default,
                                               default_propagation_route_table=is_default)
            self.topology.add(table)
            self.pending_tgw_tables.append((table, table_spec, twhere, name))
        if (tgw.default_route_table_association or tgw.default_route_table_propagation) and not any(
                t.default_association_route_table for t, *_ in self.pending_tgw_tables if t.transit_gateway_id == tgw_id):
            # R93: a default route table exists while either default is enabled.
            table = m.TransitGatewayRouteTable(self.new_id("tgw-rtb", region, name, "default"), tgw_id, region,
                                               tgw.owner_id, name="default", default_association_route_table=True,
                                               default_propagation_route_table=True)
            self.topology.add(table)
            self.pending_tgw_tables.append((table, {}, f"{where}.route_tables.default", name))
        default = next((t for t, *_ in self.pending_tgw_tables
                        if t.transit_gateway_id == tgw_id and t.default_association_route_table), None)
        if default is not None:
            tgw.association_default_route_table_id = default.transit_gateway_route_table_id
            tgw.propagation_default_route_table_id = default.transit_gateway_route_table_id

    def read_tgw_vpc_attachment(self, tgw: m.TransitGateway, name: str, spec: dict) -> None:
        where = f"transit_gateways.{tgw.name}.attachments.{name}"
        self.check_keys(spec, {"id", "vpc", "subnets", "appliance_mode", "security_group_referencing_support"}, where)
        vpc_id = self.ref("vpc", spec.get("vpc"), where, "vpc")
        vpc_name = self.topology.get(vpc_id, m.Vpc).name
        subnet_ids = [self.ref("subnet", s, where, "subnets", scope=vpc_name)
                      for s in self.sequence(spec.get("subnets"), where, "subnets")]
        if not subnet_ids:
            raise self.error(where, "subnets", "a VPC attachment needs one subnet in each AZ it serves (R98)")
        attachment_id = str(spec.get("id") or self.new_id("tgw-attach", tgw.region, tgw.name, name))
        self.register("transit gateway attachment", name, attachment_id, where)
        self.topology.add(m.TransitGatewayVpcAttachment(
            attachment_id, tgw.transit_gateway_id, vpc_id, subnet_ids, tgw.region,
            self.topology.get(vpc_id, m.Vpc).owner_id, self.flag(spec, "appliance_mode", False, where),
            self.flag(spec, "security_group_referencing_support", True, where), name=name))

    def read_tgw_peering(self, name: str, spec: dict) -> None:
        where = f"transit_gateway_peerings.{name}"
        self.check_keys(spec, {"id", "requester", "accepter", "state"}, where)
        requester = self.ref("transit gateway", spec.get("requester"), where, "requester")
        accepter = self.ref("transit gateway", spec.get("accepter"), where, "accepter")
        if requester == accepter:
            raise self.error(where, "accepter", "a transit gateway cannot peer with itself")
        tgw = self.topology.get(requester, m.TransitGateway)
        attachment_id = str(spec.get("id") or self.new_id("tgw-attach", name))
        self.register("transit gateway attachment", name, attachment_id, where)
        self.topology.add(m.TransitGatewayPeeringAttachment(attachment_id, requester, accepter, tgw.region,
                                                            tgw.owner_id,
                                                            self.choice(spec, "state", TGW_ATTACHMENT_STATES, "available", where),
                                                            name=name))

    def resolve_transit_gateway_tables(self) -> None:
        """Associations, propagations and routes name attachments; defaults apply to the rest (R91–R94)."""
        associated: dict[tuple[str, str], str] = {}
        for table, spec, where, tgw_name in self.pending_tgw_tables:
            for field in ("associations", "propagations"):
                for att in self.sequence(spec.get(field), where, field):
                    attachment_id = self.ref("transit gateway attachment", att, where, field)
                    getattr(table, field).append(attachment_id)
                    if field == "associations":
                        key = (table.transit_gateway_id, attachment_id)
                        if key in associated:
                            raise self.error(where, field, f"{att} is already associated with route table "
                                                           f"{associated[key]}: one association per attachment (R91)")
                        associated[key] = table.name
            for i, route in enumerate(self.sequence(spec.get("routes"), where, "routes")):
                rwhere = f"{where}.routes[{i}]"
                route = self.mapping(route, rwhere)
                self.check_keys(route, {"destination", "attachment", "blackhole"}, rwhere)
                destination = str(route.get("destination", ""))
                if not destination:
                    raise self.error(rwhere, "destination", "required")
                out = m.TransitGatewayRoute()
                if "/" in destination and destination[0].isdigit():
                    out.destination_cidr_block = self.cidr(destination, rwhere, "destination")
                else:
                    out.prefix_list_id = self.ref("prefix list", destination, rwhere, "destination")
                if route.get("blackhole"):
                    out.state = "blackhole"
                elif route.get("attachment") is None:
                    raise self.error(rwhere, "attachment", "required unless blackhole: true (R94)")
                else:
                    out.transit_gateway_attachment_id = self.ref("transit gateway attachment", route["attachment"],
                                                                 rwhere, "attachment")
                table.routes.append(out)
        for tgw in self.topology.all(m.TransitGateway):
            for attachment in self.topology.all(m.TransitGatewayVpcAttachment):
                if attachment.transit_gateway_id != tgw.transit_gateway_id:
                    continue
                if tgw.default_route_table_association and tgw.association_default_route_table_id and (
                        tgw.transit_gateway_id, attachment.transit_gateway_attachment_id) not in associated:
                    table = self.topology.get(tgw.association_default_route_table_id)
                    table.associations.append(attachment.transit_gateway_attachment_id)
                propagating = any(attachment.transit_gateway_attachment_id in t.propagations
                                  for t in self.topology.all(m.TransitGatewayRouteTable)
                                  if t.transit_gateway_id == tgw.transit_gateway_id)
                if tgw.default_route_table_propagation and tgw.propagation_default_route_table_id and not propagating:
                    table = self.topology.get(tgw.propagation_default_route_table_id)
                    table.propagations.append(attachment.transit_gateway_attachment_id)

    def read_peering(self, name: str, spec: dict) -> None:
        where = f"peering_connections.{name}"
        self.check_keys(spec, {"id", "requester", "accepter", "status"}, where)
        requester = self.ref("vpc", spec.get("requester"), where, "requester")
        accepter = self.ref("vpc", spec.get("accepter"), where, "accepter")
        if requester == accepter:
            raise self.error(where, "accepter", "a VPC cannot peer with itself")
        pcx_id = str(spec.get("id") or self.new_id("pcx", name))
        self.register("peering connection", name, pcx_id, where)
        vpc = self.topology.get(requester, m.Vpc)
        self.topology.add(m.VpcPeeringConnection(pcx_id, requester, accepter, vpc.region, vpc.owner_id,
                                                 status=self.choice(spec, "status", PEERING_STATUSES, "active", where),
                                                 name=name))

    def add_gateway_endpoint_routes(self) -> None:
        """The `pl- -> vpce-` route AWS puts into each route table chosen for a gateway endpoint (R32)."""
        for endpoint_id, service, tables, where in self.gateway_endpoints:
            pl_id = self.names.get(("prefix list", service))
            if pl_id is None:
                raise self.error(where, "service", f"no AWS-managed prefix list {service} is known")
            for table_id in tables:
                table = self.topology.get(table_id, m.RouteTable)
                if any(r.destination_prefix_list_id == pl_id for r in table.routes):
                    raise self.error(where, "route_tables",
                                     f"{table.name or table_id} already routes {service} to an endpoint (R34)")
                table.routes.append(m.Route(destination_prefix_list_id=pl_id, gateway_id=endpoint_id))

    def resolve_routes(self) -> None:
        """Routes name their targets; turn names into the AWS target fields, and add `local` routes (R5)."""
        for vpc_name, table, gateway, where in self.pending_edges:
            table.gateway_ids.append(self.ref("internet gateway", gateway, where, "edge_associations", scope=vpc_name))
        for vpc_name, table, spec, where in self.pending_routes:
            self.check_keys(spec, {"destination", "target", "state", "propagated"}, where)
            destination = spec.get("destination")
            if destination is None:
                raise self.error(where, "destination", "required")
            route = m.Route(state=str(spec.get("state", "active")))
            if self.flag(spec, "propagated", False, where):
                route.origin = m.routing.ORIGIN_PROPAGATED  # R10: a static route to the same prefix wins
            if route.state not in ("active", "blackhole"):
                raise self.error(where, "state", "must be active or blackhole")
            text = str(destination)
            if "/" in text and text[0].isdigit():
                route.destination_cidr_block = self.cidr(text, where, "destination")
            else:
                route.destination_prefix_list_id = self.ref("prefix list", text, where, "destination")
            target = spec.get("target")
            if target is None:
                raise self.error(where, "target", "required")
            self.set_target(route, str(target), where, vpc_name)
            table.routes.append(route)
        for table in self.topology.all(m.RouteTable):
            vpc = self.topology.get(table.vpc_id, m.Vpc)
            present = {r.destination_cidr_block for r in table.routes}
            for cidr in reversed(vpc.cidr_blocks):
                if cidr not in present:
                    table.routes.insert(0, m.Route(destination_cidr_block=cidr, gateway_id="local",
                                                   origin=m.routing.ORIGIN_LOCAL))

    def set_target(self, route: m.Route, target: str, where: str, vpc_name: str) -> None:
        if target == "local":
            route.gateway_id = "local"
            return
        if target == "blackhole":
            raise self.error(where, "target", "name the target and set state: blackhole (R17)")
        keys = [(kind, name) for kind in TARGET_KINDS for name in (f"{vpc_name}/{target}", target)]
        target_id = next((self.names[k] for k in keys if k in self.names), None)
        if target_id is None:
            if target.split("-", 1)[0] not in ("igw", "nat", "vpce", "i", "eni", "pcx", "tgw", "vgw"):
                raise self.error(where, "target", f"unknown route target {shown(target)}")
            target_id = target  # a literal id of something outside this file (checked by validate)
        prefix = target_id.split("-", 1)[0]
        if prefix in ("igw", "vgw"):
            route.gateway_id = target_id
        elif prefix == "nat":
            route.nat_gateway_id = target_id
        elif prefix == "vpce":
            endpoint = self.topology.get(target_id)
            if isinstance(endpoint, (m.GatewayEndpoint, m.InterfaceEndpoint)):
                raise self.error(where, "target", f"{target}: gateway endpoint routes are added by AWS (R32) and "
                                                  f"interface endpoints are never route targets (R48)")
            route.vpc_endpoint_id = target_id
        elif prefix == "i":
            route.instance_id = target_id
        elif prefix == "eni":
            route.network_interface_id = target_id
        elif prefix == "pcx":
            route.vpc_peering_connection_id = target_id
        elif prefix == "tgw":
            route.transit_gateway_id = target_id
        else:
            raise self.error(where, "target", f"{target} has id {shown(target_id)}, which is not the id of a route target "
                                              f"(igw-, vgw-, nat-, vpce-, i-, eni-, pcx- or tgw-)")


class VpcContext(VpcReading):
    """Reads one VPC's resources; names are scoped `vpcname/resource` and also registered globally."""

    def __init__(self, reader: YamlReader, vpc: m.Vpc, name: str, where: str):
        self.r = reader
        self.vpc = vpc
        self.name = name
        self.where = where
        self.used: dict[str, set[str]] = {}
        self.main_table: m.RouteTable | None = None  # R4: exactly one per VPC

    def new_id(self, prefix: str, *parts: str) -> str:
        return self.r.new_id(prefix, self.vpc.region, self.name, *parts)

    def register(self, kind: str, name: str, resource_id: str, where: str) -> None:
        self.r.register(kind, f"{self.name}/{name}", resource_id, where)
        if (kind, name) not in self.r.names:
            self.r.names[(kind, name)] = resource_id
        self.r.names.setdefault((kind, resource_id), resource_id)

    def ref(self, kind: str, name: Any, where: str, field: str) -> str:
        return self.r.ref(kind, name, where, field, scope=self.name)

    def common(self):
        return dict(region=self.vpc.region, owner_id=self.vpc.owner_id)

    def read(self, spec: dict) -> None:
        r, where = self.r, self.where
        igw = spec.get("internet_gateway")
        if igw:
            igw_spec = igw if isinstance(igw, dict) else {"name": igw}
            r.check_keys(igw_spec, {"name", "id"}, f"{where}.internet_gateway")
            igw_name = str(igw_spec.get("name", f"{self.name}-igw"))
            igw_id = str(igw_spec.get("id") or self.new_id("igw", igw_name))
            self.register("internet gateway", igw_name, igw_id, f"{where}.internet_gateway")
            r.topology.add(m.InternetGateway(igw_id, self.vpc.vpc_id, name=igw_name, **self.common()))
        for name, sg in r.mapping(spec.get("security_groups"), where, "security_groups").items():
            self.declare_security_group(str(name), r.mapping(sg, f"{where}.security_groups.{name}"))
        if ("security group", f"{self.name}/default") not in r.names:
            self.declare_security_group("default", None)
        for name, acl in r.mapping(spec.get("network_acls"), where, "network_acls").items():
            self.read_network_acl(str(name), r.mapping(acl, f"{where}.network_acls.{name}"))
        declared = (r.topology.get(r.names[("network ACL", f"{self.name}/{name}")])  # this VPC's only, not all
                    for name in r.mapping(spec.get("network_acls"), where, "network_acls"))
        if not any(a.vpc_id == self.vpc.vpc_id and a.is_default for a in declared):
            self.add_default_nacl()
        for name, table in r.mapping(spec.get("route_tables"), where, "route_tables").items():
            self.read_route_table(str(name), r.mapping(table, f"{where}.route_tables.{name}"))
        if self.main_table is None:
            self.read_route_table("main", {"main": True})
        for name, subnet in r.mapping(spec.get("subnets"), where, "subnets").items():
            self.read_subnet(str(name), r.mapping(subnet, f"{where}.subnets.{name}"))
        for name, nat in r.mapping(spec.get("nat_gateways"), where, "nat_gateways").items():
            self.read_nat_gateway(str(name), r.mapping(nat, f"{where}.nat_gateways.{name}"))
        for name, inst in r.mapping(spec.get("instances"), where, "instances").items():
            self.read_instance(str(name), r.mapping(inst, f"{where}.instances.{name}"))
        for name, eni in r.mapping(spec.get("network_interfaces"), where, "network_interfaces").items():
            self.read_network_interface(str(name), r.mapping(eni, f"{where}.network_interfaces.{name}"), None)
        for name, group in r.mapping(spec.get("target_groups"), where, "target_groups").items():
            self.read_target_group(str(name), r.mapping(group, f"{where}.target_groups.{name}"))
        for name, lb in r.mapping(spec.get("load_balancers"), where, "load_balancers").items():
            self.read_load_balancer(str(name), r.mapping(lb, f"{where}.load_balancers.{name}"))
        for name, ep in r.mapping(spec.get("endpoints"), where, "endpoints").items():
            self.read_endpoint(str(name), r.mapping(ep, f"{where}.endpoints.{name}"))
        for name, sg in r.mapping(spec.get("security_groups"), where, "security_groups").items():
            self.read_security_group_rules(str(name), r.mapping(sg, f"{where}.security_groups.{name}"))
        if "default" not in (spec.get("security_groups") or {}):
            # R107: the default group admits its own members and allows all outbound.
            default_id = self.ref("security group", "default", where, "security_groups")
            group = r.topology.get(default_id, m.SecurityGroup)
            group.ingress.append(m.SecurityGroupRule(-1, referenced_group_id=default_id))
            group.egress.append(m.SecurityGroupRule(-1, cidr_ipv4="0.0.0.0/0"))

    # subnets --------------------------------------------------------------------------------

    def read_subnet(self, name: str, spec: dict) -> None:
        r = self.r
        where = f"{self.where}.subnets.{name}"
        r.check_keys(spec, {"id", "cidr_block", "cidr", "availability_zone", "az", "route_table", "network_acl"}, where)
        raw = spec.get("cidr_block", spec.get("cidr"))
        if raw is None:
            raise r.error(where, "cidr_block", "required")
        cidr = r.cidr(raw, where, "cidr_block")
        az = str(spec.get("availability_zone", spec.get("az", f"{self.vpc.region}a")))
        if not az.startswith(self.vpc.region):
            raise r.error(where, "availability_zone", f"{az} is not in region {self.vpc.region}")
        subnet_id = str(spec.get("id") or self.new_id("subnet", name))
        self.register("subnet", name, subnet_id, where)
        subnet = m.Subnet(subnet_id, self.vpc.vpc_id, cidr, az, name=name, **self.common())
        r.topology.add(subnet)
        if spec.get("route_table"):
            table_id = self.ref("route table", spec["route_table"], where, "route_table")
            r.topology.get(table_id).subnet_ids.append(subnet_id)
        if spec.get("network_acl"):
            acl_id = self.ref("network ACL", spec["network_acl"], where, "network_acl")
            r.topology.get(acl_id).subnet_ids.append(subnet_id)
        self.used[subnet_id] = set()

    def subnet(self, name: Any, where: str, field: str = "subnet") -> m.Subnet:
        if name is None:
            raise self.r.error(where, field, "required")
        return self.r.topology.get(self.ref("subnet", name, where, field))

    def allocate(self, subnet: m.Subnet, wanted: Any, where: str, field: str) -> str:
        """The address asked for, or the first free one past the five reserved (R132)."""
        network = ipaddress.IPv4Network(subnet.cidr_block)
        used = self.used.setdefault(subnet.subnet_id, set())
        if wanted is not None:
            address = self.r.address(wanted, where, field)
            if ipaddress.IPv4Address(address) not in network:
                raise self.r.error(where, field, f"{address} is outside subnet {subnet.name or subnet.subnet_id} ({subnet.cidr_block})")
            offset = int(ipaddress.IPv4Address(address)) - int(network.network_address)
            if offset < 4 or ipaddress.IPv4Address(address) == network.broadcast_address:
                raise self.r.error(where, field, f"{address} is reserved by AWS in {subnet.cidr_block} (R132)")
            if address in used:
                raise self.r.error(where, field, f"{address} is already in use in {subnet.cidr_block}")
            used.add(address)
            return address
        for host in range(int(network.network_address) + 4, int(network.broadcast_address)):
            address = str(ipaddress.IPv4Address(host))
            if address not in used:
                used.add(address)
                return address
        raise self.r.error(where, field, f"subnet {subnet.cidr_block} has no free address")

    # security groups and NACLs -----------------------------------------------------------------

    def declare_security_group(self, name: str, spec: dict | None) -> None:
        where = f"{self.where}.security_groups.{name}"
        if spec:
            self.r.check_keys(spec, {"id", "description", "ingress", "egress"}, where)
        group_id = str((spec or {}).get("id") or self.new_id("sg", name))
        self.register("security group", name, group_id, where)
        self.r.topology.add(m.SecurityGroup(group_id, name, self.vpc.vpc_id, name=name, **self.common()))

    def read_security_group_rules(self, name: str, spec: dict) -> None:
        r = self.r
        where = f"{self.where}.security_groups.{name}"
        group = r.topology.get(self.ref("security group", name, where, "name"))
        for i, rule in enumerate(r.sequence(spec.get("ingress"), where, "ingress")):
            group.ingress.append(self.sg_rule(rule, f"{where}.ingress[{i}]", "from"))
        if "egress" in spec:
            for i, rule in enumerate(r.sequence(spec.get("egress"), where, "egress")):
                group.egress.append(self.sg_rule(rule, f"{where}.egress[{i}]", "to"))
        else:
            group.egress.append(m.SecurityGroupRule(-1, cidr_ipv4="0.0.0.0/0"))  # R107

    def sg_rule(self, rule: Any, where: str, peer_key: str) -> m.SecurityGroupRule:
        r = self.r
        rule = r.mapping(rule, where)
        r.check_keys(rule, {"protocol", "ports", "icmp_type", "icmp_code", peer_key, "description"}, where)
        proto, lo, hi = self.protocol_ports(rule, where)
        if peer_key not in rule:
            raise r.error(where, peer_key, "required: a CIDR, a prefix list or a security group")
        peer = str(rule[peer_key])
        out = m.SecurityGroupRule(proto, lo, hi, description=str(rule.get("description", "")))
        if "/" in peer and peer[0].isdigit():
            out.cidr_ipv4 = r.cidr(peer, where, peer_key)
        elif peer.startswith("pl-") or ("prefix list", peer) in r.names:
            out.prefix_list_id = r.ref("prefix list", peer, where, peer_key)
        elif peer.startswith("sg-") and ("security group", peer) not in r.names:
            out.referenced_group_id = peer  # another VPC's or account's group (R83), checked by validate
        else:
            out.referenced_group_id = self.ref("security group", peer, where, peer_key)
        return out

    def protocol_ports(self, rule: dict, where: str) -> tuple[int, int | None, int | None]:
        r = self.r
        raw = r.text(rule.get("protocol", "all"), where, "protocol").lower()
        if raw in PROTOCOL_NUMBERS:
            proto = PROTOCOL_NUMBERS[raw]
        elif DECIMAL.fullmatch(raw) and 0 <= int(raw) <= 255:
            proto = int(raw)
        else:
            raise r.error(where, "protocol", f"unknown protocol {shown(rule.get('protocol'))}")
        lo = hi = None
        if proto in (6, 17):
            lo, hi = self.port_range(rule.get("ports"), where)
        elif rule.get("ports") is not None:
            raise r.error(where, "ports", "ports apply to tcp and udp only")
        if proto == 1:
            lo = r.integer(rule.get("icmp_type", -1), where, "icmp_type")
            hi = r.integer(rule.get("icmp_code", -1), where, "icmp_code")
            for field, value in (("icmp_type", lo), ("icmp_code", hi)):
                if not -1 <= value <= 255:
                    raise r.error(where, field, f"must be -1 (all) or 0-255, got {value}")
        else:
            for field in ("icmp_type", "icmp_code"):
                if rule.get(field) is not None:
                    raise r.error(where, field, "applies to icmp rules only")
        return proto, lo, hi

    def port_range(self, ports: Any, where: str) -> tuple[int, int]:
        """A port, `LO-HI`, `[LO, HI]` or all; each end a whole number (R108)."""
        if ports is None or ports == "all":
            return 0, 65535
        r = self.r
        if isinstance(ports, list) and len(ports) == 2:
            lo, hi = (r.integer(p, where, "ports") for p in ports)
        elif isinstance(ports, (int, str)) and not isinstance(ports, bool):
            lo_text, _, hi_text = str(ports).partition("-")
            if not (DECIMAL.fullmatch(lo_text.strip()) and DECIMAL.fullmatch((hi_text or lo_text).strip())):
                raise r.error(where, "ports", f"invalid port range {shown(ports)}")
            lo, hi = int(lo_text), int(hi_text or lo_text)
        else:
            raise r.error(where, "ports", f"invalid port range {shown(ports)}")
        if not 0 <= lo <= hi <= 65535:
            raise r.error(where, "ports", f"invalid port range {shown(ports)}")
        return lo, hi

    def read_network_acl(self, name: str, spec: dict) -> None:
        r = self.r
        where = f"{self.where}.network_acls.{name}"
        r.check_keys(spec, {"id", "default", "inbound", "outbound"}, where)
        acl_id = str(spec.get("id") or self.new_id("acl", name))
        self.register("network ACL", name, acl_id, where)
        acl = m.NetworkAcl(acl_id, self.vpc.vpc_id, is_default=r.flag(spec, "default", False, where), name=name,
                           **self.common())
        for direction, egress in (("inbound", False), ("outbound", True)):
            numbers = set()
            for i, entry in enumerate(r.sequence(spec.get(direction), where, direction)):
                ewhere = f"{where}.{direction}[{i}]"
                entry = r.mapping(entry, ewhere)
                r.check_keys(entry, {"rule", "protocol", "ports", "icmp_type", "icmp_code", "cidr", "action"}, ewhere)
                number = entry.get("rule")
                if not isinstance(number, int) or not 1 <= number <= 32766:
                    raise r.error(ewhere, "rule", f"rule numbers run from 1 to 32766 (R113), got {shown(number)}")
                if number in numbers:
                    raise r.error(ewhere, "rule", f"rule {number} appears twice")
                numbers.add(number)
                action = str(entry.get("action", "")).lower()
                if action not in ("allow", "deny"):
                    raise r.error(ewhere, "action", "must be allow or deny")
                proto, lo, hi = self.protocol_ports(entry, ewhere)
                cidr = r.cidr(entry.get("cidr", "0.0.0.0/0"), ewhere, "cidr")
                e = m.NetworkAclEntry(number, proto, action, egress, cidr)
                if proto == 1:
                    e.icmp_type, e.icmp_code = lo, hi
                elif proto in (6, 17):
                    e.port_from, e.port_to = lo, hi
                acl.entries.append(e)
        r.topology.add(acl)

    def add_default_nacl(self) -> None:
        """R112: the default NACL allows everything in and out."""
        acl_id = self.new_id("acl", "default")
        acl = m.NetworkAcl(acl_id, self.vpc.vpc_id, is_default=True, name=f"{self.name}-default", **self.common())
        acl.entries = [m.NetworkAclEntry(100, -1, "allow", False, "0.0.0.0/0"),
                       m.NetworkAclEntry(100, -1, "allow", True, "0.0.0.0/0")]
        self.r.topology.add(acl)

    # route tables ---------------------------------------------------------------------------

    def read_route_table(self, name: str, spec: dict) -> None:
        r = self.r
        where = f"{self.where}.route_tables.{name}"
        r.check_keys(spec, {"id", "main", "routes", "edge_associations"}, where)
        table_id = str(spec.get("id") or self.new_id("rtb", name))
        self.register("route table", name, table_id, where)
        table = m.RouteTable(table_id, self.vpc.vpc_id, main=r.flag(spec, "main", False, where), name=name,
                             **self.common())
        if table.main and self.main_table is not None:
            raise r.error(where, "main", "a VPC has exactly one main route table (R4)")
        r.topology.add(table)
        if table.main:
            self.main_table = table
        for i, route in enumerate(r.sequence(spec.get("routes"), where, "routes")):
            r.pending_routes.append((self.name, table, r.mapping(route, f"{where}.routes[{i}]"), f"{where}.routes[{i}]"))
        for i, gateway in enumerate(r.sequence(spec.get("edge_associations"), where, "edge_associations")):
            r.pending_edges.append((self.name, table, gateway, f"{where}.edge_associations[{i}]"))

    # instances, ENIs, NAT gateways ----------------------------------------------------------

    def read_instance(self, name: str, spec: dict) -> None:
        r = self.r
        where = f"{self.where}.instances.{name}"
        r.check_keys(spec, {"id", "subnet", "private_ip", "secondary_private_ips", "public_ip", "elastic_ip",
                            "security_groups", "source_dest_check", "state", "network_interfaces",
                            "network_interface_id", "metadata_options"}, where)
        instance_id = str(spec.get("id") or self.new_id("i", name))
        r.register("instance", name, instance_id, where)
        extra = r.sequence(spec.get("network_interfaces"), where, "network_interfaces")
        primary = {k: v for k, v in spec.items()
                   if k not in ("id", "state", "network_interfaces", "network_interface_id", "metadata_options")}
        if spec.get("network_interface_id"):
            primary["id"] = spec["network_interface_id"]
        enis = [self.read_network_interface(f"{name}-eth0", primary, instance_id, where)]
        for i, eni_spec in enumerate(extra, 1):
            enis.append(self.read_network_interface(f"{name}-eth{i}", r.mapping(eni_spec, f"{where}.network_interfaces[{i - 1}]"),
                                                    instance_id, f"{where}.network_interfaces[{i - 1}]"))
        state = r.choice(spec, "state", INSTANCE_STATES, "running", where)
        metadata = r.mapping(spec.get("metadata_options"), where, "metadata_options")
        r.check_keys(metadata, {"http_endpoint"}, f"{where}.metadata_options")
        http_endpoint = r.choice(metadata, "http_endpoint", ("enabled", "disabled"), "enabled",
                                 f"{where}.metadata_options")
        r.topology.add(m.Instance(instance_id, [e.network_interface_id for e in enis], state=state, name=name,
                                  metadata_http_endpoint=http_endpoint, **self.common()))

    def read_network_interface(self, name: str, spec: dict, instance_id: str | None, where: str | None = None) -> m.NetworkInterface:
        r = self.r
        where = where or f"{self.where}.network_interfaces.{name}"
        r.check_keys(spec, {"id", "subnet", "private_ip", "secondary_private_ips", "public_ip", "elastic_ip",
                            "security_groups", "source_dest_check", "description"}, where)
        subnet = self.subnet(spec.get("subnet"), where)
        addresses = [self.allocate(subnet, spec.get("private_ip"), where, "private_ip")]
        for extra in r.sequence(spec.get("secondary_private_ips"), where, "secondary_private_ips"):
            addresses.append(self.allocate(subnet, extra, where, "secondary_private_ips"))
        groups = [self.ref("security group", g, where, "security_groups")
                  for g in r.sequence(spec.get("security_groups", ["default"]), where, "security_groups")]
        eni_id = str(spec.get("id") or self.new_id("eni", name))
        self.register("network interface", name, eni_id, where)
        public = spec.get("public_ip") or spec.get("elastic_ip")
        eni = m.NetworkInterface(eni_id, subnet.subnet_id, self.vpc.vpc_id, addresses, groups=groups,
                                 association_public_ip=r.address(public, where, "public_ip") if public else None,
                                 source_dest_check=r.flag(spec, "source_dest_check", True, where),
                                 attachment_instance_id=instance_id, description=str(spec.get("description", "")),
                                 name=name, **self.common())
        r.topology.add(eni)
        if spec.get("elastic_ip"):
            r.topology.add(m.ElasticIp(self.new_id("eipalloc", name), eni.association_public_ip,
                                       network_interface_id=eni_id, private_ip_address=addresses[0], name=name,
                                       **self.common()))
        return eni

    def read_nat_gateway(self, name: str, spec: dict) -> None:
        r = self.r
        where = f"{self.where}.nat_gateways.{name}"
        r.check_keys(spec, {"id", "subnet", "private_ip", "public_ip", "connectivity_type", "state",
                            "network_interface_id"}, where)
        subnet = self.subnet(spec.get("subnet"), where)
        connectivity = str(spec.get("connectivity_type", "public"))
        if connectivity not in ("public", "private"):
            raise r.error(where, "connectivity_type", "must be public or private")
        public = spec.get("public_ip")
        if connectivity == "public" and not public:
            raise r.error(where, "public_ip", "a public NAT gateway needs an Elastic IP (R122)")
        if connectivity == "private" and public:
            raise r.error(where, "public_ip", "a private NAT gateway has no Elastic IP (R123)")
        nat_id = str(spec.get("id") or self.new_id("nat", name))
        self.register("NAT gateway", name, nat_id, where)
        private = self.allocate(subnet, spec.get("private_ip"), where, "private_ip")
        eni_id = str(spec.get("network_interface_id") or self.new_id("eni", f"{name}-nat"))
        public_ip = r.address(public, where, "public_ip") if public else None
        r.topology.add(m.NetworkInterface(eni_id, subnet.subnet_id, self.vpc.vpc_id, [private],
                                          association_public_ip=public_ip, interface_type="nat_gateway",
                                          requester_managed=True, description=f"Interface for NAT Gateway {nat_id}",
                                          **self.common()))
        r.topology.add(m.NatGateway(nat_id, subnet.subnet_id, self.vpc.vpc_id, eni_id, private,
                                    public_ip=public_ip, connectivity_type=connectivity,
                                    state=r.choice(spec, "state", NAT_STATES, "available", where), name=name,
                                    **self.common()))

    # endpoints ------------------------------------------------------------------------------

    def service_name(self, value: Any, where: str) -> str:
        text = str(value or "")
        if not text:
            raise self.r.error(where, "service", "required")
        if text in SHORT_SERVICES:
            return f"com.amazonaws.{self.vpc.region}.{text}"
        return text

    def read_endpoint(self, name: str, spec: dict) -> None:
        r = self.r
        where = f"{self.where}.endpoints.{name}"
        r.check_keys(spec, {"id", "type", "service", "route_tables", "subnets", "subnet", "security_groups",
                            "private_dns", "state", "private_ips", "private_ip", "network_interface_ids", "principal",
                            "network_interface_id", "dns_names"},
                     where)
        kind = str(spec.get("type", "")).lower()
        service = self.service_name(spec.get("service"), where)
        endpoint_id = str(spec.get("id") or self.new_id("vpce", name))
        self.register("endpoint", name, endpoint_id, where)
        state = r.choice(spec, "state", ENDPOINT_STATES, "available", where)
        if kind == "gateway":
            parts = service.split(".")
            if len(parts) != 4 or parts[3] not in SHORT_SERVICES:
                raise r.error(where, "service", f"gateway endpoints exist only for S3 and DynamoDB (R31), not {service}")
            if parts[2] != self.vpc.region:
                raise r.error(where, "service", f"{service} is not in the VPC's region {self.vpc.region} (R36)")
            tables = [self.ref("route table", t, where, "route_tables")
                      for t in r.sequence(spec.get("route_tables"), where, "route_tables")]
            r.topology.add(m.GatewayEndpoint(endpoint_id, self.vpc.vpc_id, service, route_table_ids=tables,
                                             state=state, name=name, **self.common()))
            r.gateway_endpoints.append((endpoint_id, service, tables, where))
        elif kind == "gatewayloadbalancer":
            self.read_gwlb_endpoint(name, spec, endpoint_id, state)
        elif kind == "interface":
            # An AWS service must be in the VPC's region; an endpoint service is resolved once every
            # region has been read (resolve_endpoint_services).
            if aws_service_region(service) not in (None, self.vpc.region):
                raise r.error(where, "service", f"{service}: an interface endpoint reaches AWS services in its own "
                                                f"region {self.vpc.region} (R54)")
            subnets = [self.subnet(s, where, "subnets") for s in r.sequence(spec.get("subnets"), where, "subnets")]
            if not subnets:
                raise r.error(where, "subnets", "an interface endpoint needs at least one subnet (R43)")
            azs = [s.availability_zone for s in subnets]
            if len(set(azs)) != len(azs):
                raise r.error(where, "subnets", "at most one subnet per Availability Zone (R43)")
            groups = [self.ref("security group", g, where, "security_groups")
                      for g in r.sequence(spec.get("security_groups", ["default"]), where, "security_groups")]
            wanted = r.mapping(spec.get("private_ips"), where, "private_ips")
            eni_ids = r.mapping(spec.get("network_interface_ids"), where, "network_interface_ids")
            enis = []
            for s in subnets:
                address = self.allocate(s, wanted.get(s.name), where, "private_ips")
                eni_id = str(eni_ids.get(s.name) or self.new_id("eni", f"{name}-{s.name}"))
                r.topology.add(m.NetworkInterface(eni_id, s.subnet_id, self.vpc.vpc_id, [address], groups=groups,
                                                  interface_type="vpc_endpoint", requester_managed=True,
                                                  description=f"VPC Endpoint Interface {endpoint_id}",
                                                  **self.common()))
                enis.append(eni_id)
            endpoint = m.InterfaceEndpoint(endpoint_id, self.vpc.vpc_id, service,
                                           subnet_ids=[s.subnet_id for s in subnets], network_interface_ids=enis,
                                           groups=groups, private_dns_enabled=r.flag(spec, "private_dns", True, where),
                                           dns_names=[r.text(n, where, "dns_names").lower().rstrip(".") for n in
                                                      r.sequence(spec.get("dns_names"), where, "dns_names")],
                                           state=state, requester=self.principal(spec, where), name=name, **self.common())
            r.topology.add(endpoint)
            if aws_service_region(service) is None:
                r.pending_services.append((endpoint, where, "state" in spec))
        else:
            raise r.error(where, "type", f"must be gateway, interface or gatewayloadbalancer, got {shown(spec.get('type'))}")


