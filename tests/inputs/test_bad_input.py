"""Every mistake a user can make gets ONE clear line on stderr, naming the file, the resource and the
field, exit status 2, no traceback, and nothing half-done (nothing on stdout).

The command line is run in a subprocess, as a user runs it; packets handed to the Python API are
checked to raise MalformedPacket.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

import emulator
from emulator.inputs.errors import InputError, MalformedPacket
from tests.conftest import ROOT, TOPOLOGIES

SEED = TOPOLOGIES / "seed-endpoints.yaml"

BASE = """\
regions:
  eu-west-2:
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        route_tables:
          rt: {}
        subnets:
          a: {cidr_block: 10.0.1.0/24, route_table: rt}
        instances:
          web: {subnet: a, private_ip: 10.0.1.10}
          db: {subnet: a, private_ip: 10.0.1.20}
"""


def vpcemu(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emulator", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def topology(tmp_path, text: str, name: str = "topology.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def changed(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new)


def trace(path, *options):
    return vpcemu("trace", path, "--from", "web", "--to", "10.0.1.20", *options)


def assert_one_clear_line(result, *says: str) -> str:
    """Exit 2, one line on stderr saying each of `says`, no traceback, nothing on stdout."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("vpcemu: "), lines[0]
    for fragment in says:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    assert result.stdout == "", result.stdout
    return lines[0]


def test_the_base_topology_is_fine(tmp_path):
    """The cases below each break one thing in it."""
    result = trace(topology(tmp_path, BASE))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "=> DELIVERED" in result.stdout


# --- the topology file ------------------------------------------------------------------------

def test_malformed_yaml(tmp_path):
    path = topology(tmp_path, changed("          rt: {}", "          rt: {routes: [}"))
    assert_one_clear_line(trace(path), str(path), "line 7", "malformed YAML")


def test_a_key_given_twice(tmp_path):
    """PyYAML keeps the last of two equal keys; vpcemu refuses, rather than lose a resource silently."""
    path = topology(tmp_path, changed("          a: {cidr_block: 10.0.1.0/24, route_table: rt}",
                                      "          a: {cidr_block: 10.0.1.0/24, route_table: rt}\n"
                                      "          a: {cidr_block: 10.0.2.0/24}"))
    assert_one_clear_line(trace(path), str(path), "line 10", "duplicate key 'a'")


def test_an_empty_file(tmp_path):
    path = topology(tmp_path, "")
    assert_one_clear_line(trace(path), str(path), "the file is empty")


def test_a_section_of_the_wrong_type(tmp_path):
    path = topology(tmp_path, "regions: [eu-west-2]\n")
    assert_one_clear_line(trace(path), str(path), "topology: regions: expected a mapping, got list")


def test_a_missing_file(tmp_path):
    path = tmp_path / "nowhere.yaml"
    assert_one_clear_line(trace(path), str(path), "no such file")


def test_a_subnet_naming_a_missing_route_table(tmp_path):
    path = topology(tmp_path, changed("route_table: rt}", "route_table: rt-typo}"))
    assert_one_clear_line(trace(path), str(path), "vpcs.app.subnets.a: route_table: unknown route table 'rt-typo'")


def test_an_instance_naming_a_missing_security_group(tmp_path):
    path = topology(tmp_path, changed("private_ip: 10.0.1.10}", "private_ip: 10.0.1.10, security_groups: [ghost]}"))
    assert_one_clear_line(trace(path), str(path), "vpcs.app.instances.web: security_groups: "
                                                  "unknown security group 'ghost'")


def test_an_instance_in_a_missing_subnet(tmp_path):
    path = topology(tmp_path, changed("web: {subnet: a,", "web: {subnet: b,"))
    assert_one_clear_line(trace(path), str(path), "vpcs.app.instances.web: subnet: unknown subnet 'b'")


