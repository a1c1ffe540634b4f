"""VPC Flow Logs: a record for every ENI a packet crosses, in AWS's default version-2 format or
with the version-5 fields, delivered the way AWS delivers to Amazon S3.

Which ENIs and what each record says (AWS's flow-log documentation, "Flow log records" and "Flow
log record examples", https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html):
- Instance, bare, interface-endpoint and NAT gateway ENIs are logged where the packet leaves
  (egress) and where it arrives (ingress). Transit gateway attachment ENIs exist in AWS but are
  not modelled by vpcemu (no ENI id to log); internet gateways, gateway endpoints and peering
  connections have no ENI. Load balancer node ENIs are not logged: AWS does not log traffic
  between an endpoint ENI and a Network Load Balancer ENI, and vpcemu does not log the nodes'
  other traffic either (the target logs what the node sent it).
- `srcaddr` is the ENI's own address for egress and `dstaddr` its own address for ingress; the
  other side, and `pkt-srcaddr`/`pkt-dstaddr`, are the packet's addresses at that ENI. So a NAT
  gateway's ENI logs `instance -> NAT address` with `pkt-dstaddr` the final host, then
  `NAT address -> host` (AWS's "Traffic through a NAT gateway" example); replies likewise.
- ACCEPT/REJECT is what the ENI's security groups and its subnet's network ACL decided there:
  a packet rejected by the destination's security group or inbound NACL rules is REJECT at the
  destination ENI and ACCEPT at the source ENI; a packet denied by the source's outbound rules
  is one REJECT record at the source; a reply allowed by connection tracking is ACCEPT, and a
  reply denied by a stateless NACL is REJECT (AWS's "Security group and network ACL rules"
  example). A packet dropped later (no route, a blackhole) was still ACCEPTed by the ENI.
  vpcemu's assumptions where AWS says nothing: a NAT gateway ENI that receives a packet it has
  no connection for logs it as ACCEPT (the ENI accepted it; the NAT gateway dropped it); a
  source/destination-check drop is REJECT at that ENI.
- Traffic to the Amazon DNS resolver is not logged (AWS's flow-log limitations; R111).
- `traffic-path` (egress only, `-` otherwise): 1 through another resource in the VPC (NAT
  gateway, transit gateway, instance, endpoint ENI), 2 internet gateway or gateway endpoint
  (for ENIs that are not instances), 3 virtual private gateway, 4/5 intra-/inter-Region VPC
  peering, 7 gateway endpoint and 8 internet gateway (Nitro instances: vpcemu's instances are).
- `account-id` is the ENI owner's, `unknown` for interface-endpoint ENIs (AWS: "if the network
  interface is created by an AWS service, for example when creating a VPC endpoint … the record
  may display unknown"); `instance-id` is `-` for requester-managed ENIs; ICMP has ports 0 0.

Delivery: as to Amazon S3 (flow-logs-s3.html): one flow log per VPC (`fl-…`, derived from the
VPC id), records in files per flow log and 5-minute window of their end time, under
`AWSLogs/<account>/vpcflowlogs/<region>/<yyyy>/<mm>/<dd>/`, named
`<account>_vpcflowlogs_<region>_<fl-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz`, gzip-compressed text
whose first line names the fields.
"""
from __future__ import annotations

import gzip
import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .. import model as m
from ..dataplane.compile import INSTANCE, INTERFACE_ENDPOINT, Port
from ..dataplane.packet import TCP, UDP, Headers, int_to_ip
from ..inputs.errors import InputError
from .trace import Trace
from .where import PLACE_TYPES, port_of

V2_FIELDS = ("version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol",
             "packets", "bytes", "start", "end", "action", "log-status")
V5_FIELDS = V2_FIELDS + ("vpc-id", "subnet-id", "instance-id", "type", "pkt-srcaddr", "pkt-dstaddr", "region",
                         "az-id", "pkt-src-aws-service", "pkt-dst-aws-service", "flow-direction", "traffic-path")
