"""PrivateLink from AWS JSON: load balancers, target groups, endpoint services, their permissions
and connections, and the consumer endpoints that reach them. Mixed into AwsJsonLoader (aws_json.py),
which reads the keys below in this order, after the ENIs and before the route tables.

Keys (each value a JSON array, recognised by key as everywhere else):

* `ServiceDetails` (describe-vpc-endpoint-services): only who owns each service, to tell a service
  that was not collected (its owner's account is not in the data) from one that does not exist.
* `TargetGroups` (elbv2 describe-target-groups): Protocol, Port, TargetType, VpcId. Groups of
  Application Load Balancers (HTTP, HTTPS) and targets of type lambda or alb are not modelled:
  one warning names them, and a listener that forwards to one is left out.
* `LoadBalancerTargetHealth` (the Batfish collector's wrapper): one element per target group,
  `{"TargetGroupArn": …, "TargetHealthDescriptions": [...]}` (describe-target-health plus the
  ARN). Each description gives a target (Id, Port, AvailabilityZone) and TargetHealth.State.
* `TargetGroupAttributes` (vpcemu's wrapper, in the collector's style): one element per target
  group, `{"TargetGroupArn": …, "Attributes": [{"Key": …, "Value": …}]}`
  (describe-target-group-attributes plus the ARN). The collector's `LoadBalancerAttributes` may
  carry the same elements (with TargetGroupArn instead of LoadBalancerArn). Read:
  `proxy_protocol_v2.enabled` (R64) and, for GENEVE groups, `stickiness.enabled` with
  `stickiness.type` source_ip_dest_ip (2-tuple) or source_ip_dest_ip_proto (3-tuple) (R70).
  Source-IP stickiness of a Network Load Balancer's group is not modelled (each flow is hashed):
  warning.
* `LoadBalancers` (elbv2 describe-load-balancers): Type network or gateway (application: one
  warning, left out), State.Code `active` only (others are left out with their node interfaces,
  as Batfish does), AvailabilityZones[].SubnetId. Each enabled subnet holds one node: the
  interface describe-network-interfaces lists with Description `ELB net/<name>/<id>` (`ELB gwy/…`
  for a GWLB) in that subnet, or, when NetworkInterfaces lacks it,
  one built from AvailabilityZones[].LoadBalancerAddresses[].PrivateIPv4Address (with a warning
  if NetworkInterfaces was collected). Neither: error, as the node's address is unknown.
* `LoadBalancerListeners` (the collector's wrapper): `{"LoadBalancerArn": …, "Listeners": [...]}`
  per load balancer; each listener's Port, Protocol and its `forward` DefaultAction's
  TargetGroupArn (or the first of ForwardConfig.TargetGroups, with a warning if there are more).
  A Gateway Load Balancer's listener takes every port (R67).
* `LoadBalancerAttributes` (the collector's wrapper): load balancer attributes change nothing
  vpcemu forwards on; elements that name a target group are read as TargetGroupAttributes.
* `ServiceConfigurations` (describe-vpc-endpoint-service-configurations): ServiceId, ServiceName,
  ServiceType, ServiceState (Available only), AcceptanceRequired, NetworkLoadBalancerArns or
  GatewayLoadBalancerArns, PrivateDnsName (only once PrivateDnsNameConfiguration.State is
  verified, R60), AvailabilityZones, SupportedRegions.
* `AllowedPrincipals` (describe-vpc-endpoint-service-permissions): that output does not name its
  service, so each element names it, in the collector's style: either
  `{"ServiceId": "vpce-svc-…", "AllowedPrincipals": [{"Principal": …}, …]}` (the output plus the
  id) or a single principal `{"ServiceId": …, "Principal": …}` (R58).
* `VpcEndpoints`: Gateway Load Balancer endpoints (one subnet, one interface, R74), and interface
  endpoints to endpoint services (named `com.amazonaws.vpce.…`, or any service in the data) are read
  here, in states available, pendingAcceptance and rejected (R55, R59: the trace then drops with
  the state's code); other states are left out as before. Other endpoints go to the core reader.
* `VpcEndpointConnections` (describe-vpc-endpoint-connections, the provider's view):
  VpcEndpointState sets the state of the consumer endpoint named by VpcEndpointId when the data
  holds it; when VpcEndpoints says otherwise, the provider's state is used with a warning (R59).

What AWS would refuse is an error naming the file, resource and field: an endpoint in an AZ
where the service's load balancers have no node (R61, AZs compared by AZ id when both sides give
one, R44), an endpoint of the wrong type for its service (R57), an endpoint in another region
than its service unless the service supports that region (R54), a listener forwarding to a group
of another VPC, a GENEVE group behind a Network Load Balancer. An endpoint to a service that is
not in the data is an error when the provider side was collected (ServiceConfigurations present
in that region, and no ServiceDetails saying the service belongs to an account that was not
collected: AWS refuses an endpoint to a service that does not exist); otherwise a warning, and a
GWLB endpoint is then left out (routes to it become blackhole, R17) while an interface endpoint is
kept and its traffic drops at the endpoint. An endpoint whose account no allowed principal belongs
to earns a warning only: removing a permission leaves existing connections alone (R58).
"""
from __future__ import annotations

