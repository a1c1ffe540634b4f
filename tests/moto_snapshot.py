"""Write what boto3 clients describe into a folder of `<Key>.json` files, as the Batfish collector
(ratulm/bf-aws-snapshot) does: each file is one describe_* response with `ResponseMetadata` (and
paging tokens) removed, its datetimes written as ISO 8601 text, saved under its top-level key.

Tests build a network with moto (`@mock_aws`, boto3 `create_*` calls), call `write_snapshot`, and
import the folder with vpcemu exactly as they would import a real collection. Keep the signature:
other tests (transit gateways, PrivateLink, the core import) share it.

    folder = write_snapshot(tmp_path / "aws_configs", "eu-west-2", ec2, elbv2)
    # -> tmp_path/aws_configs/eu-west-2/Vpcs.json, Subnets.json, …

The files land in `<folder>/<region>/`, the collector's `aws_configs/<region>/X.json` layout (give
`folder` as `…/aws_configs/accounts/<account>` for the multi-account layout). Every key is written,
with an empty array when there is nothing, as the collector does.

What is written, and from which call:

* EC2: Vpcs (each with its describe_vpc_attribute answers for enableDnsSupport and
  enableDnsHostnames merged in as `"EnableDnsSupport": {"Value": …}`, which describe_vpcs lacks and
  the importer reads), Subnets, RouteTables, InternetGateways, NatGateways, NetworkInterfaces, Reservations
  (describe_instances), SecurityGroups, NetworkAcls, VpcEndpoints, PrefixLists
  (describe_prefix_lists), ManagedPrefixLists (describe_managed_prefix_lists, whose response key is
  also `PrefixLists`: it is renamed so the two outputs stay apart), Addresses,
  VpcPeeringConnections, TransitGateways, TransitGatewayAttachments, TransitGatewayVpcAttachments,
  TransitGatewayRouteTables, ServiceConfigurations (describe_vpc_endpoint_service_configurations),
  VpcEndpointConnections (describe_vpc_endpoint_connections).
* Prefix-list entries: one file `Entries-<pl-id>.json` per IPv4 list of either output (a list
  describe_managed_prefix_lists calls IPv6 is skipped, wherever it is listed),
  `{"PrefixListId": …, "Entries": [...]}` (get_managed_prefix_list_entries with the list's id).
* The collector's wrapper files, one element per table, load balancer, target group or service,
  with its id added:
  * TransitGatewayStaticRoutes: `{"TransitGatewayRouteTableId", "Routes", "AdditionalRoutesAvailable"}`
    (search_transit_gateway_routes with the filter type=static);
  * TransitGatewayPropagations: `{"TransitGatewayRouteTableId", "TransitGatewayRouteTablePropagations"}`
    (get_transit_gateway_route_table_propagations);
  * LoadBalancerListeners: `{"LoadBalancerArn", "Listeners"}` (describe_listeners);
  * LoadBalancerAttributes: `{"LoadBalancerArn", "Attributes"}` (describe_load_balancer_attributes);
  * LoadBalancerTargetHealth: `{"TargetGroupArn", "TargetHealthDescriptions"}` (describe_target_health);
  * TargetGroupAttributes: `{"TargetGroupArn", "Attributes"}` (describe_target_group_attributes);
  * AllowedPrincipals: `{"ServiceId", "AllowedPrincipals"}` (describe_vpc_endpoint_service_permissions).
* elbv2 (when a client is given): LoadBalancers, TargetGroups and the five ELB wrappers above.

A call that moto does not implement (it raises NotImplementedError; moto 5.2 lacks
describe_vpc_endpoint_connections) writes no file at all, so a test sees the gap and writes the
file itself in AWS's shape. Any other failure propagates.
"""
from __future__ import annotations

import json
from pathlib import Path

from emulator.collect import as_printed  # datetimes as the AWS CLI prints them

PAGING_KEYS = ("ResponseMetadata", "NextToken", "Marker", "NextMarker")

# (client method, key of the response that holds the data, key the file is written under)
EC2_CALLS = (
    ("describe_vpcs", "Vpcs", "Vpcs"),
    ("describe_subnets", "Subnets", "Subnets"),
    ("describe_route_tables", "RouteTables", "RouteTables"),
    ("describe_internet_gateways", "InternetGateways", "InternetGateways"),
    ("describe_nat_gateways", "NatGateways", "NatGateways"),
    ("describe_network_interfaces", "NetworkInterfaces", "NetworkInterfaces"),
    ("describe_instances", "Reservations", "Reservations"),
    ("describe_security_groups", "SecurityGroups", "SecurityGroups"),
    ("describe_network_acls", "NetworkAcls", "NetworkAcls"),
    ("describe_vpc_endpoints", "VpcEndpoints", "VpcEndpoints"),
    ("describe_prefix_lists", "PrefixLists", "PrefixLists"),
    ("describe_managed_prefix_lists", "PrefixLists", "ManagedPrefixLists"),
    ("describe_addresses", "Addresses", "Addresses"),
    ("describe_vpc_peering_connections", "VpcPeeringConnections", "VpcPeeringConnections"),
    ("describe_transit_gateways", "TransitGateways", "TransitGateways"),
    ("describe_transit_gateway_attachments", "TransitGatewayAttachments", "TransitGatewayAttachments"),
    ("describe_transit_gateway_vpc_attachments", "TransitGatewayVpcAttachments", "TransitGatewayVpcAttachments"),
    ("describe_transit_gateway_route_tables", "TransitGatewayRouteTables", "TransitGatewayRouteTables"),
    ("describe_vpc_endpoint_service_configurations", "ServiceConfigurations", "ServiceConfigurations"),
    ("describe_vpc_endpoint_connections", "VpcEndpointConnections", "VpcEndpointConnections"),
)
ELB_CALLS = (
    ("describe_load_balancers", "LoadBalancers", "LoadBalancers"),
    ("describe_target_groups", "TargetGroups", "TargetGroups"),
)


