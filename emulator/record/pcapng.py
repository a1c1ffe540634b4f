"""pcapng files, written with struct: a Section Header Block, one Interface Description Block per
interface, Enhanced Packet Blocks with a comment each (pcapng draft, IETF opsawg-pcapng).

Files are written by emulator/atomic.py: atomically (a hidden temporary file beside the target,
renamed into place by close()); abort() (or an exception inside a `with` block) leaves nothing
behind. A small reader
reads back what the writer writes (and any little- or big-endian pcapng with one section),
for merging the parts that replay workers write and for tests that do not need Wireshark.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import AtomicFile
from ..inputs.errors import InputError

SHB, IDB, EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
BYTE_ORDER_MAGIC = 0x1A2B3C4D
OPT_END, OPT_COMMENT = 0, 1
SHB_USERAPPL = 4
IF_NAME, IF_DESCRIPTION, IF_TSRESOL = 2, 3, 9
EPB_FLAGS = 2
LINKTYPE_ETHERNET, LINKTYPE_RAW = 1, 101
# epb_flags bits 0-1: the direction of the packet on its interface.
INBOUND, OUTBOUND = 1, 2


def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + _pad(value)


def _block(block_type: int, body: bytes) -> bytes:
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


@dataclass
class Interface:
    name: str
    description: str = ""
    linktype: int = LINKTYPE_RAW
    tsresol: int = 9  # timestamps in units of 10**-tsresol seconds


class PcapngWriter(AtomicFile):
    """Writes one section. Interfaces are added on first use (`interface(name)` returns its id)."""

    def __init__(self, path: str | Path, application: str = "vpcemu", snaplen: int = 262144):
        super().__init__(path)
        self.snaplen = snaplen
        self.interfaces: dict[str, int] = {}
        body = struct.pack("<IHHq", BYTE_ORDER_MAGIC, 1, 0, -1)
        body += _option(SHB_USERAPPL, application.encode()) + _option(OPT_END, b"")
        self._file.write(_block(SHB, body))
        self._tsresol: list[int] = []

    def interface(self, name: str, description: str = "", linktype: int = LINKTYPE_RAW, tsresol: int = 9) -> int:
        """The id of the interface called `name`, declared with an IDB the first time it is asked for."""
        found = self.interfaces.get(name)
        if found is not None:
            return found
        body = struct.pack("<HHI", linktype, 0, self.snaplen)
        body += _option(IF_NAME, name.encode())
        if description:
            body += _option(IF_DESCRIPTION, description.encode())
        body += _option(IF_TSRESOL, bytes([tsresol])) + _option(OPT_END, b"")
        self._file.write(_block(IDB, body))
        self.interfaces[name] = len(self.interfaces)
        self._tsresol.append(tsresol)
        return self.interfaces[name]

    def packet(self, interface_id: int, timestamp: int, data: bytes, original_length: int | None = None,
               comment: str = "", direction: int = 0) -> None:
        """An Enhanced Packet Block; `timestamp` is in the interface's units (see `tsresol`)."""
        body = struct.pack("<IIIII", interface_id, timestamp >> 32, timestamp & 0xFFFFFFFF, len(data),
                           original_length or len(data)) + _pad(data)
        options = b""
        if comment:
            options += _option(OPT_COMMENT, comment.encode())
        if direction:
            options += _option(EPB_FLAGS, struct.pack("<I", direction))
        if options:
            body += options + _option(OPT_END, b"")
        self._file.write(_block(EPB, body))


@dataclass
class Packet:
    interface_id: int
    timestamp: int  # in the interface's units
    data: bytes
    original_length: int
    comment: str = ""
    flags: int = 0


@dataclass
class Capture:
    interfaces: list[Interface] = field(default_factory=list)
    packets: list[Packet] = field(default_factory=list)
    application: str = ""

    def seconds(self, packet: Packet) -> float:
        return packet.timestamp / 10 ** self.interfaces[packet.interface_id].tsresol


def _options(data: bytes, endian: str) -> dict[int, list[bytes]]:
    out: dict[int, list[bytes]] = {}
    offset = 0
    while offset + 4 <= len(data):
        code, length = struct.unpack_from(endian + "HH", data, offset)
        if code == OPT_END:
            break
        out.setdefault(code, []).append(data[offset + 4:offset + 4 + length])
        offset += 4 + length + (-length % 4)
    return out


def read_pcapng(path: str | Path) -> Capture:
    """Interfaces and packets of a pcapng file (its first section); InputError names what is wrong."""
    path = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", file=path) from None
    if len(data) < 28 or struct.unpack_from("<I", data, 0)[0] != SHB:
        raise InputError("not a pcapng file", file=path)
    magic = struct.unpack_from("<I", data, 8)[0]
    endian = "<" if magic == BYTE_ORDER_MAGIC else ">"
    capture = Capture()
    offset = 0
    while offset + 12 <= len(data):
        block_type, length = struct.unpack_from(endian + "II", data, offset)
        if length < 12 or offset + length > len(data):
            raise InputError(f"truncated pcapng block at byte offset {offset}", file=path)
        body = data[offset + 8:offset + length - 4]
        if block_type == SHB:
            if capture.interfaces or capture.packets:
                break  # a second section: not read
            capture.application = b"".join(_options(body[16:], endian).get(SHB_USERAPPL, [b""])).decode()
        elif block_type == IDB:
            linktype, _reserved, _snaplen = struct.unpack_from(endian + "HHI", body, 0)
            options = _options(body[8:], endian)
            tsresol = options.get(IF_TSRESOL, [bytes([6])])[0][0]
            capture.interfaces.append(Interface(options.get(IF_NAME, [b""])[0].decode(),
                                                options.get(IF_DESCRIPTION, [b""])[0].decode(), linktype, tsresol))
        elif block_type == EPB:
            iface, high, low, caplen, wirelen = struct.unpack_from(endian + "IIIII", body, 0)
            packet_data = body[20:20 + caplen]
            options = _options(body[20 + caplen + (-caplen % 4):], endian)
            flags = struct.unpack(endian + "I", options[EPB_FLAGS][0])[0] if EPB_FLAGS in options else 0
            capture.packets.append(Packet(iface, (high << 32) | low, packet_data, wirelen,
                                          options.get(OPT_COMMENT, [b""])[0].decode(), flags))
        offset += length
    return capture
