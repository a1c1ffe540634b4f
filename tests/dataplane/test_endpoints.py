"""VPC endpoints through real topologies and traces.

Gateway endpoints (S3, DynamoDB): R31–R39. Interface endpoints (PrivateLink, consumer side):
R43, R45–R48, R50–R52, with the DNS switches of R133. All in eu-west-2, whose S3 list is
pl-7ca54015 (52.95.148.0/23, 52.95.150.0/24, 3.5.244.0/22, 52.95.191.0/24 among others) and whose
DynamoDB list is pl-b3a742da (52.94.15.0/24, 35.71.111.0/24).
"""
from __future__ import annotations

import ipaddress

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP

from emulator.api import Session
from emulator.dataplane.packet import int_to_ip
from emulator.inputs.errors import InputError
from emulator.model import (GatewayEndpoint, Instance, InterfaceEndpoint, InternetGateway, NatGateway,
                            NetworkInterface, PrefixList, RouteTable, SecurityGroup, Subnet,
                            Vpc, VpcPeeringConnection)
from tests.builders import network_from_yaml
from tests.paths import assert_dropped

S3_NAME, S3 = "s3.eu-west-2.amazonaws.com", "com.amazonaws.eu-west-2.s3"
DYNAMODB_NAME, DYNAMODB = "dynamodb.eu-west-2.amazonaws.com", "com.amazonaws.eu-west-2.dynamodb"
S3_US_EAST_1 = "s3.us-east-1.amazonaws.com"


def rid(net, name: str, kind) -> str:
    return net.topology.find(name, kind).id


def managed_list(net, name: str) -> PrefixList:
    """An AWS-managed prefix list by its name (com.amazonaws.<region>.<service>)."""
    return next(pl for pl in net.topology.all(PrefixList) if pl.prefix_list_name == name)


# =============================================================================================
# Gateway endpoints
# =============================================================================================

GATEWAY_VPC = """
    regions:
      eu-west-2:
        vpcs:
          shop:
            cidr_blocks: [10.0.0.0/16]
            internet_gateway: shop-igw
            route_tables:
              chosen:     {routes: [{destination: 0.0.0.0/0, target: shop-igw}]}
              not-chosen: {routes: [{destination: 0.0.0.0/0, target: shop-igw}]}
              via-nat:    {routes: [{destination: 0.0.0.0/0, target: egress-nat}]}
              isolated:   {}
              isolated-chosen: {}
            subnets:
              chosen:          {cidr_block: 10.0.1.0/24, route_table: chosen}
              not-chosen:      {cidr_block: 10.0.2.0/24, route_table: not-chosen}
              via-nat:         {cidr_block: 10.0.3.0/24, route_table: via-nat}
              isolated:        {cidr_block: 10.0.4.0/24, route_table: isolated}
              isolated-chosen: {cidr_block: 10.0.5.0/24, route_table: isolated-chosen}
            nat_gateways:
              egress-nat: {subnet: not-chosen, private_ip: 10.0.2.5, public_ip: 18.130.2.5}
            instances:
              in-chosen:          {subnet: chosen, private_ip: 10.0.1.10, public_ip: 18.130.1.10}
              in-not-chosen:      {subnet: not-chosen, private_ip: 10.0.2.10, public_ip: 18.130.2.10}
              in-via-nat:         {subnet: via-nat, private_ip: 10.0.3.10}
              in-isolated:        {subnet: isolated, private_ip: 10.0.4.10}
              in-isolated-chosen: {subnet: isolated-chosen, private_ip: 10.0.5.10}
            endpoints:
              s3-endpoint: {type: gateway, service: s3, route_tables: [chosen, isolated-chosen]}
"""


def gateway_vpc(extra_routes: str = "", endpoints: list[str] | None = None):
    """GATEWAY_VPC, with more routes in the `chosen` table, or other endpoints (one flow mapping each)."""
    text = GATEWAY_VPC
    if extra_routes:
        text = text.replace("chosen:     {routes: [{destination: 0.0.0.0/0, target: shop-igw}]}",
                            f"chosen:     {{routes: [{{destination: 0.0.0.0/0, target: shop-igw}}, {extra_routes}]}}")
    if endpoints is not None:
        text = text.replace("s3-endpoint: {type: gateway, service: s3, route_tables: [chosen, isolated-chosen]}",
                            ("\n" + " " * 14).join(endpoints))
    return network_from_yaml(text)