FORMATS = {"v2": V2_FIELDS, "v5": V5_FIELDS}
ACCEPT, REJECT = "ACCEPT", "REJECT"
WINDOW_SECONDS = 300  # S3 delivery: one file per flow log per 5 minutes
# Drops at a NAT gateway after its ENI took the packet in.
_NAT_RECEIVED = ("NAT_GATEWAY_NO_SESSION", "NAT_GATEWAY_UNSUPPORTED_PROTOCOL", "NAT_GATEWAY_FRAGMENT")
_ROUTE_TO_NAT = re.compile(r"-> (nat-[0-9a-zA-Z]+)$")


@dataclass(frozen=True)
class Crossing:
    """One packet at one ENI: which way, as what, and what the ENI decided."""

    port: Port
    direction: str  # ingress | egress
    headers: Headers
    action: str
    traffic_path: str  # "-" for ingress and where no path applies
    hop_index: int

    @property
    def key(self) -> tuple:
        h = self.headers
        return (self.port.id, self.direction, h.src, h.dst, h.proto, h.sport, h.dport, self.action)


def crossings(network, trace: Trace) -> list[Crossing]:
    """Every ENI the traced packet crossed, in order (the reply's, if traced, are separate: call
    this on trace.reply)."""
    return crossings_of_hops(network, trace.hops)


def crossings_of_hops(network, hops) -> list[Crossing]:
    return _Walker(network).walk(hops)


