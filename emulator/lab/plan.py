"""What a lab stands up for a topology: one Linux host (network namespace) per running instance,
per interface endpoint ENI of an AWS service (an endpoint service the topology holds is reached
through its load balancer's targets, which are instances), per public AWS service the topology
reaches, and one for the internet.

Every host interface carries what AWS gives the ENI: its private addresses, a MAC, an MTU of 9001
inside a VPC and 1500 beyond an internet gateway (R119), and a default route to the subnet
router at the subnet's base + 1 (R132). The VPC resolver is the primary CIDR's base + 2 (R131).
"""
from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import asdict, dataclass, field

from .. import model as m
from ..dataplane.compile import INTERFACE_ENDPOINT, Port
from ..dataplane.packet import int_to_ip
from ..services.aws_public import SERVICES, service_address
from . import names

VPC_MTU = 9001  # R119: jumbo frames inside a VPC
EDGE_MTU = 1500  # R119: beyond the internet gateway
INTERNET_ADDRESS = "198.51.100.10"  # RFC 5737 TEST-NET-2: the lab's stand-in for the internet
STANDIN_PORTS = (80, 443)  # plain HTTP on both: the stand-ins show who reached them, not TLS

INSTANCE_HOST, ENDPOINT_HOST, SERVICE_HOST, INTERNET_HOST = "instance", "interface-endpoint", "aws-service", "internet"


@dataclass
class Interface:
    ifname: str  # inside the namespace: eth0, eth1, …
    addresses: list[str]  # the primary first
    prefixlen: int
    mac: str
    mtu: int
    gateway: str | None  # the subnet router (base + 1), for the primary interface's default route
    eni: str | None = None  # the ENI it stands for; None for services and the internet
    subnet: str | None = None
    vpc: str | None = None
    resolver: str | None = None  # the VPC resolver (R131), written to the namespace's resolv.conf

    @property
    def address(self) -> str:
        return self.addresses[0]


@dataclass
class Host:
    name: str
    kind: str  # instance | interface-endpoint | aws-service | internet
    label: str  # what it stands for, as a trace names it
    owner: str  # the id deliveries name: instance id, vpce id, service prefix list name, "internet"
    interfaces: list[Interface]
    refs: list[str] = field(default_factory=list)  # ids and names `lab exec` accepts
    standin: str | None = None  # the service a stand-in HTTP server answers for

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Host":
        data = dict(data)
        data["interfaces"] = [Interface(**i) for i in data["interfaces"]]
        return cls(**data)


def mac_for(key: str) -> str:
    """A stable, locally administered unicast MAC (AWS's look: 0a:…) for an ENI or router."""
    digest = hashlib.sha256(key.encode()).digest()
    return "0a:" + ":".join(f"{b:02x}" for b in digest[:5])


def router_mac(subnet_id: str) -> str:
    return mac_for(f"router/{subnet_id}")


EDGE_MAC = mac_for("router/aws-edge")  # what the internet and the service hosts see as their next hop


def plan(network) -> list[Host]:
    """The hosts of a lab for `network` (an emulator Network), in a stable order."""
    topology, fabric = network.topology, network.fabric
    hosts: list[Host] = []
    for instance in topology.all(m.Instance):
        ports = [fabric.ports[e] for e in instance.network_interface_ids if e in fabric.ports]
        if instance.state != "running" or not ports:
            continue
        host = Host(names.host_name(instance.name or instance.instance_id), INSTANCE_HOST, instance.label,
                    instance.instance_id, [_interface(p, i) for i, p in enumerate(ports)])
        host.refs = [instance.instance_id] + [p.id for p in ports] + ([instance.name] if instance.name else [])
        hosts.append(host)
    provided = {s.service_name for s in topology.all(m.EndpointService)}
    for port in fabric.ports.values():
        if port.owner_kind != INTERFACE_ENDPOINT:
            continue
        endpoint = topology.get(port.owner_id, m.InterfaceEndpoint)
        if endpoint.service_name in provided:
            continue  # the pipeline carries it through the endpoint service to the NLB's targets
        subnet = port.subnet.subnet
        name = f"{endpoint.name or endpoint.vpc_endpoint_id}-{subnet.name or subnet.subnet_id}"
        host = Host(names.host_name(name), ENDPOINT_HOST, f"{endpoint.label} in {subnet.label}",
                    endpoint.vpc_endpoint_id, [_interface(port, 0)], [port.id], standin=endpoint.service_name)
        hosts.append(host)
    for service_name in _services(topology):
        address = service_address(topology, service_name)  # where the VPC resolver sends its clients
        if address is None:
            continue
        _, _, region, service = service_name.split(".", 3)
        iface = Interface("eth0", [address], 32, mac_for(f"service/{service_name}"), EDGE_MTU, None)
        hosts.append(Host(names.host_name(f"{service}.{region}"), SERVICE_HOST, f"{service} in {region} (public endpoint)",
                          service_name, [iface], [service_name, address], standin=service_name))
    iface = Interface("eth0", [INTERNET_ADDRESS], 32, mac_for("internet"), EDGE_MTU, None)
    hosts.append(Host("internet", INTERNET_HOST, "a host on the internet", "internet", [iface], [INTERNET_ADDRESS]))
    _unique_names(hosts)
    return hosts


def _interface(port: Port, index: int) -> Interface:
    network = ipaddress.IPv4Network(port.subnet.subnet.cidr_block)
    gateway = str(network.network_address + 1)  # R132: the VPC router
    return Interface(f"eth{index}", list(port.eni.private_ip_addresses), network.prefixlen,
                     getattr(port.eni, "mac_address", None) or mac_for(port.id), VPC_MTU,
                     gateway if index == 0 else None, port.id, port.subnet.id, port.subnet.vpc.id,
                     int_to_ip(port.subnet.vpc.resolver))


def _services(topology: m.Topology) -> list[str]:
    """S3 and DynamoDB in every region holding a VPC, and any service an endpoint names."""
    wanted: list[str] = []
    regions = sorted({v.region for v in topology.all(m.Vpc)})
    for region in regions:
        wanted += [f"com.amazonaws.{region}.{s}" for s in SERVICES]
    for endpoint in list(topology.all(m.GatewayEndpoint)) + list(topology.all(m.InterfaceEndpoint)):
        if endpoint.service_name.startswith("com.amazonaws.") and endpoint.service_name not in wanted:
            wanted.append(endpoint.service_name)
    return wanted


def _unique_names(hosts: list[Host]) -> None:
    taken: set[str] = set()
    for host in hosts:
        name, n = host.name, 1
        while name in taken:
            n += 1
            name = f"{host.name}-{n}"
        host.name = name
        taken.add(name)
        if name not in host.refs:
            host.refs.insert(0, name)
