"""An interface endpoint's ENI receiving a packet: reached by the local route, never a route
target (R48); TCP only (R46); passes traffic only when available (R55). An endpoint to an AWS
service delivers there; one to an endpoint service carries on to the provider (privatelink.py)."""
from __future__ import annotations

from ...model import InterfaceEndpoint
from ..packet import TCP
from ..pipeline import Responder
from . import privatelink


def receive(fw, walk, port):
    endpoint = fw.fabric.topology.get(port.owner_id, InterfaceEndpoint)
    if walk.h.proto != TCP:
        return fw.drop(walk, "INTERFACE_ENDPOINT_TCP_ONLY", endpoint.vpc_endpoint_id, "interface-endpoint")
    if endpoint.service_name.startswith("com.amazonaws.vpce."):
        return privatelink.to_endpoint_service(fw, walk, port, endpoint)
    if endpoint.state != "available":
        return fw.drop(walk, "BAD_STATE", endpoint.vpc_endpoint_id, "interface-endpoint",
                       f"{endpoint.vpc_endpoint_id} is {endpoint.state}")
    return fw.deliver(walk, endpoint.vpc_endpoint_id, "interface-endpoint",
                      f"{endpoint.service_name} through {port.id} in {port.subnet.subnet.availability_zone}",
                      Responder("port", port.id, port))
