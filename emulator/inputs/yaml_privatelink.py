"""YAML for PrivateLink's provider side and DNS: target groups, load balancers, endpoint services,
Gateway Load Balancer endpoints, consumer endpoints to endpoint services, private hosted zones.

Mixed into the readers of topology_yaml.py: `VpcReading` into VpcContext (per-VPC sections),
`RegionReading` into YamlReader (per-region and whole-file sections).
"""
from __future__ import annotations

import re
from typing import Any

from .. import model as m
from .errors import shown

PRINCIPAL_ARN = re.compile(r"arn:aws:iam::[0-9]{12}:(root|user/.+|role/.+)")
_AWS_SERVICE = re.compile(r"^com\.amazonaws\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.(?P<service>[a-z0-9.-]+)$")
HEALTH_STATES = ("healthy", "unhealthy", "draining", "unused", "initial", "unavailable")
GENEVE_PORT = 6081


def aws_service_region(service_name: str) -> str | None:
    """The region of an AWS service name (`com.amazonaws.<region>.<service>`), None for others."""
    match = _AWS_SERVICE.match(service_name)
    return match["region"] if match and not service_name.startswith("com.amazonaws.vpce.") else None


def principal_allowed(principal: str, allowed: list[str]) -> bool:
    """R58: `*`, the account root (every principal of that account), or the exact user/role ARN."""
    account = principal.split(":")[4] if principal.count(":") >= 5 else principal
    for entry in allowed:
        if entry == "*" or entry == principal:
            return True
        if entry.endswith(":root") and entry.split(":")[4] == account:
            return True
    return False


