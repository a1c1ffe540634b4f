"""VPC peering, one test (or more) per rule of ../shared/aws-semantics.md §G (R77–R88) that
applies to IPv4. Each network is written inline in the YAML format and loaded by the real loader.

R88 (cost) is not about forwarding; `vpcemu cost` and tests/record cover it. Of R85 (DNS over a
peering) only the first point is about packets: the peer VPC's resolver cannot be queried. The
"DNS resolution" option of a peering (public DNS names of the peer's instances answered with
private addresses) is not modelled.
"""
from __future__ import annotations

import pytest
from scapy.layers.inet import IP, TCP
from scapy.packet import Raw

from emulator import model as m
from emulator.inputs.errors import InputError
from tests.builders import network_from_yaml
from tests.paths import assert_dropped, assert_path

OPEN_SG = "security_groups: {open: {ingress: [{protocol: all, from: 0.0.0.0/0}]}}"


def vpc(name: str, cidr: str, host: str, routes: str, az: str = "eu-west-2a", extra: str = "",
        subnet: str | None = None, sg: str = OPEN_SG, account: str = "", host_extra: str = "",
        more_tables: str = "", more_subnets: str = "") -> str:
    """One VPC with one subnet and one instance `host-<name>` at `host`; `routes` go into its main table."""
    subnet = subnet or cidr.replace(".0.0/16", ".1.0/24")
    group = sg.split(":")[1].strip(" {")
    return f"""
      {name}:
        cidr_blocks: [{cidr}]{account}
        route_tables:
          main: {{main: true, routes: [{routes}]}}{more_tables}
        subnets: {{s: {{cidr_block: {subnet}, availability_zone: {az}}}{more_subnets}}}
        {sg}
        instances: {{host-{name}: {{subnet: s, private_ip: {host}, security_groups: [{group}]{host_extra}}}}}{extra}
"""


def two_vpcs(a_routes="{destination: 10.2.0.0/16, target: ab}", b_routes="{destination: 10.1.0.0/16, target: ab}",
             peering="ab: {requester: a, accepter: b}", a_extra="", b_extra="", **a_options) -> str:
    return f"""
regions:
  eu-west-2:
    vpcs:{vpc("a", "10.1.0.0/16", "10.1.1.10", a_routes, extra=a_extra, **a_options)}{vpc("b", "10.2.0.0/16", "10.2.1.10", b_routes, "eu-west-2b", extra=b_extra)}
peering_connections:
  {peering}
"""


def pcx(net, name: str) -> str:
    return net.topology.find(name, m.VpcPeeringConnection).id


# --- R77: a one-to-one link, active only, one per pair ------------------------------------------


def test_r77_an_active_peering_carries_traffic_both_ways():
    net = network_from_yaml(two_vpcs())
    trace = net.trace_flow("host-a", "10.2.1.10", with_return=True)
    assert trace.reachable, trace.render()
    assert_path(net, trace, "host-a", "ab", "host-b")
    assert_path(net, trace.reply, "host-b", "ab", "host-a")


@pytest.mark.parametrize("status", ["pending-acceptance", "initiating-request", "rejected", "expired", "deleted"])
def test_r77_a_peering_that_is_not_active_carries_nothing(status):
    net = network_from_yaml(two_vpcs(peering=f"ab: {{requester: a, accepter: b, status: {status}}}"))
    trace = net.trace_flow("host-a", "10.2.1.10")
    assert_dropped(trace, "PEERING_NOT_ACTIVE")
    assert trace.hops[-1].id == pcx(net, "ab")


def test_r77_two_vpcs_have_at_most_one_peering_connection():
    with pytest.raises(InputError, match="R77") as caught:
        network_from_yaml(two_vpcs(peering="ab: {requester: a, accepter: b}\n  ba: {requester: b, accepter: a}"))
    assert caught.value.resource.endswith("(ba)") and "already peered" in caught.value.message


def test_r77_a_deleted_peering_does_not_block_a_new_one():
    net = network_from_yaml(two_vpcs(peering="old: {requester: a, accepter: b, status: deleted}\n"
                                             "  ab: {requester: a, accepter: b}"))
    assert net.trace_flow("host-a", "10.2.1.10").verdict == "delivered"


