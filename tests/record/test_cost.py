"""Cost of a path (emulator/record/cost.py) from the one dated price table
(emulator/data/prices.json, R138–R148 us-east-1 list prices). R148's worked example is a test."""
from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

import emulator
from emulator.record.cost import Price, PriceTable, default_prices, path_cost
from tests.builders import network_from_yaml
from tests.conftest import ROOT, TOPOLOGIES

SEED = TOPOLOGIES / "seed-endpoints.yaml"
CROSS = TOPOLOGIES / "seed-cross-region.yaml"
S3 = "s3.eu-west-2.amazonaws.com"

# R148's topology. us-east-1a and us-east-1b stand for the AZ ids use1-az1 and use1-az2: the cost
# model only asks whether two ENIs are in the same AZ.
R148 = """
    name: r148
    account: "123456789012"
    regions:
      us-east-1:
        vpcs:
          app:
            cidr_blocks: [10.0.0.0/16]
            internet_gateway: igw
            route_tables:
              public: {routes: [{destination: 0.0.0.0/0, target: igw}]}
              private: {routes: [{destination: 0.0.0.0/0, target: nat}]}
            subnets:
              private-az1: {cidr_block: 10.0.1.0/24, availability_zone: us-east-1a, route_table: private}
              public-az2: {cidr_block: 10.0.2.0/24, availability_zone: us-east-1b, route_table: public}
              public-az1: {cidr_block: 10.0.3.0/24, availability_zone: us-east-1a, route_table: public}
            nat_gateways:
              nat: {subnet: public-az2, public_ip: 3.80.0.5}
            instances:
              worker: {subnet: private-az1, private_ip: 10.0.1.10}
              web: {subnet: public-az1, private_ip: 10.0.3.10, public_ip: 3.80.0.10}
            endpoints:
              s3: {type: gateway, service: s3, route_tables: [public]}
    """


@pytest.fixture(scope="module")
def r148():
    return network_from_yaml(R148, "r148")


@pytest.fixture(scope="module")
def seed():
    return emulator.load(SEED)


@pytest.fixture(scope="module")
def cross():
    return emulator.load(CROSS)


def cost(network, source, destination, gb=1.0, direction="upload", **kw):
    trace = network.trace_flow(source, destination, with_return=True)
    return path_cost(network, trace, gb, source, destination, direction, **kw)


def by_category(result) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in result.items:
        out[item.category] = out.get(item.category, 0.0) + item.usd
    return out


# --- R148 ----------------------------------------------------------------------------------------

def test_r148_one_gb_through_a_nat_gateway_in_another_az_to_the_internet_costs_0_155_plus_hourly(r148):
    result = cost(r148, "worker", "8.8.8.8", 1.0)
    assert result.reachable
    per_gb = {item.what.split(" us-east")[0]: round(item.usd, 6) for item in result.items if item.per_gb}
    assert per_gb == {"NAT gateway data processing": 0.045,          # R139
                      "inter-AZ transfer": 0.02,                      # R143: $0.01 out + $0.01 in
                      "internet egress": 0.09}                        # R146, past the free tier
    assert result.per_gb_total == pytest.approx(0.155)
    hourly = {item.what: item.usd for item in result.items if not item.per_gb}
    assert hourly == {"NAT gateway hours": pytest.approx(0.045 * 730),  # R139
                      "Elastic IP 3.80.0.5 hours": pytest.approx(0.005 * 730)}  # R147
    assert not any(item.price.fallback for item in result.items)  # us-east-1: the table's own figures


def test_r148_the_same_s3_download_through_a_gateway_endpoint_in_the_same_az_costs_nothing(r148):
    result = cost(r148, "web", "s3.us-east-1.amazonaws.com", 1.0, "download")
    assert result.reachable and result.trace.crosses(r148.topology.find("s3").id)
    assert result.total == 0.0
    assert {item.rule for item in result.items} == {"R41", "R141"}


def test_r148_scales_with_the_data_and_the_free_tier_only_when_asked(r148):
    big = cost(r148, "worker", "8.8.8.8", 1000.0)
    assert big.per_gb_total == pytest.approx(155.0)
    free = cost(r148, "worker", "8.8.8.8", 1000.0, free_tier=True)
    assert by_category(big)["internet egress"] - by_category(free)["internet egress"] == pytest.approx(9.0)  # 100 GB


# --- the other components ---------------------------------------------------------------------------

