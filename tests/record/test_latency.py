"""The latency model (emulator/record/latency.py): documented defaults in
emulator/data/latency.json, overridable by a topology's `latency:` section; one-way and round-trip
estimates of traced paths; the seeds' public against backbone paths."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import emulator
from emulator.inputs.errors import InputError
from emulator.record.latency import LatencyModel, default_figures, describe
from tests.builders import network_from_yaml
from tests.conftest import ROOT, TOPOLOGIES

SEED = TOPOLOGIES / "seed-endpoints.yaml"
CROSS = TOPOLOGIES / "seed-cross-region.yaml"
S3 = "s3.eu-west-2.amazonaws.com"
DEFAULTS = default_figures()

TWO_AZS = """
    name: azs
    {latency}
    regions:
      eu-west-2:
        vpcs:
          app:
            cidr_blocks: [10.0.0.0/16]
            subnets:
              a: {{cidr_block: 10.0.1.0/24, availability_zone: eu-west-2a}}
              a2: {{cidr_block: 10.0.3.0/24, availability_zone: eu-west-2a}}
              b: {{cidr_block: 10.0.2.0/24, availability_zone: eu-west-2b}}
            instances:
              one: {{subnet: a, private_ip: 10.0.1.10}}
              near: {{subnet: a2, private_ip: 10.0.3.10}}
              far: {{subnet: b, private_ip: 10.0.2.10}}
    """


def two_azs(latency: str = ""):
    return network_from_yaml(TWO_AZS.format(latency=latency))


def one_way(network, source, destination) -> float:
    return describe(network, network.trace_flow(source, destination))["one_way_ms"]


@pytest.fixture(scope="module")
def seed():
    return emulator.load(SEED)


@pytest.fixture(scope="module")
def cross():
    return emulator.load(CROSS)


def test_the_defaults_are_documented_data_with_a_date():
    assert DEFAULTS["as_of"] and DEFAULTS["_comment"]
    for key in ("same_az_ms", "cross_az_ms", "public_endpoint_ms", "internet_ms", "public_path_factor"):
        assert DEFAULTS[key] >= 0
    assert DEFAULTS["same_az_ms"] < DEFAULTS["cross_az_ms"] < DEFAULTS["public_endpoint_ms"] < DEFAULTS["internet_ms"]


def test_same_az_is_quicker_than_across_azs():
    network = two_azs()
    assert one_way(network, "one", "10.0.3.10") == pytest.approx(DEFAULTS["same_az_ms"])
    assert one_way(network, "one", "10.0.2.10") == pytest.approx(DEFAULTS["cross_az_ms"])


def test_a_topology_overrides_the_defaults():
    network = two_azs("latency: {same_az_ms: 0.25, cross_az_ms: 3}")
    assert one_way(network, "one", "10.0.3.10") == pytest.approx(0.25)
    assert one_way(network, "one", "10.0.2.10") == pytest.approx(3.0)


def test_the_round_trip_is_the_request_and_the_reply():
    network = two_azs("latency: {cross_az_ms: 2}")
    info = describe(network, network.trace_flow("one", "10.0.2.10", with_return=True))
    assert (info["one_way_ms"], info["round_trip_ms"]) == (2.0, 4.0)
    dropped = describe(network, network.trace_flow("one", "10.0.9.9", with_return=True))
    assert "round_trip_ms" not in dropped and dropped["to"] == "the drop"


def test_inside_a_region_the_gateway_endpoint_is_quicker_than_the_public_endpoint(seed):
    """The seed's private path to S3 against its public one (trace 2 against trace 1)."""
    private, public = one_way(seed, "web-a", S3), one_way(seed, "web-b", S3)
    assert private == pytest.approx(2 * DEFAULTS["same_az_ms"])
    assert public == pytest.approx(DEFAULTS["same_az_ms"] + DEFAULTS["public_endpoint_ms"])
    assert private < public


