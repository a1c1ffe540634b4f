"""The FIB against a plain, brute-force reading of AWS route priority (R1, R7, R9, R10–R12, R17, R19, R27).

`reference_route` below is written from the spec alone and shares nothing with emulator/dataplane/fib.py:
it lists every (route, entry) pair whose prefix contains the address and picks the winner by the rules
in order. Hypothesis then builds random route tables (overlapping CIDR routes, several prefix lists
whose entries overlap each other and the CIDR routes, propagated routes, blackholes, one or two local
routes, written in random order) and random addresses, and the compiled FIB must agree with it for
every address: same route (or none), same blackhole flag, same matching entry. An address inside
169.254.168.0/22 that any route covers must come out as the reserved drop (R9).
"""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator import model as m
from emulator.dataplane.compile import compile_topology
from emulator.dataplane.fib import format_cidr, parse_cidr
from emulator.model.routing import ORIGIN_LOCAL, ORIGIN_PROPAGATED

REGION, ACCOUNT = "eu-west-2", "111122223333"
VPC_ID, TABLE_ID = "vpc-0f1b0f1b0f1b0f1b0", "rtb-0f1b0f1b0f1b0f1b0"
RESERVED = ipaddress.IPv4Network("169.254.168.0/22")  # R9

# Where generated prefixes live: a few clusters, so that routes overlap often.
CLUSTERS = [ipaddress.IPv4Address(a) for a in ("10.0.0.0", "10.1.0.0", "169.254.0.0", "192.168.0.0", "54.123.0.0")]

STATIC, PREFIX_LIST, PROPAGATED = 0, 1, 2  # R10: the order on an equal prefix, best first


# --- the reference: AWS route priority, read straight from the spec ------------------------------

def reference_route(address: ipaddress.IPv4Address, table: m.RouteTable, lists: dict[str, m.PrefixList],
                    vpc_cidrs: list[str]):
    """The route AWS uses for `address`, "reserved" (R9) or None, and the entry that matched."""
    local = [ipaddress.IPv4Network(c) for c in vpc_cidrs]
    candidates = []  # (prefix length, kind, tie-break id, route, entry)
    for route in table.routes:
        if route.destination_prefix_list_id:
            kind, tiebreak = PREFIX_LIST, route.destination_prefix_list_id
            entries = lists[route.destination_prefix_list_id].cidrs  # R27: one virtual route per entry
        else:
            kind = PROPAGATED if route.origin == ORIGIN_PROPAGATED else STATIC
            tiebreak, entries = "", [route.destination_cidr_block]
        for entry in entries:
            network = ipaddress.IPv4Network(entry)
            if address not in network:
                continue
            if kind == PROPAGATED and any(network.subnet_of(c) for c in local):
                continue  # R7: a propagated route inside the VPC CIDR never beats local
            candidates.append((network.prefixlen, kind, tiebreak, route, network))
    if not candidates:
        return None, None
    longest = max(c[0] for c in candidates)  # R1
    tied = [c for c in candidates if c[0] == longest]
    best_kind = min(c[1] for c in tied)  # R10, R11: static > prefix list > propagated
    tied = [c for c in tied if c[1] == best_kind]
    winner = min(tied, key=lambda c: c[2])  # R12: the lowest pl- id among prefix lists
    if address in RESERVED:
        return "reserved", RESERVED  # R9: no route, however wide or narrow, forwards into 169.254.168.0/22
    return winner[3], winner[4]


# --- random route tables ---------------------------------------------------------------------------

def network_in(cluster: ipaddress.IPv4Address, offset: int, length: int) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network((int(cluster) + offset, length), strict=False)  # host bits cleared


prefixes = st.one_of(
    st.builds(network_in, st.sampled_from(CLUSTERS), st.integers(0, 0xFFFF),
              st.one_of(st.integers(8, 32), st.integers(16, 28), st.just(0))),
    # around and inside 169.254.168.0/22 (R9)
    st.builds(network_in, st.just(RESERVED.network_address), st.integers(0, 1023), st.integers(18, 32)))


