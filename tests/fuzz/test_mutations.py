"""Property-based mutation tests: start from valid inputs (the seed topologies, the small YAML network
of tests/inputs/test_bad_input.py, AWS JSON as tests/inputs/test_aws_json.py writes it, a capture as
tests/captures.py writes it), break them the way files get broken (keys deleted, types changed,
unicode, huge and newline values, ids given twice, aliases, truncated and flipped bytes), and check
the contract (tests/fuzz/contract.py) on every one.

`make test` runs a few deterministic examples of each family; `make fuzz` (pytest -m fuzz) many more.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.captures import frame, write_capture
from tests.conftest import TOPOLOGIES
from tests.fuzz.contract import check
from tests.inputs.test_aws_json import describe_outputs
from tests.inputs.test_bad_input import BASE

FAST = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
LONG = settings(max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# (name, document, trace source, trace destination)
SEEDS = [("base", yaml.safe_load(BASE), "web", "10.0.1.20")] + [
    (path.stem, doc, str(doc["traces"][0]["from"]), str(doc["traces"][0]["to"]))
    for path in sorted(TOPOLOGIES.glob("seed-*.yaml")) for doc in [yaml.safe_load(path.read_text())]]

HOSTILE = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 65536, 2 ** 70, 1.5, float("nan"), "", "²", "١.١.١.١", "10.0.0.0/١٦",
                     "a\nb", "vpcemu: ok\r\n", "\u2028", "\x1b[2J", "x" * 100_000, "0" * 5000, "011122223333",
                     "10.0.0.300/24", "10.0.0.0/33", "255.255.255.255/0", "*", "-", "all", "-1", "none", "igw-0",
                     "arn:aws:iam::1:root", [], {}, [None, None], [1, 2, 3], {1: "x"}, {"": None}, [[[[]]]]]),
    st.text(max_size=20),
    st.integers(),
)


def _paths(node, prefix=()):
    """Every place in a document: (path to the container, key or index)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix, key
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield prefix, i
            yield from _paths(value, prefix + (i,))


def _at(doc, path):
    for part in path:
        doc = doc[part]
    return doc


YAML_ACTIONS = ("delete", "replace", "replace", "wrap", "stringify", "insert", "duplicate", "alias", "laughs")
JSON_ACTIONS = ("delete", "replace", "replace", "wrap", "stringify", "insert", "duplicate")


@st.composite
def mutated(draw, document, actions=YAML_ACTIONS):
    """`document` changed in one to three places (an alias or a nest of them comes last: the
    document is no longer a tree to walk)."""
    doc = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        places = list(_paths(doc))
        if not places:
            break
        path, key = draw(st.sampled_from(places))
        container = _at(doc, path)
        action = draw(st.sampled_from(actions))
        if action == "delete":
            del container[key]
        elif action == "replace":
            container[key] = draw(HOSTILE)
        elif action == "wrap":
            container[key] = [container[key]]
        elif action == "stringify":
            container[key] = str(container[key])
        elif action == "insert" and isinstance(container, dict):
            container[draw(st.one_of(st.sampled_from(["id", "colour", "name", 1, True, None]), st.text(max_size=8)))] = \
                draw(HOSTILE)
        elif action == "duplicate" and isinstance(container, dict) and isinstance(container[key], dict):
            # the same id (or the whole spec, ids and addresses included) under a second name
            twin = copy.deepcopy(container[key])
            if draw(st.booleans()):
                twin["id"] = draw(st.sampled_from(["vpc-dup", "subnet-dup", "i-dup", "sg-dup", "igw-dup", "eni-dup"]))
                container[key]["id"] = twin["id"]
            container[f"{key}-twin"] = twin
        elif action == "alias":
            # YAML anchors: the dumper writes &id/*id for an object used twice
            other_path, other_key = draw(st.sampled_from(places))
            container[key] = _at(doc, other_path)[other_key] if other_path != path or other_key != key else container
            break
        elif action == "laughs":
            nested: object = "lol"
            for _ in range(draw(st.integers(2, 12))):
                nested = [nested] * 9
            container[key] = nested
            break
    return doc


def _dump(doc) -> str:
    try:
        return yaml.safe_dump(doc, sort_keys=False)
    except RecursionError:  # an alias mutation made the document contain itself: write it as YAML can
        return "name: &a [*a]\n"