def endpoint_routes(net, table: str) -> list[tuple[str, str]]:
    return [(r.destination_prefix_list_id, r.gateway_id) for r in net.topology.find(table, RouteTable).routes
            if r.destination_prefix_list_id]


# --- R31, R32: a route target only, in the tables chosen for it ------------------------------


def test_r32_the_endpoint_route_appears_in_the_chosen_tables_only():
    net = gateway_vpc()
    s3_list = managed_list(net, S3).id
    endpoint = rid(net, "s3-endpoint", GatewayEndpoint)
    for table in ("chosen", "isolated-chosen"):
        assert endpoint_routes(net, table) == [(s3_list, endpoint)]
    for table in ("not-chosen", "via-nat", "isolated"):
        assert endpoint_routes(net, table) == []


def test_r31_the_gateway_endpoint_is_a_route_target_with_no_eni_and_no_security_group():
    """R31: traffic through it meets only the client's own group; no ENI is created for it."""
    net = gateway_vpc()
    endpoint = rid(net, "s3-endpoint", GatewayEndpoint)
    assert not [e for e in net.topology.all(NetworkInterface) if endpoint in e.description]
    trace = net.trace_flow("in-chosen", S3_NAME)
    assert (trace.verdict, trace.delivered_to) == ("delivered", S3), trace.render()
    assert trace.path == [rid(net, "in-chosen", Instance), endpoint, S3]
    assert len([h for h in trace.hops if h.type == "security-group"]) == 1


def test_r31_gateway_endpoints_exist_only_for_s3_and_dynamodb():
    with pytest.raises(InputError, match="R31"):
        gateway_vpc(endpoints=["sqs: {type: gateway, service: com.amazonaws.eu-west-2.sqs, route_tables: [chosen]}"])


def test_r32_a_route_to_a_gateway_endpoint_cannot_be_written_by_hand():
    with pytest.raises(InputError, match="R32"):
        gateway_vpc(extra_routes="{destination: 52.95.148.0/23, target: s3-endpoint}")


# --- R33: who uses the endpoint --------------------------------------------------------------


def test_r33_only_subnets_whose_table_holds_the_endpoint_route_use_it():
    net = gateway_vpc()
    endpoint, igw = rid(net, "s3-endpoint", GatewayEndpoint), rid(net, "shop-igw", InternetGateway)
    nat = rid(net, "egress-nat", NatGateway)

    chosen = net.trace_flow("in-chosen", S3_NAME)
    assert chosen.path == [rid(net, "in-chosen", Instance), endpoint, S3]
    assert int_to_ip(chosen.packet_out.src) == "10.0.1.10"  # no translation through the endpoint

    by_igw = net.trace_flow("in-not-chosen", S3_NAME)
    assert by_igw.path == [rid(net, "in-not-chosen", Instance), igw, S3]
    assert int_to_ip(by_igw.packet_out.src) == "18.130.2.10"

    by_nat = net.trace_flow("in-via-nat", S3_NAME)
    assert by_nat.path == [rid(net, "in-via-nat", Instance), nat, igw, S3]
    assert int_to_ip(by_nat.packet_out.src) == "18.130.2.5"

    assert_dropped(net.trace_flow("in-isolated", S3_NAME), "NO_ROUTE_TO_DESTINATION")
    isolated_chosen = net.trace_flow("in-isolated-chosen", S3_NAME)
    assert isolated_chosen.path == [rid(net, "in-isolated-chosen", Instance), endpoint, S3]


def test_r33_an_s3_endpoint_does_not_carry_dynamodb():
    net = gateway_vpc()
    trace = net.trace_flow("in-chosen", DYNAMODB_NAME)
    assert (trace.delivered_to, trace.path[1]) == (DYNAMODB, rid(net, "shop-igw", InternetGateway))
    assert_dropped(net.trace_flow("in-isolated-chosen", DYNAMODB_NAME), "NO_ROUTE_TO_DESTINATION")


# --- R34: one endpoint per service per table -------------------------------------------------


def test_r34_a_second_s3_endpoint_in_the_same_table_is_rejected():
    with pytest.raises(InputError, match="R34"):
        gateway_vpc(endpoints=["s3-endpoint: {type: gateway, service: s3, route_tables: [chosen]}",
                               "s3-again: {type: gateway, service: s3, route_tables: [isolated-chosen, chosen]}"])


