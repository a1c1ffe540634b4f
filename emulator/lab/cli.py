"""`vpcemu lab up|status|exec|down|clean`: the namespace lab's verbs. Mistakes a user can make
are InputErrors: one line, exit 2, nothing left half-done."""
from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ..inputs.errors import InputError
from . import hostnet, names
from .state import DAEMON_LOG, DAEMON_MODULE, FABRIC_LOG, daemons_of, is_daemon, read_state, request, state_labs

UP_TIMEOUT = 120.0
NAME_HELP = f"the lab (default: {names.DEFAULT_NAME} if it is up, else the only lab that is up)"
DOWN_TIMEOUT = 20.0


def add_parser(verbs) -> None:
    lab = verbs.add_parser("lab", help="real Linux hosts (network namespaces) on the emulated fabric; needs root")
    sub = lab.add_subparsers(dest="lab_verb", required=True, parser_class=type(lab))
    up = sub.add_parser("up", help="start a lab for a topology: one namespace per instance, endpoint and service")
    up.add_argument("topology")
    up.add_argument("--name", default=names.DEFAULT_NAME,
                    help=f"1-8 lowercase letters or digits (default {names.DEFAULT_NAME}); two labs need two names")
    up.add_argument("--cpu", type=int, help="run the emulator on this CPU only (the lab's hosts run anywhere)")
    status = sub.add_parser("status", help="the lab's hosts, and what crossed the fabric: verdicts, drops and why")
    status.add_argument("--name", help=NAME_HELP)
    status.add_argument("--flows", type=int, default=20, help="how many recent flows and drops to list")
    status.add_argument("--json", action="store_true", help="one JSON object on stdout")
    run = sub.add_parser("exec", help="run a command on a lab host: vpcemu lab exec web-a -- ping -c 3 10.0.10.10")
    run.add_argument("--name", help=NAME_HELP)
    run.add_argument("host", help="a host name, instance id, ENI id, or address")
    run.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG…]")
    down = sub.add_parser("down", help="stop the lab and remove everything it made")
    down.add_argument("--name", help=NAME_HELP)
    clean = sub.add_parser("clean", help="remove whatever a crashed lab left behind (found by its name prefix)")
    clean.add_argument("--name")
    clean.add_argument("--all", action="store_true", help="every lab's leftovers")


def run(args) -> int:
    if os.geteuid() != 0:
        raise InputError("vpcemu lab needs root (it creates network namespaces and TAP devices): run it with sudo")
    hostnet.pyroute2()
    verb = {"up": cmd_up, "status": cmd_status, "exec": cmd_exec, "down": cmd_down, "clean": cmd_clean}[args.lab_verb]
    try:
        return verb(args)
    except BrokenPipeError:  # `vpcemu lab status | head`: the reader left, which is no error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


# --- which lab ------------------------------------------------------------------------------------

def leftovers(lab: str) -> dict:
    return {"namespaces": hostnet.lab_namespaces(lab), "devices": hostnet.lab_devices(lab),
            "state": [str(names.state_dir(lab))] if names.state_dir(lab).exists() else [],
            "daemons": daemons_of(lab)}


def known_labs() -> list[str]:
    found = set(state_labs())
    found |= {names.lab_of_netns(n) for n in hostnet.list_namespaces()} - {None}
    try:
        found |= {names.lab_of_netns(p.name) for p in names.ETC_NETNS.iterdir()} - {None}
    except FileNotFoundError:
        pass
    found |= {names.lab_of_device(d) for d in hostnet.list_devices()} - {None}
    return sorted(found)


def pick(name: str | None) -> str:
    """The lab a verb is about: --name, else the default-named one (what `lab up` starts without
    --name), else the only one that is up."""
    if name is not None:
        return names.check_name(name)
    up = state_labs()
    if names.DEFAULT_NAME in up:
        return names.DEFAULT_NAME
    if len(up) == 1:
        return up[0]
    if not up:
        raise InputError("no lab is up (start one with `vpcemu lab up TOPOLOGY`)")
    raise InputError(f"several labs are up ({', '.join(up)}): say which with --name")


