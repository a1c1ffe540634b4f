"""The lab's fabric without namespaces (no root needed): every host interface is one end of a
SOCK_SEQPACKET socket pair, which hands over whole frames as a TAP device does. Frames are built
and read back with scapy, so addresses, MACs and checksums are checked by a second parser."""
from __future__ import annotations

import os
import socket

import pytest
from scapy.layers.dns import DNS, DNSQR
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether

import emulator
from emulator.lab import names
from emulator.lab.engine import Engine
from emulator.lab.plan import EDGE_MAC, plan, router_mac
from tests.lab.conftest import SEED

S3 = "52.95.148.10"


class Fabric:
    """An Engine whose devices are socket pairs; `send` a frame from a host, `received` by one."""

    def __init__(self, topology=SEED):
        self.network = emulator.load(topology)
        self.engine = Engine(self.network)
        self.hosts = {h.name: h for h in plan(self.network)}
        self.peer = {}
        for index, host in enumerate(self.hosts.values()):
            for iface in host.interfaces:
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                ours.setblocking(False)
                theirs.setblocking(False)
                fd = ours.detach()
                self.engine.attach(host, iface, fd, names.device_name("unit", index), f"unit.{host.name}")
                self.peer[host.name] = theirs

    def mac(self, host: str) -> str:
        return self.hosts[host].interfaces[0].mac

    def router(self, host: str) -> str:
        return router_mac(self.network.fabric.ports[self.hosts[host].interfaces[0].eni].subnet.id)

    def send(self, host: str, frame) -> None:
        self.peer[host].send(bytes(frame))
        self.engine.run(timeout=0.2, once=True)

    def received(self, host: str) -> list:
        out = []
        while True:
            try:
                out.append(Ether(self.peer[host].recv(65536)))
            except BlockingIOError:
                return out

    def close(self):
        self.engine.close()
        for sock in self.peer.values():
            sock.close()


@pytest.fixture
def fabric():
    f = Fabric()
    yield f
    f.close()


def frame_from(fabric: Fabric, host: str, packet):
    return Ether(src=fabric.mac(host), dst=fabric.router(host)) / packet


def test_arp_for_the_subnet_router_is_answered_with_the_router_mac(fabric):
    fabric.send("web-a", Ether(src=fabric.mac("web-a"), dst="ff:ff:ff:ff:ff:ff")
                / ARP(op=1, hwsrc=fabric.mac("web-a"), psrc="10.0.0.10", pdst="10.0.0.1"))
    (reply,) = fabric.received("web-a")
    assert reply[ARP].op == 2 and reply[ARP].psrc == "10.0.0.1" and reply[ARP].hwsrc == fabric.router("web-a")
    assert reply[Ether].dst == fabric.mac("web-a") and reply[ARP].pdst == "10.0.0.10"


def test_arp_for_an_address_no_eni_owns_gets_no_answer_and_a_record(fabric):
    fabric.send("web-a", Ether(src=fabric.mac("web-a"), dst="ff:ff:ff:ff:ff:ff")
                / ARP(op=1, hwsrc=fabric.mac("web-a"), psrc="10.0.0.10", pdst="10.0.0.77"))
    assert fabric.received("web-a") == []
    (drop,) = fabric.engine.status()["drops"]
    assert drop["code"] == "NO_ENI_FOR_DESTINATION" and drop["where"] == fabric.network.port("web-a").subnet.id