class _Walker:
    def __init__(self, network):
        self.network = network
        self.fabric = network.fabric
        self.out: list[Crossing] = []
        self.egress: tuple[Port, Headers, int] | None = None  # leaving this ENI, not yet decided
        self.heading_to: Port | None = None  # the ENI a routed packet is about to enter

    def walk(self, hops) -> list[Crossing]:
        for i, hop in enumerate(hops):
            self.step(i, hop, hops)
        if self.egress is not None:  # the trace ended while leaving: nothing refused it
            self.settle(ACCEPT, len(hops), hops)
        return self.out

    def settle(self, action: str, i: int, hops) -> None:
        port, headers, index = self.egress
        self.egress = None
        path = self.traffic_path(port, hops, i) if action == ACCEPT else "-"
        self.out.append(Crossing(port, "egress", headers, action, path, index))

    def ingress(self, port: Port | None, headers: Headers, action: str, index: int) -> None:
        if port is not None:
            self.out.append(Crossing(port, "ingress", headers, action, "-", index))
        self.heading_to = None

    def step(self, i: int, hop, hops) -> None:
        kind, action = hop.type, hop.action
        headers = hop.headers_in or hop.headers_out
        if self.egress is not None:
            port = self.egress[0]
            if action == "drop" and hop.id == port.owner_id and kind != "instance":
                self.egress = None  # the component could not send at all (R47): nothing left the ENI
                return
            if action == "drop" and (hop.id == port.id or kind == "network-acl"):
                self.settle(REJECT, i, hops)  # the source's SG, NACL outbound or source/dest check
                return
            if kind == "dns-resolver":
                self.egress = None  # R111: traffic to the Amazon DNS resolver is not logged
                return
            if kind not in ("security-group", "network-acl"):
                self.settle(ACCEPT, i, hops)
        if kind in ("instance", "network-interface", "interface-endpoint") and action == "send":
            port = port_of(self.network, hop)
            if port is not None:
                self.egress = (port, hop.headers_out, i)
            return
        if kind == "route-table":
            match = _ROUTE_TO_NAT.search(hop.detail)
            nat = self.network.topology.get(match[1], m.NatGateway) if match else None
            self.heading_to = self.fabric.ports.get(nat.network_interface_id) if nat else None
            return
        if kind == "instance" and action == "receive":  # an appliance (a route to its ENI)
            self.heading_to = port_of(self.network, hop)
            return
        if kind == "instance" and action == "forward":  # the appliance sends it on
            port = port_of(self.network, hop) or self.heading_to
            self.ingress(port, hop.headers_in, ACCEPT, i)
            if port is not None:
                self.egress = (port, hop.headers_out, i)
            return
        if kind == "nat-gateway" and action == "translate":
            port = port_of(self.network, hop)
            self.ingress(port, hop.headers_in, ACCEPT, i)
            if port is not None:
                self.egress = (port, hop.headers_out, i)
            return
        if kind == "nat-gateway" and action == "drop" and hop.detail.startswith(_NAT_RECEIVED):
            self.ingress(port_of(self.network, hop), headers, ACCEPT, i)
            return
        if kind == "interface-endpoint" and action == "forward":  # on to a PrivateLink endpoint service
            self.ingress(port_of(self.network, hop), hop.headers_in, ACCEPT, i)
            return
        if kind == "interface-endpoint" and action == "return":  # the service's reply leaves the ENI
            port = port_of(self.network, hop)
            if port is not None:
                self.egress = (port, hop.headers_out, i)
            return
        if action == "deliver" and kind in ("instance", "network-interface", "interface-endpoint"):
            self.ingress(port_of(self.network, hop), hop.headers_in, ACCEPT, i)
            return
        if action == "drop" and kind == "interface-endpoint":  # after its ENI admitted it (R46, R55)
            self.ingress(self.port_for_destination(hop.id, headers), headers, ACCEPT, i)
            return
        if action == "drop" and kind == "network-interface":  # inbound SG, or an appliance's check
            self.ingress(self.fabric.ports.get(hop.id), headers, REJECT, i)
            return
        if action == "drop" and kind == "network-acl":  # inbound rules of the destination's subnet
            port = self.heading_to or self.port_for_destination(hop.id, headers)
            self.ingress(port, headers, REJECT, i)
            return

    def port_for_destination(self, resource_id: str, headers: Headers) -> Port | None:
        resource = self.network.topology.get(resource_id)
        vpc = self.fabric.vpcs.get(getattr(resource, "vpc_id", None) or "")
        return vpc.ports.get(headers.dst) if vpc and headers is not None else None

    def traffic_path(self, port: Port, hops, start: int) -> str:
        nitro_instance = port.owner_kind == INSTANCE
        for hop in hops[start:]:
            if hop.type not in PLACE_TYPES:
                continue
            if hop.type == "internet-gateway":
                return "8" if nitro_instance else "2"
            if hop.type == "gateway-endpoint":
                return "7" if nitro_instance else "2"
            if hop.type == "vpn-gateway":
                return "3"
            if hop.type == "vpc-peering-connection":
                pcx = self.network.topology.get(hop.id, m.VpcPeeringConnection)
                regions = {self.region_of(v) for v in (pcx.requester_vpc_id, pcx.accepter_vpc_id)} if pcx else set()
                return "5" if len(regions) > 1 else "4"
            if hop.type == "dns-resolver":
                return "-"
            return "1"
        return "-"

    def region_of(self, vpc_id: str) -> str | None:
        vpc = self.network.topology.get(vpc_id, m.Vpc)
        return vpc.region if vpc else None


# --- records -------------------------------------------------------------------------------------

