"""PrivateLink to an endpoint service: from the consumer's endpoint ENI to the provider's NLB node in
the same AZ (R61), which picks a healthy target and rewrites the source to its own private address
(R64), and back: the target's reply returns to the node, which sends it out of the consumer's
endpoint ENI (R47, R62: the consumer starts every connection)."""
from __future__ import annotations

import struct
import zlib

from ...model import LoadBalancer, TargetGroup
from ..compile import load_balancer_node
from ..packet import TCP, int_to_ip, ip_to_int, to_scapy

PP2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
PP2_TYPE_AWS, PP2_SUBTYPE_AWS_VPCE_ID = 0xEA, 0x01


def proxy_protocol_v2(client: int, client_port: int, server: int, server_port: int, vpce_id: str) -> bytes:
    """The header an NLB with proxy protocol v2 puts first on the connection (R64): the client's
    address and port, and the consumer's endpoint id in AWS's TLV (type 0xEA, subtype 0x01)."""
    tlv_value = bytes([PP2_SUBTYPE_AWS_VPCE_ID]) + vpce_id.encode()
    tlv = struct.pack("!BH", PP2_TYPE_AWS, len(tlv_value)) + tlv_value
    addresses = struct.pack("!IIHH", client, server, client_port, server_port)
    return PP2_SIGNATURE + bytes([0x21, 0x11]) + struct.pack("!H", len(addresses) + len(tlv)) + addresses + tlv


def to_endpoint_service(fw, walk, port, endpoint):
    """The consumer's packet arrived at its endpoint ENI; carry it to the provider's target."""
    fabric = fw.fabric
    service = fabric.endpoint_services.get(endpoint.service_name)
    if service is None:
        return fw.drop(walk, "BAD_STATE", endpoint.vpc_endpoint_id, "interface-endpoint",
                       f"{endpoint.service_name} does not exist")
    principal = endpoint.requester or f"arn:aws:iam::{endpoint.owner_id}:root"
    if endpoint.state == "pendingAcceptance":
        return fw.drop(walk, "ENDPOINT_PENDING_ACCEPTANCE", endpoint.vpc_endpoint_id, "interface-endpoint",
                       f"{service.service_name} ({service.name}) has not accepted {endpoint.vpc_endpoint_id} "
                       f"requested by {principal}: no traffic until it does (R55, R59)")
    if endpoint.state == "rejected":
        return fw.drop(walk, "ENDPOINT_CONNECTION_REJECTED", endpoint.vpc_endpoint_id, "interface-endpoint",
                       f"{service.service_name} ({service.name}) rejected {endpoint.vpc_endpoint_id} "
                       f"requested by {principal} (R59)")
    if endpoint.state != "available":
        return fw.drop(walk, "BAD_STATE", endpoint.vpc_endpoint_id, "interface-endpoint",
                       f"{endpoint.vpc_endpoint_id} is {endpoint.state}")
    az = port.subnet.subnet.availability_zone
    node = load_balancer_node(fabric, service.load_balancer_arns, port.subnet.subnet)  # R44: by AZ id
    if node is None:
        return fw.drop(walk, "ENDPOINT_SERVICE_NOT_IN_AZ", service.service_id, "endpoint-service",
                       f"no load balancer of {service.name} has a node in {az} (R61)")
    fw.record(endpoint.vpc_endpoint_id, "interface-endpoint", "forward",
              f"to {service.service_name} ({service.name}) from {port.id} in {az}", walk)
    fw.record(service.service_id, "endpoint-service", "forward", f"{service.service_name} ({service.name})", walk)
    balancer = fabric.topology.get(node.owner_id, LoadBalancer)
    h = walk.h
    listener = next((l for l in balancer.listeners if l.port == h.dport), None)
    if listener is None:
        ports = ", ".join(str(l.port) for l in balancer.listeners) or "none"
        return fw.drop(walk, "ELBV2_LISTENERS_MISMATCH", balancer.load_balancer_arn, "load-balancer",
                       f"{balancer.name} has no listener on port {h.dport} (listeners: {ports})")
    group = fabric.topology.get(listener.target_group_arn, TargetGroup)
    target = choose_target(fw, group, node.subnet.subnet.availability_zone, h)  # the provider's name of the AZ
    if target is None:
        return fw.drop(walk, "ELBV2_NO_TARGETS", group.target_group_arn, "target-group",
                       f"{group.name} has no registered target")
    target_ip, target_port, target_label, failed_open = target
    node_ip = min(node.addresses)
    outside = fw.session.nat_translate(node.id, (h.src, target_ip, TCP, h.sport, target_port),
                                       via=(port, h.dst, h.dport), scope=endpoint.vpc_endpoint_id)
    walk.h = h.copy(src=node_ip, sport=outside, dst=target_ip, dport=target_port)
    walk.entered_via = service.service_id
    walk.through_middlebox = True  # the consumer's security groups mean nothing in the provider VPC
    detail = (f"{balancer.name} node in {az}: listener {listener.port} -> {group.name} -> {target_label}; "
              f"the target sees the NLB's address {int_to_ip(node_ip)} (R64)")
    if failed_open:
        detail += "; every target is unhealthy, so the NLB fails open and uses them all"
    wire = None
    if group.proxy_protocol_v2:
        header = proxy_protocol_v2(h.src, h.sport, h.dst, h.dport, endpoint.vpc_endpoint_id)
        detail += (f"; proxy protocol v2 header ({len(header)} bytes) carries client {int_to_ip(h.src)}:{h.sport} "
                   f"and {endpoint.vpc_endpoint_id}")
        forwarded = walk.h

        def first_segment():  # the connection's first data segment to the target begins with the header
            segment = to_scapy(forwarded)
            segment.payload.flags = "PA"
            return bytes(segment / header)
        wire = first_segment
    fw.record(balancer.load_balancer_arn, "load-balancer", "translate", detail, walk, h, wire=wire)
    return fw.route_out_of(walk, node.subnet)


