"""A snapshot of one account as a user takes it: the real AWS CLI against moto's server, one file per
command under ordinary names, in a folder per region.

`build_network` creates, through boto3 against the server, a dual-stack VPC ("app") with a public,
a private and an IPv6-only subnet, an internet gateway (IPv4 and IPv6 default routes), an egress-only
internet gateway (`::/0` of the private table), a gateway endpoint to S3, customer prefix lists of both
families, security groups with IPv4, IPv6, prefix-list and group rules, two instances (`app` with its
metadata service turned off), an IPv6-only network interface, and a
second VPC ("data") holding a DynamoDB interface endpoint with private DNS. `dump` then saves what
`aws ec2 …` prints, as `aws ec2 describe-vpcs --output json > vpcs.json` would: AWS-managed IPv6 and
VPC Lattice lists come with it, as moto (like AWS) returns them.

Patches of moto's output, each only where moto differs from AWS (../shared/moto-quirks.md):
* interface-endpoint ENIs get an address outside their subnet: moved into it (AWS takes it from the
  subnet, R43), in the ENI's and the endpoint's files alike.
"""
from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path

REGION = "eu-west-2"
CORP_CIDR = "192.0.2.0/24"


@dataclass
class Built:
    """The ids boto3 returned, by the names a test uses."""

    ids: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


def _tags(kind: str, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def build_network(server) -> Built:
    ec2 = server.client("ec2", REGION)
    built = Built()
    ids = built.ids
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True,
                         TagSpecifications=_tags("vpc", "app"))["Vpc"]
    ids["app-vpc"] = vpc_id = vpc["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    block = ipaddress.IPv6Network(ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]
                                  ["Ipv6CidrBlock"])
    subnets64 = list(block.subnets(new_prefix=64))[:3]
    ids["public"] = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", Ipv6CidrBlock=str(subnets64[0]),
                                      AvailabilityZone=f"{REGION}a",
                                      TagSpecifications=_tags("subnet", "public"))["Subnet"]["SubnetId"]
    ids["private"] = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24", Ipv6CidrBlock=str(subnets64[1]),
                                       AvailabilityZone=f"{REGION}a",
                                       TagSpecifications=_tags("subnet", "private"))["Subnet"]["SubnetId"]
    ids["v6only"] = ec2.create_subnet(VpcId=vpc_id, Ipv6Native=True, Ipv6CidrBlock=str(subnets64[2]),
                                      AvailabilityZone=f"{REGION}a",
                                      TagSpecifications=_tags("subnet", "v6only"))["Subnet"]["SubnetId"]
    ids["igw"] = igw = ec2.create_internet_gateway(
        TagSpecifications=_tags("internet-gateway", "igw"))["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    ids["eigw"] = eigw = ec2.create_egress_only_internet_gateway(VpcId=vpc_id)[
        "EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    ids["public-rt"] = public_rt = ec2.create_route_table(
        VpcId=vpc_id, TagSpecifications=_tags("route-table", "public-rt"))["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.create_route(RouteTableId=public_rt, DestinationIpv6CidrBlock="::/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rt, SubnetId=ids["public"])
    ids["private-rt"] = private_rt = ec2.create_route_table(
        VpcId=vpc_id, TagSpecifications=_tags("route-table", "private-rt"))["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rt, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw)
    ec2.associate_route_table(RouteTableId=private_rt, SubnetId=ids["private"])
    ids["s3-endpoint"] = ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.s3",
                                                 VpcEndpointType="Gateway", RouteTableIds=[private_rt])[
        "VpcEndpoint"]["VpcEndpointId"]
    ids["corp"] = ec2.create_managed_prefix_list(PrefixListName="corp", AddressFamily="IPv4", MaxEntries=5,
                                                 Entries=[{"Cidr": CORP_CIDR, "Description": "office"}])[
        "PrefixList"]["PrefixListId"]
    ids["corp6"] = ec2.create_managed_prefix_list(PrefixListName="corp6", AddressFamily="IPv6", MaxEntries=5,
                                                  Entries=[{"Cidr": "2001:db8::/32"}])["PrefixList"]["PrefixListId"]
    ids["web-sg"] = web_sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc_id)["GroupId"]
    ids["app-sg"] = app_sg = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": ids["corp"]}],
         "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": ids["corp6"]}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    ec2.authorize_security_group_ingress(GroupId=app_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": web_sg}]}])
    image = ec2.describe_images()["Images"][0]["ImageId"]
    for name, subnet, address, groups, public, metadata in (
            ("web", "public", "10.0.1.10", [web_sg], True, "enabled"),
            ("app", "private", "10.0.2.20", [app_sg], False, "disabled")):
        instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                     NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": ids[subnet],
                                                         "PrivateIpAddress": address, "Groups": groups,
                                                         "AssociatePublicIpAddress": public}],
                                     MetadataOptions={"HttpEndpoint": metadata},
                                     TagSpecifications=_tags("instance", name))["Instances"][0]
        ids[name] = instance["InstanceId"]
    ids["v6eni"] = ec2.create_network_interface(SubnetId=ids["v6only"], Ipv6AddressCount=1)[
        "NetworkInterface"]["NetworkInterfaceId"]  # moto cannot launch an instance there; its ENI stands for one
    # A second VPC, whose DynamoDB interface endpoint answers the service's name by private DNS (R50).
    ids["data-vpc"] = data_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=_tags("vpc", "data"))[
        "Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=data_vpc, EnableDnsHostnames={"Value": True})
    ids["data-subnet"] = ec2.create_subnet(VpcId=data_vpc, CidrBlock="10.9.1.0/24", AvailabilityZone=f"{REGION}b",
                                           TagSpecifications=_tags("subnet", "data-subnet"))["Subnet"]["SubnetId"]
    ids["dynamodb-endpoint"] = ec2.create_vpc_endpoint(
        VpcId=data_vpc, ServiceName=f"com.amazonaws.{REGION}.dynamodb", VpcEndpointType="Interface",
        SubnetIds=[ids["data-subnet"]], PrivateDnsEnabled=True)["VpcEndpoint"]["VpcEndpointId"]
    ids["client"] = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                      SubnetId=ids["data-subnet"], PrivateIpAddress="10.9.1.30",
                                      TagSpecifications=_tags("instance", "client"))["Instances"][0]["InstanceId"]
    return built


