"""VPC Flow Logs (emulator/record/flowlogs.py): a record per ENI crossed, ACCEPT/REJECT as AWS logs
them, the NAT gateway ENI's records as AWS's own example shows them, traffic-path values, the
default version-2 format and the version-5 fields, and delivery laid out as in Amazon S3.

AWS's examples cited: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html
("Security group and network ACL rules", "Traffic through a NAT gateway", "Service name, traffic
path, and flow direction")."""
from __future__ import annotations

import gzip
import re
import subprocess
import sys

import pytest

import emulator
from emulator import model as m
from emulator.inputs.errors import InputError
from emulator.record.flowlogs import (FORMATS, V2_FIELDS, V5_FIELDS, crossings, flow_log_id, read_flow_logs,
                                      records_for_trace, rows_for_trace, write_flow_logs)
from tests.builders import network_from_yaml
from tests.conftest import ROOT, TOPOLOGIES

SEED = TOPOLOGIES / "seed-endpoints.yaml"
CROSS = TOPOLOGIES / "seed-cross-region.yaml"
S3 = "s3.eu-west-2.amazonaws.com"
T0 = 1_432_917_027


@pytest.fixture(scope="module")
def seed():
    return emulator.load(SEED)


@pytest.fixture(scope="module")
def cross():
    return emulator.load(CROSS)


def records(network, trace, fmt="v5") -> list[dict]:
    names = FORMATS[fmt]
    return [dict(zip(names, r.line(network, fmt).split())) for r in records_for_trace(network, trace, T0)]


def eni(network, ref) -> str:
    """The ENI of an instance (its primary) or of a NAT gateway."""
    resource = network.topology.find(ref, (m.Instance, m.NatGateway))
    return resource.network_interface_ids[0] if isinstance(resource, m.Instance) else resource.network_interface_id


def ping_network(outbound_icmp: bool, inbound_sg: bool):
    """AWS's ping example: a home computer pings an instance whose SG admits ICMP and has no
    outbound rule; the NACL admits ICMP in and (or not) out."""
    outbound = "[{rule: 100, action: allow, protocol: all}]" if outbound_icmp else \
        "[{rule: 100, action: allow, protocol: tcp}]"
    ingress = "[{protocol: icmp, from: 0.0.0.0/0}]" if inbound_sg else "[{protocol: tcp, ports: 22, from: 0.0.0.0/0}]"
    return network_from_yaml(f"""
        name: ping
        account: "123456789010"
        regions:
          eu-west-2:
            vpcs:
              app:
                cidr_blocks: [172.31.0.0/16]
                internet_gateway: igw
                route_tables:
                  public: {{routes: [{{destination: 0.0.0.0/0, target: igw}}]}}
                network_acls:
                  edge:
                    inbound: [{{rule: 100, action: allow, protocol: icmp}}]
                    outbound: {outbound}
                security_groups:
                  host: {{ingress: {ingress}, egress: []}}
                subnets:
                  public: {{cidr_block: 172.31.16.0/20, route_table: public, network_acl: edge}}
                instances:
                  host: {{subnet: public, private_ip: 172.31.16.139, public_ip: 18.130.5.5, security_groups: [host]}}
        """)


def ping(network):
    return network.trace_flow("internet", "18.130.5.5", "icmp", src="203.0.113.12", with_return=True)


# --- ACCEPT and REJECT ----------------------------------------------------------------------------

def test_rejected_by_the_destination_sg_is_reject_there_and_accept_at_the_source(seed):
    """web-a to app-a port 443: app's group admits 8080 from web only (R104)."""
    trace = seed.trace_flow("web-a", "10.0.10.10")
    assert trace.code == "ENI_SG_RULES_MISMATCH"
    got = [(r["interface-id"], r["flow-direction"], r["action"]) for r in records(seed, trace)]
    assert got == [(eni(seed, "web-a"), "egress", "ACCEPT"), (eni(seed, "app-a"), "ingress", "REJECT")]


def test_a_reply_denied_by_the_stateless_nacl_is_reject_as_in_awss_ping_example():
    """SG admits the ping and its reply passes by state (R105); the NACL has no outbound ICMP rule
    (R114): one ACCEPT record for the ping, one REJECT for the reply, both at the instance's ENI."""
    network = ping_network(outbound_icmp=False, inbound_sg=True)
    host = eni(network, "host")
    lines = [r.line(network) for r in records_for_trace(network, ping(network), T0)]
    assert lines == [
        f"2 123456789010 {host} 203.0.113.12 172.31.16.139 0 0 1 1 28 {T0} {T0} ACCEPT OK",
        f"2 123456789010 {host} 172.31.16.139 203.0.113.12 0 0 1 1 28 {T0} {T0} REJECT OK",
    ]


