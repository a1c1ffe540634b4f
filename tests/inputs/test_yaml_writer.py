"""The YAML writer (emulator/inputs/yaml_writer.py) and `vpcemu import`.

The main property: an AWS JSON directory and the YAML written from it are the same network. Both
are traced with the same flows (every instance to every address the topology knows, plus the
internet, in several protocols) and must agree on verdict, drop code, delivery, the AWS
components crossed and the packet as it arrives.
"""
from __future__ import annotations

import copy
import json
import os

import pytest
import yaml
from scapy.layers.inet import IP, TCP

import emulator
from emulator import model as m
from emulator.cli import main as vpcemu
from emulator.dataplane.state import Session
from emulator.inputs.aws_json import load_aws_directory
from emulator.inputs.errors import InputError
from emulator.inputs.validate import validate
from emulator.inputs.yaml_writer import write_yaml
from tests.conftest import TOPOLOGIES, corpus_snapshot
from tests.inputs.test_aws_json import ACCOUNT, REGION, _eni, _route, describe_outputs, route_table, write_outputs

OUTSIDE = ["8.8.8.8", "52.216.237.77", "52.95.148.10", "54.222.57.1", "192.0.2.200"]
PROBES = [("tcp", 22), ("tcp", 443), ("tcp", 8080), ("udp", 53), ("icmp", 0), (50, 0)]


def outcome(trace) -> tuple:
    reply = trace.reply
    return (trace.verdict, trace.code, trace.delivered_to, trace.path, trace.packet_out,
            None if reply is None else (reply.verdict, reply.code, reply.path))


def flows(topology: m.Topology):
    """(source, destination, protocol, port): each running instance to every address in the topology."""
    addresses = sorted({a for e in topology.all(m.NetworkInterface) for a in e.private_ip_addresses}
                       | {e.association_public_ip for e in topology.all(m.NetworkInterface) if e.association_public_ip}
                       | {f"{s.cidr_block.rsplit('.', 1)[0]}.77" for s in topology.all(m.Subnet)})
    for instance in sorted(topology.all(m.Instance), key=lambda i: i.id):
        for destination in addresses + OUTSIDE:
            for proto, port in PROBES:
                yield instance.instance_id, destination, proto, port


def assert_same_network(original: emulator.Network, written: emulator.Network) -> int:
    compared = 0
    for source, destination, proto, port in flows(original.topology):
        expected = outcome(original.trace_flow(source, destination, proto, dport=port, with_return=True))
        got = outcome(written.trace_flow(source, destination, proto, dport=port, with_return=True))
        assert got == expected, (source, destination, proto, port)
        compared += 1
    for address in sorted(e.association_public_ip for e in original.topology.all(m.NetworkInterface)
                          if e.association_public_ip):
        probe = IP(src="198.51.100.9", dst=address) / TCP(sport=40000, dport=22, flags="S")
        assert outcome(written.trace(probe, at="internet")) == outcome(original.trace(probe, at="internet"))
        compared += 1
    return compared


def round_trip(directory, tmp_path) -> tuple[emulator.Network, emulator.Network, str]:
    original = emulator.load(directory)
    path = tmp_path / "written.yaml"
    write_yaml(copy.deepcopy(original.topology), path)
    return original, emulator.load(path), path.read_text()


@pytest.mark.parametrize("name", ["test-nat-gateway", "test-vpc-peering", "test-vpc-endpoint-gateway",
                                  "test-vpc-endpoint-interface", "test-vpc-peering-multi-account",
                                  "test-transit-gateway-peering"])
def test_a_corpus_snapshot_and_its_yaml_trace_identically(tmp_path, name):
    original, written, _ = round_trip(corpus_snapshot(name), tmp_path)
    assert assert_same_network(original, written) > 100


@pytest.mark.parametrize("name", ["test-nat-gateway", "test-vpc-endpoint-interface", "test-transit-gateway-peering"])
def test_every_aws_id_survives_the_round_trip(tmp_path, name):
    """`id:` fields keep AWS's ids, so traces of the written file name the same components. Only
    Elastic IP allocation ids are regenerated (and said to be); the reader adds a default network
    ACL where the data had none (R112), which forwards nothing differently."""
    original, written, _ = round_trip(corpus_snapshot(name), tmp_path)
    before = {r.id: type(r) for r in original.topology.resources.values() if not isinstance(r, m.ElasticIp)}
    after = {r.id: type(r) for r in written.topology.resources.values()}
    assert {i: after.get(i) for i in before} == before
    added = {after[i] for i in set(after) - set(before)}
    assert added <= {m.ElasticIp, m.NetworkAcl}


