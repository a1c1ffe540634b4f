"""Transit gateways, one test (or more) per rule of ../shared/aws-semantics.md §H (R89–R103) that
applies to IPv4. Networks are written inline in the YAML format and loaded by the real loader.

Spoke VPC n uses 10.n.0.0/16: its instance `host-<name>` sits at 10.n.1.10 in subnet `app`, and
the transit gateway attachment uses subnets `tgw-<az>` (10.n.255.0/28 in AZ a, .16/28 in AZ b).

R90 (attachment kinds): vpcemu forwards through VPC and peering attachments; routes to VPN,
Direct Connect and Connect attachments in imported data become blackholes with a warning
(tests/inputs/test_aws_json_transit.py). R102: vpcemu models IPv4 subnets only and no Local Zones,
so every subnet satisfies it; nothing to test.
"""
from __future__ import annotations

import pytest

from emulator import model as m
from emulator.inputs.errors import InputError
from tests.builders import network_from_yaml
from tests.paths import assert_dropped

OPEN = "{open: {ingress: [{protocol: all, from: 0.0.0.0/0}]}}"


def spoke(name: str, n: int, azs: str = "a", host_az: str = "a", routes: str = "{destination: 10.0.0.0/8, target: hub}",
          groups: str = OPEN, group: str = "open", extra: str = "") -> str:
    attachment_subnets = "".join(f", tgw-{az}: {{cidr_block: 10.{n}.255.{16 * i}/28, az: eu-west-2{az}}}"
                                 for i, az in enumerate(azs))
    return f"""
      {name}:
        cidr_blocks: [10.{n}.0.0/16]
        route_tables: {{main: {{main: true, routes: [{routes}]}}}}
        subnets: {{app: {{cidr_block: 10.{n}.1.0/24, az: eu-west-2{host_az}}}{attachment_subnets}}}
        security_groups: {groups}
        instances: {{host-{name}: {{subnet: app, private_ip: 10.{n}.1.10, security_groups: [{group}]}}}}{extra}"""


def attachment(vpc: str, azs: str = "a", extra: str = "") -> str:
    return f"{vpc}: {{vpc: {vpc}, subnets: [{', '.join(f'tgw-{az}' for az in azs)}]{extra}}}"


def network(spokes: str, hub: str, rest: str = ""):
    """One region, the spokes' VPCs and a transit gateway `hub` whose body is `hub` (indented YAML)."""
    return network_from_yaml(f"""
regions:
  eu-west-2:
    vpcs:{spokes}
    transit_gateways:
      hub:
{hub}
{rest}""")


MESH = """        attachments:
          {a}
          {b}""".format(a=attachment("a"), b=attachment("b"))


def table(net, tgw_name: str, table_name: str) -> m.TransitGatewayRouteTable:
    return next(t for t in net.topology.all(m.TransitGatewayRouteTable)
                if t.name == table_name and net.topology.get(t.transit_gateway_id).name == tgw_name)


def attachment_id(net, name: str) -> str:
    return net.topology.find(name, (m.TransitGatewayVpcAttachment, m.TransitGatewayPeeringAttachment)).id


def tgw(net, name: str = "hub") -> str:
    return net.topology.find(name, m.TransitGateway).id


# --- R89: the table associated with the ingress attachment decides --------------------------------


SEGMENTED = """        default_route_table_association: false
        default_route_table_propagation: false
        attachments:
          {a}
          {b}
          {c}
        route_tables:
          red: {{associations: [a], propagations: [b, c]}}
          blue: {{associations: [b, c], propagations: [a]}}""".format(a=attachment("a"), b=attachment("b"),
                                                                      c=attachment("c"))


