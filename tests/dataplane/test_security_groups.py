"""Security groups through real topologies and traces (R104, R105, R107–R110, R117).

Most scenarios use one VPC with a `clients` subnet (10.0.1.0/24) and a `servers` subnet
(10.0.2.0/24); only the security groups change from test to test, and each test says which
rule of ../shared/aws-semantics.md it checks.
"""
from __future__ import annotations

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP

import emulator
from emulator.api import Session
from emulator.inputs.errors import InputError
from emulator.model import Instance, PrefixList, SecurityGroup
from emulator.dataplane.packet import int_to_ip
from tests.builders import network_from_yaml
from tests.paths import assert_dropped

CLIENT, OTHER_CLIENT, SERVER = "10.0.1.10", "10.0.1.20", "10.0.2.10"


def two_subnets(groups: str, client_groups: str = "[client]", server_groups: str = "[server]",
                other_groups: str = "[client]") -> emulator.Network:
    """clients subnet: `client` and `other`; servers subnet: `server`. `groups` is a flow mapping."""
    groups = " ".join(groups.split())  # one line, so that it sits inside the block below
    return network_from_yaml(f"""
        regions:
          eu-west-2:
            vpcs:
              shop:
                cidr_blocks: [10.0.0.0/16]
                subnets:
                  clients: {{cidr_block: 10.0.1.0/24}}
                  servers: {{cidr_block: 10.0.2.0/24}}
                security_groups: {groups}
                instances:
                  client: {{subnet: clients, private_ip: {CLIENT}, security_groups: {client_groups}}}
                  other:  {{subnet: clients, private_ip: {OTHER_CLIENT}, security_groups: {other_groups}}}
                  server: {{subnet: servers, private_ip: {SERVER}, security_groups: {server_groups}}}
    """)


def group_id(net, name: str) -> str:
    return net.topology.find(name, SecurityGroup).id


def instance_id(net, name: str) -> str:
    return net.topology.find(name, Instance).id


def sg_decisions(trace) -> list[tuple[str, str]]:
    """(action, detail) of every security-group hop, in order."""
    return [(h.action, h.detail) for h in trace.hops if h.type == "security-group"]


def assert_delivered_to(net, trace, instance: str) -> None:
    assert (trace.verdict, trace.delivered_to) == ("delivered", instance_id(net, instance)), trace.render()


# --- R104: the union of every group on an ENI, allow-only --------------------------------------


def test_r104_rules_of_all_groups_on_an_eni_are_merged():
    """R104: `server` carries two groups; each admits one port, and the ENI admits both."""
    net = two_subnets("""{
        client: {},
        https: {ingress: [{protocol: tcp, ports: 443, from: 10.0.0.0/16}]},
        ssh: {ingress: [{protocol: tcp, ports: 22, from: 10.0.1.0/24}]} }""",
                      server_groups="[https, ssh]")
    https = net.trace_flow("client", SERVER, dport=443)
    ssh = net.trace_flow("client", SERVER, dport=22)
    web = net.trace_flow("client", SERVER, dport=80)

    assert_delivered_to(net, https, "server")
    assert_delivered_to(net, ssh, "server")
    # The rule that decided belongs to the group that holds it.
    assert https.hops[-2].id == group_id(net, "https")
    assert ssh.hops[-2].id == group_id(net, "ssh")
    assert_dropped(web, "ENI_SG_RULES_MISMATCH")


def test_r104_a_group_with_no_rules_never_takes_access_away():
    """R104: rules only allow. Adding a group with no inbound rule to the ENI changes nothing."""
    alone = two_subnets("""{client: {}, https: {ingress: [{protocol: tcp, ports: 443, from: 10.0.0.0/16}]},
                            locked: {ingress: [], egress: []}}""", server_groups="[https]")
    with_locked = two_subnets("""{client: {}, https: {ingress: [{protocol: tcp, ports: 443, from: 10.0.0.0/16}]},
                                  locked: {ingress: [], egress: []}}""", server_groups="[locked, https]")
    for net in (alone, with_locked):
        assert_delivered_to(net, net.trace_flow("client", SERVER, dport=443), "server")
        assert_dropped(net.trace_flow("client", SERVER, dport=8443), "ENI_SG_RULES_MISMATCH")
    # locked has no egress rule, yet https's default egress still lets the server send (R104 + R107).
    out = with_locked.trace_flow("server", CLIENT, dport=5000)
    assert out.hops[1].action == "allow" and out.hops[1].id == group_id(with_locked, "https")


