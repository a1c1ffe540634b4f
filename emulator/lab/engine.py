"""The lab's fabric: every frame a lab host sends is read from its TAP device, decided by the same
pipeline as `trace` and `replay` (a FastPath per ingress ENI, one shared Session, so security
group tracking and NAT sessions span the whole lab), and written to the TAP of the host it is
delivered to, with its MACs, addresses, ports, TTL and checksums as the decision leaves them.

Frames from hosts that stand beyond the VPCs (AWS services' public endpoints, the internet) enter
through `Forwarder.reply` when they answer a flow a VPC sent them (a gateway endpoint's reply
comes back through that endpoint, R33), else through `Forwarder.from_internet`.

The first packet of a flow is forwarded with a recorder: the lab keeps a bounded table of flows
with their verdict, drop code, where the drop happened and why, the components crossed and the
security group and network ACL rules that decided. Later packets of a TCP or UDP flow take a
quick path: a dict keyed by the frame's address and port bytes gives the output device, the new
MAC header and the rewrite (if any), and counts the packet.
"""
from __future__ import annotations

import json
import os
import select
import sys
import time
import traceback
from collections import Counter, OrderedDict
from pathlib import Path

from ..dataplane.codes import DELIVERED, DROPPED, EXITED
from ..dataplane.fastpath import Decision, FastPath, apply_rewrite
from ..dataplane.packet import ICMP, TCP, UDP, Headers, int_to_ip, ip_to_int, parse_frame
from ..dataplane.pipeline import Forwarder
from ..dataplane.state import Session
from ..inputs.errors import MalformedPacket
from ..record.trace import Trace
from ..services.resolver import answer_packet
from . import frames
from .plan import EDGE_MAC, INTERNET_HOST, mac_for, router_mac

READ_SIZE = 9216  # an MTU-9001 frame and its Ethernet header (TAP devices hand over whole frames)
BURST = 64  # frames read from one device before the others get a turn
FLOW_LIMIT = 4096  # flow records kept for `lab status`; older ones are folded into the totals
QUICK_LIMIT = 1 << 16  # quick-path entries per device
PATH_CACHE_LIMIT = 1 << 18  # cached decisions per ingress before every cache starts afresh
RESPONDER_LIMIT = 1 << 16
LOG_LIMIT = 4 << 20  # bytes of fabric.log before it is rotated to fabric.log.1

RESOLVER = "AmazonProvidedDNS"
ETH_ARP, ETH_IPV4 = b"\x08\x06", b"\x08\x00"
_ARP_REQUEST = b"\x00\x01\x08\x00\x06\x04\x00\x01"
_ARP_REPLY = b"\x00\x01\x08\x00\x06\x04\x00\x02"
_LEAD = b"\x08\x00\x45"  # IPv4 ethertype, version 4, a 20-byte header


def _mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


class FlowRecord:
    """One flow entering at one host: its fate, the path it took, and its packet counts."""

    __slots__ = ("ingress", "flow", "describe", "verdict", "code", "egress", "path", "where", "why", "rules",
                 "note", "first", "packets", "bytes", "entries")

    def __init__(self, ingress: str, flow: tuple, describe: str):
        self.ingress = ingress
        self.flow = flow
        self.describe = describe
        self.verdict = self.code = self.egress = self.where = None
        self.why = self.note = ""
        self.path: list[str] = []
        self.rules: list[str] = []
        self.first = time.time()
        self.packets = self.bytes = 0
        # Quick-path entries counting for this record:
        # [IPv4 bytes 6-9 (flags, fragment offset, TTL, protocol) of the packet that made it,
        #  output fd or -1, MAC header, rewrite or None, packets, bytes, record, attachment, key,
        #  the largest frame the path takes]
        self.entries: list[list] = []

    def totals(self) -> tuple[int, int]:
        return (self.packets + sum(e[4] for e in self.entries), self.bytes + sum(e[5] for e in self.entries))

    def as_dict(self) -> dict:
        packets, nbytes = self.totals()
        return {"ingress": self.ingress, "flow": self.describe, "verdict": self.verdict, "code": self.code,
                "egress": self.egress, "where": self.where, "why": self.why, "path": self.path,
                "rules": self.rules, "note": self.note, "first_seen": round(self.first, 3),
                "packets": packets, "bytes": nbytes}