@st.composite
def yaml_case(draw):
    name, document, source, destination = draw(st.sampled_from(SEEDS))
    doc = draw(mutated(document))
    text = _dump(doc)
    if draw(st.integers(0, 9)) == 0:  # text-level damage: cut it, or repeat a line (a key given twice)
        lines = text.splitlines(keepends=True)
        at = draw(st.integers(0, len(lines)))
        text = "".join(lines[:at] + lines[at - 1:] if draw(st.booleans()) and at else lines[:at])
    return name, text, source, destination


def _yaml_property(tmp_path: Path, case) -> None:
    name, text, source, destination = case
    folder = tmp_path / "yaml"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text)
    result = check(["trace", path, "--from", source, "--to", destination, "--json"], folder)
    if result.code == 0:
        assert json.loads(result.stdout)["verdict"] in ("delivered", "exited", "dropped")
    check(["demo", path], folder, ran=(0, 1))  # 1: a trace did not behave as the (mutated) file says


@st.composite
def aws_case(draw):
    outputs = draw(mutated(describe_outputs(), JSON_ACTIONS))
    damage = draw(st.sampled_from([None] * 6 + ["truncate", "deep", "bytes"]))
    return outputs, damage, draw(st.integers(0, 10_000))


def _aws_property(tmp_path: Path, case) -> None:
    outputs, damage, position = case
    folder = tmp_path / "aws"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for i, (key, items) in enumerate(outputs.items()):
        name = key if isinstance(key, str) and key.isascii() and key.isalnum() else f"inserted{i}"
        (folder / f"{name}.json").write_text(json.dumps({key: items}, indent=1, default=str))
    victim = folder / "Vpcs.json"
    if damage and victim.exists():
        data = victim.read_bytes()
        if damage == "truncate":
            data = data[:position % (len(data) + 1)]
        elif damage == "deep":
            data = b'{"Vpcs": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
        else:
            at = position % len(data)
            data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
        victim.write_bytes(data)
    result = check(["trace", folder, "--from", "i-web0a", "--to", "10.0.2.10", "--json"], folder)
    if result.code == 0:
        assert json.loads(result.stdout)["verdict"] in ("delivered", "exited", "dropped")
    output = tmp_path / "imported.yaml"
    result = check(["import", folder, "-o", output], tmp_path, outputs=(output,))
    if result.code == 0:
        yaml.safe_load(output.read_text())
    output.unlink(missing_ok=True)


@st.composite
def capture_case(draw):
    frames = [frame("10.0.1.10", "10.0.1.20", draw(st.sampled_from(["tcp", "udp", "icmp"])),
                    dport=draw(st.integers(0, 65535))) for _ in range(draw(st.integers(1, 4)))]
    edits = draw(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4))
    cut = draw(st.one_of(st.none(), st.integers(0, 400)))
    linktype = draw(st.one_of(st.none(), st.sampled_from([0, 101, 228, 147, 0xFFFFFFFF])))
    return frames, edits, cut, linktype


def _capture_property(tmp_path: Path, case) -> None:
    frames, edits, cut, linktype = case
    topology = tmp_path / "topology.yaml"
    topology.write_text(BASE)
    capture, out = tmp_path / "in.pcap", tmp_path / "out.pcap"
    write_capture(capture, frames)
    data = bytearray(capture.read_bytes())
    if linktype is not None:
        data[20:24] = linktype.to_bytes(4, "little")
    for at, value in edits:
        data[at % len(data)] = value
    capture.write_bytes(bytes(data[:cut] if cut is not None else data))
    result = check(["replay", topology, capture, "--at", "web", "--out", out, "--json"], tmp_path, outputs=(out,))
    if result.code == 0:
        assert json.loads(result.stdout)["packets"] >= 0
    out.unlink(missing_ok=True)


@FAST
@given(case=yaml_case())
def test_mutated_yaml_topologies_keep_the_contract(tmp_path, case):
    _yaml_property(tmp_path, case)


@FAST
@given(case=aws_case())
def test_mutated_aws_json_keeps_the_contract(tmp_path, case):
    _aws_property(tmp_path, case)


@FAST
@given(case=capture_case())
def test_damaged_captures_keep_the_contract(tmp_path, case):
    _capture_property(tmp_path, case)


@pytest.mark.fuzz
@LONG
@given(case=yaml_case())
def test_fuzz_yaml(tmp_path, case):
    _yaml_property(tmp_path, case)


@pytest.mark.fuzz
@LONG
@given(case=aws_case())
def test_fuzz_aws_json(tmp_path, case):
    _aws_property(tmp_path, case)


@pytest.mark.fuzz
@LONG
@given(case=capture_case())
def test_fuzz_captures(tmp_path, case):
    _capture_property(tmp_path, case)
