"""A PrivateLink network as AWS describes it, one folder per account (the Batfish collector's
`aws_configs/accounts/<account>/<region>/` layout), for the importer's tests.

The seed's part three in AWS JSON: a provider (an NLB in two AZs in front of two instances, an
endpoint service that requires acceptance and allows the consumer account and one partner role),
the consumer's accepted endpoint, a partner's endpoint awaiting acceptance, and ingress inspection:
a Gateway Load Balancer with two appliances, and a web VPC whose IGW edge route table sends
traffic through a GWLB endpoint (R13, R75). Every object has the fields AWS returns for it.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

from tests.inputs.test_aws_json import _allow_all_nacl, _eni, _instance, _route, _tags

REGION = "eu-west-2"
CONSUMER, PROVIDER, PARTNER, INSPECTION = "111122223333", "222233334444", "777788889999", "444400001111"
ZONE_IDS = {"a": "euw2-az2", "b": "euw2-az3", "c": "euw2-az1"}

NLB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{PROVIDER}:loadbalancer/net/app-nlb/50dc6c495c0c9188"
APP_TG = f"arn:aws:elasticloadbalancing:{REGION}:{PROVIDER}:targetgroup/app-tg/6d0ecf831eec9f09"
GWLB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{INSPECTION}:loadbalancer/gwy/inspect-gwlb/0e1d2c3b4a596877"
FW_TG = f"arn:aws:elasticloadbalancing:{REGION}:{INSPECTION}:targetgroup/firewalls/3a2b1c0d9e8f7a6b"
APP_SVC = "vpce-svc-0a1b2c3d4e5f60718"
FW_SVC = "vpce-svc-0f9e8d7c6b5a40312"
APP_SVC_NAME = f"com.amazonaws.vpce.{REGION}.{APP_SVC}"
FW_SVC_NAME = f"com.amazonaws.vpce.{REGION}.{FW_SVC}"
CONSUMER_ENDPOINT, PARTNER_ENDPOINT, GWLB_ENDPOINT = "vpce-0c0a1b2c3d4e5f607", "vpce-0d0a1b2c3d4e5f607", "vpce-0e0a1b2c3d4e5f607"
APP_NAME = "api.provider.example"


def _vpc(vpc_id, cidr, account, name, dns_hostnames=False):
    return {"VpcId": vpc_id, "CidrBlock": cidr, "OwnerId": account, "IsDefault": False, "State": "available",
            "InstanceTenancy": "default", "Tags": _tags(name), "EnableDnsSupport": {"Value": True},
            "EnableDnsHostnames": {"Value": dns_hostnames},
            "CidrBlockAssociationSet": [{"CidrBlock": cidr, "CidrBlockState": {"State": "associated"}}]}


def _subnet(subnet_id, vpc_id, cidr, zone, account, name):
    return {"SubnetId": subnet_id, "VpcId": vpc_id, "CidrBlock": cidr, "AvailabilityZone": f"{REGION}{zone}",
            "AvailabilityZoneId": ZONE_IDS[zone], "OwnerId": account, "State": "available", "Tags": _tags(name)}


def _group(group_id, name, vpc_id, account, ingress):
    return {"GroupId": group_id, "GroupName": name, "VpcId": vpc_id, "OwnerId": account, "Description": name,
            "IpPermissions": [{"IpProtocol": proto, "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}],
                               "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
                              for proto, port, cidr in ingress],
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [],
                                     "PrefixListIds": [], "UserIdGroupPairs": []}]}


def _acl(acl_id, vpc_id, subnets, account):
    acl = _allow_all_nacl(acl_id, vpc_id, subnets)
    acl["OwnerId"] = account
    return acl


def _default_group(group_id, vpc_id, account):
    """Every VPC's `default` group: all traffic from its members, all outbound (R107)."""
    group = _group(group_id, "default", vpc_id, account, [])
    group["Description"] = "default VPC security group"
    group["IpPermissions"] = [{"IpProtocol": "-1", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                               "UserIdGroupPairs": [{"GroupId": group_id, "UserId": account}]}]
    return group


