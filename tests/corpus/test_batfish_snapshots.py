"""Every Batfish `aws_configs` snapshot in ../shared/corpus/batfish loads and validates.

What each snapshot should yield is worked out here from the raw JSON with plain `json`, by the
state rules of CASES.md §2 (running instances, active peerings, available NAT gateways and
endpoints), not by the loader under test.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import emulator
from emulator import model as m
from tests.conftest import CORPUS, corpus_snapshot

SNAPSHOTS = [
    "test-nat-gateway", "test-transit-gateway", "test-transit-gateway-asymmetric-paths",
    "test-transit-gateway-multi-account", "test-transit-gateway-multi-table", "test-transit-gateway-peering",
    "test-vpc-endpoint-gateway", "test-vpc-endpoint-interface", "test-vpc-peering", "test-vpc-peering-multi-account",
]
TGW_SNAPSHOTS = [s for s in SNAPSHOTS if "transit-gateway" in s]


def raw_items(snapshot: Path, key: str) -> list[dict]:
    """Every object under top-level `key` in any JSON file of the snapshot, whatever the file's name."""
    out = []
    for file in sorted(snapshot.rglob("*.json")):
        out.extend(json.loads(file.read_text()).get(key, []))
    return out


def expected_ids(snapshot: Path) -> dict[type, set[str]]:
    instances = [i for r in raw_items(snapshot, "Reservations") for i in r["Instances"]]
    return {
        m.Vpc: {v["VpcId"] for v in raw_items(snapshot, "Vpcs")},
        m.Subnet: {s["SubnetId"] for s in raw_items(snapshot, "Subnets")},
        m.RouteTable: {t["RouteTableId"] for t in raw_items(snapshot, "RouteTables")},
        m.SecurityGroup: {g["GroupId"] for g in raw_items(snapshot, "SecurityGroups")},
        m.NetworkAcl: {a["NetworkAclId"] for a in raw_items(snapshot, "NetworkAcls")},
        m.InternetGateway: {g["InternetGatewayId"] for g in raw_items(snapshot, "InternetGateways")},
        m.Instance: {i["InstanceId"] for i in instances if i["State"]["Name"] == "running"},
        m.NatGateway: {n["NatGatewayId"] for n in raw_items(snapshot, "NatGateways") if n["State"] == "available"},
        m.VpcPeeringConnection: {p["VpcPeeringConnectionId"] for p in raw_items(snapshot, "VpcPeeringConnections")
                                 if p["Status"]["Code"] == "active"},
        (m.GatewayEndpoint, m.InterfaceEndpoint): {e["VpcEndpointId"] for e in raw_items(snapshot, "VpcEndpoints")
                                                   if e["State"] == "available"},
        # CASES.md §2: TGWs, their route tables and attachments count only when `available`.
        m.TransitGateway: {g["TransitGatewayId"] for g in raw_items(snapshot, "TransitGateways")
                           if g["State"] == "available"},
        m.TransitGatewayRouteTable: {t["TransitGatewayRouteTableId"] for t in raw_items(snapshot, "TransitGatewayRouteTables")
                                     if t["State"] == "available"},
        m.TransitGatewayVpcAttachment: {a["TransitGatewayAttachmentId"]
                                        for a in raw_items(snapshot, "TransitGatewayVpcAttachments")
                                        if a["State"] == "available"},
        m.TransitGatewayPeeringAttachment: {a["TransitGatewayAttachmentId"]
                                            for a in raw_items(snapshot, "TransitGatewayAttachments")
                                            if a["ResourceType"] == "peering" and a["State"] == "available"},
    }


def test_the_corpus_holds_exactly_the_snapshots_this_file_checks():
    corpus_snapshot(SNAPSHOTS[0])
    assert sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) == SNAPSHOTS


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_snapshot_loads_validates_and_keeps_what_aws_would(name):
    snapshot = corpus_snapshot(name)
    net = emulator.load(snapshot)  # loads and validates: an InputError fails the test
    topology = net.topology
    for kind, ids in expected_ids(snapshot).items():
        found = {r.id for r in topology.all(kind)} if isinstance(kind, type) else {
            r.id for k in kind for r in topology.all(k)}
        assert found == ids, kind
    assert topology.source == str(snapshot)
    for resource_id, origin in topology.origins.items():
        assert Path(origin).is_relative_to(snapshot) and origin.endswith(".json"), resource_id
    every_eni = {e["NetworkInterfaceId"] for e in raw_items(snapshot, "NetworkInterfaces")}
    assert {e.id for e in topology.all(m.NetworkInterface)} <= every_eni
    assert net.fabric.ports  # something to send from