def test_r34_two_s3_endpoints_on_different_tables_and_one_dynamodb_endpoint_beside_s3():
    """R34: several endpoints for one service, each on its own tables; another service's endpoint
    may share a table."""
    net = gateway_vpc(endpoints=["s3-endpoint: {type: gateway, service: s3, route_tables: [chosen]}",
                                 "s3-isolated: {type: gateway, service: s3, route_tables: [isolated-chosen]}",
                                 "ddb-endpoint: {type: gateway, service: dynamodb, route_tables: [isolated-chosen]}"])
    assert net.trace_flow("in-chosen", S3_NAME).path[1] == rid(net, "s3-endpoint", GatewayEndpoint)
    assert net.trace_flow("in-isolated-chosen", S3_NAME).path[1] == rid(net, "s3-isolated", GatewayEndpoint)
    ddb = net.trace_flow("in-isolated-chosen", DYNAMODB_NAME)
    assert (ddb.delivered_to, ddb.path[1]) == (DYNAMODB, rid(net, "ddb-endpoint", GatewayEndpoint))


# --- R35: precedence -------------------------------------------------------------------------


def test_r35_the_endpoint_route_beats_the_default_route():
    net = gateway_vpc()
    trace = net.trace_flow("in-chosen", "52.95.150.10")
    route = next(h for h in trace.hops if h.type == "route-table")
    assert route.detail == f"{managed_list(net, S3).id} -> {rid(net, 's3-endpoint', GatewayEndpoint)} (entry 52.95.150.0/24)"
    assert rid(net, "shop-igw", InternetGateway) not in trace.path


def test_r35_a_more_specific_static_route_beats_the_endpoint():
    """R35: 52.95.148.0/24 -> NAT is more specific than the list's 52.95.148.0/23 entry."""
    net = gateway_vpc("{destination: 52.95.148.0/24, target: egress-nat}")
    nat, endpoint = rid(net, "egress-nat", NatGateway), rid(net, "s3-endpoint", GatewayEndpoint)
    narrow = net.trace_flow("in-chosen", "52.95.148.10")
    assert nat in narrow.path and endpoint not in narrow.path
    assert narrow.delivered_to == S3  # still S3, over the public path
    rest = net.trace_flow("in-chosen", "52.95.149.10")  # the other half of the /23
    assert endpoint in rest.path and nat not in rest.path


def test_r35_a_static_route_to_exactly_a_list_entry_beats_the_endpoint():
    net = gateway_vpc("{destination: 52.95.148.0/23, target: egress-nat}")
    nat, endpoint = rid(net, "egress-nat", NatGateway), rid(net, "s3-endpoint", GatewayEndpoint)
    same = net.trace_flow("in-chosen", "52.95.149.10")
    assert nat in same.path and endpoint not in same.path
    other_entry = net.trace_flow("in-chosen", "3.5.244.10")
    assert endpoint in other_entry.path


# --- R36: same region only -------------------------------------------------------------------


def test_r36_s3_in_another_region_follows_the_default_route():
    net = gateway_vpc()
    endpoint, igw = rid(net, "s3-endpoint", GatewayEndpoint), rid(net, "shop-igw", InternetGateway)
    trace = net.trace_flow("in-chosen", S3_US_EAST_1)
    assert (trace.verdict, trace.delivered_to) == ("delivered", "com.amazonaws.us-east-1.s3"), trace.render()
    assert igw in trace.path and endpoint not in trace.path
    # With the endpoint but no default route, another region's S3 is unreachable.
    assert_dropped(net.trace_flow("in-isolated-chosen", S3_US_EAST_1), "NO_ROUTE_TO_DESTINATION")


def test_r36_an_endpoint_for_another_regions_service_is_rejected():
    with pytest.raises(InputError, match="R36"):
        gateway_vpc(endpoints=["far: {type: gateway, service: com.amazonaws.us-east-1.s3, route_tables: [chosen]}"])


# --- R37: not usable from outside the VPC ----------------------------------------------------

