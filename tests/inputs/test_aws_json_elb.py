"""PrivateLink from AWS JSON (emulator/inputs/aws_json_elb.py): load balancers and their node
interfaces, target groups, listeners, target health and attributes, endpoint services, their
permissions and connections, GWLB endpoints, and what AWS would refuse (issue #4, Import).

The data is tests/inputs/privatelink_json.py: four accounts in the collector's multi-account
layout, every object in AWS's shape. Each test changes only what it is about.
"""
from __future__ import annotations

import copy
import json

import pytest

import emulator
from emulator import model as m
from emulator.cli import main as vpcemu
from emulator.dataplane.packet import int_to_ip
from emulator.inputs.errors import InputError
from emulator.inputs.yaml_writer import write_yaml
from tests.inputs.privatelink_json import (APP_NAME, APP_SVC, APP_SVC_NAME, APP_TG, CONSUMER, CONSUMER_ENDPOINT,
                                           FW_SVC, FW_SVC_NAME, FW_TG, GWLB_ARN, GWLB_ENDPOINT, INSPECTION, NLB_ARN,
                                           PARTNER, PARTNER_ENDPOINT, PROVIDER, REGION, accounts, folder,
                                           write_accounts)
from tests.inputs.test_yaml_writer import assert_same_network
from tests.paths import assert_dropped

CLIENT, PARTNER_HOST, WEB = "i-0c00000000000c001", "i-0e00000000000e001", "i-0d00000000000d001"
TARGETS = {"i-0a00000000000a001", "i-0a00000000000a002"}
APPLIANCES = {"i-0f00000000000f001", "i-0f00000000000f002"}


def load(tmp_path, data=None) -> emulator.Network:
    return emulator.load(write_accounts(tmp_path, accounts() if data is None else data))


def error(tmp_path, data) -> InputError:
    with pytest.raises(InputError) as caught:
        load(tmp_path, data)
    return caught.value


def file_of(tmp_path, account: str, key: str) -> str:
    return str(folder(tmp_path, account) / f"{key}.json")


def warnings_about(net, text: str) -> list[str]:
    return [w for w in net.topology.warnings if text in w]


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    return load(tmp_path_factory.mktemp("privatelink"))


# --- what is read --------------------------------------------------------------------------------


def test_the_data_loads_without_a_warning(net):
    assert net.topology.warnings == []


def test_the_nlb_takes_the_node_interfaces_described_elb_net(net):
    """Each enabled subnet holds one node: the interface `ELB net/<name>/<id>` in that subnet."""
    balancer = net.topology.get(NLB_ARN, m.LoadBalancer)
    assert (balancer.type, balancer.name, balancer.state) == ("network", "app-nlb", "active")
    assert balancer.network_interface_ids == ["eni-0a00000000000b001", "eni-0a00000000000b002"]
    assert [(l.port, l.protocol, l.target_group_arn) for l in balancer.listeners] == [(443, "TCP", APP_TG)]
    group = net.topology.get(APP_TG, m.TargetGroup)
    assert {(t.target_id, t.port, t.health) for t in group.targets} == {(t, 8443, "healthy") for t in TARGETS}
    assert group.proxy_protocol_v2 is True  # from TargetGroupAttributes (R64)


def test_the_service_its_principals_and_connections(net):
    service = net.topology.get(APP_SVC, m.EndpointService)
    assert (service.service_name, service.service_type, service.load_balancer_arns) == (APP_SVC_NAME, "Interface",
                                                                                       [NLB_ARN])
    assert service.acceptance_required and service.private_dns_name == APP_NAME
    assert service.allowed_principals == [f"arn:aws:iam::{CONSUMER}:root", f"arn:aws:iam::{PARTNER}:role/partner-app"]
    assert net.topology.get(CONSUMER_ENDPOINT, m.InterfaceEndpoint).state == "available"
    assert net.topology.get(PARTNER_ENDPOINT, m.InterfaceEndpoint).state == "pendingAcceptance"
    gwlbe = net.topology.get(GWLB_ENDPOINT, m.GatewayLoadBalancerEndpoint)
    assert (gwlbe.service_name, gwlbe.network_interface_id) == (FW_SVC_NAME, "eni-0d00000000000e001")
    assert net.topology.get(FW_TG, m.TargetGroup).flow_hash == 5