def test_an_interface_endpoint_is_charged_per_az_hour_and_per_gb(seed):
    two_azs = cost(seed, "app-b", "10.0.11.100", 100.0)   # DynamoDB's endpoint has ENIs in two AZs
    one_az = cost(seed, "app-b", "10.0.11.101", 100.0)    # S3's in one
    hours = [i for i in two_azs.items if i.unit == "hours"]
    assert [(i.quantity, i.usd) for i in hours] == [(1460, pytest.approx(14.6))]  # R140
    assert [i.usd for i in one_az.items if i.unit == "hours"] == [pytest.approx(7.3)]
    assert by_category(one_az)["interface endpoint"] == pytest.approx(7.3 + 1.0)


def test_crossing_azs_into_an_interface_endpoint_is_not_charged_r144(seed):
    result = cost(seed, "app-a", "10.0.11.100", 100.0)  # app-a in eu-west-2a, the ENI in eu-west-2b
    inter_az = [i for i in result.items if i.category == "inter-AZ transfer"]
    assert len(inter_az) == 1 and inter_az[0].usd == 0.0 and "R144" in inter_az[0].note


def test_a_gateway_endpoint_is_free_and_a_nat_gateway_is_not(seed):
    assert cost(seed, "web-a", S3, 1000.0).total == 0.0  # R41, R141
    nat = cost(seed, "batch-1", S3, 1000.0)
    assert by_category(nat)["NAT gateway"] == pytest.approx(0.045 * 730 + 0.005 * 730 + 45.0)
    assert by_category(nat)["inter-AZ transfer"] == pytest.approx(20.0)  # batch-a is in 2a, the NAT in 2b


def test_transit_gateways_charge_attachment_hours_and_data_sent_in_from_a_vpc(cross):
    result = cost(cross, "client-b", "10.2.1.100", 100.0)
    tgw = [i for i in result.items if i.category == "transit gateway"]
    hours = [i for i in tgw if i.unit == "hours"]
    assert len(hours) == 4  # two VPC attachments, the peering attachment on each side (R142)
    data = [i for i in tgw if i.per_gb]
    assert len(data) == 1 and data[0].usd == pytest.approx(2.0)  # into hub-eu1 from the VPC, not from the peering
    assert by_category(result)["inter-Region transfer"] == pytest.approx(2.0)  # R142, R145


def test_inter_region_peering_pays_the_inter_region_rate(cross):
    result = cost(cross, "client-a", "10.2.1.100", 100.0)
    [item] = [i for i in result.items if i.category == "inter-Region transfer"]
    assert item.usd == pytest.approx(2.0) and "eu-west-1 -> eu-west-2" in item.what


def test_an_unreachable_path_has_nothing_to_price(seed):
    result = cost(seed, "app-b", S3, 100.0)
    assert not result.reachable and result.items == [] and result.total == 0


# --- the price table ------------------------------------------------------------------------------

def test_the_price_table_is_dated_and_its_us_east_1_figures_are_r138_to_r148():
    data = default_prices()
    assert data["as_of"] and data["hours_per_month"] == 730
    us = data["regions"]["us-east-1"]
    assert (us["nat_gateway_hour"]["usd"], us["nat_gateway_gb"]["usd"]) == (0.045, 0.045)          # R139
    assert us["interface_endpoint_az_hour"]["usd"] == 0.01                                           # R140
    assert [rate for _, rate in us["interface_endpoint_gb"]["tiers"]] == [0.01, 0.006, 0.004]        # R140
    assert (us["transit_gateway_attachment_hour"]["usd"], us["transit_gateway_gb"]["usd"]) == (0.05, 0.02)  # R142
    assert us["inter_az_gb_each_way"]["usd"] == 0.01                                                 # R143
    assert (us["inter_region_gb"]["usd"], us["inter_region_gb"]["to"]["us-east-2"]) == (0.02, 0.01)  # R145
    assert [rate for _, rate in us["internet_egress_gb"]["tiers"]] == [0.09, 0.085, 0.07, 0.05]     # R146
    assert us["public_ipv4_hour"]["usd"] == 0.005                                                    # R147
    for region in data["regions"].values():
        for item in region.values():
            assert item["rule"] in {f"R{n}" for n in range(138, 149)} | {"R41"}


