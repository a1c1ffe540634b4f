"""The description of an AWS network: plain dataclasses with AWS ids and field names, no behaviour."""
from .base import Resource, deterministic_id
from .endpoints import (EndpointService, GatewayEndpoint, GatewayLoadBalancerEndpoint, InterfaceEndpoint, Listener,
                        LoadBalancer, PrivateHostedZone, Target, TargetGroup)
from .network import KINDS, Topology
from .routing import PrefixList, Route, RouteTable
from .security import NetworkAcl, NetworkAclEntry, SecurityGroup, SecurityGroupRule
from .transit import (TransitGateway, TransitGatewayPeeringAttachment, TransitGatewayRoute,
                      TransitGatewayRouteTable, TransitGatewayVpcAttachment, VpcPeeringConnection)
from .vpc import ElasticIp, Instance, InternetGateway, NatGateway, NetworkInterface, Subnet, Vpc

__all__ = [
    "Resource", "deterministic_id", "GatewayEndpoint", "InterfaceEndpoint", "KINDS", "Topology",
    "PrefixList", "Route", "RouteTable", "NetworkAcl", "NetworkAclEntry", "SecurityGroup",
    "SecurityGroupRule", "VpcPeeringConnection", "ElasticIp", "Instance", "InternetGateway",
    "NatGateway", "NetworkInterface", "Subnet", "Vpc", "TransitGateway", "TransitGatewayPeeringAttachment",
    "TransitGatewayRoute", "TransitGatewayRouteTable", "TransitGatewayVpcAttachment", "EndpointService",
    "GatewayLoadBalancerEndpoint", "Listener", "LoadBalancer", "PrivateHostedZone", "Target", "TargetGroup",
]
