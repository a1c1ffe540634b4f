"""The transit gateway snapshots of ../shared/corpus/batfish, and test-vpc-peering-multi-account,
loaded and traced in both directions.

CASES.md keeps the expected outcomes of these snapshots back; what each test expects is worked out
here from the JSON by AWS's rules (R89–R100), and each test says how. Flows are TCP to port 22 (or
ICMP echo), which every instance's security group in these snapshots allows from anywhere, so the
security groups never decide: routing does.

test-transit-gateway-peering, two accounts, two regions:
  us-east-1 (732168539940): tgw-0e20… with two tables.
    tgw-rtb-05d2… (default): associated with VPC "bat" (10.10.0.0/16) and the peering attachment
      tgw-attach-012e…; only bat propagates into it.
    tgw-rtb-018a…: associated with VPC "bat2" (10.20.0.0/16); bat2 propagates into it; a static
      route 192.168.0.0/16 -> the peering.
  us-west-1 (804819755326): tgw-0320… with one default table tgw-rtb-00be…, associated with VPC
    "fish" (192.168.0.0/16) and the peering; fish propagates into it; a static route
    10.20.0.0/16 -> the peering.
So bat2 -> fish goes through (rtb-018a, then rtb-00be), but fish's reply enters tgw-0e20… over the
peering, whose table there (rtb-05d2…) knows only 10.10.0.0/16: dropped. fish -> bat2 dies the same
way; bat -> fish dies in rtb-05d2… (no 192.168/16); fish -> bat dies in rtb-00be… (no 10.10/16).
"""
from __future__ import annotations

import json

import pytest

import emulator
from emulator import model as m
from emulator.cli import main as vpcemu
from tests.conftest import corpus_snapshot
from tests.paths import assert_dropped

SSH = 22


def ssh(net, source, destination, with_return=True):
    return net.trace_flow(source, destination, "tcp", 49152, SSH, with_return=with_return)


def tables_crossed(trace) -> list[str]:
    return [h.id for h in trace.hops if h.type == "transit-gateway-route-table"]


# --- test-transit-gateway-peering ---------------------------------------------------------------------

BAT, BAT2, FISH = "i-08f3abb6471637c66", "i-05e25e43074216229", "i-0afb0a59f6bf36397"
BAT_IP, BAT2_IP, FISH_IP = "10.10.1.100", "10.20.1.100", "192.168.1.100"
TGW_EAST, TGW_WEST = "tgw-0e20010ebf43d07a2", "tgw-03201f1960ddb0c25"
PEERING = "tgw-attach-012e5d602f859dd80"
RTB_EAST_DEFAULT, RTB_EAST_BAT2, RTB_WEST = ("tgw-rtb-05d2952671d1f460a", "tgw-rtb-018a5e572ec3088d1",
                                             "tgw-rtb-00be87593fb2cd0ae")


@pytest.fixture(scope="module")
def tgw_peering():
    return emulator.load(corpus_snapshot("test-transit-gateway-peering"))


def test_tp_the_peering_attachment_listed_by_both_accounts_is_one_attachment_with_both_associations(tgw_peering):
    topology = tgw_peering.topology
    [peering] = topology.all(m.TransitGatewayPeeringAttachment)
    assert peering.id == PEERING
    assert {peering.requester_transit_gateway_id, peering.accepter_transit_gateway_id} == {TGW_EAST, TGW_WEST}
    associated = {t.id for t in topology.all(m.TransitGatewayRouteTable) if PEERING in t.associations}
    assert associated == {RTB_EAST_DEFAULT, RTB_WEST}  # each side's own association (R96)
    assert {topology.get(t).region for t in (TGW_EAST, TGW_WEST)} == {"us-east-1", "us-west-1"}
    assert {topology.get(t).owner_id for t in (TGW_EAST, TGW_WEST)} == {"732168539940", "804819755326"}
    assert not any("TransitGateway" in w for w in topology.warnings), topology.warnings