def _main_table(table_id, vpc_id, cidr, account):
    return {"RouteTableId": table_id, "VpcId": vpc_id, "OwnerId": account, "Tags": [],
            "Associations": [{"Main": True, "RouteTableId": table_id, "AssociationState": {"State": "associated"}}],
            "Routes": [_route(cidr, origin="CreateRouteTable", GatewayId="local")]}


def _managed_eni(eni_id, subnet, vpc, ip, account, zone, interface_type, description, groups=()):
    eni = _eni(eni_id, subnet, vpc, ip, list(groups), account=account, zone=f"{REGION}{zone}")
    eni.update(InterfaceType=interface_type, Description=description, RequesterManaged=True,
               Attachment={"InstanceOwnerId": "amazon-aws", "DeviceIndex": 1, "Status": "attached"})
    return eni


def _instances(account, *pairs):
    return [{"ReservationId": f"r-{account[:6]}", "OwnerId": account, "Groups": [],
             "Instances": [_instance(instance_id, eni, name=name) for instance_id, eni, name in pairs]}]


def _endpoint(endpoint_id, kind, vpc_id, service, subnets, enis, account, state="available", groups=()):
    suffix = "a1b2c3d4"
    dns = []
    if kind == "Interface":
        base = f"{service.rsplit('.', 1)[-1]}.{REGION}.vpce.amazonaws.com"
        dns = [{"DnsName": f"{endpoint_id}-{suffix}.{base}", "HostedZoneId": "Z7HUB22UULQXV"}]
        dns += [{"DnsName": f"{endpoint_id}-{suffix}-{REGION}{z}.{base}", "HostedZoneId": "Z7HUB22UULQXV"}
                for z in ("a", "b")[:len(subnets)]]
    return {"VpcEndpointId": endpoint_id, "VpcEndpointType": kind, "VpcId": vpc_id, "ServiceName": service,
            "State": state, "RouteTableIds": [], "SubnetIds": list(subnets),
            "Groups": [{"GroupId": g, "GroupName": g} for g in groups], "IpAddressType": "ipv4",
            "PrivateDnsEnabled": kind == "Interface", "RequesterManaged": False, "NetworkInterfaceIds": list(enis),
            "DnsEntries": dns, "CreationTimestamp": "2024-05-01T10:00:00+00:00", "Tags": [], "OwnerId": account}