@pytest.mark.parametrize("cidr", ["10.0.1.0/33", "10.0.1.0", "10.0.300.0/24", "ten/8"])
def test_an_invalid_cidr(tmp_path, cidr):
    path = topology(tmp_path, changed("10.0.1.0/24", cidr))
    assert_one_clear_line(trace(path), str(path), "vpcs.app.subnets.a: cidr_block: invalid IPv4 CIDR", cidr)


def test_a_subnet_outside_its_vpc(tmp_path):
    path = topology(tmp_path, changed("cidr_block: 10.0.1.0/24", "cidr_block: 10.1.1.0/24")
                    .replace("10.0.1.10", "10.1.1.10").replace("10.0.1.20", "10.1.1.20"))
    assert_one_clear_line(trace(path), str(path), "(a): CidrBlock: 10.1.1.0/24 is outside", "(app)")


def test_overlapping_subnets(tmp_path):
    path = topology(tmp_path, changed("          a: {cidr_block: 10.0.1.0/24, route_table: rt}",
                                      "          a: {cidr_block: 10.0.1.0/24, route_table: rt}\n"
                                      "          b: {cidr_block: 10.0.1.128/25}"))
    assert_one_clear_line(trace(path), str(path), "(b): CidrBlock: 10.0.1.128/25 overlaps", "(a)")


def test_a_route_to_a_target_name_that_does_not_exist(tmp_path):
    path = topology(tmp_path, changed("rt: {}", "rt: {routes: [{destination: 0.0.0.0/0, target: gone}]}"))
    assert_one_clear_line(trace(path), str(path), "vpcs.app.route_tables.rt.routes[0]: target: "
                                                  "unknown route target 'gone'")


def test_a_route_to_a_target_id_that_does_not_exist(tmp_path):
    """A literal id may name something outside the file; if vpcemu models that kind, it must exist (R17)."""
    path = topology(tmp_path, changed("rt: {}", "rt: {routes: [{destination: 0.0.0.0/0, target: nat-0missing}]}"))
    assert_one_clear_line(trace(path), str(path), "(rt): Routes: route 0.0.0.0/0 -> nat-0missing: no such nat")


def test_a_route_target_id_of_no_target_kind(tmp_path):
    path = topology(tmp_path, changed("cidr_blocks: [10.0.0.0/16]",
                                      "cidr_blocks: [10.0.0.0/16]\n        internet_gateway: {name: gw, id: gw-1}")
                    .replace("rt: {}", "rt: {routes: [{destination: 0.0.0.0/0, target: gw}]}"))
    assert_one_clear_line(trace(path), str(path), "routes[0]: target: gw has id 'gw-1'")


def test_an_address_outside_its_subnet(tmp_path):
    path = topology(tmp_path, changed("private_ip: 10.0.1.10", "private_ip: 10.0.2.10"))
    assert_one_clear_line(trace(path), str(path), "vpcs.app.instances.web: private_ip: 10.0.2.10 is outside subnet a")


@pytest.mark.parametrize("address", ["10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255"])
def test_an_address_aws_reserves(tmp_path, address):
    """R132: the network address, the VPC router, DNS, one for future use, and broadcast."""
    path = topology(tmp_path, changed("private_ip: 10.0.1.10", f"private_ip: {address}"))
    assert_one_clear_line(trace(path), str(path), f"vpcs.app.instances.web: private_ip: {address} is reserved", "R132")


def test_the_first_free_address_is_past_the_reserved_ones(tmp_path):
    """The other side of R132: an instance without private_ip gets .4, not a reserved address."""
    path = topology(tmp_path, changed("db: {subnet: a, private_ip: 10.0.1.20}", "db: {subnet: a}"))
    result = vpcemu("trace", path, "--from", "db", "--to", "10.0.1.10")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("packet: 10.0.1.4:49152 > 10.0.1.10:443 tcp"), result.stdout


