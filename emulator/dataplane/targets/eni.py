"""Targets `eni-…` and `i-…`: a middlebox appliance that forwards what it receives (R5, R6, R16, R130)."""
from __future__ import annotations

from ...model import Instance


def forward(fw, walk, cvpc, subnet, hop):
    topology = fw.fabric.topology
    port = fw.fabric.ports.get(hop.target_id or "")
    if hop.kind == "instance":
        instance = topology.get(hop.target_id, Instance)
        port = fw.fabric.ports.get(instance.network_interface_ids[0]) if instance else None
    if port is None:
        return fw.drop(walk, "BAD_STATE_ROUTE", hop.target_id, "network-interface", f"{hop.target_id} does not exist")
    if port.owner_kind != "instance" or not port.running:
        return fw.drop(walk, "MIDDLEBOX_ENI_NOT_ATTACHED", port.id, "network-interface")
    if not fw.enter_subnet(walk, port.subnet, subnet):
        return fw.drop(walk, "SUBNET_ACL_RESTRICTION", port.subnet.nacl.network_acl_id, "network-acl",
                       f"inbound rules of {port.subnet.nacl.network_acl_id} deny it")
    fw.record(port.owner_id, "instance", "receive", f"appliance {port.owner_label} through {port.id}", walk)
    if walk.h.dst in port.addresses:
        return fw.receive(walk, port)
    if port.eni.source_dest_check:
        return fw.drop(walk, "ENI_SOURCE_DEST_CHECK", port.id, "network-interface",
                       f"{port.id} is not the destination and its source/destination check is on")
    if not fw.security_group_check(walk, port, egress=False):
        return fw.drop(walk, "ENI_SG_RULES_MISMATCH", port.id, "network-interface",
                       f"no inbound rule of {', '.join(port.security_groups.group_ids)} allows it")
    walk.through_middlebox = True  # R110: SG references no longer match after an appliance
    before = walk.h
    walk.h = before.copy(ttl=before.ttl - 1)
    fw.record(port.owner_id, "instance", "forward", "appliance routes the packet on", walk, before)
    return fw.send_from_port(walk, port)
