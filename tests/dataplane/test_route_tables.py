"""Route tables through real topologies and traces (R1, R3–R6, R8, R9, R13, R17, R19; R130 for appliances).

Each test builds a small network from inline YAML, sends a packet and checks the verdict, the drop code,
the AWS components crossed, and the route-table hop that names the route which matched.
"""
from __future__ import annotations

import pytest
from scapy.layers.inet import IP, TCP

from emulator import model as m
from emulator.dataplane.packet import ip_to_int
from emulator.inputs.errors import InputError
from tests.builders import network_from_yaml
from tests.paths import assert_avoids, assert_crosses, assert_dropped, assert_path

VGW = "vgw-0a1b2c3d4e5f60718"  # a virtual private gateway: vpcemu hands packets to the VPN there


def route_hops(trace) -> list[tuple[str, str]]:
    """(route table id, "destination -> target") for every route lookup the packet went through."""
    return [(h.id, h.detail) for h in trace.hops if h.type == "route-table" and h.action == "route"]


def rid(network, name: str) -> str:
    return network.topology.find(name).id


# --- R1: longest prefix match ----------------------------------------------------------------------

R1_NETWORK = """
name: r1-longest-prefix
regions:
  eu-west-2:
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        route_tables:
          app-rt:
            routes: ROUTES
          inspection-rt:
            routes:
              - {destination: 10.10.0.0/16, target: to-data}
        subnets:
          app: {cidr_block: 10.0.1.0/24, route_table: app-rt}
          inspection: {cidr_block: 10.0.9.0/24, route_table: inspection-rt}
        security_groups:
          appliance:
            ingress: [{protocol: all, from: 10.0.0.0/16}]
        instances:
          client: {subnet: app, private_ip: 10.0.1.10}
          inspector: {subnet: inspection, private_ip: 10.0.9.10, source_dest_check: false,
                      security_groups: [appliance]}
      data:
        cidr_blocks: [10.10.0.0/16]
        subnets:
          db: {cidr_block: 10.10.2.0/24}
        security_groups:
          db:
            ingress: [{protocol: tcp, ports: 5432, from: 10.0.0.0/16}]
        instances:
          db-15: {subnet: db, private_ip: 10.10.2.15, security_groups: [db]}
          db-16: {subnet: db, private_ip: 10.10.2.16, security_groups: [db]}
peering_connections:
  to-data: {requester: app, accepter: data}
"""


ROUTE_A = "{destination: 10.10.2.0/24, target: to-data}"  # the data VPC's subnet, over the peering
ROUTE_B = "{destination: 10.10.2.15/32, target: inspector-eth0}"  # one host, through an inspection appliance


def r1_network(*routes: str):
    return network_from_yaml(R1_NETWORK.replace("ROUTES", f"[{', '.join(routes)}]"))


@pytest.mark.parametrize("order", [(ROUTE_A, ROUTE_B), (ROUTE_B, ROUTE_A)], ids=["A-first", "B-first"])
def test_r1_the_host_route_wins_over_the_subnet_route_that_contains_it(order):
    """R1, the spec's own test: 10.10.2.0/24 -> A and 10.10.2.15/32 -> B; .15 goes to B, .16 to A,
    whatever order the routes are written in."""
    net = r1_network(*order)
    to_15 = net.trace_flow("client", "10.10.2.15", dport=5432)
    assert to_15.verdict == "delivered" and to_15.delivered_to == rid(net, "db-15")
    assert route_hops(to_15)[0] == (rid(net, "app-rt"), f"10.10.2.15/32 -> {rid(net, 'inspector-eth0')}")
    assert_path(net, to_15, "client", "inspector", "to-data", "db-15")

    to_16 = net.trace_flow("client", "10.10.2.16", dport=5432)
    assert to_16.verdict == "delivered" and to_16.delivered_to == rid(net, "db-16")
    assert route_hops(to_16) == [(rid(net, "app-rt"), f"10.10.2.0/24 -> {rid(net, 'to-data')}")]
    assert_path(net, to_16, "client", "to-data", "db-16")


def test_r1_without_the_host_route_the_host_takes_the_subnet_route():
    """The control for R1: the /32 alone is what sends .15 through the appliance."""
    net = r1_network(ROUTE_A)
    trace = net.trace_flow("client", "10.10.2.15", dport=5432)
    assert_path(net, trace, "client", "to-data", "db-15")


