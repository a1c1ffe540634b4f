"""The VPC resolver answering real DNS packets (R131–R137, R49–R51, R60)."""
from __future__ import annotations

from scapy.layers.dns import DNS, DNSQR

from emulator.model import InterfaceEndpoint
from emulator.services.resolver import endpoint_dns_names
from tests.builders import network_from_yaml

ZONES = """
regions:
  eu-west-2:
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        enable_dns_hostnames: {HOSTNAMES}
        internet_gateway: igw
        subnets:
          a: {cidr_block: 10.0.1.0/24, availability_zone: eu-west-2a}
          b: {cidr_block: 10.0.2.0/24, availability_zone: eu-west-2b}
        instances:
          client: {subnet: a, private_ip: 10.0.1.10, public_ip: 18.0.0.10}
        endpoints:
          ddb: {type: interface, service: dynamodb, subnets: [a, b], private_ips: {a: 10.0.1.100, b: 10.0.2.100}}
      other:
        cidr_blocks: [10.9.0.0/16]
        enable_dns_hostnames: true
        subnets:
          o: {cidr_block: 10.9.1.0/24, availability_zone: eu-west-2a}
        instances:
          outsider: {subnet: o, private_ip: 10.9.1.10}
private_hosted_zones:
  corp: {zone: corp.example, vpcs: [app], records: {db: 10.0.1.50}}
  deeper: {zone: eu.corp.example, vpcs: [app], records: {api: 10.0.1.60}}
"""


def build(hostnames="true"):
    return network_from_yaml(ZONES.replace("{HOSTNAMES}", hostnames))


def ask(net, at, name, rd=1):
    return DNS(net.answer_dns(bytes(DNS(id=4242, rd=rd, qd=DNSQR(qname=name))), at))


def addresses(response):
    return [a.rdata for a in response.an] if response.ancount else []


def test_r135_private_hosted_zone_answers_and_its_gaps_are_nxdomain_without_fallback():
    net = build()
    assert addresses(ask(net, "client", "db.corp.example")) == ["10.0.1.50"]
    missing = ask(net, "client", "www.corp.example")
    assert missing.rcode == 3 and missing.ancount == 0 and missing.id == 4242
    # the most specific zone wins: eu.corp.example has api, not db
    assert addresses(ask(net, "client", "api.eu.corp.example")) == ["10.0.1.60"]
    assert ask(net, "client", "db.eu.corp.example").rcode == 3


def test_r136_zones_are_seen_only_by_associated_vpcs():
    assert ask(build(), "outsider", "db.corp.example").rcode == 3


def test_r50_r133_private_dns_needs_both_switches():
    on = addresses(ask(build(), "client", "dynamodb.eu-west-2.amazonaws.com"))
    assert on == ["10.0.1.100", "10.0.2.100"]  # the client's AZ first
    off = addresses(ask(build("false"), "client", "dynamodb.eu-west-2.amazonaws.com"))
    assert off and off[0] not in ("10.0.1.100", "10.0.2.100")


def test_r51_private_dns_answers_only_inside_the_endpoints_vpc():
    answer = addresses(ask(build(), "outsider", "dynamodb.eu-west-2.amazonaws.com"))
    assert answer and not set(answer) & {"10.0.1.100", "10.0.2.100"}


def test_r49_endpoint_specific_regional_and_zonal_names_answer_from_anywhere():
    net = build()
    names = endpoint_dns_names(net.topology, net.topology.find("ddb", InterfaceEndpoint))
    regional = [n for n in names if not n.split(".")[0].endswith(("eu-west-2a", "eu-west-2b"))]
    zonal_b = [n for n in names if n.split(".")[0].endswith("eu-west-2b")]
    assert len(regional) == 1 and len(zonal_b) == 1
    assert regional[0].endswith(".dynamodb.eu-west-2.vpce.amazonaws.com")
    assert sorted(addresses(ask(net, "outsider", regional[0]))) == ["10.0.1.100", "10.0.2.100"]
    assert addresses(ask(net, "outsider", zonal_b[0])) == ["10.0.2.100"]


def test_r131_only_recursive_queries_are_answered():
    assert ask(build(), "client", "db.corp.example", rd=0).rcode == 5  # REFUSED


def test_r133_dns_support_off_means_no_answer():
    net = network_from_yaml(ZONES.replace("{HOSTNAMES}", "true").replace(
        "cidr_blocks: [10.0.0.0/16]", "cidr_blocks: [10.0.0.0/16]\n        enable_dns_support: false"))
    assert ask(net, "client", "db.corp.example").rcode == 2  # SERVFAIL


def test_r134_public_ec2_names_answer_private_inside_and_public_outside():
    net = build()
    name = "ec2-18-0-0-10.eu-west-2.compute.amazonaws.com"
    assert addresses(ask(net, "client", name)) == ["10.0.1.10"]
    assert addresses(ask(net, "outsider", name)) == ["18.0.0.10"]


def test_r131_resolver_addresses_deliver_dns_without_filters():
    """DNS to base+2 or 169.254.169.253 reaches the resolver, SGs and NACLs notwithstanding (R111)."""
    net = build()
    for address in ("10.0.0.2", "169.254.169.253"):
        trace = net.trace_flow("client", address, "udp", dport=53)
        assert trace.verdict == "delivered" and trace.delivered_to == "AmazonProvidedDNS"


def test_trace_to_a_name_uses_the_resolver():
    assert build().trace_flow("client", "db.corp.example", dport=5432).packet_in.dst == 0x0A000132
