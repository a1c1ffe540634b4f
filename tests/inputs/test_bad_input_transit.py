"""Bad peering and transit gateway input (issue 3, acceptance 4): one clear line on stderr naming
the file, the resource and the field, exit status 2, no traceback, nothing on stdout. Each case is
run through the `vpcemu` command in a subprocess, from YAML and, where AWS JSON can hold the
mistake, from a folder of describe-* outputs."""
from __future__ import annotations

import json

from tests.inputs.test_aws_json import write_outputs
from tests.inputs.test_aws_json_transit import listing, route_table_entry, static, transit_gateway, two_spokes
from tests.inputs.test_bad_input import assert_one_clear_line, vpcemu

GOOD = """\
regions:
  eu-west-2:
    vpcs:
      a:
        cidr_blocks: [10.1.0.0/16]
        route_tables: {main: {main: true, routes: [{destination: 10.2.0.0/16, target: hub}]}}
        subnets: {app: {cidr_block: 10.1.1.0/24}, tgw: {cidr_block: 10.1.255.0/28}}
        instances: {host-a: {subnet: app, private_ip: 10.1.1.10}}
      b:
        cidr_blocks: [10.2.0.0/16]
        route_tables: {main: {main: true, routes: [{destination: 10.1.0.0/16, target: hub}]}}
        subnets: {app: {cidr_block: 10.2.1.0/24}, tgw: {cidr_block: 10.2.255.0/28}}
        security_groups: {open: {ingress: [{protocol: all, from: 10.0.0.0/8}]}}
        instances: {host-b: {subnet: app, private_ip: 10.2.1.10, security_groups: [open]}}
    transit_gateways:
      hub:
        default_route_table_association: false
        attachments:
          att-a: {vpc: a, subnets: [tgw]}
          att-b: {vpc: b, subnets: [tgw]}
        route_tables:
          main: {default: true, associations: [att-a, att-b]}
      other:
        attachments: {}
        route_tables:
          spare: {}
"""


def yaml_case(tmp_path, old: str, new: str):
    assert old in GOOD, old
    path = tmp_path / "net.yaml"
    path.write_text(GOOD.replace(old, new))
    return path, vpcemu("trace", path, "--from", "host-a", "--to", "10.2.1.10")


