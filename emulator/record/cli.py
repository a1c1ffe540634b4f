"""The command line of "see the network": options of `trace` and `replay` that write captures and
flow logs or report latency, and the `cost` and `graph` verbs. emulator/cli.py wires these in."""
from __future__ import annotations

import json
import os
import sys
import time

from ..inputs.errors import InputError

FLOW_LOG_FORMATS = ("v2", "v5")


def add_parsers(verbs, trace, replay) -> None:
    trace.add_argument("--pcap", metavar="FILE",
                       help="write the packet at every hop (and the reply's, with --return) to a pcapng file")
    trace.add_argument("--flow-logs", metavar="DIR",
                       help="write VPC Flow Logs records of every ENI crossed, as AWS delivers them to S3")
    trace.add_argument("--flow-log-format", choices=FLOW_LOG_FORMATS, default="v2",
                       help="v2: AWS's default format; v5: with vpc-id, subnet-id, instance-id, pkt-*, "
                            "flow-direction, traffic-path …")
    trace.add_argument("--latency", action="store_true",
                       help="report the estimated one-way latency (and round trip, with --return)")
    replay.add_argument("--out-capture", metavar="FILE",
                        help="write the delivered and exited packets as pcapng: an interface per egress, "
                             "a comment per flow")
    replay.add_argument("--flow-logs", metavar="DIR", help="write VPC Flow Logs of every ENI the flows crossed")
    replay.add_argument("--flow-log-format", choices=FLOW_LOG_FORMATS, default="v2")
    replay.add_argument("--flow-log-interval", type=int, choices=(60, 600), default=600,
                        help="aggregation interval in seconds of capture time (AWS: 60 or 600)")

    cost = verbs.add_parser("cost", help="the monthly cost of a path, itemised; --compare sets alternatives side by side")
    cost.add_argument("topology")
    cost.add_argument("--from", dest="source", required=True, help="instance, ENI, name or private address")
    cost.add_argument("--to", dest="destination", required=True, help="an address or a DNS name")
    cost.add_argument("--gb-per-month", required=True, help="GB sent along the path each month")
    cost.add_argument("--compare", action="append", default=[], metavar="SRC:DST",
                      help="another path to price side by side (repeatable)")
    cost.add_argument("--download", action="store_true",
                      help="the data flows back from DST to SRC (the reply's path), e.g. downloads from S3")
    cost.add_argument("--free-tier", action="store_true",
                      help="subtract the account's 100 GB monthly internet egress free tier (R146)")
    cost.add_argument("--proto", default="tcp")
    cost.add_argument("--dport", default="443")
    cost.add_argument("--json", action="store_true", help="one JSON object on stdout")

    graph = verbs.add_parser("graph", help="draw the topology, with a traced path highlighted")
    graph.add_argument("topology")
    graph.add_argument("--trace", nargs=2, metavar=("SRC", "DST"), help="highlight the path from SRC to DST")
    graph.add_argument("--format", choices=GRAPH_FORMATS,
                       help="default: what -o's extension names (.png, .dot/.gv, .mmd), else mermaid")
    graph.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")


# --- trace ----------------------------------------------------------------------------------------

def show_trace(args, network, trace) -> None:
    """Write what `trace` was asked to write, then print it (JSON, or the hop table)."""
    from .latency import LatencyModel, describe, summary_line
    from .term import render_trace, use_colour

    model = LatencyModel.for_network(network)
    write_trace_files(args, network, trace, model)
    if args.json:
        data = trace.as_dict()
        if getattr(args, "latency", False):
            data["latency"] = describe(network, trace, model)
        print(json.dumps(data))
        return
    print(render_trace(trace, use_colour(sys.stdout)))
    if getattr(args, "latency", False):
        print(summary_line(describe(network, trace, model)))


