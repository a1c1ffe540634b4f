"""PrivateLink in the lab: a consumer's connection to its interface endpoint reaches a server on an
NLB target instance in the provider VPC, which sees the NLB node's address (R64), and the answer
comes back through the endpoint (R47). The two VPCs overlap (R63): each host has its own
namespace, so that is no clash."""
from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.conftest import ROOT, TOPOLOGIES

NEEDS_ROOT = True
LAB_TOPOLOGY = lambda directory: TOPOLOGIES / "seed-privatelink.yaml"  # noqa: E731


def test_a_consumer_reaches_a_server_on_an_nlb_target_through_its_interface_endpoint(module_lab):
    server = subprocess.Popen([sys.executable, "-m", "emulator", "lab", "exec", "--name", module_lab.name, "app-1",
                               "--", sys.executable, "-m", "emulator.lab.standin", "--service", "app-svc",
                               "--port", "8443"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 10
        while True:
            result = module_lab.exec("client-1", "curl", "-sS", "--max-time", "5", "http://10.50.1.100:443/")
            if result.returncode == 0 or time.monotonic() > deadline:
                break
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout)
        assert answer["port"] == 8443 and answer["client"] == "10.50.10.5"  # the NLB node in eu-west-2a (R64)
        (request,) = [f for f in module_lab.flows(ingress="client-1") if "> 10.50.1.100:443 tcp" in f["flow"]][:1]
        assert request["verdict"] == "delivered" and any(c.startswith("vpce-svc-") for c in request["path"])
        assert any("loadbalancer/net/" in c for c in request["path"])
        replies = [f for f in module_lab.flows(ingress="app-1") if "10.50.1.10:8443 > 10.50.10.5:" in f["flow"]]
        assert replies and replies[0]["verdict"] == "delivered"
    finally:
        server.kill()
        server.wait()
    hosts = {h["name"] for h in module_lab.state["hosts"]}
    assert "app-1" in hosts and not any(h.startswith("app-endpoint") for h in hosts)  # no stand-in in the way
