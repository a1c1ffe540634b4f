"""A running lab's state file (/run/vpcemu/<lab>/state.json) and control socket, as the CLI
finds them."""
from __future__ import annotations

import json
import os
import socket

from ..inputs.errors import InputError
from . import hostnet, names

STATE_FILE = "state.json"
CONTROL = "control.sock"
DAEMON_LOG = "daemon.log"
FABRIC_LOG = "fabric.log"
DAEMON_MODULE = "emulator.lab.daemon"


def write_state(lab: str, state: dict) -> None:
    """Replaced whole (emulator/atomic.py): a reader never sees half a state file."""
    from ..atomic import write_file

    write_file(names.state_dir(lab) / STATE_FILE, json.dumps(state, indent=1))


def read_state(lab: str) -> dict | None:
    try:
        return json.loads((names.state_dir(lab) / STATE_FILE).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # unreadable: a lab was there


def state_labs() -> list[str]:
    """Labs with a state directory (up, or left behind)."""
    try:
        return sorted(p.name for p in names.STATE_ROOT.iterdir() if p.is_dir() and names.NAME_PATTERN.match(p.name))
    except FileNotFoundError:
        return []


def is_daemon(pid: int, lab: str) -> bool:
    """`pid` is the emulator daemon of `lab` (checked on its command line, not only its number)."""
    argv = hostnet.cmdline(pid)
    return (hostnet.alive(pid) and DAEMON_MODULE in argv and "--name" in argv
            and argv.index("--name") + 1 < len(argv) and argv[argv.index("--name") + 1] == lab)


def daemons_of(lab: str) -> list[int]:
    """Every process running the daemon of `lab`, found on /proc (the state file may be gone)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid() and is_daemon(int(entry), lab):
            out.append(int(entry))
    return out


def request(lab: str, command: dict, timeout: float = 10.0) -> dict:
    """Ask the daemon of `lab` over its control socket; InputError when it does not answer."""
    path = names.state_dir(lab) / CONTROL
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(json.dumps(command).encode() + b"\n")
            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    except (OSError, socket.timeout) as error:
        raise InputError(f"lab {lab}'s emulator does not answer on {path} ({error.strerror or error}); "
                         f"`vpcemu lab clean --name {lab}` removes what it left") from None
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        raise InputError(f"lab {lab}'s emulator gave an unreadable answer") from None
