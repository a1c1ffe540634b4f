"""Shared fixtures: the project's topologies and the read-only corpus in ../shared."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOPOLOGIES = ROOT / "topologies"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "batfish"


@pytest.fixture(scope="session")
def seed():
    import emulator

    return emulator.load(TOPOLOGIES / "seed-endpoints.yaml")


def corpus_snapshot(name: str) -> Path:
    """A Batfish snapshot from ../shared; the test is skipped only when ../shared is absent."""
    path = CORPUS / name
    if not SHARED.exists():
        pytest.skip("../shared is absent")
    assert path.exists(), f"{path} is missing from ../shared"
    return path