@dataclass
class Record:
    """One flow log record: a crossing's packets and bytes in one aggregation window."""

    crossing: Crossing
    packets: int
    bytes: int
    start: int
    end: int

    @property
    def vpc_id(self) -> str:
        return self.crossing.port.subnet.vpc.id

    @property
    def region(self) -> str:
        return self.crossing.port.subnet.subnet.region

    def fields(self, network) -> dict[str, str]:
        c = self.crossing
        port, h = c.port, c.headers
        own_src = int_to_ip(h.src) if h.src in port.addresses else _primary(port)
        own_dst = int_to_ip(h.dst) if h.dst in port.addresses else _primary(port)
        src, dst = (own_src, int_to_ip(h.dst)) if c.direction == "egress" else (int_to_ip(h.src), own_dst)
        ports = (h.sport, h.dport) if h.proto in (TCP, UDP) else (0, 0)
        subnet = port.subnet.subnet
        instance = port.owner_id if port.owner_kind == INSTANCE else "-"
        account = "unknown" if port.owner_kind == INTERFACE_ENDPOINT else port.eni.owner_id
        return {
            "version": "2", "account-id": account, "interface-id": port.id, "srcaddr": src, "dstaddr": dst,
            "srcport": str(ports[0]), "dstport": str(ports[1]), "protocol": str(h.proto),
            "packets": str(self.packets), "bytes": str(self.bytes), "start": str(self.start), "end": str(self.end),
            "action": c.action, "log-status": "OK",
            "vpc-id": subnet.vpc_id, "subnet-id": subnet.subnet_id, "instance-id": instance, "type": "IPv4",
            "pkt-srcaddr": int_to_ip(h.src), "pkt-dstaddr": int_to_ip(h.dst), "region": subnet.region,
            "az-id": subnet.availability_zone_id or "-",
            "pkt-src-aws-service": _service(network, h.src), "pkt-dst-aws-service": _service(network, h.dst),
            "flow-direction": c.direction, "traffic-path": c.traffic_path,
        }

    def line(self, network, fmt: str = "v2") -> str:
        values = self.fields(network)
        names = FORMATS[fmt]
        if fmt != "v2":
            values["version"] = "5"  # a custom format carries the highest version of its fields
        return " ".join(values[n] for n in names)

    def row(self, network) -> "FlowRow":
        vpc = self.crossing.port.subnet.vpc.vpc
        return FlowRow(vpc.owner_id, vpc.region, vpc.vpc_id, self.start, self.end, self.line(network, "v5"))


class FlowRow(NamedTuple):
    """A record ready for delivery: the flow log it belongs to, its times, its version-5 line (the
    version-2 line is its first fields). Small and picklable: replay workers send these."""

    owner: str  # the VPC's account: the flow log's owner
    region: str
    vpc_id: str
    start: int
    end: int
    line: str

    def formatted(self, fmt: str) -> str:
        if fmt == "v5":
            return self.line
        return "2 " + " ".join(self.line.split(" ", len(V2_FIELDS))[1:len(V2_FIELDS)])


def _primary(port: Port) -> str:
    return port.eni.private_ip_address


def _service(network, address: int) -> str:
    """pkt-src/dst-aws-service: the AWS service whose published ranges hold the address."""
    service = network.fabric.service_at(address)
    return service.service.upper() if service is not None else "-"


def rows_for_trace(network, trace: Trace, start: float, latency=None) -> list[FlowRow]:
    return [r.row(network) for r in records_for_trace(network, trace, start, latency)]


def records_for_trace(network, trace: Trace, start: float, latency=None) -> list[Record]:
    """One record per ENI crossing of the request and, when traced, of its reply; `start` is the
    Unix time the packet was sent, each record's time is when it reached that ENI."""
    out: list[Record] = []
    for part in (trace, trace.reply):
        if part is None:
            continue
        estimate = latency.estimate(network, part) if latency is not None else None
        begin = start
        if part is trace.reply and latency is not None:
            begin = start + latency.estimate(network, trace).one_way_ms / 1000
        for c in crossings(network, part):
            when = int(begin + (estimate.at_hop(c.hop_index) / 1000 if estimate else 0))
            size = c.headers.length or 40
            out.append(Record(c, 1, size, when, when))
    return out


# --- delivery ------------------------------------------------------------------------------------

def flow_log_id(vpc_id: str) -> str:
    return m.deterministic_id("fl", vpc_id)


