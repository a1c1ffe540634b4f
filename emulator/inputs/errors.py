"""The one exception type for mistakes a user can make in a topology or on the command line."""
from __future__ import annotations

from typing import Any

VALUE_WIDTH = 60  # characters of a value quoted in a message
PART_WIDTH = 160  # the file, resource and field parts of a line
MESSAGE_WIDTH = 500

# Everything str.splitlines() breaks at, and the other control characters (a terminal's escapes):
# escaped, so that an error is always one line however hostile the value it quotes.
_ESCAPES = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_ESCAPES.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", 0x2028: "\\u2028", 0x2029: "\\u2029"})


def one_line(text: Any, width: int = MESSAGE_WIDTH) -> str:
    """`text` on one line (control characters escaped), at most about `width` characters: a longer
    text keeps its start and its end (where rule ids are), with an ellipsis between."""
    text = str(text).translate(_ESCAPES)
    if len(text) <= width:
        return text
    keep = max(width - 30, 10)
    return f"{text[:keep * 2 // 3]}…({len(text) - keep} characters)…{text[-(keep // 3):]}"


def shown(value: Any, width: int = VALUE_WIDTH) -> str:
    """A value as a message quotes it: a scalar's repr, shortened; a list or mapping by its size, so that
    a value built by YAML aliases is never expanded into a message."""
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key{'s' * (len(value) != 1)}"
    if isinstance(value, (list, tuple, set)):
        return f"a list of {len(value)} item{'s' * (len(value) != 1)}"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"a number of about {int(value.bit_length() * 0.30103)} digits"
    if isinstance(value, str) and len(value) > width:
        return repr(value[:width]) + f"…({len(value)} characters)"
    return one_line(repr(value), width + 20)


class InputError(Exception):
    """Bad input, reported as one line: `FILE: RESOURCE: FIELD: what is wrong`."""

    def __init__(self, message: str, *, file: str | None = None, resource: str | None = None,
                 field: str | None = None):
        self.message = message
        self.file = file
        self.resource = resource
        self.field = field
        super().__init__(self.line())

    def line(self) -> str:
        """The whole error on one line; every part is shortened and stripped of line breaks here,
        once, whatever the caller put into it (a key may be a number, a value may hold a newline)."""
        parts = [one_line(p, PART_WIDTH) for p in (self.file, self.resource, self.field) if p is not None and p != ""]
        return ": ".join(parts + [one_line(self.message)])

    def __str__(self) -> str:  # the parts may have been changed after construction (cli.py names the file)
        return self.line()


class MalformedPacket(InputError):
    """A packet the emulator cannot forward: no IPv4 header, a truncated header, a bad length."""
