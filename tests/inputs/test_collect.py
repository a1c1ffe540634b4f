"""`vpcemu collect` as a user runs it, against moto's server on loopback (tests/moto_server.py).

A small network is built with boto3 `create_*` calls: an app VPC with a public and a private
subnet, an internet gateway, route tables, security groups, instances, an S3 gateway endpoint on
the private table, and a peering to a data VPC. `vpcemu collect` saves it; vpcemu loads the folder
and traces packets through it. The same design written in YAML must give the same verdicts and the
same paths, hop by hop, named by their Name tags. moto's own data (random prefix-list ids, every
region given us-east-1's S3 ranges) is kept as moto returns it: a packet "to S3" goes to an
address of each network's own S3 prefix list.

Also: paging and the per-resource wrapper files (load balancers, transit gateway tables, in a
region of their own), several accounts through --role-arn (moto's assume-role gives credentials
in the role's account), and each mistake a user can make: one line, exit 2, nothing left behind.
"""
from __future__ import annotations

import ipaddress
import json
import os
import sys
from pathlib import Path

import pytest

import emulator
from emulator import model as m
from emulator.cli import main as vpcemu
from tests.builders import network_from_yaml
from tests.moto_server import MotoServer, _free_port, isolated_aws_environment

REGION = "eu-west-2"
AMI = "ami-12c6146b"  # one of moto's stock images
CALLER, OTHER = "123456789012", "222233334444"  # moto's default account; the account of a role
ROLE = f"arn:aws:iam::{OTHER}:role/network-reader"
S3 = f"com.amazonaws.{REGION}.s3"


@pytest.fixture(scope="module")
def aws_env(tmp_path_factory):
    """The process environment of a user with credentials (test values) and no AWS config files."""
    with pytest.MonkeyPatch.context() as patch:
        for key in [k for k in os.environ if k.startswith("AWS_")]:
            patch.delenv(key)
        for key, value in isolated_aws_environment(tmp_path_factory.mktemp("home")).items():
            if key.startswith("AWS_") or key == "NO_PROXY":
                patch.setenv(key, value)
        yield patch


@pytest.fixture(scope="module")
def server(aws_env):
    with MotoServer() as running:
        yield running


