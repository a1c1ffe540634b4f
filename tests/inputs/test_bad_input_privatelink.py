"""Issue #4's bad input through the command line: one line naming file, resource and field, exit 2
— or, where AWS accepts the configuration and drops the traffic, a dropped trace with its code."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.dataplane.test_gwlb import INSPECTED
from tests.dataplane.test_privatelink import PROVIDER_AND_CONSUMER

DEFAULTS = {"H1": "healthy", "H2": "healthy", "PP2": "false", "NLB_SUBNETS": "a, b", "EP_SUBNETS": "c-a, c-b",
            "PRINCIPAL": "arn:aws:iam::111111111111:root", "ACCEPT": "true",
            "ALLOWED": '"arn:aws:iam::111111111111:root"', "ACCEPTED": "ep"}


def write(tmp_path, template, defaults, **overrides):
    text = template
    for key, value in {**defaults, **overrides}.items():
        text = text.replace("{" + key + "}", value)
    path = tmp_path / "topology.yaml"
    path.write_text(text)
    return path


def trace(path, source, destination, *extra):
    return subprocess.run([sys.executable, "-m", "emulator", "trace", str(path), "--from", source, "--to",
                           destination, *extra], capture_output=True, text=True)


def assert_one_line(result, *fragments):
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.mark.parametrize("overrides, fragments", [
    ({"NLB_SUBNETS": "a"}, ["vpcs.consumer.endpoints.ep: subnets:", "us-east-1b", "(R61)"]),
    ({"PRINCIPAL": "arn:aws:iam::999999999999:role/x"},
     ["vpcs.consumer.endpoints.ep: principal:", "arn:aws:iam::999999999999:role/x", "com.amazonaws.vpce.us-east-1.vpce-svc-"]),
])
def test_what_aws_refuses_to_create_is_one_line(tmp_path, overrides, fragments):
    path = write(tmp_path, PROVIDER_AND_CONSUMER, DEFAULTS, **overrides)
    assert_one_line(trace(path, "c1", "10.9.1.100"), str(path), *fragments)


def test_an_unknown_service_name_is_one_line(tmp_path):
    path = write(tmp_path, PROVIDER_AND_CONSUMER.replace("service: svc", "service: nosuch"), DEFAULTS)
    assert_one_line(trace(path, "c1", "10.9.1.100"), str(path), "service:", "unknown endpoint service 'nosuch'")


def test_a_gwlb_endpoint_whose_service_is_missing_is_one_line(tmp_path):
    path = write(tmp_path, INSPECTED, {"FW_SG": "geneve", "HASH": "5", "H1": "healthy", "SERVICE": "gone"})
    assert_one_line(trace(path, "web-1", "8.8.8.8"), str(path), "endpoints.gwlbe: service:", "'gone'")


def test_a_target_group_with_no_healthy_target_is_accepted_and_fails_open(tmp_path):
    """AWS accepts the configuration and its NLB fails open: the traffic reaches the targets anyway,
    and the trace says so."""
    path = write(tmp_path, PROVIDER_AND_CONSUMER, DEFAULTS, H1="unhealthy", H2="unhealthy")
    result = trace(path, "c1", "10.9.1.100", "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["verdict"] == "delivered" and any("fails open" in hop["detail"] for hop in data["hops"])


def test_a_target_group_with_no_target_is_a_dropped_trace(tmp_path):
    """AWS accepts an empty target group; the traffic finds nobody."""
    text = PROVIDER_AND_CONSUMER.replace("targets: [{target: t1, health: {H1}}, {target: t2, health: {H2}}]",
                                         "targets: []")
    path = write(tmp_path, text, DEFAULTS)
    result = trace(path, "c1", "10.9.1.100", "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert (data["verdict"], data["code"]) == ("dropped", "ELBV2_NO_TARGETS")
