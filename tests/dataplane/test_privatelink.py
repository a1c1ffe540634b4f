"""PrivateLink, provider side (R57–R66), and the bad input issue #4 names."""
from __future__ import annotations

import struct
import subprocess
import sys

import pytest

from emulator.dataplane.packet import int_to_ip
from emulator.dataplane.targets.privatelink import PP2_SIGNATURE, proxy_protocol_v2
from emulator.inputs.errors import InputError
from emulator.model import InterfaceEndpoint
from tests.builders import network_from_yaml
from tests.paths import assert_dropped

PROVIDER_AND_CONSUMER = """
account: "111111111111"
regions:
  us-east-1:
    vpcs:
      provider:
        account: "222222222222"
        cidr_blocks: [10.1.0.0/16]
        subnets:
          a: {cidr_block: 10.1.1.0/24, availability_zone: us-east-1a}
          b: {cidr_block: 10.1.2.0/24, availability_zone: us-east-1b}
        security_groups:
          app: {ingress: [{protocol: tcp, ports: 8080, from: 10.1.0.0/16}]}
        instances:
          t1: {subnet: a, private_ip: 10.1.1.10, security_groups: [app]}
          t2: {subnet: b, private_ip: 10.1.2.10, security_groups: [app]}
        target_groups:
          tg: {protocol: TCP, port: 8080, targets: [{target: t1, health: {H1}}, {target: t2, health: {H2}}],
               proxy_protocol_v2: {PP2}}
        load_balancers:
          nlb: {type: network, subnets: [{NLB_SUBNETS}], private_ips: {a: 10.1.1.5, b: 10.1.2.5},
                listeners: [{port: 443, target_group: tg}]}
      consumer:
        cidr_blocks: [10.9.0.0/16]
        subnets:
          c-a: {cidr_block: 10.9.1.0/24, availability_zone: us-east-1a}
          c-b: {cidr_block: 10.9.2.0/24, availability_zone: us-east-1b}
        security_groups:
          ep: {ingress: [{protocol: tcp, ports: 443, from: 10.9.0.0/16}, {protocol: tcp, ports: 80, from: 10.9.0.0/16}]}
          client: {ingress: [{protocol: all, from: 0.0.0.0/0}]}
        instances:
          c1: {subnet: c-a, private_ip: 10.9.1.10, security_groups: [client]}
          c2: {subnet: c-b, private_ip: 10.9.2.10, security_groups: [client]}
        endpoints:
          ep: {type: interface, service: svc, subnets: [{EP_SUBNETS}], security_groups: [ep],
               private_ips: {c-a: 10.9.1.100, c-b: 10.9.2.100}, principal: "{PRINCIPAL}"}
    endpoint_services:
      svc: {load_balancers: [nlb], acceptance_required: {ACCEPT}, allowed_principals: [{ALLOWED}], accepted: [{ACCEPTED}]}
"""


def build(**overrides):
    values = {"H1": "healthy", "H2": "healthy", "PP2": "false", "NLB_SUBNETS": "a, b", "EP_SUBNETS": "c-a, c-b",
              "PRINCIPAL": "arn:aws:iam::111111111111:root", "ACCEPT": "true",
              "ALLOWED": '"arn:aws:iam::111111111111:root"', "ACCEPTED": "ep"}
    values.update(overrides)
    text = PROVIDER_AND_CONSUMER
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return network_from_yaml(text)


def test_r57_r61_the_endpoint_reaches_the_nlb_node_in_its_own_az():
    net = build()
    for client, endpoint_ip, node in (("c1", "10.9.1.100", "10.1.1.5"), ("c2", "10.9.2.100", "10.1.2.5")):
        trace = net.trace_flow(client, endpoint_ip)
        assert trace.verdict == "delivered"
        assert int_to_ip(trace.packet_out.src) == node


def test_r61_an_endpoint_in_an_az_the_service_lacks_is_refused_at_load():
    with pytest.raises(InputError, match=r"us-east-1b: svc is offered only in us-east-1a \(R61\)"):
        build(NLB_SUBNETS="a")


def test_r58_a_principal_not_allowed_is_refused_at_load_naming_principal_and_service():
    with pytest.raises(InputError) as error:
        build(PRINCIPAL="arn:aws:iam::333333333333:role/x")
    assert "arn:aws:iam::333333333333:role/x is not an allowed principal of com.amazonaws.vpce.us-east-1.vpce-svc-" in str(error.value)
    assert error.value.field == "principal"


@pytest.mark.parametrize("allowed, principal", [
    ('"*"', "arn:aws:iam::333333333333:root"),
    ('"arn:aws:iam::333333333333:root"', "arn:aws:iam::333333333333:user/bob"),
    ('"arn:aws:iam::333333333333:role/app"', "arn:aws:iam::333333333333:role/app"),
])
def test_r58_star_account_root_and_exact_arns_are_allowed(allowed, principal):
    assert build(ALLOWED=allowed, PRINCIPAL=principal).trace_flow("c1", "10.9.1.100").verdict == "delivered"


