"""The internet gateway: 1:1 NAT between private and public IPv4 (R120) and what internet access
needs (R121), outbound from instances and inbound from `at="internet"`.

The VPC has a `public` subnet (0/0 -> IGW) and a `private` subnet (no default route).
"""
from __future__ import annotations

from scapy.layers.inet import ICMP, IP, TCP, UDP

from emulator.api import Session
from emulator.dataplane.packet import int_to_ip
from emulator.model import Instance, InternetGateway, RouteTable
from tests.builders import network_from_yaml
from tests.paths import assert_dropped

REMOTE = "198.51.100.7"  # a host on the internet (TEST-NET-2)

VPC = """
    regions:
      eu-west-2:
        vpcs:
          shop:
            cidr_blocks: [10.0.0.0/16]
            internet_gateway: shop-igw
            route_tables:
              public: {routes: [{destination: 0.0.0.0/0, target: shop-igw}]}
              private: {}
            subnets:
              public:  {cidr_block: 10.0.1.0/24, route_table: public}
              private: {cidr_block: 10.0.2.0/24, route_table: private}
            security_groups:
              # HTTPS in; out only HTTPS and NTP, so a reply to a client's ephemeral port needs R105.
              web: {ingress: [{protocol: tcp, ports: 443, from: 0.0.0.0/0}],
                    egress: [{protocol: tcp, ports: 443, to: 0.0.0.0/0}, {protocol: udp, ports: 123, to: 0.0.0.0/0}]}
            instances:
              web:      {subnet: public, private_ip: 10.0.1.10, public_ip: 18.130.1.10, security_groups: [web]}
              eip-web:  {subnet: public, private_ip: 10.0.1.20, elastic_ip: 18.130.1.20, security_groups: [web]}
              no-ip:    {subnet: public, private_ip: 10.0.1.30, security_groups: [web]}
              stranded: {subnet: private, private_ip: 10.0.2.10, public_ip: 18.130.2.10, security_groups: [web]}
"""


def network():
    return network_from_yaml(VPC)


def igw_id(net) -> str:
    return net.topology.find("shop-igw", InternetGateway).id


def instance_id(net, name: str) -> str:
    return net.topology.find(name, Instance).id


def translations(trace) -> list[str]:
    return [h.detail for h in trace.hops if h.type == "internet-gateway" and h.action == "translate"]


# --- R120: 1:1 NAT both ways -------------------------------------------------------------------


def test_r120_outbound_the_igw_rewrites_the_private_source_to_the_public_ip():
    net = network()
    trace = net.trace(IP(dst=REMOTE) / TCP(sport=40000, dport=443), "web")
    assert (trace.verdict, trace.delivered_to) == ("exited", "internet"), trace.render()
    assert trace.path == [instance_id(net, "web"), igw_id(net), "internet"]
    assert int_to_ip(trace.packet_in.src) == "10.0.1.10"
    assert int_to_ip(trace.packet_out.src) == "18.130.1.10"
    # 1:1: only the address changes; ports and destination are left alone.
    assert (trace.packet_out.sport, trace.packet_out.dport, int_to_ip(trace.packet_out.dst)) == (40000, 443, REMOTE)
    assert translations(trace) == ["source 10.0.1.10 -> 18.130.1.10 (R120)"]


def test_r120_an_elastic_ip_is_translated_the_same_way():
    net = network()
    trace = net.trace_flow("eip-web", REMOTE, proto="udp", dport=123)
    assert trace.verdict == "exited"
    assert int_to_ip(trace.packet_out.src) == "18.130.1.20"


def test_r120_inbound_the_igw_rewrites_the_public_destination_so_the_instance_sees_its_private_ip():
    net = network()
    for public, private, instance in (("18.130.1.10", "10.0.1.10", "web"), ("18.130.1.20", "10.0.1.20", "eip-web")):
        trace = net.trace(IP(src=REMOTE, dst=public) / TCP(sport=51000, dport=443, flags="S"), "internet")
        assert (trace.verdict, trace.delivered_to) == ("delivered", instance_id(net, instance)), trace.render()
        assert trace.path == ["internet", igw_id(net), instance_id(net, instance)]
        assert int_to_ip(trace.packet_out.dst) == private
        assert int_to_ip(trace.packet_out.src) == REMOTE  # the client's address is kept
        assert translations(trace) == [f"destination {public} -> {private} (R120)"]


