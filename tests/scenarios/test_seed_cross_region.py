"""The seed scenario, part two (issue #3): from eu-west-1 to DynamoDB in eu-west-2, over an
inter-region VPC peering and over peered transit gateways."""
from __future__ import annotations

import pytest

import emulator
from tests.conftest import TOPOLOGIES
from tests.paths import assert_crosses, assert_dropped, assert_path

ENDPOINT_ENI = "10.2.1.100"
S3_EU_WEST_2 = "s3.eu-west-2.amazonaws.com"


@pytest.fixture(scope="module")
def net():
    return emulator.load(TOPOLOGIES / "seed-cross-region.yaml")


def test_peering_reaches_the_interface_endpoint(net):
    """1. Interface endpoint ENIs are reachable by private IP over inter-region peering (R52, R87)."""
    trace = net.trace_flow("client-a", ENDPOINT_ENI)
    assert trace.verdict == "delivered"
    assert_path(net, trace, "client-a", "data-link", "dynamodb")


def test_peered_transit_gateways_reach_the_interface_endpoint(net):
    """2. Through the TGW in eu-west-1, across the TGW peering (static routes, R96), to eu-west-2."""
    trace = net.trace_flow("client-b", ENDPOINT_ENI)
    assert trace.verdict == "delivered"
    assert_path(net, trace, "client-b", "hub-eu1", "hub-eu2", "dynamodb")


@pytest.mark.parametrize("client, via", [("client-a", "data-link"), ("client-b", "hub-eu2")])
def test_neither_path_can_use_the_remote_gateway_endpoint(net, client, via):
    """3. A gateway endpoint carries only traffic that started inside its VPC (R37, R81)."""
    trace = net.trace_flow(client, S3_EU_WEST_2)
    assert_dropped(trace, "EDGE_TO_EDGE_GATEWAY_ENDPOINT")
    assert_crosses(net, trace, via)


@pytest.mark.parametrize("client, forward", [
    ("client-a", ["client-a", "data-link", "dynamodb"]),
    ("client-b", ["client-b", "hub-eu1", "hub-eu2", "dynamodb"]),
])
def test_both_directions_pass(net, client, forward):
    """4. The reply is routed by the data VPC's own table back the way it came (R82), allowed by
    the endpoint SG's connection tracking (R105) and by the NACLs on its own (R114)."""
    trace = net.trace_flow(client, ENDPOINT_ENI, with_return=True)
    assert trace.reachable and not trace.asymmetric
    assert_path(net, trace.reply, *reversed(forward))
    reply = trace.reply.packet_in
    assert (reply.src, reply.dst, reply.sport, reply.dport) == (
        trace.packet_out.dst, trace.packet_out.src, trace.packet_out.dport, trace.packet_out.sport)


def test_private_dns_does_not_reach_across_the_peering(net):
    """R51: clients outside the endpoint's VPC get DynamoDB's public address for its name."""
    [answer] = net.resolve("dynamodb.eu-west-2.amazonaws.com", "client-a")
    service = net.fabric.service_at(emulator.api.ip_to_int(answer))
    assert service is not None and service.prefix_list_name == "com.amazonaws.eu-west-2.dynamodb"


def test_json_carries_the_return_trace(net):
    import json

    data = json.loads(net.trace_flow("client-b", ENDPOINT_ENI, with_return=True).to_json())
    assert data["return"]["verdict"] == "delivered"
    assert data["return"]["asymmetric"] is False
    assert data["return"]["hops"][-1]["id"] == net.topology.find("client-b").id
