"""Network ACLs through real topologies and traces (R112–R114, R116, R117).

The VPC has a `clients` subnet (10.0.1.0/24) and a `servers` subnet (10.0.2.0/24). Security
groups stay wide open unless a test says otherwise, so every drop here is the NACL's.
"""
from __future__ import annotations

import pytest
from scapy.layers.inet import IP, TCP

from emulator.api import Session
from emulator.model import Instance, NetworkAcl, Subnet
from tests.builders import network_from_yaml
from tests.paths import assert_dropped

CLIENT, NEIGHBOUR, SERVER = "10.0.1.10", "10.0.1.20", "10.0.2.10"


def vpc(network_acls: str = "{}", clients_acl: str | None = None, servers_acl: str | None = None,
        server_group: str = "open"):
    """`network_acls` is a flow mapping; each subnet uses the named NACL, or the default one."""
    network_acls = " ".join(network_acls.split())
    clients = f", network_acl: {clients_acl}" if clients_acl else ""
    servers = f", network_acl: {servers_acl}" if servers_acl else ""
    return network_from_yaml(f"""
        regions:
          eu-west-2:
            vpcs:
              shop:
                cidr_blocks: [10.0.0.0/16]
                subnets:
                  clients: {{cidr_block: 10.0.1.0/24{clients}}}
                  servers: {{cidr_block: 10.0.2.0/24{servers}}}
                network_acls: {network_acls}
                security_groups:
                  open: {{ingress: [{{protocol: all, from: 0.0.0.0/0}}]}}
                  https-only: {{ingress: [{{protocol: tcp, ports: 443, from: 10.0.1.0/24}}], egress: []}}
                instances:
                  client:    {{subnet: clients, private_ip: {CLIENT}, security_groups: [open]}}
                  neighbour: {{subnet: clients, private_ip: {NEIGHBOUR}, security_groups: [open]}}
                  server:    {{subnet: servers, private_ip: {SERVER}, security_groups: [{server_group}]}}
    """)


def acl_id(net, name: str) -> str:
    return net.topology.find(name, NetworkAcl).id


def subnet_id(net, name: str) -> str:
    return net.topology.find(name, Subnet).id


def nacl_hops(trace) -> list[tuple[str, str, str]]:
    """(NACL id, allow|deny, detail) of every network-acl decision, in order (not the drop record)."""
    return [(h.id, h.action, h.detail) for h in trace.hops
            if h.type == "network-acl" and h.action in ("allow", "deny")]


def delivered_to(net, trace, instance: str) -> bool:
    return trace.verdict == "delivered" and trace.delivered_to == net.topology.find(instance, Instance).id


# --- R112: the default NACL, and a new custom one ----------------------------------------------


def test_r112_the_default_nacl_allows_everything_in_and_out():
    net = vpc()
    default = next(a for a in net.topology.all(NetworkAcl) if a.is_default)
    for proto, port in (("tcp", 443), ("tcp", 22), ("udp", 161), ("icmp", 0), (47, 0)):
        trace = net.trace_flow("client", SERVER, proto=proto, dport=port)
        assert delivered_to(net, trace, "server"), trace.render()
        hops = nacl_hops(trace)
        assert [(i, a) for i, a, _ in hops] == [(default.network_acl_id, "allow")] * 2
        assert subnet_id(net, "clients") in hops[0][2] and subnet_id(net, "servers") in hops[1][2]


def test_r112_a_new_custom_nacl_denies_everything_until_rules_are_added():
    """R112: `fresh` has no rules; the subnet that uses it can neither send nor receive."""
    net = vpc("{fresh: {}}", servers_acl="fresh")
    inbound = net.trace_flow("client", SERVER)
    assert_dropped(inbound, "SUBNET_ACL_RESTRICTION")
    assert nacl_hops(inbound)[-1][:2] == (acl_id(net, "fresh"), "deny")
    assert "inbound rule *" in nacl_hops(inbound)[-1][2]

    outbound = net.trace_flow("server", CLIENT)
    assert_dropped(outbound, "SUBNET_ACL_RESTRICTION")
    assert nacl_hops(outbound) == [(acl_id(net, "fresh"), "deny", f"outbound rule * deny ({subnet_id(net, 'servers')})")]


