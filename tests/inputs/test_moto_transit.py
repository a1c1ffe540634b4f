"""Issue #3, acceptance 3: transit gateways built with boto3 `create_*` calls against moto, written
by tests/moto_snapshot.py as the Batfish collector writes them, imported and traced.

The network: VPC a (10.1/16) in eu-west-1 on tgw-1; VPCs b (10.2/16) and c (10.3/16) in eu-west-2 on
tgw-2; tgw-1 and tgw-2 peered (requested from eu-west-1, accepted in eu-west-2) with static routes
both ways; a static blackhole for 10.3.2.0/24 on tgw-2.

moto's TGW output differs from AWS's (../shared/moto-quirks.md and what this test found):
  1. no propagation into the default route table, though default propagation is on;
  2. static routes come back with an empty TransitGatewayAttachments list;
  3. describe_transit_gateway_vpc_attachments lists the peering attachment too, without a VpcId;
  4. the accepter region lists the peering under the requester's TGW and its table, so the
     accepter side's association is lost.
The importer reports each one and invents nothing. The tests then repair the folder to what AWS
would return and trace it as AWS forwards.
"""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

import emulator
from emulator import model as m
from emulator.cli import main as vpcemu
from tests.moto_snapshot import read_key, write_key, write_snapshot
from tests.paths import assert_dropped

WEST_1, WEST_2 = "eu-west-1", "eu-west-2"
AMI = "ami-12c6146b"  # one of moto's stock images
SSH_FROM_PRIVATE = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}


