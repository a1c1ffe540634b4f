"""The AWS JSON reader (emulator/inputs/aws_json.py): layouts, recognition by top-level key,
state filters, warnings, one-line errors and origins.

Fixtures are `aws ec2 describe-*` outputs written by `describe_outputs()` in AWS's own shapes, so
every test starts from data as AWS returns it and changes only what it is about.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import emulator
from emulator import model as m
from emulator.cli import main as vpcemu
from emulator.inputs.aws_json import load_aws_directory
from emulator.inputs.errors import InputError
from emulator.inputs.validate import validate
from tests.paths import assert_dropped

ACCOUNT = "111122223333"
REGION = "eu-west-2"


def _tags(name: str | None) -> list[dict]:
    return [{"Key": "Name", "Value": name}] if name else []


def _eni(eni_id, subnet, vpc, ip, groups, instance=None, public=None, index=0, account=ACCOUNT, zone=f"{REGION}a"):
    """An ENI as describe-network-interfaces (and, for instances, describe-instances) shows it."""
    address = {"PrivateIpAddress": ip, "Primary": True}
    eni = {"NetworkInterfaceId": eni_id, "SubnetId": subnet, "VpcId": vpc, "AvailabilityZone": zone,
           "PrivateIpAddress": ip, "PrivateIpAddresses": [address], "Groups": [{"GroupId": g} for g in groups],
           "SourceDestCheck": True, "InterfaceType": "interface", "OwnerId": account, "Status": "in-use",
           "RequesterManaged": False, "Description": "", "TagSet": []}
    if public:
        eni["Association"] = address["Association"] = {"PublicIp": public, "IpOwnerId": "amazon"}
    if instance:
        eni["Attachment"] = {"InstanceId": instance, "DeviceIndex": index, "Status": "attached"}
    return eni


def _instance(instance_id, eni, state="running", name=None):
    return {"InstanceId": instance_id, "State": {"Code": 16, "Name": state}, "VpcId": eni["VpcId"],
            "SubnetId": eni["SubnetId"], "PrivateIpAddress": eni["PrivateIpAddress"],
            "Placement": {"AvailabilityZone": eni["AvailabilityZone"]}, "Tags": _tags(name),
            "NetworkInterfaces": [copy.deepcopy(eni)] if state == "running" else []}


def _route(destination, state="active", origin="CreateRoute", **target):
    key = "DestinationPrefixListId" if destination.startswith("pl-") else "DestinationCidrBlock"
    return {key: destination, "State": state, "Origin": origin, **target}


def _allow_all_nacl(acl_id, vpc, subnets, default=True):
    entries = [{"RuleNumber": n, "Protocol": "-1", "RuleAction": a, "Egress": e, "CidrBlock": "0.0.0.0/0"}
               for e in (True, False) for n, a in ((100, "allow"), (32767, "deny"))]
    return {"NetworkAclId": acl_id, "VpcId": vpc, "IsDefault": default, "OwnerId": ACCOUNT, "Entries": entries,
            "Associations": [{"NetworkAclId": acl_id, "SubnetId": s} for s in subnets], "Tags": []}


def describe_outputs(account: str = ACCOUNT, region: str = REGION, prefix: str = "0a", cidr: str = "10.0",
                     host: int = 10) -> dict[str, list]:
    """One VPC as AWS describes it: a public subnet (IGW, NAT gateway, web instance with a public
    IP) and an app subnet whose default route goes to the NAT gateway. Ids end in `prefix`;
    `host` picks the public addresses (203.0.113.<host> for web, 198.51.100.<host + 40> for NAT)."""
    vpc, igw, nat = f"vpc-{prefix}", f"igw-{prefix}", f"nat-{prefix}"
    pub, app = f"subnet-pub{prefix}", f"subnet-app{prefix}"
    web_sg, app_sg, default_sg = f"sg-web{prefix}", f"sg-app{prefix}", f"sg-def{prefix}"
    nat_public = f"198.51.100.{host + 40}"
    web_eni = _eni(f"eni-web{prefix}", pub, vpc, f"{cidr}.1.10", [web_sg], f"i-web{prefix}", f"203.0.113.{host}",
                   account=account, zone=f"{region}a")
    app_eni = _eni(f"eni-app{prefix}", app, vpc, f"{cidr}.2.10", [app_sg], f"i-app{prefix}", account=account,
                   zone=f"{region}b")
    nat_eni = _eni(f"eni-nat{prefix}", pub, vpc, f"{cidr}.1.50", [], public=nat_public, account=account,
                   zone=f"{region}a")
    nat_eni.update(InterfaceType="nat_gateway", RequesterManaged=True, SourceDestCheck=False,
                   Attachment={"InstanceOwnerId": "amazon-aws", "DeviceIndex": 1, "Status": "attached"})
    anywhere = [{"CidrIp": "0.0.0.0/0"}]
    egress_all = [{"IpProtocol": "-1", "IpRanges": anywhere, "Ipv6Ranges": [], "PrefixListIds": [],
                   "UserIdGroupPairs": []}]
    return {
        "Vpcs": [{"VpcId": vpc, "CidrBlock": f"{cidr}.0.0/16", "OwnerId": account, "IsDefault": False,
                  "State": "available", "Tags": _tags(f"main-{prefix}"),
                  # describe-vpc-attribute's two answers, merged in as a collector does
                  "EnableDnsSupport": {"Value": True}, "EnableDnsHostnames": {"Value": False},
                  "CidrBlockAssociationSet": [{"CidrBlock": f"{cidr}.0.0/16",
                                               "CidrBlockState": {"State": "associated"}}]}],
        "Subnets": [
            {"SubnetId": pub, "VpcId": vpc, "CidrBlock": f"{cidr}.1.0/24", "AvailabilityZone": f"{region}a",
             "OwnerId": account, "State": "available", "Tags": _tags("public")},
            {"SubnetId": app, "VpcId": vpc, "CidrBlock": f"{cidr}.2.0/24", "AvailabilityZone": f"{region}b",
             "OwnerId": account, "State": "available", "Tags": _tags("app")}],
        "InternetGateways": [{"InternetGatewayId": igw, "OwnerId": account, "Tags": [],
                              "Attachments": [{"VpcId": vpc, "State": "available"}]}],
        "NatGateways": [{"NatGatewayId": nat, "SubnetId": pub, "VpcId": vpc, "State": "available",
                         "ConnectivityType": "public",
                         "NatGatewayAddresses": [{"NetworkInterfaceId": nat_eni["NetworkInterfaceId"],
                                                  "PrivateIp": f"{cidr}.1.50", "PublicIp": nat_public,
                                                  "AllocationId": f"eipalloc-nat{prefix}"}]}],
        "RouteTables": [
            {"RouteTableId": f"rtb-main{prefix}", "VpcId": vpc, "OwnerId": account, "Tags": [],
             "Associations": [{"Main": True, "AssociationState": {"State": "associated"}}],
             "Routes": [_route(f"{cidr}.0.0/16", origin="CreateRouteTable", GatewayId="local")]},
            {"RouteTableId": f"rtb-pub{prefix}", "VpcId": vpc, "OwnerId": account, "Tags": _tags("public"),
             "Associations": [{"Main": False, "SubnetId": pub, "AssociationState": {"State": "associated"}}],
             "Routes": [_route(f"{cidr}.0.0/16", origin="CreateRouteTable", GatewayId="local"),
                        _route("0.0.0.0/0", GatewayId=igw)]},
            {"RouteTableId": f"rtb-app{prefix}", "VpcId": vpc, "OwnerId": account, "Tags": _tags("app"),
             "Associations": [{"Main": False, "SubnetId": app}],
             "Routes": [_route(f"{cidr}.0.0/16", origin="CreateRouteTable", GatewayId="local"),
                        _route("0.0.0.0/0", NatGatewayId=nat)]}],
        "SecurityGroups": [
            {"GroupId": web_sg, "GroupName": "web", "VpcId": vpc, "OwnerId": account, "Description": "web",
             "IpPermissions": [
                 {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": anywhere, "Ipv6Ranges": [],
                  "PrefixListIds": [], "UserIdGroupPairs": []},
                 {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": anywhere, "Ipv6Ranges": [],
                  "PrefixListIds": [], "UserIdGroupPairs": []}],
             "IpPermissionsEgress": copy.deepcopy(egress_all)},
            {"GroupId": app_sg, "GroupName": "app", "VpcId": vpc, "OwnerId": account, "Description": "app",
             "IpPermissions": [
                 {"IpProtocol": "6", "FromPort": 8080, "ToPort": 8080, "IpRanges": [], "Ipv6Ranges": [],
                  "PrefixListIds": [], "UserIdGroupPairs": [{"GroupId": web_sg, "UserId": account}]},
                 {"IpProtocol": "50", "IpRanges": [{"CidrIp": f"{cidr}.0.0/16"}], "Ipv6Ranges": [],
                  "PrefixListIds": [], "UserIdGroupPairs": []}],
             "IpPermissionsEgress": copy.deepcopy(egress_all)},
            {"GroupId": default_sg, "GroupName": "default", "VpcId": vpc, "OwnerId": account,
             "Description": "default VPC security group",
             "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                                "UserIdGroupPairs": [{"GroupId": default_sg, "UserId": account}]}],
             "IpPermissionsEgress": copy.deepcopy(egress_all)}],
        "PrefixLists": aws_service_lists(region),
        "NetworkAcls": [_allow_all_nacl(f"acl-{prefix}", vpc, [pub, app])],
        "NetworkInterfaces": [web_eni, app_eni, nat_eni],
        "Reservations": [{"ReservationId": f"r-{prefix}", "OwnerId": account, "Groups": [],
                          "Instances": [_instance(f"i-web{prefix}", web_eni, name="web"),
                                        _instance(f"i-app{prefix}", app_eni, name="app")]}],
    }


def aws_service_lists(region: str) -> list[dict]:
    """describe-prefix-lists in `region`: AWS's S3 and DynamoDB lists (vpcemu's snapshot of them)."""
    from emulator.services.aws_public import managed_prefix_lists

    return [{"PrefixListId": pl.prefix_list_id, "PrefixListName": pl.prefix_list_name, "Cidrs": list(pl.cidrs)}
            for pl in managed_prefix_lists() if pl.region == region]


def write_outputs(directory: Path, outputs: dict[str, list]) -> Path:
    """One `<Key>.json` per describe output, as the Batfish collector names them."""
    directory.mkdir(parents=True, exist_ok=True)
    for key, items in outputs.items():
        (directory / f"{key}.json").write_text(json.dumps({key: items}, indent=1))
    return directory


def load(outputs: dict[str, list], tmp_path: Path) -> m.Topology:
    return load_aws_directory(write_outputs(tmp_path / "aws_configs", outputs))


def network(outputs: dict[str, list], tmp_path: Path) -> emulator.Network:
    """Load and validate through the public entry point, as `vpcemu trace DIR` does."""
    write_outputs(tmp_path / "aws_configs", outputs)
    return emulator.load(tmp_path)


def route_table(outputs: dict, table_id: str) -> dict:
    return next(t for t in outputs["RouteTables"] if t["RouteTableId"] == table_id)


# --- layouts -----------------------------------------------------------------------------------


def test_a_folder_that_holds_the_json_itself_is_read(tmp_path):
    topology = load_aws_directory(write_outputs(tmp_path, describe_outputs()))
    assert {v.vpc_id for v in topology.all(m.Vpc)} == {"vpc-0a"}
    assert topology.source == str(tmp_path)


def test_a_flat_aws_configs_folder_takes_its_region_from_the_availability_zones(tmp_path):
    """Batfish would call a flat folder us-west-2; the subnets say eu-west-2a/b."""
    topology = load(describe_outputs(), tmp_path)
    assert {r.region for r in topology.resources.values() if not isinstance(r, m.PrefixList)} == {REGION}
    assert not topology.warnings


def test_a_region_folder_names_the_region(tmp_path):
    write_outputs(tmp_path / "aws_configs" / "eu-west-2", describe_outputs())
    topology = load_aws_directory(tmp_path)
    assert topology.get("vpc-0a", m.Vpc).region == "eu-west-2"
    assert topology.origins["vpc-0a"] == str(tmp_path / "aws_configs" / "eu-west-2" / "Vpcs.json")
    assert not topology.warnings


def test_a_folder_whose_name_is_no_region_is_read_like_a_flat_one(tmp_path):
    write_outputs(tmp_path / "aws_configs" / "dump-2024-05", describe_outputs())
    topology = load_aws_directory(tmp_path)
    assert topology.get("vpc-0a", m.Vpc).region == REGION
    assert not topology.warnings


def test_a_region_folder_that_disagrees_with_the_data_is_reported(tmp_path):
    write_outputs(tmp_path / "aws_configs" / "us-east-1", describe_outputs())
    topology = load_aws_directory(tmp_path)
    assert topology.get("vpc-0a", m.Vpc).region == "us-east-1"
    assert any("names region us-east-1" in w and "eu-west-2" in w for w in topology.warnings)


def _two_accounts(tmp_path: Path) -> Path:
    """Account A in eu-west-2 and account B in us-east-1, peered across regions; each account
    lists the peering, as describe-vpc-peering-connections does on both sides."""
    a = describe_outputs("111111111111", "eu-west-2", "0a", "10.0")
    b = describe_outputs("222222222222", "us-east-1", "0b", "10.1")
    peering = {"VpcPeeringConnectionId": "pcx-0ab", "Status": {"Code": "active", "Message": "Active"},
               "RequesterVpcInfo": {"VpcId": "vpc-0a", "OwnerId": "111111111111", "Region": "eu-west-2",
                                    "CidrBlock": "10.0.0.0/16"},
               "AccepterVpcInfo": {"VpcId": "vpc-0b", "OwnerId": "222222222222", "Region": "us-east-1",
                                   "CidrBlock": "10.1.0.0/16"}}
    a["VpcPeeringConnections"] = [dict(peering, Tags=_tags("seen-by-a"))]
    b["VpcPeeringConnections"] = [dict(peering, Tags=_tags("seen-by-b"))]
    route_table(a, "rtb-app0a")["Routes"].append(_route("10.1.0.0/16", VpcPeeringConnectionId="pcx-0ab"))
    route_table(b, "rtb-app0b")["Routes"].append(_route("10.0.0.0/16", VpcPeeringConnectionId="pcx-0ab"))
    for outputs in (a, b):
        del outputs["Reservations"][0]["OwnerId"]  # the folder's account is the fallback
    write_outputs(tmp_path / "aws_configs" / "accounts" / "111111111111" / "eu-west-2", a)
    write_outputs(tmp_path / "aws_configs" / "accounts" / "222222222222" / "us-east-1", b)
    return tmp_path


def test_accounts_and_regions_in_one_tree_form_one_network(tmp_path):
    net = emulator.load(_two_accounts(tmp_path))
    topology = net.topology
    assert (topology.get("vpc-0a").region, topology.get("vpc-0a").owner_id) == ("eu-west-2", "111111111111")
    assert (topology.get("vpc-0b").region, topology.get("vpc-0b").owner_id) == ("us-east-1", "222222222222")
    assert topology.get("i-app0b", m.Instance).owner_id == "222222222222"  # from the folder
    peerings = list(topology.all(m.VpcPeeringConnection))
    assert [p.name for p in peerings] == ["seen-by-a"]  # one connection, the requester's copy
    trace = net.trace_flow("i-app0a", "10.1.2.10", "tcp", dport=8080)
    assert trace.path[:2] == ["i-app0a", "pcx-0ab"]  # R79: across the peering, then app's SG decides


def test_the_folder_account_yields_to_owner_id_fields_with_a_warning(tmp_path):
    write_outputs(tmp_path / "aws_configs" / "accounts" / "999999999999" / REGION, describe_outputs())
    topology = load_aws_directory(tmp_path)
    assert topology.get("vpc-0a", m.Vpc).owner_id == ACCOUNT
    assert any("names account 999999999999" in w for w in topology.warnings)


# --- recognition by content --------------------------------------------------------------------


def test_files_are_recognised_by_their_top_level_keys_not_their_names(tmp_path):
    outputs = describe_outputs()
    folder = tmp_path / "aws_configs"
    folder.mkdir()
    (folder / "network.json").write_text(json.dumps({k: outputs.pop(k) for k in ("Vpcs", "Subnets")}))
    (folder / "Vpcs.json").write_text(json.dumps({"RouteTables": outputs.pop("RouteTables")}))
    (folder / "everything-else.json").write_text(json.dumps(outputs))
    mixed = load_aws_directory(tmp_path)
    standard = load(describe_outputs(), tmp_path / "standard")
    assert sorted(mixed.resources) == sorted(standard.resources)
    assert mixed.origins["vpc-0a"].endswith("network.json")
    assert mixed.origins["rtb-pub0a"].endswith("Vpcs.json")


def test_a_top_level_instances_key_is_read_like_reservations(tmp_path):
    outputs = describe_outputs()
    outputs["Instances"] = outputs.pop("Reservations")[0]["Instances"]
    topology = load(outputs, tmp_path)
    assert {i.instance_id for i in topology.all(m.Instance)} == {"i-web0a", "i-app0a"}


def test_ignored_keys_and_empty_arrays_load_without_a_word(tmp_path):
    outputs = describe_outputs()
    outputs.update(AvailabilityZones=[{"ZoneName": f"{REGION}a"}], DhcpOptions=[{"DhcpOptionsId": "dopt-1"}],
                   Regions=[{"RegionName": REGION}], InstanceStatuses=[{"InstanceId": "i-web0a"}],
                   PlacementGroups=[{"GroupName": "pg"}], ServiceNames=["com.amazonaws.eu-west-2.s3"],
                   Tags=[{"Key": "Name"}], TransitGateways=[], LoadBalancers=[], VpnConnections=[])
    assert load(outputs, tmp_path).warnings == []


def test_unread_keys_with_data_earn_one_warning_naming_them_all(tmp_path):
    outputs = describe_outputs()
    folder = write_outputs(tmp_path / "aws_configs", outputs)
    (folder / "cgw.json").write_text(json.dumps({"CustomerGateways": [{"CustomerGatewayId": "cgw-1"}],
                                                 "VpnGateways": []}))
    (folder / "vpn.json").write_text(json.dumps({"VpnConnections": [{"VpnConnectionId": "vpn-1"}]}))
    (folder / "rds.json").write_text(json.dumps({"DBInstances": [{"DBInstanceIdentifier": "x"}], "ServiceNames": ["x"]}))
    warnings = load_aws_directory(tmp_path).warnings
    assert len(warnings) == 1
    for key in ("CustomerGateways", "VpnConnections", "DBInstances"):
        assert key in warnings[0]
    assert "VpnGateways" not in warnings[0]  # empty: nothing is lost


# --- what is read --------------------------------------------------------------------------------


def test_vpc_cidrs_skip_disassociated_blocks_and_put_the_primary_first(tmp_path):
    outputs = describe_outputs()
    outputs["Vpcs"][0]["CidrBlockAssociationSet"] = [
        {"CidrBlock": "10.99.0.0/16", "CidrBlockState": {"State": "disassociated"}},
        {"CidrBlock": "10.50.0.0/16", "CidrBlockState": {"State": "associated"}},
        {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}}]
    vpc = load(outputs, tmp_path).get("vpc-0a", m.Vpc)
    assert vpc.cidr_blocks == ["10.0.0.0/16", "10.50.0.0/16"]  # R131: the resolver sits in the primary


def test_dns_attributes_default_as_aws_does_and_are_read_when_present(tmp_path):
    """R133: support on, hostnames off, except in a default VPC."""
    outputs = describe_outputs()
    vpc = outputs["Vpcs"][0]
    del vpc["EnableDnsSupport"], vpc["EnableDnsHostnames"]
    topology = load(outputs, tmp_path / "a")
    read = topology.get("vpc-0a", m.Vpc)
    assert (read.enable_dns_support, read.enable_dns_hostnames) == (True, False)
    [said] = [w for w in topology.warnings if "describe-vpc-attribute" in w]
    assert "vpc-0a take AWS's defaults" in said and "--attribute enableDnsHostnames" in said
    vpc["IsDefault"] = True
    assert load(outputs, tmp_path / "b").get("vpc-0a").enable_dns_hostnames is True
    vpc.update(EnableDnsSupport={"Value": False}, EnableDnsHostnames=False)  # describe-vpc-attribute shape too
    read = load(outputs, tmp_path / "c").get("vpc-0a", m.Vpc)
    assert (read.enable_dns_support, read.enable_dns_hostnames) == (False, False)


def test_name_tags_become_names(tmp_path):
    topology = load(describe_outputs(), tmp_path)
    assert topology.get("vpc-0a").name == "main-0a"
    assert topology.get("i-web0a").name == "web"
    assert topology.find("public", m.Subnet).subnet_id == "subnet-pub0a"


def test_route_tables_keep_main_explicit_and_edge_associations(tmp_path):
    outputs = describe_outputs()
    outputs["RouteTables"].append({"RouteTableId": "rtb-edge0a", "VpcId": "vpc-0a", "OwnerId": ACCOUNT,
                                   "Associations": [{"Main": False, "GatewayId": "igw-0a"}],
                                   "Routes": [_route("10.0.0.0/16", origin="CreateRouteTable", GatewayId="local")]})
    route_table(outputs, "rtb-app0a")["Associations"].append(
        {"Main": False, "SubnetId": "subnet-gone", "AssociationState": {"State": "disassociated"}})
    topology = load(outputs, tmp_path)
    assert topology.main_route_table("vpc-0a").route_table_id == "rtb-main0a"
    assert topology.get("rtb-app0a").subnet_ids == ["subnet-app0a"]
    assert topology.edge_route_table("igw-0a").route_table_id == "rtb-edge0a"  # R13
    local = topology.get("rtb-pub0a").routes[0]
    assert (local.gateway_id, local.origin) == ("local", m.routing.ORIGIN_LOCAL)


def test_every_route_target_field_is_read(tmp_path):
    outputs = describe_outputs()
    outputs["VpcEndpoints"] = [
        {"VpcEndpointId": "vpce-gw0a", "VpcEndpointType": "Gateway", "VpcId": "vpc-0a", "State": "available",
         "ServiceName": f"com.amazonaws.{REGION}.s3", "RouteTableIds": ["rtb-pub0a"], "OwnerId": ACCOUNT}]
    routes = route_table(outputs, "rtb-pub0a")["Routes"]
    routes += [_route("pl-7ca54015", GatewayId="vpce-gw0a"),
               _route("10.20.0.0/16", InstanceId="i-web0a", NetworkInterfaceId="eni-web0a"),
               _route("10.21.0.0/16", NetworkInterfaceId="eni-app0a"),
               _route("10.22.0.0/16", GatewayId="vgw-0a"),
               _route("10.23.0.0/16", VpcEndpointId="vpce-gwlb0a")]
    table = load(outputs, tmp_path).get("rtb-pub0a", m.RouteTable)
    kinds = {r.destination: (r.target_kind, r.target_id) for r in table.routes}
    assert kinds == {"10.0.0.0/16": ("local", "local"), "0.0.0.0/0": ("igw", "igw-0a"),
                     "pl-7ca54015": ("gateway-endpoint", "vpce-gw0a"),
                     "10.20.0.0/16": ("eni", "eni-web0a"), "10.21.0.0/16": ("eni", "eni-app0a"),
                     "10.22.0.0/16": ("vgw", "vgw-0a"), "10.23.0.0/16": ("gwlb-endpoint", "vpce-gwlb0a")}


def test_security_group_protocols_ports_and_peers(tmp_path):
    outputs = describe_outputs()
    outputs["SecurityGroups"][0]["IpPermissions"].append(
        {"IpProtocol": 17, "FromPort": 53, "ToPort": 53, "IpRanges": [], "Ipv6Ranges": [],
         "PrefixListIds": [{"PrefixListId": "pl-7ca54015"}], "UserIdGroupPairs": []})
    topology = load(outputs, tmp_path)
    web, app = topology.get("sg-web0a", m.SecurityGroup), topology.get("sg-app0a", m.SecurityGroup)
    assert [(r.ip_protocol, r.from_port, r.to_port, r.peer) for r in web.ingress] == [
        (6, 443, 443, "0.0.0.0/0"), (1, 8, -1, "0.0.0.0/0"), (17, 53, 53, "pl-7ca54015")]
    assert [(r.ip_protocol, r.from_port, r.peer) for r in app.ingress] == [(6, 8080, "sg-web0a"),
                                                                        (50, None, "10.0.0.0/16")]
    assert [(r.ip_protocol, r.peer) for r in web.egress] == [(-1, "0.0.0.0/0")]


def test_security_group_rules_decide_traces(tmp_path):
    """R104/R109: app admits tcp 8080 from web's members and ESP (protocol 50) from the VPC."""
    net = network(describe_outputs(), tmp_path)
    assert net.trace_flow("i-web0a", "10.0.2.10", "tcp", dport=8080).delivered_to == "i-app0a"
    assert net.trace_flow("i-web0a", "10.0.2.10", 50).delivered_to == "i-app0a"
    assert_dropped(net.trace_flow("i-web0a", "10.0.2.10", "tcp", dport=22), "ENI_SG_RULES_MISMATCH")
    assert net.trace_flow("i-app0a", "10.0.1.10", "icmp").delivered_to == "i-web0a"  # icmp type 8, any code