def choose_target(fw, group, az, h):
    """A healthy target, same AZ first (cross-zone otherwise), picked by the flow's hash. When no
    target is healthy an NLB fails open: every registered target takes flows (AWS's NLB health
    check documentation). None only when nothing is registered. Returns (address, port, label,
    whether it failed open)."""
    healthy = [t for t in group.targets if t.health == "healthy"]
    failed_open = not healthy
    resolved = []
    for t in healthy or group.targets:
        if group.target_type == "instance":
            target_port = fw.fabric.instance_port(t.target_id)
            if target_port is None:
                continue
            resolved.append((target_port.subnet.subnet.availability_zone, min(target_port.addresses), t.port,
                             f"{target_port.owner_label}:{t.port}"))
        else:
            address = ip_to_int(t.target_id)
            subnet = fw.fabric.vpcs[group.vpc_id].subnet_for(address)
            resolved.append((subnet.subnet.availability_zone if subnet else None, address, t.port,
                             f"{t.target_id}:{t.port}"))
    if not resolved:
        return None
    # Failing open spreads over every enabled AZ; otherwise the node's own AZ comes first.
    local = resolved if failed_open else ([r for r in resolved if r[0] == az] or resolved)
    _, address, port, label = local[zlib.crc32(repr(h.flow()).encode()) % len(local)]
    return address, port, label, failed_open


def receive_at_node(fw, walk, node):
    """A packet addressed to an NLB node: the reply of a PrivateLink connection, or nothing (R62)."""
    h = walk.h
    session = fw.session.nat_reverse(node.id, h.proto, h.src, h.sport, h.dport)
    if session is None or session.via is None:
        return fw.drop(walk, "LOAD_BALANCER_NO_SESSION", node.owner_id, "load-balancer",
                       "the load balancer answers only connections that consumers opened (R62)")
    endpoint_port, endpoint_ip, listener_port = session.via
    walk.h = h.copy(src=endpoint_ip, sport=listener_port, dst=session.inside_src, dport=session.inside_sport)
    fw.record(node.owner_id, "load-balancer", "translate",
              f"reply back through {endpoint_port.owner_id} to {int_to_ip(session.inside_src)}", walk, h)
    endpoint = fw.fabric.topology.get(endpoint_port.owner_id)
    service = fw.fabric.endpoint_services.get(endpoint.service_name)
    if service is not None:
        fw.record(service.service_id, "endpoint-service", "return", f"{service.service_name} ({service.name})", walk)
    fw.record(endpoint_port.owner_id, "interface-endpoint", "return", f"out of {endpoint_port.id}", walk)
    walk.entered_via = None
    walk.through_middlebox = False
    return fw.send_from_port(walk, endpoint_port)

