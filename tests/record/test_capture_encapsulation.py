"""Captures show what the headers alone cannot: GENEVE around the packet (R68) and the proxy
protocol v2 header in front of the first segment to an NLB target (R64)."""
from __future__ import annotations

from scapy.contrib.geneve import GENEVE
from scapy.layers.inet import IP, TCP, UDP

from emulator.dataplane.targets.privatelink import PP2_SIGNATURE
from tests.dataplane.test_gwlb import build as build_gwlb
from tests.dataplane.test_privatelink import build as build_privatelink
from tests.record.tshark import fields, needs_tshark


def test_the_gwlb_hop_carries_the_geneve_packet():
    trace = build_gwlb().trace_flow("web-1", "8.8.8.8")
    [hop] = [h for h in trace.hops if h.action == "encapsulate"]
    outer = IP(hop.wire)
    assert outer[UDP].dport == 6081 and {o.classid for o in outer[GENEVE].options} == {0x0108}
    inner = IP(bytes(outer[GENEVE].payload))
    assert (inner.src, inner.dst) == ("10.80.1.10", "8.8.8.8")


def test_the_nlb_hop_carries_the_proxy_protocol_header():
    trace = build_privatelink(PP2="true").trace_flow("c1", "10.9.1.100")
    [hop] = [h for h in trace.hops if h.type == "load-balancer"]
    segment = IP(hop.wire)
    assert bytes(segment[TCP].payload).startswith(PP2_SIGNATURE)
    assert segment.src == "10.1.1.5"  # the NLB node, as the target sees it (R64)


def test_without_recording_nothing_is_built():
    """The fast path records nothing, so it never pays for these bytes."""
    from emulator.dataplane.fastpath import FastPath

    net = build_gwlb()
    assert FastPath(net.fabric, net.port("web-1")).forwarder.recorder is None


@needs_tshark
def test_wireshark_decodes_the_geneve_hop_of_a_trace_capture(tmp_path):
    from emulator.record.capture import write_trace_capture

    net = build_gwlb()
    trace = net.trace_flow("web-1", "8.8.8.8")
    path = tmp_path / "trace.pcapng"
    write_trace_capture(path, net, trace, start_ns=0)
    rows = fields(path, "frame.protocols", "ip.dst")
    geneve = [row for row in rows if "geneve" in row[0]]
    assert len(geneve) == 1
    assert geneve[0][1].split(",")[0] in ("10.70.1.10", "10.70.1.11")  # the outer header: to an appliance
