"""Transit gateways in the YAML that `vpcemu import` writes (yaml_writer.py calls this).

Imported data says exactly which table each attachment is associated with and which tables it
propagates into, so those are written explicitly, and each transit gateway's default association
and propagation are written as off: the reader would otherwise add associations and propagations
the data does not have (R93). A table AWS marks as default stays `default: true`. Propagations
keep their order, which decides which of two overlapping VPCs is propagated (R101).
"""
from __future__ import annotations

from typing import Any

from .. import model as m


def write_transit_gateways(writer, regions: dict[str, dict], doc: dict[str, Any]) -> None:
    """Add `transit_gateways` to each region of `regions` and `transit_gateway_peerings` to `doc`."""
    t = writer.t
    tgws = list(t.all(m.TransitGateway))
    if not tgws:
        return
    writer.assign_keys(tgws)
    writer.assign_keys(list(t.all(m.TransitGatewayVpcAttachment)) + list(t.all(m.TransitGatewayPeeringAttachment)))
    writer.assign_keys(list(t.all(m.TransitGatewayRouteTable)), scope_of=lambda r: r.transit_gateway_id)
    for tgw in tgws:
        spec: dict[str, Any] = {"id": tgw.transit_gateway_id, "default_route_table_association": False,
                                "default_route_table_propagation": False}
        if tgw.owner_id != writer.account:
            spec["account"] = tgw.owner_id
        if tgw.security_group_referencing_support:
            spec["security_group_referencing_support"] = True
        if tgw.default_route_table_association or tgw.default_route_table_propagation:
            writer.not_carried["transit gateway default association/propagation options (their effect is "
                               "written as explicit associations and propagations)"] += 1
        attachments = {}
        for attachment in t.all(m.TransitGatewayVpcAttachment):
            if attachment.transit_gateway_id == tgw.transit_gateway_id:
                attachments[writer.keys[attachment.id]] = writer.clean({
                    "id": attachment.transit_gateway_attachment_id, "vpc": attachment.vpc_id,
                    "subnets": list(attachment.subnet_ids), "appliance_mode": attachment.appliance_mode_support or None,
                    "security_group_referencing_support": None if attachment.security_group_referencing_support
                    else False})
        tables = {}
        for table in t.all(m.TransitGatewayRouteTable):
            if table.transit_gateway_id == tgw.transit_gateway_id:
                tables[writer.keys[table.id]] = route_table(table)
        spec["attachments"] = attachments
        spec["route_tables"] = tables
        regions.setdefault(tgw.region, {}).setdefault("transit_gateways", {})[writer.keys[tgw.id]] = writer.clean(spec)
    peerings = {writer.keys[p.id]: writer.clean({"id": p.id, "requester": p.requester_transit_gateway_id,
                                                 "accepter": p.accepter_transit_gateway_id,
                                                 "state": None if p.state == "available" else p.state})
                for p in t.all(m.TransitGatewayPeeringAttachment)}
    if peerings:
        doc["transit_gateway_peerings"] = peerings


def route_table(table: m.TransitGatewayRouteTable) -> dict[str, Any]:
    routes = []
    for route in table.routes:
        entry: dict[str, Any] = {"destination": route.destination}
        if route.state == "blackhole" or route.transit_gateway_attachment_id is None:
            entry["blackhole"] = True
        else:
            entry["attachment"] = route.transit_gateway_attachment_id
        routes.append(entry)
    spec: dict[str, Any] = {"id": table.transit_gateway_route_table_id}
    if table.default_association_route_table or table.default_propagation_route_table:
        spec["default"] = True
    for key, values in (("associations", table.associations), ("propagations", table.propagations),
                        ("routes", routes)):
        if values:
            spec[key] = list(values)
    return spec
