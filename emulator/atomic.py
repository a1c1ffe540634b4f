"""Every file vpcemu writes goes through here: written whole or not at all, and never by replacing
something that is not a regular file.

Where the output goes depends on what the path names:

- a regular file, or nothing yet: a hidden temporary file beside it (tempfile, a unique name),
  renamed over it on close(), removed on abort() or on any exception (KeyboardInterrupt too);
- a symbolic link: written through, atomically beside the file it points to (the link stays);
- `-` or `/dev/stdout`: streamed to standard output, where the command allows it (not where
  stdout already carries the command's report);
- a character device or a FIFO (`/dev/null`, a named pipe): written to directly — not atomic,
  it cannot be;
- a block device, a directory, a socket, or a path whose directory does not exist: one
  InputError line, and nothing is touched.

New files get the permissions of any new file (0666 less the umask), not tempfile's 0600.
"""
from __future__ import annotations

import os
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .inputs.errors import InputError

STDOUT_NAMES = ("-", "/dev/stdout")
_TEMP_SUFFIX = ".partial"


class AtomicFile:
    """A file being written: `write()` it, then `close()` puts it in place or `abort()` drops it.
    As a context manager it closes on success and aborts on any exception.

    `mode` is "wb" (bytes) or "w" (text, UTF-8). `stdout` says whether `-` / `/dev/stdout` may
    stream to standard output (only where nothing else of the command's goes there)."""

    def __init__(self, path: str | Path, mode: str = "wb", *, stdout: bool = False):
        if mode not in ("wb", "w"):
            raise ValueError(f"mode is 'wb' or 'w', not {mode!r}")
        self.path = str(path)
        self.temporary: str | None = None  # the hidden file, while there is one
        self._target: str | None = None  # where close() renames it (the resolved path)
        self._done = False
        kind, target = _classify(self.path, stdout)
        encoding = None if mode == "wb" else "utf-8"
        if kind == "stdout":
            self._owned = False
            self._file = sys.stdout.buffer if mode == "wb" else sys.stdout
            return
        self._owned = True
        if kind == "direct":
            try:
                self._file = open(target, mode, encoding=encoding)
            except OSError as error:
                raise self.failure(error) from None
            return
        directory, name = os.path.split(target)
        try:
            fd, self.temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=_TEMP_SUFFIX, dir=directory or ".")
        except OSError as error:
            raise self.failure(error) from None
        try:
            os.fchmod(fd, 0o666 & ~_umask())
            self._file = os.fdopen(fd, mode, encoding=encoding)
        except BaseException:
            os.close(fd)
            os.unlink(self.temporary)
            raise
        self._target = target

    @property
    def atomic(self) -> bool:
        """Whether close() renames a finished file into place (False for stdout, devices, FIFOs)."""
        return self._target is not None

    def write(self, data) -> None:
        try:
            self._file.write(data)
        except OSError as error:
            if isinstance(error, BrokenPipeError) and not self._owned:
                raise  # stdout closed early: the command line handles it (cli.main)
            raise self.failure(error) from None

    def flush(self) -> None:
        """What was written so far is in the file (to read it back before close())."""
        try:
            self._file.flush()
        except OSError as error:
            raise self.failure(error) from None

    def failure(self, error: OSError) -> InputError:
        """The one line for an OSError met while writing this file (the caller raises it)."""
        reason = error.strerror or error.__class__.__name__
        return InputError(f"cannot write: {reason}", file=self.path)

    @contextmanager
    def filling(self):
        """The block writes the file, which stays open for the caller to close() (or commit() with a
        command's other outputs); if the block fails, the file is dropped and an OSError is one line."""
        try:
            yield self
        except OSError as error:
            self.abort()
            raise self.failure(error) from None
        except BaseException:
            self.abort()
            raise

    def close(self) -> None:
        """Finish the file: flushed, and (when atomic) renamed into place."""
        if self._done:
            return
        self._done = True
        try:
            if self._owned:
                self._file.close()
            else:
                self._file.flush()
            if self._target is not None:
                os.replace(self.temporary, self._target)
                self.temporary = None
        except OSError as error:
            self._drop()
            if isinstance(error, BrokenPipeError) and not self._owned:
                raise
            raise self.failure(error) from None
        except BaseException:
            self._drop()
            raise

    def abort(self) -> None:
        """Drop the file: the target stays as it was (a device or FIFO keeps what it was sent)."""
        if self._done:
            return
        self._done = True
        self._drop()

    def _drop(self) -> None:
        if self._owned:
            try:
                self._file.close()
            except OSError:
                pass
        if self.temporary is not None:
            try:
                os.unlink(self.temporary)
            except FileNotFoundError:
                pass
            self.temporary = None

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb) -> None:
        if kind is None:
            self.close()
            return
        self.abort()
        if isinstance(value, OSError) and not isinstance(value, BrokenPipeError):
            raise self.failure(value) from None


def write_file(path: str | Path, data: bytes | str, *, stdout: bool = False) -> None:
    """Write `data` (bytes, or str as UTF-8) to `path` whole, as AtomicFile does."""
    with AtomicFile(path, "wb" if isinstance(data, bytes) else "w", stdout=stdout) as out:
        out.write(data)


def commit(files: list[AtomicFile]) -> None:
    """Close several outputs of one command together: if one cannot be finished, the ones not
    yet in place are dropped (files already renamed into place cannot be taken back)."""
    try:
        for file in files:
            file.close()
    except BaseException:
        for file in files:
            file.abort()
        raise


def check_output(path: str | Path, *, stdout: bool = False) -> None:
    """Raise the InputError AtomicFile(path) would raise, without creating anything: for commands
    that should refuse a bad output before doing their work."""
    _classify(str(path), stdout)


def _classify(path: str, stdout_allowed: bool) -> tuple[str, str | None]:
    """("stdout" | "direct" | "atomic", the path to open or rename onto)."""
    if path in STDOUT_NAMES:
        if not stdout_allowed:
            raise InputError("standard output carries this command's report: name a file", file=path)
        return "stdout", None
    if not path:
        raise InputError("cannot write: an empty file name", file=path)
    if path.endswith(os.sep):
        raise InputError("cannot write: the name ends in a slash (a directory); name a file", file=path)
    try:
        info = os.stat(path)  # through symbolic links (also /proc/self/fd/N, which realpath cannot)
    except FileNotFoundError:
        info = None  # nothing there yet, or a dangling link: created where it points
    except OSError as error:
        raise InputError(f"cannot write: {error.strerror}", file=path) from None
    target = os.path.realpath(path)
    if info is None:
        directory = os.path.dirname(target)
        if not os.path.isdir(directory):
            shown = os.path.dirname(path) or "."
            raise InputError(f"cannot write: no such directory {shown}", file=path)
        return "atomic", target
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return "atomic", target
    if stat.S_ISDIR(mode):
        raise InputError("cannot write: is a directory; name a file", file=path)
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "direct", path
    if stat.S_ISBLK(mode):
        raise InputError("cannot write: is a block device; vpcemu writes no disks", file=path)
    raise InputError("cannot write: not a regular file, device or FIFO", file=path)


def _umask() -> int:
    """The process's umask, read without changing it (os.umask() sets it, racing other threads)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


__all__ = ["AtomicFile", "write_file", "commit", "check_output", "STDOUT_NAMES"]
