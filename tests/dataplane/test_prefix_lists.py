"""Managed prefix lists as route destinations (R23, R26, R27, with R11, R17, R30).

A prefix-list route is one virtual route per entry, and each entry's own length takes part in LPM
(R27). Lists are data that change (R26, R30): after an edit, `Network.recompile()` must change the
forwarding at once, for routes and for security groups that reference the list.
"""
from __future__ import annotations

import pytest

from emulator import model as m
from emulator.inputs.errors import InputError
from emulator.services.aws_public import managed_list_for
from tests.builders import network_from_yaml
from tests.paths import assert_avoids, assert_dropped, assert_path

VGW = "vgw-0a1b2c3d4e5f60718"
S3_LIST = "com.amazonaws.eu-west-2.s3"


def rid(net, name: str) -> str:
    return net.topology.find(name).id


def route_used(trace) -> tuple[str, str]:
    """(table id, "destination -> target") of the route that matched."""
    hop = next(h for h in trace.hops if h.type == "route-table" and h.action == "route")
    return hop.id, hop.detail


# --- R27: the spec's worked example ------------------------------------------------------------------

R27_NETWORK = """
name: r27-s3-endpoint
regions:
  eu-west-2:
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        internet_gateway: app-igw
        route_tables:
          app-rt:
            routes:
              - {destination: 54.123.165.0/24, target: app-igw}   # static, inside the S3 list's /19
        subnets:
          app: {cidr_block: 10.0.1.0/24, route_table: app-rt}
        instances:
          app-1: {subnet: app, private_ip: 10.0.1.10, public_ip: 18.130.1.10}
        endpoints:
          s3-gateway: {type: gateway, service: s3, route_tables: [app-rt]}   # adds pl-(s3) -> vpce (R32)
"""


@pytest.fixture
def r27():
    """The S3 list holds 54.123.160.0/19, as in the spec's example. AWS changes service lists over time
    (R30), so the example's range is added to the snapshot's list before compiling."""
    net = network_from_yaml(R27_NETWORK)
    managed_list_for(net.topology, "eu-west-2", "s3").cidrs.append("54.123.160.0/19")
    net.recompile()
    return net


def test_r27_a_static_route_more_specific_than_a_list_entry_wins(r27):
    """R27: 54.123.165.9 lies in the list's /19 and in the static /24: the /24 is longer -> igw."""
    trace = r27.trace_flow("app-1", "54.123.165.9")
    assert route_used(trace) == (rid(r27, "app-rt"), f"54.123.165.0/24 -> {rid(r27, 'app-igw')}")
    assert trace.verdict == "delivered" and trace.delivered_to == S3_LIST
    assert_path(r27, trace, "app-1", "app-igw", S3_LIST)  # S3's public endpoint, over the internet
    assert_avoids(r27, trace, "s3-gateway")


def test_r27_elsewhere_in_the_entry_the_prefix_list_route_carries_the_packet(r27):
    """R27: 54.123.170.1 lies only in the /19 entry: the pl- -> vpce route, named with its entry."""
    pl_id = managed_list_for(r27.topology, "eu-west-2", "s3").prefix_list_id
    trace = r27.trace_flow("app-1", "54.123.170.1")
    assert route_used(trace) == (rid(r27, "app-rt"),
                                 f"{pl_id} -> {rid(r27, 's3-gateway')} (entry 54.123.160.0/19)")
    assert trace.verdict == "delivered" and trace.delivered_to == S3_LIST
    assert_path(r27, trace, "app-1", "s3-gateway", S3_LIST)
    assert_avoids(r27, trace, "app-igw")