# --- R3, R4: which table a subnet uses -------------------------------------------------------------

R3_NETWORK = f"""
name: r3-main-table
regions:
  eu-west-2:
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        internet_gateway: app-igw
        route_tables:
          blue:
            main: true
            routes: [{{destination: 0.0.0.0/0, target: app-igw}}]
          green:
            routes: [{{destination: 0.0.0.0/0, target: {VGW}}}]
          private-rt: {{}}
        subnets:
          public-a: {{cidr_block: 10.0.1.0/24}}                      # no association: the main table
          public-b: {{cidr_block: 10.0.2.0/24, route_table: blue}}   # explicitly associated with the main table
          private-a: {{cidr_block: 10.0.3.0/24, route_table: private-rt}}
          private-b: {{cidr_block: 10.0.4.0/24, route_table: private-rt}}  # two subnets share one table
        instances:
          web-a: {{subnet: public-a, private_ip: 10.0.1.10, public_ip: 18.130.1.10}}
          web-b: {{subnet: public-b, private_ip: 10.0.2.10, public_ip: 18.130.2.10}}
          app-a: {{subnet: private-a, private_ip: 10.0.3.10}}
          app-b: {{subnet: private-b, private_ip: 10.0.4.10}}
"""
INTERNET_HOST = "203.0.113.10"


def test_r3_a_subnet_without_association_uses_the_main_table():
    net = network_from_yaml(R3_NETWORK)
    trace = net.trace_flow("web-a", INTERNET_HOST)
    assert trace.verdict == "exited"
    assert route_hops(trace) == [(rid(net, "blue"), f"0.0.0.0/0 -> {rid(net, 'app-igw')}")]
    assert_path(net, trace, "web-a", "app-igw", "internet")


@pytest.mark.parametrize("instance", ["app-a", "app-b"])
def test_r3_an_explicit_association_overrides_the_main_table_and_tables_are_shared(instance):
    """R3: both private subnets use private-rt (no default route), not the main table's 0/0 -> IGW."""
    net = network_from_yaml(R3_NETWORK)
    trace = net.trace_flow(instance, INTERNET_HOST)
    assert_dropped(trace, "NO_ROUTE_TO_DESTINATION")
    assert trace.hops[-1].id == rid(net, "private-rt")
    assert_avoids(net, trace, "app-igw")


def test_r4_a_new_main_table_takes_over_every_unassociated_subnet_at_once():
    """R4: swap the main table from blue to green. public-a (no association) follows the new main table
    at once; public-b, explicitly associated with blue, and the private subnets are not affected."""
    net = network_from_yaml(R3_NETWORK)
    net.topology.find("blue", m.RouteTable).main = False
    net.topology.find("green", m.RouteTable).main = True
    net.recompile()

    moved = net.trace_flow("web-a", INTERNET_HOST)
    assert (moved.verdict, moved.delivered_to) == ("exited", VGW)
    assert route_hops(moved) == [(rid(net, "green"), f"0.0.0.0/0 -> {VGW}")]
    assert_avoids(net, moved, "app-igw")

    kept = net.trace_flow("web-b", INTERNET_HOST)
    assert route_hops(kept) == [(rid(net, "blue"), f"0.0.0.0/0 -> {rid(net, 'app-igw')}")]
    assert_path(net, kept, "web-b", "app-igw", "internet")
    assert_dropped(net.trace_flow("app-a", INTERNET_HOST), "NO_ROUTE_TO_DESTINATION")


# --- R5: the local route and its replaceable target ------------------------------------------------

R5_NETWORK = """
name: r5-local-route
regions:
  eu-west-2:
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        route_tables:
          inspected:
            routes:
              - {destination: 10.0.0.0/16, target: fw-1-eth0}   # the local route, target replaced (R5)
          firewall-rt: {}                                      # the appliance's own subnet keeps local -> local
        subnets:
          web: {cidr_block: 10.0.1.0/24, route_table: inspected}
          db: {cidr_block: 10.0.3.0/24}
          firewall: {cidr_block: 10.0.9.0/24, route_table: firewall-rt}
        security_groups:
          internal:
            ingress: [{protocol: all, from: 10.0.0.0/16}]
        instances:
          web-1: {subnet: web, private_ip: 10.0.1.10, security_groups: [internal]}
          db-1: {subnet: db, private_ip: 10.0.3.10, security_groups: [internal]}
          fw-1: {subnet: firewall, private_ip: 10.0.9.10, source_dest_check: false, security_groups: [internal]}
"""