class VpcReading:
    """Per-VPC sections: target_groups, load_balancers, and endpoints to endpoint services."""

    def read_target_group(self, name: str, spec: dict) -> None:
        r = self.r
        where = f"{self.where}.target_groups.{name}"
        r.check_keys(spec, {"arn", "protocol", "port", "target_type", "targets", "proxy_protocol_v2", "flow_hash"}, where)
        protocol = str(spec.get("protocol", "TCP")).upper()
        if protocol not in ("TCP", "UDP", "TLS", "TCP_UDP", "GENEVE"):
            raise r.error(where, "protocol", f"TCP, UDP, TLS, TCP_UDP or GENEVE; got {shown(spec.get('protocol'))}")
        port = r.integer(spec.get("port", GENEVE_PORT if protocol == "GENEVE" else 0), where, "port")
        if protocol == "GENEVE" and port != GENEVE_PORT:
            raise r.error(where, "port", "GENEVE target groups use port 6081 only (R67)")
        if not 1 <= port <= 65535:
            raise r.error(where, "port", f"port out of range: {port}")
        target_type = r.choice(spec, "target_type", ("instance", "ip"), "instance", where)
        flow_hash = r.integer(spec.get("flow_hash", 5), where, "flow_hash")
        if flow_hash not in (2, 3, 5):
            raise r.error(where, "flow_hash", "a flow is hashed on 5, 3 or 2 fields (R70)")
        arn = str(spec.get("arn") or f"arn:aws:elasticloadbalancing:{self.vpc.region}:{self.vpc.owner_id}:"
                                    f"targetgroup/{name}/{self.new_id('tg', name)[3:19]}")
        self.register("target group", name, arn, where)
        group = m.TargetGroup(arn, name, protocol, port, target_type, self.vpc.vpc_id,
                              proxy_protocol_v2=r.flag(spec, "proxy_protocol_v2", False, where), flow_hash=flow_hash,
                              name=name, **self.common())
        for i, target in enumerate(r.sequence(spec.get("targets"), where, "targets")):
            twhere = f"{where}.targets[{i}]"
            target = r.mapping(target, twhere)
            r.check_keys(target, {"target", "port", "health"}, twhere)
            ref = target.get("target")
            if ref is None:
                raise r.error(twhere, "target", "required: an instance name or id, or an IP address")
            if target_type == "instance":
                target_id = r.ref("instance", ref, twhere, "target")
            else:
                target_id = r.address(ref, twhere, "target")
            health = r.choice(target, "health", HEALTH_STATES, "healthy", twhere)
            group.targets.append(m.Target(target_id, r.integer(target.get("port", port), twhere, "port"), health))
        r.topology.add(group)

    def read_load_balancer(self, name: str, spec: dict) -> None:
        r = self.r
        where = f"{self.where}.load_balancers.{name}"
        r.check_keys(spec, {"arn", "type", "subnets", "private_ips", "network_interface_ids", "listeners",
                            "target_group", "state"}, where)
        kind = r.choice(spec, "type", ("network", "gateway"), "network", where)
        subnets = [self.subnet(s, where, "subnets") for s in r.sequence(spec.get("subnets"), where, "subnets")]
        if not subnets:
            raise r.error(where, "subnets", "a load balancer needs at least one subnet")
        azs = [s.availability_zone for s in subnets]
        if len(set(azs)) != len(azs):
            raise r.error(where, "subnets", "one subnet per Availability Zone")
        short = "net" if kind == "network" else "gwy"
        arn = str(spec.get("arn") or f"arn:aws:elasticloadbalancing:{self.vpc.region}:{self.vpc.owner_id}:"
                                    f"loadbalancer/{short}/{name}/{self.new_id('lb', name)[3:19]}")
        self.register("load balancer", name, arn, where)
        wanted = r.mapping(spec.get("private_ips"), where, "private_ips")
        eni_ids = r.mapping(spec.get("network_interface_ids"), where, "network_interface_ids")  # kept by import
        enis = []
        for s in subnets:
            address = self.allocate(s, wanted.get(s.name), where, "private_ips")
            eni_id = str(eni_ids.get(s.name) or self.new_id("eni", f"{name}-{s.name}"))
            interface_type = "network_load_balancer" if kind == "network" else "gateway_load_balancer"
            r.topology.add(m.NetworkInterface(eni_id, s.subnet_id, self.vpc.vpc_id, [address],
                                              interface_type=interface_type, requester_managed=True,
                                              description=f"ELB {short}/{name}", **self.common()))
            enis.append(eni_id)
        listeners = []
        if kind == "gateway":
            if spec.get("listeners"):
                raise r.error(where, "listeners", "a Gateway Load Balancer has one listener for every port: "
                                                  "name its target_group instead (R67)")
            group = self._target_group(spec.get("target_group"), where, "target_group")
            if group.protocol != "GENEVE":
                raise r.error(where, "target_group", f"{group.name} must use GENEVE on port 6081 (R67)")
            listeners.append(m.Listener(None, "GENEVE", group.target_group_arn))
        else:
            for i, listener in enumerate(r.sequence(spec.get("listeners"), where, "listeners")):
                lwhere = f"{where}.listeners[{i}]"
                listener = r.mapping(listener, lwhere)
                r.check_keys(listener, {"port", "protocol", "target_group"}, lwhere)
                port = r.integer(listener.get("port"), lwhere, "port")
                group = self._target_group(listener.get("target_group"), lwhere, "target_group")
                if group.protocol == "GENEVE":
                    raise r.error(lwhere, "target_group", "GENEVE target groups belong to Gateway Load Balancers")
                listeners.append(m.Listener(port, str(listener.get("protocol", group.protocol)).upper(),
                                            group.target_group_arn))
        r.topology.add(m.LoadBalancer(arn, name, kind, self.vpc.vpc_id, [s.subnet_id for s in subnets], enis,
                                      listeners=listeners, state=r.choice(spec, "state", ("active", "provisioning",
                                                                                           "failed"), "active", where),
                                      name=name, **self.common()))

    def _target_group(self, ref: Any, where: str, field: str) -> m.TargetGroup:
        if ref is None:
            raise self.r.error(where, field, "required")
        group = self.r.topology.get(self.ref("target group", ref, where, field), m.TargetGroup)
        if group.vpc_id != self.vpc.vpc_id:
            raise self.r.error(where, field, f"target group {ref} is in another VPC")
        return group

    def read_gwlb_endpoint(self, name: str, spec: dict, endpoint_id: str, state: str) -> None:
        r = self.r
        where = f"{self.where}.endpoints.{name}"
        subnet = self.subnet(spec.get("subnet"), where, "subnet")
        address = self.allocate(subnet, spec.get("private_ip"), where, "private_ip")
        eni_id = str(spec.get("network_interface_id") or self.new_id("eni", f"{name}-gwlbe"))
        r.topology.add(m.NetworkInterface(eni_id, subnet.subnet_id, self.vpc.vpc_id, [address], groups=[],
                                          interface_type="gateway_load_balancer_endpoint", requester_managed=True,
                                          source_dest_check=False, description=f"VPC Endpoint Interface {endpoint_id}",
                                          **self.common()))
        endpoint = m.GatewayLoadBalancerEndpoint(endpoint_id, self.vpc.vpc_id, subnet.subnet_id,
                                                 str(spec.get("service", "")), eni_id, state=state,
                                                 requester=self.principal(spec, where), name=name, **self.common())
        r.topology.add(endpoint)
        r.pending_services.append((endpoint, where, "state" in spec))

    def principal(self, spec: dict, where: str) -> str:
        """Who creates the endpoint (R58): an IAM ARN, by default the VPC owner's account root."""
        if spec.get("principal") is None:
            return f"arn:aws:iam::{self.vpc.owner_id}:root"
        principal = self.r.text(spec["principal"], where, "principal")
        if not PRINCIPAL_ARN.fullmatch(principal):
            raise self.r.error(where, "principal",
                               f"{shown(principal)}: an account root, user or role ARN "
                               f"(arn:aws:iam::123456789012:root) (R58)")
        return principal