def write_flow_logs(directory: str | Path, rows: list[FlowRow], fmt: str = "v2") -> list[Path]:
    """Deliver `rows` as AWS delivers to S3; returns the files written. Nothing is left behind if
    any file cannot be written."""
    prepared = FlowLogFiles(directory, rows, fmt)
    prepared.commit()
    return prepared.paths


class FlowLogFiles:
    """Flow log files written to hidden temporary files under `directory`, put in place together by
    commit() or dropped (with the folders made for them) by abort(): a command writing other
    outputs too commits them all once every one is written."""

    def __init__(self, directory: str | Path, rows: list[FlowRow], fmt: str = "v2"):
        from ..atomic import AtomicFile

        if fmt not in FORMATS:
            raise InputError(f"unknown flow log format {fmt!r} (v2 or v5)", field="--flow-log-format")
        root = Path(directory)
        if root.exists() and not root.is_dir():
            raise InputError("not a directory", file=str(root))
        if not root.exists() and not root.absolute().parent.is_dir():
            raise InputError(f"cannot write flow logs: no such directory {root.parent}", file=str(root))
        groups: dict[tuple, list[FlowRow]] = {}
        for row in rows:
            window = row.end - row.end % WINDOW_SECONDS
            groups.setdefault((row.owner, row.region, flow_log_id(row.vpc_id), window), []).append(row)
        self.root = root
        self.paths: list[Path] = []
        self._files: list = []
        self._made: list[Path] = []  # folders this delivery created, removed again on abort()
        try:
            for (account, region, fl_id, window), group in sorted(groups.items()):
                body = "".join(r.formatted(fmt) + "\n" for r in sorted(group, key=lambda r: (r.start, r.end)))
                data = gzip.compress((" ".join(FORMATS[fmt]) + "\n" + body).encode(), mtime=0)
                stamp = time.gmtime(window)
                digest = hashlib.sha256(data).hexdigest()[:8]
                folder = root / "AWSLogs" / account / "vpcflowlogs" / region / time.strftime("%Y/%m/%d", stamp)
                name = f"{account}_vpcflowlogs_{region}_{fl_id}_{time.strftime('%Y%m%dT%H%MZ', stamp)}_{digest}.log.gz"
                self._folder(folder)
                out = AtomicFile(folder / name)
                self._files.append(out)
                out.write(data)
                self.paths.append(folder / name)
        except OSError as error:
            self.abort()
            raise InputError(f"cannot write flow logs: {error.strerror}", file=str(root)) from None
        except BaseException:
            self.abort()
            raise

    def _folder(self, folder: Path) -> None:
        missing = []
        for parent in (folder, *folder.parents):
            if parent.is_dir():
                break
            missing.append(parent)
        for path in reversed(missing):
            path.mkdir()
            self._made.append(path)

    def commit(self) -> None:
        from ..atomic import commit

        try:
            commit(self._files)
        except BaseException:
            self._remove_folders()
            raise

    close = commit  # as emulator.atomic.commit() finishes outputs

    def abort(self) -> None:
        for out in self._files:
            out.abort()
        self._remove_folders()

    def _remove_folders(self) -> None:
        for path in reversed(self._made):
            try:
                path.rmdir()
            except OSError:
                pass  # not empty: something else is in it now
        self._made.clear()


def read_flow_logs(directory: str | Path) -> list[dict[str, str]]:
    """Every record under `directory`, as {field: value}, in file order (for tests and tools)."""
    out = []
    for path in sorted(Path(directory).rglob("*.log.gz")):
        lines = gzip.decompress(path.read_bytes()).decode().splitlines()
        names = lines[0].split()
        out.extend(dict(zip(names, line.split())) for line in lines[1:])
    return out


__all__ = ["Crossing", "Record", "FlowRow", "crossings", "crossings_of_hops", "records_for_trace",
           "rows_for_trace", "write_flow_logs", "FlowLogFiles", "read_flow_logs", "FORMATS"]
