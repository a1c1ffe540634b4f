"""emulator/record/pcapng.py: the blocks it writes are pcapng as Wireshark reads it, and its own
reader gives back what was written. Files appear whole or not at all."""
from __future__ import annotations

import os

import pytest

from emulator.inputs.errors import InputError
from emulator.record.pcapng import INBOUND, LINKTYPE_ETHERNET, LINKTYPE_RAW, OUTBOUND, PcapngWriter, read_pcapng
from emulator.record.capture import packet_bytes
from emulator.dataplane.packet import TCP, UDP, Headers, ip_to_int
from tests.record.tshark import fields, file_type, interface_count, needs_tshark


def _packet(src="10.0.0.1", dst="10.0.0.2", proto=UDP, sport=1000, dport=53) -> bytes:
    return packet_bytes(Headers(ip_to_int(src), ip_to_int(dst), proto, sport, dport))


def _write(path):
    with PcapngWriter(path, application="test") as writer:
        a = writer.interface("alpha", "the first", LINKTYPE_RAW, tsresol=9)
        b = writer.interface("beta", "", LINKTYPE_RAW, tsresol=6)
        assert writer.interface("alpha") == a  # asked again: the same interface, no second IDB
        writer.packet(a, 1_700_000_000_123_456_789, _packet(), comment="first: ünïcode ok", direction=OUTBOUND)
        writer.packet(b, 1_700_000_001_000_001, _packet("10.0.0.3", "10.0.0.4", TCP, 5, 6), direction=INBOUND)
        writer.packet(a, 1_700_000_002_000_000_000, _packet(), comment="x" * 5)  # padded option
    return a, b


def test_the_reader_gives_back_interfaces_packets_comments_and_times(tmp_path):
    path = tmp_path / "t.pcapng"
    _write(path)
    capture = read_pcapng(path)
    assert capture.application == "test"
    assert [(i.name, i.description, i.linktype, i.tsresol) for i in capture.interfaces] == [
        ("alpha", "the first", LINKTYPE_RAW, 9), ("beta", "", LINKTYPE_RAW, 6)]
    assert [p.interface_id for p in capture.packets] == [0, 1, 0]
    assert [p.comment for p in capture.packets] == ["first: ünïcode ok", "", "xxxxx"]
    assert [p.flags for p in capture.packets] == [OUTBOUND, INBOUND, 0]
    assert capture.seconds(capture.packets[0]) == pytest.approx(1_700_000_000.123456789)
    assert capture.seconds(capture.packets[1]) == pytest.approx(1_700_000_001.000001)
    assert capture.packets[1].data == _packet("10.0.0.3", "10.0.0.4", TCP, 5, 6)


@needs_tshark
def test_wireshark_reads_it_as_pcapng_with_each_interface_comment_and_timestamp(tmp_path):
    path = tmp_path / "t.pcapng"
    _write(path)
    assert "pcapng" in file_type(path)
    assert interface_count(path) == 2
    rows = fields(path, "frame.interface_name", "frame.time_epoch", "ip.src", "frame.comment", "udp.dstport")
    assert [r[0] for r in rows] == ["alpha", "beta", "alpha"]
    assert rows[0][1].startswith("1700000000.123456789")
    assert rows[1][1].startswith("1700000001.000001")
    assert rows[0][2:] == ["10.0.0.1", "first: ünïcode ok", "53"]
    assert rows[1][2] == "10.0.0.3"


def test_an_aborted_file_leaves_nothing_behind(tmp_path):
    path = tmp_path / "t.pcapng"
    with pytest.raises(RuntimeError):
        with PcapngWriter(path) as writer:
            writer.packet(writer.interface("a"), 0, _packet())
            raise RuntimeError("stop")
    assert os.listdir(tmp_path) == []


def test_a_file_is_only_in_place_once_closed(tmp_path):
    path = tmp_path / "t.pcapng"
    writer = PcapngWriter(path)
    writer.packet(writer.interface("a", linktype=LINKTYPE_ETHERNET), 0, b"\x00" * 60)
    hidden = [name for name in os.listdir(tmp_path) if name.startswith(".t.pcapng.")]
    assert not path.exists() and len(hidden) == 1  # a hidden temporary file beside the target
    writer.close()
    assert os.listdir(tmp_path) == ["t.pcapng"]


def test_an_unwritable_place_is_one_input_error(tmp_path):
    with pytest.raises(InputError) as info:
        PcapngWriter(tmp_path / "missing" / "t.pcapng")
    assert info.value.file.endswith("t.pcapng") and "cannot write" in info.value.line()


def test_the_reader_rejects_what_is_not_pcapng(tmp_path):
    path = tmp_path / "x.pcapng"
    path.write_bytes(b"\xd4\xc3\xb2\xa1" + b"\x00" * 40)
    with pytest.raises(InputError, match="not a pcapng file"):
        read_pcapng(path)
