"""PrivateLink in the YAML `vpcemu import` writes (emulator/inputs/yaml_writer_privatelink.py):
load balancers with their node interfaces, target groups, endpoint services, GWLB endpoints and
the consumer endpoints keep their ids and trace the same; what the format cannot hold is warned
about. The JSON round trip itself is in test_aws_json_elb.py."""
from __future__ import annotations

import copy

import emulator
from emulator import model as m
from emulator.inputs.yaml_writer import write_yaml
from tests.conftest import TOPOLOGIES
from tests.inputs.privatelink_json import (APP_SVC, APP_SVC_NAME, CONSUMER, CONSUMER_ENDPOINT, PARTNER,
                                           PARTNER_ENDPOINT, PROVIDER, accounts, write_accounts)
from tests.inputs.test_yaml_writer import assert_same_network


def test_the_seed_round_trips_with_every_id_and_the_same_traces(tmp_path):
    original = emulator.load(TOPOLOGIES / "seed-privatelink.yaml")
    path = tmp_path / "seed.yaml"
    write_yaml(copy.deepcopy(original.topology), path)
    written = emulator.load(path)
    assert {r.id: type(r) for r in written.topology.resources.values()} == {
        r.id: type(r) for r in original.topology.resources.values()}
    assert assert_same_network(original, written) > 1000
    for source, destination in (("client-1", "api.provider.example"), ("partner-1", "10.60.1.100")):
        a, b = original.trace_flow(source, destination), written.trace_flow(source, destination)
        assert (a.verdict, a.code, a.path, a.packet_out) == (b.verdict, b.code, b.path, b.packet_out)
    partner = written.topology.find("partner-endpoint")
    assert partner.requester == "arn:aws:iam::777788889999:role/partner-app"  # R58: who created it is kept


def test_principals_the_format_cannot_hold_are_warned_about(tmp_path):
    data = accounts()
    data[PROVIDER]["AllowedPrincipals"][0]["AllowedPrincipals"].append(
        {"PrincipalType": "OrganizationUnit", "Principal": "arn:aws:organizations::111122223333:ou/o-1/ou-2"})
    net = emulator.load(write_accounts(tmp_path, data))
    assert [w for w in net.topology.warnings if "vpcemu matches only * and IAM ARNs" in w]
    warnings = write_yaml(copy.deepcopy(net.topology), tmp_path / "out.yaml")
    assert [w for w in warnings if APP_SVC in w and "ou/o-1/ou-2" in w and "cannot be written" in w]


def test_an_endpoint_whose_service_is_not_in_the_topology_is_not_written_and_says_so(tmp_path):
    """The provider's account was not collected: the consumer's endpoint is kept by the importer,
    and the writer cannot name its service."""
    data = accounts()
    del data[PROVIDER]
    for account in (CONSUMER, PARTNER):  # describe-vpc-endpoint-services: who owns the service
        data[account]["ServiceDetails"] = [{"ServiceName": APP_SVC_NAME, "ServiceId": APP_SVC, "Owner": PROVIDER,
                                            "ServiceType": [{"ServiceType": "Interface"}]}]
    net = emulator.load(write_accounts(tmp_path, data))
    assert net.topology.get(CONSUMER_ENDPOINT, m.InterfaceEndpoint) is not None
    warnings = write_yaml(copy.deepcopy(net.topology), tmp_path / "out.yaml")
    for endpoint in (CONSUMER_ENDPOINT, PARTNER_ENDPOINT):
        assert [w for w in warnings if endpoint in w and "was not written; not written" in w], endpoint
    assert [w for w in net.topology.warnings if f"belongs to account {PROVIDER}, which was not collected" in w]
    written = emulator.load(tmp_path / "out.yaml")
    assert written.topology.get(CONSUMER_ENDPOINT) is None and written.topology.get("vpc-0c1e2d3c4b5a69788")