def test_r57_r64_the_consumer_reaches_a_target_which_sees_the_nlb_address(net):
    """Consumer -> its endpoint -> the service -> the NLB node in the same AZ (R61) -> a target;
    the target sees the node's address (R64), and the proxy protocol v2 header names the endpoint."""
    trace = net.trace_flow(CLIENT, APP_NAME)  # the service's verified private DNS name (R60, R50)
    assert trace.verdict == "delivered" and trace.delivered_to in TARGETS
    assert trace.path == [CLIENT, CONSUMER_ENDPOINT, APP_SVC, NLB_ARN, trace.delivered_to]
    assert int_to_ip(trace.packet_out.src) == "10.50.10.5" and trace.packet_out.dport == 8443
    balancer_hop = next(h for h in trace.hops if h.id == NLB_ARN)
    assert "proxy protocol v2" in balancer_hop.detail and CONSUMER_ENDPOINT in balancer_hop.detail
    zone_b = net.trace_flow(CLIENT, "10.50.2.100")
    assert int_to_ip(zone_b.packet_out.src) == "10.50.11.5"  # the endpoint ENI in eu-west-2b -> that AZ's node


def test_r62_both_directions_pass_and_the_reply_leaves_by_the_endpoint(net):
    trace = net.trace_flow(CLIENT, "10.50.1.100", with_return=True)
    assert trace.reachable and trace.reply.delivered_to == CLIENT
    assert int_to_ip(trace.reply.packet_out.src) == "10.50.1.100"


def test_r59_a_connection_awaiting_acceptance_carries_nothing(net):
    assert_dropped(net.trace_flow(PARTNER_HOST, "10.60.1.100"), "ENDPOINT_PENDING_ACCEPTANCE")


def test_r13_r68_r75_ingress_inspection_through_the_imported_gwlb(net):
    trace = net.trace_flow("internet", "3.8.10.10", src="198.51.100.7", with_return=True)
    assert trace.verdict == "delivered" and trace.delivered_to == WEB and trace.reachable
    appliance = [h.id for h in trace.hops if h.action == "inspect"]
    assert len(appliance) == 1 and appliance[0] in APPLIANCES
    assert [h.id for h in trace.reply.hops if h.action == "inspect"] == appliance  # R70: the same appliance
    assert trace.path[:4] == ["internet", "igw-0d1e2d3c4b5a69788", GWLB_ENDPOINT, GWLB_ARN]


def test_origins_name_each_file(net, tmp_path):
    assert net.topology.origin(NLB_ARN).endswith(f"/accounts/{PROVIDER}/{REGION}/LoadBalancers.json")
    assert net.topology.origin(FW_SVC).endswith(f"/accounts/{INSPECTION}/{REGION}/ServiceConfigurations.json")
    assert net.topology.origin(GWLB_ENDPOINT).endswith(f"/accounts/{CONSUMER}/{REGION}/VpcEndpoints.json")


# --- node interfaces ---------------------------------------------------------------------------------


def test_nodes_missing_from_network_interfaces_are_built_from_load_balancer_addresses(tmp_path):
    data = accounts()
    provider = data[PROVIDER]
    provider["NetworkInterfaces"] = provider["NetworkInterfaces"][:2]  # the node interfaces are absent
    zones = provider["LoadBalancers"][0]["AvailabilityZones"]
    for zone, address in zip(zones, ("10.50.10.7", "10.50.11.7")):
        zone["LoadBalancerAddresses"] = [{"PrivateIPv4Address": address}]
    net = load(tmp_path, data)
    balancer = net.topology.get(NLB_ARN, m.LoadBalancer)
    nodes = [net.topology.get(e, m.NetworkInterface) for e in balancer.network_interface_ids]
    assert [n.private_ip_addresses for n in nodes] == [["10.50.10.7"], ["10.50.11.7"]]
    assert all(n.id == m.deterministic_id("eni", NLB_ARN, n.subnet_id) for n in nodes)
    assert len(warnings_about(net, "is not in NetworkInterfaces, where AWS lists it")) == 2
    assert int_to_ip(net.trace_flow(CLIENT, APP_NAME).packet_out.src) == "10.50.10.7"