def test_r104_a_security_group_rule_cannot_deny():
    """R104: there are no deny rules; a rule with an action is not a security-group rule."""
    with pytest.raises(InputError, match="action"):
        two_subnets("""{client: {}, server: {ingress: [{protocol: tcp, ports: 22, from: 0.0.0.0/0,
                                                        action: deny}]}}""")


# --- R105: stateful ----------------------------------------------------------------------------

STATEFUL_GROUPS = """{
    client: {ingress: []},
    server: {ingress: [{protocol: tcp, ports: 443, from: 10.0.1.0/24},
                       {protocol: udp, ports: 53, from: 10.0.1.0/24},
                       {protocol: icmp, icmp_type: 8, from: 10.0.1.0/24}],
             egress: []} }"""

REQUESTS_AND_REPLIES = [
    # (protocol, the client's request, the server's reply)
    ("tcp", TCP(sport=49152, dport=443, flags="S"), TCP(sport=443, dport=49152, flags="SA")),
    ("udp", UDP(sport=49152, dport=53), UDP(sport=53, dport=49152)),
    ("icmp", ICMP(type=8, id=49152), ICMP(type=0, id=49152)),
]


@pytest.mark.parametrize("name,request_l4,reply_l4", REQUESTS_AND_REPLIES, ids=[r[0] for r in REQUESTS_AND_REPLIES])
def test_r105_the_reply_of_an_allowed_flow_passes_both_groups(name, request_l4, reply_l4):
    """R105: client -> server is allowed by server's inbound rule. The server has no outbound rule
    and the client no inbound rule, yet the reply passes both, because both groups track the flow
    (TCP/UDP by 5-tuple, ICMP by the echo request/reply pair)."""
    net = two_subnets(STATEFUL_GROUPS)
    session = Session()
    request = net.trace(IP(dst=SERVER) / request_l4, "client", session=session)
    assert_delivered_to(net, request, "server")

    reply = net.trace(IP(src=SERVER, dst=CLIENT) / reply_l4, "server", session=session)
    assert_delivered_to(net, reply, "client")
    decisions = sg_decisions(reply)
    assert [a for a, _ in decisions] == ["allow", "allow"]
    assert all("tracked connection" in d for _, d in decisions), reply.render()


@pytest.mark.parametrize("name,request_l4,reply_l4", REQUESTS_AND_REPLIES, ids=[r[0] for r in REQUESTS_AND_REPLIES])
def test_r105_the_same_reply_without_the_request_is_dropped(name, request_l4, reply_l4):
    """R105, the control: with no tracked request, the server's packet meets its empty egress."""
    net = two_subnets(STATEFUL_GROUPS)
    reply = net.trace(IP(src=SERVER, dst=CLIENT) / reply_l4, "server", session=Session())
    assert_dropped(reply, "ENI_SG_RULES_MISMATCH")
    assert reply.hops[-1].id == net.topology.find("server-eth0").id


def test_r105_tracking_covers_only_the_flow_that_was_allowed():
    """R105: after client:49152 -> server:443, the server opening another connection to the client
    (other ports) is not a reply and is dropped by the server's empty egress."""
    net = two_subnets(STATEFUL_GROUPS)
    session = Session()
    net.trace_flow("client", SERVER, sport=49152, dport=443, session=session)

    assert net.trace_flow("server", CLIENT, sport=443, dport=49152, session=session).verdict == "delivered"
    assert_dropped(net.trace_flow("server", CLIENT, sport=443, dport=49153, session=session), "ENI_SG_RULES_MISMATCH")
    assert_dropped(net.trace_flow("server", CLIENT, sport=8080, dport=22, session=session), "ENI_SG_RULES_MISMATCH")
    # Another client's reply flow was never tracked either.
    other = net.trace(IP(src=SERVER, dst=OTHER_CLIENT) / TCP(sport=443, dport=49152), "server", session=session)
    assert_dropped(other, "ENI_SG_RULES_MISMATCH")