def test_r5_every_table_has_a_local_route_for_the_vpc_cidr():
    """R5: the loader adds `local` to every table that does not replace it; the replaced one keeps one
    route for the CIDR, pointing at the ENI."""
    net = network_from_yaml(R5_NETWORK)
    vpc_cidr = "10.0.0.0/16"
    for name in ("firewall-rt", "main"):
        table = net.topology.find(name, m.RouteTable)
        assert [(r.destination, r.target_kind) for r in table.routes] == [(vpc_cidr, "local")]
    inspected = net.topology.find("inspected", m.RouteTable)
    assert [(r.destination, r.target_id) for r in inspected.routes] == [(vpc_cidr, rid(net, "fw-1-eth0"))]
    trace = net.trace_flow("db-1", "10.0.9.10")
    assert route_hops(trace) == [(rid(net, "main"), f"{vpc_cidr} -> local")]


def test_r5_local_route_replaced_by_an_appliance_eni_sends_vpc_traffic_through_it():
    """R5, R130: web -> db matches 10.0.0.0/16 -> eni-fw in web's table; the appliance (check off)
    forwards it and its own table's plain local route delivers it."""
    net = network_from_yaml(R5_NETWORK)
    trace = net.trace_flow("web-1", "10.0.3.10")
    assert trace.verdict == "delivered" and trace.delivered_to == rid(net, "db-1")
    assert_path(net, trace, "web-1", "fw-1", "db-1")
    assert route_hops(trace) == [(rid(net, "inspected"), f"10.0.0.0/16 -> {rid(net, 'fw-1-eth0')}"),
                                 (rid(net, "firewall-rt"), "10.0.0.0/16 -> local")]
    assert trace.packet_out.src == ip_to_int("10.0.1.10")  # an appliance routes; it does not translate


def test_r5_r130_the_appliance_must_have_source_destination_check_off():
    """R130: with the check on, the appliance's ENI drops what it is not the destination of."""
    net = network_from_yaml(R5_NETWORK)
    net.topology.find("fw-1-eth0", m.NetworkInterface).source_dest_check = True
    net.recompile()
    trace = net.trace_flow("web-1", "10.0.3.10")
    assert_dropped(trace, "ENI_SOURCE_DEST_CHECK")
    assert trace.hops[-1].id == rid(net, "fw-1-eth0")
    assert_avoids(net, trace, "db-1")


def test_r5_the_replaced_local_route_covers_subnets_added_later():
    """R5: the route matches the whole VPC CIDR, so a subnet created afterwards is inspected too."""
    net = network_from_yaml(R5_NETWORK)
    topo, vpc = net.topology, net.topology.find("app", m.Vpc)
    later = topo.add(m.Subnet("subnet-0be7e0be7e0be7e01", vpc.vpc_id, "10.0.7.0/24", "eu-west-2a",
                              vpc.region, vpc.owner_id, name="later"))
    topo.add(m.NetworkInterface("eni-0be7e0be7e0be7e01", later.subnet_id, vpc.vpc_id, ["10.0.7.10"],
                                vpc.region, vpc.owner_id, groups=[rid(net, "internal")], name="later-eni"))
    net.recompile()
    trace = net.trace_flow("web-1", "10.0.7.10")
    assert trace.verdict == "delivered" and trace.delivered_to == "eni-0be7e0be7e0be7e01"
    assert_path(net, trace, "web-1", "fw-1", "later-eni")


def test_r5_setting_the_target_back_to_local_restores_direct_delivery():
    net = network_from_yaml(R5_NETWORK)
    route = net.topology.find("inspected", m.RouteTable).routes[0]
    route.network_interface_id, route.gateway_id = None, "local"
    net.recompile()
    trace = net.trace_flow("web-1", "10.0.3.10")
    assert trace.verdict == "delivered"
    assert_path(net, trace, "web-1", "db-1")
    assert route_hops(trace) == [(rid(net, "inspected"), "10.0.0.0/16 -> local")]


# --- R6: routes more specific than local -----------------------------------------------------------

