"""Diagrams of a topology: Regions, VPCs and subnets as nested boxes; instances, NAT gateways,
interface endpoint ENIs inside their subnets; internet gateways and gateway endpoints in their
VPC; transit gateways and AWS services in their Region; the internet outside. Edges are the
routes each subnet's table sends somewhere other than `local` (labelled with the destination),
transit gateway attachments and peerings, and endpoints to their services. A traced path is
drawn on top: its components highlighted and joined by numbered red edges.

Rendered as Mermaid (a `flowchart`), Graphviz DOT, or PNG through Graphviz's `dot`.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .. import model as m
from ..inputs.errors import InputError
from .where import Place, locate

FORMATS = ("mermaid", "dot", "png")
PATH_COLOUR = "#d62728"


@dataclass
class Node:
    id: str
    label: str
    kind: str
    cluster: tuple[str, ...] = ()  # ("region:eu-west-2", "vpc:vpc-…", "subnet:subnet-…")


@dataclass
class Edge:
    a: str
    b: str
    label: str = ""
    kind: str = "route"  # route | attachment | peering | service | path
    a_cluster: str | None = None  # the edge starts at this cluster (a subnet), not at node a


@dataclass
class Diagram:
    title: str
    nodes: dict[str, Node] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)  # cluster key -> label
    edges: list[Edge] = field(default_factory=list)
    path: list[str] = field(default_factory=list)  # node ids of the traced path, in order
    subnet_parents: dict[str, tuple[str, ...]] = field(default_factory=dict)  # subnet cluster -> (region, VPC)

    def cluster_paths(self) -> set[tuple[str, ...]]:
        """Every cluster as the path of keys from the top, empty subnets included."""
        out: set[tuple[str, ...]] = set()
        full = [n.cluster for n in self.nodes.values()] + [p + (k,) for k, p in self.subnet_parents.items()]
        for path in full:
            out.update(path[:i] for i in range(1, len(path) + 1))
        return out

    def add(self, node: Node) -> None:
        self.nodes.setdefault(node.id, node)

    def edge(self, edge: Edge) -> None:
        if not any((e.a, e.b, e.kind, e.a_cluster) == (edge.a, edge.b, edge.kind, edge.a_cluster)
                   for e in self.edges):
            self.edges.append(edge)


def _name(resource, fallback: str = "") -> str:
    return getattr(resource, "name", None) or fallback


def build(network, trace=None) -> Diagram:
    """The diagram of a network, with `trace`'s path highlighted when given."""
    topology, fabric = network.topology, network.fabric
    diagram = Diagram(Path(topology.source).stem if topology.source else "topology")
    prefix_names = {pl.prefix_list_id: pl.prefix_list_name for pl in topology.all(m.PrefixList)}
    for vpc in topology.all(m.Vpc):
        region_key, vpc_key = f"region:{vpc.region}", f"vpc:{vpc.vpc_id}"
        diagram.clusters[region_key] = vpc.region
        diagram.clusters[vpc_key] = f"VPC {_name(vpc, vpc.vpc_id)} {', '.join(vpc.cidr_blocks)}"
        igw = topology.internet_gateway_of(vpc.vpc_id)
        if igw is not None:
            diagram.add(Node(igw.internet_gateway_id, f"internet gateway {_name(igw)}\n{igw.internet_gateway_id}",
                             "internet-gateway", (region_key, vpc_key)))
            diagram.add(Node("internet", "internet", "internet"))
            diagram.edge(Edge(igw.internet_gateway_id, "internet", kind="attachment"))
        for subnet in topology.subnets_of(vpc.vpc_id):
            key = f"subnet:{subnet.subnet_id}"
            diagram.clusters[key] = f"subnet {_name(subnet, subnet.subnet_id)} {subnet.cidr_block} {subnet.availability_zone}"
            diagram.subnet_parents[key] = (region_key, vpc_key)
    for vpc in topology.all(m.Vpc):
        for endpoint in topology.all(m.GatewayEndpoint):
            if endpoint.vpc_id != vpc.vpc_id:
                continue
            diagram.add(Node(endpoint.vpc_endpoint_id, f"gateway endpoint {_name(endpoint)}\n{endpoint.vpc_endpoint_id}",
                             "gateway-endpoint", (f"region:{vpc.region}", f"vpc:{vpc.vpc_id}")))
            service = _service_node(diagram, endpoint.service_name, endpoint.region)
            diagram.edge(Edge(endpoint.vpc_endpoint_id, service, kind="service"))
    for port in fabric.ports.values():
        subnet = port.subnet.subnet
        cluster = (f"region:{subnet.region}", f"vpc:{subnet.vpc_id}", f"subnet:{subnet.subnet_id}")
        address = port.eni.private_ip_address
        if port.owner_kind == "instance":
            instance = topology.get(port.owner_id, m.Instance)
            if instance is not None and instance.network_interface_ids[0] != port.id:
                continue  # an instance is drawn once, in its primary ENI's subnet
            diagram.add(Node(port.owner_id, f"instance {_name(instance)}\n{port.owner_id}\n{address}", "instance", cluster))
        elif port.owner_kind == "nat-gateway":
            nat = topology.get(port.owner_id, m.NatGateway)
            diagram.add(Node(port.owner_id, f"NAT gateway {_name(nat)}\n{port.owner_id}\n{address}"
                             + (f" / {nat.public_ip}" if nat and nat.public_ip else ""), "nat-gateway", cluster))
        elif port.owner_kind == "interface-endpoint":
            endpoint = topology.get(port.owner_id, m.InterfaceEndpoint)
            diagram.add(Node(port.id, f"interface endpoint {_name(endpoint)}\n{port.owner_id}\n{address}",
                             "interface-endpoint", cluster))
            if endpoint is not None:
                service = _service_node(diagram, endpoint.service_name, endpoint.region)
                diagram.edge(Edge(port.id, service, "PrivateLink", kind="service"))
        elif port.owner_kind == "load-balancer":  # one node per load balancer, in its VPC
            balancer = topology.get(port.owner_id, m.LoadBalancer)
            kind = "Gateway Load Balancer" if balancer and balancer.type == "gateway" else "Network Load Balancer"
            diagram.add(Node(port.owner_id, f"{kind} {_name(balancer)}", "load-balancer", cluster[:2]))
        elif port.owner_kind == "gwlb-endpoint":
            gwlbe = topology.get(port.owner_id, m.GatewayLoadBalancerEndpoint)
            diagram.add(Node(port.owner_id, f"GWLB endpoint {_name(gwlbe)}\n{port.owner_id}\n{address}",
                             "gwlb-endpoint", cluster))
        else:
            diagram.add(Node(port.id, f"network interface {_name(port.eni)}\n{port.id}\n{address}",
                             "network-interface", cluster))
    for tgw in topology.all(m.TransitGateway):
        diagram.clusters.setdefault(f"region:{tgw.region}", tgw.region)
        diagram.add(Node(tgw.transit_gateway_id, f"transit gateway {_name(tgw)}\n{tgw.transit_gateway_id}",
                         "transit-gateway", (f"region:{tgw.region}",)))
    for attachment in topology.all(m.TransitGatewayVpcAttachment):
        for subnet_id in attachment.subnet_ids:
            diagram.edge(Edge(attachment.transit_gateway_id, attachment.transit_gateway_id,
                              f"attachment {_name(attachment)}", "attachment", a_cluster=f"subnet:{subnet_id}"))
    for peering in topology.all(m.TransitGatewayPeeringAttachment):
        diagram.edge(Edge(peering.requester_transit_gateway_id, peering.accepter_transit_gateway_id,
                          f"TGW peering {_name(peering)}", "peering"))
    for pcx in topology.all(m.VpcPeeringConnection):
        diagram.add(Node(pcx.vpc_peering_connection_id, f"VPC peering {_name(pcx)}\n{pcx.vpc_peering_connection_id}",
                         "vpc-peering-connection"))
    for subnet in topology.all(m.Subnet):
        table = topology.route_table_of(subnet)
        for route in table.routes if table else []:
            target = route.target_id
            if not target or target == "local" or target not in diagram.nodes:
                continue
            destination = route.destination
            if route.destination_prefix_list_id:
                destination = prefix_names.get(destination, destination).rsplit(".", 1)[-1] + " prefix list"
            diagram.edge(Edge(target, target, destination + (" (blackhole)" if route.state == "blackhole" else ""),
                              "route", a_cluster=f"subnet:{subnet.subnet_id}"))
    if trace is not None:
        diagram.path = _path_nodes(network, diagram, locate(network, trace))
    return diagram