def provider() -> dict[str, list]:
    vpc, a = "vpc-0b1e2d3c4b5a69788", PROVIDER
    app_a, app_b, nlb_a, nlb_b = "subnet-0a0000000000000a1", "subnet-0a0000000000000b1", \
        "subnet-0a0000000000000a2", "subnet-0a0000000000000b2"
    app1 = _eni("eni-0a00000000000a001", app_a, vpc, "10.50.1.10", ["sg-0a00000000000a0a1"], "i-0a00000000000a001",
                account=a, zone=f"{REGION}a")
    app2 = _eni("eni-0a00000000000a002", app_b, vpc, "10.50.2.10", ["sg-0a00000000000a0a1"], "i-0a00000000000a002",
                account=a, zone=f"{REGION}b")
    description = "ELB " + NLB_ARN.split(":loadbalancer/")[1]
    node_a = _managed_eni("eni-0a00000000000b001", nlb_a, vpc, "10.50.10.5", a, "a", "network_load_balancer", description)
    node_b = _managed_eni("eni-0a00000000000b002", nlb_b, vpc, "10.50.11.5", a, "b", "network_load_balancer", description)
    return {
        "Vpcs": [_vpc(vpc, "10.50.0.0/16", a, "provider")],
        "Subnets": [_subnet(app_a, vpc, "10.50.1.0/24", "a", a, "app-a"), _subnet(app_b, vpc, "10.50.2.0/24", "b", a, "app-b"),
                    _subnet(nlb_a, vpc, "10.50.10.0/24", "a", a, "nlb-a"),
                    _subnet(nlb_b, vpc, "10.50.11.0/24", "b", a, "nlb-b")],
        "SecurityGroups": [_group("sg-0a00000000000a0a1", "app", vpc, a, [("tcp", 8443, "10.50.10.0/23")]),
                           _default_group("sg-0a00000000000a0ff", vpc, a)],
        "NetworkAcls": [_acl("acl-0a00000000000a0a1", vpc, [app_a, app_b, nlb_a, nlb_b], a)],
        "RouteTables": [_main_table("rtb-0a00000000000a0a1", vpc, "10.50.0.0/16", a)],
        "NetworkInterfaces": [app1, app2, node_a, node_b],
        "Reservations": _instances(a, ("i-0a00000000000a001", app1, "app-1"), ("i-0a00000000000a002", app2, "app-2")),
        "LoadBalancers": [{
            "LoadBalancerArn": NLB_ARN, "DNSName": "app-nlb-50dc6c495c0c9188.elb.eu-west-2.amazonaws.com",
            "CanonicalHostedZoneId": "ZD4D7Y8KGAS4G", "CreatedTime": "2024-05-01T09:00:00+00:00",
            "LoadBalancerName": "app-nlb", "Scheme": "internal", "VpcId": vpc, "State": {"Code": "active"},
            "Type": "network", "IpAddressType": "ipv4",
            "AvailabilityZones": [{"ZoneName": f"{REGION}a", "SubnetId": nlb_a, "LoadBalancerAddresses": []},
                                  {"ZoneName": f"{REGION}b", "SubnetId": nlb_b, "LoadBalancerAddresses": []}]}],
        "TargetGroups": [{
            "TargetGroupArn": APP_TG, "TargetGroupName": "app-tg", "Protocol": "TCP", "Port": 8443, "VpcId": vpc,
            "HealthCheckProtocol": "TCP", "HealthCheckPort": "traffic-port", "HealthCheckEnabled": True,
            "HealthCheckIntervalSeconds": 30, "HealthCheckTimeoutSeconds": 10, "HealthyThresholdCount": 5,
            "UnhealthyThresholdCount": 2, "LoadBalancerArns": [NLB_ARN], "TargetType": "instance",
            "IpAddressType": "ipv4"}],
        "LoadBalancerListeners": [{"LoadBalancerArn": NLB_ARN, "Listeners": [{
            "ListenerArn": NLB_ARN.replace(":loadbalancer/", ":listener/") + "/f2f7dc8efc522ab2",
            "LoadBalancerArn": NLB_ARN, "Port": 443, "Protocol": "TCP",
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": APP_TG,
                                "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": APP_TG, "Weight": 1}],
                                                  "TargetGroupStickinessConfig": {"Enabled": False}}}]}]}],
        "LoadBalancerTargetHealth": [{"TargetGroupArn": APP_TG, "TargetHealthDescriptions": [
            {"Target": {"Id": "i-0a00000000000a001", "Port": 8443, "AvailabilityZone": f"{REGION}a"},
             "HealthCheckPort": "8443", "TargetHealth": {"State": "healthy"}},
            {"Target": {"Id": "i-0a00000000000a002", "Port": 8443, "AvailabilityZone": f"{REGION}b"},
             "HealthCheckPort": "8443", "TargetHealth": {"State": "healthy"}}]}],
        "LoadBalancerAttributes": [
            {"LoadBalancerArn": NLB_ARN, "Attributes": [{"Key": "load_balancing.cross_zone.enabled", "Value": "false"},
                                                        {"Key": "deletion_protection.enabled", "Value": "false"}]}],
        "TargetGroupAttributes": [{"TargetGroupArn": APP_TG, "Attributes": [
            {"Key": "proxy_protocol_v2.enabled", "Value": "true"}, {"Key": "stickiness.enabled", "Value": "false"},
            {"Key": "stickiness.type", "Value": "source_ip"},
            {"Key": "deregistration_delay.timeout_seconds", "Value": "300"}]}],
        "ServiceConfigurations": [{
            "ServiceType": [{"ServiceType": "Interface"}], "ServiceId": APP_SVC, "ServiceName": APP_SVC_NAME,
            "ServiceState": "Available", "AvailabilityZones": [f"{REGION}a", f"{REGION}b"],
            "AcceptanceRequired": True, "ManagesVpcEndpoints": False, "NetworkLoadBalancerArns": [NLB_ARN],
            "SupportedIpAddressTypes": ["ipv4"],
            "BaseEndpointDnsNames": [f"{APP_SVC}.{REGION}.vpce.amazonaws.com"], "PrivateDnsName": APP_NAME,
            "PrivateDnsNameConfiguration": {"State": "verified", "Type": "TXT", "Value": "vpce:l6p0ERxlTw",
                                            "Name": "_6e86v84tqgqubxbwii1m"},
            "PayerResponsibility": "ServiceOwner", "SupportedRegions": [{"Region": REGION, "ServiceState": "Available"}],
            "Tags": []}],
        "AllowedPrincipals": [{"ServiceId": APP_SVC, "AllowedPrincipals": [
            {"PrincipalType": "Account", "Principal": f"arn:aws:iam::{CONSUMER}:root",
             "ServicePermissionId": "sp-0a1b2c3d4e5f60718", "ServiceId": APP_SVC},
            {"PrincipalType": "Role", "Principal": f"arn:aws:iam::{PARTNER}:role/partner-app",
             "ServicePermissionId": "sp-0a1b2c3d4e5f60719", "ServiceId": APP_SVC}]}],
        "VpcEndpointConnections": [
            {"ServiceId": APP_SVC, "VpcEndpointId": CONSUMER_ENDPOINT, "VpcEndpointOwner": CONSUMER,
             "VpcEndpointState": "available", "CreationTimestamp": "2024-05-01T10:00:00+00:00",
             "NetworkLoadBalancerArns": [NLB_ARN], "IpAddressType": "ipv4",
             "VpcEndpointConnectionId": "vpce-con-0a1b2c3d4e5f60718"},
            {"ServiceId": APP_SVC, "VpcEndpointId": PARTNER_ENDPOINT, "VpcEndpointOwner": PARTNER,
             "VpcEndpointState": "pendingAcceptance", "CreationTimestamp": "2024-05-02T10:00:00+00:00",
             "NetworkLoadBalancerArns": [NLB_ARN], "IpAddressType": "ipv4",
             "VpcEndpointConnectionId": "vpce-con-0a1b2c3d4e5f60719"}],
    }