def test_r59_acceptance_required_without_acceptance_carries_no_traffic():
    trace = build(ACCEPTED="").trace_flow("c1", "10.9.1.100")
    assert_dropped(trace, "ENDPOINT_PENDING_ACCEPTANCE")


def test_r59_auto_accept_carries_traffic_at_once():
    assert build(ACCEPT="false", ACCEPTED="").trace_flow("c1", "10.9.1.100").verdict == "delivered"


def test_r62_nothing_opens_a_connection_from_the_provider_side():
    """A target sending to the NLB node, or to the consumer's addresses, finds no way in."""
    net = build()
    trace = net.trace_flow("t1", "10.1.1.5", dport=40000)
    assert_dropped(trace, "LOAD_BALANCER_NO_SESSION")


def test_r64_the_target_sees_the_nlb_and_proxy_protocol_carries_the_client():
    net = build(PP2="true")
    trace = net.trace_flow("c1", "10.9.1.100")
    assert int_to_ip(trace.packet_out.src) == "10.1.1.5"
    nlb_hop = next(h for h in trace.hops if h.type == "load-balancer")
    assert "proxy protocol v2" in nlb_hop.detail and "10.9.1.10:49152" in nlb_hop.detail
    endpoint_id = net.topology.find("ep", InterfaceEndpoint).id
    header = proxy_protocol_v2(0x0A09010A, 49152, 0x0A09016A, 443, endpoint_id)
    assert header.startswith(PP2_SIGNATURE) and header[12] == 0x21 and header[13] == 0x11
    src, dst, sport, dport = struct.unpack_from("!IIHH", header, 16)
    assert (int_to_ip(src), sport, dport) == ("10.9.1.10", 49152, 443)
    assert header[28] == 0xEA and header[32:].decode() == endpoint_id  # PP2_TYPE_AWS, subtype VPCE id


def test_with_no_healthy_target_the_nlb_fails_open():
    """AWS's NLB health-check documentation: when every target fails its checks, the load balancer
    routes to all of them. The configuration is accepted and the traffic is not dropped."""
    net = build(H1="unhealthy", H2="draining")
    trace = net.trace_flow("c1", "10.9.1.100")
    assert trace.verdict == "delivered"
    assert any("fails open" in h.detail for h in trace.hops if h.type == "load-balancer")
    reached = {net.trace_flow("c1", "10.9.1.100", sport=s).delivered_to for s in range(40000, 40030)}
    assert reached == {net.topology.find("t1").id, net.topology.find("t2").id}


def test_an_empty_target_group_is_a_dropped_trace_not_a_load_error():
    net = network_from_yaml(PROVIDER_AND_CONSUMER.replace(
        "targets: [{target: t1, health: {H1}}, {target: t2, health: {H2}}]", "targets: []").replace(
        "{PP2}", "false").replace("{NLB_SUBNETS}", "a, b").replace("{EP_SUBNETS}", "c-a, c-b").replace(
        "{PRINCIPAL}", "arn:aws:iam::111111111111:root").replace("{ACCEPT}", "true").replace(
        "{ALLOWED}", '"arn:aws:iam::111111111111:root"').replace("{ACCEPTED}", "ep"))
    assert_dropped(net.trace_flow("c1", "10.9.1.100"), "ELBV2_NO_TARGETS")


def test_unhealthy_targets_are_skipped():
    net = build(H1="unhealthy")
    for sport in range(40000, 40010):
        assert net.trace_flow("c1", "10.9.1.100", sport=sport).delivered_to == net.topology.find("t2").id


def test_a_port_without_listener_is_dropped():
    assert_dropped(build().trace_flow("c1", "10.9.1.100", dport=80), "ELBV2_LISTENERS_MISMATCH")


def test_r46_only_tcp_reaches_the_service():
    assert_dropped(build().trace_flow("c1", "10.9.1.100", "udp", dport=443), "ENI_SG_RULES_MISMATCH")


def test_an_endpoint_to_an_unknown_service_name_is_refused(tmp_path):
    text = PROVIDER_AND_CONSUMER.replace("service: svc", "service: com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0")
    for key, value in {"H1": "healthy", "H2": "healthy", "PP2": "false", "NLB_SUBNETS": "a, b", "EP_SUBNETS": "c-a",
                       "PRINCIPAL": "arn:aws:iam::111111111111:root", "ACCEPT": "true",
                       "ALLOWED": "'*'", "ACCEPTED": ""}.items():
        text = text.replace("{" + key + "}", value)
    path = tmp_path / "t.yaml"
    path.write_text(text)
    result = subprocess.run([sys.executable, "-m", "emulator", "trace", str(path), "--from", "c1", "--to", "10.9.1.100"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "unknown endpoint service" in result.stderr and "service" in result.stderr


def test_r60_service_names_follow_aws_form():
    net = build()
    service = net.topology.find("svc")
    assert service.service_name == f"com.amazonaws.vpce.us-east-1.{service.service_id}"
    assert service.service_id.startswith("vpce-svc-")
