"""The one exception type for mistakes a user can make in a topology or on the command line."""
from __future__ import annotations


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
        parts = [p for p in (self.file, self.resource, self.field) if p]
        return ": ".join(parts + [self.message])


class MalformedPacket(InputError):
    """A packet the emulator cannot forward: no IPv4 header, a truncated header, a bad length."""