def test_r89_the_same_destination_is_reachable_from_one_attachment_and_not_from_another():
    net = network(spoke("a", 1) + spoke("b", 2) + spoke("c", 3), SEGMENTED)
    from_a = net.trace_flow("host-a", "10.3.1.10", with_return=True)
    assert from_a.reachable, from_a.render()
    from_b = net.trace_flow("host-b", "10.3.1.10")
    assert_dropped(from_b, "NO_ROUTE_TO_DESTINATION")
    assert from_b.hops[-1].id == table(net, "hub", "blue").id  # b's own association decided
    routed = [h.id for h in from_a.hops if h.type == "transit-gateway-route-table"]
    assert routed == [table(net, "hub", "red").id]


# --- R91: exactly one association -------------------------------------------------------------------


def test_r91_a_second_association_for_one_attachment_is_refused():
    hub = SEGMENTED.replace("blue: {associations: [b, c]", "blue: {associations: [a, b, c]")
    with pytest.raises(InputError, match="R91") as caught:
        network(spoke("a", 1) + spoke("b", 2) + spoke("c", 3), hub)
    assert caught.value.field == "associations" and "already associated" in caught.value.message


def test_r91_traffic_from_an_unassociated_attachment_is_dropped():
    hub = SEGMENTED.replace("red: {associations: [a], ", "red: {")
    net = network(spoke("a", 1) + spoke("b", 2) + spoke("c", 3), hub)
    trace = net.trace_flow("host-a", "10.3.1.10")
    assert_dropped(trace, "TGW_ATTACHMENT_NOT_ASSOCIATED")
    assert trace.hops[-1].id == tgw(net)
    # Traffic toward a (b's table knows a) still arrives: association only governs what comes in.
    assert net.trace_flow("host-b", "10.1.1.10").verdict == "delivered"


def test_r91_a_table_can_be_associated_with_many_attachments():
    net = network(spoke("a", 1) + spoke("b", 2) + spoke("c", 3), SEGMENTED)
    assert table(net, "hub", "blue").associations == [attachment_id(net, "b"), attachment_id(net, "c")]
    for host in ("host-b", "host-c"):
        assert net.trace_flow(host, "10.1.1.10").verdict == "delivered"


# --- R92: propagation into many tables, independent of association ----------------------------------


def test_r92_one_attachment_propagates_its_vpc_cidr_into_several_tables():
    hub = """        default_route_table_association: false
        default_route_table_propagation: false
        attachments:
          {a}
          {b}
          {c}
        route_tables:
          for-b: {{associations: [b], propagations: [a]}}
          for-c: {{associations: [c], propagations: [a]}}
          for-a: {{associations: [a], propagations: [b, c]}}""".format(a=attachment("a"), b=attachment("b"),
                                                                         c=attachment("c"))
    net = network(spoke("a", 1) + spoke("b", 2) + spoke("c", 3), hub)
    for host in ("host-b", "host-c"):
        trace = net.trace_flow(host, "10.1.1.10", with_return=True)
        assert trace.reachable, trace.render()
    route = next(h for h in net.trace_flow("host-b", "10.1.1.10").hops if h.type == "transit-gateway-route-table")
    assert route.detail.startswith(f"10.1.0.0/16 -> {attachment_id(net, 'a')}")
    # a is associated with neither for-b nor for-c, yet both learned its CIDR.
    assert attachment_id(net, "a") not in table(net, "hub", "for-b").associations


# --- R93: default association and propagation ----------------------------------------------------------


def test_r93_by_default_every_attachment_is_associated_and_propagates_into_one_table():
    net = network(spoke("a", 1) + spoke("b", 2), MESH)
    [default] = net.topology.all(m.TransitGatewayRouteTable)
    assert default.default_association_route_table and default.default_propagation_route_table
    assert sorted(default.associations) == sorted(default.propagations) == sorted(
        [attachment_id(net, "a"), attachment_id(net, "b")])
    trace = net.trace_flow("host-a", "10.2.1.10", with_return=True)
    assert trace.reachable and trace.crosses(tgw(net)), trace.render()