def test_r77_peering_joins_vpcs_of_other_accounts_and_regions():
    text = f"""
regions:
  eu-west-1:
    vpcs:{vpc("a", "10.1.0.0/16", "10.1.1.10", "{destination: 10.2.0.0/16, target: ab}", "eu-west-1a",
              account=chr(10) + '        account: "111111111111"')}
  us-east-1:
    vpcs:{vpc("b", "10.2.0.0/16", "10.2.1.10", "{destination: 10.1.0.0/16, target: ab}", "us-east-1a",
              account=chr(10) + '        account: "222222222222"')}
peering_connections:
  ab: {{requester: a, accepter: b}}
"""
    net = network_from_yaml(text)
    owners = {net.topology.find(v, m.Vpc).owner_id for v in ("a", "b")}
    assert owners == {"111111111111", "222222222222"}
    trace = net.trace_flow("host-b", "10.1.1.10", with_return=True)
    assert trace.reachable and trace.crosses(pcx(net, "ab")), trace.render()


# --- R78: no overlapping CIDRs ------------------------------------------------------------------


@pytest.mark.parametrize("b_cidrs, b_subnet", [("[10.1.0.0/16]", "10.1.1.0/24"), ("[10.1.128.0/17]", "10.1.128.0/24"),
                                               ("[10.2.0.0/16, 10.1.240.0/20]", "10.2.1.0/24")],
                         ids=["identical", "contained", "secondary"])
def test_r78_peering_overlapping_vpcs_is_refused_at_load(b_cidrs, b_subnet):
    text = two_vpcs().replace("cidr_blocks: [10.2.0.0/16]", f"cidr_blocks: {b_cidrs}").replace(
        "cidr_block: 10.2.1.0/24", f"cidr_block: {b_subnet}").replace("private_ip: 10.2.1.10", "private_ip: "
                                                                       + b_subnet.replace(".0/24", ".10"))
    with pytest.raises(InputError, match="R78") as caught:
        network_from_yaml(text)
    assert caught.value.resource.endswith("(ab)") and "overlaps" in caught.value.message


# --- R79: routes on both sides --------------------------------------------------------------------


def test_r79_without_the_return_route_the_request_arrives_and_the_reply_is_dropped():
    net = network_from_yaml(two_vpcs(b_routes=""))
    trace = net.trace_flow("host-a", "10.2.1.10", with_return=True)
    assert trace.verdict == "delivered" and not trace.reachable
    assert_dropped(trace.reply, "NO_ROUTE_TO_DESTINATION")
    b_main = net.topology.main_route_table(net.topology.find("b", m.Vpc).vpc_id)
    assert trace.reply.hops[-1].id == b_main.route_table_id  # B's own table decides the reply


def test_r79_without_a_route_on_the_sending_side_nothing_leaves():
    net = network_from_yaml(two_vpcs(a_routes=""))
    assert_dropped(net.trace_flow("host-a", "10.2.1.10"), "NO_ROUTE_TO_DESTINATION")


def test_r79_a_route_to_part_of_the_peer_cidr_is_enough_and_wins_by_longest_prefix():
    """10.2.1.0/24 -> pcx is more specific than 10.0.0.0/8 -> a VPN gateway; the rest of 10.2/16
    follows the wider route."""
    net = network_from_yaml(two_vpcs(
        a_routes="{destination: 10.2.1.0/24, target: ab}, {destination: 10.0.0.0/8, target: vgw-0a1b2c3d4e5f60718}"))
    assert net.trace_flow("host-a", "10.2.1.10").crosses(pcx(net, "ab"))
    wider = net.trace_flow("host-a", "10.2.2.10")
    assert (wider.verdict, wider.delivered_to) == ("exited", "vgw-0a1b2c3d4e5f60718"), wider.render()


# --- R80: not transitive ------------------------------------------------------------------------------


HUB = f"""
regions:
  eu-west-2:
    vpcs:{vpc("a", "10.1.0.0/16", "10.1.1.10",
              "{destination: 10.2.0.0/16, target: ab}, {destination: 10.3.0.0/16, target: ac}")}{vpc(
              "b", "10.2.0.0/16", "10.2.1.10", "{destination: 10.0.0.0/8, target: ab}")}{vpc(
              "c", "10.3.0.0/16", "10.3.1.10", "{destination: 10.0.0.0/8, target: ac}")}
peering_connections:
  ab: {{requester: a, accepter: b}}
  ac: {{requester: a, accepter: c}}
"""


def test_r80_a_peer_does_not_forward_to_its_other_peers():
    net = network_from_yaml(HUB)
    trace = net.trace_flow("host-b", "10.3.1.10")
    assert_dropped(trace, "PEERING_NOT_TRANSITIVE")
    assert trace.path == [net.topology.find("host-b").id, pcx(net, "ab")]
    assert not trace.crosses(pcx(net, "ac"))
    # Each spoke still reaches the hub.
    assert net.trace_flow("host-b", "10.1.1.10").verdict == "delivered"
    assert net.trace_flow("host-c", "10.1.1.10").verdict == "delivered"


