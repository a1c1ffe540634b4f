"""The `vpcemu` command: thin verbs over the Python API. Bad input: one line on stderr, exit 2."""
from __future__ import annotations

import argparse
import os
import signal
import sys

from .api import DEFAULT_DPORT, DEFAULT_SPORT, is_ipv4, load
from .inputs.errors import InputError


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, as for every other bad input
        raise InputError(message, field=self.prog)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vpcemu", description="Forward packets through an emulated AWS VPC network.")
    from .bundled import version  # --version, `schema`, `examples`: what the package ships

    parser.add_argument("--version", action="version", version=f"vpcemu {version()}")
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    trace = verbs.add_parser("trace", help="send one packet and show every hop")
    trace.add_argument("topology", help="a YAML topology, an AWS JSON directory, or a folder holding aws_configs/")
    trace.add_argument("--from", dest="source", required=True,
                       help="instance id, ENI id, name, an ENI's private IPv4 address, or internet (with --src)")
    trace.add_argument("--src", help="the source address: required with --from internet; otherwise the ENI's own")
    trace.add_argument("--to", dest="destination", required=True,
                       help="an IPv4 address, or a DNS name resolved by the source VPC's resolver")
    trace.add_argument("--proto", default="tcp", help="tcp, udp, icmp (echo request) or a protocol number")
    trace.add_argument("--sport", default=str(DEFAULT_SPORT), help=f"source port (default {DEFAULT_SPORT})")
    trace.add_argument("--dport", default=str(DEFAULT_DPORT), help=f"destination port (default {DEFAULT_DPORT})")
    trace.add_argument("--json", action="store_true", help="one JSON object on stdout")
    trace.add_argument("--return", dest="with_return", action="store_true",
                       help="also trace the reply of a delivered packet (reachable only if both directions pass)")

    demo = verbs.add_parser("demo", help="run the traces listed under `traces:` in topology files")
    demo.add_argument("topologies", nargs="+")

    rep = verbs.add_parser("replay", help="forward every packet of a pcap capture, entering at one ENI")
    rep.add_argument("topology")
    rep.add_argument("capture", help="a classic pcap file (Ethernet or raw IPv4)")
    rep.add_argument("--at", required=True, help="the instance or ENI the packets enter at")
    rep.add_argument("--out", help="write the delivered and exited packets, as they left, to this pcap")
    rep.add_argument("--workers", type=int, default=1, help="processes; flows are sharded by hash")
    rep.add_argument("--top", type=int, default=10, help="how many top flows to list")
    rep.add_argument("--json", action="store_true", help="one JSON object on stdout")

    res = verbs.add_parser("resolve", help="what the source VPC's resolver answers for a name")
    res.add_argument("topology")
    res.add_argument("name")
    res.add_argument("--from", dest="source", required=True, help="instance, ENI, name or private address")

    svc = verbs.add_parser("services", help="the endpoint services a principal can find (R58)")
    svc.add_argument("topology")
    svc.add_argument("--principal", help="an IAM ARN: arn:aws:iam::123456789012:root | user/… | role/…")

    imp = verbs.add_parser("import", help="write the YAML equivalent of an AWS JSON directory")
    imp.add_argument("directory")
    imp.add_argument("-o", "--output", required=True)

    from .collect import add_parser as add_collect_parser  # boto3 is imported only when it runs

    add_collect_parser(verbs)

    from .lab.cli import add_parser as add_lab_parser  # the namespace lab (issue 6)

    add_lab_parser(verbs)

    from .record.cli import add_parsers as add_record_parsers  # captures, flow logs, cost, graph (issue 7)

    add_record_parsers(verbs, trace=trace, replay=rep)
    from .bundled import add_parsers as add_bundled_parsers

    add_bundled_parsers(verbs)
    return parser


