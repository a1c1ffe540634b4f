"""The contract every command keeps whatever it is given: exit 0 with valid output, or exit 2 with one
to three lines on stderr (`vpcemu: …`) and no traceback; within a time bound; and no file changed
except the outputs the command was asked to write."""
from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import signal
from dataclasses import dataclass
from pathlib import Path

from emulator.cli import main

SECONDS = 30  # per command, measured by an alarm: a hang fails the example, a slow machine does not


class TookTooLong(Exception):
    pass


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def alarm(seconds: float):
    def ring(signum, frame):
        raise TookTooLong(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (FIFOs and other special files by their kind) and its digest."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            out[str(path)] = "special" if not path.is_dir() else "dir"
            continue
        out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def run(argv: list[str], seconds: float = SECONDS) -> Run:
    """`vpcemu ARGV` in this process, stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with alarm(seconds), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in argv])
    finally:
        gc.unfreeze()  # load_network froze the network out of the collector's scans for "the process"
    return Run(code, out.getvalue(), err.getvalue())


def check(argv: list[str], folder: Path, outputs: tuple[Path, ...] = (), seconds: float = SECONDS,
          ran: tuple[int, ...] = (0,)) -> Run:
    """Run and assert the contract; return the run so the caller can check a success's output.
    `ran`: the exit statuses of a command that ran to its end (demo: 1 when a trace was not as expected)."""
    before = snapshot(folder)
    result = run(argv, seconds)
    after = snapshot(folder)
    allowed = {str(p) for p in outputs}
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)} - allowed
    assert not changed, f"files changed that were not asked for: {sorted(changed)}"
    assert "Traceback" not in result.stderr, result.stderr
    if result.code in ran:
        return result
    assert result.code == 2, (result.code, result.stderr)
    lines = result.stderr.splitlines()
    assert 1 <= len(lines) <= 3, result.stderr
    assert all(line.startswith("vpcemu: ") and len(line) < 2000 for line in lines), result.stderr
    assert result.stdout == "", result.stdout
    return result
