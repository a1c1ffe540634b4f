"""topologies/topology.schema.json against the YAML reader: one format, seen by editors and by vpcemu.

The schema is checked three ways: every topology in topologies/ validates; a document that uses
every field is accepted by both the schema and the loader, and at each place where the loader
rejects unknown keys the schema allows exactly the keys the loader allows; and deliberately
wrong documents are rejected by both.
"""
from __future__ import annotations

import json
import re

import jsonschema
import pytest
import yaml

import emulator
from emulator.inputs.errors import InputError
from tests.conftest import TOPOLOGIES

SCHEMA = json.loads((TOPOLOGIES / "topology.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# Every key the reader accepts, used at least once (test_the_full_document_uses_every_schema_property).
EVERYTHING = """
name: everything
description: every field the reader accepts, once
account: "123456789012"
regions:
  eu-west-2:
    prefix_lists:
      corp:
        id: pl-0a1b2c3d
        entries: [192.168.0.0/16, 172.16.0.0/12]
        max_entries: 5
        account: "123456789012"
      com.amazonaws.eu-west-2.s3: {aws_managed: true, id: pl-7ca54015, entries: [52.95.148.0/23]}
    vpcs:
      app:
        id: vpc-0a1b2c3d4e5f60718
        account: "123456789012"
        cidr_blocks: [10.0.0.0/16]
        enable_dns_support: true
        enable_dns_hostnames: true
        internet_gateway: {name: gw, id: igw-0a1b2c3d4e5f60718}
        route_tables:
          public:
            id: rtb-0a1b2c3d4e5f60718
            main: true
            routes:
              - {destination: 0.0.0.0/0, target: gw}
              - {destination: corp, target: appliance, state: active}
              - {destination: 10.9.0.0/16, target: peer}
              - {destination: 10.8.0.0/16, target: hub}
              - {destination: 10.7.0.0/16, target: vgw-0a1b2c3d4e5f60718, state: blackhole}
              - {destination: 10.6.0.0/16, target: vgw-0a1b2c3d4e5f60718, propagated: true}
          private:
            routes:
              - {destination: 0.0.0.0/0, target: nat}
          edge:
            edge_associations: [gw]
        network_acls:
          strict:
            id: acl-0a1b2c3d4e5f60718
            default: false
            inbound:
              - {rule: 100, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
              - {rule: 110, action: allow, protocol: icmp, icmp_type: 8, icmp_code: 0}
              - {rule: 120, action: DENY, protocol: all}
            outbound:
              - {rule: 100, action: allow, protocol: udp, ports: [1024, 65535]}
        security_groups:
          web-sg:
            id: sg-0a1b2c3d4e5f60718
            description: web servers
            ingress:
              - {protocol: tcp, ports: "80-81", from: 0.0.0.0/0, description: http}
              - {protocol: icmp, icmp_type: 8, icmp_code: 0, from: corp}
              - {protocol: 50, from: web-sg}
            egress:
              - {protocol: all, to: 0.0.0.0/0}
        subnets:
          public: {id: subnet-0a1b2c3d4e5f60718, cidr_block: 10.0.0.0/24, availability_zone: eu-west-2a,
                   route_table: public, network_acl: strict}
          private: {cidr: 10.0.1.0/24, az: eu-west-2b, route_table: private}
          tgw: {cidr_block: 10.0.2.0/28}
        nat_gateways:
          nat: {id: nat-0a1b2c3d4e5f60718, subnet: public, private_ip: 10.0.0.5, public_ip: 18.130.0.5,
                connectivity_type: public, state: available, network_interface_id: eni-0c1b2c3d4e5f60718}
          inner: {subnet: private, connectivity_type: private}
        instances:
          web:
            id: i-0a1b2c3d4e5f60718
            subnet: public
            private_ip: 10.0.0.10
            secondary_private_ips: [10.0.0.11]
            public_ip: 18.130.0.10
            security_groups: [web-sg]
            source_dest_check: true
            state: running
            network_interface_id: eni-0b1b2c3d4e5f60718
            network_interfaces:
              - {id: eni-0a1b2c3d4e5f60718, subnet: private, private_ip: 10.0.1.10, description: second leg}
          appliance: {subnet: public, elastic_ip: 18.130.0.20, source_dest_check: false}
        network_interfaces:
          spare:
            subnet: private
            private_ip: 10.0.1.20
            secondary_private_ips: [10.0.1.21]
            public_ip: 18.130.0.30
            security_groups: [default]
            source_dest_check: true
            description: a detached interface
          eip: {subnet: private, elastic_ip: 18.130.0.31}
        endpoints:
          s3:
            id: vpce-0a1b2c3d4e5f60718
            type: gateway
            service: com.amazonaws.eu-west-2.s3
            route_tables: [private]
            state: available
          dynamodb:
            type: interface
            service: dynamodb
            subnets: [public, private]
            security_groups: [web-sg]
            private_dns: false
            dns_names: [vpce-0a1b2c3d4e5f60718-4e5f6a7b.dynamodb.eu-west-2.vpce.amazonaws.com]
            private_ips: {public: 10.0.0.100}
            network_interface_ids: {public: eni-0d1b2c3d4e5f60718}
      peer:
        cidr_block: 10.9.0.0/16
      provider:
        account: "210987654321"
        cidr_blocks: [10.20.0.0/16]
        subnets:
          svc-a: {cidr_block: 10.20.1.0/24, availability_zone: eu-west-2a}
          svc-b: {cidr_block: 10.20.2.0/24, availability_zone: eu-west-2b}
        instances:
          api-1: {subnet: svc-a}
          box-1: {subnet: svc-a, metadata_options: {http_endpoint: disabled}}
        target_groups:
          api:
            arn: arn:aws:elasticloadbalancing:eu-west-2:210987654321:targetgroup/api/0a1b2c3d4e5f6071
            protocol: TCP
            port: 8443
            target_type: instance
            proxy_protocol_v2: true
            targets: [{target: api-1, port: 8443, health: healthy}]
          boxes:
            protocol: GENEVE
            port: 6081
            flow_hash: 5
            targets: [{target: box-1}]
        load_balancers:
          api-nlb:
            arn: arn:aws:elasticloadbalancing:eu-west-2:210987654321:loadbalancer/net/api-nlb/0a1b2c3d4e5f6071
            type: network
            subnets: [svc-a, svc-b]
            private_ips: {svc-a: 10.20.1.50}
            network_interface_ids: {svc-a: eni-0e1b2c3d4e5f60718}
            listeners: [{port: 443, protocol: TCP, target_group: api}]
            state: active
          boxes-gwlb: {type: gateway, subnets: [svc-a], target_group: boxes}
      consumer:
        cidr_blocks: [10.30.0.0/16]
        subnets:
          c-a: {cidr_block: 10.30.1.0/24, availability_zone: eu-west-2a}
          c-g: {cidr_block: 10.30.9.0/24, availability_zone: eu-west-2a}
        endpoints:
          api-endpoint: {type: interface, service: api-svc, subnets: [c-a],
                         principal: "arn:aws:iam::123456789012:role/app"}
          boxes-endpoint: {type: gatewayloadbalancer, service: boxes-svc, subnet: c-g, private_ip: 10.30.9.5,
                           network_interface_id: eni-0f1b2c3d4e5f60718}
    endpoint_services:
      api-svc:
        id: vpce-svc-0a1b2c3d4e5f60718
        load_balancers: [api-nlb]
        acceptance_required: true
        allowed_principals: ["arn:aws:iam::123456789012:root"]
        private_dns_name: api.example.internal
        accepted: [api-endpoint]
        rejected: []
      boxes-svc: {load_balancers: [boxes-gwlb], acceptance_required: false, allowed_principals: ["*"]}
    transit_gateways:
      hub:
        id: tgw-0a1b2c3d4e5f60718
        account: "123456789012"
        default_route_table_association: true
        default_route_table_propagation: true
        security_group_referencing_support: false
        attachments:
          app-link: {id: tgw-attach-0a1b2c3d4e5f60718, vpc: app, subnets: [tgw], appliance_mode: false,
                     security_group_referencing_support: true}
        route_tables:
          main:
            id: tgw-rtb-0a1b2c3d4e5f60718
            default: true
            associations: [eu2-eu1]
            propagations: []
            routes:
              - {destination: 10.50.0.0/16, attachment: eu2-eu1}
              - {destination: 10.60.0.0/16, blackhole: true}
  eu-west-1:
    transit_gateways:
      far: {}
peering_connections:
  peer: {id: pcx-0a1b2c3d4e5f60718, requester: app, accepter: peer, status: active}
transit_gateway_peerings:
  eu2-eu1: {id: tgw-attach-1a2b3c4d5e6f70819, requester: hub, accepter: far, state: available}
latency:
  same_az_ms: 0.1
  cross_az_ms: 0.6
  public_endpoint_ms: 2.0
  internet_ms: 25.0
  public_path_factor: 1.4
  inter_region_ms: {eu-west-1/eu-west-2: 5.5}
  processing_ms: {nat-gateway: 0.05, transit-gateway: 0.05, interface-endpoint: 0.05, gateway-endpoint: 0, internet-gateway: 0, vpc-peering-connection: 0, instance: 0, aws-service: 0}
private_hosted_zones:
  corp-zone:
    id: Z0A1B2C3D4E5F6
    zone: corp.internal
    vpcs: [app]
    records: {db: 10.0.1.50, db.corp.internal: [10.0.1.50]}
traces:
  - title: the appliance reaches the web server on port 80
    from: appliance
    to: 10.0.0.10
    proto: tcp
    sport: 40000
    dport: 80
    return: true
    expect: {verdict: delivered, delivered_to: web, reachable: true, via: [web], not_via: [gw]}
  - {from: web, to: 10.0.1.20, proto: icmp, expect: {verdict: dropped, code: SUBNET_ACL_RESTRICTION}}
  - {from: internet, src: 198.51.100.1, to: 18.130.0.10, dport: 80}
"""

VPC = "regions/eu-west-2/vpcs/app"
TGW = "regions/eu-west-2/transit_gateways/hub"


def document() -> dict:
    return yaml.safe_load(EVERYTHING)


def at(doc, path: str):
    """The node at a slash-separated path; list indices are numbers."""
    node = doc
    for part in filter(None, path.split("/")):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def schema_errors(doc) -> list[str]:
    """Every message, including those nested under anyOf/if, so tests can look for a key's name."""
    def walk(errors):
        for error in errors:
            yield error.message
            yield from walk(error.context or [])
    return list(walk(VALIDATOR.iter_errors(doc)))


def load_error(tmp_path, doc) -> InputError:
    path = tmp_path / "topology.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(InputError) as info:
        emulator.load(path)
    assert info.value.file == str(path), info.value.line()
    return info.value


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", sorted(TOPOLOGIES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_topology_in_the_project_validates(path):
    errors = sorted(VALIDATOR.iter_errors(yaml.safe_load(path.read_text())), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_the_project_has_topologies_to_validate():
    assert len(list(TOPOLOGIES.glob("*.yaml"))) >= 1


def test_the_full_document_is_accepted_by_the_schema_and_the_loader(tmp_path):
    assert schema_errors(document()) == []
    path = tmp_path / "everything.yaml"
    path.write_text(EVERYTHING)
    network = emulator.load(path)
    assert network.topology.find("web").id == "i-0a1b2c3d4e5f60718"


def _schema_properties(node, out: set) -> set:
    if isinstance(node, dict):
        out.update(node.get("properties", {}))
        for value in node.values():
            _schema_properties(value, out)
    elif isinstance(node, list):
        for value in node:
            _schema_properties(value, out)
    return out


def _document_keys(node, out: set) -> set:
    if isinstance(node, dict):
        out.update(node)
        for value in node.values():
            _document_keys(value, out)
    elif isinstance(node, list):
        for value in node:
            _document_keys(value, out)
    return out


def test_the_full_document_uses_every_schema_property():
    """So the test above proves the loader accepts every key the schema documents."""
    assert _schema_properties(SCHEMA, set()) - _document_keys(document(), set()) == set()


# Where the loader rejects unknown keys, and the part of the schema that describes the same place.
PLACES = [
    ("", ""),
    ("regions/eu-west-2", "/$defs/region"),
    ("regions/eu-west-2/prefix_lists/corp", "/$defs/prefixList"),
    (VPC, "/$defs/vpc"),
    (f"{VPC}/internet_gateway", "/$defs/vpc/properties/internet_gateway/anyOf/1"),
    (f"{VPC}/subnets/public", "/$defs/subnet"),
    (f"{VPC}/route_tables/public", "/$defs/routeTable"),
    (f"{VPC}/route_tables/public/routes/0", "/$defs/route"),
    (f"{VPC}/network_acls/strict", "/$defs/networkAcl"),
    (f"{VPC}/network_acls/strict/inbound/0", "/$defs/aclEntry"),
    (f"{VPC}/security_groups/web-sg", "/$defs/securityGroup"),
    (f"{VPC}/security_groups/web-sg/ingress/0", "/$defs/ingressRule"),
    (f"{VPC}/security_groups/web-sg/egress/0", "/$defs/egressRule"),
    (f"{VPC}/instances/web", "/$defs/instance"),
    (f"{VPC}/instances/web/network_interfaces/0", "/$defs/networkInterface"),
    (f"{VPC}/network_interfaces/spare", "/$defs/networkInterface"),
    (f"{VPC}/nat_gateways/nat", "/$defs/natGateway"),
    (f"{VPC}/endpoints/s3", "/$defs/endpoint"),
    ("regions/eu-west-2/vpcs/provider/target_groups/api", "/$defs/targetGroup"),
    ("regions/eu-west-2/vpcs/provider/target_groups/api/targets/0", "/$defs/target"),
    ("regions/eu-west-2/vpcs/provider/load_balancers/api-nlb", "/$defs/loadBalancer"),
    ("regions/eu-west-2/vpcs/provider/load_balancers/api-nlb/listeners/0", "/$defs/listener"),
    ("regions/eu-west-2/endpoint_services/api-svc", "/$defs/endpointService"),
    ("private_hosted_zones/corp-zone", "/$defs/privateHostedZone"),
    (TGW, "/$defs/transitGateway"),
    (f"{TGW}/attachments/app-link", "/$defs/transitGatewayAttachment"),
    (f"{TGW}/route_tables/main", "/$defs/transitGatewayRouteTable"),
    (f"{TGW}/route_tables/main/routes/0", "/$defs/transitGatewayRoute"),
    ("peering_connections/peer", "/$defs/peeringConnection"),
    ("transit_gateway_peerings/eu2-eu1", "/$defs/transitGatewayPeering"),
    ("traces/0", "/$defs/trace"),
    ("traces/0/expect", "/$defs/trace/properties/expect"),
]


@pytest.mark.parametrize("place, pointer", PLACES, ids=[p or "topology" for p, _ in PLACES])
def test_schema_and_loader_allow_the_same_keys(tmp_path, place, pointer):
    doc = document()
    at(doc, place)["colour"] = "blue"
    assert any("'colour'" in message for message in schema_errors(doc)), f"the schema accepts colour at {place}"
    error = load_error(tmp_path, doc)
    assert error.field == "colour", error.line()
    allowed = set(re.search(r"expected one of: ([^)]*)\)", error.message).group(1).split(", "))
    subschema = SCHEMA
    for part in filter(None, pointer.split("/")):
        subschema = subschema[int(part)] if isinstance(subschema, list) else subschema[part]
    assert set(subschema["properties"]) == allowed


def _set(path, value):
    def change(doc):
        parent, _, key = path.rpartition("/")
        node = at(doc, parent)
        node[int(key) if isinstance(node, list) else key] = value
    return change


def _delete(path):
    def change(doc):
        parent, _, key = path.rpartition("/")
        del at(doc, parent)[key]
    return change


def _rename_prefix_list(doc):
    lists = at(doc, "regions/eu-west-2/prefix_lists")
    lists["com.amazonaws.custom"] = lists.pop("corp")
    for route in at(doc, f"{VPC}/route_tables/public/routes"):
        if route["destination"] == "corp":
            route["destination"] = "com.amazonaws.custom"
    at(doc, f"{VPC}/security_groups/web-sg/ingress/1")["from"] = "com.amazonaws.custom"


# (case, change to the full document, what the loader's one line must say)
WRONG = [
    ("no regions", _delete("regions"), "topology: regions: "),
    ("unknown top-level key", _set("regoins", {}), "topology: regoins: unknown field"),
    ("subnet CIDR /33", _set(f"{VPC}/subnets/public/cidr_block", "10.0.0.0/33"),
     "subnets.public: cidr_block: invalid IPv4 CIDR"),
    ("subnet without CIDR", _delete(f"{VPC}/subnets/public/cidr_block"), "subnets.public: cidr_block: required"),
    ("VPC CIDR /8", _set(f"{VPC}/cidr_blocks", ["10.0.0.0/8"]), "vpcs.app: cidr_blocks: 10.0.0.0/8: a VPC CIDR"),
    ("address that is not IPv4", _set(f"{VPC}/instances/web/private_ip", "10.0.0.x"),
     "instances.web: private_ip: invalid IPv4 address"),
    ("route state", _set(f"{VPC}/route_tables/public/routes/2/state", "maybe"), "routes[2]: state: "),
    ("route to blackhole", _set(f"{VPC}/route_tables/public/routes/0/target", "blackhole"),
     "routes[0]: target: name the target and set state: blackhole (R17)"),
    ("route without target", _delete(f"{VPC}/route_tables/public/routes/0/target"), "routes[0]: target: required"),
    ("NACL rule number", _set(f"{VPC}/network_acls/strict/inbound/0/rule", 40000), "inbound[0]: rule: "),
    ("NACL action", _set(f"{VPC}/network_acls/strict/inbound/0/action", "permit"), "inbound[0]: action: "),
    ("unknown protocol", _set(f"{VPC}/security_groups/web-sg/ingress/0/protocol", "gre"),
     "ingress[0]: protocol: unknown protocol 'gre'"),
    ("port range", _set(f"{VPC}/security_groups/web-sg/ingress/0/ports", "http"), "ingress[0]: ports: "),
    ("ports on an ICMP rule", _set(f"{VPC}/security_groups/web-sg/ingress/1/ports", 8),
     "ingress[1]: ports: ports apply to tcp and udp only"),
    ("icmp_type on a TCP rule", _set(f"{VPC}/security_groups/web-sg/ingress/0/icmp_type", 3),
     "ingress[0]: icmp_type: applies to icmp rules only"),
    ("ICMP type that is not a number", _set(f"{VPC}/security_groups/web-sg/ingress/1/icmp_type", "echo"),
     "ingress[1]: icmp_type: expected a whole number"),
    ("public NAT gateway without Elastic IP", _delete(f"{VPC}/nat_gateways/nat/public_ip"),
     "nat_gateways.nat: public_ip: a public NAT gateway needs an Elastic IP (R122)"),
    ("private NAT gateway with Elastic IP", _set(f"{VPC}/nat_gateways/inner/public_ip", "18.130.0.6"),
     "nat_gateways.inner: public_ip: a private NAT gateway has no Elastic IP (R123)"),
    ("NAT connectivity type", _set(f"{VPC}/nat_gateways/inner/connectivity_type", "hybrid"),
     "nat_gateways.inner: connectivity_type: "),
    ("gateway endpoint for SQS", _set(f"{VPC}/endpoints/s3/service", "sqs"),
     "endpoints.s3: service: gateway endpoints exist only for S3 and DynamoDB (R31)"),
    ("interface endpoint without subnets", _set(f"{VPC}/endpoints/dynamodb/subnets", []),
     "endpoints.dynamodb: subnets: an interface endpoint needs at least one subnet (R43)"),
    ("endpoint type", _set(f"{VPC}/endpoints/s3/type", "hybrid"), "endpoints.s3: type: "),
    ("instance state", _set(f"{VPC}/instances/web/state", "runing"), "instances.web: state: "),
    ("peering without requester", _delete("peering_connections/peer/requester"),
     "peering_connections.peer: requester: required"),
    ("peering status", _set("peering_connections/peer/status", "up"), "peering_connections.peer: status: "),
    ("prefix list named com.amazonaws", _rename_prefix_list, "may not start with com.amazonaws (R23)"),
    ("max_entries not a number", _set("regions/eu-west-2/prefix_lists/corp/max_entries", "lots"),
     "prefix_lists.corp: max_entries: expected a whole number"),
    ("TGW route without attachment", _delete(f"{TGW}/route_tables/main/routes/0/attachment"),
     "routes[0]: attachment: required unless blackhole"),
    ("TGW attachment without subnets", _delete(f"{TGW}/attachments/app-link/subnets"), "app-link: subnets: "),
    ("trace without to", _delete("traces/0/to"), "traces[0]: to: required"),
    ("trace port", _set("traces/0/sport", "abc"), "traces[0]: sport: expected a whole number"),
    ("trace protocol", _set("traces/1/proto", "gre"), "traces[1]: proto: "),
    ("trace verdict", _set("traces/1/expect/verdict", "lost"), "traces[1].expect: verdict: "),
]


@pytest.mark.parametrize("change, says", [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_a_wrong_document_is_rejected_by_the_schema_and_the_loader(tmp_path, change, says):
    doc = document()
    change(doc)
    assert schema_errors(doc), "the schema accepts it"
    error = load_error(tmp_path, doc)
    assert says in error.line()
