"""No run leaves anything behind: not after success, not after an error, not after Ctrl-C. Each
command runs as a user runs it (a process of its own) with TMPDIR pointed at an empty folder,
which must stay empty; the output folder holds exactly what was asked for; the host's network
namespaces and links are as they were. (The lab's own teardown, kill and `lab clean` are tested
in tests/lab/test_lab_robustness.py.)"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.captures import frame, write_capture
from tests.conftest import ROOT, TOPOLOGIES

SEED = str(TOPOLOGIES / "seed-endpoints.yaml")
LAB_NAMESPACE = re.compile(r"^vpcemu\.[a-z0-9]{1,8}\.")
LAB_DEVICE = re.compile(r"^vx[a-z0-9]{1,8}-[0-9a-f]{1,4}$")


def _host_network() -> tuple[list[str], list[str]]:
    """The host's namespaces and links, leaving out the labs' own (`vpcemu.<lab>.…`, `vx<lab>-…`): none
    of these commands starts a lab, and lab tests running at the same time on this machine do."""
    def run(*argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout
        except FileNotFoundError:
            return ""
    namespaces = [line.split()[0] for line in run("ip", "netns", "list").splitlines() if line.strip()]
    links = [line.split(":")[1].strip().split("@")[0] for line in run("ip", "-o", "link", "show").splitlines()
             if line.count(":") >= 2]
    return (sorted(n for n in namespaces if not LAB_NAMESPACE.match(n)),
            sorted(d for d in links if not LAB_DEVICE.match(d)))


@pytest.fixture
def sandbox(tmp_path):
    """(run, out): `run(*argv)` starts vpcemu with its own empty TMPDIR; afterwards nothing may be left."""
    tmp, out = tmp_path / "tmp", tmp_path / "out"
    tmp.mkdir()
    out.mkdir()
    before = _host_network()
    env = {**os.environ, "TMPDIR": str(tmp)}

    def start(*argv) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "emulator", *argv], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    yield start, out
    assert sorted(os.listdir(tmp)) == [], "temporary files left behind"
    assert _host_network() == before


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    path = tmp_path_factory.mktemp("capture") / "many.pcap"
    write_capture(path, [frame("10.0.0.10", "8.8.8.8", "tcp", 1000 + i, 80) for i in range(2000)], repeat=300)
    return str(path)


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    _, err = process.communicate(timeout=300)
    return process.returncode, err


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_replay_that_succeeds_leaves_only_its_output(sandbox, capture, workers):
    start, out = sandbox
    code, err = _finish(start("replay", SEED, capture, "--at", "web-a", "--workers", workers,
                              "--out", str(out / "out.pcap"), "--json"))
    assert code == 0, err
    assert sorted(os.listdir(out)) == ["out.pcap"]


@pytest.mark.parametrize("argv", [
    ["replay", SEED, "CAPTURE", "--at", "nobody-here", "--workers", "2", "--out", "OUT/out.pcap"],
    ["replay", SEED, "CAPTURE", "--at", "web-a", "--workers", "2", "--out", "OUT/no-such-folder/out.pcap"],
    ["trace", SEED, "--from", "web-a", "--to", "999.1.1.1", "--pcap", "OUT/t.pcap"],
    ["import", "OUT", "-o", "OUT/t.yaml"],
], ids=["replay-unknown-eni", "replay-missing-folder", "trace-bad-address", "import-no-json"])
def test_a_command_that_fails_leaves_nothing(sandbox, capture, argv):
    start, out = sandbox
    argv = [a.replace("CAPTURE", capture).replace("OUT", str(out)) for a in argv]
    code, err = _finish(start(*argv))
    assert code == 2 and "Traceback" not in err, err
    assert os.listdir(out) == []


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_in_a_long_replay_leaves_nothing(sandbox, capture, workers):
    start, out = sandbox
    process = start("replay", SEED, capture, "--at", "web-a", "--workers", workers,
                    "--out", str(out / "out.pcap"), "--flow-logs", str(out / "flows"))
    time.sleep(1.0)  # loaded and replaying: 600,000 packets, written out, take several seconds
    process.send_signal(signal.SIGINT)
    code, err = _finish(process)
    assert "Traceback" not in err, err
    if code == 130:  # interrupted: no output at all, not half of one
        assert os.listdir(out) == []
    else:  # it had already finished: then whole
        assert code == 0 and sorted(os.listdir(out)) == ["flows", "out.pcap"], err