def test_a_node_with_neither_interface_nor_address_is_an_error(tmp_path):
    data = accounts()
    data[PROVIDER]["NetworkInterfaces"] = data[PROVIDER]["NetworkInterfaces"][:3]  # the node in eu-west-2b is absent
    caught = error(tmp_path, data)
    assert caught.file == file_of(tmp_path, PROVIDER, "LoadBalancers")
    assert caught.resource == NLB_ARN and caught.field == "AvailabilityZones[1].LoadBalancerAddresses"
    assert "subnet-0a0000000000000b2" in caught.message


def test_an_address_the_node_interface_lacks_is_an_error(tmp_path):
    data = accounts()
    data[PROVIDER]["LoadBalancers"][0]["AvailabilityZones"][0]["LoadBalancerAddresses"] = [
        {"PrivateIPv4Address": "10.50.10.99"}]
    caught = error(tmp_path, data)
    assert (caught.resource, caught.field) == (NLB_ARN, "AvailabilityZones[0].LoadBalancerAddresses")
    assert "10.50.10.99" in caught.message and "eni-0a00000000000b001" in caught.message


def test_a_load_balancer_that_is_not_active_is_left_out_with_its_nodes(tmp_path):
    """State.Code active only (as Batfish); the service then has no node and says so."""
    data = accounts()
    data[PROVIDER]["LoadBalancers"][0]["State"] = {"Code": "provisioning"}
    net = load(tmp_path, data)
    assert net.topology.get(NLB_ARN) is None and net.topology.get("eni-0a00000000000b001") is None
    assert warnings_about(net, f"{NLB_ARN} is provisioning")
    assert_dropped(net.trace_flow(CLIENT, "10.50.1.100"), "ENDPOINT_SERVICE_NOT_IN_AZ")


def test_an_arn_that_contradicts_the_type_is_reported(tmp_path):
    """moto names every load balancer `loadbalancer/app/…`; AWS names an NLB `loadbalancer/net/…`."""
    data = accounts()
    text = json.dumps(data[PROVIDER]).replace("loadbalancer/net/app-nlb", "loadbalancer/app/app-nlb")
    data[PROVIDER] = json.loads(text)
    for eni in data[PROVIDER]["NetworkInterfaces"][2:]:
        eni["Description"] = "ELB app/app-nlb/50dc6c495c0c9188"
    net = load(tmp_path, data)
    [warning] = warnings_about(net, "LoadBalancerArn: a network load balancer's ARN reads loadbalancer/net/")
    assert warning.startswith(file_of(tmp_path, PROVIDER, "LoadBalancers"))
    assert net.trace_flow(CLIENT, APP_NAME).verdict == "delivered"


# --- target groups, listeners, health, attributes ----------------------------------------------------


def test_when_every_target_is_unhealthy_the_nlb_fails_open(tmp_path):
    data = accounts()
    for description in data[PROVIDER]["LoadBalancerTargetHealth"][0]["TargetHealthDescriptions"]:
        description["TargetHealth"] = {"State": "unhealthy", "Reason": "Target.FailedHealthChecks"}
    net = load(tmp_path, data)
    trace = net.trace_flow(CLIENT, APP_NAME)
    assert trace.verdict == "delivered" and any("fails open" in h.detail for h in trace.hops)


def test_one_unhealthy_target_leaves_the_other(tmp_path):
    data = accounts()
    data[PROVIDER]["LoadBalancerTargetHealth"][0]["TargetHealthDescriptions"][0]["TargetHealth"]["State"] = "draining"
    net = load(tmp_path, data)
    for port in range(40000, 40008):
        assert net.trace_flow(CLIENT, APP_NAME, sport=port).delivered_to == "i-0a00000000000a002"


def test_a_health_state_aws_does_not_have_is_an_error(tmp_path):
    data = accounts()
    data[PROVIDER]["LoadBalancerTargetHealth"][0]["TargetHealthDescriptions"][1]["TargetHealth"]["State"] = "fine"
    caught = error(tmp_path, data)
    assert (caught.resource, caught.field) == (APP_TG, "TargetHealthDescriptions[1].TargetHealth.State")