class _NotImplemented(Exception):
    """moto has no such call."""


def write_snapshot(folder: str | Path, region: str, ec2, elbv2=None) -> Path:
    """Write the describe_* outputs of `ec2` (and `elbv2`) to `<folder>/<region>/<Key>.json`;
    returns the folder holding the files."""
    for client in filter(None, (ec2, elbv2)):
        if client.meta.region_name != region:
            raise ValueError(f"the {client.meta.service_model.service_name} client is in "
                             f"{client.meta.region_name}, not {region}")
    out = Path(folder) / region
    out.mkdir(parents=True, exist_ok=True)
    data: dict[str, list] = {}
    for method, response_key, file_key in EC2_CALLS:
        try:
            data[file_key] = _items(ec2, method, response_key)
        except _NotImplemented:
            continue
    for vpc in data["Vpcs"]:
        for attribute, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
            vpc[key] = _strip(ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=attribute))[key]
    _prefix_list_entries(out, ec2, data)
    data["TransitGatewayStaticRoutes"] = [
        {"TransitGatewayRouteTableId": table_id,
         **_strip(ec2.search_transit_gateway_routes(
             TransitGatewayRouteTableId=table_id, Filters=[{"Name": "type", "Values": ["static"]}]))}
        for table_id in _ids(data["TransitGatewayRouteTables"], "TransitGatewayRouteTableId")]
    data["TransitGatewayPropagations"] = [
        {"TransitGatewayRouteTableId": table_id,
         "TransitGatewayRouteTablePropagations": _items(ec2, "get_transit_gateway_route_table_propagations",
                                                        "TransitGatewayRouteTablePropagations",
                                                        TransitGatewayRouteTableId=table_id)}
        for table_id in _ids(data["TransitGatewayRouteTables"], "TransitGatewayRouteTableId")]
    data["AllowedPrincipals"] = [
        {"ServiceId": service_id,
         "AllowedPrincipals": _items(ec2, "describe_vpc_endpoint_service_permissions", "AllowedPrincipals",
                                     ServiceId=service_id)}
        for service_id in _ids(data["ServiceConfigurations"], "ServiceId")]
    if elbv2 is not None:
        for method, response_key, file_key in ELB_CALLS:
            data[file_key] = _items(elbv2, method, response_key)
        balancers = _ids(data["LoadBalancers"], "LoadBalancerArn")
        groups = _ids(data["TargetGroups"], "TargetGroupArn")
        data["LoadBalancerListeners"] = [
            {"LoadBalancerArn": arn, "Listeners": _items(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=arn)}
            for arn in balancers]
        data["LoadBalancerAttributes"] = [
            {"LoadBalancerArn": arn, "Attributes": _items(elbv2, "describe_load_balancer_attributes", "Attributes",
                                                          LoadBalancerArn=arn)}
            for arn in balancers]
        data["LoadBalancerTargetHealth"] = [
            {"TargetGroupArn": arn, "TargetHealthDescriptions": _items(elbv2, "describe_target_health",
                                                                       "TargetHealthDescriptions", TargetGroupArn=arn)}
            for arn in groups]
        data["TargetGroupAttributes"] = [
            {"TargetGroupArn": arn, "Attributes": _items(elbv2, "describe_target_group_attributes", "Attributes",
                                                         TargetGroupArn=arn)}
            for arn in groups]
    for key, items in data.items():
        _write(out / f"{key}.json", {key: items})
    return out


def _prefix_list_entries(out: Path, ec2, data: dict[str, list]) -> None:
    families = {pl["PrefixListId"]: pl.get("AddressFamily", "IPv4") for pl in data["ManagedPrefixLists"]}
    seen: set[str] = set()
    for pl in data["PrefixLists"] + data["ManagedPrefixLists"]:
        pl_id = pl["PrefixListId"]
        if pl_id in seen or families.get(pl_id, "IPv4") != "IPv4":
            continue
        seen.add(pl_id)
        entries = _items(ec2, "get_managed_prefix_list_entries", "Entries", PrefixListId=pl_id)
        _write(out / f"Entries-{pl_id}.json", {"PrefixListId": pl_id, "Entries": entries})


def _ids(items: list[dict], key: str) -> list[str]:
    return [item[key] for item in items]


def _items(client, method: str, key: str, **kwargs) -> list:
    """Every item of one describe_* output, across pages."""
    try:
        if client.can_paginate(method):
            out: list = []
            for page in client.get_paginator(method).paginate(**kwargs):
                out.extend(page.get(key, []))
            return as_printed(out)
        return as_printed(getattr(client, method)(**kwargs).get(key, []))
    except NotImplementedError as error:  # moto raises it in-process for calls it lacks
        raise _NotImplemented(method) from error


def _strip(response: dict) -> dict:
    return as_printed({k: v for k, v in response.items() if k not in PAGING_KEYS})


def _write(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def read_key(folder: Path, key: str) -> list:
    """The array one `<Key>.json` holds (tests repair fixtures with read_key / write_key)."""
    return json.loads((Path(folder) / f"{key}.json").read_text())[key]


def write_key(folder: Path, key: str, items: list) -> None:
    _write(Path(folder) / f"{key}.json", {key: as_printed(items)})
