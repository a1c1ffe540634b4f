"""Issue #4, Import acceptance 2: provider and consumer built with moto (elbv2 load balancers and
target groups, endpoint service configurations and permissions, interface and GWLB endpoints) import
and trace as AWS would: consumer -> endpoint -> NLB -> target, delivered with the NLB's address as
source (R64); a connection the provider has not accepted carries nothing (R59); ingress through a
GWLB endpoint is inspected by an appliance (R13, R68, R75).

Two accounts, as the collector lays them out (`aws_configs/accounts/<account>/<region>/`): the
provider (moto's default account) and the consumer (reached through sts.assume_role).

moto's gaps, repaired here to what AWS returns:
* it has no describe/accept/reject_vpc_endpoint_connections (NotImplementedError), and every
  endpoint it creates is `available`, whatever the service's AcceptanceRequired. The test accepts
  nothing through moto; it writes VpcEndpointConnections.json (the provider's view) as AWS would
  after accepting one endpoint, and sets the other endpoint's State to pendingAcceptance.
* its quirks below are each reported by the importer (test_each_privatelink_quirk_is_reported),
  and those of the core (tests/inputs/test_moto_core.py) are repaired in both accounts.
"""
from __future__ import annotations

import copy
import hashlib
import ipaddress
import shutil
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

import emulator
from emulator import model as m
from emulator.dataplane.packet import int_to_ip
from emulator.inputs.errors import InputError
from emulator.inputs.yaml_writer import write_yaml
from tests.inputs.test_moto_core import QUIRKS as CORE_QUIRKS
from tests.moto_snapshot import read_key, write_key, write_snapshot
from tests.paths import assert_dropped

REGION = "eu-west-2"
PROVIDER, CONSUMER = "123456789012", "222233334444"  # moto's default account, and one assumed into
AMI = "ami-12c6146b"


