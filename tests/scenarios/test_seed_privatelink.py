"""The seed scenario, part three (issue #4): PrivateLink's provider side and GWLB ingress inspection."""
from __future__ import annotations

import pytest
from scapy.layers.dns import DNS, DNSQR

import emulator
from emulator.dataplane.packet import int_to_ip
from tests.conftest import TOPOLOGIES
from tests.paths import assert_dropped, assert_path

APP = "api.provider.example"


@pytest.fixture(scope="module")
def net():
    return emulator.load(TOPOLOGIES / "seed-privatelink.yaml")


def test_accepted_consumer_reaches_a_target_which_sees_the_nlb(net):
    """R57, R64: consumer -> its endpoint -> the service's NLB node in the same AZ -> a target; the
    target sees the NLB's private address, not the consumer's."""
    trace = net.trace_flow("client-1", APP)
    assert trace.verdict == "delivered"
    assert trace.delivered_to in {net.topology.find("app-1").id, net.topology.find("app-2").id}
    assert_path(net, trace, "client-1", "app-endpoint", "app-svc", "app-nlb", trace.delivered_to)
    assert int_to_ip(trace.packet_out.src) == "10.50.10.5"  # the NLB node in eu-west-2a (R61)
    assert trace.packet_out.dport == 8443


def test_overlapping_consumer_and_provider_cidrs_work(net):
    """R63: both VPCs are 10.50.0.0/16; PrivateLink joins no routing domains."""
    provider = net.topology.find("provider").cidr_blocks
    consumer = net.topology.find("consumer").cidr_blocks
    assert provider == consumer
    assert net.trace_flow("client-1", "10.50.1.100").verdict == "delivered"


def test_reply_returns_through_the_consumers_endpoint(net):
    """R47, R62: the reply goes back through the same endpoint ENI; both directions pass."""
    trace = net.trace_flow("client-1", "10.50.2.100", with_return=True)
    assert trace.reachable and not trace.asymmetric
    assert trace.reply.delivered_to == net.topology.find("client-1").id
    assert int_to_ip(trace.reply.packet_out.src) == "10.50.2.100"  # the client sees its endpoint answer


def test_pending_acceptance_carries_no_traffic(net):
    """R59: the partner's request was not accepted yet."""
    trace = net.trace_flow("partner-1", "10.60.1.100")
    assert_dropped(trace, "ENDPOINT_PENDING_ACCEPTANCE")
    assert "arn:aws:iam::777788889999:role/partner-app" in trace.reason


def test_an_account_not_allowed_cannot_find_the_service(net):
    """R58: the console's search shows only services that allow the principal."""
    from emulator.services.catalog import hidden_reasons, visible_services

    outsider = "arn:aws:iam::444455556666:root"
    names = {listing.name for listing in visible_services(net.topology, outsider)}
    assert "app-svc" not in names
    assert any("app-svc" in reason and outsider in reason for reason in hidden_reasons(net.topology, outsider))
    insider = {listing.name for listing in visible_services(net.topology, "arn:aws:iam::111122223333:user/alice")}
    assert "app-svc" in insider  # an account root admits every principal of the account
    partner = {listing.name for listing in visible_services(net.topology, "arn:aws:iam::777788889999:role/partner-app")}
    other_role = {listing.name for listing in visible_services(net.topology, "arn:aws:iam::777788889999:role/other")}
    assert "app-svc" in partner and "app-svc" not in other_role


def test_gwlb_inspects_ingress_and_egress_symmetrically(net):
    """R13, R68, R70, R75: IGW edge route -> GWLB endpoint -> one appliance -> back -> the web
    server; the reply goes through the same appliance."""
    trace = net.trace_flow("internet", "3.8.10.10", src="198.51.100.7", with_return=True)
    assert trace.verdict == "delivered" and trace.delivered_to == net.topology.find("web-1").id
    forward_appliance = [h.id for h in trace.hops if h.action == "inspect"]
    reply_appliance = [h.id for h in trace.reply.hops if h.action == "inspect"]
    assert len(forward_appliance) == 1 and forward_appliance == reply_appliance
    assert trace.reachable


def test_private_dns_name_resolves_only_for_the_consumer(net):
    """R60, R50, R51: the provider's private DNS name answers with the endpoint's ENIs, only in the
    consumer VPC that has private DNS on."""
    response = DNS(net.answer_dns(bytes(DNS(rd=1, qd=DNSQR(qname=APP))), "client-1"))
    assert response.rcode == 0 and [a.rdata for a in response.an] == ["10.50.1.100", "10.50.2.100"]
    assert net.lookup(APP, "partner-1").rcode == 3
