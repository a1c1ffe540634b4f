"""A topology's own latency figures: overrides of the latency model's defaults (record/latency.py,
emulator/data/latency.json). Plain numbers, one-way milliseconds; None keeps the default."""
from __future__ import annotations

from dataclasses import dataclass, field

# The scalar settings a topology may override, and the component types that may carry a
# processing delay of their own.
LATENCY_FIELDS = ("same_az_ms", "cross_az_ms", "public_endpoint_ms", "internet_ms", "public_path_factor")
PROCESSING_TYPES = ("nat-gateway", "transit-gateway", "interface-endpoint", "gateway-endpoint", "internet-gateway",
                    "vpc-peering-connection", "instance", "aws-service")


def region_pair(a: str, b: str) -> str:
    """The key of a pair of Regions, the same whichever way round: `eu-west-1/eu-west-2`."""
    return "/".join(sorted((a, b)))


@dataclass
class LatencySettings:
    same_az_ms: float | None = None
    cross_az_ms: float | None = None
    public_endpoint_ms: float | None = None
    internet_ms: float | None = None
    public_path_factor: float | None = None
    inter_region_ms: dict[str, float] = field(default_factory=dict)  # region_pair() -> one-way ms
    processing_ms: dict[str, float] = field(default_factory=dict)  # component type -> ms