@st.composite
def route_tables(draw):
    # One pool of prefixes shared by every kind of route, so equal prefixes (ties) are common.
    # Prefixes inside 169.254.168.0/22 are kept: the loader rejects such CIDR routes (R9), but a prefix
    # list entry can still lie there (R27), and the FIB must not forward into the range either way.
    pool = draw(st.lists(prefixes, min_size=1, max_size=8, unique=True))
    prefix = st.one_of(st.sampled_from(pool), prefixes)

    primary = draw(st.builds(network_in, st.just(CLUSTERS[0]), st.integers(0, 0xFFFF), st.integers(16, 28)))
    vpc_cidrs = [primary]
    if draw(st.booleans()):  # a secondary CIDR, in another cluster so it cannot overlap
        vpc_cidrs.append(draw(st.builds(network_in, st.just(CLUSTERS[1]), st.integers(0, 0xFFFF),
                                        st.integers(16, 28))))
    routes = [m.Route(destination_cidr_block=str(c), gateway_id="local", origin=ORIGIN_LOCAL) for c in vpc_cidrs]

    blackhole = st.sampled_from(["active", "active", "blackhole"])
    statics = draw(st.lists(prefix.filter(lambda n: n not in vpc_cidrs), max_size=6, unique=True))
    for i, network in enumerate(statics):
        routes.append(m.Route(destination_cidr_block=str(network), network_interface_id=f"eni-{i:017x}",
                              state=draw(blackhole)))
    propagated = draw(st.lists(prefix, max_size=5, unique=True))
    for i, network in enumerate(propagated):
        routes.append(m.Route(destination_cidr_block=str(network), gateway_id=f"vgw-{i:017x}",
                              origin=ORIGIN_PROPAGATED, state=draw(blackhole)))

    list_ids = draw(st.lists(st.integers(0, 0xFFFFFFFF).map(lambda n: f"pl-{n:08x}"), min_size=1, max_size=4,
                             unique=True))
    lists = {}
    for pl_id in list_ids:
        entries = draw(st.lists(prefix, min_size=1, max_size=5, unique=True))
        lists[pl_id] = m.PrefixList(pl_id, f"list-{pl_id}", [str(e) for e in entries], REGION, ACCOUNT)
    referenced = draw(st.lists(st.sampled_from(list_ids), max_size=len(list_ids), unique=True))
    for i, pl_id in enumerate(referenced):  # a list no route references must not route anything
        routes.append(m.Route(destination_prefix_list_id=pl_id, nat_gateway_id=f"nat-{i:017x}",
                              state=draw(blackhole)))

    routes = draw(st.permutations(routes))  # the order routes were written in must not matter
    table = m.RouteTable(TABLE_ID, VPC_ID, REGION, ACCOUNT, routes=list(routes), main=True)
    return table, lists, [str(c) for c in vpc_cidrs]


def addresses_for(table: m.RouteTable, lists: dict[str, m.PrefixList]):
    """Addresses inside (and at the edges of) every destination, in the reserved range, and anywhere."""
    destinations = [ipaddress.IPv4Network(r.destination_cidr_block) for r in table.routes if r.destination_cidr_block]
    destinations += [ipaddress.IPv4Network(c) for pl in lists.values() for c in pl.cidrs]
    destinations.append(RESERVED)

    def inside(network, offset):
        return network.network_address + offset % network.num_addresses

    near = st.builds(inside, st.sampled_from(destinations), st.integers(0, 2**32 - 1))
    edges = st.sampled_from(destinations).flatmap(
        lambda n: st.sampled_from([n.network_address, n.broadcast_address,
                                   n.network_address - 1 if int(n.network_address) else n.network_address,
                                   n.broadcast_address + 1 if int(n.broadcast_address) < 2**32 - 1
                                   else n.broadcast_address]))
    anywhere = st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address)
    return st.lists(st.one_of(near, near, edges, anywhere), min_size=10, max_size=40)


def compiled_fib(table: m.RouteTable, lists: dict[str, m.PrefixList], vpc_cidrs: list[str]):
    topology = m.Topology(source="<hypothesis>")
    topology.add(m.Vpc(VPC_ID, vpc_cidrs, REGION, ACCOUNT))
    topology.add(table)
    for pl in lists.values():
        topology.add(pl)
    return compile_topology(topology).route_fibs[TABLE_ID]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(route_tables(), st.data())
