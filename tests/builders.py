"""Build small networks for tests from inline YAML (the same format as topologies/)."""
from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

import emulator


def network_from_yaml(text: str, name: str = "test") -> emulator.Network:
    """Load a topology written inline in a test (dedented), through the real YAML loader."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"{name}.yaml"
        path.write_text(textwrap.dedent(text))
        return emulator.load(path)