def test_r27_each_entry_competes_with_its_own_length():
    """R27, R11: a list with a /8 and a /24 entry. Against a static /16, the /24 entry wins inside
    itself and the /16 wins over the /8 entry everywhere else in the /16."""
    net = network_from_yaml(f"""
        name: r27-entry-lengths
        regions:
          eu-west-2:
            prefix_lists:
              partners: {{entries: [100.0.0.0/8, 100.64.7.0/24]}}
            vpcs:
              app:
                cidr_blocks: [10.0.0.0/16]
                route_tables:
                  app-rt:
                    routes:
                      - {{destination: partners, target: {VGW}}}
                      - {{destination: 100.64.0.0/16, target: vgw-0ffff0000ffff0000}}
                subnets:
                  app: {{cidr_block: 10.0.1.0/24, route_table: app-rt}}
                instances:
                  app-1: {{subnet: app, private_ip: 10.0.1.10}}
        """)
    table, pl_id = rid(net, "app-rt"), rid(net, "partners")
    expected = {
        "100.64.7.7": (f"{pl_id} -> {VGW} (entry 100.64.7.0/24)", VGW),
        "100.64.8.7": ("100.64.0.0/16 -> vgw-0ffff0000ffff0000", "vgw-0ffff0000ffff0000"),
        "100.65.0.1": (f"{pl_id} -> {VGW} (entry 100.0.0.0/8)", VGW),
    }
    for address, (route, gateway) in expected.items():
        trace = net.trace_flow("app-1", address)
        assert route_used(trace) == (table, route), address
        assert (trace.verdict, trace.delivered_to) == ("exited", gateway)


# --- R23: customer list names ------------------------------------------------------------------------

LIST_NETWORK = """
name: r23-names
regions:
  eu-west-2:
    prefix_lists:
      NAME: {entries: [192.0.2.0/24]}
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
"""


@pytest.mark.parametrize("name", ["com.amazonaws.eu-west-2.s3", "com.amazonaws.partners", "com.amazonaws"])
def test_r23_a_customer_list_name_may_not_start_with_com_amazonaws(name):
    with pytest.raises(InputError) as caught:
        network_from_yaml(LIST_NETWORK.replace("NAME", name))
    error = caught.value
    assert "com.amazonaws" in error.message and "R23" in error.message
    assert name in (error.resource or "")


@pytest.mark.parametrize("name", ["partners", "partners.com.amazonaws", "com-amazonaws-mirror"])
def test_r23_other_customer_list_names_are_accepted(name):
    net = network_from_yaml(LIST_NETWORK.replace("NAME", name))
    pl = net.topology.find(name, m.PrefixList)
    assert not pl.aws_managed and pl.prefix_list_id.startswith("pl-") and pl.cidrs == ["192.0.2.0/24"]


def test_r23_aws_managed_lists_are_present_with_pl_ids():
    """R23, R30: the AWS-managed service lists come from the shipped snapshot, one per region and service."""
    net = network_from_yaml(LIST_NETWORK.replace("NAME", "partners"))
    for service in ("s3", "dynamodb"):
        pl = managed_list_for(net.topology, "eu-west-2", service)
        assert pl.prefix_list_name == f"com.amazonaws.eu-west-2.{service}" and pl.service == service
        assert pl.aws_managed and pl.prefix_list_id.startswith("pl-") and pl.cidrs


# --- R26: edits take effect at once ------------------------------------------------------------------

R26_NETWORK = f"""
name: r26-edits
regions:
  eu-west-2:
    prefix_lists:
      branch-offices: {{entries: [192.0.2.0/24], max_entries: 10}}
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        internet_gateway: app-igw
        route_tables:
          app-rt:
            routes:
              - {{destination: 0.0.0.0/0, target: app-igw}}
              - {{destination: branch-offices, target: {VGW}}}
        subnets:
          app: {{cidr_block: 10.0.1.0/24, route_table: app-rt}}
        security_groups:
          branch-only:
            egress: [{{protocol: tcp, ports: 443, to: branch-offices}}]
        instances:
          app-1: {{subnet: app, private_ip: 10.0.1.10, public_ip: 18.130.1.10}}
          locked-1: {{subnet: app, private_ip: 10.0.1.11, public_ip: 18.130.1.11, security_groups: [branch-only]}}
"""


def test_r26_adding_an_entry_moves_traffic_to_the_list_route_after_recompile():
    net = network_from_yaml(R26_NETWORK)
    pl_id, table = rid(net, "branch-offices"), rid(net, "app-rt")
    before = net.trace_flow("app-1", "198.51.100.10")
    assert route_used(before) == (table, f"0.0.0.0/0 -> {rid(net, 'app-igw')}")
    assert_path(net, before, "app-1", "app-igw", "internet")

    net.topology.find("branch-offices", m.PrefixList).cidrs.append("198.51.100.0/24")  # a new version
    net.recompile()
    after = net.trace_flow("app-1", "198.51.100.10")
    assert route_used(after) == (table, f"{pl_id} -> {VGW} (entry 198.51.100.0/24)")
    assert (after.verdict, after.delivered_to) == ("exited", VGW)
    assert_avoids(net, after, "app-igw")


