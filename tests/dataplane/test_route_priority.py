"""Which route wins when several cover a destination (R7, R10, R11, R12), through real traces.

The network: an application VPC (10.0.0.0/16) peered with a partner VPC (172.31.0.0/16), a virtual
private gateway toward an office, and an internet gateway. The same partner prefix is offered by
different kinds of routes (static, prefix list, propagated); the trace says which one carried the
packet. The YAML format has no propagated routes (they are learned, not written), so `propagate`
adds one the way a VGW with route propagation on would (R22), then recompiles.
"""
from __future__ import annotations

import pytest

from emulator import model as m
from emulator.model.routing import ORIGIN_PROPAGATED
from tests.builders import network_from_yaml
from tests.paths import assert_avoids, assert_path

VGW = "vgw-0a1b2c3d4e5f60718"
PL_LOW, PL_HIGH = "pl-0a000001", "pl-0b000002"  # R12: the emulator keeps the lowest pl- id

NETWORK = f"""
name: route-priority
regions:
  eu-west-2:
    prefix_lists:
      partner-ranges: {{id: PARTNER_ID, entries: [172.31.0.0/24, 172.31.8.0/24]}}
      office-ranges: {{id: OFFICE_ID, entries: [172.31.0.0/24, 192.168.50.0/24]}}
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        internet_gateway: app-igw
        route_tables:
          app-rt:
            routes: ROUTES
        subnets:
          app: {{cidr_block: 10.0.1.0/24, route_table: app-rt}}
          branch: {{cidr_block: 10.0.8.0/24}}
        security_groups:
          internal:
            ingress: [{{protocol: all, from: 10.0.0.0/16}}]
        instances:
          app-1: {{subnet: app, private_ip: 10.0.1.10, public_ip: 18.130.1.10}}
          branch-1: {{subnet: branch, private_ip: 10.0.8.5, security_groups: [internal]}}
      partner:
        cidr_blocks: [172.31.0.0/16]
        subnets:
          partner-a: {{cidr_block: 172.31.0.0/24}}
          partner-h: {{cidr_block: 172.31.8.0/24}}
        security_groups:
          from-app:
            ingress: [{{protocol: all, from: 10.0.0.0/16}}]
        instances:
          partner-1: {{subnet: partner-a, private_ip: 172.31.0.9, security_groups: [from-app]}}
          partner-2: {{subnet: partner-a, private_ip: 172.31.0.200, security_groups: [from-app]}}
          partner-3: {{subnet: partner-h, private_ip: 172.31.8.9, security_groups: [from-app]}}
peering_connections:
  to-partner: {{requester: app, accepter: partner}}
"""

# Route lines for app-rt.
STATIC_24_PCX = "{destination: 172.31.0.0/24, target: to-partner}"
STATIC_16_PCX = "{destination: 172.31.0.0/16, target: to-partner}"
STATIC_24_IGW = "{destination: 172.31.0.0/24, target: app-igw}"
STATIC_25_VGW = f"{{destination: 172.31.0.128/25, target: {VGW}}}"
PARTNER_PL_PCX = "{destination: partner-ranges, target: to-partner}"
PARTNER_PL_VGW = f"{{destination: partner-ranges, target: {VGW}}}"
OFFICE_PL_VGW = f"{{destination: office-ranges, target: {VGW}}}"


def build(*routes: str, partner_id: str = PL_LOW, office_id: str = PL_HIGH, propagated=()):
    net = network_from_yaml(NETWORK.replace("ROUTES", f"[{', '.join(routes)}]")
                            .replace("PARTNER_ID", partner_id).replace("OFFICE_ID", office_id))
    for cidr in propagated:
        propagate(net, "app-rt", cidr)
    return net


def propagate(net, table_name: str, cidr: str, vgw: str = VGW) -> m.Route:
    """What a VGW learning `cidr` over BGP puts into a table with propagation enabled (R22)."""
    route = m.Route(destination_cidr_block=cidr, gateway_id=vgw, origin=ORIGIN_PROPAGATED)
    net.topology.find(table_name, m.RouteTable).routes.append(route)
    net.recompile()
    return route


def rid(net, name: str) -> str:
    return net.topology.find(name).id


def route_used(trace) -> tuple[str, str]:
    """(table id, "destination -> target") of the first route lookup: the route that matched."""
    hop = next(h for h in trace.hops if h.type == "route-table" and h.action == "route")
    return hop.id, hop.detail


def to_partner(net, address: str):
    return net.trace_flow("app-1", address, dport=5432)


# --- R7: propagated routes never beat local --------------------------------------------------------

