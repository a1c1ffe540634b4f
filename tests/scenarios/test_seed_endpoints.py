"""The seed scenario, part one (issue #2): an application VPC in eu-west-2 reaching S3 and DynamoDB.

Each test reads like the design it checks: who sends, where to, and which AWS components the
packet must (and must not) cross.
"""
from __future__ import annotations

from emulator.dataplane.packet import int_to_ip
from tests.paths import assert_avoids, assert_dropped, assert_path

S3 = "s3.eu-west-2.amazonaws.com"
DYNAMODB = "dynamodb.eu-west-2.amazonaws.com"


def test_public_path_to_s3_goes_out_the_internet_gateway(seed):
    """1. web-b's route table was not chosen for the gateway endpoint: 0/0 -> IGW (R33, R120)."""
    trace = seed.trace_flow("web-b", S3)
    assert trace.verdict == "delivered"
    assert_path(seed, trace, "web-b", "app-igw", "com.amazonaws.eu-west-2.s3")
    assert int_to_ip(trace.packet_out.src) == "18.130.11.10"  # S3 sees the public IP


def test_gateway_endpoint_route_beats_the_default_route(seed):
    """2. web-a's table holds pl-… -> vpce-…; the /23 entry is more specific than 0/0 (R27, R35)."""
    trace = seed.trace_flow("web-a", S3)
    assert trace.verdict == "delivered" and trace.delivered_to == "com.amazonaws.eu-west-2.s3"
    assert_path(seed, trace, "web-a", "s3-gateway", "com.amazonaws.eu-west-2.s3")
    assert_avoids(seed, trace, "app-igw")
    assert int_to_ip(trace.packet_out.src) == "10.0.0.10"  # no translation through an endpoint


def test_removing_the_gateway_endpoint_sends_s3_traffic_back_to_the_igw(seed):
    """2, before and after: the same packet from web-a, with the endpoint gone, takes the IGW (R32)."""
    import copy

    import emulator

    topology = copy.deepcopy(seed.topology)
    topology.remove("s3-gateway")
    before = emulator.Network(topology).trace_flow("web-a", S3)
    assert_path(seed, before, "web-a", "app-igw", "com.amazonaws.eu-west-2.s3")


def test_private_subnet_with_the_endpoint_reaches_s3_without_internet_route(seed):
    trace = seed.trace_flow("app-a", S3)
    assert_path(seed, trace, "app-a", "s3-gateway", "com.amazonaws.eu-west-2.s3")


def test_interface_endpoint_enis_take_addresses_from_their_subnets(seed):
    """3. One ENI per chosen subnet, each with an address of that subnet (R43)."""
    import ipaddress

    from emulator.model import InterfaceEndpoint, NetworkInterface, Subnet

    endpoint = seed.topology.find("dynamodb", InterfaceEndpoint)
    assert len(endpoint.network_interface_ids) == 2
    for eni_id in endpoint.network_interface_ids:
        eni = seed.topology.get(eni_id, NetworkInterface)
        subnet = seed.topology.get(eni.subnet_id, Subnet)
        assert ipaddress.ip_address(eni.private_ip_address) in ipaddress.ip_network(subnet.cidr_block)
    assert {seed.topology.get(s, Subnet).name for s in endpoint.subnet_ids} == {"private-a", "private-b"}


def test_interface_endpoint_is_reached_by_its_eni_address(seed):
    trace = seed.trace_flow("app-a", "10.0.10.100")
    assert trace.verdict == "delivered"
    assert_path(seed, trace, "app-a", "dynamodb")


def test_dynamodb_name_resolves_to_the_endpoint_with_private_dns(seed):
    """3. With private DNS on, the regional name answers with the ENI in the client's AZ (R50)."""
    assert seed.resolve(DYNAMODB, "app-b") == ["10.0.11.100", "10.0.10.100"]
    trace = seed.trace_flow("app-b", DYNAMODB)
    assert_path(seed, trace, "app-b", "dynamodb")


def test_private_subnet_without_nat_or_endpoint_cannot_reach_s3(seed):
    """4. No route covers S3's addresses in private-b's table (R1)."""
    trace = seed.trace_flow("app-b", S3)
    assert_dropped(trace, "NO_ROUTE_TO_DESTINATION")
    from emulator.model import RouteTable

    assert trace.hops[-1].id == seed.topology.find("private-b", RouteTable).id


def test_nat_gateway_then_internet_gateway(seed):
    """The NAT gateway rewrites the source to its private IP, the IGW to its Elastic IP (R122, R120)."""
    trace = seed.trace_flow("batch-1", S3)
    assert_path(seed, trace, "batch-1", "nat-b", "app-igw", "com.amazonaws.eu-west-2.s3")
    assert int_to_ip(trace.packet_out.src) == "18.130.11.5"
    assert 1024 <= trace.packet_out.sport <= 65535  # R124