def test_r93_with_both_defaults_disabled_there_is_no_default_table():
    hub = MESH.replace("        attachments:", "        default_route_table_association: false\n"
                                               "        default_route_table_propagation: false\n        attachments:")
    net = network(spoke("a", 1) + spoke("b", 2), hub)
    assert list(net.topology.all(m.TransitGatewayRouteTable)) == []
    assert net.topology.get(tgw(net)).association_default_route_table_id is None
    assert_dropped(net.trace_flow("host-a", "10.2.1.10"), "TGW_ATTACHMENT_NOT_ASSOCIATED")


def test_r93_with_only_propagation_disabled_attachments_are_associated_but_learn_nothing():
    hub = MESH.replace("        attachments:", "        default_route_table_propagation: false\n        attachments:")
    net = network(spoke("a", 1) + spoke("b", 2), hub)
    [default] = net.topology.all(m.TransitGatewayRouteTable)
    assert len(default.associations) == 2 and default.propagations == []
    trace = net.trace_flow("host-a", "10.2.1.10")
    assert_dropped(trace, "NO_ROUTE_TO_DESTINATION")
    assert trace.hops[-1].id == default.id


# --- R94: static and blackhole routes -------------------------------------------------------------------


def _static(routes: str) -> str:
    return """        default_route_table_association: false
        default_route_table_propagation: false
        attachments:
          {a}
          {b}
        route_tables:
          from-a: {{associations: [a], routes: [{routes}]}}
          from-b: {{associations: [b], propagations: [a]}}""".format(a=attachment("a"), b=attachment("b"),
                                                                    routes=routes)


def test_r94_a_static_route_reaches_an_attachment_that_propagates_nothing():
    net = network(spoke("a", 1) + spoke("b", 2), _static("{destination: 10.2.0.0/16, attachment: b}"))
    trace = net.trace_flow("host-a", "10.2.1.10", with_return=True)
    assert trace.reachable, trace.render()


def test_r94_a_blackhole_route_takes_part_in_lpm_and_drops_without_falling_back():
    net = network(spoke("a", 1) + spoke("b", 2), _static(
        "{destination: 10.2.0.0/16, attachment: b}, {destination: 10.2.1.0/24, blackhole: true}"))
    trace = net.trace_flow("host-a", "10.2.1.10")
    assert_dropped(trace, "BLACKHOLE_ROUTE")
    assert trace.hops[-1].id == table(net, "hub", "from-a").id
    # Outside the /24 the wider static route still applies (to b's VPC, which has no such host).
    assert_dropped(net.trace_flow("host-a", "10.2.2.10"), "NO_SUBNET_FOR_DESTINATION")


# --- R95: route evaluation order on equal prefixes ---------------------------------------------------------


def _ranked(routes: str) -> str:
    return _static(routes).replace("from-a: {associations: [a], ", "from-a: {associations: [a], propagations: [b], ")


PREFIX_LISTS = """
    prefix_lists:
      spoke-b: {entries: [10.2.0.0/16]}"""


def network_with_lists(spokes: str, hub: str):
    return network_from_yaml(f"""
regions:
  eu-west-2:{PREFIX_LISTS}
    vpcs:{spokes}
    transit_gateways:
      hub:
{hub}
""")


@pytest.mark.parametrize("routes, verdict", [
    ("{destination: 10.2.0.0/16, blackhole: true}", "dropped"),  # static beats propagated
    ("{destination: spoke-b, blackhole: true}", "dropped"),  # prefix list beats propagated
    ("{destination: 10.2.0.0/16, attachment: b}, {destination: spoke-b, blackhole: true}", "delivered"),  # static beats list
    ("{destination: 10.2.0.0/16, blackhole: true}, {destination: spoke-b, attachment: b}", "dropped"),
], ids=["static-over-propagated", "prefix-list-over-propagated", "static-over-prefix-list", "static-blackhole-over-list"])
def test_r95_static_then_prefix_list_then_propagated_on_an_equal_prefix(routes, verdict):
    """b propagates 10.2.0.0/16 into a's table, which also holds the routes given, all for 10.2.0.0/16."""
    net = network_with_lists(spoke("a", 1) + spoke("b", 2), _ranked(routes))
    trace = net.trace_flow("host-a", "10.2.1.10")
    assert trace.verdict == verdict, trace.render()
    if verdict == "dropped":
        assert_dropped(trace, "BLACKHOLE_ROUTE")