def test_r105_a_dropped_request_leaves_no_state_behind():
    """R105: only an allowed flow is tracked. A request to a port the server does not admit leaves
    nothing that would let the server's packet back out."""
    net = two_subnets(STATEFUL_GROUPS)
    session = Session()
    assert_dropped(net.trace_flow("client", SERVER, dport=8080, session=session), "ENI_SG_RULES_MISMATCH")
    assert_dropped(net.trace_flow("server", CLIENT, sport=8080, dport=49152, session=session),
                   "ENI_SG_RULES_MISMATCH")


# --- R107: starting rules ----------------------------------------------------------------------


def test_r107_a_new_group_denies_all_inbound_and_allows_all_outbound():
    """R107: a freshly created group (`fresh: {}`) has no inbound rules and one allow-all outbound."""
    net = two_subnets("{client: {}, fresh: {}, open: {ingress: [{protocol: all, from: 0.0.0.0/0}]}}",
                      client_groups="[open]", server_groups="[fresh]")
    fresh = net.topology.find("fresh", SecurityGroup)
    assert fresh.ingress == [] and [r.cidr_ipv4 for r in fresh.egress] == ["0.0.0.0/0"]

    for proto, port in (("tcp", 443), ("udp", 123), ("icmp", 0)):
        assert_dropped(net.trace_flow("client", SERVER, proto=proto, dport=port), "ENI_SG_RULES_MISMATCH")
        assert_delivered_to(net, net.trace_flow("server", CLIENT, proto=proto, dport=port), "client")


def test_r107_a_group_with_no_outbound_rules_blocks_all_outbound():
    """R107: `egress: []` leaves the group with no outbound rule, so nothing new leaves."""
    net = two_subnets("{client: {ingress: [{protocol: all, from: 0.0.0.0/0}]}, mute: {egress: []}}",
                      server_groups="[mute]")
    for proto in ("tcp", "udp", "icmp"):
        trace = net.trace_flow("server", CLIENT, proto=proto)
        assert_dropped(trace, "ENI_SG_RULES_MISMATCH")
        assert [h.type for h in trace.hops] == ["instance", "security-group", "network-interface"]


def test_r107_the_default_group_admits_its_own_members_on_any_protocol():
    """R107: instances launched with no group get `default`, which admits other members on every
    protocol and port, across subnets, and nobody else."""
    net = two_subnets("{stranger: {}}", client_groups="[default]", server_groups="[default]",
                      other_groups="[stranger]")
    assert net.topology.find("server-eth0").groups == [group_id(net, "default")]
    for proto, port in (("tcp", 5432), ("udp", 514), ("icmp", 0), (47, 0)):
        trace = net.trace_flow("client", SERVER, proto=proto, dport=port)
        assert_delivered_to(net, trace, "server")
        assert f"from {group_id(net, 'default')}" in trace.hops[-2].detail
        assert_dropped(net.trace_flow("other", SERVER, proto=proto, dport=port), "ENI_SG_RULES_MISMATCH")


def test_r107_instances_without_security_groups_get_the_default_group():
    net = network_from_yaml("""
        regions:
          eu-west-2:
            vpcs:
              shop:
                cidr_blocks: [10.0.0.0/16]
                subnets:
                  a: {cidr_block: 10.0.1.0/24}
                  b: {cidr_block: 10.0.2.0/24}
                instances:
                  one: {subnet: a}
                  two: {subnet: b}
    """)
    two = net.topology.find("two-eth0")
    assert two.groups == [group_id(net, "default")]
    assert_delivered_to(net, net.trace_flow("one", two.private_ip_address, dport=3306), "two")


