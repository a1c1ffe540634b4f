"""How a lab names what it makes on the host, so that two labs never collide and `lab clean`
finds everything one left behind from its name alone.

- network namespaces: `vpcemu.<lab>.<host>` (the lab name holds no dot, so the prefix
  `vpcemu.<lab>.` is one lab's and no other's);
- network devices in the host namespace: `vx<lab>-<hex index>` (Linux allows 15 characters:
  2 + at most 8 + 1 + at most 4). A TAP device lives there only between its creation and its
  move into its namespace, where it is renamed eth0, eth1, …;
- per-namespace files for `ip netns exec`: /etc/netns/<namespace>/ (the VPC resolver in
  resolv.conf);
- state: /run/vpcemu/<lab>/ (state.json, the control socket, the daemon's and the fabric's logs).
"""
from __future__ import annotations

import re
from pathlib import Path

from ..inputs.errors import InputError

DEFAULT_NAME = "lab"
NAME_PATTERN = re.compile(r"^[a-z0-9]{1,8}$")
NETNS_ROOT = Path("/run/netns")
ETC_NETNS = Path("/etc/netns")
STATE_ROOT = Path("/run/vpcemu")
MAX_DEVICES = 0x10000  # four hex digits
_HOST_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name or ""):
        raise InputError(f"lab name {name!r} must be 1-8 lowercase letters or digits "
                         "(it prefixes interface names, which Linux limits to 15 characters)", field="--name")
    return name


def netns_prefix(lab: str) -> str:
    return f"vpcemu.{lab}."


def netns_name(lab: str, host: str) -> str:
    return f"{netns_prefix(lab)}{host}"


def device_name(lab: str, index: int) -> str:
    if not 0 <= index < MAX_DEVICES:
        raise InputError(f"a lab holds at most {MAX_DEVICES} interfaces")
    name = f"vx{lab}-{index:x}"
    assert len(name) <= 15, name
    return name


def is_lab_device(lab: str, ifname: str) -> bool:
    prefix = f"vx{lab}-"
    rest = ifname[len(prefix):]
    return ifname.startswith(prefix) and bool(rest) and all(c in "0123456789abcdef" for c in rest)


def lab_of_device(ifname: str) -> str | None:
    match = re.match(r"^vx([a-z0-9]{1,8})-[0-9a-f]{1,4}$", ifname)
    return match.group(1) if match else None


def lab_of_netns(ns: str) -> str | None:
    match = re.match(r"^vpcemu\.([a-z0-9]{1,8})\..+$", ns)
    return match.group(1) if match else None


def host_name(text: str) -> str:
    """A host name safe in a namespace name and a file name."""
    return _HOST_UNSAFE.sub("_", text).strip(".") or "host"


def state_dir(lab: str) -> Path:
    return STATE_ROOT / lab