def _service_node(diagram: Diagram, service_name: str, region: str) -> str:
    node_id = service_name
    short = service_name.rsplit(".", 1)[-1]
    title = "endpoint service" if short.startswith("vpce-svc-") else f"{short.upper()} ({region})"
    diagram.clusters.setdefault(f"region:{region}", region)
    diagram.add(Node(node_id, f"{title}\n{service_name}", "aws-service", (f"region:{region}",)))
    return node_id


def _path_nodes(network, diagram: Diagram, places: list[Place]) -> list[str]:
    out: list[str] = []
    for place in places:
        node_id = place.id
        if place.type == "interface-endpoint" and place.port is not None:
            node_id = place.port.id
        elif place.type == "network-interface" and place.port is not None:
            node_id = place.port.owner_id if place.port.owner_id in diagram.nodes else place.port.id
        elif place.type == "transit-gateway-attachment":
            continue  # drawn as the peering edge between the two transit gateways
        elif place.type == "endpoint-service":
            service = network.topology.get(place.id, m.EndpointService)
            node_id = service.service_name if service and service.service_name in diagram.nodes else place.id
        if node_id not in diagram.nodes:
            if place.type == "aws-service":
                node_id = _service_node(diagram, place.id, place.region or "")
            else:
                diagram.add(Node(node_id, f"{place.type}\n{place.id}", place.type))
        if not out or out[-1] != node_id:
            out.append(node_id)
    return out


