"""Gateway Load Balancer (R67–R76): GENEVE to appliances, stickiness, symmetry, route targets."""
from __future__ import annotations

import pytest
from scapy.contrib.geneve import GENEVE
from scapy.layers.inet import IP, TCP, UDP

from emulator.dataplane.targets.gwlbe import AWS_GENEVE_CLASS, GENEVE_PORT, encapsulate
from emulator.inputs.errors import InputError
from tests.builders import network_from_yaml
from tests.paths import assert_dropped

INSPECTED = """
regions:
  us-east-1:
    vpcs:
      security:
        cidr_blocks: [10.70.0.0/16]
        subnets:
          fw: {cidr_block: 10.70.1.0/24, availability_zone: us-east-1a}
        security_groups:
          geneve: {ingress: [{protocol: udp, ports: 6081, from: 10.70.1.0/24}]}
        instances:
          fw-1: {subnet: fw, private_ip: 10.70.1.10, security_groups: [{FW_SG}]}
          fw-2: {subnet: fw, private_ip: 10.70.1.11, security_groups: [{FW_SG}]}
        target_groups:
          boxes: {protocol: GENEVE, flow_hash: {HASH}, targets: [{target: fw-1, health: {H1}}, {target: fw-2}]}
        load_balancers:
          gwlb: {type: gateway, subnets: [fw], private_ips: {fw: 10.70.1.5}, target_group: boxes}
      web:
        cidr_blocks: [10.80.0.0/16]
        internet_gateway: igw
        route_tables:
          edge: {edge_associations: [igw], routes: [{destination: 10.80.1.0/24, target: gwlbe}]}
          app: {routes: [{destination: 0.0.0.0/0, target: gwlbe}]}
          ep: {routes: [{destination: 0.0.0.0/0, target: igw}]}
        subnets:
          app: {cidr_block: 10.80.1.0/24, availability_zone: us-east-1a, route_table: app}
          ep: {cidr_block: 10.80.9.0/24, availability_zone: us-east-1a, route_table: ep}
        security_groups:
          web: {ingress: [{protocol: tcp, ports: 443, from: 0.0.0.0/0}]}
        instances:
          web-1: {subnet: app, private_ip: 10.80.1.10, public_ip: 3.3.3.3, security_groups: [web]}
        endpoints:
          gwlbe: {type: gatewayloadbalancer, service: {SERVICE}, subnet: ep}
    endpoint_services:
      inspect: {load_balancers: [gwlb], acceptance_required: false, allowed_principals: ["*"]}
"""


def build(**overrides):
    values = {"FW_SG": "geneve", "HASH": "5", "H1": "healthy", "SERVICE": "inspect"}
    values.update(overrides)
    text = INSPECTED
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return network_from_yaml(text)


def appliance(trace):
    return [h.id for h in trace.hops if h.action == "inspect"]


def test_r13_r75_ingress_goes_through_the_gwlb_endpoint_then_local():
    net = build()
    trace = net.trace_flow("internet", "3.3.3.3", src="198.51.100.1")
    assert trace.verdict == "delivered"
    kinds = [h.type for h in trace.hops]
    assert kinds.index("gwlb-endpoint") < kinds.index("load-balancer") < kinds.index("instance")


def test_r75_egress_goes_through_the_appliance_then_the_igw():
    net = build()
    trace = net.trace_flow("web-1", "8.8.8.8", dport=443)
    assert trace.verdict == "exited"
    gwlbe, igw = net.topology.find("gwlbe").id, net.topology.find("igw").id
    assert appliance(trace) and trace.path.index(gwlbe) < trace.path.index(igw)


def test_r70_a_flow_and_its_reply_use_one_appliance():
    net = build()
    for sport in range(50000, 50020):
        trace = net.trace_flow("internet", "3.3.3.3", src="198.51.100.1", sport=sport, with_return=True)
        assert trace.reachable
        assert appliance(trace) == appliance(trace.reply)


def test_r70_flows_spread_over_appliances_and_stick():
    net = build()
    chosen = {sport: appliance(net.trace_flow("web-1", "8.8.8.8", sport=sport)) for sport in range(40000, 40040)}
    assert len({tuple(v) for v in chosen.values()}) == 2
    assert all(appliance(net.trace_flow("web-1", "8.8.8.8", sport=s)) == v for s, v in chosen.items())


def test_r70_two_tuple_hashing_keeps_every_flow_between_two_hosts_on_one_appliance():
    net = build(HASH="2")
    assert len({tuple(appliance(net.trace_flow("web-1", "8.8.8.8", sport=s))) for s in range(40000, 40030)}) == 1


def test_r73_unhealthy_appliances_get_no_new_flows():
    net = build(H1="unhealthy")
    fw2 = net.topology.find("fw-2").id
    assert all(appliance(net.trace_flow("web-1", "8.8.8.8", sport=s)) == [fw2] for s in range(40000, 40010))


def test_r67_the_appliance_must_admit_geneve():
    trace = build(FW_SG="default").trace_flow("web-1", "8.8.8.8")
    assert_dropped(trace, "ENI_SG_RULES_MISMATCH")


def test_r67_r68_encapsulation_carries_the_packet_unchanged_with_aws_tlvs():
    inner = bytes(IP(src="10.80.1.10", dst="8.8.8.8") / TCP(sport=1234, dport=443))
    packet = IP(bytes(encapsulate(inner, "10.70.1.5", "10.70.1.10", "vpce-0123456789abcdef0")))
    assert packet[UDP].dport == GENEVE_PORT
    geneve = packet[GENEVE]
    assert {o.classid for o in geneve.options} == {AWS_GENEVE_CLASS}
    assert bytes(geneve.payload) == inner


def test_r67_geneve_target_groups_use_6081_only():
    with pytest.raises(InputError, match="6081"):
        network_from_yaml(INSPECTED.replace("protocol: GENEVE, flow_hash", "protocol: GENEVE, port: 6082, flow_hash")
                          .replace("{FW_SG}", "geneve").replace("{HASH}", "5").replace("{H1}", "healthy")
                          .replace("{SERVICE}", "inspect"))


def test_a_gwlb_endpoint_whose_service_is_missing_is_refused():
    with pytest.raises(InputError, match="unknown endpoint service 'nowhere'"):
        build(SERVICE="nowhere")


def test_r74_a_gwlb_endpoint_is_a_route_target_not_a_destination():
    net = build()
    gwlbe_ip = net.fabric.ports[net.topology.find("gwlbe").network_interface_id].eni.private_ip_address
    trace = net.trace_flow("web-1", gwlbe_ip)
    assert trace.verdict == "dropped"