def _tags(kind: str, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def build(ec2) -> dict[str, str]:
    """The network of the module docstring; returns moto's ids and the web instance's public IP."""
    def vpc(name, cidr):
        return ec2.create_vpc(CidrBlock=cidr, TagSpecifications=_tags("vpc", name))["Vpc"]["VpcId"]

    def subnet(name, vpc_id, cidr, zone):
        return ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=f"{REGION}{zone}",
                                 TagSpecifications=_tags("subnet", name))["Subnet"]["SubnetId"]

    def table(name, vpc_id, subnet_id):
        table_id = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=_tags("route-table", name))[
            "RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
        return table_id

    def group(name, vpc_id, *rules):
        group_id = ec2.create_security_group(VpcId=vpc_id, GroupName=name, Description=name,
                                             TagSpecifications=_tags("security-group", name))["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(rules))
        return group_id

    def instance(name, subnet_id, address, group_id, public=False):
        interface = {"DeviceIndex": 0, "SubnetId": subnet_id, "PrivateIpAddress": address, "Groups": [group_id],
                     "AssociatePublicIpAddress": public}
        return ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, NetworkInterfaces=[interface],
                                 TagSpecifications=_tags("instance", name))["Instances"][0]

    app, data = vpc("app", "10.0.0.0/16"), vpc("data", "10.1.0.0/16")
    public, private = subnet("public", app, "10.0.1.0/24", "a"), subnet("private", app, "10.0.2.0/24", "b")
    db_subnet = subnet("db", data, "10.1.1.0/24", "a")
    igw = ec2.create_internet_gateway(TagSpecifications=_tags("internet-gateway", "app-igw"))[
        "InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=app)
    pcx = ec2.create_vpc_peering_connection(VpcId=app, PeerVpcId=data,
                                            TagSpecifications=_tags("vpc-peering-connection", "data-link"))[
        "VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    tables = {"public": table("public", app, public), "private": table("private", app, private),
              "db": table("db", data, db_subnet)}
    ec2.create_route(RouteTableId=tables["public"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.create_route(RouteTableId=tables["private"], DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx)
    ec2.create_route(RouteTableId=tables["db"], DestinationCidrBlock="10.0.0.0/16", VpcPeeringConnectionId=pcx)
    ec2.create_vpc_endpoint(VpcId=app, VpcEndpointType="Gateway", ServiceName=S3, RouteTableIds=[tables["private"]],
                            TagSpecifications=_tags("vpc-endpoint", "s3-gateway"))
    web_sg = group("web", app, {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    app_sg = group("app", app, {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
                                "UserIdGroupPairs": [{"GroupId": web_sg}]})
    db_sg = group("db", data, {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                               "IpRanges": [{"CidrIp": "10.0.0.0/16"}]})
    web = instance("web", public, "10.0.1.10", web_sg, public=True)
    instance("app", private, "10.0.2.10", app_sg)
    instance("db", db_subnet, "10.1.1.10", db_sg)
    return {"app": app, "data": data, "web_public_ip": web["PublicIpAddress"]}


# The same design, written by hand (the default VPC moto creates in every region is left out:
# no trace below touches it).
YAML = """
name: collected-twin
account: "123456789012"
regions:
  eu-west-2:
    vpcs:
      app:
        cidr_blocks: [10.0.0.0/16]
        internet_gateway: app-igw
        route_tables:
          public:
            routes:
              - {{destination: 0.0.0.0/0, target: app-igw}}
          private:
            routes:
              - {{destination: 10.1.0.0/16, target: data-link}}
        subnets:
          public:  {{cidr_block: 10.0.1.0/24, availability_zone: eu-west-2a, route_table: public}}
          private: {{cidr_block: 10.0.2.0/24, availability_zone: eu-west-2b, route_table: private}}
        security_groups:
          web:
            ingress:
              - {{protocol: tcp, ports: 443, from: 0.0.0.0/0}}
          app:
            ingress:
              - {{protocol: tcp, ports: 8080, from: web}}
        instances:
          web: {{subnet: public,  private_ip: 10.0.1.10, public_ip: {web_public_ip}, security_groups: [web]}}
          app: {{subnet: private, private_ip: 10.0.2.10, security_groups: [app]}}
        endpoints:
          s3-gateway: {{type: gateway, service: s3, route_tables: [private]}}
      data:
        cidr_blocks: [10.1.0.0/16]
        route_tables:
          db:
            routes:
              - {{destination: 10.0.0.0/16, target: data-link}}
        subnets:
          db: {{cidr_block: 10.1.1.0/24, availability_zone: eu-west-2a, route_table: db}}
        security_groups:
          db:
            ingress:
              - {{protocol: tcp, ports: 5432, from: 10.0.0.0/16}}
        instances:
          db: {{subnet: db, private_ip: 10.1.1.10, security_groups: [db]}}
peering_connections:
  data-link: {{requester: app, accepter: data}}
"""


@pytest.fixture(scope="module")
def built(server) -> dict[str, str]:
    return build(server.client("ec2", REGION))


@pytest.fixture(scope="module")
def snapshot(server, built, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("collect") / "snapshot"
    assert vpcemu(["collect", "-o", str(out), "--regions", REGION, "--endpoint-url", server.url]) == 0
    return out


@pytest.fixture(scope="module")
def collected(snapshot) -> emulator.Network:
    return emulator.load(snapshot)


@pytest.fixture(scope="module")
def twin(built) -> emulator.Network:
    return network_from_yaml(YAML.format(web_public_ip=built["web_public_ip"]), "collected-twin")


# --- what is written -------------------------------------------------------------------------------


def test_the_snapshot_is_one_folder_per_account_and_region_of_cli_output(snapshot, built):
    folder = snapshot / "accounts" / CALLER / REGION
    assert [p.relative_to(snapshot).parts[:3] for p in snapshot.rglob("*.json")] and \
        {p.parent for p in snapshot.rglob("*.json")} == {folder}
    vpcs = json.loads((folder / "describe-vpcs.json").read_text())
    assert list(vpcs) == ["Vpcs"] and {built["app"], built["data"]} <= {v["VpcId"] for v in vpcs["Vpcs"]}
    text = (folder / "describe-instances.json").read_text()
    assert "ResponseMetadata" not in text and "NextToken" not in text
    assert text.startswith('{\n    "Reservations": [')  # indent=4, as the CLI prints
    launch = json.loads(text)["Reservations"][0]["Instances"][0]["LaunchTime"]
    assert isinstance(launch, str) and launch[:4].isdigit() and "T" in launch  # ISO 8601 text
    for vpc in (built["app"], built["data"]):
        for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
            answer = json.loads((folder / f"describe-vpc-attribute-{vpc}-{attribute}.json").read_text())
            assert answer["VpcId"] == vpc and isinstance(answer[key]["Value"], bool)
    managed = json.loads((folder / "describe-managed-prefix-lists.json").read_text())["PrefixLists"]
    assert managed and all((folder / f"get-managed-prefix-list-entries-{pl['PrefixListId']}.json").is_file()
                           for pl in managed)
    for wrapper in ("TransitGatewayStaticRoutes", "TransitGatewayPropagations", "AllowedPrincipals",
                    "LoadBalancerListeners", "LoadBalancerTargetHealth", "TargetGroupAttributes"):
        assert json.loads((folder / f"{wrapper}.json").read_text()) == {wrapper: []}
    assert not [p for p in snapshot.parent.iterdir() if p.name.startswith(".")]  # no temporary folder left


@pytest.fixture(scope="module")
def regional(server, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """In a region of its own: 51 Network Load Balancers (moto pages them by 50, as AWS may page any
    describe), a target group and a listener on the first, and a transit gateway with a static route."""
    region = "eu-west-3"
    ec2, elbv2 = server.client("ec2", region), server.client("elbv2", region)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    balancers = [elbv2.create_load_balancer(Name=f"nlb-{i}", Subnets=[subnet], Type="network", Scheme="internal")[
        "LoadBalancers"][0]["LoadBalancerArn"] for i in range(51)]
    assert "NextMarker" in elbv2.describe_load_balancers()  # more than one page
    group = elbv2.create_target_group(Name="web", Protocol="TCP", Port=443, VpcId=vpc, TargetType="ip")[
        "TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=balancers[0], Protocol="TCP", Port=443,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": group}])
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    table = ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)["TransitGatewayRouteTable"][
        "TransitGatewayRouteTableId"]
    ec2.create_transit_gateway_route(TransitGatewayRouteTableId=table, DestinationCidrBlock="10.8.0.0/16",
                                     Blackhole=True)
    out = tmp_path_factory.mktemp("regional") / "snapshot"
    assert vpcemu(["collect", "-o", str(out), "--regions", region, "--endpoint-url", server.url]) == 0
    return out / "accounts" / CALLER / region, {"balancer": balancers[0], "group": group, "table": table}


def _read(folder: Path, name: str) -> dict:
    return json.loads((folder / f"{name}.json").read_text())


def test_every_page_is_collected_into_one_document(regional):
    folder, _ = regional
    text = (folder / "describe-load-balancers.json").read_text()
    assert len(json.loads(text)["LoadBalancers"]) == 51 and "NextMarker" not in text
    assert len(_read(folder, "LoadBalancerListeners")["LoadBalancerListeners"]) == 51  # each one asked about


def test_per_resource_answers_are_wrapped_with_the_id_they_were_asked_about(regional):
    """The shapes aws_json_elb.py and aws_json_transit.py read."""
    folder, ids = regional
    listeners = {w["LoadBalancerArn"]: w["Listeners"] for w in _read(folder, "LoadBalancerListeners")[
        "LoadBalancerListeners"]}
    assert [a["TargetGroupArn"] for a in listeners[ids["balancer"]][0]["DefaultActions"]] == [ids["group"]]
    assert [w["TargetGroupArn"] for w in _read(folder, "TargetGroupAttributes")["TargetGroupAttributes"]] == \
        [ids["group"]]
    health = _read(folder, "LoadBalancerTargetHealth")["LoadBalancerTargetHealth"]
    assert health == [{"TargetGroupArn": ids["group"], "TargetHealthDescriptions": []}]
    tables = [t["TransitGatewayRouteTableId"] for t in _read(folder, "describe-transit-gateway-route-tables")[
        "TransitGatewayRouteTables"]]
    assert ids["table"] in tables and len(tables) == 2  # with the transit gateway's default table
    static = {w["TransitGatewayRouteTableId"]: [r["DestinationCidrBlock"] for r in w["Routes"]]
              for w in _read(folder, "TransitGatewayStaticRoutes")["TransitGatewayStaticRoutes"]}
    assert static == {table: ["10.8.0.0/16"] if table == ids["table"] else [] for table in tables}
    propagations = _read(folder, "TransitGatewayPropagations")["TransitGatewayPropagations"]
    assert sorted(w["TransitGatewayRouteTableId"] for w in propagations) == sorted(tables)
    assert all(isinstance(w["TransitGatewayRouteTablePropagations"], list) for w in propagations)


# --- it forwards as the same design written in YAML -----------------------------------------------


def _s3_address(network: emulator.Network) -> str:
    pl = next(p for p in network.topology.all(m.PrefixList) if p.prefix_list_name == S3)
    return str(ipaddress.ip_network(pl.cidrs[0])[10])


def _named(network: emulator.Network, ref: str | None) -> str | None:
    """A hop by its Name tag; an instance's interface by its instance's (the YAML names it <instance>-eth0)."""
    resource = network.topology.resources.get(ref) if ref else None
    if isinstance(resource, m.NetworkInterface) and resource.attachment_instance_id:
        return f"{_named(network, resource.attachment_instance_id)}'s interface"
    return getattr(resource, "name", None) or ref


def _outcome(network: emulator.Network, source: str, destination: str, port: int, with_return: bool = False):
    if destination == "s3":
        destination = _s3_address(network)
    trace = network.trace_flow(_instance_id(network, source), destination, "tcp", 40000, port,
                               with_return=with_return)
    return (trace.verdict, trace.code, _named(network, trace.delivered_to),
            [_named(network, hop) for hop in trace.path], trace.reachable if with_return else None)


def _instance_id(network: emulator.Network, name: str) -> str:
    return next(i.id for i in network.topology.all(m.Instance) if i.name == name)


FLOWS = {
    "web leaves through the internet gateway": ("web", "8.8.8.8", 443, True),
    "the private subnet has no way out": ("app", "8.8.8.8", 443, False),
    "app reaches S3 through the gateway endpoint": ("app", "s3", 443, True),
    "web reaches S3 over the internet (its table has no endpoint route)": ("web", "s3", 443, False),
    "app reaches the database over the peering, and the reply returns": ("app", "10.1.1.10", 5432, True),
    "the database's group refuses another port": ("app", "10.1.1.10", 22, False),
    "web has no route to the data VPC": ("web", "10.1.1.10", 5432, False),
    "app's group lets web in on 8080": ("web", "10.0.2.10", 8080, True),
    "app's group refuses web on 9090": ("web", "10.0.2.10", 9090, False),
}


@pytest.mark.parametrize("flow", FLOWS)
def test_the_collected_network_forwards_as_its_yaml_twin(collected, twin, flow):
    source, destination, port, with_return = FLOWS[flow]
    assert _outcome(collected, source, destination, port, with_return) == \
        _outcome(twin, source, destination, port, with_return)


def test_the_twin_comparison_can_fail(collected, twin):
    """Different flows do differ: the comparison above is not comparing constants."""
    assert _outcome(collected, "app", "10.1.1.10", 5432) != _outcome(twin, "app", "10.1.1.10", 22)
    verdicts = {_outcome(collected, *FLOWS[flow][:3])[0] for flow in FLOWS}
    assert {"delivered", "dropped", "exited"} <= verdicts


# --- several accounts ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def other_account(server) -> str:
    """A VPC in another account, built with the credentials moto's assume-role gives for it."""
    credentials = server.client("sts", "us-east-1").assume_role(RoleArn=ROLE, RoleSessionName="builder")[
        "Credentials"]
    ec2 = server.client("ec2", REGION, aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])
    return ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=_tags("vpc", "other"))["Vpc"]["VpcId"]


def _vpc_ids(folder: Path) -> set[str]:
    return {v["VpcId"] for v in json.loads((folder / "describe-vpcs.json").read_text())["Vpcs"]}


def test_a_role_collects_its_own_account_only(server, built, other_account, tmp_path):
    out = tmp_path / "snapshot"
    assert vpcemu(["collect", "-o", str(out), "--regions", REGION, "--endpoint-url", server.url,
                   "--role-arn", ROLE]) == 0
    assert [p.name for p in (out / "accounts").iterdir()] == [OTHER]
    assert other_account in _vpc_ids(out / "accounts" / OTHER / REGION)
    assert built["app"] not in _vpc_ids(out / "accounts" / OTHER / REGION)


def test_include_caller_adds_the_callers_account(server, built, other_account, tmp_path):
    out = tmp_path / "snapshot"
    assert vpcemu(["collect", "-o", str(out), "--regions", REGION, "--endpoint-url", server.url,
                   "--role-arn", ROLE, "--include-caller"]) == 0
    assert sorted(p.name for p in (out / "accounts").iterdir()) == [CALLER, OTHER]
    assert built["app"] in _vpc_ids(out / "accounts" / CALLER / REGION)
    network = emulator.load(out)
    assert network.topology.get(other_account, m.Vpc).owner_id == OTHER
    assert network.topology.get(built["app"], m.Vpc).owner_id == CALLER


def test_the_same_account_twice_is_refused(server, tmp_path, capsys):
    _refused(["collect", "-o", str(tmp_path / "snapshot"), "--endpoint-url", server.url, "--regions", REGION,
              "--role-arn", ROLE, "--role-arn", f"arn:aws:iam::{OTHER}:role/another"], capsys, OTHER)
    assert not (tmp_path / "snapshot").exists()


# --- errors a user can cause: one line, exit 2, nothing left ---------------------------------------


def _refused(argv: list[str], capsys, *words: str) -> str:
    assert vpcemu(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    assert "testing" not in err  # never a credential
    return err


def _nothing_left(parent: Path) -> None:
    assert list(parent.iterdir()) == [], list(parent.iterdir())


def test_an_unknown_profile(server, tmp_path, capsys):
    _refused(["collect", "-o", str(tmp_path / "out"), "--profile", "nope", "--endpoint-url", server.url],
             capsys, "nope")
    _nothing_left(tmp_path)


def test_a_region_that_does_not_exist(server, tmp_path, capsys):
    _refused(["collect", "-o", str(tmp_path / "out"), "--regions", f"{REGION},xx-nowhere-1",
              "--endpoint-url", server.url], capsys, "xx-nowhere-1", "no such region")
    _nothing_left(tmp_path)


def test_an_unreachable_endpoint(aws_env, tmp_path, capsys):
    url = f"http://127.0.0.1:{_free_port()}"
    _refused(["collect", "-o", str(tmp_path / "out"), "--regions", REGION, "--endpoint-url", url],
             capsys, url, "Could not connect")
    _nothing_left(tmp_path)


def test_no_credentials(server, tmp_path, capsys, monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    _refused(["collect", "-o", str(tmp_path / "out"), "--regions", REGION, "--endpoint-url", server.url],
             capsys, "credentials")
    _nothing_left(tmp_path)


def test_access_denied_on_one_call_names_it_and_leaves_nothing(aws_env, tmp_path, capsys, monkeypatch):
    """moto enforces IAM after its first N calls: a user whose policy denies describe-nat-gateways."""
    denied = MotoServer()
    denied.env["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"  # create_user, put_user_policy, create_access_key
    with denied:
        iam = denied.client("iam", "us-east-1")
        iam.create_user(UserName="reader")
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "ec2:DescribeNatGateways", "Resource": "*"}]}
        iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="reader")["AccessKey"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        monkeypatch.delenv("AWS_SESSION_TOKEN")
        err = _refused(["collect", "-o", str(tmp_path / "out"), "--regions", REGION, "--endpoint-url", denied.url],
                       capsys, "describe-nat-gateways", REGION, "access denied")
        assert key["SecretAccessKey"] not in err
    _nothing_left(tmp_path)


def test_a_folder_that_is_not_empty_is_refused_and_left_alone(server, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    _refused(["collect", "-o", str(out), "--regions", REGION, "--endpoint-url", server.url], capsys, "not empty")
    assert [p.name for p in out.iterdir()] == ["mine.txt"] and (out / "mine.txt").read_text() == "keep"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_empty_folder_is_filled(server, built, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert vpcemu(["collect", "-o", str(out), "--regions", REGION, "--endpoint-url", server.url]) == 0
    assert built["app"] in _vpc_ids(out / "accounts" / CALLER / REGION)


def test_without_boto3_one_line_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)  # `import boto3` now raises ImportError
    _refused(["collect", "-o", str(tmp_path / "out")], capsys, "pip install 'vpcemu[collect]'")
    _nothing_left(tmp_path)
