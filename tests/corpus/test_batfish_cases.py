"""Every EG, PX and NG case of ../shared/corpus/batfish/CASES.md, on the real snapshots.

Each test compares what AWS itself would show: the verdict, the drop reason, and the order of the
AWS components crossed (`trace.path`). Batfish's subnet, VPC and `isp_16509` nodes are its own
routers, not AWS components; a peering shows up in Batfish as the step from one VPC node to the
other, and in vpcemu as the `pcx-` it crosses. Dispositions map as CASES.md says:

  ACCEPTED -> delivered                      DENIED_IN -> dropped by the SG, NACL or NAT gateway
  EXITS_NETWORK -> exited, or delivered      NO_ROUTE -> NO_ROUTE_TO_DESTINATION
    to an AWS service                        NULL_ROUTED -> NO_SUBNET_FOR_DESTINATION / BLACKHOLE_ROUTE
  NEIGHBOR_UNREACHABLE -> NO_ENI_FOR_DESTINATION

A security group sits on a network interface: where Batfish reports DENIED_IN at an instance
node, vpcemu names the instance's ENI that carries the group.

Batfish's protocol-0 flows (PX) are sent as ICMP echo, a protocol the destination's security
group (tcp/22 only) does not allow, as CASES.md advises. Bidirectional cases trace the reply in
the same Session as the request, so the NAT translation and security-group state it left are
what lets the reply through (R105, R122).
"""
from __future__ import annotations

import copy

import pytest
from scapy.layers.inet import IP, TCP

import emulator
from emulator import model as m
from emulator.dataplane.packet import int_to_ip
from emulator.dataplane.state import Session
from tests.conftest import corpus_snapshot

EPHEMERAL = 49152  # Batfish's NamedPort.EPHEMERAL_LOWEST, the source port of its TCP flows
S3 = "com.amazonaws.us-east-1.s3"


@pytest.fixture(scope="module")
def endpoint_gateway():
    return emulator.load(corpus_snapshot("test-vpc-endpoint-gateway"))


@pytest.fixture(scope="module")
def peering():
    return emulator.load(corpus_snapshot("test-vpc-peering"))


@pytest.fixture(scope="module")
def nat_gateway():
    return emulator.load(corpus_snapshot("test-nat-gateway"))


def tcp(net, source, destination, dport, session=None, with_return=False):
    return net.trace_flow(source, destination, "tcp", EPHEMERAL, dport, session=session, with_return=with_return)


def reply_from_outside(net, delivered, session):
    """The internet host or public service answers the packet as it arrived (addresses and ports swapped)."""
    out = delivered.packet_out
    packet = IP(src=int_to_ip(out.dst), dst=int_to_ip(out.src)) / TCP(sport=out.dport, dport=out.sport, flags="SA")
    return net.trace(packet, at="internet", session=session)


def interface_of(net, instance_id):
    """The network interface that carries the instance's security groups."""
    return net.topology.get(instance_id, m.Instance).network_interface_ids[0]


def assert_outcome(trace, verdict, code, path):
    assert (trace.verdict, trace.code, trace.path) == (verdict, code, path), trace.render()


# --- A1. test-vpc-endpoint-gateway -------------------------------------------------------------

I_PRIV, I_PUB = "i-01c6c0647fdccc89e", "i-0464d440ca0ee9e34"
VPCE, IGW_EG = "vpce-0b7357542bb7b83ec", "igw-0c8afe4471084ccba"


@pytest.mark.parametrize("case, source", [("EG1", I_PRIV), ("EG2", I_PUB)])
def test_eg1_eg2_s3_in_the_prefix_list_goes_through_the_gateway_endpoint_both_ways(endpoint_gateway, case, source):
    """EG1/EG2: 52.216.237.77 is in pl-63a5400a; both tables route it to the vpce (R32, R33). For the
    public subnet the /15 entry beats 0/0 -> igw (R27, R35). Batfish: forward i, subnet, vpc, vpce
    (EXITS_NETWORK: S3 lies beyond the endpoint); reply vpce, vpc, subnet, i (ACCEPTED).

    S3's answer can only be sent back through the endpoint that carried the request, so the reply
    is traced by `with_return` (the emulator's own responder), in the request's session."""
    net, session = endpoint_gateway, Session()
    trace = tcp(net, source, "52.216.237.77", 443, session, with_return=True)
    assert_outcome(trace, "delivered", None, [source, VPCE, S3])
    assert trace.delivered_to == S3 and not trace.crosses(IGW_EG)
    assert int_to_ip(trace.packet_out.src) == net.port(source).eni.private_ip_address  # no NAT on the way
    assert_outcome(trace.reply, "delivered", None, [S3, VPCE, source])
    reply = trace.reply.packet_out
    assert (int_to_ip(reply.src), reply.sport, reply.dport) == ("52.216.237.77", 443, EPHEMERAL)


