"""Target `vpce-…` of a gateway endpoint: S3 or DynamoDB in the endpoint's own region (R31–R38)."""
from __future__ import annotations

from ...model import GatewayEndpoint
from ..packet import int_to_ip
from ..pipeline import Responder


def forward(fw, walk, cvpc, subnet, hop):
    endpoint = fw.fabric.topology.get(hop.target_id, GatewayEndpoint)
    if endpoint is None or endpoint.vpc_id != cvpc.id:
        return fw.drop(walk, "BAD_STATE_ROUTE", hop.target_id, "gateway-endpoint",
                       f"{hop.target_id} is not a gateway endpoint of {cvpc.id}")
    if endpoint.state != "available":
        return fw.drop(walk, "BAD_STATE", endpoint.vpc_endpoint_id, "gateway-endpoint",
                       f"{endpoint.vpc_endpoint_id} is {endpoint.state}")
    if walk.entered_via:
        return fw.drop(walk, "EDGE_TO_EDGE_GATEWAY_ENDPOINT", endpoint.vpc_endpoint_id, "gateway-endpoint",
                       f"the packet entered {cvpc.id} through {walk.entered_via} (R37)")
    service = fw.fabric.service_at(walk.h.dst)
    if service is None or service.prefix_list_name != endpoint.service_name:
        return fw.drop(walk, "GATEWAY_ENDPOINT_SERVICE_MISMATCH", endpoint.vpc_endpoint_id, "gateway-endpoint",
                       f"{int_to_ip(walk.h.dst)} is not in {endpoint.service_name}")
    fw.record(endpoint.vpc_endpoint_id, "gateway-endpoint", "forward", endpoint.service_name, walk)
    return fw.deliver(walk, endpoint.service_name, "aws-service",
                      f"{service.service} in {service.region} through {endpoint.vpc_endpoint_id}",
                      Responder("gateway-endpoint", endpoint.service_name, vpc=cvpc, via=endpoint.vpc_endpoint_id))