def test_r95_the_longest_prefix_wins_before_any_rank():
    net = network_with_lists(spoke("a", 1) + spoke("b", 2), _ranked("{destination: 10.0.0.0/8, blackhole: true}"))
    assert net.trace_flow("host-a", "10.2.1.10").verdict == "delivered"  # propagated /16 beats static /8
    assert_dropped(net.trace_flow("host-a", "10.9.1.10"), "BLACKHOLE_ROUTE")


def test_r95_a_prefix_list_reference_routes_to_an_attachment():
    net = network_with_lists(spoke("a", 1) + spoke("b", 2), _static("{destination: spoke-b, attachment: b}"))
    trace = net.trace_flow("host-a", "10.2.1.10", with_return=True)
    assert trace.reachable, trace.render()
    route = next(h for h in trace.hops if h.type == "transit-gateway-route-table")
    pl = net.topology.find("spoke-b", m.PrefixList).id
    assert route.detail.startswith(f"{pl} -> {attachment_id(net, 'b')}") and "entry 10.2.0.0/16" in route.detail


# --- R96: transit gateway peering --------------------------------------------------------------------------


def peered(near_table: str, far_table: str) -> str:
    """hub-1 (eu-west-1, VPC a) peered with hub-2 (eu-west-2, VPC b)."""
    return f"""
regions:
  eu-west-1:
    vpcs:
      a:
        cidr_blocks: [10.1.0.0/16]
        route_tables: {{main: {{main: true, routes: [{{destination: 10.0.0.0/8, target: hub-1}}]}}}}
        subnets: {{app: {{cidr_block: 10.1.1.0/24, az: eu-west-1a}}, tgw-a: {{cidr_block: 10.1.255.0/28, az: eu-west-1a}}}}
        security_groups: {OPEN}
        instances: {{host-a: {{subnet: app, private_ip: 10.1.1.10, security_groups: [open]}}}}
    transit_gateways:
      hub-1:
        attachments: {{a: {{vpc: a, subnets: [tgw-a]}}}}
        route_tables:
          main: {{default: true, {near_table}}}
  eu-west-2:
    vpcs:{spoke("b", 2)}
    transit_gateways:
      hub-2:
        attachments: {{b: {{vpc: b, subnets: [tgw-a]}}}}
        route_tables:
          main: {{default: true, {far_table}}}
transit_gateway_peerings:
  link: {{requester: hub-1, accepter: hub-2}}
""".replace("target: hub}", "target: hub-2}")


BOTH_SIDES = ("associations: [link], routes: [{destination: 10.2.0.0/16, attachment: link}]",
              "associations: [link], routes: [{destination: 10.1.0.0/16, attachment: link}]")


def test_r96_peered_transit_gateways_carry_traffic_on_static_routes_both_ways():
    net = network_from_yaml(peered(*BOTH_SIDES))
    trace = net.trace_flow("host-a", "10.2.1.10", with_return=True)
    assert trace.reachable, trace.render()
    assert [c for c in trace.path if c.startswith("tgw-")] == [tgw(net, "hub-1"), tgw(net, "hub-2")]
    assert [c for c in trace.reply.path if c.startswith("tgw-")] == [tgw(net, "hub-2"), tgw(net, "hub-1")]


def test_r96_without_a_static_route_on_the_far_side_the_reply_is_dropped():
    """The far side learns nothing over the peering: no propagation across it."""
    net = network_from_yaml(peered(BOTH_SIDES[0], "associations: [link]"))
    trace = net.trace_flow("host-a", "10.2.1.10", with_return=True)
    assert trace.verdict == "delivered" and not trace.reachable
    assert_dropped(trace.reply, "NO_ROUTE_TO_DESTINATION")
    assert trace.reply.hops[-1].id == table(net, "hub-2", "main").id


