"""Every file vpcemu writes, whatever the output path names (emulator/atomic.py): a regular file or
a new one is replaced whole; a symbolic link is written through; a character device or a FIFO is
written to; stdout (`-`) is streamed to where nothing else goes there; a directory, a block device
or a missing directory is one error line — and nothing that is not a regular file is ever replaced,
nothing temporary is left beside the target."""
from __future__ import annotations

import os
import stat
import sys
import threading
from pathlib import Path

import pytest

from emulator.atomic import AtomicFile
from emulator.cli import main
from emulator.inputs.errors import InputError
from tests.captures import frame, write_capture
from tests.conftest import TOPOLOGIES
from tests.inputs.test_aws_json import describe_outputs, write_outputs

SEED = str(TOPOLOGIES / "seed-endpoints.yaml")
ROOT_USER = os.geteuid() == 0


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("inputs")
    write_capture(folder / "in.pcap", [frame("10.0.0.10", "8.8.8.8", "tcp", 1000 + i, 80) for i in range(20)]
                  + [frame("10.0.0.10", "10.0.1.10", "tcp", 2000, 443)])
    aws = write_outputs(folder / "aws" / "aws_configs", describe_outputs())
    return {"capture": str(folder / "in.pcap"), "aws": str(aws)}


# Every writer a user reaches from the command line, as (name, argv for an output path, stdout free?).
WRITERS = {
    "trace --pcap": (lambda i, p: ["trace", SEED, "--from", "web-a", "--to", "8.8.8.8", "--pcap", p], False),
    "replay --out": (lambda i, p: ["replay", SEED, i["capture"], "--at", "web-a", "--out", p], False),
    "replay --out-capture": (lambda i, p: ["replay", SEED, i["capture"], "--at", "web-a", "--out-capture", p], False),
    "replay --workers 2 --out": (lambda i, p: ["replay", SEED, i["capture"], "--at", "web-a", "--workers", "2",
                                               "--out", p], False),
    "graph -o": (lambda i, p: ["graph", SEED, "-o", p], True),
    "import -o": (lambda i, p: ["import", i["aws"], "-o", p], True),
}
MAGIC = {"trace --pcap": b"\x0a\x0d\x0d\x0a", "replay --out": b"\xd4\xc3\xb2\xa1",
         "replay --out-capture": b"\x0a\x0d\x0d\x0a", "replay --workers 2 --out": b"\xd4\xc3\xb2\xa1",
         "graph -o": b"flowchart", "import -o": b"# Written by"}


def run(argv, capsys) -> tuple[int, str]:
    status = main(argv)
    return status, capsys.readouterr().err


def one_line_error(status: int, err: str) -> str:
    lines = [line for line in err.splitlines() if not line.startswith("vpcemu: warning:")]
    assert status == 2 and len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.startswith("."))


@pytest.mark.parametrize("writer", WRITERS)
def test_a_new_file_and_an_existing_file_are_written_whole(writer, inputs, tmp_path, capsys):
    argv, _ = WRITERS[writer]
    target = tmp_path / "out"
    assert run(argv(inputs, str(target)), capsys)[0] == 0
    assert target.read_bytes().startswith(MAGIC[writer])
    target.write_bytes(b"old")
    assert run(argv(inputs, str(target)), capsys)[0] == 0
    assert target.read_bytes().startswith(MAGIC[writer])
    assert os.listdir(tmp_path) == ["out"]


@pytest.mark.parametrize("writer", WRITERS)
def test_a_symlink_is_written_through_and_stays_a_link(writer, inputs, tmp_path, capsys):
    argv, _ = WRITERS[writer]
    real = tmp_path / "real"
    real.mkdir()
    (real / "file").write_bytes(b"old")
    link = tmp_path / "link"
    link.symlink_to(real / "file")
    dangling = tmp_path / "dangling"
    dangling.symlink_to(real / "new")
    for path in (link, dangling):
        assert run(argv(inputs, str(path)), capsys)[0] == 0
        assert path.is_symlink() and path.read_bytes().startswith(MAGIC[writer])
    assert sorted(os.listdir(real)) == ["file", "new"]
    assert sorted(os.listdir(tmp_path)) == ["dangling", "link", "real"]


def _char_device(tmp_path: Path, name: str, minor: int) -> Path:
    """A device node of our own when root (1,3 is null, 1,7 full), else the system's."""
    if not ROOT_USER:
        return Path("/dev") / name
    path = tmp_path / name
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    return path


@pytest.mark.parametrize("writer", WRITERS)
def test_a_character_device_is_written_to_never_replaced(writer, inputs, tmp_path, capsys):
    argv, _ = WRITERS[writer]
    null = _char_device(tmp_path, "null", 3)
    assert run(argv(inputs, str(null)), capsys)[0] == 0
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    full = _char_device(tmp_path, "full", 7)
    line = one_line_error(*run(argv(inputs, str(full)), capsys))
    assert "No space left on device" in line and str(full) in line
    assert stat.S_ISCHR(os.lstat(full).st_mode)
    if ROOT_USER:
        assert sorted(os.listdir(tmp_path)) == ["full", "null"]


