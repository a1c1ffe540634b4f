"""PrivateLink in the YAML that `vpcemu import` writes (yaml_writer.py calls this): target groups,
load balancers (their node interfaces keep AWS's ids through `network_interface_ids`), endpoint
services with their allowed principals, Gateway Load Balancer endpoints, and what interface
endpoints to endpoint services need beyond what the core writer gives them.

The reader checks what AWS checks when an endpoint is created (R58, R61), so the writer says who
created each consumer endpoint when the default (the account root of the endpoint's owner) is not
an allowed principal: an allowed user or role of that account if there is one. An available
connection to a service that requires acceptance is written in the service's `accepted` list
(R59); other states are written on the endpoint. What the format cannot carry is warned about:
principals that are not IAM ARNs, public addresses of internet-facing nodes, target
Availability Zones, service names not of the form `com.amazonaws.vpce.<region>.<service id>`, and
anything whose parts are missing from the topology.
"""
from __future__ import annotations

from typing import Any

from .. import model as m
from .aws_json_elb import IAM_PRINCIPAL as _IAM_PRINCIPAL
from .yaml_privatelink import aws_service_region, principal_allowed


def write_privatelink(writer, regions: dict[str, dict]) -> None:
    """Add target_groups, load_balancers and endpoints to the VPCs of `regions`, and
    endpoint_services to its regions."""
    t = writer.t
    groups, balancers = list(t.all(m.TargetGroup)), list(t.all(m.LoadBalancer))
    services = list(t.all(m.EndpointService))
    consumers = [e for e in t.all(m.InterfaceEndpoint) if aws_service_region(e.service_name) is None]
    consumers += list(t.all(m.GatewayLoadBalancerEndpoint))
    if not (groups or balancers or services or consumers):
        return
    writer.assign_keys(groups, scope_of=lambda g: g.vpc_id, name_of=lambda g: g.target_group_name)
    writer.assign_keys(balancers, scope_of=lambda b: b.vpc_id, name_of=lambda b: b.load_balancer_name)
    writer.assign_keys(services, scope_of=lambda s: s.region)
    w = _Writer(writer, regions)
    for group in groups:
        w.target_group(group)
    for balancer in balancers:
        w.load_balancer(balancer)
    for service in services:
        w.endpoint_service(service)
    for endpoint in consumers:
        w.consumer(endpoint)