def test_tp_bat2_reaches_fish_across_the_peering_but_the_reply_has_no_route_back(tgw_peering):
    trace = ssh(tgw_peering, BAT2, FISH_IP)
    assert trace.verdict == "delivered" and trace.delivered_to == FISH, trace.render()
    assert trace.path == [BAT2, TGW_EAST, TGW_WEST, FISH]
    assert tables_crossed(trace) == [RTB_EAST_BAT2, RTB_WEST]
    assert any(h.id == PEERING and h.action == "forward" for h in trace.hops)
    # The reply: rtb-00be sends 10.20/16 over the peering; on tgw-0e20 the peering is associated
    # with the default table, into which bat2 does not propagate (R89, R96).
    assert_dropped(trace.reply, "NO_ROUTE_TO_DESTINATION")
    assert tables_crossed(trace.reply) == [RTB_WEST, RTB_EAST_DEFAULT]
    assert trace.reply.path == [FISH, TGW_WEST, TGW_EAST]
    assert not trace.reachable


def test_tp_fish_cannot_reach_bat2(tgw_peering):
    trace = ssh(tgw_peering, FISH, BAT2_IP)
    assert_dropped(trace, "NO_ROUTE_TO_DESTINATION")
    assert trace.hops[-1].id == RTB_EAST_DEFAULT and trace.path == [FISH, TGW_WEST, TGW_EAST]


@pytest.mark.parametrize("source, destination, table", [(BAT, FISH_IP, RTB_EAST_DEFAULT), (FISH, BAT_IP, RTB_WEST)],
                         ids=["bat-to-fish", "fish-to-bat"])
def test_tp_bat_and_fish_have_no_route_to_each_other(tgw_peering, source, destination, table):
    trace = ssh(tgw_peering, source, destination)
    assert_dropped(trace, "NO_ROUTE_TO_DESTINATION")
    assert trace.hops[-1].id == table
    assert PEERING not in [h.id for h in trace.hops]  # it never reaches the peering


def test_tp_icmp_echo_takes_the_same_one_way_path(tgw_peering):
    trace = tgw_peering.trace_flow(BAT2, FISH_IP, "icmp", with_return=True)
    assert trace.verdict == "delivered" and trace.reply.code == "NO_ROUTE_TO_DESTINATION"


