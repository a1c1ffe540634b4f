"""NAT gateways through real topologies and traces (R122–R124, R126, R127, with R114 and R120).

The VPC: a `public` subnet (0/0 -> IGW) holding the public NAT gateway `egress-nat`, and an `app`
subnet whose 0/0 goes to it. A reply from the internet is traced with `at="internet"` and the
Session of the request, which holds the NAT translation.
"""
from __future__ import annotations

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP

from emulator.api import Session
from emulator.dataplane.packet import int_to_ip
from emulator.inputs.errors import InputError
from emulator.model import Instance, InternetGateway, NatGateway, NetworkAcl, VpcPeeringConnection
from tests.builders import network_from_yaml
from tests.paths import assert_dropped

REMOTE = "198.51.100.7"
NAT_PRIVATE, NAT_EIP = "10.0.1.5", "18.130.1.5"

VPC = """
    regions:
      eu-west-2:
        vpcs:
          shop:
            cidr_blocks: [10.0.0.0/16]
            internet_gateway: shop-igw
            route_tables:
              public: {routes: [{destination: 0.0.0.0/0, target: shop-igw}]}
              app: {routes: [{destination: 0.0.0.0/0, target: egress-nat}]}
            subnets:
              public: {cidr_block: 10.0.1.0/24, route_table: public, network_acl: PUBLIC_ACL}
              app:    {cidr_block: 10.0.2.0/24, route_table: app}
            network_acls:
              edge:
                inbound:
                  - {rule: 100, protocol: all, cidr: 10.0.0.0/16, action: allow}
                  - {rule: 200, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0, action: allow}
                  - {rule: 210, protocol: udp, ports: 1024-65535, cidr: 0.0.0.0/0, action: allow}
                  - {rule: 220, protocol: icmp, cidr: 0.0.0.0/0, action: allow}
                outbound:
                  - {rule: 100, protocol: all, cidr: 0.0.0.0/0, action: allow}
              edge-no-app:
                inbound:
                  - {rule: 90, protocol: all, cidr: 10.0.2.0/24, action: deny}
                  - {rule: 100, protocol: all, cidr: 0.0.0.0/0, action: allow}
                outbound:
                  - {rule: 100, protocol: all, cidr: 0.0.0.0/0, action: allow}
              edge-no-replies:
                inbound:
                  - {rule: 100, protocol: all, cidr: 10.0.0.0/16, action: allow}
                outbound:
                  - {rule: 100, protocol: all, cidr: 0.0.0.0/0, action: allow}
            security_groups:
              app: {ingress: [{protocol: tcp, ports: 8080, from: 10.0.0.0/16}]}
            nat_gateways:
              egress-nat: {subnet: public, private_ip: 10.0.1.5, public_ip: 18.130.1.5}
            instances:
              app-1: {subnet: app, private_ip: 10.0.2.10, security_groups: [app]}
              app-2: {subnet: app, private_ip: 10.0.2.20, security_groups: [app]}
"""


def network(public_acl: str = "edge"):
    return network_from_yaml(VPC.replace("PUBLIC_ACL", public_acl))


def rid(net, name: str, kind) -> str:
    return net.topology.find(name, kind).id


def translations(trace) -> list[tuple[str, str]]:
    return [(h.type, h.detail) for h in trace.hops if h.action == "translate"]


# --- R122: source NAT to the private IP, then the IGW maps it to the EIP ---------------------


def test_r122_outbound_the_nat_gateway_then_the_igw_rewrite_the_source():
    net = network()
    trace = net.trace_flow("app-1", REMOTE, sport=40000, dport=443)
    assert (trace.verdict, trace.delivered_to) == ("exited", "internet"), trace.render()
    nat, igw = rid(net, "egress-nat", NatGateway), rid(net, "shop-igw", InternetGateway)
    assert trace.path == [rid(net, "app-1", Instance), nat, igw, "internet"]

    (nat_type, nat_detail), (igw_type, igw_detail) = translations(trace)
    assert nat_type == "nat-gateway" and nat_detail.startswith(f"source 10.0.2.10:40000 -> {NAT_PRIVATE}:")
    assert (igw_type, igw_detail) == ("internet-gateway", f"source {NAT_PRIVATE} -> {NAT_EIP} (R120)")
    out = trace.packet_out
    assert (int_to_ip(out.src), int_to_ip(out.dst), out.dport) == (NAT_EIP, REMOTE, 443)
    assert 1024 <= out.sport <= 65535  # R124