class Attachment:
    """One TAP device: the lab host interface behind it and, for an ENI, its Port and FastPath."""

    __slots__ = ("index", "fd", "devname", "namespace", "host", "iface", "mac", "router_mac", "port", "path",
                 "quick", "own", "router_address")

    def __init__(self, index, fd, devname, namespace, host, iface, port):
        self.index = index
        self.fd = fd
        self.devname = devname
        self.namespace = namespace
        self.host = host
        self.iface = iface
        self.mac = _mac(iface.mac)
        self.port = port
        self.router_mac = _mac(router_mac(port.subnet.id) if port is not None else EDGE_MAC)
        self.own = frozenset(ip_to_int(a) for a in iface.addresses)
        # the subnet router (base + 1, R132): the source of what the fabric itself sends a host
        self.router_address = ((port.subnet.network[0] + 1).to_bytes(4, "big") if port is not None else b"")
        self.quick: dict[bytes, list] = {}
        self.path: _LabPath | None = None


class _LabPath(FastPath):
    """A FastPath whose fresh decisions are forwarded with a recorder and noted by the engine."""

    def __init__(self, engine: "Engine", att: Attachment):
        super().__init__(engine.fabric, att.port, engine.session, cache_limit=1 << 62)
        self.engine = engine
        self.att = att

    def outcome(self, h: Headers):
        hops: list = []
        outcome = self.enter(Forwarder(self.fabric, self.session, recorder=hops), h)
        self.engine.noted(self.att, h, outcome, hops)
        return outcome

    def enter(self, forwarder: Forwarder, h: Headers):
        return forwarder.from_port(self.port, h)

    def forget(self, key: tuple) -> None:
        if self.cache.pop(key, None) is not None:
            self.engine.forget_quick(self.att, key)


class _EdgePath(_LabPath):
    """Frames from a service's public endpoint or the internet host."""

    def enter(self, forwarder: Forwarder, h: Headers):
        responder = self.engine.responders.get(h.flow())
        if responder is not None:  # the answer to a flow a VPC sent: back the way it came (R33, R120)
            return forwarder.reply(responder, h)
        kind = "internet" if self.att.host.kind == INTERNET_HOST else "aws-service"
        return forwarder.from_internet(h, self.att.host.owner, kind)