def test_an_address_used_twice(tmp_path):
    path = topology(tmp_path, changed("private_ip: 10.0.1.20", "private_ip: 10.0.1.10"))
    assert_one_clear_line(trace(path), str(path), "vpcs.app.instances.db: private_ip: 10.0.1.10 is already in use")


@pytest.mark.parametrize("where, old, new", [
    ("topology: colour", "regions:", "colour: blue\nregions:"),
    ("vpcs.app.subnets.a: colour", "route_table: rt}", "route_table: rt, colour: blue}"),
    ("vpcs.app.instances.web: colour", "private_ip: 10.0.1.10}", "private_ip: 10.0.1.10, colour: blue}"),
    ("vpcs.app.route_tables.rt: colour", "rt: {}", "rt: {colour: blue}"),
    ("vpcs.app.internet_gateway: colour", "cidr_blocks: [10.0.0.0/16]",
     "cidr_blocks: [10.0.0.0/16]\n        internet_gateway: {name: gw, colour: blue}"),
])
def test_an_unknown_key(tmp_path, where, old, new):
    path = topology(tmp_path, changed(old, new))
    assert_one_clear_line(trace(path), str(path), f"{where}: unknown field (expected one of: ")


def test_a_value_outside_its_vocabulary(tmp_path):
    """A misspelt state would otherwise leave the instance silently not running."""
    path = topology(tmp_path, changed("private_ip: 10.0.1.20}", "private_ip: 10.0.1.20, state: runing}"))
    assert_one_clear_line(trace(path), str(path), "vpcs.app.instances.db: state: must be one of ", "'runing'")


def test_a_number_that_is_not_a_number(tmp_path):
    path = topology(tmp_path, BASE.replace("        subnets:", "        security_groups:\n          s:\n"
                                           "            ingress: [{protocol: icmp, icmp_type: echo, from: 0.0.0.0/0}]\n"
                                           "        subnets:"))
    assert_one_clear_line(trace(path), str(path), "vpcs.app.security_groups.s.ingress[0]: icmp_type: "
                                                  "expected a whole number, got 'echo'")


# --- the command line -------------------------------------------------------------------------

@pytest.mark.parametrize("proto", ["gre", "256", "-3"])
def test_a_bad_protocol(tmp_path, proto):
    path = topology(tmp_path, BASE)
    assert_one_clear_line(trace(path, "--proto", proto), str(path), "--proto: unknown protocol", repr(proto))


@pytest.mark.parametrize("option", ["--sport", "--dport"])
@pytest.mark.parametrize("value, says", [("http", "not a port number: 'http'"), ("70000", "port out of range: 70000"),
                                         ("-1", "port out of range: -1")])
def test_a_bad_port(tmp_path, option, value, says):
    path = topology(tmp_path, BASE)
    assert_one_clear_line(trace(path, f"{option}={value}"), str(path), f"{option}: {says}")


def test_an_unknown_source(tmp_path):
    path = topology(tmp_path, BASE)
    result = vpcemu("trace", path, "--from", "ghost", "--to", "10.0.1.20")
    assert_one_clear_line(result, str(path), "--from: no instance, network interface or private address 'ghost'")


def test_a_source_address_that_no_interface_has(tmp_path):
    path = topology(tmp_path, BASE)
    result = vpcemu("trace", path, "--from", "10.0.1.99", "--to", "10.0.1.20")
    assert_one_clear_line(result, str(path), "--from: ", "'10.0.1.99'")


def test_a_dns_name_the_resolver_cannot_answer(tmp_path):
    path = topology(tmp_path, BASE)
    result = vpcemu("trace", path, "--from", "web", "--to", "db.corp.example")
    assert_one_clear_line(result, str(path), "--to: ", "db.corp.example: NXDOMAIN")


def test_a_missing_option():
    result = vpcemu("trace", SEED, "--from", "web-a")
    assert_one_clear_line(result, "vpcemu trace", "--to")