def test_r96_a_peering_attachment_must_be_associated_on_the_receiving_side():
    net = network_from_yaml(peered(BOTH_SIDES[0], "routes: [{destination: 10.1.0.0/16, attachment: link}]"))
    trace = net.trace_flow("host-a", "10.2.1.10")
    assert_dropped(trace, "TGW_ATTACHMENT_NOT_ASSOCIATED")
    assert trace.hops[-1].id == tgw(net, "hub-2")


def test_r96_a_peering_attachment_cannot_propagate():
    with pytest.raises(InputError, match="R96"):
        network_from_yaml(peered(BOTH_SIDES[0] + ", propagations: [link]", BOTH_SIDES[1]))


# --- R97: VPC route tables must point at the transit gateway -------------------------------------------


def test_r97_a_vpc_learns_no_route_from_the_transit_gateway():
    net = network(spoke("a", 1, routes="") + spoke("b", 2), MESH)
    trace = net.trace_flow("host-a", "10.2.1.10")
    assert_dropped(trace, "NO_ROUTE_TO_DESTINATION")
    assert trace.hops[-1].type == "route-table" and not trace.crosses(tgw(net))
    # The transit gateway itself knows 10.1.0.0/16 and 10.2.0.0/16, and b reaches a... but a's reply cannot leave.
    back = net.trace_flow("host-b", "10.1.1.10", with_return=True)
    assert back.verdict == "delivered" and back.reply.code == "NO_ROUTE_TO_DESTINATION"


def test_r97_a_prefix_list_can_be_the_destination_of_a_route_to_the_transit_gateway():
    text = spoke("a", 1, routes="{destination: spoke-b, target: hub}") + spoke("b", 2)
    net = network_with_lists(text, MESH)
    assert net.trace_flow("host-a", "10.2.1.10", with_return=True).reachable


def test_r97_a_route_to_a_transit_gateway_the_vpc_is_not_attached_to_is_dropped():
    hub = MESH.replace("          " + attachment("a") + "\n", "")
    net = network(spoke("a", 1) + spoke("b", 2), hub)
    assert_dropped(net.trace_flow("host-a", "10.2.1.10"), "TGW_ATTACHMENT_NOT_FOUND")


# --- R98: attachment subnets, one per AZ ---------------------------------------------------------------


def test_r98_a_subnet_in_an_az_without_an_attachment_subnet_cannot_use_the_transit_gateway():
    net = network(spoke("a", 1, azs="a", host_az="b") + spoke("b", 2), MESH)
    trace = net.trace_flow("host-a", "10.2.1.10")
    assert_dropped(trace, "TGW_NO_ATTACHMENT_IN_AZ")
    assert trace.hops[-1].id == attachment_id(net, "a") and "eu-west-2b" in trace.reason


def test_r98_the_transit_gateway_delivers_into_any_subnet_but_the_reply_from_an_uncovered_az_is_dropped():
    """b's attachment covers only AZ a; its host sits in AZ b. The TGW delivers through the AZ-a
    subnet and the VPC's local route, but the reply starts in AZ b, where b has no attachment."""
    net = network(spoke("a", 1) + spoke("b", 2, azs="a", host_az="b"), MESH)
    trace = net.trace_flow("host-a", "10.2.1.10", with_return=True)
    assert trace.verdict == "delivered"
    assert_dropped(trace.reply, "TGW_NO_ATTACHMENT_IN_AZ")