@pytest.mark.parametrize("name", TGW_SNAPSHOTS)
def test_transit_gateway_data_is_read_not_reported_as_unread(name):
    """Every TGW key of the snapshots is read (aws_json_transit.py), so none is named as ignored,
    and no VPC route to a `tgw-` is turned into a blackhole: every TGW they name is in the data."""
    topology = emulator.load(corpus_snapshot(name)).topology
    for warning in topology.warnings:
        assert "does not read these keys" not in warning or "TransitGateway" not in warning, warning
    tgw_routes = [r for t in topology.all(m.RouteTable) for r in t.routes if r.transit_gateway_id]
    assert tgw_routes and all(r.state == "active" for r in tgw_routes)


@pytest.mark.parametrize("name, region", [("test-nat-gateway", "us-east-2"), ("test-vpc-peering", "us-east-2"),
                                          ("test-vpc-endpoint-gateway", "us-east-1")])
def test_regions_come_from_the_data_or_the_folder_never_batfish_default(name, region):
    """CASES.md §2: flat snapshots are us-west-2 to Batfish, but their subnets are in us-east-2."""
    topology = emulator.load(corpus_snapshot(name)).topology
    assert {v.region for v in topology.all(m.Vpc)} == {region}


def test_multi_account_peering_snapshot_drops_deleted_peerings_and_terminated_instances():
    """CASES.md: the data holds deleted peerings and a terminated instance, which AWS ignores (R77)."""
    topology = emulator.load(corpus_snapshot("test-vpc-peering-multi-account")).topology
    assert [p.id for p in topology.all(m.VpcPeeringConnection)] == ["pcx-0040f7640e10191f4"]
    for gone in ("pcx-00eeab4f3bd2a40da", "pcx-07d8d712b329b9337", "i-022b9fb2c0a0c72c1"):
        assert topology.get(gone) is None
    owners = {v.vpc_id: v.owner_id for v in topology.all(m.Vpc)}
    assert owners == {"vpc-0f44fae3468d2b998": "028403472736", "vpc-05951c91977125d2e": "951601349076"}


def test_disassociated_vpc_cidrs_are_not_part_of_the_vpc():
    topology = emulator.load(corpus_snapshot("test-vpc-peering")).topology
    assert {v.vpc_id: v.cidr_blocks for v in topology.all(m.Vpc)} == {
        "vpc-0404e08ceddf7f650": ["10.10.0.0/16"], "vpc-00a31ce9d0c06675c": ["192.168.0.0/16"],
        "vpc-09095dbf2886404ee": ["192.168.0.0/16"]}


def test_a_blackhole_route_to_an_absent_internet_gateway_stays_blackhole_quietly():
    """test-vpc-peering: B's 0/0 -> igw-0a2c9ae201b441bff is `blackhole` and no IGW exists (R17)."""
    net = emulator.load(corpus_snapshot("test-vpc-peering"))
    route = next(r for r in net.topology.get("rtb-017c36290c9baf017", m.RouteTable).routes
                 if r.destination == "0.0.0.0/0")
    assert (route.gateway_id, route.state) == ("igw-0a2c9ae201b441bff", "blackhole")
    assert [w for w in net.topology.warnings if "igw-0a2c9ae201b441bff" in w or "R17" in w] == []
    trace = net.trace_flow("i-0b14080af811fda3d", "8.8.8.8")
    assert (trace.verdict, trace.code) == ("dropped", "BLACKHOLE_ROUTE")


def test_routes_to_internet_gateways_that_were_never_collected_are_blackholes_with_a_warning():
    """test-vpc-peering-multi-account collects no InternetGateways at all, yet its tables route
    0/0 to IGWs: those routes cannot be followed, and the warning says so."""
    topology = emulator.load(corpus_snapshot("test-vpc-peering-multi-account")).topology
    blackholes = {(t.id, r.target_id) for t in topology.all(m.RouteTable) for r in t.routes if r.state == "blackhole"}
    assert blackholes == {("rtb-0039abf2a28b091bb", "igw-0ccac11864b23b189"),
                          ("rtb-00fa109c642f8c07d", "igw-040de946422fc9672")}
    for _, igw in blackholes:
        assert any(igw in w and "InternetGateways" in w for w in topology.warnings)