PEERED_GATEWAY = """
    regions:
      eu-west-2:
        vpcs:
          shop:
            cidr_blocks: [10.0.0.0/16]
            route_tables:
              main: {main: true, routes: [{destination: 10.9.0.0/16, target: link}]}
            subnets:
              app: {cidr_block: 10.0.1.0/24}
            instances:
              app-1: {subnet: app, private_ip: 10.0.1.10}
            endpoints:
              s3-endpoint: {type: gateway, service: s3, route_tables: [main]}
          partner:
            cidr_blocks: [10.9.0.0/16]
            route_tables:
              main: {main: true, routes: [PARTNER_ROUTE]}
            subnets:
              partner: {cidr_block: 10.9.1.0/24}
            instances:
              partner-1: {subnet: partner, private_ip: 10.9.1.10}
    peering_connections:
      link: {requester: partner, accepter: shop}
"""


@pytest.mark.parametrize("route", ["{destination: 0.0.0.0/0, target: link}",
                                   "{destination: com.amazonaws.eu-west-2.s3, target: link}"],
                         ids=["default-route", "s3-prefix-list"])
def test_r37_a_peered_vpc_cannot_use_the_gateway_endpoint(route):
    """R37: partner sends S3 traffic over the peering; shop's endpoint would cover it, but traffic
    that entered over a peering cannot use a gateway endpoint."""
    net = network_from_yaml(PEERED_GATEWAY.replace("PARTNER_ROUTE", route))
    trace = net.trace_flow("partner-1", S3_NAME)
    assert_dropped(trace, "EDGE_TO_EDGE_GATEWAY_ENDPOINT")
    assert rid(net, "link", VpcPeeringConnection) in trace.path
    assert S3 not in trace.path
    # The endpoint itself works for shop's own instance.
    assert net.trace_flow("app-1", S3_NAME).delivered_to == S3


# --- R38: security groups and NACLs still apply ----------------------------------------------

FILTERED_GATEWAY = """
    regions:
      eu-west-2:
        vpcs:
          shop:
            cidr_blocks: [10.0.0.0/16]
            route_tables:
              app: {}
            subnets:
              app: {cidr_block: 10.0.1.0/24, route_table: app, network_acl: ACL}
            network_acls:
              internal-only:
                inbound: [{rule: 100, protocol: all, cidr: 10.0.0.0/16, action: allow}]
                outbound: [{rule: 100, protocol: all, cidr: 10.0.0.0/16, action: allow}]
              with-s3:
                inbound: [{rule: 100, protocol: all, cidr: 10.0.0.0/16, action: allow}]
                outbound:
                  - {rule: 100, protocol: all, cidr: 10.0.0.0/16, action: allow}
                  - {rule: 110, protocol: tcp, ports: 443, cidr: 52.95.148.0/23, action: allow}
                  - {rule: 120, protocol: tcp, ports: 443, cidr: 52.95.150.0/24, action: allow}
                  - {rule: 130, protocol: tcp, ports: 443, cidr: 3.5.244.0/22, action: allow}
                  - {rule: 140, protocol: tcp, ports: 443, cidr: 52.95.191.0/24, action: allow}
            security_groups:
              internal: {egress: [{protocol: all, to: 10.0.0.0/16}]}
              s3-clients: {egress: [{protocol: all, to: 10.0.0.0/16},
                                    {protocol: tcp, ports: 443, to: com.amazonaws.eu-west-2.s3}]}
            instances:
              restricted: {subnet: app, private_ip: 10.0.1.10, security_groups: [internal]}
              allowed:    {subnet: app, private_ip: 10.0.1.20, security_groups: [s3-clients]}
            endpoints:
              s3-endpoint: {type: gateway, service: s3, route_tables: [app]}
"""


def test_r38_a_restrictive_security_group_must_allow_the_service_prefix_list():
    net = network_from_yaml(FILTERED_GATEWAY.replace("ACL", "with-s3"))
    assert_dropped(net.trace_flow("restricted", S3_NAME), "ENI_SG_RULES_MISMATCH")
    trace = net.trace_flow("allowed", S3_NAME)
    assert trace.delivered_to == S3, trace.render()
    sg = next(h for h in trace.hops if h.type == "security-group")
    assert sg.detail.endswith(f"to {managed_list(net, S3).id}")
    # Every address of the list passes the prefix-list rule, not just the resolver's answer.
    assert net.trace_flow("allowed", "52.95.191.200").delivered_to == S3