def test_fib_lookup_agrees_with_a_brute_force_reading_of_aws_route_priority(table_and_lists, data):
    """R1, R7, R9, R10, R11, R12, R17, R27: for every address, the FIB picks the route the rules pick,
    flags it as a blackhole exactly when the route is one, and reports the entry that matched."""
    table, lists, vpc_cidrs = table_and_lists
    fib = compiled_fib(table, lists, vpc_cidrs)
    for address in data.draw(addresses_for(table, lists)):
        expected, entry = reference_route(address, table, lists, vpc_cidrs)
        hop = fib.lookup(int(address))
        where = f"{address} in {[(r.destination, r.target_id, r.origin, r.state) for r in table.routes]}"
        if expected is None:
            assert hop is None, f"{where}: FIB chose {hop and hop.describe()}, no route covers it"
            continue
        assert hop is not None, f"{where}: FIB has no route, expected {entry}"
        matched = ipaddress.IPv4Network(fib.matched_prefix(int(address)))
        if expected == "reserved":
            assert hop.kind == "reserved" and hop.blackhole, f"{where}: {hop.describe()} forwards into R9 range"
            assert address in matched and matched.subnet_of(RESERVED)
        else:
            assert hop.route is expected, f"{where}: FIB chose {hop.describe()}, expected " \
                                          f"{expected.destination} -> {expected.target_id}"
            assert hop.target_id == expected.target_id
            assert hop.blackhole == (expected.state == "blackhole")  # R17: selected, then dropped
            assert matched == entry


def test_reference_itself_reads_the_spec_examples():
    """The reference is only worth something if it gets the spec's own examples right (R1, R7, R10, R27)."""
    routes = [m.Route(destination_cidr_block="10.0.0.0/16", gateway_id="local", origin=ORIGIN_LOCAL),
              m.Route(destination_cidr_block="10.10.2.0/24", network_interface_id="eni-a"),
              m.Route(destination_cidr_block="10.10.2.15/32", network_interface_id="eni-b"),
              m.Route(destination_cidr_block="10.0.8.0/24", gateway_id="vgw-1", origin=ORIGIN_PROPAGATED),
              m.Route(destination_cidr_block="172.31.0.0/24", gateway_id="igw-1"),
              m.Route(destination_cidr_block="172.31.0.0/24", gateway_id="vgw-1", origin=ORIGIN_PROPAGATED),
              m.Route(destination_prefix_list_id="pl-s3", gateway_id="vpce-1"),
              m.Route(destination_cidr_block="54.123.165.0/24", gateway_id="igw-1")]
    table = m.RouteTable(TABLE_ID, VPC_ID, REGION, ACCOUNT, routes=routes)
    lists = {"pl-s3": m.PrefixList("pl-s3", "com.amazonaws.eu-west-2.s3", ["54.123.160.0/19"], REGION)}

    def target(address):
        route, _ = reference_route(ipaddress.IPv4Address(address), table, lists, ["10.0.0.0/16"])
        return route.target_id

    assert (target("10.10.2.15"), target("10.10.2.16")) == ("eni-b", "eni-a")  # R1
    assert target("10.0.8.5") == "local"  # R7
    assert target("172.31.0.9") == "igw-1"  # R10
    assert (target("54.123.165.9"), target("54.123.170.1")) == ("igw-1", "vpce-1")  # R27


# --- parse_cidr (R19) ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, canonical", [
    ("100.68.0.18/18", "100.68.0.0/18"),  # R19: the API reference's own example
    ("10.0.1.77/24", "10.0.1.0/24"),
    ("10.0.1.77/32", "10.0.1.77/32"),
    ("10.0.1.77", "10.0.1.77/32"),  # a bare address is a host route
    ("255.255.255.255/1", "128.0.0.0/1"),
    ("203.0.113.9/0", "0.0.0.0/0"),
])
def test_parse_cidr_clears_host_bits(text, canonical):
    """R19: host bits are cleared when a destination is stored, so equal routes compare equal."""
    assert format_cidr(*parse_cidr(text)) == canonical


@given(st.integers(0, 2**32 - 1), st.integers(0, 32))
def test_parse_cidr_matches_ipaddress_with_host_bits_cleared(value, length):
    """R19 for every address and length: the same network the standard library gives with strict=False."""
    text = f"{ipaddress.IPv4Address(value)}/{length}"
    network = ipaddress.IPv4Network(text, strict=False)
    assert parse_cidr(text) == (int(network.network_address), length)


@pytest.mark.parametrize("text", [
    "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/x", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/ 8",
    "10.0.0/24",  # inet_aton would read this as 10.0.0.0
    "256.0.0.0/8", "abc/8", "", "::/0", "2001:db8::/32",
    "010.0.0.0/8",  # leading zero: inet_aton reads 010 as octal 8
    "0x0a.0.0.0/8",  # hexadecimal octet
    "10.0.0.1 x/24",  # trailing junk after the address
    " 10.0.0.0/8",
    "10.0.0.0/\u0668",  # a non-ASCII digit
])
def test_parse_cidr_rejects_what_is_not_an_ipv4_cidr(text):
    """parse_cidr raises ValueError, never guesses: a misread destination would route silently wrong."""
    with pytest.raises(ValueError):
        parse_cidr(text)
