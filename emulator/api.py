"""The public API: a Network is a Topology compiled for forwarding."""
from __future__ import annotations

import gc
import re
import weakref
from contextlib import contextmanager
from pathlib import Path

from . import model as m
from .dataplane.compile import Port, compile_topology
from .dataplane.packet import ICMP, TCP, UDP, Headers, from_scapy, int_to_ip, ip_to_int, parse_frame, reply_to
from .dataplane.pipeline import Forwarder, Outcome
from .dataplane.state import Session
from .inputs.errors import InputError, shown
from .record.trace import Trace
from .services.resolver import Answer, NotResolved, answer_packet, lookup, resolve

PROTOCOLS = {"tcp": TCP, "udp": UDP, "icmp": ICMP}
DEFAULT_SPORT, DEFAULT_DPORT = 49152, 443


def load(path: str | Path) -> "Network":
    """A Network from a YAML topology, an AWS JSON directory, or a folder holding `aws_configs/`."""
    from .inputs.loader import load_topology

    with _collection_paused():
        return Network(load_topology(path))


@contextmanager
def _collection_paused():
    """Loading builds millions of objects and no garbage cycles: the cyclic garbage collector,
    left on, spends most of a large load re-scanning them (a 100,000-route topology loads in
    about half the time without it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Network:
    """A Topology compiled into FIBs and filters, ready to forward packets."""

    def __init__(self, topology: m.Topology):
        self.topology = topology
        self.fabric = compile_topology(topology)
        self._ports: dict[str, Port] = {}
        self._fast_paths: weakref.WeakSet = weakref.WeakSet()

    def recompile(self) -> None:
        """Rebuild after the topology was changed (R26: routes follow prefix-list edits at once).
        Fast paths made by `fast_path` follow: their cached decisions are all dropped."""
        self.fabric = compile_topology(self.topology)
        self._ports.clear()
        for fast in self._fast_paths:
            fast.rebind(self.fabric, self.port(fast.port.id))

    def fast_path(self, at: str, session: Session | None = None):
        """A FastPath for packets entering at `at`, kept in step with this network's topology."""
        from .dataplane.fastpath import FastPath

        fast = FastPath(self.fabric, self.port(at), session)
        self._fast_paths.add(fast)
        return fast

    # --- sources -----------------------------------------------------------------------------

    def port(self, ref: str) -> Port:
        """An ENI by instance id, ENI id, Name tag or private IPv4 address."""
        port = self._ports.get(ref)
        if port is None:
            port = self._ports[ref] = self._find_port(ref)
        return port

    def _find_port(self, ref: str) -> Port:
        topology = self.topology
        try:
            resource = topology.find(ref, (m.Instance, m.NetworkInterface))
        except KeyError as error:
            matches = [p for p in self.fabric.ports.values() if ref in p.eni.private_ip_addresses]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise InputError(f"{ref} is a private address in several VPCs: "
                                 f"{', '.join(p.id for p in matches)}", file=topology.source, field="--from")
            raise InputError(f"no instance, network interface or private address {shown(ref)}",
                             file=topology.source, field="--from") from error.__cause__
        eni_id = resource.network_interface_ids[0] if isinstance(resource, m.Instance) else resource.id
        port = self.fabric.ports.get(eni_id)
        if port is None:
            raise InputError(f"{ref} has no network interface in a known subnet", file=topology.source,
                             field="--from")
        return port

    def resolve(self, name: str, at: str) -> list[str]:
        """What `name` resolves to for the instance or ENI `at` (its VPC's resolver)."""
        port = self.port(at)
        try:
            return resolve(self.topology, port.subnet.vpc.vpc, name, port.subnet.subnet.availability_zone)
        except NotResolved as error:
            raise InputError(str(error), field="--to") from None

    def lookup(self, name: str, at: str) -> Answer:
        """The resolver's full answer (rcode, addresses, why) for the instance or ENI `at`."""
        port = self.port(at)
        return lookup(self.topology, port.subnet.vpc.vpc, name, port.subnet.subnet.availability_zone)

    def answer_dns(self, query: bytes, at: str) -> bytes:
        """The VPC resolver's response to a DNS query message sent by `at` (R131)."""
        port = self.port(at)
        return answer_packet(self.topology, port.subnet.vpc.vpc, query, port.subnet.subnet.availability_zone)

    # --- forwarding --------------------------------------------------------------------------

    def forward(self, headers: Headers, at: str | Port, session: Session | None = None) -> Outcome:
        """Forward without recording (the fast path's entry)."""
        port = at if isinstance(at, Port) else self.port(at)
        return Forwarder(self.fabric, session).from_port(port, headers)

    def trace(self, packet, at: str, session: Session | None = None, with_return: bool = False) -> Trace:
        """Send a scapy packet, a raw frame (Ethernet or bare IPv4 bytes) or Headers from `at` (an
        instance, ENI, name or address, or "internet") and record every hop. An IP layer without a source takes the ENI's address.
        With `with_return`, a delivered packet's reply is traced too, through the state the
        request left (stateful SGs, NAT) and the responder's own routes (R82, R105)."""
        session = session if session is not None else Session()
        hops: list = []
        forwarder = Forwarder(self.fabric, session, recorder=hops)
        if at == "internet":
            headers = self._headers(packet, None)
            outcome = forwarder.from_internet(headers)
        else:
            port = self.port(at)
            headers = self._headers(packet, port)
            outcome = forwarder.from_port(port, headers)
        trace = Trace(outcome.verdict, outcome.code, outcome.delivered_to, headers, outcome.headers, hops,
                      outcome.detail, from_internet=at == "internet")
        if with_return and outcome.responder is not None:
            reply_headers = reply_to(outcome.headers)
            reply_hops: list = []
            reply = Forwarder(self.fabric, session, recorder=reply_hops).reply(outcome.responder, reply_headers)
            trace.reply = Trace(reply.verdict, reply.code, reply.delivered_to, reply_headers, reply.headers,
                                reply_hops, reply.detail)
        return trace

    def trace_flow(self, at: str, dst: str, proto: str | int = "tcp", sport: int = DEFAULT_SPORT,
                   dport: int = DEFAULT_DPORT, src: str | None = None, session: Session | None = None,
                   with_return: bool = False) -> Trace:
        """Trace a packet given by its fields; `dst` may be an address or a DNS name (resolved
        by the source VPC's resolver). ICMP means echo request."""
        from scapy.layers.inet import ICMP as SICMP, IP, TCP as STCP, UDP as SUDP

        number = _protocol_number(proto)
        if at == "internet" and src is None:
            raise InputError("a packet from the internet needs a source address (--src)", field="--from")
        if src is not None and not is_ipv4(src):  # never a name: scapy would ask the host's resolver
            raise InputError(f"not an IPv4 address: {shown(src)}", field="--src")
        dst_address = dst if is_ipv4(dst) else self.resolve(dst, at)[0]
        ip = IP(dst=dst_address, proto=number) if src is None else IP(src=src, dst=dst_address, proto=number)
        if number == TCP:
            packet = ip / STCP(sport=sport, dport=dport, flags="S")
        elif number == UDP:
            packet = ip / SUDP(sport=sport, dport=dport)
        elif number == ICMP:
            packet = ip / SICMP(type=8, code=0, id=sport & 0xFFFF)
        else:
            packet = ip
        return self.trace(packet, at, session, with_return)

    def _headers(self, packet, port: Port | None) -> Headers:
        if isinstance(packet, Headers):
            return packet
        if isinstance(packet, (bytes, bytearray, memoryview)):
            return parse_frame(bytes(packet))
        from scapy.layers.inet import IP

        if port is not None and IP in packet and "src" not in packet[IP].fields:
            packet = packet.copy()
            packet[IP].src = port.eni.private_ip_address
        return from_scapy(packet)


def _protocol_number(proto: str | int) -> int:
    if isinstance(proto, int) and not isinstance(proto, bool) and 0 <= proto <= 255:
        return proto
    text = str(proto).lower()
    if text in PROTOCOLS:
        return PROTOCOLS[text]
    if _DECIMAL.fullmatch(text) and int(text) <= 255:
        return int(text)
    raise InputError(f"unknown protocol {shown(proto)} (tcp, udp, icmp or a number 0-255)", field="--proto")


def is_ipv4(text: str) -> bool:
    """Dotted-quad IPv4 in ASCII digits. str.isdigit() also takes "²" and "١": such a "number" reaching
    scapy would be looked up as a host name through the host's resolver, and vpcemu is offline."""
    return isinstance(text, str) and _IPV4.fullmatch(text) is not None


_DECIMAL = re.compile(r"[0-9]{1,3}")
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])")


__all__ = ["Network", "load", "Trace", "int_to_ip", "ip_to_int"]