def test_an_unknown_verb():
    result = vpcemu("traec", SEED)
    assert_one_clear_line(result, "vpcemu", "invalid choice: 'traec'")


# --- demo: nothing is printed unless every trace runs -------------------------------------------

def _with_traces(traces: str) -> str:
    return BASE + "traces:\n" + traces


def test_demo_with_a_trace_from_an_unknown_source(tmp_path):
    path = topology(tmp_path, _with_traces("  - {from: web, to: 10.0.1.20}\n  - {from: ghost, to: 10.0.1.20}\n"))
    assert_one_clear_line(vpcemu("demo", path), str(path), "traces[1]: from: ", "'ghost'")


def test_demo_with_a_trace_to_an_unresolvable_name(tmp_path):
    path = topology(tmp_path, _with_traces("  - {from: web, to: db.corp.example}\n"))
    assert_one_clear_line(vpcemu("demo", path), str(path), "traces[0]: to: ", "db.corp.example: NXDOMAIN")


@pytest.mark.parametrize("trace_line, says", [
    ("{from: web, to: 10.0.1.20, sport: http}", "traces[0]: sport: expected a whole number, got 'http'"),
    ("{from: web, to: 10.0.1.20, dport: 70000}", "traces[0]: dport: port out of range: 70000"),
    ("{from: web, to: 10.0.1.20, proto: gre}", "traces[0]: proto: "),
    ("{from: web}", "traces[0]: to: required"),
    ("{from: web, to: 10.0.1.20, expects: {verdict: dropped}}", "traces[0]: expects: unknown field"),
    ("{from: web, to: 10.0.1.20, expect: {verdict: lost}}", "traces[0].expect: verdict: "),
    ("web to db", "traces[0]: expected a mapping, got str"),
])
def test_demo_with_a_malformed_trace(tmp_path, trace_line, says):
    path = topology(tmp_path, _with_traces(f"  - {trace_line}\n"))
    assert_one_clear_line(vpcemu("demo", path), str(path), says)


def test_demo_stops_before_printing_when_a_later_file_is_bad(tmp_path):
    bad = topology(tmp_path, "", "empty.yaml")
    assert_one_clear_line(vpcemu("demo", SEED, bad), str(bad), "the file is empty")


# --- packets handed to the Python API ----------------------------------------------------------

@pytest.fixture(scope="module")
def seed():
    return emulator.load(SEED)


def test_a_packet_without_an_ip_layer(seed):
    from scapy.layers.l2 import ARP, Ether

    with pytest.raises(MalformedPacket) as info:
        seed.trace(Ether() / ARP(), "web-a")
    assert "IPv4" in info.value.line()
    assert isinstance(info.value, InputError)  # so the command line reports it as one line, exit 2


def test_a_header_cut_inside_the_ports(seed):
    from scapy.layers.inet import IP, TCP

    packet = IP(bytes(IP(src="10.0.0.10", dst="10.0.0.9") / TCP())[:22])
    with pytest.raises(MalformedPacket) as info:
        seed.trace(packet, "web-a")
    assert "truncated tcp header" in info.value.line()


def test_a_truncated_tcp_header(seed):
    """30 bytes of a 40-byte packet: the IPv4 total length says 40 and the TCP header is cut at 10 of 20."""
    from scapy.layers.inet import IP, TCP

    packet = IP(bytes(IP(src="10.0.0.10", dst="10.0.0.9") / TCP())[:30])
    with pytest.raises(MalformedPacket) as info:
        seed.trace(packet, "web-a")
    assert "truncated" in info.value.line()


def test_an_ipv6_packet(seed):
    from scapy.layers.inet import TCP
    from scapy.layers.inet6 import IPv6

    with pytest.raises(MalformedPacket) as info:
        seed.trace(IPv6(dst="2001:db8::1") / TCP(), "web-a")
    assert "no IPv4 layer" in info.value.line()
