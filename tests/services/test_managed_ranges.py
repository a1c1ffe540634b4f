"""vpcemu's snapshot of the AWS-managed S3 and DynamoDB lists against AWS's own ip-ranges.json.

A managed service list holds that service's public ranges in its one region (R30, R36), so each
shipped list is checked against a dated extract of AWS's published ranges
(emulator/data/ip-ranges-extract.json): its Cidrs lie inside the service's prefixes for its own
region and touch no other region's, and the resolver's answer for the service's regional name lies
inside the list. Everything is read through the loaders the emulator itself uses.
"""
from __future__ import annotations

import ipaddress
import json
import re
from importlib import resources

import pytest

from emulator.services.aws_public import SERVICES, managed_prefix_lists, resolver_address

EXTRACT = json.loads(resources.files("emulator").joinpath("data/ip-ranges-extract.json").read_text())
SNAPSHOT = json.loads(resources.files("emulator").joinpath("data/aws-managed-prefix-lists.json").read_text())
LISTS = managed_prefix_lists()
# us-east-1's entries come from the Batfish corpus (real lists, a subset and one aggregate); every
# other region's are the extract's prefixes as AWS gives them.
CORPUS_REGION = "us-east-1"


def networks(cidrs):
    return [ipaddress.IPv4Network(c) for c in cidrs]


def published(service: str, region: str) -> list[ipaddress.IPv4Network]:
    """The extract's IPv4 prefixes of one service in one region."""
    return networks(EXTRACT["prefixes"][service.upper()][region])


def covered(network: ipaddress.IPv4Network, prefixes: list[ipaddress.IPv4Network]) -> bool:
    """Every address of network lies in one of prefixes (which may need joining to cover it)."""
    return any(network.subnet_of(block) for block in ipaddress.collapse_addresses(prefixes))


def service_of(pl) -> str:
    return pl.prefix_list_name.rsplit(".", 1)[-1]


def by_name(pl):
    return pl.prefix_list_name


def test_the_extract_is_a_dated_copy_of_aws_ip_ranges():
    assert EXTRACT["source_url"] == "https://ip-ranges.amazonaws.com/ip-ranges.json"
    assert EXTRACT["source_url"] in EXTRACT["_source"]
    assert re.fullmatch(r"\d{10}", EXTRACT["syncToken"]), EXTRACT["syncToken"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}", EXTRACT["createDate"]), EXTRACT["createDate"]
    assert EXTRACT["syncToken"] in EXTRACT["_source"] and EXTRACT["createDate"] in EXTRACT["_source"]


def test_the_snapshot_records_the_extracts_date():
    assert SNAPSHOT["snapshot_date"] == EXTRACT["createDate"][:10]
    assert EXTRACT["createDate"] in SNAPSHOT["_comment"] and EXTRACT["syncToken"] in SNAPSHOT["_comment"]


def test_the_extract_covers_exactly_the_shipped_services_and_regions():
    shipped = {(service_of(pl).upper(), pl.region) for pl in LISTS}
    extracted = {(service, region) for service, regions in EXTRACT["prefixes"].items() for region in regions}
    assert extracted == shipped
    assert {service for service, _ in shipped} == {s.upper() for s in SERVICES}
    assert all(EXTRACT["prefixes"][service][region] for service, region in extracted)


@pytest.mark.parametrize("pl", LISTS, ids=by_name)
def test_every_cidr_is_the_services_range_in_the_lists_own_region(pl):
    """R30: the list holds the service's public ranges of its region."""
    own = published(service_of(pl), pl.region)
    outside = [str(n) for n in networks(pl.cidrs) if not covered(n, own)]
    assert pl.cidrs and not outside, f"{pl.prefix_list_name}: {outside} are not {pl.region}'s ranges"


@pytest.mark.parametrize("pl", LISTS, ids=by_name)
def test_no_cidr_touches_another_regions_range_of_the_service(pl):
    """R36: a region's list holds none of the service's addresses of another region."""
    service = service_of(pl)
    for region in EXTRACT["prefixes"][service.upper()]:
        if region == pl.region:
            continue
        clashes = [(str(n), str(p)) for n in networks(pl.cidrs) for p in published(service, region) if n.overlaps(p)]
        assert not clashes, f"{pl.prefix_list_name}: these entries are {region}'s: {clashes}"


@pytest.mark.parametrize("pl", [pl for pl in LISTS if pl.region != CORPUS_REGION], ids=by_name)
def test_other_regions_ship_the_extracts_prefixes_as_given(pl):
    assert sorted(networks(pl.cidrs)) == sorted(published(service_of(pl), pl.region))
    assert len(set(pl.cidrs)) == len(pl.cidrs)


@pytest.mark.parametrize("pl", LISTS, ids=by_name)
def test_the_resolver_answer_lies_inside_its_own_list(pl):
    address = ipaddress.IPv4Address(resolver_address(pl.prefix_list_name))
    assert any(address in n for n in networks(pl.cidrs)), f"{pl.prefix_list_name}: {address}"
    assert any(address in p for p in published(service_of(pl), pl.region))


def test_the_address_a_user_found_is_dynamodbs_in_eu_west_1_not_eu_west_2():
    """52.94.24.0/23 is listed for DYNAMODB in eu-west-1 by AWS; the eu-west-2 list must not hold it."""
    lists = {pl.prefix_list_name: pl for pl in LISTS}
    found = ipaddress.IPv4Network("52.94.24.0/23")
    assert covered(found, networks(lists["com.amazonaws.eu-west-1.dynamodb"].cidrs))
    assert not any(found.overlaps(n) for n in networks(lists["com.amazonaws.eu-west-2.dynamodb"].cidrs))
