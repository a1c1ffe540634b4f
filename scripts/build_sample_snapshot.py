#!/usr/bin/env python3
"""Build examples/aws-json/: a small AWS JSON snapshot, saved as a user saves one.

A network is built through boto3 against moto's server on loopback (tests/moto_server.py), then
every `aws ec2 describe-…` a user would run is run with the real AWS CLI against that server and
its stdout saved as `aws … --output json > FILE.json` would save it, one file per command, in a
folder per region. The network, in eu-west-2 (account 123456789012, moto's):

    VPC "shop" 10.0.0.0/16, DNS hostnames on, internet gateway "shop-igw"
      public-a   10.0.1.0/24  eu-west-2a  0.0.0.0/0 -> shop-igw        web (10.0.1.10, public IP), nat-a
      private-a  10.0.2.0/24  eu-west-2a  0.0.0.0/0 -> nat-a; S3 -> s3-gateway   app (10.0.2.20)
      security groups: web (443 from anywhere), app (8080 from web)

moto differs from AWS in a few known ways; the output is patched only there, each patch below
says why. Ids are moto's and change on every run: after rebuilding, update the README's examples
that print them (tests/test_readme.py shows which).

    .venv/bin/python scripts/build_sample_snapshot.py [-o examples/aws-json]

Needs the test extra (`pip install -e '.[test]'`: moto[server], awscli, boto3).
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.moto_server import MotoServer  # noqa: E402

REGION = "eu-west-2"
AZ = f"{REGION}a"

# (command, file name): what a user types, and where they save it
COMMANDS = (
    ("describe-vpcs", "vpcs.json"),
    ("describe-subnets", "subnets.json"),
    ("describe-route-tables", "route-tables.json"),
    ("describe-internet-gateways", "internet-gateways.json"),
    ("describe-nat-gateways", "nat-gateways.json"),
    ("describe-network-interfaces", "network-interfaces.json"),
    ("describe-instances", "instances.json"),
    ("describe-security-groups", "security-groups.json"),
    ("describe-network-acls", "network-acls.json"),
    ("describe-vpc-endpoints", "vpc-endpoints.json"),
    ("describe-prefix-lists", "prefix-lists.json"),
    ("describe-managed-prefix-lists", "managed-prefix-lists.json"),
    ("describe-addresses", "addresses.json"),
    ("describe-vpc-peering-connections", "vpc-peering-connections.json"),
)


def tags(kind: str, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def delete_default_vpc(ec2) -> None:
    """Accounts start with a default VPC (moto's do too); many delete it, as this sample's owner did."""
    for vpc in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]:
        vpc_id = vpc["VpcId"]
        for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]:
            ec2.delete_subnet(SubnetId=subnet["SubnetId"])
        for igw in ec2.describe_internet_gateways(
                Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]:
            ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc_id)
            ec2.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
        ec2.delete_vpc(VpcId=vpc_id)


def build_network(ec2) -> dict[str, str]:
    """The network of the module docstring, through boto3; returns the ids by name."""
    ids: dict[str, str] = {}
    delete_default_vpc(ec2)
    ids["shop"] = vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=tags("vpc", "shop"))["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    for name, cidr in (("public-a", "10.0.1.0/24"), ("private-a", "10.0.2.0/24")):
        ids[name] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=AZ,
                                      TagSpecifications=tags("subnet", name))["Subnet"]["SubnetId"]
    ids["shop-igw"] = igw = ec2.create_internet_gateway(
        TagSpecifications=tags("internet-gateway", "shop-igw"))["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ids["nat-eip"] = allocation = ec2.allocate_address(
        Domain="vpc", TagSpecifications=tags("elastic-ip", "nat-eip"))["AllocationId"]
    ids["nat-a"] = nat = ec2.create_nat_gateway(
        SubnetId=ids["public-a"], AllocationId=allocation, PrivateIpAddress="10.0.1.5",
        TagSpecifications=tags("natgateway", "nat-a"))["NatGateway"]["NatGatewayId"]
    for name, target in (("public-rt", {"GatewayId": igw}), ("private-rt", {"NatGatewayId": nat})):
        ids[name] = table = ec2.create_route_table(
            VpcId=vpc, TagSpecifications=tags("route-table", name))["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", **target)
        ec2.associate_route_table(RouteTableId=table, SubnetId=ids[name.replace("-rt", "-a")])
    ids["s3-gateway"] = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway",
        RouteTableIds=[ids["private-rt"]], TagSpecifications=tags("vpc-endpoint", "s3-gateway"))[
        "VpcEndpoint"]["VpcEndpointId"]
    ids["web-sg"] = web = ec2.create_security_group(
        GroupName="web", Description="HTTPS from anywhere", VpcId=vpc,
        TagSpecifications=tags("security-group", "web"))["GroupId"]
    ids["app-sg"] = app = ec2.create_security_group(
        GroupName="app", Description="the app port from web", VpcId=vpc,
        TagSpecifications=tags("security-group", "app"))["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": web}]}])
    image = ec2.describe_images()["Images"][0]["ImageId"]
    for name, subnet, address, group, public in (("web", "public-a", "10.0.1.10", web, True),
                                                 ("app", "private-a", "10.0.2.20", app, False)):
        ids[name] = ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": ids[subnet], "PrivateIpAddress": address,
                                "Groups": [group], "AssociatePublicIpAddress": public}],
            TagSpecifications=tags("instance", name))["Instances"][0]["InstanceId"]
    return ids


def dump(server, out: Path) -> None:
    """Every command's output, saved as a user saves it, into `out`."""
    for command, name in COMMANDS:
        server.aws("ec2", command, region=REGION, out=out / name)
    for vpc in read(out / "vpcs.json")["Vpcs"]:
        for attribute in ("enableDnsSupport", "enableDnsHostnames"):
            server.aws("ec2", "describe-vpc-attribute", "--vpc-id", vpc["VpcId"], "--attribute", attribute,
                       region=REGION, out=out / f"{vpc['VpcId']}-{attribute}.json")
    for prefix_list in read(out / "managed-prefix-lists.json")["PrefixLists"]:
        server.aws("ec2", "get-managed-prefix-list-entries", "--prefix-list-id", prefix_list["PrefixListId"],
                   region=REGION, out=out / f"{prefix_list['PrefixListId']}.json")


# --- patches: only where moto's output differs from AWS's ----------------------------------------

def read(path: Path):
    return json.loads(path.read_text())


def write(path: Path, document) -> None:
    path.write_text(json.dumps(document, indent=4) + "\n")  # the AWS CLI's own layout


NAT_PRIVATE_IP = "10.0.1.5"
NAT_PUBLIC_IP = "18.134.65.20"  # any address of the region's EC2 ranges; AWS picks one for the Elastic IP


def patch_nat_gateway_addresses(out: Path) -> None:
    """moto gives a NAT gateway (and its Elastic IP) arbitrary addresses: a private IP outside its
    subnet, a public IP that can fall in 127.0.0.0/8, an ENI described as an ordinary one. AWS
    takes the private IP from the subnet (the one asked for), allocates the Elastic IP from its
    public ranges, and describes the ENI as the NAT gateway's (R122): all files say so here."""
    text = {name: (out / name).read_text() for name in ("nat-gateways.json", "addresses.json",
                                                          "network-interfaces.json")}
    nats = json.loads(text["nat-gateways.json"])
    for nat in nats["NatGateways"]:
        for item in nat["NatGatewayAddresses"]:
            old_private, old_public = item["PrivateIp"], item["PublicIp"]
            for name in text:  # the same addresses, wherever moto wrote them (ENI, Elastic IP, DNS name)
                text[name] = (text[name].replace(f'"{old_private}"', f'"{NAT_PRIVATE_IP}"')
                              .replace(f'"{old_public}"', f'"{NAT_PUBLIC_IP}"')
                              .replace(old_public.replace(".", "-"), NAT_PUBLIC_IP.replace(".", "-")))
    enis = json.loads(text["network-interfaces.json"])
    nat_enis = {item["NetworkInterfaceId"]: nat["NatGatewayId"] for nat in nats["NatGateways"]
                for item in nat["NatGatewayAddresses"]}
    for eni in enis["NetworkInterfaces"]:
        if eni["NetworkInterfaceId"] in nat_enis:
            eni.update(InterfaceType="nat_gateway", RequesterManaged=True,
                       Description=f"Interface for NAT Gateway {nat_enis[eni['NetworkInterfaceId']]}")
    text["network-interfaces.json"] = json.dumps(enis, indent=4) + "\n"
    for name, content in text.items():
        (out / name).write_text(content)


def patch_aws_managed_prefix_lists(out: Path) -> None:
    """moto's AWS-managed lists for S3 and DynamoDB have random ids and another region's ranges, and
    its describe-prefix-lists has no `Cidrs` (AWS's has). The region's real ids and ranges are taken
    from vpcemu's own snapshot of them (emulator/data/aws-managed-prefix-lists.json), in every file
    that names them; every list in describe-prefix-lists gets its entries as `Cidrs`."""
    real = {pl["PrefixListName"]: pl for pl in
            json.loads((ROOT / "emulator" / "data" / "aws-managed-prefix-lists.json").read_text())["prefix_lists"]}
    renamed = {}
    for pl in read(out / "managed-prefix-lists.json")["PrefixLists"]:
        if pl["PrefixListName"] in real:
            renamed[pl["PrefixListId"]] = real[pl["PrefixListName"]]
    for old, pl in renamed.items():
        entries = out / f"{old}.json"
        write(out / f"{pl['PrefixListId']}.json", {"Entries": [{"Cidr": cidr} for cidr in pl["Cidrs"]]})
        entries.unlink()
    for path in out.glob("*.json"):
        content = path.read_text()
        for old, pl in renamed.items():
            content = content.replace(old, pl["PrefixListId"])
        path.write_text(content)
    listing = read(out / "prefix-lists.json")
    for pl in listing["PrefixLists"]:
        entries = out / f"{pl['PrefixListId']}.json"
        if "Cidrs" not in pl and entries.exists():
            pl["Cidrs"] = [entry["Cidr"] for entry in read(entries)["Entries"]]
    write(out / "prefix-lists.json", listing)


def check_subnet_addresses(out: Path) -> None:
    """Whatever moto did, every private address of the sample lies in its subnet, as on AWS."""
    subnets = {s["SubnetId"]: ipaddress.IPv4Network(s["CidrBlock"]) for s in read(out / "subnets.json")["Subnets"]}
    for eni in read(out / "network-interfaces.json")["NetworkInterfaces"]:
        address = ipaddress.IPv4Address(eni["PrivateIpAddress"])
        assert address in subnets[eni["SubnetId"]], f"{eni['NetworkInterfaceId']}: {address} outside its subnet"


PATCHES = (patch_nat_gateway_addresses, patch_aws_managed_prefix_lists, check_subnet_addresses)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "examples" / "aws-json",
                        help="the snapshot folder (replaced as a whole); files land in OUTPUT/eu-west-2/")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sample-snapshot.") as scratch:
        built = Path(scratch) / "aws-json"
        with MotoServer() as server:
            build_network(server.client("ec2", REGION))
            dump(server, built / REGION)
        for patch in PATCHES:
            patch(built / REGION)
        if args.output.exists():
            shutil.rmtree(args.output)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(built, args.output)
    for path in sorted(args.output.rglob("*.json")):
        print(path.relative_to(args.output.parent) if args.output.is_absolute() else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