# --- R108: what a rule can match ---------------------------------------------------------------


@pytest.mark.parametrize("port,admitted", [(7999, False), (8000, True), (8050, True), (8100, True), (8101, False)])
def test_r108_a_port_range_admits_its_ends_and_nothing_beyond(port, admitted):
    net = two_subnets("{client: {}, server: {ingress: [{protocol: tcp, ports: 8000-8100, from: 10.0.1.0/24}]}}")
    trace = net.trace_flow("client", SERVER, dport=port)
    assert (trace.verdict == "delivered") is admitted, trace.render()


def test_r108_a_rule_matches_only_its_protocol():
    """R108: a UDP 53 rule does not admit TCP 53; a rule for protocol 47 (GRE) admits GRE only."""
    net = two_subnets("""{client: {}, server: {ingress: [{protocol: udp, ports: 53, from: 10.0.1.0/24},
                                                         {protocol: 47, from: 10.0.1.0/24}]}}""")
    assert_delivered_to(net, net.trace_flow("client", SERVER, proto="udp", dport=53), "server")
    assert_dropped(net.trace_flow("client", SERVER, proto="tcp", dport=53), "ENI_SG_RULES_MISMATCH")
    assert_delivered_to(net, net.trace_flow("client", SERVER, proto=47), "server")
    assert_dropped(net.trace_flow("client", SERVER, proto=50), "ENI_SG_RULES_MISMATCH")
    assert_dropped(net.trace_flow("client", SERVER, proto="icmp"), "ENI_SG_RULES_MISMATCH")


@pytest.mark.parametrize("icmp_type,icmp_code,admitted", [
    (3, 4, True),    # fragmentation needed: the rule's type and code
    (3, 1, False),   # host unreachable: same type, other code
    (8, 0, True),    # echo request: the second rule takes every code of type 8
    (13, 0, False),  # timestamp: no rule
])
def test_r108_icmp_rules_match_type_and_code(icmp_type, icmp_code, admitted):
    net = two_subnets("""{client: {}, server: {ingress: [
        {protocol: icmp, icmp_type: 3, icmp_code: 4, from: 10.0.1.0/24},
        {protocol: icmp, icmp_type: 8, from: 10.0.1.0/24}]}}""")
    trace = net.trace(IP(dst=SERVER) / ICMP(type=icmp_type, code=icmp_code), "client")
    assert (trace.verdict == "delivered") is admitted, trace.render()


def test_r108_a_host_cidr_admits_that_host_only():
    net = two_subnets(f"{{client: {{}}, server: {{ingress: [{{protocol: tcp, ports: 22, from: {CLIENT}/32}}]}}}}")
    assert_delivered_to(net, net.trace_flow("client", SERVER, dport=22), "server")
    assert_dropped(net.trace_flow("other", SERVER, dport=22), "ENI_SG_RULES_MISMATCH")


def test_r108_a_prefix_list_peer_admits_its_entries():
    """R108: a rule may name a (customer-managed) prefix list; its entries are the peers."""
    net = network_from_yaml(f"""
        regions:
          eu-west-2:
            prefix_lists:
              bastions: {{entries: [10.0.1.0/28, 10.0.3.0/24]}}
            vpcs:
              shop:
                cidr_blocks: [10.0.0.0/16]
                subnets:
                  clients: {{cidr_block: 10.0.1.0/24}}
                  servers: {{cidr_block: 10.0.2.0/24}}
                security_groups:
                  server: {{ingress: [{{protocol: tcp, ports: 22, from: bastions}}]}}
                instances:
                  client: {{subnet: clients, private_ip: {CLIENT}}}
                  other:  {{subnet: clients, private_ip: {OTHER_CLIENT}}}
                  server: {{subnet: servers, private_ip: {SERVER}, security_groups: [server]}}
    """)
    ok = net.trace_flow("client", SERVER, dport=22)  # 10.0.1.10 is inside 10.0.1.0/28
    assert_delivered_to(net, ok, "server")
    assert ok.hops[-2].detail.endswith(f"from {net.topology.find('bastions', PrefixList).id}")
    assert_dropped(net.trace_flow("other", SERVER, dport=22), "ENI_SG_RULES_MISMATCH")  # .20 is not