@pytest.mark.parametrize("writer", WRITERS)
def test_a_fifo_gets_the_output_and_stays_a_fifo(writer, inputs, tmp_path, capsys):
    argv, _ = WRITERS[writer]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert run(argv(inputs, str(fifo)), capsys)[0] == 0
    reader.join(timeout=60)
    assert received and received[0].startswith(MAGIC[writer])
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.listdir(tmp_path) == ["fifo"]


@pytest.mark.parametrize("writer", WRITERS)
def test_a_directory_or_a_missing_directory_is_one_line_and_nothing_is_made(writer, inputs, tmp_path, capsys):
    argv, _ = WRITERS[writer]
    folder = tmp_path / "folder"
    folder.mkdir()
    assert "is a directory" in one_line_error(*run(argv(inputs, str(folder)), capsys))
    assert os.listdir(folder) == []
    line = one_line_error(*run(argv(inputs, str(tmp_path / "missing" / "out")), capsys))
    assert "no such directory" in line and "missing" in line
    assert os.listdir(tmp_path) == ["folder"]


@pytest.mark.skipif(not ROOT_USER, reason="making a block device node needs root")
@pytest.mark.parametrize("writer", WRITERS)
def test_a_block_device_is_refused(writer, inputs, tmp_path, capsys):
    argv, _ = WRITERS[writer]
    disk = tmp_path / "disk"
    os.mknod(disk, stat.S_IFBLK | 0o600, os.makedev(7, 250))  # a loop device number, never opened
    assert "block device" in one_line_error(*run(argv(inputs, str(disk)), capsys))
    assert stat.S_ISBLK(os.lstat(disk).st_mode) and os.listdir(tmp_path) == ["disk"]


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_stdout_is_streamed_only_where_the_report_is_not(writer, name, inputs, capfdbinary):
    argv, free = WRITERS[writer]
    status = main(argv(inputs, name))
    out, err = capfdbinary.readouterr()
    if free:
        assert status == 0 and out.startswith(MAGIC[writer])
    else:  # stdout carries the trace or the replay report
        assert status == 2 and b"standard output" in err and b"Traceback" not in err


def test_outputs_of_one_command_are_put_in_place_together(tmp_path, capsys):
    """trace --pcap with a --flow-logs that cannot be written: the capture is not written either,
    and the file the link points to keeps its content."""
    (tmp_path / "keep").write_bytes(b"previous")
    (tmp_path / "link").symlink_to(tmp_path / "keep")
    (tmp_path / "not-a-dir").write_text("x")
    argv = ["trace", SEED, "--from", "web-a", "--to", "52.95.148.10", "--pcap", str(tmp_path / "link"),
            "--flow-logs", str(tmp_path / "not-a-dir")]
    assert "not a directory" in one_line_error(*run(argv, capsys))
    assert (tmp_path / "keep").read_bytes() == b"previous"
    assert sorted(os.listdir(tmp_path)) == ["keep", "link", "not-a-dir"]


def test_flow_logs_go_through_a_linked_directory(tmp_path, capsys):
    (tmp_path / "logs").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "logs")
    argv = ["trace", SEED, "--from", "web-a", "--to", "52.95.148.10", "--flow-logs", str(tmp_path / "link")]
    assert run(argv, capsys)[0] == 0
    assert (tmp_path / "link").is_symlink() and list((tmp_path / "logs").rglob("*.log.gz"))
    assert not [p for p in (tmp_path / "logs").rglob(".*")]


# --- the writer itself ----------------------------------------------------------------------------


def test_a_new_file_has_the_permissions_the_umask_gives(tmp_path):
    previous = os.umask(0o027)
    try:
        with AtomicFile(tmp_path / "out", "w") as out:
            out.write("text ü")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(tmp_path / "out").st_mode) == 0o640
    assert (tmp_path / "out").read_text(encoding="utf-8") == "text ü"


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_write_leaves_the_old_file_and_no_temporary_file(tmp_path, error):
    (tmp_path / "out").write_bytes(b"old")
    with pytest.raises(error):
        with AtomicFile(tmp_path / "out") as out:
            out.write(b"new")
            assert len(os.listdir(tmp_path)) == 2  # the hidden temporary file beside the target
            raise error()
    assert (tmp_path / "out").read_bytes() == b"old" and os.listdir(tmp_path) == ["out"]


def test_a_file_name_ending_in_a_slash_is_refused(tmp_path):
    with pytest.raises(InputError, match="directory"):
        AtomicFile(str(tmp_path / "new") + "/")
    assert os.listdir(tmp_path) == []


def test_a_closed_stdout_is_left_to_the_command_line():
    """Writing a streamed output to a stdout whose reader left raises BrokenPipeError (cli.main ends
    quietly on it), not an InputError naming `-` as if it were a file."""
    read, write = os.pipe()
    os.close(read)
    saved = sys.stdout
    sys.stdout = os.fdopen(write, "w")
    try:
        out = AtomicFile("-", stdout=True)
        with pytest.raises(BrokenPipeError):
            out.write(b"x" * 100_000)
            out.close()
    finally:
        try:
            sys.stdout.close()
        except BrokenPipeError:
            pass
        sys.stdout = saved