def test_r98_one_subnet_per_az():
    text = spoke("a", 1).replace("tgw-a: {cidr_block: 10.1.255.0/28, az: eu-west-2a}",
                                 "tgw-a: {cidr_block: 10.1.255.0/28, az: eu-west-2a}, "
                                 "tgw-a2: {cidr_block: 10.1.255.32/28, az: eu-west-2a}")
    hub = MESH.replace("a: {vpc: a, subnets: [tgw-a]}", "a: {vpc: a, subnets: [tgw-a, tgw-a2]}")
    with pytest.raises(InputError, match="R98") as caught:
        network(text + spoke("b", 2), hub)
    assert caught.value.field == "SubnetIds" and "one subnet per AZ" in caught.value.message


# --- R99: traffic stays in its AZ ---------------------------------------------------------------------------


def _egress_az(trace, tgw_id: str) -> str:
    hop = next(h for h in trace.hops if h.id == tgw_id and h.action == "forward")
    return hop.detail.rsplit(" in ", 1)[1]


def test_r99_the_transit_gateway_leaves_through_the_ingress_az_when_it_can():
    hub = MESH.replace(attachment("a"), attachment("a", "ab")).replace(attachment("b"), attachment("b", "ab"))
    for az in ("a", "b"):
        net = network(spoke("a", 1, azs="ab", host_az=az) + spoke("b", 2, azs="ab"), hub)
        trace = net.trace_flow("host-a", "10.2.1.10", with_return=True)
        assert trace.reachable and _egress_az(trace, tgw(net)) == f"eu-west-2{az}", trace.render()


def test_r99_when_the_ingress_az_is_not_attached_another_az_is_used():
    hub = MESH.replace(attachment("a"), attachment("a", "ab"))
    net = network(spoke("a", 1, azs="ab", host_az="b") + spoke("b", 2, azs="a"), hub)
    trace = net.trace_flow("host-a", "10.2.1.10")
    assert trace.verdict == "delivered" and _egress_az(trace, tgw(net)) == "eu-west-2a"


# --- R100: appliance mode -----------------------------------------------------------------------------------


def inspection(appliance_mode: bool):
    """Spokes a (AZ a) and b (AZ b) send everything to an inspection VPC with an appliance in each
    AZ; the appliances send it back to the transit gateway, which routes by the inspection table."""
    mode = ", appliance_mode: true" if appliance_mode else ""
    appliances = """
      inspect:
        cidr_blocks: [10.9.0.0/16]
        route_tables:
          main: {main: true, routes: [{destination: 10.0.0.0/8, target: hub}]}
          to-fw-a: {routes: [{destination: 0.0.0.0/0, target: fw-a}]}
          to-fw-b: {routes: [{destination: 0.0.0.0/0, target: fw-b}]}
        subnets:
          appliances-a: {cidr_block: 10.9.1.0/24, az: eu-west-2a}
          appliances-b: {cidr_block: 10.9.2.0/24, az: eu-west-2b}
          tgw-a: {cidr_block: 10.9.255.0/28, az: eu-west-2a, route_table: to-fw-a}
          tgw-b: {cidr_block: 10.9.255.16/28, az: eu-west-2b, route_table: to-fw-b}
        security_groups: """ + OPEN + """
        instances:
          fw-a: {subnet: appliances-a, private_ip: 10.9.1.10, security_groups: [open], source_dest_check: false}
          fw-b: {subnet: appliances-b, private_ip: 10.9.2.10, security_groups: [open], source_dest_check: false}"""
    hub = f"""        default_route_table_association: false
        default_route_table_propagation: false
        attachments:
          {attachment("a", "ab")}
          {attachment("b", "ab")}
          inspect: {{vpc: inspect, subnets: [tgw-a, tgw-b]{mode}}}
        route_tables:
          spokes: {{associations: [a, b], routes: [{{destination: 0.0.0.0/0, attachment: inspect}}]}}
          inspected: {{associations: [inspect], propagations: [a, b]}}"""
    return network(spoke("a", 1, azs="ab", host_az="a") + spoke("b", 2, azs="ab", host_az="b") + appliances, hub)


