"""The header view the forwarding decisions read, against packets built by scapy.

Every field the pipeline uses (addresses, protocol, ports or ICMP type/code/id, TTL, total length,
whether it is a fragment) must come out of parse_ipv4 / parse_frame / from_scapy exactly as scapy
put it in, whatever sits around it (Ethernet, IP options, fragmentation). Input that is not a whole
IPv4 header raises MalformedPacket, an InputError, rather than forwarding garbage.
"""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption_NOP, IPOption_Router_Alert, fragment
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw

from emulator.dataplane import packet as P
from emulator.dataplane.packet import Headers, MalformedPacket, from_scapy, ip_to_int, parse_frame, parse_ipv4
from emulator.inputs.errors import InputError

SRC, DST = "10.0.1.10", "52.95.148.10"


def every_view(ip_packet) -> list[Headers]:
    """The same IPv4 packet through each entry point: bare bytes, an Ethernet frame, scapy objects."""
    frame = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / ip_packet
    return [parse_ipv4(bytes(ip_packet)), parse_frame(bytes(ip_packet), ip_offset=0), parse_frame(bytes(frame)),
            from_scapy(ip_packet), from_scapy(frame)]


def single(ip_packet) -> Headers:
    views = every_view(ip_packet)
    assert all(v == views[0] for v in views), views
    return views[0]


# --- what scapy builds comes back out ----------------------------------------------------------------

def test_tcp_fields():
    built = IP(src=SRC, dst=DST, ttl=37) / TCP(sport=49152, dport=443, flags="S")
    h = single(built)
    assert (h.src, h.dst, h.proto) == (ip_to_int(SRC), ip_to_int(DST), P.TCP)
    assert (h.sport, h.dport, h.ttl, h.length) == (49152, 443, 37, len(bytes(built)))
    assert (h.icmp_type, h.icmp_code, h.fragment) == (None, None, False)


def test_udp_fields():
    built = IP(src=SRC, dst="10.0.0.2") / UDP(sport=53124, dport=53) / Raw(b"\x12\x34" + b"\x00" * 30)
    h = single(built)
    assert (h.proto, h.sport, h.dport, h.length, h.fragment) == (P.UDP, 53124, 53, len(bytes(built)), False)


@pytest.mark.parametrize("icmp_type, reply_type", [(8, 0), (0, 8), (13, 14)])
def test_icmp_queries_carry_their_identifier_as_the_flow_port(icmp_type, reply_type):
    """R105: ICMP queries and replies are tracked by their id, which Headers keeps in `sport`."""
    h = single(IP(src=SRC, dst=DST) / ICMP(type=icmp_type, code=0, id=0x4D2, seq=7))
    assert (h.proto, h.icmp_type, h.icmp_code, h.sport, h.dport) == (P.ICMP, icmp_type, 0, 0x4D2, 0)
    assert P.ICMP_QUERY_REPLY[icmp_type] == reply_type


def test_icmp_errors_have_no_identifier():
    """Destination unreachable (type 3, code 4: fragmentation needed) is not a query: no id to track."""
    inner = IP(src=DST, dst=SRC) / UDP(sport=53, dport=53124)
    h = single(IP(src="10.0.0.1", dst=SRC) / ICMP(type=3, code=4, nexthopmtu=1500) / inner)
    assert (h.icmp_type, h.icmp_code, h.sport, h.dport) == (3, 4, 0, 0)
    assert h.src == ip_to_int("10.0.0.1")  # the outer header, not the quoted one


def test_ip_options_move_the_transport_header():
    """With options the header is longer than 20 bytes (IHL > 5); ports are read after it."""
    built = IP(src=SRC, dst=DST, options=[IPOption_Router_Alert(), IPOption_NOP(), IPOption_NOP(),
                                          IPOption_NOP(), IPOption_NOP()]) / TCP(sport=1234, dport=8443)
    raw = bytes(built)
    assert raw[0] & 0x0F > 5
    h = single(built)
    assert (h.sport, h.dport, h.length) == (1234, 8443, len(raw))


def test_fragments_first_has_ports_later_ones_do_not():
    """A first fragment (MF set) still carries the UDP header; later fragments carry none. All are
    marked as fragments (NAT gateways and NACLs treat them specially, R124)."""
    pieces = fragment(IP(src=SRC, dst=DST, id=99) / UDP(sport=5000, dport=514) / Raw(b"x" * 3000), fragsize=1000)
    assert len(pieces) > 2
    parsed = [single(p) for p in pieces]
    assert all(h.fragment for h in parsed)
    assert (parsed[0].sport, parsed[0].dport) == (5000, 514)
    assert all((h.sport, h.dport) == (0, 0) for h in parsed[1:])
    assert [h.length for h in parsed] == [len(bytes(p)) for p in pieces]


def test_a_packet_with_dont_fragment_set_is_not_a_fragment():
    h = single(IP(src=SRC, dst=DST, flags="DF") / TCP(sport=1, dport=2))
    assert not h.fragment


def test_a_packet_at_an_offset_in_a_larger_buffer():
    built = bytes(IP(src=SRC, dst=DST) / UDP(sport=7, dport=9))
    h = parse_ipv4(b"\xff" * 6 + built, 6)
    assert (h.src, h.sport, h.dport) == (ip_to_int(SRC), 7, 9)


