"""An ordinary install (a wheel, not the editable checkout) carries the seeds, the schema and the
data files, and `vpcemu schema`, `vpcemu examples` and `vpcemu --version` work from it.

The wheel is built once, from a copy of the sources (a build writes `build/` and `*.egg-info`
beside them), with the virtualenv's setuptools (no download), and installed with `--target` into
a folder of its own, without dependencies: they come from the virtualenv running the tests.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE_FILES = ["emulator/topologies/seed-endpoints.yaml", "emulator/topologies/seed-cross-region.yaml",
                 "emulator/topologies/seed-privatelink.yaml", "emulator/topologies/topology.schema.json",
                 "emulator/data/prices.json", "emulator/data/latency.json",
                 "emulator/data/aws-managed-prefix-lists.json"]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "emulator", source / "emulator", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "--quiet", "-w", str(out), str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    wheel, = out.glob("vpcemu-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                           "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return target


def run(installed: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess:
    """The installed `vpcemu`, from a folder that is not the checkout, its package first on the path."""
    env = {**os.environ, "PYTHONPATH": str(installed), "NO_COLOR": "1"}
    return subprocess.run([str(installed / "bin" / "vpcemu"), *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_wheel_carries_the_seeds_the_schema_the_data_and_the_licence(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    missing = [name for name in PACKAGE_FILES if name not in names]
    assert not missing, f"not in {wheel.name}: {missing}"
    assert any(name.endswith(".dist-info/licenses/LICENSE") or name.endswith(".dist-info/LICENSE")
               for name in names), names
    assert not [name for name in names if name.startswith(("topologies/", "tests/", "examples/"))]


def test_the_installed_package_is_the_one_that_runs(installed, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(installed)}
    done = subprocess.run([sys.executable, "-c", "import emulator; print(emulator.__file__)"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)
    assert Path(done.stdout.strip()).is_relative_to(installed), done.stdout + done.stderr


def test_version_comes_from_the_package_metadata(installed, tmp_path):
    done = run(installed, tmp_path, "--version")
    assert (done.returncode, done.stdout) == (0, f"vpcemu {VERSION}\n"), done.stderr


def test_schema_prints_the_json_schema(installed, tmp_path):
    done = run(installed, tmp_path, "schema")
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert schema == json.loads((ROOT / "topologies" / "topology.schema.json").read_text())
    assert schema["$schema"].startswith("https://json-schema.org/draft/2020-12")


def test_examples_copies_the_seeds_and_they_load(installed, tmp_path):
    done = run(installed, tmp_path, "examples", "mine")
    assert done.returncode == 0, done.stderr
    copied = sorted(p.name for p in (tmp_path / "mine").iterdir())
    assert copied == sorted(p.name for p in (ROOT / "topologies").iterdir() if p.suffix in (".yaml", ".json"))
    for name in copied:
        assert (tmp_path / "mine" / name).read_bytes() == (ROOT / "topologies" / name).read_bytes()
    traced = run(installed, tmp_path, "trace", "mine/seed-endpoints.yaml", "--from", "web-a", "--to",
                 "s3.eu-west-2.amazonaws.com", "--json")
    assert json.loads(traced.stdout)["verdict"] == "delivered", traced.stderr


def test_examples_refuses_a_directory_that_is_not_empty(installed, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine\n")
    done = run(installed, tmp_path, "examples", "mine")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "mine: exists and is not an empty directory" in done.stderr
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt"]


def test_examples_fills_an_empty_directory(installed, tmp_path):
    (tmp_path / "empty").mkdir()
    assert run(installed, tmp_path, "examples", "empty").returncode == 0
    assert (tmp_path / "empty" / "seed-endpoints.yaml").exists()