@pytest.mark.parametrize("proto", ["tcp", "udp", "icmp"])
def test_r122_the_reply_is_translated_back_to_the_instance(proto):
    """R122: the remote host answers the EIP and the port (or ICMP id) the NAT gateway chose; the
    NAT gateway maps it back to app-1's address and port, and app-1's group passes it (R105)."""
    net = network()
    session = Session()
    request = net.trace_flow("app-1", REMOTE, proto=proto, sport=40000, dport=443, session=session)
    assert request.verdict == "exited", request.render()
    chosen = request.packet_out.sport  # the NAT port, or for ICMP the translated query id

    l4 = {"tcp": TCP(sport=443, dport=chosen, flags="SA"), "udp": UDP(sport=443, dport=chosen),
          "icmp": ICMP(type=0, id=chosen)}[proto]
    reply = net.trace(IP(src=REMOTE, dst=NAT_EIP) / l4, "internet", session=session)
    assert (reply.verdict, reply.delivered_to) == ("delivered", rid(net, "app-1", Instance)), reply.render()
    assert int_to_ip(reply.packet_out.dst) == "10.0.2.10"
    assert int_to_ip(reply.packet_out.src) == REMOTE
    if proto == "icmp":
        assert reply.packet_out.sport == 40000  # the echo id app-1 used
    else:
        assert (reply.packet_out.sport, reply.packet_out.dport) == (443, 40000)
    assert "tracked connection" in [h for h in reply.hops if h.type == "security-group"][-1].detail


def test_r122_connections_started_from_the_internet_are_never_forwarded_in():
    net = network()
    trace = net.trace(IP(src=REMOTE, dst=NAT_EIP) / TCP(sport=51000, dport=8080, flags="S"), "internet")
    assert_dropped(trace, "NAT_GATEWAY_NO_SESSION")
    assert trace.hops[-1].id == rid(net, "egress-nat", NatGateway)
    assert rid(net, "app-1", Instance) not in trace.path


def test_r122_a_reply_for_a_port_the_nat_did_not_hand_out_is_dropped():
    """R122: a session exists, but a packet to another port (or from another host) is not its reply."""
    net = network()
    session = Session()
    chosen = net.trace_flow("app-1", REMOTE, session=session).packet_out.sport
    other_port = net.trace(IP(src=REMOTE, dst=NAT_EIP) / TCP(sport=443, dport=chosen + 1), "internet",
                           session=session)
    assert_dropped(other_port, "NAT_GATEWAY_NO_SESSION")
    other_host = net.trace(IP(src="203.0.113.9", dst=NAT_EIP) / TCP(sport=443, dport=chosen), "internet",
                           session=session)
    assert_dropped(other_host, "NAT_GATEWAY_NO_SESSION")


def test_r122_two_instances_share_the_eip_on_different_ports_and_get_their_own_replies():
    net = network()
    session = Session()
    one = net.trace_flow("app-1", REMOTE, sport=40000, session=session).packet_out
    two = net.trace_flow("app-2", REMOTE, sport=40000, session=session).packet_out
    assert int_to_ip(one.src) == int_to_ip(two.src) == NAT_EIP
    assert one.sport != two.sport
    for port, instance in ((one.sport, "app-1"), (two.sport, "app-2")):
        reply = net.trace(IP(src=REMOTE, dst=NAT_EIP) / TCP(sport=443, dport=port), "internet", session=session)
        assert reply.delivered_to == rid(net, instance, Instance), reply.render()
    # The same flow again keeps its translation.
    again = net.trace_flow("app-1", REMOTE, sport=40000, session=session).packet_out
    assert again.sport == one.sport


# --- R123: private NAT gateway -----------------------------------------------------------------