# --- R81: no edge-to-edge routing ----------------------------------------------------------------------


EDGE_A = """
        internet_gateway: a-igw
        nat_gateways:
          a-nat: {subnet: pub, private_ip: 10.1.9.5, public_ip: 18.130.1.5}
        endpoints:
          s3: {type: gateway, service: s3, route_tables: [main]}"""


@pytest.mark.parametrize("a_default, destination, code", [
    ("{destination: 0.0.0.0/0, target: a-igw}", "8.8.8.8", "EDGE_TO_EDGE_INTERNET_GATEWAY"),
    ("{destination: 0.0.0.0/0, target: a-nat}", "8.8.8.8", "EDGE_TO_EDGE_NAT_GATEWAY"),
    ("{destination: 172.16.0.0/12, target: vgw-0a1b2c3d4e5f60718}", "172.20.0.1", "EDGE_TO_EDGE_VPN"),
    ("{destination: 0.0.0.0/0, target: a-igw}", "s3.eu-west-2.amazonaws.com", "EDGE_TO_EDGE_GATEWAY_ENDPOINT"),
], ids=["internet-gateway", "nat-gateway", "vpn", "gateway-endpoint"])
def test_r81_a_peer_cannot_use_the_other_vpcs_gateways(a_default, destination, code):
    """B sends everything over the peering; A's own instances use each gateway, B's traffic may not."""
    net = network_from_yaml(two_vpcs(a_routes=f"{{destination: 10.2.0.0/16, target: ab}}, {a_default}",
                                     b_routes="{destination: 0.0.0.0/0, target: ab}", a_extra=EDGE_A,
                                     host_extra=", public_ip: 18.130.1.10",
                                     more_tables="\n          pub: {routes: [{destination: 0.0.0.0/0, target: a-igw}]}",
                                     more_subnets=", pub: {cidr_block: 10.1.9.0/24, route_table: pub}"))
    trace = net.trace_flow("host-b", destination)
    assert_dropped(trace, code)
    assert trace.hops[-1].id == pcx(net, "ab")
    own = net.trace_flow("host-a", destination)
    assert own.verdict in ("exited", "delivered"), own.render()  # A itself may use it


# --- R82: replies are routed, with no reverse-path check ----------------------------------------------


OVERLAPPING_PEERS = f"""
regions:
  eu-west-2:
    vpcs:{vpc("a", "10.1.0.0/16", "10.1.1.10",
              "{destination: 192.168.0.0/16, target: ab}")}{vpc(
              "b", "192.168.0.0/16", "192.168.2.20", "{destination: 10.1.0.0/16, target: ab}",
              subnet="192.168.2.0/24")}{vpc(
              "c", "192.168.0.0/16", "192.168.2.20", "{destination: 10.1.0.0/16, target: ac}",
              subnet="192.168.2.0/24")}
peering_connections:
  ab: {{requester: a, accepter: b}}
  ac: {{requester: a, accepter: c}}
"""


def test_r82_the_reply_follows_the_responders_routes_into_the_wrong_vpc():
    """B and C both use 192.168.0.0/16 and both hold 192.168.2.20. C's request arrives over pcx A-C
    (no reverse-path check), but A's table sends 192.168.0.0/16 to pcx A-B: the reply lands on B's
    instance, which never asked."""
    net = network_from_yaml(OVERLAPPING_PEERS)
    host_a, host_b, host_c = (net.topology.find(h).id for h in ("host-a", "host-b", "host-c"))
    trace = net.trace_flow("host-c", "10.1.1.10", with_return=True)
    assert trace.verdict == "delivered" and trace.path == [host_c, pcx(net, "ac"), host_a]
    assert trace.reply.path == [host_a, pcx(net, "ab"), host_b]
    assert trace.reply.delivered_to == host_b and trace.asymmetric
    assert not trace.reachable  # the reply never reaches C


def test_r82_a_packet_with_a_source_outside_the_route_back_is_still_delivered():
    """No uRPF: A has no route back to C at all, yet C's request is delivered."""
    net = network_from_yaml(OVERLAPPING_PEERS)
    assert net.trace_flow("host-c", "10.1.1.10").verdict == "delivered"


# --- R83: security group references across a peering -----------------------------------------------


