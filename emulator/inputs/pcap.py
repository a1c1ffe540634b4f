"""Classic pcap files: a streaming reader that reports where a damaged file breaks, and a writer."""
from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from ..atomic import AtomicFile
from .documents import open_regular_file
from .errors import InputError

LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_IPV4 = 1, 101, 228
_MAGICS = {0xA1B2C3D4: ("<", 1_000_000), 0xD4C3B2A1: (">", 1_000_000),
           0xA1B23C4D: ("<", 1_000_000_000), 0x4D3CB2A1: (">", 1_000_000_000)}


@dataclass
class PcapFile:
    """An open capture: its bytes (memory-mapped), byte order, link type and first record offset."""

    path: str
    data: bytes
    endian: str
    ticks_per_second: int
    linktype: int
    first_record: int = 24

    def close(self) -> None:
        if isinstance(self.data, mmap.mmap):
            self.data.close()


def open_pcap(path: str | Path) -> PcapFile:
    """A capture, memory-mapped; a FIFO or a device is refused at once (documents.read_bytes)."""
    path = str(path)
    fd, info = open_regular_file(path)
    try:
        if info.st_size < 24:
            raise InputError(f"not a pcap file: {info.st_size} bytes, the global header alone is 24", file=path)
        data = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic == 0x0A0D0D0A:
        data.close()
        raise InputError("pcapng is not supported for input; convert with `editcap -F pcap`", file=path)
    if magic not in _MAGICS:
        data.close()
        raise InputError(f"not a pcap file (magic 0x{magic:08x})", file=path)
    endian, ticks = _MAGICS[magic]
    linktype = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF
    return PcapFile(path, data, endian, ticks, linktype)


class PcapWriter(AtomicFile):
    """Writes a classic pcap, atomically: to a temporary file renamed into place on close()."""

    def __init__(self, path: str | Path, linktype: int = LINKTYPE_ETHERNET, snaplen: int = 262144):
        super().__init__(path)
        self._file.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        self._record = struct.Struct("<IIII")

    def write(self, ts_sec: int, ts_usec: int, frame: bytes, wire_length: int | None = None) -> None:
        self._file.write(self._record.pack(ts_sec, ts_usec, len(frame), wire_length or len(frame)))
        self._file.write(frame)