def running_state(lab: str) -> dict:
    state = read_state(lab)
    if state is None:
        raise InputError(f"no lab {lab} is up" + (f" (labs up: {', '.join(state_labs())})" if state_labs() else ""))
    if not state or not is_daemon(int(state.get("pid", 0)), lab):
        raise InputError(f"lab {lab}'s emulator is not running (it crashed or was killed): "
                         f"`vpcemu lab clean --name {lab}` removes what it left")
    return state


# --- up ---------------------------------------------------------------------------------------------

def cmd_up(args) -> int:
    from ..api import load

    lab = names.check_name(args.name)
    allowed = sorted(os.sched_getaffinity(0))
    if args.cpu is not None and args.cpu not in allowed:
        raise InputError(f"no CPU {args.cpu} to run on (this process may use {', '.join(map(str, allowed))})",
                         field="--cpu")
    topology = Path(args.topology).resolve()
    network = load(args.topology)  # a bad topology: one line, nothing made
    for warning in network.topology.warnings:
        print(f"vpcemu: warning: {warning}", file=sys.stderr)
    state = read_state(lab)
    if state and is_daemon(int(state.get("pid", 0)), lab):
        raise InputError(f"lab {lab} is already up (emulator pid {state['pid']}): "
                         f"`vpcemu lab down --name {lab}` first, or choose another --name")
    left = {k: v for k, v in leftovers(lab).items() if v}
    if left:
        raise InputError(f"lab {lab} left {_describe_leftovers(left)} behind: `vpcemu lab clean --name {lab}` "
                         "removes them")
    directory = names.state_dir(lab)
    names.STATE_ROOT.mkdir(parents=True, exist_ok=True)
    try:
        directory.mkdir()
    except FileExistsError:
        raise InputError(f"lab {lab} is being started by another command right now") from None
    read_end, write_end = os.pipe()
    proc = None
    try:
        with open(directory / DAEMON_LOG, "ab") as log:
            env = dict(os.environ)
            source = str(Path(__file__).resolve().parent.parent.parent)
            env["PYTHONPATH"] = source + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
            proc = subprocess.Popen([sys.executable, "-m", DAEMON_MODULE, "--name", lab, "--topology", str(topology),
                                     "--ready-fd", str(write_end)] + (["--cpu", str(args.cpu)] if args.cpu is not None else []),
                                    pass_fds=(write_end,), stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=log, start_new_session=True, env=env, cwd="/")
        os.close(write_end)
        write_end = -1
        message = _wait_ready(read_end, proc)
    except BaseException:
        if write_end >= 0:
            os.close(write_end)
        _abandon(lab, proc)
        raise
    finally:
        os.close(read_end)
    if not message.get("ok"):
        detail = message.get("error") or _last_log_line(lab) or "it ended without saying why"
        _abandon(lab, proc)
        raise InputError(f"lab {lab} did not come up: {detail}; everything it had made was removed")
    state = read_state(lab) or {}
    print(render_hosts(lab, state, header=f"lab {lab} is up: {len(state.get('hosts', []))} hosts, "
                                         f"emulator pid {message['pid']} (state in {directory})"))
    first = next((h["name"] for h in state.get("hosts", []) if h["kind"] == "instance"), None)
    if first:
        print(f"\ntry: vpcemu lab exec --name {lab} {first} -- ping -c 3 ADDRESS    "
              f"then: vpcemu lab status --name {lab}")
    return 0


def _wait_ready(fd: int, proc: subprocess.Popen) -> dict:
    deadline = time.monotonic() + UP_TIMEOUT
    data = b""
    while b"\n" not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return {"error": f"the emulator was not ready after {UP_TIMEOUT:.0f} s"}
        ready, _, _ = select.select([fd], [], [], min(remaining, 1.0))
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                code = proc.poll()
                return {"error": "the emulator died while setting up"
                                 + (f" (exit status {code})" if code is not None else "")}
            data += chunk
    try:
        return json.loads(data.split(b"\n", 1)[0])
    except ValueError:
        return {"error": "the emulator said something unreadable"}