@given(src=st.integers(0, 2**32 - 1), dst=st.integers(0, 2**32 - 1), ttl=st.integers(0, 255),
       proto=st.sampled_from([P.TCP, P.UDP, P.ICMP, 47, 50]), sport=st.integers(0, 65535),
       dport=st.integers(0, 65535), icmp_type=st.sampled_from([0, 3, 8, 11, 13, 14]), options=st.booleans(),
       payload=st.binary(max_size=64))
def test_any_packet_scapy_builds_parses_back_to_its_fields(src, dst, ttl, proto, sport, dport, icmp_type,
                                                           options, payload):
    ip = IP(src=P.int_to_ip(src), dst=P.int_to_ip(dst), ttl=ttl, proto=proto,
            options=[IPOption_Router_Alert()] if options else [])
    if proto == P.TCP:
        built = ip / TCP(sport=sport, dport=dport) / Raw(payload)
    elif proto == P.UDP:
        built = ip / UDP(sport=sport, dport=dport) / Raw(payload)
    elif proto == P.ICMP:
        built = ip / ICMP(type=icmp_type, code=0, id=sport) / Raw(payload)
    else:
        built = ip / Raw(payload)
    h = single(built)
    assert (h.src, h.dst, h.proto, h.ttl, h.length, h.fragment) == (src, dst, proto, ttl, len(bytes(built)), False)
    if proto in (P.TCP, P.UDP):
        assert (h.sport, h.dport) == (sport, dport)
    elif proto == P.ICMP:
        assert h.icmp_type == icmp_type
        assert h.sport == (sport if icmp_type in P.ICMP_QUERY_REPLY else 0)
    else:
        assert (h.sport, h.dport, h.icmp_type) == (0, 0, None)


def test_to_scapy_round_trips():
    for h in (Headers(ip_to_int(SRC), ip_to_int(DST), P.TCP, 40000, 443, ttl=12),
              Headers(ip_to_int(SRC), ip_to_int(DST), P.UDP, 40000, 53, ttl=64),
              Headers(ip_to_int(SRC), ip_to_int(DST), P.ICMP, 77, 0, ttl=1, icmp_type=8, icmp_code=0)):
        back = from_scapy(P.to_scapy(h))
        assert (back.src, back.dst, back.proto, back.sport, back.dport, back.ttl, back.icmp_type) == \
               (h.src, h.dst, h.proto, h.sport, h.dport, h.ttl, h.icmp_type)


# --- what is not a whole IPv4 packet is refused ------------------------------------------------------

TCP_BYTES = bytes(IP(src=SRC, dst=DST) / TCP(sport=1, dport=2))
ICMP_BYTES = bytes(IP(src=SRC, dst=DST) / ICMP(type=8, id=1))


@pytest.mark.parametrize("data, words", [
    (b"", "truncated IPv4 header"),
    (TCP_BYTES[:19], "truncated IPv4 header"),
    (bytes(IPv6(src="2001:db8::1", dst="2001:db8::2") / TCP()), "not IPv4"),
    (bytes(IP(src=SRC, dst=DST, ihl=4) / TCP()), "header length"),
    (bytes(IP(src=SRC, dst=DST, ihl=15))[:40], "header length"),  # says 60 bytes, has 20
    (bytes(IP(src=SRC, dst=DST, len=12) / TCP()), "total length"),
    (TCP_BYTES[:22], "truncated tcp header"),  # two bytes of a four-byte port pair
    (bytes(IP(src=SRC, dst=DST) / UDP())[:21], "truncated udp header"),
    (ICMP_BYTES[:24], "truncated icmp header"),
])
def test_malformed_ipv4_raises(data, words):
    with pytest.raises(MalformedPacket) as caught:
        parse_ipv4(data)
    assert words in caught.value.message
    assert isinstance(caught.value, InputError) and caught.value.field == "packet"


def test_a_transport_header_is_read_inside_the_ip_total_length_not_from_ethernet_padding():
    """A TCP packet whose IPv4 total length (20) leaves no room for a TCP header is malformed, even when
    the frame was padded to Ethernet's 60-byte minimum: the padding is not the packet's ports."""
    short = bytes(Ether() / IP(src=SRC, dst=DST, proto=P.TCP))
    padded = short + b"\x01\xbb\x01\xbb" + b"\x00" * (60 - len(short) - 4)
    with pytest.raises(MalformedPacket, match="truncated tcp header"):
        parse_frame(padded)
    # A complete packet followed by padding is fine, and the padding does not count in its length.
    whole = bytes(Ether() / IP(src=SRC, dst=DST) / UDP(sport=7, dport=9))
    h = parse_frame(whole + b"\x00" * (60 - len(whole)))
    assert (h.sport, h.dport, h.length) == (7, 9, 28)


@pytest.mark.parametrize("frame, words", [
    (bytes(Ether() / IPv6(src="2001:db8::1", dst="2001:db8::2") / TCP()), "ethertype 0x86dd"),
    (bytes(Ether() / ARP(pdst="10.0.0.1")), "ethertype 0x0806"),
    (bytes(Ether())[:13], "truncated Ethernet header"),
    (bytes(Ether() / IP(src=SRC, dst=DST))[:30], "truncated IPv4 header"),
])
def test_malformed_frames_raise(frame, words):
    with pytest.raises(MalformedPacket) as caught:
        parse_frame(frame)
    assert words in caught.value.message


@pytest.mark.parametrize("built", [IPv6(src="2001:db8::1", dst="2001:db8::2") / TCP(), Ether() / ARP(),
                                   Raw(b"\x45\x00")])
def test_from_scapy_refuses_packets_without_an_ipv4_layer(built):
    with pytest.raises(MalformedPacket, match="no IPv4 layer"):
        from_scapy(built)
