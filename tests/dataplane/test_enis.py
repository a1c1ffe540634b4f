"""Network interfaces: the source/destination check (R130), appliances as route targets (R6, R16)
and the addresses AWS reserves in every subnet (R132).

The VPC routes the `web` subnet's traffic for the `app` subnet (10.0.2.0/24) to a target in the
`inspection` subnet. Every ENI is in `internal`, which admits the VPC's CIDR (a reference to a
group would not match behind an appliance, R110).
"""
from __future__ import annotations

import pytest
from scapy.layers.inet import IP, TCP

from emulator.dataplane.packet import int_to_ip
from emulator.inputs.errors import InputError
from emulator.model import Instance, NetworkInterface
from tests.builders import network_from_yaml
from tests.paths import assert_dropped

APPLIANCE_VPC = """
    regions:
      eu-west-2:
        vpcs:
          shop:
            cidr_blocks: [10.0.0.0/16]
            route_tables:
              web: {routes: [{destination: 10.0.2.0/24, target: TARGET}]}
            subnets:
              web:        {cidr_block: 10.0.1.0/24, route_table: web}
              app:        {cidr_block: 10.0.2.0/24}
              inspection: {cidr_block: 10.0.3.0/24}
            security_groups:
              internal: {ingress: [{protocol: all, from: 10.0.0.0/16}]}
            instances:
              web-1: {subnet: web, private_ip: 10.0.1.10, security_groups: [internal]}
              app-1: {subnet: app, private_ip: 10.0.2.10, security_groups: [internal]}
              inspector: {subnet: inspection, private_ip: 10.0.3.10, security_groups: [internal],
                          source_dest_check: CHECK, state: STATE}
            network_interfaces:
              spare: {subnet: inspection, private_ip: 10.0.3.20, security_groups: [internal], source_dest_check: false}
"""


def appliance_vpc(target: str = "inspector", check: str = "false", state: str = "running"):
    return network_from_yaml(APPLIANCE_VPC.replace("TARGET", target).replace("CHECK", check).replace("STATE", state))


def rid(net, name: str, kind) -> str:
    return net.topology.find(name, kind).id


# --- R130: source/destination check --------------------------------------------------------


@pytest.mark.parametrize("target", ["inspector", "inspector-eth0"], ids=["instance-target", "eni-target"])
def test_r130_an_appliance_with_the_check_off_forwards_what_is_not_its_own(target):
    net = appliance_vpc(target)
    trace = net.trace_flow("web-1", "10.0.2.10")
    assert (trace.verdict, trace.delivered_to) == ("delivered", rid(net, "app-1", Instance)), trace.render()
    assert trace.path == [rid(net, "web-1", Instance), rid(net, "inspector", Instance), rid(net, "app-1", Instance)]
    forward = next(h for h in trace.hops if h.action == "forward")
    assert forward.id == rid(net, "inspector", Instance)
    # The appliance routes: addresses are untouched, the TTL goes down by one.
    assert (int_to_ip(trace.packet_out.src), int_to_ip(trace.packet_out.dst)) == ("10.0.1.10", "10.0.2.10")
    assert trace.packet_out.ttl == trace.packet_in.ttl - 1


def test_r130_an_appliance_with_the_check_on_drops_what_is_not_addressed_to_it():
    net = appliance_vpc(check="true")
    trace = net.trace_flow("web-1", "10.0.2.10")
    assert_dropped(trace, "ENI_SOURCE_DEST_CHECK")
    assert trace.hops[-1].id == rid(net, "inspector-eth0", NetworkInterface)
    assert rid(net, "app-1", Instance) not in trace.path


def test_r130_the_check_lets_through_what_is_addressed_to_the_eni_itself():
    """R130: the check only stops packets the ENI is neither source nor destination of."""
    net = appliance_vpc(check="true")
    trace = net.trace_flow("web-1", "10.0.3.10")
    assert trace.delivered_to == rid(net, "inspector", Instance), trace.render()
    back = net.trace_flow("inspector", "10.0.1.10")
    assert back.delivered_to == rid(net, "web-1", Instance), back.render()


def test_r130_an_instance_cannot_send_from_an_address_it_does_not_own():
    """R130 on the sending side: web-1 sends with app-1's address as the source."""
    net = appliance_vpc()
    spoofed = net.trace(IP(src="10.0.2.99", dst="10.0.3.10") / TCP(dport=443), "web-1")
    assert_dropped(spoofed, "ENI_SOURCE_DEST_CHECK")
    assert [h.type for h in spoofed.hops] == ["instance", "network-interface"]