def test_r7_a_propagated_route_inside_the_vpc_cidr_never_beats_local():
    """R7, the spec's test: VPC 10.0.0.0/16, propagated 10.0.8.0/24 -> vgw; 10.0.8.5 still goes local,
    although the propagated /24 is more specific than the local /16."""
    net = build(propagated=["10.0.8.0/24"])
    trace = net.trace_flow("app-1", "10.0.8.5")
    assert trace.verdict == "delivered" and trace.delivered_to == rid(net, "branch-1")
    assert route_used(trace) == (rid(net, "app-rt"), "10.0.0.0/16 -> local")
    assert_path(net, trace, "app-1", "branch-1")
    assert_avoids(net, trace, VGW)


def test_r7_even_a_host_route_propagated_into_the_vpc_cidr_loses():
    net = build(propagated=["10.0.8.5/32", "10.0.0.0/17"])
    trace = net.trace_flow("app-1", "10.0.8.5")
    assert route_used(trace) == (rid(net, "app-rt"), "10.0.0.0/16 -> local")
    assert trace.delivered_to == rid(net, "branch-1")


def test_r7_a_propagated_route_outside_the_vpc_cidr_is_used():
    """The control for R7: the same propagation for an office range does carry traffic to the VGW."""
    net = build(propagated=["10.0.8.0/24", "192.168.50.0/24"])
    trace = net.trace_flow("app-1", "192.168.50.7")
    assert (trace.verdict, trace.delivered_to) == ("exited", VGW)
    assert route_used(trace) == (rid(net, "app-rt"), f"192.168.50.0/24 -> {VGW}")


# --- R10, R11: equal prefixes, and more specific always first ---------------------------------------

def test_r10_the_specs_example_static_igw_beats_propagated_vgw_on_the_same_prefix():
    """R10, the spec's test: 172.31.0.0/24 -> igw (static) and 172.31.0.0/24 -> vgw (propagated) -> igw.
    (172.31.0.9 is private, so the internet then drops it; the point is which gateway it reached.)"""
    net = build(STATIC_24_IGW, propagated=["172.31.0.0/24"])
    trace = to_partner(net, "172.31.0.9")
    assert route_used(trace) == (rid(net, "app-rt"), f"172.31.0.0/24 -> {rid(net, 'app-igw')}")
    assert_path(net, trace, "app-1", "app-igw", "internet")
    assert trace.code == "INTERNET_PRIVATE_DESTINATION"
    assert_avoids(net, trace, VGW)


# Each case: the routes written (in both orders), what is propagated, and per address the route that
# must carry the packet and where the packet must end up.
EQUAL_PREFIX_CASES = {
    "R10 static beats propagated": (
        [STATIC_24_PCX], ["172.31.0.0/24"],
        {"172.31.0.9": ("172.31.0.0/24 -> {to-partner}", "partner-1")}),
    "R10/R11 static beats prefix list": (
        [STATIC_24_PCX, PARTNER_PL_VGW], [],
        {"172.31.0.9": ("172.31.0.0/24 -> {to-partner}", "partner-1"),
         # the list's other entry has no static rival: the list route carries it
         "172.31.8.9": (f"{{partner-ranges}} -> {VGW} (entry 172.31.8.0/24)", VGW)}),
    "R11 prefix list beats propagated": (
        [PARTNER_PL_PCX], ["172.31.0.0/24"],
        {"172.31.0.9": ("{partner-ranges} -> {to-partner} (entry 172.31.0.0/24)", "partner-1")}),
}


@pytest.mark.parametrize("reverse", [False, True], ids=["as-written", "reversed"])
@pytest.mark.parametrize("case", EQUAL_PREFIX_CASES, ids=list(EQUAL_PREFIX_CASES))
def test_r10_r11_on_an_equal_prefix_static_beats_prefix_list_beats_propagated(case, reverse):
    routes, propagated, expected = EQUAL_PREFIX_CASES[case]
    net = build(*(reversed(routes) if reverse else routes), propagated=propagated)
    for address, (route, where) in expected.items():
        trace = to_partner(net, address)
        assert route_used(trace) == (rid(net, "app-rt"), named(net, route)), trace.render()
        assert_reached(net, trace, where)


