"""Transit gateways from AWS JSON (emulator/inputs/aws_json_transit.py): what is read, state
filters, merging a peering listed by two accounts, what the data may leave out, one-line errors.

Fixtures are describe-* outputs in AWS's shapes (tests/inputs/test_aws_json.py builds the VPCs),
plus the collector's wrapper files TransitGatewayStaticRoutes and TransitGatewayPropagations
(../shared/corpus/batfish/CASES.md §2).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import emulator
from emulator import model as m
from emulator.inputs.errors import InputError
from tests.inputs.test_aws_json import ACCOUNT, REGION, _route, describe_outputs, route_table, write_outputs
from tests.paths import assert_dropped

TGW, TABLE = "tgw-0h", "tgw-rtb-0h"
ATT_A, ATT_B = "tgw-attach-0a", "tgw-attach-0b"
SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
       "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}


def transit_gateway(tgw_id=TGW, table_id=TABLE, account=ACCOUNT, **options) -> dict:
    opts = {"AmazonSideAsn": 64512, "DefaultRouteTableAssociation": "enable", "DefaultRouteTablePropagation": "enable",
            "AssociationDefaultRouteTableId": table_id, "PropagationDefaultRouteTableId": table_id,
            "DnsSupport": "enable", "VpnEcmpSupport": "enable", **options}
    return {"TransitGatewayId": tgw_id, "State": "available", "OwnerId": account, "Options": opts, "Tags": []}


def vpc_attachment(attachment_id, vpc, subnets, tgw_id=TGW, account=ACCOUNT, created="2024-05-01T10:00:00+00:00",
                   **options) -> dict:
    return {"TransitGatewayAttachmentId": attachment_id, "TransitGatewayId": tgw_id, "VpcId": vpc,
            "VpcOwnerId": account, "State": "available", "SubnetIds": subnets, "CreationTime": created,
            "Options": {"DnsSupport": "enable", "Ipv6Support": "disable", **options}, "Tags": []}


def listing(attachment_id, resource, table_id=TABLE, tgw_id=TGW, kind="vpc", account=ACCOUNT, owner=ACCOUNT,
            created="2024-05-01T10:00:00+00:00", state="available") -> dict:
    """One describe-transit-gateway-attachments entry, with its association."""
    entry = {"TransitGatewayAttachmentId": attachment_id, "TransitGatewayId": tgw_id, "TransitGatewayOwnerId": account,
             "ResourceOwnerId": owner, "ResourceType": kind, "ResourceId": resource, "State": state,
             "CreationTime": created, "Tags": []}
    if table_id:
        entry["Association"] = {"TransitGatewayRouteTableId": table_id, "State": "associated"}
    return entry


def route_table_entry(table_id=TABLE, tgw_id=TGW, default=True) -> dict:
    return {"TransitGatewayRouteTableId": table_id, "TransitGatewayId": tgw_id, "State": "available",
            "DefaultAssociationRouteTable": default, "DefaultPropagationRouteTable": default, "Tags": []}


def static(destination, attachment_id=None, state="active", kind="vpc") -> dict:
    route = {"DestinationCidrBlock": destination, "State": state, "Type": "static"}
    if attachment_id:
        route["TransitGatewayAttachments"] = [{"ResourceId": "x", "ResourceType": kind,
                                               "TransitGatewayAttachmentId": attachment_id}]
    return route


def propagation(attachment_id, resource, kind="vpc", state="enabled") -> dict:
    return {"TransitGatewayAttachmentId": attachment_id, "ResourceId": resource, "ResourceType": kind, "State": state}


def two_spokes() -> dict[str, list]:
    """VPCs 0a (10.0/16) and 0b (10.1/16) attached to tgw-0h through their app subnets (AZ b), one
    default table into which both propagate; the app tables route the other VPC to the TGW."""
    a = describe_outputs(prefix="0a", cidr="10.0")
    b = describe_outputs(prefix="0b", cidr="10.1", host=20)
    outputs = {key: a.get(key, []) + b.get(key, []) for key in set(a) | set(b)}
    for group in outputs["SecurityGroups"]:
        if group["GroupName"] == "app":
            group["IpPermissions"].append(copy.deepcopy(SSH))
    route_table(outputs, "rtb-app0a")["Routes"].append(_route("10.1.0.0/16", TransitGatewayId=TGW))
    route_table(outputs, "rtb-app0b")["Routes"].append(_route("10.0.0.0/16", TransitGatewayId=TGW))
    outputs["TransitGateways"] = [transit_gateway()]
    outputs["TransitGatewayRouteTables"] = [route_table_entry()]
    outputs["TransitGatewayVpcAttachments"] = [vpc_attachment(ATT_A, "vpc-0a", ["subnet-app0a"]),
                                               vpc_attachment(ATT_B, "vpc-0b", ["subnet-app0b"])]
    outputs["TransitGatewayAttachments"] = [listing(ATT_A, "vpc-0a"), listing(ATT_B, "vpc-0b")]
    outputs["TransitGatewayPropagations"] = [{"TransitGatewayRouteTableId": TABLE, "TransitGatewayRouteTablePropagations": [
        propagation(ATT_A, "vpc-0a"), propagation(ATT_B, "vpc-0b")]}]
    outputs["TransitGatewayStaticRoutes"] = [{"TransitGatewayRouteTableId": TABLE, "Routes": [],
                                              "AdditionalRoutesAvailable": False}]
    return outputs


def load(outputs, tmp_path: Path) -> emulator.Network:
    write_outputs(tmp_path / "aws_configs", outputs)
    return emulator.load(tmp_path)


def ssh(net, source="i-app0a", destination="10.1.2.10"):
    return net.trace_flow(source, destination, "tcp", 49152, 22, with_return=True)


def tgw_warnings(net) -> list[str]:
    return [w for w in net.topology.warnings if "tgw-" in w or "TransitGateway" in w]


# --- what is read --------------------------------------------------------------------------------------


def test_a_transit_gateway_in_the_data_is_followed_and_its_vpc_routes_stay_active(tmp_path):
    net = load(two_spokes(), tmp_path)
    assert tgw_warnings(net) == []
    route = next(r for r in net.topology.get("rtb-app0a", m.RouteTable).routes if r.transit_gateway_id)
    assert route.state == "active"
    trace = ssh(net)
    assert trace.reachable and trace.path == ["i-app0a", TGW, "i-app0b"], trace.render()
    table = net.topology.get(TABLE, m.TransitGatewayRouteTable)
    assert table.associations == [ATT_A, ATT_B] and table.propagations == [ATT_A, ATT_B]
    assert net.topology.origins[TGW].endswith("TransitGateways.json")


def test_options_of_the_transit_gateway_and_its_attachments_are_read(tmp_path):
    outputs = two_spokes()
    outputs["TransitGateways"] = [transit_gateway(SecurityGroupReferencingSupport="enable",
                                                  DefaultRouteTablePropagation="disable")]
    outputs["TransitGatewayVpcAttachments"][0]["Options"].update(ApplianceModeSupport="enable",
                                                                 SecurityGroupReferencingSupport="disable")
    del outputs["TransitGatewayVpcAttachments"][1]["Options"]
    topology = load(outputs, tmp_path).topology
    tgw = topology.get(TGW, m.TransitGateway)
    assert (tgw.security_group_referencing_support, tgw.default_route_table_association,
            tgw.default_route_table_propagation) == (True, True, False)
    a, b = topology.get(ATT_A), topology.get(ATT_B)
    assert (a.appliance_mode_support, a.security_group_referencing_support) == (True, False)
    assert (b.appliance_mode_support, b.security_group_referencing_support) == (False, True)  # R100, R103 defaults
    assert a.subnet_ids == ["subnet-app0a"] and a.region == REGION


def test_an_option_that_is_neither_enable_nor_disable_is_an_error(tmp_path):
    outputs = two_spokes()
    outputs["TransitGatewayVpcAttachments"][0]["Options"]["ApplianceModeSupport"] = "yes"
    with pytest.raises(InputError) as caught:
        load(outputs, tmp_path)
    error = caught.value
    assert (error.resource, error.field) == (ATT_A, "Options.ApplianceModeSupport")
    assert error.file.endswith("TransitGatewayVpcAttachments.json") and "enable or disable" in error.message


def test_static_and_blackhole_routes_come_from_the_wrapper_file(tmp_path):
    outputs = two_spokes()
    outputs["TransitGatewayStaticRoutes"][0]["Routes"] = [static("10.1.2.0/24", state="blackhole"),
                                                          static("10.9.0.0/16", ATT_B),
                                                          static("10.8.0.0/16", ATT_B, state="deleted")]
    net = load(outputs, tmp_path)
    routes = {(r.destination, r.transit_gateway_attachment_id, r.state)
              for r in net.topology.get(TABLE, m.TransitGatewayRouteTable).routes}
    assert routes == {("10.1.2.0/24", None, "blackhole"), ("10.9.0.0/16", ATT_B, "active")}
    assert_dropped(ssh(net), "BLACKHOLE_ROUTE")  # more specific than b's propagated /16 (R94)


def test_a_prefix_list_reference_is_a_route_to_each_entry(tmp_path):
    outputs = two_spokes()
    outputs["TransitGatewayPropagations"][0]["TransitGatewayRouteTablePropagations"].pop()  # b propagates nothing
    outputs["ManagedPrefixLists"] = [{"PrefixListId": "pl-0spoke", "PrefixListName": "spokes", "AddressFamily": "IPv4",
                                      "State": "create-complete", "MaxEntries": 2, "OwnerId": ACCOUNT,
                                      "Entries": [{"Cidr": "10.1.0.0/16"}]}]
    outputs["TransitGatewayPrefixListReferences"] = [{
        "TransitGatewayRouteTableId": TABLE, "PrefixListId": "pl-0spoke", "PrefixListOwnerId": ACCOUNT,
        "State": "available", "Blackhole": False,
        "TransitGatewayAttachment": {"TransitGatewayAttachmentId": ATT_B, "ResourceType": "vpc", "ResourceId": "vpc-0b"}}]
    net = load(outputs, tmp_path)
    trace = ssh(net)
    assert trace.verdict == "delivered", trace.render()
    route = next(h for h in trace.hops if h.type == "transit-gateway-route-table")
    assert route.detail.startswith(f"pl-0spoke -> {ATT_B}")


def test_propagations_are_ordered_by_attachment_creation_so_the_later_overlapping_vpc_loses(tmp_path):
    """R101: VPC 0c reuses 10.1.0.0/16 and is listed first, but it was attached after 0b."""
    outputs = two_spokes()
    c = describe_outputs(prefix="0c", cidr="10.1", host=30)
    for key in ("Vpcs", "Subnets"):
        outputs[key] += c[key]
    outputs["TransitGatewayVpcAttachments"].insert(0, vpc_attachment("tgw-attach-0c", "vpc-0c", ["subnet-app0c"],
                                                                     created="2024-06-01T10:00:00+00:00"))
    outputs["TransitGatewayAttachments"].insert(0, listing("tgw-attach-0c", "vpc-0c", created="2024-06-01T10:00:00+00:00"))
    outputs["TransitGatewayPropagations"][0]["TransitGatewayRouteTablePropagations"].insert(
        0, propagation("tgw-attach-0c", "vpc-0c"))
    net = load(outputs, tmp_path)
    assert net.topology.get(TABLE).propagations == [ATT_A, ATT_B, "tgw-attach-0c"]
    assert any("R101" in w and "tgw-attach-0c" in w and ATT_B in w for w in net.topology.warnings)
    assert ssh(net).delivered_to == "i-app0b"


# --- state filters -----------------------------------------------------------------------------------------


def test_a_transit_gateway_that_is_not_available_turns_routes_to_it_into_blackholes(tmp_path):
    outputs = two_spokes()
    outputs["TransitGateways"][0]["State"] = "pending"
    net = load(outputs, tmp_path)
    assert net.topology.get(TGW) is None and net.topology.get(ATT_A) is None and net.topology.get(TABLE) is None
    assert any(f"-> {TGW}" in w and "pending" in w and "blackhole" in w for w in net.topology.warnings)
    assert_dropped(ssh(net), "BLACKHOLE_ROUTE")


def test_a_static_route_to_a_deleted_attachment_is_kept_as_blackhole_with_a_warning(tmp_path):
    outputs = two_spokes()
    dead = vpc_attachment("tgw-attach-0dead", "vpc-0b", ["subnet-app0b"])
    dead["State"] = "deleted"
    outputs["TransitGatewayVpcAttachments"].append(dead)
    outputs["TransitGatewayAttachments"].append(listing("tgw-attach-0dead", "vpc-0b", table_id=None, state="deleted"))
    outputs["TransitGatewayStaticRoutes"][0]["Routes"] = [static("10.1.2.0/24", "tgw-attach-0dead")]
    net = load(outputs, tmp_path)
    [route] = net.topology.get(TABLE).routes
    assert route.state == "blackhole"
    assert any("10.1.2.0/24 -> tgw-attach-0dead" in w and "deleted" in w for w in net.topology.warnings)
    assert_dropped(ssh(net), "BLACKHOLE_ROUTE")


@pytest.mark.parametrize("where, state", [("association", "disassociating"), ("propagation", "disabled"),
                                          ("table", "deleting")])
def test_only_associated_associations_enabled_propagations_and_available_tables_count(tmp_path, where, state):
    outputs = two_spokes()
    if where == "association":
        outputs["TransitGatewayAttachments"][0]["Association"]["State"] = state
    elif where == "propagation":
        outputs["TransitGatewayPropagations"][0]["TransitGatewayRouteTablePropagations"][1]["State"] = state
    else:
        outputs["TransitGatewayRouteTables"][0]["State"] = state
    trace = ssh(load(outputs, tmp_path))
    expected = {"association": "TGW_ATTACHMENT_NOT_ASSOCIATED", "propagation": "NO_ROUTE_TO_DESTINATION",
                "table": "TGW_ATTACHMENT_NOT_ASSOCIATED"}[where]
    assert_dropped(trace, expected)


# --- other attachment kinds (R90) ---------------------------------------------------------------------------


def test_routes_and_propagations_of_a_vpn_attachment_are_reported_not_followed(tmp_path):
    outputs = two_spokes()
    outputs["TransitGatewayAttachments"].append(listing("tgw-attach-0vpn", "vpn-0a", kind="vpn"))
    outputs["TransitGatewayStaticRoutes"][0]["Routes"] = [static("172.16.0.0/12", "tgw-attach-0vpn", kind="vpn")]
    outputs["TransitGatewayPropagations"][0]["TransitGatewayRouteTablePropagations"].append(
        propagation("tgw-attach-0vpn", "vpn-0a", kind="vpn"))
    net = load(outputs, tmp_path)
    [route] = net.topology.get(TABLE).routes
    assert route.state == "blackhole"
    warnings = tgw_warnings(net)
    assert any("tgw-attach-0vpn is a vpn attachment" in w for w in warnings)
    assert any("tgw-attach-0vpn (vpn) propagates" in w and "BGP" in w for w in warnings)
    assert "tgw-attach-0vpn" not in net.topology.get(TABLE).propagations


# --- a peering listed by two accounts in two regions ---------------------------------------------------------


def _peered(tmp_path: Path, peering_attachments: bool = False, moto_listing: bool = False) -> Path:
    """Account 1 (eu-west-2, tgw-0h, VPC 0a) peered with account 2 (us-east-1, tgw-0k, VPC 0b)."""
    a = describe_outputs("111111111111", "eu-west-2", "0a", "10.0")
    b = describe_outputs("222222222222", "us-east-1", "0b", "10.1", host=20)
    for outputs, peer_cidr, tgw_id, table_id, vpc, att, account, region in (
            (a, "10.1.0.0/16", "tgw-0h", "tgw-rtb-0h", "vpc-0a", ATT_A, "111111111111", "eu-west-2"),
            (b, "10.0.0.0/16", "tgw-0k", "tgw-rtb-0k", "vpc-0b", ATT_B, "222222222222", "us-east-1")):
        prefix = vpc[-2:]
        for group in outputs["SecurityGroups"]:
            if group["GroupName"] == "app":
                group["IpPermissions"].append(copy.deepcopy(SSH))
        route_table(outputs, f"rtb-app{prefix}")["Routes"].append(_route(peer_cidr, TransitGatewayId=tgw_id))
        outputs["TransitGateways"] = [transit_gateway(tgw_id, table_id, account)]
        outputs["TransitGatewayRouteTables"] = [route_table_entry(table_id, tgw_id)]
        outputs["TransitGatewayVpcAttachments"] = [vpc_attachment(att, vpc, [f"subnet-app{prefix}"], tgw_id, account)]
        peer_tgw, peer_account = ("tgw-0k", "222222222222") if tgw_id == "tgw-0h" else ("tgw-0h", "111111111111")
        outputs["TransitGatewayAttachments"] = [
            listing(att, vpc, table_id, tgw_id, account=account, owner=account),
            listing("tgw-attach-0peer", peer_tgw, table_id, tgw_id, kind="peering", account=account, owner=peer_account)]
        outputs["TransitGatewayPropagations"] = [{"TransitGatewayRouteTableId": table_id,
                                                  "TransitGatewayRouteTablePropagations": [propagation(att, vpc)]}]
        outputs["TransitGatewayStaticRoutes"] = [{"TransitGatewayRouteTableId": table_id, "Routes": [
            static(peer_cidr, "tgw-attach-0peer", kind="peering")]}]
        if peering_attachments:  # account 2 asked, account 1 accepted
            outputs["TransitGatewayPeeringAttachments"] = [{
                "TransitGatewayAttachmentId": "tgw-attach-0peer", "State": "available",
                "Status": {"Code": "available"},
                "RequesterTgwInfo": {"TransitGatewayId": "tgw-0k", "OwnerId": "222222222222", "Region": "us-east-1"},
                "AccepterTgwInfo": {"TransitGatewayId": "tgw-0h", "OwnerId": "111111111111", "Region": "eu-west-2"}}]
    if moto_listing:  # moto lists the accepter's side under the requester's TGW and table
        b["TransitGatewayAttachments"][1] = copy.deepcopy(a["TransitGatewayAttachments"][1])
    write_outputs(tmp_path / "aws_configs" / "accounts" / "111111111111" / "eu-west-2", a)
    write_outputs(tmp_path / "aws_configs" / "accounts" / "222222222222" / "us-east-1", b)
    return tmp_path


def test_a_peering_listed_by_both_accounts_is_one_attachment_with_both_associations(tmp_path):
    net = emulator.load(_peered(tmp_path))
    [peering] = net.topology.all(m.TransitGatewayPeeringAttachment)
    assert {peering.requester_transit_gateway_id, peering.accepter_transit_gateway_id} == {"tgw-0h", "tgw-0k"}
    assert "tgw-attach-0peer" in net.topology.get("tgw-rtb-0h").associations
    assert "tgw-attach-0peer" in net.topology.get("tgw-rtb-0k").associations
    assert tgw_warnings(net) == []
    trace = ssh(net, "i-app0a", "10.1.2.10")
    assert trace.reachable and trace.path == ["i-app0a", "tgw-0h", "tgw-0k", "i-app0b"], trace.render()
    assert trace.reply.path == ["i-app0b", "tgw-0k", "tgw-0h", "i-app0a"]


def test_the_peering_attachments_output_says_which_side_requested(tmp_path):
    net = emulator.load(_peered(tmp_path, peering_attachments=True))
    peering = net.topology.get("tgw-attach-0peer", m.TransitGatewayPeeringAttachment)
    assert (peering.requester_transit_gateway_id, peering.accepter_transit_gateway_id) == ("tgw-0k", "tgw-0h")
    assert (peering.region, peering.owner_id) == ("us-east-1", "222222222222")
    assert ssh(net).reachable


def test_a_peering_to_a_transit_gateway_outside_the_data_is_ignored_and_its_routes_blackholed(tmp_path):
    root = _peered(tmp_path)
    for file in (root / "aws_configs" / "accounts" / "222222222222" / "us-east-1").iterdir():
        file.unlink()
    (root / "aws_configs" / "accounts" / "222222222222" / "us-east-1").rmdir()
    net = emulator.load(root)
    assert net.topology.get("tgw-attach-0peer") is None
    warnings = tgw_warnings(net)
    assert any("tgw-0k (account 222222222222) was not collected" in w for w in warnings)
    assert any("10.1.0.0/16 -> tgw-attach-0peer" in w and "blackhole" in w for w in warnings)
    assert_dropped(ssh(net), "BLACKHOLE_ROUTE")


def test_a_moto_style_listing_of_the_accepter_side_is_reported_and_that_side_stays_unassociated(tmp_path):
    net = emulator.load(_peered(tmp_path, moto_listing=True))
    warnings = tgw_warnings(net)
    assert any("listed in us-east-1 under tgw-0h" in w for w in warnings)
    assert any("associated with no route table of tgw-0k" in w and "R96" in w for w in warnings)
    assert "tgw-attach-0peer" not in net.topology.get("tgw-rtb-0k").associations
    assert_dropped(ssh(net), "TGW_ATTACHMENT_NOT_ASSOCIATED")


# --- what the data leaves out is reported, not invented ------------------------------------------------------


def test_an_active_static_route_without_an_attachment_is_reported_and_kept_as_blackhole(tmp_path):
    """moto returns static routes with an empty TransitGatewayAttachments list."""
    outputs = two_spokes()
    outputs["TransitGatewayStaticRoutes"][0]["Routes"] = [dict(static("10.1.2.0/24"), TransitGatewayAttachments=[])]
    net = load(outputs, tmp_path)
    [route] = net.topology.get(TABLE).routes
    assert (route.state, route.transit_gateway_attachment_id) == ("blackhole", None)
    assert any("10.1.2.0/24 -> nothing" in w and "names no attachment" in w for w in net.topology.warnings)


def test_attachments_that_propagate_nowhere_despite_default_propagation_are_reported(tmp_path):
    """moto records no propagation into the default table; AWS would have one for each attachment (R93)."""
    outputs = two_spokes()
    outputs["TransitGatewayPropagations"][0]["TransitGatewayRouteTablePropagations"] = []
    net = load(outputs, tmp_path)
    [warning] = [w for w in net.topology.warnings if "propagate into no route table" in w]
    assert ATT_A in warning and ATT_B in warning and TABLE in warning and "moto" in warning
    assert net.topology.get(TABLE).propagations == []  # nothing invented
    assert_dropped(ssh(net), "NO_ROUTE_TO_DESTINATION")


def test_wrapper_files_that_were_not_collected_are_reported(tmp_path):
    outputs = two_spokes()
    del outputs["TransitGatewayPropagations"], outputs["TransitGatewayStaticRoutes"], outputs["TransitGatewayAttachments"]
    net = load(outputs, tmp_path)
    warnings = " ".join(net.topology.warnings)
    for key in ("TransitGatewayPropagations", "TransitGatewayStaticRoutes", "TransitGatewayAttachments"):
        assert f"no {key} output" in warnings
    assert_dropped(ssh(net), "TGW_ATTACHMENT_NOT_ASSOCIATED")


def test_a_route_over_several_attachments_uses_the_first_with_a_warning(tmp_path):
    outputs = two_spokes()
    route = static("10.9.0.0/16", ATT_B)
    route["TransitGatewayAttachments"].append({"TransitGatewayAttachmentId": ATT_A, "ResourceType": "vpc"})
    outputs["TransitGatewayStaticRoutes"][0]["Routes"] = [route]
    net = load(outputs, tmp_path)
    assert net.topology.get(TABLE).routes[0].transit_gateway_attachment_id == ATT_B
    assert any("ECMP" in w for w in net.topology.warnings)


# --- errors: one line naming file, resource and field ----------------------------------------------------------


def _error(outputs, tmp_path) -> InputError:
    with pytest.raises(InputError) as caught:
        load(outputs, tmp_path)
    assert "\n" not in caught.value.line()
    return caught.value


def test_an_association_with_another_transit_gateways_table_is_an_error(tmp_path):
    outputs = two_spokes()
    outputs["TransitGateways"].append(transit_gateway("tgw-0other", "tgw-rtb-0other"))
    outputs["TransitGatewayRouteTables"].append(route_table_entry("tgw-rtb-0other", "tgw-0other"))
    outputs["TransitGatewayAttachments"][1]["Association"]["TransitGatewayRouteTableId"] = "tgw-rtb-0other"
    error = _error(outputs, tmp_path)
    assert (error.resource, error.field) == (ATT_B, "Association.TransitGatewayRouteTableId")
    assert error.file.endswith("TransitGatewayAttachments.json") and "tgw-0other" in error.message


def test_an_attachment_associated_with_two_tables_is_an_error(tmp_path):
    """The same attachment listed twice (two accounts' outputs, say) with different associations."""
    outputs = two_spokes()
    outputs["TransitGatewayRouteTables"].append(route_table_entry("tgw-rtb-0second", default=False))
    second = listing(ATT_B, "vpc-0b", "tgw-rtb-0second")
    folder = write_outputs(tmp_path / "aws_configs", outputs)
    (folder / "more-attachments.json").write_text(json.dumps({"TransitGatewayAttachments": [second]}))
    with pytest.raises(InputError, match="R91") as caught:
        emulator.load(tmp_path)
    assert caught.value.resource == ATT_B and "one route table per attachment" in caught.value.message


def test_a_static_route_to_an_attachment_missing_from_collected_data_is_an_error(tmp_path):
    outputs = two_spokes()
    outputs["TransitGatewayStaticRoutes"][0]["Routes"] = [static("10.9.0.0/16", "tgw-attach-0missing")]
    error = _error(outputs, tmp_path)
    assert error.file.endswith("TransitGatewayStaticRoutes.json") and error.resource == TABLE
    assert error.field == "Routes[0].TransitGatewayAttachments[0].TransitGatewayAttachmentId"
    assert "no such attachment" in error.message


def test_an_attachment_subnet_of_another_vpc_is_an_error(tmp_path):
    outputs = two_spokes()
    outputs["TransitGatewayVpcAttachments"][0]["SubnetIds"] = ["subnet-app0b"]
    error = _error(outputs, tmp_path)
    assert error.file.endswith("TransitGatewayVpcAttachments.json") and error.field == "SubnetIds"
    assert "belongs to vpc-0b, not to the attached VPC vpc-0a" in error.message


def test_a_propagation_of_an_unknown_attachment_is_an_error(tmp_path):
    outputs = two_spokes()
    outputs["TransitGatewayPropagations"][0]["TransitGatewayRouteTablePropagations"].append(
        propagation("tgw-attach-0ghost", "vpc-0z"))
    error = _error(outputs, tmp_path)
    assert error.file.endswith("TransitGatewayPropagations.json")
    assert error.field == "TransitGatewayRouteTablePropagations[2].TransitGatewayAttachmentId"


# --- imported transit gateways are written back as YAML ----------------------------------------------------


@pytest.mark.parametrize("build", [lambda p: (write_outputs(p / "aws_configs", two_spokes()), p)[1], _peered],
                         ids=["one-region", "peered-accounts"])
def test_vpcemu_import_writes_transit_gateways_that_trace_the_same(tmp_path, build):
    from emulator.inputs.yaml_writer import write_yaml

    original = emulator.load(build(tmp_path / "json"))
    path = tmp_path / "imported.yaml"
    write_yaml(copy.deepcopy(original.topology), path)
    written = emulator.load(path)
    for kind in (m.TransitGateway, m.TransitGatewayVpcAttachment, m.TransitGatewayPeeringAttachment,
                 m.TransitGatewayRouteTable):
        assert {r.id for r in written.topology.all(kind)} == {r.id for r in original.topology.all(kind)}
    for table in original.topology.all(m.TransitGatewayRouteTable):
        again = written.topology.get(table.id)
        assert (again.associations, again.propagations) == (table.associations, table.propagations)
    for source, destination in (("i-app0a", "10.1.2.10"), ("i-app0b", "10.0.2.10")):
        before, after = ssh(original, source, destination), ssh(written, source, destination)
        assert (after.verdict, after.path, after.reachable) == (before.verdict, before.path, before.reachable)
        assert before.reachable