def test_across_regions_the_backbone_is_quicker_than_the_public_path(cross):
    """The cross-region seed: DynamoDB in eu-west-2 from eu-west-1 over peering (R86) or peered
    transit gateways, against client-c's public path through its internet gateway."""
    peering = one_way(cross, "client-a", "10.2.1.100")
    transit = one_way(cross, "client-b", "10.2.1.100")
    public = one_way(cross, "client-c", "dynamodb.eu-west-2.amazonaws.com")
    model = LatencyModel()
    backbone = model.backbone_ms("eu-west-1", "eu-west-2")
    assert peering == pytest.approx(backbone + DEFAULTS["processing_ms"]["interface-endpoint"], abs=1e-3)
    assert public == pytest.approx(DEFAULTS["same_az_ms"] + backbone * DEFAULTS["public_path_factor"]
                                   + DEFAULTS["public_endpoint_ms"], abs=1e-3)  # reported to the microsecond
    assert peering < transit < public


def test_the_backbone_estimate_grows_with_distance_and_can_be_given_per_pair():
    model = LatencyModel()
    near = model.backbone_ms("eu-west-1", "eu-west-2")
    far = model.backbone_ms("us-east-1", "ap-southeast-2")
    assert 1 < near < 10 < far < 200
    assert model.backbone_ms("eu-west-2", "eu-west-1") == near
    assert model.backbone_ms("eu-west-2", "xx-nowhere-1") == DEFAULTS["unknown_region_pair_ms"]
    network = network_from_yaml("""
        latency: {inter_region_ms: {eu-west-2/eu-west-1: 11.5}}
        regions: {eu-west-1: {vpcs: {a: {cidr_blocks: [10.9.0.0/16]}}}}
        """)
    assert LatencyModel.for_network(network).backbone_ms("eu-west-1", "eu-west-2") == 11.5


@pytest.mark.parametrize("section, field, says", [
    ("{same_az_ms: -1}", "same_az_ms", "must be zero or more"),
    ("{same_az_ms: fast}", "same_az_ms", "expected a number"),
    ("{colour: blue}", "colour", "unknown field"),
    ("{inter_region_ms: {eu-west-1: 3}}", "eu-west-1", "REGION/REGION"),
    ("{processing_ms: {router: 1}}", "router", "unknown field"),
])
def test_a_wrong_latency_section_names_its_field(section, field, says):
    with pytest.raises(InputError) as info:
        two_azs(f"latency: {section}")
    assert info.value.field == field and says in info.value.line()
    assert info.value.resource.startswith("latency")


def vpcemu(*args):
    return subprocess.run([sys.executable, "-m", "emulator", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_trace_reports_latency_when_asked(seed):
    plain = vpcemu("trace", SEED, "--from", "web-b", "--to", S3, "--return")
    asked = vpcemu("trace", SEED, "--from", "web-b", "--to", S3, "--return", "--latency")
    assert asked.stdout.startswith(plain.stdout)
    expected = 2 * (DEFAULTS["same_az_ms"] + DEFAULTS["public_endpoint_ms"])
    assert asked.stdout.splitlines()[-1] == (f"latency (estimate): one way {expected / 2:.2f} ms, "
                                            f"round trip {expected:.2f} ms")


def test_trace_json_carries_latency_only_when_asked():
    plain = json.loads(vpcemu("trace", SEED, "--from", "web-a", "--to", S3, "--json").stdout)
    assert "latency" not in plain
    asked = json.loads(vpcemu("trace", SEED, "--from", "web-a", "--to", S3, "--json", "--return", "--latency").stdout)
    assert asked["latency"]["one_way_ms"] == pytest.approx(2 * DEFAULTS["same_az_ms"])
    assert asked["latency"]["round_trip_ms"] == pytest.approx(4 * DEFAULTS["same_az_ms"])
    assert [link["kind"] for link in asked["latency"]["links"]] == ["start", "same-az", "same-az"]
