"""The `vpcemu` command's contract, run as a user runs it (a subprocess).

trace: a hop table, or with --json exactly one JSON object {verdict, code, delivered_to, hops};
exit 0 whatever the verdict; defaults tcp, dport 443, sport 49152; icmp is an echo request; the
source as instance id, ENI id, YAML name or private address; the destination as an address or a
DNS name. demo: runs the `traces:` of topology files and prints each title.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

import emulator
from tests.conftest import ROOT, TOPOLOGIES

SEED = TOPOLOGIES / "seed-endpoints.yaml"
S3 = "s3.eu-west-2.amazonaws.com"
HOP_KEYS = {"id", "type", "action", "detail"}


def vpcemu(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emulator", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def trace_json(*options) -> dict:
    result = vpcemu("trace", SEED, *options, "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)  # fails unless stdout is exactly one JSON document


def first_line(*options) -> str:
    result = vpcemu("trace", SEED, *options)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[0]


@pytest.fixture(scope="module")
def seed():
    return emulator.load(SEED)


# --- trace --json -------------------------------------------------------------------------------

@pytest.mark.parametrize("source, destination, verdict, code", [
    ("web-a", S3, "delivered", None),                               # through the gateway endpoint (R33)
    ("app-b", S3, "dropped", "NO_ROUTE_TO_DESTINATION"),            # R1
    ("web-a", "10.0.10.10", "dropped", "ENI_SG_RULES_MISMATCH"),    # app allows 8080 from web only (R104)
    ("web-a", "8.8.8.8", "exited", None),                           # out through the IGW (R120)
])
def test_json_is_one_object_with_the_documented_keys_and_exit_0_whatever_the_verdict(source, destination, verdict,
                                                                                        code):
    result = vpcemu("trace", SEED, "--from", source, "--to", destination, "--json")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert len(result.stdout.strip().splitlines()) == 1
    out = json.loads(result.stdout)
    assert set(out) == {"verdict", "code", "delivered_to", "hops"}
    assert (out["verdict"], out["code"]) == (verdict, code)
    assert (out["delivered_to"] is None) == (verdict == "dropped")
    assert out["hops"], "a trace has at least the sending hop"
    for hop in out["hops"]:
        assert HOP_KEYS <= set(hop) and set(hop) - HOP_KEYS <= {"in", "out"}, hop
        assert all(isinstance(hop[k], str) and hop[k] for k in HOP_KEYS), hop


def test_json_is_what_the_python_api_returns(seed):
    out = trace_json("--from", "batch-1", "--to", S3)
    assert out == seed.trace_flow("batch-1", S3).as_dict()
    assert out["delivered_to"] == "com.amazonaws.eu-west-2.s3"


def test_json_hops_show_headers_where_a_hop_rewrites_them(seed):
    """Only translating hops carry `in` and `out`: the NAT gateway (R122) and the IGW (R120)."""
    out = trace_json("--from", "batch-1", "--to", S3)
    rewriting = [hop for hop in out["hops"] if "in" in hop]
    assert [hop["type"] for hop in rewriting] == ["nat-gateway", "internet-gateway"]
    nat = rewriting[0]
    assert nat["in"]["src"] == "10.0.12.10" and nat["out"]["src"] == "10.0.1.5"
    assert rewriting[1]["out"]["src"] == "18.130.11.5"


# --- defaults and protocols -----------------------------------------------------------------------

def test_the_defaults_are_tcp_from_port_49152_to_port_443():
    assert first_line("--from", "app-a", "--to", "10.0.0.10") == "packet: 10.0.10.10:49152 > 10.0.0.10:443 tcp"


def test_the_defaults_decide_the_verdict():
    """web admits tcp 443 only (R104): the default packet is delivered, other ports and protocols are not."""
    assert trace_json("--from", "app-a", "--to", "10.0.0.10")["verdict"] == "delivered"
    assert trace_json("--from", "app-a", "--to", "10.0.0.10", "--proto", "tcp", "--dport", "443",
                      "--sport", "49152") == trace_json("--from", "app-a", "--to", "10.0.0.10")
    assert trace_json("--from", "app-a", "--to", "10.0.0.10", "--dport", "80")["code"] == "ENI_SG_RULES_MISMATCH"
    assert trace_json("--from", "app-a", "--to", "10.0.0.10", "--proto", "udp")["code"] == "ENI_SG_RULES_MISMATCH"


def test_ports_and_protocol_can_be_chosen():
    line = first_line("--from", "app-a", "--to", "10.0.0.10", "--proto", "udp", "--sport", "5353", "--dport", "53")
    assert line == "packet: 10.0.10.10:5353 > 10.0.0.10:53 udp"
    assert first_line("--from", "app-a", "--to", "10.0.0.10", "--proto", "17") == \
        "packet: 10.0.10.10:49152 > 10.0.0.10:443 udp"


def test_icmp_is_an_echo_request():
    assert first_line("--from", "app-a", "--to", "10.0.0.10", "--proto", "icmp") == \
        "packet: 10.0.10.10 > 10.0.0.10 icmp type 8 code 0 id 49152"
    assert first_line("--from", "app-a", "--to", "10.0.0.10", "--proto", "ICMP").endswith("icmp type 8 code 0 id 49152")


def test_another_protocol_number_is_sent_as_a_bare_ip_packet():
    assert first_line("--from", "app-a", "--to", "10.0.0.10", "--proto", "47") == \
        "packet: 10.0.10.10 > 10.0.0.10 proto 47"


# --- sources and destinations ----------------------------------------------------------------------

def test_the_source_by_instance_id_eni_id_name_or_private_address(seed):
    instance = seed.topology.find("web-a")
    eni_id = instance.network_interface_ids[0]
    ways = {"name": "web-a", "instance id": instance.id, "ENI id": eni_id, "private IPv4": "10.0.0.10"}
    assert instance.id.startswith("i-") and eni_id.startswith("eni-")
    outputs = {way: trace_json("--from", ref, "--to", S3) for way, ref in ways.items()}
    assert outputs["name"]["verdict"] == "delivered"
    assert outputs["name"]["hops"][0]["id"] == instance.id
    for way, out in outputs.items():
        assert out == outputs["name"], way


def test_the_destination_by_address_or_dns_name(seed):
    address = seed.resolve(S3, "web-b")[0]
    by_name = trace_json("--from", "web-b", "--to", S3)
    assert by_name == trace_json("--from", "web-b", "--to", address)
    assert by_name["verdict"] == "delivered"


def test_a_dns_name_answered_by_private_dns_goes_to_the_endpoint_in_the_clients_zone():
    """R50: from app-b (eu-west-2b) the DynamoDB name resolves to the endpoint ENI in private-b."""
    assert first_line("--from", "app-b", "--to", "dynamodb.eu-west-2.amazonaws.com") == \
        "packet: 10.0.11.10:49152 > 10.0.11.100:443 tcp"


def test_the_hop_table_ends_with_the_verdict():
    result = vpcemu("trace", SEED, "--from", "app-b", "--to", S3)
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1] == "=> DROPPED NO_ROUTE_TO_DESTINATION"


# --- demo --------------------------------------------------------------------------------------------

def test_demo_of_the_seed_exits_0_and_prints_every_trace_title():
    titles = [t["title"] for t in yaml.safe_load(SEED.read_text())["traces"]]
    assert len(titles) >= 5
    result = vpcemu("demo", SEED)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    for title in titles:
        assert f"\n## {title}\n" in result.stdout, title
    assert "NOT AS EXPECTED" not in result.stdout
    assert result.stdout.count("\n=> ") == len(titles)


def test_demo_runs_several_files_in_order():
    files = sorted(p for p in TOPOLOGIES.glob("*.yaml") if (yaml.safe_load(p.read_text()) or {}).get("traces"))
    result = vpcemu("demo", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    headings = [line[2:] for line in result.stdout.splitlines() if line.startswith("# ")]
    assert headings == [str(p) for p in files]


def test_demo_exits_1_when_a_trace_does_not_behave_as_its_file_says(tmp_path):
    text = SEED.read_text().replace("expect: {verdict: dropped, code: NO_ROUTE_TO_DESTINATION}",
                                    "expect: {verdict: delivered}")
    assert text != SEED.read_text()
    path = tmp_path / "seed.yaml"
    path.write_text(text)
    result = vpcemu("demo", path)
    assert result.returncode == 1
    assert "!! NOT AS EXPECTED: verdict is dropped, expected delivered" in result.stdout
    assert result.stderr == "vpcemu: 1 demonstration trace(s) did not behave as their file says\n"


def test_trace_from_the_internet_needs_a_source_address():
    """--from internet --src ADDRESS sends a packet in from the internet (R120, R13)."""
    import subprocess
    import sys

    from tests.conftest import TOPOLOGIES

    path = str(TOPOLOGIES / "seed-privatelink.yaml")
    ok = subprocess.run([sys.executable, "-m", "emulator", "trace", path, "--from", "internet", "--src",
                         "198.51.100.7", "--to", "3.8.10.10", "--json"], capture_output=True, text=True)
    assert ok.returncode == 0 and '"verdict": "delivered"' in ok.stdout
    missing = subprocess.run([sys.executable, "-m", "emulator", "trace", path, "--from", "internet", "--to",
                              "3.8.10.10"], capture_output=True, text=True)
    assert missing.returncode == 2 and "--src" in missing.stderr and missing.stderr.count("\n") == 1


@pytest.mark.parametrize("verb", [["demo", str(TOPOLOGIES / "seed-endpoints.yaml")],
                                  ["trace", str(TOPOLOGIES / "seed-endpoints.yaml"), "--from", "web-a", "--to",
                                   "8.8.8.8", "--json"]])
def test_a_reader_that_leaves_early_ends_the_command_quietly(verb):
    """`vpcemu demo … | head`: the pipe's reader is gone before vpcemu writes; no traceback, and the
    exit status of a command ended by SIGPIPE (128 + 13), not demo's 1 for a misbehaving trace."""
    process = subprocess.Popen([sys.executable, "-m", "emulator", *verb], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=ROOT)
    process.stdout.close()  # the reader leaves at once, like `head` after its lines
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141 and err == "", err