R6_NETWORK = """
name: r6-middlebox
regions:
  eu-west-2:
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        route_tables:
          web-rt:
            routes: [ROUTE]
        subnets:
          web: {cidr_block: 10.0.1.0/24, route_table: web-rt}
          app: {cidr_block: 10.0.2.0/24}
          db: {cidr_block: 10.0.3.0/24}
          firewall: {cidr_block: 10.0.9.0/24}
        security_groups:
          internal:
            ingress: [{protocol: all, from: 10.0.0.0/16}]
        instances:
          web-1: {subnet: web, private_ip: 10.0.1.10, security_groups: [internal]}
          app-1: {subnet: app, private_ip: 10.0.2.10, security_groups: [internal]}
          db-1: {subnet: db, private_ip: 10.0.3.10, security_groups: [internal]}
          fw-1: {subnet: firewall, private_ip: 10.0.9.10, source_dest_check: false, security_groups: [internal]}
      partner:
        cidr_blocks: [10.20.0.0/16]
peering_connections:
  to-partner: {requester: app, accepter: partner}
"""


def r6_network(route: str):
    return network_from_yaml(R6_NETWORK.replace("ROUTE", route))


@pytest.mark.parametrize("route, why", [
    ("{destination: 10.0.2.16/28, target: fw-1-eth0}", "a /28 inside the app subnet"),
    ("{destination: 10.0.2.0/23, target: fw-1-eth0}", "wider than one subnet, narrower than the VPC"),
    ("{destination: 10.0.2.0/24, target: to-partner}", "a whole subnet, but to a peering connection"),
    ("{destination: 10.0.4.0/24, target: fw-1-eth0}", "a /24 of the VPC that is no subnet"),
])
def test_r6_a_route_more_specific_than_local_is_rejected_at_load_with_one_clear_error(route, why):
    """R6: only a whole subnet CIDR to a NAT gateway, ENI or GWLB endpoint may be more specific than local."""
    with pytest.raises(InputError) as caught:
        r6_network(route)
    error = caught.value
    destination = route.split("destination: ")[1].split(",")[0]
    assert error.field == "DestinationCidrBlock", why
    assert rid_in(error.resource, "web-rt")
    assert destination in error.message and "R6" in error.message and "local" in error.message
    assert "\n" not in str(error)  # one line: file: resource: field: what is wrong


def rid_in(resource_label: str | None, name: str) -> bool:
    return resource_label is not None and f"({name})" in resource_label


def test_r6_a_whole_subnet_route_to_an_appliance_eni_is_accepted_and_used():
    """R6 middlebox routing: web's table sends the app subnet (exactly 10.0.2.0/24) to the firewall ENI;
    the db subnet still takes the local route."""
    net = r6_network("{destination: 10.0.2.0/24, target: fw-1-eth0}")
    to_app = net.trace_flow("web-1", "10.0.2.10")
    assert to_app.verdict == "delivered" and to_app.delivered_to == rid(net, "app-1")
    assert_path(net, to_app, "web-1", "fw-1", "app-1")
    assert route_hops(to_app)[0] == (rid(net, "web-rt"), f"10.0.2.0/24 -> {rid(net, 'fw-1-eth0')}")

    to_db = net.trace_flow("web-1", "10.0.3.10")
    assert_path(net, to_db, "web-1", "db-1")
    assert route_hops(to_db) == [(rid(net, "web-rt"), "10.0.0.0/16 -> local")]


# --- R8: inside a subnet nothing is routed ---------------------------------------------------------

R8_NETWORK = """
name: r8-same-subnet
regions:
  eu-west-2:
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        route_tables:
          shared-rt:
            routes:
              - {destination: 10.0.1.0/24, target: fw-1-eth0}   # web's own CIDR, to an appliance (R6)
        network_acls:
          closed: {}                                            # no rules: only the final * deny (R113)
        subnets:
          web: {cidr_block: 10.0.1.0/24, route_table: shared-rt, network_acl: closed}
          app: {cidr_block: 10.0.2.0/24, route_table: shared-rt}
          firewall: {cidr_block: 10.0.9.0/24}
        security_groups:
          internal:
            ingress: [{protocol: all, from: 10.0.0.0/16}]
        instances:
          web-1: {subnet: web, private_ip: 10.0.1.10, security_groups: [internal]}
          web-2: {subnet: web, private_ip: 10.0.1.11, security_groups: [internal]}
          app-1: {subnet: app, private_ip: 10.0.2.10, security_groups: [internal]}
          fw-1: {subnet: firewall, private_ip: 10.0.9.10, source_dest_check: false, security_groups: [internal]}
"""


