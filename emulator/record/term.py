"""Terminal output for people: the trace's hop table in colour when stdout is a terminal, exactly
Trace.render()'s plain text otherwise (pipes, files, NO_COLOR set; https://no-color.org)."""
from __future__ import annotations

import os
import re
import sys

from .trace import Trace, short_id

RESET = "\033[0m"
STYLES = {"bold": "\033[1m", "dim": "\033[2m", "red": "\033[31m", "green": "\033[32m", "yellow": "\033[33m",
          "blue": "\033[34m", "magenta": "\033[35m", "cyan": "\033[36m"}
ACTION_COLOURS = {"allow": "green", "deny": "red", "drop": "red", "translate": "yellow", "route": "blue",
                  "deliver": "green", "exit": "green", "send": "cyan", "forward": "magenta", "receive": "magenta"}
VERDICT_COLOURS = {"DELIVERED": "green", "EXITED": "green", "DROPPED": "red"}
_ANSI = re.compile(r"\033\[[0-9;]*m")


def use_colour(stream=None) -> bool:
    stream = stream if stream is not None else sys.stdout
    if os.environ.get("NO_COLOR", "") != "":
        return False
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


def paint(text: str, *styles: str, colour: bool = True) -> str:
    if not colour or not text:
        return text
    return "".join(STYLES[s] for s in styles) + text + RESET


def strip(text: str) -> str:
    return _ANSI.sub("", text)


def render_trace(trace: Trace, colour: bool) -> str:
    """Trace.render()'s table, coloured: actions by what they did, ids dimmed, the verdict bold."""
    plain = trace.render()
    if not colour:
        return plain
    return "\n".join(_colour_line(line, hop) for line, hop in _lines_with_hops(plain, trace))


def _lines_with_hops(text: str, trace: Trace):
    """Each line of the rendering with the hop it shows (None for the other lines)."""
    legs = [trace] + ([trace.reply] if trace.reply is not None else [])
    hops = iter([h for leg in legs for h in leg.hops])
    for line in text.split("\n"):
        is_hop = bool(re.match(r"^  \d+\s", line))
        yield line, (next(hops, None) if is_hop else None)


def _colour_line(line: str, hop) -> str:
    if hop is not None:
        # The columns are the hop's own fields, found left to right (an id may hold spaces).
        spans, at = [], len(re.match(r"^  \d+\s+", line).group(0))
        for text in (hop.type, short_id(hop.id), hop.action):
            start = line.find(text, at)
            if start < 0:
                return line
            spans.append((start, start + len(text)))
            at = start + len(text)
        colour = ACTION_COLOURS.get(hop.action, "")
        (t0, t1), (i0, i1), (a0, a1) = spans
        rest = line[a1:]
        return (line[:t0] + paint(line[t0:t1], "bold") + line[t1:i0] + paint(line[i0:i1], "dim") + line[i1:a0]
                + (paint(line[a0:a1], colour) if colour else line[a0:a1])
                + (paint(rest, "red") if hop.action in ("drop", "deny") else rest))
    if line.startswith("=> "):
        for word, colour in VERDICT_COLOURS.items():
            if line.startswith(f"=> {word}"):
                return "=> " + paint(word, "bold", colour) + line[3 + len(word):]
        if "NOT REACHABLE" in line:
            return line.replace("NOT REACHABLE", paint("NOT REACHABLE", "bold", "red"))
        if "REACHABLE" in line:
            return line.replace("REACHABLE", paint("REACHABLE", "bold", "green"), 1)
    if line.startswith(("packet: ", "return packet: ")):
        head, _, rest = line.partition(": ")
        return paint(head + ":", "bold") + " " + rest
    return line
