"""Target `vpce-…` of a Gateway Load Balancer endpoint (R67–R75): the packet is carried in GENEVE
(UDP 6081) from the GWLB node in the endpoint's AZ to one healthy appliance, chosen by a flow hash
that is the same for both directions (R70); the appliance returns it unchanged (R68) and it leaves
the endpoint by the endpoint subnet's route table (R75)."""
from __future__ import annotations

import struct
import zlib

from ...model import GatewayLoadBalancerEndpoint, LoadBalancer, TargetGroup
from ..compile import load_balancer_node
from ..packet import UDP, Headers, int_to_ip, ip_to_int, to_scapy
from ..pipeline import MTU_TRANSIT

GENEVE_PORT = 6081
AWS_GENEVE_CLASS = 0x0108  # R68: GWLB metadata TLVs
TLV_VPCE_ID, TLV_ATTACHMENT_ID, TLV_FLOW_COOKIE = 1, 2, 3


def forward(fw, walk, cvpc, subnet, hop):
    fabric = fw.fabric
    endpoint = fabric.topology.get(hop.target_id, GatewayLoadBalancerEndpoint)
    if endpoint is None:
        return fw.drop(walk, "BAD_STATE_ROUTE", hop.target_id, "gwlb-endpoint", f"{hop.target_id} does not exist")
    if endpoint.state != "available":
        code = {"pendingAcceptance": "ENDPOINT_PENDING_ACCEPTANCE", "rejected": "ENDPOINT_CONNECTION_REJECTED"}
        return fw.drop(walk, code.get(endpoint.state, "BAD_STATE"), endpoint.vpc_endpoint_id, "gwlb-endpoint",
                       f"{endpoint.vpc_endpoint_id} is {endpoint.state} (R59)")
    port = fabric.ports[endpoint.network_interface_id]
    if not fw.enter_subnet(walk, port.subnet, subnet):
        return fw.drop(walk, "SUBNET_ACL_RESTRICTION", port.subnet.nacl.network_acl_id, "network-acl",
                       f"inbound rules of {port.subnet.nacl.network_acl_id} deny it")
    too_big = fw.cross_link(walk, MTU_TRANSIT, endpoint.vpc_endpoint_id, "gwlb-endpoint")  # R71
    if too_big:
        return too_big
    fw.record(endpoint.vpc_endpoint_id, "gwlb-endpoint", "forward", f"to {endpoint.service_name}", walk)
    service = fabric.endpoint_services[endpoint.service_name]
    az = port.subnet.subnet.availability_zone
    node = load_balancer_node(fabric, service.load_balancer_arns, port.subnet.subnet)  # R44: by AZ id
    if node is None:
        return fw.drop(walk, "ENDPOINT_SERVICE_NOT_IN_AZ", service.service_id, "endpoint-service",
                       f"no Gateway Load Balancer of {service.name} has a node in {az} (R61)")
    balancer = fabric.topology.get(node.owner_id, LoadBalancer)
    if not balancer.listeners:  # AWS JSON can hold a GWLB whose listener was never created
        return fw.drop(walk, "ELBV2_LISTENERS_MISMATCH", balancer.load_balancer_arn, "load-balancer",
                       f"{balancer.name} has no listener, so nothing goes to its appliances (R67)")
    group = fabric.topology.get(balancer.listeners[0].target_group_arn, TargetGroup)
    appliance = choose_appliance(fw, group, node.subnet.subnet.availability_zone, walk.h)
    if appliance is None:
        return fw.drop(walk, "GWLB_NO_HEALTHY_TARGETS", group.target_group_arn, "target-group",
                       f"{group.name} has no healthy appliance")
    node_ip = min(node.addresses)
    appliance_ip = min(appliance.addresses)
    inner = walk.h
    outer = Headers(node_ip, appliance_ip, UDP, geneve_source_port(inner), GENEVE_PORT, 64, inner.length + 50)
    fw.record(balancer.load_balancer_arn, "load-balancer", "encapsulate",
              f"GENEVE {int_to_ip(node_ip)} > {int_to_ip(appliance_ip)}:6081 with TLVs class 0x0108 "
              f"(vpce id, attachment, flow cookie) around [{inner.describe()}] (R68)", walk,
              wire=lambda: bytes(encapsulate(bytes(to_scapy(inner)), int_to_ip(node_ip), int_to_ip(appliance_ip),
                                             endpoint.vpc_endpoint_id)))
    # The appliance's security group must admit GENEVE from the load balancer node.
    encapsulated = walk.h
    walk.h = outer
    allowed = fw.security_group_check(walk, appliance, egress=False)
    walk.h = encapsulated
    if not allowed:
        return fw.drop(walk, "ENI_SG_RULES_MISMATCH", appliance.id, "network-interface",
                       f"{appliance.owner_label} does not admit GENEVE (udp 6081) from {int_to_ip(node_ip)}")
    fw.record(appliance.owner_id, "instance", "inspect",
              f"appliance {appliance.owner_label} decapsulates, inspects and returns the packet unchanged (R68)", walk)
    fw.record(balancer.load_balancer_arn, "load-balancer", "decapsulate", f"back to {endpoint.vpc_endpoint_id}", walk)
    walk.steps += 1
    return fw.route_out_of(walk, port.subnet)


def choose_appliance(fw, group, az, h):
    """R70: one appliance per flow, the same both ways: a hash of the flow's 5, 3 or 2 fields with
    the two ends put in order, over the healthy targets (the node's AZ first)."""
    ports = []
    for target in group.targets:
        if target.health != "healthy":
            continue
        port = (fw.fabric.instance_port(target.target_id) if group.target_type == "instance"
                else fw.fabric.vpcs[group.vpc_id].ports.get(ip_to_int(target.target_id)))
        if port is not None:
            ports.append(port)
    if not ports:
        return None
    local = [p for p in ports if p.subnet.subnet.availability_zone == az] or ports
    ends = sorted([(h.src, h.sport), (h.dst, h.dport)])
    key = {5: (ends, h.proto), 3: (sorted([h.src, h.dst]), h.proto), 2: sorted([h.src, h.dst])}[group.flow_hash]
    return local[zlib.crc32(repr(key).encode()) % len(local)]


def geneve_source_port(h: Headers) -> int:
    ends = sorted([(h.src, h.sport), (h.dst, h.dport)])
    return 49152 + zlib.crc32(repr((ends, h.proto)).encode()) % 16384


def encapsulate(inner_ip: bytes, node_ip: str, appliance_ip: str, vpce_id: str, flow_cookie: int = 0):
    """The packet as the GWLB sends it to an appliance: IPv4/UDP 6081/GENEVE with AWS's TLVs around
    the unchanged inner IPv4 packet (scapy, for captures and tests)."""
    from scapy.contrib.geneve import GENEVE, GeneveOptions
    from scapy.layers.inet import IP, UDP as SUDP

    endpoint_number = int(vpce_id.split("-", 1)[1][:16], 16)
    options = [GeneveOptions(classid=AWS_GENEVE_CLASS, type=TLV_VPCE_ID, data=struct.pack("!Q", endpoint_number)),
               GeneveOptions(classid=AWS_GENEVE_CLASS, type=TLV_ATTACHMENT_ID, data=struct.pack("!Q", 0)),
               GeneveOptions(classid=AWS_GENEVE_CLASS, type=TLV_FLOW_COOKIE, data=struct.pack("!I", flow_cookie))]
    return (IP(src=node_ip, dst=appliance_ip) / SUDP(sport=49152, dport=GENEVE_PORT)
            / GENEVE(proto=0x0800, options=options) / IP(inner_ip))