def test_r8_same_subnet_traffic_skips_the_route_table_and_the_nacl():
    """R8: web-1 -> web-2 is switched inside the subnet: the more specific route to the appliance and
    the deny-all NACL of the subnet are never consulted."""
    net = network_from_yaml(R8_NETWORK)
    trace = net.trace_flow("web-1", "10.0.1.11")
    assert trace.verdict == "delivered" and trace.delivered_to == rid(net, "web-2")
    assert_path(net, trace, "web-1", "web-2")
    assert route_hops(trace) == []
    assert not [h for h in trace.hops if h.type == "network-acl"]
    assert_avoids(net, trace, "fw-1")


def test_r8_the_same_route_and_nacl_do_apply_to_traffic_from_another_subnet():
    """The control for R8: from app (same table) the route sends the packet to the appliance, and the
    web subnet's NACL then drops it on the way in (R113, R116)."""
    net = network_from_yaml(R8_NETWORK)
    trace = net.trace_flow("app-1", "10.0.1.11")
    assert route_hops(trace)[0] == (rid(net, "shared-rt"), f"10.0.1.0/24 -> {rid(net, 'fw-1-eth0')}")
    assert_crosses(net, trace, "fw-1")
    assert_dropped(trace, "SUBNET_ACL_RESTRICTION")
    assert trace.hops[-1].id == rid(net, "closed")


# --- R9: the reserved link-local range -------------------------------------------------------------

R9_NETWORK = f"""
name: r9-link-local
regions:
  eu-west-2:
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        internet_gateway: app-igw
        route_tables:
          app-rt:
            routes:
              - {{destination: 0.0.0.0/0, target: app-igw}}
              - {{destination: 169.254.0.0/16, target: {VGW}}}   # wider than 169.254.168.0/22: allowed
              - EXTRA
        subnets:
          app: {{cidr_block: 10.0.1.0/24, route_table: app-rt}}
        instances:
          app-1: {{subnet: app, private_ip: 10.0.1.10, public_ip: 18.130.1.10}}
"""


@pytest.mark.parametrize("destination", ["169.254.168.0/22", "169.254.169.0/24", "169.254.169.254/32",
                                         "169.254.171.0/25"])
def test_r9_a_route_into_the_reserved_link_local_range_is_rejected(destination):
    with pytest.raises(InputError) as caught:
        network_from_yaml(R9_NETWORK.replace("EXTRA", f"{{destination: {destination}, target: {VGW}}}"))
    assert caught.value.field == "DestinationCidrBlock"
    assert destination in caught.value.message and "R9" in caught.value.message
    assert rid_in(caught.value.resource, "app-rt")


def r9_network():
    return network_from_yaml(R9_NETWORK.replace("- EXTRA", ""))


@pytest.mark.parametrize("address", ["169.254.168.0", "169.254.169.200", "169.254.170.3", "169.254.171.255"])
def test_r9_a_wider_route_does_not_forward_into_the_reserved_range(address):
    """R9: 169.254.0.0/16 -> vgw (and 0/0 -> igw) contain 169.254.168.0/22, but never carry packets there.
    (The link-local services' own addresses are answered by the host before any route, R111:
    tests/dataplane/test_link_local.py.)"""
    net = r9_network()
    trace = net.trace_flow("app-1", address, dport=80)
    assert_dropped(trace, "RESERVED_LINK_LOCAL_RANGE")
    assert trace.hops[-1].id == rid(net, "app-rt")
    assert route_hops(trace)[0][1].startswith("169.254.168.0/22 ->")
    assert_avoids(net, trace, VGW, "app-igw")


@pytest.mark.parametrize("address", ["169.254.167.255", "169.254.172.0", "169.254.1.1"])
def test_r9_the_wider_route_still_forwards_the_rest_of_its_range(address):
    net = r9_network()
    trace = net.trace_flow("app-1", address, dport=80)
    assert (trace.verdict, trace.delivered_to) == ("exited", VGW)
    assert route_hops(trace) == [(rid(net, "app-rt"), f"169.254.0.0/16 -> {VGW}")]


# --- R13: an internet gateway's edge route table ---------------------------------------------------

