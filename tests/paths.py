"""assert_path-style helpers: scenario tests name AWS components by their YAML names."""
from __future__ import annotations


def ids(network, *refs: str) -> list[str]:
    """Path components by name (an AWS service name, "internet" or an id stay as they are)."""
    from emulator.scenario import component_id

    return [component_id(network, ref) for ref in refs]


def assert_path(network, trace, *refs: str) -> None:
    """The trace crosses exactly these components, in this order."""
    expected = ids(network, *refs)
    assert trace.path == expected, f"path {trace.path} != {expected}\n{trace.render()}"


def assert_crosses(network, trace, *refs: str) -> None:
    for ref, rid in zip(refs, ids(network, *refs)):
        assert trace.crosses(rid), f"does not cross {ref} ({rid})\n{trace.render()}"


def assert_avoids(network, trace, *refs: str) -> None:
    for ref, rid in zip(refs, ids(network, *refs)):
        assert not trace.crosses(rid), f"crosses {ref} ({rid})\n{trace.render()}"


def assert_dropped(trace, code: str) -> None:
    assert (trace.verdict, trace.code) == ("dropped", code), trace.render()