import ipaddress
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import model as m
from .yaml_privatelink import HEALTH_STATES

if TYPE_CHECKING:
    from .aws_json import Record

PROVIDER_KEYS = ("ServiceDetails", "TargetGroups", "LoadBalancerTargetHealth", "TargetGroupAttributes", "LoadBalancers",
                 "LoadBalancerListeners", "LoadBalancerAttributes", "ServiceConfigurations", "AllowedPrincipals")
CONNECTION_KEYS = ("VpcEndpointConnections",)

MODELLED_PROTOCOLS = ("TCP", "UDP", "TLS", "TCP_UDP", "GENEVE")
MODELLED_TARGET_TYPES = ("instance", "ip")
NODE_TYPES = {"network": ("net", "network_load_balancer"), "gateway": ("gwy", "gateway_load_balancer")}
SERVICE_TYPES = {"network": "Interface", "gateway": "GatewayLoadBalancer"}
KEPT_ENDPOINT_STATES = ("available", "pendingAcceptance", "rejected")
STICKINESS = {"source_ip_dest_ip": 2, "source_ip_dest_ip_proto": 3}
GWLB_ENDPOINT, INTERFACE = "GatewayLoadBalancer", "Interface"
IAM_PRINCIPAL = re.compile(r"^arn:aws:iam::\d{12}:(root|user/.+|role/.+)$")  # what vpcemu matches, with * (R58)
ENDPOINT_SERVICE_PREFIX = "com.amazonaws.vpce."  # R60: customer and partner services; AWS's own are named otherwise


@dataclass
class _PrivateLinkState:
    services: dict[str, m.EndpointService] = field(default_factory=dict)  # by service name
    service_zones: dict[str, list[str]] = field(default_factory=dict)  # service id -> its AvailabilityZones
    supported_regions: dict[str, list[str]] = field(default_factory=dict)  # service id -> SupportedRegions
    unusable_services: dict[str, str] = field(default_factory=dict)  # service name -> why
    service_owners: dict[str, str] = field(default_factory=dict)  # service name -> Owner (ServiceDetails)
    permissions_read: set[str] = field(default_factory=set)  # service ids whose AllowedPrincipals were given
    not_modelled: Counter = field(default_factory=Counter)  # "Application Load Balancers" -> count
    orphans: list[str] = field(default_factory=list)  # target groups whose VPC is not in the data
    summaries: dict[str, int] = field(default_factory=dict)  # summary -> where it sits in topology.warnings
    endpoint_states: dict[str, str] = field(default_factory=dict)  # endpoint id -> State in VpcEndpoints


def _arn_account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


def _arn_resource(arn: str, kind: str) -> str:
    """`net/name/id` of `arn:…:loadbalancer/net/name/id` (kind `loadbalancer`)."""
    return arn.split(f":{kind}/", 1)[1] if f":{kind}/" in arn else ""