def test_network_acl_entries_skip_the_implicit_rule_and_keep_ports_and_icmp(tmp_path):
    outputs = describe_outputs()
    acl = outputs["NetworkAcls"][0]
    acl["Entries"][:0] = [
        {"RuleNumber": 90, "Protocol": "6", "RuleAction": "deny", "Egress": False, "CidrBlock": "10.0.1.0/24",
         "PortRange": {"From": 8080, "To": 8081}},
        {"RuleNumber": 95, "Protocol": "1", "RuleAction": "deny", "Egress": False, "CidrBlock": "0.0.0.0/0",
         "IcmpTypeCode": {"Type": 8, "Code": -1}}]
    net = network(outputs, tmp_path)
    entries = net.topology.get("acl-0a", m.NetworkAcl).entries
    assert 32767 not in {e.rule_number for e in entries}  # R113: implicit in the model
    assert (entries[0].port_from, entries[0].port_to, entries[1].icmp_type, entries[1].icmp_code) == (8080, 8081, 8, -1)
    assert_dropped(net.trace_flow("i-web0a", "10.0.2.10", "tcp", dport=8080), "SUBNET_ACL_RESTRICTION")
    assert_dropped(net.trace_flow("i-web0a", "10.0.2.10", "icmp"), "SUBNET_ACL_RESTRICTION")