# (command, file name): what a user types, and where they save it
COMMANDS = (
    ("describe-vpcs", "vpcs.json"),
    ("describe-subnets", "subnets.json"),
    ("describe-route-tables", "route-tables.json"),
    ("describe-internet-gateways", "igws.json"),
    ("describe-egress-only-internet-gateways", "egress-only-igws.json"),
    ("describe-nat-gateways", "nat-gateways.json"),
    ("describe-network-interfaces", "enis.json"),
    ("describe-instances", "instances.json"),
    ("describe-security-groups", "security-groups.json"),
    ("describe-network-acls", "nacls.json"),
    ("describe-vpc-endpoints", "endpoints.json"),
    ("describe-prefix-lists", "prefix-lists.json"),
    ("describe-managed-prefix-lists", "managed-prefix-lists.json"),
    ("describe-addresses", "addresses.json"),
    ("describe-vpc-peering-connections", "peerings.json"),
)


def dump(server, folder: Path, with_attributes: bool = True) -> Path:
    """Save every command's output into `folder/<region>/`, as a user would; returns that folder."""
    out = folder / REGION
    for command, name in COMMANDS:
        server.aws("ec2", command, region=REGION, out=out / name)
    vpcs = json.loads((out / "vpcs.json").read_text())["Vpcs"]
    if with_attributes:
        for vpc in vpcs:
            for attribute in ("enableDnsSupport", "enableDnsHostnames"):
                server.aws("ec2", "describe-vpc-attribute", "--vpc-id", vpc["VpcId"], "--attribute", attribute,
                           region=REGION, out=out / f"{vpc['VpcId']}-{attribute}.json")
    for pl in json.loads((out / "managed-prefix-lists.json").read_text())["PrefixLists"]:
        server.aws("ec2", "get-managed-prefix-list-entries", "--prefix-list-id", pl["PrefixListId"], region=REGION,
                   out=out / f"{pl['PrefixListId']}.json")
    _move_endpoint_addresses_into_their_subnets(out)
    return out


def _move_endpoint_addresses_into_their_subnets(out: Path) -> None:
    """moto quirk: an interface endpoint's ENI gets an address outside its subnet; AWS's is inside (R43)."""
    subnets = {s["SubnetId"]: ipaddress.IPv4Network(s["CidrBlock"])
               for s in json.loads((out / "subnets.json").read_text())["Subnets"] if s.get("CidrBlock")}
    endpoint_enis = {eni for endpoint in json.loads((out / "endpoints.json").read_text())["VpcEndpoints"]
                     for eni in endpoint.get("NetworkInterfaceIds", [])}
    path = out / "enis.json"
    document = json.loads(path.read_text())
    for eni in document["NetworkInterfaces"]:
        network = subnets.get(eni["SubnetId"])
        if eni["NetworkInterfaceId"] not in endpoint_enis or ipaddress.IPv4Address(eni["PrivateIpAddress"]) in network:
            continue
        address = str(network.network_address + 100)
        eni["PrivateIpAddress"] = address
        for item in eni.get("PrivateIpAddresses", []):
            item["PrivateIpAddress"] = address
    path.write_text(json.dumps(document, indent=4))
