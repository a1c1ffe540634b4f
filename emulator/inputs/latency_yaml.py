"""The optional top-level `latency:` section of a YAML topology (read by topology_yaml.py):

    latency:
      same_az_ms: 0.1            # between two components in one Availability Zone
      cross_az_ms: 0.6           # between Availability Zones of one Region
      public_endpoint_ms: 2.0    # from an internet gateway to a public endpoint in the same Region
      internet_ms: 25.0          # from an internet gateway to a host on the internet
      public_path_factor: 1.4    # a public path between Regions, relative to the backbone
      inter_region_ms: {eu-west-1/eu-west-2: 5.5}   # backbone, one way, either direction
      processing_ms: {nat-gateway: 0.05}             # added where the component is crossed

Every figure is a one-way number of milliseconds (a factor for public_path_factor), zero or more.
"""
from __future__ import annotations

import re
from typing import Any

from ..model.latency import LATENCY_FIELDS, PROCESSING_TYPES, LatencySettings, region_pair
from .errors import shown

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")


def read_latency(reader, spec: Any) -> LatencySettings:
    """`reader` is the YamlReader: its error(), mapping() and check_keys() name the file and place."""
    where = "latency"
    spec = reader.mapping(spec, "topology", "latency")
    reader.check_keys(spec, set(LATENCY_FIELDS) | {"inter_region_ms", "processing_ms"}, where)
    settings = LatencySettings()
    for key in LATENCY_FIELDS:
        if key in spec:
            setattr(settings, key, _number(reader, spec[key], where, key))
    for pair, value in reader.mapping(spec.get("inter_region_ms"), where, "inter_region_ms").items():
        parts = str(pair).split("/")
        if len(parts) != 2 or not all(_REGION.match(p) for p in parts) or parts[0] == parts[1]:
            raise reader.error(f"{where}.inter_region_ms", str(pair),
                               "expected two different Regions as REGION/REGION, e.g. eu-west-1/eu-west-2")
        settings.inter_region_ms[region_pair(*parts)] = _number(reader, value, f"{where}.inter_region_ms", str(pair))
    processing = reader.mapping(spec.get("processing_ms"), where, "processing_ms")
    reader.check_keys(processing, set(PROCESSING_TYPES), f"{where}.processing_ms")
    for kind, value in processing.items():
        settings.processing_ms[kind] = _number(reader, value, f"{where}.processing_ms", kind)
    return settings


def _number(reader, value: Any, where: str, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise reader.error(where, field, f"expected a number, got {shown(value)}")
    if value < 0 or value != value or value == float("inf"):
        raise reader.error(where, field, f"must be zero or more and finite, got {shown(value)}")
    return float(value)
