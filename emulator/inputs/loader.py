"""Load a topology from any supported input, then check it."""
from __future__ import annotations

from pathlib import Path

from ..model import Topology
from .documents import kind_of
from .errors import InputError
from .validate import validate


def load_topology(path: str | Path) -> Topology:
    """A YAML file, a directory of `aws ec2 describe-*` JSON, or a folder holding `aws_configs/`."""
    path = Path(path)
    kind = kind_of(path)  # a FIFO or a device is refused here, a name too long is one line
    if kind is None:
        raise InputError("no such file or directory", file=str(path))
    if kind == "directory":
        from .aws_json import load_aws_directory

        topology = load_aws_directory(path)
    else:
        from .topology_yaml import load_yaml

        topology = load_yaml(path)
    validate(topology)
    return topology
