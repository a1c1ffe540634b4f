"""`vpcemu graph`: Regions, VPCs, subnets, gateways, endpoints, peering and transit gateway links in
Mermaid and DOT, with a traced path highlighted; PNG through Graphviz's dot."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

import emulator
from emulator import model as m
from emulator.inputs.errors import InputError
from emulator.record import graph as g
from tests.conftest import ROOT, TOPOLOGIES

SEED = TOPOLOGIES / "seed-endpoints.yaml"
CROSS = TOPOLOGIES / "seed-cross-region.yaml"
S3 = "s3.eu-west-2.amazonaws.com"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


@pytest.fixture(scope="module")
def seed():
    return emulator.load(SEED)


@pytest.fixture(scope="module")
def cross():
    return emulator.load(CROSS)


def mid(resource_id: str) -> str:
    return g._mid(resource_id)


def test_mermaid_nests_regions_vpcs_and_subnets_with_their_resources(seed):
    text = g.to_mermaid(g.build(seed))
    topology = seed.topology
    assert text.startswith("flowchart LR\n")
    vpc = topology.find("app", m.Vpc)
    assert f'subgraph {mid("region:eu-west-2")}["eu-west-2"]' in text
    assert f'subgraph {mid("vpc:" + vpc.id)}["VPC app 10.0.0.0/16"]' in text
    for subnet in topology.subnets_of(vpc.id):
        assert f'subgraph {mid("subnet:" + subnet.subnet_id)}["subnet {subnet.name} {subnet.cidr_block}' in text
    for ref, kind in (("web-a", m.Instance), ("nat-b", m.NatGateway), ("app-igw", m.InternetGateway),
                      ("s3-gateway", m.GatewayEndpoint)):
        assert f"{mid(topology.find(ref, kind).id)}[" in text, ref
    for eni_id in topology.find("dynamodb", m.InterfaceEndpoint).network_interface_ids:
        assert f"{mid(eni_id)}[" in text  # an interface endpoint is drawn per ENI, in its subnet
    assert text.count(" end\n") == 1 + 1 + len(topology.subnets_of(vpc.id))  # every subgraph is closed
    assert not re.search(r"^\s*(\w+)\[.*\n(?:.*\n)*\s*\1\[", text, re.M)  # no node declared twice


def test_mermaid_draws_routes_endpoints_and_the_internet(seed):
    text = g.to_mermaid(g.build(seed))
    topology = seed.topology
    batch = topology.find("batch-a", m.Subnet).subnet_id
    nat = topology.find("nat-b", m.NatGateway).id
    igw = topology.find("app-igw", m.InternetGateway).id
    gateway = topology.find("s3-gateway", m.GatewayEndpoint).id
    assert f'{mid("subnet:" + batch)} -->|"0.0.0.0/0"| {mid(nat)}' in text
    public_a = topology.find("public-a", m.Subnet).subnet_id
    assert f'{mid("subnet:" + public_a)} -->|"s3 prefix list"| {mid(gateway)}' in text
    assert f"{mid(igw)} -.-> {mid('internet')}" in text
    assert f"{mid(gateway)} -.-> {mid('com.amazonaws.eu-west-2.s3')}" in text
    assert "classDef path" not in text  # nothing traced, nothing highlighted


def test_mermaid_highlights_a_traced_path_in_order(seed):
    trace = seed.trace_flow("batch-1", S3)
    text = g.to_mermaid(g.build(seed, trace))
    ids = [mid(i) for i in trace.path]
    assert f"  class {','.join(ids)} path;" in text
    for step, (a, b) in enumerate(zip(ids, ids[1:]), 1):
        assert f'{a} ==>|"{step}"| {b}' in text
    edges = [line for line in text.splitlines() if re.match(r"\s+\S+ (-->|-\.->|---|==>)", line)]
    path_edges = [i for i, line in enumerate(edges) if "==>" in line]
    assert f"  linkStyle {','.join(map(str, path_edges))} stroke:" in text  # the numbered edges are coloured


def test_dot_has_clusters_and_a_red_numbered_path(seed):
    trace = seed.trace_flow("batch-1", S3)
    text = g.to_dot(g.build(seed, trace))
    assert text.startswith('digraph "seed-endpoints" {') and "compound=true;" in text
    vpc = seed.topology.find("app", m.Vpc).id
    assert f'subgraph "cluster_vpc:{vpc}"' in text
    for step, (a, b) in enumerate(zip(trace.path, trace.path[1:]), 1):
        assert f'"{a}" -> "{b}" [label="{step}", color="{g.PATH_COLOUR}", penwidth=3' in text
    for component in trace.path:
        assert re.search(rf'^\s*"{re.escape(component)}" \[.*penwidth=3', text, re.M), component
    untouched = seed.topology.find("web-a", m.Instance).id
    assert not re.search(rf'^\s*"{untouched}" \[.*penwidth=3', text, re.M)


def test_transit_gateways_peerings_and_regions_across_the_cross_region_seed(cross):
    trace = cross.trace_flow("client-b", "10.2.1.100")
    diagram = g.build(cross, trace)
    text = g.to_dot(diagram)
    hub1, hub2 = (cross.topology.find(n, m.TransitGateway).id for n in ("hub-eu1", "hub-eu2"))
    assert f'"{hub1}" -> "{hub2}" [label="TGW peering eu1-eu2", dir=both];' in text
    pcx = cross.topology.find("data-link", m.VpcPeeringConnection).id
    assert f'"{pcx}" [label=' in text
    assert 'subgraph "cluster_region:eu-west-1"' in text and 'subgraph "cluster_region:eu-west-2"' in text
    attachment_subnet = cross.topology.find("tgw-1a", m.Subnet).subnet_id
    assert re.search(rf'-> "{hub1}" \[label="attachment client", ltail="cluster_subnet:{attachment_subnet}"', text)
    endpoint_eni = next(p for p in diagram.path if p.startswith("eni-"))
    assert diagram.path == [cross.topology.find("client-b", m.Instance).id, hub1, hub2, endpoint_eni]


@needs_dot
def test_graphviz_accepts_the_dot(cross):
    text = g.to_dot(g.build(cross, cross.trace_flow("client-a", "10.2.1.100")))
    result = subprocess.run(["dot", "-Tcanon"], input=text, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@needs_dot
def test_png_is_drawn_by_graphviz(seed):
    data = g.render(g.build(seed), "png")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")


def test_png_without_graphviz_is_an_input_error(seed, monkeypatch):
    monkeypatch.setattr(g.shutil, "which", lambda name: None)
    with pytest.raises(InputError, match="Graphviz"):
        g.render(g.build(seed), "png")


def vpcemu(*args):
    return subprocess.run([sys.executable, "-m", "emulator", *map(str, args)], cwd=ROOT, capture_output=True,
                          timeout=120)


def test_the_graph_command_writes_mermaid_to_stdout_and_dot_to_a_file(tmp_path):
    result = vpcemu("graph", SEED, "--trace", "web-a", S3)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().startswith("flowchart LR") and b"classDef path" in result.stdout
    out = tmp_path / "seed.dot"
    result = vpcemu("graph", SEED, "--format", "dot", "-o", out)
    assert result.returncode == 0 and result.stdout == b""
    assert out.read_text().startswith("digraph")
    assert [p.name for p in tmp_path.iterdir()] == ["seed.dot"]  # written atomically: no temporary left


@needs_dot
def test_the_graph_command_writes_png(tmp_path):
    out = tmp_path / "seed.png"
    result = vpcemu("graph", SEED, "--trace", "batch-1", S3, "--format", "png", "-o", out)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("options, says", [
    (["--trace", "nobody", S3], "nobody"),
    (["--format", "svg"], "invalid choice"),
    (["-o", "/nonexistent-dir/x.mmd"], "cannot write"),
])
def test_graph_mistakes_are_one_line_and_exit_2(options, says):
    result = vpcemu("graph", SEED, *options)
    assert result.returncode == 2 and result.stdout == b""
    err = result.stderr.decode()
    assert err.count("\n") == 1 and says in err, err


@pytest.mark.parametrize("name, starts", [("g.png", b"\x89PNG"), ("g.dot", b"digraph"), ("g.gv", b"digraph"),
                                          ("g.mmd", b"flowchart LR"), ("g.txt", b"flowchart LR")])
def test_the_format_follows_the_output_files_extension(tmp_path, name, starts):
    if name.endswith(".png") and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    result = vpcemu("graph", SEED, "-o", tmp_path / name)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / name).read_bytes().startswith(starts)


def test_an_explicit_format_wins_over_the_extension(tmp_path):
    result = vpcemu("graph", SEED, "--format", "dot", "-o", tmp_path / "g.png")
    assert result.returncode == 0 and (tmp_path / "g.png").read_bytes().startswith(b"digraph")
