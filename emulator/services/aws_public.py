"""AWS's public service address space, from the shipped snapshot of AWS-managed prefix lists (R23, R30)."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from ..model import PrefixList, Topology

SERVICES = ("s3", "dynamodb")


@lru_cache(maxsize=1)
def _snapshot() -> dict:
    return json.loads(resources.files("emulator").joinpath("data/aws-managed-prefix-lists.json").read_text())


def managed_prefix_lists() -> list[PrefixList]:
    """A fresh copy of every AWS-managed list in the snapshot."""
    out = []
    for item in _snapshot()["prefix_lists"]:
        region = item["PrefixListName"].split(".")[2]
        out.append(PrefixList(item["PrefixListId"], item["PrefixListName"], list(item["Cidrs"]), region))
    return out


def resolver_address(prefix_list_name: str) -> str | None:
    """The address the emulated resolver gives for a service's regional name."""
    for item in _snapshot()["prefix_lists"]:
        if item["PrefixListName"] == prefix_list_name:
            return item["resolver_address"]
    return None


def ensure_managed_prefix_lists(topology: Topology) -> None:
    """Add the snapshot's lists unless the topology brings its own of that name or id (R30).

    Every region's lists are added, not only the topology's: a service in another region is
    still reachable over the internet (R36), and must be recognised as AWS address space.
    """
    present = {pl.prefix_list_name for pl in topology.all(PrefixList)}
    present_ids = {pl.prefix_list_id for pl in topology.all(PrefixList)}
    for pl in managed_prefix_lists():
        if pl.prefix_list_name not in present and pl.prefix_list_id not in present_ids:
            topology.add(pl)


def managed_list_for(topology: Topology, region: str, service: str) -> PrefixList | None:
    name = f"com.amazonaws.{region}.{service}"
    return next((pl for pl in topology.all(PrefixList) if pl.prefix_list_name == name), None)
