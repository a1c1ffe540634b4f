"""The lab's emulator process, started by `vpcemu lab up` (never by hand).

It builds the lab (namespaces, TAP devices, stand-in servers), tells `lab up` through the
`--ready-fd` pipe that it is ready (or what failed: then it has already removed everything it
made), writes /run/vpcemu/<lab>/state.json and forwards frames until `lab down` asks it to stop
over the control socket or it receives SIGTERM/SIGINT/SIGHUP. Then it removes everything again,
its state directory last.

Test hook: VPCEMU_LAB_FAILPOINT=fail-after-host:N makes the build fail after the N-th host (to
check the rollback), crash-after-host:N makes the process SIGKILL itself there (to check that
`lab up` cleans up after a daemon that died half-way).
"""
from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import hostnet, names
from .engine import Engine
from .plan import Host, plan
from .state import CONTROL, FABRIC_LOG, write_state

STANDIN_TIMEOUT = 20.0


class SetupError(Exception):
    pass


class _Terminated(BaseException):
    """Raised by the signal handler: unwinds the loop (or a half-done build) into the teardown."""


def _terminate(signum, frame):
    raise _Terminated(signal.Signals(signum).name)


class Lab:
    """Everything one lab made on the host, so that it can be removed, also half-way through."""

    def __init__(self, name: str, hosts: list[Host], engine: Engine, cpu: int | None = None):
        self.name = name
        self.cpu = cpu
        self.hosts = hosts
        self.engine = engine
        self.namespaces: list[str] = []
        self.standins: list[subprocess.Popen] = []
        self.devices = 0

    def build(self) -> None:
        failpoint = os.environ.get("VPCEMU_LAB_FAILPOINT", "")
        for number, host in enumerate(self.hosts, 1):
            ns = names.netns_name(self.name, host.name)
            self.namespaces.append(ns)  # before creating it: a failure half-way still removes it
            try:
                hostnet.create_namespace(ns)
                for iface in host.interfaces:
                    devname = names.device_name(self.name, self.devices)
                    self.devices += 1
                    fd = hostnet.open_tap(devname)
                    att = self.engine.attach(host, iface, fd, devname, ns)  # the engine closes it from now on
                    hostnet.configure_interface(devname, ns, iface)
                    del att
                if host.interfaces[0].resolver:
                    hostnet.write_resolv_conf(ns, host.interfaces[0].resolver)
            except OSError as error:
                raise SetupError(f"setting up host {host.name} ({ns}): {_describe(error)}") from error
            if failpoint == f"fail-after-host:{number}":
                raise SetupError(f"failpoint {failpoint} (VPCEMU_LAB_FAILPOINT)")
            if failpoint == f"crash-after-host:{number}":
                os.kill(os.getpid(), signal.SIGKILL)
        self.start_standins()

    def start_standins(self) -> None:
        env = dict(os.environ)
        source = str(Path(__file__).resolve().parent.parent.parent)
        env["PYTHONPATH"] = source + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        ip = shutil.which("ip")
        if ip is None:
            raise SetupError("the `ip` command (iproute2) is missing: apt-get install iproute2")
        waiting = []
        for host in self.hosts:
            if not host.standin:
                continue
            ns = names.netns_name(self.name, host.name)
            argv = [ip, "netns", "exec", ns, sys.executable, "-m", "emulator.lab.standin", "--service", host.standin,
                    "--host", host.name] + [x for port in (80, 443) for x in ("--port", str(port))]
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env, cwd="/")
            self.standins.append(proc)
            waiting.append((host, proc))
        deadline = time.monotonic() + STANDIN_TIMEOUT
        for host, proc in waiting:
            line = _readline(proc.stdout, deadline)
            if line.strip() != "ready":
                raise SetupError(f"the stand-in for {host.standin} on host {host.name} did not start"
                                 + (f" (exit status {proc.poll()})" if proc.poll() is not None else " in time"))
            proc.stdout.close()

    def teardown(self) -> None:
        """Remove everything, whatever state the build reached. Never raises."""
        try:
            pids = hostnet.pids_in_namespaces(self.namespaces)  # stand-ins, and what `lab exec` left running
            hostnet.stop_pids(pids, grace=2.0)
        except Exception as error:  # noqa: BLE001 — go on removing the rest
            print(f"vpcemu lab: stopping processes: {error}", file=sys.stderr)
        for proc in self.standins:
            try:
                proc.kill()
                proc.wait(timeout=2)
            except Exception:  # noqa: BLE001
                pass
        self.engine.close()  # the TAP devices go with their file descriptors
        for ns in self.namespaces:
            try:
                hostnet.delete_namespace(ns)
            except Exception as error:  # noqa: BLE001
                print(f"vpcemu lab: removing namespace {ns}: {error}", file=sys.stderr)
        for devname in hostnet.lab_devices(self.name):
            try:
                hostnet.delete_device(devname)
            except Exception as error:  # noqa: BLE001
                print(f"vpcemu lab: removing device {devname}: {error}", file=sys.stderr)