def test_tiers_charge_each_band_at_its_own_rate():
    tiers = default_prices()["regions"]["us-east-1"]["internet_egress_gb"]["tiers"]
    price = Price(None, tiers, "R146", "", "us-east-1", False)
    assert price.charge(10240) == pytest.approx(10240 * 0.09)
    assert price.charge(20480) == pytest.approx(10240 * 0.09 + 10240 * 0.085)
    assert price.charge(200_000) == pytest.approx(10240 * 0.09 + 40960 * 0.085 + 102400 * 0.07 + 46400 * 0.05)


def test_regions_without_their_own_figures_fall_back_to_us_east_1_and_say_so():
    table = PriceTable()
    assert not table.price("nat_gateway_hour", "us-east-2").fallback
    assert table.price("interface_endpoint_az_hour", "us-east-2").fallback
    assert table.price("nat_gateway_gb", "eu-west-2").fallback
    assert table.inter_region("us-east-2", "us-east-1").usd == 0.01
    assert not table.inter_region("us-east-1", "eu-west-2").fallback
    assert table.inter_region("eu-west-1", "eu-west-2").fallback


def test_prices_come_from_the_table_not_the_code(seed):
    data = copy.deepcopy(default_prices())
    data["regions"]["us-east-1"]["nat_gateway_gb"]["usd"] = 0.09
    trace = seed.trace_flow("batch-1", S3, with_return=True)
    doubled = path_cost(seed, trace, 100.0, prices=PriceTable(data))
    normal = path_cost(seed, trace, 100.0)
    assert doubled.total - normal.total == pytest.approx(4.5)


# --- the command ------------------------------------------------------------------------------------

def vpcemu(*args):
    return subprocess.run([sys.executable, "-m", "emulator", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_the_seeds_comparison_nat_against_gateway_against_interface_endpoint():
    result = vpcemu("cost", SEED, "--from", "batch-1", "--to", S3, "--gb-per-month", "1000",
                    "--compare", f"web-a:{S3}", "--compare", "app-b:10.0.11.101", "--json")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    out = json.loads(result.stdout)
    nat, gateway, interface = out["paths"]
    assert (nat["from"], gateway["from"], interface["from"]) == ("batch-1", "web-a", "app-b")
    assert gateway["total_usd"] == 0 < interface["total_usd"] < nat["total_usd"]
    assert interface["total_usd"] == pytest.approx(7.3 + 10.0)
    assert nat["total_usd"] == pytest.approx(32.85 + 3.65 + 45.0 + 20.0)
    assert all(p["latency"]["one_way_ms"] > 0 for p in out["paths"])


def test_the_comparison_sets_paths_side_by_side_in_text():
    result = vpcemu("cost", SEED, "--from", "batch-1", "--to", S3, "--gb-per-month", "1000",
                    "--compare", f"web-a:{S3}", "--compare", f"app-b:{S3}")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    total = next(l for l in lines if l.strip().startswith("total per month"))
    assert total.split()[3:] == ["$101.50", "$0.00", "-"]
    assert "app-b -> s3.eu-west-2.amazonaws.com: dropped NO_ROUTE_TO_DESTINATION" in result.stdout


def test_one_path_is_itemised_with_rules(r148, tmp_path):
    path = tmp_path / "r148.yaml"
    import textwrap

    path.write_text(textwrap.dedent(R148))
    result = vpcemu("cost", path, "--from", "worker", "--to", "8.8.8.8", "--gb-per-month", "1")
    assert result.returncode == 0, result.stderr
    assert "NAT gateway data processing" in result.stdout and "R139" in result.stdout
    assert "inter-AZ transfer us-east-1a -> us-east-1b" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("latency (estimate): one way")
    total = next(l for l in result.stdout.splitlines() if l.strip().startswith("total"))
    assert total.split()[-1] == f"${0.045 * 730 + 0.005 * 730 + 0.155:,.2f}"


@pytest.mark.parametrize("options, says", [
    (["--gb-per-month", "lots"], "--gb-per-month: not a number of GB: 'lots'"),
    (["--gb-per-month", "-1"], "--gb-per-month: must be zero or more"),
    (["--gb-per-month", "1", "--compare", "web-a"], "--compare: expected SRC:DST"),
    (["--gb-per-month", "1", "--compare", "nobody:1.2.3.4"], "nobody"),
])
def test_bad_cost_options_are_one_line_and_exit_2(options, says):
    result = vpcemu("cost", SEED, "--from", "batch-1", "--to", S3, *options)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and says in result.stderr, result.stderr