PRIVATE_NAT_VPC = """
    regions:
      eu-west-2:
        vpcs:
          shop:
            cidr_blocks: [10.0.0.0/16]
            internet_gateway: shop-igw
            route_tables:
              transit: {routes: [{destination: 0.0.0.0/0, target: shop-igw},
                                 {destination: 172.16.0.0/12, target: vgw-0a1b2c3d4e5f60718}]}
              app: {routes: [{destination: 0.0.0.0/0, target: inner-nat}]}
            subnets:
              transit: {cidr_block: 10.0.1.0/24, route_table: transit}
              app:     {cidr_block: 10.0.2.0/24, route_table: app}
            nat_gateways:
              inner-nat: {subnet: transit, private_ip: 10.0.1.5, connectivity_type: private}
            instances:
              app-1: {subnet: app, private_ip: 10.0.2.10}
"""


def test_r123_a_private_nat_gateway_translates_to_its_private_ip_toward_on_premises():
    net = network_from_yaml(PRIVATE_NAT_VPC)
    trace = net.trace_flow("app-1", "172.20.0.50", dport=1521)
    assert (trace.verdict, trace.delivered_to) == ("exited", "vgw-0a1b2c3d4e5f60718"), trace.render()
    assert int_to_ip(trace.packet_out.src) == "10.0.1.5"
    assert [t for t, _ in translations(trace)] == ["nat-gateway"]  # no IGW, no EIP


def test_r123_a_private_nat_gateways_traffic_to_the_igw_is_dropped():
    net = network_from_yaml(PRIVATE_NAT_VPC)
    trace = net.trace_flow("app-1", REMOTE)
    assert_dropped(trace, "NAT_GATEWAY_NO_PUBLIC_IP")
    assert rid(net, "inner-nat", NatGateway) in trace.path
    assert trace.hops[-1].id == rid(net, "shop-igw", InternetGateway)
    assert int_to_ip(trace.packet_out.src) == "10.0.1.5"


def test_r123_a_private_nat_gateway_cannot_have_an_elastic_ip():
    with pytest.raises(InputError, match="R123"):
        network_from_yaml(PRIVATE_NAT_VPC.replace("connectivity_type: private}",
                                                  "connectivity_type: private, public_ip: 18.130.1.5}"))


def test_r122_a_public_nat_gateway_needs_an_elastic_ip():
    with pytest.raises(InputError, match="R122"):
        network_from_yaml(VPC.replace("PUBLIC_ACL", "edge").replace(", public_ip: 18.130.1.5}", "}"))


# --- R124: protocols, ports, fragments ---------------------------------------------------------


@pytest.mark.parametrize("proto", [47, 50, 132])  # GRE, ESP, SCTP
def test_r124_only_tcp_udp_and_icmp_are_translated(proto):
    net = network()
    trace = net.trace_flow("app-1", REMOTE, proto=proto)
    assert_dropped(trace, "NAT_GATEWAY_UNSUPPORTED_PROTOCOL")
    assert trace.hops[-1].id == rid(net, "egress-nat", NatGateway)


@pytest.mark.parametrize("l4,passes", [
    (TCP(sport=40000, dport=443), False),
    (ICMP(type=8, id=7), False),
    (UDP(sport=40000, dport=4500), True),
], ids=["tcp", "icmp", "udp"])
def test_r124_fragmented_tcp_and_icmp_are_dropped_udp_fragments_pass(l4, passes):
    net = network()
    trace = net.trace(IP(dst=REMOTE, flags="MF") / l4, "app-1")
    if passes:
        assert trace.verdict == "exited", trace.render()
    else:
        assert_dropped(trace, "NAT_GATEWAY_FRAGMENT")
    # The same packets unfragmented all pass.
    assert net.trace(IP(dst=REMOTE) / l4, "app-1").verdict == "exited"


def test_r124_translated_ports_stay_within_1024_to_65535():
    net = network()
    session = Session()
    ports = {net.trace_flow("app-1", REMOTE, sport=sport, session=session).packet_out.sport
             for sport in (1, 80, 1023, 40000, 65535)}
    assert len(ports) == 5
    assert all(1024 <= p <= 65535 for p in ports), ports


# --- R126: no NAT gateway transit from a peered VPC --------------------------------------------