# --- Mermaid ------------------------------------------------------------------------------------

def _mid(text: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", text)


def _mlabel(text: str) -> str:
    return '"' + text.replace('"', "#quot;").replace("\n", "<br/>") + '"'


def to_mermaid(diagram: Diagram) -> str:
    lines = ["flowchart LR", f"  %% {diagram.title}: generated by vpcemu graph"]
    children: dict[tuple[str, ...], list[str]] = {}
    for node in diagram.nodes.values():
        children.setdefault(node.cluster, []).append(node.id)
    clusters = diagram.cluster_paths()

    def emit(prefix: tuple[str, ...], depth: int) -> None:
        pad = "  " * depth
        for cluster in sorted(c for c in clusters if len(c) == len(prefix) + 1 and c[:len(prefix)] == prefix):
            key = cluster[-1]
            lines.append(f"{pad}subgraph {_mid(key)}[{_mlabel(diagram.clusters.get(key, key))}]")
            emit(cluster, depth + 1)
            lines.append(f"{pad}end")
        for node_id in children.get(prefix, []):
            node = diagram.nodes[node_id]
            lines.append(f"{pad}{_mid(node.id)}[{_mlabel(node.label)}]")

    emit((), 1)
    index = 0
    path_links = []
    for edge in diagram.edges:
        a = _mid(edge.a_cluster) if edge.a_cluster else _mid(edge.a)
        arrow = "-.->" if edge.kind in ("service", "attachment") else "---" if edge.kind == "peering" else "-->"
        label = f"|{_mlabel(edge.label)}|" if edge.label else ""
        lines.append(f"  {a} {arrow}{label} {_mid(edge.b)}")
        index += 1
    for step, (a, b) in enumerate(zip(diagram.path, diagram.path[1:]), 1):
        lines.append(f"  {_mid(a)} ==>|{_mlabel(str(step))}| {_mid(b)}")
        path_links.append(index)
        index += 1
    if diagram.path:
        lines.append(f"  classDef path stroke:{PATH_COLOUR},stroke-width:3px,color:{PATH_COLOUR};")
        lines.append(f"  class {','.join(_mid(n) for n in diagram.path)} path;")
        lines.append(f"  linkStyle {','.join(map(str, path_links))} stroke:{PATH_COLOUR},stroke-width:3px;")
    return "\n".join(lines) + "\n"


# --- DOT ----------------------------------------------------------------------------------------

def _dq(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_SHAPES = {"instance": "box", "nat-gateway": "hexagon", "internet-gateway": "house", "gateway-endpoint": "cds",
           "interface-endpoint": "component", "transit-gateway": "doubleoctagon", "aws-service": "cylinder",
           "internet": "ellipse", "vpc-peering-connection": "diamond", "network-interface": "box",
           "load-balancer": "trapezium", "gwlb-endpoint": "cds"}


def to_dot(diagram: Diagram) -> str:
    lines = [f"digraph {_dq(diagram.title)} {{", "  compound=true;", "  rankdir=LR;",
             '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];']
    path = set(diagram.path)
    tree: dict[tuple[str, ...], list[str]] = {}
    for node in diagram.nodes.values():
        tree.setdefault(node.cluster, []).append(node.id)
    anchors: dict[str, str] = {}
    clusters_seen = diagram.cluster_paths()

    def emit(prefix: tuple[str, ...], depth: int) -> None:
        pad = "  " * depth
        for cluster in sorted(c for c in clusters_seen if len(c) == len(prefix) + 1 and c[:len(prefix)] == prefix):
            key = cluster[-1]
            lines.append(f"{pad}subgraph {_dq('cluster_' + key)} {{")
            lines.append(f"{pad}  label={_dq(diagram.clusters.get(key, key))};")
            if key.startswith("subnet:"):
                anchors[key] = f"anchor_{key}"
                lines.append(f"{pad}  {_dq(anchors[key])} [shape=point, style=invis, width=0.01];")
            emit(cluster, depth + 1)
            lines.append(f"{pad}}}")
        for node_id in tree.get(prefix, []):
            node = diagram.nodes[node_id]
            style = f', color="{PATH_COLOUR}", penwidth=3, fontcolor="{PATH_COLOUR}"' if node_id in path else ""
            lines.append(f"{pad}{_dq(node.id)} [label={_dq(node.label)}, shape={_SHAPES.get(node.kind, 'box')}{style}];")

    emit((), 1)
    for edge in diagram.edges:
        attrs = [f"label={_dq(edge.label)}"] if edge.label else []
        a = edge.a
        if edge.a_cluster:
            a = anchors.get(edge.a_cluster, edge.a)
            attrs.append(f"ltail={_dq('cluster_' + edge.a_cluster)}")
        if edge.kind in ("service", "attachment"):
            attrs.append("style=dashed")
        if edge.kind == "peering":
            attrs.append("dir=both")
        lines.append(f"  {_dq(a)} -> {_dq(edge.b)}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    for step, (a, b) in enumerate(zip(diagram.path, diagram.path[1:]), 1):
        lines.append(f'  {_dq(a)} -> {_dq(b)} [label="{step}", color="{PATH_COLOUR}", penwidth=3, '
                     f'fontcolor="{PATH_COLOUR}", class="path"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(diagram: Diagram, fmt: str) -> bytes:
    if fmt == "mermaid":
        return to_mermaid(diagram).encode()
    if fmt == "dot":
        return to_dot(diagram).encode()
    if fmt == "png":
        dot = shutil.which("dot")
        if dot is None:
            raise InputError("PNG needs Graphviz's `dot` on PATH (Debian package graphviz); "
                             "--format dot or mermaid work without it", field="--format")
        result = subprocess.run([dot, "-Tpng"], input=to_dot(diagram).encode(), capture_output=True, timeout=120)
        if result.returncode != 0:
            raise InputError(f"dot failed: {result.stderr.decode(errors='replace').strip().splitlines()[-1:]}",
                             field="--format")
        return result.stdout
    raise InputError(f"unknown format {fmt!r} ({', '.join(FORMATS)})", field="--format")


def write_output(data: bytes, path: str | None) -> None:
    """To a file (emulator/atomic.py: whole or not at all), or to stdout (no path, or `-`)."""
    from ..atomic import write_file

    write_file("-" if path is None else path, data, stdout=True)
