"""Transit gateways from AWS JSON: the part of AwsJsonLoader that reads them (R89–R103).

Outputs read, each recognised by its top-level key like every other output (aws_json.py):

* `TransitGateways` (describe-transit-gateways): the options `DefaultRouteTableAssociation`,
  `DefaultRouteTablePropagation`, their default table ids and `SecurityGroupReferencingSupport`
  (off unless `enable`, R103).
* `TransitGatewayRouteTables` (describe-transit-gateway-route-tables).
* `TransitGatewayVpcAttachments` (describe-transit-gateway-vpc-attachments): the subnets, one per
  AZ (R98), and the options `ApplianceModeSupport` (off unless `enable`, R100) and
  `SecurityGroupReferencingSupport` (on unless `disable`, R103).
* `TransitGatewayPeeringAttachments` (describe-transit-gateway-peering-attachments): which side
  requested and which accepted.
* `TransitGatewayAttachments` (describe-transit-gateway-attachments): every attachment's kind and
  state, and its `Association` — the one route table it is associated with (R91). A peering
  attachment is listed by both accounts with the same id, each listing naming its own transit
  gateway and that side's association: both are merged into one attachment. Without
  describe-transit-gateway-peering-attachments the side met first is called the requester (the
  direction changes nothing in forwarding).
* The collector's wrapper files (CASES.md §2): `TransitGatewayPropagations`, one element per
  route table with its get-transit-gateway-route-table-propagations output, and
  `TransitGatewayStaticRoutes`, one element per route table with its
  `search-transit-gateway-routes --filters Name=type,Values=static` output. Propagated routes are
  not read as routes: a VPC attachment's propagation stands for its VPC's CIDRs (R92, R101), and
  the dataplane derives them. Propagations are ordered by the attachments' `CreationTime`, so the
  VPC attached later is the one R101 suppresses.
* `TransitGatewayPrefixListReferences` (get-transit-gateway-prefix-list-references with the table
  id AWS includes): prefix-list routes, ranked between static and propagated (R95).

State filters. Transit gateways, route tables and attachments count only when `available`;
associations only when `associated`; propagations only when `enabled`; routes only when `active`
or `blackhole`. A static route to an attachment that was filtered out, that joins a VPC or a
transit gateway outside the data, or that is of a kind vpcemu does not forward through (VPN,
Direct Connect, Connect) is kept as blackhole with a warning, as the VPC route tables' routes are.
A static route or an association naming an attachment or table absent from data that was
collected is an error; naming one whose output was not collected is a warning.

What the data may leave out is reported, never invented: a static route that is active but names
no attachment (moto returns them so), an attachment that propagates into no table although its
transit gateway propagates new attachments into a default table (moto records no such
propagation), a peering attachment with no association on one side, and wrapper files that were
not collected at all.
"""
from __future__ import annotations

from .. import model as m
from .errors import InputError

TRANSIT_KEYS = ("TransitGateways", "TransitGatewayRouteTables", "TransitGatewayVpcAttachments",
                "TransitGatewayPeeringAttachments", "TransitGatewayAttachments", "TransitGatewayPrefixListReferences",
                "TransitGatewayPropagations", "TransitGatewayStaticRoutes")
ATTACHMENT_KEYS = ("TransitGatewayAttachments", "TransitGatewayVpcAttachments", "TransitGatewayPeeringAttachments")
AVAILABLE, ASSOCIATED, ENABLED = "available", "associated", "enabled"
ROUTE_STATES = ("active", "blackhole")
GONE_ROUTE_STATES = ("pending", "deleting", "deleted")
VPC, PEERING = "vpc", "peering"


def _reads_transit_record(method):
    """Count records of the transit keys; after the last one, finish the transit gateways."""

    def reader(self, record):
        if self.transit_remaining is None:
            self.transit_remaining = sum(len(c.records.get(k, [])) for c in self.collections for k in TRANSIT_KEYS)
        method(self, record)
        self.transit_remaining -= 1
        if self.transit_remaining == 0:
            self.finish_transit_gateways()

    reader.__name__ = method.__name__
    reader.__doc__ = method.__doc__
    return reader


