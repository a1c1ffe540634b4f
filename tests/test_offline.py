"""vpcemu is offline: no verb but `collect` (which talks to AWS by design) and the namespace lab
ever asks the host's resolver for a name or connects a socket. Every verb runs here with the
host's name lookups and socket connections made to fail the test."""
from __future__ import annotations

import socket

import pytest

from emulator.cli import main
from tests.captures import frame, write_capture
from tests.conftest import TOPOLOGIES
from tests.inputs.test_aws_json import describe_outputs, write_outputs

SEED = str(TOPOLOGIES / "seed-endpoints.yaml")


class WentOnline(AssertionError):
    pass


@pytest.fixture
def offline(monkeypatch):
    """Name lookups and outgoing connections raise (and are recorded, should anything swallow them)."""
    calls: list[str] = []

    def refuse(what):
        def call(*args, **kwargs):
            calls.append(f"{what}{args[:2]}")
            raise WentOnline(f"vpcemu called {what}{args[:2]}")
        return call

    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo",
                 "create_connection"):
        monkeypatch.setattr(socket, name, refuse(f"socket.{name}"))
    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse(f"socket.socket.{name}"))
    yield calls
    assert calls == [], calls


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("offline")
    write_capture(folder / "in.pcap", [frame("10.0.0.10", "8.8.8.8", "tcp", 1000 + i, 80) for i in range(5)])
    write_outputs(folder / "aws" / "aws_configs", describe_outputs())
    return folder


# Destinations that look like names or addresses in other scripts: each must stay inside vpcemu.
DESTINATIONS = ["8.8.8.8", "s3.eu-west-2.amazonaws.com", "example.com", "١.١.١.١", "².1.1.1", "localhost"]


@pytest.mark.parametrize("destination", DESTINATIONS)
def test_trace_and_resolve_never_ask_the_host(offline, destination, capsys):
    for verb in (["trace", SEED, "--from", "web-a", "--to", destination, "--json"],
                 ["resolve", SEED, destination, "--from", "web-a"],
                 ["graph", SEED, "--trace", "web-a", destination]):
        assert main(verb) in (0, 2), capsys.readouterr().err


def test_import_replay_demo_cost_and_graph_never_go_online(offline, inputs, tmp_path, capsys):
    aws = str(inputs / "aws")
    for verb in (["import", aws, "-o", str(tmp_path / "out.yaml")],
                 ["trace", aws, "--from", "web", "--to", "8.8.8.8"],
                 ["replay", SEED, str(inputs / "in.pcap"), "--at", "web-a", "--out", str(tmp_path / "o.pcap")],
                 ["replay", SEED, str(inputs / "in.pcap"), "--at", "web-a", "--workers", "2"],
                 ["demo", SEED],
                 ["cost", SEED, "--from", "web-a", "--to", "8.8.8.8", "--gb-per-month", "10"],
                 ["graph", SEED, "-o", str(tmp_path / "g.mmd")]):
        assert main(verb) == 0, (verb, capsys.readouterr().err)
