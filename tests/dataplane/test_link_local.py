"""Link-local services: the instance metadata service, Time Sync and the others answer the instance
itself, before any security group, route or network ACL (R9, R111).

The `locked` VPC is as shut as a VPC can be: its only route table has no route but `local`, its
network ACL denies everything both ways, and the instances' security group has no rule at all.
"""
from __future__ import annotations

import pytest

from emulator.inputs.errors import InputError
from tests.builders import network_from_yaml
from tests.paths import assert_dropped

LOCKED_VPC = """
    regions:
      eu-west-2:
        vpcs:
          locked:
            cidr_blocks: [10.0.0.0/16]
            network_acls:
              deny-all: {inbound: [], outbound: []}
            subnets:
              app: {cidr_block: 10.0.1.0/24, network_acl: deny-all}
            security_groups:
              closed: {ingress: [], egress: []}
            instances:
              app-1: {subnet: app, private_ip: 10.0.1.10, security_groups: [closed]}
              no-imds: {subnet: app, private_ip: 10.0.1.11, security_groups: [closed],
                        metadata_options: {http_endpoint: disabled}}
            network_interfaces:
              loose: {subnet: app, private_ip: 10.0.1.20, security_groups: [closed]}
"""


@pytest.fixture(scope="module")
def net():
    return network_from_yaml(LOCKED_VPC)


def test_r111_the_metadata_service_answers_an_instance_no_filter_or_route_allows(net):
    trace = net.trace_flow("app-1", "169.254.169.254", "tcp", 40000, 80, with_return=True)
    assert (trace.verdict, trace.delivered_to) == ("delivered", "InstanceMetadataService"), trace.render()
    assert trace.reachable, trace.render()
    kinds = {h.type for h in trace.hops}
    assert not kinds & {"security-group", "network-acl", "route-table"}, trace.render()
    service = next(h for h in trace.hops if h.id == "InstanceMetadataService")
    assert service.action == "deliver" and "R111" in service.detail, trace.render()


def test_r111_time_sync_answers_on_udp_123(net):
    trace = net.trace_flow("app-1", "169.254.169.123", "udp", 40000, 123)
    assert (trace.verdict, trace.delivered_to) == ("delivered", "AmazonTimeSync"), trace.render()


def test_r111_a_link_local_service_answers_only_where_it_listens(net):
    assert_dropped(net.trace_flow("app-1", "169.254.169.254", "tcp", 40000, 22), "LINK_LOCAL_SERVICE_NO_LISTENER")
    assert_dropped(net.trace_flow("app-1", "169.254.169.123", "tcp", 40000, 123), "LINK_LOCAL_SERVICE_NO_LISTENER")


def test_r111_metadata_turned_off_gets_no_answer_with_a_code_saying_so(net):
    trace = net.trace_flow("no-imds", "169.254.169.254", "tcp", 40000, 80)
    assert_dropped(trace, "INSTANCE_METADATA_DISABLED")
    assert net.trace_flow("no-imds", "169.254.169.123", "udp", 40000, 123).verdict == "delivered"


def test_r111_a_network_interface_without_an_instance_is_not_answered(net):
    assert_dropped(net.trace_flow("loose", "169.254.169.254", "tcp", 40000, 80), "LINK_LOCAL_SERVICE_INSTANCE_ONLY")


def test_r9_other_addresses_of_the_reserved_range_are_still_never_routed(net):
    """169.254.169.200 is no service: it takes the route table, which never forwards the range (R9)."""
    trace = net.trace_flow("app-1", "169.254.169.200", "tcp", 40000, 80)
    assert trace.verdict == "dropped" and trace.code != "LINK_LOCAL_SERVICE_NO_LISTENER", trace.render()


def test_metadata_options_take_only_aws_values():
    with pytest.raises(InputError, match="http_endpoint: must be one of enabled, disabled"):
        network_from_yaml(LOCKED_VPC.replace("http_endpoint: disabled", "http_endpoint: off"))