def test_tp_the_cli_prints_both_directions_as_json(tgw_peering, capsys):
    snapshot = corpus_snapshot("test-transit-gateway-peering")
    assert vpcemu(["trace", str(snapshot), "--from", BAT2, "--to", FISH_IP, "--dport", "22", "--return", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["verdict"], data["return"]["verdict"], data["return"]["code"]) == (
        "delivered", "dropped", "NO_ROUTE_TO_DESTINATION")


# --- test-transit-gateway: one table, attachment subnets in one AZ each -----------------------------------
# VPC A (10.10/16): i-06ba… in 10.10.10.0/24 (us-east-2c, A's attachment subnet) and i-075e… in
# 10.10.20.0/24 (us-east-2a, no attachment subnet). VPC B (192.168/16): i-0b14… in us-east-2b,
# the attachment subnet. Both attachments use and propagate into the default table.

A_2C, A_2A, B_2B = "i-06ba034d88c84ef07", "i-075e846ed41670385", "i-0b14080af811fda3d"
TGW_ONE = "tgw-044be4464fcc69aff"


@pytest.fixture(scope="module")
def one_table():
    return emulator.load(corpus_snapshot("test-transit-gateway"))


def test_tg_attached_azs_talk_both_ways_through_the_default_table(one_table):
    trace = ssh(one_table, A_2C, "192.168.1.106")
    assert trace.reachable and trace.path == [A_2C, TGW_ONE, B_2B], trace.render()
    assert trace.reply.path == [B_2B, TGW_ONE, A_2C]
    assert tables_crossed(trace) == tables_crossed(trace.reply) == ["tgw-rtb-0fa40c8df355dce6e"]


def test_tg_a_subnet_in_an_az_without_an_attachment_subnet_cannot_reach_the_tgw(one_table):
    """R98: A's attachment covers us-east-2c only; i-075e… sits in us-east-2a."""
    trace = ssh(one_table, A_2A, "192.168.1.106")
    assert_dropped(trace, "TGW_NO_ATTACHMENT_IN_AZ")
    assert trace.hops[-1].id == "tgw-attach-07f5ec59e9f540021"


def test_tg_traffic_into_the_uncovered_az_arrives_but_its_reply_cannot_leave(one_table):
    trace = ssh(one_table, B_2B, "10.10.20.154")
    assert trace.verdict == "delivered" and trace.delivered_to == A_2A
    assert_dropped(trace.reply, "TGW_NO_ATTACHMENT_IN_AZ")


def test_tg_the_deleted_vpn_attachment_and_terminated_instance_are_ignored(one_table):
    assert one_table.topology.get("tgw-attach-0d724909ecd7a5961") is None
    assert one_table.topology.get("i-04a292ff83b3aa833") is None


# --- test-transit-gateway-multi-table: each VPC associated with the table the other propagates into ------


def test_tm_each_direction_uses_the_table_of_its_own_ingress_attachment():
    net = emulator.load(corpus_snapshot("test-transit-gateway-multi-table"))
    trace = ssh(net, A_2C, "192.168.1.106")
    assert trace.reachable, trace.render()
    assert tables_crossed(trace) == ["tgw-rtb-0fa40c8df355dce6e"]  # A's association: B propagates here
    assert tables_crossed(trace.reply) == ["tgw-rtb-096a7119299ab1c42"]  # B's association: A propagates here
    back = net.trace_flow(B_2B, "10.10.10.157", "icmp", with_return=True)  # A's group allows echo
    assert back.reachable, back.render()


# --- test-transit-gateway-asymmetric-paths: two TGWs, one per direction -------------------------------------
# bat (10.1/16) routes 10.2/16 to tgw-01e1…, whose table for bat's attachment holds fish's CIDR;
# fish (10.2/16) routes 10.1/16 to tgw-0a33…, whose table for fish's attachment holds bat's CIDR.


@pytest.mark.parametrize("source, destination, forward_tgw, reply_tgw", [
    ("i-04bbbcaefdd1937f9", "10.2.1.100", "tgw-01e19888e3ba041ac", "tgw-0a33c739a4f8978a8"),
    ("i-0973ce90749865a7f", "10.1.1.100", "tgw-0a33c739a4f8978a8", "tgw-01e19888e3ba041ac"),
], ids=["bat-to-fish", "fish-to-bat"])
def test_ta_request_and_reply_cross_different_transit_gateways(source, destination, forward_tgw, reply_tgw):
    net = emulator.load(corpus_snapshot("test-transit-gateway-asymmetric-paths"))
    trace = ssh(net, source, destination)
    assert trace.reachable and trace.asymmetric, trace.render()
    assert forward_tgw in trace.path and reply_tgw not in trace.path
    assert reply_tgw in trace.reply.path and forward_tgw not in trace.reply.path
    assert json.loads(trace.to_json())["return"]["asymmetric"] is True


# --- test-transit-gateway-multi-account: a TGW shared with another account ------------------------------------


def test_tma_a_shared_transit_gateway_joins_vpcs_of_two_accounts():
    net = emulator.load(corpus_snapshot("test-transit-gateway-multi-account"))
    topology = net.topology
    # Both accounts list the TGW and the second account's attachment: one of each.
    assert [t.id for t in topology.all(m.TransitGateway)] == ["tgw-0efdeab79e9a8e490"]
    shared = topology.get("tgw-attach-0f8397dbb9b9bce0d", m.TransitGatewayVpcAttachment)
    assert shared.owner_id == "951601349076" and topology.get(shared.transit_gateway_id).owner_id == "028403472736"
    trace = ssh(net, "i-0bdf35d561be3d962", "10.2.1.183")
    assert trace.reachable and trace.path == ["i-0bdf35d561be3d962", "tgw-0efdeab79e9a8e490", "i-03df168b3f73cc262"]
    assert ssh(net, "i-03df168b3f73cc262", "10.1.1.100").reachable


# --- test-vpc-peering-multi-account: the one active peering, both ways -------------------------------------


@pytest.mark.parametrize("source, destination", [("i-07ae69cc808e8804e", "10.2.1.252"),
                                                 ("i-066ce0b1efbb5602c", "10.1.1.100")])
def test_pma_the_active_cross_account_peering_carries_both_directions(source, destination):
    net = emulator.load(corpus_snapshot("test-vpc-peering-multi-account"))
    trace = ssh(net, source, destination)
    assert trace.reachable and trace.crosses("pcx-0040f7640e10191f4"), trace.render()
    assert trace.reply.crosses("pcx-0040f7640e10191f4") and not trace.asymmetric