def consumer() -> dict[str, list]:
    """The consumer account: the client VPC with its endpoint, and the web VPC inspected by the GWLB."""
    a = CONSUMER
    vpc, c_a, c_b = "vpc-0c1e2d3c4b5a69788", "subnet-0c0000000000000a1", "subnet-0c0000000000000b1"
    client = _eni("eni-0c00000000000c001", c_a, vpc, "10.50.1.20", ["sg-0c00000000000c0c1"], "i-0c00000000000c001",
                  account=a, zone=f"{REGION}a")
    ep_description = f"VPC Endpoint Interface {CONSUMER_ENDPOINT}"
    ep_a = _managed_eni("eni-0c00000000000e001", c_a, vpc, "10.50.1.100", a, "a", "vpc_endpoint", ep_description,
                        ["sg-0c00000000000c0c2"])
    ep_b = _managed_eni("eni-0c00000000000e002", c_b, vpc, "10.50.2.100", a, "b", "vpc_endpoint", ep_description,
                        ["sg-0c00000000000c0c2"])
    web, app, edge_subnet = "vpc-0d1e2d3c4b5a69788", "subnet-0d0000000000000a1", "subnet-0d0000000000000a9"
    igw = "igw-0d1e2d3c4b5a69788"
    web1 = _eni("eni-0d00000000000d001", app, web, "10.80.1.10", ["sg-0d00000000000d0d1"], "i-0d00000000000d001",
                public="3.8.10.10", account=a, zone=f"{REGION}a")
    gwlbe = _managed_eni("eni-0d00000000000e001", edge_subnet, web, "10.80.9.5", a, "a", "gateway_load_balancer_endpoint",
                         f"VPC Endpoint Interface {GWLB_ENDPOINT}")
    gwlbe["SourceDestCheck"] = False
    tables = [
        _main_table("rtb-0c00000000000c0c1", vpc, "10.50.0.0/16", a),
        _main_table("rtb-0d00000000000d0d0", web, "10.80.0.0/16", a),
        {"RouteTableId": "rtb-0d00000000000d0d1", "VpcId": web, "OwnerId": a, "Tags": _tags("edge"),
         "Associations": [{"Main": False, "GatewayId": igw, "AssociationState": {"State": "associated"}}],
         "Routes": [_route("10.80.0.0/16", origin="CreateRouteTable", GatewayId="local"),
                    _route("10.80.1.0/24", GatewayId=GWLB_ENDPOINT)]},
        {"RouteTableId": "rtb-0d00000000000d0d2", "VpcId": web, "OwnerId": a, "Tags": _tags("app"),
         "Associations": [{"Main": False, "SubnetId": app, "AssociationState": {"State": "associated"}}],
         "Routes": [_route("10.80.0.0/16", origin="CreateRouteTable", GatewayId="local"),
                    _route("0.0.0.0/0", GatewayId=GWLB_ENDPOINT)]},
        {"RouteTableId": "rtb-0d00000000000d0d3", "VpcId": web, "OwnerId": a, "Tags": _tags("endpoint"),
         "Associations": [{"Main": False, "SubnetId": edge_subnet, "AssociationState": {"State": "associated"}}],
         "Routes": [_route("10.80.0.0/16", origin="CreateRouteTable", GatewayId="local"),
                    _route("0.0.0.0/0", GatewayId=igw)]}]
    return {
        "Vpcs": [_vpc(vpc, "10.50.0.0/16", a, "consumer", dns_hostnames=True), _vpc(web, "10.80.0.0/16", a, "web")],
        "Subnets": [_subnet(c_a, vpc, "10.50.1.0/24", "a", a, "c-a"), _subnet(c_b, vpc, "10.50.2.0/24", "b", a, "c-b"),
                    _subnet(app, web, "10.80.1.0/24", "a", a, "app"),
                    _subnet(edge_subnet, web, "10.80.9.0/24", "a", a, "endpoint")],
        "SecurityGroups": [_group("sg-0c00000000000c0c1", "client", vpc, a, []),
                           _group("sg-0c00000000000c0c2", "endpoints", vpc, a, [("tcp", 443, "10.50.0.0/16")]),
                           _group("sg-0d00000000000d0d1", "https", web, a, [("tcp", 443, "0.0.0.0/0")]),
                           _default_group("sg-0c00000000000c0ff", vpc, a), _default_group("sg-0d00000000000d0ff", web, a)],
        "NetworkAcls": [_acl("acl-0c00000000000c0c1", vpc, [c_a, c_b], a),
                        _acl("acl-0d00000000000d0d1", web, [app, edge_subnet], a)],
        "InternetGateways": [{"InternetGatewayId": igw, "OwnerId": a, "Tags": [],
                              "Attachments": [{"VpcId": web, "State": "available"}]}],
        "RouteTables": tables,
        "NetworkInterfaces": [client, ep_a, ep_b, web1, gwlbe],
        "Reservations": _instances(a, ("i-0c00000000000c001", client, "client-1"), ("i-0d00000000000d001", web1, "web-1")),
        "VpcEndpoints": [
            _endpoint(CONSUMER_ENDPOINT, "Interface", vpc, APP_SVC_NAME, [c_a, c_b], [ep_a["NetworkInterfaceId"],
                      ep_b["NetworkInterfaceId"]], a, groups=["sg-0c00000000000c0c2"]),
            _endpoint(GWLB_ENDPOINT, "GatewayLoadBalancer", web, FW_SVC_NAME, [edge_subnet], [gwlbe["NetworkInterfaceId"]], a)],
        "VpcEndpointConnections": [],
    }


