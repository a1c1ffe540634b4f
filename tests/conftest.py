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


CORPUS_ABSENT = ("the Batfish corpus ../shared/corpus/batfish is absent (developers have it beside the "
                 "repository; a clone alone does not)")


def corpus_snapshot(name: str) -> Path:
    """A Batfish snapshot from ../shared; the test is skipped only when ../shared is absent."""
    path = CORPUS / name
    if not SHARED.exists():
        pytest.skip(CORPUS_ABSENT)
    assert path.exists(), f"{path} is missing from ../shared"
    return path


def pytest_terminal_summary(terminalreporter):
    """One line at the end of every run when the corpus tests were skipped, however quiet the run."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if CORPUS_ABSENT in str(r.longrepr)]
    if skipped:
        terminalreporter.write_line(f"{len(skipped)} tests skipped: the Batfish corpus {CORPUS} is absent "
                                    f"(developers keep it beside the repository)", yellow=True)
