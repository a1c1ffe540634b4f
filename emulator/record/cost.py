"""The monthly cost of a traced path: what each metered component it crosses charges (R138).

Prices come from one dated table, emulator/data/prices.json; nothing here holds a price. A
path's cost is the sum of:
- hourly charges of the components it needs, for a month of `hours_per_month`: a NAT gateway
  (R139) and its Elastic IP (R147); an interface endpoint, per AZ it has an ENI in (R140); each
  transit gateway attachment the path uses, a peering attachment once on each side (R142);
- per-GB charges on the data sent along the path (`--gb-per-month` in the direction traced, or
  the reply's direction with `download`): NAT gateway processing (R139), interface endpoint
  processing, tiered (R140), transit gateway processing on data sent into a transit gateway
  from a VPC attachment (R142; AWS does not charge processing on data arriving from a peering
  attachment), inter-AZ transfer out and in between ENIs in different AZs (R143; not when the
  crossing leads into or out of a PrivateLink endpoint or a transit gateway, R144),
  traffic to a public IPv4 inside the Region (R143), inter-Region transfer out of the sending
  Region (R145; also across a transit gateway peering, R142), and internet egress, tiered
  (R146; the 100 GB monthly free tier is shared by the whole account and is subtracted only
  when asked). Gateway endpoints (R41) and same-Region transfer to S3/DynamoDB (R141) are shown
  as free lines.
A component in a Region the table does not price uses the default Region's price and is marked.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .. import model as m
from .trace import Trace
from .where import Place, locate


@lru_cache(maxsize=1)
def default_prices() -> dict:
    return json.loads(resources.files("emulator").joinpath("data/prices.json").read_text())


@dataclass
class Price:
    usd: float | None
    tiers: list | None
    rule: str
    source: str
    region: str  # the Region whose figure this is
    fallback: bool  # the component's Region had no figure of its own
    free_gb: float = 0.0

    def charge(self, quantity: float) -> float:
        if self.tiers is None:
            return quantity * self.usd
        total, floor = 0.0, 0.0
        for bound, rate in self.tiers:
            top = quantity if bound is None else min(quantity, bound)
            if top > floor:
                total += (top - floor) * rate
            if bound is None or quantity <= bound:
                break
            floor = bound
        return total

    def rate_text(self) -> str:
        if self.tiers is None:
            return f"${self.usd:g}"
        return "tiered from $" + f"{self.tiers[0][1]:g}"


class PriceTable:
    def __init__(self, data: dict | None = None):
        self.data = data or default_prices()
        self.default_region = self.data["default_region"]
        self.hours = self.data["hours_per_month"]
        self.as_of = self.data["as_of"]

    def price(self, item: str, region: str | None) -> Price:
        regions = self.data["regions"]
        own = regions.get(region or "", {}).get(item)
        entry = own or regions[self.default_region][item]
        used = region if own else self.default_region
        return Price(entry.get("usd"), entry.get("tiers"), entry["rule"], entry.get("source", ""), used,
                     own is None and region != self.default_region, entry.get("free_gb_per_month", 0.0))

    def inter_region(self, source: str, destination: str) -> Price:
        regions = self.data["regions"]
        own = regions.get(source, {}).get("inter_region_gb")
        default = regions[self.default_region]["inter_region_gb"]
        if own and destination in own.get("to", {}):
            return Price(own["to"][destination], None, own["rule"], own.get("source", ""), source, False)
        if own and "usd" in own:
            return Price(own["usd"], None, own["rule"], own.get("source", ""), source, False)
        fallback = source != self.default_region
        if not fallback and destination in default.get("to", {}):
            return Price(default["to"][destination], None, default["rule"], default.get("source", ""), source, False)
        return Price(default["usd"], None, default["rule"], default.get("source", ""), self.default_region,
                     fallback)


@dataclass
class LineItem:
    component: str
    what: str
    quantity: float
    unit: str  # hours | GB
    price: Price
    usd: float
    note: str = ""
    category: str = ""  # what --compare sums by: "NAT gateway", "inter-AZ transfer", …

    @property
    def rule(self) -> str:
        return self.price.rule

    @property
    def per_gb(self) -> bool:
        return self.unit == "GB"

    def as_dict(self) -> dict:
        return {"component": self.component, "what": self.what, "quantity": round(self.quantity, 6),
                "unit": self.unit, "rate": self.price.rate_text(), "rule": self.rule,
                "category": self.category, "price_region": self.price.region, "fallback": self.price.fallback,
                "usd": round(self.usd, 6), "note": self.note}


@dataclass
class PathCost:
    source: str
    destination: str
    gb_per_month: float
    direction: str
    trace: Trace
    items: list[LineItem] = field(default_factory=list)
    as_of: str = ""

    @property
    def reachable(self) -> bool:
        leg = self.trace.reply if self.direction == "download" else self.trace
        return self.trace.verdict != "dropped" and leg is not None and leg.verdict != "dropped"

    @property
    def total(self) -> float:
        return sum(item.usd for item in self.items)

    @property
    def hourly(self) -> float:
        return sum(item.usd for item in self.items if not item.per_gb)

    @property
    def per_gb_total(self) -> float:
        return sum(item.usd for item in self.items if item.per_gb)

    def as_dict(self) -> dict:
        return {"from": self.source, "to": self.destination, "gb_per_month": self.gb_per_month,
                "direction": self.direction, "reachable": self.reachable, "verdict": self.trace.verdict,
                "code": self.trace.code, "prices_as_of": self.as_of, "total_usd": round(self.total, 6),
                "hourly_usd": round(self.hourly, 6), "data_usd": round(self.per_gb_total, 6),
                "items": [i.as_dict() for i in self.items]}


def path_cost(network, trace: Trace, gb_per_month: float, source: str = "", destination: str = "",
              direction: str = "upload", free_tier: bool = False, prices: PriceTable | None = None) -> PathCost:
    """The itemised monthly cost of sending `gb_per_month` along the traced path (`upload`: the way
    the trace went; `download`: the reply's way, which needs the trace taken with_return)."""
    prices = prices or PriceTable()
    out = PathCost(source, destination, gb_per_month, direction, trace, as_of=prices.as_of)
    leg = trace.reply if direction == "download" else trace
    if not out.reachable or leg is None:
        return out
    places = locate(network, trace)
    data_places = locate(network, leg)
    _hourly(network, places, prices, out)
    _per_gb(network, data_places, prices, gb_per_month, free_tier, out)
    return out


CATEGORIES = (("NAT gateway", "NAT gateway"), ("Elastic IP", "NAT gateway"), ("interface endpoint", "interface endpoint"),
              ("gateway endpoint", "gateway endpoint"), ("transit gateway", "transit gateway"),
              ("inter-AZ", "inter-AZ transfer"), ("inter-Region", "inter-Region transfer"),
              ("internet egress", "internet egress"), ("transfer to a public IPv4", "public IPv4 transfer"),
              ("transfer between the AWS service", "AWS service transfer"))


def _add(out: PathCost, component: str, what: str, quantity: float, unit: str, price: Price, note: str = "") -> None:
    category = next(c for prefix, c in CATEGORIES if what.startswith(prefix))
    out.items.append(LineItem(component, what, quantity, unit, price, price.charge(quantity), note, category))


def _label(network, resource_id: str) -> str:
    resource = network.topology.get(resource_id)
    name = getattr(resource, "name", None)
    return f"{resource_id} ({name})" if name else resource_id


def _hourly(network, places: list[Place], prices: PriceTable, out: PathCost) -> None:
    topology, fabric = network.topology, network.fabric
    hours = prices.hours
    seen: set[str] = set()
    for i, place in enumerate(places):
        if place.id in seen:
            continue
        seen.add(place.id)
        label = _label(network, place.id)
        if place.type == "nat-gateway":
            nat = topology.get(place.id, m.NatGateway)
            _add(out, label, "NAT gateway hours", hours, "hours", prices.price("nat_gateway_hour", place.region))
            if nat is not None and nat.public_ip:
                _add(out, label, f"Elastic IP {nat.public_ip} hours", hours, "hours",
                     prices.price("public_ipv4_hour", place.region))
        elif place.type == "interface-endpoint":
            endpoint = topology.get(place.id, m.InterfaceEndpoint)
            azs = len({fabric.subnets[s].subnet.availability_zone for s in endpoint.subnet_ids if s in fabric.subnets}) \
                if endpoint else 1
            _add(out, label, f"interface endpoint hours ({azs} AZ{'s' if azs != 1 else ''})", hours * azs,
                 "hours", prices.price("interface_endpoint_az_hour", place.region))
        elif place.type == "gateway-endpoint":
            _add(out, label, "gateway endpoint hours", hours, "hours", prices.price("gateway_endpoint_hour", place.region))
        elif place.type == "transit-gateway":
            previous = places[i - 1] if i else None
            following = places[i + 1] if i + 1 < len(places) else None
            for neighbour in (previous, following):
                if neighbour is None or neighbour.vpc is None:
                    continue
                attachment = fabric.tgw_vpc_attachments.get((neighbour.vpc, place.id))
                if attachment is not None and attachment.transit_gateway_attachment_id not in seen:
                    seen.add(attachment.transit_gateway_attachment_id)
                    _add(out, _label(network, attachment.transit_gateway_attachment_id),
                         f"transit gateway VPC attachment hours ({neighbour.vpc})", hours, "hours",
                         prices.price("transit_gateway_attachment_hour", place.region))
        elif place.type == "transit-gateway-attachment":
            peering = topology.get(place.id, m.TransitGatewayPeeringAttachment)
            if peering is None:
                continue
            for tgw_id in (peering.requester_transit_gateway_id, peering.accepter_transit_gateway_id):
                tgw = topology.get(tgw_id, m.TransitGateway)
                _add(out, label, f"transit gateway peering attachment hours ({tgw_id} side)", hours, "hours",
                     prices.price("transit_gateway_attachment_hour", tgw.region if tgw else place.region))


def _per_gb(network, places: list[Place], prices: PriceTable, gb: float, free_tier: bool, out: PathCost) -> None:
    last_located: Place | None = None  # the last place with an AZ (an ENI)
    through_tgw = False  # a transit gateway since then (R144)
    for i, place in enumerate(places):
        previous = places[i - 1] if i else None
        label = _label(network, place.id)
        if place.type == "nat-gateway":
            _add(out, label, "NAT gateway data processing", gb, "GB", prices.price("nat_gateway_gb", place.region))
        elif place.type == "interface-endpoint":
            _add(out, label, "interface endpoint data processing", gb, "GB",
                 prices.price("interface_endpoint_gb", place.region))
        elif place.type == "gateway-endpoint":
            _add(out, label, "gateway endpoint data processing", gb, "GB",
                 prices.price("gateway_endpoint_gb", place.region))
        elif place.type == "transit-gateway" and previous is not None and previous.type != "transit-gateway-attachment":
            _add(out, label, "transit gateway data processing (data sent in from a VPC attachment)", gb, "GB",
                 prices.price("transit_gateway_gb", place.region))
        if place.type == "transit-gateway":
            through_tgw = True
        # Transfer between places.
        if previous is not None and previous.region and place.region and previous.region != place.region \
                and place.type != "internet":
            price = prices.inter_region(previous.region, place.region)
            via = "public endpoint" if previous.type == "internet-gateway" else previous.type
            _add(out, label, f"inter-Region transfer {previous.region} -> {place.region} ({via})", gb, "GB", price,
                 "incoming transfer is free")
        elif previous is not None and previous.type == "internet-gateway" and place.type == "internet-gateway":
            price = prices.price("public_ipv4_in_region_gb_each_way", previous.region)
            _add(out, label, "transfer to a public IPv4 in the Region, out and in", gb * 2, "GB", price)
        elif previous is not None and "aws-service" in (previous.type, place.type) \
                and previous.region == place.region:
            service = place if place.type == "aws-service" else previous
            _add(out, _label(network, service.id), "transfer between the AWS service and the VPC, same Region", gb,
                 "GB", prices.price("same_region_service_gb", place.region))
        if place.type == "internet" and previous is not None:  # data into AWS from the internet is free
            price = prices.price("internet_egress_gb", previous.region if previous else None)
            billable = max(0.0, gb - price.free_gb) if free_tier else gb
            note = f"{price.free_gb:g} GB monthly free tier subtracted" if free_tier else \
                "the account's 100 GB monthly free tier is not subtracted"
            _add(out, label, "internet egress", billable, "GB", price, note)
        if place.az is not None:
            if last_located is not None and last_located.region == place.region and last_located.az != place.az:
                exempt = through_tgw or "interface-endpoint" in (last_located.type, place.type)
                price = prices.price("inter_az_gb_each_way", place.region)
                what = f"inter-AZ transfer {last_located.az} -> {place.az}, out and in"
                if exempt:
                    _add(out, label, what, 0.0, "GB", price,
                         "not charged: the crossing leads to or from a PrivateLink endpoint or transit gateway (R144)")
                else:
                    _add(out, label, what, gb * 2, "GB", price)
            last_located, through_tgw = place, False