def _appliances(net, trace) -> list[str]:
    fws = {net.topology.find(f).id for f in ("fw-a", "fw-b")}
    return [c for c in trace.path if c in fws]


def test_r99_without_appliance_mode_request_and_reply_cross_different_appliances():
    net = inspection(appliance_mode=False)
    trace = net.trace_flow("host-a", "10.2.1.10", with_return=True)
    assert trace.reachable, trace.render()  # the appliances here are stateless and open
    fw_a, fw_b = net.topology.find("fw-a").id, net.topology.find("fw-b").id
    assert _appliances(net, trace) == [fw_a] and _appliances(net, trace.reply) == [fw_b]
    assert trace.asymmetric


@pytest.mark.parametrize("sport", range(40000, 40016))
def test_r100_with_appliance_mode_both_directions_of_a_flow_cross_one_appliance(sport):
    net = inspection(appliance_mode=True)
    trace = net.trace_flow("host-a", "10.2.1.10", sport=sport, with_return=True)
    assert trace.reachable, trace.render()
    forward, back = _appliances(net, trace), _appliances(net, trace.reply)
    assert len(forward) == 1 and forward == back
    assert not trace.asymmetric


def test_r100_appliance_mode_spreads_flows_over_the_appliances_of_both_azs():
    net = inspection(appliance_mode=True)
    used = {_appliances(net, net.trace_flow("host-a", "10.2.1.10", sport=s))[0] for s in range(40000, 40032)}
    assert used == {net.topology.find("fw-a").id, net.topology.find("fw-b").id}


# --- R101: overlapping VPC CIDRs ---------------------------------------------------------------------------


def test_r101_a_vpc_overlapping_one_already_attached_is_not_propagated():
    """c reuses b's 10.2.0.0/16 and is attached after it: its CIDR is not propagated, with a
    warning, and 10.2.1.10 from a still means b's host."""
    hub = MESH + "\n          " + attachment("c")
    net = network(spoke("a", 1) + spoke("b", 2) + spoke("c", 2), hub)
    [default] = net.topology.all(m.TransitGatewayRouteTable)
    assert default.propagations[-1] == attachment_id(net, "c")
    warning = next(w for w in net.topology.warnings if "R101" in w)
    assert attachment_id(net, "c") in warning and attachment_id(net, "b") in warning and "10.2.0.0/16" in warning
    trace = net.trace_flow("host-a", "10.2.1.10")
    assert trace.delivered_to == net.topology.find("host-b").id, trace.render()


# --- R103: security group references through a transit gateway ---------------------------------------------


def _referencing(tgw_support: bool, attachment_support: bool = True):
    client = spoke("a", 1, groups="{clients: {}}", group="clients")
    server = spoke("b", 2, groups="{server: {ingress: [{protocol: tcp, ports: 443, from: clients}]}}", group="server")
    option = "" if attachment_support else ", security_group_referencing_support: false"
    hub = ("        security_group_referencing_support: true\n" if tgw_support else "") + \
        MESH.replace(attachment("b"), attachment("b", extra=option))
    return network(client + server, hub)


def test_r103_references_match_across_a_transit_gateway_with_referencing_enabled():
    trace = _referencing(tgw_support=True).trace_flow("host-a", "10.2.1.10", with_return=True)
    assert trace.reachable, trace.render()


@pytest.mark.parametrize("tgw_support, attachment_support", [(False, True), (True, False)],
                         ids=["off-on-the-tgw-by-default", "off-on-an-attachment"])
def test_r103_without_referencing_on_the_tgw_and_both_attachments_the_reference_matches_nothing(
        tgw_support, attachment_support):
    net = _referencing(tgw_support, attachment_support)
    trace = net.trace_flow("host-a", "10.2.1.10")
    assert_dropped(trace, "ENI_SG_RULES_MISMATCH")
    assert trace.crosses(tgw(net)) and trace.hops[-1].id == net.topology.find("host-b").network_interface_ids[0]
