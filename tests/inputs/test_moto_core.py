"""Issue #2, acceptance 4: a network built with boto3 `create_*` calls against moto, its describe
outputs written by tests/moto_snapshot.py as the Batfish collector writes them, imported by vpcemu
and traced as AWS would forward.

moto's output differs from AWS's in known ways (../shared/moto-quirks.md, plus those found here).
The importer must report each one, never take it silently: `test_each_moto_quirk_is_reported`
repairs every quirk but one and checks the error or warning names the file, resource and field.
The repaired snapshot is what AWS would return, and it is traced as AWS would forward.
"""
from __future__ import annotations

import ipaddress
import json
import shutil
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

import emulator
from emulator import model as m
from emulator.cli import main as vpcemu
from emulator.dataplane.packet import int_to_ip
from emulator.inputs.errors import InputError
from emulator.services.aws_public import managed_prefix_lists
from tests.moto_snapshot import read_key, write_key, write_snapshot
from tests.paths import assert_dropped

REGION = "eu-west-2"
AMI = "ami-12c6146b"  # one of moto's stock images


def _tag(kind: str, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


@mock_aws
def build(root: Path) -> dict[str, str]:
    """The seed's endpoint scenario, created with boto3 calls: public and private subnets, an IGW,
    a NAT gateway, route tables, security groups, a custom network ACL, instances, an S3 gateway
    endpoint and a DynamoDB interface endpoint. Returns the ids the tests need (moto's are random)."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=_tag("vpc", "app"))["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # private DNS needs it (R50)
    subnet = {}
    for name, cidr, zone in (("public", "10.0.1.0/24", "a"), ("private", "10.0.2.0/24", "b"),
                             ("isolated", "10.0.3.0/24", "a")):
        subnet[name] = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{REGION}{zone}",
                                         TagSpecifications=_tag("subnet", name))["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet["public"], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    tables = {}
    for name in ("public", "private", "isolated"):
        tables[name] = ec2.create_route_table(VpcId=vpc, TagSpecifications=_tag("route-table", name))[
            "RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=tables[name], SubnetId=subnet[name])
    ec2.create_route(RouteTableId=tables["public"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.create_route(RouteTableId=tables["private"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)

    def group(name, *rules):
        group_id = ec2.create_security_group(VpcId=vpc, GroupName=name, Description=name)["GroupId"]
        if rules:
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(rules))
        return group_id

    web_sg = group("web", {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
                   {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    app_sg = group("app", {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
                           "UserIdGroupPairs": [{"GroupId": web_sg}]})
    endpoint_sg = group("endpoints", {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                      "IpRanges": [{"CidrIp": "10.0.0.0/16"}]})
    # The public subnet's own ACL: ssh refused from anywhere, everything else allowed.
    acl = ec2.create_network_acl(VpcId=vpc, TagSpecifications=_tag("network-acl", "public"))["NetworkAcl"]["NetworkAclId"]
    for egress in (False, True):
        if not egress:
            ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=90, Protocol="6", RuleAction="deny",
                                         Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 22, "To": 22})
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                     Egress=egress, CidrBlock="0.0.0.0/0")
    default_acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                     {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
    association = next(a["NetworkAclAssociationId"] for a in default_acl["Associations"]
                       if a["SubnetId"] == subnet["public"])
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)

    def instance(name, subnet_name, address, groups, public=False):
        interface = {"DeviceIndex": 0, "SubnetId": subnet[subnet_name], "PrivateIpAddress": address, "Groups": groups,
                     "AssociatePublicIpAddress": public}
        return ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, NetworkInterfaces=[interface],
                                 TagSpecifications=_tag("instance", name))["Instances"][0]["InstanceId"]

    ids = {"vpc": vpc, "igw": igw, "nat": nat, "acl": acl, **{f"rtb-{k}": v for k, v in tables.items()},
           **{f"subnet-{k}": v for k, v in subnet.items()},
           "web": instance("web", "public", "10.0.1.10", [web_sg], public=True),
           "app": instance("app", "private", "10.0.2.10", [app_sg]),
           "batch": instance("batch", "isolated", "10.0.3.10", [app_sg])}
    ids["s3"] = ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Gateway", ServiceName=f"com.amazonaws.{REGION}.s3",
                                        RouteTableIds=[tables["private"]])["VpcEndpoint"]["VpcEndpointId"]
    ids["dynamodb"] = ec2.create_vpc_endpoint(
        VpcId=vpc, VpcEndpointType="Interface", ServiceName=f"com.amazonaws.{REGION}.dynamodb",
        SubnetIds=[subnet["private"], subnet["isolated"]], SecurityGroupIds=[endpoint_sg],
        PrivateDnsEnabled=True)["VpcEndpoint"]["VpcEndpointId"]
    write_snapshot(root / "aws_configs", REGION, ec2)
    return ids


# --- repairs: what AWS would have returned ---------------------------------------------------------


def _items(folder: Path, key: str) -> list:
    return read_key(folder, key)


def _eni(enis: list, eni_id: str) -> dict:
    return next(e for e in enis if e["NetworkInterfaceId"] == eni_id)


def _set_address(eni: dict, address: str) -> None:
    eni["PrivateIpAddress"] = address
    eni["PrivateIpAddresses"] = [dict(eni["PrivateIpAddresses"][0], PrivateIpAddress=address, Primary=True)]


def repair_endpoint_interfaces(folder: Path) -> None:
    """AWS gives each interface endpoint ENI an address from its own subnet (R43)."""
    subnets = {s["SubnetId"]: s["CidrBlock"] for s in _items(folder, "Subnets")}
    enis = _items(folder, "NetworkInterfaces")
    for endpoint in _items(folder, "VpcEndpoints"):
        for eni_id in endpoint["NetworkInterfaceIds"]:
            eni = _eni(enis, eni_id)
            _set_address(eni, str(ipaddress.ip_network(subnets[eni["SubnetId"]])[100]))
    write_key(folder, "NetworkInterfaces", enis)


def repair_endpoint_descriptions(folder: Path) -> None:
    """AWS types them vpc_endpoint and names them by endpoint."""
    enis = _items(folder, "NetworkInterfaces")
    endpoints = _items(folder, "VpcEndpoints")
    for endpoint in endpoints:
        for eni_id in endpoint["NetworkInterfaceIds"]:
            eni = _eni(enis, eni_id)
            eni.update(InterfaceType="vpc_endpoint", RequesterManaged=True,
                       Description=f"VPC Endpoint Interface {endpoint['VpcEndpointId']}")
    write_key(folder, "NetworkInterfaces", enis)


def repair_endpoint_groups(folder: Path) -> None:
    """AWS puts the endpoint's security groups on its interfaces (moto gives them the default group)."""
    enis = _items(folder, "NetworkInterfaces")
    for endpoint in _items(folder, "VpcEndpoints"):
        for eni_id in endpoint["NetworkInterfaceIds"]:
            _eni(enis, eni_id)["Groups"] = [{"GroupId": g["GroupId"], "GroupName": g["GroupName"]}
                                            for g in endpoint["Groups"]]
    write_key(folder, "NetworkInterfaces", enis)


def repair_dns_entries(folder: Path) -> None:
    """AWS's form: vpce-<id>-<suffix>.<service>.<region>.vpce.amazonaws.com (R49)."""
    endpoints = _items(folder, "VpcEndpoints")
    for endpoint in endpoints:
        if endpoint["VpcEndpointType"] == "Interface":
            service = endpoint["ServiceName"].split(".")[-1]
            endpoint["DnsEntries"] = [{"DnsName": f"{endpoint['VpcEndpointId']}-1a2b3c4d.{service}.{REGION}"
                                                  f".vpce.amazonaws.com", "HostedZoneId": "Z7HUB22UULQXV"},
                                      {"DnsName": f"{service}.{REGION}.amazonaws.com", "HostedZoneId": "Z0123"}]
    write_key(folder, "VpcEndpoints", endpoints)


def repair_nat_address(folder: Path) -> None:
    """AWS takes the NAT gateway's private address from its subnet (R118)."""
    subnets = {s["SubnetId"]: s["CidrBlock"] for s in _items(folder, "Subnets")}
    nats, enis, addresses = _items(folder, "NatGateways"), _items(folder, "NetworkInterfaces"), _items(folder, "Addresses")
    for nat in nats:
        private = str(ipaddress.ip_network(subnets[nat["SubnetId"]])[50])
        for entry in nat["NatGatewayAddresses"]:
            entry["PrivateIp"] = private
            _set_address(_eni(enis, entry["NetworkInterfaceId"]), private)
            for address in addresses:
                if address.get("NetworkInterfaceId") == entry["NetworkInterfaceId"]:
                    address["PrivateIpAddress"] = private
    write_key(folder, "NatGateways", nats)
    write_key(folder, "NetworkInterfaces", enis)
    write_key(folder, "Addresses", addresses)


def repair_nat_public_ip(folder: Path) -> None:
    """An Elastic IP is a public address (moto hands out 127.x ones)."""
    nats, enis, addresses = _items(folder, "NatGateways"), _items(folder, "NetworkInterfaces"), _items(folder, "Addresses")
    for i, nat in enumerate(nats):
        public = f"18.130.{i}.50"
        for entry in nat["NatGatewayAddresses"]:
            old, entry["PublicIp"] = entry["PublicIp"], public
            eni = _eni(enis, entry["NetworkInterfaceId"])
            for holder in [eni, *eni["PrivateIpAddresses"]]:
                if holder.get("Association", {}).get("PublicIp") == old:
                    holder["Association"].update(PublicIp=public, PublicDnsName="")
            for address in addresses:
                if address["PublicIp"] == old:
                    address["PublicIp"] = public
    write_key(folder, "NatGateways", nats)
    write_key(folder, "NetworkInterfaces", enis)
    write_key(folder, "Addresses", addresses)


def repair_nat_interface_type(folder: Path) -> None:
    enis = _items(folder, "NetworkInterfaces")
    for nat in _items(folder, "NatGateways"):
        for entry in nat["NatGatewayAddresses"]:
            _eni(enis, entry["NetworkInterfaceId"]).update(
                InterfaceType="nat_gateway", RequesterManaged=True, SourceDestCheck=False,
                Description=f"Interface for NAT Gateway {nat['NatGatewayId']}")
    write_key(folder, "NetworkInterfaces", enis)


def repair_managed_list_ids(folder: Path) -> None:
    """AWS-managed lists have the same id in every account of a region (pl-7ca54015 is S3 in
    eu-west-2); moto draws random ones. Rename them everywhere they appear."""
    aws = {p.prefix_list_name: p.prefix_list_id for p in managed_prefix_lists()}
    renames = {p["PrefixListId"]: aws[p["PrefixListName"]] for p in _items(folder, "ManagedPrefixLists")
               if p["PrefixListName"] in aws}
    for path in folder.glob("*.json"):
        text = path.read_text()
        for old, new in renames.items():
            text = text.replace(old, new)
        path.write_text(text)
    for old, new in renames.items():
        (folder / f"Entries-{old}.json").rename(folder / f"Entries-{new}.json")


def repair_managed_list_entries(folder: Path) -> None:
    """moto gives every region us-east-1's S3 and DynamoDB ranges; AWS gives the region's own."""
    aws = {p.prefix_list_name: p.cidrs for p in managed_prefix_lists()}
    for pl in _items(folder, "ManagedPrefixLists"):
        if pl["PrefixListName"] in aws:
            path = folder / f"Entries-{pl['PrefixListId']}.json"
            path.write_text(json.dumps({"PrefixListId": pl["PrefixListId"],
                                        "Entries": [{"Cidr": c} for c in aws[pl["PrefixListName"]]]}))


def repair_prefix_list_cidrs(folder: Path) -> None:
    """AWS's describe-prefix-lists lists Cidrs (take them from the entries moto does give), for
    IPv4 lists only (moto also lists an IPv6 one, which describe-managed-prefix-lists calls IPv6)."""
    ipv6 = {p["PrefixListId"] for p in _items(folder, "ManagedPrefixLists") if p.get("AddressFamily") == "IPv6"}
    lists = [p for p in _items(folder, "PrefixLists") if p["PrefixListId"] not in ipv6]
    for pl in lists:
        entries = json.loads((folder / f"Entries-{pl['PrefixListId']}.json").read_text())["Entries"]
        pl["Cidrs"] = [e["Cidr"] for e in entries]
    write_key(folder, "PrefixLists", lists)


def repair_acl_final_rules(folder: Path) -> None:
    """AWS lists the final `*` deny (rule 32767) of every ACL, both ways (R113)."""
    acls = _items(folder, "NetworkAcls")
    for acl in acls:
        for egress in (False, True):
            if not any(e["RuleNumber"] == 32767 and e["Egress"] == egress for e in acl["Entries"]):
                acl["Entries"].append({"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": egress,
                                       "CidrBlock": "0.0.0.0/0"})
    write_key(folder, "NetworkAcls", acls)


# quirk -> (its repair, the key of the file the report names, the field it names, error or warning)
QUIRKS = {
    "AWS-managed list ids": (repair_managed_list_ids, "PrefixLists", "PrefixListId", "warning"),
    "AWS-managed list entries": (repair_managed_list_entries, "PrefixLists", "Cidrs", "warning"),
    "endpoint ENI outside its subnet": (repair_endpoint_interfaces, "NetworkInterfaces", "PrivateIpAddress", "error"),
    "endpoint ENIs typed interface": (repair_endpoint_descriptions, "VpcEndpoints", "NetworkInterfaceIds", "warning"),
    "endpoint ENIs with the default group": (repair_endpoint_groups, "VpcEndpoints", "Groups", "warning"),
    "DnsEntries form": (repair_dns_entries, "VpcEndpoints", "DnsEntries[0].DnsName", "warning"),
    "NAT address outside its subnet": (repair_nat_address, "NatGateways", "NatGatewayAddresses[0].PrivateIp", "error"),
    "NAT public IP not public": (repair_nat_public_ip, "NatGateways", "NatGatewayAddresses[0].PublicIp", "error"),
    "NAT ENI typed interface": (repair_nat_interface_type, "NatGateways", "NatGatewayAddresses[0].NetworkInterfaceId",
                                "warning"),
    "prefix lists without Cidrs": (repair_prefix_list_cidrs, "PrefixLists", "Cidrs", "warning"),
    "ACL without the * rules": (repair_acl_final_rules, "NetworkAcls", "Entries", "warning"),
}
QUIRK_WARNINGS = ("not produced by AWS", "not of AWS's form")


def repaired(raw: Path, destination: Path, skip: str | None = None) -> Path:
    shutil.copytree(raw, destination)
    folder = destination / "aws_configs" / REGION
    for name, (repair, *_) in QUIRKS.items():
        if name != skip:
            repair(folder)
    return destination


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("moto-core")
    return root, build(root)


@pytest.fixture(scope="module")
def net(raw, tmp_path_factory) -> emulator.Network:
    return emulator.load(repaired(raw[0], tmp_path_factory.mktemp("repaired") / "snapshot"))


# --- moto's quirks are reported --------------------------------------------------------------------


def test_the_snapshot_holds_every_key_the_importer_reads(raw):
    folder = raw[0] / "aws_configs" / REGION
    for key in ("Vpcs", "Subnets", "RouteTables", "InternetGateways", "NatGateways", "NetworkInterfaces",
                "Reservations", "SecurityGroups", "NetworkAcls", "VpcEndpoints", "PrefixLists", "ManagedPrefixLists",
                "Addresses", "VpcPeeringConnections", "TransitGateways", "TransitGatewayAttachments",
                "TransitGatewayVpcAttachments", "TransitGatewayRouteTables", "TransitGatewayStaticRoutes",
                "TransitGatewayPropagations", "ServiceConfigurations", "AllowedPrincipals"):
        document = json.loads((folder / f"{key}.json").read_text())
        assert list(document) == [key] and isinstance(document[key], list), key
    assert "ResponseMetadata" not in (folder / "Vpcs.json").read_text()
    vpc = next(v for v in read_key(folder, "Vpcs") if v["VpcId"] == raw[1]["vpc"])
    assert vpc["EnableDnsHostnames"] == {"Value": True} and vpc["EnableDnsSupport"] == {"Value": True}
    assert list(folder.glob("Entries-pl-*.json"))


def test_raw_moto_output_is_refused_with_one_line(raw, capsys):
    assert vpcemu(["trace", str(raw[0]), "--from", raw[1]["app"], "--to", "8.8.8.8"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "NatGateways.json" in err and raw[1]["nat"] in err


@pytest.mark.parametrize("quirk", QUIRKS)
def test_each_moto_quirk_is_reported(raw, tmp_path, quirk):
    """Every quirk repaired but `quirk`: the importer names the file, the resource and the field."""
    _, key, field, kind = QUIRKS[quirk]
    root = repaired(raw[0], tmp_path / "snapshot", skip=quirk)
    path = str(root / "aws_configs" / REGION / f"{key}.json")
    if kind == "error":
        with pytest.raises(InputError) as caught:
            emulator.load(root)
        assert (caught.value.file, caught.value.field) == (path, field), caught.value.line()
        assert caught.value.resource
        return
    warnings = [w for w in emulator.load(root).topology.warnings if w.startswith(path + ": ")]
    assert any(f": {field}: " in w for w in warnings), warnings
    resource = warnings[0][len(path) + 2:].split(": ")[0]
    assert resource.startswith(("vpce-", "nat-", "pl-", "acl-")), warnings[0]


def test_the_repaired_snapshot_loads_without_a_quirk_warning(net):
    assert not [w for w in net.topology.warnings if any(q in w for q in QUIRK_WARNINGS) or "Cidrs: missing" in w
                or "rule 32767" in w]


# --- the repaired snapshot forwards as AWS does ----------------------------------------------------


def _s3_address(net) -> str:
    pl = next(p for p in net.topology.all(m.PrefixList) if p.prefix_list_name == f"com.amazonaws.{REGION}.s3")
    return str(ipaddress.ip_network(pl.cidrs[0])[10])


def test_the_model_is_what_boto3_created(net, raw):
    ids = raw[1]
    topology = net.topology
    assert topology.get(ids["vpc"], m.Vpc).enable_dns_hostnames
    assert topology.get(ids["s3"], m.GatewayEndpoint).route_table_ids == [ids["rtb-private"]]
    endpoint = topology.get(ids["dynamodb"], m.InterfaceEndpoint)
    assert sorted(endpoint.subnet_ids) == sorted([ids["subnet-private"], ids["subnet-isolated"]])
    assert topology.get(ids["acl"], m.NetworkAcl).subnet_ids == [ids["subnet-public"]]
    assert {i.name for i in topology.all(m.Instance)} == {"web", "app", "batch"}


def test_seed_1_the_public_subnet_reaches_s3_over_the_internet_gateway(net, raw):
    """The public table has no endpoint route: S3's public address leaves through the IGW (R35)."""
    ids = raw[1]
    trace = net.trace_flow(ids["web"], _s3_address(net))
    assert trace.verdict == "delivered" and trace.delivered_to == f"com.amazonaws.{REGION}.s3"
    assert ids["igw"] in trace.path and ids["s3"] not in trace.path


def test_seed_2_the_private_subnet_reaches_s3_through_the_gateway_endpoint(net, raw):
    """R32, R35: the pl- route beats 0/0 -> NAT; the NAT gateway is never crossed."""
    ids = raw[1]
    trace = net.trace_flow(ids["app"], _s3_address(net), with_return=True)
    assert trace.verdict == "delivered" and trace.path[:2] == [ids["app"], ids["s3"]]
    assert ids["nat"] not in trace.path and trace.reachable


def test_the_private_subnet_reaches_the_internet_through_the_nat_gateway(net, raw):
    """R122: the source becomes the NAT gateway's address, then its Elastic IP at the IGW (R120)."""
    ids = raw[1]
    trace = net.trace_flow(ids["app"], "8.8.8.8", with_return=True)
    assert trace.verdict == "exited" and trace.path == [ids["app"], ids["nat"], ids["igw"], "internet"]
    assert int_to_ip(trace.packet_out.src) == "18.130.0.50" and trace.reachable


def test_seed_3_the_dynamodb_endpoint_answers_in_its_subnets(net, raw):
    """R43, R45, R50: the endpoint ENIs hold addresses of their subnets; the name resolves to them."""
    ids = raw[1]
    endpoint = net.topology.get(ids["dynamodb"], m.InterfaceEndpoint)
    addresses = {net.topology.get(e, m.NetworkInterface).private_ip_address for e in endpoint.network_interface_ids}
    assert addresses == {"10.0.2.100", "10.0.3.100"}
    assert set(net.resolve(f"dynamodb.{REGION}.amazonaws.com", ids["app"])) == addresses
    trace = net.trace_flow(ids["app"], f"dynamodb.{REGION}.amazonaws.com")
    assert trace.verdict == "delivered" and trace.delivered_to == ids["dynamodb"]
    assert_dropped(net.trace_flow(ids["app"], "10.0.2.100", "udp", dport=443), "ENI_SG_RULES_MISMATCH")  # R45


def test_seed_4_the_isolated_subnet_cannot_reach_s3(net, raw):
    """Neither a NAT route nor the endpoint's route: no route to S3."""
    ids = raw[1]
    assert_dropped(net.trace_flow(ids["batch"], _s3_address(net)), "NO_ROUTE_TO_DESTINATION")


def test_the_internet_reaches_the_web_server_except_where_the_custom_acl_denies(net, raw):
    """R113: rule 90 of the public subnet's own ACL refuses ssh before rule 100 allows all."""
    ids = raw[1]
    public = net.topology.get(net.topology.get(ids["web"], m.Instance).network_interface_ids[0],
                              m.NetworkInterface).association_public_ip
    assert public is not None
    https = net.trace_flow("internet", public, src="198.51.100.9", with_return=True)
    assert https.verdict == "delivered" and https.delivered_to == ids["web"] and https.reachable
    assert_dropped(net.trace_flow("internet", public, src="198.51.100.9", dport=22), "SUBNET_ACL_RESTRICTION")


def test_security_group_references_decide_inside_the_vpc(net, raw):
    ids = raw[1]
    assert net.trace_flow(ids["web"], "10.0.2.10", dport=8080).verdict == "delivered"  # from the web group
    assert_dropped(net.trace_flow(ids["batch"], "10.0.2.10", dport=8080), "ENI_SG_RULES_MISMATCH")


@mock_aws
def test_the_dumper_refuses_a_client_of_another_region(tmp_path):
    with pytest.raises(ValueError, match="eu-west-1, not eu-west-2"):
        write_snapshot(tmp_path, REGION, boto3.client("ec2", region_name="eu-west-1"))
    assert not (tmp_path / REGION).exists()
