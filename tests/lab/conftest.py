"""Fixtures for the namespace lab: labs started and stopped through the `vpcemu lab` command as a
user runs it, each under a name of its own, and a check that the host's namespaces, interfaces,
/etc/netns and /run/vpcemu are as they were once a lab is gone (also when a test failed).

The modules that start labs need root (network namespaces, TAP devices) and say NEEDS_ROOT =
True. CI runs as root, so there they always run; elsewhere they are skipped, saying why.
"""
from __future__ import annotations

import copy
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, TOPOLOGIES

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Modules that say NEEDS_ROOT = True are skipped when not root (never when root)."""
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason="the namespace lab needs root (network namespaces and TAP devices); "
                                   "CI runs these as root")
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents and getattr(item.module, "NEEDS_ROOT", False):
            item.add_marker(skip)

SEED = TOPOLOGIES / "seed-endpoints.yaml"
CROSS_REGION = TOPOLOGIES / "seed-cross-region.yaml"


def vpcemu(*args, timeout: float = 120, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emulator", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env, **kwargs)


def new_name() -> str:
    return "t" + secrets.token_hex(3)  # 7 characters: the lab names of concurrent runs never meet


def host_snapshot(own: str) -> dict:
    """What a lab could leave on the host. Other labs' entries are left out (another test run may
    be going on at the same time on this machine); everything else counts, prefixed or not."""
    others_ns = re.compile(rf"^vpcemu\.(?!{own}\.)[a-z0-9]{{1,8}}\.")
    others_dev = re.compile(rf"^vx(?!{own}-)[a-z0-9]{{1,8}}-[0-9a-f]{{1,4}}$")
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    namespaces = sorted(line.split()[0] for line in netns.splitlines() if line.strip())
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    devices = sorted(line.split(":")[1].strip().split("@")[0] for line in links.splitlines())

    def listing(path: str) -> list[str]:
        return sorted(os.listdir(path)) if os.path.isdir(path) else []

    return {
        "namespaces": [n for n in namespaces if not others_ns.match(n)],
        "devices": [d for d in devices if not others_dev.match(d)],
        "etc_netns": [n for n in listing("/etc/netns") if not others_ns.match(n + ".")],
        "run_vpcemu": [n for n in listing("/run/vpcemu") if n == own],
        "daemons": daemons(own),
    }


def daemons(lab: str) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"emulator.lab.daemon" in argv and lab.encode() in argv:
                out.append(int(entry))
    return out


def seed_with_icmp(directory: Path) -> Path:
    """The seed topology with ICMP allowed inside the VPC by the web and app groups: the seed's
    groups allow no ICMP at all, so without this no ping could pass (R104)."""
    data = yaml.safe_load(SEED.read_text())
    data = copy.deepcopy(data)
    groups = data["regions"]["eu-west-2"]["vpcs"]["app"]["security_groups"]
    for name in ("web", "app"):
        groups[name]["ingress"].append({"protocol": "icmp", "from": "10.0.0.0/16"})
    data.pop("traces", None)
    path = directory / "seed-icmp.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


class Lab:
    """One lab, driven through the CLI."""

    def __init__(self, name: str, topology: Path):
        self.name = name
        self.topology = topology
        self.before = host_snapshot(name)

    def up(self) -> None:
        result = vpcemu("lab", "up", self.topology, "--name", self.name)
        assert result.returncode == 0, result.stderr
        self.state = json.loads(Path(f"/run/vpcemu/{self.name}/state.json").read_text())

    def exec(self, host: str, *command: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return vpcemu("lab", "exec", "--name", self.name, host, "--", *command, timeout=timeout)

    def status(self) -> dict:
        result = vpcemu("lab", "status", "--name", self.name, "--json", "--flows", "200")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def flows(self, **match) -> list[dict]:
        """Flow records whose fields equal `match` (flow: a substring of the flow's description)."""
        rows = []
        for row in self.status()["flows"]:
            if all((value in row[key]) if key == "flow" else row[key] == value for key, value in match.items()):
                rows.append(row)
        return rows

    def down(self) -> subprocess.CompletedProcess:
        return vpcemu("lab", "down", "--name", self.name)

    def finish(self) -> None:
        """Down (clean if that fails), then the host must be as it was."""
        try:
            if Path(f"/run/vpcemu/{self.name}").exists() or daemons(self.name):
                status = vpcemu("lab", "status", "--name", self.name, "--json")
                down = self.down()
                assert down.returncode == 0, down.stderr
                if status.returncode == 0:
                    errors = json.loads(status.stdout)["counters"].get("internal-error", 0)
                    assert errors == 0, f"the emulator met {errors} internal errors (see its daemon.log)"
        finally:
            if host_snapshot(self.name) != self.before:
                vpcemu("lab", "clean", "--name", self.name)
            assert host_snapshot(self.name) == self.before


@pytest.fixture
def make_lab(tmp_path):
    """Labs for one test: `make_lab(topology)` returns a Lab not yet up; all are downed after."""
    labs: list[Lab] = []

    def make(topology: Path) -> Lab:
        lab = Lab(new_name(), topology)
        labs.append(lab)
        return lab

    try:
        yield make
    finally:
        failures = []
        for lab in labs:
            try:
                lab.finish()
            except AssertionError as error:
                failures.append(f"lab {lab.name}: {error}")
        assert not failures, "; ".join(failures)


@pytest.fixture(scope="module")
def module_lab(request, tmp_path_factory):
    """A lab shared by a module's tests (starting one takes seconds): the module names its topology
    in LAB_TOPOLOGY, a function of a temporary directory."""
    topology = request.module.LAB_TOPOLOGY(tmp_path_factory.mktemp("lab"))
    lab = Lab(new_name(), topology)
    try:
        lab.up()
        yield lab
    finally:
        lab.finish()
