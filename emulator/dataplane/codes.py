"""The one place that turns drops into explanation codes.

Reachability Analyzer's names are used where one fits; the others follow its style.
Each code carries the rule (docs/aws-rules.md) that decides it.
"""
from __future__ import annotations

from dataclasses import dataclass

DELIVERED, EXITED, DROPPED = "delivered", "exited", "dropped"


@dataclass(frozen=True)
class Code:
    name: str
    rule: str
    meaning: str

    def __str__(self) -> str:
        return self.name


_CODES = [
    # Reachability Analyzer names
    Code("NO_ROUTE_TO_DESTINATION", "R1", "no route in the route table covers the destination"),
    Code("ENI_SG_RULES_MISMATCH", "R104", "no rule of the network interface's security groups allows the packet"),
    Code("SUBNET_ACL_RESTRICTION", "R113", "the subnet's network ACL denies the packet"),
    Code("IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", "R121",
         "the source has no public IPv4 or Elastic IP for the internet gateway to map it to"),
    Code("BAD_STATE", "R17", "the component is not in a functional state"),
    Code("BAD_STATE_ROUTE", "R17", "the route's target no longer exists or is unusable"),
    # vpcemu names in the same style
    Code("BLACKHOLE_ROUTE", "R17", "the matching route is a blackhole; AWS does not fall back to a wider route"),
    Code("RESERVED_LINK_LOCAL_RANGE", "R9", "addresses in 169.254.168.0/22 are never forwarded by a route"),
    Code("INSTANCE_METADATA_DISABLED", "R111",
         "the instance's metadata service is turned off (MetadataOptions.HttpEndpoint: disabled)"),
    Code("LINK_LOCAL_SERVICE_INSTANCE_ONLY", "R111",
         "link-local services answer an instance only, not a network interface without one"),
    Code("LINK_LOCAL_SERVICE_NO_LISTENER", "R111", "the link-local service does not listen on that protocol and port"),
    Code("NO_SUBNET_FOR_DESTINATION", "R5", "the destination is in the VPC's CIDR but in no subnet"),
    Code("NO_ENI_FOR_DESTINATION", "R5", "no network interface in the subnet owns the destination address"),
    Code("ENI_SOURCE_DEST_CHECK", "R130",
         "the network interface is neither source nor destination and its source/destination check is on"),
    Code("MIDDLEBOX_ENI_NOT_ATTACHED", "R16", "the route's network interface is not attached to a running instance"),
    Code("INTERNET_PRIVATE_DESTINATION", "R121", "a private address cannot be reached across the internet"),
    Code("IGW_NOT_ATTACHED", "R121", "the internet gateway is not attached to this VPC"),
    Code("NAT_GATEWAY_UNSUPPORTED_PROTOCOL", "R124", "NAT gateways translate only TCP, UDP and ICMP"),
    Code("NAT_GATEWAY_FRAGMENT", "R124", "NAT gateways do not pass fragmented TCP or ICMP packets"),
    Code("NAT_GATEWAY_NO_SESSION", "R122",
         "a packet addressed to the NAT gateway matches no connection started from inside"),
    Code("NAT_GATEWAY_NO_PUBLIC_IP", "R123", "a private NAT gateway's traffic cannot use an internet gateway"),
    Code("GATEWAY_ENDPOINT_SERVICE_MISMATCH", "R36",
         "the gateway endpoint carries only its own region's service prefixes"),
    Code("INTERFACE_ENDPOINT_TCP_ONLY", "R46", "interface endpoints carry TCP only"),
    Code("INTERFACE_ENDPOINT_ONE_WAY", "R47",
         "the service behind an interface endpoint only answers; it cannot open a connection into the consumer VPC"),
    Code("EDGE_TO_EDGE_GATEWAY_ENDPOINT", "R37",
         "traffic that entered the VPC over a peering or transit gateway cannot use its gateway endpoint"),
    Code("EDGE_TO_EDGE_INTERNET_GATEWAY", "R81",
         "traffic that entered the VPC over a peering cannot leave through its internet gateway"),
    Code("EDGE_TO_EDGE_NAT_GATEWAY", "R126",
         "traffic that entered the VPC over a peering cannot use its NAT gateway"),
    Code("EDGE_TO_EDGE_VPN", "R81", "traffic that entered the VPC over a peering cannot use its VPN"),
    Code("PEERING_NOT_TRANSITIVE", "R80", "peering is not transitive: the peer does not forward to its other peers"),
    Code("PEERING_DESTINATION_OUTSIDE_PEER", "R80",
         "a peering delivers only to addresses inside the peer VPC's CIDRs"),
    Code("PEERING_NOT_ACTIVE", "R77", "the peering connection is not active"),
    Code("PEERING_NOT_ATTACHED", "R79", "the peering connection does not join this VPC"),
    Code("TGW_ATTACHMENT_NOT_FOUND", "R97", "the VPC has no available attachment to the route's transit gateway"),
    Code("TGW_NO_ATTACHMENT_IN_AZ", "R98",
         "the transit gateway has no attachment subnet in the source subnet's Availability Zone"),
    Code("TGW_ATTACHMENT_NOT_ASSOCIATED", "R91",
         "the attachment the packet arrived on is associated with no transit gateway route table"),
    Code("TGW_ATTACHMENT_NOT_AVAILABLE", "R96", "the transit gateway attachment is not available"),
    Code("ENDPOINT_PENDING_ACCEPTANCE", "R59", "the endpoint service has not accepted the endpoint connection yet"),
    Code("ENDPOINT_CONNECTION_REJECTED", "R59", "the endpoint service rejected the endpoint connection"),
    Code("ENDPOINT_SERVICE_NOT_IN_AZ", "R61", "the endpoint service has no load balancer node in the endpoint's AZ"),
    Code("ELBV2_LISTENERS_MISMATCH", "R57", "the load balancer has no listener that accepts the traffic"),
    Code("ELBV2_NO_TARGETS", "R57", "the load balancer's target group has no registered target"),
    Code("LOAD_BALANCER_NO_SESSION", "R62",
         "the load balancer forwards only connections consumers opened; nothing enters the consumer VPC"),
    Code("GWLB_NO_HEALTHY_TARGETS", "R73", "the Gateway Load Balancer has no healthy appliance"),
    Code("UNSUPPORTED_TARGET", "R18", "vpcemu does not forward through this kind of route target yet"),
    Code("MTU_EXCEEDED", "R119", "too big for a link with DF set; AWS sends ICMP fragmentation needed"),
    Code("TTL_EXCEEDED", "R119", "the packet's TTL ran out on a routing loop through appliances"),
    Code("DNS_RESOLVER_DISABLED", "R133", "the VPC's enableDnsSupport is off"),
]

CODES: dict[str, Code] = {c.name: c for c in _CODES}


def code(name: str) -> Code:
    """The Code called `name`; KeyError for a name nobody defined (catches typos at import time)."""
    return CODES[name]