def test_when_the_nacl_allows_the_reply_both_records_are_accept():
    network = ping_network(outbound_icmp=True, inbound_sg=True)
    assert [r["action"] for r in records(network, ping(network))] == ["ACCEPT", "ACCEPT"]


def test_when_the_sg_denies_the_ping_there_is_a_single_reject():
    network = ping_network(outbound_icmp=True, inbound_sg=False)
    trace = ping(network)
    assert trace.reply is None
    assert [(r["flow-direction"], r["action"]) for r in records(network, trace)] == [("ingress", "REJECT")]


def test_a_nacl_inbound_deny_is_reject_at_the_eni_it_was_for():
    network = network_from_yaml("""
        regions:
          eu-west-2:
            vpcs:
              app:
                cidr_blocks: [10.0.0.0/16]
                network_acls:
                  closed: {inbound: [], outbound: [{rule: 100, action: allow, protocol: all}]}
                subnets:
                  a: {cidr_block: 10.0.1.0/24}
                  b: {cidr_block: 10.0.2.0/24, network_acl: closed}
                instances:
                  client: {subnet: a, private_ip: 10.0.1.10}
                  server: {subnet: b, private_ip: 10.0.2.10}
        """)
    trace = network.trace_flow("client", "10.0.2.10")
    assert trace.code == "SUBNET_ACL_RESTRICTION"
    got = [(r["interface-id"], r["action"]) for r in records(network, trace)]
    assert got == [(eni(network, "client"), "ACCEPT"), (eni(network, "server"), "REJECT")]


def test_a_packet_refused_by_the_sources_own_rules_is_one_reject():
    network = network_from_yaml("""
        regions:
          eu-west-2:
            vpcs:
              app:
                cidr_blocks: [10.0.0.0/16]
                security_groups:
                  silent: {egress: []}
                subnets:
                  a: {cidr_block: 10.0.1.0/24}
                instances:
                  client: {subnet: a, private_ip: 10.0.1.10, security_groups: [silent]}
                  server: {subnet: a, private_ip: 10.0.1.20}
        """)
    trace = network.trace_flow("client", "10.0.1.20")
    assert [(r["interface-id"], r["flow-direction"], r["action"]) for r in records(network, trace)] == [
        (eni(network, "client"), "egress", "REJECT")]


def test_a_packet_dropped_after_the_eni_was_still_accepted_by_it(seed):
    trace = seed.trace_flow("app-b", S3)  # no route (R1)
    assert trace.code == "NO_ROUTE_TO_DESTINATION"
    got = records(seed, trace)
    assert [(r["action"], r["traffic-path"]) for r in got] == [("ACCEPT", "-")]


def test_traffic_to_the_amazon_dns_resolver_is_not_logged(seed):
    trace = seed.trace_flow("app-a", "10.0.0.2", "udp", dport=53)  # the VPC's base + 2 (R131)
    assert trace.delivered_to == "AmazonProvidedDNS"
    assert records(seed, trace) == []


# --- the NAT gateway ENI, as in AWS's example ------------------------------------------------------

def test_the_nat_gateway_eni_logs_both_sides_with_its_own_address_and_the_packets(seed):
    trace = seed.trace_flow("batch-1", S3, with_return=True)
    nat = seed.topology.find("nat-b")
    nat_eni = nat.network_interface_id
    rows = [r for r in records(seed, trace) if r["interface-id"] == nat_eni]
    fields = [(r["flow-direction"], r["srcaddr"], r["dstaddr"], r["pkt-srcaddr"], r["pkt-dstaddr"], r["instance-id"])
              for r in rows]
    s3 = trace.packet_in.as_dict()["dst"]
    assert fields == [
        ("ingress", "10.0.12.10", nat.private_ip, "10.0.12.10", s3, "-"),   # instance -> NAT ENI; pkt-dstaddr: S3
        ("egress", nat.private_ip, s3, nat.private_ip, s3, "-"),            # NAT ENI -> S3
        ("ingress", s3, nat.private_ip, s3, nat.private_ip, "-"),           # the reply to the NAT ENI
        ("egress", nat.private_ip, "10.0.12.10", s3, "10.0.12.10", "-"),    # NAT ENI -> instance; pkt-srcaddr: S3
    ]
    translated = [h for h in trace.hops if h.type == "nat-gateway"][0].headers_out.sport
    assert rows[1]["srcport"] == str(translated) and rows[0]["srcport"] == "49152"