def test_r120_a_conversation_with_the_internet_stays_on_the_private_ip_inside():
    """R120 + R105: a client on the internet opens HTTPS to web's public IP; web answers from its
    private IP (no egress rule of its group covers port 51000: the reply passes as tracked), and
    the IGW maps it back."""
    net = network()
    session = Session()
    request = net.trace(IP(src=REMOTE, dst="18.130.1.10") / TCP(sport=51000, dport=443, flags="S"), "internet",
                        session=session)
    assert request.verdict == "delivered"

    reply = net.trace(IP(src="10.0.1.10", dst=REMOTE) / TCP(sport=443, dport=51000, flags="SA"), "web",
                      session=session)
    assert (reply.verdict, reply.delivered_to) == ("exited", "internet"), reply.render()
    assert "tracked connection" in next(h.detail for h in reply.hops if h.type == "security-group")
    assert int_to_ip(reply.packet_out.src) == "18.130.1.10"
    assert (reply.packet_out.sport, reply.packet_out.dport) == (443, 51000)

    # Without the request's state, web's egress rules stop the same packet.
    assert_dropped(net.trace(IP(src="10.0.1.10", dst=REMOTE) / TCP(sport=443, dport=51000), "web"),
                   "ENI_SG_RULES_MISMATCH")


def test_r120_inbound_traffic_still_meets_the_nacl_and_the_security_group():
    """R120/R117: after the translation, the subnet's NACL inbound then the instance's group decide."""
    net = network()
    ssh = net.trace(IP(src=REMOTE, dst="18.130.1.10") / TCP(sport=51000, dport=22), "internet")
    assert_dropped(ssh, "ENI_SG_RULES_MISMATCH")
    assert [h.type for h in ssh.hops][:4] == ["internet", "internet-gateway", "network-acl", "security-group"]


def test_r120_an_address_nobody_holds_is_not_delivered_into_the_vpc():
    net = network()
    stray = net.trace(IP(src=REMOTE, dst="18.130.9.9") / UDP(dport=53), "internet")
    assert stray.verdict != "delivered"
    assert igw_id(net) not in stray.path


# --- R121: what internet access needs ----------------------------------------------------------


def test_r121_without_a_public_ip_the_igw_has_nothing_to_map_the_source_to():
    """R121: no-ip sits in the public subnet with the route to the IGW, but has only a private IP."""
    net = network()
    trace = net.trace_flow("no-ip", REMOTE)
    assert_dropped(trace, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS")
    assert trace.hops[-1].id == igw_id(net)
    assert int_to_ip(trace.packet_out.src) == "10.0.1.30"  # never translated


def test_r121_a_public_ip_without_a_route_to_the_igw_does_not_reach_the_internet():
    """R121: stranded has a public IP, but its subnet's table has no route to the IGW."""
    net = network()
    trace = net.trace_flow("stranded", REMOTE)
    assert_dropped(trace, "NO_ROUTE_TO_DESTINATION")
    assert trace.hops[-1].id == net.topology.find("private", RouteTable).id
    assert igw_id(net) not in trace.path


def test_r121_inbound_to_a_host_without_an_igw_route_arrives_but_its_reply_cannot_leave():
    """R121: the IGW maps stranded's public IP inbound (the subnet's table is not consulted for
    that), but stranded's reply finds no route back to the internet."""
    net = network()
    session = Session()
    request = net.trace(IP(src=REMOTE, dst="18.130.2.10") / TCP(sport=51000, dport=443, flags="S"), "internet",
                        session=session)
    assert request.delivered_to == instance_id(net, "stranded"), request.render()
    reply = net.trace(IP(src="10.0.2.10", dst=REMOTE) / TCP(sport=443, dport=51000), "stranded", session=session)
    assert_dropped(reply, "NO_ROUTE_TO_DESTINATION")


def test_r121_the_igw_route_and_the_public_ip_together_are_enough():
    """R121, the control: web has both, and TCP, UDP and ICMP all leave (here with the default
    group, whose egress allows everything, R107)."""
    net = network_from_yaml(VPC.replace(", security_groups: [web]}", "}"))
    for proto in ("tcp", "udp", "icmp"):
        trace = net.trace_flow("web", REMOTE, proto=proto)
        assert trace.verdict == "exited", trace.render()
        assert int_to_ip(trace.packet_out.src) == "18.130.1.10"


def test_r121_private_destinations_are_not_reachable_across_the_internet():
    net = network_from_yaml(VPC.replace(", security_groups: [web]}", "}"))
    trace = net.trace_flow("web", "192.168.7.7")
    assert_dropped(trace, "INTERNET_PRIVATE_DESTINATION")
    assert igw_id(net) in trace.path


def test_r120_an_icmp_echo_from_the_internet_reaches_the_public_ip_when_allowed():
    net = network_from_yaml(VPC.replace(
        "web: {ingress: [{protocol: tcp, ports: 443, from: 0.0.0.0/0}],",
        "web: {ingress: [{protocol: icmp, icmp_type: 8, from: 0.0.0.0/0}],"))
    trace = net.trace(IP(src=REMOTE, dst="18.130.1.10") / ICMP(type=8, id=7), "internet")
    assert trace.delivered_to == instance_id(net, "web")
    assert int_to_ip(trace.packet_out.dst) == "10.0.1.10"