# --- R113: numbered rules, first match wins, the final * deny ----------------------------------


def test_r113_a_lower_numbered_deny_beats_a_higher_allow_whatever_order_they_are_written_in():
    """R113: rule 200 (allow all) is written first, rule 100 (deny SSH from clients) second.
    Rules are checked by number, so SSH is denied by 100 while HTTPS falls through to 200."""
    net = vpc("""{guarded: {
        inbound: [{rule: 200, protocol: all, cidr: 0.0.0.0/0, action: allow},
                  {rule: 100, protocol: tcp, ports: 22, cidr: 10.0.1.0/24, action: deny}],
        outbound: [{rule: 100, protocol: all, cidr: 0.0.0.0/0, action: allow}]}}""", servers_acl="guarded")
    ssh = net.trace_flow("client", SERVER, dport=22)
    assert_dropped(ssh, "SUBNET_ACL_RESTRICTION")
    assert "inbound rule 100 deny" in nacl_hops(ssh)[-1][2]

    https = net.trace_flow("client", SERVER, dport=443)
    assert delivered_to(net, https, "server")
    assert "inbound rule 200 allow" in nacl_hops(https)[-1][2]


def test_r113_a_higher_numbered_deny_never_overrides_an_earlier_allow():
    net = vpc("""{guarded: {
        inbound: [{rule: 100, protocol: tcp, ports: 443, cidr: 10.0.1.0/24, action: allow},
                  {rule: 110, protocol: tcp, ports: 443, cidr: 10.0.1.10/32, action: deny},
                  {rule: 120, protocol: all, cidr: 0.0.0.0/0, action: deny}],
        outbound: [{rule: 100, protocol: all, cidr: 0.0.0.0/0, action: allow}]}}""", servers_acl="guarded")
    assert delivered_to(net, net.trace_flow("client", SERVER, dport=443), "server")
    udp = net.trace_flow("client", SERVER, proto="udp", dport=443)
    assert_dropped(udp, "SUBNET_ACL_RESTRICTION")
    assert "inbound rule 120 deny" in nacl_hops(udp)[-1][2]


def test_r113_what_no_rule_matches_meets_the_final_star_deny():
    """R113: only HTTPS from the clients subnet is allowed; other ports, protocols and sources fall
    off the end of the list onto the fixed `*` deny."""
    net = vpc("""{guarded: {
        inbound: [{rule: 100, protocol: tcp, ports: 443, cidr: 10.0.1.0/24, action: allow}],
        outbound: [{rule: 100, protocol: all, cidr: 0.0.0.0/0, action: allow}]}}""", servers_acl="guarded")
    assert delivered_to(net, net.trace_flow("client", SERVER, dport=443), "server")
    for proto, port in (("tcp", 444), ("udp", 443), ("icmp", 0)):
        trace = net.trace_flow("client", SERVER, proto=proto, dport=port)
        assert_dropped(trace, "SUBNET_ACL_RESTRICTION")
        assert "inbound rule * deny" in nacl_hops(trace)[-1][2]


def test_r113_rule_numbers_outside_1_to_32766_are_rejected_at_load():
    from emulator.inputs.errors import InputError

    for number in (0, 32767):
        with pytest.raises(InputError, match="R113"):
            vpc(f"{{bad: {{inbound: [{{rule: {number}, protocol: all, action: allow}}]}}}}", servers_acl="bad")


# --- R114: stateless ---------------------------------------------------------------------------

STATELESS_ACL = """{web-tier: {
    inbound:  [{rule: 100, protocol: tcp, ports: 443, cidr: 10.0.1.0/24, action: allow}],
    outbound: [{rule: 100, protocol: tcp, ports: 443, cidr: 10.0.1.0/24, action: allow},
               {rule: 200, protocol: tcp, ports: EPHEMERAL, cidr: 10.0.1.0/24, action: allow}]}}"""


