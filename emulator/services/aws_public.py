"""AWS's public service address space, from the shipped snapshot of AWS-managed prefix lists (R23, R30)."""
from __future__ import annotations

import ipaddress
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
    """The address the snapshot gives a service's regional name (see `service_address`)."""
    for item in _snapshot()["prefix_lists"]:
        if item["PrefixListName"] == prefix_list_name:
            return item["resolver_address"]
    return None


def service_address(topology: Topology, prefix_list_name: str) -> str | None:
    """The public address the emulated resolver answers for a service's regional name.

    The topology's own list of that name wins (R30): the snapshot's address is used only when it
    lies inside that list, or when the topology has no such list; otherwise an address inside the
    list's first range stands for the service.
    """
    snapshot = resolver_address(prefix_list_name)
    pl = next((p for p in topology.all(PrefixList) if p.prefix_list_name == prefix_list_name and p.cidrs), None)
    if pl is None:
        return snapshot
    networks = [ipaddress.IPv4Network(c, strict=False) for c in pl.cidrs]
    if snapshot is not None and any(ipaddress.IPv4Address(snapshot) in n for n in networks):
        return snapshot
    network = networks[0]
    return str(network.network_address + min(10, network.num_addresses - 1))


def ensure_managed_prefix_lists(topology: Topology) -> list[str]:
    """Add the snapshot's lists for what the topology lacks; returns the names added (R30).

    The topology's own lists win: a snapshot list of the same name or id is not added, and of
    the others only the ranges that no AWS-managed list of the topology covers or overlaps.
    Every region's lists are added, not only the topology's: a service in another region is
    still reachable over the internet (R36), and must be recognised as AWS address space.
    """
    present = {pl.prefix_list_name for pl in topology.all(PrefixList)}
    present_ids = {pl.prefix_list_id for pl in topology.all(PrefixList)}
    own = [ipaddress.IPv4Network(c, strict=False) for pl in topology.all(PrefixList) if pl.service
           for c in pl.cidrs if ":" not in c]
    added = []
    for pl in managed_prefix_lists():
        if pl.prefix_list_name in present or pl.prefix_list_id in present_ids:
            continue
        if own:
            pl.cidrs = [c for c in pl.cidrs if not any(ipaddress.IPv4Network(c).overlaps(n) for n in own)]
            if not pl.cidrs:
                continue
        topology.add(pl)
        added.append(pl.prefix_list_name)
    return added


def managed_list_for(topology: Topology, region: str, service: str) -> PrefixList | None:
    name = f"com.amazonaws.{region}.{service}"
    return next((pl for pl in topology.all(PrefixList) if pl.prefix_list_name == name), None)
