"""Hostile input, one test per class of it: a few hundred bytes of YAML aliases, keys that are numbers,
digits that are not ASCII, JSON nested 100,000 deep, FIFOs and devices where files belong, names
past the file system's limit, values holding newlines or 100 kB. Each gets one line on stderr and
exit 2 (or, where the input is legal, a normal run), never a traceback, a hang or a host lookup.
"""
from __future__ import annotations

import json
import os
import socket

import pytest

from emulator.inputs import documents
from emulator.inputs.documents import read_json, read_yaml
from emulator.inputs.errors import InputError, shown
from tests.captures import frame, write_capture
from tests.fuzz.contract import check
from tests.inputs.test_aws_json import describe_outputs, write_outputs
from tests.inputs.test_bad_input import BASE

TRACE = ["--from", "web", "--to", "10.0.1.20"]


def yaml_file(tmp_path, text: str, name: str = "topology.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def one_line(tmp_path, argv, *says: str) -> str:
    """The contract's failure half, with the line saying each of `says`."""
    result = check(argv, tmp_path)
    assert result.code == 2, (result.stdout, result.stderr)
    line = result.stderr.splitlines()[-1]
    for fragment in says:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    return line


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """vpcemu never asks the host's resolver: a lookup fails the test instead of reaching DNS."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"host name lookup: {args[:1]}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "gethostbyname", refuse)


# --- 3: YAML aliases ----------------------------------------------------------------------------

LAUGHS = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))


def test_billion_laughs_is_refused_before_it_expands(tmp_path):
    """Nine levels of nine aliases stand for 9^9 nodes in a few hundred bytes; echoing the value
    (`name: *l8`) would build them all."""
    text = "l0: &l0 lol\n" + LAUGHS + "name: *l8\n" + BASE
    assert len(text) < 1000
    one_line(tmp_path, ["trace", yaml_file(tmp_path, text), *TRACE], "malformed YAML", "aliases expand")


def test_an_alias_inside_the_node_it_names(tmp_path):
    line = one_line(tmp_path, ["trace", yaml_file(tmp_path, "name: &a [*a]\n" + BASE), *TRACE], "malformed YAML")
    assert "contains it" in line


def test_anchors_that_share_rules_still_work(tmp_path):
    """The convenience aliases exist for: one list of rules used by two groups."""
    text = BASE.replace("        subnets:", "        security_groups:\n"
                        "          a: {ingress: &rules [{protocol: tcp, ports: 443, from: 10.0.0.0/16}]}\n"
                        "          b: {ingress: *rules}\n        subnets:")
    text = text.replace("private_ip: 10.0.1.20}", "private_ip: 10.0.1.20, security_groups: [b]}")
    result = check(["trace", yaml_file(tmp_path, text), *TRACE, "--json"], tmp_path)
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == "delivered"


# --- 4: keys that are not strings ----------------------------------------------------------------

@pytest.mark.parametrize("old, new, where", [
    ("regions:", "1: x\nregions:", "topology"),
    ("regions:", "1: x\ncolour: blue\nregions:", "topology"),
    ("rt: {}", "rt: {1: x}", "vpcs.app.route_tables.rt"),
    ("          a: {cidr", "          [a]: {cidr", None),
])
def test_a_key_that_is_not_a_string(tmp_path, old, new, where):
    line = one_line(tmp_path, ["trace", yaml_file(tmp_path, BASE.replace(old, new)), *TRACE])
    if where:
        assert f"{where}: the key 1 is not a string" in line


# --- 5: digits that are not ASCII -----------------------------------------------------------------

@pytest.mark.parametrize("options, field", [
    (["--to", "².1.1.1"], "--to"),
    (["--to", "١.١.١.١"], "--to"),  # passed the address check, then scapy looked it up on the host
    (["--to", "10.0.1.20", "--proto", "²"], "--proto"),
    (["--to", "10.0.1.20", "--sport", "²"], "--sport"),
    (["--to", "10.0.1.20", "--dport", "٤٤٣"], "--dport"),
    (["--to", "10.0.1.20", "--dport", "--1"], "--dport"),
    (["--to", "10.0.1.20", "--dport", "9" * 5000], "--dport"),
])
def test_non_ascii_digits_on_the_command_line(tmp_path, options, field):
    one_line(tmp_path, ["trace", yaml_file(tmp_path, BASE), "--from", "web", *options], f"{field}: ")


def test_a_source_address_in_other_digits(tmp_path):
    one_line(tmp_path, ["trace", yaml_file(tmp_path, BASE), "--from", "internet", "--src", "١.١.١.١",
                        "--to", "10.0.1.20"], "--src: not an IPv4 address")


@pytest.mark.parametrize("old, new, says", [
    ("rt: {}", "rt: {}\n        security_groups:\n          s: {ingress: [{protocol: tcp, ports: \"²\", "
               "from: 0.0.0.0/0}]}", "ports: invalid port range '²'"),
    ("rt: {}", "rt: {}\n        security_groups:\n          s: {ingress: [{protocol: \"²\", from: 0.0.0.0/0}]}",
     "protocol: unknown protocol '²'"),
    ("10.0.1.0/24", "10.0.1.0/٢٤", "cidr_block: invalid IPv4 CIDR"),
    ("private_ip: 10.0.1.10", "private_ip: ١٠.0.1.10", "private_ip: invalid IPv4 address"),
])
def test_non_ascii_digits_in_yaml(tmp_path, old, new, says):
    one_line(tmp_path, ["trace", yaml_file(tmp_path, BASE.replace(old, new)), *TRACE], says)


@pytest.mark.parametrize("trace, says", [
    ("{from: web, to: 10.0.1.20, proto: \"²\"}", "traces[0]: proto: "),
    ("{from: web, to: 10.0.1.20, sport: \"²\"}", "traces[0]: sport: expected a whole number"),
    ("{from: web, to: \"١.١.١.١\"}", "traces[0]: to: "),
    ("{from: internet, src: \"١.١.١.١\", to: 10.0.1.20}", "traces[0]: src: not an IPv4 address"),
])
def test_non_ascii_digits_in_a_demo_trace(tmp_path, trace, says):
    one_line(tmp_path, ["demo", yaml_file(tmp_path, BASE + f"traces:\n  - {trace}\n")], says)


# --- 6: documents: depth, size, encoding, what kind of file ----------------------------------------

def test_json_nested_100000_deep(tmp_path):
    folder = write_outputs(tmp_path / "aws", describe_outputs())
    (folder / "Vpcs.json").write_text('{"Vpcs": ' + "[" * 100_000 + "]" * 100_000 + "}")
    one_line(tmp_path, ["trace", folder, "--from", "i-web0a", "--to", "10.0.2.10"], "Vpcs.json", "nested too deeply")


def test_json_with_a_number_of_5000_digits(tmp_path):
    folder = write_outputs(tmp_path / "aws", describe_outputs())
    (folder / "Vpcs.json").write_text('{"Vpcs": [' + "9" * 5000 + "]}")
    one_line(tmp_path, ["trace", folder, "--from", "i-web0a", "--to", "10.0.2.10"], "Vpcs.json", "malformed JSON")


@pytest.mark.parametrize("text, says", [
    ("name: 1" + "0" * 5000 + "\n", "a value cannot be read"),
    ("description: 2024-02-30\n", "a value cannot be read"),
    ("name: " + "[" * 5000 + "]" * 5000 + "\n", "malformed YAML"),
])
def test_yaml_values_that_cannot_be_built(tmp_path, text, says):
    one_line(tmp_path, ["trace", yaml_file(tmp_path, text + BASE), *TRACE], "malformed YAML", says)


@pytest.mark.parametrize("reader", [read_json, read_yaml])
def test_the_readers_refuse_what_is_not_a_regular_file_at_once(tmp_path, reader):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path, says in ((fifo, "a FIFO"), (tmp_path, "a directory"), ("/dev/zero", "a character device")):
        with pytest.raises(InputError) as info:
            reader(path)
        assert str(path) in info.value.line() and says in info.value.line()


@pytest.mark.parametrize("data, says", [(b"\xff\xfe{\x00}\x00", "UTF-16"), (b'{"Vpcs": "\xe9"}', "not UTF-8 text: byte 0xe9")])
def test_the_readers_name_a_bad_encoding(tmp_path, data, says):
    path = tmp_path / "Vpcs.json"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_json(path)
    assert says in info.value.line() and str(path) in info.value.line()


def test_the_readers_bound_the_size(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "MAX_YAML_BYTES", 1000)
    with pytest.raises(InputError) as info:
        read_yaml(yaml_file(tmp_path, BASE + "#" * 1000))
    assert "too large" in info.value.line()


# --- 7: demo on an AWS JSON directory ---------------------------------------------------------------

def test_demo_on_an_aws_json_directory_says_it_has_no_traces(tmp_path):
    folder = write_outputs(tmp_path / "aws", describe_outputs())
    one_line(tmp_path, ["demo", yaml_file(tmp_path, BASE), folder], str(folder), "no `traces:`")


# --- 8: types, principals, long names, FIFOs ----------------------------------------------------------

def test_ports_that_are_null(tmp_path):
    text = BASE.replace("        subnets:", "        security_groups:\n"
                        "          s: {ingress: [{protocol: tcp, ports: [null, null], from: 0.0.0.0/0}]}\n        subnets:")
    one_line(tmp_path, ["trace", yaml_file(tmp_path, text), *TRACE], "ingress[0]: ports: expected a whole number")


def test_an_endpoint_principal_that_is_not_an_arn(tmp_path):
    from tests.dataplane.test_privatelink import PROVIDER_AND_CONSUMER
    from tests.inputs.test_bad_input_privatelink import DEFAULTS, write

    path = write(tmp_path, PROVIDER_AND_CONSUMER, DEFAULTS, PRINCIPAL="bob")
    one_line(tmp_path, ["trace", path, "--from", "client", "--to", "10.9.1.100"],
             "endpoints.ep: principal: 'bob': an account root, user or role ARN")


def test_a_name_longer_than_the_file_system_allows(tmp_path):
    path = tmp_path / ("x" * 300 + ".yaml")
    line = one_line(tmp_path, ["trace", path, *TRACE], "file name too long")
    assert len(line) < 400  # the name is shortened too


@pytest.mark.parametrize("verb", ["trace", "demo"])
def test_a_fifo_as_topology_does_not_block(tmp_path, verb):
    fifo = tmp_path / "topology.yaml"
    os.mkfifo(fifo)
    one_line(tmp_path, [verb, fifo, *(TRACE if verb == "trace" else [])], "not a regular file: a FIFO")


def test_a_fifo_as_capture_does_not_block(tmp_path):
    fifo = tmp_path / "capture.pcap"
    os.mkfifo(fifo)
    one_line(tmp_path, ["replay", yaml_file(tmp_path, BASE), fifo, "--at", "web"], "not a regular file: a FIFO")


def test_a_capture_that_is_a_directory(tmp_path):
    one_line(tmp_path, ["replay", yaml_file(tmp_path, BASE), tmp_path, "--at", "web"], "a directory")


# --- 9: values quoted in errors -----------------------------------------------------------------------

@pytest.mark.parametrize("value", ['"gre\\nvpcemu: all good"', '"' + "g" * 100_000 + '"', '"\\u2028x\\x1b[31m"'])
def test_a_value_is_quoted_on_one_short_line(tmp_path, value):
    text = BASE.replace("private_ip: 10.0.1.20}", f"private_ip: 10.0.1.20, state: {value}}}")
    line = one_line(tmp_path, ["trace", yaml_file(tmp_path, text), *TRACE], "vpcs.app.instances.db: state: ")
    assert len(line) < 400 and "\x1b" not in line


def test_a_name_with_a_newline_stays_on_one_line(tmp_path):
    text = BASE.replace("          web: {subnet: a,", '          "web\\nvpcemu: fine": {subnet: b,')
    one_line(tmp_path, ["trace", yaml_file(tmp_path, text), *TRACE], "web\\nvpcemu: fine", "unknown subnet 'b'")


def test_shown_never_expands_a_container():
    nested: list = ["x"]
    for _ in range(30):
        nested = [nested, nested]
    assert shown(nested) == "a list of 2 items" and shown({"a": 1}) == "a mapping of 1 key"
    assert len(shown("z" * 100_000)) < 100 and len(shown(10 ** 5000)) < 60


# --- 12: values YAML or AWS would read otherwise ----------------------------------------------------

@pytest.mark.parametrize("account, says", [
    ("011122223333", "write the 12-digit account id in quotes"),  # YAML 1.1: the octal 1234...
    ('"12345"', "an AWS account id is 12 digits, got '12345'"),
    ('"１１１１２２２２３３３３"', "12 digits"),
])
def test_an_account_id_that_is_not_12_digits(tmp_path, account, says):
    one_line(tmp_path, ["trace", yaml_file(tmp_path, f"account: {account}\n" + BASE), *TRACE], "topology: account: ",
             says)


def test_a_vpc_block_with_host_bits_is_read_with_a_warning(tmp_path):
    result = check(["trace", yaml_file(tmp_path, BASE.replace("[10.0.0.0/16]", "[10.0.3.7/16]")), *TRACE], tmp_path)
    assert result.code == 0
    assert "vpcs.app: cidr_blocks: '10.0.3.7/16' has host bits set; read as 10.0.0.0/16" in result.stderr


def test_a_route_to_another_vpcs_internet_gateway(tmp_path):
    text = BASE.replace("        cidr_blocks: [10.0.0.0/16]\n", "        cidr_blocks: [10.0.0.0/16]\n"
                        "        route_tables:\n          rt: {routes: [{destination: 0.0.0.0/0, target: igw-other}]}\n",
                        1).replace("        route_tables:\n          rt: {}\n", "", 1)
    text += ("      other:\n        cidr_blocks: [10.9.0.0/16]\n"
             "        internet_gateway: {name: gw, id: igw-other}\n")
    one_line(tmp_path, ["trace", yaml_file(tmp_path, text), *TRACE], "(rt): Routes: route 0.0.0.0/0 -> ",
             "attached to vpc-", "not to this table's VPC", "R121")


# --- captures --------------------------------------------------------------------------------------

def test_a_capture_with_an_unknown_link_type_is_counted_not_crashed(tmp_path):
    capture = tmp_path / "in.pcap"
    write_capture(capture, [frame("10.0.1.10", "10.0.1.20")])
    data = bytearray(capture.read_bytes())
    data[20:24] = (147).to_bytes(4, "little")  # a user link type
    capture.write_bytes(bytes(data))
    result = check(["replay", yaml_file(tmp_path, BASE), capture, "--at", "web", "--json"], tmp_path)
    assert result.code == 0 and json.loads(result.stdout)