R13_NETWORK = """
name: r13-ingress-routing
regions:
  eu-west-2:
    vpcs:
      shop:
        cidr_blocks: [10.0.0.0/16]
        internet_gateway: shop-igw
        route_tables:
          igw-ingress:
            edge_associations: [shop-igw]
            routes:
              - {destination: 10.0.1.0/24, target: fw-1-eth0}   # the web subnet, through the appliance
          web-rt:
            routes:
              - {destination: 0.0.0.0/0, target: fw-1-eth0}     # replies go back the same way (R16)
          api-rt:
            routes:
              - {destination: 0.0.0.0/0, target: shop-igw}
          firewall-rt:
            routes:
              - {destination: 0.0.0.0/0, target: shop-igw}
        subnets:
          web: {cidr_block: 10.0.1.0/24, route_table: web-rt}
          api: {cidr_block: 10.0.2.0/24, route_table: api-rt}
          firewall: {cidr_block: 10.0.9.0/24, route_table: firewall-rt}
        security_groups:
          https:
            ingress: [{protocol: tcp, ports: 443, from: 0.0.0.0/0}]
          appliance:
            ingress: [{protocol: all, from: 0.0.0.0/0}]
        instances:
          web-1: {subnet: web, private_ip: 10.0.1.10, public_ip: 18.130.1.10, security_groups: [https]}
          api-1: {subnet: api, private_ip: 10.0.2.10, public_ip: 18.130.2.10, security_groups: [https]}
          fw-1: {subnet: firewall, private_ip: 10.0.9.10, public_ip: 18.130.9.10, source_dest_check: false,
                 security_groups: [appliance]}
"""
CLIENT = "198.51.100.7"


def from_internet(net, public_ip: str):
    return net.trace(IP(src=CLIENT, dst=public_ip) / TCP(sport=40000, dport=443, flags="S"), at="internet")


def test_r13_the_igw_edge_table_sends_inbound_traffic_for_a_subnet_through_the_appliance():
    """R13: after the IGW maps 18.130.1.10 to 10.0.1.10 (R120), its edge table's 10.0.1.0/24 -> eni-fw
    sends the packet to the appliance, which delivers it to web-1."""
    net = network_from_yaml(R13_NETWORK)
    trace = from_internet(net, "18.130.1.10")
    assert trace.verdict == "delivered" and trace.delivered_to == rid(net, "web-1")
    assert_path(net, trace, "internet", "shop-igw", "fw-1", "web-1")
    edge = [h for h in trace.hops if h.type == "route-table"][0]
    assert (edge.id, edge.detail) == (rid(net, "igw-ingress"), f"10.0.1.0/24 -> {rid(net, 'fw-1-eth0')}")
    assert edge.headers_out.dst == ip_to_int("10.0.1.10")  # the edge table sees the private address
    assert trace.packet_out.src == ip_to_int(CLIENT)


def test_r13_a_subnet_the_edge_table_does_not_name_takes_its_local_route():
    net = network_from_yaml(R13_NETWORK)
    trace = from_internet(net, "18.130.2.10")
    assert trace.verdict == "delivered" and trace.delivered_to == rid(net, "api-1")
    assert_path(net, trace, "internet", "shop-igw", "api-1")
    assert route_hops(trace) == [(rid(net, "igw-ingress"), "10.0.0.0/16 -> local")]


def test_r13_without_the_edge_association_inbound_traffic_goes_straight_to_the_instance():
    """The control: the same network with the edge association removed bypasses the appliance."""
    net = network_from_yaml(R13_NETWORK)
    net.topology.find("igw-ingress", m.RouteTable).gateway_ids.clear()
    net.recompile()
    trace = from_internet(net, "18.130.1.10")
    assert_path(net, trace, "internet", "shop-igw", "web-1")
    assert route_hops(trace) == []


# --- R17: blackhole routes -------------------------------------------------------------------------

R17_NETWORK = """
name: r17-blackhole
regions:
  eu-west-2:
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        internet_gateway: app-igw
        route_tables:
          app-rt:
            routes:
              - {destination: 0.0.0.0/0, target: app-igw}
              - {destination: 198.51.100.0/24, target: nat-0123456789abcdef0, state: blackhole}  # NAT deleted
              - {destination: 192.0.2.0/24, target: old-nat}
              - {destination: 203.0.113.0/24, target: nat-box}
          public-rt:
            routes:
              - {destination: 0.0.0.0/0, target: app-igw}
        subnets:
          app: {cidr_block: 10.0.1.0/24, route_table: app-rt}
          public: {cidr_block: 10.0.0.0/24, route_table: public-rt}
        nat_gateways:
          old-nat: {subnet: public, private_ip: 10.0.0.5, public_ip: 18.130.0.5, state: deleted}
        instances:
          app-1: {subnet: app, private_ip: 10.0.1.10, public_ip: 18.130.1.10}
          nat-box: {subnet: public, private_ip: 10.0.0.20, public_ip: 18.130.0.20, source_dest_check: false,
                    state: terminated}
"""