def test_r108_an_egress_rule_can_name_a_service_prefix_list():
    """R108 (and R38): an outbound rule to the AWS-managed S3 list lets S3's addresses out, nothing else."""
    net = network_from_yaml("""
        regions:
          eu-west-2:
            vpcs:
              shop:
                cidr_blocks: [10.0.0.0/16]
                internet_gateway: igw
                route_tables:
                  public: {routes: [{destination: 0.0.0.0/0, target: igw}]}
                subnets:
                  public: {cidr_block: 10.0.1.0/24, route_table: public}
                security_groups:
                  s3-only: {egress: [{protocol: tcp, ports: 443, to: com.amazonaws.eu-west-2.s3}]}
                instances:
                  uploader: {subnet: public, public_ip: 18.130.0.10, security_groups: [s3-only]}
    """)
    assert net.trace_flow("uploader", "s3.eu-west-2.amazonaws.com").delivered_to == "com.amazonaws.eu-west-2.s3"
    assert_dropped(net.trace_flow("uploader", "dynamodb.eu-west-2.amazonaws.com"), "ENI_SG_RULES_MISMATCH")
    assert_dropped(net.trace_flow("uploader", "198.51.100.7"), "ENI_SG_RULES_MISMATCH")


# --- R109: what an SG reference matches --------------------------------------------------------

REFERENCE_VPC = """
    regions:
      eu-west-2:
        vpcs:
          shop:
            cidr_blocks: [10.0.0.0/16]
            internet_gateway: igw
            route_tables:
              public: {routes: [{destination: 0.0.0.0/0, target: igw}]}
            subnets:
              web: {cidr_block: 10.0.1.0/24, route_table: public}
              app: {cidr_block: 10.0.2.0/24, route_table: public}
            security_groups:
              web: {ingress: [{protocol: tcp, ports: 22, from: 0.0.0.0/0}]}
              app: {ingress: [{protocol: tcp, ports: 443, from: web}]}
            instances:
              web-1: {subnet: web, private_ip: 10.0.1.10, secondary_private_ips: [10.0.1.11],
                      public_ip: 18.130.1.10, security_groups: [web]}
              web-2: {subnet: web, private_ip: 10.0.1.20, public_ip: 18.130.1.20}
              app-1: {subnet: app, private_ip: 10.0.2.10, public_ip: 18.130.2.10, security_groups: [app]}
"""


def test_r109_a_reference_admits_the_private_addresses_of_the_groups_members():
    """R109: `from: web` admits web-1 (a member), primary and secondary address, not web-2."""
    net = network_from_yaml(REFERENCE_VPC)
    ok = net.trace_flow("web-1", "10.0.2.10")
    assert_delivered_to(net, ok, "app-1")
    assert ok.hops[-2].detail.endswith(f"from {group_id(net, 'web')}")
    secondary = net.trace_flow("web-1", "10.0.2.10", src="10.0.1.11")
    assert_delivered_to(net, secondary, "app-1")
    assert_dropped(net.trace_flow("web-2", "10.0.2.10"), "ENI_SG_RULES_MISMATCH")


def test_r109_a_reference_never_matches_a_public_ip_through_the_internet_gateway():
    """R109: web-1 is a member of `web`, but when it reaches app-1's public IP the packet goes out
    and back in through the IGW with web-1's public IP as its source, which no reference matches."""
    net = network_from_yaml(REFERENCE_VPC)
    trace = net.trace_flow("web-1", "18.130.2.10")
    assert_dropped(trace, "ENI_SG_RULES_MISMATCH")
    assert int_to_ip(trace.packet_out.src) == "18.130.1.10"
    assert int_to_ip(trace.packet_out.dst) == "10.0.2.10"