def test_the_written_file_keeps_names_and_validates_against_the_schema(tmp_path):
    import jsonschema

    _, written, text = round_trip(corpus_snapshot("test-nat-gateway"), tmp_path)
    schema = json.loads((TOPOLOGIES / "topology.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(text))
    assert written.topology.get("i-0b31b509174d7f5de").name == "Jump Host"
    assert written.topology.get("subnet-0428892a357fa1f94").name == "Public Subnet"
    # two route tables share the Name tag vpc_a_public: both are keyed by id instead
    assert {t.name for t in written.topology.all(m.RouteTable)} == {
        "rtb-0ddf14681733ed0b7", "rtb-02fe228b42de92a7c", "rtb-0e169c4a1e0b27b55"}


def test_what_the_import_warned_about_heads_the_file(tmp_path):
    original = emulator.load(corpus_snapshot("test-transit-gateway-multi-account"))  # routes to uncollected IGWs
    path = tmp_path / "tgw.yaml"
    write_yaml(original.topology, path)
    header = [line for line in path.read_text().splitlines() if line.startswith("# warning: ")]
    assert len(header) == len(original.topology.warnings) and any("igw-06754039f5006fdfe" in h for h in header)


# --- what the corpus does not exercise --------------------------------------------------------------


def _rich_outputs() -> dict:
    """Two peered VPCs with what the corpus lacks: a customer prefix list, an AWS-managed list that
    differs from vpcemu's snapshot, a security group rule naming the peer VPC's group, an interface
    endpoint, an appliance with two interfaces, an edge route table and a blackhole route."""
    a = describe_outputs(prefix="0a", cidr="10.0")
    b = describe_outputs(prefix="0b", cidr="10.1", host=20)
    b["Vpcs"][0]["Tags"] = [{"Key": "Name", "Value": "main-0b"}]
    outputs = {key: a.get(key, []) + b.get(key, []) for key in set(a) | set(b)}
    outputs["VpcPeeringConnections"] = [{"VpcPeeringConnectionId": "pcx-0ab", "Status": {"Code": "active"},
                                         "RequesterVpcInfo": {"VpcId": "vpc-0a", "OwnerId": ACCOUNT, "Region": REGION},
                                         "AccepterVpcInfo": {"VpcId": "vpc-0b", "OwnerId": ACCOUNT, "Region": REGION}}]
    route_table(outputs, "rtb-app0a")["Routes"] += [_route("10.1.0.0/16", VpcPeeringConnectionId="pcx-0ab"),
                                                    _route("pl-0c0ffee", GatewayId="igw-0a"),
                                                    _route("10.66.0.0/16", state="blackhole", NatGatewayId="nat-gone")]
    route_table(outputs, "rtb-pub0a")["Routes"].append(_route("10.1.0.0/16", VpcPeeringConnectionId="pcx-0ab"))
    route_table(outputs, "rtb-app0b")["Routes"].append(_route("10.0.0.0/16", VpcPeeringConnectionId="pcx-0ab"))
    app_b = next(g for g in outputs["SecurityGroups"] if g["GroupId"] == "sg-app0b")
    app_b["IpPermissions"].append(  # app in B admits web in A by group id (R83)
        {"IpProtocol": "tcp", "FromPort": 9000, "ToPort": 9000, "IpRanges": [], "PrefixListIds": [],
         "UserIdGroupPairs": [{"GroupId": "sg-web0a", "UserId": ACCOUNT, "VpcPeeringConnectionId": "pcx-0ab"}]})
    outputs["ManagedPrefixLists"] = [{"PrefixListId": "pl-0c0ffee", "PrefixListName": "partners", "MaxEntries": 4,
                                      "OwnerId": ACCOUNT, "AddressFamily": "IPv4",
                                      "Entries": [{"Cidr": "192.0.2.0/25"}]}]
    outputs["PrefixLists"] = [{"PrefixListId": "pl-7ca54015", "PrefixListName": f"com.amazonaws.{REGION}.s3",
                               "Cidrs": ["52.95.148.0/23", "3.5.246.0/23"]}]
    endpoint_eni = _eni("eni-vpce0a", "subnet-app0a", "vpc-0a", "10.0.2.100", ["sg-web0a"], zone=f"{REGION}b")
    endpoint_eni.update(InterfaceType="vpc_endpoint", RequesterManaged=True)
    appliance_leg = _eni("eni-leg0a", "subnet-pub0a", "vpc-0a", "10.0.1.20", ["sg-app0a"], "i-web0a", index=1)
    outputs["NetworkInterfaces"] += [endpoint_eni, appliance_leg]
    outputs["Reservations"][0]["Instances"][0]["NetworkInterfaces"].append(copy.deepcopy(appliance_leg))
    outputs["VpcEndpoints"] = [
        {"VpcEndpointId": "vpce-if0a", "VpcEndpointType": "Interface", "VpcId": "vpc-0a", "State": "available",
         "ServiceName": f"com.amazonaws.{REGION}.dynamodb", "SubnetIds": ["subnet-app0a"],
         "NetworkInterfaceIds": ["eni-vpce0a"], "Groups": [{"GroupId": "sg-web0a"}], "PrivateDnsEnabled": True},
        {"VpcEndpointId": "vpce-gw0b", "VpcEndpointType": "Gateway", "VpcId": "vpc-0b", "State": "available",
         "ServiceName": f"com.amazonaws.{REGION}.s3", "RouteTableIds": ["rtb-app0b"]}]
    route_table(outputs, "rtb-app0b")["Routes"].append(_route("pl-7ca54015", GatewayId="vpce-gw0b"))
    outputs["RouteTables"].append({"RouteTableId": "rtb-edge0a", "VpcId": "vpc-0a", "OwnerId": ACCOUNT,
                                   "Associations": [{"Main": False, "GatewayId": "igw-0a"}],
                                   "Routes": [_route("10.0.0.0/16", origin="CreateRouteTable", GatewayId="local")]})
    return outputs


@pytest.fixture
def rich(tmp_path):
    write_outputs(tmp_path / "json" / "aws_configs", _rich_outputs())
    return emulator.load(tmp_path / "json")


def test_features_beyond_the_corpus_round_trip(rich, tmp_path):
    path = tmp_path / "rich.yaml"
    warnings = write_yaml(copy.deepcopy(rich.topology), path)
    written = emulator.load(path)
    assert assert_same_network(rich, written) > 100
    t = written.topology
    assert t.get("pl-0c0ffee", m.PrefixList).cidrs == ["192.0.2.0/25"]
    assert t.get("pl-7ca54015", m.PrefixList).cidrs == ["52.95.148.0/23", "3.5.246.0/23"]  # the data's, R30
    assert t.get("vpce-if0a", m.InterfaceEndpoint).network_interface_ids == ["eni-vpce0a"]
    assert t.get("i-web0a", m.Instance).network_interface_ids == ["eni-web0a", "eni-leg0a"]
    assert t.get("nat-0a", m.NatGateway).network_interface_id == "eni-nat0a"
    assert t.edge_route_table("igw-0a").route_table_id == "rtb-edge0a"
    assert any(r.referenced_group_id == "sg-web0a" for r in t.get("sg-app0b", m.SecurityGroup).ingress)
    assert warnings == [w for w in warnings if "descriptive data" in w]  # nothing that forwards was lost


def test_the_peer_group_reference_still_decides_after_the_round_trip(rich, tmp_path):
    """R83/R109: B's app group admits tcp 9000 from web's members in A, by group id."""
    path = tmp_path / "rich.yaml"
    write_yaml(copy.deepcopy(rich.topology), path)
    for net in (rich, emulator.load(path)):
        assert net.trace_flow("i-web0a", "10.1.2.10", "tcp", dport=9000).delivered_to == "i-app0b"
        assert net.trace_flow("i-app0a", "10.1.2.10", "tcp", dport=9000).code == "ENI_SG_RULES_MISMATCH"


@pytest.mark.parametrize("change, words", [
    (lambda t: t.add(m.ElasticIp("eipalloc-2", "203.0.113.99", REGION, ACCOUNT, "eni-app0a", "10.0.2.10")),
     "203.0.113.99"),
    (lambda t: t.get("eni-app0a").private_ip_addresses.append("10.0.2.11") or t.add(
        m.ElasticIp("eipalloc-3", "203.0.113.98", REGION, ACCOUNT, "eni-app0a", "10.0.2.11")),
     "10.0.2.11"),
    (lambda t: t.add(m.InternetGateway("igw-spare", None, REGION, ACCOUNT)), "igw-spare is attached to no VPC"),
    (lambda t: t.get("rtb-app0a").gateway_ids.append("vgw-1"), "edge association with vgw-1"),
])
def test_what_the_format_cannot_carry_is_warned_about(rich, tmp_path, change, words):
    topology = copy.deepcopy(rich.topology)
    change(topology)
    warnings = write_yaml(topology, tmp_path / "out.yaml")
    assert any(words in w for w in warnings), warnings
    assert any(words in w for w in topology.warnings)


# --- atomic writing -------------------------------------------------------------------------------


def test_a_file_that_would_not_load_back_is_not_written(tmp_path):
    """A public NAT gateway without a public IP loads from JSON (with a warning) but the YAML
    format refuses it (R122): the import fails in one line, the old file stays, no temp file is left."""
    outputs = describe_outputs()
    del outputs["NatGateways"][0]["NatGatewayAddresses"][0]["PublicIp"]
    outputs["NetworkInterfaces"][2].pop("Association")
    topology = load_aws_directory(write_outputs(tmp_path / "json", outputs))
    validate(topology)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "topology.yaml"
    target.write_text("previous content\n")
    with pytest.raises(InputError, match="does not load back") as caught:
        write_yaml(topology, target)
    assert caught.value.file == str(target) and "\n" not in caught.value.line()
    assert "R122" in caught.value.message
    assert target.read_text() == "previous content\n"
    assert os.listdir(out) == ["topology.yaml"]


def test_an_unwritable_place_is_a_one_line_error(tmp_path, rich):
    with pytest.raises(InputError, match="cannot write") as caught:
        write_yaml(rich.topology, tmp_path / "no-such-dir" / "out.yaml")
    assert "\n" not in caught.value.line()


def test_writing_replaces_an_existing_file(tmp_path, rich):
    target = tmp_path / "out.yaml"
    target.write_text("old")
    write_yaml(copy.deepcopy(rich.topology), target)
    assert emulator.load(target).topology.get("vpc-0b") is not None
    assert sorted(os.listdir(tmp_path)) == ["json", "out.yaml"]


def test_a_topology_without_vpcs_cannot_be_written(tmp_path):
    with pytest.raises(InputError, match="no VPC"):
        write_yaml(m.Topology(source="empty"), tmp_path / "out.yaml")
    assert not (tmp_path / "out.yaml").exists()


# --- vpcemu import ------------------------------------------------------------------------------------


def test_vpcemu_import_writes_a_topology_that_traces_like_the_json(tmp_path, capsys):
    out = tmp_path / "nat.yaml"
    assert vpcemu(["import", str(corpus_snapshot("test-nat-gateway")), "-o", str(out)]) == 0
    assert "descriptive data" in capsys.readouterr().err  # the writer's warnings are printed too
    trace = emulator.load(out).trace_flow("i-0a128d26e59be60f3", "8.8.8.8", "tcp", dport=80, session=Session())
    assert trace.path == ["i-0a128d26e59be60f3", "nat-07ab4846da51f4612", "igw-071753b9c23d8a9b2", "internet"]


def test_vpcemu_import_of_bad_json_fails_in_one_line_and_writes_nothing(tmp_path, capsys):
    folder = write_outputs(tmp_path / "aws_configs", describe_outputs())
    (folder / "Subnets.json").write_text('{"Subnets": [}')
    out = tmp_path / "out.yaml"
    assert vpcemu(["import", str(tmp_path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Subnets.json: malformed JSON" in err
    assert not out.exists()