def test_r38_the_nacl_must_allow_the_service_cidrs_outbound():
    """R38: NACLs cannot name prefix lists; without rules for S3's CIDRs the NACL drops the packet
    on its way to the endpoint, and with them it passes."""
    blocked = network_from_yaml(FILTERED_GATEWAY.replace("ACL", "internal-only"))
    trace = blocked.trace_flow("allowed", S3_NAME)
    assert_dropped(trace, "SUBNET_ACL_RESTRICTION")
    assert "outbound rule * deny" in next(h.detail for h in trace.hops if h.type == "network-acl")
    assert rid(blocked, "s3-endpoint", GatewayEndpoint) not in trace.path

    opened = network_from_yaml(FILTERED_GATEWAY.replace("ACL", "with-s3"))
    for address in ("52.95.148.10", "52.95.150.10", "3.5.244.10", "52.95.191.10"):
        assert opened.trace_flow("allowed", address).delivered_to == S3, address


# --- R39: DNS is unchanged -------------------------------------------------------------------


def test_r39_the_service_name_resolves_to_a_public_address_that_the_endpoint_route_covers():
    net = gateway_vpc()
    s3_list = managed_list(net, S3)
    answers = {instance: net.resolve(S3_NAME, instance) for instance in ("in-chosen", "in-isolated")}
    # The same public answer whether or not the asking subnet uses the endpoint.
    assert answers["in-chosen"] == answers["in-isolated"]
    address = ipaddress.ip_address(answers["in-chosen"][0])
    assert not address.is_private
    assert any(address in ipaddress.ip_network(c) for c in s3_list.cidrs)
    trace = net.trace_flow("in-chosen", S3_NAME)
    assert int_to_ip(trace.packet_in.dst) == answers["in-chosen"][0]
    assert trace.path[1] == rid(net, "s3-endpoint", GatewayEndpoint)


# =============================================================================================
# Interface endpoints
# =============================================================================================

INTERFACE_VPC = """
    regions:
      eu-west-2:
        vpcs:
          shop:
            cidr_blocks: [10.0.0.0/16]
            enable_dns_hostnames: DNS_HOSTNAMES
            route_tables:
              main: {main: true, routes: [{destination: 10.9.0.0/16, target: link}]}
            subnets:
              app-a: {cidr_block: 10.0.1.0/24, availability_zone: eu-west-2a}
              app-b: {cidr_block: 10.0.2.0/24, availability_zone: eu-west-2b}
              endpoints-a: {cidr_block: 10.0.11.0/24, availability_zone: eu-west-2a, network_acl: ENDPOINT_ACL}
              endpoints-b: {cidr_block: 10.0.12.0/24, availability_zone: eu-west-2b}
            network_acls:
              open-acl:
                inbound: [{rule: 100, protocol: all, cidr: 0.0.0.0/0, action: allow}]
                outbound: [{rule: 100, protocol: all, cidr: 0.0.0.0/0, action: allow}]
              no-https-acl:
                inbound: [{rule: 100, protocol: tcp, ports: 443, cidr: 0.0.0.0/0, action: deny},
                          {rule: 200, protocol: all, cidr: 0.0.0.0/0, action: allow}]
                outbound: [{rule: 100, protocol: all, cidr: 0.0.0.0/0, action: allow}]
            security_groups:
              clients: {ingress: [{protocol: all, from: 10.0.0.0/8}]}
              endpoint-sg: {ingress: [ENDPOINT_INGRESS]}
            instances:
              app-a1: {subnet: app-a, private_ip: 10.0.1.10, security_groups: [clients]}
              app-b1: {subnet: app-b, private_ip: 10.0.2.10, security_groups: [clients]}
              plain:  {subnet: app-a, private_ip: 10.0.1.20}
            endpoints:
              ddb: {type: interface, service: dynamodb, subnets: [endpoints-a, endpoints-b],
                    private_ips: {endpoints-a: 10.0.11.100}, SECURITY_GROUPS PRIVATE_DNS}
          partner:
            cidr_blocks: [10.9.0.0/16]
            enable_dns_hostnames: true
            route_tables:
              main: {main: true, routes: [{destination: 10.0.0.0/16, target: link}]}
            subnets:
              partner: {cidr_block: 10.9.1.0/24, availability_zone: eu-west-2a}
            instances:
              partner-1: {subnet: partner, private_ip: 10.9.1.10}
    peering_connections:
      link: {requester: partner, accepter: shop}
"""

