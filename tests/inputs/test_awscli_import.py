"""An account saved by the real AWS CLI, one file per command under ordinary names, imports with
warnings only and traces as AWS would (tests/inputs/awscli_snapshot.py builds and saves it).

The design: `web` in the public subnet of the dual-stack `app` VPC takes HTTPS from the office
prefix list `corp` and SSH from the VPC; `app` in the private subnet takes 8080 from web's group and
reaches S3 through a gateway endpoint; `client` in the `data` VPC reaches DynamoDB through an
interface endpoint by the service's own name (R50).
"""
from __future__ import annotations

import json
import shutil

import pytest

import emulator
from emulator.cli import main
from tests.inputs.awscli_snapshot import CORP_CIDR, REGION, build_network, dump
from tests.moto_server import MotoServer
from tests.paths import assert_dropped

DYNAMODB_NAME = f"dynamodb.{REGION}.amazonaws.com"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(ids, snapshot with describe-vpc-attribute files, the same without them)."""
    with MotoServer() as server:
        built = build_network(server)
        with_attributes = tmp_path_factory.mktemp("with-attributes")
        dump(server, with_attributes)
        without = tmp_path_factory.mktemp("without-attributes")
        shutil.copytree(with_attributes, without, dirs_exist_ok=True)
        for file in (without / REGION).glob("vpc-*-enable*.json"):
            file.unlink()
    return built, with_attributes, without


@pytest.fixture(scope="module")
def net(saved):
    return emulator.load(saved[1])


def test_the_cli_snapshot_imports_with_warnings_only(saved, tmp_path, capsys):
    assert main(["import", str(saved[1]), "-o", str(tmp_path / "account.yaml")]) == 0
    err = capsys.readouterr().err
    assert all(line.startswith("vpcemu: warning: ") for line in err.splitlines()), err
    [ipv6] = [line for line in err.splitlines() if "models IPv4 only" in line]
    for skipped in ("IPv6 prefix lists", "IPv6-only subnets", "VPC IPv6 CIDR blocks", "IPv6 routes",
                    "security group IPv6 ranges", "security group rules to IPv6 prefix lists"):
        assert skipped in ipv6, ipv6
    assert "recognised but not modelled by vpcemu, so ignored: 1 EgressOnlyInternetGateways" in err
    assert "not recognised" not in err
    emulator.load(tmp_path / "account.yaml")


def test_the_managed_prefix_lists_output_keeps_the_customer_list_and_its_entries(net, saved):
    """describe-managed-prefix-lists prints `PrefixLists`, like describe-prefix-lists; the entries
    come from get-managed-prefix-list-entries saved as `pl-….json`."""
    corp = net.topology.get(saved[0]["corp"])
    assert (corp.prefix_list_name, corp.owner_id, corp.cidrs) == ("corp", "123456789012", [CORP_CIDR])
    assert net.topology.get(saved[0]["corp6"]) is None  # IPv6, skipped
    lattice = net.topology.find(f"com.amazonaws.{REGION}.vpc-lattice")
    assert lattice is not None and lattice.aws_managed


def test_the_office_reaches_web_over_https_through_its_prefix_list(net):
    web = net.topology.find("web")
    public = net.topology.get(web.network_interface_ids[0]).association_public_ip
    office = net.trace_flow("internet", public, "tcp", 40000, 443, src="192.0.2.10")
    assert (office.verdict, office.delivered_to) == ("delivered", web.id), office.render()
    stranger = net.trace_flow("internet", public, "tcp", 40000, 443, src="198.51.100.7")
    assert_dropped(stranger, "ENI_SG_RULES_MISMATCH")


def test_web_reaches_app_by_its_group_and_leaves_through_the_internet_gateway(net, saved):
    trace = net.trace_flow("web", "10.0.2.20", "tcp", 40000, 8080)
    assert trace.delivered_to == saved[0]["app"], trace.render()
    out = net.trace_flow("web", "8.8.8.8", "tcp", 40000, 443)
    assert (out.verdict, out.delivered_to) == ("exited", "internet") and out.crosses(saved[0]["igw"]), out.render()


def test_app_reaches_s3_through_the_gateway_endpoint(net, saved):
    s3 = net.resolve(f"s3.{REGION}.amazonaws.com", "app")[0]
    trace = net.trace_flow("app", s3, "tcp", 40000, 443)
    assert trace.delivered_to == f"com.amazonaws.{REGION}.s3" and trace.crosses(saved[0]["s3-endpoint"]), \
        trace.render()


def test_the_gateway_endpoint_forwards_what_its_datas_prefix_list_holds(saved, tmp_path):
    """The data's S3 list wins over vpcemu's snapshot in the route table and the endpoint alike (R30)."""
    root = tmp_path / "snapshot"
    shutil.copytree(saved[1], root)
    managed = json.loads((root / REGION / "managed-prefix-lists.json").read_text())["PrefixLists"]
    s3 = next(p["PrefixListId"] for p in managed if p["PrefixListName"] == f"com.amazonaws.{REGION}.s3")
    (root / REGION / f"{s3}.json").write_text(json.dumps({"Entries": [{"Cidr": "198.18.0.0/24"}]}))
    net = emulator.load(root)
    trace = net.trace_flow("app", "198.18.0.10", "tcp", 40000, 443)
    assert trace.delivered_to == f"com.amazonaws.{REGION}.s3" and trace.crosses(saved[0]["s3-endpoint"]), \
        trace.render()
    assert net.resolve(f"s3.{REGION}.amazonaws.com", "app") == ["198.18.0.10"]


@pytest.mark.parametrize("snapshot", [1, 2], ids=["with-attribute-files", "without-attribute-files"])
def test_private_dns_of_the_interface_endpoint_answers_in_its_vpc(saved, snapshot):
    """R50, R133: with describe-vpc-attribute files the data says both are on; without them, the
    endpoint's PrivateDnsEnabled is the evidence (AWS accepts it only with both on)."""
    net = emulator.load(saved[snapshot])
    endpoint = net.topology.get(saved[0]["dynamodb-endpoint"])
    eni = net.topology.get(endpoint.network_interface_ids[0])
    assert net.resolve(DYNAMODB_NAME, "client") == [eni.private_ip_address]
    inferred = [w for w in net.topology.warnings if "describe-vpc-attribute" in w]
    assert bool(inferred) == (snapshot == 2)
    if inferred:
        assert saved[0]["data-vpc"] in inferred[0] and "both are taken as on" in inferred[0]


def test_the_endpoint_answers_the_dns_names_its_data_lists(net, saved):
    endpoint = net.topology.get(saved[0]["dynamodb-endpoint"])
    eni = net.topology.get(endpoint.network_interface_ids[0])
    [name] = endpoint.dns_names
    assert net.resolve(name, "web") == [eni.private_ip_address]


def test_imds_answers_web_and_not_app_whose_metadata_service_is_off(net):
    served = net.trace_flow("web", "169.254.169.254", "tcp", 40000, 80)
    assert served.delivered_to == "InstanceMetadataService", served.render()
    assert_dropped(net.trace_flow("app", "169.254.169.254", "tcp", 40000, 80), "INSTANCE_METADATA_DISABLED")