def _tag(kind: str, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def _spoke(ec2, region: str, name: str, n: int, tgw: str) -> dict[str, str]:
    vpc = ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16", TagSpecifications=_tag("vpc", name))["Vpc"]["VpcId"]
    app = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{n}.1.0/24", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    link = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{n}.255.0/28", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=app)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.0.0.0/8", TransitGatewayId=tgw)  # R97
    group = ec2.create_security_group(VpcId=vpc, GroupName=f"{name}-ssh", Description="ssh")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[SSH_FROM_PRIVATE])
    interface = {"DeviceIndex": 0, "SubnetId": app, "PrivateIpAddress": f"10.{n}.1.10", "Groups": [group]}
    host = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, NetworkInterfaces=[interface],
                             TagSpecifications=_tag("instance", f"host-{name}"))["Instances"][0]["InstanceId"]
    attachment = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[link])["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    return {"vpc": vpc, "host": host, "attachment": attachment}


@mock_aws
def build(root: Path) -> dict:
    ids: dict = {}
    clients = {region: boto3.client("ec2", region_name=region) for region in (WEST_1, WEST_2)}
    for region, key in ((WEST_1, "tgw-1"), (WEST_2, "tgw-2")):
        tgw = clients[region].create_transit_gateway(Description=key)["TransitGateway"]
        ids[key] = tgw["TransitGatewayId"]
        ids[f"{key}-table"] = tgw["Options"]["AssociationDefaultRouteTableId"]
    ids["a"] = _spoke(clients[WEST_1], WEST_1, "a", 1, ids["tgw-1"])
    ids["b"] = _spoke(clients[WEST_2], WEST_2, "b", 2, ids["tgw-2"])
    ids["c"] = _spoke(clients[WEST_2], WEST_2, "c", 3, ids["tgw-2"])
    peering = clients[WEST_1].create_transit_gateway_peering_attachment(
        TransitGatewayId=ids["tgw-1"], PeerTransitGatewayId=ids["tgw-2"], PeerAccountId="123456789012",
        PeerRegion=WEST_2)["TransitGatewayPeeringAttachment"]["TransitGatewayAttachmentId"]
    clients[WEST_2].accept_transit_gateway_peering_attachment(TransitGatewayAttachmentId=peering)
    clients[WEST_2].associate_transit_gateway_route_table(TransitGatewayRouteTableId=ids["tgw-2-table"],
                                                          TransitGatewayAttachmentId=peering)  # R96
    ids["peering"] = peering
    clients[WEST_1].create_transit_gateway_route(DestinationCidrBlock="10.2.0.0/15", TransitGatewayAttachmentId=peering,
                                                 TransitGatewayRouteTableId=ids["tgw-1-table"])
    clients[WEST_2].create_transit_gateway_route(DestinationCidrBlock="10.1.0.0/16", TransitGatewayAttachmentId=peering,
                                                 TransitGatewayRouteTableId=ids["tgw-2-table"])
    clients[WEST_2].create_transit_gateway_route(DestinationCidrBlock="10.3.2.0/24", Blackhole=True,
                                                 TransitGatewayRouteTableId=ids["tgw-2-table"])
    for region, client in clients.items():
        write_snapshot(root / "aws_configs", region, client)
    return ids


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("moto-tgw")
    return root, build(root)


def copy_of(built, tmp_path: Path) -> tuple[Path, dict]:
    import shutil

    root, ids = built
    shutil.copytree(root / "aws_configs", tmp_path / "aws_configs")
    return tmp_path, ids


# --- repairs: what AWS would have returned ------------------------------------------------------------


def repair_vpc_attachment_listing(root: Path) -> None:
    """Quirk 3: AWS lists only VPC attachments in describe-transit-gateway-vpc-attachments."""
    for region in (WEST_1, WEST_2):
        folder = root / "aws_configs" / region
        write_key(folder, "TransitGatewayVpcAttachments",
                  [a for a in read_key(folder, "TransitGatewayVpcAttachments") if "VpcId" in a])


def repair_accepter_listing(root: Path, ids: dict) -> None:
    """Quirk 4: the accepter lists the peering under its own TGW, with its own association."""
    folder = root / "aws_configs" / WEST_2
    listing = read_key(folder, "TransitGatewayAttachments")
    for entry in listing:
        if entry["TransitGatewayAttachmentId"] == ids["peering"]:
            entry.update(TransitGatewayId=ids["tgw-2"], ResourceId=ids["tgw-1"],
                         Association={"TransitGatewayRouteTableId": ids["tgw-2-table"], "State": "associated"})
    write_key(folder, "TransitGatewayAttachments", listing)


def repair_default_propagations(root: Path) -> None:
    """Quirk 1: with default propagation on, each VPC attachment propagates into the default table (R93)."""
    for region in (WEST_1, WEST_2):
        folder = root / "aws_configs" / region
        defaults = {t["TransitGatewayId"]: t["Options"]["PropagationDefaultRouteTableId"]
                    for t in read_key(folder, "TransitGateways")}
        wrappers = read_key(folder, "TransitGatewayPropagations")
        for attachment in read_key(folder, "TransitGatewayVpcAttachments"):
            if "VpcId" not in attachment:
                continue  # quirk 3's entry, repaired on its own
            wrapper = next(w for w in wrappers if w["TransitGatewayRouteTableId"] == defaults[attachment["TransitGatewayId"]])
            wrapper["TransitGatewayRouteTablePropagations"].append({
                "TransitGatewayAttachmentId": attachment["TransitGatewayAttachmentId"],
                "ResourceId": attachment["VpcId"], "ResourceType": "vpc", "State": "enabled"})
        write_key(folder, "TransitGatewayPropagations", wrappers)


def repair_static_route_attachments(root: Path, ids: dict) -> None:
    """Quirk 2: an active static route names its attachment."""
    for region, peer in ((WEST_1, ids["tgw-2"]), (WEST_2, ids["tgw-1"])):
        folder = root / "aws_configs" / region
        wrappers = read_key(folder, "TransitGatewayStaticRoutes")
        for wrapper in wrappers:
            for route in wrapper["Routes"]:
                if route["State"] == "active":
                    route["TransitGatewayAttachments"] = [{"ResourceId": peer, "ResourceType": "peering",
                                                           "TransitGatewayAttachmentId": ids["peering"]}]
        write_key(folder, "TransitGatewayStaticRoutes", wrappers)


def repair_all(root: Path, ids: dict) -> Path:
    repair_vpc_attachment_listing(root)
    repair_accepter_listing(root, ids)
    repair_default_propagations(root)
    repair_static_route_attachments(root, ids)
    return root


def transit_warnings(net) -> list[str]:
    return [w for w in net.topology.warnings if "tgw-" in w]


def ssh(net, source, destination):
    return net.trace_flow(source, destination, "tcp", 49152, 22, with_return=True)


# --- the snapshot as moto wrote it ---------------------------------------------------------------------


def test_the_snapshot_holds_what_the_calls_created(built, tmp_path):
    root, ids = copy_of(built, tmp_path)
    topology = emulator.load(root).topology
    assert {t.id for t in topology.all(m.TransitGateway)} == {ids["tgw-1"], ids["tgw-2"]}
    assert {a.id for a in topology.all(m.TransitGatewayVpcAttachment)} == {ids[k]["attachment"] for k in "abc"}
    [peering] = topology.all(m.TransitGatewayPeeringAttachment)
    assert peering.id == ids["peering"]
    assert {topology.get(ids[k]["vpc"]).region for k in "abc"} == {WEST_1, WEST_2}
    routes = {(r.destination, r.state) for t in topology.all(m.TransitGatewayRouteTable) for r in t.routes}
    assert ("10.3.2.0/24", "blackhole") in routes


def test_each_moto_quirk_is_reported_and_nothing_is_invented(built, tmp_path):
    root, ids = copy_of(built, tmp_path)
    net = emulator.load(root)
    warnings = transit_warnings(net)

    def warned(*words):
        return any(all(w in line for w in words) for line in warnings)

    assert warned(ids["a"]["attachment"], "propagates into no route table", ids["tgw-1-table"], "moto")  # quirk 1
    assert warned(ids["b"]["attachment"], ids["c"]["attachment"], "propagate into no route table", ids["tgw-2-table"])
    assert warned("10.2.0.0/15 -> nothing", "names no attachment") and warned("10.1.0.0/16 -> nothing")  # quirk 2
    assert warned("TransitGatewayVpcAttachments.json", ids["peering"], "without a VpcId")  # quirk 3
    assert warned(f"listed in {WEST_2} under {ids['tgw-1']}")  # quirk 4
    assert warned(ids["peering"], f"associated with no route table of {ids['tgw-2']}")
    # Nothing invented: no table learned a VPC CIDR, the static routes are blackholes.
    tables = list(net.topology.all(m.TransitGatewayRouteTable))
    assert all(t.propagations == [] for t in tables)
    assert {r.state for t in tables for r in t.routes} == {"blackhole"}
    assert_dropped(ssh(net, ids["b"]["host"], "10.3.1.10"), "NO_ROUTE_TO_DESTINATION")
    assert_dropped(ssh(net, ids["a"]["host"], "10.2.1.10"), "BLACKHOLE_ROUTE")


@pytest.mark.parametrize("left_out", ["vpc-listing", "accepter", "propagations", "static-routes"])
def test_each_repair_removes_its_own_warning_only(built, tmp_path, left_out):
    root, ids = copy_of(built, tmp_path)
    repairs = {"vpc-listing": lambda: repair_vpc_attachment_listing(root),
               "accepter": lambda: repair_accepter_listing(root, ids),
               "propagations": lambda: repair_default_propagations(root),
               "static-routes": lambda: repair_static_route_attachments(root, ids)}
    for name, repair in repairs.items():
        if name != left_out:
            repair()
    warnings = transit_warnings(emulator.load(root))
    marker = {"vpc-listing": "without a VpcId", "accepter": "associated with no route table",
              "propagations": "into no route table", "static-routes": "names no attachment"}
    assert any(marker[left_out] in w for w in warnings), warnings
    assert not any(marker[other] in w for w in warnings for other in marker if other != left_out), warnings


# --- repaired: traced as AWS forwards -------------------------------------------------------------------


@pytest.fixture
def repaired(built, tmp_path):
    root, ids = copy_of(built, tmp_path)
    return repair_all(root, ids), ids


def test_the_repaired_snapshot_loads_without_transit_warnings(repaired):
    root, ids = repaired
    net = emulator.load(root)
    assert transit_warnings(net) == []
    tgw_2_table = net.topology.get(ids["tgw-2-table"], m.TransitGatewayRouteTable)
    assert ids["peering"] in tgw_2_table.associations
    assert sorted(tgw_2_table.propagations) == sorted([ids["b"]["attachment"], ids["c"]["attachment"]])


def test_across_the_tgw_peering_both_directions_pass(repaired):
    root, ids = repaired
    net = emulator.load(root)
    trace = ssh(net, ids["a"]["host"], "10.2.1.10")
    assert trace.reachable, trace.render()
    assert trace.path == [ids["a"]["host"], ids["tgw-1"], ids["tgw-2"], ids["b"]["host"]]
    assert trace.reply.path == [ids["b"]["host"], ids["tgw-2"], ids["tgw-1"], ids["a"]["host"]]
    back = ssh(net, ids["c"]["host"], "10.1.1.10")
    assert back.reachable, back.render()


def test_within_one_region_the_default_table_joins_the_vpcs(repaired):
    root, ids = repaired
    net = emulator.load(root)
    trace = ssh(net, ids["b"]["host"], "10.3.1.10")
    assert trace.reachable and trace.path == [ids["b"]["host"], ids["tgw-2"], ids["c"]["host"]], trace.render()


def test_the_blackhole_route_drops_without_falling_back(repaired):
    """10.3.2.0/24 is a blackhole inside c's propagated 10.3.0.0/16 (R94)."""
    root, ids = repaired
    net = emulator.load(root)
    trace = ssh(net, ids["a"]["host"], "10.3.2.5")
    assert_dropped(trace, "BLACKHOLE_ROUTE")
    assert trace.hops[-1].id == ids["tgw-2-table"]


def test_the_cli_traces_the_repaired_folder_with_its_return(repaired, capsys):
    root, ids = repaired
    assert vpcemu(["trace", str(root), "--from", ids["c"]["host"], "--to", "10.1.1.10", "--dport", "22",
                   "--return", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "delivered" and data["return"]["verdict"] == "delivered"
    assert data["return"]["hops"][-1]["id"] == ids["c"]["host"]