def test_r114_a_reply_needs_its_own_nacl_allow_even_when_the_security_group_passes_it():
    """R114: the server's group admits HTTPS and has no egress rule; its reply passes the group as
    a tracked connection (R105), then meets the servers NACL, whose outbound rules allow only 443.
    The reply goes to the client's ephemeral port 49152, so the NACL drops it."""
    net = vpc(STATELESS_ACL.replace("EPHEMERAL", "443"), servers_acl="web-tier", server_group="https-only")
    session = Session()
    assert delivered_to(net, net.trace_flow("client", SERVER, sport=49152, dport=443, session=session), "server")

    reply = net.trace(IP(src=SERVER, dst=CLIENT) / TCP(sport=443, dport=49152, flags="SA"), "server",
                      session=session)
    assert_dropped(reply, "SUBNET_ACL_RESTRICTION")
    kinds = [(h.type, h.action) for h in reply.hops]
    assert kinds[:3] == [("instance", "send"), ("security-group", "allow"), ("network-acl", "deny")]
    assert "tracked connection" in reply.hops[1].detail
    assert reply.hops[2].id == acl_id(net, "web-tier") and "outbound rule * deny" in reply.hops[2].detail


@pytest.mark.parametrize("ephemeral,client_port,passes", [
    ("32768-61000", 49152, True),   # Linux client
    ("32768-61000", 1025, False),   # Windows Server 2003 client: outside Linux's range
    ("1024-65535", 1025, True),     # the range that covers every client (ELB, NAT, Lambda...)
])
def test_r114_the_outbound_rule_must_cover_the_clients_ephemeral_port(ephemeral, client_port, passes):
    net = vpc(STATELESS_ACL.replace("EPHEMERAL", ephemeral), servers_acl="web-tier", server_group="https-only")
    session = Session()
    assert net.trace_flow("client", SERVER, sport=client_port, dport=443, session=session).verdict == "delivered"
    reply = net.trace(IP(src=SERVER, dst=CLIENT) / TCP(sport=443, dport=client_port), "server", session=session)
    assert (reply.verdict == "delivered") is passes, reply.render()
    if passes:
        assert "outbound rule 200 allow" in nacl_hops(reply)[0][2]


def test_r114_the_clients_nacl_must_let_the_reply_in_as_well():
    """R114 on the other side: the clients subnet's NACL lets HTTPS out but nothing in, so the
    server's reply, allowed everywhere else, dies entering the clients subnet."""
    net = vpc("""{egress-only: {
        inbound: [{rule: 100, protocol: tcp, ports: 22, cidr: 0.0.0.0/0, action: allow}],
        outbound: [{rule: 100, protocol: tcp, ports: 443, cidr: 0.0.0.0/0, action: allow}]}}""",
              clients_acl="egress-only")
    session = Session()
    assert net.trace_flow("client", SERVER, dport=443, session=session).verdict == "delivered"
    reply = net.trace_flow("server", CLIENT, sport=443, dport=49152, session=session)
    assert_dropped(reply, "SUBNET_ACL_RESTRICTION")
    assert nacl_hops(reply)[-1][:2] == (acl_id(net, "egress-only"), "deny")
    assert "inbound rule * deny" in nacl_hops(reply)[-1][2]


# --- R116: only at subnet edges ----------------------------------------------------------------


def test_r116_a_nacl_never_filters_traffic_inside_its_subnet():
    """R116: the clients subnet denies everything, yet two instances inside it still talk."""
    net = vpc("{closed: {}}", clients_acl="closed")
    trace = net.trace_flow("client", NEIGHBOUR, dport=22)
    assert delivered_to(net, trace, "neighbour")
    assert nacl_hops(trace) == []
    assert_dropped(net.trace_flow("client", SERVER, dport=22), "SUBNET_ACL_RESTRICTION")


def test_r116_a_shared_nacl_is_checked_leaving_one_subnet_and_again_entering_the_other():
    """R116: both subnets use `shared`. A packet between them meets its outbound rules and then its
    inbound rules: two decisions by the same NACL."""
    net = vpc("""{shared: {
        inbound:  [{rule: 100, protocol: all, cidr: 10.0.0.0/16, action: allow}],
        outbound: [{rule: 100, protocol: all, cidr: 10.0.0.0/16, action: allow}]}}""",
              clients_acl="shared", servers_acl="shared")
    trace = net.trace_flow("client", SERVER)
    assert delivered_to(net, trace, "server")
    shared = acl_id(net, "shared")
    assert [(i, a) for i, a, _ in nacl_hops(trace)] == [(shared, "allow"), (shared, "allow")]
    assert nacl_hops(trace)[0][2].startswith("outbound") and subnet_id(net, "clients") in nacl_hops(trace)[0][2]
    assert nacl_hops(trace)[1][2].startswith("inbound") and subnet_id(net, "servers") in nacl_hops(trace)[1][2]


