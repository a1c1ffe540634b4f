"""The `vpcemu` command: thin verbs over the Python API. Bad input: one line on stderr, exit 2."""
from __future__ import annotations

import argparse
import sys

from .api import DEFAULT_DPORT, DEFAULT_SPORT, load
from .inputs.errors import InputError


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, as for every other bad input
        raise InputError(message, field=self.prog)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vpcemu", description="Forward packets through an emulated AWS VPC network.")
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    trace = verbs.add_parser("trace", help="send one packet and show every hop")
    trace.add_argument("topology", help="a YAML topology, an AWS JSON directory, or a folder holding aws_configs/")
    trace.add_argument("--from", dest="source", required=True,
                       help="instance id, ENI id, name, or an ENI's private IPv4 address")
    trace.add_argument("--to", dest="destination", required=True,
                       help="an IPv4 address, or a DNS name resolved by the source VPC's resolver")
    trace.add_argument("--proto", default="tcp", help="tcp, udp, icmp (echo request) or a protocol number")
    trace.add_argument("--sport", type=_port, default=DEFAULT_SPORT)
    trace.add_argument("--dport", type=_port, default=DEFAULT_DPORT)
    trace.add_argument("--json", action="store_true", help="one JSON object on stdout")
    trace.add_argument("--return", dest="with_return", action="store_true",
                       help="also trace the reply of a delivered packet (reachable only if both directions pass)")

    demo = verbs.add_parser("demo", help="run the traces listed under `traces:` in topology files")
    demo.add_argument("topologies", nargs="+")

    imp = verbs.add_parser("import", help="write the YAML equivalent of an AWS JSON directory")
    imp.add_argument("directory")
    imp.add_argument("-o", "--output", required=True)
    return parser


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return VERBS[args.verb](args)
    except InputError as error:
        print(f"vpcemu: {error.line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _warn(network) -> None:
    for warning in network.topology.warnings:
        print(f"vpcemu: warning: {warning}", file=sys.stderr)


def cmd_trace(args) -> int:
    network = load(args.topology)
    _warn(network)
    trace = network.trace_flow(args.source, args.destination, args.proto, args.sport, args.dport,
                               with_return=args.with_return)
    print(trace.to_json() if args.json else trace.render())
    return 0


def cmd_demo(args) -> int:
    from .scenario import read_trace_specs, run_trace_spec

    failed = 0
    for path in args.topologies:
        network = load(path)
        _warn(network)
        print(f"# {path}")
        for spec in read_trace_specs(path):
            trace, problems = run_trace_spec(network, spec)
            print(f"\n## {spec.title}\n$ vpcemu trace {path} --from {spec.source} --to {spec.destination}"
                  + (f" --proto {spec.proto}" if spec.proto != "tcp" else "")
                  + (f" --dport {spec.dport}" if spec.dport != DEFAULT_DPORT else "")
                  + (" --return" if spec.with_return else ""))
            print(trace.render())
            if problems:
                failed += 1
                print("!! NOT AS EXPECTED: " + "; ".join(problems))
        print()
    if failed:
        print(f"vpcemu: {failed} demonstration trace(s) did not behave as their file says", file=sys.stderr)
        return 1
    return 0


def cmd_import(args) -> int:
    from .inputs.aws_json import load_aws_directory
    from .inputs.yaml_writer import write_yaml
    from .inputs.validate import validate

    topology = load_aws_directory(args.directory)
    validate(topology)
    for warning in topology.warnings:
        print(f"vpcemu: warning: {warning}", file=sys.stderr)
    write_yaml(topology, args.output)
    return 0


VERBS = {"trace": cmd_trace, "demo": cmd_demo, "import": cmd_import}
