"""Hop tables for people: colours on a terminal, exactly the plain table otherwise (NO_COLOR)."""
from __future__ import annotations

import io
import subprocess
import sys

import pytest

import emulator
from emulator.record.term import render_trace, strip, use_colour
from tests.conftest import ROOT, TOPOLOGIES

SEED = TOPOLOGIES / "seed-endpoints.yaml"


@pytest.fixture(scope="module")
def seed():
    return emulator.load(SEED)


class Tty(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("source, destination", [
    ("batch-1", "s3.eu-west-2.amazonaws.com"),   # NAT, IGW, and a reply
    ("web-a", "10.0.10.10"),                     # a drop by a security group
    ("app-b", "s3.eu-west-2.amazonaws.com"),     # no route
])
def test_colour_is_only_added_the_text_is_the_plain_table(seed, source, destination):
    trace = seed.trace_flow(source, destination, with_return=True)
    coloured = render_trace(trace, colour=True)
    assert coloured != trace.render() and "\033[" in coloured
    assert strip(coloured) == trace.render()
    assert render_trace(trace, colour=False) == trace.render()


def test_drops_are_red_and_deliveries_green(seed):
    dropped = render_trace(seed.trace_flow("web-a", "10.0.10.10"), colour=True)
    assert "\033[1m\033[31mDROPPED" in dropped and "\033[31mdrop\033[0m" in dropped
    delivered = render_trace(seed.trace_flow("web-a", "s3.eu-west-2.amazonaws.com"), colour=True)
    assert "\033[1m\033[32mDELIVERED" in delivered


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_colour(Tty()) is True
    assert use_colour(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_colour(Tty()) is False
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert use_colour(Tty()) is False


def test_piped_cli_output_is_plain(seed):
    result = subprocess.run([sys.executable, "-m", "emulator", "trace", str(SEED), "--from", "web-a", "--to",
                             "10.0.10.10"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "\033[" not in result.stdout
    assert result.stdout.rstrip("\n") == seed.trace_flow("web-a", "10.0.10.10").render()