ENDPOINT_A = "10.0.11.100"


def interface_vpc(ingress: str = "{protocol: tcp, ports: 443, from: 10.0.1.0/24}, {protocol: tcp, ports: 443, from: 10.9.0.0/16}",
                  security_groups: str = "security_groups: [endpoint-sg],", private_dns: str = "private_dns: true",
                  dns_hostnames: str = "true", endpoint_acl: str = "open-acl"):
    return network_from_yaml(INTERFACE_VPC.replace("ENDPOINT_INGRESS", ingress)
                             .replace("SECURITY_GROUPS", security_groups).replace("PRIVATE_DNS", private_dns)
                             .replace("DNS_HOSTNAMES", dns_hostnames).replace("ENDPOINT_ACL", endpoint_acl))


def endpoint_id(net) -> str:
    return rid(net, "ddb", InterfaceEndpoint)


def endpoint_enis(net) -> list[NetworkInterface]:
    endpoint = net.topology.find("ddb", InterfaceEndpoint)
    return [net.topology.get(e, NetworkInterface) for e in endpoint.network_interface_ids]


# --- R43: one ENI per chosen subnet ----------------------------------------------------------


def test_r43_one_eni_per_subnet_each_with_an_address_of_its_subnet():
    net = interface_vpc()
    enis = endpoint_enis(net)
    assert len(enis) == 2
    by_subnet = {net.topology.get(e.subnet_id, Subnet).name: e for e in enis}
    assert set(by_subnet) == {"endpoints-a", "endpoints-b"}
    assert by_subnet["endpoints-a"].private_ip_address == ENDPOINT_A
    b = ipaddress.ip_address(by_subnet["endpoints-b"].private_ip_address)
    assert b in ipaddress.ip_network("10.0.12.0/24") and int(b) & 0xFF >= 4  # R132: never a reserved one
    assert all(e.requester_managed and e.interface_type == "vpc_endpoint" for e in enis)
    # Each ENI answers at its own address.
    for eni in enis:
        trace = net.trace_flow("app-a1", eni.private_ip_address)
        assert trace.delivered_to == endpoint_id(net), trace.render()


def test_r43_at_most_one_subnet_per_availability_zone():
    with pytest.raises(InputError, match="R43"):
        network_from_yaml(INTERFACE_VPC.replace("ENDPOINT_INGRESS", "").replace("SECURITY_GROUPS", "")
                          .replace("PRIVATE_DNS", "").replace("DNS_HOSTNAMES", "true")
                          .replace("ENDPOINT_ACL", "open-acl")
                          .replace("subnets: [endpoints-a, endpoints-b]", "subnets: [endpoints-a, app-a]"))


def test_r43_the_eni_address_must_come_from_its_subnet():
    with pytest.raises(InputError, match="outside subnet"):
        network_from_yaml(INTERFACE_VPC.replace("ENDPOINT_INGRESS", "").replace("SECURITY_GROUPS", "")
                          .replace("PRIVATE_DNS", "").replace("DNS_HOSTNAMES", "true")
                          .replace("ENDPOINT_ACL", "open-acl")
                          .replace("private_ips: {endpoints-a: 10.0.11.100}", "private_ips: {endpoints-a: 10.0.12.100}"))


# --- R45: security groups and the NACL apply to the endpoint ENIs ----------------------------


def test_r45_the_endpoint_security_group_decides_who_may_connect():
    """R45: endpoint-sg admits TCP 443 from app-a (10.0.1.0/24) only."""
    net = interface_vpc()
    ok = net.trace_flow("app-a1", ENDPOINT_A, dport=443)
    assert (ok.verdict, ok.delivered_to) == ("delivered", endpoint_id(net)), ok.render()
    sg = [h for h in ok.hops if h.type == "security-group"][-1]
    assert sg.id == rid(net, "endpoint-sg", SecurityGroup)

    other_subnet = net.trace_flow("app-b1", ENDPOINT_A, dport=443)
    assert_dropped(other_subnet, "ENI_SG_RULES_MISMATCH")
    assert other_subnet.hops[-1].id in [e.network_interface_id for e in endpoint_enis(net)]
    assert_dropped(net.trace_flow("app-a1", ENDPOINT_A, dport=8443), "ENI_SG_RULES_MISMATCH")