def _tag(kind: str, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def _account_clients(account: str) -> tuple:
    credentials = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/admin", RoleSessionName="vpcemu-test")["Credentials"]
    keys = dict(region_name=REGION, aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"])
    return boto3.client("ec2", **keys), boto3.client("elbv2", **keys)


class _Builder:
    def __init__(self, ec2):
        self.ec2 = ec2

    def vpc(self, name: str, cidr: str, **subnets: tuple[str, str]) -> tuple[str, dict[str, str]]:
        vpc = self.ec2.create_vpc(CidrBlock=cidr, TagSpecifications=_tag("vpc", name))["Vpc"]["VpcId"]
        ids = {s: self.ec2.create_subnet(VpcId=vpc, CidrBlock=block, AvailabilityZone=f"{REGION}{zone}",
                                         TagSpecifications=_tag("subnet", s))["Subnet"]["SubnetId"]
               for s, (block, zone) in subnets.items()}
        return vpc, ids

    def group(self, vpc: str, name: str, proto: str | None = None, port: int = 0, cidr: str = "") -> str:
        group_id = self.ec2.create_security_group(VpcId=vpc, GroupName=name, Description=name)["GroupId"]
        if proto:
            self.ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
                {"IpProtocol": proto, "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}])
        return group_id

    def instance(self, name: str, subnet: str, address: str, groups: list[str], public: bool = False) -> str:
        interface = {"DeviceIndex": 0, "SubnetId": subnet, "PrivateIpAddress": address, "Groups": groups,
                     "AssociatePublicIpAddress": public}
        return self.ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, NetworkInterfaces=[interface],
                                      TagSpecifications=_tag("instance", name))["Instances"][0]["InstanceId"]


@mock_aws
def build(root: Path) -> dict[str, str]:
    ids: dict[str, str] = {}
    # --- the provider: an NLB in front of two instances, a GWLB in front of two appliances ---
    ec2, elbv2 = boto3.client("ec2", region_name=REGION), boto3.client("elbv2", region_name=REGION)
    p = _Builder(ec2)
    vpc, s = p.vpc("provider", "10.50.0.0/16", **{"app-a": ("10.50.1.0/24", "a"), "app-b": ("10.50.2.0/24", "b"),
                                                  "nlb-a": ("10.50.10.0/24", "a"), "nlb-b": ("10.50.11.0/24", "b"),
                                                  "appliances": ("10.50.20.0/24", "a")})
    app_sg = p.group(vpc, "app", "tcp", 8443, "10.50.10.0/23")  # the NLB's nodes: targets see them (R64)
    geneve_sg = p.group(vpc, "geneve", "udp", 6081, "10.50.20.0/24")  # GENEVE from the GWLB node (R67)
    targets = [p.instance("app-1", s["app-a"], "10.50.1.10", [app_sg]),
               p.instance("app-2", s["app-b"], "10.50.2.10", [app_sg])]
    appliances = [p.instance("firewall-1", s["appliances"], "10.50.20.10", [geneve_sg]),
                  p.instance("firewall-2", s["appliances"], "10.50.20.11", [geneve_sg])]
    nlb = elbv2.create_load_balancer(Name="app-nlb", Subnets=[s["nlb-a"], s["nlb-b"]], Type="network",
                                     Scheme="internal")["LoadBalancers"][0]["LoadBalancerArn"]
    app_tg = elbv2.create_target_group(Name="app-tg", Protocol="TCP", Port=8443, VpcId=vpc,
                                       TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=app_tg, Targets=[{"Id": i} for i in targets])
    elbv2.modify_target_group_attributes(TargetGroupArn=app_tg, Attributes=[
        {"Key": "proxy_protocol_v2.enabled", "Value": "true"}])
    elbv2.create_listener(LoadBalancerArn=nlb, Protocol="TCP", Port=443,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": app_tg}])
    gwlb = elbv2.create_load_balancer(Name="inspect-gwlb", Subnets=[s["appliances"]],
                                      Type="gateway")["LoadBalancers"][0]["LoadBalancerArn"]
    fw_tg = elbv2.create_target_group(Name="firewalls", Protocol="GENEVE", Port=6081, VpcId=vpc,
                                      TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=fw_tg, Targets=[{"Id": i} for i in appliances])
    elbv2.create_listener(LoadBalancerArn=gwlb, DefaultActions=[{"Type": "forward", "TargetGroupArn": fw_tg}])
    app_svc = ec2.create_vpc_endpoint_service_configuration(NetworkLoadBalancerArns=[nlb], AcceptanceRequired=True)[
        "ServiceConfiguration"]
    fw_svc = ec2.create_vpc_endpoint_service_configuration(GatewayLoadBalancerArns=[gwlb], AcceptanceRequired=False)[
        "ServiceConfiguration"]
    for service in (app_svc, fw_svc):
        ec2.modify_vpc_endpoint_service_permissions(ServiceId=service["ServiceId"],
                                                    AddAllowedPrincipals=[f"arn:aws:iam::{CONSUMER}:root"])
    ids.update(nlb=nlb, gwlb=gwlb, app_tg=app_tg, app_svc=app_svc["ServiceId"], fw_svc=fw_svc["ServiceId"],
               **{f"target-{i}": t for i, t in enumerate(targets)}, **{f"appliance-{i}": a for i, a in enumerate(appliances)})

    # --- the consumer: an accepted endpoint, one still waiting, and a web VPC inspected by the GWLB ---
    cec2, _ = _account_clients(CONSUMER)
    c = _Builder(cec2)
    consumer, cs = c.vpc("consumer", "10.50.0.0/16", **{"c-a": ("10.50.1.0/24", "a"), "c-b": ("10.50.2.0/24", "b")})
    endpoint_sg = c.group(consumer, "endpoints", "tcp", 443, "10.50.0.0/16")
    ids["client"] = c.instance("client-1", cs["c-a"], "10.50.1.20", [c.group(consumer, "client")])
    ids["endpoint"] = cec2.create_vpc_endpoint(
        VpcId=consumer, VpcEndpointType="Interface", ServiceName=app_svc["ServiceName"],
        SubnetIds=[cs["c-a"], cs["c-b"]], SecurityGroupIds=[endpoint_sg])["VpcEndpoint"]["VpcEndpointId"]
    partner, ps = c.vpc("partner", "10.60.0.0/16", **{"p-a": ("10.60.1.0/24", "a")})
    ids["partner"] = c.instance("partner-1", ps["p-a"], "10.60.1.20", [c.group(partner, "client")])
    ids["partner-endpoint"] = cec2.create_vpc_endpoint(
        VpcId=partner, VpcEndpointType="Interface", ServiceName=app_svc["ServiceName"], SubnetIds=[ps["p-a"]],
        SecurityGroupIds=[c.group(partner, "endpoints", "tcp", 443, "10.60.0.0/16")])["VpcEndpoint"]["VpcEndpointId"]
    web, ws = c.vpc("web", "10.80.0.0/16", **{"app": ("10.80.1.0/24", "a"), "endpoint": ("10.80.9.0/24", "a")})
    igw = cec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    cec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=web)
    gwlbe = cec2.create_vpc_endpoint(VpcId=web, VpcEndpointType="GatewayLoadBalancer", ServiceName=fw_svc["ServiceName"],
                                     SubnetIds=[ws["endpoint"]])["VpcEndpoint"]["VpcEndpointId"]
    tables = {name: cec2.create_route_table(VpcId=web, TagSpecifications=_tag("route-table", name))["RouteTable"][
        "RouteTableId"] for name in ("edge", "app", "endpoint")}
    cec2.associate_route_table(RouteTableId=tables["edge"], GatewayId=igw)  # ingress routing (R13)
    cec2.associate_route_table(RouteTableId=tables["app"], SubnetId=ws["app"])
    cec2.associate_route_table(RouteTableId=tables["endpoint"], SubnetId=ws["endpoint"])
    cec2.create_route(RouteTableId=tables["edge"], DestinationCidrBlock="10.80.1.0/24", VpcEndpointId=gwlbe)
    cec2.create_route(RouteTableId=tables["app"], DestinationCidrBlock="0.0.0.0/0", VpcEndpointId=gwlbe)
    cec2.create_route(RouteTableId=tables["endpoint"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ids.update(igw=igw, gwlbe=gwlbe, web=c.instance("web-1", ws["app"], "10.80.1.10",
                                                     [c.group(web, "https", "tcp", 443, "0.0.0.0/0")], public=True))
    # --- moto's gaps, recorded so a test sees them ---
    for call in (lambda: cec2.describe_vpc_endpoint_connections(),
                 lambda: ec2.accept_vpc_endpoint_connections(ServiceId=app_svc["ServiceId"],
                                                             VpcEndpointIds=[ids["endpoint"]])):
        try:
            call()
            ids.setdefault("connections implemented", "yes")
        except NotImplementedError:
            pass
    ids["partner state in moto"] = cec2.describe_vpc_endpoints(VpcEndpointIds=[ids["partner-endpoint"]])[
        "VpcEndpoints"][0]["State"]
    write_snapshot(root / "aws_configs" / "accounts" / PROVIDER, REGION, ec2, elbv2)
    write_snapshot(root / "aws_configs" / "accounts" / CONSUMER, REGION, cec2)
    return ids


# --- repairs: what AWS would have returned ---------------------------------------------------------


def folders(root: Path) -> tuple[Path, Path]:
    base = root / "aws_configs" / "accounts"
    return base / PROVIDER / REGION, base / CONSUMER / REGION


def _eni_id(*parts: str) -> str:
    return "eni-0" + hashlib.sha256("/".join(parts).encode()).hexdigest()[:16]


def repair_managed_ids_across_accounts(root: Path, ids) -> None:
    """An AWS-managed list has one id in every account of a region; moto draws one per account.
    The consumer's copies take the provider's ids."""
    provider, consumer = folders(root)
    ids_by_name = {p["PrefixListName"]: p["PrefixListId"] for p in read_key(provider, "ManagedPrefixLists")
                   if p.get("OwnerId") == "AWS"}
    renames = {p["PrefixListId"]: ids_by_name[p["PrefixListName"]] for p in read_key(consumer, "ManagedPrefixLists")
               if p.get("OwnerId") == "AWS" and ids_by_name.get(p["PrefixListName"], p["PrefixListId"])
               != p["PrefixListId"]}
    for path in consumer.glob("*.json"):
        text = path.read_text()
        for old, new in renames.items():
            text = text.replace(old, new)
        path.write_text(text)
    for old, new in renames.items():
        if (consumer / f"Entries-{old}.json").exists():
            (consumer / f"Entries-{old}.json").rename(consumer / f"Entries-{new}.json")


def repair_balancer_arns(root: Path, ids) -> None:
    """AWS names a network load balancer `loadbalancer/net/…`, a gateway one `loadbalancer/gwy/…`."""
    renames = {}
    for balancer in read_key(folders(root)[0], "LoadBalancers"):
        old = balancer["LoadBalancerArn"].split(":loadbalancer/")[1]
        new = {"network": "net", "gateway": "gwy"}[balancer["Type"]] + "/" + old.split("/", 1)[1]
        renames.update({f"loadbalancer/{old}": f"loadbalancer/{new}", f"listener/{old}": f"listener/{new}"})
    for folder in folders(root):
        for path in folder.glob("*.json"):
            text = path.read_text()
            for before, after in renames.items():
                text = text.replace(before, after)
            path.write_text(text)


def repair_balancer_nodes(root: Path, ids) -> None:
    """AWS lists one interface per enabled subnet of a load balancer, described `ELB <type>/<name>/<id>`."""
    provider = folders(root)[0]
    subnets = {s["SubnetId"]: s for s in read_key(provider, "Subnets")}
    enis = read_key(provider, "NetworkInterfaces")
    for balancer in read_key(provider, "LoadBalancers"):
        arn = balancer["LoadBalancerArn"]
        for zone in balancer["AvailabilityZones"]:
            subnet = subnets[zone["SubnetId"]]
            address = str(ipaddress.ip_network(subnet["CidrBlock"])[5])
            enis.append({"NetworkInterfaceId": _eni_id(arn, subnet["SubnetId"]), "SubnetId": subnet["SubnetId"],
                         "VpcId": subnet["VpcId"], "AvailabilityZone": subnet["AvailabilityZone"],
                         "Description": "ELB " + arn.split(":loadbalancer/")[1], "Groups": [],
                         "InterfaceType": {"network": "network_load_balancer",
                                           "gateway": "gateway_load_balancer"}[balancer["Type"]],
                         "OwnerId": PROVIDER, "PrivateIpAddress": address,
                         "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": address}],
                         "RequesterId": "amazon-elb", "RequesterManaged": True, "SourceDestCheck": True,
                         "Status": "in-use", "TagSet": [],
                         "Attachment": {"DeviceIndex": 1, "InstanceOwnerId": "amazon-elb", "Status": "attached"}})
    write_key(provider, "NetworkInterfaces", enis)


def repair_gwlb_endpoint_interface(root: Path, ids) -> None:
    """AWS gives a GWLB endpoint one interface in its subnet (R74); moto gives it none."""
    consumer = folders(root)[1]
    subnets = {s["SubnetId"]: s for s in read_key(consumer, "Subnets")}
    enis, endpoints = read_key(consumer, "NetworkInterfaces"), read_key(consumer, "VpcEndpoints")
    for endpoint in endpoints:
        if endpoint["VpcEndpointType"] == "GatewayLoadBalancer" and not endpoint["NetworkInterfaceIds"]:
            subnet = subnets[endpoint["SubnetIds"][0]]
            address = str(ipaddress.ip_network(subnet["CidrBlock"])[5])
            eni_id = _eni_id(endpoint["VpcEndpointId"])
            enis.append({"NetworkInterfaceId": eni_id, "SubnetId": subnet["SubnetId"], "VpcId": subnet["VpcId"],
                         "AvailabilityZone": subnet["AvailabilityZone"], "Groups": [],
                         "Description": f"VPC Endpoint Interface {endpoint['VpcEndpointId']}",
                         "InterfaceType": "gateway_load_balancer_endpoint", "OwnerId": CONSUMER,
                         "PrivateIpAddress": address, "PrivateIpAddresses": [{"Primary": True,
                                                                              "PrivateIpAddress": address}],
                         "RequesterManaged": True, "SourceDestCheck": False, "Status": "in-use", "TagSet": []})
            endpoint["NetworkInterfaceIds"] = [eni_id]
    write_key(consumer, "NetworkInterfaces", enis)
    write_key(consumer, "VpcEndpoints", endpoints)


def repair_gwlb_listener_protocol(root: Path, ids) -> None:
    """AWS shows neither Protocol nor Port on a Gateway Load Balancer's listener."""
    provider = folders(root)[0]
    wrappers = read_key(provider, "LoadBalancerListeners")
    for wrapper in wrappers:
        for listener in wrapper["Listeners"]:
            if listener.get("Protocol") == "":
                del listener["Protocol"]
    write_key(provider, "LoadBalancerListeners", wrappers)


def repair_gwlb_service_type(root: Path, ids) -> None:
    """AWS reports a GWLB endpoint service as GatewayLoadBalancer; moto as Gateway."""
    provider = folders(root)[0]
    services = read_key(provider, "ServiceConfigurations")
    for service in services:
        if service.get("GatewayLoadBalancerArns"):
            service["ServiceType"] = [{"ServiceType": "GatewayLoadBalancer"}]
    write_key(provider, "ServiceConfigurations", services)


def write_connections(root: Path, ids) -> None:
    """moto lacks accept_vpc_endpoint_connections and describe_vpc_endpoint_connections: the provider
    accepted the consumer's endpoint and not the partner's, as AWS would then describe (R59)."""
    provider, consumer = folders(root)
    endpoints = read_key(consumer, "VpcEndpoints")
    services = {s["ServiceName"]: s for s in read_key(provider, "ServiceConfigurations")}
    connections = []
    for endpoint in endpoints:
        service = services[endpoint["ServiceName"]]
        state = "pendingAcceptance" if endpoint["VpcEndpointId"] == ids["partner-endpoint"] else "available"
        endpoint["State"] = state
        connections.append({"ServiceId": service["ServiceId"], "VpcEndpointId": endpoint["VpcEndpointId"],
                            "VpcEndpointOwner": CONSUMER, "VpcEndpointState": state,
                            "CreationTimestamp": endpoint["CreationTimestamp"],
                            "VpcEndpointConnectionId": "vpce-con-0" + endpoint["VpcEndpointId"][5:21]})
    write_key(consumer, "VpcEndpoints", endpoints)
    write_key(provider, "VpcEndpointConnections", connections)


# quirk -> (its repair, account folder (0 provider, 1 consumer), file key, field, error or warning)
QUIRKS = {
    "AWS-managed list ids per account": (repair_managed_ids_across_accounts, 1, "PrefixLists", "PrefixListId",
                                         "warning"),
    "load balancer ARNs typed app": (repair_balancer_arns, 0, "LoadBalancers", "LoadBalancerArn", "warning"),
    "no load balancer nodes": (repair_balancer_nodes, 0, "LoadBalancers", "AvailabilityZones[0].LoadBalancerAddresses",
                               "error"),
    "GWLB endpoint without an interface": (repair_gwlb_endpoint_interface, 1, "VpcEndpoints", "NetworkInterfaceIds",
                                           "error"),
    "GWLB listener with an empty Protocol": (repair_gwlb_listener_protocol, 0, "LoadBalancerListeners",
                                             "Listeners[0].Protocol", "warning"),
    "GWLB service typed Gateway": (repair_gwlb_service_type, 0, "ServiceConfigurations", "ServiceType", "warning"),
}


def repaired(raw: Path, ids: dict, destination: Path, skip: str | None = None) -> Path:
    shutil.copytree(raw, destination)
    for folder in folders(destination):
        for repair, *_ in CORE_QUIRKS.values():
            repair(folder)
    for name, (repair, *_) in QUIRKS.items():
        if name != skip:
            repair(destination, ids)
    write_connections(destination, ids)
    return destination


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("moto-privatelink")
    return root, build(root)


@pytest.fixture(scope="module")
def net(raw, tmp_path_factory) -> emulator.Network:
    return emulator.load(repaired(*raw, tmp_path_factory.mktemp("repaired") / "snapshot"))


# --- moto's gaps and quirks ------------------------------------------------------------------------


def test_moto_lacks_the_connection_calls_and_never_awaits_acceptance(raw):
    """Recorded so that a moto release which closes the gap makes this test say so."""
    root, ids = raw
    assert "connections implemented" not in ids
    assert not (folders(root)[0] / "VpcEndpointConnections.json").exists()
    assert ids["partner state in moto"] == "available"  # AWS: pendingAcceptance (R59)


@pytest.mark.parametrize("quirk", QUIRKS)
def test_each_privatelink_quirk_is_reported(raw, tmp_path, quirk):
    """Every quirk repaired but `quirk`: the importer names the file, the resource and the field."""
    _, which, key, field, kind = QUIRKS[quirk]
    root = repaired(*raw, tmp_path / "snapshot", skip=quirk)
    path = str(folders(root)[which] / f"{key}.json")
    if kind == "error":
        with pytest.raises(InputError) as caught:
            emulator.load(root)
        assert (caught.value.file, caught.value.field) == (path, field), caught.value.line()
        assert caught.value.resource.startswith(("arn:aws:elasticloadbalancing:", "vpce-")), caught.value.line()
        return
    warnings = [w for w in emulator.load(root).topology.warnings if w.startswith(path + ": ")]
    assert any(f": {field}: " in w for w in warnings), warnings
    resource = warnings[0][len(path) + 2:].split(": ")[0]
    assert resource.startswith(("arn:aws:elasticloadbalancing:", "vpce-svc-", "pl-")), warnings[0]


def test_the_repaired_snapshot_loads_without_a_quirk_warning(net):
    assert not [w for w in net.topology.warnings if "not produced by AWS" in w or "not of AWS's form" in w]


# --- the repaired snapshot forwards as AWS does ----------------------------------------------------


def test_the_model_is_what_boto3_created(net, raw):
    ids = raw[1]
    service = net.topology.get(ids["app_svc"], m.EndpointService)
    assert service.acceptance_required and service.allowed_principals == [f"arn:aws:iam::{CONSUMER}:root"]
    assert service.owner_id == PROVIDER and service.load_balancer_arns[0].endswith(ids["nlb"].split("/", 2)[2])
    group = next(g for g in net.topology.all(m.TargetGroup) if g.target_group_name == "app-tg")
    assert group.proxy_protocol_v2 and {t.target_id for t in group.targets} == {ids["target-0"], ids["target-1"]}
    assert net.topology.get(ids["endpoint"], m.InterfaceEndpoint).owner_id == CONSUMER
    assert net.topology.get(ids["gwlbe"], m.GatewayLoadBalancerEndpoint).state == "available"


def test_r57_r61_r64_the_consumer_reaches_a_target_with_the_nlbs_address_as_source(net, raw):
    """Consumer -> its endpoint ENI -> the service -> the NLB node in the same AZ -> a target,
    which sees the node's address (R64). Consumer and provider share 10.50.0.0/16 (R63)."""
    ids = raw[1]
    balancer = next(b for b in net.topology.all(m.LoadBalancer) if b.type == "network")
    for endpoint_ip, node_ip in (("10.50.1.100", "10.50.10.5"), ("10.50.2.100", "10.50.11.5")):
        trace = net.trace_flow(ids["client"], endpoint_ip)
        assert trace.verdict == "delivered" and trace.delivered_to in {ids["target-0"], ids["target-1"]}
        assert trace.path == [ids["client"], ids["endpoint"], ids["app_svc"], balancer.id, trace.delivered_to]
        assert int_to_ip(trace.packet_out.src) == node_ip and trace.packet_out.dport == 8443


def test_r47_r62_the_reply_returns_through_the_endpoint(net, raw):
    ids = raw[1]
    trace = net.trace_flow(ids["client"], "10.50.1.100", with_return=True)
    assert trace.reachable and trace.reply.delivered_to == ids["client"]
    assert int_to_ip(trace.reply.packet_out.src) == "10.50.1.100"


def test_r59_a_connection_not_accepted_drops(net, raw):
    ids = raw[1]
    trace = net.trace_flow(ids["partner"], "10.60.1.100")
    assert_dropped(trace, "ENDPOINT_PENDING_ACCEPTANCE")
    assert ids["partner-endpoint"] in trace.reason


def test_r13_r68_r75_ingress_is_inspected_through_the_gwlb_endpoint(net, raw):
    ids = raw[1]
    public = net.topology.get(net.topology.get(ids["web"], m.Instance).network_interface_ids[0],
                              m.NetworkInterface).association_public_ip
    trace = net.trace_flow("internet", public, src="198.51.100.7", with_return=True)
    assert trace.verdict == "delivered" and trace.delivered_to == ids["web"] and trace.reachable
    assert trace.path[:3] == ["internet", ids["igw"], ids["gwlbe"]]
    inspected = [h.id for h in trace.hops if h.action == "inspect"]
    assert len(inspected) == 1 and inspected[0] in {ids["appliance-0"], ids["appliance-1"]}
    assert [h.id for h in trace.reply.hops if h.action == "inspect"] == inspected  # R70


def test_the_repaired_snapshot_round_trips_through_yaml(net, tmp_path):
    path = tmp_path / "moto.yaml"
    write_yaml(copy.deepcopy(net.topology), path)
    written = emulator.load(path)
    assert {r.id for r in written.topology.resources.values()} == {r.id for r in net.topology.resources.values()}
    client = next(i.id for i in net.topology.all(m.Instance) if i.name == "client-1")
    a, b = net.trace_flow(client, "10.50.2.100"), written.trace_flow(client, "10.50.2.100")
    assert (a.verdict, a.path, a.packet_out) == (b.verdict, b.path, b.packet_out)


def test_the_writer_reports_a_managed_list_it_cannot_hold_twice(raw, tmp_path):
    """With moto's per-account ids left in place, two lists share a name in one region: the YAML
    holds one, and the writer says which it leaves out."""
    root = repaired(*raw, tmp_path / "snapshot", skip="AWS-managed list ids per account")
    path = tmp_path / "moto.yaml"
    warnings = write_yaml(copy.deepcopy(emulator.load(root).topology), path)
    twins = [w for w in warnings if "the format holds one AWS-managed list named" in w]
    assert twins and all(w.split(" ")[0].startswith("pl-") for w in twins)
    assert f"# warning: {path}: {twins[0]}" in path.read_text()