def _abandon(lab: str, proc: subprocess.Popen | None) -> None:
    """A lab that did not come up: make sure its daemon is gone and nothing it made is left."""
    if proc is not None:
        try:
            proc.wait(timeout=15)  # it rolls back by itself when it can
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    clean(lab)


def _last_log_line(lab: str) -> str:
    try:
        lines = (names.state_dir(lab) / DAEMON_LOG).read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""


# --- status -------------------------------------------------------------------------------------------

def cmd_status(args) -> int:
    lab = pick(args.name)
    running_state(lab)
    data = request(lab, {"cmd": "status", "limit": max(1, args.flows)})
    if args.json:
        print(json.dumps(data))
        return 0
    print(render_status(lab, data))
    return 0


def render_hosts(lab: str, state: dict, header: str) -> str:
    rows = [("host", "kind", "address", "router", "namespace")]
    for host in state.get("hosts", []):
        iface = host["interfaces"][0]
        address = iface["addresses"][0] + f"/{iface['prefixlen']}"
        extra = sum(len(i["addresses"]) for i in host["interfaces"]) - 1
        rows.append((host["name"], host["kind"], address + (f" (+{extra})" if extra else ""), iface["gateway"] or "-",
                     host["namespace"]))
    widths = [max(len(r[c]) for r in rows) for c in range(5)]
    lines = [header]
    for row in rows:
        lines.append("  " + "  ".join(row[c].ljust(widths[c]) for c in range(5)).rstrip())
    return "\n".join(lines)


def render_status(lab: str, data: dict) -> str:
    header = (f"lab {lab}: emulator pid {data['pid']}"
              + (f" on CPU {data['cpu']}" if data.get("cpu") is not None else "")
              + f", up {_duration(data['uptime'])}, topology {data['topology']}")
    lines = [render_hosts(lab, data, header), ""]
    verdicts = data["verdicts"]
    lines.append(f"fabric: {data['packets']:,} packets, {data['bytes']:,} bytes: "
                 + (", ".join(f"{n:,} {v}" for v, n in sorted(verdicts.items())) or "nothing yet"))
    counters = data["counters"]
    if counters:
        lines.append("  " + ", ".join(f"{k} {v:,}" for k, v in sorted(counters.items())))
    if data["codes"]:
        lines.append("  drop codes: " + ", ".join(f"{c} {n:,}" for c, n in sorted(data["codes"].items())))
    lines.append("")
    lines.append("dropped (latest first): where and why" if data["drops"] else "dropped: nothing")
    for row in data["drops"]:
        lines.append(f"  {row['ingress']}: {row['flow']}  {row['packets']:,} pkts")
        lines.append(f"      {row['code']} at {row['where']}: {row['why']}")
    lines.append("")
    lines.append(f"flows (latest first, {data['flows_kept']} of at most {data['flow_limit']} kept):")
    owners: dict[str, set] = {}
    for host in data.get("hosts", []):
        owners.setdefault(host["owner"], set()).add(host["name"])
    for row in data["flows"]:
        egress = row["egress"]
        if egress in owners and len(owners[egress]) == 1:
            egress = f"{next(iter(owners[egress]))} ({egress})"
        fate = f"{row['verdict']} {row['code']}" if row["code"] else f"{row['verdict']} -> {egress}"
        lines.append(f"  {row['ingress']}: {row['flow']}  {row['packets']:,} pkts  {fate}")
        if row["path"]:
            lines.append(f"      via {' > '.join(row['path'])}")
        if row["note"]:
            lines.append(f"      ({row['note']})")
    lines.append("")
    lines.append(f"every flow decision, one JSON line each: {data['state_dir']}/{FABRIC_LOG}")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


# --- exec -------------------------------------------------------------------------------------------

def cmd_exec(args) -> int:
    lab = pick(args.name)
    state = running_state(lab)
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise InputError("say what to run after --: vpcemu lab exec HOST -- COMMAND [ARG…]")
    host = find_host(state, args.host)
    ns = host["namespace"]
    if not (names.NETNS_ROOT / ns).exists():
        raise InputError(f"host {host['name']}'s namespace {ns} is gone: `vpcemu lab clean --name {lab}` and up again")
    ip = shutil.which("ip")
    if ip is None:
        raise InputError("the `ip` command (iproute2) is missing: apt-get install iproute2")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(ip, [ip, "netns", "exec", ns] + command)
    return 0  # not reached