class TransitGatewayReading:
    """Mixin of AwsJsonLoader: the readers of TRANSIT_KEYS and the checks once all are read."""

    transit_remaining: int | None = None

    @property
    def transit(self) -> "_TransitState":
        state = self.__dict__.get("_transit")
        if state is None:
            state = self.__dict__["_transit"] = _TransitState()
        return state

    # --- small helpers ----------------------------------------------------------------------------

    @staticmethod
    def option(r, key: str, default: bool) -> bool:
        """An `enable`/`disable` option of a transit gateway or attachment."""
        value = r.opt_text(key) if r is not None else None
        if value is None:
            return default
        if value not in ("enable", "disable"):
            raise r.error(key, f"expected enable or disable, got {value!r}")
        return value == "enable"

    def attachment_kind(self, attachment_id: str) -> str | None:
        resource = self.topology.get(attachment_id)
        if isinstance(resource, m.TransitGatewayVpcAttachment):
            return VPC
        if isinstance(resource, m.TransitGatewayPeeringAttachment):
            return PEERING
        return self.transit.other_kinds.get(attachment_id)

    def listed_kind(self, attachment_id: str) -> str | None:
        """The ResourceType describe-transit-gateway-attachments gives `attachment_id`, if it lists it."""
        for collection in self.collections:
            for record in collection.records.get("TransitGatewayAttachments", []):
                if record.data.get("TransitGatewayAttachmentId") == attachment_id:
                    kind = record.data.get("ResourceType")
                    return kind if isinstance(kind, str) else None
        return None

    def attachments_collected(self, r) -> bool:
        return any(k in r.collection.collected for k in ATTACHMENT_KEYS)

    # --- transit gateways and their route tables --------------------------------------------------

    @_reads_transit_record
    def read_transit_gateway(self, r) -> None:
        r.resource = tgw_id = r.text("TransitGatewayId")
        state = r.text("State")
        if state != AVAILABLE:
            if self.topology.get(tgw_id, m.TransitGateway) is None:
                self.filtered.setdefault(tgw_id, state)
            return
        if self.topology.get(tgw_id, m.TransitGateway) is not None:
            return  # a shared transit gateway is listed by every account it is shared with
        self.filtered.pop(tgw_id, None)
        options = r.child("Options")
        self.add(m.TransitGateway(
            tgw_id, r.collection.region, r.owner(),
            default_route_table_association=self.option(options, "DefaultRouteTableAssociation", True),
            default_route_table_propagation=self.option(options, "DefaultRouteTablePropagation", True),
            association_default_route_table_id=options.opt_text("AssociationDefaultRouteTableId") if options else None,
            propagation_default_route_table_id=options.opt_text("PropagationDefaultRouteTableId") if options else None,
            security_group_referencing_support=self.option(options, "SecurityGroupReferencingSupport", False),
            state=AVAILABLE, name=r.name_tag()), r)

    @_reads_transit_record
    def read_tgw_route_table(self, r) -> None:
        r.resource = table_id = r.text("TransitGatewayRouteTableId")
        tgw_id = r.text("TransitGatewayId")
        state = r.text("State")
        if self.topology.get(table_id, m.TransitGatewayRouteTable) is not None:
            return
        tgw = self.topology.get(tgw_id, m.TransitGateway)
        if state != AVAILABLE or tgw is None:
            if tgw is None and state == AVAILABLE and tgw_id not in self.filtered:
                self.warn(r, f"{table_id} belongs to {tgw_id}, which is not in the data; the table is ignored")
            self.filtered.setdefault(table_id, state if state != AVAILABLE else f"a table of {tgw_id}, "
                                     f"which is {self.filtered.get(tgw_id, 'not in the data')}")
            return
        self.add(m.TransitGatewayRouteTable(
            table_id, tgw_id, tgw.region, tgw.owner_id,
            default_association_route_table=r.flag("DefaultAssociationRouteTable", False),
            default_propagation_route_table=r.flag("DefaultPropagationRouteTable", False), name=r.name_tag()), r)
        self.transit.table_collections[table_id] = r.collection

    # --- attachments ------------------------------------------------------------------------------

    @_reads_transit_record
    def read_tgw_vpc_attachment(self, r) -> None:
        r.resource = attachment_id = r.text("TransitGatewayAttachmentId")
        kind = self.listed_kind(attachment_id)
        if r.opt_text("VpcId") is None and kind not in (None, VPC):
            self.warn(r, f"{attachment_id} is listed among VPC attachments without a VpcId, but "
                         f"describe-transit-gateway-attachments says it is a {kind} attachment (moto lists those "
                         f"here too; AWS does not); this entry is ignored")
            return
        tgw_id, vpc_id, state = r.text("TransitGatewayId"), r.text("VpcId"), r.text("State")
        subnet_ids = r.strings("SubnetIds")
        options = r.child("Options")
        self.transit.note_created(attachment_id, r)
        if self.topology.get(attachment_id) is not None:
            return  # listed by the transit gateway's owner and by the VPC's owner
        tgw = self.topology.get(tgw_id, m.TransitGateway)
        if state != AVAILABLE:
            self.filtered.setdefault(attachment_id, state)
            return
        if tgw is None:
            self.filtered[attachment_id] = f"an attachment of {tgw_id}, which is {self.filtered.get(tgw_id, 'not in the data')}"
            if tgw_id not in self.filtered:
                self.warn(r, f"{attachment_id} attaches {vpc_id} to {tgw_id}, which is not in the data; "
                             f"the attachment is ignored")
            return
        vpc = self.topology.get(vpc_id, m.Vpc)
        if vpc is None:
            self.filtered[attachment_id] = f"joined to {vpc_id}, which is not in the data"
            self.warn(r, f"{attachment_id} attaches {vpc_id} (account {r.opt_text('VpcOwnerId') or '?'}), which was "
                         f"not collected; the attachment is ignored and {tgw_id} learns no route from it")
            return
        self.filtered.pop(attachment_id, None)
        self.add(m.TransitGatewayVpcAttachment(
            attachment_id, tgw_id, vpc_id, subnet_ids, tgw.region, r.opt_text("VpcOwnerId") or vpc.owner_id,
            appliance_mode_support=self.option(options, "ApplianceModeSupport", False),
            security_group_referencing_support=self.option(options, "SecurityGroupReferencingSupport", True),
            state=AVAILABLE, name=r.name_tag()), r)

    @_reads_transit_record
    def read_tgw_peering_attachment(self, r) -> None:
        """describe-transit-gateway-peering-attachments: both sides, and which one requested."""
        r.resource = attachment_id = r.text("TransitGatewayAttachmentId")
        state = r.text("State")
        sides = []
        for field in ("RequesterTgwInfo", "AccepterTgwInfo"):
            side = r.child(field)
            if side is None:
                raise r.error(field, "required field is missing")
            sides.append((field, side.text("TransitGatewayId"), side.opt_text("OwnerId")))
        self.peering_attachment(r, attachment_id, state, sides)

    def peering_attachment(self, r, attachment_id: str, state: str, sides) -> None:
        """Create the peering attachment once, from whichever listing comes first."""
        existing = self.topology.get(attachment_id, m.TransitGatewayPeeringAttachment)
        if existing is not None:
            if {existing.requester_transit_gateway_id, existing.accepter_transit_gateway_id} != {s[1] for s in sides}:
                self.warn(r, f"{attachment_id} joins {' and '.join(s[1] for s in sides)} here but "
                             f"{existing.requester_transit_gateway_id} and {existing.accepter_transit_gateway_id} in "
                             f"{self.topology.origin(attachment_id)}; the first listing is kept")
            return
        if state != AVAILABLE:
            self.filtered.setdefault(attachment_id, state)
            return
        if attachment_id in self.filtered:
            return
        for field, tgw_id, owner in sides:
            if self.topology.get(tgw_id, m.TransitGateway) is None:
                self.filtered[attachment_id] = f"joined to {tgw_id}, which is {self.filtered.get(tgw_id, 'not in the data')}"
                if tgw_id not in self.filtered:
                    self.warn(r, f"{attachment_id}: the peer transit gateway {tgw_id} (account {owner or '?'}) was "
                                 f"not collected; the peering attachment is ignored")
                return
        (_, requester, owner), (_, accepter, _) = sides
        tgw = self.topology.get(requester, m.TransitGateway)
        self.add(m.TransitGatewayPeeringAttachment(attachment_id, requester, accepter, tgw.region,
                                                   owner or tgw.owner_id, state=AVAILABLE, name=r.name_tag()), r)

    @_reads_transit_record
    def read_tgw_attachment(self, r) -> None:
        """describe-transit-gateway-attachments: each attachment's kind, state and association (R91)."""
        r.resource = attachment_id = r.text("TransitGatewayAttachmentId")
        tgw_id, kind, state = r.text("TransitGatewayId"), r.text("ResourceType"), r.text("State")
        self.transit.note_created(attachment_id, r)
        if kind == PEERING:
            self.peering_attachment(r, attachment_id, state, [("TransitGatewayId", tgw_id, r.opt_text("TransitGatewayOwnerId")),
                                                              ("ResourceId", r.text("ResourceId"), r.opt_text("ResourceOwnerId"))])
            tgw = self.topology.get(tgw_id, m.TransitGateway)
            if tgw is not None and tgw.region != r.collection.region:
                self.warn(r, f"{attachment_id} is listed in {r.collection.region} under {tgw_id}, a transit gateway of "
                             f"{tgw.region}: AWS lists each side of a peering under its own transit gateway (moto "
                             f"does not), so the other side's association is not in this listing")
        elif state != AVAILABLE:
            self.filtered.setdefault(attachment_id, state)
        elif kind == VPC:
            if self.topology.get(attachment_id) is None and attachment_id not in self.filtered:
                self.filtered[attachment_id] = "without its subnets (no TransitGatewayVpcAttachments entry)"
                self.warn(r, f"{attachment_id} attaches {r.opt_text('ResourceId') or '?'} to {tgw_id}, but no "
                             f"TransitGatewayVpcAttachments output lists it with its subnets; it is ignored")
        else:
            self.transit.other_kinds.setdefault(attachment_id, kind)
        if state != AVAILABLE or self.topology.get(attachment_id) is None:
            return
        association = r.child("Association")
        if association is None or association.opt_text("State") != ASSOCIATED:
            return
        table_id = association.text("TransitGatewayRouteTableId")
        self.associate(r, attachment_id, tgw_id, table_id)

    def associate(self, r, attachment_id: str, tgw_id: str, table_id: str) -> None:
        field = "Association.TransitGatewayRouteTableId"
        table = self.topology.get(table_id, m.TransitGatewayRouteTable)
        if table is None:
            if table_id in self.filtered:
                self.warn(r, f"{attachment_id} is associated with {table_id}, which is {self.filtered[table_id]}; "
                             f"traffic arriving on it is dropped (R91)")
                return
            if any(t.transit_gateway_id == tgw_id for t in self.topology.all(m.TransitGatewayRouteTable)):
                raise r.error(field, f"{table_id} is not among the route tables of {tgw_id} in the data")
            self.warn(r, f"{attachment_id} is associated with {table_id}, but no route table of {tgw_id} was "
                         f"collected (describe-transit-gateway-route-tables); it is left unassociated")
            return
        if table.transit_gateway_id != tgw_id:
            raise r.error(field, f"{table_id} is a route table of {table.transit_gateway_id}, not of {tgw_id}: an "
                                 f"attachment is associated with a table of its own transit gateway (R91)")
        for other in self.topology.all(m.TransitGatewayRouteTable):
            if other is not table and other.transit_gateway_id == tgw_id and attachment_id in other.associations:
                raise r.error(field, f"{attachment_id} is associated with {table_id} here and with "
                                     f"{other.transit_gateway_route_table_id} in "
                                     f"{self.transit.associated_in.get((tgw_id, attachment_id), '?')}: one route "
                                     f"table per attachment (R91)")
        if attachment_id not in table.associations:
            table.associations.append(attachment_id)
            self.transit.associated_in[(tgw_id, attachment_id)] = r.file

    # --- routes and propagations ------------------------------------------------------------------

    def wrapper_table(self, r, key: str) -> m.TransitGatewayRouteTable | None:
        r.resource = table_id = r.text("TransitGatewayRouteTableId")
        table = self.topology.get(table_id, m.TransitGatewayRouteTable)
        if table is None and table_id not in self.filtered:
            if "TransitGatewayRouteTables" in r.collection.collected:
                raise r.error("TransitGatewayRouteTableId", f"{table_id} is not among the transit gateway route "
                                                            f"tables of the data")
            self.warn(r, f"{key} for {table_id}, whose describe-transit-gateway-route-tables output was not "
                         f"collected; they are ignored")
        return table

    def target_attachment(self, r, field: str, attachment_id: str | None, table, what: str) -> str | None:
        """Why `attachment_id` cannot carry the route `what`, or None when it can."""
        if attachment_id is None:
            return "it names no attachment (moto returns static routes without their attachment)"
        if attachment_id in self.filtered:
            return f"{attachment_id} is {self.filtered[attachment_id]}"
        kind = self.attachment_kind(attachment_id)
        if kind is None:
            if self.attachments_collected(r):
                raise r.error(field, f"{what} -> {attachment_id}: no such attachment in the data")
            return f"no describe-transit-gateway-attachments output was collected, so {attachment_id} cannot be followed"
        if kind not in (VPC, PEERING):
            return f"{attachment_id} is a {kind} attachment, which vpcemu does not forward through"
        return None

    @_reads_transit_record
    def read_tgw_static_routes(self, r) -> None:
        """The collector's wrapper: one route table's static and blackhole routes (R94)."""
        table = self.wrapper_table(r, "static routes")
        routes = r.children("Routes")
        if table is None:
            return
        for i, route in enumerate(routes):
            kind = route.opt_text("Type") or "static"
            state = route.text("State")
            if kind == "propagated" or state in GONE_ROUTE_STATES:
                continue  # propagations stand for these (R92); routes on their way out carry nothing
            if state not in ROUTE_STATES:
                raise route.error("State", f"expected active or blackhole, got {state!r}")
            out = m.TransitGatewayRoute(destination_cidr_block=route.opt_text("DestinationCidrBlock"),
                                        prefix_list_id=route.opt_text("PrefixListId"), state=state)
            if out.prefix_list_id:
                out.destination_cidr_block = None  # a prefix-list reference: one route per entry (R29)
            elif out.destination_cidr_block is None:
                if route.opt_text("DestinationIpv6CidrBlock"):
                    self.ipv6["transit gateway IPv6 routes"] += 1
                    continue
                raise route.error("DestinationCidrBlock", "a route needs DestinationCidrBlock or PrefixListId")
            if any(existing.destination == out.destination for existing in table.routes):
                continue  # the same table listed twice
            attachments = [a.text("TransitGatewayAttachmentId") for a in route.children("TransitGatewayAttachments")]
            if len(attachments) > 1:
                self.warn(r, f"route {out.destination} of {table.id} spreads over {len(attachments)} attachments "
                             f"(ECMP); vpcemu forwards through the first, {attachments[0]}")
            if state == "active":
                out.transit_gateway_attachment_id = attachments[0] if attachments else None
                self.follow_or_blackhole(r, route, "TransitGatewayAttachments[0].TransitGatewayAttachmentId", out,
                                         table, f"route {out.destination}")
            table.routes.append(out)

    def follow_or_blackhole(self, report, record, field, out, table, label) -> None:
        """A route AWS reports active whose attachment cannot be followed stays, as blackhole (R94)."""
        why = self.target_attachment(record, field, out.transit_gateway_attachment_id, table, label)
        if why is not None:
            out.state = "blackhole"
            self.warn(report, f"{label} -> {out.transit_gateway_attachment_id or 'nothing'} is active in the data, "
                              f"but {why}; it is kept as blackhole (R94)")

    @_reads_transit_record
    def read_tgw_prefix_list_reference(self, r) -> None:
        """get-transit-gateway-prefix-list-references: routes to a prefix list's entries (R29, R95)."""
        table = self.wrapper_table(r, "prefix list references")
        if table is None:
            return
        state = r.text("State")
        if state not in (AVAILABLE, "modifying"):
            return
        pl_id = r.text("PrefixListId")
        if any(route.prefix_list_id == pl_id for route in table.routes):
            return
        out = m.TransitGatewayRoute(prefix_list_id=pl_id, state="blackhole" if r.flag("Blackhole", False) else "active")
        if out.state == "active":
            attachment = r.child("TransitGatewayAttachment")
            out.transit_gateway_attachment_id = attachment.opt_text("TransitGatewayAttachmentId") if attachment else None
            self.follow_or_blackhole(r, r, "TransitGatewayAttachment.TransitGatewayAttachmentId", out, table,
                                     f"route {pl_id}")
        table.routes.append(out)

    @_reads_transit_record
    def read_tgw_propagations(self, r) -> None:
        """The collector's wrapper: the attachments propagating into one route table (R92)."""
        table = self.wrapper_table(r, "propagations")
        propagations = r.children("TransitGatewayRouteTablePropagations")
        if table is None:
            return
        for i, p in enumerate(propagations):
            attachment_id = p.text("TransitGatewayAttachmentId")
            if p.text("State") != ENABLED or attachment_id in table.propagations:
                continue
            if attachment_id in self.filtered:
                why = self.filtered[attachment_id]
                if "not in the data" in why or "not collected" in why:
                    self.warn(r, f"{attachment_id} propagates into {table.id} but is {why}: its routes are missing")
                continue
            kind = self.attachment_kind(attachment_id)
            if kind is None:
                if self.attachments_collected(r):
                    raise p.error("TransitGatewayAttachmentId", f"{attachment_id} is not among the transit gateway "
                                                                f"attachments of the data")
                self.warn(r, f"{attachment_id} propagates into {table.id}, but no describe-transit-gateway-attachments "
                             f"output was collected; its routes are missing")
                continue
            if kind not in (VPC, PEERING):
                self.warn(r, f"{attachment_id} ({kind}) propagates into {table.id} the routes it learns over BGP, "
                             f"which the data does not hold; vpcemu does not model them")
                continue
            table.propagations.append(attachment_id)
        created = self.transit.created
        table.propagations.sort(key=lambda a: created.get(a, ""))  # R101: the VPC attached first keeps its CIDR

    # --- once everything is read ------------------------------------------------------------------

    def finish_transit_gateways(self) -> None:
        topology = self.topology
        tables = list(topology.all(m.TransitGatewayRouteTable))
        for key, what in (("TransitGatewayPropagations", "propagated routes"),
                          ("TransitGatewayStaticRoutes", "static routes")):
            missing = [t.id for t in tables if key not in self.transit.table_collections[t.id].collected]
            if missing:
                self.topology.warnings.append(
                    f"{self.path}: no {key} output was collected for {', '.join(missing)}; those tables hold no "
                    f"{what} (the collector's wrapper file, see CASES.md)")
        attachments = list(topology.all(m.TransitGatewayVpcAttachment)) + list(topology.all(m.TransitGatewayPeeringAttachment))
        if attachments and not any("TransitGatewayAttachments" in c.collected for c in self.collections):
            self.topology.warnings.append(
                f"{self.path}: no TransitGatewayAttachments output (describe-transit-gateway-attachments) was "
                f"collected, so no attachment is associated with a route table: traffic arriving on any is "
                f"dropped (R91)")
        for tgw in topology.all(m.TransitGateway):
            default = topology.get(tgw.propagation_default_route_table_id or "", m.TransitGatewayRouteTable)
            if not tgw.default_route_table_propagation or default is None:
                continue
            mine = [t for t in tables if t.transit_gateway_id == tgw.transit_gateway_id]
            silent = [a.transit_gateway_attachment_id for a in topology.all(m.TransitGatewayVpcAttachment)
                      if a.transit_gateway_id == tgw.transit_gateway_id
                      and not any(a.transit_gateway_attachment_id in t.propagations for t in mine)]
            if silent:
                verb, whose = ("propagates", "its VPC's") if len(silent) == 1 else ("propagate", "their VPCs'")
                self.topology.warnings.append(
                    f"{topology.origin(tgw.id)}: {tgw.label}: {', '.join(silent)} {verb} into no route table, so no "
                    f"table learns {whose} CIDRs. With default propagation on, AWS propagates each new attachment "
                    f"into {default.id} (R93): either that was disabled later, or the data comes from moto, which "
                    f"records no such propagation. vpcemu does not invent it")
        for peering in topology.all(m.TransitGatewayPeeringAttachment):
            for tgw_id in (peering.requester_transit_gateway_id, peering.accepter_transit_gateway_id):
                if not any(peering.id in t.associations for t in tables if t.transit_gateway_id == tgw_id):
                    self.topology.warnings.append(
                        f"{topology.origin(peering.id)}: {peering.label}: associated with no route table of {tgw_id}: "
                        f"traffic arriving at {tgw_id} over the peering is dropped (R91, R96)")


class _TransitState:
    """What the transit readers remember between records."""

    def __init__(self):
        self.other_kinds: dict[str, str] = {}  # attachments of kinds vpcemu does not forward through -> kind
        self.created: dict[str, str] = {}  # attachment id -> CreationTime as AWS prints it
        self.table_collections: dict = {}  # route table id -> the Collection it was read from
        self.associated_in: dict[tuple[str, str], str] = {}  # (tgw, attachment) -> the file giving the association

    def note_created(self, attachment_id: str, r) -> None:
        created = r.data.get("CreationTime")
        if isinstance(created, str):
            self.created.setdefault(attachment_id, created)


__all__ = ["TransitGatewayReading", "TRANSIT_KEYS", "InputError"]
