"""Where a security-group reference reaches (R109, R83, R103)."""
from __future__ import annotations

from tests.builders import network_from_yaml
from tests.paths import assert_dropped

PEERED = """
regions:
  us-east-1:
    vpcs:
      a:
        cidr_blocks: [10.1.0.0/16]
        route_tables: {main: {main: true, routes: [{destination: 10.2.0.0/16, target: ab}, {destination: 10.3.0.0/16, target: ac}]}}
        subnets: {s: {cidr_block: 10.1.1.0/24}}
        security_groups: {clients: {}}
        instances: {client: {subnet: s, private_ip: 10.1.1.10, security_groups: [clients]}}
      b:
        cidr_blocks: [10.2.0.0/16]
        route_tables: {main: {main: true, routes: [{destination: 10.1.0.0/16, target: ab}]}}
        subnets: {s: {cidr_block: 10.2.1.0/24}}
        security_groups:
          server: {ingress: [{protocol: tcp, ports: 443, from: clients}]}
        instances: {server-b: {subnet: s, private_ip: 10.2.1.10, security_groups: [server]}}
  us-west-2:
    vpcs:
      c:
        cidr_blocks: [10.3.0.0/16]
        route_tables: {main: {main: true, routes: [{destination: 10.1.0.0/16, target: ac}]}}
        subnets: {s: {cidr_block: 10.3.1.0/24, availability_zone: us-west-2a}}
        security_groups:
          server: {ingress: [{protocol: tcp, ports: 443, from: clients}]}
        instances: {server-c: {subnet: s, private_ip: 10.3.1.10, security_groups: [server]}}
peering_connections:
  ab: {requester: a, accepter: b}
  ac: {requester: a, accepter: c}
"""


def test_r83_a_reference_matches_across_a_same_region_peering():
    assert network_from_yaml(PEERED).trace_flow("client", "10.2.1.10").verdict == "delivered"


def test_r83_across_regions_references_match_nothing():
    assert_dropped(network_from_yaml(PEERED).trace_flow("client", "10.3.1.10"), "ENI_SG_RULES_MISMATCH")


def test_r83_a_peering_that_is_not_active_takes_the_reference_with_it():
    net = network_from_yaml(PEERED.replace("ab: {requester: a, accepter: b}", "ab: {requester: a, accepter: b, status: deleted}"))

    server = net.fabric.ports[net.topology.find("server-b").network_interface_ids[0]]
    assert all(not rule.match.ips for rule in server.security_groups.ingress)
