"""Estimated latency of a traced path: a one-way figure per link between the places a packet
crosses, plus a processing figure per component. The defaults live in emulator/data/latency.json
(AWS publishes no per-hop figures; these are vpcemu's stated estimates); a topology's `latency:`
section overrides any of them (model/latency.py, inputs/latency_yaml.py).

Links, between one place and the next:
- with the internet on either side: `internet_ms`;
- between an internet gateway and a public endpoint (an AWS service's public address, or another
  VPC's public IP) in the same Region: `public_endpoint_ms`; in another Region:
  backbone(a, b) x `public_path_factor` + `public_endpoint_ms` (the public path);
- between Regions otherwise (VPC peering, transit gateway peering): the backbone estimate for the
  pair, `inter_region_ms` when given, else great-circle distance x `route_factor` over light in
  fibre (`fibre_km_per_ms`) plus `inter_region_base_ms`;
- inside a Region: `cross_az_ms` when the packet's AZ changes (the last AZ it was in against the
  AZ of the place it reaches), else `same_az_ms`, also to and from regional components.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..model.latency import LATENCY_FIELDS, LatencySettings, region_pair
from .trace import Trace
from .where import Place, locate

PUBLIC_SIDE = frozenset({"aws-service", "internet-gateway"})
LINK_TYPES = frozenset({"vpc-peering-connection", "transit-gateway-attachment"})


@lru_cache(maxsize=1)
def default_figures() -> dict:
    return json.loads(resources.files("emulator").joinpath("data/latency.json").read_text())


@dataclass(frozen=True)
class Link:
    """One step of the estimate: reaching `place` from the place before it."""

    place: Place
    kind: str  # start | same-az | cross-az | inter-region | public-endpoint | public-inter-region | internet
    link_ms: float
    processing_ms: float

    @property
    def ms(self) -> float:
        return self.link_ms + self.processing_ms


@dataclass
class Estimate:
    links: list[Link]

    @property
    def one_way_ms(self) -> float:
        return sum(link.ms for link in self.links)

    def at_hop(self, hop_index: int) -> float:
        """Milliseconds from the first hop until the packet reached hop `hop_index`."""
        total = 0.0
        for link in self.links:
            if link.place.index > hop_index:
                break
            total += link.ms
        return total

    def as_dict(self) -> dict:
        return {"one_way_ms": round(self.one_way_ms, 3),
                "links": [{"to": link.place.id, "kind": link.kind, "ms": round(link.ms, 3)} for link in self.links]}


class LatencyModel:
    def __init__(self, settings: LatencySettings | None = None):
        figures = dict(default_figures())
        settings = settings or LatencySettings()
        for key in LATENCY_FIELDS:
            value = getattr(settings, key)
            if value is not None:
                figures[key] = value
        self.figures = figures
        self.processing = {**figures["processing_ms"], **settings.processing_ms}
        self.pairs = {**{region_pair(*k.split("/")): v for k, v in figures["inter_region_ms"].items()},
                      **settings.inter_region_ms}

    @classmethod
    def for_network(cls, network) -> "LatencyModel":
        return cls(getattr(network.topology, "latency", None))

    def backbone_ms(self, a: str, b: str) -> float:
        """One way between two Regions over AWS's backbone."""
        if a == b:
            return 0.0
        given = self.pairs.get(region_pair(a, b))
        if given is not None:
            return given
        locations = self.figures["region_locations"]
        if a not in locations or b not in locations:
            return self.figures["unknown_region_pair_ms"]
        km = _great_circle_km(*locations[a], *locations[b])
        return km * self.figures["route_factor"] / self.figures["fibre_km_per_ms"] + self.figures["inter_region_base_ms"]

    def estimate(self, network, trace: Trace) -> Estimate:
        # A peering (VPC or transit gateway) is the link itself, not a place the packet stops at.
        places = [p for p in locate(network, trace) if p.type not in LINK_TYPES]
        links: list[Link] = []
        last_az: tuple[str | None, str | None] = (None, None)  # (region, AZ) the packet was last in
        for i, place in enumerate(places):
            processing = self.processing.get(place.type, 0.0)
            if i == 0:
                links.append(Link(place, "start", 0.0, 0.0))
            else:
                kind, ms = self._link(places[i - 1], place, last_az)
                links.append(Link(place, kind, ms, processing))
            if place.az is not None:
                last_az = (place.region, place.az)
        return Estimate(links)

    def _link(self, a: Place, b: Place, last_az) -> tuple[str, float]:
        f = self.figures
        if "internet" in (a.type, b.type):
            return "internet", f["internet_ms"]
        if {a.type, b.type} <= PUBLIC_SIDE and "internet-gateway" in (a.type, b.type):  # also IGW to IGW
            if a.region and b.region and a.region != b.region:
                return ("public-inter-region",
                        self.backbone_ms(a.region, b.region) * f["public_path_factor"] + f["public_endpoint_ms"])
            return "public-endpoint", f["public_endpoint_ms"]
        if a.region and b.region and a.region != b.region:
            return "inter-region", self.backbone_ms(a.region, b.region)
        region, az = last_az
        if b.az is not None and az is not None and region == b.region and az != b.az:
            return "cross-az", f["cross_az_ms"]
        return "same-az", f["same_az_ms"]


def _great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def describe(network, trace: Trace, model: LatencyModel | None = None) -> dict:
    """One-way latency of the request, and the round trip when the reply was traced."""
    model = model or LatencyModel.for_network(network)
    forward = model.estimate(network, trace)
    out = {"estimate": True, "one_way_ms": round(forward.one_way_ms, 3), "links": forward.as_dict()["links"]}
    if trace.verdict == "dropped":
        out["to"] = "the drop"
    if trace.reply is not None:
        back = model.estimate(network, trace.reply)
        out["return_one_way_ms"] = round(back.one_way_ms, 3)
        if trace.reply.verdict != "dropped" and trace.verdict != "dropped":
            out["round_trip_ms"] = round(forward.one_way_ms + back.one_way_ms, 3)
    return out


def summary_line(info: dict) -> str:
    """`latency (estimate): one way 0.20 ms, round trip 0.40 ms`."""
    text = f"latency (estimate): one way {info['one_way_ms']:.2f} ms"
    if info.get("to"):
        text += f" to {info['to']}"
    if "round_trip_ms" in info:
        text += f", round trip {info['round_trip_ms']:.2f} ms"
    elif "return_one_way_ms" in info:
        text += f", reply {info['return_one_way_ms']:.2f} ms (not a full round trip: a direction was dropped)"
    return text