def test_the_instance_eni_behind_the_nat_is_not_an_intermediate_one(seed):
    trace = seed.trace_flow("batch-1", S3, with_return=True)
    rows = [r for r in records(seed, trace) if r["interface-id"] == eni(seed, "batch-1")]
    assert [(r["srcaddr"], r["pkt-srcaddr"], r["dstaddr"], r["pkt-dstaddr"]) for r in rows] == [
        ("10.0.12.10", "10.0.12.10", rows[0]["dstaddr"], rows[0]["dstaddr"]),
        (rows[0]["dstaddr"], rows[0]["dstaddr"], "10.0.12.10", "10.0.12.10")]
    assert rows[0]["instance-id"] == seed.topology.find("batch-1").id


def test_an_unsolicited_packet_to_a_nat_gateway_is_accepted_by_its_eni_and_goes_no_further(seed):
    nat = seed.topology.find("nat-b")
    trace = seed.trace_flow("web-b", nat.private_ip, dport=443)  # nothing from inside opened it (R122)
    assert trace.code == "NAT_GATEWAY_NO_SESSION"
    got = [(r["interface-id"], r["flow-direction"], r["action"]) for r in records(seed, trace)]
    assert got == [(eni(seed, "web-b"), "egress", "ACCEPT"), (nat.network_interface_id, "ingress", "ACCEPT")]


# --- version-5 fields ----------------------------------------------------------------------------

@pytest.mark.parametrize("source, destination, path", [
    ("web-b", S3, "8"),        # an internet gateway (Nitro instance)
    ("web-a", S3, "7"),        # a gateway endpoint (Nitro instance)
    ("batch-1", S3, "1"),      # a NAT gateway: a resource with an ENI in the VPC
    ("app-b", "10.0.11.100", "1"),  # an interface endpoint ENI
])
def test_traffic_path_of_the_senders_egress_record(seed, source, destination, path):
    first = records(seed, seed.trace_flow(source, destination))[0]
    assert (first["flow-direction"], first["traffic-path"]) == ("egress", path)


def test_traffic_path_of_a_nat_gateways_egress_to_the_igw_is_2(seed):
    nat_eni = seed.topology.find("nat-b").network_interface_id
    rows = records(seed, seed.trace_flow("batch-1", S3))
    assert [r["traffic-path"] for r in rows if r["interface-id"] == nat_eni] == ["-", "2"]


@pytest.mark.parametrize("client, path", [("client-a", "5"), ("client-b", "1")])
def test_traffic_path_over_inter_region_peering_is_5_and_over_a_transit_gateway_1(cross, client, path):
    first = records(cross, cross.trace_flow(client, "10.2.1.100"))[0]
    assert first["traffic-path"] == path


def test_intra_region_peering_is_traffic_path_4():
    network = network_from_yaml("""
        regions:
          eu-west-2:
            vpcs:
              a:
                cidr_blocks: [10.1.0.0/16]
                route_tables: {rt: {routes: [{destination: 10.2.0.0/16, target: link}]}}
                subnets: {s: {cidr_block: 10.1.1.0/24, route_table: rt}}
                instances: {left: {subnet: s, private_ip: 10.1.1.10}}
              b:
                cidr_blocks: [10.2.0.0/16]
                subnets: {s: {cidr_block: 10.2.1.0/24}}
                instances: {right: {subnet: s, private_ip: 10.2.1.10}}
        peering_connections:
          link: {requester: a, accepter: b}
        """)
    rows = records(network, network.trace_flow("left", "10.2.1.10"))
    assert [(r["flow-direction"], r["traffic-path"]) for r in rows] == [("egress", "4"), ("ingress", "-")]


def test_the_aws_service_names_and_directions_as_in_awss_s3_example(seed):
    rows = records(seed, seed.trace_flow("web-b", S3, with_return=True))
    assert [(r["flow-direction"], r["pkt-src-aws-service"], r["pkt-dst-aws-service"], r["traffic-path"])
            for r in rows] == [("egress", "-", "S3", "8"), ("ingress", "S3", "-", "-")]
    assert {r["version"] for r in rows} == {"5"} and {r["type"] for r in rows} == {"IPv4"}
    assert {r["vpc-id"] for r in rows} == {seed.topology.find("app", m.Vpc).id}
    assert {r["subnet-id"] for r in rows} == {seed.topology.find("public-b", m.Subnet).id}


def test_an_interface_endpoint_eni_is_aws_created_account_unknown_no_instance(seed):
    rows = records(seed, seed.trace_flow("app-b", "10.0.11.100"))
    endpoint = rows[1]
    assert endpoint["interface-id"] in seed.topology.find("dynamodb").network_interface_ids
    assert (endpoint["account-id"], endpoint["instance-id"], endpoint["action"]) == ("unknown", "-", "ACCEPT")
    assert rows[0]["account-id"] == "111122223333"