def test_a_listener_on_another_port_misses(net):
    assert_dropped(net.trace_flow(CLIENT, "10.50.1.100", dport=80), "ENI_SG_RULES_MISMATCH")  # the endpoint's SG


def test_a_gwlb_without_a_listener_drops_what_its_endpoint_sends(tmp_path):
    data = accounts()
    data[INSPECTION]["LoadBalancerListeners"][0]["Listeners"] = []
    net = load(tmp_path, data)
    trace = net.trace_flow("internet", "3.8.10.10", src="198.51.100.7")
    assert_dropped(trace, "ELBV2_LISTENERS_MISMATCH")
    assert "inspect-gwlb has no listener" in trace.reason


def test_a_listener_to_a_group_of_another_vpc_is_an_error(tmp_path):
    data = accounts()
    data[PROVIDER]["TargetGroups"][0]["VpcId"] = "vpc-0c1e2d3c4b5a69788"
    caught = error(tmp_path, data)
    assert caught.file == file_of(tmp_path, PROVIDER, "LoadBalancerListeners")
    assert caught.field == "Listeners[0].DefaultActions[0].TargetGroupArn" and "app-tg" in caught.message


def test_a_geneve_group_behind_a_network_load_balancer_is_an_error(tmp_path):
    data = accounts()
    group = data[PROVIDER]["TargetGroups"][0]
    group.update(Protocol="GENEVE", Port=6081)
    caught = error(tmp_path, data)
    assert "R67" in caught.message and caught.resource == NLB_ARN


def test_gwlb_stickiness_comes_from_the_attributes(tmp_path):
    """R70: source_ip_dest_ip hashes on the 2-tuple; attributes may sit in LoadBalancerAttributes."""
    data = accounts()
    data[INSPECTION]["LoadBalancerAttributes"][0]["Attributes"] = [
        {"Key": "stickiness.enabled", "Value": "true"}, {"Key": "stickiness.type", "Value": "source_ip_dest_ip"}]
    net = load(tmp_path, data)
    assert net.topology.get(FW_TG, m.TargetGroup).flow_hash == 2
    chosen = {next(h.id for h in net.trace_flow("internet", "3.8.10.10", src="198.51.100.7", sport=p).hops
                   if h.action == "inspect") for p in range(40000, 40010)}
    assert len(chosen) == 1  # the ports do not matter to a 2-tuple hash


@pytest.mark.parametrize("attributes, field", [
    ([{"Key": "stickiness.enabled", "Value": "true"}], "Attributes"),
    ([{"Key": "stickiness.enabled", "Value": "true"}, {"Key": "stickiness.type", "Value": "lb_cookie"}],
     "Attributes[1].Value")])
def test_gwlb_stickiness_aws_does_not_have_is_an_error(tmp_path, attributes, field):
    data = accounts()
    data[INSPECTION]["LoadBalancerAttributes"][0]["Attributes"] = attributes
    caught = error(tmp_path, data)
    assert caught.file == file_of(tmp_path, INSPECTION, "LoadBalancerAttributes")
    assert (caught.resource, caught.field) == (FW_TG, field) and "R70" in caught.message


def test_an_attribute_that_is_not_true_or_false_is_an_error(tmp_path):
    data = accounts()
    data[PROVIDER]["TargetGroupAttributes"][0]["Attributes"][0]["Value"] = "yes"
    caught = error(tmp_path, data)
    assert caught.file == file_of(tmp_path, PROVIDER, "TargetGroupAttributes")
    assert (caught.resource, caught.field) == (APP_TG, "Attributes[0].Value")


def test_nlb_source_ip_stickiness_is_reported_as_not_modelled(tmp_path):
    data = accounts()
    data[PROVIDER]["TargetGroupAttributes"][0]["Attributes"][1]["Value"] = "true"
    net = load(tmp_path, data)
    assert warnings_about(net, "stickiness (source_ip) of app-tg is not modelled")


