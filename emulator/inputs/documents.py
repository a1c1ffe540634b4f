"""Reading the documents a user names (YAML topologies, AWS JSON files) with bounds: a regular file
only (a FIFO, a device or a directory is refused at once, never waited on), of bounded size, in UTF-8,
nested to a bounded depth, and for YAML with bounded alias expansion ("billion laughs"). Every
failure is one InputError naming the file.
"""
from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, one_line, shown

MAX_YAML_BYTES = 64 * 2**20
MAX_JSON_BYTES = 512 * 2**20  # a large account's describe-network-interfaces runs to hundreds of MB
# Nodes that YAML aliases add beyond those written in the file: anchors for shared rules stay well
# inside, while a few hundred bytes of nested aliases would otherwise stand for billions of nodes.
MAX_ALIAS_NODES = 1_000_000
MAX_DEPTH = 200  # far deeper than any topology (libyaml itself stops at 1000)
# An alias needs an anchor: a text with no `&name` token has no aliases and is not walked.
_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s\[\]{},]", re.MULTILINE)

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def kind_of(path: str | Path) -> str | None:
    """What `path` is: "file", "directory", or None when it does not exist; InputError when it cannot
    be looked at (a name too long, no permission) or is something else (a FIFO, a device)."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise InputError(f"cannot read: {_reason(error)}", file=str(path)) from None
    except ValueError:  # an embedded NUL byte
        raise InputError("cannot read: the name holds a NUL character", file=str(path)) from None
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISREG(mode):
        return "file"
    raise InputError(f"not a regular file: {file_kind(mode)}", file=str(path))


def open_regular_file(path: str | Path) -> tuple[int, os.stat_result]:
    """A descriptor of `path` and its status, if it is a regular file; else one InputError.
    Never waits: a FIFO or a device is refused, not read. The caller closes the descriptor."""
    name = str(path)
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InputError("no such file", file=name) from None
    except OSError as error:
        raise InputError(f"cannot read: {_reason(error)}", file=name) from None
    except ValueError:
        raise InputError("cannot read: the name holds a NUL character", file=name) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InputError(f"not a regular file: {file_kind(info.st_mode)}", file=name)
    return fd, info


def read_bytes(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes."""
    name = str(path)
    fd, info = open_regular_file(path)
    try:
        if info.st_size > limit:
            raise InputError(f"too large: {info.st_size:,} bytes, at most {limit:,}", file=name)
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise InputError(f"too large: more than {limit:,} bytes", file=name)
        return b"".join(chunks)
    except OSError as error:
        raise InputError(f"cannot read: {_reason(error)}", file=name) from None
    finally:
        os.close(fd)


def read_text(path: str | Path, limit: int) -> str:
    """A regular file's text, which must be UTF-8 (a leading byte-order mark is allowed)."""
    data = read_bytes(path, limit)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError("UTF-16 text: save the file as UTF-8", file=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(f"not UTF-8 text: byte 0x{data[error.start]:02x} at offset {error.start} (line {line})",
                         file=str(path)) from None


def read_json_text(path: str | Path) -> str:
    """The text of a JSON file, bounded in size (for readers that decode it themselves)."""
    return read_text(path, MAX_JSON_BYTES)


def read_json(path: str | Path) -> Any:
    """A JSON document, bounded in size and depth."""
    text = read_text(path, MAX_JSON_BYTES)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"malformed JSON: {error.msg} (line {error.lineno}, column {error.colno})",
                         file=str(path)) from None
    except RecursionError:  # the C decoder's own bound, far past any describe-* output
        raise InputError("malformed JSON: nested too deeply", file=str(path)) from None
    except ValueError as error:  # a number of more digits than Python converts
        raise InputError(f"malformed JSON: {one_line(error, 100)}", file=str(path)) from None
    return document


def read_yaml(path: str | Path) -> Any:
    """A YAML document, read by BoundedLoader."""
    text = read_text(path, MAX_YAML_BYTES)
    loader = BoundedLoader(text)
    loader.may_alias = _ANCHOR.search(text) is not None
    try:
        return loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputError(f"{where}malformed YAML: {problem}", file=str(path)) from None
    except RecursionError:  # the pure-Python parser, where PyYAML has no libyaml
        raise InputError("malformed YAML: nested too deeply", file=str(path)) from None
    except (ValueError, OverflowError) as error:  # a date that is no date (2024-02-30), a number too long
        raise InputError(f"malformed YAML: a value cannot be read: {one_line(error, 100)}", file=str(path)) from None
    finally:
        loader.dispose()


# libyaml's parser when PyYAML was built with it (its wheels are): about 3x faster on big files.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class BoundedLoader(_SafeLoader):
    """yaml.safe_load, except that a key given twice in one mapping is an error (PyYAML keeps the
    last), and that the composed document is measured before it is constructed: at most MAX_DEPTH
    levels, MAX_ALIAS_NODES nodes added by aliases, and no alias inside the node it names."""

    def construct_document(self, node):
        if getattr(self, "may_alias", True):
            _measure(node)
        return super().construct_document(node)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key: SafeLoader reports it
                    continue
                if duplicate:
                    raise yaml.constructor.ConstructorError(None, None, f"duplicate key {shown(key)}",
                                                            key_node.start_mark)
        return super().construct_mapping(node, deep)


def _measure(root) -> None:
    """Walk the node graph once (iteratively: no recursion to exhaust), sizing each node as if its
    aliases were expanded; raise a YAML error at the first bound passed."""
    sizes: dict[int, int] = {}  # id(node) -> nodes it stands for, aliases expanded
    on_path: set[int] = set()
    written = 0
    stack = [(root, False, 1)]
    while stack:
        node, done, depth = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            sizes[key] = size
            if size - written > MAX_ALIAS_NODES:
                raise yaml.YAMLError(f"aliases expand the document past {MAX_ALIAS_NODES:,} nodes")
            continue
        if key in sizes:
            continue  # an alias: its size is known
        if key in on_path:
            raise _node_error(node, "an alias refers to a node that contains it")
        if depth > MAX_DEPTH:
            raise _node_error(node, f"nested deeper than {MAX_DEPTH} levels")
        written += 1
        on_path.add(key)
        stack.append((node, True, depth))
        for child in _children(node):
            if id(child) not in sizes:
                stack.append((child, False, depth + 1))
    # `written` counts each node once however many aliases name it: what the file spells out.


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return node.value
    return []


def _node_error(node, problem: str) -> yaml.MarkedYAMLError:
    return yaml.MarkedYAMLError(problem=problem, problem_mark=node.start_mark)


def file_kind(mode: int) -> str:
    """What a non-regular file is, for a message: a directory, a FIFO (named pipe), a device."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _reason(error: OSError) -> str:
    return (error.strerror or error.__class__.__name__).lower()