def test_r109_a_rule_for_the_public_ip_itself_does_admit_the_hairpin():
    """R109, the control: the same hairpin passes once app allows web-1's public IP explicitly."""
    net = network_from_yaml(REFERENCE_VPC.replace(
        "app: {ingress: [{protocol: tcp, ports: 443, from: web}]}",
        "app: {ingress: [{protocol: tcp, ports: 443, from: web}, {protocol: tcp, ports: 443, from: 18.130.1.10/32}]}"))
    assert_delivered_to(net, net.trace_flow("web-1", "18.130.2.10"), "app-1")


def test_r109_the_referenced_groups_own_rules_are_not_pulled_in():
    """R109: web admits SSH from anywhere; app's reference to web admits only what app says (443)."""
    net = network_from_yaml(REFERENCE_VPC)
    assert_delivered_to(net, net.trace_flow("web-2", "10.0.1.10", dport=22), "web-1")  # web's own rule
    assert_dropped(net.trace_flow("web-1", "10.0.2.10", dport=22), "ENI_SG_RULES_MISMATCH")


# --- R110: references stop matching after an appliance -----------------------------------------

APPLIANCE_VPC = """
    regions:
      eu-west-2:
        vpcs:
          shop:
            cidr_blocks: [10.0.0.0/16]
            route_tables:
              web: {routes: [{destination: 10.0.2.0/24, target: inspector}]}
            subnets:
              web: {cidr_block: 10.0.1.0/24, route_table: web}
              app: {cidr_block: 10.0.2.0/24}
              inspection: {cidr_block: 10.0.3.0/24}
            security_groups:
              web: {}
              app: {ingress: [APP_RULE]}
              inspector: {ingress: [{protocol: all, from: 10.0.0.0/16}]}
            instances:
              web-1: {subnet: web, private_ip: 10.0.1.10, security_groups: [web]}
              app-1: {subnet: app, private_ip: 10.0.2.10, security_groups: [app]}
              inspector: {subnet: inspection, private_ip: 10.0.3.10, security_groups: [inspector],
                          source_dest_check: false}
"""


def test_r110_an_sg_reference_does_not_match_after_an_appliance():
    """R110: web -> app is routed through an inspection appliance. app's rule `from: web` no longer
    matches web-1, although web-1 is a member and its address is unchanged."""
    net = network_from_yaml(APPLIANCE_VPC.replace("APP_RULE", "{protocol: tcp, ports: 443, from: web}"))
    trace = net.trace_flow("web-1", "10.0.2.10")
    assert_dropped(trace, "ENI_SG_RULES_MISMATCH")
    assert instance_id(net, "inspector") in trace.path
    assert int_to_ip(trace.packet_out.src) == "10.0.1.10"


def test_r110_the_same_reference_matches_when_no_appliance_is_in_the_way():
    """R110, the control: without the route to the appliance, the reference matches (R109)."""
    net = network_from_yaml(APPLIANCE_VPC.replace("APP_RULE", "{protocol: tcp, ports: 443, from: web}")
                            .replace("web: {routes: [{destination: 10.0.2.0/24, target: inspector}]}", "web: {}"))
    trace = net.trace_flow("web-1", "10.0.2.10")
    assert_delivered_to(net, trace, "app-1")
    assert instance_id(net, "inspector") not in trace.path


def test_r110_through_an_appliance_the_destination_must_allow_the_source_cidr():
    """R110: the fix AWS documents: allow the source subnet's CIDR instead of its group."""
    net = network_from_yaml(APPLIANCE_VPC.replace("APP_RULE", "{protocol: tcp, ports: 443, from: 10.0.1.0/24}"))
    trace = net.trace_flow("web-1", "10.0.2.10")
    assert_delivered_to(net, trace, "app-1")
    assert trace.path == [instance_id(net, "web-1"), instance_id(net, "inspector"), instance_id(net, "app-1")]