def test_application_load_balancers_and_their_groups_earn_one_warning(tmp_path):
    data = accounts()
    alb = f"arn:aws:elasticloadbalancing:{REGION}:{PROVIDER}:loadbalancer/app/web-alb/1a2b3c4d5e6f7a8b"
    web_tg = f"arn:aws:elasticloadbalancing:{REGION}:{PROVIDER}:targetgroup/web/1a2b3c4d5e6f7a8b"
    provider = data[PROVIDER]
    provider["LoadBalancers"].append({"LoadBalancerArn": alb, "LoadBalancerName": "web-alb", "Type": "application",
                                      "State": {"Code": "active"}, "VpcId": "vpc-0b1e2d3c4b5a69788",
                                      "AvailabilityZones": []})
    provider["TargetGroups"] += [{"TargetGroupArn": web_tg, "TargetGroupName": "web", "Protocol": "HTTP", "Port": 80,
                                  "VpcId": "vpc-0b1e2d3c4b5a69788", "TargetType": "instance"},
                                 {"TargetGroupArn": web_tg + "0", "TargetGroupName": "fn", "TargetType": "lambda",
                                  "VpcId": "vpc-0b1e2d3c4b5a69788"}]
    provider["LoadBalancerListeners"].append({"LoadBalancerArn": alb, "Listeners": [
        {"Port": 80, "Protocol": "HTTP", "DefaultActions": [{"Type": "forward", "TargetGroupArn": web_tg}]}]})
    provider["LoadBalancerTargetHealth"].append({"TargetGroupArn": web_tg, "TargetHealthDescriptions": []})
    net = load(tmp_path, data)
    [warning] = warnings_about(net, "vpcemu models Network and Gateway Load Balancers only")
    assert "1 Application Load Balancers" in warning and "1 target groups of protocol HTTP" in warning
    assert "1 target groups of protocol none" in warning
    assert len(net.topology.warnings) == 1


# --- endpoint services and what AWS refuses --------------------------------------------------------


def test_r61_an_endpoint_in_an_az_the_service_lacks_is_an_error(tmp_path):
    data = accounts()
    provider = data[PROVIDER]
    provider["LoadBalancers"][0]["AvailabilityZones"].pop()  # the NLB is enabled in eu-west-2a only
    provider["NetworkInterfaces"].pop()
    provider["ServiceConfigurations"][0]["AvailabilityZones"] = [f"{REGION}a"]
    caught = error(tmp_path, data)
    assert caught.file == file_of(tmp_path, CONSUMER, "VpcEndpoints")
    assert (caught.resource, caught.field) == (CONSUMER_ENDPOINT, "SubnetIds[1]")
    assert "eu-west-2b" in caught.message and "R61" in caught.message


def test_r44_availability_zones_are_compared_by_id(tmp_path):
    """The partner account calls euw2-az2 `eu-west-2c`: its endpoint is where the NLB is."""
    data = accounts()
    data[PARTNER]["Subnets"][0]["AvailabilityZone"] = f"{REGION}c"
    for eni in data[PARTNER]["NetworkInterfaces"]:
        eni["AvailabilityZone"] = f"{REGION}c"
    data[PROVIDER]["VpcEndpointConnections"][1]["VpcEndpointState"] = "available"
    net = load(tmp_path, data)
    trace = net.trace_flow(PARTNER_HOST, "10.60.1.100")
    assert trace.verdict == "delivered" and int_to_ip(trace.packet_out.src) == "10.50.10.5"  # the euw2-az2 node
    data[PARTNER]["Subnets"][0]["AvailabilityZoneId"] = "euw2-az1"  # now truly another zone
    caught = error(tmp_path / "second", data)
    assert (caught.resource, caught.field) == (PARTNER_ENDPOINT, "SubnetIds[0]")


def test_r57_an_interface_endpoint_to_a_gwlb_service_is_an_error(tmp_path):
    data = accounts()
    data[PARTNER]["VpcEndpoints"][0]["ServiceName"] = FW_SVC_NAME
    caught = error(tmp_path, data)
    assert (caught.resource, caught.field) == (PARTNER_ENDPOINT, "VpcEndpointType")
    assert "GatewayLoadBalancer service" in caught.message