def write_trace_files(args, network, trace, model) -> None:
    """--pcap and --flow-logs. Both are written before either is put in place; a failure leaves
    neither (stdout carries the trace, so neither may be `-`)."""
    from ..atomic import check_output, commit
    from .capture import trace_capture
    from .flowlogs import FlowLogFiles, rows_for_trace

    pcap, logs = getattr(args, "pcap", None), getattr(args, "flow_logs", None)
    if not pcap and not logs:
        return
    if pcap:
        check_output(pcap)
    now_ns = time.time_ns()
    rows = rows_for_trace(network, trace, now_ns / 1e9, model) if logs else []
    outputs = []
    try:
        if pcap:
            outputs.append(trace_capture(pcap, network, trace, now_ns, model)[0])
        if logs:
            outputs.append(FlowLogFiles(logs, rows, args.flow_log_format))
    except BaseException:
        for output in outputs:
            output.abort()
        raise
    commit(outputs)


def replay_options(args) -> dict:
    return {"out_capture": getattr(args, "out_capture", None), "flow_logs": getattr(args, "flow_logs", None),
            "flow_log_format": getattr(args, "flow_log_format", "v2"),
            "flow_log_interval": getattr(args, "flow_log_interval", 600)}


# --- cost -----------------------------------------------------------------------------------------

def _gb(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"not a number of GB: {text!r}", field="--gb-per-month") from None
    if not value >= 0 or value == float("inf"):
        raise InputError(f"must be zero or more, got {text}", field="--gb-per-month")
    return value


def _pair(text: str) -> tuple[str, str]:
    source, sep, destination = text.partition(":")
    if not sep or not source or not destination:
        raise InputError(f"expected SRC:DST, got {text!r}", field="--compare")
    return source, destination


def cmd_cost(args) -> int:
    from ..cli import load_network
    from .cost import path_cost
    from .latency import LatencyModel, describe

    try:
        gb = _gb(args.gb_per_month)
        pairs = [(args.source, args.destination)] + [_pair(text) for text in args.compare]
        dport = _port(args.dport)
        network = load_network(args.topology)
        direction = "download" if args.download else "upload"
        model = LatencyModel.for_network(network)
        costs = []
        for source, destination in pairs:
            trace = network.trace_flow(source, destination, args.proto, dport=dport, with_return=True)
            cost = path_cost(network, trace, gb, source, destination, direction, args.free_tier)
            costs.append((cost, describe(network, trace, model)))
    except InputError as error:
        error.file = error.file or args.topology
        raise
    if args.json:
        print(json.dumps({"prices_as_of": costs[0][0].as_of, "gb_per_month": gb, "direction": direction,
                          "paths": [dict(c.as_dict(), latency=lat) for c, lat in costs]}))
    elif len(costs) == 1:
        print(render_cost(network, *costs[0]))
    else:
        print(render_comparison(network, costs))
    return 0


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"not a port number: {text!r}", field="--dport") from None
    if not 0 <= value <= 65535:
        raise InputError(f"port out of range: {value} (0-65535)", field="--dport")
    return value


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def _names(network, cost) -> str:
    """The components a path crosses, by name: `batch-1 > nat-b > app-igw > com.amazonaws.eu-west-2.s3`."""
    names = []
    for component in cost.trace.path:
        resource = network.topology.get(component)
        names.append(getattr(resource, "name", None) or component)
    return " > ".join(names)


def render_cost(network, cost, latency: dict) -> str:
    way = "back from DST (download)" if cost.direction == "download" else "from SRC to DST"
    lines = [f"{cost.source} -> {cost.destination}, {cost.gb_per_month:,g} GB/month {way} "
             f"(USD list prices as of {cost.as_of})",
             f"path: {_names(network, cost)}"]
    if not cost.reachable:
        leg = cost.trace.reply if cost.direction == "download" and cost.trace.verdict != "dropped" else cost.trace
        lines.append(f"not reachable: {leg.verdict.upper()} {leg.code or ''} — nothing to price".rstrip())
        return "\n".join(lines)
    rows = [("component", "item", "quantity", "rate", "monthly", "rule")]
    fallbacks = set()
    for item in cost.items:
        mark = ""
        if item.price.fallback:
            mark = " *"
            fallbacks.add(item.price.region)
        quantity = f"{item.quantity:,.0f} h" if item.unit == "hours" else f"{item.quantity:,g} GB"
        rows.append((item.component, item.what, quantity, item.price.rate_text() + (" /h" if item.unit == "hours"
                                                                                   else " /GB"),
                     _usd(item.usd), item.rule + mark))
    rows.append(("total", "", "", "", _usd(cost.total), ""))
    widths = [max(len(r[c]) for r in rows) for c in range(6)]
    for r in rows:
        lines.append("  " + "  ".join(r[c].rjust(widths[c]) if c in (2, 4) else r[c].ljust(widths[c])
                                      for c in range(6)).rstrip())
    notes = [i for i in cost.items if i.note]
    for item in notes:
        lines.append(f"  note: {item.what}: {item.note}")
    if fallbacks:
        lines.append(f"  * priced at {', '.join(sorted(fallbacks))}'s list price: emulator/data/prices.json has no "
                     f"figure for the component's Region")
    from .latency import summary_line

    lines.append(summary_line(latency))
    return "\n".join(lines)