def test_the_fixture_network_forwards_as_aws_does(tmp_path):
    """Baseline for the filters below: web leaves through the IGW, app through NAT then IGW (R120, R122)."""
    net = network(describe_outputs(), tmp_path)
    assert net.trace_flow("i-web0a", "8.8.8.8").path == ["i-web0a", "igw-0a", "internet"]
    assert net.trace_flow("i-app0a", "8.8.8.8").path == ["i-app0a", "nat-0a", "igw-0a", "internet"]


def test_instances_listed_only_in_describe_instances_get_their_interfaces_from_it(tmp_path):
    outputs = describe_outputs()
    outputs["NetworkInterfaces"] = [e for e in outputs["NetworkInterfaces"] if e["InterfaceType"] != "interface"]
    net = network(outputs, tmp_path)
    eni = net.topology.get("eni-web0a", m.NetworkInterface)
    assert (eni.attachment_instance_id, eni.association_public_ip, eni.groups) == ("i-web0a", "203.0.113.10",
                                                                                   ["sg-web0a"])
    assert net.trace_flow("i-web0a", "8.8.8.8").verdict == "exited"


def test_a_nat_gateway_without_collected_interfaces_still_has_its_interface(tmp_path):
    outputs = describe_outputs()
    del outputs["NetworkInterfaces"]
    net = network(outputs, tmp_path)
    eni = net.topology.get("eni-nat0a", m.NetworkInterface)
    assert (eni.private_ip_addresses, eni.association_public_ip) == (["10.0.1.50"], "198.51.100.50")
    assert net.trace_flow("i-app0a", "8.8.8.8").path == ["i-app0a", "nat-0a", "igw-0a", "internet"]