def test_r54_an_endpoint_in_another_region_is_an_error_unless_the_service_supports_it(tmp_path):
    """The partner's VPC is in eu-west-1; the service (eu-west-2) must list that region."""
    data = accounts()
    partner = json.loads(json.dumps(data.pop(PARTNER)).replace(REGION, "eu-west-1").replace("euw2-", "euw1-")
                         .replace(APP_SVC_NAME.replace(REGION, "eu-west-1"), APP_SVC_NAME))
    data[PROVIDER]["VpcEndpointConnections"][1]["VpcEndpointState"] = "available"
    data[PROVIDER]["ServiceConfigurations"][0]["SupportedRegions"] = [{"Region": REGION, "ServiceState": "Available"}]
    for root, supported in ((tmp_path / "refused", False), (tmp_path / "supported", True)):
        if supported:
            data[PROVIDER]["ServiceConfigurations"][0]["SupportedRegions"].append(
                {"Region": "eu-west-1", "ServiceState": "Available"})
        write_accounts(root, data)
        other = root / "aws_configs" / "accounts" / PARTNER / "eu-west-1"
        other.mkdir(parents=True)
        for key, items in partner.items():
            (other / f"{key}.json").write_text(json.dumps({key: items}))
        if not supported:
            with pytest.raises(InputError) as caught:
                emulator.load(root)
            assert (caught.value.resource, caught.value.field) == (PARTNER_ENDPOINT, "ServiceName")
            assert "does not support eu-west-1" in caught.value.message and "R54" in caught.value.message
            continue
        net = emulator.load(root)
        assert warnings_about(net, "cross-region PrivateLink is not modelled")
        assert_dropped(net.trace_flow(PARTNER_HOST, "10.60.1.100"), "ENDPOINT_SERVICE_NOT_IN_AZ")


def test_a_service_named_for_another_region_than_its_load_balancers_is_an_error(tmp_path):
    data = accounts()
    data[PROVIDER]["ServiceConfigurations"][0]["ServiceName"] = APP_SVC_NAME.replace(REGION, "eu-west-1")
    caught = error(tmp_path, data)
    assert caught.file == file_of(tmp_path, PROVIDER, "ServiceConfigurations")
    assert (caught.resource, caught.field) == (APP_SVC, "ServiceName") and "eu-west-2" in caught.message


def test_a_gwlb_endpoint_whose_service_is_missing_is_an_error(tmp_path):
    """The inspection account was collected, with its ServiceConfigurations: the service named by
    the GWLB endpoint does not exist, and AWS would have refused the endpoint."""
    data = accounts()
    data[INSPECTION]["ServiceConfigurations"] = []
    data[INSPECTION]["AllowedPrincipals"] = []
    data[INSPECTION]["VpcEndpointConnections"] = []
    caught = error(tmp_path, data)
    assert caught.file == file_of(tmp_path, CONSUMER, "VpcEndpoints")
    assert (caught.resource, caught.field) == (GWLB_ENDPOINT, "ServiceName")
    assert FW_SVC_NAME in caught.message and "R57" in caught.message


def test_a_gwlb_endpoint_whose_provider_was_not_collected_becomes_a_blackhole(tmp_path):
    """ServiceDetails (the consumer's describe-vpc-endpoint-services) names the service's owner,
    whose account is not in the data: the endpoint is left out and routes to it are blackholes (R17)."""
    data = accounts()
    del data[INSPECTION]
    data[CONSUMER]["ServiceDetails"] = [{"ServiceName": FW_SVC_NAME, "ServiceId": FW_SVC, "Owner": INSPECTION,
                                         "ServiceType": [{"ServiceType": "GatewayLoadBalancer"}]}]
    net = load(tmp_path, data)
    assert net.topology.get(GWLB_ENDPOINT) is None and net.topology.get("eni-0d00000000000e001") is None
    assert warnings_about(net, f"belongs to account {INSPECTION}, which was not collected")
    assert warnings_about(net, f"-> {GWLB_ENDPOINT} is active in the data")
    assert_dropped(net.trace_flow("internet", "3.8.10.10", src="198.51.100.7"), "BLACKHOLE_ROUTE")


def test_a_gwlb_endpoint_without_its_interface_is_an_error(tmp_path):
    """moto creates no interface for a GWLB endpoint; AWS gives it exactly one (R74)."""
    data = accounts()
    data[CONSUMER]["VpcEndpoints"][1]["NetworkInterfaceIds"] = []
    caught = error(tmp_path, data)
    assert (caught.resource, caught.field) == (GWLB_ENDPOINT, "NetworkInterfaceIds")
    assert "R74" in caught.message