def render_comparison(network, costs) -> str:
    first = costs[0][0]
    way = "back from DST (download)" if first.direction == "download" else "from SRC to DST"
    lines = [f"{first.gb_per_month:,g} GB/month {way}, monthly cost side by side "
             f"(USD list prices as of {first.as_of})"]
    categories: list[str] = []
    for cost, _ in costs:
        for item in cost.items:
            if item.category not in categories:
                categories.append(item.category)
    header = [""] + [f"{c.source} -> {c.destination}" for c, _ in costs]
    rows = [header, ["path"] + [_names(network, c) if c.reachable else "not reachable" for c, _ in costs]]
    for category in categories:
        row = [category]
        for cost, _ in costs:
            amount = sum(i.usd for i in cost.items if i.category == category)
            present = any(i.category == category for i in cost.items)
            row.append(_usd(amount) if present else "-")
        rows.append(row)
    rows.append(["hourly charges"] + [_usd(c.hourly) if c.reachable else "-" for c, _ in costs])
    rows.append(["data charges"] + [_usd(c.per_gb_total) if c.reachable else "-" for c, _ in costs])
    rows.append(["total per month"] + [_usd(c.total) if c.reachable else "-" for c, _ in costs])
    rows.append(["one-way latency (estimate)"] + [f"{lat['one_way_ms']:.2f} ms" if c.reachable else "-"
                                                  for c, lat in costs])
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    for r in rows:
        lines.append("  " + "  ".join(cell.ljust(widths[c]) if c == 0 else cell.rjust(widths[c])
                                      for c, cell in enumerate(r)).rstrip())
    if any(i.price.fallback for c, _ in costs for i in c.items):
        lines.append("  prices for Regions emulator/data/prices.json does not list are the us-east-1 list prices; "
                     "`vpcemu cost` with one path itemises them")
    for cost, _ in costs:
        if not cost.reachable:
            leg = cost.trace.reply if cost.direction == "download" and cost.trace.verdict != "dropped" else cost.trace
            lines.append(f"  {cost.source} -> {cost.destination}: {leg.verdict} {leg.code or ''}".rstrip())
    return "\n".join(lines)


# --- graph ----------------------------------------------------------------------------------------

GRAPH_FORMATS = ("mermaid", "dot", "png")
_GRAPH_EXTENSIONS = {".png": "png", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".mermaid": "mermaid"}


def graph_format(chosen: str | None, output: str | None) -> str:
    """--format when given, else the one -o's extension names, else Mermaid."""
    if chosen is not None:
        return chosen
    return _GRAPH_EXTENSIONS.get(os.path.splitext(output or "")[1].lower(), "mermaid")


def cmd_graph(args) -> int:
    from ..cli import load_network
    from .graph import build, render, write_output

    args.format = graph_format(args.format, args.output)
    try:
        network = load_network(args.topology)
        trace = network.trace_flow(*args.trace) if args.trace else None
        if args.format == "png" and args.output is None and sys.stdout.isatty():
            raise InputError("PNG is binary: give -o FILE (or pipe stdout)", field="--output")
        data = render(build(network, trace), args.format)
    except InputError as error:
        error.file = error.file or args.topology
        raise
    write_output(data, args.output)
    return 0


VERBS = {"cost": cmd_cost, "graph": cmd_graph}
