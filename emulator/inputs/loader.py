"""Load a topology from any supported input, then check it."""
from __future__ import annotations

from pathlib import Path

from ..model import Topology
from .errors import InputError
from .validate import validate


def load_topology(path: str | Path) -> Topology:
    """A YAML file, a directory of `aws ec2 describe-*` JSON, or a folder holding `aws_configs/`."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or directory", file=str(path))
    if path.is_dir():
        from .aws_json import load_aws_directory

        topology = load_aws_directory(path)
    else:
        from .topology_yaml import load_yaml

        topology = load_yaml(path)
    validate(topology)
    return topology
