"""The fast path's cache must never answer differently from the pipeline it caches."""
from __future__ import annotations

import struct

from emulator.dataplane.fastpath import Decision, FastPath, apply_rewrite, checksum_adjust
from emulator.dataplane.packet import TCP, Headers, ip_to_int
from emulator.dataplane.state import Session
from tests.builders import network_from_yaml

TWO_HOSTS = """
regions:
  us-east-1:
    vpcs:
      v:
        cidr_blocks: [10.0.0.0/16]
        subnets:
          a: {cidr_block: 10.0.1.0/24}
          b: {cidr_block: 10.0.2.0/24}
        security_groups:
          closed: {ingress: []}
          open:
            ingress: [{protocol: tcp, ports: 8080, from: 10.0.0.0/16}]
        instances:
          alice: {subnet: a, private_ip: 10.0.1.10, security_groups: [closed]}
          bob:   {subnet: b, private_ip: 10.0.2.10, security_groups: [open]}
"""


def test_a_cached_drop_is_lifted_when_the_reply_state_appears():
    """bob -> alice:5000 is dropped (alice admits nothing, R104). Once alice opens
    alice:5000 -> bob:8080, bob's packets of that flow are replies and pass (R105); the cached
    drop must not hide that."""
    net = network_from_yaml(TWO_HOSTS)
    session = Session()
    bob = FastPath(net.fabric, net.port("bob"), session)
    alice = FastPath(net.fabric, net.port("alice"), session)
    reply = Headers(ip_to_int("10.0.2.10"), ip_to_int("10.0.1.10"), TCP, 8080, 5000)
    assert bob.decide(reply).code == "ENI_SG_RULES_MISMATCH"
    assert bob.decide(reply).code == "ENI_SG_RULES_MISMATCH"  # cached
    request = Headers(ip_to_int("10.0.1.10"), ip_to_int("10.0.2.10"), TCP, 5000, 8080)
    assert alice.decide(request).verdict == "delivered"
    assert bob.decide(reply).verdict == "delivered"
    assert bob.forgotten  # the replay loop learns which of its own cache entries to drop


def test_decisions_are_interned():
    net = network_from_yaml(TWO_HOSTS)
    path = FastPath(net.fabric, net.port("alice"))
    a = path.decide(Headers(ip_to_int("10.0.1.10"), ip_to_int("10.0.2.10"), TCP, 1, 8080))
    b = path.decide(Headers(ip_to_int("10.0.1.10"), ip_to_int("10.0.2.10"), TCP, 2, 8080))
    assert a is b


def _sum16(data: bytes) -> int:
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def test_incremental_checksum_equals_full_recomputation():
    """RFC 1624: updating a checksum for changed words equals computing it again."""
    header = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0,
                                   bytes([10, 0, 0, 1]), bytes([8, 8, 8, 8])))
    header[10:12] = struct.pack("!H", (~_sum16(header)) & 0xFFFF)
    new_src = bytes([18, 130, 11, 5])
    adjusted = checksum_adjust(struct.unpack_from("!H", header, 10)[0], bytes(header[12:16]), new_src)
    header[12:16] = new_src
    header[10:12] = b"\0\0"
    assert adjusted == (~_sum16(header)) & 0xFFFF


def test_apply_rewrite_leaves_unchanged_packets_alone():
    packet = b"\x45" + b"\0" * 39
    assert apply_rewrite(packet, 0, Decision("delivered", None, "x", None)) is packet


def test_r119_a_big_df_packet_of_a_cached_flow_is_dropped_like_trace_drops_it():
    """The flow's decision is cached without its size; each packet is held against the path MTU."""
    import emulator
    from tests.conftest import TOPOLOGIES

    net = emulator.load(TOPOLOGIES / "seed-endpoints.yaml")
    path = FastPath(net.fabric, net.port("web-b"))
    small = Headers(ip_to_int("10.0.1.10"), ip_to_int("8.8.8.8"), TCP, 1000, 443, length=1400, df=True)
    big = small.copy(length=4000)
    assert path.decide(small).verdict == "exited" and path.decide(small).path_mtu == 1500  # the IGW (R119)
    assert path.decide(big).code == "MTU_EXCEEDED"
    assert path.decide(big.copy(df=False)).verdict == "exited"  # fragmented, not dropped
    trace = net.trace(big, "web-b")
    assert trace.code == "MTU_EXCEEDED" and trace.hops[-1].id == net.topology.find("app-igw").id
    assert "type 3 code 4" in trace.hops[-1].detail


def test_r84_inter_region_peering_carries_8500_bytes_and_jumbo_frames_stay_inside():
    import emulator
    from tests.conftest import TOPOLOGIES

    net = emulator.load(TOPOLOGIES / "seed-cross-region.yaml")
    src, dst = ip_to_int("10.1.1.10"), ip_to_int("10.2.1.100")
    assert net.trace(Headers(src, dst, TCP, 1, 443, length=8500, df=True), "client-a").verdict == "delivered"
    assert net.trace(Headers(src, dst, TCP, 1, 443, length=9001, df=True), "client-a").code == "MTU_EXCEEDED"


def test_a_topology_change_reaches_cached_decisions():
    """Cached decisions follow the topology: opening bob's group changes the next packet's fate."""
    net = network_from_yaml(TWO_HOSTS)
    path = net.fast_path("alice")
    packet = Headers(ip_to_int("10.0.1.10"), ip_to_int("10.0.2.10"), TCP, 5000, 9090)
    assert path.decide(packet).code == "ENI_SG_RULES_MISMATCH"
    from emulator.model import SecurityGroup, SecurityGroupRule

    net.topology.find("open", SecurityGroup).ingress.append(SecurityGroupRule(6, 9090, 9090, cidr_ipv4="10.0.0.0/16"))
    net.recompile()
    assert path.decide(packet).verdict == "delivered"


def test_one_paths_cache_overflow_keeps_the_other_paths_watches():
    """Two paths share a session (as in the lab); alice's cache overflowing must not make bob's
    cached drop permanent."""
    net = network_from_yaml(TWO_HOSTS)
    session = Session()
    bob = FastPath(net.fabric, net.port("bob"), session)
    alice = FastPath(net.fabric, net.port("alice"), session, cache_limit=2)
    reply = Headers(ip_to_int("10.0.2.10"), ip_to_int("10.0.1.10"), TCP, 8080, 5000)
    assert bob.decide(reply).code == "ENI_SG_RULES_MISMATCH"
    for sport in range(1, 5):  # overflow alice's cache
        alice.decide(Headers(ip_to_int("10.0.1.10"), ip_to_int("10.0.2.10"), TCP, sport, 9999))
    assert alice.decide(Headers(ip_to_int("10.0.1.10"), ip_to_int("10.0.2.10"), TCP, 5000, 8080)).verdict == "delivered"
    assert bob.decide(reply).verdict == "delivered"