def test_r126_traffic_from_a_peered_vpc_cannot_use_the_nat_gateway():
    """R126: partner sends 0/0 over the peering to shop, whose main route table sends 0/0 to its
    NAT gateway. Traffic that entered over a peering may not use it."""
    net = network_from_yaml("""
        regions:
          eu-west-2:
            vpcs:
              shop:
                cidr_blocks: [10.0.0.0/16]
                internet_gateway: shop-igw
                route_tables:
                  main: {main: true, routes: [{destination: 0.0.0.0/0, target: egress-nat},
                                              {destination: 10.9.0.0/16, target: link}]}
                  public: {routes: [{destination: 0.0.0.0/0, target: shop-igw}]}
                subnets:
                  public: {cidr_block: 10.0.1.0/24, route_table: public}
                  app:    {cidr_block: 10.0.2.0/24}
                nat_gateways:
                  egress-nat: {subnet: public, private_ip: 10.0.1.5, public_ip: 18.130.1.5}
                instances:
                  app-1: {subnet: app, private_ip: 10.0.2.10}
              partner:
                cidr_blocks: [10.9.0.0/16]
                route_tables:
                  main: {main: true, routes: [{destination: 0.0.0.0/0, target: link}]}
                subnets:
                  partner: {cidr_block: 10.9.1.0/24}
                instances:
                  partner-1: {subnet: partner, private_ip: 10.9.1.10}
        peering_connections:
          link: {requester: partner, accepter: shop}
    """)
    trace = net.trace_flow("partner-1", REMOTE)
    assert_dropped(trace, "EDGE_TO_EDGE_NAT_GATEWAY")
    assert rid(net, "link", VpcPeeringConnection) in trace.path
    assert rid(net, "egress-nat", NatGateway) not in trace.path
    # Inside shop, the same route works.
    assert net.trace_flow("app-1", REMOTE).verdict == "exited"


# --- R127: no security group; the subnet's NACL applies ----------------------------------------


def test_r127_the_nat_gateway_has_no_security_group_of_its_own():
    """R127: the only security-group decision on the way out is app-1's own egress."""
    net = network()
    trace = net.trace_flow("app-1", REMOTE)
    sg_hops = [h for h in trace.hops if h.type == "security-group"]
    assert len(sg_hops) == 1 and sg_hops[0].detail.startswith("outbound")
    nat_eni = net.topology.find("egress-nat", NatGateway).network_interface_id
    assert net.fabric.ports[nat_eni].security_groups is None


def test_r127_the_nat_subnets_nacl_applies_on_the_way_in_to_the_nat_gateway():
    """R127: edge-no-app denies the app subnet inbound; app-1's packet dies entering the NAT's subnet."""
    net = network("edge-no-app")
    trace = net.trace_flow("app-1", REMOTE)
    assert_dropped(trace, "SUBNET_ACL_RESTRICTION")
    assert trace.hops[-1].id == rid(net, "edge-no-app", NetworkAcl)
    assert not translations(trace)  # denied before the NAT gateway translated anything


def test_r127_the_nat_subnets_nacl_applies_to_the_nat_gateways_own_traffic():
    """R127 + R114: leaving the NAT's subnet is checked against its outbound rules, and the
    internet's reply against its inbound rules; edge-no-replies has no allow for the NAT's
    ports (1024-65535) from the internet, so the reply dies at the NACL before the NAT gateway."""
    net = network("edge-no-replies")
    session = Session()
    request = net.trace_flow("app-1", REMOTE, session=session)
    assert request.verdict == "exited"
    nacl = rid(net, "edge-no-replies", NetworkAcl)
    decisions = [(h.id, h.detail.split()[0]) for h in request.hops if h.type == "network-acl"]
    assert (nacl, "inbound") in decisions and (nacl, "outbound") in decisions

    reply = net.trace(IP(src=REMOTE, dst=NAT_EIP) / TCP(sport=443, dport=request.packet_out.sport), "internet",
                      session=session)
    assert_dropped(reply, "SUBNET_ACL_RESTRICTION")
    assert reply.hops[-1].id == nacl

    # With the ephemeral range open (the `edge` NACL), the same reply gets through.
    net = network("edge")
    session = Session()
    request = net.trace_flow("app-1", REMOTE, session=session)
    reply = net.trace(IP(src=REMOTE, dst=NAT_EIP) / TCP(sport=443, dport=request.packet_out.sport), "internet",
                      session=session)
    assert reply.delivered_to == rid(net, "app-1", Instance), reply.render()