def test_a_gwlb_service_type_other_than_aws_says_is_reported(tmp_path):
    """moto reports a GWLB service's ServiceType as `Gateway`."""
    data = accounts()
    data[INSPECTION]["ServiceConfigurations"][0]["ServiceType"] = [{"ServiceType": "Gateway"}]
    net = load(tmp_path, data)
    [warning] = net.topology.warnings
    assert warning.startswith(f"{file_of(tmp_path, INSPECTION, 'ServiceConfigurations')}: {FW_SVC}: ServiceType:")
    assert net.topology.get(FW_SVC, m.EndpointService).service_type == "GatewayLoadBalancer"


def test_an_unverified_private_dns_name_is_not_used(tmp_path):
    data = accounts()
    data[PROVIDER]["ServiceConfigurations"][0]["PrivateDnsNameConfiguration"]["State"] = "pendingVerification"
    net = load(tmp_path, data)
    assert net.topology.get(APP_SVC, m.EndpointService).private_dns_name is None
    assert warnings_about(net, "is pendingVerification")
    with pytest.raises(InputError):
        net.trace_flow(CLIENT, APP_NAME)  # no longer resolves


def test_a_service_that_is_not_available_leaves_its_endpoints_without_traffic(tmp_path):
    data = accounts()
    data[PROVIDER]["ServiceConfigurations"][0]["ServiceState"] = "Deleting"
    net = load(tmp_path, data)
    assert warnings_about(net, f"{APP_SVC} is Deleting")
    assert_dropped(net.trace_flow(CLIENT, "10.50.1.100"), "BAD_STATE")


# --- permissions and connections ---------------------------------------------------------------------


def test_permissions_without_a_service_id_are_an_error(tmp_path):
    data = accounts()
    data[PROVIDER]["AllowedPrincipals"] = [{"Principal": f"arn:aws:iam::{CONSUMER}:root", "PrincipalType": "Account"}]
    caught = error(tmp_path, data)
    assert caught.file == file_of(tmp_path, PROVIDER, "AllowedPrincipals") and caught.field == "ServiceId"


def test_permissions_may_name_their_service_one_principal_at_a_time(tmp_path):
    data = accounts()
    data[PROVIDER]["AllowedPrincipals"] = [{"ServiceId": APP_SVC, "Principal": "*", "PrincipalType": "All"}]
    net = load(tmp_path, data)
    assert net.topology.get(APP_SVC, m.EndpointService).allowed_principals == ["*"]


def test_r58_an_endpoint_whose_account_is_no_longer_allowed_is_kept_with_a_warning(tmp_path):
    """Removing a permission does not remove connections made before (R58)."""
    data = accounts()
    data[PROVIDER]["AllowedPrincipals"][0]["AllowedPrincipals"].pop(1)
    net = load(tmp_path, data)
    [warning] = warnings_about(net, f"belongs to account {PARTNER}")
    assert warning.startswith(f"{file_of(tmp_path, PARTNER, 'VpcEndpoints')}: {PARTNER_ENDPOINT}: ")
    assert "R58" in warning


def test_r59_the_providers_connection_state_decides(tmp_path):
    data = accounts()
    data[PROVIDER]["VpcEndpointConnections"][0]["VpcEndpointState"] = "rejected"
    net = load(tmp_path, data)
    [warning] = warnings_about(net, "VpcEndpointState: rejected, but VpcEndpoints says available")
    assert warning.startswith(f"{file_of(tmp_path, PROVIDER, 'VpcEndpointConnections')}: {CONSUMER_ENDPOINT}:")
    assert_dropped(net.trace_flow(CLIENT, "10.50.1.100"), "ENDPOINT_CONNECTION_REJECTED")
    with pytest.raises(InputError, match="NXDOMAIN"):
        net.trace_flow(CLIENT, APP_NAME)  # R50: private DNS answers for available endpoints only


def test_r59_a_connection_accepted_later_than_the_consumer_snapshot_carries_traffic(tmp_path):
    data = accounts()
    data[PROVIDER]["VpcEndpointConnections"][1]["VpcEndpointState"] = "available"
    net = load(tmp_path, data)
    assert net.trace_flow(PARTNER_HOST, "10.60.1.100").verdict == "delivered"