def test_r130_with_the_check_off_an_eni_may_send_for_other_addresses():
    """R130: the inspector (check off) sends a packet whose source is not its own; it leaves."""
    net = appliance_vpc(check="false")
    trace = net.trace(IP(src="10.0.1.99", dst="10.0.2.10") / TCP(dport=443), "inspector")
    assert trace.delivered_to == rid(net, "app-1", Instance), trace.render()
    assert int_to_ip(trace.packet_out.src) == "10.0.1.99"


def test_r130_a_secondary_private_address_is_the_enis_own():
    net = network_from_yaml(APPLIANCE_VPC.replace("TARGET", "inspector").replace("CHECK", "true")
                            .replace("STATE", "running")
                            .replace("web-1: {subnet: web, private_ip: 10.0.1.10,",
                                     "web-1: {subnet: web, private_ip: 10.0.1.10, secondary_private_ips: [10.0.1.11],"))
    ok = net.trace(IP(src="10.0.1.11", dst="10.0.3.10") / TCP(dport=443), "web-1")
    assert ok.delivered_to == rid(net, "inspector", Instance), ok.render()
    assert_dropped(net.trace(IP(src="10.0.1.12", dst="10.0.3.10") / TCP(dport=443), "web-1"),
                   "ENI_SOURCE_DEST_CHECK")


# --- R16: the route's ENI must be attached to a running instance -----------------------------


def test_r16_a_route_to_a_stopped_instance_drops_the_traffic():
    net = appliance_vpc(state="stopped")
    trace = net.trace_flow("web-1", "10.0.2.10")
    assert_dropped(trace, "MIDDLEBOX_ENI_NOT_ATTACHED")
    assert trace.hops[-1].id == rid(net, "inspector-eth0", NetworkInterface)


def test_r16_a_route_to_an_eni_attached_to_no_instance_drops_the_traffic():
    """R16: `spare` exists, has its check off, but no instance stands behind it."""
    net = appliance_vpc(target="spare")
    trace = net.trace_flow("web-1", "10.0.2.10")
    assert_dropped(trace, "MIDDLEBOX_ENI_NOT_ATTACHED")
    assert trace.hops[-1].id == rid(net, "spare", NetworkInterface)


def test_r16_the_running_appliance_is_the_control():
    assert appliance_vpc(state="running").trace_flow("web-1", "10.0.2.10").verdict == "delivered"


# --- R132: reserved addresses ----------------------------------------------------------------

RESERVED = ["10.0.5.0", "10.0.5.1", "10.0.5.2", "10.0.5.3", "10.0.5.255"]
ONE_SUBNET = """
    regions:
      eu-west-2:
        vpcs:
          shop:
            cidr_blocks: [10.0.0.0/16]
            subnets:
              s: {cidr_block: 10.0.5.0/24}
              small: {cidr_block: 10.0.6.0/28}
            RESOURCES
"""


@pytest.mark.parametrize("address", RESERVED)
@pytest.mark.parametrize("where", ["instance", "secondary", "eni", "endpoint"])
def test_r132_the_five_reserved_addresses_cannot_be_assigned(address, where):
    resources = {
        "instance": f"instances: {{one: {{subnet: s, private_ip: {address}}}}}",
        "secondary": f"instances: {{one: {{subnet: s, private_ip: 10.0.5.10, secondary_private_ips: [{address}]}}}}",
        "eni": f"network_interfaces: {{one: {{subnet: s, private_ip: {address}}}}}",
        "endpoint": ("endpoints: {one: {type: interface, service: dynamodb, subnets: [s], "
                     f"private_ips: {{s: {address}}}}}}}"),
    }[where]
    with pytest.raises(InputError, match="R132"):
        network_from_yaml(ONE_SUBNET.replace("RESOURCES", resources))


def test_r132_the_first_usable_address_is_base_plus_4_and_a_28_holds_eleven():
    """R132: a /28 has 16 addresses, five reserved: instances get .4 to .14, and a twelfth does not fit."""
    eleven = ", ".join(f"i{n}: {{subnet: small}}" for n in range(11))
    net = network_from_yaml(ONE_SUBNET.replace("RESOURCES", f"instances: {{{eleven}}}"))
    addresses = sorted(net.topology.find(f"i{n}-eth0").private_ip_address for n in range(11))
    assert addresses == sorted(f"10.0.6.{n}" for n in range(4, 15))
    twelve = eleven + ", i11: {subnet: small}"
    with pytest.raises(InputError, match="no free address"):
        network_from_yaml(ONE_SUBNET.replace("RESOURCES", f"instances: {{{twelve}}}"))


def test_r132_the_address_after_the_reserved_four_is_assignable():
    net = network_from_yaml(ONE_SUBNET.replace("RESOURCES", "instances: {one: {subnet: s, private_ip: 10.0.5.4}, "
                                                            "two: {subnet: s, private_ip: 10.0.5.254}}"))
    assert net.trace_flow("one", "10.0.5.254").delivered_to == rid(net, "two", Instance)