def test_eg3_other_aws_service_from_the_private_subnet_has_no_route(endpoint_gateway):
    """EG3: 54.222.57.1 is not in the list and the private table has no default route (R1).
    Batfish: NO_ROUTE at the subnet; hops i, subnet."""
    trace = tcp(endpoint_gateway, I_PRIV, "54.222.57.1", 443)
    assert_outcome(trace, "dropped", "NO_ROUTE_TO_DESTINATION", [I_PRIV])
    assert trace.hops[-1].id == "rtb-04f71fc2caa8d94cf"


def test_eg4_other_aws_service_from_the_public_subnet_leaves_through_the_igw_and_answers(endpoint_gateway):
    """EG4: 0/0 -> igw, which maps 10.1.1.169 to 18.206.223.222 (R120); the reply comes back through
    the IGW to the instance. Batfish ends the request at `__aws-services-gateway__` because its
    ip-ranges.json lists 54.222.57.0/24 as DynamoDB in cn-north-1. That is the aws-cn partition,
    which is not on the global AWS network: vpcemu's AWS service space is the AWS-managed prefix
    lists of its regions (R30), so the packet leaves for the internet, which the EXITS_NETWORK
    mapping allows. The next test shows that with Batfish's address data the path ends at the service."""
    net, session = endpoint_gateway, Session()
    trace = tcp(net, I_PUB, "54.222.57.1", 443, session)
    assert_outcome(trace, "exited", None, [I_PUB, IGW_EG, "internet"])
    assert int_to_ip(trace.packet_out.src) == "18.206.223.222"
    reply = reply_from_outside(net, trace, session)
    assert_outcome(reply, "delivered", None, ["internet", IGW_EG, I_PUB])
    assert (int_to_ip(reply.packet_out.dst), reply.packet_out.dport) == ("10.1.1.169", EPHEMERAL)


def test_eg4_with_batfish_address_data_ends_at_the_aws_service(endpoint_gateway):
    """EG4 under Batfish's premise: once 54.222.57.0/24 is known as a DynamoDB range, the same
    request is delivered to that service through the IGW and its reply returns the same way."""
    topology = copy.deepcopy(endpoint_gateway.topology)
    dynamodb = "com.amazonaws.cn-north-1.dynamodb"
    topology.add(m.PrefixList("pl-batfish-ip-ranges", dynamodb, ["54.222.57.0/24"], "cn-north-1"))
    net = emulator.Network(topology)
    trace = tcp(net, I_PUB, "54.222.57.1", 443, Session(), with_return=True)
    assert_outcome(trace, "delivered", None, [I_PUB, IGW_EG, dynamodb])
    assert_outcome(trace.reply, "delivered", None, [dynamodb, IGW_EG, I_PUB])


# --- A3. test-vpc-peering ----------------------------------------------------------------------

I_A, I_B = "i-06ba034d88c84ef07", "i-0b14080af811fda3d"
PCX_AB = "pcx-0b89b559e3319d6cf"


def probe(net, source, destination):
    """Batfish's protocol-0 flow, as ICMP echo: the launch-wizard groups allow tcp/22 only."""
    return net.trace_flow(source, destination, "icmp")


@pytest.mark.parametrize("case, source, destination, target", [
    ("PX1", I_A, "192.168.1.106", I_B),
    ("PX2", I_B, "10.10.10.157", I_A),
])
def test_px1_px2_across_the_peering_the_destination_security_group_refuses(peering, case, source, destination,
                                                                          target):
    """PX1/PX2: the /24 (A) or /16 (B) route uses pcx A-B (R79); the peer's SG allows only tcp/22
    (R104). Batfish: DENIED_IN at the destination instance after i, subnet, vpc, vpc, subnet."""
    trace = probe(peering, source, destination)
    assert_outcome(trace, "dropped", "ENI_SG_RULES_MISMATCH", [source, PCX_AB, interface_of(peering, target)])


def test_px3_an_unused_peer_range_has_no_route_in_a(peering):
    """PX3: A's table holds only the two peer /24s and local (R1). Batfish: NO_ROUTE at A's subnet."""
    trace = probe(peering, I_A, "192.168.100.1")
    assert_outcome(trace, "dropped", "NO_ROUTE_TO_DESTINATION", [I_A])
    assert trace.hops[-1].id == "rtb-0891861fffaea6d52"


def test_px4_an_address_of_a_without_a_subnet_is_null_routed_in_a(peering):
    """PX4: 10.10.0.0/16 goes over the peering; A has no subnet for 10.10.100.1 (R5). Batfish:
    NULL_ROUTED at VPC A after i, subnet, vpc B, vpc A."""
    trace = probe(peering, I_B, "10.10.100.1")
    assert_outcome(trace, "dropped", "NO_SUBNET_FOR_DESTINATION", [I_B, PCX_AB])
    assert trace.hops[-1].id == "vpc-0404e08ceddf7f650"