class RegionReading:
    """Per-region endpoint_services, the consumer endpoints that name them, private_hosted_zones."""

    def read_endpoint_service(self, region: str, name: str, spec: dict) -> None:
        where = f"regions.{region}.endpoint_services.{name}"
        self.check_keys(spec, {"id", "load_balancers", "acceptance_required", "allowed_principals", "private_dns_name",
                               "accepted", "rejected"}, where)
        arns = [self.ref("load balancer", lb, where, "load_balancers")
                for lb in self.sequence(spec.get("load_balancers"), where, "load_balancers")]
        if not arns:
            raise self.error(where, "load_balancers", "an endpoint service needs a load balancer (R57)")
        balancers = [self.topology.get(a, m.LoadBalancer) for a in arns]
        kinds = {lb.type for lb in balancers}
        if len(kinds) > 1:
            raise self.error(where, "load_balancers", "all Network or all Gateway Load Balancers")
        if any(lb.region != region for lb in balancers):
            raise self.error(where, "load_balancers", f"the load balancers must be in {region} (R57)")
        service_type = "GatewayLoadBalancer" if kinds == {"gateway"} else "Interface"
        private_dns = spec.get("private_dns_name")
        if private_dns and service_type == "GatewayLoadBalancer":
            raise self.error(where, "private_dns_name", "GWLB endpoint services have no private DNS name (R60)")
        service_id = str(spec.get("id") or self.new_id("vpce-svc", region, name))
        principals = [str(p) for p in self.sequence(spec.get("allowed_principals"), where, "allowed_principals")]
        for p in principals:
            if p != "*" and not PRINCIPAL_ARN.fullmatch(p):
                raise self.error(where, "allowed_principals",
                                 f"{shown(p)}: an account root, user or role ARN (arn:aws:iam::123456789012:root), or * (R58)")
        service = m.EndpointService(service_id, f"com.amazonaws.vpce.{region}.{service_id}", service_type, arns, region,
                                    balancers[0].owner_id, self.flag(spec, "acceptance_required", True, where), principals,
                                    str(private_dns) if private_dns else None, name=name)
        self.register("endpoint service", name, service_id, where)
        self.names[("endpoint service", service.service_name)] = service_id
        self.topology.add(service)
        self.service_decisions[service_id] = (
            [str(e) for e in self.sequence(spec.get("accepted"), where, "accepted")],
            [str(e) for e in self.sequence(spec.get("rejected"), where, "rejected")], where)

    def resolve_endpoint_services(self) -> None:
        """Consumer endpoints name endpoint services: check principals (R58), AZs (R44, R61), and set
        each connection's state from acceptance (R59)."""
        subnets = {s.subnet_id: s for s in self.topology.all(m.Subnet)}
        for endpoint, where, state_given in self.pending_services:
            ref = endpoint.service_name
            service_id = self.names.get(("endpoint service", ref))
            if service_id is None:
                raise self.error(where, "service", f"unknown endpoint service {shown(ref)}")
            service = self.topology.get(service_id, m.EndpointService)
            gwlb = isinstance(endpoint, m.GatewayLoadBalancerEndpoint)
            if gwlb != (service.service_type == "GatewayLoadBalancer"):
                raise self.error(where, "service", f"{ref} is a {service.service_type} service: use an "
                                                   f"{'interface' if gwlb else 'gatewayloadbalancer'} endpoint (R57)")
            endpoint.service_name = service.service_name
            requester = endpoint.requester or f"arn:aws:iam::{endpoint.owner_id}:root"
            if requester.split(":")[4] != service.owner_id and not principal_allowed(requester, service.allowed_principals):
                allowed = ", ".join(service.allowed_principals) or "none"
                raise self.error(where, "principal", f"{requester} is not an allowed principal of {service.service_name} "
                                                     f"({service.name}); allowed: {allowed} (R58)")
            service_azs = {subnets[s].availability_zone_id or subnets[s].availability_zone
                           for lb in service.load_balancer_arns for s in self.topology.get(lb, m.LoadBalancer).subnet_ids}
            consumer = [endpoint.subnet_id] if gwlb else endpoint.subnet_ids
            for subnet_id in consumer:
                subnet = subnets[subnet_id]
                if (subnet.availability_zone_id or subnet.availability_zone) not in service_azs:
                    raise self.error(where, "subnets", f"{subnet.availability_zone}: {service.name} is offered only in "
                                                       f"{', '.join(sorted(service_azs))} (R61)")
            if endpoint.region != service.region:
                raise self.error(where, "service", f"{service.service_name} is in {service.region}, the endpoint in "
                                                   f"{endpoint.region}")
            accepted, rejected, _ = self.service_decisions[service_id]
            names = {endpoint.name, endpoint.vpc_endpoint_id}
            if not state_given:
                if names & set(rejected):
                    endpoint.state = "rejected"
                elif service.acceptance_required and not names & set(accepted):
                    endpoint.state = "pendingAcceptance"
                else:
                    endpoint.state = "available"
        for service_id, (accepted, rejected, where) in self.service_decisions.items():
            for ref in accepted + rejected:
                if ("endpoint", ref) not in self.names:
                    raise self.error(where, "accepted" if ref in accepted else "rejected", f"unknown endpoint {shown(ref)}")

    def read_private_hosted_zones(self, zones: dict) -> None:
        for name, spec in zones.items():
            where = f"private_hosted_zones.{name}"
            spec = self.mapping(spec, where)
            self.check_keys(spec, {"id", "zone", "vpcs", "records"}, where)
            zone = str(spec.get("zone", name)).rstrip(".").lower()
            vpc_ids = [self.ref("vpc", v, where, "vpcs") for v in self.sequence(spec.get("vpcs"), where, "vpcs")]
            if not vpc_ids:
                raise self.error(where, "vpcs", "a private hosted zone is associated with at least one VPC (R135)")
            records: dict[str, list[str]] = {}
            for record, addresses in self.mapping(spec.get("records"), where, "records").items():
                fqdn = str(record).rstrip(".").lower()
                if not fqdn.endswith(zone) or (fqdn != zone and not fqdn.endswith("." + zone)):
                    fqdn = f"{fqdn}.{zone}"
                values = addresses if isinstance(addresses, list) else [addresses]
                records[fqdn] = [self.address(a, where, f"records.{record}") for a in values]
            zone_id = str(spec.get("id") or "Z" + self.new_id("z", zone)[2:22].upper())
            vpc = self.topology.get(vpc_ids[0], m.Vpc)
            self.topology.add(m.PrivateHostedZone(zone_id, zone, vpc_ids, records, vpc.region, vpc.owner_id, name=name))
