"""Demonstration 3 on the cross-region seed: TCP across the inter-region VPC peering to the
DynamoDB interface endpoint's ENI (R52, R87), a port its security group blocks, and the same
service reached over the peered transit gateways."""
from __future__ import annotations

import json

import emulator
from emulator import model as m
from tests.lab.conftest import CROSS_REGION

NEEDS_ROOT = True

LAB_TOPOLOGY = lambda directory: CROSS_REGION  # noqa: E731 — the seed as it is
ENDPOINT_A = "10.2.1.100"


def known() -> dict:
    network = emulator.load(CROSS_REGION)
    topology = network.topology
    endpoint_port = next(p for p in network.fabric.ports.values() if ENDPOINT_A in p.eni.private_ip_addresses)
    return {"pcx": next(p.vpc_peering_connection_id for p in topology.all(m.VpcPeeringConnection)),
            "tgws": [t.transit_gateway_id for t in topology.all(m.TransitGateway)],
            "endpoint_eni": endpoint_port.id, "endpoint_groups": endpoint_port.eni.groups}


def curl(lab, host: str, url: str, timeout: int = 5):
    return lab.exec(host, "curl", "-sS", "--max-time", str(timeout), url, timeout=timeout + 20)


def test_tcp_across_the_peering_reaches_the_interface_endpoint(module_lab):
    ids = known()
    result = curl(module_lab, "client-a", f"http://{ENDPOINT_A}:443/")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["host"] == "dynamodb-data-a" and answer["client"] == "10.1.1.10"  # no NAT on a peering (R86)
    (request,) = module_lab.flows(ingress="client-a", flow=f":{answer['client_port']} > {ENDPOINT_A}:443 tcp")
    assert request["verdict"] == "delivered" and ids["pcx"] in request["path"]
    assert any("inbound tcp 443 from 10.1.0.0/16" in rule for rule in request["rules"])  # the rule that let it in
    (reply,) = module_lab.flows(ingress="dynamodb-data-a", flow=f"> 10.1.1.10:{answer['client_port']} tcp")
    assert reply["verdict"] == "delivered" and ids["pcx"] in reply["path"]  # routed back by the data VPC (R82)


def test_a_port_the_destination_security_group_blocks_times_out_and_the_log_names_it(module_lab):
    ids = known()
    # The stand-in listens on port 80 too: inside its own host the port answers ...
    local = curl(module_lab, "dynamodb-data-a", "http://127.0.0.1:80/")
    assert local.returncode == 0, local.stderr
    # ... but across the peering its security group admits only 443 (R104): the SYN is dropped.
    result = curl(module_lab, "client-a", f"http://{ENDPOINT_A}:80/", timeout=2)
    assert result.returncode == 28, result.stderr  # timed out
    (drop,) = [d for d in module_lab.status()["drops"] if d["ingress"] == "client-a" and f"{ENDPOINT_A}:80 tcp" in d["flow"]]
    assert drop["code"] == "ENI_SG_RULES_MISMATCH"
    assert drop["where"] == ids["endpoint_eni"]
    assert all(group in drop["why"] for group in ids["endpoint_groups"])
    assert drop["packets"] >= 2  # the SYN and at least one retransmission, all dropped
    assert ids["pcx"] in drop["path"]


def test_tcp_over_the_peered_transit_gateways(module_lab):
    ids = known()
    result = curl(module_lab, "client-b", f"http://{ENDPOINT_A}:443/")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["client"] == "10.1.2.10"
    (request,) = module_lab.flows(ingress="client-b", flow=f":{answer['client_port']} > {ENDPOINT_A}:443 tcp")
    assert all(tgw in request["path"] for tgw in ids["tgws"]) and ids["pcx"] not in request["path"]


def test_the_data_vpcs_gateway_endpoint_is_not_usable_across_the_peering(module_lab):
    (s3,) = emulator.load(CROSS_REGION).resolve("s3.eu-west-2.amazonaws.com", "client-a")
    result = curl(module_lab, "client-a", f"http://{s3}/", timeout=2)
    assert result.returncode == 28
    (drop,) = [d for d in module_lab.status()["drops"] if d["ingress"] == "client-a" and f"{s3}:80" in d["flow"]]
    assert drop["code"] == "EDGE_TO_EDGE_GATEWAY_ENDPOINT"  # R37, R81


def test_bulk_tcp_across_8500_byte_links_finds_the_path_mtu(module_lab):
    # The endpoint host sends 9001-byte segments; the inter-region peering and the transit gateway
    # carry 8500 (R84, R119): the first ones are dropped and ICMP fragmentation-needed goes back,
    # so the sender's kernel lowers its path MTU and the transfer completes.
    ids = known()
    for client in ("client-a", "client-b"):
        result = module_lab.exec(client, "curl", "-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{size_download}",
                                 f"http://{ENDPOINT_A}:443/bytes/4000000", timeout=40)
        assert result.returncode == 0 and result.stdout == "4000000", result.stderr
    status = module_lab.status()
    drops = [d for d in status["drops"] if d["ingress"] == "dynamodb-data-a" and d["code"] == "MTU_EXCEEDED"]
    to_a = [d for d in drops if "> 10.1.1.10:" in d["flow"]]
    to_b = [d for d in drops if "> 10.1.2.10:" in d["flow"]]
    assert to_a and all(d["where"] == ids["pcx"] for d in to_a)
    assert to_b and all(d["where"] in ids["tgws"] for d in to_b)
    assert all("8500-byte link" in d["why"] for d in drops)
    assert status["counters"]["icmp-frag-needed-sent"] >= 2