class ElbReading:
    """Readers of the provider side of PrivateLink and of the endpoints that use it."""

    @property
    def privatelink(self) -> _PrivateLinkState:
        state = self.__dict__.get("_privatelink")
        if state is None:
            state = self.__dict__["_privatelink"] = _PrivateLinkState()
        return state

    def collected_anywhere(self, key: str, region: str | None = None) -> bool:
        return any(key in c.collected and (region is None or c.region == region) for c in self.collections)

    def missing(self, r: "Record", field_name: str, what: str, ref: str, key: str) -> None:
        """`ref` (a `what`) is not in the data: an error if `key` was collected in r's folder, else a warning."""
        if key in r.collection.collected:
            raise r.error(field_name, f"unknown {what} {ref}: the {key} output in this folder does not describe it")
        self.warn(r, f"{field_name}: {ref} cannot be followed: no {key} output was collected in {r.collection.directory}")

    def summary(self, key: str, text: str) -> None:
        """One warning for the whole load, rewritten in place as it grows."""
        where = self.privatelink.summaries.get(key)
        if where is None:
            self.privatelink.summaries[key] = len(self.topology.warnings)
            self.topology.warnings.append(text)
        else:
            self.topology.warnings[where] = text

    def not_modelled(self, what: str) -> None:
        pl = self.privatelink
        pl.not_modelled[what] += 1
        self.summary("not modelled", f"{self.path}: left out, as vpcemu models Network and Gateway Load Balancers "
                                     f"only: " + ", ".join(f"{n} {kind}" for kind, n in sorted(pl.not_modelled.items())))

    # --- ServiceDetails ------------------------------------------------------------------------

    def read_service_detail(self, r: "Record") -> None:
        r.resource = name = r.text("ServiceName")
        owner = r.opt_text("Owner")
        if owner and owner != "amazon":
            self.privatelink.service_owners[name] = owner

    # --- target groups -------------------------------------------------------------------------

    def read_target_group(self, r: "Record") -> None:
        r.resource = arn = r.text("TargetGroupArn")
        protocol = (r.opt_text("Protocol") or "").upper()
        target_type = r.opt_text("TargetType") or "instance"
        if protocol not in MODELLED_PROTOCOLS or target_type not in MODELLED_TARGET_TYPES:
            what = f"target type {target_type}" if protocol in MODELLED_PROTOCOLS else f"protocol {protocol or 'none'}"
            self.filtered[arn] = f"a target group of {what}, which vpcemu does not model"
            self.not_modelled(f"target groups of {what}")
            return
        vpc_id = r.text("VpcId")
        if self.topology.get(vpc_id, m.Vpc) is None:
            self.filtered[arn] = f"a target group of {vpc_id}, which is not in the data"
            self.privatelink.orphans.append(arn)
            self.summary("orphans", f"{self.path}: left out, as their VPC is not in the data (AWS keeps a target group "
                                    f"after its VPC is deleted): {len(self.privatelink.orphans)} target groups "
                                    f"({', '.join(self.privatelink.orphans)})")
            return
        port = r.number("Port", required=True)
        if not 1 <= port <= 65535:
            raise r.error("Port", f"port out of range: {port}")
        if protocol == "GENEVE" and port != 6081:
            raise r.error("Port", "a GENEVE target group listens on 6081 only (R67)")
        name = r.text("TargetGroupName")
        self.add(m.TargetGroup(arn, name, protocol, port, target_type, vpc_id, self.region_of(vpc_id, r),
                               _arn_account(arn) or self.vpc_owner(vpc_id, r), name=name), r)

    def target_group(self, r: "Record", field_name: str, arn: str) -> m.TargetGroup | None:
        group = self.topology.get(arn, m.TargetGroup)
        if group is None and arn not in self.filtered:
            self.missing(r, field_name, "target group", arn, "TargetGroups")
        return group

    def read_target_health(self, r: "Record") -> None:
        r.resource = arn = r.text("TargetGroupArn")
        group = self.target_group(r, "TargetGroupArn", arn)
        if group is None:
            return
        targets = []
        for d in r.children("TargetHealthDescriptions"):
            target = d.child("Target")
            if target is None:
                raise d.error("Target", "required field is missing")
            target_id = target.text("Id")
            if group.target_type == "ip":
                try:
                    ipaddress.IPv4Address(target_id)
                except ValueError:
                    raise target.error("Id", f"an ip target group's target is an IPv4 address, got {target_id!r}") from None
            health = d.child("TargetHealth")
            if health is None:
                raise d.error("TargetHealth", "required field is missing")
            state = health.text("State")
            if state not in HEALTH_STATES:
                raise health.error("State", f"expected one of {', '.join(HEALTH_STATES)}, got {state!r}")
            port = target.number("Port") or group.port
            targets.append(m.Target(target_id, port, state, target.opt_text("AvailabilityZone")))
        group.targets = targets

    def read_elb_attributes(self, r: "Record") -> None:
        """LoadBalancerAttributes and TargetGroupAttributes elements (wrappers with the ARN added)."""
        group_arn = r.opt_text("TargetGroupArn")
        if group_arn is None:
            r.resource = r.text("LoadBalancerArn")
            for attribute in r.children("Attributes"):
                attribute.text("Key")  # load balancer attributes change nothing vpcemu forwards on
            return
        r.resource = group_arn
        group = self.target_group(r, "TargetGroupArn", group_arn)
        if group is None:
            return
        values: dict[str, tuple[str, "Record"]] = {}
        for attribute in r.children("Attributes"):
            values[attribute.text("Key")] = (attribute.opt_text("Value") or "", attribute)

        def flag(key: str) -> bool:
            value, record = values.get(key, ("false", r))
            if value not in ("true", "false"):
                raise record.error("Value", f"{key}: expected true or false, got {value!r}")
            return value == "true"

        group.proxy_protocol_v2 = flag("proxy_protocol_v2.enabled")
        sticky = flag("stickiness.enabled")
        kind = values.get("stickiness.type", ("", r))[0]
        if group.protocol == "GENEVE":
            group.flow_hash = 5
            if sticky:
                if "stickiness.type" not in values:
                    raise r.error("Attributes", "stickiness.enabled is true, but no stickiness.type says on what (R70)")
                if kind not in STICKINESS:
                    raise values["stickiness.type"][1].error(
                        "Value", f"stickiness.type: a GENEVE group hashes on source_ip_dest_ip or "
                                 f"source_ip_dest_ip_proto, got {kind!r} (R70)")
                group.flow_hash = STICKINESS[kind]
        elif sticky:
            self.warn(r, f"Attributes: stickiness ({kind or 'enabled'}) of {group.target_group_name} is not modelled: "
                         f"vpcemu picks a target per flow")

    # --- load balancers ------------------------------------------------------------------------

    def read_load_balancer(self, r: "Record") -> None:
        r.resource = arn = r.text("LoadBalancerArn")
        kind = r.text("Type")
        state_record = r.child("State")
        if state_record is None:
            raise r.error("State", "required field is missing")
        state = state_record.text("Code")
        zones = r.children("AvailabilityZones")
        if kind == "application":
            self.filtered[arn] = "an Application Load Balancer, which vpcemu does not model"
            self.not_modelled("Application Load Balancers")
            return
        if kind not in NODE_TYPES:
            raise r.error("Type", f"expected network, gateway or application, got {kind!r}")
        short, interface_type = NODE_TYPES[kind]
        resource = _arn_resource(arn, "loadbalancer")
        if not resource.startswith(short + "/"):
            self.warn(r, f"LoadBalancerArn: a {kind} load balancer's ARN reads loadbalancer/{short}/…, this one "
                         f"loadbalancer/{resource.split('/')[0]}/…, so the data was not produced by AWS; Type is used")
        description = f"ELB {resource}"
        nodes = {e.subnet_id: e for e in self.topology.all(m.NetworkInterface) if e.description == description}
        if state != "active":
            self.filtered[arn] = state
            for eni in nodes.values():
                self.drop_interface(eni.id, f"a node of {arn}, which is {state}")
            return
        vpc_id = r.text("VpcId")
        name = r.text("LoadBalancerName")
        region, owner = self.region_of(vpc_id, r), _arn_account(arn) or self.vpc_owner(vpc_id, r)
        subnets, enis = [], []
        for i, zone in enumerate(zones):
            subnet_id = zone.text("SubnetId")
            subnets.append(subnet_id)
            private = [a.opt_text("PrivateIPv4Address") for a in zone.children("LoadBalancerAddresses")]
            public = [a.opt_text("IpAddress") for a in zone.children("LoadBalancerAddresses")]
            private, public = [a for a in private if a], [a for a in public if a]
            eni = nodes.get(subnet_id)
            if eni is not None:
                if private and private[0] not in eni.private_ip_addresses:
                    raise zone.error("LoadBalancerAddresses", f"{private[0]} is not an address of the node's "
                                                             f"interface {eni.id} ({', '.join(eni.private_ip_addresses)})")
                if eni.interface_type != interface_type:
                    self.warn(r, f"{eni.id}: InterfaceType {eni.interface_type!r}; AWS types a {kind} load balancer's "
                                 f"node interfaces {interface_type}")
                eni.requester_managed = True
                enis.append(eni.id)
                continue
            if not private:
                raise zone.error("LoadBalancerAddresses",
                                 f"no address for the node in {subnet_id}: NetworkInterfaces holds no interface "
                                 f"described {description!r} in that subnet, and no PrivateIPv4Address is given")
            eni_id = m.deterministic_id("eni", arn, subnet_id)
            if "NetworkInterfaces" in r.collection.collected:
                self.warn(r, f"AvailabilityZones[{i}]: the node's interface in {subnet_id} (Description "
                             f"{description!r}) is not in NetworkInterfaces, where AWS lists it; it is built from "
                             f"LoadBalancerAddresses as {eni_id}")
            self.add(m.NetworkInterface(eni_id, subnet_id, vpc_id, private, region, owner,
                                        association_public_ip=public[0] if public else None,
                                        interface_type=interface_type, requester_managed=True,
                                        description=description), r)
            enis.append(eni_id)
        if not subnets:
            raise r.error("AvailabilityZones", "a load balancer has at least one subnet")
        if r.opt_text("Scheme") == "internet-facing":
            self.warn(r, f"{name} is internet-facing; vpcemu forwards to load balancers through PrivateLink "
                         f"endpoints only, so traffic from the internet to it is not modelled")
        groups = r.strings("SecurityGroups")
        if groups and r.opt_text("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic") != "off":
            self.warn(r, f"SecurityGroups: {', '.join(groups)} of {name} are not applied by vpcemu")
        self.add(m.LoadBalancer(arn, name, kind, vpc_id, subnets, enis, region, owner, state="active", name=name), r)

    def read_listeners(self, r: "Record") -> None:
        r.resource = arn = r.text("LoadBalancerArn")
        balancer = self.topology.get(arn, m.LoadBalancer)
        if balancer is None:
            if arn not in self.filtered:
                self.missing(r, "LoadBalancerArn", "load balancer", arn, "LoadBalancers")
            return
        listeners = []
        for listener in r.children("Listeners"):
            where = listener.prefix.rstrip(".")
            forwards = [a for a in listener.children("DefaultActions") if a.text("Type") == "forward"]
            if not forwards:
                self.warn(r, f"{where}: no forward action; only forwarding listeners are modelled, it is left out")
                continue
            action = forwards[0]
            weighted = []
            config = action.child("ForwardConfig")
            if config is not None:
                weighted = [g.text("TargetGroupArn") for g in config.children("TargetGroups")]
            group_arn = action.opt_text("TargetGroupArn") or (weighted[0] if weighted else None)
            if group_arn is None:
                raise action.error("TargetGroupArn", "a forward action names a target group")
            if len(set(weighted)) > 1:
                self.warn(r, f"{where}: forwards to {len(set(weighted))} weighted target groups; vpcemu uses "
                             f"{group_arn} only")
            group = self.target_group(action, "TargetGroupArn", group_arn)
            if group is None:
                if group_arn in self.filtered:
                    self.warn(r, f"{where}: forwards to {group_arn}, {self.filtered[group_arn]}; it is left out")
                continue
            if group.vpc_id != balancer.vpc_id:
                raise action.error("TargetGroupArn", f"{group.target_group_name} is in {group.vpc_id}, the load "
                                                     f"balancer in {balancer.vpc_id}")
            if balancer.type == "gateway":
                if group.protocol != "GENEVE":
                    raise action.error("TargetGroupArn", f"{group.target_group_name} uses {group.protocol}; a Gateway "
                                                         f"Load Balancer forwards to GENEVE groups only (R67)")
                if listener.data.get("Protocol") == "":
                    self.warn(r, f"{where}.Protocol: an empty string; AWS omits Protocol and Port on a Gateway Load "
                                 f"Balancer's listener, so the data was not produced by AWS")
                listeners.append(m.Listener(None, "GENEVE", group.target_group_arn))
                continue
            if group.protocol == "GENEVE":
                raise action.error("TargetGroupArn", f"{group.target_group_name} is a GENEVE group, which only "
                                                     f"Gateway Load Balancers use (R67)")
            listeners.append(m.Listener(listener.number("Port", required=True), listener.text("Protocol"),
                                        group.target_group_arn))
        balancer.listeners = listeners

    # --- endpoint services ---------------------------------------------------------------------

    def read_service_configuration(self, r: "Record") -> None:
        service_id = r.text("ServiceId")
        name = r.text("ServiceName")
        r.resource = service_id
        nlbs, gwlbs = r.strings("NetworkLoadBalancerArns"), r.strings("GatewayLoadBalancerArns")
        if nlbs and gwlbs:
            raise r.error("GatewayLoadBalancerArns", "a service fronts Network or Gateway Load Balancers, not both (R57)")
        if not nlbs and not gwlbs:
            raise r.error("NetworkLoadBalancerArns", "an endpoint service needs a load balancer (R57)")
        kind = "gateway" if gwlbs else "network"
        service_type = SERVICE_TYPES[kind]
        given = [t.text("ServiceType") for t in r.children("ServiceType")]
        if given and service_type not in given:
            self.warn(r, f"ServiceType: {', '.join(given)}, but the service fronts {kind} load balancers, which AWS "
                         f"reports as {service_type}; {service_type} is used")
        state = r.opt_text("ServiceState") or "Available"
        if state.lower() != "available":
            self.filtered[service_id] = state
            self.privatelink.unusable_services[name] = f"{service_id} is {state}"
            return
        private_dns = r.opt_text("PrivateDnsName")
        if private_dns and kind == "gateway":
            raise r.error("PrivateDnsName", "a Gateway Load Balancer endpoint service has no private DNS name (R60)")
        verification = r.child("PrivateDnsNameConfiguration")
        verified = verification.opt_text("State") if verification else None
        if private_dns and verified not in (None, "verified"):
            self.warn(r, f"PrivateDnsName: {private_dns} is {verified}; consumers resolve it only once the "
                         f"provider has proved it owns the domain (R60), so it is not used")
            private_dns = None
        balancers = []
        for i, arn in enumerate(gwlbs or nlbs):
            key = f"{'GatewayLoadBalancerArns' if gwlbs else 'NetworkLoadBalancerArns'}[{i}]"
            balancer = self.topology.get(arn, m.LoadBalancer)
            if balancer is None:
                if arn in self.filtered:
                    self.warn(r, f"{key}: {arn} is {self.filtered[arn]}; the service has no node where it was")
                else:
                    self.missing(r, key, "load balancer", arn, "LoadBalancers")
                continue
            if balancer.type != kind:
                raise r.error(key, f"{balancer.name} is a {balancer.type} load balancer")
            if not balancer.listeners and not self.collected_anywhere("LoadBalancerListeners", r.collection.region):
                self.warn(r, f"{key}: no LoadBalancerListeners output was collected, so {balancer.name} has no "
                             f"listener and drops what the service carries")
            balancers.append(balancer)
        region = _service_region(name) or (balancers[0].region if balancers else r.collection.region)
        elsewhere = sorted({b.region for b in balancers} - {region})
        if elsewhere:
            raise r.error("ServiceName", f"names region {region}, but its load balancers are in "
                                         f"{', '.join(elsewhere)}; a service lives in its load balancers' region (R57)")
        owner = (balancers[0].owner_id if balancers else None) or r.opt_text("Owner") or r.collection.account
        service = m.EndpointService(service_id, name, service_type, [b.load_balancer_arn for b in balancers], region,
                                    owner, acceptance_required=bool(r.flag("AcceptanceRequired", True)),
                                    private_dns_name=private_dns, state="Available", name=r.name_tag() or service_id)
        self.add(service, r)
        self.privatelink.services[name] = service
        self.privatelink.service_zones[service_id] = [str(z) for z in r.strings("AvailabilityZones")]
        self.privatelink.supported_regions[service_id] = [s.text("Region") for s in r.children("SupportedRegions")]

    def read_allowed_principals(self, r: "Record") -> None:
        service_id = r.opt_text("ServiceId")
        if service_id is None:
            raise r.error("ServiceId", "describe-vpc-endpoint-service-permissions does not name its service: give "
                                       "each element as {\"ServiceId\": …, \"AllowedPrincipals\": [...]} or a principal "
                                       "with its ServiceId")
        r.resource = service_id
        service = self.topology.get(service_id, m.EndpointService)
        if service is None:
            if service_id not in self.filtered:
                self.missing(r, "ServiceId", "endpoint service", service_id, "ServiceConfigurations")
            return
        principals = [p.text("Principal") for p in r.children("AllowedPrincipals")] if "AllowedPrincipals" in r.data \
            else [r.text("Principal")]
        for principal in principals:
            if principal != "*" and not IAM_PRINCIPAL.match(principal):
                self.warn(r, f"AllowedPrincipals: {principal!r} is kept, but vpcemu matches only * and IAM ARNs (an "
                             f"account root, a user, a role) (R58)")
            if principal not in service.allowed_principals:
                service.allowed_principals.append(principal)
        self.privatelink.permissions_read.add(service_id)

    # --- endpoints to endpoint services ----------------------------------------------------------

    def read_vpc_endpoint(self, r: "Record") -> None:
        """VpcEndpoints: GWLB endpoints and endpoints to endpoint services here, the rest in the core reader."""
        endpoint_id = r.text("VpcEndpointId")
        kind = r.text("VpcEndpointType")
        service_name = r.text("ServiceName")
        state = r.text("State")
        self.privatelink.endpoint_states[endpoint_id] = state
        to_service = kind == INTERFACE and (service_name in self.privatelink.services or
                                            service_name.startswith(ENDPOINT_SERVICE_PREFIX))
        if kind not in (GWLB_ENDPOINT, INTERFACE) or (kind == INTERFACE and not to_service) \
                or state not in KEPT_ENDPOINT_STATES:
            self.read_endpoint(r)
            if kind == INTERFACE and self.topology.get(endpoint_id, m.InterfaceEndpoint) is not None:
                self.check_interface_endpoint(r)
            return
        self.endpoint_types[endpoint_id] = kind
        r.resource = endpoint_id
        vpc_id = r.text("VpcId")
        common = dict(region=self.region_of(vpc_id, r), owner_id=self.vpc_owner(vpc_id, r), name=r.name_tag())
        if kind == GWLB_ENDPOINT:
            self.read_gwlb_endpoint(r, endpoint_id, vpc_id, service_name, state, common)
        else:
            self.read_service_endpoint(r, endpoint_id, vpc_id, service_name, state, common)

    def read_gwlb_endpoint(self, r: "Record", endpoint_id: str, vpc_id: str, service_name: str, state: str,
                           common: dict) -> None:
        subnets, enis = r.strings("SubnetIds"), r.strings("NetworkInterfaceIds")
        if len(subnets) != 1:
            raise r.error("SubnetIds", f"a Gateway Load Balancer endpoint lives in exactly one subnet (R74), "
                                       f"got {len(subnets)}")
        if len(enis) != 1:
            raise r.error("NetworkInterfaceIds", f"a Gateway Load Balancer endpoint has exactly one network interface "
                                                 f"(R74), got {len(enis)}")
        eni = self.topology.get(enis[0], m.NetworkInterface)
        if eni is None:
            if "NetworkInterfaces" in r.collection.collected:
                raise r.error("NetworkInterfaceIds", f"{enis[0]} is not in the NetworkInterfaces output")
            self.leave_out(r, endpoint_id, f"its network interface {enis[0]} is not in the data (no NetworkInterfaces "
                                           f"output was collected)")
            return
        if eni.subnet_id != subnets[0]:
            raise r.error("NetworkInterfaceIds", f"{eni.id} is in {eni.subnet_id}, the endpoint in {subnets[0]}")
        if eni.interface_type != "gateway_load_balancer_endpoint":
            self.warn(r, f"NetworkInterfaceIds: {eni.id} has InterfaceType {eni.interface_type!r}; AWS types a GWLB "
                         f"endpoint's interface gateway_load_balancer_endpoint")
        service = self.endpoint_service(r, service_name, GWLB_ENDPOINT, endpoint_id)
        if service is None:
            return
        endpoint = m.GatewayLoadBalancerEndpoint(endpoint_id, vpc_id, subnets[0], service.service_name, eni.id,
                                                 state=state, **common)
        self.check_against_service(r, endpoint, service, subnets)
        self.add(endpoint, r)

    def read_service_endpoint(self, r: "Record", endpoint_id: str, vpc_id: str, service_name: str, state: str,
                              common: dict) -> None:
        subnets, enis = r.strings("SubnetIds"), r.strings("NetworkInterfaceIds")
        missing = [e for e in enis if self.topology.get(e, m.NetworkInterface) is None]
        if missing and "NetworkInterfaces" not in r.collection.collected:
            self.warn(r, f"{endpoint_id}: its network interfaces ({', '.join(missing)}) are not in the data (no "
                         f"NetworkInterfaces output was collected); it is left without them")
            enis = [e for e in enis if e not in missing]
        endpoint = m.InterfaceEndpoint(endpoint_id, vpc_id, service_name, subnet_ids=subnets,
                                       network_interface_ids=enis, groups=[g.text("GroupId") for g in r.children("Groups")],
                                       private_dns_enabled=bool(r.flag("PrivateDnsEnabled", True)), state=state,
                                       dns_names=self.endpoint_dns_names(r, endpoint_id), **common)
        service = self.endpoint_service(r, service_name, INTERFACE, endpoint_id)
        if service is not None:
            self.check_against_service(r, endpoint, service, subnets)
        self.add(endpoint, r)
        self.check_interface_endpoint(r)

    def leave_out(self, r: "Record", endpoint_id: str, why: str) -> None:
        """A GWLB endpoint that cannot be built: gone with its interface; routes to it turn blackhole (R17)."""
        self.filtered[endpoint_id] = why
        for eni_id in r.strings("NetworkInterfaceIds"):
            self.drop_interface(eni_id, f"an interface of {endpoint_id}, which is left out")
        self.warn(r, f"{endpoint_id}: {why}; it is left out, and routes to it become blackhole (R17)")

    def endpoint_service(self, r: "Record", name: str, kind: str, endpoint_id: str) -> m.EndpointService | None:
        """The service an endpoint names; None (with a warning) when the data cannot hold it."""
        pl = self.privatelink
        service = pl.services.get(name)
        if service is not None:
            return service
        region = r.collection.region
        gwlb = kind == GWLB_ENDPOINT
        why = None
        owner = pl.service_owners.get(name)
        if name in pl.unusable_services:
            why = f"its endpoint service {name}: {pl.unusable_services[name]}"
        elif owner and not any(self.holds(c, owner) for c in self.collections):
            why = f"its endpoint service {name} belongs to account {owner}, which was not collected"
        elif not self.collected_anywhere("ServiceConfigurations", region):
            why = (f"its endpoint service {name} is not in the data (no ServiceConfigurations output was collected in "
                   f"{region})")
        if why is None:
            raise r.error("ServiceName", f"no endpoint service {name} in the data, though ServiceConfigurations was "
                                         f"collected in {region}: AWS refuses an endpoint to a service that does not "
                                         f"exist (R57); if an account that was not collected owns it, add that "
                                         f"account's data or describe-vpc-endpoint-services (ServiceDetails)")
        if gwlb:
            self.leave_out(r, endpoint_id, why)
        else:
            self.warn(r, f"{endpoint_id}: {why}; it is kept, and its traffic is dropped at the endpoint")
        return None

    def check_against_service(self, r: "Record", endpoint, service: m.EndpointService, subnets: list[str]) -> None:
        """What AWS checks when the endpoint is created: type (R57), region (R54), AZs (R61); and a
        warning when no allowed principal belongs to the endpoint's account (R58)."""
        gwlb = isinstance(endpoint, m.GatewayLoadBalancerEndpoint)
        if gwlb != (service.service_type == "GatewayLoadBalancer"):
            raise r.error("VpcEndpointType", f"{service.service_name} is a {service.service_type} service: AWS "
                                             f"creates only {service.service_type} endpoints to it (R57)")
        if endpoint.region != service.region:
            if endpoint.region not in self.privatelink.supported_regions.get(service.service_id, []):
                raise r.error("ServiceName", f"{service.service_name} is in {service.region} and does not support "
                                             f"{endpoint.region}; AWS refuses the endpoint (R54)")
            self.warn(r, f"ServiceName: {service.service_name} is in {service.region}; cross-region PrivateLink is not "
                         f"modelled, so the endpoint's traffic finds no load balancer node in its AZ (R54)")
            return
        offered = self.service_offered_zones(service)
        for i, subnet_id in enumerate(subnets):
            subnet = self.topology.get(subnet_id, m.Subnet)
            if subnet is None:
                continue  # validate.py names unknown subnets
            if not _zone_offered(subnet, offered):
                names = sorted({name for _, name in offered})
                raise r.error(f"SubnetIds[{i}]", f"{subnet_id} is in {subnet.availability_zone}; {service.service_name} "
                                                 f"is offered only in {', '.join(names) or 'no zone'} (R61)")
        if service.service_id in self.privatelink.permissions_read and endpoint.owner_id != service.owner_id:
            accounts = {p.split(":")[4] for p in service.allowed_principals if p.count(":") >= 5}
            if "*" not in service.allowed_principals and endpoint.owner_id not in accounts:
                self.warn(r, f"no allowed principal of {service.service_name} belongs to account {endpoint.owner_id}; "
                             f"AWS keeps connections made before a permission was removed (R58)")

    def service_offered_zones(self, service: m.EndpointService) -> list[tuple[str | None, str]]:
        """(AZ id or None, AZ name) of the service's load balancer nodes, else of its AvailabilityZones."""
        zones = []
        for arn in service.load_balancer_arns:
            for subnet_id in self.topology.get(arn, m.LoadBalancer).subnet_ids:
                subnet = self.topology.get(subnet_id, m.Subnet)
                if subnet is not None:
                    zones.append((subnet.availability_zone_id, subnet.availability_zone))
        return zones or [(None, z) for z in self.privatelink.service_zones.get(service.service_id, [])]

    # --- connections ---------------------------------------------------------------------------

    def read_endpoint_connection(self, r: "Record") -> None:
        r.resource = endpoint_id = r.text("VpcEndpointId")
        state = r.text("VpcEndpointState")
        endpoint = self.topology.get(endpoint_id)
        if not isinstance(endpoint, (m.InterfaceEndpoint, m.GatewayLoadBalancerEndpoint)):
            return  # a consumer outside the data, or an endpoint left out with its reason
        service_id = r.opt_text("ServiceId")
        service = self.topology.get(service_id or "", m.EndpointService)
        if service is not None and service.service_name != endpoint.service_name:
            raise r.error("ServiceId", f"{endpoint_id} is an endpoint to {endpoint.service_name}, not to "
                                       f"{service.service_name}")
        if endpoint.state != state:
            said = self.privatelink.endpoint_states.get(endpoint_id, endpoint.state)
            self.warn(r, f"VpcEndpointState: {state}, but VpcEndpoints says {said}; the provider's connection state "
                         f"is used (R59)")
            endpoint.state = state


def _service_region(name: str) -> str | None:
    parts = name.split(".")
    return parts[3] if name.startswith("com.amazonaws.vpce.") and len(parts) >= 5 else None


def _zone_offered(subnet: m.Subnet, offered: list[tuple[str | None, str]]) -> bool:
    """R44, R61: by AZ id where both sides give one, else by name."""
    for zone_id, zone_name in offered:
        if zone_id and subnet.availability_zone_id:
            if zone_id == subnet.availability_zone_id:
                return True
        elif zone_name == subnet.availability_zone:
            return True
    return False