def test_r45_without_a_security_group_the_endpoint_gets_the_vpcs_default_group():
    """R45 + R107: the default group admits only its own members."""
    net = interface_vpc(security_groups="")
    shop = net.topology.find("shop", Vpc).id
    default = next(g for g in net.topology.all(SecurityGroup) if g.group_name == "default" and g.vpc_id == shop)
    assert all(e.groups == [default.id] for e in endpoint_enis(net))
    assert net.trace_flow("plain", ENDPOINT_A).delivered_to == endpoint_id(net)  # plain is in default
    assert_dropped(net.trace_flow("app-a1", ENDPOINT_A), "ENI_SG_RULES_MISMATCH")  # app-a1 is not


def test_r45_the_endpoint_subnets_nacl_applies():
    net = interface_vpc(endpoint_acl="no-https-acl")
    trace = net.trace_flow("app-a1", ENDPOINT_A, dport=443)
    assert_dropped(trace, "SUBNET_ACL_RESTRICTION")
    # The ENI in the other subnet (default NACL) is still reachable.
    other = next(e.private_ip_address for e in endpoint_enis(net) if e.private_ip_address != ENDPOINT_A)
    assert net.trace_flow("app-a1", other, dport=443).delivered_to == endpoint_id(net)


# --- R46: TCP only ---------------------------------------------------------------------------


@pytest.mark.parametrize("l4", [UDP(sport=40000, dport=443), ICMP(type=8, id=1), UDP(sport=40000, dport=53)],
                         ids=["udp-443", "icmp-echo", "udp-53"])
def test_r46_an_interface_endpoint_carries_tcp_only(l4):
    """R46: the endpoint's group allows everything, so only the TCP-only rule can drop these."""
    net = interface_vpc(ingress="{protocol: all, from: 0.0.0.0/0}")
    trace = net.trace(IP(dst=ENDPOINT_A) / l4, "app-a1")
    assert_dropped(trace, "INTERFACE_ENDPOINT_TCP_ONLY")
    assert trace.hops[-1].id == endpoint_id(net)
    sg = [h for h in trace.hops if h.type == "security-group"]
    assert [h.action for h in sg] == ["allow", "allow"]  # both groups passed it
    assert net.trace(IP(dst=ENDPOINT_A) / TCP(sport=40000, dport=443), "app-a1").delivered_to == endpoint_id(net)


# --- R47: one direction only -----------------------------------------------------------------


def test_r47_the_service_answers_the_consumers_connection():
    """R47: a packet sent from the endpoint ENI stands for the service answering through the
    endpoint. The answer to app-a1's connection reaches app-a1."""
    net = interface_vpc(ingress="{protocol: all, from: 10.0.0.0/16}")
    eni = next(e.network_interface_id for e in endpoint_enis(net) if e.private_ip_address == ENDPOINT_A)
    session = Session()
    assert net.trace_flow("app-a1", ENDPOINT_A, sport=40000, dport=443, session=session).verdict == "delivered"
    answer = net.trace(IP(src=ENDPOINT_A, dst="10.0.1.10") / TCP(sport=443, dport=40000, flags="SA"), eni,
                       session=session)
    assert answer.delivered_to == rid(net, "app-a1", Instance), answer.render()


def test_r47_the_service_cannot_open_a_connection_into_the_consumer_vpc():
    """R47: app-a1's group admits everything from 10.0.0.0/8, and the endpoint's group allows all
    outbound, yet a connection the service starts through the endpoint is not forwarded: only
    flows the consumer opened come back."""
    net = interface_vpc(ingress="{protocol: all, from: 10.0.0.0/16}")
    eni = next(e.network_interface_id for e in endpoint_enis(net) if e.private_ip_address == ENDPOINT_A)
    session = Session()
    net.trace_flow("app-a1", ENDPOINT_A, sport=40000, dport=443, session=session)
    for packet in (IP(src=ENDPOINT_A, dst="10.0.1.10") / TCP(sport=443, dport=22, flags="S"),
                   IP(src=ENDPOINT_A, dst="10.0.1.10") / TCP(sport=443, dport=40001, flags="S"),
                   IP(src=ENDPOINT_A, dst="10.0.2.10") / UDP(sport=443, dport=40000)):
        trace = net.trace(packet, eni, session=session)
        assert_dropped(trace, "INTERFACE_ENDPOINT_ONE_WAY")
        assert rid(net, "app-a1", Instance) not in trace.path