def test_the_good_topology_traces(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(GOOD)
    result = vpcemu("trace", path, "--from", "host-a", "--to", "10.2.1.10", "--return")
    assert result.returncode == 0 and "=> DELIVERED" in result.stdout, result.stderr


# --- YAML ----------------------------------------------------------------------------------------------


def test_yaml_peering_between_overlapping_vpcs(tmp_path):
    path, result = yaml_case(tmp_path, "cidr_blocks: [10.2.0.0/16]",
                             "cidr_blocks: [10.2.0.0/16, 10.1.128.0/17]")
    path.write_text(path.read_text() + "peering_connections:\n  ab: {requester: a, accepter: b}\n")
    result = vpcemu("trace", path, "--from", "host-a", "--to", "10.2.1.10")
    assert_one_clear_line(result, str(path), "(ab)", "AccepterVpcInfo", "10.1.128.0/17", "R78")


def test_yaml_a_second_peering_between_the_same_vpcs(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(GOOD + "peering_connections:\n  ab: {requester: a, accepter: b}\n  ba: {requester: b, accepter: a}\n")
    result = vpcemu("trace", path, "--from", "host-a", "--to", "10.2.1.10")
    assert_one_clear_line(result, str(path), "(ba)", "already peered", "R77")


def test_yaml_attachment_to_a_subnet_of_another_vpc(tmp_path):
    path, result = yaml_case(tmp_path, "att-b: {vpc: b, subnets: [tgw]}", "att-b: {vpc: b, subnets: [a/tgw]}")
    assert_one_clear_line(result, str(path), "att-b", "SubnetIds", "not to the attached VPC")


def test_yaml_association_with_another_transit_gateways_route_table(tmp_path):
    path, result = yaml_case(tmp_path, "spare: {}", "spare: {associations: [att-b]}")
    assert_one_clear_line(result, str(path), "spare", "Associations", "att-b", "not to")


def test_yaml_static_route_to_a_missing_attachment(tmp_path):
    path, result = yaml_case(tmp_path, "main: {default: true, associations: [att-a, att-b]}",
                             "main: {default: true, associations: [att-a, att-b], "
                             "routes: [{destination: 10.9.0.0/16, attachment: att-z}]}")
    assert_one_clear_line(result, str(path), "routes[0]", "attachment", "unknown transit gateway attachment 'att-z'")


def test_yaml_a_second_association_for_one_attachment(tmp_path):
    path, result = yaml_case(tmp_path, "main: {default: true, associations: [att-a, att-b]}",
                             "main: {default: true, associations: [att-a, att-b]}\n"
                             "          more: {associations: [att-b]}")
    assert_one_clear_line(result, str(path), "route_tables.more", "associations", "already associated", "R91")


# --- AWS JSON ------------------------------------------------------------------------------------------


def json_case(tmp_path, change) -> tuple:
    outputs = two_spokes()
    change(outputs)
    folder = write_outputs(tmp_path / "aws_configs", outputs)
    return folder, vpcemu("trace", tmp_path, "--from", "i-app0a", "--to", "10.1.2.10", "--dport", "22")


def test_json_the_unchanged_outputs_trace(tmp_path):
    _, result = json_case(tmp_path, lambda o: None)
    assert result.returncode == 0 and "=> DELIVERED" in result.stdout, result.stderr


def test_json_peering_between_overlapping_vpcs(tmp_path):
    def change(outputs):
        outputs["Vpcs"][1]["CidrBlockAssociationSet"].append(
            {"CidrBlock": "10.0.128.0/17", "CidrBlockState": {"State": "associated"}})
        outputs["VpcPeeringConnections"] = [{
            "VpcPeeringConnectionId": "pcx-0ab", "Status": {"Code": "active"},
            "RequesterVpcInfo": {"VpcId": "vpc-0a", "OwnerId": "111122223333", "Region": "eu-west-2"},
            "AccepterVpcInfo": {"VpcId": "vpc-0b", "OwnerId": "111122223333", "Region": "eu-west-2"}}]
    folder, result = json_case(tmp_path, change)
    assert_one_clear_line(result, str(folder / "VpcPeeringConnections.json"), "pcx-0ab", "AccepterVpcInfo", "R78")


def test_json_attachment_to_a_subnet_of_another_vpc(tmp_path):
    folder, result = json_case(tmp_path, lambda o: o["TransitGatewayVpcAttachments"][0].update(
        SubnetIds=["subnet-app0b"]))
    assert_one_clear_line(result, str(folder / "TransitGatewayVpcAttachments.json"), "tgw-attach-0a", "SubnetIds",
                          "belongs to vpc-0b")


def test_json_association_with_another_transit_gateways_route_table(tmp_path):
    def change(outputs):
        outputs["TransitGateways"].append(transit_gateway("tgw-0other", "tgw-rtb-0other"))
        outputs["TransitGatewayRouteTables"].append(route_table_entry("tgw-rtb-0other", "tgw-0other"))
        outputs["TransitGatewayAttachments"][0]["Association"]["TransitGatewayRouteTableId"] = "tgw-rtb-0other"
    folder, result = json_case(tmp_path, change)
    assert_one_clear_line(result, str(folder / "TransitGatewayAttachments.json"), "tgw-attach-0a",
                          "Association.TransitGatewayRouteTableId", "tgw-rtb-0other is a route table of tgw-0other")


def test_json_static_route_to_a_missing_attachment(tmp_path):
    folder, result = json_case(tmp_path, lambda o: o["TransitGatewayStaticRoutes"][0].update(
        Routes=[static("10.9.0.0/16", "tgw-attach-0missing")]))
    assert_one_clear_line(result, str(folder / "TransitGatewayStaticRoutes.json"), "tgw-rtb-0h",
                          "Routes[0].TransitGatewayAttachments[0].TransitGatewayAttachmentId", "no such attachment")


def test_json_a_second_association_for_one_attachment(tmp_path):
    def change(outputs):
        outputs["TransitGatewayRouteTables"].append(route_table_entry("tgw-rtb-0second", default=False))
    folder, _ = json_case(tmp_path, change)
    (folder / "TransitGatewayAttachments-again.json").write_text(json.dumps(
        {"TransitGatewayAttachments": [listing("tgw-attach-0b", "vpc-0b", "tgw-rtb-0second")]}))
    result = vpcemu("trace", tmp_path, "--from", "i-app0a", "--to", "10.1.2.10")
    assert_one_clear_line(result, "TransitGatewayAttachments", "tgw-attach-0b", "Association.TransitGatewayRouteTableId",
                          "one route table per attachment (R91)")