class Engine:
    """Moves frames between the TAP devices of one lab."""

    def __init__(self, network, log_path: Path | None = None):
        self.network = network
        self.fabric = network.fabric
        self.session = Session()
        self.attachments: list[Attachment] = []
        self.by_fd: dict[int, Attachment] = {}
        self.deliver: dict[tuple[str, int], Attachment] = {}  # (delivered_to, address) -> attachment
        self.port_macs: dict[str, bytes] = {}
        self.responders: dict[tuple, object] = {}
        self.flows: OrderedDict[tuple, FlowRecord] = OrderedDict()
        self.folded: Counter = Counter()  # (verdict, code) -> packets of records folded away
        self.folded_bytes = 0
        self.counters: Counter = Counter()
        self.handlers: dict[int, object] = {}
        self.epoll = select.epoll()
        self.stopping = False
        self.started = time.time()
        self.log_path = log_path
        self.log = open(log_path, "a", buffering=1) if log_path else None
        self._errors_logged = 0

    # --- wiring -------------------------------------------------------------------------------

    def attach(self, host, iface, fd: int, devname: str, namespace: str) -> Attachment:
        port = self.fabric.ports.get(iface.eni) if iface.eni else None
        att = Attachment(len(self.attachments), fd, devname, namespace, host, iface, port)
        att.path = _LabPath(self, att) if port is not None else _EdgePath(self, att)
        self.attachments.append(att)
        self.by_fd[fd] = att
        for address in iface.addresses:
            self.deliver[(host.owner, ip_to_int(address))] = att
        if port is not None:
            self.port_macs[port.id] = att.mac
        self.epoll.register(fd, select.EPOLLIN)
        return att

    def add_handler(self, fd: int, callback) -> None:
        self.handlers[fd] = callback
        self.epoll.register(fd, select.EPOLLIN)

    def remove_handler(self, fd: int) -> None:
        if self.handlers.pop(fd, None) is not None:
            self.epoll.unregister(fd)

    def close(self) -> None:
        for att in self.attachments:
            try:
                os.close(att.fd)
            except OSError:
                pass
        self.attachments.clear()
        self.by_fd.clear()
        self.epoll.close()
        if self.log:
            self.log.close()
            self.log = None

    # --- the loop -------------------------------------------------------------------------------

    def run(self, timeout: float = 1.0, once: bool = False) -> None:
        """Forward until `stopping` is set (by a control request) or a signal handler raises;
        with `once`, for one round of whatever is ready within `timeout` seconds."""
        poll = self.epoll.poll
        by_fd = self.by_fd
        handlers = self.handlers
        read, write = os.read, os.write
        slow = self.slow
        rewrite = apply_rewrite
        counters = self.counters
        lead = _LEAD
        burst = range(BURST)
        while not self.stopping:
            for fd, _ in poll(timeout):
                att = by_fd.get(fd)
                if att is None:
                    handler = handlers.get(fd)
                    if handler is not None:
                        handler()
                    continue
                quick = att.quick
                for _ in burst:
                    try:
                        frame = read(fd, READ_SIZE)
                    except BlockingIOError:
                        break
                    except OSError:
                        counters["read-failed"] += 1
                        break
                    e = quick.get(frame[26:38])
                    size = len(frame)
                    # The flow's first packet had these flags (no fragment), TTL and protocol; a
                    # packet bigger than the path MTU is held against it on the careful path.
                    if e is None or frame[12:15] != lead or frame[20:24] != e[0] or size > e[9]:
                        slow(att, frame)
                        continue
                    e[4] += 1
                    e[5] += size
                    out = e[1]
                    if out >= 0:
                        try:
                            if e[3] is None:
                                write(out, e[2] + frame[12:])
                            else:
                                write(out, e[2] + rewrite(frame, 14, e[3])[12:])
                        except OSError:
                            counters["write-failed"] += 1
            if once:
                return

    # --- the careful path ------------------------------------------------------------------------

    def slow(self, att: Attachment, frame: bytes) -> None:
        try:
            self._slow(att, frame)
        except Exception:  # one odd frame must not stop the lab; counted, shown by `lab status`
            self.counters["internal-error"] += 1
            if self._errors_logged < 20:
                self._errors_logged += 1
                print(f"vpcemu lab: internal error on a frame from {att.host.name}:\n{traceback.format_exc()}",
                      file=sys.stderr, flush=True)

    def _slow(self, att: Attachment, frame: bytes) -> None:
        size = len(frame)
        if size < 14:
            self.counters["truncated"] += 1
            return
        ethertype = frame[12:14]
        if ethertype == ETH_ARP:
            self.arp(att, frame)
            return
        if ethertype != ETH_IPV4:
            self.counters["not-ipv4"] += 1  # IPv6 is not modelled; the lab hosts have it off
            return
        try:
            h = parse_frame(frame, 14)
        except MalformedPacket:
            self.counters["malformed"] += 1
            return
        ihl = (frame[14] & 0x0F) * 4
        if int.from_bytes(frame[14:14 + ihl], "big") % 0xFFFF:
            self.counters["bad-checksum"] += 1
            return
        if h.ttl == 0:
            self.counters["ttl-zero"] += 1
            return
        path = att.path
        if len(path.cache) >= PATH_CACHE_LIMIT:
            self.reset_caches()
        decision = path.decide(h)
        if decision.code == "MTU_EXCEEDED":  # this packet only: the flow's decision stands
            self.too_big(att, frame, h, decision)
            return
        flow = (h.src, h.dst, h.proto, h.sport, h.dport)
        record = self.flows.get((att.index, flow))
        if record is None:  # decided from the cache after its record was folded away
            record = self.new_record(att, h, decision)
        if decision.verdict == DELIVERED and decision.egress == RESOLVER:
            record.packets += 1
            record.bytes += size
            self.answer_dns(att, frame, h, ihl, record)
            return
        dst = decision.rewrite[1] if decision.rewrite else h.dst
        target = self.deliver.get((decision.egress, dst)) if decision.verdict != DROPPED else None
        if target is None:
            out, header = -1, b""
        else:
            same_subnet = att.port is not None and target.port is not None and att.port.subnet is target.port.subnet
            header = target.mac + (att.mac if same_subnet and decision.rewrite is None else target.router_mac)
            out = target.fd
        rewrite = decision if decision.rewrite is not None or decision.ttl_delta else None
        if h.proto in (TCP, UDP) and not h.fragment and ihl == 20:
            key = frame[26:38]
            entry = [frame[20:24], out, header, rewrite, 1, size, record, att, key, decision.path_mtu + 14]
            old = att.quick.get(key)
            if old is not None:
                self._fold_entry(old)
            elif len(att.quick) >= QUICK_LIMIT:
                self._fold_quick(att)
            att.quick[key] = entry
            record.entries.append(entry)
        else:
            record.packets += 1
            record.bytes += size
        if out >= 0:
            data = apply_rewrite(frame, 14, rewrite) if rewrite is not None else frame
            try:
                os.write(out, header + data[12:])
            except OSError:
                self.counters["write-failed"] += 1

    # --- what the fabric answers itself -----------------------------------------------------------

    def too_big(self, att: Attachment, frame: bytes, h: Headers, decision: Decision) -> None:
        """A DF packet bigger than a link on its path: dropped, and AWS sends ICMP fragmentation
        needed back (R119) unless the sender's subnet NACL keeps it out."""
        key = (att.index, ("mtu",) + h.flow())
        record = self.flows.get(key)
        if record is None:
            hops: list = []
            outcome = att.path.enter(Forwarder(self.fabric, self.session, recorder=hops), h)
            record = FlowRecord(att.host.name, key[1], h.describe())
            record.verdict, record.code = DROPPED, decision.code
            drop = next((hop for hop in reversed(hops) if hop.action == "drop"), None)
            record.where = drop.id if drop is not None else None
            record.why = outcome.detail if outcome.code == decision.code else (
                f"bigger than the path MTU of {decision.path_mtu} bytes with DF set (R119)")
            record.path = Trace(outcome.verdict, outcome.code, None, h, outcome.headers, hops).path
            self._store(key, record)
        record.packets += 1
        record.bytes += len(frame)
        src = int.from_bytes(att.router_address, "big") if att.port is not None else h.dst
        icmp = Headers(src, h.src, ICMP, 0, 0, icmp_type=3, icmp_code=4)
        nacl = att.port.subnet.nacl if att.port is not None else None
        if nacl is not None and not nacl.evaluate(icmp, False).allow:
            self.counters["icmp-frag-needed-denied-by-nacl"] += 1
            record.note = f"{nacl.network_acl_id} denies the ICMP fragmentation-needed inbound (R119)"
            return
        packet = frames.fragmentation_needed(src, h.src, frame[14:], decision.path_mtu)
        self._send(att.fd, att.mac + att.router_mac + ETH_IPV4 + packet)
        self.counters["icmp-frag-needed-sent"] += 1

    def answer_dns(self, att: Attachment, frame: bytes, h: Headers, ihl: int, record: FlowRecord) -> None:
        """The VPC resolver answers a query sent to base + 2 or 169.254.169.253 (R131); nothing
        filters either direction (R111). TCP queries are not answered (no TCP stack here)."""
        if h.proto != UDP or att.port is None:
            self.counters["dns-not-udp"] += 1
            record.note = "vpcemu's lab answers DNS over UDP only"
            return
        subnet = att.port.subnet
        start = 14 + ihl + 8
        end = 14 + min(h.length, len(frame) - 14)
        try:
            reply = answer_packet(self.fabric.topology, subnet.vpc.vpc, frame[start:end],
                                  subnet.subnet.availability_zone)
        except Exception:  # a query scapy cannot read: the resolver gives no answer
            self.counters["dns-unreadable"] += 1
            record.note = "the resolver could not read the query"
            return
        self.counters["dns-answered"] += 1
        record.note = "answered by the VPC resolver"
        packet = frames.udp(h.dst, h.src, h.dport, h.sport, reply)
        self._send(att.fd, att.mac + att.router_mac + ETH_IPV4 + packet)

    def _send(self, fd: int, frame: bytes) -> None:
        try:
            os.write(fd, frame)
        except OSError:
            self.counters["write-failed"] += 1

    # --- ARP: the VPC answers for the subnet router and the ENIs of the subnet -------------------

    def arp(self, att: Attachment, frame: bytes) -> None:
        if len(frame) < 42 or frame[14:22] != _ARP_REQUEST:
            self.counters["arp-other"] += 1
            return
        spa, tpa = frame[28:32], frame[38:42]
        if spa == tpa:
            return  # gratuitous
        target = int.from_bytes(tpa, "big")
        mac = self.arp_answer(att, target)
        if mac is None:
            self.counters["arp-unanswered"] += 1
            self.arp_miss(att, int.from_bytes(spa, "big"), target)
            return
        reply = frame[6:12] + mac + ETH_ARP + _ARP_REPLY + mac + tpa + frame[22:28] + spa
        try:
            os.write(att.fd, reply)
            self.counters["arp-answered"] += 1
        except OSError:
            self.counters["write-failed"] += 1

    def arp_answer(self, att: Attachment, address: int) -> bytes | None:
        if att.port is None:  # beyond the VPCs: the edge answers for everything but the host itself
            return None if address in att.own else _mac(EDGE_MAC)
        subnet = att.port.subnet
        if not subnet.contains(address):
            return att.router_mac
        base = subnet.network[0]
        if address in (base + 1, base + 2, base + 3) or address == subnet.vpc.resolver:  # R132, R131
            return att.router_mac
        port = subnet.vpc.ports.get(address)
        if port is None or port.subnet is not subnet:
            return None
        return self.port_macs.get(port.id) or _mac(mac_for(port.id))

    def arp_miss(self, att: Attachment, sender: int, target: int) -> None:
        key = (att.index, ("arp", target))
        record = self.flows.get(key)
        if record is None:
            subnet = att.port.subnet
            record = FlowRecord(att.host.name, key[1], f"arp who-has {int_to_ip(target)} tell {int_to_ip(sender)}")
            record.verdict, record.code, record.where = DROPPED, "NO_ENI_FOR_DESTINATION", subnet.id
            record.why = f"no network interface in {subnet.id} owns {int_to_ip(target)}: the VPC does not answer (R5)"
            self._store(key, record)
        record.packets += 1
        record.bytes += 42

    # --- records ----------------------------------------------------------------------------------

    def noted(self, att: Attachment, h: Headers, outcome, hops: list) -> None:
        """A fresh decision: record where the flow went, and who answers for it if not an ENI."""
        trace = Trace(outcome.verdict, outcome.code, outcome.delivered_to, h, outcome.headers, hops, outcome.detail)
        key = (att.index, h.flow())
        record = self.flows.get(key)
        if record is None:
            record = FlowRecord(att.host.name, h.flow(), h.describe())
        record.verdict, record.code, record.egress = outcome.verdict, outcome.code, outcome.delivered_to
        record.path = trace.path
        record.rules = [f"{hop.id} {hop.action}: {hop.detail}" for hop in hops
                        if hop.type in ("security-group", "network-acl")]
        drop = next((hop for hop in reversed(hops) if hop.action == "drop"), None)
        record.where = drop.id if drop is not None else None
        record.why = outcome.detail if outcome.verdict == DROPPED else ""
        out = outcome.headers
        if (outcome.verdict in (DELIVERED, EXITED) and outcome.delivered_to != RESOLVER
                and (outcome.delivered_to, out.dst) not in self.deliver):
            record.note = f"{outcome.delivered_to} has no lab host at {int_to_ip(out.dst)}"
        else:
            record.note = ""
        self._store(key, record)
        responder = outcome.responder
        if responder is not None and responder.kind != "port":
            if len(self.responders) >= RESPONDER_LIMIT:
                self.responders.clear()
            reply = out.reply_flow()
            self.responders[reply] = responder
            for edge in self.attachments:  # a reply decided before its responder was known is redone
                if edge.port is None:
                    edge.path.forget(reply + (False,))
        if self.log is not None:
            self._log(record, outcome.headers)

    def new_record(self, att: Attachment, h: Headers, decision: Decision) -> FlowRecord:
        record = FlowRecord(att.host.name, h.flow(), h.describe())
        record.verdict, record.code, record.egress = decision.verdict, decision.code, decision.egress
        self._store((att.index, h.flow()), record)
        return record

    def _store(self, key: tuple, record: FlowRecord) -> None:
        self.flows[key] = record
        self.flows.move_to_end(key)
        while len(self.flows) > FLOW_LIMIT:
            _, old = self.flows.popitem(last=False)
            self._fold_record(old)

    def _fold_record(self, record: FlowRecord) -> None:
        """A record leaves the table: its counts go to the totals, its quick entries are dropped
        (so the flow's next packet starts a new record)."""
        for entry in list(record.entries):
            self._drop_entry(entry)
        packets, nbytes = record.totals()
        self.folded[(record.verdict, record.code)] += packets
        self.folded_bytes += nbytes
        record.packets = record.bytes = 0
        record.entries.clear()

    def _drop_entry(self, entry: list) -> None:
        att, key = entry[7], entry[8]
        if att.quick.get(key) is entry:
            del att.quick[key]
        self._fold_entry(entry)

    def _fold_entry(self, entry: list) -> None:
        record = entry[6]
        record.packets += entry[4]
        record.bytes += entry[5]
        entry[4] = entry[5] = 0
        record.entries[:] = [e for e in record.entries if e is not entry]

    def _fold_quick(self, att: Attachment) -> None:
        for entry in att.quick.values():
            self._fold_entry(entry)
        att.quick.clear()

    def forget_quick(self, att: Attachment, key: tuple) -> None:
        """A cached decision was lifted (new state, a responder now known): drop its quick entry."""
        src, dst, proto, sport, dport, _fragment = key
        if proto in (TCP, UDP):
            quick_key = src.to_bytes(4, "big") + dst.to_bytes(4, "big") + sport.to_bytes(2, "big") + dport.to_bytes(2, "big")
            entry = att.quick.pop(quick_key, None)
            if entry is not None:
                self._fold_entry(entry)

    def reset_caches(self) -> None:
        """Every cached decision forgotten at once (constant memory); state stays."""
        for att in self.attachments:
            att.path.cache.clear()
            self._fold_quick(att)
        self.session.watch.clear()

    def _log(self, record: FlowRecord, out: Headers) -> None:
        line = record.as_dict()
        line.pop("packets"), line.pop("bytes")
        line["out"] = out.describe()
        try:
            self.log.write(json.dumps(line) + "\n")
            if self.log.tell() > LOG_LIMIT:
                self.log.close()
                os.replace(self.log_path, str(self.log_path) + ".1")
                self.log = open(self.log_path, "a", buffering=1)
        except OSError:
            self.counters["log-failed"] += 1

    # --- status -----------------------------------------------------------------------------------

    def status(self, limit: int = 40) -> dict:
        totals: Counter = Counter(self.folded)
        nbytes = self.folded_bytes
        records = list(self.flows.values())
        rows = []
        for record in records:
            row = record.as_dict()
            totals[(record.verdict, record.code)] += row["packets"]
            nbytes += row["bytes"]
            rows.append(row)
        verdicts: Counter = Counter()
        codes: Counter = Counter()
        for (verdict, code), n in totals.items():
            verdicts[verdict] += n
            if code:
                codes[code] += n
        drops = [r for r in rows if r["verdict"] == DROPPED]
        return {
            "uptime": round(time.time() - self.started, 1),
            "packets": sum(verdicts.values()), "bytes": nbytes,
            "verdicts": dict(verdicts), "codes": dict(codes), "counters": dict(self.counters),
            "flows_kept": len(records), "flow_limit": FLOW_LIMIT,
            "drops": drops[::-1][:limit],
            "flows": rows[::-1][:limit],
            "devices": [{"host": a.host.name, "ifname": a.iface.ifname, "device": a.devname,
                         "address": a.iface.address, "eni": a.iface.eni} for a in self.attachments],
        }