def test_elastic_ips_and_secondary_addresses(tmp_path):
    outputs = describe_outputs()
    app = outputs["NetworkInterfaces"][1]
    app["PrivateIpAddresses"].append({"PrivateIpAddress": "10.0.2.11", "Primary": False,
                                      "Association": {"PublicIp": "203.0.113.11", "AllocationId": "eipalloc-2"}})
    outputs["Addresses"] = [{"AllocationId": "eipalloc-1", "PublicIp": "203.0.113.10", "Domain": "vpc",
                             "NetworkInterfaceId": "eni-web0a", "PrivateIpAddress": "10.0.1.10"}]
    topology = load(outputs, tmp_path)
    assert topology.get("eni-app0a").private_ip_addresses == ["10.0.2.10", "10.0.2.11"]
    assert (topology.get("eipalloc-2").public_ip, topology.get("eipalloc-2").private_ip_address) == (
        "203.0.113.11", "10.0.2.11")
    assert topology.get("eipalloc-1", m.ElasticIp).network_interface_id == "eni-web0a"


def test_interface_and_gateway_endpoints(tmp_path):
    outputs = describe_outputs()
    endpoint_eni = _eni("eni-vpce0a", "subnet-app0a", "vpc-0a", "10.0.2.100", ["sg-web0a"], zone=f"{REGION}b")
    endpoint_eni.update(InterfaceType="vpc_endpoint", RequesterManaged=True)
    outputs["NetworkInterfaces"].append(endpoint_eni)
    outputs["VpcEndpoints"] = [
        {"VpcEndpointId": "vpce-if0a", "VpcEndpointType": "Interface", "VpcId": "vpc-0a", "State": "available",
         "ServiceName": f"com.amazonaws.{REGION}.dynamodb", "SubnetIds": ["subnet-app0a"],
         "NetworkInterfaceIds": ["eni-vpce0a"], "Groups": [{"GroupId": "sg-web0a"}], "PrivateDnsEnabled": True}]
    net = network(outputs, tmp_path)
    endpoint = net.topology.get("vpce-if0a", m.InterfaceEndpoint)
    assert (endpoint.network_interface_ids, endpoint.groups) == (["eni-vpce0a"], ["sg-web0a"])
    assert net.trace_flow("i-app0a", "10.0.2.100").delivered_to == "vpce-if0a"  # R45, R48