def partner() -> dict[str, list]:
    a = PARTNER
    vpc, p_a = "vpc-0e1e2d3c4b5a69788", "subnet-0e0000000000000a1"
    host = _eni("eni-0e00000000000e001", p_a, vpc, "10.60.1.20", ["sg-0e00000000000e0e1"], "i-0e00000000000e001",
                account=a, zone=f"{REGION}a")
    ep = _managed_eni("eni-0e00000000000e0e9", p_a, vpc, "10.60.1.100", a, "a", "vpc_endpoint",
                      f"VPC Endpoint Interface {PARTNER_ENDPOINT}", ["sg-0e00000000000e0e2"])
    return {
        "Vpcs": [_vpc(vpc, "10.60.0.0/16", a, "partner")],
        "Subnets": [_subnet(p_a, vpc, "10.60.1.0/24", "a", a, "p-a")],
        "SecurityGroups": [_group("sg-0e00000000000e0e1", "host", vpc, a, []),
                           _group("sg-0e00000000000e0e2", "endpoints", vpc, a, [("tcp", 443, "10.60.0.0/16")]),
                           _default_group("sg-0e00000000000e0ff", vpc, a)],
        "NetworkAcls": [_acl("acl-0e00000000000e0e1", vpc, [p_a], a)],
        "RouteTables": [_main_table("rtb-0e00000000000e0e1", vpc, "10.60.0.0/16", a)],
        "NetworkInterfaces": [host, ep],
        "Reservations": _instances(a, ("i-0e00000000000e001", host, "partner-1")),
        "VpcEndpoints": [_endpoint(PARTNER_ENDPOINT, "Interface", vpc, APP_SVC_NAME, [p_a], [ep["NetworkInterfaceId"]],
                                   a, state="pendingAcceptance", groups=["sg-0e00000000000e0e2"])],
    }


