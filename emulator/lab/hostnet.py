"""The host side of a lab: network namespaces, TAP devices and processes (pyroute2 and /proc).

Each interface is a TAP device opened by the emulator process: created in the host namespace
under a lab-prefixed name, moved into its host's namespace and renamed there. Its file
descriptor belongs to the emulator, so when the emulator ends, even by SIGKILL, the device goes
with it; the namespaces and the processes inside them are what `lab clean` has to remove.
"""
from __future__ import annotations

import ctypes
import fcntl
import os
import shutil
import signal
import struct
import threading
import time
from pathlib import Path

from . import names

TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000
CLONE_NEWNET = 0x40000000


def pyroute2():
    """The pyroute2 module, or one clear line saying how to get it."""
    try:
        import pyroute2 as module
    except ImportError:
        from ..inputs.errors import InputError

        raise InputError("the lab needs pyroute2: pip install pyroute2 (or `make install`)") from None
    return module


# --- namespaces -----------------------------------------------------------------------------

def create_namespace(ns: str) -> None:
    if (names.NETNS_ROOT / ns).exists():
        raise FileExistsError(f"network namespace {ns} already exists")
    pyroute2().netns.create(ns)
    # IPv6 is not modelled: keep the hosts from chattering (router solicitations, MLD, DAD).
    in_namespace(ns, _disable_ipv6)


def _disable_ipv6() -> None:
    for scope in ("default", "all"):
        with open(f"/proc/sys/net/ipv6/conf/{scope}/disable_ipv6", "w") as f:
            f.write("1")


def in_namespace(ns: str, work) -> None:
    """Run `work()` in a thread that entered namespace `ns` (setns changes only the calling
    thread; /proc/sys/net opened there is the namespace's)."""
    errors: list[BaseException] = []

    def run():
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open(names.NETNS_ROOT / ns, os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), f"setns into {ns}")
            finally:
                os.close(fd)
            work()
        except BaseException as error:  # handed to the caller's thread
            errors.append(error)

    thread = threading.Thread(target=run, name=f"in-{ns}")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def delete_namespace(ns: str) -> None:
    if (names.NETNS_ROOT / ns).exists():
        pyroute2().netns.remove(ns)
    etc = names.ETC_NETNS / ns
    if etc.exists():
        shutil.rmtree(etc, ignore_errors=True)
        try:
            names.ETC_NETNS.rmdir()  # only when no other namespace has files there
        except OSError:
            pass


def list_namespaces() -> list[str]:
    try:
        return sorted(p.name for p in names.NETNS_ROOT.iterdir())
    except FileNotFoundError:
        return []


def lab_namespaces(lab: str) -> list[str]:
    prefix = names.netns_prefix(lab)
    found = {n for n in list_namespaces() if n.startswith(prefix)}
    try:
        found |= {p.name for p in names.ETC_NETNS.iterdir() if p.name.startswith(prefix)}
    except FileNotFoundError:
        pass
    return sorted(found)


def write_resolv_conf(ns: str, resolver: str) -> None:
    """`ip netns exec` binds /etc/netns/<ns>/resolv.conf over /etc/resolv.conf: the host asks
    its VPC's resolver at base + 2 (R131), as an instance does."""
    directory = names.ETC_NETNS / ns
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "resolv.conf").write_text(f"# written by vpcemu lab: the VPC resolver (R131)\nnameserver {resolver}\n")


# --- devices --------------------------------------------------------------------------------

def open_tap(devname: str) -> int:
    """A non-persistent TAP device (Ethernet frames, no packet-info header), non-blocking."""
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", devname.encode(), IFF_TAP | IFF_NO_PI))
    except BaseException:
        os.close(fd)
        raise
    return fd


def configure_interface(devname: str, ns: str, iface) -> None:
    """Move the TAP `devname` into `ns` and give it the interface's name, MAC, MTU, addresses and
    (for the primary interface) the default route: via the subnet router, or on-link for hosts
    beyond the VPCs."""
    pr = pyroute2()
    with pr.IPRoute() as ipr:
        index = ipr.link_lookup(ifname=devname)
        if not index:
            raise OSError(f"device {devname} vanished before it could be moved into {ns}")
        ipr.link("set", index=index[0], net_ns_fd=ns)
    with pr.IPRoute(netns=ns) as ipr:
        index = ipr.link_lookup(ifname=devname)[0]
        ipr.link("set", index=index, ifname=iface.ifname, address=iface.mac, mtu=iface.mtu)
        for address in iface.addresses:
            ipr.addr("add", index=index, address=address, prefixlen=iface.prefixlen)
        ipr.link("set", index=index, state="up")
        lo = ipr.link_lookup(ifname="lo")
        if lo:
            ipr.link("set", index=lo[0], state="up")
        if iface.gateway:
            ipr.route("add", dst="0.0.0.0/0", gateway=iface.gateway, oif=index)
        elif iface.ifname == "eth0" and iface.prefixlen == 32:
            ipr.route("add", dst="0.0.0.0/0", oif=index, scope=253)  # on link: the edge answers ARP


def list_devices() -> list[str]:
    """Interface names in the host's own namespace."""
    return sorted(os.listdir("/sys/class/net"))


def lab_devices(lab: str) -> list[str]:
    return [d for d in list_devices() if names.is_lab_device(lab, d)]


def delete_device(devname: str) -> None:
    with pyroute2().IPRoute() as ipr:
        index = ipr.link_lookup(ifname=devname)
        if index:
            ipr.link("del", index=index[0])


# --- processes ------------------------------------------------------------------------------

def _netns_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def pids_in_namespaces(namespaces: list[str]) -> list[int]:
    """Every process whose network namespace is one of `namespaces` (what `ip netns pids` does)."""
    wanted = {i for i in (_netns_identity(names.NETNS_ROOT / ns) for ns in namespaces) if i}
    if not wanted:
        return []
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _netns_identity(Path("/proc") / entry / "ns" / "net") in wanted:
            out.append(int(entry))
    return sorted(out)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is as good as gone
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [part.decode(errors="replace") for part in f.read().split(b"\0") if part]
    except OSError:
        return []


def stop_pids(pids: list[int], grace: float = 3.0) -> list[int]:
    """SIGTERM, then SIGKILL what is still there after `grace` seconds. Returns those signalled."""
    signalled = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
            signalled.append(pid)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(p) for p in signalled):
        _reap(signalled)
        time.sleep(0.02)
    for pid in signalled:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and any(alive(p) for p in signalled):
        _reap(signalled)
        time.sleep(0.02)
    return signalled


def _reap(pids: list[int]) -> None:
    """Collect those of `pids` that are our own children and ended (others' parents collect theirs)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