def test_px5_an_unused_address_in_a_subnet_of_a_has_no_interface(peering):
    """PX5: 10.10.10.11 is in A's subnet but no ENI owns it. Batfish: NEIGHBOR_UNREACHABLE at A's subnet."""
    trace = probe(peering, I_B, "10.10.10.11")
    assert_outcome(trace, "dropped", "NO_ENI_FOR_DESTINATION", [I_B, PCX_AB])
    assert trace.hops[-1].id == "subnet-006a19c846f047bd7"


# --- A5. test-nat-gateway ----------------------------------------------------------------------

I_S1, I_JUMP = "i-0a128d26e59be60f3", "i-0b31b509174d7f5de"
NAT, IGW_NG = "nat-07ab4846da51f4612", "igw-071753b9c23d8a9b2"
NAT_PUBLIC, NAT_PRIVATE = "3.135.127.225", "10.1.250.210"


def test_ng1_instance_to_internet_through_nat_and_igw_and_back(nat_gateway):
    """NG1: S1's 0/0 -> nat; the NAT rewrites the source to 10.1.250.210 and a port in 1024-65535
    (R122, R124); the NAT subnet's 0/0 -> igw maps it to 3.135.127.225 (R120). Batfish: forward
    i, subnet, vpc, nat, subnet, vpc, igw, isp, internet (EXITS_NETWORK); the reply undoes both
    translations: internet, isp, igw, vpc, subnet, nat, vpc, subnet, i (ACCEPTED)."""
    net, session = nat_gateway, Session()
    trace = tcp(net, I_S1, "8.8.8.8", 80, session)
    assert_outcome(trace, "exited", None, [I_S1, NAT, IGW_NG, "internet"])
    out = trace.packet_out
    assert int_to_ip(out.src) == NAT_PUBLIC and 1024 <= out.sport <= 65535
    nat_hop = next(h for h in trace.hops if h.id == NAT)
    assert int_to_ip(nat_hop.headers_out.src) == NAT_PRIVATE
    reply = reply_from_outside(net, trace, session)
    assert_outcome(reply, "delivered", None, ["internet", IGW_NG, NAT, I_S1])
    assert (int_to_ip(reply.packet_out.dst), reply.packet_out.dport) == ("10.1.1.98", EPHEMERAL)


def test_ng1_the_reply_needs_the_session_of_the_request(nat_gateway):
    """Without the request's NAT session the same reply is an unsolicited packet (R122)."""
    trace = tcp(nat_gateway, I_S1, "8.8.8.8", 80, Session())
    reply = reply_from_outside(nat_gateway, trace, Session())
    assert_outcome(reply, "dropped", "NAT_GATEWAY_NO_SESSION", ["internet", IGW_NG, NAT])


def test_ng2_the_nat_gateway_drops_protocols_other_than_tcp_udp_icmp(nat_gateway):
    """NG2: IP protocol 107 (R124). Batfish: DENIED_IN at the NAT after i, subnet, vpc."""
    trace = nat_gateway.trace_flow(I_S1, "8.8.8.8", 107)
    assert_outcome(trace, "dropped", "NAT_GATEWAY_UNSUPPORTED_PROTOCOL", [I_S1, NAT])


def test_ng3_a_connection_from_the_internet_to_the_nat_gateway_is_dropped(nat_gateway):
    """NG3: the IGW maps 3.135.127.225 to 10.1.250.210 (R120); no session matches (R122). Batfish:
    DENIED_IN at the NAT after internet, isp, igw, vpc, subnet."""
    trace = nat_gateway.trace(IP(src="8.8.8.8", dst=NAT_PUBLIC) / TCP(sport=EPHEMERAL, dport=80), at="internet")
    assert_outcome(trace, "dropped", "NAT_GATEWAY_NO_SESSION", ["internet", IGW_NG, NAT])
    nat_hop = next(h for h in trace.hops if h.id == NAT)
    assert int_to_ip(nat_hop.headers_in.dst) == NAT_PRIVATE


def test_ng4_an_instance_in_the_nat_subnet_cannot_open_a_connection_to_the_nat_gateway(nat_gateway):
    """NG4: same subnet, so the packet is switched straight to the NAT ENI with no route table and no
    NACL (R8, R116); no session matches (R122). Batfish: DENIED_IN at the NAT after the instance."""
    trace = tcp(nat_gateway, I_JUMP, NAT_PRIVATE, 80)
    assert_outcome(trace, "dropped", "NAT_GATEWAY_NO_SESSION", [I_JUMP, NAT])
    assert not {"route-table", "network-acl"} & {h.type for h in trace.hops}