def test_a_connection_through_the_gateway_endpoint_both_ways_and_the_quick_path(fabric):
    syn = frame_from(fabric, "web-a", IP(src="10.0.0.10", dst=S3) / TCP(sport=40000, dport=80, flags="S"))
    fabric.send("web-a", syn)
    (arrived,) = fabric.received("s3.eu-west-2")
    assert arrived[Ether].dst == fabric.mac("s3.eu-west-2") and arrived[IP].src == "10.0.0.10"
    assert bytes(arrived[IP]) == bytes(syn[IP])  # nothing rewritten on a gateway endpoint, TTL kept
    answer = Ether(src=fabric.mac("s3.eu-west-2"), dst=EDGE_MAC) / IP(src=S3, dst="10.0.0.10") / TCP(
        sport=80, dport=40000, flags="SA")
    fabric.send("s3.eu-west-2", answer)
    (back,) = fabric.received("web-a")
    assert back[Ether].dst == fabric.mac("web-a") and back[Ether].src == fabric.router("web-a")
    for _ in range(5):  # later packets of the flow: the quick path, counted on the same record
        fabric.send("web-a", syn)
    assert len(fabric.received("s3.eu-west-2")) == 5
    (request,) = [f for f in fabric.engine.status()["flows"] if f["ingress"] == "web-a"]
    assert request["packets"] == 6 and fabric.engine.counters["internal-error"] == 0
    endpoint = next(e.vpc_endpoint_id for e in fabric.network.topology.all(emulator.model.GatewayEndpoint))
    assert endpoint in request["path"]


def test_nat_rewrites_addresses_and_ports_with_valid_checksums(fabric):
    syn = frame_from(fabric, "batch-1", IP(src="10.0.12.10", dst=S3) / TCP(sport=40001, dport=80, flags="S"))
    for _ in range(2):  # the first by the careful path, the second by the quick path
        fabric.send("batch-1", syn)
    arrived = fabric.received("s3.eu-west-2")
    assert len(arrived) == 2 and bytes(arrived[0]) == bytes(arrived[1])
    packet = arrived[0][IP]
    assert packet.src == "18.130.11.5"  # the NAT gateway's Elastic IP (R122, R120)
    check = IP(bytes(packet))
    del check.chksum, check[TCP].chksum
    rebuilt = IP(bytes(check))
    assert (packet.chksum, packet[TCP].chksum) == (rebuilt.chksum, rebuilt[TCP].chksum)
    reply = Ether(src=fabric.mac("s3.eu-west-2"), dst=EDGE_MAC) / IP(src=S3, dst="18.130.11.5") / TCP(
        sport=80, dport=packet[TCP].sport, flags="SA")
    fabric.send("s3.eu-west-2", reply)
    (back,) = fabric.received("batch-1")
    assert back[IP].dst == "10.0.12.10" and back[TCP].dport == 40001


def test_a_drop_lifted_by_later_state_leaves_the_quick_path(fabric):
    # The endpoint's answer before any request: one-way (R47), dropped, cached ...
    answer = frame_from(fabric, "dynamodb-private-a", IP(src="10.0.10.100", dst="10.0.10.10") / TCP(
        sport=443, dport=40002, flags="SA"))
    fabric.send("dynamodb-private-a", answer)
    fabric.send("dynamodb-private-a", answer)
    assert fabric.received("app-a") == []
    # ... until app-a opens that connection: the same answer now passes.
    fabric.send("app-a", frame_from(fabric, "app-a", IP(src="10.0.10.10", dst="10.0.10.100") / TCP(
        sport=40002, dport=443, flags="S")))
    assert len(fabric.received("dynamodb-private-a")) == 1
    fabric.send("dynamodb-private-a", answer)
    assert len(fabric.received("app-a")) == 1


def test_a_df_packet_over_the_igw_mtu_is_answered_with_fragmentation_needed(fabric):
    big = frame_from(fabric, "web-b", IP(src="10.0.1.10", dst=S3, flags="DF") / UDP(sport=5000, dport=9)
                     / (b"x" * 2000))
    fabric.send("web-b", big)
    assert fabric.received("s3.eu-west-2") == []
    (icmp,) = fabric.received("web-b")
    assert icmp[IP].src == "10.0.1.1" and icmp[IP].dst == "10.0.1.10"
    assert (icmp[ICMP].type, icmp[ICMP].code, icmp[ICMP].nexthopmtu) == (3, 4, 1500)  # R119
    rebuilt = ICMP(bytes(icmp[ICMP]))
    del rebuilt.chksum
    assert ICMP(bytes(rebuilt)).chksum == icmp[ICMP].chksum
    small = frame_from(fabric, "web-b", IP(src="10.0.1.10", dst=S3, flags="DF") / UDP(sport=5000, dport=9) / b"x")
    fabric.send("web-b", small)
    assert len(fabric.received("s3.eu-west-2")) == 1
    fabric.send("web-b", big)  # the flow is on the quick path now: the size still counts
    assert fabric.received("s3.eu-west-2") == [] and len(fabric.received("web-b")) == 1