# --- R48: never a route target ---------------------------------------------------------------


def test_r48_an_interface_endpoint_is_never_a_route_target():
    text = (INTERFACE_VPC.replace("ENDPOINT_INGRESS", "").replace("SECURITY_GROUPS", "").replace("PRIVATE_DNS", "")
            .replace("DNS_HOSTNAMES", "true").replace("ENDPOINT_ACL", "open-acl"))
    with pytest.raises(InputError, match="R48"):
        network_from_yaml(text.replace("routes: [{destination: 10.9.0.0/16, target: link}]",
                                       "routes: [{destination: 10.9.0.0/16, target: link}, "
                                       "{destination: 52.94.15.0/24, target: ddb}]"))


def test_r48_clients_reach_the_endpoint_through_the_local_route():
    net = interface_vpc()
    trace = net.trace_flow("app-a1", ENDPOINT_A)
    route = next(h for h in trace.hops if h.type == "route-table")
    assert route.detail == "10.0.0.0/16 -> local"
    assert trace.delivered_to == endpoint_id(net)


# --- R50, R51, R133: private DNS -------------------------------------------------------------


def test_r50_private_dns_answers_the_endpoint_enis_client_az_first():
    net = interface_vpc()
    enis = {net.topology.get(e.subnet_id, Subnet).availability_zone: e.private_ip_address for e in endpoint_enis(net)}
    assert net.resolve(DYNAMODB_NAME, "app-a1") == [enis["eu-west-2a"], enis["eu-west-2b"]]
    assert net.resolve(DYNAMODB_NAME, "app-b1") == [enis["eu-west-2b"], enis["eu-west-2a"]]
    trace = net.trace_flow("app-a1", DYNAMODB_NAME)
    assert (trace.delivered_to, int_to_ip(trace.packet_in.dst)) == (endpoint_id(net), enis["eu-west-2a"])


PUBLIC_DYNAMODB = "52.94.15.10"


@pytest.mark.parametrize("private_dns,dns_hostnames", [("private_dns: false", "true"),
                                                       ("private_dns: true", "false")],
                         ids=["private-dns-off", "dns-hostnames-off"])
def test_r50_r133_without_private_dns_or_dns_hostnames_the_name_stays_public(private_dns, dns_hostnames):
    net = interface_vpc(private_dns=private_dns, dns_hostnames=dns_hostnames)
    assert net.resolve(DYNAMODB_NAME, "app-a1") == [PUBLIC_DYNAMODB]
    # shop has no route to DynamoDB's public addresses, so by name it is unreachable...
    assert_dropped(net.trace_flow("app-a1", DYNAMODB_NAME), "NO_ROUTE_TO_DESTINATION")
    # ...while the endpoint still answers at its own address.
    assert net.trace_flow("app-a1", ENDPOINT_A).delivered_to == endpoint_id(net)


def test_r51_a_peered_vpc_gets_the_public_address_for_the_service_name():
    net = interface_vpc()
    assert net.resolve(DYNAMODB_NAME, "partner-1") == [PUBLIC_DYNAMODB]
    assert net.resolve(DYNAMODB_NAME, "app-a1") != [PUBLIC_DYNAMODB]


# --- R52: reachable by private IP from a peered VPC ------------------------------------------


def test_r52_a_peered_vpc_reaches_the_endpoint_by_its_private_ip():
    """R52: unlike a gateway endpoint (R37), the endpoint ENI answers across the peering, once the
    endpoint's group admits the partner's CIDR."""
    net = interface_vpc()
    trace = net.trace_flow("partner-1", ENDPOINT_A)
    assert (trace.verdict, trace.delivered_to) == ("delivered", endpoint_id(net)), trace.render()
    assert trace.path == [rid(net, "partner-1", Instance), rid(net, "link", VpcPeeringConnection), endpoint_id(net)]

    only_local = interface_vpc(ingress="{protocol: tcp, ports: 443, from: 10.0.0.0/16}")
    assert_dropped(only_local.trace_flow("partner-1", ENDPOINT_A), "ENI_SG_RULES_MISMATCH")