def find_host(state: dict, ref: str) -> dict:
    for host in state.get("hosts", []):
        addresses = [a for i in host["interfaces"] for a in i["addresses"]]
        if ref == host["name"] or ref in host.get("refs", []) or ref in addresses:
            return host
    names_ = ", ".join(h["name"] for h in state.get("hosts", []))
    raise InputError(f"lab {state.get('name')} has no host {ref!r} (hosts: {names_})")


# --- down and clean -----------------------------------------------------------------------------------

def cmd_down(args) -> int:
    lab = pick(args.name)
    state = read_state(lab)
    if state is None and not any(leftovers(lab).values()):
        raise InputError(f"no lab {lab} is up")
    hosts = len((state or {}).get("hosts", []))
    pid = int((state or {}).get("pid", 0))
    if pid and is_daemon(pid, lab):
        try:
            request(lab, {"cmd": "stop"}, timeout=5.0)
        except InputError:
            hostnet.stop_pids([pid], grace=DOWN_TIMEOUT)
        deadline = time.monotonic() + DOWN_TIMEOUT
        while hostnet.alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if hostnet.alive(pid):
            hostnet.stop_pids([pid], grace=2.0)
        note = ""
    else:
        note = " (its emulator had already ended)"
    removed = clean(lab)
    extra = f"; removed what the emulator left: {_describe_leftovers(removed)}" if removed else ""
    print(f"lab {lab} is down{note}: {hosts} hosts removed{extra}")
    return 0


def cmd_clean(args) -> int:
    if args.all:
        labs = known_labs()
    elif args.name is not None:
        labs = [names.check_name(args.name)]
    else:
        labs = known_labs()
        if len(labs) > 1:
            raise InputError(f"leftovers of several labs ({', '.join(labs)}): say which with --name, or --all")
    if not labs:
        print("nothing to clean: no lab has namespaces, devices, state or an emulator on this host")
        return 0
    for lab in labs:
        removed = clean(lab)
        print(f"lab {lab}: " + (f"removed {_describe_leftovers(removed)}" if removed else "nothing to clean"))
    return 0


def clean(lab: str) -> dict:
    """Remove everything of `lab`, found by its prefixes: its emulator, the processes in its
    namespaces, the namespaces, its devices, its state. Returns what was there."""
    found = {k: v for k, v in leftovers(lab).items() if v}
    state = read_state(lab) or {}
    daemons = set(found.get("daemons", []))
    if state.get("pid") and is_daemon(int(state["pid"]), lab):
        daemons.add(int(state["pid"]))
    if daemons:
        hostnet.stop_pids(sorted(daemons), grace=5.0)  # SIGTERM: a live emulator removes its own lab
    namespaces = hostnet.lab_namespaces(lab)
    processes = hostnet.pids_in_namespaces(namespaces)
    if processes:
        hostnet.stop_pids(processes, grace=2.0)
        found["processes"] = processes
    errors = []
    for ns in namespaces:
        try:
            hostnet.delete_namespace(ns)
        except Exception as error:  # noqa: BLE001
            errors.append(f"namespace {ns}: {error}")
    for devname in hostnet.lab_devices(lab):
        try:
            hostnet.delete_device(devname)
        except Exception as error:  # noqa: BLE001
            errors.append(f"device {devname}: {error}")
    shutil.rmtree(names.state_dir(lab), ignore_errors=True)
    try:
        names.STATE_ROOT.rmdir()  # only when no other lab is there
    except OSError:
        pass
    if errors:
        raise InputError(f"could not remove everything of lab {lab}: {'; '.join(errors)}")
    return found


def _describe_leftovers(found: dict) -> str:
    parts = []
    for key, one, many in (("daemons", "emulator process", "emulator processes"),
                           ("processes", "process in its namespaces", "processes in its namespaces"),
                           ("namespaces", "namespace", "namespaces"), ("devices", "device", "devices"),
                           ("state", "state directory", "state directories")):
        n = len(found.get(key, []))
        if n:
            parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)