def _port(text: str, option: str) -> int:
    """A port given in ASCII digits (int() alone would also take "²", "٤٤٣" and "4_43")."""
    from .inputs.errors import shown

    digits = text.strip().removeprefix("-")
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 10):
        raise InputError(f"not a port number: {shown(text)}", field=option)
    value = int(text)
    if not 0 <= value <= 65535:
        raise InputError(f"port out of range: {shown(value)} (0-65535)", field=option)
    return value


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        status = VERBS[args.verb](args)
        sys.stdout.flush()  # a reader that left shows here, not in the interpreter's exit
        return status
    except InputError as error:
        print(f"vpcemu: {error.line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # stdout's reader left (`vpcemu demo … | head`): stop quietly, as a command killed by
        # SIGPIPE would; stdout goes to /dev/null so the flush at exit cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 128 + signal.SIGPIPE


def load_network(path):
    """Load for a command: warnings on stderr, and the loaded network frozen out of the garbage
    collector's scans for the rest of this process (it lives until the command ends)."""
    import gc

    network = load(path)
    gc.freeze()
    _warn(network)
    return network


def _warn(network) -> None:
    for warning in network.topology.warnings:
        print(f"vpcemu: warning: {warning}", file=sys.stderr)


def cmd_trace(args) -> int:
    try:
        sport, dport = _port(args.sport, "--sport"), _port(args.dport, "--dport")
        network = load_network(args.topology)
        if args.src is not None and not is_ipv4(args.src):
            raise InputError(f"not an IPv4 address: {args.src!r}", field="--src")
        trace = network.trace_flow(args.source, args.destination, args.proto, sport, dport, src=args.src,
                                   with_return=args.with_return)
    except InputError as error:
        error.file = error.file or args.topology  # a bad option is reported against the topology it was used with
        raise
    from .record.cli import show_trace  # --pcap, --flow-logs, --latency; colour on a terminal

    show_trace(args, network, trace)
    return 0


def cmd_demo(args) -> int:
    from .inputs.documents import kind_of
    from .scenario import read_trace_specs, run_trace_spec

    for path in args.topologies:  # before anything runs: a demo is all of its files or nothing
        if kind_of(path) == "directory":
            raise InputError("a directory of AWS JSON has no `traces:` to run; demo runs the traces of YAML "
                             "topologies (use `vpcemu trace` on a directory)", file=path)
    failed = 0
    out: list[str] = []  # printed once every trace has run: a bad trace leaves no half-printed demo
    for path in args.topologies:
        network = load_network(path)
        out.append(f"# {path}")
        for i, spec in enumerate(read_trace_specs(path)):
            try:
                trace, problems = run_trace_spec(network, spec)
            except InputError as error:  # name the trace and its key, not the command-line option
                raise InputError(error.message, file=path, resource=f"traces[{i}]",
                                 field=_TRACE_FIELDS.get(error.field, error.field)) from None
            out.append(f"\n## {spec.title}\n$ vpcemu trace {path} --from {spec.source} --to {spec.destination}"
                       + (f" --proto {spec.proto}" if spec.proto != "tcp" else "")
                       + (f" --sport {spec.sport}" if spec.sport != DEFAULT_SPORT else "")
                       + (f" --dport {spec.dport}" if spec.dport != DEFAULT_DPORT else "")
                       + (" --return" if spec.with_return else ""))
            out.append(trace.render())
            if problems:
                failed += 1
                out.append("!! NOT AS EXPECTED: " + "; ".join(problems))
        out.append("")
    print("\n".join(out))
    if failed:
        print(f"vpcemu: {failed} demonstration trace(s) did not behave as their file says", file=sys.stderr)
        return 1
    return 0


_TRACE_FIELDS = {"--from": "from", "--to": "to", "--proto": "proto", "--src": "src"}  # option names -> `traces:` keys


def cmd_import(args) -> int:
    from .inputs.aws_json import load_aws_directory
    from .inputs.yaml_writer import write_yaml
    from .inputs.validate import validate
    from .api import _collection_paused  # as for load(): millions of objects and no cycles

    with _collection_paused():
        topology = load_aws_directory(args.directory)
        validate(topology)
    try:
        with _collection_paused():
            write_yaml(topology, args.output)  # adds a warning for anything the YAML format cannot carry
    finally:
        for warning in topology.warnings:
            print(f"vpcemu: warning: {warning}", file=sys.stderr)
    return 0


def cmd_replay(args) -> int:
    from .replay import print_progress, replay, report_json

    if args.workers < 1:
        raise InputError(f"--workers must be at least 1, got {args.workers}", field="--workers")
    network = load_network(args.topology)
    from .record.cli import replay_options

    report = replay(network, args.capture, args.at, args.out, args.workers,
                    progress=None if args.json else print_progress, **replay_options(args))
    if not args.json and sys.stderr.isatty():
        print(file=sys.stderr)
    print(report_json(report, args.top) if args.json else report.render(args.top))
    return 0


def cmd_resolve(args) -> int:
    network = load_network(args.topology)
    answer = network.lookup(args.name, args.source)
    rcode = {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}.get(answer.rcode, str(answer.rcode))
    print(f"{args.name}: {rcode} {' '.join(answer.addresses)}".rstrip())
    print(f"  from {args.source}: {answer.source}")
    return 0


def cmd_services(args) -> int:
    from .services.catalog import hidden_reasons, visible_services

    network = load_network(args.topology)
    for listing in visible_services(network.topology, args.principal):
        extra = []
        if listing.availability_zones:
            extra.append("AZs " + ",".join(listing.availability_zones))
        if listing.acceptance_required:
            extra.append("acceptance required")
        if listing.private_dns_name:
            extra.append(f"private DNS {listing.private_dns_name}")
        label = f" ({listing.name})" if listing.name else ""
        print(f"{listing.service_name}{label}  {listing.service_type}  owner {listing.owner}  {'; '.join(extra)}".rstrip())
    if args.principal:
        for reason in hidden_reasons(network.topology, args.principal):
            print(f"not available: {reason}")
    return 0


VERBS = {"resolve": cmd_resolve, "services": cmd_services, "replay": cmd_replay, "trace": cmd_trace, "demo": cmd_demo, "import": cmd_import}


def cmd_lab(args) -> int:
    from .lab.cli import run

    return run(args)


VERBS["lab"] = cmd_lab


def cmd_collect(args) -> int:
    from .collect import run

    return run(args)


VERBS["collect"] = cmd_collect

from .record.cli import VERBS as _RECORD_VERBS  # noqa: E402  cost, graph (issue 7)

VERBS.update(_RECORD_VERBS)

from .bundled import VERBS as _BUNDLED_VERBS  # noqa: E402  schema, examples

VERBS.update(_BUNDLED_VERBS)