MORE_SPECIFIC_CASES = {
    "propagated /25 beats static /24": (
        [STATIC_24_PCX], ["172.31.0.128/25"],
        {"172.31.0.200": (f"172.31.0.128/25 -> {VGW}", VGW),
         "172.31.0.9": ("172.31.0.0/24 -> {to-partner}", "partner-1")}),
    "prefix-list entry /24 beats static /16": (
        [STATIC_16_PCX, OFFICE_PL_VGW], [],
        {"172.31.0.9": (f"{{office-ranges}} -> {VGW} (entry 172.31.0.0/24)", VGW),
         "172.31.8.9": ("172.31.0.0/16 -> {to-partner}", "partner-3")}),
    "static /25 beats prefix-list entry /24": (
        [PARTNER_PL_PCX, STATIC_25_VGW], [],
        {"172.31.0.200": (f"172.31.0.128/25 -> {VGW}", VGW),
         "172.31.0.9": ("{partner-ranges} -> {to-partner} (entry 172.31.0.0/24)", "partner-1")}),
    "propagated /25 beats prefix-list entry /24": (
        [PARTNER_PL_PCX], ["172.31.0.128/25"],
        {"172.31.0.200": (f"172.31.0.128/25 -> {VGW}", VGW),
         "172.31.0.9": ("{partner-ranges} -> {to-partner} (entry 172.31.0.0/24)", "partner-1")}),
}


@pytest.mark.parametrize("case", MORE_SPECIFIC_CASES, ids=list(MORE_SPECIFIC_CASES))
def test_r11_a_more_specific_route_always_wins_whatever_its_kind(case):
    """R11 (and R1 first, R10 only on a tie): rank never overrides prefix length."""
    routes, propagated, expected = MORE_SPECIFIC_CASES[case]
    net = build(*routes, propagated=propagated)
    for address, (route, where) in expected.items():
        trace = to_partner(net, address)
        assert route_used(trace) == (rid(net, "app-rt"), named(net, route)), trace.render()
        assert_reached(net, trace, where)


def named(net, text: str) -> str:
    """Replace {name} by the resource's id in an expected "destination -> target" string."""
    out = text
    while "{" in out:
        start, end = out.index("{"), out.index("}")
        out = out[:start] + rid(net, out[start + 1:end]) + out[end + 1:]
    return out


def assert_reached(net, trace, where: str) -> None:
    if where == VGW:
        assert (trace.verdict, trace.delivered_to) == ("exited", VGW), trace.render()
        assert_avoids(net, trace, "to-partner")
    else:
        assert (trace.verdict, trace.delivered_to) == ("delivered", rid(net, where)), trace.render()
        assert_path(net, trace, "app-1", "to-partner", where)


# --- R12: two prefix lists that overlap -------------------------------------------------------------

@pytest.mark.parametrize("reverse", [False, True], ids=["partner-route-first", "office-route-first"])
@pytest.mark.parametrize("partner_id, office_id, winner", [
    (PL_LOW, PL_HIGH, "partner-ranges"),
    (PL_HIGH, PL_LOW, "office-ranges"),
])
def test_r12_overlapping_prefix_lists_resolve_to_the_lowest_pl_id(partner_id, office_id, winner, reverse):
    """R12: both lists hold 172.31.0.0/24, with different targets. AWS picks one arbitrarily and keeps it;
    vpcemu is deterministic and documents its choice (the lowest pl- id), whatever order the routes are
    written in. This checks vpcemu's documented choice, not AWS's."""
    routes = [PARTNER_PL_PCX, OFFICE_PL_VGW]
    net = build(*(reversed(routes) if reverse else routes), partner_id=partner_id, office_id=office_id)
    trace = to_partner(net, "172.31.0.9")
    target = "{to-partner}" if winner == "partner-ranges" else VGW
    assert route_used(trace) == (rid(net, "app-rt"), named(net, f"{{{winner}}} -> {target} (entry 172.31.0.0/24)"))
    assert_reached(net, trace, "partner-1" if winner == "partner-ranges" else VGW)
    # Deterministic: compiling again, or tracing again, gives the same answer.
    net.recompile()
    assert route_used(to_partner(net, "172.31.0.9")) == route_used(trace)


def test_r12_only_the_overlap_is_contested():
    """R12, R27: entries that only one list holds keep that list's target."""
    net = build(PARTNER_PL_PCX, OFFICE_PL_VGW)
    office = net.trace_flow("app-1", "192.168.50.7")
    assert route_used(office) == (rid(net, "app-rt"), f"{PL_HIGH} -> {VGW} (entry 192.168.50.0/24)")
    partner = to_partner(net, "172.31.8.9")
    assert route_used(partner) == (rid(net, "app-rt"), f"{PL_LOW} -> {rid(net, 'to-partner')} (entry 172.31.8.0/24)")
    assert_reached(net, partner, "partner-3")