def test_a_connection_naming_another_service_is_an_error(tmp_path):
    data = accounts()
    data[INSPECTION]["VpcEndpointConnections"][0]["VpcEndpointId"] = CONSUMER_ENDPOINT
    caught = error(tmp_path, data)
    assert caught.file == file_of(tmp_path, INSPECTION, "VpcEndpointConnections")
    assert (caught.resource, caught.field) == (CONSUMER_ENDPOINT, "ServiceId")


def test_a_rejected_endpoint_is_kept_and_drops_with_its_code(tmp_path):
    data = accounts()
    data[PARTNER]["VpcEndpoints"][0]["State"] = "rejected"
    data[PROVIDER]["VpcEndpointConnections"][1]["VpcEndpointState"] = "rejected"
    net = load(tmp_path, data)
    assert_dropped(net.trace_flow(PARTNER_HOST, "10.60.1.100"), "ENDPOINT_CONNECTION_REJECTED")


def test_an_endpoint_being_deleted_is_left_out_as_before(tmp_path):
    data = accounts()
    data[PARTNER]["VpcEndpoints"][0]["State"] = "deleting"
    net = load(tmp_path, data)
    assert net.topology.get(PARTNER_ENDPOINT) is None and net.topology.get("eni-0e00000000000e0e9") is None


# --- the YAML written from it, and the CLI ---------------------------------------------------------


def test_privatelink_round_trips_through_vpcemu_import(tmp_path):
    """`vpcemu import` keeps every id (load balancers, their nodes, groups, services, endpoints),
    and the YAML traces like the JSON: every flow of every instance, and the PrivateLink ones."""
    root = write_accounts(tmp_path / "json", accounts())
    out = tmp_path / "imported.yaml"
    assert vpcemu(["import", str(root), "-o", str(out)]) == 0
    original, written = emulator.load(root), emulator.load(out)
    before = {r.id: type(r) for r in original.topology.resources.values()}
    after = {r.id: type(r) for r in written.topology.resources.values()}
    assert after == before
    assert written.topology.get(NLB_ARN, m.LoadBalancer).network_interface_ids == [
        "eni-0a00000000000b001", "eni-0a00000000000b002"]
    assert written.topology.get(PARTNER_ENDPOINT, m.InterfaceEndpoint).state == "pendingAcceptance"
    assert assert_same_network(original, written) > 1000
    for source, destination in ((CLIENT, APP_NAME), (PARTNER_HOST, "10.60.1.100")):
        a, b = original.trace_flow(source, destination), written.trace_flow(source, destination)
        assert (a.verdict, a.code, a.path, a.packet_out) == (b.verdict, b.code, b.path, b.packet_out)
    a = original.trace_flow("internet", "3.8.10.10", src="198.51.100.7", with_return=True)
    b = written.trace_flow("internet", "3.8.10.10", src="198.51.100.7", with_return=True)
    assert (a.path, a.reply.path, a.packet_out) == (b.path, b.reply.path, b.packet_out)


def test_the_writer_names_an_allowed_principal_when_the_account_root_is_not_allowed(tmp_path):
    """The partner's role is allowed, its account root is not: the YAML says who created the endpoint."""
    network = load(tmp_path)
    path = tmp_path / "pl.yaml"
    write_yaml(copy.deepcopy(network.topology), path)
    text = path.read_text()
    assert f"principal: arn:aws:iam::{PARTNER}:role/partner-app" in text
    assert "creators of endpoints" in text.splitlines()[2]
    assert emulator.load(path).topology.get(PARTNER_ENDPOINT).state == "pendingAcceptance"


def test_bad_data_is_one_line_and_exit_status_2(tmp_path, capsys):
    data = accounts()
    data[CONSUMER]["VpcEndpoints"][1]["NetworkInterfaceIds"] = []
    root = write_accounts(tmp_path, data)
    assert vpcemu(["trace", str(root), "--from", CLIENT, "--to", "10.50.1.100"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"VpcEndpoints.json: {GWLB_ENDPOINT}: NetworkInterfaceIds: " in err