def test_ipv6_data_is_skipped_with_one_warning(tmp_path):
    outputs = describe_outputs()
    outputs["SecurityGroups"][0]["IpPermissions"][0]["Ipv6Ranges"] = [{"CidrIpv6": "::/0"}]
    route_table(outputs, "rtb-pub0a")["Routes"].append(
        {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1", "State": "active"})
    topology = load(outputs, tmp_path)
    assert [w for w in topology.warnings if "IPv4 only" in w] == [topology.warnings[-1]]
    assert "1 IPv6 routes" in topology.warnings[-1] and "1 security group IPv6 ranges" in topology.warnings[-1]
    assert len(topology.get("rtb-pub0a").routes) == 2


# --- prefix lists --------------------------------------------------------------------------------


def _customer_list(entries=None) -> dict:
    pl = {"PrefixListId": "pl-0c0ffee", "PrefixListName": "partners", "AddressFamily": "IPv4", "MaxEntries": 5,
          "OwnerId": ACCOUNT, "State": "create-complete", "Version": 1, "Tags": []}
    if entries is not None:
        pl["Entries"] = [{"Cidr": c, "Description": ""} for c in entries]
    return pl


def test_customer_prefix_list_entries_inside_the_list_and_in_an_entries_file_are_merged(tmp_path):
    outputs = describe_outputs()
    outputs["ManagedPrefixLists"] = [_customer_list(["192.0.2.0/25"])]
    route_table(outputs, "rtb-app0a")["Routes"].append(_route("pl-0c0ffee", GatewayId="igw-0a"))
    folder = write_outputs(tmp_path / "aws_configs", outputs)
    (folder / "partners-entries.json").write_text(json.dumps(
        {"PrefixListId": "pl-0c0ffee", "Entries": [{"Cidr": "192.0.2.128/25"}, {"Cidr": "192.0.2.0/25"}]}))
    net = emulator.load(tmp_path)
    pl = net.topology.get("pl-0c0ffee", m.PrefixList)
    assert (pl.cidrs, pl.max_entries, pl.aws_managed) == (["192.0.2.0/25", "192.0.2.128/25"], 5, False)
    # R27: the list route (one /25 per entry) beats 0/0 -> NAT, so app goes straight to the IGW,
    # which drops it: app has no public IP (R121).
    assert_dropped(net.trace_flow("i-app0a", "192.0.2.200"), "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS")


def test_entries_of_a_list_nobody_describes_are_an_error(tmp_path):
    folder = write_outputs(tmp_path / "aws_configs", describe_outputs())
    (folder / "entries.json").write_text(json.dumps({"PrefixListId": "pl-0ghost",
                                                     "Entries": [{"Cidr": "192.0.2.0/24"}]}))
    with pytest.raises(InputError, match="pl-0ghost") as caught:
        load_aws_directory(tmp_path)
    assert caught.value.file.endswith("entries.json")


def test_an_aws_managed_list_without_cidrs_uses_the_shipped_snapshot_with_a_warning(tmp_path):
    """moto's describe-prefix-lists returns no Cidrs (moto-quirks.md); AWS's lists are data (R30)."""
    outputs = describe_outputs()
    outputs["PrefixLists"] = [{"PrefixListId": "pl-7ca54015", "PrefixListName": f"com.amazonaws.{REGION}.s3"}]
    topology = load(outputs, tmp_path)
    pl = topology.get("pl-7ca54015", m.PrefixList)
    assert pl.cidrs and pl.region == REGION
    assert any("pl-7ca54015" in w and "snapshot" in w for w in topology.warnings)


def test_prefix_lists_from_the_data_replace_the_shipped_ones(tmp_path):
    outputs = describe_outputs()
    outputs["PrefixLists"] = [{"PrefixListId": "pl-7ca54015", "PrefixListName": f"com.amazonaws.{REGION}.s3",
                               "Cidrs": ["192.0.2.0/24"]}]
    assert load(outputs, tmp_path).get("pl-7ca54015", m.PrefixList).cidrs == ["192.0.2.0/24"]


# --- state filters ---------------------------------------------------------------------------------


def test_only_running_instances_count_and_their_interfaces_go_with_them(tmp_path):
    outputs = describe_outputs()
    stopped = outputs["Reservations"][0]["Instances"][1]
    stopped["State"] = {"Code": 80, "Name": "stopped"}
    net = network(outputs, tmp_path)
    assert net.topology.get("i-app0a") is None and net.topology.get("eni-app0a") is None
    assert_dropped(net.trace_flow("i-web0a", "10.0.2.10", "tcp", dport=8080), "NO_ENI_FOR_DESTINATION")


def test_an_active_route_to_a_stopped_instance_is_kept_as_blackhole_with_a_warning(tmp_path):
    """R17: the route stays in LPM and drops; no fallback to 0/0 -> NAT."""
    outputs = describe_outputs()
    outputs["Reservations"][0]["Instances"][0]["State"] = {"Code": 80, "Name": "stopped"}
    route_table(outputs, "rtb-app0a")["Routes"].append(
        _route("192.0.2.0/24", InstanceId="i-web0a", NetworkInterfaceId="eni-web0a"))
    net = network(outputs, tmp_path)
    [warning] = [w for w in net.topology.warnings if "192.0.2.0/24" in w]
    assert "eni-web0a" in warning and "stopped" in warning and "blackhole" in warning
    assert warning.startswith(str(tmp_path / "aws_configs" / "RouteTables.json"))
    assert_dropped(net.trace_flow("i-app0a", "192.0.2.1"), "BLACKHOLE_ROUTE")


def test_a_deleted_peering_is_ignored_and_a_blackhole_route_to_it_stays_quiet(tmp_path):
    outputs = describe_outputs()
    outputs["VpcPeeringConnections"] = [{"VpcPeeringConnectionId": "pcx-old", "Status": {"Code": "deleted"},
                                         "RequesterVpcInfo": {"VpcId": "vpc-0a"},
                                         "AccepterVpcInfo": {"VpcId": "vpc-gone"}}]
    route_table(outputs, "rtb-app0a")["Routes"].append(
        _route("10.9.0.0/16", state="blackhole", VpcPeeringConnectionId="pcx-old"))
    net = network(outputs, tmp_path)
    assert net.topology.get("pcx-old") is None
    assert net.topology.warnings == []
    assert_dropped(net.trace_flow("i-app0a", "10.9.0.1"), "BLACKHOLE_ROUTE")


@pytest.mark.parametrize("make_unusable, reason", [
    (lambda o: o["NatGateways"][0].update(State="pending"), "pending"),
    (lambda o: o["InternetGateways"][0]["Attachments"][0].update(State="detached"), "not attached"),
    (lambda o: o["VpcPeeringConnections"][0]["Status"].update(Code="expired"), "expired"),
    (lambda o: o["VpcEndpoints"][0].update(State="pendingAcceptance"), "pendingAcceptance"),
])
def test_an_active_route_to_a_filtered_target_becomes_blackhole(tmp_path, make_unusable, reason):
    """NAT gateways and endpoints must be available, IGWs attached, peerings active (R17, R77)."""
    outputs = describe_outputs()
    outputs["Vpcs"].append({"VpcId": "vpc-peer", "CidrBlock": "10.7.0.0/16", "OwnerId": ACCOUNT,
                            "EnableDnsSupport": {"Value": True}, "EnableDnsHostnames": {"Value": False}})
    outputs["VpcPeeringConnections"] = [{"VpcPeeringConnectionId": "pcx-0a", "Status": {"Code": "active"},
                                         "RequesterVpcInfo": {"VpcId": "vpc-0a", "OwnerId": ACCOUNT},
                                         "AccepterVpcInfo": {"VpcId": "vpc-peer", "OwnerId": ACCOUNT}}]
    outputs["VpcEndpoints"] = [{"VpcEndpointId": "vpce-gw0a", "VpcEndpointType": "Gateway", "VpcId": "vpc-0a",
                                "State": "available", "ServiceName": f"com.amazonaws.{REGION}.s3",
                                "RouteTableIds": ["rtb-app0a"]}]
    routes = route_table(outputs, "rtb-app0a")["Routes"]
    routes.append(_route("pl-7ca54015", GatewayId="vpce-gw0a"))
    route_table(outputs, "rtb-pub0a")["Routes"].append(_route("10.7.0.0/16", VpcPeeringConnectionId="pcx-0a"))
    make_unusable(outputs)
    topology = load(outputs, tmp_path)
    blackholed = [(t.route_table_id, r.target_id) for t in topology.all(m.RouteTable) for r in t.routes
                  if r.state == "blackhole"]
    assert len(blackholed) == 1
    table_id, target = blackholed[0]
    [warning] = topology.warnings
    assert target in warning and reason in warning and table_id in warning
    assert topology.get(target) is None or isinstance(topology.get(target), m.InternetGateway)


def test_a_route_to_a_target_missing_from_collected_data_is_left_for_validation(tmp_path):
    outputs = describe_outputs()
    route_table(outputs, "rtb-app0a")["Routes"].append(_route("192.0.2.0/24", NatGatewayId="nat-missing"))
    topology = load(outputs, tmp_path)
    assert topology.warnings == []
    with pytest.raises(InputError, match="nat-missing") as caught:
        validate(topology)
    assert caught.value.file == str(tmp_path / "aws_configs" / "RouteTables.json")
    assert caught.value.resource.startswith("rtb-app0a")


def test_a_route_to_a_kind_of_resource_that_was_not_collected_becomes_blackhole(tmp_path):
    """The folder holds no InternetGateways output at all: igw-0a cannot be followed, and saying so
    beats guessing (a Batfish snapshot of only some describe outputs looks like this)."""
    outputs = describe_outputs()
    del outputs["InternetGateways"]
    net = network(outputs, tmp_path)
    [warning] = net.topology.warnings
    assert "0.0.0.0/0 -> igw-0a" in warning and "InternetGateways" in warning
    assert_dropped(net.trace_flow("i-web0a", "8.8.8.8"), "BLACKHOLE_ROUTE")


def test_routes_to_transit_gateways_that_were_not_collected_are_blackholes(tmp_path):
    """No TransitGateways output at all: the route cannot be followed (R17). With the TGW in the data
    the route stays active: tests/inputs/test_aws_json_transit.py."""
    outputs = describe_outputs()
    route_table(outputs, "rtb-app0a")["Routes"].append(_route("10.8.0.0/16", TransitGatewayId="tgw-0a"))
    net = network(outputs, tmp_path)
    assert any("tgw-0a" in w and "no TransitGateways output was collected" in w for w in net.topology.warnings)
    assert_dropped(net.trace_flow("i-app0a", "10.8.0.1"), "BLACKHOLE_ROUTE")


# --- errors: one line naming the file --------------------------------------------------------------


def _error(tmp_path: Path, files: dict[str, str]) -> InputError:
    folder = tmp_path / "aws_configs"
    write_outputs(folder, describe_outputs())
    for name, text in files.items():
        (folder / name).write_text(text)
    with pytest.raises(InputError) as caught:
        load_aws_directory(tmp_path)
    assert "\n" not in str(caught.value)
    return caught.value


def test_malformed_json_is_one_line_naming_the_file(tmp_path):
    error = _error(tmp_path, {"Subnets.json": '{"Subnets": [\n  {"SubnetId": "subnet-1",}\n]}'})
    assert error.file == str(tmp_path / "aws_configs" / "Subnets.json")
    assert "malformed JSON" in error.message and "line 2" in error.message


@pytest.mark.parametrize("text, field, words", [
    ('[{"VpcId": "vpc-1"}]', None, "expected a JSON object"),
    ('{"Vpcs": {"VpcId": "vpc-1"}}', "Vpcs", "expected a JSON array, got an object"),
    ('{"Vpcs": ["vpc-1"]}', "Vpcs[0]", "expected an object, got a string"),
    ('{"Vpcs": [{"CidrBlock": "10.0.0.0/16"}]}', "VpcId", "required field is missing"),
    ('{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": 10}]}', "CidrBlock", "expected a string, got a number"),
    ('{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "IsDefault": "no"}]}', "IsDefault",
     "expected true or false"),
])
def test_wrong_shapes_and_types_name_the_file_and_field(tmp_path, text, field, words):
    error = _error(tmp_path, {"extra.json": text})
    assert error.file.endswith("extra.json") and error.field == field and words in error.message


def test_a_bad_nested_value_names_the_resource_and_the_path_to_the_field(tmp_path):
    outputs = describe_outputs()
    outputs["SecurityGroups"][0]["IpPermissions"][1]["FromPort"] = "eight"
    with pytest.raises(InputError) as caught:
        load(outputs, tmp_path)
    assert (caught.value.resource, caught.value.field) == ("sg-web0a", "IpPermissions[1].FromPort")
    assert caught.value.line().startswith(str(tmp_path / "aws_configs" / "SecurityGroups.json") + ": sg-web0a: ")


def test_an_unknown_protocol_is_an_error(tmp_path):
    outputs = describe_outputs()
    outputs["NetworkAcls"][0]["Entries"][0]["Protocol"] = "gre"
    with pytest.raises(InputError, match="protocol") as caught:
        load(outputs, tmp_path)
    assert caught.value.field == "Entries[0].Protocol"


def test_a_folder_without_json_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")
    with pytest.raises(InputError, match="no AWS JSON"):
        load_aws_directory(tmp_path)


def test_the_cli_reports_bad_json_in_one_line_and_exits_2(tmp_path, capsys):
    folder = write_outputs(tmp_path / "aws_configs", describe_outputs())
    (folder / "Vpcs.json").write_text("{not json")
    assert vpcemu(["trace", str(tmp_path), "--from", "i-web0a", "--to", "8.8.8.8"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"vpcemu: {folder / 'Vpcs.json'}: malformed JSON")


# --- origins -----------------------------------------------------------------------------------


def test_origins_name_the_file_each_resource_came_from(tmp_path):
    topology = load(describe_outputs(), tmp_path)
    folder = tmp_path / "aws_configs"
    expected = {"vpc-0a": "Vpcs.json", "subnet-app0a": "Subnets.json", "rtb-app0a": "RouteTables.json",
                "sg-app0a": "SecurityGroups.json", "acl-0a": "NetworkAcls.json", "igw-0a": "InternetGateways.json",
                "nat-0a": "NatGateways.json", "eni-app0a": "NetworkInterfaces.json", "i-app0a": "Reservations.json"}
    assert {rid: topology.origins[rid] for rid in expected} == {rid: str(folder / f) for rid, f in expected.items()}


def test_validation_errors_name_the_file_of_the_faulty_resource(tmp_path):
    outputs = describe_outputs()
    outputs["Subnets"][1]["CidrBlock"] = "10.1.2.0/24"
    with pytest.raises(InputError, match="outside") as caught:
        network(outputs, tmp_path)
    assert caught.value.line().startswith(f"{tmp_path / 'aws_configs' / 'Subnets.json'}: subnet-app0a (app): CidrBlock")


def test_a_static_and_a_propagated_route_to_one_prefix_both_import_and_the_static_one_wins(tmp_path):
    """R10, AWS's own example: 172.31.0.0/24 both static (to an ENI) and propagated from a VGW."""
    outputs = describe_outputs()
    routes = route_table(outputs, "rtb-app0a")["Routes"]
    routes.append(_route("10.50.0.0/24", NetworkInterfaceId="eni-web0a"))
    routes.append(_route("10.50.0.0/24", origin="EnableVgwRoutePropagation", GatewayId="vgw-0a"))
    net = network(outputs, tmp_path)
    table = net.topology.get("rtb-app0a", m.RouteTable)
    assert [(r.target_id, r.origin) for r in table.routes if r.destination == "10.50.0.0/24"] == [
        ("eni-web0a", "CreateRoute"), ("vgw-0a", "EnableVgwRoutePropagation")]
    trace = net.trace_flow("i-app0a", "10.50.0.9", "tcp", 40000, 443)
    assert trace.crosses("eni-web0a"), trace.render()
    assert not trace.crosses("vgw-0a"), trace.render()


def test_vpcemu_import_keeps_a_static_and_a_propagated_route_to_one_prefix(tmp_path, capsys):
    """R10: `vpcemu import` writes both, and the YAML it writes loads with the static one winning."""
    from emulator.cli import main

    outputs = describe_outputs()
    routes = route_table(outputs, "rtb-app0a")["Routes"]
    routes.append(_route("10.50.0.0/24", NetworkInterfaceId="eni-web0a"))
    routes.append(_route("10.50.0.0/24", origin="EnableVgwRoutePropagation", GatewayId="vgw-0a"))
    write_outputs(tmp_path / "aws_configs", outputs)
    assert main(["import", str(tmp_path), "-o", str(tmp_path / "net.yaml")]) == 0, capsys.readouterr().err
    trace = emulator.load(tmp_path / "net.yaml").trace_flow("app", "10.50.0.9", "tcp", 40000, 443)
    assert trace.crosses("eni-web0a") and not trace.crosses("vgw-0a"), trace.render()


def test_pages_saved_one_after_another_in_one_file_are_all_read(tmp_path):
    """`aws … --max-items N --starting-token T >> subnets.json` appends a page per command."""
    outputs = describe_outputs()
    subnets = outputs.pop("Subnets")
    folder = write_outputs(tmp_path / "aws_configs", outputs)
    pages = [{"Subnets": subnets[:1], "NextToken": "eyJ0b2tlbiI6IDF9"}, {"Subnets": subnets[1:]}]
    (folder / "subnets.json").write_text("\n".join(json.dumps(p, indent=4) for p in pages))
    topology = load_aws_directory(folder)
    assert {s.subnet_id for s in topology.all(m.Subnet)} == {"subnet-pub0a", "subnet-app0a"}


def test_an_entries_file_is_tied_to_its_list_by_the_id_in_its_name_or_left_out_with_a_warning(tmp_path):
    outputs = describe_outputs()
    outputs["ManagedPrefixLists"] = [{"PrefixListId": "pl-0123456789abcdef0", "AddressFamily": "IPv4",
                                      "State": "create-complete", "PrefixListName": "office", "MaxEntries": 5,
                                      "OwnerId": ACCOUNT}]
    folder = write_outputs(tmp_path / "aws_configs", outputs)
    (folder / "office-pl-0123456789abcdef0.json").write_text(json.dumps({"Entries": [{"Cidr": "192.0.2.0/24"}]}))
    (folder / "entries.json").write_text(json.dumps({"Entries": [{"Cidr": "198.51.100.0/24"}]}))
    topology = load_aws_directory(folder)
    assert topology.get("pl-0123456789abcdef0", m.PrefixList).cidrs == ["192.0.2.0/24"]
    [untied] = [w for w in topology.warnings if "entries.json" in w]
    assert "get-managed-prefix-list-entries" in untied and "ignored" in untied


def test_a_file_of_no_known_describe_output_is_named_in_a_warning(tmp_path):
    folder = write_outputs(tmp_path / "aws_configs", describe_outputs())
    (folder / "notes.json").write_text(json.dumps({"Owner": "network team"}))
    (folder / "flowlogs.json").write_text(json.dumps({"FlowLogs": [{"FlowLogId": "fl-1"}]}))
    topology = load_aws_directory(folder)
    [unknown] = [w for w in topology.warnings if "not recognised" in w]
    assert "notes.json" in unknown
    assert any("recognised but not modelled" in w and "1 FlowLogs" in w for w in topology.warnings)
