"""Read captures back with Wireshark's tshark and capinfos (Debian package tshark; `make test`
installs it). Tests that need them are skipped, saying so, where they are not installed."""
from __future__ import annotations

import shutil
import subprocess

import pytest

TSHARK = shutil.which("tshark")
CAPINFOS = shutil.which("capinfos")
needs_tshark = pytest.mark.skipif(TSHARK is None or CAPINFOS is None,
                                  reason="tshark is not installed (Debian package tshark; `make test` installs it)")


def fields(path, *names: str, options: tuple[str, ...] = ()) -> list[list[str]]:
    """One row per packet: the values of `names` as tshark decodes them."""
    command = [TSHARK, "-r", str(path), *options, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for name in names:
        command += ["-e", name]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [line.split("\t") for line in result.stdout.splitlines()]


def interface_count(path) -> int:
    result = subprocess.run([CAPINFOS, "-I", str(path)], capture_output=True, text=True, timeout=60)
    if result.returncode != 0 or "Number of interfaces" not in result.stdout:
        result = subprocess.run([CAPINFOS, str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    line = next(l for l in result.stdout.splitlines() if "Number of interfaces" in l)
    return int(line.split(":")[1])


def file_type(path) -> str:
    result = subprocess.run([CAPINFOS, "-t", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split("File type:")[1].strip()