def _referencing(region_b: str) -> str:
    """Account 1's client in eu-west-2 and account 2's server in `region_b`; the server's group admits
    the client's group by reference."""
    server_sg = "security_groups: {server: {ingress: [{protocol: tcp, ports: 443, from: clients}]}}"
    client_sg = "security_groups: {clients: {}}"
    a = vpc("a", "10.1.0.0/16", "10.1.1.10", "{destination: 10.2.0.0/16, target: ab}", sg=client_sg,
            account=chr(10) + '        account: "111111111111"')
    b = vpc("b", "10.2.0.0/16", "10.2.1.10", "{destination: 10.1.0.0/16, target: ab}", region_b + "a",
            sg=server_sg, account=chr(10) + '        account: "222222222222"')
    regions = f"  eu-west-2:\n    vpcs:{a}{b}" if region_b == "eu-west-2" else (
        f"  eu-west-2:\n    vpcs:{a}  {region_b}:\n    vpcs:{b}")
    return f"regions:\n{regions}peering_connections:\n  ab: {{requester: a, accepter: b}}\n"


def test_r83_another_accounts_group_matches_across_a_same_region_peering():
    net = network_from_yaml(_referencing("eu-west-2"))
    trace = net.trace_flow("host-a", "10.2.1.10", with_return=True)
    assert trace.reachable, trace.render()
    rule = next(h for h in trace.hops if h.type == "security-group" and "inbound" in h.detail)
    assert "from sg-" in rule.detail


def test_r83_across_regions_the_reference_matches_nothing():
    net = network_from_yaml(_referencing("eu-west-1"))
    assert_dropped(net.trace_flow("host-a", "10.2.1.10"), "ENI_SG_RULES_MISMATCH")


# --- R84: MTU -------------------------------------------------------------------------------------------


def _big(size: int):
    """A TCP packet of `size` bytes with DF set."""
    return IP(dst="10.2.1.10", flags="DF") / TCP(sport=40000, dport=443, flags="S") / Raw(b"x" * (size - 40))


def test_r84_a_peering_within_a_region_carries_jumbo_frames():
    net = network_from_yaml(two_vpcs())
    assert net.trace(_big(9001), "host-a").verdict == "delivered"


def test_r84_an_inter_region_peering_carries_8500_bytes_and_drops_bigger_df_packets():
    text = _referencing("eu-west-1").replace("from: clients", "from: 10.1.0.0/16")
    net = network_from_yaml(text)
    assert net.trace(_big(8500), "host-a").verdict == "delivered"
    trace = net.trace(_big(8501), "host-a")
    assert_dropped(trace, "MTU_EXCEEDED")
    assert trace.hops[-1].id == pcx(net, "ab") and "8500" in trace.reason


# --- R85: the peer's resolver is not reachable -------------------------------------------------------------


def test_r85_the_peer_vpcs_dns_server_cannot_be_queried_over_the_peering():
    net = network_from_yaml(two_vpcs())
    own = net.trace_flow("host-a", "10.1.0.2", "udp", dport=53)
    assert own.delivered_to == "AmazonProvidedDNS"
    peer = net.trace_flow("host-a", "10.2.0.2", "udp", dport=53)
    assert peer.verdict == "dropped" and peer.crosses(pcx(net, "ab")), peer.render()
    assert peer.delivered_to is None


# --- R86: inter-region traffic stays private ------------------------------------------------------------


def test_r86_inter_region_peering_is_a_private_path_without_nat():
    net = network_from_yaml(_referencing("eu-west-1").replace("from: clients", "from: 10.1.0.0/16"))
    trace = net.trace_flow("host-a", "10.2.1.10", with_return=True)
    assert trace.reachable
    assert (trace.packet_out.src, trace.packet_out.dst) == (trace.packet_in.src, trace.packet_in.dst)
    assert {h.type for h in trace.hops}.isdisjoint({"internet-gateway", "nat-gateway", "internet"})


# --- R87: interface endpoints yes, gateway endpoints no --------------------------------------------------


def test_r87_a_peer_reaches_an_interface_endpoint_by_its_private_ip_but_not_the_gateway_endpoint():
    endpoints = """
        endpoints:
          dynamodb: {type: interface, service: dynamodb, subnets: [s], private_ips: {s: 10.1.1.100},
                     security_groups: [open]}
          s3: {type: gateway, service: s3, route_tables: [main]}"""
    net = network_from_yaml(two_vpcs(b_routes="{destination: 0.0.0.0/0, target: ab}", a_extra=endpoints))
    trace = net.trace_flow("host-b", "10.1.1.100", with_return=True)
    assert trace.reachable and trace.delivered_to == net.topology.find("dynamodb").id, trace.render()
    assert_dropped(net.trace_flow("host-b", "s3.eu-west-2.amazonaws.com"), "EDGE_TO_EDGE_GATEWAY_ENDPOINT")
