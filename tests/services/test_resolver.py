"""The Amazon-provided DNS resolver (R131, R133) and why no SG or NACL can block it (R111).

The VPC's primary CIDR is 10.0.0.0/16, so the resolver answers at 10.0.0.2 and at
169.254.169.253. A second CIDR, 10.1.0.0/16, shows that only the primary one's base + 2 counts.
`locked` is an instance whose group allows nothing out and whose subnet's NACL denies everything.
"""
from __future__ import annotations

import pytest
from scapy.layers.inet import IP, TCP, UDP

from emulator.dataplane.packet import ip_to_int
from emulator.inputs.errors import InputError
from tests.builders import network_from_yaml
from tests.paths import assert_dropped

VPC = """
    regions:
      eu-west-2:
        vpcs:
          shop:
            cidr_blocks: [10.0.0.0/16, 10.1.0.0/16]
            enable_dns_support: DNS_SUPPORT
            subnets:
              app:       {cidr_block: 10.0.1.0/24}
              sealed:    {cidr_block: 10.0.2.0/24, network_acl: deny-all}
              secondary: {cidr_block: 10.1.0.0/24}
            network_acls:
              deny-all: {}
            security_groups:
              mute: {egress: []}
            instances:
              app-1:  {subnet: app, private_ip: 10.0.1.10}
              locked: {subnet: sealed, private_ip: 10.0.2.10, security_groups: [mute]}
"""

RESOLVERS = ["10.0.0.2", "169.254.169.253"]


def network(dns_support: str = "true"):
    return network_from_yaml(VPC.replace("DNS_SUPPORT", dns_support))


def query(address: str, transport=UDP):
    return IP(dst=address) / transport(sport=53000, dport=53)


# --- R131: where the resolver answers ----------------------------------------------------------


@pytest.mark.parametrize("address", RESOLVERS)
@pytest.mark.parametrize("transport", [UDP, TCP], ids=["udp", "tcp"])
def test_r131_dns_to_the_resolver_addresses_is_delivered_to_the_resolver(address, transport):
    net = network()
    trace = net.trace(query(address, transport), "app-1")
    assert (trace.verdict, trace.delivered_to) == ("delivered", "AmazonProvidedDNS"), trace.render()
    assert [h.type for h in trace.hops] == ["instance", "dns-resolver"]
    assert net.topology.find("shop").id in trace.hops[-1].detail


def test_r131_the_resolver_sits_at_the_primary_cidrs_base_plus_2_only():
    """R131: 10.1.0.2 is base + 2 of the secondary CIDR, not the resolver: no ENI owns it."""
    net = network()
    trace = net.trace(query("10.1.0.2"), "app-1")
    assert_dropped(trace, "NO_ENI_FOR_DESTINATION")
    assert "AmazonProvidedDNS" not in trace.path


def test_r131_only_dns_traffic_is_the_resolvers():
    """R131: NTP to 10.0.0.2 is not a DNS query; it is forwarded like any packet and finds no ENI."""
    net = network()
    ntp = net.trace(IP(dst="10.0.0.2") / UDP(sport=53000, dport=123), "app-1")
    assert ntp.delivered_to != "AmazonProvidedDNS"
    assert_dropped(ntp, "NO_SUBNET_FOR_DESTINATION")  # 10.0.0.0/24 is in no subnet


def test_r131_a_query_from_a_secondary_cidr_subnet_uses_the_same_resolver():
    net = network_from_yaml(VPC.replace("DNS_SUPPORT", "true").replace(
        "app-1:  {subnet: app, private_ip: 10.0.1.10}",
        "app-1:  {subnet: app, private_ip: 10.0.1.10}\n              far: {subnet: secondary, private_ip: 10.1.0.10}"))
    trace = net.trace(query("10.0.0.2"), "far")
    assert trace.delivered_to == "AmazonProvidedDNS", trace.render()


# --- R111: never filtered by security groups or NACLs -------------------------------------------


@pytest.mark.parametrize("address", RESOLVERS)
def test_r111_no_security_group_or_nacl_can_block_the_resolver(address):
    """R111: `locked`'s group has no outbound rule and its subnet's NACL denies everything, yet
    its DNS queries reach the resolver, with no SG or NACL decision on the way."""
    net = network()
    trace = net.trace(query(address), "locked")
    assert trace.delivered_to == "AmazonProvidedDNS", trace.render()
    assert not any(h.type in ("security-group", "network-acl") for h in trace.hops)


def test_r111_the_same_instance_cannot_reach_any_other_dns_server():
    """R111, the control: locked's query to app-1 (a DNS server of its own) meets its empty egress,
    and with an open group, the deny-all NACL."""
    net = network()
    assert_dropped(net.trace(query("10.0.1.10"), "locked"), "ENI_SG_RULES_MISMATCH")
    opened = network_from_yaml(VPC.replace("DNS_SUPPORT", "true").replace("mute: {egress: []}", "mute: {}"))
    assert_dropped(opened.trace(query("10.0.1.10"), "locked"), "SUBNET_ACL_RESTRICTION")
    assert opened.trace(query("10.0.0.2"), "locked").delivered_to == "AmazonProvidedDNS"


# --- R133: enableDnsSupport ---------------------------------------------------------------------


@pytest.mark.parametrize("address", RESOLVERS)
def test_r133_with_dns_support_off_queries_to_the_resolver_fail(address):
    net = network("false")
    trace = net.trace(query(address), "app-1")
    assert_dropped(trace, "DNS_RESOLVER_DISABLED")
    assert trace.hops[-1].id == net.topology.find("shop").id


def test_r133_with_dns_support_off_names_do_not_resolve():
    net = network("false")
    with pytest.raises(InputError, match="R133"):
        net.resolve("s3.eu-west-2.amazonaws.com", "app-1")
    with pytest.raises(InputError, match="R133"):
        net.trace_flow("app-1", "s3.eu-west-2.amazonaws.com")
    # Only the resolver is off: the same service reached by address is forwarded as usual (and,
    # with no route out of this VPC, stops at the route table, not at DNS).
    assert_dropped(net.trace_flow("app-1", "52.95.148.10"), "NO_ROUTE_TO_DESTINATION")


def test_r133_dns_support_is_on_by_default():
    net = network_from_yaml(VPC.replace("            enable_dns_support: DNS_SUPPORT\n", ""))
    assert net.topology.find("shop").enable_dns_support is True
    assert net.trace(query("10.0.0.2"), "app-1").delivered_to == "AmazonProvidedDNS"
    assert net.resolve("s3.eu-west-2.amazonaws.com", "app-1") == ["52.95.148.10"]


def test_r131_the_resolver_answers_service_names_with_public_addresses_outside_any_endpoint():
    """R131 with R39: with no endpoint in the VPC, service names get the service's public address."""
    net = network()
    for name, service in (("s3.eu-west-2.amazonaws.com", "com.amazonaws.eu-west-2.s3"),
                          ("dynamodb.eu-west-2.amazonaws.com", "com.amazonaws.eu-west-2.dynamodb")):
        (address,) = net.resolve(name, "app-1")
        assert net.fabric.service_at(ip_to_int(address)).prefix_list_name == service
    with pytest.raises(InputError):
        net.resolve("printer.corp.internal", "app-1")
