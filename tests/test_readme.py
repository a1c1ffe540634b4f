"""Every console example of README.md runs as printed, and prints what the README says it prints.

The README's convention (stated in its "Examples in this README" note):

* a fenced block tagged `console` is a shell session: each line starting with `$ ` is a command,
  the lines up to the next command are its output (stdout and stderr together, as on a terminal);
* a line holding only `…` stands for any number of output lines (none included), and a `…` inside
  a line for any text within that line (a run time, a process id);
* commands run with bash, from the root of a fresh copy of the repository (what a clone holds,
  without `.venv` and `.git`), one copy per block, with the virtualenv's `vpcemu` first on PATH;
* a block with `sudo` or `vpcemu lab` needs root: it runs only as root (`sudo ` dropped, root
  needs none) and is skipped otherwise; `make …` commands are not re-run here (the suite is what
  `make test` runs).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = ROOT / "README.md"
ELLIPSIS = "…"
PROMPT = "$ "
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "build",
                                     "*.egg-info")
TIMEOUT = 300


@dataclass
class Command:
    line: int  # where the command is in README.md
    text: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    line: int
    commands: list[Command]

    @property
    def needs_root(self) -> bool:
        return any(c.text.startswith("sudo ") or c.text.startswith("vpcemu lab ") for c in self.commands)


def console_blocks(text: str) -> list[Block]:
    """The ```console blocks of a Markdown text, parsed into commands and their expected output."""
    blocks, current, fence = [], None, None
    for number, line in enumerate(text.splitlines(), start=1):
        if current is None:
            match = re.match(r"^(`{3,})console\s*$", line)
            if match:
                fence, current = match.group(1), Block(number, [])
            continue
        if line.rstrip() == fence:
            blocks.append(current)
            current = None
        elif line.startswith(PROMPT):
            current.commands.append(Command(number, line[len(PROMPT):]))
        else:
            assert current.commands, f"README.md:{number}: output before the block's first `$ ` command"
            current.commands[-1].expected.append(line)
    assert current is None, f"README.md:{current.line}: console block never closed"
    return blocks


def output_pattern(expected: list[str]) -> re.Pattern:
    """A regular expression for the expected lines: `…` alone matches any lines, `…` in a line any text."""
    parts = []
    for line in expected:
        if line.strip() == ELLIPSIS:
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(piece) for piece in line.rstrip().split(ELLIPSIS)) + r"\n")
    return re.compile("".join(parts))


def normalise(output: str) -> str:
    lines = [line.rstrip() for line in output.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "".join(line + "\n" for line in lines)


def test_the_convention_matches_what_it_says():
    """The matcher can fail: elisions stand for lines or text, everything else is literal."""
    assert output_pattern(["a", "…", "d"]).fullmatch("a\nb\nc\nd\n")
    assert output_pattern(["a", "…", "d"]).fullmatch("a\nd\n")
    assert not output_pattern(["a", "…", "d"]).fullmatch("a\nb\n")
    assert output_pattern(["in … s, … packets/s"]).fullmatch("in 0.01 s, 92,354 packets/s\n")
    assert not output_pattern(["in … s"]).fullmatch("in 0.01 s\nmore\n")
    assert not output_pattern(["x [1]"]).fullmatch("x 1\n")
    block, = console_blocks("text\n```console\n$ echo a\na\n$ true\n```\n```sh\n$ not run\n```\n")
    assert [(c.text, c.expected) for c in block.commands] == [("echo a", ["a"]), ("true", [])]


BLOCKS = console_blocks(README.read_text(encoding="utf-8"))


def test_the_readme_opens_with_the_two_set_up_commands():
    head = README.read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert re.search(r"^make run\b", head, re.M) and re.search(r"^make test\b", head, re.M), head


def test_the_readme_sends_no_reader_outside_the_repository():
    """Only the developers' note about the Batfish corpus may name ../shared."""
    lines = [line for line in README.read_text(encoding="utf-8").splitlines() if "../shared" in line]
    assert len(lines) <= 2 and all("Batfish" in line or "corpus" in line for line in lines), lines


def test_the_readme_has_console_examples():
    assert len(BLOCKS) >= 10 and sum(len(b.commands) for b in BLOCKS) >= 20


@pytest.fixture
def repository_copy(tmp_path):
    copy = tmp_path / "vpcemu"
    shutil.copytree(ROOT, copy, symlinks=True, ignore=COPY_IGNORE)
    return copy


def run_block(block: Block, cwd: Path) -> None:
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "NO_COLOR": "1",
           "PYTHONUNBUFFERED": "1", "COLUMNS": "200", "LC_ALL": "C.UTF-8"}
    env.pop("VIRTUAL_ENV", None)
    for command in block.commands:
        if command.text.startswith("make "):
            continue  # the suite is what `make test` runs; `make run` is the demo tests/test_cli.py checks
        text = command.text[len("sudo "):] if command.text.startswith("sudo ") else command.text
        done = subprocess.run(["bash", "-o", "pipefail", "-c", text], cwd=cwd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
        actual = normalise(done.stdout)
        expected = normalise("\n".join(command.expected))
        assert output_pattern(expected.splitlines()).fullmatch(actual), (
            f"README.md:{command.line}: `{command.text}` (exit {done.returncode}) printed\n{actual}\n"
            f"--- where the README shows\n{expected}")


@pytest.mark.parametrize("block", BLOCKS, ids=[f"line{b.line}" for b in BLOCKS])
def test_console_block_runs_as_printed(block, repository_copy):
    if block.needs_root and os.geteuid() != 0:
        pytest.skip(f"README.md:{block.line}: the namespace lab needs root; CI runs it as root")
    try:
        run_block(block, repository_copy)
    finally:
        if block.needs_root:  # a lab the block left up (a failed command) goes with it
            subprocess.run([sys.executable, "-m", "emulator", "lab", "down"], cwd=repository_copy,
                           capture_output=True, timeout=120)