def test_a_reply_allowed_by_connection_tracking_is_accept(seed):
    trace = seed.trace_flow("app-a", "10.0.0.10", with_return=True)  # web admits 443 from anywhere
    assert trace.reachable
    assert [r["action"] for r in records(seed, trace)] == ["ACCEPT"] * 4


def test_the_formats_have_awss_field_names_in_order(seed):
    assert V2_FIELDS == ("version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
                         "protocol", "packets", "bytes", "start", "end", "action", "log-status")
    for field in ("vpc-id", "subnet-id", "instance-id", "flow-direction", "traffic-path", "pkt-srcaddr",
                  "pkt-dstaddr", "pkt-src-aws-service", "pkt-dst-aws-service"):
        assert field in V5_FIELDS
    trace = seed.trace_flow("web-a", S3)
    for row in rows_for_trace(seed, trace, T0):
        assert len(row.formatted("v2").split()) == 14 and row.formatted("v2").startswith("2 ")
        assert len(row.formatted("v5").split()) == len(V5_FIELDS)
        assert row.formatted("v5").split()[:14][1:] == row.formatted("v2").split()[1:]


# --- delivery ------------------------------------------------------------------------------------

def test_delivered_as_to_s3_one_gzip_file_per_flow_log_with_a_header_line(cross, tmp_path):
    trace = cross.trace_flow("client-a", "10.2.1.100", with_return=True)
    files = write_flow_logs(tmp_path, rows_for_trace(cross, trace, 1_795_000_000), "v2")
    assert len(files) == 2  # one flow log per VPC: client in eu-west-1, data in eu-west-2
    for path in files:
        relative = path.relative_to(tmp_path).as_posix()
        assert re.fullmatch(r"AWSLogs/111122223333/vpcflowlogs/eu-west-[12]/2026/11/18/"
                            r"111122223333_vpcflowlogs_eu-west-[12]_fl-[0-9a-f]{17}_20261118T\d{4}Z_[0-9a-f]{8}"
                            r"\.log\.gz", relative), relative
        lines = gzip.decompress(path.read_bytes()).decode().splitlines()
        assert lines[0] == " ".join(V2_FIELDS)
        assert all(len(line.split()) == 14 for line in lines[1:])
    client = cross.topology.find("client", m.Vpc).id
    assert any(flow_log_id(client) in p.name and "eu-west-1" in p.name for p in files)
    assert len(read_flow_logs(tmp_path)) == 4  # client ENI out and in, endpoint ENI in and out


def test_records_fall_into_five_minute_files(seed, tmp_path):
    trace = seed.trace_flow("web-a", S3)
    rows = rows_for_trace(seed, trace, 1_795_000_000) + rows_for_trace(seed, trace, 1_795_000_000 + 300)
    assert len(write_flow_logs(tmp_path, rows)) == 2


def test_a_flow_log_directory_that_is_a_file_is_an_input_error(seed, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(InputError, match="not a directory"):
        write_flow_logs(target, rows_for_trace(seed, seed.trace_flow("web-a", S3), T0))


def vpcemu(*args):
    return subprocess.run([sys.executable, "-m", "emulator", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_the_trace_cli_writes_flow_logs_in_the_chosen_format(tmp_path):
    result = vpcemu("trace", SEED, "--from", "web-a", "--to", "10.0.10.10", "--flow-logs", tmp_path / "logs",
                    "--flow-log-format", "v5")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    got = read_flow_logs(tmp_path / "logs")
    assert [(r["flow-direction"], r["action"]) for r in got] == [("egress", "ACCEPT"), ("ingress", "REJECT")]
    assert set(got[0]) == set(V5_FIELDS)


def test_the_trace_cli_refuses_a_file_for_a_directory_in_one_line(tmp_path):
    target = tmp_path / "taken"
    target.write_text("")
    pcap = tmp_path / "t.pcapng"
    result = vpcemu("trace", SEED, "--from", "web-a", "--to", S3, "--flow-logs", target, "--pcap", pcap)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "not a directory" in result.stderr
    assert not pcap.exists()  # nothing half-done


def test_crossings_are_in_the_order_the_packet_met_them(seed):
    trace = seed.trace_flow("batch-1", S3)
    got = [(c.port.id, c.direction) for c in crossings(seed, trace)]
    nat_eni = seed.topology.find("nat-b").network_interface_id
    assert got == [(eni(seed, "batch-1"), "egress"), (nat_eni, "ingress"), (nat_eni, "egress")]
