"""The lab leaves the host as it found it: after `lab down` (also with processes a user started in
the hosts), after SIGKILL of the emulator and `lab clean`, after a failure half-way through
`lab up`. Mistakes are one line and exit 2. Two labs side by side never collide."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from emulator.lab.hostnet import alive
from tests.conftest import ROOT
from tests.lab.conftest import SEED, Lab, daemons, host_snapshot, new_name, vpcemu

NEEDS_ROOT = True


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vpcemu: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def standin_pids(lab: Lab) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
                netns = os.readlink(f"/proc/{entry}/ns/net")
            except OSError:
                continue
            if b"emulator.lab.standin" in argv:
                namespaces = {os.stat(f"/run/netns/{h['namespace']}").st_ino for h in lab.state["hosts"]
                              if os.path.exists(f"/run/netns/{h['namespace']}")}
                if int(netns.split("[")[1].rstrip("]")) in namespaces:
                    out.append(int(entry))
    return out


@pytest.fixture
def readable_copy():
    """The package, the seed and the compiled module it imports, copied where `nobody` can read them:
    the checkout may sit in a folder only root may enter (a 0700 temporary folder, as CI uses)."""
    import pytricia

    folder = Path(tempfile.mkdtemp(prefix="vpcemu-nobody-"))
    try:
        shutil.copytree(ROOT / "emulator", folder / "emulator", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(pytricia.__file__, folder)
        shutil.copy2(SEED, folder / SEED.name)
        for path in (folder, *folder.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        yield folder
    finally:
        shutil.rmtree(folder)


def test_without_root_every_lab_verb_says_so_in_one_line(readable_copy):
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]  # util-linux
    python = os.path.realpath(sys.executable)  # the interpreter itself, not the checkout's venv
    seed = str(readable_copy / SEED.name)
    for verb in (["up", seed], ["status"], ["exec", "web-a", "--", "true"], ["down"], ["clean", "--all"]):
        result = subprocess.run([*as_nobody, python, "-m", "emulator", "lab", *verb], cwd="/",
                                capture_output=True, text=True, timeout=60,
                                env={**os.environ, "PYTHONPATH": str(readable_copy), "PYTHONDONTWRITEBYTECODE": "1"})
        assert "needs root" in one_line_error(result)


def test_down_removes_every_namespace_device_process_and_file_even_what_exec_started(make_lab):
    lab = make_lab(SEED)
    before = host_snapshot(lab.name)
    lab.up()
    during = host_snapshot(lab.name)
    assert len(during["namespaces"]) == len(before["namespaces"]) + len(lab.state["hosts"])
    assert during["devices"] == before["devices"]  # the TAP devices live inside the namespaces
    assert len(during["etc_netns"]) > len(before["etc_netns"]) and during["daemons"] == [lab.state["pid"]]
    standins = standin_pids(lab)
    # one per public service endpoint and interface endpoint ENI
    assert len(standins) == sum(1 for h in lab.state["hosts"] if h["standin"]) >= 4
    # a process a user leaves running on a lab host
    background = subprocess.Popen([sys.executable, "-m", "emulator", "lab", "exec", "--name", lab.name, "app-a", "--",
                                   "sleep", "300"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and background.pid not in _pids_in(lab, "app-a"):
            time.sleep(0.05)
        assert background.pid in _pids_in(lab, "app-a")  # exec runs the command itself, in the namespace
        down = lab.down()
        assert down.returncode == 0, down.stderr
        assert f"lab {lab.name} is down" in down.stdout
        assert background.wait(timeout=10) != 0  # ended by the teardown
    finally:
        if background.poll() is None:
            background.kill()
            background.wait()
    assert host_snapshot(lab.name) == before
    assert not any(alive(pid) for pid in standins + [lab.state["pid"]])


def _pids_in(lab: Lab, host: str) -> list[int]:
    ns = next(h["namespace"] for h in lab.state["hosts"] if h["name"] == host)
    out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def test_after_sigkill_of_the_emulator_clean_restores_the_host(make_lab):
    lab = make_lab(SEED)
    before = host_snapshot(lab.name)
    lab.up()
    standins = standin_pids(lab)
    os.kill(lab.state["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and daemons(lab.name):
        time.sleep(0.05)
    left = host_snapshot(lab.name)
    assert left != before and left["namespaces"]  # the namespaces and the stand-ins outlive the emulator
    assert all(alive(pid) for pid in standins)
    assert f"lab clean --name {lab.name}" in one_line_error(vpcemu("lab", "status", "--name", lab.name))
    assert f"lab clean --name {lab.name}" in one_line_error(vpcemu("lab", "up", SEED, "--name", lab.name))
    clean = vpcemu("lab", "clean", "--name", lab.name)
    assert clean.returncode == 0, clean.stderr
    assert "namespaces" in clean.stdout and "processes" in clean.stdout
    assert host_snapshot(lab.name) == before
    assert not any(alive(pid) for pid in standins)  # a zombie left for init to reap is gone
    again = vpcemu("lab", "clean", "--name", lab.name)
    assert again.returncode == 0 and "nothing to clean" in again.stdout


@pytest.mark.parametrize("failpoint, says", [
    ("fail-after-host:3", "failpoint fail-after-host:3"),  # the emulator rolls back itself
    ("crash-after-host:4", "died while setting up"),  # it cannot: `lab up` cleans up after it
])
def test_a_failure_half_way_through_up_rolls_back_everything(failpoint, says):
    name = new_name()
    before = host_snapshot(name)
    env = {**os.environ, "VPCEMU_LAB_FAILPOINT": failpoint}
    try:
        line = one_line_error(vpcemu("lab", "up", SEED, "--name", name, env=env))
        assert says in line and "everything it had made was removed" in line
        assert host_snapshot(name) == before
    finally:
        vpcemu("lab", "clean", "--name", name)


def test_two_labs_side_by_side_do_not_collide(make_lab):
    first, second = make_lab(SEED), make_lab(SEED)
    first.up()
    second.up()
    for lab in (first, second):  # the same addresses in both, each in its own namespaces
        result = lab.exec("app-a", "curl", "-sS", "--max-time", "5", "http://10.0.10.100:443/")
        assert result.returncode == 0 and json.loads(result.stdout)["client"] == "10.0.10.10"
    # each lab saw its own traffic only
    assert len(first.flows(ingress="app-a", flow="> 10.0.10.100:443 tcp")) == 1
    assert len(second.flows(ingress="app-a", flow="> 10.0.10.100:443 tcp")) == 1
    assert not set(h["namespace"] for h in first.state["hosts"]) & set(h["namespace"] for h in second.state["hosts"])
    down = first.down()
    assert down.returncode == 0, down.stderr
    assert second.exec("app-a", "curl", "-sS", "--max-time", "5", "http://10.0.10.100:443/").returncode == 0


def test_mistakes_are_one_line_exit_2_and_leave_nothing(make_lab, tmp_path):
    lab = make_lab(SEED)
    before = host_snapshot(lab.name)
    bad_topology = tmp_path / "bad.yaml"
    bad_topology.write_text("name: bad\nregions: {eu-west-2: {vpcs: {v: {cidr_blocks: [not-a-cidr]}}}}\n")
    assert "must be 1-8 lowercase" in one_line_error(vpcemu("lab", "up", SEED, "--name", "Not_OK"))
    assert "no such file" in one_line_error(vpcemu("lab", "up", tmp_path / "missing.yaml", "--name", lab.name))
    one_line_error(vpcemu("lab", "up", bad_topology, "--name", lab.name))
    assert f"no lab {lab.name} is up" in one_line_error(vpcemu("lab", "status", "--name", lab.name))
    assert f"no lab {lab.name} is up" in one_line_error(vpcemu("lab", "down", "--name", lab.name))
    assert host_snapshot(lab.name) == before
    lab.up()
    assert "already up" in one_line_error(vpcemu("lab", "up", SEED, "--name", lab.name))
    assert "has no host 'nowhere'" in one_line_error(lab.exec("nowhere", "true"))
    assert "say what to run" in one_line_error(vpcemu("lab", "exec", "--name", lab.name, "web-a"))
    # exec passes the command's own exit status through
    assert lab.exec("web-a", "sh", "-c", "exit 7").returncode == 7
    # hosts are found by instance id, ENI id and address as well as by name
    for ref in lab.state["hosts"][0]["refs"] + ["10.0.0.10"]:
        assert lab.exec(ref, "true").returncode == 0, ref


@pytest.mark.parametrize("delay", [0.3, 1.0])
def test_ctrl_c_during_lab_up_leaves_the_host_as_it_was(delay):
    """SIGINT while the lab is being built: exit 130, no namespace, device, file or daemon left (or, when
    the signal comes once the lab is up, a whole lab that `lab down` removes)."""
    name = new_name()
    before = host_snapshot(name)
    process = subprocess.Popen([sys.executable, "-m", "emulator", "lab", "up", str(SEED), "--name", name], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    try:
        assert "Traceback" not in err, err
        if process.returncode == 0:  # the signal came after the lab was up: then it is whole, and goes down whole
            assert Path(f"/run/vpcemu/{name}/state.json").exists()
            assert vpcemu("lab", "down", "--name", name).returncode == 0
        else:
            assert process.returncode == 130, err
        assert host_snapshot(name) == before and not daemons(name)
    finally:
        if host_snapshot(name) != before:
            vpcemu("lab", "clean", "--name", name)