def _readline(stream, deadline: float) -> str:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return ""
    ready, _, _ = select.select([stream], [], [], remaining)
    return stream.readline().decode(errors="replace") if ready else ""


def _describe(error: BaseException) -> str:
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return text


class Control:
    """The control socket: `status` and `stop`, one JSON request per connection."""

    def __init__(self, lab: Lab, state: dict, path: Path):
        self.lab = lab
        self.state = state
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if path.exists():
            path.unlink()
        self.sock.bind(str(path))
        os.chmod(path, 0o600)
        self.sock.listen(8)
        self.sock.setblocking(False)
        lab.engine.add_handler(self.sock.fileno(), self.accept)

    def accept(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except BlockingIOError:
            return
        with conn:
            conn.settimeout(2.0)
            try:
                data = b""
                while not data.endswith(b"\n") and len(data) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                request = json.loads(data or b"{}")
                conn.sendall(json.dumps(self.answer(request)).encode())
            except (OSError, ValueError):
                pass

    def answer(self, request: dict) -> dict:
        command = request.get("cmd")
        if command == "status":
            out = dict(self.state)
            out.update(self.lab.engine.status(int(request.get("limit", 40))))
            return out
        if command == "stop":
            self.lab.engine.stopping = True
            return {"ok": True}
        return {"error": f"unknown command {command!r}"}

    def close(self) -> None:
        self.sock.close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator.lab.daemon")
    parser.add_argument("--name", required=True)
    parser.add_argument("--topology", required=True)
    parser.add_argument("--ready-fd", type=int, required=True)
    parser.add_argument("--cpu", type=int, help="forward on this CPU only")
    args = parser.parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _terminate)
    ready = os.fdopen(args.ready_fd, "w")
    directory = names.state_dir(args.name)
    lab = control = None
    try:
        from ..api import load

        network = load(args.topology)
        hosts = plan(network)
        engine = Engine(network, directory / FABRIC_LOG)
        lab = Lab(args.name, hosts, engine, args.cpu)
        lab.build()
        if args.cpu is not None:  # after the stand-ins started: they are hosts, not the emulator
            os.sched_setaffinity(0, {args.cpu})
        state = {"name": args.name, "pid": os.getpid(), "topology": args.topology, "started": time.time(),
                 "hosts": [dict(h.as_dict(), namespace=names.netns_name(args.name, h.name)) for h in hosts],
                 "state_dir": str(directory), "cpu": args.cpu}
        control = Control(lab, state, directory / CONTROL)
        write_state(args.name, state)
    except BaseException as error:  # noqa: BLE001 — roll back whatever it was, then say what failed
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        if control is not None:
            control.close()
        if lab is not None:
            lab.teardown()
        message = str(error) if isinstance(error, SetupError) else f"{type(error).__name__}: {_describe(error)}"
        print(f"vpcemu lab: setup failed: {message}", file=sys.stderr, flush=True)
        _say(ready, {"error": message})
        return 2
    try:
        _say(ready, {"ok": True, "pid": os.getpid()})
        lab.engine.run()
    except _Terminated as why:
        print(f"vpcemu lab: {why}: stopping", file=sys.stderr, flush=True)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        control.close()
        lab.teardown()
        shutil.rmtree(directory, ignore_errors=True)
    return 0


def _say(stream, message: dict) -> None:
    try:
        stream.write(json.dumps(message) + "\n")
        stream.close()
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
