"""What every modelled AWS resource shares: an AWS id, a Name tag, a region and an owner."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass
class Resource:
    """Base of every resource. Subclasses name their AWS id field and its prefix."""

    ID_FIELD = "id"
    ID_PREFIX = ""
    KIND = "resource"

    @property
    def id(self) -> str:
        return getattr(self, self.ID_FIELD)

    @property
    def label(self) -> str:
        """The id, with the Name tag when there is one: `subnet-0abc (private-a)`."""
        name = getattr(self, "name", None)
        return f"{self.id} ({name})" if name else self.id


def deterministic_id(prefix: str, *parts: str, width: int = 17) -> str:
    """An AWS-shaped id derived from the resource's place in the topology, stable across runs."""
    digest = hashlib.sha256("/".join((prefix,) + parts).encode()).hexdigest()[:width]
    return f"{prefix}-{digest}"


def tags_field():
    return field(default_factory=dict)