def inspection() -> dict[str, list]:
    a = INSPECTION
    vpc, s_a = "vpc-0f1e2d3c4b5a69788", "subnet-0f0000000000000a1"
    fw1 = _eni("eni-0f00000000000f001", s_a, vpc, "10.70.1.10", ["sg-0f00000000000f0f1"], "i-0f00000000000f001",
               account=a, zone=f"{REGION}a")
    fw2 = _eni("eni-0f00000000000f002", s_a, vpc, "10.70.1.11", ["sg-0f00000000000f0f1"], "i-0f00000000000f002",
               account=a, zone=f"{REGION}a")
    node = _managed_eni("eni-0f00000000000b001", s_a, vpc, "10.70.1.5", a, "a", "gateway_load_balancer",
                        "ELB " + GWLB_ARN.split(":loadbalancer/")[1])
    return {
        "Vpcs": [_vpc(vpc, "10.70.0.0/16", a, "inspection")],
        "Subnets": [_subnet(s_a, vpc, "10.70.1.0/24", "a", a, "appliances-a")],
        "SecurityGroups": [_group("sg-0f00000000000f0f1", "geneve", vpc, a, [("udp", 6081, "10.70.1.0/24")]),
                           _default_group("sg-0f00000000000f0ff", vpc, a)],
        "NetworkAcls": [_acl("acl-0f00000000000f0f1", vpc, [s_a], a)],
        "RouteTables": [_main_table("rtb-0f00000000000f0f1", vpc, "10.70.0.0/16", a)],
        "NetworkInterfaces": [fw1, fw2, node],
        "Reservations": _instances(a, ("i-0f00000000000f001", fw1, "firewall-1"), ("i-0f00000000000f002", fw2, "firewall-2")),
        "LoadBalancers": [{
            "LoadBalancerArn": GWLB_ARN, "LoadBalancerName": "inspect-gwlb", "VpcId": vpc, "State": {"Code": "active"},
            "Type": "gateway", "IpAddressType": "ipv4", "CreatedTime": "2024-05-01T09:00:00+00:00",
            "AvailabilityZones": [{"ZoneName": f"{REGION}a", "SubnetId": s_a, "LoadBalancerAddresses": []}]}],
        "TargetGroups": [{
            "TargetGroupArn": FW_TG, "TargetGroupName": "firewalls", "Protocol": "GENEVE", "Port": 6081, "VpcId": vpc,
            "HealthCheckProtocol": "TCP", "HealthCheckPort": "80", "HealthCheckEnabled": True,
            "LoadBalancerArns": [GWLB_ARN], "TargetType": "instance"}],
        "LoadBalancerListeners": [{"LoadBalancerArn": GWLB_ARN, "Listeners": [{
            "ListenerArn": GWLB_ARN.replace(":loadbalancer/", ":listener/") + "/0aa1bb2cc3dd4ee5",
            "LoadBalancerArn": GWLB_ARN, "DefaultActions": [{"Type": "forward", "TargetGroupArn": FW_TG}]}]}],
        "LoadBalancerTargetHealth": [{"TargetGroupArn": FW_TG, "TargetHealthDescriptions": [
            {"Target": {"Id": i, "Port": 6081}, "HealthCheckPort": "80", "TargetHealth": {"State": "healthy"}}
            for i in ("i-0f00000000000f001", "i-0f00000000000f002")]}],
        "LoadBalancerAttributes": [{"TargetGroupArn": FW_TG, "Attributes": [
            {"Key": "stickiness.enabled", "Value": "false"}, {"Key": "target_failover.on_deregistration",
                                                             "Value": "no_rebalance"}]}],
        "ServiceConfigurations": [{
            "ServiceType": [{"ServiceType": "GatewayLoadBalancer"}], "ServiceId": FW_SVC, "ServiceName": FW_SVC_NAME,
            "ServiceState": "Available", "AvailabilityZones": [f"{REGION}a"], "AcceptanceRequired": False,
            "ManagesVpcEndpoints": False, "GatewayLoadBalancerArns": [GWLB_ARN], "SupportedIpAddressTypes": ["ipv4"],
            "BaseEndpointDnsNames": [f"{FW_SVC}.{REGION}.vpce.amazonaws.com"], "PayerResponsibility": "ServiceOwner",
            "SupportedRegions": [{"Region": REGION, "ServiceState": "Available"}], "Tags": []}],
        "AllowedPrincipals": [{"ServiceId": FW_SVC, "AllowedPrincipals": [
            {"PrincipalType": "Account", "Principal": f"arn:aws:iam::{CONSUMER}:root"}]}],
        "VpcEndpointConnections": [
            {"ServiceId": FW_SVC, "VpcEndpointId": GWLB_ENDPOINT, "VpcEndpointOwner": CONSUMER,
             "VpcEndpointState": "available", "GatewayLoadBalancerArns": [GWLB_ARN]}],
    }


def accounts() -> dict[str, dict[str, list]]:
    """Every account's describe outputs (fresh copies: tests change them freely)."""
    return copy.deepcopy({CONSUMER: consumer(), PROVIDER: provider(), PARTNER: partner(), INSPECTION: inspection()})


def folder(root: Path, account: str) -> Path:
    return root / "aws_configs" / "accounts" / account / REGION


def write_accounts(root: Path, data: dict[str, dict[str, list]]) -> Path:
    """The collector's multi-account layout under `root`; returns `root` (what vpcemu loads)."""
    from .test_aws_json import aws_service_lists

    for account, outputs in data.items():
        outputs = {"PrefixLists": aws_service_lists(REGION), **outputs}
        directory = folder(root, account)
        directory.mkdir(parents=True, exist_ok=True)
        for key, items in outputs.items():
            (directory / f"{key}.json").write_text(json.dumps({key: items}, indent=1))
    return root
