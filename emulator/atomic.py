"""Files written whole or not at all: what a user asked for never appears half-written."""
from __future__ import annotations

import os
from pathlib import Path

from .inputs.errors import InputError


class AtomicFile:
    """Written to `<path>.partial`, renamed to `path` on close(), removed on abort()."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._tmp = f"{self.path}.partial"
        try:
            self._file = open(self._tmp, "wb")
        except OSError as error:
            raise InputError(f"cannot write: {error.strerror}", file=self.path) from None

    def close(self) -> None:
        self._file.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        self._file.close()
        if os.path.exists(self._tmp):
            os.unlink(self._tmp)