@pytest.mark.parametrize("direction,missing", [("outbound", "leaving clients"), ("inbound", "entering servers")])
def test_r116_a_shared_nacl_must_allow_both_directions(direction, missing):
    """R116: with one shared NACL, an allow in only one of its lists is not enough."""
    rules = "[{rule: 100, protocol: all, cidr: 10.0.0.0/16, action: allow}]"
    other = "outbound" if direction == "inbound" else "inbound"
    net = vpc(f"{{shared: {{{other}: {rules}}}}}", clients_acl="shared", servers_acl="shared")
    trace = net.trace_flow("client", SERVER)
    assert_dropped(trace, "SUBNET_ACL_RESTRICTION")
    assert nacl_hops(trace)[-1][2].startswith(f"{direction} rule * deny"), missing


# --- R117: order of checks ---------------------------------------------------------------------


def test_r117_checks_run_sg_out_nacl_out_route_nacl_in_sg_in():
    net = vpc()
    trace = net.trace_flow("client", SERVER)
    assert delivered_to(net, trace, "server")
    steps = [(h.type, h.action) for h in trace.hops]
    assert steps == [("instance", "send"), ("security-group", "allow"), ("network-acl", "allow"),
                     ("route-table", "route"), ("network-acl", "allow"), ("security-group", "allow"),
                     ("instance", "deliver")]
    assert trace.hops[1].detail.startswith("outbound") and trace.hops[5].detail.startswith("inbound")
    assert subnet_id(net, "clients") in trace.hops[2].detail and subnet_id(net, "servers") in trace.hops[4].detail


def test_r117_a_security_group_egress_drop_comes_before_any_nacl():
    """R117: the SG egress is checked first, so a packet it drops never reaches the NACL."""
    net = vpc("{closed: {}}", clients_acl="closed")
    sender = net.topology.find("client-eth0")
    sender.groups = [net.topology.find("https-only").id]  # no egress rule at all
    net.recompile()
    trace = net.trace_flow("client", SERVER)
    assert_dropped(trace, "ENI_SG_RULES_MISMATCH")
    assert nacl_hops(trace) == [] and not any(h.type == "route-table" for h in trace.hops)


def test_r117_nacl_outbound_comes_before_the_route_lookup():
    net = vpc("{closed: {}}", clients_acl="closed")
    trace = net.trace_flow("client", SERVER)
    assert [h.type for h in trace.hops] == ["instance", "security-group", "network-acl", "network-acl"]
    assert not any(h.type == "route-table" for h in trace.hops)


def test_r117_nacl_inbound_comes_before_the_destination_security_group():
    """R117: the servers NACL denies the packet; the server's group never gets to decide."""
    net = vpc("{closed: {}}", servers_acl="closed", server_group="https-only")
    trace = net.trace_flow("client", SERVER, dport=443)
    assert_dropped(trace, "SUBNET_ACL_RESTRICTION")
    types = [h.type for h in trace.hops]
    assert types.index("route-table") < types.index("network-acl", 3)
    assert types.count("security-group") == 1  # the client's egress only


def test_r117_the_reply_runs_the_chain_in_reverse_with_nacls_from_scratch():
    """R117: the reply's SG checks pass as tracked (R105); both NACLs are evaluated again."""
    net = vpc(server_group="https-only")
    session = Session()
    net.trace_flow("client", SERVER, dport=443, session=session)
    reply = net.trace_flow("server", CLIENT, sport=443, dport=49152, session=session)
    assert delivered_to(net, reply, "client")
    steps = [(h.type, h.action) for h in reply.hops]
    assert steps == [("instance", "send"), ("security-group", "allow"), ("network-acl", "allow"),
                     ("route-table", "route"), ("network-acl", "allow"), ("security-group", "allow"),
                     ("instance", "deliver")]
    assert subnet_id(net, "servers") in reply.hops[2].detail and subnet_id(net, "clients") in reply.hops[4].detail
    assert "tracked" in reply.hops[1].detail