def test_r17_a_blackhole_route_drops_and_does_not_fall_back_to_the_default_route():
    net = network_from_yaml(R17_NETWORK)
    trace = net.trace_flow("app-1", "198.51.100.9")
    assert_dropped(trace, "BLACKHOLE_ROUTE")
    assert trace.hops[-1].id == rid(net, "app-rt")
    assert route_hops(trace) == [(rid(net, "app-rt"), "198.51.100.0/24 -> blackhole")]
    assert_avoids(net, trace, "app-igw")


def test_r17_the_blackhole_only_covers_its_own_prefix():
    net = network_from_yaml(R17_NETWORK)
    trace = net.trace_flow("app-1", "198.51.101.9")
    assert trace.verdict == "exited"
    assert route_hops(trace) == [(rid(net, "app-rt"), f"0.0.0.0/0 -> {rid(net, 'app-igw')}")]
    assert_path(net, trace, "app-1", "app-igw", "internet")


@pytest.mark.parametrize("address, target, code", [
    ("192.0.2.9", "old-nat", "BAD_STATE"),                             # a deleted NAT gateway
    ("203.0.113.9", "nat-box", "MIDDLEBOX_ENI_NOT_ATTACHED"),          # a terminated NAT instance
])
def test_r17_a_route_to_an_unusable_target_drops_without_fallback(address, target, code):
    """R17: AWS shows these routes as blackhole; the packet they select is dropped, not sent to 0/0."""
    net = network_from_yaml(R17_NETWORK)
    trace = net.trace_flow("app-1", address)
    assert_dropped(trace, code)
    hop_target = rid(net, target)
    assert route_hops(trace) == [(rid(net, "app-rt"), f"{address.rsplit('.', 1)[0]}.0/24 -> {hop_target}")]
    assert_avoids(net, trace, "app-igw")


# --- R19: canonical destinations -------------------------------------------------------------------

R19_NETWORK = f"""
name: r19-canonical
regions:
  eu-west-2:
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        route_tables:
          app-rt:
            routes:
              - {{destination: 100.68.0.18/18, target: {VGW}}}
              - EXTRA
        subnets:
          app: {{cidr_block: 10.0.1.0/24, route_table: app-rt}}
        instances:
          app-1: {{subnet: app, private_ip: 10.0.1.10}}
"""


def test_r19_host_bits_of_a_destination_are_cleared_when_the_route_is_stored():
    """R19, the API reference's example: 100.68.0.18/18 is stored and matched as 100.68.0.0/18."""
    net = network_from_yaml(R19_NETWORK.replace("- EXTRA", ""))
    table = net.topology.find("app-rt", m.RouteTable)
    assert "100.68.0.0/18" in [r.destination for r in table.routes]
    for address in ("100.68.0.1", "100.68.63.254"):  # the whole /18, not only addresses near .18
        trace = net.trace_flow("app-1", address)
        assert (trace.verdict, trace.delivered_to) == ("exited", VGW)
        assert route_hops(trace) == [(rid(net, "app-rt"), f"100.68.0.0/18 -> {VGW}")]
    assert_dropped(net.trace_flow("app-1", "100.68.64.1"), "NO_ROUTE_TO_DESTINATION")


def test_r19_two_routes_that_are_equal_once_canonical_are_a_duplicate():
    """R19: canonicalise before comparing for duplicates. 100.68.0.18/18 and 100.68.0.0/18 are one
    destination; AWS refuses the second route (RouteAlreadyExists) instead of keeping either silently."""
    with pytest.raises(InputError) as caught:
        network_from_yaml(R19_NETWORK.replace("EXTRA", "{destination: 100.68.0.0/18, target: vgw-0ffff0000ffff0000}"))
    assert "100.68.0.0/18" in caught.value.message and "R19" in caught.value.message
    assert rid_in(caught.value.resource, "app-rt")