def test_r26_removing_an_entry_sends_its_traffic_back_to_the_wider_route():
    net = network_from_yaml(R26_NETWORK)
    assert net.trace_flow("app-1", "192.0.2.10").delivered_to == VGW
    net.topology.find("branch-offices", m.PrefixList).cidrs.remove("192.0.2.0/24")
    net.recompile()
    trace = net.trace_flow("app-1", "192.0.2.10")
    assert route_used(trace) == (rid(net, "app-rt"), f"0.0.0.0/0 -> {rid(net, 'app-igw')}")
    assert_path(net, trace, "app-1", "app-igw", "internet")


def test_r26_security_groups_that_reference_the_list_follow_the_edit_too():
    """R26: 'every route table and SG that references the list uses the newest version at once'."""
    net = network_from_yaml(R26_NETWORK)
    assert net.trace_flow("locked-1", "192.0.2.10").delivered_to == VGW
    assert_dropped(net.trace_flow("locked-1", "198.51.100.10"), "ENI_SG_RULES_MISMATCH")

    net.topology.find("branch-offices", m.PrefixList).cidrs.append("198.51.100.0/24")
    net.recompile()
    trace = net.trace_flow("locked-1", "198.51.100.10")
    assert (trace.verdict, trace.delivered_to) == ("exited", VGW)


# --- R17 with a prefix list --------------------------------------------------------------------------

def test_r17_a_blackhole_prefix_list_route_drops_every_entry_without_fallback():
    net = network_from_yaml(R26_NETWORK.replace(f"target: {VGW}}}", f"target: {VGW}, state: blackhole}}"))
    net.topology.find("branch-offices", m.PrefixList).cidrs.append("198.51.100.0/24")
    net.recompile()
    pl_id = rid(net, "branch-offices")
    for address, entry in (("192.0.2.10", "192.0.2.0/24"), ("198.51.100.10", "198.51.100.0/24")):
        trace = net.trace_flow("app-1", address)
        assert_dropped(trace, "BLACKHOLE_ROUTE")
        assert route_used(trace) == (rid(net, "app-rt"), f"{pl_id} -> blackhole (entry {entry})")
        assert_avoids(net, trace, "app-igw")


# --- R9 with a prefix list ---------------------------------------------------------------------------

def test_r9_a_list_entry_inside_the_reserved_range_never_forwards_into_it():
    """R9, R27: the loader rejects a CIDR route inside 169.254.168.0/22, but a list entry can lie there
    (and lists change after load, R26). Its virtual route is inside the range, so it forwards nothing
    there; the list's other entries still route."""
    net = network_from_yaml(f"""
        name: r9-list-entry
        regions:
          eu-west-2:
            prefix_lists:
              metadata-mirror: {{entries: [169.254.169.200/32, 192.0.2.0/24]}}
            vpcs:
              app:
                cidr_blocks: [10.0.0.0/16]
                route_tables:
                  app-rt:
                    routes:
                      - {{destination: metadata-mirror, target: {VGW}}}
                subnets:
                  app: {{cidr_block: 10.0.1.0/24, route_table: app-rt}}
                instances:
                  app-1: {{subnet: app, private_ip: 10.0.1.10}}
        """)
    trace = net.trace_flow("app-1", "169.254.169.200", dport=80)  # no link-local service there (R111)
    assert_dropped(trace, "RESERVED_LINK_LOCAL_RANGE")
    assert route_used(trace) == (rid(net, "app-rt"), "169.254.168.0/22 -> blackhole (entry 169.254.169.200/32)")
    assert_avoids(net, trace, VGW)

    other = net.trace_flow("app-1", "192.0.2.10")
    assert (other.verdict, other.delivered_to) == ("exited", VGW)
    assert route_used(other) == (rid(net, "app-rt"), f"{rid(net, 'metadata-mirror')} -> {VGW} (entry 192.0.2.0/24)")