class _Writer:
    def __init__(self, writer, regions: dict[str, dict]):
        self.w = writer
        self.t = writer.t
        self.regions = regions
        self.written_groups: set[str] = set()
        self.written_balancers: set[str] = set()
        self.written_services: dict[str, dict] = {}  # service id -> its spec

    def vpc_spec(self, vpc_id: str) -> dict | None:
        vpc = self.t.get(vpc_id, m.Vpc)
        if vpc is None:
            return None
        return self.regions.get(vpc.region, {}).get("vpcs", {}).get(self.w.keys[vpc_id])

    def target_group(self, group: m.TargetGroup) -> None:
        vpc = self.vpc_spec(group.vpc_id)
        if vpc is None:
            self.w.warnings.append(f"{group.label}: its VPC {group.vpc_id} is not in the topology; not written")
            return
        targets = []
        written_instances = {i.id for i in self.w.instances_of(group.vpc_id)}
        for target in group.targets:
            if group.target_type == "instance" and target.target_id not in written_instances:
                self.w.warnings.append(f"{group.label}: target {target.target_id} is not an instance written in "
                                       f"{group.vpc_id}; it is not written")
                continue
            if target.availability_zone:
                self.w.not_carried["target Availability Zones"] += 1
            targets.append(self.w.clean({"target": target.target_id, "port": target.port if target.port != group.port
                                         else None, "health": None if target.health == "healthy" else target.health}))
        vpc.setdefault("target_groups", {})[self.w.keys[group.id]] = self.w.clean({
            "arn": group.target_group_arn, "protocol": group.protocol, "port": group.port,
            "target_type": group.target_type, "proxy_protocol_v2": group.proxy_protocol_v2 or None,
            "flow_hash": None if group.flow_hash == 5 else group.flow_hash, "targets": targets})
        self.written_groups.add(group.id)

    def load_balancer(self, balancer: m.LoadBalancer) -> None:
        vpc = self.vpc_spec(balancer.vpc_id)
        nodes = [self.t.get(e, m.NetworkInterface) for e in balancer.network_interface_ids]
        listeners = [l for l in balancer.listeners if l.target_group_arn in self.written_groups]
        why = None
        if vpc is None:
            why = f"its VPC {balancer.vpc_id} is not in the topology"
        elif any(n is None for n in nodes) or {n.subnet_id for n in nodes} != set(balancer.subnet_ids):
            why = "its node interfaces are not all in the topology"
        elif balancer.type == "gateway" and not listeners:
            why = "a Gateway Load Balancer is written with its listener's target group, and it has none"
        if why is not None:
            self.w.warnings.append(f"{balancer.label}: {why}; not written")
            return
        if len(listeners) != len(balancer.listeners):
            self.w.warnings.append(f"{balancer.label}: listeners forwarding to target groups that were not written "
                                   f"are left out")
        key = self.w.keys
        for node in nodes:
            if node.association_public_ip:
                self.w.warnings.append(f"{balancer.label}: the public address {node.association_public_ip} of its "
                                       f"node {node.id} cannot be written")
        spec: dict[str, Any] = {"arn": balancer.load_balancer_arn, "type": balancer.type,
                                "subnets": list(balancer.subnet_ids),
                                "private_ips": {key[n.subnet_id]: n.private_ip_address for n in nodes},
                                "network_interface_ids": {key[n.subnet_id]: n.id for n in nodes}}
        if balancer.type == "gateway":
            spec["target_group"] = listeners[0].target_group_arn
        else:
            spec["listeners"] = [{"port": l.port, "protocol": l.protocol, "target_group": l.target_group_arn}
                                 for l in listeners]
        vpc.setdefault("load_balancers", {})[key[balancer.id]] = self.w.clean(spec)
        self.written_balancers.add(balancer.id)

    def endpoint_service(self, service: m.EndpointService) -> None:
        balancers = [a for a in service.load_balancer_arns if a in self.written_balancers]
        if not balancers:
            self.w.warnings.append(f"{service.label}: none of its load balancers was written; not written")
            return
        if len(balancers) != len(service.load_balancer_arns):
            self.w.warnings.append(f"{service.label}: load balancers that were not written are left out")
        principals = []
        for principal in service.allowed_principals:
            if principal == "*" or _IAM_PRINCIPAL.match(principal):
                principals.append(principal)
            else:
                self.w.warnings.append(f"{service.label}: allowed principal {principal!r} cannot be written (the "
                                       f"format takes *, account roots, users and roles)")
        expected = f"com.amazonaws.vpce.{service.region}.{service.service_id}"
        if service.service_name != expected:
            self.w.warnings.append(f"{service.label}: the format names the service {expected}, not "
                                   f"{service.service_name}")
        spec = self.w.clean({"id": service.service_id, "load_balancers": balancers,
                             "acceptance_required": service.acceptance_required, "allowed_principals": principals,
                             "private_dns_name": service.private_dns_name}, keep=("acceptance_required",))
        self.regions.setdefault(service.region, {}).setdefault("endpoint_services", {})[self.w.keys[service.id]] = spec
        self.written_services[service.service_id] = spec

    def consumer(self, endpoint) -> None:
        """A GWLB endpoint, or what an interface endpoint to an endpoint service needs in addition."""
        gwlb = isinstance(endpoint, m.GatewayLoadBalancerEndpoint)
        vpc = self.vpc_spec(endpoint.vpc_id)
        endpoints = vpc.setdefault("endpoints", {}) if vpc is not None else {}
        key = self.w.keys[endpoint.id]
        service = next((s for s in self.t.all(m.EndpointService) if s.service_name == endpoint.service_name), None)
        spec = self.written_services.get(service.service_id) if service is not None else None
        principal = self.principal(endpoint, service) if spec is not None else False
        if vpc is None or spec is None or principal is False:
            why = ("its VPC is not in the topology" if vpc is None else
                   f"its endpoint service {endpoint.service_name} was not written" if spec is None else
                   f"no allowed principal of {service.service_name} belongs to account {endpoint.owner_id}, and the "
                   f"reader checks one (R58)")
            self.w.warnings.append(f"{endpoint.label}: {why}; not written")
            endpoints.pop(key, None)
            return
        if gwlb:
            eni = self.t.get(endpoint.network_interface_id, m.NetworkInterface)
            entry = {"id": endpoint.vpc_endpoint_id, "type": "gatewayloadbalancer", "subnet": endpoint.subnet_id,
                     "private_ip": eni.private_ip_address, "network_interface_id": eni.id}
            endpoints[key] = entry
        entry = endpoints[key]
        expected = f"com.amazonaws.vpce.{service.region}.{service.service_id}"
        entry["service"] = service.service_name if service.service_name == expected else service.service_id
        if principal is not None:
            entry["principal"] = principal
            if principal != endpoint.requester:
                self.w.not_carried["creators of endpoints (an allowed principal of the account is written)"] += 1
        if endpoint.state != "available":
            entry["state"] = endpoint.state
        elif service.acceptance_required:
            spec.setdefault("accepted", []).append(endpoint.vpc_endpoint_id)

    @staticmethod
    def principal(endpoint, service: m.EndpointService) -> str | None | bool:
        """Who to write as the endpoint's creator: None for the default, False when none can be."""
        requester_account = (endpoint.requester or "").split(":")[4:5]
        if endpoint.requester and (requester_account == [service.owner_id]
                                   or principal_allowed(endpoint.requester, service.allowed_principals)):
            return endpoint.requester
        root = f"arn:aws:iam::{endpoint.owner_id}:root"
        if endpoint.owner_id == service.owner_id or principal_allowed(root, service.allowed_principals):
            return None
        same = [p for p in service.allowed_principals if _IAM_PRINCIPAL.match(p) and p.split(":")[4] == endpoint.owner_id]
        return same[0] if same else False