def test_the_vpc_resolver_answers_a_query_with_valid_checksums(fabric):
    query = frame_from(fabric, "app-b", IP(src="10.0.11.10", dst="10.0.0.2") / UDP(sport=5353, dport=53)
                       / DNS(rd=1, qd=DNSQR(qname="dynamodb.eu-west-2.amazonaws.com")))
    fabric.send("app-b", query)
    (reply,) = fabric.received("app-b")
    assert reply[IP].src == "10.0.0.2" and reply[UDP].sport == 53 and reply[UDP].dport == 5353
    assert [reply[DNS].an[i].rdata for i in range(reply[DNS].ancount)] == ["10.0.11.100", "10.0.10.100"]  # R50
    rebuilt = IP(bytes(reply[IP]))
    del rebuilt.chksum, rebuilt[UDP].chksum
    rebuilt = IP(bytes(rebuilt))
    assert (rebuilt.chksum, rebuilt[UDP].chksum) == (reply[IP].chksum, reply[UDP].chksum)


def test_frames_that_are_not_ipv4_or_broken_are_counted_not_forwarded(fabric):
    fabric.send("web-a", Ether(src=fabric.mac("web-a"), dst=fabric.router("web-a"), type=0x86DD) / (b"\0" * 40))
    bad = bytearray(bytes(frame_from(fabric, "web-a", IP(src="10.0.0.10", dst=S3) / UDP(sport=1, dport=2))))
    bad[24] ^= 0xFF  # the IPv4 header checksum
    fabric.send("web-a", bytes(bad))
    fabric.send("web-a", b"\x01\x02")
    assert fabric.received("s3.eu-west-2") == []
    counters = fabric.engine.counters
    assert (counters["not-ipv4"], counters["bad-checksum"], counters["truncated"]) == (1, 1, 1)
    assert counters["internal-error"] == 0


def test_names_fit_linux_limits_and_prefixes_never_overlap():
    assert len(names.device_name("abcdefgh", 0xFFFF)) == 15
    assert names.is_lab_device("ab", "vxab-1f") and not names.is_lab_device("a", "vxab-1f")
    assert not names.is_lab_device("a", "vxa-1-2")
    assert names.lab_of_netns("vpcemu.lab1.web-a") == "lab1" and names.lab_of_device("vxlab1-a") == "lab1"
    assert not names.netns_name("a", "x").startswith(names.netns_prefix("ab"))
    with pytest.raises(emulator.api.InputError):
        names.check_name("toolongname")


def test_the_plan_gives_every_host_what_aws_gives_its_eni():
    hosts = {h.name: h for h in plan(emulator.load(SEED))}
    web_a = hosts["web-a"].interfaces[0]
    assert (web_a.addresses, web_a.prefixlen, web_a.gateway, web_a.mtu, web_a.resolver) == (
        ["10.0.0.10"], 24, "10.0.0.1", 9001, "10.0.0.2")  # R132, R119, R131
    assert hosts["s3.eu-west-2"].interfaces[0].addresses == [S3] and hosts["s3.eu-west-2"].interfaces[0].mtu == 1500
    assert hosts["dynamodb-private-a"].standin == "com.amazonaws.eu-west-2.dynamodb"
    assert "batch-1" in hosts and not any(h.kind == "nat-gateway" for h in hosts.values())
    assert len({h.name for h in hosts.values()}) == len(hosts)
    assert os.path.basename(names.netns_name("lab", "web-a")) == "vpcemu.lab.web-a"
